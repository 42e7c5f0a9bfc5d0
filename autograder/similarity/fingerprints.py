"""Code as normalised tokens, and winnowed k-gram fingerprints (Schleimer, Wilkerson and Aiken,
"Winnowing", SIGMOD 2003: the scheme of MOSS, JPlag's cousins and Dolos).

Normalising is what makes a renamed, reformatted, commented copy look the same: identifiers a
student chooses become ``V``, numbers ``N``, strings ``S``; keywords, operators, attribute names
(``.compile``), keyword-argument names (``epochs=``) and the lecture's library names stay, since
they are what the code does. Comments, blank lines, indentation and ``print``/``display`` calls
are dropped, and so are trailing commas, ``;``, ``pass``, bare literals, names bound to a
literal and type hints. Python's own tokenizer reads the code; from where it gives up (an
unclosed bracket, an IPython line it cannot read) a plain pattern tokenizes the rest.
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

from autograder.similarity import normalise

K = 12  # tokens per k-gram: shorter shared runs are noise (one typical line of code)
WINDOW = 8  # winnowing window: any shared run of K + WINDOW - 1 = 19 tokens is always found
MAX_TOKENS = 20_000  # of one cell: more is pasted data, not code anyone wrote

KEPT_NAMES = frozenset(
    {"np", "numpy", "pd", "pandas", "tf", "tensorflow", "keras", "layers", "models", "plt",
     "matplotlib", "nltk", "hub", "os", "sys", "math", "random", "collections", "itertools",
     "grader", "self", "super", "_lib_"}
    | set(dir(builtins))
)  # fmt: skip
SHOWN = frozenset({"print", "display"})  # calls that only show something: dropped
SKIPPED = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
     tokenize.ENCODING, tokenize.ENDMARKER}
)  # fmt: skip
FALLBACK = re.compile(
    r"""(?P<string>[rbuf]*("[^"\n]*"|'[^'\n]*'))|(?P<name>[A-Za-z_]\w*)|(?P<number>\d[\w.]*)"""
    r"""|(?P<comment>\#.*)|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@<>!=:]=|[^\s\w])"""
)


@dataclass(frozen=True)
class Token:
    text: str  # normalised
    line: int  # 1-based line in its cell
    last: int = 0  # the last line of the statement it comes from (0: ``line``)
    value: str = ""  # a literal's value (``N`` and ``S`` hide it): kept for the literal stream
    unit: int = 0  # the canonical statement it comes from, counted in its cell (0: not known)

    @property
    def lines(self) -> range:
        return range(self.line, max(self.line, self.last) + 1)


@dataclass(frozen=True)
class Fingerprint:
    hash: int
    start: int  # index of the k-gram's first token in its cell's token list


Raw = tuple[int, str, int]  # (token type, text, line)
LITERALS = frozenset({tokenize.NUMBER, tokenize.STRING})
LITERAL_WORDS = frozenset({"None", "True", "False", "...", "-", "+", "(", ")", "[", "]", "{",
                           "}", ",", ":"})  # fmt: skip
HEADERS = frozenset({"def", "class", "if", "elif", "else", "for", "while", "with", "try",
                     "except", "finally", "async", "lambda", "match", "case"})  # fmt: skip


def raw_tokens(code: str, limit: int = MAX_TOKENS) -> list[Raw]:
    """The cell's tokens as Python reads them (comments and layout left out, statement ends
    kept), at most ``limit``."""
    raw: list[Raw] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.NEWLINE or tok.type not in SKIPPED:
                raw.append((tok.type, tok.string, tok.start[0]))
                if len(raw) >= limit:
                    return raw
    except (tokenize.TokenError, IndentationError, SyntaxError):  # read the rest by pattern
        last = raw[-1][2] if raw else 0
        raw += [t for t in _fallback(code) if t[2] > last]
    return raw[:limit]


def tokens(code: str) -> list[Token]:
    """The normalised tokens of one cell of Python (or IPython) code, read alone."""
    return notebook_tokens([code])[0]


