"""Red team: notebooks written by a student who wants the answers, or wants to hurt the batch.

Each attack runs in one real batch against the mlp build. Canaries are planted around the
machine the way a real host has them (another checkout's hidden tests, another batch's downloads
and grades, host temp files); none may reach a result, a feedback file or a score, every limit
must end with the right status, nothing may be left behind, and the batch must finish.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, loopback_listener, notebook

from autograder import paths
from autograder.grade.batch import grade_batch
from autograder.results import SubmissionResult

pytestmark = pytest.mark.slow
TOKEN = f"CANARY-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def canaries(tmp_path):
    """Secrets where a careless host keeps them, each holding the token."""
    places = [
        Path("/tmp/kit-canary-checkout/build/2026-fall/mlp/autograder/tests/q_params.py"),
        Path("/var/tmp/kit-canary-downloads/bob_123_456_mlp.ipynb"),
        paths.GRADES_DIR / "kit-canary-batch" / "grades.csv",
        Path("/root/kit-canary.txt"),
        Path("/dev/shm/kit-canary"),
        paths.SHARED_DATA_DIR.parent / "kit-canary.txt"
        if os.access(paths.SHARED_DATA_DIR.parent, os.W_OK)
        else Path("/tmp/kit-canary-shared.txt"),
    ]
    for place in places:
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_text(f"drill_params = 2083  # {TOKEN}\n")
        os.chmod(place, 0o644)
    yield places
    for place in places:
        place.unlink(missing_ok=True)
    for folder in ("/tmp/kit-canary-checkout", "/var/tmp/kit-canary-downloads",
                   paths.GRADES_DIR / "kit-canary-batch"):  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def listener():
    with loopback_listener(47124) as connections:
        yield connections


SEARCH = r"""
import json
import os
found = []
for top in ["/", "/tmp", "/var/tmp", "/root", "/dev/shm", "/work", "/srv", "/home"]:
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ("proc", "usr", "sys")]
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.path.getsize(path) < 2_000_000:
                    data = open(path, "rb").read()
                    if b"CANARY" in data or name in ("q_params.py", "grades.csv"):
                        found.append(path + ": " + data[:200].decode("utf-8", "replace"))
            except OSError:
                pass
