"""``similarity.csv`` (every pair that shares code, ranked) and ``similarity.html`` (the ranked
table and, for the top pairs, folded sections with per-question bars and the shared passages
side by side). All student text is escaped;
the page runs no script and fetches nothing (the kit's one page skeleton and CSP)."""

from __future__ import annotations

import html
from pathlib import Path

from autograder.files import atomic_write_text, write_csv
from autograder.grade.feedback import page
from autograder.similarity import compare as rules
from autograder.similarity.compare import Comparison, PairScore, Passage
from autograder.similarity.sources import Document

DETAILED = 20  # pairs listed and shown folded (and every flagged pair, up to MAX_DETAILED)
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
    """The ranked pairs first (one line each), then each of the top pairs folded: its reasons,
    per-question bars and, opened, the shared code side by side (wrapped, never wider than the
    window)."""
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
        "counts: the skeleton's, the lecture's and the built solution's code (the base), and "
        f"code more than {rules.common_limit(comparison.documents)} submissions share, are left "
        "out; renamed variables, reformatting, moved cells, comments, prints, keyword order, "
        "<code>Sequential([...])</code> or <code>.add()</code>, comprehensions or loops and "
        "small helper functions do not change what is compared. A pair is flagged when "
        f"{rules.FLAG_OVERALL:.0%} of one notebook's own code is in the other "
        f"({rules.MIN_OVERALL_TOKENS}+ tokens), when {rules.MIN_SHARED_TOKENS}+ tokens of their "
        f"own are shared, when {rules.FLAG_QUESTION:.0%} of one question's code matches "
        f"({rules.MIN_QUESTION_TOKENS}+ tokens), or when {rules.IDENTICAL_QUESTIONS}+ questions "
        "are each identical.</p>",
    ]
    if skipped:
        parts.append(f"<details><summary>{len(skipped)} files not compared, or not in full"
                     "</summary><ul>")  # fmt: skip
        parts += [f"<li>{e(line)}</li>" for line in skipped]
        parts.append("</ul></details>")
    parts.append(
        f"<h2>Pairs, most similar first (top {len(detailed)})</h2><table class=rank><tr>"
        "<th>#</th><th>student A</th><th>student B</th><th>score</th><th>own code shared</th>"
        "<th>flag</th></tr>"
    )
    for rank, pair in enumerate(detailed, start=1):
        parts.append(
            f'<tr{" class=flagged" if pair.flagged else ""}><td><a href="#pair-{rank}">{rank}'
            f"</a></td><td>{e(pair.a.label)}</td><td>{e(pair.b.label)}</td>"
            f"<td>{pair.score:.0%}</td><td>{pair.overall:.0%} "
            f"({min(pair.matched_a, pair.matched_b)} tokens)</td>"
            f"<td>{e('; '.join(pair.reasons))}</td></tr>"
        )
    parts.append("</table><h2>The pairs (click to open)</h2>")
    for rank, pair in enumerate(detailed, start=1):
        parts.append(_pair_section(rank, pair, comparison.passages(pair)))
    style = (
        "body{max-width:90em;overflow-wrap:anywhere}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}"
        "tr.flagged td{background:#fff4e5}details{margin:.3em 0;border:1px solid #ddd;"
        "padding:.2em .5em}details.flagged>summary{background:#fff4e5}summary{cursor:pointer}"
        ".side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}"
        "pre.code{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em;margin:0}"
        "mark{background:#ffe08a}.bar{display:inline-block;height:.8em;background:#d9822b;"
        "vertical-align:middle}.track{display:inline-block;width:10em;background:#eee;"
        "margin-right:.5em}"
    )
    body = f"<style>{style}</style>" + "".join(parts)
    atomic_write_text(path, page(f"{title}: similarity", body))


def _pair_section(rank: int, pair: PairScore, passages: list[Passage]) -> str:
    e = _escape
    cells_a = {c.index: c for c in pair.a.cells}
    cells_b = {c.index: c for c in pair.b.cells}
    parts = [
        f'<details id="pair-{rank}"{" class=flagged" if pair.flagged else ""}><summary>'
        f"{rank}. {e(pair.a.label)} and {e(pair.b.label)}: {pair.score:.0%}"
        + (f" <strong>flagged: {e('; '.join(pair.reasons))}</strong>" if pair.flagged else "")
        + "</summary>",
        f"<p>whole notebook {pair.overall:.0%} ({pair.matched_a} and {pair.matched_b} tokens of "
        f"their own match); files: {e(pair.a.file)} and {e(pair.b.file)}</p>",
    ]
    if pair.questions:
        parts.append("<table><tr><th>question</th><th>its code matching</th><th>tokens</th></tr>")
        for question, (similarity, size) in sorted(pair.questions.items()):
            width = round(100 * similarity)
            parts.append(
                f"<tr><td><code>{e(question)}</code></td><td><span class=track><span class=bar "
                f'style="width:{width}%"></span></span>{similarity:.0%}</td><td>{size}</td></tr>'
            )
        parts.append("</table>")
    for passage in passages:
        a, b = cells_a[passage.cell_a], cells_b[passage.cell_b]
        parts.append(
            '<div class="side">'
            + _code(pair.a.label, a.index, a.question, a.source, passage.lines_a)
            + _code(pair.b.label, b.index, b.question, b.source, passage.lines_b)
            + "</div>"
        )
    parts.append("</details>")
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
