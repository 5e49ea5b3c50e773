"""Template of the identity-operand programs of tests/test_ops_property.py (issue 21: 6 of 1,409 operator
edge cases disagreed). An operand that is its operator's identity or absorbing element (``x + 0``,
``1 * x``, ``x * 0``), a select between equal sides and ``min(x, x)`` fold to ``x`` or to a constant, so
each result here is the same register or constant as a neighbouring output: snarkVM refused such
programs until repeated outputs were copied. Loaded once per type with ``T`` bound (as ops_int.py).
"""

import pyleo as pl

T = globals().get("T", pl.I64)


@pl.function
def identities(x: pl.Public[T]) -> tuple[pl.Public[T], pl.Public[T], pl.Public[T], pl.Public[T], pl.Public[T]]:
    return x + 0, 0 + x, x - 0, x * 1, x


@pl.function
def absorbing(x: pl.Public[T]) -> tuple[pl.Public[T], pl.Public[T], pl.Public[T], pl.Public[T], pl.Public[T]]:
    return x * 0, 0 * x, 0, x & 0, x - x


@pl.function
def equal_sides(x: pl.Public[T], c: pl.Public[pl.Bool]) -> tuple[pl.Public[T], pl.Public[T], pl.Public[T],
                                                                  pl.Public[T]]:
    return x if c else x, min(x, x), max(x, x), x


PROGRAM = pl.Program(f"identity_{T.aleo()}", [identities, absorbing, equal_sides])
FUNCTIONS = [identities, absorbing, equal_sides]
