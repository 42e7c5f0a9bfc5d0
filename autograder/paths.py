"""Where the kit's folders are.

From a checkout (``pip install -e .``) everything lives in the repository. An installed kit (the
Gradescope autograder installs a wheel) is told its home, the folder holding ``grading.toml``,
``build/`` and the data, by ``KIT_HOME``.
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent  # the ``autograder`` package itself
REPO_ROOT = Path(os.environ.get("KIT_HOME") or PACKAGE_DIR.parent).resolve()
SOLUTIONS_DIR = REPO_ROOT / "solutions"
ASSIGNMENTS_DIR = REPO_ROOT / "assignments"
BUILD_DIR = REPO_ROOT / "build"
GRADES_DIR = REPO_ROOT / "grades"
DATA_DIR = REPO_ROOT / ".data"
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SAMPLE_SUBMISSIONS_DIR = REPO_ROOT / "tests" / "submissions"


def default_out(assignment: str) -> Path:
    """Where ``autograder grade`` writes an assignment's grades unless told otherwise."""
    return GRADES_DIR / assignment


def autograder_dir_for(term: str, assignment: str) -> Path:
    """The built autograder (hidden tests, plan) of one assignment for one term."""
    return BUILD_DIR / term / assignment / "autograder"
