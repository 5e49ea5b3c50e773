"""Conditional expressions, min and max (both sides computed, one chosen)."""

import pyleo as pl


@pl.function
def relu_clip(x: pl.Array[pl.I64, 4], cap: pl.Public[pl.I64]) -> pl.Array[pl.I64, 4]:
    out: pl.Array[pl.I64, 4] = [0, 0, 0, 0]
    for i in range(4):
        out[i] = min(max(x[i], 0), cap)
    return out


@pl.function
def pick(c: pl.Bool, a: pl.U32, b: pl.U32) -> pl.U32:
    """a - b if c else b - a: the subtraction not chosen may underflow, and then the circuit halts."""
    return a - b if c else b - a


PROGRAM = pl.Program("c21_select_minmax", [relu_clip, pick])

MIN, MAX = -(2**63), 2**63 - 1
CASES = {
    "relu_clip": [([0, 0, 0, 0], 0), ([-1, 1, 5, 10], 5), ([MIN, MAX, -7, 7], MAX), ([MIN, MAX, -7, 7], MIN),
                  ([3, 2, 1, 0], -1)],
    "pick": [(True, 5, 5), (True, 5, 3), (False, 5, 3), (True, 3, 5), (False, 2**32 - 1, 0)],
}
