"""Source → :mod:`pyleo.syntax` tree, with lark and a grammar for exactly the supported subset.

Anything the grammar accepts but pyleo does not compile (``while``, ``try``, ``lambda``, ...) is
rejected here with the user's file, line and column and a sentence on what to write instead.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from lark import Lark, Token, Transformer, Tree, UnexpectedInput, v_args
from lark.exceptions import VisitError
from lark.indenter import PythonIndenter

from . import syntax as S
from .errors import CompileError, Location
from .limits import MAX_EXPRESSION_DEPTH

UNSUPPORTED = {
    "while_stmt": ("`while` loops are not supported", "use `for i in range(N)` with a constant N; circuits need bounded loops"),
    "try_stmt": ("`try` is not supported", "a circuit cannot catch a failure: check inputs with `assert` instead"),
    "with_stmt": ("`with` is not supported", "pyleo functions compute values only"),
    "classdef": ("classes inside a pyleo function are not supported", "declare structs at module level: `class P(pl.Struct): ...`"),
    "funcdef": ("functions inside a pyleo function are not supported", "define a module-level `@pl.inline` helper and call it"),
    "lambdef": ("`lambda` is not supported", "define a module-level `@pl.inline` helper and call it"),
    "del_stmt": ("`del` is not supported", "variables live until the end of the function"),
    "global_stmt": ("`global` / `nonlocal` are not supported", "module-level values are constants; read them, don't assign them"),
    "raise_stmt": ("`raise` is not supported", "use `assert condition` to halt the program"),
    "import_stmt": ("`import` inside a pyleo function is not supported", "import at module level"),
    "yield_stmt": ("`yield` is not supported", "return a value (or a tuple of values)"),
    "genexp": ("generator expressions are not supported", "use a list comprehension `[e for i in range(N)]` or a for loop"),
    "dict": ("dict and set literals are not supported", "use a struct (`class P(pl.Struct)`) or an array"),
    "slice": ("slices are not supported", "index one element at a time in a `for` loop"),
    "starred": ("`*args` / `**kwargs` are not supported", "pass each argument explicitly"),
    "star_param": ("`*args` / `**kwargs` parameters are not supported", "declare each parameter with its type"),
    "ellipsis": ("`...` is not supported", "write a value"),
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark.open(
        str(Path(__file__).with_name("grammar.lark")),
        parser="lalr",
        postlex=PythonIndenter(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


class _Builder(Transformer):
    """lark tree → syntax nodes; positions are shifted back into the user's file."""

    def __init__(self, file: str, lines: list[str], line_offset: int, col_offset: int) -> None:
        super().__init__()
        self.file, self.lines, self.line_offset, self.col_offset = file, lines, line_offset, col_offset

    def loc_at(self, line: int, col: int) -> Location:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Location(self.file, line + self.line_offset, col + self.col_offset, " " * self.col_offset + text)

    def _loc(self, meta: Any) -> Location:
        return self.loc_at(getattr(meta, "line", 1), getattr(meta, "column", 1))

    def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
        if data in UNSUPPORTED:
            msg, hint = UNSUPPORTED[data]
            raise CompileError(msg, self._loc(meta), hint)
        return Tree(data, children, meta)

    # ---- structure -----------------------------------------------------------------------------
    @v_args(meta=True)
    def start(self, meta: Any, children: list[Any]) -> S.FunctionDef:
        return children[0]

    @v_args(meta=True)
    def decorated(self, meta: Any, children: list[Any]) -> S.FunctionDef:
        return children[-1]

    def decorator(self, children: list[Any]) -> None:
        return None

    @v_args(meta=True)
    def funcdef(self, meta: Any, children: list[Any]) -> S.FunctionDef:
        name, params, returns, body = children
        return S.FunctionDef(self._loc(meta), str(name), params or [], returns, body)

    def parameters(self, children: list[Any]) -> list[S.Param]:
        return [c for c in children if c is not None]

    @v_args(meta=True)
    def param(self, meta: Any, children: list[Any]) -> S.Param:
        name, annotation, default = children
        if default is not None:
            raise CompileError("default parameter values are not supported", self._loc(meta), "every argument is passed by the caller")
        return S.Param(self._loc(meta), str(name), annotation)

    def suite(self, children: list[Any]) -> list[S.Node]:
        out: list[S.Node] = []
        for c in children:
            out.extend(c if isinstance(c, list) else [c])
        return out

    def simple_stmt(self, children: list[Any]) -> list[S.Node]:
        return [c for c in children if c is not None]

    # ---- statements ----------------------------------------------------------------------------
    @v_args(meta=True)
    def expr_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        return S.ExprStmt(self._loc(meta), children[0])

    @v_args(meta=True)
    def annassign(self, meta: Any, children: list[Any]) -> S.Node:
        return S.AnnAssign(self._loc(meta), children[0], children[1], children[2])

    @v_args(meta=True)
    def augassign(self, meta: Any, children: list[Any]) -> S.Node:
        target, op, value = children
        return S.AugAssign(self._loc(meta), target, str(op)[:-1], value)

    @v_args(meta=True)
    def assign(self, meta: Any, children: list[Any]) -> S.Node:
        if len(children) > 2:
            raise CompileError("chained assignment `a = b = c` is not supported", self._loc(meta), "assign each variable on its own line")
        return S.Assign(self._loc(meta), children[0], children[1])

    @v_args(meta=True)
    def return_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Return(self._loc(meta), children[0])

    @v_args(meta=True)
    def assert_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Assert(self._loc(meta), children[0], children[1])

    @v_args(meta=True)
    def pass_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Pass(self._loc(meta))

    def unsupported_stmt(self, children: list[Any]) -> S.Node:
        tok: Token = children[0]
        word = str(tok)
        raise CompileError(f"`{word}` is not supported", self.loc_at(tok.line, tok.column),
                           "loops always run all their iterations; compute a flag and use `if`" )

    @v_args(meta=True)
    def if_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        test, body, *rest = children
        orelse = rest[-1] or []
        for elif_ in reversed(rest[:-1]):
            etest, ebody = elif_.children
            orelse = [S.If(elif_.meta and self._loc(elif_.meta), etest, ebody, orelse)]
        return S.If(self._loc(meta), test, body, orelse)

    @v_args(meta=True)
    def for_stmt(self, meta: Any, children: list[Any]) -> S.Node:
        target, iterable, body, orelse = children
        if orelse is not None:
            raise CompileError("`for … else` is not supported", self._loc(meta), "loops always run all their iterations")
        return S.For(self._loc(meta), target, iterable, body)

    # ---- expressions ---------------------------------------------------------------------------
    def _chain(self, meta: Any, children: list[Any], default_op: str | None = None) -> S.Node:
        left = children[0]
        i = 1
        while i < len(children):
            if default_op is None:
                op, right = str(children[i]), children[i + 1]
                i += 2
            else:
                op, right = default_op, children[i]
                i += 1
            left = S.BinOp(left.loc, op, left, right)
        return left

    @v_args(meta=True)
    def or_test(self, meta: Any, children: list[Any]) -> S.Node:
        return S.BoolOp(self._loc(meta), "or", children)

    @v_args(meta=True)
    def and_test(self, meta: Any, children: list[Any]) -> S.Node:
        return S.BoolOp(self._loc(meta), "and", children)

    @v_args(meta=True)
    def not_(self, meta: Any, children: list[Any]) -> S.Node:
        return S.UnaryOp(self._loc(meta), "not", children[0])

    @v_args(meta=True)
    def comparison(self, meta: Any, children: list[Any]) -> S.Node:
        ops = [" ".join(str(t).split()) for t in children[1::2]]
        for op, tok in zip(ops, children[1::2]):
            if op in ("in", "not in", "is", "is not"):
                raise CompileError(f"`{op}` is not supported", self.loc_at(tok.line, tok.column), "compare values with == != < <= > >=")
        return S.Compare(self._loc(meta), children[0], ops, children[2::2])

    @v_args(meta=True)
    def expr(self, meta: Any, children: list[Any]) -> S.Node:
        return self._chain(meta, children, "|")

    @v_args(meta=True)
    def xor_expr(self, meta: Any, children: list[Any]) -> S.Node:
        return self._chain(meta, children, "^")

    @v_args(meta=True)
    def and_expr(self, meta: Any, children: list[Any]) -> S.Node:
        return self._chain(meta, children, "&")

    @v_args(meta=True)
    def shift_expr(self, meta: Any, children: list[Any]) -> S.Node:
        return self._chain(meta, children)

    arith_expr = shift_expr
    term = shift_expr

    @v_args(meta=True)
    def power(self, meta: Any, children: list[Any]) -> S.Node:
        return S.BinOp(self._loc(meta), "**", children[0], children[2])

    @v_args(meta=True)
    def unary(self, meta: Any, children: list[Any]) -> S.Node:
        return S.UnaryOp(self._loc(meta), str(children[0]), children[1])

    @v_args(meta=True)
    def ifexp(self, meta: Any, children: list[Any]) -> S.Node:
        body, test, orelse = children
        return S.IfExp(self._loc(meta), test, body, orelse)

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> S.Node:
        func, args = children
        positional: list[S.Node] = []
        keywords: list[tuple[str, S.Node]] = []
        for a in (args.children if args is not None else []):
            if isinstance(a, tuple):
                keywords.append(a)
            elif keywords:
                raise CompileError("a positional argument follows a keyword argument", a.loc)
            else:
                positional.append(a)
        return S.Call(self._loc(meta), func, positional, keywords)

    def kwarg(self, children: list[Any]) -> tuple[str, S.Node]:
        return (str(children[0]), children[1])

    @v_args(meta=True)
    def getitem(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Subscript(self._loc(meta), children[0], children[1])

    def subscript(self, children: list[Any]) -> list[S.Node]:
        return [c for c in children if c is not None]

    @v_args(meta=True)
    def getattr(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Attribute(self._loc(meta), children[0], str(children[1]))

    @v_args(meta=True)
    def tuple(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Tuple(self._loc(meta), [c for c in children if c is not None])

    @v_args(meta=True)
    def empty_tuple(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Tuple(self._loc(meta), [])

    @v_args(meta=True)
    def list(self, meta: Any, children: list[Any]) -> S.Node:
        return S.List(self._loc(meta), [c for c in children if c is not None])

    @v_args(meta=True)
    def listcomp(self, meta: Any, children: list[Any]) -> S.Node:
        elt, comp = children
        target, iterable, *ifs = comp.children
        if ifs:
            raise CompileError("`if` inside a list comprehension is not supported", self._loc(meta),
                               "arrays have a fixed size; compute each element with a conditional expression")
        return S.ListComp(self._loc(meta), elt, target, iterable)

    @v_args(meta=True)
    def var(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Name(self._loc(meta), str(children[0]))

    @v_args(meta=True)
    def number(self, meta: Any, children: list[Any]) -> S.Node:
        text = str(children[0]).replace("_", "")
        try:
            value = int(text, 0)
        except ValueError:
            raise CompileError(f"the number {text} is not an integer; circuits compute on integers", self._loc(meta),
                               "quantize with stdlib_ml.fixed (e.g. `fixed.quantize(x, scale)`) outside the function") from None
        return S.Constant(self._loc(meta), value)

    @v_args(meta=True)
    def string(self, meta: Any, children: list[Any]) -> S.Node:
        import ast as pyast

        for c in children:
            prefix = str(c)[: len(str(c)) - len(str(c).lstrip("ubfrUBFR"))]
            if "f" in prefix.lower() or "b" in prefix.lower():
                kind = "f-strings" if "f" in prefix.lower() else "bytes literals"
                raise CompileError(f"{kind} are not supported in a pyleo function", self.loc_at(c.line, c.column),
                                   "write a plain string literal, e.g. `assert x > 0, \"x must be positive\"`")
        return S.Constant(self._loc(meta), "".join(pyast.literal_eval(str(c)) for c in children))

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Constant(self._loc(meta), True)

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> S.Node:
        return S.Constant(self._loc(meta), False)

    @v_args(meta=True)
    def none(self, meta: Any, children: list[Any]) -> S.Node:
        raise CompileError("`None` is not supported", self._loc(meta), "every variable holds a value of a pyleo type")


def parse_source(source: str, file: str = "<string>", line_offset: int = 0) -> S.FunctionDef:
    """Parse the source of one (decorated) function definition.

    ``line_offset`` is added to line numbers so that errors point into the user's real file.
    Indented sources (methods, functions inside ``if``) are dedented first.
    """
    dedented = textwrap.dedent(source)
    col_offset = _indent_width(source) - _indent_width(dedented)
    lines = dedented.splitlines()
    builder = _Builder(file, lines, line_offset, col_offset)
    text = dedented if dedented.endswith("\n") else dedented + "\n"
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        line, col = getattr(e, "line", 1), getattr(e, "column", 1)
        token = getattr(e, "token", None)
        what = f"unexpected {str(token)!r}" if token is not None and str(token).strip() else "unexpected input"
        if token is not None and token.type == "$END":
            what = "unexpected end of the function"
        raise CompileError(f"syntax not supported by pyleo: {what}", builder.loc_at(max(line, 1), max(col, 1)),
                           "pyleo compiles a subset of Python: typed assignments, for-range loops, if/else, "
                           "return, assert, arithmetic, comparisons, calls of @pl.inline helpers") from None
    deep = _deeper_than(tree, MAX_EXPRESSION_DEPTH + 20, lambda t: t.children if isinstance(t, Tree) else [])
    if deep is not None:
        raise _too_deep(builder.loc_at(getattr(deep.meta, "line", 1), getattr(deep.meta, "column", 1)))
    try:
        fn = builder.transform(tree)
    except VisitError as e:
        raise e.orig_exc from None
    deep = _deeper_than(fn, MAX_EXPRESSION_DEPTH + 2, lambda n: [
        c for v in vars(n).values() for c in (v if isinstance(v, list) else [v]) if isinstance(c, S.Node)])
    if deep is not None:
        raise _too_deep(deep.loc)
    return fn


def _deeper_than(root: Any, limit: int, children: Callable[[Any], list[Any]]) -> Any | None:
    """The first node found nested more than ``limit`` levels below ``root`` (walked without recursion)."""
    todo = [(root, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > limit:
            return node
        todo.extend((c, depth + 1) for c in children(node))
    return None


def _too_deep(loc: Location) -> CompileError:
    return CompileError(f"this expression nests more than {MAX_EXPRESSION_DEPTH:,} operations deep", loc,
                        "split it over several statements, e.g. `acc = a + b` then `acc = acc + c`")


def _indent_width(text: str) -> int:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return len(first) - len(first.lstrip())


def parse_function(fn: Callable[..., Any]) -> S.FunctionDef:
    """Parse a Python function object from its source (``inspect.getsource``)."""
    try:
        lines, start = inspect.getsourcelines(fn)
        file = inspect.getsourcefile(fn) or "<unknown>"
    except (OSError, TypeError) as e:
        raise CompileError(f"cannot read the source of {fn.__qualname__}: {e}", None,
                           "define pyleo functions in a .py file (not in an interactive prompt)") from None
    # The later stages walk expressions recursively (a few frames per level, below ~4 per level measured):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5 * MAX_EXPRESSION_DEPTH + 2000))
    return parse_source("".join(lines), file, start - 1)
