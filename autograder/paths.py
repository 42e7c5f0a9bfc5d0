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
