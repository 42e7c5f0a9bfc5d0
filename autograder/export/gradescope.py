"""``--format gradescope``: a CSV for Gradescope's "upload scores" of an assignment.

Gradescope matches each row to a roster student by ``Email`` or ``SID`` and reads the points
from ``Total Score``; ``Name`` is for people. Both come from the Gradescope export's
``submission_metadata.yml`` (every member of a group submission gets a row), or, with
``--roster``, from the course roster Gradescope exports (``SID``, ``Email`` and ``Name`` or
``First Name``/``Last Name``), matched by SID or e-mail.
"""

from __future__ import annotations

from pathlib import Path

from autograder.export.common import Export, grade_text, label
from autograder.gradebook.tables import read_table
from autograder.gradebook.tally import FinalGrade, Gradebook

HEADER = ["Name", "SID", "Email", "Total Score"]


def rows(book: Gradebook, *, title: str, roster: Path | None, column: str | None) -> Export:
    del title, column  # the upload goes to the assignment it is made from
    export = Export([HEADER])
    # only Gradescope's own identities (its metadata's SID and e-mail) match its roster
    ours = [g for g in book.grades if g.who.lms == "gradescope"]
    by_sid = {g.who.sid: g for g in ours if g.who.sid}
    by_email = {g.who.email.casefold(): g for g in ours if g.who.email}
    if roster is None:
        for g in book.grades:
            if g.who.lms != "gradescope":
                export.not_in_roster.append(f"{label(g)}: not from a Gradescope export")
                continue
            if not (g.who.sid or g.who.email):
                export.not_in_roster.append(f"{label(g)}: no SID or e-mail to match on")
                continue
            export.rows.append([g.who.name, g.who.sid, g.who.email, grade_text(g, export)])
        return export
    table = read_table(roster, what="Gradescope roster")
    if "SID" not in table.header and "Email" not in table.header:
        raise table.error(None, "not a Gradescope roster: no column 'SID' or 'Email'")
    matched = set()
    for row in table.rows:
        sid, email = row.get("SID", ""), row.get("Email", "")
        name = row.get("Name") or " ".join(
            p for p in (row.get("First Name", ""), row.get("Last Name", "")) if p
        )
        grade: FinalGrade | None = by_sid.get(sid) if sid else None
        grade = grade or (by_email.get(email.casefold()) if email else None)
        if grade is None:
            export.no_submission.append(f"{name} ({sid or email})")
        else:
            matched.add(grade.who.key)
        export.rows.append([name, sid, email, grade_text(grade, export)])
    export.not_in_roster = [label(g) for g in book.grades if g.who.key not in matched]
    return export
