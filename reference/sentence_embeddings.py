"""The lecture's last section (基于预训练句子向量): a pretrained sentence embedding layer.

The lecture loads Google's nnlm-en-dim50 from tfhub.dev; offline, the kit passes the handle of a
local module with the same contract (string -> 50-d vector, sqrt(n)-scaled sum of word vectors).
"""

from __future__ import annotations

NNLM_HANDLE = "https://tfhub.dev/google/tf2-preview/nnlm-en-dim50/1"


def build_classifier(handle: str = NNLM_HANDLE, *, trainable: bool = False, output_dim: int = 50):
    """hub.KerasLayer -> Dense(128, relu) -> Dense(1, sigmoid), compiled as in the lecture."""
    import tensorflow as tf
    import tensorflow_hub as hub
    from tensorflow import keras

    model = keras.Sequential(
        [
            hub.KerasLayer(
                handle,
                dtype=tf.string,
                input_shape=[],
                output_shape=[output_dim],
                trainable=trainable,
            ),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def head_params(embedding_dim: int = 50) -> int:
    """Trainable parameters when the embedding is frozen: Dense(128) + Dense(1)."""
    return (embedding_dim + 1) * 128 + (128 + 1) * 1
