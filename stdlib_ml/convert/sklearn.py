"""The scikit-learn frontend: fitted estimators (each alone or in a Pipeline: scalers and feature-mixing
steps measured on their ``transform`` and folded in, the steps up to a last one on raw columns or binning made the model file's
``PREPARE``) → :class:`~stdlib_ml.convert.render.Spec`, then the one conversion sequence
(:func:`~stdlib_ml.convert.pipeline.convert`). scikit-learn is imported only inside the functions that
read an estimator. Which classes convert, and how, is the table
:data:`~stdlib_ml.convert.sklearn_families.TABLE`; the families themselves are in ``sklearn_linear``,
``sklearn_trees``, ``sklearn_neighbours`` and ``hist_gradient_boosting``; Pipeline steps in
``sklearn_steps`` and ``sklearn_prepare``."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import frontends, pipeline, polynomial
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .options import Options
from .quantize import Affine, LinearMap, class_labels
from .render import Spec
from .normalizer import Normalized
from .sklearn_families import (COVERAGE, FAMILIES, PRIVATE, TABLE, Family, distance_names, linear_names, mixed_names,
                               normalized_names)
from .sklearn_linear import glm, linear_links
from .sklearn_prepare import Frame, column_indices, transformer_entries
from .sklearn_steps import (MIXING_STEPS, PREPARE_STEPS, SCALERS, active_steps, function_of, measure, mixing,
                            scaler_ops)
from .tree_ensembles import MISSING_VALUE_MODELS

__all__ = ["COVERAGE", "FAMILIES", "PRIVATE", "build_spec", "ends_in", "final_step", "float_model", "from_sklearn",
           "front", "load", "prepared", "recognises", "unwrap"]


def _scaler_affine(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(d, e) with ``step.transform(x) == d·x + e`` (:func:`measure`d and checked element-wise, then taken
    from the scaler's own parameters, :func:`scaler_ops`). A
    ``MinMaxScaler(clip=True)`` is measured without its clipping (see :func:`front`)."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    name = type(step).__name__
    if not isinstance(step, (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)):
        raise ConversionError(f"pipeline step {name} is not supported",
                              hint=f"supported in front of a model: {', '.join(SCALERS)} (element-wise affine maps); "
                              f"in front of models linear in their inputs also {', '.join(MIXING_STEPS)}")
    _fitted(step)
    if getattr(step, "clip", False):
        step = copy.copy(step)
        step.clip = False
    J, e = measure(step, n, X)
    if J.shape != (n, n) or np.any(np.abs(J - np.diag(np.diag(J))) > 1e-9 * np.abs(J).max(initial=1.0)):
        raise ConversionError(f"pipeline step {name}'s transform is not the element-wise affine map d·x + e on the "
                              "calibration rows, so it cannot be folded into the model")
    (op, a, b), = scaler_ops(step)   # the scaler's own parameters: exact where the measurement rounds (e = 0)
    return (np.asarray(a), np.asarray(b)) if op == "multiply" else (1.0 / np.asarray(b), -np.asarray(a) / np.asarray(b))


def _fitted(est: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(est)
    except NotFittedError:
        raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
    except TypeError as e:
        raise ConversionError(f"{type(est).__name__} is not a scikit-learn estimator ({e})") from None


def front(model: Any, X: np.ndarray | None = None,
          prepared: Prepared | None = None) -> tuple[Any, Affine | LinearMap | Normalized, int]:
    """(final estimator, the steps in front of it composed, number of input features): an
    :class:`Affine` when every step is an element-wise scaler, else a :class:`LinearMap` (a step of
    :data:`MIXING_STEPS` among them), or with a ``Normalizer`` among them a :class:`Normalized` (the steps
    before it and after it, each composed); ``X`` (calibration rows, raw) is where each step's fold is
    checked against its ``transform``. With ``prepared`` (:func:`prepared`), the first step is its:
    ``X`` holds the numbers it makes, and its scalers start the composition."""
    from sklearn.pipeline import Pipeline

    steps: list[Any] = []
    est = model
    if isinstance(model, Pipeline):
        steps = active_steps(model.steps[:-1])
        est = model.steps[-1][1]
    _fitted(est)
    if prepared is not None:
        steps, aff, n = steps[prepared.consumed:], prepared.start, len(prepared.start.d)
    else:
        n = getattr(model, "n_features_in_", None) or getattr(est, "n_features_in_", None)
        if n is None:
            raise ConversionError(f"{type(est).__name__} does not say how many features it takes (n_features_in_)")
        aff = Affine(np.ones(n), np.zeros(n))
    lin: LinearMap | None = None
    k, Z = int(n), X
    before: tuple[Affine | LinearMap, str] | None = None   # the steps before a Normalizer, and its norm
    for s in steps:
        name = type(s).__name__
        if name == "Normalizer":
            _fitted(s)
            if before is not None or aff.clip is not None or aff.inner is not None:
                raise ConversionError("a pipeline with two Normalizers, or clipping or a FunctionTransformer before one, "
                                      "is not supported")
            before = (lin if lin is not None else aff, s.norm)
            aff, lin = Affine(np.ones(k), np.zeros(k)), None
            Z = s.transform(Z) if Z is not None else None
            continue
        if name == "FunctionTransformer":
            function, bounds = function_of(s)
            if lin is not None or before is not None:
                after = ", ".join(mixing(model)) or "a Normalizer"
                raise ConversionError(f"FunctionTransformer(np.{function}) after {after} is not supported: only "
                                      "element-wise steps before it fold into a tree's thresholds",
                                      hint="put it first in the pipeline")
            if bounds is not None:   # np.clip: unbounded on a side given None
                lo, hi = (np.broadcast_to(np.asarray(side * np.inf if v is None else v, float), (k,))
                          for side, v in zip((-1, 1), bounds))
                aff = aff.then(np.ones(k), np.zeros(k), (lo, hi))
            else:
                aff = aff.through(function)
            Z = np.asarray(s.transform(Z), dtype=np.float64) if Z is not None else None
            continue
        if name in MIXING_STEPS:
            _fitted(s)
            J, c = measure(s, k, Z)
            if aff.clip is not None or aff.inner is not None:
                what = f"FunctionTransformer(np.{aff.functions[0]})" if aff.inner is not None else "clipping"
                raise ConversionError(f"{what} in front of {name} is not supported: the circuit would compute it "
                                      "before mixing the features", hint="refit the pipeline without it")
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
    if before is not None:
        if aff.clip is not None:
            raise ConversionError("MinMaxScaler(clip=True) after a Normalizer is not supported: clipping is not affine, "
                                  "and the circuit folds the steps after the Normalizer into the weights",
                                  hint="refit the pipeline with MinMaxScaler(clip=False)")
        return est, Normalized(before[0], before[1], lin if lin is not None else LinearMap(np.diag(aff.d), aff.e)), int(n)
    if lin is not None:
        if lin.M.shape[0] != getattr(est, "n_features_in_", lin.M.shape[0]):
            raise ConversionError(f"the pipeline's steps give {lin.M.shape[0]} features; {type(est).__name__} takes "
                                  f"{est.n_features_in_}")
        return est, lin, int(n)
    steps_at: Affine | None = aff
    while steps_at is not None:
        if np.any(steps_at.d <= 0) or not np.all(np.isfinite(steps_at.d)):
            raise ConversionError("a scaler has a zero, negative or infinite scale")
        steps_at = steps_at.inner[1] if steps_at.inner is not None else None
    return est, aff, int(n)


@dataclass
class Prepared:
    """A Pipeline's steps made numbers by ``encode``: ``entries`` (the model file's ``PREPARE``), the raw
    columns' ``names`` (a DataFrame's, or None) and number ``n_raw``, ``start``: the element-wise scalers
    the last of them applies to its numbers (identity where none), folded into the circuit, and
    ``consumed``: how many of the Pipeline's active steps they are."""

    entries: list[tuple[Any, ...]]
    names: list[str] | None
    n_raw: int
    start: Affine
    consumed: int = 1


