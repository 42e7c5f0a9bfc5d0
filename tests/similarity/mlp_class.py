# ruff: noqa: E501  (the students' code is kept as they would type it)
"""A class of mlp notebooks written the way students write them, and copies made the way students
copy: the similarity benchmark's and tests' data, drawn from a seed.

An honest student has habits that hold across the notebook (how they spell Keras' names, the
input shape, quotes, whether they comment, in English or Chinese, print, check with asserts,
like small functions, comprehensions or loops, spell out optional arguments) and answers each
question in one of the ways such a student would, with their own small choices inside; many add
cells of their own (plots, a confusion matrix, a learning-rate trial ...). About a quarter follow
the lecture closely: they type its code with little of their own.

A copier takes another student's notebook, all of it or only some answers (writing the rest
themselves), and disguises what they took in ways that keep the program: renamed variables,
re-spacing and comments, keyword arguments reordered, ``Sequential([...])`` against ``.add()``,
code moved into functions, loops against comprehensions, cells reordered; then edits it a little
(a line dropped or added, another number) and may pad it with code of their own. Nothing here
knows how the report detects anything.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import random
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

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
REQUIRED = frozenset(  # names the questions ask for: a copier keeps them
    {"drill_params", "neuron_output", "w", "x", "theta", "f", "output_and_loss", "X_train",
     "y_train", "X_valid", "y_valid", "X_test", "y_test", "X_train_full", "y_train_full",
     "class_names", "fashion_mnist", "model", "model_list", "dense_params", "total_params",
     "hidden1", "weights", "biases", "history", "test_loss", "test_accuracy", "X_new",
     "y_proba", "y_pred", "model_dropout", "model_loaded", "checkpoint_cb", "early_stopping_cb",
     "history_cb", "model_cb", "keras", "tf", "np", "pd", "plt", "layers", "Dense", "Flatten",
     "Dropout", "Sequential", "Input"}
)  # fmt: skip
COPY_KINDS = ["whole", "partial", "partial", "partial"]  # how often a copier takes everything
DISGUISES = ["rename", "respace", "keywords", "add-vs-list", "helpers", "comprehensions",
             "reorder", "edits", "padding"]  # fmt: skip


@dataclass
class Habits:
    """What holds across one student's notebook."""

    follower: bool
    layers: str  # how Keras' layers are spelled: "keras.layers.", "layers.", "", "tf.keras.layers."
    models: str  # and Sequential: "keras.models.", "keras.", "", "tf.keras."
    shape: str  # the input shape as written
    quote: str
    comments: float  # chance of a comment before a statement
    chinese: bool
    prints: float  # chance of printing what was just computed
    checks: float  # chance of an assert or a shape check after an answer
    functions: bool  # likes small functions
    comprehensions: bool  # prefers comprehensions to loops
    explicit: float  # chance of spelling out an optional argument
    input_layer: bool  # keras.Input(...) then Flatten() rather than Flatten(input_shape=...)
    names: dict[str, str] = field(default_factory=dict)  # own names for intermediate values


def draw_habits(rng: random.Random, *, follower: bool) -> Habits:
    pick = rng.choice
    if follower:
        return Habits(True, "keras.layers.", "keras.models.", "[28, 28]", '"',
                      comments=pick([0.0, 0.0, 0.1]), chinese=rng.random() < 0.5,
                      prints=pick([0.0, 0.1]), checks=0.0, functions=False,
                      comprehensions=False, explicit=0.0, input_layer=False)  # fmt: skip
    return Habits(
        False,
        layers=pick(["keras.layers.", "keras.layers.", "layers.", "", "tf.keras.layers."]),
        models=pick(["keras.models.", "keras.", "", "tf.keras."]),
        shape=pick(["[28, 28]", "(28, 28)", "(28,28)", "[28,28]"]),
        quote=pick(['"', "'"]),
        comments=pick([0.0, 0.1, 0.3, 0.5]),
        chinese=rng.random() < 0.4,
        prints=pick([0.0, 0.2, 0.5]),
        checks=pick([0.0, 0.0, 0.2, 0.4]),
        functions=rng.random() < 0.25,
        comprehensions=rng.random() < 0.6,
        explicit=pick([0.0, 0.1, 0.3]),
        input_layer=rng.random() < 0.15,
        names={
            "opt": pick(["optimizer", "opt", "sgd", "my_optimizer", "optim"]),
            "i": pick(["i", "idx", "k", "j"]),
            "layer": pick(["layer", "l", "lyr", "ly"]),
            "units": pick(["units", "n", "size", "n_units", "width", "h"]),
            "path": pick(["path", "model_path", "fname", "file_name", "save_path"]),
            "sizes": pick(["hidden_sizes", "sizes", "hidden", "layer_sizes", "HIDDEN"]),
            "z": pick(["z", "s", "net", "total", "a", "activation_input"]),
            "rate": pick(["rate", "p", "drop_rate", "dropout_rate"]),
            "n_valid": pick(["n_valid", "N_VALID", "split", "valid_size", "cut"]),
            "scale": pick(["scale", "MAX_PIXEL", "norm", "pixel_max"]),
        },
    )


COMMENTS = {  # (English, Chinese), said before the statement they describe
    "split": ("split off the validation set", "划分验证集"),
    "scale": ("scale pixels to [0, 1]", "归一化到0-1"),
    "model": ("build the network", "建立网络"),
    "hidden": ("hidden layers", "隐藏层"),
    "output": ("output layer, one unit per class", "输出层"),
    "compile": ("compile with SGD", "编译模型"),
    "train": ("train the model", "训练模型"),
    "eval": ("evaluate on the test set", "测试集上评估"),
    "predict": ("predict the first three images", "预测前三张图片"),
    "dropout": ("same MLP with dropout", "加入Dropout层"),
    "save": ("save and load again", "保存并重新载入模型"),
    "callbacks": ("callbacks: checkpoint and early stopping", "回调函数"),
    "params": ("parameters of each Dense layer", "每个Dense层的参数个数"),
    "init": ("initial weights of the first hidden layer", "查看初始化的权重"),
    "neuron": ("weighted sum plus bias, then the activation", "加权和再加偏置"),
    "drill": ("weights plus biases of both layers", "权重加偏置"),
}


class AnyOrder(tuple):
    """Slots a student writes in whatever order comes to mind."""

    def __new__(cls, *slots):
        return super().__new__(cls, slots)


