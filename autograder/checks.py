"""Helpers for test files: they accept live notebook objects and the grader's stand-ins alike.

Architecture checks look at what a model *is* (layer types, units, activations, shapes,
``count_params()``), never at summary text or auto-generated layer names.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np


def class_name(obj: Any) -> str:
    return getattr(obj, "kit_class_name", None) or type(obj).__name__


KERAS3_HINT = (
    "this Keras 3 model (`import keras`) cannot be read as the course's tf-keras (a `Lambda` "
    "layer, or a model or layer class of your own): write `from tensorflow import keras` "
    "instead of `import keras`, as the lecture does, and run the notebook again"
)


def is_a(obj: Any, name: str) -> bool:
    """isinstance by class name, for live objects and sandbox stand-ins.

    A Keras 3 model is read as the tf-keras model it is before any check (``autograder.keras3``,
    here and in the grader alike); one that reaches a check could not be, and fails here with
    the one-line fix."""
    module = type(obj).__module__ or ""
    classes = getattr(obj, "kit_classes", None) or [c.__name__ for c in type(obj).__mro__]
    keras3 = module == "keras" or module.startswith("keras.")
    assert not (keras3 and "Model" in classes), KERAS3_HINT
    return name in classes


def layers_of(model: Any) -> list:
    """Layers in order, without InputLayer (functional models have one, Sequential ones may not)."""
    assert is_a(model, "Model"), f"expected a Keras model, got {class_name(model)}"
    return [layer for layer in model.layers if class_name(layer) != "InputLayer"]


ACTIVATION_LAYERS = {"Activation", "ReLU", "Softmax"}


def activation_name(layer: Any) -> str:
    """The activation a layer applies: its ``activation`` setting, or what an activation layer
    (``Activation``, plain ``ReLU()``, ``Softmax()`` on the last axis) computes."""
    config = layer.get_config()
    kind = class_name(layer)
    if kind == "ReLU":
        plain = not config.get("max_value") and not config.get("negative_slope")
        return "relu" if plain and not config.get("threshold") else "relu (modified)"
    if kind == "Softmax":
        return "softmax" if config.get("axis", -1) in (-1, [-1]) else "softmax (other axis)"
    activation = config.get("activation")
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "?")


def dense_stack(model: Any) -> list[tuple[int, str]]:
    """(units, activation) of each Dense layer, in order; a separate ``Activation`` layer right
    after a linear Dense counts as that Dense's activation (the same function)."""
    stack: list[tuple[int, str]] = []
    previous = None
    for layer in layers_of(model):
        kind = class_name(layer)
        if kind == "Dense":
            stack.append((layer.get_config()["units"], activation_name(layer)))
        elif kind in ACTIVATION_LAYERS and previous == "Dense" and stack[-1][1] == "linear":
            stack[-1] = (stack[-1][0], activation_name(layer))
        previous = kind
    return stack


def layer_sequence(model: Any) -> list[str]:
    """Layer kinds in order: ``Dense`` (with its activation layer), ``Dropout``, ``Flatten``..."""
    kinds = [class_name(layer) for layer in layers_of(model)]
    return [kind for kind in kinds if kind not in ACTIVATION_LAYERS]


def assert_mlp(
    model: Any,
    hidden_sizes: list[int],
    n_classes: int,
    input_shape: tuple[int, ...],
    total_params: int | None = None,
    name: str = "the model",
) -> None:
    """The lecture's MLP, however it was built: ReLU hidden layers, softmax output, right sizes."""
    assert_hidden_layers(model, hidden_sizes, name=name)
    assert_output_layer(model, n_classes, name=name)
    assert_flat_input(model, input_shape, name=name)
    if total_params is not None:
        assert model.count_params() == total_params, (
            f"{name} has {model.count_params():,} parameters, not what the layers asked for give"
        )


def assert_hidden_layers(model: Any, hidden_sizes: list[int], name: str = "the model") -> None:
    """The hidden Dense layers (all but the last): their sizes in order, each with ReLU."""
    stack = dense_stack(model)
    hidden = stack[:-1]
    sizes, activations = [units for units, _ in hidden], [act for _, act in hidden]
    asked = " then ".join(str(units) for units in hidden_sizes)
    assert sizes == list(hidden_sizes), (
        f"{name}: the hidden layer sizes are {sizes}; the question asks for {asked}"
    )
    assert all(act == "relu" for act in activations), (
        f"{name}: the hidden layers' activations are {activations}; the question asks for ReLU"
    )


def assert_output_layer(model: Any, n_classes: int, name: str = "the model") -> None:
    """The last Dense layer: one unit per class, softmax."""
    stack = dense_stack(model)
    assert stack, f"{name} has no Dense layer"
    units, activation = stack[-1]
    assert units == n_classes, (
        f"{name}: the output layer has {units} units; the question asks for one per class "
        f"({n_classes})"
    )
    assert activation == "softmax", (
        f"{name}: the output layer's activation is {activation}; class probabilities need softmax"
    )


