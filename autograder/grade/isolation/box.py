"""A jail's only writable storage: one private tmpfs with a size and an inode limit.

Its ``work/`` is the jail's working folder, ``tmp/`` its ``/tmp`` and ``shm/`` its ``/dev/shm``,
so one quota bounds everything the jail can write (bytes and file count), and its pages are
charged to the jail's memory cgroup. The mount point is 0700 root: no other user of the host can
read a student's files, during grading or after a crash. Unmounting frees it all at once,
whatever depth or names the jail left behind.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from autograder.files import remove_tree
from autograder.grade.isolation import Mode
from autograder.grade.isolation.jail import NOBODY


class Box:
    def __init__(self, path: Path, *, mode: Mode, size_mb: int, inodes: int) -> None:
        self.path, self.mode, self.size_mb, self.inodes = path, mode, size_mb, inodes
        self.mounted = False

    @property
    def work(self) -> Path:
        return self.path / "work"

    @property
    def tmp(self) -> Path:
        return self.path / "tmp"

    @property
    def shm(self) -> Path:
        return self.path / "shm"

    def __enter__(self) -> Box:
        self.path.mkdir(mode=0o700)
        if self.mode is Mode.STRONG:
            options = f"size={self.size_mb}m,nr_inodes={self.inodes},mode=0700,nosuid,nodev"
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "kit-box", str(self.path)],
                check=True,
                capture_output=True,
            )
            self.mounted = True
        for folder in (self.work, self.tmp, self.shm):
            folder.mkdir(mode=0o700)
        return self

    def hand_over(self) -> None:
        """Give the jail's user the folders (after the trusted side has written its files)."""
        if self.mode is Mode.STRONG:
            for folder in (self.work, self.tmp, self.shm):
                for root, _dirs, files in os.walk(folder):
                    os.chown(root, NOBODY, NOBODY)
                    for name in files:
                        os.chown(os.path.join(root, name), NOBODY, NOBODY, follow_symlinks=False)

    def __exit__(self, *exc_info) -> None:
        if self.mounted:
            subprocess.run(["umount", "--lazy", str(self.path)], capture_output=True, check=False)
        remove_tree(self.path)


def sweep_stale_mounts(prefix: str) -> None:
    """Unmount boxes left by graders that were killed (their batch folder starts with prefix)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    for line in mounts:
        fields = line.split()
        if len(fields) > 1 and fields[0] == "kit-box" and fields[1].startswith(prefix):
            subprocess.run(["umount", "--lazy", fields[1]], capture_output=True, check=False)
