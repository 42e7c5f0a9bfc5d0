"""The host's end of a jailed fork server (``autograder.grade.forkserve``): start it once, then
run one piece of work per forked child, each under its own limits.

The server's jail gets a *slot*: a host folder made a shared mount of its own and bound into the
jail, so mounts the host makes in it later (a submission's fresh box, an answer folder) appear
inside the running jail, and go away when the host unmounts them. Nothing else about the jail
changes between submissions.

Each child says hello on the control socket; the kernel attaches its pid (``SO_PASSCRED``,
translated into the host's pid namespace), the host moves it into the piece of work's cgroup
and only then lets it go on. The wall clock, the cgroup's memory and process limits and the
output cap are the host's, exactly as on the cold path (``run_jailed``).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import time
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.grade import forkserve
from autograder.grade.isolation import Mode, seccomp
from autograder.grade.isolation.cgroups import SandboxCgroup
from autograder.grade.isolation.jail import GROUP, PASSWD, JailSpec, jail_argv
from autograder.grade.isolation.run import Outcome, OutputCap, _kill, _pipe_with, track, untrack

START_TIMEOUT_S = 180
HELLO_TIMEOUT_S = 30
_CREDENTIALS = struct.calcsize("3i")


def make_slot(path: Path, mode: int = 0o700) -> Path:
    """A folder that is a shared mount of its own: what is mounted in it later reaches jails.
    (``mode`` 0755 for a jail that runs as ``nobody``; the batch folder around it stays 0700.)"""
    path.mkdir()
    path.chmod(mode)
    for argv in (["mount", "--bind", str(path), str(path)],
                 ["mount", "--make-private", str(path)],
                 ["mount", "--make-shared", str(path)]):  # fmt: skip
        subprocess.run(argv, check=True, capture_output=True)
    return path


def remove_slot(path: Path) -> None:
    subprocess.run(["umount", "--lazy", "--recursive", str(path)], capture_output=True)
    try:
        path.rmdir()
    except OSError:
        pass


class ForkServer:
    """One jailed fork server. Not thread-safe: one lane of a batch uses it at a time."""

    def __init__(self, spec: JailSpec, *, mode: Mode, confined: bool, name: str) -> None:
        self.spec, self.mode, self.confined, self.name = spec, mode, confined, name
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.output: OutputCap | None = None
        self.uses = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, extra_argv: list[str] | None = None) -> float:
        """Start the server and wait until it has imported everything; its start-up seconds."""
        started = time.monotonic()
        host_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        host_end.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        program = seccomp.program_fd()
        fds = [program, _pipe_with(PASSWD), _pipe_with(GROUP)]
        command = [*self.spec.command, str(server_end.fileno()), str(program), *(extra_argv or [])]
        spec = JailSpec(**{**self.spec.__dict__, "command": command})
        argv = jail_argv(spec, mode=self.mode, seccomp_fd=program if self.confined else None,
                         passwd_fd=fds[1], group_fd=fds[2])  # fmt: skip
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd="/",
                env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=[*fds, server_end.fileno()],
                start_new_session=True,
            )
        finally:
            server_end.close()
            for fd in fds:
                os.close(fd)
        track(self.proc)
        self.sock, self.output = host_end, OutputCap(self.proc.stdout)
        try:
            message, _ = self._receive(START_TIMEOUT_S)
        except (OSError, ValueError, EOFError) as exc:
            tail, _ = self.output.take()
            self.close()
            last = (tail.decode("utf-8", "replace").strip().splitlines() or [str(exc)])[-1]
            raise SandboxUnavailable(f"the {self.name} did not start: {last[:300]}") from None
        if not message.get("ready"):
            self.close()
            raise SandboxUnavailable(f"the {self.name} did not start: {message}")
        self.output.take()  # its imports' chatter is nobody's
        return round(time.monotonic() - started, 2)

    def run(
        self, work: dict, *, timeout_s: float, memory_mb: int, cgroup: SandboxCgroup
    ) -> Outcome:
        """Fork one child for ``work`` in ``cgroup``; how it ended. A server that breaks down
        costs this piece of work (``crashed``, reason says so) and is closed."""
        assert self.sock is not None and self.output is not None
        self.uses += 1
        started = time.monotonic()
        self.output.take()
        status, reason, code = "ok", "", None
        try:
            forkserve.send(self.sock, {"work": work})
            hello, pid = self._receive(HELLO_TIMEOUT_S)
            if not hello.get("child") or not pid:
                raise ValueError(f"unexpected message from the {self.name}")
            cgroup.add(pid)
            forkserve.send(self.sock, {"go": True})
            try:
                ended, _ = self._receive(timeout_s - (time.monotonic() - started))
            except TimeoutError:
                status, reason = "timeout", f"ran over the {timeout_s:g} s limit"
                cgroup.kill_all()
                ended, _ = self._receive(HELLO_TIMEOUT_S)
            code = int(ended["exit"])
        except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:
            if status == "ok":
                status, reason = "crashed", f"the {self.name} broke down ({exc or 'timeout'})"
            self.close()
        cgroup.kill_all()
        self.output.settle()
        tail, total = self.output.take()
        usage = cgroup.usage()
        if usage.oom_killed and status in ("ok", "crashed"):
            status, reason = "memory", f"used over {memory_mb} MB of memory"
        seconds = round(time.monotonic() - started, 2)
        return Outcome(status, code, seconds, usage.peak_mb, tail, total, reason)

    def _receive(self, timeout_s: float) -> tuple[dict, int]:
        """One message and the sender's pid (0 if the kernel attached none)."""
        assert self.sock is not None
        self.sock.settimeout(max(0.01, timeout_s))
        data, ancillary, _flags, _ = self.sock.recvmsg(
            forkserve.MAX_MESSAGE, socket.CMSG_SPACE(_CREDENTIALS)
        )
        if not data:
            raise EOFError(f"the {self.name} ended")
        pid = 0
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", payload[:_CREDENTIALS])[0]
        return forkserve.decode(data), pid

    def close(self) -> None:
        if self.sock is not None:
            try:
                forkserve.send(self.sock, {"stop": True})
            except OSError:
                pass
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            _kill(self.proc)
            untrack(self.proc)
            self.proc = None
