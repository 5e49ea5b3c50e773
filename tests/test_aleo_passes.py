"""The structured instruction level (pyleo.aleo_code) and its passes (pyleo.aleo_passes), with
snarkVM's execution and the reference interpreter as the oracles.

- dead-code removal drops a never-halting instruction nothing reads and keeps one that can halt;
- value numbering (an instruction identical to an earlier one reuses its register) and folding
  (``True and x`` is ``x``) leave fewer instructions and the same results and halts on snarkVM;
- the cost model reads the structure and predicts exactly what it predicts from the rendered text;
- no two output statements are the same (snarkVM refuses them): a repeated output is a copy, free in
  the circuit (snarkVM's count) and in the cost model, and a program snarkVM refuses is never built
  and its reason is never empty.
"""

from __future__ import annotations

import pytest

import pyleo as pl
from pyleo import aleo_code, cost, vm
from pyleo.aleo_code import Instr, Param, Reg
from pyleo.aleo_passes import distinct_outputs, eliminate_dead
from pyleo.types import BoolType

U8, BOOL = pl.U8, BoolType()


def _hand_written() -> aleo_code.Function:
    """r0, r1: u8 inputs. r2 = r0 + r1 (checked: halts on overflow), unread; r3 = r0 == r1, unread;
    r4 = r0 < r1, read by r5 = r4 ? r0 : r1, the output. Register ids are out of order on purpose."""
    return aleo_code.Function(
        "f",
        [Param(10, U8, False), Param(11, U8, False)],
        [Instr("add", (Reg(10), Reg(11)), 20, U8),
         Instr("is.eq", (Reg(10), Reg(11)), 21, BOOL, pure=True),
         Instr("lt", (Reg(10), Reg(11)), 22, BOOL, pure=True),
         Instr("ternary", (Reg(22), Reg(10), Reg(11)), 23, U8, pure=True)],
        [Param(23, U8, True)])


def _program(fn: aleo_code.Function) -> str:
    return aleo_code.render(aleo_code.Program("pass_tests", [], [fn]))


@pytest.mark.prove
def test_dead_code_pass_drops_unread_pure_and_keeps_halting_and_read() -> None:
    fn = eliminate_dead(_hand_written())
    assert [ins.opcode for ins in fn.body] == ["add", "lt", "ternary"]
    text = _program(fn)
    assert "    add r0 r1 into r2;\n    lt r0 r1 into r3;\n    ternary r3 r0 r1 into r4;\n    output r4 as u8.public;" in text
    # the oracle: min(a, b) when a + b fits a u8, a halt (the unread add) when it does not
    assert vm.evaluate(text, "f", ["3u8", "9u8"], keys=False) == ["3u8"]
    assert vm.evaluate(text, "f", ["100u8", "27u8"], keys=False) == ["27u8"]
    with pytest.raises(pl.ExecutionError):
        vm.evaluate(text, "f", ["200u8", "100u8"], keys=False)


# ---- value numbering and folding, through the DSL ----------------------------------------------------
@pl.function
def twice(a: pl.U8, b: pl.U8, c: pl.Bool) -> pl.Public[pl.U16]:
    """The same checked product, comparison and select written twice; ``True and c`` folds to c."""
    p: pl.U8 = a * b
    q: pl.U8 = a * b
    s: pl.U8 = a if a < b else b
    t: pl.U8 = a if a < b else b
    keep: pl.Bool = True
    keep = keep and c
    return pl.U16(p) + pl.U16(q) + pl.U16(s) + pl.U16(t) + pl.U16(keep)


PROG = pl.Program("cse_tests", [twice])


def _opcodes(function: str) -> list[str]:
    return [ins.opcode for ins in PROG.code.function(function).body]


def test_identical_instructions_share_one_register_and_true_and_folds() -> None:
    ops = _opcodes("twice")
    assert ops.count("mul") == 1 and ops.count("lt") == 1 and ops.count("ternary") == 1, ops
    assert "and" not in ops, ops


