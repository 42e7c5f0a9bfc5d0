"""The Gradescope zip in a real Ubuntu 22.04 root file system, the way Gradescope runs it.

Opt-in and slow (about 10 minutes, most of it setup.sh installing the stack):
``KIT_CONTAINER_TEST=1 .venv/bin/python -m pytest tests/assign/test_gradescope_container.py``.
A jammy root made by ``debootstrap`` (its keyring checked against Ubuntu's archive key) is
cached in ``.container/jammy``; each run copies it, unpacks the zip into ``/autograder/source``
and runs ``setup.sh`` and ``run_autograder`` inside it as root with ``CAP_SYS_ADMIN`` dropped
from the bounding set (``setpriv``), in its own mount and pid namespaces (``chroot``: no user
namespace can be made there, as under Docker's default seccomp profile). Everything is jammy's
own (bubblewrap 0.6.1, apt's ``dataset-fashion-mnist``, useradd) except the Python: jammy's
``python3.11`` is 3.11.0rc1, which setup.sh refuses, and the standalone build it then fetches
is not reachable from this machine, so the test hands it a final 3.11 (the host's Debian
CPython 3.11, which runs on jammy's glibc 2.35) through ``KIT_PYTHON``. The peak memory (PSS of
the whole process tree) and time of one submission are printed (``-s``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expected_results

from autograder import paths
from autograder.config import load_config

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("KIT_CONTAINER_TEST") != "1" or os.geteuid() != 0,
        reason="opt-in (KIT_CONTAINER_TEST=1, as root): builds and runs an Ubuntu 22.04 root",
    ),
]
CACHE = paths.REPO_ROOT / ".container"
MIRROR = "http://archive.ubuntu.com/ubuntu"
KEYRING_DEB = f"{MIRROR}/pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb"
ARCHIVE_KEY = "F6ECB3762474EDA9D21B7022871920D1991BC93C"  # Ubuntu Archive Automatic Signing Key


def jammy_root() -> Path:
    """The cached pristine jammy root, made with debootstrap on first use."""
    root = CACHE / "jammy"
    if (root / "etc" / "os-release").exists():
        return root
    CACHE.mkdir(exist_ok=True)
    if shutil.which("debootstrap") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "debootstrap"], check=True)
    deb = CACHE / "ubuntu-keyring.deb"
    subprocess.run(["curl", "-sSfo", str(deb), KEYRING_DEB], check=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(CACHE / "keyring")], check=True)
    keyring = CACHE / "keyring" / "usr/share/keyrings/ubuntu-archive-keyring.gpg"
    keys = subprocess.run(["gpg", "--show-keys", "--with-colons", str(keyring)],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert f":{ARCHIVE_KEY}:" in keys, "the downloaded keyring is not Ubuntu's"
    partial = CACHE / "jammy.partial"
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run(["debootstrap", f"--keyring={keyring}", "jammy", str(partial), MIRROR],
                   check=True, capture_output=True)  # fmt: skip
    partial.rename(root)
    return root


def enter(root: Path, command: str, *, env: dict[str, str], timeout: float):
    """Run ``command`` (bash) in ``root`` as root without CAP_SYS_ADMIN, in new mount and pid
    namespaces, with /proc and /dev, the host's pip settings' local indexes bound read-only."""
    binds = "".join(
        f"mkdir -p {root}{p} && mount --bind {p} {root}{p} && mount -o remount,bind,ro {root}{p}\n"
        for p in ("/opt/pypi", "/opt/pypi-more", "/opt/wheels")
        if os.path.isdir(p)
    )
    values = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(env.items()))
    script = (
        "set -e\nmount --make-rprivate /\n"
        f"mount -t proc proc {root}/proc\nmount --rbind /dev {root}/dev\n{binds}"
        f"exec chroot {root} setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin -- "
        f"env -i {values} bash -c {json.dumps(command)}"
    )
    argv = ["unshare", "--mount", "--pid", "--fork", "bash", "-c", script]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def container_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    pip = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    if "PIP_CERT" in pip:
        pip["PIP_CERT"] = "/etc/kit-host-ca.crt"
    local = " ".join(f"file://{p}/simple" for p in ("/opt/pypi", "/opt/pypi-more")
                     if os.path.isdir(p))  # fmt: skip
    if local:
        pip["PIP_EXTRA_INDEX_URL"] = local
    return {
        **pip,
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        **(extra or {}),
    }


def peak_pss_mb(proc: subprocess.Popen) -> tuple[str, float, float]:
    """Wait for ``proc``; its output, the peak PSS of its whole process tree (MB), seconds."""
    peak, started, done = [0.0], time.monotonic(), threading.Event()

    def sample() -> None:
        while not done.is_set():
            total = 0
            for pid in _tree(proc.pid):
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                except (OSError, ValueError):
                    pass
            peak[0] = max(peak[0], total / 1024)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate(timeout=1800)
    done.set()
    sampler.join()
    return output, round(peak[0]), round(time.monotonic() - started, 1)


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


@pytest.fixture(scope="module")
def container(mlp_build):
    """A copy of the jammy root with the zip unpacked and setup.sh run in it."""
    pristine = jammy_root()
    work = Path("/var/tmp/kit-container")
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir()
    root = work / "root"
    subprocess.run(["cp", "-a", str(pristine), str(root)], check=True)
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    if os.environ.get("PIP_CERT"):  # the machine's pip settings: its certificate authorities
        shutil.copyfile(os.environ["PIP_CERT"], root / "etc" / "kit-host-ca.crt")
    # a final CPython 3.11 where the standalone build would go (see the module's docstring)
    python = root / "opt" / "py311"
    (python / "bin").mkdir(parents=True)
    shutil.copy2(os.path.realpath("/usr/bin/python3.11"), python / "bin" / "python3.11")
    shutil.copytree("/usr/lib/python3.11", python / "lib" / "python3.11", symlinks=True)
    if os.path.isdir("/usr/share/python-wheels"):
        shutil.copytree("/usr/share/python-wheels", root / "usr/share/python-wheels")
    source = root / "autograder" / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(mlp_build / "autograder" / "mlp-autograder.zip") as archive:
        archive.extractall(source)
    for script in ("setup.sh", "run_autograder"):  # as unzip leaves them
        (source / script).chmod(0o755)
    for sub in ("submission", "results"):
        (root / "autograder" / sub).mkdir()
    env = container_env({"KIT_PYTHON": "/opt/py311/bin/python3.11"})
    proc = enter(root, "bash /autograder/source/setup.sh", env=env, timeout=3600)
    output, _, seconds = peak_pss_mb(proc)
    print(f"\nsetup.sh in jammy: {seconds} s")
    assert proc.returncode == 0 and "Python 3.11" in output, output[-3000:]
    yield root, output
    subprocess.run(["rm", "-rf", str(work)], check=False)


def grade_in(root: Path, notebook: Path, isolation: str = "") -> tuple[dict | None, str, int]:
    submission = root / "autograder" / "submission"
    shutil.rmtree(submission)
    submission.mkdir()
    shutil.copyfile(notebook, submission / notebook.name)
    (root / "autograder" / "results" / "results.json").unlink(missing_ok=True)
    env = container_env({"KIT_ISOLATION": isolation} if isolation else {})
    proc = enter(root, "/autograder/source/run_autograder", env=env, timeout=1800)
    output, peak, seconds = peak_pss_mb(proc)
    print(f"\n{notebook.name} ({isolation or 'probed'}): peak PSS {peak} MB, {seconds} s")
    results = root / "autograder" / "results" / "results.json"
    return (json.loads(results.read_text()) if results.exists() else None), output, proc.returncode


def test_setup_uses_jammys_packages_and_refuses_nothing_it_needs(container):
    root, output = container
    assert "dataset-fashion-mnist" in output  # from apt, not downloaded
    version = subprocess.run(["chroot", str(root), "bwrap", "--version"],
                             capture_output=True, text=True).stdout  # fmt: skip
    assert version.startswith("bubblewrap 0.6"), version
    rc = subprocess.run(["bash", "-c", f"grep -c . {root}/etc/os-release"], capture_output=True)
    assert rc.returncode == 0


def test_correct_and_buggy_notebooks_in_jammy_without_cap_sys_admin(container):
    root, _ = container
    spec = load_config().assignment("mlp")
    auto = sum(p for q, p in spec.points.items() if q not in spec.manual)
    correct, output, code = grade_in(root, SUBMISSIONS / "mlp" / "correct_functional.ipynb")
    assert code == 0 and correct is not None, output[-3000:]
    assert correct["score"] == auto, correct["output"][:3000]
    assert correct["output"].splitlines()[0].startswith("isolation: user")
    text = json.dumps(correct)
    assert "/tmp/kit-" not in text and "/autograder/" not in text and "Command '[" not in text
    buggy, output, code = grade_in(root, SUBMISSIONS / "mlp" / "wrong_sizes.ipynb")
    assert code == 0 and buggy["score"] == expected_results("mlp")["wrong_sizes"]["total"]


def test_a_broken_sandbox_publishes_no_score(container):
    root, _ = container
    results, output, code = grade_in(
        root, SUBMISSIONS / "mlp" / "correct_functional.ipynb", isolation="strong"
    )
    assert code != 0 and results is None, output[-2000:]
    assert "could not grade" in output


if __name__ == "__main__":  # the root alone: python tests/assign/test_gradescope_container.py
    print(jammy_root(), file=sys.stderr)