class Writer:
    """One honest student writing their answers."""

    def __init__(self, rng: random.Random, habits: Habits) -> None:
        self.rng = rng
        self.h = habits

    # ---- small things every answer is made of
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, *options):
        return self.rng.choice(options)

    def name(self, key: str, default: str) -> str:
        return self.h.names.get(key, default)

    def q(self, text: str) -> str:
        return f"{self.h.quote}{text}{self.h.quote}"

    def comment(self, key: str) -> list[str]:
        if not self.chance(self.h.comments):
            return []
        english, chinese = COMMENTS[key]
        return [f"# {chinese if self.h.chinese else english}"]

    def show(self, *names: str) -> list[str]:
        if not names or not self.chance(self.h.prints):
            return []
        shown = self.pick(*names)
        return [self.pick(f"print({shown})", f"print({self.q(shown + ':')}, {shown})",
                          f"print(f{self.q(shown + ' = {' + shown + '}')})", shown)]  # fmt: skip

    def check(self, *lines: str) -> list[str]:
        return [self.pick(*lines)] if lines and self.chance(self.h.checks) else []

    def layer(self, kind: str, *args: str, **kwargs: str) -> str:
        parts = list(args) + [f"{k}={v}" for k, v in kwargs.items()]
        return f"{self.h.layers}{kind}({', '.join(parts)})"

    def dense(self, units: str, activation: str) -> str:
        extra = {}
        if self.chance(self.h.explicit):
            key, value = self.pick(
                ("kernel_initializer", self.q("glorot_uniform")),
                ("use_bias", "True"),
                ("kernel_initializer", self.q("he_normal")),
            )
            extra[key] = value
        return self.layer("Dense", units, activation=self.q(activation), **extra)

    def flatten(self) -> list[str]:
        if self.h.input_layer:
            return [f"{self.h.layers}Input(shape={self.h.shape.replace('[', '(').replace(']', ')')})",
                    self.layer("Flatten")]  # fmt: skip
        return [self.layer("Flatten", input_shape=self.h.shape)]

    def sequential(self) -> str:
        return f"{self.h.models}Sequential"

    def imports(self) -> list[str]:
        out = []
        if self.h.layers == "layers.":
            out.append("from tensorflow.keras import layers")
        elif self.h.layers == "":
            out.append(f"from tensorflow.keras.layers import Dense, Flatten, Dropout"
                       f"{', Input' if self.h.input_layer else ''}")  # fmt: skip
        if self.h.models == "":
            out.append("from tensorflow.keras.models import Sequential")
        return out

    def optimizer(self) -> str:
        lr = self.pick("0.01", "0.01", "1e-2", "0.010")
        key = "learning_rate" if self.chance(0.85) else "lr"
        parts = [f"{key}={lr}", "momentum=0.9", "nesterov=True"]
        if self.chance(0.3):
            self.rng.shuffle(parts)
        return f"keras.optimizers.SGD({', '.join(parts)})"

    def compile_args(self, opt: str) -> str:
        metric = self.pick('["accuracy"]', '["accuracy"]', "['acc']", '["accuracy"]')
        parts = [f"loss={self.q('sparse_categorical_crossentropy')}", f"optimizer={opt}",
                 f"metrics={metric.replace(chr(34), self.h.quote)}"]  # fmt: skip
        if self.chance(0.3):
            self.rng.shuffle(parts)
        return ", ".join(parts)

    def join(self, *groups) -> str:
        lines: list[str] = []
        for group in groups:
            lines += [group] if isinstance(group, str) else list(group)
        return "\n".join(lines)

    # ---- the questions
    def q_drill_params(self) -> str:
        way = self.pick(0, 1, 2, 3, 4)
        if self.h.follower or way == 0:
            body = ["drill_params = (100 + 1) * 20 + (20 + 1) * 3"]
        elif way == 1:
            body = ["drill_params = 100 * 20 + 20 + 20 * 3 + 3"]
        elif way == 2:
            a, b, c = self.pick(("n_in", "n_hidden", "n_out"), ("d", "h", "k"),
                                ("inputs", "hidden", "classes"))  # fmt: skip
            body = [f"{a}, {b}, {c} = 100, 20, 3",
                    f"drill_params = ({a} + 1) * {b} + ({b} + 1) * {c}"]  # fmt: skip
        elif way == 3:
            body = ["def dense_count(n_in, n_out):", "    return n_in * n_out + n_out", "",
                    "drill_params = dense_count(100, 20) + dense_count(20, 3)"]  # fmt: skip
        else:
            body = ["hidden_params = 100 * 20 + 20", "output_params = 20 * 3 + 3",
                    "drill_params = hidden_params + output_params"]  # fmt: skip
        return self.join(self.comment("drill"), body, self.show("drill_params"))

    def q_neuron(self) -> str:
        z = self.name("z", "z")
        ways = [
            ["    return f(np.dot(w, x) + theta)"],
            ["    return f(w @ x + theta)"],
            [f"    {z} = np.dot(w, x) + theta", f"    return f({z})"],
            [f"    {z} = np.sum(w * x) + theta", f"    return f({z})"],
            [f"    {z} = theta", "    for wi, xi in zip(w, x):", f"        {z} += wi * xi",
             f"    return f({z})"],
            [f"    {z} = sum(wi * xi for wi, xi in zip(w, x)) + theta", f"    return f({z})"],
            ["    w = np.asarray(w)", "    x = np.asarray(x)", f"    {z} = w.dot(x) + theta",
             f"    return f({z})"],
            ["    return f(np.matmul(w, x) + theta)"],
        ]  # fmt: skip
        body = ways[0] if self.h.follower else self.rng.choice(ways)
        doc = []
        if self.chance(self.h.comments):
            doc = [f'    """{self.pick("One neuron: f(w.x + theta).", "单个神经元的输出")}"""']
        extra = self.check("assert np.isclose(neuron_output(np.ones(2), np.ones(2), 0.0, "
                           "np.abs), 2.0)", "print(neuron_output(np.array([1, 2]), np.array([3, "
                           "4]), 0.5, np.tanh))")  # fmt: skip
        return self.join("def neuron_output(w, x, theta, f):", doc, self.comment("neuron")
                         and ["    # " + COMMENTS["neuron"][self.h.chinese]], body, extra)  # fmt: skip

    def q_output_loss(self) -> str:
        pairs = [("binary", "sigmoid", "binary_crossentropy"),
                 ("multiclass, integer labels", "softmax", "sparse_categorical_crossentropy"),
                 ("multiclass, one-hot labels", "softmax", "categorical_crossentropy")]  # fmt: skip
        way = 0 if self.h.follower else self.pick(0, 0, 1, 2)
        q = self.q
        if way == 0:
            body = ["output_and_loss = {}"] + [
                f'output_and_loss["{k}"] = ({q(a)}, {q(b)})' for k, a, b in pairs
            ]
        elif way == 1:
            body = ["output_and_loss = {}"] + [
                f'output_and_loss["{k}"] = [{q(a)}, {q(b)}]' for k, a, b in pairs
            ]
        else:
            body = ["output_and_loss = {"] + [f"    {q(k)}: ({q(a)}, {q(b)})," for k, a, b in pairs]
            body += ["}"]
        return self.join(body, self.show("output_and_loss"))

    def q_data(self) -> str:
        load = ["fashion_mnist = keras.datasets.fashion_mnist",
                "(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()"]  # fmt: skip
        names = ['class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",',
                 '               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]']  # fmt: skip
        n, s = self.name("n_valid", "n_valid"), self.name("scale", "scale")
        ways = [
            ["X_valid, X_train = X_train_full[:5000] / 255., X_train_full[5000:] / 255.",
             "y_valid, y_train = y_train_full[:5000], y_train_full[5000:]",
             "X_test = X_test / 255."],
            ['X_train_full = X_train_full.astype("float32") / 255.0',
             'X_test = X_test.astype("float32") / 255.0',
             "X_valid, X_train = X_train_full[:5000], X_train_full[5000:]",
             "y_valid, y_train = y_train_full[:5000], y_train_full[5000:]"],
            [f"{n} = 5000", f"{s} = 255.0", f"X_valid = X_train_full[:{n}] / {s}",
             f"X_train = X_train_full[{n}:] / {s}", f"y_valid = y_train_full[:{n}]",
             f"y_train = y_train_full[{n}:]", f"X_test = X_test / {s}"],
            ["X_train = X_train_full[5000:] / 255.0", "X_valid = X_train_full[:5000] / 255.0",
             "y_train = y_train_full[5000:]", "y_valid = y_train_full[:5000]",
             "X_test = X_test / 255.0"],
            ["X_valid, X_train = np.split(X_train_full / 255.0, [5000])",
             "y_valid, y_train = np.split(y_train_full, [5000])", "X_test = X_test / 255.0"],
        ]  # fmt: skip
        split = ways[0] if self.h.follower else self.rng.choice(ways)
        if self.h.functions and self.chance(0.5):
            split = ["def scale(images):", f"    return images.astype({self.q('float32')}) / 255",
                     "", "X_valid, X_train = scale(X_train_full[:5000]), "
                     "scale(X_train_full[5000:])",
                     "y_valid, y_train = y_train_full[:5000], y_train_full[5000:]",
                     "X_test = scale(X_test)"]  # fmt: skip
        checks = self.check("assert X_train.shape == (55000, 28, 28)",
                            "print(X_train.shape, X_valid.shape, X_test.shape)",
                            "assert X_train.max() <= 1.0 and X_valid.shape[0] == 5000",
                            "print(X_train.dtype, X_train.min(), X_train.max())")  # fmt: skip
        return self.join(self.imports(), load, self.comment("split"), split, names, checks)

    def stack(
        self, name: str, *, sizes: str = "[300, 100]", dropout: str | None = None
    ) -> list[str]:
        """``name`` built with ``.add`` (or a loop over the sizes)."""
        out = [f"{name} = {self.sequential()}()"]
        out += [f"{name}.add({x})" for x in self.flatten()]
        loop = not self.h.follower and self.chance(0.35)
        if loop:
            u = self.name("units", "units")
            out.append(f"for {u} in {sizes}:")
            out.append(f"    {name}.add({self.dense(u, 'relu')})")
            if dropout:
                out.append(f"    {name}.add({self.layer('Dropout', rate=dropout)})")
        else:
            for units in ("300", "100"):
                out.append(f"{name}.add({self.dense(units, 'relu')})")
                if dropout:
                    out.append(f"{name}.add({self.layer('Dropout', rate=dropout)})")
        out.append(f"{name}.add({self.dense('10', 'softmax')})")
        return out

    def listed(self, name: str, dropout: str | None = None) -> list[str]:
        inner = list(self.flatten())
        for units in ("300", "100"):
            inner.append(self.dense(units, "relu"))
            if dropout:
                inner.append(self.layer("Dropout", rate=dropout))
        inner.append(self.dense("10", "softmax"))
        if self.chance(0.3) and not self.h.follower:
            return [f"{name} = {self.sequential()}([{', '.join(inner)}])"]
        return [f"{name} = {self.sequential()}(["] + [f"    {x}," for x in inner] + ["])"]

    def q_model(self) -> str:
        summary = self.pick(["model.summary()"], ["model.summary()"], [],
                            ["model.summary()", "model_list.summary()"])  # fmt: skip
        if self.h.follower:
            summary = ["model.summary()"]
        if self.h.functions and self.chance(0.6):
            build = ["def build_mlp():", f"    net = {self.sequential()}()"]
            build += [f"    net.add({x})" for x in self.flatten()]
            u = self.name("units", "units")
            build += [f"    for {u} in [300, 100]:",
                      f"        net.add({self.dense(u, 'relu')})",
                      f"    net.add({self.dense('10', 'softmax')})", "    return net", "",
                      "model = build_mlp()"]  # fmt: skip
            return self.join(self.comment("model"), build, "", self.listed("model_list"),
                             summary)  # fmt: skip
        return self.join(self.imports() if self.chance(0.3) else [], self.comment("model"),
                         self.stack("model"), "", self.listed("model_list"), summary)  # fmt: skip

    def q_params(self) -> str:
        ly = self.name("layer", "layer")
        dense = self.pick(
            f"[{ly}.count_params() for {ly} in model.layers if isinstance({ly}, keras.layers."
            f"Dense)]",
            f"[{ly}.count_params() for {ly} in model.layers[1:]]",
            f"[{ly}.count_params() for {ly} in model.layers if {ly}.name.startswith("
            f"{self.q('dense')})]",
            f"[model.layers[{self.name('i', 'i')}].count_params() for {self.name('i', 'i')} in "
            f"range(1, 4)]",
        )
        if self.h.follower:
            dense = f"[{ly}.count_params() for {ly} in model.layers[1:]]"
        if not self.h.comprehensions and not self.h.follower:
            head, rest = dense[1:-1].split(" for ", 1)
            loop_var, rest = rest.split(" in ", 1)
            source, _, cond = rest.partition(" if ")
            body = ["dense_params = []", f"for {loop_var} in {source}:"]
            if cond:
                body += [f"    if {cond}:", f"        dense_params.append({head})"]
            else:
                body += [f"    dense_params.append({head})"]
        else:
            body = [f"dense_params = {dense}"]
        total = self.pick("total_params = model.count_params()", "total_params = sum(dense_params)",
                          "total_params = model.count_params()")  # fmt: skip
        return self.join(self.comment("params"), body, total, self.show("dense_params",
                         "total_params"), self.check("assert sum(dense_params) == total_params",
                         "assert total_params == model.count_params()"))  # fmt: skip

    def q_init(self) -> str:
        first = self.pick("hidden1 = model.layers[1]", "hidden1 = model.layers[1]",
                          'hidden1 = model.get_layer(index=1)',
                          "hidden1 = model.get_layer(model.layers[1].name)")  # fmt: skip
        if self.h.follower:
            first = "hidden1 = model.layers[1]"
        get = self.pick(["weights, biases = hidden1.get_weights()"],
                        ["weights, biases = hidden1.get_weights()"],
                        ["weights = hidden1.get_weights()[0]", "biases = hidden1.get_weights()[1]"],
                        ["weights, biases = hidden1.kernel.numpy(), hidden1.bias.numpy()"])  # fmt: skip
        if self.h.follower:
            get = ["weights, biases = hidden1.get_weights()"]
        last = self.pick("weights", "weights.shape, biases.shape", "print(weights.shape)", "biases")
        return self.join(self.comment("init"), first, get, last,
                         self.check("assert (biases == 0).all()", "print(weights.min(), "
                                    "weights.max())"))  # fmt: skip

    def q_compile(self) -> str:
        opt = self.optimizer()
        if self.h.follower:
            return ('model.compile(loss="sparse_categorical_crossentropy",\n'
                    '              optimizer=keras.optimizers.SGD(learning_rate=0.01, '
                    'momentum=0.9, nesterov=True),\n              metrics=["accuracy"])')  # fmt: skip
        if self.chance(0.4):
            name = self.name("opt", "optimizer")
            body = [f"{name} = {opt}", f"model.compile({self.compile_args(name)})"]
        elif self.chance(0.5):
            body = [f"model.compile({self.compile_args(opt)})"]
        else:
            args = self.compile_args(opt).split(", ")
            args = ", ".join(args).replace("), ", "),\n              ")
            body = [f"model.compile({args})"]
        return self.join(self.comment("compile"), body)

    def q_train(self) -> str:
        extra = []
        if self.chance(self.h.explicit * 2):
            extra.append(self.pick("batch_size=32", "verbose=1", "verbose=2", "shuffle=True"))
        args = ["X_train", "y_train", "epochs=30", "validation_data=(X_valid, y_valid)", *extra]
        if not self.h.follower and self.chance(0.3):
            args[2:] = sorted(args[2:], key=lambda _: self.rng.random())
        if self.h.follower or self.chance(0.5):
            body = [f"history = model.fit({', '.join(args)})"]
        else:
            epochs = self.pick("EPOCHS", "n_epochs", "epochs")
            body = [
                f"{epochs} = 30",
                f"history = model.fit({', '.join(args).replace('=30', '=' + epochs)})",
            ]
        after = self.check("print(history.history.keys())",
                           "best = np.argmax(history.history['val_accuracy'])",
                           "print(max(history.history['val_accuracy']))")  # fmt: skip
        return self.join(self.comment("train"), body, after)

    def q_evaluate(self) -> str:
        if self.h.follower or self.chance(0.6):
            kw = ", verbose=0" if self.chance(self.h.explicit * 2) else ""
            body = [f"test_loss, test_accuracy = model.evaluate(X_test, y_test{kw})"]
        else:
            name = self.pick("results", "scores", "res", "evaluation")
            body = [f"{name} = model.evaluate(X_test, y_test)",
                    f"test_loss, test_accuracy = {name}[0], {name}[1]"
                    if self.chance(0.5) else f"test_loss, test_accuracy = {name}"]  # fmt: skip
        return self.join(self.comment("eval"), body, self.show("test_accuracy", "test_loss"))

    def q_predict(self) -> str:
        proba = self.pick("y_proba = model.predict(X_new)", "y_proba = model.predict(X_new)",
                          "y_proba = model.predict(X_new, verbose=0)",
                          "y_proba = model(X_new).numpy()")  # fmt: skip
        pred = self.pick(
            "y_pred = np.argmax(y_proba, axis=1)",
            "y_pred = y_proba.argmax(axis=1)",
            "y_pred = np.argmax(y_proba, axis=-1)",
            "y_pred = y_proba.argmax(axis=-1)",
        )
        if self.h.follower:
            proba, pred = "y_proba = model.predict(X_new)", "y_pred = np.argmax(y_proba, axis=1)"
        last = self.pick("y_proba.round(2), y_pred, y_test[:3]", "y_pred",
                         "np.array(class_names)[y_pred]",
                         "[class_names[i] for i in y_pred]")  # fmt: skip
        return self.join("X_new = X_test[:3]", self.comment("predict"), proba, pred, last)

    def q_dropout(self) -> str:
        rate = self.pick("0.2", "0.2", "0.20")
        opt = self.optimizer()
        compile_ = f"model_dropout.compile({self.compile_args(opt)})"
        if self.h.follower:
            body = [
                "model_dropout = keras.models.Sequential([",
                "    keras.layers.Flatten(input_shape=[28, 28]),",
                '    keras.layers.Dense(300, activation="relu"),',
                "    keras.layers.Dropout(rate=0.2),",
                '    keras.layers.Dense(100, activation="relu"),',
                "    keras.layers.Dropout(rate=0.2),",
                '    keras.layers.Dense(10, activation="softmax")',
                "])",
                'model_dropout.compile(loss="sparse_categorical_crossentropy",',
                "                      optimizer=keras.optimizers.SGD(learning_rate=0.01, "
                "momentum=0.9, nesterov=True),",
                '                      metrics=["accuracy"])',
            ]
            return self.join(self.comment("dropout"), body)  # fmt: skip
        way = self.pick(0, 1, 2, 3)
        if way == 0:
            body = self.listed("model_dropout", dropout=rate)
        elif way == 1:
            body = self.stack("model_dropout", dropout=rate)
        elif way == 2:
            r = self.name("rate", "rate")
            body = [f"{r} = {rate}", *self.listed("model_dropout", dropout=r)]
        else:
            u = self.name("units", "units")
            body = [f"{self.name('layer', 'layer')}s = [{self.flatten()[-1]}]",
                    f"for {u} in [300, 100]:",
                    f"    {self.name('layer', 'layer')}s.append({self.dense(u, 'relu')})",
                    f"    {self.name('layer', 'layer')}s.append({self.layer('Dropout', rate)})",
                    f"{self.name('layer', 'layer')}s.append({self.dense('10', 'softmax')})",
                    f"model_dropout = {self.sequential()}({self.name('layer', 'layer')}s)"]  # fmt: skip
        if self.chance(0.3):
            compile_ = ("model_dropout.compile(loss=model.loss, optimizer="
                        f"{opt}, metrics={self.q('accuracy').join('[]')})")  # fmt: skip
        return self.join(self.comment("dropout"), body, compile_,
                         self.check("model_dropout.summary()", "assert len(model_dropout.layers) "
                                    "== 6"))  # fmt: skip

    def q_save(self) -> str:
        file = self.q("my_keras_model.h5")
        if not self.h.follower and self.chance(0.4):
            p = self.name("path", "path")
            body = [
                f"{p} = {file}",
                f"model.save({p})",
                f"model_loaded = keras.models.load_model({p})",
            ]
        else:
            body = [f"model.save({file})", f"model_loaded = keras.models.load_model({file})"]
        return self.join(self.comment("save"), body, self.check(
            "np.testing.assert_allclose(model_loaded.predict(X_test[:5]), model.predict(X_test[:5]))",
            "model_loaded.summary()", "assert model_loaded.count_params() == model.count_params()"))  # fmt: skip

    def q_callbacks(self) -> str:
        file = self.q("my_keras_model.h5")
        cp = [file, "save_best_only=True"]
        es = ["patience=10", "restore_best_weights=True"]
        if self.chance(self.h.explicit * 2):
            cp.insert(1, f"monitor={self.q('val_loss')}")
        if self.chance(self.h.explicit * 2):
            es.insert(0, f"monitor={self.q('val_loss')}")
        if not self.h.follower and self.chance(0.2):
            cp[0] = f"filepath={file}"
        if not self.h.follower and self.chance(0.3):
            es.reverse()
        body = [f"checkpoint_cb = keras.callbacks.ModelCheckpoint({', '.join(cp)})",
                f"early_stopping_cb = keras.callbacks.EarlyStopping({', '.join(es)})"]  # fmt: skip
        fit = ["history_cb = model_cb.fit(X_train, y_train, epochs=100,",
               "                          validation_data=(X_valid, y_valid),",
               "                          callbacks=[checkpoint_cb, early_stopping_cb])"]  # fmt: skip
        if not self.h.follower and self.chance(0.3):
            fit = ["callbacks = [checkpoint_cb, early_stopping_cb]",
                   "history_cb = model_cb.fit(X_train, y_train, epochs=100, validation_data="
                   "(X_valid, y_valid), callbacks=callbacks)"]  # fmt: skip
        return self.join(self.comment("callbacks"), body, fit)

    # ---- cells of their own
    def slots(self, *slots) -> list[str]:
        """Lines from slots in their order: a line; a list of options (one is taken); a tuple
        (line or options, the chance it is written); a set of such slots written in any order
        (what a student puts in whatever order comes to mind: a plot's labels, a few checks)."""
        out: list[str] = []
        for slot in slots:
            if isinstance(slot, AnyOrder):
                group = list(slot)
                self.rng.shuffle(group)
                out += self.slots(*group)
            elif isinstance(slot, tuple):
                line, p = slot
                if self.chance(p):
                    out += self.slots(line)
            elif isinstance(slot, list):
                out += self.slots(self.pick(*slot))
            else:
                out += slot.split("\n")
        return out

    def extras(self) -> list[str]:
        """Cells a student adds of their own (plots, checks, small experiments): each a theme
        written with the student's own choice of lines, their order and details."""
        pick, q = self.pick, self.q
        cmap = q(pick("gray", "binary", "Greys", "gray_r", "viridis"))
        n = pick("5", "6", "8", "10", "12", "16")
        i = self.name("i", "i")
        k = pick(*[x for x in ("k", "j", "pos", "col") if x != i])
        figure = ([f"plt.figure(figsize=({pick('6', '8', '10', '12')}, {pick('3', '4', '5', '6')}))",
                   "fig = plt.figure()", f"fig, ax = plt.subplots(figsize=({pick('8', '10')}, 4))"],
                  0.6)  # fmt: skip
        show = (["plt.show()", "plt.tight_layout()\nplt.show()", "plt.close()"], 0.7)
        decorations = AnyOrder(
            ([f"plt.xlabel({q(pick('epoch', 'Epoch', 'epochs'))})",
              f"plt.gca().set_xlabel({q('epoch')})"], 0.7),
            (f"plt.ylabel({q(pick('loss', 'Loss', 'accuracy', 'value'))})", 0.5),
            ([f"plt.title({q(pick('learning curves', 'Learning curve', '学习曲线', 'training'))})",
              f"plt.suptitle({q(pick('curves', 'history'))})"], 0.4),
            (["plt.legend()", f"plt.legend(loc={q(pick('best', 'upper right', 'lower left'))})"],
             0.6),
            (["plt.grid(True)", "plt.grid()", f"plt.grid(alpha={pick('0.3', '0.5')})"], 0.4),
            ([f"plt.ylim(0, {pick('1', '2')})", "plt.gca().set_ylim(0, 1)"], 0.3),
        )  # fmt: skip
        pred = pick("y_hat", "preds", "predicted", "y_pred_all", "pred_classes")
        wrong = pick("wrong", "errors", "mistakes", "bad", "wrong_idx")
        hist = pick("history.history", "hist_df", "h")
        keys = pick(
            f"[{q('loss')}, {q('val_loss')}]",
            f"[{q('accuracy')}, {q('val_accuracy')}]",
            f"[{q('loss')}, {q('val_loss')}, {q('accuracy')}, {q('val_accuracy')}]",
        )
        curves = self.slots(
            (
                f"{hist} = pd.DataFrame(history.history)"
                if hist == "hist_df"
                else f"{hist} = history.history"
                if hist == "h"
                else "",
                1.0,
            ),
            figure,
            [
                f"for key in {keys}:\n    plt.plot({hist}[key], label=key)",
                f"for key in {keys}:\n    plt.plot(range(1, len({hist}[key]) + 1), {hist}[key], "
                f"label=key)",
                f"plt.plot({hist}[{q('loss')}], label={q(pick('train', 'training loss', 'loss'))})\n"
                f"plt.plot({hist}[{q('val_loss')}], label={q(pick('valid', 'val', 'validation'))})",
                f"plt.plot({hist}[{q('accuracy')}])\nplt.plot({hist}[{q('val_accuracy')}])",
                f"epochs_run = range(1, len({hist}[{q('loss')}]) + 1)\nplt.plot(epochs_run, "
                f"{hist}[{q('loss')}], {q('b-')})\nplt.plot(epochs_run, {hist}[{q('val_loss')}], "
                f"{q('r--')})",
                f"pd.DataFrame(history.history)[{keys}].plot(ax=plt.gca())",
            ],
            decorations,
            show,
        )
        mean = pick("mean_image", "avg", "mean_img")
        data = self.slots(
            AnyOrder(
                ("print(X_train.shape, y_train.shape)", 0.5),
                (
                    [
                        "print(X_train.dtype, X_train.min(), X_train.max())",
                        "X_train.min(), X_train.max()",
                        "assert X_train.max() <= 1",
                    ],
                    0.4,
                ),
                (
                    [
                        "np.unique(y_train, return_counts=True)",
                        "pd.Series(y_train).value_counts()",
                        "np.bincount(y_train)",
                        "collections.Counter(y_train)",
                    ],
                    0.6,
                ),
            ),
            figure,
            [
                f"for {i} in range({n}):\n    plt.subplot({pick('1', '2')}, {n}, {i} + 1)\n"
                f"    plt.imshow(X_train[{i}], cmap={cmap})"
                + pick(
                    "\n    plt.title(class_names[y_train[" + i + "]])",
                    "\n    plt.xlabel(class_names[y_train[" + i + "]])",
                    "",
                )
                + pick(
                    "", f"\n    plt.axis({q('off')})", "\n    plt.xticks([])\n    plt.yticks([])"
                ),
                f"plt.imshow(X_train[{pick('0', '1', '7', '42')}], cmap={cmap})\n"
                + pick(
                    f"plt.title(class_names[y_train[{pick('0', '1', '7', '42')}]])",
                    "plt.colorbar()",
                ),
                f"{mean} = X_train.mean(axis=0)\nplt.imshow({mean}, cmap={cmap})",
                f"{mean} = np.mean(X_train, axis=0)\nplt.matshow({mean})",
            ],
            show,
        )
        sure = pick("probs", "p", "proba_all", "y_prob")
        subset = pick("X_test", f"X_test[:{pick('500', '1000', '2000')}]")
        truth = pick("y_test[:len(" + pred + ")]", "y_test[: len(" + pred + ")]")
        predictions = self.slots(
            [
                f"{sure} = model.predict({subset})",
                f"{sure} = model.predict({subset}, verbose=0)",
                f"{sure} = model({subset}).numpy()",
            ],
            [
                f"{pred} = np.argmax({sure}, axis=1)",
                f"{pred} = {sure}.argmax(axis=-1)",
                f"{pred} = np.argmax({sure}, -1)",
            ],
            AnyOrder(
                (
                    [
                        f"print((({pred} == {truth}).mean()))",
                        f"accuracy = np.mean({pred} == {truth})",
                        f"print(sum({pred} == {truth}) / len({pred}))",
                    ],
                    0.5,
                ),
                (
                    [
                        f"{wrong} = np.where({pred} != {truth})[0]",
                        f"{wrong} = np.nonzero({pred} != {truth})[0]",
                        f"{wrong} = [{i} for {i} in range(len({pred})) if {pred}[{i}] != y_test[{i}]]",
                        f"{wrong} = np.flatnonzero({pred} - {truth})",
                    ],
                    0.7,
                ),
            ),
            (f"print(len({wrong}))", 0.3),
            figure,
            [
                f"for {k}, {i} in enumerate({wrong}[:{n}]):\n    plt.subplot(1, {n}, {k} + 1)\n"
                f"    plt.imshow(X_test[{i}], cmap={cmap})\n    plt.title(class_names[{pred}[{i}]])",
                f"for {k} in range({n}):\n    {i} = {wrong}[{k}]\n    plt.subplot(2, {n}, {k} + 1)\n"
                f"    plt.imshow(X_test[{i}], cmap={cmap})\n"
                f"    plt.title(f{q('{class_names[y_test[' + i + ']]} -> {class_names[' + pred + '[' + i + ']]}')})",
                f"from sklearn.metrics import confusion_matrix\ncm = confusion_matrix({truth}, {pred})"
                + pick(
                    f"\nplt.imshow(cm, cmap={cmap})\nplt.colorbar()",
                    "\nprint(cm)",
                    "\npd.DataFrame(cm, index=class_names, columns=class_names)",
                ),
                f"from sklearn.metrics import classification_report\nprint(classification_report("
                f"{truth}, {pred}, target_names=class_names))",
                pick(
                    f"per_class = {{}}\nfor c in range(10):\n    mask = {truth} == c\n"
                    f"    per_class[class_names[c]] = ({pred}[mask] == c).mean()",
                    f"per_class = {{class_names[c]: ({pred}[{truth} == c] == c).mean() for c in "
                    f"range(10)}}",
                    f"per_class = []\nfor c in range(10):\n    per_class.append(np.mean({pred}"
                    f"[{truth} == c] == c))",
                )
                + pick(
                    "\npd.Series(per_class)",
                    "\nprint(per_class)",
                    "\nplt.bar(range(10), per_class)" if "append" in "" else "",
                ),
            ],
            show,
        )
        values = pick("[1e-3, 1e-2, 1e-1]", "[0.001, 0.01, 0.1]", "[0.1, 0.03, 0.01, 0.003]",
                      "[64, 128, 256]", "[10, 20, 50]")  # fmt: skip
        store = pick("scores", "results", "acc", "res")
        trial = pick("trial", "m", "tmp", "candidate", "test_model")
        value = pick("value", "lr", "v", "x")
        experiment = self.slots(
            [f"{store} = {{}}", f"{store} = dict()"],
            [f"for {value} in {values}:", f"for {i}, {value} in enumerate({values}):"],
            [
                f"    {trial} = keras.models.clone_model(model)",
                f"    {trial} = {self.sequential()}([{self.flatten()[-1]}, {self.dense('300', 'relu')}, "
                f"{self.dense('10', 'softmax')}])",
                f"    {trial} = build_mlp()"
                if self.h.functions
                else f"    {trial} = keras.models.clone_model(model_list)",
            ],
            [
                f"    {trial}.compile(loss={q('sparse_categorical_crossentropy')}, optimizer="
                f"keras.optimizers.SGD(learning_rate={value}), metrics=[{q('accuracy')}])",
                f"    {trial}.compile(optimizer=keras.optimizers.SGD({value}), loss="
                f"{q('sparse_categorical_crossentropy')}, metrics=[{q('accuracy')}])",
                f"    {trial}.compile({q('sgd')}, {q('sparse_categorical_crossentropy')}, "
                f"metrics=[{q('accuracy')}])",
            ],
            [
                f"    {trial}.fit(X_train[:{pick('5000', '10000', '20000')}], "
                f"y_train[:{pick('5000', '10000', '20000')}], epochs={pick('2', '3', '5')}, verbose=0)",
                f"    {trial}.fit(X_train, y_train, epochs={pick('1', '2', '3')}, "
                f"validation_data=(X_valid, y_valid), verbose=0)",
                f"    h_{trial} = {trial}.fit(X_train, y_train, epochs={pick('1', '2', '3')}, "
                f"validation_data=(X_valid, y_valid), verbose={pick('0', '2')})",
            ],
            [
                f"    {store}[{value}] = {trial}.evaluate(X_valid, y_valid, verbose=0)[1]",
                f"    _, {store}[{value}] = {trial}.evaluate(X_valid, y_valid, verbose=0)",
                f"    loss_v, acc_v = {trial}.evaluate(X_valid, y_valid)\n    {store}[{value}] = acc_v",
            ],
            (f"    print({value}, {store}[{value}])", 0.5),
            (
                [
                    f"print({store})",
                    f"pd.Series({store})",
                    f"max({store}, key={store}.get)",
                    f"best = max({store}, key=lambda key: {store}[key])\nprint(best)",
                    f"plt.plot(list({store}.keys()), list({store}.values()), {q('o-')})",
                ],
                0.6,
            ),
        )
        w0 = pick("w0", "kernel", "W", "trained_w")
        weights_look = self.slots(
            [
                f"{w0} = model.layers[1].get_weights()[0]",
                f"{w0}, _ = model.layers[1].get_weights()",
                f"{w0} = model.get_layer(index=1).kernel.numpy()",
            ],
            AnyOrder(
                (
                    [
                        f"print({w0}.mean(), {w0}.std())",
                        f"{w0}.mean(), {w0}.std()",
                        f"print(np.mean({w0}), np.std({w0}))",
                    ],
                    0.5,
                ),
                (f"print({w0}.shape)", 0.3),
                ([f"print(np.abs({w0} - weights).mean())", f"np.allclose({w0}, weights)"], 0.4),
            ),
            (
                [
                    f"plt.hist({w0}.ravel(), bins={pick('30', '50', '100')})",
                    f"plt.hist({w0}.flatten())",
                    f"sns.histplot({w0}.ravel())"
                    if self.chance(0.2)
                    else f"plt.imshow({w0}, aspect={q('auto')})",
                ],
                0.7,
            ),
            show,
        )
        ly = self.name("layer", "layer")
        layers_look = self.slots(
            [f"for {ly} in model.layers:", f"for {i}, {ly} in enumerate(model.layers):"],
            [
                f"    print({ly}.name, {ly}.output_shape)",
                f"    print({ly}.name, {ly}.count_params())",
                f"    print({ly}.get_config()[{q('units')}] if hasattr({ly}, {q('units')}) else None)",
                f"    print(type({ly}).__name__, {ly}.output_shape, {ly}.count_params())",
                f"    if hasattr({ly}, {q('activation')}):\n        print({ly}.name, "
                f"{ly}.activation.__name__)",
            ],
            AnyOrder(
                ("keras.utils.plot_model(model, show_shapes=True)", 0.3),
                (["model.get_config()", "model.to_json()", "len(model.layers)"], 0.3),
            ),
        )
        again = pick("again", "reloaded", "m2", "best_model")
        reload_check = self.slots(
            [
                f"{again} = keras.models.load_model({q('my_keras_model.h5')})",
                f"{again} = keras.models.load_model(checkpoint_cb.filepath)",
            ],
            AnyOrder(
                (
                    [
                        f"print({again}.evaluate(X_test, y_test, verbose=0))",
                        f"np.allclose({again}.predict(X_test[:10]), model.predict(X_test[:10]))",
                        f"{again}.evaluate(X_test, y_test)",
                    ],
                    0.8,
                ),
                (
                    [
                        "model_cb.evaluate(X_test, y_test)",
                        "print(model_cb.evaluate(X_test, y_test, verbose=0))",
                    ],
                    0.5,
                ),
                (
                    [
                        "pd.DataFrame(history_cb.history).plot(figsize=(8, 5))",
                        "print(len(history_cb.history['loss']), 'epochs')",
                        "early_stopping_cb.stopped_epoch",
                    ],
                    0.5,
                ),
            ),
        )
        pool = [curves, data, predictions, experiment, weights_look, layers_look, reload_check]
        self.rng.shuffle(pool)
        return ["\n".join(x for x in lines if x) for lines in pool]

    def notebook(self) -> dict[str, list[str]]:
        """Each question's cells: the answer, then any cells of the student's own."""
        out = {q: [getattr(self, q)()] for q in QUESTIONS}
        count = (
            self.rng.choice([0, 0, 1, 2])
            if self.h.follower
            else self.rng.choice([0, 1, 2, 3, 4, 5])
        )
        pool = self.extras()
        for question in self.rng.sample(QUESTIONS[3:], count):
            out[question].append(pool.pop())
        return out


