"""``autograder tally``: bring grades.csv and every feedback file up to date with manual.csv,
overrides.csv and submission times, without grading anything again (``gradebook`` tallies;
this verb writes the outputs with ``report``, so it sits above both)."""

from __future__ import annotations

from pathlib import Path

from autograder.config import load_config
from autograder.grade import plan, report
from autograder.gradebook import corrections
from autograder.paths import autograder_dir_for, default_out
from autograder.safetext import visible


def main(
    *,
    assignment: str,
    from_dir: str | None = None,
    submitted_at: str | None = None,
    config: str | None = None,
) -> int:
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    folder = Path(from_dir) if from_dir else default_out(assignment)
    if submitted_at:
        times = corrections.read_times(Path(submitted_at), spec.late.timezone)
        corrections.merge_times(folder, times, spec.late.timezone)
    built = autograder_dir_for(cfg.course.term, assignment)
    build = plan.build_fingerprint(built) if (built / "plan").is_dir() else None
    book = report.write_outputs(folder, spec, build=build)
    for line in report.folder_notes([], book, folder):
        print(visible(line))
    return 0