def assert_flat_input(model: Any, input_shape: tuple[int, ...], name: str = "the model") -> None:
    """Images of ``input_shape`` in, flattened, and no layer kind the question does not ask for."""
    assert dense_stack(model), f"{name} has no Dense layer: there is no network to feed"
    shape = tuple(model.input_shape[1:])
    assert shape == tuple(input_shape), (
        f"{name} takes inputs of shape {shape}; the images are {tuple(input_shape)}"
    )
    allowed = {"Dense", "Flatten", "Dropout", *ACTIVATION_LAYERS}
    others = sorted(
        {
            class_name(layer)
            for layer in layers_of(model)
            if class_name(layer) not in allowed and not _flattens(layer)
        }
    )
    assert not others, f"{name} has layers the question does not ask for: {others}"


def _flattens(layer: Any) -> bool:
    """A ``Reshape`` to one dimension does what ``Flatten`` does."""
    target = layer.get_config().get("target_shape") if class_name(layer) == "Reshape" else None
    return isinstance(target, (list, tuple)) and len(target) == 1


def dropout_rates(model: Any) -> list[float]:
    return [
        layer.get_config()["rate"] for layer in layers_of(model) if class_name(layer) == "Dropout"
    ]


def dropout_after_each_hidden(model: Any, rate: float, n_hidden: int) -> None:
    """Exactly one Dropout of ``rate`` right after each hidden Dense layer, none elsewhere."""
    sequence = [kind for kind in layer_sequence(model) if kind in ("Dense", "Dropout")]
    expected = ["Dense", "Dropout"] * n_hidden + ["Dense"]
    assert sequence == expected, (
        f"the Dense and Dropout layers come in the order {sequence}; the question asks for one "
        "Dropout right after each hidden Dense layer"
    )
    assert all(abs(r - rate) < 1e-9 for r in dropout_rates(model)), (
        f"the dropout rates are {dropout_rates(model)}; the question asks for {rate}"
    )


def loss_name(model: Any) -> str:
    loss = getattr(model, "loss", None)
    if loss is None:
        loss = getattr(model, "kit_unrecognised_loss", None)
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", str(loss))


def loss_from_logits(model: Any) -> bool:
    """Whether the loss expects logits (``from_logits=True``) rather than probabilities."""
    settings = getattr(model, "kit_loss_config", None)
    if settings is None:
        loss = getattr(model, "loss", None)
        settings = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(settings.get("from_logits", False))


def optimizer_config(model: Any) -> tuple[str, dict]:
    optimizer = getattr(model, "optimizer", None)
    assert optimizer is not None, "the model is not compiled"
    return class_name(optimizer), optimizer.get_config()


def metric_names(model: Any) -> list[str]:
    """The metrics the model was compiled with, as names (``"accuracy"``...)."""
    names = getattr(model, "kit_metrics", None)
    if names is not None:
        return list(names)
    compiled = getattr(model, "compiled_metrics", None)
    found, stack = [], [getattr(compiled, "_user_metrics", None) or []]
    while stack:
        entry = stack.pop(0)
        if isinstance(entry, (list, tuple)):
            stack[:0] = list(entry)
        elif isinstance(entry, dict):
            stack[:0] = list(entry.values())
        else:
            found.append(entry if isinstance(entry, str) else str(getattr(entry, "name", "?")))
    return found


ACCURACY_METRICS = {"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy",
                    "binary_accuracy"}  # fmt: skip


def assert_compiled(model: Any, name: str = "the model") -> None:
    assert getattr(model, "optimizer", None) is not None, (
        f"{name} is not compiled: call {name}.compile(...)"
    )


def assert_loss(model: Any, allowed: tuple[str, ...], name: str, why: str) -> None:
    """The compiled loss is one of ``allowed`` (Keras names), probabilities not logits."""
    assert_compiled(model, name)
    loss = loss_name(model)
    assert loss in allowed, f"{name} is compiled with the loss {loss}; {why}"


def assert_optimizer(model: Any, kind: str, name: str = "the model", **settings: Any) -> None:
    """The optimizer's class and the settings the question states (as float32 holds them)."""
    assert_compiled(model, name)
    got, config = optimizer_config(model)
    assert got.lower() == kind.lower(), (
        f"{name} uses the {got} optimizer; the question asks for {kind}"
    )
    for key, want in settings.items():
        value = config.get(key)
        if isinstance(want, bool):
            ok = value is want
        else:
            ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            ok = ok and abs(float(value) - want) <= 1e-5 * abs(want)
        assert ok, f"{name}: the optimizer's {key} is {value}; the question asks for {want}"


def assert_accuracy_metric(model: Any, name: str = "the model") -> None:
    assert_compiled(model, name)
    names = metric_names(model)
    assert ACCURACY_METRICS & set(names), (
        f"{name} is compiled with the metrics {names or 'none'}; the question asks for accuracy "
        '(metrics=["accuracy"])'
    )


def dense_kernel_counts(model: Any) -> tuple[list[int], list[int]]:
    """Per Dense layer: parameters with biases (what ``count_params`` gives) and without."""
    dense = [layer for layer in layers_of(model) if class_name(layer) == "Dense"]
    full = [int(layer.count_params()) for layer in dense]
    kernels = [
        int(np.size(layer.get_weights()[0])) if layer.get_weights() else 0 for layer in dense
    ]
    return full, kernels


