"""Benchmark: the similarity report on a synthetic class of 500 word2vec notebooks.

Each student answers every question in one of the styles of ``tests/similarity/students.py``
(so much of the class shares code, as a real class shares the lecture's), with identifiers
renamed and lines of their own mixed in; ``--copies`` pairs are planted (a copy renamed,
reformatted, its cells reordered). Prints the time of each stage and of the whole report
(goal: under a minute for 500 students, about 125k pairs, on this 2-core machine), how many
planted copies are flagged (recall) and how many other pairs are.

    .venv/bin/python benchmarks/similarity_report.py [--students 500] [--copies 10]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from similarity import students  # noqa: E402

from autograder import paths  # noqa: E402
from autograder.similarity import compare, report, sources  # noqa: E402

STYLES = [students.ANA, students.CHLOE, students.DAN, students.EVE, students.FRANK]
QUESTIONS = ["q_corpus", "q_pairs", "q_cbow", "q_cbow_train", "q_cbow_embeddings", "q_nearest"]
MODULES = ["np", "tf", "pd", "keras.backend", "np.linalg", "tf.math"]
FUNCTIONS = [
    "mean",
    "max",
    "min",
    "sum",
    "std",
    "log1p",
    "sqrt",
    "clip",
    "argmax",
    "argsort",
    "reshape",
    "stack",
    "concatenate",
    "where",
    "abs",
    "exp",
    "cumsum",
    "diff",
    "maximum",
    "minimum",
    "round",
    "floor",
    "square",
    "tanh",
    "norm",
    "dot",
]
KEYWORDS = ["axis", "keepdims", "dtype", "out", "where", "name", "ord", "decimals", "shape"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**"]


def own_lines(rng: random.Random, count: int) -> str:
    """Lines only this student wrote: random calls on their own names (as varied as real
    students' helper code, so that two students rarely write the same line by chance)."""
    lines = []
    for _ in range(count):
        name = f"{rng.choice(['tmp', 'val', 'acc', 'res', 'part'])}_{rng.randrange(1000)}"
        call = f"{rng.choice(MODULES)}.{rng.choice(FUNCTIONS)}"
        inner = f"{rng.choice(MODULES)}.{rng.choice(FUNCTIONS)}(cbow_losses)"
        keyword = f"{rng.choice(KEYWORDS)}={rng.randrange(10)}"
        op = rng.choice(OPERATORS)
        lines.append(f"{name} = {call}({inner} {op} {rng.randrange(100)}, {keyword})")
    return "\n".join(lines)


def renamed(code: str, rng: random.Random) -> str:
    """Local names changed, as a student who copies would (fingerprints do not see it)."""
    for name in ("word", "words", "sentence", "loss", "scores", "row", "probe", "target"):
        code = re.sub(rf"\b{name}\b", f"{name}_{rng.randrange(100)}", code)
    return code


def make_class(folder: Path, count: int, copies: int, seed: int = 0) -> set[frozenset]:
    rng = random.Random(seed)
    skeleton = json.loads((paths.ASSIGNMENTS_DIR / "word2vec" / "word2vec.ipynb").read_text())
    answers = []
    for _ in range(count):
        chosen = {}
        for question in QUESTIONS:
            styles = [s for s in STYLES if question in s]
            code = renamed(rng.choice(styles)[question], rng)
            chosen[question] = code + "\n" + own_lines(rng, rng.randrange(2, 8))
        answers.append(chosen)
    planted = set()
    for pair in range(copies):
        source, target = 2 * pair, 2 * pair + 1
        copied = answers[source].items()
        answers[target] = {q: renamed(c, rng).replace(" = ", "=") for q, c in copied}
        planted.add(frozenset((f"s{source:04d}", f"s{target:04d}")))
    for number, chosen in enumerate(answers):
        order = rng.sample(QUESTIONS, len(QUESTIONS)) if number % 2 else None
        notebook = students.student_notebook(skeleton, chosen, order)
        (folder / f"s{number:04d}.ipynb").write_text(json.dumps(notebook))
    return planted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kit-similarity-bench-"))
    try:
        (work / "in").mkdir()
        planted = make_class(work / "in", args.students, args.copies)
        started = time.monotonic()
        skeleton = sources.Skeleton.of(paths.ASSIGNMENTS_DIR / "word2vec" / "word2vec.ipynb")
        batch, _ = sources.read_documents([work / "in"], assignment="word2vec", origin="",
                                          skeleton=skeleton)  # fmt: skip
        read = time.monotonic()
        comparison = compare.compare(batch, [], skeleton_hashes=skeleton.hashes)
        compared = time.monotonic()
        report.write_csv_report(work / "similarity.csv", comparison, QUESTIONS)
        report.write_html_report(work / "similarity.html", comparison, title="word2vec",
                                 batch=len(batch), others={}, skipped=[])  # fmt: skip
        written = time.monotonic()
        tokens = sum(d.token_count for d in batch)
        flagged = {frozenset((p.a.key, p.b.key)) for p in comparison.pairs if p.flagged}
        print(
            f"{len(batch)} students ({tokens / len(batch):.0f} own tokens each), "
            f"{len(batch) * (len(batch) - 1) // 2} pairs, {len(comparison.pairs)} share code"
        )
        print(
            f"  read + fingerprint {read - started:5.1f} s; compare {compared - read:5.1f} s; "
            f"write csv + html {written - compared:5.1f} s; total {written - started:5.1f} s"
        )
        print(
            f"  planted copies flagged: {len(planted & flagged)}/{len(planted)}; other pairs "
            f"flagged: {len(flagged - planted)}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
