"""Report: what a batch produces for people, all read from ``SubmissionResult``.

``results/ID.json`` (Gradescope's results.json), ``feedback/ID.md``, ``grades.csv``,
``summary.png``, the terminal table and the progress bar.
"""

from __future__ import annotations

import contextlib
import shlex
import statistics
import sys
from pathlib import Path

from autograder import paths
from autograder.config import Assignment
from autograder.files import atomic_write_json, atomic_write_text, write_csv
from autograder.grade import summary
from autograder.grade.feedback import (
    QuestionInfo,
    blocks,
    points_text,
    read_question_info,
    to_html,
    to_markdown,
)
from autograder.gradebook.corrections import ensure_overrides_file
from autograder.gradebook.tally import FinalGrade, Gradebook, tally
from autograder.results import Status, SubmissionResult

MAX_LISTED_CELLS = 20


def record(out: Path, result: SubmissionResult, assignment: Assignment) -> None:
    """Write one submission's result and a first feedback as soon as it is known (the tally at
    the end of the batch rewrites the feedback with manual scores, corrections and lateness)."""
    atomic_write_json(out / "results" / f"{result.submission}.json", result.to_gradescope())
    write_feedback(out, result, assignment, None, questions=question_info(assignment, [result]))


def feedback(
    result: SubmissionResult,
    assignment: Assignment,
    grade: FinalGrade | None = None,
    *,
    counted: bool = True,
    questions: list[QuestionInfo] | None = None,
) -> str:
    """The student's feedback as Markdown (``feedback.blocks`` says what it holds)."""
    return to_markdown(blocks(result, assignment, grade, counted=counted, questions=questions))


def write_feedback(
    out: Path,
    result: SubmissionResult,
    assignment: Assignment,
    grade: FinalGrade | None,
    *,
    counted: bool = True,
    questions: list[QuestionInfo] | None = None,
) -> None:
    items = blocks(result, assignment, grade, counted=counted, questions=questions)
    atomic_write_text(out / "feedback" / f"{result.submission}.md", to_markdown(items))
    atomic_write_text(out / "feedback" / f"{result.submission}.html", to_html(items))


def question_info(assignment: Assignment, results: list[SubmissionResult]) -> list[QuestionInfo]:
    """The questions in notebook order with their titles, from the build the results were
    graded with (none known: their order in the results, manual questions last)."""
    for term in dict.fromkeys(r.term for r in results if r.term):
        found = read_question_info(paths.BUILD_DIR / term / assignment.name / "autograder" / "plan")
        if found:
            return found
    names = list(dict.fromkeys(q for r in results for q in r.questions))
    names += [q for q in assignment.manual if q not in names]
    return [QuestionInfo(n, n, float(assignment.points.get(n, 0)), n in assignment.manual)
            for n in names]  # fmt: skip


def grades_header(book: Gradebook, questions: list[QuestionInfo] | None = None) -> list[str]:
    names = list(dict.fromkeys(q for g in book.grades for q in g.scores))
    order = [q.name for q in questions or []]
    names.sort(key=lambda n: order.index(n) if n in order else len(order))
    return ["student", "name", "submission", *names, *GRADES_COLUMNS]


GRADES_COLUMNS = (
    "late_penalty", "total", "possible", "status", "pending", "corrections", "late", "others",
    "reason",
)  # fmt: skip


def grades_rows(book: Gradebook, questions: list[QuestionInfo] | None = None) -> list[list[object]]:
    """``grades.csv``: one row per student, the submission that counts, the final grade."""
    header = grades_header(book, questions)
    questions = header[3 : -len(GRADES_COLUMNS)]
    rows: list[list[object]] = [header]
    for g in book.grades:
        scores = []
        for q in questions:
            score = g.scores.get(q)
            scores.append("" if score is None or score.points is None else f"{score.points:g}")
        rows.append(
            [
                g.who.key, g.who.name, g.result.submission, *scores,
                f"{g.penalty:g}" if g.penalty else "",
                "" if g.total is None else f"{g.total:g}", f"{g.possible:g}",
                str(g.result.status), " ".join(g.pending), "; ".join(g.adjustments),
                g.late.note, g.others_note, g.result.reason,
            ]
        )  # fmt: skip
    return rows


