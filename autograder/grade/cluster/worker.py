"""The tasks a Dask worker runs: receive a batch's shipment, grade one submission with the local
pipeline.

A worker keeps one ``LocalGrader`` per shipment (build, config and options), opened on its first
task and reused, so the warm templates and verdict workers start once per worker, not per
submission; one left idle for ``IDLE_S`` is closed. The shipment is unpacked into a root-only
batch folder that no sandbox can see; the grader has one lane per worker thread, each allowed
one core (as a local batch on as many cores as jobs). Student code never runs in this process.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import paths
from autograder.errors import ClusterError, KitError
from autograder.files import remove_tree
from autograder.grade.batch_setup import BATCH_PREFIX, GradingOptions
from autograder.grade.cluster import shipment as shipments
from autograder.grade.grader import LocalGrader
from autograder.grade.isolation import Mode

IDLE_S = 600  # a grader no task used for this long is closed (its lanes hold memory) ...
SWITCH_S = 30  # ... or this long, once another batch's shipment arrives


@dataclass
class _Open:
    grader: LocalGrader | None = None
    folder: Path | None = None
    busy: int = 0  # tasks grading on it now
    last_used: float = field(default_factory=time.monotonic)
    ready: threading.Lock = field(default_factory=threading.Lock)  # held while it opens


_lock = threading.Lock()  # guards _graders and every _Open's busy and last_used
_graders: dict[str, _Open] = {}


def received(shipment: dict) -> dict:
    """The shipment, as a task's result: Dask makes it again if every copy is lost."""
    return shipment


def grade_task(job: dict, shipment: dict) -> dict:
    """Grade the job's submission; its result as the kit's results.json data. A worker that
    cannot grade at all says so, naming itself, as a ``ClusterError``."""
    try:
        entry = _acquire(shipment)
    except KitError as exc:  # one line and a plain exception: it must unpickle on the client
        raise ClusterError(f"worker {socket.gethostname()} (pid {os.getpid()}): {exc}") from None
    try:
        assert entry.grader is not None and entry.folder is not None
        with tempfile.TemporaryDirectory(prefix="task-", dir=entry.folder) as folder:  # 0700
            result = entry.grader.grade(shipments.submission_in(job, Path(folder)))
    finally:
        with _lock:
            entry.busy -= 1
            entry.last_used = time.monotonic()
    return result.to_gradescope()


def _acquire(shipment: dict) -> _Open:
    """This shipment's grader (opened on first use, outside the global lock), marked busy."""
    key = hashlib.sha256(
        json.dumps(
            [shipment.get("kit"), shipment.get("build"), shipment.get("config"),
             shipment.get("options")], sort_keys=True,
        ).encode()
    ).hexdigest()  # fmt: skip
    with _lock:
        entry = _graders.setdefault(key, _Open())
        entry.busy += 1
        idle = [k for k, e in _graders.items() if k != key and _idle(e, SWITCH_S)]
        _start_reaper()
    for old in idle:
        _close(old)
    try:
        with entry.ready:
            if entry.grader is None:
                entry.grader, entry.folder = _open(shipment)
    except BaseException:
        with _lock:
            entry.busy -= 1
            if _graders.get(key) is entry and entry.grader is None and not entry.busy:
                del _graders[key]  # the next task tries afresh
        raise
    return entry


def _idle(entry: _Open, after_s: float = IDLE_S) -> bool:
    return not entry.busy and time.monotonic() - entry.last_used > after_s


def _open(shipment: dict) -> tuple[LocalGrader, Path]:
    options = GradingOptions(**shipment["options"])
    if Mode(options.isolation) is Mode.NONE:
        raise ClusterError("a cluster never grades without a sandbox (--isolation none)")
    folder = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX))  # swept by a later batch if lost
    try:
        (folder / "owner").write_text(str(os.getpid()))
        config, autograder_dir = shipments.unpack(shipment, folder)
        # data paths in grading.toml are this machine's, relative to its kit's home
        config = replace(config, path=paths.REPO_ROOT / "grading.toml")
        grader = LocalGrader(config=config, options=options, autograder_dir=autograder_dir,
                             jobs=_threads(), cpu_quota=1.0)  # fmt: skip
    except BaseException:
        remove_tree(folder)
        raise
    return grader, folder


def _threads() -> int:
    """How many tasks this worker runs at once: one lane each."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def _close(key: str) -> None:
    with _lock:
        entry = _graders.get(key)
        if entry is None or entry.busy or entry.grader is None:
            return
        del _graders[key]
    entry.grader.close()
    if entry.folder is not None:
        remove_tree(entry.folder)


def _reap_idle() -> None:
    while True:
        time.sleep(60)
        with _lock:
            idle = [k for k, e in _graders.items() if _idle(e)]
        for key in idle:
            _close(key)


_reaper: list[threading.Thread] = []


def _start_reaper() -> None:
    """Once per worker process (called under ``_lock``)."""
    if not _reaper:
        _reaper.append(threading.Thread(target=_reap_idle, name="kit-idle-graders", daemon=True))
        _reaper[0].start()


@atexit.register
def close_all() -> None:
    """At the worker's exit: stop every lane, remove every unpacked build."""
    for key in list(_graders):
        _close(key)
