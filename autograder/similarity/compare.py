"""Score every pair of documents through an inverted index of their fingerprints.

A pair's similarity is the larger of the two students' shares of distinctive tokens covered by
fingerprints they share (containment, as MOSS's per-side percentages and JPlag's maximum: code
added around a copy does not dilute it): overall, whatever the cells' order, and per question
(the question's cells against the same question's). The skeleton's fingerprints count for
nobody (nor do the base's: the lecture's code, the built solution), and a fingerprint that more
than ``common_limit`` documents hold is code everyone writes (an idiom): it is left out, as MOSS
does, and the tokens only such fingerprints cover are not distinctive.

Shared code is not yet evidence: independent students who answer a short question the usual
way share it too. What a copy carries and independent work does not is *unusual* code: each
cell's passage the pair shares (its shared fingerprints together) is unusual when at most
``UNUSUAL_SUPPORT`` other documents hold the whole passage; the literals' values (a learning
rate, a figure size, a title) are compared in a second stream the same way, since a copy keeps
them. Pairs are ranked by the unusual code they share, then by their shares. A pair is flagged
when much unusual code is shared (padding does not hide it), when several questions' own code
matches (splitting does not hide it: each may be short), or when most of one notebook's own
code is in the other and part of it is unusual. Code many students write the same way, one
short answer, or the base is never enough.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from autograder.similarity.choices import Choices, same_choices
from autograder.similarity.fingerprints import Fingerprint, K
from autograder.similarity.sources import CodeCell, Document

# Set on the benchmark's classes (benchmarks/similarity_report.py: 30 and 60 students with seeds
# 0-7, 500 with seeds 0-2), then checked on other seeds: no honest pair there reaches any of them.
UNUSUAL_SUPPORT = 1  # a shared passage at most this many other documents hold (a ring of 3)
MIN_PASSAGE = 20  # tokens: an unusual passage this long counts one cell (a line does not)
MIN_UNUSUAL_TOKENS = 130  # flag: this much unusual code shared, whatever its share (padding)
MATCHING_QUESTIONS = 6  # or this many questions' own code matches (splitting, partial copies)
SOME_QUESTIONS, SOME_UNUSUAL = 4, 60  # or this many, with this much unusual code among them
FLAG_OVERALL, MIN_OVERALL_UNUSUAL = 0.85, 100  # or this share of one notebook's own code is in
# the other, and this much of it is unusual
# or one question's substantial code matches with this much unusual code shared: on the
# benchmark's honest pairs (500 students, seeds 0-1; 200, seed 2) a matching question of 90+
# tokens came with at most 62 unusual tokens, and any pair shared at most 117 (with no question
# matching); a copied 95-token generator keeps 125 after the base
SUBSTANTIAL_QUESTION, SUBSTANTIAL_UNUSUAL = 90, 100
FLAG_QUESTION, MIN_QUESTION_TOKENS = 0.8, 12  # a question matches: this share of its own code,
# at least this much
COMMON_MIN, COMMON_FRACTION = 10, 0.1  # held by more documents than this: everyone's code
MAX_PASSAGES = 30
MAX_PLACES = 20  # of one fingerprint in one document, shown as passages


@dataclass(frozen=True)
class Passage:
    """Code two documents share: lines (1-based, inclusive ranges) of one cell of each."""

    cell_a: int
    lines_a: tuple[int, ...]
    cell_b: int
    lines_b: tuple[int, ...]


@dataclass
class PairScore:
    a: Document
    b: Document
    overall: float
    matched_a: int  # of a's own tokens, how many the shared fingerprints cover
    matched_b: int
    questions: dict[str, tuple[float, int]] = field(default_factory=dict)  # q -> (sim, tokens)
    unusual: int = 0  # tokens of unusual shared passages (the smaller side's count)
    unusual_cells: int = 0  # cells holding an unusual passage of MIN_PASSAGE+ tokens (smaller side)
    rarity: float = 0.0  # of the matching questions: sum of log(documents / (1 + others))
    choices: Choices | None = None  # the same set of choices (where it could be surprising)

    @property
    def score(self) -> float:
        """What ranks the pair: how close it comes to a flag (its unusual code, its matching
        questions, its share with unusual code), then a little for its shares, so that pairs
        sharing only usual code still come in order of how much."""
        questions = len(self.matching)
        near = max(self.unusual / MIN_UNUSUAL_TOKENS, questions / MATCHING_QUESTIONS,
                   min(questions / SOME_QUESTIONS, self.unusual / SOME_UNUSUAL),
                   self.overall * min(1.0, self.unusual / MIN_OVERALL_UNUSUAL),
                   min(self._longest_match / SUBSTANTIAL_QUESTION,
                       self.unusual / SUBSTANTIAL_UNUSUAL),
                   self.choices.strength if self.choices else 0.0)  # fmt: skip
        usual = 0.1 * self.overall * min(1.0, min(self.matched_a, self.matched_b) / 100)
        return round(min(1.0, max(near, usual)), 4)

    @property
    def _longest_match(self) -> int:
        """Own tokens of the longest question that matches."""
        return max((self.questions[q][1] for q in self.matching), default=0)

    @property
    def matching(self) -> list[str]:
        """The questions whose own code matches (short ones too)."""
        return sorted(q for q, (s, t) in self.questions.items()
                      if s >= FLAG_QUESTION and t >= MIN_QUESTION_TOKENS)  # fmt: skip

    @property
    def reasons(self) -> list[str]:
        """Why the pair is flagged (empty: it is not)."""
        found = []
        matching = self.matching
        if self.unusual >= MIN_UNUSUAL_TOKENS:
            found.append(f"{self.unusual} tokens of unusual code shared")
        if len(matching) >= MATCHING_QUESTIONS:
            found.append(f"{len(matching)} questions match ({', '.join(matching)})")
        elif len(matching) >= SOME_QUESTIONS and self.unusual >= SOME_UNUSUAL:
            found.append(f"{len(matching)} questions match ({', '.join(matching)}) and "
                         f"{self.unusual} tokens of unusual code are shared")  # fmt: skip
        substantial = [q for q in matching if self.questions[q][1] >= SUBSTANTIAL_QUESTION]
        if substantial and self.unusual >= SUBSTANTIAL_UNUSUAL:
            found.append(f"{substantial[0]}: {self.questions[substantial[0]][0]:.0%} of its "
                         f"{self.questions[substantial[0]][1]} tokens match, "
                         f"{self.unusual} tokens of unusual code shared")  # fmt: skip
        if self.overall >= FLAG_OVERALL and self.unusual >= MIN_OVERALL_UNUSUAL:
            found.append(f"{self.overall:.0%} of one notebook's own code matches the other's, "
                         f"{self.unusual} tokens of it unusual")  # fmt: skip
        if self.choices is not None and self.choices.flagged:
            found.append(self.choices.reason)
        return found

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass
class Comparison:
    pairs: list[PairScore]  # highest score first
    ignored: frozenset[int]  # the skeleton's and everyone's fingerprints
    documents: int

    def passages(self, pair: PairScore) -> list[Passage]:
        return _passages(pair.a, pair.b, _hashes(pair.a) & _hashes(pair.b) - self.ignored)


def common_limit(documents: int) -> int:
    return max(COMMON_MIN, math.ceil(COMMON_FRACTION * documents))


def compare(
    batch: list[Document], others: list[Document], *, skeleton_hashes: frozenset[int]
) -> Comparison:
    """Every pair within ``batch`` and between ``batch`` and ``others`` (earlier terms, the
    solution) sharing at least two fingerprints, highest score first; a student's own
    submissions are not paired."""
    documents = batch + others
    in_batch = len(batch)
    sets = [_HashSets(doc) for doc in documents]
    postings: dict[int, list[int]] = defaultdict(list)
    for number, hashes in enumerate(sets):
        for h in hashes.all - skeleton_hashes:
            postings[h].append(number)
    limit = common_limit(len(documents))
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in postings.values():
        if 2 <= len(holders) <= limit:
            for i, j in combinations(holders, 2):  # holders ascending: i < j
                if i < in_batch:
                    shared[i, j] += 1
    ignored = frozenset(h for h, holders in postings.items() if len(holders) > limit)
    ignored |= skeleton_hashes
    for doc, hashes in zip(documents, sets, strict=True):
        hashes.measure(doc, ignored)
    holders = _Holders(postings, sets, limit)

    def own(i: int, j: int) -> bool:  # a student's own submissions are not paired
        return documents[i].who.key == documents[j].who.key and not documents[j].origin

    compared = in_batch * (in_batch - 1) // 2 + in_batch * (len(documents) - in_batch)
    choices = same_choices(documents, in_batch, compared=compared, skip=own)
    flagged = {key for key, found in choices.items() if found.flagged}
    pairs = []
    for i, j in sorted(shared.keys() | flagged):
        a, b = documents[i], documents[j]
        if (shared.get((i, j), 0) >= 2 or (i, j) in flagged) and not own(i, j):
            pair = _score(a, b, sets[i], sets[j], ignored)
            if min(pair.matched_a, pair.matched_b) >= MIN_PASSAGE // 2:
                pair.unusual, pair.unusual_cells = holders.unusual(i, j, a, b)
                pair.rarity = holders.rarity(i, j, pair.matching)
            pair.choices = choices.get((i, j))
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, -p.unusual, -(p.matched_a + p.matched_b), p.a.key,
                              p.b.key))  # fmt: skip
    return Comparison(pairs, ignored, len(documents))


def _hashes(doc: Document, question: str | None = None) -> set[int]:
    return {f.hash for c in doc.cells if question in (None, c.question) for f in c.fingerprints}


class _HashSets:
    """A document's fingerprint hashes, whole and per question, computed once; ``measure``
    adds how many of its tokens are distinctive (covered by a fingerprint not ignored)."""

    def __init__(self, doc: Document) -> None:
        self.all = _hashes(doc)
        self.literals = {f.hash for c in doc.cells for f in c.literals}
        self.by_question = {q: _hashes(doc, q) for q in {c.question for c in doc.cells}}
        self.size_by_question: dict[str, int] = {}
        self.size = 0

    def measure(self, doc: Document, ignored: frozenset[int]) -> None:
        kept = self.all - ignored
        self.size_by_question = {
            q: _covered([c for c in doc.cells if c.question == q], kept) for q in self.by_question
        }
        self.size = sum(self.size_by_question.values())


class _Holders:
    """Who holds each fingerprint, as a bit set over the documents (both streams: the
    canonical tokens and the literals' values), to tell how many others hold a passage."""

    def __init__(self, postings: dict[int, list[int]], sets: list[_HashSets], limit: int):
        self.code = {h: _bits(who) for h, who in postings.items() if 2 <= len(who) <= limit}
        literal: dict[int, list[int]] = defaultdict(list)
        for number, hashes in enumerate(sets):
            for h in hashes.literals:
                literal[h].append(number)
        self.literal = {h: _bits(who) for h, who in literal.items() if 2 <= len(who) <= limit}
        self.sets = sets

    def unusual(self, i: int, j: int, a: Document, b: Document) -> tuple[int, int]:
        """Tokens of the unusual passages the pair shares and the cells they are in (the
        smaller side's figures): per cell, the passage is what it shares with the other
        document; unusual when at most UNUSUAL_SUPPORT other documents hold all of it."""
        pair = (1 << i) | (1 << j)
        code = self.sets[i].all & self.sets[j].all
        literal = self.sets[i].literals & self.sets[j].literals
        sides = []
        for doc in (a, b):
            tokens = cells = 0
            for cell in doc.cells:
                positions = self._positions(cell.fingerprints, code, self.code, pair)
                positions |= self._positions(cell.literals, literal, self.literal, pair)
                tokens += len(positions)
                cells += len(positions) >= MIN_PASSAGE
            sides.append((tokens, cells))
        return min(t for t, _ in sides), min(c for _, c in sides)

    def rarity(self, i: int, j: int, questions: list[str]) -> float:
        """How unlikely it is that two students write these questions' code alike by chance:
        for each, what the pair shares of it is held by ``others`` other documents too, which
        makes ``log(documents / (1 + others))``; summed (a usual answer adds little, one that
        nobody else wrote the way they both did adds the most)."""
        pair = (1 << i) | (1 << j)
        total = 0.0
        documents = len(self.sets)
        for question in questions:
            passage = (self.sets[i].by_question.get(question, set())
                       & self.sets[j].by_question.get(question, set())
                       & self.code.keys())  # fmt: skip
            if not passage:
                continue
            everyone = -1
            for h in passage:
                everyone &= self.code[h]
            total += math.log(documents / (1 + (everyone & ~pair).bit_count()))
        return round(total, 2)

    @staticmethod
    def _positions(fingerprints: tuple[Fingerprint, ...], both: set[int],
                   holders: dict[int, int], pair: int) -> set[int]:  # fmt: skip
        """The token positions of the cell's passage shared with the other document, if it
        is unusual; else none."""
        passage = [f for f in fingerprints if f.hash in both and f.hash in holders]
        if not passage:
            return set()
        everyone = -1
        for f in passage:
            everyone &= holders[f.hash]
        if (everyone & ~pair).bit_count() > UNUSUAL_SUPPORT:
            return set()
        return {n for f in passage for n in range(f.start, f.start + K)}


def _bits(numbers: list[int]) -> int:
    out = 0
    for n in numbers:
        out |= 1 << n
    return out


def _score(
    a: Document, b: Document, sets_a: _HashSets, sets_b: _HashSets, ignored: frozenset[int]
) -> PairScore:
    both = sets_a.all & sets_b.all - ignored
    matched_a, matched_b = _covered(a.cells, both), _covered(b.cells, both)
    pair = PairScore(a, b, _containment(matched_a, sets_a.size, matched_b, sets_b.size),
                     matched_a, matched_b)  # fmt: skip
    for question in sets_a.by_question.keys() & sets_b.by_question.keys():
        same = sets_a.by_question[question] & sets_b.by_question[question] & both
        if not same:
            continue
        in_a = [c for c in a.cells if c.question == question]
        in_b = [c for c in b.cells if c.question == question]
        qa, qb = _covered(in_a, same), _covered(in_b, same)
        similarity = _containment(qa, sets_a.size_by_question[question],
                                  qb, sets_b.size_by_question[question])  # fmt: skip
        pair.questions[question] = (similarity, min(qa, qb))
    return pair


def _containment(matched_a: int, size_a: int, matched_b: int, size_b: int) -> float:
    """The larger share of one side's distinctive tokens that the other side also has."""
    shares = [m / s for m, s in ((matched_a, size_a), (matched_b, size_b)) if s]
    return round(min(1.0, max(shares, default=0.0)), 4)


def _covered(cells: list[CodeCell], hashes: set[int]) -> int:
    """How many tokens of ``cells`` lie in a k-gram whose fingerprint is in ``hashes``."""
    total = 0
    for cell in cells:
        positions: set[int] = set()
        for f in cell.fingerprints:
            if f.hash in hashes:
                positions.update(range(f.start, f.start + K))
        total += len(positions)
    return total


def _passages(a: Document, b: Document, hashes: set[int]) -> list[Passage]:
    """The shared code as (cell of a, its lines) against (cell of b, its lines), largest
    first."""
    where_b: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
    for cell in b.cells:
        for f in cell.fingerprints:
            if f.hash in hashes and len(where_b[f.hash]) < MAX_PLACES:  # a line pasted 10,000
                where_b[f.hash].append((cell.index, _lines(cell, f.start)))  # times: 20 places
    grouped: dict[tuple[int, int], tuple[set[int], set[int]]] = {}
    for cell in a.cells:
        for f in cell.fingerprints:
            for cell_b, lines_b in where_b.get(f.hash, ()):
                lines = grouped.setdefault((cell.index, cell_b), (set(), set()))
                lines[0].update(_lines(cell, f.start))
                lines[1].update(lines_b)
    ordered = sorted(grouped.items(), key=lambda kv: (-len(kv[1][0]) - len(kv[1][1]), kv[0]))
    return [Passage(ca, tuple(sorted(la)), cb, tuple(sorted(lb)))
            for (ca, cb), (la, lb) in ordered[:MAX_PASSAGES]]  # fmt: skip


def _lines(cell: CodeCell, start: int) -> set[int]:
    return {n for t in cell.tokens[start : start + K] for n in t.lines}
