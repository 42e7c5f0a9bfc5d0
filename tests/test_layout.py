"""The package's shape: the untrusted side imports nothing trusted; exits only in the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder import catalog, paths

PACKAGE = paths.REPO_ROOT / "autograder"
SANDBOX_SIDE = PACKAGE / "grade" / "sandbox"
# What code on the untrusted side may import from the kit: the wire format and neutral helpers.
SANDBOX_MAY_IMPORT = (
    "autograder",
    "autograder.files",
    "autograder.paths",
    "autograder.keras3",
    "autograder.grade",
    "autograder.grade.protocol",
    "autograder.grade.forkserve",
    "autograder.grade.sandbox",
    "autograder.grade.isolation",
    "autograder.errors",
)
NEVER_ON_SANDBOX_SIDE = ("reference", "solutions", "otter", "autograder.grade.verdict")


def module_name(path: Path) -> str:
    rel = path.relative_to(paths.REPO_ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(source: str, module: str) -> set[str]:
    """Absolute names imported by a module's source (relative imports resolved)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def kit_module_path(name: str) -> Path | None:
    for candidate in (paths.REPO_ROOT / (name.replace(".", "/") + ".py"),
                      paths.REPO_ROOT / name.replace(".", "/") / "__init__.py"):  # fmt: skip
        if candidate.exists():
            return candidate
    return None


def reachable(start: list[Path]) -> dict[str, set[str]]:
    """Every kit module reachable from ``start`` by imports, with what each imports."""
    seen: dict[str, set[str]] = {}
    stack = [(module_name(p), p) for p in start]
    while stack:
        name, path = stack.pop()
        if name in seen:
            continue
        seen[name] = imports_of(path.read_text(), name)
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        for imported in [*seen[name], *parents]:
            if imported.split(".")[0] in ("autograder", "reference"):
                target = kit_module_path(imported)
                if target is not None:
                    stack.append((module_name(target), target))
    return seen


def boundary_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, imported in graph.items():
        if module not in SANDBOX_MAY_IMPORT and not module.startswith(
            ("autograder.grade.sandbox", "autograder.grade.isolation")
        ):
            bad.append(f"{module} is reachable from the sandbox side")
        for name in imported:
            if name.split(".")[0] in ("reference", "solutions", "otter") or any(
                name == n or name.startswith(n + ".") for n in NEVER_ON_SANDBOX_SIDE
            ):
                bad.append(f"{module} imports {name}")
    return sorted(bad)


def test_sandbox_side_imports_nothing_trusted():
    graph = reachable(sorted(SANDBOX_SIDE.glob("*.py")))
    assert "autograder.grade.sandbox.harness" in graph
    assert boundary_violations(graph) == []


def test_the_boundary_check_catches_a_trusted_import(tmp_path):
    graph = {
        "autograder.grade.sandbox.harness": {"autograder.grade.verdict.standins"},
        "autograder.catalog": {"reference.mlp"},
    }
    problems = boundary_violations(graph)
    assert "autograder.grade.sandbox.harness imports autograder.grade.verdict.standins" in problems
    assert "autograder.catalog is reachable from the sandbox side" in problems
    assert "autograder.catalog imports reference.mlp" in problems


def test_only_the_cli_ends_the_process():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(call, ast.Name) and call.id == "SystemExit":
                    if not _is_module_main(tree, node):
                        offenders.append(f"{path.relative_to(paths.REPO_ROOT)}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "exit"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "sys"
                and not _is_module_main(tree, node)
            ):
                offenders.append(f"{path.relative_to(paths.REPO_ROOT)}:{node.lineno}")
    assert offenders == []


def _is_module_main(tree: ast.Module, raise_node: ast.AST) -> bool:
    """``if __name__ == "__main__": raise SystemExit(main())`` of a ``python -m`` entry point."""
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name)
            and node.test.left.id == "__name__"
        ):
            if any(raise_node is inner for inner in ast.walk(node)):
                return True
    return False


@pytest.mark.parametrize("name", sorted(catalog.REGISTRY))
def test_every_registered_assignment_is_complete(name):
    kit = catalog.REGISTRY[name]
    assert kit.name == name
    assert (paths.SOLUTIONS_DIR / f"{name}.ipynb").exists()
    assert (paths.REPO_ROOT / "reference" / f"{name}.py").exists()
    from autograder.config import load_config

    assert name in load_config().assignments
    from autograder.data.environment import VARIABLES

    assert set(kit.datasets) <= set(VARIABLES)
