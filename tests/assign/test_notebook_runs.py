"""The filled-in student notebook runs top to bottom on the kit's Jupyter kernel.

The notebook is the solution in the student's folder (with the public tests beside it), so its
``grader.check`` cells are real otter checks. A first cell applies the grading budget, only to keep
the suite fast; everything else runs exactly as a student would run it.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import paths
from autograder.config import load_config
from autograder.kernel import KERNEL_NAME

pytestmark = pytest.mark.slow


def test_solution_runs_top_to_bottom_in_jupyter(assignment_build, tmp_path):
    name, build = assignment_build
    budget = load_config().assignment(name).budget
    shutil.copytree(paths.ASSIGNMENTS_DIR / name / "tests", tmp_path / "tests")
    notebook = nbformat.read(build / "autograder" / f"{name}.ipynb", as_version=4)
    budget_cell = nbformat.v4.new_code_cell(
        "from autograder.grade.sandbox.budget import apply_budget\n"
        f"apply_budget({json.dumps(budget.__dict__)})"
    )
    notebook.cells.insert(0, budget_cell)
    nbformat.write(notebook, tmp_path / f"{name}.ipynb")  # otter.Notebook(...) reads it
    NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()

    checks = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
            text = "".join(str(o.get("text", "")) for o in cell.outputs)
            assert "oneDNN" not in text and "cuInit" not in text, "TensorFlow noise in a cell"
            if cell.source.startswith("grader.check("):
                checks.append("".join(str(o.get("data", o.get("text", ""))) for o in cell.outputs))
    public = list((paths.ASSIGNMENTS_DIR / name / "tests").glob("*.py"))
    assert len(checks) == len(public)
    assert all("All test cases passed" in text for text in checks), checks
