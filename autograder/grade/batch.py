"""One batch, composed: the options merged once, then the local pool or a cluster, then the
report and (if asked) the similarity report.

This module sits above the pipeline (``pipeline`` grades on this machine; ``cluster`` grades
with the same pipeline on Dask workers): it imports both, and neither imports it.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autograder.config import Assignment, GradingConfig, check_term, load_config
from autograder.errors import BuildError, GradesError, KitError, SubmissionError, UsageError
from autograder.files import read_json, sha256_bytes
from autograder.grade import intake, plan, report
from autograder.grade.batch_setup import GradingOptions
from autograder.grade.grader import LocalGrader
from autograder.grade.isolation import Mode, require
from autograder.grade.verdict.run import MAX_VERDICT_BYTES
from autograder.gradebook import corrections
from autograder.paths import autograder_dir_for, default_out
from autograder.results import SubmissionResult
from autograder.safetext import one_line


@dataclass(frozen=True)
class BatchOptions:
    """Everything a batch is asked for: grading.toml's defaults and the caller's values, merged
    once (``batch_options``). ``grading`` is the part every grader sees (shipped to cluster
    workers as plain data)."""

    config: GradingConfig
    grading: GradingOptions
    out: Path  # the grading folder, as the caller named it
    jobs: int
    scheduler: str | Any = ""  # an address or scheduler file, or a ``distributed.Client``
    resume: bool = False
    progress: bool = True
    submitted_at: Path | None = None  # a file of submission times
    similarity: bool = False

    @property
    def spec(self) -> Assignment:
        return self.config.assignment(self.grading.assignment)


def batch_options(
    *,
    assignment: str,
    config: str | None = None,
    term: str | None = None,
    jobs: int | None = None,
    out: Path | None = None,
    timeout: float | None = None,
    memory: int | None = None,
    resume: bool = False,
    progress: bool = True,
    isolation: str | None = None,
    cold: bool = False,
    submitted_at: Path | None = None,
    scheduler: str | Any = None,
    similarity: bool = False,
) -> BatchOptions:
    """The one options record: each value given, else grading.toml's (or the assignment's
    limits)."""
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    grading = GradingOptions(
        assignment=assignment,
        term=check_term(term, "--term") if term else cfg.course.term,
        isolation=str(Mode(isolation or Mode.STRONG)),
        timeout=timeout or spec.limits.timeout_s,
        memory=memory or spec.limits.memory_mb,
        cold=cold,
    )
    return BatchOptions(
        config=cfg,
        grading=grading,
        out=out or default_out(assignment),
        jobs=jobs or cfg.jobs,
        scheduler=scheduler or cfg.scheduler,
        resume=resume,
        progress=progress,
        submitted_at=submitted_at,
        similarity=similarity,
    )


def grade_batch(inputs: list[Path], **options: Any) -> list[SubmissionResult]:
    """``run_batch`` with the options as keywords (those of ``batch_options``)."""
    return run_batch(inputs, batch_options(**options))


def run_batch(inputs: list[Path], options: BatchOptions) -> list[SubmissionResult]:
    """Grade ``inputs`` into ``options.out``, merging with the results already there; ``cold``
    starts fresh jailed processes for every submission instead of forking them from each
    lane's warm template and worker (strong isolation only); ``submitted_at`` is a file of
    submission times (kept in ``out`` for later tallies); ``scheduler`` grades on a Dask
    cluster instead of here (``cluster``), with the same pipeline on each worker;
    ``similarity`` also writes the similarity report of ``inputs`` (linked from the summary)."""
    grading, spec, scheduler = options.grading, options.spec, options.scheduler
    assignment = grading.assignment
    if not scheduler:
        require(Mode(grading.isolation))  # on a cluster, each worker checks its own machine
    elif Mode(grading.isolation) is Mode.NONE:
        raise UsageError("a cluster never grades without a sandbox: --isolation none is for "
                         "debugging a build here")  # fmt: skip
    autograder_dir = autograder_dir_for(grading.term, assignment)
    if not (autograder_dir / "plan" / "plan.json").exists():
        raise BuildError(
            f"{assignment} is not built for term {grading.term}: "
            f"run `autograder build --term {grading.term} --assignment {assignment}` first"
        )
    missing = [p for p in inputs if not p.exists()]
    if missing:
        raise GradesError(f"no such file or folder: {missing[0]}")
    zone = spec.late.timezone
    times = corrections.read_times(options.submitted_at, zone) if options.submitted_at else {}
    out = options.out.resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    if times:
        corrections.merge_times(out, times, zone)
    notes: list[str] = []
    submissions = intake.discover([p.resolve() for p in inputs], assignment=assignment, notes=notes)
    for note in notes:  # what the TA should check about the inputs (never a stop)
        print(f"note: {one_line(note)}", file=sys.stderr)
    if not submissions:
        raise GradesError(f"no notebooks found in {', '.join(one_line(p) for p in inputs)}: pass "
                          ".ipynb files, otter export .zip files, or folders of them")  # fmt: skip
    build = plan.build_fingerprint(autograder_dir)
    resume = options.resume
    finished = {s.submission_id: _finished(out, s, build) for s in submissions} if resume else {}
    todo = [s for s in submissions if finished.get(s.submission_id) is None]

    if scheduler:
        from autograder.grade.cluster.client import grade_on_cluster

        graded = grade_on_cluster(scheduler, options=grading, config=options.config,
                                  autograder_dir=autograder_dir, todo=todo)  # fmt: skip
    else:
        grader = LocalGrader(config=options.config, options=grading,
                             autograder_dir=autograder_dir, jobs=options.jobs)  # fmt: skip
        graded = grader.grade_all(todo)
    done: dict[str, SubmissionResult] = {}
    try:
        bar_of = report.progress_bar(len(todo), enabled=options.progress)
        with bar_of as bar, contextlib.closing(graded):
            for result in graded:
                done[result.submission] = _recorded(out, result, spec)
                bar.update(result)
    except KitError:  # the cluster stopped the batch: what was graded counts, --resume goes on
        report.write_outputs(out, spec, build=build)
        raise
    results = [done.get(s.submission_id) or finished[s.submission_id] for s in submissions]
    if options.similarity:
        from autograder.similarity.main import similarity_report

        similarity_report([p.resolve() for p in inputs], assignment=assignment, out=out,
                          term=grading.term, title=spec.title or assignment)  # fmt: skip
    report.write_outputs(out, spec, build=build)
    return results


def _finished(out: Path, submission: intake.Submission, build: str) -> SubmissionResult | None:
    """The stored result of an earlier run, if it graded exactly this file with this build."""
    path = out / "results" / f"{submission.submission_id}.json"
    try:
        result = SubmissionResult.from_gradescope(read_json(path, MAX_VERDICT_BYTES))
        current = sha256_bytes(intake.read_bytes(submission.path))
    except (OSError, ValueError, GradesError, SubmissionError):
        return None
    return result if result.fingerprint == current and result.build == build else None


def _recorded(out: Path, result: SubmissionResult, spec: Assignment) -> SubmissionResult:
    """Write the result (and a first feedback) at once; a failure to write is noted in it."""
    try:
        report.record(out, result, spec)
    except Exception as exc:
        reason = _one_line(f"{result.reason}; its result file failed: {_one_line(exc)}")
        result = replace(result, reason=reason)
    return result


def _one_line(exc: object) -> str:
    return one_line(str(exc) or type(exc).__name__, 300)
