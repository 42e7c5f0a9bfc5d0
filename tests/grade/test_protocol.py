"""What crosses the sandbox boundary, and what the trusted side makes of it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder import checks
from autograder.grade.protocol import ArrayStore, encode
from autograder.grade.verdict.standins import RemoteModel, decode

pytestmark = pytest.mark.slow  # these tests import TensorFlow


def roundtrip(value, tmp_path=None):
    store = ArrayStore()
    node = encode(value, store)
    return decode(node, store, "value")


def test_plain_values_and_arrays_round_trip():
    value = {"a": [1, 2.5, None, "x"], "b": (np.arange(6).reshape(2, 3), np.float32(1.5))}
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, None, "x"]
    assert np.array_equal(back["b"][0], value["b"][0]) and back["b"][1] == 1.5


def test_large_arrays_cross_as_a_digest():
    big = np.linspace(0, 1, 3_000_000).reshape(3000, 1000)  # 24 MB
    back = roundtrip(big)
    assert back.shape == (3000, 1000) and back.max() == 1.0 and back.min() == 0.0
    assert np.array_equal(back[:2], big[:2])


@pytest.fixture(scope="module")
def keras():
    from tensorflow import keras

    return keras


def test_optimizer_settings_survive_the_rebuild(keras):
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(3,))])
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer)
    rebuilt = roundtrip(model)
    name, config = checks.optimizer_config(rebuilt)
    assert name == "SGD" and config["learning_rate"] == pytest.approx(0.1)
    assert config["momentum"] == pytest.approx(0.9) and config["nesterov"] is True
    assert np.array_equal(rebuilt.get_weights()[0], model.get_weights()[0])


def test_a_lambda_layer_is_never_deserialised(keras):
    model = keras.Sequential(
        [keras.layers.Lambda(lambda x: x * 2, input_shape=(3,)), keras.layers.Dense(1)]
    )
    model.compile(loss="mse", optimizer="adam")
    stand_in = roundtrip(model)
    assert isinstance(stand_in, RemoteModel) and "cannot be rebuilt" in stand_in.kit_not_rebuilt
    assert stand_in.count_params() == model.count_params() == 4
    with pytest.raises(AssertionError, match="cannot evaluate this model itself"):
        checks.accuracy(stand_in, np.zeros((1, 3)), np.zeros(1))


def _model_node(config: dict) -> dict:
    return {"kind": "keras_model", "class": "Sequential", "config": json.dumps(config),
            "weights": [], "layers": [], "compiled": {}}  # fmt: skip


@pytest.mark.parametrize(
    "layer",
    [
        {"class_name": "Dense", "registered_name": "KerasLayer", "module": "tensorflow_hub",
         "config": {"handle": "/grader/response/sm", "units": 3}},
        {"class_name": "Dense", "module": "os", "config": {"units": 3}},
        {"class_name": "Dense", "registered_name": "Custom>Evil", "config": {"units": 3}},
        {"class_name": "KerasLayer", "module": "tensorflow_hub.keras_layer",
         "config": {"handle": "/grader/response/sm"}},
        {"class_name": "KerasLayer", "module": "evil", "config": {}},
    ],
)  # fmt: skip
def test_forged_layer_origins_are_never_deserialised(layer, monkeypatch):
    monkeypatch.delenv("KIT_TEXT_EMBEDDING_HANDLE", raising=False)
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [layer]}}
    model = decode(_model_node(config), ArrayStore(), "model")
    assert isinstance(model, RemoteModel), "the grader built a model it must refuse"
