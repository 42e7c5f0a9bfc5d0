"""Who handed each file in, read from the LMS's bulk-download layout (never from the file).

- Canvas: ``<name>[_LATE]_<user id>_<attachment id>_<file>``; the user id is Canvas's ``ID``.
- Moodle: ``<Full Name>_<participant id>_assignsubmission_file_/<file>`` (one folder per
  student) or the same prefix on the file itself (flat download); the participant id is the
  worksheet's ``Participant N``.
- Gradescope: ``submission_<n>/`` folders beside ``submission_metadata.yml``, whose submitters
  give name, SID and e-mail, and whose ``:created_at:`` is the submission time.
- Otherwise the file's stem; a stem that names nothing (``mlp.ipynb``, otter's
  ``mlp_2026_10_01T12_00_00_000000.zip``, ``submission``) takes its folder's name.

Names keep their full Unicode; ids made from them for file names are ASCII plus a short hash of
the original, so two different names never meet in one id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from autograder.files import sha256_bytes
from autograder.results import Identity
from autograder.times import iso, parse_time

MAX_ID_CHARS = 80
MAX_METADATA_BYTES = 16 * 2**20
CANVAS = re.compile(r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<seq>\d+)_(?P<file>.+)$")
MOODLE_PREFIX = r"(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[a-z]+"
MOODLE_FOLDER = re.compile(rf"^{MOODLE_PREFIX}_?$")
MOODLE_FLAT = re.compile(rf"^{MOODLE_PREFIX}_(?P<file>.+)$")
GRADESCOPE_FOLDER = re.compile(r"^submission_(?P<n>\d+)$")
OTTER_STAMP = r"(?:_\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}(?:_\d+)?)?"
NAMELESS = {"submission", "notebook", "untitled", "answer", "answers", "homework"}


@dataclasses.dataclass(frozen=True)
class Found:
    """One file and who handed it in."""

    path: Path
    who: Identity
    stem_id: str  # a file-name safe id for it, stable from run to run


def identify(path: Path, *, root: Path | None, assignment: str, metadata: dict) -> Found:
    """``root``: the folder the file was found in (None for a file named on the command line);
    ``metadata``: Gradescope submission folders (``submission_<n>``) -> their metadata entry."""
    name = path.name
    stem = Path(name).stem
    # The LMS's folders first: inside them the file's own name is the student's choice, and a
    # name shaped like another student's Moodle or Canvas file must not make it theirs.
    parents = list(path.parents)[: _depth_below(path, root)]
    for folder in reversed(parents):  # the outermost: the LMS made it, the student did not
        match = MOODLE_FOLDER.match(folder.name)
        if match:
            who = Identity(key=f"moodle:{match['pid']}", name=match["name"], lms="moodle",
                           lms_id=match["pid"])  # fmt: skip
            return Found(path, who, safe_id(f"moodle-{match['pid']}-{stem}"))
        match = GRADESCOPE_FOLDER.match(folder.name)
        if match and folder.name in metadata:
            who = gradescope_identity(metadata[folder.name], folder.name)
            return Found(path, who, safe_id(f"gradescope-{match['n']}-{stem}"))
    match = MOODLE_FLAT.match(name)
    if match and Path(match["file"]).stem:
        who = Identity(key=f"moodle:{match['pid']}", name=match["name"], lms="moodle",
                       lms_id=match["pid"])  # fmt: skip
        return Found(path, who, safe_id(f"moodle-{match['pid']}-{Path(match['file']).stem}"))
    match = None if _nameless(stem, assignment) else CANVAS.match(name)
    if match:  # (otter's own export names, mlp_2026_10_01T..., look like Canvas's)
        who = Identity(
            key=f"canvas:{match['uid']}", name=match["name"], lms="canvas", lms_id=match["uid"],
            late=bool(match["late"]), sequence=int(match["seq"]),
        )  # fmt: skip
        return Found(path, who, safe_id(stem))
    if _nameless(stem, assignment) and parents:
        owner = parents[0].name
        who = Identity(key=f"file:{owner}", name=owner, lms_id=owner)
        return Found(path, who, safe_id(f"{owner}-{stem}"))
    return Found(path, Identity(key=f"file:{stem}", name=stem, lms_id=stem), safe_id(stem))


def _depth_below(path: Path, root: Path | None) -> int:
    """How many of the file's folders lie inside the searched folder (none for a named file)."""
    if root is None:
        return 0
    try:
        return len(path.parent.relative_to(root).parts)
    except ValueError:
        return 0


