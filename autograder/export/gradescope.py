"""``--format gradescope``: a CSV for Gradescope's "upload scores" of an assignment.

Gradescope matches each row to a roster student by ``Email`` or ``SID`` and reads the points
from ``Total Score``; ``Name`` is for people. The kit has no e-mail addresses, so ``SID`` holds the
kit's student id (from the submission's file name): the roster's SIDs must be those ids.

Written from this description (Gradescope's help pages could not be consulted here): check the
preview Gradescope shows before it saves the scores.
"""

from __future__ import annotations

from autograder.export.gradebook import StudentGrade, number

HEADER = ["SID", "Name", "Total Score"]


def rows(students: list[StudentGrade], *, title: str) -> list[list[str]]:
    del title  # the upload goes to the assignment it is made from
    return [HEADER] + [[g.student, g.student, number(g.best.total)] for g in students]
