"""Tally a grading folder: one final grade per student from every result and correction.

Per student the *latest* submission counts (by submission time, then the LMS's own order, then
name); the others are listed. A student's final grade is, in order: the auto-graded scores, the
manual scores (``manual.csv``), question overrides, the late penalty (a fraction of the points
possible, never below 0), and finally a ``total`` override, which replaces all of that.
A manual question without a score leaves the total *pending*: it is never counted as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.config import Assignment
from autograder.errors import GradesError
from autograder.files import read_json
from autograder.gradebook import corrections
from autograder.gradebook.corrections import TOTAL, Mark
from autograder.gradebook.late import Lateness, lateness
from autograder.results import Identity, Status, SubmissionResult
from autograder.times import newest_first

MAX_RESULT_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Score:
    name: str
    points: float | None  # None: a manual question not graded yet
    possible: float
    manual: bool = False
    note: str = ""  # the grader's comment or the override's reason
    overridden: bool = False


@dataclass(frozen=True)
class FinalGrade:
    who: Identity  # the student (for a group submission, one of its members)
    result: SubmissionResult  # the submission that counts
    others: tuple[SubmissionResult, ...]
    scores: dict[str, Score]  # auto-graded then manual questions
    late: Lateness
    submitted_at: str
    total_override: Mark | None = None

    @property
    def possible(self) -> float:
        return round(sum(s.possible for s in self.scores.values()), 4)

    @property
    def pending(self) -> list[str]:
        return [s.name for s in self.scores.values() if s.points is None]

    @property
    def penalty(self) -> float:
        return self.late.deduction(self.possible)

    @property
    def total(self) -> float | None:
        """The grade to upload; None while a manual score is missing."""
        if self.total_override is not None:
            return self.total_override.points
        if self.pending:
            return None
        earned = sum(s.points or 0.0 for s in self.scores.values())
        return round(max(0.0, earned - self.penalty), 4)

    @property
    def adjustments(self) -> list[str]:
        """Every hand correction, as the student will read it."""
        notes = [f"{s.name}: set to {s.points:g} ({s.note})" for s in self.scores.values()
                 if s.overridden]  # fmt: skip
        if self.total_override is not None:
            notes.append(f"total: set to {self.total_override.points:g} "
                         f"({self.total_override.text})")  # fmt: skip
        return notes

    @property
    def others_note(self) -> str:
        if not self.others:
            return ""
        listed = ", ".join(r.submission for r in self.others)
        return f"latest of {len(self.others) + 1} submissions counts; not counted: {listed}"


@dataclass(frozen=True)
class Gradebook:
    assignment: Assignment
    grades: list[FinalGrade]  # one per student, sorted by name then key
    results: list[SubmissionResult]  # every readable result in the folder
    unreadable: list[str]  # result files skipped, each with why
    stale: list[str]  # submissions graded with another build than ``build``

    def grade_of(self, key: str) -> FinalGrade | None:
        return next((g for g in self.grades if g.who.key == key), None)

    def by_submission(self) -> dict[str, tuple[FinalGrade, bool]]:
        """submission -> (the first student's grade it belongs to, whether it counts for
        anyone): one pass, where asking per submission would be quadratic in the class."""
        counted = {g.result.submission for g in self.grades}
        found: dict[str, tuple[FinalGrade, bool]] = {}
        for g in self.grades:
            for submission in (g.result.submission, *(o.submission for o in g.others)):
                found.setdefault(submission, (g, submission in counted))
        return found

    @property
    def possible(self) -> float:
        return max((g.possible for g in self.grades), default=self.assignment_possible)

    @property
    def assignment_possible(self) -> float:
        return round(sum(float(p) for p in self.assignment.points.values()), 4)


def load_results(folder: Path) -> tuple[list[SubmissionResult], list[str]]:
    """Every ``results/*.json`` the kit wrote (regular files, size-capped, schema-checked)."""
    results, unreadable = [], []
    for path in sorted((folder / "results").glob("*.json")):
        try:
            results.append(SubmissionResult.from_gradescope(read_json(path, MAX_RESULT_BYTES)))
        except (OSError, ValueError, GradesError) as exc:
            unreadable.append(f"results/{path.name}: {' '.join(str(exc).split())[:200]}")
    return results, unreadable


def tally(
    folder: Path,
    assignment: Assignment,
    *,
    build: str | None = None,
    loaded: tuple[list[SubmissionResult], list[str]] | None = None,
) -> Gradebook:
    """The folder's gradebook; ``GradesError`` (file, line, what) for a bad correction file.
    ``loaded``: the folder's results as ``load_results`` read them already (read once)."""
    if not folder.is_dir():
        raise GradesError(f"no grading output folder {folder}: run `autograder grade` first")
    results, unreadable = loaded if loaded is not None else load_results(folder)
    times_file = folder / corrections.TIMES_FILE
    times = {}
    if times_file.exists():
        times = corrections.read_times(times_file, assignment.late.timezone)
    by_student: dict[str, list[tuple[Identity, SubmissionResult]]] = {}
    for result in results:
        for who in (result.who, *result.who.group):
            by_student.setdefault(who.key, []).append((who, result))
    keys = set(by_student)
    auto_possible = {
        name: q.possible for r in results for name, q in r.questions.items()
        if name not in assignment.manual
    }  # fmt: skip
    manual_points = assignment.manual_points
    manual = corrections.read_manual(folder, students=keys, manual=manual_points)
    overrides = corrections.read_overrides(
        folder, students=keys, possible={**auto_possible, **manual_points}
    )
    grades = []
    for key, entries in by_student.items():
        ordered = sorted(
            entries,
            key=lambda e: (newest_first(_time(times, e[0])), e[0].sequence, e[1].submission),
            reverse=True,
        )
        who, kept = ordered[0]
        submitted_at = _time(times, who)
        grades.append(
            FinalGrade(
                who=who,
                result=kept,
                others=tuple(r for _, r in ordered[1:]),
                scores=_scores(kept, key, manual_points, manual, overrides),
                late=lateness(assignment.late, submitted_at=submitted_at, marked_late=who.late),
                submitted_at=submitted_at,
                total_override=overrides.get((key, TOTAL)),
            )
        )
    grades.sort(key=lambda g: (g.who.name.casefold(), g.who.key))
    stale = sorted(r.submission for r in results if build is not None and r.build != build)
    return Gradebook(assignment, grades, results, unreadable, stale)


def _time(times: dict[str, str], who: Identity) -> str:
    """The submission time: from the times file (by key or LMS id), else from the LMS layout."""
    return times.get(who.key) or times.get(who.lms_id) or who.submitted_at


def _scores(
    result: SubmissionResult,
    key: str,
    manual_points: dict[str, float],
    manual: dict[tuple[str, str], Mark],
    overrides: dict[tuple[str, str], Mark],
) -> dict[str, Score]:
    scores = {
        name: Score(name, q.score, q.possible) for name, q in result.questions.items()
        if name not in manual_points
    }  # fmt: skip
    for name, possible in manual_points.items():
        mark = manual.get((result.who.key, name)) or manual.get((key, name))
        scores[name] = Score(name, mark.points if mark else None, possible, manual=True,
                             note=mark.text if mark else "")  # fmt: skip
    for name, score in list(scores.items()):
        mark = overrides.get((key, name))
        if mark is not None:
            scores[name] = Score(name, mark.points, score.possible, score.manual, mark.text,
                                 overridden=True)  # fmt: skip
    return scores


def status_line(grade: FinalGrade) -> str:
    """How the counted submission ended, for tables: ``graded`` or the failure."""
    status = grade.result.status
    return str(status) if status is Status.GRADED else f"{status}: {grade.result.reason}"
