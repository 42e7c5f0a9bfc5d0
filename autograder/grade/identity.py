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
import os
import re
from pathlib import Path
from typing import Any

from autograder.files import sha256_bytes
from autograder.results import Identity
from autograder.safetext import visible
from autograder.times import iso, parse_time
from autograder.times import newest_first as newest_first  # its readers import it from here too

MAX_ID_CHARS = 80
MAX_METADATA_BYTES = 16 * 2**20
# Canvas's prefix, anchored: nothing after the attachment id (the student's own file name) is
# ever read for identity.
CANVAS = re.compile(
    r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<seq>\d+)_(?P<file>.+)$", re.S | re.I
)
MOODLE_PREFIX = r"(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[a-z]+"
MOODLE_FOLDER = re.compile(rf"^{MOODLE_PREFIX}_?$", re.S)
MOODLE_FLAT = re.compile(rf"^{MOODLE_PREFIX}_(?P<file>.+)$", re.S)
GRADESCOPE_FOLDER = re.compile(r"^submission_(?P<n>\d+)$")
OTTER_STAMP = r"(?:_\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}(?:_\d+)?)?"
NAMELESS = {"submission", "notebook", "untitled", "answer", "answers", "homework"}
LMS_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "gradescope": "Gradescope",
             "file": "named by file"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Found:
    """One file and who handed it in."""

    path: Path
    who: Identity
    stem_id: str  # a file-name safe id for it, stable from run to run


def identify(
    path: Path, *, root: Path | None, assignment: str, metadata: dict, moodle_flat: bool = True
) -> Found:
    """Who handed ``path`` in, from what the LMS wrote: its folders, else its own file-name
    prefix. ``root``: the folder the file was found in (None for a file named on the command
    line); ``metadata``: Gradescope submission folders (their paths) -> their metadata entry;
    ``moodle_flat``: the file's folder is a flat Moodle download as a whole (every file in it
    has Moodle's prefix), the only place a Moodle prefix on a file name counts."""
    name = _text(path.name)
    stem = Path(name).stem
    # The LMS's folders first, the outermost deciding: inside them every name is the
    # student's choice, and a name shaped like another student's must not make it theirs.
    parents = list(path.parents)[: _depth_below(path, root)]
    # the searched folder itself (a TA may pass one student's Moodle folder), or every folder
    # of a file named on the command line, may be the LMS's too
    around = [root] if root is not None else list(path.parents)
    for folder in [*reversed(around), *reversed(parents)]:
        folder_name = _text(folder.name)
        match = MOODLE_FOLDER.match(folder_name)
        if match:
            who = _person(f"moodle:{match['pid']}", match["name"], "moodle", match["pid"])
            return Found(path, who, safe_id(f"moodle-{match['pid']}-{stem}"))
        match = GRADESCOPE_FOLDER.match(folder_name)
        if match:  # Gradescope's folder: its metadata, else the folder's own name
            entry = metadata.get(folder)
            if entry is None:
                who = _person(f"file:{folder_name}", folder_name, "file", folder_name)
            else:
                who = gradescope_identity(entry, folder_name)
            return Found(path, who, safe_id(f"gradescope-{match['n']}-{stem}"))
    # Only the LMS's own prefix on the file name: Canvas's, anchored, first.
    match = None if _nameless(stem, assignment) else CANVAS.match(name)
    if match:  # (otter's own export names, mlp_2026_10_01T..., look like Canvas's)
        who = dataclasses.replace(
            _person(f"canvas:{match['uid']}", match["name"], "canvas", match["uid"]),
            late=bool(match["late"]), sequence=int(match["seq"]),
        )  # fmt: skip
        return Found(path, who, safe_id(stem))
    match = MOODLE_FLAT.match(name) if moodle_flat else None
    if match and Path(match["file"]).stem:
        who = _person(f"moodle:{match['pid']}", match["name"], "moodle", match["pid"])
        return Found(path, who, safe_id(f"moodle-{match['pid']}-{Path(match['file']).stem}"))
    if _nameless(stem, assignment) and parents:
        owner = _text(parents[0].name)
        who = _person(f"file:{owner}", owner, "file", owner)
        return Found(path, who, safe_id(f"{owner}-{stem}"))
    return Found(path, _person(f"file:{stem}", stem, "file", stem), safe_id(stem))