def honest(rng: random.Random, *, follower: bool) -> dict[str, list[str]]:
    return Writer(rng, draw_habits(rng, follower=follower)).notebook()


# ---- what a copier does to what they took (the program stays the same)


def _offsets(code: str) -> list[int]:
    starts, total = [], 0
    for line in code.split("\n"):
        starts.append(total)
        total += len(line) + 1
    return starts


def _splice(code: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, text in sorted(edits, reverse=True):
        code = code[:start] + text + code[end:]
    return code


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def rename(code: str, rng: random.Random, names: dict[str, str]) -> str:
    """Own variables renamed consistently (``names`` shared across the notebook)."""
    tree = _parse(code)
    if tree is None:
        return code
    own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    own |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}
    own |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for name in sorted(own - REQUIRED):
        names.setdefault(name, rng.choice([name + "2", "my_" + name, name.upper(), name[0] + "_",
                                           "tmp_" + name, name + "_v"]))  # fmt: skip
    starts = _offsets(code)
    edits = []
    try:
        found = list(tokenize.generate_tokens(io.StringIO(code).readline))
        depth = 0
        for number, tok in enumerate(found):
            depth += (tok.string in "([{") - (tok.string in ")]}") if tok.type == tokenize.OP else 0
            after = found[number + 1].string if number + 1 < len(found) else ""
            if tok.type == tokenize.NAME and tok.string in names and tok.string not in REQUIRED:
                line, col = tok.start
                before = code[starts[line - 1] + col - 1] if col else ""
                if before != "." and not (after == "=" and depth > 0):  # a keyword argument's
                    # name is the callee's: renaming it would change the program
                    at = starts[line - 1] + col
                    edits.append((at, at + len(tok.string), names[tok.string]))
    except (tokenize.TokenError, IndentationError):
        return code
    return _splice(code, edits)