def assert_counts_from_model(dense_params: Any, total_params: Any, model: Any, part: str) -> None:
    """The student's counts equal what their own model reports (no cascade from its layers)."""
    full, kernels = dense_kernel_counts(model)
    if part == "dense":
        got = [int(v) for v in list(dense_params)]
        biases = " (they leave out the biases)" if got == kernels and got != full else ""
        assert got == full, (
            f"dense_params is {got}{biases}; the Dense layers of your `model` have {full} "
            "parameters each, weights and biases"
        )
    else:
        total = int(model.count_params())
        biases = " (it leaves out the biases)" if int(total_params) == sum(kernels) else ""
        assert int(total_params) == total, (
            f"total_params is {int(total_params):,}{biases}; your `model` has {total:,} "
            "parameters (model.count_params())"
        )


def assert_glorot_uniform(weights: Any) -> None:
    """Untrained Glorot-uniform weights for the layer's own shape (not the trained ones)."""
    weights = np.asarray(weights)
    assert weights.ndim == 2, f"weights has shape {weights.shape}; a Dense kernel is 2-D"
    fan_in, fan_out = weights.shape
    limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
    low, high, spread = float(weights.min()), float(weights.max()), float(weights.std())
    assert max(abs(low), abs(high)) <= limit + 1e-6 and spread > limit / 4, (
        f"weights range over [{low:.4f}, {high:.4f}] (std {spread:.4f}): not the initial "
        f"Glorot-uniform weights of a {fan_in}x{fan_out} layer (take them before training)"
    )


# --------------------------------------------------------------------------- data as given


def affine_of(X: Any, raw: np.ndarray) -> tuple[float, float] | None:
    """(a, b) when the student's images ``X`` are ``a * raw + b`` (their own scaling of the
    same images, checked on the first rows and the summary statistics), else None."""
    try:
        n = min(len(X), len(raw), 64)
        if len(X) != len(raw) or n == 0:
            return None
        head = np.asarray(X[:n], dtype=np.float64).reshape(n, -1)
        base = np.asarray(raw[:n], dtype=np.float64).reshape(n, -1)
        if head.shape != base.shape:
            return None
        a, b = np.polyfit(base.ravel(), head.ravel(), 1)
        if abs(a) < 1e-12 or not np.allclose(
            head, a * base + b, atol=1e-4 * max(1.0, abs(a) * 255)
        ):
            return None
        stats = np.float64(raw.mean()) * a + b
        if not np.isclose(float(X.mean()), stats, rtol=1e-4, atol=1e-4 * max(1.0, abs(a) * 255)):
            return None
        return float(a), float(b)
    except Exception:
        return None


def fashion_raw():
    """Fashion-MNIST as ``load_data`` gives it: (X_train_full, y_train_full), (X_test, y_test)."""
    return _fashion_mnist()


