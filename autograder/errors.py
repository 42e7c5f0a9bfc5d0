"""The kit's one exception base. The CLI turns any ``KitError`` into one line and its exit code.

Library code raises these and never calls ``sys.exit``; a problem with *one submission* is never
raised out of a batch: it becomes that submission's ``invalid`` or ``crashed`` result.
"""

from __future__ import annotations


class KitError(Exception):
    """A problem phrased for the person at the keyboard (TA, instructor), with its exit code.

    The message is one line; ``detail`` (optional) holds lines a person may need to act on."""

    exit_code = 1

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class UsageError(KitError):
    """A command line that cannot be carried out as given (missing folder, conflicting flags)."""

    exit_code = 2


class ConfigError(UsageError):
    """A grading.toml problem, phrased for the instructor who edits the file."""


class GradesError(UsageError):
    """A grading output folder or gradebook file that cannot be read or exported."""


class DataError(KitError, RuntimeError):
    """A dataset file is corrupt, incomplete or unusable; never returned as a wrong array."""

    exit_code = 3


class MissingDataError(DataError):
    """Nothing usable was found locally and the real download was not possible or not allowed.

    ``fix`` is the one command or setting that makes the dataset available.
    """

    def __init__(self, dataset: str, what: str, fix: str) -> None:
        super().__init__(f"{dataset}: {what}\n  fix: {fix}")
        self.dataset = dataset
        self.what = what
        self.fix = fix


class BuildError(KitError):
    """An assignment cannot be built, is not built, or its build fails its self-check."""

    exit_code = 4


class SelfCheckError(BuildError):
    """The build is wrong: a question the solution fails, or one the skeleton passes."""


class SandboxUnavailable(KitError):
    """The machine cannot provide the isolation grading requires; the message names what."""

    exit_code = 5


class ClusterError(KitError):
    """The Dask cluster (``--scheduler``) cannot be reached, or one of its workers cannot grade
    (another kit version, no sandbox, missing data); grading stops, ``--resume`` goes on."""

    exit_code = 6


class SubmissionError(KitError):
    """One submission is unusable (not a notebook, odd zip, wrong assignment).

    Caught per submission by the pipeline and recorded as that submission's ``invalid`` result
    with this one-line message; it never stops a batch.
    """


EXIT_CODES = {
    0: "success",
    1: "a self-check or other kit-level failure",
    2: "usage, grading.toml or gradebook file error",
    3: "dataset missing or corrupt",
    4: "assignment not built or build failed",
    5: "the required sandbox is not available here",
    6: "the cluster cannot be reached or one of its workers cannot grade",
    70: "internal error (a bug: rerun with AUTOGRADER_DEBUG=1 for the traceback)",
    130: "interrupted",
}
