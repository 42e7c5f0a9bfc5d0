"""``autograder review``: the manual questions' answers for a TA, and ``manual.csv`` to fill.

Writes ``review/<question>.html`` (one self-contained page per manual question, every counted
submission's answer) and ``manual.csv`` with a row per student and manual question. A
``manual.csv`` already there keeps every score and comment entered; new students get rows.
"""

from __future__ import annotations

from pathlib import Path

from autograder.config import load_config
from autograder.files import atomic_write_text, write_csv
from autograder.grade.answers import read_manual_questions
from autograder.gradebook.corrections import MANUAL_FILE
from autograder.gradebook.tables import read_table, spreadsheet_text
from autograder.gradebook.tally import tally
from autograder.paths import autograder_dir_for, default_out
from autograder.review.page import render

MANUAL_HEADER = ["student", "name", "submission", "question", "possible", "points", "comment"]


def main(*, assignment: str, from_dir: str | None = None, config: str | None = None) -> int:
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    folder = Path(from_dir) if from_dir else default_out(assignment)
    if not spec.manual:
        print(f"{assignment} has no manual questions (grading.toml: manual = [...])")
        return 0
    book = tally(folder, spec)
    prompts = {
        q["name"]: q["prompt"]
        for q in read_manual_questions(autograder_dir_for(cfg.course.term, assignment) / "plan")
    }
    pages = []
    for question, possible in spec.manual_points.items():
        page = folder / "review" / f"{question}.html"
        atomic_write_text(page, render(
            title=spec.title or spec.name, question=question, possible=possible,
            prompt=prompts.get(question, ""), grades=book.grades,
        ))  # fmt: skip
        pages.append(page)
    rows, kept = manual_rows(folder, book, spec.manual_points)
    write_csv(folder / MANUAL_FILE, rows)
    for page in pages:
        print(f"wrote {page}")
    print(f"wrote {folder / MANUAL_FILE}: {len(rows) - 1} rows ({kept} with points already)")
    return 0


def manual_rows(folder: Path, book, manual: dict[str, float]) -> tuple[list[list[str]], int]:
    """A row per (student, manual question); entries already in manual.csv are kept."""
    path = folder / MANUAL_FILE
    entered: dict[tuple[str, str], tuple[str, str]] = {}
    extra: list[list[str]] = []
    if path.exists():
        table = read_table(path, required=("student", "question", "points"), what="manual.csv")
        for row in table.rows:
            key = (spreadsheet_text(row["student"]), spreadsheet_text(row["question"]))
            entered[key] = (row["points"], spreadsheet_text(row.get("comment", "")))
    rows = [MANUAL_HEADER]
    students = set()
    for grade in book.grades:
        students.add(grade.who.key)
        for question, possible in manual.items():
            points, text = entered.get((grade.who.key, question), ("", ""))
            rows.append([grade.who.key, grade.who.name, grade.result.submission, question,
                         f"{possible:g}", points, text])  # fmt: skip
    for (student, question), (points, text) in entered.items():
        if student not in students and points:  # a score for a student no longer graded: kept
            extra.append([student, "", "", question, "", points, text])
    kept = sum(1 for row in rows[1:] + extra if row[5])
    return rows + extra, kept
