"""Benchmark: the similarity report on a class of mlp notebooks written as students write them.

Honest students answer each question in one of several real ways (the lecture's code typed
closely, an own vectorised or looped version, a helper function, a dictionary of settings ...),
each with their own choices inside (names, hyper-parameters, extra checks, plots, experiments);
about a quarter of the class follows the lecture for every question. Copies take one honest
student's notebook and disguise it with the refactorings that leave the program the same:
renames, re-spacing, cells reordered, keyword arguments reordered, ``Sequential([...])`` and
``.add()`` swapped, code moved into helper functions, loops turned into comprehensions (and
back), only part copied, padding (own code and dead code added). The lecture's code is the
default base, as in ``autograder similarity``.

Prints the time of each stage (goal: 500 students in under a minute on 2 cores), how many
copies are flagged (recall) and how many honest pairs are (false flags), lecture followers'
pairs apart. ``--seed`` draws another class: the rules were set on seed 0 and checked on others.

    .venv/bin/python benchmarks/similarity_report.py [--students 500] [--copies 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from similarity import students  # noqa: E402

from autograder import paths  # noqa: E402
from autograder.similarity import compare, report, sources  # noqa: E402
from autograder.similarity.base import lecture_cells  # noqa: E402

SKELETON = paths.ASSIGNMENTS_DIR / "mlp" / "mlp.ipynb"
QUESTIONS = [
    "q_drill_params",
    "q_neuron",
    "q_output_loss",
    "q_data",
    "q_model",
    "q_params",
    "q_init",
    "q_compile",
    "q_train",
    "q_evaluate",
    "q_predict",
    "q_dropout",
    "q_save",
    "q_callbacks",
]
DISGUISES = [
    "rename",
    "spacing",
    "keywords",
    "add-vs-list",
    "helpers",
    "comprehensions",
    "partial",
    "padding",
]


class Student:
    """One student's habits: names, hyper-parameters, which way they answer each question."""

    def __init__(self, rng: random.Random, follower: bool) -> None:
        self.rng = rng
        self.follower = follower
        pick = rng.choice
        self.model = "model" if follower else pick(["model", "clf", "net", "mlp", "my_model"])
        self.hist = "history" if follower else pick(["history", "hist", "h", "train_log"])
        self.hidden = pick([[300, 100], [256, 128], [300, 100], [512, 256, 128], [128, 64]])
        self.lr = pick(["0.01", "1e-2", "0.005", "0.02"])
        self.epochs = pick(["30", "20", "25", "40", "50"])
        self.rate = pick(["0.2", "0.3", "0.25", "0.5"])
        self.way = {q: 0 if follower else rng.randrange(4) for q in QUESTIONS}

    def choose(self, *options: str) -> str:
        return self.rng.choice(options)


def _dense(s: Student, units: str, activation: str) -> str:
    return f'keras.layers.Dense({units}, activation="{activation}")'


