"""The grading pipeline, in order: intake -> plan -> sandbox -> verdict -> report.

Per submission: intake reads and checks the file (``intake``), the request is made from the build's
plan (``plan``), the notebook runs in a sandbox that sees only itself (``sandbox``), a fresh
trusted process scores the data it handed back (``verdict``), and the result is written at once
(``report``). Anything that goes wrong with one submission becomes its ``invalid`` or ``crashed``
result with a one-line reason; the batch always goes on and always writes ``grades.csv``.
"""

from __future__ import annotations

import math
import os
import queue
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from autograder import paths
from autograder.catalog import AssignmentKit, kit_for
from autograder.config import Assignment, GradingConfig
from autograder.errors import (
    DataError,
    SandboxUnavailable,
    SubmissionError,
    UsageError,
)
from autograder.files import remove_tree, sha256_bytes
from autograder.grade import answers, intake, plan
from autograder.grade.isolation import Mode, require
from autograder.grade.isolation.box import Box, sweep_stale_mounts
from autograder.grade.isolation.cgroups import sweep_stale
from autograder.grade.isolation.run import kill_all_jails
from autograder.grade.isolation.warm import make_slot, remove_slot
from autograder.grade.protocol import read_json
from autograder.grade.running import read_running_call, read_running_cell
from autograder.grade.sandbox.launch import (
    WORKDIR,
    SandboxRun,
    SandboxTemplate,
    run_sandbox,
    stage_kit,
)
from autograder.grade.verdict import budget_store, compute
from autograder.grade.verdict.run import (
    VERDICT_HOME,
    VerdictWorker,
    run_verdict,
)
from autograder.results import (
    AFTER_LAST_CELL,
    CaseResult,
    CellReport,
    QuestionResult,
    Status,
    SubmissionResult,
)
from autograder.safetext import one_line

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
    """One verdict worker and the lanes it serves (``LANES_PER_VERDICT``): made on first use,
    started again after it breaks down, closed with the grader. Lanes hold only their sandbox
    template, so a job's memory is one template and its share of a worker."""

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


LANES_PER_VERDICT = 2  # one worker per two lanes: every lane of a --jobs 2 batch shares one


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


@dataclass(frozen=True)
class GradingOptions:
    """What a grader is asked for beyond grading.toml: plain data, the same on every machine
    (the part of ``batch.BatchOptions`` a cluster worker is sent)."""

    assignment: str
    term: str
    isolation: str = str(Mode.STRONG)
    timeout: float | None = None  # seconds per submission (None: the assignment's limit)
    memory: int | None = None  # MB per submission (None: the assignment's limit)
    cold: bool = False


