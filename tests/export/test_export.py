"""``autograder export``: a hand-made grading output folder, exported in each format.

Every expected value is computed from the submissions written below, never typed in.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import paths
from autograder.cli import main as cli_main
from autograder.config import load_config
from autograder.export.gradebook import Submission, best_per_student
from autograder.results import QuestionResult, Status, SubmissionResult

POSSIBLE = {"q_model": 3.0, "q_train": 2.0}
TOTAL_POSSIBLE = sum(POSSIBLE.values())
ASSIGNMENT = "demo"
TITLE = 'Demo MLP, part "one"'  # a comma and quotes: the CSV must quote it


@dataclass(frozen=True)
class Fixture:
    submission: str
    student: str
    scores: dict[str, float] = field(default_factory=dict)
    status: str = "graded"
    reason: str = ""

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 4)


ALICE_1 = Fixture("alice-v1", "alice", {"q_model": 1.0, "q_train": 1.0})
ALICE_2 = Fixture("alice-v2", "alice", {"q_model": 3.0, "q_train": 1.6667})
BOB = Fixture("bob", "bob", {"q_model": 2.0, "q_train": 0.5})
CAROL = Fixture("carol", "carol", status="invalid", reason="not a notebook: bad JSON")
# Written out of order: the export sorts by student.
FIXTURES = [CAROL, ALICE_1, BOB, ALICE_2]
# What each student keeps: alice's better submission, the others' only one.
KEPT = [ALICE_2, BOB, CAROL]


def g(value: float) -> str:
    return f"{value:g}"


def percent(total: float) -> str:
    return f"{100 * total / TOTAL_POSSIBLE:.2f}"


def result_json(f: Fixture) -> dict:
    """A results/ID.json as `autograder grade` writes it (through the typed result model)."""
    return SubmissionResult(
        submission=f.submission,
        student=f.student,
        file=f"{f.submission}.ipynb",
        fingerprint="0" * 64,
        status=Status(f.status),
        reason=f.reason,
        questions={
            name: QuestionResult(name, f.scores.get(name, 0.0), max_score)
            for name, max_score in POSSIBLE.items()
        },
        seconds=1.5,
    ).to_gradescope()


def write_folder(folder: Path, fixtures: list[Fixture] = FIXTURES) -> Path:
    (folder / "results").mkdir(parents=True)
    (folder / "feedback").mkdir()
    for f in fixtures:
        (folder / "results" / f"{f.submission}.json").write_text(json.dumps(result_json(f)))
    columns = ["submission", "student", *POSSIBLE, "total", "possible", "status", "seconds"]
    with (folder / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*columns, "reason"])
        for f in fixtures:
            scores = [g(f.scores.get(q, 0.0)) for q in POSSIBLE]
            writer.writerow(
                [f.submission, f.student, *scores, g(f.total), g(TOTAL_POSSIBLE), f.status]
                + ["1.5", f.reason]
            )
    return folder


@pytest.fixture
def graded(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "grades" / ASSIGNMENT)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "grading.toml"
    path.write_text(f"[assignments.{ASSIGNMENT}]\ntitle = {json.dumps(TITLE)}\n")
    return path


def export(folder: Path, fmt: str, out: Path, *extra: str, config: Path | None = None) -> list:
    """Run the CLI and return the written file's rows."""
    first = ["--config", str(config)] if config else []
    args = [*first, "export", "--from", str(folder), "--format", fmt, "--out", str(out), *extra]
    assert cli_main(args) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_csv_one_row_per_student_best_submission_noted(graded, tmp_path):
    rows = export(graded, "csv", tmp_path / "out.csv")
    alice_note = (
        f"best of 2 submissions: kept {ALICE_2.submission}; "
        f"dropped {ALICE_1.submission} ({g(ALICE_1.total)}/{g(TOTAL_POSSIBLE)}, {ALICE_1.status})"
    )
    notes = {ALICE_2.student: alice_note}
    assert rows == [["student", "total", "possible", "percent", "status", "note"]] + [
        [
            f.student,
            g(f.total),
            g(TOTAL_POSSIBLE),
            percent(f.total),
            f.status,
            notes.get(f.student, ""),
        ]
        for f in KEPT
    ]
    assert ALICE_2.total > ALICE_1.total  # the fixture really tests "best", not "last"


def test_canvas_rows_and_title_from_config(graded, tmp_path, config):
    out = tmp_path / "canvas.csv"
    rows = export(graded, "canvas", out, "--assignment", ASSIGNMENT, config=config)
    title = load_config(config).assignment(ASSIGNMENT).title
    assert rows == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
        ["    Points Possible", "", "", "", "", g(TOTAL_POSSIBLE)],
    ] + [[f.student, "", "", f.student, "", g(f.total)] for f in KEPT]
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == 'Student,ID,SIS User ID,SIS Login ID,Section,"Demo MLP, part ""one"""'


