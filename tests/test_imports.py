"""Programs that call programs: ``pl.Program(..., imports=[...])``, ``model.fn(x)`` as an external call, and
on-chain writes (``pl.Mapping``, ``pl.caller``) in the entry's final block.

Oracles: snarkVM itself (it parses the emitted programs with the import in its process, and runs both
transitions; the interpreter must agree with it exactly, values and halts), the Leo 4 grammar (syntax check),
and the future snarkVM builds (its arguments are what the final block writes). No key is synthesized here:
the circuits run under the stand-in proving key (``keys=False``), shared with the corpus tests.
"""


import pytest

import pyleo as pl
from pyleo import vm
from pyleo.errors import CompileError, ExecutionError, InputError, LimitError
from pyleo.vm.ledger import future_arguments
from tests.test_emit_leo import syntax_check


@pl.function
def score(x: pl.Array[pl.U8, 4], w: pl.Public[pl.U8]) -> pl.Public[pl.U16]:
    s: pl.U16 = 0
    for i in range(4):
        s += pl.U16(x[i]) * pl.U16(w)
    assert s < 1000, "score too high"
    return s


@pl.function
def pair(x: pl.Array[pl.U8, 4]) -> pl.U8:
    return x[0]


scorer = pl.Program("imports_test_scorer", [score, pair])


@pl.function
def total(x: pl.Array[pl.U8, 4], bonus: pl.U16) -> pl.Public[pl.U16]:
    s: pl.U16 = scorer.score(x, 3)
    return s + bonus


caller = pl.Program("imports_test_caller", [total], imports=[scorer])

decisions = pl.Mapping("decisions", pl.Address, pl.U16)


@pl.function
def decide(x: pl.Array[pl.U8, 4]):
    s: pl.U16 = scorer.score(x, 2)
    decisions[pl.caller] = s if s > 100 else 0


decider = pl.Program("imports_test_decider", [decide], imports=[scorer])

class Pt(pl.Struct):
    a: pl.U8
    b: pl.U8


ADDRESS = "aleo1nkj0fm000m8e3h9jrz9hv0tzvrdq5h0m6kk2mcjwp2exq0ydwvqskfs06t"


def test_aleo_imports_and_calls() -> None:
    text = caller.aleo()
    assert text.startswith("import imports_test_scorer.aleo;\n\nprogram imports_test_caller.aleo;")
    assert "    call imports_test_scorer.aleo/score r0 3u8 into r2;" in text
    caller.check_vm()   # snarkVM adds the callee, then the caller


def test_final_block() -> None:
    text = decider.aleo()
    assert "mapping decisions:\n    key as address.public;\n    value as u16.public;" in text
    assert "async decide self.caller " in text
    assert "output r" in text and "as imports_test_decider.aleo/decide.future;" in text
    assert text.split("finalize decide:\n")[1].startswith(
        "    input r0 as address.public;\n    input r1 as u16.public;\n    set r1 into decisions[r0];")
    decider.check_vm()


def test_leo_external_call_and_final(tmp_path) -> None:
    leo = caller.leo()
    assert leo.startswith("import imports_test_scorer.aleo;\n")
    assert "imports_test_scorer.aleo::score(x, 3u8)" in leo
    syntax_check(tmp_path, leo, "caller")
    leo = decider.leo()
    assert "mapping decisions: address => u16;" in leo
    assert "fn decide(x: [u8; 4]) -> Final {" in leo
    assert "return final { Mapping::set(decisions, decisions_key, decisions_value); };" in leo
    syntax_check(tmp_path, leo, "decider")


def test_interpreter_runs_the_callee() -> None:
    assert caller.run("total", [1, 2, 3, 4], 5) == 3 * 10 + 5
    assert caller.run_batch("total", [([1, 2, 3, 4], 5), ([0, 0, 0, 1], 1)]) == [35, 4]
    with pytest.raises(ExecutionError, match="score too high"):
        caller.run("total", [100, 100, 100, 100], 0)   # the callee's assert halts the caller
    assert decider.final_writes("decide", [20, 20, 20, 20], caller=ADDRESS) == {"decisions": {ADDRESS: 160}}
    assert decider.final_writes("decide", [1, 2, 3, 4], caller=ADDRESS) == {"decisions": {ADDRESS: 0}}
    with pytest.raises(InputError, match="pl.caller"):
        decider.run("decide", [1, 2, 3, 4])


@pytest.mark.prove
@pytest.mark.parametrize(("args", "halts"), [(([1, 2, 3, 4], 5), None), (([50, 60, 70, 80], 65000), "caller"),
                                             (([100, 100, 100, 100], 0), "callee")])
def test_interpreter_matches_snarkvm(args, halts) -> None:
    """Both transitions run in snarkVM (the caller's result depends on the callee's); the interpreter agrees,
    values and halts (an overflow of u16 in the caller; the callee's assert)."""
    if halts is None:
        assert caller.evaluate("total", *args, keys=False) == caller.run("total", *args) == 3 * 10 + 5
        return
    with pytest.raises(ExecutionError):
        caller.run("total", *args)
    with pytest.raises(ExecutionError):
        caller.evaluate("total", *args, keys=False)


