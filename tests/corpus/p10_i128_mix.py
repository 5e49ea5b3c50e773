"""i128 multiply, add and abs with overflow at the type's extremes."""

import pyleo as pl


@pl.function
def mul_abs(a: pl.I128, b: pl.I128) -> pl.Public[pl.I128]:
    return a * b + abs(a)


PROGRAM = pl.Program("c10_i128_mix", [mul_abs])

MIN, MAX = -(2**127), 2**127 - 1
CASES = {
    "mul_abs": [(0, 0), (-1, 1), (-1, -1), (MIN, 0), (MAX, 1), (MAX, -1), (MIN, 1), (MIN + 1, -1), (2**63, 2**63),
                (2**64, 2**63), (-(2**64), 2**63), (-3, 7)],
}
