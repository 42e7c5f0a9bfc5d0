"""Isolation shared by both sides: a bubblewrap jail, a cgroup, a seccomp filter, and a runner.

``strong`` (the default, needs root): bubblewrap with an allow-list file system, new pid, net,
ipc, uts and cgroup namespaces, ``setpriv`` to uid ``nobody`` with no capabilities and
no_new_privs, the seccomp filter, and a cgroup with memory, process and CPU limits.
``unprivileged`` (explicit ``--isolation unprivileged``): the same jail through an unprivileged
user namespace, limits from rlimits only (no cgroup: tmpfs and shm memory is not counted).
``user`` (for containers without namespaces, e.g. Docker's default capabilities; needs root):
no jail, the notebook runs as the dedicated unprivileged user ``kit-student`` with no
capabilities, no_new_privs, the seccomp filter and rlimits (memory, processes, files, CPU time),
its every process killed at the end; its answer is copied out by root as hostile data. It is
used only where a probe shows that user cannot read the hidden tests (``isolation.user``).
``none`` (explicit ``--isolation none``, debugging only): a plain child process with rlimits.
"""

from __future__ import annotations

import enum
import os
import shutil

from autograder.errors import SandboxUnavailable


class Mode(enum.StrEnum):
    STRONG = "strong"
    UNPRIVILEGED = "unprivileged"
    USER = "user"
    NONE = "none"


def missing_for(mode: Mode) -> list[str]:
    """What this machine lacks for ``mode`` (empty: it can be used)."""
    from autograder.grade.isolation import cgroups, seccomp

    problems = []
    if mode is Mode.NONE:
        return problems
    if mode is Mode.USER and os.geteuid() != 0:
        problems.append("root (it runs the notebook as the unprivileged user kit-student)")
    tools = ("setpriv", "prlimit") if mode is Mode.USER else ("bwrap", "setpriv", "prlimit")
    for tool in tools:
        if shutil.which(tool) is None:
            problems.append(f"the {tool!r} command (Debian packages bubblewrap, util-linux)")
    problem = seccomp.available()
    if problem:
        problems.append(problem)
    if mode is Mode.STRONG:
        problems += cgroups.missing()
    elif mode is Mode.UNPRIVILEGED and not _user_namespaces_allowed():
        problems.append("unprivileged user namespaces (kernel.unprivileged_userns_clone=1)")
    return problems


def require(mode: Mode) -> Mode:
    problems = missing_for(mode)
    if problems:
        weaker = {Mode.STRONG: "unprivileged", Mode.UNPRIVILEGED: "user", Mode.USER: "none"}
        weaker = weaker.get(mode, "")
        hint = f"; or pass --isolation {weaker} to grade with weaker isolation" if weaker else ""
        raise SandboxUnavailable(
            f"the {mode} sandbox cannot be set up here: missing {'; '.join(problems)}{hint}"
        )
    return mode


def _user_namespaces_allowed() -> bool:
    try:
        with open("/proc/sys/user/max_user_namespaces") as fh:
            if int(fh.read()) == 0:
                return False
    except OSError:
        return False
    try:
        with open("/proc/sys/kernel/unprivileged_userns_clone") as fh:
            return fh.read().strip() == "1" or os.geteuid() == 0
    except OSError:
        return True