def notebook_tokens(
    cells: list[str],
    *,
    protected: frozenset[str] = frozenset(),
    raws: list | None = None,
    given: list[bool] | None = None,
) -> list[list[Token]]:
    """Each cell's normalised tokens, the notebook read as a whole (``normalise``: its helpers
    inlined, its dead code dropped); a cell that is not Python keeps its plain tokens, one that
    is wholly ``given`` (the skeleton's, unchanged) has none."""
    given = given or [False] * len(cells)
    parsed = [_parsed(code) if skip else normalise.parse_prefix(code)
              for code, skip in zip(cells, given, strict=True)]  # fmt: skip
    ctx = normalise.context([t for t, _ in parsed if t is not None], protected=protected)
    out = []
    for number, (code, (tree, count)) in enumerate(zip(cells, parsed, strict=True)):
        if given[number]:
            out.append([])
            continue
        canonical = normalise.units(tree, ctx) if tree is not None else None
        if canonical is None:
            out.append(normalised(raws[number] if raws else raw_tokens(code)))
            continue
        found: list[Token] = []
        for number, unit in enumerate(canonical, start=1):
            found += [Token(t.text, unit.first, unit.last, t.value, number)
                      for t in normalised(_unit_tokens(unit.text))]  # fmt: skip
            if len(found) >= MAX_TOKENS:
                break
        rest = "\n".join(code.split("\n")[count:])
        if rest.strip():  # what Python cannot read: its plain tokens, lines counted on
            found += [Token(t.text, t.line + count, 0, t.value)
                      for t in normalised(raw_tokens(rest))]  # fmt: skip
        out.append(found[:MAX_TOKENS])
    return out


@functools.lru_cache(maxsize=256)
def _parsed(code: str) -> tuple:
    """A given cell's tree, read once for the whole class (only read, never transformed)."""
    return normalise.parse_prefix(code)


UNIT = re.compile(
    r"""(?P<string>[rbuRBUfF]*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))"""
    r"""|(?P<name>[^\W\d]\w*)|(?P<number>\d[\d.]*[eE][-+]?\d+j?|\d[\w.]*|\.\d[\w.]*)"""
    r"""|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%&|^@<>!=:]=|[^\s\w])"""
)
KINDS = {"string": tokenize.STRING, "name": tokenize.NAME, "number": tokenize.NUMBER,
         "op": tokenize.OP}  # fmt: skip


def _unit_tokens(text: str) -> list[Raw]:
    """The tokens of one statement as ``ast.unparse`` writes it (one line, well formed): read
    by pattern, several times faster than ``tokenize``."""
    return [(KINDS[m.lastgroup], m.group(), 1) for m in UNIT.finditer(text)]


def normalised(raw: list[Raw]) -> list[Token]:
    """``raw_tokens`` normalised, statement by statement."""
    out: list[Token] = []
    for statement in _statements(raw):
        statement = _without_annotations(statement)
        if statement and not _idle(statement):
            out += _normalised(statement, header=statement[0][1] in ("def", "async"))
    return out


def _fallback(code: str) -> list[Raw]:
    """Tokens by pattern, a statement ending at each line's end outside brackets."""
    kinds = {"string": tokenize.STRING, "name": tokenize.NAME, "number": tokenize.NUMBER,
             "op": tokenize.OP}  # fmt: skip
    found, depth = [], 0
    for number, line in enumerate(code.split("\n"), start=1):  # lines as the tokenizer counts
        for match in FALLBACK.finditer(line):
            if match.lastgroup != "comment":
                text = match.group()
                depth += (text in ("(", "[", "{")) - (text in (")", "]", "}"))
                found.append((kinds[match.lastgroup], text, number))
        if depth <= 0:
            depth = 0
            found.append((tokenize.NEWLINE, "", number))
    return found


def _statements(raw: list[Raw]) -> list[list[Raw]]:
    """Split at statement ends (newline, ``;``)."""
    statements, current, depth = [], [], 0
    for token in [*raw, (tokenize.NEWLINE, "", 0)]:
        kind, text, _ = token
        depth += (text in ("(", "[", "{")) - (text in (")", "]", "}"))
        if kind == tokenize.NEWLINE or (text == ";" and depth <= 0):
            if current:
                statements.append(current)
            current, depth = [], 0
        else:
            current.append(token)
    return statements


def _idle(statement: list[Raw]) -> bool:
    """A statement that does nothing a copy would need: ``pass``, a bare literal (``...``, a
    docstring, a number), a name bound to a literal."""
    body = statement
    if len(body) >= 2 and body[0][0] == tokenize.NAME and body[1][1] == "=":
        body = body[2:]  # NAME = <literal>
    return all(kind in LITERALS or text in LITERAL_WORDS or text == "pass"
               for kind, text, _ in body)  # fmt: skip


def _without_annotations(statement: list[Raw]) -> list[Raw]:
    """Type hints are spelling: ``x: int = 1`` is ``x = 1``; ``def f(a: int) -> str:`` is
    ``def f(a):``."""
    first = statement[0][1]
    if first == "def" or (first == "async" and len(statement) > 1 and statement[1][1] == "def"):
        kept: list[Raw] = []
        depth, skipping = 0, ""
        for kind, text, line in statement:
            if skipping == "parameter" and depth == 1 and text in (",", "=", ")"):
                skipping = ""
            elif skipping == "return" and depth == 0 and text == ":":
                skipping = ""
            elif not skipping and depth == 1 and text == ":" and kept[-1][0] == tokenize.NAME:
                skipping = "parameter"
            elif not skipping and depth == 0 and text == "->":
                skipping = "return"
            depth += (text in ("(", "[", "{")) - (text in (")", "]", "}"))
            if not skipping:
                kept.append((kind, text, line))
        return kept
    if first not in HEADERS and len(statement) > 1 and statement[1][1] == ":":
        rest = statement[2:]
        equals = next((i for i, t in enumerate(rest) if t[1] == "="), None)
        return [statement[0], *rest[equals:]] if equals is not None else []
    return statement


