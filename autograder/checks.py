"""Helpers for test files: they accept live notebook objects and the grader's stand-ins alike.

Architecture checks look at what a model *is* (layer types, units, activations, shapes,
``count_params()``), never at summary text or auto-generated layer names.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def class_name(obj: Any) -> str:
    return getattr(obj, "kit_class_name", None) or type(obj).__name__


def is_a(obj: Any, name: str) -> bool:
    """isinstance by class name, for live objects and sandbox stand-ins."""
    classes = getattr(obj, "kit_classes", None) or [c.__name__ for c in type(obj).__mro__]
    return name in classes


def layers_of(model: Any) -> list:
    """Layers in order, without InputLayer (functional models have one, Sequential ones may not)."""
    assert is_a(model, "Model"), f"expected a Keras model, got {class_name(model)}"
    return [layer for layer in model.layers if class_name(layer) != "InputLayer"]


def activation_name(layer: Any) -> str:
    activation = layer.get_config().get("activation")
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "?")


def dense_stack(model: Any) -> list[tuple[int, str]]:
    """(units, activation) of each Dense layer, in order."""
    return [
        (layer.get_config()["units"], activation_name(layer))
        for layer in layers_of(model)
        if class_name(layer) == "Dense"
    ]


def assert_mlp(
    model: Any,
    hidden_sizes: list[int],
    n_classes: int,
    input_shape: tuple[int, ...],
    total_params: int,
) -> None:
    """The lecture's MLP, however it was built: ReLU hidden layers, softmax output, right sizes."""
    stack = dense_stack(model)
    expected = [(units, "relu") for units in hidden_sizes] + [(n_classes, "softmax")]
    assert stack == expected, f"Dense layers (units, activation) are {stack}, expected {expected}"
    assert tuple(model.input_shape[1:]) == tuple(input_shape), (
        f"input shape is {model.input_shape[1:]}, expected {tuple(input_shape)}"
    )
    assert tuple(model.output_shape) == (None, n_classes), f"output shape is {model.output_shape}"
    assert model.count_params() == total_params, (
        f"the model has {model.count_params()} parameters, expected {total_params}"
    )
    others = {class_name(layer) for layer in layers_of(model)} - {"Dense", "Flatten", "Dropout"}
    assert not others, f"unexpected layer types: {sorted(others)}"


def dropout_rates(model: Any) -> list[float]:
    return [
        layer.get_config()["rate"] for layer in layers_of(model) if class_name(layer) == "Dropout"
    ]


def loss_name(model: Any) -> str:
    loss = getattr(model, "loss", None)
    if loss is None:
        loss = getattr(model, "kit_unrecognised_loss", None)
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", str(loss))


def optimizer_config(model: Any) -> tuple[str, dict]:
    optimizer = getattr(model, "optimizer", None)
    assert optimizer is not None, "the model is not compiled"
    return class_name(optimizer), optimizer.get_config()


def fashion_test_set(max_rows: int | None = None):
    """The official Fashion-MNIST test set scaled to [0, 1], loaded the lecture's way."""
    from tensorflow import keras

    (_, _), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()
    if max_rows:
        X_test, y_test = X_test[:max_rows], y_test[:max_rows]
    return X_test / 255.0, y_test


def _require_rebuilt(model: Any) -> None:
    """Accuracy must come from the grader's own copy of the model, never from sandbox answers."""
    reason = getattr(model, "kit_not_rebuilt", None)
    assert reason is None, f"the grader cannot evaluate this model itself: {reason}"


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy computed by the grader from predictions, not from what the notebook printed."""
    _require_rebuilt(model)
    predictions = np.asarray(model.predict(X, verbose=0))
    return float(np.mean(np.argmax(predictions, axis=1) == y))


# --------------------------------------------------------------------------- word2vec


def layers_named(model: Any, name: str) -> list:
    return [layer for layer in layers_of(model) if class_name(layer) == name]


def embedding_shapes(model: Any) -> list[tuple[int, int]]:
    """(input_dim, output_dim) of each Embedding layer."""
    return [
        (layer.get_config()["input_dim"], layer.get_config()["output_dim"])
        for layer in layers_named(model, "Embedding")
    ]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def cbow_from_weights(model: Any, contexts: np.ndarray) -> np.ndarray:
    """What a CBOW model must output: softmax(mean of the context embeddings · W + b)."""
    (embedding,) = layers_named(model, "Embedding")
    dense = layers_named(model, "Dense")[-1]
    E = embedding.get_weights()[0]
    W, b = dense.get_weights()
    return softmax(E[np.asarray(contexts)].mean(axis=1) @ W + b)


def skipgram_from_weights(model: Any, targets: np.ndarray, contexts: np.ndarray) -> list:
    """sigmoid(w · (E_t[target] · E_c[context]) + b), for both orders of the two embeddings."""
    first, second = (layer.get_weights()[0] for layer in layers_named(model, "Embedding"))
    dense = layers_named(model, "Dense")[-1]
    W, b = dense.get_weights()
    t, c = np.asarray(targets).reshape(-1), np.asarray(contexts).reshape(-1)
    outputs = []
    for Et, Ec in ((first, second), (second, first)):
        dots = np.sum(Et[t] * Ec[c], axis=1, keepdims=True)
        outputs.append(1 / (1 + np.exp(-(dots @ W + b))))
    return outputs


def first_input_embedding(model: Any) -> Any:
    """The Embedding layer fed by the model's first input (the target word in skip-gram)."""
    embeddings = layers_named(model, "Embedding")
    first_input = model.inputs[0]
    for layer in embeddings:
        if any(
            node.input_tensors is first_input or first_input is _single(node.input_tensors)
            for node in layer._inbound_nodes
        ):
            return layer
    return embeddings[0]


def _single(tensors: Any) -> Any:
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


def categorical_crossentropy(probabilities: np.ndarray, targets: np.ndarray) -> float:
    p = np.clip(np.asarray(probabilities)[np.arange(len(targets)), np.asarray(targets)], 1e-7, 1)
    return float(-np.mean(np.log(p)))


# --------------------------------------------------------------------------- sentence embeddings


def trainable_params(model: Any) -> int:
    """Trainable parameters of a live or rebuilt model (or the count the sandbox reported)."""
    reported = getattr(model, "kit_trainable_params", None)
    if reported is not None:
        return int(reported)
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def binary_accuracy(model: Any, texts: list[str], labels: list[int]) -> float:
    import tensorflow as tf

    _require_rebuilt(model)
    probabilities = np.asarray(model.predict(tf.constant(texts), verbose=0)).reshape(-1)
    return float(np.mean((probabilities > 0.5) == np.asarray(labels)))


def imdb_reviews(split: str, n: int, seed: int) -> tuple[list[str], list[int]]:
    """n labelled reviews (half positive) from aclImdb/SPLIT, picked reproducibly."""
    import os
    from pathlib import Path

    root = Path(os.environ["KIT_IMDB_DIR"]) / split
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, folder in ((0, "neg"), (1, "pos")):
        files = sorted((root / folder).glob("*.txt"))
        for index in sorted(rng.choice(len(files), size=n // 2, replace=False)):
            texts.append(files[index].read_text(encoding="utf-8"))
            labels.append(label)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order]


def predict(model: Any, X: Any) -> np.ndarray:
    """Predictions from the grader's own copy of the model."""
    _require_rebuilt(model)
    return np.asarray(model.predict(X, verbose=0))
