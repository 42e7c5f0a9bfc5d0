"""The student-side checker: an unfilled `...` is named with its line; any file name works."""

from __future__ import annotations

import os
import shutil

from autograder import paths

EMPTY_NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def test_an_unfilled_answer_names_the_name_and_line(tmp_path, monkeypatch):
    from autograder.student import Notebook

    shutil.copytree(paths.ASSIGNMENTS_DIR / "mlp" / "tests", tmp_path / "tests")
    (tmp_path / "my renamed copy.ipynb").write_text(EMPTY_NOTEBOOK)
    monkeypatch.chdir(tmp_path)
    grader = Notebook("mlp.ipynb")  # the student renamed the file: still found
    assert grader._notebook == "my renamed copy.ipynb"
    cells = ["", "import numpy as np", "model = keras.Sequential()\nmodel_list = ..."]
    result = grader.check("q_model", {"In": cells, "model": object(), "model_list": ...})
    text = repr(result)
    assert "`model_list` is still `...` (cell In[2], line 2: model_list = ...)" in text
    assert "model`" not in text.replace("model_list`", "")  # only the unfilled name
    assert "not defined yet" in repr(grader.check("q_model", {"model": ...}))
    html = result._repr_html_()
    assert "<li>" in html and "<script" not in html


def test_a_filled_answer_goes_to_otters_own_check(tmp_path, monkeypatch):
    from autograder.student import Notebook, Unfilled

    shutil.copytree(paths.ASSIGNMENTS_DIR / "mlp" / "tests", tmp_path / "tests")
    (tmp_path / "homework.ipynb").write_text(EMPTY_NOTEBOOK)
    monkeypatch.chdir(tmp_path)
    grader = Notebook("mlp.ipynb")
    result = grader.check("q_drill_params", {"drill_params": 12})
    assert not isinstance(result, Unfilled) and result.passed_all_public


def test_a_checker_older_than_the_handouts_wheel_is_named_with_the_fix(tmp_path):
    import io
    import zipfile

    from autograder.handout.wheel import wheel_bytes, wheel_name
    from autograder.student import stale_install

    assert stale_install(str(tmp_path)) is None  # no wheel beside the notebook: nothing to say
    (tmp_path / wheel_name()).write_bytes(wheel_bytes())
    assert stale_install(str(tmp_path)) is None  # the installed checker is this wheel's
    newer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(wheel_bytes())) as src, zipfile.ZipFile(newer, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + b"\n# newer" if info.filename.endswith("checks.py") else data)
    (tmp_path / wheel_name()).write_bytes(newer.getvalue())
    message = stale_install(str(tmp_path))
    assert message and f"--force-reinstall --no-deps {wheel_name()}" in message


def test_on_colab_the_notebook_is_not_on_disk_and_export_asks_colab_for_it(tmp_path, monkeypatch):
    """Colab keeps the notebook in the browser: grader starts without its file, and export zips
    what Colab hands back, under the handout's name, as a zip the grader's intake reads."""
    import json
    import sys
    import types

    from autograder.grade.intake import read_notebook
    from autograder.student import Notebook, _colab_export

    shutil.copytree(paths.ASSIGNMENTS_DIR / "mlp" / "tests", tmp_path / "tests")
    monkeypatch.chdir(tmp_path)
    grader = Notebook("mlp.ipynb")  # no notebook file here, as on Colab
    assert grader._notebook is None and grader._handout_name == "mlp.ipynb"
    assert grader.check("q_drill_params", {"drill_params": 12}).passed_all_public

    saved = json.loads(EMPTY_NOTEBOOK)
    saved["cells"] = [{"cell_type": "code", "source": "drill_params = 12", "metadata": {},
                       "outputs": [], "execution_count": None}]  # fmt: skip
    downloads = []
    colab = types.ModuleType("google.colab")
    colab._message = types.SimpleNamespace(blocking_request=lambda *a, **k: {"ipynb": saved})
    colab.files = types.SimpleNamespace(download=downloads.append)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    exported = _colab_export(grader._handout_name)
    assert downloads == [exported.name] and exported.name.startswith("mlp_")
    notebook = read_notebook(tmp_path / exported, "mlp")
    assert notebook["cells"][0]["source"] == "drill_params = 12"


def test_the_keras_mode_is_set_once_and_too_late_is_said(monkeypatch):
    import sys
    import types

    from autograder import student

    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert "TF_USE_LEGACY_KERAS=1" in student.keras_mode()
    assert os.environ["TF_USE_LEGACY_KERAS"] == "1"
    monkeypatch.delenv("TF_USE_LEGACY_KERAS")
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    assert student.keras_mode() == student.KERAS_TOO_LATE  # imported before the first cell
    monkeypatch.setattr(student.util, "find_spec", lambda name: name != "tf_keras" or None)
    assert student.keras_mode() == student.KERAS_MISSING
    monkeypatch.setattr(student.util, "find_spec", lambda name: None)
    assert student.keras_mode() == student.TENSORFLOW_MISSING
