"""The same set of choices: how unlikely it is that two independent students answer so many
questions the same way, when each answer alone is one many students write.

Matching passages cannot tell a copy of common answers from honest work: every answer taken is
one others wrote too. What the copy keeps is the *combination*. Each question's answer cells
are put in classes (a cell's class: its canonical statements, each whole, but those wholly
base, checks, bare displays and aliases: a copy renamed, reformatted, refactored, padded or
given an ``assert`` stays in its class; a cell with no statement of its own is no answer).
Two independent students land in the same class ``c`` of a question with chance
``s_c ** 2``, ``s_c`` the share of the other submissions holding it
(leave-two-out: the pair's own answers do not count; add-one for the pair's classes: a class
nobody else holds counts as held by one, so a small class is not overrated). A pair's
evidence is ``T``, the sum over the questions it matches of ``-ln s_c`` (a common class adds
little, a rare one much: the likelihood ratio of copying against chance), and its probability
is the exact tail ``P(T' >= T)`` for two independent students of this class over the
questions both answered (a question one left empty or base-only is no evidence). A pair is
flagged when that probability times the number of pairs compared is under ``FAMILY_ALPHA``
(Bonferroni: in a class of independent students the chance of any flag is below it) and at
least ``MIN_MATCHED`` questions match. Lecture followers share classes many students hold:
each adds little, and they are not flagged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

import numpy as np

from autograder.similarity.fingerprints import Token, _hash


class Document(Protocol):
    """What is read of a submission (``sources.Document``, which imports this module): its
    cells, each with its ``question`` and its ``choice``."""

    cells: list


FAMILY_ALPHA = 1e-3  # flag when P * pairs compared is below this
MIN_MATCHED = 4  # questions whose answers are in the same class, at least
MIN_CLASS_TOKENS = 3  # a cell's own code shorter than this is no answer (base-only, a name)
STEP = 0.05  # nats: the tail's weights are rounded up to this grid (an upper bound)
SHOWN = 14  # powers of ten beyond which a probability is written "under 1 in 10^14"


@dataclass(frozen=True)
class Choices:
    """One pair's evidence: the questions where both answered in the same class."""

    matched: tuple[str, ...]
    compared: int  # questions both answered (own code, not base only)
    log10_p: float  # of the probability for independent students (an upper bound)
    pairs: int  # pairs compared in the class

    @property
    def decades(self) -> float:
        """How far under the flag's limit the pair's probability is, in powers of ten
        (positive: flagged, if enough questions match)."""
        return math.log10(FAMILY_ALPHA / max(self.pairs, 1)) - self.log10_p

    @property
    def strength(self) -> float:
        """The probability's exponent against the flag's (1 at the flag)."""
        limit = -math.log10(FAMILY_ALPHA / max(self.pairs, 1))
        return max(0.0, -self.log10_p) / limit if limit > 0 else 0.0

    @property
    def flagged(self) -> bool:
        return len(self.matched) >= MIN_MATCHED and self.decades > 0

    @property
    def reason(self) -> str:
        power = math.floor(-self.log10_p)  # rounded towards the likelier
        odds = f"under 1 in 10^{SHOWN}" if power >= SHOWN else f"about 1 in 10^{power}"
        return (f"the same choices on {len(self.matched)} of {self.compared} questions "
                f"({', '.join(self.matched)}); {odds} for independent students in this "
                "class")  # fmt: skip


def answer_class(tokens: list[Token], base: set[int]) -> int:
    """The class of a cell's answer (0: none of its own): its canonical statements, each
    whole, but those wholly base (``base``: the positions of tokens the base covers), checks
    (``assert``), bare displays (a name, a tuple of attributes) and aliases (names bound to
    names, as a helper's result): a copier adds and drops those, and they compute nothing."""
    statements: list[list[tuple[int, Token]]] = []
    where = None
    for position, token in enumerate(tokens):
        here = token.unit or (token.line, token.last)
        if here != where or not statements:
            statements.append([])
            where = here
        statements[-1].append((position, token))
    kept = [[t.text for _, t in statement] for statement in statements
            if any(p not in base for p, _ in statement)]  # fmt: skip
    kept = [s for s in kept if _answers(s)]
    if sum(len(s) for s in kept) < MIN_CLASS_TOKENS:
        return 0
    return _hash(" ; ".join(" ".join(s) for s in kept)) or 1


def _answers(statement: list[str]) -> bool:
    """Not a check, a bare display or an alias."""
    if statement[0] == "assert" or ("=" not in statement and "(" not in statement):
        return False
    return not set(statement) <= {"V", ",", "(", ")", "[", "]", "="}


