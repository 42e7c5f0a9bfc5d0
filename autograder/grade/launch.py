"""Launch one notebook run in its jail: the host side of the untrusted stage (trusted code).

The jail (``autograder.grade.isolation``) sees the Python installation, the kit's in-jail modules
(the harness, the wire format, the public ``checks``), exactly the data its assignment lets it
read, and its box (working folder, ``/tmp``, ``/dev/shm`` on one quota'd tmpfs). The harness runs
the cells and writes its answer into the box; this module only reports how the run ended.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.grade.isolation import Mode, user
from autograder.grade.isolation.box import Box
from autograder.grade.isolation.cgroups import SandboxCgroup
from autograder.grade.isolation.jail import JailSpec, jail_environment
from autograder.grade.isolation.run import Outcome, run_jailed
from autograder.grade.isolation.warm import ForkServer

WORKDIR = "/home/student"
HARNESS = "autograder.grade.sandbox.harness"
TEMPLATE = "autograder.grade.sandbox.template"
SLOT = "/kit-slot"  # where the template sees its slot: the submission's box arrives here
STAGED_HOME_DATA = "/kit-home"  # data that lands in home, bound per child after home itself
# The kit's modules a jail may import: the harness, its budget, the wire format, public checks.
IN_JAIL_MODULES = (
    "__init__.py", "files.py", "paths.py", "checks.py", "keras3.py",
    "grade/__init__.py", "grade/protocol.py",
    "grade/sandbox/__init__.py", "grade/sandbox/harness.py", "grade/sandbox/budget.py",
    "grade/sandbox/equivalent.py", "grade/sandbox/template.py", "grade/sandbox/confine.py",
    "grade/forkserve.py",
)  # fmt: skip


@dataclass
class SandboxRun:
    status: str  # ok | timeout | memory | crashed
    reason: str
    seconds: float
    peak_mb: float | None
    isolation: str
    output_bytes: int = 0
    stopped_in: int | None = None  # a stopped run: the code cell it was in (harness's mark)
    stopped_calling: str | None = None  # ... and the student function the grader was calling


def stage_kit(target: Path) -> Path:
    """Copy the in-jail modules to ``target/autograder`` (bound read-only at the kit's path)."""
    source = paths.PACKAGE_DIR
    for rel in IN_JAIL_MODULES:
        (target / "autograder" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target / "autograder" / rel)
    return target / "autograder"


def run_sandbox(
    *,
    box: Box,
    kit_lib: Path,
    data_binds: list[tuple[str, str]],
    data_env: dict[str, str],
    mode: Mode,
    timeout_s: float,
    memory_mb: int,
    cpu_quota: float,
    processes: int = 256,
) -> SandboxRun:
    """Run the harness on ``request.json`` in the box; report how it ended."""
    if mode in (Mode.NONE, Mode.USER):
        workdir = str(box.work)
        # user: the kit's staged in-jail modules only (the installed package is root's)
        extra = {"PYTHONPATH": str(kit_lib.parent)} if mode is Mode.USER else {}
        env = jail_environment(str(box.work), str(box.tmp), {**data_env, **extra})
        ro_binds: list[tuple[str, str]] = []
        rw_binds: list[tuple[str, str]] = []
    else:
        workdir = WORKDIR
        env = jail_environment(WORKDIR, "/tmp", data_env)
        ro_binds = [(str(kit_lib), str(paths.PACKAGE_DIR)), *data_binds]
        rw_binds = [
            (str(box.work), WORKDIR),
            (str(box.answer), f"{WORKDIR}/response"),
            (str(box.tmp), "/tmp"),
            (str(box.shm), "/dev/shm"),
        ]
    weak = mode is not Mode.STRONG
    spec = JailSpec(
        command=[sys.executable, "-m", HARNESS, "request.json"],
        workdir=workdir,
        env=env,
        ro_binds=ro_binds,
        rw_binds=rw_binds,
        data_mb=memory_mb if weak else 0,
        processes=1024 if weak else 0,
        cpu_s=int(timeout_s * max(1.0, cpu_quota)) + 5 if mode is Mode.USER else 0,
    )
    if mode is not Mode.USER:
        box.hand_over()
        outcome = run_jailed(spec, mode=mode, timeout_s=timeout_s, memory_mb=memory_mb,
                             processes=processes, cpu_quota=cpu_quota)  # fmt: skip
        return _sandbox_run(box, outcome, mode)
    with user.one_at_a_time():  # no other run as the student user until the answer is out
        user.hand_over(box.path, [box.work, box.tmp, box.shm])
        outcome = run_jailed(spec, mode=mode, timeout_s=timeout_s, memory_mb=memory_mb,
                             processes=processes, cpu_quota=cpu_quota)  # fmt: skip
        try:  # every process of the user is gone: root copies the answer out
            user.copy_answer(box.work / "response", box.answer, max_bytes=Box.ANSWER_MB * 2**20,
                             max_files=Box.ANSWER_FILES)  # fmt: skip
        except (OSError, ValueError) as exc:  # no path in what a student reads
            reason = f"its answer could not be taken: {getattr(exc, 'strerror', None) or exc}"
            return SandboxRun("crashed", reason, outcome.seconds, None, str(mode),
                              outcome.output_bytes)  # fmt: skip
    return _sandbox_run(box, outcome, mode)


def _sandbox_run(box: Box, outcome: Outcome, mode: Mode) -> SandboxRun:
    status, reason = outcome.status, outcome.reason
    answer = box.answer / "response.json"
    if status == "ok" and not (answer.exists() or answer.is_symlink()):
        status, reason = "crashed", _crash_reason(outcome.returncode, outcome.tail)
    return SandboxRun(status, reason, outcome.seconds, outcome.peak_mb, str(mode),
                      outcome.output_bytes)  # fmt: skip


def _crash_reason(returncode: int | None, tail: bytes) -> str:
    if returncode is not None and returncode < 0:
        return f"the notebook process was killed by signal {-returncode}"
    lines = tail.decode("utf-8", "replace").strip().splitlines()
    last = lines[-1][:200] if lines else "no output"
    return (
        f"the notebook process exited (code {returncode}) before handing back its results: {last}"
    )


class SandboxTemplate:
    """The warm path's sandbox for one lane of a batch (strong isolation only): a jailed
    template process (``autograder.grade.sandbox.template``) that forks one child per
    submission. The submission's box is mounted in the lane's slot, where the template's jail
    sees it; the child binds it in place and confines itself before the notebook runs."""

    def __init__(
        self,
        *,
        slot: Path,
        kit_lib: Path,
        data_binds: list[tuple[str, str]],
        data_env: dict[str, str],
        file_size_mb: int = 256,
        open_files: int = 1024,
    ) -> None:
        self.slot = slot
        home = [(h, i) for h, i in data_binds if i.startswith(WORKDIR + "/")]
        staged = [(h, f"{STAGED_HOME_DATA}/{n}") for n, (h, _) in enumerate(home)]
        inside = f"{SLOT}/box"
        self.config = {
            "binds": [
                [f"{inside}/work", WORKDIR, False],
                [f"{inside}/answer", f"{WORKDIR}/response", False],
                [f"{inside}/tmp", "/tmp", False],
                [f"{inside}/shm", "/dev/shm", False],
                *([s, i, True] for (_, s), (_, i) in zip(staged, home, strict=True)),
            ],
            "hide": [SLOT, *(s for _, s in staged)],
            "workdir": WORKDIR,
            "file_size_mb": file_size_mb,
            "open_files": open_files,
            "request": f"{WORKDIR}/request.json",
        }
        spec = JailSpec(
            command=[sys.executable, "-m", TEMPLATE],
            workdir="/",
            env=jail_environment(WORKDIR, "/tmp", data_env),
            ro_binds=[(str(kit_lib), str(paths.PACKAGE_DIR)),
                      *((h, i) for h, i in data_binds if (h, i) not in home), *staged],
            rw_binds=[(str(slot), SLOT)],
            dirs=[WORKDIR],
            tmpfs=["/tmp"],
            file_size_mb=file_size_mb,
            open_files=open_files,
        )  # fmt: skip
        self.server = ForkServer(spec, mode=Mode.STRONG, confined=False, name="sandbox template")

    @property
    def box_path(self) -> Path:
        return self.slot / "box"

    def start(self) -> float:
        return self.server.start([json.dumps(self.config)])

    def run(
        self, *, box: Box, timeout_s: float, memory_mb: int, cpu_quota: float, processes: int
    ) -> SandboxRun:
        """Run the notebook in ``box`` (at ``box_path``) in a fresh child; how it ended."""
        if not self.server.alive:
            self.start()
        box.hand_over()
        cgroup = SandboxCgroup(memory_mb=memory_mb, pids=processes, cpu_quota=cpu_quota)
        try:
            outcome = self.server.run({}, timeout_s=timeout_s, memory_mb=memory_mb, cgroup=cgroup)
        finally:
            cgroup.remove()
        return _sandbox_run(box, outcome, Mode.STRONG)

    @property
    def broken(self) -> bool:
        """The template ended (a crash costs the submission in flight; it gets a new one)."""
        return not self.server.alive

    def close(self) -> None:
        self.server.close()
