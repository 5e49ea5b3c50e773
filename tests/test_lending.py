"""examples/lending: a lender's program that imports a converted credit model (docs/lending.md).

Oracles: the model's own scikit-learn ``predict`` (the circuit's label and the lender's decision must be
its), snarkVM (both transitions run in its circuit and the future it builds carries the interpreter's
final-block writes; in the slow test it proves the execution, verifies the transaction in a process of its
own with keys derived from the program texts, and rejects a forged one), and the ledger stand-in's mapping
after the finalize of the verified execution.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from examples.lending.lender import credit_model, lender, run
from examples.lending.model import X_test, clf, zk
from pyleo import limits, network, vm
from pyleo.errors import ProofError
from pyleo.vm.ledger import future_arguments
from pyleo.vm.sdk import aleo_sdk
from tests.test_emit_leo import syntax_check

ADDRESS = "aleo1nkj0fm000m8e3h9jrz9hv0tzvrdq5h0m6kk2mcjwp2exq0ydwvqskfs06t"
APPROVED_ROW = int(np.flatnonzero(clf.predict(X_test) == 1)[0])
REFUSED_ROW = int(np.flatnonzero(clf.predict(X_test) == 0)[0])


def test_model_is_the_fitted_one() -> None:
    assert np.array_equal(zk.predict(X_test), clf.predict(X_test))
    assert clf.score(X_test, X_test @ [90, 40, 120, 70] >= 40_000) > 0.9   # it learned the scorecard


def test_decision_is_the_models() -> None:
    """For 40 held-out applicants the final block writes approvals[caller] = (scikit-learn's label == 1)."""
    for row in X_test[:40]:
        x = zk.encode([row])[0]
        want = bool(clf.predict([row])[0] == 1)
        assert lender.final_writes("apply", x, caller=ADDRESS) == {"approvals": {ADDRESS: want}}


def test_names_pay_the_least_namespace_fee() -> None:
    for prog in (credit_model, lender):
        assert len(prog.name) >= 10 and limits.namespace_fee(f"{prog.name}.aleo") == limits.namespace_fee("a" * 10 + ".aleo")


def test_programs_and_leo(tmp_path) -> None:
    assert lender.import_texts() == (credit_model.aleo(),)
    assert "call lending_credit_model.aleo/predict r0 into r1;" in lender.aleo()
    syntax_check(tmp_path, lender.leo(), "lender")
    lender.check_vm()


@pytest.mark.prove
@pytest.mark.parametrize("row", [APPROVED_ROW, REFUSED_ROW])
def test_snarkvm_writes_what_the_interpreter_says(row) -> None:
    """snarkVM runs the model's transition and the lender's (stand-in keys); the future's arguments (the caller,
    the decision) are what the interpreter's final block writes, and the decision is scikit-learn's."""
    x = zk.encode([X_test[row]])[0]
    outputs = vm.evaluate(lender.aleo(), "apply", lender.aleo_inputs("apply", [x]), keys=False,
                          imports=lender.import_texts())
    who, decision = future_arguments(outputs[-1])
    assert lender.final_writes("apply", x, caller=who) == {"approvals": {who: decision == "true"}}
    assert decision == ("true" if clf.predict([X_test[row]])[0] == 1 else "false")


@pytest.mark.slow
@pytest.mark.prove
def test_lending_end_to_end(tmp_path) -> None:
    """Built, both deployments written, one execution of two transitions proved and its transaction verified,
    its finalize applied: the mapping holds scikit-learn's decision; a forged execution is rejected."""
    key = aleo_sdk().PrivateKey.random()
    row = X_test[APPROVED_ROW]
    done = run(tmp_path, list(row), key)
    for f in done.files:
        assert f.is_file()
    for name in (credit_model.name, lender.name):
        syntax_check(tmp_path, (tmp_path / name / "src" / "main.leo").read_text(), name)
        assert (tmp_path / f"{name}.deploy.tx.json").is_file()
    assert done.transitions == ["lending_credit_model.aleo/predict", "lending_lender_program.aleo/apply"]
    assert done.approved == "true" and clf.predict([row])[0] == 1
    assert done.writes == [("lending_lender_program.aleo", "approvals", str(key.address), "true")]
    for t, measured in done.constraints.items():
        assert measured <= limits.LOCAL_BUDGET
        prog, fn = (lender, "apply") if t.startswith(lender.name) else (credit_model, "predict")
        assert abs(prog.estimate(fn, synthesize_transition=False).total - measured) <= 0.02 * measured
    assert all(c > 0 for c in done.deployment_costs.values())

    tx_text = (tmp_path / f"{lender.name}.apply.tx.json").read_text()
    tx, doc = network.parse_transaction_json(tx_text, "the execution transaction")
    process = aleo_sdk().Process.load()   # the fee, in a process of its own (credits.aleo only)
    process.verify_fee(network.fee_of(doc, "the transaction"), tx.execution().execution_id)
    forged = doc["execution"]
    forged["transitions"][1]["outputs"][0]["value"] = forged["transitions"][1]["outputs"][0]["value"].replace("true", "false")
    ledger = vm.LedgerMappings()
    with pytest.raises(ProofError):
        ledger.accept(json.dumps(forged), [credit_model.code, lender.code], [credit_model.aleo(), lender.aleo()])
    assert ledger.get(f"{lender.name}.aleo", "approvals", str(key.address)) is None
