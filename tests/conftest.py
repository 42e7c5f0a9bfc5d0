"""Shared fixtures: a fresh build of the mlp assignment, expected scores of the fixtures."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from autograder import paths
from autograder.assign.main import build_assignment
from autograder.config import load_config

SUBMISSIONS = Path(__file__).parent / "submissions"


ASSIGNMENTS = ["mlp", "word2vec", "sentence_embeddings"]
_built: dict[str, Path] = {}


def build_once(name: str) -> Path:
    """Build an assignment from solutions/ once per session (no self-check; a test runs that)."""
    if name not in _built:
        cfg = load_config()
        build_assignment(cfg, name, cfg.course.term)
        _built[name] = paths.BUILD_DIR / cfg.course.term / name
    return _built[name]


@pytest.fixture(scope="session")
def mlp_build():
    return build_once("mlp")


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def assignment_build(request):
    """(name, build folder) for every assignment."""
    return request.param, build_once(request.param)


def expected_results(folder: str) -> dict:
    return tomllib.loads((SUBMISSIONS / folder / "expected.toml").read_text())


def assert_matches_expected(results: list[dict], expected: dict) -> None:
    """Each submission's status, total and per-question losses exactly as written down."""
    by_name = {r.submission: r for r in results}
    assert set(by_name) == set(expected), "fixtures and expected.toml disagree"
    for name, want in expected.items():
        got = by_name[name]
        assert got.status == want["status"], (name, got.reason)
        assert got.total == pytest.approx(want["total"], abs=1e-3), (name, got.questions)
        for q in got.questions.values():
            want_lost = want.get("lost", {}).get(q.name, None)
            if want_lost is not None:
                assert q.possible - q.score == pytest.approx(want_lost, abs=1e-3), (name, q.name)


def pytest_sessionfinish(session, exitstatus):
    """The fast tier (``-m "not slow"``) must stay free of TensorFlow: fail it if one crept in."""
    import sys

    if session.config.getoption("markexpr") == "not slow" and "tensorflow" in sys.modules:
        print("\nfast tier imported tensorflow: mark the test that needs it slow", file=sys.stderr)
        session.exitstatus = 1


def malformed_generator():
    """tests/submissions/malformed/make_malformed.py, imported by path."""
    import importlib.util
    import sys

    path = SUBMISSIONS / "malformed" / "make_malformed.py"
    spec = importlib.util.spec_from_file_location("make_malformed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in it look their module up
    spec.loader.exec_module(module)
    return module
