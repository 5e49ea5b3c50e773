"""Conditions on loop variables are static: only the taken side is computed (its halts too)."""

import pyleo as pl


@pl.function
def skip_first(x: pl.Array[pl.U32, 4]) -> pl.U32:
    """The division by x[0] sits in a branch that is statically never taken."""
    acc: pl.U32 = 0
    for i in range(4):
        if i == 0:
            acc += x[i]
        elif i % 2 == 1:
            acc += 1000 / x[i]
        else:
            acc = acc * x[i]
    return acc


PROGRAM = pl.Program("c30_static_if", [skip_first])

CASES = {
    "skip_first": [([0, 1, 1, 1],), ([5, 1, 2, 3],), ([5, 0, 2, 3],), ([5, 1, 2, 0],), ([2**32 - 1, 1, 1, 1],),
                   ([2**31, 1, 2, 1],)],
}
