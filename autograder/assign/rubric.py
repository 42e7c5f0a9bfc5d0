"""A question's rubric: its points split over its hidden checks by the weights the master states.

Each hidden test in a master notebook checks one requirement its question's prompt states, and
says how much of the question that requirement is worth with ``weight: N`` in its test config
(default 1). The instructor edits weights in the master like any other part of a question;
``grading.toml`` keeps the question's total. At build time each weight becomes otter's
``points``: the question's points split in proportion, in whole cents that add up exactly to
the question's points (largest remainder, ties to the earlier check). Public form checks keep
``points: 0``; a question with public checks only keeps otter's own even split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

CONFIG = re.compile(r'^""" # BEGIN TEST CONFIG\n(?P<body>.*?)""" # END TEST CONFIG\n', re.DOTALL)
QUESTION_POINTS = re.compile(r"^points:\s*(?P<points>[0-9.]+)\s*$", re.MULTILINE)
TEST_NAME = re.compile(r"^def (\w+)\(", re.MULTILINE)


class RubricError(ValueError):
    """A master's rubric that cannot be applied (the build names the question)."""


@dataclass(frozen=True)
class RubricLine:
    """One hidden check of a question with its share of the question's points."""

    question: str
    test: str
    weight: Fraction
    points: float


def split_in_cents(total: float, weights: list[Fraction]) -> list[float]:
    """``total`` split in proportion to ``weights``, in whole cents that add up to ``total``."""
    cents = round(Fraction(str(total)) * 100)
    exact = [cents * w / sum(weights) for w in weights]
    shares = [int(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: cents - sum(shares)]:
        shares[i] += 1
    return [share / 100 for share in shares]


def _config(source: str) -> tuple[dict[str, str], re.Match | None]:
    match = CONFIG.match(source)
    if not match:
        return {}, None
    entries = {}
    for line in match["body"].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            entries[key.strip()] = value.strip()
    return entries, match


def apply_rubric(cells: list, notebook_name: str = "") -> list[RubricLine]:
    """Turn every hidden test's ``weight`` into ``points`` in place; returns the rubric."""
    rubric: list[RubricLine] = []
    question, points, tests = "", 0.0, []
    for cell in cells:
        source = cell.source
        if cell.cell_type == "raw" and source.startswith("# BEGIN QUESTION"):
            question = re.search(r"^name:\s*(\S+)", source, re.MULTILINE)[1]
            found = QUESTION_POINTS.search(source)
            points, tests = (float(found["points"]) if found else 0.0), []
        elif cell.cell_type == "raw" and source.startswith("# END QUESTION"):
            rubric += _resolve(notebook_name, question, points, tests)
            question = ""
        elif cell.cell_type == "code" and question and CONFIG.match(source):
            tests.append(cell)
    return rubric


def _resolve(notebook: str, question: str, points: float, tests: list) -> list[RubricLine]:
    hidden = []
    for cell in tests:
        entries, match = _config(cell.source)
        if entries.get("hidden") != "true":
            if "weight" in entries:
                raise RubricError(f"{notebook} {question}: a public check takes no weight")
            continue
        if "points" in entries:
            raise RubricError(
                f"{notebook} {question}: hidden checks state a `weight`, not `points`"
            )
        try:
            weight = Fraction(entries.get("weight", "1"))
        except ValueError:
            raise RubricError(f"{notebook} {question}: weight must be a number") from None
        if weight <= 0:
            raise RubricError(f"{notebook} {question}: weights must be positive")
        hidden.append((cell, entries, match, weight))
    if not hidden:
        return []
    shares = split_in_cents(points, [weight for *_, weight in hidden])
    lines = []
    for (cell, entries, match, weight), share in zip(hidden, shares, strict=True):
        body = (
            "".join(f"{key}: {value}\n" for key, value in entries.items() if key != "weight")
            + f"points: {share:g}\n"
        )
        cell.source = (
            f'""" # BEGIN TEST CONFIG\n{body}""" # END TEST CONFIG\n' + cell.source[match.end() :]
        )
        test = TEST_NAME.search(cell.source)
        lines.append(RubricLine(question, test[1] if test else "?", weight, share))
    return lines
