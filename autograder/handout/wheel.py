"""The student-side wheel: ``autograder.student`` and ``autograder.checks`` as they are in the
kit at build time, under the import names the public tests use, and nothing else.

Written with ``zipfile`` (no build backend, no network): members sorted, fixed dates and modes,
so the same sources give the same bytes. It requires the kit's own otter-grader version, which
pip fetches from the package index, as otter's handouts do.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tomllib
import zipfile
from pathlib import Path

from autograder import paths
from autograder.files import ZIP_DATE, atomic_write_bytes

DIST = "keras-course-kit-student"
PACKAGE_FILES = {  # member of the wheel -> its source in the kit
    "autograder/__init__.py": paths.PACKAGE_DIR / "handout" / "package_init.py",
    "autograder/checks.py": paths.PACKAGE_DIR / "checks.py",
    "autograder/keras3.py": paths.PACKAGE_DIR / "keras3.py",
    "autograder/student.py": paths.PACKAGE_DIR / "student.py",
}


def kit_pins() -> tuple[str, dict[str, str]]:
    """The kit's version and its exact pins by package name (pyproject.toml: the one list)."""
    project = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for pin in project["dependencies"]:
        name, _, version = pin.partition("==")
        pins[name.strip().lower()] = version.split(";")[0].strip()
    return project["version"], pins


def wheel_name() -> str:
    version, _ = kit_pins()
    return f"{DIST.replace('-', '_')}-{version}-py3-none-any.whl"


def requirement() -> str:
    """What the handout's first cell asks the package index for when no wheel is beside it."""
    version, _ = kit_pins()
    return f"{DIST}=={version}"


def wheel_members() -> dict[str, bytes]:
    """Every member of the wheel, RECORD last, by its name in the archive."""
    version, pins = kit_pins()
    info = f"{DIST.replace('-', '_')}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST}\n"
        f"Version: {version}\n"
        "Summary: The Keras course's student-side checker (grader.check, grader.export)\n"
        "Requires-Python: >=3.10\n"
        f"Requires-Dist: otter-grader=={pins['otter-grader']}\n"
        "Requires-Dist: numpy\n"
        # tensorflow-hub 0.16.1 (the newest) imports pkg_resources, which setuptools 82 removed
        # and a Python 3.12 venv lacks
        "Requires-Dist: setuptools<82\n"
    )
    wheel = "Wheel-Version: 1.0\nGenerator: keras-course-kit\nRoot-Is-Purelib: true\n"
    wheel += "Tag: py3-none-any\n"
    members = {name: source.read_bytes() for name, source in PACKAGE_FILES.items()}
    members[f"{info}/METADATA"] = metadata.encode()
    members[f"{info}/WHEEL"] = wheel.encode()
    members[f"{info}/top_level.txt"] = b"autograder\n"
    record = [
        f"{name},sha256={_digest(data)},{len(data)}" for name, data in sorted(members.items())
    ]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    return members


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_bytes() -> bytes:
    members = wheel_members()
    record = next(name for name in members if name.endswith("/RECORD"))
    order = sorted(name for name in members if name != record) + [record]  # RECORD goes last
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, members[name])
    return buffer.getvalue()


def write_student_wheel(folder: Path) -> Path:
    """``folder/keras_course_kit_student-VERSION-py3-none-any.whl``."""
    target = folder / wheel_name()
    atomic_write_bytes(target, wheel_bytes())
    return target
