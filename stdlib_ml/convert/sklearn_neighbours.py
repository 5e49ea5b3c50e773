"""The scikit-learn frontend's distance families: K-Means (the nearest centroid), KNeighborsClassifier
(public or private training points) and KNeighborsRegressor, all on squared distances less the common
‖x‖² (a dense layer), with the comparisons sized by how far apart two scores can be
(:func:`distance_reach`). Imports no ML framework."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pyleo import limits

from .model import ConversionError
from .options import Options
from .quantize import (INPUT_RESOLUTION, WEIGHT_RESOLUTION, Affine, LinearMap, ceil_log2, class_labels, dense_bound,
                       distance_bits, feature_range, input_bits_for, input_bound, new_spec, pow2, qint, sign_width,
                       widen)
from .render import Spec
from .sklearn_steps import scaler_range
from .tree_ensembles import leaf_bits


def distance_terms(points: np.ndarray, aff: Affine, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
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


def distance_scores(points: np.ndarray, aff: Affine, ib: np.ndarray, low: np.ndarray, high: np.ndarray,
                     private: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Squared distances in the estimator's space, minus the common ‖x‖² term (:func:`distance_terms`),
    as a dense layer (linear in x, 0 constraints). Returns (W, B, score bits, reach: two scores over
    the input range [low, high] differ by at most this, :func:`distance_reach`)."""
    q, Dq, db = distance_terms(points, aff, ib)
    W = np.asarray([[-2 * int(dq) * int(v) for dq, v in zip(Dq, row)] for row in q], dtype=object)
    B = np.asarray([sum(int(dq) * int(v) * int(v) for dq, v in zip(Dq, row)) for row in q], dtype=object)
    return W, B, db, distance_reach(q, Dq, qint(low, ib), qint(high, ib), private)


def distance_reach(q: np.ndarray, Dq: np.ndarray, low: np.ndarray, high: np.ndarray, private: bool) -> int:
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


def folded_scores(points: np.ndarray, lin: LinearMap, opts: Options, n: int, model_range: Any
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Squared distances to ``points`` in the estimator's space z = M·x + c (PCA, SelectKBest … in front),
    less the common ‖z‖²: ‖p‖² − 2·p·z = (−2·P·M)·x + ‖p‖² − 2·P·c, linear in the raw x, folded in float64 and
    quantized as a linear model's layer (x at 2**INPUT_RESOLUTION steps per spread, weights at
    2**WEIGHT_RESOLUTION: exact but for that rounding, which the fidelity check measures). Returns (INPUT_LOW,
    INPUT_HIGH, IN_BITS, W, B, score bits, reach: two scores over the range differ by at most this)."""
    low, high, unit = feature_range(opts, n, model_range)
    ib = input_bits_for(opts, unit, low, high, INPUT_RESOLUTION)
    A = -2.0 * points @ lin.M
    b = np.sum(points**2, axis=1) - 2.0 * points @ lin.c
    W, B, S = Affine(np.ones(n), np.zeros(n)).fold_dense(A, b, ib, WEIGHT_RESOLUTION)
    reach = 2 * int(max(dense_bound(W, B, input_bound(low, high, ib))))
    return low, high, ib, W, B, S, reach


def weights_note(what: str, aff: Affine | LinearMap) -> str:
    """The comment on W: −2·``what`` at its scale, through the steps in front."""
    through = "" if isinstance(aff, Affine) and aff.identity else (
        " × scaler weights" if isinstance(aff, Affine) else " through the steps in front (M)")
    return f"−2·{what}{through}"


def reach_note(reach: int) -> str:
    return f"two scores (squared distances less ‖x‖²) differ by at most {pow2(reach)} over the input range"


def points_range(points: np.ndarray, aff: Affine) -> tuple[np.ndarray, np.ndarray]:
    raw = aff.to_raw(points)
    return widen(raw.min(axis=0), raw.max(axis=0), 1.0)


def fitted_kmeans_range(model: Any, est: Any, C: np.ndarray, aff: Affine, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An input range that holds every row K-Means was fitted on, and as much again around it: each such row
    lies within √inertia_ of its centroid (inertia_ is the sum of their squared distances, in the
    estimator's space), so each feature within √inertia_ of the centroids' range; the range of the
    pipeline's scaler (:func:`scaler_range`, which holds them too) narrows it where it is tighter."""
    reach = math.sqrt(max(float(getattr(est, "inertia_", 0.0)), 0.0))
    low, high = widen(*sorted_pair(aff.to_raw(C.min(axis=0) - reach), aff.to_raw(C.max(axis=0) + reach)), 1.0)
    scaler = scaler_range(model, n)
    if scaler is not None:
        low, high = np.maximum(low, scaler[0]), np.minimum(high, scaler[1])
    return low, high