def images_as_given(X: Any, raw: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """The student's own version of these images: their scaling applied to the grader's copy
    (so a check on *your* test set needs only its first rows), else ``fallback``."""
    found = affine_of(X, raw)
    if found is None:
        return fallback
    a, b = found
    return raw.astype(np.float64) * a + b


def scaled_like(X: Any, raw_of_X: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``target`` images scaled as the student scaled ``X`` (the images ``raw_of_X``): what
    their model was trained on. Pixels divided by 255 when their scaling is not recognised."""
    found = affine_of(X, raw_of_X)
    a, b = found if found is not None else (1 / 255.0, 0.0)
    return target.astype(np.float64) * a + b


def assert_split(X: Any, y: Any, name: str, rows: slice, what: str) -> None:
    """``X``/``y`` hold the training images and labels of ``rows`` (scaling aside)."""
    (X_full, y_full), _ = _fashion_mnist()
    labels = np.asarray(y).reshape(-1) if not hasattr(y, "kit_class_name") else None
    want = y_full[rows]
    assert labels is not None and len(labels) == len(want) and np.array_equal(labels, want), (
        f"y_{name} has {len(y):,} labels that are not {what}"
    )
    assert affine_of(X, X_full[rows]) is not None, (
        f"X_{name} has {len(X):,} images that are not {what} (whatever their scaling)"
    )


def assert_scaled(X: Any, name: str, raw: np.ndarray) -> None:
    """Pixels divided by 255: the student's images are ``raw / 255``."""
    found = affine_of(X, raw)
    if found is None:  # not the images asked for: judge the range alone
        low, high = float(X.min()), float(X.max())
        assert 0.0 <= low and high <= 1.0 and high > 0.5, (
            f"{name} ranges over [{low:g}, {high:g}]; scale the pixels to [0, 1] (divide by 255)"
        )
        return
    a, b = found
    assert abs(a * 255 - 1) < 1e-4 and abs(b) < 1e-4, (
        f"{name} ranges over [{float(X.min()):g}, {float(X.max()):g}]; scale the pixels to "
        "[0, 1] (divide by 255)"
    )


def assert_evaluated(model: Any, value: Any, X_test: Any, y_test: Any, what: str) -> None:
    """``value`` is what ``evaluate()`` of the student's model gives on their own test set."""
    _require_rebuilt(model)
    (_, _), (X_raw, y_raw) = _fashion_mnist()
    X = images_as_given(X_test, X_raw, X_raw / 255.0)
    y = np.asarray(y_test).reshape(-1) if len(y_test) == len(X) else y_raw
    got = float(np.asarray(value).reshape(-1)[0])
    if what == "accuracy":
        want = accuracy(model, X, y)
        assert abs(got - want) < 1e-3, (
            f"test_accuracy is {got:.4f}, but your `model` scores {want:.4f} on your test set "
            "(X_test, y_test): evaluate the model on the test set"
        )
        return
    try:
        want = test_loss(model, X, y)
    except Exception:
        return  # the loss cannot be recomputed here: the accuracy case decides
    same = np.isnan(got) and np.isnan(want)  # a model whose training diverged: still the same
    assert same or abs(got - want) <= 1e-3 * max(1.0, abs(want)), (
        f"test_loss is {got:.4f}, but your `model`'s loss on your test set is {want:.4f}: "
        "evaluate the model on the test set"
    )


def assert_predicted(model: Any, y_proba: Any, X_test: Any, rows: int) -> None:
    """``y_proba`` is what the student's model predicts for the first ``rows`` test images."""
    _require_rebuilt(model)
    (_, _), (X_raw, _) = _fashion_mnist()
    X = images_as_given(X_test, X_raw, X_raw / 255.0)[:rows]
    want = predict(model, X)
    got = np.asarray(y_proba, dtype=np.float64)
    assert got.shape == want.shape, (
        f"y_proba has shape {got.shape}; {rows} images give shape {want.shape}"
    )
    assert np.allclose(got, want, atol=1e-4, equal_nan=True), (
        f"y_proba is not what your `model` predicts for the first {rows} images of your test set"
    )


def assert_trained(score: float, chance: float, threshold: float) -> None:
    """The student's own model, with its own weights, scored ``score`` on the grader's data:
    clearly above chance shows it was trained (a made-up history or fit record cannot). The
    bar is halfway from chance to the question's accuracy threshold."""
    bar = (chance + threshold) / 2
    assert score >= bar, (
        f"your `model` itself (its own weights) reaches accuracy {score:.3f} on the grader's "
        f"test data, near chance ({chance:g}): it was not trained, or its training did not work"
    )


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    """Fashion-MNIST as ``keras.datasets`` loads it, read once per process (tests ask often)."""
    from tensorflow import keras

    splits = keras.datasets.fashion_mnist.load_data()
    for array in (*splits[0], *splits[1]):
        array.flags.writeable = False
    return splits


def fashion_test_set(max_rows: int | None = None):
    """The official Fashion-MNIST test set scaled to [0, 1], loaded the lecture's way."""
    (_, _), (X_test, y_test) = _fashion_mnist()
    if max_rows:
        X_test, y_test = X_test[:max_rows], y_test[:max_rows]
    return X_test / 255.0, y_test


def fashion_train_set(max_rows: int | None = None):
    """The lecture's training split (images 5000 onward) scaled to [0, 1]."""
    (X_full, y_full), (_, _) = _fashion_mnist()
    X_train, y_train = X_full[5000:], y_full[5000:]
    if max_rows:
        X_train, y_train = X_train[:max_rows], y_train[:max_rows]
    return X_train / 255.0, y_train


def fashion_test_labels_head(head: int = 64) -> list[int]:
    """The first labels of the Fashion-MNIST test set: how a fit on the test set is recognised."""
    (_, _), (_, y_test) = _fashion_mnist()
    return y_test[:head].tolist()


def _same_head(labels: dict | None, head: list[int] | None) -> bool:
    if not labels or not labels.get("head") or not head:
        return False
    return labels["head"] == head[: len(labels["head"])]


def fits_of(model: Any) -> list[dict]:
    """What each finished fit of the model trained and validated on (the harness's record,
    sent with the model; a live model in the notebook asks the harness)."""
    fits = getattr(model, "kit_fits", None)
    if fits is None:
        import sys

        budget = sys.modules.get("autograder.grade.sandbox.budget")
        fits = budget.fits_of(model) if budget is not None else []
    return list(fits)


def assert_fit_splits(model: Any, test_head: list[int] | None = None) -> None:
    """Every recorded fit of the model trained and validated on the right kind of data: not the
    test set, validation data that is not the training data itself, and some validation at all.

    Labels are compared by their first values, so a split of the student's own making (another
    validation slice, a subset) is not a mistake here; data the grader cannot see into (a
    ``tf.data`` pipeline, a generator) is given the benefit of the doubt."""
    fits = fits_of(model)
    assert fits, "`model` was never trained with fit() (or every fit() call failed)"
    for fit in fits:
        assert not _same_head(fit["labels"], test_head), "`model` was trained on the test set"
        validation = fit["validation"]
        if validation is None:
            assert fit["validation_split"] > 0, (
                "`model` was trained without validation data (validation_data=...)"
            )
            continue
        assert not _same_head(validation["labels"], test_head), (
            "`model` was validated on the test set"
        )
        train_head = (fit["labels"] or {}).get("head")
        assert not _same_head(validation["labels"], train_head), (
            "`model` was validated on the data it was trained on"
        )


def assert_fit_share(model: Any, rows: int, share: float) -> None:
    """Every fit used all ``rows`` examples given, ``share`` of them for validation."""
    fits = fits_of(model)
    assert fits, "`model` was never trained with fit() (or every fit() call failed)"
    for fit in fits:
        trained = (fit["labels"] or {}).get("rows")
        validation = fit["validation"]
        held = ((validation or {}).get("labels") or {}).get("rows")
        if trained is None or (validation is not None and held is None):
            continue  # a dataset or generator: the grader cannot count it
        total = trained + (held or 0)
        assert total == rows, (
            f"`model` was trained and validated on {total:,} examples; the question gives {rows:,}"
        )
        got = held / total if validation is not None else fit["validation_split"]
        assert abs(got - share) < 0.01, (
            f"`model` kept {got:.0%} of the examples for validation; the question asks for "
            f"{share:.0%}"
        )


def assert_fit_aligned(model: Any, texts: list[str], labels: list[int]) -> None:
    """Each text was trained with its own label (texts and labels not shuffled apart)."""
    import hashlib

    own = {
        hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]: int(label)
        for text, label in zip(texts, labels, strict=True)
    }
    fits = fits_of(model)
    assert fits, "`model` was never trained with fit() (or every fit() call failed)"
    for fit in fits:
        for part in (fit, fit["validation"] or {}):
            inputs, seen = part.get("inputs"), (part.get("labels") or {}).get("head")
            if not inputs or not seen:
                continue
            pairs = [(own[h], label) for h, label in zip(inputs, seen, strict=False) if h in own]
            wrong = sum(mine != label for mine, label in pairs)
            assert not pairs or wrong <= len(pairs) // 10, (
                f"{wrong} of the first {len(pairs)} reviews `model` was trained on had another "
                "review's label: keep each text with its own label (shuffle both together)"
            )


