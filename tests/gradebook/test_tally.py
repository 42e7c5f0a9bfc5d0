"""The gradebook of a folder: latest submission, manual scores, overrides, lateness, merges.

Expected grades are computed here from the fixtures' own numbers, never typed in.
"""

from __future__ import annotations

import csv
import dataclasses

import pytest
from conftest import COURSE, make_result, write_results

from autograder.config import load_config
from autograder.errors import GradesError
from autograder.grade import report
from autograder.gradebook.tally import tally
from autograder.results import Identity

AUTO = {"q_model": 3.0, "q_train": 2.0}
MANUAL = {"q_essay": 2.0}
DEADLINE = "2026-10-15T23:59:00+08:00"


def config(tmp_path, late: str = ""):
    path = tmp_path / "grading.toml"
    path.write_text(
        COURSE + '[assignments.demo]\ntitle = "Demo"\nmanual = ["q_essay"]\n'
        "[assignments.demo.points]\nq_model = 3\nq_train = 2\nq_essay = 2\n" + late
    )
    return load_config(path).assignment("demo")


def who(key: str, name: str = "", **fields) -> Identity:
    lms, lms_id = key.split(":", 1)
    return Identity(key=key, name=name or lms_id, lms=lms, lms_id=lms_id, **fields)


def rows(folder):
    with (folder / "grades.csv").open(encoding="utf-8", newline="") as handle:
        return {r["student"]: r for r in csv.DictReader(handle)}


@pytest.fixture
def folder(tmp_path):
    return write_results(
        tmp_path / "out",
        [
            make_result("ann-1", who("canvas:1", "ann", sequence=10), {"q_model": 3}, AUTO),
            make_result("ann-2", who("canvas:1", "ann", sequence=11), {"q_model": 1}, AUTO),
            make_result("bo", who("canvas:2", "bo"), {"q_model": 2, "q_train": 2}, AUTO),
        ],
    )


def test_latest_counts_even_when_an_earlier_one_scored_more(folder, tmp_path):
    book = tally(folder, config(tmp_path))
    ann = book.grade_of("canvas:1")
    assert ann.result.submission == "ann-2" and [r.submission for r in ann.others] == ["ann-1"]
    assert ann.result.total < ann.others[0].total  # the fixture tests "latest", not "best"


def test_missing_manual_scores_leave_the_total_pending_never_zero(folder, tmp_path):
    spec = config(tmp_path)
    book = report.write_outputs(folder, spec)
    assert all(g.total is None and g.pending == ["q_essay"] for g in book.grades)
    table = rows(folder)
    assert table["canvas:2"]["total"] == "" and table["canvas:2"]["pending"] == "q_essay"
    assert table["canvas:2"]["possible"] == f"{sum(AUTO.values()) + sum(MANUAL.values()):g}"
    feedback = (folder / "feedback" / "bo.md").read_text()
    assert "Score: pending" in feedback and "q_essay: not graded yet" in feedback


def test_manual_scores_and_overrides_enter_totals_feedback_and_survive_regrades(folder, tmp_path):
    spec = config(tmp_path)
    (folder / "manual.csv").write_text(
        "student,question,points,comment\ncanvas:1,q_essay,1.5,thin argument\ncanvas:2,q_essay,2,\n"
    )
    (folder / "overrides.csv").write_text(
        "student,question,points,reason\ncanvas:2,q_model,3,regrade request: a test was wrong\n"
    )
    report.write_outputs(folder, spec)
    bo = rows(folder)["canvas:2"]
    assert float(bo["total"]) == 3 + 2 + 2 and "regrade request" in bo["corrections"]
    ann = rows(folder)["canvas:1"]
    assert float(ann["total"]) == 1 + 0 + 1.5
    text = (folder / "feedback" / "ann-2.md").read_text()
    assert "thin argument" in text and "q_essay: 1.5 / 2, graded by hand" in text
    assert "does not count" in (folder / "feedback" / "ann-1.md").read_text()
    # bo is graded again (a new result replaces his): the corrections stay in force
    write_results(folder, [make_result("bo", who("canvas:2", "bo"), {"q_model": 1}, AUTO)])
    report.write_outputs(folder, spec)
    assert float(rows(folder)["canvas:2"]["total"]) == 3 + 0 + 2
    assert "regrade request" in (folder / "overrides.csv").read_text()


def test_a_total_override_replaces_everything(folder, tmp_path):
    (folder / "overrides.csv").write_text(
        "student,question,points,reason\ncanvas:1,total,4.5,medical extension\n"
    )
    book = tally(folder, config(tmp_path))
    assert book.grade_of("canvas:1").total == 4.5  # even with its manual score pending
    assert book.grade_of("canvas:2").total is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("student,question,points,reason\ncanvas:9,q_model,1,x\n", "overrides.csv:2: no graded"),
        ("student,question,points,reason\ncanvas:1,q_nope,1,x\n", "overrides.csv:2: 'q_nope'"),
        ("student,question,points,reason\ncanvas:1,q_model,7,x\n", "outside 0..3"),
        ("student,question,points,reason\ncanvas:1,q_model,abc,x\n", "not a number"),
        ("student,question,points,reason\ncanvas:1,q_model,1,\n", "needs a reason"),
        ("student,question,points\ncanvas:1,q_model,1\n", "no column 'reason'"),
        (
            "student,question,points,reason\ncanvas:1,q_model,1,a\ncanvas:1,q_model,2,b\n",
            "overrides.csv:3: a second row",
        ),
        (b"\xff\xfe broken", "not UTF-8"),
    ],
)
def test_a_bad_overrides_file_is_one_line_naming_file_and_line(folder, tmp_path, content, message):
    path = folder / "overrides.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(GradesError) as info:
        report.write_outputs(folder, config(tmp_path))
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)
    assert not (folder / "grades.csv").exists()  # nothing half-written


