"""Bitwise operators on i8, including ~ on signed values."""

import pyleo as pl


@pl.function
def bits_i8(a: pl.I8, b: pl.I8) -> pl.Public[pl.Array[pl.I8, 4]]:
    return [a & b, a | b, a ^ b, ~a]


PROGRAM = pl.Program("c13_small_bitwise", [bits_i8])

CASES = {
    "bits_i8": [(0, 0), (-1, 0), (-128, 127), (-128, -1), (127, 127), (-86, 85), (3, -3)],
}