# (id of the model, epochs, seed, batch size) -> (the model, its trained copy): holding the model
# keeps its id from being reused by another while the entry exists
_BUDGET_TRAINED: dict[tuple, tuple[Any, Any]] = {}
MAX_BUDGET_TRAINABLE = 20_000_000  # fine-tuning the course's embedding: 5 M; bounds the time


def train_under_budget(
    model: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    seed: int,
    batch_size: int = 32,
    loss_as_asked: str | None = None,
    output_as_asked: str | None = None,
) -> Any:
    """A fresh copy of the student's model (architecture, loss, optimizer settings), trained by
    the grader on the course's data within the budget.

    Thresholds are judged on this copy, so no way of training past the budget in the notebook
    (more epochs, another loop, a child process) changes them, and no legitimate choice the
    grader does not ask about (batch size, ``tf.data``) costs points either. A loss other than
    ``loss_as_asked`` is charged where the model is compiled: the copy is trained with the
    question's loss instead, so the threshold judges the rest (no cascade); so is an output
    activation other than ``output_as_asked``, charged where the model is built."""

    _require_rebuilt(model)
    key = (id(model), epochs, seed, batch_size, loss_as_asked, output_as_asked)
    if key not in _BUDGET_TRAINED:
        optimizer = getattr(model, "optimizer", None)
        assert optimizer is not None, "the model is not compiled"
        assert trainable_params(model) <= MAX_BUDGET_TRAINABLE, (
            f"the model has over {MAX_BUDGET_TRAINABLE:,} trainable parameters, more than the "
            "grader trains within the budget"
        )
        guard = sys.modules.get("autograder.grade.verdict.compute")  # the verdict's bounds only
        if guard is not None:
            guard.check_training(model)
        loss = model.loss
        if loss_as_asked is not None and loss_name(model) != loss_as_asked:
            loss = loss_as_asked  # the loss is charged where it is compiled, not here again
        copy = _trained_copy(model, loss, X, y, epochs, seed, batch_size, output_as_asked)
        _BUDGET_TRAINED[key] = (model, copy)
    return _BUDGET_TRAINED[key][1]


def _trained_copy(
    model: Any,
    loss: Any,
    X: Any,
    y: Any,
    epochs: int,
    seed: int,
    batch_size: int,
    output_as_asked: str | None = None,
):
    from tensorflow import keras

    optimizer = model.optimizer
    keras.utils.set_random_seed(seed)
    copy = keras.models.clone_model(model)
    last = copy.layers[-1] if copy.layers else None
    if output_as_asked is not None and class_name(last) in ("Dense", "Activation"):
        if activation_name(last) != output_as_asked:  # charged where the model is built
            last.activation = keras.activations.get(output_as_asked)
    copy.compile(loss=loss, optimizer=type(optimizer).from_config(optimizer.get_config()))
    cache = BudgetCache.from_environment()
    entry = cache.key(copy, X, y, epochs, seed, batch_size) if cache else None
    if not (cache and entry and cache.restore(entry, copy)):
        copy.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
        if cache and entry:
            cache.store(entry, copy)
    return copy


