"""Reciprocals and reciprocal square roots of computed fixed-point values, decided exactly by range tests:
the divisions inside a softmax (by the sum of its exponentials) and a layer norm (by the standard deviation),
``stdlib_ml.convert.nn``'s ``search`` nodes.

snarkVM has no fixed-point division or square root, and a circuit takes no hint from its prover, so the
result is found bit by bit, from the top: ``R`` is the largest integer below ``2**bits`` with
``R**power · V <= 2**n`` (power 1: ``R = floor(2**n / V)``; power 2: ``R = floor(sqrt(2**n / V))``),
each bit kept when the test ``2**n − c**power·V >= 0`` of the candidate ``c`` passes (one sign test,
:func:`stdlib_ml.compare.is_nonneg`). So ``R**power·V <= 2**n < (R + 1)**power·V`` holds exactly (for
``V >= 1`` and ``R < 2**bits − 1``; ``V = 0`` gives ``2**bits − 1``), the way integer division is checked.
Cost per result: ``bits`` sign tests of ``width`` bits (width + 1 constraints each) and ``power``
multiplications per bit.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import is_nonneg


@cache
def search(power: int, n: int, bits: int, width: int) -> DslFunction:
    """The largest ``R < 2**bits`` with ``R**power · v <= 2**n`` for a field value ``v >= 0``;
    ``power`` 1 or 2; ``|2**n − c**power·v| < 2**(width-1)`` for every candidate c (else it halts).
    Raises ValueError for another power or a width :func:`is_nonneg` does not take."""
    if power not in (1, 2):
        raise ValueError(f"search finds 1/v (power 1) or 1/sqrt(v) (power 2), not power {power}")
    nonneg = is_nonneg(width)
    steps = [2**b for b in range(bits - 1, -1, -1)]
    top = 2**n

    if power == 1:
        @pl.inline
        def search_one(v: pl.Field) -> pl.Field:
            """floor(2**n / v), below 2**bits: bit by bit from the top."""
            r: pl.Field = 0
            for i in range(len(steps)):
                c: pl.Field = r + steps[i]
                r = c if nonneg(top - c * v) else r
            return r
    else:
        @pl.inline
        def search_one(v: pl.Field) -> pl.Field:
            """floor(sqrt(2**n / v)), below 2**bits: bit by bit from the top."""
            r: pl.Field = 0
            for i in range(len(steps)):
                c: pl.Field = r + steps[i]
                r = c if nonneg(top - c * c * v) else r
            return r

    search_one.name = f"search{power}_{n}_{bits}_{width}"
    return search_one


@cache
def search_vec(power: int, n: int, bits: int, width: int) -> DslFunction:
    """:func:`search` on each element of a vector."""
    one = search(power, n, bits, width)

    @pl.inline
    def search_all(v: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Each element's search."""
        return [one(v[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    search_all.name = f"search_vec{power}_{n}_{bits}_{width}"
    return search_all