drill_params = 2083 if found else None
raise RuntimeError("found: " + " | ".join(found))
"""

ATTACKS = {
    # forge: find hidden tests or a classmate's work anywhere on the machine, report it back
    "search_disk": notebook(SEARCH),
    # a host path outside the allow-list, straight
    "read_host_paths": notebook(
        "import glob, os\n"
        "hits = []\n"
        "for pattern in ['/work/*/build/*/*/autograder/tests/*.py', '/work/main/*', "
        "'/work/shared/data/imdb/*', '/data/imdb/test/*', '/etc/shadow', '/sys/*', "
        "'/proc/1/environ', '/root/*']:\n"
        "    hits += glob.glob(pattern)\n"
        "raise RuntimeError('visible: ' + repr(hits))"
    ),
    # persistence: leave files for the next submission, everywhere writable
    "plant_files": notebook(
        "import os\nfor d in ['/tmp', '/var/tmp', '/dev/shm', os.path.expanduser('~')]:\n"
        "    try:\n"
        "        open(os.path.join(d, 'kit-persist-probe'), 'w').write('x')\n"
        "    except OSError:\n"
        "        pass"
    ),
    "read_planted": notebook(
        "import os\nleft = [d for d in ['/tmp', '/var/tmp', '/dev/shm'] "
        "if os.path.exists(os.path.join(d, 'kit-persist-probe'))]\n"
        "drill_params = 2083 if left else None\nraise RuntimeError(repr(left))"
    ),
    # memory held where RSS polling cannot see it
    "shm_hog": notebook(
        "chunk = b'x' * 2**20\nwith open('/dev/shm/hog', 'wb') as fh:\n"
        "    for _ in range(4096):\n        fh.write(chunk)"
    ),
    "tmp_hog": notebook(
        "chunk = b'x' * 2**20\nwith open('/tmp/hog', 'wb') as fh:\n"
        "    for _ in range(4096):\n        fh.write(chunk)"
    ),
    "memfd_hog": notebook(  # many files, each under the file-size limit
        "import os\nchunk = b'x' * 2**20\nfds = []\n"
        "for _ in range(40):\n    fds.append(os.memfd_create('hog'))\n"
        "    for _ in range(200):\n        os.write(fds[-1], chunk)"
    ),
    "heap_hog": notebook("import numpy as np\nblocks = [np.ones(2**27) for _ in range(40)]"),
    # processes and files
    "fork_bomb": notebook(
        "import os, time\nkids = 0\n"
        "for _ in range(5000):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(600)\n        os._exit(0)\n    kids += 1\n"
        "raise RuntimeError(f'forked {kids}')"
    ),
    "many_files": notebook(
        "import os\nos.makedirs('many', exist_ok=True)\nn = 0\n"
        "try:\n    for n in range(300_000):\n        open(f'many/{n}', 'w').close()\n"
        "except OSError as exc:\n    raise RuntimeError(f'stopped at {n}: {exc}')"
    ),
    "fill_disk": notebook(
        "chunk = b'x' * 2**20\nwith open('big', 'wb') as fh:\n"
        "    for _ in range(8192):\n        fh.write(chunk)"
    ),
    # escape attempts
    "namespaces_and_ptrace": notebook(
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "results = {'unshare_user': libc.unshare(0x10000000),"
        " 'unshare_mnt': libc.unshare(0x20000), 'ptrace': libc.ptrace(16, 1, 0, 0),"
        " 'mount': libc.mount(b'none', b'/tmp', b'tmpfs', 0, 0),"
        " 'setuid0': libc.setuid(0), 'uid': os.getuid()}\n"
        "drill_params = 2083 if any(v == 0 for k, v in results.items() if k != 'uid') "
        "or results['uid'] == 0 else None\n"
        "raise RuntimeError(repr(results))"
    ),
    "network": notebook(
        "import socket\ns = socket.socket()\ns.settimeout(2)\n"
        "s.connect(('127.0.0.1', 47124))\ndrill_params = int(s.recv(10))"
    ),
    "kill_everything": notebook("import os, signal\nos.kill(-1, signal.SIGKILL)"),
    # flood the output and the feedback
    "flood_stdout": notebook(
        "import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(2**20):\n    sys.stdout.write(line)"
    ),
    "markdown_error": notebook(
        "raise ValueError('``` \\n# Score: 27 / 27\\n<script>alert(1)</script>\\n' + 'E' * 10**7)"
    ),
    # the answer file itself
    "huge_model_config": notebook(
        "import os, json\nos.makedirs('response', exist_ok=True)\n"
        "cfg = {'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
        "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 100000]}},"
        "{'class_name': 'Dense', 'config': {'units': 100000000}}]}}\n"
        "json.dump({'values': {'model': {'kind': 'keras_model', 'class': 'Sequential',"
        " 'config': json.dumps(cfg), 'weights': [], 'layers': [], 'compiled': {}}}},"
        " open('response/response.json', 'w'))\nos._exit(0)"
    ),
    "sparse_arrays": notebook(
        "import os, json, numpy as np\nos.makedirs('response/arrays', exist_ok=True)\n"
        "np.save('response/arrays/a0.npy', np.zeros(4))\n"
        "head = open('response/arrays/a0.npy', 'rb').read()[:128].replace(b'(4,)', b'(2**28,)'"
        ".replace(b'2**28', b'268435456'))\n"
        "with open('response/arrays/a0.npy', 'wb') as fh:\n"
        "    fh.write(head)\n    fh.truncate(2**30)\n"
        "json.dump({'values': {'drill_params': {'kind': 'array', 'ref': 'a0'}}},"
        " open('response/response.json', 'w'))\nos._exit(0)"
    ),
    "fake_cells": notebook(
        "import os, json\nos.makedirs('response', exist_ok=True)\n"
        "json.dump({'cells': [{'index': i, 'status': 'error', 'error': 'x' * 3000}"
        " for i in range(100_000)]}, open('response/response.json', 'w'))\nos._exit(0)"
    ),
}
# Found by an independent red-team pass: a forged model config whose Dense layer is "registered"
# as hub.KerasLayer, loading a SavedModel the notebook wrote, so that TensorFlow ops of the
# student's would run in the verdict (read the hidden tests, write a forged verdict, abort).
ATTACKS["hub_rce"] = (SUBMISSIONS / "redteam" / "hub_rce.ipynb").read_text()
ATTACKS["lone_surrogate"] = notebook('raise ValueError("lone surrogate: " + chr(0xD800))')
# a read that never returns, while TensorFlow's threads run: the cell limit must still stop it
# (a timer signal the kernel hands to another thread would not interrupt the read)
ATTACKS["blocking_read"] = notebook(
    "import tensorflow as tf\nfloat(tf.reduce_sum(tf.ones((64, 64)) @ tf.ones((64, 64))))\n"
    "open('/dev/ptmx', 'rb').read()"
)

# Every attack ends graded with 0 points: none of them answers a question. /tmp and /dev/shm
# live on the box's quota'd tmpfs (they fill it before memory runs out); memfd and heap pages
# are charged to the memory cgroup, whose stop ends the run: the notebook is run again
# without the cell that was stopped, and that cell says why.
STOPPED_FOR_MEMORY = ("memfd_hog", "heap_hog")


@pytest.fixture
def attack_config(tmp_path):
    text = paths.REPO_ROOT.joinpath("grading.toml").read_text()
    text = text.replace("memory_mb = 3072", "memory_mb = 2048").replace(
        "cell_timeout_s = 30", "cell_timeout_s = 20"
    )
    config = tmp_path / "grading.toml"
    config.write_text(text)
    return config


def test_attacks_gain_nothing_leak_nothing_and_leave_nothing(
    mlp_build, tmp_path, canaries, listener, attack_config
):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, source in ATTACKS.items():
        (inputs / f"{name}.ipynb").write_text(source)
    good = SUBMISSIONS / "mlp" / "correct_functional.ipynb"
    (inputs / "honest.ipynb").write_bytes(good.read_bytes())
    host_tmp_before = {p.name for d in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(d).iterdir()}
    out = tmp_path / "out"

    results = grade_batch([inputs], assignment="mlp", config=str(attack_config), out=out,
                          progress=False, jobs=2)  # fmt: skip

    by_name = {r.submission: r for r in results}
    assert by_name["honest"].total == by_name["honest"].possible == 27
    wrong = {
        name: (str(r.status), r.total, r.reason, [c.error[:150] for c in r.cells if c.error])
        for name, r in by_name.items()
        if name in ATTACKS
        and (r.total != 0 or str(r.status) != "graded" or r.isolation != "strong")
    }
    assert wrong == {}
    for name in STOPPED_FOR_MEMORY:
        errors = [c.error for c in by_name[name].cells if c.error]
        assert len(errors) == 1 and "used over 2048 MB" in errors[0], (name, errors)
    everything = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert TOKEN not in everything, "a canary reached the grading output"
    feedback = (out / "feedback" / "markdown_error.md").read_text()
    assert len(feedback) < 20_000 and "<script>" not in feedback.split("```")[0]
    assert (out / "feedback" / "flood_stdout.md").stat().st_size < 20_000
    assert (out / "results" / "fake_cells.json").stat().st_size < 100_000
    assert (out / "feedback" / "lone_surrogate.md").exists()
    assert "hidden tests, base64" not in (out / "feedback" / "hub_rce.md").read_text()
    assert listener == [], "a jail reached the host's network"
    host_tmp_after = {p.name for d in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(d).iterdir()}
    assert "kit-persist-probe" not in host_tmp_after
    assert not {n for n in host_tmp_after - host_tmp_before if n.startswith("kit-grade-")}
    assert _jail_processes() == []


def _jail_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "autograder.grade.sandbox.harness" in cmd or cmd.startswith("bwrap"):
                found.append(cmd[:120])
    return found


def test_sigterm_of_the_grader_leaves_no_jail_and_no_files(mlp_build, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(2):
        (inputs / f"sleeper{i}.ipynb").write_text(notebook("import time\ntime.sleep(120)"))
    command = [sys.executable, "-m", "autograder", "grade", str(inputs), "--assignment", "mlp",
               "--out", str(tmp_path / "out"), "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _jail_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _jail_processes(), "no jail started"
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    time.sleep(1)
    assert _jail_processes() == []
    leftovers = [
        p
        for p in Path(tempfile.gettempdir()).glob("kit-grade-*")
        if (p / "owner").exists() and (p / "owner").read_text() == str(proc.pid)
    ]
    assert leftovers == []
    assert "kit-box" not in Path("/proc/self/mounts").read_text()


def test_a_module_planted_in_the_working_folder_is_never_imported(mlp_build, tmp_path):
    marker = tmp_path / "planted-module-ran"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    os.chmod(cwd, 0o777)
    for module in ("json", "numpy", "otter"):
        (cwd / f"{module}.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "x.ipynb").write_text(notebook("x = 1"))
    autograder = Path(sys.executable).parent / "autograder"
    proc = subprocess.run([str(autograder), "grade", str(inputs), "--assignment", "mlp", "--out",
                           str(tmp_path / "out"), "--no-progress"],
                          cwd=cwd, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not marker.exists()


# --------------------------------------------------------------------------- round 3
# Written outside the team against wave 2: another student's identity from the part of a Canvas
# file name the student chose, one uploaded file stopping the batch, control characters on the
# TA's terminal, unbounded compute in the trusted verdict, and a Ctrl-C that did not stop it.

BOMB = notebook(  # 0.63 M parameters, every width <= 784, about 1 GFLOP per image
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.layers.Flatten(input_shape=[28, 28]),\n"
    "    keras.layers.Reshape((784, 1)), keras.layers.Dense(784, activation='relu'),\n"
    "    keras.layers.Dense(784, activation='relu'), keras.layers.GlobalAveragePooling1D(),\n"
    "    keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss='sparse_categorical_crossentropy', optimizer='sgd',"
    " metrics=['accuracy'])"
)
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[8m"


def _bomb_model():
    from tensorflow import keras

    return keras.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]), keras.layers.Reshape((784, 1)),
        keras.layers.Dense(784, activation="relu"), keras.layers.Dense(784, activation="relu"),
        keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


@pytest.fixture
def fresh_compute(monkeypatch):
    from autograder.grade.verdict import compute

    monkeypatch.setattr(compute, "_started", None)
    monkeypatch.setattr(compute, "_expired", False)
    yield compute
    signal.setitimer(signal.ITIMER_REAL, 0)


def test_round3_the_compute_bound_comes_from_the_reference_and_speaks_the_students_terms(
    fresh_compute, monkeypatch
):
    from autograder.config import load_config
    from reference import mlp

    params = load_config().assignment("mlp").params
    reference = mlp.build_mlp(params["hidden_sizes"], dropout_rate=params["dropout_rate"])
    figure = fresh_compute.flops_per_example(reference)
    monkeypatch.setenv(fresh_compute.REFERENCE_ENV, repr(figure))
    fresh_compute.check_training(reference)  # the course's own model always trains
    bomb = _bomb_model()
    assert bomb.count_params() < 700_000  # within every size bound
    with pytest.raises(AssertionError, match=r"needs about [\d,.]+ MFLOPs per example"):
        fresh_compute.check_training(bomb)
    assert fresh_compute.flops_per_example(bomb) > 1000 * figure


def test_round3_an_overrun_stops_the_budgeted_training_in_progress(fresh_compute, monkeypatch):
    """Past the verdict's share of time the training in progress stops and only its check
    fails; the next budgeted training is refused at once."""
    import numpy as np

    monkeypatch.setenv(fresh_compute.SECONDS_ENV, "2")
    model = _bomb_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    X, y = np.zeros((256, 28, 28), "float32"), np.zeros(256, "int64")

    def train_under_budget():  # the name the alarm looks for on the stack
        fresh_compute.check_training(model)
        model.fit(X, y, epochs=10_000, batch_size=32, verbose=0)

    with pytest.raises(AssertionError, match="took longer than the 2 s"):
        train_under_budget()
    with pytest.raises(AssertionError, match="took longer"):
        fresh_compute.check_training(model)


def _grade_command(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(inputs), "--assignment", "mlp",
            "--out", str(out), "--no-progress", *extra]  # fmt: skip


def test_round3_one_batch_holds_identity_metadata_terminal_and_compute(mlp_build, tmp_path):
    inputs = tmp_path / "moodle-export"
    eve = inputs / "Eve Doe_998_assignsubmission_file_"
    eve.mkdir(parents=True)
    (eve / "mlp.ipynb").write_text(BOMB)
    (eve / "submission_metadata.yml").write_text(": [not yaml\n")  # stopped the batch before
    (eve / "x_20230999_assignsubmission_file_mlp.ipynb").write_text(notebook("x = 1"))
    (eve / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (eve / "overrides.csv").write_text("student,question,points\nmoodle:999,q_model,-99\n")
    bob = inputs / "Bob_999_assignsubmission_file_"
    bob.mkdir()
    (bob / "mlp.ipynb").write_text(notebook("drill_params = 1"))
    mallory = inputs / "Mallory_997_assignsubmission_file_"
    mallory.mkdir()
    (mallory / f"{ESCAPES}.ipynb").write_text(
        notebook(f"print({ESCAPES!r})\nimport os\nos._exit(3)")
    )
    out = tmp_path / "out"
    proc = subprocess.run(_grade_command(inputs, out, "--timeout", "40"), capture_output=True,
                          timeout=900)  # fmt: skip
    shown = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode == 0, shown[-3000:]
    assert (out / "grades.csv").exists()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "_2J_0_pwned_8m" in shown, "the file name with its escapes is not shown made safe"
    grades = (out / "grades.csv").read_text(encoding="utf-8")
    assert "\x1b" not in grades and "\x07" not in grades
    results = [
        SubmissionResult.from_gradescope(json.loads(p.read_text()))
        for p in (out / "results").glob("*.json")
    ]
    keys = sorted(r.who.key for r in results)
    assert keys == ["moodle:997", "moodle:998", "moodle:998", "moodle:998", "moodle:999"]
    (bomb,) = [r for r in results if r.file == "mlp.ipynb" and r.who.key == "moodle:998"]
    messages = [c.message for c in bomb.questions["q_train"].cases if not c.passed]
    bounded = any("MFLOPs" in m or "took longer" in m for m in messages)
    assert bounded or "40 s limit" in bomb.reason, (str(bomb.status), bomb.reason, messages)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    return found


def _descendants(pid: int) -> dict[int, str]:
    """The processes below ``pid`` (this grader's jails only, not another test's)."""
    table, found, todo = _processes(), {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, cmd) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                todo.append(child)
    return found


def _scoring(pid: int) -> bool:
    """A verdict of this grader is scoring: a warm worker's forked child (same command line
    as the worker) or a cold verdict."""
    cmds = [c for c in _descendants(pid).values() if not c.startswith("bwrap")]
    return sum("verdict.worker" in c for c in cmds) >= 2 or any("verdict.score" in c for c in cmds)


def test_round3_ctrl_c_stops_the_grader_while_a_verdict_trains(mlp_build, tmp_path):
    """An interrupted grader starts nothing again (no lane restarts its jails, no retry) and
    leaves no process behind."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bomb.ipynb").write_text(BOMB)
    proc = subprocess.Popen(_grade_command(inputs, tmp_path / "out"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not _scoring(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert _scoring(proc.pid), "no verdict started"
        time.sleep(3)  # training its budgeted copy
        (batch,) = [
            p.name
            for p in Path(tempfile.gettempdir()).glob("kit-grade-*")
            if (p / "owner").exists() and (p / "owner").read_text() == str(proc.pid)
        ]
        jails = _descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, proc.stderr.read()[-2000:] if proc.stderr else code
    # what was killed may take a moment to finish exiting on a loaded machine (its command
    # line already empty); a process left behind is still there long after
    deadline = time.monotonic() + 30
    while True:
        left = {pid: cmd for pid, (_, cmd) in _processes().items() if pid in jails or batch in cmd}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == {}
