"""Integer networks: a quantized model's requantization (an int32 accumulator to an int8 value), exactly as
the runtimes' reference kernels compute it, and its circuit.

A quantized layer (TFLite's int8 FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D, ONNX's QLinear*) sums
int8 × int8 products and an int32 bias into an int32 accumulator ``x``: an affine map of the layer's input
with integer weights, which a :class:`~.network.Network` describes as it describes a float layer (its
values are integers at scale 2**0, so the lowering keeps them exact). Then TFLite's
``MultiplyByQuantizedMultiplier(x, M, shift)`` (tensorflow/lite/kernels/internal/common.h) with the
fixed-point multiplier ``M`` in [2**30, 2**31) and ``shift`` ≤ 0 (right shift r = −shift)::

    h = SaturatingRoundingDoublingHighMul(x, M)   = floor((x·M + 2**30) / 2**31)   (M > 0: never saturates)
    y = RoundingDivideByPOT(h, r)                 = floor((h + 2**(r−1) − [h < 0]) / 2**r)   (r ≥ 1; y = h at r = 0)
    q = clamp(y + zero_point, low, high)          (low, high: [-128, 127] narrowed by a fused ReLU / ReLU6)

(the truncating division of the C++ code and its sign-dependent nudge reduce to the floor above for
every sign: ``trunc((x·M + 1 − 2**30) / 2**31) = floor((x·M + 2**30) / 2**31)`` when x·M < 0; and
RoundingDivideByPOT rounds half away from zero, hence the ``[h < 0]``). A positive ``shift`` (a scale
ratio of 1 or more, where the kernel shifts x left in int32 first) is refused.

The circuit (:func:`stdlib_ml.products.requantize_vec`), per value: one checked 64-bit cast of
``x·M + 2**30`` (65 constraints: its bits give h and the sign of h), one checked cast of ``h·2**(R−r) +
offset`` (R the layer's largest r: the shift by a constant R reads y), and a sign test per clamp side
the bounds can reach. Exact, and halting (never wrapping) outside the bounds it was sized for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import ConversionError, ModelInputError

ROUNDINGS = ("double", "single")
"""``"double"``: TFLite's int32 ``MultiplyByQuantizedMultiplier`` (two roundings, above; its CONV_2D and
DEPTHWISE_CONV_2D kernels); ``"single"``: its int64 overload, one rounding half up of the exact product,
``floor((x·M + 2**(30+r)) / 2**(31+r))`` (TensorFlow 2.21's reference FULLY_CONNECTED, measured: the
double rounding differs from its output on 8 of 4,500 values of a digits CNN, this on none)."""

DOUBLING_SHIFT = 31
"""SaturatingRoundingDoublingHighMul keeps the high 32 bits of the doubled 64-bit product: a floor by 2**31."""


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier`` (tensorflow/lite/kernels/internal/quantization_util.cc): ``real``
    (a float64 scale ratio) as (M, shift) with M in [2**30, 2**31) and real ≈ M·2**(shift − 31), the
    significand rounded half away from zero; (0, 0) for 0 or a ratio below 2**-32."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    fixed = int(math.floor(abs(q) * 2**31 + 0.5)) * (1 if q > 0 else -1)
    if fixed == 2**31:
        fixed, shift = fixed // 2, shift + 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def round_away(v: np.ndarray) -> np.ndarray:
    """C's ``std::round`` (TfLiteRound): half away from zero, elementwise, as int64."""
    v = np.asarray(v, np.float64)
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


