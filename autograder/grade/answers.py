"""Written answers to the questions graded by hand, read from a submitted notebook as text.

The build records each manual question's prompt (``plan/manual.json``). In a student notebook a
manual question is the block otter marks ``<!-- BEGIN QUESTION -->`` ... ``<!-- END QUESTION -->``;
the block whose first cell holds the question's prompt is its answer (else the block in the
same position), and every cell after the prompt up to the end marker is the answer. Nothing is
run: this is text taken from checked JSON, capped in size.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.files import atomic_write_json
from autograder.master import folded, questions
from autograder.master import source as _source
from autograder.results import MAX_ANSWER_CHARS

BEGIN = "<!-- BEGIN QUESTION -->"
END = "<!-- END QUESTION -->"
MANUAL_FILE = "manual.json"
NO_ANSWER = "(no answer found: the question's block is missing from the notebook)"
PLACEHOLDERS = ("_Type your answer here, replacing this text._",)


def write_manual_questions(master: Path, plan_dir: Path) -> list[dict]:
    """From the rendered master: each manual question's name and prompt, in notebook order."""
    manual = [{"name": q.name, "prompt": q.prompt} for q in questions(master) if q.manual]
    atomic_write_json(plan_dir / MANUAL_FILE, manual)
    return manual


def read_manual_questions(plan_dir: Path) -> list[dict]:
    path = plan_dir / MANUAL_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def extract(notebook: dict, questions: list[dict]) -> dict[str, str]:
    """question -> the student's answer text (each at most ``MAX_ANSWER_CHARS``)."""
    cells = notebook["cells"]
    blocks = []  # (prompt text, answer text) per BEGIN marker
    for i, cell in enumerate(cells):
        text = _source(cell)
        if not text.lstrip().startswith(BEGIN):
            continue
        answer = []
        for later in cells[i + 1 :]:
            body = _source(later)
            if body.lstrip().startswith((END, BEGIN)):
                break
            if body.strip() not in PLACEHOLDERS:  # the skeleton's "type here" cell, left in
                answer.append(body)
        blocks.append((folded(text.replace(BEGIN, "")), "\n\n".join(answer)))
    answers = {}
    for position, question in enumerate(questions):
        prompt = question["prompt"]
        chosen = next((a for p, a in blocks if prompt and prompt in p), None)
        if chosen is None and position < len(blocks) and len(blocks) == len(questions):
            chosen = blocks[position][1]
        if chosen is None:
            answers[question["name"]] = NO_ANSWER
            continue
        text = chosen.strip()
        if not text:
            text = "(left blank)"
        answers[question["name"]] = text[:MAX_ANSWER_CHARS]
    return answers
