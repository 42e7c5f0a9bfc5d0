"""Check dataset files against their published SHA-256 (hashing lives in ``autograder.files``)."""

from __future__ import annotations

from pathlib import Path

from autograder.data.errors import DataError
from autograder.files import sha256_file

__all__ = ["check_sha256", "sha256_file"]


def check_sha256(path: Path, expected: str) -> None:
    """Raise DataError naming the file when its SHA-256 is not the published one."""
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{path}: SHA-256 {actual} does not match the published {expected} "
            "(corrupt, truncated or a different version); delete it or point to a good copy"
        )
