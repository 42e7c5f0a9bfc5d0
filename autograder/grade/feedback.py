"""A student's feedback for one submission: Markdown and a self-contained HTML page.

Both are rendered from one list of blocks, in the notebook's question order with each
question's title: points (at most 2 decimals), every check with what it checked (a public
check's own message; a hidden check's authored hint, never its expected value), the student's
own cell, line and exception for cells that failed, and the final grade's manual scores,
corrections and lateness. Text a student controls is fenced in Markdown and escaped in HTML;
the page (``autograder/html/templates/feedback.html.j2``) loads nothing and runs no script
(its Content-Security-Policy forbids both).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Assignment
from autograder.gradebook.tally import FinalGrade
from autograder.html import render
from autograder.results import AFTER_LAST_CELL, QuestionResult, Status, SubmissionResult

MAX_LISTED_CELLS = 20
QUESTIONS_FILE = "questions.json"


@dataclass(frozen=True)
class QuestionInfo:
    """A question as the build describes it (``plan/questions.json``)."""

    name: str
    title: str
    points: float
    manual: bool = False


@dataclass(frozen=True)
class Block:
    # h1 | h2 | p | strong | alert | li-passed | li-failed (a check that costs points) |
    # li-info-passed | li-info-failed (a 0-point public check) | li | pre (student-controlled)
    kind: str
    text: str


def points_text(value: float) -> str:
    """At most 2 decimals, no trailing zeros: 0.67, 1.5, 27."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def title_of(prompt: str, name: str) -> str:
    """``Question 1.4: Why is deep learning so popular?`` from the prompt's opening words."""
    text = re.sub(r"\*\*|`", "", prompt).strip()
    match = re.match(r"(Question\s+[\d.]*\d)\.?\s*(.*)", text)
    label, rest = (match.group(1), match.group(2)) if match else ("", text)
    sentence = re.split(r"(?<=[.?!。？！])\s", rest, maxsplit=1)[0].strip()
    if len(sentence) > 90:
        sentence = sentence[:87].rstrip() + "..."
    if label and sentence:
        return f"{label}: {sentence}"
    return label or sentence or name


def write_question_info(questions: list[QuestionInfo], plan_dir: Path) -> None:
    from autograder.files import atomic_write_json

    atomic_write_json(plan_dir / QUESTIONS_FILE, [q.__dict__ for q in questions])


