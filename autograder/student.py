"""What a student's notebook checks its answers with: otter's ``Notebook``, made to say what to
do. ``grader.check("q")`` on an answer still ``...`` (or a name not yet defined) names the name
and the line to fill in instead of failing inside a test (``TypeError: object of type 'ellipsis'
has no len()``); the notebook is found under whatever name the student saved it.

The handout ships this module in a small wheel (``autograder.handout``), so it also runs where
the kit is not installed (Colab, a plain Jupyter): it then sets the lecture's Keras mode itself
and says in one line what the student has. In the grading sandbox this module is replaced by a
stand-in, as otter is: nothing here runs where a verdict is decided.
"""

from __future__ import annotations

import ast
import glob
import inspect
import os
import re
import sys
from importlib import metadata, util
from pathlib import Path

import otter
import otter.check.utils


def this_notebook(default: str | None) -> str | None:
    """The notebook's own file: Jupyter's session path, VS Code's, the default when it exists,
    else the only notebook in the folder; None where it is not on disk (Colab)."""
    for candidate in (os.environ.get("JPY_SESSION_NAME"), _vscode_path(), default):
        if candidate and os.path.isfile(candidate):
            return candidate
    found = [p for p in glob.glob("*.ipynb") if not p.startswith(".")]
    return found[0] if len(found) == 1 else None


def _vscode_path() -> str | None:
    try:
        return get_ipython().user_ns.get("__vsc_ipynb_file__")  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        return None


KERAS_MISSING = (
    "tf-keras is not installed: run `%pip install tf-keras` (the version of your TensorFlow, "
    "e.g. tf-keras==2.19.0 for tensorflow 2.19), then restart the kernel and run this cell again"
)
TENSORFLOW_MISSING = (
    "TensorFlow is not installed: run `%pip install tensorflow tf-keras tensorflow-hub nltk`, "
    "then restart the kernel and run this cell again"
)
KERAS_TOO_LATE = (
    "TensorFlow was imported before this cell in Keras 3 mode: restart the kernel and run this "
    "cell first"
)


def keras_mode() -> str:
    """Set the lecture's Keras 2 (tf-keras) before TensorFlow loads; a line saying what is set,
    or what to do when it cannot be (the checks then fail on Keras 3 objects, saying why)."""
    if util.find_spec("tf_keras") is None:
        return KERAS_MISSING if util.find_spec("tensorflow") else TENSORFLOW_MISSING
    before = os.environ.get("TF_USE_LEGACY_KERAS")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up lines, as the kit
    if "tensorflow" in sys.modules and before not in ("1", "true", "True"):
        return KERAS_TOO_LATE
    return f"Keras 2 as in the lecture (tf-keras {_version('tf-keras')}, TF_USE_LEGACY_KERAS=1)"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


class Notebook(otter.Notebook):
    def __init__(self, nb_path: str | None = None, *, tests_dir: str = "./tests", **kwargs):
        mode = keras_mode()
        if not os.path.isdir(tests_dir):
            raise FileNotFoundError(
                f"the public checks ({tests_dir}) are not beside this notebook: unzip the "
                f"handout and open the notebook inside its folder (Colab: upload the handout "
                f"zip in the Files pane, then run this cell again)"
            )
        self._handout_name = nb_path or "notebook.ipynb"  # what the export's notebook is called
        super().__init__(this_notebook(nb_path), tests_dir=tests_dir, **kwargs)
        checks = len(glob.glob(os.path.join(tests_dir, "*.py")))
        print(f"grader ready: {checks} public checks in {tests_dir}; {mode}")
        stale = stale_install()
        if stale:
            print(stale)

    def export(self, *args, **kwargs):
        """otter's export; on Colab (where otter's refuses), the notebook zipped the same way."""
        if not otter.check.utils.IPythonInterpreter.COLAB.value.running():
            return super().export(*args, **kwargs)
        return _colab_export(self._handout_name)

    def check(self, question: str, global_env: dict | None = None):
        if global_env is None:
            global_env = inspect.currentframe().f_back.f_globals
        problems = unfilled(question, global_env, Path(self._tests_dir))
        if problems:
            return Unfilled(question, problems)
        return super().check(question, as_tf_keras(global_env))


