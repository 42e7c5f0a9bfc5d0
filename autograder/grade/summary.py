"""The class summary: ``summary.png`` and a self-contained ``summary.html``.

Per question in notebook order: the full-marks rate and the mean; the final grades' histogram
with one bin per point; the status counts; and one row per student with their full name, the
grade and a link to their feedback page. The page embeds the plot (a data: URL) and loads
nothing else.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from autograder.files import atomic_write_text
from autograder.grade.feedback import QuestionInfo, page, points_text
from autograder.gradebook.tally import FinalGrade, Gradebook
from autograder.results import Status


def question_stats(
    book: Gradebook, questions: list[QuestionInfo]
) -> list[tuple[str, str, float, float, float]]:
    """(name, title, possible, full-marks rate, mean points) per question, graded ones only."""
    rows = []
    for q in questions:
        given = [s for g in book.grades if (s := g.scores.get(q.name)) and s.points is not None]
        if not given:
            rows.append((q.name, q.title, q.points, 0.0, 0.0))
            continue
        full = sum(s.points >= s.possible - 1e-9 and s.possible > 0 for s in given)
        rows.append((q.name, q.title, q.points, full / len(given),
                     sum(s.points for s in given) / len(given)))  # fmt: skip
    return rows


def histogram_edges(possible: float) -> list[float]:
    """One bin per point: edges 0, 1, ..., ceil(possible)."""
    return [float(i) for i in range(int(math.ceil(possible)) + 1)] if possible > 0 else [0.0, 1.0]


def write_summary(out: Path, book: Gradebook, questions: list[QuestionInfo]) -> None:
    plot = out / "summary.png"
    stats = question_stats(book, questions)
    summary_plot(plot, book, stats)
    similarity = (out / "similarity.html").is_file()
    page_text = summary_page(book, stats, plot.read_bytes(), similarity=similarity)
    atomic_write_text(out / "summary.html", page_text)


def summary_plot(path: Path, book: Gradebook, stats: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [g.total for g in book.grades if g.total is not None]
    possible = book.possible or 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.hist(totals, bins=histogram_edges(possible), color="#3b75af", edgecolor="white")
    left.set(title=f"Final grades ({len(totals)} of {len(book.grades)} students)",
             xlabel=f"points out of {possible:g}", ylabel="students")  # fmt: skip
    names = [name for name, *_ in stats]
    right.barh(names, [rate for *_, rate, _ in stats], color="#519e3e")
    right.set(title="Full marks per question", xlabel="fraction of students", xlim=(0, 1))
    right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def summary_page(book: Gradebook, stats: list, png: bytes, *, similarity: bool = False) -> str:
    def e(text: object) -> str:
        return html.escape(str(text), quote=True)

    title = f"{book.assignment.title or book.assignment.name}: class summary"
    counts = {s: sum(g.result.status == s for g in book.grades) for s in Status}
    pending = sum(1 for g in book.grades if g.total is None)
    status_line = ", ".join(f"{s}: {n}" for s, n in counts.items() if n)
    parts = [
        f"<h1>{e(title)}</h1>",
        f"<p>{len(book.grades)} students; {e(status_line)}"
        + (f"; {pending} with manual scores pending" if pending else "")
        + "</p>",
        '<p><a href="similarity.html">Similarity report</a>: pairs of students whose code '
        "matches (a reason to look, never a verdict)</p>"
        if similarity
        else "",
        f'<img alt="grade histogram and full marks per question" style="max-width:100%" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">',
        "<h2>Questions</h2><table><tr><th>question</th><th>points</th>"
        "<th>full marks</th><th>mean</th></tr>",
    ]
    for name, q_title, possible, rate, mean in stats:
        parts.append(
            f"<tr><td>{e(q_title)} <code>{e(name)}</code></td><td>{points_text(possible)}</td>"
            f"<td>{rate:.0%}</td><td>{points_text(mean)}</td></tr>"
        )
    parts.append("</table><h2>Students</h2><table><tr><th>student</th><th>key</th>"
                 "<th>grade</th><th>status</th><th>feedback</th></tr>")  # fmt: skip
    for grade in book.grades:
        parts.append(_student_row(grade, e))
    parts.append("</table>")
    style = "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em}"
    return page(title, f"<style>{style}</style>" + "".join(parts))


def _student_row(grade: FinalGrade, e) -> str:
    total = "pending" if grade.total is None else f"{points_text(grade.total)} / " \
        f"{points_text(grade.possible)}"  # fmt: skip
    link = f"feedback/{grade.result.submission}.html"
    return (
        f"<tr><td>{e(grade.who.name)}</td><td><code>{e(grade.who.key)}</code></td>"
        f"<td>{e(total)}</td><td>{e(grade.result.status)}</td>"
        f'<td><a href="{e(link)}">{e(grade.result.submission)}</a></td></tr>'
    )
