"""The ``user`` mode: isolation for containers that allow no namespaces (Docker's default).

No jail: the notebook runs as the dedicated unprivileged user ``kit-student`` (``setpriv``: no
capabilities, empty bounding set, no_new_privs), under the seccomp filter and rlimits (memory,
processes of that user, file size, open files, CPU time), in its own session; at the end every
process of that user is killed, so nothing it left behind survives into the verdict (so one
machine grades one submission at a time in this mode: ``-j 1``). What the
grader keeps private (hidden tests, the build, the kit's own package and ``reference``, the
verdict's files) must be unreadable by that user: ``private_problems`` checks it as that user,
and the mode is refused where anything is readable. The answer is copied out by root, after
the kill, as hostile data (regular files only, no link followed, size and count capped), into a
folder only root reads; the verdict runs on that copy in a process of its own that never runs
student code.

Run as ``python -I -m autograder.grade.isolation.user -- COMMAND...``: installs the seccomp
filter, then executes ``COMMAND`` (``prlimit``, ``setpriv``, the harness) under it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from autograder.grade.isolation.jail import JailSpec, limits_argv

STUDENT = "kit-student"
FALLBACK_UID = 64917  # an unnamed uid, where setup.sh did not create the user
PROBE_OK = "kit-probe-ok"


def student_uid() -> int:
    return _student()[0]


def _student() -> tuple[int, int]:
    """(uid, gid) of kit-student: its own group (never a group that gid number may name)."""
    try:
        entry = pwd.getpwnam(STUDENT)
    except KeyError:
        return FALLBACK_UID, FALLBACK_UID
    return entry.pw_uid, entry.pw_gid


def setpriv_argv(uid: int, gid: int | None = None) -> list[str]:
    if gid is None:
        gid = _student()[1] if uid == student_uid() else uid
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]  # fmt: skip


def user_argv(spec: JailSpec) -> list[str]:
    """The full command: the filter, then hard rlimits (set as root), then the user."""
    return [sys.executable, "-I", "-m", __name__, "--", *limits_argv(spec),
            *setpriv_argv(student_uid()), *spec.command]  # fmt: skip


LOCK_DIR = Path("/run/kit")  # root's only: no student process can hold or replace the lock


@contextlib.contextmanager
def one_at_a_time() -> Iterator[None]:
    """Hold the machine's user-mode lock: every run as the student user ends by killing every
    process of that user (and its rlimit on processes counts them all), so two graders on one
    machine (two test runs, two batches) must not run a notebook as that user at once."""
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    info = LOCK_DIR.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise OSError(f"{LOCK_DIR} is not a private folder of this user")
    fd = os.open(LOCK_DIR / "student.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def kill_all(uid: int | None = None) -> None:
    """Kill every process of the student user (a forked or ``setsid`` child included)."""
    uid = student_uid() if uid is None else uid
    for _ in range(50):
        if not _processes_of(uid):
            return
        subprocess.run([*setpriv_argv(uid), sys.executable, "-I", "-c",
                        "import os, signal; os.kill(-1, signal.SIGKILL)"],
                       capture_output=True, check=False, timeout=30)  # fmt: skip
        time.sleep(0.05)
    print(f"kit: processes of uid {uid} survived SIGKILL", file=sys.stderr)


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def hand_over(path: Path, folders: list[Path], uid: int | None = None) -> None:
    """Let the student user reach ``path`` (traverse only) and own ``folders`` in it."""
    uid, gid = _student() if uid is None else (uid, uid)
    os.chmod(path, 0o711)
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            os.chown(root, uid, gid)
            for name in files:
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def copy_answer(source: Path, target: Path, *, max_bytes: int, max_files: int) -> None:
    """Copy the student's answer folder as hostile data: regular files and folders only, no
    link followed (a link, fifo or device is left out), within ``max_bytes`` and ``max_files``.
    Call only after ``kill_all``: nothing can change ``source`` any more."""
    budget = {"bytes": max_bytes, "files": max_files}
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        top = os.lstat(source)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(top.st_mode):
        return

    def walk(src: Path, dst: Path) -> None:
        for entry in sorted(os.scandir(src), key=lambda e: e.name):
            budget["files"] -= 1
            if budget["files"] < 0:
                raise ValueError("its answer holds too many files")
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                (dst / entry.name).mkdir(mode=0o700)
                walk(src / entry.name, dst / entry.name)
            elif stat.S_ISREG(info.st_mode):
                fd = os.open(src / entry.name, flags)
                try:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        continue
                    with os.fdopen(fd, "rb", closefd=False) as fin:
                        with open(dst / entry.name, "xb") as fout:
                            while chunk := fin.read(2**20):
                                budget["bytes"] -= len(chunk)
                                if budget["bytes"] < 0:
                                    raise ValueError("its answer is too large")
                                fout.write(chunk)
                finally:
                    os.close(fd)

    walk(source, target)


def private_problems(paths: list[Path], uid: int | None = None) -> list[str]:
    """Which of ``paths`` the student user can read or list (empty: none)."""
    uid = student_uid() if uid is None else uid
    code = (
        "import os, sys\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').close()\n"
        "        print(p)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    existing = [str(p) for p in paths if os.path.lexists(p)]
    with one_at_a_time():  # a run's final kill of every student process must not end it
        proc = subprocess.run([*setpriv_argv(uid), sys.executable, "-I", "-c", code, *existing],
                              capture_output=True, text=True, timeout=60, cwd="/")  # fmt: skip
    if proc.returncode != 0:
        return [f"the check as the student user failed ({proc.stderr.strip()[-200:]})"]
    return [f"{line} is readable by the student user" for line in proc.stdout.splitlines()]


def lock_down(paths: list[Path]) -> None:
    """Make ``paths`` (folders or files) root's only: what a container's grader keeps private."""
    for path in paths:
        if path.exists() and not path.is_symlink():
            os.chown(path, 0, 0)
            os.chmod(path, 0o700 if path.is_dir() else 0o600)


def open_up(paths: list[Path]) -> None:
    """Undo ``lock_down`` (folders 0755, files 0644, as installed): a container that fell back
    to this mode once and now runs a jail again, whose verdict reads the kit as nobody."""
    for path in paths:
        if path.exists() and not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def stage_data(sources: list[tuple[str, str]], target: Path) -> None:
    """Copy the data the notebook may read (``(host, relative)`` pairs, hidden parts already
    left out) into ``target``, readable by all and owned by root."""
    for host, relative in sources:
        destination = target / relative
        destination.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        if os.path.isdir(host):
            shutil.copytree(host, destination, symlinks=False, dirs_exist_ok=True)
        else:
            shutil.copyfile(host, destination)
    for root, _dirs, files in os.walk(target):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _main(argv: list[str]) -> int:
    """Load the seccomp filter and become COMMAND; returns only on a usage error."""
    from autograder.grade.isolation import seccomp

    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -I -m autograder.grade.isolation.user -- COMMAND...", file=sys.stderr)
        return 2
    seccomp.build_filter().load()
    os.execvp(argv[0], argv)
    return 0  # not reached: execvp replaces this process


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    raise SystemExit(_main(sys.argv[1:]))
