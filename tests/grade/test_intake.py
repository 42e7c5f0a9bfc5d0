"""Intake: every malformed file becomes a one-line reason, every odd-but-valid one is read."""

from __future__ import annotations

import json
import os
import time
import tomllib

import pytest
from conftest import SUBMISSIONS, malformed_generator

from autograder.errors import SubmissionError
from autograder.grade.identity import safe_id
from autograder.grade.intake import discover, read_notebook

MALFORMED = SUBMISSIONS / "malformed"
EXPECTED = tomllib.loads((MALFORMED / "expected.toml").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_committed_fixture_reads_as_expected(name):
    status = EXPECTED[name]["status"]
    path = MALFORMED / name
    if status == "invalid":
        with pytest.raises(SubmissionError) as info:
            read_notebook(path, "mlp")
        assert "\n" not in str(info.value) and 0 < len(str(info.value)) <= 300
    else:
        assert isinstance(read_notebook(path, "mlp")["cells"], list)


def test_generated_fixtures_read_as_expected(tmp_path):
    expected = malformed_generator().write_all(tmp_path)
    for name, status in expected.items():
        path = tmp_path / name
        if not os.path.lexists(path):
            continue
        started = time.monotonic()
        if status == "invalid":
            with pytest.raises(SubmissionError):
                read_notebook(path, "mlp")
        else:
            read_notebook(path, "mlp")
        assert time.monotonic() - started < 30, f"{name!r} took too long to read"


def test_the_generator_matches_the_committed_files(tmp_path):
    malformed_generator().write_all(tmp_path)
    for name in EXPECTED:
        assert (tmp_path / name).read_bytes() == (MALFORMED / name).read_bytes(), name


def test_discovery_skips_links_and_special_files(tmp_path):
    good = tmp_path / "alice.ipynb"
    good.write_text(json.dumps({"cells": [], "metadata": {}}))
    os.symlink("/etc/passwd", tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")
    assert [s.path.name for s in discover([tmp_path])] == ["alice.ipynb"]
    with pytest.raises(SubmissionError, match="regular file"):
        read_notebook(tmp_path / "fifo.ipynb", "mlp")
    with pytest.raises(SubmissionError):
        read_notebook(tmp_path / "link.ipynb", "mlp")


def test_ids_are_bounded_unique_and_safe():
    long_a, long_b = "a" * 250 + "x", "a" * 250 + "y"
    assert len(safe_id(long_a)) <= 80 and safe_id(long_a) != safe_id(long_b)
    assert safe_id("-=cmd|' \\C calc'!A0").startswith("cmd_C_calc_A0-")


def test_wrong_assignment_is_refused(tmp_path):
    path = tmp_path / "w.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {"kit": {"assignment": "word2vec"}}}))
    with pytest.raises(SubmissionError, match="word2vec"):
        read_notebook(path, "mlp")
