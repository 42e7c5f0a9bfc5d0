"""The grading budget inside the sandbox: caps on training, a fixed seed.

Runs in the untrusted process before the first cell; it decides nothing and knows no answer.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from autograder.grade.protocol import FIT_LABEL_HEAD, MAX_FITS

# What each fit that ran through trained and validated on, kept by the harness and not on the
# student's object (whose attributes the notebook writes freely): by model object, and by the
# fingerprint of the weights a fit left, so a model saved and loaded back keeps its record.
_FITS_BY_MODEL: dict[int, tuple[object, list[dict]]] = {}
_FITS_BY_WEIGHTS: dict[str, list[dict]] = {}


def apply_budget(budget: dict) -> None:
    """Cap training in this process: epochs and samples per fit, train_on_batch calls; seed.

    The caps keep the sandbox fast; they are not what thresholds rely on (the grader trains its
    own budgeted copy of the model). Keras 3, if a notebook imports it, is capped alike."""
    import tensorflow as tf
    from tensorflow import keras

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if budget.get("seed") is not None:
        keras.utils.set_random_seed(int(budget["seed"]))
    cap_training(keras.Model, budget)
    if "keras" in sys.modules:
        cap_training(sys.modules["keras"].Model, budget)
    else:
        sys.meta_path.insert(0, _CapKerasOnImport(budget))


class _CapKerasOnImport:
    """Caps ``keras.Model`` (Keras 3) right after a notebook's ``import keras`` runs it."""

    def __init__(self, budget: dict):
        self.budget = budget

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        loader_exec = spec.loader.exec_module
        budget = self.budget

        def exec_module(module):
            loader_exec(module)
            try:
                cap_training(module.Model, budget)
            except Exception:
                pass

        spec.loader.exec_module = exec_module
        return spec


def cap_training(model_class: type, budget: dict) -> None:
    """Wrap ``fit`` and ``train_on_batch`` of one Keras ``Model`` class with the caps."""
    import numpy as np

    original_fit = model_class.fit
    original_train_on_batch = model_class.train_on_batch
    max_epochs = int(budget.get("max_epochs") or 0)
    max_samples = int(budget.get("max_train_samples") or 0)
    max_batches = int(budget.get("max_train_batches") or 0)
    batches: dict[int, list] = {}  # per model: [calls trained, last loss]

    def fit(self, x=None, y=None, *args, **kwargs):
        given_y, given_args, given_kwargs = y, list(args), dict(kwargs)
        args = list(args)  # fit(x, y, batch_size, epochs, verbose, ...) may come positionally
        if max_epochs:
            if len(args) >= 2:
                args[1] = epochs = min(int(args[1]), max_epochs)
            else:
                kwargs["epochs"] = epochs = min(int(kwargs.get("epochs", 1)), max_epochs)
            if "initial_epoch" in kwargs:
                kwargs["initial_epoch"] = min(int(kwargs["initial_epoch"]), epochs - 1)
        if max_samples and isinstance(x, np.ndarray) and len(x) > max_samples:
            x = x[:max_samples]
            if isinstance(y, np.ndarray):
                y = y[:max_samples]
        if len(args) >= 3:
            args[2] = 0
        else:
            kwargs["verbose"] = 0
        history = original_fit(self, x, y, *args, **kwargs)
        record_fit(self, x, given_y, given_args, given_kwargs)  # only a fit that ran through
        return history

    def train_on_batch(self, *args, **kwargs):
        done = batches.setdefault(id(self), [0, 0.0])
        if max_batches and done[0] >= max_batches:
            return done[1]  # over budget: the loop goes on, the model no longer trains
        done[0] += 1
        done[1] = original_train_on_batch(self, *args, **kwargs)
        return done[1]

    model_class.fit = fit
    model_class.train_on_batch = train_on_batch


FIT_ARGS = ("batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data")


