"""What crosses the sandbox boundary: JSON trees plus ``.npy`` arrays, never pickles.

The child *encodes* notebook values; the trusted verdict process *decodes* them into plain data
(numbers, arrays, stand-in objects). Keras models cross as config JSON + weights and are rebuilt
on the trusted side from a whitelist of layer classes, so no student code is ever deserialized.
Both sides import this module; it holds no expected values.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.files import atomic_write_json, read_regular_file, sha256_bytes, sha256_text
from autograder.files import read_json as read_json  # its readers import it from here too

MAX_ARRAY_BYTES = 16 * 2**20  # larger arrays cross as a digest (shape, dtype, stats, head)
MAX_ITEMS = 200_000  # iterators returned by student functions are materialised up to this
MAX_DEPTH = 12
MAX_TOTAL_ARRAY_BYTES = 512 * 2**20  # all arrays of one response together
MAX_ARRAY_FILE_BYTES = 128 * 2**20  # one array file (model weights cross whole, e.g. 20 MB)
HEAD_ROWS = 64
MAX_FITS = 20  # fit() records sent with a model
FIT_LABEL_HEAD = 64  # first labels of each fit's data, by which the verdict recognises a split
NAMED_FUNCTION_MODULES = ("numpy", "math")


@dataclass(frozen=True)
class Request:
    """What the grader asks of one notebook run (plan -> sandbox, ``request.json`` in the box):
    the notebook's file, the names to hand back, the calls of student functions to make (from
    the build's plan), the training budget and the time limits, and the cells and functions an
    earlier run of the same notebook was stopped in from outside (replaced by a failure)."""

    notebook: str
    fetch: tuple[str, ...] = ()
    calls: tuple[dict, ...] = ()  # {"function", "args", "key"}: the plan's, written at build
    budget: dict[str, int] = field(default_factory=dict)
    cell_timeout_s: float = 120.0
    timeout_s: float | None = None
    skip_cells: dict[str, str] = field(default_factory=dict)  # "index" -> why
    skip_functions: dict[str, str] = field(default_factory=dict)  # function -> why

    def to_json(self) -> dict[str, Any]:
        data = {
            "notebook": self.notebook,
            "fetch": list(self.fetch),
            "calls": list(self.calls),
            "budget": dict(self.budget),
            "cell_timeout_s": self.cell_timeout_s,
            "timeout_s": self.timeout_s,
        }
        if self.skip_cells or self.skip_functions:
            data |= {"skip_cells": self.skip_cells, "skip_functions": self.skip_functions}
        return data

    @classmethod
    def from_json(cls, data: Any) -> Request:
        """The request from plain data, every field checked (raises ``ValueError``)."""
        known = {"notebook", "fetch", "calls", "budget", "cell_timeout_s", "timeout_s",
                 "skip_cells", "skip_functions"}  # fmt: skip
        if not isinstance(data, dict) or not set(data) <= known or "notebook" not in data:
            raise ValueError("the request is malformed")
        texts = [data["notebook"], *data.get("fetch", [])]
        calls = data.get("calls", [])
        timeout = data.get("timeout_s")
        checks = (
            all(isinstance(t, str) for t in texts),
            isinstance(calls, list)
            and all(isinstance(c, dict) and {"function", "key"} <= set(c) for c in calls),
            all(isinstance(v, int) for v in data.get("budget", {}).values()),
            isinstance(data.get("cell_timeout_s", 120.0), (int, float)),
            timeout is None or isinstance(timeout, (int, float)),
            *(isinstance(data.get(k, {}), dict) for k in ("skip_cells", "skip_functions")),
        )
        if not all(checks):
            raise ValueError("the request is malformed")
        return cls(
            notebook=data["notebook"],
            fetch=tuple(data.get("fetch", [])),
            calls=tuple(calls),
            budget=dict(data.get("budget", {})),
            cell_timeout_s=float(data.get("cell_timeout_s", 120.0)),
            timeout_s=None if timeout is None else float(timeout),
            skip_cells={str(k): str(v) for k, v in data.get("skip_cells", {}).items()},
            skip_functions={str(k): str(v) for k, v in data.get("skip_functions", {}).items()},
        )


class ArrayStore:
    """Arrays referenced from a JSON tree, saved as one ``.npy`` each (``allow_pickle=False``).

    Reading is bounded: each file must be a regular file within the per-file cap whose header
    matches its size exactly, and all arrays read together stay within the total cap."""

    def __init__(
        self,
        folder: Path | None = None,
        max_file_bytes: int = MAX_ARRAY_FILE_BYTES,
        max_total_bytes: int = MAX_TOTAL_ARRAY_BYTES,
    ):
        self.folder = folder
        self.arrays: dict[str, np.ndarray] = {}
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.loaded_bytes = 0

    def put(self, array: np.ndarray) -> str:
        ref = f"a{len(self.arrays)}"
        self.arrays[ref] = np.ascontiguousarray(array)
        return ref

    def get(self, ref: str) -> np.ndarray:
        if ref not in self.arrays:
            if self.folder is None or not isinstance(ref, str) or not ref.isalnum():
                raise KeyError(ref)
            data = read_regular_file(self.folder / f"{ref}.npy", self.max_file_bytes)
            if self.loaded_bytes + len(data) > self.max_total_bytes:
                raise ValueError(f"arrays over the {self.max_total_bytes}-byte cap in total")
            self.loaded_bytes += len(data)
            self.arrays[ref] = load_npy_bytes(data)
        return self.arrays[ref]

    def save(self) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        for ref, array in self.arrays.items():
            np.save(self.folder / f"{ref}.npy", array, allow_pickle=False)


def load_npy_bytes(data: bytes) -> np.ndarray:
    """Parse a ``.npy`` file's bytes; the header must describe exactly the bytes present."""
    import io

    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject or dtype.kind not in "biufcUS?":
        raise ValueError(f"arrays of {dtype} are not accepted")
    count = math.prod(shape)
    if len(data) - stream.tell() != count * dtype.itemsize:
        raise ValueError("an array file's header does not match its size")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C")


