"""Launch one notebook run in its jail: the host part of the untrusted side.

The jail (``autograder.grade.isolation``) sees the Python installation, the kit's in-jail modules
(the harness, the wire format, the public ``checks``), exactly the data its assignment lets it
read, and its box (working folder, ``/tmp``, ``/dev/shm`` on one quota'd tmpfs). The harness runs
the cells and writes its answer into the box; this module only reports how the run ended.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.grade.isolation import Mode
from autograder.grade.isolation.box import Box
from autograder.grade.isolation.jail import JailSpec, jail_environment
from autograder.grade.isolation.run import run_jailed

WORKDIR = "/home/student"
HARNESS = "autograder.grade.sandbox.harness"
# The kit's modules a jail may import: the harness, its budget, the wire format, public checks.
IN_JAIL_MODULES = (
    "__init__.py", "files.py", "paths.py", "checks.py",
    "grade/__init__.py", "grade/protocol.py",
    "grade/sandbox/__init__.py", "grade/sandbox/harness.py", "grade/sandbox/budget.py",
    "grade/sandbox/equivalent.py",
)  # fmt: skip


@dataclass
class SandboxRun:
    status: str  # ok | timeout | memory | crashed
    reason: str
    seconds: float
    peak_mb: float | None
    isolation: str
    output_bytes: int = 0


def stage_kit(target: Path) -> Path:
    """Copy the in-jail modules to ``target/autograder`` (bound read-only at the kit's path)."""
    source = paths.REPO_ROOT / "autograder"
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
    if mode is Mode.NONE:
        workdir = str(box.work)
        env = jail_environment(str(box.work), str(box.tmp), data_env)
        ro_binds: list[tuple[str, str]] = []
        rw_binds: list[tuple[str, str]] = []
    else:
        workdir = WORKDIR
        env = jail_environment(WORKDIR, "/tmp", data_env)
        ro_binds = [(str(kit_lib), str(paths.REPO_ROOT / "autograder")), *data_binds]
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
    )
    box.hand_over()
    outcome = run_jailed(
        spec, mode=mode, timeout_s=timeout_s, memory_mb=memory_mb, processes=processes,
        cpu_quota=cpu_quota,
    )  # fmt: skip
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
