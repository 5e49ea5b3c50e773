"""Casts between integers, bools and fields: int -> field reinterprets the bits; field -> int checks the width."""

import pyleo as pl


@pl.function
def to_field(x: pl.I64, y: pl.Public[pl.U128], b: pl.Public[pl.Bool]) -> pl.Public[pl.Array[pl.Field, 3]]:
    return [pl.Field(x), pl.Field(y), pl.Field(b)]


@pl.function
def field_to_i64(f: pl.Field) -> pl.I64:
    return pl.I64(f)


@pl.function
def field_to_small(f: pl.Field) -> tuple[pl.U8, pl.Bool]:
    return pl.U8(f), pl.Bool(f)


PROGRAM = pl.Program("c15_field_casts", [to_field, field_to_i64, field_to_small])

P = pl.FIELD_MODULUS
CASES = {
    "to_field": [(0, 0, False), (-5, 1, True), (-(2**63), 2**128 - 1, False), (2**63 - 1, 2**64, True), (-1, 0, True)],
    "field_to_i64": [(0,), (1,), (2**63 - 1,), (2**63,), (2**64 - 1,), (2**64,), (-1,), (P - 2**63,), (2**200,)],
    "field_to_small": [(0,), (1,), (2,), (255,), (256,), (-1,)],
}