@pytest.mark.parametrize("args", [(3, 5, True), (9, 2, False), (15, 17, True), (16, 16, False), (0, 255, True)])
@pytest.mark.prove
def test_shared_instructions_give_the_interpreters_values_and_halts(args: tuple[int, int, bool]) -> None:
    a, b, c = args
    if a * b > 255:  # the one remaining checked mul must still halt the circuit
        with pytest.raises(pl.ExecutionError):
            PROG.run("twice", *args)
        with pytest.raises(pl.ExecutionError):
            PROG.evaluate("twice", *args, keys=False)
        return
    want = 2 * a * b + 2 * min(a, b) + int(c)
    assert PROG.run("twice", *args) == PROG.evaluate("twice", *args, keys=False) == want


def test_cost_model_reads_the_structure_as_it_reads_the_text() -> None:
    """The model's two readers agree on every corpus function (the text reader is the calibrated one)."""
    from tests.corpus._harness import corpus_names, load

    table = cost.load_table()
    for name in corpus_names():
        prog = load(name).PROGRAM
        for fn in prog.code.functions:
            a, b = cost.estimate(prog.code, fn.name, table), cost.estimate(prog.aleo(), fn.name, table)
            assert (a.transition, a.body, a.by_opcode, a.uncalibrated) == (b.transition, b.body, b.by_opcode, b.uncalibrated)


# ---- range facts -------------------------------------------------------------------------------------
@pl.function
def pick(c: pl.Bool, d: pl.Bool, v: pl.Array[pl.U8, 8]) -> pl.Public[pl.U8]:
    """An index chosen among 2, 5 and 3: always in bounds, never 1, 6 or 7."""
    i: pl.U32 = pl.U32(2) if c else pl.U32(5)
    j: pl.U32 = i if d else pl.U32(3)
    return v[j]


@pl.function
def pick_out(c: pl.Bool, v: pl.Array[pl.U8, 8]) -> pl.Public[pl.U8]:
    """An index chosen between 2 and 9: the range does not decide the bounds check, which must stay."""
    i: pl.U32 = pl.U32(2) if c else pl.U32(9)
    return v[i]


RANGES = pl.Program("range_tests", [pick, pick_out])
V = [10, 11, 12, 13, 14, 15, 16, 17]


def test_comparisons_decided_by_ranges_go() -> None:
    ops = [ins.opcode for ins in RANGES.code.function("pick").body]
    assert "lt" not in ops and "assert.eq" not in ops, ops          # the bounds check always holds
    assert ops.count("is.eq") == 4, ops                               # j == 2, 3, 4, 5 (its range); not 1, 6, 7
    out_ops = [ins.opcode for ins in RANGES.code.function("pick_out").body]
    assert "lt" in out_ops and "assert.eq" in out_ops, out_ops


