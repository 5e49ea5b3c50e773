"""The activations a network's circuit approximates: piecewise-linear interpolations on fixed knots
(:class:`Approximation`), each with its error bound measured on a grid (:data:`APPROXIMATIONS`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


# ---- approximated activations --------------------------------------------------------------------
def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


@dataclass(frozen=True)
class Approximation:
    """A piecewise-linear interpolation of ``function`` on ``knots`` (linear between them; outside,
    the slope ``left_slope`` / ``right_slope`` of the function's asymptote). ``max_error``: the
    largest |approximation − function| over the whole real line, measured on a 10**5-point grid of
    ``checked_range`` (outside it both sides follow the asymptotes: the error only shrinks), tested
    in tests/test_convert_nn.py. Cost: one ReLU (a sign test) per knot and element."""

    function: Callable[[np.ndarray], np.ndarray]
    knots: tuple[float, ...]
    left_slope: float
    right_slope: float
    max_error: float
    checked_range: tuple[float, float]

    def pieces(self) -> tuple[float, float, list[tuple[float, float]]]:
        """(a, s, [(t_k, Δs_k)]): f(x) ≈ a + s·x + Σ_k Δs_k·relu(x − t_k)."""
        t = np.asarray(self.knots)
        v = self.function(t)
        slopes = [self.left_slope, *np.diff(v) / np.diff(t), self.right_slope]
        a = float(v[0] - self.left_slope * t[0])
        return a, self.left_slope, [(float(tk), float(slopes[k + 1] - slopes[k])) for k, tk in enumerate(t)]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        a, s, terms = self.pieces()
        out = a + s * np.asarray(x, dtype=np.float64)
        for t, ds in terms:
            out = out + ds * np.maximum(x - t, 0.0)
        return out


APPROXIMATIONS: dict[str, Approximation] = {
    "sigmoid": Approximation(lambda x: 1.0 / (1.0 + np.exp(-x)),
                             (-6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0), 0.0, 0.0, 0.0, (-12.0, 12.0)),
    "tanh": Approximation(np.tanh, (-3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0), 0.0, 0.0, 0.0,
                          (-12.0, 12.0)),
    "gelu": Approximation(_gelu, (-4.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 4.0), 0.0, 1.0, 0.0,
                          (-12.0, 12.0)),
    "elu": Approximation(lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
                         (-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0), 0.0, 1.0, 0.0, (-12.0, 12.0)),
    "silu": Approximation(lambda x: x / (1.0 + np.exp(-x)),
                          (-8.0, -5.0, -3.5, -2.5, -1.75, -1.0, -0.5, 0.0, 0.5, 1.0, 1.75, 2.5, 3.5, 5.0, 8.0), 0.0, 1.0,
                          0.0, (-16.0, 16.0)),
    "exp": Approximation(np.exp, (-8.0, -5.0, -3.5, -2.5, -1.75, -1.25, -0.75, -0.35, 0.0), 0.0, 1.0, 0.0, (-20.0, 0.0)),
}
"""The activations a circuit approximates (``approximate=False`` refuses them instead), each with its
measured error bound (:class:`Approximation`; the bounds are filled in below from the knots). ``exp``
holds for x ≤ 0 only (its bound is measured on [-20, 0]): softmax applies it to x − max(x)."""


def _measure(ap: Approximation) -> float:
    """The largest error on a 10**5-point grid, plus 10**-6 (the maximum between grid points, where
    the error's slope is 0, differs from the grid's by far less)."""
    x = np.linspace(*ap.checked_range, 100_001)
    return float(np.max(np.abs(ap(x) - ap.function(x)))) + 1e-6


APPROXIMATIONS = {k: Approximation(a.function, a.knots, a.left_slope, a.right_slope, _measure(a), a.checked_range)
                  for k, a in APPROXIMATIONS.items()}
