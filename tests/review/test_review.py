"""``autograder review``: manual answers on escaped, script-free pages, and manual.csv to fill."""

from __future__ import annotations

import csv
import html.parser
import json

from conftest import COURSE, make_result, write_results

from autograder.cli import main as cli_main
from autograder.grade.answers import BEGIN, END, NO_ANSWER, extract
from autograder.results import Identity

HOSTILE = '</pre><script>alert(1)</script><img src=x onerror=alert(2)> & "quotes"'
POSSIBLE = {"q_model": 3.0}


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.pre_text: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_pre = tag == "pre"

    def handle_endtag(self, tag):
        self._in_pre = False if tag == "pre" else self._in_pre

    def handle_data(self, data):
        if self._in_pre:
            self.pre_text.append(data)


def folder_with_answers(tmp_path):
    config = tmp_path / "grading.toml"
    config.write_text(COURSE + "[assignments.demo]\nmanual = ['q_essay']\n"
                      "[assignments.demo.points]\nq_model = 3\nq_essay = 2\n")  # fmt: skip
    results = [
        make_result("m", Identity(key="moodle:1", name="Mallory", lms="moodle", lms_id="1"),
                    {"q_model": 3}, POSSIBLE, answers={"q_essay": HOSTILE}),
        make_result("z", Identity(key="moodle:2", name="张伟", lms="moodle", lms_id="2"),
                    {}, POSSIBLE, answers={"q_essay": "因为数据多。"}),
    ]  # fmt: skip
    return config, write_results(tmp_path / "out", results)


def test_pages_escape_every_answer_and_allow_no_script(tmp_path):
    config, folder = folder_with_answers(tmp_path)
    args = ["--config", str(config), "review", "--assignment", "demo", "--from", str(folder)]
    assert cli_main(args) == 0
    page = (folder / "review" / "q_essay.html").read_text(encoding="utf-8")
    parsed = Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert HOSTILE in "".join(parsed.pre_text)  # shown exactly, as text
    assert "default-src 'none'" in page and "因为数据多。" in page


def test_manual_csv_is_made_then_kept_and_its_points_reach_the_grades(tmp_path):
    config, folder = folder_with_answers(tmp_path)
    base = ["--config", str(config)]
    assert cli_main([*base, "review", "--assignment", "demo", "--from", str(folder)]) == 0
    with (folder / "manual.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["moodle:1", "moodle:2"] and rows[1][5] == ""
    rows[1][5], rows[1][6] = "1.5", "good, but cite a source"
    with (folder / "manual.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # a later review (new students graded meanwhile) keeps what the TA entered
    assert cli_main([*base, "review", "--assignment", "demo", "--from", str(folder)]) == 0
    assert "good, but cite a source" in (folder / "manual.csv").read_text(encoding="utf-8")
    assert cli_main([*base, "tally", "--assignment", "demo", "--from", str(folder)]) == 0
    with (folder / "grades.csv").open(encoding="utf-8", newline="") as handle:
        grades = {r["student"]: r for r in csv.DictReader(handle)}
    assert float(grades["moodle:1"]["total"]) == 3 + 1.5 and grades["moodle:1"]["possible"] == "5"
    assert grades["moodle:2"]["total"] == "" and grades["moodle:2"]["pending"] == "q_essay"


def test_answers_are_the_cells_of_the_question_block():
    prompt = "**Question 1.4.** Why is deep learning so popular?"
    cells = [
        {"cell_type": "markdown", "source": "intro"},
        {"cell_type": "markdown", "source": f"{BEGIN}\n\n{prompt}"},
        {"cell_type": "markdown", "source": ["Data, ", "GPUs."]},
        {"cell_type": "code", "source": "print('and libraries')"},
        {"cell_type": "markdown", "source": f"{END}\n\n## 2. Data"},
    ]
    questions = [{"name": "q_why", "prompt": prompt}, {"name": "q_gone", "prompt": "Other?"}]
    answers = extract({"cells": cells}, questions)
    assert answers["q_why"] == "Data, GPUs.\n\nprint('and libraries')"
    assert answers["q_gone"] == NO_ANSWER
    blank = [*cells[:2], {"cell_type": "markdown", "source": "_Type your answer here, "
                          "replacing this text._"}, cells[4]]  # fmt: skip
    assert extract({"cells": blank}, questions[:1]) == {"q_why": "(left blank)"}
    json.dumps(answers)  # plain text, ready for a result file
