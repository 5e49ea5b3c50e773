"""Scores that are polynomials in the raw inputs (a poly-kernel SVM's expansion, PolynomialFeatures in front
of a linear model): one coefficient per monomial, computed in float64 where terms cancel, then one dense
layer over the monomials in the circuit, every term at the scores' scale. Imports no ML framework."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .quantize import dense_bound, input_bound, qint
from .render import Spec

Monomial = tuple[int, ...]
"""The inputs multiplied (sorted, with repeats): (0, 0, 2) is x0²·x2; () is the constant."""


def expand(factors: Sequence[tuple[np.ndarray, np.ndarray]], powers: np.ndarray) -> dict[Monomial, np.ndarray]:
    """Π_j (a_j·x + b_j)**powers[j] as a polynomial in x: {monomial: coefficient}. ``factors``: per j the
    linear form (a_j (n,), b_j scalar) as arrays; every coefficient is a scalar (0-d array)."""
    poly: dict[Monomial, np.ndarray] = {(): np.asarray(1.0)}
    for (a, b), p in zip(factors, powers):
        for _ in range(int(p)):
            nxt: dict[Monomial, np.ndarray] = {}
            for mono, coef in poly.items():
                nxt[mono] = nxt.get(mono, np.asarray(0.0)) + coef * float(b)
                for j, aj in enumerate(np.ravel(a)):
                    if aj != 0.0:
                        key = tuple(sorted(mono + (j,)))
                        nxt[key] = nxt.get(key, np.asarray(0.0)) + coef * float(aj)
            poly = nxt
    return poly


def monomial_layer(spec: Spec, coef: np.ndarray, const: np.ndarray, monos: list[Monomial], ib: np.ndarray,
                   low: np.ndarray, high: np.ndarray, score_bits: int) -> tuple[int, int]:
    """Add to ``spec`` the scores ``coef·mono(x) + const`` (coef: (outputs, monomials) floats, const:
    (outputs,)) on the inputs at 2**ib over [low, high]: parameters Q (column J at 2**(S − Σ ib[J])) and
    C (at 2**S), the monomials (len(J) − 1 products each) and one dense layer, as ``scores``. S puts the
    largest term at about 2**score_bits over the range. Returns (bound on |score|, S)."""
    inb = input_bound(low, high, ib)
    mono_bits = np.asarray([int(sum(int(ib[j]) for j in J)) for J in monos])
    mono_bound = [math.prod(int(inb[j]) for j in J) for J in monos]
    reach = np.maximum(np.abs(low), np.abs(high))
    top = max([float(np.max(np.abs(coef[:, c]))) * float(np.prod(reach[list(J)])) for c, J in enumerate(monos)]
              + [float(np.max(np.abs(const)))])
    S = score_bits - math.ceil(math.log2(len(monos) + 1)) - math.ceil(math.log2(max(top, 1e-300)))
    Q, C = qint(coef, S - mono_bits[None, :]), qint(const, S)
    spec.param("Q", Q, f"per output, the coefficient of each monomial, column J at 2**({S} − Σ IN_BITS[J])")
    spec.param("C", C, f"per output, the constant term at 2**{S}")
    spec.body += ["mono = [" + ", ".join(" * ".join(f"xf[{j}]" for j in J) for J in monos) + "]",
                  "scores = linalg.dense(Q, mono, C)"]
    return int(max(dense_bound(Q, C, np.asarray(mono_bound, dtype=object)))), S
