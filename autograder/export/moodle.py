"""``--format moodle``: Moodle's offline grading worksheet, filled in.

The worksheet (Assignment > Grading action > Download grading worksheet) has the columns
``Identifier`` (``Participant N``; N is also in the submission download's folder names),
``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``, ``Grade can be
changed``, ``Last modified (submission)``, ``Last modified (grade)`` and ``Feedback comments``
(when feedback comments are enabled). The kit keeps every column and row, and fills ``Grade``
(scaled to ``Maximum Grade`` when Moodle's maximum differs from the assignment's points) and
``Feedback comments``; Moodle's "Upload grading worksheet" imports it.
"""

from __future__ import annotations

from pathlib import Path

from autograder.errors import UsageError
from autograder.export.common import Export, comment, grade_text, label, number
from autograder.gradebook.corrections import moodle_participant
from autograder.gradebook.tables import read_table
from autograder.gradebook.tally import Gradebook

REQUIRED = ("Identifier", "Full name", "Grade", "Maximum Grade")
FEEDBACK = "Feedback comments"


def rows(book: Gradebook, *, title: str, roster: Path | None, column: str | None) -> Export:
    del title, column  # the worksheet belongs to one assignment already
    if roster is None:
        raise UsageError("--format moodle needs --roster: the grading worksheet from Moodle")
    table = read_table(roster, required=REQUIRED, what="Moodle grading worksheet")
    header = table.header if FEEDBACK in table.header else [*table.header, FEEDBACK]
    export = Export([header])
    # only Moodle's own identities (its folders' participant ids) match its worksheet
    grades = {g.who.lms_id: g for g in book.grades if g.who.lms == "moodle" and g.who.lms_id}
    matched, scaled = set(), set()
    for row in table.rows:
        grade = grades.get(moodle_participant(table, row))
        cells = dict(row)
        if grade is None:
            export.no_submission.append(f"{row['Full name']} ({row['Identifier']})")
        else:
            matched.add(grade.who.key)
            text = grade_text(grade, export)
            maximum = _maximum(row, table)
            if text and maximum is not None and abs(maximum - grade.possible) > 1e-9:
                text = number(float(text) * maximum / grade.possible)
                scaled.add(f"{number(grade.possible)} -> {number(maximum)}")
            cells["Grade"] = text
            cells[FEEDBACK] = comment(grade)
        export.rows.append([cells.get(h, "") for h in header])
    export.not_in_roster = [label(g) for g in book.grades if g.who.key not in matched]
    if scaled:
        export.notes.append(
            f"grades scaled to Moodle's maximum grade ({', '.join(sorted(scaled))})"
        )
    return export


def _maximum(row: dict[str, str], table) -> float | None:
    text = row["Maximum Grade"].replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise table.error(row, f"Maximum Grade {row['Maximum Grade']!r} is not a number") from None
    return value if value > 0 else None