@dataclass(frozen=True)
class Requantization:
    """Per output value (flattened, in the tensor's order): the multiplier ``multiplier`` (M), the right shift ``shift`` (r ≥ 0), the output ``zero_point`` and the clamp [low, high]; all
    int64 arrays of one length. ``rounding``: :data:`ROUNDINGS`. ``where``: the layer, for messages.
    ``exceptions``: (value index, accumulator, correction) where the runtime's output is the formula's plus
    the correction (before the clamp): onnxruntime's float32 product rounding onto a tie, found by
    enumeration (:mod:`..onnx_int8`)."""

    multiplier: np.ndarray
    shift: np.ndarray
    zero_point: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rounding: str = "double"
    where: str = ""
    exceptions: tuple[tuple[int, int, int], ...] = ()

    @classmethod
    def from_scales(cls, real: np.ndarray, zero_point: int, low: int, high: int, size: int, where: str,
                    rounding: str = "double") -> Requantization:
        """From the float64 scale ratios ``real`` (one per output value, or per channel broadcast by the
        caller to ``size`` values): TFLite's multipliers. Raises :class:`ConversionError` for a negative
        or zero ratio."""
        pairs = [quantize_multiplier(float(r)) for r in np.broadcast_to(np.asarray(real, np.float64), (size,))]
        if any(m <= 0 for m, _ in pairs):
            raise ConversionError(f"{where}: a scale ratio is zero or negative (input·weight / output scale), which "
                                  "no supported quantized kernel produces")
        if any(s > 0 for _, s in pairs):
            raise ConversionError(f"{where}: a scale ratio (input·weight / output scale) is at least 1, so the kernel "
                                  "shifts its int32 accumulator left first (where it may wrap); not supported")
        mult = np.asarray([m for m, _ in pairs], np.int64)
        right = np.asarray([-s for _, s in pairs], np.int64)
        n = np.full(size, 1, np.int64)
        return cls(mult, right, n * int(zero_point), n * int(low), n * int(high), rounding, where)

    def __len__(self) -> int:
        return len(self.multiplier)

    def unclamped(self, x: np.ndarray) -> np.ndarray:
        """y + zero point before the clamp for accumulators ``x`` (..., len), exact (Python integers)."""
        x = np.asarray(x, dtype=object)
        M = self.multiplier.astype(object)
        r = self.shift.astype(object)
        if self.rounding == "single":
            y = np.vectorize(lambda a, m, k: (a * m + 2 ** (30 + int(k))) >> (31 + int(k)), otypes=[object])(x, M, r)
            for i, acc, fix in self.exceptions:
                y[..., i] = y[..., i] + np.where(x[..., i] == acc, fix, 0).astype(object)
            return y + self.zero_point.astype(object)
        h = (x * M + 2**30) // 2**DOUBLING_SHIFT
        neg = np.vectorize(lambda v: int(v < 0), otypes=[object])(h)
        half = np.asarray([2 ** (int(k) - 1) if k else 0 for k in self.shift], dtype=object)
        nudge = np.where(self.shift > 0, neg, 0).astype(object)
        y = np.vectorize(lambda a, k: a >> int(k), otypes=[object])(h + half - nudge, r)
        return y + self.zero_point.astype(object)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The requantized values for accumulators ``x`` (..., len): int64."""
        q = self.unclamped(np.asarray(x, np.float64).round().astype(np.int64))
        return np.clip(q.astype(np.int64), self.low, self.high)

    def check(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Refuse accumulators whose bounds [lo, hi] leave int32 (the runtime's own accumulator). (The circuit's
        casts are sized from the bounds, ``lowering._quantize_requant``: below 2**31 times a multiplier below
        2**31, they fit.)"""
        top = max(np.max(np.abs(lo)), np.max(np.abs(hi)))
        if top >= 2**31:
            raise ConversionError(f"{self.where}: its int32 accumulator can reach {top:.4g} on the declared input range, "
                                  "beyond int32 (the runtime would overflow)")


MAX_EXCEPTIONS = 16
"""At most this many accumulators per scale where a runtime's float32 requantization differs from the exact
single rounding (each corrected in the circuit by an equality test per value): more and the layer is refused."""

WINDOW_MARGIN = 2
"""Accumulators checked beyond the unclamped window on each side, in output steps."""


def float32_multiplier(scale: float, where: str) -> tuple[int, int]:
    """A float32 ``scale`` in (0, 1) as the single rounding's (M, r): exactly ``scale = M·2**-(31 + r)``, M in
    [2**30, 2**31) (a float32's 24-bit significand times 2**7). Raises :class:`ConversionError` outside (0, 1)."""
    s = float(np.float32(scale))
    if not 0.0 < s < 1.0:
        raise ConversionError(f"{where}: requantization scale {s:g} is not in (0, 1), which is not supported")
    m, e = math.frexp(s)                      # s = m·2**e, m in [0.5, 1): 24 significant bits
    return int(m * 2**24) * 2**7, -e


def window(multiplier: int, shift: int, zero: int, low: int, high: int, acc_lo: float,
           acc_hi: float) -> tuple[int, int]:
    """The accumulators in [acc_lo, acc_hi] (the reachable ones) whose single-rounding output
    ``x·M·2**-(31 + r) + zero`` is within :data:`WINDOW_MARGIN` steps of [low, high] (elsewhere every
    rounding clamps alike): (first, last), empty when first > last."""
    s = multiplier / 2 ** (31 + shift)
    return (int(max(math.ceil(acc_lo), math.floor((low - zero - WINDOW_MARGIN) / s))),
            int(min(math.floor(acc_hi), math.ceil((high - zero + WINDOW_MARGIN) / s))))


