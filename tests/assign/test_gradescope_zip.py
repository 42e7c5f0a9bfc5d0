"""The Gradescope autograder zip works on its own: unpacked into a tree shaped like
``/autograder``, its ``setup.sh`` installs everything into a fresh virtual environment (which
cannot see the project's .venv), and ``run_autograder`` grades with the kit's sandboxed
pipeline, in the strongest mode a probe finds (named on the first line), or in the ``user``
mode of containers without namespaces; a grader that cannot grade publishes no score.
Expected scores come from grading.toml and the corpus's expected.toml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expected_results, notebook

from autograder.config import load_config

pytestmark = pytest.mark.slow


# A final Python 3.11 every user may run (the user sandbox's notebook runs it as kit-student):
# Debian's, else the one running the tests.
PYTHON = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else sys._base_executable


def clean_env(root: Path) -> dict[str, str]:
    """No virtual environment, no PYTHONPATH, no project on PATH: only the machine's pip
    settings (its package index) and the scratch tree."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    return {
        **env,
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "AUTOGRADER_ROOT": str(root),
        "KIT_PYTHON": PYTHON,  # a plain Python 3.11, not the project's .venv
        "LANG": "C.UTF-8",
    }


@pytest.fixture(scope="module")
def installed(mlp_build):
    """A scratch /autograder with the zip unpacked and its setup.sh run (outside /tmp, which
    the sandbox replaces with its own)."""
    scratch = Path(tempfile.mkdtemp(prefix="kit-gradescope-", dir="/var/tmp"))
    scratch.chmod(0o755)  # as Gradescope's /autograder: the venv is reachable by all
    root = scratch / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(mlp_build / "autograder" / "mlp-autograder.zip") as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], env=clean_env(root), cwd=scratch,
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    yield root
    shutil.rmtree(scratch, ignore_errors=True)


def run_autograder(
    root: Path, notebooks: list[Path | str] | None, *, isolation: str = "", wrap: list[str] = ()
) -> tuple[int, dict | None, str]:
    """Run the zip's run_autograder on ``notebooks`` (paths, or notebook JSON text), the later
    ones newer; its exit code, results.json (None: not written) and output."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for n, item in enumerate(notebooks or []):
        target = submission / (item.name if isinstance(item, Path) else f"attack{n}.ipynb")
        if isinstance(item, Path):
            shutil.copyfile(item, target)
        else:
            target.write_text(item)
        os.utime(target, (1_800_000_000 + n, 1_800_000_000 + n))
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "results.json").unlink(missing_ok=True)
    env = {**clean_env(root), **({"KIT_ISOLATION": isolation} if isolation else {})}
    proc = subprocess.run([*wrap, "bash", str(root / "source" / "run_autograder")], env=env,
                          cwd="/", capture_output=True, text=True, timeout=900)  # fmt: skip
    results = root / "results" / "results.json"
    data = json.loads(results.read_text()) if results.exists() else None
    return proc.returncode, data, proc.stdout + proc.stderr


def _probe_lines(output: str) -> list[str]:
    """Why the run's stronger modes were not used (for the log, with -s)."""
    return [line for line in output.splitlines() if "sandbox was not used" in line]


def auto_points() -> float:
    spec = load_config().assignment("mlp")
    return sum(p for q, p in spec.points.items() if q not in spec.manual)


def no_host_path(data: dict, root: Path) -> None:
    text = json.dumps(data, ensure_ascii=False)
    for marker in (str(root), "/tmp/kit-", "/var/tmp/", "kit-venv", "Command '["):
        assert marker not in text, marker


def test_setup_installs_the_kit_apart_from_the_project(installed):
    where = subprocess.run(
        [str(installed / "kit-venv" / "bin" / "python"), "-c",
         "import autograder, tensorflow, tf_keras, sys; print(autograder.__file__, sys.prefix)"],
        env=clean_env(installed), capture_output=True, text=True, check=True, cwd=installed,
    ).stdout  # fmt: skip
    assert str(installed / "kit-venv") in where and "/work/main" not in where.replace(
        str(installed), ""
    )


def test_correct_and_buggy_notebooks_get_their_scores(installed):
    code, correct, output = run_autograder(
        installed, [SUBMISSIONS / "mlp" / "correct_functional.ipynb"]
    )
    assert code == 0 and correct["score"] == auto_points(), output[-3000:]
    assert all(t["score"] == t["max_score"] for t in correct["tests"])
    # the mode the probe found is named first: strong on this machine (the installed kit,
    # in the environment the jail binds, is masked, so the probe reads nothing private)
    assert correct["output"].splitlines()[0].startswith("isolation: strong")
    print("first run:", correct["output"].splitlines()[0], *_probe_lines(output), sep="\n  ")
    no_host_path(correct, installed)
    code, buggy, output = run_autograder(installed, [SUBMISSIONS / "mlp" / "wrong_sizes.ipynb"])
    assert code == 0 and buggy is not None, output[-3000:]
    print("second run:", buggy["output"].splitlines()[0], *_probe_lines(output), sep="\n  ")
    assert buggy["score"] == expected_results("mlp")["wrong_sizes"]["total"] < auto_points()


