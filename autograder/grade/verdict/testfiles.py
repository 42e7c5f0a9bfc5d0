"""Load otter exception-format test files (trusted side only)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path


def load_test_files(tests_dir: Path) -> list:
    """Every ``q*.py`` in the folder, in name order, as otter ``ExceptionTestFile`` objects."""
    from otter.test_files.exception_test import ExceptionTestFile

    return [ExceptionTestFile.from_file(str(p)) for p in sorted(Path(tests_dir).glob("*.py"))]


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
