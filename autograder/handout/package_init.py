"""Keras course: the student side of the kit's checker (``autograder.student``) and the helpers
the public checks use (``autograder.checks``). No hidden test, solution or expected value is in
this package; the graders' own copy of the kit decides every grade.

This file is the student wheel's ``autograder/__init__.py`` (``autograder.handout.wheel``).
"""

import importlib.util
import os

if importlib.util.find_spec("tf_keras") is not None:
    # the lecture's Keras 2 (tf-keras); must be set before TensorFlow is imported
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
