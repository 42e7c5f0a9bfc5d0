"""Who handed each file in: the LMS's stable id from each download layout, never a name slug."""

from __future__ import annotations

import json
import zipfile

import pytest

from autograder.grade.identity import safe_id
from autograder.grade.intake import discover

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def touch(path, text: str = NOTEBOOK):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def by_file(submissions):
    return {s.path.name: s for s in submissions}


def test_canvas_two_students_with_one_name_stay_two(tmp_path):
    touch(tmp_path / "smithjohn_1001_5001_mlp.ipynb")
    touch(tmp_path / "smithjohn_1002_5002_mlp.ipynb")
    touch(tmp_path / "smithjohn_LATE_1002_5003_mlp-1.ipynb")
    found = by_file(discover([tmp_path], assignment="mlp"))
    first, second = found["smithjohn_1001_5001_mlp.ipynb"], found["smithjohn_1002_5002_mlp.ipynb"]
    late = found["smithjohn_LATE_1002_5003_mlp-1.ipynb"]
    assert (first.who.key, second.who.key, late.who.key) == ("canvas:1001", "canvas:1002",
                                                             "canvas:1002")  # fmt: skip
    assert late.who.late and not second.who.late
    assert late.who.sequence > second.who.sequence  # Canvas's order: the later attachment
    assert len({s.submission_id for s in found.values()}) == 3


def test_moodle_folders_keep_unicode_names_and_participant_ids(tmp_path):
    touch(tmp_path / "张伟_2001_assignsubmission_file_" / "mlp.ipynb")
    touch(tmp_path / "Łukasz Nowak_2002_assignsubmission_file_" / "mlp.ipynb")
    touch(tmp_path / "张伟_2003_assignsubmission_file_" / "mlp.ipynb")  # another 张伟
    found = discover([tmp_path], assignment="mlp")
    assert sorted((s.who.key, s.who.name) for s in found) == [
        ("moodle:2001", "张伟"), ("moodle:2002", "Łukasz Nowak"), ("moodle:2003", "张伟"),
    ]  # fmt: skip
    ids = [s.submission_id for s in found]
    assert len(set(ids)) == 3 and all(i.isascii() and "submission" != i for i in ids)


def test_moodle_flat_download(tmp_path):
    touch(tmp_path / "Ana María_3001_assignsubmission_file_mlp.ipynb")
    (found,) = discover([tmp_path], assignment="mlp")
    assert (found.who.key, found.who.name, found.who.lms) == ("moodle:3001", "Ana María", "moodle")


def test_gradescope_export_metadata_gives_sid_email_time_and_group(tmp_path):
    touch(tmp_path / "submission_11" / "mlp.ipynb")
    touch(tmp_path / "submission_12" / "answers" / "mlp.ipynb")
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_11:\n"
        "  :submitters:\n"
        "  - :name: Zoë Ab\n    :sid: '900'\n    :email: zoe@uni.edu\n"
        "  :created_at: 2026-10-14 23:58:01.123456789 -0700\n"
        "submission_12:\n"
        "  :submitters:\n"
        "  - :name: Pair One\n    :sid: '901'\n    :email: one@uni.edu\n"
        "  - :name: Pair Two\n    :email: two@uni.edu\n"
        "  :created_at: '2026-10-15T01:00:00Z'\n",
        encoding="utf-8",
    )
    found = {s.who.key: s.who for s in discover([tmp_path], assignment="mlp")}
    zoe, pair = found["gradescope:900"], found["gradescope:901"]
    assert (zoe.name, zoe.email, zoe.submitted_at) == ("Zoë Ab", "zoe@uni.edu",
                                                       "2026-10-14T23:58:01-07:00")  # fmt: skip
    assert [m.key for m in pair.group] == ["gradescope:two@uni.edu"]
    assert pair.submitted_at == "2026-10-15T01:00:00+00:00"


