"""The lecture's Fashion-MNIST MLP as plain functions: the source of the mlp answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

# (课堂小练笔 / 模型编译) which output layer and loss go with which labels
OUTPUT_AND_LOSS = {
    ("binary", "integer"): ("sigmoid", "binary_crossentropy"),
    ("multiclass", "integer"): ("softmax", "sparse_categorical_crossentropy"),
    ("multiclass", "one-hot"): ("softmax", "categorical_crossentropy"),
}


def count_dense_params(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases of a fully connected net, e.g. [100, 20, 3] -> 2,083."""
    return sum(dense_layer_params(layer_sizes))


def dense_layer_params(layer_sizes: Sequence[int]) -> list[int]:
    """Parameters of each Dense layer, e.g. [784, 300, 100, 10] -> [235500, 30100, 1010]."""
    return [
        (n_in + 1) * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]


def neuron_output(w: np.ndarray, x: np.ndarray, theta: float, f: Callable) -> float:
    """One neuron: f(w·x + θ)."""
    return f(np.dot(w, x) + theta)


def output_activation_and_loss(task: str, labels: str) -> tuple[str, str]:
    """('binary'|'multiclass', 'integer'|'one-hot') -> (output activation, loss name)."""
    return OUTPUT_AND_LOSS[(task, labels)]


def load_fashion_mnist():
    """The lecture's split: 55,000 train / 5,000 valid / 10,000 test, pixels scaled to [0, 1]."""
    from tensorflow import keras

    fashion_mnist = keras.datasets.fashion_mnist
    (X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()
    X_valid, X_train = X_train_full[:5000] / 255.0, X_train_full[5000:] / 255.0
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    X_test = X_test / 255.0
    return (X_train, y_train), (X_valid, y_valid), (X_test, y_test)


def build_mlp(
    hidden_sizes: Sequence[int] = (300, 100),
    n_classes: int = 10,
    input_shape: Sequence[int] = (28, 28),
    dropout_rate: float = 0.0,
):
    """Flatten -> Dense(relu) per hidden size -> Dense(softmax); Dropout after each hidden layer
    when dropout_rate > 0."""
    from tensorflow import keras

    model = keras.models.Sequential()
    model.add(keras.layers.Flatten(input_shape=list(input_shape)))
    for units in hidden_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
        if dropout_rate:
            model.add(keras.layers.Dropout(rate=dropout_rate))
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    return model


def compile_mlp(model, learning_rate: float = 0.01, momentum: float = 0.9, nesterov: bool = True):
    """sparse_categorical_crossentropy (integer labels) with the lecture's SGD settings."""
    from tensorflow import keras

    optimizer = keras.optimizers.SGD(
        learning_rate=learning_rate, momentum=momentum, nesterov=nesterov
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def train_mlp(
    model,
    train: tuple,
    valid: tuple,
    *,
    epochs: int = 30,
    batch_size: int = 32,
    seed: int | None = None,
    callbacks: Sequence = (),
    max_train_samples: int | None = None,
    verbose: int = 0,
):
    """model.fit with validation data; seed and a sample cap make it repeatable and cheap."""
    from reference.seeding import seed_everything

    if seed is not None:
        seed_everything(seed)
    X_train, y_train = train
    if max_train_samples:
        X_train, y_train = X_train[:max_train_samples], y_train[:max_train_samples]
    return model.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=valid,
        callbacks=list(callbacks),
        verbose=verbose,
    )


def train_reference_mlp(
    *,
    hidden_sizes: Sequence[int] = (300, 100),
    dropout_rate: float = 0.0,
    seed: int = 42,
    epochs: int = 30,
    max_train_samples: int | None = None,
):
    """Seed, build, compile and train the reference model; returns (model, history, test data)."""
    from reference.seeding import seed_everything

    seed_everything(seed)
    train, valid, test = load_fashion_mnist()
    model = compile_mlp(build_mlp(hidden_sizes, dropout_rate=dropout_rate))
    history = train_mlp(model, train, valid, epochs=epochs, max_train_samples=max_train_samples)
    return model, history, test
