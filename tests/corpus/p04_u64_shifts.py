"""u64 shifts: amounts up to and past the bit width, shl overflow (more in test_ops_property)."""

import pyleo as pl


@pl.function
def shifts(a: pl.U64, s: pl.U8) -> tuple[pl.U64, pl.U64]:
    return a << s, a >> s


PROGRAM = pl.Program("c04_u64_shifts", [shifts])

M = 2**64 - 1
CASES = {
    "shifts": [(0, 0), (1, 63), (1, 64), (0, 64), (0, 255), (3, 62), (3, 63), (2**63, 1), (M, 0), (M, 1), (5, 3)],
}
