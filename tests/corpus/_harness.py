"""Shared machinery of the differential tests: loading corpus modules, random inputs, comparing outcomes.

The interpreter (``Program.run``) and snarkVM's circuit execution (``Program.evaluate``) must agree
exactly on every input: the same values (same Python types, recursively), or both halt with
:class:`pyleo.ExecutionError`. Any other exception (a compile error, a VM error) is a failure.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import pyleo as pl
from pyleo.types import (
    SCALAR_MODULUS,
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    StructType,
    Type,
)

CORPUS_DIR = Path(__file__).resolve().parent
P = pl.FIELD_MODULUS
_CORPUS_FILE = re.compile(r"^p\d\d_\w+\.py$")


def corpus_names() -> list[str]:
    """Module names of the corpus programs (``p01_u8_arith`` …), sorted."""
    return sorted(p.stem for p in CORPUS_DIR.iterdir() if _CORPUS_FILE.match(p.name))


def load(name: str) -> ModuleType:
    return importlib.import_module(f"tests.corpus.{name}")


def load_template(stem: str, t: Type) -> ModuleType:
    """Load ``tests/corpus/<stem>.py`` with its global ``T`` bound to ``t`` (one module per type)."""
    name = f"tests.corpus.{stem}__{t.aleo()}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CORPUS_DIR / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    mod.T = t  # type: ignore[attr-defined]
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def seed_of(*parts: Any) -> int:
    """A stable seed (independent of PYTHONHASHSEED) for a test's random inputs."""
    return zlib.crc32("/".join(map(str, parts)).encode())


# ---- outcomes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    halted: bool
    value: Any = None
    message: str = ""

    def __str__(self) -> str:
        if self.halted:
            first = self.message.strip().splitlines()
            return f"HALT ({first[0] if first else ''})"
        return repr(self.value)


def outcome(call: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(False, call())
    except pl.ExecutionError as e:
        return Outcome(True, None, str(e))


def same(a: Any, b: Any) -> bool:
    """Exact equality of canonical values: equal and of the same Python types, recursively."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def short(args: Any, limit: int = 400) -> str:
    text = repr(args)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_agree(prog: pl.Program, fn: str, args: tuple[Any, ...], keys: bool = True) -> tuple[Outcome, Outcome]:
    """Run ``fn(*args)`` in the interpreter and on snarkVM; fail unless they agree exactly. ``keys=False``:
    snarkVM's circuit runs without synthesizing keys (``Program.evaluate(..., keys=False)``)."""
    interp = outcome(lambda: prog.run(fn, *args))
    vm = outcome(lambda: prog.evaluate(fn, *args, keys=keys))
    agree = interp.halted == vm.halted and (interp.halted or same(interp.value, vm.value))
    assert agree, (
        f"interpreter and snarkVM disagree on {prog.name}.{fn}{short(args)}\n"
        f"  interpreter: {interp}\n  snarkVM:     {vm}"
    )
    return interp, vm


# ---- random inputs -----------------------------------------------------------------------------
MODES = ("small", "edge", "full", "mixed")


def _big(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi] (arbitrary size)."""
    span = hi - lo + 1
    nbytes = (span.bit_length() + 7) // 8 + 8
    return lo + int.from_bytes(rng.bytes(nbytes), "little") % span


def int_edges(t: IntType) -> list[int]:
    vals = {t.min, t.max, 0, 1, t.max - 1, t.min + 1, 2, t.max // 2, t.max // 2 + 1, (1 << (t.bits // 2)),
            (1 << (t.bits // 2)) - 1}
    if t.signed:
        vals |= {-1, -2, t.min // 2, -(1 << (t.bits // 2))}
    return sorted(v for v in vals if t.min <= v <= t.max)


FIELD_EDGES = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, (P + 1) // 2, 1 << 64, (1 << 64) - 1, 1 << 63, 1 << 128,
               (1 << 252)]


def random_scalar(t: Type, rng: np.random.Generator, mode: str) -> Any:
    if mode == "mixed":
        mode = MODES[int(rng.integers(0, 3))]
    if isinstance(t, BoolType):
        return bool(rng.integers(0, 2))
    if isinstance(t, IntType):
        if mode == "edge":
            edges = int_edges(t)
            return edges[int(rng.integers(0, len(edges)))]
        if mode == "small":
            lo = max(t.min, -100)
            return _big(rng, lo, min(t.max, 100))
        return _big(rng, t.min, t.max)
    if isinstance(t, FieldType):
        if mode == "edge":
            return FIELD_EDGES[int(rng.integers(0, len(FIELD_EDGES)))]
        if mode == "small":
            return _big(rng, -100, 100) % P
        return _big(rng, 0, P - 1)
    if isinstance(t, ScalarType):
        return _big(rng, 0, SCALAR_MODULUS - 1) if mode != "small" else _big(rng, 0, 1000)
    raise TypeError(f"no random values for {t}")


def random_value(t: Type, rng: np.random.Generator, mode: str) -> Any:
    if isinstance(t, ArrayType):
        return [random_value(t.elem, rng, mode) for _ in range(int(t.size))]
    if isinstance(t, StructType):
        return {n: random_value(ft, rng, mode) for n, ft in t.fields}
    return random_scalar(t, rng, mode)


def random_args(prog: pl.Program, fn: str, rng: np.random.Generator, mode: str) -> tuple[Any, ...]:
    return tuple(random_value(p.type, rng, mode) for p in prog.entry(fn).params)
