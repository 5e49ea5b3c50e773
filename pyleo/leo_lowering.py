"""The Leo back end's view of the IR before it writes text (:mod:`pyleo.emit_leo`): the legal Leo name
of every IR name (:class:`Names`), walks over expressions and statements, the lowering of ``return``
inside loops (Leo rejects it) to a result variable and a flag, and zero values for variables declared
ahead of their block.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields
from dataclasses import is_dataclass
from typing import Any

from . import ir
from .names import MAX_IDENT, is_legal, legalize
from .errors import CompileError
from .types import (
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    StructType,
    TupleType,
    Type,
)


# ---- names -------------------------------------------------------------------------------------
class Names:
    """Allocates legal, distinct Leo names."""

    def __init__(self, reserved: frozenset[str], taken: set[str] | None = None) -> None:
        self.reserved = reserved
        self.used: set[str] = set(taken or ())

    def fresh(self, want: str) -> str:
        base = legalize(want, self.reserved)
        name, n = base, 2
        while name in self.used or name in self.reserved:
            suffix = f"_{n}"
            name = base[:MAX_IDENT - len(suffix)].rstrip("_") + suffix
            n += 1
        self.used.add(name)
        return name

    def assign(self, wanted: list[str]) -> dict[str, str]:
        """Map each name to a Leo name; names already legal and free keep their spelling."""
        out: dict[str, str] = {}
        for w in wanted:
            if w not in out and is_legal(w, self.reserved) and w not in self.used:
                out[w] = w
                self.used.add(w)
        for w in wanted:
            if w not in out:
                out[w] = self.fresh(w)
        return out


# ---- IR walking helpers ------------------------------------------------------------------------
def sub_exprs(e: ir.Expr) -> list[ir.Expr]:
    """The direct sub-expressions of ``e`` (generic over the IR's dataclass fields)."""
    out: list[ir.Expr] = []
    if not is_dataclass(e) or isinstance(e, ir.Const):
        return out  # not an IR node (the emitter reports it), or a constant (its value may be a large table)
    for f in dc_fields(e):
        if f.name in ("type", "loc"):
            continue
        v = getattr(e, f.name)
        if isinstance(v, ir.Expr):
            out.append(v)
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, ir.Expr):
                    out.append(item)
                elif isinstance(item, tuple):
                    out.extend(x for x in item if isinstance(x, ir.Expr))
    return out


def var_refs(e: ir.Expr) -> list[str]:
    """Variable names read by ``e``, in order."""
    if isinstance(e, ir.Var):
        return [e.name]
    return [n for s in sub_exprs(e) for n in var_refs(s)]


def stmt_exprs(s: ir.Stmt) -> list[ir.Expr]:
    if isinstance(s, ir.Let):
        return [s.value]
    if isinstance(s, ir.Assign):
        return [p for p in s.path if isinstance(p, ir.Expr)] + [s.value]
    if isinstance(s, ir.If):
        return [s.cond]
    if isinstance(s, ir.Return):
        return [s.value] if s.value is not None else []
    if isinstance(s, ir.Assert):
        return [s.cond]
    return []


def child_blocks(s: ir.Stmt) -> list[list[ir.Stmt]]:
    if isinstance(s, ir.For):
        return [s.body]
    if isinstance(s, ir.If):
        return [s.then, s.orelse]
    return []


def contains_return(stmts: list[ir.Stmt]) -> bool:
    return any(isinstance(s, ir.Return) or any(contains_return(b) for b in child_blocks(s)) for s in stmts)


def returns_in_loop(stmts: list[ir.Stmt]) -> bool:
    return any((isinstance(s, ir.For) and contains_return(s.body))
               or any(returns_in_loop(b) for b in child_blocks(s)) for s in stmts)


def static_ifs_use(stmts: list[ir.Stmt], var: str) -> bool:
    """Whether a static ``If`` somewhere in ``stmts`` tests the loop variable ``var``."""
    return any((isinstance(s, ir.If) and s.static and var in var_refs(s.cond))
               or any(static_ifs_use(b, var) for b in child_blocks(s)) for s in stmts)


class NotStatic(Exception):
    """An expression whose value is not known while emitting."""


