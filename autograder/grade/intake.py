"""Intake: find submissions, name them, and read their notebooks without trusting them.

Inputs are ``.ipynb`` files, otter export ``.zip`` files, or folders of both, including the usual
LMS bulk-download names. From a zip only the notebook member is read, in memory: ``.OTTER_LOG``
and everything else inside is ignored, never extracted or unpickled. Anything odd about one file
raises ``SubmissionError`` with a one-line reason, which becomes that submission's ``invalid``
result; nothing here can stop a batch.
"""

from __future__ import annotations

import collections
import json
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from autograder.errors import SubmissionError
from autograder.files import sha256_bytes
from autograder.grade import identity
from autograder.grade.identity import MAX_ID_CHARS
from autograder.results import Identity

MAX_NOTEBOOK_BYTES = 32 * 2**20
READABLE_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}

InvalidSubmission = SubmissionError  # the name the rest of the kit used before


@dataclass(frozen=True)
class Submission:
    path: Path
    submission_id: str  # unique in the batch, file-name safe, the same from run to run
    who: Identity

    @property
    def student(self) -> str:
        return self.who.key

    @property
    def file_name(self) -> str:
        """The name it was handed in under (never the host folder), as displayable text: bytes
        that are not UTF-8 become U+FFFD."""
        name = os.fsencode(self.path.name).decode("utf-8", "replace")
        return "".join(c if c.isprintable() else "?" for c in name)  # stricter than safetext


def discover(
    paths: list[Path], *, assignment: str = "", notes: list[str] | None = None
) -> list[Submission]:
    """Every submission file under ``paths``, with who handed it in (see ``identity``).
    Never raises for what a folder holds: what the TA should hear about (a Gradescope metadata
    file that cannot be read, a batch that mixes layouts) is added to ``notes``."""
    notes = [] if notes is None else notes
    found: list[identity.Found] = []
    for path in paths:
        if not path.is_dir():
            flat = identity.is_moodle_flat([path.name])
            found.append(identity.identify(path, root=None, assignment=assignment, metadata={},
                                           moodle_flat=flat))  # fmt: skip
            continue
        metadata: dict = {}
        ignored: list[str] = []
        for meta in sorted(path.rglob("submission_metadata.yml")):
            if not identity.is_export_metadata(meta, root=path):
                if meta.parent.parent == path and identity.GRADESCOPE_FOLDER.match(
                    meta.parent.name
                ):
                    continue  # inside a submission: the student's own file, not worth a note
                ignored.append(str(meta.relative_to(path)))
            else:
                try:
                    metadata.update(identity.load_gradescope_metadata(meta.parent))
                except identity.BadMetadata as exc:
                    notes.append(f"{exc}: its submissions are named by their folders")
        if ignored:
            more = f" and {len(ignored) - 3} more" if len(ignored) > 3 else ""
            notes.append(
                f"{path}: {'; '.join(ignored[:3])}{more} not read as Gradescope metadata (only "
                "the export's own, at the top of the folder graded, is)"
            )
        files = [
            file
            for file in sorted(path.rglob("*"))
            if file.suffix in (".ipynb", ".zip")
            and ".ipynb_checkpoints" not in file.parts
            and not file.is_symlink()
            and file.is_file()
        ]
        by_folder = collections.defaultdict(list)
        for file in files:
            by_folder[file.parent].append(file.name)
        flat = {folder: identity.is_moodle_flat(names) for folder, names in by_folder.items()}
        for file in files:
            found.append(
                identity.identify(
                    file,
                    root=path,
                    assignment=assignment,
                    metadata=metadata,
                    moodle_flat=flat[file.parent],
                )  # fmt: skip
            )
    submissions, used = [], set()
    for item in found:
        submission_id = item.stem_id
        if submission_id in used:  # same name in two folders: the path tells them apart
            digest = sha256_bytes(os.fsencode(item.path))[:8]
            submission_id = f"{submission_id[: MAX_ID_CHARS - 9]}-{digest}"
        if submission_id in used:  # the same file named twice
            continue
        used.add(submission_id)
        submissions.append(Submission(item.path, submission_id, item.who))
    mixed = identity.layout_note([s.who for s in submissions])
    if mixed:
        notes.append(mixed)
    return submissions


def read_bytes(path: Path) -> bytes:
    """The submission file's bytes: a regular file (no link followed), at most the size cap."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SubmissionError(f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError("not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES and path.suffix != ".zip":
            raise SubmissionError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        if info.st_size > 4 * MAX_NOTEBOOK_BYTES:
            raise SubmissionError(f"the zip is larger than {4 * MAX_NOTEBOOK_BYTES // 2**20} MB")
        return fh.read(4 * MAX_NOTEBOOK_BYTES + 1)


def read_notebook(path: Path, assignment: str, raw: bytes | None = None) -> dict:
    """The submission's notebook as checked JSON; ``SubmissionError`` with the reason otherwise."""
    raw = read_bytes(path) if raw is None else raw
    if not raw.strip():
        raise SubmissionError("the file is empty")
    if path.suffix == ".zip" or raw[:4] == b"PK\x03\x04":
        raw = _notebook_from_zip(raw, assignment)
    notebook = parse_notebook(raw)
    kit = notebook.get("metadata", {}).get("kit", {})
    found = kit.get("assignment") if isinstance(kit, dict) else None
    if found is not None and found != assignment:
        raise SubmissionError(f"this notebook is for assignment {found!r}, not {assignment!r}")
    return notebook


