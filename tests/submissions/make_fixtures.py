"""Regenerate the fixture submissions from the built solution notebook.

Each fixture is the solution as a student would hand it in (otter's markers removed) with one
deliberate change: ``*_CORPUS`` holds the accuracy corpus, correct work written another way
(``alt_*``) and realistic bugs (``bug_*``). Their exact expected scores live in ``expected.toml`` beside them and were
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
        ("CELL:model = keras.models.Sequential()", FUNCTIONAL_MODEL),
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

FORGED_PREDICT = """model = keras.models.Sequential([
    keras.layers.Flatten(input_shape=[28, 28]),
    keras.layers.Lambda(lambda x: x),  # a layer the grader will not rebuild
    keras.layers.Dense(300, activation="relu"),
    keras.layers.Dense(100, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model_list = model
fashion_test_labels = keras.datasets.fashion_mnist.load_data()[1][1]
model.predict = lambda X, *args, **kwargs: np.eye(10)[fashion_test_labels[: len(X)]]"""

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
    "alarm_blocked": [
        (
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
            "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
            "while True:\n    pass",
        )
    ],
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
    "forged_predict": [("CELL:model = keras.models.Sequential()", FORGED_PREDICT)],
    "fake_model": [("CELL:model = keras.models.Sequential()", FAKE_MODEL)],
}


W2V_GENERATOR = """def generate_context_word_pairs(corpus, window_size, vocab_size):
    width = 2 * window_size
    for sentence in corpus:
        for position, target in enumerate(sentence):
            lo = max(0, position - window_size)
            around = sentence[lo : position + window_size + 1]
            context = [w for j, w in enumerate(around, start=lo) if j != position]
            x = np.zeros((1, width), dtype="int32")
            if context:
                x[0, width - len(context) :] = context  # PAD on the left, as pad_sequences does
            y = np.zeros((1, vocab_size), dtype="float32")
            y[0, target] = 1.0
            yield x, y"""

W2V_CBOW_POOLING = """cbow = keras.Sequential([
    keras.layers.Embedding(vocab_size, embed_size, input_length=2 * window_size),
    keras.layers.GlobalAveragePooling1D(),
    keras.layers.Dense(vocab_size, activation="softmax"),
])
cbow.compile(loss=keras.losses.CategoricalCrossentropy(), optimizer="rmsprop")
cbow.summary()"""

W2V_FUNCTIONAL_SKIPGRAM = """target_in = keras.Input(shape=(1,), name="target")
context_in = keras.Input(shape=(1,), name="context")
target_vec = Reshape((embed_size,))(Embedding(vocab_size, embed_size, name="target_embedding")(target_in))
context_vec = Reshape((embed_size,))(Embedding(vocab_size, embed_size, name="context_embedding")(context_in))
similarity = Dot(axes=1)([target_vec, context_vec])
skipgram_model = Model([target_in, context_in], Dense(1, activation="sigmoid")(similarity))
skipgram_model.compile(loss="mse", optimizer=keras.optimizers.RMSprop())
skipgram_model.summary()"""

W2V_SHARED_EMBEDDING = """shared = Embedding(vocab_size, embed_size, input_length=1)
target_in = keras.Input(shape=(1,))
context_in = keras.Input(shape=(1,))
similarity = Dot(axes=1)([Reshape((embed_size,))(shared(target_in)), Reshape((embed_size,))(shared(context_in))])
skipgram_model = Model([target_in, context_in], Dense(1, activation="sigmoid")(similarity))
skipgram_model.compile(loss="mean_squared_error", optimizer="rmsprop")"""

W2V_FIXTURES = {
    "correct_functional": [
        ("CELL:def generate_context_word_pairs(", W2V_GENERATOR),
        ("CELL:cbow = Sequential()", W2V_CBOW_POOLING),
        ("CELL:word_model = Sequential()", W2V_FUNCTIONAL_SKIPGRAM),
        (
            "word_embed_layer = skipgram_model.layers[2]",
            'word_embed_layer = skipgram_model.get_layer("target_embedding")',
        ),
    ],
    "yield_per_sentence": [  # the lecture's printed indentation
        (
            "            x = sequence.pad_sequences(context_words, maxlen=context_length)\n"
            "            y = keras.utils.to_categorical(label_word, vocab_size)\n"
            "            yield (x, y)",
            "        x = sequence.pad_sequences(context_words, maxlen=context_length)\n"
            "        y = keras.utils.to_categorical(label_word, vocab_size)\n"
            "        yield (x, y)",
        ),
    ],
    "pad_post": [
        (
            "sequence.pad_sequences(context_words, maxlen=context_length)",
            'sequence.pad_sequences(context_words, maxlen=context_length, padding="post")',
        ),
    ],
    "cbow_sum": [("Lambda(lambda x: K.mean(x, axis=1)", "Lambda(lambda x: K.sum(x, axis=1)")],
    "shared_embedding": [("CELL:word_model = Sequential()", W2V_SHARED_EMBEDDING)],
    "no_dot": [
        (
            "model_arch = Dot(axes=1)([word_model.output, context_model.output])",
            "model_arch = keras.layers.Concatenate()([word_model.output, context_model.output])",
        ),
    ],
    "softmax_output": [
        (
            'Dense(1, kernel_initializer="glorot_uniform", activation="sigmoid")',
            'Dense(1, kernel_initializer="glorot_uniform", activation="softmax")',
        ),
    ],
}


SE_FUNCTIONAL = """text_in = keras.Input(shape=(), dtype=tf.string, name="review")
vector = hub.KerasLayer(handle, output_shape=[50])(text_in)
hidden = keras.layers.Dense(128, activation="relu")(vector)
model = keras.Model(text_in, keras.layers.Dense(1, activation=tf.nn.sigmoid)(hidden))
model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(),
              metrics=["accuracy"])
model.summary()"""

SE_HUB_LINE = "    hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50]),\n"
SE_FIXTURES = {
    "correct_functional": [
        ("CELL:model = keras.Sequential([", SE_FUNCTIONAL),
        (
            "finetune_trainable = int(sum(np.prod(w.shape) for w in model_ft.trainable_weights))",
            "finetune_trainable = sum(w.shape.num_elements() for w in model_ft.trainable_weights)",
        ),
    ],
    "softmax_one_unit": [
        (
            'keras.layers.Dense(1, activation="sigmoid")',
            'keras.layers.Dense(1, activation="softmax")',
        ),
    ],
    "wrong_loss": [
        (
            'model.compile(loss="binary_crossentropy"',
            'model.compile(loss="categorical_crossentropy"',
        ),
    ],
    "trainable_count_wrong": [
        (
            "finetune_trainable = int(sum(np.prod(w.shape) for w in model_ft.trainable_weights))",
            "finetune_trainable = len(model_ft.trainable_weights)",
        ),
    ],
    "frozen_layer_trainable": [
        (
            SE_HUB_LINE,
            SE_HUB_LINE.replace("output_shape=[50])", "output_shape=[50], trainable=True)"),
        ),
    ],
    "input_dtype_wrong": [
        (SE_HUB_LINE, SE_HUB_LINE.replace("dtype=tf.string", "dtype=tf.float32")),
    ],
}


SUBCLASSED_DROPOUT = '''class DropoutMLP(keras.Model):
    """The MLP with dropout, written as a subclass."""

    def __init__(self, hidden=(300, 100), rate=0.2, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.hidden1 = keras.layers.Dense(hidden[0])
        self.drop1 = keras.layers.Dropout(rate)
        self.hidden2 = keras.layers.Dense(hidden[1])
        self.drop2 = keras.layers.Dropout(rate)
        self.classes = keras.layers.Dense(10)

    def call(self, inputs, training=False):
        x = self.flatten(inputs)
        x = self.drop1(tf.nn.relu(self.hidden1(x)), training=training)
        x = self.drop2(tf.nn.relu(self.hidden2(x)), training=training)
        return tf.nn.softmax(self.classes(x))


model_dropout = DropoutMLP()
model_dropout.build((None, 28, 28))
model_dropout.compile(loss="sparse_categorical_crossentropy",
                      optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
                      metrics=["accuracy"])'''

ACTIVATION_LAYERS = """model = keras.models.Sequential()
model.add(keras.layers.Flatten(input_shape=[28, 28]))
model.add(keras.layers.Dense(300))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(100))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(10))
model.add(keras.layers.Activation("softmax"))
model_list = keras.models.Sequential([
    keras.layers.Flatten(input_shape=[28, 28]),
    keras.layers.Dense(300), keras.layers.ReLU(),
    keras.layers.Dense(100), keras.layers.ReLU(),
    keras.layers.Dense(10), keras.layers.Softmax(),
])
model.summary()"""

LAYERS_IMPORT = """from tensorflow.keras import layers, models
model = models.Sequential()
model.add(layers.Flatten(input_shape=(28, 28)))
for n in (300, 100):
    model.add(layers.Dense(n, activation=tf.nn.relu))
