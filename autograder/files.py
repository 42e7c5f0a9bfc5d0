"""The kit's one helper each for atomic writes, capped reads, hashing, removal and
thread-limited environments."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # every zip the kit writes: the same bytes on every build


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``path`` so that readers see the old file or the whole new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8; a lone surrogate (from a student's string) becomes ``?`` rather than an error."""
    atomic_write_bytes(path, text.encode("utf-8", "replace"))


def atomic_write_json(path: Path, data: Any) -> None:
    """Sorted keys, no NaN: the same data always gives the same bytes."""
    atomic_write_text(path, json.dumps(data, sort_keys=True, allow_nan=False, ensure_ascii=False))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (symlinks followed), memoised per (path, size, mtime)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns)
    if key not in _FILE_DIGESTS:
        digest = hashlib.sha256()
        with open(real, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        _FILE_DIGESTS[key] = digest.hexdigest()
    return _FILE_DIGESTS[key]


def remove_tree(path: Path) -> None:
    """Remove a folder whatever a sandbox left in it: any depth, any name, no symlink followed.

    ``shutil.rmtree`` recurses in Python and fails on a few thousand nested folders; GNU ``rm``
    walks iteratively and never leaves its file system.
    """
    path = Path(path)
    if not os.path.lexists(path):
        return
    if shutil.which("rm"):
        subprocess.run(
            ["rm", "-rf", "--one-file-system", "--", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def thread_limited_env(threads: int = 1) -> dict[str, str]:
    """Variables that keep numpy/TensorFlow to ``threads`` threads and off any GPU.

    Parallelism comes from running several sandboxes; each one stays small and reproducible."""
    env = {name: str(threads) for name in THREAD_VARIABLES}
    env["CUDA_VISIBLE_DEVICES"] = ""
    return env


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def spreadsheet_safe(cell: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a ``'``.

    Numbers (``-1.5``) are left as they are."""
    text = "" if cell is None else str(cell)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(path: Path, rows: list[list[object]]) -> None:
    """Atomically write rows as CSV, every cell made spreadsheet-safe."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [[spreadsheet_safe(cell) for cell in row] for row in rows]
    )
    atomic_write_text(path, buffer.getvalue())


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """A file's bytes only if it is a regular file (never through a link) within the cap.

    Whatever a sandbox wrote may be a symlink to a host file, a FIFO or ``/dev/zero``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{path.name} is {info.st_size} bytes, over the {max_bytes}-byte cap")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{path.name} is over the {max_bytes}-byte cap")
    return data


def read_json(path: Path, max_bytes: int = 64 * 2**20) -> Any:
    """JSON from a regular file within the cap (NaN and Infinity refused)."""
    return json.loads(
        read_regular_file(path, max_bytes), parse_constant=_no_constant, parse_float=_finite
    )


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is not a finite number")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
