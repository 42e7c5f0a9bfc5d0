"""The harness's running-cell mark and its reading on the trusted side (hostile data)."""

from __future__ import annotations

import os

import pytest

from autograder.grade import running
from autograder.results import AFTER_LAST_CELL, Identity, Status, SubmissionResult


def test_the_harness_and_the_reader_name_the_same_file() -> None:
    from autograder.grade.sandbox import harness

    assert harness.RUNNING_CELL_FILE == running.RUNNING_CELL_FILE


def test_the_mark_names_the_cell_it_is_about_to_run(tmp_path) -> None:
    from autograder.grade.sandbox import harness

    harness.mark_running(tmp_path, 3)
    harness.mark_running(tmp_path, 18)  # overwritten, a few bytes
    assert running.read_running_cell(tmp_path, 20) == 18
    harness.mark_running(tmp_path, 20)
    assert running.read_running_cell(tmp_path, 20) == AFTER_LAST_CELL


@pytest.mark.parametrize(
    "content", [b"", b"-1", b"21", b"3.5", b"1e3", b"\xff", b"12345678901234567890", b" 0x1"]
)
def test_a_mark_out_of_range_or_not_a_number_names_no_cell(tmp_path, content) -> None:
    (tmp_path / running.RUNNING_CELL_FILE).write_bytes(content)
    assert running.read_running_cell(tmp_path, 20) is None


def test_a_link_a_fifo_or_a_folder_is_never_followed(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("5")
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / running.RUNNING_CELL_FILE).symlink_to(secret)
    assert running.read_running_cell(answer, 20) is None
    (answer / running.RUNNING_CELL_FILE).unlink()
    os.mkfifo(answer / running.RUNNING_CELL_FILE)
    assert running.read_running_cell(answer, 20) is None  # O_NONBLOCK: no hang
    (answer / running.RUNNING_CELL_FILE).unlink()
    (answer / running.RUNNING_CELL_FILE).mkdir()
    assert running.read_running_cell(answer, 20) is None
    assert running.read_running_cell(tmp_path / "missing", 20) is None


def test_the_result_keeps_the_cell_and_reads_old_results_without_it() -> None:
    result = SubmissionResult.ungraded(
        submission="s", who=Identity("file:s", "S"), file="s.ipynb", fingerprint="f",
        status=Status.TIMEOUT, reason="ran past 60 s", possible={"q1": 1.0}, stopped_in=18,
    )  # fmt: skip
    data = result.to_gradescope()
    assert SubmissionResult.from_gradescope(data).stopped_in == 18
    del data["extra_data"]["kit"]["stopped_in"]
    assert SubmissionResult.from_gradescope(data).stopped_in is None
    for bad in (True, "3", -2, 1.0):
        data["extra_data"]["kit"]["stopped_in"] = bad
        with pytest.raises(Exception, match="not a kit result"):
            SubmissionResult.from_gradescope(data)


@pytest.mark.slow
def test_a_run_killed_for_memory_names_the_cell_it_was_in(tmp_path) -> None:
    """End to end: the memory bomb (its third code cell allocates until killed) is stopped by
    the kernel; the notebook is run again without that cell, so only what it defines is lost,
    and the feedback names the cell and why."""
    from conftest import SUBMISSIONS

    from autograder.grade.batch import grade_batch

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "memory_bomb.ipynb").write_bytes(
        (SUBMISSIONS / "adversarial" / "memory_bomb.ipynb").read_bytes()
    )
    (result,) = grade_batch([inputs], assignment="mlp", out=tmp_path / "out", progress=False)
    assert result.status == Status.GRADED
    (stopped,) = [c for c in result.cells if c.status != "ok"]
    assert stopped.index == 2 and "memory" in stopped.error and "run again" in stopped.error
    lost = {q.name for q in result.questions.values() if q.score < q.possible}
    assert lost == {"q_drill_params"}  # only the question the cell answers
    text = (tmp_path / "out" / "feedback" / f"{result.submission}.md").read_text()
    assert "code cell 3" in text and "this cell was stopped from outside" in text


def test_a_call_mark_is_read_only_as_one_of_the_functions_the_grader_calls(tmp_path) -> None:
    mark = tmp_path / running.RUNNING_CALL_FILE
    for content in (b"neuron", b"neuron\n", b"\xff\xfe", b"x" * 1000):
        mark.write_bytes(content)
        expected = "neuron" if content == b"neuron" else None
        assert running.read_running_call(tmp_path, {"neuron", "predict"}) == expected
    mark.unlink()
    mark.symlink_to(tmp_path / "elsewhere")
    assert running.read_running_call(tmp_path, {"neuron"}) is None


def test_a_run_stopped_in_a_cell_or_call_is_run_again_without_it_at_most_twice() -> None:
    from autograder.grade.launch import SandboxRun
    from autograder.grade.plan import Stopped
    from autograder.grade.reruns import stop_for_good, with_stopped
    from autograder.results import CellReport

    def run(status, where=None, calling=None):
        return SandboxRun(status, "ran over the 180 s limit", 180.0, None, "strong",
                          stopped_in=where, stopped_calling=calling)  # fmt: skip

    stopped = Stopped()
    assert not stop_for_good(run("ok"), stopped)  # nothing was stopped
    assert not stop_for_good(run("timeout"), stopped)  # nowhere known
    assert stop_for_good(run("timeout", 4), stopped)
    assert not stop_for_good(run("timeout", 4), stopped)  # the same cell again
    assert stop_for_good(run("memory", AFTER_LAST_CELL, "neuron"), stopped)
    assert not stop_for_good(run("timeout", 7), stopped)  # at most two
    assert set(stopped.cells) == {4} and set(stopped.functions) == {"neuron"}
    assert "ran over the 180 s limit" in stopped.cells[4]
    result = SubmissionResult(
        submission="s", who=Identity("file:s", "S"), file="s.ipynb", fingerprint="f",
        status=Status.GRADED, cells=(CellReport(4, "ok"), CellReport(5, "error", "boom")),
    )  # fmt: skip
    shown = with_stopped(result, stopped)
    assert [(c.index, c.status) for c in shown.cells] == [(4, "timeout"), (5, "error")]
    assert "code cell 5 was stopped from outside" in shown.reason
    assert "`neuron`" in shown.reason