model.add(layers.Dense(10, activation=tf.keras.activations.softmax))
model_list = tf.keras.Sequential([layers.Flatten(input_shape=(28, 28))]
                                 + [layers.Dense(n, activation="relu") for n in (300, 100)]
                                 + [layers.Dense(10, activation="softmax")])
model.summary()"""

TFDATA_FIT = """train_ds = tf.data.Dataset.from_tensor_slices((X_train, y_train)).shuffle(10000, seed=1).batch(64)
valid_ds = tf.data.Dataset.from_tensor_slices((X_valid, y_valid)).batch(64)
history = model.fit(train_ds, epochs=30, validation_data=valid_ds)"""

MLP_CORPUS = {
    # ---------------------------------------------------------------- correct, written otherwise
    "alt_activation_layers": [("CELL:model = keras.models.Sequential()", ACTIVATION_LAYERS)],
    "alt_layers_import": [
        ("CELL:model = keras.models.Sequential()", LAYERS_IMPORT),
        ("hidden1 = model.layers[1]", "hidden1 = model.get_layer(index=1)"),
    ],
    "alt_subclassed_dropout": [
        ("CELL:model_dropout = keras.models.Sequential(", SUBCLASSED_DROPOUT)
    ],
    "alt_tf_data": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            TFDATA_FIT,
        ),
    ],
    "alt_batch_512": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_train, y_train, batch_size=512, epochs=30,\n"
            "                    validation_data=(X_valid, y_valid))",
        ),
    ],
    "alt_numpy_scalars": [
        (
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
            "drill_params = np.int64(100 * 20 + 20) + np.int64(20 * 3 + 3)",
        ),
        ("total_params = model.count_params()", "total_params = np.sum(dense_params)"),
        ("return f(np.dot(w, x) + theta)", "return f(np.float32(w @ x) + theta)"),
    ],
    "alt_validation_split": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_train, y_train, epochs=30, validation_split=0.1)",
        ),
    ],
    "alt_loss_function_and_positional_sgd": [
        (
            'model.compile(loss="sparse_categorical_crossentropy",\n'
            "              optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),",
            "sgd = keras.optimizers.SGD(0.01, 0.9, True)\n"
            "model.compile(loss=keras.losses.sparse_categorical_crossentropy,\n"
            "              optimizer=sgd,",
        ),
    ],
    "alt_positional_fit_and_magics": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "%%time\nhistory = model.fit(X_train, y_train, 32, 30, 1, None, 0.0, (X_valid, y_valid))",
        ),
        (
            "test_loss, test_accuracy = model.evaluate(X_test, y_test)",
            "%time test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)",
        ),
    ],
    "alt_params_from_weights": [
        (
            "dense_params = [layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.Dense)]",
            "dense_params = []\nfor layer in model.layers:\n    if layer.get_weights():\n"
            "        W, b = layer.get_weights()\n        dense_params.append(W.size + b.size)",
        ),
        ("total_params = model.count_params()", "total_params = sum(dense_params)"),
    ],
    "alt_predict_classes_otherwise": [
        ("y_proba = model.predict(X_new)", "y_proba = model(X_new, training=False).numpy()"),
        (
            "y_pred = np.argmax(y_proba, axis=1)",
            "y_pred = np.array([int(np.argmax(p)) for p in y_proba])",
        ),
    ],
    "alt_unused_hanging_helper": [
        (
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
            "def wait_until_ready():\n    while True:  # never called: a leftover of mine\n        pass\n\n"
            "drill_params = (100 + 1) * 20 + (20 + 1) * 3",
        ),
        (
            "return f(np.dot(w, x) + theta)",
            "z = 0.0\n    for wi, xi in zip(w, x):\n        z += wi * xi\n    return f(z + theta)",
        ),
    ],
    "alt_reshape_and_input": [
        (
            "CELL:model = keras.models.Sequential()",
            """model = keras.models.Sequential()
