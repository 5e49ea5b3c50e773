"""The XGBoost frontend: ``Booster``, ``XGBClassifier``, ``XGBRegressor`` (alone or after scalers in a
scikit-learn Pipeline), JSON / UBJSON files → :class:`~stdlib_ml.convert.render.Spec` (trees with their
default branches, the objective's decision rule), then the one conversion sequence
(:func:`~stdlib_ml.convert.pipeline.convert`). xgboost is imported only when a model is read."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import numpy as np

from collections.abc import Sequence

from . import pipeline
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .options import Options
from .quantize import Affine, LinearMap
from .render import Spec
from .sklearn import ends_in, final_step, unwrap
from .tree_ensembles import RawTree, leaf_bits, raw_features, raw_thresholds, tree_spec


# ---- XGBoost ------------------------------------------------------------------------------------
_XGB_CLASS = {"binary:logistic", "binary:logitraw", "binary:hinge", "multi:softprob", "multi:softmax"}
_XGB_REG = {"reg:squarederror", "reg:linear", "reg:absoluteerror", "reg:pseudohubererror", "reg:quantileerror"}


def _xgb_trees(booster: Any, aff: Affine | LinearMap, ntrees: int | None) -> tuple[list[RawTree], int, str, dict[str, Any]]:
    raw = json.loads(booster.save_raw("json"))
    learner = raw["learner"]
    gb = learner["gradient_booster"]
    objective = learner["objective"]["name"]
    if gb.get("name") != "gbtree":
        raise ConversionError(f"XGBoost booster {gb.get('name')!r} is not supported; use booster='gbtree'")
    model = gb["model"]
    K = max(int(learner["learner_model_param"].get("num_class", "0")), 1)
    if int(learner["learner_model_param"].get("num_target", "1")) != 1:
        raise ConversionError("multi-target XGBoost models are not supported")
    trees = model["trees"][:ntrees] if ntrees else model["trees"]
    info = model["tree_info"][: len(trees)]
    out = []
    for t, grp in zip(trees, info):
        if any(int(s) != 0 for s in t.get("split_type", [])):
            raise ConversionError("XGBoost categorical splits are not supported")
        if int(t["tree_param"].get("size_leaf_vector", "1")) > 1:
            raise ConversionError("XGBoost vector-leaf trees (multi_strategy) are not supported")
        left = np.asarray(t["left_children"])
        right = np.asarray(t["right_children"])
        feat = np.where(left == -1, 0, np.asarray(t["split_indices"]))
        # XGBoost stores float32 values and compares float32 inputs: a threshold printed as
        # "0.0056499788" must be read back as that float32, or x == threshold lands on the wrong side.
        cond = np.asarray(t["split_conditions"], dtype=np.float32).astype(np.float64)
        val = np.zeros((len(left), K))
        val[:, int(grp)] = np.where(left == -1, cond, 0.0)
        thr, strict = raw_thresholds(np.where(left == -1, np.nan, cond), feat, aff, True)
        default_left = np.asarray(t["default_left"], dtype=bool)
        out.append(RawTree(feat, thr, left, right, val, strict=strict, missing_left=default_left).compact())
    return out, K, objective, learner


def _raw_tree_predict(trees: list[RawTree], X: np.ndarray) -> np.ndarray:
    """Σ leaf values by walking the float trees (the base-margin probe)."""
    out = np.zeros((len(X), trees[0].value.shape[1]))
    for t in trees:
        for r, x in enumerate(X):
            i = 0
            while t.left[i] != -1:
                go = x[t.feature[i]] < t.threshold[i] if t.strict else x[t.feature[i]] <= t.threshold[i]
                i = t.left[i] if go else t.right[i]
            out[r] += t.value[i]
    return out


def _spec(model: Any, opts: Options) -> Spec:
    try:
        import xgboost as xgb
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConversionError("XGBoost models need the xgboost package: pip install 'pyleo-zk[xgboost]'") from None
    aff = None
    est = model
    if final_step(model) is not model:
        est, aff, n = unwrap(model, opts.X)
    if isinstance(est, xgb.Booster):
        booster, classes, wrapper = est, None, None
    elif isinstance(est, xgb.XGBModel):
        try:
            booster = est.get_booster()
        except (xgb.core.XGBoostError, AttributeError, ValueError):
            raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
        classes, wrapper = getattr(est, "classes_", None), est
    else:
        raise ConversionError(f"{type(est).__name__} is not an XGBoost model")
    k = booster.num_features()   # its input z: the raw features, or what the steps in front make of them
    n = raw_features(aff, k)
    if opts.X is not None and opts.X.shape[1] != n:
        raise ModelInputError(f"X has {opts.X.shape[1]} features; the model takes {n}")
    if aff is None:
        aff = Affine(np.ones(n), np.zeros(n))
    ntrees, rounds = None, 0
    if wrapper is not None:
        try:  # early stopping: XGBoost's predict uses the trees up to best_iteration
            rounds = int(wrapper.best_iteration) + 1
        except AttributeError:
            rounds = 0
        if rounds:
            n_all = len(json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["tree_info"])
            ntrees = rounds * (n_all // max(booster.num_boosted_rounds(), 1))
    trees, K, objective, learner = _xgb_trees(booster, aff, ntrees)
    if objective not in _XGB_CLASS | _XGB_REG:
        raise ConversionError(f"XGBoost objective {objective!r} is not supported",
                              hint=f"supported: {', '.join(sorted(_XGB_CLASS | _XGB_REG))} (the others apply a "
                              "non-linear link to the margin)")
    # Base margin: what XGBoost adds to the trees' sum, measured on probe points (robust to how each
    # version stores base_score).
    rng = np.random.default_rng(0)
    probe = rng.normal(size=(8, k)).astype(np.float32)   # on the booster's own input, walked by its own trees
    on_z = trees if isinstance(aff, Affine) and aff.identity else _xgb_trees(booster, Affine(np.ones(k), np.zeros(k)),
                                                                             ntrees)[0]
    dmatrix = xgb.DMatrix(probe, feature_names=booster.feature_names, feature_types=booster.feature_types)
    margin = booster.predict(dmatrix, output_margin=True, iteration_range=(0, rounds))
    margin = np.asarray(margin, dtype=np.float64).reshape(len(probe), -1)
    base = np.median(margin - _raw_tree_predict(on_z, probe.astype(np.float64)), axis=0)
    name = type(est).__name__
    total = float(np.max(np.abs(base))) + sum(float(np.max(np.abs(t.value))) for t in trees)
    vb = leaf_bits(total)
    title = f"XGBoost {name} ({objective}, {len(trees)} trees, {n} features), converted to pyleo."
    opts_name = opts.name or ("xgb_classifier" if objective in _XGB_CLASS else "xgb_regressor")
    opts = dataclasses.replace(opts, name=opts_name)
    missing = getattr(wrapper, "missing", np.nan)
    missing_value = None if missing is None or np.isnan(missing) else float(missing)
    if objective in _XGB_REG:
        return tree_spec(model, est, aff, n, opts, "regressor", trees, "regress", base[:1], vb, title,
                          missing_value=missing_value)
    if objective == "binary:logitraw":   # XGBClassifier.predict: class 1 when the raw margin is > 0.5
        base = base - 0.5
    if classes is None:
        classes = list(range(max(K, 2)))
    classes = list(np.asarray(classes).tolist())
    head = "positive" if K == 1 else "argmax"
    return tree_spec(model, est, aff, n, opts, "classifier", trees, head, base, vb, title, classes,
                      missing_value=missing_value)


def load_xgboost_file(path: str | os.PathLike[str]) -> Any:
    """An ``xgboost.Booster`` from a model saved with ``save_model`` (JSON or UBJSON)."""
    try:
        import xgboost as xgb
    except ImportError:  # pragma: no cover
        raise ConversionError("reading XGBoost models needs the xgboost package: pip install xgboost") from None
    try:
        return xgb.Booster(model_file=str(path))
    except xgb.core.XGBoostError as e:
        raise ModelInputError(f"{path} is not an XGBoost model file: {str(e).splitlines()[0]}") from None


FAMILIES = ("XGBClassifier, XGBRegressor, Booster (alone or behind Pipeline steps as "
            "scikit-learn's trees; JSON / UBJSON files)")
"""What this frontend converts, in words."""

PRIVATE = "XGBoost (thresholds and leaf values private, the trees' shape public)"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is an XGBoost model, or a scikit-learn Pipeline ending in one."""
    return ends_in(obj, "xgboost")


