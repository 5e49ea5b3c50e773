"""u32 loops with a step and nested loops over constant bounds."""

import pyleo as pl


@pl.function
def even_sum(x: pl.Array[pl.U32, 8]) -> pl.U32:
    """Sum of x[0] + x[2] + x[4] + x[6] (range with step 2)."""
    acc: pl.U32 = 0
    for i in range(0, 8, 2):
        acc += x[i]
    return acc


@pl.function
def triangle(x: pl.Array[pl.U32, 4]) -> pl.U32:
    """Sum over i <= j of x[i] * x[j] (nested loops; a static condition on both loop variables)."""
    acc: pl.U32 = 0
    for i in range(4):
        for j in range(4):
            if j >= i:
                acc += x[i] * x[j]
    return acc


PROGRAM = pl.Program("c03_u32_loops", [even_sum, triangle])

U32_MAX = 2**32 - 1
CASES = {
    "even_sum": [([0] * 8,), ([1, 2, 3, 4, 5, 6, 7, 8],), ([U32_MAX, 5, 0, 5, 0, 5, 0, 5],),
                 ([U32_MAX, 0, 1, 0, 0, 0, 0, 0],), ([2**31, 9, 2**31 - 1, 9, 0, 9, 0, 9],)],
    "triangle": [([0, 0, 0, 0],), ([1, 2, 3, 4],), ([65535, 0, 0, 0],), ([65536, 0, 0, 0],), ([65535, 1, 0, 0],)],
}
