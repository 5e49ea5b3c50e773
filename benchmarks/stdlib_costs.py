"""Cost of every stdlib_ml primitive on snarkVM, by differential synthesis.

    python -m benchmarks.stdlib_costs [--quick | --smoke] [--out benchmarks/results/stdlib_costs.json]

Each measured function applies a primitive to distinct private inputs (``u64`` offset-encoded, see
``stdlib_ml.fixed.encode``) and sums the results into one public field output; its *baseline* has
the same inputs and output without the primitive. ``per unit = (constraints - baseline) / units``
(units: elements, multiply-accumulates, comparisons, splits, ... named in each row). Constraint
counts are exact: read from the verifying key snarkVM synthesizes (``Program.cost``). A function above
the locally installed degree-16 parameters (16,384 constraints) cannot be synthesized here; its row
says so. Every function is its own one-function program, so the on-disk key cache (keyed by program
text) keeps re-runs fast: first run about 7 s per function, then well under a second.

Besides costs: compile time (Python → Aleo text, from scratch: parse, check, emit), the maximum error
of the approximations over their documented range, and for the sign-test encodings a correctness check
(interpreter against numpy in range, and what happens just outside it). Prints a Markdown table and
writes it as JSON and .md (a ``--quick`` run prints only, unless ``--out`` is given).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import DslFunction, vm
from pyleo.limits import LOCAL_BUDGET
from pyleo.parse import parse_function
from stdlib_ml import activations, compare, distance, fixed, linalg, reduce, trees

P = pl.FIELD_MODULUS
OFF = fixed.INPUT_OFFSET
LIMIT = LOCAL_BUDGET
OVER = f"> {LOCAL_BUDGET:,} (not synthesizable locally)"


class Entry(DslFunction):
    """An entry point made by a factory, renamed (entry names come from the source's ``def``)."""

    def __init__(self, fn: Callable[..., Any], name: str) -> None:
        super().__init__(fn, entry=True)
        self.name = self.__name__ = name

    @property
    def syntax(self) -> Any:
        if self._syntax is None:
            self._syntax = dataclasses.replace(parse_function(self.fn), name=self.name)
        return self._syntax


def signed(v: int) -> int:
    """A canonical field element as the signed integer it stands for."""
    v = int(v) % P
    return v - P if v > P // 2 else v


# ---- function factories: inputs → primitive → one public field -------------------------------------
def base_u64(n: int) -> Callable[..., Any]:
    """Baseline: n u64 inputs, reinterpreted as field (0 constraints), summed."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        acc: pl.Field = 0
        for i in range(n):
            acc += pl.Field(x[i])
        return acc
    return f


def base_i64(n: int) -> Callable[..., Any]:
    """Baseline with i64 inputs (a bit-reinterpreting cast: wrong for negatives, 0 constraints)."""
    def f(x: pl.Array[pl.I64, n]) -> pl.Public[pl.Field]:
        acc: pl.Field = 0
        for i in range(n):
            acc += pl.Field(x[i])
        return acc
    return f


def base_u8(n: int) -> Callable[..., Any]:
    def f(ids: pl.Array[pl.U8, n]) -> pl.Public[pl.Field]:
        acc: pl.Field = 0
        for i in range(n):
            acc += pl.Field(ids[i])
        return acc
    return f


def base_field(n: int) -> Callable[..., Any]:
    """Private field inputs taken as they are."""
    def f(x: pl.Array[pl.Field, n]) -> pl.Public[pl.Field]:
        acc: pl.Field = 0
        for i in range(n):
            acc += x[i]
        return acc
    return f


def out_u8(n: int) -> Callable[..., Any]:
    """The baseline's inputs, but a public u8 output (the low byte of the first input).

    Unused inputs cost the same as used ones (the transition commits to all of them).
    """
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.U8]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return pl.cast_lossy(x[0], pl.U8)
    return f


def out_private(n: int) -> Callable[..., Any]:
    """The baseline with a private (encrypted) field output."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Field:
        acc: pl.Field = 0
        for i in range(n):
            acc += pl.Field(x[i])
        return acc
    return f


def decode_u64(n: int) -> Callable[..., Any]:
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return reduce.total(linalg.from_offset(x))
    return f


def decode_i64(n: int) -> Callable[..., Any]:
    def f(x: pl.Array[pl.I64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return reduce.total(linalg.to_field(x))
    return f


def sum_unary(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Σ helper(v_i) over n decoded inputs (helper: Field → Field)."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        v = linalg.from_offset(x)
        acc: pl.Field = 0
        for i in range(n):
            acc += helper(v[i])
        return acc
    return f


def sum_bool(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Σ helper(v_i) for a Field → Bool helper."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        v = linalg.from_offset(x)
        acc: pl.Field = 0
        for i in range(n):
            acc += pl.Field(helper(v[i]))
        return acc
    return f


def sum_pairs(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Σ helper(v_2i, v_2i+1) for a (Field, Field) → Bool helper."""
    half = n // 2

    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        v = linalg.from_offset(x)
        acc: pl.Field = 0
        for i in range(half):
            acc += pl.Field(helper(v[2 * i], v[2 * i + 1]))
        return acc
    return f


def sum_vec(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Σ of a vector helper's outputs (Array[Field, N] → Array[Field, N])."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return reduce.total(helper(linalg.from_offset(x)))
    return f


def relu_i64(n: int) -> Callable[..., Any]:
    """ReLU on i64 inputs: signed compare + ternary, then the (free) reinterpreting cast."""
    def f(x: pl.Array[pl.I64, n]) -> pl.Public[pl.Field]:
        acc: pl.Field = 0
        for i in range(n):
            r: pl.I64 = x[i] if x[i] >= 0 else 0  # noqa: FURB136 (the encoding measured)
            acc += pl.Field(r)
        return acc
    return f


def dense_fn(w: list[list[int]], b: list[int]) -> Callable[..., Any]:
    n = len(w[0])

    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return reduce.total(linalg.dense(w, linalg.from_offset(x), b))
    return f


def dot_pp(m: int) -> Callable[..., Any]:
    """Private · private dot product of two m-vectors (2m inputs)."""
    n = 2 * m

    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        v = linalg.from_offset(x)
        return linalg.dot([v[i] for i in range(m)], [v[m + i] for i in range(m)])
    return f


def index_fn(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Field(helper(v)) + v_0 for an Array[Field, N] → U8 helper (argmax, argmin).

    ``+ v_0`` makes the output a computed field like the baseline's: snarkVM decomposes a computed
    public field output into bits (about 512 constraints) but reuses the bits of a cast from u8.
    """
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        v = linalg.from_offset(x)
        return pl.Field(helper(v)) + v[0]
    return f


def reduce_fn(helper: DslFunction, n: int) -> Callable[..., Any]:
    """helper(v) for an Array[Field, N] → Field helper (max, min)."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return helper(linalg.from_offset(x))
    return f


def distance_fn(helper: DslFunction, point: list[int]) -> Callable[..., Any]:
    n = len(point)

    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return helper(linalg.from_offset(x), point)
    return f


def k_smallest_fn(k: int, n: int) -> Callable[..., Any]:
    pick = distance.k_smallest(k)
    labels = list(range(n))

    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        lab = pick(linalg.from_offset(x), labels)
        acc: pl.Field = 0
        for j in range(k):
            acc = acc * 256 + pl.Field(lab[j])
        return acc
    return f


def bincount_fn(n: int, k: int) -> Callable[..., Any]:
    classes = list(range(k))

    def f(ids: pl.Array[pl.U8, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        counts = reduce.bincount(ids, classes)
        acc: pl.Field = 0
        for c in range(k):
            acc = acc * 256 + counts[c]
        return acc
    return f


def majority_fn(n: int, k: int) -> Callable[..., Any]:
    classes = list(range(k))

    def f(ids: pl.Array[pl.U8, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return pl.Field(reduce.majority(ids, classes)) + pl.Field(ids[0])  # a computed field, as in index_fn
    return f


def tree_fn(helper: DslFunction, n: int) -> Callable[..., Any]:
    def f(x: pl.Array[pl.U64, n]) -> pl.Public[pl.Field]:
        _n = n  # (puts the size in the closure: the checker reads annotations from it)
        return reduce.total(helper(linalg.from_offset(x)))
    return f


def sampler(helper: DslFunction, n: int) -> Callable[..., Any]:
    """Interpreter only: helper applied to each of n inputs, every output returned."""
    def f(x: pl.Array[pl.U64, n]) -> pl.Array[pl.Field, n]:
        v = linalg.from_offset(x)
        return [helper(v[i]) for i in range(n)]
    return f


# ---- alternative encodings of the sign test (ReLU) ---------------------------------------------------
H63, H62, H31 = 2**63, 2**62, 2**31
HALF_P = (P + 1) // 2          # v < (p+1)/2  ⇔  v stands for a non-negative integer


@pl.inline
def relu_shr_eq1(v: pl.Field) -> pl.Field:
    """Checked cast to u64 of v + 2^63, top bit by shr, compared `== 1`."""
    u: pl.U64 = pl.U64(v + H63)
    return v if (u >> 63) == 1 else 0


@pl.inline
def relu_gte63(v: pl.Field) -> pl.Field:
    """Checked cast to u64 of v + 2^63, then `u >= 2^63`."""
    u: pl.U64 = pl.U64(v + H63)
    return v if u >= H63 else 0


@pl.inline
def relu_gte62(v: pl.Field) -> pl.Field:
    """Checked cast to u64 of v + 2^62, then `u >= 2^62` (|v| < 2^62)."""
    u: pl.U64 = pl.U64(v + H62)
    return v if u >= H62 else 0


@pl.inline
def relu_lossy(v: pl.Field) -> pl.Field:
    """`cast.lossy` to u64 of v + 2^63 (low 64 bits, no range proof), then `u >= 2^63`."""
    u: pl.U64 = pl.cast_lossy(v + H63, pl.U64)
    return v if u >= H63 else 0


@pl.inline
def relu_field_lt(v: pl.Field) -> pl.Field:
    """Field `lt` against the constant (p+1)/2 (full decomposition of v)."""
    return v if v < HALF_P else 0


@pl.inline
def relu_field_lt_small(v: pl.Field) -> pl.Field:
    """Field `lt` of v + 2^63 against 2^63 (a sign test for |v| < 2^63, unchecked outside)."""
    return 0 if v + H63 < H63 else v


# ---- trees -------------------------------------------------------------------------------------------
def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris, load_wine
    from sklearn.model_selection import train_test_split

    X, y = (load_iris if name == "iris" else load_wine)(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))  # type: ignore[return-value]


def fit_tree(name: str, depth: int) -> tuple[Any, trees.TreeArrays, np.ndarray, np.ndarray]:
    """A fitted DecisionTreeClassifier, its TreeArrays (8-bit thresholds, leaf value = class id), test split.

    Random-forest style (``max_features="sqrt"``): with every feature, both training sets are
    separated at depth 4, so ``max_depth=5`` would give the depth-4 tree again.
    """
    from sklearn.tree import DecisionTreeClassifier

    X_train, X_test, y_train, y_test = load_dataset(name)
    clf = DecisionTreeClassifier(max_depth=depth, max_features="sqrt", random_state=1).fit(X_train, y_train)
    assert clf.get_depth() == depth
    class_ids = clf.classes_[np.argmax(clf.tree_.value[:, 0, :], axis=1)].reshape(-1, 1).astype(np.int64)
    return clf, trees.TreeArrays.from_sklearn(clf.tree_, fixed.DEFAULT_INPUT_BITS, class_ids), X_test, y_test


# ---- the rows ---------------------------------------------------------------------------------------
@dataclass
class Row:
    section: str
    primitive: str
    size: str
    encoding: str
    key: str | None                  # measured function (None: error-only row)
    base: str | None = None          # baseline function
    units: int = 1
    unit: str = "elt"
    quick: bool = False
    error: str = ""                  # max error / check text
    note: str = ""
    # filled by measure()
    constraints: int | None = None
    base_constraints: int | None = None
    per_unit: float | None = None
    compile_ms: float | None = None
    over_limit: bool = False


@dataclass
class Suite:
    fns: dict[str, Callable[..., Any]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    checks: dict[str, Callable[[pl.Program], str]] = field(default_factory=dict)

    def fn(self, key: str, body: Callable[..., Any]) -> str:
        self.fns.setdefault(key, body)
        return key

    def row(self, *args: Any, **kw: Any) -> Row:
        r = Row(*args, **kw)
        self.rows.append(r)
        return r


def rng_matrix(rng: np.random.Generator, m: int, n: int, bits: int) -> list[list[int]]:
    return rng.integers(-(2**bits), 2**bits, size=(m, n)).tolist()


def build(quick: bool, smoke: bool = False) -> Suite:
    """Every row (``quick``: a subset; ``smoke``: the first two, u64 inputs with and without decoding)."""
    s = Suite()
    rng = np.random.default_rng(0)
    b = {n: s.fn(f"sc_base_u64_{n}", base_u64(n)) for n in (2, 3, 4, 8, 13, 16, 32)}
    bi8 = s.fn("sc_base_i64_8", base_i64(8))
    bu8 = s.fn("sc_base_u8_8", base_u8(8))

    # input encodings
    S = "input encoding"
    s.row(S, "baseline: u64 inputs, reinterpreted", "8 inputs", "u64 (no decoding)", b[8], None, 8, "input", True,
          note="transition cost of 8 private u64 inputs and one public field output")
    s.row(S, "linalg.from_offset", "8 inputs", "u64 + 2^62 offset (fixed.encode)", s.fn("sc_dec_u64_8", decode_u64(8)),
          b[8], 8, "input", True)
    if smoke:   # these two rows, and only the functions they measure
        s.fns = {k: v for k, v in s.fns.items() if any(k in (r.key, r.base) for r in s.rows)}
        return s
    s.row(S, "baseline: i64 inputs, reinterpreted", "8 inputs", "i64 (no decoding)", bi8, None, 8, "input", True)
    s.row(S, "linalg.to_field", "8 inputs", "i64, add 2^62 / cast / sub", s.fn("sc_dec_i64_8", decode_i64(8)), bi8, 8,
          "input", True)
    s.row(S, "output: public u8 instead of a computed field", "8 inputs", "u8 public output",
          s.fn("sc_out_u8_8", out_u8(8)), b[8], 1, "output",
          note="against the baseline's public field output: a computed field output is decomposed into bits")
    s.row(S, "output: private field", "8 inputs", "field private output (encrypted)",
          s.fn("sc_out_priv_8", out_private(8)), b[8], 1, "output")
    s.row(S, "private field inputs", "4 inputs", "field (no decoding)", s.fn("sc_base_field_4", base_field(4)), b[4], 4,
          "input", note="per unit: extra transition cost per input against 4 u64 inputs")

    # linear algebra with constant weights
    S = "linear algebra"
    for (n, m), q in (((4, 3), True), ((4, 16), False), ((16, 3), False), ((32, 8), False)):
        w, bias = rng_matrix(rng, m, n, 8), rng.integers(-(2**16), 2**16, size=m).tolist()
        s.row(S, "linalg.dense (W·x + b)", f"{n}→{m}", "field, constant W and b",
              s.fn(f"sc_dense_{n}_{m}", dense_fn(w, bias)), b[n], n * m, "MAC", q)
    for m, q in ((4, True), (8, False)):
        s.row(S, "linalg.dot private × private", f"{m}", "field", s.fn(f"sc_dot_pp_{m}", dot_pp(m)), b[2 * m], m,
              "MAC", q)

    # sign tests and ReLU encodings
    S = "sign test / ReLU"
    for w, q in ((64, True), (32, True)):
        s.row(S, f"compare.is_nonneg({w})", "×8", f"checked cast u{w} of v+2^{w - 1}, top bit (shr, lossy bool)",
              s.fn(f"sc_nonneg{w}", sum_bool(compare.is_nonneg(w), 8)), b[8], 8, "test", q)
    for w, q in ((64, True), (32, True)):
        s.row(S, f"activations.relu_vec({w})", "×8", f"checked cast u{w} of v+2^{w - 1}, top bit (shr, lossy bool)",
              s.fn(f"sc_relu_vec{w}", sum_vec(activations.relu_vec(w), 8)), b[8], 8, "neuron", q)
    s.row(S, "activations.relu(128)", "×8", "checked cast u128 of v+2^127, top bit",
          s.fn("sc_relu128", sum_unary(activations.relu(128), 8)), b[8], 8, "neuron")
    s.row(S, "ReLU alternative", "×8", "checked cast u64 of v+2^63, shr, `== 1`",
          s.fn("sc_relu_eq1", sum_unary(relu_shr_eq1, 8)), b[8], 8, "neuron", True)
    s.row(S, "ReLU alternative", "×8", "checked cast u64 of v+2^63, `gte 2^63`",
          s.fn("sc_relu_gte63", sum_unary(relu_gte63, 8)), b[8], 8, "neuron")
    s.row(S, "ReLU alternative", "×8", "checked cast u64 of v+2^62, `gte 2^62`",
          s.fn("sc_relu_gte62", sum_unary(relu_gte62, 8)), b[8], 8, "neuron")
    s.row(S, "ReLU alternative", "×4", "`cast.lossy` u64 of v+2^63, `gte 2^63`",
          s.fn("sc_relu_lossy", sum_unary(relu_lossy, 4)), b[4], 4, "neuron", True)
    s.row(S, "ReLU alternative", "×4", "field `lt` (p+1)/2",
          s.fn("sc_relu_field_lt", sum_unary(relu_field_lt, 4)), b[4], 4, "neuron", True)
    s.row(S, "ReLU alternative", "×4", "field `lt` 2^63 of v+2^63",
          s.fn("sc_relu_field_lt63", sum_unary(relu_field_lt_small, 4)), b[4], 4, "neuron")
    s.row(S, "ReLU alternative", "×8", "i64 inputs: `gte 0` + ternary (no field form)",
          s.fn("sc_relu_i64", relu_i64(8)), bi8, 8, "neuron", True)

    # comparisons and reductions
    S = "comparison / reduction"
    for w, q in ((64, True), (32, False)):
        s.row(S, f"compare.greater({w})", "4 pairs", f"sign test of a-b-1 (u{w})",
              s.fn(f"sc_greater{w}", sum_pairs(compare.greater(w), 8)), b[8], 4, "comparison", q)
    for n, q in ((3, True), (8, False), (16, False), (32, False)):
        s.row(S, "reduce.argmax(64)", f"N={n}", "greater64 + 2 ternaries", s.fn(f"sc_argmax64_{n}",
              index_fn(reduce.argmax(64), n)), b[n], n - 1, "comparison", q)
    s.row(S, "reduce.argmax(32)", "N=8", "greater32 + 2 ternaries", s.fn("sc_argmax32_8", index_fn(reduce.argmax(32), 8)),
          b[8], 7, "comparison", True)
    s.row(S, "reduce.argmin(64)", "N=8", "greater64 + 2 ternaries", s.fn("sc_argmin64_8", index_fn(reduce.argmin(64), 8)),
          b[8], 7, "comparison")
    s.row(S, "reduce.maximum(64)", "N=8", "greater64 + ternary", s.fn("sc_max64_8", reduce_fn(reduce.maximum(64), 8)),
          b[8], 7, "comparison")
    s.row(S, "reduce.minimum(64)", "N=8", "greater64 + ternary", s.fn("sc_min64_8", reduce_fn(reduce.minimum(64), 8)),
          b[8], 7, "comparison")

    # activations with approximation error
    S = "activation"
    one = 2**fixed.DEFAULT_INPUT_BITS
    s.row(S, "activations.leaky_relu(1, 3)", "×8, slope 1/8", "one sign test (u64)",
          s.fn("sc_leaky", sum_unary(activations.leaky_relu(1, 3), 8)), b[8], 8, "neuron")
    r = s.row(S, "activations.hard_tanh(256)", "×8, scale 2^8", "two sign tests (u64)",
              s.fn("sc_hard_tanh", sum_unary(activations.hard_tanh(one), 8)), b[8], 8, "neuron", True)
    s.checks[r.key] = lambda _p: hard_error("tanh")
    r = s.row(S, "activations.hard_sigmoid(256)", "×8, scale 2^8", "two sign tests (u64)",
              s.fn("sc_hard_sigmoid", sum_unary(activations.hard_sigmoid(one), 8)), b[8], 8, "neuron")
    s.checks[r.key] = lambda _p: hard_error("sigmoid")
    for out_bits, q in ((8, True), (16, False)):
        r = s.row(S, f"activations.sigmoid_poly(8, {out_bits})", f"×8, in 2^8, out 2^{24 + out_bits}",
                  "clamp (two sign tests) + cubic", s.fn(f"sc_sigmoid_{out_bits}",
                                                          sum_unary(activations.sigmoid_poly(8, out_bits), 8)),
                  b[8], 8, "neuron", q)
        s.checks[r.key] = functools.partial(lambda _p, ob: sigmoid_error(8, ob), ob=out_bits)

    # distances and selection
    S = "distance / selection"
    for d, q in ((2, False), (4, True), (8, False)):
        point = rng.integers(-1000, 1000, size=d).tolist()
        s.row(S, "distance.sq_euclidean", f"d={d}", "field, constant point",
              s.fn(f"sc_sqeuc_{d}", distance_fn(distance.sq_euclidean, point)), b[d], d, "coordinate", q)
    for d, q in ((4, False), (8, False)):
        point = rng.integers(-1000, 1000, size=d).tolist()
        s.row(S, "distance.manhattan(64)", f"d={d}", "one sign test per coordinate",
              s.fn(f"sc_manh_{d}", distance_fn(distance.manhattan(64), point)), b[d], d, "coordinate", q)
    for n, q in ((8, True), (16, False), (32, False)):
        comps = 3 * (n - 1) - 3
        s.row(S, "distance.k_smallest(3)", f"k=3 of {n}", "greater64 + 4 ternaries (compare-exchange)",
              s.fn(f"sc_ksmall3_{n}", k_smallest_fn(3, n)), b[n], comps, "comparison", q)
    s.row(S, "reduce.bincount", "8 ids, 3 classes", "u8 `eq` per pair", s.fn("sc_bincount_8_3", bincount_fn(8, 3)),
          bu8, 24, "pair", True)
    s.row(S, "reduce.majority", "8 ids, 3 classes", "bincount + argmax(32)", s.fn("sc_majority_8_3", majority_fn(8, 3)),
          bu8, 8, "vote", True)

    # trees
    S = "decision tree"
    for name in ("iris", "wine"):
        for depth in (2, 3, 4, 5):
            q = name == "iris" and depth <= 3
            clf, t, X_test, _ = fit_tree(name, depth)
            nf = X_test.shape[1]
            ni, nl = len(t.feature), len(t.leaf_values)
            for kind, make in (("paths", trees.tree_paths), ("depthwise", trees.tree_depthwise)):
                key = s.fn(f"sc_tree_{kind}_{name}_{depth}", tree_fn(make(t), nf))
                r = s.row(S, f"trees.tree_{kind}", f"{name}, depth {t.depth}: {ni} splits, {nl} leaves",
                          "sign test (u64) per split", key, b[nf], ni, "split", q)
                s.checks[key] = functools.partial(tree_agreement, clf=clf, t=t, X_test=X_test)
    if quick:
        s.rows = [r for r in s.rows if r.quick]
    used = {k for r in s.rows for k in (r.key, r.base) if k is not None}
    s.fns = {k: v for k, v in s.fns.items() if k in used}
    return s


# ---- errors and checks --------------------------------------------------------------------------------
def run_sampler(helper: DslFunction, qs: np.ndarray, key: str) -> list[int]:
    n = 64
    prog = pl.Program(key, [Entry(sampler(helper, n), key)])
    out: list[int] = []
    for i in range(0, len(qs), n):
        chunk = [int(q) for q in qs[i:i + n]]
        chunk += [0] * (n - len(chunk))
        out += [signed(v) for v in prog.run(key, [q + OFF for q in chunk])][: len(qs[i:i + n])]
    return out


def hard_error(kind: str) -> str:
    """Max |circuit − float definition| over every input in [-8, 8] at 2^-8 resolution (exact grid)."""
    one = 2**fixed.DEFAULT_INPUT_BITS
    qs = np.arange(-8 * one, 8 * one + 1)
    x = qs / one
    if kind == "tanh":
        got = np.array(run_sampler(activations.hard_tanh(one), qs, "err_htanh")) / one
        want = np.clip(x, -1, 1)
    else:
        got = np.array(run_sampler(activations.hard_sigmoid(one), qs, "err_hsig")) / (6 * one)
        want = np.clip(x / 6 + 0.5, 0, 1)
    return f"max err {np.max(np.abs(got - want)):.3g} on [-8, 8] (exact at the 2^-8 grid)"


def sigmoid_error(in_bits: int, out_bits: int) -> str:
    """Max |circuit − logistic| on every input of the 2^-in_bits grid of [-8, 8], and on [-4, 4]."""
    s_in = 2**in_bits
    qs = np.arange(-8 * s_in, 8 * s_in + 1)
    got = np.array(run_sampler(activations.sigmoid_poly(in_bits, out_bits), qs, f"err_sig_{out_bits}"),
                   dtype=np.float64) / float(2 ** (3 * in_bits + out_bits))
    x = qs / s_in
    err = np.abs(got - 1 / (1 + np.exp(-x)))
    inner = np.abs(x) <= activations.SIGMOID_RANGE
    return f"max err {err.max():.3f} on [-8, 8] ({err[inner].max():.3f} on [-4, 4])"


def tree_agreement(prog: pl.Program, clf: Any, t: trees.TreeArrays, X_test: np.ndarray) -> str:
    key = next(iter(prog.functions))
    got = np.array([signed(prog.run(key, fixed.encode(x))) for x in X_test])
    oracle = np.array([int(v[0]) for v in t.predict(fixed.quantize(X_test, fixed.DEFAULT_INPUT_BITS))])
    sk = clf.predict(X_test)
    return (f"held-out: = TreeArrays.predict {np.sum(got == oracle)}/{len(got)}, "
            f"= sklearn {np.sum(got == sk)}/{len(got)}")


def encoding_checks(progs: dict[str, pl.Program]) -> dict[str, str]:
    """Each sign-test/ReLU encoding against numpy in its range, and what it does just outside."""
    rng = np.random.default_rng(1)
    results: dict[str, str] = {}

    def outcome(prog: pl.Program, key: str, args: list[int], want: int) -> str:
        try:
            got = signed(prog.run(key, args))
        except pl.ExecutionError:
            return "halts"
        return "right" if got == want else "WRONG (no halt)"

    def relu_sum(vs: list[int]) -> int:
        return sum(max(v, 0) for v in vs)

    cases = {
        "sc_relu_vec64": (8, 2**62 - 1, 2**63), "sc_relu_vec32": (8, 2**31 - 1, 2**31),
        "sc_relu128": (8, 2**62 - 1, None), "sc_relu_eq1": (8, 2**62 - 1, 2**63),
        "sc_relu_gte63": (8, 2**62 - 1, 2**63), "sc_relu_gte62": (8, 2**62 - 1, 2**62),
        "sc_relu_lossy": (4, 2**62 - 1, 2**63), "sc_relu_field_lt": (4, 2**62 - 1, 2**64 - 2**62 - 1),
        "sc_relu_field_lt63": (4, 2**62 - 1, 2**63),
    }
    for key, (n, lim, outside) in cases.items():
        if key not in progs:
            continue
        prog = progs[key]
        ok = True
        for _ in range(100):
            mag = int(rng.integers(1, 63 if lim > 2**31 else 31))
            vs = [int(rng.integers(-(2**mag), 2**mag)) for _ in range(n)]
            vs = [max(-lim, min(lim, v)) for v in vs]
            ok &= signed(prog.run(key, [v + OFF for v in vs])) == relu_sum(vs) % P
        for edge in (-lim, lim, 0, -1):
            vs = [edge] + [0] * (n - 1)
            ok &= signed(prog.run(key, [v + OFF for v in vs])) == relu_sum(vs)
        text = "matches max(v, 0)" if ok else "MISMATCH"
        if outside is not None:
            text += f"; at v = {fmt_pow(outside)}: " + outcome(prog, key, [outside + OFF] + [OFF] * (n - 1), outside)
        results[key] = text
    if "sc_relu_i64" in progs:
        prog = progs["sc_relu_i64"]
        ok = True
        for _ in range(100):
            vs = rng.integers(-(2**63), 2**63 - 1, size=8, dtype=np.int64, endpoint=True).tolist()
            ok &= prog.run("sc_relu_i64", vs) == relu_sum(vs) % P
        results["sc_relu_i64"] = ("matches max(v, 0) on all of i64" if ok else "MISMATCH") + "; needs i64 values"
    return results


def fmt_pow(v: int) -> str:
    if v == 3 * 2**62 - 1:
        return "3·2^62-1 (largest offset input)"
    for k in range(1, 130):
        if v == 2**k:
            return f"2^{k}"
        if v == 2**k - 1:
            return f"2^{k}-1"
    return str(v)


# ---- measuring ----------------------------------------------------------------------------------------
def reset_parsing() -> None:
    """Forget every parsed DSL function so that a compile starts from the source text."""
    for obj in gc.get_objects():
        if isinstance(obj, DslFunction):
            obj._syntax = None


def compile_ms(prog: pl.Program) -> float:
    reset_parsing()
    for key in ("module", "_aleo"):
        prog.__dict__.pop(key, None)
    start = time.perf_counter()
    prog.aleo()
    return (time.perf_counter() - start) * 1000


def cost(prog: pl.Program, key: str) -> int | None:
    try:
        return prog.cost(key, prepare_proof=False)
    except pl.LimitError:
        return None


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), **vm.versions()}


def measure(suite: Suite, log: Callable[[str], None]) -> tuple[dict[str, pl.Program], dict[str, int | None]]:
    progs = {key: pl.Program(key, [Entry(body, key)]) for key, body in suite.fns.items()}
    compiled: dict[str, float] = {}
    costs: dict[str, int | None] = {}
    progs[next(iter(progs))].aleo()            # warm up the parser (lark grammar) outside the timings
    for i, (key, prog) in enumerate(progs.items()):
        compiled[key] = compile_ms(prog)
        start = time.perf_counter()
        costs[key] = cost(prog, key)
        log(f"[{i + 1}/{len(progs)}] {key}: {costs[key] if costs[key] is not None else OVER} "
            f"({time.perf_counter() - start:.1f} s)")
        vm.forget_programs()
    for r in suite.rows:
        if r.key is None:
            continue
        r.constraints, r.compile_ms = costs[r.key], compiled[r.key]
        r.over_limit = r.constraints is None
        if r.base is not None:
            r.base_constraints = costs[r.base]
            if r.constraints is not None and r.base_constraints is not None:
                r.per_unit = (r.constraints - r.base_constraints) / r.units
    for r in suite.rows:        # beyond the local parameters: estimate from the largest measured size
        if r.over_limit and r.base_constraints is not None:
            known = [o for o in suite.rows if o.primitive == r.primitive and o.per_unit is not None]
            if known:
                ref = max(known, key=lambda o: o.units)
                est = r.base_constraints + r.units * ref.per_unit
                r.note = f"estimate ≈ {est:,.0f} (baseline + {r.units} × {fmt_unit(ref.per_unit)}, the {ref.size} rate)"
    return progs, costs


def fmt_unit(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.2f}"


def table(rows: list[Row]) -> str:
    head = ("| section | primitive | size | encoding | constraints per unit | total (function) | compile | "
            "max error / check |\n|---|---|---|---|---:|---:|---:|---|")
    lines = []
    for r in rows:
        per = f"{fmt_unit(r.per_unit)} / {r.unit}" if r.per_unit is not None else ("n/a" if r.over_limit else "")
        total = OVER if r.over_limit else f"{r.constraints:,}"
        check = "; ".join(x for x in (r.error, r.note) if x)
        lines.append(f"| {r.section} | {r.primitive} | {r.size} | {r.encoding} | {per} | {total} | "
                     f"{r.compile_ms:.0f} ms | {check} |")
    return "\n".join([head, *lines])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset of the rows (prints only, unless --out)")
    parser.add_argument("--smoke", action="store_true", help="two rows (prints only, unless --out)")
    parser.add_argument("--out", type=Path, default=None, help="default: benchmarks/results/stdlib_costs.json")
    opts = parser.parse_args(argv)
    out = opts.out or (None if opts.quick or opts.smoke else Path("benchmarks/results/stdlib_costs.json"))
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"{time.perf_counter() - started:7.1f}s  {msg}", flush=True)

    suite = build(opts.quick, opts.smoke)
    log(f"{len(suite.fns)} functions, {len(suite.rows)} rows")
    progs, _ = measure(suite, log)
    checks = encoding_checks(progs)
    for r in suite.rows:
        if r.key in checks:
            r.error = checks[r.key]
        if r.key in suite.checks:
            r.error = suite.checks[r.key](progs[r.key])
    log("errors and checks done")

    from examples import iris_mlp

    start = time.perf_counter()
    mlp_compile = compile_ms(iris_mlp.prog)
    mlp = cost(iris_mlp.prog, "predict")
    mlp_line = (f"iris MLP 4→16→3 (examples/iris_mlp.py, `predict`): {mlp:,} constraints in total"
                if mlp is not None else f"iris MLP 4→16→3: {OVER}") + f", compiled in {mlp_compile:.0f} ms"
    log(f"iris MLP measured ({time.perf_counter() - start:.1f} s)")

    info = machine()
    mach = (f"{info['cpu']} ({info['cores']} cores), {info['platform']}, Python {info['python']}, "
            f"aleo-sdk {info['aleo_sdk']}, snarkVM {info['snarkvm']}")
    text = table(suite.rows)
    print()
    print(f"**{mlp_line}**\n")
    print(text)
    print(f"\nper unit = (constraints − baseline) / units, the baseline having the same inputs and output; "
          f"limit of the local degree-16 parameters: {LIMIT:,} constraints.\nmeasured on: {mach}")
    log("done")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        data = {"machine": info, "headline": {"iris_mlp_predict_constraints": mlp, "compile_ms": mlp_compile},
                "limit_constraints": LIMIT, "quick": opts.quick,
                "rows": [dataclasses.asdict(r) for r in suite.rows]}
        out.write_text(json.dumps(data, indent=2) + "\n")
        out.with_suffix(".md").write_text(
            f"# stdlib_ml costs on snarkVM\n\n**{mlp_line}**\n\n{text}\n\n"
            f"per unit = (constraints − baseline) / units, the baseline having the same inputs and output "
            f"(`python -m benchmarks.stdlib_costs`); functions above the local degree-16 parameters "
            f"({LIMIT:,} constraints) cannot be synthesized here.\n\nmeasured on: {mach}\n")


if __name__ == "__main__":
    main()
