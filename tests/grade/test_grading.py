"""Grade the fixture submissions through `autograder grade` and compare with expected.toml."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    SUBMISSIONS,
    build_once,
    expected_results,
    loopback_listener,
)
from submissions import corpus

from autograder import paths
from autograder.assign.main import build_assignment
from autograder.cli import main as cli_main
from autograder.config import load_config
from autograder.grade.batch import grade_batch
from autograder.grade.feedback import points_text

pytestmark = pytest.mark.slow
OTTER_LOG_MARKER = Path("/tmp/kit-otter-log-was-unpickled")


def _assert_corpus(folder: str, results: list) -> None:
    outcomes = corpus.compare(folder, results, corpus.expected_for(folder))
    wrong = [f"{o.name} [{o.kind}]: got {o.got}; want {o.want}" for o in outcomes if not o.matches]
    assert not wrong, "\n".join(wrong)


@pytest.mark.corpus
@pytest.mark.parametrize("assignment", ["word2vec", "sentence_embeddings"])
def test_corpus_gets_its_exact_scores(assignment, tmp_path):
    """Correct alternatives get full marks; each bug loses exactly what it costs."""
    build_once(assignment)
    results = grade_batch(
        [SUBMISSIONS / assignment], assignment=assignment, out=tmp_path, progress=False
    )
    _assert_corpus(assignment, results)


@pytest.mark.corpus
def test_mlp_corpus_gets_its_exact_scores(mlp_build, tmp_path):
    results = grade_batch([SUBMISSIONS / "mlp"], assignment="mlp", out=tmp_path, progress=False,
                          similarity=True)  # fmt: skip
    _assert_corpus("mlp", results)
    # the corpus is one notebook changed one way at a time: ipython_features copies
    # correct_functional outright, and the report (linked from the summary) flags them
    with open(tmp_path / "similarity.csv", newline="") as fh:
        ranked = list(csv.DictReader(fh))
    assert {ranked[0]["submission_a"], ranked[0]["submission_b"]} == {
        "correct_functional", "ipython_features"
    } and ranked[0]["flagged"] == "yes"  # fmt: skip
    assert 'href="similarity.html"' in (tmp_path / "summary.html").read_text()

    with open(tmp_path / "grades.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["submission"] for r in rows} == set(expected_results("mlp"))
    assert {"q_model", "q_why_popular", "total", "possible", "status", "pending"} <= set(rows[0])
    spec = load_config().assignment("mlp")
    correct = next(r for r in rows if r["submission"] == "correct_functional")
    assert float(correct["possible"]) == sum(spec.points.values())  # manual points included
    assert correct["total"] == "" and correct["pending"] == "q_why_popular"  # never a silent 0
    answers = json.loads((tmp_path / "results" / "correct_functional.json").read_text())
    written = answers["extra_data"]["kit"]["answers"]["q_why_popular"]
    assert "GPUs" in written and "BEGIN" not in written  # the solution's own answer text
    assert "Type your answer here" not in written  # the skeleton's placeholder cell is dropped
    assert (tmp_path / "summary.png").stat().st_size > 10_000
    result = json.loads((tmp_path / "results" / "wrong_sizes.json").read_text())
    assert {"score", "tests", "execution_time"} <= set(result)  # Gradescope results.json shape
    feedback = (tmp_path / "feedback" / "wrong_sizes.md").read_text()
    q_model = spec.points["q_model"]
    lost = expected_results("mlp")["wrong_sizes"]["lost"]["q_model"]
    assert f"(q_model): {points_text(q_model - lost)} / {points_text(q_model)}" in feedback
    assert "✗ hidden check" in feedback and "hidden layer sizes" in feedback  # what was found
    hidden_source = (mlp_build / "autograder" / "tests" / "q_model.py").read_text()
    assert "assert_hidden_layers" in hidden_source and "assert_hidden_layers" not in feedback
    keras3 = (tmp_path / "feedback" / "alt_keras3_import.md").read_text()
    assert "Keras 3" not in keras3, "a Keras 3 model read as tf-keras needs no fix"


@pytest.fixture
def quick_limits(tmp_path):
    """The repo's grading.toml with short limits, so the hanging fixtures finish fast."""
    text = paths.REPO_ROOT.joinpath("grading.toml").read_text()
    text = text.replace("cell_timeout_s = 30", "cell_timeout_s = 15").replace(
        "timeout_s = 180", "timeout_s = 120"
    )
    config = tmp_path / "grading.toml"
    config.write_text(text)
    return config


@pytest.fixture
def answering_server():
    with loopback_listener(47123, b"2083") as connections:
        yield connections


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_adversarial_submissions_gain_nothing(mlp_build, tmp_path, quick_limits, answering_server):
    OTTER_LOG_MARKER.unlink(missing_ok=True)
    before = _tree_digest(mlp_build / "autograder")
    results = grade_batch(
        [SUBMISSIONS / "adversarial"],
        assignment="mlp",
        config=str(quick_limits),
        out=tmp_path / "out",
        progress=False,
    )
    _assert_corpus("adversarial", results)
    assert not OTTER_LOG_MARKER.exists(), ".OTTER_LOG was unpickled"
    assert answering_server == [], "a sandbox reached the host's network"
    assert _tree_digest(mlp_build / "autograder") == before, "hidden tests were changed"


