"""Choose the isolation mode by trying it: a tiny jailed Python in each mode, strongest first.

What a machine lacks is not enough to know what works: a container may have bubblewrap and a
cgroup file system and still refuse every mount (Docker's default capabilities), or have a
bubblewrap too old for an option. So each mode starts a probe jail, shaped like a sandbox (its
box, the kit's in-jail modules, the Python installation, the rlimits), that imports numpy and
tries to read each of the grader's private paths; the first mode whose probe prints its word
and reads none of them is the one to grade with. ``none`` is never chosen: it hides nothing.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from autograder.grade.isolation import Mode, missing_for

ORDER = (Mode.STRONG, Mode.UNPRIVILEGED, Mode.USER)
WORKDIR = "/home/student"  # as the sandbox's
WORD = "kit-probe-ok"
CODE = (
    "import os, sys, numpy\n"
    "seen = []\n"
    "for p in sys.argv[1:]:\n"
    "    try:\n"
    "        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').close()\n"
    "        seen.append(p)\n"
    "    except OSError:\n"
    "        pass\n"
    "print('READABLE ' + ' '.join(seen) if seen else " + repr(WORD) + ")\n"
)


def try_mode(mode: Mode, *, private: list[Path]) -> str | None:
    """None when a probe jail of ``mode`` ran and read none of ``private``; else why not."""
    import sys

    from autograder.files import remove_tree
    from autograder.grade.isolation import user
    from autograder.grade.isolation.box import Box, sweep_stale_mounts
    from autograder.grade.isolation.jail import JailSpec, jail_environment
    from autograder.grade.isolation.run import run_jailed

    problems = missing_for(mode)
    if problems:
        return "missing " + "; ".join(problems)
    scratch = Path(tempfile.mkdtemp(prefix="kit-probe-"))
    try:
        with Box(scratch / "box", mode=mode, size_mb=64, inodes=1000, answer=False) as box:
            command = [sys.executable, "-I", "-c", CODE, *map(str, private)]
            if mode is Mode.USER:
                env = jail_environment(str(box.work), str(box.tmp), {})
                spec = JailSpec(command=command, workdir=str(box.work), env=env, data_mb=1024,
                                processes=256, cpu_s=60)  # fmt: skip
                scratch.chmod(0o711)
                user.hand_over(box.path, [box.work, box.tmp, box.shm])
            else:
                spec = JailSpec(
                    command=command, workdir=WORKDIR, env=jail_environment(WORKDIR, "/tmp", {}),
                    rw_binds=[(str(box.work), WORKDIR), (str(box.tmp), "/tmp"),
                              (str(box.shm), "/dev/shm")],
                    data_mb=1024 if mode is not Mode.STRONG else 0,
                    processes=1024 if mode is not Mode.STRONG else 0,
                )  # fmt: skip
                box.hand_over()
            # user: no other run as the student user meanwhile
            held = user.one_at_a_time() if mode is Mode.USER else contextlib.nullcontext()
            with held:
                outcome = run_jailed(spec, mode=mode, timeout_s=120, memory_mb=1024, processes=64)
    except Exception as exc:  # a mount, a cgroup, a command that fails: this mode is out
        return f"its sandbox could not be set up ({type(exc).__name__}: {_short(str(exc))})"
    finally:
        sweep_stale_mounts(str(scratch))
        remove_tree(scratch)
    lines = outcome.tail.decode("utf-8", "replace").strip().splitlines()
    last = lines[-1] if lines else ""
    if outcome.status == "ok" and outcome.returncode == 0 and last == WORD:
        return None
    if last.startswith("READABLE "):
        return f"the jail can read the grader's private files ({_short(last[9:])})"
    return f"the probe jail did not run ({outcome.status}, code {outcome.returncode}: " \
           f"{_short(last or outcome.reason or 'no output')})"  # fmt: skip


def choose(*, private: list[Path], order: tuple[Mode, ...] = ORDER) -> tuple[Mode | None, dict]:
    """The strongest mode whose probe runs, and why each stronger one did not (by mode)."""
    why: dict[str, str] = {}
    for mode in order:
        problem = try_mode(mode, private=private)
        if problem is None:
            return mode, why
        why[str(mode)] = problem
    return None, why


def _short(text: str) -> str:
    return " ".join(text.split())[:300]
