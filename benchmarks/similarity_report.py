"""Benchmark: the similarity report on classes of mlp notebooks written as students write them.

The classes come from ``tests/similarity/mlp_class.py``: honest students with habits of their
own (about a quarter follow the lecture closely), and copiers who take another student's whole
notebook or only some of its answers and disguise what they took (renames, re-spacing and
comments, keyword order, ``Sequential([...])`` against ``.add()``, helper functions, loops
against comprehensions, cells reordered, small edits, padding). The base is what ``autograder
similarity`` subtracts by default: the skeleton, the lecture's code and the built solution
(``--no-solution-base`` leaves the last out, as for a term not built).

For each class size and seed it prints the report's time (goal: 500 students in under a minute
on 2 cores), the copies flagged (recall) and the honest pairs flagged (false flags); then the
recall by disguise, by how much was taken and by how much of it was the source's own (cells no
other honest student wrote in the same shape: ``mlp_class.shape``), and the misses. A copy of a
lecture follower shares only the base and is by design never flagged: it is counted apart, as
are two copies of one notebook. The flag rules were set on seeds 0-7 (30, 60) and 0-2 (500);
other seeds are classes they never saw.

    .venv/bin/python benchmarks/similarity_report.py [--sizes 30,60,500] [--seeds 0,1,2]
"""

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from similarity import mlp_class  # noqa: E402

from autograder import paths  # noqa: E402
from autograder.similarity import compare, report, sources  # noqa: E402
from autograder.similarity.base import lecture_cells  # noqa: E402

SKELETON = paths.ASSIGNMENTS_DIR / "mlp" / "mlp.ipynb"

BUILT_SOLUTION = paths.autograder_dir_for("2026-fall", "mlp") / "mlp.ipynb"
QUESTIONS = mlp_class.QUESTIONS
COPY_SHARE = 0.08  # of a class, copiers


def make_class(folder: Path, count: int, copies: int, seed: int) -> tuple[set, set, dict]:
    """The class's notebooks under ``folder``; (copied pairs, lecture followers, how each pair
    was copied: the disguises)."""
    drawn = mlp_class.make_class(folder, count, copies, seed, SKELETON)
    return drawn.copied, drawn.followers, {k: c.kinds for k, c in drawn.how.items()}


@dataclass
class Outcome:
    students: int
    followers: int
    seconds: float
    copies: int = 0  # copier-source pairs whose source wrote code of their own
    found: int = 0
    found_passages: int = 0  # by the shared-passage rules alone (without the same choices)
    false_passages: int = 0
    false: int = 0
    base_only: int = 0  # copies of a lecture follower
    base_only_flagged: int = 0
    siblings: int = 0  # two copies of one notebook
    siblings_flagged: int = 0
    by_kind: Counter = field(default_factory=Counter)
    found_by_kind: Counter = field(default_factory=Counter)
    by_taken: Counter = field(default_factory=Counter)  # answers taken: whole, 7-10, 3-6
    found_by_taken: Counter = field(default_factory=Counter)
    passages_by_taken: Counter = field(default_factory=Counter)  # found by the passages alone
    by_own: Counter = field(default_factory=Counter)  # of what was taken, the source's own cells
    found_by_own: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    false_flags: list[str] = field(default_factory=list)
    top_honest: float = 0.0  # the highest-ranked honest pair's score
    honest_choices: float = -99.0  # the honest pairs' highest same-choices decades (flag: > 0)


def _taken(count: int) -> str:
    return "whole" if count == len(QUESTIONS) else "7-10" if count >= 7 else "3-6"


def _own(cells: int) -> str:
    return "none" if not cells else "1-2" if cells <= 2 else "3-4" if cells <= 4 else "5+"


def run(count: int, seed: int, *, copies: int, html: str | None = None,
        solution_base: bool = False) -> Outcome:  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="kit-similarity-bench-"))
    try:
        (work / "in").mkdir()
        drawn = mlp_class.make_class(work / "in", count, copies, seed, SKELETON)
        started = time.monotonic()
        skeleton = sources.with_given_cells(sources.Skeleton.of(SKELETON), lecture_cells())
        if solution_base and BUILT_SOLUTION.is_file():
            skeleton = sources.with_given_code(skeleton, BUILT_SOLUTION)
        batch, _ = sources.read_documents([work / "in"], assignment="mlp", origin="",
                                          skeleton=skeleton)  # fmt: skip
        comparison = compare.compare(batch, [], skeleton_hashes=skeleton.hashes)
        report.write_csv_report(work / "similarity.csv", comparison, QUESTIONS)
        report.write_html_report(work / "similarity.html", comparison, title="mlp",
                                 batch=len(batch), others={}, skipped=[])  # fmt: skip
        seconds = time.monotonic() - started
        if html:
            shutil.copy(work / "similarity.html", html)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Outcome(len(batch), len(drawn.followers), seconds)
    scores = {frozenset((p.a.key, p.b.key)): p for p in comparison.pairs}
    flagged = {k for k, p in scores.items() if p.flagged}
    by_passages = {k for k, p in scores.items() if _passage_reasons(p)}
    copiers = {f"s{n:04d}" for n in range(count - copies, count)}
    for key, record in sorted(drawn.how.items(), key=lambda kv: sorted(kv[0])):
        source = f"s{record.source:04d}"
        hit = key in flagged
        if source not in key:  # two copies of one notebook
            out.siblings += 1
            out.siblings_flagged += hit
            continue
        if source in drawn.followers:
            out.base_only += 1
            out.base_only_flagged += hit
            continue
        out.copies += 1
        out.found += hit
        out.found_passages += key in by_passages
        taken = _taken(len(record.questions))
        out.by_taken[taken] += 1
        out.found_by_taken[taken] += hit
        out.passages_by_taken[taken] += key in by_passages
        own = _own(record.distinctive)
        out.by_own[own] += 1
        out.found_by_own[own] += hit
        for kind in record.kinds:
            out.by_kind[kind] += 1
            out.found_by_kind[kind] += hit
        if not hit:
            pair = scores.get(key)
            out.misses.append(
                f"{count}/{seed} {sorted(key)} took {len(record.questions)} answers, "
                f"{record.distinctive} cells of the source's own "
                f"({', '.join(record.kinds)}): "
                + (
                    f"score {pair.score:.2f}, {min(pair.matched_a, pair.matched_b)} own tokens "
                    "shared"
                    if pair
                    else "no shared code"
                )  # fmt: skip
            )
    for key in flagged - drawn.copied:
        out.false += 1
        out.false_passages += key in by_passages
        pair = scores[key]
        out.false_flags.append(f"{count}/{seed} {sorted(key)}: {'; '.join(pair.reasons)}")
    honest = [p for k, p in scores.items() if k not in drawn.copied and not k & copiers]
    out.top_honest = max((p.score for p in honest), default=0.0)
    out.honest_choices = max((p.choices.decades for p in honest if p.choices), default=-99.0)
    return out


