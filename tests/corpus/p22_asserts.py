"""assert: passing, failing, inside a branch (only where the branch is taken), after an early return."""

import pyleo as pl


@pl.function
def branch_assert(x: pl.I32, strict: pl.Public[pl.Bool]) -> pl.I32:
    y: pl.I32 = 0
    if strict:
        assert x >= 0, "strict mode needs x >= 0"
        y = x
    else:
        y = abs(x)
    return y + 1


@pl.function
def after_return(x: pl.I32) -> pl.I32:
    """A returned path skips the later assert."""
    if x < 0:
        return -1
    assert x < 100
    return x


PROGRAM = pl.Program("c22_asserts", [branch_assert, after_return])

CASES = {
    "branch_assert": [(0, True), (5, True), (-5, True), (-5, False), (-(2**31), False), (2**31 - 1, False),
                      (2**31 - 1, True)],
    "after_return": [(-5,), (-(2**31),), (0,), (99,), (100,), (2**31 - 1,)],
}
