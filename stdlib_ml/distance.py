"""Distances for K-Means and KNN, and a branch-free selection of the k smallest.

Squared Euclidean distance to a constant point costs one multiplication per coordinate (the square
of a private value, 1 constraint); Manhattan needs |d| (one sign test per coordinate).
:func:`k_smallest` runs k passes of a compare-exchange bubble over the (distance, label) pairs:
k·(n-1) comparisons, no data-dependent branching.
"""

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import greater, is_nonneg
from .factories import runs_on_values


@pl.inline
def sq_euclidean(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Field:
    """Σ (a_i - b_i)². One constraint per coordinate."""
    acc: pl.Field = 0
    for i in range(N):  # noqa: F821 (N: generic size)
        d: pl.Field = a[i] - b[i]
        acc += d * d
    return acc


@pl.inline
def sq_scores(points: pl.Array[pl.Array[pl.Field, "F"], "N"], scale: pl.Array[pl.Field, "F"],
              x: pl.Array[pl.Field, "F"]) -> pl.Array[pl.Field, "N"]:
    """Per point p: Σ_f scale_f·p_f·(p_f − 2·x_f), i.e. the weighted squared distance ‖x − p‖² less
    ‖x‖² (the same for every point, so the points' order by distance is kept). Private points (a
    private-weight KNN): 1 constraint per coordinate, 2 with a private scale; 0 when both are constants."""
    out: pl.Array[pl.Field, N] = [0 for _ in range(N)]  # noqa: F821
    for i in range(N):  # noqa: F821
        for f in range(F):  # noqa: F821
            out[i] += scale[f] * (points[i][f] * (points[i][f] - 2 * x[f]))
    return out


@runs_on_values()
@cache
def manhattan(bits: int = 64) -> DslFunction:
    """Σ |a_i - b_i|: one sign test per coordinate. ``manhattan(a, b)`` runs it on values (width 64)."""
    nonneg = is_nonneg(bits)

    @pl.inline
    def l1(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Field:
        """Σ |a_i - b_i|."""
        acc: pl.Field = 0
        for i in range(N):  # noqa: F821
            d: pl.Field = a[i] - b[i]
            acc += d if nonneg(d) else 0 - d
        return acc

    l1.name = f"manhattan{bits}"
    return l1


@cache
def k_smallest(k: int, bits: int = 64, label: type = pl.U8) -> DslFunction:
    """Labels of the k smallest distances (ties keep the earlier index), as an Array[label, k].

    ``label``: the labels' type, ``pl.U8`` (class indices) or ``pl.Field`` (private labels decoded
    from a private input: a field select costs 1 constraint, and the vote needs no cast)."""
    gt = greater(bits)
    L = label

    @pl.inline
    def smallest(dist: pl.Array[pl.Field, "N"], labels: pl.Array[L, "N"]) -> pl.Array[L, k]:
        """k passes of a compare-exchange bubble from the back: pass j leaves the j-th smallest at j."""
        d: pl.Array[pl.Field, N] = dist  # noqa: F821
        lab = labels   # (typed by `label`: parameter annotations are evaluated here, local ones are not)
        for j in range(k):
            for i in range(N - 2, j - 1, -1):  # noqa: F821
                swap: pl.Bool = gt(d[i], d[i + 1])
                lo: pl.Field = d[i + 1] if swap else d[i]
                hi: pl.Field = d[i] if swap else d[i + 1]
                lab_lo = lab[i + 1] if swap else lab[i]
                lab_hi = lab[i] if swap else lab[i + 1]
                d[i] = lo
                d[i + 1] = hi
                lab[i] = lab_lo
                lab[i + 1] = lab_hi
        return [lab[j] for j in range(k)]

    smallest.name = f"k_smallest{k}" + ("" if label is pl.U8 else "_field")
    return smallest