def _passage_reasons(pair) -> list[str]:
    """The pair's reasons but the same set of choices."""
    return [r for r in pair.reasons if not (pair.choices and r == pair.choices.reason)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="30,60,500", help="class sizes (comma-separated)")
    parser.add_argument("--seeds", default="0,1,2", help="seeds (comma-separated)")
    parser.add_argument("--copy-share", type=float, default=COPY_SHARE,
                        help="share of the class who copy")  # fmt: skip
    parser.add_argument(
        "--no-solution-base",
        action="store_true",
        help="leave the built solution out of the base (a term not built)",
    )
    parser.add_argument("--html", help="keep the last class's similarity.html here")
    parser.add_argument("--show", type=int, default=10, help="misses and false flags listed")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    if not args.no_solution_base and not BUILT_SOLUTION.is_file():
        print(f"note: no built solution ({BUILT_SOLUTION}): run `autograder build --assignment "
              "mlp` for the default base; the lecture's code alone is subtracted")  # fmt: skip
    seeds = [int(x) for x in args.seeds.split(",")]
    outcomes = []
    print(
        f"{'size':>5} {'seed':>4} {'followers':>9} {'time':>6}  {'copies found':>12}  "
        f"{'false flags':>11}  {'top honest':>10}  {'lecture-only copies flagged':>27}"
    )
    for size in sizes:
        for seed in seeds:
            copies = max(3, round(size * args.copy_share))
            o = run(size, seed, copies=copies, html=args.html,
                    solution_base=not args.no_solution_base)  # fmt: skip
            outcomes.append(o)
            print(f"{o.students:>5} {seed:>4} {o.followers:>9} {o.seconds:>5.1f}s  "
                  f"{o.found:>5}/{o.copies:<6}  {o.false:>11}  {o.top_honest:>10.2f}  "
                  f"{o.base_only_flagged:>13}/{o.base_only:<13}")  # fmt: skip
    for size in sizes:
        these = [o for o in outcomes if o.students == size]
        found, copies = sum(o.found for o in these), sum(o.copies for o in these)
        print(f"{size} students, {len(these)} seeds: copies flagged {found}/{copies} "
              f"({sum(o.found_passages for o in these)} by the shared passages alone); honest "
              f"pairs flagged {sum(o.false for o in these)} "
              f"({sum(o.false_passages for o in these)} by the passages alone); the report took "
              f"{max(o.seconds for o in these):.1f} s at most; the honest pairs' same choices "
              f"stayed {-max(o.honest_choices for o in these):.1f}+ powers of ten from a "
              "flag")  # fmt: skip
    found, copies = sum(o.found for o in outcomes), sum(o.copies for o in outcomes)
    print(f"all: copies flagged {found}/{copies} ({found / max(copies, 1):.0%}); honest pairs "
          f"flagged {sum(o.false for o in outcomes)}; two copies of one notebook flagged "
          f"{sum(o.siblings_flagged for o in outcomes)}/"
          f"{sum(o.siblings for o in outcomes)}")  # fmt: skip
    by_kind, found_kind = Counter(), Counter()
    by_taken, found_taken, passages_taken = Counter(), Counter(), Counter()
    by_own, found_own = Counter(), Counter()
    for o in outcomes:
        by_own.update(o.by_own)
        found_own.update(o.found_by_own)
        by_kind.update(o.by_kind)
        found_kind.update(o.found_by_kind)
        by_taken.update(o.by_taken)
        found_taken.update(o.found_by_taken)
        passages_taken.update(o.passages_by_taken)
    print("recall by disguise: " + ", ".join(
        f"{k} {found_kind[k]}/{by_kind[k]}" for k in sorted(by_kind)))  # fmt: skip
    print("recall by answers taken: " + ", ".join(
        f"{k} {found_taken[k]}/{by_taken[k]} ({passages_taken[k]} by the passages alone)"
        for k in ("whole", "7-10", "3-6")))  # fmt: skip
    print("recall by the source's own cells among those taken: " + ", ".join(
        f"{k} {found_own[k]}/{by_own[k]}" for k in ("5+", "3-4", "1-2", "none")))  # fmt: skip
    for line in [m for o in outcomes for m in o.misses][: args.show]:
        print(f"  missed {line}")
    for line in [m for o in outcomes for m in o.false_flags][: args.show]:
        print(f"  false flag {line}")


if __name__ == "__main__":
    main()