def load(path: str | os.PathLike[str]) -> Any:
    """The ``xgboost.Booster`` in a JSON / UBJSON model file (:func:`load_xgboost_file`)."""
    return load_xgboost_file(path)


class BoosterPredictor:
    """A bare ``xgboost.Booster`` as the float model: ``predict(X)`` is what ``XGBClassifier`` /
    ``XGBRegressor`` would answer (class 1 when the prediction is > 0.5, argmax of the class
    probabilities, or the value)."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, X: np.ndarray) -> np.ndarray:
        import xgboost as xgb

        b = self.booster
        objective = json.loads(b.save_raw("json"))["learner"]["objective"]["name"]
        out = np.asarray(b.predict(xgb.DMatrix(X, feature_names=b.feature_names, feature_types=b.feature_types)))
        if objective in _XGB_REG:
            return out.astype(np.float64)
        if objective == "multi:softmax":
            return out.astype(np.int64)
        return np.argmax(out, axis=1) if out.ndim == 2 else (out > 0.5).astype(np.int64)


def float_model(model: Any) -> Any:
    """What the circuit is checked against: a Booster's :class:`BoosterPredictor`, else the model."""
    return BoosterPredictor(model) if type(model).__name__ == "Booster" else model


def _describe(model: Any) -> pipeline.Describe:
    return pipeline.described(lambda opts: _spec(model, opts), float_model(model), type(final_step(model)).__name__)


def build_spec(model: Any, X: Any = None, **options: Any) -> Spec:
    """The :class:`Spec` of an XGBoost model, without the self-check (:func:`from_xgboost`'s options)."""
    return pipeline.describe(_describe(model), X, n_features=getattr(model, "n_features_in_", None), **options)[0].spec


def from_xgboost(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                 inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted XGBoost model (``xgboost.Booster``, ``XGBClassifier`` or ``XGBRegressor``, or a
    JSON / UBJSON model file path) to a :class:`ZkModel`: the same options as :func:`~stdlib_ml.from_sklearn`.
    A missing value (NaN, or the wrapper's ``missing``) follows each node's default branch."""
    if isinstance(model, (str, os.PathLike)):
        model = load_xgboost_file(model)
    return pipeline.convert(_describe(model), X, n_features=getattr(model, "n_features_in_", None),
                            input_range=input_range, input_bits=input_bits, name=name, missing_values=missing_values,
                            weights=weights, inputs=inputs, output=output, min_agreement=min_agreement,
                            max_error=max_error, strict=strict, check_rows=check_rows)
