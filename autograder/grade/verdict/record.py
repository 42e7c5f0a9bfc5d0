"""The verdict as a typed record: what the trusted scoring hands the pipeline (stage 4 -> 5).

``verdict.score`` writes it (``to_json``) in its jail; the host reads it back (``from_json``)
strictly, as it reads a results.json: a field of the wrong type, an unknown field or a size past
its bound refuses the whole verdict, which the pipeline records as ``crashed`` with the reason,
never as a half-read score. A verdict is either scores (``questions``, the sandbox's ``cells``
and ``notes``) or a ``refused`` reason, never both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_QUESTIONS = 500
MAX_CASES = 500
MAX_CELLS = 100_000
MAX_NOTES = 10
MAX_TEXT = 8_000
MAX_NAME = 200


class BadVerdict(ValueError):
    """A verdict that does not follow its schema; the message says where."""


@dataclass(frozen=True)
class CaseVerdict:
    """One test case: hidden or public, passed or not, its stated points (None: an equal
    share), and what the student is shown (a hidden case's hint and finding, never its code)."""

    name: str
    hidden: bool
    passed: bool
    points: float | None
    message: str = ""


@dataclass(frozen=True)
class QuestionVerdict:
    score: float
    possible: float
    cases: tuple[CaseVerdict, ...] = ()


@dataclass(frozen=True)
class CellVerdict:
    """How one code cell ran, as the sandbox reported it (schema-checked there already)."""

    index: int
    status: str
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Verdict:
    questions: Mapping[str, QuestionVerdict] = field(default_factory=dict)
    cells: tuple[CellVerdict, ...] = ()
    notes: tuple[str, ...] = ()
    refused: str | None = None

    @classmethod
    def refusal(cls, reason: str) -> Verdict:
        """No score: why the answer could not be scored (the submission becomes ``crashed``)."""
        return cls(refused=str(reason)[:MAX_TEXT])

    def to_json(self) -> dict[str, Any]:
        if self.refused is not None:
            return {"refused": self.refused}
        return {
            "questions": {
                name: {**asdict(q), "cases": [asdict(c) for c in q.cases]}
                for name, q in self.questions.items()
            },
            "cells": [asdict(c) for c in self.cells],
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        """The record from plain data, checked field by field (raises ``BadVerdict``)."""
        _expect(isinstance(data, dict), "not an object")
        if "refused" in data:
            _expect(set(data) == {"refused"}, "a refusal with other fields")
            return cls.refusal(_text(data["refused"], "refused"))
        _expect(set(data) <= {"questions", "cells", "notes"}, "unknown fields")
        questions = data.get("questions", {})
        _expect(isinstance(questions, dict) and len(questions) <= MAX_QUESTIONS, "questions")
        cells = data.get("cells", [])
        _expect(isinstance(cells, list) and len(cells) <= MAX_CELLS, "cells")
        notes = data.get("notes", [])
        _expect(isinstance(notes, list) and len(notes) <= MAX_NOTES, "notes")
        return cls(
            questions={
                _text(name, "a question's name", MAX_NAME): _question(q, name)
                for name, q in questions.items()
            },
            cells=tuple(_cell(c) for c in cells),
            notes=tuple(_text(n, "a note", MAX_NAME) for n in notes),
        )


def _question(data: Any, name: str) -> QuestionVerdict:
    _expect(isinstance(data, dict) and set(data) <= {"score", "possible", "cases"}, name)
    cases = data.get("cases", [])
    _expect(isinstance(cases, list) and len(cases) <= MAX_CASES, f"{name}: cases")
    return QuestionVerdict(
        score=_number(data.get("score"), f"{name}: score"),
        possible=_number(data.get("possible"), f"{name}: possible"),
        cases=tuple(_case(c, name) for c in cases),
    )


def _case(data: Any, question: str) -> CaseVerdict:
    where = f"{question}: a case"
    _expect(isinstance(data, dict), where)
    _expect(set(data) <= {"name", "hidden", "passed", "points", "message"}, where)
    points = data.get("points")
    return CaseVerdict(
        name=_text(data.get("name"), f"{where}'s name", MAX_NAME),
        hidden=_flag(data.get("hidden"), f"{where}'s hidden"),
        passed=_flag(data.get("passed"), f"{where}'s passed"),
        points=None if points is None else _number(points, f"{where}'s points"),
        message=_text(data.get("message", ""), f"{where}'s message"),
    )


def _cell(data: Any) -> CellVerdict:
    _expect(isinstance(data, dict), "a cell")
    _expect(set(data) <= {"index", "status", "error", "seconds"}, "a cell's fields")
    index = data.get("index")
    _expect(isinstance(index, int) and not isinstance(index, bool) and index >= 0, "a cell index")
    return CellVerdict(
        index=index,
        status=_text(data.get("status"), "a cell's status", 20),
        error=_text(data.get("error", ""), "a cell's error"),
        seconds=_number(data.get("seconds", 0.0), "a cell's seconds"),
    )


def _text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    _expect(isinstance(value, str), f"{where} is not text")
    return value[:limit]


def _number(value: Any, where: str) -> float:
    _expect(isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: a number")
    _expect(math.isfinite(value), f"{where}: not finite")
    return float(value)


def _flag(value: Any, where: str) -> bool:
    _expect(isinstance(value, bool), f"{where}: true or false")
    return value


def _expect(condition: bool, where: str) -> None:
    if not condition:
        raise BadVerdict(f"the verdict is malformed ({where})")
