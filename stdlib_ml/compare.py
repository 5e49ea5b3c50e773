"""Sign tests and comparisons of field values: the one non-linear primitive everything else uses.

A field element ``v`` stands for a signed integer with ``|v| < 2**(w-1)``. Adding ``2**(w-1)`` maps
that range onto ``[0, 2**w)``; a checked cast to ``u{w}`` proves it (and halts the circuit if the
value is out of range: no silent wraparound), and the top bit of the result — a shift by a constant,
which costs nothing once the cast has the bits — is the sign. Measured on snarkVM
(benchmarks/stdlib_costs.py, docs/stdlib.md): w + 1 constraints, i.e. 9 for w = 8, 17 for w = 16, 33 for
w = 32, 65 for w = 64 (a ReLU built on it: 34 / 66). Widths 8 and 16 suit values known to be small, such
as a tree split ``threshold - x`` over a narrow feature range (:func:`stdlib_ml.trees.node_widths`).
The alternatives measured for a 64-bit ReLU: top bit compared with ``== 1`` (68),
``>= 2**(w-1)`` instead of the top bit (132), an i64 compare + ternary (131), ``cast.lossy`` then
compare (574, and wrong at 2^63), field ``lt`` (697).

Each function here is made for one width by a factory (``is_nonneg(64)``); the defaults
``is_nonneg64`` / ``greater64`` are ready to call from DSL code.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

_UINT = {8: pl.U8, 16: pl.U16, 32: pl.U32, 64: pl.U64, 128: pl.U128}


@cache
def is_nonneg(bits: int = 64) -> DslFunction:
    """``v >= 0`` for a field value with ``|v| < 2**(bits-1)``; halts outside that range."""
    if bits not in _UINT:
        raise ValueError(f"sign tests come in widths {', '.join(map(str, _UINT))}, not {bits}")
    U = _UINT[bits]
    half = 2 ** (bits - 1)
    top = bits - 1

    @pl.inline
    def nonneg(v: pl.Field) -> pl.Bool:
        """True when v stands for a non-negative integer (one checked cast; the sign is the top bit)."""
        u: U = U(v + half)
        return pl.cast_lossy(u >> top, pl.Bool)

    nonneg.name = f"is_nonneg{bits}"
    return nonneg


@cache
def greater(bits: int = 64) -> DslFunction:
    """``a > b`` for integers held in field elements, ``|a - b| < 2**(bits-1)``."""
    nonneg = is_nonneg(bits)

    @pl.inline
    def gt(a: pl.Field, b: pl.Field) -> pl.Bool:
        """a > b, i.e. a - b - 1 >= 0 (the operands are integers)."""
        return nonneg(a - b - 1)

    gt.name = f"greater{bits}"
    return gt


is_nonneg32 = is_nonneg(32)
is_nonneg64 = is_nonneg(64)
greater64 = greater(64)
