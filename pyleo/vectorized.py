"""Vectorized evaluation (``Program.run_batch``, the split prover's part values): one function's
structured instructions (:mod:`pyleo.aleo_code`) over many rows at once, one numpy operation per
instruction and row set.

The instructions are what snarkVM runs (loops unrolled, helpers inlined, constants folded, unread
never-halting instructions removed), so their meaning is the circuit's, which the reference
interpreter shares (the differential tests hold them to it): each row gets exactly the
interpreter's value, and a row halts exactly where the interpreter raises. Each opcode's meaning on
columns is one entry of :data:`OPS`, written after :mod:`pyleo.semantics` and tested against it.

Values are kept exact: integers and field elements in object arrays of Python ints, booleans in
bool arrays, constants as Python scalars (broadcast). An operation that halts on some rows records
them and gives those rows 0, so later instructions stay in range; :func:`run_batch` raises the
interpreter's error for the first halted row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import aleo_code, ir
from .aleo_code import Instr, Lit
from .errors import ExecutionError
from .interp import Interpreter, check_args, commit_bhp256, poseidon
from .types import FIELD_MODULUS, SCALAR_MODULUS, ArrayType, BoolType, FieldType, IntType, ScalarType, StructType, Type

Column = Any
"""A scalar's values over the rows: a numpy array (one entry per row) or one Python scalar for all."""


class Batch:
    """The registers of one function over ``n`` rows, and the rows halted so far."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.halted = np.zeros(n, dtype=bool)
        self.values: dict[int, Any] = {}  # register → value tree (lists for arrays, dicts for structs) of columns
        self.types: dict[int, Type] = {}

    def fail(self, bad: Column, value: Column, safe: int = 0) -> Column:
        """Record the rows where ``bad`` holds as halted; those rows of ``value`` become ``safe``."""
        if not np.any(bad):
            return value
        self.halted |= bad
        r = np.where(bad, safe, np.asarray(value, dtype=object))
        return r.item() if r.ndim == 0 else r

    def operand(self, op: aleo_code.Operand) -> tuple[Any, Type]:
        if isinstance(op, Lit):
            return op.value, op.type
        value, t = self.values[op.id], self.types[op.id]
        for step in op.path:
            value = value[step]
            t = t.elem if isinstance(t, ArrayType) else dict(t.fields)[step]
        return value, t


# ---- the meaning of each opcode on columns (after pyleo.semantics) ------------------------------------
def _modulus(t: Type) -> int:
    return FIELD_MODULUS if isinstance(t, FieldType) else SCALAR_MODULUS


def _checked(b: Batch, r: Column, t: IntType) -> Column:
    """An integer result: halts where it leaves ``t``'s range."""
    return b.fail((r < t.min) | (r > t.max), r)


def _arith(op: Callable[[Any, Any], Any]) -> Callable[..., Column]:
    def run(b: Batch, x: Column, y: Column, t: Type) -> Column:
        return op(x, y) % _modulus(t) if isinstance(t, (FieldType, ScalarType)) else _checked(b, op(x, y), t)
    return run


def _div_rem(name: str) -> Callable[..., Column]:
    def run(b: Batch, x: Column, y: Column, t: Type) -> Column:
        y = b.fail(y == 0, y, safe=1)
        if isinstance(t, (FieldType, ScalarType)):
            inverse = np.frompyfunc(lambda v: pow(int(v), -1, _modulus(t)), 1, 1)(y)
            return x * inverse % _modulus(t)
        q = abs(x) // abs(y)
        q = np.where((x >= 0) == (y >= 0), np.asarray(q, dtype=object), np.asarray(-q, dtype=object))
        q = q.item() if q.ndim == 0 else q
        if name == "div":
            return _checked(b, q, t)
        return x - y * _checked(b, q, t)  # a remainder halts where the quotient overflows (i8: -128 % -1)
    return run


def _shift(left: bool) -> Callable[..., Column]:
    def run(b: Batch, x: Column, y: Column, t: IntType) -> Column:
        y = b.fail(y >= t.bits, y)
        return _checked(b, x << y, t) if left else x >> y
    return run


def _plain(op: Callable[..., Any]) -> Callable[..., Column]:
    """An operation that never halts and means the same on Python ints, bools and numpy columns."""
    return lambda b, *args: op(*args[:-1])