def respace(code: str, rng: random.Random) -> str:
    """Spacing changed and comments added or dropped (as a formatter or a hurried copier does)."""
    lines = []
    for line in code.split("\n"):
        if line.strip().startswith("#") and rng.random() < 0.7:
            continue
        line = re.sub(r" = ", rng.choice(["=", " = ", "= "]), line, count=1)
        line = line.replace(", ", rng.choice([",", ", "]))
        if line.strip() and rng.random() < 0.15:
            line += rng.choice(["  # done", "  # ok", "  #", "  # 完成"])
        lines.append(line)
    if rng.random() < 0.5:
        lines.insert(0, rng.choice(["# my solution", "# 我的答案", "# TODO check", "#"]))
    return "\n".join(lines)


def keywords(code: str, rng: random.Random) -> str:
    """Keyword arguments of each call given in another order."""
    tree = _parse(code)
    if tree is None:
        return code
    starts, edits = _offsets(code), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len([k for k in node.keywords if k.arg]) >= 2:
            named = [k for k in node.keywords if k.arg]
            spans = [(starts[k.lineno - 1] + k.col_offset,
                      starts[k.end_lineno - 1] + k.end_col_offset) for k in named]  # fmt: skip
            texts = [code[a:b] for a, b in spans]
            order = texts[:]
            rng.shuffle(order)
            if any(any(a < s[0] < b for s in spans) for a, b in spans):
                continue
            nested = any(isinstance(n, ast.Call) for k in named for n in ast.walk(k.value))
            if not nested:
                edits += [(a, b, t) for (a, b), t in zip(spans, order, strict=True)]
    return _splice(code, edits) if _parse(_splice(code, edits)) else code


