"""What a handout must not contain, and where it does: hidden tests' names and lines, solution
lines, and the expected values ``reference/`` computed for the term.

A value or line counts as secret unless the skeleton notebook or the public tests (what otter
itself hands out) show it: the prompts give the class names and the layer sizes on purpose.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

MIN_LINE = 16  # shorter code lines (`model.summary()`, `return x`) are everybody's


def secrets(build_dir: Path, name: str, expected: dict) -> dict[str, str]:
    """Secret text -> what it is, for the build of one assignment."""
    given = _given_text(build_dir, name)
    found: dict[str, str] = {}
    for test_file in sorted((build_dir / "autograder" / "tests").glob("*.py")):
        source = test_file.read_text(encoding="utf-8")
        for function in ast.parse(source).body:
            if isinstance(function, ast.FunctionDef) and _hidden(function):
                found[function.name] = f"hidden test {test_file.stem}.{function.name}"
                body = ast.get_source_segment(source, function) or ""
                for line in body.splitlines()[1:]:
                    _add_line(found, line, f"line of hidden test {function.name}", given)
    solution = json.loads((build_dir / "autograder" / f"{name}.ipynb").read_text("utf-8"))
    for index, cell in enumerate(solution["cells"]):
        for line in _source(cell).splitlines():
            what = f"solution line (cell {index})"
            if cell["cell_type"] == "code" or len(line.strip()) >= 40:
                _add_line(found, line, what, given)
    for path, value in _leaves(expected):
        for text in _value_texts(value):
            if text not in given:
                found.setdefault(text, f"expected value {path}")
    return found


def _hidden(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "hidden" and getattr(keyword.value, "value", False) is True:
                    return True
    return False


def _add_line(found: dict[str, str], line: str, what: str, given: str) -> None:
    text = line.strip()
    if len(text) >= MIN_LINE and not text.startswith("#") and text not in given:
        found.setdefault(text, what)


def _given_text(build_dir: Path, name: str) -> str:
    """Everything otter's own student output shows: skeleton notebook and public tests."""
    student = build_dir / "student"
    parts = [notebook_text((student / f"{name}.ipynb").read_bytes())]
    parts += [p.read_text("utf-8") for p in sorted((student / "tests").glob("*.py"))]
    return "\n".join(parts)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_text(data: bytes) -> str:
    """A notebook's cells as plain text, plus its metadata (JSON escapes would hide lines)."""
    notebook = json.loads(data.decode("utf-8"))
    cells = [_source(c) for c in notebook.get("cells", [])]
    return "\n".join([*cells, json.dumps(notebook.get("metadata", {}), ensure_ascii=False)])


def _leaves(value, path: str = "expected") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    elif hasattr(value, "tolist"):  # numpy arrays and scalars
        yield from _leaves(value.tolist(), path)
    else:
        yield path, value


def _value_texts(value) -> list[str]:
    """How an expected value would be spelled in a file: only values that cannot be chance."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [str(value)] if abs(value) >= 1000 else []
    if isinstance(value, float):
        if not math.isfinite(value) or value == round(value, 2):
            return []
        return sorted({repr(value), f"{value:.6g}", f"{value:.4f}"} - {"0.0000", "-0.0000"})
    if isinstance(value, str):  # a digest, a sentence; not a word of Keras (`softmax`)
        return [value] if len(value) >= 6 and not re.fullmatch(r"[A-Za-z_]+", value) else []
    return []


def handout_texts(zip_bytes: bytes) -> dict[str, str]:
    """Member name -> text, for every member of the handout and of any wheel inside it."""
    texts: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for member in archive.namelist():
            data = archive.read(member)
            if member.endswith((".whl", ".zip")):
                texts.update({f"{member}!{k}": v for k, v in handout_texts(data).items()})
            elif member.endswith(".ipynb"):
                texts[member] = notebook_text(data)
            else:
                texts[member] = data.decode("utf-8", errors="replace")
    return texts


def leaks(zip_bytes: bytes, secret: dict[str, str]) -> list[str]:
    """``what (in member)`` for every secret the handout holds."""
    texts = handout_texts(zip_bytes)
    return [
        f"{what}: {text[:60]!r} in {member}"
        for text, what in sorted(secret.items())
        for member, content in texts.items()
        if _holds(content, text)
    ]


def _holds(content: str, text: str) -> bool:
    if text.isidentifier():  # a test's name: as a whole word (`test_data` is not `test_data_form`)
        return re.search(rf"\b{re.escape(text)}\b", content) is not None
    return text in content
