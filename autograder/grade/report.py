"""Report: what a batch produces for people, all read from ``SubmissionResult``.

``results/ID.json`` (Gradescope's results.json), ``feedback/ID.md``, ``grades.csv``,
``summary.png``, the terminal table and the progress bar.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import statistics
import sys
from pathlib import Path

from autograder import paths
from autograder.config import Assignment
from autograder.files import atomic_write_json, atomic_write_text, write_csv
from autograder.gradebook.corrections import ensure_overrides_file
from autograder.gradebook.tally import FinalGrade, Gradebook, tally
from autograder.results import Status, SubmissionResult

MAX_LISTED_CELLS = 20


def record(out: Path, result: SubmissionResult, assignment: Assignment) -> None:
    """Write one submission's result and a first feedback as soon as it is known (the tally at
    the end of the batch rewrites the feedback with manual scores, corrections and lateness)."""
    atomic_write_json(out / "results" / f"{result.submission}.json", result.to_gradescope())
    atomic_write_text(out / "feedback" / f"{result.submission}.md", feedback(result, assignment))


def _quoted(text: str) -> str:
    """Student-controlled text as a fenced block: no Markdown or HTML in it is interpreted."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def feedback(
    result: SubmissionResult,
    assignment: Assignment,
    grade: FinalGrade | None = None,
    *,
    counted: bool = True,
) -> str:
    """The student's feedback. With ``grade`` (the tally) it shows the final grade: manual
    scores and comments, corrections with their reasons, and the late penalty."""
    lines = [
        f"# {assignment.title or assignment.name}: feedback",
        "",
        f"Submission `{result.submission}`",
        "",
    ]
    if grade is not None and not counted:
        lines += [
            f"**This submission does not count**: your latest submission, "
            f"`{grade.result.submission}`, is the one graded. Its scores below are for your "
            "information.",
            "",
        ]
    if grade is not None and counted:
        if grade.total is None:
            lines.append(
                f"**Score: pending** (graded by hand, not yet: {', '.join(grade.pending)}); "
                f"auto-graded so far: {result.total:g} / {result.possible:g}"
            )
        else:
            lines.append(
                f"**Score: {grade.total:g} / {grade.possible:g}** (status: {result.status})"
            )
        if grade.late.note:
            penalty = f": {grade.penalty:g} points off" if grade.penalty else ""
            lines += ["", f"Late work{penalty}. {grade.late.note}."]
        for note in grade.adjustments:
            lines += ["", "Corrected by your grader:", "", _quoted(note)]
    else:
        lines.append(f"**Score: {result.total:g} / {result.possible:g}** (status: {result.status})")
    if result.reason:
        lines += ["", _quoted(result.reason)]
    scores = grade.scores if grade is not None and counted else {}
    for q in result.questions.values():
        shown = scores.get(q.name)
        points = shown.points if shown is not None and shown.points is not None else q.score
        lines += ["", f"## {q.name}: {points:g} / {q.possible:g}", ""]
        if not q.cases:
            lines.append(_quoted(q.note) if q.note else "")
        for case in q.cases:
            kind = "hidden" if case.hidden else "public"
            lines.append(f"- {kind} test {case.name}: {'passed' if case.passed else 'failed'}")
            if not case.hidden and not case.passed and case.message:
                lines += ["", _quoted(case.message), ""]
    for score in scores.values():
        if not score.manual:
            continue
        points = "not graded yet" if score.points is None else f"{score.points:g}"
        lines += ["", f"## {score.name}: {points} / {score.possible:g} (graded by hand)", ""]
        if score.note:
            lines.append(_quoted(score.note))
    bad_cells = [c for c in result.cells if c.status != "ok"]
    if bad_cells:
        lines += ["", "## Cells that did not finish", ""]
        for cell in bad_cells[:MAX_LISTED_CELLS]:
            lines += [f"- code cell {cell.index + 1}:", "", _quoted(cell.error or cell.status), ""]
        if len(bad_cells) > MAX_LISTED_CELLS:
            lines.append(f"- and {len(bad_cells) - MAX_LISTED_CELLS} more")
    if assignment.manual and grade is None:
        lines += ["", f"Questions graded by hand later: {', '.join(assignment.manual)}."]
    return "\n".join(lines) + "\n"


def grades_header(book: Gradebook) -> list[str]:
    questions = list(dict.fromkeys(q for g in book.grades for q in g.scores))
    return ["student", "name", "submission", *questions, *GRADES_COLUMNS]


GRADES_COLUMNS = (
    "late_penalty", "total", "possible", "status", "pending", "corrections", "late", "others",
    "reason",
)  # fmt: skip


def grades_rows(book: Gradebook) -> list[list[object]]:
    """``grades.csv``: one row per student, the submission that counts, the final grade."""
    header = grades_header(book)
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
    lateness) into grades.csv, every feedback file and summary.png."""
    book = tally(out, assignment, build=build)
    ensure_overrides_file(out)
    write_csv(out / "grades.csv", grades_rows(book))
    for result in book.results:
        grade = next(
            (g for g in book.grades if result.submission
             in (g.result.submission, *(o.submission for o in g.others))),
            None,
        )  # fmt: skip
        text = feedback(result, assignment, grade, counted=book.counted(result))
        atomic_write_text(out / "feedback" / f"{result.submission}.md", text)
    summary_plot(out / "summary.png", book)
    return book


def summary_plot(path: Path, book: Gradebook) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [g.total for g in book.grades if g.total is not None]
    possible = book.possible or 1
    questions = grades_header(book)[3 : -len(GRADES_COLUMNS)]
    rates = []
    for q in questions:
        full = [
            s.points is not None and s.points >= s.possible - 1e-9 and s.possible > 0
            for g in book.grades
            if (s := g.scores.get(q)) is not None
        ]
        rates.append(sum(full) / len(full) if full else 0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.hist(totals, bins=min(20, max(5, len(totals))), range=(0, possible), color="#3b75af")
    left.set(
        title=f"Final grades ({len(totals)} students)",
        xlabel=f"total / {possible:g}",
        ylabel="submissions",
    )
    right.barh(questions, rates, color="#519e3e")
    right.set(title="Full marks per question", xlabel="fraction of submissions", xlim=(0, 1))
    right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def table(results: list[SubmissionResult]) -> str:
    header = f"{'submission':<34} {'status':<8} {'auto score':>11}  reason"
    lines = [header, "-" * len(header)]
    for r in sorted(results, key=lambda r: r.submission):
        score = f"{r.total:g}/{r.possible:g}"
        lines.append(f"{r.submission[:34]:<34} {r.status:<8} {score:>11}  {r.reason[:60]}")
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
    where = f"--assignment {name}"
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
        notes.append(
            f"graded by hand, still to score for {len(pending)} student(s): "
            f"{', '.join(questions)}: run `autograder review {where}`, fill "
            f"manual.csv, then `autograder tally {where}`"
        )
    if book.stale:
        notes.append(f"graded with another build (regrade with --resume): {_listed(book.stale)}")
    notes += [f"skipped, not a kit result: {u}" for u in book.unreadable[:MAX_LISTED_CELLS]]
    return notes


def _listed(items: list[str], limit: int = 10) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
