"""A jail's only writable storage: one private tmpfs with a size and an inode limit.

Its ``work/`` is the jail's working folder, ``tmp/`` its ``/tmp`` and ``shm/`` its ``/dev/shm``,
so one quota bounds everything the jail can write (bytes and file count), and its pages are
charged to the jail's memory cgroup. The answer (``work/response``) lies on a second small tmpfs
of its own, so a notebook that fills its quota still hands back what it computed. The mount
point is 0700 root: no other user of the host can read a student's files, during grading or
after a crash. Unmounting frees it all at once, whatever depth or names the jail left behind.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from autograder.files import remove_tree
from autograder.grade.isolation import Mode
from autograder.grade.isolation.jail import NOBODY


class Box:
    ANSWER_MB = 640  # the wire format's caps: 64 MB of JSON, 512 MB of arrays
    ANSWER_FILES = 20_000

    def __init__(
        self, path: Path, *, mode: Mode, size_mb: int, inodes: int, answer: bool = True
    ) -> None:
        self.path, self.mode, self.size_mb, self.inodes = path, mode, size_mb, inodes
        self.with_answer = answer  # the verdict's scratch box needs no answer mount
        self.mounted: list[Path] = []

    @property
    def answer(self) -> Path:
        """Where the jail's ``response/`` lands (its own tmpfs; in ``none`` mode a folder)."""
        return self.work / "response" if self.mode is Mode.NONE else self.path / "answer"

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
        try:
            self._mount(self.path, self.size_mb, self.inodes)
            for folder in (self.work, self.tmp, self.shm):
                folder.mkdir(mode=0o700)
            if self.with_answer:
                self.answer.mkdir(mode=0o700)
                if self.mode is not Mode.NONE:
                    (self.work / "response").mkdir(mode=0o755)  # the answer's mount point
                self._mount(self.answer, self.ANSWER_MB, self.ANSWER_FILES)
        except BaseException:  # nothing half-made stays behind (a warm lane reuses the path)
            self.__exit__(None, None, None)
            raise
        return self

    def _mount(self, path: Path, size_mb: int, inodes: int) -> None:
        if self.mode is Mode.STRONG:
            options = f"size={size_mb}m,nr_inodes={inodes},mode=0700,nosuid,nodev"
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "kit-box", str(path)],
                check=True,
                capture_output=True,
            )
            self.mounted.append(path)

    def mount_points(self, binds: list[tuple[str, str]], home: str) -> None:
        """Folders in ``work`` (the jail's ``home``) for binds that land inside it, so the
        folders around them belong to the jail's user (keras wants ``~/.keras`` writable)."""
        for _, inside in binds:
            if inside.startswith(home.rstrip("/") + "/"):
                (self.work / inside[len(home.rstrip("/")) + 1 :]).mkdir(parents=True, exist_ok=True)

    def hand_over(self) -> None:
        """Give the jail's user the folders (after the trusted side has written its files)."""
        if self.mode is Mode.STRONG:
            answer = (self.answer,) if self.with_answer else ()
            for folder in (self.work, self.tmp, self.shm, *answer):
                for root, _dirs, files in os.walk(folder):
                    os.chown(root, NOBODY, NOBODY)
                    for name in files:
                        os.chown(os.path.join(root, name), NOBODY, NOBODY, follow_symlinks=False)

    def __exit__(self, *exc_info) -> None:
        for path in reversed(self.mounted):
            subprocess.run(["umount", "--lazy", str(path)], capture_output=True, check=False)
        remove_tree(self.path)


def sweep_stale_mounts(prefix: str) -> None:
    """Unmount everything a grader mounted under ``prefix`` (its batch folder): boxes, lane
    slots, answers bound into a worker's slot; deepest first. Also for graders killed with -9."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    points = {f[1] for f in (line.split() for line in mounts) if len(f) > 1}
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)
