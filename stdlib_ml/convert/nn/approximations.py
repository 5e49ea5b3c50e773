"""The approximated activations: piecewise-linear interpolations on fixed knots (:class:`Approximation`), each
with its error bound (:data:`APPROXIMATIONS`); ``exp_neg``'s knots chosen for a proved bound (:func:`exp_knots`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


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


def exp_knots(error: float) -> tuple[float, ...]:
    """Knots on u >= 0 at which the interpolation of exp(−u) is off by at most ``error``, proved: exp(−u)
    is convex, so on [a, b] the chord lies above it by at most (b − a)²/8·max exp''(u) = (b − a)²/8·exp(−a)
    (the linear interpolation's error bound); each next knot is a + √(8·error·exp(a)); past the last knot T,
    where exp(−T) <= error, the interpolation stays exp(−T) (slope 0): off by at most exp(−T)."""
    t = [0.0]
    while math.exp(-t[-1]) > error:
        t.append(t[-1] + math.sqrt(8.0 * error * math.exp(t[-1])))
    return tuple(t)


EXP_ERROR = 1e-3
"""The proved bound on |interpolation − exp(−u)| for u >= 0 of the ``exp_neg`` approximation (an rbf
kernel's exp(−γ‖x − s‖²)): :func:`exp_knots` (25 knots)."""

ACTIVATION_SCALE = 10
"""A recurrent layer's gate input is floored to steps of 2**-ACTIVATION_SCALE (or the products' finer
2**-(resolution + 8) when that is coarser) before its approximated activation, so each knot's sign test is a 16-bit
cast (17 constraints) for inputs within ±32, where 2**-(resolution + 8) made it 32-bit (33): the floor moves the
activation's input by less than 2**-10, its output by less than that times the activation's largest slope (1/4 for
sigmoid, 1 for tanh), a tenth of the approximations' own errors (0.0116 / 0.0233); the conversion's fidelity check
guards the labels. Measured on examples/sequence_gru.py (docs/split.md)."""

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
    "exp_neg": Approximation(lambda u: np.exp(-u), exp_knots(EXP_ERROR), -1.0, 0.0, 0.0, (0.0, 40.0)),
    "exp": Approximation(np.exp, (-8.0, -5.0, -3.5, -2.5, -1.75, -1.25, -0.75, -0.35, 0.0), 0.0, 1.0, 0.0, (-20.0, 0.0)),
}
"""The activations a circuit approximates (``approximate=False`` refuses them instead), each with its
measured error bound (:class:`Approximation`; the bounds are filled in below from the knots). ``exp_neg``
is exp(−u) for u >= 0 only (a squared distance; left of 0 it follows the tangent 1 − u); ``exp`` holds for
x ≤ 0 only (its bound is measured on [-20, 0]): softmax applies it to x − max(x)."""


def _measure(ap: Approximation) -> float:
    """The largest error on a 10**5-point grid, plus 10**-6 (the maximum between grid points, where
    the error's slope is 0, differs from the grid's by far less)."""
    x = np.linspace(*ap.checked_range, 100_001)
    return float(np.max(np.abs(ap(x) - ap.function(x)))) + 1e-6


APPROXIMATIONS = {k: Approximation(a.function, a.knots, a.left_slope, a.right_slope, _measure(a), a.checked_range)
                  for k, a in APPROXIMATIONS.items()}
LAYER_APPROXIMATIONS = tuple(k for k in APPROXIMATIONS if k not in ("exp_neg", "exp"))
"""The approximated activations a framework's layer maps to (``exp_neg`` is an rbf kernel's and ``exp`` a
softmax's, not a layer's)."""