def _neg(b: Batch, x: Column, t: Type) -> Column:
    return -x % _modulus(t) if isinstance(t, (FieldType, ScalarType)) else _checked(b, -x, t)


def _abs(b: Batch, x: Column, t: IntType) -> Column:
    return _checked(b, abs(x), t)


def _not(b: Batch, x: Column, t: Type) -> Column:
    if isinstance(t, BoolType):
        return np.logical_not(x) if np.ndim(x) else not x
    return ~x if t.signed else (1 << t.bits) - 1 - x


def _ternary(b: Batch, c: Column, x: Column, y: Column, t: Type) -> Column:
    if not np.ndim(c):
        return x if c else y
    if isinstance(t, BoolType):
        return np.where(c, x, y)
    return np.where(c, np.asarray(x, dtype=object), np.asarray(y, dtype=object))


def _to_signed(v: Column, t: IntType) -> Column:
    """The low ``t.bits`` bits of ``v`` read as a value of type ``t`` (``semantics._to_signed``)."""
    v = v & ((1 << t.bits) - 1)
    return v - ((v >> (t.bits - 1)) << t.bits) if t.signed else v


def convert(b: Batch, x: Column, src: Type, dst: Type, lossy: bool) -> Column:
    """``cast`` / ``cast.lossy`` of one scalar column (``semantics.cast``)."""
    if isinstance(src, BoolType):
        if not isinstance(dst, BoolType):  # 0 or 1: fits every integer and field type
            return np.asarray(x, dtype=np.int64).astype(object) if np.ndim(x) else int(x)
        return x
    if isinstance(dst, BoolType):
        r = x & 1 if lossy else b.fail((x != 0) & (x != 1), x)
        return r == 1
    if isinstance(dst, (FieldType, ScalarType)):
        bits = x & ((1 << src.bits) - 1) if isinstance(src, IntType) else x
        return (bits if lossy else b.fail(bits >= _modulus(dst), bits)) % _modulus(dst)
    assert isinstance(dst, IntType)
    if lossy:
        return _to_signed(x, dst)
    if isinstance(src, (FieldType, ScalarType)):
        return _to_signed(b.fail((x >> dst.bits) != 0, x), dst)
    return b.fail((x < dst.min) | (x > dst.max), x)


def _rows(b: Batch, value: Callable[[int], Any]) -> Column:
    out = np.empty(b.n, dtype=object)
    out[:] = [value(i) for i in range(b.n)]
    return out


def _scalar(fn: Callable[..., Column]) -> Callable[..., Column]:
    """An operation on scalars, typed by its first operand (the IR's left operand)."""
    return lambda b, args, types, rt: fn(b, *args, types[0])


def _cast(lossy: bool) -> Callable[..., Any]:
    def run(b: Batch, args: list[Any], types: list[Type], rt: Type) -> Any:
        if isinstance(rt, ArrayType):
            return list(args)
        if isinstance(rt, StructType):
            return {n: a for (n, _), a in zip(rt.fields, args)}
        return convert(b, args[0], types[0], rt, lossy)
    return run


def _hash(rate: int) -> Callable[..., Column]:
    def run(b: Batch, args: list[Any], types: list[Type], rt: Type) -> Column:
        """``hash.psd{rate}``: snarkVM's host code, row by row."""
        return _rows(b, lambda i: poseidon(row_value(args[0], types[0], i), types[0], rate))
    return run


def _commit(b: Batch, args: list[Any], types: list[Type], rt: Type) -> Column:
    """``commit.bhp256``: snarkVM's host code, row by row."""
    return _rows(b, lambda i: commit_bhp256(row_value(args[0], types[0], i), types[0], row_value(args[1], types[1], i)))


def _assert(b: Batch, args: list[Any], types: list[Type], rt: Type) -> None:
    b.fail(np.logical_not(args[0]), 0)


