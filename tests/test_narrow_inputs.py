"""Converted models' inputs travel bit-packed (issue 12, point 2): the packing against numpy and
snarkVM, and the digits MLP 64→32→10 that this makes fit one local circuit."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import pyleo as pl
from pyleo import vm
from pyleo.limits import LOCAL_BUDGET
from stdlib_ml import fixed, from_sklearn, linalg

WIDTHS = [0, 1, 7, 60, 64, 128, 5, 3]
ZERO = [9, -4, -100, -(2**59), 2**40, 0, 0, -7]
unpack8 = linalg.unpacker(WIDTHS, ZERO)


@pl.function
def decode(x: pl.Array[pl.U128, 4]) -> pl.Public[pl.Array[pl.Field, 8]]:
    return unpack8(x)


SMALL = [3, 4, 2, 8, 0]
unpack_u8 = linalg.unpacker(SMALL, [-1, 2, 0, -128, 6], 8)


@pl.function
def decode_u8(x: pl.Array[pl.U8, 3]) -> pl.Public[pl.Array[pl.Field, 5]]:
    return unpack_u8(x)


DECODE = pl.Program("narrow_decode", [decode, decode_u8])


def _codes(rng: np.random.Generator) -> list[int]:
    return [int(rng.integers(0, 2**w)) if 0 < w < 63 else (2**w - 1 if w else 0) for w in WIDTHS]


def test_layout_fills_words_in_order_without_straddling() -> None:
    layout = fixed.pack_layout(WIDTHS)
    assert layout == [(0, 0), (0, 0), (0, 1), (0, 8), (1, 0), (2, 0), (3, 0), (3, 5)]
    assert fixed.pack_words(WIDTHS) == 4
    with pytest.raises(ValueError, match="does not fit 7 bits"):
        fixed.pack([0, 0, 128, 0, 0, 0, 0, 0], WIDTHS)
    assert fixed.pack_layout([3, 4, 2, 8], 8) == [(0, 0), (0, 3), (1, 0), (2, 0)]
    with pytest.raises(ValueError, match="does not fit a 8-bit word"):
        fixed.pack_layout([9], 8)
    rng = np.random.default_rng(1)
    for bits in fixed.WORD_BITS:
        widths = [int(w) for w in rng.integers(0, bits + 1, size=20)]
        codes = [int(rng.integers(0, 2**w)) if 0 < w < 63 else 0 for w in widths]
        words = fixed.pack(codes, widths, bits)
        assert all(0 <= v < 2**bits for v in words) and fixed.unpack(words, widths, bits) == codes


P = 8444461749428370424248824938781546531375899335154063827935233455917409239041
"""The field's modulus (snarkVM's BLS12-377 scalar field): a negative v reads p − |v|."""


@pytest.mark.prove
def test_unpacking_recovers_every_code_in_the_interpreter_batch_and_snarkvm() -> None:
    rng = np.random.default_rng(0)
    rows = [_codes(rng) for _ in range(3)]
    words = [fixed.pack(r, WIDTHS) for r in rows]
    want = [[(c + z) % P for c, z in zip(r, ZERO)] for r in rows]    # numpy-free oracle: code + zero
    assert [DECODE.run("decode", w) for w in words] == want
    assert DECODE.run_batch("decode", [[w] for w in words]) == want
    noisy = list(words[0])
    noisy[3] |= 1 << 100              # a set bit no code uses changes nothing
    assert DECODE.run("decode", noisy) == want[0]
    assert DECODE.evaluate("decode", noisy, keys=False) == want[0]      # snarkVM runs the emitted Aleo
    small = [5, 9, 3, 200, 0]
    words = fixed.pack(small, SMALL, 8)
    want_u8 = [(c + z) % P for c, z in zip(small, [-1, 2, 0, -128, 6])]
    assert DECODE.run("decode_u8", words) == DECODE.evaluate("decode_u8", words, keys=False) == want_u8


@cache
def _digits() -> tuple[object, object]:
    from benchmarks import models

    f = models.digits_mlp()
    return f, from_sklearn(f.model, f.X_train)


def test_digits_mlp_agrees_on_the_held_out_split_and_is_predicted_to_fit() -> None:
    f, zk = _digits()
    assert len(f.X_test) == 540
    np.testing.assert_array_equal(zk.predict(f.X_test), f.model.predict(f.X_test))   # 100% agreement
    assert zk.fidelity["passed"] and zk.fidelity["agreement"] == 1.0
    widths = zk.module.INPUT_WIDTHS
    assert len(widths) == 64 and max(widths) <= 20       # each pixel in its range's bits, not 64
    bits = zk.input_word_bits             # 64 codes of 14–18 bits: wide words (u64 or u128) are predicted cheapest
    assert bits >= 64 and f"x: pl.Array[pl.U{bits}, {fixed.pack_words(widths, bits)}]" in zk.source
    est = zk.program.estimate("predict", synthesize_transition=False)
    assert est.total <= LOCAL_BUDGET and not est.uncalibrated, (est.total, est.uncalibrated)
    rows = zk.encode(f.X_test[:5])
    assert [zk.program.run("predict", x) for x in rows] == zk.predict_raw(f.X_test[:5])


@pytest.mark.needs_params
def test_digits_mlp_fits_the_local_parameters_as_predicted(key_cache) -> None:
    _, zk = _digits()
    info = vm.circuit_info(zk.program.aleo(), "predict")
    assert info["constraints"] <= LOCAL_BUDGET and info["non_zero_a"] <= 4 * LOCAL_BUDGET
    est = zk.program.estimate("predict", synthesize_transition=False)
    assert abs(est.total - info["constraints"]) <= 0.02 * info["constraints"], (est.total, info)


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_digits_mlp_proves_and_verifies(key_cache) -> None:
    f, zk = _digits()
    x = f.X_test[7]
    proof = zk.prove(x)
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == f.model.predict(x[None])[0]
    assert list(zk.predict(f.X_test[:4], backend="vm")) == list(f.model.predict(f.X_test[:4]))
