"""Runs inside the sandbox: execute a student notebook, then hand back requested values as data.

This process is untrusted from the moment the first cell runs. It decides nothing: it never
sees tests or expected values, only the names to fetch and the inputs to call functions with.

    python -m autograder.grade.sandbox.harness REQUEST_JSON
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import traceback
import types
from pathlib import Path
from typing import Any

from autograder.grade.protocol import (
    MAX_ITEMS,
    ArrayStore,
    Request,
    decode_plain,
    encode,
    write_json,
)
from autograder.grade.sandbox.budget import apply_budget, share_fits
from autograder.grade.sandbox.equivalent import sequential_equivalent
from autograder.keras3 import is_keras3_model, tf_keras_equivalent

CALL_TIMEOUT_S = 10.0  # one call a test makes of a student function (cells have their own limit)


class CellTimeout(BaseException):
    """Raised by the alarm in a cell or call that ran past its limit (BaseException: student
    ``except Exception`` blocks do not swallow it)."""


class Deadline:
    """A per-cell or per-call deadline, delivered to the main thread itself, again and again.

    ``setitimer`` lets the kernel hand SIGALRM to any thread, often one of TensorFlow's; the
    main thread, blocked in a read that never returns (``/dev/ptmx``, a pipe), would then never
    see it. A timer thread sends the signal with ``pthread_kill`` to the main thread, whose
    blocking call fails with EINTR and runs the handler. One signal is not enough: the
    ``CellTimeout`` it raises can be lost (raised inside a finaliser or a warning filter,
    where Python only prints it; or caught by a bare ``except:``), so the timer repeats it
    every ``REPEAT_S`` until the cell is over. The handler never raises in the harness's own
    frames, so a repeat that lands while the harness winds a cell down does nothing."""

    REPEAT_S = 0.5

    def __init__(self) -> None:
        self.armed = False
        self._stop: threading.Event | None = None

    def start(self, seconds: float) -> None:
        self.cancel()
        self.armed = True
        stop = self._stop = threading.Event()
        main = threading.main_thread().ident

        def fire() -> None:
            if stop.wait(seconds):
                return
            while True:
                signal.pthread_kill(main, signal.SIGALRM)
                if stop.wait(self.REPEAT_S):
                    return

        threading.Thread(target=fire, name="kit-deadline", daemon=True).start()

    def cancel(self) -> None:
        self.armed = False
        if self._stop is not None:
            self._stop.set()
            self._stop = None

    def on_signal(self, signum, frame) -> None:
        if self.armed and (frame is None or frame.f_code not in HARNESS_CODE):
            raise CellTimeout()


DEADLINE = Deadline()


def _fake_otter() -> types.ModuleType:
    """``import otter`` / ``grader.check`` in the notebook become no-ops: tests are not here."""
    module = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    module.Notebook = Notebook
    return module


def make_shell(namespace: dict):
    """IPython's own shell over the notebook's namespace: cells run exactly as in Jupyter
    (magics, ``!`` shell escapes inside the sandbox, ``display``, ``get_ipython``)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class SandboxShell(InteractiveShell):
        def enable_gui(self, gui=None):  # no event loop here; `%matplotlib inline` still works
            pass

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    return SandboxShell.instance(config=config, user_ns=namespace)


ANSWER_RESERVE = 0.2  # of the run's limit, kept for answering after the last cell
MIN_ANSWER_RESERVE_S = 15.0


RUNNING_CELL_FILE = "running_cell"  # read by autograder.grade.running (same name there)


def mark_running(folder: Path | None, index: int) -> None:
    """Record the code cell about to run (``len(cells)``: the grader's calls after the last
    cell), so that a run the host stops for time or memory names the cell it stopped in."""
    if folder is None:
        return
    try:
        (folder / RUNNING_CELL_FILE).write_text(str(index), encoding="ascii")
    except OSError:
        pass  # a student who removed the folder only loses the cell's name


RUNNING_CALL_FILE = "running_call"  # read by autograder.grade.running (same name there)


def mark_calling(folder: Path | None, function: str) -> None:
    """Record the function the grader is about to call, for the same reason as ``mark_running``."""
    if folder is None:
        return
    try:
        (folder / RUNNING_CALL_FILE).write_text(function, encoding="utf-8")
    except OSError:
        pass