OPS: dict[str, Callable[..., Any]] = {
    "add": _scalar(_arith(lambda x, y: x + y)), "sub": _scalar(_arith(lambda x, y: x - y)),
    "mul": _scalar(_arith(lambda x, y: x * y)), "div": _scalar(_div_rem("div")), "rem": _scalar(_div_rem("rem")),
    "and": _scalar(_plain(lambda x, y: x & y)), "or": _scalar(_plain(lambda x, y: x | y)),
    "xor": _scalar(_plain(lambda x, y: x ^ y)), "shl": _scalar(_shift(True)), "shr": _scalar(_shift(False)),
    "is.eq": _scalar(_plain(lambda x, y: x == y)), "is.neq": _scalar(_plain(lambda x, y: x != y)),
    "lt": _scalar(_plain(lambda x, y: x < y)), "lte": _scalar(_plain(lambda x, y: x <= y)),
    "gt": _scalar(_plain(lambda x, y: x > y)), "gte": _scalar(_plain(lambda x, y: x >= y)),
    "neg": _scalar(_neg), "abs": _scalar(_abs), "not": _scalar(_not),
    "ternary": lambda b, args, types, rt: _ternary(b, *args, rt),
    "cast": _cast(False), "cast.lossy": _cast(True), "hash.psd2": _hash(2), "hash.psd4": _hash(4), "hash.psd8": _hash(8), "commit.bhp256": _commit, "assert.eq": _assert,
}
"""Each opcode's meaning on columns: ``(batch, operand values, operand types, result type) → value``."""


# ---- rows in, rows out -------------------------------------------------------------------------------
def columns(values: list[Any], t: Type) -> Any:
    """Canonical values of type ``t``, one per row → one value tree of columns."""
    if isinstance(t, ArrayType):
        return [columns([v[i] for v in values], t.elem) for i in range(int(t.size))]
    if isinstance(t, StructType):
        return {n: columns([v[n] for v in values], ft) for n, ft in t.fields}
    return np.array(values, dtype=bool if isinstance(t, BoolType) else object)


def row_value(tree: Any, t: Type, i: int) -> Any:
    """Row ``i`` of a value tree of columns, as a canonical value of type ``t``."""
    if isinstance(t, ArrayType):
        return [row_value(x, t.elem, i) for x in tree]
    if isinstance(t, StructType):
        return {n: row_value(tree[n], ft, i) for n, ft in t.fields}
    v = tree[i] if np.ndim(tree) else tree
    return bool(v) if isinstance(t, BoolType) else int(v)


def evaluate(code: aleo_code.Function, inputs: list[list[Any]]) -> tuple[Batch, list[Any]]:
    """Run ``code`` over rows of canonical inputs; the batch (``halted``) and each output's value tree."""
    b = Batch(len(inputs))
    for k, p in enumerate(code.inputs):
        b.values[p.reg], b.types[p.reg] = columns([row[k] for row in inputs], p.type), p.type
    for ins in code.body:
        _step(b, ins)
    return b, [b.values[p.reg] for p in code.outputs]


def _step(b: Batch, ins: Instr) -> None:
    pairs = [b.operand(op) for op in ins.operands]
    value = OPS[ins.opcode](b, [v for v, _ in pairs], [t for _, t in pairs], ins.type)
    if ins.result is not None:
        b.values[ins.result], b.types[ins.result] = value, ins.type


def evaluate_rows(fn: ir.Function, code: aleo_code.Function, inputs: list[list[Any]]) -> tuple[list[Any], np.ndarray]:
    """``fn``'s result for each row of canonical inputs (None where the row halts) and which rows halt."""
    if not inputs:
        return [], np.zeros(0, dtype=bool)
    batch, outputs = evaluate(code, inputs)
    results = []
    for i in range(batch.n):
        values = [row_value(o, t, i) for o, t in zip(outputs, fn.returns)]
        halted_or_none = batch.halted[i] or not fn.returns
        results.append(None if halted_or_none else tuple(values) if fn.returns_tuple else values[0])
    return results, batch.halted


def run_batch(fn: ir.Function, code: aleo_code.Function, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """``fn``'s result for each row of arguments, as the interpreter gives them (``Program.run``);
    raises the interpreter's own ExecutionError for the first row that halts."""
    inputs = [check_args(fn, args) for args in rows]
    results, halted = evaluate_rows(fn, code, inputs)
    if halted.any():
        first = int(np.argmax(halted))
        Interpreter().call(fn, inputs[first])  # raises the interpreter's error for that row
        raise ExecutionError(f"row {first} halts the circuit, but the interpreter does not (a pyleo bug)", None)
    return results
