"""scikit-learn's ``HistGradientBoostingClassifier`` / ``HistGradientBoostingRegressor`` → the shared tree
description, for the scikit-learn frontend (:mod:`.sklearn_families` lists it in its table of families).

What ``predict`` does, as ``sklearn/ensemble/_hist_gradient_boosting/_predictor.pyx`` does it on float64
inputs: a numeric node goes left when x <= its threshold, NaN to its learned missing side; a categorical
feature is first ordinally encoded (its known categories → 0, 1, …; any other value → NaN), then a node
goes left for the categories in its set, right for the other known ones, and to its missing side for
NaN and unknown values. The iterations kept after early stopping are the ones ``predict`` sums, plus
the baseline.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .model import ConversionError
from .options import Options
from .quantize import Affine
from .render import Spec
from .tree_ensembles import RawTree, TreeBuilder, check_categorical_size, leaf_bits, raw_thresholds, tree_spec

NAMES = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
"""The estimator classes this module converts."""


def _columns(est: Any) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """(the raw column each of the trees' features reads, the known categories of each tree feature or
    None for a numeric one): with categorical features, the estimator's ColumnTransformer puts the
    encoded categorical columns first."""
    pre = getattr(est, "_preprocessor", None)
    n = int(est.n_features_in_)
    if pre is None:
        return np.arange(n), [None] * n
    cat = np.asarray(est.is_categorical_, dtype=bool)
    order = np.concatenate([np.flatnonzero(cat), np.flatnonzero(~cat)])
    encoder = pre.named_transformers_["encoder"]
    known: list[np.ndarray | None] = [np.asarray(c, dtype=np.float64) for c in encoder.categories_]
    return order, known + [None] * int((~cat).sum())


def _tree(predictor: Any, K: int, slot: int, source: np.ndarray, known: list[np.ndarray | None]) -> RawTree:
    """One ``TreePredictor`` as a :class:`RawTree` on the raw columns (leaf values in column ``slot``)."""
    nodes, bitsets = predictor.nodes, predictor.raw_left_cat_bitsets
    b = TreeBuilder(K)

    def build(i: int) -> int:
        node = nodes[i]
        if node["is_leaf"]:
            v = np.zeros(K)
            v[slot] = float(node["value"])
            return b.leaf(v)
        f, missing_left = int(node["feature_idx"]), bool(node["missing_go_to_left"])
        left, right = (lambda: build(int(node["left"]))), (lambda: build(int(node["right"])))
        if not node["is_categorical"]:
            return b.split(int(source[f]), float(node["num_threshold"]), missing_left, left, right)
        cats = known[f]
        assert cats is not None
        row = bitsets[int(node["bitset_idx"])]
        # the encoder's categories are sorted, NaN last (NaN is encoded as NaN: missing)
        in_left = [bool((int(row[k // 32]) >> (k % 32)) & 1) for k in range(len(cats)) if not np.isnan(cats[k])]
        cats = cats[~np.isnan(cats)]
        # each known category is a point; values between them are unknown categories (the missing side)
        cuts = [float(t) for c in cats for t in (np.nextafter(c, -np.inf), c)]
        goes_left = [missing_left] + [g for k in range(len(cats)) for g in (in_left[k], missing_left)]
        return b.regions(int(source[f]), cuts, goes_left, missing_left, left, right)

    build(0)
    return b.tree()


def spec(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """The :class:`Spec` of a fitted HistGradientBoosting estimator ``est`` (``model``: it, or the Pipeline
    ending in it; ``aff``: the scalers in front). Raises :class:`ConversionError` for a loss whose link the
    circuit cannot decide exactly (poisson, gamma: exp)."""
    link = type(est._loss.link).__name__ if hasattr(est, "_loss") else "IdentityLink"
    classifier = type(est).__name__ == "HistGradientBoostingClassifier"
    if not classifier and link != "IdentityLink":
        raise ConversionError(f"HistGradientBoostingRegressor(loss={est.loss!r}) predicts exp of the trees' score, "
                              "which a circuit cannot decide exactly",
                              hint="losses converted: squared_error, absolute_error, quantile, and every classifier")
    source, known = _columns(est)
    K = int(est.n_trees_per_iteration_)
    trees = []
    for it in est._predictors:
        for k, predictor in enumerate(it):
            t = _tree(predictor, K, k, source, known).compact()
            internal = t.left != -1
            thr, strict = raw_thresholds(np.where(internal, t.threshold, np.nan), t.feature, aff, False, float32=False)
            trees.append(dataclasses.replace(t, threshold=np.where(internal, thr, 0.0), strict=strict))
    if any(k is not None for k in known):
        check_categorical_size(trees, type(est).__name__)
    init = np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1)
    total = float(np.max(np.abs(init))) + sum(float(np.max(np.abs(t.value))) for t in trees)
    vb = leaf_bits(total)
    name = type(est).__name__
    title = f"scikit-learn {name} ({len(est._predictors)} iterations, {len(trees)} trees, {n} features), converted to pyleo."
    opts = dataclasses.replace(opts, name=opts.name or ("hgb_classifier" if classifier else "hgb_regressor"))
    if not classifier:
        return tree_spec(model, est, aff, n, opts, "regressor", trees, "regress", init, vb, title, float32=False)
    classes = list(np.asarray(est.classes_).tolist())
    return tree_spec(model, est, aff, n, opts, "classifier", trees, "positive" if K == 1 else "argmax", init, vb,
                     title, classes, float32=False)
