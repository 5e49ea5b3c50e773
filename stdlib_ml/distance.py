"""Distances for K-Means and KNN, and a branch-free selection of the k smallest.

Squared Euclidean distance to a constant point costs one multiplication per coordinate (the square
of a private value, 1 constraint); Manhattan needs |d| (one sign test per coordinate).
:func:`k_smallest` inserts each (distance, label) pair in turn into a sorted list of the k nearest so
far: k·(n-k) + k·(k-1)/2 comparisons, no data-dependent branching, and only that list (k distances
and labels) live between two points, so a split (:mod:`pyleo.split`) can cut between any two points.
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
        """Each point in turn inserted into the sorted list of the k nearest so far: every entry is
        compared with the new point (strictly, so a tie keeps the earlier point first); the entries
        from the first larger one on move one place back, the last one dropping out when the list is full."""
        d: pl.Array[pl.Field, k] = [dist[0] for _ in range(k)]
        lab = [labels[0] for _ in range(k)]
        for i in range(N):  # noqa: F821
            cur: pl.Field = dist[i]
            cur_lab = labels[i]
            moved: pl.Bool = False   # whether the entry before j moves back (then j takes it)
            prev: pl.Field = cur
            prev_lab = cur_lab
            for j in range(i if i < k else k):
                later: pl.Bool = gt(d[j], cur)
                into: pl.Field = prev if moved else cur
                into_lab = prev_lab if moved else cur_lab
                prev = d[j]
                prev_lab = lab[j]
                d[j] = into if later else d[j]
                lab[j] = into_lab if later else lab[j]
                moved = later
            if i < k:
                d[i] = prev if moved else cur
                lab[i] = prev_lab if moved else cur_lab
        return lab

    smallest.name = f"k_smallest{k}" + ("" if label is pl.U8 else "_field")
    return smallest


@cache
def largest_below(bits: int, width: int = 128, square: bool = False) -> DslFunction:
    """The largest integer ``q < 2**bits`` with ``q·b <= a`` (``square``: ``q²·b <= a``), for integers
    ``a >= 0``, ``b >= 0``: ``floor(a / b)`` (``floor(√(a / b))``), saturating at ``2**bits − 1`` (b = 0).
    Checked, not trusted: decided bit by bit from the top, one sign test of ``width`` bits per bit (every
    ``a − c·b`` (``a − c²·b``) tried, c < 2**bits, must stay below 2**(width − 1) in magnitude: the
    circuit halts otherwise). A weighted mean's division and a distance's inverse square root."""
    nonneg = is_nonneg(width)
    POW = [2 ** (bits - 1 - j) for j in range(bits)]
    B = bits

    @pl.inline
    def below(a: pl.Field, b: pl.Field) -> pl.Field:
        """max q < 2**bits with q·b <= a (or q²·b <= a)."""
        q: pl.Field = 0
        for j in range(B):
            c: pl.Field = q + POW[j]
            q = c if nonneg(a - (c * c * b if square else c * b)) else q
        return q

    below.name = f"largest_{'sq_' if square else ''}below{bits}_{width}"
    return below


@pl.inline
def weighted_votes(ids: pl.Array[pl.U8, "N"], weights: pl.Array[pl.Field, "N"],
                   classes: pl.Array[pl.U8, "K"]) -> pl.Array[pl.Field, "K"]:
    """Per class, the sum of the ``weights`` of the ``ids`` equal to it (a distance-weighted KNN's vote). One
    equality per pair."""
    votes: pl.Array[pl.Field, K] = [0 for _ in range(K)]  # noqa: F821
    for i in range(N):  # noqa: F821
        for c in range(K):  # noqa: F821
            votes[c] += weights[i] if ids[i] == classes[c] else 0
    return votes