def answers(s: Student) -> dict[str, str]:
    """Each question's cell as this student writes it."""
    m, r, c = s.model, s.rng, s.choose
    sizes = s.hidden
    out: dict[str, str] = {}
    out["q_drill_params"] = c(
        "drill_params = (784 + 1) * 300",
        "n_in, n_out = 28 * 28, 300\ndrill_params = n_in * n_out + n_out",
        "drill_params = 28 * 28 * 300 + 300  # weights plus biases",
        "inputs = 784\nunits = 300\nweights = inputs * units\ndrill_params = weights + units",
    )
    out["q_neuron"] = [
        "def neuron_output(w, x, theta, f):\n    return f(np.dot(w, x) + theta)",
        "def neuron_output(w, x, theta, f):\n    z = np.sum(w * x) + theta\n    return f(z)",
        "def neuron_output(w, x, theta, f):\n    total = theta\n    for wi, xi in zip(w, x):\n"
        "        total += wi * xi\n    return f(total)",
        "def neuron_output(w, x, theta, f):\n    s = w @ x\n    s = s + theta\n    out = f(s)\n"
        "    return out",
    ][s.way["q_neuron"]]
    pairs = [
        ("sigmoid", "binary_crossentropy"),
        ("softmax", "sparse_categorical_crossentropy"),
        ("softmax", "categorical_crossentropy"),
    ]
    keys = ["binary", "multiclass, integer labels", "multiclass, one-hot labels"]
    if s.way["q_output_loss"] % 2:
        out["q_output_loss"] = (
            "output_and_loss = {\n"
            + "".join(
                f'    "{k}": ("{a}", "{b}"),\n' for k, (a, b) in zip(keys, pairs, strict=True)
            )
            + "}"
        )
    else:
        out["q_output_loss"] = "output_and_loss = {}\n" + "".join(
            f'output_and_loss["{k}"] = ("{a}", "{b}")\n'
            for k, (a, b) in zip(keys, pairs, strict=True)
        )
    load = (
        "fashion_mnist = keras.datasets.fashion_mnist\n"
        "(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()\n"
    )
    names = (
        'class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",\n'
        '               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]'
    )
    split = [
        "X_valid, X_train = X_train_full[:5000] / 255., X_train_full[5000:] / 255.\n"
        "y_valid, y_train = y_train_full[:5000], y_train_full[5000:]\nX_test = X_test / 255.\n",
        'X_train_full = X_train_full.astype("float32") / 255.0\nX_test = X_test.astype('
        '"float32") / 255.0\nX_valid, y_valid = X_train_full[:5000], y_train_full[:5000]\n'
        "X_train, y_train = X_train_full[5000:], y_train_full[5000:]\n",
        "n_valid = 5000\nscale = 255.0\nX_valid = X_train_full[:n_valid] / scale\nX_train = "
        "X_train_full[n_valid:] / scale\ny_valid = y_train_full[:n_valid]\ny_train = "
        "y_train_full[n_valid:]\nX_test = X_test / scale\n",
        "X_train, X_valid = np.split(X_train_full / 255.0, [5000])[::-1]\ny_train, y_valid = "
        "np.split(y_train_full, [5000])[::-1]\nX_test = X_test / 255.0\nassert X_train.shape"
        " == (55000, 28, 28)\n",
    ][s.way["q_data"]]
    out["q_data"] = load + split + names
    layers_ = [_dense(s, str(u), "relu") for u in sizes] + [_dense(s, "10", "softmax")]
    flatten = "keras.layers.Flatten(input_shape=[28, 28])"
    way = s.way["q_model"]
    if way in (0, 1):
        adds = "".join(f"{m}.add({x})\n" for x in [flatten, *layers_])
        listed = "".join(f"    {x},\n" for x in [flatten, *layers_])
        out["q_model"] = (
            f"{m} = keras.models.Sequential()\n{adds}\n"
            f"model_list = keras.models.Sequential([\n{listed}])\n{m}.summary()"
        )
    elif way == 2:
        out["q_model"] = (
            f"sizes = {sizes}\n{m} = keras.models.Sequential()\n{m}.add({flatten})\n"
            f'for n in sizes:\n    {m}.add(keras.layers.Dense(n, activation="relu"))\n'
            f'{m}.add(keras.layers.Dense(10, activation="softmax"))\n'
            f"model_list = keras.models.Sequential([{flatten}] + [keras.layers.Dense(n, "
            f'activation="relu") for n in sizes] + [keras.layers.Dense(10, activation='
            f'"softmax")])\n{m}.summary()'
        )
    else:
        out["q_model"] = (
            "def build(hidden):\n    net = keras.Sequential()\n    net.add(keras.Input(shape="
            "(28, 28)))\n    net.add(keras.layers.Flatten())\n    for units in hidden:\n"
            '        net.add(keras.layers.Dense(units, activation="relu"))\n'
            '    net.add(keras.layers.Dense(10, activation="softmax"))\n    return net\n\n'
            f"{m} = build({sizes})\nmodel_list = build({sizes})\n{m}.summary()"
        )
    out["q_params"] = c(
        f"dense_params = {m}.layers[1].count_params()\ntotal_params = {m}.count_params()",
        f"dense = {m}.get_layer(index=1)\nw, b = dense.get_weights()\ndense_params = w.size + "
        f"b.size\ntotal_params = sum(l.count_params() for l in {m}.layers)",
        f"dense_params = (784 + 1) * {sizes[0]}\ntotal_params = {m}.count_params()\n"
        f"assert dense_params == {m}.layers[1].count_params()",
    )
    out["q_init"] = c(
        f"hidden1 = {m}.layers[1]\nweights, biases = hidden1.get_weights()\nweights",
        f"hidden1 = {m}.get_layer({m}.layers[1].name)\nweights, biases = hidden1.get_weights()\n"
        "weights.shape, biases.shape",
        f"hidden1 = {m}.layers[1]\nweights = hidden1.get_weights()[0]\nbiases = hidden1.get_"
        "weights()[1]\nplt.hist(weights.ravel(), bins=50)\nplt.show()",
    )
    opt = c(
        f"keras.optimizers.SGD(learning_rate={s.lr}, momentum=0.9, nesterov=True)",
        f"keras.optimizers.SGD(momentum=0.9, learning_rate={s.lr}, nesterov=True)",
    )
    compile_way = s.way["q_compile"]
    if compile_way < 2:
        out["q_compile"] = (
            f'{m}.compile(loss="sparse_categorical_crossentropy",\n'
            f'              optimizer={opt},\n              metrics=["accuracy"])'
        )
    else:
        out["q_compile"] = (
            f'optimizer = {opt}\nsettings = dict(loss="sparse_categorical_crossentropy", '
            f'metrics=["accuracy"])\n{m}.compile(optimizer=optimizer, **settings)'
        )
    h = s.hist
    train_way = s.way["q_train"]
    if train_way < 2:
        out["q_train"] = (
            f"{h} = {m}.fit(X_train, y_train, epochs={s.epochs}, validation_data="
            "(X_valid, y_valid))"
        )
    elif train_way == 2:
        out["q_train"] = (
            f"EPOCHS = {s.epochs}\n{h} = {m}.fit(X_train, y_train, epochs=EPOCHS,"
            f" batch_size=32,\n    validation_data=(X_valid, y_valid), verbose=2)"
        )
    else:
        out["q_train"] = (
            f"{h} = {m}.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs="
            f"{s.epochs})\nbest = int(np.argmax({h}.history['val_accuracy']))\n"
            f"print('best epoch', best + 1, {h}.history['val_accuracy'][best])"
        )
    out["q_evaluate"] = c(
        f"test_loss, test_accuracy = {m}.evaluate(X_test, y_test)",
        f"results = {m}.evaluate(X_test, y_test, verbose=0)\ntest_loss, test_accuracy = results"
        "\nprint(f'test accuracy {test_accuracy:.3f}')",
        f"test_loss, test_accuracy = {m}.evaluate(X_test, y_test, batch_size=256)\nassert "
        "test_accuracy > 0.8",
    )
    out["q_predict"] = c(
        f"X_new = X_test[:3]\ny_proba = {m}.predict(X_new)\ny_pred = np.argmax(y_proba, axis=1)"
        "\ny_proba.round(2), y_pred, y_test[:3]",
        f"X_new = X_test[:3]\ny_proba = {m}.predict(X_new, verbose=0)\ny_pred = y_proba.argmax("
        "axis=-1)\n[class_names[i] for i in y_pred]",
        f"X_new = X_test[:3]\ny_proba = {m}(X_new).numpy()\ny_pred = np.argmax(y_proba, axis=1)"
        "\nfor i in range(3):\n    print(class_names[y_pred[i]], y_proba[i].max())",
    )
    rate = s.rate
    drop_way = s.way["q_dropout"]
    if drop_way == 0:
        body = "".join(
            f'    keras.layers.Dense({u}, activation="relu"),\n    keras.layers.'
            f"Dropout(rate={rate}),\n"
            for u in sizes
        )
        out["q_dropout"] = (
            "model_dropout = keras.models.Sequential([\n    keras.layers.Flatten("
            f"input_shape=[28, 28]),\n{body}    keras.layers.Dense(10, activation="
            '"softmax")\n])\nmodel_dropout.compile(loss="sparse_categorical_'
            f'crossentropy", optimizer={opt}, metrics=["accuracy"])'
        )
    elif drop_way == 1:
        out["q_dropout"] = (
            "model_dropout = keras.models.Sequential()\nmodel_dropout.add(keras.layers.Flatten("
            f"input_shape=[28, 28]))\nfor units in {sizes}:\n    model_dropout.add(keras.layers."
            f'Dense(units, activation="relu"))\n    model_dropout.add(keras.layers.Dropout({rate}'
            '))\nmodel_dropout.add(keras.layers.Dense(10, activation="softmax"))\nmodel_dropout.'
            'compile(loss="sparse_categorical_crossentropy", '
            f'optimizer={opt}, metrics=["accuracy"])'
        )
    else:
        out["q_dropout"] = (
            f"stack = [keras.layers.Flatten(input_shape=(28, 28))]\nfor width in {sizes}:\n"
            f"    stack += [keras.layers.Dropout({rate}), "
            'keras.layers.Dense(width, activation="relu")]'
            f"\nstack.append(keras.layers.Dropout({rate}))\nstack.append(keras.layers.Dense(10, "
            'activation="softmax"))\nmodel_dropout = keras.Sequential(stack)\nmodel_dropout.'
            'compile("sgd" if '
            + f"{drop_way} == 2 else {opt}"
            + ', "sparse_categorical_crossentropy", metrics=["acc"])'
        )
    path = c('"my_keras_model.h5"', '"mlp.h5"', '"fashion_model.keras"', '"model_saved.h5"')
    out["q_save"] = c(
        f"{m}.save({path})\nmodel_loaded = keras.models.load_model({path})",
        f"path = {path}\n{m}.save(path)\nmodel_loaded = keras.models.load_model(path)\n"
        f"np.testing.assert_allclose(model_loaded.predict(X_test[:5]), {m}.predict(X_test[:5]))",
    )
    patience = c("10", "5", "8")
    out["q_callbacks"] = c(
        f"checkpoint_cb = keras.callbacks.ModelCheckpoint({path}, save_best_only=True)\n"
        f"early_stopping_cb = keras.callbacks.EarlyStopping(patience={patience}, "
        "restore_best_weights=True)\nhistory_cb = model_cb.fit(X_train, y_train, epochs=100,\n"
        "    validation_data=(X_valid, y_valid),\n"
        "    callbacks=[checkpoint_cb, early_stopping_cb])",
        f"checkpoint_cb = keras.callbacks.ModelCheckpoint(filepath={path}, monitor='val_loss', "
        "save_best_only=True)\nearly_stopping_cb = keras.callbacks.EarlyStopping(monitor="
        f"'val_loss', patience={patience}, restore_best_weights=True)\ncallbacks = [checkpoint_cb,"
        " early_stopping_cb]\nhistory_cb = model_cb.fit(X_train, y_train, epochs=200, "
        "validation_data=(X_valid, y_valid), callbacks=callbacks, verbose=0)",
    )
    for question in QUESTIONS:  # every student's own small choices inside each answer
        out[question] = personal(out[question], s.rng, edits=1 if s.follower else 4)
    if not s.follower:  # what students add of their own: checks, plots, experiments
        extras = _extras(s)
        for question in r.sample(QUESTIONS, r.randrange(2, 5)):
            out[question] += "\n\n" + extras.pop()
    return out


