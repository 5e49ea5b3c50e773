"""Passes over the structured instructions (:mod:`pyleo.aleo_code`), each linear in the instructions.

Constant folding and common subexpressions are handled as instructions are built
(:meth:`pyleo.emit_aleo.FunctionEmitter.emit`: an operation on constants becomes a constant, an
instruction identical to an earlier one reuses its register); the passes here need the whole
function:

- :func:`apply_ranges`: ranges of registers selected among constants decide comparisons (a bounds
  check on a node index chosen among constants always holds; ``index == j`` is false for j outside
  the index's range), and what those decide folds away (see :class:`RangeFacts`);
- :func:`eliminate_dead`: snarkVM synthesizes every instruction, read or not (an unused ``ternary``
  costs a constraint), so instructions nothing reads are dropped, but only those that can never halt:
  the interpreter computes every value and must halt exactly where the circuit does;
- :func:`distinct_outputs`: snarkVM refuses a function with two identical output statements, so an
  output that repeats an earlier one gets its own copy of the register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .aleo_code import Function, Instr, Lit, Operand, Param, Reg
from .types import FIELD_MODULUS, ArrayType, BoolType, FieldType, IntType, StructType


def eliminate_dead(fn: Function) -> Function:
    """``fn`` without the never-halting instructions that no output, assert or kept instruction reads
    (transitively): one backward sweep with the set of registers read so far."""
    live = {p.reg for p in fn.outputs}
    kept = []
    for ins in reversed(fn.body):
        if ins.pure and ins.result not in live:
            continue
        kept.append(ins)
        live.update(op.id for op in ins.operands if isinstance(op, Reg))
    kept.reverse()
    return replace(fn, body=kept)


def distinct_outputs(fn: Function) -> Function:
    """``fn`` where no two output statements are the same (register, type, visibility).

    snarkVM refuses such a program ("Cannot add duplicate output statement"); it arises from
    ``return x, x``, from an alias, from two expressions numbered into one register, or from two
    constants equal after folding. Each repeat outputs a fresh register holding a copy: ``cast r
    into r' as T`` for a scalar, ``cast r[0u32] … r[n-1u32] into r' as [T; n]`` for an array, ``cast
    r.a r.b … into r' as S`` for a struct. A cast to the register's own type adds no constraint
    (measured with snarkVM: a second public ``u32`` output costs 481 constraints, the transition's
    hashing of it, with the copy or without; the same holds for booleans, fields, arrays and
    structs); outputs of different visibility may share a register and are left alone."""
    seen: set[tuple[int, Any, bool]] = set()
    fresh = max([p.reg for p in fn.inputs] + [ins.result for ins in fn.body if ins.result is not None], default=-1)
    body, outputs = list(fn.body), []
    for p in fn.outputs:
        if (p.reg, p.type, p.public) in seen:
            fresh += 1
            body.append(Instr("cast", copy_operands(Reg(p.reg), p.type), fresh, p.type, True))
            p = Param(fresh, p.type, p.public)
        seen.add((p.reg, p.type, p.public))
        outputs.append(p)
    return replace(fn, body=body, outputs=outputs)


def copy_operands(reg: Reg, t: Any) -> tuple[Operand, ...]:
    """The operands of a ``cast`` into a register of type ``t`` that copies ``reg`` (its elements or members
    for an array or a struct, whose casts take them one by one)."""
    if isinstance(t, ArrayType):
        return tuple(reg.at(i) for i in range(int(t.size)))
    if isinstance(t, StructType):
        return tuple(reg.at(n) for n, _ in t.fields)
    return (reg,)


_DECIDE: dict[str, Callable[[tuple[int, int], tuple[int, int]], bool | None]] = {
    "lt": lambda a, b: True if a[1] < b[0] else False if a[0] >= b[1] else None,
    "lte": lambda a, b: True if a[1] <= b[0] else False if a[0] > b[1] else None,
    "gt": lambda a, b: True if a[0] > b[1] else False if a[1] <= b[0] else None,
    "gte": lambda a, b: True if a[0] >= b[1] else False if a[1] < b[0] else None,
    "is.eq": lambda a, b: False if a[1] < b[0] or b[1] < a[0] else True if a[0] == a[1] == b[0] == b[1] else None,
    "is.neq": lambda a, b: True if a[1] < b[0] or b[1] < a[0] else False if a[0] == a[1] == b[0] == b[1] else None,
}
"""A comparison's result when the operands' ranges decide it (None when they do not)."""


class RangeFacts:
    """Ranges of integer and field registers chosen among constants, and what they decide.

    A ``ternary`` between operands of known ranges has the union of them (a node index selected
    among constants lies in [min, max]); a comparison that the ranges decide becomes a constant;
    ``assert.eq true true`` goes; a ``ternary`` on a constant condition or between equal operands
    and ``and``/``or``/``not`` on constants become the operand or constant they select. Every
    instruction replaced here can never halt. Registers that are outputs keep their instruction.
    """

    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.ranges: dict[int, tuple[int, int]] = {}
        self.replaced: dict[int, Operand] = {}
        self.outputs = {p.reg for p in fn.outputs}

    def operand(self, op: Operand) -> Operand:
        if isinstance(op, Reg) and not op.path:
            return self.replaced.get(op.id, op)
        return op

    def range(self, op: Operand) -> tuple[int, int] | None:
        if isinstance(op, Lit):
            return (op.value, op.value) if isinstance(op.type, (IntType, FieldType)) else None
        return self.ranges.get(op.id) if not op.path else None

    def value(self, ins: Instr) -> Operand | None:
        """The operand ``ins``'s result always equals, when the facts decide it."""
        ops = ins.operands
        if ins.opcode == "ternary":
            c, a, b = ops
            if isinstance(c, Lit) or a == b:
                return a if a == b or c.value else b
            ra, rb = self.range(a), self.range(b)
            if ra and rb and ins.result is not None:
                self.ranges[ins.result] = (min(ra[0], rb[0]), max(ra[1], rb[1]))
            return None
        if ins.opcode in _DECIDE and ins.pure:
            ra, rb = self.range(ops[0]), self.range(ops[1])
            decided = _DECIDE[ins.opcode](ra, rb) if ra and rb else None
            return None if decided is None else Lit(decided, BoolType())
        if ins.opcode in ("and", "or") and isinstance(ins.type, BoolType):
            for x, y in (ops, ops[::-1]):
                if isinstance(x, Lit):
                    return y if x.value == (ins.opcode == "and") else x
        if ins.opcode == "not" and isinstance(ins.type, BoolType) and isinstance(ops[0], Lit):
            return Lit(not ops[0].value, BoolType())
        return None

    def run(self) -> Function:
        body = []
        for ins in self.fn.body:
            ins = Instr(ins.opcode, tuple(self.operand(op) for op in ins.operands), ins.result, ins.type, ins.pure)
            if ins.opcode == "assert.eq" and ins.operands[0] == ins.operands[1]:
                continue
            value = self.value(ins) if ins.result not in self.outputs else None
            if value is not None and ins.result is not None:
                self.replaced[ins.result] = value
                continue
            body.append(ins)
        return replace(self.fn, body=body)


