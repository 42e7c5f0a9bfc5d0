"""The feedback page, the class summary and the review page, opened in a real headless browser
(Debian's chromium, driven by playwright): they render, run no script a student wrote, fetch
nothing, and show the student's text as text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import COURSE, make_result, write_results

from autograder.config import load_config
from autograder.grade import report
from autograder.results import CellReport, Identity

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ATTACK = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    "<a href=\"javascript:document.title='pwned'\">x</a> ``` **bold** # heading"
)
POSSIBLE = {"q_model": 3.0, "q_train": 2.0}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def folder(tmp_path):
    config = tmp_path / "grading.toml"
    config.write_text(
        COURSE + "[assignments.demo]\ntitle = 'Demo'\nmanual = ['q_essay']\n"
        "[assignments.demo.points]\nq_model = 3\nq_train = 2\nq_essay = 2\n"
    )
    spec = load_config(config).assignment("demo")
    mallory = make_result(
        "mallory", Identity(key="moodle:1", name=f"Mal {ATTACK}", lms="moodle", lms_id="1"),
        {"q_model": 1.0}, POSSIBLE, reason=f"1 cell(s) failed {ATTACK}",
        answers={"q_essay": ATTACK},
    )  # fmt: skip
    mallory = type(mallory)(**{**mallory.__dict__, "cells": (CellReport(0, "error", ATTACK),)})
    zhang = make_result("zhang", Identity(key="moodle:2", name="张伟", lms="moodle", lms_id="2"),
                        {"q_model": 3.0, "q_train": 2.0}, POSSIBLE)  # fmt: skip
    out = write_results(tmp_path / "out", [mallory, zhang])
    report.write_outputs(out, spec)
    from autograder.review.main import main as review

    review(assignment="demo", from_dir=str(out), config=str(config))
    return out


def open_page(browser, path: Path):
    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, dialogs


@pytest.mark.parametrize("name", ["feedback/mallory.html", "summary.html", "review/q_essay.html"])
def test_pages_render_run_no_student_script_and_fetch_nothing(browser, folder, name):
    page, requests, dialogs = open_page(browser, folder / name)
    assert page.title() != "pwned" and "pwned" not in page.evaluate("document.title")
    assert page.locator("h1").count() == 1 and page.locator("h1").inner_text().strip()
    assert page.locator("script").count() == 0  # the student's <script> is text, not an element
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    if name != "summary.html":
        assert "<script>document.title='pwned'</script>" in page.inner_text("body")


def test_feedback_page_shows_questions_in_order_with_points(browser, folder):
    page, *_ = open_page(browser, folder / "feedback" / "zhang.html")
    headings = page.locator("h2").all_inner_texts()
    assert [h.split(":")[0] for h in headings] == ["q_model", "q_train", "q_essay"]
    assert "Score: pending" in page.inner_text("body")


def test_summary_links_each_students_feedback(browser, folder):
    page, *_ = open_page(browser, folder / "summary.html")
    assert "张伟" in page.inner_text("body")
    page.click("text=zhang")
    page.wait_for_load_state("load")
    assert page.url.endswith("feedback/zhang.html") and "张伟" in page.inner_text("body")
    page.go_back()
    assert page.locator("img").evaluate("img => img.naturalWidth") > 100  # the embedded plot


CJK_TITLE = 'Question 1.4: Why is deep learning so popular (深度学习为什么这么"火")?'


def cjk_glyphs_drawn_with_a_cjk_font(page, selector: str) -> tuple[int, int]:
    """(CJK characters in the element's text, glyphs chromium drew for it with a CJK font),
    from the fonts it actually used (DevTools' platform fonts): without one, tofu."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    text = page.locator(selector).first.inner_text()
    wanted = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return wanted, sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])


def test_cjk_question_titles_and_names_render_as_text_not_tofu(browser, folder):
    import json

    from autograder.grade.feedback import QuestionInfo
    from autograder.results import SubmissionResult

    data = json.loads((folder / "results" / "zhang.json").read_text())
    result = SubmissionResult.from_gradescope(data)
    questions = [QuestionInfo("q_model", CJK_TITLE, 3.0), QuestionInfo("q_train", "Train", 2.0)]
    report.write_feedback(folder, result, load_config(folder.parent / "grading.toml")
                          .assignment("demo"), None, questions=questions)  # fmt: skip
    page, *_ = open_page(browser, folder / "feedback" / "zhang.html")
    wanted, drawn = cjk_glyphs_drawn_with_a_cjk_font(page, "h2")
    assert wanted == 10 and drawn == wanted, "install fonts-noto-cjk (setup.sh does)"
    page, *_ = open_page(browser, folder / "summary.html")
    wanted, drawn = cjk_glyphs_drawn_with_a_cjk_font(page, "#students ~ table tr:nth-child(3) td")
    assert wanted == 2 and drawn == wanted  # 张伟


