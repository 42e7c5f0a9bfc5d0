"""The one sanitiser for student-derived text shown in a terminal, a log or a CSV.

A student chooses file names, notebook output, messages and names; printed raw, an ``ESC``
sequence clears the TA's screen, sets the window title or hides the rest of a line, and a bidi
override makes one name read as another. Every control character (C0, DEL, C1), bidi override
or isolate, line or paragraph separator and lone surrogate is replaced by a visible escape
(``\\x1b``, ``\\u202e``), so the TA sees that something was there and nothing acts on the
terminal.
"""

from __future__ import annotations

import re

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SURROGATES = "\ud800-\udfff"  # undecodable bytes of a file name: no terminal can print them
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{BIDI}{SURROGATES}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI}{SURROGATES}]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every terminal-active or direction-changing character escaped visibly;
    ``keep_newlines`` keeps ``\\n`` (a multi-line message printed as such)."""
    pattern = _UNSAFE_KEEP_LINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, str(text))


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` as one safe line: whitespace runs (newlines included) become one space."""
    line = visible(" ".join(str(text).split()))
    return line if limit is None else line[:limit]


def is_safe(text: str) -> bool:
    """True when ``visible`` would change nothing (for tests and assertions)."""
    return _UNSAFE.search(text) is None
