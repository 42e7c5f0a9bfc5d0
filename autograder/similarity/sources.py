"""What a student wrote: each code cell of a submission, the skeleton's given lines taken out,
attributed to the question whose ``grader.check`` follows it.

Only the student's latest submission counts (as in the gradebook); a file that is not a readable
notebook of the assignment is skipped and listed. Nothing is run.
"""

from __future__ import annotations

import ast
import json
import re
import tokenize
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.errors import SubmissionError
from autograder.grade import intake
from autograder.grade.identity import newest_first
from autograder.results import Identity
from autograder.similarity.choices import answer_class
from autograder.similarity.fingerprints import (
    MAX_TOKENS,
    Fingerprint,
    K,
    Token,
    all_hashes,
    kgram_hashes,
    literal_stream,
    notebook_tokens,
    raw_tokens,
    winnow,
)
from autograder.similarity.normalise import parse

OTHER = "(no question)"  # code after the last check, or of a notebook without a skeleton
MAX_CELL_CHARS = 1_000_000  # read of one cell (the tokens are capped too: MAX_TOKENS)
MAX_DOCUMENT_TOKENS = 200_000  # of one notebook: a hostile one costs the report seconds, no more


@dataclass(frozen=True)
class CodeCell:
    index: int  # among the notebook's code cells
    question: str
    source: str  # the whole cell, as shown in the report
    tokens: tuple[Token, ...]  # of the student's own lines
    fingerprints: tuple[Fingerprint, ...]
    literals: tuple[Fingerprint, ...] = ()  # of the same tokens with the literals' values
    choice: int = 0  # the class of its answer (``choices.answer_class``; 0: no answer of its own)


