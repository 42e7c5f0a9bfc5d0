"""Shared fixtures: a fresh build of the mlp assignment, expected scores of the fixtures."""

from __future__ import annotations

import contextlib
import json
import tomllib
from pathlib import Path

import pytest

from autograder import paths
from autograder.assign.main import build_assignment
from autograder.config import load_config

SUBMISSIONS = Path(__file__).parent / "submissions"


ASSIGNMENTS = ["mlp", "word2vec", "sentence_embeddings"]
COURSE = '[course]\nterm = "test-term"\nseed = 1\n'  # the keys every grading.toml must have
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


@contextlib.contextmanager
def loopback_listener(port: int, reply: bytes = b""):
    """A host TCP server on 127.0.0.1:port that would hand ``reply`` to any sandbox reaching
    it; yields the list of connections it accepted (a sandbox must never add one)."""
    import socket
    import threading

    connections: list = []
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    server.settimeout(0.3)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            connections.append(conn)
            conn.sendall(reply)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield connections
    finally:
        stop.set()
        thread.join()
        server.close()


def notebook(*sources: str) -> str:
    """A minimal notebook (JSON text) with one code cell per source."""
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
        for s in sources
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def make_result(
    submission: str,
    who,
    scores: dict[str, float],
    possible: dict[str, float],
    *,
    status: str = "graded",
    reason: str = "",
    build: str = "b1",
    answers: dict[str, str] | None = None,
):
    """A SubmissionResult as `autograder grade` writes it, for gradebook and export tests."""
    from autograder.results import Identity, QuestionResult, Status, SubmissionResult

    if isinstance(who, str):
        who = Identity(key=f"file:{who}", name=who, lms_id=who)
    return SubmissionResult(
        submission=submission,
        who=who,
        file=f"{submission}.ipynb",
        fingerprint="0" * 64,
        status=Status(status),
        reason=reason,
        questions={q: QuestionResult(q, scores.get(q, 0.0), p) for q, p in possible.items()},
        seconds=1.5,
        build=build,
        answers=answers or {},
    )


def write_results(folder: Path, results) -> Path:
    """A grading output folder holding these results, as `autograder grade` leaves it."""
    (folder / "results").mkdir(parents=True, exist_ok=True)
    for result in results:
        path = folder / "results" / f"{result.submission}.json"
        path.write_text(json.dumps(result.to_gradescope()), encoding="utf-8")
    return folder
