"""Kernel support-vector machines (scikit-learn's ``SVC`` / ``NuSVC``, ``SVR`` / ``NuSVR``) as one description: the
polynomial kernel exactly in fixed point; the kernels that need an exponential or tanh (rbf, sigmoid)
are refused with their reason. Framework-free: the frontend hands in the fitted arrays."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .model import ConversionError
from .options import Options
from .quantize import (Affine, LinearMap, dense_bound, feature_range, input_bits_for, input_bound, new_spec, pow2,
                       qint, refuse_scores, score_head, sign_width)
from .polynomial import monomial_layer
from .render import Spec

KERNEL_RESOLUTION = 20
"""At most this many input steps per feature's spread (as bits), and weight bits, for kernel SVMs: both
are lowered together until the kernel arguments fit the bits that the power leaves (the pair scores'
sign test is at most 128 bits wide)."""

SCORE_BITS = 118
"""The largest |pair score| a kernel SVM's circuit may reach, in bits (its sign test is at most 128 bits wide)."""

PRIMAL_MONOMIALS = 600
"""A poly kernel with at most this many monomials of degree ≤ d in the inputs is expanded into them
(:func:`_primal`: the support vectors' terms cancel in float64, not in the circuit); more keep the
support vectors (:func:`kernel_svc_spec`)."""

MIN_KERNEL_BITS = 16
"""A kernel argument quantized to fewer bits than this is refused as too coarse (a high degree)."""


def kernel_svc_spec(est: Any, support: np.ndarray, dual: np.ndarray, intercept: np.ndarray, n_support: np.ndarray,
                    kernel: str, gamma: float, coef0: float, degree: int, aff: Affine | LinearMap, n: int,
                    opts: Options, classes: list[Any], model_range: tuple[np.ndarray, np.ndarray] | None) -> Spec:
    """Model file for a kernel SVC: per support vector s the kernel argument
    ``t_s = gamma·⟨s, z⟩ + coef0`` (z the scalers' / steps' output, folded: a dense layer on the raw
    inputs, 0 constraints), ``t_s**degree`` (degree − 1 products each), then per pair of classes
    (i, j) libsvm's decision ``Σ_{s∈i} dual[j−1][s]·K_s + Σ_{s∈j} dual[i][s]·K_s + intercept``
    (one dense layer): two classes, class 1 when it is > 0; more, one-vs-one votes (first class on
    ties). ``support`` (m, k), ``dual`` (classes − 1, m), ``intercept`` (pairs,), ``n_support`` per
    class, as scikit-learn keeps them (the binary case's signs already flipped). Exact in fixed point:
    the only rounding is of the inputs and parameters. Raises :class:`ConversionError` for the rbf and
    sigmoid kernels (an exponential or tanh per support vector, which a circuit can only approximate)
    and for a degree too high for the circuit's 128-bit sign tests."""
    name = type(est).__name__
    _check_kernel(name, kernel, degree)
    K = len(classes)
    m = len(support)
    starts = np.concatenate([[0], np.cumsum(n_support)])
    pairs = [(i, j) for i in range(K) for j in range(i + 1, K)]
    A = np.zeros((len(pairs), m))
    for p, (i, j) in enumerate(pairs):
        A[p, starts[i]:starts[i + 1]] = dual[j - 1, starts[i]:starts[i + 1]]
        A[p, starts[j]:starts[j + 1]] = dual[i, starts[j]:starts[j + 1]]
    W, b = gamma * np.asarray(support, dtype=np.float64), np.full(m, float(coef0))
    if isinstance(aff, LinearMap):
        W, b = aff.fold(W, b)
        aff = Affine(np.ones(n), np.zeros(n))
    low, high, unit = feature_range(opts, n, model_range)
    if math.comb(n + degree, degree) - 1 <= PRIMAL_MONOMIALS:
        W, b = W * aff.d[None, :], b + W @ aff.e   # t_s = W_s·x + b_s on the raw inputs
        spec, bound, S = _primal(est, name, W, b, A, np.asarray(intercept, dtype=np.float64), degree, n, opts, low,
                                 high, unit)
        return _head(spec, opts, name, classes, bound, S)
    # the pair scores Σ DUAL·t**degree must stay below 2**SCORE_BITS: the dual coefficients and each factor
    # of the kernel get equal shares (the terms cancel to a small decision: both need relative precision)
    t_bits = a_bits = (SCORE_BITS - math.ceil(math.log2(m + 1))) // (degree + 1)
    if t_bits < MIN_KERNEL_BITS:
        raise ConversionError(f"{name}(kernel='poly', degree={degree}) with {m} support vectors leaves the kernel "
                              f"argument {t_bits} bits in a 128-bit sign test; at least {MIN_KERNEL_BITS} are needed",
                              hint="a lower degree, or fewer support vectors")
    for resolution in range(KERNEL_RESOLUTION, 5, -1):   # inputs and weights alike fine, until t fits t_bits
        ib = input_bits_for(opts, unit, low, high, resolution)
        Wq, bq, S = aff.fold_dense(W, b, ib, resolution)
        tb = int(max(dense_bound(Wq, bq, input_bound(low, high, ib))))
        if tb < 2**t_bits or opts.input_bits is not None:
            break
    Sa = a_bits - math.ceil(math.log2(max(float(np.max(np.abs(A))), 1e-300)))
    Aq = qint(A, Sa)
    cq = qint(np.asarray(intercept, dtype=np.float64), Sa + degree * S)
    bound = int(max(dense_bound(Aq, cq, np.full(m, tb**degree, dtype=object))))
    spec = new_spec(est, opts, n, "classifier", low, high, ib,
                    f"{name} (poly kernel, degree {degree}, {m} support vectors, {K} classes, {n} features), "
                    "converted to pyleo.")
    spec.notes.append(f"Kernel: t_s = γ·⟨s, z⟩ + coef0 per support vector (a dense layer at 2**{S}), K_s = t_s**{degree} "
                      f"({degree - 1} product(s) each, at 2**({degree}·{S})), then libsvm's pair decisions "
                      "Σ DUAL·K + INTERCEPT: exact in fixed point.")
    spec.param("SV", Wq, f"γ·support vector{' × the scalers’ factors' if not aff.identity else ''}, column j at "
               f"2**({S} − IN_BITS[j])")
    spec.param("SV0", bq, f"coef0 (+ γ·⟨s, scalers' shift⟩) at 2**{S}")
    spec.param("DUAL", Aq, f"dual coefficients per pair of classes, at 2**{Sa}")
    spec.param("INTERCEPT", cq, f"intercept per pair, at 2**({Sa} + {degree}·{S})")
    power = " * ".join(["t[s]"] * degree)
    spec.body += ["t = linalg.dense(SV, xf, SV0)", f"k = [{power} for s in range({m})]",
                  "scores = linalg.dense(DUAL, k, INTERCEPT)"]
    return _head(spec, opts, name, classes, bound, Sa + degree * S)


