"""``--format csv``: one row per student, for the course's own records."""

from __future__ import annotations

from pathlib import Path

from autograder.export.common import Export, grade_text, number, percent
from autograder.gradebook.tally import Gradebook

HEADER = ["student", "name", "submission", "total", "possible", "percent", "status", "pending",
          "late_penalty", "corrections", "note"]  # fmt: skip


def rows(book: Gradebook, *, title: str, roster: Path | None, column: str | None) -> Export:
    del title, roster, column  # a plain table needs none of them
    export = Export([HEADER])
    for g in book.grades:
        total = grade_text(g, export)
        export.rows.append(
            [
                g.who.key, g.who.name, g.result.submission, total, number(g.possible),
                percent(g.total, g.possible) if g.total is not None else "",
                str(g.result.status), " ".join(g.pending), number(g.penalty) if g.penalty else "",
                "; ".join(g.adjustments), g.others_note,
            ]
        )  # fmt: skip
    return export
