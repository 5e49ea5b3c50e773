"""A function whose private input array is too large to cross every cut is split anyway: the array's elements enter
the part that first reads them and cross the cuts only while still read (:func:`pyleo.split.plan`, pieces), and a
sum over features read in another order than it was written is re-associated so the input is read in one sweep.

Default suite: ``sweep`` (sixteen checked multiply-adds over a private [i64; 16], ~19,900 constraints), which carrying
or committing the array whole cannot split at the local budget, split into 13 parts; oracles: the interpreter and
snarkVM's execution of every part (stand-in keys, no synthesis). Slow: its proof (verified, reordered and foreign parts
rejected), and the PyTorch Conv1d (4 channels, length 48) → BatchNorm1d → ReLU → residual add → Linear → Sigmoid
model (eval mode, ~23,500 constraints; its input, 192 values packed into [u64; 48], ~6,400 as a private input and
~6,700 to unpack), which no way splits at 16,384 and which pieces split into 8 parts at a budget of 18,000.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from pyleo import split, vm
from pyleo.errors import LimitError
from pyleo.split_proof import part_inputs
from tests.split_forgeries import assert_forgeries_rejected, cli

BUDGET = 18_000
"""A budget over which this model's input no longer fits one part whole (it splits at none between 16,384 and 22,000
without pieces)."""


@pl.function
def sweep(x: pl.Array[pl.I64, 16]) -> pl.Public[pl.I64]:
    """Sixteen checked multiply-adds over a private array: ~19,900 constraints, the array alone ~3,500 as an input."""
    acc: pl.I64 = 0
    for i in range(16):
        acc = acc + x[i] * 3
    return acc


SWEEP = pl.Program("sweeper", [sweep])
X16 = [5, -7, 11, 3, -2, 9, 100, -50, 8, 1, 2, 3, 4, 5, 6, -1000]


@pytest.fixture(scope="module")
def sweep_plan() -> split.Plan:
    return split.plan(SWEEP.code, "sweep")


def test_a_private_array_too_large_to_carry_is_split_at_the_local_budget(sweep_plan) -> None:
    with pytest.raises(LimitError, match="cannot be split"):
        split.plan(SWEEP.code, "sweep", commit=True)
    plan = sweep_plan
    assert all(p.constraints <= split.LOCAL_BUDGET for p in plan.parts)
    assert [i for p in plan.parts for els in p.pieces if els is not None for i in els] == list(range(16))
    rng = np.random.default_rng(1)
    for x in [X16, *(rng.integers(-2**40, 2**40, 16).tolist() for _ in range(3))]:
        outputs, _ = split.run(plan, SWEEP.inputs("sweep", [x]))
        assert outputs == [SWEEP.run("sweep", x)]


def test_each_part_takes_its_link_inside_its_private_input(sweep_plan) -> None:
    """Part 0's blinding value and every later part's incoming link ride in the part's array input (a struct ``x``
    and ``r`` / ``l``): one private input per part, its fixed cost (~1,290 constraints) paid once. Taking them as
    inputs of their own, this split needed 13 parts of one or two elements each."""
    plan = sweep_plan
    assert len(plan.parts) <= 4
    for k, part in enumerate(plan.parts):
        (taken,) = plan.program.function(part.name).inputs
        assert part.fold == 0 and not taken.public
        assert taken.type.fields[1] == (("l", plan.links[k - 1]) if k else ("r", split.BLINDING))


@pytest.mark.prove   # the stand-in key is synthesized once (shared with tests/test_corpus.py)
def test_snarkvm_executes_every_part_of_the_local_split_to_the_interpreters_result(sweep_plan) -> None:
    assert snarkvm_outputs(sweep_plan, SWEEP.inputs("sweep", [X16]))[-1] == f"{SWEEP.run('sweep', X16)}i64"


@pytest.mark.slow
@pytest.mark.prove
def test_a_split_read_in_pieces_proves_verifies_and_rejects_reordered_and_foreign_parts(key_cache) -> None:
    sp = SWEEP.prove_split("sweep", X16)
    plan = split.plan(SWEEP.code, "sweep")   # the verifier's own split of the model it trusts
    assert split.explain(sp, plan=plan) is None and SWEEP.verify_split(sp)
    assert sp.outputs == [f"{SWEEP.run('sweep', X16)}i64"]
    swapped = split.SplitProof(sp.function, sp.budget, [sp.parts[0], sp.parts[2], sp.parts[1], *sp.parts[3:]],
                               sp.params, sp.source)
    assert "out of order" in split.explain(swapped, plan=plan)
    other = split.prove(plan, SWEEP.inputs("sweep", [X16]))     # another blinding value: its links differ
    mixed = split.SplitProof(sp.function, sp.budget, [other.parts[0], *sp.parts[1:]], sp.params, sp.source)
    assert "broken" in split.explain(mixed, plan=plan)


@pytest.fixture(scope="module")
def conv_model() -> Any:
    torch = pytest.importorskip("torch")
    from torch import nn

    from stdlib_ml import from_torch

    torch.manual_seed(0)

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(4, 4, 3, padding=1)
            self.bn = nn.BatchNorm1d(4)
            self.fc = nn.Linear(4 * 48, 1)

        def forward(self, x: Any) -> Any:
            h = torch.relu(self.bn(self.conv(x))) + x
            return torch.sigmoid(self.fc(torch.flatten(h, 1)))

    net = Residual()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-1, 1)
        net.bn.running_var.uniform_(0.5, 2)
    net.eval()
    X = np.random.default_rng(0).normal(size=(60, 4, 48)).astype(np.float32)
    return from_torch(net, X[:40], name="residual_conv", fit=False), X[40:]


@pytest.fixture(scope="module")
def conv_plan(conv_model) -> split.Plan:
    return split.plan(conv_model[0].program.code, "predict", BUDGET)


@pytest.mark.slow
def test_an_input_too_large_to_carry_is_read_in_pieces_and_the_parts_compute_the_model(conv_model, conv_plan) -> None:
    zk, X = conv_model
    with pytest.raises(LimitError, match="cannot be split"):
        split.plan(zk.program.code, "predict", BUDGET, commit=True)   # the input committed whole in the parts reading it
    plan = conv_plan
    assert plan.whole > BUDGET and 2 <= len(plan.parts) <= 31
    assert all(p.constraints <= BUDGET for p in plan.parts)
    taken = [i for p in plan.parts for els in p.pieces if els is not None for i in els]
    assert sorted(taken) == list(range(48)), "each packed word enters exactly one part"
    assert max(len(els) for p in plan.parts for els in p.pieces if els is not None) < 48
    for x in zk.encode(X[:2]):
        inputs = zk.program.inputs("predict", zk.circuit_args(x))
        outputs, commitments = split.run(plan, inputs, blinding=7)
        assert outputs == [zk.program.run("predict", *zk.circuit_args(x))]
        assert len(commitments) == len(plan.parts) - 1


def snarkvm_outputs(plan: split.Plan, inputs: list[Any]) -> list[str]:
    """Every part through snarkVM's circuit (stand-in keys, no synthesis), each opening the commitment the part before
    it output; the last part's outputs (Aleo literals)."""
    previous = None
    for k, (part, args) in enumerate(zip(plan.parts, part_inputs(plan, inputs, 5))):
        out = vm.evaluate(plan.text, part.name, args, keys=False)
        assert k == 0 or out[0] == previous, f"part {k} opens another commitment than part {k - 1} output"
        previous = out[-1]
    return out


