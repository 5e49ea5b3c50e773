"""Differential tests over the corpus (tests/corpus/pNN_*.py): the interpreter against snarkVM.

For every program, function and listed case, and for a few seeded random inputs per function, the
reference interpreter (``Program.run``) and snarkVM's circuit execution (``Program.evaluate``) must
agree exactly: the same values, or both halt. A few functions are also checked against an independent
oracle written here in plain Python / numpy. Every program must compile to Aleo instructions, and
its Leo text (``Program.leo``) must pass the Leo 4 grammar's syntax check.

No key is synthesized: the circuit runs under a stand-in proving key (``keys=False``, see
:func:`pyleo.vm.evaluate`; ~0.3 s an execution instead of ~15 s more for a function's first).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from tests.corpus._harness import (
    MODES,
    Outcome,
    P,
    check_agree,
    corpus_names,
    load,
    outcome,
    random_args,
    same,
    seed_of,
    short,
)

REPO = Path(__file__).resolve().parents[1]
NAMES = corpus_names()
MODULES = {name: load(name) for name in NAMES}
RANDOM_PER_FUNCTION = int(os.environ.get("PYLEO_CORPUS_RANDOM", "2"))
"""Seeded random inputs per corpus function (each is one snarkVM execution, ~0.3 s)."""
RANDOM_MODES = ("small", "mixed", "edge", "full")


DEFAULT_EVERY_CASE = {"p38_output_aliases"}
"""Programs whose every case runs on snarkVM in the default set (every output-aliasing shape, issue 21)."""


def _in_default(name: str, fn: str, i: int) -> bool:
    """The default set runs, on snarkVM, the first three cases of the first function of every corpus
    program (one execution ~0.3 s; all 515 cases and the random inputs take ~4 min): every construct the
    corpus covers, sampled; ``-m slow`` runs every case of every function."""
    return name in DEFAULT_EVERY_CASE or (fn == next(iter(MODULES[name].CASES)) and i < 3)


def _cases() -> list[Any]:
    out = []
    for name, mod in MODULES.items():
        for fn, cases in mod.CASES.items():
            for i, args in enumerate(cases):
                marks = () if _in_default(name, fn, i) else pytest.mark.slow
                out.append(pytest.param(name, fn, args, id=f"{name}-{fn}-{i}", marks=marks))
    return out


def _functions() -> list[Any]:
    """Random inputs: in the default set for the first function of every program (its first draw; the
    others with ``-m slow``), else ``-m slow``."""
    return [pytest.param(name, fn, id=f"{name}-{fn}", marks=() if _in_default(name, fn, 0) else pytest.mark.slow)
            for name, mod in MODULES.items() for fn in mod.CASES]


# ---- the corpus itself -------------------------------------------------------------------------
def test_corpus_size() -> None:
    """At least 30 programs, and CASES lists every entry point of each program (and nothing else)."""
    assert len(NAMES) >= 30
    for name, mod in MODULES.items():
        assert isinstance(mod.PROGRAM, pl.Program), name
        assert set(mod.CASES) == set(mod.PROGRAM.functions), f"{name}: CASES must cover every function"
        assert all(isinstance(args, tuple) for cases in mod.CASES.values() for args in cases), name


def test_program_names_unique() -> None:
    names = [mod.PROGRAM.name for mod in MODULES.values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", NAMES)
def test_compiles_to_aleo(name: str) -> None:
    prog = MODULES[name].PROGRAM
    text = prog.aleo()
    assert text.startswith(f"program {prog.name}.aleo;")
    for fn in prog.functions:
        assert f"function {fn}:" in text


# ---- interpreter vs snarkVM --------------------------------------------------------------------
@pytest.mark.prove
@pytest.mark.parametrize(("name", "fn", "args"), _cases())
def test_case(name: str, fn: str, args: tuple[Any, ...]) -> None:
    check_agree(MODULES[name].PROGRAM, fn, args, keys=False)


@pytest.mark.prove
@pytest.mark.parametrize(("name", "fn"), _functions())
@pytest.mark.parametrize("k", [0] + [pytest.param(k, marks=pytest.mark.slow) for k in range(1, RANDOM_PER_FUNCTION)])
def test_random(name: str, fn: str, k: int) -> None:
    prog = MODULES[name].PROGRAM
    rng = np.random.default_rng(seed_of(name, fn, k))
    args = random_args(prog, fn, rng, RANDOM_MODES[k % len(RANDOM_MODES)])
    check_agree(prog, fn, args, keys=False)


@pytest.mark.prove
def test_untaken_return_still_halts() -> None:
    """`if d == 0: return 0` then `return 100 / d`: the division is in the circuit, so d == 0 halts in both."""
    prog = MODULES["p20_if_returns"].PROGRAM
    interp, vm = check_agree(prog, "safe_div", (0,), keys=False)
    assert interp.halted and vm.halted
    assert check_agree(prog, "safe_div", (-7,), keys=False)[1] == Outcome(False, -14)


# ---- independent oracles (interpreter only) ----------------------------------------------------
HALT = object()


def _fits(v: int, bits: int, signed: bool) -> bool:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return lo <= v <= hi


def _trunc_divmod(a: int, b: int) -> tuple[int, int]:
    """Division rounding toward zero, written independently of pyleo.semantics."""
    q = a // b
    if q < 0 and q * b != a:
        q += 1
    return q, a - q * b


def oracle_divrem(a: int, b: int) -> Any:
    if b == 0:
        return HALT
    q, r = _trunc_divmod(a, b)
    return HALT if not _fits(q, 16, True) else (q, r)


def oracle_matmul(a: list[list[int]], b: list[list[int]]) -> Any:
    # every partial sum must fit i32, in the order the function accumulates
    acc = [[0, 0], [0, 0]]
    for i in range(2):
        for j in range(2):
            for k in range(3):
                prod = a[i][k] * b[k][j]
                if not _fits(prod, 32, True) or not _fits(acc[i][j] + prod, 32, True):
                    return HALT
                acc[i][j] += prod
    expected = (np.array(a, dtype=np.int64) @ np.array(b, dtype=np.int64)).tolist()
    assert expected == acc
    return expected


def oracle_two_sizes(x: list[int], y: list[int]) -> Any:
    def dot(u: list[int], v: list[int]) -> Any:
        acc = 0
        for p, q in zip(u, v):
            if not _fits(p * q, 64, True) or not _fits(acc + p * q, 64, True):
                return HALT
            acc += p * q
        return acc

    first = dot(x, x)
    total = dot(y, [1] * 3)
    second = dot(y, [1, 2, 3])
    if HALT in (first, total, second) or not _fits(total + second, 64, True):
        return HALT
    assert first == int(np.dot(np.array(x, dtype=object), np.array(x, dtype=object)))
    return first, total + second


def oracle_fops(a: int, b: int) -> Any:
    if b % P == 0:
        return HALT
    return [(a + b) % P, (a - b) % P, a * b % P, a * pow(b, P - 2, P) % P]


def oracle_field_to_i64(f: int) -> Any:
    f %= P
    if f >= 1 << 64:
        return HALT
    return int(np.array([f], dtype=np.uint64).view(np.int64)[0])


def oracle_lossy_int(x: int, y: int) -> Any:
    arr = np.array([x], dtype=np.int64)
    return (int(arr.astype(np.uint8)[0]), int(arr.astype(np.int8)[0]), bool(y & 1),
            y - (1 << 128) if y >> 127 else y)


def oracle_np_matvec(v: list[int]) -> Any:
    from tests.corpus.p24_constants import B

    out = [0, 0]
    for i in range(2):
        for j in range(2):
            prod = int(B[i][j]) * v[j]
            if not _fits(prod, 16, True) or not _fits(out[i] + prod, 16, True):
                return HALT
            out[i] += prod
    assert out == (B.astype(np.int64) @ np.array(v, dtype=np.int64)).tolist()
    return out


def oracle_bits_i8(a: int, b: int) -> Any:
    x, y = np.int8(a), np.int8(b)
    return [int(x & y), int(x | y), int(x ^ y), int(~x)]


def oracle_digits(n: int, base: int) -> Any:
    if base == 0:
        return HALT
    q, r0 = divmod(n, base)
    q, r1 = divmod(q, base)
    return q, [r1, r0]


def oracle_relu_clip(x: list[int], cap: int) -> Any:
    return np.minimum(np.maximum(np.array(x, dtype=np.int64), 0), cap).tolist()


def oracle_spread(a: list[int]) -> Any:
    lo, hi = min(a), max(a)
    return HALT if not _fits(hi - lo, 32, True) else (hi - lo, lo, hi)


ORACLES: dict[tuple[str, str], Callable[..., Any]] = {
    ("p07_i16_divrem", "divrem"): oracle_divrem,
    ("p19_matrix", "matmul"): oracle_matmul,
    ("p23_generic_helpers", "two_sizes"): oracle_two_sizes,
    ("p11_field_arith", "fops"): oracle_fops,
    ("p15_field_casts", "field_to_i64"): oracle_field_to_i64,
    ("p16_lossy_casts", "lossy_int"): oracle_lossy_int,
    ("p24_constants", "np_matvec"): oracle_np_matvec,
    ("p13_small_bitwise", "bits_i8"): oracle_bits_i8,
    ("p26_tuples", "digits"): oracle_digits,
    ("p21_select_minmax", "relu_clip"): oracle_relu_clip,
    ("p26_tuples", "spread"): oracle_spread,
}


def _normalize(prog: pl.Program, fn: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Arguments in canonical form (fields reduced mod p), as the function receives them."""
    return tuple(prog.inputs(fn, args))


