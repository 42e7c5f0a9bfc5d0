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

from autograder.catalog import kit_for
from autograder.config import GradingConfig
from autograder.errors import DataError, SandboxUnavailable, SubmissionError, UsageError
from autograder.files import remove_tree, sha256_bytes
from autograder.grade import answers, intake, plan
from autograder.grade.isolation import Mode, require
from autograder.grade.isolation.box import Box, sweep_stale_mounts
from autograder.grade.isolation.run import kill_all_jails
from autograder.grade.lanes import (
    BATCH_PREFIX,
    Batch,
    Lane,
    SharedVerdict,
    data_view,
    link_keras_datasets,
    sweep_stale_batches,
    user_mode_batch,
)
from autograder.grade.protocol import read_json
from autograder.grade.running import read_running_call, read_running_cell
from autograder.grade.sandbox.launch import WORKDIR, SandboxRun, run_sandbox, stage_kit
from autograder.grade.scoring import reason_line, scored, ungraded
from autograder.grade.scoring import split_points as split_points  # its tests import it here
from autograder.grade.verdict import budget_store, compute
from autograder.grade.verdict.run import VERDICT_HOME, run_verdict
from autograder.results import AFTER_LAST_CELL, CellReport, Status, SubmissionResult

LANES_PER_VERDICT = 2  # one worker per two lanes: every lane of a --jobs 2 batch shares one


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
            sandbox_data = data_view(kit, data_env, home, mode, include_hidden=False)
            if mode is Mode.USER:  # the student user reads copies; the rest stays root's
                sandbox_data = user_mode_batch(self.root, kit, data_env, autograder_dir)
            self.batch = Batch(
                assignment=spec,
                kit=kit,
                autograder_dir=autograder_dir,
                root=self.root,
                mode=mode,
                kit_lib=stage_kit(self.root / "kit"),
                sandbox_data=sandbox_data,
                verdict_data=data_view(kit, data_env, VERDICT_HOME, mode, include_hidden=True),
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
        result = ungraded(
            batch, submission, "", Status.CRASHED, f"the grader failed on it: {reason_line(exc)}"
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
        return ungraded(batch, submission, "", Status.INVALID, str(exc))
    fingerprint = sha256_bytes(raw)
    try:
        notebook = intake.read_notebook(submission.path, batch.assignment.name, raw)
        _check_made_for(batch, notebook)
    except SubmissionError as exc:
        return ungraded(batch, submission, fingerprint, Status.INVALID, str(exc))
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
        return ungraded(batch, submission, fingerprint, Status(run.status), run.reason,
                         stopped_in=verdict.get("stopped_in"), **details)  # fmt: skip
    if "refused" in verdict:
        return ungraded(
            batch, submission, fingerprint, Status.CRASHED, str(verdict["refused"]), **details
        )
    result = scored(
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
            link_keras_datasets(batch.kit, data_env, box.work)
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


def _unique(name: str) -> str:
    """A folder name no other grading of the same submission uses (two batches of one
    shipment on one cluster worker share a grader)."""
    return f"{name}-{uuid.uuid4().hex[:8]}"
