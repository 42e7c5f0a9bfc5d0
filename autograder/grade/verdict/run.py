"""Run the trusted verdict in its own jail: unprivileged, memory-capped, reading only answers.

No student code ever runs there, but everything it reads was written by one: it starts with
``python -I`` (no working folder or environment on ``sys.path``) in a clean environment, as
``nobody``, in a cgroup with its own memory limit, seeing the kit, the hidden tests, the
assignment's data and the sandbox's answer read-only, and writing only its verdict.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder import paths
from autograder.grade.isolation import Mode
from autograder.grade.isolation.box import Box
from autograder.grade.isolation.jail import JailSpec, jail_environment
from autograder.grade.isolation.run import run_jailed
from autograder.grade.protocol import read_json

VERDICT_TIMEOUT_S = 300
MAX_VERDICT_BYTES = 16 * 2**20
GRADER = "/grader"
VERDICT_HOME = f"{GRADER}/out"  # writable: keras wants ~/.keras writable


def run_verdict(
    *,
    tests_dir: Path,
    response_dir: Path,
    scratch: Path,
    data_binds: list[tuple[str, str]],
    data_env: dict[str, str],
    mode: Mode,
    memory_mb: int,
) -> dict:
    """The verdict as plain data, or ``{"refused": reason}``; never raises for a bad answer."""
    with Box(scratch, mode=mode, size_mb=64, inodes=1000, answer=False) as box:
        if mode is Mode.NONE:
            inside_tests, inside_response, out = str(tests_dir), str(response_dir), box.work
            # no jail: the grader's own home, where `autograder data` put the keras datasets
            home, ro, rw, workdir = os.environ.get("HOME", str(box.work)), [], [], str(box.work)
        else:
            inside_tests, inside_response = f"{GRADER}/tests", f"{GRADER}/response"
            out, home, workdir = Path(VERDICT_HOME), VERDICT_HOME, VERDICT_HOME
            ro = [
                (str(paths.REPO_ROOT / "autograder"), str(paths.REPO_ROOT / "autograder")),
                (str(tests_dir), inside_tests),
                (str(response_dir), inside_response),
                *data_binds,
            ]
            rw = [(str(box.work), VERDICT_HOME), (str(box.tmp), "/tmp")]
            box.mount_points(data_binds, home)
        tmp = "/tmp" if mode is not Mode.NONE else str(box.tmp)
        # KIT_TEXT_EMBEDDING_HANDLE in data_env: the only hub module the verdict will load
        env = jail_environment(home, tmp, data_env)
        command = [sys.executable, "-I", "-m", "autograder.grade.verdict.score",
                   inside_tests, inside_response, f"{out}/verdict.json"]  # fmt: skip
        spec = JailSpec(command=command, workdir=workdir, env=env, ro_binds=ro, rw_binds=rw,
                        data_mb=memory_mb if mode is not Mode.STRONG else 0)  # fmt: skip
        box.hand_over()
        outcome = run_jailed(
            spec, mode=mode, timeout_s=VERDICT_TIMEOUT_S, memory_mb=memory_mb, processes=64
        )
        if outcome.status == "memory":
            return {"refused": f"scoring its answer used over {memory_mb} MB of memory"}
        if outcome.status == "timeout":
            return {"refused": "scoring its answer timed out"}
        try:
            if outcome.returncode != 0:
                lines = outcome.tail.decode("utf-8", "replace").strip().splitlines()
                raise ValueError((lines or ["no output"])[-1][:300])
            return read_json(box.work / "verdict.json", MAX_VERDICT_BYTES)
        except (OSError, ValueError) as exc:
            return {"refused": f"could not score the results: {exc}"}
