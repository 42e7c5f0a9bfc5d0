"""Keras course kit: build graded assignments and grade submissions without trusting them."""

import os

# The whole kit speaks Keras 2 (tf-keras); this must be set before tensorflow is imported.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
