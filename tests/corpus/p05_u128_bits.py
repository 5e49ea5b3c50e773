"""u128 bitwise and/or/xor/not (public operands: private u128 values make the circuit too large).

u128 arithmetic is exercised in test_ops_property.
"""

import pyleo as pl


@pl.function
def bits128(a: pl.Public[pl.U128], b: pl.Public[pl.U128]) -> tuple[pl.Public[pl.U128], pl.Public[pl.U128], pl.Public[pl.U128], pl.Public[pl.U128]]:
    return a & b, a | b, a ^ b, ~a


PROGRAM = pl.Program("c05_u128_bits", [bits128])

M = 2**128 - 1
CASES = {
    "bits128": [(0, 0), (M, 0), (0, M), (M, M), (2**127, 2**127 - 1), (0xF0F0, 0x0FF0), (1, 2)],
}
