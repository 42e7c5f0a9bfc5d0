"""The checks' behaviour-based helpers, on stand-in objects (no TensorFlow)."""

from __future__ import annotations

import pytest

from autograder import checks


class Layer:
    def __init__(self, kind: str, **config):
        self.kit_class_name, self.kit_classes, self._config = kind, [kind], config

    def get_config(self) -> dict:
        return dict(self._config)


class Model:
    kit_class_name, kit_classes = "Sequential", ["Sequential", "Model"]

    def __init__(self, *layers, fits=None):
        self.layers, self.kit_fits = list(layers), fits


def dense(units: int, activation: str = "linear") -> Layer:
    return Layer("Dense", units=units, activation=activation)


def test_activation_layers_count_as_the_dense_layer_activation():
    model = Model(
        Layer("Flatten"), dense(300), Layer("Activation", activation="relu"),
        dense(100), Layer("ReLU", max_value=None, negative_slope=0.0, threshold=0.0),
        dense(10), Layer("Softmax", axis=-1),
    )  # fmt: skip
    assert checks.dense_stack(model) == [(300, "relu"), (100, "relu"), (10, "softmax")]


def test_a_modified_relu_or_an_activation_after_an_activated_dense_is_not_merged():
    clipped = Model(dense(5), Layer("ReLU", max_value=6.0, negative_slope=0.0, threshold=0.0))
    assert checks.dense_stack(clipped) == [(5, "relu (modified)")]
    twice = Model(dense(5, "relu"), Layer("Activation", activation="softmax"))
    assert checks.dense_stack(twice) == [(5, "relu")]


def test_dropout_must_follow_each_hidden_layer():
    good = Model(Layer("Flatten"), dense(3, "relu"), Layer("Dropout", rate=0.2),
                 dense(2, "relu"), Layer("Dropout", rate=0.2), dense(1, "softmax"))  # fmt: skip
    checks.dropout_after_each_hidden(good, 0.2, 2)
    before = Model(Layer("Flatten"), Layer("Dropout", rate=0.2), dense(3, "relu"),
                   Layer("Dropout", rate=0.2), dense(2, "relu"), dense(1, "softmax"))  # fmt: skip
    with pytest.raises(AssertionError, match="come in the order"):
        checks.dropout_after_each_hidden(before, 0.2, 2)
    with pytest.raises(AssertionError, match="rates"):
        checks.dropout_after_each_hidden(good, 0.3, 2)


def test_a_one_dimensional_reshape_is_a_flatten():
    assert checks._flattens(Layer("Reshape", target_shape=[784]))
    assert not checks._flattens(Layer("Reshape", target_shape=[28, 28]))


TEST_HEAD = [9, 2, 1, 1, 6]


def fit(train, validation="none", split=0.0):
    labels = lambda head: None if head is None else {"rows": 100, "head": head}  # noqa: E731
    return {
        "labels": labels(train),
        "validation": None if validation == "none" else {"labels": labels(validation)},
        "validation_split": split,
    }


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (fit([0, 1, 2], [5, 5, 5]), None),
        (fit([0, 1, 2], split=0.1), None),
        (fit(None, None), None),  # a dataset: not identified, benefit of the doubt
        (fit([9, 2, 1], [5, 5, 5]), "trained on the test set"),
        (fit([0, 1, 2], [9, 2, 1, 1]), "validated on the test set"),
        (fit([0, 1, 2], [0, 1, 2]), "data it was trained on"),
        (fit([0, 1, 2]), "without validation"),
    ],
)
def test_fit_splits(record, problem):
    model = Model(fits=[record])
    if problem is None:
        checks.assert_fit_splits(model, TEST_HEAD)
    else:
        with pytest.raises(AssertionError, match=problem):
            checks.assert_fit_splits(model, TEST_HEAD)


def test_a_model_never_fitted_fails_the_split_check():
    with pytest.raises(AssertionError, match="never trained"):
        checks.assert_fit_splits(Model(fits=[]), TEST_HEAD)


def test_a_keras3_model_that_was_not_read_as_tf_keras_fails_with_the_fix_in_one_line():
    base = type("Model", (), {"__module__": "keras.src.models.model"})
    keras3_model = type("Sequential", (base,), {"__module__": "keras.src.models.sequential"})()
    with pytest.raises(AssertionError, match="from tensorflow import keras"):
        checks.is_a(keras3_model, "Model")
    keras3_layer = type("Dense", (), {"__module__": "keras.src.layers.core.dense"})()
    assert checks.is_a(keras3_layer, "Dense")  # a layer is read as it is
    tf_base = type("Model", (), {"__module__": "tf_keras.src.engine.training"})
    tf_keras_model = type(
        "Sequential", (tf_base,), {"__module__": "tf_keras.src.engine.sequential"}
    )()
    assert checks.is_a(tf_keras_model, "Sequential")


def test_from_logits_is_read_from_the_loss_settings():
    model = Model()
    model.kit_loss_config = {"from_logits": True}
    assert checks.loss_from_logits(model) is True
    model.kit_loss_config = {}
    assert checks.loss_from_logits(model) is False


class _Weights:
    def __init__(self, *arrays):
        self.arrays = list(arrays)

    def get_weights(self):
        return self.arrays

    def set_weights(self, weights):
        self.arrays = list(weights)


def test_the_budget_cache_stays_within_its_size_evicting_the_least_recently_used(
    tmp_path, monkeypatch
):
    import os

    import numpy as np

    monkeypatch.setattr(checks.BudgetCache, "MAX_TOTAL_BYTES", 3 * 9000 + 2000)
    cache = checks.BudgetCache(str(tmp_path / "cache"))
    for n in range(3):
        cache.store(f"e{n}", _Weights(np.full(1000, n, dtype=np.float64)))
        os.utime(tmp_path / "cache" / f"e{n}.npz", (n, n))  # e0 oldest
    (tmp_path / "cache" / "left.npz.99.tmp").write_bytes(b"x" * 100)  # a save cut short
    restored = _Weights()
    assert cache.restore("e0", restored) and restored.arrays[0][0] == 0  # e0 now most recent
    cache.store("e3", _Weights(np.full(1000, 3, dtype=np.float64)))
    left = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert left == ["e0.npz", "e2.npz", "e3.npz"]  # e1 was the least recently used
    assert sum(p.stat().st_size for p in (tmp_path / "cache").iterdir()) <= 3 * 9000 + 2000
    cache.store("big", _Weights(np.zeros(checks.BudgetCache.MAX_ENTRY_BYTES // 8 + 1)))
    assert not (tmp_path / "cache" / "big.npz").exists()
    assert not cache.restore("missing", restored)


def test_prediction_batches_are_large_unless_a_batch_of_activations_would_be():
    """The verdict predicts test sets in large batches, but a very wide model (one activation
    of 784 x 784 per image) is predicted 32 at a time, as is a model whose shapes are unknown."""
    from types import SimpleNamespace
    from types import SimpleNamespace as Layer

    from autograder.checks import prediction_batch

    mlp = SimpleNamespace(layers=[Layer(output_shape=(None, 784)), Layer(output_shape=(None, 10))])
    wide = SimpleNamespace(
        layers=[Layer(output_shape=(None, 784, 784)), Layer(output_shape=[(None, 10)])]
    )
    assert prediction_batch(mlp) == 1024
    assert prediction_batch(wide) == 32
    assert prediction_batch(SimpleNamespace(layers=[object()])) == 32
