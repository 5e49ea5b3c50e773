"""Nested arrays: a matrix product with element assignment in nested loops, and a transpose."""

import pyleo as pl


@pl.function
def matmul(a: pl.Array[pl.Array[pl.I32, 3], 2], b: pl.Public[pl.Array[pl.Array[pl.I32, 2], 3]]) -> pl.Public[pl.Array[pl.Array[pl.I32, 2], 2]]:
    c: pl.Array[pl.Array[pl.I32, 2], 2] = [[0, 0], [0, 0]]
    for i in range(2):
        for j in range(2):
            for k in range(3):
                c[i][j] += a[i][k] * b[k][j]
    return c


@pl.function
def transpose(m: pl.Array[pl.Array[pl.U8, 3], 2]) -> pl.Public[pl.Array[pl.Array[pl.U8, 2], 3]]:
    t: pl.Array[pl.Array[pl.U8, 2], 3] = [[0] * 2 for _ in range(3)]
    for i in range(2):
        for j in range(3):
            t[j][i] = m[i][j]
    return t


PROGRAM = pl.Program("c19_matrix", [matmul, transpose])

CASES = {
    "matmul": [([[0] * 3] * 2, [[0] * 2] * 3), ([[1, 2, 3], [4, 5, 6]], [[7, 8], [9, 10], [11, 12]]),
               ([[-1, 0, 1], [2, -3, 4]], [[5, -6], [7, 8], [-9, 10]]),
               ([[46341, 0, 0], [0, 0, 0]], [[46341, 0], [0, 0], [0, 0]]),
               ([[46340, 1, 0], [0, 0, 0]], [[46340, 0], [7, 0], [0, 0]]),
               ([[-(2**31), 0, 0], [0, 0, 0]], [[1, -1], [0, 0], [0, 0]])],
    "transpose": [([[1, 2, 3], [4, 5, 6]],), ([[0, 255, 0], [255, 0, 255]],)],
}
