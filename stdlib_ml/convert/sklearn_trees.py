"""The scikit-learn frontend's tree families: decision trees, random forests, extra trees, gradient
boosting, AdaBoost (SAMME) and IsolationForest, each fitted ``tree_`` read into a
:class:`~stdlib_ml.convert.tree_ensembles.RawTree` (thresholds mapped back through the scalers) and
rendered by :func:`~stdlib_ml.convert.tree_ensembles.tree_spec`. Imports no ML framework (classes are told
by :func:`~stdlib_ml.convert.sklearn_steps.is_a`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import ConversionError
from .options import Options
from .quantize import LEAF_BITS, Affine, LinearMap, class_labels, threshold_constant
from .render import Spec
from .sklearn_steps import is_a
from .tree_ensembles import RawTree, front_note, leaf_bits, raw_thresholds, tree_spec


def sk_tree(t: Any, aff: Affine | LinearMap, value: np.ndarray, missing: bool) -> RawTree:
    """A fitted sklearn ``tree_`` with thresholds mapped back through the scalers; ``missing``: the
    model sends NaN down each node's ``missing_go_to_left`` side."""
    left = np.asarray(t.children_left)
    feat = np.where(left == -1, 0, t.feature)
    thr, strict = raw_thresholds(np.where(left == -1, np.nan, t.threshold), feat, aff, False)
    goes = np.asarray(t.missing_go_to_left, dtype=bool) if missing else None
    return RawTree(feat, thr, left, np.asarray(t.children_right), np.asarray(value, dtype=np.float64),
                   strict=strict, missing_left=goes).compact()


def accepts_missing(model: Any, n: int) -> bool:
    """Whether the float model's own ``predict`` takes NaN (scikit-learn ≥ 1.3 trees, XGBoost)."""
    probe = np.zeros((1, n))
    probe[0, 0] = np.nan
    try:
        model.predict(probe)
    except ValueError:
        return False
    return True


def tree_classes_onehot(t: Any) -> np.ndarray:
    v = np.asarray(t.value)[:, 0, :]
    return v / np.maximum(v.sum(axis=1, keepdims=True), 1e-300)


