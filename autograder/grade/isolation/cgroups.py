"""Kernel-enforced limits for one sandbox: a cgroup with memory, process and CPU caps.

cgroup v1 (the memory, pids and cpu controllers; what these machines have): a child of the
grader's own memory cgroup, and of the pids and cpu roots. The memory limit counts everything
the sandbox's processes charge: heap, tmpfs and ``/dev/shm`` pages, ``memfd`` files. Exceeding it
kills the sandbox (status ``memory``), never the host. The sandbox cannot leave its cgroup: it
runs unprivileged in its own cgroup namespace without ``/sys``.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import SandboxUnavailable

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
_names = itertools.count()


def own_path(controller: str) -> str:
    """The grader's own cgroup path for a v1 controller (e.g. ``/process_api/abc``)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    raise SandboxUnavailable(f"cgroup v1 controller {controller!r} is not mounted")


def missing() -> list[str]:
    """What this machine lacks for per-sandbox cgroups (empty when all is there)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("root (to create cgroups)")
    for controller in CONTROLLERS:
        folder = ROOT / controller
        if not (folder / "cgroup.procs").exists():
            problems.append(f"the cgroup v1 {controller} controller at {folder}")
    return problems


@dataclass
class Usage:
    oom_killed: bool
    peak_mb: float
    pids_limited: bool


class SandboxCgroup:
    """One sandbox's cgroups; ``procs_files`` are what the launcher writes its pid into."""

    def __init__(self, *, memory_mb: int, pids: int, cpu_quota: float) -> None:
        name = f"kit-{os.getpid()}-{next(_names)}"
        self.dirs = {}
        try:
            for controller in CONTROLLERS:
                parent = ROOT / controller / own_path(controller).lstrip("/")
                folder = parent / name
                folder.mkdir()
                self.dirs[controller] = folder
            memory = self.dirs["memory"]
            limit = memory_mb * 2**20
            _write(memory / "memory.limit_in_bytes", limit)
            if (memory / "memory.memsw.limit_in_bytes").exists():
                _write(memory / "memory.memsw.limit_in_bytes", limit)
            if (memory / "memory.swappiness").exists():
                _write(memory / "memory.swappiness", 0)
            _write(self.dirs["pids"] / "pids.max", pids)
            period = 100_000
            _write(self.dirs["cpu"] / "cpu.cfs_period_us", period)
            _write(self.dirs["cpu"] / "cpu.cfs_quota_us", max(1000, int(period * cpu_quota)))
        except OSError as exc:
            self.remove()
            raise SandboxUnavailable(f"cannot set up a sandbox cgroup: {exc}") from None

    @property
    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.dirs.values()]

    def pids(self) -> list[int]:
        try:
            text = (self.dirs["pids"] / "cgroup.procs").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def kill_all(self, wait_s: float = 5.0) -> None:
        """SIGKILL every process in the cgroup until it is empty."""
        deadline = time.monotonic() + wait_s
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def usage(self) -> Usage:
        memory = self.dirs["memory"]
        oom = dict(
            line.split()
            for line in (memory / "memory.oom_control").read_text().splitlines()
            if len(line.split()) == 2
        )
        peak = int((memory / "memory.max_usage_in_bytes").read_text()) / 2**20
        events = (self.dirs["pids"] / "pids.events").read_text().split()
        return Usage(
            oom_killed=int(oom.get("oom_kill", 0)) > 0,
            peak_mb=round(peak, 1),
            pids_limited=len(events) == 2 and int(events[1]) > 0,
        )

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs.values():
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.dirs = {}


def sweep_stale() -> None:
    """Remove the cgroups of graders that no longer run (after a kill -9)."""
    for controller in CONTROLLERS:
        try:
            parent = ROOT / controller / own_path(controller).lstrip("/")
            children = list(parent.glob("kit-*-*"))
        except (OSError, SandboxUnavailable):
            continue
        for folder in children:
            owner = folder.name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                for pid in (folder / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), 9)
                    except ProcessLookupError:
                        pass
                try:
                    folder.rmdir()
                except OSError:
                    pass


def _write(path: Path, value: object) -> None:
    with open(path, "w") as fh:
        fh.write(str(value))
