"""The one typed result of grading a submission, and its Gradescope ``results.json`` form.

Every writer (results, feedback, grades.csv, summary) and the exporter read this model; nothing
passes result dicts around. ``results/<id>.json`` follows Gradescope's results.json spec, with the
kit's own details under ``extra_data`` and no host paths anywhere.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

from autograder.errors import GradesError

SCHEMA = 2  # 2: identity, build fingerprint and written answers
MAX_ANSWER_CHARS = 20_000  # one written (manual) answer as kept in a result
AFTER_LAST_CELL = -1  # SubmissionResult.stopped_in: stopped after every cell had run


class Status(enum.StrEnum):
    """How a submission's grading ended."""

    GRADED = "graded"  # it ran and was scored (cells may still have failed)
    TIMEOUT = "timeout"  # the whole run passed its wall-clock limit
    MEMORY = "memory"  # it hit its memory limit
    CRASHED = "crashed"  # the run or its scoring ended abnormally
    INVALID = "invalid"  # not a usable notebook for this assignment


@dataclass(frozen=True)
class Identity:
    """Who handed a submission in, as the LMS knows them: never a slug of the name.

    ``key`` groups a student's submissions and matches roster rows: ``canvas:<user id>``,
    ``moodle:<participant id>``, ``gradescope:<sid or email>``, or ``file:<stem>`` when the
    file's name follows no known layout. ``group`` lists the other members of a group
    submission (Gradescope), who get the same grade.
    """

    key: str
    name: str  # display name, full Unicode ("" unknown)
    lms: str = "file"  # canvas | moodle | gradescope | file
    lms_id: str = ""
    email: str = ""
    sid: str = ""
    submitted_at: str = ""  # ISO 8601 with its UTC offset; "" unknown
    late: bool = False  # the LMS marked the file late (Canvas ``_LATE_``)
    sequence: int = 0  # the LMS's order of a student's files (Canvas attachment id)
    group: tuple[Identity, ...] = ()

    def to_json(self) -> dict:
        return {
            "key": self.key, "name": self.name, "lms": self.lms, "lms_id": self.lms_id,
            "email": self.email, "sid": self.sid, "submitted_at": self.submitted_at,
            "late": self.late, "sequence": self.sequence,
            "group": [member.to_json() for member in self.group],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any, depth: int = 0) -> Identity:
        if not isinstance(data, dict) or depth > 1:
            raise TypeError("an identity must be an object (groups do not nest)")
        sequence = data.get("sequence", 0)
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise TypeError(f"expected a whole number, got {sequence!r}")
        return cls(
            key=_str(data["key"]), name=_str(data.get("name", "")),
            lms=_str(data.get("lms", "file")), lms_id=_str(data.get("lms_id", "")),
            email=_str(data.get("email", "")), sid=_str(data.get("sid", "")),
            submitted_at=_str(data.get("submitted_at", "")), late=data.get("late") is True,
            sequence=sequence,
            group=tuple(cls.from_json(m, depth + 1) for m in _list(data.get("group", []))),
        )  # fmt: skip


@dataclass(frozen=True)
class CaseResult:
    """One test case of a question. A hidden case's message is its hint and, when it failed,
    what it found in the student's terms (never the test's code or a value it compares with)."""

    name: str
    hidden: bool
    passed: bool
    points: float | None = None
    message: str = ""


@dataclass(frozen=True)
class QuestionResult:
    name: str
    score: float
    possible: float
    cases: tuple[CaseResult, ...] = ()
    note: str = ""  # why there is no case (e.g. the run timed out)

    @property
    def full_marks(self) -> bool:
        return self.possible > 0 and self.score >= self.possible - 1e-9

    def text(self) -> str:
        """Plain text for a person: each case's outcome, public failures with their message."""
        if not self.cases:
            return self.note
        lines = []
        for case in self.cases:
            mark = "passed" if case.passed else "failed"
            kind = "hidden" if case.hidden else "public"
            lines.append(f"- {kind} test {case.name}: {mark}")
            if not case.passed and case.message:
                lines.append("  " + case.message.replace("\n", "\n  "))
        return "\n".join(lines)