def test_killed_batch_resumes_without_regrading(mlp_build, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("correct_functional", "wrong_sizes"):
        (inputs / f"{name}.ipynb").write_bytes((SUBMISSIONS / "mlp" / f"{name}.ipynb").read_bytes())
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        str(inputs),
        "--assignment",
        "mlp",
        "--out",
        str(out),
        "--jobs",
        "1",
        "--no-progress",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # kill -9 of the grader only
    proc.wait()
    first = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert len(first) == 1  # killed while the second was being graded
    for leftover in (out / "results").glob("*.tmp"):
        pytest.fail(f"a half-written result was left: {leftover}")

    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert set(after) == {"correct_functional.json", "wrong_sizes.json"}
    assert all(after[name] == mtime for name, mtime in first.items()), (
        "a finished result was regraded"
    )
    totals = {  # auto-graded totals (grades.csv leaves the total pending the manual question)
        p.stem: json.loads(p.read_text())["score"] for p in (out / "results").glob("*.json")
    }
    expected = expected_results("mlp")
    assert totals == pytest.approx({k: expected[k]["total"] for k in totals}, abs=1e-3)


def test_regrade_merges_keeps_overrides_and_refuses_other_terms(mlp_build, tmp_path, capsys):
    """A TA's week: grade, correct by hand, regrade one late file, resume after a rebuild."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    empty = inputs / "doeann_1001_5001_mlp.ipynb"
    empty.write_text("")
    notebook = json.loads((SUBMISSIONS / "mlp" / "correct_functional.ipynb").read_text())
    notebook["metadata"]["kit"]["term"] = "1999-spring"
    (inputs / "smithjohn_1002_5002_mlp.ipynb").write_text(json.dumps(notebook))
    base = ["grade", "--assignment", "mlp", "--out", str(out), "--no-progress"]
    assert cli_main([*base, str(inputs)]) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"canvas:1001", "canvas:1002"}
    assert (
        "1999-spring" in rows["canvas:1002"]["reason"] and "--term" in rows["canvas:1002"]["reason"]
    )
    assert rows["canvas:1002"]["status"] == "invalid"
    (out / "overrides.csv").write_text(
        "student,question,points,reason\ncanvas:1002,total,20,graded by hand: old handout\n"
    )
    john = out / "results" / "smithjohn_1002_5002_mlp.json"
    before = john.stat().st_mtime_ns
    late = inputs / "doeann_LATE_1001_5009_mlp.ipynb"  # Ann hands in again, late
    late.write_text(" ")
    assert cli_main([*base, str(late)]) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"canvas:1001", "canvas:1002"}  # John's row kept
    assert (
        rows["canvas:1002"]["total"] == "20" and "old handout" in rows["canvas:1002"]["corrections"]
    )
    assert rows["canvas:1001"]["submission"] == "doeann_LATE_1001_5009_mlp"  # the latest counts
    assert "doeann_1001_5001_mlp" in rows["canvas:1001"]["others"]
    # a result made with an older build is graded again by --resume; a current one is not
    data = json.loads(john.read_text())
    data["extra_data"]["kit"]["build"] = "an-older-build"
    john.write_text(json.dumps(data))
    before = john.stat().st_mtime_ns
    ann = out / "results" / "doeann_1001_5001_mlp.json"
    ann_before = ann.stat().st_mtime_ns
    assert cli_main([*base, "--resume", str(inputs)]) == 0
    assert john.stat().st_mtime_ns != before and ann.stat().st_mtime_ns == ann_before
    assert json.loads(john.read_text())["extra_data"]["kit"]["build"] != "an-older-build"
    capsys.readouterr()
    assert cli_main([*base, "--term", "1999-spring", str(inputs)]) == 4  # not built
    assert "not built for term 1999-spring" in capsys.readouterr().err
    cfg = load_config()
    build_assignment(cfg, "mlp", "1999-spring", publish=False)
    try:  # with that term's build, John's notebook is graded (and fully correct)
        john_file = inputs / "smithjohn_1002_5002_mlp.ipynb"
        assert cli_main([*base, "--term", "1999-spring", str(john_file)]) == 0
    finally:
        shutil.rmtree(paths.BUILD_DIR / "1999-spring")
    result = json.loads(john.read_text())["extra_data"]["kit"]
    assert result["status"] == "graded" and result["term"] == "1999-spring"
    auto = sum(
        p for q, p in cfg.assignment("mlp").points.items() if q not in cfg.assignment("mlp").manual
    )
    assert json.loads(john.read_text())["score"] == auto