def add_vs_list(code: str, rng: random.Random) -> str:
    """``m = Sequential([...])`` written as ``.add`` calls, and ``.add`` runs as one list."""
    tree = _parse(code)
    if tree is None:
        return code
    lines = code.split("\n")
    body = tree.body
    out_edits: list[tuple[int, int, list[str]]] = []  # (first line, last line, new lines), 0-based
    i = 0
    while i < len(body):
        node = body[i]
        call = node.value if isinstance(node, ast.Assign) else None
        is_seq = (isinstance(call, ast.Call) and (getattr(call.func, "attr", None) or
                  getattr(call.func, "id", None)) == "Sequential")  # fmt: skip
        if is_seq and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            func = ast.get_source_segment(code, call.func)
            if call.args and isinstance(call.args[0], ast.List):
                new = [f"{name} = {func}()"] + [
                    f"{name}.add({ast.get_source_segment(code, e)})" for e in call.args[0].elts
                ]
                out_edits.append((node.lineno - 1, node.end_lineno - 1, new))
            elif not call.args and not call.keywords:
                j, parts = i + 1, []
                while j < len(body) and _is_add(body[j], name):
                    parts.append(ast.get_source_segment(code, body[j].value.args[0]))
                    j += 1
                if parts and j == len(body) or parts and not _is_loop_add(body[j], name):
                    new = [f"{name} = {func}(["] + [f"    {p}," for p in parts] + ["])"]
                    out_edits.append((node.lineno - 1, body[j - 1].end_lineno - 1, new))
                    i = j
                    continue
        i += 1
    for first, last, new in sorted(out_edits, reverse=True):
        lines[first : last + 1] = new
    result = "\n".join(lines)
    return result if _parse(result) else code


