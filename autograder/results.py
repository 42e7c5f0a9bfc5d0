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

SCHEMA = 1


class Status(enum.StrEnum):
    """How a submission's grading ended."""

    GRADED = "graded"  # it ran and was scored (cells may still have failed)
    TIMEOUT = "timeout"  # the whole run passed its wall-clock limit
    MEMORY = "memory"  # it hit its memory limit
    CRASHED = "crashed"  # the run or its scoring ended abnormally
    INVALID = "invalid"  # not a usable notebook for this assignment


@dataclass(frozen=True)
class CaseResult:
    """One test case of a question; hidden cases carry no message beyond passed/failed."""

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
            if not case.hidden and not case.passed and case.message:
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
    student: str
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
        student: str,
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
            student=student,
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
            "student": self.student,
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
                student=_str(kit["student"]),
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
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GradesError(f"not a kit result ({type(exc).__name__}: {exc})") from None


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)
