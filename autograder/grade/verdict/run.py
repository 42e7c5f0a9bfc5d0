"""Run the trusted verdict in its own jail: unprivileged, memory-capped, reading only answers.

No student code ever runs there, but everything it reads was written by one: it starts with
``python -I`` (no working folder or environment on ``sys.path``) in a clean environment, as
``nobody``, in a cgroup with its own memory limit, seeing the kit, the hidden tests, the
assignment's data and the sandbox's answer read-only, and writing only its verdict.

Its time is bounded like the sandbox's: the scoring of one answer may take the submission's
configured ``timeout_s``, and the budgeted training within it a share of that and a bounded
compute (``compute``); past the limit the submission gets a clear status, never a hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from autograder import paths
from autograder.errors import SandboxUnavailable
from autograder.grade.isolation import Mode
from autograder.grade.isolation.box import Box
from autograder.grade.isolation.cgroups import SandboxCgroup
from autograder.grade.isolation.jail import JailSpec, jail_environment
from autograder.grade.isolation.run import Outcome, run_jailed
from autograder.grade.isolation.warm import ForkServer
from autograder.grade.protocol import read_json
from autograder.grade.verdict import budget_store, compute
from autograder.grade.verdict.record import Verdict

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
    timeout_s: float,
    reference_flops: float | None = None,
) -> Verdict:
    """The verdict on the answer (a refusal when there is none); never raises for a bad answer.
    ``timeout_s``: the submission's configured limit, for the whole scoring;
    ``reference_flops``: the build's reference figure for the budgeted training's bound."""
    with Box(scratch, mode=mode, size_mb=64, inodes=1000, answer=False) as box:
        if mode is Mode.NONE:
            inside_tests, inside_response, out = str(tests_dir), str(response_dir), box.work
            # no jail: the grader's own home, where `autograder data` put the keras datasets
            home, ro, rw, workdir = os.environ.get("HOME", str(box.work)), [], [], str(box.work)
        else:
            inside_tests, inside_response = f"{GRADER}/tests", f"{GRADER}/response"
            out, home, workdir = Path(VERDICT_HOME), VERDICT_HOME, VERDICT_HOME
            ro = [
                (str(paths.PACKAGE_DIR), str(paths.PACKAGE_DIR)),
                (str(tests_dir), inside_tests),
                (str(response_dir), inside_response),
                *data_binds,
            ]
            rw = [(str(box.work), VERDICT_HOME), (str(box.tmp), "/tmp")]
            box.mount_points(data_binds, home)
        tmp = "/tmp" if mode is not Mode.NONE else str(box.tmp)
        # KIT_TEXT_EMBEDDING_HANDLE in data_env: the only hub module the verdict will load
        env = jail_environment(home, tmp, {**data_env, **budget_env(timeout_s, reference_flops)})
        command = [sys.executable, "-I", "-m", "autograder.grade.verdict.score",
                   inside_tests, inside_response, f"{out}/verdict.json"]  # fmt: skip
        spec = JailSpec(command=command, workdir=workdir, env=env, ro_binds=ro, rw_binds=rw,
                        data_mb=memory_mb if mode is not Mode.STRONG else 0)  # fmt: skip
        box.hand_over()
        outcome = run_jailed(
            spec, mode=mode, timeout_s=timeout_s, memory_mb=memory_mb, processes=64
        )
        return _verdict_of(outcome, box.work / "verdict.json", memory_mb, timeout_s)


def budget_env(timeout_s: float, reference_flops: float | None) -> dict[str, str]:
    """What the verdict's budgeted training is bounded by (see ``compute``)."""
    env = {compute.SECONDS_ENV: f"{compute.TRAIN_SHARE * timeout_s:g}"}
    if reference_flops:
        env[compute.REFERENCE_ENV] = repr(float(reference_flops))
    return env


def _verdict_of(outcome: Outcome, verdict_file: Path, memory_mb: int, timeout_s: float) -> Verdict:
    """The verdict a finished scoring run wrote, or why there is none."""
    if outcome.status == "memory":
        return Verdict.refusal(f"scoring its answer used over {memory_mb} MB of memory")
    if outcome.status == "timeout":
        return Verdict.refusal(
            f"scoring its answer ran over the {timeout_s:g} s limit (the grader's copy of its "
            "model may be too slow to train)"
        )
    try:
        if outcome.returncode != 0:
            lines = outcome.tail.decode("utf-8", "replace").strip().splitlines()
            raise ValueError((lines or [outcome.reason or "no output"])[-1][:300])
        return Verdict.from_json(read_json(verdict_file, MAX_VERDICT_BYTES))
    except (OSError, ValueError) as exc:
        return Verdict.refusal(f"could not score the results: {exc}")


