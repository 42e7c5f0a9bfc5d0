"""The grading pipeline for one submission: intake -> plan -> sandbox -> verdict -> result.

Intake reads and checks the file (``intake``), the request is made from the build's plan
(``plan``), the notebook runs in a sandbox that sees only itself and a fresh trusted process
scores the data it handed back (the lane's runners, ``lanes``), and the verdict becomes the
result (``scoring``), which the batch writes at once. Anything that goes wrong with one
submission becomes its ``invalid`` or ``crashed`` result with a one-line reason; the batch
always goes on. A batch's set-up and lanes: ``grader``.
"""

from __future__ import annotations

import time
from dataclasses import replace

from autograder.errors import SandboxUnavailable, SubmissionError
from autograder.files import sha256_bytes
from autograder.grade import answers, intake, plan
from autograder.grade.batch_setup import Batch
from autograder.grade.isolation.box import Box
from autograder.grade.lanes import Lane
from autograder.grade.launch import SandboxRun
from autograder.grade.reruns import stop_for_good, with_stopped
from autograder.grade.running import read_running_call, read_running_cell
from autograder.grade.scoring import reason_line, scored, ungraded
from autograder.grade.verdict.record import Verdict
from autograder.results import Status, SubmissionResult


def grade_one(batch: Batch, submission: intake.Submission, lane: Lane) -> SubmissionResult:
    """Grade one submission on ``lane``; whatever happens, return its result."""
    started = time.monotonic()
    try:
        result = _grade(batch, submission, lane)
    except Exception as exc:  # a grader failure on one file costs only that file
        result = ungraded(
            batch, submission, "", Status.CRASHED, f"the grader failed on it: {reason_line(exc)}"
        )
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
                startup += lane.open()
            except SandboxUnavailable:
                if attempt == 2:
                    raise
                continue
            run, verdict = _run_and_score(batch, submission, notebook, lane, stopped)
            if not (batch.warm and lane.broken and attempt == 1):
                break
        sandbox_seconds += run.seconds
        if not stop_for_good(run, stopped):
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
                        stopped_in=run.stopped_in, **details)  # fmt: skip
    if verdict.refused is not None:
        return ungraded(batch, submission, fingerprint, Status.CRASHED, verdict.refused, **details)
    result = scored(
        batch, submission, fingerprint, verdict, details, len(intake.code_cells(notebook))
    )
    return with_stopped(result, stopped) if stopped else result


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
) -> tuple[SandboxRun, Verdict]:
    """Run the notebook in a fresh box, then score its answer (no verdict if the run failed)."""
    limits = batch.assignment.limits
    box_path = lane.sandbox.box_path(submission.submission_id)
    with Box(box_path, mode=batch.mode, size_mb=limits.disk_mb, inodes=limits.files) as box:
        plan.prepare_box(box=box.work, notebook=notebook, autograder_dir=batch.autograder_dir,
                         assignment=batch.assignment, timeout_s=batch.timeout_s,
                         stopped=stopped)  # fmt: skip
        run = lane.sandbox.run(box)
        if run.status != "ok":  # where it stopped, from the harness's marks
            cells = len(intake.code_cells(notebook))
            return replace(run, stopped_in=read_running_cell(box.answer, cells),
                           stopped_calling=read_running_call(box.answer, batch.called),
                           ), Verdict.refusal("the notebook did not finish")  # fmt: skip
        if lane.stopped:
            return run, Verdict.refusal("the grader was interrupted")
        return run, lane.verdict.score(box.answer, submission.submission_id)
