"""Checked integer casts: narrowing (halts when out of range), widening, signed <-> unsigned, bool -> int."""

import pyleo as pl


@pl.function
def narrow(x: pl.I64) -> tuple[pl.I8, pl.U16]:
    return pl.I8(x), pl.U16(x)


@pl.function
def widen(x: pl.I8, y: pl.Public[pl.U8]) -> tuple[pl.Public[pl.I128], pl.I64]:
    return pl.I128(x) - pl.I128(pl.U128(y)), pl.I64(x) * pl.I64(pl.I16(y))


@pl.function
def sign_swap(x: pl.U64, b: pl.Public[pl.Bool]) -> tuple[pl.Public[pl.I64], pl.Public[pl.I32]]:
    """u64 -> i64 halts above i64::MAX; bool -> u8 / i32 gives 0 or 1."""
    return pl.I64(x), pl.I32(b) - pl.I32(pl.U8(b)) * 2


PROGRAM = pl.Program("c14_int_casts", [narrow, widen, sign_swap])

CASES = {
    "narrow": [(0,), (1,), (-1,), (127,), (128,), (-128,), (-129,), (255,), (65535,), (65536,), (-(2**63),), (2**63 - 1,)],
    "widen": [(0, 0), (-1, 255), (-128, 255), (127, 0), (-128, 128), (5, 7)],
    "sign_swap": [(0, False), (0, True), (2**63 - 1, True), (2**63, False), (2**64 - 1, True), (12345, False)],
}
