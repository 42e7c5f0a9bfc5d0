"""What one batch shares on this machine: its build and limits (``Batch``), its private folder
and the data each side may see, and the lanes that grade in parallel (``Lane``: a warm sandbox
template each, a verdict worker shared by some lanes, ``SharedVerdict``)."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.catalog import AssignmentKit
from autograder.config import Assignment
from autograder.errors import SandboxUnavailable
from autograder.files import remove_tree
from autograder.grade import plan
from autograder.grade.isolation import Mode
from autograder.grade.isolation.box import sweep_stale_mounts
from autograder.grade.isolation.cgroups import sweep_stale
from autograder.grade.isolation.warm import make_slot, remove_slot
from autograder.grade.sandbox.launch import WORKDIR, SandboxTemplate
from autograder.grade.verdict.run import VerdictWorker

BATCH_PREFIX = "kit-grade-"


@dataclass(frozen=True)
class Batch:
    """Everything one batch shares: the build, the limits, what each side may see."""

    assignment: Assignment
    kit: AssignmentKit
    autograder_dir: Path  # build/TERM/NAME/autograder (trusted: tests and plan)
    root: Path  # private temporary folder (0700): kit/, boxes/, verdicts/
    mode: Mode
    kit_lib: Path  # the in-jail modules, staged
    sandbox_data: tuple[list[tuple[str, str]], dict[str, str]]
    verdict_data: tuple[list[tuple[str, str]], dict[str, str]]
    timeout_s: float
    memory_mb: int
    cpu_quota: float
    possible: dict[str, float]  # question -> points, in notebook order
    term: str = ""  # the build's term and variant: a notebook made for others is refused
    variant: str = ""
    build: str = ""  # fingerprint of the build's tests and plan, recorded in every result
    manual_questions: tuple[dict, ...] = ()  # name and prompt of each question graded by hand
    reference_flops: float | None = None  # the build's figure for the budgeted training's bound
    warm: bool = True  # sandbox template per lane, shared verdict workers (strong isolation only)
    budget_store: Path | None = None  # the class-wide budget store (warm path only)

    @property
    def tests_dir(self) -> Path:
        return self.autograder_dir / "tests"


class SharedVerdict:
    """One verdict worker and the lanes it serves (``pipeline.LANES_PER_VERDICT``): made on
    first use, started again after it breaks down, closed with the grader. Lanes hold only their
    sandbox template, so a job's memory is one template and its share of a worker."""

    def __init__(self, number: int) -> None:
        self.number, self.generation = number, 0
        self.worker: VerdictWorker | None = None
        self.lock = threading.Lock()

    def open(self, batch: Batch) -> float:
        """Make the worker, and start it if it is not running and no other lane is using it
        (then it is started where it scores, while this lane runs its sandbox); the seconds."""
        started = time.monotonic()
        with self.lock:
            if self.worker is None:
                self.generation += 1
                folder = batch.root / "verdicts" / f"worker-{self.number}.{self.generation}"
                folder.mkdir(mode=0o700, parents=True)
                binds, data_env = batch.verdict_data
                self.worker = VerdictWorker(
                    scratch=folder / "box", slot=make_slot(folder / "slot", 0o755),
                    tests_dir=batch.tests_dir, data_binds=binds, data_env=data_env,
                    memory_mb=batch.memory_mb, store=batch.budget_store,
                )  # fmt: skip
            worker = self.worker
        if not worker.server.alive and worker.lock.acquire(blocking=False):
            try:
                worker.ensure()
            finally:
                worker.lock.release()
        return round(time.monotonic() - started, 2)

    def close(self) -> None:
        with self.lock:
            if self.worker is not None:
                self.worker.close()
                remove_slot(self.worker.slot)
            self.worker = None


