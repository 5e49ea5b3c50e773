"""Building blocks for converted models (see :mod:`stdlib_ml.convert`): written once here, called by
the generated model files.

- :func:`tree` and :func:`forest` turn node arrays (scikit-learn's layout, thresholds already
  integers at the inputs' scale) into :class:`~stdlib_ml.trees.TreeArrays`; a forest is one
  ``TreeArrays`` with several roots, so :func:`stdlib_ml.trees.tree_paths` sums its trees' leaf
  values in one pass (one sign test per internal node of every tree).
- :func:`positive_label` / :func:`nonneg_label` turn a score into class 0 / 1 (one sign test).
- :func:`ovo_votes` counts one-vs-one votes (SVC with several classes).
- :func:`to_i64` turns a field value into a signed ``i64`` (70 constraints; a public ``field``
  output costs about 500 more than an ``i64`` one, measured).
- :func:`squares` squares each input (1 constraint each; Gaussian naive Bayes).
"""

from __future__ import annotations

import dataclasses

from collections.abc import Sequence
from functools import cache
from types import SimpleNamespace

import numpy as np

import pyleo as pl
from pyleo import DslFunction

from .compare import greater, is_nonneg
from .trees import TreeArrays

LEAF = -1


def tree(feature: Sequence[int], threshold: Sequence[int], left: Sequence[int], right: Sequence[int],
         value: Sequence[Sequence[int]]) -> TreeArrays:
    """A tree from per-node arrays: go left at node i when ``x[feature[i]] <= threshold[i]``.

    ``left[i] == right[i] == -1`` marks a leaf; ``value[i]`` is the leaf's K integers (ignored for
    internal nodes). Thresholds are integers at the inputs' scale.
    """
    n = len(left)
    if not (len(feature) == len(threshold) == len(right) == len(value) == n) or n == 0:
        raise ValueError("tree arrays must all have one entry per node")
    node = SimpleNamespace(children_left=np.asarray(left), children_right=np.asarray(right),
                           feature=np.asarray(feature), threshold=np.zeros(n), node_count=n)
    t = TreeArrays.from_sklearn(node, 0, np.asarray([[int(v) for v in row] for row in value], dtype=object))
    # the thresholds as the exact integers given (any size: from_sklearn's are floats scaled and rounded)
    return dataclasses.replace(t, threshold=tuple(int(threshold[i]) for i in range(n) if left[i] != LEAF))


def forest(trees: Sequence[TreeArrays]) -> TreeArrays:
    """Several trees as one ``TreeArrays`` whose leaf values add up: ``tree_paths(forest(ts))(x)``
    is the sum of ``tree_paths(t)(x)`` over the trees, with each node tested once."""
    feature: list[int] = []
    threshold: list[int] = []
    left: list[int] = []
    right: list[int] = []
    values: list[tuple[int, ...]] = []
    paths: list[tuple[tuple[int, bool], ...]] = []
    for t in trees:
        ni, nl = len(t.feature), len(values)
        feature += t.feature
        threshold += t.threshold
        left += [c + ni if c >= 0 else ~(~c + nl) for c in t.left]
        right += [c + ni if c >= 0 else ~(~c + nl) for c in t.right]
        off = len(feature) - ni
        values += t.leaf_values
        paths += [tuple((n + off, d) for n, d in p) for p in t.paths]
    return TreeArrays(tuple(feature), tuple(threshold), tuple(left), tuple(right), tuple(values), tuple(paths))


@cache
def positive_label(bits: int = 64) -> DslFunction:
    """Class 1 (u8) when the score is > 0, else 0: scikit-learn's rule for binary linear models."""
    gt = greater(bits)

    @pl.inline
    def label(score: pl.Field) -> pl.U8:
        """1 if score > 0 else 0."""
        return pl.U8(1) if gt(score, 0) else pl.U8(0)

    label.name = f"positive_label{bits}"
    return label


@cache
def nonneg_label(bits: int = 64) -> DslFunction:
    """Class 1 (u8) when the score is >= 0, else 0 (scikit-learn's gradient boosting)."""
    nonneg = is_nonneg(bits)

    @pl.inline
    def label(score: pl.Field) -> pl.U8:
        """1 if score >= 0 else 0."""
        return pl.U8(1) if nonneg(score) else pl.U8(0)

    label.name = f"nonneg_label{bits}"
    return label


@cache
def ovo_votes(n_classes: int, bits: int = 64) -> DslFunction:
    """One-vs-one votes: pair p = (i, j), i < j in scikit-learn's order, votes i when its score
    is > 0, else j. Returns the K vote counts (one sign test per pair)."""
    gt = greater(bits)
    pairs = [(i, j) for i in range(n_classes) for j in range(i + 1, n_classes)]
    FIRST = [i for i, _ in pairs]
    SECOND = [j for _, j in pairs]
    P, K = len(pairs), n_classes

    @pl.inline
    def votes(scores: pl.Array[pl.Field, P]) -> pl.Array[pl.Field, K]:
        """Vote counts per class."""
        counts: pl.Array[pl.Field, K] = [0 for _ in range(K)]
        for p in range(P):
            win: pl.Field = pl.Field(gt(scores[p], 0))
            counts[FIRST[p]] += win
            counts[SECOND[p]] += 1 - win
        return counts

    votes.name = f"ovo_votes{bits}"
    return votes


@pl.inline
def to_i64(v: pl.Field) -> pl.I64:
    """A field value standing for a signed integer |v| < 2**63, as i64 (70 constraints; halts outside)."""
    u: pl.U64 = pl.U64(v + 2**63)
    return pl.cast_lossy(u ^ 2**63, pl.I64)


@pl.inline
def high_i64(v: pl.Field) -> pl.I64:
    """floor(v / 2**64) as i64 for a field value standing for a signed integer |v| < 2**127: the top half
    of a 128-bit two's-complement value (one checked cast to u128; halts outside). A sum kept at 2**S with
    S up to ~118 bits of precision output at 2**(S − 64)."""
    u: pl.U128 = pl.U128(v + 2**127)
    w: pl.U64 = pl.cast_lossy(u >> 64, pl.U64)
    return pl.cast_lossy(w ^ 2**63, pl.I64)


@pl.inline
def squares(x: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
    """[x_i²]: one constraint per element."""
    return [x[i] * x[i] for i in range(N)]  # noqa: F821 (N: generic size)

