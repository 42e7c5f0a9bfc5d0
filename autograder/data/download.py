"""The real online path: ``keras.utils.get_file``, tried only when the host can be reached."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from autograder.data.errors import DataError


def reachable(url: str, timeout: float = 3.0) -> bool:
    """True when a TCP connection to the URL's host opens; keeps offline failures fast."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def get_file(
    url: str,
    *,
    fname: str,
    cache_dir: Path,
    cache_subdir: str,
    file_hash: str | None = None,
) -> Path:
    """Download as keras.datasets does (same function, same cache layout); TF loads only here.

    TF_USE_LEGACY_KERAS is already set: importing this package ran ``autograder/__init__``.
    """
    from tensorflow import keras

    try:
        path = keras.utils.get_file(
            fname,
            origin=url,
            cache_dir=str(cache_dir),
            cache_subdir=cache_subdir,
            file_hash=file_hash,
        )
    except Exception as exc:  # get_file wraps network errors in a bare Exception
        raise DataError(f"download of {url} failed: {exc}") from exc
    return Path(path)
