"""scikit-learn estimators → :class:`~stdlib_ml.convert.render.Spec`: linear models, trees and
ensembles, K-Means, KNN, Gaussian naive Bayes, MLPs, each alone or behind scalers in a Pipeline."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .model import ConversionError
from .linear import linear_spec
from .nn import Network, network_spec
from .quantize import LEAF_BITS, Options, _ceil_log2, _width, _qint, _dense_bound, Affine, _input_range, _scaler_range, _spread, _in_bits, _distance_bits, _in_bound, _classes, _spec, _pow2
from .render import Spec
from .tree_ensembles import RawTree, _sk_tree, _accepts_missing, _tree_spec, _leaf_bits, _tree_classes_onehot, _check_single_output


# ---- linear models ------------------------------------------------------------------------------
def _linear(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    from sklearn.svm import SVC

    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(W.shape[0])
    if hasattr(est.coef_, "toarray"):
        W = np.atleast_2d(est.coef_.toarray())
    classes = _classes(est) if kind == "classifier" else None
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
            classes = _classes(est)
            idx = np.argmax(np.asarray(t.value)[:, 0, :], axis=1).astype(float)[:, None]
            raw = _sk_tree(t, aff, idx, missing)
            return _tree_spec(model, est, aff, n, opts, "classifier", [raw], "index", None, 0,
                              f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.", classes)
        vals = np.asarray(t.value)[:, 0, :1]
        vb = _leaf_bits(float(np.max(np.abs(vals))))
        return _tree_spec(model, est, aff, n, opts, "regressor", [_sk_tree(t, aff, vals, missing)], "regress", None, vb,
                          f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.")
    if isinstance(est, (RandomForestClassifier, ExtraTreesClassifier)):
        classes = _classes(est)
        raws = [_sk_tree(e.tree_, aff, _tree_classes_onehot(e.tree_), missing) for e in est.estimators_]
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, LEAF_BITS,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo.", classes)
    if isinstance(est, (RandomForestRegressor, ExtraTreesRegressor)):
        vals = [np.asarray(e.tree_.value)[:, 0, :1] for e in est.estimators_]
        vb = _leaf_bits(sum(float(np.max(np.abs(v))) for v in vals))
        raws = [_sk_tree(e.tree_, aff, v, missing) for e, v in zip(est.estimators_, vals)]
        return _tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", None, vb,
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
        vb = _leaf_bits(total)
        title = f"{name} ({per.shape[0]} stages × {K} trees, {n} features{suffix}), converted to pyleo."
        if isinstance(est, GradientBoostingRegressor):
            return _tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", init[:1], vb, title)
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax" if K > 1 else "nonneg", init, vb,
                          title, _classes(est))
    if isinstance(est, AdaBoostClassifier):
        if getattr(est, "algorithm", "SAMME") not in ("SAMME", "deprecated"):
            raise ConversionError(f"AdaBoostClassifier(algorithm={est.algorithm!r}) is not supported; use 'SAMME'")
        classes = _classes(est)
        K = len(classes)
        pairs = [(e, w) for e, w in zip(est.estimators_, est.estimator_weights_) if w != 0]
        if not all(isinstance(e, DecisionTreeClassifier) for e, _ in pairs):
            raise ConversionError("AdaBoostClassifier is supported with decision-tree base estimators only")
        total = float(sum(w for _, w in pairs))
        vb = _leaf_bits(total, 40)
        raws = []
        for e, w in pairs:
            v = np.zeros((e.tree_.node_count, K))
            v[np.arange(len(v)), np.argmax(np.asarray(e.tree_.value)[:, 0, :], axis=1)] = w
            raws.append(_sk_tree(e.tree_, aff, v, missing))
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, vb,
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
    q = _qint(aff.to_raw(points), ib[None, :])
    # Each feature's weight keeps 24 bits relative to the smallest one (a feature with a large raw
    # scale has a tiny weight; quantizing relative to the largest would zero it); powers of two (no
    # scaler) stay exact with the smallest at 1.
    D2 = np.ldexp(aff.d**2, -2 * ib)
    low_bits = -math.floor(math.log2(float(np.min(D2))))
    exact = bool(np.all(np.frexp(D2)[0] == 0.5))
    db = int(np.clip(low_bits + (0 if exact else 24), 0, 200))
    return q, _qint(D2, db), db


def _distance_scores(points: np.ndarray, aff: Affine, ib: np.ndarray, low: np.ndarray, high: np.ndarray,
                     private: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Squared distances in the estimator's space, minus the common ‖x‖² term (:func:`_distance_terms`),
    as a dense layer (linear in x, 0 constraints). Returns (W, B, score bits, reach: two scores over
    the input range [low, high] differ by at most this, :func:`_distance_reach`)."""
    q, Dq, db = _distance_terms(points, aff, ib)
    W = np.asarray([[-2 * int(dq) * int(v) for dq, v in zip(Dq, row)] for row in q], dtype=object)
    B = np.asarray([sum(int(dq) * int(v) * int(v) for dq, v in zip(Dq, row)) for row in q], dtype=object)
    return W, B, db, _distance_reach(q, Dq, _qint(low, ib), _qint(high, ib), private)


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
    return f"two scores (squared distances less ‖x‖²) differ by at most {_pow2(reach)} over the input range"


