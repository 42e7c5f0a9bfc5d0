"""A run the host had to stop from outside (time, memory, a dead process) costs only the cell or
student function it was in: the notebook runs again with it replaced by a recorded failure
(``stop_for_good``), at most ``MAX_STOPPED`` times, and the result names what was left out
(``with_stopped``)."""

from __future__ import annotations

from dataclasses import replace

from autograder.grade.launch import SandboxRun
from autograder.grade.plan import Stopped
from autograder.results import AFTER_LAST_CELL, CellReport, SubmissionResult

MAX_STOPPED = 2  # cells or calls replaced by a recorded failure: at most three runs in all
RERUN_AFTER = {"timeout", "memory", "crashed"}


def stop_for_good(run: SandboxRun, stopped: Stopped) -> bool:
    """After a run the host stopped in a known code cell or call of a student function: record
    it in ``stopped`` and say whether to run the notebook again with it replaced by a failure.
    The mark is the student's to forge, but it can only name one of their own cells or the
    functions the grader calls, and the reruns are capped."""
    if run.status not in RERUN_AFTER or len(stopped.cells) + len(stopped.functions) >= MAX_STOPPED:
        return False
    why = f"stopped from outside ({run.reason}); the notebook was run again without it"
    where = run.stopped_in
    if isinstance(where, int) and where >= 0 and where not in stopped.cells:
        stopped.cells[where] = f"this cell was {why}"
        return True
    function = run.stopped_calling
    if where == AFTER_LAST_CELL and function and function not in stopped.functions:
        stopped.functions[function] = f"the grader's call of `{function}` was {why}"
        return True
    return False


def with_stopped(result: SubmissionResult, stopped: Stopped) -> SubmissionResult:
    """The cells the host stopped, as the grader (not the sandbox's report) knows them."""
    cells = {c.index: c for c in result.cells}
    for index, why in stopped.cells.items():
        cells[index] = CellReport(index, "timeout", why, 0.0)
    notes = [f"code cell {i + 1} was stopped from outside and left out" for i in stopped.cells]
    notes += [f"the call of `{f}` was stopped from outside" for f in stopped.functions]
    reason = "; ".join(x for x in (result.reason, *notes) if x)
    return replace(result, cells=tuple(cells[i] for i in sorted(cells)), reason=reason)
