"""u16 powers with constant exponents (x**0, x**1, x**3) and overflow."""

import pyleo as pl


@pl.function
def poly(x: pl.U16) -> tuple[pl.U16, pl.Public[pl.U16]]:
    """x**0 is 1 for every x (also 0); x**1 + x**3 overflows from x = 41."""
    return x ** 0, x ** 1 + x ** 3


PROGRAM = pl.Program("c02_u16_pow", [poly])

CASES = {"poly": [(0,), (1,), (2,), (39,), (40,), (41,), (255,), (65535,)]}
