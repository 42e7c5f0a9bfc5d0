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


def missing_or_leaking_hints(tests_dir: Path) -> list[str]:
    """Hidden test cases without a hint, or whose hint quotes a value their test compares
    against (a number or a string literal of the test's own code): each as ``file: case``."""
    import ast
    import re

    problems = []
    for path in sorted(Path(tests_dir).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not _is_hidden(node):
                continue
            hint = ast.get_docstring(node) or ""
            where = f"{path.stem}: {node.name}"
            if not hint.strip():
                problems.append(f"{where} has no hint (a docstring saying what it checks)")
                continue
            numbers = set(re.findall(r"\d+(?:\.\d+)?", hint))
            body = node.body[1:]  # without the docstring
            compared = {  # strings the test compares with: expected answers
                id(operand)
                for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Compare)
                for operand in (n.left, *n.comparators)
            }  # fmt: skip
            for const in (
                n for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Constant)
            ):
                value = const.value
                quoted = (
                    isinstance(value, (int, float)) and not isinstance(value, bool)
                    and abs(value) >= 2 and (str(value) in numbers or f"{value:g}" in numbers)
                ) or (
                    isinstance(value, str) and id(const) in compared and len(value) >= 3
                    and value.casefold() in hint.casefold()
                )  # fmt: skip
                if quoted:
                    problems.append(f"{where}: its hint quotes {value!r}, a value it checks")
                    break
    return problems


def _is_hidden(node) -> bool:
    import ast

    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "hidden" and getattr(keyword.value, "value", False) is True:
                    return True
    return False
