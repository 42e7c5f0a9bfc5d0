"""The shared helpers: atomic writes, hashing, removal of any tree, CSV safety."""

from __future__ import annotations

import csv
import hashlib
import os

import pytest

from autograder.files import (
    atomic_write_text,
    remove_tree,
    sha256_file,
    spreadsheet_safe,
    thread_limited_env,
    write_csv,
)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "out.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 3_000_000)
    assert sha256_file(path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()


def test_remove_tree_handles_depth_python_cannot(tmp_path):
    root = tmp_path / "box"
    os.makedirs(root)
    fd = os.open(root, os.O_RDONLY)
    try:  # 3,000 levels: deeper than shutil.rmtree's recursion allows
        for _ in range(3000):
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
    finally:
        os.close(fd)
    (tmp_path / "outside").write_text("keep")
    os.symlink(tmp_path / "outside", root / "link")
    remove_tree(root)
    assert not root.exists()
    assert (tmp_path / "outside").read_text() == "keep"


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-1.5", "0", "alice", "", "3.25"])
def test_plain_cells_are_kept(text):
    assert spreadsheet_safe(text) == text


def test_write_csv_neutralises_every_cell(tmp_path):
    write_csv(tmp_path / "g.csv", [["student", "total"], ["=HYPERLINK(1)", "-1"]])
    rows = list(csv.reader(open(tmp_path / "g.csv")))
    assert rows[1] == ["'=HYPERLINK(1)", "-1"]


def test_thread_limited_env():
    env = thread_limited_env(1)
    assert env["OMP_NUM_THREADS"] == "1" and env["CUDA_VISIBLE_DEVICES"] == ""