def sorted_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise (min, max) of two arrays (a scaler's negative factor swaps a range's ends)."""
    return np.minimum(a, b), np.maximum(a, b)


def kmeans(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options) -> Spec:
    C = np.asarray(est.cluster_centers_, dtype=np.float64)
    if isinstance(aff, LinearMap):
        low, high, ib, W, B, sb, reach = folded_scores(C, aff, opts, n, scaler_range(model, n))
    else:
        low, high, unit = feature_range(opts, n, fitted_kmeans_range(model, est, C, aff, n))
        ib = distance_bits(opts, unit, low, high, aff, 16)
        W, B, sb, reach = distance_scores(C, aff, ib, low, high, opts.weights == "private")
    spec = new_spec(est, opts, n, "clusterer", low, high, ib,
                 f"{type(est).__name__} ({len(C)} clusters, {n} features), converted to pyleo: the nearest centroid.")
    spec.imports.add("reduce")
    spec.notes.append("Distances: ‖x − c‖² − ‖x‖² = ‖c‖² − 2·x·c (a dense layer, 0 constraints); argmin over centroids.")
    spec.param("W", W, f"{weights_note('centroid (per cluster)', aff)}, column j at 2**({sb} − IN_BITS[j])")
    spec.param("B", B, f"‖centroid‖², at 2**{sb}")
    spec.use(f"argmin = reduce.argmin({sign_width(reach + 1)})", reach_note(reach))
    spec.body.append("return argmin(linalg.dense(W, xf, B))")
    return spec


def knn_regressor(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """KNeighborsRegressor (Euclidean): the k nearest training points by the classifier's distance scores;
    uniform weights: their targets (at 2**vb) summed, OUT_SCALE including the division by k; distance
    weights: 1/distance checked in the circuit (:func:`inverse_distances`) and the weighted mean a checked
    division. Private weights are refused (the targets would need their own packing)."""
    check_weights(est, opts)
    euclidean(est)
    if opts.weights == "private":
        raise ConversionError("KNeighborsRegressor converts with weights='public' only")
    y = np.asarray(est._y, dtype=np.float64)
    P = np.asarray(est._fit_X, dtype=np.float64)
    if y.ndim != 1:
        raise ConversionError("multi-output KNeighborsRegressor is not supported")
    if len(P) > limits.MAX_ARRAY_LENGTH:
        raise ConversionError(f"KNeighborsRegressor holds {len(P)} training points; snarkVM arrays hold at most "
                              f"{limits.MAX_ARRAY_LENGTH} (fit it on a subsample)")
    k = int(est.n_neighbors)
    low, high, unit = feature_range(opts, n, points_range(P, aff))
    # finer than the classifier's 2**12 steps: a regressor's value moves with every swapped neighbour, and
    # make_regression's held-out rows have 5th/6th neighbours 3e-5 apart (measured: 2**12 swaps one, 2**18 none)
    ib = distance_bits(opts, unit, low, high, aff, 18)
    W, B, sb, reach = distance_scores(P, aff, ib, low, high, False)
    vb = leaf_bits(k * float(np.max(np.abs(y))))
    spec = new_spec(est, opts, n, "regressor", low, high, ib,
                    f"KNeighborsRegressor (k={k}, {len(P)} training points, {n} features), converted to pyleo: the "
                    "mean target of the k nearest.")
    spec.imports |= {"distance", "reduce", "models"}
    spec.notes.append("Distances: ‖x − p‖² − ‖x‖² = ‖p‖² − 2·x·p (a dense layer, 0 constraints); the k smallest by a "
                      "sorted-list insertion, their targets summed (OUT_SCALE includes ÷ k). Distance ties keep the "
                      "earlier training point; scikit-learn's choice among tied points may differ.")
    spec.const("W", W, f"−2·training point{' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖training point‖², at 2**{sb}")
    spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)}, pl.Field)", reach_note(reach))
    if est.weights == "distance":
        lo = float(np.min(y))
        span = max(float(np.max(y)) - lo, 2.0**-30)
        # the value (at most max |y|) must fit i64 at 2**vb; the quotient (at most the span) gets its bits
        vb = min(int(np.clip(DIVISION_BITS - ceil_log2(span), 0, 60)), leaf_bits(float(np.max(np.abs(y)))))
        qb = max(ceil_log2(span) + vb, 0) + 1
        spec.const("TARGETS", qint(y - lo, vb), f"target − {lo!r} of each training point, at 2**{vb}")
        wb = inverse_distances(spec, P, aff, ib, low, high, k)
        num_bits = wb + ceil_log2(k) + qb
        spec.use(f"divide = distance.largest_below({qb}, 128)",
                 f"Σ w·y' / Σ w < 2**{qb} at 2**{vb}; Σ w·y' < 2**{num_bits}")
        spec.notes.append("The value: Σ w_i·(y_i − y_min) ÷ Σ w_i floored (a checked division: the largest q with "
                          "q·Σ w <= Σ w·y', bit by bit), plus y_min.")
        spec.out_scale = f"2**{vb}"
        spec.body += ["ty = nearest(s, TARGETS)",
                      f"num = reduce.total([w[j] * ty[j] for j in range({k})])",
                      f"return models.to_i64(divide(num, reduce.total(w)) + {int(qint(np.asarray([lo]), vb)[0])})"]
        return spec
    spec.const("TARGETS", qint(y, vb), f"target of each training point, at 2**{vb}")
    spec.out_scale = f"2**{vb} * {k}"
    spec.body.append("return models.to_i64(reduce.total(nearest(linalg.dense(W, xf, B), TARGETS)))")
    return spec


DIVISION_BITS = 40
"""A distance-weighted KNeighborsRegressor's value keeps this many bits over the targets' range (the checked
division's quotient)."""

INVERSE_BITS = 96
"""``q²·t <= 4**F`` for the inverse distance q = floor(2**F/√t) stays below 2**126: the square q² takes at
most this many bits, the squared distance t the rest (:func:`inverse_distances`)."""

ZERO_DISTANCE_BITS = 12
"""A training point at distance 0 weighs 2**12 times the nearest at distance 2**-F: it outweighs any k <
2**11 others, as scikit-learn's weight 1 for it (and 0 for the others) does."""


def check_weights(est: Any, opts: Options) -> None:
    """KNN's ``weights``: 'uniform', or 'distance' with public weights (a callable is refused)."""
    if callable(est.weights) or est.weights not in ("uniform", "distance"):
        shown = "a callable" if callable(est.weights) else repr(est.weights)
        raise ConversionError(f"{type(est).__name__} with weights={shown} is not supported",
                              hint="weights='uniform' or 'distance'")
    if est.weights == "distance" and opts.weights == "private":
        raise ConversionError(f"{type(est).__name__}(weights='distance') converts with weights='public' only")


def inverse_distances(spec: Spec, P: np.ndarray, aff: Affine, ib: np.ndarray, low: np.ndarray, high: np.ndarray,
                      k: int) -> int:
    """Body lines for the k nearest points' weights ``w`` = 1/distance, checked in the circuit: the squared
    distances t = s + Σ SQ_f·x_f² (the scores ``s`` plus the ‖x‖² they leave out: exact), each floored by
    2**shift when wider than :data:`INVERSE_BITS` allow, then w = floor(2**F/√t) by
    :func:`stdlib_ml.distance.largest_below` (the largest w with w²·t <= 4**F, one 128-bit sign test per bit;
    t = 0 saturates at 2**(F + ZERO_DISTANCE_BITS)). Uses ``nearest`` (k_smallest over field payloads, set up
    by the caller); defines ``s`` (the scores) and ``w``. Returns the weights' bits."""
    q, Dq, db = distance_terms(P, aff, ib)
    lo, hi = qint(low, ib), qint(high, ib)
    t_max = sum(int(d) * max(int(b) - int(min(c)), int(max(c)) - int(a)) ** 2
                for d, a, b, c in zip(Dq, lo, hi, q.T))
    T = max(int(t_max).bit_length(), 1)
    shift = max(T - (126 - INVERSE_BITS), 0)
    F = INVERSE_BITS // 2 - ZERO_DISTANCE_BITS - 1
    wb = F + ZERO_DISTANCE_BITS
    spec.imports |= {"products"}
    spec.const("SQ", [[int(d) for d in Dq]], f"per feature its squared step (‖x‖²'s terms), at 2**({db} − 2·IN_BITS[j])")
    spec.const("ZERO", [0])
    spec.use(f"inverse = distance.largest_below({wb}, 128, True)", f"w²·t <= 4**{F}: w < 2**{wb}, t < 2**{T - shift}")
    spec.body += ["s = linalg.dense(W, xf, B)",
                  "xx = linalg.dense(SQ, models.squares(xf), ZERO)[0]",
                  "ds = nearest(s, s)"]
    if shift:
        spec.use(f"coarse = products.floor_shift({shift}, 128)", f"t < 2**{T}, floored to 2**{T - shift}")
        spec.body.append(f"w = [inverse({4**F}, coarse(ds[j] + xx)) for j in range({k})]")
    else:
        spec.body.append(f"w = [inverse({4**F}, ds[j] + xx) for j in range({k})]")
    exact = "exactly" if not shift else f"after flooring t by 2**{shift} (relative error at most 2**{shift}/t)"
    spec.notes.append(f"Distance weights: t = ‖x − p‖² of the {k} nearest (exact), w = floor(2**{F}/√t) {exact}, checked "
                      f"in the circuit (w²·t <= 4**{F} < (w + 1)²·t): each weight within 2**-{F}·√t relative of "
                      f"1/distance; a point at distance 0 weighs 2**{wb} (it outweighs the others, as scikit-learn's "
                      "weight 1 for it and 0 for them).")
    return wb


def euclidean(est: Any) -> None:
    metric = est.effective_metric_
    if metric not in ("euclidean", "sqeuclidean") and not (metric == "minkowski" and est.effective_metric_params_.get("p") == 2):
        raise ConversionError(f"{type(est).__name__} with metric {metric!r} is not supported; use the Euclidean metric")


def knn(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options) -> Spec:
    check_weights(est, opts)
    if isinstance(aff, LinearMap) and (est.weights == "distance" or opts.weights == "private"):
        raise ConversionError(f"KNeighborsClassifier({'private weights' if opts.weights == 'private' else 'weights=distance'}) "
                              "behind steps mixing features is not supported: "
                              + ("its 1/distance needs ‖z‖², a square of each mixed feature" if est.weights == "distance"
                                 else "its private points would make the folded weights a product of two private "
                                 "values per feature"), hint="weights='uniform' with public weights converts")
    euclidean(est)
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
    if isinstance(aff, LinearMap):
        low, high, ib, W, B, sb, reach = folded_scores(P, aff, opts, n, scaler_range(model, n))
    else:
        low, high, unit = feature_range(opts, n, points_range(P, aff))
        if private:
            ib, q, Dq, sb, reach = private_knn_scale(opts, unit, low, high, aff, P)
        else:
            ib = distance_bits(opts, unit, low, high, aff, 12)
            W, B, sb, reach = distance_scores(P, aff, ib, low, high, False)
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
        spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)}, pl.Field)", reach_note(reach))
        spec.body.append("return reduce.majority_field(nearest(distance.sq_scores(POINTS, SCALE, xf), LABELS), CLASS_IDS)")
        return spec
    spec.notes += ["Distances: ‖x − p‖² − ‖x‖² = ‖p‖² − 2·x·p (a dense layer, 0 constraints); the k smallest by a "
                   f"sorted-list insertion ({exchanges}), then the most frequent label", *tail]
    spec.const("W", W, f"{weights_note('training point', aff)}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖training point‖², at 2**{sb}")
    spec.const("LABELS", [int(v) for v in est._y], "class index of each training point")
    spec.const("CLASS_IDS", list(range(len(classes))))
    if est.weights == "distance":
        spec.imports.add("models")
        spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)}, pl.Field)", reach_note(reach))
        spec.use(f"labels_of = distance.k_smallest({k}, {sign_width(reach + 1)})", "the same order: the same tests")
        wb = inverse_distances(spec, P, aff, ib, low, high, k)
        spec.use(f"argmax = reduce.argmax({sign_width(2 ** (wb + ceil_log2(k) + 1))})", f"votes < 2**{wb} · {k}")
        spec.notes.append("The vote: per class the sum of its neighbours' weights, the largest (the smallest class on "
                          "ties, as scikit-learn).")
        spec.body.append("return argmax(distance.weighted_votes(labels_of(s, LABELS), w, CLASS_IDS))")
        return spec
    spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)})", reach_note(reach))
    spec.body.append("return reduce.majority(nearest(linalg.dense(W, xf, B), LABELS), CLASS_IDS)")
    return spec


def private_knn_scale(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, aff: Affine,
                       P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Input bits of a private-weight KNN, with (points q, scale D, scale bits, reach): two scores
    differ by at most ``reach``, the largest squared distance ``Σ_f D_f·(box width_f)²`` between two
    points of the box that the input range and the points span (so the sign tests' width says
    nothing more of the private points than the range does). The finest of 2**12 … 2**10 steps per
    spread whose comparisons fit 32-bit sign tests (33 constraints instead of 65), else 2**12."""
    first = None
    for resolution in (12, 11, 10):
        ib = distance_bits(opts, unit, low, high, aff, resolution)
        q, Dq, sb = distance_terms(P, aff, ib)
        reach = distance_reach(q, Dq, qint(low, ib), qint(high, ib), True)
        first = first or (ib, q, Dq, sb, reach)
        if sign_width(reach + 1) <= 32 or opts.input_bits is not None:
            return ib, q, Dq, sb, reach
    return first

