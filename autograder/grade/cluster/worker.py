"""The task a Dask worker runs: grade one submission with the local pipeline.

A worker keeps one ``LocalGrader`` per shipment (build, config and options), opened on its first
task and reused, so the warm templates and verdict workers start once per worker, not per
submission. The shipment is unpacked into a root-only batch folder that no sandbox can see; the
grader's lanes are as many as the worker's threads. Student code never runs in this process.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import ClusterError, KitError
from autograder.files import remove_tree
from autograder.grade.cluster import shipment as shipments
from autograder.grade.pipeline import BATCH_PREFIX, GradingOptions, LocalGrader


@dataclass
class _Open:
    grader: LocalGrader
    folder: Path
    busy: int = 0  # tasks grading on it now


_lock = threading.Lock()
_graders: dict[str, _Open] = {}


def grade_task(job: dict, shipment: dict) -> dict:
    """Grade the job's submission; its result as the kit's results.json data. A worker that
    cannot grade at all says so, naming itself, as a ``ClusterError``."""
    try:
        entry = _acquire(shipment)
    except KitError as exc:  # one line and a plain exception: it must unpickle on the client
        raise ClusterError(f"worker {socket.gethostname()} (pid {os.getpid()}): {exc}") from None
    try:
        with tempfile.TemporaryDirectory(prefix="kit-task-") as folder:  # 0700
            result = entry.grader.grade(shipments.submission_in(job, Path(folder)))
    finally:
        with _lock:
            entry.busy -= 1
    return result.to_gradescope()


def _acquire(shipment: dict) -> _Open:
    """This shipment's grader (opened on first use), marked busy."""
    key = hashlib.sha256(
        json.dumps(
            [shipment.get("kit"), shipment.get("build"), shipment.get("config"),
             shipment.get("options")], sort_keys=True,
        ).encode()
    ).hexdigest()  # fmt: skip
    with _lock:
        if key not in _graders:
            for old in [k for k, e in _graders.items() if not e.busy]:  # earlier batches'
                _close(old)
            _graders[key] = _open(shipment)
        entry = _graders[key]
        entry.busy += 1
        return entry


def _open(shipment: dict) -> _Open:
    folder = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX))  # swept by a later batch if lost
    try:
        (folder / "owner").write_text(str(os.getpid()))
        config, autograder_dir = shipments.unpack(shipment, folder)
        grader = LocalGrader(
            config=config,
            options=GradingOptions(**shipment["options"]),
            autograder_dir=autograder_dir,
            jobs=_threads(),
        )
    except BaseException:
        remove_tree(folder)
        raise
    return _Open(grader, folder)


def _threads() -> int:
    """How many tasks this worker runs at once: one lane each."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def _close(key: str) -> None:
    entry = _graders.pop(key)
    entry.grader.close()
    remove_tree(entry.folder)


@atexit.register
def close_all() -> None:
    """At the worker's exit: stop every lane, remove every unpacked build."""
    with _lock:
        for key in list(_graders):
            _close(key)
