"""Find submissions and read their notebooks without trusting them.

Inputs are ``.ipynb`` files, otter export ``.zip`` files, or folders of both, including the usual
LMS bulk-download names. From a zip only the notebook member is read, in memory: ``.OTTER_LOG``
and everything else inside is ignored, never extracted or unpickled.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_NOTEBOOK_BYTES = 32 * 2**20
CANVAS = re.compile(r"^(?P<student>[A-Za-z0-9-]+?)(?:_LATE)?_(?P<uid>\d+)_\d+_")
MOODLE_FOLDER = re.compile(r"^(?P<student>.+?)_(?P<uid>\d+)_assignsubmission_file_?$")


@dataclass(frozen=True)
class Submission:
    path: Path
    submission_id: str  # unique, file-name safe
    student: str


class InvalidSubmission(ValueError):
    """The file is not a usable notebook; the message is shown to the TA and the student."""


def discover(paths: list[Path]) -> list[Submission]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix in (".ipynb", ".zip")
                and ".ipynb_checkpoints" not in p.parts
            )
        else:
            files.append(path)
    submissions, used = [], set()
    for file in files:
        student = student_of(file)
        submission_id = _safe(
            file.stem if file.stem.startswith(student) else f"{student}-{file.stem}"
        )
        base, n = submission_id, 2
        while submission_id in used:
            submission_id, n = f"{base}-{n}", n + 1
        used.add(submission_id)
        submissions.append(Submission(file, submission_id, student))
    return submissions


def student_of(path: Path) -> str:
    """Canvas ``name_123_456_file``, Moodle ``Name_123_assignsubmission_file_/``, else the stem."""
    match = CANVAS.match(path.name)
    if match:
        return match.group("student")
    match = MOODLE_FOLDER.match(path.parent.name)
    if match:
        return _safe(match.group("student"))
    return _safe(path.stem)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "submission"


def read_notebook(path: Path, assignment: str) -> tuple[dict, bytes]:
    """The submission's notebook as parsed JSON plus its bytes; InvalidSubmission otherwise."""
    if path.stat().st_size == 0:
        raise InvalidSubmission("the file is empty")
    if path.suffix == ".zip":
        raw = _notebook_from_zip(path, assignment)
    else:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise InvalidSubmission("the notebook is larger than 32 MB")
        raw = path.read_bytes()
    try:
        notebook = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidSubmission(
            f"not a readable notebook (bad JSON: {exc.msg if hasattr(exc, 'msg') else exc})"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise InvalidSubmission("not a Jupyter notebook (no cells)")
    kit = notebook.get("metadata", {}).get("kit", {})
    found = kit.get("assignment") if isinstance(kit, dict) else None
    if found is not None and found != assignment:
        raise InvalidSubmission(f"this notebook is for assignment {found!r}, not {assignment!r}")
    return notebook, raw


def _notebook_from_zip(path: Path, assignment: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.infolist()
                if m.filename.endswith(".ipynb") and "/." not in f"/{m.filename}" and not m.is_dir()
            ]
            if not members:
                raise InvalidSubmission("the zip file holds no notebook")
            preferred = [m for m in members if Path(m.filename).stem == assignment]
            member = (preferred or members)[0]
            if member.file_size > MAX_NOTEBOOK_BYTES:
                raise InvalidSubmission("the notebook in the zip is larger than 32 MB")
            with archive.open(member) as fh:
                return fh.read(MAX_NOTEBOOK_BYTES + 1)
    except zipfile.BadZipFile:
        raise InvalidSubmission("not a readable zip file") from None


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