def _is_add(node: ast.stmt, name: str) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "add"
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == name
            and len(node.value.args) == 1)  # fmt: skip


def _is_loop_add(node: ast.stmt, name: str) -> bool:
    return isinstance(node, ast.For) and any(_is_add(s, name) for s in node.body)


def comprehensions(code: str, rng: random.Random) -> str:
    """``x = []`` and a loop that appends written as a comprehension, and the other way round."""
    tree = _parse(code)
    if tree is None:
        return code
    lines = code.split("\n")
    edits = []
    body = tree.body
    for i, node in enumerate(body):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.ListComp)
                and len(node.value.generators) == 1):  # fmt: skip
            name, comp = node.targets[0].id, node.value
            gen = comp.generators[0]
            seg = lambda n: ast.get_source_segment(code, n)  # noqa: E731
            new = [f"{name} = []", f"for {seg(gen.target)} in {seg(gen.iter)}:"]
            if gen.ifs:
                new += [f"    if {seg(gen.ifs[0])}:", f"        {name}.append({seg(comp.elt)})"]
            else:
                new += [f"    {name}.append({seg(comp.elt)})"]
            edits.append((node.lineno - 1, node.end_lineno - 1, new))
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
              and not node.value.elts and i + 1 < len(body) and isinstance(body[i + 1], ast.For)
              and len(body[i + 1].body) == 1 and isinstance(node.targets[0], ast.Name)):  # fmt: skip
            loop, name = body[i + 1], node.targets[0].id
            inner, cond = loop.body[0], None
            if isinstance(inner, ast.If) and len(inner.body) == 1 and not inner.orelse:
                cond, inner = inner.test, inner.body[0]
            if _is_append(inner, name):
                seg = lambda n: ast.get_source_segment(code, n)  # noqa: E731
                tail = f" if {seg(cond)}" if cond is not None else ""
                new = [f"{name} = [{seg(inner.value.args[0])} for {seg(loop.target)} in "
                       f"{seg(loop.iter)}{tail}]"]  # fmt: skip
                edits.append((node.lineno - 1, loop.end_lineno - 1, new))
    for first, last, new in sorted(edits, reverse=True):
        lines[first : last + 1] = new
    result = "\n".join(lines)
    return result if _parse(result) else code


