"""``autograder export``: turn a grading output folder into the LMS's import file.

Tallies the folder (results, manual scores, corrections, lateness; see ``gradebook``) and
writes one file in the chosen format, filled into the roster the TA downloaded from the LMS.
Everything is read and checked before anything is written, and the file is written atomically,
so an error never leaves half a file to upload.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.config import load_config
from autograder.errors import GradesError, UsageError
from autograder.export import canvas, csv_format, gradescope, moodle
from autograder.export.common import Export
from autograder.files import write_csv
from autograder.gradebook.tally import load_results, tally
from autograder.paths import default_out
from autograder.safetext import visible

FORMATS = {"canvas": canvas, "moodle": moodle, "gradescope": gradescope, "csv": csv_format}
MAX_LISTED = 20


def main(
    *,
    to: str | None = None,
    format: str,
    from_dir: str | None = None,
    assignment: str | None = None,
    roster: str | None = None,
    column: str | None = None,
    config: str | None = None,
) -> int:
    if not to:
        raise UsageError("say which file to write: --to FILE (the LMS's import file)")
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    if from_dir is None and assignment is None:
        raise UsageError("say which grades to export: --from DIR or --assignment NAME (or both)")
    cfg = load_config(config)
    folder = Path(from_dir) if from_dir else default_out(assignment or "")
    loaded = load_results(folder) if folder.is_dir() else None
    recorded = {r.assignment for r in loaded[0] if r.assignment} if loaded else set()
    if assignment and recorded - {assignment}:
        raise UsageError(f"{folder}: its results were graded as {', '.join(sorted(recorded))}, "
                         f"not {assignment}")  # fmt: skip
    if len(recorded) > 1:
        raise UsageError(f"{folder}: results of several assignments ({', '.join(sorted(recorded))})"
                         "; export each from its own folder")  # fmt: skip
    name = assignment or next(iter(recorded), folder.name)  # older results: the folder's name
    if name not in cfg.assignments:
        raise UsageError(f"{folder}: which assignment is this? pass --assignment NAME")
    spec = cfg.assignment(name)
    book = tally(folder, spec, loaded=loaded)
    if not book.grades:
        raise UsageError(f"no grades in {folder}: run `autograder grade` first")
    export = FORMATS[format].rows(
        book, title=spec.title or spec.name, roster=Path(roster) if roster else None,
        column=column,
    )  # fmt: skip
    if not export.exported:  # the lists say who; the error what to do
        _report(export)
        raise GradesError(f"no grade to export from {folder}: {_why_none(export, book, name)}")
    target = Path(to)
    write_csv(target, export.rows)
    print(f"wrote {target}: {format}, {export.exported} grades for {len(book.grades)} students")
    _report(export)
    return 0


def _why_none(export: Export, book, name: str) -> str:
    """Why nothing was exported, and what to do, in one line."""
    if export.pending and len(export.pending) + len(export.not_in_roster) >= len(book.grades):
        return (f"manual scores are missing for {len(export.pending)} student(s): run "
                f"`autograder review -a {name}`, fill manual.csv, then "
                f"`autograder tally -a {name}`")  # fmt: skip
    if export.not_in_roster:
        return (f"none of the {len(export.not_in_roster)} graded student(s) is in the roster: "
                "check that the roster is this course's and this LMS's (Canvas ids are "
                "matched with Canvas downloads, Moodle's with Moodle's)")  # fmt: skip
    return "no student has a final grade yet; see grades.csv's pending and status columns"


def _report(export: Export) -> None:
    def listed(items: list[str]) -> str:
        more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
        return visible("; ".join(items[:MAX_LISTED]) + more)

    for note in export.notes:
        print(f"note: {visible(note)}")
    if export.no_submission:
        print(f"in the roster, no submission (grade left empty): {listed(export.no_submission)}")
    if export.pending:
        print(
            f"manual scores missing (grade left empty): {listed(export.pending)}",
            file=sys.stderr,
        )
    if export.not_in_roster:
        print(f"graded, but not in the roster (not exported): {listed(export.not_in_roster)}",
              file=sys.stderr)  # fmt: skip