def _names(model: Any) -> list[str] | None:
    names = getattr(model, "feature_names_in_", None)
    return [str(v) for v in names] if names is not None else None


def _between(s: Any, k: int, Z: np.ndarray | None, last: str) -> list[tuple[Any, ...]]:
    """The ``"then"`` ops (:mod:`~stdlib_ml.convert.prepare`) of a step standing between steps made numbers by
    ``encode`` (in front of ``last``): a scaler or a step of :data:`MIXING_STEPS` measured as an affine map,
    a FunctionTransformer's known function or clipping (scalers as scikit-learn computes them, :func:`scaler_ops`). Raises :class:`ConversionError` for others."""
    name = type(s).__name__
    if name == "FunctionTransformer":
        function, bounds = function_of(s)
        return [("function", function)] if bounds is None else [("clip", *bounds)]
    if name not in SCALERS + MIXING_STEPS:
        raise ConversionError(f"{name} in front of {last} is not supported",
                              hint=f"in front of a step made numbers by encode ({', '.join(PREPARE_STEPS)}): "
                              f"{', '.join(SCALERS + MIXING_STEPS)}, and FunctionTransformer with a known function")
    _fitted(s)
    if name in SCALERS:
        _scaler_affine(s, k, Z)   # refuses what is not the element-wise map its ops compute
        return scaler_ops(s) + ([("clip", *map(float, s.feature_range))] if getattr(s, "clip", False) else [])
    J, c = measure(s, k, Z)
    return [("affine", J.tolist(), c.tolist())]


