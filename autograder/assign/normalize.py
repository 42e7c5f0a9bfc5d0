"""Make generated notebooks and zips byte-for-byte reproducible and free of outputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import nbformat

from autograder.files import ZIP_DATE, atomic_write_bytes, sha256_text

# The handout's first cell (the kit's, in place of otter's): where this Python lacks the student
# package (Colab, a plain Jupyter) it installs the wheel beside the notebook (unpacked from the
# handout zip if only that was uploaded), else the package by name from the index; says so in
# one line and fails loudly. In the grading sandbox `autograder.student` is a stand-in, so the
# import succeeds and nothing is installed there.
INIT_CELL = """\
# Set-up: run this cell first. `grader` checks your answers; where this Python lacks the course's
# checker (Colab, a plain Jupyter), it is installed from the wheel beside this notebook.
import glob, importlib, subprocess, sys, zipfile
try:
    from autograder.student import Notebook
except ImportError:
    _wheels = sorted(glob.glob("{wheel_glob}"))
    if not _wheels:  # only the handout zip is here (Colab's upload): unpack its tests and wheel
        for _zip in glob.glob("{name}-student*.zip")[:1]:
            with zipfile.ZipFile(_zip) as _z:
                _z.extractall(members=[m for m in _z.namelist() if not m.endswith(".ipynb")])
        _wheels = sorted(glob.glob("{wheel_glob}"))
    _source = (_wheels or ["{requirement}"])[-1]
    _pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", _source],
                          capture_output=True, text=True)
    if _pip.returncode:
        raise RuntimeError(f"cannot install the checker from {{_source}}: {{_pip.stderr[-1500:]}}")
    importlib.invalidate_caches()
    from autograder.student import Notebook
    print(f"installed the course's checker from {{_source}}", end="; ")  # then what `grader` has
grader = Notebook("{name}.ipynb")"""


def normalize_notebook(
    path: Path, *, assignment: str, term: str, variant: str, out: Path | None = None
) -> Path:
    """Stable cell ids, no outputs or execution counts, and the kit's tag: assignment, term and
    the variant (fingerprint of the term's parameters) it was generated for."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell.id = sha256_text(f"{assignment}:{index}")[:8]
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata["kit"] = {"assignment": assignment, "term": term, "variant": variant}
    for cell in notebook.cells:  # otter's init cell -> the kit's (names the `...` to fill in)
        if cell.cell_type == "code" and "otter.Notebook(" in cell.source:
            cell.source = init_cell(assignment)
            break
    out = out or path
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out)
    return out


def init_cell(assignment: str) -> str:
    from autograder.handout.wheel import DIST, requirement

    wheel_glob = f"{DIST.replace('-', '_')}-*.whl"
    return INIT_CELL.format(name=assignment, wheel_glob=wheel_glob, requirement=requirement())


def normalize_zip(source: Path, target: Path) -> Path:
    """Rewrite a zip with sorted entries, fixed dates and modes."""
    with zipfile.ZipFile(source) as src:
        entries = sorted(
            (info.filename, src.read(info)) for info in src.infolist() if not info.is_dir()
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = (0o755 if name in ("run_autograder", "setup.sh") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    atomic_write_bytes(target, buffer.getvalue())
    return target
