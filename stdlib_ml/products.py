"""Products of two computed fixed-point values, rescaled: the primitive behind gates, attention scores
and recurrent state updates (``stdlib_ml.convert.nn``'s ``mul`` and ``rescale`` nodes).

Two values at scales 2**Sa and 2**Sb multiply to one at 2**(Sa + Sb); left alone, scales would double
at every product (a recurrent network's state would outgrow the field within a few steps). So values
are floored to a coarser scale: with ``|v| < 2**(w-1)``, a checked cast of ``v + 2**(w-1)`` to
``u{w}`` proves the range (and halts outside it, as :func:`stdlib_ml.compare.is_nonneg`), and the
shift by a constant reads ``floor(v / 2**shift)`` from its bits. Cost: the cast, w + 1 constraints
(a product adds its one multiplication); the result is exact.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

_UINT = {8: pl.U8, 16: pl.U16, 32: pl.U32, 64: pl.U64, 128: pl.U128}


@cache
def floor_shift(shift: int, bits: int = 64) -> DslFunction:
    """``floor(v / 2**shift)`` for a field value with ``|v| < 2**(bits-1)`` (halts outside);
    ``0 <= shift < bits``, ``bits`` one of 8, 16, 32, 64, 128. Raises ValueError otherwise."""
    if bits not in _UINT or not 0 <= shift < bits:
        raise ValueError(f"a shift of {shift} bits needs a width in {', '.join(map(str, _UINT))} above it, not {bits}")
    U = _UINT[bits]
    half = 2 ** (bits - 1)
    drop = 2 ** (bits - 1 - shift)

    @pl.inline
    def floor_one(v: pl.Field) -> pl.Field:
        """v floored by 2**shift (one checked cast; the shift reads its bits)."""
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


@cache
def mul_shift_vec(shift: int, bits: int = 64) -> DslFunction:
    """[floor(a_i·b_i / 2**shift) for each i], ``|a_i·b_i| < 2**(bits-1)``: one multiplication and
    :func:`floor_shift` per element."""
    one = floor_shift(shift, bits)

    @pl.inline
    def mul_all(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Elementwise products, each floored by 2**shift."""
        return [one(a[i] * b[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    mul_all.name = f"mul_shift_vec{shift}_{bits}"
    return mul_all
