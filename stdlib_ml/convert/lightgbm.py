"""The LightGBM frontend: ``LGBMClassifier``, ``LGBMRegressor`` (alone or after scalers in a scikit-learn
Pipeline), ``lightgbm.Booster`` and model ``.txt`` files → the shared tree description (numeric splits
with LightGBM's missing-value rules, categorical splits as threshold tests, the objective's decision
rule), then the one conversion sequence (:func:`~stdlib_ml.convert.pipeline.convert`), checked against
LightGBM's own ``predict``. lightgbm is imported only when a model is read.

LightGBM's rules, as its ``Tree::NumericalDecision`` / ``CategoricalDecision`` apply them to float64
inputs: a node of missing type ``NaN`` sends NaN to its default side; of type ``Zero``
(``zero_as_missing=True``) sends NaN and 0 there; of type ``None`` (``use_missing=False``, or a feature
without missing values in training) reads NaN as 0. A categorical node sends ``int(x)`` in its set left,
NaN and negative values right.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import pipeline
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .options import Options
from .quiet import silenced
from .quantize import Affine, LinearMap
from .render import Spec
from .sklearn import ends_in, final_step, unwrap
from .tree_ensembles import RawTree, TreeBuilder, category_regions, check_categorical_size, leaf_bits, raw_features, raw_thresholds, tree_spec

CLASSIFY = {"binary": "positive", "multiclass": "argmax", "multiclassova": "argmax"}
"""Objectives whose label the circuit decides exactly from the summed raw scores: binary (class 1 when the
score is > 0: the sigmoid's > 0.5), multiclass softmax and one-vs-all (the argmax: both links are monotone)."""

REGRESS = ("regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank", "rank_xendcg")
"""Objectives whose prediction is the summed raw score itself (the identity link)."""

REFUSED = {"poisson": "exp", "gamma": "exp", "tweedie": "exp", "cross_entropy": "a sigmoid",
           "cross_entropy_lambda": "log(1 + exp)"}
"""Objectives whose prediction applies a non-linear link to the score (which the circuit would have to
approximate: refused, naming it)."""

def _lgb() -> Any:
    try:
        import lightgbm
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConversionError("LightGBM models need the lightgbm package: pip install lightgbm") from None
    return lightgbm


def _booster(est: Any) -> tuple[Any, list[Any] | None]:
    """(the Booster, the wrapper's classes or None)."""
    lgb = _lgb()
    if isinstance(est, lgb.Booster):
        return est, None
    if isinstance(est, lgb.LGBMModel):
        try:
            booster = est.booster_
        except (lgb.basic.LightGBMError, AttributeError):
            raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
        classes = getattr(est, "classes_", None)
        return booster, (None if classes is None else list(np.asarray(classes).tolist()))
    raise ConversionError(f"{type(est).__name__} is not a LightGBM model")


def _objective(dump: dict[str, Any]) -> str:
    return str(dump.get("objective", "regression")).split()[0]


def _tree(node: dict[str, Any], K: int, slot: int, zero_missing: bool) -> RawTree:
    """One dumped tree (``tree_structure``) as a :class:`RawTree` in the estimator's input space (leaf
    values in column ``slot`` of K); ``zero_missing``: 0 is encoded as a missing value (the model has
    ``Zero``-type nodes), so every node says where 0 and NaN go."""
    b = TreeBuilder(K)
    onehot = np.zeros(K)

    def build(n: dict[str, Any]) -> int:
        if "leaf_value" in n or "split_feature" not in n:
            if "leaf_coeff" in n:
                raise ConversionError("LightGBM linear trees (linear_tree=True) are not supported: their leaves are "
                                      "linear models")
            v = onehot.copy()
            v[slot] = float(n.get("leaf_value", 0.0))
            return b.leaf(v)
        f, kind = int(n["split_feature"]), n["missing_type"]
        left, right = (lambda: build(n["left_child"])), (lambda: build(n["right_child"]))
        if n["decision_type"] == "==":
            cats = [int(c) for c in str(n["threshold"]).split("||")]
            if zero_missing and 0 in cats:
                raise ConversionError("a LightGBM categorical split on category 0 in a model trained with "
                                      "zero_as_missing=True: the circuit reads 0 as missing in every feature, "
                                      "where this split reads it as a category",
                                      hint="refit with zero_as_missing=False, or with categories numbered from 1")
            cuts, inside = category_regions(cats)
            return b.regions(f, cuts, inside, False, left, right)   # NaN (and a negative value) goes right
        t = float(n["threshold"])
        if kind == "NaN" and zero_missing:
            raise ConversionError("a LightGBM model with both zero_as_missing and NaN-as-missing nodes is not "
                                  "supported")
        # a missing value: the default side (types NaN, Zero); read as 0 (type None)
        missing_left = bool(n["default_left"]) if kind in ("NaN", "Zero") else 0.0 <= t
        return b.split(f, t, missing_left, left, right)

    build(node)
    return b.tree()


def describe_booster(booster: Any, aff: Affine | LinearMap) -> tuple[list[RawTree], str, int, float | None]:
    """The Booster's trees up to its best iteration (the ones ``predict`` uses), mapped through the
    scalers ``aff``: (trees, objective, values per leaf K, the missing value the circuit reads besides NaN:
    0.0 under ``zero_as_missing``, else None). Raises :class:`ConversionError` for what it cannot
    decide exactly (naming it)."""
    dump = booster.dump_model(num_iteration=booster.best_iteration or None)
    objective = _objective(dump)
    if objective in REFUSED:
        raise ConversionError(f"LightGBM objective {objective!r} predicts {REFUSED[objective]} of the trees' score, "
                              "which a circuit cannot decide exactly",
                              hint=f"objectives converted: {', '.join(list(CLASSIFY) + list(REGRESS))}")
    if objective not in CLASSIFY and objective not in REGRESS:
        raise ConversionError(f"LightGBM objective {objective!r} is not supported",
                              hint=f"objectives converted: {', '.join(list(CLASSIFY) + list(REGRESS))}")
    if dump.get("pandas_categorical"):
        raise ConversionError("a LightGBM model fitted on a pandas DataFrame's category columns reads each category by "
                              "its name (pandas_categorical), not by a number the circuit can take",
                              hint="fit on the categories' integer codes (df[col].cat.codes) as categorical_feature")
    if dump.get("average_output"):
        raise ConversionError("LightGBM random-forest mode (boosting='rf') averages its trees; not supported",
                              hint="use boosting='gbdt'")
    K = int(dump.get("num_tree_per_iteration", 1))
    infos = dump["tree_info"]
    kinds = {n.get("missing_type") for t in infos for n in _nodes(t["tree_structure"])}
    zero_missing = "Zero" in kinds
    if zero_missing and not (isinstance(aff, Affine) and aff.identity):
        raise ConversionError("a LightGBM model trained with zero_as_missing=True behind Pipeline steps: it reads "
                              "a scaled value of 0 as missing, which the circuit (reading a raw 0 as missing) "
                              "does not",
                              hint="fit the model on the raw features, or with zero_as_missing=False")
    trees = []
    for i, info in enumerate(infos):
        t = _tree(info["tree_structure"], K, i % K, zero_missing).compact()
        internal = t.left != -1
        thr, strict = raw_thresholds(np.where(internal, t.threshold, np.nan), t.feature, aff, False, float32=False)
        trees.append(dataclasses.replace(t, threshold=np.where(internal, thr, 0.0), strict=strict))
    if any(n.get("decision_type") == "==" for t in infos for n in _nodes(t["tree_structure"])):
        check_categorical_size(trees, "the LightGBM model")
    return trees, objective, K, (0.0 if zero_missing else None)


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if "split_feature" in n:
            out.append(n)
            stack += [n["left_child"], n["right_child"]]
    return out


def _spec(model: Any, opts: Options) -> Spec:
    est, aff = final_step(model), None
    if est is not model:
        est, aff, _ = unwrap(model, opts.X)
    booster, classes = _booster(est)
    n = raw_features(aff, booster.num_feature())
    if opts.X is not None and opts.X.shape[1] != n:
        raise ModelInputError(f"X has {opts.X.shape[1]} features; the model takes {n}")
    if aff is None:
        aff = Affine(np.ones(n), np.zeros(n))
    trees, objective, K, missing_value = describe_booster(booster, aff)
    if not trees:
        raise ConversionError("the LightGBM model has no trees")
    name = type(est).__name__
    total = sum(float(np.max(np.abs(t.value))) for t in trees)
    vb = leaf_bits(total)
    title = f"LightGBM {name} ({objective}, {len(trees)} trees, {n} features), converted to pyleo."
    opts = dataclasses.replace(opts, name=opts.name or ("lgbm_classifier" if objective in CLASSIFY else "lgbm_regressor"))
    if objective not in CLASSIFY:
        return tree_spec(model, est, aff, n, opts, "regressor", trees, "regress", None, vb, title,
                         missing_value=missing_value, float32=False)
    classes = classes if classes is not None else list(range(max(K, 2)))
    return tree_spec(model, est, aff, n, opts, "classifier", trees, CLASSIFY[objective], None, vb, title, classes,
                     missing_value=missing_value, float32=False)


class BoosterPredictor:
    """A bare ``lightgbm.Booster`` as the float model: ``predict(X)`` is what ``LGBMClassifier`` /
    ``LGBMRegressor`` would answer (class index 1 when the probability is > 0.5, the argmax of the class
    probabilities, or the value)."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, X: np.ndarray) -> np.ndarray:
        out = np.asarray(self.booster.predict(np.asarray(X, dtype=np.float64)))
        objective = _objective(self.booster.dump_model(num_iteration=1))
        if objective not in CLASSIFY:
            return out.astype(np.float64)
        return np.argmax(out, axis=1) if out.ndim == 2 else (out > 0.5).astype(np.int64)


def load(path: str | os.PathLike[str]) -> Any:
    """The ``lightgbm.Booster`` in a model file written by ``save_model`` (text). Raises
    :class:`ModelInputError` for a file LightGBM cannot read."""
    if not Path(path).is_file():
        raise ModelInputError(f"no such model file: {path}")
    lgb = _lgb()
    try:
        with silenced():   # LightGBM prints "[LightGBM] [Fatal] ..." before raising
            return lgb.Booster(model_file=str(path))
    except lgb.basic.LightGBMError as e:
        raise ModelInputError(f"{path} is not a readable LightGBM model file: {str(e).splitlines()[0]}") from None


FAMILIES = ("LGBMClassifier, LGBMRegressor, Booster (alone or behind Pipeline steps as "
            "scikit-learn's trees; model .txt files)")
"""What this frontend converts, in words."""

PRIVATE = "LightGBM (thresholds and leaf values private, the trees' shape public)"
"""What converts with ``weights="private"``."""

def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a LightGBM model, or a scikit-learn Pipeline ending in one."""
    return ends_in(obj, "lightgbm")


def float_model(model: Any) -> Any:
    """What the circuit is checked against: a Booster's :class:`BoosterPredictor`, else the model."""
    return BoosterPredictor(model) if type(model).__name__ == "Booster" else model


def _describe(model: Any) -> pipeline.Describe:
    return pipeline.described(lambda opts: _spec(model, opts), float_model(model), type(final_step(model)).__name__)


def from_lightgbm(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                  name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                  inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                  max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted LightGBM model (``lightgbm.Booster``, ``LGBMClassifier`` / ``LGBMRegressor``, a
    Pipeline of scalers ending in one, or the path of a model ``.txt`` file) to a :class:`ZkModel`,
    checked on ``X`` against LightGBM's own ``predict``: the same options as :func:`~stdlib_ml.from_sklearn`.

    Missing values follow LightGBM: NaN goes to each node's default side (``use_missing``), or is read
    as 0 where the node has no missing type; under ``zero_as_missing=True`` a 0 is missing too (LightGBM
    also reads 0 < |x| <= 1e-35 as zero, the circuit only an exact 0: such an input may get another label).
    Categorical splits become threshold tests on ``int(x)``. Objectives: binary, multiclass,
    multiclassova (labels) and the identity-link regressions (:data:`REGRESS`); poisson, gamma,
    tweedie and cross-entropy apply a non-linear link and are refused. Raises :class:`ConversionError`
    (naming what is not supported) and :class:`ModelInputError` (a file LightGBM cannot read, malformed
    ``X``)."""
    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    return pipeline.convert(_describe(model), X, n_features=getattr(model, "n_features_in_", None),
                            input_range=input_range, input_bits=input_bits, name=name, missing_values=missing_values,
                            weights=weights, inputs=inputs, output=output, min_agreement=min_agreement,
                            max_error=max_error, strict=strict, check_rows=check_rows)


def build_spec(model: Any, X: Any = None, **options: Any) -> Spec:
    """The :class:`Spec` of a LightGBM model, without the self-check (:func:`from_lightgbm`'s options)."""
    return pipeline.describe(_describe(model), X, n_features=getattr(model, "n_features_in_", None), **options)[0].spec
