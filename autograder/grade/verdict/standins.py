"""Trusted-side stand-ins for values that came out of a sandbox.

Tests written for live notebook objects run unchanged against these: numbers and arrays are
themselves, Keras models are rebuilt from their config (whitelisted classes only) with the
student's weights, functions answer from the calls recorded in the sandbox, anything else is a
read-only bag of attributes.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from autograder.grade.protocol import (
    FIT_LABEL_HEAD,
    MAX_FITS,
    MAX_MODEL_INPUTS,
    ArrayStore,
    call_key,
    decode_plain,
    encode,
)
from autograder.grade.verdict import compute  # noqa: F401 (checks.train_under_budget's guard)

REBUILDABLE = {
    # models and layers
    "Sequential", "Functional", "Model", "InputLayer", "Flatten", "Dense", "Dropout", "Activation",
    "ReLU", "Softmax",
    "Embedding", "Reshape", "Dot", "Concatenate", "Add", "Average", "Multiply",
    "GlobalAveragePooling1D", "BatchNormalization", "AlphaDropout", "GaussianDropout",
    # initializers, regularizers, constraints, dtype policies
    "GlorotUniform", "GlorotNormal", "Zeros", "Ones", "RandomUniform", "RandomNormal", "HeNormal",
    "HeUniform", "Constant", "TruncatedNormal", "Orthogonal", "LecunNormal", "LecunUniform",
    "VarianceScaling", "Identity", "L1", "L2", "L1L2", "MaxNorm", "NonNeg", "UnitNorm",
    "MinMaxNorm", "Policy", "DTypePolicy",
}  # fmt: skip
ACTIVATIONS = {
    "linear", "relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus", "softsign",
    "swish", "gelu", "exponential", "hard_sigmoid", "relu6", "silu", "leaky_relu", "mish",
}  # fmt: skip
LOSSES = {
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "hinge", "kl_divergence",
    "poisson", "categorical_hinge", "squared_hinge", "log_cosh", "huber_loss",
}  # fmt: skip
OPTIMIZERS = {"SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "AdamW"}
LOSS_CLASSES = {
    "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
    "MeanSquaredError", "MeanAbsoluteError", "Hinge", "KLDivergence", "Poisson",
    "CategoricalHinge", "SquaredHinge", "LogCosh", "Huber",
}  # fmt: skip
LOSS_CONFIG_KEYS = {"from_logits", "label_smoothing", "axis", "reduction", "name", "delta",
                    "ignore_class", "fn"}  # fmt: skip


MAX_GRAPH_LAYERS = 2_000


class RemoteValueError(AssertionError):
    """A value the tests need is missing or unusable; fails the test with a readable reason."""


class Missing:
    """A name the notebook never defined (or that could not be sent)."""

    def __init__(self, name: str, reason: str):
        self._name, self._reason = name, reason

    def __getattr__(self, attr):
        raise RemoteValueError(f"{self._name}: {self._reason}")

    def __bool__(self):
        raise RemoteValueError(f"{self._name}: {self._reason}")

    def __repr__(self):
        return f"<missing {self._name}: {self._reason}>"


class RemoteObject:
    """An object of the student's: its class names and simple public attributes, nothing else."""

    def __init__(self, class_name: str, classes: list[str], attrs: dict[str, Any]):
        self.kit_class_name = class_name
        self.kit_classes = classes
        self.__dict__.update(attrs)

    def __repr__(self):
        return f"<{self.kit_class_name} from the sandbox>"


class RemoteHistory:
    def __init__(self, history: dict, epoch: list):
        self.history, self.epoch = history, epoch


class ArrayDigest:
    """A large array summarised in the sandbox: shape, dtype, min/max/mean and the first rows."""

    def __init__(self, node: dict, head: np.ndarray):
        self.shape = tuple(node["shape"])
        self.dtype = np.dtype(node["dtype"])
        self.ndim = len(self.shape)
        self._min, self._max, self._mean, self._head = node["min"], node["max"], node["mean"], head

    def __len__(self):
        return self.shape[0]

    def min(self):
        return self._min

    def max(self):
        return self._max

    def mean(self):
        return self._mean

    def __getitem__(self, index):
        if isinstance(index, slice) and (index.stop or 0) <= len(self._head) and index.stop:
            return self._head[index]
        if isinstance(index, int) and 0 <= index < len(self._head):
            return self._head[index]
        raise RemoteValueError(f"only the first {len(self._head)} rows of this array were sent")


