"""The meaning of every IR operation on canonical values: the living definition of the IR.

The interpreter evaluates with these functions and the Aleo emitter folds constants with them, so
both agree by construction; tests compare them with snarkVM's circuit execution (``execute``),
which is the judge. An operation that makes the circuit halt raises :class:`ExecutionError`.
"""

from __future__ import annotations

from typing import Any

from .errors import ExecutionError, Location
from .types import FIELD_MODULUS, BoolType, FieldType, IntType, ScalarType, Type

P = FIELD_MODULUS

_OP_WORDS = {
    "add": "addition", "sub": "subtraction", "mul": "multiplication", "div": "division",
    "rem": "remainder", "shl": "shift left", "shr": "shift right", "neg": "negation", "abs": "absolute value",
}


def _halt(msg: str, loc: Location | None) -> ExecutionError:
    return ExecutionError(msg, loc)


def _lit(v: Any, t: Type) -> str:
    return f"{v}{t.aleo()}"


def _to_signed(bits_value: int, t: IntType) -> int:
    """Reinterpret the low ``t.bits`` bits of a non-negative integer as a value of type ``t``."""
    v = bits_value & ((1 << t.bits) - 1)
    if t.signed and v >> (t.bits - 1):
        v -= 1 << t.bits
    return v


def binary(op: str, a: Any, b: Any, t: Type, rt: Type, loc: Location | None = None) -> Any:
    """Apply binary ``op`` to operands of type ``t`` (the left operand's type); ``rt`` is the result type."""
    if op in ("eq", "ne"):
        return (a == b) == (op == "eq")
    if op in ("lt", "le", "gt", "ge"):
        return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]
    if isinstance(t, BoolType):
        return {"and": a and b, "or": a or b, "xor": a != b}[op]
    if isinstance(t, (FieldType, ScalarType)):
        m = P if isinstance(t, FieldType) else rt_modulus(t)
        if op == "add":
            return (a + b) % m
        if op == "sub":
            return (a - b) % m
        if op == "mul":
            return (a * b) % m
        if op == "div":
            if b == 0:
                raise _halt(f"field division by zero: {_lit(a, t)} / 0{t.aleo()}", loc)
            return a * pow(b, -1, m) % m
        raise ValueError(f"no field operation {op}")
    assert isinstance(t, IntType)
    if op in ("and", "or", "xor"):
        return {"and": a & b, "or": a | b, "xor": a ^ b}[op]
    if op in ("shl", "shr"):
        if b >= t.bits:
            raise _halt(f"{t.aleo()} {_OP_WORDS[op]} by {b} bits is out of range (must be below {t.bits})", loc)
        if op == "shr":
            return a >> b
        r = a << b
        if not t.min <= r <= t.max:
            raise _halt(f"{t.aleo()} shift left overflowed: {_lit(a, t)} << {b}", loc)
        return r
    if op == "add":
        r = a + b
    elif op == "sub":
        r = a - b
    elif op == "mul":
        r = a * b
    elif op in ("div", "rem"):
        if b == 0:
            raise _halt(f"{t.aleo()} {_OP_WORDS[op]} by zero: {_lit(a, t)} {'/' if op == 'div' else '%'} 0{t.aleo()}", loc)
        q = abs(a) // abs(b)
        q = q if (a >= 0) == (b >= 0) else -q
        r = q if op == "div" else a - b * q
        if op == "rem" and not t.min <= q <= t.max:
            raise _halt(f"{t.aleo()} remainder overflowed: {_lit(a, t)} % {_lit(b, t)}", loc)
    else:
        raise ValueError(f"no integer operation {op}")
    if not t.min <= r <= t.max:
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]
        raise _halt(f"{t.aleo()} {_OP_WORDS[op]} overflowed: {_lit(a, t)} {sym} {_lit(b, t)}", loc)
    return r


def rt_modulus(t: Type) -> int:
    from .types import SCALAR_MODULUS

    return P if isinstance(t, FieldType) else SCALAR_MODULUS


def unary(op: str, a: Any, t: Type, loc: Location | None = None) -> Any:
    """Apply unary ``op`` (``neg``, ``not``, ``abs``) to an operand of type ``t``."""
    if op == "not":
        if isinstance(t, BoolType):
            return not a
        assert isinstance(t, IntType)
        return _to_signed(~a & ((1 << t.bits) - 1), t)
    if isinstance(t, (FieldType, ScalarType)):
        if op == "neg":
            return (-a) % rt_modulus(t)
        raise ValueError(f"no field operation {op}")
    assert isinstance(t, IntType)
    r = -a if op == "neg" else abs(a)
    if not t.min <= r <= t.max:
        raise _halt(f"{t.aleo()} {_OP_WORDS[op]} overflowed: {op}({_lit(a, t)})", loc)
    return r


def cast(a: Any, src: Type, dst: Type, lossy: bool, loc: Location | None = None) -> Any:
    """Convert between integer, field and bool types as snarkVM's ``cast`` / ``cast.lossy`` do."""
    if isinstance(src, BoolType):
        a = int(a)
        src = IntType(1, False)
    if isinstance(dst, BoolType):
        if a in (0, 1):
            return a == 1
        if lossy:
            return bool(a & 1)
        raise _halt(f"cast of {a} to boolean failed: only 0 and 1 convert", loc)
    if isinstance(dst, (FieldType, ScalarType)):
        bits = a & ((1 << src.bits) - 1) if isinstance(src, IntType) else a
        m = rt_modulus(dst)
        if bits >= m and not lossy:
            raise _halt(f"cast of {a} to {dst.aleo()} failed: out of range", loc)
        return bits % m
    assert isinstance(dst, IntType)
    if lossy:
        return _to_signed(a & ((1 << dst.bits) - 1) if a >= 0 else a, dst)
    if isinstance(src, (FieldType, ScalarType)):
        # snarkVM checks that the field element has no bits above the target width, then
        # reinterprets those bits as the target type (2^63 → i64::MIN, measured).
        if a >> dst.bits:
            raise _halt(f"cast of {a}{src.aleo()} to {dst.aleo()} failed: the value does not fit", loc)
        return _to_signed(a, dst)
    if not dst.min <= a <= dst.max:
        raise _halt(f"cast of {_lit(a, src)} to {dst.aleo()} failed: the value does not fit", loc)
    return a