def _restore_alarm() -> None:
    """The deadline's handler installed and its signal unblocked, whatever a cell did to them."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGALRM, DEADLINE.on_signal)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


def run_cells(
    cells: list[str],
    shell,
    cell_timeout: float,
    run_timeout: float | None = None,
    mark: Path | None = None,
    skip: dict[str, str] | None = None,
) -> list[dict]:
    """Run every cell, each within ``cell_timeout`` and all of them within the run's limit less
    a reserve for the answer: a cell that hangs costs what it defines, and the cells after it
    still run (or are reported as not run), instead of the host stopping the whole run. A cell
    in ``skip`` (one an earlier run had to be stopped in from outside) is not run again."""
    skip = skip or {}
    report = []
    until = None
    if run_timeout:
        reserve = max(MIN_ANSWER_RESERVE_S, ANSWER_RESERVE * run_timeout)
        until = time.monotonic() + max(1.0, run_timeout - reserve)
    for index, source in enumerate(cells):
        started = time.monotonic()
        entry: dict[str, Any] = {"index": index, "status": "ok"}
        error: BaseException | None = None
        limit = cell_timeout if until is None else min(cell_timeout, until - started)
        if str(index) in skip:
            entry.update(status="timeout", error=str(skip[str(index)]), seconds=0)
            report.append(entry)
            continue
        if limit <= 0:
            entry.update(status="timeout", error="not run: the notebook ran out of time", seconds=0)
            report.append(entry)
            continue
        mark_running(mark, index)
        _restore_alarm()  # an earlier cell that switched the alarm off costs only itself
        DEADLINE.start(limit)
        try:
            result = shell.run_cell(source, store_history=False)
            error = result.error_before_exec or result.error_in_exec
        except BaseException as exc:  # the alarm may land in IPython's own machinery
            error = exc
        finally:
            DEADLINE.cancel()
        if isinstance(error, CellTimeout):
            entry.update(status="timeout", error=f"cell ran over {limit:.0f} s")
        elif isinstance(error, SystemExit):
            entry.update(status="exit", error=f"SystemExit({error.code!r})")
        elif error is not None:  # a student error must not stop the other cells
            entry.update(status="error", error=_student_error(error, source))
        entry["seconds"] = round(time.monotonic() - started, 3)
        report.append(entry)
    return report


KERAS3_REFUSED = (
    "a Keras 3 model (`import keras`) the grader cannot read as tf-keras (a layer that is not "
    "Keras' own, or a model of your own class)"
)


def is_keras3(value: Any) -> bool:
    """An object of Keras 3 (the ``keras`` package), or that package itself."""
    if isinstance(value, types.ModuleType):
        name = value.__name__
        return (name == "keras" or name.startswith("keras.")) and str(
            getattr(value, "__version__", "3")
        ).startswith("3")
    module = type(value).__module__ or ""
    return module == "keras" or module.startswith("keras.")


def notes_on(values: dict) -> list[str]:
    """What the grader should tell the student about how the notebook ran: judged from the
    answers (a Keras 3 model that could not be read as tf-keras), not from what was imported."""
    refused = {"kind": "unsupported", "class": KERAS3_REFUSED}
    return ["keras3"] if any(v == refused for v in values.values()) else []


def _sendable(value: Any) -> Any:
    """The value as the grader reads it: a Keras 3 model as the tf-keras model it is (or the
    refusal), a subclassed model as its Sequential equivalent, anything else as it is."""
    if is_keras3(value):
        if isinstance(value, types.ModuleType):
            return value
        if is_keras3_model(value):
            rebuilt = tf_keras_equivalent(value)
            if rebuilt is None:
                return _REFUSED_KERAS3
            share_fits(value, rebuilt)  # it answers with the student's model's training record
            return rebuilt
    return sequential_equivalent(value)


class _RefusedKeras3:
    pass


_REFUSED_KERAS3 = _RefusedKeras3()


def _student_error(exc: BaseException, source: str) -> str:
    """``line N: <the student's line>`` (the deepest frame in the cell itself, not in a
    library or the grader), then the exception: what the student needs to find it."""
    line = None
    for frame, number in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.startswith("<ipython-input-"):
            line = number
    if line is None and isinstance(exc, SyntaxError) and exc.lineno:
        line = exc.lineno
    text = f"SyntaxError: {exc.msg}" if isinstance(exc, SyntaxError) else _last_line(exc)
    lines = source.splitlines()
    if line is not None and 0 < line <= len(lines):
        text = f"line {line}: {lines[line - 1].strip()[:160]}\n{text}"
    return text[-700:]


def _last_line(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[-500:]


def _resolve(namespace: dict, dotted: str) -> Any:
    """``name`` or ``name.method`` (one level) in the notebook's namespace."""
    name, _, attr = dotted.partition(".")
    value = namespace.get(name)
    if attr and value is not None:
        try:
            value = getattr(value, attr)
        except Exception:
            return None
    return value


