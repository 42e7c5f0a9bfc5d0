"""A Keras 3 model (``import keras``) rewritten as the tf-keras model it is, when it is one.

Runs in the sandbox on the student's own model before it is sent, and in the student's kernel
before ``grader.check`` (it ships in the student wheel, so it imports nothing of the kit), so
both judge the same tf-keras model. Current tutorials teach
``import keras``, which on TensorFlow 2.16+ is Keras 3; the course and the grader use tf-keras.
A model made of Keras' own layers means the same in both: each layer is rebuilt in tf-keras
from its config (Keras 3's serialisation wrappers unwrapped, keys tf-keras does not know
dropped), given the same weights, wired the same way, compiled with the same loss, optimizer
settings and metrics, and kept only if it computes the same outputs on probe inputs. Anything
else (a ``Lambda``, a layer of the student's own, outputs that differ) is not rewritten and is
refused with the one-line fix. Nothing here
is trusted: the verdict checks whatever it receives exactly as it checks any other model.
"""

from __future__ import annotations

import inspect
from typing import Any

PROBE_ROWS = 4
FAMILIES = ("initializers", "regularizers", "constraints")
BASE_LAYER_KEYS = {"name", "trainable", "dtype", "activity_regularizer"}


def is_keras3_model(value: Any) -> bool:
    module = type(value).__module__ or ""
    return (module == "keras" or module.startswith("keras.")) and any(
        c.__name__ == "Model" for c in type(value).__mro__
    )


def tf_keras_equivalent(model: Any) -> Any:
    """The tf-keras model that computes what ``model`` computes, or None."""
    try:
        return _rebuild(model)
    except Exception:  # not rewritten: refused with the one-line fix, as before
        return None


def _own_layer(layer: Any) -> bool:
    return (type(layer).__module__ or "").startswith("keras.src.layers.")