def answer_classes(doc: Document) -> dict[str, frozenset[int]]:
    """Each question's answer classes: one per cell with an answer of its own."""
    out: dict[str, set[int]] = defaultdict(set)
    for cell in doc.cells:
        if cell.choice:
            out[cell.question].add(cell.choice)
    return {q: frozenset(c) for q, c in out.items()}


def same_choices(
    documents: list[Document],
    in_batch: int,
    *,
    compared: int,
    skip: Callable[[int, int], bool] | None = None,
) -> dict[tuple[int, int], Choices]:
    """The pairs (``i < j``, ``i`` in the batch) whose shared classes could make them
    surprising, with their evidence; ``compared``: how many pairs the class has; ``skip(i, j)``:
    pairs never compared (a student's own submissions)."""
    table = _Classes(documents)
    limit = math.log(FAMILY_ALPHA / max(compared, 1))  # natural log of the flag's probability
    out = {}
    for i, j in sorted(table.candidates(in_batch)):
        if skip is not None and skip(i, j):
            continue
        both = sorted(table.of[i].keys() & table.of[j].keys())
        matched = [q for q in both if table.of[i][q] & table.of[j][q]]
        if len(matched) < MIN_MATCHED:
            continue
        evidence = sum(table.weight(q, i, j) for q in matched)
        if -2 * evidence >= limit:  # matching on these classes alone is likelier than a flag
            continue
        log_p = table.tail(both, i, j, evidence)
        out[i, j] = Choices(tuple(matched), len(both), log_p / math.log(10), compared)
    return out


class _Classes:
    """Who holds each answer class, per question, for one comparison."""

    def __init__(self, documents: list[Document]) -> None:
        self.of = [answer_classes(doc) for doc in documents]
        self.holders: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.answered: dict[str, int] = defaultdict(int)
        for number, by_question in enumerate(self.of):
            for question, found in by_question.items():
                self.answered[question] += 1
                for c in found:
                    self.holders[question, c].append(number)
        self.by_question: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (question, c), who in self.holders.items():
            self.by_question[question].append((c, len(who)))

    def candidates(self, in_batch: int) -> set[tuple[int, int]]:
        """Pairs sharing a class that at most half of the question's answers hold: a class
        more common adds at most ln 2 a question, which alone never reaches a flag (and this
        bounds the work, whatever the class submits)."""
        found: set[tuple[int, int]] = set()
        for (question, _), who in self.holders.items():
            if len(who) * 2 <= self.answered[question]:
                found.update((i, j) for i, j in combinations(who, 2) if i < in_batch)
        return found

    def shares(self, question: str, i: int, j: int) -> dict[int, float]:
        """The shares among the other answers of the pair's own classes (leave-two-out,
        add-one: a class nobody else holds counts as held by one)."""
        mine, theirs = self.of[i][question], self.of[j][question]
        others = self.answered[question] - 2
        return {c: (len(self.holders[question, c]) - (c in mine) - (c in theirs) + 1)
                / (others + 1) for c in mine | theirs}  # fmt: skip

    def weight(self, question: str, i: int, j: int) -> float:
        """What matching on this question adds: ``-ln s`` of the rarest class both hold."""
        shares = self.shares(question, i, j)
        return max(-math.log(shares[c]) for c in self.of[i][question] & self.of[j][question])

    def tail(self, both: list[str], i: int, j: int, evidence: float) -> float:
        """ln P(T' >= evidence) for two independent students over the questions ``both``: per
        question, matching on class ``c`` (chance ``s_c ** 2``, a union bound where a student
        has several cells) adds ``-ln s_c``, rounded up to STEP (an upper bound); the
        questions' distributions are convolved on that grid."""
        top = math.ceil(evidence / STEP - 1e-9)
        total = np.ones(1)
        for question in both:
            own = self.shares(question, i, j)
            others = self.answered[question] - 2
            weights: dict[int, float] = defaultdict(float)
            for c, number in self.by_question[question]:
                share = own[c] if c in own else number / (others + 1)
                weights[min(top, math.ceil(-math.log(share) / STEP))] += share * share
            one = np.zeros(max(weights) + 1)
            for w, p in weights.items():
                one[w] += p
            one[0] += max(0.0, 1.0 - sum(weights.values()))
            total = np.convolve(total, one)
            if len(total) > top + 1:
                total[top] += total[top + 1 :].sum()
                total = total[: top + 1]
        p = float(total[top:].sum()) if len(total) > top else 0.0
        return math.log(max(p, 1e-300))