def apply_ranges(fn: Function) -> Function:
    """``fn`` with what :class:`RangeFacts` decides replaced (one forward sweep)."""
    return RangeFacts(fn).run()


FIELD_HALF = FIELD_MODULUS // 2
"""Field elements above this stand for negative integers (``p - v`` is ``-v``)."""

SIGNED_LIMIT = 1 << 250
"""Integer bounds of field registers are kept while both stay below this in magnitude (far from ``p / 2``,
so the field's arithmetic on them is the integers')."""


def field_intervals(fn: Function) -> dict[int, tuple[int, int]]:
    """Bounds ``(lo, hi)`` of the integers that field registers of ``fn`` hold, for those computed from
    integers and constants by ``add``, ``sub``, ``mul``, ``neg``, ``ternary`` and ``cast`` (interval
    arithmetic, one forward sweep; a field constant above ``p / 2`` is negative; a cast integer that may
    be negative gives its bits as an unsigned number, as snarkVM's ``cast`` does). An integer register
    lies in its type's range (``and`` with a constant mask in ``[0, mask]`` when unsigned), a boolean in [0, 1]. Registers
    of unknown bounds (a field input, a hash, a bound past 2^250) are left out.

    What the function's own checks prove is used too (:class:`_Checks`; every instruction of a function runs, and
    one that halts halts it all, so a check anywhere bounds the value wherever it is read): a checked ``cast``
    of ``v = ±z + k`` into ``u<b>`` bounds ``z`` by ``[0, 2^b − 1]`` (a sign test's cast: a 32-bit one bounds a
    computed value to ``[−2^31, 2^31)``, whatever interval arithmetic gave it), and a ``ternary`` whose condition is
    a sign test's bit of ``±z + k`` (bit ``b − 1`` of that cast: ``±z + k − 2^(b−1) ≥ 0``) bounds ``z`` in each
    branch: a ReLU ``c ? z : 0`` is ``[0, hi]``, a clamp to ``[−128, 127]`` is that."""
    checks = _Checks(fn)
    types: dict[int, Any] = {p.reg: p.type for p in fn.inputs}
    known: dict[int, tuple[int, int]] = {}

    def type_of(op: Operand) -> Any:
        if isinstance(op, Lit):
            return op.type
        t = types.get(op.id)
        for step in op.path:
            t = t.elem if isinstance(t, ArrayType) and isinstance(step, int) else \
                dict(t.fields).get(step) if isinstance(t, StructType) else None
        return t

    def bounds(op: Operand) -> tuple[int, int] | None:
        if isinstance(op, Lit):
            if isinstance(op.type, FieldType):
                v = _signed(op.value)
                return v, v
            return (int(op.value), int(op.value)) if isinstance(op.type, (IntType, BoolType)) else None
        if not op.path and op.id in known:
            return known[op.id]
        t = type_of(op)
        return (t.min, t.max) if isinstance(t, IntType) else (0, 1) if isinstance(t, BoolType) else None

    def branch(op: Operand, cond: tuple[int, int, int], holds: bool) -> tuple[int, int] | None:
        """Bounds of ``op`` where the sign test ``cond`` (``σ·z + k ≥ 0``) is ``holds``; None: no value."""
        b = bounds(op)
        form = checks.form.get(op.id) if isinstance(op, Reg) and not op.path else None
        if form is None or form[0] != cond[0] or cond[0] not in known:
            return b
        lo, hi = known[cond[0]]
        edge = -cond[2] if cond[1] == 1 else cond[2]   # σ = 1: z ≥ −k; σ = −1: z ≤ k
        if (cond[1] == 1) == holds:
            lo = max(lo, edge if holds else edge + 1)
        else:
            hi = min(hi, edge - 1 if not holds else edge)
        if lo > hi:
            return None
        ends = sorted((form[1] * lo + form[2], form[1] * hi + form[2]))
        return ends[0], ends[1]

    for ins in fn.body:
        if ins.result is None:
            continue
        types[ins.result] = ins.type
        ops = [bounds(op) for op in ins.operands]
        found: tuple[int, int] | None = None
        if isinstance(ins.type, FieldType) and ins.opcode in _INTERVAL and all(o is not None for o in ops[-2:]):
            found = _INTERVAL[ins.opcode](*ops)
            source = type_of(ins.operands[0])
            if ins.opcode == "cast" and isinstance(source, IntType) and found[0] < 0:
                found = (0, (1 << source.bits) - 1)   # a negative integer's field is its two's complement bits
            test = ins.operands[0]
            if ins.opcode == "ternary" and isinstance(test, Reg) and not test.path and test.id in checks.sign_bit:
                cond = checks.condition(test.id)
                sides = [x for x in (branch(ins.operands[1], cond, True), branch(ins.operands[2], cond, False))
                         if x is not None]
                found = (min(x[0] for x in sides), max(x[1] for x in sides)) if sides else found
        elif isinstance(ins.type, IntType) and not ins.type.signed and ins.opcode == "and" and \
                any(isinstance(op, Lit) for op in ins.operands):
            found = (0, min(int(op.value) for op in ins.operands if isinstance(op, Lit)))
        checked = checks.bound.get(ins.result) if isinstance(ins.type, FieldType) else None
        if checked is not None:
            meet = checked if found is None else (max(found[0], checked[0]), min(found[1], checked[1]))
            found = meet if meet[0] <= meet[1] else found
        if found is not None and max(-found[0], found[1]) < SIGNED_LIMIT:
            known[ins.result] = found
    return known


