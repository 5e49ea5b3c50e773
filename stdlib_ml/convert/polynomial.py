"""Scores that are polynomials in the raw inputs (a poly-kernel SVM's expansion, PolynomialFeatures in front
of a linear model): one coefficient per monomial, computed in float64 where terms cancel, then one dense
layer over the monomials in the circuit, every term at the scores' scale. Imports no ML framework."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from typing import Any

from .options import Options
from .quantize import (INPUT_RESOLUTION, classifier_head, dense_bound, feature_range, input_bits_for, input_bound,
                       new_spec, qint, refuse_scores, score_head)
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


def monomial_spec(est: Any, total: dict[Monomial, np.ndarray], n: int, opts: Options, title: str, note: str,
                  classes: list[Any] | None, links: dict[str, str]) -> Spec:
    """The model file of scores that are polynomials in the ``n`` raw inputs: ``total`` per monomial (the
    constant under ``()``) the coefficient of each output, in float64. Inputs quantized as a linear model's;
    scores as :func:`monomial_layer` makes them; a classifier (``classes``) takes the argmax (or its
    ``links`` scores, :func:`~stdlib_ml.convert.quantize.score_head`), a regressor outputs its value's top
    64 bits at 2**(S − 64). ``title`` / ``note``: the file's title and the note on what was folded."""
    total = dict(total)
    k = len(next(iter(total.values())))
    const = total.pop((), np.zeros(k))
    monos = sorted(total, key=lambda J: (len(J), J))
    coef = np.column_stack([total[J] for J in monos])
    low, high, unit = feature_range(opts, n, None)
    ib = input_bits_for(opts, unit, low, high, INPUT_RESOLUTION)
    spec = new_spec(est, opts, n, "classifier" if classes is not None else "regressor", low, high, ib,
                    f"{title} ({n} features, {len(monos)} monomials), converted to pyleo.")
    spec.imports |= {"models", "reduce"}
    spec.notes.append(note)
    bound, S = monomial_layer(spec, coef, const, monos, ib, low, high, 118)
    if classes is None:   # the value at 2**S (up to 2**118) output as its top 64 bits, at 2**(S − 64)
        refuse_scores(opts, type(est).__name__, {})
        spec.out_scale = f"2**{S - 64}"
        spec.body.append("return models.high_i64(scores[0])")
        return spec
    spec.classes = classes
    if not score_head(spec, opts, "scores", k, bound, 2**S, links, type(est).__name__):
        classifier_head(spec, "scores", bound, k)
    return spec
