"""Splitting a function into parts, each one circuit, chained by commitments (pyleo.split).

Oracles: the reference interpreter (``Program.run``) for what the split program computes, snarkVM
for the proofs (each part verified, a tampered bundle rejected).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pyleo as pl
from pyleo import limits, split, split_planner, vm
from pyleo.values import to_aleo
from pyleo.errors import InputError, LimitError


@pl.function
def chain(x: pl.Public[pl.Array[pl.I64, 4]], b: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """Eight checked multiply-adds: ~15.2k constraints in one circuit."""
    acc: pl.I64 = b
    for i in range(8):
        acc = acc * 3 + x[i % 4]
    return acc


@pl.function
def mixed(x: pl.Array[pl.I64, 4], y: pl.I64, k: pl.Public[pl.I64]) -> (pl.Public[pl.I64], pl.I64):
    """Private inputs read in several places, a public one, a private second output."""
    s: pl.I64 = k
    t: pl.I64 = y
    for i in range(6):
        s = s * 2 + x[i % 4] - y
        t = t + s * x[(i + 1) % 4]
    return s, t


@pl.function
def long(x: pl.Public[pl.Array[pl.I64, 4]], b: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """Twelve checked multiply-adds: ~17,100 constraints, over what one circuit proves here."""
    acc: pl.I64 = b
    for i in range(12):
        acc = acc * 3 + x[i % 4]
    return acc


PROG = pl.Program("splitme", [chain, mixed, long])


def random_args(fn: str, rng: random.Random) -> list:
    if fn == "chain":
        return [[rng.randint(-1000, 1000) for _ in range(4)], rng.randint(-1000, 1000)]
    return [[rng.randint(-50, 50) for _ in range(4)], rng.randint(-50, 50), rng.randint(-50, 50)]


@pytest.mark.parametrize("fn,parts", [("chain", 2), ("chain", 3), ("mixed", 2), ("mixed", 4)])
def test_split_program_computes_what_the_interpreter_does(fn: str, parts: int) -> None:
    plan = split.plan(PROG.code, fn, budget=split.MAINNET_BUDGET, parts=parts)
    assert len(plan.parts) == parts
    assert all(p.end > p.start for p in plan.parts)
    rng = random.Random(parts)
    for _ in range(5):
        args = random_args(fn, rng)
        outputs, commitments = split.run(plan, PROG.inputs(fn, args))
        want = PROG.run(fn, *args)
        assert tuple(outputs) == (want if isinstance(want, tuple) else (want,))
        assert len(commitments) == parts - 1


def test_private_inputs_are_carried_and_public_ones_passed_again() -> None:
    plan = split.plan(PROG.code, "mixed", budget=split.MAINNET_BUDGET, parts=2)
    fn = PROG.code.function("mixed")
    x, y, k = (p.reg for p in fn.inputs)
    first, second = plan.parts
    assert {x, y} <= set(first.carried_out)         # private inputs read later travel in the link
    assert 2 in first.params and 2 in second.params or 2 not in second.params
    assert 0 not in second.params and 1 not in second.params  # never taken twice as fresh inputs
    text = plan.text
    assert "mixed_link0" in text and any(h in text for h in split.LINK_HASHES)


def test_private_inputs_are_committed_once_and_public_ones_passed_again() -> None:
    plan = split.plan(PROG.code, "mixed", budget=split.MAINNET_BUDGET, parts=2, commit=True)
    fn = PROG.code.function("mixed")
    x, y, k = (p.reg for p in fn.inputs)
    first, second = plan.parts
    assert not {x, y} & set(first.carried_out)      # private inputs never travel in a link
    assert first.carried_out                        # the running sums do
    assert first.opens and second.opens             # both parts read x and y: both take them and their commitment
    assert first.params[:2] == [0, 1] and second.params[:2] == [0, 1]
    assert 2 in first.params and 2 in second.params or 2 not in second.params
    text = plan.text
    assert "mixed_link0" in text and any(h in text for h in split.LINK_HASHES)
    assert split.opens_inputs(text, "mixed", 0) and split.opens_inputs(text, "mixed", 1)
    for args in ([[1, -2, 3, 4], 5, 6], [[0, 0, 0, 0], -9, 50]):
        outputs, commitments = split.run(plan, PROG.inputs("mixed", args))
        assert tuple(outputs) == PROG.run("mixed", *args) and len(commitments) == 1


def test_the_plan_fits_the_budget_and_fewest_parts() -> None:
    whole = PROG.estimate("chain", synthesize_transition=False).total
    assert split.plan(PROG.code, "chain").parts[0].constraints == whole  # fits: one part
    with pytest.raises(LimitError, match="cannot be split"):
        split.plan(PROG.code, "chain", budget=12_000)


ARGS = [[3, -1, 4, 1], 5]


@pytest.fixture(scope="module")
def proved(key_cache, tmp_path_factory):
    """A 2-part split proof of ``chain`` (key synthesis and proving: ~30 s here) and its saved file."""
    sp = PROG.prove_split("chain", *ARGS, parts=2)
    path = tmp_path_factory.mktemp("split") / "chain.proof.json"
    sp.save(path)
    return sp, path


@pytest.mark.prove
@pytest.mark.needs_params
def test_split_proof_verifies_and_tampering_is_rejected(proved) -> None:
    sp, path = proved
    plan = PROG.split_plan("chain", parts=2)
    assert sp.outputs == [f"{PROG.run('chain', *ARGS)}i64"]
    assert len(sp.parts) == 2 and all(p.constraints <= split.LOCAL_BUDGET for p in sp.parts)
    assert split.explain(sp, plan=plan) is None and PROG.verify_split(sp)
    text = path.read_text()
    # the value carried across the cut (acc after the first part) never appears in clear
    fn = PROG.code.function("chain")
    from pyleo import vectorized
    b, _ = vectorized.evaluate(fn, [PROG.inputs("chain", ARGS)])
    carried = [vectorized.row_value(b.values[r], b.types[r], 0) for r in plan.parts[0].carried_out]
    assert carried and all(f"{v}i64" not in text for v in carried)
    loaded = split.SplitProof.from_json(json.loads(text))
    assert split.explain(loaded, plan=plan) is None and loaded.public_outputs == sp.outputs

    # part 0 of another run (same inputs, another blinding value)
    other0 = vm.prove(plan.text, "chain_p0", [to_aleo(v, p.type) for v, p in zip(PROG.inputs("chain", ARGS), fn.inputs)]
                      + [f"{split.fresh_blinding()}u128"])
    foreign = split.SplitProof(sp.function, sp.budget, [other0, sp.parts[1]], sp.params)
    assert "link between part 0 and part 1 is broken" in split.explain(foreign)
    reordered = split.SplitProof(sp.function, sp.budget, sp.parts[::-1], sp.params[::-1])
    assert "out of order" in split.explain(reordered)
    dropped = split.SplitProof(sp.function, sp.budget, sp.parts[:1], sp.params[:1])
    assert "missing" in split.explain(dropped)
    other_plan = split.plan(PROG.code, "chain", parts=3, budget=split.MAINNET_BUDGET)
    assert split.explain(sp, plan=other_plan) is not None


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_cli_verifies_a_split_proof_bound_to_the_model(proved, tmp_path) -> None:
    sp, path = proved
    ok = pyleo_cli("verify", str(path), "--model", __file__)
    assert ok.returncode == 0, ok.stderr
    assert "valid: splitme.aleo/chain split in 2 parts" in ok.stdout and f"public output: {sp.outputs[0]}" in ok.stdout
    doc = json.loads(path.read_text())
    doc["parts"], doc["params"] = doc["parts"][::-1], doc["params"][::-1]
    (tmp_path / "reordered.json").write_text(json.dumps(doc))
    bad = pyleo_cli("verify", str(tmp_path / "reordered.json"), "--model", __file__)
    assert bad.returncode == 1 and "INVALID" in bad.stderr and "out of order" in bad.stderr and "Traceback" not in bad.stderr
    wrong = pyleo_cli("verify", str(path), "--checksum", "ab" * 32)
    assert wrong.returncode == 1 and "not of the trusted program" in wrong.stderr


def pyleo_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)


def test_a_function_over_the_local_limit_is_planned_in_parts_that_fit() -> None:
    assert not PROG.fits_here("long")
    plan = PROG.split_plan("long")
    assert plan.whole > split.LOCAL_BUDGET and len(plan.parts) > 1
    assert all(p.constraints <= split.LOCAL_BUDGET for p in plan.parts)
    args = [[7, -2, 0, 9], -11]
    assert split.run(plan, PROG.inputs("long", args))[0] == [PROG.run("long", *args)]


@pytest.mark.slow
def test_cli_cost_prints_the_split_plan() -> None:
    """(slow: the CLI synthesizes the transition of the whole function to size it, ~10 s.)"""
    plan = PROG.split_plan("long")
    shown = pyleo_cli("cost", __file__, "splitme.long", "--estimate")
    assert shown.returncode == 0, shown.stderr
    assert f"split to fit here (16,384 per part): {len(plan.parts)} part(s)" in shown.stdout
    assert f"split to fit mainnet ({limits.MAINNET_BUDGET:,} per part): 1 part(s)" in shown.stdout


def test_program_api_plans_and_refuses_unknown_functions() -> None:
    plan = PROG.split_plan("mixed", budget=split.MAINNET_BUDGET, parts=3)
    assert [p.name for p in plan.parts] == ["mixed_p0", "mixed_p1", "mixed_p2"]
    with pytest.raises(InputError, match="no function"):
        PROG.split_plan("nope")


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_a_converted_forest_proved_in_two_parts_agrees_with_scikit_learn(key_cache) -> None:
    from sklearn import ensemble

    from benchmarks.fidelity import load_dataset
    from stdlib_ml import from_sklearn

    Xtr, Xte, ytr, _ = load_dataset("iris")
    model = ensemble.RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(Xtr, ytr)
    zk = from_sklearn(model, Xtr)
    plan = zk.program.split_plan("predict", parts=2)
    assert len(plan.parts) == 2 and all(p.constraints <= split.LOCAL_BUDGET for p in plan.parts)
    rows = zk.encode(Xte[:20])
    for enc in rows:   # the split program (batch evaluation) gives the interpreter's label
        outputs, _ = split.run(plan, zk.program.inputs("predict", zk.circuit_args(enc)))
        assert outputs[0] == zk.program.run("predict", *zk.circuit_args(enc))
    (enc,) = zk.encode(Xte[:1])
    sp = zk.program.prove_split("predict", *zk.circuit_args(enc), parts=2)
    assert zk.verify(sp)
    assert zk.decode([int(sp.outputs[0].removesuffix("u8"))])[0] == model.predict(Xte[:1])[0]
    whole = zk.prove(Xte[0])     # fits one circuit: proved whole
    assert isinstance(whole, vm.Proof) and zk.verify(whole)


@pytest.mark.prove
def test_more_than_31_live_values_of_one_type_travel_as_one_array_member() -> None:
    """80 products live at once (an array built from them): a cut among them carries > 31 values of one type, which
    its link holds as one array (:func:`pyleo.split_liveness.link_layout`), beside its index and blinding value."""
    from pyleo import aleo_code, vectorized
    from pyleo.aleo_code import Instr, Lit, Param, Reg
    from pyleo.types import ArrayType, IntType

    i64 = IntType(64, True)
    body = [Instr("mul", (Reg(0), Lit(k + 2, i64)), k + 1, i64) for k in range(80)]
    body.append(Instr("cast", tuple(Reg(k + 1) for k in range(80)), 81, ArrayType(i64, 80), True))
    body.append(Instr("add", (Reg(81, (0,)), Reg(81, (79,))), 82, i64))
    fn = aleo_code.Function("wide", [Param(0, i64, False)], body, [Param(82, i64, True), Param(81, ArrayType(i64, 80), False)])
    code = aleo_code.Program("widecode", [], [fn])
    plan = split.plan(code, "wide", budget=split.MAINNET_BUDGET, parts=2)
    link = plan.links[0]
    assert len(plan.parts[0].carried_out) > 31 and [n for n, _ in link.fields[-2:]] == ["i", "r"]
    arrays = [t for _, t in link.fields[:-2] if isinstance(t, ArrayType)]
    assert arrays and arrays[0].elem == i64 and int(arrays[0].size) > 31
    for x in (-7, 0, 12345):
        _, want = vectorized.evaluate(fn, [[x]])
        got, commitments = split.run(plan, [x])
        assert got == [vectorized.row_value(w, p.type, 0) for w, p in zip(want, fn.outputs)] and len(commitments) == 1


@pytest.mark.prove
@pytest.mark.needs_params
def test_a_split_file_stating_other_outputs_is_rejected(proved) -> None:
    sp, path = proved
    doc = json.loads(path.read_text())
    doc["public_outputs"] = ["1i64"]
    assert "states the public outputs ['1i64']" in split.explain(split.SplitProof.from_json(doc))


def test_a_halting_input_is_refused_with_the_interpreters_reason_before_proving() -> None:
    from pyleo.errors import ExecutionError

    big = 2**62
    with pytest.raises(ExecutionError) as info:
        PROG.prove_split("chain", [big, 0, 0, 0], big, parts=2)
    with pytest.raises(ExecutionError) as want:
        PROG.run("chain", [big, 0, 0, 0], big)
    assert str(info.value) == str(want.value)


def test_large_functions_are_cut_greedily_within_the_budget(monkeypatch) -> None:
    monkeypatch.setattr(split_planner, "MAX_PLAN_STEPS", 10)   # as for a function of millions of instructions
    plan = split.plan(PROG.code, "long")
    assert len(plan.parts) > 1 and all(p.constraints <= split.LOCAL_BUDGET for p in plan.parts)
    args = [[1, 2, 3, 4], 6]
    assert split.run(plan, PROG.inputs("long", args))[0] == [PROG.run("long", *args)]
    with pytest.raises(LimitError, match="too many to balance"):
        split.plan(PROG.code, "long", parts=3)


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_default_random_forest_on_iris_needs_no_split_and_proves(key_cache) -> None:
    """RandomForestClassifier() (100 trees): the plan to the local budget is one part, proved whole."""
    from sklearn import ensemble

    from benchmarks.fidelity import load_dataset
    from stdlib_ml import from_sklearn

    Xtr, Xte, ytr, _ = load_dataset("iris")
    model = ensemble.RandomForestClassifier(random_state=0).fit(Xtr, ytr)
    zk = from_sklearn(model, Xtr)
    assert len(zk.program.split_plan("predict").parts) == 1
    proof = zk.prove(Xte[3])
    assert isinstance(proof, vm.Proof) and proof.constraints <= split.LOCAL_BUDGET and zk.verify(proof)
    assert zk.decode_proof(proof) == model.predict(Xte[3:4])[0]


# ---- links carry bounded field values as narrow integers ------------------------------------------------
@pl.function
def tally(x: pl.Array[pl.I64, 4], k: pl.Public[pl.I64]) -> pl.Public[pl.Field]:
    """Doubling field sums of checked i64 multiply-adds: the sum crosses each cut as a narrowed integer."""
    acc: pl.I64 = k
    s: pl.Field = 0
    for i in range(8):
        acc = acc * 3 + x[i % 4]
        s = s * 2 + pl.Field(acc)
    return s


NARROW = pl.Program("narrowme", [tally])


def tally_args(rng: random.Random) -> list:
    return [[rng.randint(-2**40, 2**40) for _ in range(4)], rng.randint(-2**40, 2**40)]


def _signed_field(v: int) -> int:
    from pyleo.types import FIELD_MODULUS

    return v - FIELD_MODULUS if v > FIELD_MODULUS // 2 else v


@pytest.mark.prove
def test_field_intervals_hold_on_every_evaluated_value() -> None:
    """Every field register's bounds (interval arithmetic) contain the value the batch evaluator computes,
    on a hand-written function with negative integers cast to fields and on converted models."""
    from sklearn import ensemble, neighbors

    from benchmarks.fidelity import load_dataset
    from pyleo import vectorized
    from pyleo.aleo_passes import field_intervals
    from stdlib_ml import from_sklearn

    Xtr, Xte, ytr, _ = load_dataset("iris")
    cases = [(NARROW.code.function("tally"), [NARROW.inputs("tally", tally_args(random.Random(i))) for i in range(20)])]
    for model in (ensemble.RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0).fit(Xtr, ytr),
                  neighbors.KNeighborsClassifier(3).fit(Xtr[:20], ytr[:20])):
        zk = from_sklearn(model, Xtr)
        cases.append((zk.program.code.function("predict"),
                      [zk.program.inputs("predict", zk.circuit_args(enc)) for enc in zk.encode(Xte[:20])]))
    for fn, rows in cases:
        bounds = field_intervals(fn)
        assert bounds, fn.name
        b, _ = vectorized.evaluate(fn, rows)
        for r, (lo, hi) in bounds.items():
            for i in range(len(rows)):
                assert lo <= _signed_field(int(vectorized.row_value(b.values[r], b.types[r], i))) <= hi, (fn.name, r)


def test_a_bounded_field_crosses_a_cut_as_an_integer_and_the_split_agrees() -> None:
    plan = split.plan(NARROW.code, "tally", budget=split.MAINNET_BUDGET, parts=2)
    assert plan.narrow and all(t.bits == 128 and not t.signed for _, t in plan.narrow.values())
    assert "u128" in [t.aleo() for _, t in plan.links[0].fields[:-2]] and "field" not in plan.text.split("struct tally_link0")[1].split("function")[0]
    rng = random.Random(3)
    for _ in range(8):
        args = tally_args(rng)
        outputs, _ = split.run(plan, NARROW.inputs("tally", args))
        assert outputs == [NARROW.run("tally", *args)]


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_a_narrowed_link_proves_and_verifies_on_snarkvm(key_cache) -> None:
    args = [[-3, 2**40, -2**41, 7], -2**39]     # negative values: their fields are two's complement bits
    sp = NARROW.prove_split("tally", *args, parts=3)
    assert split.explain(sp) is None
    assert sp.outputs[-1] == f"{NARROW.run('tally', *args)}field"
    assert "u128" in sp.program and split.explain(sp, plan=split.plan(NARROW.code, "tally", parts=3)) is None


def test_cli_prove_refuses_parts_with_no_split(tmp_path) -> None:
    out = tmp_path / "p.json"
    r = pyleo_cli("prove", __file__, "splitme.chain", "[1, 2, 3, 4]", "5", "--no-split", "--parts", "2", "--out", str(out))
    assert r.returncode == 1 and "contradict --no-split" in r.stderr and "Traceback" not in r.stderr and not out.exists()


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_cli_prove_splits_a_function_over_the_local_limit_and_verify_accepts_it(key_cache, tmp_path) -> None:
    """``pyleo prove`` without --split decides as Program.prove_fitting: `long` does not fit, so it is split."""
    out = tmp_path / "long.json"
    r = pyleo_cli("prove", __file__, "splitme.long", "[1, 2, 3, 4]", "5", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "parts: " in r.stdout and f"output: {PROG.run('long', [1, 2, 3, 4], 5)}i64" in r.stdout
    ok = pyleo_cli("verify", str(out), "--model", __file__)
    assert ok.returncode == 0 and "valid: splitme.aleo/long split in" in ok.stdout, ok.stderr


def test_a_knn_is_cut_between_points_carrying_only_its_k_nearest() -> None:
    """KNN inserts one training point after the other into its k nearest: the planner keeps that order,
    so a cut carries the packed input, the k distances (narrowed to integers) and their labels, not
    every point's distance."""
    from sklearn import neighbors

    from benchmarks.fidelity import load_dataset
    from stdlib_ml import from_sklearn

    Xtr, _, ytr, _ = load_dataset("iris")
    zk = from_sklearn(neighbors.KNeighborsClassifier(3).fit(Xtr[:40], ytr[:40]), Xtr, strict=False)  # ties: not checked here
    for at in (0.3, 0.6, 0.9):
        values = split.crossing(zk.program.code, "predict", at)["values"]
        assert values.get("field", 0) <= 3 + 2, values   # inside an insertion: also the new point and the displaced one


