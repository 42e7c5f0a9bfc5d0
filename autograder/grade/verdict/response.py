"""Check a sandbox's answer against a strict schema before anything is built from it.

The answer is hostile data: a student controls every byte. It must be a regular file within its
cap, valid JSON, and every part of it the right type, within counts, lengths and nesting depth;
otherwise the whole answer is refused with one line and the submission gets ``crashed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.grade.protocol import read_json

MAX_RESPONSE_BYTES = 64 * 2**20
MAX_CELLS = 100_000
MAX_VALUES = 1_000
MAX_CALLS = 10_000
MAX_NODES = 3_000_000
MAX_NODE_DEPTH = 64
MAX_STRING = 2 * 2**20
MAX_CELL_ERROR = 4_000
CELL_STATUSES = {"ok", "error", "timeout", "exit"}
KNOWN_NOTES = {"keras3"}
KINDS = {
    "missing", "unsupported", "bigint", "float", "array", "array_digest", "list", "tuple", "dict",
    "named_function", "function", "object", "history", "keras_model", "raised",
}  # fmt: skip
ARRAY_REF = re.compile(r"^a[0-9]{1,7}$")
CALL_KEY = re.compile(r"^[0-9a-f]{64}$")


class BadResponse(ValueError):
    """The sandbox's answer does not follow the protocol; the message says where."""


@dataclass(frozen=True)
class Answer:
    """The sandbox's answer (sandbox -> verdict), schema-checked: how each code cell ran, the
    values and call results it hands back (JSON trees of the wire format, decoded into
    stand-ins by ``standins``), and its notes. Built only by ``from_json``."""

    cells: tuple[dict, ...] = ()
    execute_seconds: float = 0.0
    values: dict[str, Any] = field(default_factory=dict)
    calls: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Answer:
        """The answer from plain data, checked against the schema (raises ``BadResponse``)."""
        check_response(data)
        return cls(
            cells=tuple(data.get("cells", [])),
            execute_seconds=float(data.get("execute_seconds", 0.0)),
            values=data.get("values", {}),
            calls=data.get("calls", {}),
            notes=tuple(data.get("notes", [])),
        )


def load_response(response_dir: Path) -> Answer:
    try:
        response = read_json(response_dir / "response.json", MAX_RESPONSE_BYTES)
    except FileNotFoundError:
        raise BadResponse("the notebook process handed back no answer") from None
    except RecursionError:
        raise BadResponse("its answer is nested too deeply") from None
    except (OSError, ValueError) as exc:
        raise BadResponse(f"its answer is unreadable ({exc})") from None
    return Answer.from_json(response)


def check_response(response: Any) -> None:
    _expect(isinstance(response, dict), "the answer is not an object")
    _expect(set(response) <= {"cells", "execute_seconds", "values", "calls", "notes"},
            "unknown fields")  # fmt: skip
    notes = response.get("notes", [])
    _expect(isinstance(notes, list) and len(notes) <= 10, "notes: not a short list")
    _expect(all(n in KNOWN_NOTES for n in notes), "notes: unknown note")
    cells = response.get("cells", [])
    _expect(isinstance(cells, list) and len(cells) <= MAX_CELLS, "cells: not a list within cap")
    for cell in cells:
        _expect(isinstance(cell, dict), "cells: an entry is not an object")
        _expect(_is_int(cell.get("index")) and cell["index"] >= 0, "cells: bad index")
        _expect(cell.get("status") in CELL_STATUSES, "cells: bad status")
        error = cell.get("error", "")
        _expect(isinstance(error, str), "cells: error is not text")
        if len(error) > MAX_CELL_ERROR:
            cell["error"] = error[:MAX_CELL_ERROR] + " [cut]"
        _expect(_is_number(cell.get("seconds", 0)), "cells: seconds is not a number")
    _expect(_is_number(response.get("execute_seconds", 0)), "execute_seconds is not a number")
    values = response.get("values", {})
    calls = response.get("calls", {})
    _expect(isinstance(values, dict) and len(values) <= MAX_VALUES, "values: not an object")
    _expect(isinstance(calls, dict) and len(calls) <= MAX_CALLS, "calls: not an object")
    _expect(all(k.isidentifier() for k in values), "values: a name is not an identifier")
    _expect(all(CALL_KEY.match(k) for k in calls), "calls: a key is malformed")
    budget = [MAX_NODES]
    for node in (*values.values(), *calls.values()):
        _check_node(node, 0, budget)


def _check_node(node: Any, depth: int, budget: list[int]) -> None:
    budget[0] -= 1
    _expect(budget[0] > 0, "too many values")
    _expect(depth <= MAX_NODE_DEPTH, "values nested too deeply")
    if node is None or isinstance(node, (bool, int, float)):
        return
    if isinstance(node, str):
        _expect(len(node) <= MAX_STRING, "a text value is too long")
        return
    if isinstance(node, list):
        for item in node:
            _check_node(item, depth + 1, budget)
        return
    _expect(isinstance(node, dict), "a value of an unknown type")
    kind = node.get("kind")
    if kind is None:  # plain JSON objects occur inside model configs and layer configs
        for key, value in node.items():
            _expect(len(key) <= 256, "a key is too long")
            _check_node(value, depth + 1, budget)
        return
    _expect(kind in KINDS, f"unknown kind {str(kind)[:40]!r}")
    for ref in _refs(node):
        _expect(isinstance(ref, str) and ARRAY_REF.match(ref) is not None, "a bad array ref")
    for key, value in node.items():
        if key != "kind":
            _check_node(value, depth + 1, budget)


def _refs(node: dict) -> list:
    kind = node["kind"]
    if kind == "array":
        return [node.get("ref")]
    if kind == "array_digest":
        return [node.get("head")]
    if kind == "keras_model":
        refs = list(node.get("weights") or [])
        for layer in node.get("layers") or []:
            refs += list(layer.get("weights") or []) if isinstance(layer, dict) else [None]
        _expect(isinstance(node.get("config"), str), "a model config is not text")
        return refs
    return []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise BadResponse(f"its answer is malformed: {message}")
