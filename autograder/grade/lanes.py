"""The lanes that grade a batch in parallel, and how each runs a notebook and scores its answer.

A lane holds one sandbox runner and one verdict runner, chosen once when the lane is made
(``make_lanes``) from the batch's isolation mode and path, so the pipeline calls ``run`` and
``score`` without asking which of the four launch paths is behind them:

- sandbox, cold: a fresh jail per submission (every isolation mode; ``launch.run_sandbox``);
- sandbox, warm: a child of the lane's own template (strong isolation; ``SandboxTemplate``);
- verdict, cold: a fresh jail per answer (``verdict.run.run_verdict``);
- verdict, warm: a child of a worker shared by ``LANES_PER_VERDICT`` lanes (``SharedVerdict``).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from autograder.errors import SandboxUnavailable
from autograder.files import remove_tree
from autograder.grade.batch_setup import Batch, link_keras_datasets
from autograder.grade.isolation import Mode
from autograder.grade.isolation.box import Box, sweep_stale_mounts
from autograder.grade.isolation.warm import make_slot, remove_slot
from autograder.grade.launch import WORKDIR, SandboxRun, SandboxTemplate, run_sandbox
from autograder.grade.verdict.record import Verdict
from autograder.grade.verdict.run import VerdictWorker, run_verdict

LANES_PER_VERDICT = 2  # one worker per two lanes: every lane of a --jobs 2 batch shares one


class SandboxRunner(Protocol):
    def open(self) -> float: ...  # start what is not running; the seconds that took
    def box_path(self, name: str) -> Path: ...
    def run(self, box: Box) -> SandboxRun: ...
    @property
    def broken(self) -> bool: ...  # a part ended while grading
    def close(self) -> None: ...


class VerdictRunner(Protocol):
    def open(self) -> float: ...
    def score(self, answer: Path, name: str) -> Verdict: ...
    @property
    def broken(self) -> bool: ...
    def close(self) -> None: ...


def fresh_folder(parent: Path, name: str) -> Path:
    """A private folder no earlier generation of the same part used."""
    folder = parent / f"{name}.{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o700, parents=True)
    return folder


class ColdSandbox:
    """Each submission in a fresh jail of the batch's isolation mode."""

    broken = False

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def open(self) -> float:
        return 0.0

    def box_path(self, name: str) -> Path:
        return self.batch.root / "boxes" / f"{name}-{uuid.uuid4().hex[:8]}"

    def run(self, box: Box) -> SandboxRun:
        batch = self.batch
        binds, data_env = batch.sandbox_data
        if batch.mode in (Mode.NONE, Mode.USER):
            link_keras_datasets(batch.kit, data_env, box.work)
        else:
            box.mount_points(binds, WORKDIR)
        return run_sandbox(box=box, kit_lib=batch.kit_lib, data_binds=binds, data_env=data_env,
                           mode=batch.mode, **batch.sandbox_limits)  # fmt: skip

    def close(self) -> None:
        pass


class WarmSandbox:
    """Each submission in a child of this lane's template, started on first use and again
    after it breaks down."""

    def __init__(self, batch: Batch, number: int) -> None:
        self.batch, self.number = batch, number
        self.template: SandboxTemplate | None = None

    def open(self) -> float:
        started = time.monotonic()
        if self.template is None:
            folder = fresh_folder(self.batch.root / "lanes", str(self.number))
            binds, data_env = self.batch.sandbox_data
            self.template = SandboxTemplate(slot=make_slot(folder / "sandbox"),
                                            kit_lib=self.batch.kit_lib, data_binds=binds,
                                            data_env=data_env)  # fmt: skip
        if self.template.broken:
            self.template.start()
        return round(time.monotonic() - started, 2)

    def box_path(self, name: str) -> Path:
        """The template's slot, emptied of what a failure of the host side left there."""
        assert self.template is not None, "open the lane first"
        path = self.template.box_path
        if path.exists():
            sweep_stale_mounts(str(path))
            remove_tree(path)
        return path

    def run(self, box: Box) -> SandboxRun:
        assert self.template is not None, "open the lane first"
        box.mount_points(self.batch.sandbox_data[0], WORKDIR)
        return self.template.run(box=box, **self.batch.sandbox_limits)

    @property
    def broken(self) -> bool:
        return self.template is not None and self.template.broken

    def close(self) -> None:
        if self.template is not None:
            self.template.close()
            remove_slot(self.template.slot)
        self.template = None


