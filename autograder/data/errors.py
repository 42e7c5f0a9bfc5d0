"""Errors raised by the data modules: each names the file and what is wrong with it."""

from autograder.errors import DataError, MissingDataError

__all__ = ["DataError", "MissingDataError"]
