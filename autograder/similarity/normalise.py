"""Code put in one canonical form before it is tokenized, so that a refactoring that does not
change the program does not change the fingerprints either.

The standard ``ast`` reads each cell (IPython ``%``/``!`` lines blanked); where it cannot, the
cell keeps its plain tokens (``fingerprints``). On the parsed tree, for the whole notebook:

- keyword arguments are sorted by name (their order never matters in a call);
- ``Sequential([a, b])`` (or ``layers=[...]``) is written as ``Sequential()`` and ``.add`` calls;
- a list/set/dict comprehension assigned or returned is written as the equivalent loop;
- a call to the student's own small helper function (not one the skeleton asks for) is replaced
  by the helper's body, its parameters by the arguments; helpers then unused are dropped;
- dead code is dropped: statements after ``return``/``raise``/``break``/``continue``, ``if
  False:`` bodies, functions and classes defined but never used (except the skeleton's);
- imports are dropped and a library name (``keras.layers.Dense``, ``layers.Dense``, ``Dense``
  imported from keras) is written the same way (``_lib_.Dense``).

The result is a list of units, one per simple statement or compound-statement header, each with
the original lines it comes from (so the report marks the student's own lines).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field

LIB = "_lib_"  # the one spelling of a library name; kept by the tokenizer
MAX_HELPER_STATEMENTS = 20
MAX_INLINE_DEPTH = 3
MAGIC = re.compile(r"^([ \t]*)[%!].*$", re.MULTILINE)  # not \s*: lines of spaces, quadratic
MAX_INLINED_NODES = 50_000  # of one notebook: a hostile helper nest costs seconds, no more
KNOWN_MODULES = frozenset({"np", "numpy", "pd", "pandas", "tf", "tensorflow", "keras", "layers",
                           "models", "plt", "matplotlib", "optimizers", "callbacks", "losses",
                           "activations", "metrics", "utils", "nltk", "hub"})  # fmt: skip
LIBRARY_ROOTS = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "sklearn", "nltk",
                 "tensorflow_hub", "scipy", "string", "collections", "itertools",
                 "math")  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """One statement (or header) in canonical form, and the original lines it stands for."""

    text: str
    first: int
    last: int


@dataclass
class Context:
    """What the notebook as a whole defines: its helpers, library names, used names."""

    protected: frozenset[str] = frozenset()  # functions the skeleton asks for: never inlined
    helpers: dict[str, ast.FunctionDef] = field(default_factory=dict)
    library: set[str] = field(default_factory=set)  # names bound to a library (module or object)
    used: set[str] = field(default_factory=set)  # names read anywhere
    budget: int = MAX_INLINED_NODES  # tree nodes inlining may still add


def parse(code: str) -> ast.Module | None:
    """The cell's tree, IPython magics and shell lines blanked; None when it is not Python."""
    return parse_prefix(code)[0]


def parse_prefix(code: str, tries: int = 4) -> tuple[ast.Module | None, int]:
    """The tree of the cell's longest readable beginning found (up to the line before each
    syntax error, ``tries`` times) and how many lines it holds: (None, 0) when none is."""
    lines = MAGIC.sub(r"\1pass", code).split("\n")
    count = len(lines)
    for _ in range(tries):
        try:
            return ast.parse("\n".join(lines[:count])), count
        except SyntaxError as exc:
            count = min(count - 1, (exc.lineno or 1) - 1)
        except (ValueError, RecursionError, MemoryError):
            return None, 0
        if count <= 0:
            break
    return None, 0


