"""Name resolution and type checking: syntax tree → typed IR.

Python values reachable from a function (its globals and closure: ints, bools, lists, tuples, numpy
integer arrays, other pyleo functions, struct classes, the ``pl`` module) are compile-time
constants. Integer constants take their type from context (``acc: pl.I64 = 0``, ``x + 1``).
``@pl.inline`` helpers are specialized per binding of their generic sizes (``pl.Array[T, "N"]``).
"""

from __future__ import annotations

import builtins
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import ir
from . import syntax as S
from .errors import CompileError, InputError, LimitError, Location
from .limits import (
    MAX_ARRAY_LENGTH,
    MAX_EXPRESSION_DEPTH,
    MAX_INSTRUCTIONS,
    MAX_UNROLLED_OPERATIONS,
    unrolled_operations,
)
from .names import ITEM_RESERVED, MEMBER_RESERVED, is_legal
from .parse import parse_function
from .types import (
    U32,
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    Struct,
    StructType,
    TupleType,
    Type,
    Visible,
    as_type,
)

_BINOPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem", "&": "and", "|": "or", "^": "xor",
           "<<": "shl", ">>": "shr"}
_CMPOPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


# ---- compile-time values -----------------------------------------------------------------------
@dataclass
class Py:
    """A Python value known at compile time (not yet typed)."""

    value: Any


@dataclass
class Untyped:
    """A constant array indexed by run-time (loop) indices; typed when it meets a typed operand."""

    value: Any
    indices: list[ir.Expr]
    loc: Location

    def build(self, t: Type) -> ir.Expr:
        shape = np.shape(np.asarray(self.value, dtype=object))
        full = t
        for n in reversed(shape[: len(self.indices)]):
            full = ArrayType(full, int(n))
        expr: ir.Expr = ir.Const(full, self.loc, typed_const(self.value, full, self.loc))
        for idx in self.indices:
            assert isinstance(expr.type, ArrayType)
            expr = ir.Index(expr.type.elem, self.loc, expr, idx)
        return expr


Value = ir.Expr | Py | Untyped


