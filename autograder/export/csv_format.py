"""``--format csv``: one row per student, for the course's own records."""

from __future__ import annotations

from autograder.export.gradebook import StudentGrade, number, percent

HEADER = ["student", "total", "possible", "percent", "status", "note"]


def rows(students: list[StudentGrade], *, title: str) -> list[list[str]]:
    del title  # a plain table needs no assignment title
    return [HEADER] + [
        [
            g.student,
            number(g.best.total),
            number(g.best.possible),
            percent(g.best.total, g.best.possible),
            g.best.status,
            g.note,
        ]
        for g in students
    ]
