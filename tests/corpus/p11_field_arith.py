"""Field arithmetic: add, sub, mul, div (multiplication by the inverse), negatives, division by zero."""

import pyleo as pl


@pl.function
def fops(a: pl.Public[pl.Field], b: pl.Public[pl.Field]) -> pl.Public[pl.Array[pl.Field, 4]]:
    """Public operands: private field inputs are expensive in the circuit."""
    return [a + b, a - b, a * b, a / b]


@pl.function
def fneg_pow(a: pl.Field) -> tuple[pl.Public[pl.Array[pl.Field, 2]], pl.Public[pl.Bool]]:
    """-a, a**5 and a comparison of field elements (as integers in [0, p))."""
    return [-a, a ** 5], a < -a


PROGRAM = pl.Program("c11_field_arith", [fops, fneg_pow])

P = pl.FIELD_MODULUS
CASES = {
    "fops": [(0, 1), (7, 2), (-7, 2), (1, -1), (-1, -1), (P - 1, P - 1), (5, 0), (0, 0), (2**200, 3),
             (-(2**128), 2**64 + 1)],
    "fneg_pow": [(0,), (1,), (-1,), (2,), ((P - 1) // 2,), ((P + 1) // 2,), (2**64,)],
}
