"""Gradescope's ``run_autograder``: grade the one submission with the kit's own pipeline.

Run as ``python -m autograder.grade.gradescope --root /autograder --assignment NAME --term T``
with ``KIT_HOME`` at the bundled build. It grades ``ROOT/submission`` in the strongest sandbox
the image allows (strong, else unprivileged, else none: Gradescope's containers may forbid
namespaces; the mode is named in the output) and always writes
``ROOT/results/results.json``, also when something fails, so the student sees a reason.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from autograder.files import atomic_write_json
from autograder.grade.isolation import Mode, missing_for

WEAK_NOTE = (
    "isolation: {mode} (this Gradescope image allows no stronger sandbox; see the kit's README)"
)


def strongest_mode() -> Mode:
    return next((m for m in (Mode.STRONG, Mode.UNPRIVILEGED) if not missing_for(m)), Mode.NONE)


def run(*, root: Path, assignment: str, term: str) -> dict:
    """Grade ``root/submission``; the results.json written (a dict)."""
    from autograder.config import load_config
    from autograder.grade.pipeline import grade_batch
    from autograder.gradebook.tally import tally

    spec = load_config().assignment(assignment)
    mode = strongest_mode()
    with tempfile.TemporaryDirectory(prefix="kit-gradescope-") as scratch:
        out = Path(scratch) / "out"
        grade_batch([root / "submission"], assignment=assignment, term=term, out=out,
                    jobs=1, progress=False, isolation=str(mode))  # fmt: skip
        book = tally(out, spec)
    if not book.grades:
        raise FileNotFoundError("no notebook (.ipynb) or otter zip was found in the submission")
    counted = book.grades[0].result
    data = counted.to_gradescope()
    notes = [data["output"]]
    if len(book.results) > 1:
        notes.append(f"several notebooks were submitted; graded: {counted.file}")
    if spec.manual:
        notes.append(f"graded by hand later: {', '.join(spec.manual)}")
    if mode is not Mode.STRONG:
        notes.append(WEAK_NOTE.format(mode=mode))
    data["output"] = "\n".join(notes)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grade.gradescope")
    parser.add_argument("--root", default="/autograder")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--term", required=True)
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        data = run(root=root, assignment=args.assignment, term=args.term)
        code = 0
    except Exception as exc:  # the student must see why, never an empty Gradescope page
        data = {
            "score": 0,
            "output": f"The autograder could not grade this submission: "
            f"{' '.join(str(exc).split())[:300]}",
        }
        code = 1
    atomic_write_json(root / "results" / "results.json", data)
    print(json.dumps({"score": data["score"]}))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
