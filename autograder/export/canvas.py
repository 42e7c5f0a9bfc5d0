"""``--format canvas``: a CSV for Canvas's gradebook import (Grades > Import).

Canvas imports the layout its own gradebook export has: the header
``Student,ID,SIS User ID,SIS Login ID,Section,<assignment columns>``, then a ``Points Possible``
row, then one row per student. Canvas matches a row to a student by its ID, SIS User ID, SIS
Login ID or name, and an assignment column by the Canvas id in ``Title (id)``; a column without
an id is offered as a new assignment of that name. The kit knows neither Canvas user ids
nor assignment ids, so the ID, SIS User ID and Section columns stay empty, ``SIS Login ID`` holds
the kit's student id (from the submission's file name), and the score column is named after the
assignment title in grading.toml. ``    Points Possible`` (with the leading spaces) is spelled as
in Canvas's exports.

Written from Canvas's published description of the import file and the layout of its exports
(institutional guides; Instructure's own pages could not be consulted here): check a first
import's preview screen, where Canvas lists the students and columns it could not match.
"""

from __future__ import annotations

from autograder.export.gradebook import StudentGrade, number

ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"


def rows(students: list[StudentGrade], *, title: str) -> list[list[str]]:
    possible = max((g.best.possible for g in students), default=0.0)
    return [
        [*ID_COLUMNS, title],
        [POINTS_POSSIBLE, "", "", "", "", number(possible)],
        *([g.student, "", "", g.student, "", number(g.best.total)] for g in students),
    ]