def _is_append(node: ast.stmt, name: str) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in ("append", "add")
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == name
            and len(node.value.args) == 1)  # fmt: skip


def helpers(code: str, rng: random.Random, question: str) -> str:
    """The answer's statements moved into a function of the copier's own, called once."""
    tree = _parse(code)
    if (
        tree is None
        or len(tree.body) < 2
        or any(
            isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
            for n in tree.body
        )
    ):
        return code
    stored = [n.id for s in tree.body for n in ast.walk(s)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]  # fmt: skip
    results = [n for n in dict.fromkeys(stored) if n in REQUIRED]
    if not results:
        return code
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    params = sorted(n for n in loaded - set(stored) if n in REQUIRED and n not in
                    ("keras", "tf", "np", "pd", "plt", "layers"))  # fmt: skip
    lines = code.split("\n")
    body = ["    " + x if x.strip() else x for x in lines]
    name = rng.choice(["do_", "make_", "run_", "answer_", "step_"]) + question[2:]
    call = f"{name}({', '.join(params)})"
    out = [f"def {name}({', '.join(params)}):", *body, f"    return {', '.join(results)}", "",
           f"{', '.join(results)} = {call}"]  # fmt: skip
    result = "\n".join(out)
    return result if _parse(result) else code


def edit(code: str, rng: random.Random) -> str:
    """A small change of the copier's own: a number changed, a line dropped, a line added."""
    lines = code.split("\n")
    kind = rng.random()
    if kind < 0.35:
        numbers = [m for m in re.finditer(r"\b\d+\b", code)]
        if numbers:
            m = rng.choice(numbers)
            return (
                code[: m.start()]
                + str(int(m.group()) + rng.choice([1, 2, 5, 10]))
                + code[m.end() :]
            )
    if kind < 0.65:
        droppable = [
            i for i, x in enumerate(lines) if re.match(r"(print\(|assert |plt\.|#|\w+$)", x.strip())
        ]
        if droppable:
            del lines[rng.choice(droppable)]
            return "\n".join(lines)
    added = rng.choice(["print('done')", "print(type(model))", "assert model is not None",
                        "# check this again", "print(X_train.shape)"])  # fmt: skip
    at = rng.randrange(len(lines) + 1)
    while at < len(lines) and at > 0 and lines[at].startswith((" ", ")", "]", "}")):
        at += 1
    lines.insert(at, added)
    result = "\n".join(lines)
    return result if _parse(result) else code


@dataclass
class Copy:
    source: int  # index of the notebook copied
    kinds: list[str]  # the disguises applied
    questions: list[str]  # the questions whose answers were taken
    cells: list[str] = field(default_factory=list)  # the source's cells taken (before disguise)
    distinctive: int = 0  # of them, cells no other honest student wrote in the same shape


