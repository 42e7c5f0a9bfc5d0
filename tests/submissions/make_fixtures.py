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
    for name, edits in W2V_FIXTURES.items():
        write_notebook(HERE / "word2vec" / f"{name}.ipynb", apply(w2v, edits))
    (HERE / "sentence_embeddings").mkdir(exist_ok=True)
    sentence = solution_as_submitted(term, "sentence_embeddings")
    for name, edits in SE_FIXTURES.items():
        write_notebook(HERE / "sentence_embeddings" / f"{name}.ipynb", apply(sentence, edits))
    submitted = solution_as_submitted(term, "mlp")
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
