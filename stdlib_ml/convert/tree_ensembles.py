"""Tree ensembles of any source (scikit-learn, XGBoost, LightGBM, CatBoost) as one description: thresholds in the raw
input space, missing values through each node's learned side, per-feature scales, per-node widths."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pyleo import limits

from .. import fixed
from .model import ConversionError
from .options import Options
from .quantize import (MIXED_BITS, MIXED_RESOLUTION, TREE_MIN_BITS, TREE_SPREAD_BITS, Affine, LinearMap, ceil_log2,
                       classifier_head, feature_range, given_bits, input_bits_for, largest_magnitude, new_spec, qint,
                       refuse_scores, score_head)
from .render import Spec, format_value


MISSING_VALUE_MODELS = ("scikit-learn decision trees, random forests, extra trees and HistGradientBoosting, XGBoost, "
                        "LightGBM, CatBoost")
"""The models whose ``predict`` takes missing values (NaN), which the circuit follows (for messages)."""


# ---- trees --------------------------------------------------------------------------------------
@dataclass
class RawTree:
    """One tree in the input space: go left when x[f] <= t (or x[f] < t when strict); value per node.
    A missing x[f] goes left where ``missing_left`` says so (None: the model has no missing values);
    a threshold may be +inf (scikit-learn's split "missing or not": every present value goes left)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # (n_nodes, K) floats
    strict: bool = False
    missing_left: np.ndarray | None = None

    def compact(self) -> RawTree:
        """Only the nodes reachable from the root, renumbered in depth-first order."""
        order: list[int] = []
        stack = [0]
        while stack:
            i = stack.pop()
            order.append(i)
            if self.left[i] != -1:
                stack += [int(self.right[i]), int(self.left[i])]
        new = {old: k for k, old in enumerate(order)}
        o = np.asarray(order)
        left = np.asarray([new[int(c)] if c != -1 else -1 for c in self.left[o]])
        right = np.asarray([new[int(c)] if c != -1 else -1 for c in self.right[o]])
        feature = np.where(left == -1, 0, self.feature[o])
        threshold = np.where(left == -1, 0.0, self.threshold[o])
        missing = np.where(left == -1, True, self.missing_left[o]) if self.missing_left is not None else None
        return RawTree(feature, threshold, left, right, self.value[o], self.strict, missing)


def raw_features(aff: Affine | LinearMap | None, k: int) -> int:
    """How many raw features a tree model taking ``k`` values has behind the steps ``aff`` (None: none)."""
    return k if aff is None else len(aff.d) if isinstance(aff, Affine) else int(aff.M.shape[1])


def front_note(aff: Affine | LinearMap) -> str:
    """How the steps in front of a tree model reach its circuit, for its title ("" when there are none)."""
    if isinstance(aff, LinearMap):
        return f", {len(aff.M)} linear combinations of the inputs in front"
    return "" if aff.identity else ", scalers folded into the thresholds"


def _float32_boundary(threshold: np.ndarray, strict: bool) -> np.ndarray:
    """Where the rule "float32(z) < threshold" (strict, XGBoost) or "float32(z) <= threshold"
    (scikit-learn) flips for a float64 z: left exactly when z < the returned value (the midpoint
    between the two float32 neighbours around the threshold; +inf stays +inf)."""
    t = np.asarray(threshold, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        f = t.astype(np.float32)
        if strict:   # left ⇔ float32(z) <= the float32 just below t
            f = np.where(f.astype(np.float64) < t, f, np.nextafter(f, np.float32(-np.inf)))
        else:        # left ⇔ float32(z) <= the largest float32 <= t
            f = np.where(f.astype(np.float64) <= t, f, np.nextafter(f, np.float32(-np.inf)))
        up = np.nextafter(f, np.float32(np.inf))
        mid = (f.astype(np.float64) + up.astype(np.float64)) / 2
    return np.where(np.isfinite(t), mid, t)


def raw_thresholds(threshold: np.ndarray, feature: np.ndarray, aff: Affine | LinearMap, strict: bool,
                   float32: bool = True) -> tuple[np.ndarray, bool]:
    """Thresholds on the estimator's (float32) input mapped back through the scalers to the raw input:
    (thresholds, strict). Without scalers they stay as they are (inputs are compared as float32); behind
    scalers the float32 rounding of the scaled value is folded in, and the rule becomes x < t. An
    estimator comparing float64 inputs (``float32=False``: LightGBM, HistGradientBoosting, CatBoost)
    gets (t - e) / d, exact up to the rounding of the scaler's own float64 arithmetic (which the
    conversion's fidelity check measures). Behind steps mixing features (a :class:`LinearMap`) the
    thresholds stay on the estimator's input z (the float32 rounding folded in): :func:`tree_spec` maps
    them to the raw features (a selection) or computes z in the circuit."""
    if isinstance(aff, LinearMap):
        return (_float32_boundary(threshold, strict), True) if float32 else (threshold, strict)
    if aff.clip is not None:   # clipping z to [lo, hi] changes no decision when lo ≤ t < hi (strict: lo < t ≤ hi)
        lo, hi = aff.clip[0][feature], aff.clip[1][feature]
        inside = (lo < threshold) & (threshold <= hi) if strict else (lo <= threshold) & (threshold < hi)
        if not np.all(inside | ~np.isfinite(threshold)):
            raise ConversionError("a step in front clips its values (MinMaxScaler(clip=True) to feature_range, or "
                                  "np.clip), and a split lies at or beyond the clipping bound, where clipping changes "
                                  "the decision", hint="refit the pipeline without clipping")
    if aff.identity:
        return threshold, strict
    with np.errstate(invalid="ignore", over="ignore"):
        if not float32:
            return aff.to_raw(threshold, feature), strict
        return aff.to_raw(_float32_boundary(threshold, strict), feature), True


def _missing_columns(trees: list[RawTree], n: int) -> tuple[list[RawTree], list[int], list[str]]:
    """Circuit input columns for trees with missing values: (trees reading them, source feature of
    each column, where a missing value sits in each column: "low" or "high").

    A missing value is encoded one step below a column's range (it goes left at every node) or one
    step above (right at every node). A feature whose nodes send missing values both ways gets a
    second column, read by its "missing goes right" nodes; present values are copied into both.
    """
    left_nodes, right_nodes = np.zeros(n, bool), np.zeros(n, bool)
    for t in trees:
        internal = t.left != -1
        assert t.missing_left is not None
        left_nodes[t.feature[internal & t.missing_left]] = True
        right_nodes[t.feature[internal & ~t.missing_left]] = True
    columns, sides = list(range(n)), ["high" if right_nodes[f] and not left_nodes[f] else "low" for f in range(n)]
    copy: dict[int, int] = {}
    for f in np.flatnonzero(left_nodes & right_nodes):
        copy[int(f)] = len(columns)
        columns.append(int(f))
        sides.append("high")
    out = []
    for t in trees:
        feat = np.asarray([copy.get(int(f), f) if t.left[i] != -1 and not t.missing_left[i] else f
                           for i, f in enumerate(t.feature)])
        out.append(RawTree(feat, t.threshold, t.left, t.right, t.value, t.strict, t.missing_left))
    return out, columns, sides


def tree_spec(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options, kind: str, trees: list[RawTree],
               head: str, init: np.ndarray | None, value_bits: int, title: str,
               classes: list[Any] | None = None, out_divisor: int = 1, missing_value: float | None = None,
               float32: bool = True, links: dict[str, str] | None = None,
               link_params: dict[str, float] | None = None) -> Spec:
    """Model file for a tree ensemble: Σ leaf values (+ init), then a head.

    head: "index" (the leaf value is the class index), "argmax", "positive" (class 1 when > 0),
    "nonneg" (>= 0), "regress" (i64 output); ``links``: the scores the library defines on the sum
    (÷ ``out_divisor``), output instead of the label when ``opts`` asks (:func:`score_head`; ``link_params``:
    the link's constants). Trees with ``missing_left`` take missing values
    (NaN, or ``missing_value``) through extra columns (:func:`_missing_columns`). ``float32``: whether
    the estimator compares float32 copies of its inputs (scikit-learn's trees, XGBoost) or float64
    ones (LightGBM, HistGradientBoosting, CatBoost). ``n``: the raw features; ``aff``: the steps in front,
    element-wise (thresholds mapped to the raw features) or a :class:`LinearMap` (PCA, SelectKBest …: the
    trees' features are its outputs z = M·x + c; a selection is mapped to the raw features, other maps
    computed in the circuit, :func:`_mixed_inputs`).
    """
    if head in ("index", "regress"):
        refuse_scores(opts, type(est).__name__, {})
    cast32 = float32 and isinstance(aff, Affine) and aff.identity   # encode casts the raw inputs to float32
    mixed: LinearMap | None = None
    if isinstance(aff, LinearMap):
        if missing_value is not None:
            raise ConversionError(f"{type(est).__name__} reads the value {missing_value!r} of its input as missing, "
                                  "and the steps in front of it mix or select features: the circuit would read it "
                                  "on the raw features", hint="fit the model on the raw features")
        picked = _selection(aff, n)
        if picked is None:
            mixed = aff
        else:
            aff, trees = picked[0], [_selected(t, aff, picked[1]) for t in trees]
    columns, sides = list(range(n)), None
    if trees[0].missing_left is None and opts.missing_values:
        raise ConversionError(f"{type(est).__name__}.predict does not take missing values (NaN), so "
                              "missing_values=True cannot be honoured",
                              hint=f"models that take them: {MISSING_VALUE_MODELS}")
    if mixed is not None and opts.missing_values:
        raise ConversionError(f"{type(est).__name__} behind steps mixing features (PCA …) takes no missing values: "
                              "those steps reject NaN", hint="impute missing values first (SimpleImputer)")
    wanted = opts.missing_values if opts.missing_values is not None else (
        (opts.X is not None and bool(np.isnan(opts.X).any()))
        or any(bool(np.isinf(t.threshold[t.left != -1]).any()) for t in trees))
    if trees[0].missing_left is not None and mixed is None and (wanted or missing_value is not None):
        trees, columns, sides = _missing_columns(trees, n)
    src = np.asarray(columns)
    rank = opts.weights != "private" and opts.input_bits is None and mixed is None
    tables = None
    if mixed is not None:
        tq, low, high, ib, Zq, cq, S, tlo, thi = _mixed_inputs(trees, mixed, opts, n)
    elif rank:
        tq, low, high, ib, tables = _rank_inputs(trees, src)
    else:
        assert isinstance(aff, Affine)
        tq, low, high, ib = _value_inputs(trees, src, est, aff, opts)
    if mixed is None:
        tlo, thi = fixed.quantize(low, ib), fixed.quantize(high, ib)
        if sides is not None:
            tlo, thi = tlo - 1, thi + 1
    spec = new_spec(est, opts, n, kind, low, high, ib, title)
    spec.columns, spec.missing_sides, spec.missing_value = columns, sides, missing_value
    spec.clamp = mixed is None   # computed combinations: the sign tests are sized for the range, values outside rejected
    spec.rank_thresholds, spec.rank_strict = tables, trees[0].strict
    spec.float32 = cast32
    spec.classes = classes
    spec.imports |= {"models", "trees"}
    if mixed is not None:
        spec.param("Z", Zq, f"the steps in front: z = Z·x + Z0, row k at 2**(S[k] − IN_BITS[j]), S = {S.tolist()}")
        spec.param("Z0", cq, "their shift, row k at 2**S[k]")
        spec.const("Z_LOW", tlo, "per z_k, one below its least value over [INPUT_LOW, INPUT_HIGH] (exact integers)")
        spec.const("Z_HIGH", thi, "per z_k, its largest value over the range")
        spec.notes.append(f"The steps in front mix the {n} features into {len(Zq)} values z = M·x + c: computed in the "
                          f"circuit at MIXED_BITS scales (|z| < 2**{MIXED_BITS} over the input range, a weighted sum: "
                          "no constraint), then each node compares one z_k with its threshold (a 128-bit sign test); "
                          "exact but for the rounding of x and M (the fidelity check measures it).")
    vals = [np.asarray(qint(t.value, value_bits)) for t in trees]
    K = vals[0].shape[1]
    leaf_max = sum(max((largest_magnitude(v[i]) for i in range(len(t.left)) if t.left[i] == -1), default=0) for t, v in zip(trees, vals))
    init_q = qint(init, value_bits) if init is not None else None
    bound = leaf_max + (largest_magnitude(init_q) if init_q is not None else 0)
    strict = trees[0].strict
    nodes = sum(int(np.sum(t.left != -1)) for t in trees)
    cmp = "x[feature] < t, i.e. x_q <= threshold" if strict else "x[feature] <= threshold"
    if sides is not None:
        cmp += ", a missing value goes to the node's learned default side"
    spec.notes.append(f"{len(trees)} tree(s), {nodes} internal nodes, "
                      f"{sum(int(np.sum(t.left == -1)) for t in trees)} leaves; go left when {cmp}.")
    private = opts.weights == "private"
    if private:   # thresholds and leaf values become private inputs (in FOREST's order); TREES keeps the shape,
        # each threshold set to its column's low end so that WIDTHS covers any threshold in the column's range
        whole = _forest(trees, tq, vals)
        spec.param("THRESHOLDS", list(whole.threshold) or [0], "per internal node of FOREST, at 2**IN_BITS[feature]")
        spec.param("LEAVES", [list(v) for v in whole.leaf_values], f"per leaf of FOREST, at 2**{value_bits}")
        tq = [[int(tlo[f]) if c != -1 else 0 for f, c in zip(t.feature, t.left)] for t in trees]
        vals = [np.zeros_like(v) for v in vals]
    parts = []
    for t, q, v in zip(trees, tq, vals):
        parts.append("models.tree(\n"
                     f"        feature={format_value(t.feature.tolist(), 8)},\n"
                     f"        threshold={format_value(q, 8)},\n"
                     f"        left={format_value(t.left.tolist(), 8)},\n"
                     f"        right={format_value(t.right.tolist(), 8)},\n"
                     f"        value={format_value(v.tolist(), 8)},\n"
                     "    )")
    spec.constants.append(("TREES", "[\n" + "".join(f"    {p},\n" for p in parts) + "]",
                           ("the trees' shape (thresholds and leaf values are the private THRESHOLDS and LEAVES)"
                            if private else ("thresholds at 2**S[feature] (z's scales)" if mixed is not None else
                                             "thresholds at 2**IN_BITS[feature] (the inputs' scales)") + "; leaf values at "
                            f"2**{value_bits}" + (" (class indices)" if head == "index" else ""))))
    if init_q is not None:
        spec.param("INIT", init_q, f"initial score at 2**{value_bits}")
    try:
        widths = _tree_widths(tq, trees, tlo, thi)
    except OverflowError as e:
        raise ConversionError(str(e)) from None
    counts = ", ".join(f"{widths.count(w)} × {w}-bit" for w in fixed.SIGN_WIDTHS if w in widths)
    spec.notes += ["Each internal node costs one sign test (a checked cast to u8/u16/u32/u64: 9/17/33/65 "
                   "constraints),",
                   "as narrow as |threshold - x_q| over the node's feature range "
                   + ("[Z_LOW, Z_HIGH]" if mixed is not None else "[INPUT_LOW, INPUT_HIGH]") + " allows",
                   f"(WIDTHS): {counts or 'none'}. Outside it a test may halt, never answer wrongly."]
    spec.use("FOREST = models.forest(TREES)", "all trees as one, leaf values summed")
    spec.use(f"# per internal node of FOREST, the narrowest sign test for its feature's range: {counts or 'none'}")
    if mixed is not None:
        spec.use("WIDTHS = trees.node_widths(FOREST, Z_LOW, Z_HIGH)")
    elif sides is None:
        spec.use("WIDTHS = trees.node_widths(FOREST, fixed.quantize(INPUT_LOW, IN_BITS), "
                 "fixed.quantize(INPUT_HIGH, IN_BITS))")
    else:
        spec.use("WIDTHS = trees.node_widths(FOREST, fixed.quantize(INPUT_LOW, IN_BITS) - 1, "
                 "fixed.quantize(INPUT_HIGH, IN_BITS) + 1)", "missing values sit one step outside the range")
        spec.notes.append("Missing values (NaN" + (f" or {missing_value!r}" if missing_value is not None else "")
                          + ") are encoded one step below INPUT_LOW[j] (MISSING_SIDE[j] == 'low': left at every "
                          "node) or above INPUT_HIGH[j] ('high': right at every node); COLUMNS[j] is the feature "
                          "input j carries.")
    if private:
        spec.use("forest = trees.tree_paths(FOREST, WIDTHS).with_parameters", "Σ of the leaf values, private ones")
    else:
        spec.use("forest = trees.tree_paths(FOREST, WIDTHS)", "Σ of the trees' leaf values")
    if sides is not None:
        spec.body[:0] = _copies_agree(columns, n, tlo, thi)
    x = "z" if mixed is not None else "xf"
    walk = f"forest({x}, THRESHOLDS, LEAVES)" if private else f"forest({x})"
    total = f"linalg.add({walk}, INIT)" if init_q is not None else walk
    if head == "index":
        spec.body.append(f"return pl.U8({walk}[0])")
    elif head == "regress":
        if bound >= 2**63:
            raise ConversionError("tree outputs do not fit i64; this should not happen (leaf values are scaled to fit)")
        spec.out_scale = f"2**{value_bits}" + (f" * {out_divisor}" if out_divisor != 1 else "")
        spec.body.append(f"return models.to_i64({total}[0])")
    else:
        spec.body.insert(0, f"scores = {total}")
        spec.link_params = link_params
        if not score_head(spec, opts, "scores", K, bound, 2**value_bits * out_divisor, links or {}, type(est).__name__):
            classifier_head(spec, "scores", bound, K, "nonneg" if head == "nonneg" else "positive")
    if mixed is not None:
        spec.body.insert(0, "z = linalg.dense(Z, xf, Z0)")
    spec.domain = aff.domain() if isinstance(aff, Affine) else None   # where folded functions are defined
    return spec


def _selection(lin: LinearMap, n: int) -> tuple[Affine, np.ndarray] | None:
    """When each output of ``lin`` is one raw feature scaled, z_k = m_k·x[s_k] + c_k with m_k > 0 and the
    s_k distinct (SelectKBest, VarianceThreshold …, scalers around them): the element-wise map on the
    ``n`` raw features (d[s_k] = m_k, e[s_k] = c_k; identity elsewhere) and s; else None."""
    M = np.asarray(lin.M, dtype=np.float64)
    if M.ndim != 2 or M.shape[1] != n or not np.all(np.count_nonzero(M, axis=1) == 1):
        return None
    s = np.argmax(M != 0, axis=1)
    m = M[np.arange(len(M)), s]
    if len(set(s.tolist())) != len(s) or np.any(m <= 0):
        return None
    d, e = np.ones(n), np.zeros(n)
    d[s], e[s] = m, lin.c
    return Affine(d, e), s


def _selected(t: RawTree, lin: LinearMap, s: np.ndarray) -> RawTree:
    """A tree on z = ``lin``(x), a selection (:func:`_selection`), on the raw features: node on z_k at t
    → node on x[s_k] at (t − c_k)/m_k (same rule: m_k > 0)."""
    internal = t.left != -1
    f = np.where(internal, t.feature, 0)
    m = np.asarray(lin.M, dtype=np.float64)[f, s[f]]
    with np.errstate(invalid="ignore"):
        thr = np.where(internal, (t.threshold - np.asarray(lin.c)[f]) / m, 0.0)
    return dataclasses.replace(t, feature=np.where(internal, s[f], 0), threshold=thr)


def _mixed_inputs(trees: list[RawTree], lin: LinearMap, opts: Options, n: int) -> tuple[
        list[list[int]], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int], list[int]]:
    """Trees on z = ``lin``(x) (PCA, TruncatedSVD …): the circuit takes the ``n`` raw features quantized as
    a linear model's are, finer (:data:`MIXED_RESOLUTION`; :func:`~stdlib_ml.convert.quantize.feature_range`,
    values outside rejected) and
    computes z_q = Z·x_q + Z0 exactly, row k at its own scale 2**S_k, the largest with |z_q| < 2**MIXED_BITS
    over the whole input range (so every node is one 128-bit sign test). A node going left when z_k < t
    (strict: a float32 boundary) tests z_q <= ceil(t·2**S_k) − 1; one going left when z_k <= t (float64:
    HistGradientBoosting, LightGBM, whose thresholds may be data values that rows sit on) tests
    z_q <= floor(t·2**S_k) + err_k, err_k the bound on |z_q − z·2**S_k| (the rounding of x and of Z), so a
    row at t goes left; clipped to the range (a threshold beyond it decides every input alike). Returns (per tree, each node's threshold; INPUT_LOW,
    INPUT_HIGH, IN_BITS of x; Z, Z0; S; per z_k one below its least value and its largest, exact integers)."""
    low, high, unit = feature_range(opts, n, None)
    ib = input_bits_for(opts, unit, low, high, MIXED_RESOLUTION)
    loq, hiq = [int(v) for v in fixed.quantize(low, ib)], [int(v) for v in fixed.quantize(high, ib)]
    M, c = np.asarray(lin.M, dtype=np.float64), np.asarray(lin.c, dtype=np.float64)
    top = np.abs(M) @ np.maximum(np.abs(low), np.abs(high)) + np.abs(c)
    S = np.asarray([MIXED_BITS - 1 - ceil_log2(max(float(v), 2.0**-60)) for v in top], dtype=np.int64)
    while True:
        Zq, cq = qint(M, S[:, None] - ib[None, :]), qint(c, S)
        zlo = [sum(min(int(w) * a, int(w) * b) for w, a, b in zip(row, loq, hiq)) + int(c0) for row, c0 in zip(Zq, cq)]
        zhi = [sum(max(int(w) * a, int(w) * b) for w, a, b in zip(row, loq, hiq)) + int(c0) for row, c0 in zip(Zq, cq)]
        over = np.asarray([max(-a, b) >= 2**MIXED_BITS for a, b in zip(zlo, zhi)])
        if not over.any():
            break
        S = S - over
    # |z_q − z·2**S| <= err: x's rounding moves it by half a step of Z per input, Z's rounding by half of x_q
    err = [math.ceil(sum(max(abs(a), abs(b)) + abs(int(w)) + 0.5 for w, a, b in zip(row, loq, hiq)) / 2 + 0.5)
           for row in Zq]
    tq: list[list[int]] = []
    for t in trees:
        q = []
        for i in range(len(t.left)):
            f, v = int(t.feature[i]), float(t.threshold[i])
            if t.left[i] == -1:
                q.append(0)
            elif not np.isfinite(v):
                q.append(zhi[f] if v > 0 else zlo[f] - 1)
            else:   # x <= t on float64 (a threshold that is a data value: rows at it go left) within err
                scaled = Fraction(v) * Fraction(2) ** int(S[f])
                q.append(min(max(math.ceil(scaled) - 1 if t.strict else math.floor(scaled) + err[f], zlo[f] - 1),
                             zhi[f]))
        tq.append(q)
    return tq, low, high, ib, Zq, cq, S, [v - 1 for v in zlo], zhi


def _rank_inputs(trees: list[RawTree], src: np.ndarray) -> tuple[list[list[int]], np.ndarray, np.ndarray,
                                                                  np.ndarray, list[list[float]]]:
    """Rank encoding (public weights): per circuit input j, T_j = the sorted distinct finite thresholds
    of its feature over all trees (a feature's two columns share one table), and the input is the rank
    b = the number of thresholds in T_j the value is past (x > t; x >= t for strict trees). A node at
    T_j[k] goes left exactly when b <= k (+inf thresholds: k = |T_j|, every present value goes left),
    so the circuit agrees with the float model on every input, with no range and no clamping.
    Returns (per tree, each node's k; INPUT_LOW = 0; INPUT_HIGH = |T_j|; IN_BITS = 0; the tables T_j)."""
    feats = sorted({int(f) for f in src})
    found: dict[int, set[float]] = {f: set() for f in feats}
    for t in trees:
        internal = (t.left != -1) & np.isfinite(t.threshold)
        for f, v in zip(src[t.feature[internal]], t.threshold[internal]):
            found[int(f)].add(float(v))
    table = {f: sorted(found[f]) for f in feats}
    index = {f: {v: k for k, v in enumerate(tb)} for f, tb in table.items()}
    tq = []
    for t in trees:
        q = []
        for i in range(len(t.left)):
            f, v = int(src[t.feature[i]]), float(t.threshold[i])
            if t.left[i] == -1:
                q.append(0)
            elif np.isfinite(v):
                q.append(index[f][v])
            elif v > 0:   # x <= +inf: every present value goes left
                q.append(len(table[f]))
            else:
                raise ConversionError("a split at threshold -inf, which no present value passes; scikit-learn "
                                      "and XGBoost do not write those")
        tq.append(q)
    tables = [table[int(f)] for f in src]
    high = np.asarray([float(len(tb)) for tb in tables])
    return tq, np.zeros(len(src)), high, np.zeros(len(src), dtype=np.int64), tables


def _value_inputs(trees: list[RawTree], src: np.ndarray, est: Any, aff: Affine,
                  opts: Options) -> tuple[list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """Value encoding (private weights, or a given ``input_bits``): each circuit input is its feature
    quantized at its own scale 2**IN_BITS and clamped to a range that covers the thresholds (and, with
    private weights, the calibration data). Returns (per tree, each node's quantized threshold; INPUT_LOW;
    INPUT_HIGH; IN_BITS), one entry per circuit input (``src``: the feature each input carries)."""
    columns, m, n = [int(c) for c in src], len(src), len(aff.d)
    # Each feature's thresholds (finite ones: +inf means "every present value") set the range and scale
    # of its column(s): a feature's two columns share both, so that the circuit can check that they
    # carry the same value (:func:`_copies_agree`).
    lo, hi = np.zeros(n), np.zeros(n)
    used = np.zeros(n, bool)
    for t in trees:
        internal = (t.left != -1) & np.isfinite(t.threshold)
        for f, v in zip(src[t.feature[internal]], t.threshold[internal]):
            lo[f] = min(lo[f], v) if used[f] else v
            hi[f] = max(hi[f], v) if used[f] else v
            used[f] = True
    lo, hi, used = lo[src], hi[src], used[src]
    data = _data_range(opts, est, src)
    if data is not None:   # private thresholds: the public range (and scale) is the data's, not the thresholds'
        lo, hi = np.where(used, np.minimum(lo, data[0]), lo), np.where(used, np.maximum(hi, data[1]), hi)
    spread = float(np.max(np.where(used, np.maximum(np.abs(hi - lo), 1e-9), 0))) if used.any() else 1.0
    # Bits: the widest column's (threshold - x) over its clamped range fits 31 bits; a narrower column
    # gets more bits where its own thresholds need them (at least 2**TREE_MIN_BITS steps across its
    # thresholds' spread, or its largest threshold when it has one), so a tiny feature is not rounded away.
    ib0 = int(np.clip(TREE_SPREAD_BITS - 1 - ceil_log2(spread + 2.0**-20), 0, 40))
    own = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 2.0**-30))
    cap = np.asarray([60 - ceil_log2(max(abs(lo[f]), abs(hi[f]), 2.0**-20) + own[f]) for f in range(m)])
    ib = np.minimum(np.maximum(ib0, TREE_MIN_BITS - np.floor(np.log2(own))), np.maximum(cap, ib0)).astype(np.int64)
    ib = np.where(used, ib, ib0)
    # scikit-learn and XGBoost compare float32 copies of their input z = d·x + e: one input step must be
    # finer than the float32 spacing at every threshold (in x: spacing / d), so that x and the threshold
    # never share a step. Where that needs more bits, the nodes on wide features get 64-bit tests.
    for f in np.flatnonzero(used):
        g = columns[f]
        thr = np.concatenate([t.threshold[(t.left != -1) & (src[t.feature] == g)] for t in trees])
        tv = thr[np.isfinite(thr)]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            z = aff.forward(tv, g)
        keep = (np.abs(z) > 2.0**-30) & np.isfinite(z)
        tv, z = tv[keep], z[keep]
        if len(z):
            sp = np.spacing(np.abs(z).astype(np.float32)).astype(np.float64)
            with np.errstate(invalid="ignore", over="ignore"):   # a monotone function: the step's width at t
                step = sp / aff.d[g] if aff.inner is None else np.abs(aff.to_raw(z + sp, g) - tv)
            step = step[step > 0]
            if len(step):
                need = int(np.max(-np.floor(np.log2(step / 2)))) + 1
                ib[f] = max(ib[f], min(need, max(cap[f], ib[f])))
    if opts.input_bits is not None:
        ib = given_bits(opts.input_bits, n)[columns]
    tq: list[list[int]] = []
    for t in trees:
        q = []
        for i in range(len(t.left)):
            b = int(ib[t.feature[i]])
            if t.left[i] == -1 or not np.isfinite(t.threshold[i]):
                q.append(0)   # leaves; +inf thresholds are set below, once the column's range is known
            elif t.strict:  # x < t  ⇔  x_q < round(t·2^b) for inputs at least one step apart
                q.append(round(Fraction(float(t.threshold[i])) * Fraction(2) ** b) - 1)
            else:  # x <= t ⇔ x_q <= floor(t·2^b)
                q.append(math.floor(Fraction(float(t.threshold[i])) * Fraction(2) ** b))
        tq.append(q)
    finite = [(f, q) for t, qs in zip(trees, tq) for q, f, l, v in zip(qs, t.feature, t.left, t.threshold)
              if l != -1 and np.isfinite(v)]
    qlo = {f: min((q for ff, q in finite if src[ff] == src[f]), default=0) for f in range(m)}
    qhi = {f: max((q for ff, q in finite if src[ff] == src[f]), default=0) for f in range(m)}
    if data is not None:
        for f in np.flatnonzero(used):
            qlo[f] = min(qlo[f], math.floor(Fraction(float(data[0][f])) * Fraction(2) ** int(ib[f])))
            qhi[f] = max(qhi[f], math.ceil(Fraction(float(data[1][f])) * Fraction(2) ** int(ib[f])))
    for t, qs in zip(trees, tq):   # x <= +inf: every present (clamped) value goes left
        for i in np.flatnonzero((t.left != -1) & ~np.isfinite(t.threshold)):
            if t.threshold[i] < 0:
                raise ConversionError(f"{type(est).__name__} has a split at threshold -inf, which no present value "
                                      "passes; scikit-learn and XGBoost do not write those")
            qs[i] = qhi[int(t.feature[i])] + 1
    used |= np.asarray([any(src[f] == src[c] for t in trees for f, l in zip(t.feature, t.left) if l != -1)
                        for c in range(m)])
    low = np.asarray([(qlo[f] - 1) / 2.0 ** ib[f] if used[f] else 0.0 for f in range(m)])
    high = np.asarray([(qhi[f] + 1) / 2.0 ** ib[f] if used[f] else 0.0 for f in range(m)])
    # Clamped inputs quantize to [qlo - 1, qhi + 1] (0 for unused features), missing ones one step
    # beyond: each node's sign test is sized from its own column's range, as the model file
    # recomputes with trees.node_widths.
    low_q, high_q = fixed.quantize(low, ib), fixed.quantize(high, ib)
    if any(int(low_q[f]) != qlo[f] - 1 or int(high_q[f]) != qhi[f] + 1 for f in range(m) if used[f]):
        raise ConversionError("tree thresholds are too large to quantize exactly at the inputs' scale; "
                              "pass a smaller input_bits")
    return tq, low, high, ib


