"""Load otter exception-format test files (trusted side only)."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path


def load_test_files(tests_dir: Path) -> list:
    """Every ``q*.py`` in the folder, in name order, as otter ``ExceptionTestFile`` objects.
    An unreadable or empty folder raises: it must never score as "no test was run"."""
    from otter.test_files.exception_test import ExceptionTestFile

    names = sorted(n for n in os.listdir(tests_dir) if n.endswith(".py"))  # raises if unreadable
    if not names:
        raise FileNotFoundError(f"the build's tests folder holds no test file ({tests_dir})")
    return [ExceptionTestFile.from_file(str(Path(tests_dir) / n)) for n in names]


def import_test_runner_only() -> None:
    """In the verdict process: make ``otter.test_files`` importable without running otter's
    package ``__init__`` (it imports otter's exporters, about 2.5 s) and without jsonschema's
    IRI grammar (``rfc3987_syntax``, 1.4 s; jsonschema skips the format when it is absent).
    The test files and their runner are otter's own, unchanged. Not for the host process,
    which uses the rest of otter."""
    sys.modules.setdefault("rfc3987_syntax", None)  # import fails -> the optional format is off
    if "otter" in sys.modules:
        return
    spec = importlib.util.find_spec("otter")
    if spec is None or not spec.submodule_search_locations:
        return
    package = types.ModuleType("otter")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["otter"] = package


def case_hint(test_case) -> str:
    """A test case's authored one-line hint: the docstring of its function in the master
    notebook, saying *what* is checked (never the expected value)."""
    func = getattr(getattr(test_case, "body", None), "test_func", None)
    doc = (getattr(func, "__doc__", None) or "").strip()
    return " ".join(doc.split())[:300]


def missing_or_leaking_hints(tests_dir: Path, stated: dict[str, str] | None = None) -> list[str]:
    """Hidden test cases without a hint, or whose hint or failure messages quote a value the
    test checks against that the question does not state: each as ``file: case``.

    ``stated`` maps a question to what the student is told (its prompt, the term's thresholds
    and budget): a number or string found there may be quoted. A message may also show the
    student's own values (f-string fields), but never a name the test binds to a literal (an
    expected answer)."""
    import ast

    problems = []
    for path in sorted(Path(tests_dir).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        told = (stated or {}).get(path.stem, "")
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not _is_hidden(node):
                continue
            hint = ast.get_docstring(node) or ""
            where = f"{path.stem}: {node.name}"
            if not hint.strip():
                problems.append(f"{where} has no hint (a docstring saying what it checks)")
                continue
            body = node.body[1:]  # without the docstring
            leak = _quoted_value(hint, body, told)
            if leak is not None:
                problems.append(f"{where}: its hint quotes {leak!r}, a value it checks")
                continue
            for message in _messages(body):
                leak = _message_leak(message, body, told)
                if leak is not None:
                    problems.append(f"{where}: a failure message shows {leak}, a value it checks")
                    break
    return problems


def _constants(body: list) -> tuple[list, set[int]]:
    import ast

    compared = {  # strings the test compares with: expected answers
        id(operand)
        for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Compare)
        for operand in (n.left, *n.comparators)
    }  # fmt: skip
    constants = [n for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Constant)]
    return constants, compared


def _quoted_value(text: str, body: list, told: str, skip: set[int] = frozenset()) -> object:
    """A number (2 or more) or compared string of the test's code that ``text`` quotes and the
    question does not state, or None."""
    import re

    numbers = set(re.findall(r"\d+(?:\.\d+)?", text))
    told_numbers = set(re.findall(r"\d+(?:\.\d+)?", told))
    constants, compared = _constants(body)
    for const in constants:
        if id(const) in skip:
            continue
        value = const.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 2:
            forms = {str(value), f"{value:g}"}
            if forms & numbers and not forms & told_numbers:
                return value
        elif isinstance(value, str) and id(const) in compared and len(value) >= 3:
            if value.casefold() in text.casefold() and value.casefold() not in told.casefold():
                return value
    return None


def _messages(body: list) -> list:
    """The failure messages a test writes: ``assert ..., message`` and ``raise X(message)``."""
    import ast

    found = []
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Assert) and n.msg is not None:
                found.append(n.msg)
            elif isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call):
                found += n.exc.args
    return found


def _message_leak(message, body: list, told: str) -> str | None:
    import ast

    literal_names = {  # names bound straight to a literal: expected answers
        target.id
        for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Assign)
        and isinstance(n.value, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set))
        for target in n.targets if isinstance(target, ast.Name)
    }  # fmt: skip
    specs = {  # format specs (".3f") are not text the student reads
        id(m) for n in ast.walk(message) if isinstance(n, ast.FormattedValue) and n.format_spec
        for m in ast.walk(n.format_spec)
    }  # fmt: skip
    text = " ".join(
        n.value
        for n in ast.walk(message)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in specs
    )
    own = {id(n) for n in ast.walk(message) if isinstance(n, ast.Constant)}
    leak = _quoted_value(text, body, told, skip=own)
    if leak is not None:
        return repr(leak)
    for n in ast.walk(message):
        if isinstance(n, ast.FormattedValue):
            names = {m.id for m in ast.walk(n.value) if isinstance(m, ast.Name)}
            if names & literal_names:
                return f"`{sorted(names & literal_names)[0]}`"
    return None


def _is_hidden(node) -> bool:
    import ast

    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "hidden" and getattr(keyword.value, "value", False) is True:
                    return True
    return False
