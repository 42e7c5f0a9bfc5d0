"""The typed result model and its Gradescope results.json form."""

from __future__ import annotations

import json

import pytest

from autograder.errors import GradesError
from autograder.results import (
    CaseResult,
    CellReport,
    Identity,
    QuestionResult,
    Status,
    SubmissionResult,
)


def sample() -> SubmissionResult:
    return SubmissionResult(
        submission="alice",
        who=Identity(
            key="moodle:7",
            name="Zoë 张",
            lms="moodle",
            lms_id="7",
            late=True,
            group=(Identity(key="moodle:8", name="Ann"),),
        ),  # fmt: skip
        file="alice.ipynb",
        fingerprint="f" * 64,
        status=Status.GRADED,
        reason="1 cell(s) failed",
        questions={
            "q_b": QuestionResult(
                "q_b",
                1.5,
                3.0,
                (CaseResult("1", False, True, 1.5), CaseResult("2", True, False, 1.5, "hidden")),
            ),
            "q_a": QuestionResult("q_a", 0.0, 2.0, (CaseResult("1", False, False, None, "no"),)),
        },  # fmt: skip
        cells=(CellReport(0, "ok", "", 0.1), CellReport(1, "error", "NameError: x", 0.0)),
        seconds=3.25,
        assignment="mlp",
        sandbox_seconds=2.0,
        peak_mb=512.0,
        isolation="root",
        build="abc",
        term="2026-fall",
        answers={"q_essay": "GPUs 和数据"},
    )


def test_gradescope_shape_and_round_trip():
    result = sample()
    data = json.loads(json.dumps(result.to_gradescope()))
    assert data["score"] == 1.5
    assert [t["name"] for t in data["tests"]] == ["q_b", "q_a"]  # notebook order kept
    assert {"score", "max_score", "output", "visibility"} <= set(data["tests"][0])
    assert data["extra_data"]["kit"]["status"] == "graded"
    assert SubmissionResult.from_gradescope(data) == result


def test_no_host_path_in_a_result():
    text = json.dumps(sample().to_gradescope())
    assert "/work" not in text and "/tmp" not in text and "/root" not in text


def test_ungraded_results_score_zero_on_every_question():
    result = SubmissionResult.ungraded(
        submission="x", who=Identity(key="file:x", name="x"), file="x.zip", fingerprint="",
        status=Status.INVALID, reason="not a zip", possible={"q_a": 2.0, "q_b": 1.0},
    )  # fmt: skip
    assert result.total == 0 and result.possible == 3.0
    assert all("not a zip" in q.text() for q in result.questions.values())


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"tests": [], "extra_data": {"kit": {"schema": 99}}},
        {"tests": [{"name": 1}], "extra_data": {"kit": {"schema": 1, "questions": {}}}},
    ],
)
def test_unreadable_results_are_refused(broken):
    with pytest.raises(GradesError):
        SubmissionResult.from_gradescope(broken)


def test_status_values_are_the_documented_five():
    assert [s.value for s in Status] == ["graded", "timeout", "memory", "crashed", "invalid"]