@dataclass(frozen=True)
class CellReport:
    """How one code cell of the notebook ran in the sandbox (index counts code cells from 0)."""

    index: int
    status: str  # ok | error | timeout | exit
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class SubmissionResult:
    submission: str  # unique, file-name safe id in this batch
    who: Identity
    file: str  # the name it was handed in under, never a host folder
    fingerprint: str  # sha256 of the file's bytes
    status: Status
    reason: str = ""
    questions: dict[str, QuestionResult] = field(default_factory=dict)  # in notebook order
    cells: tuple[CellReport, ...] = ()
    seconds: float = 0.0
    sandbox_seconds: float | None = None
    startup_seconds: float | None = None  # waiting for its lane's template and worker to start
    peak_mb: float | None = None
    isolation: str | None = None
    build: str = ""  # fingerprint of the build (tests and plan) it was graded with
    term: str = ""  # the build's term
    assignment: str = ""  # the assignment it was graded as ("" in results of older kits)
    answers: dict[str, str] = field(default_factory=dict)  # manual question -> written answer
    # a run stopped for time or memory: the code cell it was in (index from 0, as in cells;
    # AFTER_LAST_CELL: every cell had run, the grader was taking its answers); None: not known
    stopped_in: int | None = None

    @property
    def student(self) -> str:
        return self.who.key

    @property
    def total(self) -> float:
        return round(sum(q.score for q in self.questions.values()), 4)

    @property
    def possible(self) -> float:
        return round(sum(q.possible for q in self.questions.values()), 4)

    @classmethod
    def ungraded(
        cls,
        *,
        submission: str,
        who: Identity,
        file: str,
        fingerprint: str,
        status: Status,
        reason: str,
        possible: dict[str, float],
        **details: Any,
    ) -> SubmissionResult:
        """A result without scores: every question 0 of its points, with the reason."""
        questions = {
            name: QuestionResult(name, 0.0, points, note=f"{status}: {reason}")
            for name, points in possible.items()
        }
        return cls(
            submission=submission,
            who=who,
            file=file,
            fingerprint=fingerprint,
            status=status,
            reason=reason,
            questions=questions,
            **details,
        )

    # ------------------------------------------------------------------ Gradescope results.json

    def to_gradescope(self) -> dict:
        tests = [
            {
                "name": q.name,
                "score": q.score,
                "max_score": q.possible,
                "output": q.text(),
                "visibility": "visible",
            }
            for q in self.questions.values()
        ]
        kit = {
            "schema": SCHEMA,
            "submission": self.submission,
            "identity": self.who.to_json(),
            "file": self.file,
            "fingerprint": self.fingerprint,
            "status": str(self.status),
            "reason": self.reason,
            "total": self.total,
            "possible": self.possible,
            "seconds": self.seconds,
            "sandbox_seconds": self.sandbox_seconds,
            "startup_seconds": self.startup_seconds,
            "peak_mb": self.peak_mb,
            "isolation": self.isolation,
            "build": self.build,
            "term": self.term,
            "assignment": self.assignment,
            "answers": self.answers,
            "stopped_in": self.stopped_in,
            "cells": [
                {"index": c.index, "status": c.status, "error": c.error, "seconds": c.seconds}
                for c in self.cells
            ],
            "questions": {
                q.name: {
                    "note": q.note,
                    "cases": [
                        {
                            "name": c.name,
                            "hidden": c.hidden,
                            "passed": c.passed,
                            "points": c.points,
                            "message": c.message,
                        }
                        for c in q.cases
                    ],
                }
                for q in self.questions.values()
            },
        }
        return {
            "score": self.total,
            "execution_time": self.seconds,
            "output": f"{self.status}: {self.reason}" if self.reason else str(self.status),
            "tests": tests,
            "extra_data": {"kit": kit},
        }

    @classmethod
    def from_gradescope(cls, data: Any) -> SubmissionResult:
        """Read back a results.json the kit wrote; GradesError if it is not one."""
        try:
            kit = data["extra_data"]["kit"]
            if kit.get("schema") != SCHEMA:
                raise ValueError(f"schema {kit.get('schema')!r}, expected {SCHEMA}")
            questions = {}
            for test in data["tests"]:
                name = _str(test["name"])
                detail = kit["questions"].get(name, {})
                cases = tuple(
                    CaseResult(
                        name=_str(c["name"]),
                        hidden=bool(c["hidden"]),
                        passed=bool(c["passed"]),
                        points=None if c.get("points") is None else _num(c["points"]),
                        message=_str(c.get("message", "")),
                    )
                    for c in detail.get("cases", [])
                )
                questions[name] = QuestionResult(
                    name, _num(test["score"]), _num(test["max_score"]), cases,
                    note=_str(detail.get("note", "")),
                )  # fmt: skip
            cells = tuple(
                CellReport(int(c["index"]), _str(c["status"]), _str(c.get("error", "")),
                           _num(c.get("seconds", 0)))
                for c in kit.get("cells", [])
            )  # fmt: skip
            return cls(
                submission=_str(kit["submission"]),
                who=Identity.from_json(kit["identity"]),
                file=_str(kit["file"]),
                fingerprint=_str(kit["fingerprint"]),
                status=Status(kit["status"]),
                reason=_str(kit.get("reason", "")),
                questions=questions,
                cells=cells,
                seconds=_num(kit.get("seconds", 0)),
                sandbox_seconds=_opt_num(kit.get("sandbox_seconds")),
                startup_seconds=_opt_num(kit.get("startup_seconds")),
                peak_mb=_opt_num(kit.get("peak_mb")),
                isolation=kit.get("isolation") if isinstance(kit.get("isolation"), str) else None,
                build=_str(kit.get("build", "")),
                term=_str(kit.get("term", "")),
                assignment=_str(kit.get("assignment", "")),
                answers={
                    _str(q): _str(text)[:MAX_ANSWER_CHARS]
                    for q, text in _dict(kit.get("answers", {})).items()
                },
                stopped_in=_opt_index(kit.get("stopped_in")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GradesError(f"not a kit result ({type(exc).__name__}: {exc})") from None


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _opt_index(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < AFTER_LAST_CELL:
        raise TypeError(f"expected a cell index, got {value!r}")
    return value


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)
