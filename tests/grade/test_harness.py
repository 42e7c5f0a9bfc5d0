"""The grading budget inside the sandbox, checked in a child process (it patches Keras globally)."""

from __future__ import annotations

import json
import subprocess
import sys

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
print(json.dumps(out))
"""


def test_budget_caps_fit_and_train_on_batch_however_they_are_called():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["keyword"] == 2 and out["positional"] == 2 and out["default"] == 1
    assert out["steps"] == 4  # 40 samples in batches of 10
    assert out["a_trained"] and out["a_frozen_after_budget"] and out["b_has_its_own_budget"]