OPTIONAL = {  # keyword arguments a student may or may not spell out, by method
    "fit": ["batch_size=32", "verbose=1", "shuffle=True", "verbose=2", "validation_freq=1"],
    "evaluate": ["verbose=0", "batch_size=64", "return_dict=False", "verbose=2"],
    "predict": ["verbose=0", "batch_size=128", "steps=None"],
    "compile": ["run_eagerly=False", "weighted_metrics=None", "jit_compile=False"],
    "Dense": ["use_bias=True", 'kernel_initializer="glorot_uniform"', "bias_initializer='zeros'"],
    "Dropout": ["seed=42", "noise_shape=None"],
    "load_model": ["compile=True"],
    "save": ['save_format="h5"', "overwrite=True", "include_optimizer=True"],
    "ModelCheckpoint": ["verbose=1", "save_weights_only=False", 'mode="auto"'],
    "EarlyStopping": ['monitor="val_loss"', "verbose=1", "min_delta=0", 'mode="min"'],
}
CHECKS = [
    "assert {v}.shape[0] > 0",
    "assert len({v}) > 0",
    "{v}_shape = np.shape({v})",
    "assert {v} is not None",
    "print(type({v}))",
    "assert not np.isnan(np.sum({v}))",
    "n_{v} = len({v})",
    "{v}_copy = {v}",
]


