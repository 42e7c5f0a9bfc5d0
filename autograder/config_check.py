"""``autograder check-config``: validate grading.toml and say what it configures, building
nothing. ``build`` and ``grade`` run the same validation before they write anything.
``--explain`` prints every key the file may hold, from the same fields that validate it."""

from __future__ import annotations

from autograder.config import explain as explain_keys
from autograder.config import load_config, reference_markdown


def main(*, config: str | None = None, explain: bool = False, markdown: bool = False) -> int:
    if markdown:
        print(reference_markdown(), end="")
        return 0
    if explain:
        print(explain_keys(), end="")
        return 0
    cfg = load_config(config)  # ConfigError: one line with file, line, key and what is allowed
    print(f"{cfg.path}: valid; term {cfg.course.term}, seed {cfg.course.seed}")
    for name, spec in cfg.assignments.items():
        points = sum(spec.points.values())
        manual = f", {len(spec.manual)} graded by hand" if spec.manual else ""
        variants = f", variants of {', '.join(spec.variants)}" if spec.variants else ""
        print(f"  {name}: {len(spec.points)} questions, {points:g} points{manual}{variants}")
    return 0