def inputs_seen(inputs) -> list[str] | None:
    """Short hashes of the first text inputs of a fit (strings only): with the labels, they
    show whether texts stayed with their own labels. Other inputs are not identified."""
    import hashlib

    try:
        if inputs is None or not hasattr(inputs, "__len__") or len(inputs) == 0:
            return None
        head = list(inputs[:FIT_LABEL_HEAD])
        texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in head]
        if not all(isinstance(t, str) for t in texts):
            return None
        return [hashlib.sha256(t.encode("utf-8")).hexdigest()[:16] for t in texts]
    except Exception:
        return None


def weights_of(model) -> str:
    """A fingerprint of a model's architecture (without layer names, which reloading changes)
    and weights, or "" when they cannot be read."""
    import hashlib
    import re

    import numpy as np

    try:
        digest = hashlib.sha256(re.sub(r'"name": "[^"]*"', "", model.to_json()).encode())
        for weights in model.get_weights():
            digest.update(np.ascontiguousarray(weights).tobytes())
    except Exception:
        return ""
    return digest.hexdigest()


def fits_of(model) -> list[dict]:
    """The fit records of this model object, else of the model whose fit left these weights
    (the same model, saved and loaded back)."""
    held = _FITS_BY_MODEL.get(id(model))
    if held is not None and held[0] is model:
        return list(held[1])
    return list(_FITS_BY_WEIGHTS.get(weights_of(model), []))


def share_fits(model, stand_in) -> None:
    """``stand_in`` (a rewrite of ``model`` the grader can read) answers with ``model``'s own
    fit records."""
    records = fits_of(model)
    if records:
        _FITS_BY_MODEL[id(stand_in)] = (stand_in, records)


def labels_seen(labels) -> dict | None:
    """Which labels a fit call used: their count and first ids (one-hot rows as their argmax).

    The trusted side compares the head with the known data splits; anything else is unknown."""
    import numpy as np

    try:
        if labels is None or not hasattr(labels, "__len__"):
            return None
        array = np.asarray(labels[:FIT_LABEL_HEAD])
        if array.ndim == 2 and array.shape[1] > 1:
            array = array.argmax(axis=1)
        array = array.reshape(len(array), -1)[:, 0] if array.ndim > 1 else array
        if array.dtype.kind not in "biuf":
            return None
        return {"rows": int(len(labels)), "head": [int(v) for v in array.tolist()]}
    except Exception:
        return None


def record_fit(model, x, y, args: list, kwargs: dict) -> None:
    """Note in the harness's registry what one fit call trained and validated on, as plain
    data: the grader checks the data splits a question asks for (training on the test set is a
    bug, so is a validation share other than the one asked for)."""
    try:
        given = dict(zip(FIT_ARGS, args, strict=False)) | kwargs
        validation = given.get("validation_data")
        if isinstance(validation, (tuple, list)) and len(validation) >= 2:
            validation_seen = {
                "labels": labels_seen(validation[1]),
                "inputs": inputs_seen(validation[0]),
            }
        elif validation is not None:
            validation_seen = {"labels": None}  # a dataset or generator: not identified
        else:
            validation_seen = None
        split = given.get("validation_split") or 0
        record = {
            "labels": labels_seen(y),
            "inputs": inputs_seen(x),
            "validation": validation_seen,
            "validation_split": float(split) if isinstance(split, (int, float)) else 0.0,
        }
        held = _FITS_BY_MODEL.get(id(model))
        if held is None or held[0] is not model:
            held = _FITS_BY_MODEL[id(model)] = (model, [])
        if len(held[1]) < MAX_FITS:
            held[1].append(record)
        fingerprint = weights_of(model)
        if fingerprint:
            _FITS_BY_WEIGHTS[fingerprint] = list(held[1])
    except Exception:  # noting must never change what the student's fit does
        pass


def write_budget_sitecustomize(folder: Path, budget: dict) -> Path:
    """A sitecustomize.py that applies the budget in any Python started with folder on
    PYTHONPATH: how the budget reaches processes the kit does not start itself (otter run)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import os\n"
        'os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")\n'
        "from autograder.grade.sandbox.budget import apply_budget\n"
        f"apply_budget({json.dumps(budget)})\n",
        encoding="utf-8",
    )
    return folder
