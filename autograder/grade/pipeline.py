"""The grading pipeline, in order: intake -> plan -> sandbox -> verdict -> report.

Per submission: intake reads and checks the file (``intake``), the request is made from the build's
plan (``plan``), the notebook runs in a sandbox that sees only itself (``sandbox``), a fresh
trusted process scores the data it handed back (``verdict``), and the result is written at once
(``report``). Anything that goes wrong with one submission becomes its ``invalid`` or ``crashed``
result with a one-line reason; the batch always goes on and always writes ``grades.csv``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.catalog import AssignmentKit, kit_for
from autograder.config import Assignment, load_config
from autograder.errors import BuildError, GradesError, SubmissionError
from autograder.files import remove_tree, sha256_bytes, thread_limited_env
from autograder.grade import intake, plan, report
from autograder.grade.protocol import read_json
from autograder.grade.sandbox.launch import run_sandbox
from autograder.results import CaseResult, CellReport, QuestionResult, Status, SubmissionResult

VERDICT_TIMEOUT_S = 300
MAX_VERDICT_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Batch:
    """Everything one batch shares: where the tests are, limits, and what to hide."""

    assignment: Assignment
    kit: AssignmentKit
    autograder_dir: Path  # build/TERM/NAME/autograder (trusted: tests and plan)
    out: Path
    root: Path  # temporary: boxes/, mnt/, private/
    hide: tuple[Path, ...]
    env: dict
    timeout_s: float
    memory_mb: int
    possible: dict[str, float]  # question -> points, in notebook order

    @property
    def tests_dir(self) -> Path:
        return self.autograder_dir / "tests"


def autograder_dir_for(term: str, assignment: str) -> Path:
    return paths.BUILD_DIR / term / assignment / "autograder"


def grade_batch(
    inputs: list[Path],
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
) -> list[SubmissionResult]:
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    kit = kit_for(assignment)
    term = term or cfg.course.term
    autograder_dir = autograder_dir_for(term, assignment)
    if not (autograder_dir / "plan" / "plan.json").exists():
        raise BuildError(
            f"{assignment} is not built for term {term}: "
            f"run `autograder build --assignment {assignment}` first"
        )
    missing = [p for p in inputs if not p.exists()]
    if missing:
        raise GradesError(f"no such file or folder: {missing[0]}")
    out = (out or paths.GRADES_DIR / assignment).resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    submissions = intake.discover([p.resolve() for p in inputs])
    possible = plan.question_points(autograder_dir, assignment)
    finished = {s.submission_id: _finished(out, s) for s in submissions} if resume else {}
    todo = [s for s in submissions if finished.get(s.submission_id) is None]

    from autograder.data.environment import notebook_environment

    data_env = _sandbox_data_env(notebook_environment(cfg))
    root = Path(tempfile.mkdtemp(prefix="kit-grade-"))
    try:
        os.chmod(root, 0o755)
        for sub in ("boxes", "mnt", "private"):
            (root / sub).mkdir()
        os.chmod(root / "private", 0o700)
        batch = Batch(
            assignment=spec,
            kit=kit,
            autograder_dir=autograder_dir,
            out=out,
            root=root,
            hide=tuple(_hide_list(out, inputs, cfg.path, data_env, kit)),
            env=data_env,
            timeout_s=timeout or spec.limits.timeout_s,
            memory_mb=memory or spec.limits.memory_mb,
            possible=possible,
        )
        done: dict[str, SubmissionResult] = {}
        with report.progress_bar(len(todo), enabled=progress) as bar:
            with ThreadPoolExecutor(max_workers=jobs or cfg.jobs) as pool:
                futures = [pool.submit(grade_one, batch, s) for s in todo]
                for future in as_completed(futures):
                    result = future.result()  # grade_one never raises
                    done[result.submission] = result
                    bar.update(result)
    finally:
        remove_tree(root)
    results = [done.get(s.submission_id) or finished[s.submission_id] for s in submissions]
    report.write_outputs(out, results, spec)
    return results


def _finished(out: Path, submission: intake.Submission) -> SubmissionResult | None:
    """The stored result of an earlier run, if it graded exactly this file."""
    path = out / "results" / f"{submission.submission_id}.json"
    try:
        result = SubmissionResult.from_gradescope(read_json(path, MAX_VERDICT_BYTES))
        current = sha256_bytes(intake.read_bytes(submission.path))
    except (OSError, ValueError, GradesError, SubmissionError):
        return None
    return result if result.fingerprint == current else None


def _hide_list(
    out: Path, inputs: list[Path], config_path: Path, data_env: dict, kit: AssignmentKit
) -> list[Path]:
    """Secrets the sandbox must not see; never a folder holding the kit or its Python."""
    keep = [paths.REPO_ROOT.resolve(), Path(sys.prefix).resolve(), paths.SHARED_DATA_DIR.resolve()]
    candidates = [
        paths.REPO_ROOT / name
        for name in ("solutions", "reference", "build", "tests", "grades", ".git")
    ]
    candidates += [out, config_path, *kit.hidden_data(data_env)]
    for path in inputs:
        path = path.resolve()
        candidates.append(path if path.is_dir() else path.parent)
        candidates.append(path)
    hide = []
    for path in candidates:
        path = path.resolve()
        if any(k == path or k.is_relative_to(path) for k in keep) and path.is_dir():
            continue
        if path not in hide:
            hide.append(path)
    return hide


def _sandbox_data_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(("NLTK_DATA", "KIT_"))}


# --------------------------------------------------------------------------- one submission


def grade_one(batch: Batch, submission: intake.Submission) -> SubmissionResult:
    """Grade one submission; whatever happens, return (and record) its result."""
    started = time.monotonic()
    box = batch.root / "boxes" / submission.submission_id
    try:
        result = _grade(batch, submission, box, started)
    except Exception as exc:  # a grader failure on one file costs only that file
        result = _ungraded(
            batch, submission, "", Status.CRASHED, f"the grader failed on it: {_one_line(exc)}"
        )
    finally:
        try:
            remove_tree(box)
            remove_tree(batch.root / "mnt" / submission.submission_id)
        except Exception:
            pass
    result = _with_seconds(result, time.monotonic() - started)
    try:
        report.record(batch.out, result, batch.assignment)
    except Exception as exc:
        result = _with_reason(result, f"{result.reason}; its result file failed: {_one_line(exc)}")
    return result


def _grade(
    batch: Batch, submission: intake.Submission, box: Path, started: float
) -> SubmissionResult:
    try:
        raw = intake.read_bytes(submission.path)
    except SubmissionError as exc:
        return _ungraded(batch, submission, "", Status.INVALID, str(exc))
    fingerprint = sha256_bytes(raw)
    try:
        notebook = intake.read_notebook(submission.path, batch.assignment.name, raw)
    except SubmissionError as exc:
        return _ungraded(batch, submission, fingerprint, Status.INVALID, str(exc))
    view = batch.root / "mnt" / submission.submission_id
    box.mkdir()
    view.mkdir()
    plan.prepare_box(
        box=box,
        notebook=notebook,
        autograder_dir=batch.autograder_dir,
        assignment=batch.assignment,
        kit=batch.kit,
        env=batch.env,
    )
    run = run_sandbox(
        box=box,
        view=view,
        boxes=batch.root / "boxes",
        private=batch.root / "private",
        hide=list(batch.hide),
        env=batch.env,
        timeout_s=batch.timeout_s,
        memory_mb=batch.memory_mb,
    )
    details = {"peak_mb": run.peak_mb, "isolation": run.isolation, "sandbox_seconds": run.seconds}
    if run.status != "ok":
        return _ungraded(batch, submission, fingerprint, Status(run.status), run.reason, **details)
    verdict = _verdict(batch, box)
    if "refused" in verdict:
        return _ungraded(
            batch, submission, fingerprint, Status.CRASHED, str(verdict["refused"]), **details
        )
    questions = {}
    for name, points in batch.possible.items():
        q = verdict["questions"].get(name)
        if q is None:
            questions[name] = QuestionResult(name, 0.0, points, note="no test was run")
            continue
        cases = tuple(
            CaseResult(str(c["name"]), bool(c["hidden"]), bool(c["passed"]),
                       c.get("points"), str(c.get("message", "")))
            for c in q["cases"]
        )  # fmt: skip
        questions[name] = QuestionResult(name, float(q["score"]), points, cases)
    cells = tuple(
        CellReport(int(c["index"]), str(c["status"]), str(c.get("error", "")),
                   float(c.get("seconds", 0)))
        for c in verdict["cells"]
    )  # fmt: skip
    failed = sum(c.status != "ok" for c in cells)
    return SubmissionResult(
        submission=submission.submission_id,
        student=submission.student,
        file=submission.file_name,
        fingerprint=fingerprint,
        status=Status.GRADED,
        reason=f"{failed} cell(s) failed" if failed else "",
        questions=questions,
        cells=cells,
        **details,
    )


def _verdict(batch: Batch, box: Path) -> dict:
    """Score in a fresh trusted process: isolated from the working folder and environment."""
    workdir = batch.root / "private" / f"{box.name}.verdict"
    workdir.mkdir(mode=0o700)
    result_path = workdir / "verdict.json"
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        "TF_USE_LEGACY_KERAS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **thread_limited_env(1),
        **batch.env,  # KIT_TEXT_EMBEDDING_HANDLE: the only hub module the verdict will load
    }
    command = [
        sys.executable, "-I", "-m", "autograder.grade.verdict.score",
        str(batch.tests_dir), str(box / "response"), str(result_path),
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=VERDICT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        shutil.rmtree(workdir, ignore_errors=True)
        return {"refused": "scoring timed out"}
    try:
        if proc.returncode != 0:
            raise ValueError((proc.stderr.strip().splitlines() or ["no output"])[-1][:300])
        return read_json(result_path, MAX_VERDICT_BYTES)
    except (OSError, ValueError) as exc:
        return {"refused": f"could not score the results: {_one_line(exc)}"}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
        student=submission.student,
        file=submission.file_name,
        fingerprint=fingerprint,
        status=status,
        reason=_one_line(reason),
        possible=batch.possible,
        **details,
    )


def _with_seconds(result: SubmissionResult, seconds: float) -> SubmissionResult:
    from dataclasses import replace

    return replace(result, seconds=round(seconds, 2))


def _with_reason(result: SubmissionResult, reason: str) -> SubmissionResult:
    from dataclasses import replace

    return replace(result, reason=_one_line(reason))


def _one_line(exc: object) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