def parse_notebook(raw: bytes) -> dict:
    """Strict nbformat-4 shape: what the grader reads is exactly what Jupyter would show."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError("not a readable notebook (the file is not UTF-8 text)") from None
    try:
        notebook = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
        json.dumps(notebook, ensure_ascii=False).encode("utf-8")  # lone surrogates
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"not a readable notebook (bad JSON: {exc.msg})") from None
    except RecursionError:
        raise SubmissionError("not a readable notebook (JSON nested too deeply)") from None
    except UnicodeEncodeError:
        raise SubmissionError("not a readable notebook (text that is not valid Unicode)") from None
    except ValueError as exc:
        raise SubmissionError(f"not a readable notebook ({exc})") from None
    if not isinstance(notebook, dict):
        raise SubmissionError("not a Jupyter notebook (the JSON is not an object)")
    if "cells" not in notebook and "worksheets" in notebook:
        raise SubmissionError("an old-format (nbformat 3) notebook: open and save it in Jupyter")
    if not isinstance(notebook.get("metadata", {}), dict):
        raise SubmissionError("not a Jupyter notebook (metadata is not an object)")
    notebook.setdefault("metadata", {})
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("not a Jupyter notebook (no list of cells)")
    for number, cell in enumerate(cells, start=1):
        _check_cell(cell, number)
    return notebook


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    """Two values for one key: Jupyter and the grader could each read a different one."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the key {duplicate[:40]!r} appears twice in one object")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"bad JSON: {name} is not a JSON value")


def _check_cell(cell: Any, number: int) -> None:
    if not isinstance(cell, dict):
        raise SubmissionError(f"not a Jupyter notebook (cell {number} is not an object)")
    kind = cell.get("cell_type")
    if not isinstance(kind, str):
        raise SubmissionError(f"not a Jupyter notebook (cell {number} has no cell_type)")
    source = cell.get("source", "" if kind != "code" else None)
    if isinstance(source, list):
        if not all(isinstance(line, str) for line in source):
            raise SubmissionError(f"not a Jupyter notebook (cell {number}'s source is not text)")
    elif not isinstance(source, str):
        raise SubmissionError(f"not a Jupyter notebook (cell {number}'s source is not text)")


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def code_cells(notebook: dict) -> list[str]:
    """The code cells' sources, in notebook order (a checked notebook)."""
    return [cell_source(c) for c in notebook["cells"] if c["cell_type"] == "code"]


def _notebook_from_zip(raw: bytes, assignment: str) -> bytes:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            member = _pick_member(archive.infolist(), assignment)
            if member.flag_bits & 0x1:
                raise SubmissionError(f"{member.filename} in the zip is encrypted")
            if member.compress_type not in READABLE_COMPRESSION:
                raise SubmissionError(
                    f"{member.filename} in the zip uses an unknown compression method "
                    f"({member.compress_type})"
                )
            if member.file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(
                    f"the notebook in the zip is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
                )
            with archive.open(member) as fh:
                data = fh.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise SubmissionError("the notebook in the zip unpacks to more than its size says")
            return data
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise SubmissionError(f"not a readable zip file ({_one_line(exc)})") from None
    except (NotImplementedError, RuntimeError, ValueError, LookupError) as exc:
        raise SubmissionError(f"the zip cannot be read safely ({_one_line(exc)})") from None


def _pick_member(members: list[zipfile.ZipInfo], assignment: str) -> zipfile.ZipInfo:
    """The one notebook a person unzipping the file would also take; refuse any doubt."""
    counts = collections.Counter(m.filename for m in members)
    duplicates = sorted(name for name, n in counts.items() if n > 1)
    if duplicates:
        raise SubmissionError(f"the zip holds two files named {duplicates[0]!r}")
    notebooks = []
    for member in members:
        name = member.filename
        if not name.endswith(".ipynb") or member.is_dir():
            continue
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise SubmissionError(f"the zip holds a file with an unsafe path ({name!r})")
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        notebooks.append(member)
    if not notebooks:
        raise SubmissionError("the zip file holds no notebook")
    preferred = [m for m in notebooks if PurePosixPath(m.filename).stem == assignment]
    candidates = preferred or notebooks
    if len(candidates) > 1:
        listed = ", ".join(m.filename for m in candidates[:4])
        raise SubmissionError(f"the zip holds several notebooks ({listed}); submit only one")
    return candidates[0]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