class VerdictWorker:
    """The warm path's verdict (strong isolation only): a long-lived jailed worker
    (``autograder.grade.verdict.worker``) that forks one child per answer, shared by the lanes
    of a batch (one answer at a time: ``score`` holds its lock). The answer is bind-mounted
    into the worker's slot for that child only. The class-wide budget store (``budget_store``)
    is bound read-only; what a child trains goes to the worker's outbox, which the host
    empties into the store after each answer. The worker is started again after it breaks
    down and after ``MAX_USES`` answers."""

    MAX_USES = 100
    WORKER = "autograder.grade.verdict.worker"
    OUTBOX = "budget-new"

    def __init__(
        self,
        *,
        scratch: Path,
        slot: Path,
        tests_dir: Path,
        data_binds: list[tuple[str, str]],
        data_env: dict[str, str],
        memory_mb: int,
        store: Path | None = None,
    ) -> None:
        self.scratch, self.slot, self.memory_mb, self.store = scratch, slot, memory_mb, store
        self.lock = threading.RLock()
        # 256 MB: room for what one answer's budgeted copies add (16 MB at most each)
        self.box = Box(scratch, mode=Mode.STRONG, size_mb=256, inodes=1000, answer=False)
        self.box.__enter__()
        self.box.mount_points(data_binds, VERDICT_HOME)
        self.box.hand_over()
        (slot / "response").mkdir(mode=0o755)
        self.config = {
            "tests": f"{GRADER}/tests",
            "response": f"{GRADER}/slot/response",
            "verdict": f"{VERDICT_HOME}/verdict.json",
        }
        cache_env, cache_binds = {}, []
        if store is not None:
            cache_env = {"KIT_BUDGET_CACHE": f"{GRADER}/budget",
                         "KIT_BUDGET_CACHE_NEW": f"{VERDICT_HOME}/{self.OUTBOX}"}  # fmt: skip
            cache_binds = [(str(store), f"{GRADER}/budget")]
        spec = JailSpec(
            command=[sys.executable, "-I", "-m", self.WORKER],
            workdir=VERDICT_HOME,
            env=jail_environment(VERDICT_HOME, "/tmp", {**data_env, **cache_env}),
            ro_binds=[
                (str(paths.PACKAGE_DIR), str(paths.PACKAGE_DIR)),
                (str(tests_dir), f"{GRADER}/tests"),
                (str(slot), f"{GRADER}/slot"),
                *cache_binds,
                *data_binds,
            ],
            rw_binds=[(str(self.box.work), VERDICT_HOME), (str(self.box.tmp), "/tmp")],
        )
        self.server = ForkServer(spec, mode=Mode.STRONG, confined=True, name="verdict worker")

    def start(self) -> float:
        with self.lock:
            self.server.close()
            self.server.uses = 0
            return self.server.start([json.dumps(self.config)])

    def ensure(self) -> float:
        """Start the worker if it is not running (or due for a fresh start); the seconds."""
        with self.lock:
            return self.start() if self.broken else 0.0

    @property
    def broken(self) -> bool:
        """Not running (it ended, or never started), or due for a fresh start."""
        return not self.server.alive or self.server.uses >= self.MAX_USES

    def score(
        self, response_dir: Path, *, timeout_s: float, reference_flops: float | None = None
    ) -> Verdict:
        """The verdict on the answer in ``response_dir`` (a refusal when there is none),
        within ``timeout_s`` (the submission's configured limit)."""
        with self.lock:
            return self._score(response_dir, timeout_s, reference_flops)

    def _score(
        self, response_dir: Path, timeout_s: float, reference_flops: float | None
    ) -> Verdict:
        if self.broken:
            try:
                self.start()
            except SandboxUnavailable as exc:  # the lane sees it broken and tries once more
                return Verdict.refusal(str(exc))
        target = self.slot / "response"
        verdict_file = self.box.work / "verdict.json"
        verdict_file.unlink(missing_ok=True)
        # read-only at the file system itself (a bind's own flag would not reach the worker's
        # copy of the slot); the sandbox that wrote it is gone
        for argv in (["mount", "-o", "remount,ro", str(response_dir)],
                     ["mount", "--bind", str(response_dir), str(target)]):  # fmt: skip
            subprocess.run(argv, check=True, capture_output=True)
        cgroup = SandboxCgroup(memory_mb=self.memory_mb, pids=64, cpu_quota=1.0)
        try:
            outcome = self.server.run(
                {"env": budget_env(timeout_s, reference_flops)},
                timeout_s=timeout_s, memory_mb=self.memory_mb, cgroup=cgroup,
            )  # fmt: skip
            return _verdict_of(outcome, verdict_file, self.memory_mb, timeout_s)
        finally:
            cgroup.remove()
            subprocess.run(["umount", "--lazy", str(target)], capture_output=True, check=False)
            verdict_file.unlink(missing_ok=True)
            if self.store is not None:
                budget_store.harvest(self.box.work / self.OUTBOX, self.store)

    def close(self) -> None:
        with self.lock:
            self.server.close()
            self.box.__exit__(None, None, None)