def is_moodle_flat(names: list[str]) -> bool:
    """A folder's submission files are a flat Moodle download: every one has Moodle's prefix
    and none Canvas's (a student's own file name in another layout never qualifies)."""
    texts = [_text(n) for n in names]
    return bool(texts) and all(MOODLE_FLAT.match(n) and not CANVAS.match(n) for n in texts)


def layout_note(people: list[Identity]) -> str | None:
    """A batch that mixes LMS layouts (a Canvas download with a Moodle-named file, say): one
    note naming the layouts and the few odd ones out, for the TA to check."""
    counts: dict[str, list[Identity]] = {}
    for who in people:
        counts.setdefault(who.lms, []).append(who)
    if len(counts) < 2:
        return None
    main = max(counts, key=lambda lms: len(counts[lms]))
    odd = [w for lms, ws in counts.items() if lms != main for w in ws]
    listed = ", ".join(f"{w.name or w.key} ({w.key})" for w in odd[:10])
    more = f" and {len(odd) - 10} more" if len(odd) > 10 else ""
    kinds = ", ".join(f"{LMS_NAMES.get(k, k)} {len(v)}" for k, v in sorted(counts.items()))
    usual = LMS_NAMES.get(main, main)
    return visible(
        f"this batch mixes layouts ({kinds}): check the ones outside the {usual} layout: "
        f"{listed}{more}"
    )


def _text(name: str) -> str:
    """A name from the file system as text: bytes that are not UTF-8 become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


def _person(key: str, name: str, lms: str, lms_id: str) -> Identity:
    """An identity whose every text field is safe to print (see ``safetext``)."""
    return Identity(key=visible(key), name=visible(name), lms=lms, lms_id=visible(lms_id))


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
    """Only a Gradescope export's own ``submission_metadata.yml`` counts: the one at the top
    of the folder graded, beside ``submission_<n>`` folders. A student may upload a file of
    that name, in any layout and at any depth, to claim another's identity or stop the batch."""
    if path.parent != root:
        return False
    try:
        return any(
            GRADESCOPE_FOLDER.match(entry.name) and entry.is_dir(follow_symlinks=False)
            for entry in os.scandir(path.parent)
        )
    except OSError:
        return False


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
        _person(f"gradescope:{folder}", folder, "gradescope", folder)
    ]
    members = [dataclasses.replace(m, submitted_at=submitted_at) for m in members]
    return dataclasses.replace(members[0], group=tuple(members[1:]))


def _gradescope_person(person: dict, folder: str) -> Identity:
    def text(key: str) -> str:
        value = person.get(key)
        if value is None or isinstance(value, (dict, list)):
            return ""
        return visible(str(value).strip())[:200]

    sid, email = text(":sid"), text(":email")
    lms_id = sid or email.casefold() or folder
    return Identity(
        key=f"gradescope:{lms_id}", name=text(":name"), lms="gradescope", lms_id=lms_id,
        email=email, sid=sid,
    )  # fmt: skip


def load_gradescope_metadata(folder: Path) -> dict:
    """``submission_metadata.yml`` of a Gradescope export folder ({} without one), keyed by
    each submission folder's path. Read with a size cap and YAML's safe loader (no objects are
    built from it); ``BadMetadata`` (with a one-line reason) if it is not such a file."""
    import yaml

    path = folder / "submission_metadata.yml"
    if not path.is_file() or path.is_symlink():
        return {}
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            raise BadMetadata(f"{path}: larger than {MAX_METADATA_BYTES // 2**20} MB")
        data = yaml.safe_load(raw.decode("utf-8"))
    except BadMetadata:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise BadMetadata(
            visible(f"{path}: not a readable Gradescope metadata file ({reason})")
        ) from None
    if not isinstance(data, dict):
        raise BadMetadata(
            visible(f"{path}: not a Gradescope metadata file (no submission entries)")
        )
    return {folder / str(k): v for k, v in data.items() if GRADESCOPE_FOLDER.match(str(k))}


class BadMetadata(ValueError):
    """A Gradescope metadata file that cannot be used: its submissions are named by folder."""


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