def read_question_info(plan_dir: Path) -> list[QuestionInfo]:
    path = plan_dir / QUESTIONS_FILE
    if not path.is_file():
        return []
    return [QuestionInfo(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


STOPPED = {
    Status.TIMEOUT: (
        "ran past the time limit",
        "make it faster: fewer epochs or a smaller slice of the data while you try things, and "
        "no loop that never ends; then restart the kernel and run every cell to time it",
    ),
    Status.MEMORY: (
        "used more memory than the limit",
        "make it hold less: smaller batches or layers, no extra copies of the data, `del` large "
        "arrays you no longer need; then restart the kernel and run every cell",
    ),
}


def stopped_text(result: SubmissionResult) -> str:
    """One paragraph for a run the host stopped: where, why, what to do (``STOPPED``)."""
    what, todo = STOPPED[result.status]
    if result.stopped_in is None:
        where = "your notebook"
    elif result.stopped_in == AFTER_LAST_CELL:
        where = "the grader's calls of your functions, after your last cell,"
    else:
        where = f"your code cell {result.stopped_in + 1}"
    why = f" ({result.reason})" if result.reason else ""
    return f"Your notebook was stopped: {where} {what}{why}. What to do: {todo}."


def blocks(
    result: SubmissionResult,
    assignment: Assignment,
    grade: FinalGrade | None,
    *,
    counted: bool = True,
    questions: list[QuestionInfo] | None = None,
) -> list[Block]:
    info = {q.name: q for q in questions or []}
    order = [q.name for q in questions or []]
    out = [Block("h1", f"{assignment.title or assignment.name}: feedback")]
    who = grade.who.name if grade is not None and grade.who.name else ""
    out.append(Block("p", f"Submission {result.submission} ({result.file})"
                     + (f", {who}" if who else "")))  # fmt: skip
    final = grade if grade is not None and counted else None
    if grade is not None and not counted:
        out.append(Block("strong", f"This submission does not count: your latest submission, "
                         f"{grade.result.submission}, is the one graded. Its scores below are "
                         "for your information."))  # fmt: skip
    auto = f"{points_text(result.total)} / {points_text(result.possible)}"
    if final is not None and final.total is None:
        out.append(Block("strong", f"Score: pending (graded by hand, not yet: "
                         f"{', '.join(final.pending)}); auto-graded so far {auto}"))  # fmt: skip
    elif final is not None:
        out.append(Block("strong", f"Score: {points_text(final.total or 0)} / "
                         f"{points_text(final.possible)} (status: {result.status})"))  # fmt: skip
    else:
        out.append(Block("strong", f"Score: {auto} (status: {result.status})"))
    unscored = f"{result.status}: {result.reason}"  # the note of every question of an ungraded run
    if result.status in STOPPED:
        cost = [n for n, q in result.questions.items() if q.possible > 0 and not q.cases]
        out.append(Block("alert", stopped_text(result)))
        if cost:
            out.append(Block("p", f"It cost the points of {len(cost)} question(s): "
                             f"{', '.join(cost)}."))  # fmt: skip
    elif result.reason:
        out += [Block("p", "What happened when your notebook ran:"), Block("pre", result.reason)]
    if final is not None and final.late.note:
        off = f": {points_text(final.penalty)} points off" if final.penalty else ""
        out.append(Block("p", f"Late work{off}. {final.late.note}."))
    if final is not None:
        for note in final.adjustments:
            out += [Block("p", "Corrected by your grader:"), Block("pre", note)]
    scores = final.scores if final is not None else {}
    names = list(result.questions) + [s for s in scores if s not in result.questions]
    names.sort(key=lambda n: order.index(n) if n in order else len(order))
    for name in names:
        q = result.questions.get(name)
        score = scores.get(name)
        possible = q.possible if q is not None else score.possible if score else 0.0
        title = info[name].title if name in info else name
        title = name if title == name else f"{title} ({name})"
        if score is not None and score.manual:
            given = "not graded yet" if score.points is None else points_text(score.points)
            out.append(Block("h2", f"{title}: {given} / {points_text(possible)}, graded by hand"))
            if score.note:
                out.append(Block("pre", score.note))
            continue
        if q is None:
            continue
        got = score.points if score is not None and score.points is not None else q.score
        out.append(Block("h2", f"{title}: {points_text(got)} / {points_text(possible)}"))
        if score is not None and score.overridden:
            out += [Block("p", "Set by your grader:"), Block("pre", score.note)]
        if not q.cases and q.note and q.note != unscored:  # an ungraded run's: said at the top
            out.append(Block("pre", q.note))
        out += _case_blocks(name, q)
    bad_cells = [c for c in result.cells if c.status != "ok"]
    if bad_cells:
        out.append(Block("h2", "Cells that did not finish"))
        for cell in bad_cells[:MAX_LISTED_CELLS]:
            out += [Block("li-failed", f"code cell {cell.index + 1}"),
                    Block("pre", cell.error or cell.status)]  # fmt: skip
        if len(bad_cells) > MAX_LISTED_CELLS:
            out.append(Block("li", f"and {len(bad_cells) - MAX_LISTED_CELLS} more"))
    if assignment.manual and grade is None:
        out.append(Block("p", f"Questions graded by hand later: {', '.join(assignment.manual)}."))
    return out


def _case_blocks(question: str, q: QuestionResult) -> list[Block]:
    """Each check: one that costs points (✓/✗) apart from a 0-point public check
    (informational); a failed one with its hint and what it found, verbatim."""
    out: list[Block] = []
    for case in q.cases:
        state = "passed" if case.passed else "failed"
        scored = bool(case.points) or case.hidden
        kind = "li" if scored else "li-info"
        if case.hidden:
            hint, _, found = case.message.partition("\n")
            worth = f" ({points_text(case.points or 0)} pt)"
            what = f": {hint}" if hint and hint != "passed" else ""
            out.append(Block(f"{kind}-{state}", f"hidden check{worth} {state}{what}"))
            if not case.passed and found.strip():
                out.append(Block("pre", found.strip()))
        else:
            label = case.name.removeprefix(f"{question} - ")  # otter's "q_model - 1"
            worth = (
                f" ({points_text(case.points)} pt)"
                if scored
                else " (no points, for your information)"
            )
            out.append(Block(f"{kind}-{state}", f"check {label}{worth} {state}"))
            if not case.passed and case.message:
                out.append(Block("pre", case.message))
    return out


MARKS = {"li-passed": "✓ ", "li-failed": "✗ ", "li-info-passed": "✓ ", "li-info-failed": "ⓘ "}


def to_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for block in items:
        if block.kind == "h1":
            lines += [f"# {_md_plain(block.text)}", ""]
        elif block.kind == "h2":
            lines += ["", f"## {_md_plain(block.text)}", ""]
        elif block.kind == "strong":
            lines += [f"**{_md_plain(block.text)}**", ""]
        elif block.kind == "alert":
            lines += [f"> **{_md_plain(block.text)}**", ""]
        elif block.kind.startswith("li"):
            lines.append(f"- {MARKS.get(block.kind, '')}{_md_plain(block.text)}")
        elif block.kind == "pre":
            lines += ["", _fenced(block.text), ""]
        else:
            lines += [_md_plain(block.text), ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True)
class _ListGroup:
    list: list[tuple[Block, list[Block]]]  # each item with the ``pre`` blocks under it
    kind: str = "ul"


def to_html(items: list[Block]) -> str:
    """The page: list items, each with the ``pre`` blocks that follow it, grouped into lists."""
    groups: list[Block | _ListGroup] = []
    for block in items:
        last = groups[-1] if groups else None
        if block.kind.startswith("li"):
            if not isinstance(last, _ListGroup):
                groups.append(last := _ListGroup([]))
            last.list.append((block, []))
        elif block.kind == "pre" and isinstance(last, _ListGroup):
            last.list[-1][1].append(block)
        else:
            groups.append(block)
    title = next((b.text for b in items if b.kind == "h1"), "Feedback")
    return render("feedback.html.j2", title=title, groups=groups)


def _md_plain(text: str) -> str:
    """Kit text in Markdown: characters Markdown or HTML would act on are escaped."""
    return re.sub(r"([\\`*\[\]<>#|])", r"\\\1", text)


def _fenced(text: str) -> str:
    """Student-controlled text as a fenced block: no Markdown or HTML in it is interpreted."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"