@pytest.mark.prove
@pytest.mark.parametrize("x", [[20, 20, 20, 20], pytest.param([1, 2, 3, 4], marks=pytest.mark.slow)])
def test_final_arguments_match_snarkvm(x) -> None:
    """The future snarkVM builds carries what the interpreter says the final block writes."""
    outputs = vm.evaluate(decider.aleo(), "decide", decider.aleo_inputs("decide", [x]), keys=False,
                          imports=decider.import_texts())
    key, value = future_arguments(outputs[-1])
    want = decider.final_writes("decide", x, caller=key)
    assert want == {"decisions": {key: int(value.removesuffix("u16"))}}


# ---- clear errors --------------------------------------------------------------------------------
def test_function_the_import_lacks() -> None:
    @pl.function
    def f(x: pl.Array[pl.U8, 4]) -> pl.U8:
        return scorer.predict(x)

    with pytest.raises(CompileError, match="program imports_test_scorer has no function `predict`") as e:
        pl.Program("imports_test_lacks", [f], imports=[scorer]).aleo()
    assert "score, pair" in str(e.value)


def test_wrong_argument_types() -> None:
    @pl.function
    def f(x: pl.Array[pl.U16, 4]) -> pl.U16:
        return scorer.score(x, 1)

    with pytest.raises(CompileError, match=r"argument `x` of imports_test_scorer.aleo/score is \[u8; 4\], got \[u16; 4\]"):
        pl.Program("imports_test_types", [f], imports=[scorer]).aleo()

    @pl.function
    def g(x: pl.Array[pl.U8, 4]) -> pl.U16:
        return scorer.score(x)

    with pytest.raises(CompileError, match="takes 2 arguments"):
        pl.Program("imports_test_arity", [g], imports=[scorer]).aleo()


def test_several_results() -> None:
    @pl.function
    def two(x: pl.Array[pl.U8, 4]) -> tuple[pl.U8, pl.U8]:
        return x[0], x[1]

    two_program = pl.Program("imports_test_two", [two])

    @pl.function
    def f(x: pl.Array[pl.U8, 4]) -> pl.U8:
        a, b = two_program.two(x)
        return a

    with pytest.raises(CompileError, match="returns 2 values"):
        pl.Program("imports_test_tuple", [f], imports=[two_program]).aleo()


def test_struct_arguments() -> None:
    """A struct crosses the call: the caller declares the same struct, which snarkVM accepts."""
    @pl.function
    def swap(p: Pt) -> pl.Public[Pt]:
        return Pt(a=p.b, b=p.a)

    inner = pl.Program("imports_test_structs", [swap])

    @pl.function
    def first(p: Pt) -> pl.Public[pl.U8]:
        q: Pt = inner.swap(p)
        return q.a

    outer = pl.Program("imports_test_struct_caller", [first], imports=[inner])
    assert "struct Pt:" in outer.aleo()
    outer.check_vm()
    assert outer.run("first", {"a": 1, "b": 2}) == 2


def test_transitions_per_transaction() -> None:
    assert caller.transitions("total") == 2 and scorer.transitions("score") == 1

    @pl.function
    def many(x: pl.Array[pl.U8, 4]) -> pl.U8:
        acc: pl.U8 = 0
        for i in range(31):
            acc = acc ^ scorer.pair([x[0], x[1], x[2], pl.U8(i)])
        return acc

    with pytest.raises(LimitError, match="has 32 transitions"):
        pl.Program("imports_test_many", [many], imports=[scorer]).aleo()


def test_program_not_imported() -> None:
    @pl.function
    def f(x: pl.Array[pl.U8, 4]) -> pl.U8:
        return scorer.pair(x)

    with pytest.raises(CompileError, match="program imports_test_scorer is not imported by imports_test_unknown"):
        pl.Program("imports_test_unknown", [f]).aleo()


def test_import_cycle_and_bad_imports() -> None:
    inner = pl.Program("imports_test_cycle_a", [pair])
    middle = pl.Program("imports_test_cycle_b", [total], imports=[inner])
    with pytest.raises(CompileError, match="import cycle: imports_test_cycle_a → imports_test_cycle_b → imports_test_cycle_a"):
        pl.Program("imports_test_cycle_a", [pair], imports=[middle])
    with pytest.raises(CompileError, match="imports are pl.Program objects"):
        pl.Program("imports_test_bad", [pair], imports=["imports_test_scorer"])


def test_mapping_write_rules() -> None:
    @pl.function
    def nested(x: pl.Array[pl.U8, 4]):
        if x[0] > 1:
            decisions[pl.caller] = 1

    with pytest.raises(CompileError, match="written inside an `if` or a loop"):
        pl.Program("imports_test_nested", [nested]).aleo()

    @pl.function
    def wrong(x: pl.Array[pl.U8, 4]):
        decisions[pl.caller] = x

    with pytest.raises(CompileError, match="expected a value of type u16"):
        pl.Program("imports_test_wrong", [wrong]).aleo()
    with pytest.raises(CompileError, match="not arrays"):
        pl.Mapping("bad_mapping", pl.Address, pl.Array[pl.U8, 2])
