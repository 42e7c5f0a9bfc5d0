"""``similarity.csv`` (every pair that shares code, ranked) and ``similarity.html`` (the ranked
table and, for the top pairs, folded sections with per-question bars and the shared passages
side by side). The page is ``autograder/html/templates/similarity.html.j2``: all student text is
escaped, and it runs no script and fetches nothing (the kit's one page skeleton and CSP)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.files import atomic_write_text, write_csv
from autograder.html import render
from autograder.similarity import compare as rules
from autograder.similarity.compare import Comparison, PairScore, Passage
from autograder.similarity.sources import Document

DETAILED = 20  # pairs listed and shown folded (and every flagged pair, up to MAX_DETAILED)
MAX_DETAILED = 300
LISTED_LINES = 500  # pairs whose matched lines the CSV spells out
MAX_SHOWN_LINES = 150  # of one cell, in the page


def write_csv_report(path: Path, comparison: Comparison, questions: list[str]) -> None:
    rows: list[list[object]] = [[
        "rank", "score", "flagged", "why", "same_choices", "overall", "student_a", "name_a",
        "submission_a", "from_a", "student_b", "name_b", "submission_b", "from_b",
        "matched_tokens_a", "matched_tokens_b", *questions, "matched_lines",
    ]]  # fmt: skip
    for rank, pair in enumerate(comparison.pairs, start=1):
        lines = _lines_text(comparison.passages(pair)) if rank <= LISTED_LINES else ""
        per_question = [f"{pair.questions[q][0]:.3f}" if q in pair.questions else ""
                        for q in questions]  # fmt: skip
        rows.append([
            rank, f"{pair.score:.3f}", "yes" if pair.flagged else "", "; ".join(pair.reasons),
            _choices(pair), f"{pair.overall:.3f}", *_who(pair.a), *_who(pair.b), pair.matched_a,
            pair.matched_b, *per_question, lines,
        ])  # fmt: skip
    write_csv(path, rows)


def _choices(pair: PairScore) -> str:
    """The same set of choices, where it was weighed: how many questions alike, and the
    probability for independent students (its power of ten)."""
    found = pair.choices
    if found is None:
        return ""
    limit = found.log10_p + found.decades
    return (f"{len(found.matched)} of {found.compared} questions alike; P 1e{found.log10_p:.1f} "
            f"(flagged below 1e{limit:.1f})")  # fmt: skip


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
    flagged = [p for p in comparison.pairs if p.flagged]
    detailed = comparison.pairs[: min(max(DETAILED, len(flagged)), MAX_DETAILED)]
    thresholds = {
        "common_limit": rules.common_limit(comparison.documents),
        "support": rules.UNUSUAL_SUPPORT, "unusual_tokens": rules.MIN_UNUSUAL_TOKENS,
        "questions": rules.MATCHING_QUESTIONS, "some_questions": rules.SOME_QUESTIONS,
        "some_unusual": rules.SOME_UNUSUAL, "question": rules.FLAG_QUESTION,
        "substantial": rules.SUBSTANTIAL_QUESTION,
        "substantial_unusual": rules.SUBSTANTIAL_UNUSUAL,
        "overall": rules.FLAG_OVERALL, "overall_unusual": rules.MIN_OVERALL_UNUSUAL,
    }  # fmt: skip
    sections = [(pair, sorted(pair.questions.items()), _sides(pair, comparison.passages(pair)))
                for pair in detailed]  # fmt: skip
    page = render(
        "similarity.html.j2", title=f"{title}: similarity", heading=title, batch=batch,
        others=others, pairs=comparison.pairs, flagged=len(flagged), rules=thresholds,
        skipped=skipped, detailed=detailed, sections=sections,
    )  # fmt: skip
    atomic_write_text(path, page)


@dataclass(frozen=True)
class _Code:
    """One side of a shared passage: a cell's lines, the shared ones marked."""

    label: str
    index: int
    question: str
    lines: list[tuple[str, bool]]


def _sides(pair: PairScore, passages: list[Passage]) -> list[tuple[_Code, _Code]]:
    cells_a = {c.index: c for c in pair.a.cells}
    cells_b = {c.index: c for c in pair.b.cells}
    sides = []
    for passage in passages:
        a, b = cells_a[passage.cell_a], cells_b[passage.cell_b]
        left = _code(pair.a.label, a.index, a.question, a.source, passage.lines_a)
        sides.append((left, _code(pair.b.label, b.index, b.question, b.source, passage.lines_b)))
    return sides


def _code(label: str, index: int, question: str, source: str, marked: tuple[int, ...]) -> _Code:
    lines = source.split("\n")  # numbered as the tokenizer numbers them
    shown = [(line or " ", number in marked)
             for number, line in enumerate(lines[:MAX_SHOWN_LINES], start=1)]  # fmt: skip
    if len(lines) > MAX_SHOWN_LINES:
        shown.append((f"… {len(lines) - MAX_SHOWN_LINES} more lines", False))
    return _Code(label, index, question, shown)
