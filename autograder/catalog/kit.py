"""The shape of what the kit knows about one assignment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import Assignment, Course


def _nothing_hidden(env: dict[str, str]) -> list[Path]:
    del env
    return []


@dataclass(frozen=True)
class AssignmentKit:
    """Everything assignment-specific outside its master notebook, reference and grading.toml.

    ``expected``: the hidden tests' expected values, from ``reference/`` with the term's params.
    ``datasets``: the data variables (see ``autograder.data.environment``) its notebook reads;
    only these are shown to its sandbox, read-only.
    ``keras_datasets``: datasets the notebook loads through ``keras.datasets``: placed in the
    sandbox's own ``~/.keras/datasets/<folder>``.
    ``hidden_data``: data the grader keeps to itself (never shown to a sandbox in any form).
    ``sample_folders``: folders of ``tests/submissions`` that ``autograder demo`` grades.
    ``reference_model``: the course's model with the term's parameters, for an assignment whose
    checks train budgeted copies: the verdict refuses copies far costlier than it.
    """

    name: str
    expected: Callable[[Assignment, Course], dict]
    datasets: tuple[str, ...] = ()
    keras_datasets: dict[str, str] = field(default_factory=dict)
    hidden_data: Callable[[dict[str, str]], list[Path]] = _nothing_hidden
    sample_folders: tuple[str, ...] = ()
    reference_model: Callable[[Assignment], Any] | None = None
