"""Compile-time constants from globals: lists, numpy integer arrays, nested lists, scalars, indexed by loop vars."""

import numpy as np

import pyleo as pl

W = [3, -1, 4, 1]
B = np.array([[2, 0], [-5, 7]], dtype=np.int64)
NESTED = [[1, 2, 3], [4, 5, 6]]
SCALE = 10
BIG = np.array([2**64 - 1, 2**63, 3], dtype=np.uint64)
MASK = np.array([True, False, True])
N = 4


@pl.function
def affine(x: pl.Array[pl.I64, 4]) -> pl.I64:
    acc: pl.I64 = SCALE * 2
    for i in range(N):
        acc += W[i] * x[i] + NESTED[i % 2][i % 3]
    return acc - W[0] * NESTED[1][2]


@pl.function
def np_matvec(v: pl.Array[pl.I16, 2]) -> pl.Array[pl.I16, 2]:
    out: pl.Array[pl.I16, 2] = [0, 0]
    for i in range(2):
        for j in range(2):
            out[i] += B[i][j] * v[j]
    return out


@pl.function
def np_masks(x: pl.Array[pl.U64, 3]) -> pl.Public[pl.U64]:
    """numpy uint64 constants above i64::MAX and a numpy bool mask, indexed by the loop variable."""
    acc: pl.U64 = 0
    for i in range(3):
        if MASK[i]:
            acc ^= x[i] & BIG[i]
        else:
            acc += x[i] % BIG[i]
    return acc


PROGRAM = pl.Program("c24_constants", [affine, np_matvec, np_masks])

CASES = {
    "affine": [([0, 0, 0, 0],), ([1, 2, 3, 4],), ([-(2**63) // 3, 0, 0, 0],), ([0, 2**61, 0, 0],), ([0, 0, 2**61, 0],)],
    "np_matvec": [([0, 0],), ([1, 1],), ([-3, 4],), ([16383, 0],), ([16384, 0],), ([0, -(2**15)],), ([0, 4681],),
                  ([0, 4682],)],
    "np_masks": [([0, 0, 0],), ([2**64 - 1, 2**64 - 1, 2**64 - 1],), ([12345, 2**63 + 5, 7],), ([1, 2, 3],)],
}