def as_tf_keras(env: dict) -> dict:
    """The notebook's names as the grader reads them: a Keras 3 model (``import keras``) as the
    tf-keras model it is, when it is one (``autograder.keras3``); ``env`` itself otherwise."""
    from autograder.keras3 import is_keras3_model, tf_keras_equivalent

    rebuilt = {}
    for name, value in list(env.items()):
        if is_keras3_model(value):
            model = tf_keras_equivalent(value)
            if model is not None:
                rebuilt[name] = model
    return {**env, **rebuilt} if rebuilt else env


def stale_install(folder: str = ".") -> str | None:
    """What to do when the checker installed here is not the one of the handout's wheel beside
    the notebook (a hub that kept last term's): the public checks may need the newer helpers."""
    import zipfile

    here = Path(__file__).resolve().parent
    for wheel in sorted(glob.glob(os.path.join(folder, "keras_course_kit_student-*.whl")))[-1:]:
        try:
            with zipfile.ZipFile(wheel) as archive:
                same = all(
                    archive.read(f"autograder/{module}") == (here / module).read_bytes()
                    for module in ("checks.py", "student.py")
                )
        except (OSError, KeyError, zipfile.BadZipFile):
            return None
        if not same:
            return (
                f"the checker installed in this Python is not this handout's: run "
                f"`%pip install --force-reinstall --no-deps {os.path.basename(wheel)}`, then "
                f"restart the kernel"
            )
    return None


class Unfilled:
    """What ``check`` shows for a question whose answer is not written yet."""

    def __init__(self, question: str, problems: list[str]):
        self.question, self.problems = question, problems

    def __repr__(self) -> str:
        lines = [f"{self.question} is not ready to check:"] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        return f"<p><strong>{html.escape(self.question)}</strong> is not ready to check:</p>" \
            f"<ul>{items}</ul>"  # fmt: skip


def unfilled(question: str, env: dict, tests_dir: Path) -> list[str]:
    """The names the question's checks read that are still ``...`` or not defined."""
    path = tests_dir / f"{question}.py"
    if not path.is_file():
        return []
    names: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names += [a.arg for a in node.args.args if a.arg != "env" and a.arg not in names]
    problems = []
    for name in names:
        if name not in env:
            problems.append(f"`{name}` is not defined yet: write it and run its cell")
        elif _holds_ellipsis(env[name]):
            where = _where_assigned(name, env)
            problems.append(f"`{name}` is still `...`{where}: fill it in and run the cell")
    return problems


def _holds_ellipsis(value, depth: int = 0) -> bool:
    if value is Ellipsis:
        return True
    if depth < 2 and isinstance(value, (tuple, list)):
        return any(_holds_ellipsis(v, depth + 1) for v in value[:50])
    if depth < 2 and type(value) is dict:  # `answers["binary"] = ...`
        return any(_holds_ellipsis(v, depth + 1) for v in list(value.values())[:50])
    return False


def _where_assigned(name: str, env: dict) -> str:
    """`` (cell In[12], line 3)`` for the latest cell that sets ``name = ...``, if known."""
    cells = env.get("In") or []
    pattern = re.compile(rf"(^|[\s,(]){re.escape(name)}\b[^=\n]*=\s*\.\.\.\s*(#.*)?$")
    for number in range(len(cells) - 1, 0, -1):
        for line_number, line in enumerate(str(cells[number]).splitlines(), start=1):
            if pattern.search(line):
                return f" (cell In[{number}], line {line_number}: {line.strip()})"
    return ""


def _colab_export(name: str) -> Path:
    """Colab keeps the notebook in the browser: ask it for the saved notebook, zip it as otter
    does (the notebook and ``__zip_filename__``) and offer the download."""
    import datetime
    import json
    import zipfile

    from google.colab import _message, files  # type: ignore[import-not-found]

    try:
        notebook = _message.blocking_request("get_ipynb", request="", timeout_sec=30)["ipynb"]
    except Exception as exc:  # noqa: BLE001 - any failure: say how to hand in without the zip
        raise RuntimeError(
            f"could not read the notebook from Colab ({exc}): use File > Download > Download "
            ".ipynb and hand in that file"
        ) from None
    stem = Path(name).stem
    zip_name = f"{stem}_{datetime.datetime.now():%Y_%m_%dT%H_%M_%S_%f}.zip"
    with zipfile.ZipFile(zip_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.ipynb", json.dumps(notebook))
        archive.writestr("__zip_filename__", zip_name)
    print(f"exported {zip_name}: hand it in (your browser downloads it now)")
    files.download(zip_name)
    return Path(zip_name)
