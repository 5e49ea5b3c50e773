"""Kernel support-vector machines (scikit-learn's ``SVC`` / ``NuSVC``, ``SVR`` / ``NuSVR``) as one description: the
polynomial kernel exactly in fixed point; the kernels that need an exponential or tanh (rbf, sigmoid)
as a network whose kernel is a piecewise-linear interpolation with a proved error bound, summed over the
support vectors into a bound on each decision value that the fidelity check guards (:func:`kernel_network`).
Framework-free: the frontend hands in the fitted arrays."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from pyleo import limits

from .model import ConversionError
from .options import Options
from .nn import APPROXIMATIONS, EXP_ERROR, Network, network_spec
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
    K = len(classes)
    m = len(support)
    starts = np.concatenate([[0], np.cumsum(n_support)])
    pairs = [(i, j) for i in range(K) for j in range(i + 1, K)]
    A = np.zeros((len(pairs), m))
    for p, (i, j) in enumerate(pairs):
        A[p, starts[i]:starts[i + 1]] = dual[j - 1, starts[i]:starts[i + 1]]
        A[p, starts[j]:starts[j + 1]] = dual[i, starts[j]:starts[j + 1]]
    if kernel in KERNEL_APPROXIMATIONS:
        return kernel_network(est, support, A, np.asarray(intercept, dtype=np.float64), kernel, gamma, coef0, aff, n,
                              opts, classes, model_range)
    _check_kernel(name, kernel, degree)
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
    """Raise :class:`ConversionError` unless the kernel is a polynomial of degree >= 1 (rbf and sigmoid go
    to :func:`kernel_network`)."""
    if kernel != "poly":
        raise ConversionError(f"{name}(kernel={kernel!r}) is not supported (linear, poly, rbf and sigmoid kernels "
                              "convert)")
    if degree < 1:
        raise ConversionError(f"{name}(kernel='poly', degree={degree}) is constant: nothing to prove")


def kernel_svr_spec(est: Any, support: np.ndarray, dual: np.ndarray, intercept: float, kernel: str, gamma: float,
                    coef0: float, degree: int, aff: Affine | LinearMap, n: int, opts: Options,
                    model_range: tuple[np.ndarray, np.ndarray] | None) -> Spec:
    """Model file for a poly-kernel SVR / NuSVR: ``Σ_s dual[s]·(γ⟨s, z⟩ + coef0)**degree + intercept``
    expanded into monomials of the raw inputs (:func:`_primal`), the 128-bit sum output as its top 64
    bits (``models.high_i64``); rbf and sigmoid kernels by :func:`kernel_network`. Raises
    :class:`ConversionError` for more than :data:`PRIMAL_MONOMIALS` monomials."""
    name = type(est).__name__
    if kernel in KERNEL_APPROXIMATIONS:
        return kernel_network(est, support, np.atleast_2d(dual), np.atleast_1d(float(intercept)), kernel, gamma,
                              coef0, aff, n, opts, None, model_range)
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


# ---- rbf and sigmoid kernels: approximated, with a proved bound ------------------------------------
KERNEL_APPROXIMATIONS = {"rbf": "exp_neg", "sigmoid": "tanh"}
"""The kernels a circuit approximates, by the activation (:data:`~stdlib_ml.convert.nn.APPROXIMATIONS`) that
interpolates them: rbf's exp(−γ‖x − s‖²) and sigmoid's tanh(γ⟨x, s⟩ + coef0)."""


def tanh_error() -> float:
    """A proved bound on |interpolation − tanh| for the ``tanh`` approximation's knots: on a segment [a, b]
    the linear interpolation is off by at most (b − a)²/8·max|tanh''| (|tanh''| = 2·tanh·sech² rises on
    [0, x*] and falls after, x* = atanh(1/√3); odd, so the same on the negative side), and past the
    outer knots ±T (slope 0) by 1 − tanh(T)."""
    ap = APPROXIMATIONS["tanh"]
    x_star = math.atanh(1.0 / math.sqrt(3.0))

    def d2(x: float) -> float:
        return 2.0 * math.tanh(x) / math.cosh(x) ** 2

    worst = 1.0 - math.tanh(max(abs(ap.knots[0]), abs(ap.knots[-1])))
    for a, b in zip(ap.knots, ap.knots[1:]):
        lo, hi = sorted((abs(a), abs(b))) if a * b >= 0 else (0.0, max(abs(a), abs(b)))
        worst = max(worst, (b - a) ** 2 / 8.0 * d2(min(max(x_star, lo), hi)))
    return worst


def kernel_error(kernel: str) -> float:
    """The proved bound on one approximated kernel value's error: rbf
    :data:`~stdlib_ml.convert.nn.EXP_ERROR`, sigmoid :func:`tanh_error`."""
    return EXP_ERROR if kernel == "rbf" else tanh_error()


def kernel_network(est: Any, support: np.ndarray, A: np.ndarray, intercept: np.ndarray, kernel: str, gamma: float,
                   coef0: float, aff: Affine | LinearMap, n: int, opts: Options, classes: list[Any] | None,
                   model_range: tuple[np.ndarray, np.ndarray] | None) -> Spec:
    """An rbf or sigmoid kernel SVM as a :class:`~stdlib_ml.convert.nn.Network`: the scalers / steps, then per
    support vector s (``support`` (m, k)) the kernel argument (rbf: u_s = γ‖z‖² − 2γ⟨s, z⟩ + γ‖s‖², one
    product per feature for z²; sigmoid: γ⟨s, z⟩ + coef0), the interpolated kernel (one ReLU per knot and
    support vector), the decisions ``A @ K + intercept`` (``A`` (pairs or 1, m): libsvm's pair
    coefficients, or an SVR's dual coefficients), and the head: ``classes`` None a regressor's value, two
    classes the sign, more one-vs-one votes. The proved bound per decision, Σ_s |A[p][s]|·:func:`kernel_error`,
    is in the file's notes, and ``spec.margin`` gives the fidelity check each row's exact float decision
    beyond it (rows within it are flagged, :func:`~stdlib_ml.convert.fidelity.finish`). Quantization of the
    inputs and parameters adds its own (measured) rounding. Raises :class:`ConversionError` for scores."""
    name = type(est).__name__
    refuse_scores(opts, f"{name}(kernel={kernel!r})", {})
    S = np.asarray(support, dtype=np.float64)
    net = Network(n, name=name)
    z = (net.dense(net.input, aff.M, aff.c, where="the pipeline's steps") if isinstance(aff, LinearMap) else
         net.input if aff.identity else net.scale_shift(net.input, aff.d, aff.e, where="the scalers"))
    if kernel == "rbf":
        both = net.concat([z, net.mul(z, z, where="z²")])
        W = np.hstack([-2.0 * gamma * S, np.full(S.shape, gamma)])
        t = net.dense(both, W, gamma * np.sum(S * S, axis=1), where="γ‖z − s‖²")
    else:
        t = net.dense(z, gamma * S, np.full(len(S), float(coef0)), where="γ⟨s, z⟩ + coef0")
    t = net.rescale(t, where="the kernel arguments")   # narrow sign tests for the knots
    per = max(limits.MAX_ARRAY_LENGTH // len(APPROXIMATIONS[KERNEL_APPROXIMATIONS[kernel]].knots), 1)
    parts = [net.activation(net.select(t, 0, list(range(a, min(a + per, len(S))))), KERNEL_APPROXIMATIONS[kernel],
                            where=f"the {kernel} kernel") for a in range(0, len(S), per)]   # one sign test per knot
    k = parts[0] if len(parts) == 1 else net.concat(parts)   # ≤ MAX_ARRAY_LENGTH sign tests in one array
    if classes is None:
        k = net.rescale(k, where="the kernel values")   # a regressor's value must fit i64 at its scale
    scores = net.dense(k, A, intercept, where="the decisions")
    if classes is None:
        net.output(scores, "regression")
    else:
        net.output(scores, "threshold" if len(classes) == 2 else "ovo", classes=classes)
    low, high, unit = feature_range(opts, n, model_range)
    eps = kernel_error(kernel)
    bounds = np.abs(A).sum(axis=1) * eps
    what = "value" if classes is None else "decision" if len(classes) == 2 else "pair decision"
    spec = network_spec(net, opts, low, high, unit, source=est,
                        title=f"{name} ({kernel} kernel, {len(S)} support vectors, "
                        f"{'a regressor' if classes is None else f'{len(classes)} classes'}, {n} features), "
                        "converted to pyleo: the kernel interpolated.")
    spec.notes.append(f"Each {kernel} kernel value is off by at most {eps:.3g} (proved: stdlib_ml.convert.svm.kernel_error), "
                      f"so each {what} by at most Σ_s |dual coefficient|·{eps:.3g} <= {float(np.max(bounds)):.4g} "
                      "(besides the rounding of inputs and parameters)" + ("." if classes is None else
                      "; calibration rows whose exact decision lies within it of a tie are flagged in FIDELITY "
                      "(within_bound_rows; guaranteed: the share beyond it)."))
    if classes is not None:
        spec.margin = lambda X: np.min(np.abs(net.forward(X)) - bounds[None, :], axis=1)
    return spec
