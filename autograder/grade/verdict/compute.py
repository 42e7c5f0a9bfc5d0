"""How much compute the grader spends training its budgeted copy of a student's model.

Every size bound can hold while the compute does not: ``Reshape((784, 1))`` then two
``Dense(784)`` has 0.6 M parameters but costs about 1 GFLOP per image, which would keep the
trusted verdict training for many minutes. Two bounds, both checked before and during the
budgeted training (``checks.train_under_budget`` calls ``check_training`` once per copy):

- compute: the model's forward FLOPs per example, estimated from its built layers (kernel sizes
  times where each is applied), may be at most ``FACTOR`` times the reference model's, a figure
  the build records from ``reference/`` with the term's parameters (``write_reference``);
- time: the budgeted training of one verdict may take at most ``TRAIN_SHARE`` of the
  submission's configured limit (``KIT_TRAIN_SECONDS``, set by the host); past it the training
  in progress is stopped and its check fails.

Either refusal is an ``AssertionError`` in the student's terms, so it costs only the checks that
need the budgeted copy (the accuracy thresholds), never the submission.
"""

from __future__ import annotations

import json
import math
import os
import signal
import time
from pathlib import Path
from typing import Any

FACTOR = 20  # a copy may cost this many times the reference model's FLOPs per example
TRAIN_SHARE = 0.5  # of the submission's time limit, for all budgeted training of one verdict
REFERENCE_FILE = "compute.json"  # in the build's plan folder
REFERENCE_ENV = "KIT_REFERENCE_FLOPS"
SECONDS_ENV = "KIT_TRAIN_SECONDS"

_started: float | None = None  # first budgeted training of this process (one verdict)
_expired = False


# --------------------------------------------------------------------------- estimate


def flops_per_example(model: Any) -> float:
    """Forward-pass FLOPs for one example (a multiply-add is 2), from the built layers."""
    return float(sum(_layer_flops(layer) for layer in _leaf_layers(model)))


def _leaf_layers(model: Any) -> list[Any]:
    layers = []
    for layer in getattr(model, "layers", []):
        if hasattr(layer, "layers") and getattr(layer, "layers", None) is not None:
            layers.extend(_leaf_layers(layer))  # a nested Sequential or Model
        else:
            layers.append(layer)
    return layers


def _shapes(layer: Any, which: str) -> list[tuple]:
    """The layer's input or output shapes (one per tensor), [] when unknown."""
    try:
        shape = getattr(layer, f"{which}_shape")
    except (AttributeError, RuntimeError, ValueError):
        return []
    if isinstance(shape, (tuple, list)) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    return [tuple(shape)] if isinstance(shape, (tuple, list)) else []


def _size(shape: tuple) -> int:
    """Elements per example (the batch dimension left out; unknown dimensions count 1)."""
    return math.prod(int(d) if isinstance(d, int) and d > 0 else 1 for d in shape[1:])


def _positions(shape: tuple) -> int:
    """Where a kernel acting on the last axis is applied: every position but that axis."""
    return _size(shape[:-1]) if len(shape) > 2 else 1


def _layer_flops(layer: Any) -> float:
    kind = type(layer).__name__
    inputs, outputs = _shapes(layer, "input"), _shapes(layer, "output")
    moved = sum(_size(s) for s in inputs) + sum(_size(s) for s in outputs)  # elementwise work
    kernels = [w for w in getattr(layer, "weights", []) if len(getattr(w, "shape", ())) >= 2]
    kernel_size = sum(math.prod(int(d) for d in w.shape) for w in kernels)
    if not kernels or kind == "Embedding":
        return float(moved)  # activations, pooling, reshapes, lookups
    if kind in ("Dense", "EinsumDense"):
        where = max([_positions(s) for s in inputs] or [1])
    elif "RNN" in kind or kind in ("LSTM", "GRU", "Bidirectional", "ConvLSTM2D"):
        where = max([int(s[1]) for s in inputs if len(s) > 2 and isinstance(s[1], int)] or [1])
    else:  # convolutions and anything else with a kernel: every position in or out
        where = max([_positions(s) for s in [*inputs, *outputs]] or [1])
    return 2.0 * kernel_size * where + moved


# --------------------------------------------------------------------------- the bound


def write_reference(plan_dir: Path, model: Any) -> None:
    """At build time: the reference model's FLOPs per example, for the verdict's bound."""
    record = {"reference_flops_per_example": flops_per_example(model), "factor": FACTOR}
    (Path(plan_dir) / REFERENCE_FILE).write_text(json.dumps(record, indent=1) + "\n")


def read_reference(plan_dir: Path) -> float | None:
    """The build's reference figure (None when the build recorded none)."""
    try:
        record = json.loads((Path(plan_dir) / REFERENCE_FILE).read_text())
        value = float(record["reference_flops_per_example"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def _env_number(name: str) -> float | None:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def check_training(model: Any) -> None:
    """Before the grader trains a budgeted copy of ``model``: refuse one beyond the compute
    bound, and arm the time share (the first call starts its clock)."""
    reference = _env_number(REFERENCE_ENV)
    if reference is not None:
        needed, bound = flops_per_example(model), FACTOR * reference
        if needed > bound:
            raise AssertionError(
                f"your model needs about {_mflops(needed)} MFLOPs per example; the grader trains "
                f"copies of models up to {_mflops(bound)} MFLOPs per example ({FACTOR} times the "
                "course's model), so it did not train this one"
            )
    _arm(_env_number(SECONDS_ENV))


def _mflops(flops: float) -> str:
    return f"{flops / 1e6:,.1f}"


def _arm(seconds: float | None) -> None:
    global _started
    if seconds is None:
        return
    now = time.monotonic()
    _started = now if _started is None else _started
    left = seconds - (now - _started)
    if _expired or left <= 0:
        raise AssertionError(_overrun_message(seconds))
    signal.signal(signal.SIGALRM, lambda _sig, frame: _on_alarm(frame, seconds))
    signal.setitimer(signal.ITIMER_REAL, left)


def _on_alarm(frame: Any, seconds: float) -> None:
    """Past the share: stop the budgeted training in progress (its check fails); outside one,
    only the next budgeted training is refused."""
    global _expired
    _expired = True
    while frame is not None:
        if frame.f_code.co_name == "train_under_budget":
            raise AssertionError(_overrun_message(seconds))
        frame = frame.f_back


def _overrun_message(seconds: float) -> str:
    return (
        f"training the grader's copy of your model took longer than the {seconds:g} s the "
        "grader gives it, so it was stopped: a model this slow to train cannot be judged "
        "within the budget"
    )
