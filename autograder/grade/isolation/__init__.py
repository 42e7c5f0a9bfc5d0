"""Isolation shared by both sides: a bubblewrap jail, a cgroup, a seccomp filter, and a runner.

``strong`` (the default, needs root): bubblewrap with an allow-list file system, new pid, net,
ipc, uts and cgroup namespaces, ``setpriv`` to uid ``nobody`` with no capabilities and
no_new_privs, the seccomp filter, and a cgroup with memory, process and CPU limits.
``unprivileged`` (explicit ``--isolation unprivileged``): the same jail through an unprivileged
user namespace, limits from rlimits only (no cgroup: tmpfs and shm memory is not counted).
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
    NONE = "none"


def missing_for(mode: Mode) -> list[str]:
    """What this machine lacks for ``mode`` (empty: it can be used)."""
    from autograder.grade.isolation import cgroups, seccomp

    problems = []
    if mode is Mode.NONE:
        return problems
    for tool in ("bwrap", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            problems.append(f"the {tool!r} command (Debian packages bubblewrap, util-linux)")
    problem = seccomp.available()
    if problem:
        problems.append(problem)
    if mode is Mode.STRONG:
        problems += cgroups.missing()
    elif not _user_namespaces_allowed():
        problems.append("unprivileged user namespaces (kernel.unprivileged_userns_clone=1)")
    return problems


def require(mode: Mode) -> Mode:
    problems = missing_for(mode)
    if problems:
        weaker = {Mode.STRONG: "unprivileged", Mode.UNPRIVILEGED: "none"}.get(mode, "")
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