def personal(code: str, rng: random.Random, *, edits: int) -> str:
    """A student's own small choices: optional keyword arguments spelled out, a check on a
    name just assigned, a blank line or comment (each as real students vary the same code)."""
    for _ in range(rng.randrange(edits + 1)):
        kind = rng.random()
        calls = [m for m in re.finditer(r"\b(\w+)\(", code) if m.group(1) in OPTIONAL]
        if kind < 0.6 and calls:
            call = rng.choice(calls)
            end, depth = call.end(), 1
            while end < len(code) and depth:
                depth += {"(": 1, ")": -1}.get(code[end], 0)
                end += 1
            extra = rng.choice(OPTIONAL[call.group(1)])
            if extra.split("=")[0] + "=" not in code[call.end() : end]:
                inside = code[call.end() : end - 1]
                code = (
                    code[: call.end()]
                    + inside
                    + (", " if inside.strip() else "")
                    + extra
                    + code[end - 1 :]
                )
        else:
            names = re.findall(r"^(\w+) = ", code, re.M)
            if names:
                code += "\n" + rng.choice(CHECKS).format(v=rng.choice(names))
    return code


def _extras(s: Student) -> list[str]:
    m, h, c = s.model, s.hist, s.choose
    pool = [
        f"plt.plot({h}.history['loss'], label='train')\nplt.plot({h}.history['val_loss'], "
        "label='valid')\nplt.legend()\nplt.xlabel('epoch')\nplt.show()",
        "from sklearn.metrics import confusion_matrix\ncm = confusion_matrix(y_test, np.argmax("
        f"{m}.predict(X_test), axis=1))\nplt.imshow(cm, cmap='Blues')\nplt.colorbar()",
        f"wrong = np.where(np.argmax({m}.predict(X_test[:500]), axis=1) != y_test[:500])[0]\n"
        "for k, i in enumerate(wrong[:6]):\n    plt.subplot(1, 6, k + 1)\n    plt.imshow("
        "X_test[i], cmap='gray')\n    plt.axis('off')",
        "counts = np.bincount(y_train, minlength=10)\nfor name, n in zip(class_names, counts):\n"
        "    print(f'{name:12s} {n}')",
        f"for layer in {m}.layers:\n    print(layer.name, layer.output_shape, "
        "layer.count_params())",
        f"lrs = [1e-3, 1e-2, 1e-1]\nscores = {{}}\nfor lr in lrs:\n    trial = keras.models."
        f"clone_model({m})\n    trial.compile(loss='sparse_categorical_crossentropy', optimizer="
        "keras.optimizers.SGD(learning_rate=lr), metrics=['accuracy'])\n    trial.fit(X_train[:"
        "5000], y_train[:5000], epochs=3, verbose=0)\n    scores[lr] = trial.evaluate(X_valid, "
        "y_valid, verbose=0)[1]\nscores",
        "print(X_train.dtype, X_train.min(), X_train.max())\nassert X_valid.shape[0] == 5000",
        f"pd.DataFrame({h}.history)[['accuracy', 'val_accuracy']].plot()\nplt.title("
        "'accuracy')\nplt.ylim(0.5, 1)",
        "mean_image = X_train.mean(axis=0)\nplt.imshow(mean_image, cmap='gray')\nplt.title("
        "'average training image')",
        f"probs = {m}.predict(X_valid, verbose=0)\nconfidence = probs.max(axis=1)\nplt.hist("
        "confidence, bins=20)\nprint('mean confidence', confidence.mean())",
    ]
    s.rng.shuffle(pool)
    return [c(x, x) for x in pool]


