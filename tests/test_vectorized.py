"""Batch evaluation (pyleo.vectorized, ``Program.run_batch``) against the row-by-row reference interpreter:
the same value for every row, and a halt exactly on the rows where the interpreter raises.

Covers every corpus function (its listed cases and seeded random inputs of every kind, edge values
included, so overflows, bad casts, divisions by zero and failed asserts all occur) and a model of
each converter family.
"""

from __future__ import annotations

import numpy as np
import pytest

import pyleo as pl
from pyleo import vectorized
from pyleo.emit_aleo import _OPCODES
from pyleo.interp import check_args
from tests.corpus._harness import MODES, corpus_names, load, outcome, random_args, same, seed_of

NAMES = corpus_names()
RANDOM_PER_MODE = 4


def test_every_opcode_the_emitter_writes_has_a_batch_meaning() -> None:
    emitted = set(_OPCODES.values()) | {"ternary", "cast", "cast.lossy", "hash.psd2", "commit.bhp256", "assert.eq"}
    assert not emitted - set(vectorized.OPS), emitted - set(vectorized.OPS)


@pytest.mark.parametrize("name", NAMES)
def test_corpus_rows_agree_with_the_interpreter(name: str) -> None:
    mod = load(name)
    prog: pl.Program = mod.PROGRAM
    halts = 0
    for fn, cases in mod.CASES.items():
        rng = np.random.default_rng(seed_of("batch", name, fn))
        rows = [tuple(c) for c in cases] + [random_args(prog, fn, rng, m) for m in MODES for _ in range(RANDOM_PER_MODE)]
        entry = prog.entry(fn)
        results, halted = vectorized.evaluate_rows(entry, prog.code.function(fn), [check_args(entry, r) for r in rows])
        for args, value, h in zip(rows, results, halted):
            want = outcome(lambda: prog.run(fn, *args))
            assert want.halted == bool(h), (fn, args, want)
            assert want.halted or same(value, want.value), (fn, args, value, want.value)
            halts += int(h)
    if name in ("p01_u8_arith", "p07_i16_divrem", "p14_int_casts", "p22_asserts"):
        assert halts > 0  # these programs' inputs include halting rows: the check above saw both kinds


def test_a_halting_row_raises_the_interpreters_error() -> None:
    mod = load("p01_u8_arith")
    prog: pl.Program = mod.PROGRAM
    fn = next(iter(mod.CASES))
    rng = np.random.default_rng(1)
    rows = [random_args(prog, fn, rng, "full") for _ in range(40)]
    outcomes = [outcome(lambda: prog.run(fn, *r)) for r in rows]
    first = next(i for i, o in enumerate(outcomes) if o.halted)
    with pytest.raises(pl.ExecutionError) as err:
        prog.run_batch(fn, rows)
    assert str(err.value) == outcomes[first].message
    fine = [r for r, o in zip(rows, outcomes) if not o.halted]
    assert prog.run_batch(fn, fine) == [o.value for o in outcomes if not o.halted]


def _families() -> list[object]:
    from benchmarks import models

    return [pytest.param(make, id=make.__name__) for make in (models.iris_mlp, models.breast_cancer_logreg, models.wine_tree,
                                                               models.wine_forest, models.iris_kmeans, models.iris_knn)]


@pytest.mark.parametrize("make", _families())
def test_converted_models_predict_the_same_in_batch(make) -> None:  # type: ignore[no-untyped-def]
    from stdlib_ml import from_sklearn

    fitted = make()
    zk = from_sklearn(fitted.model, fitted.X_train)
    rows = [[x] for x in zk.encode(fitted.X_test[:12])]
    assert zk.program.run_batch("predict", rows) == [zk.program.run("predict", *r) for r in rows]
