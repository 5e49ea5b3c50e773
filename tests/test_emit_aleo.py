"""Dead-code elimination in the Aleo back end (pyleo/emit_aleo.py).

snarkVM synthesizes every instruction, read or not, so the emitter drops instructions whose result
nothing reads, but only those that can never halt (ternary, field add/sub/mul, comparisons, boolean
logic, casts to field from integers or booleans, cast.lossy). Instructions that can halt (checked
integer arithmetic, checked casts, div, shifts) stay even when unread: the interpreter computes them,
so the circuit must halt exactly where the interpreter does (checked here with snarkVM's execution).
"""

# ruff: noqa: F841  (the unread locals of `dead` are the point)
from __future__ import annotations

import re
from collections import Counter

import pytest

import pyleo as pl
from stdlib_ml import reduce

ARGMAX = reduce.argmax(64)


@pl.function
def dead(a: pl.U8, b: pl.U8, w: pl.U16, c: pl.Bool) -> pl.Public[pl.U8]:
    """Unread values: the ones that can halt must stay, the others must go."""
    f: pl.Field = pl.Field(w)            # cast to field → dropped
    s: pl.U8 = a + b                     # checked add: halts on overflow → kept
    q: pl.U8 = a / b                     # div: halts on 0 → kept
    n: pl.U8 = pl.U8(w)                  # checked cast u16 → u8: halts above 255 → kept
    sel: pl.U8 = a if c else b           # ternary → dropped
    sq: pl.Field = f * f + f - 3         # field arithmetic → dropped
    eq: pl.Bool = a == b                 # is.eq → dropped
    lt: pl.Bool = a < b                  # lt → dropped
    lg: pl.Bool = (c and eq) or not c    # boolean logic → dropped
    lossy: pl.U8 = pl.cast_lossy(f, pl.U8)  # cast.lossy → dropped
    fa: pl.Field = pl.Field(a) + pl.Field(c)  # casts to field → dropped
    return a


@pl.function
def arg3(v: pl.Array[pl.Field, 3]) -> pl.Public[pl.U8]:
    """argmax of 3: the running maximum's last select is never read."""
    return ARGMAX(v)


@pl.function
def kept_chain(a: pl.U8, f: pl.Field) -> pl.Public[pl.Field]:
    """Everything read, through a chain of removable instructions, stays."""
    g: pl.Field = f * f
    h: pl.Field = g + pl.Field(a)
    return h if a > 3 else g


PROG = pl.Program("dce_tests", [dead, arg3, kept_chain])
NEVER_HALT = {"ternary", "is.eq", "is.neq", "lt", "lte", "gt", "gte", "not", "cast.lossy"}


def opcodes(text: str, function: str) -> Counter[str]:
    body = text.split(f"function {function}:\n")[1].split("\n\n")[0]
    return Counter(line.split()[0] + (" as " + line.split(" as ")[1].rstrip(";") if line.split()[0] == "cast" else "")
                   for line in body.splitlines() if " into " in line)


def instructions(text: str) -> list[list[str]]:
    """Each function's lines (inputs, instructions, outputs)."""
    return [[ln.strip() for ln in block.splitlines()[1:]] for block in text.split("\n\n") if block.startswith("function ")]


def test_unread_instructions_that_cannot_halt_are_dropped() -> None:
    ops = opcodes(PROG.aleo(), "dead")
    assert ops == Counter({"add": 1, "div": 1, "cast as u8": 1}), ops


def test_argmax_has_no_unread_ternary() -> None:
    ops = opcodes(PROG.aleo(), "arg3")
    assert ops["ternary"] == 3          # 2 comparisons × (max, index) − the last max, never read


def test_read_chains_are_kept_and_registers_renumbered() -> None:
    assert opcodes(PROG.aleo(), "kept_chain") == Counter({"mul": 1, "cast as field": 1, "add": 1, "gt": 1,
                                                          "ternary": 1})
    for lines in instructions(PROG.aleo()):
        defined = [int(m.group(1)) for ln in lines for m in [re.search(r"(?:^input r|into r)(\d+)", ln)] if m]
        assert defined == list(range(len(defined)))       # snarkVM wants registers in order
        for i, ln in enumerate(lines):                    # every never-halting result is read later
            m = re.search(r"into (r\d+)", ln)
            if m and (ln.split()[0] in NEVER_HALT or ln.endswith(" as field;")):
                assert any(re.search(rf"(?<![\w.]){m.group(1)}\b", later.partition(" into ")[0])
                           for later in lines[i + 1:]), ln


@pytest.mark.parametrize("args,halts", [((3, 4, 5, True), False), ((200, 100, 5, True), True),
                                        ((3, 0, 5, True), True), ((3, 4, 256, False), True),
                                        ((255, 1, 0, False), True), ((250, 5, 255, False), False)])
@pytest.mark.prove
def test_kept_instructions_halt_in_the_circuit_as_in_the_interpreter(args: tuple[int, ...], halts: bool) -> None:
    if halts:
        with pytest.raises(pl.ExecutionError):
            PROG.run("dead", *args)
        with pytest.raises(pl.ExecutionError):
            PROG.evaluate("dead", *args, keys=False)
    else:
        assert PROG.run("dead", *args) == PROG.evaluate("dead", *args, keys=False) == args[0]


@pytest.mark.prove
def test_values_unchanged_on_snarkvm() -> None:
    for v, want in (([5, 9, 2], 1), ([7, 7, 7], 0), ([1, 2, 3], 2)):
        assert PROG.run("arg3", v) == PROG.evaluate("arg3", v, keys=False) == want
    for a, f in ((2, 10), (9, 10)):
        assert PROG.run("kept_chain", a, f) == PROG.evaluate("kept_chain", a, f, keys=False) == (f * f + a if a > 3 else f * f)
