"""What people add to a grading folder, each in its own CSV the kit never overwrites:

- ``manual.csv``: points for the questions graded by hand (``autograder review`` lists them);
- ``overrides.csv``: hand corrections of a question or of the total, each with its reason;
- ``submitted_at.csv``: submission times, when the LMS's download does not carry them.

Students are named by the key in ``grades.csv`` (``canvas:123``, ``moodle:45``, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from autograder.files import write_csv
from autograder.gradebook.tables import Table, read_table, spreadsheet_text
from autograder.times import iso, parse_time

MANUAL_FILE = "manual.csv"
OVERRIDES_FILE = "overrides.csv"
TIMES_FILE = "submitted_at.csv"
MANUAL_COLUMNS = ("student", "question", "points", "comment")
OVERRIDE_COLUMNS = ("student", "question", "points", "reason")
TIMES_COLUMNS = ("student", "submitted_at")
TOTAL = "total"


@dataclass(frozen=True)
class Mark:
    """Points a person gave, with their comment or reason and where they wrote it."""

    points: float
    text: str
    where: str


def read_manual(
    folder: Path, *, students: set[str], manual: dict[str, float]
) -> dict[tuple[str, str], Mark]:
    """(student, question) -> points from ``manual.csv``; rows with empty points are
    questions not graded yet."""
    path = folder / MANUAL_FILE
    if not path.exists():
        return {}
    table = read_table(path, required=MANUAL_COLUMNS[:3], what="manual scores file")
    marks = {}
    for row in table.rows:
        if not row["points"]:
            continue
        student, question = _student(table, row, students), spreadsheet_text(row["question"])
        if question not in manual:
            known = ", ".join(manual) or "none"
            raise table.error(row, f"{question!r} is not a manual question (those are: {known})")
        marks[_unique(table, row, marks, student, question)] = Mark(
            _points(table, row, manual[question]), spreadsheet_text(row.get("comment", "")),
            f"{path.name}:{row['__line__']}",
        )  # fmt: skip
    return marks


def read_overrides(
    folder: Path, *, students: set[str], possible: dict[str, float]
) -> dict[tuple[str, str], Mark]:
    """(student, question or ``total``) -> corrected points, each with a reason."""
    path = folder / OVERRIDES_FILE
    if not path.exists():
        return {}
    table = read_table(path, required=OVERRIDE_COLUMNS, what="overrides file")
    marks = {}
    for row in table.rows:
        student, question = _student(table, row, students), spreadsheet_text(row["question"])
        if question != TOTAL and question not in possible:
            raise table.error(
                row, f"{question!r} is neither a question of this assignment nor {TOTAL!r}"
            )
        limit = sum(possible.values()) if question == TOTAL else possible[question]
        reason = spreadsheet_text(row["reason"])
        if not reason:
            raise table.error(row, "an override needs a reason (the student will read it)")
        marks[_unique(table, row, marks, student, question)] = Mark(
            _points(table, row, limit), reason, f"{path.name}:{row['__line__']}"
        )
    return marks


def ensure_overrides_file(folder: Path) -> None:
    """An empty ``overrides.csv`` (header only) for the TA to fill; never replaces one."""
    path = folder / OVERRIDES_FILE
    if not path.exists():
        write_csv(path, [list(OVERRIDE_COLUMNS)])


def read_times(path: Path, timezone: str) -> dict[str, str]:
    """Submission times from a ``student,submitted_at`` CSV (student: the kit's key or the
    LMS's id) or a Moodle grading worksheet (``Identifier``, ``Last modified (submission)``)."""
    table = read_table(path, what="submission times file")
    if "Identifier" in table.header and "Last modified (submission)" in table.header:
        key_column, time_column = "Identifier", "Last modified (submission)"
    elif all(c in table.header for c in TIMES_COLUMNS):
        key_column, time_column = TIMES_COLUMNS
    else:
        raise table.error(None, "not a submission times file: expected the columns "
                          "student,submitted_at or a Moodle grading worksheet")  # fmt: skip
    times = {}
    for row in table.rows:
        key, moment = row[key_column], row[time_column]
        if key_column == "Identifier":
            key = f"moodle:{moodle_participant(table, row)}"
        if not key or moment in ("", "-"):
            continue
        try:
            times[key] = iso(parse_time(moment, timezone))
        except ValueError as exc:
            raise table.error(row, str(exc)) from None
    return times


def moodle_participant(table: Table, row: dict[str, str]) -> str:
    """N of a Moodle worksheet's ``Identifier`` (``Participant N``, worded in the site's
    language): the number the submission download's folder names carry."""
    number = row["Identifier"].rsplit(" ", 1)[-1]
    if not number.isdigit():
        raise table.error(row, f"{row['Identifier']!r} is not Moodle's 'Participant N'")
    return number


def _student(table: Table, row: dict[str, str], students: set[str]) -> str:
    student = spreadsheet_text(row["student"])
    if student not in students:
        raise table.error(row, f"no graded student {student!r} (use the key from grades.csv)")
    return student


def _unique(table: Table, row: dict, marks: dict, student: str, question: str) -> tuple[str, str]:
    if (student, question) in marks:
        raise table.error(row, f"a second row for {student} {question}")
    return student, question


def _points(table: Table, row: dict[str, str], limit: float) -> float:
    try:
        points = float(row["points"])
    except ValueError:
        raise table.error(row, f"points {row['points']!r} is not a number") from None
    if not math.isfinite(points) or not 0 <= points <= limit + 1e-9:
        raise table.error(row, f"points {row['points']} is outside 0..{limit:g}")
    return points


def merge_times(folder: Path, times: dict[str, str], timezone: str) -> None:
    """Add submission times to the folder's ``submitted_at.csv`` (newer entries win)."""
    path = folder / TIMES_FILE
    known = read_times(path, timezone) if path.exists() else {}
    merged = {**known, **times}
    write_csv(path, [list(TIMES_COLUMNS), *([k, merged[k]] for k in sorted(merged))])
