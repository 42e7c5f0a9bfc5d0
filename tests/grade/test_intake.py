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


NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
# What one student can upload beside her notebook: every kind of metadata, roster and zip oddity.
PLANTED = {
    "submission_metadata.yml": b": [not yaml\n",
    "sub/submission_metadata.yml": b"submission_1:\n  :submitters:\n  - :sid: '2'\n",
    "submission_2/submission_metadata.yml": b"\xff\xfe not utf-8",
    "submission_2/mlp.ipynb": NOTEBOOK.encode(),
    "grades.csv": b"student,total\nmoodle:2,27\n",
    "manual.csv": b"\x00\x01",
    "overrides.csv": b'"unterminated',
    "submission_times.csv": b"=cmd|' /C calc'!A0\n",
    "bomb.zip": b"PK\x03\x04" + b"\x00" * 64,
    "nested.zip": b"PK\x05\x06" + b"\x00" * 18,
    "not_a_zip.zip": b"hello",
    "empty.ipynb": b"",
    "\udcff\udcfe.ipynb": b"{}",
    "\x1b[2J\x1b]0;pwned\x07.ipynb": NOTEBOOK.encode(),
}


def _plant(folder):
    for name, data in PLANTED.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "dir.ipynb").mkdir()
    os.mkfifo(folder / "fifo.ipynb")
    os.symlink("/etc/shadow", folder / "link.ipynb")
    os.symlink("/", folder / "root")
    (folder / "deep.yml").symlink_to(folder / "submission_metadata.yml")


@pytest.mark.parametrize("layout", ["moodle", "gradescope", "canvas-folder", "plain"])
def test_nothing_in_one_students_files_stops_discovery_or_names_another(tmp_path, layout):
    """Red team round 3: a file a student uploads is never read as the LMS's own metadata;
    discovery of the class finishes, and the classmate keeps her identity."""
    if layout == "moodle":
        eve = tmp_path / "Eve_998_assignsubmission_file_"
        touch = tmp_path / "Ann_999_assignsubmission_file_" / "mlp.ipynb"
    elif layout == "gradescope":
        eve, touch = tmp_path / "submission_1", tmp_path / "submission_3" / "mlp.ipynb"
        (tmp_path / "submission_metadata.yml").write_text(
            "submission_1:\n  :submitters:\n  - :name: Eve\n    :sid: '1'\n"
            "submission_3:\n  :submitters:\n  - :name: Ann\n    :sid: '3'\n"
        )
    else:
        eve, touch = tmp_path / "eve", tmp_path / "Ann.ipynb"
    eve.mkdir()
    _plant(eve)
    (eve / "mlp.ipynb").write_text(NOTEBOOK)
    touch.parent.mkdir(parents=True, exist_ok=True)
    touch.write_text(NOTEBOOK)
    notes: list[str] = []
    found = discover([tmp_path], assignment="mlp", notes=notes)
    keys = {s.who.key for s in found}
    ann = {"moodle": "moodle:999", "gradescope": "gradescope:3"}.get(layout, "file:Ann")
    assert ann in keys
    assert not any("named by their folders" in n for n in notes), notes  # never read
    if layout in ("moodle", "gradescope"):
        assert keys - {ann} == {"moodle:998" if layout == "moodle" else "gradescope:1"}
    for submission in found:  # each reads or is refused on its own
        try:
            read_notebook(submission.path, "mlp")
        except SubmissionError:
            pass


def test_a_bad_export_metadata_file_is_a_note_not_the_end(tmp_path):
    (tmp_path / "submission_1").mkdir()
    (tmp_path / "submission_1" / "mlp.ipynb").write_text(NOTEBOOK)
    for bad in (b": [bad", b"- a list\n", b"\xff", b"x" * 10):
        (tmp_path / "submission_metadata.yml").write_bytes(bad)
        notes: list[str] = []
        (found,) = discover([tmp_path], assignment="mlp", notes=notes)
        assert found.who.key == "file:submission_1"
        assert len(notes) == 1 and "named by their folders" in notes[0]
