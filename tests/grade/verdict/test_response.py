"""The trusted side refuses a malformed or hostile sandbox answer before building anything."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from autograder.grade.protocol import ArrayStore, load_npy_bytes, read_json
from autograder.grade.verdict.response import BadResponse, check_response, load_response

GOOD = {
    "cells": [{"index": 0, "status": "ok", "seconds": 0.1}],
    "execute_seconds": 0.1,
    "values": {"x": 1, "model": {"kind": "missing"}},
    "calls": {"a" * 64: {"kind": "array", "ref": "a0"}},
}


def test_a_good_answer_passes():
    check_response(json.loads(json.dumps(GOOD)))


@pytest.mark.parametrize(
    "broken",
    [
        [],
        {"cells": "x"},
        {"cells": [{"status": "ok"}]},  # missing index
        {"cells": [{"index": 0, "status": "pwned"}]},
        {"cells": [{"index": 0, "status": "ok", "error": 5}]},
        {"values": {"not an identifier": 1}},
        {"values": {"x": {"kind": "eval"}}},
        {"values": {"x": {"kind": "array", "ref": "../../etc/passwd"}}},
        {"calls": {"short": 1}},
        {"extra": 1},
        {"values": {"x": {"kind": "keras_model", "config": 5, "weights": []}}},
    ],
)
def test_malformed_answers_are_refused(broken):
    with pytest.raises(BadResponse):
        check_response(broken)


def test_too_deep_and_too_many_are_refused():
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    with pytest.raises(BadResponse):
        check_response({"values": {"x": deep}})
    with pytest.raises(BadResponse):
        check_response({"cells": [{"index": i, "status": "ok"} for i in range(100_001)]})


def test_long_cell_errors_are_cut():
    response = {"cells": [{"index": 0, "status": "error", "error": "E" * 10**6}]}
    check_response(response)
    assert len(response["cells"][0]["error"]) < 5000


def test_a_symlinked_answer_is_never_followed(tmp_path):
    (tmp_path / "secret.json").write_text(json.dumps(GOOD))
    os.symlink(tmp_path / "secret.json", tmp_path / "response.json")
    with pytest.raises(BadResponse, match="unreadable"):
        load_response(tmp_path)


def test_a_device_or_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "response.json")
    with pytest.raises(BadResponse):
        load_response(tmp_path)
    with pytest.raises(ValueError):
        read_json(tmp_path / "response.json")


def test_an_oversized_sparse_answer_is_refused_without_reading_it(tmp_path):
    with open(tmp_path / "response.json", "wb") as fh:
        fh.truncate(2**30)  # 1 GiB apparent size, nothing on disk
    with pytest.raises(BadResponse, match="cap"):
        load_response(tmp_path)


def test_array_headers_must_match_file_size(tmp_path):
    good = tmp_path / "a0.npy"
    np.save(good, np.arange(6, dtype=np.int64).reshape(2, 3))
    store = ArrayStore(tmp_path)
    assert store.get("a0").tolist() == [[0, 1, 2], [3, 4, 5]]
    # a header claiming 1 GiB with 8 bytes of data behind it
    header = good.read_bytes()[:128].replace(b"(2, 3)", b"(2**27,)".replace(b"2**27", b"134217728"))
    with pytest.raises(ValueError):
        load_npy_bytes(header + b"\0" * 8)
    os.symlink("/dev/zero", tmp_path / "a1.npy")
    with pytest.raises(OSError):
        store.get("a1")


def test_the_total_array_budget_holds(tmp_path):
    for i in range(3):
        np.save(tmp_path / f"a{i}.npy", np.zeros(1000, dtype=np.float64))
    store = ArrayStore(tmp_path, max_total_bytes=20_000)
    store.get("a0"), store.get("a1")
    with pytest.raises(ValueError, match="in total"):
        store.get("a2")


def test_object_arrays_are_refused(tmp_path):
    np.save(tmp_path / "a0.npy", np.array([1, "x"], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        ArrayStore(tmp_path).get("a0")
