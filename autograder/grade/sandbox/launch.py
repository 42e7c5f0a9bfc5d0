"""Start one sandboxed notebook run and watch its wall clock and memory from outside.

Isolation, strongest first: ``root`` (new mount, network and pid namespaces, then ``nobody``),
``userns`` (the same namespaces inside an unprivileged user namespace; the student stays
namespace-root and could lift the mounts), ``none`` (a plain child process; for machines
without namespaces, reported on every result).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.files import thread_limited_env

POLL_S = 0.2
UNSHARE = ["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


@dataclass
class SandboxRun:
    status: str  # ok | timeout | memory | crashed
    reason: str
    seconds: float
    peak_mb: float
    isolation: str


@functools.cache
def isolation_mode() -> str:
    """The strongest isolation this machine allows (probed once per process)."""
    if shutil.which("unshare") is None:
        return "none"
    if os.geteuid() == 0 and _works([*UNSHARE, "true"]):
        return "root"
    if _works(["unshare", "--map-root-user", *UNSHARE[1:], "true"]):
        return "userns"
    return "none"


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def sandbox_environment(home: str, extra: dict[str, str]) -> dict[str, str]:
    """A small, explicit environment: nothing of the grader's leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": os.path.join(home, "tmp"),
        "MPLBACKEND": "Agg",
        "TF_USE_LEGACY_KERAS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **thread_limited_env(1),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def run_sandbox(
    *,
    box: Path,
    view: Path,
    boxes: Path,
    private: Path,
    hide: list[Path],
    env: dict[str, str],
    timeout_s: float,
    memory_mb: int,
) -> SandboxRun:
    """Run the harness on ``box/request.json``; ``view`` is where the box appears inside."""
    mode = isolation_mode()
    python = sys.executable
    (box / "tmp").mkdir(exist_ok=True)
    home = str(view if mode != "none" else box)
    child_env = sandbox_environment(home, env)
    spec = {
        "box": str(box),
        "view": str(view),
        "boxes": str(boxes),
        "hide": [str(p) for p in [private, *hide]],
        "python": python,
        "env": child_env,
        "drop_to_nobody": mode == "root",
        "needed": _needed_paths(env),
        "scratch": str(private / f"{box.name}.expose"),
    }
    spec_path = private / f"{box.name}.jail.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    if mode == "root":
        _chown_tree(box, 65534)
    jail = [python, "-m", "autograder.grade.sandbox.jail", str(spec_path)]
    if mode == "root":
        command, cwd = [*UNSHARE, "--", *jail], None
    elif mode == "userns":
        command, cwd = ["unshare", "--map-root-user", *UNSHARE[1:], "--", *jail], None
    else:
        command = [python, "-m", "autograder.grade.sandbox.harness", "request.json"]
        cwd = box
    log_path = private / f"{box.name}.log"
    log = open(log_path, "wb")
    started = time.monotonic()
    # the jail needs the grader's env (PATH to mount, the venv); the harness gets child_env
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **child_env} if mode != "none" else child_env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_grader,
    )
    status, reason, peak = "ok", "", 0.0
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - started
            rss = tree_rss_mb(proc.pid)
            peak = max(peak, rss)
            if rss > memory_mb:
                status, reason = "memory", f"used over {memory_mb} MB of memory"
                break
            if elapsed > timeout_s:
                status, reason = "timeout", f"ran over the {timeout_s:g} s limit"
                break
            time.sleep(POLL_S)
    finally:
        _kill(proc)
        log.close()
    seconds = time.monotonic() - started
    if status == "ok" and not (box / "response" / "response.json").exists():
        status, reason = "crashed", _crash_reason(proc.returncode, log_path)
    return SandboxRun(status, reason, round(seconds, 2), round(peak, 1), mode)


def _die_with_grader() -> None:
    """If the grader is killed (even kill -9), its sandboxes die too instead of running on."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _needed_paths(env: dict[str, str]) -> list[str]:
    """What the sandbox must be able to read: Python, the venv, the kit, the data."""
    from autograder.paths import REPO_ROOT

    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable), str(REPO_ROOT)}
    paths |= {v for k, v in env.items() if k.startswith(("NLTK_DATA", "KIT_")) and os.path.isabs(v)}
    return sorted(p for p in paths if os.path.exists(p))


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _crash_reason(returncode: int | None, log_path: Path) -> str:
    if returncode is not None and returncode < 0:
        return f"the notebook process was killed by signal {-returncode}"
    tail = log_path.read_bytes()[-4000:].decode("utf-8", "replace").strip().splitlines()
    last = tail[-1][:200] if tail else "no output"
    return (
        f"the notebook process exited (code {returncode}) before handing back its results: {last}"
    )


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)
        for name in dirnames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            ppid, pages = int(stat[1]), int(stat[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20
