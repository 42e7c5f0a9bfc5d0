"""Fashion-MNIST for ``keras.datasets.fashion_mnist.load_data()``, unchanged and offline.

keras.datasets reads four gzip files from ``~/.keras/datasets/fashion-mnist/`` and downloads
only those that are absent, without checking them. So the kit finds the files locally,
verifies the decompressed payload against the official Fashion-MNIST SHA-256 (the Debian
package recompresses, so its .gz bytes differ from the official .gz while the payload is
identical), and places them in that cache. A truncated or altered file is refused by name
instead of becoming a silently wrong array.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from autograder.config import GradingConfig
from autograder.data.download import get_file, reachable
from autograder.data.errors import DataError, MissingDataError
from autograder.data.sources import Found, Kind, Status, configured_path
from autograder.paths import DATA_DIR

NAME = "fashion-mnist"
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_SUBDIR = "datasets/fashion-mnist"  # as in tf_keras/src/datasets/fashion_mnist.py
KIT_DIR = DATA_DIR / "keras" / CACHE_SUBDIR
FIX = (
    "sudo apt-get install dataset-fashion-mnist (or run ./setup.sh as root), "
    "or set data.fashion_mnist_dir in grading.toml to a folder holding the four .gz files"
)


@dataclass(frozen=True)
class IdxSpec:
    sha256: str  # of the decompressed idx bytes (official Fashion-MNIST)
    magic: int  # 0x801 labels, 0x803 images
    count: int


_IMAGES, _LABELS = 0x803, 0x801
FILES: dict[str, IdxSpec] = {
    "train-images-idx3-ubyte.gz": IdxSpec(
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", _IMAGES, 60000
    ),
    "train-labels-idx1-ubyte.gz": IdxSpec(
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", _LABELS, 60000
    ),
    "t10k-images-idx3-ubyte.gz": IdxSpec(
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", _IMAGES, 10000
    ),
    "t10k-labels-idx1-ubyte.gz": IdxSpec(
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", _LABELS, 10000
    ),
}
ROWS = COLS = 28

_VERIFIED: set[tuple[str, int, int]] = set()


def verify_file(path: Path | str) -> None:
    """Gunzip one of the four files and check idx header, length and payload SHA-256.

    Raises DataError naming the file and what is wrong. Results are memoised per process
    by (real path, size, mtime), so symlinks to one verified file cost nothing more.
    """
    path = Path(path)
    spec = FILES.get(path.name)
    if spec is None:
        raise DataError(f"{path}: not a Fashion-MNIST file (expected one of {', '.join(FILES)})")
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    key = (real, st.st_size, st.st_mtime_ns)
    if key in _VERIFIED:
        return
    digest = hashlib.sha256()
    head = b""
    size = 0
    try:
        with gzip.open(real, "rb") as f:
            while chunk := f.read(1 << 20):
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                size += len(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DataError(
            f"{path}: not a complete gzip file ({exc}); truncated or corrupt, delete it"
        ) from None
    _check_header(path, spec, head, size)
    if digest.hexdigest() != spec.sha256:
        raise DataError(
            f"{path}: decompressed SHA-256 {digest.hexdigest()} is not the official "
            f"Fashion-MNIST {spec.sha256} (altered payload); delete it"
        )
    _VERIFIED.add(key)


def _check_header(path: Path, spec: IdxSpec, head: bytes, size: int) -> None:
    images = spec.magic == _IMAGES
    header_len = 16 if images else 8
    if len(head) < header_len:
        raise DataError(f"{path}: only {size} bytes after gunzip, no complete idx header")
    magic, count = struct.unpack(">II", head[:8])
    if magic != spec.magic:
        raise DataError(f"{path}: idx magic {magic:#x}, expected {spec.magic:#x}")
    if count != spec.count:
        raise DataError(f"{path}: idx holds {count} items, expected {spec.count}")
    if images:
        rows, cols = struct.unpack(">II", head[8:16])
        if (rows, cols) != (ROWS, COLS):
            raise DataError(f"{path}: images are {rows}x{cols}, expected {ROWS}x{COLS}")
    expected = header_len + spec.count * (ROWS * COLS if images else 1)
    if size != expected:
        raise DataError(f"{path}: {size} bytes after gunzip, expected {expected} (truncated?)")


def keras_cache_dir() -> Path:
    """The folder keras.datasets reads: ``~/.keras/datasets/fashion-mnist``.

    tf_keras's ``get_file`` (2.21) ignores KERAS_HOME and uses ``~/.keras`` unless that is
    not writable, in which case it falls back to ``/tmp/.keras``; mirrored here.
    """
    base = Path.home() / ".keras"
    writable = os.access(base, os.W_OK) if base.exists() else os.access(base.parent, os.W_OK)
    return (base if writable else Path("/tmp/.keras")) / CACHE_SUBDIR


def _holds_verified(folder: Path) -> bool:
    return all(_verified(folder / name) for name in FILES)


def _candidates(config: GradingConfig) -> list[tuple[Kind, Path]]:
    out = []
    if config.data.fashion_mnist_dir:
        out.append((Kind.CONFIGURED, configured_path(config, config.data.fashion_mnist_dir)))
    out += [(Kind.SYSTEM, SYSTEM_DIR), (Kind.STANDARD, keras_cache_dir()), (Kind.KIT, KIT_DIR)]
    return out


def find(config: GradingConfig) -> Found:
    """Locate and verify the files without writing anything (``autograder data --check``)."""
    for kind, folder in _candidates(config):
        present = [name for name in FILES if (folder / name).is_file()]
        if kind is Kind.CONFIGURED and len(present) < len(FILES):
            lacking = ", ".join(name for name in FILES if name not in present)
            raise DataError(f"data.fashion_mnist_dir = {folder} lacks {lacking}")
        if len(present) < len(FILES):
            continue
        for name in FILES:
            verify_file(folder / name)
        if _holds_verified(KIT_DIR) and _holds_verified(keras_cache_dir()):
            return Found(NAME, Status.OK, kind, str(KIT_DIR), str(folder))
        note = f"autograder data will place the files in {KIT_DIR} and {keras_cache_dir()}"
        return Found(NAME, Status.PENDING, kind, str(folder), str(folder), note)
    return Found(
        NAME,
        Status.MISSING,
        Kind.NONE,
        "",
        note=str(MissingDataError(NAME, f"not found locally; would download from {ORIGIN}", FIX)),
    )


def provision(config: GradingConfig, *, download: bool = True) -> Found:
    """Find (or, when allowed, download) the verified files and place them in both caches.

    System files are symlinked (dpkg keeps them); others are copied, because a configured
    folder may be temporary. Files already verified in place are kept, so a re-run is quick.
    """
    found = find(config)
    if found.found:
        kind, folder = found.kind, Path(found.source)
    else:
        if not download or not reachable(ORIGIN):
            raise MissingDataError(NAME, _missing_what(config), FIX)
        KIT_DIR.mkdir(parents=True, exist_ok=True)  # else get_file falls back to /tmp/.keras
        for name in FILES:
            got = get_file(
                ORIGIN + name, fname=name, cache_dir=KIT_DIR.parents[1], cache_subdir=CACHE_SUBDIR
            )
            verify_file(got)
            folder = got.parent
        kind = Kind.DOWNLOADED
    for target in (KIT_DIR, keras_cache_dir()):
        for name in FILES:
            _place(folder / name, target / name, link=kind is Kind.SYSTEM)
    source = ORIGIN if kind is Kind.DOWNLOADED else str(folder)
    return Found(NAME, Status.OK, kind, str(KIT_DIR), source)


def ensure(config: GradingConfig) -> Path:
    """The verified folder in the kit cache; keras.datasets' own cache holds the same files."""
    return Path(provision(config).path)


def _place(src: Path, dst: Path, *, link: bool) -> None:
    if dst.exists() and (os.path.samefile(src, dst) or _verified(dst)):
        return
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        if link:
            tmp.symlink_to(src.resolve())
        else:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except OSError as exc:
        raise DataError(f"{dst}: cannot place the verified {src} there ({exc})") from None


def _verified(path: Path) -> bool:
    try:
        verify_file(path)
    except DataError:
        return False
    return True


def _missing_what(config: GradingConfig) -> str:
    places = [str(folder) for _, folder in _candidates(config)]
    return (
        f"the four files ({', '.join(FILES)}) are in none of {', '.join(places)}, "
        f"and {ORIGIN} cannot be reached (or downloads are off)"
    )