# --------------------------------------------------------------------------- encoding (either side)


def encode(value: Any, store: ArrayStore, depth: int = 0) -> Any:
    """Turn a Python value into a JSON tree; unknown objects become a class name plus attributes."""
    if depth > MAX_DEPTH:
        return {"kind": "unsupported", "class": "too deeply nested"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"kind": "bigint", "repr": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"kind": "float", "repr": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return encode(value.item(), store, depth)  # np.int64(3) is the number 3, as in Python
    if isinstance(value, (np.generic, np.ndarray)) or _is_tensor(value):
        return _encode_array(np.asarray(value), store)
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"kind": kind, "items": [encode(v, store, depth + 1) for v in value[:MAX_ITEMS]]}
    if isinstance(value, dict):
        items = [
            [encode(k, store, depth + 1), encode(v, store, depth + 1)] for k, v in value.items()
        ]
        return {"kind": "dict", "items": items}
    named = _named_function_path(value)
    if named:
        return {"kind": "named_function", "path": named}
    return _encode_object(value, store, depth)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "numpy")


def _encode_array(array: np.ndarray, store: ArrayStore) -> dict:
    if array.dtype == object:
        return {"kind": "list", "items": [encode(v, store, 1) for v in array.tolist()]}
    if array.dtype.kind not in "biufcUS":
        return {"kind": "unsupported", "class": f"ndarray[{array.dtype}]"}
    if array.nbytes <= MAX_ARRAY_BYTES:
        return {"kind": "array", "ref": store.put(array)}
    numeric = array.dtype.kind in "biuf"
    return {
        "kind": "array_digest",
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "min": float(array.min()) if numeric else None,
        "max": float(array.max()) if numeric else None,
        "mean": float(array.mean()) if numeric else None,
        "head": store.put(array[:HEAD_ROWS]),
    }


