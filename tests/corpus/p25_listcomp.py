"""List comprehensions: over inputs, over constants, nested, with the loop variable in arithmetic."""

import pyleo as pl

K = [5, 6, 7, 8]


@pl.function
def scaled(x: pl.Array[pl.U16, 4]) -> pl.Array[pl.U16, 4]:
    return [x[i] * K[i] + i for i in range(4)]


@pl.function
def outer(a: pl.Array[pl.I8, 2], b: pl.Array[pl.I8, 3]) -> pl.Array[pl.Array[pl.I8, 3], 2]:
    return [[a[i] * b[j] for j in range(3)] for i in range(2)]


PROGRAM = pl.Program("c25_listcomp", [scaled, outer])

CASES = {
    "scaled": [([0, 0, 0, 0],), ([1, 2, 3, 4],), ([13107, 0, 0, 0],), ([13108, 0, 0, 0],), ([0, 0, 0, 8191],),
               ([0, 0, 0, 8192],)],
    "outer": [([0, 0], [0, 0, 0]), ([1, -1], [127, -127, 0]), ([11, -11], [11, 10, -11]), ([1, -1], [127, -128, 0]),
              ([12, 0], [11, 0, 0])],
}