@dataclass
class Lane:
    """One of ``jobs`` parallel lanes. On the warm path it keeps a sandbox template, started on
    first use and again after it breaks down, and scores on its ``shared`` verdict worker; on
    the cold path it holds nothing (each submission starts fresh jailed processes)."""

    number: int
    template: SandboxTemplate | None = None
    shared: SharedVerdict | None = None
    generation: int = 0
    stopping: threading.Event | None = None  # set when the grader is interrupted
    owns_verdict: bool = False  # a lone lane (no grader around it) closes its own worker

    @property
    def stopped(self) -> bool:
        return self.stopping is not None and self.stopping.is_set()

    @property
    def verdict(self) -> VerdictWorker | None:
        return self.shared.worker if self.shared is not None else None

    def open(self, batch: Batch) -> float:
        """Start whatever of the lane is not running; the seconds that took. An interrupted
        grader starts nothing again (its jails were just killed)."""
        if self.stopped:
            raise SandboxUnavailable("the grader was interrupted")
        if not batch.warm:
            return 0.0
        started = time.monotonic()
        if self.shared is None:
            self.shared, self.owns_verdict = SharedVerdict(self.number), True
        if self.template is None:
            self.generation += 1
            folder = batch.root / "lanes" / f"{self.number}.{self.generation}"
            folder.mkdir(mode=0o700, parents=True)
            binds, data_env = batch.sandbox_data
            self.template = SandboxTemplate(
                slot=make_slot(folder / "sandbox"), kit_lib=batch.kit_lib, data_binds=binds,
                data_env=data_env,
            )  # fmt: skip
        if self.template.broken:
            self.template.start()
        self.shared.open(batch)
        return round(time.monotonic() - started, 2)

    @property
    def broken(self) -> bool:
        """A part ended while grading (a due fresh start is not a breakdown)."""
        return any(p is not None and not p.server.alive for p in (self.template, self.verdict))

    def close(self) -> None:
        if self.template is not None:
            self.template.close()
            remove_slot(self.template.slot)
        self.template = None
        if self.owns_verdict and self.shared is not None:
            self.shared.close()


def user_mode_batch(
    root: Path, kit: AssignmentKit, data_env: dict[str, str], autograder_dir: Path
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``user`` mode: refuse where the student user could read the grader's private files;
    let it traverse the batch folder to its box; copy the data it may read (hidden parts
    left out) into the batch. The notebook's data view: no binds, variables at the copies."""
    from autograder.grade.isolation import user

    private = [autograder_dir, paths.PACKAGE_DIR, paths.REPO_ROOT / "reference",
               paths.REPO_ROOT / "grading.toml", *kit.hidden_data(data_env)]  # fmt: skip
    problems = user.private_problems(private)
    if problems:
        raise SandboxUnavailable(f"the user sandbox would expose the grader's files: "
                                 f"{'; '.join(problems[:3])}")  # fmt: skip
    binds, env = plan.data_view(kit, data_env, home=WORKDIR, include_hidden=False)
    inner = [(h, i.lstrip("/")) for h, i in binds if not i.startswith(WORKDIR + "/")]
    user.stage_data(inner, root / "data")
    for sub in (root, root / "boxes"):
        sub.chmod(0o711)
    staged = {k: str(root / "data" / v.lstrip("/")) if v.startswith("/") else v
              for k, v in env.items()}  # fmt: skip
    return [], staged


def data_view(
    kit: AssignmentKit, data_env: dict[str, str], home: str, mode: Mode, *, include_hidden: bool
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    if mode in (Mode.NONE, Mode.USER):  # the host's paths (none: nothing is hidden)
        wanted = {*kit.datasets, *kit.keras_datasets}
        return [], {k: v for k, v in data_env.items() if k in wanted}
    return plan.data_view(kit, data_env, home=home, include_hidden=include_hidden)


def sweep_stale_batches() -> None:
    """Remove what graders killed with -9 left: batch folders, box mounts, cgroups."""
    sweep_stale()
    for folder in Path(tempfile.gettempdir()).glob(f"{BATCH_PREFIX}*"):
        try:
            owner = int((folder / "owner").read_text())
        except (OSError, ValueError):
            owner = 0
        if owner and Path(f"/proc/{owner}").exists():
            continue
        if owner or time.time() - folder.stat().st_mtime > 60:  # no owner: an old layout
            sweep_stale_mounts(str(folder))
            remove_tree(folder)


def link_keras_datasets(kit: AssignmentKit, data_env: dict[str, str], home: Path) -> None:
    """Without a jail: ``~/.keras/datasets/NAME`` links to the host folder."""
    for variable, folder in kit.keras_datasets.items():
        if data_env.get(variable):
            (home / ".keras" / "datasets").mkdir(parents=True, exist_ok=True)
            (home / ".keras" / "datasets" / folder).symlink_to(data_env[variable])
