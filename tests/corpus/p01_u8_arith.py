"""u8 arithmetic: add, mul and sub with overflow and underflow; a public operand."""

import pyleo as pl


@pl.function
def u8_mix(a: pl.U8, b: pl.Public[pl.U8]) -> pl.U8:
    """(a + b) * 2 - b * 3: overflows on the add or a mul, underflows on the sub when b > 2a."""
    return (a + b) * 2 - b * 3


PROGRAM = pl.Program("c01_u8_arith", [u8_mix])

CASES = {
    "u8_mix": [(0, 0), (1, 0), (0, 1), (1, 2), (100, 27), (127, 0), (128, 0), (0, 85), (43, 86), (200, 100),
               (63, 64), (255, 0)],
}
