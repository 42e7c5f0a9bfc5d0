"""``--format canvas``: the gradebook export the TA downloaded from Canvas, filled in.

Canvas imports (Grades > Import) the layout of its own export: ``Student, ID, SIS User ID,
SIS Login ID, Section`` (some instances add ``Integration ID``, ``Root Account``), then one
column per assignment named ``Title (assignment id)``, a ``Points Possible`` row, then one row
per student. Rows are matched to students by ``ID`` (the Canvas user id, which is also the
number in the submission download's file names), and only for files in Canvas's layout: a file
named some other way (or by another LMS) is never matched to a row, however its name reads;
columns by the id in parentheses. The kit
keeps the identity columns of the roster, fills the assignment's column (the roster's column
named after the assignment's title or name, or ``--column``), or adds one without an id, which
Canvas offers to create as a new assignment. Other assignments' columns are left out, so
nothing else in the gradebook can change.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.errors import GradesError, UsageError
from autograder.export.common import Export, grade_text, label, number
from autograder.gradebook.tables import read_table
from autograder.gradebook.tally import Gradebook

ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account",
              "Section"]  # fmt: skip
REQUIRED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"


def rows(book: Gradebook, *, title: str, roster: Path | None, column: str | None) -> Export:
    if roster is None:
        raise UsageError("--format canvas needs --roster: the gradebook CSV exported from Canvas")
    table = read_table(roster, required=REQUIRED, what="Canvas gradebook export")
    target = _column(table.header, title, book.assignment.name, column, roster)
    identity = [c for c in table.header if c in ID_COLUMNS]
    export = Export([[*identity, target]])
    export.rows.append([POINTS_POSSIBLE, *[""] * (len(identity) - 1), number(book.possible)])
    # only Canvas's own identities: a name the student typed never chooses a row
    grades = {g.who.lms_id: g for g in book.grades if g.who.lms == "canvas" and g.who.lms_id}
    matched = set()
    for row in table.rows:
        if row["Student"].strip() == "Points Possible" or row["Student"].startswith("    "):
            continue
        grade = grades.get(row["ID"].strip())
        if grade is None:
            export.no_submission.append(f"{row['Student']} (ID {row['ID']})")
        else:
            matched.add(grade.who.key)
        export.rows.append([*(row[c] for c in identity), grade_text(grade, export)])
    export.not_in_roster = [label(g) for g in book.grades if g.who.key not in matched]
    if not re.search(r"\(\d+\)$", target):
        export.notes.append(
            f"column {target!r} has no Canvas assignment id: Canvas will offer to create a new "
            "assignment (pass --column with the existing column's name to fill that one)"
        )
    return export


def _column(header: list[str], title: str, name: str, column: str | None, roster: Path) -> str:
    if column is not None:
        return column
    candidates = [
        h for h in header
        if re.fullmatch(rf"(?:{re.escape(title)}|{re.escape(name)}) \(\d+\)", h)
    ]  # fmt: skip
    if len(candidates) > 1:
        raise GradesError(
            f"{roster}: several columns fit the assignment ({', '.join(candidates)}): "
            "choose one with --column"
        )
    return candidates[0] if candidates else title