# ---- what a copier does to the notebook they copy (the program stays the same) ----


def rename(code: str, rng: random.Random) -> str:
    for name in (
        "weights",
        "biases",
        "hidden1",
        "X_new",
        "y_proba",
        "y_pred",
        "path",
        "net",
        "units",
        "width",
        "stack",
        "sizes",
        "optimizer",
        "settings",
        "results",
        "n",
        "total",
        "z",
        "s",
        "out",
        "dense",
        "w",
        "b",
        "model",
        "clf",
        "mlp",
        "hist",
        "history",
        "checkpoint_cb",
        "early_stopping_cb",
        "callbacks",
        "best",
    ):
        code = re.sub(
            rf"\b{name}\b(?!\s*=[^=]\s*[^\n]*\)\s*$)", f"{name}{rng.randrange(2, 9)}", code
        )
    return code


def spacing(code: str, rng: random.Random) -> str:
    code = code.replace(" = ", "=").replace(", ", ",")
    return "\n".join(line + ("  # ok" if rng.random() < 0.2 else "") for line in code.split("\n"))


def keyword_order(code: str, rng: random.Random) -> str:
    """Keyword arguments of each one-line call put in another order."""

    def shuffle(match: re.Match) -> str:
        parts = match.group(2).split(", ")
        positional = [p for p in parts if not re.match(r"\w+=", p)]
        named = [p for p in parts if re.match(r"\w+=", p)]
        rng.shuffle(named)
        return f"{match.group(1)}({', '.join(positional + named)})"

    return re.sub(r"(\w+)\(([^()\[\]]*=[^()\[\]]*)\)", shuffle, code)


