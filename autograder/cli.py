"""Thin command line: parse arguments, call the verb's keyword-only ``main``, map errors to codes.

Any ``KitError`` becomes one line on stderr and its exit code (``autograder.errors.EXIT_CODES``);
any other exception is a bug: one line, exit 70, the traceback with ``AUTOGRADER_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from autograder.errors import KitError
from autograder.quiet import filtered_stderr
from autograder.safetext import one_line, visible

VERB_MODULES = {
    "check-config": "autograder.config_check",
    "data": "autograder.data.main",
    "build": "autograder.assign.main",
    "grade": "autograder.grade.main",
    "tally": "autograder.gradebook.main",
    "review": "autograder.review.main",
    "similarity": "autograder.similarity.main",
    "export": "autograder.export.main",
    "demo": "autograder.demo.main",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Keras course kit: build and grade assignments.",
        epilog="exit codes: 0 ok, 1 self-check failed, 2 usage/config/gradebook error, "
        "3 data missing, 4 not built, 5 sandbox unavailable, 6 cluster unavailable, "
        "70 internal error, 130 interrupted",
    )
    parser.add_argument("--config", help="grading.toml to use (default: the repository's)")
    verbs = parser.add_subparsers(dest="verb", required=True)

    verbs.add_parser(
        "check-config", help="validate grading.toml (types, names, questions) without building"
    )

    data = verbs.add_parser("data", help="find or provision every dataset, report the sources")
    data.add_argument("--check", action="store_true", help="report only; copy or download nothing")
    data.add_argument("--assignment", help="only the datasets this assignment reads")

    build = verbs.add_parser("build", help="generate student notebooks and autograders, self-check")
    build.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    build.add_argument("--term", help="term name (default: course.term in grading.toml)")
    build.add_argument("--no-check", action="store_true", help="skip the self-check")

    grade = verbs.add_parser("grade", help="grade submissions in sandboxes")
    grade.add_argument("paths", nargs="+", help=".ipynb, otter .zip, or folders of them")
    grade.add_argument("--assignment", required=True)
    grade.add_argument("--jobs", type=int, help="parallel sandboxes (default: grading.jobs)")
    grade.add_argument("--out", help="output folder (default: grades/ASSIGNMENT)")
    grade.add_argument("--timeout", type=float, help="seconds per submission")
    grade.add_argument("--memory", type=int, help="MB per submission")
    grade.add_argument(
        "--resume",
        action="store_true",
        help="grade only what is missing or was graded with another build",
    )
    grade.add_argument("--term", help="grade with this term's build (default: course.term)")
    grade.add_argument(
        "--submitted-at",
        help="submission times: CSV student,submitted_at or a Moodle grading worksheet",
    )
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument(
        "--isolation",
        choices=("strong", "unprivileged", "user", "none"),
        help="sandbox strength (default strong; weaker ones are named in every result)",
    )
    grade.add_argument(
        "--similarity",
        action="store_true",
        help="also write the similarity report (similarity.html, similarity.csv)",
    )
    grade.add_argument(
        "--scheduler",
        help="grade on this Dask cluster: tcp://HOST:PORT or a scheduler file "
        "(default: grading.scheduler; none: here)",
    )
    grade.add_argument(
        "--cold",
        action="store_true",
        help="start fresh jailed processes per submission instead of warm templates (debugging)",
    )

    tally = verbs.add_parser(
        "tally", help="recompute grades.csv and feedback after editing manual.csv or overrides.csv"
    )
    tally.add_argument("--assignment", required=True)
    tally.add_argument(
        "--from", dest="from_dir", help="grading folder (default: grades/ASSIGNMENT)"
    )
    tally.add_argument("--submitted-at", help="submission times to add (CSV or Moodle worksheet)")

    review = verbs.add_parser(
        "review", help="one HTML page per manual question with every answer, and manual.csv"
    )
    review.add_argument("--assignment", required=True)
    review.add_argument(
        "--from", dest="from_dir", help="grading folder (default: grades/ASSIGNMENT)"
    )

    similar = verbs.add_parser(
        "similarity", help="rank pairs of submissions sharing student-written code (no grading)"
    )
    similar.add_argument("paths", nargs="+", help=".ipynb, otter .zip, or folders of them")
    similar.add_argument("--assignment", required=True)
    similar.add_argument("--out", help="output folder (default: grades/ASSIGNMENT)")
    similar.add_argument(
        "--against", action="append", help="an earlier term's submissions folder (repeatable)"
    )
    similar.add_argument(
        "--solution", action="store_true", help="also compare with the published solution"
    )
    similar.add_argument(
        "--ignore-solution",
        action="store_true",
        help="count the published solution's code as given, like the skeleton's",
    )
    similar.add_argument("--term", help="the term whose skeleton is subtracted (default: current)")
    similar.add_argument(
        "--base",
        nargs="+",
        metavar="FILE",
        help="more code that is everyone's, subtracted like the lecture's (.ipynb, .py, .md)",
    )

    export = verbs.add_parser("export", help="write grades as the LMS's import file")
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument(
        "--format", required=True, choices=("canvas", "moodle", "gradescope", "csv")
    )
    export.add_argument("--from", dest="from_dir", help="folder read (default: grades/ASSIGNMENT)")
    export.add_argument("--assignment", help="assignment (default: the folder's name)")
    export.add_argument(
        "--roster",
        help="the LMS's file to fill: Canvas gradebook export, Moodle grading worksheet, "
        "Gradescope roster (optional for gradescope)",
    )
    export.add_argument("--column", help="Canvas: the assignment column to fill")

    verbs.add_parser("demo", help="build, grade the bundled sample submissions, print the table")
    return parser


def _interrupt(signum, frame) -> None:
    """SIGTERM ends the kit like Ctrl-C: jails are killed, temporary folders removed."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    verb = args.pop("verb")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        with filtered_stderr():
            module = importlib.import_module(VERB_MODULES[verb])
            return module.main(**args) or 0
    except KitError as exc:
        print(f"autograder {verb}: {one_line(exc)}", file=sys.stderr)
        if exc.detail:
            print(visible("  " + exc.detail.replace("\n", "\n  "), keep_newlines=True),
                  file=sys.stderr)  # fmt: skip
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"autograder {verb}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("AUTOGRADER_DEBUG"):
            raise
        print(
            f"autograder {verb}: internal error: {type(exc).__name__}: {one_line(exc)} "
            "(rerun with AUTOGRADER_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    raise SystemExit(main())