def prepared(model: Any, X: Any) -> Prepared | None:
    """The :class:`Prepared` of ``model``'s steps up to its last one of :data:`PREPARE_STEPS` (on raw
    columns, or after other steps: a binning step anywhere; alone, or a ColumnTransformer of OneHotEncoder /
    OrdinalEncoder / SimpleImputer / scalers / binning steps / a Pipeline of them / passthrough / drop),
    the steps between them ``"then"`` entries (:func:`_between`); None when it has none. ``X``: the raw
    calibration rows, where the steps are measured. Raises :class:`ConversionError` for what it cannot
    express."""
    from . import prepare

    steps = active_steps(model.steps[:-1]) if type(model).__name__ == "Pipeline" and len(model.steps) > 1 else []
    last = max((i for i, s in enumerate(steps) if type(s).__name__ in PREPARE_STEPS), default=None)
    if last is None:
        return None
    names, n_raw = _names(model), int(model.n_features_in_)
    raw = prepare.raw_rows(X, names, n_raw) if X is not None else None

    def numbers(entries: list[tuple[Any, ...]]) -> np.ndarray | None:
        """What ``entries`` make of the calibration rows (None without them)."""
        return prepare.apply(entries, raw, names, n_raw) if raw is not None else None

    entries: list[tuple[Any, ...]] = [("number", c, None) for c in range(n_raw)]   # the raw columns as they are
    start, ops, first = Affine(np.ones(n_raw), np.zeros(n_raw)), [], True
    for step in steps[:last + 1]:
        then = [("then", ([] if start.identity else [("multiply", start.d.tolist(), start.e.tolist())]) + ops)]
        k = _width(then[0][1], len(start.d))
        base = [] if first else entries + then          # a first step reads the raw columns
        read = [("number", c, None) for c in range(k)]
        if type(step).__name__ not in PREPARE_STEPS:
            ops += _between(step, k, numbers(entries + then + read), type(steps[last]).__name__)
            first = False
            continue
        _fitted(step)
        blocks = ([(t, column_indices(step, cols, k, names if first else None)) for _, t, cols in step.transformers_]
                  if type(step).__name__ == "ColumnTransformer" else [(step, list(range(k)))])
        entries, scales = base, []
        for trans, cols in blocks:
            if isinstance(trans, str) and trans == "drop" or not cols:
                continue
            block, inner = transformer_entries(trans, cols)
            entries = entries + block
            w = prepare.width(block)
            scales.append((np.ones(w), np.zeros(w)) if inner is None else _scaler_affine(inner, w, numbers(base + block)))
        start = Affine(np.concatenate([d for d, _ in scales]), np.concatenate([e for _, e in scales]))
        ops, first = [], False
    return Prepared(entries, names, n_raw, start, last + 1)


