"""The grader's budgeted copy of a model, and the warm worker's cache of it (TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import checks

pytestmark = pytest.mark.slow


def _model(name: str = "m"):
    from tensorflow import keras

    model = keras.Sequential(
        [
            keras.layers.Dense(8, activation="relu", input_shape=(4,), name=f"{name}_hidden"),
            keras.layers.Dropout(0.2, name=f"{name}_dropout"),
            keras.layers.Dense(3, activation="softmax", name=f"{name}_out"),
        ],
        name=name,
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(96, 4)), rng.integers(0, 3, size=96)


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


def test_a_cached_copy_is_exactly_the_copy_training_would_give(tmp_path, monkeypatch):
    from tensorflow import keras

    X, y = _data()
    trained = checks.train_under_budget(_model(), X, y, epochs=2, seed=3)  # no cache
    monkeypatch.setenv("KIT_BUDGET_CACHE", str(tmp_path))
    stored = checks.train_under_budget(_model(), X, y, epochs=2, seed=3)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert _same(trained, stored)

    def no_training(*args, **kwargs):
        raise AssertionError("a cached copy was trained again")

    with monkeypatch.context() as patched:
        patched.setattr(keras.Model, "fit", no_training)
        restored = checks.train_under_budget(_model(), X, y, epochs=2, seed=3)
    assert _same(trained, restored)
    assert not _same(trained, _model())  # a fresh model differs: the comparison can fail


@pytest.mark.parametrize(
    "change", ["seed", "epochs", "data", "labels", "optimizer", "loss", "units", "name"]
)
def test_any_different_input_is_trained_afresh(tmp_path, monkeypatch, change):
    from tensorflow import keras

    X, y = _data()
    monkeypatch.setenv("KIT_BUDGET_CACHE", str(tmp_path))
    checks.train_under_budget(_model(), X, y, epochs=2, seed=3)
    model, seed, epochs = _model("other" if change == "name" else "m"), 3, 2
    if change == "seed":
        seed = 4
    elif change == "epochs":
        epochs = 1
    elif change == "data":
        X = X + 1e-6
    elif change == "labels":
        y = (y + 1) % 3
    elif change == "optimizer":
        model.compile(loss=model.loss, optimizer=keras.optimizers.SGD(learning_rate=0.02))
    elif change == "loss":
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer="sgd")
    elif change == "units":
        model = keras.Sequential(
            [keras.layers.Dense(9, input_shape=(4,), name="m_hidden"),
             keras.layers.Dense(3, activation="softmax", name="m_out")], name="m"
        )  # fmt: skip
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    checks.train_under_budget(model, X, y, epochs=epochs, seed=seed)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_eager_outputs_and_loss_are_what_predict_and_evaluate_give():
    """The verdict predicts by calling the model eagerly (no predict function traced per
    model): the outputs, the accuracy and the loss must be Keras' own, dropout and L2
    regularisation included, and a model that cannot be called that way still predicts."""
    from tensorflow import keras

    X, y = _data()
    X = np.repeat(X, 30, axis=0)[:2500]  # more rows than one batch
    y = np.repeat(y, 30)[:2500]
    model = _model()
    regularised = keras.Sequential(
        [keras.layers.Dense(8, activation="relu", input_shape=(4,),
                            kernel_regularizer=keras.regularizers.l2(0.1)),
         keras.layers.Dropout(0.5), keras.layers.Dense(3, activation="softmax")]
    )  # fmt: skip
    regularised.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    logits_loss = keras.models.clone_model(model)  # softmax output, loss told it gets logits
    logits_loss.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    saturated = X * 255.0  # unscaled pixels: a softmax of 0s and 1s, whose loss needs its logits
    for m, inputs in ((model, X), (regularised, X), (logits_loss, X), (model, saturated)):
        assert np.allclose(checks.forward(m, inputs), m.predict(inputs, verbose=0), atol=1e-6)
        want = float(np.ravel(m.evaluate(inputs, y, verbose=0, batch_size=256))[0])
        assert abs(checks.test_loss(m, inputs, y) - want) <= 1e-4 * max(1.0, abs(want))
    two_inputs = keras.Model(*_two_input_model())
    pair = [X[:10], X[:10]]
    assert np.allclose(checks.forward(two_inputs, pair), two_inputs.predict(pair, verbose=0))
    import tensorflow as tf

    wrong_input = (ValueError, tf.errors.InvalidArgumentError)
    with pytest.raises(wrong_input):  # Keras' own message for a wrong input reaches the check
        checks.forward(model, X[:, :3])


def _two_input_model():
    from tensorflow import keras

    a, b = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    return [a, b], keras.layers.Dot(axes=1)([keras.layers.Dense(2)(a), keras.layers.Dense(2)(b)])
