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

from . import frontends, hist_gradient_boosting, pipeline, polynomial
from .fidelity import CHECK_ROWS
from .linear import linear_spec
from .model import ConversionError, ModelInputError, ZkModel
from .nn import Network, network_spec
from .options import Options
from .quantize import (INPUT_RESOLUTION, LEAF_BITS, Affine, LinearMap, ceil_log2, class_labels, classifier_head,
                       refuse_scores, dense_bound, distance_bits, feature_range,
                       input_bits_for, input_bound, new_spec, pow2, qint, score_head, sign_width, threshold_constant,
                       widen)
from .render import Spec
from .svm import kernel_svc_spec, kernel_svr_spec
from .tree_ensembles import MISSING_VALUE_MODELS, RawTree, leaf_bits, raw_thresholds, tree_spec


# ---- Pipelines: steps measured on their transform ---------------------------------------------------
MIXING_STEPS = ("PCA", "TruncatedSVD", "FastICA", "SelectKBest", "SelectPercentile", "VarianceThreshold",
                "GenericUnivariateSelect")
"""Pipeline steps that are affine maps mixing or selecting features (z = M·x + c, measured on their
``transform``), folded into the estimators linear in their inputs (:data:`Family.linear`)."""


def _measure(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(J, c) with ``step.transform(x) == x @ J + c`` (J: (n, k), c: (k,)), measured on ``transform``
    itself: its value at a base point and one step along each feature, then checked on ``X`` (or on
    random points). Raises :class:`ConversionError` when ``transform`` is not that affine map."""
    name = type(step).__name__
    finite = X[np.all(np.isfinite(X), axis=1)] if X is not None else np.zeros((0, n))
    base = np.median(finite, axis=0) if len(finite) else np.zeros(n)
    h = np.ptp(finite, axis=0) if len(finite) else np.ones(n)
    h = np.where(h > 0, h, np.maximum(np.abs(base), 1.0))
    T = np.asarray(step.transform(np.vstack([base, base + np.diag(h)])), dtype=np.float64)
    if T.ndim != 2 or len(T) != n + 1:
        raise ConversionError(f"pipeline step {name} does not map rows of {n} features to rows")
    J = (T[1:] - T[0]) / h[:, None]          # J[j, k] = ∂ transform_k / ∂ x_j
    c = T[0] - base @ J
    check = finite if len(finite) else base + h * np.random.default_rng(0).normal(size=(16, n))
    want = np.asarray(step.transform(check), dtype=np.float64)
    got = check @ J + c
    tol = 1e-9 * (np.abs(want) + np.abs(check) @ np.abs(J) + np.abs(c)) + 1e-12
    if np.any(np.abs(got - want) > tol):
        raise ConversionError(f"pipeline step {name}'s transform is not an affine map x·J + c on the calibration "
                              "rows, so it cannot be folded into the model")
    return J, c


def _scaler_affine(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(d, e) with ``step.transform(x) == d·x + e`` (:func:`_measure`, then checked element-wise). A
    ``MinMaxScaler(clip=True)`` is measured without its clipping (see :func:`front`)."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    name = type(step).__name__
    if name == "Normalizer":
        raise ConversionError("pipeline step Normalizer is not supported: it divides each row by its norm, which a "
                              "circuit needs a square root and a division for (not folded into the weights)",
                              hint="normalize the rows before the model sees them, or use a scaler")
    if not isinstance(step, (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)):
        raise ConversionError(f"pipeline step {name} is not supported",
                              hint=f"supported in front of a model: {', '.join(SCALERS)} (element-wise affine maps); "
                              f"in front of models linear in their inputs also {', '.join(MIXING_STEPS)}")
    _fitted(step)
    if getattr(step, "clip", False):
        step = copy.copy(step)
        step.clip = False
    J, e = _measure(step, n, X)
    if J.shape != (n, n) or np.any(np.abs(J - np.diag(np.diag(J))) > 1e-9 * np.abs(J).max(initial=1.0)):
        raise ConversionError(f"pipeline step {name}'s transform is not the element-wise affine map d·x + e on the "
                              "calibration rows, so it cannot be folded into the model")
    return np.diag(J).copy(), e


def _fitted(est: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(est)
    except NotFittedError:
        raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
    except TypeError as e:
        raise ConversionError(f"{type(est).__name__} is not a scikit-learn estimator ({e})") from None


def _active(steps: list[tuple[str, Any]]) -> list[Any]:
    """A Pipeline's steps that transform: not None, "passthrough" or a FunctionTransformer without a
    function (the identity); a FunctionTransformer with one is refused (its function is unknown here)."""
    out = []
    for _, s in steps:
        if s is None or (isinstance(s, str) and s == "passthrough"):
            continue
        if type(s).__name__ == "FunctionTransformer":
            if s.func is not None:
                raise ConversionError(f"FunctionTransformer({getattr(s.func, '__name__', s.func)!r}) is not supported: "
                                      "its function is not known to the converter",
                                      hint="only FunctionTransformer() without a function (the identity) converts")
            continue
        out.append(s)
    return out


def front(model: Any, X: np.ndarray | None = None, prepared: Prepared | None = None) -> tuple[Any, Affine | LinearMap, int]:
    """(final estimator, the steps in front of it composed, number of input features): an
    :class:`Affine` when every step is an element-wise scaler, else a :class:`LinearMap` (a step of
    :data:`MIXING_STEPS` among them); ``X`` (calibration rows, raw) is where each step's fold is
    checked against its ``transform``. With ``prepared`` (:func:`prepared`), the first step is its:
    ``X`` holds the numbers it makes, and its scalers start the composition."""
    from sklearn.pipeline import Pipeline

    steps: list[Any] = []
    est = model
    if isinstance(model, Pipeline):
        steps = _active(model.steps[:-1])
        est = model.steps[-1][1]
    _fitted(est)
    if prepared is not None:
        steps, aff, n = steps[1:], prepared.start, len(prepared.start.d)
    else:
        n = getattr(model, "n_features_in_", None) or getattr(est, "n_features_in_", None)
        if n is None:
            raise ConversionError(f"{type(est).__name__} does not say how many features it takes (n_features_in_)")
        aff = Affine(np.ones(n), np.zeros(n))
    lin: LinearMap | None = None
    k, Z = int(n), X
    for s in steps:
        name = type(s).__name__
        if name in MIXING_STEPS:
            _fitted(s)
            J, c = _measure(s, k, Z)
            if aff.clip is not None:
                raise ConversionError(f"MinMaxScaler(clip=True) in front of {name} is not supported: clipping is not "
                                      "affine", hint="refit the pipeline with MinMaxScaler(clip=False)")
            lin = (LinearMap(J.T * aff.d[None, :], J.T @ aff.e + c) if lin is None
                   else LinearMap(J.T @ lin.M, J.T @ lin.c + c))
            k, Z = J.shape[1], (Z @ J + c if Z is not None else None)
            continue
        d, e = _scaler_affine(s, k, Z)
        clip = tuple(np.broadcast_to(np.asarray(v, float), (k,)) for v in s.feature_range) if getattr(
            s, "clip", False) else None
        if lin is not None:
            if clip is not None:
                raise ConversionError(f"MinMaxScaler(clip=True) after {', '.join(MIXING_STEPS)} is not supported: "
                                      "clipping is not affine", hint="refit the pipeline with MinMaxScaler(clip=False)")
            lin = LinearMap(d[:, None] * lin.M, d * lin.c + e)
        else:
            aff = aff.then(d, e, clip)
        Z = Z * d + e if Z is not None else None
        if clip is not None and Z is not None:
            Z = np.clip(Z, *clip)
    if lin is not None:
        if lin.M.shape[0] != getattr(est, "n_features_in_", lin.M.shape[0]):
            raise ConversionError(f"the pipeline's steps give {lin.M.shape[0]} features; {type(est).__name__} takes "
                                  f"{est.n_features_in_}")
        return est, lin, int(n)
    if np.any(aff.d <= 0) or not np.all(np.isfinite(aff.d)):
        raise ConversionError("a scaler has a zero, negative or infinite scale")
    return est, aff, int(n)


PREPARE_STEPS = ("SimpleImputer", "OneHotEncoder", "OrdinalEncoder", "Binarizer", "KBinsDiscretizer", "ColumnTransformer")
"""First Pipeline steps that work on the raw columns (categories, missing values): they become the
model file's ``PREPARE`` (:mod:`stdlib_ml.convert.prepare`), run by ``encode`` on what the prover sends."""


@dataclass
class Prepared:
    """A Pipeline's first step on raw columns: ``entries`` (the model file's ``PREPARE``), the raw
    columns' ``names`` (a DataFrame's, or None) and number ``n_raw``, and ``start``: the element-wise
    scalers it applies to the numbers (identity where none)."""

    entries: list[tuple[Any, ...]]
    names: list[str] | None
    n_raw: int
    start: Affine


def _names(model: Any) -> list[str] | None:
    names = getattr(model, "feature_names_in_", None)
    return [str(v) for v in names] if names is not None else None


def prepared(model: Any, X: Any) -> Prepared | None:
    """The :class:`Prepared` of ``model``'s first step when it is one of :data:`PREPARE_STEPS` (alone, or
    a ColumnTransformer of OneHotEncoder / OrdinalEncoder / SimpleImputer / scalers / a Pipeline of
    SimpleImputer and a scaler / passthrough / drop), else None; ``X``: the raw calibration rows, where
    the scalers are measured. Raises :class:`ConversionError` for what it cannot express."""
    from . import prepare

    steps = getattr(model, "steps", None)
    first = steps[0][1] if type(model).__name__ == "Pipeline" and steps and len(steps) > 1 else None
    if type(first).__name__ not in PREPARE_STEPS:
        return None
    _fitted(first)
    names = _names(model)
    n_raw = int(model.n_features_in_)
    if type(first).__name__ == "ColumnTransformer":
        blocks = [(t, _columns(first, cols, n_raw, names)) for _, t, cols in first.transformers_]
    else:
        blocks = [(first, list(range(n_raw)))]
    entries: list[tuple[Any, ...]] = []
    scales: list[tuple[np.ndarray, np.ndarray]] = []
    for trans, cols in blocks:
        if isinstance(trans, str) and trans == "drop" or not cols:
            continue
        block, inner = _block(trans, cols)
        entries += block
        k = prepare.width(block)
        if inner is None:
            scales.append((np.ones(k), np.zeros(k)))
        else:
            Z = prepare.apply(block, X, names, n_raw) if X is not None else None
            scales.append(_scaler_affine(inner, k, Z))
    start = Affine(np.concatenate([d for d, _ in scales]), np.concatenate([e for _, e in scales]))
    return Prepared(entries, names, n_raw, start)


def _columns(ct: Any, cols: Any, n_raw: int, names: list[str] | None) -> list[int]:
    """A ColumnTransformer's column selection (indices, names, a mask or a slice) as indices."""
    idx = np.arange(n_raw)
    if isinstance(cols, slice) or (np.ndim(cols) == 1 and np.asarray(cols).dtype == bool):
        return [int(i) for i in idx[cols]]
    chosen = [cols] if isinstance(cols, (str, int, np.integer)) else list(cols)
    if callable(cols):
        raise ConversionError("a ColumnTransformer column selector that is a callable is not supported")
    if any(isinstance(c, str) for c in chosen):
        if names is None:
            raise ConversionError("the ColumnTransformer selects columns by name, but the model has no feature names")
        return [names.index(c) for c in chosen]
    return [int(c) for c in chosen]


def _block(trans: Any, cols: list[int]) -> tuple[list[tuple[Any, ...]], Any]:
    """The ``PREPARE`` entries of one transformer over raw columns ``cols``, and the element-wise scaler
    applied to its numbers after them (None: none)."""
    name = type(trans).__name__
    if isinstance(trans, str):   # "passthrough"
        return [("number", c, None) for c in cols], None
    if name == "Pipeline":
        inner = [t for _, t in trans.steps if t is not None and t != "passthrough"]
        if len(inner) == 2 and type(inner[0]).__name__ == "SimpleImputer" and type(inner[1]).__name__ in SCALERS:
            return _block(inner[0], cols)[0], inner[1]
        raise ConversionError(f"a ColumnTransformer's Pipeline of {[type(t).__name__ for t in inner]} is not "
                              "supported", hint="SimpleImputer then a scaler, or one transformer")
    if name in SCALERS:
        return [("number", c, None) for c in cols], trans
    if name == "SimpleImputer":
        if trans.add_indicator or not (isinstance(trans.missing_values, float) and np.isnan(trans.missing_values)):
            raise ConversionError("SimpleImputer is supported with missing_values=np.nan and add_indicator=False")
        stats = np.asarray(trans.statistics_, dtype=object)
        kept = [(c, v) for c, v in zip(cols, stats) if not _nan(v) or getattr(trans, "keep_empty_features", False)]
        if any(isinstance(v, str) for _, v in kept):
            raise ConversionError("SimpleImputer filling text is supported inside a ColumnTransformer only in front "
                                  "of an encoder (impute categories with the encoder's own handling instead)")
        return [("number", c, None if _nan(v) else float(v)) for c, v in kept], None
    if name in ("OneHotEncoder", "OrdinalEncoder"):
        if any(v is not None for v in getattr(trans, "infrequent_categories_", None) or []):
            raise ConversionError(f"{name} with infrequent categories (min_frequency / max_categories) is not supported")
        cats = [[_plain(v) for v in c] for c in trans.categories_]
        if name == "OrdinalEncoder":
            unknown = trans.unknown_value if trans.handle_unknown == "use_encoded_value" else None
            return [("ordinal", c, k, None if unknown is None else float(unknown)) for c, k in zip(cols, cats)], None
        if trans.handle_unknown not in ("error", "ignore"):
            raise ConversionError(f"OneHotEncoder(handle_unknown={trans.handle_unknown!r}) is not supported")
        drops = getattr(trans, "drop_idx_", None)
        out = []
        for i, (c, k) in enumerate(zip(cols, cats)):
            dropped = None if drops is None or drops[i] is None else int(drops[i])
            out.append(("onehot", c, [v for j, v in enumerate(k) if j != dropped], k, trans.handle_unknown))
        return out, None
    if name == "Binarizer":
        return [("binarize", c, float(trans.threshold)) for c in cols], None
    if name == "KBinsDiscretizer":
        if trans.encode not in ("ordinal", "onehot", "onehot-dense"):
            raise ConversionError(f"KBinsDiscretizer(encode={trans.encode!r}) is not supported")
        return [("bins", c, [float(v) for v in edges[1:-1]], trans.encode != "ordinal")
                for c, edges in zip(cols, trans.bin_edges_)], None
    raise ConversionError(f"{name} in a ColumnTransformer is not supported",
                          hint="OneHotEncoder, OrdinalEncoder, SimpleImputer, Binarizer, KBinsDiscretizer, the "
                          "scalers, passthrough or drop")


def _nan(v: Any) -> bool:
    return isinstance(v, (float, np.floating)) and bool(np.isnan(v))


def _plain(v: Any) -> Any:
    """A category as a plain Python value (written into the model file)."""
    return v.item() if isinstance(v, np.generic) else v


class _Frame:
    """A fitted Pipeline fed raw rows (an object array) as the DataFrame of ``names`` it was fitted on:
    what the self-check of a model with ``PREPARE`` compares against."""

    def __init__(self, model: Any, names: list[str]) -> None:
        self.model, self.names = model, names

    def _frame(self, rows: Any) -> Any:
        import pandas

        return pandas.DataFrame(np.asarray(rows, dtype=object), columns=self.names).infer_objects()

    def predict(self, rows: Any) -> np.ndarray:
        return self.model.predict(self._frame(rows))

    def __getattr__(self, method: str) -> Any:   # predict_proba, decision_function, score_samples
        if method not in ("predict_proba", "decision_function", "score_samples"):
            raise AttributeError(method)
        return lambda rows: getattr(self.model, method)(self._frame(rows))


def unwrap(model: Any, X: np.ndarray | None = None) -> tuple[Any, Affine, int]:
    """:func:`front` for models that take element-wise scalers only (trees compare single features):
    (final estimator, composed scalers, number of input features). Raises :class:`ConversionError`
    for a step of :data:`MIXING_STEPS`."""
    est, aff, n = front(model, X)
    if isinstance(aff, LinearMap):
        raise ConversionError(f"{type(est).__name__} behind {', '.join(_mixing(model))} is not supported: it compares "
                              "or measures single features, and those steps mix or select them",
                              hint=f"models linear in their inputs take them: {', '.join(_linear_names())}")
    return est, aff, n


def _mixing(model: Any) -> list[str]:
    return [type(s).__name__ for _, s in getattr(model, "steps", [])[:-1] if type(s).__name__ in MIXING_STEPS]


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
    from sklearn.svm import SVC, NuSVC

    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(W.shape[0])
    if hasattr(est.coef_, "toarray"):
        W = np.atleast_2d(est.coef_.toarray())
    classes = class_labels(est) if kind == "classifier" else None
    ovo = isinstance(est, (SVC, NuSVC)) and classes is not None and len(classes) > 2
    return linear_spec(est, W, b, aff, n, opts, kind, classes, _scaler_range(model, n), ovo, links=_linear_links(est))


def _linear_links(est: Any) -> dict[str, str]:
    """The scores a linear classifier defines on W·z + b (scikit-learn's methods → link): every one its
    ``decision_function``; LogisticRegression and LinearDiscriminantAnalysis (and SGDClassifier with
    log loss) ``predict_proba`` too (σ of one logit; softmax over classes, or one-vs-rest sigmoids)."""
    if not hasattr(est, "decision_function") or not hasattr(est, "classes_"):
        return {}
    links = {"decision_function": "identity"}
    binary = len(est.classes_) == 2
    name = type(est).__name__
    if name in ("LogisticRegression", "LinearDiscriminantAnalysis") or (
            name == "SGDClassifier" and getattr(est, "loss", "") == "log_loss" and binary):
        ovr = getattr(est, "multi_class", "auto") == "ovr" or name == "SGDClassifier"
        links["predict_proba"] = "sigmoid" if binary else "ovr" if ovr else "softmax"
    return links


def _naive_bayes(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """Multinomial, complement and Bernoulli naive Bayes: their joint log-likelihood is linear in the
    features (``X @ feature_log_prob_.T`` + the class log-prior; Bernoulli:
    ``x·(log p − log(1 − p))`` + Σ log(1 − p)), argmax'd; with ``binarize=t`` Bernoulli's features
    are ``x > t``: a forest of one stump per feature (exact comparisons, :func:`_bernoulli_stumps`)."""
    flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
    prior = np.asarray(est.class_log_prior_, dtype=np.float64)
    name = type(est).__name__
    if name == "BernoulliNB":
        neg = np.log1p(-np.exp(flp))
        if est.binarize is not None:
            if isinstance(aff, LinearMap):
                raise ConversionError(f"BernoulliNB(binarize={est.binarize}) behind {', '.join(_mixing(model))} is not "
                                      "supported: its features are compared with the threshold one by one")
            return _bernoulli_stumps(model, est, aff, n, opts, flp, neg, prior)
        W, b = flp - neg, prior + neg.sum(axis=1)
    else:
        W = flp
        b = prior if name != "ComplementNB" or len(est.classes_) == 1 else np.zeros(len(flp))
    return linear_spec(est, W, b, aff, n, opts, "classifier", class_labels(est), _scaler_range(model, n),
                       links={"predict_proba": "softmax"})


def _bernoulli_stumps(model: Any, est: Any, aff: Affine, n: int, opts: Options, flp: np.ndarray, neg: np.ndarray,
                      prior: np.ndarray) -> Spec:
    """BernoulliNB(binarize=t): feature j adds log p_jk when x_j > t, else log(1 − p_jk): a stump per
    feature (left when x_j <= t), summed with the log-prior, argmax'd."""
    K = len(prior)
    raws = []
    for j in range(n):
        value = np.vstack([np.zeros(K), neg[:, j], flp[:, j]])
        thr = np.asarray([(float(est.binarize) - aff.e[j]) / aff.d[j], np.nan, np.nan])   # float64, x <= t: left
        raws.append(RawTree(np.asarray([j, 0, 0]), thr, np.asarray([1, -1, -1]), np.asarray([2, -1, -1]), value,
                            strict=False).compact())
    total = float(np.sum(np.max(np.abs(np.vstack([flp, neg])), axis=0))) + float(np.max(np.abs(prior)))
    spec = tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", prior, leaf_bits(total),
                     f"BernoulliNB (binarize={est.binarize}, {K} classes, {n} features), converted to pyleo: one stump "
                     "per feature, the joint log-likelihood's terms as leaves.", class_labels(est),
                     links={"predict_proba": "softmax"})
    spec.float32 = False   # binarize compares the float64 value (trees compare float32 copies)
    return spec


def _nearest_centroid(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """NearestCentroid (Euclidean): scikit-learn's discriminant −‖(x − c_k)/s‖² + 2·log prior_k
    (s: the within-class deviations with non-uniform priors, else 1, and no prior term) is linear in x
    once the common −‖x/s‖² is dropped: 2·(c_k/s²)·x − ‖c_k/s‖² (+ 2·log prior_k); argmax."""
    if est.metric != "euclidean":
        raise ConversionError(f"NearestCentroid(metric={est.metric!r}) is not supported; use metric='euclidean'")
    C = np.asarray(est.centroids_, dtype=np.float64)
    s, extra = np.ones(n), np.zeros(len(C))
    if not np.isclose(est.class_prior_, 1 / len(est.classes_)).all():
        s = np.where(est.within_class_std_dev_ != 0, est.within_class_std_dev_, 1.0)
        extra = 2 * np.log(np.asarray(est.class_prior_, dtype=np.float64))
    return linear_spec(est, 2 * C / s**2, -np.sum((C / s) ** 2, axis=1) + extra, aff, n, opts, "classifier",
                       class_labels(est), _points_range(C, aff) if isinstance(aff, Affine) else None)


def _glm(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """Poisson, Gamma and Tweedie regressors: the circuit outputs the linear predictor η = w·x + b
    exactly (its link is monotone, so any threshold on the prediction is one on η); the prediction
    exp(η) (log link) is applied by :meth:`ZkModel.decode` in floating point (LINK = 'exp')."""
    link = type(est._base_loss.link).__name__
    if link not in ("LogLink", "IdentityLink"):
        raise ConversionError(f"{type(est).__name__} with a {link} is not supported (log or identity links only)")
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    spec = linear_spec(est, W, np.atleast_1d(float(est.intercept_)), aff, n, opts, "regressor", None,
                       _scaler_range(model, n), link="exp" if link == "LogLink" else "identity")
    if link == "LogLink":
        spec.notes.append("Log link: the circuit outputs the linear predictor η·OUT_SCALE (exact); the prediction is "
                          "exp(η), applied by ZkModel.decode after the circuit (LINK = 'exp').")
    return spec


def _average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n), the average path length of an unsuccessful search in a binary search tree of n points
    (Liu et al., Isolation Forest, 2008, as scikit-learn computes it): 0 for n <= 1, 1 for n = 2, else
    2·(ln(n − 1) + γ) − 2·(n − 1)/n."""
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def _isolation_forest(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """IsolationForest: each tree's leaf holds the path length scikit-learn adds for it (its depth +
    c(samples in the leaf) − 1), the forest sums them to S; ``score_samples`` = −2**(−S/D) with
    D = trees·c(max_samples_) is increasing in S, so ``predict`` (inlier, 1, when score_samples >=
    offset_) is exactly S >= −D·log2(−offset_): the sum against a constant rounded up
    (:func:`~stdlib_ml.convert.quantize.threshold_constant`, link ``"isolation"``). Scores: the circuit
    outputs S; decode applies −2**(−S/D) (− offset_ for ``decision_function``)."""
    if est.offset_ >= 0:
        raise ConversionError(f"IsolationForest with offset_ = {est.offset_} >= 0 calls every sample an outlier "
                              "(score_samples < 0 always); nothing to prove")
    missing = _accepts_missing(model, n)
    raws = []
    for tree, features in zip(est.estimators_, est.estimators_features_):
        t = tree.tree_
        feat = np.where(np.asarray(t.children_left) == -1, 0, np.asarray(features)[t.feature])
        left = np.asarray(t.children_left)
        depths = np.asarray(t.compute_node_depths(), dtype=np.float64)   # the root at 1, as scikit-learn counts
        value = (depths + _average_path_length(np.asarray(t.n_node_samples, dtype=np.float64)) - 1.0)[:, None]
        thr, strict = raw_thresholds(np.where(left == -1, np.nan, t.threshold), feat, aff, False)
        raws.append(RawTree(feat, thr, left, np.asarray(t.children_right), value, strict,
                            np.asarray(t.missing_go_to_left, dtype=bool) if missing else None).compact())
    D = float(len(raws) * _average_path_length(np.asarray([float(est.max_samples_)]))[0])
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
        if isinstance(est, DecisionTreeClassifier) and opts.response != "predict":   # leaf frequencies
            return tree_spec(model, est, aff, n, opts, "classifier", [_sk_tree(t, aff, _tree_classes_onehot(t), missing)],
                             "argmax", None, LEAF_BITS, f"{name} (depth {est.get_depth()}, {n} features{suffix}), "
                             "converted to pyleo.", class_labels(est), links={"predict_proba": "identity"})
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
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo.", classes,
                          out_divisor=len(raws), links={"predict_proba": "identity"})
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
                          title, class_labels(est), links={"decision_function": "identity",
                                                           "predict_proba": "sigmoid" if K == 1 else "softmax"})
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


def _knn_regressor(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """KNeighborsRegressor (uniform weights, Euclidean): the k nearest training points by the
    classifier's distance scores, their targets (at 2**vb) summed; OUT_SCALE includes the division by k.
    ``weights='distance'`` would divide by distances (a rational the circuit cannot output exactly) and
    is refused, as are private weights (the targets would need their own packing)."""
    if est.weights != "uniform":
        raise ConversionError(f"KNeighborsRegressor(weights={est.weights!r}) is not supported: the prediction "
                              "Σ y_i/d_i ÷ Σ 1/d_i divides by distances, which a circuit can only approximate",
                              hint="refit with weights='uniform'")
    _euclidean(est)
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
    low, high, unit = feature_range(opts, n, _points_range(P, aff))
    # finer than the classifier's 2**12 steps: a regressor's value moves with every swapped neighbour, and
    # make_regression's held-out rows have 5th/6th neighbours 3e-5 apart (measured: 2**12 swaps one, 2**18 none)
    ib = distance_bits(opts, unit, low, high, aff, 18)
    W, B, sb, reach = _distance_scores(P, aff, ib, low, high, False)
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
    spec.const("TARGETS", qint(y, vb), f"target of each training point, at 2**{vb}")
    spec.use(f"nearest = distance.k_smallest({k}, {sign_width(reach + 1)}, pl.Field)", _reach_note(reach))
    spec.out_scale = f"2**{vb} * {k}"
    spec.body.append("return models.to_i64(reduce.total(nearest(linalg.dense(W, xf, B), TARGETS)))")
    return spec


def _euclidean(est: Any) -> None:
    metric = est.effective_metric_
    if metric not in ("euclidean", "sqeuclidean") and not (metric == "minkowski" and est.effective_metric_params_.get("p") == 2):
        raise ConversionError(f"{type(est).__name__} with metric {metric!r} is not supported; use the Euclidean metric")


def _knn(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    if est.weights != "uniform":
        raise ConversionError(f"KNeighborsClassifier(weights={est.weights!r}) is not supported; use weights='uniform'")
    _euclidean(est)
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
    spec.body.append("scores = linalg.add(linalg.matvec(A, models.squares(xf)), linalg.dense(B, xf, C))")
    if not score_head(spec, opts, "scores", len(classes), bound, 2**T, {"predict_proba": "softmax"}, "GaussianNB"):
        spec.use(f"argmax = reduce.argmax({sign_width(2 * bound + 1)})", f"|log-likelihood| <= {pow2(bound)}")
        spec.body.append("return argmax(scores)")
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
    h = (net.dense(net.input, aff.M, aff.c, where="the pipeline's steps") if isinstance(aff, LinearMap) else
         net.input if aff.identity else net.scale_shift(net.input, aff.d, aff.e, where="the scalers"))
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
    base), how they read as a spec, ``label`` (how messages name them), ``private`` (what
    ``weights="private"`` hides, when more than their coefficients) and ``scores`` (per class,
    or ``"*"`` for all, the scores ``response_method=`` converts, in words; the functions' ``links`` decide)."""

    names: tuple[str, ...]
    spec: Callable[[Any, Any, Affine, int, Options], Spec]
    label: str = ""
    private: str = ""
    scores: tuple[tuple[str, str], ...] = ()   # (class, or "*" for every class; its response methods besides predict)
    linear: bool = False   # linear in its inputs: steps of MIXING_STEPS in front fold into it

    def scores_of(self, name: str) -> str:
        """The scores ``response_method=`` converts for the class ``name``, in words ("" none)."""
        return dict(self.scores).get(name, dict(self.scores).get("*", ""))

    def takes(self, est: Any) -> bool:
        return any(c.__module__.split(".")[0] == "sklearn" and c.__name__ in self.names for c in type(est).__mro__)


def _svm(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    """SVC / NuSVC (``kind="classifier"``) and SVR / NuSVR: a linear kernel as a linear model, a poly
    kernel by :mod:`~stdlib_ml.convert.svm` (which refuses rbf and sigmoid, with the reason)."""
    name = type(est).__name__
    if getattr(est, "break_ties", False):
        raise ConversionError(f"{name}(break_ties=True) is not supported")
    if est.kernel == "linear":
        return _linear(model, est, aff, n, opts, kind)
    if callable(est.kernel) or est.kernel == "precomputed":
        raise ConversionError(f"{name} with a {'callable' if callable(est.kernel) else 'precomputed'} kernel is not "
                              "supported (linear and poly kernels convert)")
    sv, dual = np.asarray(est.support_vectors_, dtype=np.float64), np.asarray(est.dual_coef_)
    kernel = (est.kernel, float(est._gamma), float(est.coef0), int(est.degree), aff, n, opts)
    if kind == "regressor":
        return kernel_svr_spec(est, sv, dual, float(np.ravel(est.intercept_)[0]), *kernel, _scaler_range(model, n))
    return kernel_svc_spec(est, sv, dual, np.asarray(est.intercept_), np.asarray(est.n_support_), *kernel,
                           class_labels(est), _scaler_range(model, n))


TABLE: tuple[Family, ...] = (
    Family(("LinearRegression", "Ridge", "Lasso", "ElasticNet", "SGDRegressor", "LinearSVR", "QuantileRegressor",
            "HuberRegressor", "TheilSenRegressor", "ARDRegression", "BayesianRidge"),
           lambda m, e, a, n, o: _linear(m, e, a, n, o, "regressor"), linear=True),
    Family(("LogisticRegression", "RidgeClassifier", "SGDClassifier", "LinearSVC", "Perceptron",
            "PassiveAggressiveClassifier", "LinearDiscriminantAnalysis"),
           lambda m, e, a, n, o: _linear(m, e, a, n, o, "classifier"),
           scores=(("*", "decision_function"), ("LogisticRegression", "decision_function, predict_proba"),
                   ("LinearDiscriminantAnalysis", "decision_function, predict_proba"),
                   ("SGDClassifier", "decision_function, predict_proba (binary, loss='log_loss')")), linear=True),
    Family(("PoissonRegressor", "GammaRegressor", "TweedieRegressor"), _glm,
           "PoissonRegressor, GammaRegressor, TweedieRegressor (the linear predictor proved, exp applied after)",
           linear=True),
    Family(("MultinomialNB", "ComplementNB", "BernoulliNB"), _naive_bayes, scores=(("*", "predict_proba"),),
           linear=True),
    Family(("NearestCentroid",), _nearest_centroid, "NearestCentroid (Euclidean)", linear=True),
    Family(("SVC", "NuSVC"), lambda m, e, a, n, o: _svm(m, e, a, n, o, "classifier"),
           "SVC, NuSVC (kernel='linear' or 'poly')",
           scores=(("*", "decision_function (two classes)"),), linear=True),
    Family(("SVR", "NuSVR"), lambda m, e, a, n, o: _svm(m, e, a, n, o, "regressor"),
           "SVR, NuSVR (kernel='linear' or 'poly')", linear=True),
    Family(("DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
            "ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
            "AdaBoostClassifier"), lambda m, e, a, n, o: _trees(m, e, a, n, o),
           "DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor, "
           "ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor, "
           "AdaBoostClassifier (SAMME)",
           "thresholds and leaf values private, the trees' shape public",
           tuple((c, "predict_proba") for c in ("DecisionTreeClassifier", "RandomForestClassifier",
                                                 "ExtraTreesClassifier"))
           + (("GradientBoostingClassifier", "decision_function, predict_proba"),)),
    Family(("IsolationForest",), _isolation_forest, scores=(("*", "score_samples, decision_function"),)),
    Family(hist_gradient_boosting.NAMES, hist_gradient_boosting.spec, "",
           "thresholds and leaf values private, the trees' shape public"),
    Family(("KMeans", "MiniBatchKMeans"), _kmeans),
    Family(("KNeighborsClassifier",), _knn, "", "training points and labels private"),
    Family(("KNeighborsRegressor",), _knn_regressor, "KNeighborsRegressor (uniform weights)",
           "no: public weights only (its targets would need a packing of their own)"),
    Family(("GaussianNB",), _gaussian_nb, scores=(("*", "predict_proba"),)),
    Family(("MLPClassifier", "MLPRegressor"),
           lambda m, e, a, n, o: _mlp(m, e, a, n, o, "regressor" if type(e).__name__.endswith("Regressor") else "classifier"),
           linear=True),
)
"""Every estimator class the frontend converts, and how (the first family that takes an estimator)."""

SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
"""The Pipeline steps folded in front of a model (element-wise affine maps)."""



PRIVATE = ("scikit-learn: " + "; ".join((f.label or ", ".join(f.names)) + (f" ({f.private})" if f.private else "")
                                        for f in TABLE if not f.private.startswith("no")))
"""What converts with ``weights="private"``: the families of :data:`TABLE` but those marked "no: why"."""

COVERAGE = tuple(frontends.Coverage(f.label or ", ".join(f.names), f.names,
                                   "; ".join(f"{c}: {m}" if c != "*" else m for c, m in f.scores), f.private or "yes",
                                   tuple((c, f.scores_of(c)) for c in f.names if f.scores_of(c)))
                 for f in TABLE) + (
    frontends.Coverage(f"each alone or after {'/'.join(SCALERS)} in a Pipeline", SCALERS, "", "yes"),
    frontends.Coverage(f"the models linear in their inputs (and MLPs) also after {', '.join(MIXING_STEPS)} (folded "
                       "into their weights)", MIXING_STEPS, "", "yes"),
    frontends.Coverage("PolynomialFeatures in front of the models with coef_ (linear, GLM, LDA), scalers and the steps "
                       "above around it (one coefficient per monomial)", ("PolynomialFeatures",), "", "yes"),
    frontends.Coverage(f"first steps on raw columns (string or integer categories, missing values; a DataFrame's "
                       f"columns by name), made numbers by encode: {', '.join(PREPARE_STEPS)}", PREPARE_STEPS, "",
                       "yes"))
"""This frontend's rows of the table of what is supported (:func:`stdlib_ml.convert.frontends.coverage`)."""

FAMILIES = ", ".join(row.what for row in COVERAGE)
"""What this frontend converts, in words (derived from :data:`COVERAGE`, as ``SUPPORTED`` is)."""


def _family(est: Any) -> Family:
    """The family of :data:`TABLE` that converts ``est``. Raises :class:`ConversionError` naming what converts."""
    family = next((f for f in TABLE if f.takes(est)), None)
    if family is None:
        from sklearn.base import is_classifier, is_regressor

        what = "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else "estimator"
        raise ConversionError(f"{type(est).__name__} is not supported (an unsupported {what})", hint=frontends.supported())
    return family


def _linear_names() -> list[str]:
    return [name for f in TABLE if f.linear for name in f.names]


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


def _poly_features(model: Any, prep: Prepared | None, opts: Options) -> Spec | None:
    """A Pipeline with a PolynomialFeatures step in front of a model with ``coef_`` / ``intercept_``
    (linear regressors and classifiers, GLMs, LDA): element-wise scalers before it, scalers and steps of
    :data:`MIXING_STEPS` after it, all folded in float64 into one coefficient per monomial of the raw inputs
    (:func:`~stdlib_ml.convert.polynomial.expand`); the circuit computes the monomials and one dense layer.
    None when the Pipeline has no PolynomialFeatures."""
    from sklearn.pipeline import Pipeline

    steps = _active(getattr(model, "steps", [])[:-1])
    if prep is not None:
        steps = steps[1:]
    at = next((i for i, s in enumerate(steps) if type(s).__name__ == "PolynomialFeatures"), None)
    if at is None:
        return None
    est, poly = model.steps[-1][1], steps[at]
    _fitted(poly)
    if not (hasattr(est, "coef_") and hasattr(est, "intercept_")) or not _family(est).linear:
        raise ConversionError(f"PolynomialFeatures in front of {type(est).__name__} is not supported",
                              hint="linear models, GLMs and LinearDiscriminantAnalysis take it (one coefficient per "
                              "monomial)")
    n = len(prep.start.d) if prep is not None else int(model.n_features_in_)
    aff, Z = prep.start if prep is not None else Affine(np.ones(n), np.zeros(n)), opts.X
    for s in steps[:at]:
        d, e = _scaler_affine(s, n, Z if Z is None else Z * aff.d + aff.e)
        aff = aff.then(d, e)
    if aff.clip is not None:
        raise ConversionError("MinMaxScaler(clip=True) in front of PolynomialFeatures is not supported")
    Zp = poly.transform(opts.X * aff.d + aff.e) if opts.X is not None else None
    after, L, _ = front(Pipeline(list(zip(map(str, range(len(steps) - at)), steps[at + 1:] + [est]))), Zp)
    L = L if isinstance(L, LinearMap) else LinearMap(np.diag(L.d), L.e)
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    V, beta = L.fold(W, np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(len(W)))
    total: dict[tuple[int, ...], np.ndarray] = {}
    for o, powers in enumerate(np.asarray(poly.powers_)):
        for mono, c in polynomial.expand([(np.eye(n)[j] * aff.d[j], aff.e[j]) for j in range(n)], powers).items():
            total[mono] = total.get(mono, np.zeros(len(V))) + V[:, o] * float(c)
    const = beta + total.pop((), np.zeros(len(V)))
    monos = sorted(total, key=lambda J: (len(J), J))
    coef = np.column_stack([total[J] for J in monos])
    kind = "classifier" if hasattr(est, "classes_") else "regressor"
    low, high, unit = feature_range(opts, n, None)
    ib = input_bits_for(opts, unit, low, high, INPUT_RESOLUTION)
    spec = new_spec(est, opts, n, kind, low, high, ib,
                    f"{type(est).__name__} behind PolynomialFeatures(degree={poly.degree}) ({n} features, "
                    f"{len(monos)} monomials), converted to pyleo.")
    spec.imports |= {"models", "reduce"}
    spec.notes.append("The pipeline's steps and the model's weights are folded in float64 into one coefficient per "
                      "monomial of the raw inputs (Q); the circuit computes the monomials and one dense layer.")
    bound, S = polynomial.monomial_layer(spec, coef, const, monos, ib, low, high, 118)
    if kind == "regressor":   # the value at 2**S (up to 2**118) output as its top 64 bits, at 2**(S − 64)
        refuse_scores(opts, type(est).__name__, {})
        spec.out_scale = f"2**{S - 64}"
        spec.body.append("return models.high_i64(scores[0])")
        if _family(est).spec is _glm and type(est._base_loss.link).__name__ == "LogLink":
            spec.link = "exp"
        return spec
    spec.classes = class_labels(est)
    if not score_head(spec, opts, "scores", len(V), bound, 2**S, _linear_links(est), type(est).__name__):
        classifier_head(spec, "scores", bound, len(V))
    return spec


def _describe(model: Any, missing_values: bool | None, prep: Prepared | None = None, raw: Any = None) -> pipeline.Describe:
    """The description of ``model``; ``prep``: its first step on raw columns (:func:`prepared`), ``raw``
    the raw calibration rows (an object array) the self-check then runs."""
    def describe(opts: Options) -> pipeline.Description:
        est = final_step(model)
        spec = _poly_features(model, prep, opts)
        if spec is None:
            est, aff, n = front(model, opts.X, prep)   # X was checked against n_features_in_ (the pipeline's options)
            family = _family(est)
            if isinstance(aff, LinearMap) and not family.linear:
                unwrap(model, opts.X)   # refuses, naming the steps and the models that take them
            if isinstance(aff, Affine) and aff.clip is not None and not (hasattr(est, "tree_")
                                                                         or hasattr(est, "estimators_")):
                raise ConversionError(f"MinMaxScaler(clip=True) in front of {type(est).__name__} is not supported: "
                                      "clipping is not affine; only tree models (whose splits lie inside feature_range) "
                                      "express it exactly", hint="refit the pipeline with MinMaxScaler(clip=False)")
            spec = family.spec(model, est, aff, n, opts)
        if missing_values and spec.missing_sides is None:
            raise ConversionError(f"{type(est).__name__} has no missing-value semantics (its predict rejects NaN), so "
                                  "missing_values=True cannot be honoured",
                                  hint=f"models that take them: {MISSING_VALUE_MODELS}")
        spec.feature_names = prep.names if prep is not None else _names(model)
        if prep is None:
            return pipeline.Description(spec, model, type(est).__name__)
        spec.prepare, spec.raw_features = prep.entries, prep.n_raw
        return pipeline.Description(spec, model if prep.names is None else _Frame(model, prep.names),
                                    type(est).__name__, raw)

    return describe


def _inputs(model: Any, X: Any) -> tuple[Any, int | None, Prepared | None, Any]:
    """(calibration rows as numbers, the number of features they have, the first step on raw columns or
    None, the raw rows as an object array or None): a DataFrame's columns taken in the order the model
    was fitted on; with a :class:`Prepared` step, the numbers it makes of them."""
    from . import prepare

    names = _names(model)
    try:
        prep = prepared(model, X)
        if prep is None:
            if X is not None and hasattr(X, "columns") and names is not None:
                X = prepare.raw_rows(X, names, len(names))
            return X, getattr(model, "n_features_in_", None), None, None
        raw = prepare.raw_rows(X, prep.names, prep.n_raw) if X is not None else None
        numbers = prepare.apply(prep.entries, raw, None, prep.n_raw) if raw is not None else None
    except prepare.PrepareError as e:
        raise ModelInputError(f"X: {e.message}", hint=e.hint) from None
    return numbers, prepare.width(prep.entries), prep, raw


def _scores_here(other: frontends.Frontend, response_method: str | None, threshold: float | None) -> None:
    """Refuse scores for a model another frontend converts (it outputs labels and values only)."""
    if response_method not in (None, "predict") or threshold is not None:
        raise ConversionError(f"response_method / threshold apply to scikit-learn estimators; a {other.name} model "
                              "converts with response_method='predict' only")


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
               inputs: str = "private", output: str = "public", response_method: str | None = None,
               threshold: float | None = None) -> Spec:
    """The :class:`Spec` (what the model file will say) for a fitted scikit-learn or XGBoost model,
    without the self-check; the options are :func:`from_sklearn`'s."""
    options = dict(input_range=input_range, input_bits=input_bits, name=name, missing_values=missing_values,
                   weights=weights, inputs=inputs, output=output)
    other = _other_frontend(model)
    if other is not None:
        _scores_here(other, response_method, threshold)
        return other.impl().build_spec(model, X, **options)
    options.update(response_method=response_method, threshold=threshold)
    X, n_features, prep, raw = _inputs(model, X)
    return pipeline.describe(_describe(model, missing_values, prep, raw), X, n_features=n_features, **options)[0].spec


def from_sklearn(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                 inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
                 response_method: str | None = None, threshold: float | None = None) -> ZkModel:
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
    ``response_method``: what the circuit outputs, by scikit-learn's name: ``"predict"`` (default: the
    label or value), ``"predict_proba"``, ``"decision_function"`` or ``"score_samples"`` (where the
    family defines it, :data:`~stdlib_ml.convert.frontends.TABLE`): the fixed-point scores at
    ``OUT_SCALE``, which ``zk.predict`` returns as floats shaped like the library's (a sigmoid or
    softmax applied after the circuit, in floating point, to its exact logits); the self-check bounds
    probabilities' absolute error by ``max_error``. ``threshold=t``: only the public boolean "the
    positive class's score is at least t" (``predict_proba`` unless said: P(positive) ≥ t, decided
    exactly on the fixed-point logit), the score itself stays private.
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
        _scores_here(other, response_method, threshold)
        return other.convert(model, X, **options)
    options.update(response_method=response_method, threshold=threshold)
    X, n_features, prep, raw = _inputs(model, X)
    return pipeline.convert(_describe(model, missing_values, prep, raw), X, n_features=n_features,
                            **options)
