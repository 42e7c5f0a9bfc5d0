"""The CLI turns every kit error into one line and its documented exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.cli import main as cli_main
from autograder.errors import EXIT_CODES


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    code = cli_main(["grade", str(tmp_path / "nope"), "--assignment", "mlp", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code in (2, 4)  # not built (4) is checked first on a fresh clone
    assert len(err.splitlines()) == 1 and err.startswith("autograder grade: ")


def test_unknown_assignment_is_a_config_error(tmp_path, capsys):
    assert cli_main(["grade", str(tmp_path), "--assignment", "nope"]) == 2
    assert "unknown assignment 'nope'" in capsys.readouterr().err


def test_broken_config_is_one_line(tmp_path, capsys):
    config = tmp_path / "grading.toml"
    config.write_text("[course\n")
    assert cli_main(["--config", str(config), "grade", str(tmp_path), "--assignment", "mlp"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_internal_errors_are_one_line_with_code_70(monkeypatch, capsys):
    import autograder.export.main as export_main

    def boom(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(export_main, "main", boom)
    monkeypatch.delenv("AUTOGRADER_DEBUG", raising=False)
    assert cli_main(["export", "--format", "csv", "--to", "x.csv", "--from", "y"]) == 70
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: a bug" in err and "Traceback" not in err


@pytest.mark.parametrize("code", sorted(EXIT_CODES))
def test_exit_codes_are_documented_in_help(code):
    out = subprocess.run(
        [sys.executable, "-m", "autograder", "--help"], capture_output=True, text=True
    ).stdout
    assert f"{code} " in " ".join(out.split())


def test_the_demo_grades_the_samples_but_not_the_accuracy_corpus():
    from autograder import paths
    from autograder.demo.main import samples

    chosen = samples([paths.SAMPLE_SUBMISSIONS_DIR / "mlp"])
    names = {p.name for p in chosen}
    assert "correct_functional.ipynb" in names and "wrong_sizes.ipynb" in names
    assert not any(n.startswith(("alt_", "bug_")) for n in names)
    assert not any(p.suffix == ".toml" for p in chosen)


def help_of(*argv: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *argv, "--help"], capture_output=True, text=True
    ).stdout


def test_every_verb_has_a_description_and_an_example():
    from autograder.cli import VERB_MODULES

    for verb in VERB_MODULES:
        text = help_of(verb)
        usage, description, *_ = text.split("\n\n")
        assert description.strip().endswith("."), (verb, description)
        assert f"example:\n  autograder {verb}" in text, verb


def test_version_and_config_before_or_after_the_verb(tmp_path, capsys):
    out = subprocess.run([sys.executable, "-m", "autograder", "--version"], capture_output=True,
                         text=True).stdout  # fmt: skip
    assert out.startswith("autograder ") and out.split()[1][0].isdigit()
    config = tmp_path / "grading.toml"
    config.write_text("[course\n")
    for argv in (["--config", str(config), "tally", "-a", "mlp"],
                 ["tally", "-a", "mlp", "--config", str(config)]):  # fmt: skip
        assert cli_main(argv) == 2
        assert str(config.name) in capsys.readouterr().err


def test_short_flags_and_out_is_a_folder_everywhere():
    from autograder.cli import _parser

    args = vars(_parser().parse_args(["grade", "in/", "-a", "mlp", "-j", "3", "-o", "out/"]))
    assert (args["assignment"], args["jobs"], args["out"]) == ("mlp", 3, "out/")
    args = vars(_parser().parse_args(["export", "-a", "mlp", "--format", "csv", "--to", "f.csv"]))
    assert args["to"] == "f.csv" and "out" not in args  # export writes a file: --to FILE
    assert "--to" in help_of("export") and "--out" not in help_of("export")


def test_grade_with_no_notebooks_or_an_unbuilt_term_fails_with_what_to_do(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = ["grade", str(empty), "-a", "mlp", "--isolation", "none", "--no-progress"]
    code = cli_main([*argv, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    if code == 2:  # built here
        assert "no notebooks found in" in err and ".ipynb" in err
        assert not (tmp_path / "out" / "grades.csv").exists()
    else:  # a fresh clone: not built
        assert code == 4 and "autograder build --term" in err
    assert cli_main([*argv, "--term", "2027-never"]) == 4
    assert "run `autograder build --term 2027-never --assignment mlp`" in capsys.readouterr().err
