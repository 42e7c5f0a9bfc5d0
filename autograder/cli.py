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
    "tally": "autograder.grade.retally",
    "review": "autograder.review.main",
    "similarity": "autograder.similarity.main",
    "export": "autograder.export.main",
    "demo": "autograder.demo.main",
}


EXAMPLES = {
    "check-config": "autograder check-config --config grading.toml",
    "data": "autograder data --check -a mlp",
    "build": "autograder build -a mlp --term 2027-spring",
    "grade": "autograder grade downloads/mlp/ -a mlp -j 4 -o grades/mlp",
    "tally": "autograder tally -a mlp",
    "review": "autograder review -a mlp",
    "similarity": "autograder similarity downloads/word2vec/ -a word2vec --against old/",
    "export": "autograder export -a mlp --format canvas --roster gradebook.csv --to upload.csv",
    "demo": "autograder demo",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras-course-kit")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    """Conventions (as otter's and nbgrader's commands where the kit has no reason to differ):
    every verb has a one-line description and an example; ``--config`` goes before or after
    the verb; ``-a/--assignment``, ``-j/--jobs`` and ``-o/--out`` (always a folder) are the
    everyday options; ``export`` writes one file, ``--to FILE`` (nbgrader's ``export --to``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help="grading.toml to use (default: the repository's)")  # fmt: skip
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Keras course kit: build and grade assignments.",
        epilog="exit codes: 0 ok, 1 self-check failed, 2 usage/config/gradebook error, "
        "3 data missing, 4 not built, 5 sandbox unavailable, 6 cluster unavailable, "
        "70 internal error, 130 interrupted. `autograder VERB --help` for a verb's options "
        "and an example.",
    )
    parser.add_argument("--config", help="grading.toml to use (default: the repository's)")
    parser.add_argument("--version", action="version", version=f"autograder {_version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, summary: str) -> argparse.ArgumentParser:
        return verbs.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + ".",
            epilog=f"example:\n  {EXAMPLES[name]}", parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip

    def assignment_option(p: argparse.ArgumentParser, help: str, **kwargs) -> None:
        p.add_argument("-a", "--assignment", help=help, **kwargs)

    check = verb("check-config", "validate grading.toml (types, names, questions) without building")
    check.add_argument(
        "--explain", action="store_true", help="print every key: type, default, what it does"
    )
    check.add_argument(
        "--markdown", action="store_true", help="the same as Markdown (docs/grading-toml.md)"
    )

    data = verb("data", "find or provision every dataset, report the sources")
    data.add_argument("--check", action="store_true", help="report only; copy or download nothing")
    assignment_option(data, "only the datasets this assignment reads")

    build = verb("build", "generate student notebooks and autograders, self-check")
    assignment_option(build, "only this assignment (repeatable)", action="append")
    build.add_argument("--term", help="term name (default: course.term in grading.toml)")
    build.add_argument("--no-check", action="store_true", help="skip the self-check")
    build.add_argument("--force", action="store_true",
                       help="rebuild even an assignment whose build is up to date")  # fmt: skip

    grade = verb("grade", "grade submissions in sandboxes: results, feedback, grades.csv, summary")
    grade.add_argument("paths", nargs="+", help=".ipynb, otter .zip, or folders of them")
    assignment_option(grade, "the assignment graded", required=True)
    grade.add_argument("-j", "--jobs", type=int, help="parallel sandboxes (default: grading.jobs)")
    grade.add_argument("-o", "--out", help="output folder (default: grades/ASSIGNMENT)")
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

    tally = verb(
        "tally", "recompute grades.csv and feedback after editing manual.csv or overrides.csv"
    )
    assignment_option(tally, "the assignment tallied", required=True)
    tally.add_argument(
        "--from", dest="from_dir", help="grading folder (default: grades/ASSIGNMENT)"
    )
    tally.add_argument("--submitted-at", help="submission times to add (CSV or Moodle worksheet)")

    review = verb("review", "one HTML page per manual question with every answer, and manual.csv")
    assignment_option(review, "the assignment reviewed", required=True)
    review.add_argument(
        "--from", dest="from_dir", help="grading folder (default: grades/ASSIGNMENT)"
    )

    similar = verb(
        "similarity", "rank pairs of submissions sharing student-written code (no grading)"
    )
    similar.add_argument("paths", nargs="+", help=".ipynb, otter .zip, or folders of them")
    assignment_option(similar, "the assignment compared", required=True)
    similar.add_argument("-o", "--out", help="output folder (default: grades/ASSIGNMENT)")
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

    export = verb("export", "write grades as the LMS's import file")
    export.add_argument(
        "--to", metavar="FILE", help="the file to write (an LMS's import file; required)"
    )
    export.add_argument("--out", dest="to", help=argparse.SUPPRESS)  # the older spelling
    export.add_argument(
        "--format", required=True, choices=("canvas", "moodle", "gradescope", "csv")
    )
    export.add_argument("--from", dest="from_dir", help="folder read (default: grades/ASSIGNMENT)")
    assignment_option(export, "assignment (default: the folder's name)")
    export.add_argument(
        "--roster",
        help="the LMS's file to fill: Canvas gradebook export, Moodle grading worksheet, "
        "Gradescope roster (optional for gradescope)",
    )
    export.add_argument("--column", help="Canvas: the assignment column to fill")

    demo = verb("demo", "build, grade the bundled sample submissions, print the table")
    demo.add_argument("--force", action="store_true",
                      help="rebuild even the assignments whose build is up to date")  # fmt: skip
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
