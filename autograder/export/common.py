"""What every export format shares: the typed answer, score text, roster matching helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.gradebook.tally import FinalGrade
from autograder.safetext import visible


@dataclass
class Export:
    """An export's rows and what the TA must hear about it."""

    rows: list[list[str]]
    exported: int = 0  # students given a grade
    no_submission: list[str] = field(default_factory=list)  # roster students, grade left empty
    not_in_roster: list[str] = field(default_factory=list)  # graded, but no roster row
    pending: list[str] = field(default_factory=list)  # grade left empty: manual scores missing
    notes: list[str] = field(default_factory=list)


def number(value: float) -> str:
    """A score as a gradebook wants it: at most 4 decimals, no trailing zeros ("4.5", "25")."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(total: float, possible: float) -> str:
    return f"{100 * total / possible:.2f}" if possible > 0 else ""


def label(grade: FinalGrade) -> str:
    """Who a grade belongs to, safe to print (names come from file and folder names)."""
    text = f"{grade.who.name} ({grade.who.key})" if grade.who.name else grade.who.key
    return visible(text)


def grade_text(grade: FinalGrade | None, export: Export) -> str:
    """The grade cell: the final total, or empty (pending manual scores, no submission)."""
    if grade is None:
        return ""
    if grade.total is None:
        export.pending.append(label(grade))
        return ""
    export.exported += 1
    return number(grade.total)


def comment(grade: FinalGrade) -> str:
    """A short feedback comment for the LMS: per-question points, lateness, corrections."""
    parts = [
        f"{s.name} {'-' if s.points is None else number(s.points)}/{number(s.possible)}"
        for s in grade.scores.values()
    ]
    text = f"Autograder ({grade.result.status}): " + ", ".join(parts)
    if grade.penalty:
        text += f". Late: -{number(grade.penalty)} ({grade.late.note})"
    if grade.adjustments:
        text += ". Corrected: " + "; ".join(grade.adjustments)
    return visible(text)
