"""Submission times as the LMSs write them, read into one form: ISO 8601 with a UTC offset.

Gradescope writes ``2026-10-14 23:58:01.123456789 -0700`` (or ISO), a ``--submitted-at`` CSV may
hold ISO times, and Moodle's grading worksheet writes local times in words
(``Tuesday, 14 October 2026, 11:58 PM``). A time without an offset is read in the course's time
zone (``late.timezone`` in grading.toml).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from autograder.errors import UsageError

MOODLE_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p")


def parse_time(value: object, timezone: str = "UTC") -> dt.datetime:
    """An aware datetime; ``ValueError`` with what was not understood."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = " ".join(str(value).split())
        moment = _iso(text) or _moodle(text)
        if moment is None:
            raise ValueError(f"not a date and time: {text[:60]!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return moment


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (an IANA name like Asia/Shanghai)") from None


def _iso(text: str) -> dt.datetime | None:
    # Gradescope: nanoseconds and a space before the offset; Python reads microseconds only
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?",
        text,
    )
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    normal = f"{day}T{clock}" + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    if offset:
        offset = "+00:00" if offset == "Z" else f"{offset[:3]}:{offset[-2:]}"
        normal += offset
    try:
        return dt.datetime.fromisoformat(normal)
    except ValueError:
        return None


def _moodle(text: str) -> dt.datetime | None:
    for form in MOODLE_FORMATS:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def newest_first(moment: str) -> float:
    """Sort key helper: an ISO time as a timestamp (unknown: the oldest)."""
    if not moment:
        return float("-inf")
    try:
        return dt.datetime.fromisoformat(moment).timestamp()
    except ValueError:
        return float("-inf")
