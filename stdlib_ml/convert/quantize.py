"""The shared, framework-free quantization: affine maps of scalers (:class:`Affine`, measured by the
frontends), input ranges, each feature's own scale, exact integer quantization and the worst-case
bounds that size sign tests, and the pieces of a spec every family uses (its name, a classifier's head)."""

from __future__ import annotations

import decimal
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pyleo import limits

from .. import fixed
from .functions import MONOTONE
from .model import ConversionError
from .options import Options, range_bounds
from .render import Spec


DEFAULT_INPUT_BOUND = 2.0**16
"""Features are assumed to lie in [-2**16, 2**16] when neither X, input_range nor the model says otherwise."""

INPUT_RESOLUTION = 20
"""Linear models: each feature is quantized so that its spread is about 2**20 steps of its own scale."""

WEIGHT_RESOLUTION = 32
"""Linear models: the largest weight per input step (|w_j|·2**-IN_BITS[j]) is quantized to about 2**32."""

MLP_RESOLUTION = 12
"""Input steps per feature's spread, and weight bits, of MLPs (scales grow through layers: fewer bits)."""

TREE_MIN_BITS = 20
"""A tree input's thresholds span at least 2**20 steps of its own scale (a narrow feature is not rounded away)."""

TREE_SPREAD_BITS = 30
"""Tree inputs are quantized so that the widest feature's thresholds span about 2**29 steps (where the
float32 resolution of the thresholds does not ask for more). Each node's sign test is then as narrow as
its own feature's range allows (u8 … u64, :func:`stdlib_ml.trees.node_widths`)."""

MIXED_BITS = 124
"""Trees behind steps mixing features (PCA, TruncatedSVD …): each linear combination z_k of the inputs is
computed in the circuit at the scale that keeps |z_k| below 2**124 over the input range, so that each node
is one 128-bit sign test (129 constraints). A 64-bit test leaves z too coarse: a float32 tree's training
row lies half a float32 step (2**-25 relative) from its split, closer still to a split near zero."""

MIXED_RESOLUTION = 30
"""Trees behind steps mixing features: each raw feature's spread spans about 2**30 steps of its scale (the
rounding of x moves z by about 2**-30 of its range, finer than the half float32 step, 2**-25 relative, that
separates a float32 tree's training rows from its splits; 2**50 kept the same agreement on iris, wine,
breast_cancer and digits but cost one constraint per extra input bit: breast_cancer's 30 features went over
the local proving limit)."""

LEAF_BITS = 32
"""Fractional bits of leaf values (probabilities, boosting scores, vote weights)."""

MAX_LABELS = 256


# ---- names, widths, exact integers --------------------------------------------------------------------
def program_name(est: Any, opts: Options) -> str:
    if opts.name:
        name = opts.name
    else:
        name = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", type(est).__name__).lower()
        name = limits.derived_program_name(re.sub(r"[^a-z0-9_]", "_", name))
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise ConversionError(f"invalid program name {name!r}: use lowercase letters, digits and _, starting with a letter")
    return name[:limits.MAX_IDENTIFIER_LENGTH]


def ceil_log2(v: float) -> int:
    return int(math.ceil(math.log2(v))) if v > 0 else 0


def sign_width(bound: int, smallest: int = 32) -> int:
    """Sign-test width for values of magnitude ≤ bound (at least ``smallest``, see :func:`fixed.sign_bits`)."""
    try:
        return fixed.sign_bits(int(bound), smallest)
    except OverflowError as e:
        raise ConversionError(str(e)) from None


def largest_magnitude(values: Any) -> int:
    return max((abs(int(v)) for v in np.ravel(np.asarray(values, dtype=object))), default=0)


