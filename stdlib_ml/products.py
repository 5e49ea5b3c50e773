"""Products of two computed fixed-point values, rescaled: the primitive behind gates, attention scores
and recurrent state updates (``stdlib_ml.convert.nn``'s ``mul`` nodes).

Two values at scales 2**Sa and 2**Sb multiply to one at 2**(Sa + Sb); left alone, scales would double
at every product (a recurrent network's state would outgrow the field within a few steps). So the
product is floored back by 2**shift: with ``|a·b| < 2**(w-1)``, a checked cast of ``a·b + 2**(w-1)``
to ``u{w}`` proves the range (and halts outside it, as :func:`stdlib_ml.compare.is_nonneg`), and the
shift by a constant reads the floor from its bits. Cost: the cast, w + 1 constraints, plus the one
multiplication (1 constraint); the result is ``floor(a·b / 2**shift)`` exactly.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

_UINT = {8: pl.U8, 16: pl.U16, 32: pl.U32, 64: pl.U64, 128: pl.U128}


@cache
def mul_shift(shift: int, bits: int = 64) -> DslFunction:
    """``floor(a·b / 2**shift)`` for field values with ``|a·b| < 2**(bits-1)`` (halts outside);
    ``0 <= shift < bits``."""
    if bits not in _UINT:
        raise ValueError(f"products come in widths {', '.join(map(str, _UINT))}, not {bits}")
    if not 0 <= shift < bits:
        raise ValueError(f"a shift of {shift} bits does not fit a {bits}-bit product")
    U = _UINT[bits]
    half = 2 ** (bits - 1)
    drop = 2 ** (bits - 1 - shift)

    @pl.inline
    def mul_one(a: pl.Field, b: pl.Field) -> pl.Field:
        """a·b floored by 2**shift (one checked cast; the shift reads its bits)."""
        u: U = U(a * b + half)
        return pl.Field(u >> shift) - drop

    mul_one.name = f"mul_shift{shift}_{bits}"
    return mul_one


@cache
def mul_shift_vec(shift: int, bits: int = 64) -> DslFunction:
    """[floor(a_i·b_i / 2**shift) for each i]: :func:`mul_shift` per element."""
    one = mul_shift(shift, bits)

    @pl.inline
    def mul_all(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Elementwise products, each floored by 2**shift."""
        return [one(a[i], b[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    mul_all.name = f"mul_shift_vec{shift}_{bits}"
    return mul_all


@cache
def floor_shift(shift: int, bits: int = 64) -> DslFunction:
    """``floor(v / 2**shift)`` for a field value with ``|v| < 2**(bits-1)`` (halts outside): a value
    brought to a coarser scale before it is multiplied (one checked cast, w + 1 constraints)."""
    if bits not in _UINT or not 0 <= shift < bits:
        raise ValueError(f"a shift of {shift} bits needs a width in {', '.join(map(str, _UINT))} above it, not {bits}")
    U = _UINT[bits]
    half = 2 ** (bits - 1)
    drop = 2 ** (bits - 1 - shift)

    @pl.inline
    def floor_one(v: pl.Field) -> pl.Field:
        """v floored by 2**shift."""
        u: U = U(v + half)
        return pl.Field(u >> shift) - drop

    floor_one.name = f"floor_shift{shift}_{bits}"
    return floor_one


@cache
def floor_shift_vec(shift: int, bits: int = 64) -> DslFunction:
    """[floor(v_i / 2**shift) for each i]: :func:`floor_shift` per element."""
    one = floor_shift(shift, bits)

    @pl.inline
    def floor_all(v: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Each element floored by 2**shift."""
        return [one(v[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    floor_all.name = f"floor_shift_vec{shift}_{bits}"
    return floor_all
