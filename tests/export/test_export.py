"""``autograder export``: a grading folder filled into each LMS's own file.

The rosters below follow the headers each LMS documents for its downloads; every expected
grade is computed from the fixtures' numbers, never typed in.
"""

from __future__ import annotations

import csv
import json

import pytest
from conftest import COURSE, make_result, write_results

from autograder import paths
from autograder.cli import main as cli_main
from autograder.results import Identity

POSSIBLE = {"q_model": 3.0, "q_train": 2.0}
TOTAL_POSSIBLE = sum(POSSIBLE.values())
TITLE = 'Demo MLP, part "one"'  # a comma and quotes: the CSV must quote it

JOHN_1 = Identity(key="canvas:1001", name="smithjohn", lms="canvas", lms_id="1001", sequence=5)
JOHN_2 = Identity(key="canvas:1002", name="smithjohn", lms="canvas", lms_id="1002", sequence=6)
ZHANG = Identity(key="moodle:2001", name="张伟", lms="moodle", lms_id="2001")
ZOE = Identity(key="gradescope:900", name="Zoë", lms="gradescope", lms_id="900", sid="900",
               email="zoe@uni.edu")  # fmt: skip
RESULTS = [
    make_result("john1-a", JOHN_1, {"q_model": 3.0, "q_train": 1.6667}, POSSIBLE),
    make_result("john2", JOHN_2, {"q_model": 1.0}, POSSIBLE),
    make_result("zhang", ZHANG, {"q_model": 2.0, "q_train": 2.0}, POSSIBLE),
    make_result("zoe", ZOE, {}, POSSIBLE, status="invalid", reason="bad JSON"),
]
TOTALS = {r.who.key: r.total for r in RESULTS}

CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (1234),"
    f'"{TITLE.replace(chr(34), chr(34) * 2)} (5678)",Current Score\n'
    "    Points Possible,,,,,10,5,\n"
    '"Smith, John",1001,S1001,jsmith,Sec A,8,,\n'
    '"Smith, John",1002,S1002,jsmith2,Sec B,9,,\n'
    '"Lee, Ann",1003,S1003,alee,Sec B,7,,\n'
)
MOODLE_WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    'Participant 2001,张伟,zw@uni.edu,Submitted for grading,,10.00,Yes,"Friday, 16 October '
    '2026, 9:05 AM",-,\n'
    "Participant 2002,Łukasz Nowak,ln@uni.edu,No submission,,10.00,Yes,-,-,\n"
)


def read_rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "grading.toml"
    path.write_text(
        COURSE + f"[assignments.demo]\ntitle = {json.dumps(TITLE)}\n"
        "[assignments.demo.points]\nq_model = 3\nq_train = 2\n"
    )
    return path


@pytest.fixture
def graded(tmp_path):
    return write_results(tmp_path / "grades" / "demo", RESULTS)


def export(config, graded, fmt, out, *extra, code=0):
    """The rows written; ``code`` 2: nothing to export, so no file (#28)."""
    args = ["--config", str(config), "export", "--from", str(graded), "--format", fmt]
    assert cli_main([*args, "--to", str(out), *extra]) == code
    assert out.exists() == (code == 0)
    return read_rows(out) if code == 0 else []


def test_canvas_fills_the_downloaded_gradebook(config, graded, tmp_path, capsys):
    roster = tmp_path / "canvas.csv"
    roster.write_text("\ufeff" + CANVAS_ROSTER, encoding="utf-8")  # Canvas writes a BOM
    rows = export(config, graded, "canvas", tmp_path / "out.csv", "--roster", str(roster))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{TITLE} (5678)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", f"{TOTAL_POSSIBLE:g}"]
    assert rows[2:] == [
        ["Smith, John", "1001", "S1001", "jsmith", "Sec A", f"{TOTALS['canvas:1001']:g}"],
        ["Smith, John", "1002", "S1002", "jsmith2", "Sec B", f"{TOTALS['canvas:1002']:g}"],
        ["Lee, Ann", "1003", "S1003", "alee", "Sec B", ""],  # no submission: empty, not 0
    ]
    printed = capsys.readouterr()
    assert "Lee, Ann (ID 1003)" in printed.out
    assert "张伟" in printed.err and "Zoë" in printed.err  # graded, not in this roster


def test_canvas_without_its_column_adds_one_and_says_so(config, graded, tmp_path, capsys):
    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS_ROSTER.replace(" (5678)", "X"), encoding="utf-8")
    rows = export(config, graded, "canvas", tmp_path / "out.csv", "--roster", str(roster))
    assert rows[0][-1] == TITLE and "new assignment" in capsys.readouterr().out


