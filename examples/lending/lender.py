"""A lender's program that imports the credit model, runs it on an applicant's private features and records
the approval on chain: ``lending_lender_program.aleo``, importing ``lending_credit_model.aleo``.

    python -m examples.lending.lender     # build both programs, deploy them, execute an application, verify it
                                          # and apply it to the local ledger stand-in's mappings (docs/lending.md)

``apply(x)`` calls ``lending_credit_model.aleo/predict`` on ``x`` (the applicant's features as the model encodes
them; a private input: the transaction holds it encrypted) and writes ``approvals[caller] = (label == approved)``
in its ``final`` block: one execution of two transitions (the model's, then the lender's), its finalize run by the
network once the execution is accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pyleo as pl
from pyleo import network, vm
from pyleo.vm.sdk import aleo_sdk

from examples.lending.model import APPROVED, zk

credit_model = zk.program
Features = credit_model.entry("predict").params[0].type
"""The model's input: the applicant's features quantized and packed as ``zk.encode`` does."""

approvals = pl.Mapping("approvals", pl.Address, pl.Bool)
"""On chain: each applicant's address → whether the model approved their last application."""


@pl.function
def apply(x: Features):
    """Ask the credit model about the applicant's features ``x``; record its decision for the caller."""
    label: pl.U8 = credit_model.predict(x)
    approvals[pl.caller] = label == APPROVED


lender = pl.Program("lending_lender_program", [apply], imports=[credit_model])


@dataclass
class Lending:
    """What :func:`run` made and measured: the files written, each program's deployment cost (microcredits,
    ``Process.deployment_cost``), the constraints of each transition of the execution (snarkVM's verifying keys),
    the execution's cost (``Process.execution_cost``), its transitions (program/function, in order) and the
    mapping writes the ledger stand-in applied from the verified execution."""

    files: list[Path]
    deployment_costs: dict[str, int]
    constraints: dict[str, int]
    execution_cost: int
    transitions: list[str]
    writes: list[tuple[str, str, str, str]]
    approved: str | None
    label: int


def run(out_dir: Path, features: list[float], key: Any, stage: Callable[[str], None] | None = None) -> Lending:
    """Build both programs under ``out_dir`` (Leo projects and ``.aleo``), write the deployment transactions of the
    model and then of the lender, execute ``apply`` on one applicant's raw ``features`` as one transaction signed
    with ``key`` (aleo-sdk's ``PrivateKey``), then have the local ledger stand-in accept it (snarkVM verifies it)
    and apply its finalize. The functions are those ``pyleo deploy`` and ``pyleo execute`` call."""
    tell = stage or (lambda _s: None)
    files = credit_model.write(out_dir) + lender.write(out_dir)
    head = network.chain_head(None)
    costs = {}
    for prog in (credit_model, lender):
        tell(f"deploying {prog.name}")
        d = network.deploy(prog.aleo(), key, stage, imports=prog.import_texts())
        costs[d.cost.program_id] = d.cost.total
        tx = network.deployment_transaction(d, key, 0, head, stage)
        files.append(out_dir / f"{prog.name}.deploy.tx.json")
        vm.write_atomic(files[-1], (network.transaction_json(tx) + "\n").encode())
    x = zk.encode([features])[0]
    tell("executing apply (the model's transition, then the lender's)")
    result = network.execute_transaction(lender.aleo(), "apply", lender.aleo_inputs("apply", [x]), key, stage=stage,
                                         imports=lender.import_texts())
    files.append(out_dir / f"{lender.name}.apply.tx.json")
    vm.write_atomic(files[-1], (network.transaction_json(result.transaction) + "\n").encode())
    execution = json.dumps(json.loads(network.transaction_json(result.transaction))["execution"])
    transitions = [f"{t.program_id}/{t.function_name}" for t in result.execution.transitions()]
    tell("verifying the transaction's execution and applying its finalize to the ledger stand-in")
    ledger = vm.LedgerMappings()
    writes = ledger.accept(execution, [credit_model.code, lender.code], [*lender.import_texts(), lender.aleo()])
    address = str(key.address)
    label = int(credit_model.run("predict", x))
    return Lending(files, costs, {"lending_credit_model.aleo/predict": credit_model.cost("predict"),
                                  "lending_lender_program.aleo/apply": lender.cost("apply")},
                   result.cost.total, transitions, writes, ledger.get(f"{lender.name}.aleo", "approvals", address), label)


if __name__ == "__main__":
    import tempfile

    from examples.lending.model import X_test, clf, y_test

    print(f"credit model: held-out accuracy {clf.score(X_test, y_test):.3f}, circuit agreement with scikit-learn "
          f"{float((zk.predict(X_test) == clf.predict(X_test)).mean()):.3f}")
    key = network.signing_key() or aleo_sdk().PrivateKey.random()   # PRIVATE_KEY as the Leo CLI reads it, else a throwaway account
    applicant = list(X_test[0])
    done = run(Path(tempfile.gettempdir()) / "lending", applicant, key, print)
    for f in done.files:
        print("wrote", f)
    for pid, c in done.deployment_costs.items():
        print(f"deployment cost of {pid}: {network.credits(c)}")
    for t, c in done.constraints.items():
        print(f"constraints of {t}: {c:,}")
    print(f"one execution of {len(done.transitions)} transitions ({', '.join(done.transitions)}), "
          f"cost {network.credits(done.execution_cost)}")
    print(f"scikit-learn says {clf.predict([applicant])[0]}, the circuit's label {done.label}; on chain: "
          f"approvals[{key.address}] = {done.approved}")
