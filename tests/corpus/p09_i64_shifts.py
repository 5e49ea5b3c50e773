"""i64 shifts: arithmetic shift right of negatives, shl overflow on signed values."""

import pyleo as pl


@pl.function
def sar(a: pl.I64, s: pl.U8) -> pl.I64:
    return a >> s


@pl.function
def sal(a: pl.I64, s: pl.Public[pl.U16]) -> pl.I64:
    return a << s


PROGRAM = pl.Program("c09_i64_shifts", [sar, sal])

MIN, MAX = -(2**63), 2**63 - 1
CASES = {
    "sar": [(-7, 1), (-1, 63), (MIN, 63), (MIN, 1), (MAX, 62), (7, 1), (-8, 2), (5, 64), (-5, 200), (0, 0)],
    "sal": [(1, 62), (1, 63), (-1, 63), (-1, 62), (-2, 62), (MIN, 0), (MIN, 1), (3, 61), (-3, 61), (1, 64),
            (0, 63), (2**62, 1), (-(2**62), 1), (-7, 3)],
}
