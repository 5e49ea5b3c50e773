"""The reference interpreter: runs the IR with the circuit's exact semantics, without proofs.

It is the oracle of every test. Like the circuit, it computes every statement — both sides of an
``if``, the rest of a function after a conditional ``return`` — so an operation that halts halts
here too; assignments, returns and asserts take effect only where their path condition holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from . import ir, limits, semantics
from .errors import ExecutionError, InputError, LimitError
from .types import Type, TupleType
from .values import coerce, to_aleo


@dataclass
class Frame:
    env: dict[str, Any] = field(default_factory=dict)
    returned: bool = False
    ret: Any = None
    has_ret: bool = False


class Interpreter:
    """Evaluates IR functions; one method per IR node kind.

    ``caller``: the address ``pl.caller`` reads (an ``aleo1…`` string; None: a function that reads it raises
    InputError). ``writes`` receives each mapping write of a ``final`` block that takes effect, in order:
    ``(mapping, key, value)``."""

    def __init__(self, caller: str | None = None) -> None:
        self.caller = caller
        self.writes: list[tuple[str, Any, Any]] = []

    def call(self, fn: ir.Function, args: list[Any], guard: bool = True) -> Any:
        frame = Frame({p.name: a for p, a in zip(fn.params, args)})
        self.block(fn.body, frame, guard)
        return frame.ret

    # ---- statements ----------------------------------------------------------------------------
    def block(self, stmts: list[ir.Stmt], frame: Frame, guard: bool) -> None:
        for st in stmts:
            getattr(self, f"stmt_{type(st).__name__}")(st, frame, guard)

    def stmt_Let(self, st: ir.Let, frame: Frame, guard: bool) -> None:
        frame.env[st.name] = self.expr(st.value, frame, guard)

    def stmt_Assign(self, st: ir.Assign, frame: Frame, guard: bool) -> None:
        value = self.expr(st.value, frame, guard)
        steps = [self.expr(p, frame, guard) if isinstance(p, ir.Expr) else p for p in st.path]
        node = frame.env[st.name]
        for step, p in zip(steps, st.path):  # bounds are checked on every path, as the circuit asserts them
            if isinstance(p, ir.Expr) and not 0 <= step < len(node):
                raise ExecutionError(f"array index {step} is out of bounds (length {len(node)})", st.loc)
            node = node[step]
        if not (guard and not frame.returned):
            return
        frame.env[st.name] = replaced(frame.env[st.name], steps, value)

    def stmt_For(self, st: ir.For, frame: Frame, guard: bool) -> None:
        for i in range(st.start, st.stop, st.step):
            frame.env[st.var] = i
            self.block(st.body, frame, guard)

    def stmt_If(self, st: ir.If, frame: Frame, guard: bool) -> None:
        cond = self.expr(st.cond, frame, guard)
        if st.static:
            self.block(st.then if cond else st.orelse, frame, guard)
        else:
            self.block(st.then, frame, guard and cond)
            self.block(st.orelse, frame, guard and not cond)

    def stmt_Return(self, st: ir.Return, frame: Frame, guard: bool) -> None:
        value = self.expr(st.value, frame, guard) if st.value is not None else None
        live = guard and not frame.returned
        if live or not frame.has_ret:
            frame.ret, frame.has_ret = value, True
        frame.returned = frame.returned or guard

    def stmt_Assert(self, st: ir.Assert, frame: Frame, guard: bool) -> None:
        cond = self.expr(st.cond, frame, guard)
        if guard and not frame.returned and not cond:
            raise ExecutionError(f"assertion failed{': ' + st.message if st.message else ''}", st.loc)

    def stmt_MappingSet(self, st: ir.MappingSet, frame: Frame, guard: bool) -> None:
        key = self.expr(st.key, frame, guard)
        value = self.expr(st.value, frame, guard)
        if guard and not frame.returned:
            self.writes.append((st.mapping, key, value))

    # ---- expressions ---------------------------------------------------------------------------
    def expr(self, e: ir.Expr, frame: Frame, guard: bool) -> Any:
        return getattr(self, f"expr_{type(e).__name__}")(e, frame, guard)

    def expr_Const(self, e: ir.Const, frame: Frame, guard: bool) -> Any:
        return e.value

    def expr_Var(self, e: ir.Var, frame: Frame, guard: bool) -> Any:
        return frame.env[e.name]

    def expr_Binary(self, e: ir.Binary, frame: Frame, guard: bool) -> Any:
        a = self.expr(e.left, frame, guard)
        b = self.expr(e.right, frame, guard)
        return semantics.binary(e.op, a, b, e.left.type, e.type, e.loc)

    def expr_Unary(self, e: ir.Unary, frame: Frame, guard: bool) -> Any:
        return semantics.unary(e.op, self.expr(e.operand, frame, guard), e.type, e.loc)

    def expr_Select(self, e: ir.Select, frame: Frame, guard: bool) -> Any:
        c = self.expr(e.cond, frame, guard)
        a = self.expr(e.if_true, frame, guard)
        b = self.expr(e.if_false, frame, guard)
        return a if c else b

    def expr_Index(self, e: ir.Index, frame: Frame, guard: bool) -> Any:
        arr = self.expr(e.array, frame, guard)
        i = self.expr(e.index, frame, guard)
        if not 0 <= i < len(arr):
            raise ExecutionError(f"array index {i} is out of bounds (length {len(arr)})", e.loc)
        return arr[i]

    def expr_Member(self, e: ir.Member, frame: Frame, guard: bool) -> Any:
        base = self.expr(e.struct, frame, guard)
        return base[int(e.name)] if isinstance(e.struct.type, TupleType) else base[e.name]

    def expr_ArrayLit(self, e: ir.ArrayLit, frame: Frame, guard: bool) -> Any:
        return [self.expr(x, frame, guard) for x in e.items]

    def expr_StructLit(self, e: ir.StructLit, frame: Frame, guard: bool) -> Any:
        return {n: self.expr(x, frame, guard) for n, x in e.fields}

    def expr_TupleLit(self, e: ir.TupleLit, frame: Frame, guard: bool) -> Any:
        return tuple(self.expr(x, frame, guard) for x in e.items)

    def expr_Cast(self, e: ir.Cast, frame: Frame, guard: bool) -> Any:
        return semantics.cast(self.expr(e.operand, frame, guard), e.operand.type, e.type, e.lossy, e.loc)

    def expr_Hash(self, e: ir.Hash, frame: Frame, guard: bool) -> Any:
        return poseidon2(self.expr(e.operand, frame, guard), e.operand.type)

    def expr_Commit(self, e: ir.Commit, frame: Frame, guard: bool) -> Any:
        v = self.expr(e.operand, frame, guard)
        r = self.expr(e.randomness, frame, guard)
        return commit_bhp256(v, e.operand.type, r)

    def expr_Call(self, e: ir.Call, frame: Frame, guard: bool) -> Any:
        args = [self.expr(a, frame, guard) for a in e.args]
        return self.call(e.function, args, guard and not frame.returned)


    def expr_ExternalCall(self, e: ir.ExternalCall, frame: Frame, guard: bool) -> Any:
        """The imported function's own semantics; its transition runs whatever the path condition, so a halt
        there halts the caller on every path. (Its own ``pl.caller`` would be the calling program's address,
        which the interpreter does not know: reading it raises InputError.)"""
        args = [self.expr(a, frame, guard) for a in e.args]
        return Interpreter().call(e.function, args)

    def expr_Caller(self, e: ir.Caller, frame: Frame, guard: bool) -> Any:
        if self.caller is None:
            raise InputError("this function reads pl.caller: name the calling address (caller=\"aleo1…\")")
        return self.caller


def replaced(tree: Any, steps: list[Any], value: Any) -> Any:
    """``tree`` with the element at ``steps`` set to ``value``, copying only the containers on the path.

    Values are never mutated in place (a value may be shared by several variables), so each write
    copies one container per path step instead of the whole tree.
    """
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    out = list(tree) if isinstance(tree, list) else dict(tree)
    out[head] = replaced(tree[head], rest, value)
    return out


def _encodable(t: Type, op: str) -> None:
    """LimitError when snarkVM cannot encode a value of type ``t`` (a member over u16::MAX bits)."""
    found = limits.oversized_member(t)
    if found:
        raise LimitError(f"{op} of a {t.aleo()}: {found}", None, limits.MEMBER_BITS_HINT)


def poseidon2(value: Any, t: Type) -> int:
    """``hash.psd2``: Poseidon2 over the value's field encoding (computed by snarkVM's own host code)."""
    return poseidon(value, t, 2)


def poseidon(value: Any, t: Type, rate: int) -> int:
    """``hash.psd{rate}`` (rate 2, 4 or 8 field elements per permutation) of the value's field encoding,
    computed by snarkVM's own host code."""
    from .vm import hash_poseidon

    _encodable(t, f"hash.psd{rate}")
    return int(hash_poseidon(to_aleo(value, t), rate).removesuffix("field"))


def commit_bhp256(value: Any, t: Type, randomness: int) -> int:
    """``commit.bhp256``: BHP256 commitment of the value's bits (computed by snarkVM's own host code)."""
    from .vm import commit_bhp256 as commit

    _encodable(t, "commit.bhp256")
    return int(commit(to_aleo(value, t), f"{randomness}scalar").removesuffix("field"))


def check_args(fn: ir.Function, args: Sequence[Any]) -> list[Any]:
    """Check ``args`` against ``fn``'s parameters (count and types); returns canonical values."""
    if len(args) != len(fn.params):
        raise InputError(f"`{fn.name}` takes {len(fn.params)} argument{'s' if len(fn.params) != 1 else ''} "
                         f"({', '.join(p.name for p in fn.params)}), got {len(args)}")
    return [coerce(a, p.type, f"argument {p.name}") for a, p in zip(args, fn.params)]


def run_function(fn: ir.Function, args: Sequence[Any]) -> Any:
    """Check ``args`` against ``fn``'s parameters and run it; returns canonical values."""
    return Interpreter().call(fn, check_args(fn, args))
