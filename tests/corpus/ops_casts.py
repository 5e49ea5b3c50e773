"""Casts for tests/test_ops_property.py: checked (halting when the value does not fit) and lossy.

``CASTS`` maps each function to its (source, target) types; the test draws sources from the first.
"""

import pyleo as pl


@pl.function
def i64_to_u8(x: pl.Public[pl.I64]) -> pl.Public[pl.U8]:
    return pl.U8(x)


@pl.function
def u8_to_i8(x: pl.Public[pl.U8]) -> pl.Public[pl.I8]:
    return pl.I8(x)


@pl.function
def i8_to_u128(x: pl.Public[pl.I8]) -> pl.Public[pl.U128]:
    return pl.U128(x)


@pl.function
def u128_to_i128(x: pl.Public[pl.U128]) -> pl.Public[pl.I128]:
    return pl.I128(x)


@pl.function
def i128_to_i64(x: pl.Public[pl.I128]) -> pl.Public[pl.I64]:
    return pl.I64(x)


@pl.function
def u64_to_bool(x: pl.Public[pl.U64]) -> pl.Public[pl.Bool]:
    return pl.Bool(x)


@pl.function
def bool_to_i8(x: pl.Public[pl.Bool]) -> pl.Public[pl.I8]:
    return pl.I8(x)


@pl.function
def i64_to_field(x: pl.Public[pl.I64]) -> pl.Public[pl.Field]:
    return pl.Field(x)


@pl.function
def i8_to_field(x: pl.Public[pl.I8]) -> pl.Public[pl.Field]:
    return pl.Field(x)


@pl.function
def u128_to_field(x: pl.Public[pl.U128]) -> pl.Public[pl.Field]:
    return pl.Field(x)


@pl.function
def field_to_i64(x: pl.Public[pl.Field]) -> pl.Public[pl.I64]:
    return pl.I64(x)


@pl.function
def field_to_u8(x: pl.Public[pl.Field]) -> pl.Public[pl.U8]:
    return pl.U8(x)


@pl.function
def field_to_i128(x: pl.Public[pl.Field]) -> pl.Public[pl.I128]:
    return pl.I128(x)


@pl.function
def lossy_i128_to_u8(x: pl.Public[pl.I128]) -> pl.Public[pl.U8]:
    return pl.cast_lossy(x, pl.U8)


@pl.function
def lossy_u128_to_i8(x: pl.Public[pl.U128]) -> pl.Public[pl.I8]:
    return pl.cast_lossy(x, pl.I8)


@pl.function
def lossy_i8_to_u64(x: pl.Public[pl.I8]) -> pl.Public[pl.U64]:
    """Widening a negative value: sign-extended bits."""
    return pl.cast_lossy(x, pl.U64)


@pl.function
def lossy_i64_to_bool(x: pl.Public[pl.I64]) -> pl.Public[pl.Bool]:
    return pl.cast_lossy(x, pl.Bool)


@pl.function
def lossy_field_to_u64(x: pl.Public[pl.Field]) -> pl.Public[pl.U64]:
    return pl.cast_lossy(x, pl.U64)


@pl.function
def lossy_field_to_i16(x: pl.Public[pl.Field]) -> pl.Public[pl.I16]:
    return pl.cast_lossy(x, pl.I16)


FUNCTIONS = [i64_to_u8, u8_to_i8, i8_to_u128, u128_to_i128, i128_to_i64, u64_to_bool, bool_to_i8, i64_to_field,
             i8_to_field, u128_to_field, field_to_i64, field_to_u8, field_to_i128, lossy_i128_to_u8,
             lossy_u128_to_i8, lossy_i8_to_u64, lossy_i64_to_bool, lossy_field_to_u64, lossy_field_to_i16]
PROGRAM = pl.Program("ops_casts", FUNCTIONS)