def _call(function, args: list, kwargs: dict) -> Any:
    """A student function, called from a frame of its own: a deadline may raise here even when
    ``function`` is a builtin (the handler sees the innermost Python frame)."""
    return function(*args, **kwargs)


def _materialise(value: Any) -> Any:
    """Generators, other iterators and iterable objects of the student's own classes returned
    by student functions become lists (what a check does with them is iterate)."""
    if isinstance(value, (list, tuple, dict, str, bytes)) or not (
        hasattr(value, "__next__") or _own_iterable(value)
    ):
        return value
    items = []
    for item in value:
        items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    return items


# One value's share of the wire format's caps (grade/verdict/response.py): an answer over it is
# sent as "too large" and costs only the checks that read it, never the whole submission.
MAX_VALUE_JSON_BYTES = 40 * 2**20
MAX_ANSWER_JSON_BYTES = 60 * 2**20  # all values and calls together, under the 64 MB cap
MAX_VALUE_NODES = 2_500_000
MAX_ANSWER_NODES = 2_900_000  # under the verdict's 3,000,000
MAX_VALUE_ARRAY_BYTES = 256 * 2**20
MAX_ANSWER_ARRAY_BYTES = 480 * 2**20  # under the 512 MB cap


def count_nodes(node: Any, limit: int) -> int:
    """JSON values in ``node`` as the verdict counts them (each scalar, list and object; an
    object's ``kind`` not), stopping once past ``limit``."""
    count, stack = 0, [node]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k != "kind")
    return count


class AnswerBudget:
    """What the answer has used of the caps so far; each value must fit what is left."""

    def __init__(self) -> None:
        self.json_bytes = self.nodes = self.array_bytes = 0

    def bounded(self, value: Any, store: ArrayStore) -> Any:
        """``value`` encoded into ``store``, or a "too large" node (and the arrays it added
        removed) when it is over one value's share or what the answer has left."""
        before = len(store.arrays)
        node = encode(value, store)
        added = list(store.arrays)[before:]
        array_bytes = sum(store.arrays[ref].nbytes for ref in added)
        node_cap = min(MAX_VALUE_NODES, MAX_ANSWER_NODES - self.nodes)
        nodes = count_nodes(node, node_cap)
        size = len(json.dumps(node)) if nodes <= node_cap else 0
        over = (
            nodes > node_cap
            or size > min(MAX_VALUE_JSON_BYTES, MAX_ANSWER_JSON_BYTES - self.json_bytes)
            or array_bytes > min(MAX_VALUE_ARRAY_BYTES, MAX_ANSWER_ARRAY_BYTES - self.array_bytes)
        )
        if over:
            for ref in added:
                del store.arrays[ref]
            what = (
                f"{nodes:,}+ values"
                if nodes > node_cap
                else f"{(size + array_bytes) / 2**20:.0f} MB"
            )
            return {"kind": "unsupported", "class": f"too large to send: {what}"}
        self.json_bytes += size
        self.nodes += nodes
        self.array_bytes += array_bytes
        return node


def _own_iterable(value: Any) -> bool:
    """An object of a class defined in the notebook that can be iterated (``__iter__``)."""
    cls = type(value)
    return hasattr(cls, "__iter__") and cls.__module__ == "__main__"


