"""How values travel bit-packed into words: the one chooser of a word width (:func:`cheapest_word_bits`)
and what it weighs for a sample's input codes (:func:`input_word_bits`, the cost model's fitted
transition) and for a private model's parameters (:func:`param_word_bits`, measured constants).

Both charge a width by the constraints its words cost and take the cheapest, the widest on a tie. They
weigh different things: the sample ``x`` is an array input of its own, which the cost model's fitted
transition prices; a private model's parameters are members of one private struct input, priced by the
constants :data:`INPUT_ELEMENT_COST` / :data:`INPUT_BIT_COST` measured for struct members
(benchmarks/privacy_costs.py). Pricing the parameters by the fitted transition too would choose other
widths for 798 of 1,449 (size, bits) pairs (sizes 1 … 8,192, bits 2 … 128; most often u8 words where the
measured constants choose u64 / u128), changing every private model's program without a measurement
that it is cheaper; neither charge ever ties (measured over that grid and 3,000 random input codes), so
the one tie rule changed no width of either."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .. import fixed

WORD_BITS = 128
"""Private parameters travel packed into unsigned words of at most 128 bits (:func:`param_word_bits`), the
first value in the low bits: snarkVM charges a private input per bit and per element, so one word
costs less than its values as separate elements (benchmarks/privacy_costs.py)."""

INPUT_ELEMENT_COST, INPUT_BIT_COST = 37, 1.0
"""Constraints of one more element, and of one more bit, of a private struct input, measured by
benchmarks/privacy_costs.py ("packing": 32 u16 values as 32 elements against 4 u128 words, +1,050;
4 against 8 u128 words, +527). A linear fit: snarkVM hashes and encrypts the input's encoding (each
element's bits and its type data) in 252-bit field elements, so the true cost steps."""


def cheapest_word_bits(widest_value: int, charge: Callable[[int], float], widths: Iterable[int] = fixed.WORD_BITS) -> int:
    """Of ``widths`` (word widths in bits) those at least ``widest_value`` bits wide, the one ``charge``
    (constraints of the words at that width) prices lowest; the widest among equals."""
    return min((w for w in widths if w >= widest_value), key=lambda w: (charge(w), -w))


def input_word_bits(widths: Sequence[int], visibility: str = "private") -> int:
    """Of :data:`stdlib_ml.fixed.WORD_BITS`, the width of the words to pack codes of ``widths`` bits
    into: the one whose array (``[u{w}; fixed.pack_words(widths, w)]``, a ``visibility`` input) the
    cost model's fitted transition charges least (constraints; the widest among equals)."""
    from pyleo import cost

    table, analyzer = cost.load_table(), cost.Analyzer("")

    def charge(bits: int) -> float:
        x = [(f"[u{bits}; {fixed.pack_words(list(widths), bits)}u32]", visibility)]
        return cost.interface_cost(analyzer, x, "inputs", table)

    return cheapest_word_bits(max(widths, default=0), charge)


def param_word_bits(size: int, bits: int) -> int:
    """The width of the words (8 … 128) that carry ``size`` values of ``bits`` bits as members of a
    private struct: the one with the least cost (:data:`INPUT_ELEMENT_COST` per word,
    :data:`INPUT_BIT_COST` per bit, padding included; the widest among equals)."""
    def charge(w: int) -> float:
        return -(-size // (w // bits)) * (INPUT_ELEMENT_COST + INPUT_BIT_COST * w)

    return cheapest_word_bits(bits, charge, (8, 16, 32, 64, WORD_BITS))