def _plain(node: Any, family: str | None = None) -> Any:
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` wrappers unwrapped
    into tf-keras' ``{"class_name", "config"}``; a dtype policy becomes its name."""
    from tensorflow import keras

    if isinstance(node, dict) and "class_name" in node and "config" in node:
        name, config = node["class_name"], node["config"]
        if name == "DTypePolicy" and isinstance(config, dict):
            return config.get("name", "float32")
        config = _plain(config) if isinstance(config, dict) else config
        for fam in FAMILIES if family is None else (family,):
            cls = getattr(getattr(keras, fam), name, None)
            if isinstance(cls, type) and isinstance(config, dict):
                config = _accepted(cls, config)
                break
        return {"class_name": name, "config": config}
    if isinstance(node, dict):
        return {k: _plain(v, _family_of(k)) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    return node


def _family_of(key: str) -> str | None:
    for family in FAMILIES:
        if key.endswith(family[:-1]):  # kernel_initializer, bias_regularizer, ...
            return family
    return None


def _accepted(cls: type, config: dict, extra: set[str] = frozenset()) -> dict:
    """The keys of ``config`` that ``cls.__init__`` names (tf-keras refuses the others)."""
    params = inspect.signature(cls.__init__).parameters
    named = {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    return {k: v for k, v in config.items() if k in named | set(extra)}


def _layer(layer: Any) -> Any:
    from tensorflow import keras

    name = type(layer).__name__
    cls = getattr(keras.layers, name, None)
    if not _own_layer(layer) or not isinstance(cls, type):
        raise TypeError(f"no tf-keras layer for {name}")
    config = _accepted(cls, _plain(layer.get_config()), BASE_LAYER_KEYS)
    rebuilt = cls.from_config(config)
    return rebuilt


def _probe(model: Any) -> list:
    import numpy as np

    rng = np.random.default_rng(0)
    probes = []
    for tensor in model.inputs:
        shape = [PROBE_ROWS, *[d if isinstance(d, int) else 1 for d in tuple(tensor.shape)[1:]]]
        dtype = str(getattr(tensor, "dtype", "float32"))
        if "int" in dtype:
            probes.append(rng.integers(0, 2, shape).astype(dtype))
        else:
            probes.append(rng.random(shape).astype("float32"))
    return probes


def _rebuild(model: Any) -> Any:
    import numpy as np
    from tensorflow import keras

    if not is_keras3_model(model) or not getattr(model, "built", False):
        return None
    if type(model).__name__ == "Sequential":
        layers = [_layer(layer) for layer in model.layers]
        shape = tuple(model.inputs[0].shape)[1:]
        rebuilt = keras.Sequential([keras.layers.InputLayer(input_shape=shape), *layers])
        pairs = list(zip(model.layers, layers, strict=True))
    elif type(model).__name__ == "Functional":
        rebuilt, pairs = _functional(model)
    else:
        return None
    for old, new in pairs:
        new.set_weights([np.asarray(w) for w in old.get_weights()])
        new.trainable = bool(old.trainable)
    probe = _probe(model)
    want = model(probe if len(probe) > 1 else probe[0], training=False)
    got = rebuilt(probe if len(probe) > 1 else probe[0], training=False)
    want = [np.asarray(w) for w in (want if isinstance(want, (list, tuple)) else [want])]
    got = [np.asarray(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
    if len(want) != len(got) or not all(
        w.shape == g.shape and np.allclose(w, g, atol=1e-5) for w, g in zip(want, got, strict=True)
    ):
        return None
    _compile_like(model, rebuilt)
    return rebuilt


def _functional(model: Any) -> tuple[Any, list]:
    """Rebuild a functional model layer by layer, following Keras 3's own graph of calls."""
    from tensorflow import keras

    tensors: dict[int, Any] = {}
    inputs = []
    for tensor in model.inputs:
        shape = tuple(tensor.shape)[1:]
        made = keras.Input(shape=shape, dtype=str(tensor.dtype))
        tensors[id(tensor)] = made
        inputs.append(made)
    pairs = []
    for operation in model._operations:
        if type(operation).__name__ == "InputLayer":
            continue
        rebuilt = _layer(operation)
        pairs.append((operation, rebuilt))
        for node in operation._inbound_nodes:
            arguments = node.arguments
            if not all(id(t) in tensors for t in arguments.keras_tensors):
                continue  # a call of this layer outside this model
            args, kwargs = arguments.fill_in(
                {id(t): tensors[id(t)] for t in arguments.keras_tensors}
            )
            out = rebuilt(*args, **kwargs)
            outs = out if isinstance(out, (list, tuple)) else [out]
            for old, new in zip(node.outputs, outs, strict=True):
                tensors[id(old)] = new
    outputs = [tensors[id(t)] for t in model.outputs]
    rebuilt_model = keras.Model(inputs=inputs, outputs=outputs if len(outputs) > 1 else outputs[0])
    return rebuilt_model, pairs


def _compile_like(model: Any, rebuilt: Any) -> None:
    """The same loss, optimizer settings and metrics as the student compiled with."""
    from tensorflow import keras

    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    if optimizer is None or loss is None:
        return
    cls = getattr(keras.optimizers, type(optimizer).__name__, None)
    if not isinstance(cls, type):
        return
    config = {
        k: (v.item() if hasattr(v, "item") else v)
        for k, v in optimizer.get_config().items()
        if v is None or isinstance(v, (bool, int, float, str)) or hasattr(v, "item")
    }
    config = {k: v for k, v in _accepted(cls, config).items() if v is not None}
    if not isinstance(loss, str):
        loss_cls = getattr(keras.losses, type(loss).__name__, None)
        plain = _plain(loss.get_config()) if hasattr(loss, "get_config") else {}
        if isinstance(loss_cls, type):
            loss = loss_cls(**_accepted(loss_cls, plain))
        else:
            loss = getattr(loss, "__name__", None) or getattr(loss, "name", None)
    metrics = _metric_names(model)
    rebuilt.compile(loss=loss, optimizer=cls(**config), metrics=metrics or None)


def _metric_names(model: Any) -> list[str]:
    """The metrics compile() was given, by name (strings and metric objects alike)."""
    config = getattr(model, "_compile_config", None)
    config = getattr(config, "config", config)
    metrics = config.get("metrics") if isinstance(config, dict) else None
    flat = metrics if isinstance(metrics, (list, tuple)) else [metrics] if metrics else []
    names = [m if isinstance(m, str) else getattr(m, "name", None) for m in flat]
    return [n for n in names if isinstance(n, str)][:20]