@pytest.mark.slow
@pytest.mark.prove   # the stand-in key is synthesized once (shared with tests/test_corpus.py)
def test_snarkvm_executes_every_part_to_the_models_result(conv_model, conv_plan) -> None:
    zk, X = conv_model
    x = zk.encode(X[:1])[0]
    outputs = snarkvm_outputs(conv_plan, zk.program.inputs("predict", zk.circuit_args(x)))
    assert outputs[-1] == f"{zk.program.run('predict', *zk.circuit_args(x))}u8"


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_the_conv_model_splits_at_the_local_budget_and_pyleo_prove_and_verify_take_it(conv_model, key_cache,
                                                                                        tmp_path) -> None:
    """The Conv1d model, which no way split at 16,384 while each part took its link as an input of its own (a middle
    part was ~16,600 constraints before any work), split at the local budget, proved and verified with the CLI; a
    file with two parts swapped, one with a part dropped and one with a part proved in another run are INVALID."""
    zk, X = conv_model
    plan = split.plan(zk.program.code, "predict")
    assert plan.whole > split.LOCAL_BUDGET and 2 <= len(plan.parts) <= 31
    model = zk.save(tmp_path / "residual_conv.py")
    out = tmp_path / "conv.proof.json"
    row = json.dumps([float(v) for v in X[0].ravel()])
    proved = cli("prove", str(model), "predict", row, "--out", str(out))
    assert proved.returncode == 0, proved.stderr
    sp = split.SplitProof.load(out)
    want = zk.program.run("predict", *zk.circuit_args(zk.encode(X[:1])[0]))
    assert sp.public_outputs == [f"{want}u8"] and len(sp.parts) == len(plan.parts)
    for part, planned in zip(sp.parts, plan.parts):   # snarkVM's count (the verifying key) against the cost model's
        assert part.constraints <= split.LOCAL_BUDGET and abs(part.constraints - planned.constraints) <= 0.03 * planned.constraints
    ok = cli("verify", str(out), "--model", str(model))
    assert ok.returncode == 0 and f"split in {len(plan.parts)} parts" in ok.stdout, ok.stderr
    assert_forgeries_rejected(out, model, plan, zk.program.inputs("predict", zk.circuit_args(zk.encode(X[:1])[0])),
                              tmp_path)
