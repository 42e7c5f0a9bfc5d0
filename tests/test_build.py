"""`autograder build`: reproducible output, clean student notebooks, and the self-check."""

from __future__ import annotations

import json
import subprocess

import pytest

from autograder import paths
from autograder.build.main import build_assignment
from autograder.build.selfcheck import self_check
from autograder.config import load_config

pytestmark = pytest.mark.slow


def _snapshot(*folders):
    return {
        str(p.relative_to(paths.REPO_ROOT)): p.read_bytes()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "selfcheck" not in p.parts
    }


def test_rebuild_is_byte_identical_and_matches_the_committed_assignment(mlp_build):
    student = paths.ASSIGNMENTS_DIR / "mlp"
    before = _snapshot(mlp_build, student)
    cfg = load_config()
    build_assignment(cfg, "mlp", cfg.course.term)
    after = _snapshot(mlp_build, student)
    assert before.keys() == after.keys()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"rebuilding changed {changed}"
    diff = subprocess.run(
        ["git", "status", "--porcelain", "--", str(student)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
    )
    if diff.returncode == 0:  # inside a git checkout
        assert diff.stdout == "", f"assignments/mlp differs from the committed copy:\n{diff.stdout}"


def test_student_notebook_is_a_clean_skeleton(mlp_build):
    notebook = json.loads((paths.ASSIGNMENTS_DIR / "mlp" / "mlp.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    text = json.dumps(notebook)
    assert "SOLUTION" not in text and "TEST CONFIG" not in text and "hidden=True" not in text
    assert "large labelled datasets" not in text  # the manual question's model answer
    assert notebook["metadata"]["kit"]["assignment"] == "mlp"
    public = {p.name for p in (paths.ASSIGNMENTS_DIR / "mlp" / "tests").glob("*.py")}
    assert "q_model.py" in public
    assert "hidden=True" not in (paths.ASSIGNMENTS_DIR / "mlp" / "tests" / "q_model.py").read_text()


def test_expected_values_come_from_the_reference(mlp_build):
    from reference.mlp import count_dense_params

    hidden = (mlp_build / "autograder" / "tests" / "q_params.py").read_text()
    sizes = load_config().assignment("mlp").params["hidden_sizes"]
    assert str(count_dense_params([784, *sizes, 10])) in hidden


def test_self_check_solution_full_skeleton_zero(mlp_build):
    cfg = load_config()
    summary = self_check(cfg, "mlp", cfg.course.term, mlp_build, progress=False)
    assert "solution 27/27" in summary and "skeleton 0/27" in summary