class RemoteFunction:
    """A student function: calling it returns what the sandbox computed for the same inputs."""

    def __init__(self, name: str, calls: dict[str, Any], response_store: ArrayStore):
        self.__name__ = name
        self._calls, self._store = calls, response_store

    def __call__(self, *args, **kwargs):
        scratch = ArrayStore()
        key = call_key(self.__name__, encode([list(args), kwargs], scratch), scratch)
        if key not in self._calls:
            raise RemoteValueError(f"{self.__name__}{_short(args)} was not run in the sandbox")
        node = self._calls[key]
        if isinstance(node, dict) and node.get("kind") == "raised":
            raise RemoteValueError(f"{self.__name__} raised {node['type']}: {node['message']}")
        return decode(node, self._store, self.__name__)


def _short(args) -> str:
    text = repr(args)
    return text if len(text) < 80 else text[:77] + "..."


def decode(node: Any, store: ArrayStore, name: str, calls: dict | None = None) -> Any:
    """Decode one value sent by the sandbox into data or a trusted stand-in."""
    if not isinstance(node, dict):
        return node
    kind = node.get("kind")
    if kind == "missing":
        return Missing(name, "is not defined in the notebook")
    if kind == "unsupported":
        return Missing(name, f"could not be sent ({node.get('class')})")
    if kind == "array_digest":
        return ArrayDigest(node, store.get(node["head"]))
    if kind == "keras_model":
        return rebuild_keras_model(node, store, name, calls or {})
    if kind == "history":
        return RemoteHistory(
            decode(node["history"], store, name), decode(node["epoch"], store, name)
        )
    if kind == "function":
        return RemoteFunction(name, calls or {}, store)
    if kind == "object":
        attrs = {k: decode(v, store, name) for k, v in node["attrs"].items()}
        return RemoteObject(node["class"], node["classes"], attrs)
    if kind in ("list", "tuple"):
        items = [decode(v, store, name) for v in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {decode_plain(k, store): decode(v, store, name) for k, v in node["items"]}
    return decode_plain(node, store)


def _tuple_shape(shape: Any) -> Any:
    return tuple(_tuple_shape(s) for s in shape) if isinstance(shape, list) else shape


class _Weights:
    """Weights sent by the sandbox, read the way Keras layers and models are."""

    _weights: list

    def get_weights(self) -> list:
        return list(self._weights)

    def count_params(self) -> int:
        return int(sum(w.size for w in self._weights))


class RemoteLayer(_Weights):
    """One layer of a model the grader did not rebuild: class, plain config, weights."""

    def __init__(self, node: dict, store: ArrayStore):
        self.kit_class_name, self.kit_classes = node["class"], node["classes"]
        self.name = node["name"]
        self._config = node["config"]
        self._weights = [store.get(ref) for ref in node["weights"]]

    def get_config(self) -> dict:
        return dict(self._config)


class RemoteInput:
    """One input of a model the grader did not rebuild: its shape only."""

    def __init__(self, shape: Any):
        self.shape = shape if isinstance(shape, tuple) else None


class RemoteModel(_Weights):
    """A model with a layer the grader will not deserialise (e.g. a Lambda): its structure and
    weights as data, and ``predict`` answered from calls recorded in the sandbox."""

    def __init__(self, node: dict, store: ArrayStore, name: str, calls: dict, reason: str):
        self.kit_class_name = node["class"]
        self.kit_classes = [node["class"], "Model"]
        self.kit_not_rebuilt = reason
        self.layers = [RemoteLayer(layer, store) for layer in node.get("layers", [])]
        self.input_shape = _tuple_shape(node.get("input_shape"))
        self.output_shape = _tuple_shape(node.get("output_shape"))
        shapes = node.get("input_shapes")
        shapes = shapes[:MAX_MODEL_INPUTS] if isinstance(shapes, list) else []
        self.inputs = [RemoteInput(_tuple_shape(shape)) for shape in shapes]
        self._weights = [store.get(ref) for ref in node["weights"]]
        self.kit_trainable_params = node.get("trainable_params")
        compiled = node.get("compiled") or {}
        self.loss = compiled.get("loss")
        self.kit_loss_config = loss_settings(compiled)
        self.kit_fits = fit_records(node)
        self.kit_metrics = metric_list(compiled)
        optimizer = compiled.get("optimizer")
        self.optimizer = (
            _RemoteOptimizer(optimizer["class"], optimizer["config"]) if optimizer else None
        )
        self.predict = RemoteFunction(f"{name}.predict", calls, store)
        self.kit_input_layers = input_feeds(node.get("config"))


def input_feeds(config_text: Any) -> list[list[str]]:
    """For each input of a functional model, the names of the layers its tensor flows through,
    nearest first: read from the config's graph as plain data (nothing is rebuilt), so a check
    can find the Embedding fed by the first input of a model the grader does not rebuild."""
    try:
        config = json.loads(config_text)["config"]
        inputs = [entry[0] for entry in config["input_layers"]]
        feeds: dict[str, list[str]] = {}
        for layer in config["layers"][:MAX_GRAPH_LAYERS]:
            for node in layer.get("inbound_nodes") or []:
                for edge in node if isinstance(node, list) else []:
                    if isinstance(edge, list) and edge and isinstance(edge[0], str):
                        feeds.setdefault(edge[0], []).append(layer["name"])
    except Exception:  # not a functional config: no graph to read
        return []
    order = []
    for start in inputs:
        seen, queue = [], [start]
        while queue and len(seen) < MAX_GRAPH_LAYERS:
            for after in feeds.get(queue.pop(0), []):
                if after not in seen:
                    seen.append(after)
                    queue.append(after)
        order.append(seen)
    return order


class _RemoteOptimizer:
    def __init__(self, class_name: str, config: dict):
        self.kit_class_name, self.kit_classes, self._config = class_name, [class_name], config

    def get_config(self) -> dict:
        return dict(self._config)


class NotRebuildable(ValueError):
    """The config names a class or holds code the grader will not deserialise."""


class InvalidModel(Missing):
    """A model the grader refuses to rebuild (a layer outside the whitelist, broken config)."""


HUB_LAYER_KEYS = {"name", "trainable", "dtype", "batch_input_shape", "handle", "output_shape"}


def trusted_hub_handle() -> str | None:
    """The text-embedding module the grader itself provisioned (a local SavedModel), if any."""
    handle = os.environ.get("KIT_TEXT_EMBEDDING_HANDLE", "")
    return handle if handle and os.path.isdir(handle) else None


def _check_hub_layer(config: dict) -> None:
    """A hub.KerasLayer is rebuilt only around the grader's own module, with plain settings."""
    trusted = trusted_hub_handle()
    if trusted is None or config.get("handle") != trusted:
        raise NotRebuildable("a hub.KerasLayer is rebuilt only with the course's module handle")
    if set(config) - HUB_LAYER_KEYS:
        raise NotRebuildable(f"hub.KerasLayer options {sorted(set(config) - HUB_LAYER_KEYS)}")


HUB_MODULE = "tensorflow_hub.keras_layer"


def _check_origin(node: dict, class_name: Any) -> None:
    """Keras resolves a class by ``registered_name`` and may import ``module``: both must name
    exactly the whitelisted class in Keras itself (or the hub layer), never something else."""
    module = node.get("module")
    registered = node.get("registered_name")
    if class_name == "KerasLayer":
        if module != HUB_MODULE or registered not in (None, "KerasLayer"):
            raise NotRebuildable("a hub.KerasLayer from an unexpected module")
        return
    if module is not None and not (
        isinstance(module, str) and (module == "keras" or module.startswith("keras."))
    ):
        raise NotRebuildable(f"a layer from module {str(module)[:60]!r}")
    if registered is not None and registered != class_name:
        raise NotRebuildable(f"a layer registered as {str(registered)[:60]!r}")


MAX_LAYERS = 500
MAX_SIZE = 200_000  # units, dims, vocabulary: far above any lecture model
SIZE_KEYS = {"units", "input_dim", "output_dim", "filters", "batch_input_shape", "target_shape",
             "batch_shape", "input_shape", "input_length", "dims"}  # fmt: skip
MAX_WEIGHT_ELEMENTS = 60_000_000


def _check_bounds(config: Any) -> None:
    """Refuse before building what would allocate more than any course model does."""
    layers = 0
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            layers += "class_name" in node
            for key, value in node.items():
                if key in SIZE_KEYS:
                    for number in _ints(value):
                        if number > MAX_SIZE:
                            raise NotRebuildable(f"{key} {number} is beyond the grader's bound")
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    if layers > MAX_LAYERS:
        raise NotRebuildable(f"{layers} layers is beyond the grader's bound")


def _ints(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _ints(v)]
    return []


def _check_config(node: Any, path: str = "model") -> None:
    if isinstance(node, dict):
        class_name = node.get("class_name")
        if "class_name" in node and not isinstance(class_name, str):
            raise NotRebuildable("a layer without a class name")
        if "class_name" in node or "module" in node or "registered_name" in node:
            _check_origin(node, class_name)
        if class_name == "KerasLayer":
            _check_hub_layer(node.get("config") or {})
        elif class_name is not None and class_name not in REBUILDABLE:
            raise NotRebuildable(f"{class_name} layers cannot be rebuilt by the grader")
        if "function" in node or "function_type" in node:
            raise NotRebuildable("layers holding Python code cannot be rebuilt by the grader")
        activation = node.get("activation")
        if activation is not None and (
            not isinstance(activation, str) or activation not in ACTIVATIONS
        ):
            raise NotRebuildable(f"activation {activation!r} is not a built-in Keras activation")
        for key, value in node.items():
            _check_config(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            _check_config(value, path)


def _has_hub_layer(config: Any) -> bool:
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class_name") == "KerasLayer":
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def rebuild_keras_model(node: dict, store: ArrayStore, name: str, calls: dict | None = None):
    """Rebuild the student's architecture from config, set their weights, re-apply compile().

    A model with a layer outside the whitelist becomes a RemoteModel (data, never code)."""
    from tensorflow import keras

    try:
        config = json.loads(node["config"])
        _check_bounds(config)
        _check_config(config)
        weights = [store.get(ref) for ref in node["weights"]]
        if sum(w.size for w in weights) > MAX_WEIGHT_ELEMENTS:
            raise NotRebuildable("the model's weights are beyond the grader's bound")
    except NotRebuildable as exc:
        return RemoteModel(node, store, name, calls or {}, str(exc))
    except Exception as exc:
        return InvalidModel(name, f"the model could not be read ({exc})")
    try:
        custom = {}
        if _has_hub_layer(config):  # only after every hub node passed _check_hub_layer
            import tensorflow_hub as hub

            custom["KerasLayer"] = hub.KerasLayer
        model = keras.models.model_from_json(node["config"], custom_objects=custom)
        model.set_weights(weights)
    except Exception as exc:  # any refusal or failure means: no usable model
        return InvalidModel(name, f"the model could not be rebuilt ({exc})")
    compiled = node.get("compiled") or {}
    loss = compiled.get("loss")
    optimizer = compiled.get("optimizer")
    model.kit_fits = fit_records(node)
    model.kit_loss_config = loss_settings(compiled)
    model.kit_metrics = metric_list(compiled)
    if loss in LOSSES and optimizer and optimizer.get("class") in OPTIMIZERS:
        loss_object = _loss_object(loss, compiled, keras)
        try:
            opt = keras.optimizers.get(
                {"class_name": optimizer["class"], "config": optimizer["config"]}
            )
            model.compile(loss=loss_object, optimizer=opt, metrics=compiled.get("metrics") or None)
        except Exception:
            model.compile(loss=loss_object)
    elif loss is not None:
        model.kit_unrecognised_loss = loss
    return model


def metric_list(compiled: dict) -> list[str]:
    """The metric names the model was compiled with (plain short strings only)."""
    metrics = compiled.get("metrics")
    if not isinstance(metrics, list):
        return []
    return [m for m in metrics[:20] if isinstance(m, str) and len(m) <= 100]


def loss_settings(compiled: dict) -> dict:
    """The loss's plain settings that change what it computes (``from_logits``...)."""
    config = compiled.get("loss_config")
    if compiled.get("loss_class") not in LOSS_CLASSES or not isinstance(config, dict):
        return {}
    return {
        key: value
        for key, value in config.items()
        if key in LOSS_CONFIG_KEYS and (value is None or isinstance(value, (bool, int, float, str)))
    }


def _loss_object(loss: str, compiled: dict, keras: Any) -> Any:
    """The student's loss with its settings (a loss object), or its name when it had none."""
    settings = loss_settings(compiled)
    settings.pop("fn", None)
    if not settings:
        return loss
    try:
        return keras.losses.get({"class_name": compiled["loss_class"], "config": settings})
    except Exception:
        return loss


def fit_records(node: dict) -> list[dict]:
    """What each fit call trained and validated on, as the sandbox noted it; malformed entries
    are dropped (the checks then treat the split as unknown)."""
    records = []
    fits = node.get("fits")
    for fit in fits[:MAX_FITS] if isinstance(fits, list) else []:
        if not isinstance(fit, dict):
            continue
        validation = fit.get("validation")
        split = fit.get("validation_split")
        records.append(
            {
                "labels": _labels_record(fit.get("labels")),
                "inputs": _inputs_record(fit.get("inputs")),
                "validation": (
                    {
                        "labels": _labels_record(validation.get("labels")),
                        "inputs": _inputs_record(validation.get("inputs")),
                    }
                    if isinstance(validation, dict)
                    else None
                ),
                "validation_split": float(split) if isinstance(split, (int, float)) else 0.0,
            }
        )
    return records


def _inputs_record(inputs: Any) -> list[str] | None:
    """Short hashes of a fit's first text inputs, or None when malformed or not sent."""
    if not isinstance(inputs, list) or len(inputs) > FIT_LABEL_HEAD:
        return None
    if not all(isinstance(v, str) and len(v) == 16 and v.isalnum() for v in inputs):
        return None
    return inputs


def _labels_record(labels: Any) -> dict | None:
    if not isinstance(labels, dict):
        return None
    rows, head = labels.get("rows"), labels.get("head")
    if not isinstance(rows, int) or not isinstance(head, list) or len(head) > FIT_LABEL_HEAD:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in head):
        return None
    return {"rows": rows, "head": head}