class BudgetCache:
    """Weights of budgeted copies the grader already trained, by every input of the copy.

    Training the copy is deterministic (one thread, fixed seed, fresh initialisation), so a
    copy whose every input is the same (the model's full config, loss, optimizer class and
    settings, data, epochs, seed, batch size, and the kit's version: this file, TensorFlow's
    and NumPy's; layer names too: leaving them out would take a rewriting of the config that
    must never merge two different models) gets the same weights: restoring them is exact and
    saves the training. The student's own ``grader.check`` has none.

    Entries are plain ``.npz`` (no pickles) holding the weights and a digest of the key and
    the weights, checked on every read: an entry cut short, renamed or altered is trained
    afresh. Entries are read from ``folder`` (``KIT_BUDGET_CACHE``) and new ones written to
    ``outbox`` (``KIT_BUDGET_CACHE_NEW``, default the same folder). In the grader's verdict
    worker the folder is the class-wide store, read-only, and the host (root) takes each new
    entry from the outbox, checks it and publishes it (``verdict.budget_store``); a hit there
    leaves a ``KEY.used`` mark so the host keeps the entry longest. With one folder (no host
    behind it) entries are at most ``MAX_ENTRY_BYTES`` each and ``MAX_TOTAL_BYTES`` in all,
    the least recently used going first."""

    MAX_ENTRY_BYTES = 16 * 2**20
    MAX_TOTAL_BYTES = 64 * 2**20
    _version: str | None = None

    def __init__(self, folder: str, outbox: str | None = None) -> None:
        self.folder = folder
        self.outbox = outbox or folder

    @classmethod
    def from_environment(cls) -> BudgetCache | None:
        import os

        folder = os.environ.get("KIT_BUDGET_CACHE", "")
        return cls(folder, os.environ.get("KIT_BUDGET_CACHE_NEW") or None) if folder else None

    @classmethod
    def kit_version(cls) -> str:
        """What else decides the weights: this file's code, TensorFlow's and NumPy's versions."""
        if cls._version is None:
            import hashlib

            import tensorflow as tf

            with open(__file__, "rb") as fh:
                code = hashlib.sha256(fh.read()).hexdigest()
            cls._version = f"{code}/tf-{tf.__version__}/np-{np.__version__}"
        return cls._version

    @classmethod
    def key(cls, model: Any, X: Any, y: Any, epochs: int, seed: int, batch_size: int) -> str | None:
        import hashlib
        import json

        from tensorflow import keras

        try:
            loss = model.loss if isinstance(model.loss, str) else keras.losses.serialize(model.loss)
            optimizer = model.optimizer
            parts = [model.to_json(), loss, type(optimizer).__module__,
                     type(optimizer).__qualname__, optimizer.get_config(), epochs, seed,
                     batch_size, cls.kit_version()]  # fmt: skip
            digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=repr).encode())
            for array in (X, y):
                array = np.asarray(array)
                digest.update(repr((array.shape, array.dtype.str)).encode())
                if array.dtype == object:
                    digest.update(json.dumps(array.tolist()).encode())
                else:  # the bytes in place: no copy of the training set
                    digest.update(memoryview(np.ascontiguousarray(array).reshape(-1)).cast("B"))
        except Exception:  # anything unusual is simply trained
            return None
        return digest.hexdigest()

    @staticmethod
    def digest(entry: str, weights: list) -> str:
        """What an entry's file must hold besides its weights: binds them to their key."""
        import hashlib

        digest = hashlib.sha256(entry.encode())
        for w in weights:
            digest.update(repr((w.shape, w.dtype.str)).encode())
            digest.update(np.ascontiguousarray(w).tobytes())
        return digest.hexdigest()

    @classmethod
    def read_entry(cls, path: str, entry: str) -> list | None:
        """The weights in the file at ``path`` (never followed through a link) if it is an
        intact entry for ``entry``."""
        import os

        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(cls.MAX_ENTRY_BYTES + 2**20 + 1)
        except OSError:
            return None
        return cls.parse_entry(data, entry)

    @classmethod
    def parse_entry(cls, data: bytes, entry: str) -> list | None:
        """The weights in an entry's bytes if they are intact and belong to ``entry``."""
        import io
        import zipfile

        room = cls.MAX_ENTRY_BYTES + 2**20
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:  # no member inflates past it
                if len(data) > room or sum(i.file_size for i in archive.infolist()) > room:
                    return None
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                names = set(stored.files)
                count = len(names) - 1
                if names != {"digest", *(f"w{i}" for i in range(count))}:
                    return None
                weights = [stored[f"w{i}"] for i in range(count)]
                recorded = str(stored["digest"])
        except Exception:
            return None
        if any(w.dtype.kind not in "biuf" for w in weights):
            return None
        return weights if recorded == cls.digest(entry, weights) else None

    def _path(self, entry: str, folder: str | None = None) -> str:
        import os

        return os.path.join(folder or self.folder, f"{entry}.npz")

    def restore(self, entry: str, copy: Any) -> bool:
        import os

        weights = self.read_entry(self._path(entry), entry)
        if weights is None:
            return False
        try:
            copy.set_weights(weights)
        except Exception:
            return False
        try:
            if self.outbox == self.folder:
                os.utime(self._path(entry))  # recently used: evicted last
            else:
                os.makedirs(self.outbox, exist_ok=True)
                open(os.path.join(self.outbox, f"{entry}.used"), "wb").close()
        except OSError:
            pass
        return True

    def store(self, entry: str, copy: Any) -> None:
        import os

        weights = copy.get_weights()
        size = sum(w.nbytes for w in weights)
        if size > self.MAX_ENTRY_BYTES:
            return
        path = self._path(entry, self.outbox)
        scratch = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(self.outbox, exist_ok=True)
            arrays = {f"w{i}": w for i, w in enumerate(weights)}
            with open(scratch, "wb") as fh:
                np.savez(fh, digest=np.array(self.digest(entry, weights)), **arrays)
            self._make_room(os.path.getsize(scratch), keep=scratch)
            os.replace(scratch, path)
        except OSError:  # a full folder costs only the saving
            try:
                os.unlink(scratch)
            except OSError:
                pass

    def _make_room(self, size: int, keep: str) -> None:
        """Remove the least recently used entries (and any stray file but ``keep``) until
        ``size`` fits."""
        import os

        entries = []
        for name in os.listdir(self.outbox):
            path = os.path.join(self.outbox, name)
            info = os.lstat(path)
            if name.endswith(".used") or path == keep:
                continue
            if not name.endswith(".npz"):
                os.unlink(path)
                continue
            entries.append((info.st_mtime, info.st_size, path))
        total = sum(e[1] for e in entries)
        for _, entry_size, path in sorted(entries):
            if total + size <= self.MAX_TOTAL_BYTES:
                break
            os.unlink(path)
            total -= entry_size


