"""Reductions over vectors of field values: argmax/argmin, max/min, sum, and votes over class ids.

``argmax`` keeps the first maximum on ties, like numpy. One comparison (a sign test, 66 constraints at
width 64) per element after the first, plus two ternaries.
"""

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import greater
from .factories import runs_on_values


@cache
def _arg_extreme(bits: int, largest: bool) -> DslFunction:
    gt = greater(bits)

    @pl.inline
    def arg_extreme(v: pl.Array[pl.Field, "N"]) -> pl.U8:
        """Index of the largest (or smallest) of N ≤ 256 values; the first one on ties."""
        best: pl.Field = v[0]
        idx: pl.U8 = 0
        for i in range(1, N):  # noqa: F821 (N: generic size)
            better: pl.Bool = gt(v[i], best) if largest else gt(best, v[i])
            best = v[i] if better else best
            idx = pl.U8(i) if better else idx
        return idx

    arg_extreme.name = f"{'argmax' if largest else 'argmin'}{bits}"
    return arg_extreme


@runs_on_values()
def argmax(bits: int = 64) -> DslFunction:
    """Index (u8) of the largest element; the first one on ties (like numpy). ``argmax(v)`` runs it on
    values (width 64)."""
    return _arg_extreme(bits, True)


@runs_on_values()
def argmin(bits: int = 64) -> DslFunction:
    """Index (u8) of the smallest element; the first one on ties (like numpy). ``argmin(v)`` runs it on
    values (width 64)."""
    return _arg_extreme(bits, False)


@cache
def _extreme(bits: int, largest: bool) -> DslFunction:
    gt = greater(bits)

    @pl.inline
    def extreme(v: pl.Array[pl.Field, "N"]) -> pl.Field:
        """The largest (or smallest) of N values."""
        best: pl.Field = v[0]
        for i in range(1, N):  # noqa: F821
            better: pl.Bool = gt(v[i], best) if largest else gt(best, v[i])
            best = v[i] if better else best
        return best

    extreme.name = f"{'max' if largest else 'min'}{bits}"
    return extreme


@runs_on_values()
def maximum(bits: int = 64) -> DslFunction:
    """Largest element (a field value). ``maximum(v)`` runs it on values (width 64)."""
    return _extreme(bits, True)


@runs_on_values()
def minimum(bits: int = 64) -> DslFunction:
    """Smallest element (a field value). ``minimum(v)`` runs it on values (width 64)."""
    return _extreme(bits, False)


@pl.inline
def total(v: pl.Array[pl.Field, "N"]) -> pl.Field:
    """Σ v_i. 0 constraints."""
    acc: pl.Field = 0
    for i in range(N):  # noqa: F821
        acc += v[i]
    return acc


@cache
def _votes(label: type) -> tuple[DslFunction, DslFunction]:
    """(bincount, majority) over ids of type ``label`` (``pl.U8``, or ``pl.Field`` for private labels)."""
    L = label
    argmax32 = argmax(32)

    @pl.inline
    def bincount(ids: pl.Array[L, "N"], classes: pl.Array[L, "K"]) -> pl.Array[pl.Field, "K"]:
        """How many of ``ids`` equal each of ``classes`` (pass ``list(range(K))``). One equality per pair."""
        counts: pl.Array[pl.Field, K] = [0 for _ in range(K)]  # noqa: F821
        for i in range(N):  # noqa: F821
            for c in range(K):  # noqa: F821
                counts[c] += pl.Field(ids[i] == classes[c])
        return counts

    @pl.inline
    def majority(ids: pl.Array[L, "N"], classes: pl.Array[L, "K"]) -> pl.U8:
        """The most frequent class id (the smallest id on ties), as in a voting ensemble or KNN."""
        return argmax32(bincount(ids, classes))

    if label is not pl.U8:
        bincount.name, majority.name = "bincount_field", "majority_field"
    return bincount, majority


bincount, majority = _votes(pl.U8)
"""``bincount(ids, classes)``: per class, how many of the u8 ``ids`` equal it; ``majority(ids, classes)``:
the most frequent (the smallest on ties)."""

bincount_field, majority_field = _votes(pl.Field)
"""The same over field ids: the vote over private labels (a private-weight KNN's)."""


# numpy's names for the same reductions (np.sum, np.max, np.min), so that numpy users find them
sum = total  # noqa: A001 (the module's attribute, as numpy has it)
max = maximum  # noqa: A001
min = minimum  # noqa: A001
