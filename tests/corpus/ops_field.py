"""Field operators for tests/test_ops_property.py: add, sub, mul, neg (never halt), div, comparisons."""

import pyleo as pl

F = pl.Public[pl.Field]


@pl.function
def ring(a: F, b: F) -> pl.Public[pl.Array[pl.Field, 4]]:
    return [a + b, a - b, a * b, -a]


@pl.function
def fdiv(a: F, b: F) -> F:
    return a / b


@pl.function
def fcmp(a: F, b: F) -> pl.Public[pl.Array[pl.Bool, 6]]:
    return [a < b, a <= b, a > b, a >= b, a == b, a != b]


PROGRAM = pl.Program("ops_field", [ring, fdiv, fcmp])
