"""``autograder grade``: grade a folder of submissions in parallel sandboxes (see ``pipeline``).

The composition root of grading: one options record from grading.toml and the command line
(``batch.batch_options``), the batch (``batch.run_batch``), then the pages a person reads."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from autograder.grade import report
from autograder.grade.batch import batch_options, run_batch
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
    options = batch_options(
        assignment=assignment,
        config=config,
        term=term,
        jobs=jobs,
        out=Path(out) if out else None,
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
    results = run_batch([Path(p) for p in paths], options)
    folder, spec = options.out, options.spec
    print(visible(report.table(results), keep_newlines=True))
    review_pages(folder, spec.name, config, manual=bool(spec.manual))
    book = tally(folder.resolve(), spec)
    for line in report.folder_notes(results, book, folder):
        print(visible(line))
    print(visible(f"class summary: {folder.resolve() / 'summary.html'}"))
    if similarity:
        print(visible(f"similarity report: {folder.resolve() / 'similarity.html'}"))
    return 0


def review_pages(folder: Path, assignment: str, config: str | None, *, manual: bool) -> None:
    """The manual questions' pages (``review/Q.html``) and ``manual.csv``, as ``autograder
    review`` writes them, so that the summary's "to grade" links work right after grading."""
    if not manual:
        return
    from autograder.review.main import main as review

    with contextlib.redirect_stdout(io.StringIO()):  # the notes name the pages
        review(assignment=assignment, from_dir=str(folder), config=config)