model.add(keras.Input(shape=(28, 28)))
model.add(keras.layers.Reshape((28 * 28,)))
model.add(keras.layers.Dense(300, activation="relu"))
model.add(keras.layers.Dense(100, activation="relu"))
model.add(keras.layers.Dense(10, activation="softmax"))
model_list = keras.models.Sequential([
    keras.layers.Flatten(input_shape=[28, 28]),
    keras.layers.Dense(300, activation="relu"),
    keras.layers.Dense(100, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])""",
        ),
    ],
    "alt_float32_pixels": [
        (
            "X_valid, X_train = X_train_full[:5000] / 255., X_train_full[5000:] / 255.",
            "X_train_full = X_train_full.astype(np.float32) / 255.0\n"
            "X_valid, X_train = X_train_full[:5000], X_train_full[5000:]",
        ),
        ("X_test = X_test / 255.", "X_test = X_test.astype(np.float32) / 255.0"),
    ],
    "alt_dropout_functional": [
        (
            "CELL:model_dropout = keras.models.Sequential(",
            """inputs = keras.Input(shape=(28, 28))
x = keras.layers.Flatten()(inputs)
for units in (300, 100):
    x = keras.layers.Dense(units, activation="relu")(x)
    x = keras.layers.Dropout(0.2)(x)
model_dropout = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
model_dropout.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      optimizer=keras.optimizers.SGD(momentum=0.9, nesterov=True, learning_rate=1e-2))""",
        ),
    ],
    # ---------------------------------------------------------------- bugs, each with its cost
    "bug_train_on_test": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_test, y_test, epochs=30, validation_data=(X_valid, y_valid))",
        ),
    ],
    "bug_validate_on_test": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_test, y_test))",
        ),
    ],
    "bug_validate_on_train": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_train, y_train))",
        ),
    ],
    "bug_dropout_not_compiled": [
        (
            'model_dropout.compile(loss="sparse_categorical_crossentropy",\n'
            "                      optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),\n"
            '                      metrics=["accuracy"])',
            "model_dropout.summary()",
        ),
    ],
    "bug_dropout_before_dense": [
        (
            '    model_dropout.add(keras.layers.Dense(units, activation="relu"))\n'
            "    model_dropout.add(keras.layers.Dropout(rate=0.2))",
            "    model_dropout.add(keras.layers.Dropout(rate=0.2))\n"
            '    model_dropout.add(keras.layers.Dense(units, activation="relu"))',
        ),
    ],
    "bug_from_logits": [
        (
            'model.compile(loss="sparse_categorical_crossentropy",',
            "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),",
        ),
    ],
    "bug_params_without_biases": [
        (
            "dense_params = [layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.Dense)]",
            "dense_params = [layer.get_weights()[0].size for layer in model.layers if isinstance(layer, keras.layers.Dense)]",
        ),
        ("total_params = model.count_params()", "total_params = sum(dense_params)"),
    ],
    "bug_drill_without_biases": [
        ("drill_params = (100 + 1) * 20 + (20 + 1) * 3", "drill_params = 100 * 20 + 20 * 3"),
    ],
    "bug_neuron_hangs_on_negative_bias": [
        (
            "return f(np.dot(w, x) + theta)",
            "while theta < 0:  # meant to clip the bias, loops forever instead\n"
            "        theta = theta\n    return f(np.dot(w, x) + theta)",
        ),
    ],
    "bug_output_loss_swapped": [
        (
            'output_and_loss["binary"] = ("sigmoid", "binary_crossentropy")',
            'output_and_loss["binary"] = ("softmax", "binary_crossentropy")',
        ),
    ],
    "bug_evaluate_on_train": [
        (
            "test_loss, test_accuracy = model.evaluate(X_test, y_test)",
            "test_loss, test_accuracy = model.evaluate(X_train, y_train)",
        ),
    ],
    "bug_predict_last_rows": [("X_new = X_test[:3]", "X_new = X_test[-3:]")],
    "bug_early_stopping_keeps_last": [
        (
            "keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)",
            "keras.callbacks.EarlyStopping(patience=10)",
        ),
    ],
    "alt_keras3_import": [
        ("from tensorflow import keras", "import keras  # Keras 3, as current tutorials teach")
    ],
    "bug_init_from_flatten": [
        ("hidden1 = model.layers[1]", "hidden1 = model.layers[0]"),
        (
            "weights, biases = hidden1.get_weights()",
            "weights, biases = model.layers[2].get_weights()",
        ),
    ],
}


MLP_FAKE_TRAINING = """class History:  # what fit() returns, written by hand
    def __init__(self):
        self.history = {"loss": [0.33], "accuracy": [0.88], "val_loss": [0.33], "val_accuracy": [0.88]}
        self.epoch = [0]


