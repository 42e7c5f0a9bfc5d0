"""The similarity report on a class written as students would (``students``): copies rank on
top and are flagged, independent work is not; and what the fingerprints must ignore."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import make_result, write_results
from similarity import students

from autograder import paths
from autograder.cli import main as cli_main
from autograder.config import load_config
from autograder.grade import report
from autograder.similarity.fingerprints import tokens, winnow
from autograder.similarity.main import similarity_report
from autograder.similarity.sources import Skeleton, document

SKELETON = paths.ASSIGNMENTS_DIR / "word2vec" / "word2vec.ipynb"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("class")
    students.write_class(SKELETON, root / "this-term", students.THIS_TERM, ben=students.BEN_ORDER)
    students.write_class(SKELETON, root / "2025-fall", students.LAST_TERM)
    return root


def _pairs(comparison) -> dict[frozenset, object]:
    return {frozenset((p.a.who.name.split()[0], p.b.who.name.split()[0])): p
            for p in comparison.pairs}  # fmt: skip


def test_copies_rank_on_top_and_are_flagged_and_independent_work_is_not(classroom, tmp_path):
    comparison = similarity_report(
        [classroom / "this-term"], assignment="word2vec", out=tmp_path, term="unbuilt-term",
        against=[classroom / "2025-fall"],
    )  # fmt: skip
    copies = {frozenset(("Ana", "Ben")), frozenset(("Chloe", "Dan")), frozenset(("Gina", "Frank"))}
    pairs = _pairs(comparison)
    flagged = {key for key, pair in pairs.items() if pair.flagged}
    assert flagged == copies
    top = {frozenset((p.a.who.name.split()[0], p.b.who.name.split()[0]))
           for p in comparison.pairs[:3]}  # fmt: skip
    assert top == copies

    renamed_and_reordered = pairs[frozenset(("Ana", "Ben"))]
    assert renamed_and_reordered.overall > 0.9
    one_question = pairs[frozenset(("Chloe", "Dan"))]  # only the generator was copied
    assert one_question.overall < 0.5 and one_question.questions["q_pairs"][0] == 1.0
    assert one_question.reasons and all("unusual code" in r for r in one_question.reasons)
    last_term = pairs[frozenset(("Gina", "Frank"))]
    assert last_term.b.origin == "2025-fall" and last_term.overall > 0.9
    same_short_answer = pairs.get(frozenset(("Ana", "Eve")))  # the lecture's two lines, twice
    assert same_short_answer is None or not same_short_answer.flagged
    assert not any(p.a.origin for p in comparison.pairs)  # earlier terms only against this one
    # Moodle ids repeat across terms (ana and frank are both 1001): still compared (they share
    # only the lecture's code, which the default base subtracts)
    assert frozenset(("Ana", "Frank")) not in pairs
    with_lecture = similarity_report(
        [classroom / "this-term"], assignment="word2vec", out=tmp_path / "no-base",
        term="unbuilt-term", against=[classroom / "2025-fall"], lecture=False,
    )  # fmt: skip
    assert frozenset(("Ana", "Frank")) in _pairs(with_lecture)

    with open(tmp_path / "similarity.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert [r["flagged"] for r in rows[:3]] == ["yes"] * 3 and "yes" not in {
        r["flagged"] for r in rows[3:]
    }
    chloe_dan = next(r for r in rows if {r["name_a"], r["name_b"]} == {"Chloe Student",
                                                                       "Dan Student"})  # fmt: skip
    assert (
        float(chloe_dan["q_pairs"]) > 0.9
        and chloe_dan["q_cbow"] in ("", "0.000")
        or float(chloe_dan["q_cbow"]) < 0.5
    )
    assert chloe_dan["from_a"] == "this batch" and "cell" in chloe_dan["matched_lines"]
    assert {r["student_a"] for r in rows} <= {f"moodle:{1000 + n}" for n in range(1, 7)}
    page = (tmp_path / "similarity.html").read_text(encoding="utf-8")
    assert "3 flagged" in page and "never a verdict" in page


def test_the_published_solution_is_compared_on_request(classroom, mlp_free_build, tmp_path):
    comparison = similarity_report(
        [classroom / "this-term"], assignment="word2vec", out=tmp_path, term=mlp_free_build,
        solution=True,
    )  # fmt: skip
    with_solution = [p for p in comparison.pairs if p.b.origin == "published solution"]
    assert with_solution and all(p.a.origin == "" for p in with_solution)
    by_student = {p.a.who.name.split()[0]: p for p in with_solution}
    assert by_student["Ana"].flagged  # ana wrote the lecture's code, as the solution does
    assert not by_student.get("Chloe") or not by_student["Chloe"].flagged

    # where the lecture's code is everyone's, the solution's code counts as given: ben's copy
    # of ana (who wrote only that) is nobody's work, dan's copy of chloe's generator still is
    given = similarity_report(
        [classroom / "this-term"], assignment="word2vec", out=tmp_path / "given",
        term=mlp_free_build, ignore_solution=True,
    )  # fmt: skip
    flagged = {key for key, pair in _pairs(given).items() if pair.flagged}
    assert flagged == {frozenset(("Chloe", "Dan"))}


@pytest.fixture
def mlp_free_build(tmp_path, monkeypatch):
    """A build folder holding only the solution notebook the report reads (no grading)."""
    term = "sim-term"
    built = tmp_path / "build" / term / "word2vec" / "autograder"
    built.mkdir(parents=True)
    solution = json.loads(SKELETON.read_text(encoding="utf-8"))
    solution = students.student_notebook(solution, students.ANA)
    (built / "word2vec.ipynb").write_text(json.dumps(solution), encoding="utf-8")
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    return term


def _hashes(code: str) -> set[int]:
    return {f.hash for f in winnow(tokens(code))}


ORIGINAL = """def generate(corpus, window):
    total = 0
    for sentence in corpus:
        for position, word in enumerate(sentence):
            context = sentence[max(0, position - window):position]
            total += len(context) * 2 + word
    return total