def _named_function_path(value: Any) -> str | None:
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", None)
    if isinstance(value, np.ufunc):
        module = "numpy"
    if name and callable(value) and module.split(".")[0] in NAMED_FUNCTION_MODULES:
        return f"{module.split('.')[0]}.{name}"
    return None


def _encode_object(value: Any, store: ArrayStore, depth: int) -> dict:
    cls = type(value)
    classes = [c.__name__ for c in cls.__mro__]
    if "Model" in classes and hasattr(value, "to_json") and hasattr(value, "get_weights"):
        return _encode_keras_model(value, store)
    if "History" in classes and isinstance(getattr(value, "history", None), dict):
        return {
            "kind": "history",
            "history": encode(value.history, store, depth + 1),
            "epoch": encode(list(getattr(value, "epoch", [])), store, depth + 1),
        }
    if callable(value) and (hasattr(value, "__code__") or isinstance(value, type)):
        return {"kind": "function", "name": getattr(value, "__qualname__", cls.__name__)}
    attrs = {}
    for key, attr in sorted(getattr(value, "__dict__", {}).items()):
        if not key.startswith("_") and (attr is None or isinstance(attr, (bool, int, float, str))):
            attrs[key] = encode(attr, store, depth + 1)
    if "Layer" in classes and isinstance(getattr(value, "trainable", None), bool):
        attrs["trainable"] = value.trainable  # a property: not in the layer's __dict__
    return {"kind": "object", "class": cls.__name__, "classes": classes, "attrs": attrs}


def _encode_keras_model(model: Any, store: ArrayStore) -> dict:
    compiled: dict[str, Any] = {}
    loss = getattr(model, "loss", None)
    if loss is not None:
        compiled["loss"] = (
            loss
            if isinstance(loss, str)
            else getattr(loss, "name", None) or getattr(loss, "__name__", None)
        )
        if not isinstance(loss, str) and hasattr(loss, "get_config"):
            compiled["loss_class"] = type(loss).__name__
            compiled["loss_config"] = _plain_config(_safe_config(loss))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "get_config"):
        config = {}
        for key, value in optimizer.get_config().items():
            if isinstance(value, np.generic):  # e.g. learning_rate is a numpy float32
                value = value.item()
            if value is None or isinstance(value, (bool, int, float, str)):
                config[key] = value
        compiled["optimizer"] = {"class": type(optimizer).__name__, "config": config}
    metrics = getattr(model, "compiled_metrics", None)
    names = getattr(metrics, "_user_metrics", None) if metrics is not None else None
    if names is not None:
        compiled["metrics"] = metric_names_of(names)
    return {
        "kind": "keras_model",
        "class": type(model).__name__,
        "config": model.to_json(),
        "weights": [store.put(np.asarray(w)) for w in model.get_weights()],
        "compiled": compiled,
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "input_shape": _shape_data(getattr(model, "input_shape", None)),
        "input_shapes": _input_shapes(model),
        "output_shape": _shape_data(getattr(model, "output_shape", None)),
        "layers": [_layer_data(layer, store) for layer in model.layers],
        "fits": _plain_config(_fits_of(model)[:MAX_FITS]),
    }


def metric_names_of(metrics: Any) -> list[str]:
    """Metric names as compile() was given them, flattened (a model loaded from a file holds
    them nested, as metric objects): strings only."""
    names: list[str] = []
    stack = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    while stack and len(names) < 20:
        metric = stack.pop(0)
        if isinstance(metric, (list, tuple)):
            stack[:0] = list(metric)
        elif isinstance(metric, dict):
            stack[:0] = list(metric.values())
        else:
            name = metric if isinstance(metric, str) else getattr(metric, "name", None)
            names.append(name if isinstance(name, str) else "?")
    return names


def _fits_of(model: Any) -> list:
    """The harness's record of the model's fits (none outside the sandbox's harness)."""
    budget = sys.modules.get("autograder.grade.sandbox.budget")
    return budget.fits_of(model) if budget is not None else []


