"""``autograder grade``: grade a folder of submissions in parallel sandboxes (see ``pipeline``)."""

from __future__ import annotations

from pathlib import Path

from autograder.config import load_config
from autograder.grade import report
from autograder.grade.pipeline import default_out, grade_batch
from autograder.gradebook.tally import tally
from autograder.safetext import visible


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
    term: str | None = None,
    submitted_at: str | None = None,
    scheduler: str | None = None,
    similarity: bool = False,
) -> int:
    folder = Path(out) if out else default_out(assignment)
    results = grade_batch(
        [Path(p) for p in paths],
        assignment=assignment,
        config=config,
        term=term,
        jobs=jobs,
        out=folder,
        timeout=timeout,
        memory=memory,
        resume=resume,
        progress=not no_progress,
        isolation=isolation,
        cold=cold,
        submitted_at=Path(submitted_at) if submitted_at else None,
        scheduler=scheduler,
        similarity=similarity,
    )
    print(visible(report.table(results), keep_newlines=True))
    book = tally(folder.resolve(), load_config(config).assignment(assignment))
    for line in report.folder_notes(results, book, folder):
        print(visible(line))
    if similarity:
        print(f"similarity report: {folder.resolve() / 'similarity.html'}")
    return 0
