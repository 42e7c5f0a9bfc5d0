"""#29: refactorings that do not change the program do not change what is compared; the base
(the lecture's code, ``--base`` files) is nobody's work; the flag rules see padding and
splitting; #28: the wrong assignment or an unbuilt term is an error, not an empty report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import paths
from autograder.cli import main as cli_main
from autograder.similarity import compare
from autograder.similarity.base import code_blocks, lecture_cells
from autograder.similarity.fingerprints import notebook_tokens, winnow
from autograder.similarity.main import similarity_report

LECTURE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "lecture-keras-mlp-word2vec.md"


def _hashes(*cells: str) -> set[int]:
    """As in a notebook whose skeleton asks for one function (so unused ones are dead)."""
    toks = notebook_tokens(list(cells), protected=frozenset({"asked_for"}))
    return {f.hash for cell in toks for f in winnow(cell)}


ORIGINAL = """model = keras.models.Sequential()
model.add(keras.layers.Flatten(input_shape=[28, 28]))
model.add(keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal"))
model.add(keras.layers.Dense(10, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
scores = []
for rate in rates:
    if rate > 0:
        scores.append(model.evaluate(X_valid * rate, y_valid, verbose=0)[1])
history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))
"""


@pytest.mark.parametrize(
    "refactored",
    [
        ORIGINAL.replace(
            'activation="relu", kernel_initializer="he_normal"',
            'kernel_initializer="he_normal", activation="relu"',
        ).replace(
            'loss="sparse_categorical_crossentropy", optimizer="sgd"',
            'optimizer="sgd", loss="sparse_categorical_crossentropy"',
        ),  # fmt: skip
        "from tensorflow.keras.layers import Dense, Flatten\n"
        "model = keras.Sequential([\n    Flatten(input_shape=[28, 28]),\n"
        '    Dense(300, activation="relu", kernel_initializer="he_normal"),\n'
        '    Dense(10, activation="softmax"),\n])\n' + ORIGINAL.split("\n", 4)[4],
        ORIGINAL.replace(
            "scores = []\nfor rate in rates:\n    if rate > 0:\n        scores.append(model."
            "evaluate(X_valid * rate, y_valid, verbose=0)[1])",
            "scores = [model.evaluate(X_valid * rate, y_valid, verbose=0)[1] for rate in rates"
            " if rate > 0]",
        ),
        "def fit_it(m, n):\n    h = m.fit(X_train, y_train, epochs=n, validation_data=(X_valid,"
        " y_valid))\n    return h\n\ndef never_used(a):\n    return a * 2\n\n"
        + ORIGINAL.replace(
            "history = model.fit(X_train, y_train, epochs=30, validation_data=(X_valid, y_valid))",
            "history = fit_it(model, 30)",
        ),  # fmt: skip
    ],
    ids=["keyword-order", "list-vs-add-and-imports", "comprehension", "helper-and-dead-code"],
)
def test_refactorings_that_keep_the_program_keep_the_fingerprints(refactored):
    assert _hashes(refactored) == _hashes(ORIGINAL)


def test_a_helper_in_another_cell_is_inlined_and_different_code_still_differs():
    helper = "def fit_it(m, n):\n    return m.fit(X_train, y_train, epochs=n)\n"
    call = "history = fit_it(model, 30)\nmodel.summary()\nprobe = model.layers[1].get_weights()"
    inline = (
        "history = model.fit(X_train, y_train, epochs=30)\nmodel.summary()\n" + call.split("\n")[2]
    )
    assert _hashes(helper, call) == _hashes(inline)
    assert _hashes(inline.replace("get_weights()", "get_config()")) != _hashes(inline)


def test_the_lecture_shipped_is_the_lectures_code():
    cells = lecture_cells()
    assert any("model.add(keras.layers.Dense(300" in c for c in cells)
    assert not any("Epoch 1/30" in c for c in cells)  # printed outputs are not code
    if LECTURE.is_file():  # beside the clone (CI); an installed kit ships the extract only
        assert code_blocks(LECTURE.read_text(encoding="utf-8")) == cells


def _notebook(folder: Path, name: str, code: str, assignment: str = "mlp") -> None:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": code}]  # fmt: skip
    (folder / name).mkdir(parents=True)
    (folder / name / f"{assignment}.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))  # fmt: skip


LECTURE_FOLLOWER = "\n".join(lecture_cells()[5:20])


def test_students_who_share_only_the_base_are_never_flagged(tmp_path):
    own = "\n".join(
        f"part_{n} = np.clip(X_train[{n}] * {n}, 0, 1).reshape(-1)[:{n}].sum() / len(y_train)"
        for n in range(1, 12)
    )
    for n in range(3):
        _notebook(tmp_path / "in", f"S{n}_{n}_assignsubmission_file_", LECTURE_FOLLOWER)
    _notebook(tmp_path / "in", "S3_3_assignsubmission_file_", own)
    comparison = similarity_report([tmp_path / "in"], assignment="mlp", out=tmp_path / "a",
                                   term="unbuilt")  # fmt: skip
    assert not any(p.flagged for p in comparison.pairs)
    without = similarity_report([tmp_path / "in"], assignment="mlp", out=tmp_path / "b",
                                term="unbuilt", lecture=False)  # fmt: skip
    assert sum(p.flagged for p in without.pairs) == 3  # the three followers, without a base
    base = tmp_path / "extra.py"
    base.write_text(own)  # a base file given on the command line
    _notebook(tmp_path / "in", "S4_4_assignsubmission_file_", own)
    flagged = similarity_report([tmp_path / "in"], assignment="mlp", out=tmp_path / "c",
                                term="unbuilt")  # fmt: skip
    assert sum(p.flagged for p in flagged.pairs) == 1
    based = similarity_report([tmp_path / "in"], assignment="mlp", out=tmp_path / "d",
                              term="unbuilt", base=[base])  # fmt: skip
    assert not any(p.flagged for p in based.pairs)


def test_padding_and_splitting_do_not_hide_shared_code():
    padded = compare.PairScore(a=None, b=None, overall=0.3, matched_a=400, matched_b=130,
                               unusual=compare.MIN_UNUSUAL_TOKENS)  # fmt: skip
    assert any("unusual code" in r for r in padded.reasons)  # much shared, a small share
    split = compare.PairScore(a=None, b=None, overall=0.4, matched_a=80, matched_b=80,
                              questions={f"q{n}": (1.0, 15) for n in range(6)})  # fmt: skip
    assert any("6 questions match" in r for r in split.reasons)  # each short, none unusual
    usual = compare.PairScore(a=None, b=None, overall=1.0, matched_a=300, matched_b=300,
                              questions={f"q{n}": (1.0, 60) for n in range(3)},
                              unusual=compare.SOME_UNUSUAL)  # fmt: skip
    assert not usual.reasons  # much shared, all of it code others wrote too: not enough
    assert usual.score < split.score


def test_the_wrong_assignment_and_an_unbuilt_term_are_errors(tmp_path, capsys, monkeypatch):
    handed_out = paths.ASSIGNMENTS_DIR / "word2vec" / "word2vec.ipynb"  # says it is word2vec
    (tmp_path / "in" / "S1_1_assignsubmission_file_").mkdir(parents=True)
    (tmp_path / "in" / "S1_1_assignsubmission_file_" / "mlp.ipynb").write_bytes(
        handed_out.read_bytes()
    )
    code = cli_main(["similarity", str(tmp_path / "in"), "--assignment", "mlp",
                     "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "no mlp notebook" in err and "--assignment" in err
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    code = cli_main(["similarity", str(tmp_path / "in"), "--assignment", "word2vec",
                     "--term", "2031-spring", "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "autograder build --term 2031-spring --assignment word2vec" in err


def test_a_hostile_nest_of_helpers_costs_a_bounded_amount():
    """Inlining never adds more than MAX_INLINED_NODES to a notebook: a helper that doubles its
    argument called inside itself 40 deep (2**40 copies) or a three-level nest called 2,000
    times is compared as far as the budget goes, then as the calls it holds."""
    from autograder.similarity import normalise
    from autograder.similarity.fingerprints import MAX_TOKENS

    doubling = "def f(a):\n    return a + a\n\nx = " + "f(" * 40 + "1" + ")" * 40
    nest = (
        "def h2(a):\n" + "    a = a + 1\n" * 19 + "    return a\n"
        "def h1(a):\n" + "    a = h2(a)\n" * 19 + "    return a\n" + "x = h1(1)\n" * 2000
    )
    for code in (doubling, nest):
        tree = normalise.parse(code)
        ctx = normalise.context([tree], protected=frozenset())
        assert normalise.units(tree, ctx) is not None and ctx.budget >= 0
        assert 0 < len(notebook_tokens([code])[0]) <= MAX_TOKENS