def context(trees: list[ast.Module], *, protected: frozenset[str]) -> Context:
    """The notebook's helpers (small top-level functions the skeleton does not name), library
    names and the names it reads."""
    found = Context(protected=protected, library=set(KNOWN_MODULES))
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in LIBRARY_ROOTS:
                        found.library.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                if (node.module or "").split(".")[0] in LIBRARY_ROOTS:
                    found.library.update(a.asname or a.name for a in node.names if a.name != "*")
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                found.used.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.used.add(node.attr)  # a method of an object, maybe
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and _inlinable(node, protected):
                found.helpers[node.name] = node
    calls: dict[str, int] = {}
    placed: dict[str, int] = {}  # calls that are a whole statement's value: inlined as such
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls[node.func.id] = calls.get(node.func.id, 0) + 1
            if isinstance(node, (ast.Assign, ast.Return, ast.Expr)):
                value = node.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                    placed[value.func.id] = placed.get(value.func.id, 0) + 1
    for name, node in list(found.helpers.items()):
        single = len(node.body) == 1 and isinstance(node.body[0], ast.Return)
        if not calls.get(name) or (not single and calls[name] != placed.get(name, 0)):
            del found.helpers[name]  # called inside an expression: kept as a function
    for node in found.helpers.values():  # a helper that defines or rebinds names is not one
        found.library.discard(node.name)
    return found


def units(tree: ast.Module, ctx: Context) -> list[Unit] | None:
    """The cell in canonical form, as units; None where it cannot be (nested too deep)."""
    try:
        body = _Canonical(ctx).block(tree.body, depth=0)
        out: list[Unit] = []
        for node in body:
            _emit(node, out)
        return out
    except (RecursionError, ValueError, TypeError, AttributeError, MemoryError):
        return None


def _inlinable(node: ast.FunctionDef, protected: frozenset[str]) -> bool:
    if node.name in protected or node.decorator_list or len(node.body) > MAX_HELPER_STATEMENTS:
        return False
    a = node.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        return False
    returns = 0
    for sub in ast.walk(node):
        if sub is not node and isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                ast.ClassDef, ast.Lambda)):  # fmt: skip
            return False
        if isinstance(sub, (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal, ast.Await)):
            return False
        if isinstance(sub, ast.Return):
            returns += 1
        if isinstance(sub, ast.Name) and sub.id == node.name:  # recursive
            return False
    if returns > 1 or (returns == 1 and not isinstance(node.body[-1], ast.Return)):
        return False
    return True


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))


def _uses(function: ast.FunctionDef, name: str) -> int:
    return sum(1 for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name)


def _sequential(call: ast.expr) -> list[ast.expr] | None:
    """The layers of ``Sequential([...])``, else None."""
    if not isinstance(call, ast.Call):
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name != "Sequential":
        return None
    if call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
        return list(call.args[0].elts)
    for kw in call.keywords:
        if kw.arg == "layers" and isinstance(kw.value, (ast.List, ast.Tuple)):
            return list(kw.value.elts)
    return None


def _without_layers(call: ast.Call) -> ast.Call:
    new = copy.copy(call)
    new.args = call.args[1:] if call.args and isinstance(call.args[0], (ast.List, ast.Tuple)) \
        else list(call.args)  # fmt: skip
    new.keywords = [k for k in call.keywords if k.arg != "layers"]
    return new


def _located(node: ast.AST, like: ast.AST) -> ast.AST:
    for sub in ast.walk(node):
        for attr in ("lineno", "end_lineno"):
            if hasattr(like, attr):
                setattr(sub, attr, getattr(like, attr))
        sub.col_offset = getattr(like, "col_offset", 0)
        sub.end_col_offset = getattr(like, "end_col_offset", 0)
    return node


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return copy.deepcopy(self.values[node.id])
        return node