def test_gradescope_rows(graded, tmp_path):
    rows = export(graded, "gradescope", tmp_path / "gs.csv")
    assert rows == [["SID", "Name", "Total Score"]] + [
        [f.student, f.student, g(f.total)] for f in KEPT
    ]


def test_default_folder_is_grades_assignment(tmp_path, monkeypatch):
    """--assignment alone reads grades/ASSIGNMENT; the Canvas column is the configured title."""
    write_folder(tmp_path / "mlp")
    monkeypatch.setattr(paths, "GRADES_DIR", tmp_path)
    out = tmp_path / "canvas.csv"
    assert cli_main(["export", "--assignment", "mlp", "--format", "canvas", "--out", str(out)]) == 0
    spec = load_config().assignment("mlp")
    with out.open(newline="") as handle:
        assert next(csv.reader(handle))[-1] == (spec.title or spec.name)


def test_results_alone_give_the_same_export(graded, tmp_path):
    """A batch stopped before grades.csv: the finished results/*.json are exported instead."""
    with_table = export(graded, "csv", tmp_path / "a.csv")
    (graded / "grades.csv").unlink()
    assert export(graded, "csv", tmp_path / "b.csv") == with_table


def test_grades_csv_wins_over_results(graded, tmp_path):
    """A TA's hand correction in grades.csv is what gets uploaded."""
    corrected = BOB.total + 1
    text = (graded / "grades.csv").read_text()
    old = f"{BOB.submission},{BOB.student},"
    line = next(row for row in text.splitlines() if row.startswith(old))
    fields = line.split(",")
    fields[2 + len(POSSIBLE)] = g(corrected)
    (graded / "grades.csv").write_text(text.replace(line, ",".join(fields)))
    rows = export(graded, "gradescope", tmp_path / "gs.csv")
    assert [BOB.student, BOB.student, g(corrected)] in rows


def test_invalid_submission_is_exported_and_reported(graded, tmp_path, capsys):
    export(graded, "gradescope", tmp_path / "gs.csv")
    err = capsys.readouterr().err
    assert f"{CAROL.student} ({CAROL.status})" in err


def test_tie_prefers_graded_then_name():
    timeout = Submission("x-2", "x", 3.0, 5.0, "timeout")
    graded = Submission("x-3", "x", 3.0, 5.0, "graded")
    first = Submission("x-1", "x", 3.0, 5.0, "graded")
    (grade,) = best_per_student([timeout, graded, first])
    assert grade.best == first and grade.others == (graded, timeout)


def test_write_is_atomic_and_replaces(graded, tmp_path):
    out = tmp_path / "sub" / "out.csv"
    out.parent.mkdir()
    out.write_text("old\n")
    export(graded, "csv", out)
    assert out.read_text().startswith("student,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("fmt", ["csv", "canvas", "gradescope"])
def test_missing_folder_exits_2(tmp_path, fmt, capsys):
    missing = tmp_path / "nowhere"
    out = tmp_path / "out.csv"
    assert cli_main(["export", "--from", str(missing), "--format", fmt, "--out", str(out)]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not out.exists()


def test_folder_without_grades_exits_2(tmp_path, capsys):
    (tmp_path / "empty" / "results").mkdir(parents=True)
    args = ["export", "--from", str(tmp_path / "empty"), "--format", "csv"]
    assert cli_main([*args, "--out", str(tmp_path / "o.csv")]) == 2
    assert "no grades" in capsys.readouterr().err


def test_grades_csv_without_columns_exits_2(tmp_path, capsys):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "grades.csv").write_text("name,score\nalice,3\n")
    args = ["export", "--from", str(tmp_path / "bad"), "--format", "csv"]
    assert cli_main([*args, "--out", str(tmp_path / "o.csv")]) == 2
    assert "no column submission" in capsys.readouterr().err


def test_needs_from_or_assignment(tmp_path, capsys):
    assert cli_main(["export", "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 2
    assert "--from" in capsys.readouterr().err


def test_unknown_assignment_exits_2(graded, tmp_path, config):
    args = ["--config", str(config), "export", "--from", str(graded), "--format", "csv"]
    assert cli_main([*args, "--assignment", "nope", "--out", str(tmp_path / "o.csv")]) == 2


def test_unknown_format_is_a_usage_error(graded, tmp_path):
    with pytest.raises(SystemExit) as exc:
        cli_main(["export", "--from", str(graded), "--format", "xlsx", "--out", "o.csv"])
    assert exc.value.code == 2
