"""Private and public inputs and outputs, explicitly and by default (pl.Private spelled out)."""

import pyleo as pl


@pl.function
def vis(a: pl.Private[pl.U64], b: pl.Public[pl.U64], c: pl.U64) -> tuple[pl.Public[pl.U64], pl.Private[pl.U64]]:
    return a + b, (b + c) - a


PROGRAM = pl.Program("c28_visibility", [vis])

M = 2**64 - 1
CASES = {
    "vis": [(0, 0, 0), (1, 2, 3), (M, 0, 0), (M, 1, 0), (0, M, 1), (1, 0, M)],
}
