"""Reductions over vectors of field values: argmax/argmin, max/min, sum, and votes over class ids.

``argmax`` keeps the first maximum on ties, like numpy. One comparison (a sign test, 66 constraints at
width 64) per element after the first, plus two ternaries.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import greater


@cache
def argmax(bits: int = 64) -> DslFunction:
    """Index (u8) of the largest element; the first one on ties."""
    gt = greater(bits)

    @pl.inline
    def arg_max(v: pl.Array[pl.Field, "N"]) -> pl.U8:
        """argmax over N ≤ 256 values."""
        best: pl.Field = v[0]
        idx: pl.U8 = 0
        for i in range(1, N):  # noqa: F821 (N: generic size)
            better: pl.Bool = gt(v[i], best)
            best = v[i] if better else best
            idx = pl.U8(i) if better else idx
        return idx

    arg_max.name = f"argmax{bits}"
    return arg_max


@cache
def argmin(bits: int = 64) -> DslFunction:
    """Index (u8) of the smallest element; the first one on ties."""
    gt = greater(bits)

    @pl.inline
    def arg_min(v: pl.Array[pl.Field, "N"]) -> pl.U8:
        """argmin over N ≤ 256 values."""
        best: pl.Field = v[0]
        idx: pl.U8 = 0
        for i in range(1, N):  # noqa: F821
            better: pl.Bool = gt(best, v[i])
            best = v[i] if better else best
            idx = pl.U8(i) if better else idx
        return idx

    arg_min.name = f"argmin{bits}"
    return arg_min


@cache
def maximum(bits: int = 64) -> DslFunction:
    """Largest element."""
    gt = greater(bits)

    @pl.inline
    def max_of(v: pl.Array[pl.Field, "N"]) -> pl.Field:
        """max over N values."""
        best: pl.Field = v[0]
        for i in range(1, N):  # noqa: F821
            best = v[i] if gt(v[i], best) else best
        return best

    max_of.name = f"max{bits}"
    return max_of


@cache
def minimum(bits: int = 64) -> DslFunction:
    """Smallest element."""
    gt = greater(bits)

    @pl.inline
    def min_of(v: pl.Array[pl.Field, "N"]) -> pl.Field:
        """min over N values."""
        best: pl.Field = v[0]
        for i in range(1, N):  # noqa: F821
            best = v[i] if gt(best, v[i]) else best
        return best

    min_of.name = f"min{bits}"
    return min_of


@pl.inline
def total(v: pl.Array[pl.Field, "N"]) -> pl.Field:
    """Σ v_i. 0 constraints."""
    acc: pl.Field = 0
    for i in range(N):  # noqa: F821
        acc += v[i]
    return acc


@pl.inline
def bincount(ids: pl.Array[pl.U8, "N"], classes: pl.Array[pl.U8, "K"]) -> pl.Array[pl.Field, "K"]:
    """How many of ``ids`` equal each of ``classes`` (pass ``list(range(K))``). One u8 equality per pair."""
    counts: pl.Array[pl.Field, K] = [0 for _ in range(K)]  # noqa: F821
    for i in range(N):  # noqa: F821
        for c in range(K):  # noqa: F821
            counts[c] += pl.Field(ids[i] == classes[c])
    return counts


_argmax32 = argmax(32)


@pl.inline
def majority(ids: pl.Array[pl.U8, "N"], classes: pl.Array[pl.U8, "K"]) -> pl.U8:
    """The most frequent class id (the smallest id on ties), as in a voting ensemble or KNN."""
    return _argmax32(bincount(ids, classes))
