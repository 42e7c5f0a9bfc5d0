"""The bubblewrap command line for an allow-list jail.

Inside, nothing of the host exists but what is listed: ``/usr`` (system libraries and tools),
the Python installation and virtual environment (read-only, at their own paths: the interpreter
finds its libraries there), the read-only binds the caller names (data, tests, the kit's code),
and the writable binds (a private working folder, ``/tmp``, ``/dev/shm``, all on one size- and
inode-limited tmpfs made by the caller). ``/proc`` is the jail's own, ``/dev`` minimal, ``/sys``
absent, the network namespace empty. Where the kit itself is installed in that Python (the
Gradescope zip's environment, not a checkout), its packages are covered by an empty, unlistable
tmpfs unless the caller binds something there: ``reference`` always (no jail needs it),
``autograder`` where no staged copy or the verdict's own bind replaces it.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grade.isolation import Mode

NOBODY = 65534
PASSWD = b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
GROUP = b"nogroup:x:65534:\n"
# The sandbox template's capabilities: new namespaces and mounts, becoming nobody, emptying the
# bounding set, and reaching the submission's folders (owned by nobody, 0700) to bind them.
TEMPLATE_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP",
                         "CAP_DAC_OVERRIDE")  # fmt: skip
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts",
             "/etc/mime.types", "/etc/ssl/certs")  # fmt: skip  # nothing secret, all optional


@dataclass
class JailSpec:
    command: list[str]
    workdir: str  # inside
    env: dict[str, str]
    ro_binds: list[tuple[str, str]] = field(default_factory=list)  # (host, inside)
    rw_binds: list[tuple[str, str]] = field(default_factory=list)
    file_size_mb: int = 256
    open_files: int = 1024
    data_mb: int = 0  # rlimit DATA (weak modes only, where no cgroup counts memory; 0: none)
    processes: int = 0  # rlimit NPROC (weak modes only; 0: none)
    cpu_s: int = 0  # rlimit CPU in seconds (``user`` mode; 0: none)
    dirs: list[str] = field(default_factory=list)  # empty folders to create inside
    tmpfs: list[str] = field(default_factory=list)  # private tmpfs mounts inside


def jail_environment(home: str, tmp: str, extra: dict[str, str]) -> dict[str, str]:
    """The whole environment of a jailed Python: nothing of the grader's leaks in."""
    from autograder.files import thread_limited_env

    return {
        "PATH": f"{sys.prefix}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{tmp}/matplotlib",
        "LANG": "C.UTF-8",
        "TF_USE_LEGACY_KERAS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **thread_limited_env(1),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def python_binds() -> list[tuple[str, str]]:
    """The interpreter's installation and the virtual environment, at their own paths."""
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    return [(p, p) for p in sorted(paths)]


def kit_masks(spec: JailSpec) -> list[str]:
    """The kit's installed packages inside the bound Python installation that the jail must not
    read, each covered by an empty tmpfs no one in the jail may list (bubblewrap 0.5+)."""
    from autograder import paths

    prefixes = [inside for _, inside in python_binds()]
    bound = {inside for _, inside in (*spec.ro_binds, *spec.rw_binds)}
    masks = []
    for package in (paths.PACKAGE_DIR, paths.PACKAGE_DIR.parent / "reference"):
        path = os.path.realpath(package)
        inside = any(path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)
        if inside and os.path.isdir(path) and path not in bound and str(package) not in bound:
            masks += ["--perms", "0000", "--tmpfs", path]
    return masks


def jail_argv(
    spec: JailSpec, *, mode: Mode, seccomp_fd: int | None, passwd_fd: int, group_fd: int
) -> list[str]:
    """The full command: bwrap, then prlimit and setpriv inside, then the command.

    ``seccomp_fd=None`` (strong mode only) leaves the command root in the jail with its
    capabilities and no filter: the sandbox template, whose children drop all of it themselves
    (``autograder.grade.sandbox.confine``) before any student code runs."""
    confined = seccomp_fd is not None or mode is not Mode.STRONG
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]  # fmt: skip
    if mode is Mode.UNPRIVILEGED:
        argv += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
        if bwrap_has("--disable-userns"):  # bubblewrap 0.8+; the seccomp filter denies it anyway
            argv.append("--disable-userns")
    made: set[str] = set()
    argv += _dirs("/etc", made)
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for path in ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    argv += ["--perms", "0644", "--file", str(passwd_fd), "/etc/passwd"]
    argv += ["--perms", "0644", "--file", str(group_fd), "/etc/group"]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for host, inside in python_binds():
        argv += _dirs(str(Path(inside).parent), made)
        argv += ["--ro-bind", host, inside]
    argv += kit_masks(spec)
    for host, inside in spec.rw_binds:  # before the read-only ones that may sit inside them
        argv += _dirs(str(Path(inside).parent), made)
        argv += ["--bind", host, inside]
    for host, inside in spec.ro_binds:
        argv += _dirs(str(Path(inside).parent), made)
        argv += ["--ro-bind", host, inside]
    for inside in spec.dirs:
        argv += _dirs(inside, made)
    for inside in spec.tmpfs:
        argv += _dirs(str(Path(inside).parent), made)
        argv += ["--tmpfs", inside]
    argv += ["--chdir", spec.workdir, "--clearenv", "--hostname", "sandbox"]
    for key, value in sorted(spec.env.items()):
        argv += ["--setenv", key, value]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    elif mode is Mode.STRONG:  # only what its children need to confine themselves
        argv += ["--cap-drop", "ALL"]
        for cap in TEMPLATE_CAPABILITIES:
            argv += ["--cap-add", cap]
    if mode is Mode.STRONG:
        argv += ["--remount-ro", "/"]
    argv += ["--", *limits_argv(spec)]
    if mode is Mode.STRONG and confined:
        argv += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]  # fmt: skip
    return [*argv, *spec.command]


def limits_argv(spec: JailSpec) -> list[str]:
    """prlimit before privileges drop: hard limits the student cannot raise."""
    argv = ["prlimit", "--core=0", f"--fsize={spec.file_size_mb * 2**20}",
            f"--nofile={spec.open_files}"]  # fmt: skip
    if spec.data_mb:
        argv.append(f"--data={spec.data_mb * 2**20}")
    if spec.processes:
        argv.append(f"--nproc={spec.processes}")
    if spec.cpu_s:
        argv.append(f"--cpu={spec.cpu_s}")
    return [*argv, "--"]


@functools.cache
def bwrap_has(option: str) -> bool:
    """Whether this machine's bubblewrap knows ``option`` (Ubuntu 22.04 has 0.6.1)."""
    try:
        proc = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in (proc.stdout + proc.stderr).split()


def _dirs(path: str, made: set[str]) -> list[str]:
    """World-traversable folders for ``path`` and its parents (bwrap would make them 0700)."""
    argv = []
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        folder = str(Path(*parts[:i]))
        if folder not in made:
            made.add(folder)
            argv += ["--perms", "0755", "--dir", folder]
    return argv
