"""Train the reference MLP the lecture's way and time it; then the grading-budget run.

    python benchmarks/reference_mlp.py [--epochs 30] [--seed 42]

Lecture run: the full 55,000 training images, SGD(lr=0.01, momentum=0.9, nesterov=True),
batch 32, validation on the 5,000 held-out images; the test accuracy is printed next to the
lecture's 0.8837. Budget run: grading.toml's mlp budget (seed, max_epochs, max_train_samples),
the figure the grader's threshold is compared against.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LECTURE_TEST_ACCURACY = 0.8837  # 测试模型: model.evaluate(X_test, y_test) -> 0.8837000131607056
LECTURE_TEST_LOSS = 0.3357  # ... loss: 0.3357


def _epoch_timer():
    from tensorflow import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)
            print(
                f"  epoch {epoch + 1:>3}: {self.seconds[-1]:6.2f} s  "
                f"loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}  "
                f"val_loss {logs['val_loss']:.4f}  val_accuracy {logs['val_accuracy']:.4f}",
                flush=True,
            )

    return EpochTimer()


def run(
    *,
    seed: int,
    epochs: int,
    max_train_samples: int | None,
    hidden_sizes=(300, 100),
    dropout_rate: float = 0.0,
) -> dict:
    from reference.mlp import build_mlp, compile_mlp, load_fashion_mnist, train_mlp
    from reference.seeding import seed_everything

    seed_everything(seed)  # as train_reference_mlp: seed, load, build, compile, fit
    train, valid, test = load_fashion_mnist()
    model = compile_mlp(build_mlp(hidden_sizes, dropout_rate=dropout_rate))
    timer = _epoch_timer()
    start = time.perf_counter()
    train_mlp(
        model,
        train,
        valid,
        epochs=epochs,
        batch_size=32,
        callbacks=[timer],
        max_train_samples=max_train_samples,
    )
    train_s = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(*test, verbose=0)
    return {
        "epoch_s": timer.seconds,
        "train_s": train_s,
        "total_s": time.perf_counter() - start,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "n_train": min(len(train[0]), max_train_samples or len(train[0])),
    }


def _report(title: str, result: dict) -> None:
    seconds = result["epoch_s"]
    print(f"\n{title}")
    print(f"  training images      {result['n_train']:,}")
    print(f"  epochs               {len(seconds)}")
    print(f"  per-epoch seconds    mean {statistics.mean(seconds):.2f}  ", end="")
    print(
        f"median {statistics.median(seconds):.2f}  min {min(seconds):.2f}  max {max(seconds):.2f}"
    )
    print(f"  training time        {result['train_s']:.1f} s (fit, with validation)")
    print(f"  total time           {result['total_s']:.1f} s (fit + test evaluation)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30, help="lecture run epochs (30)")
    parser.add_argument("--seed", type=int, default=42, help="lecture run seed (42)")
    parser.add_argument("--skip-budget", action="store_true", help="only the lecture run")
    args = parser.parse_args(argv)

    import tensorflow as tf

    print(
        f"TensorFlow {tf.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, GPUs: {len(tf.config.list_physical_devices('GPU'))}"
    )

    print(f"\nLecture run: {args.epochs} epochs, seed {args.seed}, full training set", flush=True)
    lecture = run(seed=args.seed, epochs=args.epochs, max_train_samples=None)
    _report("Lecture run", lecture)
    print(
        f"  test accuracy        {lecture['test_accuracy']:.4f}   "
        f"(lecture: {LECTURE_TEST_ACCURACY})"
    )
    print(f"  test loss            {lecture['test_loss']:.4f}   (lecture: {LECTURE_TEST_LOSS})")

    if args.skip_budget:
        return 0
    from autograder.config import load_config

    spec = load_config().assignment("mlp")
    budget = spec.budget
    print(
        f"\nGrading budget (grading.toml [assignments.mlp.budget]): seed {budget.seed}, "
        f"{budget.max_epochs} epoch(s), first {budget.max_train_samples:,} samples",
        flush=True,
    )
    graded = run(
        seed=budget.seed,
        epochs=budget.max_epochs,
        max_train_samples=budget.max_train_samples or None,
    )
    _report("Grading-budget run (the lecture's model, no dropout)", graded)
    threshold = spec.thresholds.get("test_accuracy")
    print(
        f"  test accuracy        {graded['test_accuracy']:.4f}   "
        f"(grading threshold: {threshold}, lecture after 30 epochs: {LECTURE_TEST_ACCURACY})"
    )
    hidden = tuple(spec.params.get("hidden_sizes", (300, 100)))
    dropout = float(spec.params.get("dropout_rate", 0.0))
    if dropout:
        with_dropout = run(
            seed=budget.seed,
            epochs=budget.max_epochs,
            max_train_samples=budget.max_train_samples or None,
            hidden_sizes=hidden,
            dropout_rate=dropout,
        )
        _report(f"Grading-budget run with the assignment's Dropout(rate={dropout})", with_dropout)
        print(f"  test accuracy        {with_dropout['test_accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
