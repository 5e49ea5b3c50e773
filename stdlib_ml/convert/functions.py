"""NumPy's element-wise increasing functions as the converters fold them (:data:`MONOTONE`: a tree's
thresholds mapped through their inverses) and where each gives a finite number (:data:`DOMAINS`, which
``encode`` checks). Imports no ML framework and nothing of the package."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _sqrt_inverse(t: np.ndarray) -> np.ndarray:
    return np.where(t >= 0, np.square(t), -np.inf)   # sqrt(w) <= t < 0 never holds


def _log_of_positive(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, np.log(np.where(t > 0, t, 1.0)), -np.inf)   # exp(w) <= t <= 0 never holds


def _log1p_above(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > -1, np.log1p(np.where(t > -1, t, 0.0)), -np.inf)   # expm1(w) > -1 always


MONOTONE: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "log1p": (np.log1p, np.expm1),
    "log": (np.log, np.exp),
    "log2": (np.log2, np.exp2),
    "log10": (np.log10, lambda t: np.power(10.0, t)),
    "sqrt": (np.sqrt, _sqrt_inverse),
    "cbrt": (np.cbrt, lambda t: np.power(t, 3)),
    "exp": (np.exp, _log_of_positive),
    "expm1": (np.expm1, _log1p_above),
    "arcsinh": (np.arcsinh, np.sinh),
}
"""Element-wise increasing functions (NumPy's, by name) a tree folds into its thresholds, each with its
inverse on the reals (a bound the function never reaches maps to ±inf): f(w) <= t exactly when
w <= f⁻¹(t), up to the float64 rounding of f and f⁻¹ (which the fidelity check measures)."""


DOMAINS: dict[str, tuple[float, bool, float, bool]] = {
    "log": (0.0, False, np.inf, False), "log2": (0.0, False, np.inf, False), "log10": (0.0, False, np.inf, False),
    "log1p": (-1.0, False, np.inf, False), "sqrt": (0.0, True, np.inf, False),
    "exp": (-np.inf, False, float(np.log(np.finfo(np.float64).max)), True),
    "expm1": (-np.inf, False, float(np.log(np.finfo(np.float64).max)), True),
}
"""Where each of :data:`MONOTONE`'s functions gives a finite number (low,
low included, high, high included; a function not named: every real): below it NumPy gives NaN or -inf
(log of 0 or less, sqrt of a negative), above it +inf (exp past 709.78), where scikit-learn's predict
refuses or a folded threshold means nothing."""


def domain_text(function: str) -> str:
    """``function``'s :data:`DOMAINS` in words, e.g. ``"x > 0"``."""
    lo, lo_in, hi, hi_in = DOMAINS.get(function, (-np.inf, False, np.inf, False))
    parts = ([f"x {'>=' if lo_in else '>'} {lo:g}"] if np.isfinite(lo) else []) + (
        [f"x {'<=' if hi_in else '<'} {hi:.6g}"] if np.isfinite(hi) else [])
    return " and ".join(parts) or "every real x"


def outside(function: str, values: np.ndarray) -> np.ndarray:
    """Where ``values`` lie outside ``function``'s :data:`DOMAINS` (NaN is not outside: it stays missing)."""
    lo, lo_in, hi, hi_in = DOMAINS.get(function, (-np.inf, False, np.inf, False))
    with np.errstate(invalid="ignore"):
        return ((values < lo) if lo_in else (values <= lo)) | ((values > hi) if hi_in else (values >= hi))