def test_moodle_fills_the_grading_worksheet_scaled_to_its_maximum(config, graded, tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text(MOODLE_WORKSHEET, encoding="utf-8")
    rows = export(config, graded, "moodle", tmp_path / "out.csv", "--roster", str(roster))
    assert rows[0] == read_rows(roster)[0]
    zhang, lukasz = rows[1], rows[2]
    assert zhang[:2] == ["Participant 2001", "张伟"]
    assert float(zhang[4]) == pytest.approx(TOTALS["moodle:2001"] * 10 / TOTAL_POSSIBLE)
    assert "q_model 2/3" in zhang[9]
    assert lukasz[4] == "" and lukasz[1] == "Łukasz Nowak"


def test_gradescope_from_metadata_and_from_a_roster(config, graded, tmp_path):
    rows = export(config, graded, "gradescope", tmp_path / "gs.csv")
    assert rows == [["Name", "SID", "Email", "Total Score"],
                    ["Zoë", "900", "zoe@uni.edu", f"{TOTALS['gradescope:900']:g}"]]  # fmt: skip
    roster = tmp_path / "roster.csv"
    roster.write_text("First Name,Last Name,SID,Email,Role\nZoë,Ab,,ZOE@uni.edu,Student\n"
                      "Al,Bo,901,al@uni.edu,Student\n", encoding="utf-8")  # fmt: skip
    rows = export(config, graded, "gradescope", tmp_path / "gs2.csv", "--roster", str(roster))
    assert rows[1] == ["Zoë Ab", "", "ZOE@uni.edu", f"{TOTALS['gradescope:900']:g}"]
    assert rows[2] == ["Al Bo", "901", "al@uni.edu", ""]


def test_csv_lists_every_student_with_the_latest_submission(config, graded, tmp_path):
    rows = export(config, graded, "csv", tmp_path / "out.csv")
    # sorted by name, then key: two John Smiths stay two rows
    assert [r[0] for r in rows[1:]] == ["canvas:1001", "canvas:1002", "gradescope:900",
                                        "moodle:2001"]  # fmt: skip
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["canvas:1001"][3] == f"{TOTALS['canvas:1001']:g}"


def test_pending_manual_scores_are_left_empty_and_listed(tmp_path, capsys):
    config = tmp_path / "grading.toml"
    config.write_text(
        COURSE + "[assignments.demo]\nmanual = ['q_essay']\n"
        "[assignments.demo.points]\nq_model = 3\nq_train = 2\nq_essay = 2\n"
    )
    graded = write_results(tmp_path / "g", RESULTS)
    args = ["--config", str(config), "export", "--from", str(graded), "--format", "gradescope"]
    # nothing to upload: no file, exit 2, one line saying what to do (#28: no silent success)
    assert cli_main([*args, "--to", str(tmp_path / "gs.csv"), "-a", "demo"]) == 2
    *listed, err = capsys.readouterr().err.strip().splitlines()
    assert "manual scores missing (grade left empty): " in listed[0]  # who, then what to do
    assert "manual scores are missing for 1 student(s)" in err
    assert "autograder review -a demo" in err and not (tmp_path / "gs.csv").exists()


@pytest.mark.parametrize(
    ("fmt", "roster_text", "message"),
    [
        ("canvas", None, "needs --roster"),
        ("moodle", None, "needs --roster"),
        ("canvas", "Name,Score\nx,1\n", "no column 'Student'"),
        (
            "moodle",
            "Identifier,Full name,Grade,Maximum Grade\nParticipant x,y,,10\n",
            "Participant N",
        ),
        ("gradescope", "Name,Score\n", "no column 'SID' or 'Email'"),
        ("canvas", "", "empty"),
        ("canvas", 'Student,ID,SIS User ID,SIS Login ID,Section\n"a,1\n', "not a readable CSV"),
    ],
)
def test_input_errors_are_one_line_and_write_nothing(
    config, graded, tmp_path, capsys, fmt, roster_text, message
):
    out = tmp_path / "out.csv"
    extra = []
    if roster_text is not None:
        (tmp_path / "roster.csv").write_text(roster_text)
        extra = ["--roster", str(tmp_path / "roster.csv")]
    args = ["--config", str(config), "export", "--from", str(graded), "--format", fmt]
    assert cli_main([*args, "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_roster_file_is_named(config, graded, tmp_path, capsys):
    args = ["--config", str(config), "export", "--from", str(graded), "--format", "canvas"]
    missing = tmp_path / "nope.csv"
    assert cli_main([*args, "--out", str(tmp_path / "o.csv"), "--roster", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_default_folder_is_grades_assignment(tmp_path, monkeypatch):
    write_results(tmp_path / "mlp", RESULTS)
    manual = "".join(f"{r.who.key},q_why_popular,1\n" for r in RESULTS)  # mlp's manual question
    (tmp_path / "mlp" / "manual.csv").write_text("student,question,points\n" + manual)
    monkeypatch.setattr(paths, "GRADES_DIR", tmp_path)
    out = tmp_path / "out.csv"
    assert cli_main(["export", "--assignment", "mlp", "--format", "csv", "--to", str(out)]) == 0
    assert len(read_rows(out)) == 1 + len(TOTALS)


def test_write_is_atomic_and_replaces(config, graded, tmp_path):
    out = tmp_path / "sub" / "out.csv"
    out.parent.mkdir()
    out.write_text("old\n")
    export(config, graded, "csv", out)
    assert out.read_text().startswith("student,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("fmt", ["csv", "gradescope"])
def test_missing_folder_exits_2(config, tmp_path, fmt, capsys):
    missing = tmp_path / "nowhere"
    args = ["--config", str(config), "export", "--from", str(missing), "--format", fmt]
    assert cli_main([*args, "--out", str(tmp_path / "o.csv"), "--assignment", "demo"]) == 2
    assert str(missing) in capsys.readouterr().err


def test_folder_without_grades_exits_2(config, tmp_path, capsys):
    (tmp_path / "demo" / "results").mkdir(parents=True)
    args = ["--config", str(config), "export", "--from", str(tmp_path / "demo"), "--format", "csv"]
    assert cli_main([*args, "--out", str(tmp_path / "o.csv")]) == 2
    assert "no grades" in capsys.readouterr().err


def test_needs_from_or_assignment(tmp_path, capsys):
    assert cli_main(["export", "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 2
    assert "--from" in capsys.readouterr().err


def test_unknown_format_is_a_usage_error(graded):
    with pytest.raises(SystemExit) as exc:
        cli_main(["export", "--from", str(graded), "--format", "xlsx", "--out", "o.csv"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- red team, round 3


def test_exports_match_only_identities_of_their_own_lms(config, tmp_path, capsys):
    """A name the student typed (a file named like a Moodle or Gradescope download, or after
    a classmate's SIS id) never chooses a row of another LMS's roster."""
    claims = [
        Identity(key="file:S1003", name="S1003", lms_id="S1003"),  # the SIS User ID column
        Identity(key="file:alee", name="alee", lms_id="alee"),  # the SIS Login ID column
        Identity(key="moodle:1001", name="Eve", lms="moodle", lms_id="1001"),  # a Canvas ID
        Identity(key="file:x", name="x", lms_id="2002", sid="901", email="al@uni.edu"),
        Identity(key="canvas:2002", name="eve", lms="canvas", lms_id="2002", sid="901"),
    ]
    graded = write_results(
        tmp_path / "grades" / "demo",
        [make_result(f"eve{i}", who, {"q_model": 3.0}, POSSIBLE) for i, who in enumerate(claims)],
    )
    canvas, moodle, roster = tmp_path / "c.csv", tmp_path / "m.csv", tmp_path / "g.csv"
    canvas.write_text(CANVAS_ROSTER, encoding="utf-8")
    moodle.write_text(MOODLE_WORKSHEET.replace("Participant 2002", "Participant 2002"))
    roster.write_text("Name,SID,Email\nAl Bo,901,al@uni.edu\n", encoding="utf-8")
    # no row of another LMS's roster is chosen: nothing to export, no file, exit 2 (#28)
    export(config, graded, "canvas", tmp_path / "1.csv", "--roster", str(canvas), code=2)
    export(config, graded, "moodle", tmp_path / "2.csv", "--roster", str(moodle), code=2)
    export(config, graded, "gradescope", tmp_path / "3.csv", "--roster", str(roster), code=2)
    export(config, graded, "gradescope", tmp_path / "4.csv", code=2)
    assert capsys.readouterr().err.count("is in the roster") >= 3


def test_export_prints_no_terminal_controls(config, tmp_path, capsys):
    from autograder.safetext import is_safe

    evil = Identity(key="file:\\x1b[2J", name="\x1b[2J\x1b]0;pwned\x07\u202e", lms_id="x")
    graded = write_results(tmp_path / "grades" / "demo",
                           [make_result("evil", evil, {}, POSSIBLE)])  # fmt: skip
    roster = tmp_path / "c.csv"
    roster.write_text(CANVAS_ROSTER.replace("Lee, Ann", "Lee\x1b[8m, Ann"), encoding="utf-8")
    export(config, graded, "canvas", tmp_path / "1.csv", "--roster", str(roster), code=2)
    printed = capsys.readouterr()
    assert "pwned" in printed.err and "\\x1b[8m" in printed.out
    assert is_safe((printed.out + printed.err).replace("\n", ""))


def test_the_assignment_is_read_from_the_results_not_the_folder_name(config, tmp_path, capsys):
    """Results record the assignment they were graded as: a folder a TA renamed still exports
    as its own, and exporting it as another assignment is refused."""
    import dataclasses

    recorded = [dataclasses.replace(r, assignment="demo") for r in RESULTS]
    folder = write_results(tmp_path / "week 3 (renamed)", recorded)
    args = ["--config", str(config), "export", "--from", str(folder), "--format", "csv"]
    assert cli_main([*args, "--to", str(tmp_path / "ok.csv")]) == 0
    assert len(read_rows(tmp_path / "ok.csv")) == 1 + len(TOTALS)
    capsys.readouterr()
    assert cli_main([*args, "--to", str(tmp_path / "no.csv"), "--assignment", "mlp"]) == 2
    assert "graded as demo, not mlp" in capsys.readouterr().err
    assert not (tmp_path / "no.csv").exists()
