"""Property tests: every operator on several types, interpreter against snarkVM, with hypothesis.

One small program per type (tests/corpus/ops_int.py and ops_shift.py, loaded once per type, and
ops_field.py, ops_casts.py) with one function per operator; hypothesis draws operands biased to the
edges (min, max, 0, ±1, shift amounts around the bit width) and every draw must give the same values
in ``Program.run`` and ``Program.evaluate``, or halt in both.

Costs: each example is one circuit execution (~0.2-0.5 s); no key is synthesized (``keys=False``: the
circuit runs under a stand-in proving key, see :func:`pyleo.vm.evaluate`; keys already cached are
used). Each operator has two tests: ``test_<program>_<fn>`` in the
default suite with ``PYLEO_PROPERTY_EXAMPLES`` random examples (default 5) and
``test_<program>_<fn>_more`` behind ``-m slow`` with ``PYLEO_PROPERTY_EXAMPLES_SLOW`` (default 25);
the explicit edge examples come on top of both. Draws are derandomized, so runs are reproducible;
set ``PYLEO_PROPERTY_RANDOM=1`` to explore new inputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pyleo as pl
from pyleo.types import BoolType, FieldType, IntType, Type
from tests.corpus import ops_casts, ops_field, ops_identity_other
from tests.corpus._harness import FIELD_EDGES, P, check_agree, int_edges, load_template

EXAMPLES = int(os.environ.get("PYLEO_PROPERTY_EXAMPLES", "5"))
SLOW_EXAMPLES = int(os.environ.get("PYLEO_PROPERTY_EXAMPLES_SLOW", "25"))


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=not os.environ.get("PYLEO_PROPERTY_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )

INT_TYPES: dict[str, IntType] = {"u8": pl.U8, "i8": pl.I8, "i64": pl.I64, "u128": pl.U128, "i128": pl.I128}
DEFAULT_TYPES = {"i8"}
"""The integer types whose every operator (edge cases and random draws) runs on snarkVM in the default set:
narrow and signed (overflow, division and shift halts are reached most often);
the others, and the casts, run with ``-m slow`` (~0.3 s an execution; all of them take ~1.5 min)."""


# ---- strategies --------------------------------------------------------------------------------
def ints(t: IntType) -> st.SearchStrategy[int]:
    """Edges often, small values often, anything in range otherwise."""
    return st.one_of(
        st.sampled_from(int_edges(t)),
        st.integers(max(t.min, -4), min(t.max, 4)),
        st.integers(t.min, t.max),
    )


def shift_amounts(t: IntType) -> st.SearchStrategy[int]:
    around = [0, 1, t.bits // 2, t.bits - 2, t.bits - 1, t.bits, t.bits + 1, 2 * t.bits, 255]
    return st.one_of(st.sampled_from(sorted({a for a in around if a <= 255})), st.integers(0, 255))


def fields() -> st.SearchStrategy[int]:
    return st.one_of(
        st.sampled_from(FIELD_EDGES),
        st.integers(-4, 4).map(lambda v: v % P),
        st.integers(0, P - 1),
        st.integers(0, (1 << 128) - 1),
    )


def values(t: Type) -> st.SearchStrategy[Any]:
    if isinstance(t, IntType):
        return ints(t)
    if isinstance(t, FieldType):
        return fields()
    if isinstance(t, BoolType):
        return st.booleans()
    raise TypeError(t)


def int_pairs(t: IntType) -> list[tuple[int, int]]:
    """Explicit operand pairs every integer operator is tried on (beside the random draws)."""
    neg1 = -1 if t.signed else t.max
    return [(t.min, neg1), (t.max, 1), (t.min, t.min), (t.max, t.max), (0, 0), (neg1, t.min), (t.max, 2)]


def shift_pairs(t: IntType) -> list[tuple[int, int]]:
    out = [(1, t.bits - 1), (1, t.bits), (t.max, 1), (t.min, 1), (t.max, t.bits - 1), (3, t.bits - 2), (0, 255)]
    if t.signed:
        out += [(-1, t.bits - 1), (t.min, t.bits - 1), (-7, 1)]
    return out


# ---- test factory ------------------------------------------------------------------------------
def make_test(prog: pl.Program, fn: str, strategies: list[st.SearchStrategy[Any]],
              examples: list[tuple[Any, ...]], max_examples: int, name: str, keys: bool = False) -> Callable[..., None]:
    names = [p.name for p in prog.entry(fn).params]

    def body(**kwargs: Any) -> None:
        check_agree(prog, fn, tuple(kwargs[n] for n in names), keys)

    test = given(**dict(zip(names, strategies)))(body)
    for ex in examples:
        test = example(**dict(zip(names, ex)))(test)
    test = _settings(max_examples)(test)
    test.__name__ = name
    return test


def _compiles(prog: pl.Program) -> bool:
    """Whether the program type-checks; when it does not, the test itself fails with the compile error."""
    try:
        _ = prog.module
    except pl.CompileError:
        return False
    return True


TESTS: dict[str, Callable[..., None]] = {}


def register(prog: pl.Program, fn: str, strategies: list[st.SearchStrategy[Any]],
             examples: list[tuple[Any, ...]], keys: bool = False, default: bool = True) -> None:
    """``test_<program>_<fn>`` (``default=False``: in ``-m slow`` only) and its ``-m slow`` twin ``_more``."""
    if not _compiles(prog):
        # Surface the compile error as a failing test rather than breaking collection.
        def failing() -> None:
            _ = prog.module

        failing.__name__ = f"test_{prog.name}_{fn}"
        TESTS[failing.__name__] = failing
        return
    name = f"test_{prog.name}_{fn}"
    test = pytest.mark.prove(make_test(prog, fn, strategies, examples, EXAMPLES, name, keys))
    TESTS[name] = test if default else pytest.mark.slow(test)
    TESTS[f"{name}_more"] = pytest.mark.prove(pytest.mark.slow(
        make_test(prog, fn, strategies, examples, SLOW_EXAMPLES, f"{name}_more", keys)))


for _t in INT_TYPES.values():
    _ops = load_template("ops_int", _t)
    for _fn in _ops.PROGRAM.functions:
        register(_ops.PROGRAM, _fn, [ints(_t), ints(_t)], int_pairs(_t), default=_t.aleo() in DEFAULT_TYPES)
    _shifts = load_template("ops_shift", _t)
    for _fn in _shifts.PROGRAM.functions:
        if _fn in ("op_shl", "op_shr"):
            register(_shifts.PROGRAM, _fn, [ints(_t), shift_amounts(_t)], shift_pairs(_t), default=_t.aleo() in DEFAULT_TYPES)
        else:  # shift left by a constant amount (i128)
            register(_shifts.PROGRAM, _fn, [ints(_t)], [(a,) for a, _ in int_pairs(_t)] + [(-1,), (1,), (3,)],
                     default=_t.aleo() in DEFAULT_TYPES)

_FIELD_PAIRS = [(0, 0), (1, 0), (P - 1, P - 1), (P - 1, 1), (0, P - 1), ((P - 1) // 2, (P + 1) // 2), (1 << 128, 3)]
for _fn in ops_field.PROGRAM.functions:
    register(ops_field.PROGRAM, _fn, [fields(), fields()], _FIELD_PAIRS)

for _f in ops_casts.FUNCTIONS:
    _src = ops_casts.PROGRAM.entry(_f.name).params[0].type
    if isinstance(_src, IntType):
        _ex = [(v,) for v in {_src.min, _src.max, 0, 1, _src.min + 1, _src.max - 1, -1 if _src.signed else 2}]
    elif isinstance(_src, FieldType):
        _ex = [(v,) for v in (0, 1, 2, P - 1, 1 << 63, (1 << 64) - 1, 1 << 64, 1 << 127, 1 << 128)]
    else:
        _ex = [(False,), (True,)]
    register(ops_casts.PROGRAM, _f.name, [values(_src)], sorted(_ex, key=str), default=False)

# Identity and absorbing operands next to their input (issue 21's 6 disagreeing edge cases: outputs that
# fold into one register or constant).
for _t in INT_TYPES.values():
    _ids = load_template("ops_identity", _t)
    _edges = [(v,) for v in int_edges(_t)]
    for _fn in ("identities", "absorbing"):
        register(_ids.PROGRAM, _fn, [ints(_t)], _edges, default=_t.aleo() in DEFAULT_TYPES)
    register(_ids.PROGRAM, "equal_sides", [ints(_t), st.booleans()],
             [(v, c) for v in (_t.min, 0, _t.max) for c in (False, True)], default=_t.aleo() in DEFAULT_TYPES)
register(ops_identity_other.PROGRAM, "field_identities", [fields()], [(v,) for v in FIELD_EDGES])
register(ops_identity_other.PROGRAM, "bool_identities", [st.booleans()], [(False,), (True,)])

globals().update(TESTS)


def test_every_operator_is_tested() -> None:
    for op in ("op_add", "op_sub", "op_mul", "op_div", "op_rem", "bits", "cmp"):
        for t in INT_TYPES.values():
            assert f"test_ops_{t.aleo()}_{op}" in TESTS
    for t in INT_TYPES.values():
        assert f"test_shift_{t.aleo()}_op_shr" in TESTS
        shl = ["op_shl"] if t != pl.I128 else ["shl_one", "shl_half", "shl_top"]
        assert all(f"test_shift_{t.aleo()}_{f}" in TESTS for f in shl)
    casts = [n for n in TESTS if n.startswith("test_ops_casts_") and not n.endswith("_more")]
    assert len(casts) == len(ops_casts.FUNCTIONS)
    for t in INT_TYPES.values():
        assert all(f"test_identity_{t.aleo()}_{f}" in TESTS for f in ("identities", "absorbing", "equal_sides"))
    assert all(f"{n}_more" in TESTS for n in TESTS if not n.endswith("_more"))   # each has its -m slow twin
