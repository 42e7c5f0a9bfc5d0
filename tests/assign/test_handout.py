"""The student handout: what it holds (and never holds), its wheel, and a student's run of it.

``test_a_student_with_only_the_handout`` is the student's side end to end: a fresh virtual
environment with stock TensorFlow, tf-keras, tensorflow-hub and nltk from the package index (no
``.venv``, no checkout on ``sys.path``), the handout unzipped, the notebook run with nbclient. It
takes minutes (the environment is installed from pip's cache), so it runs only when asked:
``KIT_STUDENT_ENV=1 .venv/bin/python -m pytest tests/assign/test_handout.py``
(``KIT_STUDENT_PYTHON=python3.12`` picks another interpreter, and
``KIT_STUDENT_PACKAGES="tensorflow==2.19.0 tf-keras==2.19.0 ..."`` other packages than ``STOCK``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assign.normalize import init_cell
from autograder.handout.leaks import leaks, secrets
from autograder.handout.wheel import DIST, wheel_bytes, wheel_name

WHEEL_FILES = {
    "autograder/__init__.py",
    "autograder/checks.py",
    "autograder/keras3.py",  # Keras 3 models read as tf-keras before grader.check, as in the grader
    "autograder/student.py",
}


def test_the_student_wheel_is_reproducible_and_pip_installs_it(tmp_path):
    data = wheel_bytes()
    assert data == wheel_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        names = wheel.namelist()
        assert {n for n in names if not n.split("/")[0].endswith(".dist-info")} == WHEEL_FILES
        assert names[-1].endswith("/RECORD") and names[:-1] == sorted(names[:-1])
        assert {i.date_time for i in wheel.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        metadata = wheel.read(next(n for n in names if n.endswith("/METADATA"))).decode()
    assert f"Name: {DIST}" in metadata and "Requires-Dist: otter-grader==" in metadata
    (tmp_path / wheel_name()).write_bytes(data)
    target = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--target", str(target), str(tmp_path / wheel_name())],
        capture_output=True, text=True,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr  # pip checks RECORD's hashes and sizes
    probe = (
        "import autograder.checks as c, autograder.keras3 as k, autograder; "
        "print(c.__file__, k.__file__, autograder.__file__)"
    )
    code = f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.count(str(target)) == 3, out.stderr


def test_the_first_cell_installs_the_checker_only_where_it_is_missing():
    cell = init_cell("mlp")
    compile(cell, "first cell", "exec")
    assert f'glob.glob("{DIST.replace("-", "_")}-*.whl")' in cell and "mlp-student*.zip" in cell
    assert f'"{DIST}==' in cell  # by name from the package index when no wheel is beside it
    assert 'm.endswith(".ipynb")' in cell  # unpacking the zip never overwrites the notebook
    assert cell.index("from autograder.student import Notebook") < cell.index("pip")
    assert "raise RuntimeError" in cell and cell.rstrip().endswith('grader = Notebook("mlp.ipynb")')


@pytest.mark.slow
def test_the_handout_holds_only_what_a_student_may_see(assignment_build):
    name, build = assignment_build
    data = (build / f"{name}-student.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as handout:
        names = set(handout.namelist())
    public = {f"tests/{p.name}" for p in (build / "student" / "tests").glob("*.py")}
    assert names == {f"{name}.ipynb", wheel_name(), "README.txt", *public}
    folder = build / "handout"
    assert {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} == names
    assert (folder / f"{name}.ipynb").read_bytes() == (
        build / "student" / f"{name}.ipynb"
    ).read_bytes()

    secret = secrets(build, name, _expected(name))
    hidden = [what for what in secret.values() if what.startswith("hidden test")]
    assert hidden and any(w.startswith("solution line") for w in secret.values())
    assert any(w.startswith("expected value") for w in secret.values())
    assert leaks(data, secret) == []

    # the check can fail: each kind of secret, planted in a copy, is found
    for kind in ("hidden test", "solution line", "expected value"):
        text = next(t for t, what in secret.items() if what.startswith(kind))
        planted = _with_member(data, "README.txt", f"notes\n{text}\n".encode())
        assert any(kind in found for found in leaks(planted, secret)), kind
    solution = (build / "autograder" / f"{name}.ipynb").read_bytes()
    assert leaks(_with_member(data, f"{name}.ipynb", solution), secret)


def _expected(name: str) -> dict:
    from autograder.catalog import kit_for
    from autograder.config import load_config

    cfg = load_config()
    spec = cfg.assignment(name).for_term(cfg.course)
    return kit_for(name).expected(spec, cfg.course)


def _with_member(data: bytes, member: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == member else src.read(info))
    return out.getvalue()


# --------------------------------------------------------------- a student with only the handout

STOCK = ["tensorflow", "tf-keras", "tensorflow-hub", "nltk", "pandas", "matplotlib",
         "ipykernel", "nbclient"]  # fmt: skip
RUNNER = """
import sys
import nbformat
from nbclient import NotebookClient