class _Expressions(ast.NodeTransformer):
    """Keyword order, library names, one-expression helpers, inside one statement."""

    def __init__(self, canonical: _Canonical, depth: int) -> None:
        self.canonical = canonical
        self.depth = depth

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.keywords = sorted(node.keywords, key=lambda k: (k.arg is None, k.arg or ""))
        helper = self.canonical.helper(node, self.depth)
        if (
            helper is not None
            and len(helper[0].body) == 1
            and isinstance(helper[0].body[0], ast.Return)
        ):
            value = helper[0].body[0].value or ast.Constant(None)
            return _located(_Substitute(helper[1]).visit(copy.deepcopy(value)), node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.canonical.ctx.library:
            return ast.copy_location(
                ast.Attribute(ast.Name(LIB, ast.Load()), node.attr, node.ctx), node
            )
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if (
            isinstance(node.ctx, ast.Load)
            and node.id in self.canonical.ctx.library
            and (node.id not in KNOWN_MODULES)
        ):
            return ast.copy_location(ast.Attribute(ast.Name(LIB, ast.Load()), node.id,
                                                   ast.Load()), node)  # fmt: skip
        return node


class _Canonical:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def helper(
        self, call: ast.Call, depth: int
    ) -> tuple[ast.FunctionDef, dict[str, ast.expr]] | None:
        """The helper ``call`` calls and its parameters' values, when it can be inlined."""
        if depth >= MAX_INLINE_DEPTH or not isinstance(call.func, ast.Name):
            return None
        node = self.ctx.helpers.get(call.func.id)
        if node is None or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        params = [a.arg for a in node.args.args]
        if len(call.args) > len(params) or any(k.arg is None for k in call.keywords):
            return None
        values: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
        defaults = node.args.defaults
        for name, default in zip(params[len(params) - len(defaults) :], defaults, strict=True):
            values.setdefault(name, default)
        for kw in call.keywords:
            if kw.arg not in params:
                return None
            values[kw.arg] = kw.value
        if set(values) != set(params):
            return None
        cost = _size(node) + sum(
            _size(value) * _uses(node, name) for name, value in values.items()
        )  # what substituting adds, at most
        if cost > self.ctx.budget:
            return None
        self.ctx.budget -= cost
        return node, values

    def block(self, body: list[ast.stmt], *, depth: int) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for node in body:
            out += self.statement(node, depth)
            if isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                break  # what follows never runs
        return out

    def statement(self, node: ast.stmt, depth: int) -> list[ast.stmt]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if self.ctx.protected and node.name not in self.ctx.used | self.ctx.protected:
                return []  # defined, never used (known only where the skeleton names answers)
            if node.name in self.ctx.helpers:
                return []  # its body stands where it is called
        if isinstance(node, (ast.If, ast.While)) and isinstance(node.test, ast.Constant):
            if not node.test.value:
                return self.block(node.orelse, depth=depth)
            if isinstance(node, ast.If):
                return self.block(node.body, depth=depth)
        inlined = self._inline(node, depth)
        if inlined is not None:
            return inlined
        rewritten = self._rewrite(node)
        if rewritten is not None:
            return [s for r in rewritten for s in self.statement(r, depth)]
        node = _Expressions(self, depth).visit(node)
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(node, name, self.block(inner, depth=depth) or [ast.Pass()])
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                handler.body = self.block(handler.body, depth=depth) or [ast.Pass()]
        return [node]

    def _inline(self, node: ast.stmt, depth: int) -> list[ast.stmt] | None:
        """``x = helper(...)``, ``return helper(...)``, ``helper(...)`` as the helper's body."""
        value = getattr(node, "value", None)
        if not isinstance(node, (ast.Assign, ast.Return, ast.Expr)) or not isinstance(
            value, ast.Call
        ):
            return None
        found = self.helper(value, depth)
        if found is None:
            return None
        helper, values = found
        body = [_located(_Substitute(values).visit(copy.deepcopy(s)), node) for s in helper.body]
        if (len(body) >= 2 and isinstance(body[-1], ast.Return)
                and isinstance(body[-1].value, ast.Name) and isinstance(body[-2], ast.Assign)
                and len(body[-2].targets) == 1 and isinstance(body[-2].targets[0], ast.Name)
                and body[-2].targets[0].id == body[-1].value.id):  # fmt: skip
            body[-2:] = [_located(ast.Return(body[-2].value), node)]  # `r = ...; return r`
        if body and isinstance(body[-1], ast.Return):
            result = body.pop().value or ast.Constant(None)
            last = copy.copy(node)
            last.value = result
            body.append(last if not isinstance(node, ast.Expr) else ast.Expr(result))
            _located(body[-1], node)
        return self.block(body, depth=depth + 1)

    def _rewrite(self, node: ast.stmt) -> list[ast.stmt] | None:
        """A Sequential list or a comprehension, as the equivalent statements; else None."""
        value = getattr(node, "value", None)
        if isinstance(node, ast.Return) and (
            _sequential(value) is not None
            or isinstance(value, (ast.ListComp, ast.SetComp, ast.DictComp))  # fmt: skip
        ):
            target = ast.Name("_result_", ast.Store())
            return [_located(ast.Assign([target], value), node),
                    _located(ast.Return(ast.Name("_result_", ast.Load())), node)]  # fmt: skip
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            return None
        target = node.targets[0]
        if not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        load = copy.deepcopy(target)
        for sub in ast.walk(load):
            if hasattr(sub, "ctx"):
                sub.ctx = ast.Load()
        layers = _sequential(value)
        if layers is not None:
            out: list[ast.stmt] = [ast.Assign([target], _without_layers(value))]
            for layer in layers:
                call = ast.Call(ast.Attribute(copy.deepcopy(load), "add", ast.Load()), [layer], [])
                out.append(ast.Expr(call))
            return [_located(s, node) for s in out]
        if isinstance(value, (ast.ListComp, ast.SetComp, ast.DictComp)):
            if isinstance(value, ast.ListComp):
                start: ast.expr = ast.List([], ast.Load())
                inner: ast.stmt = ast.Expr(ast.Call(ast.Attribute(load, "append", ast.Load()),
                                                    [value.elt], []))  # fmt: skip
            elif isinstance(value, ast.SetComp):
                start = ast.Call(ast.Name("set", ast.Load()), [], [])
                inner = ast.Expr(ast.Call(ast.Attribute(load, "add", ast.Load()),
                                          [value.elt], []))  # fmt: skip
            else:
                start = ast.Dict([], [])
                key = ast.Subscript(load, value.key, ast.Store())
                inner = ast.Assign([key], value.value)
            for generator in reversed(value.generators):
                for condition in reversed(generator.ifs):
                    inner = ast.If(condition, [inner], [])
                inner = ast.For(generator.target, generator.iter, [inner], [])
            return [_located(ast.Assign([target], start), node), _located(inner, node)]
        return None


def _emit(node: ast.stmt, out: list[Unit]) -> None:
    """Units for one statement: a simple one whole, a compound one as header(s) and blocks."""
    first, last = node.lineno, node.end_lineno or node.lineno
    here = lambda text: Unit(text, first, first)  # noqa: E731 (a header is its first line)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for decorator in node.decorator_list:
            out.append(here("@" + ast.unparse(decorator)))
        out.append(here(f"def {node.name}({ast.unparse(node.args)}):"))
        _emit_block(node.body, out)
    elif isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
        out.append(here(f"class {node.name}({bases}):"))
        _emit_block(node.body, out)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        out.append(here(f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"))
        _emit_block(node.body, out)
        _emit_else(node.orelse, out)
    elif isinstance(node, ast.While):
        out.append(here(f"while {ast.unparse(node.test)}:"))
        _emit_block(node.body, out)
        _emit_else(node.orelse, out)
    elif isinstance(node, ast.If):
        out.append(here(f"if {ast.unparse(node.test)}:"))
        _emit_block(node.body, out)
        _emit_else(node.orelse, out)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        out.append(here(f"with {', '.join(ast.unparse(i) for i in node.items)}:"))
        _emit_block(node.body, out)
    elif isinstance(node, ast.Try):
        out.append(here("try:"))
        _emit_block(node.body, out)
        for handler in node.handlers:
            kind = f" {ast.unparse(handler.type)}" if handler.type else ""
            name = f" as {handler.name}" if handler.name else ""
            out.append(Unit(f"except{kind}{name}:", handler.lineno, handler.lineno))
            _emit_block(handler.body, out)
        _emit_else(node.orelse, out)
        if node.finalbody:
            out.append(here("finally:"))
            _emit_block(node.finalbody, out)
    else:
        out.append(Unit(ast.unparse(node), first, last))


def _emit_block(body: list[ast.stmt], out: list[Unit]) -> None:
    for node in body:
        _emit(node, out)


def _emit_else(body: list[ast.stmt], out: list[Unit]) -> None:
    if body:
        out.append(Unit("else:", body[0].lineno, body[0].lineno))
        _emit_block(body, out)