@dataclass
class Document:
    """One submission (or an earlier term's, or the published solution) as code cells."""

    key: str  # unique in the comparison
    who: Identity
    origin: str  # "" for this batch; else where it comes from ("2025-fall", "solution")
    file: str
    cells: list[CodeCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not compared in full, and why

    @property
    def label(self) -> str:
        name = self.who.name or self.who.key
        return f"{name} ({self.origin})" if self.origin else name

    @property
    def token_count(self) -> int:
        return sum(len(c.tokens) for c in self.cells)


@dataclass(frozen=True)
class Skeleton:
    """Code that is nobody's work: the handed-out notebook's (its lines and its questions) and
    the base's (the lecture's code, the built solution, ``--base`` files), as every k-gram of
    their canonical tokens."""

    lines: frozenset[str]
    hashes: frozenset[int]
    questions: tuple[str, ...] = ()  # in the order the skeleton checks them
    functions: frozenset[str] = frozenset()  # the functions the skeleton asks for

    @classmethod
    def of(cls, notebook: Path | None) -> Skeleton:
        if notebook is None or not notebook.is_file():
            return cls(frozenset(), frozenset())
        cells = intake.code_cells(json.loads(notebook.read_text(encoding="utf-8")))
        questions = tuple(dict.fromkeys(q for code in cells for q in checked(code)))
        return _given(cells, questions=questions)


def _given(cells: list[str], *, questions: tuple[str, ...] = (),
           functions: frozenset[str] = frozenset()) -> Skeleton:  # fmt: skip
    defined = set(functions)
    for code in cells:
        tree = parse(code)
        if tree is not None:
            defined |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    lines = {_folded(line) for code in cells for line in code.split("\n")}
    hashes = {h for toks in notebook_tokens(cells, protected=frozenset(defined))
              for h in all_hashes(toks)}  # fmt: skip
    return Skeleton(frozenset(lines - {""}), frozenset(hashes), questions, frozenset(defined))


def with_given_code(skeleton: Skeleton, notebook: Path) -> Skeleton:
    """The skeleton with another notebook's code counted as given too (the built solution)."""
    cells = intake.code_cells(json.loads(notebook.read_text(encoding="utf-8")))
    return with_given_cells(skeleton, cells)


def with_given_cells(skeleton: Skeleton, cells: list[str]) -> Skeleton:
    """The skeleton with these code cells (a base file's) counted as given too: by their
    canonical k-grams only (a line typed as the lecture's is given whoever typed it, so both
    sides of a pair lose the same code)."""
    more = _given(cells, functions=skeleton.functions)
    return Skeleton(skeleton.lines, skeleton.hashes | more.hashes,
                    skeleton.questions, skeleton.functions)  # fmt: skip


def checked(code: str, raw: list | None = None) -> list[str]:
    """The questions a cell checks: ``grader.check("NAME")`` in its code, not in a comment or
    a string (``raw``: its ``raw_tokens``, if already read)."""
    raw = raw_tokens(code) if raw is None else raw
    names = []
    for i in range(len(raw) - 4):
        texts = [t[1] for t in raw[i : i + 5]]
        if texts[:4] == ["grader", ".", "check", "("] and raw[i + 4][0] == tokenize.STRING:
            try:
                name = ast.literal_eval(texts[4])
            except (ValueError, SyntaxError):
                continue
            if isinstance(name, str):
                names.append(name)
    return names


SOLUTION_MARKER = re.compile(r"# (BEGIN |END )?SOLUTION\b.*$")  # otter's; no leading \s*: a
# line of spaces would make that quadratic


def _folded(line: str) -> str:
    return " ".join(SOLUTION_MARKER.sub("", line).split())


def document(
    notebook: dict, *, key: str, who: Identity, origin: str, file: str, skeleton: Skeleton
) -> Document:
    """The notebook's code cells with the skeleton's lines dropped, each given the question of
    the skeleton's that the next check names (without a skeleton: none)."""
    found = Document(key=key, who=who, origin=origin, file=file)
    codes, raws = [], []
    total = 0
    for index, code in enumerate(intake.code_cells(notebook)):
        if len(code) > MAX_CELL_CHARS:
            found.notes.append(f"code cell {index + 1}: only its first "
                               f"{MAX_CELL_CHARS:,} characters are compared")  # fmt: skip
            code = code[:MAX_CELL_CHARS]
        raw = raw_tokens(code)
        if len(raw) >= MAX_TOKENS:
            found.notes.append(f"code cell {index + 1}: only its first {MAX_TOKENS:,} tokens "
                               "are compared")  # fmt: skip
        total += len(raw)
        if total > MAX_DOCUMENT_TOKENS:
            found.notes.append(f"only the code before cell {index + 1} is compared "
                               f"(at most {MAX_DOCUMENT_TOKENS:,} tokens)")  # fmt: skip
            break
        codes.append(code)
        raws.append(raw)
    given = [all(_folded(x) in skeleton.lines for x in code.split("\n") if x.strip())
             for code in codes]  # fmt: skip
    canonical = notebook_tokens(codes, protected=skeleton.functions, raws=raws, given=given)
    pending: list[CodeCell] = []
    for index, (code, raw, toks) in enumerate(zip(codes, raws, canonical, strict=True)):
        pending.append(_cell(index, OTHER, code, toks, skeleton))
        questions = [q for q in checked(code, raw) if q in skeleton.questions]
        if questions:
            found.cells += [replace(c, question=questions[-1]) for c in pending]
            pending = []
    found.cells += pending
    found.cells = [c for c in found.cells if c.tokens]
    return found


def _cell(index: int, question: str, code: str, toks: list[Token], skeleton: Skeleton) -> CodeCell:
    given = {n for n, line in enumerate(code.split("\n"), 1) if _folded(line) in skeleton.lines}
    kept = [t for t in toks if not all(n in given for n in t.lines)]
    covered: set[int] = set()  # tokens inside a k-gram of the base's: typed as the lecture's
    for start, h in enumerate(kgram_hashes(kept)):
        if h in skeleton.hashes:
            covered.update(range(start, start + K))
    own = tuple(t for i, t in enumerate(kept) if i not in covered)
    return CodeCell(index, question, code, own, tuple(winnow(list(own))),
                    tuple(winnow(literal_stream(list(own)))),
                    answer_class(kept, covered))  # fmt: skip


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
