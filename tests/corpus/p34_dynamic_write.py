"""Run-time array indices on the left of an assignment: writes into 1-D and 2-D arrays (halts out of bounds)."""

import pyleo as pl


class Item(pl.Struct):
    v: pl.I16
    tags: pl.Array[pl.U8, 2]


@pl.function
def poke(x: pl.Array[pl.U8, 4], i: pl.Public[pl.U32], v: pl.U8) -> pl.Array[pl.U8, 4]:
    y = x
    y[i] = v
    y[3 - i % 4] += 1  # a second dynamic write, at a computed index
    return y


@pl.function
def grid_set(g: pl.Array[pl.Array[pl.I8, 3], 2], r: pl.U32, c: pl.Public[pl.U32], v: pl.I8) -> pl.Public[pl.Array[pl.Array[pl.I8, 3], 2]]:
    g[r][c] = v
    g[1][c] = g[1][c] - v
    return g


@pl.function
def maybe_poke(x: pl.Array[pl.I16, 3], i: pl.U32, flag: pl.Public[pl.Bool]) -> pl.Array[pl.I16, 3]:
    """A dynamic write on a path that may not be taken; reads out of bounds halt on either side."""
    if flag:
        x[i] = 7
    return x


@pl.function
def items(xs: pl.Public[pl.Array[Item, 3]], i: pl.U32, j: pl.Public[pl.U32], c: pl.Bool) -> pl.Public[pl.Array[Item, 3]]:
    """Dynamic paths through an array of structs: an augmented write, and one under a run-time condition."""
    xs[i].v += 1
    if c:
        xs[j].tags[i] -= 1
    return xs


@pl.function
def after_return(x: pl.Array[pl.I8, 2], i: pl.U32) -> pl.I8:
    """Statements after a return taken at run time are still in the circuit: i - 1 underflows for i == 0."""
    if i == 0:
        return 0
    x[i] = 5
    return x[i - 1]


PROGRAM = pl.Program("c34_dynamic_write", [poke, grid_set, maybe_poke, items, after_return])


def item(v, a, b):
    return {"v": v, "tags": [a, b]}


X = [item(1, 1, 1), item(2, 2, 2), item(32767, 3, 3)]

G = [[1, 2, 3], [-4, -5, -6]]
CASES = {
    "poke": [([0, 0, 0, 0], 0, 9), ([0, 0, 0, 0], 3, 255), ([1, 2, 3, 255], 0, 7), ([1, 2, 3, 4], 4, 1),
             ([1, 2, 3, 4], 1, 0)],
    "grid_set": [(G, 0, 0, 9), (G, 1, 2, -7), (G, 1, 1, 123), (G, 0, 2, 123), (G, 2, 0, 1), (G, 0, 3, 1),
                 (G, 1, 0, -128)],
    "maybe_poke": [([1, 2, 3], 0, True), ([1, 2, 3], 2, False), ([1, 2, 3], 2, True), ([1, 2, 3], 3, True),
                   ([1, 2, 3], 3, False), ([1, 2, 3], 2**32 - 1, False)],
    "items": [(X, 0, 1, False), (X, 1, 0, True), (X, 2, 1, False), (X, 1, 1, True), (X, 0, 2, False), (X, 3, 0, False),
              ([item(0, 0, 0)] * 3, 0, 1, True), (X, 0, 5, False)],
    "after_return": [([1, 2], 0), ([1, 2], 1), ([1, 2], 2), ([1, 2], 7), ([-128, 2], 1)],
}
