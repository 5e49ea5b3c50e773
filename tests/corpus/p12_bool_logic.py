"""Bool logic: and, or, not, xor (^), & and | on bools, == and != on bools."""

import pyleo as pl


@pl.function
def logic(a: pl.Bool, b: pl.Bool, c: pl.Public[pl.Bool]) -> tuple[pl.Public[pl.Array[pl.Bool, 4]], pl.Bool]:
    return [a and b or c, not (a or b), a ^ b, (a & c) | (b != c)], a == (b and not c)


PROGRAM = pl.Program("c12_bool_logic", [logic])

CASES = {"logic": [(a, b, c) for a in (False, True) for b in (False, True) for c in (False, True)]}
