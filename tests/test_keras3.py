"""Keras 3 models (``import keras``) read as the tf-keras models they are, or refused."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keras3():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import keras

    assert keras.__version__.startswith("3")
    return keras


def test_a_sequential_mlp_becomes_the_same_tf_keras_model_compiled_alike(keras3):
    import numpy as np

    from autograder import checks
    from autograder.keras3 import tf_keras_equivalent

    keras = keras3
    model = keras.models.Sequential([
        keras.Input((28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(30, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer,
                  metrics=["accuracy"])  # fmt: skip
    rebuilt = tf_keras_equivalent(model)
    assert type(rebuilt).__module__.startswith("tf_keras")
    assert rebuilt.count_params() == model.count_params()
    probe = np.random.default_rng(1).random((3, 28, 28)).astype("float32")
    assert np.allclose(rebuilt(probe), model(probe), atol=1e-6)
    checks.assert_hidden_layers(rebuilt, [30], "model")
    checks.assert_optimizer(rebuilt, "SGD", "model", learning_rate=0.01, momentum=0.9,
                            nesterov=True)  # fmt: skip
    assert checks.metric_names(rebuilt) == ["accuracy"]
    with pytest.raises(AssertionError, match="from tensorflow import keras"):
        checks.is_a(model, "Model")  # unread, it fails with the fix


def test_a_functional_skipgram_is_rewired_and_a_lambda_is_refused(keras3):
    from autograder.keras3 import tf_keras_equivalent
    from autograder.student import as_tf_keras

    keras = keras3
    target, context = keras.Input((1,)), keras.Input((1,))
    dot = keras.layers.Dot(axes=2)([
        keras.layers.Embedding(50, 8)(target), keras.layers.Embedding(50, 8)(context)
    ])  # fmt: skip
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Reshape((1,))(dot))
    skipgram = keras.Model([target, context], out)
    skipgram.compile(loss="mean_squared_error", optimizer="rmsprop")
    rebuilt = tf_keras_equivalent(skipgram)
    assert [type(layer).__name__ for layer in rebuilt.layers].count("Embedding") == 2
    assert (
        rebuilt.count_params() == skipgram.count_params() and rebuilt.loss == "mean_squared_error"
    )

    lam = keras.models.Sequential([
        keras.Input((4,)), keras.layers.Embedding(20, 5),
        keras.layers.Lambda(lambda x: keras.ops.mean(x, axis=1)),
    ])  # fmt: skip
    assert tf_keras_equivalent(lam) is None
    env = as_tf_keras({"skipgram": skipgram, "cbow": lam, "n": 3})
    assert env["cbow"] is lam and env["n"] == 3
    assert type(env["skipgram"]).__module__.startswith("tf_keras")