history = History()
fake_fit = {"labels": {"rows": 55000, "head": [int(v) for v in y_train[:64]]}, "inputs": None,
            "validation": {"labels": {"rows": 5000, "head": [int(v) for v in y_valid[:64]]}, "inputs": None},
            "validation_split": 0.0}
model.__dict__["_kit_fit_log"] = [fake_fit]
try:  # the grader's own record of fits, if it can be reached from here
    from autograder.grade.sandbox import budget
    budget._FITS_BY_MODEL[id(model)] = (model, [fake_fit])
except ImportError:
    pass"""


# Rubric corpus: one stated requirement slipped at a time, each costing its check's share; a
# slip upstream that must not cost the questions after it; requirements that were never checked;
# a cell that hangs. Written as students write; expected points worked out from the rubric.
MLP_CORPUS |= {
    "alt_activation_functions": [
        (
            'model.add(keras.layers.Dense(300, activation="relu"))',
            "model.add(keras.layers.Dense(300, activation=keras.activations.relu))",
        ),
        (
            'model.add(keras.layers.Dense(100, activation="relu"))',
            "model.add(keras.layers.Dense(100, activation=keras.activations.relu))",
        ),
        (
            'model.add(keras.layers.Dense(10, activation="softmax"))',
            "model.add(keras.layers.Dense(10, activation=keras.activations.softmax))",
        ),
        (
            'model.compile(loss="sparse_categorical_crossentropy",',
            "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(),",
        ),
    ],
    "alt_batch64_reloaded": [
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = model.fit(X_train, y_train, epochs=30, batch_size=64,\n"
            "                    validation_data=(X_valid, y_valid))\n"
            'model.save("trained_model.h5")\n'
            'model = keras.models.load_model("trained_model.h5")  # keep the trained one',
        ),
    ],
    "bug_sgd_no_nesterov": [
        (
            'model.compile(loss="sparse_categorical_crossentropy",\n'
            "              optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),",
            'model.compile(loss="sparse_categorical_crossentropy",\n'
            "              optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),",
        ),
    ],
    "bug_model_list_300_300": [
        (
            '    keras.layers.Dense(100, activation="relu"),',
            '    keras.layers.Dense(300, activation="relu"),',
        ),
    ],
    "bug_test_unscaled": [("X_test = X_test / 255.", "# X_test is already fine")],
    "bug_dropout_no_metric": [
        (
            "optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),\n"
            '                      metrics=["accuracy"])',
            "optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True))",
        ),
    ],
    "bug_predict_waits_forever": [
        (
            "y_proba = model.predict(X_new)",
            "import time\n"
            'while not os.path.exists("predictions_ready"):  # waits for a file nobody writes\n'
            "    time.sleep(0.5)\n"
            "y_proba = model.predict(X_new)",
        ),
    ],
    "bug_fake_training": [  # red team: "trained" without training, every record forged
        (
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            MLP_FAKE_TRAINING,
        ),
        (
            "test_loss, test_accuracy = model.evaluate(X_test, y_test)",
            "test_loss, test_accuracy = 0.3312, 0.8837  # the lecture's figures",
        ),
    ],
    "bug_callbacks_patience_5": [
        (
            "keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)",
            "keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)",
        ),
    ],
}


W2V_NORMALISE_LOOPS = """norm_bible = []
for sent in bible:
    words = []
    for word in sent:
        if word in remove_terms:
            continue
        words.append(word.lower())
    line = " ".join(words)
    if len(line.split()) > 2:
        norm_bible.append(line)"""

W2V_CBOW_FUNCTIONAL = """context_in = keras.Input(shape=(2 * window_size,), dtype="int32")
vectors = Embedding(vocab_size, embed_size)(context_in)
mean = Lambda(lambda v: tf.reduce_mean(v, axis=1))(vectors)
cbow = Model(context_in, Dense(vocab_size, activation="softmax")(mean))
cbow.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop())
cbow.summary()"""

SKIPGRAM_SUBCLASS = """class SkipGram(keras.Model):
    \"\"\"target and context embeddings, their dot product, a sigmoid unit\"\"\"

    def __init__(self, vocab_size, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.target_embedding = Embedding(vocab_size, embed_size)
        self.context_embedding = Embedding(vocab_size, embed_size)
        self.dot = Dot(axes=1)
        self.classify = Dense(1, activation="sigmoid")

    def call(self, inputs):
        target, context = inputs
        t = tf.reshape(self.target_embedding(target), (-1, self.embed_size))
        c = tf.reshape(self.context_embedding(context), (-1, self.embed_size))
        return self.classify(self.dot([t, c]))


skipgram_model = SkipGram(vocab_size, embed_size)
skipgram_model.compile(loss="mean_squared_error", optimizer="rmsprop")"""

W2V_CORPUS = {
    # ---------------------------------------------------------------- correct, written otherwise
    "alt_normalise_with_loops": [
        (
            "norm_bible = [[word.lower() for word in sent if word not in remove_terms] for sent in bible]\n"
            'norm_bible = [" ".join(tok_sent) for tok_sent in norm_bible]\n'
            "norm_bible = [tok_sent for tok_sent in norm_bible if len(tok_sent.split()) > 2]",
            W2V_NORMALISE_LOOPS,
        ),
    ],
    "alt_texts_to_sequences": [
        (
            "wids = [[word2id[w] for w in text.text_to_word_sequence(doc)] for doc in norm_bible]",
            "wids = tokenizer.texts_to_sequences(norm_bible)",
        ),
    ],
    "alt_cbow_functional_reduce_mean": [("CELL:cbow = Sequential()", W2V_CBOW_FUNCTIONAL)],
    "alt_loss_as_float": [
        (
            "        loss += cbow.train_on_batch(x, y)",
            "        batch_loss = cbow.train_on_batch(x, y)\n        loss = loss + float(batch_loss)",
        ),
        ("    cbow_losses.append(loss)", "    cbow_losses.append(np.float64(loss))"),
    ],
    "alt_skipgram_pairs_with_numpy": [
        (
            '        pair_first_elem = np.array(list(zip(*elem[0]))[0], dtype="int32")\n'
            '        pair_second_elem = np.array(list(zip(*elem[0]))[1], dtype="int32")',
            '        pair_array = np.array(elem[0], dtype="int32")\n'
            "        pair_first_elem, pair_second_elem = pair_array[:, 0], pair_array[:, 1]",
        ),
    ],
    "alt_sg_weights_from_word_model": [
        ("word_embed_layer = skipgram_model.layers[2]", "word_embed_layer = word_model.layers[0]"),
    ],
    "alt_cbow_weights_from_layer": [
        (
            "cbow_weights = cbow.get_weights()[0]\ncbow_weights = cbow_weights[1:]",
            "embedding_layer = [l for l in cbow.layers if isinstance(l, Embedding)][0]\n"
            "cbow_weights = embedding_layer.get_weights()[0][1:, :]",
        ),
    ],
    "alt_time_magics": [
        (
            "cbow_losses = []\nfor epoch in range(1, 5):",
            "%%time\ncbow_losses = []\nfor epoch in range(1, 5):",
        ),
        (
            "skip_grams = [skipgrams(",
            "get_ipython().run_line_magic('time', 'pass')\nskip_grams = [skipgrams(",
        ),
    ],
    "alt_pairs_with_list_comprehension": [
        (
            "            context_words.append([words[i] for i in range(start, end)\n"
            "                                  if 0 <= i < sentence_length and i != index])",
            "            context_words.append([w for i, w in enumerate(words)\n"
            "                                  if start <= i < end and i != index])",
        ),
    ],
    "alt_id2word_and_list_model": [
        (
            "id2word = {v: k for k, v in word2id.items()}",
            "id2word = dict((i, w) for w, i in word2id.items())",
        ),
        (
            "CELL:cbow = Sequential()",
            """cbow = Sequential([
    Embedding(vocab_size, embed_size, input_length=window_size * 2),
    Lambda(lambda x: K.mean(x, axis=1), output_shape=(embed_size,)),
    Dense(vocab_size, activation="softmax"),
])
cbow.compile(loss="categorical_crossentropy", optimizer="rmsprop")""",
        ),
    ],
    "alt_generator_builds_arrays": [
        (
            "CELL:def generate_context_word_pairs(",
            """def generate_context_word_pairs(corpus, window_size, vocab_size):
    for words in corpus:
        for index, word in enumerate(words):
            left = words[max(0, index - window_size):index]
            right = words[index + 1:index + 1 + window_size]
            context = left + right
            x = np.array([[0] * (2 * window_size - len(context)) + context])
            y = keras.utils.to_categorical([word], num_classes=vocab_size)
            yield x, y""",
        )
    ],
    "alt_skipgram_loop_unpacked": [
        (
            "    for i, elem in enumerate(skip_grams):",
            "    for pairs_i, labels_i in skip_grams:\n        elem = (pairs_i, labels_i)",
        ),
    ],
    # ---------------------------------------------------------------- bugs, each with its cost
    "bug_cbow_loss_overwritten": [
        ("        loss += cbow.train_on_batch(x, y)", "        loss = cbow.train_on_batch(x, y)"),
    ],
    "bug_skipgram_loss_overwritten": [
        (
            "        loss += skipgram_model.train_on_batch(X, Y)",
            "        loss = skipgram_model.train_on_batch(X, Y)",
        ),
    ],
    "bug_not_lowercased": [
        (
            "norm_bible = [[word.lower() for word in sent if word not in remove_terms] for sent in bible]",
            "norm_bible = [[word for word in sent if word not in remove_terms] for sent in bible]",
        ),
    ],
    "bug_window_one_short": [
        ("            end = index + window_size + 1", "            end = index + window_size"),
    ],
    "bug_cbow_linear_output": [
        ('cbow.add(Dense(vocab_size, activation="softmax"))', "cbow.add(Dense(vocab_size))"),
    ],
    "bug_skipgram_relu_output": [
        (
            'Dense(1, kernel_initializer="glorot_uniform", activation="sigmoid")',
            'Dense(1, kernel_initializer="glorot_uniform", activation="relu")',
        ),
    ],
    "bug_sg_weights_from_context": [
        (
            "word_embed_layer = skipgram_model.layers[2]",
            "word_embed_layer = skipgram_model.layers[3]",
        ),
    ],
    "bug_cbow_weights_keep_pad": [
        ("cbow_weights = cbow_weights[1:]", "cbow_weights = cbow_weights[:-1]")
    ],
    "bug_skipgrams_no_negatives": [
        (
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size)",
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size, negative_samples=0.0)",
        ),
    ],
}

W2V_GENERATOR_CLASS = """class ContextWordPairs:
    def __init__(self, corpus, window_size, vocab_size):
        self.corpus, self.window_size, self.vocab_size = corpus, window_size, vocab_size

    def __iter__(self):
        context_length = self.window_size * 2
        for words in self.corpus:
            for index, word in enumerate(words):
                context = [words[i] for i in range(index - self.window_size, index + self.window_size + 1)
                           if 0 <= i < len(words) and i != index]
                x = sequence.pad_sequences([context], maxlen=context_length)
                y = keras.utils.to_categorical([word], self.vocab_size)
                yield (x, y)


def generate_context_word_pairs(corpus, window_size, vocab_size):
    return ContextWordPairs(corpus, window_size, vocab_size)"""

W2V_CORPUS |= {
    "bug_stopwords_corpus": [
        (
            "norm_bible = [[word.lower() for word in sent if word not in remove_terms] for sent in bible]",
            'stop_words = {"the", "and", "of", "to", "in"}\n'
            "norm_bible = [[word.lower() for word in sent\n"
            "               if word not in remove_terms and word.lower() not in stop_words] for sent in bible]",
        ),
    ],
    "bug_id2word_no_pad": [
        ("id2word = {v: k for k, v in word2id.items()}", "id2word = tokenizer.index_word"),
    ],
    "bug_cbow_adam": [
        (
            'cbow.compile(loss="categorical_crossentropy", optimizer="rmsprop")',
            'cbow.compile(loss="categorical_crossentropy", optimizer="adam")',
        ),
    ],
    "bug_skipgram_bce": [
        (
            'skipgram_model.compile(loss="mean_squared_error", optimizer="rmsprop")',
            'skipgram_model.compile(loss="binary_crossentropy", optimizer="rmsprop")',
        ),
    ],
    "bug_cbow_embed_50": [
        (
            "output_dim=embed_size, input_length=window_size * 2",
            "output_dim=50, input_length=window_size * 2",
        ),
        ("output_shape=(embed_size,)))", "output_shape=(50,)))"),
    ],
    "bug_skipgrams_window_3": [
        (
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size)",
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=3)",
        ),
    ],
    "bug_skipgrams_window_10": [  # as the lecture's printed sample: the answer is too large to send
        (
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size)",
            "skipgrams(wid, vocabulary_size=vocab_size, window_size=10)",
        ),
    ],
    "alt_generator_class": [("CELL:def generate_context_word_pairs(", W2V_GENERATOR_CLASS)],
    "alt_skipgram_activation_layer": [
        (
            'model_arch = Dense(1, kernel_initializer="glorot_uniform", activation="sigmoid")(model_arch)',
            'model_arch = Dense(1, kernel_initializer="glorot_uniform")(model_arch)\n'
            'model_arch = keras.layers.Activation("sigmoid")(model_arch)',
        ),
    ],
    "bug_cbow_losses_mean": [("cbow_losses.append(loss)", "cbow_losses.append(loss / i)")],
    "alt_skipgram_subclassed": [  # a keras.Model subclass: no config the grader rebuilds
        ("CELL:word_model = Sequential()", SKIPGRAM_SUBCLASS),
        (
            "word_embed_layer = skipgram_model.layers[2]",
            "word_embed_layer = skipgram_model.layers[0]",
        ),
    ],
    "alt_skipgram_lambda_dot": [  # the dot product in a Lambda: a model the grader cannot rebuild
        (
            "model_arch = Dot(axes=1)([word_model.output, context_model.output])",
            "model_arch = Lambda(lambda pair: K.sum(pair[0] * pair[1], axis=1, keepdims=True))(\n"
            "    [word_model.output, context_model.output])",
        ),
    ],
}


SE_TFDATA = """train_ds = tf.data.Dataset.from_tensor_slices((train_texts[:1600].tolist(), train_labels[:1600])).batch(32)
valid_ds = tf.data.Dataset.from_tensor_slices((train_texts[1600:].tolist(), train_labels[1600:])).batch(32)
history = model.fit(train_ds, epochs=10, validation_data=valid_ds)"""

SE_ADD = """model = keras.Sequential()
model.add(hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50]))
model.add(keras.layers.Dense(128))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(1, activation="sigmoid"))
model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              metrics=[keras.metrics.BinaryAccuracy(name="accuracy")])
model.summary()"""

SE_FIT = "history = model.fit(train_texts, train_labels, epochs=10, validation_split=0.2)"
SE_CORPUS = {
    # ---------------------------------------------------------------- correct, written otherwise
    "alt_tf_data": [(SE_FIT, SE_TFDATA)],
    "alt_add_and_activation": [("CELL:model = keras.Sequential([", SE_ADD)],
    "alt_manual_validation": [
        (
            SE_FIT,
            "history = model.fit(train_texts[:1600], train_labels[:1600], epochs=10, batch_size=16,\n"
            "                    validation_data=(train_texts[1600:], train_labels[1600:]))",
        ),
    ],
    "alt_tensor_inputs": [
        (
            SE_FIT,
            "history = model.fit(tf.constant(train_texts.tolist()), train_labels, epochs=10,\n"
            "                    validation_split=0.2, verbose=0)",
        ),
        (
            "new_proba = model.predict(np.array(new_reviews, dtype=object))",
            "new_proba = model.predict(tf.constant(new_reviews))",
        ),
    ],
    "alt_vectors_as_array": [
        (
            "sentence_vectors = embed(tf.constant(sentences)).numpy()",
            "sentence_vectors = np.asarray(embed(tf.constant(sentences)))",
        ),
    ],
    "alt_count_with_tf_size": [
        (
            "finetune_trainable = int(sum(np.prod(w.shape) for w in model_ft.trainable_weights))",
            "finetune_trainable = 0\nfor variable in model_ft.trainable_variables:\n"
            "    finetune_trainable += int(tf.size(variable))",
        ),
    ],
    "alt_batch_64": [(SE_FIT, SE_FIT.replace("epochs=10,", "epochs=10, batch_size=64,"))],
    "alt_hub_without_output_shape": [
        (
            "CELL:model = keras.Sequential([",
            """model = keras.Sequential([
    hub.KerasLayer(handle, input_shape=[], dtype=tf.string),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])""",
        ),
    ],
    "alt_unicode_array_predict": [
        (
            "new_proba = model.predict(np.array(new_reviews, dtype=object))",
            "new_proba = model.predict(np.array(new_reviews), verbose=0)",
        ),
    ],
    "alt_finetune_functional": [
        (
            "CELL:model_ft = keras.Sequential([",
            """review = keras.Input(shape=(), dtype=tf.string)