def test_user_mode_grades_and_keeps_the_grader_private(installed):
    """Containers without namespaces: the notebook runs as kit-student; of two notebooks the
    newer counts (the buggy one, handed in after the correct one)."""
    code, correct, output = run_autograder(
        installed, [SUBMISSIONS / "mlp" / "correct_functional.ipynb"], isolation="user"
    )
    assert code == 0 and correct["score"] == auto_points(), output[-3000:]
    assert correct["output"].splitlines()[0].startswith("isolation: user")
    assert (installed / "source").stat().st_mode & 0o077 == 0  # root's only
    no_host_path(correct, installed)
    both = [
        SUBMISSIONS / "mlp" / "correct_functional.ipynb",
        SUBMISSIONS / "mlp" / "wrong_sizes.ipynb",
    ]
    code, newest, _ = run_autograder(installed, both, isolation="user")
    assert newest["score"] == expected_results("mlp")["wrong_sizes"]["total"]
    assert "graded the newest: wrong_sizes.ipynb" in newest["output"]


# Three cells: the search (its evidence line stays even when a later cell is stopped from
# outside and the notebook is run again without it), the forgery and plants, the kill.
ATTACK = (
    r"""
import glob, json, os, signal
# the kit's own (TensorFlow's headers have a reference/ folder too: readable, not private)
PRIVATE = ("/site-packages/reference/", "/site-packages/autograder/", "/autograder/source/")
found = []
for top in [TREE, "/autograder", "/root", "/opt"]:
    for root, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            if (name == "grading.toml" or any(p in path for p in PRIVATE)
                    or (name.startswith("q_") and name.endswith(".py"))):
                try:
                    open(path, "rb").read(64)
                    found.append(path)
                except OSError:
                    pass
drill_params = 2083 if found else None
raise RuntimeError("found: " + repr(found[:5]))
""",
    r"""import json, os
forged = {"score": 99, "output": "forged", "tests": []}
for folder in [TREE + "/autograder/results", "/autograder/results"]:
    for name in ("results.json", "results.json.tmp"):
        try:
            json.dump(forged, open(os.path.join(folder, name), "w"))
        except OSError:
            pass
for folder in [os.getcwd(), "/tmp", "/var/tmp", os.path.expanduser("~")]:
    for name in ("numpy.py", "json.py", "sitecustomize.py", "autograder/__init__.py"):
        try:
            os.makedirs(os.path.join(folder, os.path.dirname(name)), exist_ok=True)
            open(os.path.join(folder, name), "w").write("import os; os._exit(3)\n")
        except OSError:
            pass
""",
    r"""import os, signal
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
""",
)


def test_user_mode_red_team(installed):
    """Read the tests, forge the results, plant modules, kill the grader: none of it works.
    (The search covers the Gradescope tree: elsewhere on a shared machine the student user
    reads what is world-readable, as the README says.)"""
    search, *rest = ATTACK
    attack = notebook(f"TREE = {str(installed.parent)!r}\n" + search, *rest)  # this scratch tree
    code, data, output = run_autograder(installed, [attack], isolation="user")
    assert code == 0, output[-2000:]
    scored = [(t.get("name"), t["score"], t.get("output", "")[:300]) for t in data["tests"]
              if t["score"]]  # fmt: skip
    assert data["score"] == 0 and data["output"] != "forged", (data["output"][:2000], scored)
    assert data["extra_data"]["kit"]["status"] == "graded"  # it ran, and its answer was scored
    assert "found: []" in json.dumps(data)  # not one private file was readable


def test_a_grader_that_cannot_grade_publishes_no_score(installed):
    """No sandbox can start (strong required, CAP_SYS_ADMIN dropped): no results.json, exit 1,
    one line for staff."""
    code, data, output = run_autograder(
        installed, [SUBMISSIONS / "mlp" / "correct_functional.ipynb"], isolation="strong",
        wrap=["setpriv", "--bounding-set=-sys_admin", "--"],
    )  # fmt: skip
    assert code != 0 and data is None
    assert "could not grade" in output and "no sandbox runs" in output


def test_an_empty_submission_still_gets_a_results_file(installed):
    code, nothing, _ = run_autograder(installed, None)
    assert code == 0 and nothing["score"] == 0 and "No notebook" in nothing["output"]
