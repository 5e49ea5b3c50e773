"""i32 comparisons: every operator, including chained comparisons."""

import pyleo as pl


@pl.function
def cmp7(a: pl.I32, b: pl.Public[pl.I32]) -> pl.Public[pl.Array[pl.Bool, 7]]:
    """All six comparisons and a chained one, packed in one array output (each output costs ~1k constraints)."""
    return [a < b, a <= b, a > b, a >= b, a == b, a != b, -5 <= a < b]


PROGRAM = pl.Program("c08_i32_compare", [cmp7])

MIN, MAX = -(2**31), 2**31 - 1
CASES = {
    "cmp7": [(0, 0), (-1, 0), (0, -1), (MIN, MAX), (MAX, MIN), (MIN, MIN), (MAX, MAX), (-5, -4), (-6, 0), (-5, -5)],
}
