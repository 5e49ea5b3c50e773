"""Reciprocals and reciprocal square roots of computed fixed-point values, decided exactly by range tests:
the divisions inside a softmax (by the sum of its exponentials) and a layer norm (by the standard deviation),
``stdlib_ml.convert.nn``'s ``search`` nodes.

snarkVM has no fixed-point division or square root, and a circuit takes no hint from its prover, so the
result is found bit by bit, from the top: ``R`` is the largest integer below ``2**bits`` with
``R**power · V <= 2**n`` (power 1: ``R = floor(2**n / V)``; power 2: ``R = floor(sqrt(2**n / V))``),
each bit kept when the test ``2**n − c**power·V >= 0`` of the candidate ``c`` passes (one sign test,
:func:`stdlib_ml.compare.is_nonneg`). So ``R**power·V <= 2**n < (R + 1)**power·V`` holds exactly (for
``V >= 1`` and ``R < 2**bits − 1``; ``V = 0`` gives ``2**bits − 1``), the way integer division is checked.
Cost per result: ``bits`` sign tests (w + 1 constraints each at width w) and ``power`` multiplications
per bit. A candidate ``c = prefix + 2**b`` whose prefix passed has ``c**power·V <= 2**power·(2**n +
2**(power·b)·V)``, so the low bits' tests are narrow (64 bits where the top ones need 128).
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import is_nonneg


@cache
def search(power: int, n: int, widths: tuple[int, ...]) -> DslFunction:
    """The largest ``R < 2**len(widths)`` with ``R**power · v <= 2**n`` for a field value ``v >= 0``;
    ``power`` 1 or 2; ``widths``: per bit from the top, the sign tests' width (non-increasing: the top run
    at ``widths[0]``, the rest at ``widths[-1]``), ``|2**n − c**power·v| < 2**(w-1)`` for every candidate c
    of that bit (else it halts). Raises ValueError for another power or a width :func:`is_nonneg` does not take."""
    if power not in (1, 2) or not widths:
        raise ValueError(f"search finds 1/v (power 1) or 1/sqrt(v) (power 2) of at least one bit, not power {power} "
                         f"with {len(widths)} bits")
    wide, narrow = is_nonneg(widths[0]), is_nonneg(widths[-1])
    n_wide = sum(1 for w in widths if w > widths[-1])
    bits = len(widths)
    high = [2**b for b in range(bits - 1, bits - 1 - n_wide, -1)] or [0]   # [0]: no wide run (never read)
    low = [2**b for b in range(bits - 1 - n_wide, -1, -1)]
    top = 2**n
    c2 = power == 2

    @pl.inline
    def search_one(v: pl.Field) -> pl.Field:
        """floor((2**n / v)**(1/power)), below 2**bits: bit by bit from the top."""
        r: pl.Field = 0
        for i in range(n_wide):
            c: pl.Field = r + high[i]
            r = c if wide(top - (c * c if c2 else c) * v) else r
        for i in range(len(low)):
            d: pl.Field = r + low[i]
            r = d if narrow(top - (d * d if c2 else d) * v) else r
        return r

    search_one.name = f"search{power}_{n}_{n_wide}x{widths[0]}_{len(low)}x{widths[-1]}"
    return search_one


@cache
def search_vec(power: int, n: int, widths: tuple[int, ...]) -> DslFunction:
    """:func:`search` on each element of a vector."""
    one = search(power, n, tuple(widths))

    @pl.inline
    def search_all(v: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """Each element's search."""
        return [one(v[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    search_all.name = f"search_vec{one.name.removeprefix('search')}"
    return search_all
