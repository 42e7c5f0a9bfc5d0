"""The class-wide budget store: only checked entries enter it, reads verify them, it stays
within its size, no sandbox reaches it, and a hit grades exactly like a miss and like --cold."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import SUBMISSIONS, notebook

from autograder import checks
from autograder.grade.verdict import budget_store

KEY = "ab" * 32
OTHER = "cd" * 32


class _Weights:
    """What the cache reads and writes of a model: its weights."""

    def __init__(self, arrays=None):
        self.arrays = arrays or []

    def get_weights(self):
        return self.arrays

    def set_weights(self, weights):
        self.arrays = list(weights)


def _entry(outbox: Path, key: str = KEY, fill: float = 1.0, size: int = 100) -> Path:
    checks.BudgetCache(str(outbox)).store(key, _Weights([np.full(size, fill, np.float32)]))
    return outbox / f"{key}.npz"


@pytest.fixture
def store(tmp_path):
    return budget_store.open_store(tmp_path / "private" / "budget")


def test_the_store_is_root_only_but_for_the_bound_folder(store):
    assert (store.parent.stat().st_mode & 0o777) == 0o700
    assert (store.stat().st_mode & 0o777) == 0o755


def test_a_checked_entry_is_published_and_read_back_through_its_digest(tmp_path, store):
    outbox = tmp_path / "outbox"
    _entry(outbox)
    assert budget_store.harvest(outbox, store) == 1
    assert list(outbox.iterdir()) == []
    assert (store / f"{KEY}.npz").stat().st_mode & 0o777 == 0o644
    cache = checks.BudgetCache(str(store), str(outbox))
    copy = _Weights()
    assert cache.restore(KEY, copy) and np.array_equal(copy.arrays[0], np.ones(100, np.float32))
    assert (outbox / f"{KEY}.used").exists()  # the host keeps what is used
    os.utime(store / f"{KEY}.npz", (0, 0))
    budget_store.harvest(outbox, store)
    assert (store / f"{KEY}.npz").stat().st_mtime > 0
    assert not cache.restore(OTHER, copy)


@pytest.mark.parametrize("damage", ["renamed", "altered", "cut", "pickle", "link", "folder"])
def test_a_damaged_or_forged_entry_is_never_published(tmp_path, store, damage):
    outbox = tmp_path / "outbox"
    entry = _entry(outbox)
    target = outbox / f"{OTHER}.npz"
    if damage == "renamed":  # another key's name: its digest does not match
        entry.rename(target)
    elif damage == "altered":
        data = bytearray(entry.read_bytes())
        data[-200] ^= 1
        entry.rename(target)
        target.write_bytes(bytes(data))
    elif damage == "cut":
        entry.rename(target)
        target.write_bytes(target.read_bytes()[:300])
    elif damage == "pickle":
        entry.unlink()
        with open(target, "wb") as fh:
            np.savez(fh, digest=np.array("x"), w0=np.array([{"a": 1}], dtype=object))
    elif damage == "link":  # a link to a host file is never followed
        entry.unlink()
        secret = tmp_path / "secret.npz"
        _entry(tmp_path / "elsewhere", OTHER).rename(secret)
        target.symlink_to(secret)
    elif damage == "folder":
        entry.unlink()
        target.mkdir()
    assert budget_store.harvest(outbox, store) == 0
    assert not (store / f"{OTHER}.npz").exists()
    assert not checks.BudgetCache(str(store)).restore(OTHER, _Weights())


def test_a_linked_outbox_is_not_followed(tmp_path, store):
    victim = tmp_path / "victim"
    entry = _entry(victim)
    outbox = tmp_path / "outbox"
    outbox.symlink_to(victim)
    assert budget_store.harvest(outbox, store) == 0
    assert entry.exists() and not (store / f"{KEY}.npz").exists()


def test_an_entry_altered_in_the_store_is_trained_afresh(tmp_path, store):
    outbox = tmp_path / "outbox"
    _entry(outbox)
    budget_store.harvest(outbox, store)
    path = store / f"{KEY}.npz"
    data = bytearray(path.read_bytes())
    data[-200] ^= 1
    path.write_bytes(bytes(data))
    assert not checks.BudgetCache(str(store), str(outbox)).restore(KEY, _Weights())


def test_the_store_stays_within_its_size_least_recently_used_first(tmp_path, store):
    outbox = tmp_path / "outbox"
    keys = [f"{n:064x}" for n in range(4)]
    size = None
    for n, key in enumerate(keys[:3]):
        _entry(outbox, key, fill=n, size=10_000)
        size = size or (outbox / f"{key}.npz").stat().st_size
        budget_store.harvest(outbox, store, max_bytes=3 * size + 100)
        os.utime(store / f"{key}.npz", (n + 1, n + 1))
    checks.BudgetCache(str(store), str(outbox)).restore(keys[0], _Weights())  # used again
    budget_store.harvest(outbox, store, max_bytes=3 * size + 100)
    _entry(outbox, keys[3], fill=3, size=10_000)
    budget_store.harvest(outbox, store, max_bytes=3 * size + 100)
    assert sorted(p.name[:64] for p in store.iterdir()) == sorted([keys[0], keys[2], keys[3]])


# --------------------------------------------------------------------------- real batches

PROBE = """
import os
store = {store!r}
planted = os.path.join(store, {name!r})
seen = []
for path in (planted, store, '/grader/budget', '/grader/budget/' + {name!r}):
    try:
        seen.append(('read', path, open(path, 'rb').read(64)))
    except OSError:
        pass
    try:
        seen.append(('list', path, os.listdir(path)))
    except OSError:
        pass
    try:
        with open(path, 'wb') as fh:
            fh.write(b'forged')
        seen.append(('wrote', path))
    except OSError:
        pass
    try:
        open(os.path.join(path, 'new.npz'), 'wb').write(b'forged')
        seen.append(('created', path))
    except OSError:
        pass