def add_vs_list(code: str, rng: random.Random) -> str:
    """``m = Sequential()`` and ``m.add(...)`` lines written as one ``Sequential([...])``."""
    lines, out, i = code.split("\n"), [], 0
    while i < len(lines):
        found = re.match(r"(\w+) = keras\.models\.Sequential\(\)$", lines[i])
        if found:
            name, layers_, i = found.group(1), [], i + 1
            while i < len(lines) and lines[i].startswith(f"{name}.add(") and lines[i].endswith(")"):
                layers_.append(lines[i][len(name) + 5 : -1])
                i += 1
            out.append(f"{name} = keras.Sequential([" + ", ".join(layers_) + "])")
            continue
        found = re.match(r"(\w+) = keras\.models\.Sequential\(\[$", lines[i])
        if found:
            name, i = found.group(1), i + 1
            out.append(f"{name} = keras.models.Sequential()")
            while i < len(lines) and lines[i] != "])":
                out.append(f"{name}.add({lines[i].strip().rstrip(',')})")
                i += 1
            i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def helpers(notebook: dict[str, str], rng: random.Random) -> dict[str, str]:
    """Code moved into the copier's own helper functions (defined in an earlier cell)."""
    out = dict(notebook)
    model = re.search(r"^(\w+)\.compile\(", out["q_compile"], re.M)
    if model and "compile(" in out["q_compile"] and "settings" not in out["q_compile"]:
        call = out["q_compile"].split(".compile", 1)[1]
        out["q_compile"] = (
            f"def compile_model(m):\n    m.compile{call.replace(chr(10), ' ')}\n"
            f"    return m\n\n{model.group(1)} = compile_model({model.group(1)})"
        )
    data = out["q_data"].split("\n")
    if len(data) > 4:
        body = "\n".join("    " + x for x in data[2:-2])
        out["q_data"] = (
            "def split_and_scale(X_train_full, y_train_full, X_test):\n"
            + body
            + "\n    return X_train, X_valid, X_test, y_train, y_valid\n\n"
            + "\n".join(data[:2])
            + "\nX_train, X_valid, X_test, y_train, y_valid = "
            "split_and_scale(X_train_full, y_train_full, X_test)\n" + "\n".join(data[-2:])
        )
    fit = re.match(r"(\w+) = (\w+)\.fit\((.*)\)$", out["q_train"].split("\n")[0])
    if fit:
        rest = "\n".join(out["q_train"].split("\n")[1:])
        out["q_train"] = (
            f"def train(m, epochs_n):\n    return m.fit({fit.group(3)})\n\n"
            f"{fit.group(1)} = train({fit.group(2)}, 1)\n{rest}"
        )
    return out