def test_otter_zip_takes_the_id_of_the_folder_or_file_around_it(tmp_path):
    for folder in ("alice", "bob"):
        path = tmp_path / folder / "mlp_2026_10_01T12_00_00_000000.zip"
        path.parent.mkdir(parents=True)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mlp.ipynb", NOTEBOOK)
    touch(tmp_path / "carol" / "mlp.ipynb")
    canvas = tmp_path / "canvas" / "doejane_4001_6001_mlp_2026_10_01T12_00_00_000000.zip"
    canvas.parent.mkdir()
    canvas.write_bytes((tmp_path / "alice" / "mlp_2026_10_01T12_00_00_000000.zip").read_bytes())
    keys = sorted(s.who.key for s in discover([tmp_path], assignment="mlp"))
    assert keys == ["canvas:4001", "file:alice", "file:bob", "file:carol"]


def test_unrecognised_names_fall_back_to_the_stem(tmp_path):
    touch(tmp_path / "my homework (final).ipynb")
    (found,) = discover([tmp_path / "my homework (final).ipynb"], assignment="mlp")
    assert found.who.key == "file:my homework (final)" and found.who.lms == "file"


def test_ids_do_not_depend_on_what_else_is_in_the_batch(tmp_path):
    """A regrade of one file must write over its own result, not make a second one."""
    for name in ("a/x.ipynb", "b/x.ipynb", "smithjohn_1_2_mlp.ipynb"):
        touch(tmp_path / name)
    alone = {s.path: s.submission_id for s in discover([tmp_path / "b"], assignment="mlp")}
    together = {s.path: s.submission_id for s in discover([tmp_path], assignment="mlp")}
    assert len(set(together.values())) == 3
    named = discover([tmp_path / "smithjohn_1_2_mlp.ipynb"], assignment="mlp")
    assert named[0].submission_id == together[tmp_path / "smithjohn_1_2_mlp.ipynb"]
    del alone  # b/x.ipynb alone has no sibling to tell apart; its id may differ from "together"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("alice", "alice"), ("-=cmd|' \\C calc'!A0", None), ("张伟", None), ("张伟x", None)],
)
def test_safe_ids_are_ascii_and_keep_different_names_apart(text, expected):
    made = safe_id(text)
    assert made.isascii() and made and len(made) <= 80
    if expected:
        assert made == expected
    assert safe_id("张伟") != safe_id("李娜") and safe_id("a" * 250 + "x") != safe_id(
        "a" * 250 + "y"
    )


def test_a_file_named_like_another_students_does_not_become_theirs(tmp_path):
    """Inside an LMS folder the file name is the student's own choice."""
    eve = tmp_path / "Eve_555_assignsubmission_file_"
    touch(eve / "Victim_777_assignsubmission_file_mlp.ipynb")
    touch(eve / "victim_1002_5002_mlp.ipynb")
    touch(eve / "Victim_778_assignsubmission_file_" / "mlp.ipynb")  # a folder she made
    assert {s.who.key for s in discover([tmp_path], assignment="mlp")} == {"moodle:555"}


def test_a_metadata_file_uploaded_by_a_student_is_ignored(tmp_path):
    touch(tmp_path / "submission_11" / "mlp.ipynb")
    touch(tmp_path / "submission_12" / "mlp.ipynb")
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Eve\n    :sid: '1'\n"
        "submission_12:\n  :submitters:\n  - :name: Victim\n    :sid: '2'\n"
    )
    (tmp_path / "submission_11" / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Victim\n    :sid: '2'\n"
    )
    found = {s.path.parent.name: s.who.key for s in discover([tmp_path], assignment="mlp")}
    assert found == {"submission_11": "gradescope:1", "submission_12": "gradescope:2"}


# --------------------------------------------------------------------------- red team, round 3


def test_a_canvas_file_named_like_a_moodle_download_stays_the_canvas_students(tmp_path):
    """Canvas's prefix is read anchored and first; the student's own file name after it
    never chooses an identity (nor drops the late marker)."""
    touch(tmp_path / "doeeve_LATE_998_112_x_20230998_assignsubmission_file_mlp.ipynb")
    touch(tmp_path / "smithbob_1001_5001_mlp.ipynb")
    found = {s.who.key: s.who for s in discover([tmp_path], assignment="mlp")}
    assert set(found) == {"canvas:998", "canvas:1001"}
    assert found["canvas:998"].late and found["canvas:998"].name == "doeeve"


