"""``autograder similarity``: rank the pairs of submissions that share student-written code.

Reads the same inputs as ``grade`` (same student identities; each student's latest file), and
optionally earlier terms' batches (``--against``) and the published solution (``--solution``);
writes ``similarity.csv`` and ``similarity.html`` into the grading folder. No grading needed.
"""

from __future__ import annotations

from pathlib import Path

from autograder import paths
from autograder.config import check_term, load_config
from autograder.errors import BuildError, GradesError, UsageError
from autograder.paths import autograder_dir_for, default_out
from autograder.safetext import visible
from autograder.similarity.base import base_cells, lecture_cells
from autograder.similarity.compare import Comparison, compare
from autograder.similarity.report import write_csv_report, write_html_report
from autograder.similarity.sources import (
    OTHER,
    Skeleton,
    read_documents,
    with_given_cells,
    with_given_code,
)

SOLUTION = "published solution"


def similarity_report(
    inputs: list[Path],
    *,
    assignment: str,
    out: Path,
    term: str,
    title: str = "",
    against: list[Path] | None = None,
    solution: bool = False,
    ignore_solution: bool = False,
    base: list[Path] | None = None,
    lecture: bool = True,
) -> Comparison:
    """Compare, write ``out/similarity.csv`` and ``out/similarity.html``; the comparison.

    The base (code that is everyone's) is subtracted first: the skeleton, the lecture's code
    (``lecture``), the built solution when the term has a build (``ignore_solution``: it must),
    and the ``base`` files. ``solution`` instead pairs every student with the built solution."""
    if solution and ignore_solution:
        raise UsageError("--solution and --ignore-solution exclude each other")
    for path in [*inputs, *(against or [])]:
        if not path.exists():
            raise GradesError(f"no such file or folder: {path}")
    skeleton_file = skeleton_notebook(assignment, term)
    skeleton = Skeleton.of(skeleton_file)
    cells = lecture_cells() if lecture else []
    for path in base or []:
        cells += base_cells(path)
    if cells:
        skeleton = with_given_cells(skeleton, cells)
    built = autograder_dir_for(term, assignment) / f"{assignment}.ipynb"
    if ignore_solution or (built.is_file() and not solution):
        skeleton = with_given_code(skeleton, _solution_notebook(assignment, term))
    batch, skipped = read_documents(inputs, assignment=assignment, origin="", skeleton=skeleton)
    if not batch:
        why = f" ({skipped[0]})" if skipped else ""
        raise GradesError(
            f"no {assignment} notebook found to compare in {', '.join(map(str, inputs))}{why}: "
            f"check --assignment and the folder"
        )
    others, counts = [], {}
    for folder in against or []:
        found, left = read_documents([folder], assignment=assignment, origin=folder.name,
                                     skeleton=skeleton, prefix=f"{folder.name}/")  # fmt: skip
        others += found
        skipped += [f"{folder.name}: {line}" for line in left]
        counts[folder.name] = counts.get(folder.name, 0) + len(found)
    if solution:
        found, _ = read_documents([_solution_notebook(assignment, term)], assignment=assignment,
                                  origin=SOLUTION,
                                  skeleton=skeleton, prefix="solution/")  # fmt: skip
        others += found
        counts[SOLUTION] = len(found)
    comparison = compare(batch, others, skeleton_hashes=skeleton.hashes)
    out.mkdir(parents=True, exist_ok=True)
    questions = [*skeleton.questions, OTHER]  # the CSV's columns: never a name a student chose
    skipped += [f"{d.label}: {note}" for d in batch + others for note in d.notes]
    write_csv_report(out / "similarity.csv", comparison, questions)
    write_html_report(out / "similarity.html", comparison, title=title or assignment,
                      batch=len(batch), others=counts, skipped=skipped)  # fmt: skip
    return comparison


def _solution_notebook(assignment: str, term: str) -> Path:
    built = autograder_dir_for(term, assignment) / f"{assignment}.ipynb"
    if not built.is_file():
        raise GradesError(f"the published solution is read from the build: run `autograder "
                          f"build --assignment {assignment}` (no {built})")  # fmt: skip
    return built


def skeleton_notebook(assignment: str, term: str, *, built: bool = False) -> Path | None:
    """The notebook handed out for the term (its build), else (unless ``built``: the term was
    named, so its build must exist) the committed one."""
    handed_out = paths.BUILD_DIR / term / assignment / "student" / f"{assignment}.ipynb"
    if handed_out.is_file():
        return handed_out
    if built:
        raise BuildError(f"term {term} has no build of {assignment}: run `autograder build "
                         f"--term {term} --assignment {assignment}` first")  # fmt: skip
    committed = paths.ASSIGNMENTS_DIR / assignment / f"{assignment}.ipynb"
    return committed if committed.is_file() else None


def main(
    *,
    paths: list[str],
    assignment: str,
    out: str | None = None,
    against: list[str] | None = None,
    solution: bool = False,
    ignore_solution: bool = False,
    base: list[str] | None = None,
    term: str | None = None,
    config: str | None = None,
) -> int:
    cfg = load_config(config)
    spec = cfg.assignment(assignment)
    if term:  # a term named on the command line is compared against its own build
        skeleton_notebook(assignment, check_term(term, "--term"), built=True)
    folder = (Path(out) if out else default_out(assignment)).resolve()
    comparison = similarity_report(
        [Path(p) for p in paths], assignment=assignment, out=folder,
        term=check_term(term, "--term") if term else cfg.course.term,
        title=spec.title or assignment, against=[Path(p) for p in against or []],
        solution=solution, ignore_solution=ignore_solution, base=[Path(p) for p in base or []],
    )  # fmt: skip
    print(visible(summary_lines(comparison, folder), keep_newlines=True))
    if (folder / "summary.html").exists():  # link the report from the class summary
        from autograder.grade import report

        report.write_outputs(folder, spec)
    return 0


def summary_lines(comparison: Comparison, folder: Path) -> str:
    flagged = [p for p in comparison.pairs if p.flagged]
    lines = [f"similarity: {len(comparison.pairs)} pairs share code, {len(flagged)} flagged "
             "(a reason to look, never a verdict)"]  # fmt: skip
    for pair in flagged[:10]:
        lines.append(f"  {pair.score:4.0%}  {pair.a.label} ~ {pair.b.label}: "
                     f"{'; '.join(pair.reasons)}")  # fmt: skip
    if len(flagged) > 10:
        lines.append(f"  ... and {len(flagged) - 10} more")
    lines.append(f"wrote {folder / 'similarity.html'} and {folder / 'similarity.csv'}")
    return "\n".join(lines)
