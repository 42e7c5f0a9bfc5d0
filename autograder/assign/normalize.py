"""Make generated notebooks and zips byte-for-byte reproducible and free of outputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import nbformat

from autograder.files import atomic_write_bytes, sha256_text

INIT_CELL = (
    "# Initialize Otter (the kit's: it says which `...` to fill in)\n"
    "from autograder.student import Notebook\n"
    'grader = Notebook("{name}.ipynb")'
)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


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
            cell.source = INIT_CELL.format(name=assignment)
            break
    out = out or path
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out)
    return out


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
