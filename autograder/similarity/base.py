"""The base: code that is everyone's, subtracted before any pair is scored (MOSS's base file).

By default it is the lecture's code (``lecture.CODE_BLOCKS``, committed, extracted from the
lecture's Markdown by ``code_blocks``) and, when the term's build exists, the built solution;
``--base FILE`` adds notebooks, ``.py`` files or Markdown with code blocks.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

from autograder.errors import UsageError
from autograder.grade import intake

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PROMPT = re.compile(r"^\s*(▶|>>>|\.\.\.|In \[\d*\]:)\s?", re.MULTILINE)
MAX_BASE_CHARS = 5_000_000


def code_blocks(markdown: str) -> list[str]:
    """The Python code blocks of a Markdown text (prompts taken off; printed outputs, which are
    not Python, left out)."""
    found = []
    for match in FENCE.finditer(markdown):
        text = PROMPT.sub("", match.group(1))
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
        for attempt in (
            text,
            textwrap.dedent(text),
            "\n".join(x.strip() for x in text.split("\n")),
        ):
            try:
                ast.parse(attempt)
            except SyntaxError:
                continue
            if attempt.strip():
                found.append(attempt)
            break
    return found


def base_cells(path: Path) -> list[str]:
    """The code of one base file: a notebook's code cells, a ``.py`` file, Markdown's blocks."""
    if not path.is_file():
        raise UsageError(f"--base: no such file: {path}")
    if path.stat().st_size > MAX_BASE_CHARS:
        raise UsageError(f"--base: {path} is over {MAX_BASE_CHARS:,} bytes")
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        try:
            return intake.code_cells(json.loads(text))
        except (ValueError, TypeError, KeyError) as exc:
            raise UsageError(f"--base: {path} is not a readable notebook ({exc})") from exc
    if suffix in (".md", ".markdown"):
        return code_blocks(text)
    if suffix == ".py":
        return [text]
    raise UsageError(f"--base: {path}: use a notebook (.ipynb), a .py file or Markdown (.md)")


def lecture_cells() -> list[str]:
    """The lecture's code, as shipped with the kit."""
    from autograder.similarity.lecture import CODE_BLOCKS

    return list(CODE_BLOCKS)
