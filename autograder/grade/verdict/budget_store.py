"""The class-wide store of the grader's budgeted copies (``checks.BudgetCache`` entries), kept
between batches in a folder only root reaches and no sandbox ever sees.

In a class most students build the same architecture with the same settings, so the grader's
budgeted copy of their model is the same model again and again; its entry is keyed by every
input of that copy (``checks.BudgetCache.key``), so a hit restores exactly the weights training
would give. The verdict worker reads the store through a read-only bind; what its children
trained lands in the worker's outbox, and only here, on the host, does an entry enter the
store: its name must be a key, its file plain arrays within the size cap whose digest binds
them to that key, and it is written anew (never moved) from the arrays read. The store keeps
at most ``MAX_BYTES``, the least recently used entries going first (a hit leaves a mark in
the outbox). The sandbox's jail binds none of this: its folders, the batch's and the worker's
are all out of its view.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import numpy as np

from autograder import paths
from autograder.checks import BudgetCache

STORE_DIR = paths.REPO_ROOT / ".cache" / "budget"
MAX_BYTES = 512 * 2**20
MAX_OUTBOX_ENTRIES = 64  # more than one verdict ever writes: the rest is dropped
ENTRY = re.compile(r"([0-9a-f]{64})\.(npz|used)")


def open_store(folder: Path | None = None) -> Path:
    """The store (default ``STORE_DIR``), made if missing: its parent root's alone (0700),
    itself 0755 so that the verdict's ``nobody`` can read it where it is bound read-only, and
    nowhere else."""
    folder = folder or STORE_DIR
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.parent.chmod(0o700)
    folder.mkdir(mode=0o755, exist_ok=True)
    folder.chmod(0o755)
    return folder


def harvest(outbox: Path, store: Path, *, max_bytes: int = MAX_BYTES) -> int:
    """Check each new entry a verdict left in ``outbox`` (written by ``nobody``: never followed
    through a link) and publish it in ``store``; note the hits; empty the outbox. The number of
    entries published."""
    try:
        fd = os.open(outbox, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return 0
    published, used = 0, []
    try:
        for count, name in enumerate(sorted(os.listdir(fd))):
            match = ENTRY.fullmatch(name)
            if match and count < MAX_OUTBOX_ENTRIES:
                if match[2] == "used":
                    used.append(match[1])
                elif _publish(fd, name, match[1], store):
                    published += 1
            _remove(fd, name)
    finally:
        os.close(fd)
    for key in used:
        try:
            os.utime(store / f"{key}.npz")
        except OSError:
            pass
    if published:
        evict(store, max_bytes=max_bytes)
    return published


def _publish(dir_fd: int, name: str, key: str, store: Path) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(BudgetCache.MAX_ENTRY_BYTES + 2**20 + 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    weights = BudgetCache.parse_entry(data, key)
    if weights is None or sum(w.nbytes for w in weights) > BudgetCache.MAX_ENTRY_BYTES:
        return False
    target = store / f"{key}.npz"
    scratch = store / f".{key}.{os.getpid()}.tmp"
    try:
        with open(scratch, "wb") as fh:
            arrays = {f"w{i}": w for i, w in enumerate(weights)}
            np.savez(fh, digest=np.array(BudgetCache.digest(key, weights)), **arrays)
        scratch.chmod(0o644)
        os.replace(scratch, target)
    except OSError:  # a full disk costs only the saving
        scratch.unlink(missing_ok=True)
        return False
    return True


def _remove(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except IsADirectoryError:
        pass  # the worker's box goes with the batch
    except OSError:
        pass


def evict(store: Path, *, max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently used entries until the store holds at most ``max_bytes``."""
    entries = []
    for path in store.iterdir():
        try:
            info = path.lstat()
        except OSError:
            continue
        entries.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size
