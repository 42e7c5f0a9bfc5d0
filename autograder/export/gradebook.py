"""Read a grading output folder and keep one submission per student.

``grades.csv`` is the source when it exists: it lists exactly the batch's submissions and is the
file a TA reads (and may correct by hand). Without it (a batch stopped before writing it), the
``results/*.json`` finished so far are read instead, through the typed result model.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import GradesError
from autograder.results import SubmissionResult

COLUMNS = ("submission", "student", "total", "possible", "status")


NoGrades = GradesError  # the folder holds nothing to export; the message says what is missing


@dataclass(frozen=True)
class Submission:
    submission: str
    student: str
    total: float
    possible: float
    status: str


@dataclass(frozen=True)
class StudentGrade:
    """A student's kept (best) submission, and the others they handed in."""

    student: str
    best: Submission
    others: tuple[Submission, ...] = ()

    @property
    def note(self) -> str:
        if not self.others:
            return ""
        dropped = ", ".join(
            f"{s.submission} ({number(s.total)}/{number(s.possible)}, {s.status})"
            for s in self.others
        )
        return (
            f"best of {len(self.others) + 1} submissions: kept {self.best.submission}; "
            f"dropped {dropped}"
        )


def number(value: float) -> str:
    """A score as a gradebook wants it: at most 4 decimals, no trailing zeros ("4.5", "25")."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(total: float, possible: float) -> str:
    return f"{100 * total / possible:.2f}" if possible > 0 else ""


def load_submissions(folder: Path) -> list[Submission]:
    if not folder.is_dir():
        raise NoGrades(
            f"no grading output folder {folder}: run `autograder grade` first, "
            "or point --from at the folder it wrote"
        )
    table = folder / "grades.csv"
    if table.is_file():
        submissions = _from_table(table)
    else:
        files = sorted((folder / "results").glob("*.json"))
        if not files:
            raise NoGrades(
                f"no grades in {folder}: neither grades.csv nor results/*.json "
                "(run `autograder grade` first)"
            )
        submissions = [_from_result(f) for f in files]
    if not submissions:
        raise NoGrades(f"no grades in {folder}: {table.name} lists no submission")
    return submissions


def _from_table(path: Path) -> list[Submission]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise NoGrades(f"{path} is not a grades.csv: no column {', '.join(missing)}")
        rows = list(reader)
    try:
        return [
            Submission(
                submission=row["submission"],
                student=row["student"],
                total=float(row["total"]),
                possible=float(row["possible"]),
                status=row["status"],
            )
            for row in rows
        ]
    except (TypeError, ValueError) as exc:
        raise NoGrades(f"{path}: a total or possible is not a number ({exc})") from None


def _from_result(path: Path) -> Submission:
    try:
        result = SubmissionResult.from_gradescope(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, GradesError) as exc:
        raise NoGrades(f"{path} is not a graded result ({exc})") from None
    return Submission(
        submission=result.submission,
        student=result.student,
        total=result.total,
        possible=result.possible,
        status=str(result.status),
    )


def best_per_student(submissions: list[Submission]) -> list[StudentGrade]:
    """One entry per student, sorted by student: the highest total wins; on a tie a ``graded``
    submission beats one that is not, then the first submission name."""
    by_student: dict[str, list[Submission]] = {}
    for s in submissions:
        by_student.setdefault(s.student, []).append(s)
    grades = []
    for student, subs in by_student.items():
        ranked = sorted(subs, key=lambda s: (-s.total, s.status != "graded", s.submission))
        grades.append(StudentGrade(student, ranked[0], tuple(ranked[1:])))
    return sorted(grades, key=lambda g: (g.student.casefold(), g.student))
