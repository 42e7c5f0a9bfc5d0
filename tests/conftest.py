"""Shared fixtures: a fresh build of the mlp assignment, expected scores of the fixtures."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from autograder import paths
from autograder.build.main import build_assignment
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
    by_name = {r["kit"]["submission"]: r for r in results}
    assert set(by_name) == set(expected), "fixtures and expected.toml disagree"
    for name, want in expected.items():
        got = by_name[name]
        assert got["kit"]["status"] == want["status"], (name, got["kit"].get("reason"))
        assert got["score"] == pytest.approx(want["total"], abs=1e-3), (name, got["tests"])
        for test in got["tests"]:
            lost = test["max_score"] - test["score"]
            want_lost = want.get("lost", {}).get(test["name"], None)
            if want_lost is not None:
                assert lost == pytest.approx(want_lost, abs=1e-3), (name, test["name"])
