"""A forked child confines itself before any student code runs (the warm path's jail entry).

The sandbox template runs as root inside a bubblewrap jail that already has the allow-list file
system and no network; it never runs student code. For each submission it forks a child, which
the host puts in the submission's cgroup; the child then enters new mount, pid, ipc, uts, net and
cgroup namespaces (``unshare``), forks the submission's pid 1, and that process:

1. binds the submission's own box (working folder, ``/tmp``, ``/dev/shm``, answer folder: fresh
   quota'd tmpfs mounts the host made) and the data under home, and unmounts the slot they came
   through, so nothing else is reachable;
2. mounts a ``/proc`` of its own pid namespace;
3. sets hard rlimits, closes every inherited descriptor but stdio;
4. drops to ``nobody``: empty bounding, inheritable and ambient capability sets, no groups,
   ``no_new_privs``, then the sandbox's seccomp filter, the same program bubblewrap loads on the
   cold path.

The same guarantees as the cold path's ``bwrap ... setpriv`` line, in the same order; tests
compare what a notebook can see and do on both paths.
"""

from __future__ import annotations

import ctypes
import os
import resource

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_SLAVE = 32, 4096, 16384, 1 << 19
MNT_DETACH = 2

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAPABILITY_VERSION_3 = 0x20080522
NOBODY = 65534

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_void_p]  # fmt: skip
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]  # fmt: skip


PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus")


class ConfineError(OSError):
    """A step of the confinement failed: the child must not go on to run student code."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise ConfineError(errno, f"{what}: {os.strerror(errno)}")


def _bytes(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def mount(source: str | None, target: str, fstype: str | None, flags: int) -> None:
    result = _libc.mount(_bytes(source), _bytes(target), _bytes(fstype), flags, None)
    _check(result, f"mount {source} on {target}")


def unshare_namespaces() -> None:
    """New namespaces for the caller (mount, uts, ipc, net, cgroup) and its next child (pid)."""
    _check(_libc.unshare(NAMESPACES), "unshare")


def _prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl {option}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def drop_privileges(uid: int = NOBODY) -> None:
    """Become ``uid`` with no capability left anywhere and no way to gain one. (Capability
    sets, ``no_new_privs`` and seccomp are per thread: the caller must be the only one.)"""
    if len(os.listdir("/proc/self/task")) != 1:
        raise ConfineError(0, "more than one thread while dropping privileges")
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the effective and permitted sets
    header, data = _CapHeader(CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")  # and the inheritable set
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def make_dumpable() -> None:
    """What ``exec`` does on the cold path after ``setpriv``: the process's ``/proc`` files
    belong to its own uid again (a credential change left them root's)."""
    _prctl(PR_SET_DUMPABLE, 1)


def load_seccomp(program: bytes) -> None:
    """Install a classic BPF program (libseccomp's export, as bubblewrap's ``--seccomp``)."""
    if not program or len(program) % 8:
        raise ConfineError(0, "no seccomp program")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0),
           "seccomp")  # fmt: skip


def confine(
    *,
    binds: list[tuple[str, str, bool]],
    hide: list[str],
    workdir: str,
    file_size_mb: int,
    open_files: int,
    seccomp_program: bytes,
) -> None:
    """In the submission's pid 1, right after ``unshare_namespaces`` and fork: see above."""
    mount(None, "/", None, MS_REC | MS_SLAVE)  # nothing done here reaches the template
    for source, target, read_only in binds:  # (source, target, read-only), in order
        mount(source, target, None, MS_BIND)
        flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
        mount(None, target, None, flags)
    for path in hide:
        _check(_libc.umount2(os.fsencode(path), MNT_DETACH), f"umount {path}")
    _check(_libc.umount2(b"/proc", MNT_DETACH), "umount /proc")
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in PROC_READ_ONLY:  # as bubblewrap leaves them on the cold path
        if os.path.exists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(workdir)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    size = file_size_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
    os.closerange(3, 1 << 20)
    drop_privileges()
    load_seccomp(seccomp_program)