def _width(ops: list[tuple[Any, ...]], k: int) -> int:
    """How many columns the ``"then"`` ``ops`` make of ``k`` numbers."""
    affine = [op for op in ops if op[0] == "affine"]
    return len(affine[-1][2]) if affine else k


def unwrap(model: Any, X: np.ndarray | None = None) -> tuple[Any, Affine | LinearMap, int]:
    """:func:`front` for tree models: (final estimator, the steps in front composed, number of raw input
    features): element-wise scalers (an :class:`Affine`, folded into the thresholds) or steps mixing or
    selecting features (a :class:`LinearMap`, :func:`~stdlib_ml.convert.tree_ensembles.tree_spec`). Raises
    :class:`ConversionError` for a Normalizer (a tree would compare x_k/‖x‖ with a threshold)."""
    est, aff, n = front(model, X)
    if isinstance(aff, Normalized):
        raise ConversionError(f"Normalizer in front of {type(est).__name__} is not supported: each split would "
                              "compare x_k/‖x‖ with its threshold, a division (or a product with the norm) per node",
                              hint=f"Normalizer converts in front of {', '.join(normalized_names())} (labels only)")
    return est, aff, n


def _family(est: Any) -> Family:
    """The family of :data:`TABLE` that converts ``est``. Raises :class:`ConversionError` naming what converts."""
    family = next((f for f in TABLE if f.takes(est)), None)
    if family is None:
        from sklearn.base import is_classifier, is_regressor

        what = "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else "estimator"
        raise ConversionError(f"{type(est).__name__} is not supported (an unsupported {what})", hint=frontends.supported())
    return family


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


def _squares(step: Any) -> bool:
    """Whether ``step`` is FunctionTransformer(np.square) (no kw_args): monomials x_j², as a polynomial step."""
    return type(step).__name__ == "FunctionTransformer" and step.func is np.square and not step.kw_args


class _Squares:
    """FunctionTransformer(np.square) read as the PolynomialFeatures it is: one monomial x_j² per feature."""

    def __init__(self, n: int) -> None:
        self.powers_, self.degree, self.what = 2 * np.eye(n, dtype=np.int64), 2, "FunctionTransformer(np.square)"

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.square(X)


def _poly_features(model: Any, prep: Prepared | None, opts: Options) -> Spec | None:
    """A Pipeline with a PolynomialFeatures step (or FunctionTransformer(np.square)) in front of a model with
    ``coef_`` / ``intercept_`` (linear regressors and classifiers, GLMs, LDA): element-wise scalers before it, scalers and steps of
    :data:`MIXING_STEPS` after it, all folded in float64 into one coefficient per monomial of the raw inputs
    (:func:`~stdlib_ml.convert.polynomial.expand`); the circuit computes the monomials and one dense layer.
    None when the Pipeline has no PolynomialFeatures."""
    from sklearn.pipeline import Pipeline

    steps = active_steps(getattr(model, "steps", [])[:-1])
    if prep is not None:
        steps = steps[prep.consumed:]
    at = next((i for i, s in enumerate(steps) if type(s).__name__ == "PolynomialFeatures" or _squares(s)), None)
    if at is None:
        return None
    est, poly = model.steps[-1][1], steps[at]
    _fitted(poly)
    linear = hasattr(est, "coef_") and hasattr(est, "intercept_") and _family(est).linear
    if _squares(poly):
        if not linear:
            return None   # front refuses it, naming why
        poly = _Squares(len(prep.start.d) if prep is not None else int(model.n_features_in_))
    if not linear:
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
    total[()] = beta + total.get((), np.zeros(len(V)))
    classes = class_labels(est) if hasattr(est, "classes_") else None
    spec = polynomial.monomial_spec(est, total, n, opts, f"{type(est).__name__} behind "
                                    f"{getattr(poly, 'what', f'PolynomialFeatures(degree={poly.degree})')}",
                                    "The pipeline's steps and the model's weights are folded in float64 into one "
                                    "coefficient per monomial of the raw inputs (Q); the circuit computes the "
                                    "monomials and one dense layer.", classes, linear_links(est))
    if classes is None and _family(est).spec is glm and type(est._base_loss.link).__name__ == "LogLink":
        spec.link = "exp"
    return spec


