"""`autograder build` skips an assignment whose build is up to date, and only that one.

The build and the self-check are replaced by stand-ins that record their calls and write what a
build's up-to-date check reads (tests and plan), so the rules are tested without TensorFlow."""

from __future__ import annotations

import pytest

from autograder import paths
from autograder.assign import main as build
from autograder.assign import uptodate
from autograder.config import load_config


@pytest.fixture
def kit(tmp_path, monkeypatch):
    """A private build folder and grading.toml; the calls of build and self-check."""
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    config = tmp_path / "grading.toml"
    config.write_text(paths.REPO_ROOT.joinpath("grading.toml").read_text())
    calls: list[str] = []

    def fake_build(cfg, name, term, *, publish=True):
        calls.append(f"build {name}")
        folder = paths.BUILD_DIR / term / name
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        for part in ("tests", "plan"):
            (folder / "autograder" / part).mkdir(parents=True)
        (folder / "autograder" / "plan" / "plan.json").write_text("{}")
        (folder / "autograder" / "tests" / "q1.py").write_text("x = 1\n")

    def fake_check(cfg, name, term, build_dir, *, progress):
        calls.append(f"check {name}")
        if (build_dir / "fail").exists():
            raise RuntimeError("self-check failed")
        return f"{name}: ok"

    monkeypatch.setattr(build, "build_assignment", fake_build)
    monkeypatch.setattr(build, "self_check", fake_check)
    return config, calls


def _run(config, **options) -> None:
    build.main(config=str(config), assignment=["mlp"], **options)


def _folder(config):
    return paths.BUILD_DIR / load_config(str(config)).course.term / "mlp"


def test_a_second_build_is_skipped_and_says_so(kit, capsys):
    config, calls = kit
    _run(config)
    assert calls == ["build mlp", "check mlp"]
    capsys.readouterr()
    _run(config)
    assert calls == ["build mlp", "check mlp"]
    out = capsys.readouterr().out
    assert "mlp for term" in out and "up to date" in out and "built mlp" not in out


def test_force_rebuilds_and_checks_again(kit):
    config, calls = kit
    _run(config)
    _run(config, force=True)
    assert calls == ["build mlp", "check mlp"] * 2


def test_a_changed_grading_toml_section_rebuilds(kit):
    config, calls = kit
    _run(config)
    text = config.read_text()
    head, _, tail = text.partition("[assignments.mlp.thresholds]")
    line = next(x for x in tail.splitlines() if x.startswith("test_accuracy"))
    config.write_text(head + "[assignments.mlp.thresholds]" + tail.replace(line, f"{line}1", 1))
    _run(config)
    assert calls == ["build mlp", "check mlp"] * 2


def test_a_comment_elsewhere_in_grading_toml_does_not(kit):
    config, calls = kit
    _run(config)
    config.write_text(config.read_text() + "\n# a note for the TAs\n")
    _run(config)
    assert calls == ["build mlp", "check mlp"]


def test_a_build_changed_by_hand_is_rebuilt(kit):
    config, calls = kit
    _run(config)
    (_folder(config) / "autograder" / "tests" / "q1.py").write_text("x = 2\n")
    _run(config)
    assert calls == ["build mlp", "check mlp"] * 2


def test_a_failed_self_check_is_not_up_to_date(kit):
    config, calls = kit
    _run(config, no_check=True)
    assert calls == ["build mlp"]
    (_folder(config) / "fail").write_text("")
    with pytest.raises(RuntimeError):
        _run(config)
    assert calls == ["build mlp", "check mlp"]  # built, not checked: built again is not needed
    (_folder(config) / "fail").unlink()
    _run(config)
    assert calls == ["build mlp", "check mlp", "check mlp"]
    _run(config)
    assert calls == ["build mlp", "check mlp", "check mlp"]


def test_the_inputs_cover_the_master_and_the_kit(kit, monkeypatch, tmp_path):
    config, _ = kit
    cfg = load_config(str(config))
    before = uptodate.inputs_digest(cfg, "mlp", cfg.course.term)
    assert before == uptodate.inputs_digest(cfg, "mlp", cfg.course.term)
    assert before != uptodate.inputs_digest(cfg, "mlp", "1999-spring")
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    master = paths.SOLUTIONS_DIR / "mlp.ipynb"
    (solutions / "mlp.ipynb").write_bytes(master.read_bytes() + b"\n")
    monkeypatch.setattr(paths, "SOLUTIONS_DIR", solutions)
    assert uptodate.inputs_digest(cfg, "mlp", cfg.course.term) != before
