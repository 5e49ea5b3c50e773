"""Branch-free decision trees and ensembles.

A tree is given as arrays in scikit-learn's layout (``children_left``, ``children_right``,
``feature``, ``threshold``, leaf ``value``); :class:`TreeArrays` keeps them with thresholds quantized
to the inputs' scale. A sample goes left at node i when ``x[feature[i]] <= threshold[i]``.

Two formulations, both measured in benchmarks/stdlib_costs.py:

- :func:`tree_paths` (the default): every internal node's comparison is computed once (one sign
  test each), then each leaf's indicator is the AND of the comparisons on its path (one boolean AND
  per path step, about 1 constraint), and the output is Σ indicator·leaf value (free: constants).
- :func:`tree_depthwise`: walk the tree level by level, choosing the next node with a run-time index
  (a multiplexer over all nodes at every level): the same comparisons, plus O(nodes·depth) selects.

Each node's sign test has its own width (``bits``: one int for all nodes, or one per internal node):
:func:`node_widths` picks the narrowest that holds ``threshold - x`` over the node's feature range, so
a split on a narrow feature costs a u8 cast (9 constraints) instead of a u64 one (65).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import DslFunction

from .compare import is_nonneg
from .fixed import SIGN_WIDTHS, sign_bits

LEAF = -1


@dataclass(frozen=True, eq=False)
class TreeArrays:
    """One tree: internal nodes renumbered 0..n_internal-1, leaves 0..n_leaves-1, values as integers.

    ``paths[l]`` lists (internal node, went_left) from the root to leaf ``l``.
    """

    feature: tuple[int, ...]          # per internal node
    threshold: tuple[int, ...]        # per internal node, round(t·2^bits): go left if x_q <= threshold
    left: tuple[int, ...]             # per internal node: child id, internal (>= 0) or ~leaf (< 0)
    right: tuple[int, ...]
    leaf_values: tuple[tuple[int, ...], ...]  # per leaf: K integers
    paths: tuple[tuple[tuple[int, bool], ...], ...]

    @property
    def depth(self) -> int:
        return max(len(p) for p in self.paths)

    @classmethod
    def from_sklearn(cls, tree: Any, in_bits: int, leaf_values: np.ndarray) -> "TreeArrays":
        """From a fitted ``estimator.tree_``; ``leaf_values`` is an (n_nodes, K) integer array."""
        left, right = tree.children_left, tree.children_right
        internal = [i for i in range(tree.node_count) if left[i] != LEAF]
        leaves = [i for i in range(tree.node_count) if left[i] == LEAF]
        inode = {n: k for k, n in enumerate(internal)}
        ileaf = {n: k for k, n in enumerate(leaves)}

        def child(n: int) -> int:
            return inode[n] if n in inode else ~ileaf[n]

        paths: dict[int, tuple[tuple[int, bool], ...]] = {}
        stack: list[tuple[int, tuple[tuple[int, bool], ...]]] = [(0, ())]
        while stack:
            n, path = stack.pop()
            if n in ileaf:
                paths[ileaf[n]] = path
            else:
                stack.append((left[n], path + ((inode[n], True),)))
                stack.append((right[n], path + ((inode[n], False),)))
        scale = 2**in_bits
        return cls(
            feature=tuple(int(tree.feature[n]) for n in internal),
            threshold=tuple(int(np.rint(tree.threshold[n] * scale)) for n in internal),
            left=tuple(child(left[n]) for n in internal),
            right=tuple(child(right[n]) for n in internal),
            leaf_values=tuple(tuple(int(v) for v in leaf_values[n]) for n in leaves),
            paths=tuple(paths[k] for k in range(len(leaves))),
        )

    def predict(self, xq: np.ndarray) -> np.ndarray:
        """Leaf values for quantized samples, by walking the tree (a numpy oracle for the circuit)."""
        out = []
        for x in np.atleast_2d(xq):
            node = 0
            if not self.feature:
                out.append(self.leaf_values[0])
                continue
            while node >= 0:
                node = self.left[node] if x[self.feature[node]] <= self.threshold[node] else self.right[node]
            out.append(self.leaf_values[~node])
        return np.array(out, dtype=object)


def path_tables(t: TreeArrays) -> tuple[list[list[int]], list[list[int]]]:
    """Per leaf and depth: the node on the path and the direction (1 left, 0 right, 2 padding)."""
    depth = max(t.depth, 1)
    nodes = [[n for n, _ in p] + [0] * (depth - len(p)) for p in t.paths]
    dirs = [[int(d) for _, d in p] + [2] * (depth - len(p)) for p in t.paths]
    return nodes, dirs


def node_widths(t: TreeArrays, low: Sequence[int], high: Sequence[int]) -> tuple[int, ...]:
    """Per internal node, the narrowest sign-test width ``w`` (8, 16, 32, 64 or 128) such that
    ``|threshold - x_q| < 2**(w-1)`` for every quantized input ``x_q`` of the node's feature in
    ``[low[f], high[f]]`` (integers at the inputs' scale, e.g. ``fixed.quantize(INPUT_LOW, IN_BITS)``).

    With these widths the circuit never halts on inputs inside the range and, like any sign test,
    halts instead of answering wrongly outside it (a checked cast that succeeds proves the sign).
    """
    lo = [int(v) for v in np.ravel(np.asarray(low, dtype=object))]
    hi = [int(v) for v in np.ravel(np.asarray(high, dtype=object))]
    if len(lo) != len(hi):
        raise ValueError("low and high must have one entry per feature")
    out = []
    for f, thr in zip(t.feature, t.threshold):
        if not 0 <= f < len(lo):
            raise ValueError(f"a node tests feature {f}, but the range covers {len(lo)} features")
        if lo[f] > hi[f]:
            raise ValueError(f"feature {f}: low {lo[f]} > high {hi[f]}")
        out.append(sign_bits(max(abs(thr - lo[f]), abs(hi[f] - thr)), smallest=8))
    return tuple(out)


def _widths(t: TreeArrays, bits: int | Sequence[int]) -> tuple[int, ...]:
    """One width per internal node: ``bits`` for all, or ``bits`` itself when it is a sequence."""
    ni = len(t.feature)
    if isinstance(bits, (int, np.integer)):
        widths = (int(bits),) * ni
    else:
        widths = tuple(int(w) for w in bits)
        if len(widths) != ni:
            raise ValueError(f"{len(widths)} sign-test widths for a tree with {ni} internal nodes")
    bad = sorted(set(widths) - set(SIGN_WIDTHS))
    if bad:
        raise ValueError(f"sign tests come in widths {', '.join(map(str, SIGN_WIDTHS))}, not {bad[0]}")
    return widths


@cache
def _node_tests(t: TreeArrays, widths: tuple[int, ...]) -> DslFunction:
    """``tests(x) -> Array[Bool, max(NI, 1)]``: node i goes left, by one sign test of ``widths[i]`` bits.

    The width table is a compile-time constant: the static ``if`` keeps only node i's own test (a
    tree without internal nodes gets ``[True]`` and no test at all).
    """
    NONNEG8, NONNEG16, NONNEG32 = is_nonneg(8), is_nonneg(16), is_nonneg(32)
    NONNEG64, NONNEG128 = is_nonneg(64), is_nonneg(128)
    NI = max(len(t.feature), 1)
    FEATURE, WIDTH = list(t.feature) or [0], list(widths) or [0]

    @pl.inline
    def tests(x: pl.Array[pl.Field, "N"], thr: pl.Array[pl.Field, NI]) -> pl.Array[pl.Bool, NI]:  # noqa: F821
        """go_left[i] = x[FEATURE[i]] <= thr[i], tested at width WIDTH[i] (thr: THRESHOLD, or private ones)."""
        go_left: pl.Array[pl.Bool, NI] = [True for _ in range(NI)]
        for i in range(NI):
            if WIDTH[i] == 8:
                go_left[i] = NONNEG8(thr[i] - x[FEATURE[i]])
            elif WIDTH[i] == 16:
                go_left[i] = NONNEG16(thr[i] - x[FEATURE[i]])
            elif WIDTH[i] == 32:
                go_left[i] = NONNEG32(thr[i] - x[FEATURE[i]])
            elif WIDTH[i] == 64:
                go_left[i] = NONNEG64(thr[i] - x[FEATURE[i]])
            elif WIDTH[i] == 128:
                go_left[i] = NONNEG128(thr[i] - x[FEATURE[i]])
        return go_left

    tests.name = "tree_node_tests"
    return tests


@cache
def _tree_paths(t: TreeArrays, widths: tuple[int, ...]) -> DslFunction:
    node_tests = _node_tests(t, widths)
    VALUES = [list(v) for v in t.leaf_values]
    PATH_NODE, PATH_DIR = path_tables(t)
    NL, D, K = len(VALUES), len(PATH_NODE[0]), len(VALUES[0])

    THRESHOLD = list(t.threshold) or [0]

    @pl.inline
    def tree_with(x: pl.Array[pl.Field, "N"], thr: pl.Array[pl.Field, "NT"],  # noqa: F821 (generic sizes)
                  values: pl.Array[pl.Array[pl.Field, K], NL]) -> pl.Array[pl.Field, K]:
        """Leaf value (K numbers) of the leaf x falls in, with thresholds ``thr`` and leaf values
        ``values`` (constants, or private inputs): node tests once each, then path ANDs."""
        go_left = node_tests(x, thr)
        out: pl.Array[pl.Field, K] = [0 for _ in range(K)]
        for leaf in range(NL):
            reach: pl.Bool = True
            for d in range(D):
                if PATH_DIR[leaf][d] == 1:
                    reach = reach and go_left[PATH_NODE[leaf][d]]
                elif PATH_DIR[leaf][d] == 0:
                    reach = reach and not go_left[PATH_NODE[leaf][d]]
            for k in range(K):
                out[k] += pl.Field(reach) * values[leaf][k]
        return out

    @pl.inline
    def tree(x: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, K]:  # noqa: F821 (N: generic size)
        """Leaf value (K numbers) of the leaf x falls in (the tree's own thresholds and values)."""
        out = tree_with(x, THRESHOLD, VALUES)
        return [out[k] for k in range(K)]

    tree.name = "tree_paths"
    tree_with.name = "tree_paths_with"
    tree.with_parameters = tree_with
    return tree


def tree_paths(t: TreeArrays, bits: int | Sequence[int] = 64) -> DslFunction:
    """DSL helper ``tree(x: Array[Field, N]) -> Array[Field, K]`` (path-product formulation).

    ``bits``: the sign tests' width, one for every node (an int) or one per internal node (a
    sequence, e.g. :func:`node_widths`); node i halts when ``threshold_i - x_q`` is outside
    ``[-2**(bits_i - 1), 2**(bits_i - 1))``, and is exact inside.

    Its attribute ``with_parameters`` is the same walk taking the thresholds and leaf values as
    arguments, ``tree(x, thr: Array[Field, n_internal], values: Array[Array[Field, K], n_leaves])``
    (private weights: ``t``'s own thresholds and values are then unused, and ``bits`` must cover
    every threshold the arguments may hold).
    """
    return _tree_paths(t, _widths(t, bits))


@cache
def _tree_depthwise(t: TreeArrays, widths: tuple[int, ...]) -> DslFunction:
    node_tests = _node_tests(t, widths)
    NI = len(t.feature)
    # Nodes 0..NI-1 are internal, NI.. are leaves; a leaf points to itself so the walk can stop early.
    LEFT = [c if c >= 0 else NI + ~c for c in t.left] + [NI + k for k in range(len(t.leaf_values))]
    RIGHT = [c if c >= 0 else NI + ~c for c in t.right] + [NI + k for k in range(len(t.leaf_values))]
    VALUES = [list(v) for v in t.leaf_values]
    THRESHOLD = list(t.threshold) or [0]
    NL, D, K, NN = len(VALUES), t.depth, len(VALUES[0]), len(LEFT)

    @pl.inline
    def tree(x: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, K]:
        """Walk level by level with run-time node indices (a multiplexer per level)."""
        tests = node_tests(x, THRESHOLD)
        go_left: pl.Array[pl.Bool, NN] = [tests[i] if i < NI else True for i in range(NN)]
        node: pl.U32 = 0
        for _ in range(D):
            node = pl.U32(LEFT[node]) if go_left[node] else pl.U32(RIGHT[node])
        out: pl.Array[pl.Field, K] = [0 for _ in range(K)]
        for leaf in range(NL):
            hit: pl.Field = pl.Field(node == NI + leaf)
            for k in range(K):
                out[k] += hit * VALUES[leaf][k]
        return out

    tree.name = "tree_depthwise"
    return tree


def tree_depthwise(t: TreeArrays, bits: int | Sequence[int] = 64) -> DslFunction:
    """DSL helper with the same signature as :func:`tree_paths`, walking level by level (``bits`` as there)."""
    return _tree_depthwise(t, _widths(t, bits))
