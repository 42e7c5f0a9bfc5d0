"""SHA-256 of files, with a per-process memo so repeated checks of one file are free."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autograder.data.errors import DataError

_MEMO: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes (symlinks followed)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns)
    if key not in _MEMO:
        digest = hashlib.sha256()
        with open(real, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        _MEMO[key] = digest.hexdigest()
    return _MEMO[key]


def check_sha256(path: Path, expected: str) -> None:
    """Raise DataError naming the file when its SHA-256 is not the published one."""
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{path}: SHA-256 {actual} does not match the published {expected} "
            "(corrupt, truncated or a different version); delete it or point to a good copy"
        )
