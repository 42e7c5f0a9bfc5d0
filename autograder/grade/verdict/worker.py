"""The long-lived verdict worker: imports the test runner, TensorFlow and the checks once per
lane of a batch, then forks one child per answer to score (``score.score``, as the cold path).

It runs in the verdict's own jail (as ``nobody``, the seccomp filter, read-only tests, data and
kit); no student code ever runs in it. Each child reads one answer, which the host mounts at
``SLOT/response`` for that child only, writes ``OUT/verdict.json`` and exits; the host puts it
in a memory-capped cgroup of its own first. The worker never reads an answer itself, so a
hostile one cannot change how the next is scored.

    python -I -m autograder.grade.verdict.worker CONTROL_FD SECCOMP_FD CONFIG_JSON
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

from autograder.grade import forkserve
from autograder.grade.protocol import write_json
from autograder.grade.verdict import compute


def preload() -> None:
    """What every verdict needs, imported (and the assignment's data read) before any fork;
    no TensorFlow operation runs here."""
    from autograder.grade.verdict import score, standins  # noqa: F401
    from autograder.grade.verdict.testfiles import import_test_runner_only

    import_test_runner_only()
    from otter.test_files.exception_test import ExceptionTestFile  # noqa: F401
    from tensorflow import keras

    keras.layers.Dense, keras.losses.Loss  # noqa: B018 (resolve the lazy modules)
    from autograder import checks

    checks.BudgetCache.kit_version()  # the budget store's key: hashed once, not per answer
    if (Path.home() / ".keras" / "datasets" / "fashion-mnist").is_dir():
        checks._fashion_mnist()  # numpy only; every child then has it


def score_one(config: dict, work: dict, sock: socket.socket) -> int:
    """In the forked child: score the answer now mounted at the slot, under the bounds the
    host sent for it (its budgeted training's share of time and compute: ``compute``)."""
    forkserve.wait_for_go(sock)
    sock.close()
    bounds = work.get("env") if isinstance(work.get("env"), dict) else {}
    for key in (compute.SECONDS_ENV, compute.REFERENCE_ENV):
        if isinstance(bounds.get(key), str):
            os.environ[key] = bounds[key]
    from autograder.grade.verdict.record import Verdict
    from autograder.grade.verdict.response import BadResponse
    from autograder.grade.verdict.score import score

    try:
        verdict = score(Path(config["tests"]), Path(config["response"]))
    except BadResponse as exc:
        verdict = Verdict.refusal(str(exc))
    write_json(Path(config["verdict"]), verdict.to_json())
    return 0


def main(control_fd: str, seccomp_fd: str, config_json: str) -> int:
    sock = socket.socket(fileno=int(control_fd))
    config = json.loads(config_json)
    preload()
    forkserve.serve(sock, lambda work, channel: score_one(config, work, channel))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