raise RuntimeError('seen: ' + repr(seen))
"""


def _grades(results) -> dict:
    """Everything graded, without timings."""
    return {
        r.submission: (
            str(r.status),
            r.total,
            r.reason,
            {
                n: (q.score, [(c.name, c.passed, c.points, c.message) for c in q.cases])
                for n, q in r.questions.items()
            },
            [(c.index, c.status, c.error) for c in r.cells],
        )  # fmt: skip
        for r in results
    }


@pytest.mark.slow
def test_a_hit_grades_exactly_like_a_miss_and_no_sandbox_reaches_the_store(
    mlp_build, tmp_path, monkeypatch
):
    from autograder.grade.batch import grade_batch

    store = tmp_path / "private" / "budget"
    monkeypatch.setattr(budget_store, "STORE_DIR", store)
    token = f"CANARY-{uuid.uuid4().hex[:12]}"
    planted = f"{'ef' * 32}.npz"
    inputs = tmp_path / "in"
    inputs.mkdir()
    # a model whose grader's copy cannot learn (hidden weights all zero: no gradient reaches
    # them): its message shows the copy's accuracy
    source = (SUBMISSIONS / "mlp" / "no_softmax.ipynb").read_text()
    relu = 'model.add(keras.layers.Dense(300, activation=\\"relu\\"))'
    assert relu in source
    zeros = relu.replace('\\"relu\\"', '\\"relu\\", kernel_initializer=\\"zeros\\"')
    (inputs / "no_softmax.ipynb").write_text(source.replace(relu, zeros))

    def grade(out: str, **options):
        return grade_batch([inputs], assignment="mlp", out=tmp_path / out, progress=False,
                           jobs=1, **options)  # fmt: skip

    missed = grade("miss")
    entries = sorted(store.glob("*.npz"))
    assert entries, "the miss stored nothing"
    for entry in entries:
        os.utime(entry, (1, 1))
    (store / planted).write_text(f"{token}\n")
    (inputs / "probe.ipynb").write_text(notebook(PROBE.format(store=str(store), name=planted)))
    hit = grade("hit")
    assert sorted(store.glob("*.npz")) == sorted([*entries, store / planted])
    assert all(e.stat().st_mtime > 1 for e in entries), "the second batch trained again"
    cold = grade("cold", cold=True)

    grades = _grades(missed)["no_softmax"]
    assert "reaches test accuracy" in str(grades)
    assert _grades(hit)["no_softmax"] == grades == _grades(cold)["no_softmax"]
    probe = {r.submission: r for r in hit}["probe"]
    assert [c.error.splitlines()[-1] for c in probe.cells if c.error] == ["RuntimeError: seen: []"]
    assert (store / planted).read_text() == f"{token}\n"
    outputs = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.json"))
    assert token not in outputs
