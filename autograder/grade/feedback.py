"""A student's feedback for one submission: Markdown and a self-contained HTML page.

Both are rendered from one list of blocks, in the notebook's question order with each
question's title: points (at most 2 decimals), every check with what it checked (a public
check's own message; a hidden check's authored hint, never its expected value), the student's
own cell, line and exception for cells that failed, and the final grade's manual scores,
corrections and lateness. Text a student controls is fenced in Markdown and escaped in HTML;
the page loads nothing and runs no script (its Content-Security-Policy forbids both).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Assignment
from autograder.gradebook.tally import FinalGrade
from autograder.results import SubmissionResult

MAX_LISTED_CELLS = 20
QUESTIONS_FILE = "questions.json"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 52em; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #3b75af; padding-bottom: .2em; }
h2 { margin-top: 1.6em; font-size: 1.15em; }
.score { font-size: 1.3em; font-weight: bold; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .6em;
      border-left: 3px solid #bbb; }
li.passed::marker { content: "✓ "; color: #2a7a2a; }
li.failed::marker { content: "✗ "; color: #b02a2a; }
"""


@dataclass(frozen=True)
class QuestionInfo:
    """A question as the build describes it (``plan/questions.json``)."""

    name: str
    title: str
    points: float
    manual: bool = False


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | p | strong | li-passed | li-failed | li | pre (student-controlled text)
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
    if final is not None and final.late.note:
        off = f": {points_text(final.penalty)} points off" if final.penalty else ""
        out.append(Block("p", f"Late work{off}. {final.late.note}."))
    if final is not None:
        for note in final.adjustments:
            out += [Block("p", "Corrected by your grader:"), Block("pre", note)]
    if result.reason:
        out += [Block("p", "What happened when your notebook ran:"), Block("pre", result.reason)]
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
        got = score.points if score is not None and score.points is not None else q.score
        out.append(Block("h2", f"{title}: {points_text(got)} / {points_text(possible)}"))
        if score is not None and score.overridden:
            out += [Block("p", "Set by your grader:"), Block("pre", score.note)]
        if not q.cases and q.note:
            out.append(Block("pre", q.note))
        for case in q.cases:
            kind = "hidden check" if case.hidden else "check"
            worth = f" ({points_text(case.points)} pt)" if case.points else ""
            state = "passed" if case.passed else "failed"
            if case.hidden:
                what = f": {case.message}" if case.message and case.message != "passed" else ""
                out.append(Block(f"li-{state}", f"{kind}{worth} {state}{what}"))
            else:
                label = case.name.removeprefix(f"{name} - ")  # otter's "q_model - 1"
                out.append(Block(f"li-{state}", f"{kind} {label}{worth} {state}"))
                if not case.passed and case.message:
                    out.append(Block("pre", case.message))
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


def to_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for block in items:
        if block.kind == "h1":
            lines += [f"# {_md_plain(block.text)}", ""]
        elif block.kind == "h2":
            lines += ["", f"## {_md_plain(block.text)}", ""]
        elif block.kind == "strong":
            lines += [f"**{_md_plain(block.text)}**", ""]
        elif block.kind.startswith("li"):
            mark = {"li-passed": "✓ ", "li-failed": "✗ "}.get(block.kind, "")
            lines.append(f"- {mark}{_md_plain(block.text)}")
        elif block.kind == "pre":
            lines += ["", _fenced(block.text), ""]
        else:
            lines += [_md_plain(block.text), ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def to_html(items: list[Block]) -> str:
    def e(text: str) -> str:
        return html.escape(text, quote=True)

    title = next((b.text for b in items if b.kind == "h1"), "Feedback")
    body: list[str] = []
    in_list = False
    for block in items:
        is_item = block.kind.startswith("li")
        if is_item and not in_list:
            body.append("<ul>")
        if not is_item and in_list and block.kind != "pre":
            body.append("</ul>")
        in_list = is_item or (in_list and block.kind == "pre")
        if block.kind in ("h1", "h2"):
            body.append(f"<{block.kind}>{e(block.text)}</{block.kind}>")
        elif block.kind == "strong":
            body.append(f'<p class="score">{e(block.text)}</p>')
        elif is_item:
            css = block.kind.removeprefix("li").removeprefix("-") or "note"
            body.append(f'<li class="{css}">{e(block.text)}</li>')
        elif block.kind == "pre":
            body.append(f"<pre>{e(block.text)}</pre>")
        else:
            body.append(f"<p>{e(block.text)}</p>")
    if in_list:
        body.append("</ul>")
    return page(title, "".join(body))


def page(title: str, body: str) -> str:
    """A self-contained page: inline style, no script, nothing fetched."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _md_plain(text: str) -> str:
    """Kit text in Markdown: characters Markdown or HTML would act on are escaped."""
    return re.sub(r"([\\`*\[\]<>#|])", r"\\\1", text)


def _fenced(text: str) -> str:
    """Student-controlled text as a fenced block: no Markdown or HTML in it is interpreted."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"