def _normalised(raw: list[Raw], *, header: bool = False) -> list[Token]:
    """One statement's tokens, normalised (``header``: a ``def`` line, whose ``name=`` are
    parameters the student named, not keyword arguments)."""
    out: list[Token] = []
    depth, skip_depth = 0, None  # inside a dropped print(...) while skip_depth is set
    for i, (kind, text, line) in enumerate(raw):
        before = raw[i - 1][1] if i else ""
        after = raw[i + 1][1] if i + 1 < len(raw) else ""
        if text in ("(", "[", "{"):
            depth += 1
        elif text in (")", "]", "}"):
            depth -= 1
            if skip_depth is not None and depth == skip_depth:
                skip_depth = None
                continue
        if skip_depth is not None:
            continue
        if text == "," and after in (")", "]", "}"):  # a trailing comma is formatting
            continue
        if (kind == tokenize.NAME and text in SHOWN and after == "(" and before != "."
                and not _assigns_inside(raw, i)):  # fmt: skip
            skip_depth = depth
            continue
        if kind == tokenize.NAME and not keyword.iskeyword(text):
            keyword_argument = after == "=" and depth > 0 and not header
            kept = text in KEPT_NAMES or before == "." or keyword_argument
            out.append(Token(text if kept else "V", line))
        elif kind == tokenize.NUMBER:
            out.append(Token("N", line, 0, _number(text)))
        elif kind == tokenize.STRING:  # f-strings too (one token in Python 3.11)
            out.append(Token("S", line, 0, _string(text)))
        else:
            out.append(Token(text, line))
    return out


def _number(text: str) -> str:
    """A number's value, whatever its spelling (``0.01``, ``1e-2``, ``0.010``)."""
    try:
        return repr(float(text.replace("_", ""))) if not text.endswith(("j", "J")) else text
    except ValueError:
        return text


def _string(text: str) -> str:
    """A string's value, whatever its quotes (an f-string as written)."""
    if text[:1] in "\"'" or text[:2].lower() in ("r'", 'r"'):
        try:
            return repr(ast.literal_eval(text))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
    return text


def literal_stream(stream: list[Token]) -> list[Token]:
    """The tokens with each literal's value in place of ``N``/``S``: what a copy keeps and
    independent work rarely matches (a learning rate, a figure size, a plot's title)."""
    return [Token(t.value, t.line, t.last) if t.value else t for t in stream]


def _assigns_inside(raw: list[Raw], at: int) -> bool:
    """Whether the call starting at ``raw[at]`` holds a ``:=``: work hidden in a print."""
    depth = 0
    for _, text, _ in raw[at + 1 :]:
        depth += (text in ("(", "[", "{")) - (text in (")", "]", "}"))
        if text == ":=":
            return True
        if depth <= 0:
            return False
    return False


def winnow(stream: list[Token]) -> list[Fingerprint]:
    """The fingerprints of one cell's tokens: in every window of WINDOW consecutive k-gram
    hashes the smallest (the rightmost on a tie), each selected once."""
    if len(stream) < K:
        return []
    texts = [t.text for t in stream]
    hashes = [_hash(" ".join(texts[i : i + K])) for i in range(len(texts) - K + 1)]
    if len(hashes) <= WINDOW:
        chosen = min(range(len(hashes)), key=lambda i: (hashes[i], -i))
        return [Fingerprint(hashes[chosen], chosen)]
    selected: dict[int, Fingerprint] = {}
    for start in range(len(hashes) - WINDOW + 1):
        window = range(start, start + WINDOW)
        chosen = min(window, key=lambda i: (hashes[i], -i))
        selected.setdefault(chosen, Fingerprint(hashes[chosen], chosen))
    return [selected[i] for i in sorted(selected)]


def all_hashes(stream: list[Token]) -> set[int]:
    """Every k-gram's hash (what given code is subtracted by: not only the winnowed ones)."""
    return set(kgram_hashes(stream))


def kgram_hashes(stream: list[Token]) -> list[int]:
    """The hash of the k-gram starting at each token."""
    texts = [t.text for t in stream]
    return [_hash(" ".join(texts[i : i + K])) for i in range(len(texts) - K + 1)]


def _hash(text: str) -> int:
    """A stable 64-bit hash (Python's own ``hash`` changes from run to run)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