def _data_range(opts: Options, est: Any, src: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """With private weights, each column's (min, max) over the calibration rows: a tree's input range is
    public (INPUT_LOW/HIGH, IN_BITS), so it must come from the data, not from the private thresholds
    (which lie inside the data's range); None with public weights."""
    if opts.weights != "private":
        return None
    if opts.X is None or not np.all(np.any(np.isfinite(opts.X), axis=0)):
        raise ConversionError(f"{type(est).__name__} with private weights needs calibration rows X with a value in "
                              "every feature: a tree's public input range would otherwise come from its thresholds",
                              hint="pass X (e.g. the training set), `pyleo import --data`")
    return np.nanmin(opts.X, axis=0)[src], np.nanmax(opts.X, axis=0)[src]


def _copies_agree(columns: list[int], n: int, low_q: np.ndarray, high_q: np.ndarray) -> list[str]:
    """The ``predict`` lines asserting that a feature carried by two inputs (f, its "missing goes left"
    column, and c, its "missing goes right" copy) gets one value: equal inputs (present, clamped to
    their shared range at their shared scale), or both missing (f one step below ``low_q[f]``, c one
    step above ``high_q[c]``; ``low_q``/``high_q`` already hold those steps). Without it a prover could
    route the two kinds of nodes by different values and get a label no single row gives.
    Each line costs three field equalities and the boolean logic (a few constraints)."""
    lines = []
    for c in range(n, len(columns)):
        f = columns[c]
        lines.append(f"assert xf[{f}] == xf[{c}] or (xf[{f}] == {int(low_q[f])} and xf[{c}] == {int(high_q[c])}), "
                     f'"inputs {f} and {c} carry feature {f}: the same value, or both missing"')
    return lines


def _forest(raws: list[RawTree], tq: list[list[int]], vals: list[np.ndarray] | None = None) -> Any:
    """``models.forest(TREES)`` as the model file computes it (leaf values 0 without ``vals``)."""
    from .. import models

    try:
        return models.forest([models.tree(t.feature.tolist(), q, t.left.tolist(), t.right.tolist(),
                                          v.tolist() if v is not None else [[0]] * len(t.left))
                              for t, q, v in zip(raws, tq, vals if vals is not None else [None] * len(raws))])
    except ValueError as e:
        raise ConversionError(f"{e}; pass a smaller input_bits") from None


def _tree_widths(tq: list[list[int]], raws: list[RawTree], low_q: np.ndarray, high_q: np.ndarray) -> list[int]:
    """Sign-test width of every internal node of ``models.forest(TREES)``: what the model file's
    ``trees.node_widths(...)`` line computes (the same functions, for the notes and for errors)."""
    from .. import trees

    return list(trees.node_widths(_forest(raws, tq), low_q, high_q))


def leaf_bits(total_max: float, limit: int = 60) -> int:
    """Fractional bits so that a sum of leaf values up to total_max stays below 2**limit."""
    return int(np.clip(limit - ceil_log2(max(total_max, 2.0**-30)), 0, 48))


# ---- building trees node by node (LightGBM, HistGradientBoosting, CatBoost) ----------------------
class TreeBuilder:
    """Builds one :class:`RawTree` (go left when x[f] <= t) node by node, for frontends whose trees are
    nested nodes: :meth:`leaf`, :meth:`split` (a threshold) and :meth:`regions` (a categorical split,
    expanded into threshold tests). Children are given as callables so that a categorical split can
    build its subtrees once per run of regions that reaches them. ``K``: values per leaf."""

    def __init__(self, K: int) -> None:
        self.K = K
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.value: list[np.ndarray] = []
        self.missing_left: list[bool] = []

    def _node(self) -> int:
        self.feature.append(0)
        self.threshold.append(0.0)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(np.zeros(self.K))
        self.missing_left.append(True)
        return len(self.left) - 1

    def leaf(self, value: Any) -> int:
        """A leaf holding ``value`` (K floats, or one); returns its index."""
        i = self._node()
        self.value[i] = np.broadcast_to(np.asarray(value, dtype=np.float64), (self.K,)).copy()
        return i

    def split(self, feature: int, threshold: float, missing_left: bool, left: Callable[[], int],
              right: Callable[[], int]) -> int:
        """A node going left when x[feature] <= threshold (a missing value: left when ``missing_left``);
        ``left`` / ``right`` build the children. Returns the node's index."""
        i = self._node()
        self.feature[i], self.threshold[i], self.missing_left[i] = int(feature), float(threshold), bool(missing_left)
        self.left[i] = left()
        self.right[i] = right()
        return i

    def regions(self, feature: int, cuts: Sequence[float], goes_left: Sequence[bool], missing_left: bool,
                left: Callable[[], int], right: Callable[[], int]) -> int:
        """A node going left or right by which of the regions cut at ``cuts`` (increasing) x[feature] lies
        in: region r holds (cuts[r-1], cuts[r]] (region 0 everything up to cuts[0], the last everything
        above cuts[-1]) and goes left when ``goes_left[r]``; a missing value goes left when
        ``missing_left``. A categorical split becomes this (:func:`category_regions`): threshold tests
        in a binary search over the cuts, each side built once per run of regions it is reached from.
        Raises :class:`ConversionError` when every present value goes right and a missing one left
        (no threshold test sends only missing values left)."""
        if len(goes_left) != len(cuts) + 1:
            raise ValueError("one direction per region: len(cuts) + 1")
        if len(set(goes_left)) == 1:   # no present value is told apart
            if goes_left[0] == missing_left:
                return left() if missing_left else right()
            if goes_left[0]:   # present values left, missing ones right: "x <= +inf"
                return self.split(feature, np.inf, False, left, right)
            raise ConversionError("a split sending every present value right and a missing one left is not supported")
        target = list(goes_left).index(missing_left) if missing_left in goes_left else 0

        def search(lo: int, hi: int) -> int:   # regions lo..hi
            if all(goes_left[r] == goes_left[lo] for r in range(lo, hi + 1)):
                return left() if goes_left[lo] else right()
            mid = (lo + hi + 1) // 2   # left of the test: regions lo..mid-1, i.e. x <= cuts[mid-1]
            return self.split(feature, float(cuts[mid - 1]), target < mid, lambda: search(lo, mid - 1),
                              lambda: search(mid, hi))

        return search(0, len(goes_left) - 1)

    def tree(self) -> RawTree:
        """The tree built (its root is the node built first)."""
        return RawTree(np.asarray(self.feature), np.asarray(self.threshold), np.asarray(self.left),
                       np.asarray(self.right), np.asarray(self.value).reshape(-1, self.K),
                       missing_left=np.asarray(self.missing_left, dtype=bool))


def category_regions(categories: Iterable[int]) -> tuple[list[float], list[bool]]:
    """The real line cut where ``int(x)`` (truncation toward zero, as LightGBM reads a category: category
    k holds [k, k+1), category 0 holds (-1, 1)) enters or leaves ``categories`` (non-negative integers):
    (the cuts, increasing, for :meth:`TreeBuilder.regions`; per region, whether its values are one of
    the categories)."""
    cats = sorted({int(c) for c in categories})
    if not cats or cats[0] < 0:
        raise ConversionError(f"a categorical split on categories {cats}: categories are non-negative integers")
    points: list[float] = []
    for c in cats:
        lo, hi = (float(np.nextafter(-1.0, 0.0)) if c == 0 else float(c)), float(c + 1)   # int(-1.0) is -1
        if points and points[-1] == lo:
            points[-1] = hi   # a run of consecutive categories is one interval
        else:
            points += [lo, hi]
    members = [k % 2 == 1 for k in range(len(points) + 1)]
    return [float(np.nextafter(p, -np.inf)) for p in points], members   # x < p  ⇔  x <= the float below p


def check_categorical_size(trees: list[RawTree], what: str) -> None:
    """Raise :class:`ConversionError` when ``trees``, whose categorical splits were expanded into
    threshold tests (:meth:`TreeBuilder.regions`), have more internal nodes than a snarkVM array holds
    (the model file lists every node's threshold in one array). ``what``: the model, for the message."""
    nodes = sum(int(np.sum(t.left != -1)) for t in trees)
    if nodes > limits.MAX_ARRAY_LENGTH:
        raise ConversionError(f"{what}'s categorical splits expand to {nodes:,} threshold tests (a split on a set of "
                              "categories becomes tests on the ends of its runs, its subtrees repeated once per run): "
                              f"more than the {limits.MAX_ARRAY_LENGTH:,} elements a snarkVM array holds",
                              hint="fewer categories, fewer or shallower trees (max_leaf_nodes / num_leaves), or "
                              "one-hot encoded categories as numeric features")
