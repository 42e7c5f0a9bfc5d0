"""The labelled Large Movie Review Dataset (aclImdb) as a folder holding train/ and test/.

The kit's shared copy is a deterministic tar of the labelled part (pos/neg only), checked
against its published SHA-256 and extracted once, safely, into the kit cache. Without it, the
real Stanford archive is downloaded with ``keras.utils.get_file`` (checked against the
official SHA-256), and train/unsup is left out so both give the same two-class layout for
``text_dataset_from_directory``.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from autograder.config import GradingConfig
from autograder.data.checksums import check_sha256
from autograder.data.download import get_file, reachable
from autograder.data.errors import DataError, MissingDataError
from autograder.data.sources import Found, Kind, Status, configured_path
from autograder.paths import DATA_DIR, SHARED_DATA_DIR

NAME = "imdb"
SHARED_ARCHIVE = SHARED_DATA_DIR / "imdb" / "aclImdb_v1_labelled.tar.gz"
SHARED_SHA256 = "9f6f505621b3f0afc374d9d287552e082634edeeae639be0f96e30e7e9e976c1"
STANFORD_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
STANFORD_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
KIT_DIR = DATA_DIR / "imdb"
EXTRACTED = KIT_DIR / "aclImdb"
STAMP = KIT_DIR / "aclImdb.sha256"  # SHA-256 of the archive EXTRACTED came from; written last
STANDARD_DIR = Path.home() / ".keras" / "datasets" / "aclImdb"
LABELLED = ("train/pos", "train/neg", "test/pos", "test/neg")
SKIPPED = ("aclImdb/train/unsup",)
FIX = (
    f"put the kit's shared data in place ({SHARED_ARCHIVE}), or set data.imdb_dir in "
    "grading.toml to a folder holding train/ and test/, or run `autograder data` with internet"
)


def is_dataset_dir(folder: Path) -> bool:
    """True when the folder holds non-empty train/{pos,neg} and test/{pos,neg}."""
    for sub in LABELLED:
        try:
            if not any(os.scandir(folder / sub)):
                return False
        except OSError:
            return False
    return True


def _stamp() -> str:
    try:
        return STAMP.read_text().strip()
    except OSError:
        return ""


def find(config: GradingConfig) -> Found:
    """Locate the folder (or the archive that will become it); writes nothing."""
    if config.data.imdb_dir:
        folder = configured_path(config, config.data.imdb_dir)
        for candidate in (folder, folder / "aclImdb"):
            if is_dataset_dir(candidate):
                return Found(NAME, Status.OK, Kind.CONFIGURED, str(candidate), str(candidate))
        raise DataError(f"data.imdb_dir = {folder} holds no train/{{pos,neg}} and test/{{pos,neg}}")
    extracted = is_dataset_dir(EXTRACTED)
    if SHARED_ARCHIVE.is_file():
        check_sha256(SHARED_ARCHIVE, SHARED_SHA256)
        if extracted and _stamp() == SHARED_SHA256:
            return Found(NAME, Status.OK, Kind.SHARED, str(EXTRACTED), str(SHARED_ARCHIVE))
        note = f"autograder data will extract it into {EXTRACTED}"
        return Found(NAME, Status.PENDING, Kind.SHARED, str(SHARED_ARCHIVE), "", note)
    if extracted and _stamp():
        kind = Kind.DOWNLOADED if _stamp() == STANFORD_SHA256 else Kind.KIT
        return Found(NAME, Status.OK, kind, str(EXTRACTED), str(EXTRACTED))
    if is_dataset_dir(STANDARD_DIR):
        return Found(NAME, Status.OK, Kind.STANDARD, str(STANDARD_DIR), str(STANDARD_DIR))
    what = f"not found locally; would download {STANFORD_URL}"
    return Found(NAME, Status.MISSING, Kind.NONE, "", note=str(MissingDataError(NAME, what, FIX)))


def provision(config: GradingConfig, *, download: bool = True) -> Found:
    """Find the folder; extract the shared archive once, or download the Stanford one."""
    found = find(config)
    if found.status is Status.OK:
        return found
    if found.status is Status.PENDING:
        extract(SHARED_ARCHIVE, SHARED_SHA256)
        return Found(NAME, Status.OK, Kind.SHARED, str(EXTRACTED), str(SHARED_ARCHIVE))
    if not download or not reachable(STANFORD_URL):
        what = (
            f"no labelled aclImdb in {SHARED_ARCHIVE}, {EXTRACTED} or {STANDARD_DIR}, "
            f"and {STANFORD_URL} cannot be reached (or downloads are off)"
        )
        raise MissingDataError(NAME, what, FIX)
    KIT_DIR.mkdir(parents=True, exist_ok=True)  # else get_file falls back to /tmp/.keras
    archive = get_file(
        STANFORD_URL,
        fname="aclImdb_v1.tar.gz",
        cache_dir=DATA_DIR,
        cache_subdir="imdb",
        file_hash=STANFORD_SHA256,
    )
    extract(archive, STANFORD_SHA256)
    return Found(NAME, Status.OK, Kind.DOWNLOADED, str(EXTRACTED), STANFORD_URL)


def ensure(config: GradingConfig) -> Path:
    """The folder holding train/ and test/ (each with pos/ and neg/)."""
    return Path(provision(config).path)


def extract(archive: Path, sha256: str) -> Path:
    """Verify the archive, then extract it into the kit cache atomically and safely.

    Members must be regular files or folders under ``aclImdb/``; absolute paths, ``..``,
    links and devices are refused (and tarfile's "data" filter applies on top).
    """
    check_sha256(archive, sha256)
    KIT_DIR.mkdir(parents=True, exist_ok=True)
    partial = KIT_DIR / f".aclImdb.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(partial, members=_safe_members(tar, archive), filter="data")
        if not is_dataset_dir(partial / "aclImdb"):
            raise DataError(f"{archive}: holds no aclImdb/train and aclImdb/test with pos/neg")
        STAMP.unlink(missing_ok=True)
        shutil.rmtree(EXTRACTED, ignore_errors=True)
        os.replace(partial / "aclImdb", EXTRACTED)
        STAMP.write_text(sha256 + "\n")
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return EXTRACTED


def _safe_members(tar: tarfile.TarFile, archive: Path) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise DataError(f"{archive}: unsafe member path {member.name!r}")
        if path.parts[0] != "aclImdb":
            raise DataError(f"{archive}: member {member.name!r} lies outside aclImdb/")
        if not (member.isfile() or member.isdir()):
            raise DataError(f"{archive}: member {member.name!r} is a link or device")
        if any(member.name == s or member.name.startswith(s + "/") for s in SKIPPED):
            continue
        yield member
