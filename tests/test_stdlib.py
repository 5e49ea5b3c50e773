"""stdlib_ml against independent numpy computations, and samples on snarkVM.

Each primitive runs in the reference interpreter on seeded random inputs over its documented range
(field inputs, so that every value of the range is reachable) and is compared with numpy / plain
Python. Then one snarkVM ``evaluate`` per family of primitives (offset-encoded ``u64`` inputs, as
models take them) checks the circuit against the interpreter and numpy, including a halt, and a few
differential constraint counts check the cost targets of the issue (keys are cached on disk, so only
the first run synthesizes them).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from stdlib_ml import (
    activations,
    compare,
    distance,
    fixed,
    linalg,
    models,
    reduce,
    trees,
)

P = pl.FIELD_MODULUS
OFF = fixed.INPUT_OFFSET


def signed(v: int) -> int:
    """A canonical field element as the signed integer it stands for."""
    v = int(v) % P
    return v - P if v > P // 2 else v


def signed_all(vs: Any) -> list[int]:
    return [signed(v) for v in vs]


def rand_signed(rng: np.random.Generator, lo: int, hi: int, n: int) -> list[int]:
    """n integers in [lo, hi) with log-uniform magnitudes (small and huge values both show up)."""
    out = []
    for _ in range(n):
        mag = int(rng.integers(0, max(abs(lo), abs(hi)).bit_length() + 1))
        v = int(rng.integers(-(2**mag), 2**mag + 1)) if mag < 63 else int(rng.integers(-(2**62), 2**62)) << (mag - 62)
        out.append(min(max(v, lo), hi - 1))
    return out


# ---- interpreter programs (never synthesized): field inputs reach every documented value -----------
W35 = [[3, -7, 0, 250, -256], [1, 1, 1, 1, 1], [-128, 64, -32, 16, -8]]
B3 = [65536, -1, 0]
A23 = [[1, -2, 3], [0, 5, -6]]

NONNEG32, NONNEG64, NONNEG128 = compare.is_nonneg(32), compare.is_nonneg(64), compare.is_nonneg(128)
NONNEG8, NONNEG16 = compare.is_nonneg(8), compare.is_nonneg(16)
GT32, GT64 = compare.greater(32), compare.greater(64)
RELU32, RELU64, RELU128 = activations.relu_vec(32), activations.relu_vec(64), activations.relu(128)
LEAKY = activations.leaky_relu(3, 8)
HTANH, HSIG = activations.hard_tanh(256), activations.hard_sigmoid(256)
SIG_8_8, SIG_8_16, SIG_6_12 = (activations.sigmoid_poly(8, 8), activations.sigmoid_poly(8, 16),
                               activations.sigmoid_poly(6, 12))
ARGMAX64, ARGMAX32, ARGMIN64 = reduce.argmax(64), reduce.argmax(32), reduce.argmin(64)
MAX64, MIN64 = reduce.maximum(64), reduce.minimum(64)
MANH64 = distance.manhattan(64)
KSMALL3 = distance.k_smallest(3)
KSMALL3_FIELD = distance.k_smallest(3, 64, pl.Field)
CLASSES4 = [0, 1, 2, 3]


@pl.function
def t_from_offset(x: pl.Array[pl.U64, 6]) -> pl.Array[pl.Field, 6]:
    return linalg.from_offset(x)


@pl.function
def t_to_field(x: pl.Array[pl.I64, 6]) -> pl.Array[pl.Field, 6]:
    return linalg.to_field(x)


@pl.function
def t_to_field_sign(x: pl.Array[pl.I64, 6]) -> pl.Bool:
    return compare.is_nonneg64(linalg.to_field(x)[0])


@pl.function
def t_dense(x: pl.Array[pl.Field, 5]) -> pl.Array[pl.Field, 3]:
    return linalg.dense(W35, x, B3)


@pl.function
def t_matvec(x: pl.Array[pl.Field, 5]) -> pl.Array[pl.Field, 3]:
    return linalg.matvec(W35, x)


@pl.function
def t_dot(a: pl.Array[pl.Field, 7], b: pl.Array[pl.Field, 7]) -> pl.Field:
    return linalg.dot(a, b)


@pl.function
def t_add_scale(a: pl.Array[pl.Field, 4], b: pl.Array[pl.Field, 4]) -> pl.Array[pl.Field, 4]:
    return linalg.scale(linalg.add(a, b), -3)


@pl.function
def t_matmul(b: pl.Array[pl.Array[pl.Field, 2], 3]) -> pl.Array[pl.Array[pl.Field, 2], 2]:
    return linalg.matmul(A23, b)


@pl.function
def t_nonneg(v32: pl.Array[pl.Field, 8], v64: pl.Array[pl.Field, 8],
             v128: pl.Array[pl.Field, 8]) -> tuple[pl.Array[pl.Bool, 8], pl.Array[pl.Bool, 8], pl.Array[pl.Bool, 8]]:
    return ([NONNEG32(v32[i]) for i in range(8)], [NONNEG64(v64[i]) for i in range(8)],
            [NONNEG128(v128[i]) for i in range(8)])


@pl.function
def t_nonneg_small(v8: pl.Array[pl.Field, 8], v16: pl.Array[pl.Field, 8]) -> tuple[pl.Array[pl.Bool, 8], pl.Array[pl.Bool, 8]]:
    return [NONNEG8(v8[i]) for i in range(8)], [NONNEG16(v16[i]) for i in range(8)]


@pl.function
def t_nonneg8(v: pl.Field) -> pl.Bool:
    return NONNEG8(v)


@pl.function
def t_nonneg16(v: pl.Field) -> pl.Bool:
    return NONNEG16(v)


@pl.function
def t_nonneg32(v: pl.Field) -> pl.Bool:
    return NONNEG32(v)


@pl.function
def t_nonneg64(v: pl.Field) -> pl.Bool:
    return NONNEG64(v)


@pl.function
def t_greater(a: pl.Array[pl.Field, 8], b: pl.Array[pl.Field, 8],
              c: pl.Array[pl.Field, 8], d: pl.Array[pl.Field, 8]) -> tuple[pl.Array[pl.Bool, 8], pl.Array[pl.Bool, 8]]:
    return [GT64(a[i], b[i]) for i in range(8)], [GT32(c[i], d[i]) for i in range(8)]


@pl.function
def t_relu(v32: pl.Array[pl.Field, 8], v64: pl.Array[pl.Field, 8],
           v128: pl.Array[pl.Field, 8]) -> tuple[pl.Array[pl.Field, 8], pl.Array[pl.Field, 8], pl.Array[pl.Field, 8]]:
    return RELU32(v32), RELU64(v64), [RELU128(v128[i]) for i in range(8)]


@pl.function
def t_acts(v: pl.Array[pl.Field, 8]) -> tuple[pl.Array[pl.Field, 8], pl.Array[pl.Field, 8], pl.Array[pl.Field, 8]]:
    return [LEAKY(v[i]) for i in range(8)], [HTANH(v[i]) for i in range(8)], [HSIG(v[i]) for i in range(8)]


@pl.function
def t_sigmoid(v: pl.Array[pl.Field, 64]) -> tuple[pl.Array[pl.Field, 64], pl.Array[pl.Field, 64]]:
    return [SIG_8_8(v[i]) for i in range(64)], [SIG_8_16(v[i]) for i in range(64)]


@pl.function
def t_sigmoid6(v: pl.Array[pl.Field, 64]) -> pl.Array[pl.Field, 64]:
    return [SIG_6_12(v[i]) for i in range(64)]


@pl.function
def t_reduce(v: pl.Array[pl.Field, 7], w: pl.Array[pl.Field, 7]) -> tuple[pl.U8, pl.U8, pl.U8, pl.Field, pl.Field, pl.Field]:
    return ARGMAX64(v), ARGMIN64(v), ARGMAX32(w), MAX64(v), MIN64(v), reduce.total(v)


@pl.function
def t_votes(ids: pl.Array[pl.U8, 9]) -> tuple[pl.Array[pl.Field, 4], pl.U8]:
    return reduce.bincount(ids, CLASSES4), reduce.majority(ids, CLASSES4)


@pl.function
def t_votes_field(ids: pl.Array[pl.Field, 9]) -> tuple[pl.Array[pl.Field, 4], pl.U8]:
    return reduce.bincount_field(ids, CLASSES4), reduce.majority_field(ids, CLASSES4)


@pl.function
def t_sq_scores(p: pl.Array[pl.Array[pl.Field, 3], 4], scale: pl.Array[pl.Field, 3],
                x: pl.Array[pl.Field, 3]) -> pl.Array[pl.Field, 4]:
    return distance.sq_scores(p, scale, x)


@pl.function
def t_distance(a: pl.Array[pl.Field, 5], b: pl.Array[pl.Field, 5]) -> tuple[pl.Field, pl.Field]:
    return distance.sq_euclidean(a, b), MANH64(a, b)


@pl.function
def t_k_smallest(d: pl.Array[pl.Field, 9], labels: pl.Array[pl.U8, 9]) -> pl.Array[pl.U8, 3]:
    return KSMALL3(d, labels)


@pl.function
def t_k_smallest_field(d: pl.Array[pl.Field, 9], labels: pl.Array[pl.Field, 9]) -> pl.Array[pl.Field, 3]:
    return KSMALL3_FIELD(d, labels)


INTERP = pl.Program("stdlib_interp", [t_from_offset, t_to_field, t_to_field_sign, t_dense, t_matvec, t_dot, t_add_scale, t_matmul,
                                      t_nonneg, t_nonneg_small, t_nonneg8, t_nonneg16, t_nonneg32, t_nonneg64, t_greater, t_relu, t_acts, t_sigmoid,
                                      t_sigmoid6, t_reduce, t_votes, t_votes_field, t_distance, t_sq_scores,
                                      t_k_smallest, t_k_smallest_field])


def run(fn: str, *args: Any) -> Any:
    return INTERP.run(fn, *args)


# ---- fixed -------------------------------------------------------------------------------------------
def test_quantize_rounds_half_to_even_and_is_exact_on_the_grid() -> None:
    assert fixed.quantize([0.5, 1.5, 2.5, -0.5, -1.5], 0).tolist() == [0, 2, 2, 0, -2]
    k = np.arange(-1000, 1001)
    assert fixed.quantize(k / 256, 8).tolist() == k.tolist()
    assert np.all(fixed.dequantize(fixed.quantize(k / 256, 8), 8) == k / 256)
    rng = np.random.default_rng(0)
    x = rng.uniform(-100, 100, 1000)
    assert np.max(np.abs(fixed.dequantize(fixed.quantize(x, 8), 8) - x)) <= 2.0**-9
    big = fixed.quantize([2.0**70, -(2.0**70)], 8)
    assert big.dtype == object and big.tolist() == [2**78, -(2**78)]
    with pytest.raises(ValueError):
        fixed.quantize([1.0, float("nan")], 8)
    with pytest.raises(ValueError):
        fixed.quantize([float("inf")], 8)


def test_encode_offsets_and_rejects_what_does_not_fit() -> None:
    x = np.array([[0.0, -1.0], [2.5, -3.25]])
    assert fixed.encode(x, 8) == [OFF, OFF - 256, OFF + 640, OFF - 832]
    assert fixed.encode([0.1]) == [OFF + round(0.1 * 2**fixed.DEFAULT_INPUT_BITS)]
    assert run("t_from_offset", fixed.encode([0, -1, 1, -1e9, 1e9, 3.3], 8)) == \
        [v % P for v in fixed.quantize([0, -1, 1, -1e9, 1e9, 3.3], 8).tolist()]
    with pytest.raises(ValueError):
        fixed.encode([2.0**54], 8)     # 2^62 at scale 2^8
    with pytest.raises(ValueError):
        fixed.encode([-(2.0**54)], 8)
    assert fixed.encode([-(2.0**53), 2.0**53], 8) == [OFF - 2**61, OFF + 2**61]


def test_sign_bits_thresholds() -> None:
    assert fixed.SIGN_WIDTHS == (8, 16, 32, 64, 128)
    assert [fixed.sign_bits(b, smallest=8) for b in (0, 127, 128, 2**15 - 1, 2**15, 2**31 - 1, 2**31)] == \
        [8, 8, 16, 16, 32, 32, 64]
    assert fixed.sign_bits(100, smallest=16) == 16
    assert fixed.sign_bits(0) == 32
    assert fixed.sign_bits(2**31 - 1) == 32
    assert fixed.sign_bits(2**31) == 64
    assert fixed.sign_bits(2**63 - 1) == 64
    assert fixed.sign_bits(2**63) == 128
    assert fixed.sign_bits(float(2**100)) == 128
    with pytest.raises(OverflowError):
        fixed.sign_bits(2**127)


def test_dense_bound_is_tight_and_safe_for_the_sign_test() -> None:
    rng = np.random.default_rng(1)
    W = rng.integers(-256, 257, size=(3, 5))
    b = rng.integers(-(2**16), 2**16, size=3)
    bound_in = 2**12
    bound = fixed.dense_bound(W, b, bound_in)
    for _ in range(200):
        x = rng.integers(-bound_in, bound_in + 1, size=5)
        assert np.max(np.abs(W @ x + b)) <= bound
    # attained: every input at ±bound with the signs of the worst row's weights and bias
    worst = int(np.argmax(np.abs(W).sum(axis=1) * bound_in + np.abs(b)))
    sgn = 1 if b[worst] >= 0 else -1
    x = sgn * bound_in * np.where(W[worst] >= 0, 1, -1)
    assert abs(int((W @ x + b)[worst])) == bound
    # the width sign_bits picks for that bound never halts on the worst case
    w = fixed.sign_bits(bound)
    assert w == 32
    assert run("t_nonneg32", int((W @ x + b)[worst])) is (sgn > 0)


# ---- linalg ------------------------------------------------------------------------------------------
def test_from_offset_and_to_field() -> None:
    rng = np.random.default_rng(2)
    for _ in range(50):
        q = rand_signed(rng, -(2**62), 2**62, 6)
        assert signed_all(run("t_from_offset", [v + OFF for v in q])) == q
        assert signed_all(run("t_to_field", q)) == q
    assert signed_all(run("t_from_offset", [0, 2**64 - 1, OFF, OFF - 1, OFF + 1, 12])) == \
        [-OFF, 2**64 - 1 - OFF, 0, -1, 1, 12 - OFF]
    with pytest.raises(pl.ExecutionError):          # i64 add of 2^62 overflows: halts
        run("t_to_field", [2**62, 0, 0, 0, 0, 0])


def test_to_field_below_its_range_is_caught_by_the_next_sign_test() -> None:
    """Below -2^62 to_field yields x + 2^64 (documented); any sign test of width <= 64 then halts."""
    q = [-(2**63), -(2**62) - 1, 0, 0, 0, 0]
    assert signed_all(run("t_to_field", q))[:2] == [v + 2**64 for v in q[:2]]
    for v in q[:2]:
        with pytest.raises(pl.ExecutionError):
            run("t_to_field_sign", [v, 0, 0, 0, 0, 0])


def test_dense_matvec_dot_add_scale_matmul_against_numpy() -> None:
    rng = np.random.default_rng(3)
    W, B = np.array(W35, dtype=object), np.array(B3, dtype=object)
    for _ in range(100):
        x = np.array(rand_signed(rng, -(2**60), 2**60, 5), dtype=object)
        assert signed_all(run("t_dense", x.tolist())) == (W.dot(x) + B).tolist()
        assert signed_all(run("t_matvec", x.tolist())) == W.dot(x).tolist()
        a, b = rand_signed(rng, -(2**100), 2**100, 7), rand_signed(rng, -(2**100), 2**100, 7)
        assert signed(run("t_dot", a, b)) == sum(p * q for p, q in zip(a, b))
        a4, b4 = a[:4], b[:4]
        assert signed_all(run("t_add_scale", a4, b4)) == [-3 * (p + q) for p, q in zip(a4, b4)]
        m = np.array(rand_signed(rng, -(2**40), 2**40, 6), dtype=object).reshape(3, 2)
        got = [signed_all(row) for row in run("t_matmul", m.tolist())]
        assert got == np.array(A23, dtype=object).dot(m).tolist()
    # field arithmetic wraps mod p beyond p/2 (the bound analysis must keep values below it)
    assert run("t_dot", [P // 2 + 1] + [0] * 6, [1] * 7) == P // 2 + 1


# ---- compare -----------------------------------------------------------------------------------------
def test_is_nonneg_on_its_whole_range() -> None:
    rng = np.random.default_rng(4)
    for _ in range(60):
        vs = {w: rand_signed(rng, -(2 ** (w - 1)), 2 ** (w - 1), 8) for w in (32, 64, 128)}
        for w, v in vs.items():
            v[:4] = [-(2 ** (w - 1)), 2 ** (w - 1) - 1, 0, -1]
            rng.shuffle(v)
        got = run("t_nonneg", vs[32], vs[64], vs[128])
        assert [list(g) for g in got] == [[v >= 0 for v in vs[w]] for w in (32, 64, 128)]


def test_is_nonneg_8_and_16_bits_on_their_whole_range() -> None:
    """Widths 8 and 16 (tree splits on narrow features): every value of the 8-bit range, edges of 16."""
    rng = np.random.default_rng(41)
    v16 = list(range(-(2**15), -(2**15) + 64)) + list(range(2**15 - 64, 2**15)) + list(range(-64, 64))
    v16 += rand_signed(rng, -(2**15), 2**15, 64)
    v8 = list(range(-128, 128))
    for i in range(0, 256, 8):
        got8, got16 = run("t_nonneg_small", v8[i:i + 8], v16[i:i + 8])
        assert list(got8) == [v >= 0 for v in v8[i:i + 8]]
        assert list(got16) == [v >= 0 for v in v16[i:i + 8]]


@pytest.mark.parametrize("fn,w", [("t_nonneg8", 8), ("t_nonneg16", 16), ("t_nonneg32", 32), ("t_nonneg64", 64)])
def test_is_nonneg_halts_outside_its_range(fn: str, w: int) -> None:
    for v in (2 ** (w - 1), -(2 ** (w - 1)) - 1, P // 2, 2**200):
        with pytest.raises(pl.ExecutionError):
            run(fn, v)


def test_is_nonneg_rejects_other_widths() -> None:
    with pytest.raises(ValueError):
        compare.is_nonneg(24)


def test_greater_against_python() -> None:
    rng = np.random.default_rng(5)
    for _ in range(100):
        cols = []
        for w in (64, 32):
            a = rand_signed(rng, -(2**90), 2**90, 8)
            d = rand_signed(rng, -(2 ** (w - 1)) + 1, 2 ** (w - 1) + 1, 8)   # a - b - 1 in range
            d[:3] = [0, 1, -1]
            cols += [a, [x - y for x, y in zip(a, d)]]
        got64, got32 = run("t_greater", *cols)
        assert list(got64) == [x > y for x, y in zip(cols[0], cols[1])]
        assert list(got32) == [x > y for x, y in zip(cols[2], cols[3])]


# ---- activations -------------------------------------------------------------------------------------
def test_relu_against_numpy_maximum() -> None:
    rng = np.random.default_rng(6)
    for _ in range(60):
        vs = [rand_signed(rng, -(2 ** (w - 1)), 2 ** (w - 1), 8) for w in (32, 64, 128)]
        got = run("t_relu", *vs)
        for g, v in zip(got, vs):
            assert signed_all(g) == np.maximum(np.array(v, dtype=object), 0).tolist()
    with pytest.raises(pl.ExecutionError):
        run("t_relu", [2**31] + [0] * 7, [0] * 8, [0] * 8)


def test_leaky_hard_tanh_hard_sigmoid_against_their_definitions() -> None:
    rng = np.random.default_rng(7)
    one = 256
    for _ in range(100):
        v = rand_signed(rng, -(2**60), 2**60, 8)
        v[:4] = [int(rng.integers(-8 * one, 8 * one)) for _ in range(4)]
        v[4:6] = [one, -one]
        leaky, htanh, hsig = (signed_all(g) for g in run("t_acts", v))
        assert leaky == [x * 2**8 if x >= 0 else x * 3 for x in v]          # slope 3/256, scale × 2^8
        assert htanh == [min(max(x, -one), one) for x in v]
        assert hsig == [min(max(x + 3 * one, 0), 6 * one) for x in v]       # at 6× the input's scale
    # the float definitions, on the whole 2^-8 grid of [-8, 8]: exact
    q = np.arange(-8 * one, 8 * one + 1)
    got_t, got_s = [], []
    for i in range(0, len(q), 8):
        chunk = q[i:i + 8].tolist()
        chunk += [0] * (8 - len(chunk))
        _, t, s = run("t_acts", chunk)
        got_t += signed_all(t)
        got_s += signed_all(s)
    x = q / one
    assert np.max(np.abs(np.array(got_t[:len(q)]) / one - np.clip(x, -1, 1))) == 0
    assert np.max(np.abs(np.array(got_s[:len(q)]) / (6 * one) - np.clip(x / 6 + 0.5, 0, 1))) < 1e-15


def sigmoid_model(q: int, in_bits: int, out_bits: int) -> int:
    """sigmoid_poly's documented integer formula, in plain Python."""
    s_in = 2**in_bits
    lim = int(activations.SIGMOID_RANGE * s_in)
    c0, c1, c3 = (round(c * 2**out_bits) for c in activations.SIGMOID_COEFFS)
    x = min(max(q, -lim), lim)
    return c0 * s_in**3 + c1 * s_in * s_in * x + c3 * x**3


