"""``autograder grade``: grade a folder of submissions in parallel sandboxes (see ``pipeline``)."""

from __future__ import annotations

from pathlib import Path

from autograder.grade import report
from autograder.grade.pipeline import grade_batch


def main(
    *,
    paths: list[str],
    assignment: str,
    config: str | None = None,
    jobs: int | None = None,
    out: str | None = None,
    timeout: float | None = None,
    memory: int | None = None,
    resume: bool = False,
    no_progress: bool = False,
    isolation: str | None = None,
    cold: bool = False,
) -> int:
    results = grade_batch(
        [Path(p) for p in paths],
        assignment=assignment,
        config=config,
        jobs=jobs,
        out=Path(out) if out else None,
        timeout=timeout,
        memory=memory,
        resume=resume,
        progress=not no_progress,
        isolation=isolation,
        cold=cold,
    )
    print(report.table(results))
    return 0
