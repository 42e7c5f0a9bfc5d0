"""Run ``otter assign`` on a rendered master and lay out its results the kit's way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from autograder.assign.normalize import normalize_notebook, normalize_zip


def otter_assign(master: Path, result: Path, *, assignment: str, term: str, variant: str) -> None:
    """result/autograder (all tests, solution, zip) and result/student (skeleton, public tests)."""
    if result.exists():
        shutil.rmtree(result)
    proc = subprocess.run(
        [sys.executable, "-m", "otter", "assign", "--no-run-tests", str(master), str(result)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"otter assign failed for {assignment}:\n{proc.stdout}\n{proc.stderr}")
    autograder = result / "autograder"
    for zipped in autograder.glob(f"{assignment}-autograder_*.zip"):
        # otter's own zip, kept to compare with (benchmarks): Gradescope gets the kit's zip
        normalize_zip(zipped, autograder / f"{assignment}-otter-autograder.zip")
        zipped.unlink()
    for notebook in (
        autograder / f"{assignment}.ipynb",
        result / "student" / f"{assignment}.ipynb",
    ):
        normalize_notebook(notebook, assignment=assignment, term=term, variant=variant)


def publish_student(result: Path, target: Path, *, assignment: str) -> None:
    """Copy the skeleton notebook and its public tests to assignments/NAME/."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copyfile(result / "student" / f"{assignment}.ipynb", target / f"{assignment}.ipynb")
    shutil.copytree(result / "student" / "tests", target / "tests")
