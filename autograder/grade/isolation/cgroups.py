"""Kernel-enforced limits for one sandbox: a cgroup with memory, process and CPU caps.

cgroup v2 where the unified hierarchy has the memory, pids and cpu controllers (a ``kit``
subtree under the root, one child per sandbox); otherwise cgroup v1 (what these machines have):
a child of the grader's own memory cgroup, and of the pids and cpu roots. The memory limit
counts everything the sandbox's processes charge: heap, tmpfs and ``/dev/shm`` pages, ``memfd``
files. Exceeding it kills the sandbox (status ``memory``), never the host. The sandbox cannot
leave its cgroup: it runs unprivileged in its own cgroup namespace without ``/sys``.
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


V2_SUBTREE = "kit"


def unified(root: Path | None = None) -> bool:
    """Whether cgroup v2 holds the memory, pids and cpu controllers here."""
    root = root or ROOT
    try:
        available = (root / "cgroup.controllers").read_text().split()
    except OSError:
        return False
    return all(controller in available for controller in CONTROLLERS)


def missing() -> list[str]:
    """What this machine lacks for per-sandbox cgroups (empty when all is there)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("root (to create cgroups)")
    if unified():
        return problems
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


def SandboxCgroup(*, memory_mb: int, pids: int, cpu_quota: float):  # noqa: N802 (a factory)
    """One sandbox's cgroup(s), v2 where available, else v1; the same interface either way."""
    if unified():
        return SandboxCgroupV2(memory_mb=memory_mb, pids=pids, cpu_quota=cpu_quota)
    return SandboxCgroupV1(memory_mb=memory_mb, pids=pids, cpu_quota=cpu_quota)


class _Membership:
    """What both cgroup versions do the same way, through their ``procs_files``."""

    procs_files: list[str]

    def add(self, pid: int) -> None:
        """Move a process (not yet running anything) into this sandbox's cgroup(s)."""
        for path in self.procs_files:
            _write(Path(path), pid)


class SandboxCgroupV1(_Membership):
    """One sandbox's v1 cgroups; ``procs_files`` are what the launcher writes its pid into."""

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
        _kill_until_empty(self.pids, wait_s)

    def usage(self) -> Usage:
        memory = self.dirs["memory"]
        oom = _keyed(memory / "memory.oom_control")
        peak = int((memory / "memory.max_usage_in_bytes").read_text()) / 2**20
        events = _keyed(self.dirs["pids"] / "pids.events")
        return Usage(
            oom_killed=oom.get("oom_kill", 0) > 0,
            peak_mb=round(peak, 1),
            pids_limited=events.get("max", 0) > 0,
        )

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs.values():
            _remove_when_empty(folder)
        self.dirs = {}


class SandboxCgroupV2(_Membership):
    """One sandbox's cgroup in the unified hierarchy: ``ROOT/kit/kit-PID-N``.

    The ``kit`` subtree sits directly under the root, which may hold processes and still
    delegate controllers (the no-internal-process rule exempts it)."""

    def __init__(
        self, *, memory_mb: int, pids: int, cpu_quota: float, root: Path | None = None
    ) -> None:
        self.root = root or ROOT
        subtree = self.root / V2_SUBTREE
        folder = subtree / f"kit-{os.getpid()}-{next(_names)}"
        self.folder: Path | None = None
        enable = " ".join(f"+{c}" for c in CONTROLLERS)
        try:
            _write(self.root / "cgroup.subtree_control", enable)
            subtree.mkdir(exist_ok=True)
            _write(subtree / "cgroup.subtree_control", enable)
            folder.mkdir()
            self.folder = folder
            _write(folder / "memory.max", memory_mb * 2**20)
            if (folder / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", 0)
            _write(folder / "pids.max", pids)
            period = 100_000
            _write(folder / "cpu.max", f"{max(1000, int(period * cpu_quota))} {period}")
        except OSError as exc:
            self.remove()
            raise SandboxUnavailable(f"cannot set up a sandbox cgroup (v2): {exc}") from None

    @property
    def procs_files(self) -> list[str]:
        return [str(self.folder / "cgroup.procs")] if self.folder else []

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.folder / "cgroup.procs").read_text().split()]
        except (OSError, TypeError):
            return []

    def kill_all(self, wait_s: float = 5.0) -> None:
        if self.folder is None:
            return
        if (self.folder / "cgroup.kill").exists():  # Linux 5.14+: the kernel kills them all
            try:
                _write(self.folder / "cgroup.kill", 1)
            except OSError:
                pass
        _kill_until_empty(self.pids, wait_s)

    def usage(self) -> Usage:
        events = _keyed(self.folder / "memory.events")
        peak_file = self.folder / "memory.peak"  # Linux 5.19+; else what is charged now
        if not peak_file.exists():
            peak_file = self.folder / "memory.current"
        pids_events = _keyed(self.folder / "pids.events")
        return Usage(
            oom_killed=events.get("oom_kill", 0) > 0,
            peak_mb=round(int(peak_file.read_text()) / 2**20, 1),
            pids_limited=pids_events.get("max", 0) > 0,
        )

    def remove(self) -> None:
        if self.folder is None:
            return
        self.kill_all()
        _remove_when_empty(self.folder)
        self.folder = None


def _kill_until_empty(pids, wait_s: float) -> None:
    """SIGKILL what ``pids()`` lists until it lists nothing (or ``wait_s`` passed)."""
    deadline = time.monotonic() + wait_s
    while (found := pids()) and time.monotonic() < deadline:
        for pid in found:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def _remove_when_empty(folder: Path) -> None:
    """rmdir a cgroup, retrying while the kernel still counts exiting processes in it."""
    for _ in range(100):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def _keyed(path: Path) -> dict[str, int]:
    """A cgroup ``key value`` file as a dict."""
    pairs = (line.split() for line in path.read_text().splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


def _stale_parents() -> list[Path]:
    if unified():
        return [ROOT / V2_SUBTREE]
    parents = []
    for controller in CONTROLLERS:
        try:
            parents.append(ROOT / controller / own_path(controller).lstrip("/"))
        except (OSError, SandboxUnavailable):
            continue
    return parents


def sweep_stale() -> None:
    """Remove the cgroups of graders that no longer run (after a kill -9)."""
    for parent in _stale_parents():
        try:
            children = list(parent.glob("kit-*-*"))
        except OSError:
            continue
        for folder in children:
            owner = folder.name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                try:
                    stale = (folder / "cgroup.procs").read_text().split()
                except OSError:
                    stale = []
                for pid in stale:
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
