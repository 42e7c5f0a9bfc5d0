"""The sandbox's system-call filter: deny what a notebook never needs, allow the rest.

Built with libseccomp (through ``pyseccomp``) as a classic BPF program that bubblewrap installs
(``--seccomp FD``) before the notebook runs; ``no_new_privs`` is set too. Denied calls fail with
EPERM: new namespaces (``unshare``, ``setns``, namespace flags of ``clone``; ``clone3`` gets
ENOSYS so libc falls back to ``clone``), mounts, ``ptrace``, ``bpf``, keyrings, perf events,
``userfaultfd``, io_uring, module loading, ``kexec``, clock and host changes. Other ABIs (i386,
x32) kill the process.
"""

from __future__ import annotations

import errno
import os

DENIED = (
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig",
    "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "kcmp", "process_madvise",
    "lookup_dcookie", "fanotify_init", "open_by_handle_at", "name_to_handle_at",
    "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "reboot", "acct", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "sethostname", "setdomainname", "syslog", "quotactl", "iopl", "ioperm",
    "vhangup", "uselib", "ustat", "sysfs",
)  # fmt: skip
NAMESPACE_FLAGS = (
    0x00020000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
    0x00000080,
)  # fmt: skip  NEWNS CGROUP UTS IPC USER PID NET TIME
TIOCSTI = 0x5412


def available() -> str | None:
    """None when a filter can be built here, else what is missing."""
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"libseccomp through pyseccomp ({exc})"
    return None


def build_filter():
    import pyseccomp as sc

    rules = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(sc.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            pass  # a call this architecture does not have
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(sc.ERRNO(errno.EPERM), "personality", sc.Arg(0, sc.NE, 0xFFFFFFFF))
    rules.add_rule(sc.ERRNO(errno.EPERM), "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    return rules


_PROGRAM: bytes | None = None


def program_fd() -> int:
    """A fresh file descriptor holding the compiled program (bubblewrap reads it to the end)."""
    global _PROGRAM
    if _PROGRAM is None:
        import tempfile

        with tempfile.TemporaryFile() as fh:
            build_filter().export_bpf(fh)
            fh.seek(0)
            _PROGRAM = fh.read()
    fd = os.memfd_create("kit-seccomp", 0)
    os.write(fd, _PROGRAM)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
