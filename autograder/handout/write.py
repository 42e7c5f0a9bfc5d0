"""``build/TERM/NAME/handout/`` and ``build/TERM/NAME/NAME-student.zip``: what a student gets.

The skeleton notebook, its public tests and the student wheel, flat (unzipped anywhere, the
notebook finds ``tests/`` and the wheel beside it), reproducible byte for byte. The build refuses
a handout that holds a hidden test, a solution line or an expected value (``leaks``).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from autograder.errors import BuildError
from autograder.files import ZIP_DATE, atomic_write_bytes
from autograder.handout.leaks import leaks, secrets
from autograder.handout.wheel import wheel_bytes, wheel_name

README = """\
{name}: your handout for {title}

1. Open {name}.ipynb in Jupyter (keep this folder's files beside it) or in Google Colab
   (upload the notebook, then this zip, {name}-student.zip, in Colab's Files pane).
2. Run the first cell: it installs the course's checker if your Python lacks it, and says so.
3. Fill in every `...`; run grader.check("q_...") after each question.
4. Save, run the last cell (grader.export) and hand in the zip it makes (or the .ipynb).
"""


def handout_members(build_dir: Path, name: str, title: str) -> dict[str, bytes]:
    student = build_dir / "student"
    members = {
        f"{name}.ipynb": (student / f"{name}.ipynb").read_bytes(),
        wheel_name(): wheel_bytes(),
        "README.txt": README.format(name=name, title=title).encode(),
    }
    for test in sorted((student / "tests").glob("*.py")):
        members[f"tests/{test.name}"] = test.read_bytes()
    return members


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(members):
            info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[member])
    return buffer.getvalue()


def write_handout(build_dir: Path, name: str, *, title: str, expected: dict) -> Path:
    """Write the handout folder and zip after checking that nothing secret is in them."""
    members = handout_members(build_dir, name, title)
    data = zip_bytes(members)
    found = leaks(data, secrets(build_dir, name, expected))
    if found:
        raise BuildError(f"{name}: the student handout would show {'; '.join(found[:5])}")
    folder = build_dir / "handout"
    if folder.exists():
        shutil.rmtree(folder)
    target = build_dir / f"{name}-student.zip"
    for path, content in [*((folder / m, c) for m, c in members.items()), (target, data)]:
        atomic_write_bytes(path, content)
        path.chmod(0o644)  # readable where it is published (a hub's shared folder)
    return target
