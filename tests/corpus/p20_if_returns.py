"""if / elif / else with returns in branches; a halting division after an early return."""

import pyleo as pl


@pl.function
def safe_div(d: pl.I32) -> pl.I32:
    """Returns 0 for d == 0, yet 100 / d is still computed by the circuit: it halts for d == 0."""
    if d == 0:
        return 0
    return 100 / d


@pl.function
def classify(x: pl.I16) -> pl.Public[pl.U8]:
    if x < -100:
        return 0
    elif x < 0:
        return 1
    elif x == 0:
        return 2
    else:
        if x > 1000:
            return 4
        return 3


@pl.function
def clamp_add(a: pl.U8, b: pl.U8) -> pl.U8:
    """Returns in both branches; the untaken branch's a + b overflows and halts regardless."""
    if a > 200:
        return 255
    else:
        return a + b


PROGRAM = pl.Program("c20_if_returns", [safe_div, classify, clamp_add])

CASES = {
    "safe_div": [(0,), (1,), (-1,), (7,), (-7,), (100,), (101,), (-(2**31),), (2**31 - 1,)],
    "classify": [(-32768,), (-101,), (-100,), (-1,), (0,), (1,), (1000,), (1001,), (32767,)],
    "clamp_add": [(0, 0), (201, 0), (201, 54), (201, 55), (200, 55), (200, 56), (255, 255), (100, 100)],
}