@pl.function
def residual(x: pl.Array[pl.I64, 32], k: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """A large private input read at the start and again at the end only."""
    acc: pl.I64 = x[0] * x[1] + x[2]
    for i in range(10):
        acc = acc * 3 + k
    return acc + x[5] - x[31]


@pl.function
def late(x: pl.I64, k: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """A private input read only in the last part: the link carries a value computed from the public input."""
    acc: pl.I64 = k * 3
    return acc + x


COMMITTED = pl.Program("commitme", [residual, late])


def test_private_inputs_read_early_and_late_are_committed_once_not_carried() -> None:
    fn = COMMITTED.code.function("residual")
    x = fn.inputs[0].reg
    auto = split.plan(COMMITTED.code, "residual", budget=split.MAINNET_BUDGET, parts=6)
    carried = split.plan(COMMITTED.code, "residual", budget=split.MAINNET_BUDGET, parts=6, commit=False)
    committed = split.plan(COMMITTED.code, "residual", budget=split.MAINNET_BUDGET, parts=6, commit=True)
    assert auto.text == committed.text and committed.total < carried.total     # the cheaper way is kept
    assert any(x in p.carried_out for p in carried.parts)
    assert not any(x in p.carried_out for p in committed.parts)           # x never crosses a cut
    opens = [p.opens for p in committed.parts]
    assert opens[0] and opens[-1] and not all(opens)                      # parts that do not read x do not take it
    assert all((0 in p.params) == p.opens for p in committed.parts)
    assert [split.opens_inputs(committed.text, "residual", k) for k in range(6)] == opens
    rng = random.Random(3)
    for _ in range(4):
        args = [[rng.randint(-40, 40) for _ in range(32)], rng.randint(-40, 40)]
        for plan in (committed, carried):
            outputs, commitments = split.run(plan, COMMITTED.inputs("residual", args))
            assert outputs == [COMMITTED.run("residual", *args)] and len(commitments) == 5


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_a_part_that_read_other_private_inputs_is_rejected(key_cache, tmp_path) -> None:
    """Two runs on other private x with the same blinding value: their links agree (the value carried depends on
    the public input only), the commitments to x do not; a verifier must refuse the mix."""
    plan = split.plan(COMMITTED.code, "late", budget=split.MAINNET_BUDGET, parts=2, commit=True)
    assert [p.opens for p in plan.parts] == [True, True] and all(p.constraints <= split.LOCAL_BUDGET * 1.02 for p in plan.parts)
    blinding = split.fresh_blinding()
    a = split.prove(plan, COMMITTED.inputs("late", [123457, 7]), blinding)
    b = split.prove(plan, COMMITTED.inputs("late", [654321, 7]), blinding)
    assert a.outputs == [f"{123457 + 21}i64"] and b.outputs == [f"{654321 + 21}i64"]
    assert split.explain(a, plan=plan) is None and split.explain(b, plan=plan) is None
    a.save(tmp_path / "a.json")
    text = (tmp_path / "a.json").read_text()
    assert "123457i64" not in text and "123478i64" in text       # x stays private, the public output is there
    loaded = split.SplitProof.load(tmp_path / "a.json")
    assert loaded.opens == [True, True] and split.explain(loaded, plan=plan) is None
    mixed = split.SplitProof(a.function, a.budget, [a.parts[0], b.parts[1]], a.params)
    assert a.parts[0].public_outputs[1] == b.parts[1].public_outputs[0]   # the link itself agrees
    assert "read other private inputs than part 0" in split.explain(mixed, plan=plan)
    c = split.prove(plan, COMMITTED.inputs("late", [123457, 7]))       # another run: another blinding value
    assert "link between part 0 and part 1 is broken" in split.explain(
        split.SplitProof(a.function, a.budget, [a.parts[0], c.parts[1]], a.params), plan=plan)
    assert "out of order" in split.explain(split.SplitProof(a.function, a.budget, a.parts[::-1], a.params[::-1]))


CHAIN = 200
"""Checked ``u64`` sums in :func:`_packing_function`'s chain: four parts of :data:`PACKING_BUDGET`."""

PACKING_BUDGET = 20_000


def _packing_function() -> Any:
    """Eight private bytes read at the start (the seed of a chain of ``u64`` sums) and again at the end (a ``u16`` sum):
    every cut inside the chain carries the eight bytes and the chain's sum."""
    from pyleo import aleo_code
    from pyleo.aleo_code import Instr, Param, Reg
    from pyleo.types import IntType

    u8, u16, u64 = IntType(8, False), IntType(16, False), IntType(64, False)
    body = [Instr("cast", (Reg(k),), 10 + k, u64, True) for k in range(8)]
    body += [Instr("add", (Reg(10 if k == 1 else 17 + k), Reg(10 + k)), 18 + k, u64) for k in range(1, 8)]
    body += [Instr("add", (Reg(25 + j), Reg(10 + j % 8)), 26 + j, u64) for j in range(CHAIN)]
    body.append(Instr("cast.lossy", (Reg(25 + CHAIN),), 999, u8, True))
    body.append(Instr("cast", (Reg(999),), 1000, u16, True))
    body += [Instr("cast", (Reg(k),), 1001 + k, u16, True) for k in range(8)]
    body += [Instr("add", (Reg(1000 if k == 0 else 1009 + k), Reg(1001 + k)), 1010 + k, u16) for k in range(8)]
    fn = aleo_code.Function("bytes8", [Param(k, u8, False) for k in range(8)], body, [Param(1017, u16, True)])
    return aleo_code.Program("packer", [], [fn])


def test_narrow_integers_cross_a_cut_packed_into_a_word_passed_on_by_a_part_that_does_not_touch_them() -> None:
    """The eight bytes travel as one ``u128`` word (:func:`pyleo.split_liveness.link_layout`): part 1, where the last
    of them enters, packs it; part 2, inside the chain, passes it on as it came in (no packing cast); the parts compute
    what the interpreter does."""
    from pyleo import vectorized

    code = _packing_function()
    plan = split.plan(code, "bytes8", budget=PACKING_BUDGET)
    assert len(plan.parts) == 4 and [len(p.carried_out) for p in plan.parts[1:-1]] == [9, 9]
    for link in plan.links:
        assert [t.aleo() for _, t in link.fields] == ["u128", "u64", "u8", "u128"]   # the word, the sum, i, r
    texts = [plan.text.split(f"function bytes8_p{k}:")[1].split("function")[0] for k in (1, 2)]
    assert " as u128;" in texts[0] and " as u128;" not in texts[1] and "shr " in texts[1]   # packed once, passed on
    fn = code.function("bytes8")
    for args in ([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 9], [200, 17, 33, 0, 99, 1, 50, 250]):
        _, want = vectorized.evaluate(fn, [args])
        got, commitments = split.run(plan, args)
        assert got == [vectorized.row_value(w, p.type, 0) for w, p in zip(want, fn.outputs)] and len(commitments) == 3


def test_a_sign_tests_cast_and_bit_bound_a_relu_and_a_clamp() -> None:
    """``field_intervals`` reads a function's checks: the checked ``u16`` cast of ``x + 2^15`` bounds ``x`` to
    ``[-2^15, 2^15)`` (interval arithmetic alone: up to 2^64), the cast's bit 15 is ``x >= 0``, so ``x >= 0 ? x : 0`` is
    ``[0, 2^15)`` and ``min(relu, 127)`` is ``[0, 127]``; every value evaluated lies within."""
    from pyleo import aleo_code, vectorized
    from pyleo.aleo_code import Instr, Lit, Param, Reg
    from pyleo.aleo_passes import field_intervals
    from pyleo.types import BoolType, FieldType, IntType

    f, u16, u32 = FieldType(), IntType(16, False), IntType(32, False)

    def sign_test(value: int, first: int) -> list[Instr]:   # registers first … first + 3: the bit of value >= 0
        return [Instr("add", (Reg(value), Lit(1 << 15, f)), first, f, True), Instr("cast", (Reg(first),), first + 1, u16),
                Instr("shr", (Reg(first + 1), Lit(15, u32)), first + 2, u16, True),
                Instr("cast.lossy", (Reg(first + 2),), first + 3, BoolType(), True)]

    body = [Instr("cast", (Reg(0),), 1, f, True), Instr("sub", (Reg(1), Lit(40_000, f)), 2, f, True), *sign_test(2, 3),
            Instr("ternary", (Reg(6), Reg(2), Lit(0, f)), 7, f, True),
            Instr("sub", (Lit(127, f), Reg(7)), 8, f, True), *sign_test(8, 9),
            Instr("ternary", (Reg(12), Reg(7), Lit(127, f)), 13, f, True)]
    fn = aleo_code.Function("clamp", [Param(0, IntType(64, False), False)], body, [Param(13, f, True)])
    bounds = field_intervals(fn)
    assert bounds[2] == (-(1 << 15), (1 << 15) - 1) and bounds[7] == (0, (1 << 15) - 1) and bounds[13] == (0, 127)
    rows = [[v] for v in (7_232, 39_999, 40_000, 40_100, 40_127, 40_128, 72_767)]
    b, _ = vectorized.evaluate(fn, rows)
    assert not b.halted.any()
    for r, (lo, hi) in bounds.items():
        assert all(lo <= _signed_field(int(vectorized.row_value(b.values[r], b.types[r], i))) <= hi for i in range(len(rows)))
    assert [vectorized.row_value(b.values[13], f, i) for i in range(len(rows))] == [0, 0, 0, 100, 127, 127, 127]
