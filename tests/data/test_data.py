"""Datasets offline: found, verified, refused when corrupt, usable by the lecture's own lines."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.config import DEFAULT_CONFIG, GradingConfig, load_config
from autograder.data import fashion_mnist, nltk_corpus
from autograder.data.environment import VARIABLES
from autograder.data.errors import DataError
from autograder.data.main import DATASETS
from autograder.data.main import main as data_main
from autograder.data.sources import Kind
from autograder.kernel import KERNEL_NAME

FIXTURE = Path(__file__).parents[1] / "fixtures" / "lecture_lines.ipynb"


@pytest.fixture(scope="module")
def config() -> GradingConfig:
    return load_config()


@pytest.fixture(scope="module")
def fashion_dir(config: GradingConfig) -> Path:
    return fashion_mnist.ensure(config)


def config_with(tmp_path: Path, **data: object) -> GradingConfig:
    """The repository's grading.toml with some [data] keys set, written to tmp_path."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for key, value in data.items():
        text, count = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {json.dumps(str(value))}", text)
        assert count == 1, f"[data] {key} not found in {DEFAULT_CONFIG}"
    path = tmp_path / "grading.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_check_reports_every_dataset_found(capsys: pytest.CaptureFixture[str]) -> None:
    assert data_main(check=True) == 0
    lines = capsys.readouterr().out.splitlines()
    for module in DATASETS:
        line = next(line for line in lines if line.split()[0] == module.NAME)
        assert line.split()[1] in ("ok", "found"), line


def test_truncated_file_is_refused_by_name(tmp_path: Path, fashion_dir: Path) -> None:
    name = "t10k-images-idx3-ubyte.gz"
    data = (fashion_dir / name).read_bytes()
    bad = tmp_path / name
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=re.escape(str(bad))) as exc:
        fashion_mnist.verify_file(bad)
    assert "gzip" in str(exc.value)


def test_flipped_payload_byte_is_refused_by_name(tmp_path: Path, fashion_dir: Path) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    payload = bytearray(gzip.decompress((fashion_dir / name).read_bytes()))
    payload[8] ^= 1  # the first test label: a valid idx file, silently wrong without the hash
    bad = tmp_path / name
    bad.write_bytes(gzip.compress(bytes(payload)))
    with pytest.raises(DataError, match=re.escape(str(bad))) as exc:
        fashion_mnist.verify_file(bad)
    assert "SHA-256" in str(exc.value)


def test_flipped_compressed_byte_is_refused_by_name(tmp_path: Path, fashion_dir: Path) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    data = bytearray((fashion_dir / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / name
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match=re.escape(str(bad))):
        fashion_mnist.verify_file(bad)


def test_configured_fashion_mnist_dir_is_searched_first(tmp_path: Path, fashion_dir: Path) -> None:
    folder = tmp_path / "fashion"
    folder.mkdir()
    for name in fashion_mnist.FILES:
        shutil.copyfile(fashion_dir / name, folder / name)
    config = config_with(tmp_path, fashion_mnist_dir=folder)
    found = fashion_mnist.find(config)
    assert found.kind is Kind.CONFIGURED
    assert Path(found.source) == folder
    # A corrupt configured file is an error naming it, not a silent fall-back to another copy.
    victim = folder / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(DataError, match=re.escape(str(victim))):
        fashion_mnist.find(config)


@pytest.mark.slow  # imports TensorFlow
def test_keras_load_data_after_ensure(fashion_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tensorflow import keras
    from tf_keras.src.utils import data_utils

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("keras.datasets tried to download Fashion-MNIST")

    monkeypatch.setattr(data_utils, "urlretrieve", no_download)
    # the module may be registered as tensorflow.keras; its classes tell which Keras it is
    assert keras.layers.Dense.__module__.startswith("tf_keras"), "legacy Keras 2 expected"
    fashion_mnist_ds = keras.datasets.fashion_mnist
    (X_train_full, y_train_full), (X_test, y_test) = fashion_mnist_ds.load_data()
    assert y_test[:3].tolist() == [9, 2, 1]
    assert X_train_full.shape == (60000, 28, 28)
    assert X_test.shape == (10000, 28, 28)


def test_bible_sentences_with_nltk_data_from_ensure(config: GradingConfig) -> None:
    root = nltk_corpus.ensure(config)
    code = "from nltk.corpus import gutenberg; print(len(gutenberg.sents('bible-kjv.txt')))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "NLTK_DATA": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "30103"


@pytest.mark.slow
def test_lecture_lines_run_on_the_kit_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    subprocess.run(
        [sys.executable, "-m", "autograder.kernel"], check=True, capture_output=True, text=True
    )
    # Whatever the notebook needs must come from the kernelspec's env, not from this process.
    for variable in ("TF_USE_LEGACY_KERAS", *VARIABLES):
        monkeypatch.delenv(variable, raising=False)
    nb = nbformat.read(FIXTURE, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    stdout = "".join(
        output.get("text", "")
        for output in nb.cells[-1].outputs
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )
    report = json.loads(stdout)
    assert report["keras_module"].startswith("tf_keras")  # TF_USE_LEGACY_KERAS from the spec
    assert report["y_test_head"] == [9, 2, 1]
    assert report["train_shape"] == [60000, 28, 28]
    assert report["test_shape"] == [10000, 28, 28]
    assert report["bible_sentences"] == 30103