def _points_range(points: np.ndarray, aff: Affine) -> tuple[np.ndarray, np.ndarray]:
    raw = aff.to_raw(points)
    return _spread(raw.min(axis=0), raw.max(axis=0), 1.0)


def _kmeans(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    C = np.asarray(est.cluster_centers_, dtype=np.float64)
    low, high, unit = _input_range(opts, n, _points_range(C, aff))
    ib = _distance_bits(opts, unit, low, high, aff, 16)
    W, B, sb, reach = _distance_scores(C, aff, ib, low, high, opts.weights == "private")
    spec = _spec(est, opts, n, "clusterer", low, high, ib,
                 f"{type(est).__name__} ({len(C)} clusters, {n} features), converted to pyleo: the nearest centroid.")
    spec.imports.add("reduce")
    spec.notes.append("Distances: ‖x − c‖² − ‖x‖² = ‖c‖² − 2·x·c (a dense layer, 0 constraints); argmin over centroids.")
    spec.param("W", W, f"−2·centroid (per cluster){' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.param("B", B, f"‖centroid‖², at 2**{sb}")
    spec.use(f"argmin = reduce.argmin({_width(reach + 1)})", _reach_note(reach))
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
    if len(P) > 2048:
        raise ConversionError(f"KNeighborsClassifier holds {len(P)} training points; snarkVM arrays hold at most 2048 "
                              "(fit it on a subsample)")
    k = int(est.n_neighbors)
    classes = _classes(est)
    private = opts.weights == "private"
    if private and (opts.X is None or not np.all(np.any(np.isfinite(opts.X), axis=0))):
        raise ConversionError("KNeighborsClassifier with private weights needs calibration rows X with a value in every "
                              "feature: its public input range would otherwise come from its private training points",
                              hint="pass X (e.g. the training set), `pyleo import --data`")
    low, high, unit = _input_range(opts, n, _points_range(P, aff))
    if private:
        ib, q, Dq, sb, reach = _private_knn_scale(opts, unit, low, high, aff, P)
    else:
        ib = _distance_bits(opts, unit, low, high, aff, 12)
    spec = _spec(est, opts, n, "classifier", low, high, ib,
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
        spec.use(f"nearest = distance.k_smallest({k}, {_width(reach + 1)}, pl.Field)", _reach_note(reach))
        spec.body.append("return reduce.majority_field(nearest(distance.sq_scores(POINTS, SCALE, xf), LABELS), CLASS_IDS)")
        return spec
    W, B, sb, reach = _distance_scores(P, aff, ib, low, high, False)
    spec.notes += ["Distances: ‖x − p‖² − ‖x‖² = ‖p‖² − 2·x·p (a dense layer, 0 constraints); the k smallest by a "
                   f"sorted-list insertion ({exchanges}), then the most frequent label", *tail]
    spec.const("W", W, f"−2·training point{' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖training point‖², at 2**{sb}")
    spec.const("LABELS", [int(v) for v in est._y], "class index of each training point")
    spec.const("CLASS_IDS", list(range(len(classes))))
    spec.use(f"nearest = distance.k_smallest({k}, {_width(reach + 1)})", _reach_note(reach))
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
        ib = _distance_bits(opts, unit, low, high, aff, resolution)
        q, Dq, sb = _distance_terms(P, aff, ib)
        reach = _distance_reach(q, Dq, _qint(low, ib), _qint(high, ib), True)
        first = first or (ib, q, Dq, sb, reach)
        if _width(reach + 1) <= 32 or opts.input_bits is not None:
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
    zlo, zhi = (theta - 100 * std).min(axis=0), (theta + 100 * std).max(axis=0)
    low, high, unit = _input_range(opts, n, (aff.to_raw(zlo), aff.to_raw(zhi)))
    ib = _in_bits(opts, unit, low, high, 14)
    classes = _classes(est)
    spec = _spec(est, opts, n, "classifier", low, high, ib,
                 f"GaussianNB ({len(classes)} classes, {n} features), converted to pyleo: argmax of the joint "
                 "log-likelihood.")
    spec.classes = classes
    spec.imports |= {"models", "reduce"}
    spec.notes.append("log P(x, k) = Σ_j A[k][j]·x_j² + Σ_j B[k][j]·x_j + C[k] (the Gaussian's square expanded; "
                      "one constraint per feature for x_j², the rest is free field arithmetic).")
    inb = _in_bound(low, high, ib)
    sq = np.asarray([int(m) * int(m) for m in inb], dtype=object)
    ab = int(np.clip(60 - _ceil_log2(float(np.max(np.abs(A)))), 0, 100))
    while True:
        T = ab + 2 * int(np.max(ib))   # the scores' scale
        Aq, Bq, Cq = _qint(A, T - 2 * ib[None, :]), _qint(Bx, T - ib[None, :]), _qint(C, T)
        bound = int(max(_dense_bound(np.concatenate([Aq, Bq], axis=1), Cq, np.concatenate([sq, inb]))))
        if bound < 2**125 or ab == 0:
            break
        ab -= 2
    spec.param("A", Aq, f"−1/(2σ²), column j at 2**({T} − 2·IN_BITS[j])")
    spec.param("B", Bq, f"μ/σ², column j at 2**({T} − IN_BITS[j])")
    spec.param("C", Cq, f"log prior − Σ log(σ√(2π)) − Σ μ²/(2σ²), at 2**{T}")
    spec.use(f"argmax = reduce.argmax({_width(2 * bound + 1)})", f"|log-likelihood| <= {_pow2(bound)}")
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
        net.output(h, "argmax" if h.size > 1 else "threshold", classes=_classes(est))
    low, high, unit = _input_range(opts, n, _scaler_range(model, n))
    sizes = "→".join([str(n), *(str(np.shape(w)[1]) for w in est.coefs_)])
    return network_spec(net, opts, low, high, unit, source=est,
                        title=f"{type(est).__name__} {sizes} ({est.activation} hidden layers, {out_act} output), "
                        "converted to pyleo.")


def _sklearn_spec(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    from sklearn.base import is_classifier, is_regressor
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import (
        ElasticNet,
        Lasso,
        LinearRegression,
        LogisticRegression,
        Ridge,
        RidgeClassifier,
        SGDClassifier,
        SGDRegressor,
    )
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.svm import SVC, LinearSVC, LinearSVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if isinstance(est, (LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR)):
        return _linear(model, est, aff, n, opts, "regressor")
    if isinstance(est, (LogisticRegression, RidgeClassifier, SGDClassifier, LinearSVC)):
        return _linear(model, est, aff, n, opts, "classifier")
    if isinstance(est, SVC):
        if est.kernel != "linear":
            raise ConversionError(f"SVC(kernel={est.kernel!r}) is not supported; use kernel='linear' (or LinearSVC)")
        if getattr(est, "break_ties", False):
            raise ConversionError("SVC(break_ties=True) is not supported")
        return _linear(model, est, aff, n, opts, "classifier")
    if isinstance(est, (DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor,
                        ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                        GradientBoostingRegressor, AdaBoostClassifier)):
        return _trees(model, est, aff, n, opts)
    if isinstance(est, (KMeans, MiniBatchKMeans)):
        return _kmeans(model, est, aff, n, opts)
    if isinstance(est, KNeighborsClassifier):
        return _knn(model, est, aff, n, opts)
    if isinstance(est, GaussianNB):
        return _gaussian_nb(model, est, aff, n, opts)
    if isinstance(est, (MLPClassifier, MLPRegressor)):
        return _mlp(model, est, aff, n, opts, "classifier" if isinstance(est, MLPClassifier) else "regressor")
    what = "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else "estimator"
    raise ConversionError(f"{type(est).__name__} is not supported (an unsupported {what})", hint=SUPPORTED)


SUPPORTED = ("supported: LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR, LogisticRegression, "
             "RidgeClassifier, SGDClassifier, LinearSVC, SVC(kernel='linear'), DecisionTreeClassifier/Regressor, "
             "RandomForestClassifier/Regressor, ExtraTreesClassifier/Regressor, GradientBoostingClassifier/Regressor, "
             "AdaBoostClassifier (SAMME), KMeans, KNeighborsClassifier, GaussianNB, MLPClassifier/Regressor, "
             "XGBClassifier/XGBRegressor/Booster, each alone or after StandardScaler/MinMaxScaler/MaxAbsScaler/"
             "RobustScaler in a Pipeline")
