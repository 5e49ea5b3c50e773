"""Linear algebra in field arithmetic: with constant weights a whole dense layer costs 0 constraints.

Values are field elements standing for signed integers (``p - |x|`` for negatives); sums and
products by constants are exact as long as the true integer stays far below p/2 (≈ 2^252), which
the bound analysis in :mod:`stdlib_ml.fixed` checks at compile time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pyleo as pl
from pyleo import DslFunction

from .fixed import INPUT_OFFSET, pack_layout


@pl.inline
def from_offset(x: pl.Array[pl.U64, "N"]) -> pl.Array[pl.Field, "N"]:
    """Decode offset-encoded inputs (``q + 2**62`` as u64, see fixed.encode) to signed field values. 0 constraints."""
    return [pl.Field(x[i]) - INPUT_OFFSET for i in range(N)]  # noqa: F821 (N: generic size)


def unpacker(widths: Sequence[int], zero: Sequence[int], word_bits: int = 128) -> DslFunction:
    """The inline function decoding bit-packed inputs (:func:`stdlib_ml.fixed.pack`) to signed field
    values: ``x: [u{word_bits}; W]`` → ``[field; N]``, element j the code of ``widths[j]`` bits that
    :func:`~stdlib_ml.fixed.pack_layout` places in word/shift, plus ``zero[j]`` (the value whose code
    is 0). Bits of a word no code uses are ignored.

    1 constraint per input. Selecting the bits (a shift and a mask by constants) and casting them to
    a field are free, but the result is a sum over the code's bits, and every constraint a value
    enters carries each of its terms: the local parameters bound those non-zero entries too
    (:func:`pyleo.vm.circuit_info`), and a dense layer would repeat every input's bits in each of its
    sign tests. So each input becomes one new variable: a ternary on a variable bit between two
    computations of the same code (shift then mask, mask then shift: equal, so the ternary always
    yields it) makes snarkVM witness the result and enforce ``bit·(a − b) = w − b``, i.e. w = a."""
    return _unpacker(tuple(int(w) for w in widths), tuple(int(z) for z in zero), int(word_bits))


@cache
def _unpacker(widths: tuple[int, ...], zero: tuple[int, ...], word_bits: int) -> DslFunction:
    if len(widths) != len(zero):
        raise ValueError(f"{len(widths)} code widths but {len(zero)} zero points")
    layout = pack_layout(widths, word_bits)
    Word = {8: pl.U8, 16: pl.U16, 32: pl.U32, 64: pl.U64, 128: pl.U128}[word_bits]
    word = [w for w, _ in layout]
    shift = [s for _, s in layout]
    mask = [2**w - 1 for w in widths]
    n = len(widths)

    @pl.inline
    def unpack(x: pl.Array[Word, "W"]) -> pl.Array[pl.Field, n]:
        """Each input's code (bits selected from its word) plus its zero point, as one field variable."""
        any_bit: pl.Bool = pl.cast_lossy(x[0], pl.Bool)
        return [pl.Field(zero[j]) if mask[j] == 0 else  # a single-valued input carries nothing
                pl.Field((x[word[j]] >> shift[j]) & Word(mask[j])) + zero[j] if any_bit else
                pl.Field((x[word[j]] & Word(mask[j] << shift[j])) >> shift[j]) + zero[j]
                for j in range(n)]

    unpack.name = f"unpack{n}_u{word_bits}"
    return unpack


@pl.inline
def to_field(x: pl.Array[pl.I64, "N"]) -> pl.Array[pl.Field, "N"]:
    """Signed i64 values in [-2^62, 2^62) to field values keeping the sign: 69 constraints per element.

    One checked add of 2^62 (halts for x >= 2^62), a free cast, a free field subtraction. Below -2^62
    the result is x + 2^64 (≥ 2^63), which every sign test of width ≤ 64 rejects by halting. Measured
    alternatives: sign word by ``x >> 63`` (507: the shift needs the bits), a checked cast to u64 (577),
    widening to i128 (640). Cheaper still: pass inputs offset-encoded as u64 (:func:`from_offset`, 0).
    """
    return [pl.Field(x[i] + INPUT_OFFSET) - INPUT_OFFSET for i in range(N)]  # noqa: F821


@pl.inline
def dot(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Field:
    """Σ a_i·b_i. 0 constraints when one side is constant, 1 per element otherwise."""
    acc: pl.Field = 0
    for i in range(N):  # noqa: F821
        acc += a[i] * b[i]
    return acc


@pl.inline
def matvec(w: pl.Array[pl.Array[pl.Field, "N"], "M"], x: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "M"]:
    """W·x for an M×N matrix. 0 constraints for a constant W."""
    return [dot(w[j], x) for j in range(M)]  # noqa: F821


@pl.inline
def add(a: pl.Array[pl.Field, "N"], b: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, "N"]:
    """Elementwise a + b (also adds a bias vector). 0 constraints."""
    return [a[i] + b[i] for i in range(N)]  # noqa: F821


@pl.inline
def scale(a: pl.Array[pl.Field, "N"], k: pl.Field) -> pl.Array[pl.Field, "N"]:
    """Elementwise a·k. 0 constraints for a constant k."""
    return [a[i] * k for i in range(N)]  # noqa: F821


@pl.inline
def dense(w: pl.Array[pl.Array[pl.Field, "N"], "M"], x: pl.Array[pl.Field, "N"],
          b: pl.Array[pl.Field, "M"]) -> pl.Array[pl.Field, "M"]:
    """W·x + b: a dense layer before its activation. 0 constraints for constant W and b."""
    return add(matvec(w, x), b)


@pl.inline
def matmul(a: pl.Array[pl.Array[pl.Field, "K"], "M"],
           b: pl.Array[pl.Array[pl.Field, "N"], "K"]) -> pl.Array[pl.Array[pl.Field, "N"], "M"]:
    """A·B for M×K and K×N matrices. 0 constraints when one side is constant."""
    return [[dot(a[i], [b[k][j] for k in range(K)]) for j in range(N)] for i in range(M)]  # noqa: F821


def sparse_matvec(index: Sequence[Sequence[int]]) -> DslFunction:
    """The inline function ``(w, x) -> [Σ_k w[i][k]·x[index[i][k]] for each row i]``: a matrix–vector
    product over constant index patterns (a convolution, a pool, any sparse layer), ``index`` an
    M×K table of positions into ``x`` (rows with fewer taps padded with weight 0), ``w`` the M×K
    weights. 0 constraints for constant weights, like :func:`matvec`, but the program holds K
    products per row instead of len(x)."""
    return _sparse_matvec(tuple(tuple(int(i) for i in row) for row in index))


@cache
def _sparse_matvec(index: tuple[tuple[int, ...], ...]) -> DslFunction:
    m, k = len(index), len(index[0]) if index else 0
    if m == 0 or k == 0 or any(len(row) != k for row in index) or min(min(row) for row in index) < 0:
        raise ValueError("sparse_matvec needs a non-empty rectangular table of non-negative indices")

    @pl.inline
    def sparse_mv(w: pl.Array[pl.Array[pl.Field, k], m], x: pl.Array[pl.Field, "N"]) -> pl.Array[pl.Field, m]:
        """Row i: Σ_k w[i][k]·x[index[i][k]]."""
        return [dot(w[i], [x[index[i][j]] for j in range(k)]) for i in range(m)]

    sparse_mv.name = f"sparse_matvec{m}x{k}_{abs(hash(index)) % 10**8}"
    return sparse_mv
