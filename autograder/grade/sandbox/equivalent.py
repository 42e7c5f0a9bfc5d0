"""A subclassed Keras model rewritten as the Sequential model it behaves like, when there is one.

Runs in the sandbox, on the student's own model, before it is sent. A subclassed model's
config names the student's class, which the trusted side never deserialises; but a course MLP
written as a subclass is just its layers applied one after another, perhaps with activations in
``call``. If a Sequential of the same layer objects (with activations inserted where a linear
Dense layer's output was activated in ``call``) gives the same outputs on probe inputs, that
Sequential is sent instead, and the model is graded on what it does. Nothing here is trusted:
the verdict checks whatever it receives exactly as it checks any other model.
"""

from __future__ import annotations

import itertools
from typing import Any

from autograder.grade.protocol import metric_names_of

HIDDEN_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")
OUTPUT_ACTIVATIONS = ("linear", "softmax", "sigmoid")
MAX_LINEAR_DENSE = 4
PROBE_ROWS = 8


def _is_builtin(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] in ("tf_keras", "keras")


def sequential_equivalent(model: Any) -> Any:
    """The equivalent Sequential model, or ``model`` itself when none is found."""
    try:
        return _search(model) or model
    except Exception:  # the student's model stays as it is; the verdict explains what it lacks
        return model


def _search(model: Any) -> Any:
    import numpy as np
    from tensorflow import keras

    if _is_builtin(model) or not getattr(model, "built", False):
        return None
    shape = getattr(model, "_build_input_shape", None)
    layers = list(model.layers)
    if shape is None or not layers or not all(_is_builtin(layer) for layer in layers):
        return None
    shape = tuple(shape)[1:]
    if not all(isinstance(n, int) and 0 < n <= 4096 for n in shape):
        return None
    probe = np.random.default_rng(0).random((PROBE_ROWS, *shape)).astype("float32")
    want = np.asarray(model(probe, training=False))
    linear = [
        i
        for i, layer in enumerate(layers)
        if isinstance(layer, keras.layers.Dense) and layer.get_config()["activation"] == "linear"
    ]
    if len(linear) > MAX_LINEAR_DENSE:
        return None
    last = len(layers) - 1
    choices = [OUTPUT_ACTIVATIONS if i == last else HIDDEN_ACTIVATIONS for i in linear]
    for combo in itertools.product(*choices):
        added = dict(zip(linear, combo, strict=True))
        stack: list[Any] = [keras.layers.InputLayer(input_shape=shape)]
        for i, layer in enumerate(layers):
            stack.append(layer)
            if added.get(i, "linear") != "linear":
                stack.append(keras.layers.Activation(added[i]))
        candidate = keras.Sequential(stack)
        got = np.asarray(candidate(probe, training=False))
        if got.shape == want.shape and np.allclose(got, want, atol=1e-5):
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and getattr(model, "loss", None) is not None:
                user = getattr(getattr(model, "compiled_metrics", None), "_user_metrics", None)
                metrics = [m for m in metric_names_of(user or []) if m != "?"] or None
                candidate.compile(loss=model.loss, optimizer=optimizer, metrics=metrics)
            from autograder.grade.sandbox.budget import share_fits

            share_fits(model, candidate)  # the stand-in answers with the model's own record
            return candidate
    return None