class ColdVerdict:
    """Each answer scored in a fresh verdict jail (``user`` mode: unjailed as root, where no
    student code runs either)."""

    broken = False

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def open(self) -> float:
        return 0.0

    def score(self, answer: Path, name: str) -> Verdict:
        batch = self.batch
        binds, data_env = batch.verdict_data
        return run_verdict(
            tests_dir=batch.tests_dir,
            response_dir=answer,
            scratch=batch.root / "verdicts" / f"{name}-{uuid.uuid4().hex[:8]}",
            data_binds=binds,
            data_env=data_env,
            mode=Mode.NONE if batch.mode is Mode.USER else batch.mode,
            memory_mb=batch.memory_mb,
            timeout_s=batch.timeout_s,
            reference_flops=batch.reference_flops,
        )

    def close(self) -> None:
        pass


class SharedVerdict:
    """One verdict worker and the lanes it serves: made on first use, started again after it
    breaks down, closed with the grader. Lanes hold only their sandbox template, so a job's
    memory is one template and its share of a worker."""

    def __init__(self, batch: Batch, number: int) -> None:
        self.batch, self.number = batch, number
        self.worker: VerdictWorker | None = None
        self.lock = threading.Lock()

    def open(self) -> float:
        """Make the worker, and start it if it is not running and no other lane is using it
        (then it is started where it scores, while this lane runs its sandbox); the seconds."""
        started = time.monotonic()
        with self.lock:
            if self.worker is None:
                folder = fresh_folder(self.batch.root / "verdicts", f"worker-{self.number}")
                binds, data_env = self.batch.verdict_data
                self.worker = VerdictWorker(
                    scratch=folder / "box", slot=make_slot(folder / "slot", 0o755),
                    tests_dir=self.batch.tests_dir, data_binds=binds, data_env=data_env,
                    memory_mb=self.batch.memory_mb, store=self.batch.budget_store,
                )  # fmt: skip
            worker = self.worker
        if not worker.server.alive and worker.lock.acquire(blocking=False):
            try:
                worker.ensure()
            finally:
                worker.lock.release()
        return round(time.monotonic() - started, 2)

    def score(self, answer: Path, name: str) -> Verdict:
        assert self.worker is not None, "open the lane first"
        batch = self.batch
        return self.worker.score(
            answer, timeout_s=batch.timeout_s, reference_flops=batch.reference_flops
        )

    @property
    def broken(self) -> bool:
        """The worker ended while grading (a due fresh start is not a breakdown)."""
        return self.worker is not None and not self.worker.server.alive

    def close(self) -> None:
        with self.lock:
            if self.worker is not None:
                self.worker.close()
                remove_slot(self.worker.slot)
            self.worker = None


@dataclass
class Lane:
    """One of ``jobs`` parallel lanes: its runners, and the grader's interrupt flag."""

    number: int
    sandbox: SandboxRunner
    verdict: VerdictRunner
    stopping: threading.Event

    @property
    def stopped(self) -> bool:
        return self.stopping.is_set()

    def open(self) -> float:
        """Start whatever of the lane is not running; the seconds that took. An interrupted
        grader starts nothing again (its jails were just killed)."""
        if self.stopped:
            raise SandboxUnavailable("the grader was interrupted")
        return round(self.sandbox.open() + self.verdict.open(), 2)

    @property
    def broken(self) -> bool:
        return self.sandbox.broken or self.verdict.broken

    def close(self) -> None:
        self.sandbox.close()


def make_lanes(
    batch: Batch, jobs: int, stopping: threading.Event
) -> tuple[list[Lane], list[VerdictRunner]]:
    """``jobs`` lanes and the verdict runners they share (closed by the caller after the
    lanes): warm lanes share a worker per ``LANES_PER_VERDICT``, cold ones one cold runner."""
    if not batch.warm:
        verdict = ColdVerdict(batch)
        lanes = [Lane(n, ColdSandbox(batch), verdict, stopping) for n in range(jobs)]
        return lanes, [verdict]
    shared = [SharedVerdict(batch, n) for n in range(-(-jobs // LANES_PER_VERDICT))]
    lanes = [
        Lane(n, WarmSandbox(batch, n), shared[n // LANES_PER_VERDICT], stopping)
        for n in range(jobs)
    ]
    return lanes, list(shared)
