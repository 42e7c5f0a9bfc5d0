"""The class summary: ``summary.png`` and a self-contained ``summary.html`` for a TA.

Readable right after ``grade``, hand-graded questions pending or not: the auto-graded points'
distribution (the final grades' once every manual score is in, labelled as such), one bin per
point; per question in notebook order its full-marks rate and mean, and for a hand-graded one
how many answers are still to grade with a link to its review page; the status counts, each
linked to the students concerned; one row per student with their grade, auto-graded score,
status, reason and feedback page. The page (``autograder/html/templates/summary.html.j2``)
embeds the plot (a data: URL) and loads nothing else.
"""

from __future__ import annotations

import base64
import functools
import math
import shlex
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from autograder import paths
from autograder.files import atomic_write_text
from autograder.grade.feedback import QuestionInfo, points_text
from autograder.gradebook.tally import FinalGrade, Gradebook
from autograder.html import render
from autograder.results import Status

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
             "WenQuanYi Micro Hei")  # fmt: skip
MAX_REASON = 160


@dataclass(frozen=True)
class QuestionStats:
    name: str
    title: str
    possible: float
    manual: bool
    scored: int  # students with a score for it
    to_grade: int  # hand-graded: answers still without a score
    full_rate: float  # of the scored students
    mean: float


@dataclass(frozen=True)
class StudentRow:
    grade: FinalGrade
    final: str  # the final grade, or what it waits for
    auto: float
    auto_possible: float
    reason: str


def auto_points(grade: FinalGrade) -> tuple[float, float]:
    """(points, possible) over the auto-graded questions (corrections included)."""
    auto = [s for s in grade.scores.values() if not s.manual]
    return (round(sum(s.points or 0.0 for s in auto), 4), round(sum(s.possible for s in auto), 4))


def question_stats(book: Gradebook, questions: list[QuestionInfo]) -> list[QuestionStats]:
    """Per question in notebook order (then any other graded one)."""
    known = [q.name for q in questions]
    extra = [n for g in book.grades for n in g.scores if n not in known]
    info = {q.name: q for q in questions}
    rows = []
    for name in [*known, *dict.fromkeys(extra)]:
        scores = [s for g in book.grades if (s := g.scores.get(name)) is not None]
        q = info.get(name)
        manual = (q.manual if q else False) or any(s.manual for s in scores)
        if q is None and not scores:
            continue
        given = [s for s in scores if s.points is not None]
        possible = scores[0].possible if scores else (q.points if q else 0.0)
        full = sum(s.possible > 0 and s.points >= s.possible - 1e-9 for s in given)
        rows.append(QuestionStats(
            name=name, title=q.title if q else name, possible=possible, manual=manual,
            scored=len(given), to_grade=len(scores) - len(given),
            full_rate=full / len(given) if given else 0.0,
            mean=sum(s.points for s in given) / len(given) if given else 0.0,
        ))  # fmt: skip
    return rows


def histogram_edges(possible: float) -> list[float]:
    """One bin per point, centred on it: -0.5, 0.5, ..., ceil(possible) + 0.5."""
    top = int(math.ceil(possible)) if possible > 0 else 1
    return [i - 0.5 for i in range(top + 2)]


def distribution(book: Gradebook) -> tuple[str, list[float], float]:
    """(what it is, values, out of): final grades once every one is known, else the
    auto-graded points."""
    if book.grades and all(g.total is not None for g in book.grades):
        return "Final grades", [g.total or 0.0 for g in book.grades], book.possible
    autos = [auto_points(g) for g in book.grades]
    label = "Auto-graded points (hand-graded questions not yet scored)"
    return label, [a for a, _ in autos], max((p for _, p in autos), default=0.0)


def write_summary(out: Path, book: Gradebook, questions: list[QuestionInfo]) -> None:
    plot = out / "summary.png"
    stats = question_stats(book, questions)
    summary_plot(plot, book, stats)
    similarity = (out / "similarity.html").is_file()
    tally_command = f"autograder tally -a {book.assignment.name}"
    if out.resolve() != (paths.GRADES_DIR / book.assignment.name).resolve():
        tally_command += f" --from {shlex.quote(str(out))}"
    page_text = summary_page(book, stats, plot.read_bytes(), similarity=similarity,
                             tally_command=tally_command)  # fmt: skip
    atomic_write_text(out / "summary.html", page_text)


@functools.cache
def cjk_font() -> str | None:
    """A CJK font matplotlib can use, registering the system's Noto CJK if its font cache
    predates the font's installation (None: none installed; Chinese would show as boxes)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in CJK_FONTS if n in names), None)
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if "CJK" in Path(path).name and "Sans" in Path(path).name:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def plot_fonts() -> list[str]:
    """The family list for figures: Latin first, then a CJK fallback when there is one."""
    cjk = cjk_font()
    return ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]


def summary_plot(path: Path, book: Gradebook, stats: list[QuestionStats]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    label, values, possible = distribution(book)
    auto = [q for q in stats if q.scored]
    height = max(4.5, 0.32 * len(auto) + 1.5)
    with plt.rc_context({"font.family": plot_fonts(), "font.size": 10}):
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(13, height), gridspec_kw={"width_ratios": [1, 1.3]}
        )
        left.hist(values, bins=histogram_edges(possible), color="#3b75af", edgecolor="white")
        left.set_title(f"{label}\n{len(values)} students", fontsize=10)
        left.set_xlabel(f"points (out of {points_text(possible)}; one bar per point)")
        left.set_ylabel("number of students")
        left.set_xlim(-0.5, math.ceil(possible) + 0.5 if possible > 0 else 1.5)
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_ylim(0, max(1.0, left.get_ylim()[1]))
        names = [_short(q.title) for q in auto]
        right.barh(names, [q.full_rate * 100 for q in auto], color="#519e3e")
        right.set_title("Full marks per question (share of the students scored)", fontsize=10)
        right.set_xlabel("students with full marks (%)")
        right.set_xlim(0, 100)
        right.invert_yaxis()
        fig.tight_layout()
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)


def _short(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def summary_page(
    book: Gradebook,
    stats: list[QuestionStats],
    png: bytes,
    *,
    similarity: bool = False,
    tally_command: str = "",
) -> str:
    title = f"{book.assignment.title or book.assignment.name}: class summary"
    students = [_student_row(g) for g in book.grades]
    by_status = [(str(s), rows) for s in Status
                 if (rows := [r for r in students if r.grade.result.status == s])]  # fmt: skip
    name = book.assignment.name
    plot_label, *_ = distribution(book)
    return render(
        "summary.html.j2", title=title, book=book, students=students, by_status=by_status,
        pending=sum(1 for g in book.grades if g.pending),
        to_grade=[q for q in stats if q.manual and q.to_grade], stats=stats,
        similarity=similarity, plot_label=plot_label, pts=points_text,
        plot_src=Markup("data:image/png;base64," + base64.b64encode(png).decode()),
        tally_command=tally_command or f"autograder tally -a {name}",
    )  # fmt: skip


def _student_row(grade: FinalGrade) -> StudentRow:
    auto, auto_possible = auto_points(grade)
    if grade.total is not None:
        final = f"{points_text(grade.total)} / {points_text(grade.possible)}"
    else:
        final = f"waits for {', '.join(grade.pending)}"
    reason = grade.result.reason
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return StudentRow(grade, final, auto, auto_possible, reason)
