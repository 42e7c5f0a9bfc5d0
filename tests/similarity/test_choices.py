"""The same set of choices: a copy of answers each common on its own is flagged by their
combination; honest students and lecture followers, whose answers are as common, are not; and
the probability the flag rests on is an upper bound of the exact one."""

from __future__ import annotations

import csv
import itertools
import math
import random

from autograder.results import Identity
from autograder.similarity import choices, report
from autograder.similarity.compare import compare
from autograder.similarity.sources import Skeleton, document, with_given_cells

QUESTIONS = tuple(f"q{n}" for n in range(10))
# each question answered in one of 8 ways, as common as each other (a share of about 1/8):
# the same program whatever the names, numbers and layout, another program from one way to
# the next (a method the normalised code keeps)
WAYS = ("sum", "mean", "max", "min", "std", "var", "argmax", "prod")
LECTURE = "cumsum"  # the lecture's way: every follower answers so
SKELETON = Skeleton(frozenset(), frozenset(), QUESTIONS)


def answer(question: int, way: str, *, names: str = "abc", check: bool = False) -> str:
    a, b, c = names
    lines = [f"{a} = np.asarray(data_{question}) * {question + 2}",
             f"{b} = {a}.{way}(axis=0)", f"result_{question} = {b} + {c}_offset"]  # fmt: skip
    if check:  # a copier's own check and comment: not part of the answer
        lines += [f"assert result_{question} is not None  # checked"]
    return "\n".join(lines)


def notebook(answers: list[str]) -> dict:
    cells = []
    for question, code in zip(QUESTIONS, answers, strict=True):
        cells.append({"cell_type": "code", "source": code, "metadata": {}, "outputs": []})
        cells.append({"cell_type": "code", "source": f'grader.check("{question}")',
                      "metadata": {}, "outputs": []})  # fmt: skip
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def student(name: str, answers: list[str], skeleton: Skeleton):
    return document(notebook(answers), key=name, who=Identity(key=f"file:{name}", name=name),
                    origin="", file=f"{name}.ipynb", skeleton=skeleton)  # fmt: skip


def a_class(*, size: int, copied: int, seed: int = 0, base: bool = True):
    """``size`` students: a quarter follow the lecture (its way everywhere), the rest pick a
    way per question at random; the last one copies student 0's answers to the first
    ``copied`` questions (renamed, one moved into a function, with checks of their own) and
    writes the rest.
    ``base``: the lecture's code is subtracted, as the report does by default."""
    skeleton = SKELETON
    if base:
        skeleton = with_given_cells(skeleton, [answer(q, LECTURE) for q in range(len(QUESTIONS))])
    rng = random.Random(seed)
    ways = []
    for number in range(size - 1):
        if number % 4 == 3:
            ways.append([LECTURE] * len(QUESTIONS))
        else:
            ways.append([rng.choice(WAYS) for _ in QUESTIONS])
    docs = [student(f"s{n:02d}", [answer(q, w) for q, w in enumerate(chosen)], skeleton)
            for n, chosen in enumerate(ways)]  # fmt: skip
    own = [rng.choice(WAYS) for _ in QUESTIONS]
    taken = [answer(q, ways[0][q], names="xyz", check=True) if q < copied
             else answer(q, own[q]) for q in range(len(QUESTIONS))]  # fmt: skip
    if copied > 1:  # one answer moved into a function of the copier's own
        body = "\n".join("    " + line for line in taken[1].split("\n"))
        taken[1] = (f"def step(data_1, z_offset):\n{body}\n    return result_1\n\n"
                    "result_1 = step(data_1, z_offset)")  # fmt: skip
    docs.append(student("copier", taken, skeleton))
    return docs


def _flagged(docs) -> dict[frozenset, list[str]]:
    """The flagged pairs and why."""
    comparison = compare(docs, [], skeleton_hashes=frozenset())
    return {frozenset((p.a.key, p.b.key)): p.reasons for p in comparison.pairs if p.flagged}


def test_a_copy_of_common_answers_is_flagged_by_their_combination_and_no_one_else_is(tmp_path):
    docs = a_class(size=40, copied=10)
    classes = choices.answer_classes(docs[-1])
    assert classes == choices.answer_classes(docs[0])  # renamed, helper, checks: the same
    comparison = compare(docs, [], skeleton_hashes=frozenset())
    flagged = [p for p in comparison.pairs if p.flagged]
    assert [{p.a.key, p.b.key} for p in flagged] == [{"s00", "copier"}]
    (reason,) = flagged[0].reasons  # every answer is common, no passage unusual: only the
    assert reason.startswith("the same choices on 10 of 10 questions (q0, q1,")  # combination
    assert reason.endswith("for independent students in this class")
    assert comparison.pairs[0] is flagged[0]  # ranked first

    report.write_csv_report(tmp_path / "similarity.csv", comparison, list(QUESTIONS))
    report.write_html_report(tmp_path / "similarity.html", comparison, title="t", batch=40,
                             others={}, skipped=[])  # fmt: skip
    with open(tmp_path / "similarity.csv", newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert row["why"] == reason and row["same_choices"].startswith("10 of 10 questions alike")
    assert reason in (tmp_path / "similarity.html").read_text(encoding="utf-8")


def test_lecture_followers_share_common_choices_which_are_not_surprising():
    docs = a_class(size=40, copied=10, base=False)  # the lecture's code not subtracted
    followers = [n for n in range(len(docs) - 1) if n % 4 == 3]
    found = choices.same_choices(docs, len(docs), compared=len(docs) * (len(docs) - 1) // 2)
    assert len(followers) >= 9
    for i, j in itertools.combinations(followers, 2):  # all ten answers alike, each common
        assert (i, j) not in found or not found[i, j].flagged
    assert found[0, len(docs) - 1].flagged  # the copy's combination still is


def test_too_few_or_too_common_shared_answers_are_not_enough():
    three = a_class(size=40, copied=3)  # three answers alike happen by chance
    assert not _flagged(three)


def test_no_honest_pair_is_flagged_in_small_or_larger_classes():
    for size, seeds in ((12, range(4)), (30, range(3)), (120, range(1))):
        for seed in seeds:
            docs = a_class(size=size, copied=0, seed=seed)  # the last one writes their own
            assert not _flagged(docs), (size, seed)


def test_the_tail_is_an_upper_bound_of_the_exact_probability():
    docs = a_class(size=30, copied=10, seed=2)
    table = choices._Classes(docs)
    i, j = 0, len(docs) - 1
    both = sorted(table.of[i].keys() & table.of[j].keys())[:5]  # 9 ** 5 outcomes to add up
    evidence = sum(table.weight(q, i, j) for q in both if table.of[i][q] & table.of[j][q])
    outcomes = []  # per question: (what matching adds, its chance), not matching first
    for q in both:
        shares = table.shares(q, i, j)
        others = table.answered[q] - 2
        per = [(-math.log(s), s * s) for s in
               (shares.get(c, n / (others + 1)) for c, n in table.by_question[q])]  # fmt: skip
        outcomes.append([(0.0, 1 - sum(p for _, p in per)), *per])

    def exact(at_least: float) -> float:  # every combination two independent students make
        return sum(math.prod(p for _, p in combo) for combo in itertools.product(*outcomes)
                   if sum(w for w, _ in combo) >= at_least - 1e-9)  # fmt: skip

    bound = math.exp(table.tail(both, i, j, evidence))
    assert exact(evidence) <= bound <= exact(evidence - choices.STEP * len(both))
    assert 0 < exact(evidence) < 0.01  # five answers alike: unlikely, not yet a flag
