"""Compile-time values of the checker (:mod:`pyleo.check`) and what computes on them.

Python values reachable from a pyleo function (its globals and closure: ints, bools, lists, tuples, numpy
integer arrays, other pyleo functions, struct classes, the ``pl`` module) are compile-time constants:
:class:`Py` holds one not yet typed, :class:`Untyped` a constant table indexed by loop variables;
:func:`typed_const` checks one against a type, :func:`fold` computes an operator on two. A pyleo
function is a :class:`SourceFunction` (its Python function and parsed syntax; the user-facing
:class:`pyleo.dsl.DslFunction` adds running it), a builtin such as ``pl.poseidon2`` a :class:`Builtin`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import ir
from . import syntax as S
from .errors import CompileError, Location
from .parse import parse_function
from .types import (
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    Struct,
    StructType,
    Type,
)


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


# ---- functions and builtins ---------------------------------------------------------------------
class SourceFunction:
    """A Python function written in pyleo's DSL, as the checker sees it: ``fn``, whether it is an entry
    point (``@pl.function``) or a helper (``@pl.inline``), its ``name`` and its parsed ``syntax``."""

    def __init__(self, fn: Callable[..., Any], entry: bool) -> None:
        if not inspect.isfunction(fn):
            raise CompileError(f"@pl.{'function' if entry else 'inline'} decorates a Python function (def), "
                               f"not {short_repr(fn)}")
        self.fn = fn
        self.entry = entry
        self.name = fn.__name__
        self._syntax: S.FunctionDef | None = None

    @property
    def syntax(self) -> S.FunctionDef:
        if self._syntax is None:
            self._syntax = parse_function(self.fn)
        return self._syntax


@dataclass
class Builtin:
    """A DSL builtin callable (``pl.poseidon2``, ``pl.commit``, ``pl.cast_lossy``)."""

    name: str
    doc: str

    def __call__(self, *args: Any) -> Any:
        raise TypeError(f"pl.{self.name} can only be called inside a pyleo function")


class Mapping:
    """An on-chain mapping of a program: ``approvals = pl.Mapping("approvals", pl.Address, pl.Bool)``.

    An entry point writes it with ``approvals[key] = value`` (at its top level); the write happens in the
    function's ``final`` block (Aleo ``finalize``) once the network accepts the execution, with the key and
    the value as the block's public arguments. Keys and values are public on chain.
    """

    def __init__(self, name: str, key: Any, value: Any) -> None:
        from .names import MEMBER_RESERVED, is_legal
        from .types import as_type

        if not isinstance(name, str) or not is_legal(name, MEMBER_RESERVED):
            raise CompileError(f"invalid mapping name {name!r}", None, "use a Leo identifier such as `approvals`")
        try:
            self.key, self.value = as_type(key), as_type(value)
        except TypeError as e:
            raise CompileError(f"mapping {name}: {e}") from None
        for t in (self.key, self.value):
            if isinstance(t, ArrayType):
                raise CompileError(f"mapping {name}: keys and values are single values (a literal or a struct), "
                                   f"not arrays ({t.leo()})")
        self.name = name

    def decl(self) -> ir.MappingDecl:
        return ir.MappingDecl(self.name, self.key, self.value)

    def __repr__(self) -> str:
        return f"<pyleo mapping {self.name}: {self.key.leo()} => {self.value.leo()}>"


class CallerAddress:
    """``pl.caller``: in a pyleo function, the address that called the entry point (Aleo ``self.caller``)."""

    def __repr__(self) -> str:
        return "pl.caller"


CALLER = CallerAddress()


class Importable:
    """What the checker knows of a program others may import (``pl.Program`` derives from it): its ``name``,
    its entry points by name (``functions``) and their typed IR (``entry``)."""

    name: str
    functions: dict[str, Any]

    def entry(self, name: str) -> ir.Function:
        raise NotImplementedError


@dataclass(frozen=True)
class External:
    """An entry point of an imported program (``model.predict`` where ``model`` is a ``pl.Program``)."""

    program: str
    function: ir.Function


def const_type(v: Py | Untyped) -> Type:
    """The type a constant table gets when nothing else types it (only in comparisons): i64, else field."""
    from .types import I64

    flat = np.ravel(np.asarray(v.value, dtype=object))
    if all(isinstance(x, (bool, np.bool_)) for x in flat):
        return BoolType()
    if all(isinstance(x, (int, np.integer)) and I64.min <= int(x) <= I64.max for x in flat):
        return I64
    return FieldType()

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