POLICIES = {
    "per_day": 'penalty = "per_day"\nrate = 0.1\nmax_fraction = 0.3\n',
    "per_hour": 'penalty = "per_hour"\nrate = 0.02\n',
    "zero": 'penalty = "zero"\n',
}


@pytest.mark.parametrize(
    ("policy", "submitted_at", "fraction"),
    [
        ("per_day", "2026-10-15T23:59:00+08:00", 0.0),  # on time
        ("per_day", "2026-10-16T00:09:00+08:00", 0.0),  # inside the 15-minute grace
        ("per_day", "2026-10-16T00:30:00+08:00", 0.1),  # a started day
        ("per_day", "2026-10-17T10:00:00+08:00", 0.2),
        ("per_day", "2026-10-25T10:00:00+08:00", 0.3),  # the maximum
        ("per_day", "2026-10-16T00:30:00+09:00", 0.0),  # another zone: still in the grace
        ("per_hour", "2026-10-16T02:30:00+08:00", 0.06),
        ("zero", "2026-10-16T08:00:00+08:00", 1.0),
    ],
)
def test_late_penalties(tmp_path, policy, submitted_at, fraction):
    late = (
        f'[assignments.demo.late]\ndeadline = {DEADLINE}\ntimezone = "Asia/Shanghai"\n'
        f"grace_minutes = 15\n{POLICIES[policy]}"
    )
    spec = config(tmp_path, late)
    spec = dataclasses.replace(spec, manual=[])
    folder = write_results(tmp_path / "out", [
        make_result("x", who("gradescope:7", submitted_at=submitted_at), {"q_model": 3,
                    "q_train": 2}, AUTO),
    ])  # fmt: skip
    grade = report.write_outputs(folder, spec).grade_of("gradescope:7")
    possible = sum(AUTO.values())
    assert grade.penalty == pytest.approx(fraction * possible)
    assert grade.total == pytest.approx(max(0.0, possible - fraction * possible))
    row = rows(folder)["gradescope:7"]
    assert (row["late_penalty"] != "") == (fraction > 0)
    if fraction:
        assert "points off" in (folder / "feedback" / "x.md").read_text()


def test_canvas_late_marker_and_a_times_file(tmp_path):
    late = f'[assignments.demo.late]\ndeadline = {DEADLINE}\npenalty = "per_day"\nrate = 0.1\n'
    spec = dataclasses.replace(config(tmp_path, late), manual=[])
    folder = write_results(tmp_path / "out", [
        make_result("a", who("canvas:1", late=True), {"q_model": 3}, AUTO),
    ])  # fmt: skip
    grade = tally(folder, spec).grade_of("canvas:1")
    assert grade.penalty == pytest.approx(0.1 * 5) and "time unknown" in grade.late.note
    (folder / "submitted_at.csv").write_text("student,submitted_at\n1,2026-10-18T12:00:00+08:00\n")
    grade = tally(folder, spec).grade_of("canvas:1")
    assert grade.penalty == pytest.approx(0.3 * 5)  # three started days


def test_moodle_worksheet_times(tmp_path):
    from autograder.gradebook.corrections import read_times

    path = tmp_path / "worksheet.csv"
    path.write_text(
        "Identifier,Full name,Last modified (submission)\n"
        'Participant 31,张伟,"Friday, 16 October 2026, 9:05 AM"\nParticipant 32,Bo,-\n',
        encoding="utf-8",
    )
    assert read_times(path, "Asia/Shanghai") == {"moodle:31": "2026-10-16T09:05:00+08:00"}


def test_results_of_other_builds_are_named_stale(folder, tmp_path):
    assert tally(folder, config(tmp_path), build="b2").stale == ["ann-1", "ann-2", "bo"]
    assert tally(folder, config(tmp_path), build="b1").stale == []


def test_group_members_each_get_the_grade(tmp_path):
    member = who("gradescope:two@x.edu", "Two", email="two@x.edu")
    lead = who("gradescope:1", "One", sid="1", group=(member,))
    folder = write_results(tmp_path / "out", [make_result("g", lead, {"q_model": 3}, AUTO)])
    book = tally(folder, dataclasses.replace(config(tmp_path), manual=[]))
    assert [g.who.key for g in book.grades] == ["gradescope:1", "gradescope:two@x.edu"]
    assert {g.total for g in book.grades} == {3.0}
