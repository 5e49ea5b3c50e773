"""Lossy casts keep the low bits: i64 -> u8 / i8, field -> u8 / i16 / bool, u128 -> bool."""

import pyleo as pl


@pl.function
def lossy_int(x: pl.Public[pl.I64], y: pl.Public[pl.U128]) -> tuple[pl.Public[pl.U8], pl.Public[pl.I8], pl.Public[pl.Bool], pl.Public[pl.I128]]:
    return pl.cast_lossy(x, pl.U8), pl.cast_lossy(x, pl.I8), pl.cast_lossy(y, pl.Bool), pl.cast_lossy(y, pl.I128)


@pl.function
def lossy_field(f: pl.Public[pl.Field]) -> tuple[pl.Public[pl.U8], pl.Public[pl.I16], pl.Public[pl.Bool], pl.Public[pl.U128]]:
    return pl.cast_lossy(f, pl.U8), pl.cast_lossy(f, pl.I16), pl.cast_lossy(f, pl.Bool), pl.cast_lossy(f, pl.U128)


PROGRAM = pl.Program("c16_lossy_casts", [lossy_int, lossy_field])

P = pl.FIELD_MODULUS
CASES = {
    "lossy_int": [(0, 0), (-1, 1), (255, 2), (256, 3), (-128, 2**127), (-129, 2**128 - 1), (2**63 - 1, 2**127 - 1),
                  (-(2**63), 4)],
    "lossy_field": [(0,), (1,), (-1,), (255,), (0x18000,), (2**128 + 5,), (P - 2,), (2**252 + 3,)],
}
