"""Tuple returns, unpacking a helper's tuple result, mixed visibilities in a tuple."""

import pyleo as pl


@pl.inline
def minmax(a: pl.Array[pl.I32, "N"]) -> tuple[pl.I32, pl.I32]:
    lo = a[0]
    hi = a[0]
    for i in range(1, len(a)):
        lo = min(lo, a[i])
        hi = max(hi, a[i])
    return lo, hi


@pl.inline
def divmod_(a: pl.U32, b: pl.U32) -> tuple[pl.U32, pl.U32]:
    return a / b, a % b


@pl.function
def spread(a: pl.Array[pl.I32, 5]) -> tuple[pl.Public[pl.I32], pl.I32, pl.I32]:
    lo, hi = minmax(a)
    return hi - lo, lo, hi


@pl.function
def digits(n: pl.U32, base: pl.Public[pl.U32]) -> tuple[pl.U32, pl.Public[pl.Array[pl.U32, 2]]]:
    """Two base-`base` digits of n and the rest; reassigns q from the second unpacking."""
    q, r0 = divmod_(n, base)
    q, r1 = divmod_(q, base)
    return q, [r1, r0]


PROGRAM = pl.Program("c26_tuples", [spread, digits])

MIN, MAX = -(2**31), 2**31 - 1
CASES = {
    "spread": [([0, 0, 0, 0, 0],), ([3, -1, 4, 1, -5],), ([MIN, 0, 0, 0, MAX],), ([MIN, -1, MIN, MIN, MIN],),
               ([-1, MAX, -1, -1, -1],), ([7, 7, 7, 7, 7],)],
    "digits": [(0, 10), (123, 10), (255, 16), (2**32 - 1, 2**16), (5, 0), (0, 0), (1, 1)],
}