def typed_const(value: Any, t: Type, loc: Location | None) -> Any:
    """Check a Python constant against type ``t`` at compile time and return its canonical value."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            raise CompileError("float constants cannot be used in a circuit", loc,
                               "quantize them first, e.g. `stdlib_ml.fixed.quantize(W, scale)`")
        value = value.tolist()
    if isinstance(value, (np.integer, np.bool_)):
        value = value.item()
    if isinstance(t, BoolType):
        if isinstance(value, bool):
            return value
    elif isinstance(t, IntType):
        if isinstance(value, int) and not isinstance(value, bool):
            if not t.min <= value <= t.max:
                raise CompileError(f"the constant {value} does not fit {t.aleo()} (range {t.min}..{t.max})", loc,
                                   "use a wider integer type")
            return value
    elif isinstance(t, (FieldType, ScalarType)):
        if isinstance(value, int) and not isinstance(value, bool):
            from .semantics import rt_modulus

            return value % rt_modulus(t)
    elif isinstance(t, ArrayType):
        if isinstance(value, (list, tuple)):
            if len(value) != t.size:
                raise CompileError(f"the constant has {len(value)} elements where {t.leo()} needs {t.size}", loc)
            return [typed_const(v, t.elem, loc) for v in value]
    elif isinstance(t, StructType):
        if isinstance(value, Struct):
            value = value.__dict__
        if isinstance(value, dict):
            return {n: typed_const(value[n], ft, loc) for n, ft in t.fields}
    if isinstance(value, float):
        raise CompileError(f"the float constant {value} cannot be used in a circuit", loc,
                           "quantize it first (stdlib_ml.fixed.quantize) or write an integer")
    raise CompileError(f"the constant {short_repr(value)} is not a value of type {t.leo()}", loc)


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def is_static(e: ir.Expr, loop_vars: set[str]) -> bool:
    """True when ``e`` depends only on constants and loop variables (known once loops unroll)."""
    if isinstance(e, ir.Const):
        return True
    if isinstance(e, ir.Var):
        return e.name in loop_vars
    if isinstance(e, ir.Binary):
        return is_static(e.left, loop_vars) and is_static(e.right, loop_vars)
    if isinstance(e, (ir.Unary, ir.Cast)):
        return is_static(e.operand, loop_vars)
    if isinstance(e, ir.Index):
        return is_static(e.array, loop_vars) and is_static(e.index, loop_vars)
    return False


# ---- DSL functions -----------------------------------------------------------------------------
class DslFunction:
    """A Python function decorated with ``@pl.function`` (entry point) or ``@pl.inline`` (helper).

    Calling it runs the reference interpreter on the arguments.
    """

    def __init__(self, fn: Callable[..., Any], entry: bool) -> None:
        if not inspect.isfunction(fn):
            raise CompileError(f"@pl.{'function' if entry else 'inline'} decorates a Python function (def), "
                               f"not {short_repr(fn)}")
        self.fn = fn
        self.entry = entry
        self.name = fn.__name__
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self.__wrapped__ = fn
        self._syntax: S.FunctionDef | None = None
        self._compiled: dict[tuple[tuple[str, int], ...], ir.Function] = {}   # by the generic sizes bound

    @property
    def syntax(self) -> S.FunctionDef:
        if self._syntax is None:
            self._syntax = parse_function(self.fn)
        return self._syntax

    def compile(self) -> tuple[ir.Function, list[ir.Function], list[StructType]]:
        """Type-check as an entry point: the IR function, the helpers it uses, the structs it uses."""
        ctx = Context()
        fn = ctx.check_function(self, {}, entry=True)
        return fn, ctx.helper_list, list(ctx.structs.values())

    def __call__(self, *args: Any) -> Any:
        """Run the reference interpreter on ``args`` (Python / numpy values, as :meth:`Program.run` takes).

        A helper with generic sizes (``pl.Array[pl.Field, "N"]``) is specialized to the sizes of the
        arguments, as a call inside a pyleo function would be. Raises InputError for arguments that do
        not fit, CompileError when the function does not compile, ExecutionError when it halts.
        """
        from .interp import run_function

        sizes = {} if self.entry else self.sizes_of(args)
        key = tuple(sorted(sizes.items()))
        if key not in self._compiled:
            self._compiled[key] = Context().check_function(self, sizes, entry=self.entry)
        return run_function(self._compiled[key], list(args))

    def sizes_of(self, args: tuple[Any, ...]) -> dict[str, int]:
        """The generic sizes (``"N"`` → 3) that ``args`` bind, from the lengths of (nested) lists and arrays."""
        params = self.syntax.params
        if len(args) != len(params):
            raise InputError(f"`{self.name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                             f"got {len(args)}")
        checker = FunctionChecker(Context(), self, {}, entry=False)
        sizes: dict[str, int] = {}
        for p, a in zip(params, args):
            if p.annotation is None:
                continue
            obj = checker.annotation(p.annotation)
            shape: list[int] = []
            while isinstance(a, (list, tuple, np.ndarray)):
                shape.append(len(a))
                if not len(a):
                    break
                a = a[0]
            try:
                bind_sizes(as_type(obj.type if isinstance(obj, Visible) else obj), shape, sizes, p, self.name)
            except CompileError as e:
                raise InputError(f"argument `{p.name}`: {e.message}") from None
        return sizes

    def __repr__(self) -> str:
        return f"<pyleo {'function' if self.entry else 'inline'} {self.name}>"


@dataclass
class Builtin:
    """A DSL builtin callable (``pl.poseidon2``, ``pl.commit``, ``pl.cast_lossy``)."""

    name: str
    doc: str

    def __call__(self, *args: Any) -> Any:
        raise TypeError(f"pl.{self.name} can only be called inside a pyleo function")


# ---- checking ----------------------------------------------------------------------------------
@dataclass
class Scope:
    names: dict[str, Any] = field(default_factory=dict)  # name → ir.Var type info or Py
    parent: "Scope | None" = None

    def lookup(self, name: str) -> Any:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None


@dataclass
class Local:
    name: str
    type: Type
    loop: bool = False


class Context:
    """State shared while checking one entry point: helper specializations and structs."""

    def __init__(self) -> None:
        self.helpers: dict[tuple[int, tuple[tuple[str, int], ...]], ir.Function] = {}
        self.helper_list: list[ir.Function] = []
        self.structs: dict[str, StructType] = {}
        self.stack: list[str] = []
        self.operations: dict[int, int] = {}   # unrolled operations of each helper, by id of its ir.Function

    def note_type(self, t: Type) -> None:
        if isinstance(t, StructType):
            check_name(t.name, ITEM_RESERVED, "struct name")
            for fname, ft in t.fields:
                check_name(fname, MEMBER_RESERVED, f"field of struct {t.name}")
                self.note_type(ft)
            other = self.structs.get(t.name)
            if other is not None and other != t:
                raise CompileError(f"two different structs are named {t.name}")
            self.structs[t.name] = t
        elif isinstance(t, ArrayType):
            self.note_type(t.elem)
        elif isinstance(t, TupleType):
            for it in t.items:
                self.note_type(it)

    def check_function(self, dfn: DslFunction, sizes: dict[str, int], entry: bool) -> ir.Function:
        return FunctionChecker(self, dfn, sizes, entry).check()

    def specialize(self, dfn: DslFunction, sizes: dict[str, int], loc: Location) -> ir.Function:
        key = (id(dfn), tuple(sorted(sizes.items())))
        if key in self.helpers:
            return self.helpers[key]
        if dfn.name in self.stack:
            raise CompileError(f"`{dfn.name}` calls itself; recursion is not supported", loc,
                               "circuits are unrolled: write the computation with a bounded for loop")
        self.stack.append(dfn.name)
        try:
            fn = self.check_function(dfn, sizes, entry=False)
        finally:
            self.stack.pop()
        suffix = "_".join(f"{k}{v}" for k, v in sorted(sizes.items()))
        base = f"{dfn.name}_{suffix}" if suffix else dfn.name
        name, n = base, 1
        while any(h.name == name for h in self.helper_list):
            n += 1
            name = f"{base}_{n}"
        fn.name = name
        self.helpers[key] = fn
        self.helper_list.append(fn)
        return fn


class FunctionChecker:
    """Checks one function body (an entry point or one specialization of a helper)."""

    def __init__(self, ctx: Context, dfn: DslFunction, sizes: dict[str, int], entry: bool) -> None:
        self.ctx, self.dfn, self.sizes, self.entry = ctx, dfn, sizes, entry
        self.syntax = dfn.syntax
        closure = inspect.getclosurevars(dfn.fn)
        self.globals: dict[str, Any] = {**dfn.fn.__globals__, **closure.nonlocals}
        self.scope = Scope({k: Py(v) for k, v in sizes.items()})
        self.loop_vars: set[str] = set()
        self.loop_ranges: dict[str, range] = {}   # the values of each loop variable (of the loop being checked)
        self.locals: dict[str, Type] = {}
        self.returns: list[Type] = []
        self.returns_public: list[bool] = []
        self.returns_tuple = False
        # Parameter and return annotations Python evaluated (no ``from __future__ import annotations``):
        # taken as they are, here and where the helper is called, so they may use the enclosing
        # function's names (a factory's type parameter) that the body does not mention.
        self.evaluated: dict[int, Any] = {}
        given = getattr(dfn.fn, "__annotations__", {})
        nodes = {p.name: p.annotation for p in self.syntax.params} | {"return": self.syntax.returns}
        for name, node in nodes.items():
            obj = given.get(name)
            if node is not None and obj is not None and not isinstance(obj, str):
                self.evaluated[id(node)] = tuple(typing.get_args(obj)) if typing.get_origin(obj) is tuple else obj

    # ---- errors --------------------------------------------------------------------------------
    @staticmethod
    def error(msg: str, node: S.Node | None, hint: str | None = None) -> CompileError:
        return CompileError(msg, node.loc if node is not None else None, hint)

    # ---- signature -----------------------------------------------------------------------------
    def annotation(self, node: S.Node) -> Any:
        """Evaluate an annotation expression to a Python object (``pl.Array[pl.I64, 4]``).

        Parameter and return annotations that Python already evaluated (``fn.__annotations__``) are
        taken from there, so they may use names only the enclosing function knows.
        """
        if id(node) in self.evaluated:
            return self.evaluated[id(node)]
        if isinstance(node, S.Name):
            got = self.scope.lookup(node.id)
            if isinstance(got, Py):
                return got.value
            if node.id in self.globals:
                return self.globals[node.id]
            if hasattr(builtins, node.id):
                return getattr(builtins, node.id)
            raise self.error(f"unknown type name `{node.id}`", node)
        if isinstance(node, S.Attribute):
            base = self.annotation(node.value)
            if not hasattr(base, node.attr):
                raise self.error(f"`{node.attr}` is not defined in {short_repr(base)}", node)
            return getattr(base, node.attr)
        if isinstance(node, S.Subscript):
            base = self.annotation(node.value)
            idx = [self.annotation(i) for i in node.index]
            try:
                return base[idx[0] if len(idx) == 1 else tuple(idx)]
            except TypeError as e:
                raise self.error(f"invalid type: {e}", node) from None
        if isinstance(node, S.Constant):
            return node.value
        if isinstance(node, S.Tuple):
            return tuple(self.annotation(e) for e in node.elts)
        raise self.error("this is not a type", node, "write a pyleo type such as pl.I64 or pl.Array[pl.I64, 4]")

    def resolve_type(self, node: S.Node, allow_visibility: bool = False) -> tuple[Type, bool]:
        obj = self.annotation(node)
        public = False
        if isinstance(obj, Visible):
            if not allow_visibility:
                raise self.error("pl.Public / pl.Private apply to parameters and results only", node)
            obj, public = obj.type, obj.public
        try:
            t = as_type(obj)
        except TypeError:
            raise self.error(f"{short_repr(obj)} is not a pyleo type", node,
                             "use pl.Field, pl.Bool, pl.U8…pl.U128, pl.I8…pl.I128, pl.Array[T, N] or a pl.Struct class") from None
        return self.substitute(t, node), public

    def substitute(self, t: Type, node: S.Node) -> Type:
        if isinstance(t, ArrayType):
            size = t.size
            if isinstance(size, str):
                if size not in self.sizes:
                    raise self.error(f"the array size `{size}` is not bound here", node,
                                     "generic sizes are for @pl.inline helper parameters")
                size = self.sizes[size]
            if isinstance(size, (np.integer,)):
                size = int(size)
            if not isinstance(size, int) or size <= 0:
                raise self.error(f"array size must be a positive integer, got {size!r}", node)
            return ArrayType(self.substitute(t.elem, node), size)
        self.ctx.note_type(t)
        return t

    def check(self) -> ir.Function:
        syn = self.syntax
        if self.entry:
            check_name(syn.name, ITEM_RESERVED, "entry point name", syn.loc)
        params: list[ir.Param] = []
        for p in syn.params:
            if p.annotation is None:
                raise self.error(f"parameter `{p.name}` needs a type annotation", p, f"write `{p.name}: pl.I64` (or another pyleo type)")
            t, public = self.resolve_type(p.annotation, allow_visibility=True)
            if public and not self.entry:
                raise self.error("pl.Public applies to entry points (@pl.function) only", p.annotation)
            self.declare(p.name, t, p)
            params.append(ir.Param(p.name, t, public))
        if syn.returns is not None:
            rnode = syn.returns
            items = rnode.elts if isinstance(rnode, S.Tuple) else None
            obj = None if items is not None else self.annotation(rnode)
            if isinstance(obj, tuple):
                items = None
                typed = [self._vis_type(o, rnode) for o in obj]
                self.returns_tuple = True
            elif items is not None:
                typed = [self.resolve_type(e, allow_visibility=True) for e in items]
                self.returns_tuple = True
            elif isinstance(rnode, S.Subscript) and isinstance(rnode.value, S.Name) and rnode.value.id == "tuple":
                typed = [self.resolve_type(e, allow_visibility=True) for e in rnode.index]
                self.returns_tuple = True
            else:
                typed = [self.resolve_type(rnode, allow_visibility=True)]
            self.returns = [t for t, _ in typed]
            self.returns_public = [p for _, p in typed]
            if not self.entry and any(self.returns_public):
                raise self.error("pl.Public applies to entry points (@pl.function) only", rnode)
        body = self.block(syn.body, new_scope=False)
        self.check_unrolled(unrolled_operations(body, self.ctx.operations), syn)
        if self.returns and not always_returns(body):
            last = syn.body[-1] if syn.body else syn
            raise self.error(f"`{syn.name}` does not return a value on every path", last,
                             "end the function with `return …` (or return in both branches of the last if/else)")
        return ir.Function(syn.name, params, self.returns, self.returns_public, body, self.entry, syn.loc,
                           self.returns_tuple, dict(self.locals))

    def _vis_type(self, obj: Any, node: S.Node) -> tuple[Type, bool]:
        if isinstance(obj, Visible):
            return self.substitute(obj.type, node), obj.public
        return self.substitute(as_type(obj), node), False

    # ---- statements ----------------------------------------------------------------------------
    def declare(self, name: str, t: Type, node: S.Node, loop: bool = False) -> str:
        if name in self.locals and self.locals[name] != t:
            raise self.error(f"`{name}` is already a variable of type {self.locals[name].leo()} in this function", node,
                             "use a new name for a value of another type")
        self.locals[name] = t
        self.scope.names[name] = Local(name, t, loop)
        return name

    def block(self, stmts: list[S.Node], new_scope: bool = True) -> list[ir.Stmt]:
        if new_scope:
            self.scope = Scope(parent=self.scope)
        out: list[ir.Stmt] = []
        try:
            for i, st in enumerate(stmts):
                if out and always_returns(out):
                    raise self.error("unreachable code after `return`", st, "remove it, or put it before the return")
                out.extend(self.stmt(st, docstring_ok=(i == 0)))
        finally:
            if new_scope:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
        return out

    def stmt(self, st: S.Node, docstring_ok: bool = False) -> list[ir.Stmt]:
        method = getattr(self, f"stmt_{type(st).__name__}", None)
        if method is None:
            raise self.error("this statement is not supported in a pyleo function", st)
        return method(st, docstring_ok) if isinstance(st, S.ExprStmt) else method(st)

    def stmt_FunctionDef(self, st: S.FunctionDef) -> list[ir.Stmt]:
        raise self.error("functions inside a pyleo function are not supported", st,
                         "define a module-level `@pl.inline` helper and call it")

    def check_unrolled(self, n: int, node: S.Node, what: str = "") -> None:
        """Raise LimitError at ``node`` when ``n`` unrolled operations exceed MAX_UNROLLED_OPERATIONS."""
        if n > MAX_UNROLLED_OPERATIONS:
            raise LimitError(f"{what or f'`{self.syntax.name}`'} unrolls to at least {n:,} operations; pyleo stops at "
                             f"{MAX_UNROLLED_OPERATIONS:,} per function (snarkVM runs at most {MAX_INSTRUCTIONS:,} "
                             "instructions per function)", node.loc,
                             "use smaller loop bounds, or split the model across several functions")

    def stmt_Pass(self, st: S.Pass) -> list[ir.Stmt]:
        return []

    def stmt_ExprStmt(self, st: S.ExprStmt, docstring_ok: bool) -> list[ir.Stmt]:
        if isinstance(st.value, S.Constant) and isinstance(st.value.value, str):
            return []
        raise self.error("an expression whose value is not used", st,
                         "assign it to a variable or return it; helpers are pure functions")

    def stmt_AnnAssign(self, st: S.AnnAssign) -> list[ir.Stmt]:
        if not isinstance(st.target, S.Name):
            raise self.error("only a plain variable name can be annotated", st.target)
        t, _ = self.resolve_type(st.annotation)
        if st.value is None:
            raise self.error(f"`{st.target.id}` needs an initial value", st, f"write `{st.target.id}: {t.leo()} = …`")
        value = self.coerce(self.expr(st.value, t), t, st.value)
        existing = self.scope.lookup(st.target.id)
        if isinstance(existing, Local) and not existing.loop:
            if existing.type != t:
                raise self.error(f"`{st.target.id}` was declared as {existing.type.leo()}", st)
            return [ir.Assign(st.loc, st.target.id, [], value)]
        name = self.declare(st.target.id, t, st.target)
        return [ir.Let(st.loc, name, t, value)]

    def stmt_Assign(self, st: S.Assign) -> list[ir.Stmt]:
        if isinstance(st.target, S.Tuple):
            return self.unpack(st)
        if isinstance(st.target, S.Name):
            existing = self.scope.lookup(st.target.id)
            if existing is None and st.target.id not in self.globals:
                raw = self.expr(st.value)
                if isinstance(raw, Py):
                    self.scope.names[st.target.id] = raw
                    return []
                if isinstance(raw, Untyped):
                    raise self.error(f"cannot infer the type of `{st.target.id}`", st,
                                     f"annotate it: `{st.target.id}: pl.I64 = …`")
                name = self.declare(st.target.id, raw.type, st.target)
                return [ir.Let(st.loc, name, raw.type, raw)]
        name, path, t = self.lvalue(st.target)
        value = self.coerce(self.expr(st.value, t), t, st.value)
        return [ir.Assign(st.loc, name, path, value)]

    def unpack(self, st: S.Assign) -> list[ir.Stmt]:
        assert isinstance(st.target, S.Tuple)
        value = self.expr(st.value)
        if not isinstance(value, ir.Expr) or not isinstance(value.type, TupleType):
            raise self.error("only a tuple result (of a helper returning several values) can be unpacked", st.value)
        if len(value.type.items) != len(st.target.elts):
            raise self.error(f"{len(value.type.items)} values cannot be unpacked into {len(st.target.elts)} names", st)
        tmp = f"tuple_{st.loc.line}_{st.loc.col}"
        out: list[ir.Stmt] = [ir.Let(st.loc, tmp, value.type, value)]
        self.locals[tmp] = value.type
        for i, (tgt, t) in enumerate(zip(st.target.elts, value.type.items)):
            part = ir.Member(t, st.loc, ir.Var(value.type, st.loc, tmp), str(i))
            if isinstance(tgt, S.Name) and self.scope.lookup(tgt.id) is None:
                out.append(ir.Let(st.loc, self.declare(tgt.id, t, tgt), t, part))
            else:
                name, path, lt = self.lvalue(tgt)
                out.append(ir.Assign(st.loc, name, path, self.coerce(part, lt, tgt)))
        return out

    def lvalue(self, node: S.Node) -> tuple[str, list[ir.Expr | str], Type]:
        if isinstance(node, S.Name):
            got = self.scope.lookup(node.id)
            if isinstance(got, Local):
                if got.loop:
                    raise self.error(f"the loop variable `{node.id}` cannot be assigned", node)
                return got.name, [], got.type
            if isinstance(got, Py) or node.id in self.globals:
                raise self.error(f"`{node.id}` is a compile-time constant and cannot be assigned", node,
                                 f"copy it into a typed variable: `{node.id.lower()}: pl.I64 = …`")
            raise self.error(f"`{node.id}` is not defined", node)
        if isinstance(node, S.Subscript):
            name, path, t = self.lvalue(node.value)
            for idx_node in node.index:
                if not isinstance(t, ArrayType):
                    raise self.error(f"a value of type {t.leo()} cannot be indexed", node)
                path.append(self.index_expr(idx_node, t))
                t = t.elem
            return name, path, t
        if isinstance(node, S.Attribute):
            name, path, t = self.lvalue(node.value)
            if not isinstance(t, StructType) or t.field_type(node.attr) is None:
                raise self.error(f"{t.leo()} has no field `{node.attr}`", node)
            path.append(node.attr)
            return name, path, t.field_type(node.attr)  # type: ignore[return-value]
        raise self.error("cannot assign to this expression", node, "assign to a variable, an array element or a struct field")

    def stmt_AugAssign(self, st: S.AugAssign) -> list[ir.Stmt]:
        name, path, t = self.lvalue(st.target)
        value = self.binop(st.op, st.target, st.value, st)
        return [ir.Assign(st.loc, name, path, self.coerce(value, t, st))]

    def stmt_Return(self, st: S.Return) -> list[ir.Stmt]:
        if st.value is None:
            if self.returns:
                raise self.error("missing return value", st)
            return [ir.Return(st.loc, None)]
        if not self.returns:
            raise self.error(f"`{self.syntax.name}` returns a value but declares no return type", st,
                             "annotate the result: `def f(...) -> pl.I64:`")
        if self.returns_tuple:
            elts = st.value.elts if isinstance(st.value, S.Tuple) else None
            if elts is None or len(elts) != len(self.returns):
                raise self.error(f"return {len(self.returns)} values, as the signature declares", st)
            items = [self.coerce(self.expr(e, t), t, e) for e, t in zip(elts, self.returns)]
            return [ir.Return(st.loc, ir.TupleLit(TupleType(tuple(self.returns)), st.loc, items))]
        t = self.returns[0]
        return [ir.Return(st.loc, self.coerce(self.expr(st.value, t), t, st.value))]

    def stmt_Assert(self, st: S.Assert) -> list[ir.Stmt]:
        cond = self.coerce(self.expr(st.test, BoolType()), BoolType(), st.test)
        msg = ""
        if st.msg is not None:
            if not (isinstance(st.msg, S.Constant) and isinstance(st.msg.value, str)):
                raise self.error("an assert message must be a string literal", st.msg)
            msg = st.msg.value
        return [ir.Assert(st.loc, cond, msg)]

    def stmt_If(self, st: S.If) -> list[ir.Stmt]:
        cond = self.expr(st.test, BoolType())
        if isinstance(cond, Py):
            if not isinstance(cond.value, (bool, np.bool_)):
                raise self.error("an if condition must be a bool", st.test)
            return self.block(st.body if cond.value else st.orelse)
        cond = self.coerce(cond, BoolType(), st.test)
        then = self.block(st.body)
        orelse = self.block(st.orelse)
        return [ir.If(st.loc, cond, then, orelse, is_static(cond, self.loop_vars))]

    def range_args(self, node: S.Node) -> tuple[int, int, int]:
        if not (isinstance(node, S.Call) and isinstance(node.func, S.Name) and node.func.id == "range"):
            raise self.error("a for loop must iterate over `range(...)`", node, "write `for i in range(N)` with a constant N")
        vals = []
        for a in node.args:
            v = self.expr(a)
            if not isinstance(v, Py) or not isinstance(v.value, (int, np.integer)) or isinstance(v.value, bool):
                raise self.error("loop bounds must be known at compile time", a,
                                 "use integer constants, module-level constants or sizes of generic arrays")
            vals.append(int(v.value))
        if not 1 <= len(vals) <= 3 or node.keywords:
            raise self.error("range takes 1 to 3 integer arguments", node)
        start, stop, step = (0, vals[0], 1) if len(vals) == 1 else (vals[0], vals[1], vals[2] if len(vals) == 3 else 1)
        if step == 0:
            raise self.error("range step cannot be zero", node)
        values = range(start, stop, step)
        if values and min(values[0], values[-1]) < 0:
            raise self.error("loop variables are u32: the range must not take negative values", node)
        if values and max(values[0], values[-1]) > U32.max:
            raise self.error(f"loop variables are u32: the range must stay below 2**32, and it reaches "
                             f"{max(values[0], values[-1]):,}", node, "use smaller loop bounds")
        return start, stop, step

    def stmt_For(self, st: S.For) -> list[ir.Stmt]:
        if not isinstance(st.target, S.Name):
            raise self.error("the loop variable must be a single name", st.target)
        start, stop, step = self.range_args(st.iter)
        if bounds_use(st.body, st.target.id):
            return self.unrolled_for(st, st.target.id, range(start, stop, step))
        self.scope = Scope(parent=self.scope)
        try:
            var = self.declare(st.target.id, U32, st.target, loop=True)
            self.loop_vars.add(var)
            self.loop_ranges[var] = range(start, stop, step)
            body = self.block(st.body, new_scope=False)
        finally:
            assert self.scope.parent is not None
            self.scope = self.scope.parent
        if any(isinstance(s, ir.Return) for s in walk_stmts(body)):
            raise self.error("`return` inside a loop is not supported", st,
                             "keep a result variable and a flag, and return after the loop")
        loop = [ir.For(st.loc, var, start, stop, step, body)]
        self.check_unrolled(unrolled_operations(loop, self.ctx.operations), st, f"this loop ({len(range(start, stop, step)):,} iterations)")
        return loop

    def unrolled_for(self, st: S.For, name: str, values: range) -> list[ir.Stmt]:
        """A loop whose inner loops' bounds depend on its variable: unrolled here, one body per value."""
        out: list[ir.Stmt] = []
        operations = 0
        for v in values:
            self.scope = Scope({name: Py(v)}, self.scope)
            try:
                body = self.block(st.body, new_scope=False)
            finally:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
            out.extend(body)
            operations += max(1, unrolled_operations(body, self.ctx.operations))
            self.check_unrolled(operations, st, f"this loop ({len(values):,} iterations)")
        if any(isinstance(s, ir.Return) for s in walk_stmts(out)):
            raise self.error("`return` inside a loop is not supported", st,
                             "keep a result variable and a flag, and return after the loop")
        return out

    # ---- expressions ---------------------------------------------------------------------------
    def coerce(self, v: Value, t: Type, node: S.Node) -> ir.Expr:
        """Give an untyped constant the type ``t``, or check that a typed value has type ``t``."""
        if isinstance(v, Py):
            if isinstance(v.value, DslFunction) or callable(v.value) and not isinstance(v.value, (list, np.ndarray)):
                raise self.error(f"{short_repr(v.value)} is not a value", node)
            return ir.Const(t, node.loc, typed_const(v.value, t, node.loc))
        if isinstance(v, Untyped):
            return v.build(t)
        if isinstance(v, ir.Var) and v.type != t and isinstance(t, (IntType, FieldType)) and self.is_loop_var(v):
            return self.loop_var_as(v, t, node)
        if v.type != t:
            raise self.error(f"expected a value of type {t.leo()}, found {v.type.leo()}", node, cast_hint(v.type, t))
        return v

    def is_loop_var(self, v: ir.Var) -> bool:
        """Whether ``v`` is the variable of a loop being checked (not a later local of the same name)."""
        local = self.scope.lookup(v.name)
        return isinstance(local, Local) and local.loop and v.name in self.loop_ranges

    def loop_var_as(self, v: ir.Var, t: IntType | FieldType, node: S.Node) -> ir.Expr:
        """A loop variable takes its type from context, as a literal does: a cast that the range of the
        loop proves safe at compile time (a range that does not fit ``t`` is a compile error)."""
        values = self.loop_ranges[v.name]
        if isinstance(t, IntType) and len(values) and not t.min <= min(values[0], values[-1]) <= \
                max(values[0], values[-1]) <= t.max:
            raise self.error(f"the loop variable `{v.name}` takes values up to {max(values[0], values[-1])}, which do "
                             f"not all fit {t.aleo()} (range {t.min}..{t.max})", node, "use a wider integer type")
        return ir.Cast(t, node.loc, v, False)

    def typed(self, v: Value, node: S.Node) -> ir.Expr:
        if isinstance(v, ir.Expr):
            return v
        raise self.error("cannot infer the type of this constant", node,
                         "cast it, e.g. `pl.I64(5)`, or annotate the variable it is assigned to")

    def expr(self, node: S.Node, expected: Type | None = None) -> Value:
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise self.error("this expression is not supported in a pyleo function", node)
        return method(node, expected)

    def expr_Constant(self, node: S.Constant, expected: Type | None) -> Value:
        if isinstance(node.value, str):
            raise self.error("strings are not supported in circuits", node)
        return Py(node.value)

    def expr_Name(self, node: S.Name, expected: Type | None) -> Value:
        got = self.scope.lookup(node.id)
        if isinstance(got, Local):
            return ir.Var(got.type, node.loc, got.name)
        if isinstance(got, Py):
            return got
        if node.id in self.globals:
            return Py(self.globals[node.id])
        if hasattr(builtins, node.id):
            return Py(getattr(builtins, node.id))
        raise self.error(f"`{node.id}` is not defined", node, "define it before use, or as a module-level constant")

    def expr_Attribute(self, node: S.Attribute, expected: Type | None) -> Value:
        base = self.expr(node.value)
        if isinstance(base, Py):
            if not hasattr(base.value, node.attr):
                raise self.error(f"`{node.attr}` is not defined in {short_repr(base.value)}", node)
            return Py(getattr(base.value, node.attr))
        base = self.typed(base, node.value)
        if isinstance(base.type, StructType):
            ft = base.type.field_type(node.attr)
            if ft is None:
                raise self.error(f"struct {base.type.name} has no field `{node.attr}`", node,
                                 f"its fields are {', '.join(n for n, _ in base.type.fields)}")
            return ir.Member(ft, node.loc, base, node.attr)
        raise self.error(f"a value of type {base.type.leo()} has no attributes", node)

    def index_expr(self, node: S.Node, at: ArrayType) -> ir.Expr:
        idx = self.expr(node, U32)
        if isinstance(idx, Py):
            if not isinstance(idx.value, (int, np.integer)) or isinstance(idx.value, bool):
                raise self.error("an array index must be an integer", node)
            if not 0 <= int(idx.value) < int(at.size):
                raise self.error(f"index {idx.value} is out of range for {at.leo()}", node)
            return ir.Const(U32, node.loc, int(idx.value))
        if isinstance(idx, Untyped):
            idx = idx.build(U32)
        idx = self.typed(idx, node)
        if idx.type != U32:
            raise self.error(f"an array index must be u32, found {idx.type.leo()}", node, "convert it: `pl.U32(i)`")
        return idx

    def expr_Subscript(self, node: S.Subscript, expected: Type | None) -> Value:
        base = self.expr(node.value)
        for idx_node in node.index:
            if isinstance(base, Py):
                if isinstance(base.value, (list, tuple, np.ndarray)):
                    idx = self.expr(idx_node, U32)
                    n = len(base.value)
                    if isinstance(idx, Py):
                        if not isinstance(idx.value, (int, np.integer)) or not 0 <= int(idx.value) < n:
                            raise self.error(f"index {idx.value!r} is out of range for a constant of length {n}", idx_node)
                        base = Py(base.value[int(idx.value)])
                    else:
                        base = Untyped(base.value, [self.index_expr(idx_node, ArrayType(U32, n))], node.loc)
                    continue
                raise self.error(f"{short_repr(base.value)} cannot be indexed", node)
            if isinstance(base, Untyped):
                n = np.shape(np.asarray(base.value, dtype=object))[len(base.indices)]
                base = Untyped(base.value, base.indices + [self.index_expr(idx_node, ArrayType(U32, int(n)))], node.loc)
                continue
            if not isinstance(base.type, ArrayType):
                raise self.error(f"a value of type {base.type.leo()} cannot be indexed", node)
            idx = self.index_expr(idx_node, base.type)
            base = ir.Index(base.type.elem, node.loc, base, idx)
        return base

    def expr_Tuple(self, node: S.Tuple, expected: Type | None) -> Value:
        vals = [self.expr(e) for e in node.elts]
        if all(isinstance(v, Py) for v in vals):
            return Py(tuple(v.value for v in vals))  # type: ignore[union-attr]
        raise self.error("tuples are supported only as several return values", node)

    def expr_List(self, node: S.List, expected: Type | None) -> Value:
        elem_t = expected.elem if isinstance(expected, ArrayType) else None
        vals = [self.expr(e, elem_t) for e in node.elts]
        if all(isinstance(v, Py) for v in vals):
            return Py([v.value for v in vals])  # type: ignore[union-attr]
        if not vals:
            raise self.error("empty arrays are not supported", node)
        t = elem_t or next(v.type for v in vals if isinstance(v, ir.Expr))
        items = [self.coerce(v, t, e) for v, e in zip(vals, node.elts)]
        return ir.ArrayLit(ArrayType(t, len(items)), node.loc, items)

    def expr_ListComp(self, node: S.ListComp, expected: Type | None) -> Value:
        if not isinstance(node.target, S.Name):
            raise self.error("the comprehension variable must be a single name", node.target)
        start, stop, step = self.range_args(node.iter)
        if len(range(start, stop, step)) > MAX_ARRAY_LENGTH:
            raise LimitError(f"this list has {len(range(start, stop, step)):,} elements; snarkVM allows at most "
                             f"{MAX_ARRAY_LENGTH} per dimension", node.loc, "use a nested array (a matrix)")
        elem_t = expected.elem if isinstance(expected, ArrayType) else None
        vals: list[Value] = []
        for i in range(start, stop, step):
            self.scope = Scope({node.target.id: Py(i)}, self.scope)
            try:
                vals.append(self.expr(node.elt, elem_t))
            finally:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
        if not vals:
            raise self.error("empty arrays are not supported", node)
        if all(isinstance(v, Py) for v in vals):
            return Py([v.value for v in vals])  # type: ignore[union-attr]
        t = elem_t or next(v.type for v in vals if isinstance(v, ir.Expr))
        return ir.ArrayLit(ArrayType(t, len(vals)), node.loc, [self.coerce(v, t, node.elt) for v in vals])

    def unify(self, a: Value, b: Value, node: S.Node, na: S.Node, nb: S.Node) -> tuple[ir.Expr, ir.Expr]:
        if isinstance(a, ir.Expr):
            return a, self.coerce(b, a.type, nb)
        if isinstance(b, ir.Expr):
            return self.coerce(a, b.type, na), b
        raise self.error("cannot infer the type of this expression", node,
                         "cast one operand, e.g. `pl.I64(W[i])`, or annotate the variable")

    def expr_BinOp(self, node: S.BinOp, expected: Type | None) -> Value:
        return self.binop(node.op, node.left, node.right, node, expected)

    def binop(self, op: str, lnode: S.Node, rnode: S.Node, node: S.Node, expected: Type | None = None) -> Value:
        left = self.expr(lnode, expected)
        if op == "**":
            return self.power(left, rnode, node, expected)
        right = self.expr(rnode, expected if op not in ("<<", ">>") else None)
        if isinstance(left, Py) and isinstance(right, Py):
            return Py(fold(op, left.value, right.value, node))
        if op == "//":
            raise self.error("`//` floors in Python, but circuits divide rounding toward zero", node,
                             "write `/` (integer division truncating toward zero, as in Aleo)")
        if op == "@":
            raise self.error("`@` is not supported", node, "use stdlib_ml.linalg.matvec / matmul")
        if op in ("<<", ">>"):
            lt = self.coerce(left, expected, lnode) if not isinstance(left, ir.Expr) and expected else self.typed(left, lnode)
            if not isinstance(lt.type, IntType):
                raise self.error(f"shifts apply to integers, not {lt.type.leo()}", node)
            rt = self.coerce(right, U32, rnode) if not isinstance(right, ir.Expr) else right
            if not (isinstance(rt.type, IntType) and not rt.type.signed and rt.type.bits <= 32):
                raise self.error(f"a shift amount must be u8, u16 or u32, found {rt.type.leo()}", rnode)
            return ir.Binary(lt.type, node.loc, _BINOPS[op], lt, rt)
        if isinstance(left, Py) and isinstance(right, Untyped) and expected is not None:
            left = self.coerce(left, expected, lnode)
        l, r = self.unify(left, right, node, lnode, rnode)
        t = l.type
        irop = _BINOPS[op]
        if irop in ("add", "sub", "mul", "div"):
            if not isinstance(t, (IntType, FieldType)):
                raise self.error(f"`{op}` applies to integers and fields, not {t.leo()}", node)
        elif irop == "rem":
            if not isinstance(t, IntType):
                raise self.error(f"`%` applies to integers, not {t.leo()}", node)
        elif not isinstance(t, (IntType, BoolType)):
            raise self.error(f"`{op}` applies to integers and bools, not {t.leo()}", node)
        return ir.Binary(t, node.loc, irop, l, r)

    def power(self, base: Value, rnode: S.Node, node: S.Node, expected: Type | None) -> Value:
        exp = self.expr(rnode)
        if not isinstance(exp, Py) or not isinstance(exp.value, (int, np.integer)) or exp.value < 0:
            raise self.error("the exponent of `**` must be a non-negative integer constant", rnode)
        if isinstance(base, Py):
            return Py(fold("**", base.value, exp.value, node))
        b = self.coerce(base, expected, node) if isinstance(base, Untyped) and expected else self.typed(base, node)
        if not isinstance(b.type, (IntType, FieldType)):
            raise self.error(f"`**` applies to integers and fields, not {b.type.leo()}", node)
        if exp.value == 0:
            return ir.Const(b.type, node.loc, 1)
        if exp.value > MAX_EXPRESSION_DEPTH:
            raise LimitError(f"`**` unrolls to {int(exp.value) - 1:,} multiplications; pyleo allows expressions at "
                             f"most {MAX_EXPRESSION_DEPTH:,} operations deep", node.loc,
                             "square repeatedly in a loop of variables (x2 = x * x; x4 = x2 * x2; …)")
        out: ir.Expr = b
        for _ in range(int(exp.value) - 1):
            out = ir.Binary(b.type, node.loc, "mul", out, b)
        return out

    def expr_UnaryOp(self, node: S.UnaryOp, expected: Type | None) -> Value:
        v = self.expr(node.operand, expected)
        if isinstance(v, Py):
            return Py(fold_unary(node.op, v.value, node))
        if isinstance(v, Untyped):
            if expected is None:
                raise self.error("cannot infer the type of this expression", node, "cast it, e.g. `pl.I64(...)`")
            v = v.build(expected)
        t = v.type
        if node.op == "+":
            return v
        if node.op == "not":
            if not isinstance(t, BoolType):
                raise self.error(f"`not` applies to bools, not {t.leo()}", node, "compare explicitly, e.g. `x == 0`")
            return ir.Unary(t, node.loc, "not", v)
        if node.op == "~":
            if not isinstance(t, IntType):
                raise self.error(f"`~` applies to integers, not {t.leo()}", node)
            return ir.Unary(t, node.loc, "not", v)
        if isinstance(t, IntType) and not t.signed:
            raise self.error(f"cannot negate an unsigned {t.leo()}", node, "use a signed type (pl.I64) or subtract")
        if not isinstance(t, (IntType, FieldType)):
            raise self.error(f"`-` applies to signed integers and fields, not {t.leo()}", node)
        return ir.Unary(t, node.loc, "neg", v)

    def expr_BoolOp(self, node: S.BoolOp, expected: Type | None) -> Value:
        vals = [self.expr(v, BoolType()) for v in node.values]
        if all(isinstance(v, Py) for v in vals):
            acc = vals[0].value  # type: ignore[union-attr]
            for v in vals[1:]:
                acc = (acc and v.value) if node.op == "and" else (acc or v.value)  # type: ignore[union-attr]
            return Py(acc)
        typed = [self.coerce(v, BoolType(), n) for v, n in zip(vals, node.values)]
        out = typed[0]
        for v in typed[1:]:
            out = ir.Binary(BoolType(), node.loc, node.op, out, v)
        return out

    def expr_Compare(self, node: S.Compare, expected: Type | None) -> Value:
        parts: list[Value] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators):
            left = self.expr(left_node)
            right = self.expr(right_node)
            if isinstance(left, Py) and isinstance(right, Py):
                parts.append(Py(fold(op, left.value, right.value, node)))
            else:
                if not isinstance(left, ir.Expr) and not isinstance(right, ir.Expr):
                    left = self.coerce(left, const_type(left), left_node)  # constant tables compared to constants
                l, r = self.unify(left, right, node, left_node, right_node)
                if op not in ("==", "!=") and isinstance(l.type, (BoolType, ArrayType, StructType)):
                    raise self.error(f"`{op}` does not apply to {l.type.leo()}", node)
                parts.append(ir.Binary(BoolType(), node.loc, _CMPOPS[op], l, r))
            left_node = right_node
        if len(parts) == 1:
            return parts[0]
        typed = [self.coerce(p, BoolType(), node) for p in parts]
        out = typed[0]
        for p in typed[1:]:
            out = ir.Binary(BoolType(), node.loc, "and", out, p)
        return out

    def expr_IfExp(self, node: S.IfExp, expected: Type | None) -> Value:
        cond = self.expr(node.test, BoolType())
        if isinstance(cond, Py):
            return self.expr(node.body if cond.value else node.orelse, expected)
        cond = self.coerce(cond, BoolType(), node.test)
        a, b = self.expr(node.body, expected), self.expr(node.orelse, expected)
        if expected is not None and not isinstance(a, ir.Expr) and not isinstance(b, ir.Expr):
            a = self.coerce(a, expected, node.body)
        l, r = self.unify(a, b, node, node.body, node.orelse)
        return ir.Select(l.type, node.loc, cond, l, r)

    def expr_Call(self, node: S.Call, expected: Type | None) -> Value:
        fv = self.expr(node.func)
        if not isinstance(fv, Py):
            raise self.error("only functions can be called", node.func)
        f = fv.value
        if isinstance(f, DslFunction):
            return self.call_dsl(f, node)
        if isinstance(f, (IntType, FieldType, BoolType, ScalarType)):
            self.arity(node, 1)
            return self.cast(self.expr(node.args[0], f), f, node, lossy=False)
        if isinstance(f, type) and issubclass(f, Struct):
            return self.struct_lit(f.__pyleo_type__, node)
        if isinstance(f, Builtin):
            return getattr(self, f"builtin_{f.name}")(node)
        if f is len:
            self.arity(node, 1)
            v = self.expr(node.args[0])
            if isinstance(v, Py):
                return Py(len(v.value))
            v = self.typed(v, node.args[0])
            if not isinstance(v.type, ArrayType):
                raise self.error(f"len() applies to arrays, not {v.type.leo()}", node)
            return Py(v.type.size)
        if f is abs:
            self.arity(node, 1)
            v = self.expr(node.args[0], expected)
            if isinstance(v, Py):
                return Py(abs(v.value))
            v = self.coerce(v, expected, node) if isinstance(v, Untyped) and expected else self.typed(v, node)
            if not (isinstance(v.type, IntType) and v.type.signed):
                raise self.error(f"abs() applies to signed integers, not {v.type.leo()}", node)
            return ir.Unary(v.type, node.loc, "abs", v)
        if f in (min, max):
            self.arity(node, 2)
            a, b = self.expr(node.args[0], expected), self.expr(node.args[1], expected)
            if isinstance(a, Py) and isinstance(b, Py):
                return Py(f(a.value, b.value))
            l, r = self.unify(a, b, node, node.args[0], node.args[1])
            cmp = ir.Binary(BoolType(), node.loc, "lt" if f is min else "gt", l, r)
            return ir.Select(l.type, node.loc, cmp, l, r)
        if f is range:
            raise self.error("range() can only be used in a for loop or list comprehension", node)
        name = getattr(f, "__name__", short_repr(f))
        raise self.error(f"`{name}` cannot be called in a pyleo function", node,
                         "call @pl.inline helpers, casts like pl.I64(x), pl.poseidon2, pl.commit, len, abs, min, max")

    def arity(self, node: S.Call, n: int) -> None:
        if len(node.args) != n or node.keywords:
            raise self.error(f"expected {n} argument{'s' if n != 1 else ''}, got {len(node.args) + len(node.keywords)}", node)

    def cast(self, v: Value, t: Type, node: S.Node, lossy: bool) -> ir.Expr:
        if isinstance(v, Py):
            return ir.Const(t, node.loc, typed_const(v.value, t, node.loc))
        if isinstance(v, Untyped):
            return v.build(t)
        if v.type == t:
            return v
        scalar_like = (IntType, FieldType, BoolType)
        if not isinstance(v.type, scalar_like) or not isinstance(t, scalar_like):
            raise self.error(f"cannot cast {v.type.leo()} to {t.leo()}", node)
        return ir.Cast(t, node.loc, v, lossy)

    def builtin_cast_lossy(self, node: S.Call) -> Value:
        self.arity(node, 2)
        t = self.expr(node.args[1])
        if not isinstance(t, Py) or not isinstance(t.value, (IntType, FieldType, BoolType)):
            raise self.error("the second argument of pl.cast_lossy must be a type such as pl.U8", node.args[1])
        return self.cast(self.expr(node.args[0]), t.value, node, lossy=True)

    def builtin_poseidon2(self, node: S.Call) -> Value:
        self.arity(node, 1)
        v = self.typed(self.expr(node.args[0]), node.args[0])
        return ir.Hash(FieldType(), node.loc, v)

    def builtin_commit(self, node: S.Call) -> Value:
        self.arity(node, 2)
        v = self.typed(self.expr(node.args[0]), node.args[0])
        r = self.coerce(self.expr(node.args[1], ScalarType()), ScalarType(), node.args[1])
        return ir.Commit(FieldType(), node.loc, v, r)

    def struct_lit(self, t: StructType, node: S.Call) -> Value:
        self.ctx.note_type(t)
        names = [n for n, _ in t.fields]
        given: dict[str, S.Node] = dict(zip(names, node.args))
        if len(node.args) > len(names):
            raise self.error(f"{t.name} has {len(names)} fields, got {len(node.args)} values", node)
        for k, v in node.keywords:
            if k not in names:
                raise self.error(f"{t.name} has no field `{k}`", v, f"its fields are {', '.join(names)}")
            given[k] = v
        missing = [n for n in names if n not in given]
        if missing:
            raise self.error(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {t.name}", node)
        fields = [(n, self.coerce(self.expr(given[n], ft), ft, given[n])) for n, ft in t.fields]
        return ir.StructLit(t, node.loc, fields)

    def call_dsl(self, f: DslFunction, node: S.Call) -> Value:
        if node.keywords:
            raise self.error("pass arguments to helpers by position", node)
        params = f.syntax.params
        if len(node.args) != len(params):
            raise self.error(f"`{f.name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, got {len(node.args)}", node)
        # Bind generic sizes from the arguments, then check the arguments against the specialized types.
        helper_checker = FunctionChecker(self.ctx, f, {}, entry=False)
        sizes: dict[str, int] = {}
        raw_args: list[Value] = []
        for p, a in zip(params, node.args):
            if p.annotation is None:
                raise CompileError(f"parameter `{p.name}` of `{f.name}` needs a type annotation", p.loc)
            obj = helper_checker.annotation(p.annotation)
            if isinstance(obj, Visible):
                obj = obj.type
            pt = as_type(obj)
            v = self.expr(a)
            raw_args.append(v)
            bind_sizes(pt, arg_shape(v), sizes, a, f.name)
        fn = self.ctx.specialize(f, sizes, node.loc)
        args = [self.coerce(v, p.type, a) for v, p, a in zip(raw_args, fn.params, node.args)]
        if fn.return_type is None:
            raise self.error(f"`{f.name}` returns nothing, so its call has no value", node)
        return ir.Call(fn.return_type, node.loc, fn, args)


def const_type(v: Py | Untyped) -> Type:
    """The type a constant table gets when nothing else types it (only in comparisons): i64, else field."""
    from .types import I64

    flat = np.ravel(np.asarray(v.value, dtype=object))
    if all(isinstance(x, (bool, np.bool_)) for x in flat):
        return BoolType()
    if all(isinstance(x, (int, np.integer)) and I64.min <= int(x) <= I64.max for x in flat):
        return I64
    return FieldType()


def check_name(name: str, reserved: frozenset[str], what: str, loc: Location | None = None) -> None:
    """Names that appear in the Aleo program must be legal Aleo/Leo identifiers and not reserved."""
    if not is_legal(name, reserved):
        raise CompileError(f"`{name}` cannot be used as a {what}: Aleo and Leo reserve it or forbid its spelling", loc,
                           "use letters, digits and single underscores, start with a letter, at most 31 characters, "
                           "and avoid Aleo keywords and opcodes (value, input, add, ...)")


def arg_shape(v: Value) -> Any:
    """The type of an argument, or for an untyped constant the nested list lengths."""
    if isinstance(v, ir.Expr):
        return v.type
    if isinstance(v, Py):
        return np.shape(np.asarray(v.value, dtype=object)) if isinstance(v.value, (list, tuple, np.ndarray)) else ()
    return np.shape(np.asarray(v.value, dtype=object))[len(v.indices):]


def bind_sizes(pt: Type, shape: Any, sizes: dict[str, int], node: S.Node, fname: str) -> None:
    """Unify a (possibly generic) parameter type with an argument's type or shape."""
    dims: list[int] = []
    if isinstance(shape, Type):
        t = shape
        while isinstance(t, ArrayType):
            dims.append(int(t.size))
            t = t.elem
    else:
        dims = [int(d) for d in shape]
    t = pt
    for d in dims:
        if not isinstance(t, ArrayType):
            break
        if isinstance(t.size, str):
            if sizes.setdefault(t.size, d) != d:
                raise CompileError(f"size `{t.size}` of `{fname}` is {sizes[t.size]} from an earlier argument but {d} here", node.loc)
        t = t.elem


def cast_hint(have: Type, want: Type) -> str | None:
    if isinstance(have, (IntType, FieldType, BoolType)) and isinstance(want, (IntType, FieldType, BoolType)):
        return f"convert it explicitly: `pl.{want.aleo().upper() if isinstance(want, IntType) else type(want).__name__.replace('Type', '')}(...)`"
    return None


MAX_CONSTANT_BITS = 4096
"""Largest compile-time integer `**` and `<<` compute (a field element has 253 bits)."""


def fold(op: str, a: Any, b: Any, node: S.Node) -> Any:
    """Compute an operator on two compile-time Python values."""
    import operator as o

    table: dict[str, Callable[[Any, Any], Any]] = {
        "+": o.add, "-": o.sub, "*": o.mul, "/": o.truediv, "//": o.floordiv, "%": o.mod, "**": o.pow,
        "&": o.and_, "|": o.or_, "^": o.xor, "<<": o.lshift, ">>": o.rshift,
        "==": o.eq, "!=": o.ne, "<": o.lt, "<=": o.le, ">": o.gt, ">=": o.ge,
    }
    if op in ("**", "<<") and isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)) and \
            (b * int(a).bit_length() if op == "**" and abs(a) > 1 else b if op == "<<" and a else 0) > MAX_CONSTANT_BITS:
        raise CompileError(f"this constant expression has more than {MAX_CONSTANT_BITS:,} bits", node.loc,
                           "circuit values have at most 253 bits (a field element)")
    try:
        out = table[op](a, b)
    except (TypeError, ZeroDivisionError, ValueError) as e:
        raise CompileError(f"cannot compute `{op}` on constants: {e}", node.loc) from None
    if isinstance(out, float):
        raise CompileError("this constant expression is not an integer", node.loc, "use `//` for compile-time integer division")
    return out