@pytest.mark.parametrize(("name", "fn"), [pytest.param(n, f, id=f"{n}-{f}") for n, f in ORACLES])
def test_oracle(name: str, fn: str) -> None:
    prog = MODULES[name].PROGRAM
    rng = np.random.default_rng(seed_of("oracle", name, fn))
    inputs = list(MODULES[name].CASES[fn])
    inputs += [random_args(prog, fn, rng, MODES[k % len(MODES)]) for k in range(40)]
    for args in inputs:
        expected = ORACLES[(name, fn)](*_normalize(prog, fn, args))
        got = outcome(lambda args=args: prog.run(fn, *args))
        want = Outcome(True) if expected is HALT else Outcome(False, expected)
        ok = got.halted == want.halted and (got.halted or same(got.value, want.value))
        assert ok, f"{name}.{fn}{short(args)}: interpreter {got}, oracle {want}"


# ---- Leo ---------------------------------------------------------------------------------------
def _leo_tool() -> Path:
    return Path(os.environ.get("LEO_SYNTAX_CHECK", REPO.parent / "shared" / "tools" / "leo-syntax-check"))


def test_leo_syntax(tmp_path: Path) -> None:
    """Every corpus program that type-checks emits Leo that the Leo 4 grammar parses with 0 errors."""
    if importlib.util.find_spec("pyleo.emit_leo") is None:
        pytest.skip("pyleo/emit_leo.py does not exist yet")
    tool = _leo_tool()
    assert tool.exists(), f"leo-syntax-check not found at {tool} (set LEO_SYNTAX_CHECK)"
    files, failures = [], []
    for name, mod in MODULES.items():
        prog = mod.PROGRAM
        try:
            _ = prog.module  # programs that do not type-check fail in test_compiles_to_aleo
        except pl.CompileError:
            continue
        try:
            text = prog.leo()
        except Exception as e:  # noqa: BLE001 - report every program that cannot be emitted
            failures.append(f"{name}: {type(e).__name__}: {e}")
            continue
        path = tmp_path / prog.name / "src" / "main.leo"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        files.append(path)
    assert not failures, "Leo emission failed:\n" + "\n".join(failures)
    assert files
    proc = subprocess.run([str(tool), *map(str, files)], capture_output=True, text=True, timeout=600, check=False)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"leo-syntax-check reported syntax errors:\n{report[-6000:]}"


@pl.function
def halve(x: pl.Public[pl.U16], d: pl.U16) -> pl.Public[pl.U16]:
    return x / d


@pytest.mark.prove
def test_circuit_without_keys_halts_alike_and_leaves_proving_intact() -> None:
    """``keys=False`` (what the differential tests use) gives snarkVM's values and halts with no key
    synthesized, and the stand-in key never serves a proof: the same function then proves and verifies."""
    prog = pl.Program("no_keys_then_prove", [halve])
    assert prog.evaluate("halve", 9, 2, keys=False) == 4
    with pytest.raises(pl.ExecutionError):
        prog.evaluate("halve", 9, 0, keys=False)
    proof = prog.prove("halve", 9, 2)
    assert proof.outputs == ["4u16"] and prog.verify(proof)
