"""Fixed point: how float models become integer circuits, and how big the integers get.

A real number ``r`` is represented by the integer ``round(r * 2**bits)`` (its *scale* is ``2**bits``).
Products multiply scales, sums need equal scales; pyleo's stdlib lets scales grow through linear
layers (field arithmetic makes that free) and never rescales by division where a decision (ReLU,
argmax, a tree split) does not need it, because a comparison does not care about a common scale.

Hand-written circuits take inputs as ``u64`` values offset by :data:`INPUT_OFFSET` (so that a signed
value costs **0** constraints to bring into field form, measured; a signed ``i64`` input costs 69);
:func:`encode` does that on the Python side. Converted models pack their inputs tighter: each one an
offset code of the bits its range needs, bit-packed into unsigned words (:func:`pack_layout`,
:func:`pack`; decoded for free by :func:`stdlib_ml.linalg.unpacker`), because snarkVM's transition
charges per input element and per bit (``benchmarks/input_costs.py``).

Sign tests, and so ReLU and every comparison, cost one checked cast to ``u{w}`` of the value plus
``2**(w-1)``: w + 1 constraints (9, 17, 33, 65 for w = 8, 16, 32, 64; measured, see
benchmarks/stdlib_costs.py). :func:`sign_bits` picks the smallest width that holds a value's worst-case
bound, computed here at compile time from the weights and the declared input range; a value outside
that width halts the circuit (it never wraps silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_INPUT_BITS = 8
"""Fractional bits of inputs: 1/256 resolution."""

DEFAULT_WEIGHT_BITS = 8
"""Fractional bits of weights."""

INPUT_OFFSET = 2**62
"""Inputs are passed as ``q + INPUT_OFFSET`` in ``u64`` (q the quantized signed value)."""

WORD_BITS = (8, 16, 32, 64, 128)
"""Widths of the unsigned words converted models' inputs may be packed into: the converter takes the
one whose array snarkVM's transition is predicted to charge least for (a few narrow codes: u8 or u16
words; many: u128, the least per bit; benchmarks/input_costs.py). Unpacking a code (a shift and a mask
by constants, a cast to field) is free whatever the word."""

SIGN_WIDTHS = (8, 16, 32, 64, 128)
"""Widths ``stdlib_ml.compare.is_nonneg`` offers (the circuit casts to ``u{w}``)."""


def quantize(x: Any, bits: int | Sequence[int]) -> np.ndarray:
    """``round(x * 2**bits)`` as integers (Python ints in an object array when they exceed int64).

    ``bits`` is one int for every element, or one per feature (broadcast along the last axis): a
    converted model gives each input feature its own scale.
    """
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("cannot quantize NaN or infinite values")
    scaled = np.rint(np.ldexp(arr, np.asarray(bits, dtype=np.int64)))
    if np.all(np.abs(scaled) < 2**62):
        return scaled.astype(np.int64)
    return np.vectorize(int, otypes=[object])(scaled)


def dequantize(q: Any, bits: int | Sequence[int]) -> np.ndarray:
    """The real numbers that integers at scale ``2**bits`` stand for (``bits`` as in :func:`quantize`)."""
    return np.ldexp(np.asarray(q, dtype=np.float64), -np.asarray(bits, dtype=np.int64))


def encode(x: Any, bits: int | Sequence[int] = DEFAULT_INPUT_BITS) -> list[int]:
    """Quantize a sample and offset it for the circuit's ``u64`` inputs (see :data:`INPUT_OFFSET`)."""
    q = quantize(x, bits)
    if np.any(np.abs(q.astype(object)) >= INPUT_OFFSET):
        raise ValueError("an input is too large for the u64 offset encoding at its fractional bits")
    return [int(v) + INPUT_OFFSET for v in np.ravel(q)]


def code_width(span: int) -> int:
    """Bits of an offset code for the integers ``lo … lo + span``: 0 for a single value (nothing travels)."""
    if span < 0:
        raise ValueError(f"a code span must be >= 0, got {span}")
    return int(span).bit_length()


def pack_layout(widths: Sequence[int], word_bits: int = 128) -> list[tuple[int, int]]:
    """Where each code travels: ``(word, shift)`` per code of ``widths[j]`` bits, filling
    ``word_bits``-bit words in order; a code never straddles two words (so one shift and one mask
    extract it). Codes of width 0 get ``(0, 0)`` and occupy nothing. Raises ValueError for a code
    wider than a word."""
    if word_bits not in WORD_BITS:
        raise ValueError(f"words come in {', '.join(map(str, WORD_BITS))} bits, not {word_bits}")
    layout, word, used = [], 0, 0
    for w in widths:
        w = int(w)
        if not 0 <= w <= word_bits:
            raise ValueError(f"a code of {w} bits does not fit a {word_bits}-bit word")
        if used + w > word_bits:
            word, used = word + 1, 0
        layout.append((word, used) if w else (0, 0))
        used += w
    return layout


def pack_words(widths: Sequence[int], word_bits: int = 128) -> int:
    """Number of ``word_bits``-bit words :func:`pack_layout` fills (at least 1)."""
    layout = pack_layout(widths, word_bits)
    return 1 + max((word for (word, _), w in zip(layout, widths) if w), default=0)


def pack(codes: Sequence[int], widths: Sequence[int], word_bits: int = 128) -> list[int]:
    """The words carrying ``codes`` (non-negative integers, ``codes[j] < 2**widths[j]``), as
    :func:`pack_layout` places them. Raises ValueError for a code that does not fit its width."""
    words = [0] * pack_words(widths, word_bits)
    for c, w, (word, shift) in zip(codes, widths, pack_layout(widths, word_bits)):
        c = int(c)
        if not 0 <= c < 2 ** int(w):
            raise ValueError(f"the code {c} does not fit {w} bits")
        words[word] |= c << shift
    return words


def unpack(words: Sequence[int], widths: Sequence[int], word_bits: int = 128) -> list[int]:
    """The codes :func:`pack` placed in ``words`` (the inverse of :func:`pack`; unused bits ignored)."""
    return [(int(words[word]) >> shift) & (2 ** int(w) - 1)
            for w, (word, shift) in zip(widths, pack_layout(widths, word_bits))]


def sign_bits(bound: int | float, smallest: int = 32) -> int:
    """Smallest width w in :data:`SIGN_WIDTHS`, at least ``smallest``, whose signed range holds every
    value of magnitude ≤ bound.

    ``smallest`` is 32 by default, so the widths chosen for dense layers, ReLUs, distances and argmax
    stay what they were (their bounds at the converters' scales are far above 2**15 in practice);
    tree splits (:func:`stdlib_ml.trees.node_widths`) pass 8.
    """
    for w in SIGN_WIDTHS:
        if w >= smallest and bound < 2 ** (w - 1):
            return w
    raise OverflowError(f"values up to {bound:.3g} exceed the 127-bit range of the circuit's sign tests; "
                        "use fewer fractional bits")


def dense_bound(weights: Any, bias: Any, in_bound: int | float) -> float:
    """Worst-case |W·x + b| over all inputs with |x_i| ≤ in_bound (integers at their scales)."""
    w = np.abs(np.asarray(weights, dtype=np.float64))
    b = np.abs(np.asarray(bias, dtype=np.float64))
    return float(np.max(w.sum(axis=-1) * float(in_bound) + b))
