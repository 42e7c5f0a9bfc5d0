"""The otter autograder zip (what Gradescope runs) grades the solution to full marks."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.config import load_config
from autograder.grade.sandbox.budget import write_budget_sitecustomize

pytestmark = pytest.mark.slow


def test_otter_run_with_the_zip_gives_the_solution_full_marks(assignment_build, tmp_path):
    name, build = assignment_build
    spec = load_config().assignment(name)
    # the grading budget, applied inside otter's process, for speed only
    site = write_budget_sitecustomize(tmp_path / "site", dataclasses.asdict(spec.budget))
    shutil.copyfile(build / "autograder" / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    env = {**os.environ, "PYTHONPATH": str(site), "TF_USE_LEGACY_KERAS": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "otter",
            "run",
            "-a",
            str(build / "autograder" / f"{name}-autograder.zip"),
            "-o",
            str(tmp_path),
            str(tmp_path / f"{name}.ipynb"),
        ],
        check=True,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    tests = json.loads((tmp_path / "results.json").read_text())["tests"]
    scored = [t for t in tests if "score" in t]
    auto = {q: p for q, p in spec.points.items() if q not in spec.manual}
    assert {t["name"] for t in scored} == set(auto)
    assert all(t["score"] == t["max_score"] == auto[t["name"]] for t in scored), scored