def function_names(params: list[ir.Param], body: list[ir.Stmt]) -> list[str]:
    """Every variable name of a function in order of first appearance (parameters first)."""
    seen: dict[str, None] = {p.name: None for p in params}

    def walk(stmts: list[ir.Stmt]) -> None:
        for s in stmts:
            for e in stmt_exprs(s):
                seen.update(dict.fromkeys(var_refs(e)))
            if isinstance(s, (ir.Let, ir.Assign)):
                seen[s.name] = None
            if isinstance(s, ir.For):
                seen[s.var] = None
            for b in child_blocks(s):
                walk(b)

    walk(body)
    return list(seen)


def scoped_out_names(params: list[ir.Param], body: list[ir.Stmt]) -> list[str]:
    """Names used where Leo's block scopes do not reach their ``let`` (declared in an ``if`` or a loop
    body and read after it, or read before their ``let``): they are declared at the top instead."""
    out: dict[str, None] = {}
    declared_anywhere: set[str] = set()

    def walk(stmts: list[ir.Stmt], scopes: list[set[str]]) -> None:
        scopes = scopes + [set()]

        def visible(n: str) -> bool:
            return any(n in sc for sc in scopes)

        for s in stmts:
            for e in stmt_exprs(s):
                out.update((n, None) for n in var_refs(e) if not visible(n))
            if isinstance(s, ir.Let):
                declared_anywhere.add(s.name)
                if not visible(s.name):
                    scopes[-1].add(s.name)
            elif isinstance(s, ir.Assign) and not visible(s.name):
                out[s.name] = None
            elif isinstance(s, ir.For):
                walk(s.body, scopes + [{s.var}])
            elif isinstance(s, ir.If):
                walk(s.then, scopes)
                walk(s.orelse, scopes)

    walk(body, [{p.name for p in params}])
    return [n for n in out if n in declared_anywhere]


def lower_loop_returns(fn: ir.Function, body: list[ir.Stmt], taken: set[str]) -> list[ir.Stmt]:
    """Rewrite ``return`` inside loops (which Leo rejects) into a result variable and a flag.

    Statements after one that may have returned run under ``if !returned { ... }``, and so does each
    loop body that may return, so nothing takes effect after the return, as in the IR's semantics.
    """
    def pick(base: str) -> str:
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        return name

    bool_t = BoolType()
    flag = pick("returned")
    rtype = fn.return_type
    result = pick("result") if rtype is not None else None
    not_done = ir.Unary(bool_t, None, "not", ir.Var(bool_t, None, flag))

    def guard(stmts: list[ir.Stmt]) -> list[ir.Stmt]:
        return [ir.If(None, not_done, stmts, [])] if stmts else []

    def block(stmts: list[ir.Stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for i, s in enumerate(stmts):
            out.extend(stmt(s))
            if contains_return([s]):
                out.extend(guard(block(stmts[i + 1:])))
                break
        return out

    def stmt(s: ir.Stmt) -> list[ir.Stmt]:
        if isinstance(s, ir.Return):
            out: list[ir.Stmt] = []
            if s.value is not None and result is not None:
                out.append(ir.Assign(s.loc, result, [], s.value))
            out.append(ir.Assign(s.loc, flag, [], ir.Const(bool_t, None, True)))
            return out
        if isinstance(s, ir.If):
            return [ir.If(s.loc, s.cond, block(s.then), block(s.orelse), s.static)]
        if isinstance(s, ir.For) and contains_return(s.body):
            return [ir.For(s.loc, s.var, s.start, s.stop, s.step, guard(block(s.body)))]
        return [s]

    out: list[ir.Stmt] = [ir.Let(None, flag, bool_t, ir.Const(bool_t, None, False))]
    if result is not None:
        out.append(ir.Let(None, result, rtype, zero_expr(rtype)))
    out.extend(block(body))
    out.append(ir.Return(None, ir.Var(rtype, None, result) if result is not None else None))
    return out


def zero_value(t: Type) -> Any:
    """The canonical zero of ``t`` (``0``, ``false``, zero-filled arrays and structs)."""
    if isinstance(t, BoolType):
        return False
    if isinstance(t, (IntType, FieldType, ScalarType)):
        return 0
    if isinstance(t, ArrayType):
        return [zero_value(t.elem) for _ in range(int(t.size))]
    if isinstance(t, StructType):
        return {n: zero_value(ft) for n, ft in t.fields}
    if isinstance(t, TupleType):
        return tuple(zero_value(it) for it in t.items)
    raise CompileError(f"no zero value for type {t}")


def zero_expr(t: Type) -> ir.Expr:
    return ir.Const(t, None, zero_value(t))
