"""Output shapes: constants as outputs, no inputs, no outputs, inputs passed through (also twice, and with
another visibility), and a helper's tuple unpacked into an array element and a struct field."""

import pyleo as pl


class Rec(pl.Struct):
    a: pl.I8
    b: pl.Array[pl.Bool, 2]


@pl.inline
def around(v: pl.I8) -> tuple[pl.I8, pl.I8]:
    return v + 1, v - 1


@pl.function
def constants() -> tuple[pl.I16, pl.Public[pl.Array[pl.U8, 2]], pl.Field]:
    return -3, [1, 2], 7


@pl.function
def passthru(x: pl.Public[pl.I8], v: pl.Public[pl.Array[pl.I8, 2]], r: Rec) -> tuple[pl.I8, pl.Public[pl.I8], Rec]:
    """x is output twice; v[1] and r.a receive a helper's two results."""
    v[1], r.a = around(v[0])
    r.b[0] = v[1] > 0
    return x, x, r


@pl.function
def only_assert(x: pl.I8, y: pl.Public[pl.I8]):
    """No outputs at all: only the assertion (and the overflow of x + y) can make it halt."""
    assert x + y > 0


PROGRAM = pl.Program("c37_outputs", [constants, passthru, only_assert])


def rec(a, b0, b1):
    return {"a": a, "b": [b0, b1]}


CASES = {
    "constants": [()],
    "passthru": [(0, [0, 0], rec(0, False, False)), (-128, [5, 9], rec(3, False, True)),
                 (127, [127, 0], rec(0, True, False)), (1, [-128, 0], rec(0, True, True))],
    "only_assert": [(1, 0), (0, 0), (-1, 1), (127, 1), (100, -128), (-128, 127)],
}