source, folder, budget, out = sys.argv[1:5]
notebook = nbformat.read(source, as_version=4)
probe = "import importlib.util, json, sys\\n" \\
    "print(json.dumps({'prefix': sys.prefix, 'kit': importlib.util.find_spec('autograder') " \\
    "is not None, 'tensorflow': 'tensorflow' in sys.modules}))"
notebook.cells.insert(0, nbformat.v4.new_code_cell(probe))
if budget:
    notebook.cells.insert(2, nbformat.v4.new_code_cell(open(budget).read()))
NotebookClient(notebook, kernel_name="python3", timeout=900, allow_errors=True,
               resources={"metadata": {"path": folder}}).execute()
nbformat.write(notebook, out)
"""
# only to keep the run short, as the grader's budget does (tests/assign/test_notebook_runs.py)
BUDGET = """
import numpy as np
from tensorflow import keras

_fit, _train_on_batch, _batches = keras.Model.fit, keras.Model.train_on_batch, {{}}

def _capped_fit(self, x=None, y=None, *args, **kwargs):
    kwargs["epochs"], kwargs["verbose"] = min(int(kwargs.get("epochs", 1)), {epochs}), 0
    if isinstance(x, np.ndarray) and len(x) > {samples}:
        x, y = x[:{samples}], y[:{samples}] if isinstance(y, np.ndarray) else y
    return _fit(self, x, y, *args, **kwargs)

def _capped_train_on_batch(self, *args, **kwargs):
    done = _batches.setdefault(id(self), [0, 0.0])
    if done[0] < {batches}:
        done[0], done[1] = done[0] + 1, _train_on_batch(self, *args, **kwargs)
    return done[1]

keras.Model.fit, keras.Model.train_on_batch = _capped_fit, _capped_train_on_batch
keras.utils.set_random_seed({seed})
"""
student_env = pytest.mark.skipif(
    os.environ.get("KIT_STUDENT_ENV") != "1",
    reason="minutes: a fresh environment from the package index (KIT_STUDENT_ENV=1 runs it)",
)


@pytest.fixture(scope="module")
def stock_python(tmp_path_factory) -> Path:
    """A fresh virtual environment with stock packages only: what Colab or a hub image has."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    interpreter = os.environ.get("KIT_STUDENT_PYTHON", "python3.11")
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    packages = os.environ.get("KIT_STUDENT_PACKAGES", "").split() or STOCK  # e.g. Colab's pins
    pip = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", *packages],
                         capture_output=True, text=True, env=_student_env({}))  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-2000:]
    return venv / "bin" / "python"


def _student_env(data: dict[str, str]) -> dict[str, str]:
    """No trace of the kit: no PYTHONPATH, no virtual environment, no Keras mode set."""
    keep = ("HOME", "LANG", "TMPDIR") + tuple(k for k in os.environ if k.startswith("PIP_"))
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return {**env, **data}


def _run(
    python: Path, notebook: Path, folder: Path, out: Path, budget: str = "", **env: str
) -> dict:
    """Run ``notebook`` in ``folder`` on the stock kernel; its cells, executed."""
    from autograder.data.environment import notebook_environment

    (folder.parent / "runner.py").write_text(RUNNER)
    budget_file = folder.parent / "budget.py"
    budget_file.write_text(budget)
    data = {k: v for k, v in notebook_environment().items() if k != "TF_USE_LEGACY_KERAS"}
    proc = subprocess.run(
        [python, folder.parent / "runner.py", notebook, folder, budget_file if budget else "",
         out],
        capture_output=True, text=True, cwd=folder, env={**_student_env(data), **env},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return nbformat.read(out, as_version=4)


def _first_cell_elsewhere(python: Path, build: Path, name: str, tmp_path: Path) -> None:
    """The first cell where the checker is missing and no wheel is beside the notebook: with
    only the handout zip beside it (Colab's upload) it unpacks and installs the zip's wheel, never
    touching the notebook; with neither, it installs the package by name from the index."""
    first = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(init_cell(name))])
    uninstall = [python, "-m", "pip", "uninstall", "-y", "-q", DIST]

    subprocess.run(uninstall, check=True, capture_output=True)
    folder = tmp_path / "colab" / "content"
    folder.mkdir(parents=True)
    nbformat.write(first, folder / f"{name}.ipynb")
    shutil.copyfile(build / f"{name}-student.zip", folder / f"{name}-student (1).zip")
    cells = _run(python, folder / f"{name}.ipynb", folder, tmp_path / "colab.ipynb")["cells"]
    assert f"installed the course's checker from {wheel_name()}; grader ready:" in _text(cells[1])
    assert nbformat.read(folder / f"{name}.ipynb", as_version=4) == first
    assert (folder / "tests").is_dir() and (folder / wheel_name()).is_file()

    subprocess.run(uninstall, check=True, capture_output=True)
    index = tmp_path / "index"  # the instructor uploaded the wheel to the index
    index.mkdir()
    shutil.copyfile(build / "handout" / wheel_name(), index / wheel_name())
    folder = tmp_path / "by-name" / "handout"
    shutil.copytree(build / "student" / "tests", folder / "tests")
    nbformat.write(first, folder / f"{name}.ipynb")
    links = f"{os.environ.get('PIP_FIND_LINKS', '')} {index}".strip()
    cells = _run(python, folder / f"{name}.ipynb", folder, tmp_path / "by-name.ipynb",
                 PIP_FIND_LINKS=links)["cells"]  # fmt: skip
    said = _text(cells[1])
    assert f"installed the course's checker from {DIST}==" in said and "grader ready" in said


