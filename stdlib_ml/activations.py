"""Activations on field values standing for fixed-point numbers at some scale S (= 2**bits).

Each non-linearity is built on one sign test (:mod:`stdlib_ml.compare`), so its cost is that of the
sign test (34 constraints at width 32, 66 at width 64, as a ReLU) per comparison it needs. None divides: where
a slope or offset is fractional, the output's scale grows instead (documented per function), which
keeps results exact.

Factories take the sign-test width (``relu(32)``); ``relu64`` etc. are ready-made.
"""

from __future__ import annotations

from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .compare import is_nonneg
from .factories import runs_on_values


@cache
def _relu(bits: int = 64) -> DslFunction:
    nonneg = is_nonneg(bits)

    @pl.inline
    def relu_one(v: pl.Field) -> pl.Field:
        """max(v, 0)."""
        return v if nonneg(v) else 0

    relu_one.name = f"relu{bits}"
    return relu_one


@cache
def _relu_vec(bits: int = 64) -> DslFunction:
    one = _relu(bits)

    @pl.inline
    def relu_all(v: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
        """[max(v_i, 0) for each i]."""
        return [one(v[i]) for i in range(N)]  # noqa: F821 (N: generic size)

    relu_all.name = f"relu_vec{bits}"
    return relu_all


@runs_on_values(elementwise=_relu_vec)
def relu(bits: int = 64) -> DslFunction:
    """ReLU of one value: max(v, 0). One sign test; same scale as the input. ``relu(v)`` on a list or
    array of values runs it on each (width 64)."""
    return _relu(bits)


@runs_on_values()
def relu_vec(bits: int = 64) -> DslFunction:
    """ReLU of every element of a vector: one sign test per element. ``relu_vec(v)`` runs it on values."""
    return _relu_vec(bits)


@cache
def leaky_relu(slope_num: int, slope_shift: int, bits: int = 64) -> DslFunction:
    """Leaky ReLU with slope ``slope_num / 2**slope_shift``; the output's scale is ``S * 2**slope_shift``.

    Exact: positive values are multiplied by ``2**slope_shift``, negative ones by ``slope_num``.
    """
    nonneg = is_nonneg(bits)
    up = 2**slope_shift

    @pl.inline
    def leaky(v: pl.Field) -> pl.Field:
        """v·2^k if v ≥ 0 else v·slope_num (scale grows by 2^k)."""
        return v * up if nonneg(v) else v * slope_num

    leaky.name = f"leaky_relu{bits}"
    return leaky


@cache
def hard_tanh(one: int, bits: int = 64) -> DslFunction:
    """clip(v, -1, 1) where ``one`` is 1.0 at the input's scale. Two sign tests; same scale."""
    nonneg = is_nonneg(bits)

    @pl.inline
    def htanh(v: pl.Field) -> pl.Field:
        """-1 below -1, 1 above 1, v between."""
        hi: pl.Field = v if nonneg(one - v) else one
        return hi if nonneg(hi + one) else 0 - one

    htanh.name = f"hard_tanh{bits}"
    return htanh


@cache
def hard_sigmoid(one: int, bits: int = 64) -> DslFunction:
    """clip(v/6 + 1/2, 0, 1), returned at 6× the input's scale (``one`` is 1.0 at the input's scale).

    Output y stands for ``y / (6·one)``; two sign tests, no division.
    """
    nonneg = is_nonneg(bits)

    @pl.inline
    def hsig(v: pl.Field) -> pl.Field:
        """v + 3 clipped to [0, 6] (in units of `one`)."""
        t: pl.Field = v + 3 * one
        t = t if nonneg(t) else 0
        return t if nonneg(6 * one - t) else 6 * one

    hsig.name = f"hard_sigmoid{bits}"
    return hsig


SIGMOID_RANGE = 4.0
"""sigmoid_poly is fitted on [-SIGMOID_RANGE, SIGMOID_RANGE] and clamps outside it."""

SIGMOID_COEFFS = (0.5, 0.2166, -0.0066)
"""c0 + c1·x + c3·x³: least-squares fit of the logistic function on [-4, 4] (max |error| 0.039, tested)."""


@cache
def sigmoid_poly(in_bits: int, out_bits: int = 16, bits: int = 64) -> DslFunction:
    """Logistic function ≈ c0 + c1·x + c3·x³ on [-4, 4], clamped to [0, 1] outside.

    Input at scale 2**in_bits, output at scale 2**(3·in_bits + out_bits) (no division, so exact
    integer arithmetic); maximum error against the real logistic is :data:`SIGMOID_COEFFS`' fit error
    plus quantization of the coefficients at 2**out_bits (tested against numpy).
    """
    s_in = 2**in_bits
    lim = int(SIGMOID_RANGE * s_in)
    c0, c1, c3 = (round(c * 2**out_bits) for c in SIGMOID_COEFFS)
    out_scale_from_in3 = s_in**3
    nonneg = is_nonneg(bits)

    @pl.inline
    def sigmoid(v: pl.Field) -> pl.Field:
        """c0·S³ + c1·S²·v + c3·v³ on [-4, 4] (S the input scale); 0 below, 1 above."""
        x: pl.Field = v if nonneg(lim - v) else lim
        x = x if nonneg(x + lim) else 0 - lim
        return c0 * out_scale_from_in3 + c1 * s_in * s_in * x + c3 * x * x * x

    sigmoid.name = f"sigmoid_poly{bits}"
    return sigmoid


relu32 = relu(32)
relu64 = relu(64)
relu_vec32 = relu_vec(32)
relu_vec64 = relu_vec(64)
