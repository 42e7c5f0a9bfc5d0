"""Regenerate the fixture submissions from the built solution notebook.

Each fixture is the solution as a student would hand it in (otter's markers removed) with one
deliberate change. Their exact expected scores live in ``expected.toml`` beside them and were
checked by hand against the change: re-run this after changing ``solutions/mlp.ipynb`` and
review the score differences rather than copying them.

    .venv/bin/python tests/submissions/make_fixtures.py
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from autograder import paths  # noqa: E402
from autograder.config import load_config  # noqa: E402

OTTER_LOG_MARKER = "/tmp/kit-otter-log-was-unpickled"
MARKER = re.compile(r"\s*# (BEGIN |END )?SOLUTION\b.*$")

FUNCTIONAL_MODEL = """inputs = keras.Input(shape=(28, 28), name="image")
x = keras.layers.Flatten(name="pixels")(inputs)
for i, units in enumerate([300, 100]):
    x = keras.layers.Dense(units, activation="relu", name=f"hidden_{i}")(x)
outputs = keras.layers.Dense(10, activation=tf.nn.softmax, name="classes")(x)
model = keras.Model(inputs, outputs)

model_list = keras.models.Sequential([
    keras.layers.InputLayer(input_shape=(28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(300, activation="relu"),
    keras.layers.Dense(100, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.summary()"""

MLP_FIXTURES = {
    # name: list of (old, new) replacements applied to code cells
    "correct_functional": [
        (
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
            "drill_params = 100 * 20 + 20 + 20 * 3 + 3",
        ),
        (
            "return f(np.dot(w, x) + theta)",
            "z = sum(wi * xi for wi, xi in zip(w, x)) + theta\n    return f(z)",
        ),
        ("REPLACE_MODEL_CELL", FUNCTIONAL_MODEL),
        ("hidden1 = model.layers[1]", 'hidden1 = model.get_layer("hidden_0")'),
        (
            'model.compile(loss="sparse_categorical_crossentropy",',
            "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(),",
        ),
        ("y_pred = np.argmax(y_proba, axis=1)", "y_pred = y_proba.argmax(axis=-1)"),
    ],
    "no_softmax": [
        ('keras.layers.Dense(10, activation="softmax")', "keras.layers.Dense(10)"),
    ],
    "wrong_loss": [
        (
            'model.compile(loss="sparse_categorical_crossentropy",',
            'model.compile(loss="categorical_crossentropy",',
        ),
    ],
    "wrong_sizes": [
        ("Dense(300,", "Dense(200,"),
        ("Dense(100,", "Dense(50,"),
        ("for units in [300, 100]:", "for units in [200, 50]:"),
    ],
    "unnormalised": [
        (
            "X_valid, X_train = X_train_full[:5000] / 255., X_train_full[5000:] / 255.",
            "X_valid, X_train = X_train_full[:5000], X_train_full[5000:]",
        ),
        ("X_test = X_test / 255.", "X_test = X_test"),
    ],
    "wrong_split": [
        (
            "X_valid, X_train = X_train_full[:5000] / 255., X_train_full[5000:] / 255.",
            "X_valid, X_train = X_train_full[-5000:] / 255., X_train_full[:-5000] / 255.",
        ),
        (
            "y_valid, y_train = y_train_full[:5000], y_train_full[5000:]",
            "y_valid, y_train = y_train_full[-5000:], y_train_full[:-5000]",
        ),
    ],
}


# Code that replaces the drill cell: it earns the drill point only if the attack works.
READ_TESTS = """import glob, os
from autograder import paths  # the kit is importable in the sandbox; its secrets are not
found = []
for folder in [paths.BUILD_DIR, paths.SOLUTIONS_DIR, paths.REPO_ROOT / "reference", paths.REPO_ROOT / "tests"]:
    found += glob.glob(str(folder) + "/**/*.py", recursive=True)
    found += glob.glob(str(folder) + "/**/*.ipynb", recursive=True)
for path in found:
    try:
        with open(path, "a") as fh:  # try to rewrite the hidden tests too
            fh.write("\\nassert False\\n")
    except OSError:
        pass
drill_params = 2083 if any("q_drill_params" in p for p in found) else 0"""

NETWORK = """import socket
try:
    with socket.create_connection(("127.0.0.1", 47123), timeout=3) as conn:
        drill_params = int(conn.recv(16))
except OSError:
    drill_params = 0"""

PATCH_GRADER = """import sys, pickle
del sys.modules["otter"]
import otter.test_files.exception_test as exception_test
from otter.test_files.abstract_test import TestFile
exception_test.ExceptionTestFile.run = lambda self, env: None
TestFile.score = property(lambda self: 100.0)
TestFile.passed_all = property(lambda self: True)
pickle.dump = lambda *a, **k: None
drill_params = 0"""

FORGE_RESULTS = """import json, os
os.makedirs("response", exist_ok=True)
forged = {"values": {"drill_params": 2083}, "calls": {}, "cells": []}
json.dump(forged, open("response/response.json", "w"))
for folder in ["..", "../..", "/tmp", os.path.expanduser("~")]:
    try:
        with open(os.path.join(folder, "results.json"), "w") as fh:
            json.dump({"score": 100, "tests": []}, fh)
    except OSError:
        pass
drill_params = 0"""

FAKE_MODEL = '''class FakeModel:
    """Looks like the lecture's model to a count-only test."""
    layers = []
    input_shape = (None, 28, 28)
    output_shape = (None, 10)
    def count_params(self):
        return 266610
    def summary(self):
        print("Total params: 266,610")
model = FakeModel()
model_list = FakeModel()'''

ADVERSARIAL = {
    # name: edits on the correct notebook; expected results are in adversarial/expected.toml
    "infinite_loop": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", "while True:\n    pass")],
    "sleep_forever": [
        ("drill_params = (100 + 1) * 20 + (20 + 1) * 3", "import time\ntime.sleep(10**6)")
    ],
    "memory_bomb": [
        (
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
            "blocks = []\nwhile True:\n    blocks.append(np.ones(10**8))",
        )
    ],
    "os_exit": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", "import os\nos._exit(0)")],
    "sys_exit": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", "import sys\nsys.exit(0)")],
    "patch_grader": [
        ("drill_params = (100 + 1) * 20 + (20 + 1) * 3", PATCH_GRADER),
        ("Dense(300,", "Dense(200,"),
        ("Dense(100,", "Dense(50,"),
        ("for units in [300, 100]:", "for units in [200, 50]:"),
    ],
    "read_tests": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", READ_TESTS)],
    "network": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", NETWORK)],
    "forge_results": [("drill_params = (100 + 1) * 20 + (20 + 1) * 3", FORGE_RESULTS)],
    "fake_model": [("REPLACE_MODEL_CELL", FAKE_MODEL)],
}


def as_submitted(solution: dict) -> dict:
    notebook = json.loads(json.dumps(solution))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines = [MARKER.sub("", line) for line in source.split("\n")]
            cell["source"] = "\n".join(line for line in lines if line.strip() or not source)
    return notebook


def apply(notebook: dict, edits: list[tuple[str, str]]) -> dict:
    notebook = json.loads(json.dumps(notebook))
    for old, new in edits:
        hits = 0
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            if old == "REPLACE_MODEL_CELL":
                if cell["source"].startswith("model = keras.models.Sequential()"):
                    cell["source"], hits = new, hits + 1
            elif old in cell["source"]:
                cell["source"], hits = cell["source"].replace(old, new), hits + 1
        if not hits:
            raise SystemExit(f"fixture edit not applicable: {old!r}")
    return notebook


def write_notebook(path: Path, notebook: dict) -> None:
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True) + "\n")
    print("wrote", path.relative_to(HERE))


def otter_log_zip(path: Path, notebook: dict) -> None:
    """An otter export zip whose .OTTER_LOG is a pickle that would create MARKER if unpickled."""
    import pickle
    import zipfile

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {OTTER_LOG_MARKER}",))

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in (
            ("mlp.ipynb", json.dumps(notebook)),
            (".OTTER_LOG", pickle.dumps(Payload())),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    print("wrote", path.relative_to(HERE))


def main() -> None:
    term = load_config().course.term
    solution = json.loads((paths.BUILD_DIR / term / "mlp" / "autograder" / "mlp.ipynb").read_text())
    submitted = as_submitted(solution)
    for name, edits in MLP_FIXTURES.items():
        write_notebook(HERE / "mlp" / f"{name}.ipynb", apply(submitted, edits))
    adversarial = HERE / "adversarial"
    for name, edits in ADVERSARIAL.items():
        write_notebook(adversarial / f"{name}.ipynb", apply(submitted, edits))
    otter_log_zip(adversarial / "otter_log.zip", submitted)
    (adversarial / "corrupt_json.ipynb").write_text(json.dumps(submitted)[:5000])
    other = json.loads(json.dumps(submitted))
    other["metadata"]["kit"]["assignment"] = "word2vec"
    write_notebook(adversarial / "other_assignment.ipynb", other)
    (adversarial / "empty.ipynb").write_text("")


if __name__ == "__main__":
    main()
