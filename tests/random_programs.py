"""Random pyleo programs for the differential tests: the interpreter against snarkVM's circuit.

A *random program* is an ``@pl.inline`` function of two or three typed arguments (any integer type,
``field``, ``bool``) whose body assigns one or two annotated locals, maybe under an ``if``, and returns
an expression; expressions are drawn from every operator the DSL has (checked arithmetic, ``/``, ``%``,
``**``, bitwise, shifts, comparisons, boolean logic, ``min``/``max``/``abs``, unary ``-``/``~``/``not``,
conditional expressions, checked and lossy casts) over the arguments and edge constants.

They are batched so that snarkVM's cost is amortized: one entry point calls :data:`PER_ENTRY` random
programs on values derived from its four public inputs (lossy casts of bit slices of three ``u128``
inputs, and a ``field``) and returns each result cast to ``field`` in ``[field; 16]`` arrays, so every
random program is compared on its own; one Aleo program holds up to 31 entry points; and the circuit
runs without synthesizing keys (``Program.evaluate(..., keys=False)``: ~0.5-2 s an entry point instead
of ~15 s more for its keys). Each entry point's inputs are drawn first (``small``, ``edge``, ``full`` or
``mixed`` values per type), and a drawn program that halts on them in the interpreter is replaced by
another draw, so one execution compares every program's value; each entry point is also run on a
second, fresh draw, where any of its programs may halt (then both must halt). A drawn program that
does not compile (a constant expression folded out of its type's range) is also replaced, and counted.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import limits
from pyleo.types import BoolType, IntType, Type
from tests.corpus._harness import MODES, P, int_edges, outcome, random_scalar, same

PER_ENTRY = 64
"""Random programs per entry point (four ``[field; 16]`` outputs)."""
ENTRIES = limits.MAX_FUNCTIONS
"""Entry points per Aleo program (snarkVM's most, 31)."""

INTS: dict[str, IntType] = {n: getattr(pl, n.upper()) for n in
                            ("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128")}
TYPES: dict[str, Type] = {**INTS, "field": pl.Field, "bool": pl.Bool}
PL_NAME = {**{n: f"pl.{n.upper()}" for n in INTS}, "field": "pl.Field", "bool": "pl.Bool"}

# Where each derived value sits in the inputs x, y, w (bit offset, type); i128 is y read as signed.
SLICES = {"x": [(0, "u8"), (8, "i8"), (16, "u16"), (32, "i16"), (48, "bool"), (64, "u32"), (96, "i32")],
          "y": [(0, "u64"), (64, "i64")], "w": [(0, "u128")]}


def lossy(value: int, t: Type) -> Any:
    """The low bits of ``value`` read as ``t`` (written here from two's complement, not from pyleo)."""
    if isinstance(t, BoolType):
        return bool(value & 1)
    bits = value & ((1 << t.bits) - 1)
    return bits - (1 << t.bits) if t.signed and bits >> (t.bits - 1) else bits


def pack(values: dict[str, Any]) -> tuple[int, int, int, int]:
    """The entry inputs (x, y, w, z) that derive to ``values`` (one value per type name)."""
    out = []
    for name in ("x", "y", "w"):
        word = 0
        for off, tn in SLICES[name]:
            t = TYPES[tn]
            width = 1 if isinstance(t, BoolType) else t.bits
            word |= (int(values[tn]) & ((1 << width) - 1)) << off
        out.append(word)
    return out[0], out[1], out[2], values["field"] % P


def derived(x: int, y: int, w: int, z: int) -> dict[str, Any]:
    """The value of each ``v_<type>`` the entry point computes from its inputs."""
    words = {"x": x, "y": y, "w": w}
    vals = {tn: lossy(words[name] >> off, TYPES[tn]) for name, sl in SLICES.items() for off, tn in sl}
    vals["i128"] = lossy(y, INTS["i128"])
    vals["field"] = z
    return vals


def draw_inputs(rng: np.random.Generator, mode: str) -> tuple[int, int, int, int]:
    return pack({tn: random_scalar(t, rng, mode) for tn, t in TYPES.items()})


VARIABLE = re.compile(r"\b[at]\d+\b")
"""A random program's argument (a0…) or local (t0…) in an expression's text."""


# ---- expressions -------------------------------------------------------------------------------
class Gen:
    """Draws the source of random programs (one ``rng``, deterministic)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(0, len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def const(self, tn: str) -> str:
        t = TYPES[tn]
        if tn == "bool":
            return self.pick(["True", "False"])
        if tn == "field":
            v = self.pick([0, 1, 2, 3, 7, P - 1, P - 2, (P - 1) // 2, 1 << 64, 1 << 128, int(self.rng.integers(0, 1 << 62))])
        else:
            v = self.pick(int_edges(t) + [int(self.rng.integers(max(t.min, -9), min(t.max, 9) + 1))])
        return f"({v})" if v < 0 else str(v)

    def leaf(self, tn: str, env: list[tuple[str, str]]) -> str:
        same_type = [n for n, t in env if t == tn]
        if same_type and self.chance(0.6):
            return self.pick(same_type)
        if self.chance(0.5):
            return self.convert(tn, self.pick(env))
        return self.const(tn)

    def convert(self, tn: str, var: tuple[str, str]) -> str:
        """``var`` as a value of type ``tn``: itself, a comparison, a cast to field, a checked or lossy cast."""
        n, t = var
        if t == tn:
            return n
        if tn == "bool":
            return f"({n} == {self.const(t)})"
        if tn == "field":
            return f"pl.Field({n})"
        return f"pl.cast_lossy({n}, {PL_NAME[tn]})" if self.chance(0.5) else f"{PL_NAME[tn]}({n})"

    def expr(self, tn: str, env: list[tuple[str, str]], depth: int) -> str:
        if depth <= 0 or self.chance(0.25):
            return self.leaf(tn, env)
        d = depth - 1
        if tn == "bool":
            kind = self.pick(["cmp", "cmp", "logic", "not", "bits", "select"])
            if kind == "cmp":
                ct = self.pick(list(INTS) + ["field", "bool"])
                op = self.pick(["==", "!="] if ct == "bool" else ["==", "!=", "<", "<=", ">", ">="])
                return f"({self.expr(ct, env, d)} {op} {self.var_or_expr(ct, env, d)})"
            if kind == "logic":
                return f"({self.expr('bool', env, d)} {self.pick(['and', 'or'])} {self.expr('bool', env, d)})"
            if kind == "not":
                return f"(not {self.expr('bool', env, d)})"
            if kind == "bits":
                return f"({self.expr('bool', env, d)} {self.pick(['&', '|', '^'])} {self.expr('bool', env, d)})"
            return f"({self.var_or_expr('bool', env, d)} if {self.expr('bool', env, d)} else {self.expr('bool', env, d)})"
        if tn == "field":
            kind = self.pick(["arith", "arith", "arith", "neg", "pow", "select", "div"])
            if kind == "arith":
                return f"({self.expr(tn, env, d)} {self.pick(['+', '-', '*'])} {self.var_or_expr(tn, env, d)})"
            if kind == "div":
                return f"({self.expr(tn, env, d)} / {self.var_or_expr(tn, env, d)})"
            if kind == "neg":
                return f"(-{self.var_or_expr(tn, env, d)})"
            if kind == "pow":
                return f"({self.var_or_expr(tn, env, d)} ** {self.pick([2, 3])})"
            return f"({self.var_or_expr(tn, env, d)} if {self.expr('bool', env, d)} else {self.expr(tn, env, d)})"
        t = INTS[tn]
        kinds = ["arith", "arith", "divrem", "bits", "shift", "minmax", "select", "pow", "invert"]
        kinds += ["neg", "abs"] if t.signed else []
        kind = self.pick(kinds)
        if kind == "arith":
            return f"({self.expr(tn, env, d)} {self.pick(['+', '-', '*'])} {self.var_or_expr(tn, env, d)})"
        if kind == "divrem":
            return f"({self.expr(tn, env, d)} {self.pick(['/', '%'])} {self.var_or_expr(tn, env, d)})"
        if kind == "bits":
            return f"({self.expr(tn, env, d)} {self.pick(['&', '|', '^'])} {self.var_or_expr(tn, env, d)})"
        if kind == "shift":
            at = self.pick(["u8", "u16", "u32"])
            amount = self.pick([str(self.pick([0, 1, t.bits // 2, t.bits - 1, t.bits])), self.expr(at, env, 0)])
            return f"({self.var_or_expr(tn, env, d)} {self.pick(['<<', '>>'])} {amount})"
        if kind == "minmax":
            return f"{self.pick(['min', 'max'])}({self.var_or_expr(tn, env, d)}, {self.expr(tn, env, d)})"
        if kind == "select":
            return f"({self.var_or_expr(tn, env, d)} if {self.expr('bool', env, d)} else {self.expr(tn, env, d)})"
        if kind == "pow":
            return f"({self.var_or_expr(tn, env, d)} ** {self.pick([0, 1, 2, 3])})"
        if kind == "invert":
            return f"(~{self.var_or_expr(tn, env, d)})"
        if kind == "neg":
            return f"(-{self.var_or_expr(tn, env, d)})"
        return f"abs({self.var_or_expr(tn, env, d)})"

    def var_or_expr(self, tn: str, env: list[tuple[str, str]], depth: int) -> str:
        """An operand that mentions a variable (so that no operation is on constants alone)."""
        for _ in range(4):
            e = self.expr(tn, env, depth)
            if VARIABLE.search(e):
                return e
        return self.convert(tn, self.pick(env))

    def program(self, name: str) -> tuple[str, list[str], str]:
        """``(source, argument types, result type)`` of one random program called ``name``."""
        types = list(TYPES)
        args = [self.pick(types) for _ in range(int(self.rng.integers(2, 4)))]
        rt = self.pick(types)
        env = [(f"a{i}", t) for i, t in enumerate(args)]
        lines = ["@pl.inline", f"def {name}({', '.join(f'{n}: {PL_NAME[t]}' for n, t in env)}) -> {PL_NAME[rt]}:"]
        for k in range(int(self.rng.integers(1, 3))):
            lt = self.pick(types)
            lines.append(f"    t{k}: {PL_NAME[lt]} = {self.expr(lt, env, 2)}")
            if self.chance(0.3):
                lines.append(f"    if {self.expr('bool', env, 1)}:")
                lines.append(f"        t{k} = {self.expr(lt, env, 1)}")
            env.append((f"t{k}", lt))
        lines.append(f"    return {self.expr(rt, env, 2)}")
        return "\n".join(lines) + "\n", args, rt


# ---- batches -----------------------------------------------------------------------------------
HEADER = "# generated by tests/random_programs.py\nimport pyleo as pl\n\n\n"


def load_module(path: Path, text: str) -> Any:
    path.write_text(text)
    name = f"pyleo_random_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@dataclass
class Entry:
    """One entry point: its inputs and its random programs (source, argument types, result type)."""

    name: str
    inputs: tuple[int, int, int, int]
    programs: list[tuple[str, str, list[str], str]] = field(default_factory=list)   # (name, source, args, rt)


@dataclass
class Batch:
    """One Aleo program of random programs, ready to run."""

    program: pl.Program
    entries: list[Entry]
    rejected: int   # drawn programs that halted on their entry's inputs (replaced)
    invalid: int    # drawn programs pyleo refuses to compile (constants folded out of range; replaced)
    source: Path


def build_batch(tag: str, rng: np.random.Generator, folder: Path, entries: int = ENTRIES,
                per_entry: int = PER_ENTRY) -> Batch:
    """Draw ``entries`` entry points of ``per_entry`` random programs each, none halting in the interpreter
    on its entry's inputs, and write them as one pyleo program (``folder/<tag>.py``)."""
    gen = Gen(rng)
    made: list[Entry] = []
    rejected = invalid = 0
    for j in range(entries):
        entry = Entry(f"f{j}", draw_inputs(rng, MODES[j % len(MODES)]))
        vals = derived(*entry.inputs)
        tries = 0
        while len(entry.programs) < per_entry:
            want = per_entry - len(entry.programs)
            drawn = [gen.program(f"g{j}_{tries + k}") for k in range(2 * want)]
            tries += 2 * want
            mod = load_module(folder / f"{tag}_try_{j}_{tries}.py", HEADER + "\n\n".join(src for src, _, _ in drawn))
            for (src, args, rt), k in zip(drawn, range(tries - 2 * want, tries)):
                name = f"g{j}_{k}"
                if len(entry.programs) >= per_entry:
                    break
                try:
                    getattr(mod, name)(*(vals[a] for a in args))
                except pl.ExecutionError:
                    rejected += 1
                    continue
                except pl.CompileError:   # e.g. `127 * (x if False else 15)`: a constant too large for u8
                    invalid += 1
                    continue
                entry.programs.append((name, src, args, rt))
        made.append(entry)
    text = HEADER + "\n\n".join(src for e in made for _, src, _, _ in e.programs)
    for e in made:
        groups = [e.programs[i:i + 16] for i in range(0, len(e.programs), 16)]
        outs = ", ".join(f"pl.Public[pl.Array[pl.Field, {len(g)}]]" for g in groups)
        lines = ["\n\n@pl.function",
                 f"def {e.name}(x: pl.Public[pl.U128], y: pl.Public[pl.U128], w: pl.Public[pl.U128], "
                 f"z: pl.Public[pl.Field]) -> tuple[{outs}]:"]
        for name, sl in SLICES.items():
            for off, tn in sl:
                src = f"{name} >> {off}" if off else name
                lines.append(f"    v_{tn} = {src}" if tn == "u128" else f"    v_{tn} = pl.cast_lossy({src}, {PL_NAME[tn]})")
        lines += ["    v_i128 = pl.cast_lossy(y, pl.I128)", "    v_field = z"]
        rets = []
        for g in groups:
            rets.append("[" + ", ".join(f"pl.Field({n}({', '.join(f'v_{a}' for a in args)}))" for n, _, args, _ in g) + "]")
        lines.append(f"    return {', '.join(rets)}" + ("," if len(rets) == 1 else ""))
        text += "\n".join(lines) + "\n"
    text += f"\n\nPROGRAM = pl.Program({tag!r}, [{', '.join(e.name for e in made)}])\n"
    path = folder / f"{tag}.py"
    mod = load_module(path, text)
    return Batch(mod.PROGRAM, made, rejected, invalid, path)


@dataclass
class Disagreement:
    entry: str
    inputs: tuple[int, ...]
    detail: str


def run_batch(batch: Batch, rng: np.random.Generator) -> tuple[int, int, list[Disagreement]]:
    """Run every entry point on its inputs and on a fresh draw, in the interpreter and in snarkVM's circuit.
    Returns (programs compared by value, executions, disagreements)."""
    compared, runs, bad = 0, 0, []
    prog = batch.program
    for e in batch.entries:
        for inputs in (e.inputs, draw_inputs(rng, "mixed")):
            interp = outcome(lambda: prog.run(e.name, *inputs))
            circuit = outcome(lambda: prog.evaluate(e.name, *inputs, keys=False))
            runs += 1
            if interp.halted != circuit.halted or not interp.halted and not same(interp.value, circuit.value):
                bad.append(Disagreement(e.name, inputs, describe(e, inputs, interp, circuit)))
            elif not interp.halted:
                compared += len(e.programs)
    return compared, runs, bad


def describe(e: Entry, inputs: tuple[int, ...], interp: Any, circuit: Any) -> str:
    """Which random programs of ``e`` differ, with their source and arguments."""
    if interp.halted or circuit.halted:
        return f"{e.name}{inputs}: interpreter {interp}, circuit {circuit}"
    flat_i = [v for group in interp.value for v in group]
    flat_c = [v for group in circuit.value for v in group]
    vals = derived(*inputs)
    out = []
    for (name, src, args, _), a, b in zip(e.programs, flat_i, flat_c):
        if a != b:
            out.append(f"{src}  on {[vals[t] for t in args]}: interpreter {a}, circuit {b}")
    return f"{e.name}{inputs}:\n" + "\n".join(out)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    import time

    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t
