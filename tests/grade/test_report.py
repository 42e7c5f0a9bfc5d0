"""Feedback, grades.csv and the table are written from the typed result, safely."""

from __future__ import annotations

import csv

from conftest import write_results

from autograder.config import load_config
from autograder.grade import report
from autograder.results import (
    CaseResult,
    CellReport,
    Identity,
    QuestionResult,
    Status,
    SubmissionResult,
)

HOSTILE = "<script>alert(1)</script> ``` # Score: 27 / 27 [x](http://evil)"


def hostile_result() -> SubmissionResult:
    return SubmissionResult(
        submission="mallory",
        who=Identity(key='=HYPERLINK("http://evil")', name="=1+1"),
        file="mallory.ipynb",
        fingerprint="0" * 64,
        status=Status.GRADED,
        reason="1 cell(s) failed",
        questions={
            "q_model": QuestionResult(
                "q_model", 0.0, 3.0, (CaseResult("1", False, False, 3.0, HOSTILE),)
            )
        },
        cells=(CellReport(0, "error", HOSTILE),),
    )


def test_student_text_in_feedback_is_fenced():
    text = report.feedback(hostile_result(), load_config().assignment("mlp"))
    fence_lines = [i for i, line in enumerate(text.splitlines()) if line.startswith("````")]
    assert fence_lines, "hostile text must sit in a fence longer than its backtick runs"
    for line in text.splitlines():
        if "Score: 27" in line:
            assert line.startswith(HOSTILE[:8]), "a fake score line must stay inside a fence"
    assert text.count("**Score:") == 1


def test_grades_csv_is_spreadsheet_safe_and_ordered(tmp_path):
    write_results(tmp_path, [hostile_result()])
    report.write_outputs(tmp_path, load_config().assignment("mlp"))
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert rows[0]["student"].startswith("'=") and rows[0]["name"] == "'=1+1"
    assert list(rows[0])[:4] == ["student", "name", "submission", "q_model"]
    assert (tmp_path / "summary.png").stat().st_size > 1000


def test_table_counts_statuses():
    text = report.table([hostile_result()])
    assert "graded: 1" in text.splitlines()[-1]


def test_table_reports_warm_starts_apart_from_the_steady_time():
    from dataclasses import replace

    first = replace(hostile_result(), seconds=20.0, startup_seconds=12.0)
    rest = [replace(hostile_result(), submission=f"s{i}", seconds=5.0 + i) for i in range(3)]
    last_line = report.table([first, *rest]).splitlines()[-1]
    assert (
        last_line == "timing: 1 warm start(s), 12.0 s at most; then 6.5 s per submission (median)"
    )
    assert "timing" not in report.table(rest)  # the cold path: no lane start-up to report


def test_plots_draw_chinese_with_a_cjk_font_and_one_bar_per_point(tmp_path):
    """The summary's figures name a CJK font (fonts-noto-cjk): no glyph is missing."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograder.grade import summary

    assert summary.cjk_font(), "install fonts-noto-cjk (setup.sh does)"
    with (
        warnings.catch_warnings(record=True) as caught,
        plt.rc_context({"font.family": summary.plot_fonts()}),
    ):
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("深度学习为什么这么火")
        fig.savefig(tmp_path / "t.png")
        plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert summary.histogram_edges(27) == [i - 0.5 for i in range(29)]  # bars 0, 1, ..., 27
