"""One call that makes a training run repeatable."""

import random

import numpy as np


def seed_everything(seed: int, deterministic_ops: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow; with op determinism two runs give identical weights."""
    import tensorflow as tf
    from tensorflow import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()
