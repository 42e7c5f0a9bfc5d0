"""Feedback a student can act on: notebook order with titles, points that add up, hints for
hidden checks, the student's own cell line, and nothing of the grader's."""

from __future__ import annotations

from autograder import paths
from autograder.config import load_config
from autograder.grade.feedback import QuestionInfo, points_text, title_of
from autograder.grade.report import feedback
from autograder.grade.scoring import split_points
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


def stopped_result(stopped_in: int | None, status: Status = Status.TIMEOUT) -> SubmissionResult:
    return SubmissionResult.ungraded(
        submission="slow", who=Identity(key="file:slow", name="slow"), file="slow.ipynb",
        fingerprint="0" * 64, status=status, reason="ran past 600 s",
        possible={"q_model": 2.0, "q_a_late": 1.0}, stopped_in=stopped_in,
    )  # fmt: skip


def test_a_stopped_run_says_so_once_names_the_cell_and_what_to_do():
    from autograder.grade.feedback import blocks, to_html

    spec = load_config().assignment("mlp")
    text = feedback(stopped_result(18), spec, questions=QUESTIONS)
    assert text.count("ran past 600 s") == 1  # once, at the top: not under every question
    assert "your code cell 19 ran past the time limit" in text and "fewer epochs" in text
    assert "It cost the points of 2 question(s): q_model, q_a_late" in text
    assert text.index("stopped") < text.index("## Question 3.1")
    html = to_html(blocks(stopped_result(18), spec, None, questions=QUESTIONS))
    assert html.count('class="alert"') == 1
    after = feedback(stopped_result(-1, Status.MEMORY), spec, questions=QUESTIONS)
    assert "after your last cell" in after and "more memory than the limit" in after
    assert "Your notebook was stopped: your notebook ran" in feedback(stopped_result(None), spec)


def test_zero_point_checks_look_apart_from_checks_that_cost_points():
    from autograder.grade.feedback import blocks, to_html

    spec = load_config().assignment("mlp")
    cases = (
        CaseResult("q_model - 1", False, False, 0.0, "The check in test_form that failed:\nx"),
        CaseResult("q_model - 2", False, False, 1.0, "The check in test_size that failed:\ny"),
        CaseResult("test_h", True, False, 1.0, f"{HINT}\nthe hidden layer has 64 units"),
    )
    res = SubmissionResult(
        submission="s", who=Identity(key="file:s", name="s"), file="s.ipynb",
        fingerprint="0" * 64, status=Status.GRADED,
        questions={"q_model": QuestionResult("q_model", 0.0, 2.0, cases)},
    )  # fmt: skip
    items = blocks(res, spec, None, questions=QUESTIONS)
    kinds = [b.kind for b in items if b.kind.startswith("li")]
    assert kinds == ["li-info-failed", "li-failed", "li-failed"]
    text = to_markdown_of(res)
    assert "- ⓘ check 1 (no points, for your information) failed" in text
    assert "- ✗ check 2 (1 pt) failed" in text
    # a hidden check's hint and what it found, verbatim (Markdown: fenced; HTML: escaped)
    assert "```text\nthe hidden layer has 64 units\n```" in text
    page = to_html(items)
    assert 'class="info-failed"' in page and 'class="failed"' in page
    assert "the hidden layer has 64 units" in page and "&lt;" not in HINT


def to_markdown_of(res: SubmissionResult) -> str:
    return feedback(res, load_config().assignment("mlp"), questions=QUESTIONS)