def answer(
    request: Request,
    namespace: dict,
    store: ArrayStore,
    args_store: ArrayStore,
    cell_timeout: float,
    mark: Path | None = None,
) -> dict:
    sent = AnswerBudget()
    values = {}
    for name in request.fetch:
        if name not in namespace:
            values[name] = {"kind": "missing"}
            continue
        try:
            value = _sendable(namespace[name])
            if value is _REFUSED_KERAS3:  # the same way every time: see notes_on
                values[name] = {"kind": "unsupported", "class": KERAS3_REFUSED}
                continue
            values[name] = sent.bounded(value, store)
        except BaseException as exc:
            values[name] = {"kind": "unsupported", "class": _last_line(exc)}
    calls = {}
    call_timeout = min(cell_timeout, CALL_TIMEOUT_S)
    hung: set[str] = set()  # a function that hung once is not called again: one hang, one wait
    stopped = request.skip_functions  # stopped from outside in an earlier run
    for call in request.calls:
        function = _resolve(namespace, call["function"])
        if call["function"] in stopped:
            calls[call["key"]] = {
                "kind": "raised",
                "type": "Timeout",
                "message": str(stopped[call["function"]]),
            }
            continue
        if call["function"] in hung:
            calls[call["key"]] = {
                "kind": "raised",
                "type": "Timeout",
                "message": f"not run: an earlier call ran over {call_timeout:g} s",
            }
            continue
        if not callable(function):
            calls[call["key"]] = {
                "kind": "raised",
                "type": "NameError",
                "message": f"{call['function']} is not defined",
            }
            continue
        try:
            args, kwargs = decode_plain(call["args"], args_store)
            mark_calling(mark, call["function"])
            _restore_alarm()
            DEADLINE.start(call_timeout)
            try:
                result = _materialise(_call(function, args, kwargs))
            finally:
                DEADLINE.cancel()
            calls[call["key"]] = sent.bounded(result, store)
        except CellTimeout:
            hung.add(call["function"])
            calls[call["key"]] = {
                "kind": "raised",
                "type": "Timeout",
                "message": f"call ran over {call_timeout:g} s",
            }
        except BaseException as exc:
            calls[call["key"]] = {
                "kind": "raised",
                "type": type(exc).__name__,
                "message": _last_line(exc),
            }
    return {"values": values, "calls": calls}


# where a repeated deadline signal must not raise: the harness winding a cell or call down
HARNESS_CODE = {run_cells.__code__, answer.__code__}


def main(request_path: str) -> int:
    request_file = Path(request_path).resolve()
    workdir = request_file.parent
    request = Request.from_json(json.loads(request_file.read_text(encoding="utf-8")))
    notebook = json.loads((workdir / request.notebook).read_text(encoding="utf-8"))
    cells = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in notebook.get("cells", [])
        if c.get("cell_type") == "code"
    ]
    cell_timeout = request.cell_timeout_s
    out_dir = workdir / "response"
    signal.signal(signal.SIGALRM, DEADLINE.on_signal)
    sys.modules["otter"] = _fake_otter()
    sys.modules["autograder.student"] = _fake_otter()  # the student-side checker, stood in
    os.chdir(workdir)
    sys.path.insert(0, str(workdir))
    apply_budget(request.budget)

    namespace: dict[str, Any] = {"__name__": "__main__"}
    shell = make_shell(namespace)
    started = time.monotonic()
    run_timeout = request.timeout_s
    with contextlib.suppress(OSError):
        out_dir.mkdir(exist_ok=True)
    cell_report = run_cells(cells, shell, cell_timeout, float(run_timeout) if run_timeout else None,
                            mark=out_dir, skip=request.skip_cells)  # fmt: skip
    executed = time.monotonic() - started
    mark_running(out_dir, len(cells))

    store = ArrayStore(out_dir / "arrays")
    args_store = ArrayStore(workdir / "request_arrays")
    answers = answer(request, namespace, store, args_store, cell_timeout, mark=out_dir)
    store.save()
    write_json(
        out_dir / "response.json",
        {
            "cells": cell_report,
            "execute_seconds": round(executed, 3),
            "notes": notes_on(answers["values"]),
            **answers,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
