"""Run-time array indices: reads at an index that is an input (halts when out of bounds)."""

import pyleo as pl

TABLE = [10, 20, 30, 40, 50]


@pl.function
def lookup(x: pl.Array[pl.I64, 4], i: pl.U32) -> pl.I64:
    return x[i] + TABLE[i]


@pl.function
def grid_get(g: pl.Array[pl.Array[pl.I8, 3], 2], r: pl.U8, c: pl.U8) -> pl.I8:
    return g[pl.U32(r)][pl.U32(c)]


PROGRAM = pl.Program("c29_dynamic_index", [lookup, grid_get])

G = [[1, 2, 3], [-4, -5, -6]]
CASES = {
    "lookup": [([1, 2, 3, 4], 0), ([1, 2, 3, 4], 3), ([1, 2, 3, 4], 4), ([1, 2, 3, 4], 2**32 - 1), ([2**63 - 1, 0, 0, 0], 0)],
    "grid_get": [(G, 0, 0), (G, 1, 2), (G, 0, 2), (G, 2, 0), (G, 0, 3), (G, 255, 255)],
}
