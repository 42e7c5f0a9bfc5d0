"""Errors raised by the data modules: each names the file and what is wrong with it."""

from __future__ import annotations


class DataError(RuntimeError):
    """A dataset file is corrupt, incomplete or unusable; never returned as a wrong array."""


class MissingDataError(DataError):
    """Nothing usable was found locally and the real download was not possible or not allowed.

    ``fix`` is the one command or setting that makes the dataset available.
    """

    def __init__(self, dataset: str, what: str, fix: str) -> None:
        super().__init__(f"{dataset}: {what}\n  fix: {fix}")
        self.dataset = dataset
        self.what = what
        self.fix = fix
