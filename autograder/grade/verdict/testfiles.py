"""Load otter exception-format test files (trusted side only)."""

from __future__ import annotations

from pathlib import Path

from otter.test_files.exception_test import ExceptionTestFile


def load_test_files(tests_dir: Path) -> list[ExceptionTestFile]:
    """Every ``q*.py`` in the folder, in name order."""
    return [ExceptionTestFile.from_file(str(p)) for p in sorted(Path(tests_dir).glob("*.py"))]