def _require_rebuilt(model: Any) -> None:
    """Accuracy must come from the grader's own copy of the model, never from sandbox answers."""
    reason = getattr(model, "kit_not_rebuilt", None)
    assert reason is None, f"the grader cannot evaluate this model itself: {reason}"


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy computed by the grader from predictions, not from what the notebook printed."""
    _require_rebuilt(model)
    return float(np.mean(np.argmax(forward(model, X), axis=1) == y))


def forward(model: Any, X: Any) -> np.ndarray:
    """The model's outputs for ``X``: called eagerly, batch by batch. The same numbers as
    ``predict`` (which also calls the model with ``training=False``), without tracing a predict
    function for every model: a verdict predicts with several freshly rebuilt models, and the
    tracing cost more than the arithmetic (0.37 s against 0.09 s for an MLP on 10,000 images).
    Inputs it cannot slice (several inputs, a dataset) go through ``predict``."""
    batch = prediction_batch(model)
    try:
        rows = len(X)
        parts = [np.asarray(model(X[i : i + batch], training=False)) for i in range(0, rows, batch)]
    except Exception:  # predict says what is wrong with the input, in Keras' own words
        return np.asarray(model.predict(X, verbose=0, batch_size=batch))
    return np.concatenate(parts) if parts else np.asarray(model.predict(X, verbose=0))


def test_loss(model: Any, X: Any, y: Any) -> float:
    """What ``evaluate`` reports as the loss: the compiled loss (regularisation included) of
    each eager batch, weighted by its rows; ``evaluate`` itself where that cannot be had. The
    loss is taken from the model's output tensors, not from numbers: Keras computes a softmax
    output's cross-entropy from the logits it keeps on that tensor (so a saturated softmax or
    ``from_logits`` gives what ``evaluate`` gives)."""
    import tensorflow as tf

    batch = prediction_batch(model)
    try:
        labels = np.asarray(y)
        total, rows = 0.0, len(X)
        for i in range(0, rows, batch):
            out = model(X[i : i + batch], training=False)
            loss = model.compute_loss(x=None, y=tf.constant(labels[i : i + batch]), y_pred=out)
            total += float(np.asarray(loss)) * int(out.shape[0])
        return total / rows
    except Exception:
        value = model.evaluate(X, y, verbose=0, batch_size=batch)
        return float(np.asarray(value).reshape(-1)[0])


ACTIVATION_FLOATS = 2**24  # one batch's widest activation: 64 MB of float32


def prediction_batch(model: Any) -> int:
    """The batch size for predicting a whole test set: large is fast (the verdict predicts it
    several times; 1024 is about 3x faster than Keras' default 32, and a row's prediction does
    not depend on its batch), but a batch's widest activation must stay small, so a very wide
    model is predicted 32 at a time as before (an unknown shape: 32 too)."""
    widest = 1
    try:
        for layer in model.layers:
            shapes = layer.output_shape
            for shape in shapes if isinstance(shapes, list) else [shapes]:
                widest = max(widest, int(np.prod([d or 1 for d in shape[1:]], dtype=np.int64)))
    except Exception:
        return 32
    return int(min(1024, max(32, ACTIVATION_FLOATS // widest)))


# --------------------------------------------------------------------------- word2vec


def layers_named(model: Any, name: str) -> list:
    return [layer for layer in layers_of(model) if class_name(layer) == name]


def assert_word_index(word2id: Any, lines: Any) -> None:
    """``word2id`` is the Tokenizer's word index of the student's own lines, plus 'PAD' = 0
    (judged on their text, so a normalisation slip is charged to the text alone)."""
    from tensorflow.keras.preprocessing.text import Tokenizer

    assert isinstance(word2id, dict), f"word2id is a {class_name(word2id)}; it must be a dict"
    assert word2id.get("PAD") == 0, f"word2id['PAD'] is {word2id.get('PAD')!r}: add 'PAD' with id 0"
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts([str(line) for line in lines])
    want = dict(tokenizer.word_index)
    got = {word: index for word, index in word2id.items() if word != "PAD"}
    missing = [word for word in want if word not in got]
    assert not missing, (
        f"word2id has no id for {len(missing)} words of norm_bible, e.g. {missing[:3]}"
    )
    extra = [word for word in got if word not in want]
    assert not extra, f"word2id has {len(extra)} words that are not in norm_bible, e.g. {extra[:3]}"
    wrong = [(word, got[word], want[word]) for word in want if got[word] != want[word]]
    assert not wrong, (
        f"word2id gives {wrong[0][0]!r} the id {wrong[0][1]}; a Tokenizer fitted on your "
        f"norm_bible gives {wrong[0][2]} (ids by frequency, from 1)"
    )


def assert_word_ids(wids: Any, word2id: Any, lines: Any) -> None:
    """Each line of the student's text as the ids their own ``word2id`` gives its words."""
    from tensorflow.keras.preprocessing.text import text_to_word_sequence

    lines = [str(line) for line in lines]
    assert len(wids) == len(lines), f"wids has {len(wids)} lines; norm_bible has {len(lines)}"
    for number, (ids, line) in enumerate(zip(wids, lines, strict=True)):
        want = [word2id.get(word) for word in text_to_word_sequence(line)]
        got = [int(i) for i in ids]
        assert got == want, (
            f"line {number} of wids is {got[:8]}...; the ids word2id gives its words are "
            f"{want[:8]}..."
        )


