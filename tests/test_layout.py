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


def test_sandbox_holds_only_what_runs_inside_the_jail():
    """``grade/sandbox/`` is the untrusted side's code: every module in it is staged into the
    jail; launchers that run on the host (trusted) live outside it (``grade/launch.py``)."""
    from autograder.grade.launch import IN_JAIL_MODULES

    staged = {m for m in IN_JAIL_MODULES if m.startswith("grade/sandbox/")}
    present = {p.relative_to(PACKAGE).as_posix() for p in SANDBOX_SIDE.glob("*.py")}
    assert present - staged == set(), "a module in grade/sandbox/ that the jail never gets"
    assert staged - present == set(), "a staged module that does not exist"


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


# --------------------------------------------------------------------------- layering

# Lower layers, which never import the grading package: what grading builds on, not the reverse.
BELOW_GRADE = (
    "autograder.gradebook",
    "autograder.html",
    "autograder.results",
    "autograder.config",
    "autograder.paths",
)


def import_graph() -> dict[str, set[str]]:
    """Every module of ``autograder/`` -> the kit modules it imports, lazy imports included
    (each imported name resolved to the module that holds it)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for imported in imports_of(path.read_text(), name):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                found.add(imported)
        graph[name] = found
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    below = [m for m in graph if any(m == low or m.startswith(low + ".") for low in BELOW_GRADE)]
    return sorted(
        f"{m} imports {i}"
        for m in below
        for i in graph[m]
        if i == "autograder.grade" or i.startswith("autograder.grade.")
    )


def test_the_package_has_no_import_circle():
    graph = import_graph()
    assert "autograder.grade.pipeline" in graph["autograder.grade.grader"]
    assert circles(graph) == []


def test_lower_layers_never_import_grading():
    assert upward_imports(import_graph()) == []


def test_the_layering_checks_catch_a_circle_and_an_upward_import():
    graph = {
        "autograder.grade.pipeline": {"autograder.grade.cluster.client"},
        "autograder.grade.cluster.client": {"autograder.grade.pipeline", "autograder.files"},
        "autograder.files": set(),
        "autograder.gradebook.tally": {"autograder.grade.identity"},
        "autograder.grade.identity": {"autograder.files"},
    }
    assert circles(graph) == [["autograder.grade.cluster.client", "autograder.grade.pipeline"]]
    assert upward_imports(graph) == ["autograder.gradebook.tally imports autograder.grade.identity"]
