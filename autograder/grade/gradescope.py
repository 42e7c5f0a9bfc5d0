"""Gradescope's ``run_autograder``: grade the one submission with the kit's own pipeline.

Run as ``python -m autograder.grade.gradescope --root /autograder --assignment NAME --term T``
with ``KIT_HOME`` at the bundled build. It makes the grader's files root's only (the zip's
source, the installed kit and ``reference``), then chooses the isolation mode by trying it
(``isolation.probe``: strong, else unprivileged, else user; ``KIT_ISOLATION`` names one), names
it on the first line of the output, grades the newest notebook of ``ROOT/submission`` and writes
``ROOT/results/results.json``. A grader that cannot grade publishes nothing: when no mode runs,
or the grader itself fails, it writes no results file, prints one line for staff and exits 1
(Gradescope shows "autograder failed" and staff can regrade); a student never gets a 0 for the
grader's own failure. No grader path reaches the results.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from autograder.files import atomic_write_json
from autograder.grade.isolation import Mode

MODES = {
    Mode.STRONG: "strong (a bubblewrap jail with its own cgroup)",
    Mode.UNPRIVILEGED: "unprivileged (a bubblewrap jail in a user namespace, rlimits)",
    Mode.USER: "user (this container allows no namespaces: the notebook ran as an unprivileged "
    "user with rlimits; the hidden tests were unreadable to it)",
}
# Absolute paths of the grader's machine (never the sandbox's own /home/student): scrubbed.
HOST_PATH = re.compile(r"/(?:tmp|var|autograder|root|usr|opt|work|srv|proc|sys|etc|run|mnt)"
                       r"(?:/[^\s'\"),:;\]]*)?")  # fmt: skip
# A result that is the grader's failure, not the notebook's (its verdict or sandbox broke down).
GRADER_FAILED = ("the grader failed", "bwrap:", "could not score the results")
GRADER_MB = 400  # the grader's own processes beside the notebook (measured: README)


class CannotGrade(Exception):
    """The grader, not the submission, failed: nothing is published."""


def private_paths(root: Path) -> list[Path]:
    """What the student must never read: the zip's source (tests, build, grading.toml, data
    as the grader keeps it), the installed kit (its catalog) and ``reference`` (the solutions),
    Gradescope's metadata of the submission."""
    from autograder import paths

    found = [root / "source", root / "submission_metadata.json"]
    if "site-packages" in paths.PACKAGE_DIR.parts:  # never the checkout's own folders
        found += [paths.PACKAGE_DIR, paths.PACKAGE_DIR.parent / "reference"]
    return found


def choose_mode(private: list[Path], order: tuple[Mode, ...]) -> tuple[Mode, dict]:
    from autograder.grade.isolation import probe

    forced = os.environ.get("KIT_ISOLATION", "")
    if forced:
        order = tuple(m for m in order if m is Mode(forced))
        if not order:
            raise CannotGrade(f"KIT_ISOLATION={forced}: not this pass")
    mode, why = probe.choose(private=private, order=order)
    if mode is None:
        raise CannotGrade(
            "no sandbox runs in this container: "
            + "; ".join(f"{m}: {reason}" for m, reason in why.items())
        )
    return mode, why


