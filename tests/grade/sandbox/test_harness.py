"""The grading budget inside the sandbox, checked in a child process (it patches Keras globally)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = """
import json, numpy as np
from autograder.grade.sandbox.budget import apply_budget
apply_budget({"seed": 1, "max_epochs": 2, "max_train_samples": 40, "max_train_batches": 3})
from tensorflow import keras

def model():
    m = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
    m.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return m

x, y = np.random.rand(100, 4), np.random.randint(0, 3, 100)
out = {}
m = model()
out["keyword"] = len(m.fit(x, y, epochs=30, batch_size=10).history["loss"])
out["positional"] = len(m.fit(x, y, 10, 30, 1).history["loss"])
out["default"] = len(m.fit(x, y).history["loss"])
steps = m.fit(x, y, epochs=1, batch_size=10)
out["steps"] = steps.params["steps"]
a, b = model(), model()
before = [w.copy() for w in a.get_weights()]
for _ in range(3):
    a.train_on_batch(x[:5], y[:5])
trained = [w.copy() for w in a.get_weights()]
for _ in range(5):
    a.train_on_batch(x[:5], y[:5])
same = lambda u, v: all(np.array_equal(p, q) for p, q in zip(u, v, strict=True))
out["a_trained"] = not same(before, trained)
out["a_frozen_after_budget"] = same(trained, a.get_weights())
b_before = [w.copy() for w in b.get_weights()]
b.train_on_batch(x[:5], y[:5])
out["b_has_its_own_budget"] = not same(b_before, b.get_weights())
noted = model()
noted.fit(x, y, 10, 1, validation_data=(x[:20], y[:20]))
from autograder.grade.sandbox import budget as kit_budget
out["fit_log"] = kit_budget.fits_of(noted)
out["fit_log_on_the_object"] = "_kit_fit_log" in noted.__dict__
noted.save("noted.h5")
out["reloaded_fit_log"] = kit_budget.fits_of(keras.models.load_model("noted.h5"))
failed = model()
try:
    failed.fit(x, y[:5])
except Exception:
    pass
out["failed_fit_logged"] = bool(kit_budget._FITS_BY_MODEL.get(id(failed)))
import keras as keras3
k3 = keras3.Sequential([keras3.Input((4,)), keras3.layers.Dense(3, activation="softmax")])
k3.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
out["keras3_epochs"] = len(k3.fit(x, y, epochs=30, verbose=0).history["loss"])
from autograder.grade.sandbox.equivalent import sequential_equivalent
import tensorflow as tf

class InCall(keras.Model):  # activations applied in call(): equivalent to a Sequential
    def __init__(self):
        super().__init__()
        self.flat, self.h = keras.layers.Flatten(), keras.layers.Dense(5)
        self.o = keras.layers.Dense(3)
    def call(self, x):
        return tf.nn.softmax(self.o(tf.nn.relu(self.h(self.flat(x)))))

class Skip(keras.Model):  # a skip connection: no Sequential behaves like it
    def __init__(self):
        super().__init__()
        self.h, self.o = keras.layers.Dense(4), keras.layers.Dense(4)
    def call(self, x):
        return self.o(self.h(x)) + x

