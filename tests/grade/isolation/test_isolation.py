"""The isolation pieces on their own: the jail's command line, the cgroup, the refusal."""

from __future__ import annotations

import os
import sys

import pytest

from autograder import paths
from autograder.errors import SandboxUnavailable
from autograder.grade import isolation
from autograder.grade.isolation import Mode, cgroups
from autograder.grade.isolation.jail import JailSpec, jail_argv

ROOT = os.geteuid() == 0


def spec() -> JailSpec:
    return JailSpec(
        command=["python", "-m", "x"],
        workdir="/home/student",
        env={"HOME": "/home/student"},
        ro_binds=[("/data-host/train", "/data/imdb/train")],
        rw_binds=[("/box/work", "/home/student"), ("/box/tmp", "/tmp")],
    )


def test_the_jail_is_an_allow_list():
    argv = jail_argv(spec(), mode=Mode.STRONG, seccomp_fd=3, passwd_fd=4, group_fd=5)
    binds = [argv[i + 2] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    assert "/" not in binds and "/root" not in binds and "/work" not in binds
    assert str(paths.REPO_ROOT) not in binds, "the checkout itself is never visible"
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session",
                 "--clearenv", "--seccomp"):  # fmt: skip
        assert flag in argv
    assert "--dev-bind" not in argv and "/sys" not in argv
    after = argv[argv.index("--") + 1 :]
    assert after[0] == "prlimit" and "setpriv" in after and "--no-new-privs" in after
    assert after[-3:] == ["python", "-m", "x"]


def test_writable_binds_come_before_read_only_ones_inside_them():
    argv = jail_argv(spec(), mode=Mode.STRONG, seccomp_fd=3, passwd_fd=4, group_fd=5)
    assert argv.index("/home/student") < argv.index("/data/imdb/train")


def test_weaker_modes_are_refused_by_name(monkeypatch):
    monkeypatch.setattr(cgroups, "missing", lambda: ["root (to create cgroups)"])
    with pytest.raises(SandboxUnavailable) as info:
        isolation.require(Mode.STRONG)
    message = str(info.value)
    assert "root (to create cgroups)" in message and "--isolation unprivileged" in message
    assert isolation.require(Mode.NONE) is Mode.NONE


@pytest.mark.skipif(
    not ROOT or cgroups.missing() != [] or cgroups.unified(), reason="needs root and cgroup v1"
)
def test_a_sandbox_cgroup_has_its_limits_and_goes_away():
    group = cgroups.SandboxCgroup(memory_mb=300, pids=17, cpu_quota=0.5)
    try:
        memory, pids, cpu = (group.dirs[c] for c in ("memory", "pids", "cpu"))
        assert int((memory / "memory.limit_in_bytes").read_text()) == 300 * 2**20
        assert (pids / "pids.max").read_text().strip() == "17"
        assert int((cpu / "cpu.cfs_quota_us").read_text()) == 50_000
    finally:
        group.remove()
    assert not memory.exists() and not pids.exists() and not cpu.exists()


def test_cgroup_v2_is_used_only_with_all_three_controllers(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids rdma\n")
    assert cgroups.unified(tmp_path)
    (tmp_path / "cgroup.controllers").write_text("hugetlb\n")  # what these machines have
    assert not cgroups.unified(tmp_path)
    assert not cgroups.unified(tmp_path / "absent")


def test_a_v2_sandbox_cgroup_writes_its_limits_and_reads_its_events(tmp_path):
    """Against a simulated unified hierarchy (these machines mount v1 for these controllers)."""
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    group = cgroups.SandboxCgroupV2(memory_mb=300, pids=17, cpu_quota=0.5, root=tmp_path)
    folder = group.folder
    assert folder.parent == tmp_path / "kit"
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert (tmp_path / "kit" / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert int((folder / "memory.max").read_text()) == 300 * 2**20
    assert (folder / "pids.max").read_text() == "17"
    assert (folder / "cpu.max").read_text() == "50000 100000"
    assert group.procs_files == [str(folder / "cgroup.procs")]
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (folder / "memory.peak").write_text(str(280 * 2**20))
    (folder / "pids.events").write_text("max 0\n")
    usage = group.usage()
    assert usage.oom_killed and usage.peak_mb == 280.0 and not usage.pids_limited
    for file in folder.iterdir():
        file.unlink()
    group.remove()
    assert not folder.exists() and group.folder is None


@pytest.mark.skipif(not ROOT or cgroups.missing() != [], reason="needs root and cgroups")
@pytest.mark.parametrize("mode", [Mode.STRONG, Mode.UNPRIVILEGED])
def test_the_kit_installed_in_the_jails_python_is_unreadable_unless_bound(
    tmp_path, monkeypatch, mode
):
    """In the Gradescope zip the kit is installed in the Python the jail binds: its packages
    (the catalog, ``reference``) must stay unreadable there, as the probe demands."""
    from autograder.grade.isolation import jail
    from autograder.grade.isolation.run import run_jailed

    site = tmp_path / "site-packages"
    for package in ("autograder", "reference"):
        (site / package).mkdir(parents=True)
        (site / package / "secret.py").write_text("ANSWER = 42\n")
    tmp_path.chmod(0o755)
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "in_jail.py").write_text("")
    real = jail.python_binds()
    monkeypatch.setattr(jail, "python_binds", lambda: [*real, (str(site), str(site))])
    monkeypatch.setattr(paths, "PACKAGE_DIR", site / "autograder")
    code = (
        "import os, sys\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n        print(p, sorted(os.listdir(p)))\n"
        "    except OSError as e:\n        print(p, type(e).__name__)\n"
    )
    folders = [str(site / "autograder"), str(site / "reference")]
    work = tmp_path / "work"
    work.mkdir(mode=0o777)
    for ro_binds, autograder_seen in (
        ([], "PermissionError"),
        ([(str(staged), folders[0])], "['in_jail.py']"),
    ):
        spec = jail.JailSpec(command=[os.path.realpath(sys.executable), "-I", "-c", code, *folders],
                             workdir="/home/student", env={"PATH": "/usr/bin"},
                             rw_binds=[(str(work), "/home/student")], ro_binds=ro_binds,
                             data_mb=0 if mode is Mode.STRONG else 1024,
                             processes=0 if mode is Mode.STRONG else 1024)  # fmt: skip
        outcome = run_jailed(spec, mode=mode, timeout_s=60, memory_mb=512, processes=64)
        lines = outcome.tail.decode().splitlines()
        assert lines[-2:] == [f"{folders[0]} {autograder_seen}", f"{folders[1]} PermissionError"], (
            lines
        )