def write_outputs(out: Path, assignment: Assignment, *, build: str | None = None) -> Gradebook:
    """Tally the whole folder (this batch and earlier ones, with manual scores, corrections and
    lateness) into grades.csv, every feedback file (Markdown and HTML), summary.png and
    summary.html."""
    book = tally(out, assignment, build=build)
    questions = question_info(assignment, book.results)
    ensure_overrides_file(out)
    write_csv(out / "grades.csv", grades_rows(book, questions))
    grades = book.by_submission()
    for result in book.results:
        grade, counted = grades.get(result.submission, (None, False))
        write_feedback(out, result, assignment, grade, counted=counted, questions=questions)
    summary.write_summary(out, book, questions)
    return book


def table(results: list[SubmissionResult]) -> str:
    """The terminal table: full submission names (the column is as wide as the longest)."""
    width = max([len("submission"), *(len(r.submission) for r in results)])
    header = f"{'submission':<{width}} {'status':<8} {'auto score':>11}  reason"
    lines = [header, "-" * len(header)]
    for r in sorted(results, key=lambda r: r.submission):
        score = f"{points_text(r.total)}/{points_text(r.possible)}"
        lines.append(f"{r.submission:<{width}} {r.status:<8} {score:>11}  {r.reason[:80]}")
    counts = {s: sum(r.status == s for r in results) for s in Status}
    lines.append("  ".join(f"{s}: {n}" for s, n in counts.items() if n))
    modes = sorted({r.isolation for r in results if r.isolation})
    if modes:
        weak = [m for m in modes if m != "strong"]
        note = " (WEAKER THAN STRONG: see README, trust model)" if weak else ""
        lines.append(f"isolation: {', '.join(modes)}{note}")
    starts = [r.startup_seconds for r in results if r.startup_seconds]
    if starts:  # the warm path: each lane's first submission waited for its template
        steady = statistics.median(r.seconds - (r.startup_seconds or 0) for r in results)
        lines.append(
            f"timing: {len(starts)} warm start(s), {max(starts):.1f} s at most; then "
            f"{steady:.1f} s per submission (median)"
        )
    return "\n".join(lines)


class _Bar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, result: SubmissionResult) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{result.submission[:20]}: {result.status}")
            self.bar.update(1)


@contextlib.contextmanager
def progress_bar(total: int, enabled: bool = True):
    if not enabled:
        yield _Bar(None)
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="nb", file=sys.stderr, dynamic_ncols=True) as bar:
        yield _Bar(bar)


def folder_notes(results: list[SubmissionResult], book: Gradebook, folder: Path) -> list[str]:
    """What a TA should know about the folder after a batch: names not from an LMS layout,
    students with several submissions, manual scores still to give, results to regrade."""
    name = book.assignment.name
    where = f"-a {name}"
    if folder.resolve() != (paths.GRADES_DIR / name).resolve():
        where += f" --from {shlex.quote(str(folder))}"
    notes = [
        f"{folder / 'grades.csv'}: {len(book.grades)} students, {len(book.results)} submissions"
    ]
    by_file = sorted(r.file for r in results if r.who.lms == "file")
    if by_file:
        notes.append(f"named by file (no Canvas, Moodle or Gradescope layout): {_listed(by_file)}")
    several = [f"{g.who.name or g.who.key} ({len(g.others) + 1})" for g in book.grades if g.others]
    if several:
        notes.append(f"several submissions, the latest counts: {_listed(several)}")
    pending = [g for g in book.grades if g.pending]
    if pending:
        questions = sorted({q for g in pending for q in g.pending})
        pages = ", ".join(str(folder / "review" / f"{q}.html") for q in questions)
        notes.append(
            f"graded by hand, still to score for {len(pending)} student(s): "
            f"{', '.join(questions)}: read the answers in {pages}, fill {folder / 'manual.csv'}, "
            f"then run `autograder tally {where}`"
        )
    if book.stale:
        notes.append(f"graded with another build (regrade with --resume): {_listed(book.stale)}")
    notes += [f"skipped, not a kit result: {u}" for u in book.unreadable[:MAX_LISTED_CELLS]]
    return notes


def _listed(items: list[str], limit: int = 10) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