def container_memory_mb() -> int | None:
    """The container's memory limit (cgroup v2 or v1), None where there is none."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue
        if value.isdigit() and int(value) < 2**50:
            return int(value) // 2**20
    return None


def newest(submission: Path) -> tuple[list, object]:
    """Every notebook (or otter zip) handed in, and the one that counts: the newest by
    modification time, else the last by name."""
    from autograder.grade import intake

    found = intake.discover([submission]) if submission.is_dir() else []
    if not found:
        return [], None
    return found, max(found, key=lambda s: (s.path.stat().st_mtime, s.path.name))


def run(*, root: Path, assignment: str, term: str) -> dict:
    """Grade ``root/submission``; the results.json to write (a dict). Raises ``CannotGrade``
    (or anything else) when the grader, not the submission, failed."""
    from autograder.config import load_config
    from autograder.grade.batch import grade_batch
    from autograder.grade.isolation import user
    from autograder.gradebook.tally import tally
    from autograder.results import Status

    spec = load_config().assignment(assignment)
    private = private_paths(root)
    if os.geteuid() == 0:  # the installed kit stays readable to the jails' verdict (nobody)
        user.lock_down([p for p in private if "site-packages" not in p.parts])
    try:
        mode, why = choose_mode(private, order=(Mode.STRONG, Mode.UNPRIVILEGED))
    except CannotGrade as exc:  # user mode: the installed kit and reference become root's
        if os.environ.get("KIT_ISOLATION", "user") != "user":
            raise
        if os.geteuid() == 0:
            user.lock_down(private)
        mode, why = choose_mode(private, order=(Mode.USER,))
        why = {"strong/unprivileged": str(exc), **why}
    if mode is not Mode.USER and os.geteuid() == 0:  # a jail's verdict reads the kit as nobody
        user.open_up([p for p in private if "site-packages" in p.parts])
    for weaker, reason in why.items():  # for staff: the autograder's log, not the student's
        print(f"kit: the {weaker} sandbox was not used: {reason}", file=sys.stderr)
    notes = [f"isolation: {MODES[mode]}"]
    found, counted_file = newest(root / "submission")
    if counted_file is None:
        notes.append("No notebook (.ipynb) or otter zip was found in the submission.")
        return {"score": 0, "output": "\n".join(notes), "tests": []}
    with tempfile.TemporaryDirectory(prefix="kit-gradescope-") as scratch:
        out = Path(scratch) / "out"
        limit = container_memory_mb()  # the notebook's limit stays under the container's
        memory = spec.limits.memory_mb
        if limit is not None and limit - GRADER_MB < memory:
            memory = max(256, limit - GRADER_MB)
        # cold: one submission per container, so a warm template and verdict worker beside
        # the notebook would only add their memory (measured: 1.88 GB warm, 1.3 GB cold)
        grade_batch([counted_file.path], assignment=assignment, term=term, out=out, cold=True,
                    jobs=1, progress=False, isolation=str(mode), memory=memory)  # fmt: skip
        book = tally(out, spec)
    if not book.grades:
        raise CannotGrade("the pipeline returned no result")
    counted = book.grades[0].result
    if counted.status is Status.CRASHED and any(m in counted.reason for m in GRADER_FAILED):
        raise CannotGrade(counted.reason)
    data = counted.to_gradescope()
    if len(found) > 1:
        names = ", ".join(sorted(s.file_name for s in found))
        notes.append(f"Several notebooks were submitted ({names}); graded the newest: "
                     f"{counted_file.file_name}")  # fmt: skip
    notes.append(data["output"])
    if spec.manual:
        notes.append(f"graded by hand later: {', '.join(spec.manual)}")
    data["output"] = "\n".join(notes)
    return scrub(data)


def scrub(value):
    """Every string of the results without a path of the grader's machine."""
    if isinstance(value, str):
        return HOST_PATH.sub("…", value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grade.gradescope")
    parser.add_argument("--root", default="/autograder")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--term", required=True)
    args = parser.parse_args(argv)
    root = Path(args.root)
    results = root / "results" / "results.json"
    results.unlink(missing_ok=True)  # a failed run leaves none: Gradescope says it failed
    try:
        data = run(root=root, assignment=args.assignment, term=args.term)
    except Exception as exc:  # the grader failed: staff read one line, no score is published
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}"
        print(f"kit: the autograder could not grade (no score written; regrade once fixed): {why}",
              file=sys.stderr)  # fmt: skip
        return 1
    atomic_write_json(results, data)
    print(data["output"].splitlines()[0])
    print(json.dumps({"score": data["score"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
