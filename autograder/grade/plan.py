"""Plan: what the tests will ask of a notebook, and the request one sandbox gets.

At build time each test is dry-run against probes: every parameter name becomes a value to
fetch, and every direct call of a parameter with concrete arguments becomes a call the sandbox
must make. At grading time ``prepare_box`` lays out one sandbox's folder: the notebook's code,
the request (names, inputs, budget) and the data it may read. Only names and inputs go to the
sandbox; the tests and their expected values never do.

    python -m autograder.grade.plan TESTS_DIR PLAN_DIR
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.catalog import AssignmentKit
from autograder.config import Assignment
from autograder.files import sha256_file
from autograder.grade.protocol import (
    ArrayStore,
    Request,
    call_key,
    encode,
    read_json,
    write_json,
)
from autograder.grade.verdict.testfiles import load_test_files

CHECK_CALL = re.compile(r"""grader\.check\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


class _Probe:
    """Absorbs whatever a test does with it; direct calls of a top-level name are recorded."""

    def __init__(self, name: str, recorder: list, top: bool = True, depth: int = 0):
        self._name, self._recorder, self._top, self._depth = name, recorder, top, depth

    def __call__(self, *args, **kwargs):
        if self._top and not _contains_probe(args) and not _contains_probe(kwargs):
            self._recorder.append((self._name, args, kwargs))
        return _Probe(self._name, self._recorder, top=False)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        # `model.predict(x)`: a method of a notebook value is recorded as the call "model.predict"
        top = self._top and self._depth == 0
        return _Probe(f"{self._name}.{attr}", self._recorder, top=top, depth=self._depth + 1)

    def __getitem__(self, key):
        return _Probe(self._name, self._recorder, top=False)

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __bool__(self):
        return True

    def __array__(self, *args, **kwargs):
        raise TypeError("probe")


def _contains_probe(value: Any) -> bool:
    if isinstance(value, _Probe):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_probe(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_probe(v) for v in value.values())
    return False


def make_plan(tests_dir: Path) -> tuple[dict, ArrayStore]:
    """Names to fetch and calls to make, with their argument arrays."""
    fetch: set[str] = set()
    recorded: list = []
    questions = {}
    for test_file in load_test_files(tests_dir):
        names = set()
        for case in test_file.test_cases:
            params = list(inspect.signature(case.body.test_func).parameters)
            names.update(p for p in params if p != "env")
            probes = {p: _Probe(p, recorded) for p in params}
            try:
                case.body.call_func(probes)
            except BaseException:  # a dry run is expected to fail part-way
                pass
        questions[test_file.name] = sorted(names)
        fetch |= names
    store = ArrayStore()
    calls, seen = [], set()
    for function, args, kwargs in recorded:
        if '"array_digest"' in json.dumps(encode([list(args), kwargs], ArrayStore())):
            continue  # too large to send (e.g. a whole test set): the grader computes that itself
        encoded = encode([list(args), kwargs], store)
        key = call_key(function, encoded, store)
        if key not in seen:
            seen.add(key)
            calls.append({"function": function, "args": encoded, "key": key})
    return {"fetch": sorted(fetch), "calls": calls, "questions": questions}, store


def write_plan(tests_dir: Path, plan_dir: Path) -> dict:
    plan, store = make_plan(tests_dir)
    store.folder = plan_dir / "request_arrays"
    store.save()
    write_json(plan_dir / "plan.json", plan)
    return plan


def question_points(autograder_dir: Path, assignment: str) -> dict[str, float]:
    """Each auto-graded question's points, in the order the notebook asks them."""
    points = {f.name: float(f.possible) for f in load_test_files(autograder_dir / "tests")}
    order: list[str] = []
    notebook = autograder_dir / f"{assignment}.ipynb"
    if notebook.exists():
        for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
            source = cell.get("source", "")
            for name in CHECK_CALL.findall("".join(source) if isinstance(source, list) else source):
                if name in points and name not in order:
                    order.append(name)
    order += sorted(set(points) - set(order))
    return {name: points[name] for name in order}


@dataclass
class Stopped:
    """What the host had to stop from outside in earlier runs of one notebook, and why: the
    code cells (by index) and the functions the grader called after the last cell."""

    cells: dict[int, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or self.functions)