def qint(values: Any, bits: Any) -> np.ndarray:
    """round(values·2**bits) as Python ints (object array), exact for any size; ``bits`` an int or
    integers broadcast against ``values`` (one per feature along the last axis)."""
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ConversionError("the model has NaN or infinite parameters")
    b = np.broadcast_to(np.asarray(bits, dtype=np.int64), arr.shape)
    scaled = np.ldexp(arr, b)
    if np.all(np.abs(scaled) < 2.0**52):
        return np.rint(scaled).astype(np.int64).astype(object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = round(Fraction(float(v)) * Fraction(2) ** int(b[idx]))
    return out


def dense_bound(W: np.ndarray, b: np.ndarray, in_bound: np.ndarray) -> np.ndarray:
    """Exact worst case |W·x + b| per row over |x_j| ≤ in_bound_j (Python ints)."""
    W = np.asarray(W, dtype=object)
    return np.asarray([sum(abs(int(w)) * int(m) for w, m in zip(row, in_bound)) + abs(int(c))
                       for row, c in zip(W, np.asarray(b, dtype=object))], dtype=object)


@dataclass
class Affine:
    """z = d·x + e, elementwise: the scalers in front of the estimator, composed; ``clip``: the
    interval a ``MinMaxScaler(clip=True)`` (or ``np.clip``) clips z to (mapped through the steps after
    it), or None; ``inner``: None, or (f, a): z = d·f(a(x)) + e with f one of :data:`MONOTONE` by name
    and a the element-wise steps before it (only tree models take that: it folds into thresholds)."""

    d: np.ndarray
    e: np.ndarray
    clip: tuple[np.ndarray, np.ndarray] | None = None
    inner: tuple[str, Affine] | None = None

    @property
    def identity(self) -> bool:
        return bool(np.all(self.d == 1.0) and np.all(self.e == 0.0) and self.inner is None)

    @property
    def functions(self) -> list[str]:
        """The monotone functions among the steps, outermost first (empty: an affine map)."""
        return [] if self.inner is None else [self.inner[0], *self.inner[1].functions]

    def then(self, d: np.ndarray, e: np.ndarray, clip: tuple[np.ndarray, np.ndarray] | None = None) -> Affine:
        mapped = (self.clip[0] * d + e, self.clip[1] * d + e) if self.clip is not None else None
        if clip is not None and mapped is not None:
            clip = (np.maximum(clip[0], mapped[0]), np.minimum(clip[1], mapped[1]))
        return Affine(self.d * d, self.e * d + e, clip if clip is not None else mapped, self.inner)

    def through(self, function: str) -> Affine:
        """These steps, then the element-wise increasing ``function`` (a key of :data:`MONOTONE`)."""
        f = MONOTONE[function][0]
        with np.errstate(divide="ignore", invalid="ignore"):
            clip = None if self.clip is None else (f(self.clip[0]), f(self.clip[1]))
        if clip is not None and not (np.all(~np.isnan(clip[0])) and np.all(~np.isnan(clip[1]))):
            raise ConversionError(f"clipping to a bound outside {function}'s domain before it is not supported")
        k = len(self.d)
        return Affine(np.ones(k), np.zeros(k), clip, (function, self))

    def domain(self) -> list[list[Any]] | None:
        """Per feature, where these steps' functions give finite numbers, in raw units: ``[low, high, what]``
        (bounds included, None: unbounded; ``what``: the functions, e.g. ``"np.log"``), the model file's
        ``DOMAIN`` that ``encode`` checks (:data:`~stdlib_ml.convert.functions.DOMAINS`); None without
        functions. Each bound is the raw value nearest the function's whose image (:meth:`forward`, what the
        thresholds were mapped through) lies in the domain. A function behind clipping is given only
        clipped values: no bound from it."""
        if self.inner is None:
            return None
        from .functions import DOMAINS, outside

        function, a = self.inner
        k = len(a.d)
        lo, _, hi, _ = DOMAINS.get(function, (-np.inf, False, np.inf, False))
        with np.errstate(all="ignore"):
            low = a.to_raw(np.full(k, lo)) if a.clip is None else np.full(k, -np.inf)
            high = a.to_raw(np.full(k, hi)) if a.clip is None else np.full(k, np.inf)

        def snap(b: float, j: int, inward: float) -> float:
            """The raw value nearest ``b`` (within 64 float steps) whose image ``forward`` gives is in the domain."""
            for _ in range(64):
                if not np.isfinite(b) or not outside(function, a.forward(np.asarray([b]), j))[0]:
                    break
                b = float(np.nextafter(b, inward))
            return b

        inner = a.domain() or [[None, None, ""]] * k
        out = []
        for j in range(k):
            b_lo, b_hi = snap(float(low[j]), j, np.inf), snap(float(high[j]), j, -np.inf)
            b_lo = max(b_lo, -np.inf if inner[j][0] is None else inner[j][0])
            b_hi = min(b_hi, np.inf if inner[j][1] is None else inner[j][1])
            out.append([None if np.isinf(b_lo) else b_lo, None if np.isinf(b_hi) else b_hi,
                        " of ".join(f"np.{f}" for f in self.functions)])
        return out

    def forward(self, x: np.ndarray, feature: Any = slice(None)) -> np.ndarray:
        """z of raw values ``x`` (features ``feature``: an index or indices matching ``x``; default all, along
        the last axis), without clipping."""
        w = x if self.inner is None else MONOTONE[self.inner[0]][0](self.inner[1].forward(x, feature))
        return w * self.d[feature] + self.e[feature]

    def to_raw(self, z: np.ndarray, feature: Any = slice(None)) -> np.ndarray:
        """Points in the estimator's space back in the input space (features as :meth:`forward`'s)."""
        w = (z - self.e[feature]) / self.d[feature]
        return w if self.inner is None else self.inner[1].to_raw(MONOTONE[self.inner[0]][1](w), feature)

    def fold_dense(self, W: np.ndarray, b: np.ndarray, bits: np.ndarray, weight_bits: int) -> tuple[np.ndarray, np.ndarray, int]:
        """W·z + b (z the scalers' output) as integers W'·x_q + b' on the raw inputs at their own
        scales (x_q[j] = x[j]·2**bits[j]), returned with the output's scale S (values at 2**S).

        The scalers fold in as floats (W·d, b + W·e); then each column is quantized at 2**(S − bits[j]),
        S chosen so that the largest |W'| is about 2**weight_bits. A column's rounding error is then at
        most half an output step per input step, whatever the feature's raw magnitude.
        """
        A = W * self.d[None, :]
        c = b + W @ self.e
        per_step = np.abs(np.ldexp(A, -bits[None, :].astype(np.int64)))
        top = float(np.max(per_step)) if np.any(per_step > 0) else 1.0
        S = int(weight_bits - math.ceil(math.log2(top)))
        return qint(A, S - bits[None, :]), qint(c, S), S


@dataclass
class LinearMap:
    """z = M·x + c: the Pipeline steps in front of an estimator, composed, when one of them mixes or
    selects features (PCA, SelectKBest …): ``M`` (k, n) and ``c`` (k,) floats, n raw features in,
    the estimator's k out. Only estimators linear in z fold it (:meth:`fold`)."""

    M: np.ndarray
    c: np.ndarray

    def fold(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores ``W·z + b`` (W: (outputs, k)) as ``W'·x + b'`` on the raw inputs, in float."""
        return W @ self.M, b + W @ self.c


def feature_range(opts: Options, n: int, model_range: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, unit) of the raw features: the range the circuit is sized for, and per feature the
    spread its quantization must resolve (each feature gets its own scale, :func:`_feature_bits`). A
    feature encode gives only integers (``opts.integers``) is sized for exactly those, unless
    ``input_range`` is given."""
    low, high, unit = _feature_range(opts, n, model_range)
    if opts.integers is not None and opts.input_range is None:
        known = ~np.isnan(opts.integers[0])
        low, high = np.where(known, opts.integers[0], low), np.where(known, opts.integers[1], high)
    return low, high, unit


def _feature_range(opts: Options, n: int, model_range: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if opts.input_range is not None:
        low, high = range_bounds(opts.input_range, n)
        if opts.X is not None and np.all(np.any(np.isfinite(opts.X), axis=0)):   # resolution: the data's spread
            return low, high, _unit(np.nanmax(opts.X, axis=0) - np.nanmin(opts.X, axis=0))
        return low, high, _unit(high - low)
    if opts.X is not None and np.all(np.any(np.isfinite(opts.X), axis=0)):
        lo, hi = np.nanmin(opts.X, axis=0), np.nanmax(opts.X, axis=0)
        ptp = hi - lo
        # Margin: a feature's own spread, at least the median feature's (a sparse pixel seen only in
        # [0, 3] during training still gets room for 16); a feature constant in X the widest spread.
        span = np.maximum(ptp, float(np.median(ptp)))
        span = np.where(span > 0, span, float(np.max(ptp)) if np.max(ptp) > 0 else 1.0)
        return lo - span, hi + span, _unit(ptp)
    if model_range is not None:
        lo, hi = (np.asarray(v, float) for v in model_range)
        return lo, hi, _unit((hi - lo) / 200)  # model ranges are wide (±100 std): the unit is ~1 std
    return np.full(n, -DEFAULT_INPUT_BOUND), np.full(n, DEFAULT_INPUT_BOUND), np.ones(n)


def _unit(spreads: np.ndarray) -> np.ndarray:
    """Per feature its spread; a feature with none (constant) gets the smallest positive one."""
    spreads = np.asarray(spreads, float)
    pos = spreads[spreads > 0]
    return np.where(spreads > 0, spreads, float(np.min(pos)) if len(pos) else 1.0)


def widen(low: np.ndarray, high: np.ndarray, pad: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    span = np.maximum(high - low, 1e-6)
    return low - pad * span, high + pad * span


def input_bits_for(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, resolution: int) -> np.ndarray:
    """Fractional bits per input feature: its spread (``unit``) spans about 2**resolution steps and
    no input exceeds 2**58 once quantized, 0 for a feature encode gives only integers (``opts.integers``:
    exact); ``input_bits`` (one int, or one per feature) overrides."""
    n = len(low)
    if opts.input_bits is not None:
        return given_bits(opts.input_bits, n)
    biggest = np.maximum(np.maximum(np.abs(low), np.abs(high)), 1e-30)
    cap = 58 - np.ceil(np.log2(biggest))
    bits = resolution - np.floor(np.log2(np.maximum(unit, 1e-30)))
    bits = np.clip(np.minimum(bits, cap), -60, 48).astype(np.int64)
    return bits if opts.integers is None else np.where(np.isnan(opts.integers[0]), bits, 0)


def distance_bits(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, aff: Affine,
                   resolution: int) -> np.ndarray:
    """Fractional input bits for distance models (KNN, K-Means): one step is the same length in the
    estimator's space for every feature (d_f·2**-bits[f]), the narrowest feature's spread there
    spanning about 2**resolution steps: distances weigh every feature alike, so must their rounding."""
    if opts.input_bits is not None:
        return given_bits(opts.input_bits, len(low))
    step = float(np.min(unit * aff.d)) * 2.0**-resolution
    biggest = np.maximum(np.maximum(np.abs(low), np.abs(high)), 1e-30)
    bits = -np.floor(np.log2(step / aff.d))
    return np.clip(np.minimum(bits, 58 - np.ceil(np.log2(biggest))), -60, 48).astype(np.int64)


def given_bits(input_bits: Any, n: int) -> np.ndarray:
    try:
        bits = np.broadcast_to(np.asarray(input_bits, dtype=np.int64), (n,)).copy()
    except (TypeError, ValueError):
        raise ConversionError(f"input_bits must be an int or one int per feature ({n}), got {input_bits!r}") from None
    if np.any(bits < 0) or np.any(bits > 60):
        raise ConversionError(f"input_bits must lie in [0, 60], got {input_bits!r}")
    return bits


def input_bound(low: np.ndarray, high: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Per feature, the largest |x_q| over the range."""
    lo, hi = qint(low, bits), qint(high, bits)
    return np.asarray([max(abs(int(a)), abs(int(b))) for a, b in zip(lo, hi)], dtype=object)


def class_labels(est: Any) -> list[Any]:
    classes = list(np.asarray(est.classes_).tolist())
    if len(classes) > MAX_LABELS:
        raise ConversionError(f"{type(est).__name__} has {len(classes)} classes; the circuit's u8 output allows {MAX_LABELS}")
    if any(isinstance(c, (list, tuple)) for c in classes):
        raise ConversionError(f"{type(est).__name__} is multi-output; only single-output models are supported")
    return classes


def new_spec(est: Any, opts: Options, n: int, kind: str, low: np.ndarray, high: np.ndarray, bits: int, title: str) -> Spec:
    if n > limits.MAX_ARRAY_LENGTH:
        raise ConversionError(f"{type(est).__name__} takes {n} features; snarkVM allows at most "
                              f"{limits.MAX_ARRAY_LENGTH} elements per array")
    return Spec(name=program_name(est, opts), title=title, kind=kind, n_features=n, in_bits=bits, low=low, high=high)


def classifier_head(spec: Spec, scores: str, bound: int, k: int, rule: str = "positive", smallest: int = 32) -> None:
    """Classifier head: sign test for one score (class 1 when > 0, or >= 0), argmax for several
    (sign tests at least ``smallest`` bits wide)."""
    if k == 1:
        label = "positive_label" if rule == "positive" else "nonneg_label"
        spec.imports.add("models")
        spec.use(f"label = models.{label}({sign_width(bound + 1, smallest)})", f"|score| <= {pow2(bound)}")
        spec.body.append(f"return label({scores}[0])")
    else:
        spec.imports.add("reduce")
        spec.use(f"argmax = reduce.argmax({sign_width(2 * bound + 1, smallest)})", f"|score| <= {pow2(bound)}")
        spec.body.append(f"return argmax({scores})")


def pow2(v: int) -> str:
    return f"2**{max(int(v), 1).bit_length()}"


LINKS = ("identity", "sigmoid", "softmax", "ovr", "isolation")
"""How the library turns a family's fixed-point scores into its ``predict_proba`` (``identity``: they are the
probabilities, e.g. trees' leaf frequencies; ``sigmoid``: one logit; ``softmax``: one per class; ``ovr``:
per class a logit, the sigmoids normalized; ``isolation``: IsolationForest's −2**(−S/D) − shift of the
summed path length S, ``LINK_PARAMS`` D = normalizer and shift)."""


def threshold_constant(threshold: float, scale: int, link: str, params: dict[str, float] | None = None) -> int:
    """The smallest integer c with ``c >= link⁻¹(threshold)·scale`` (exactly: ``threshold`` is the
    float's binary value; logarithms (a sigmoid's logit ``ln(t/(1−t))``; IsolationForest's
    ``−D·log2(−(t + shift))``, ``params`` D = normalizer, shift; a log link's ``ln t``) in 80-digit decimal arithmetic,
    correctly rounded, so the ceiling is exact unless the product lies within 10**-70 of an integer
    without being one). For an integer fixed-point score s: ``s >= c`` exactly when
    ``link(s/scale) >= threshold`` (the link is increasing), which is what the circuit decides.
    Raises :class:`ConversionError` for a threshold the link never reaches or always passes."""
    if link == "identity":
        return math.ceil(Fraction(threshold) * scale)
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        t = decimal.Decimal(threshold)   # exact: a float is a binary fraction
        if link == "exp":   # a GLM's log link: exp(η) >= t exactly when η >= ln t
            if not t > 0:
                raise ConversionError(f"threshold {threshold!r}: a log-link prediction is always > 0")
            value = t.ln() * scale
        elif link == "isolation":
            assert params is not None
            below = -(t + decimal.Decimal(params["shift"]))   # score_samples = −2**(−S/D) >= t + shift
            if not 0 < below < 1:
                raise ConversionError(f"threshold {threshold!r} is outside the scores' range (score_samples lies in "
                                      "[−1, 0))")
            value = -decimal.Decimal(params["normalizer"]) * below.ln() / decimal.Decimal(2).ln() * scale
        else:
            value = (t / (1 - t)).ln() * scale
        return int(value.to_integral_value(rounding=decimal.ROUND_CEILING))


def refuse_scores(opts: Options, what: str, links: dict[str, str]) -> None:
    """Raise :class:`ConversionError` when ``opts`` asks for a score ``what`` (a model, for the message)
    does not define (``links``: those it does, :func:`score_head`)."""
    if opts.response == "predict" and opts.threshold is not None and "predict" not in links:
        raise ConversionError(f"{what}: a threshold on predict applies to a linear regressor's (or GLM's) value",
                              hint="for a classifier, threshold its predict_proba or decision_function")
    if (opts.response != "predict" or opts.threshold is not None) and opts.response not in links:
        defined = ", ".join(repr(r) for r in links) or "none"
        raise ConversionError(f"{what} has no {opts.response} a circuit computes", hint=f"its scores: {defined}; or "
                              "response_method='predict'")


def score_head(spec: Spec, opts: Options, scores: str, k: int, bound: int, scale: int, links: dict[str, str],
               what: str) -> bool:
    """End ``spec``'s body with the response ``opts`` asks for, when it is a score: ``scores`` (a DSL
    expression, ``k`` field values at the integer ``scale``, each of magnitude ≤ ``bound``) are the
    library's method ``r`` when ``r`` is a key of ``links`` (its value: how they map to the library's,
    :data:`LINKS`). With ``opts.threshold``: one public bool, the positive class's score ≥ threshold
    (decided exactly on the fixed-point score, :func:`threshold_constant`); binary models only.
    Returns False for ``"predict"`` (the caller writes its own head); raises :class:`ConversionError`
    for a response the family does not define."""
    if opts.response == "predict" and opts.threshold is None:
        return False
    refuse_scores(opts, what, links)
    link = links[opts.response]
    spec.response, spec.link, spec.threshold = opts.response, link, opts.threshold
    spec.out_scale = str(scale)
    if opts.threshold is None:
        spec.n_scores = k
        spec.notes.append(f"Output: {opts.response} as {k} fixed-point score(s) at OUT_SCALE, exact field sums (no "
                          f"rounding in the circuit); ZkModel.decode applies LINK = {link!r} in floating point.")
        spec.body.append(f"return {scores}")
        return True
    if k == 2 and link in ("softmax", "identity"):   # two classes: P(1) = σ(s1 − s0), or s1 itself
        positive, bound = (f"{scores}[1] - {scores}[0]", 2 * bound) if link == "softmax" else (f"{scores}[1]", bound)
        link = "sigmoid" if link == "softmax" else link
    elif k == 1 and link in ("sigmoid", "identity", "isolation", "exp"):
        positive = f"{scores}[0]"
    else:
        raise ConversionError(f"threshold needs one score of a positive class; {what} has {k} scores",
                              hint="a binary classifier (or response_method='decision_function' of one)")
    c = threshold_constant(opts.threshold, scale, link, spec.link_params)
    spec.const("THRESHOLD_Q", c, f"ceil({'logit(THRESHOLD)' if link == 'sigmoid' else 'THRESHOLD'} · OUT_SCALE): "
               "an integer score s is >= it exactly when its value is >= THRESHOLD")
    spec.imports.add("compare")
    spec.use(f"at_least = compare.is_nonneg({sign_width(bound + abs(c) + 1)})", f"|score - THRESHOLD_Q| <= "
             f"{pow2(bound + abs(c))}")
    spec.notes.append(f"Output: only whether {opts.response}'s positive score is >= THRESHOLD (the score stays "
                      "private): the fixed-point score s against THRESHOLD_Q, one sign test.")
    spec.body.append(f"return at_least({positive} - THRESHOLD_Q)")
    return True
