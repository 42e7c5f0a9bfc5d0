"""Expected values for the hidden tests, computed from ``reference/`` with the term's parameters."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import numpy as np

from autograder.config import Assignment, Course


def mlp_expected(assignment: Assignment, course: Course) -> dict:
    from reference import mlp

    hidden = list(assignment.params["hidden_sizes"])
    layer_sizes = [28 * 28, *hidden, 10]
    rng = np.random.default_rng([course.seed, 1])
    neuron_cases = []
    for name, f in (("tanh", np.tanh), ("exp", np.exp), ("abs", np.abs)):
        for _ in range(2):
            d = int(rng.integers(2, 6))
            w = np.round(rng.normal(size=d), 3)
            x = np.round(rng.normal(size=d), 3)
            theta = float(np.round(rng.normal(), 3))
            want = float(mlp.neuron_output(w, x, theta, f))
            neuron_cases.append((w.tolist(), x.tolist(), theta, name, want))
    (X_train, y_train), (X_valid, y_valid), (_, y_test) = mlp.load_fashion_mnist()
    sha = lambda a: hashlib.sha256(np.asarray(a, dtype=np.uint8).tobytes()).hexdigest()  # noqa: E731
    return {
        "drill_params": mlp.count_dense_params([100, 20, 3]),
        "neuron_cases": neuron_cases,
        "output_and_loss": {
            "binary": mlp.output_activation_and_loss("binary", "integer"),
            "multiclass, integer labels": mlp.output_activation_and_loss("multiclass", "integer"),
            "multiclass, one-hot labels": mlp.output_activation_and_loss("multiclass", "one-hot"),
        },
        "y_train_sha256": sha(y_train),
        "y_valid_sha256": sha(y_valid),
        "X_train_mean": float(X_train.mean()),
        "X_valid_mean": float(X_valid.mean()),
        "X_train_head_sum": float(np.sum(X_train[:8])),
        "class_names": list(mlp.CLASS_NAMES),
        "dense_params": mlp.dense_layer_params(layer_sizes),
        "n_dense": len(layer_sizes) - 1,
        "total_params": mlp.count_dense_params(layer_sizes),
        "glorot_limit": math.sqrt(6 / (layer_sizes[0] + layer_sizes[1])),
        "loss": mlp.output_activation_and_loss("multiclass", "integer")[1],
        "first_test_labels": [int(v) for v in y_test[:3]],
        "dropout_rates": [float(assignment.params["dropout_rate"])] * len(hidden),
    }


def word2vec_expected(assignment: Assignment, course: Course) -> dict:
    import json

    from reference import word2vec as w2v

    params = assignment.params
    start, stop = params["bible_slice"]
    window, embed = params["window_size"], params["embed_size"]
    norm_bible = w2v.normalize_bible(w2v.load_bible_sentences(start, stop))
    word2id, id2word, wids = w2v.build_vocabulary(norm_bible)
    vocab = len(word2id)

    def pairs(corpus, w, v):
        return [
            (x[0].tolist(), int(np.argmax(y[0])))
            for x, y in w2v.generate_context_word_pairs(corpus, w, v)
        ]

    printed = []  # the lecture prints the first three pairs whose context has no PAD
    for x, target in pairs(wids, window, vocab):
        if 0 not in x:
            printed.append(([id2word[i] for i in x], id2word[target]))
        if len(printed) == 3:
            break
    rng = np.random.default_rng([course.seed, 2])
    small = [[[5]], [[1, 2]], [[3, 4, 5, 6, 7, 8]], [[2, 9, 4], [7], [1, 3, 5, 7, 9, 2, 4]]]
    small_cases = [(c, w, 10, pairs(c, w, 10)) for c in small for w in (1, 2, 3)]
    probe = pairs(wids[:40], window, vocab)
    picks = sorted(rng.choice(len(probe), size=min(200, len(probe)), replace=False).tolist())
    skip = w2v.generate_skipgrams(wids[:60], vocab, window, seed=course.seed)
    sg_pairs = [pair for sentence_pairs, _ in skip for pair in sentence_pairs][:300]
    sg_labels = [label for _, labels in skip for label in labels][:300]
    return {
        "vocab_size": vocab,
        "norm_line_10": norm_bible[10],
        "wids_sha256": hashlib.sha256(json.dumps(wids).encode()).hexdigest(),
        "vocab_sample": list(word2id.items())[:10],
        "printed_pairs": printed,
        "head_corpus": wids[:3],
        "head_pairs": pairs(wids[:3], window, vocab),
        "small_cases": small_cases,
        "cbow_params": w2v.count_cbow_params(vocab, embed),
        "skipgram_params": w2v.count_skipgram_params(vocab, embed),
        "probe_contexts": [probe[i][0] for i in picks],
        "probe_targets": [probe[i][1] for i in picks],
        "uniform_loss": float(np.log(vocab)),
        "skipgram_probe": sg_pairs,
        "skipgram_labels": sg_labels,
    }


SAMPLE_SENTENCES = ["This movie was wonderful, I loved it!", "Dull, far too long and badly acted."]


def sentence_embeddings_expected(assignment: Assignment, course: Course) -> dict:
    import os

    from reference.sentence_embeddings import build_classifier, head_params

    handle = os.environ["KIT_TEXT_EMBEDDING_HANDLE"]
    model = build_classifier(handle)
    embedding = model.layers[0]
    frozen_total = model.count_params()
    vectors = embedding(np.array(SAMPLE_SENTENCES, dtype=object)).numpy()
    return {
        "sample_sentences": SAMPLE_SENTENCES,
        "sample_vectors": np.round(vectors.astype(float), 6).tolist(),
        "embedding_dim": int(vectors.shape[1]),
        "total_params": frozen_total,
        "trainable_frozen": head_params(int(vectors.shape[1])),
        "trainable_finetune": frozen_total,
    }


EXPECTED: dict[str, Callable[[Assignment, Course], dict]] = {
    "sentence_embeddings": sentence_embeddings_expected,
    "mlp": mlp_expected,
    "word2vec": word2vec_expected,
}


def expected_values(assignment: Assignment, course: Course) -> dict:
    return EXPECTED[assignment.name](assignment, course)