@cache
def sigmoid_outputs(in_bits: int, out_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every input of the 2^-in_bits grid of [-8, 8] and the interpreter's outputs as reals."""
    s_in = 2**in_bits
    q = np.arange(-8 * s_in, 8 * s_in + 1)
    out: list[int] = []
    for i in range(0, len(q), 64):
        chunk = q[i:i + 64].tolist()
        n = len(chunk)
        chunk += [0] * (64 - n)
        if in_bits == 8:
            o8, o16 = run("t_sigmoid", chunk)
            res = o8 if out_bits == 8 else o16
        else:
            res = run("t_sigmoid6", chunk)
        out += signed_all(res)[:n]
    for qq, o in zip(q[::97], out[::97]):
        assert o == sigmoid_model(int(qq), in_bits, out_bits)
    return q / s_in, np.array(out, dtype=np.float64) / float(2 ** (3 * in_bits + out_bits))


@pytest.mark.parametrize("in_bits,out_bits", [(8, 8), (8, 16), (6, 12)])
def test_sigmoid_poly_is_its_integer_formula(in_bits: int, out_bits: int) -> None:
    rng = np.random.default_rng(8)
    s_in = 2**in_bits
    qs = rng.integers(-10 * s_in, 10 * s_in, size=64).tolist()
    if in_bits == 8:
        got = signed_all(run("t_sigmoid", qs)[0 if out_bits == 8 else 1])
    else:
        got = signed_all(run("t_sigmoid6", qs))
    assert got == [sigmoid_model(q, in_bits, out_bits) for q in qs]


def fit_error() -> float:
    """Max |c0 + c1 x + c3 x³ − logistic(x)| on [-R, R] with the float coefficients."""
    x = np.linspace(-activations.SIGMOID_RANGE, activations.SIGMOID_RANGE, 200_001)
    c0, c1, c3 = activations.SIGMOID_COEFFS
    return float(np.max(np.abs(c0 + c1 * x + c3 * x**3 - 1 / (1 + np.exp(-x)))))


def quantization_bound(out_bits: int) -> float:
    """What rounding the coefficients at 2^out_bits can add on [-R, R]."""
    r = activations.SIGMOID_RANGE
    return sum(abs(c - round(c * 2**out_bits) / 2**out_bits) * r**k
               for c, k in zip(activations.SIGMOID_COEFFS, (0, 1, 3)))


@pytest.mark.parametrize("in_bits,out_bits", [(8, 8), (8, 16), (6, 12)])
def test_sigmoid_poly_error_within_fit_plus_quantization(in_bits: int, out_bits: int) -> None:
    """Against numpy's logistic: within the coefficients' actual fit error plus their rounding."""
    x, got = sigmoid_outputs(in_bits, out_bits)
    err = np.abs(got - 1 / (1 + np.exp(-x)))
    inside = np.abs(x) <= activations.SIGMOID_RANGE
    bound = fit_error() + quantization_bound(out_bits)
    assert err[inside].max() <= bound + 1e-12
    # outside [-R, R] the output is the value at ±R: the logistic's tail adds at most 1 - σ(R)
    tail = 1 - 1 / (1 + np.exp(-activations.SIGMOID_RANGE))
    assert err[~inside].max() <= bound + tail + 1e-12


DOCUMENTED_FIT_ERROR = 0.039   # activations.SIGMOID_COEFFS' docstring


def test_sigmoid_poly_meets_its_documented_bound() -> None:
    x, got = sigmoid_outputs(8, 16)
    inside = np.abs(x) <= activations.SIGMOID_RANGE
    err = np.abs(got - 1 / (1 + np.exp(-x)))
    assert err[inside].max() <= DOCUMENTED_FIT_ERROR + quantization_bound(16)
    assert fit_error() <= DOCUMENTED_FIT_ERROR
    assert got.min() >= 0 and got.max() <= 1


# ---- reduce ------------------------------------------------------------------------------------------
def test_argmax_argmin_max_min_total_against_numpy() -> None:
    rng = np.random.default_rng(9)
    for trial in range(300):
        hi = [3, 2**20, 2**61][trial % 3]                   # small ranges force ties
        v = rng.integers(-hi, hi + 1, size=7).tolist()
        w = rng.integers(-min(hi, 2**29), min(hi, 2**29) + 1, size=7).tolist()
        am, an, am32, mx, mn, tot = run("t_reduce", v, w)
        assert (am, an, am32) == (int(np.argmax(v)), int(np.argmin(v)), int(np.argmax(w)))
        assert (signed(mx), signed(mn), signed(tot)) == (max(v), min(v), sum(v))


def test_bincount_and_majority_against_numpy() -> None:
    rng = np.random.default_rng(10)
    for trial in range(200):
        ids = rng.integers(0, 4 if trial % 2 else 6, size=9)    # ids 4, 5 match no class
        want = np.bincount(ids, minlength=6)[:4]
        for fn in ("t_votes", "t_votes_field"):   # u8 ids, and field ids (a private-weight KNN's labels)
            counts, major = run(fn, ids.tolist())
            assert counts == want.tolist()
            if trial % 2:
                assert major == int(np.bincount(ids, minlength=4).argmax())


# ---- distance ----------------------------------------------------------------------------------------
def test_sq_euclidean_and_manhattan_against_numpy() -> None:
    rng = np.random.default_rng(11)
    for _ in range(100):
        a = np.array(rand_signed(rng, -(2**61), 2**61, 5), dtype=object)
        b = np.array(rand_signed(rng, -(2**61), 2**61, 5), dtype=object)
        sq, l1 = run("t_distance", a.tolist(), b.tolist())
        assert signed(sq) == int(np.sum((a - b) ** 2))
        assert signed(l1) == int(np.sum(np.abs(a - b)))


def test_k_smallest_against_stable_argsort() -> None:
    rng = np.random.default_rng(12)
    for trial in range(200):
        hi = [4, 2**40][trial % 2]
        d = rng.integers(-hi, hi + 1, size=9)
        labels = rng.permutation(256)[:9]
        want = labels[np.argsort(d, kind="stable")[:3]].tolist()
        assert run("t_k_smallest", d.tolist(), labels.tolist()) == want
        assert run("t_k_smallest_field", d.tolist(), labels.tolist()) == want


def test_sq_scores_order_points_as_their_distances() -> None:
    """Σ_f s_f·p_f·(p_f − 2·x_f) is the weighted ‖x − p‖² less ‖x‖²_s (numpy, exact integers)."""
    rng = np.random.default_rng(13)
    for _ in range(100):
        p = np.array(rand_signed(rng, -(2**20), 2**20, 12), dtype=object).reshape(4, 3)
        s = np.array(rand_signed(rng, 1, 2**20, 3), dtype=object)
        x = np.array(rand_signed(rng, -(2**20), 2**20, 3), dtype=object)
        got = [signed(v) for v in run("t_sq_scores", p.tolist(), s.tolist(), x.tolist())]
        assert got == [int(np.sum(s * (x - row) ** 2) - np.sum(s * x * x)) for row in p]


# ---- trees -------------------------------------------------------------------------------------------
@cache
def dataset(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris, load_wine
    from sklearn.model_selection import train_test_split

    X, y = (load_iris if name == "iris" else load_wine)(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))  # type: ignore[return-value]


@cache
def fitted(name: str, depth: int, leaf: str = "class", forest: bool = True) -> tuple[Any, trees.TreeArrays]:
    """A tree of exactly ``depth`` levels; ``forest``: random-forest style (``max_features="sqrt"``),
    as in benchmarks/stdlib_costs.py (with every feature both training sets separate at depth 4)."""
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = dataset(name)
    clf = DecisionTreeClassifier(max_depth=depth, max_features="sqrt" if forest else None,
                                 random_state=1 if forest else 0).fit(X_train, y_train)
    assert clf.get_depth() == depth
    value = clf.tree_.value[:, 0, :]
    if leaf == "class":
        leaves = clf.classes_[np.argmax(value, axis=1)].reshape(-1, 1).astype(np.int64)
    else:   # class frequencies at 2^8: K values per leaf, as a forest would sum them
        leaves = np.rint(value / value.sum(axis=1, keepdims=True) * 256).astype(np.int64)
    return clf, trees.TreeArrays.from_sklearn(clf.tree_, fixed.DEFAULT_INPUT_BITS, leaves)


def tree_program(t: trees.TreeArrays, nf: int, kind: str) -> pl.Program:
    helper = (trees.tree_paths if kind == "paths" else trees.tree_depthwise)(t)
    k = len(t.leaf_values[0])

    @pl.function
    def tree(x: pl.Array[pl.Field, nf]) -> pl.Array[pl.Field, k]:
        _nf = nf  # (puts the sizes in the closure: the checker reads annotations from it)
        _k = k
        return helper(x)

    return pl.Program("stdlib_tree", [tree])


def near_threshold_samples(t: trees.TreeArrays, nf: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """Random quantized samples with features set to a split's threshold, one above, or one below."""
    xq = rng.integers(0, 2**12, size=(n, nf))
    for row in xq:
        for _ in range(3):
            if t.feature:
                i = int(rng.integers(len(t.feature)))
                row[t.feature[i]] = t.threshold[i] + int(rng.integers(-1, 2))
    return xq


TREE_CASES = [(n, d, True) for n in ("iris", "wine") for d in (2, 3, 4, 5)] + [("iris", 4, False), ("wine", 4, False)]


@pytest.mark.parametrize("name,depth,forest", TREE_CASES)
def test_trees_agree_with_the_oracle(name: str, depth: int, forest: bool) -> None:
    """Both formulations = TreeArrays.predict on the held-out split and next to every threshold."""
    _, t = fitted(name, depth, forest=forest)
    _, X_test, _, _ = dataset(name)
    nf = X_test.shape[1]
    xq = fixed.quantize(X_test, fixed.DEFAULT_INPUT_BITS)
    oracle = [int(v[0]) for v in t.predict(xq)]
    rng = np.random.default_rng(depth)
    near = near_threshold_samples(t, nf, rng, 40)
    near_oracle = [list(v) for v in t.predict(near)]
    for kind in ("paths", "depthwise"):
        prog = tree_program(t, nf, kind)
        got = [signed(prog.run("tree", x.tolist())[0]) for x in xq]
        assert got == oracle, kind
        assert [prog.run("tree", x.tolist()) for x in near] == near_oracle, kind


@pytest.mark.parametrize("name,depth,forest", TREE_CASES)
def test_quantized_trees_keep_sklearn_predictions(name: str, depth: int, forest: bool) -> None:
    """8-bit inputs: every held-out prediction of scikit-learn is kept (the circuit = TreeArrays.predict)."""
    clf, t = fitted(name, depth, forest=forest)
    _, X_test, _, _ = dataset(name)
    oracle = np.array([int(v[0]) for v in t.predict(fixed.quantize(X_test, fixed.DEFAULT_INPUT_BITS))])
    agree = np.mean(oracle == clf.predict(X_test))
    assert agree == 1.0, f"{name} depth {depth}: {agree:.3f} agreement with sklearn"


@pytest.mark.parametrize("kind", ["paths", "depthwise"])
def test_tree_with_vector_leaves(kind: str) -> None:
    _, t = fitted("wine", 4, leaf="freq")
    _, X_test, _, _ = dataset("wine")
    xq = fixed.quantize(X_test, fixed.DEFAULT_INPUT_BITS)
    prog = tree_program(t, X_test.shape[1], kind)
    assert [prog.run("tree", x.tolist()) for x in xq] == [list(v) for v in t.predict(xq)]
    assert len(t.leaf_values[0]) == 3


def test_tree_arrays_match_sklearn_structure() -> None:
    clf, t = fitted("iris", 3, forest=False)
    tree = clf.tree_
    internal = [i for i in range(tree.node_count) if tree.children_left[i] != -1]
    assert len(t.feature) == len(internal) and len(t.leaf_values) == tree.node_count - len(internal)
    assert t.depth == clf.get_depth()
    assert list(t.threshold) == [int(np.rint(tree.threshold[i] * 256)) for i in internal]
    assert {len(p) for p in t.paths} <= set(range(1, t.depth + 1))


# A tree whose four splits need four different widths over the declared ranges (x_q integers):
#   node 0: x0 <= 100      x0 in [-27, 227]                    |T - x| <= 127      → 8 bits
#   node 1: x1 <= -5       x1 in [-133, 95]                    |T - x| <= 128      → 16 bits
#   node 2: x2 <= 40000    x2 in [40000 - 2^31 + 1, 40000 + 2^20] |T - x| <= 2^31 - 1 → 32 bits
#   node 3: x3 <= 2^40     x3 in [2^40 - 2^62, 2^40 + 5]      |T - x| <= 2^62     → 64 bits
WIDE = models.tree(feature=[0, 1, 0, 0, 2, 3, 0, 0, 0], threshold=[100, -5, 0, 0, 40000, 2**40, 0, 0, 0],
                   left=[1, 2, -1, -1, 5, 6, -1, -1, -1], right=[4, 3, -1, -1, 8, 7, -1, -1, -1],
                   value=[[0], [0], [10], [11], [0], [0], [12], [13], [14]])
WIDE_LOW = [-27, -133, 40000 - 2**31 + 1, 2**40 - 2**62]
WIDE_HIGH = [227, 95, 40000 + 2**20, 2**40 + 5]
WIDE_WIDTHS = trees.node_widths(WIDE, WIDE_LOW, WIDE_HIGH)
WIDE_PATHS, WIDE_DEPTHWISE = trees.tree_paths(WIDE, WIDE_WIDTHS), trees.tree_depthwise(WIDE, WIDE_WIDTHS)


@pl.function
def t_wide_tree(x: pl.Array[pl.Field, 4]) -> tuple[pl.Field, pl.Field]:
    return WIDE_PATHS(x)[0], WIDE_DEPTHWISE(x)[0]


WIDE_PROG = pl.Program("stdlib_wide_tree", [t_wide_tree])


def wide_edges(f: int) -> list[int]:
    """x_q values of feature f at the edges of its range and next to its node's threshold."""
    t = WIDE.threshold[WIDE.feature.index(f)]
    return [WIDE_LOW[f], WIDE_LOW[f] + 1, t - 1, t, t + 1, WIDE_HIGH[f] - 1, WIDE_HIGH[f]]


def test_node_widths_are_the_narrowest_that_hold_each_feature_range() -> None:
    assert WIDE_WIDTHS == (8, 16, 32, 64)
    assert trees.node_widths(WIDE, [-27, -132, 40000 - 2**15 + 1, 2**40], [227, 95, 40000, 2**40])[:3] == (8, 8, 16)
    assert trees.node_widths(WIDE, WIDE_LOW, [228] + WIDE_HIGH[1:])[0] == 16   # |100 - 228| = 128
    assert trees.node_widths(WIDE, [0] * 4, [0, 0, 0, 2**126])[3:] == (128,)
    with pytest.raises(OverflowError):
        trees.node_widths(WIDE, [0] * 4, [0, 0, 0, 2**128])
    with pytest.raises(ValueError):
        trees.tree_paths(WIDE, (8, 16, 32))              # one width per internal node
    with pytest.raises(ValueError):
        trees.tree_depthwise(WIDE, (8, 16, 32, 24))
    assert trees.tree_paths(WIDE, 64) is trees.tree_paths(WIDE, (64,) * 4)


def test_per_node_widths_emit_only_each_nodes_own_test() -> None:
    """The width table is static: one checked cast per node, of that node's width. Both formulations
    test the same nodes, so the emitter's value numbering makes them share one test per node."""
    text = WIDE_PROG.aleo()
    casts = re.findall(r"cast r\d+ into r\d+ as (u\d+);", text)
    assert sorted(casts) == sorted(["u8", "u16", "u32", "u64"])
    for w in (8, 16, 32, 64):   # the offset 2^(w-1) of each width's test
        assert len(re.findall(rf"add r\d+ {2 ** (w - 1)}field into", text)) == 1


def test_per_node_widths_exact_on_the_declared_range_and_halt_outside() -> None:
    rng = np.random.default_rng(42)
    edges = [wide_edges(f) for f in range(4)]
    samples = [[int(rng.choice(e)) for e in edges] for _ in range(150)]
    samples += [[e[0] if (c >> f) & 1 else e[-1] for f, e in enumerate(edges)] for c in range(16)]   # corners
    oracle = [int(v[0]) for v in WIDE.predict(np.array(samples, dtype=object))]
    assert set(oracle) == {10, 11, 12, 13, 14}
    for x, want in zip(samples, oracle):
        assert WIDE_PROG.run("t_wide_tree", x) == (want, want), x
    # just past a node's width: threshold - x = 2^(w-1) or -2^(w-1) - 1 halts (every node is tested on
    # every input); -2^(w-1), outside the declared range but inside the width, still answers exactly
    base = [100, -5, 40000, 2**40]
    for node, w in enumerate(WIDE_WIDTHS):
        f, t = WIDE.feature[node], WIDE.threshold[node]
        for x_f in (t - 2 ** (w - 1), t + 2 ** (w - 1) + 1):
            x = list(base)
            x[f] = x_f
            with pytest.raises(pl.ExecutionError):
                WIDE_PROG.run("t_wide_tree", x)
        x = list(base)
        x[f] = t + 2 ** (w - 1)
        want = int(WIDE.predict(np.array([x], dtype=object))[0][0])
        assert WIDE_PROG.run("t_wide_tree", x) == (want, want)


# ---- snarkVM samples (evaluate: the real circuit) --------------------------------------------------
W43 = [[5, -3, 2, 1], [-1, 0, 7, -256], [255, 255, -255, 3]]
B43 = [1000, -70000, 0]
C4 = [100, -200, 300, -400]
IRIS3 = fitted("iris", 3, forest=False)[1]
TREE_PATHS = trees.tree_paths(IRIS3)
TREE_DEPTHWISE = trees.tree_depthwise(IRIS3)
SIG = activations.sigmoid_poly(8)


@pl.function
def vm_linalg(x: pl.Array[pl.U64, 4], y: pl.Array[pl.I64, 2]) -> pl.Public[pl.Array[pl.Field, 3]]:
    """dense (constant weights) on decoded inputs, plus i64 inputs brought to field."""
    t = linalg.to_field(y)
    return linalg.add(linalg.dense(W43, linalg.from_offset(x), B43), [t[0], t[1], 0])


@pl.function
def vm_act(x: pl.Array[pl.U64, 6]) -> pl.Public[pl.Array[pl.Field, 6]]:
    """One of each activation: relu 64 / 32, leaky, hard tanh, hard sigmoid, sigmoid_poly."""
    v = linalg.from_offset(x)
    return [activations.relu64(v[0]), activations.relu32(v[1]), LEAKY(v[2]), HTANH(v[3]), HSIG(v[4]), SIG(v[5])]


@pl.function
def vm_reduce(x: pl.Array[pl.U64, 6]) -> tuple[pl.Public[pl.U8], pl.Public[pl.U8], pl.Public[pl.Field],
                                              pl.Public[pl.Field], pl.Public[pl.Bool]]:
    """argmax / argmin / max / min over 6 values, greater(v0, v1)."""
    v = linalg.from_offset(x)
    return ARGMAX64(v), ARGMIN64(v), MAX64(v), MIN64(v), compare.greater64(v[0], v[1])


@pl.function
def vm_distance(x: pl.Array[pl.U64, 4]) -> tuple[pl.Public[pl.Field], pl.Public[pl.Field],
                                                 pl.Public[pl.Array[pl.U8, 3]]]:
    """Distances to a constant point, the 3 smallest of the inputs."""
    v = linalg.from_offset(x)
    return distance.sq_euclidean(v, C4), MANH64(v, C4), KSMALL3(v, [10, 11, 12, 13])


@pl.function
def vm_tree(x: pl.Array[pl.U64, 4], ids: pl.Array[pl.U8, 5]) -> tuple[pl.Public[pl.Field], pl.Public[pl.Field],
                                                                      pl.Public[pl.U8]]:
    """An iris tree of depth 3, both formulations; a majority vote."""
    v = linalg.from_offset(x)
    return TREE_PATHS(v)[0], TREE_DEPTHWISE(v)[0], reduce.majority(ids, [0, 1, 2])


@pl.function
def vm_wide_tree(x: pl.Array[pl.U64, 4]) -> tuple[pl.Public[pl.Field], pl.Public[pl.Field]]:
    """The four-width tree WIDE (u8, u16, u32 and u64 sign tests), both formulations."""
    v = linalg.from_offset(x)
    return WIDE_PATHS(v)[0], WIDE_DEPTHWISE(v)[0]


VM = pl.Program("stdlib_samples", [vm_linalg, vm_act, vm_reduce, vm_distance, vm_tree])
VM_WIDE = pl.Program("stdlib_wide_tree_vm", [vm_wide_tree])


def both(fn: str, *args: Any) -> Any:
    """The interpreter's result, checked equal to snarkVM's circuit (run under a stand-in key: no synthesis)."""
    want = VM.run(fn, *args)
    assert VM.evaluate(fn, *args, keys=False) == want
    return want


def enc(q: list[int]) -> list[int]:
    return [v + OFF for v in q]


@pytest.mark.prove
def test_vm_linalg_sample() -> None:
    rng = np.random.default_rng(13)
    x, y = rng.integers(-(2**20), 2**20, size=4), [-(2**62), 2**62 - 1]
    out = both("vm_linalg", enc(x.tolist()), y)
    want = np.array(W43, dtype=object).dot(x.astype(object)) + B43 + np.array(y + [0], dtype=object)
    assert signed_all(out) == want.tolist()


@pytest.mark.prove
def test_vm_activations_sample_and_halt() -> None:
    q = [-300, 2**31 - 1, -1000, 700, -100, 300]
    out = signed_all(both("vm_act", enc(q)))
    assert out == [0, 2**31 - 1, -3000, 256, 668, sigmoid_model(300, 8, 16)]
    bad = enc([0, 2**31, 0, 0, 0, 0])            # relu32 of 2^31: outside its sign test's range
    with pytest.raises(pl.ExecutionError):
        VM.run("vm_act", bad)
    with pytest.raises(pl.ExecutionError):
        VM.evaluate("vm_act", bad, keys=False)


@pytest.mark.prove
def test_vm_reduce_sample() -> None:
    v = [5, -(2**40), 17, 17, -3, 2**40]
    am, an, mx, mn, gt = both("vm_reduce", enc(v))
    assert (am, an, signed(mx), signed(mn), gt) == (5, 1, 2**40, -(2**40), True)
    v = [9, 9, 9, 9, 9, 9]
    assert both("vm_reduce", enc(v)) == (0, 0, 9, 9, False)


@pytest.mark.prove
def test_vm_distance_sample() -> None:
    v = [103, -250, 300, -250]
    sq, l1, ks = both("vm_distance", enc(v))
    a, c = np.array(v), np.array(C4)
    assert (signed(sq), signed(l1)) == (int(np.sum((a - c) ** 2)), int(np.sum(np.abs(a - c))))
    assert ks == (np.array([10, 11, 12, 13])[np.argsort(v, kind="stable")[:3]]).tolist() == [11, 13, 10]


@pytest.mark.prove
def test_vm_tree_sample() -> None:
    _, X_test, _, _ = dataset("iris")
    clf, _ = fitted("iris", 3, forest=False)
    for x, ids in zip(X_test[:3], ([2, 0, 2, 1, 0], [1, 1, 1, 1, 1], [0, 1, 2, 2, 1])):
        paths, depthwise, maj = both("vm_tree", fixed.encode(x), ids)
        assert paths == depthwise == int(clf.predict([x])[0])
        assert maj == int(np.bincount(ids, minlength=3).argmax())    # ties: the smaller id


@pytest.mark.prove
def test_vm_per_node_width_tree_at_the_edges() -> None:
    """snarkVM's circuit = interpreter = oracle at range edges and thresholds; both halt just outside."""
    edges = [wide_edges(f) for f in range(4)]
    for pick in ([0, 0, 0, 0], [6, 6, 6, 6], [3, 3, 3, 3], [4, 2, 6, 4], [2, 4, 4, 0]):
        x = [edges[f][k] for f, k in enumerate(pick)]
        want = int(WIDE.predict(np.array([x], dtype=object))[0][0])
        assert VM_WIDE.run("vm_wide_tree", enc(x)) == VM_WIDE.evaluate("vm_wide_tree", enc(x), keys=False) == (want, want)
    bad = enc([100 - 128, -5, 40000, 2**40])          # the u8 node's threshold - x = 128
    with pytest.raises(pl.ExecutionError):
        VM_WIDE.run("vm_wide_tree", bad)
    with pytest.raises(pl.ExecutionError):
        VM_WIDE.evaluate("vm_wide_tree", bad, keys=False)


# ---- cost targets of the issue, measured on snarkVM (differential synthesis) ----------------------
W38 = np.random.default_rng(14).integers(-256, 257, size=(3, 8)).tolist()
B38 = [1, 2, 3]


@pl.function
def ct_base(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    acc: pl.Field = 0
    for i in range(8):
        acc += pl.Field(x[i])
    return acc


@pl.function
def ct_decode(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    return reduce.total(linalg.from_offset(x))


@pl.function
def ct_dense(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    return reduce.total(linalg.dense(W38, linalg.from_offset(x), B38))


@pl.function
def ct_relu(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    return reduce.total(activations.relu_vec64(linalg.from_offset(x)))


@pl.function
def ct_argmax(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    v = linalg.from_offset(x)
    return pl.Field(ARGMAX64(v)) + v[0]      # a computed field output, like the baseline's


@pl.function
def ct_tree(x: pl.Array[pl.U64, 8]) -> pl.Public[pl.Field]:
    v = linalg.from_offset(x)
    return TREE_PATHS([v[i] for i in range(4)])[0] + v[4] + v[5] + v[6] + v[7]


COSTS = pl.Program("stdlib_cost_targets", [ct_base, ct_decode, ct_dense, ct_relu, ct_argmax, ct_tree])


@pytest.mark.slow   # 7 key syntheses; the cost model's own tests size these primitives by default
@pytest.mark.prove
def test_cost_targets_on_snarkvm() -> None:
    base = COSTS.cost("ct_base", prepare_proof=False)
    assert COSTS.cost("ct_decode", prepare_proof=False) - base == 0                     # offset u64 input → field: free
    assert COSTS.cost("ct_dense", prepare_proof=False) - base == 0                      # MACs by constant weights: free
    assert (COSTS.cost("ct_relu", prepare_proof=False) - base) / 8 <= 135               # ReLU per neuron
    assert (COSTS.cost("ct_argmax", prepare_proof=False) - base) / 7 <= 140             # one comparison inside argmax
    assert (COSTS.cost("ct_tree", prepare_proof=False) - base) / len(IRIS3.feature) <= 140   # one tree split


WIDE_UNIFORM = trees.tree_paths(WIDE, 64)


@pl.function
def ct_wide_per_node(x: pl.Array[pl.U64, 4]) -> pl.Public[pl.Field]:
    return WIDE_PATHS(linalg.from_offset(x))[0]


@pl.function
def ct_wide_uniform(x: pl.Array[pl.U64, 4]) -> pl.Public[pl.Field]:
    return WIDE_UNIFORM(linalg.from_offset(x))[0]


@pytest.mark.slow   # 2 key syntheses
@pytest.mark.prove
def test_per_node_widths_cost_what_their_casts_cost() -> None:
    """A u{w} sign test is w + 1 constraints: u8/u16/u32 nodes instead of u64 save 56 + 48 + 32."""
    prog = pl.Program("stdlib_wide_tree_cost", [ct_wide_per_node, ct_wide_uniform])
    assert prog.cost("ct_wide_uniform", prepare_proof=False) - prog.cost("ct_wide_per_node", prepare_proof=False) == (65 - 9) + (65 - 17) + (65 - 33)
