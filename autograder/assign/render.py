"""Fill a master notebook's ``{{ ... }}`` placeholders with the term's values (Jinja2, strict),
then turn its rubric's weights into points (``rubric``)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import nbformat

from autograder.assign.rubric import RubricError, apply_rubric


def render_master(master: Path, context: dict, out: Path) -> Path:
    """Render every cell; an unknown placeholder stops the build with the cell it is in."""
    notebook = nbformat.read(master, as_version=4)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    for index, cell in enumerate(notebook.cells):
        try:
            cell.source = env.from_string(cell.source).render(**context)
        except jinja2.TemplateError as exc:
            raise ValueError(f"{master.name}, cell {index + 1}: {exc}") from None
    try:
        apply_rubric(notebook.cells, master.name)
    except RubricError as exc:
        raise ValueError(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out)
    return out
