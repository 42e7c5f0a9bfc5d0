"""Run one command in a jail under its limits; report how it ended, from the kernel's counters.

Memory, processes and CPU are capped by the cgroup (``strong``) or rlimits (weaker modes); the
wall clock by this runner; output by draining the pipe, keeping only its last ``OUTPUT_TAIL``
bytes (for a crash reason) and its size. If the grader dies, bubblewrap's
``--die-with-parent`` ends the jail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from autograder.grade.isolation import Mode, seccomp
from autograder.grade.isolation.cgroups import SandboxCgroup
from autograder.grade.isolation.jail import GROUP, PASSWD, JailSpec, jail_argv, limits_argv

OUTPUT_TAIL = 8 * 2**10
_LIVE: dict[int, tuple[subprocess.Popen, SandboxCgroup | None]] = {}
_LIVE_LOCK = threading.Lock()


def track(proc: subprocess.Popen, cgroup: SandboxCgroup | None = None) -> None:
    """Register a jail that ``kill_all_jails`` must end (runs here register themselves)."""
    with _LIVE_LOCK:
        _LIVE[proc.pid] = (proc, cgroup)


def untrack(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.pop(proc.pid, None)


def kill_all_jails() -> None:
    """End every jail this process started (on SIGINT/SIGTERM of the grader)."""
    with _LIVE_LOCK:
        live = list(_LIVE.values())
    for proc, cgroup in live:
        _kill(proc)
        if cgroup is not None:
            cgroup.kill_all()


@dataclass
class Outcome:
    status: str  # ok | timeout | memory | crashed
    returncode: int | None
    seconds: float
    peak_mb: float | None
    tail: bytes  # the last OUTPUT_TAIL bytes
    output_bytes: int  # how much it wrote in all
    reason: str = ""


class OutputCap:
    """Drain a pipe: keep a tail, count the rest, never hold more. A fork server's output is
    drained for good; ``take`` hands over what arrived since the last ``take`` (one child's)."""

    def __init__(self, stream) -> None:
        self._lock = threading.Lock()
        self.tail = b""
        self.total = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        while chunk := stream.read1(65536):
            with self._lock:
                self.total += len(chunk)
                self.tail = (self.tail + chunk)[-OUTPUT_TAIL:]
        stream.close()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def settle(self, quiet_s: float = 0.05, at_most_s: float = 1.0) -> None:
        """Wait until nothing new has arrived for ``quiet_s`` (a finished child's last lines
        may still be in the pipe), at most ``at_most_s``."""
        deadline = time.monotonic() + at_most_s
        seen = -1
        while time.monotonic() < deadline:
            with self._lock:
                now = self.total
            if now == seen:
                return
            seen = now
            time.sleep(quiet_s)

    def take(self) -> tuple[bytes, int]:
        """What arrived since the last ``take``."""
        with self._lock:
            taken = self.tail, self.total
            self.tail, self.total = b"", 0
        return taken


def run_jailed(
    spec: JailSpec,
    *,
    mode: Mode,
    timeout_s: float,
    memory_mb: int,
    processes: int = 256,
    cpu_quota: float = 1.0,
) -> Outcome:
    """Run ``spec`` in a jail of ``mode``; never raises for anything the jailed code does."""
    cgroup = None
    fds: list[int] = []
    started = time.monotonic()
    try:
        if mode is Mode.NONE:
            argv = [*limits_argv(spec), *spec.command]
            env = spec.env
        elif mode is Mode.USER:  # no jail: the filter, rlimits, then the student user
            from autograder.grade.isolation import user

            argv, env = user.user_argv(spec), spec.env
        else:
            if mode is Mode.STRONG:
                cgroup = SandboxCgroup(memory_mb=memory_mb, pids=processes, cpu_quota=cpu_quota)
            fds = [seccomp.program_fd(), _pipe_with(PASSWD), _pipe_with(GROUP)]
            argv = jail_argv(spec, mode=mode, seccomp_fd=fds[0], passwd_fd=fds[1],
                             group_fd=fds[2])  # fmt: skip
            env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        if cgroup is not None:  # join the cgroup before anything of the jail runs
            join = "; ".join(f'echo $$ > "{path}"' for path in cgroup.procs_files)
            argv = ["/bin/sh", "-c", f'{join} && exec "$@"', "kit-jail", *argv]
        proc = subprocess.Popen(
            argv,
            cwd=spec.workdir if mode in (Mode.NONE, Mode.USER) else "/",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=fds,
            start_new_session=True,
        )
        with _LIVE_LOCK:
            _LIVE[proc.pid] = (proc, cgroup)
        for fd in fds:
            os.close(fd)
        fds = []
        output = OutputCap(proc.stdout)
        status, reason = "ok", ""
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            status, reason = "timeout", f"ran over the {timeout_s:g} s limit"
        _kill(proc)
        if cgroup is not None:
            cgroup.kill_all()
        if mode is Mode.USER:  # what escaped the process group, as the same user
            from autograder.grade.isolation import user

            user.kill_all()
        with _LIVE_LOCK:
            _LIVE.pop(proc.pid, None)
        output.join(timeout=5)
        seconds = round(time.monotonic() - started, 2)
        peak = None
        if cgroup is not None:
            usage = cgroup.usage()
            peak = usage.peak_mb
            if usage.oom_killed and status == "ok":
                status, reason = "memory", f"used over {memory_mb} MB of memory"
        elif status == "ok" and proc.returncode in (-9, 137):  # no cgroup: weaker modes
            status, reason = "memory", f"killed, probably over {memory_mb} MB of memory"
        return Outcome(status, proc.returncode, seconds, peak, output.tail, output.total, reason)
    finally:
        for fd in fds:
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()


def _pipe_with(data: bytes) -> int:
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return read


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print(f"kit: process {proc.pid} did not end after SIGKILL", file=sys.stderr)
