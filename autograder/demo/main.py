"""``autograder demo``: the main job on the bundled default.

Build every assignment (with its self-check), then grade the bundled sample submissions (good,
buggy and adversarial) and print the grade table.
"""

from __future__ import annotations

from pathlib import Path

from autograder import paths
from autograder.assign.main import buildable
from autograder.assign.main import main as build_main
from autograder.catalog import kit_for
from autograder.config import load_config
from autograder.grade import report
from autograder.grade.batch import grade_batch
from autograder.grade.main import review_pages

CORPUS_PREFIXES = ("alt_", "bug_")  # the accuracy corpus: graded by the tests, not the demo


def samples(folders: list[Path]) -> list[Path]:
    """The sample submissions in the folders, without the accuracy corpus's cases."""
    return [
        path
        for folder in folders
        for path in sorted(folder.iterdir())
        if path.suffix in (".ipynb", ".zip") and not path.name.startswith(CORPUS_PREFIXES)
    ]


def main(*, config: str | None = None, force: bool = False) -> int:
    """Build what is not up to date (everything with ``force``), then grade the samples."""
    cfg = load_config(config)
    status = build_main(config=config, force=force)
    if status:
        return status
    for name in buildable(cfg):
        folders = [paths.SAMPLE_SUBMISSIONS_DIR / f for f in kit_for(name).sample_folders]
        folders = [f for f in folders if f.exists()]
        if not folders:
            continue
        out = paths.GRADES_DIR / name
        print(f"\ngrading the sample submissions for {name} ({', '.join(f.name for f in folders)})")
        results = grade_batch(samples(folders), assignment=name, config=config, out=out)
        review_pages(out, name, config, manual=bool(cfg.assignment(name).manual))
        print(report.table(results))
        print(
            f"grades: {out / 'grades.csv'}; feedback: {out / 'feedback'} (.md and .html); "
            f"class summary: {out / 'summary.html'}"
        )
    return 0
