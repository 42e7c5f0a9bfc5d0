"""`autograder build`: reproducible output, clean student notebooks, and the self-check."""

from __future__ import annotations

import json
import subprocess

import pytest

from autograder import paths
from autograder.assign.main import build_assignment
from autograder.assign.selfcheck import self_check
from autograder.config import load_config

pytestmark = pytest.mark.slow


def _snapshot(*folders):
    return {
        str(p.relative_to(paths.REPO_ROOT)): p.read_bytes()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "selfcheck" not in p.parts
    }


def test_rebuild_is_byte_identical_and_matches_the_committed_assignment(assignment_build):
    name, build = assignment_build
    student = paths.ASSIGNMENTS_DIR / name
    before = _snapshot(build, student)
    cfg = load_config()
    build_assignment(cfg, name, cfg.course.term)
    after = _snapshot(build, student)
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
        assert diff.stdout == "", (
            f"assignments/{name} differs from the committed copy:\n{diff.stdout}"
        )


def test_student_notebook_is_a_clean_skeleton(assignment_build):
    name, _ = assignment_build
    notebook = json.loads((paths.ASSIGNMENTS_DIR / name / f"{name}.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    text = json.dumps(notebook)
    assert "SOLUTION" not in text and "TEST CONFIG" not in text and "hidden=True" not in text
    assert "large labelled datasets" not in text  # the mlp manual question's model answer
    assert notebook["metadata"]["kit"]["assignment"] == name
    public = sorted((paths.ASSIGNMENTS_DIR / name / "tests").glob("*.py"))
    assert public and all("hidden=True" not in p.read_text() for p in public)
    compile_errors = []
    for cell in notebook["cells"]:  # the skeleton must at least parse, `...` and all
        if cell["cell_type"] == "code":
            try:
                compile("".join(cell["source"]), "cell", "exec")
            except SyntaxError as exc:
                compile_errors.append(f"{exc}: {''.join(cell['source'])[:80]}")
    assert not compile_errors


def test_word2vec_expected_values_come_from_the_reference():
    from conftest import build_once

    from reference import word2vec as w2v

    tests = build_once("word2vec") / "autograder" / "tests"
    hidden = (tests / "q_cbow_train.py").read_text()
    assert "vocab_size == 2066" in hidden  # the lecture's vocabulary for its slice of the Bible
    params = load_config().assignment("word2vec").params
    assert w2v.count_cbow_params(2066, params["embed_size"]) == 415_266


def test_expected_values_come_from_the_reference(mlp_build):
    from reference.mlp import count_dense_params

    tests = mlp_build / "autograder" / "tests"
    hidden = (tests / "q_drill_params.py").read_text()
    assert f"drill_params == {count_dense_params([100, 20, 3])}," in hidden
    sizes = load_config().assignment("mlp").params["hidden_sizes"]  # the term's parameters
    assert f"assert_hidden_layers(model, {list(sizes)}," in (tests / "q_model.py").read_text()


def test_self_check_solution_full_skeleton_zero(assignment_build):
    name, build = assignment_build
    cfg = load_config()
    possible = sum(cfg.assignment(name).points.values()) - sum(
        cfg.assignment(name).points.get(q, 0) for q in cfg.assignment(name).manual
    )
    summary = self_check(cfg, name, cfg.course.term, build, progress=False)
    assert (
        f"solution {possible:g}/{possible:g}" in summary and f"skeleton 0/{possible:g}" in summary
    )