def _text(cell: dict) -> str:
    return "".join(str(o.get("data", o.get("text", ""))) for o in cell.get("outputs", []))


def _handout(build: Path, name: str, where: Path) -> Path:
    """The handout unzipped, as a student does."""
    with zipfile.ZipFile(build / f"{name}-student.zip") as handout:
        handout.extractall(where)
    return where


@student_env
@pytest.mark.slow
def test_a_student_with_only_the_handout(assignment_build, stock_python, tmp_path):
    from autograder.config import load_config
    from autograder.grade.batch import grade_batch

    name, build = assignment_build
    python = stock_python
    subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", DIST], capture_output=True)

    # the skeleton: the first cell installs the checker; every public check fails, saying why
    folder = _handout(build, name, tmp_path / "skeleton" / "handout")
    cells = _run(python, folder / f"{name}.ipynb", folder, tmp_path / "skeleton.ipynb")["cells"]
    probe, first = json.loads(_text(cells[0])), cells[1]
    assert probe == {"prefix": str(python.parent.parent), "kit": False, "tensorflow": False}
    said = _text(first)
    assert not [o for o in first["outputs"] if o["output_type"] == "error"], said
    assert f"installed the course's checker from {wheel_name()}" in said, said
    assert "grader ready:" in said and "TF_USE_LEGACY_KERAS=1" in said, said
    checks = [c for c in cells if c["source"].startswith("grader.check(")]
    assert checks and len(checks) == len(list((folder / "tests").glob("*.py")))
    for cell in checks:
        text = _text(cell)
        assert not [o for o in cell["outputs"] if o["output_type"] == "error"], text
        assert "All test cases passed" not in text, cell["source"]
        assert "is not ready to check" in text or "failed" in text, (cell["source"], text)

    # the solution's answers in the handout: every public check passes; export makes the zip
    folder = _handout(build, name, tmp_path / "solution" / "handout")
    shutil.copyfile(build / "autograder" / f"{name}.ipynb", folder / f"{name}.ipynb")
    budget = load_config().assignment(name).budget
    cap = BUDGET.format(
        epochs=budget.max_epochs or 1,
        samples=budget.max_train_samples or 10**9,
        batches=budget.max_train_batches or 10**9,
        seed=budget.seed or 0,
    )
    cells = _run(python, folder / f"{name}.ipynb", folder, tmp_path / "solution.ipynb", cap)
    cells = cells["cells"]
    errors = [(c["source"][:80], o["ename"], o["evalue"][:300]) for c in cells
              for o in c.get("outputs", []) if o["output_type"] == "error"]  # fmt: skip
    assert not errors, errors
    checks = [_text(c) for c in cells if c["source"].startswith("grader.check(")]
    assert checks and all("All test cases passed" in text for text in checks), checks
    exported = sorted(folder.glob(f"{name}_*.zip"))
    assert len(exported) == 1, sorted(p.name for p in folder.iterdir())
    _first_cell_elsewhere(python, build, name, tmp_path)

    # the exported zip grades as the same notebook from the kit's checkout does
    inputs = tmp_path / "submissions"
    inputs.mkdir()
    shutil.copyfile(exported[0], inputs / exported[0].name)
    shutil.copyfile(build / "autograder" / f"{name}.ipynb", inputs / "from_the_kit.ipynb")
    results = grade_batch([inputs], assignment=name, out=tmp_path / "out", progress=False)
    statuses = [(r.submission, r.status.value, r.reason) for r in results]
    assert [s[1] for s in statuses] == ["graded", "graded"], statuses
    scores = [{q: (r.questions[q].score, r.questions[q].possible) for q in r.questions}
              for r in results]  # fmt: skip
    assert scores[0] == scores[1]
