"""The CatBoost frontend: ``CatBoostClassifier``, ``CatBoostRegressor``, ``CatBoost`` (alone or after scalers
in a scikit-learn Pipeline) and ``.cbm`` model files → the shared tree description, then the one conversion
sequence (:func:`~stdlib_ml.convert.pipeline.convert`), checked against CatBoost's own ``predict``.
catboost is imported only when a model is read.

CatBoost's trees are oblivious: every node of a level tests the same split, "float32(x) > border" (bit
1), and the leaf is the number the bits spell (the first split the lowest bit). A missing value is the
smallest value (``nan_mode='Min'``: bit 0 at every split) or the largest (``'Max'``: bit 1). The
prediction is ``scale`` · Σ leaf values + ``bias`` (the model's ``scale_and_bias``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
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
from .tree_ensembles import RawTree, TreeBuilder, leaf_bits, raw_features, raw_thresholds, tree_spec

CLASSIFY = ("Logloss", "CrossEntropy", "MultiClass", "MultiClassOneVsAll")
"""Losses whose label the circuit decides exactly: the sign of the score (binary: the sigmoid's > 0.5)
or the argmax of the scores (softmax, one-vs-all sigmoids: monotone)."""

REGRESS = ("RMSE", "MAE", "Quantile", "Expectile", "Huber", "MAPE", "Lq", "LogLinQuantile", "YetiRank", "PairLogit",
           "QueryRMSE")
"""Losses whose prediction is the score itself (the identity link)."""

REFUSED = ("Poisson", "Tweedie", "RMSEWithUncertainty", "LogCosh", "MultiRMSE")
"""Losses refused: an exp link (Poisson, Tweedie), or more than one output."""


def _cb() -> Any:
    try:
        import catboost
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConversionError("CatBoost models need the catboost package: pip install catboost") from None
    return catboost


def _loss(model: Any) -> str:
    return str(model.get_all_params().get("loss_function", "RMSE")).split(":")[0]


def _json(model: Any) -> dict[str, Any]:
    """The model as CatBoost's JSON export (its trees, borders, missing-value modes, scale and bias)."""
    with tempfile.TemporaryDirectory(prefix="pyleo-catboost-") as d:
        path = Path(d) / "model.json"
        model.save_model(str(path), format="json")
        return json.loads(path.read_text())


def describe_model(model: Any, aff: Affine | LinearMap) -> tuple[list[RawTree], np.ndarray, str, int]:
    """(trees in the raw input space, the bias added to their sum, the loss, values per leaf K) of a
    fitted CatBoost model behind the scalers ``aff``. Raises :class:`ConversionError` naming what is not
    supported (categorical, text or embedding features; non-symmetric trees; a non-identity link)."""
    loss = _loss(model)
    if loss not in CLASSIFY and loss not in REGRESS:
        why = "an exp link" if loss in ("Poisson", "Tweedie") else "its own output transformation"
        raise ConversionError(f"CatBoost loss {loss!r} predicts through {why}, which a circuit cannot decide exactly",
                              hint=f"losses converted: {', '.join(CLASSIFY + REGRESS)}")
    raw = _json(model)
    info = raw["features_info"]
    for kind in ("categorical_features", "text_features", "embedding_features"):
        if info.get(kind):
            raise ConversionError(f"CatBoost {kind.replace('_', ' ')} are not supported (their splits read statistics "
                                  "of the category, not the value)", hint="encode them as numeric features")
    if "oblivious_trees" not in raw:
        raise ConversionError("non-symmetric CatBoost trees (grow_policy Depthwise / Lossguide) are not supported",
                              hint="fit with grow_policy='SymmetricTree' (the default)")
    nan_high = {int(f["flat_feature_index"]): f.get("nan_value_treatment") == "AsTrue" for f in info["float_features"]}
    scale, bias = raw.get("scale_and_bias", [1.0, [0.0]])
    bias = np.asarray(bias, dtype=np.float64).reshape(-1)
    trees = []
    for t in raw["oblivious_trees"]:
        splits = t.get("splits", [])
        if any(s.get("split_type") != "FloatFeature" for s in splits):
            raise ConversionError("CatBoost splits on categorical or combined features are not supported")
        values = np.asarray(t["leaf_values"], dtype=np.float64) * float(scale)
        K = max(len(values) // (2 ** len(splits)), 1)
        values = values.reshape(2 ** len(splits), K)
        b = TreeBuilder(K)

        def build(level: int, leaf: int) -> int:
            if level < 0:
                return b.leaf(values[leaf])
            s = splits[level]
            f = int(s["float_feature_index"])
            return b.split(f, float(np.float32(s["border"])), not nan_high.get(f, False),
                           lambda: build(level - 1, leaf), lambda: build(level - 1, leaf | (1 << level)))

        build(len(splits) - 1, 0)
        tree = b.tree().compact()
        internal = tree.left != -1
        thr, strict = raw_thresholds(np.where(internal, tree.threshold, np.nan), tree.feature, aff, False)
        trees.append(dataclasses.replace(tree, threshold=np.where(internal, thr, 0.0), strict=strict))
    if not trees:
        raise ConversionError("the CatBoost model has no trees")
    K = trees[0].value.shape[1]
    return trees, np.broadcast_to(bias, (K,)).copy(), loss, K


def _spec(model: Any, opts: Options) -> Spec:
    est, aff = final_step(model), None
    if est is not model:
        est, aff, _ = unwrap(model, opts.X)
    if not est.is_fitted():
        raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it")
    n = (raw_features(aff, len(est.feature_names_)) if est.feature_names_ is not None
         else int(opts.X.shape[1] if opts.X is not None else 0))
    if opts.X is not None and opts.X.shape[1] != n:
        raise ModelInputError(f"X has {opts.X.shape[1]} features; the model takes {n}")
    if aff is None:
        aff = Affine(np.ones(n), np.zeros(n))
    trees, bias, loss, K = describe_model(est, aff)
    total = float(np.max(np.abs(bias))) + sum(float(np.max(np.abs(t.value))) for t in trees)
    vb = leaf_bits(total)
    name = type(est).__name__
    title = f"CatBoost {name} ({loss}, {len(trees)} oblivious trees, {n} features), converted to pyleo."
    opts = dataclasses.replace(opts, name=opts.name or ("catboost_classifier" if loss in CLASSIFY else "catboost_regressor"))
    if loss not in CLASSIFY:
        return tree_spec(model, est, aff, n, opts, "regressor", trees, "regress", bias[:1], vb, title)
    classes = getattr(est, "classes_", None)
    classes = list(np.asarray(classes).tolist()) if classes is not None and len(classes) else list(range(max(K, 2)))
    return tree_spec(model, est, aff, n, opts, "classifier", trees, "positive" if K == 1 else "argmax", bias, vb,
                     title, classes)


class CatBoostPredictor:
    """A CatBoost model (or a Pipeline ending in one) as the float model: ``predict(X)`` is its own
    ``predict`` as one label or value per row (a multiclass ``CatBoostClassifier`` answers (n, 1)); a bare
    ``catboost.CatBoost`` (read from a file) answers what ``CatBoostClassifier`` (class indices) or
    ``CatBoostRegressor`` would."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def predict(self, X: np.ndarray) -> np.ndarray:
        m = self.model
        if type(m).__name__ == "CatBoost" and _loss(m) in CLASSIFY:
            return np.asarray(m.predict(X, prediction_type="Class")).reshape(len(X)).astype(np.int64)
        return np.asarray(m.predict(X)).reshape(len(X))


def load(path: str | os.PathLike[str]) -> Any:
    """The ``catboost.CatBoost`` in a ``.cbm`` model file (``save_model``). Raises :class:`ModelInputError`
    for a file CatBoost cannot read."""
    if not Path(path).is_file():
        raise ModelInputError(f"no such model file: {path}")
    cb = _cb()
    model = cb.CatBoost()
    try:
        with silenced():
            model.load_model(str(path))
    except cb.CatBoostError as e:
        raise ModelInputError(f"{path} is not a readable CatBoost model file: {str(e).splitlines()[0]}") from None
    return model


FAMILIES = ("CatBoostClassifier, CatBoostRegressor, CatBoost (oblivious trees on numeric features, alone or behind "
            "Pipeline steps as scikit-learn's trees; .cbm files)")
"""What this frontend converts, in words."""

PRIVATE = "CatBoost (thresholds and leaf values private, the trees' shape public)"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a CatBoost model, or a scikit-learn Pipeline ending in one."""
    return ends_in(obj, "catboost")


def float_model(model: Any) -> Any:
    """What the circuit is checked against: :class:`CatBoostPredictor` of the model."""
    return CatBoostPredictor(model)


def _describe(model: Any) -> pipeline.Describe:
    return pipeline.described(lambda opts: _spec(model, opts), float_model(model), type(final_step(model)).__name__)


def build_spec(model: Any, X: Any = None, **options: Any) -> Spec:
    """The :class:`Spec` of a CatBoost model, without the self-check (:func:`from_catboost`'s options)."""
    return pipeline.describe(_describe(model), X, **options)[0].spec


def from_catboost(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                  name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                  inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                  max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted CatBoost model (``CatBoostClassifier`` / ``CatBoostRegressor`` / ``CatBoost``, a
    Pipeline of scalers ending in one, or the path of a ``.cbm`` file) to a :class:`ZkModel`, checked on
    ``X`` against CatBoost's own ``predict``: the same options as :func:`~stdlib_ml.from_sklearn`.

    Numeric features only (categorical, text and embedding features are refused, naming them);
    symmetric (oblivious) trees only; missing values as ``nan_mode`` says (Min: below every border,
    Max: above). Losses: :data:`CLASSIFY` (labels) and :data:`REGRESS` (the score); Poisson and
    Tweedie (exp link) are refused. Raises :class:`ConversionError` and :class:`ModelInputError` (a
    file CatBoost cannot read, malformed ``X``)."""
    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    return pipeline.convert(_describe(model), X, input_range=input_range, input_bits=input_bits, name=name,
                            missing_values=missing_values, weights=weights, inputs=inputs, output=output,
                            min_agreement=min_agreement, max_error=max_error, strict=strict, check_rows=check_rows)