def test_summary_reads_the_class_right_after_grading_with_a_manual_question_pending(
    browser, folder
):
    page, *_ = open_page(browser, folder / "summary.html")
    body = page.inner_text("body")
    assert "Auto-graded points" in page.locator("img").get_attribute("alt")
    assert page.locator("img").evaluate("img => img.naturalWidth") > 100
    link = page.locator("a", has_text="to grade: 2").first
    assert link.get_attribute("href") == "review/q_essay.html"
    headers = page.locator("#students ~ table").first.locator("th").all_inner_texts()
    assert {"grade", "auto-graded", "status", "reason"} <= set(headers)
    assert "1 / 5" in body and "5 / 5" in body  # each student's auto-graded points
    assert "1 cell(s) failed" in body  # the reason column
    assert f"autograder tally -a demo --from {folder}" in body  # what to run once scored
    page.click("a[href='#status-graded']")
    assert page.locator("#status-graded ~ ul").first.locator("a").count() == 2
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("review/q_essay.html")


@pytest.fixture
def similarity_page(tmp_path) -> Path:
    """Two students who share code full of markup, one named with markup (Moodle folders)."""
    import json

    from autograder.similarity.main import similarity_report

    code = (
        "def generate_context_word_pairs(corpus, window_size, vocab_size):\n"
        f"    note = {ATTACK!r}  # </pre><script>document.title='pwned'</script>\n"
        "    for sentence in corpus:\n"
        "        for i, word in enumerate(sentence):\n"
        "            left = sentence[max(0, i - window_size):i]\n"
        "            right = sentence[i + 1:i + 1 + window_size]\n"
        "            padded = [0] * (2 * window_size - len(left + right)) + left + right\n"
        "            yield padded + [word] * 3, note.count('x') + len(left) * vocab_size\n"
        "\n"  # a second function, copied too: a copy, not one short answer in common
        "def sampled_negatives(pairs, vocab_size, ratio=0.75, seed=17):\n"
        "    rng = __import__('random').Random(seed * 31 + vocab_size)\n"
        "    counts = {}\n"
        "    for context, target in pairs:\n"
        "        counts[target] = counts.get(target, 0) + len(context) ** ratio\n"
        "    total = sum(counts.values()) or 1.0\n"
        "    table = sorted(counts, key=lambda w: (-counts[w] / total, str(w)))\n"
        "    return [table[rng.randrange(len(table))] for _ in range(len(pairs) // 3 + 1)]\n"
        "\n"
        "negatives = sampled_negatives(list(generate_context_word_pairs(bible, 2, 1000)), 1000)\n"
    )
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in (code, 'grader.check("q_pairs")')]  # fmt: skip
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    names = ["Mal <img src=x onerror=\"document.title='pwned'\"> Eve", "Zhang 张伟"]
    for number, name in enumerate(names, start=1):
        folder = tmp_path / "in" / f"{name}_{number}_assignsubmission_file_"
        folder.mkdir(parents=True)
        (folder / "word2vec.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    comparison = similarity_report([tmp_path / "in"], assignment="word2vec", out=tmp_path,
                                   term="unbuilt", title="Word2vec <b>")  # fmt: skip
    assert comparison.pairs and comparison.pairs[0].flagged
    return tmp_path / "similarity.html"


def test_similarity_report_renders_its_passages_as_text_and_runs_nothing(browser, similarity_page):
    page, requests, dialogs = open_page(browser, similarity_page)
    assert "pwned" not in page.evaluate("document.title") and dialogs == []
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    body = page.inner_text("body")
    assert "张伟" in body
    assert "Word2vec <b>: similarity" in page.locator("h1").inner_text()
    assert page.locator("mark").count() >= 3  # the matched lines, highlighted on both sides
    page.click("a[href='#pair-1']")  # the ranked table links to the pair's passages
    assert page.url.endswith("#pair-1")
    page.click("#pair-1 > summary")  # each pair is folded until opened
    sides = page.locator("#pair-1 .side").first.locator("pre")
    assert sides.count() == 2 and "enumerate(sentence)" in sides.nth(1).inner_text()
    assert "<script>document.title='pwned'</script>" in page.inner_text("body")  # opened: text


