"""The typed records at the pipeline's boundaries: each survives its own JSON round trip, and
each refuses data of the wrong shape as a whole (never a half-read record)."""

from __future__ import annotations

import json

import pytest

from autograder.grade.protocol import Request
from autograder.grade.verdict.record import (
    BadVerdict,
    CaseVerdict,
    CellVerdict,
    QuestionVerdict,
    Verdict,
)
from autograder.grade.verdict.response import Answer, BadResponse

VERDICT = Verdict(
    questions={
        "q_model": QuestionVerdict(
            score=2.5,
            possible=3.0,
            cases=(
                CaseVerdict("q_model - 1", False, True, 0.0, "no points, for your information"),
                CaseVerdict("q_model - 2", True, False, None, "the hidden layer sizes are [300]"),
            ),
        )
    },
    cells=(CellVerdict(0, "ok", "", 0.5), CellVerdict(3, "error", "NameError: x", 0.0)),
    notes=("keras3",),
)


def test_a_verdict_survives_its_json_round_trip():
    assert Verdict.from_json(json.loads(json.dumps(VERDICT.to_json()))) == VERDICT
    refusal = Verdict.refusal("scoring its answer used over 2048 MB of memory")
    assert Verdict.from_json(refusal.to_json()) == refusal and refusal.questions == {}


@pytest.mark.parametrize(
    "breakage",
    [
        lambda v: v.update(extra=1),
        lambda v: v.update(refused="x"),  # a refusal never carries scores
        lambda v: v["questions"]["q_model"].update(score="2.5"),
        lambda v: v["questions"]["q_model"].update(score=float("nan")),
        lambda v: v["questions"]["q_model"]["cases"][0].update(passed=1),
        lambda v: v["questions"]["q_model"]["cases"][0].update(points=True),
        lambda v: v["questions"]["q_model"]["cases"][0].update(message=None),
        lambda v: v["cells"][0].update(index=-1),
        lambda v: v["cells"][0].update(index=True),
        lambda v: v.update(notes=["n"] * 11),
        lambda v: v.update(questions=[]),
    ],
)
def test_a_verdict_of_the_wrong_shape_is_refused_whole(breakage):
    data = VERDICT.to_json()
    breakage(data)
    with pytest.raises(BadVerdict, match="the verdict is malformed"):
        Verdict.from_json(data)


def test_a_verdicts_texts_are_bounded():
    data = VERDICT.to_json()
    data["questions"]["q_model"]["cases"][1]["message"] = "x" * 10**6
    read = Verdict.from_json(data)
    assert len(read.questions["q_model"].cases[1].message) <= 8_000


def test_a_request_survives_its_json_round_trip_and_refuses_the_wrong_shape():
    request = Request(
        notebook="submission.ipynb",
        fetch=("model", "X_train"),
        calls=({"function": "neuron", "args": [[1], {}], "key": "k"},),
        budget={"seed": 42, "max_epochs": 1},
        cell_timeout_s=30.0,
        timeout_s=180.0,
        skip_cells={"4": "stopped from outside"},
        skip_functions={"neuron": "stopped from outside"},
    )
    assert Request.from_json(json.loads(json.dumps(request.to_json()))) == request
    plain = Request("submission.ipynb")
    assert "skip_cells" not in plain.to_json()  # a first run names nothing to skip
    for broken in (
        {"fetch": ["x"]},  # no notebook
        {"notebook": "n", "fetch": [1]},
        {"notebook": "n", "calls": [{"function": "f"}]},  # a call without its key
        {"notebook": "n", "timeout_s": "180"},
        {"notebook": "n", "budget": {"seed": "42"}},
        {"notebook": "n", "unknown": 1},
    ):
        with pytest.raises(ValueError, match="the request is malformed"):
            Request.from_json(broken)


def test_an_answer_is_built_only_from_a_checked_response():
    answer = Answer.from_json(
        {"cells": [{"index": 0, "status": "ok"}], "values": {"x": 1}, "notes": ["keras3"]}
    )
    assert answer.values == {"x": 1} and answer.notes == ("keras3",) and answer.calls == {}
    with pytest.raises(BadResponse):
        Answer.from_json({"values": {"not an identifier": 1}})
