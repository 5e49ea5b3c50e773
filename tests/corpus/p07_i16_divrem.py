"""i16 division and remainder: truncation toward zero, negatives, MIN / -1, division by zero."""

import pyleo as pl


@pl.function
def divrem(a: pl.I16, b: pl.I16) -> tuple[pl.I16, pl.I16]:
    return a / b, a % b


PROGRAM = pl.Program("c07_i16_divrem", [divrem])

MIN, MAX = -(2**15), 2**15 - 1
CASES = {
    "divrem": [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, -1), (0, 5), (5, 0), (0, 0), (-1, 0),
               (MIN, -1), (MIN, 1), (MIN, 2), (MIN, MIN), (MAX, MIN), (MIN, MAX), (MAX, -1), (-1, MIN), (1, 7)],
}