def _safe_config(obj: Any) -> dict:
    try:
        config = obj.get_config()
        return config if isinstance(config, dict) else {}
    except Exception:
        return {}


MAX_MODEL_INPUTS = 16


def _input_shapes(model: Any) -> list:
    """The shape of each input: from ``inputs`` (Sequential, functional), else from the shapes
    a subclassed model was built for (one, or a list of them)."""
    try:
        inputs = getattr(model, "inputs", None)
        if inputs:
            shapes = [list(t.shape) for t in inputs]
        else:
            built = getattr(model, "_build_input_shape", None)
            if hasattr(built, "as_list"):
                shapes = [built.as_list()]
            elif isinstance(built, (list, tuple)) and built and not isinstance(built[0], int):
                shapes = [s.as_list() if hasattr(s, "as_list") else list(s) for s in built]
            else:
                shapes = [list(built)] if isinstance(built, (list, tuple)) else []
        return [_shape_data(shape) for shape in shapes[:MAX_MODEL_INPUTS]]
    except Exception:
        return []


def _shape_data(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)):
        return [_shape_data(s) for s in shape]
    return shape if shape is None or isinstance(shape, int) else None


def _plain_config(node: Any) -> Any:
    """A layer config without anything that is not plain data (Lambda bytecode, callables)."""
    if isinstance(node, dict):
        return {k: _plain_config(v) for k, v in node.items() if k not in ("function", "module")}
    if isinstance(node, (list, tuple)):
        return [_plain_config(v) for v in node]
    return node if node is None or isinstance(node, (bool, int, float, str)) else None


def _layer_data(layer: Any, store: ArrayStore) -> dict:
    return {
        "class": type(layer).__name__,
        "classes": [c.__name__ for c in type(layer).__mro__],
        "name": layer.name,
        "config": _plain_config(layer.get_config()),
        "weights": [store.put(np.asarray(w)) for w in layer.get_weights()],
    }


# --------------------------------------------------------------------------- call keys


def call_key(function: str, encoded_args: Any, store: ArrayStore) -> str:
    """A stable key for one call: arrays are replaced by a hash of their bytes, dtype and shape."""

    def canon(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("kind") == "array":
                array = store.get(node["ref"])
                digest = sha256_bytes(array.tobytes())[:24]
                return {"array": digest, "dtype": str(array.dtype), "shape": list(array.shape)}
            return {k: canon(v) for k, v in sorted(node.items())}
        if isinstance(node, list):
            return [canon(v) for v in node]
        return node

    text = json.dumps([function, canon(encoded_args)], sort_keys=True)
    return sha256_text(text)


# --------------------------------------------------------------------------- files


def write_json(path: Path, data: Any) -> None:
    """Atomic, sorted, no NaN (the same bytes for the same data)."""
    atomic_write_json(path, data)


# --------------------------------------------------------------------------- decoding plain data


def decode_plain(node: Any, store: ArrayStore) -> Any:
    """Decode the kinds that are plain data; anything else is returned as its JSON node."""
    if not isinstance(node, dict):
        return node
    kind = node.get("kind")
    if kind in ("list", "tuple"):
        items = [decode_plain(v, store) for v in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {_hashable(decode_plain(k, store)): decode_plain(v, store) for k, v in node["items"]}
    if kind == "array":
        array = store.get(node["ref"])
        return array[()] if array.ndim == 0 else array
    if kind == "float":
        return float(node["repr"])
    if kind == "bigint":
        return int(node["repr"])
    if kind == "named_function":
        module_name, _, name = node["path"].partition(".")
        if module_name not in NAMED_FUNCTION_MODULES or not name.isidentifier():
            raise ValueError(f"function {node['path']!r} is not allowed")
        return getattr(__import__(module_name), name)
    return node


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(key)
    if isinstance(key, np.ndarray):
        return key.item() if key.ndim == 0 else tuple(key.tolist())
    return key
