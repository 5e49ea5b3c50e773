"""Constant folding: operations on constants are computed at compile time, but one that halts must
still halt at run time (in the interpreter and in the circuit); x + 0, x * 1 fold to x."""

import pyleo as pl


@pl.function
def fold(x: pl.U8) -> pl.U8:
    big: pl.U8 = 200
    y = big + 50
    z = (x + 0) * 1 - 0
    return y + z


@pl.function
def const_halt(x: pl.I8, c: pl.Public[pl.Bool]) -> pl.I8:
    """-k for the constant k = -128 overflows: the circuit halts whatever the inputs."""
    k: pl.I8 = -128
    y: pl.I8 = x
    if c:
        y = -k
    return y


@pl.function
def const_div(x: pl.Field) -> pl.Public[pl.Field]:
    """A field division by a constant zero that sits in a statically untaken branch is never computed."""
    acc: pl.Field = x
    for i in range(3):
        if i == 5:
            acc = acc / 0
        else:
            acc = acc * 3 + pl.Field(i)
    return acc


@pl.function
def const_div0(x: pl.U8) -> pl.U8:
    """Constant operations that halt (snarkVM already refuses them while authorizing): division by zero..."""
    k: pl.U8 = 7
    z: pl.U8 = 0
    return x + k / z


@pl.function
def const_cast(x: pl.U8) -> pl.U8:
    """... a checked cast that does not fit ..."""
    k: pl.I16 = 300
    return x + pl.U8(k)


@pl.function
def const_shl(x: pl.U8) -> pl.U8:
    """... and a shift by the bit width or more."""
    k: pl.U8 = 1
    return x + (k << 9)


PROGRAM = pl.Program("c35_folding", [fold, const_halt, const_div, const_div0, const_cast, const_shl])

CASES = {
    "fold": [(0,), (5,), (6,), (255,)],
    "const_halt": [(0, True), (0, False), (-128, False), (127, True)],
    "const_div": [(0,), (1,), (-1,), (pl.FIELD_MODULUS - 1,)],
    "const_div0": [(0,)],
    "const_cast": [(0,)],
    "const_shl": [(0,)],
}
