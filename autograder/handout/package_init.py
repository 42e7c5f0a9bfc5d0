"""Keras course: the student side of the kit's checker (``autograder.student``) and the helpers
the public checks use (``autograder.checks``). No hidden test, solution or expected value is in
this package; the graders' own copy of the kit decides every grade.

This file is the student wheel's ``autograder/__init__.py`` (``autograder.handout.wheel``). It
sets nothing: ``autograder.student.keras_mode`` chooses Keras 2, and says when it is too late.
"""
