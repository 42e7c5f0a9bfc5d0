"""The warm path: one sandbox template and one verdict worker per lane, a fresh child each time.

What must hold: a forked child is as confined as a cold jail and sees nothing of the submission
before it; grades are the same on both paths; a template that dies costs one retry; forking
after the template's imports is safe for TensorFlow.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import psutil
import pytest
from conftest import SUBMISSIONS, notebook

from autograder import paths
from autograder.grade.batch import grade_batch

pytestmark = pytest.mark.slow

# Each cell reports one group of facts through its error (errors are kept to 500 characters).
FACTS = (
    "import json, os, subprocess\n"
    "status = {l.split(':')[0]: l.split(':', 1)[1].split() for l in open('/proc/self/status')}\n"
    "keys = ('Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs',"
    " 'Seccomp')\n"
    "raise RuntimeError('FACTS' + json.dumps({k: status[k] for k in keys}))",
    "import time\n"
    "subprocess.run(['sh', '-c', '(sleep 0.2 &); true'])  # an orphan, for pid 1 to reap\n"
    "time.sleep(1)\n"
    "processes = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
    "raise RuntimeError('FACTS' + json.dumps({'pid': os.getpid(), 'processes': processes}))",
    "mounts = sorted({line.split()[4] for line in open('/proc/self/mountinfo')})\n"
    "raise RuntimeError('FACTS' + json.dumps({'kit': [m for m in mounts if 'kit' in m]}))",
    "folders = ('/tmp', '/dev/shm', os.path.expanduser('~'))\n"
    "left = [n for f in folders for n in os.listdir(f) if n.startswith('planted')]\n"
    "for folder in folders:\n"
    "    open(os.path.join(folder, 'planted-by-' + NAME), 'w').write('x')\n"
    "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
    "raise RuntimeError('FACTS' + json.dumps({'left': left}))",
)


def _facts(result) -> dict:
    facts: dict = {}
    for cell in result.cells:
        if "FACTS" in cell.error:
            facts.update(json.loads(cell.error[cell.error.rindex("FACTS") + 5 :]))  # after the line
    return facts


def test_children_of_one_template_are_confined_and_see_nothing_of_each_other(mlp_build, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("first", "second", "third"):
        (inputs / f"{name}.ipynb").write_text(notebook(f"NAME = {name!r}", *FACTS))
    results = grade_batch([inputs], assignment="mlp", out=tmp_path / "out", progress=False, jobs=1)
    assert [r.isolation for r in results] == ["strong"] * 3
    for result in results:
        facts = _facts(result)
        assert facts["Uid"] == ["65534"] * 4 and facts["Gid"] == ["65534"] * 4
        assert {facts[k][0] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")} == {
            "0000000000000000"
        }
        assert facts["NoNewPrivs"] == ["1"] and facts["Seccomp"] == ["2"]
        # pid 1 reaps (as bubblewrap's init does on the cold path); the harness is pid 2;
        # no other process: not the orphan (reaped), none of an earlier submission
        assert facts["pid"] == 2 and facts["processes"] == [1, 2], facts["processes"]
        assert facts["kit"] == [], "the template's slot or staging is still mounted"
        assert facts["left"] == [], "files of an earlier submission"


def test_warm_and_cold_paths_give_the_same_grades(mlp_build, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("correct_functional", "wrong_sizes", "bug_evaluate_on_train"):  # (the corpus
        # test grades every fixture on the warm path; these three cover full, partial, hidden)
        (inputs / f"{name}.ipynb").write_bytes((SUBMISSIONS / "mlp" / f"{name}.ipynb").read_bytes())
    (inputs / "hangs.ipynb").write_text(notebook("import time\ntime.sleep(1000)"))
    config = tmp_path / "grading.toml"  # a cell may hang for 15 s, not 30: the same on both paths
    config.write_text(paths.REPO_ROOT.joinpath("grading.toml").read_text().replace(
        "cell_timeout_s = 30", "cell_timeout_s = 15"))  # fmt: skip

    def grades(cold: bool) -> dict:
        out = tmp_path / ("cold" if cold else "warm")
        results = grade_batch([inputs], assignment="mlp", out=out, progress=False, cold=cold,
                              config=str(config))  # fmt: skip
        return {
            r.submission: (
                str(r.status),
                {q.name: q.score for q in r.questions.values()},
                [(c.index, c.status) for c in r.cells],
            )
            for r in results
        }

    warm, cold = grades(cold=False), grades(cold=True)
    assert warm == cold
    assert warm["correct_functional"][1] and all(
        warm["correct_functional"][1][q] > 0 for q in ("q_model", "q_train")
    )


def test_a_template_that_dies_costs_its_submission_one_retry(mlp_build, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "slow.ipynb").write_text(notebook("import time\ntime.sleep(6)\ndrill_params = 1"))
    killed: list[int] = []

    def kill_the_first_template_with_a_child() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for proc in psutil.process_iter(["cmdline"]):
                cmdline = proc.info["cmdline"] or []
                template = cmdline[1:3] == ["-m", "autograder.grade.sandbox.template"]
                if template and proc.children():  # the template (not bwrap), while it runs one
                    proc.kill()
                    killed.append(proc.pid)
                    return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_the_first_template_with_a_child)
    killer.start()
    results = grade_batch([inputs], assignment="mlp", out=tmp_path / "out", progress=False, jobs=1)
    killer.join()
    assert killed, "no template was seen running a submission"
    (result,) = results
    assert str(result.status) == "graded", result.reason
    assert [c.status for c in result.cells] == ["ok"]


FORK_SCRIPT = r"""
import json, os, sys
import numpy as np
from autograder.grade.sandbox import template

assert template.preload() == [], "a preloaded module is missing"
assert template.unsafe_threads() == [], template.unsafe_threads()

def train():
    from tensorflow import keras
    keras.utils.set_random_seed(7)
    x = np.random.default_rng(0).normal(size=(256, 8)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    model = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(8,)),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    return [float(w.sum()) for w in model.get_weights()]

if sys.argv[1] == "fresh":
    print(json.dumps([train()]))
else:
    read, write = os.pipe()
    for _ in range(3):
        if os.fork() == 0:
            os.write(write, (json.dumps(train()) + "\n").encode())
            os._exit(0)
        os.wait()
    os.close(write)
    print(json.dumps([json.loads(line) for line in os.read(read, 1 << 20).decode().splitlines()]))
"""


def test_forking_after_the_templates_imports_trains_exactly_as_a_fresh_process():
    """TensorFlow's thread pools do not survive a fork: the template imports, never runs an
    operation, and every child it forks trains exactly as a fresh process does."""
    from autograder.grade.isolation.jail import jail_environment

    env = {**jail_environment("/tmp", "/tmp", {}), "PATH": "/usr/bin:/bin"}

    def run(how: str) -> list:
        done = subprocess.run([sys.executable, "-c", FORK_SCRIPT, how], env=env, timeout=300,
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    forked, fresh = run("fork"), run("fresh")
    assert len(forked) == 3 and forked[0] == forked[1] == forked[2] == fresh[0]
