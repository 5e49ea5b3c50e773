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

from .compare import is_nonneg

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


@cache
def requantize_vec(rounding: str, first: tuple[int, int, int], second: tuple[int, int], clamp_bits: int) -> DslFunction:
    """A quantized layer's requantization of int32 accumulators to int8 (``stdlib_ml.convert.nn.integer``),
    per element i, with constant arrays M, P, C, G (offset when negative), Z (zero point), LO, HI:

    - ``first`` = (bits, offset, shift): ``h = floor((x·M + offset) / 2**shift)`` by one checked cast of
      ``bits`` (its top bit: whether h ≥ 0);
    - ``rounding`` ``"double"``: ``y = floor((h·P + C − G·[h < 0]) / 2**shift2)`` by a second checked cast,
      ``second`` = (bits2, shift2) (TFLite's RoundingDivideByPOT with P = 2**(shift2 − r_i)); ``"single"``:
      ``y = h`` (``second`` unused);
    - ``clamp(y + Z, LO, HI)``: two sign tests of ``clamp_bits``.

    Exact; halts when a value leaves the widths it was sized for. Raises ValueError for a width that is
    not 8 … 128 bits or a shift that does not fit below it."""
    bits, offset, shift = first
    bits2, shift2 = second
    for b, s in ((bits, shift), (bits2, shift2)):
        if b not in _UINT or not 0 <= s < b:
            raise ValueError(f"a shift of {s} bits needs a width in {', '.join(map(str, _UINT))} above it, not {b}")
    U, U2 = _UINT[bits], _UINT[bits2]
    half, half2 = 2 ** (bits - 1), 2 ** (bits2 - 1)
    drop, drop2 = 2 ** (bits - 1 - shift), 2 ** (bits2 - 1 - shift2)
    top = bits - 1
    nonneg = is_nonneg(clamp_bits)

    @pl.inline
    def requant_double(x: pl.Field, m: pl.Field, p: pl.Field, c: pl.Field, g: pl.Field, z: pl.Field, lo: pl.Field,
                       hi: pl.Field) -> pl.Field:
        """One accumulator requantized (two roundings) and clamped."""
        u: U = U(x * m + offset + half)
        h: pl.Field = pl.Field(u >> shift) - drop
        up: pl.Bool = pl.cast_lossy(u >> top, pl.Bool)
        t: pl.Field = h * p + c if up else h * p + c - g
        v: U2 = U2(t + half2)
        q: pl.Field = pl.Field(v >> shift2) - drop2 + z
        a: pl.Field = q if nonneg(q - lo) else lo
        return a if nonneg(hi - a) else hi

    @pl.inline
    def requant_single(x: pl.Field, m: pl.Field, p: pl.Field, c: pl.Field, g: pl.Field, z: pl.Field, lo: pl.Field,
                       hi: pl.Field) -> pl.Field:
        """One accumulator requantized (one rounding) and clamped."""
        u: U = U(x * m + offset + half)
        q: pl.Field = pl.Field(u >> shift) - drop + z
        a: pl.Field = q if nonneg(q - lo) else lo
        return a if nonneg(hi - a) else hi

    requant_one = requant_double if rounding == "double" else requant_single

    @pl.inline
    def requant_all(x: pl.Array[pl.Field, "N"], m: pl.Array[pl.Field, "N"], p: pl.Array[pl.Field, "N"],
                    c: pl.Array[pl.Field, "N"], g: pl.Array[pl.Field, "N"], z: pl.Array[pl.Field, "N"],
                    lo: pl.Array[pl.Field, "N"], hi: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Each accumulator requantized and clamped."""
        return [requant_one(x[i], m[i], p[i], c[i], g[i], z[i], lo[i], hi[i]) for i in range(N)]  # noqa: F821

    requant_one.name = f"requant_{rounding}{bits}_{shift}_{offset % 10**9}_{bits2}_{shift2}_{clamp_bits}"
    requant_all.name = f"requant_vec_{rounding}{bits}_{shift}_{offset % 10**9}_{bits2}_{shift2}_{clamp_bits}"
    return requant_all


@cache
def corrections_vec(k: int) -> DslFunction:
    """[Σ_j D[i][j]·[x_i = E[i][j]] for each i]: the runtime's output differs from a formula at a few
    known accumulators (``stdlib_ml.convert.onnx_int8``): k equality tests per value (rows with fewer
    padded with an accumulator that cannot occur and a correction of 0)."""

    @pl.inline
    def fix_one(v: pl.Field, e: pl.Array[pl.Field, k], d: pl.Array[pl.Field, k]) -> pl.Field:
        """The corrections of the accumulators ``v`` equals."""
        acc: pl.Field = 0
        for j in range(k):
            acc += d[j] if v == e[j] else 0
        return acc

    @pl.inline
    def fix_all(x: pl.Array[pl.Field, "N"], e: pl.Array[pl.Array[pl.Field, "K"], "N"],
                d: pl.Array[pl.Array[pl.Field, "K"], "N"]) -> pl.Array[pl.Field, "N"]:
        """Per value, the corrections of the accumulators it equals."""
        return [fix_one(x[i], e[i], d[i]) for i in range(N)]  # noqa: F821

    fix_one.name = f"correction{k}"
    fix_all.name = f"corrections_vec{k}"
    return fix_all