def check_single_output(est: Any) -> None:
    if getattr(est, "n_outputs_", 1) != 1:
        raise ConversionError(f"{type(est).__name__} is multi-output ({est.n_outputs_} outputs); only single-output "
                              "models are supported")


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n), the average path length of an unsuccessful search in a binary search tree of n points
    (Liu et al., Isolation Forest, 2008, as scikit-learn computes it): 0 for n <= 1, 1 for n = 2, else
    2·(ln(n − 1) + γ) − 2·(n − 1)/n."""
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def isolation_forest(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options) -> Spec:
    """IsolationForest: each tree's leaf holds the path length scikit-learn adds for it (its depth +
    c(samples in the leaf) − 1), the forest sums them to S; ``score_samples`` = −2**(−S/D) with
    D = trees·c(max_samples_) is increasing in S, so ``predict`` (inlier, 1, when score_samples >=
    offset_) is exactly S >= −D·log2(−offset_): the sum against a constant rounded up
    (:func:`~stdlib_ml.convert.quantize.threshold_constant`, link ``"isolation"``). Scores: the circuit
    outputs S; decode applies −2**(−S/D) (− offset_ for ``decision_function``)."""
    if est.offset_ >= 0:
        raise ConversionError(f"IsolationForest with offset_ = {est.offset_} >= 0 calls every sample an outlier "
                              "(score_samples < 0 always); nothing to prove")
    missing = accepts_missing(model, n)
    raws = []
    for tree, features in zip(est.estimators_, est.estimators_features_):
        t = tree.tree_
        feat = np.where(np.asarray(t.children_left) == -1, 0, np.asarray(features)[t.feature])
        left = np.asarray(t.children_left)
        depths = np.asarray(t.compute_node_depths(), dtype=np.float64)   # the root at 1, as scikit-learn counts
        value = (depths + average_path_length(np.asarray(t.n_node_samples, dtype=np.float64)) - 1.0)[:, None]
        thr, strict = raw_thresholds(np.where(left == -1, np.nan, t.threshold), feat, aff, False)
        raws.append(RawTree(feat, thr, left, np.asarray(t.children_right), value, strict,
                            np.asarray(t.missing_go_to_left, dtype=bool) if missing else None).compact())
    D = float(len(raws) * average_path_length(np.asarray([float(est.max_samples_)]))[0])
    vb = leaf_bits(sum(float(np.max(r.value)) for r in raws))
    params = {"normalizer": D, "offset": float(est.offset_)}
    links = {"score_samples": "isolation", "decision_function": "isolation"}
    title = f"IsolationForest ({len(raws)} trees, {n} features), converted to pyleo: the summed path length S."
    if opts.response != "predict":
        shift = params["offset"] if opts.response == "decision_function" else 0.0
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "nonneg", None, vb, title, [-1, 1],
                         links=links, link_params={**params, "shift": shift})
    K = threshold_constant(float(est.offset_), 2**vb, "isolation", {**params, "shift": 0.0})
    spec = tree_spec(model, est, aff, n, opts, "classifier", raws, "nonneg", np.asarray([-K / 2**vb]), vb, title,
                     [-1, 1])
    spec.notes.append(f"Inlier (1) when S >= −D·log2(−offset_) (D = {D!r}, offset_ = {est.offset_!r}), i.e. when S at "
                      f"2**{vb} plus INIT (= −ceil of that constant at 2**{vb}) is >= 0; else −1.")
    return spec


def trees(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options) -> Spec:
    name = type(est).__name__
    check_single_output(est)
    missing = accepts_missing(model, n)
    suffix = front_note(aff)
    if is_a(est, "BaseDecisionTree"):
        t = est.tree_
        if is_a(est, "DecisionTreeClassifier") and opts.response != "predict":   # leaf frequencies
            return tree_spec(model, est, aff, n, opts, "classifier", [sk_tree(t, aff, tree_classes_onehot(t), missing)],
                             "argmax", None, LEAF_BITS, f"{name} (depth {est.get_depth()}, {n} features{suffix}), "
                             "converted to pyleo.", class_labels(est), links={"predict_proba": "identity"})
        if is_a(est, "DecisionTreeClassifier"):
            classes = class_labels(est)
            idx = np.argmax(np.asarray(t.value)[:, 0, :], axis=1).astype(float)[:, None]
            raw = sk_tree(t, aff, idx, missing)
            return tree_spec(model, est, aff, n, opts, "classifier", [raw], "index", None, 0,
                              f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.", classes)
        vals = np.asarray(t.value)[:, 0, :1]
        vb = leaf_bits(float(np.max(np.abs(vals))))
        return tree_spec(model, est, aff, n, opts, "regressor", [sk_tree(t, aff, vals, missing)], "regress", None, vb,
                          f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.")
    if is_a(est, "RandomForestClassifier", "ExtraTreesClassifier"):
        classes = class_labels(est)
        raws = [sk_tree(e.tree_, aff, tree_classes_onehot(e.tree_), missing) for e in est.estimators_]
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, LEAF_BITS,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo.", classes,
                          out_divisor=len(raws), links={"predict_proba": "identity"})
    if is_a(est, "RandomForestRegressor", "ExtraTreesRegressor"):
        vals = [np.asarray(e.tree_.value)[:, 0, :1] for e in est.estimators_]
        vb = leaf_bits(sum(float(np.max(np.abs(v))) for v in vals))
        raws = [sk_tree(e.tree_, aff, v, missing) for e, v in zip(est.estimators_, vals)]
        return tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", None, vb,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo; the output is the "
                          "sum of the trees, OUT_SCALE includes the division by their number.", out_divisor=len(raws))
    if is_a(est, "GradientBoostingClassifier", "GradientBoostingRegressor"):
        if est.init_ != "zero" and type(est.init_).__name__ not in ("DummyClassifier", "DummyRegressor"):
            raise ConversionError(f"{name} with init={type(est.init_).__name__} is not supported (use the default or 'zero')")
        init = est._raw_predict_init(np.zeros((1, int(est.n_features_in_))))[0]
        per = est.estimators_  # (n_stages, K)
        K = per.shape[1]
        raws: list[RawTree] = []
        total = float(np.max(np.abs(init)))
        for stage in per:
            for k, e in enumerate(stage):
                v = np.zeros((e.tree_.node_count, K))
                v[:, k] = np.asarray(e.tree_.value)[:, 0, 0] * est.learning_rate
                total += float(np.max(np.abs(v)))
                raws.append(sk_tree(e.tree_, aff, v, missing))
        vb = leaf_bits(total)
        title = f"{name} ({per.shape[0]} stages × {K} trees, {n} features{suffix}), converted to pyleo."
        if is_a(est, "GradientBoostingRegressor"):
            return tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", init[:1], vb, title)
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax" if K > 1 else "nonneg", init, vb,
                          title, class_labels(est), links={"decision_function": "identity",
                                                           "predict_proba": "sigmoid" if K == 1 else "softmax"})
    if is_a(est, "AdaBoostClassifier"):
        if getattr(est, "algorithm", "SAMME") not in ("SAMME", "deprecated"):
            raise ConversionError(f"AdaBoostClassifier(algorithm={est.algorithm!r}) is not supported; use 'SAMME'")
        classes = class_labels(est)
        K = len(classes)
        pairs = [(e, w) for e, w in zip(est.estimators_, est.estimator_weights_) if w != 0]
        if not all(is_a(e, "DecisionTreeClassifier") for e, _ in pairs):
            raise ConversionError("AdaBoostClassifier is supported with decision-tree base estimators only")
        total = float(sum(w for _, w in pairs))
        vb = leaf_bits(total, 40)
        raws = []
        for e, w in pairs:
            v = np.zeros((e.tree_.node_count, K))
            v[np.arange(len(v)), np.argmax(np.asarray(e.tree_.value)[:, 0, :], axis=1)] = w
            raws.append(sk_tree(e.tree_, aff, v, missing))
        return tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, vb,
                          f"AdaBoostClassifier (SAMME, {len(raws)} trees, {n} features{suffix}), converted to pyleo: "
                          "weighted votes, then argmax.", classes)
    raise ConversionError(f"{name} is not supported")