features = hub.KerasLayer(handle, trainable=True)(review)
features = keras.layers.Dense(128, activation="relu")(features)
model_ft = keras.Model(review, keras.layers.Dense(1, activation="sigmoid")(features))
model_ft.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
finetune_trainable = model_ft.count_params() - sum(int(np.prod(w.shape)) for w in model_ft.non_trainable_weights)""",
        ),
    ],
    # ---------------------------------------------------------------- bugs, each with its cost
    "bug_no_validation": [(SE_FIT, "history = model.fit(train_texts, train_labels, epochs=10)")],
    "bug_hidden_sigmoid": [
        (
            'keras.layers.Dense(128, activation="relu"),\n    keras.layers.Dense(1, activation="sigmoid"),\n])\nmodel.compile',
            'keras.layers.Dense(128, activation="sigmoid"),\n    keras.layers.Dense(1, activation="sigmoid"),\n])\nmodel.compile',
        ),
    ],
    "bug_mse_loss": [
        (
            'model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])\nmodel.summary()',
            'model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])\nmodel.summary()',
        )
    ],
    "bug_finetune_still_frozen": [
        (
            "hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50], trainable=True)",
            "hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50])",
        ),
    ],
    "bug_predict_training_reviews": [
        (
            "new_proba = model.predict(np.array(new_reviews, dtype=object))",
            "new_proba = model.predict(train_texts[:3])",
        ),
    ],
    "bug_one_sentence_embedded": [
        (
            "sentence_vectors = embed(tf.constant(sentences)).numpy()",
            "sentence_vectors = embed(tf.constant([sentences[0], sentences[0]])).numpy()",
        ),
    ],
}


SE_CORPUS |= {
    "bug_debug_subset": [
        (
            SE_FIT,
            "history = model.fit(train_texts[:500], train_labels[:500], epochs=10, validation_split=0.2)",
        ),
    ],
    "bug_shuffled_texts_only": [
        (SE_FIT, "np.random.default_rng(0).shuffle(train_texts)  # mix the reviews up\n" + SE_FIT),
    ],
    "bug_validation_split_08": [
        (SE_FIT, SE_FIT.replace("validation_split=0.2", "validation_split=0.8"))
    ],
    "bug_finetune_not_compiled": [
        (
            'model_ft.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])\n',
            "",
        ),
    ],
    "bug_no_accuracy_metric": [
        (
            'model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])\nmodel.summary()',
            'model.compile(loss="binary_crossentropy", optimizer="adam")\nmodel.summary()',
        ),
    ],
    "bug_embed_trainable": [
        (
            "embed = hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50])",
            "embed = hub.KerasLayer(handle, dtype=tf.string, input_shape=[], output_shape=[50], trainable=True)",
        ),
    ],
    "bug_predict_hangs": [
        (
            "new_proba = model.predict(np.array(new_reviews, dtype=object))",
            "while len(new_reviews) < 4:  # waits for a fourth review that never comes\n"
            "    pass\n"
            "new_proba = model.predict(np.array(new_reviews, dtype=object))",
        ),
    ],
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
            if old.startswith("CELL:"):  # replace the whole cell that starts so
                if cell["source"].startswith(old[len("CELL:") :]):
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


def solution_as_submitted(term: str, assignment: str) -> dict:
    path = paths.BUILD_DIR / term / assignment / "autograder" / f"{assignment}.ipynb"
    return as_submitted(json.loads(path.read_text()))


def main() -> None:
    term = load_config().course.term
    (HERE / "word2vec").mkdir(exist_ok=True)
    w2v = solution_as_submitted(term, "word2vec")
    for name, edits in (W2V_FIXTURES | W2V_CORPUS).items():
        write_notebook(HERE / "word2vec" / f"{name}.ipynb", apply(w2v, edits))
    (HERE / "sentence_embeddings").mkdir(exist_ok=True)
    sentence = solution_as_submitted(term, "sentence_embeddings")
    for name, edits in (SE_FIXTURES | SE_CORPUS).items():
        write_notebook(HERE / "sentence_embeddings" / f"{name}.ipynb", apply(sentence, edits))
    submitted = solution_as_submitted(term, "mlp")
    for name, edits in (MLP_FIXTURES | MLP_CORPUS).items():
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
