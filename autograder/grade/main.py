"""``autograder grade``: grade a folder of submissions in parallel sandboxes.

Per submission: the notebook runs in a sandbox that sees only itself (``sandbox``/``jail``/
``harness``), then a fresh trusted process scores the data it handed back (``verdict``). Each
result is written atomically as soon as it is known, so ``--resume`` after a crash re-grades only
what is missing.
"""

from __future__ import annotations

import json
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
from autograder.config import Assignment, load_config
from autograder.grade import report
from autograder.grade.discover import (
    InvalidSubmission,
    Submission,
    discover,
    fingerprint,
    read_notebook,
)
from autograder.grade.protocol import read_json, write_json
from autograder.grade.sandbox import run_sandbox
from autograder.grade.testfiles import load_test_files

VERDICT_TIMEOUT_S = 300


@dataclass(frozen=True)
class Batch:
    """Everything one batch shares: where the tests are, limits, and what to hide."""

    assignment: Assignment
    autograder_dir: Path  # build/TERM/NAME (trusted: tests and plan)
    out: Path
    root: Path  # temporary: boxes/, mnt/, private/
    hide: tuple[Path, ...]
    env: dict
    timeout_s: float
    memory_mb: int
    possible: dict[str, float]

    @property
    def tests_dir(self) -> Path:
        return self.autograder_dir / "tests"


def main(
    *,
    paths: list[str],
    assignment: str,
    config: str | None = None,
    jobs: int | None = None,
    out: str | None = None,
    timeout: float | None = None,
    memory: int | None = None,
    resume: bool = False,
    no_progress: bool = False,
) -> int:
    results = grade_batch(
        [Path(p) for p in paths],
        assignment=assignment,
        config=config,
        jobs=jobs,
        out=Path(out) if out else None,
        timeout=timeout,
        memory=memory,
        resume=resume,
        progress=not no_progress,
    )
    print(report.table(results))
    return 0


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
) -> list[dict]:
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    term = term or cfg.course.term
    autograder_dir = autograder_dir_for(term, assignment)
    if not (autograder_dir / "plan" / "plan.json").exists():
        raise SystemExit(
            f"autograder: {assignment} is not built for term {term}: "
            f"run `autograder build --assignment {assignment}` first"
        )
    out = (out or paths.GRADES_DIR / assignment).resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    submissions = discover([p.resolve() for p in inputs])
    todo = [s for s in submissions if not (resume and _already_graded(out, s))]

    from autograder.data.environment import notebook_environment

    data_env = _sandbox_data_env(notebook_environment(cfg))
    root = Path(tempfile.mkdtemp(prefix="kit-grade-"))
    os.chmod(root, 0o755)
    for sub in ("boxes", "mnt", "private"):
        (root / sub).mkdir()
    os.chmod(root / "private", 0o700)
    batch = Batch(
        assignment=spec,
        autograder_dir=autograder_dir,
        out=out,
        root=root,
        hide=tuple(_hide_list(out, inputs, cfg.path, data_env)),
        env=data_env,
        timeout_s=timeout or spec.limits.timeout_s,
        memory_mb=memory or spec.limits.memory_mb,
        possible={f.name: float(f.possible) for f in load_test_files(autograder_dir / "tests")},
    )
    try:
        with report.progress_bar(len(todo), enabled=progress) as bar:
            with ThreadPoolExecutor(max_workers=jobs or cfg.jobs) as pool:
                futures = [pool.submit(grade_one, batch, s) for s in todo]
                for future in as_completed(futures):
                    result = future.result()
                    bar.update(result)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results = [read_json(out / "results" / f"{s.submission_id}.json") for s in submissions]
    report.write_outputs(out, results, list(batch.possible))
    return results


def autograder_dir_for(term: str, assignment: str) -> Path:
    return paths.BUILD_DIR / term / assignment / "autograder"


def _already_graded(out: Path, submission: Submission) -> bool:
    path = out / "results" / f"{submission.submission_id}.json"
    if not path.exists():
        return False
    try:
        return read_json(path)["kit"]["fingerprint"] == _file_fingerprint(submission.path)
    except (ValueError, KeyError, OSError):
        return False


def _file_fingerprint(path: Path) -> str:
    return fingerprint(path.read_bytes())