def _check_kernel(name: str, kernel: str, degree: int) -> None:
    """Raise :class:`ConversionError` unless the kernel is a polynomial of degree >= 1 (rbf and sigmoid
    take an exponential or tanh per support vector, which a circuit can only approximate)."""
    if kernel in ("rbf", "sigmoid"):
        raise ConversionError(f"{name}(kernel={kernel!r}) is not supported: its kernel takes "
                              f"{'exp(−γ‖x − s‖²)' if kernel == 'rbf' else 'tanh(γ⟨x, s⟩ + coef0)'} of every support "
                              "vector, which a circuit can only approximate, and no approximation with an error bound "
                              "the fidelity check could guard is implemented yet",
                              hint="kernel='poly' (exact in fixed point) or 'linear' convert")
    if kernel != "poly":
        raise ConversionError(f"{name}(kernel={kernel!r}) is not supported (linear and poly kernels convert)")
    if degree < 1:
        raise ConversionError(f"{name}(kernel='poly', degree={degree}) is constant: nothing to prove")


def kernel_svr_spec(est: Any, support: np.ndarray, dual: np.ndarray, intercept: float, kernel: str, gamma: float,
                    coef0: float, degree: int, aff: Affine | LinearMap, n: int, opts: Options,
                    model_range: tuple[np.ndarray, np.ndarray] | None) -> Spec:
    """Model file for a poly-kernel SVR / NuSVR: ``Σ_s dual[s]·(γ⟨s, z⟩ + coef0)**degree + intercept``
    expanded into monomials of the raw inputs (:func:`_primal`), the 128-bit sum output as its top 64
    bits (``models.high_i64``). Raises :class:`ConversionError` for rbf / sigmoid kernels and for more
    than :data:`PRIMAL_MONOMIALS` monomials."""
    name = type(est).__name__
    _check_kernel(name, kernel, degree)
    refuse_scores(opts, name, {})
    if math.comb(n + degree, degree) - 1 > PRIMAL_MONOMIALS:
        raise ConversionError(f"{name}(kernel='poly', degree={degree}) on {n} features has "
                              f"{math.comb(n + degree, degree) - 1} monomials; at most {PRIMAL_MONOMIALS} convert",
                              hint="a lower degree, or fewer features")
    W, b = gamma * np.asarray(support, dtype=np.float64), np.full(len(support), float(coef0))
    if isinstance(aff, LinearMap):
        W, b = aff.fold(W, b)
        aff = Affine(np.ones(n), np.zeros(n))
    low, high, unit = feature_range(opts, n, model_range)
    W, b = W * aff.d[None, :], b + W @ aff.e
    spec, _, S = _primal(est, name, W, b, np.atleast_2d(dual), np.atleast_1d(float(intercept)), degree, n, opts, low,
                         high, unit, "regressor")
    spec.imports.add("models")
    spec.out_scale = f"2**{S - 64}"
    spec.body.append("return models.high_i64(scores[0])")
    return spec


