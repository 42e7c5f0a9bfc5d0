"""``autograder export``: turn a grading output folder into a gradebook upload.

Reads ``grades.csv`` (or, without it, ``results/*.json``) from the folder ``autograder grade``
wrote, keeps each student's best submission, and writes one CSV in the chosen format, atomically
(``FILE.tmp`` then a rename), so an interrupted export never leaves half a file to upload.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder import paths
from autograder.config import load_config
from autograder.errors import UsageError
from autograder.export import canvas, csv_format, gradescope
from autograder.export.gradebook import best_per_student, load_submissions
from autograder.files import write_csv

FORMATS = {"canvas": canvas, "gradescope": gradescope, "csv": csv_format}


def main(
    *,
    out: str,
    format: str,
    from_dir: str | None = None,
    assignment: str | None = None,
    config: str | None = None,
) -> int:
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    if from_dir is None and assignment is None:
        raise UsageError("say which grades to export: --from DIR or --assignment NAME (or both)")
    folder = Path(from_dir) if from_dir else paths.GRADES_DIR / assignment
    if assignment is not None:
        spec = load_config(config).assignment(assignment)  # ConfigError: unknown assignment
        title = spec.title or spec.name
    elif format == "canvas":
        title = _title_of_folder(folder, config)
    else:
        title = folder.name
    submissions = load_submissions(folder)
    students = best_per_student(submissions)
    target = Path(out)
    write_csv(target, FORMATS[format].rows(students, title=title))
    print(f"wrote {target}: {format}, {len(students)} students from {len(submissions)} submissions")
    several = [g.student for g in students if g.others]
    if several:
        print(f"kept the best of several submissions for: {', '.join(several)}")
    ungraded = [f"{g.student} ({g.best.status})" for g in students if g.best.status != "graded"]
    if ungraded:
        print(
            f"autograder: not graded, exported with the score they got: {', '.join(ungraded)}",
            file=sys.stderr,
        )
    return 0


def _title_of_folder(folder: Path, config: str | None) -> str:
    """Without --assignment: the folder's name is the assignment's when it is a configured one."""
    spec = load_config(config).assignments.get(folder.name)
    return (spec.title or spec.name) if spec else folder.name
