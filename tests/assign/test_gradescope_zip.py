"""The Gradescope autograder zip works on its own: unpacked into a tree shaped like
``/autograder``, its ``setup.sh`` installs everything into a fresh virtual environment (which
cannot see the project's .venv), and ``run_autograder`` grades with the kit's sandboxed
pipeline. Expected scores come from grading.toml and the corpus's expected.toml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expected_results

from autograder.config import load_config

pytestmark = pytest.mark.slow


def clean_env(root: Path) -> dict[str, str]:
    """No virtual environment, no PYTHONPATH, no project on PATH: only the machine's pip
    settings (its package index) and the scratch tree."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    return {
        **env,
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "AUTOGRADER_ROOT": str(root),
        "KIT_PYTHON": sys._base_executable,  # a plain Python 3.11, not the project's .venv
        "LANG": "C.UTF-8",
    }


@pytest.fixture(scope="module")
def installed(mlp_build):
    """A scratch /autograder with the zip unpacked and its setup.sh run (outside /tmp, which
    the sandbox replaces with its own)."""
    scratch = Path(tempfile.mkdtemp(prefix="kit-gradescope-", dir="/var/tmp"))
    root = scratch / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(mlp_build / "autograder" / "mlp-autograder.zip") as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], env=clean_env(root), cwd=scratch,
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    yield root
    shutil.rmtree(scratch, ignore_errors=True)


def run_autograder(root: Path, notebook: Path | None) -> dict:
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    if notebook is not None:
        shutil.copyfile(notebook, submission / notebook.name)
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "results.json").unlink(missing_ok=True)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=clean_env(root),
                   cwd="/", capture_output=True, timeout=900)  # fmt: skip
    return json.loads((root / "results" / "results.json").read_text())


def test_setup_installs_the_kit_apart_from_the_project(installed):
    where = subprocess.run(
        [str(installed / "kit-venv" / "bin" / "python"), "-c",
         "import autograder, tensorflow, tf_keras, sys; print(autograder.__file__, sys.prefix)"],
        env=clean_env(installed), capture_output=True, text=True, check=True, cwd=installed,
    ).stdout  # fmt: skip
    assert str(installed / "kit-venv") in where and "/work/main" not in where.replace(
        str(installed), ""
    )


def test_correct_and_buggy_notebooks_get_their_scores(installed):
    spec = load_config().assignment("mlp")
    auto = sum(p for q, p in spec.points.items() if q not in spec.manual)
    correct = run_autograder(installed, SUBMISSIONS / "mlp" / "correct_functional.ipynb")
    assert correct["score"] == auto
    assert all(t["score"] == t["max_score"] for t in correct["tests"])
    assert "isolation" not in correct["output"]  # the strong sandbox on this machine
    buggy = run_autograder(installed, SUBMISSIONS / "mlp" / "wrong_sizes.ipynb")
    assert buggy["score"] == expected_results("mlp")["wrong_sizes"]["total"] < auto


def test_an_empty_submission_still_gets_a_results_file(installed):
    nothing = run_autograder(installed, None)
    assert nothing["score"] == 0 and "no notebook" in nothing["output"]
