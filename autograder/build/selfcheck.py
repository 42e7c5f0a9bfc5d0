"""Prove a build: the solution scores full marks and the untouched skeleton scores zero."""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.config import GradingConfig


class SelfCheckError(RuntimeError):
    """The build is wrong: a question the solution fails, or one the skeleton passes."""


def self_check(cfg: GradingConfig, name: str, term: str, build_dir: Path, *, progress: bool) -> str:
    from autograder.grade.main import grade_batch

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
    by_id = {r["kit"]["submission"]: r for r in results}
    problems = []
    solution, skeleton = by_id["solution"], by_id["skeleton"]
    for result, label in ((solution, "solution"), (skeleton, "skeleton")):
        if result["kit"]["status"] != "graded":
            problems.append(f"the {label} was not graded: {result['kit']['status']} ({result['kit']['reason']})")
    for test in solution["tests"]:
        if test["score"] < test["max_score"]:
            problems.append(f"{name}.{test['name']}: the solution scores {test['score']:g}/{test['max_score']:g}\n{test['output']}")
    for test in skeleton["tests"]:
        if test["score"] > 0:
            problems.append(f"{name}.{test['name']}: the untouched skeleton scores {test['score']:g}")
    if problems:
        raise SelfCheckError("self-check failed:\n" + "\n".join(problems))
    return (
        f"{name}: solution {solution['kit']['total']:g}/{solution['kit']['possible']:g} "
        f"in {solution['kit']['seconds']:.0f} s, skeleton 0/{skeleton['kit']['possible']:g}"
    )
