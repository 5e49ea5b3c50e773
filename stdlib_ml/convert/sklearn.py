"""The scikit-learn frontend: fitted estimators → :class:`~stdlib_ml.convert.render.Spec` (linear models,
trees and ensembles, K-Means, KNN, Gaussian naive Bayes, MLPs, each alone or behind scalers in a
Pipeline, the scalers measured on their ``transform`` and folded in), then the one conversion sequence
(:func:`~stdlib_ml.convert.pipeline.convert`). scikit-learn is imported only inside the functions that
read an estimator; which classes convert, and how, is the table :data:`TABLE`."""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import limits

from . import frontends, hist_gradient_boosting, pipeline
from .fidelity import CHECK_ROWS
from .linear import linear_spec
from .model import ConversionError, ModelInputError, ZkModel
from .nn import Network, network_spec
from .options import Options
from .quantize import (LEAF_BITS, Affine, ceil_log2, class_labels, dense_bound, distance_bits, feature_range,
                       input_bits_for, input_bound, new_spec, pow2, qint, sign_width, widen)
from .render import Spec
from .tree_ensembles import MISSING_VALUE_MODELS, RawTree, leaf_bits, raw_thresholds, tree_spec


# ---- Pipelines: scalers measured on their transform ------------------------------------------------
def _scaler_affine(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(d, e) with ``step.transform(x) == d·x + e``, measured on ``transform`` itself: its value at a
    base point and one step along each feature, then checked on ``X`` (or on random points). A
    ``MinMaxScaler(clip=True)`` is measured without its clipping (see :func:`unwrap`)."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    name = type(step).__name__
    if not isinstance(step, (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)):
        raise ConversionError(f"pipeline step {name} is not supported",
                              hint="supported in front of a model: StandardScaler, MinMaxScaler, MaxAbsScaler, "
                              "RobustScaler (element-wise affine maps)")
    _fitted(step)
    if getattr(step, "clip", False):
        step = copy.copy(step)
        step.clip = False
    finite = X[np.all(np.isfinite(X), axis=1)] if X is not None else np.zeros((0, n))
    base = np.median(finite, axis=0) if len(finite) else np.zeros(n)
    h = np.ptp(finite, axis=0) if len(finite) else np.ones(n)
    h = np.where(h > 0, h, np.maximum(np.abs(base), 1.0))
    probe = np.vstack([base, base + np.diag(h)])
    T = np.asarray(step.transform(probe), dtype=np.float64)
    if T.shape != (n + 1, n):
        raise ConversionError(f"pipeline step {name} maps {n} features to {T.shape[1]}; only element-wise scalers "
                              "are supported")
    J = (T[1:] - T[0]) / h[:, None]          # J[j, k] = ∂ transform_k / ∂ x_j
    d = np.diag(J).copy()
    e = T[0] - d * base
    check = finite if len(finite) else base + h * np.random.default_rng(0).normal(size=(16, n))
    want = np.asarray(step.transform(check), dtype=np.float64)
    got = check * d + e
    tol = 1e-9 * (np.abs(want) + np.abs(check * d) + np.abs(e)) + 1e-12
    if np.any(np.abs(J - np.diag(d)) > 1e-9 * np.abs(J).max(initial=1.0)) or np.any(np.abs(got - want) > tol):
        raise ConversionError(f"pipeline step {name}'s transform is not the element-wise affine map d·x + e on the "
                              "calibration rows, so it cannot be folded into the model")
    return d, e


def _fitted(est: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(est)
    except NotFittedError:
        raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
    except TypeError as e:
        raise ConversionError(f"{type(est).__name__} is not a scikit-learn estimator ({e})") from None


def unwrap(model: Any, X: np.ndarray | None = None) -> tuple[Any, Affine, int]:
    """(final estimator, composed scalers, number of input features); ``X`` (calibration rows, raw)
    is where each scaler's fold is checked against its ``transform``."""
    from sklearn.pipeline import Pipeline

    steps: list[Any] = []
    est = model
    if isinstance(model, Pipeline):
        steps = [s for _, s in model.steps[:-1] if s is not None and s != "passthrough"]
        est = model.steps[-1][1]
    _fitted(est)
    n = getattr(model, "n_features_in_", None) or getattr(est, "n_features_in_", None)
    if n is None:
        raise ConversionError(f"{type(est).__name__} does not say how many features it takes (n_features_in_)")
    aff = Affine(np.ones(n), np.zeros(n))
    Z = X
    for s in steps:
        d, e = _scaler_affine(s, n, Z)
        clip = tuple(np.broadcast_to(np.asarray(v, float), (n,)) for v in s.feature_range) if getattr(
            s, "clip", False) else None
        aff = aff.then(d, e, clip)
        Z = Z * d + e if Z is not None else None
        if clip is not None and Z is not None:
            Z = np.clip(Z, *clip)
    if np.any(aff.d <= 0) or not np.all(np.isfinite(aff.d)):
        raise ConversionError("a scaler has a zero, negative or infinite scale")
    return est, aff, int(n)


def _scaler_range(model: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A generous input range from a pipeline's first scaler's statistics that holds every row the scaler was
    fitted on: mean ± k·std with k = max(100, √(n − 1)) for n rows (no row lies further than √(n − 1) std
    from the mean: Samuelson's inequality), or min/max ± 10 spans."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        return None
    s = model.steps[0][1]
    if isinstance(s, StandardScaler) and s.mean_ is not None and s.scale_ is not None:
        k = max(100.0, math.sqrt(max(float(np.max(s.n_samples_seen_)) - 1.0, 0.0)))
        return s.mean_ - k * s.scale_, s.mean_ + k * s.scale_
    if isinstance(s, MinMaxScaler):
        span = s.data_range_
        return s.data_min_ - 10 * span, s.data_max_ + 10 * span
    if isinstance(s, MaxAbsScaler):
        return -10 * s.max_abs_, 10 * s.max_abs_
    return None



# ---- trees as fitted ----------------------------------------------------------------------------
def _sk_tree(t: Any, aff: Affine, value: np.ndarray, missing: bool) -> RawTree:
    """A fitted sklearn ``tree_`` with thresholds mapped back through the scalers; ``missing``: the
    model sends NaN down each node's ``missing_go_to_left`` side."""
    left = np.asarray(t.children_left)
    feat = np.where(left == -1, 0, t.feature)
    thr, strict = raw_thresholds(np.where(left == -1, np.nan, t.threshold), feat, aff, False)
    goes = np.asarray(t.missing_go_to_left, dtype=bool) if missing else None
    return RawTree(feat, thr, left, np.asarray(t.children_right), np.asarray(value, dtype=np.float64),
                   strict=strict, missing_left=goes).compact()


def _accepts_missing(model: Any, n: int) -> bool:
    """Whether the float model's own ``predict`` takes NaN (scikit-learn ≥ 1.3 trees, XGBoost)."""
    probe = np.zeros((1, n))
    probe[0, 0] = np.nan
    try:
        model.predict(probe)
    except ValueError:
        return False
    return True


def _tree_classes_onehot(t: Any) -> np.ndarray:
    v = np.asarray(t.value)[:, 0, :]
    return v / np.maximum(v.sum(axis=1, keepdims=True), 1e-300)


def _check_single_output(est: Any) -> None:
    if getattr(est, "n_outputs_", 1) != 1:
        raise ConversionError(f"{type(est).__name__} is multi-output ({est.n_outputs_} outputs); only single-output "
                              "models are supported")


# ---- linear models ------------------------------------------------------------------------------
def _linear(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    from sklearn.svm import SVC

    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(W.shape[0])
    if hasattr(est.coef_, "toarray"):
        W = np.atleast_2d(est.coef_.toarray())
    classes = class_labels(est) if kind == "classifier" else None
    ovo = isinstance(est, SVC) and classes is not None and len(classes) > 2
    return linear_spec(est, W, b, aff, n, opts, kind, classes, _scaler_range(model, n), ovo)


def _trees(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import BaseDecisionTree, DecisionTreeClassifier

    name = type(est).__name__
    _check_single_output(est)
    missing = _accepts_missing(model, n)
    suffix = ", scalers folded into the thresholds" if not aff.identity else ""
    if isinstance(est, BaseDecisionTree):
        t = est.tree_
        if isinstance(est, DecisionTreeClassifier):
            classes = class_labels(est)
            idx = np.argmax(np.asarray(t.value)[:, 0, :], axis=1).astype(float)[:, None]
            raw = _sk_tree(t, aff, idx, missing)
            return tree_spec(model, est, aff, n, opts, "classifier", [raw], "index", None, 0,
                              f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.", classes)
        vals = np.asarray(t.value)[:, 0, :1]
        vb = leaf_bits(float(np.max(np.abs(vals))))
        return tree_spec(model, est, aff, n, opts, "regressor", [_sk_tree(t, aff, vals, missing)], "regress", None, vb,
                          f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.")
    if isinstance(est, (RandomForestClassifier, ExtraTreesClassifier)):
        classes = class_labels(est)
        raws = [_sk_tree(e.tree_, aff, _tree_classes_onehot(e.tree_), missing) for e in est.estimators_]
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, LEAF_BITS,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo.", classes)
    if isinstance(est, (RandomForestRegressor, ExtraTreesRegressor)):
        vals = [np.asarray(e.tree_.value)[:, 0, :1] for e in est.estimators_]
        vb = leaf_bits(sum(float(np.max(np.abs(v))) for v in vals))
        raws = [_sk_tree(e.tree_, aff, v, missing) for e, v in zip(est.estimators_, vals)]
        return tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", None, vb,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo; the output is the "
                          "sum of the trees, OUT_SCALE includes the division by their number.", out_divisor=len(raws))
    if isinstance(est, (GradientBoostingClassifier, GradientBoostingRegressor)):
        if est.init_ != "zero" and type(est.init_).__name__ not in ("DummyClassifier", "DummyRegressor"):
            raise ConversionError(f"{name} with init={type(est.init_).__name__} is not supported (use the default or 'zero')")
        init = est._raw_predict_init(np.zeros((1, n)))[0]
        per = est.estimators_  # (n_stages, K)
        K = per.shape[1]
        raws: list[RawTree] = []
        total = float(np.max(np.abs(init)))
        for stage in per:
            for k, e in enumerate(stage):
                v = np.zeros((e.tree_.node_count, K))
                v[:, k] = np.asarray(e.tree_.value)[:, 0, 0] * est.learning_rate
                total += float(np.max(np.abs(v)))
                raws.append(_sk_tree(e.tree_, aff, v, missing))
        vb = leaf_bits(total)
        title = f"{name} ({per.shape[0]} stages × {K} trees, {n} features{suffix}), converted to pyleo."
        if isinstance(est, GradientBoostingRegressor):
            return tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", init[:1], vb, title)
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax" if K > 1 else "nonneg", init, vb,
                          title, class_labels(est))
    if isinstance(est, AdaBoostClassifier):
        if getattr(est, "algorithm", "SAMME") not in ("SAMME", "deprecated"):
            raise ConversionError(f"AdaBoostClassifier(algorithm={est.algorithm!r}) is not supported; use 'SAMME'")
        classes = class_labels(est)
        K = len(classes)
        pairs = [(e, w) for e, w in zip(est.estimators_, est.estimator_weights_) if w != 0]
        if not all(isinstance(e, DecisionTreeClassifier) for e, _ in pairs):
            raise ConversionError("AdaBoostClassifier is supported with decision-tree base estimators only")
        total = float(sum(w for _, w in pairs))
        vb = leaf_bits(total, 40)
        raws = []
        for e, w in pairs:
            v = np.zeros((e.tree_.node_count, K))
            v[np.arange(len(v)), np.argmax(np.asarray(e.tree_.value)[:, 0, :], axis=1)] = w
            raws.append(_sk_tree(e.tree_, aff, v, missing))
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, vb,
                          f"AdaBoostClassifier (SAMME, {len(raws)} trees, {n} features{suffix}), converted to pyleo: "
                          "weighted votes, then argmax.", classes)
    raise ConversionError(f"{name} is not supported")


# ---- neighbours and clusters --------------------------------------------------------------------
def _distance_terms(points: np.ndarray, aff: Affine, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The points quantized in input space and each feature's squared step in the estimator's space.

    With z = d·x + e: ‖z − p‖² = Σ d_f² (x_f − q_f)², q = the point in input space; dropping Σ d_f² x_f²
    (the same for every point) leaves Σ D_f (q_f² − 2 x_f q_f), D_f = d_f²·2**(-2·IN_BITS[f]) at
    2**db. Returns (q, (n_points, n_features) integers at the inputs' scales; D, per feature; db).
    """
    q = qint(aff.to_raw(points), ib[None, :])
    # Each feature's weight keeps 24 bits relative to the smallest one (a feature with a large raw
    # scale has a tiny weight; quantizing relative to the largest would zero it); powers of two (no
    # scaler) stay exact with the smallest at 1.
    D2 = np.ldexp(aff.d**2, -2 * ib)
    low_bits = -math.floor(math.log2(float(np.min(D2))))
    exact = bool(np.all(np.frexp(D2)[0] == 0.5))
    db = int(np.clip(low_bits + (0 if exact else 24), 0, 200))
    return q, qint(D2, db), db


def _distance_scores(points: np.ndarray, aff: Affine, ib: np.ndarray, low: np.ndarray, high: np.ndarray,
                     private: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Squared distances in the estimator's space, minus the common ‖x‖² term (:func:`_distance_terms`),
    as a dense layer (linear in x, 0 constraints). Returns (W, B, score bits, reach: two scores over
    the input range [low, high] differ by at most this, :func:`_distance_reach`)."""
    q, Dq, db = _distance_terms(points, aff, ib)
    W = np.asarray([[-2 * int(dq) * int(v) for dq, v in zip(Dq, row)] for row in q], dtype=object)
    B = np.asarray([sum(int(dq) * int(v) * int(v) for dq, v in zip(Dq, row)) for row in q], dtype=object)
    return W, B, db, _distance_reach(q, Dq, qint(low, ib), qint(high, ib), private)


def _distance_reach(q: np.ndarray, Dq: np.ndarray, low: np.ndarray, high: np.ndarray, private: bool) -> int:
    """How far apart two distance scores can be, the width every comparison between them is sized from.

    Two scores are ‖x − p‖² − ‖x‖² and ‖x − p′‖² − ‖x‖² (exactly, in the integers at their scale: the
    dropped Σ D_f·x_f² is the same for both), far less apart than twice the largest score, which grows
    with ‖x‖² (the inputs' distance from 0). ``q``: the points, (n_points, n_features) integers;
    ``Dq``: per feature its squared step; x in [low, high] (quantized, per feature). The smaller of two
    bounds, each O(points × features):

    - the largest squared distance ``Σ_f D_f·max(high − min p, max p − low)²`` from x to a point (a
      difference of two non-negative distances is at most the larger one);
    - the scores' spread at the centre c of the range plus how much a move from c can change a
      difference: ``(max_p − min_p) U_p + Σ_f D_f·(high − low)·(max p − min p)``, where
      U_p = Σ_f D_f·p_f·(p_f − low_f − high_f) is half the score at c less a constant (tight when the
      points vary in few features, e.g. digits' border pixels, constant 0).

    ``private``: the points are the model's secret, so the bound is the largest squared distance in the
    box that the range and the points span (``(max(high, max p) − min(low, min p))²`` per feature),
    whose width tells no more of the points than the range does when the range holds them."""
    cols = [[int(v) for v in q[:, f]] for f in range(q.shape[1])]
    D, lo, hi = [int(d) for d in Dq], [int(a) for a in low], [int(b) for b in high]
    if private:
        return sum(d * (max(b, *c) - min(a, *c)) ** 2 for d, a, b, c in zip(D, lo, hi, cols))
    corner = sum(d * max(b - min(c), max(c) - a) ** 2 for d, a, b, c in zip(D, lo, hi, cols))
    U = [sum(d * v * (v - a - b) for d, a, b, v in zip(D, lo, hi, p)) for p in zip(*cols)]
    centre = max(U) - min(U) + sum(d * (b - a) * (max(c) - min(c)) for d, a, b, c in zip(D, lo, hi, cols))
    return min(corner, centre)


def _reach_note(reach: int) -> str:
    return f"two scores (squared distances less ‖x‖²) differ by at most {pow2(reach)} over the input range"


def _points_range(points: np.ndarray, aff: Affine) -> tuple[np.ndarray, np.ndarray]:
    raw = aff.to_raw(points)
    return widen(raw.min(axis=0), raw.max(axis=0), 1.0)


def _fitted_kmeans_range(model: Any, est: Any, C: np.ndarray, aff: Affine, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An input range that holds every row K-Means was fitted on, and as much again around it: each such row
    lies within √inertia_ of its centroid (inertia_ is the sum of their squared distances, in the
    estimator's space), so each feature within √inertia_ of the centroids' range; the range of the
    pipeline's scaler (:func:`_scaler_range`, which holds them too) narrows it where it is tighter."""
    reach = math.sqrt(max(float(getattr(est, "inertia_", 0.0)), 0.0))
    low, high = widen(*sorted_pair(aff.to_raw(C.min(axis=0) - reach), aff.to_raw(C.max(axis=0) + reach)), 1.0)
    scaler = _scaler_range(model, n)
    if scaler is not None:
        low, high = np.maximum(low, scaler[0]), np.minimum(high, scaler[1])
    return low, high


def sorted_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise (min, max) of two arrays (a scaler's negative factor swaps a range's ends)."""
    return np.minimum(a, b), np.maximum(a, b)


def _kmeans(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    C = np.asarray(est.cluster_centers_, dtype=np.float64)
    low, high, unit = feature_range(opts, n, _fitted_kmeans_range(model, est, C, aff, n))
    ib = distance_bits(opts, unit, low, high, aff, 16)
    W, B, sb, reach = _distance_scores(C, aff, ib, low, high, opts.weights == "private")
    spec = new_spec(est, opts, n, "clusterer", low, high, ib,
                 f"{type(est).__name__} ({len(C)} clusters, {n} features), converted to pyleo: the nearest centroid.")
    spec.imports.add("reduce")
    spec.notes.append("Distances: ‖x − c‖² − ‖x‖² = ‖c‖² − 2·x·c (a dense layer, 0 constraints); argmin over centroids.")
    spec.param("W", W, f"−2·centroid (per cluster){' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.param("B", B, f"‖centroid‖², at 2**{sb}")
    spec.use(f"argmin = reduce.argmin({sign_width(reach + 1)})", _reach_note(reach))
    spec.body.append("return argmin(linalg.dense(W, xf, B))")
    return spec


def _knn(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    if est.weights != "uniform":
        raise ConversionError(f"KNeighborsClassifier(weights={est.weights!r}) is not supported; use weights='uniform'")
    metric = est.effective_metric_
    if metric not in ("euclidean", "sqeuclidean") and not (metric == "minkowski" and est.effective_metric_params_.get("p") == 2):
        raise ConversionError(f"KNeighborsClassifier with metric {metric!r} is not supported; use the Euclidean metric")
    if np.ndim(est._y) != 1:
        raise ConversionError("multi-output KNeighborsClassifier is not supported")
    P = np.asarray(est._fit_X, dtype=np.float64)
    if len(P) > limits.MAX_ARRAY_LENGTH:
        raise ConversionError(f"KNeighborsClassifier holds {len(P)} training points; snarkVM arrays hold at most "
                              f"{limits.MAX_ARRAY_LENGTH} "
                              "(fit it on a subsample)")
    k = int(est.n_neighbors)
    classes = class_labels(est)
    private = opts.weights == "private"
    if private and (opts.X is None or not np.all(np.any(np.isfinite(opts.X), axis=0))):
        raise ConversionError("KNeighborsClassifier with private weights needs calibration rows X with a value in every "
                              "feature: its public input range would otherwise come from its private training points",
                              hint="pass X (e.g. the training set), `pyleo import --data`")
    low, high, unit = feature_range(opts, n, _points_range(P, aff))
    if private:
        ib, q, Dq, sb, reach = _private_knn_scale(opts, unit, low, high, aff, P)
    else:
        ib = distance_bits(opts, unit, low, high, aff, 12)
    spec = new_spec(est, opts, n, "classifier", low, high, ib,
                 f"KNeighborsClassifier (k={k}, {len(P)} training points, {n} features), converted to pyleo.")
    spec.classes = classes
    spec.imports |= {"distance", "reduce"}
    exchanges = f"k·(n−k) + k·(k−1)/2 = {k * (len(P) - k) + k * (k - 1) // 2} sign tests"
    tail = ["(the smallest class index on ties, as scikit-learn). Distance ties keep the earlier training point; "
            "scikit-learn's choice among tied points may differ."]
    if private:   # the points (and a scaler's factors) and the labels are private; the vote runs over field labels
        spec.notes += ["Distances: Σ_f SCALE[f]·p_f·(p_f − 2·x_f) = ‖x − p‖² − ‖x‖² (distance.sq_scores, the points "
                       f"private); the k smallest by insertion into a sorted list ({exchanges}),",
                       "then the most frequent private label", *tail]
        spec.param("POINTS", q, "training points, column j at 2**IN_BITS[j]")
        # without a scaler SCALE follows from IN_BITS (public); a scaler's factors are the model's: private
        (spec.const if aff.identity else spec.param)(
            "SCALE", Dq, f"per feature its squared step in the estimator's space{' (scaler weights)' if not aff.identity else ''}, at 2**({sb} − 2·IN_BITS[j])")
        spec.param("LABELS", [int(v) for v in est._y], "class index of each training point")
        spec.const("CLASS_IDS", list(range(len(classes))))
        spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)}, pl.Field)", _reach_note(reach))
        spec.body.append("return reduce.majority_field(nearest(distance.sq_scores(POINTS, SCALE, xf), LABELS), CLASS_IDS)")
        return spec
    W, B, sb, reach = _distance_scores(P, aff, ib, low, high, False)
    spec.notes += ["Distances: ‖x − p‖² − ‖x‖² = ‖p‖² − 2·x·p (a dense layer, 0 constraints); the k smallest by a "
                   f"sorted-list insertion ({exchanges}), then the most frequent label", *tail]
    spec.const("W", W, f"−2·training point{' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖training point‖², at 2**{sb}")
    spec.const("LABELS", [int(v) for v in est._y], "class index of each training point")
    spec.const("CLASS_IDS", list(range(len(classes))))
    spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)})", _reach_note(reach))
    spec.body.append("return reduce.majority(nearest(linalg.dense(W, xf, B), LABELS), CLASS_IDS)")
    return spec


def _private_knn_scale(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, aff: Affine,
                       P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Input bits of a private-weight KNN, with (points q, scale D, scale bits, reach): two scores
    differ by at most ``reach``, the largest squared distance ``Σ_f D_f·(box width_f)²`` between two
    points of the box that the input range and the points span (so the sign tests' width says
    nothing more of the private points than the range does). The finest of 2**12 … 2**10 steps per
    spread whose comparisons fit 32-bit sign tests (33 constraints instead of 65), else 2**12."""
    first = None
    for resolution in (12, 11, 10):
        ib = distance_bits(opts, unit, low, high, aff, resolution)
        q, Dq, sb = _distance_terms(P, aff, ib)
        reach = _distance_reach(q, Dq, qint(low, ib), qint(high, ib), True)
        first = first or (ib, q, Dq, sb, reach)
        if sign_width(reach + 1) <= 32 or opts.input_bits is not None:
            return ib, q, Dq, sb, reach
    return first


def _gaussian_nb(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    theta = np.asarray(est.theta_, dtype=np.float64)
    var = np.asarray(est.var_, dtype=np.float64)
    prior = np.log(np.asarray(est.class_prior_, dtype=np.float64))
    a = -0.5 / var
    bz = theta / var
    c = prior - 0.5 * np.sum(np.log(2 * np.pi * var), axis=1) - 0.5 * np.sum(theta**2 / var, axis=1)
    d, e = aff.d, aff.e  # z = d·x + e
    A = a * d**2
    Bx = 2 * a * d * e + bz * d
    C = c + np.sum(a * e**2 + bz * e, axis=1)
    std = np.sqrt(var)
    k = max(100.0, math.sqrt(max(float(np.max(est.class_count_)) - 1.0, 0.0)))   # holds every fitted row (Samuelson)
    zlo, zhi = (theta - k * std).min(axis=0), (theta + k * std).max(axis=0)
    low, high, unit = feature_range(opts, n, (aff.to_raw(zlo), aff.to_raw(zhi)))
    ib = input_bits_for(opts, unit, low, high, 14)
    classes = class_labels(est)
    spec = new_spec(est, opts, n, "classifier", low, high, ib,
                 f"GaussianNB ({len(classes)} classes, {n} features), converted to pyleo: argmax of the joint "
                 "log-likelihood.")
    spec.classes = classes
    spec.imports |= {"models", "reduce"}
    spec.notes.append("log P(x, k) = Σ_j A[k][j]·x_j² + Σ_j B[k][j]·x_j + C[k] (the Gaussian's square expanded; "
                      "one constraint per feature for x_j², the rest is free field arithmetic).")
    inb = input_bound(low, high, ib)
    sq = np.asarray([int(m) * int(m) for m in inb], dtype=object)
    ab = int(np.clip(60 - ceil_log2(float(np.max(np.abs(A)))), 0, 100))
    while True:
        T = ab + 2 * int(np.max(ib))   # the scores' scale
        Aq, Bq, Cq = qint(A, T - 2 * ib[None, :]), qint(Bx, T - ib[None, :]), qint(C, T)
        bound = int(max(dense_bound(np.concatenate([Aq, Bq], axis=1), Cq, np.concatenate([sq, inb]))))
        if bound < 2**125 or ab == 0:
            break
        ab -= 2
    spec.param("A", Aq, f"−1/(2σ²), column j at 2**({T} − 2·IN_BITS[j])")
    spec.param("B", Bq, f"μ/σ², column j at 2**({T} − IN_BITS[j])")
    spec.param("C", Cq, f"log prior − Σ log(σ√(2π)) − Σ μ²/(2σ²), at 2**{T}")
    spec.use(f"argmax = reduce.argmax({sign_width(2 * bound + 1)})", f"|log-likelihood| <= {pow2(bound)}")
    spec.body += ["scores = linalg.add(linalg.matvec(A, models.squares(xf)), linalg.dense(B, xf, C))",
                  "return argmax(scores)"]
    return spec


# ---- MLP ----------------------------------------------------------------------------------------
def _mlp(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    """An MLP as a :class:`~stdlib_ml.convert.nn.Network` (the scalers an elementwise affine layer in
    front), quantized and rendered by :func:`~stdlib_ml.convert.nn.network_spec`."""
    if est.activation not in ("relu", "identity"):
        raise ConversionError(f"{type(est).__name__}(activation={est.activation!r}) is not supported: hidden layers "
                              "must use 'relu' or 'identity' (a circuit computes ReLU exactly; tanh and logistic "
                              "would need approximations)")
    out_act = est.out_activation_
    if kind == "classifier" and out_act == "logistic" and est.n_outputs_ > 1:
        raise ConversionError("multi-label MLPClassifier is not supported")
    if kind == "regressor" and est.n_outputs_ != 1:
        raise ConversionError("multi-output MLPRegressor is not supported")
    net = Network(n)
    h = net.input if aff.identity else net.scale_shift(net.input, aff.d, aff.e, where="the scalers")
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_), 1):
        h = net.dense(h, np.asarray(W, dtype=np.float64).T, np.asarray(b, dtype=np.float64), where=f"layer {i}")
        if i < len(est.coefs_):
            h = net.activation(h, est.activation, where=f"layer {i}")
    if kind == "regressor":
        net.output(h, "regression")
    else:
        net.output(h, "argmax" if h.size > 1 else "threshold", classes=class_labels(est))
    low, high, unit = feature_range(opts, n, _scaler_range(model, n))
    sizes = "→".join([str(n), *(str(np.shape(w)[1]) for w in est.coefs_)])
    return network_spec(net, opts, low, high, unit, source=est,
                        title=f"{type(est).__name__} {sizes} ({est.activation} hidden layers, {out_act} output), "
                        "converted to pyleo.")


# ---- the table of estimator classes ----------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """Estimator classes converted alike: their scikit-learn class ``names`` (a subclass converts as its
    base), how they read as a spec, ``label`` (how messages name them) and ``private`` (what
    ``weights="private"`` hides, when more than their coefficients)."""

    names: tuple[str, ...]
    spec: Callable[[Any, Any, Affine, int, Options], Spec]
    label: str = ""
    private: str = ""

    def takes(self, est: Any) -> bool:
        return any(c.__module__.split(".")[0] == "sklearn" and c.__name__ in self.names for c in type(est).__mro__)


def _svc(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    if est.kernel != "linear":
        raise ConversionError(f"SVC(kernel={est.kernel!r}) is not supported; use kernel='linear' (or LinearSVC)")
    if getattr(est, "break_ties", False):
        raise ConversionError("SVC(break_ties=True) is not supported")
    return _linear(model, est, aff, n, opts, "classifier")


TABLE: tuple[Family, ...] = (
    Family(("LinearRegression", "Ridge", "Lasso", "ElasticNet", "SGDRegressor", "LinearSVR"),
           lambda m, e, a, n, o: _linear(m, e, a, n, o, "regressor")),
    Family(("LogisticRegression", "RidgeClassifier", "SGDClassifier", "LinearSVC"),
           lambda m, e, a, n, o: _linear(m, e, a, n, o, "classifier")),
    Family(("SVC",), _svc, "SVC(kernel='linear')"),
    Family(("DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
            "ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
            "AdaBoostClassifier"), lambda m, e, a, n, o: _trees(m, e, a, n, o), "",
           "thresholds and leaf values private, the trees' shape public"),
    Family(hist_gradient_boosting.NAMES, hist_gradient_boosting.spec, "",
           "thresholds and leaf values private, the trees' shape public"),
    Family(("KMeans", "MiniBatchKMeans"), _kmeans),
    Family(("KNeighborsClassifier",), _knn, "", "training points and labels private"),
    Family(("GaussianNB",), _gaussian_nb),
    Family(("MLPClassifier", "MLPRegressor"),
           lambda m, e, a, n, o: _mlp(m, e, a, n, o, "regressor" if type(e).__name__.endswith("Regressor") else "classifier")),
)
"""Every estimator class the frontend converts, and how (the first family that takes an estimator)."""

SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
"""The Pipeline steps folded in front of a model (element-wise affine maps)."""

FAMILIES = (", ".join(f.label or ", ".join(f.names) for f in TABLE) + " (AdaBoostClassifier with SAMME), each "
            f"alone or after {'/'.join(SCALERS)} in a Pipeline")
"""What this frontend converts, in words (derived from :data:`TABLE`)."""

PRIVATE = ("scikit-learn: " + "; ".join((f.label or ", ".join(f.names)) + (f" ({f.private})" if f.private else "")
                                        for f in TABLE))
"""What converts with ``weights="private"``: every family of :data:`TABLE`."""


def _spec_of(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    family = next((f for f in TABLE if f.takes(est)), None)
    if family is None:
        from sklearn.base import is_classifier, is_regressor

        what = "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else "estimator"
        raise ConversionError(f"{type(est).__name__} is not supported (an unsupported {what})", hint=frontends.supported())
    return family.spec(model, est, aff, n, opts)


# ---- the frontend ---------------------------------------------------------------------------------
def final_step(model: Any) -> Any:
    """The estimator a Pipeline ends in (``model`` itself when it is not a Pipeline)."""
    steps = getattr(model, "steps", None)
    return steps[-1][1] if type(model).__name__ == "Pipeline" and steps else model


def ends_in(model: Any, package: str) -> bool:
    """Whether ``model`` (or the estimator the Pipeline ``model`` ends in) is an object of the top-level
    ``package`` (how the XGBoost, LightGBM and CatBoost frontends recognise their models)."""
    return type(final_step(model)).__module__.split(".")[0] == package


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a scikit-learn object (the frontends' registry asks XGBoost's first)."""
    return True


def load(path: str | os.PathLike[str]) -> Any:
    """A fitted model from a joblib / pickle file (scikit-learn, XGBoost wrappers). Unpickling runs code
    from the file: load only files you trust. Raises :class:`ModelInputError`."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such model file: {p}")
    with p.open("rb") as fh:
        if fh.read(6) == b"\x93NUMPY":
            raise ModelInputError(f"{p} is a NumPy array (.npy), not a model", hint="calibration rows go to --data / X")
    try:
        import joblib

        return joblib.load(p)
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad input file
        raise ModelInputError(f"{p} is not a readable joblib/pickle model: the file is damaged, truncated or of "
                              f"another format (unpickling failed with {type(e).__name__}: {e})",
                              hint="save the fitted model with joblib.dump(model, path), or pass a file of another "
                              f"framework: {frontends.file_types()}") from None


def float_model(model: Any) -> Any:
    """The estimator itself: its ``predict`` is what the circuit is checked against."""
    return model


def _describe(model: Any, missing_values: bool | None) -> pipeline.Describe:
    def describe(opts: Options) -> pipeline.Description:
        est, aff, n = unwrap(model, opts.X)   # X was checked against n_features_in_ (the pipeline's options)
        if aff.clip is not None and not (hasattr(est, "tree_") or hasattr(est, "estimators_")):
            raise ConversionError(f"MinMaxScaler(clip=True) in front of {type(est).__name__} is not supported: "
                                  "clipping is not affine; only tree models (whose splits lie inside feature_range) "
                                  "express it exactly", hint="refit the pipeline with MinMaxScaler(clip=False)")
        spec = _spec_of(model, est, aff, n, opts)
        if missing_values and spec.missing_sides is None:
            raise ConversionError(f"{type(est).__name__} has no missing-value semantics (its predict rejects NaN), so "
                                  "missing_values=True cannot be honoured",
                                  hint=f"models that take them: {MISSING_VALUE_MODELS}")
        return pipeline.Description(spec, model, type(est).__name__)

    return describe


def _other_frontend(model: Any) -> frontends.Frontend | None:
    """The frontend of XGBoost's wrappers (and Pipelines ending in one), which convert through it; None
    for a scikit-learn estimator. Raises :class:`ConversionError` for what is neither."""
    f = frontends.for_object(model)
    if (f is None or f.name == "sklearn") and not hasattr(final_step(model), "fit"):
        raise ConversionError(f"{type(final_step(model)).__name__} is not a scikit-learn estimator",
                              hint=frontends.supported())
    return f if f is not None and f.name != "sklearn" else None


def build_spec(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None,
               name: str | None = None, missing_values: bool | None = None, weights: str = "public",
               inputs: str = "private", output: str = "public") -> Spec:
    """The :class:`Spec` (what the model file will say) for a fitted scikit-learn or XGBoost model,
    without the self-check; the options are :func:`from_sklearn`'s."""
    options = dict(input_range=input_range, input_bits=input_bits, name=name, missing_values=missing_values,
                   weights=weights, inputs=inputs, output=output)
    other = _other_frontend(model)
    if other is not None:
        return other.impl().build_spec(model, X, **options)
    return pipeline.describe(_describe(model, missing_values), X, n_features=getattr(model, "n_features_in_", None),
                             **options)[0].spec


def from_sklearn(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                 inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted scikit-learn estimator (or Pipeline of scalers + estimator) to a :class:`ZkModel`.

    ``X``: calibration rows, (n_samples, n_features) floats (e.g. the training set; NaN where a value
    is missing, for models that take missing values): they give the input range the circuit is sized
    for, and the conversion checks itself on them (:func:`check_fidelity`, result in ``zk.fidelity``
    and in the file's header). Below the bar (``min_agreement`` of labels, default all; regressors:
    ``max_error`` of the predictions' range) it raises :class:`ConversionError` naming the rows and
    the likely cause, or with ``strict=False`` warns (:class:`FidelityWarning`). Without ``X``
    fidelity is not checked (``zk.fidelity`` is None). ``input_range``: the range directly (bound r,
    or (low, high), scalars or per feature); ``input_bits``: fractional bits of the inputs (one int, or
    one per feature; default: each feature's own, from its range); ``name``: the Aleo program name;
    ``check_rows``: at most this many calibration rows are run through the circuit (None: all);
    ``missing_values``: whether the circuit takes missing values (NaN) the way the float model does
    (trees and forests: each node's learned side; one extra input per feature whose nodes send them
    both ways). Default: when ``X`` has NaN, the model has a split "missing or not", or a finite
    ``missing`` sentinel (XGBoost) makes it necessary; otherwise a NaN is rejected at predict.
    XGBoost's scikit-learn wrappers are accepted too (see :func:`from_xgboost`).

    ``weights``: ``"public"`` (default: the parameters are constants of the program, which anyone
    can read) or ``"private"`` (private model, public commitment; :data:`PRIVATE_FAMILIES`; trees
    and KNN need ``X``): the parameters become one private struct input, each value offset-encoded
    in the narrowest width holding its tensor (2, 4, 8 … 128 bits; 32 for linear weights) and packed
    into words of up to 128 bits (:meth:`ZkModel.opening`), with a fresh random u128 blinding value,
    and ``predict`` also outputs a public Poseidon2 commitment to them
    (``tuple[Public[label], Public[field]]``). A KNN's training points and labels (and a scaler's
    factors) are its parameters: the vote runs over private labels. The program then
    reveals the architecture, the input encoding, the output scale and the sign tests' widths, not
    the weights. ``zk.commitment`` gives the commitment, ``zk.prove`` supplies the weights,
    ``zk.verify`` accepts only proofs made with them; the saved model file is the owner's secret
    (it holds the weights and blinding), ``zk.save_public`` writes what verifiers need.
    ``inputs``: the sample is a ``"private"`` (default) or ``"public"`` input; ``output``: the label
    is ``"public"`` (default), ``"private"`` (encrypted to the prover) or ``"commitment"`` (private,
    with a public BHP256 commitment to it; ``zk.prove(x, label_blinding=r)``). ``predict``'s outputs
    are the label, then its commitment, then the weights' commitment, as the modes ask.

    Tree models (decision trees, forests, extra trees, gradient boosting, AdaBoost, XGBoost) with
    public weights and no ``input_bits`` take each feature as its rank among the model's sorted
    distinct thresholds for it (``RANK_THRESHOLDS`` in the file; a node at the k-th threshold goes left
    exactly when the rank is ≤ k): exact for every input, no range (``input_range`` does not apply),
    no clamping, and inputs of ceil(log2(thresholds + 1)) bits. With private weights the ranks would reveal the thresholds to
    whoever encodes, so those trees keep the value encoding (each feature quantized at 2**IN_BITS over
    a range taken from ``X``), as does a given ``input_bits``.

    Raises :class:`ConversionError` (unsupported or unfitted model, fidelity below the bar) and
    :class:`ModelInputError` (malformed ``X``).
    """
    options = dict(input_range=input_range, input_bits=input_bits, name=name, missing_values=missing_values,
                   weights=weights, inputs=inputs, output=output, min_agreement=min_agreement, max_error=max_error,
                   strict=strict, check_rows=check_rows)
    other = _other_frontend(model)
    if other is not None:
        return other.convert(model, X, **options)
    return pipeline.convert(_describe(model, missing_values), X, n_features=getattr(model, "n_features_in_", None),
                            **options)
