"""Report: what a batch produces for people, all read from ``SubmissionResult``.

``results/ID.json`` (Gradescope's results.json), ``feedback/ID.md``, ``grades.csv``,
``summary.png``, the terminal table and the progress bar.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import sys
from pathlib import Path

from autograder.config import Assignment
from autograder.files import atomic_write_json, atomic_write_text, write_csv
from autograder.results import Status, SubmissionResult

MAX_LISTED_CELLS = 20


def record(out: Path, result: SubmissionResult, assignment: Assignment) -> None:
    """Write one submission's result and feedback as soon as it is known."""
    atomic_write_json(out / "results" / f"{result.submission}.json", result.to_gradescope())
    atomic_write_text(out / "feedback" / f"{result.submission}.md", feedback(result, assignment))


def _quoted(text: str) -> str:
    """Student-controlled text as a fenced block: no Markdown or HTML in it is interpreted."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def feedback(result: SubmissionResult, assignment: Assignment) -> str:
    lines = [
        f"# {assignment.title or assignment.name}: feedback",
        "",
        f"Submission `{result.submission}`",
        "",
        f"**Score: {result.total:g} / {result.possible:g}** (status: {result.status})",
    ]
    if result.reason:
        lines += ["", _quoted(result.reason)]
    for q in result.questions.values():
        lines += ["", f"## {q.name}: {q.score:g} / {q.possible:g}", ""]
        if not q.cases:
            lines.append(_quoted(q.note) if q.note else "")
        for case in q.cases:
            kind = "hidden" if case.hidden else "public"
            lines.append(f"- {kind} test {case.name}: {'passed' if case.passed else 'failed'}")
            if not case.hidden and not case.passed and case.message:
                lines += ["", _quoted(case.message), ""]
    bad_cells = [c for c in result.cells if c.status != "ok"]
    if bad_cells:
        lines += ["", "## Cells that did not finish", ""]
        for cell in bad_cells[:MAX_LISTED_CELLS]:
            lines += [f"- code cell {cell.index + 1}:", "", _quoted(cell.error or cell.status), ""]
        if len(bad_cells) > MAX_LISTED_CELLS:
            lines.append(f"- and {len(bad_cells) - MAX_LISTED_CELLS} more")
    if assignment.manual:
        lines += ["", f"Questions graded by hand later: {', '.join(assignment.manual)}."]
    return "\n".join(lines) + "\n"


GRADES_COLUMNS = ("submission", "student", "total", "possible", "status", "seconds", "reason")


def write_outputs(out: Path, results: list[SubmissionResult], assignment: Assignment) -> None:
    questions = list(results[0].questions) if results else []
    header = ["submission", "student", *questions, *GRADES_COLUMNS[2:]]
    rows: list[list[object]] = [header]
    for r in results:
        scores = [f"{r.questions[q].score:g}" if q in r.questions else "0" for q in questions]
        rows.append(
            [
                r.submission,
                r.student,
                *scores,
                f"{r.total:g}",
                f"{r.possible:g}",
                str(r.status),
                f"{r.seconds:.1f}",
                r.reason,
            ]
        )
    write_csv(out / "grades.csv", rows)
    summary_plot(out / "summary.png", results, questions)


def summary_plot(path: Path, results: list[SubmissionResult], questions: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [r.total for r in results]
    possible = max((r.possible for r in results), default=1) or 1
    rates = []
    for q in questions:
        full = [r.questions[q].full_marks for r in results if q in r.questions]
        rates.append(sum(full) / len(full) if full else 0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.hist(totals, bins=min(20, max(5, len(totals))), range=(0, possible), color="#3b75af")
    left.set(
        title=f"Scores ({len(totals)} submissions)",
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
    header = f"{'submission':<34} {'status':<8} {'score':>11}  reason"
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
