"""What a student wrote: each code cell of a submission, the skeleton's given lines taken out,
attributed to the question whose ``grader.check`` follows it.

Only the student's latest submission counts (as in the gradebook); a file that is not a readable
notebook of the assignment is skipped and listed. Nothing is run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import SubmissionError
from autograder.grade import intake
from autograder.grade.identity import newest_first
from autograder.results import Identity
from autograder.similarity.fingerprints import Fingerprint, Token, tokens, winnow

CHECK = re.compile(r"""grader\s*\.\s*check\s*\(\s*["']([\w.-]+)["']""")
OTHER = "(no question)"  # code after the last check
MAX_CELL_CHARS = 50_000  # a pasted dataset is not code anyone wrote


@dataclass(frozen=True)
class CodeCell:
    index: int  # among the notebook's code cells
    question: str
    source: str  # the whole cell, as shown in the report
    tokens: tuple[Token, ...]  # of the student's own lines
    fingerprints: tuple[Fingerprint, ...]


@dataclass
class Document:
    """One submission (or an earlier term's, or the published solution) as code cells."""

    key: str  # unique in the comparison
    who: Identity
    origin: str  # "" for this batch; else where it comes from ("2025-fall", "solution")
    file: str
    cells: list[CodeCell] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = self.who.name or self.who.key
        return f"{name} ({self.origin})" if self.origin else name

    @property
    def token_count(self) -> int:
        return sum(len(c.tokens) for c in self.cells)


@dataclass(frozen=True)
class Skeleton:
    """The handed-out notebook's code: its lines are nobody's work."""

    lines: frozenset[str]
    hashes: frozenset[int]

    @classmethod
    def of(cls, notebook: Path | None) -> Skeleton:
        if notebook is None or not notebook.is_file():
            return cls(frozenset(), frozenset())
        cells = intake.code_cells(json.loads(notebook.read_text(encoding="utf-8")))
        lines = {_folded(line) for code in cells for line in code.splitlines()}
        hashes = {f.hash for code in cells for f in winnow(tokens(code))}
        return cls(frozenset(lines - {""}), frozenset(hashes))


def _folded(line: str) -> str:
    return " ".join(line.split())


def document(
    notebook: dict, *, key: str, who: Identity, origin: str, file: str, skeleton: Skeleton
) -> Document:
    """The notebook's code cells with the skeleton's lines dropped, each given its question."""
    found = Document(key=key, who=who, origin=origin, file=file)
    pending: list[tuple[int, str]] = []
    for index, code in enumerate(intake.code_cells(notebook)):
        pending.append((index, code[:MAX_CELL_CHARS]))
        checked = CHECK.findall(code)
        if checked:
            found.cells.extend(_cell(i, checked[-1], c, skeleton) for i, c in pending)
            pending = []
    found.cells.extend(_cell(i, OTHER, c, skeleton) for i, c in pending)
    found.cells = [c for c in found.cells if c.tokens]
    return found


def _cell(index: int, question: str, code: str, skeleton: Skeleton) -> CodeCell:
    given = {n for n, line in enumerate(code.splitlines(), 1) if _folded(line) in skeleton.lines}
    own = tuple(t for t in tokens(code) if t.line not in given)
    return CodeCell(index, question, code, own, tuple(winnow(list(own))))


def read_documents(
    paths: list[Path], *, assignment: str, origin: str, skeleton: Skeleton, prefix: str = ""
) -> tuple[list[Document], list[str]]:
    """Each student's latest submission under ``paths`` as a document; the files skipped, with
    why."""
    latest: dict[str, intake.Submission] = {}
    for submission in intake.discover(paths, assignment=assignment):
        kept = latest.get(submission.student)
        if kept is None or _order(submission) > _order(kept):
            latest[submission.student] = submission
    documents, skipped = [], []
    for submission in sorted(latest.values(), key=lambda s: s.submission_id):
        try:
            notebook = intake.read_notebook(submission.path, assignment)
        except SubmissionError as exc:
            skipped.append(f"{submission.file_name}: {exc}")
            continue
        documents.append(document(
            notebook, key=prefix + submission.submission_id, who=submission.who, origin=origin,
            file=submission.file_name, skeleton=skeleton,
        ))  # fmt: skip
    return documents, skipped


def _order(submission: intake.Submission) -> tuple:
    who = submission.who
    return (newest_first(who.submitted_at), who.sequence, submission.submission_id)
