"""An answer too large for the wire format costs only the checks that read it."""

from __future__ import annotations

import numpy as np

from autograder.grade.protocol import ArrayStore
from autograder.grade.sandbox import harness
from autograder.grade.sandbox.harness import AnswerBudget, count_nodes


def test_nodes_are_counted_as_the_verdict_counts_them():
    assert count_nodes({"kind": "list", "items": [1, 2, "x"]}, 100) == 5
    assert count_nodes([[1] * 10] * 10, 50) > 50  # counting stops past the limit


def test_a_value_over_its_share_is_sent_as_too_large_and_its_arrays_are_dropped(monkeypatch):
    monkeypatch.setattr(harness, "MAX_VALUE_NODES", 1_000)
    store, sent = ArrayStore(), AnswerBudget()
    small = sent.bounded([(1, 2)] * 10, store)
    assert small["kind"] == "list"
    huge = sent.bounded([np.zeros(3), *[(i, i + 1) for i in range(1_000)]], store)
    assert huge == {"kind": "unsupported", "class": "too large to send: 1,001+ values"}
    assert list(store.arrays) == [], "the arrays of a value that is not sent are not saved"
    after = sent.bounded({"a": np.arange(4)}, store)
    assert after["kind"] == "dict" and len(store.arrays) == 1, "later values are still sent"


def test_what_the_answer_has_left_bounds_each_value(monkeypatch):
    monkeypatch.setattr(harness, "MAX_ANSWER_ARRAY_BYTES", 1_000)
    store, sent = ArrayStore(), AnswerBudget()
    assert sent.bounded(np.zeros(100), store)["kind"] == "array"  # 800 bytes
    assert sent.bounded(np.zeros(100), store)["kind"] == "unsupported"  # 800 more: over
    assert sent.bounded(np.zeros(10), store)["kind"] == "array"  # 80 more: fits
