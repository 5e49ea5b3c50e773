"""Template of the integer-operator programs of tests/test_ops_property.py (arithmetic, bitwise, compare).

Loaded once per integer type by ``tests.corpus._harness.load_template`` with the module global ``T``
bound to that type before the body runs (a real source file, so pyleo can read the functions' source).
Every operand and result is public: private inputs and outputs cost ~1k constraints each, and an
i128 circuit must stay under the 16,384-constraint limit of the installed parameters.
"""

import pyleo as pl

T = globals().get("T", pl.I64)
SIGNED = T.signed


@pl.function
def op_add(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[T]:
    return a + b


@pl.function
def op_sub(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[T]:
    return a - b


@pl.function
def op_mul(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[T]:
    return a * b


@pl.function
def op_div(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[T]:
    return a / b


@pl.function
def op_rem(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[T]:
    return a % b


@pl.function
def bits(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[pl.Array[T, 4]]:
    return [a & b, a | b, a ^ b, ~a]


@pl.function
def cmp(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[pl.Array[pl.Bool, 6]]:
    return [a < b, a <= b, a > b, a >= b, a == b, a != b]


@pl.function
def neg_abs(a: pl.Public[T], b: pl.Public[T]) -> pl.Public[pl.Array[T, 2]]:
    """-a and abs(b) (signed types only)."""
    return [-a, abs(b)]


FUNCTIONS = [op_add, op_sub, op_mul, op_div, op_rem, bits, cmp] + ([neg_abs] if SIGNED else [])
PROGRAM = pl.Program(f"ops_{T.aleo()}", FUNCTIONS)