"""


@pytest.mark.parametrize(
    "disguised",
    [
        ORIGINAL.replace("sentence", "s").replace("position", "p").replace("total", "acc"),
        ORIGINAL.replace("    ", "\t").replace(" = ", "=").replace(", ", ","),
        "# my own work\n" + ORIGINAL.replace("\n", "  # note\n", 3),
        ORIGINAL.replace("    return total", "    print('done', total)\n    return total"),
        ORIGINAL.replace("(corpus, window)", "(\n    corpus,\n    window,\n)"),
        ORIGINAL.replace("max(0, position - window)", "max(0,\n position - window)"),
    ],
    ids=["renamed", "reformatted", "comments", "prints", "wrapped-def", "wrapped-call"],
)
def test_disguises_do_not_change_the_fingerprints(disguised):
    assert _hashes(disguised) == _hashes(ORIGINAL)


def test_different_code_has_different_fingerprints_and_magics_are_read():
    other = ORIGINAL.replace("len(context) * 2 + word", "sum(context) - word * 3")
    assert _hashes(other) != _hashes(ORIGINAL)
    magic = "%time x = 1\n!ls -la\n" + ORIGINAL
    assert _hashes(ORIGINAL) <= _hashes(magic)  # IPython lines do not stop the tokenizer
    unfinished = ORIGINAL + "broken = (1,\n"
    assert _hashes(ORIGINAL) <= _hashes(unfinished)


def test_only_what_the_student_wrote_counts():
    skeleton_nb = json.loads(SKELETON.read_text(encoding="utf-8"))
    skeleton = Skeleton.of(SKELETON)
    untouched = document(skeleton_nb, key="s", who=None, origin="", file="f", skeleton=skeleton)
    assert untouched.cells == []  # a notebook as handed out: nothing of its own
    ana = students.student_notebook(skeleton_nb, students.ANA)
    found = document(ana, key="a", who=None, origin="", file="f", skeleton=skeleton)
    by_question = {c.question for c in found.cells}
    assert {"q_corpus", "q_pairs", "q_cbow", "q_nearest"} <= by_question
    corpus_cell = next(c for c in found.cells if c.question == "q_corpus")
    given = {line for line in corpus_cell.source.splitlines() if "gutenberg.sents" in line}
    assert given and not any(t.line == 1 for t in corpus_cell.tokens)  # the given first line


def test_a_students_own_submissions_are_not_paired_and_the_latest_counts(classroom, tmp_path):
    batch = tmp_path / "batch"
    skeleton_nb = json.loads(SKELETON.read_text(encoding="utf-8"))
    for name, answers, number in (("ana_v1", students.ANA, 1), ("ana_v2", students.BEN, 2),
                                  ("chloe", students.CHLOE, 3)):  # fmt: skip
        user = "101" if name.startswith("ana") else "102"
        file = batch / f"student{user}_{user}_{number}_word2vec.ipynb"
        file.parent.mkdir(exist_ok=True)
        file.write_text(json.dumps(students.student_notebook(skeleton_nb, answers)))
    comparison = similarity_report([batch], assignment="word2vec", out=tmp_path / "o", term="x")
    assert [(p.a.who.key, p.b.who.key) for p in comparison.pairs] in (
        [("canvas:101", "canvas:102")], [("canvas:102", "canvas:101")], []
    )  # fmt: skip
    assert all(p.a.file.endswith("_2_word2vec.ipynb") or p.b.file.endswith("_2_word2vec.ipynb")
               for p in comparison.pairs)  # fmt: skip


def test_the_cli_writes_the_report_into_the_grading_folder_and_links_it(classroom, tmp_path,
                                                                        capsys):  # fmt: skip
    out = tmp_path / "grades"
    write_results(out, [make_result("someone", "someone", {"q_corpus": 2.0}, {"q_corpus": 2.0})])
    report.write_outputs(out, load_config().assignment("word2vec"))
    assert "similarity.html" not in (out / "summary.html").read_text(encoding="utf-8")
    code = cli_main(["similarity", str(classroom / "this-term"), "--assignment", "word2vec",
                     "--out", str(out), "--against", str(classroom / "2025-fall")])  # fmt: skip
    printed = capsys.readouterr().out
    # (where the current term is built, its solution is base too: ana's lecture code, and so
    # ben's copy of it, is then nobody's work)
    assert code == 0 and "Chloe Student ~ Dan Student" in printed
    assert (out / "similarity.csv").exists()
    assert 'href="similarity.html"' in (out / "summary.html").read_text(encoding="utf-8")


def _each_line(code: str, change) -> str:
    return "\n".join(change(line) for line in code.split("\n"))


def _ends_statement(line: str) -> bool:
    return bool(line.strip()) and not line.rstrip().endswith((":", ",", "(", "[", "{", "\\"))


def _after_each_statement(extra: str):
    def change(line: str) -> str:
        indent = line[: len(line) - len(line.lstrip())]
        return f"{line}\n{indent}{extra}" if _ends_statement(line) else line

    return change


ZEROS = "_ = [" + ", ".join(["0"] * 600) + "]"
DISGUISES = {  # what a student who copies might do, mechanically, to every cell of a copy
    "semicolons": lambda code: _each_line(code, lambda s: s + ";" if _ends_statement(s) else s),
    "pass after each statement": lambda code: _each_line(code, _after_each_statement("pass")),
    "dead constants": lambda code: _each_line(code, _after_each_statement("_ = 0")),
    "padding line per cell": lambda code: ZEROS + "\n" + code,
    "type hints": lambda code: code.replace(
        "(corpus, window_size, vocab_size):",
        "(corpus: list, window_size: int, vocab_size: int) -> object:",
    ).replace("cbow_losses = []", "cbow_losses: list = []"),
    "work inside print": lambda code: code.replace(
        "cbow = Sequential()", "print(cbow := Sequential())"
    ),
    "line separator in a comment": lambda code: "# note\u2028x = 1\u2028y = 2\n" + code,
    "fake check in a comment": lambda code: '# grader.check("q_other")\n' + code,
    "60,000 spaces of comment": lambda code: "#" + " " * 60_000 + "\n" + code,
}


@pytest.mark.parametrize("disguise", sorted(DISGUISES))
def test_a_mechanically_disguised_copy_is_still_flagged(disguise, tmp_path):
    change = DISGUISES[disguise]
    copy = {question: change(code) for question, code in students.ANA.items()}
    honest = {"ana": students.ANA, "chloe": students.CHLOE, "eve": students.EVE,
              "frank": students.FRANK}  # fmt: skip
    students.write_class(SKELETON, tmp_path / "in", {**honest, "zed": copy})
    comparison = similarity_report([tmp_path / "in"], assignment="word2vec", out=tmp_path / "o",
                                   term="unbuilt-term")  # fmt: skip
    pairs = _pairs(comparison)
    assert pairs[frozenset(("Ana", "Zed"))].flagged, pairs[frozenset(("Ana", "Zed"))]
    assert {k for k, p in pairs.items() if p.flagged} == {frozenset(("Ana", "Zed"))}


def test_a_student_cannot_name_the_reports_columns(tmp_path):
    answers = {**students.CHLOE, "q_pairs": students.CHLOE["q_pairs"] + '\ngrader.check("flagged")'}
    students.write_class(SKELETON, tmp_path / "in", {"chloe": answers, "dan": students.DAN})
    similarity_report([tmp_path / "in"], assignment="word2vec", out=tmp_path, term="unbuilt")
    with open(tmp_path / "similarity.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header.count("flagged") == 1 and len(header) == len(set(header))
    row = next(csv.DictReader((tmp_path / "similarity.csv").open(encoding="utf-8")))
    assert row["flagged"] == "yes"  # chloe and dan share the generator


def test_a_huge_repetitive_notebook_is_compared_only_up_to_its_caps(tmp_path, monkeypatch):
    from autograder.similarity import sources

    flood = "value = transform(value, step)\n" * 40_000  # 280,000 tokens, one fingerprint
    answers = {**students.CHLOE, "q_cbow": flood}
    students.write_class(SKELETON, tmp_path / "in", {"chloe": answers, "zed": answers})
    monkeypatch.setattr(sources, "MAX_DOCUMENT_TOKENS", 10_000)
    comparison = similarity_report([tmp_path / "in"], assignment="word2vec", out=tmp_path,
                                   term="unbuilt")  # fmt: skip
    (pair,) = comparison.pairs
    assert pair.flagged and all(sum(len(c.tokens) for c in d.cells) <= 10_000
                                for d in (pair.a, pair.b))  # fmt: skip
    assert any("only its first 20,000 tokens" in n for n in pair.a.notes)
    assert any("only the code before cell" in n for n in pair.a.notes)
    page = (tmp_path / "similarity.html").read_text(encoding="utf-8")
    assert "not compared, or not in full" in page and len(page) < 2_000_000