def test_a_moodle_prefix_counts_only_in_a_flat_moodle_download_as_a_whole(tmp_path):
    plain, flat = tmp_path / "plain", tmp_path / "flat"
    touch(plain / "alice.ipynb")
    touch(plain / "x_20230998_assignsubmission_file_mlp.ipynb")  # typed by a student
    touch(flat / "Ana María_3001_assignsubmission_file_mlp.ipynb")
    touch(flat / "Bo_3002_assignsubmission_file_x_3001_assignsubmission_file_mlp.ipynb")
    keys = {s.path.name: s.who.key for s in discover([tmp_path], assignment="mlp")}
    assert keys == {
        "alice.ipynb": "file:alice",
        "x_20230998_assignsubmission_file_mlp.ipynb": "file:x_20230998_assignsubmission_file_mlp",
        "Ana María_3001_assignsubmission_file_mlp.ipynb": "moodle:3001",
        "Bo_3002_assignsubmission_file_x_3001_assignsubmission_file_mlp.ipynb": "moodle:3002",
    }


def test_the_outermost_lms_folder_decides_even_without_metadata(tmp_path):
    """A folder a student made inside her Gradescope upload never names her."""
    touch(tmp_path / "submission_5" / "Victim_777_assignsubmission_file_" / "mlp.ipynb")
    touch(tmp_path / "submission_6" / "victim_1002_5002_mlp.ipynb")
    keys = sorted(s.who.key for s in discover([tmp_path], assignment="mlp"))
    assert keys == ["file:submission_5", "file:submission_6"]


def test_a_batch_that_mixes_layouts_is_noted(tmp_path):
    touch(tmp_path / "canvas" / "smithbob_1001_5001_mlp.ipynb")
    touch(tmp_path / "canvas" / "smithann_1002_5002_mlp.ipynb")
    touch(tmp_path / "Eve_998_assignsubmission_file_" / "mlp.ipynb")
    notes: list[str] = []
    discover([tmp_path], assignment="mlp", notes=notes)
    assert len(notes) == 1 and "mixes layouts" in notes[0] and "moodle:998" in notes[0]
    notes.clear()
    discover([tmp_path / "canvas"], assignment="mlp", notes=notes)
    assert notes == []


@pytest.mark.parametrize(
    "name",
    ["\x1b[2J\x1b]0;pwned\x07.ipynb", "a\x1b[8mhidden.ipynb", "evil\u202egnp.ipynb",
     "smith\x9bjohn_1001_5001_mlp.ipynb", "x\x7f_1_assignsubmission_file_mlp.ipynb"],
)  # fmt: skip
def test_names_keys_and_file_names_carry_no_terminal_controls(tmp_path, name):
    from autograder.safetext import is_safe

    touch(tmp_path / name)
    (found,) = discover([tmp_path], assignment="mlp")
    shown = [found.who.key, found.who.name, found.who.lms_id, found.file_name]
    assert all(is_safe(text) for text in shown), shown
    assert "\\x1b" in "".join(shown) or "\\u202e" in "".join(shown) or "\\x" in "".join(shown)


def test_one_students_lms_folder_passed_alone_or_a_file_in_it_named_still_names_her(tmp_path):
    eve = tmp_path / "Eve_998_assignsubmission_file_"
    touch(eve / "Victim_777_assignsubmission_file_mlp.ipynb")
    touch(tmp_path / "submission_5" / "victim_1002_5002_mlp.ipynb")
    for target in (eve, eve / "Victim_777_assignsubmission_file_mlp.ipynb"):
        assert [s.who.key for s in discover([target], assignment="mlp")] == ["moodle:998"]
    named = tmp_path / "submission_5" / "victim_1002_5002_mlp.ipynb"
    assert [s.who.key for s in discover([named], assignment="mlp")] == ["file:submission_5"]