def copy_notebook(
    original: dict[str, list[str]], rng: random.Random, *, whole: bool
) -> tuple[dict[str, list[str]], Copy]:
    """A copier's notebook: all of ``original`` or some answers of it (the rest their own),
    disguised."""
    own = honest(rng, follower=False)
    if whole:
        taken = list(QUESTIONS)
    elif rng.random() < 0.7:  # a stretch of the notebook (the part they could not do)
        size = rng.randrange(4, 11)
        first = rng.randrange(len(QUESTIONS) - size + 1)
        taken = QUESTIONS[first : first + size]
    else:  # answers here and there
        taken = rng.sample(QUESTIONS, rng.randrange(3, 10))
    kinds = rng.sample(DISGUISES, rng.randrange(1, 6))
    names: dict[str, str] = {}
    out = {}
    record_cells: list[str] = []
    for question in QUESTIONS:
        if question not in taken:
            out[question] = own[question]
            continue
        cells = list(original[question])
        if not whole and len(cells) > 1 and rng.random() < 0.3:
            cells = cells[:1]  # the answer only, not their extra cells
        changed = []
        record_cells += cells
        for number, code in enumerate(cells):
            if "helpers" in kinds and number == 0 and rng.random() < 0.5:
                code = helpers(code, rng, question)
            if "add-vs-list" in kinds:
                code = add_vs_list(code, rng)
            if "comprehensions" in kinds:
                code = comprehensions(code, rng)
            if "keywords" in kinds:
                code = keywords(code, rng)
            if "rename" in kinds:
                code = rename(code, rng, names)
            if "edits" in kinds and rng.random() < 0.5:
                code = edit(code, rng)
            if "respace" in kinds:
                code = respace(code, rng)
            changed.append(code)
        out[question] = changed
    if "padding" in kinds:
        pool = Writer(rng, draw_habits(rng, follower=False)).extras()
        for question in rng.sample(QUESTIONS[3:], 4):
            out[question] = [*out[question], pool.pop()]
        out["q_neuron"] = [out["q_neuron"][0] + "\n\n\ndef unused(a, b):\n    c = a + b\n"
                           "    for i in range(3):\n        c = c * 2\n    return c"]  # fmt: skip
    return out, Copy(-1, sorted(kinds), sorted(taken), record_cells)


def shape(code: str) -> str:
    """The cell's program with every name and literal blanked, and calls that only show
    something (``print``, ``display``, a bare last expression) and docstrings left out: two
    cells of the same shape differ only in spelling (a type-2 clone)."""
    tree = _parse(code)
    if tree is None:
        return code
    kept = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and (
            isinstance(node.value, (ast.Constant, ast.Name, ast.Tuple, ast.Attribute,
                                    ast.Subscript))
            or (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id in ("print", "display"))
        ):  # fmt: skip
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        kept.append(node)
    tree.body = kept
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = "_"
        elif isinstance(node, ast.arg):
            node.arg = "_"
        elif isinstance(node, ast.FunctionDef):
            node.name = "_"
        elif isinstance(node, ast.Constant):
            node.value = 0
        elif isinstance(node, ast.keyword):
            pass
    return ast.dump(tree, annotate_fields=False)


# ---- notebooks


def answer_cells(skeleton: dict) -> dict[str, int]:
    """Each question's answer cell in the skeleton: the last code cell with ``...`` before its
    check."""
    cells = skeleton["cells"]
    found = {}
    for i, cell in enumerate(cells):
        text = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
        check = re.search(r"""grader\.check\("(\w+)"\)""", text)
        if check:
            before = [j for j in range(i) if cells[j]["cell_type"] == "code"
                      and "..." in "".join(cells[j]["source"])]  # fmt: skip
            if before and before[-1] not in found.values():
                found[check.group(1)] = before[-1]
    return found


def notebook(skeleton: dict, answers: dict[str, list[str]], order: list[str] | None = None) -> dict:
    """The skeleton with each question's answer cell replaced by the student's cells; ``order``
    moves the questions' blocks (answer cells up to the check) into that order."""
    nb = copy.deepcopy(skeleton)
    cells = nb["cells"]
    where = answer_cells(skeleton)
    blocks: dict[str, list[dict]] = {}
    spans: dict[str, tuple[int, int]] = {}
    for question, at in where.items():
        end = next(i for i in range(at + 1, len(cells)) if f'grader.check("{question}")' in
                   "".join(cells[i]["source"]))  # fmt: skip
        spans[question] = (at, end)
    out: list[dict] = []
    index = 0
    starts = {at: q for q, (at, _) in spans.items()}
    while index < len(cells):
        question = starts.get(index)
        if question is None or question not in answers:
            out.append(cells[index])
            index += 1
            continue
        at, end = spans[question]
        block = []
        for code in answers[question]:
            block.append({"cell_type": "code", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": code})  # fmt: skip
        block += cells[at + 1 : end + 1]
        blocks[question] = block
        out.append({"question": question})
        index = end + 1
    if order:
        slots = [i for i, c in enumerate(out) if "question" in c]
        moved = [q for q in order if q in blocks]
        for slot, question in zip(slots, moved, strict=False):
            out[slot] = {"question": question}
    nb["cells"] = [c for x in out for c in (blocks[x["question"]] if "question" in x else [x])]
    return nb


@dataclass
class Class:
    """A class drawn from a seed: who copied from whom."""

    copied: set[frozenset[str]]  # pairs of students (file stems) where one copied the other
    followers: set[str]
    how: dict[frozenset[str], Copy]


def make_class(folder: Path, count: int, copies: int, seed: int, skeleton: Path) -> Class:
    """``count`` notebooks under ``folder`` (``sNNNN.ipynb``), ``copies`` of them copiers."""
    rng = random.Random(seed)
    nb = json.loads(skeleton.read_text(encoding="utf-8"))
    honest_count = count - copies
    notebooks, followers = [], set()
    for number in range(honest_count):
        follower = rng.random() < 0.25
        notebooks.append(honest(rng, follower=follower))
        if follower:
            followers.add(f"s{number:04d}")
    copied: set[frozenset[str]] = set()
    how: dict[frozenset[str], Copy] = {}
    groups: dict[int, list[str]] = {}
    for number in range(copies):
        source = rng.randrange(honest_count)
        whole = rng.choice(COPY_KINDS) == "whole"
        notebook_, record = copy_notebook(notebooks[source], rng, whole=whole)
        record.source = source
        notebooks.append(notebook_)
        me = f"s{honest_count + number:04d}"
        group = groups.setdefault(source, [f"s{source:04d}"])
        for other in group:  # two copies of one notebook share what both took
            key = frozenset((other, me))
            copied.add(key)
            how[key] = record
        group.append(me)
    shapes: dict[str, set[int]] = {}  # shape -> the honest students who wrote it
    for number, answers in enumerate(notebooks[:honest_count]):
        for cells in answers.values():
            for code in cells:
                shapes.setdefault(shape(code), set()).add(number)
    for record in how.values():
        record.distinctive = sum(1 for code in record.cells
                                 if not shapes.get(shape(code), set()) - {record.source})  # fmt: skip
    for number, answers in enumerate(notebooks):
        order = rng.sample(QUESTIONS, len(QUESTIONS)) if rng.random() < 0.1 else None
        if number >= honest_count and "reorder" in how_of(how, f"s{number:04d}"):
            order = rng.sample(QUESTIONS, len(QUESTIONS))
        (folder / f"s{number:04d}.ipynb").write_text(
            json.dumps(notebook(nb, answers, order)), encoding="utf-8"
        )
    return Class(copied, followers, how)


def how_of(how: dict[frozenset[str], Copy], student: str) -> list[str]:
    return next((c.kinds for k, c in how.items() if student in k), [])
