"""``similarity.csv`` (every pair that shares code, ranked) and ``similarity.html`` (the ranked
table and, for the top pairs, the shared passages side by side). All student text is escaped;
the page runs no script and fetches nothing (the kit's one page skeleton and CSP)."""

from __future__ import annotations

import html
from pathlib import Path

from autograder.files import atomic_write_text, write_csv
from autograder.grade.feedback import page
from autograder.similarity import compare as rules
from autograder.similarity.compare import Comparison, PairScore, Passage
from autograder.similarity.sources import Document

DETAILED = 40  # pairs shown with their passages (and every flagged pair, up to MAX_DETAILED)
MAX_DETAILED = 300
LISTED_LINES = 500  # pairs whose matched lines the CSV spells out
MAX_SHOWN_LINES = 150  # of one cell, in the page


def write_csv_report(path: Path, comparison: Comparison, questions: list[str]) -> None:
    rows: list[list[object]] = [[
        "rank", "score", "flagged", "why", "overall", "student_a", "name_a", "submission_a",
        "from_a", "student_b", "name_b", "submission_b", "from_b", "matched_tokens_a",
        "matched_tokens_b", *questions, "matched_lines",
    ]]  # fmt: skip
    for rank, pair in enumerate(comparison.pairs, start=1):
        lines = _lines_text(comparison.passages(pair)) if rank <= LISTED_LINES else ""
        per_question = [f"{pair.questions[q][0]:.3f}" if q in pair.questions else ""
                        for q in questions]  # fmt: skip
        rows.append([
            rank, f"{pair.score:.3f}", "yes" if pair.flagged else "", "; ".join(pair.reasons),
            f"{pair.overall:.3f}", *_who(pair.a), *_who(pair.b), pair.matched_a, pair.matched_b,
            *per_question, lines,
        ])  # fmt: skip
    write_csv(path, rows)


def _who(doc: Document) -> list[str]:
    return [doc.who.key, doc.who.name, doc.key.split("/", 1)[-1], doc.origin or "this batch"]


def _ranges(lines: tuple[int, ...]) -> str:
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def _lines_text(passages: list[Passage]) -> str:
    return "; ".join(
        f"cell {p.cell_a + 1} lines {_ranges(p.lines_a)} ~ cell {p.cell_b + 1} lines "
        f"{_ranges(p.lines_b)}"
        for p in passages
    )


def write_html_report(
    path: Path,
    comparison: Comparison,
    *,
    title: str,
    batch: int,
    others: dict[str, int],
    skipped: list[str],
) -> None:
    e = _escape
    flagged = [p for p in comparison.pairs if p.flagged]
    detailed = comparison.pairs[: min(max(DETAILED, len(flagged)), MAX_DETAILED)]
    against = ", ".join(f"{n} from {e(origin)}" for origin, n in others.items())
    parts = [
        f"<h1>{e(title)}: similarity</h1>",
        f"<p>{batch} submissions compared with each other"
        + (f" and with {against}" if against else "")
        + f"; {len(comparison.pairs)} pairs share code; <strong>{len(flagged)} flagged</strong>."
        "</p>",
        "<p><em>A flag is a reason to look, never a verdict.</em> Only code the students wrote "
        "counts: the skeleton's lines, and code more than "
        f"{rules.common_limit(comparison.documents)} submissions share, are left out. A pair is "
        f"flagged when at least {rules.FLAG_OVERALL:.0%} of both notebooks' own code matches "
        f"({rules.MIN_OVERALL_TOKENS}+ tokens each), or {rules.FLAG_QUESTION:.0%} of one "
        f"question's ({rules.MIN_QUESTION_TOKENS}+ tokens each). Renamed variables, reformatting,"
        " moved cells, comments and prints do not hide a copy; two students who follow the "
        "lecture closely can look alike.</p>",
    ]
    if skipped:
        parts.append("<h2>Not compared, or not in full</h2><ul>")
        parts += [f"<li>{e(line)}</li>" for line in skipped]
        parts.append("</ul>")
    parts.append(
        "<h2>Pairs, most similar first</h2><table><tr><th>#</th><th>student A</th>"
        "<th>student B</th><th>score</th><th>whole notebook</th><th>flag</th></tr>"
    )
    for rank, pair in enumerate(detailed, start=1):
        parts.append(
            f'<tr{" class=flagged" if pair.flagged else ""}><td><a href="#pair-{rank}">{rank}'
            f"</a></td><td>{e(pair.a.label)}</td><td>{e(pair.b.label)}</td>"
            f"<td>{pair.score:.0%}</td><td>{pair.overall:.0%}</td>"
            f"<td>{e('; '.join(pair.reasons))}</td></tr>"
        )
    parts.append("</table>")
    for rank, pair in enumerate(detailed, start=1):
        parts.append(_pair_section(rank, pair, comparison.passages(pair)))
    style = (
        "body{max-width:90em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.25em .6em;vertical-align:top}tr.flagged td{background:#fff4e5}"
        ".side{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
        "pre.code{white-space:pre;overflow-x:auto;font-size:.85em}mark{background:#ffe08a}"
    )
    body = f"<style>{style}</style>" + "".join(parts)
    atomic_write_text(path, page(f"{title}: similarity", body))


def _pair_section(rank: int, pair: PairScore, passages: list[Passage]) -> str:
    e = _escape
    cells_a = {c.index: c for c in pair.a.cells}
    cells_b = {c.index: c for c in pair.b.cells}
    parts = [
        f'<h2 id="pair-{rank}">{rank}. {e(pair.a.label)} and {e(pair.b.label)}</h2>',
        f"<p>score {pair.score:.0%}; whole notebook {pair.overall:.0%} "
        f"({pair.matched_a} and {pair.matched_b} tokens match)"
        + (f"; <strong>flagged: {e('; '.join(pair.reasons))}</strong>" if pair.flagged else "")
        + f"</p><p>files: {e(pair.a.file)} and {e(pair.b.file)}</p>",
    ]
    if pair.questions:
        parts.append("<table><tr><th>question</th><th>its code matching</th><th>tokens</th></tr>")
        for question, (similarity, size) in sorted(pair.questions.items()):
            parts.append(f"<tr><td><code>{e(question)}</code></td><td>{similarity:.0%}</td>"
                         f"<td>{size}</td></tr>")  # fmt: skip
        parts.append("</table>")
    for passage in passages:
        a, b = cells_a[passage.cell_a], cells_b[passage.cell_b]
        parts.append(
            '<div class="side">'
            + _code(pair.a.label, a.index, a.question, a.source, passage.lines_a)
            + _code(pair.b.label, b.index, b.question, b.source, passage.lines_b)
            + "</div>"
        )
    return "".join(parts)


def _code(label: str, index: int, question: str, source: str, marked: tuple[int, ...]) -> str:
    e = _escape
    shown = []
    lines = source.split("\n")  # numbered as the tokenizer numbers them
    for number, line in enumerate(lines[:MAX_SHOWN_LINES], start=1):
        text = e(line) or " "
        shown.append(f"<mark>{text}</mark>" if number in marked else text)
    if len(lines) > MAX_SHOWN_LINES:
        shown.append(e(f"… {len(lines) - MAX_SHOWN_LINES} more lines"))
    return (
        f"<div><p>{e(label)}: code cell {index + 1} (<code>{e(question)}</code>)</p>"
        f'<pre class="code">{chr(10).join(shown)}</pre></div>'
    )


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)
