"""First code inside the sandbox's namespaces; runs before any student code, then execs the harness.

It hides the kit's secrets (tests, solutions, reference, other submissions, outputs) behind empty
tmpfs mounts, limits file sizes, and, when started as real root, drops to ``nobody`` with
no_new_privs so the student cannot undo the mounts.

    python -m autograder.grade.sandbox.jail SPEC_JSON
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys

NOBODY = 65534
PR_SET_NO_NEW_PRIVS = 38


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def expose(needed: list[str], scratch: str) -> None:
    """Let ``nobody`` reach the interpreter, venv and data without changing host permissions.

    Each ancestor that others cannot traverse (e.g. ``/root`` at 0700) is covered, in this mount
    namespace only, by a 0755 tmpfs holding bind mounts of just the children on the needed paths.
    """
    for _ in range(16):  # one untraversable ancestor per round, outermost first
        blocked = _first_blocked(needed)
        if blocked is None:
            return
        ancestor, children = blocked
        os.makedirs(scratch, exist_ok=True)
        _mount("--bind", ancestor, scratch)
        _mount("-t", "tmpfs", "-o", "size=64k,mode=755", "tmpfs", ancestor)
        for child in sorted(children):
            source, target = os.path.join(scratch, child), os.path.join(ancestor, child)
            if os.path.isdir(source):
                os.mkdir(target)
            else:
                open(target, "w").close()
            _mount("--bind", source, target)
        subprocess.run(["umount", "-l", scratch], check=True)


def _first_blocked(needed: list[str]) -> tuple[str, set[str]] | None:
    found: tuple[str, set[str]] | None = None
    for path in needed:
        parts = os.path.abspath(path).split(os.sep)[1:]
        current = "/"
        for part in parts:
            if not os.stat(current).st_mode & 0o001:
                if found is None or found[0] == current:
                    found = (current, (found[1] if found else set()) | {part})
                break
            current = os.path.join(current, part)
            if not os.path.exists(current):
                break
    return found


def prepare(spec: dict) -> str:
    """Mount, limit and drop privileges; return the working directory to run in."""
    box, view, boxes = spec["box"], spec["view"], spec["boxes"]
    _mount("--bind", box, view)
    if spec.get("drop_to_nobody"):
        expose(spec["needed"], spec["scratch"])
    for path in [boxes, *spec["hide"]]:
        if os.path.isdir(path):
            _mount("-t", "tmpfs", "-o", "size=64k,mode=755", "tmpfs", path)
        elif os.path.exists(path):
            _mount("--bind", "/dev/null", path)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    file_limit = int(spec.get("max_file_bytes", 2**30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    if spec.get("drop_to_nobody"):
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    return view


def main(spec_path: str) -> None:
    with open(spec_path, encoding="utf-8") as fh:
        spec = json.load(fh)
    workdir = prepare(spec)
    os.chdir(workdir)
    python = spec["python"]
    os.execve(
        python, [python, "-m", "autograder.grade.sandbox.harness", "request.json"], spec["env"]
    )


if __name__ == "__main__":
    main(sys.argv[1])