in_call = InCall()
in_call.build((None, 2, 2))
in_call.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
twin = sequential_equivalent(in_call)
probe = np.random.rand(6, 2, 2).astype("float32")
out["equivalent_class"] = type(twin).__name__
out["equivalent_same_outputs"] = bool(np.allclose(twin(probe), in_call(probe), atol=1e-6))
out["equivalent_activations"] = [l.get_config().get("activation") for l in twin.layers]
out["equivalent_compiled"] = twin.optimizer is not None
skip = Skip()
skip.build((None, 4))
out["skip_kept"] = sequential_equivalent(skip) is skip
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def budget_run() -> dict:
    """SCRIPT's findings, from one child process (it patches Keras globally)."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_budget_caps_fit_and_train_on_batch_however_they_are_called(budget_run):
    out = budget_run
    assert out["keyword"] == 2 and out["positional"] == 2 and out["default"] == 1
    assert out["steps"] == 4  # 40 samples in batches of 10
    assert out["a_trained"] and out["a_frozen_after_budget"] and out["b_has_its_own_budget"]
    assert out["keras3_epochs"] == 2, "Keras 3, imported after the budget, is capped too"


def test_fit_calls_are_noted_as_plain_data_only_when_they_finish(budget_run):
    out = budget_run
    (record,) = out["fit_log"]
    assert record["labels"]["rows"] == 100 and len(record["labels"]["head"]) == 64
    assert record["validation"]["labels"]["rows"] == 20 and record["validation_split"] == 0.0
    assert out["failed_fit_logged"] is False
    assert not out["fit_log_on_the_object"], (
        "the record is the harness's, not the student's object's"
    )
    assert out["reloaded_fit_log"] == out["fit_log"], "a model saved and loaded back keeps it"


def test_a_subclassed_model_is_sent_as_the_sequential_it_behaves_like(budget_run):
    out = budget_run
    assert out["equivalent_class"] == "Sequential" and out["equivalent_same_outputs"]
    assert out["equivalent_activations"] == [None, "linear", "relu", "linear", "softmax"]
    assert out["equivalent_compiled"]
    assert out["skip_kept"], "a model no Sequential reproduces is sent as it is"


def test_labels_seen_reads_integer_and_one_hot_labels_and_nothing_else():
    import numpy as np

    from autograder.grade.sandbox.budget import labels_seen

    assert labels_seen(np.array([3, 1, 2])) == {"rows": 3, "head": [3, 1, 2]}
    assert labels_seen(np.eye(4)[[2, 0]]) == {"rows": 2, "head": [2, 0]}
    assert labels_seen(np.array(["a", "b"])) is None
    assert labels_seen(None) is None
    assert labels_seen(iter([1, 2])) is None


def test_a_hanging_call_costs_one_wait_and_only_its_own_function(monkeypatch):
    import signal
    import time

    from autograder.grade.protocol import ArrayStore, Request
    from autograder.grade.sandbox import harness

    monkeypatch.setattr(harness, "CALL_TIMEOUT_S", 0.3)
    previous = signal.signal(signal.SIGALRM, harness.DEADLINE.on_signal)

    def hangs(x):
        while x < 0:
            pass
        return x

    calls = [
        {"function": "hangs", "key": f"k{i}", "args": [[v], {}]} for i, v in enumerate((1, -1, -2))
    ]
    calls.append({"function": "double", "key": "k3", "args": [[4], {}]})
    namespace = {"hangs": hangs, "double": lambda x: 2 * x}
    started = time.monotonic()
    try:
        answers = harness.answer(
            Request("n.ipynb", calls=tuple(calls)), namespace, ArrayStore(), ArrayStore(), 30
        )
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5
    got = answers["calls"]
    assert got["k0"] == 1 and got["k3"] == 8
    assert got["k1"]["type"] == "Timeout" and "ran over" in got["k1"]["message"]
    assert got["k2"]["type"] == "Timeout" and "not run" in got["k2"]["message"]


def test_a_cell_that_swallows_its_timeout_is_still_stopped_and_the_next_cell_runs():
    """The deadline repeats its signal: one CellTimeout lost to a bare ``except`` (or raised
    inside a finaliser, where Python only prints it) does not let the cell run on."""
    import signal
    import time

    from autograder.grade.sandbox import harness

    previous = signal.signal(signal.SIGALRM, harness.DEADLINE.on_signal)
    cells = [
        "import time\ntry:\n    time.sleep(60)\nexcept BaseException:\n    pass\ntime.sleep(60)",
        "import time\ntime.sleep(60)",
        "after = 1",
    ]
    namespace: dict = {"__name__": "__main__"}
    started = time.monotonic()
    try:
        report = harness.run_cells(cells, harness.make_shell(namespace), 0.4)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    assert [c["status"] for c in report] == ["timeout", "timeout", "ok"]
    assert namespace["after"] == 1


def test_a_cell_error_points_at_the_students_own_line():
    """Feedback names the student's line and exception, not the library's or the grader's."""
    import signal

    from autograder.grade.sandbox import harness

    previous = signal.signal(signal.SIGALRM, harness.DEADLINE.on_signal)
    cells = [
        "import json\ndef first(items):\n    return items[5]\n\nfirst([1])",
        "json.loads('{')",
        "x = (",
    ]
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():  # one shell per process: the sandbox makes exactly one
        type(InteractiveShell.instance()).clear_instance()
    try:
        report = harness.run_cells(cells, harness.make_shell({"__name__": "__main__"}), 5)
    finally:
        signal.signal(signal.SIGALRM, previous)
    index, decode, syntax = (c["error"] for c in report)
    assert index.startswith("line 3: return items[5]\n") and "IndexError" in index
    assert decode.startswith("line 1: json.loads('{')\n") and "JSONDecodeError" in decode
    assert "SyntaxError" in syntax and "ipython-input" not in syntax
    assert all("/" not in c["error"].split("\n")[-1] for c in report)  # no file paths


def test_a_cell_that_switches_the_alarm_off_costs_only_itself_and_skipped_cells_never_run():
    """The deadline's handler and signal are restored before every cell; a cell an earlier run
    had to be stopped in from outside is reported with the grader's reason and not run."""
    import signal
    import time

    from autograder.grade.sandbox import harness

    previous = signal.signal(signal.SIGALRM, harness.DEADLINE.on_signal)
    cells = [
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)",
        "import time\ntime.sleep(60)",  # stopped although the cell before ignored the alarm
        "raise SystemExit('must not run')",
        "after = 1",
    ]
    namespace: dict = {"__name__": "__main__"}
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        type(InteractiveShell.instance()).clear_instance()
    started = time.monotonic()
    try:
        report = harness.run_cells(
            cells, harness.make_shell(namespace), 0.4, skip={"2": "stopped from outside"}
        )
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    assert [c["status"] for c in report] == ["ok", "timeout", "timeout", "ok"]
    assert report[2]["error"] == "stopped from outside" and namespace["after"] == 1


def test_a_function_stopped_from_outside_is_not_called_again_and_the_call_is_marked(tmp_path):
    from autograder.grade import running
    from autograder.grade.protocol import ArrayStore, Request
    from autograder.grade.sandbox import harness

    assert harness.RUNNING_CALL_FILE == running.RUNNING_CALL_FILE

    def never(x):
        raise AssertionError("a function stopped from outside must not be called again")

    calls = [
        {"function": "never", "key": "k0", "args": [[1], {}]},
        {"function": "double", "key": "k1", "args": [[4], {}]},
    ]
    request = Request.from_json(
        {"notebook": "n.ipynb", "calls": calls, "skip_functions": {"never": "stopped from outside"}}
    )
    namespace = {"never": never, "double": lambda x: 2 * x}
    got = harness.answer(request, namespace, ArrayStore(), ArrayStore(), 30, mark=tmp_path)
    assert got["calls"]["k0"] == {
        "kind": "raised",
        "type": "Timeout",
        "message": "stopped from outside",
    }
    assert got["calls"]["k1"] == 8
    assert running.read_running_call(tmp_path, {"never", "double"}) == "double"
    assert running.read_running_call(tmp_path, {"never"}) is None  # names only a called function