def comprehensions(code: str, rng: random.Random) -> str:
    """Loops that append written as comprehensions, and the other way round."""
    code = re.sub(
        r"^(\w+) = \[\]\nfor (\w+) in ([^\n]+):\n    \1\.append\(([^\n]+)\)$",
        lambda m: f"{m.group(1)} = [{m.group(4)} for {m.group(2)} in {m.group(3)}]",
        code,
        flags=re.M,
    )
    return re.sub(
        r"^(\w+) = \[([^\n\[]+) for (\w+) in ([^\n]+)\]$",
        lambda m: (
            f"{m.group(1)} = []\nfor {m.group(3)} in {m.group(4)}:\n    {m.group(1)}."
            f"append({m.group(2)})"
        ),
        code,
        flags=re.M,
    )


def disguise(notebook: dict[str, str], rng: random.Random, kinds: list[str]) -> dict[str, str]:
    out = dict(notebook)
    if "helpers" in kinds:
        out = helpers(out, rng)
    for question, code in out.items():
        for kind, change in (
            ("add-vs-list", add_vs_list),
            ("comprehensions", comprehensions),
            ("keywords", keyword_order),
            ("rename", rename),
            ("spacing", spacing),
        ):
            if kind in kinds:
                code = change(code, rng)
        out[question] = code
    if "partial" in kinds:  # only some questions copied; the rest the copier's own
        own = answers(Student(rng, follower=False))
        for question in rng.sample(QUESTIONS, len(QUESTIONS) // 2):
            out[question] = own[question]
    if "padding" in kinds:  # own code and dead code added
        extras = _extras(Student(rng, follower=False))
        for question in rng.sample(QUESTIONS, 6):
            out[question] += "\n\n" + extras.pop()
        out["q_neuron"] += (
            "\n\ndef unused_helper(a, b):\n    c = a + b\n    for i in range(3):"
            "\n        c = c * 2\n    return c"
        )
    return out


def make_class(folder: Path, count: int, copies: int, seed: int) -> tuple[set, set, dict]:
    """The class's notebooks under ``folder``; (copied pairs, lecture followers, disguises)."""
    rng = random.Random(seed)
    skeleton = json.loads(SKELETON.read_text(encoding="utf-8"))
    notebooks, followers = [], set()
    honest = count - copies
    for number in range(honest):
        follower = rng.random() < 0.25
        notebooks.append(answers(Student(rng, follower)))
        if follower:
            followers.add(f"s{number:04d}")
    planted, how, groups = set(), {}, {}
    for pair in range(copies):
        source = rng.randrange(honest)
        kinds = rng.sample(DISGUISES, rng.randrange(2, 6))
        if pair < len(DISGUISES):
            kinds = sorted(set(kinds) | {DISGUISES[pair]})  # each disguise at least once
        notebooks.append(disguise(notebooks[source], rng, kinds))
        group = groups.setdefault(source, [f"s{source:04d}"])
        for other in group:  # two copies of one notebook are copies of each other too
            key = frozenset((other, f"s{honest + pair:04d}"))
            planted.add(key)
            how[key] = kinds
        group.append(f"s{honest + pair:04d}")
    for number, chosen in enumerate(notebooks):
        order = rng.sample(QUESTIONS, len(QUESTIONS)) if rng.random() < 0.3 else None
        notebook = students.student_notebook(skeleton, chosen, order)
        (folder / f"s{number:04d}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return planted, followers, how


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--html", help="keep similarity.html here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kit-similarity-bench-"))
    try:
        (work / "in").mkdir()
        planted, followers, how = make_class(work / "in", args.students, args.copies, args.seed)
        started, cpu = time.monotonic(), time.process_time()
        skeleton = sources.with_given_cells(sources.Skeleton.of(SKELETON), lecture_cells())
        batch, _ = sources.read_documents(
            [work / "in"], assignment="mlp", origin="", skeleton=skeleton
        )
        read = time.monotonic()
        comparison = compare.compare(batch, [], skeleton_hashes=skeleton.hashes)
        compared = time.monotonic()
        report.write_csv_report(work / "similarity.csv", comparison, QUESTIONS)
        report.write_html_report(
            work / "similarity.html",
            comparison,
            title="mlp",
            batch=len(batch),
            others={},
            skipped=[],
        )
        written = time.monotonic()
        if args.html:
            shutil.copy(work / "similarity.html", args.html)
        flagged = {frozenset((p.a.key, p.b.key)) for p in comparison.pairs if p.flagged}
        false = flagged - planted
        copied = {
            key for pair in planted for key in pair if key >= f"s{len(batch) - args.copies:04d}"
        }
        empty = {k for k in planted if k & followers}  # a copy of the lecture's code: all base
        planted -= empty
        print(
            f"{len(batch)} students ({len(followers)} follow the lecture), "
            f"{len(batch) * (len(batch) - 1) // 2} pairs, {len(comparison.pairs)} share code"
        )
        print(
            f"  read + normalise + fingerprint {read - started:5.1f} s; compare "
            f"{compared - read:5.1f} s; write csv + html {written - compared:5.1f} s; total "
            f"{written - started:5.1f} s ({time.process_time() - cpu:.1f} s of CPU)"
        )
        print(
            f"  copies of a lecture follower (only base code to share, by design never "
            f"flagged): {len(empty)}, flagged: {len(empty & flagged)}"
        )
        print(
            f"  disguised copies flagged: {len(planted & flagged)}/{len(planted)}; honest "
            f"pairs flagged: {len(false)} (of them between lecture followers: "
            f"{sum(1 for p in false if p <= followers)})"
        )
        scores = {frozenset((p.a.key, p.b.key)): p for p in comparison.pairs}
        honest = [p for k, p in scores.items() if k not in planted and not k & copied]
        print(
            "  largest honest pair (where the limits come from): "
            f"{max((min(p.matched_a, p.matched_b) for p in honest), default=0)} own tokens "
            f"shared; {max((len(p.identical) for p in honest), default=0)} identical questions"
        )
        for key in sorted(planted - flagged, key=sorted):
            pair = scores.get(key)
            print(
                f"  missed {sorted(key)} ({', '.join(how[key])}): "
                + (
                    f"{pair.overall:.0%}, {min(pair.matched_a, pair.matched_b)} tokens"
                    if pair
                    else "no shared code"
                )
            )
        for key in sorted(false, key=sorted)[:10]:
            pair = scores[key]
            print(f"  false flag {sorted(key)}: {'; '.join(pair.reasons)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