def fold_unary(op: str, a: Any, node: S.Node) -> Any:
    try:
        return {"-": lambda x: -x, "+": lambda x: +x, "~": lambda x: ~x, "not": lambda x: not x}[op](a)
    except TypeError as e:
        raise CompileError(f"cannot compute `{op}` on a constant: {e}", node.loc) from None


def bounds_use(body: list[S.Node], name: str) -> bool:
    """Whether a loop nested in ``body`` has range bounds that mention ``name`` (a triangular loop)."""

    def mentions(node: Any) -> bool:
        if isinstance(node, S.Name):
            return node.id == name
        if isinstance(node, S.Node):
            return any(mentions(v) for v in vars(node).values() if v is not node.loc)
        if isinstance(node, (list, tuple)):
            return any(mentions(v) for v in node)
        return False

    for st in body:
        if isinstance(st, S.For) and (mentions(st.iter) or bounds_use(st.body, name)):
            return True
        if isinstance(st, S.If) and (bounds_use(st.body, name) or bounds_use(st.orelse, name)):
            return True
    return False


def walk_stmts(stmts: list[ir.Stmt]) -> Any:
    for s in stmts:
        yield s
        if isinstance(s, ir.For):
            yield from walk_stmts(s.body)
        elif isinstance(s, ir.If):
            yield from walk_stmts(s.then)
            yield from walk_stmts(s.orelse)


def always_returns(stmts: list[ir.Stmt]) -> bool:
    """True when the block returns on every path (its last statement returns unconditionally)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ir.Return):
        return True
    if isinstance(last, ir.If):
        return always_returns(last.then) and always_returns(last.orelse)
    return False

