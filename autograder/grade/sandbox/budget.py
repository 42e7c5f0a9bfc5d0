"""The grading budget inside the sandbox: caps on training, a fixed seed.

Runs in the untrusted process before the first cell; it decides nothing and knows no answer.
"""

from __future__ import annotations

import json
from pathlib import Path


def apply_budget(budget: dict) -> None:
    """Cap training in this process: epochs and samples per fit, train_on_batch calls; seed."""
    import numpy as np
    import tensorflow as tf
    from tensorflow import keras

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if budget.get("seed") is not None:
        keras.utils.set_random_seed(int(budget["seed"]))

    model_class = keras.Model
    original_fit = model_class.fit
    original_train_on_batch = model_class.train_on_batch
    max_epochs = int(budget.get("max_epochs") or 0)
    max_samples = int(budget.get("max_train_samples") or 0)
    max_batches = int(budget.get("max_train_batches") or 0)
    batches: dict[int, list] = {}  # per model: [calls trained, last loss]

    def fit(self, x=None, y=None, *args, **kwargs):
        args = list(args)  # fit(x, y, batch_size, epochs, verbose, ...) may come positionally
        if max_epochs:
            if len(args) >= 2:
                args[1] = epochs = min(int(args[1]), max_epochs)
            else:
                kwargs["epochs"] = epochs = min(int(kwargs.get("epochs", 1)), max_epochs)
            if "initial_epoch" in kwargs:
                kwargs["initial_epoch"] = min(int(kwargs["initial_epoch"]), epochs - 1)
        if max_samples and isinstance(x, np.ndarray) and len(x) > max_samples:
            x = x[:max_samples]
            if isinstance(y, np.ndarray):
                y = y[:max_samples]
        if len(args) >= 3:
            args[2] = 0
        else:
            kwargs["verbose"] = 0
        return original_fit(self, x, y, *args, **kwargs)

    def train_on_batch(self, *args, **kwargs):
        done = batches.setdefault(id(self), [0, 0.0])
        if max_batches and done[0] >= max_batches:
            return done[1]  # over budget: the loop goes on, the model no longer trains
        done[0] += 1
        done[1] = original_train_on_batch(self, *args, **kwargs)
        return done[1]

    model_class.fit = fit
    model_class.train_on_batch = train_on_batch


def write_budget_sitecustomize(folder: Path, budget: dict) -> Path:
    """A sitecustomize.py that applies the budget in any Python started with folder on
    PYTHONPATH: how the budget reaches processes the kit does not start itself (otter run)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import os\n"
        'os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")\n'
        "from autograder.grade.sandbox.budget import apply_budget\n"
        f"apply_budget({json.dumps(budget)})\n",
        encoding="utf-8",
    )
    return folder
