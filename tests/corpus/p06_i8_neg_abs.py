"""i8 unary minus and abs, both halting on i8::MIN."""

import pyleo as pl


@pl.function
def neg_abs(x: pl.I8) -> tuple[pl.I8, pl.I8]:
    return -x, abs(x)


PROGRAM = pl.Program("c06_i8_neg_abs", [neg_abs])

CASES = {
    "neg_abs": [(0,), (1,), (-1,), (127,), (-127,), (-128,), (42,), (-42,)],
}
