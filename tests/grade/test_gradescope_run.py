"""``run_autograder``'s own rules, without grading: a grader failure publishes nothing, the
newest notebook counts, no grader path reaches the results. (Grading through the zip:
``tests/assign/test_gradescope_zip.py``.)"""

from __future__ import annotations

import json
import os

from conftest import notebook

from autograder.grade import gradescope


def test_a_grader_failure_writes_no_results_and_exits_1(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "results" / "results.json"
    stale.parent.mkdir()
    stale.write_text('{"score": 27}')  # a previous run's: must not be published again

    def broken(**_):
        raise gradescope.CannotGrade("no sandbox runs in this container: strong: missing root")

    monkeypatch.setattr(gradescope, "run", broken)
    code = gradescope.main(["--root", str(tmp_path), "--assignment", "mlp", "--term", "t"])
    assert code == 1 and not stale.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not grade" in err[0] and "no sandbox runs" in err[0]


def test_results_are_written_with_the_mode_first(tmp_path, monkeypatch, capsys):
    data = {"score": 3.0, "output": "isolation: user (…)\nq_model: 3 / 3", "tests": []}
    monkeypatch.setattr(gradescope, "run", lambda **_: data)
    assert gradescope.main(["--root", str(tmp_path), "--assignment", "mlp", "--term", "t"]) == 0
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == data
    assert capsys.readouterr().out.startswith("isolation: user")


def test_the_newest_notebook_counts_else_the_last_name(tmp_path):
    for n, name in enumerate(("b.ipynb", "a.ipynb", "c.ipynb")):
        (tmp_path / name).write_text(notebook("x = 1"))
        os.utime(tmp_path / name, (1000 + n, 1000 + n))
    found, counted = gradescope.newest(tmp_path)
    assert len(found) == 3 and counted.path.name == "c.ipynb"
    os.utime(tmp_path / "a.ipynb", (5000, 5000))
    assert gradescope.newest(tmp_path)[1].path.name == "a.ipynb"
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        os.utime(tmp_path / name, (7000, 7000))
    assert gradescope.newest(tmp_path)[1].path.name == "c.ipynb"
    assert gradescope.newest(tmp_path / "absent")[1] is None


def test_no_path_of_the_grader_reaches_the_results():
    data = {
        "output": "crashed: Command '['mount', '--bind', '/tmp/kit-grade-x1/lanes/0.1/sandbox']'",
        "tests": [{"output": "see /autograder/source/kit/build/t/mlp/tests/q_1.py, line 3"}],
        "kit": {"reason": "/var/tmp/kit-gradescope-1/autograder/kit-venv/lib/python3.11"},
    }
    text = json.dumps(gradescope.scrub(data))
    for leak in ("/tmp/kit-grade", "/autograder/", "/var/tmp", "kit-venv"):
        assert leak not in text
    assert "/home/student/mlp.ipynb" in gradescope.scrub("/home/student/mlp.ipynb")


def test_the_container_memory_limit_is_read_where_there_is_one(monkeypatch, tmp_path):
    files = {"/sys/fs/cgroup/memory.max": "1610612736\n"}

    def read_text(self, *a, **k):
        if str(self) in files:
            return files[str(self)]
        raise OSError("absent")

    monkeypatch.setattr(gradescope.Path, "read_text", read_text)
    assert gradescope.container_memory_mb() == 1536
    files = {"/sys/fs/cgroup/memory.max": "max\n"}
    assert gradescope.container_memory_mb() is None
