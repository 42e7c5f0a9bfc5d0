"""What the kit knows about the ``mlp`` assignment (Fashion-MNIST MLP with Keras).

Expected values come from ``reference/mlp.py`` with the term's parameters; the sandbox gets the
Fashion-MNIST files in its own keras cache so ``fashion_mnist.load_data()`` works offline.
"""

from __future__ import annotations

import math

import numpy as np

from autograder.catalog.kit import AssignmentKit
from autograder.config import Assignment, Course
from autograder.files import sha256_bytes


def expected(assignment: Assignment, course: Course) -> dict:
    from reference import mlp

    hidden = list(assignment.params["hidden_sizes"])
    layer_sizes = [28 * 28, *hidden, 10]
    rng = np.random.default_rng([course.seed, 1])
    neuron_cases = []
    for name, f in (("tanh", np.tanh), ("exp", np.exp), ("abs", np.abs)):
        for _ in range(2):
            d = int(rng.integers(2, 6))
            w = np.round(rng.normal(size=d), 3)
            x = np.round(rng.normal(size=d), 3)
            theta = float(np.round(rng.normal(), 3))
            want = float(mlp.neuron_output(w, x, theta, f))
            neuron_cases.append((w.tolist(), x.tolist(), theta, name, want))
    (X_train, y_train), (X_valid, y_valid), _ = mlp.load_fashion_mnist()
    sha = lambda a: sha256_bytes(np.asarray(a, dtype=np.uint8).tobytes())  # noqa: E731
    return {
        "drill_params": mlp.count_dense_params([100, 20, 3]),
        "neuron_cases": neuron_cases,
        "output_and_loss": {
            "binary": mlp.output_activation_and_loss("binary", "integer"),
            "multiclass, integer labels": mlp.output_activation_and_loss("multiclass", "integer"),
            "multiclass, one-hot labels": mlp.output_activation_and_loss("multiclass", "one-hot"),
        },
        "y_train_sha256": sha(y_train),
        "y_valid_sha256": sha(y_valid),
        "X_train_mean": float(X_train.mean()),
        "X_valid_mean": float(X_valid.mean()),
        "X_train_head_sum": float(np.sum(X_train[:8])),
        "class_names": list(mlp.CLASS_NAMES),
        "dense_params": mlp.dense_layer_params(layer_sizes),
        "n_dense": len(layer_sizes) - 1,
        "total_params": mlp.count_dense_params(layer_sizes),
        "glorot_limit": math.sqrt(6 / (layer_sizes[0] + layer_sizes[1])),
        "loss": mlp.output_activation_and_loss("multiclass", "integer")[1],
    }


def reference_model(assignment: Assignment):
    from reference import mlp

    return mlp.build_mlp(
        assignment.params["hidden_sizes"], dropout_rate=assignment.params["dropout_rate"]
    )


KIT = AssignmentKit(
    name="mlp",
    expected=expected,
    datasets=("KIT_FASHION_MNIST_DIR",),
    keras_datasets={"KIT_FASHION_MNIST_DIR": "fashion-mnist"},
    sample_folders=("mlp", "adversarial"),
    reference_model=reference_model,
)