@pytest.mark.slow
def test_similarity_report_of_300_students_stays_short_and_inside_the_window(browser, tmp_path):
    """The benchmark's class of 300 (copies among them): the top pairs folded, the page a
    few screens tall at 1280 px and nothing wider than the window, even with a pair opened."""
    import importlib.util
    import time

    from autograder.similarity.main import similarity_report

    spec = importlib.util.spec_from_file_location(
        "similarity_bench", Path(__file__).parent.parent / "benchmarks" / "similarity_report.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    (tmp_path / "in").mkdir()
    bench.make_class(tmp_path / "in", 300, 20, seed=3)
    comparison = similarity_report([tmp_path / "in"], assignment="mlp", out=tmp_path,
                                   term="unbuilt")  # fmt: skip
    assert any(p.flagged for p in comparison.pairs)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    started = time.monotonic()
    page.goto((tmp_path / "similarity.html").as_uri())
    page.wait_for_load_state("load")
    print(f"rendered in {time.monotonic() - started:.2f} s")  # a figure, not a limit
    height = page.evaluate("document.documentElement.scrollHeight")
    wide = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    assert height < 5 * 800, height
    assert not page.evaluate(wide)
    assert page.locator("details").count() >= 20 and page.locator("details[open]").count() == 0
    page.click("#pair-1 > summary")
    assert page.locator("#pair-1 .side").count() >= 1 and not page.evaluate(wide)
    assert page.locator("#pair-1 .bar").count() >= 1  # the per-question bars


# ---------------------------------------------------------------- one room for pages

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"
# The student's checker stands alone in the handout wheel (no kit templates there): its one
# notebook display fragment escapes by hand.
STANDALONE = {"student.py"}


def _imports(path: Path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_every_page_is_drawn_from_the_html_room():
    """The skeleton and CSP are written once, in autograder/html; the pages' modules import it
    (never a grading stage's helper), and the room imports none of them."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.parent.name != "html":
            assert "Content-Security-Policy" not in text or "html/templates" in text, path
            assert "<!DOCTYPE" not in text.upper(), path
    for room in ("review", "similarity"):
        for path in (PACKAGE / room).glob("*.py"):
            stages = ("autograder.grade.feedback", "autograder.grade.pages")
            bad = {m for m in _imports(path) if m.startswith(stages)}
            assert not bad, f"{path} imports the page skeleton from a grading stage: {bad}"
    for path in (PACKAGE / "html").glob("*.py"):
        assert {m for m in _imports(path) if m.startswith("autograder")} <= {
            "autograder.html",
            "autograder.html.render",
        }, path
    skeleton = (PACKAGE / "html" / "templates" / "base.html.j2").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in skeleton
    for template in (PACKAGE / "html" / "templates").glob("*.html.j2"):
        if template.name != "base.html.j2":
            assert '{% extends "base.html.j2" %}' in template.read_text(encoding="utf-8")


def test_no_html_is_built_from_f_strings():
    """Pages come from templates with autoescape: an f-string holding a tag is how a student's
    text would reach a page unescaped."""
    import ast
    import re

    names = "html|head|body|style|p|div|span|a|ul|ol|li|table|tr|td|th|pre|code|h[1-6]|strong|em"
    tag = re.compile(rf"</?({names}|details|summary|img|mark|article|header|section|br)\b[^>]*>")
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in STANDALONE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if tag.search(text):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_templates_ship_in_the_package():
    """Every template and style sheet is matched by pyproject's package-data (the kit wheel,
    the Gradescope image and an installed kit render the same pages)."""
    import fnmatch
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["autograder.html"]
    room = PACKAGE / "html"
    shipped = [p for p in room.rglob("*") if p.is_file() and "__pycache__" not in p.parts
               and p.suffix != ".py"]  # fmt: skip
    assert shipped
    for path in shipped:
        name = path.relative_to(room).as_posix()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


@pytest.mark.slow
def test_similarity_page_renders_runs_no_student_script_and_fetches_nothing(browser, tmp_path):
    """A copied pair whose names and shared code carry markup: the page shows it as text."""
    from similarity import students

    from autograder import paths
    from autograder.similarity.main import similarity_report

    hostile = "<img src=x onerror=alert(1)><b>bold</b>"
    answers = {q: f"{code}\nnote = {hostile!r}\n" for q, code in students.ANA.items()}
    name = "<img src=x onerror=alert(2)>"  # a folder name: no slash
    names = {f"ana{name}": answers, "ben": answers, "eve": students.EVE}
    skeleton = paths.ASSIGNMENTS_DIR / "word2vec" / "word2vec.ipynb"
    folder = students.write_class(skeleton, tmp_path / "class", names)
    similarity_report([folder], assignment="word2vec", out=tmp_path, term="unbuilt-term")
    page, requests, dialogs = open_page(browser, tmp_path / "similarity.html")
    assert page.locator("h1").count() == 1 and "similarity" in page.locator("h1").inner_text()
    assert page.locator("script, img, b").count() == 0 and dialogs == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    assert "1 flagged" in page.inner_text("body")
    page.click("details#pair-1 > summary")
    shown = page.locator("details#pair-1").inner_text()
    assert hostile in shown and name.title() in shown  # the code and the name, as text
    assert page.locator("details#pair-1 mark").count() > 0  # the shared lines, marked