def _nameless(stem: str, assignment: str) -> bool:
    """A stem that says what the file is, not whose: take the folder's name instead."""
    base = stem.casefold()
    if assignment and re.fullmatch(rf"{re.escape(assignment.casefold())}{OTTER_STAMP}", base, re.I):
        return True
    return re.sub(r"[\s_-]*\d*$", "", base) in NAMELESS


def is_export_metadata(path: Path, *, root: Path) -> bool:
    """Only a Gradescope export's own ``submission_metadata.yml`` counts: one beside the
    ``submission_<n>`` folders, never one inside them (a student may upload a file of that
    name to claim another student's identity)."""
    inside = path.parent.relative_to(root).parts
    return not any(GRADESCOPE_FOLDER.match(part) for part in inside)


def gradescope_identity(entry: Any, folder: str) -> Identity:
    """A ``submission_metadata.yml`` entry (``:submitters:``, ``:created_at:``) as an identity;
    the first submitter is the key, the others form the group."""
    submitters = entry.get(":submitters") if isinstance(entry, dict) else None
    people = [p for p in submitters if isinstance(p, dict)] if isinstance(submitters, list) else []
    created = entry.get(":created_at") if isinstance(entry, dict) else None
    submitted_at = ""
    if created is not None:
        try:
            submitted_at = iso(parse_time(created))
        except ValueError:
            submitted_at = ""
    members = [_gradescope_person(p, folder) for p in people] or [
        Identity(key=f"gradescope:{folder}", name=folder, lms="gradescope", lms_id=folder)
    ]
    members = [dataclasses.replace(m, submitted_at=submitted_at) for m in members]
    return dataclasses.replace(members[0], group=tuple(members[1:]))


def _gradescope_person(person: dict, folder: str) -> Identity:
    def text(key: str) -> str:
        value = person.get(key)
        return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()

    sid, email = text(":sid"), text(":email")
    lms_id = sid or email.casefold() or folder
    return Identity(
        key=f"gradescope:{lms_id}", name=text(":name"), lms="gradescope", lms_id=lms_id,
        email=email, sid=sid,
    )  # fmt: skip


def load_gradescope_metadata(folder: Path) -> dict:
    """``submission_metadata.yml`` of a Gradescope export folder, or {} without one. Read
    with a size cap and YAML's safe loader (no objects are built from it)."""
    import yaml

    path = folder / "submission_metadata.yml"
    if not path.is_file() or path.is_symlink():
        return {}
    from autograder.errors import GradesError

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            raise GradesError(f"{path}: larger than {MAX_METADATA_BYTES // 2**20} MB")
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise GradesError(f"{path}: not a readable Gradescope metadata file ({reason})") from None
    if not isinstance(data, dict):
        raise GradesError(f"{path}: not a Gradescope metadata file (no submission entries)")
    return {str(k): v for k, v in data.items()}


def safe_id(text: str) -> str:
    """A file-name safe id. Text that loses characters on the way (non-ASCII names, long
    names) keeps a readable head plus a hash of the original, so ids stay distinct."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    digest = sha256_bytes(text.encode("utf-8", "replace"))[:8]
    if not safe:
        return f"submission-{digest}"
    if len(safe) > MAX_ID_CHARS:
        return f"{safe[: MAX_ID_CHARS - 13]}-{sha256_bytes(text.encode('utf-8', 'replace'))[:12]}"
    if re.sub(r"[._-]", "", safe) != re.sub(r"[\s._-]", "", text):
        return f"{safe}-{digest}"
    return safe


def newest_first(moment: str) -> float:
    """Sort key helper: an ISO time as a timestamp (unknown: the oldest)."""
    if not moment:
        return float("-inf")
    try:
        return dt.datetime.fromisoformat(moment).timestamp()
    except ValueError:
        return float("-inf")
