"""Where each dataset was found, as one record per dataset and a printable report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from autograder.config import GradingConfig


class Kind(StrEnum):
    """The kind of place a dataset came from, in the order the modules search."""

    CONFIGURED = "configured"  # grading.toml [data]
    SHARED = "shared"  # <repo>/../shared/data
    SYSTEM = "system"  # a Debian package under /usr/share
    STANDARD = "standard cache"  # ~/.keras, nltk.data.path
    KIT = "kit cache"  # <repo>/.data, from an earlier run
    BUILT = "built"  # <repo>/.data, built by the kit from an installed package
    DOWNLOADED = "downloaded"  # the real online source, fetched now or earlier
    ONLINE = "online handle"  # nothing local; the handle is resolved online when used
    NONE = "-"


class Status(StrEnum):
    OK = "ok"  # in place: the lecture's code finds it
    PENDING = "found"  # found and verified; `autograder data` still has to place it
    ONLINE = "online"  # only an online handle (works where there is internet)
    MISSING = "missing"
    ERROR = "error"  # found but corrupt or unusable


@dataclass(frozen=True)
class Found:
    """One dataset: its status, the kind of source, where it is usable, and where it came from."""

    dataset: str
    status: Status
    kind: Kind
    path: str
    source: str = ""
    note: str = ""

    @property
    def found(self) -> bool:
        return self.status in (Status.OK, Status.PENDING, Status.ONLINE)


@dataclass(frozen=True)
class DataReport:
    """What `autograder data` prints: one line per dataset, then the fixes for what is missing."""

    entries: tuple[Found, ...]

    @property
    def all_found(self) -> bool:
        return all(entry.found for entry in self.entries)

    def lines(self) -> list[str]:
        out = []
        for e in self.entries:
            line = f"{e.dataset:<15} {e.status:<8} {e.kind:<15} {e.path or '-'}"
            if e.source and e.source != e.path:
                line += f"  (from {e.source})"
            out.append(line)
        return out

    def problems(self) -> list[str]:
        return [e.note for e in self.entries if not e.found and e.note]


def configured_path(config: GradingConfig, value: str) -> Path:
    """A grading.toml path: ``~`` expanded, relative paths taken from the file's folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (config.path.parent / path).resolve()
