"""Which code cell a stopped run was in: the harness's one-number mark, read as hostile data.

Before each code cell the in-sandbox harness overwrites ``running_cell`` in its answer folder
with the cell's index (counting code cells from 0), and after the last one with the number of
code cells (the grader calling the student's functions); before each call of a student function
it writes the function's name to ``running_call``. When the host stops a run for time or
memory, this names where it stopped. A student controls the file: it is read only if it is a
regular file (never through a link) of a few bytes holding a whole number within range;
anything else names no cell.
"""

from __future__ import annotations

from pathlib import Path

from autograder.grade.protocol import read_regular_file
from autograder.results import AFTER_LAST_CELL

RUNNING_CELL_FILE = "running_cell"  # written by autograder.grade.sandbox.harness.mark_running
RUNNING_CALL_FILE = "running_call"  # written by autograder.grade.sandbox.harness.mark_calling
MAX_MARK_BYTES = 16
MAX_CALL_MARK_BYTES = 256


def read_running_cell(answer_dir: Path, code_cells: int) -> int | None:
    """The index of the code cell the run was in; ``AFTER_LAST_CELL`` when every cell had run
    and the grader was taking its answers; None when the mark is missing or not trustworthy."""
    try:
        text = read_regular_file(answer_dir / RUNNING_CELL_FILE, MAX_MARK_BYTES)
    except (OSError, ValueError):
        return None
    text = text.strip()
    if not text.isdigit() or len(text) > 7 or not text.isascii():
        return None
    index = int(text)
    if index == code_cells:
        return AFTER_LAST_CELL
    return index if 0 <= index < code_cells else None


def read_running_call(answer_dir: Path, functions: set[str]) -> str | None:
    """The function the grader was calling when the run was stopped after the last cell: one of
    ``functions`` (the names the grader calls), or None when the mark is missing or names
    anything else."""
    try:
        text = read_regular_file(answer_dir / RUNNING_CALL_FILE, MAX_CALL_MARK_BYTES).decode()
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    return text if text in functions else None
