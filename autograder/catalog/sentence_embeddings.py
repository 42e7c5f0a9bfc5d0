"""What the kit knows about ``sentence_embeddings`` (a pretrained text embedding via hub).

The sandbox reads ``aclImdb/train`` and the course's text-embedding module; ``aclImdb/test`` is
the grader's: it scores accuracy there, so no sandbox may ever see it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from autograder.catalog.kit import AssignmentKit
from autograder.config import Assignment, Course

SAMPLE_SENTENCES = ["This movie was wonderful, I loved it!", "Dull, far too long and badly acted."]


def expected(assignment: Assignment, course: Course) -> dict:
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


def hidden_data(env: dict[str, str]) -> list[Path]:
    """The labelled test split the grader scores on."""
    return [Path(env["KIT_IMDB_DIR"]) / "test"] if env.get("KIT_IMDB_DIR") else []


def reference_model(assignment: Assignment):

    from reference import sentence_embeddings

    return sentence_embeddings.build_classifier(os.environ["KIT_TEXT_EMBEDDING_HANDLE"])


KIT = AssignmentKit(
    name="sentence_embeddings",
    expected=expected,
    datasets=("KIT_IMDB_DIR", "KIT_TEXT_EMBEDDING_HANDLE"),
    hidden_data=hidden_data,
    sample_folders=("sentence_embeddings",),
    reference_model=reference_model,
)