def single_rounding(multiplier: int, shift: int, zero: int, low: int, high: int, size: int, x: np.ndarray,
                    theirs: np.ndarray, where: str, runtime: str) -> Requantization:
    """The single-rounding :class:`Requantization` ``clamp(floor((x·M + 2**(30+r)) / 2**(31+r)) + zero, low,
    high)`` of ``size`` values alike, corrected wherever the runtime's outputs ``theirs`` (clamped) at the
    accumulators ``x`` (int64: the :func:`window` the caller enumerated, through the runtime's own float
    arithmetic) differ from it. Raises :class:`ConversionError` for more than :data:`MAX_EXCEPTIONS`
    differences or a product beyond 64 bits."""
    n = np.full(size, 1, np.int64)
    rq = Requantization(n * multiplier, n * shift, n * zero, n * low, n * high, "single", where)
    if not len(x):
        return rq
    top = max(abs(int(x[0])), abs(int(x[-1])))
    if top * multiplier + 2 ** (30 + shift) >= 2**63:
        raise ConversionError(f"{where}: accumulators up to {top} times the multiplier leave 64 bits")
    exact = np.clip((x * multiplier + 2 ** (30 + shift)) >> (31 + shift), low - zero, high - zero) + zero
    differ = exact != theirs
    if np.count_nonzero(differ) > MAX_EXCEPTIONS:
        raise ConversionError(f"{where}: {runtime}'s float32 requantization differs from the exact rounding at "
                              f"{np.count_nonzero(differ)} accumulators (first {x[differ][0]}); more than "
                              f"{MAX_EXCEPTIONS} would need float32 rounding emulated in the circuit")
    return Requantization(rq.multiplier, rq.shift, rq.zero_point, rq.low, rq.high, "single", where,
                          tuple((i, a, d) for a, d in zip(x[differ].tolist(), (theirs - exact)[differ].tolist())
                                for i in range(size)))


def joined(parts: list[Requantization], where: str) -> Requantization:
    """Per-channel requantizations (each of its channel's values, channels first) as one, in order; their
    exceptions' value indices offset to the whole."""
    starts = np.cumsum([0] + [len(p) for p in parts])
    return Requantization(*(np.concatenate([getattr(p, f) for p in parts])
                            for f in ("multiplier", "shift", "zero_point", "low", "high")), parts[0].rounding, where,
                          tuple((int(starts[c]) + i, a, d) for c, p in enumerate(parts) for i, a, d in p.exceptions))


def check_elementwise(net: Any, X: np.ndarray | None, outputs: Callable[[np.ndarray], np.ndarray], rows: int | None,
                      runtime: str, value_range: tuple[float, float] = (-128.0, 127.0)) -> str:
    """A quantized model's self-check, element by element: on ``X`` (the first ``rows``; None: all) the
    integer description's outputs (what the circuit computes) must equal ``outputs(X)`` (the runtime's
    int8 output tensor) everywhere. Returns what was checked, in words ("equal value by value on …", for
    the fidelity's ``against``; "" without X). Raises :class:`ModelInputError` for X that is not integers in
    ``value_range`` (the circuit's input is the model's int8 input tensor) and :class:`ConversionError`
    naming how many values differ (or that the runtime outputs another number of values)."""
    if X is None:
        return ""
    A = np.asarray(X, np.float64)[:rows]
    bad = (A != np.round(A)) | (A < value_range[0]) | (A > value_range[1])
    if bad.any():
        raise ModelInputError("X must be the quantized model's input tensor: integers in "
                              f"[{value_range[0]:g}, {value_range[1]:g}] (q = round(x / scale) + zero_point, "
                              f"clamped); got {A[bad].ravel()[0]!r}")
    mine = net.forward(A.reshape(len(A), -1))
    theirs = np.asarray(outputs(A), np.float64)
    if theirs.size != mine.size:
        raise ConversionError(f"{runtime} outputs {theirs.size // max(len(A), 1)} values per row, the circuit "
                              f"{mine.shape[1]}: this model's layers are not read as {runtime} runs them",
                              hint="docs/quantized.md lists what is matched")
    theirs = theirs.reshape(mine.shape)
    differ = int(np.sum(mine != theirs))
    if differ:
        raise ConversionError(f"the circuit's quantized outputs differ from {runtime}'s on {differ} of {mine.size} values "
                              f"over {len(A)} rows; this model's arithmetic is not reproduced exactly",
                              hint="docs/quantized.md lists what is matched")
    return f"its output tensor equal value by value on {len(A)} rows ({mine.size} values)"
