"""The accuracy corpus: grade fixture folders and compare every submission with expected.toml.

Each folder's ``expected.toml`` gives, per submission, its ``kind`` (``correct``: right work
written another way; ``bug``: a realistic mistake), the status, the exact total and the points
lost per question. The test suite asserts every line; run this to review a new case:

    .venv/bin/python tests/submissions/corpus.py mlp word2vec sentence_embeddings
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDERS = ("mlp", "word2vec", "sentence_embeddings")
TOLERANCE = 1e-3


@dataclass
class CaseOutcome:
    folder: str
    name: str
    kind: str
    matches: bool
    got: str
    want: str


@dataclass
class Confusion:
    """How many correct alternatives got full marks and how many bugs lost exactly their cost."""

    rows: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    outcomes: list[CaseOutcome] = field(default_factory=list)

    def add(self, outcome: CaseOutcome) -> None:
        self.outcomes.append(outcome)
        row = self.rows.setdefault(outcome.folder, {"correct": [0, 0], "bug": [0, 0]})
        row[outcome.kind][0] += outcome.matches
        row[outcome.kind][1] += 1

    def mismatches(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.matches]

    def table(self) -> str:
        lines = [
            "| assignment | correct -> full marks | buggy -> exactly the expected loss |",
            "|---|---|---|",
        ]
        totals = {"correct": [0, 0], "bug": [0, 0]}
        for folder, row in self.rows.items():
            lines.append(f"| {folder} | {_ratio(row['correct'])} | {_ratio(row['bug'])} |")
            for kind in totals:
                totals[kind] = [a + b for a, b in zip(totals[kind], row[kind], strict=True)]
        lines.append(f"| **all** | {_ratio(totals['correct'])} | {_ratio(totals['bug'])} |")
        return "\n".join(lines)


def _ratio(pair: list[int]) -> str:
    return f"{pair[0]} / {pair[1]}"


def lost_points(result) -> dict[str, float]:
    return {
        q.name: round(q.possible - q.score, 4)
        for q in result.questions.values()
        if q.possible - q.score > TOLERANCE
    }


def compare(folder: str, results: list, expected: dict) -> list[CaseOutcome]:
    """One outcome per expected submission (a missing or extra submission never matches)."""
    by_name = {r.submission: r for r in results}
    outcomes = []
    for name in sorted(set(expected) | set(by_name)):
        want = expected.get(name)
        result = by_name.get(name)
        if want is None or result is None:
            got = "not graded" if result is None else "graded"
            wanted = "nothing expected" if want is None else "expected"
            kind = (want or {}).get("kind", "bug")
            outcomes.append(CaseOutcome(folder, name, kind, False, got, wanted))
            continue
        lost = lost_points(result)
        want_lost = {q: float(v) for q, v in want.get("lost", {}).items()}
        per_question = "lost" not in want or (  # without `lost`, the total alone is expected
            set(lost) == {q for q, v in want_lost.items() if v > TOLERANCE}
            and all(abs(lost[q] - v) <= TOLERANCE for q, v in want_lost.items() if q in lost)
        )
        matches = (
            result.status == want["status"]
            and abs(result.total - want["total"]) <= TOLERANCE
            and per_question
        )
        outcomes.append(CaseOutcome(
            folder, name, want["kind"], matches,
            got=f"{result.status} {result.total:g} lost {lost} ({result.reason or ''})",
            want=f"{want['status']} {want['total']:g} lost {want_lost}",
        ))  # fmt: skip
    return outcomes


def expected_for(folder: str) -> dict:
    return tomllib.loads((HERE / folder / "expected.toml").read_text())


def grade_corpus(folders: tuple[str, ...] | list[str], out: Path) -> Confusion:
    from autograder.grade.batch import grade_batch

    confusion = Confusion()
    for folder in folders:
        results = grade_batch([HERE / folder], assignment=folder, out=out / folder, progress=False)
        for outcome in compare(folder, results, expected_for(folder)):
            confusion.add(outcome)
    return confusion


def main(folders: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent.parent))
    with tempfile.TemporaryDirectory() as out:
        confusion = grade_corpus(folders or FOLDERS, Path(out))
    for outcome in confusion.outcomes:
        mark = "ok  " if outcome.matches else "DIFF"
        detail = "" if outcome.matches else f"\n       want {outcome.want}"
        print(f"{mark} {outcome.folder}/{outcome.name} [{outcome.kind}]: {outcome.got}{detail}")
    print(confusion.table())
    return 1 if confusion.mismatches() else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
