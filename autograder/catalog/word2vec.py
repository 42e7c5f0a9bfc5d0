"""What the kit knows about the ``word2vec`` assignment (CBOW and skip-gram on the KJV Bible).

Expected values come from ``reference/word2vec.py``; the sandbox reads the Bible through NLTK's
Gutenberg corpus (``NLTK_DATA``).
"""

from __future__ import annotations

import json

import numpy as np

from autograder.catalog.kit import AssignmentKit
from autograder.config import Assignment, Course
from autograder.files import sha256_text

COMMON_IDS = 500  # probes use only ids below this: any vocabulary of the text has them


def expected(assignment: Assignment, course: Course) -> dict:
    from reference import word2vec as w2v

    params = assignment.params
    start, stop = params["bible_slice"]
    window = params["window_size"]
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
    # probes a student's model can take whatever its vocabulary (a preprocessing slip is charged
    # to q_corpus alone): every id among the most frequent words
    common = COMMON_IDS
    small = [(x, t) for x, t in probe if max(x + [t]) < common]
    sg_all = [
        (p, label) for pairs_, labels in skip for p, label in zip(pairs_, labels, strict=True)
    ]
    sg_small = [(list(p), label) for p, label in sg_all if max(p) < common]
    per_label = min(sum(label for _, label in sg_small), sum(1 - label for _, label in sg_small))
    sg_small = [  # as many positives as negatives, as skipgrams makes them
        item for label in (1, 0) for item in [s for s in sg_small if s[1] == label][:per_label]
    ]
    return {
        "vocab_size": vocab,
        "norm_line_10": norm_bible[10],
        "norm_lines": len(norm_bible),
        "norm_bible_sha256": sha256_text(json.dumps(norm_bible)),
        "wids_sha256": sha256_text(json.dumps(wids)),
        "vocab_sample": list(word2id.items())[:10],
        "printed_pairs": printed,
        "head_corpus": wids[:3],
        "head_pairs": pairs(wids[:3], window, vocab),
        "small_cases": small_cases,
        "probe_contexts": [probe[i][0] for i in picks],
        "probe_targets": [probe[i][1] for i in picks],
        "uniform_loss": float(np.log(vocab)),
        "skipgram_probe": sg_pairs,
        "common_ids": common,
        "probe_contexts_common": [x for x, _ in small][:200],
        "probe_targets_common": [t for _, t in small][:200],
        "skipgram_probe_common": [p for p, _ in sg_small],
        "skipgram_labels_common": [label for _, label in sg_small],
        "skipgram_labels": sg_labels,
    }


KIT = AssignmentKit(
    name="word2vec",
    expected=expected,
    datasets=("NLTK_DATA",),
    sample_folders=("word2vec",),
)
