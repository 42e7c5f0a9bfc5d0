"""Code as normalised tokens, and winnowed k-gram fingerprints (Schleimer, Wilkerson and Aiken,
"Winnowing", SIGMOD 2003: the scheme of MOSS, JPlag's cousins and Dolos).

Normalising is what makes a renamed, reformatted, commented copy look the same: identifiers a
student chooses become ``V``, numbers ``N``, strings ``S``; keywords, operators, attribute names
(``.compile``), keyword-argument names (``epochs=``) and the lecture's library names stay, since
they are what the code does. Comments, blank lines, indentation and ``print``/``display`` calls
are dropped, and so are trailing commas. Python's own tokenizer reads the code; from where it gives up (an unclosed bracket, an IPython
line it cannot read) a plain pattern tokenizes the rest.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

K = 12  # tokens per k-gram: shorter shared runs are noise (one typical line of code)
WINDOW = 8  # winnowing window: any shared run of K + WINDOW - 1 = 19 tokens is always found

KEPT_NAMES = frozenset(
    {"np", "numpy", "pd", "pandas", "tf", "tensorflow", "keras", "layers", "models", "plt",
     "matplotlib", "nltk", "hub", "os", "sys", "math", "random", "collections", "itertools",
     "grader", "self", "super"}
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


@dataclass(frozen=True)
class Fingerprint:
    hash: int
    start: int  # index of the k-gram's first token in its cell's token list


def tokens(code: str) -> list[Token]:
    """The normalised tokens of one cell of Python (or IPython) code."""
    raw: list[tuple[int, str, int]] = []  # (type, text, line)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type not in SKIPPED:
                raw.append((tok.type, tok.string, tok.start[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):  # read the rest by pattern
        last = raw[-1][2] if raw else 0
        raw += [t for t in _fallback(code) if t[2] > last]
    return _normalised(raw)


def _fallback(code: str) -> list[tuple[int, str, int]]:
    kinds = {"string": tokenize.STRING, "name": tokenize.NAME, "number": tokenize.NUMBER,
             "op": tokenize.OP}  # fmt: skip
    found = []
    for number, line in enumerate(code.splitlines(), start=1):
        for match in FALLBACK.finditer(line):
            if match.lastgroup != "comment":
                found.append((kinds[match.lastgroup], match.group(), number))
    return found


def _normalised(raw: list[tuple[int, str, int]]) -> list[Token]:
    out: list[Token] = []
    depth, skip_depth = 0, None  # inside a dropped print(...) while skip_depth is set
    for i, (kind, text, line) in enumerate(raw):
        before = raw[i - 1][1] if i else ""
        after = raw[i + 1][1] if i + 1 < len(raw) else ""
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
            if skip_depth is not None and depth == skip_depth:
                skip_depth = None
                continue
        if skip_depth is not None:
            continue
        if text == "," and after in (")", "]", "}"):  # a trailing comma is formatting
            continue
        if kind == tokenize.NAME and text in SHOWN and after == "(" and before != ".":
            skip_depth = depth
            continue
        if kind == tokenize.NAME and not keyword.iskeyword(text):
            kept = text in KEPT_NAMES or before == "." or (after == "=" and depth > 0)
            out.append(Token(text if kept else "V", line))
        elif kind == tokenize.NUMBER:
            out.append(Token("N", line))
        elif kind == tokenize.STRING:  # f-strings too (one token in Python 3.11)
            out.append(Token("S", line))
        else:
            out.append(Token(text, line))
    return out


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


def _hash(text: str) -> int:
    """A stable 64-bit hash (Python's own ``hash`` changes from run to run)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
