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
    assert cli_main(["export", "--format", "csv", "--out", "x.csv", "--from", "y"]) == 70
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