class LocalGrader:
    """One batch's build, limits and lanes on this machine: ``grade`` grades one submission,
    from any number of threads (``jobs`` run at once, the rest wait for a free lane). Used by a
    local batch and, the same way, by each worker of a cluster."""

    def __init__(
        self,
        *,
        config: GradingConfig,
        options: GradingOptions,
        autograder_dir: Path,
        jobs: int,
        cpu_quota: float | None = None,
    ) -> None:
        from autograder.data.environment import notebook_environment

        mode = require(Mode(options.isolation))
        if mode is Mode.USER and jobs > 1:  # its end kills every process of the one user
            raise UsageError("--isolation user grades one submission at a time: pass -j 1")
        spec = config.assignment(options.assignment)
        kit = kit_for(options.assignment)
        stamp = plan.build_stamp(autograder_dir, options.assignment)
        data_env = notebook_environment(config)
        missing = [variable for variable in kit.datasets if not data_env.get(variable)]
        if missing:  # every notebook would fail on it: nobody is graded 0 for the machine
            raise DataError(
                f"{options.assignment} reads data this machine does not have "
                f"({', '.join(missing)}): run `autograder data --assignment {options.assignment}`"
            )
        self.jobs = jobs
        sweep_stale_batches()
        self.root = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX))  # 0700: no other user sees in
        try:
            (self.root / "owner").write_text(str(os.getpid()))
            for sub in ("boxes", "verdicts"):
                (self.root / sub).mkdir(mode=0o700)
            home = WORKDIR if mode not in (Mode.NONE, Mode.USER) else ""
            sandbox_data = _data_view(kit, data_env, home, mode, include_hidden=False)
            if mode is Mode.USER:  # the student user reads copies; the rest stays root's
                sandbox_data = _user_mode_batch(self.root, kit, data_env, autograder_dir)
            self.batch = Batch(
                assignment=spec,
                kit=kit,
                autograder_dir=autograder_dir,
                root=self.root,
                mode=mode,
                kit_lib=stage_kit(self.root / "kit"),
                sandbox_data=sandbox_data,
                verdict_data=_data_view(kit, data_env, VERDICT_HOME, mode, include_hidden=True),
                timeout_s=options.timeout or spec.limits.timeout_s,
                memory_mb=options.memory or spec.limits.memory_mb,
                cpu_quota=cpu_quota or max(0.1, (os.cpu_count() or 1) / jobs),
                possible=plan.question_points(autograder_dir, options.assignment),
                term=stamp.get("term", options.term),
                variant=stamp.get("variant", ""),
                build=plan.build_fingerprint(autograder_dir),
                manual_questions=tuple(answers.read_manual_questions(autograder_dir / "plan")),
                reference_flops=compute.read_reference(autograder_dir / "plan"),
                warm=mode is Mode.STRONG and not options.cold,
                budget_store=budget_store.open_store()
                if mode is Mode.STRONG and not options.cold
                else None,
            )
        except BaseException:
            self._remove_root()
            raise
        self.lanes: queue.SimpleQueue[Lane] = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.verdicts = [SharedVerdict(n) for n in range(math.ceil(jobs / LANES_PER_VERDICT))]
        self.every_lane = [
            Lane(n, shared=self.verdicts[n // LANES_PER_VERDICT], stopping=self.stopping)
            for n in range(jobs)
        ]
        for lane in self.every_lane:
            self.lanes.put(lane)

    def grade(self, submission: intake.Submission) -> SubmissionResult:
        """Grade one submission on a free lane (never raises: see ``grade_one``)."""
        return grade_one(self.batch, submission, self.lanes)

    def grade_all(self, todo: list[intake.Submission]) -> Iterator[SubmissionResult]:
        """Grade ``todo`` on ``jobs`` lanes, yielding each result as it is known; closes the
        grader at the end (or when the caller stops early: every jail is killed)."""
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = [pool.submit(self.grade, s) for s in todo]
            for future in as_completed(futures):
                yield future.result()  # grade_one never raises
        except BaseException:  # interrupted: no jail may outlive the grader
            self.stopping.set()  # no lane starts a jail again, no verdict begins
            pool.shutdown(wait=False, cancel_futures=True)
            kill_all_jails()
            raise
        finally:
            pool.shutdown(wait=True)
            self.close()

    def close(self) -> None:
        for lane in self.every_lane:
            lane.close()
        for verdict in self.verdicts:
            verdict.close()
        self._remove_root()

    def _remove_root(self) -> None:
        sweep_stale_mounts(str(self.root))
        remove_tree(self.root)


def _user_mode_batch(
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


def _data_view(
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


# --------------------------------------------------------------------------- one submission


def grade_one(
    batch: Batch, submission: intake.Submission, lanes: queue.SimpleQueue | None = None
) -> SubmissionResult:
    """Grade one submission on a free lane; whatever happens, return its result."""
    started = time.monotonic()
    lane = lanes.get() if lanes is not None else Lane(-1)
    try:
        result = _grade(batch, submission, lane)
    except Exception as exc:  # a grader failure on one file costs only that file
        result = _ungraded(
            batch, submission, "", Status.CRASHED, f"the grader failed on it: {_one_line(exc)}"
        )
    finally:
        if lanes is not None:
            lanes.put(lane)
        else:
            lane.close()
    return replace(result, seconds=round(time.monotonic() - started, 2))


def _grade(batch: Batch, submission: intake.Submission, lane: Lane) -> SubmissionResult:
    try:
        raw = intake.read_bytes(submission.path)
    except SubmissionError as exc:
        return _ungraded(batch, submission, "", Status.INVALID, str(exc))
    fingerprint = sha256_bytes(raw)
    try:
        notebook = intake.read_notebook(submission.path, batch.assignment.name, raw)
        _check_made_for(batch, notebook)
    except SubmissionError as exc:
        return _ungraded(batch, submission, fingerprint, Status.INVALID, str(exc))
    written = answers.extract(notebook, list(batch.manual_questions))
    startup = sandbox_seconds = 0.0
    stopped = plan.Stopped()
    while True:  # again without the cell or call the host had to stop from outside, if any
        for attempt in (1, 2):  # a template or worker that breaks down: once more on fresh ones
            try:
                startup += lane.open(batch)
            except SandboxUnavailable:
                if attempt == 2:
                    raise
                continue
            run, verdict = _run_and_score(batch, submission, notebook, lane, stopped)
            if not (batch.warm and lane.broken and attempt == 1):
                break
        sandbox_seconds += run.seconds
        if not _stop_for_good(run, verdict, stopped):
            break
    details = {
        "peak_mb": run.peak_mb,
        "isolation": run.isolation,
        "sandbox_seconds": round(sandbox_seconds, 3),
        "startup_seconds": startup if batch.warm else None,
        "answers": written,
    }
    if run.status != "ok":
        return _ungraded(batch, submission, fingerprint, Status(run.status), run.reason,
                         stopped_in=verdict.get("stopped_in"), **details)  # fmt: skip
    if "refused" in verdict:
        return _ungraded(
            batch, submission, fingerprint, Status.CRASHED, str(verdict["refused"]), **details
        )
    result = _scored(
        batch, submission, fingerprint, verdict, details, len(intake.code_cells(notebook))
    )
    return _with_stopped(result, stopped) if stopped else result


MAX_STOPPED = 2  # cells or calls replaced by a recorded failure: at most three runs in all
RERUN_AFTER = {"timeout", "memory", "crashed"}


def _stop_for_good(run: SandboxRun, verdict: dict, stopped: plan.Stopped) -> bool:
    """After a run the host stopped (time, memory, a dead process) in a known code cell or call
    of a student function: record it in ``stopped`` and say whether to run the notebook again
    with it replaced by a failure, so that one cell or function costs only what depends on it.
    The mark is the student's to forge, but it can only name one of their own cells or the
    functions the grader calls, and the reruns are capped."""
    if run.status not in RERUN_AFTER or len(stopped.cells) + len(stopped.functions) >= MAX_STOPPED:
        return False
    why = f"stopped from outside ({run.reason}); the notebook was run again without it"
    where = verdict.get("stopped_in")
    if isinstance(where, int) and where >= 0 and where not in stopped.cells:
        stopped.cells[where] = f"this cell was {why}"
        return True
    function = verdict.get("stopped_calling")
    if where == AFTER_LAST_CELL and function and function not in stopped.functions:
        stopped.functions[function] = f"the grader's call of `{function}` was {why}"
        return True
    return False


def _with_stopped(result: SubmissionResult, stopped: plan.Stopped) -> SubmissionResult:
    """The cells the host stopped, as the grader (not the sandbox's report) knows them."""
    cells = {c.index: c for c in result.cells}
    for index, why in stopped.cells.items():
        cells[index] = CellReport(index, "timeout", why, 0.0)
    notes = [f"code cell {i + 1} was stopped from outside and left out" for i in stopped.cells]
    notes += [f"the call of `{f}` was stopped from outside" for f in stopped.functions]
    reason = "; ".join(x for x in (result.reason, *notes) if x)
    return replace(result, cells=tuple(cells[i] for i in sorted(cells)), reason=reason)


def _check_made_for(batch: Batch, notebook: dict) -> None:
    """Refuse a notebook generated for another term or variant than the build's."""
    kit = notebook["metadata"].get("kit")
    kit = kit if isinstance(kit, dict) else {}
    term, variant = kit.get("term"), kit.get("variant")
    if isinstance(term, str) and batch.term and term != batch.term:
        raise SubmissionError(
            f"this notebook was generated for term {term[:40]!r}, not {batch.term!r}: "
            f"grade it with --term {term[:40]} (that term's build)"
        )
    if isinstance(variant, str) and batch.variant and variant != batch.variant:
        raise SubmissionError(
            f"this notebook was generated with other parameters (variant {variant[:16]}) than "
            f"the build for term {batch.term} (variant {batch.variant}): hand out the current "
            "notebook, or grade with the build it came from"
        )


def _run_and_score(
    batch: Batch,
    submission: intake.Submission,
    notebook: dict,
    lane: Lane,
    stopped: plan.Stopped | None = None,
) -> tuple[SandboxRun, dict]:
    """Run the notebook in a fresh box, then score its answer (empty verdict if it failed)."""
    limits = batch.assignment.limits
    if batch.warm:
        assert lane.template is not None and lane.verdict is not None
        box_path = lane.template.box_path
        if box_path.exists():  # what a failure of the host side left in the slot
            sweep_stale_mounts(str(box_path))
            remove_tree(box_path)
    else:
        box_path = batch.root / "boxes" / _unique(submission.submission_id)
    with Box(box_path, mode=batch.mode, size_mb=limits.disk_mb, inodes=limits.files) as box:
        plan.prepare_box(
            box=box.work,
            notebook=notebook,
            autograder_dir=batch.autograder_dir,
            assignment=batch.assignment,
            timeout_s=batch.timeout_s,
            stopped=stopped,
        )
        binds, data_env = batch.sandbox_data
        if batch.mode in (Mode.NONE, Mode.USER):
            _link_keras_datasets(batch.kit, data_env, box.work)
        else:
            box.mount_points(binds, WORKDIR)
        sandbox_limits = {
            "timeout_s": batch.timeout_s,
            "memory_mb": batch.memory_mb,
            "cpu_quota": batch.cpu_quota,
            "processes": limits.processes,
        }
        if lane.template is not None:
            run = lane.template.run(box=box, **sandbox_limits)
        else:
            run = run_sandbox(box=box, kit_lib=batch.kit_lib, data_binds=binds,
                              data_env=data_env, mode=batch.mode, **sandbox_limits)  # fmt: skip
        if run.status != "ok":  # which cell it stopped in, from the harness's mark
            cells = len(intake.code_cells(notebook))
            calls = read_json(batch.autograder_dir / "plan" / "plan.json")["calls"]
            called = {c["function"] for c in calls}
            return run, {
                "stopped_in": read_running_cell(box.answer, cells),
                "stopped_calling": read_running_call(box.answer, called),
            }
        if lane.stopped:
            return run, {"refused": "the grader was interrupted"}
        if lane.verdict is not None:
            return run, lane.verdict.score(
                box.answer, timeout_s=batch.timeout_s, reference_flops=batch.reference_flops
            )
        binds, data_env = batch.verdict_data
        verdict = run_verdict(
            tests_dir=batch.tests_dir,
            response_dir=box.answer,
            scratch=batch.root / "verdicts" / _unique(submission.submission_id),
            data_binds=binds,
            data_env=data_env,
            mode=Mode.NONE if batch.mode is Mode.USER else batch.mode,  # root, no student code
            memory_mb=batch.memory_mb,
            timeout_s=batch.timeout_s,
            reference_flops=batch.reference_flops,
        )
        return run, verdict


NOTES = {
    "keras3": "a Keras 3 model (`import keras`) could not be read as tf-keras (a `Lambda` "
    "layer, or a class of your own): write `from tensorflow import keras` as the lecture does",
}


def _scored(
    batch: Batch,
    submission: intake.Submission,
    fingerprint: str,
    verdict: dict,
    details: dict,
    code_cells: int,
) -> SubmissionResult:
    questions = {}
    for name, points in batch.possible.items():
        q = verdict["questions"].get(name)
        if q is None:
            questions[name] = QuestionResult(name, 0.0, points, note="no test was run")
            continue
        score = float(q["score"])
        if not (math.isfinite(score) and -1e-9 <= score <= points + 1e-9):
            raise ValueError(f"scoring returned {score!r} of {points:g} points for {name}")
        shares = split_points(points, [c.get("points") for c in q["cases"]])
        cases = tuple(
            CaseResult(str(c["name"]), bool(c["hidden"]), bool(c["passed"]), share,
                       _no_host_paths(str(c.get("message", ""))))
            for c, share in zip(q["cases"], shares, strict=True)
        )  # fmt: skip
        if abs(sum(shares) - points) < 0.005:  # shares in cents: the points shown add up exactly
            score = round(sum(c.points for c in cases if c.passed), 2)
        questions[name] = QuestionResult(name, min(max(score, 0.0), points), points, cases)
    seen: dict[int, CellReport] = {}  # the sandbox may claim cells the notebook does not have
    for c in verdict["cells"]:
        index = int(c["index"])
        if 0 <= index < code_cells and index not in seen:
            error = _no_host_paths(str(c.get("error", "")))
            seen[index] = CellReport(index, str(c["status"]), error, float(c.get("seconds", 0)))
    cells = tuple(seen[i] for i in sorted(seen))
    failed = sum(c.status != "ok" for c in cells)
    reasons = [NOTES[n] for n in verdict.get("notes", []) if n in NOTES]
    if failed:
        reasons.append(f"{failed} cell(s) failed")
    return SubmissionResult(
        submission=submission.submission_id,
        who=submission.who,
        file=submission.file_name,
        fingerprint=fingerprint,
        status=Status.GRADED,
        reason="; ".join(reasons),
        questions=questions,
        cells=cells,
        build=batch.build,
        term=batch.term,
        **details,
    )


def _no_host_paths(text: str) -> str:
    """The grader's own folders never reach a student: its package and checkout become names."""
    for folder, name in ((paths.PACKAGE_DIR, "<grader>"), (paths.REPO_ROOT, "<kit>")):
        text = text.replace(str(folder), name)
    return text


def split_points(possible: float, given: list) -> list[float]:
    """Each case's points in cents: cases with points keep them (rounded); the rest share what
    remains equally, the odd cents going to the first ones (otter's equal shares, made exact:
    2 points over 3 cases are 0.67 + 0.67 + 0.66, never 0.666667 three times)."""
    cents = [round(float(g) * 100) if g is not None else None for g in given]
    fixed = sum(c for c in cents if c is not None)
    shared = [i for i, c in enumerate(cents) if c is None]
    if shared:
        left = max(0, round(possible * 100) - fixed)
        base, extra = divmod(left, len(shared))
        for rank, i in enumerate(shared):
            cents[i] = base + (1 if rank < extra else 0)
    return [c / 100 for c in cents]


def _link_keras_datasets(kit: AssignmentKit, data_env: dict[str, str], home: Path) -> None:
    """Without a jail: ``~/.keras/datasets/NAME`` links to the host folder."""
    for variable, folder in kit.keras_datasets.items():
        if data_env.get(variable):
            (home / ".keras" / "datasets").mkdir(parents=True, exist_ok=True)
            (home / ".keras" / "datasets" / folder).symlink_to(data_env[variable])


def _ungraded(
    batch: Batch,
    submission: intake.Submission,
    fingerprint: str,
    status: Status,
    reason: str,
    **details,
) -> SubmissionResult:
    return SubmissionResult.ungraded(
        submission=submission.submission_id,
        who=submission.who,
        file=submission.file_name,
        fingerprint=fingerprint,
        status=status,
        reason=_one_line(reason),
        possible=batch.possible,
        build=batch.build,
        term=batch.term,
        **details,
    )


def _unique(name: str) -> str:
    """A folder name no other grading of the same submission uses (two batches of one
    shipment on one cluster worker share a grader)."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _one_line(exc: object) -> str:
    """A reason as one safe line (crash reasons quote what a notebook printed)."""
    return one_line(str(exc) or type(exc).__name__, 300)
