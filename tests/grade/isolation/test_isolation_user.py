"""The isolation probe and the ``user`` mode's pieces (no TensorFlow: a tiny Python is jailed).

The whole ``user`` mode grading a notebook, and its red team, run through the Gradescope zip
(``tests/assign/test_gradescope_zip.py``) and a real Ubuntu 22.04 root
(``tests/assign/test_gradescope_container.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grade.isolation import Mode, jail, missing_for, probe, user

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT or not shutil.which("setpriv"), reason="needs root")


@pytest.fixture
def secret(tmp_path):
    """A private folder of root's (0700), as the grader's tests are in a container."""
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    (folder / "q_hidden.py").write_text("expected = 42\n")
    tmp_path.chmod(0o711)
    return folder


@needs_root
def test_the_probe_picks_a_mode_that_runs_and_reads_nothing_private(secret):
    mode, why = probe.choose(private=[secret, secret / "q_hidden.py"])
    assert mode is not None and mode is not Mode.NONE, why
    assert probe.try_mode(Mode.USER, private=[secret, secret / "q_hidden.py"]) is None


@needs_root
def test_the_user_mode_is_refused_where_the_student_could_read_a_secret():
    scratch = Path(tempfile.mkdtemp(prefix="kit-test-user-", dir="/var/tmp"))
    try:
        scratch.chmod(0o755)
        readable = scratch / "tests"
        readable.mkdir(mode=0o755)
        problem = probe.try_mode(Mode.USER, private=[readable])
        assert problem is not None and "can read the grader's private files" in problem
        assert user.private_problems([readable]) == [f"{readable} is readable by the student user"]
    finally:
        shutil.rmtree(scratch)


@needs_root
def test_a_mode_whose_sandbox_cannot_start_is_passed_over(monkeypatch, secret):
    from autograder.grade.isolation import run

    monkeypatch.setattr(run, "jail_argv", lambda *a, **k: ["false"])
    mode, why = probe.choose(private=[secret], order=(Mode.UNPRIVILEGED, Mode.USER))
    assert mode is Mode.USER and "did not run" in why["unprivileged"]


def test_old_bubblewrap_gets_no_option_it_lacks(monkeypatch):
    """Ubuntu 22.04's bubblewrap 0.6.1 has no --disable-userns (the seccomp filter denies new
    user namespaces anyway)."""
    spec = jail.JailSpec(command=["true"], workdir="/", env={})
    for has in (False, True):
        monkeypatch.setattr(jail, "bwrap_has", lambda option, has=has: has)
        argv = jail.jail_argv(spec, mode=Mode.UNPRIVILEGED, seccomp_fd=3, passwd_fd=4, group_fd=5)
        assert ("--disable-userns" in argv) is has and "--unshare-user" in argv


def test_the_user_mode_needs_root_and_no_bubblewrap(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "bwrap" else f"/x/{tool}")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert not any("bwrap" in p for p in missing_for(Mode.USER))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert any("root" in p for p in missing_for(Mode.USER))


def test_the_answer_is_copied_as_hostile_data(tmp_path):
    answer = tmp_path / "response"
    (answer / "arrays").mkdir(parents=True)
    (answer / "response.json").write_text("{}")
    (answer / "arrays" / "a0.npy").write_bytes(b"x" * 100)
    (answer / "link.json").symlink_to("/etc/passwd")
    (answer / "dirlink").symlink_to("/etc")
    os.mkfifo(answer / "fifo")
    target = tmp_path / "copy"
    target.mkdir()
    user.copy_answer(answer, target, max_bytes=1000, max_files=10)
    copied = sorted(str(p.relative_to(target)) for p in target.rglob("*"))
    assert copied == ["arrays", "arrays/a0.npy", "response.json"]
    assert not any(p.is_symlink() for p in target.rglob("*"))
    for limits, message in (({"max_bytes": 50, "max_files": 10}, "too large"),
                            ({"max_bytes": 1000, "max_files": 2}, "too many")):  # fmt: skip
        again = tmp_path / f"again-{message[-5:]}"
        again.mkdir()
        with pytest.raises(ValueError, match=message):
            user.copy_answer(answer, again, **limits)


@needs_root
def test_every_process_of_the_student_user_is_killed(tmp_path):
    """A child that left the process group (setsid, double fork) dies too."""
    uid = user.student_uid()
    code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(300)\n"
    subprocess.run([*user.setpriv_argv(uid), sys.executable, "-I", "-c", code], check=True,
                   cwd="/", timeout=60)  # fmt: skip
    time.sleep(0.2)
    assert user._processes_of(uid)
    user.kill_all(uid)
    assert not user._processes_of(uid)


def test_lock_down_leaves_a_folder_to_root_alone(tmp_path):
    folder, file = tmp_path / "source", tmp_path / "meta.json"
    folder.mkdir(mode=0o755)
    file.write_text("{}")
    user.lock_down([folder, file, tmp_path / "absent"])
    assert folder.stat().st_mode & 0o777 == 0o700 and file.stat().st_mode & 0o777 == 0o600


def test_data_is_staged_readable_to_all(tmp_path):
    source = tmp_path / "fashion"
    source.mkdir(mode=0o700)
    (source / "train.gz").write_bytes(b"data")
    (source / "train.gz").chmod(0o600)
    user.stage_data([(str(source), "data/fashion-mnist")], tmp_path / "staged")
    staged = tmp_path / "staged" / "data" / "fashion-mnist" / "train.gz"
    assert staged.read_bytes() == b"data" and staged.stat().st_mode & 0o777 == 0o644
    assert Path(staged.parent).stat().st_mode & 0o777 == 0o755


@needs_root
def test_one_run_at_a_time_as_the_student_user(tmp_path):
    """Every run ends by killing every process of the student user: a second grader on the
    machine waits for the lock instead of losing its notebook to the first one's kill."""
    import threading

    order = []
    with user.one_at_a_time():
        waiter = threading.Thread(
            target=lambda: (user.one_at_a_time().__enter__(), order.append(2))
        )
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive(), "a second holder got the lock while the first held it"
        order.append(1)
    waiter.join(timeout=10)
    assert order == [1, 2]
    assert user.LOCK_DIR.stat().st_mode & 0o777 == 0o700


def test_open_up_undoes_lock_down(tmp_path):
    folder, file = tmp_path / "site", tmp_path / "file.py"
    folder.mkdir(mode=0o755)
    file.write_text("x = 1\n")
    user.lock_down([folder, file])
    user.open_up([folder, file, tmp_path / "absent"])
    assert folder.stat().st_mode & 0o777 == 0o755 and file.stat().st_mode & 0o777 == 0o644
