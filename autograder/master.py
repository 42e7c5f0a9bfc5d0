"""The question blocks of a master notebook (otter-assign v1 headers), read as plain JSON.

A question starts with a raw cell ``# BEGIN QUESTION`` followed by ``key: value`` lines
(``name``, ``points``, ``manual``); the markdown cell after it is the prompt. ``config`` checks
grading.toml against these names; the build records the manual questions' prompts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Question:
    name: str
    manual: bool
    prompt: str  # the prompt cell's text, whitespace folded


def questions(master: Path) -> list[Question]:
    """Every question of the master notebook, in notebook order."""
    cells = json.loads(master.read_text(encoding="utf-8"))["cells"]
    found = []
    for i, cell in enumerate(cells):
        text = source(cell)
        if cell.get("cell_type") != "raw" or not text.startswith("# BEGIN QUESTION"):
            continue
        header = dict(
            (key.strip(), value.strip())
            for key, value in (line.split(":", 1) for line in text.splitlines()[1:] if ":" in line)
        )
        prompt = source(cells[i + 1]) if i + 1 < len(cells) else ""
        found.append(
            Question(header.get("name", ""), header.get("manual", "").lower() == "true",
                     folded(prompt))
        )  # fmt: skip
    return found


def folded(text: str) -> str:
    """Whitespace runs as one space: prompts compare equal however a notebook wraps them."""
    return re.sub(r"\s+", " ", text).strip()


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)
