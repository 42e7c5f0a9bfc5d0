"""Where the kit's folders are. The kit runs from its checkout (``pip install -e .``)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "solutions"
ASSIGNMENTS_DIR = REPO_ROOT / "assignments"
BUILD_DIR = REPO_ROOT / "build"
GRADES_DIR = REPO_ROOT / "grades"
DATA_DIR = REPO_ROOT / ".data"
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SAMPLE_SUBMISSIONS_DIR = REPO_ROOT / "tests" / "submissions"