def embedding_shapes(model: Any) -> list[tuple[int, int]]:
    """(input_dim, output_dim) of each Embedding layer."""
    return [
        (layer.get_config()["input_dim"], layer.get_config()["output_dim"])
        for layer in layers_named(model, "Embedding")
    ]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def cbow_from_weights(model: Any, contexts: np.ndarray) -> np.ndarray:
    """What a CBOW model must output: softmax(mean of the context embeddings · W + b)."""
    (embedding,) = layers_named(model, "Embedding")
    dense = layers_named(model, "Dense")[-1]
    E = embedding.get_weights()[0]
    W, b = dense.get_weights()
    return softmax(E[np.asarray(contexts)].mean(axis=1) @ W + b)


def skipgram_from_weights(model: Any, targets: np.ndarray, contexts: np.ndarray) -> list:
    """sigmoid(w · (E_t[target] · E_c[context]) + b), for both orders of the two embeddings."""
    matrices = [layer.get_weights()[0] for layer in layers_named(model, "Embedding")]
    first, second = (matrices * 2)[:2] if len(matrices) == 1 else matrices[:2]
    dense = layers_named(model, "Dense")[-1]
    W, b = dense.get_weights()
    t, c = np.asarray(targets).reshape(-1), np.asarray(contexts).reshape(-1)
    outputs = []
    for Et, Ec in ((first, second), (second, first)):
        dots = np.sum(Et[t] * Ec[c], axis=1, keepdims=True)
        outputs.append(1 / (1 + np.exp(-(dots @ W + b))))
    return outputs


def first_input_embedding(model: Any) -> Any:
    """The Embedding layer fed by the model's first input (the target word in skip-gram)."""
    embeddings = layers_named(model, "Embedding")
    feeds = getattr(model, "kit_input_layers", None)  # a model the grader did not rebuild
    if feeds is not None:
        by_name = {layer.name: layer for layer in embeddings}
        first = next((by_name[name] for name in (feeds or [[]])[0] if name in by_name), None)
        return first or embeddings[0]
    first_input = model.inputs[0]
    for layer in embeddings:
        if any(
            node.input_tensors is first_input or first_input is _single(node.input_tensors)
            for node in layer._inbound_nodes
        ):
            return layer
    return embeddings[0]


def _single(tensors: Any) -> Any:
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


def categorical_crossentropy(probabilities: np.ndarray, targets: np.ndarray) -> float:
    p = np.clip(np.asarray(probabilities)[np.arange(len(targets)), np.asarray(targets)], 1e-7, 1)
    return float(-np.mean(np.log(p)))


# --------------------------------------------------------------------------- sentence embeddings


def trainable_params(model: Any) -> int:
    """Trainable parameters of a live or rebuilt model (or the count the sandbox reported)."""
    reported = getattr(model, "kit_trainable_params", None)
    if reported is not None:
        return int(reported)
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def binary_accuracy(model: Any, texts: list[str], labels: list[int]) -> float:
    import tensorflow as tf

    _require_rebuilt(model)
    probabilities = forward(model, tf.constant(texts)).reshape(-1)
    return float(np.mean((probabilities > 0.5) == np.asarray(labels)))


def imdb_reviews(split: str, n: int, seed: int) -> tuple[list[str], list[int]]:
    """n labelled reviews (half positive) from aclImdb/SPLIT, picked reproducibly."""
    texts, labels = _imdb_reviews(split, n, seed)
    return list(texts), list(labels)


@functools.lru_cache(maxsize=4)
def _imdb_reviews(split: str, n: int, seed: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    import os
    from pathlib import Path

    root = Path(os.environ["KIT_IMDB_DIR"]) / split
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, folder in ((0, "neg"), (1, "pos")):
        files = sorted((root / folder).glob("*.txt"))
        for index in sorted(rng.choice(len(files), size=n // 2, replace=False)):
            texts.append(files[index].read_text(encoding="utf-8"))
            labels.append(label)
    order = rng.permutation(len(texts))
    return tuple(texts[i] for i in order), tuple(labels[i] for i in order)


def predict(model: Any, X: Any) -> np.ndarray:
    """Predictions from the grader's own copy of the model."""
    _require_rebuilt(model)
    return forward(model, X)
