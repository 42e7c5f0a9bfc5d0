"""Terms with other seeds get other variants, each self-checks, and answers do not carry over."""

from __future__ import annotations

import shutil

import pytest

from autograder import paths
from autograder.assign.main import build_assignment
from autograder.assign.selfcheck import self_check
from autograder.config import ConfigError, load_config
from autograder.grade.batch import grade_batch

pytestmark = pytest.mark.slow
SIZES = [[300, 100], [256, 128], [200, 100], [128, 64]]


def term_config(tmp_path, term: str, seed: int):
    text = paths.REPO_ROOT.joinpath("grading.toml").read_text()
    text = text.replace('term = "2026-fall"', f'term = "{term}"').replace(
        "seed = 2026", f"seed = {seed}"
    )
    text += f"\n[assignments.mlp.variants]\nhidden_sizes = {SIZES}\n"
    path = tmp_path / f"{term}.toml"
    path.write_text(text)
    return load_config(path)


def test_two_terms_differ_and_each_self_checks(tmp_path):
    first = term_config(tmp_path, "kit-test-term-a", 1)
    a_sizes = first.assignment("mlp").for_term(first.course).params["hidden_sizes"]

    def sizes_for(seed: int):
        cfg = term_config(tmp_path, "kit-test-term-b", seed)
        return cfg.assignment("mlp").for_term(cfg.course).params["hidden_sizes"]

    seed = next(s for s in range(2, 100) if sizes_for(s) != a_sizes)
    second = term_config(tmp_path, "kit-test-term-b", seed)
    b_sizes = second.assignment("mlp").for_term(second.course).params["hidden_sizes"]
    builds = {}
    try:
        for cfg in (first, second):
            build_assignment(cfg, "mlp", cfg.course.term, publish=False)
            builds[cfg.course.term] = paths.BUILD_DIR / cfg.course.term / "mlp"
            summary = self_check(
                cfg, "mlp", cfg.course.term, builds[cfg.course.term], progress=False
            )
            assert "solution 27/27" in summary and "skeleton 0/27" in summary

        skeleton_b = (builds["kit-test-term-b"] / "student" / "mlp.ipynb").read_text()
        assert f"{b_sizes}" in skeleton_b and f"{a_sizes}" not in skeleton_b

        # term A's solution, graded against term B's hidden tests, loses the architecture points
        solution_a = tmp_path / "in" / "term_a_solution.ipynb"
        solution_a.parent.mkdir()
        shutil.copyfile(builds["kit-test-term-a"] / "autograder" / "mlp.ipynb", solution_a)
        (result,) = grade_batch(
            [solution_a],
            assignment="mlp",
            config=str(second.path),
            out=tmp_path / "out",
            progress=False,
        )
        lost = {q.name for q in result.questions.values() if q.score < q.possible}
        assert {"q_model", "q_params"} <= lost, result.questions
    finally:
        for build in builds.values():
            shutil.rmtree(build.parent, ignore_errors=True)


@pytest.mark.parametrize(
    "table, line, message",
    [
        (
            "mlp.params",
            "hidden_sizes = [300, 0]",
            "assignments.mlp.params.hidden_sizes[1] must be positive, got 0",
        ),
        (
            "mlp.params",
            "dropout_rate = 1.5",
            "assignments.mlp.params.dropout_rate must lie in [0, 1), got 1.5",
        ),
        (
            "word2vec.params",
            "window_size = 0",
            "assignments.word2vec.params.window_size must be positive, got 0",
        ),
        ("word2vec.params", "bible_slice = [2000, 1000]", "bible_slice must be [start, stop]"),
    ],
)
def test_impossible_parameters_are_refused(tmp_path, table, line, message):
    key = line.split(" =")[0]
    text = paths.REPO_ROOT.joinpath("grading.toml").read_text()
    header = f"[assignments.{table}]\n"
    start = text.index(header) + len(header)
    end = text.index(f"\n{key} =", start - 1) + 1
    stop = text.index("\n", end)
    bad = tmp_path / "grading.toml"
    bad.write_text(text[:end] + line + text[stop:])
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    line_number = text[:end].count("\n") + 1
    assert str(caught.value).startswith(f"{bad}:{line_number}: ")
    assert message in str(caught.value)