def prepare_box(
    *,
    box: Path,
    notebook: dict,
    autograder_dir: Path,
    assignment: Assignment,
    timeout_s: float | None = None,
    stopped: Stopped | None = None,
) -> None:
    """The box holds the notebook's code and the request; its data is bound read-only.
    ``timeout_s`` is the run's wall-clock limit (the host enforces it; the harness paces its
    cells by it so that one hung cell leaves time for the rest and the answer). ``stopped``
    names the cells and functions an earlier run of this notebook was stopped in from outside:
    this run replaces them with a recorded failure instead of running them again."""
    code_only = {"cells": [c for c in notebook["cells"] if c["cell_type"] == "code"]}
    (box / "submission.ipynb").write_text(json.dumps(code_only), encoding="utf-8")
    plan_dir = autograder_dir / "plan"
    plan = read_json(plan_dir / "plan.json")
    budget = assignment.budget
    request = Request(
        notebook="submission.ipynb",
        fetch=tuple(plan["fetch"]),
        calls=tuple(plan["calls"]),
        budget={
            "seed": budget.seed,
            "max_epochs": budget.max_epochs,
            "max_train_samples": budget.max_train_samples,
            "max_train_batches": budget.max_train_batches,
        },
        cell_timeout_s=assignment.limits.cell_timeout_s,
        timeout_s=timeout_s or assignment.limits.timeout_s,
        skip_cells={str(i): why for i, why in stopped.cells.items()} if stopped else {},
        skip_functions=dict(stopped.functions) if stopped else {},
    )
    write_json(box / "request.json", request.to_json())
    if (plan_dir / "request_arrays").exists():
        shutil.copytree(plan_dir / "request_arrays", box / "request_arrays")


DATA_ROOT = "/data"
DATA_FOLDERS = {
    "KIT_FASHION_MNIST_DIR": "fashion-mnist",
    "NLTK_DATA": "nltk_data",
    "KIT_IMDB_DIR": "imdb",
    "KIT_TEXT_EMBEDDING_HANDLE": "text-embedding",
}


def data_view(
    kit: AssignmentKit, data_env: dict[str, str], *, home: str, include_hidden: bool
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What a jail sees of the data: read-only binds (host, inside) and variables naming them.

    Only the assignment's own datasets, each at ``/data/NAME``; the sandbox never gets what the
    grader keeps hidden (``kit.hidden_data``), the verdict (``include_hidden``) does. Datasets
    read through ``keras.datasets`` also appear in ``home/.keras/datasets``."""
    hidden = [] if include_hidden else [p.resolve() for p in kit.hidden_data(data_env)]
    binds: list[tuple[str, str]] = []
    env: dict[str, str] = {}
    for variable in dict.fromkeys([*kit.datasets, *kit.keras_datasets]):
        value = data_env.get(variable, "")
        if not value:
            continue
        if not os.path.isdir(value):
            env[variable] = value  # an online handle: the jail has no network anyway
            continue
        inside = f"{DATA_ROOT}/{DATA_FOLDERS.get(variable, variable.lower())}"
        binds += _binds_without(Path(value).resolve(), inside, hidden)
        env[variable] = inside
        if variable in kit.keras_datasets:
            binds.append((str(Path(value).resolve()),
                          f"{home}/.keras/datasets/{kit.keras_datasets[variable]}"))  # fmt: skip
    return binds, env


def _binds_without(host: Path, inside: str, hidden: list[Path]) -> list[tuple[str, str]]:
    """Bind ``host`` at ``inside``, leaving out every hidden path under it (in any form)."""
    if host in hidden:
        return []
    if not any(h.is_relative_to(host) for h in hidden):
        return [(str(host), inside)]
    binds = []
    for child in sorted(host.iterdir()):
        if child.is_symlink():
            continue
        binds += _binds_without(child.resolve(), f"{inside}/{child.name}", hidden)
    return binds


if __name__ == "__main__":
    write_plan(Path(sys.argv[1]), Path(sys.argv[2]))


def build_fingerprint(autograder_dir: Path) -> str:
    """sha256 over the build's tests and plan: a result graded with other tests is stale."""
    import hashlib

    digest = hashlib.sha256()
    for part in ("tests", "plan"):
        for path in sorted((autograder_dir / part).rglob("*")):
            if path.is_file() and not path.is_symlink():  # what a build holds: no links
                digest.update(str(path.relative_to(autograder_dir)).encode() + b"\0")
                digest.update(sha256_file(path).encode() + b"\0")
    return digest.hexdigest()[:16]


def build_stamp(autograder_dir: Path, assignment: str) -> dict[str, str]:
    """The term and variant the build generated its notebooks for (``metadata.kit``)."""
    notebook = autograder_dir / f"{assignment}.ipynb"
    try:
        kit = json.loads(notebook.read_text(encoding="utf-8"))["metadata"].get("kit", {})
    except (OSError, ValueError, KeyError):
        return {}
    return {k: v for k, v in kit.items() if k in ("term", "variant") and isinstance(v, str)}
