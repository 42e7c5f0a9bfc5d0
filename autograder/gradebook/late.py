"""The late policy of grading.toml applied to one submission time."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from autograder.config import LatePolicy
from autograder.times import parse_time

PERIODS = {"per_day": dt.timedelta(days=1), "per_hour": dt.timedelta(hours=1)}


@dataclass(frozen=True)
class Lateness:
    fraction: float = 0.0  # of the points possible taken off (1.0: no points)
    note: str = ""  # for the TA and the student; "" when on time

    def deduction(self, possible: float) -> float:
        return round(self.fraction * possible, 4)


def lateness(policy: LatePolicy, *, submitted_at: str, marked_late: bool) -> Lateness:
    """What lateness costs: from the submission time when known, else from the LMS's marker
    (one period, the least a late submission costs, and the note says so)."""
    deadline = policy.deadline_at()
    if deadline is None:
        note = "marked late by the LMS; no deadline is configured" if marked_late else ""
        return Lateness(0.0, note)
    due = deadline + dt.timedelta(minutes=policy.grace_minutes)
    if submitted_at:
        moment = parse_time(submitted_at, policy.timezone)
        if moment <= due:
            return Lateness()
        late_by = moment - deadline
        periods = math.ceil((moment - due) / PERIODS.get(policy.penalty, dt.timedelta(days=1)))
        how = f"submitted {_duration(late_by)} after the deadline"
    elif marked_late:
        periods = 1
        how = "marked late by the LMS, time unknown (give --submitted-at for the exact penalty)"
    else:
        return Lateness()
    if policy.penalty == "none":
        return Lateness(0.0, f"{how}; no late penalty is configured")
    if policy.penalty == "zero":
        return Lateness(1.0, f"{how}: late work gets no points")
    fraction = min(policy.max_fraction, policy.rate * periods)
    unit = "day" if policy.penalty == "per_day" else "hour"
    return Lateness(
        fraction,
        f"{how}: {periods} {unit}(s) x {policy.rate:.0%} = {fraction:.0%} of the points off"
        + (" (the maximum)" if fraction < policy.rate * periods else ""),
    )


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return " ".join(p for p in parts if p)
