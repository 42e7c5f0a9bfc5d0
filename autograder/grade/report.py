"""What a batch produces for people: Gradescope-shaped results, feedback, grades.csv, a plot."""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from pathlib import Path

from autograder.config import Assignment

STATUSES = ("graded", "timeout", "memory", "crashed", "invalid")


def gradescope_result(result: dict, possible: dict[str, float]) -> dict:
    """A results.json as Gradescope reads it, with the kit's details under ``kit``."""
    questions = result.get("questions", {})
    tests = []
    for name, max_score in possible.items():
        q = questions.get(name)
        tests.append(
            {
                "name": name,
                "score": q["score"] if q else 0.0,
                "max_score": max_score,
                "output": _question_text(q) if q else result.get("reason", result["status"]),
                "visibility": "visible",
            }
        )
    total = sum(t["score"] for t in tests)
    return {
        "score": round(total, 4),
        "execution_time": result.get("seconds", 0),
        "output": f"{result['status']}: {result.get('reason', '')}".strip(": "),
        "tests": tests,
        "kit": {**result, "total": round(total, 4), "possible": sum(possible.values())},
    }


def _question_text(question: dict) -> str:
    lines = []
    for case in question["cases"]:
        mark = "passed" if case["passed"] else "failed"
        kind = "hidden" if case["hidden"] else "public"
        lines.append(f"- {kind} test {case['name']}: {mark}")
        if not case["hidden"] and not case["passed"]:
            lines.append("  " + case["message"].replace("\n", "\n  "))
    return "\n".join(lines)


def write_feedback(path: Path, result: dict, assignment: Assignment) -> None:
    kit = result["kit"]
    lines = [
        f"# {assignment.title or assignment.name}: feedback for {kit['student']}",
        "",
        f"**Score: {kit['total']:g} / {kit['possible']:g}** (status: {kit['status']})",
    ]
    if kit.get("reason"):
        lines += ["", f"> {kit['reason']}"]
    for test in result["tests"]:
        lines += [
            "",
            f"## {test['name']}: {test['score']:g} / {test['max_score']:g}",
            "",
            test["output"],
        ]
    bad_cells = [c for c in kit.get("cells", []) if c["status"] != "ok"]
    if bad_cells:
        lines += ["", "## Cells that did not finish", ""]
        lines += [f"- code cell {c['index'] + 1}: {c.get('error', c['status'])}" for c in bad_cells]
    if assignment.manual:
        lines += ["", f"Questions graded by hand later: {', '.join(assignment.manual)}."]
    text = "\n".join(lines) + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_outputs(out: Path, results: list[dict], questions: list[str]) -> None:
    rows = [_row(r, questions) for r in results]
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=[
            "submission",
            "student",
            *questions,
            "total",
            "possible",
            "status",
            "seconds",
            "reason",
        ],
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    tmp = out / "grades.csv.tmp"
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(out / "grades.csv")
    summary_plot(out / "summary.png", results, questions)


def _row(result: dict, questions: list[str]) -> dict:
    kit = result["kit"]
    scores = {t["name"]: t["score"] for t in result["tests"]}
    return {
        "submission": kit["submission"],
        "student": kit["student"],
        **{q: f"{scores.get(q, 0):g}" for q in questions},
        "total": f"{kit['total']:g}",
        "possible": f"{kit['possible']:g}",
        "status": kit["status"],
        "seconds": f"{kit.get('seconds', 0):.1f}",
        "reason": kit.get("reason", ""),
    }


def summary_plot(path: Path, results: list[dict], questions: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [r["kit"]["total"] for r in results]
    possible = max((r["kit"]["possible"] for r in results), default=1) or 1
    rates = []
    for q in questions:
        full = [
            t["score"] >= t["max_score"] > 0 for r in results for t in r["tests"] if t["name"] == q
        ]
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


def table(results: list[dict]) -> str:
    header = f"{'submission':<34} {'status':<8} {'score':>11}  reason"
    lines = [header, "-" * len(header)]
    for r in sorted(results, key=lambda r: r["kit"]["submission"]):
        kit = r["kit"]
        score = f"{kit['total']:g}/{kit['possible']:g}"
        lines.append(
            f"{kit['submission'][:34]:<34} {kit['status']:<8} {score:>11}  "
            f"{kit.get('reason', '')[:60]}"
        )
    return "\n".join(lines)


class _Bar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, result: dict) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(
                f"{result['kit']['submission'][:20]}: {result['kit']['status']}"
            )
            self.bar.update(1)


@contextlib.contextmanager
def progress_bar(total: int, enabled: bool = True):
    if not enabled:
        yield _Bar(None)
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="nb", file=sys.stderr, dynamic_ncols=True) as bar:
        yield _Bar(bar)