def _describe(model: Any, missing_values: bool | None, prep: Prepared | None = None, raw: Any = None) -> pipeline.Describe:
    """The description of ``model``; ``prep``: its steps made numbers by encode (:func:`prepared`), ``raw``
    the raw calibration rows (an object array) the self-check then runs."""
    def describe(opts: Options) -> pipeline.Description:
        from . import prepare

        est = final_step(model)
        if prep is not None:   # the integers encode gives: exact inputs, at 0 fractional bits
            opts.integers = prepare.integer_ranges(prep.entries)
        spec = _poly_features(model, prep, opts)
        if spec is None:
            est, aff, n = front(model, opts.X, prep)   # X was checked against n_features_in_ (the pipeline's options)
            family = _family(est)
            if isinstance(aff, Normalized) and not family.normalized:
                if family.mixed:
                    unwrap(model, opts.X)   # refuses, naming why a tree cannot take it
                raise ConversionError(f"Normalizer in front of {type(est).__name__} is not supported: the circuit "
                                      "computes the norm, and only a linear classifier's decision needs no division "
                                      "by it", hint=f"Normalizer converts in front of {', '.join(normalized_names())}")
            if isinstance(aff, LinearMap) and not (family.linear or family.mixed or family.distances):
                raise ConversionError(f"{type(est).__name__} behind {', '.join(mixing(model))} is not supported: it "
                                      "measures distances or densities (squares of the features those steps mix) "
                                      "beyond a nearest-point ranking", hint="models linear in their inputs, tree "
                                      "models, the nearest-point models and GaussianNB take them: "
                                      f"{', '.join(linear_names() + mixed_names() + distance_names())}")
            if isinstance(aff, Affine) and aff.inner is not None and not family.mixed:
                raise ConversionError(f"FunctionTransformer(np.{aff.functions[0]}) in front of {type(est).__name__} "
                                      f"is not supported: {aff.functions[0]} is not a polynomial, and the circuit "
                                      "computes sums and products; tree models fold an increasing function into their "
                                      "thresholds", hint=f"tree models take it: {', '.join(mixed_names())}")
            if isinstance(aff, Affine) and aff.clip is not None and not family.mixed:
                raise ConversionError(f"clipping (MinMaxScaler(clip=True) or np.clip) in front of {type(est).__name__} "
                                      "is not supported: clipping is not affine; only tree models (whose splits lie "
                                      "inside the clipping bounds) express it exactly",
                                      hint="refit the pipeline without clipping")
            spec = family.spec(model, est, aff, n, opts)
        if missing_values and spec.missing_sides is None:
            raise ConversionError(f"{type(est).__name__} has no missing-value semantics (its predict rejects NaN), so "
                                  "missing_values=True cannot be honoured",
                                  hint=f"models that take them: {MISSING_VALUE_MODELS}")
        spec.feature_names = prep.names if prep is not None else _names(model)
        if prep is None:
            return pipeline.Description(spec, model, type(est).__name__)
        spec.prepare, spec.raw_features = prep.entries, prep.n_raw
        return pipeline.Description(spec, model if prep.names is None else Frame(model, prep.names),
                                    type(est).__name__, raw)

    return describe


def _inputs(model: Any, X: Any) -> tuple[Any, int | None, Prepared | None, Any]:
    """(calibration rows as numbers, the number of features they have, the steps made numbers by encode or
    None, the raw rows as an object array or None): a DataFrame's columns taken in the order the model
    was fitted on; with a :class:`Prepared` step, the numbers it makes of them."""
    from . import prepare

    names = _names(model)
    try:
        prep = prepared(model, X)
        if prep is None:
            if X is not None and prepare.named(X) and names is not None:
                X = prepare.raw_rows(X, names, len(names))
            return X, getattr(model, "n_features_in_", None), None, None
        raw = prepare.raw_rows(X, prep.names, prep.n_raw) if X is not None else None
        numbers = prepare.apply(prep.entries, raw, None, prep.n_raw) if raw is not None else None
        if raw is not None and prep.names is None and all(e[0] not in ("onehot", "ordinal") for e in prep.entries):
            raw = raw.astype(np.float64)   # as the model was fitted (a FunctionTransformer's NumPy function takes no objects)
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
