"""Template of the shift programs of tests/test_ops_property.py (see ops_int.py; ``T`` is bound per type).

Kept apart from ops_int.py so that a problem with shifts does not hide the other operators. A shift
left of an i128 by a run-time amount needs more than the 16,384 constraints the installed parameters
allow (u128: 15,228), so for i128 the shift left is tested by constant amounts instead.
"""

import pyleo as pl

T = globals().get("T", pl.I64)
HALF = T.bits // 2
TOP = T.bits - 1
WIDE = T.bits == 128 and T.signed


@pl.function
def op_shl(a: pl.Public[T], s: pl.Public[pl.U8]) -> pl.Public[T]:
    return a << s


@pl.function
def op_shr(a: pl.Public[T], s: pl.Public[pl.U8]) -> pl.Public[T]:
    return a >> s


@pl.function
def shl_one(a: pl.Public[T]) -> pl.Public[T]:
    return a << 1


@pl.function
def shl_half(a: pl.Public[T]) -> pl.Public[T]:
    return a << HALF


@pl.function
def shl_top(a: pl.Public[T]) -> pl.Public[T]:
    return a << TOP


FUNCTIONS = ([shl_one, shl_half, shl_top] if WIDE else [op_shl]) + [op_shr]
PROGRAM = pl.Program(f"shift_{T.aleo()}", FUNCTIONS)
