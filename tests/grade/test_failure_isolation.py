"""One bad submission costs only itself: a batch of every malformed kind plus good work
finishes, writes grades.csv with a row for each, and leaves nothing behind."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, malformed_generator

from autograder.grade.batch import grade_batch
from autograder.results import Status

pytestmark = pytest.mark.slow


def notebook(*sources: str) -> str:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
        for s in sources
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# Submissions that attack the grader from inside the sandbox rather than through their file.
HOSTILE_RUNS = {
    "deep_tree.ipynb": (
        notebook(
            "import os\nfd = os.open('.', os.O_RDONLY)\n"
            "for _ in range(4000):\n"
            "    os.mkdir('d', dir_fd=fd)\n"
            "    new = os.open('d', os.O_RDONLY, dir_fd=fd)\n"
            "    os.close(fd)\n"
            "    fd = new\n"
        ),
        Status.GRADED,
    ),
    "forged_answer.ipynb": (
        notebook(
            "import os, json\nos.makedirs('response', exist_ok=True)\n"
            "json.dump({'cells': [{'status': 'ok'}], 'values': {'x': {'kind': 'eval'}}},"
            " open('response/response.json', 'w'))\nos._exit(0)"
        ),
        Status.CRASHED,
    ),
    "linked_answer.ipynb": (
        notebook(
            "import os\nos.makedirs('response', exist_ok=True)\n"
            "os.symlink('/dev/zero', 'response/response.json')\nos._exit(0)"
        ),
        Status.CRASHED,
    ),
    "answer_missing_field.ipynb": (
        notebook(
            "import os, json\nos.makedirs('response', exist_ok=True)\n"
            "json.dump({'cells': [{'index': 0}]}, open('response/response.json', 'w'))\n"
            "os._exit(0)"
        ),
        Status.CRASHED,
    ),
}


def test_mixed_batch_finishes_with_a_row_each(mlp_build, tmp_path):
    generator = malformed_generator()
    inputs = tmp_path / "in"
    inputs.mkdir()
    expected = {  # links and FIFOs in a download folder are skipped, never opened
        name: status
        for name, status in generator.write_all(inputs).items()
        if not (inputs / name).is_symlink() and (inputs / name).is_file()
    }
    for name, (source, status) in HOSTILE_RUNS.items():
        (inputs / name).write_text(source)
        expected[name] = str(status)
    good = "correct_functional.ipynb"
    (inputs / good).write_bytes((SUBMISSIONS / "mlp" / good).read_bytes())
    expected[good] = "graded"
    before = set(Path(tempfile.gettempdir()).glob("kit-grade-*"))

    results = grade_batch([inputs], assignment="mlp", out=tmp_path / "out", progress=False)

    shown = {name: os.fsencode(name).decode("utf-8", "replace") for name in expected}
    shown = {name: "".join(c if c.isprintable() else "?" for c in s) for name, s in shown.items()}
    expected = {shown[name]: status for name, status in expected.items()}
    by_file = {r.file: r for r in results}
    assert set(by_file) == set(expected)
    wrong = {
        name: (str(by_file[name].status), by_file[name].reason)
        for name, status in expected.items()
        if str(by_file[name].status) != status
    }
    assert wrong == {}
    assert by_file[good].total == by_file[good].possible == 27
    for result in results:
        assert "\n" not in result.reason and len(result.reason) <= 300
        if result.status != Status.GRADED:
            assert result.reason, result.file
            assert result.total == 0
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(expected)
    assert len(list((tmp_path / "out" / "results").glob("*.json"))) == len(expected)
    ours = [  # this grader's own batch folders (other graders may run on the machine)
        p
        for p in set(Path(tempfile.gettempdir()).glob("kit-grade-*")) - before
        if (p / "owner").exists() and (p / "owner").read_text() == str(os.getpid())
    ]
    assert ours == [], "temp folder left"
