"""scikit-learn's Pipeline steps as the scikit-learn frontend reads them, without importing scikit-learn:
which steps fold in front of a model (:data:`SCALERS`, :data:`MIXING_STEPS`, :data:`PREPARE_STEPS`), how a
step's ``transform`` is measured as an affine map (:func:`measure`), which steps transform
(:func:`active_steps`), the input range a Pipeline's first scaler vouches for (:func:`scaler_range`), and
a scaler's ``transform`` as ``encode``'s ops (:func:`scaler_ops`), and how an object is recognised as a scikit-learn class (:func:`is_a`, by its classes' names and modules)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .model import ConversionError
from .functions import MONOTONE

SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
"""The Pipeline steps folded in front of a model (element-wise affine maps)."""

MIXING_STEPS = ("PCA", "TruncatedSVD", "FastICA", "SelectKBest", "SelectPercentile", "VarianceThreshold",
                "GenericUnivariateSelect")
"""Pipeline steps that are affine maps mixing or selecting features (z = M·x + c, measured on their
``transform``), folded into the estimators linear in their inputs (:data:`Family.linear`)."""

PREPARE_STEPS = ("SimpleImputer", "OneHotEncoder", "OrdinalEncoder", "Binarizer", "KBinsDiscretizer", "ColumnTransformer")
"""Pipeline steps made numbers by ``encode`` (categories, missing values, bins): the model file's ``PREPARE``
(:mod:`stdlib_ml.convert.prepare`), run on what the prover sends. Where one stands after other steps, those
run in ``encode`` too (:func:`stdlib_ml.convert.sklearn.prepared` is the one place a step's lowering is
decided: up to the last of these, ``encode``; after it, folded into the circuit)."""



def is_a(obj: Any, *names: str) -> bool:
    """Whether ``obj`` is an instance of a scikit-learn class called one of ``names`` (its class or a base
    class defined in the ``sklearn`` package): ``isinstance`` without importing scikit-learn."""
    return any(c.__module__.split(".")[0] == "sklearn" and c.__name__ in names for c in type(obj).__mro__)


def measure(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
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


def active_steps(steps: list[tuple[str, Any]]) -> list[Any]:
    """A Pipeline's steps that transform: not None, "passthrough" or a FunctionTransformer without a
    function (the identity)."""
    return [s for _, s in steps if not (s is None or (isinstance(s, str) and s == "passthrough")
                                        or (type(s).__name__ == "FunctionTransformer" and s.func is None))]


def function_of(step: Any) -> tuple[str, tuple[Any, Any] | None]:
    """A FunctionTransformer's function as the converter knows it: (a name of :data:`MONOTONE`, None) for
    NumPy's increasing functions (np.log1p, np.log, np.sqrt, np.exp …, no kw_args), or ("clip", (a_min,
    a_max)) for np.clip with fixed bounds (None: unbounded). ``inverse_func`` is never called by
    predict, so it does not matter. Raises :class:`ConversionError` naming the function and why it does
    not convert."""
    f = step.func
    name = getattr(f, "__name__", repr(f))
    kw = dict(step.kw_args or {})
    if f is np.clip:
        lo = kw.pop("a_min", kw.pop("min", None))
        hi = kw.pop("a_max", kw.pop("max", None))
        if kw or (lo is None and hi is None):
            raise ConversionError(f"FunctionTransformer(np.clip, kw_args={step.kw_args!r}) is not supported",
                                  hint="np.clip converts with fixed bounds: kw_args={'a_min': low, 'a_max': high}")
        return "clip", (lo, hi)
    if f in (np.abs, np.absolute, np.fabs, np.square):
        raise ConversionError(f"FunctionTransformer(np.{name}) is not supported here: {name} is not monotone, so a "
                              "tree's split on it would be two comparisons of the raw value; the converter folds only "
                              "increasing functions (into a tree's thresholds)"
                              + (", and np.square in front of a model with coef_ (one monomial per feature)"
                                 if f is np.square else ""),
                              hint=f"apply np.{name} to X before fit (the model then takes the transformed values)")
    known = next((k for k in MONOTONE if getattr(np, k) is f), None)
    if known is None:
        raise ConversionError(f"FunctionTransformer({name!r}) is not supported: its function is not known to the "
                              "converter", hint="FunctionTransformer converts without a function (the identity), "
                              f"with np.clip and fixed bounds, and in front of tree models with NumPy's increasing "
                              f"functions: {', '.join('np.' + k for k in MONOTONE)}")
    if kw:
        raise ConversionError(f"FunctionTransformer(np.{known}, kw_args={step.kw_args!r}) is not supported",
                              hint=f"np.{known} converts without kw_args")
    return known, None


def scaler_ops(step: Any) -> list[tuple[str, list[float], list[float]]]:
    """A fitted scaler's ``transform`` as :mod:`~stdlib_ml.convert.prepare` ops in scikit-learn's own order of
    operations (StandardScaler and RobustScaler subtract then divide, MaxAbsScaler divides, MinMaxScaler
    multiplies then adds), so that ``encode`` computes the very floats the Pipeline does."""
    name = type(step).__name__
    n = int(step.n_features_in_)

    def floats(v: Any, default: float) -> list[float]:
        return [float(x) for x in np.broadcast_to(np.asarray(default if v is None else v, np.float64), (n,))]

    if name == "MinMaxScaler":
        return [("multiply", floats(step.scale_, 1.0), floats(step.min_, 0.0))]
    if name == "MaxAbsScaler":
        return [("divide", floats(None, 0.0), floats(step.scale_, 1.0))]
    center = getattr(step, "mean_" if name == "StandardScaler" else "center_", None)
    use = step.with_mean if name == "StandardScaler" else step.with_centering
    return [("divide", floats(center if use else None, 0.0), floats(step.scale_, 1.0))]


def mixing(model: Any) -> list[str]:
    return [type(s).__name__ for _, s in getattr(model, "steps", [])[:-1] if type(s).__name__ in MIXING_STEPS]


def scaler_range(model: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A generous input range from a pipeline's first scaler's statistics that holds every row the scaler was
    fitted on: mean ± k·std with k = max(100, √(n − 1)) for n rows (no row lies further than √(n − 1) std
    from the mean: Samuelson's inequality), or min/max ± 10 spans."""
    if not is_a(model, "Pipeline") or len(model.steps) < 2:
        return None
    s = model.steps[0][1]
    if is_a(s, "StandardScaler") and s.mean_ is not None and s.scale_ is not None:
        k = max(100.0, math.sqrt(max(float(np.max(s.n_samples_seen_)) - 1.0, 0.0)))
        return s.mean_ - k * s.scale_, s.mean_ + k * s.scale_
    if is_a(s, "MinMaxScaler"):
        span = s.data_range_
        return s.data_min_ - 10 * span, s.data_max_ + 10 * span
    if is_a(s, "MaxAbsScaler"):
        return -10 * s.max_abs_, 10 * s.max_abs_
    return None

