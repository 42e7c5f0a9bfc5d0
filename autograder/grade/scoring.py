"""Stage 4's answer as a result: the verdict's scores checked and split into cases' points
(``scored``), or a result with no points and a one-line reason (``ungraded``)."""

from __future__ import annotations

import math

from autograder import paths
from autograder.grade import intake
from autograder.grade.batch_setup import Batch
from autograder.grade.verdict.record import Verdict
from autograder.results import CaseResult, CellReport, QuestionResult, Status, SubmissionResult
from autograder.safetext import one_line

NOTES = {
    "keras3": "a Keras 3 model (`import keras`) could not be read as tf-keras (a `Lambda` "
    "layer, or a class of your own): write `from tensorflow import keras` as the lecture does",
}


def scored(
    batch: Batch,
    submission: intake.Submission,
    fingerprint: str,
    verdict: Verdict,
    details: dict,
    code_cells: int,
) -> SubmissionResult:
    questions = {}
    for name, points in batch.possible.items():
        q = verdict.questions.get(name)
        if q is None:
            questions[name] = QuestionResult(name, 0.0, points, note="no test was run")
            continue
        score = q.score
        if not (math.isfinite(score) and -1e-9 <= score <= points + 1e-9):
            raise ValueError(f"scoring returned {score!r} of {points:g} points for {name}")
        shares = split_points(points, [c.points for c in q.cases])
        cases = tuple(
            CaseResult(c.name, c.hidden, c.passed, share, _no_host_paths(c.message))
            for c, share in zip(q.cases, shares, strict=True)
        )
        if abs(sum(shares) - points) < 0.005:  # shares in cents: the points shown add up exactly
            score = round(sum(c.points for c in cases if c.passed), 2)
        questions[name] = QuestionResult(name, min(max(score, 0.0), points), points, cases)
    seen: dict[int, CellReport] = {}  # the sandbox may claim cells the notebook does not have
    for c in verdict.cells:
        if 0 <= c.index < code_cells and c.index not in seen:
            seen[c.index] = CellReport(c.index, c.status, _no_host_paths(c.error), c.seconds)
    cells = tuple(seen[i] for i in sorted(seen))
    failed = sum(c.status != "ok" for c in cells)
    reasons = [NOTES[n] for n in verdict.notes if n in NOTES]
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
        assignment=batch.assignment.name,
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


def ungraded(
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
        reason=reason_line(reason),
        possible=batch.possible,
        build=batch.build,
        term=batch.term,
        assignment=batch.assignment.name,
        **details,
    )


def reason_line(exc: object) -> str:
    """A reason as one safe line (crash reasons quote what a notebook printed)."""
    return one_line(str(exc) or type(exc).__name__, 300)
