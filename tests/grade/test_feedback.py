"""Feedback a student can act on: notebook order with titles, points that add up, hints for
hidden checks, the student's own cell line, and nothing of the grader's."""

from __future__ import annotations

from autograder import paths
from autograder.config import load_config
from autograder.grade.feedback import QuestionInfo, points_text, title_of
from autograder.grade.pipeline import split_points
from autograder.grade.report import feedback
from autograder.results import (
    CaseResult,
    CellReport,
    Identity,
    QuestionResult,
    Status,
    SubmissionResult,
)

HINT = "the layers of `model`: sizes, activations, parameter count"


def result() -> SubmissionResult:
    shares = split_points(2.0, [0, None, None, None])
    cases = (
        CaseResult("test_form", False, True, shares[0], ""),
        CaseResult("test_a", True, True, shares[1], "the first hidden thing"),
        CaseResult("test_b", True, False, shares[2], HINT),
        CaseResult("test_c", True, True, shares[3], "the third"),
    )
    score = round(sum(c.points for c in cases if c.passed), 2)
    return SubmissionResult(
        submission="s", who=Identity(key="file:s", name="s"), file="s.ipynb",
        fingerprint="0" * 64, status=Status.GRADED, reason="1 cell(s) failed",
        questions={  # alphabetical here: the feedback must follow the notebook instead
            "q_a_late": QuestionResult("q_a_late", 1.0, 1.0, (CaseResult("t", False, True, 1.0),)),
            "q_model": QuestionResult("q_model", score, 2.0, cases),
        },
        cells=(CellReport(4, "error", "line 3: model.fit(X, y)\nValueError: bad shape"),),
    )  # fmt: skip


QUESTIONS = [
    QuestionInfo("q_model", "Question 3.1: Build the MLP", 2.0),
    QuestionInfo("q_a_late", "Question 4.1: Later", 1.0),
]


def test_points_split_exactly_and_print_with_two_decimals():
    assert split_points(2.0, [0, None, None, None]) == [0.0, 0.67, 0.67, 0.66]
    assert sum(split_points(1.0, [None] * 7)) == 1.0
    assert points_text(2 / 3) == "0.67" and points_text(27.0) == "27" and points_text(1.5) == "1.5"
    text = feedback(result(), load_config().assignment("mlp"), questions=QUESTIONS)
    assert "0.666" not in text and "## Question 3.1: Build the MLP (q_model): 1.33 / 2" in text


def test_notebook_order_titles_hints_and_the_students_line():
    text = feedback(result(), load_config().assignment("mlp"), questions=QUESTIONS)
    assert text.index("Question 3.1") < text.index("Question 4.1")
    assert f"hidden check (0.67 pt) failed: {HINT.replace('`', chr(92) + '`')}" in text
    assert "code cell 5" in text and "line 3: model.fit(X, y)" in text
    assert str(paths.REPO_ROOT) not in text and "Missing" not in text


def test_titles_come_from_the_prompt():
    prompt = (
        '**Question 1.4.** Why is deep learning so popular (深度学习为什么这么"火")? Give reasons.'
    )
    assert (
        title_of(prompt, "q")
        == 'Question 1.4: Why is deep learning so popular (深度学习为什么这么"火")?'
    )
    assert title_of("", "q_x") == "q_x"


def test_hidden_check_hints_are_required_and_may_not_quote_expected_values(tmp_path):
    from autograder.grade.verdict.testfiles import missing_or_leaking_hints

    (tmp_path / "q.py").write_text(
        "from otter.test_files import test_case\n"
        "@test_case(points=None, hidden=True)\ndef test_none(model):\n    assert model == 3\n"
        "@test_case(points=None, hidden=True)\ndef test_leaks(model):\n"
        '    """checks the count is 266610"""\n    assert model.count_params() == 266610\n'
        "@test_case(points=None, hidden=True)\ndef test_fine(model):\n"
        '    """checks the parameter count"""\n    assert model.count_params() == 266610\n'
        "@test_case(points=0, hidden=False)\ndef test_public(model):\n    assert model\n"
    )
    problems = missing_or_leaking_hints(tmp_path)
    assert problems == ["q: test_none has no hint (a docstring saying what it checks)",
                        "q: test_leaks: its hint quotes 266610, a value it checks"]  # fmt: skip


def test_the_masters_hidden_checks_all_have_hints():
    """The build refuses masters whose hidden checks lack a hint; the solutions have them all."""
    import json
    import re

    for name in ("mlp", "word2vec", "sentence_embeddings"):
        notebook = json.loads((paths.SOLUTIONS_DIR / f"{name}.ipynb").read_text())
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if "hidden: true" in source and "def test_" in source:
                assert re.search(r"def test_\w+\([^)]*\):\n    \"\"\"[^\"]+\"\"\"", source), source