def _head(spec: Spec, opts: Options, name: str, classes: list[Any], bound: int, scale_bits: int) -> Spec:
    """The pair scores ``scores`` (each of magnitude ≤ ``bound``, at 2**scale_bits) to a label: two
    classes, class 1 when > 0 (or the decision_function / a threshold on it); more, one-vs-one votes."""
    K = len(classes)
    spec.classes = classes
    spec.imports |= {"models", "reduce"}
    if K == 2:
        if not score_head(spec, opts, "scores", 1, bound, 2**scale_bits, {"decision_function": "identity"}, name):
            spec.use(f"label = models.positive_label({sign_width(bound + 1, 32)})", f"|score| <= {pow2(bound)}")
            spec.body.append("return label(scores[0])")
        return spec
    refuse_scores(opts, f"{name} with {K} classes (one-vs-one)", {})
    spec.use(f"votes = models.ovo_votes({K}, {sign_width(bound + 1)})", f"|pair score| <= {pow2(bound)}")
    spec.use("argmax = reduce.argmax(32)", "votes are small integers")
    spec.body.append("return argmax(votes(scores))")
    return spec


def _primal(est: Any, name: str, W: np.ndarray, b: np.ndarray, A: np.ndarray, intercept: np.ndarray, degree: int,
            n: int, opts: Options, low: np.ndarray, high: np.ndarray, unit: np.ndarray,
            kind: str = "classifier") -> tuple[Spec, int, int]:
    """The pair scores Σ_s A[p][s]·(W_s·x + b_s)**degree + intercept_p expanded, in float64, into one
    coefficient per monomial of x of degree ≤ ``degree`` (the support vectors' terms cancel there, not
    in the circuit): the circuit computes each monomial (degree − 1 products at most) and one dense layer
    over them, every term at the scores' scale 2**S. Returns (spec, bound on |score|, S)."""
    monos = [J for k in range(1, degree + 1) for J in itertools.combinations_with_replacement(range(n), k)]
    coef = np.zeros((len(A), len(monos)))
    const = intercept + A @ b**degree
    for col, J in enumerate(monos):
        counts = np.bincount(np.asarray(J), minlength=n)
        k = len(J)
        multi = math.factorial(k) / math.prod(math.factorial(int(c)) for c in counts)
        term = math.comb(degree, k) * multi * b ** (degree - k) * np.prod(W[:, list(J)], axis=1)
        coef[:, col] = A @ term
    ib = input_bits_for(opts, unit, low, high, KERNEL_RESOLUTION)
    spec = new_spec(est, opts, n, kind, low, high, ib,
                    f"{name} (poly kernel, degree {degree}, {len(A[0])} support vectors, {n} features), converted to "
                    "pyleo: the kernel expansion's monomials.")
    spec.notes.append(f"The kernel sum Σ_s DUAL·(γ⟨s, z⟩ + coef0)**{degree} expanded into {len(monos)} monomials of x "
                      "(coefficients in float64, then at the scores' scale): exact in fixed point but for that rounding.")
    bound, S = monomial_layer(spec, coef, const, monos, ib, low, high, SCORE_BITS)
    return spec, bound, S