def _signed(v: int) -> int:
    """A field element as the integer it stands for (above ``p / 2``: negative)."""
    return v - FIELD_MODULUS if v > FIELD_HALF else v


class _Checks:
    """What the checked casts of ``fn`` prove (one sweep, before :func:`field_intervals`'): each field register's
    affine form ``σ·z + k`` (``σ`` = ±1) over a root register ``z`` (one not computed by adding or subtracting a
    constant from, or negating, another: ``form``), the bounds a checked cast of such a value into an unsigned
    integer gives the root (``bound``), and the booleans that are a sign test's bit (``sign_bit``: bit ``b − 1`` of
    the ``u<b>`` cast of a register ``t``, so true exactly when ``t ≥ 2^(b−1)``)."""

    def __init__(self, fn: Function) -> None:
        self.form: dict[int, tuple[int, int, int]] = {}
        self.bound: dict[int, tuple[int, int]] = {}
        self.sign_bit: dict[int, tuple[int, int]] = {}
        cast_of: dict[int, tuple[int, int]] = {}     # a checked cast's result → (the field it cast, its width)
        shifted: dict[int, tuple[int, int]] = {}     # a shift of such a cast by width − 1 → the same
        for ins in fn.body:
            r, ops = ins.result, ins.operands
            if r is None:
                continue
            if isinstance(ins.type, FieldType):
                self.form[r] = self.affine(ins) or (r, 1, 0)
            elif ins.opcode == "cast" and isinstance(ins.type, IntType) and not ins.type.signed and len(ops) == 1 \
                    and isinstance(ops[0], Reg) and not ops[0].path and ops[0].id in self.form:
                z, sigma, k = self.form[ops[0].id]
                lo, hi = -k, ins.type.max - k                 # 0 ≤ σ·z + k ≤ max
                lo, hi = (lo, hi) if sigma == 1 else (-hi, -lo)
                old = self.bound.get(z, (lo, hi))
                self.bound[z] = (max(lo, old[0]), min(hi, old[1]))
                cast_of[r] = (ops[0].id, ins.type.bits)
            elif ins.opcode == "shr" and isinstance(ops[0], Reg) and ops[0].id in cast_of and isinstance(ops[1], Lit) \
                    and ops[1].value == cast_of[ops[0].id][1] - 1:
                shifted[r] = cast_of[ops[0].id]
            elif ins.opcode == "cast.lossy" and isinstance(ins.type, BoolType) and isinstance(ops[0], Reg) \
                    and ops[0].id in shifted:
                self.sign_bit[r] = shifted[ops[0].id]

    def affine(self, ins: Instr) -> tuple[int, int, int] | None:
        """The form of ``ins``'s field result when it is ``±x + k`` of a register ``x`` of known form."""
        ops = ins.operands
        regs = [op for op in ops if isinstance(op, Reg)]
        if len(regs) != 1 or regs[0].path or regs[0].id not in self.form:
            return None
        z, sigma, k = self.form[regs[0].id]
        if ins.opcode == "neg":
            return z, -sigma, -k
        if ins.opcode not in ("add", "sub") or not isinstance(ops[0], (Reg, Lit)) or len(ops) != 2:
            return None
        c = next(_signed(op.value) for op in ops if isinstance(op, Lit))
        if ins.opcode == "add":
            return z, sigma, k + c
        return (z, sigma, k - c) if isinstance(ops[0], Reg) else (z, -sigma, c - k)

    def condition(self, c: int) -> tuple[int, int, int] | None:
        """The sign test boolean ``c`` as ``(z, σ, k)``: true exactly when ``σ·z + k ≥ 0``."""
        t, bits = self.sign_bit[c]
        z, sigma, k = self.form[t]
        return z, sigma, k - (1 << (bits - 1))


def _product(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    corners = [x * y for x in a for y in b]
    return min(corners), max(corners)


_INTERVAL: dict[str, Callable[..., tuple[int, int] | None]] = {
    "add": lambda a, b: (a[0] + b[0], a[1] + b[1]),
    "sub": lambda a, b: (a[0] - b[1], a[1] - b[0]),
    "mul": _product,
    "neg": lambda a: (-a[1], -a[0]),
    "ternary": lambda c, a, b: (min(a[0], b[0]), max(a[1], b[1])),
    "cast": lambda a: a,
}
"""Bounds of a field result from its operands' (the last two of a ``ternary``; its condition may be unknown)."""