@pytest.mark.parametrize("c, d", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.prove
def test_range_decided_programs_agree_with_snarkvm(c: bool, d: bool) -> None:
    want = V[(2 if c else 5) if d else 3]
    assert RANGES.run("pick", c, d, V) == RANGES.evaluate("pick", c, d, V, keys=False) == want


@pytest.mark.prove
def test_an_undecided_bounds_check_still_halts() -> None:
    assert RANGES.run("pick_out", True, V) == RANGES.evaluate("pick_out", True, V, keys=False) == 12
    with pytest.raises(pl.ExecutionError):
        RANGES.run("pick_out", False, V)
    with pytest.raises(pl.ExecutionError):
        RANGES.evaluate("pick_out", False, V, keys=False)


# ---- distinct outputs ----------------------------------------------------------------------------
@pl.function
def twice(p0: pl.Public[pl.U32]) -> tuple[pl.Public[pl.U32], pl.Public[pl.U32]]:
    return p0, p0


def _outputs(text: str, function: str) -> list[str]:
    body = text.split(f"function {function}:", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in body.splitlines() if line.strip().startswith("output ")]


def test_repeated_outputs_become_copies_and_others_stay() -> None:
    """The pass copies exactly the repeats (same register, type and visibility); a register output once as
    public and once as private is what snarkVM accepts, and stays as it is."""
    fn = aleo_code.Function("f", [Param(0, U8, True)], [],
                            [Param(0, U8, True), Param(0, U8, True), Param(0, U8, False), Param(0, U8, True)])
    out = distinct_outputs(fn)
    keys = [(p.reg, p.type, p.public) for p in out.outputs]
    assert len(set(keys)) == 4 and [p.public for p in out.outputs] == [True, True, False, True]
    assert [p.reg for p in out.outputs] == [0, 1, 0, 2]
    assert [(i.opcode, i.operands, i.type) for i in out.body] == [("cast", (Reg(0),), U8)] * 2
    assert distinct_outputs(_hand_written()).body == _hand_written().body


def test_every_corpus_function_has_distinct_output_statements() -> None:
    from tests.corpus._harness import corpus_names, load

    for name in corpus_names():
        text = load(name).PROGRAM.aleo()
        for fn in load(name).PROGRAM.functions:
            outs = _outputs(text, fn)
            assert len(outs) == len(set(outs)), (name, fn, outs)


@pytest.mark.prove
def test_a_copied_output_costs_no_constraint() -> None:
    """`return p0, p0` outputs p0 and a cast copy of it; snarkVM counts the same constraints with three
    chained copies as with one (a cast to the register's own type is the same circuit variable), the
    cost model prices it 0, and the values are the interpreter's."""
    prog = pl.Program("copy_cost", [twice])
    text = prog.aleo()
    assert _outputs(text, "twice") == ["output r0 as u32.public;", "output r1 as u32.public;"]
    assert "    cast r0 into r1 as u32;\n" in text
    est = prog.estimate("twice", synthesize_transition=False)
    assert est.by_opcode.get("cast", 0) == 0 and not est.uncalibrated
    assert prog.evaluate("twice", 7, keys=False) == prog.run("twice", 7) == (7, 7)
    chain = text.replace("copy_cost", "copy_chain").replace(
        "    cast r0 into r1 as u32;\n", "    cast r0 into r1 as u32;\n    cast r1 into r2 as u32;\n"
        "    cast r2 into r3 as u32;\n").replace("output r1 as u32.public;", "output r3 as u32.public;")
    assert vm.constraints(chain, "twice") == vm.constraints(text, "twice")
    for t in ("field", "scalar", "boolean", "i128"):   # snarkVM: 3 chained copies = 1 for these too (measured)
        copy = (f"program c.aleo;\n\nfunction f:\n    input r0 as {t}.public;\n    cast r0 into r1 as {t};\n"
                f"    output r0 as {t}.public;\n    output r1 as {t}.public;\n\nconstructor:\n    assert.eq edition 0u16;\n")
        est = cost.estimate(copy, "f")
        assert est.by_opcode.get("cast", 0) == 0 and not est.uncalibrated, t


def test_a_program_snarkvm_refuses_is_not_built_and_says_why(tmp_path) -> None:
    """snarkVM's parser prints its reason and raises only a position; the error names the line and the
    reason, and `Program.write` (what `pyleo build` calls) writes nothing."""
    prog = pl.Program("refused", [twice])
    bad = prog.aleo().replace("output r1 as u32.public;", "output r0 as u32.public;")
    with pytest.raises(pl.VMError) as err:
        vm.evaluate(bad, "twice", ["7u32"])
    assert "at line 7: output r0 as u32.public; (Cannot add duplicate output statement)" in str(err.value)
    prog.__dict__["_aleo"] = bad          # as if the compiler had emitted it
    with pytest.raises(pl.VMError, match="Cannot add duplicate output statement"):
        prog.write(tmp_path)
    assert not any(tmp_path.iterdir())
