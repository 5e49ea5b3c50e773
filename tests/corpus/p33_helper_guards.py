"""Helpers called under a run-time condition: their asserts hold only on the taken path, their halts always."""

import pyleo as pl


@pl.inline
def positive_root(x: pl.I32) -> pl.I32:
    assert x >= 0, "needs x >= 0"
    r: pl.I32 = 0
    for k in range(1, 8):
        if pl.I32(k * k) <= x:
            r = pl.I32(k)
    return r


@pl.function
def maybe_root(x: pl.I32) -> pl.I32:
    y: pl.I32 = -1
    if x >= 0:
        y = positive_root(x)
    return y


@pl.function
def root_or_zero(x: pl.Public[pl.I32]) -> pl.Public[pl.I32]:
    """After an early return the helper's assert no longer applies."""
    if x < 0:
        return 0
    return positive_root(x)


PROGRAM = pl.Program("c33_helper_guards", [maybe_root, root_or_zero])

CASES = {
    "maybe_root": [(-1,), (-(2**31),), (0,), (1,), (3,), (4,), (48,), (49,), (50,), (2**31 - 1,)],
    "root_or_zero": [(-1,), (-(2**31),), (0,), (10,), (2**31 - 1,)],
}