def _hide_list(out: Path, inputs: list[Path], config_path: Path, data_env: dict) -> list[Path]:
    """Secrets the sandbox must not see; never a folder holding the kit or its Python.

    The IMDB test split is hidden too: the grader measures accuracy on it."""
    keep = [paths.REPO_ROOT.resolve(), Path(sys.prefix).resolve(), paths.SHARED_DATA_DIR.resolve()]
    candidates = [
        paths.REPO_ROOT / name
        for name in ("solutions", "reference", "build", "tests", "grades", ".git")
    ]
    candidates += [out, config_path]
    if data_env.get("KIT_IMDB_DIR"):
        candidates.append(Path(data_env["KIT_IMDB_DIR"]) / "test")
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


def grade_one(batch: Batch, submission: Submission) -> dict:
    started = time.monotonic()
    raw = submission.path.read_bytes() if submission.path.exists() else b""
    result = {
        "submission": submission.submission_id,
        "student": submission.student,
        "file": str(submission.path),
        "fingerprint": fingerprint(raw),
    }
    try:
        notebook, _ = read_notebook(submission.path, batch.assignment.name)
    except (InvalidSubmission, OSError) as exc:
        result.update(status="invalid", reason=str(exc), questions={})
        return _finish(batch, result, started)
    box = batch.root / "boxes" / submission.submission_id
    view = batch.root / "mnt" / submission.submission_id
    box.mkdir()
    view.mkdir()
    _prepare_box(batch, box, notebook)
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
    result.update(peak_mb=run.peak_mb, isolation=run.isolation, sandbox_seconds=run.seconds)
    if run.status != "ok":
        result.update(status=run.status, reason=run.reason, questions={})
    else:
        result.update(_verdict(batch, box))
    shutil.rmtree(box, ignore_errors=True)
    return _finish(batch, result, started)


def _prepare_box(batch: Batch, box: Path, notebook: dict) -> None:
    """The box holds the notebook's code, the request, and the data files; nothing else."""
    code_only = {
        "cells": [
            c for c in notebook["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"
        ]
    }
    (box / "submission.ipynb").write_text(json.dumps(code_only), encoding="utf-8")
    plan_dir = batch.autograder_dir / "plan"
    plan = read_json(plan_dir / "plan.json")
    budget = batch.assignment.budget
    request = {
        "notebook": "submission.ipynb",
        "fetch": plan["fetch"],
        "calls": plan["calls"],
        "budget": {
            "seed": budget.seed,
            "max_epochs": budget.max_epochs,
            "max_train_samples": budget.max_train_samples,
            "max_train_batches": budget.max_train_batches,
        },
        "cell_timeout_s": batch.assignment.limits.cell_timeout_s,
    }
    write_json(box / "request.json", request)
    if (plan_dir / "request_arrays").exists():
        shutil.copytree(plan_dir / "request_arrays", box / "request_arrays")
    fashion = batch.env.get("KIT_FASHION_MNIST_DIR")
    if fashion:
        target = box / ".keras" / "datasets" / "fashion-mnist"
        target.mkdir(parents=True)
        for file in Path(fashion).iterdir():
            shutil.copyfile(file, target / file.name)


def _verdict(batch: Batch, box: Path) -> dict:
    result_path = batch.root / "private" / f"{box.name}.verdict.json"
    env = {
        **os.environ,
        **batch.env,  # KIT_TEXT_EMBEDDING_HANDLE: the only hub module the verdict will load
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": "",
    }
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder.grade.verdict",
                str(batch.tests_dir),
                str(box / "response"),
                str(result_path),
            ],
            capture_output=True,
            text=True,
            timeout=VERDICT_TIMEOUT_S,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"status": "crashed", "reason": "scoring timed out", "questions": {}}
    if proc.returncode != 0 or not result_path.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {
            "status": "crashed",
            "reason": f"could not score the results: {last[:300]}",
            "questions": {},
        }
    verdict = read_json(result_path)
    failed_cells = [c for c in verdict["cells"] if c["status"] != "ok"]
    reason = f"{len(failed_cells)} cell(s) failed" if failed_cells else ""
    return {
        "status": "graded",
        "reason": reason,
        "questions": verdict["questions"],
        "cells": verdict["cells"],
    }


def _finish(batch: Batch, result: dict, started: float) -> dict:
    result["seconds"] = round(time.monotonic() - started, 2)
    gradescope = report.gradescope_result(result, batch.possible)
    write_json(batch.out / "results" / f"{result['submission']}.json", gradescope)
    report.write_feedback(
        batch.out / "feedback" / f"{result['submission']}.md", gradescope, batch.assignment
    )
    return gradescope
