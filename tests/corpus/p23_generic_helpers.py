"""Generic inline helpers specialized at two sizes; a helper calling a helper; helpers with early returns."""

import pyleo as pl


@pl.inline
def dot(a: pl.Array[pl.I64, "N"], b: pl.Array[pl.I64, "N"]) -> pl.I64:
    acc: pl.I64 = 0
    for i in range(len(a)):
        acc += a[i] * b[i]
    return acc


@pl.inline
def total(a: pl.Array[pl.I64, "N"]) -> pl.I64:
    ones: pl.Array[pl.I64, "N"] = [1 for _ in range(len(a))]
    return dot(a, ones)


@pl.inline
def safe_quot(a: pl.I64, b: pl.I64) -> pl.I64:
    if b == 0:
        return 0
    return a / b


@pl.function
def two_sizes(x: pl.Array[pl.I64, 2], y: pl.Public[pl.Array[pl.I64, 3]]) -> tuple[pl.Public[pl.I64], pl.Public[pl.I64]]:
    return dot(x, x), total(y) + dot(y, [1, 2, 3])


@pl.function
def quot(a: pl.I64, b: pl.I64) -> pl.I64:
    """safe_quot still computes a / b for b == 0, so the circuit halts; for b != 0 it divides."""
    return safe_quot(a, b)


PROGRAM = pl.Program("c23_generic_helpers", [two_sizes, quot])

MIN, MAX = -(2**63), 2**63 - 1
CASES = {
    "two_sizes": [([0, 0], [0, 0, 0]), ([1, 2], [1, -1, 1]), ([3037000499, 0], [0] * 3), ([-3037000500, 0], [0] * 3),
                  ([0, 0], [MAX, 0, 0]), ([0, 0], [-1, 0, MIN]), ([0, 0], [MAX // 4, 0, 0]), ([0, 0], [0, 0, MAX // 4 + 1])],
    "quot": [(7, 2), (-7, 2), (7, 0), (0, 0), (MIN, -1), (MIN, 1), (MAX, -1)],
}
