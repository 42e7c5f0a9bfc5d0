"""Prove a build: the solution scores full marks and the untouched skeleton scores zero."""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.config import GradingConfig
from autograder.errors import SelfCheckError
from autograder.results import Status

__all__ = ["SelfCheckError", "self_check"]


def self_check(cfg: GradingConfig, name: str, term: str, build_dir: Path, *, progress: bool) -> str:
    from autograder.grade.batch import grade_batch

    inputs = build_dir / "selfcheck" / "inputs"
    if inputs.exists():
        shutil.rmtree(inputs)
    inputs.mkdir(parents=True)
    shutil.copyfile(build_dir / "autograder" / f"{name}.ipynb", inputs / "solution.ipynb")
    shutil.copyfile(build_dir / "student" / f"{name}.ipynb", inputs / "skeleton.ipynb")
    results = grade_batch(
        [inputs],
        assignment=name,
        config=str(cfg.path),
        term=term,
        out=build_dir / "selfcheck" / "grades",
        progress=progress,
    )
    by_id = {r.submission: r for r in results}
    problems: list[str] = []
    details: list[str] = []
    solution, skeleton = by_id["solution"], by_id["skeleton"]
    for result, label in ((solution, "solution"), (skeleton, "skeleton")):
        if result.status != Status.GRADED:
            problems.append(f"the {label} was not graded: {result.status} ({result.reason})")
    for q in solution.questions.values():
        if q.score < q.possible:
            problems.append(f"{name}.{q.name}: the solution scores {q.score:g}/{q.possible:g}")
            details.append(f"{q.name}:\n{q.text()}")
    for q in skeleton.questions.values():
        if q.score > 0:
            problems.append(f"{name}.{q.name}: the untouched skeleton scores {q.score:g}")
    if problems:
        raise SelfCheckError("self-check failed: " + "; ".join(problems), "\n".join(details))
    return (
        f"{name}: solution {solution.total:g}/{solution.possible:g} "
        f"in {solution.seconds:.0f} s, skeleton 0/{skeleton.possible:g}"
    )
