"""Aleo transactions as verifier-facing artifacts: a deployment or an execution with its fee, JSON as a node
takes it (what ``pyleo deploy`` / ``pyleo execute`` write), verified by snarkVM and bound to the program the
verifier trusts like a proof file.

An execution transaction carries no program text (the network holds the deployed program): the verifier names
the program (``--model``, ``--program`` or ``--public-model``; ``--checksum`` on top), and the execution is
verified (``Process.verify_execution``) under the verifying key derived here from it. A deployment transaction
carries its program: it is bound by checksum to the trusted one (when named), and each verifying key it
deploys must be the one derived here from that program. In both, the fee must verify (``Process.verify_fee``)
for this execution or deployment ID, on mainnet, and pay at least snarkVM's cost.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .. import network, vm
from ..errors import InputError, ProofError, PyleoError
from ..files import is_count
from ..limits import MAINNET_BUDGET
from ..vm.keys import load_program
from ..vm.sdk import SDK_NETWORKS, aleo_sdk, call_quietly, clean_message, compact_value
from .formats import PublicModel

TRANSACTION_FIELDS: dict[str, str] = {
    "type": "checked: execute or deploy",
    "id": "checked: snarkVM reads the transaction (Transaction.from_json) and recomputes it",
    "execution": "verified by snarkVM (verify_execution) under the trusted program's verifying key, derived here",
    "deployment": "bound: its program's checksum must be the trusted program's; each verifying key must be the one "
                  "derived here from its program",
    "fee": "verified by snarkVM (verify_fee) for this execution or deployment ID on mainnet; its base amount must "
           "cover snarkVM's cost",
}
"""How each field of a transaction is bound."""

TRANSACTION_NOT_REPORTED: dict[str, str] = {
    "global_state_root": "the ledger state the proofs were made against: verified as part of them; whether it is "
                         "a state root of the network's ledger only a node can tell",
    "owner": "a deployment's owner signature: checked by the network when it accepts the deployment, not here",
    "fee_payer": "the account paying the fee: verified as part of the fee, not reported",
}
"""What a transaction carries that a verdict does not report."""


SPLIT_TRANSACTIONS_FORMAT = "pyleo-split-transactions/1"
"""The ``"format"`` key of the file ``pyleo execute`` writes for a split function: one execution transaction per
part (each as the network takes it, broadcast one by one), with the split program they execute."""

SPLIT_TRANSACTIONS_FIELDS: dict[str, str] = {
    "format": f"checked: must be {SPLIT_TRANSACTIONS_FORMAT}",
    "program": "bound like a split proof's parts' program: with --model it must be the model's own split of the "
               "function, with --program / --checksum that program",
    "source_program": "checked: the split program's name must be the one pyleo gives this source and function",
    "function": "checked: transaction k must execute FUNCTION_pk of the split program",
    "transactions": "each an execution transaction (TRANSACTION_FIELDS) of one part, verified under the key derived "
                    "from the program, its fee verified; every link between parts checked",
}
"""How each field of a split function's transactions file is bound."""

SPLIT_TRANSACTIONS_NOT_REPORTED: dict[str, str] = {
    "budget": "the constraints per part the prover planned with: with --model, the verifier plans the model's own "
              "split from it and the split program must be that one; not reported",
}
"""Fields of a split function's transactions file nothing is reported from."""


def split_transactions_doc(plan: Any, transactions: list[Any]) -> dict[str, Any]:
    """The JSON object of a split function's transactions file: ``plan`` (a :class:`pyleo.split.Plan`) and its
    parts' execution transactions in order (aleo-sdk ``Transaction`` objects)."""
    return {"format": SPLIT_TRANSACTIONS_FORMAT, "source_program": plan.source.name, "function": plan.function,
            "budget": plan.budget, "program": plan.text,
            "transactions": [json.loads(network.transaction_json(tx)) for tx in transactions]}


def _json_of(artifact: Any) -> Any:
    """``artifact`` itself, or the JSON document of the file it names (None when that is no readable JSON)."""
    if isinstance(artifact, (str, os.PathLike)):
        try:
            return vm.read_proof_json(artifact)
        except PyleoError:   # unreadable or no JSON: trust.verify reads it as a proof file and says why
            return None
    return artifact


def read_split_transactions(artifact: Any) -> dict[str, Any] | None:
    """The JSON object of ``artifact`` when it is a split function's transactions file (or its path), else None."""
    doc = _json_of(artifact)
    return doc if isinstance(doc, dict) and doc.get("format") == SPLIT_TRANSACTIONS_FORMAT else None


def read_transaction_doc(artifact: Any) -> dict[str, Any] | None:
    """The JSON object of ``artifact`` when it is a transaction (a JSON object, or the path of a file holding
    one), else None (it may be a proof)."""
    doc = _json_of(artifact)
    if isinstance(doc, dict) and doc.get("type") in ("execute", "deploy") and "id" in doc and "format" not in doc:
        return doc
    return None


def _parsed(doc: dict[str, Any], source: str) -> Any:
    """snarkVM's transaction of the JSON object ``doc``; ProofError (the verdict: invalid) when it reads none."""
    try:
        tx, _ = network.parse_transaction_json(json.dumps(doc), source)
    except InputError as e:
        raise ProofError(e.message) from None
    return tx


def _program_of(trusted: Any, program_id: str) -> str | None:
    """The trusted program text for ``program_id`` (model file, program or public model), or None."""
    texts = []
    name = program_id.removesuffix(".aleo")
    if trusted.programs:
        if name not in trusted.programs:
            raise ProofError(f"the transaction is of {program_id}, and {trusted.label('model')} defines "
                             f"{', '.join(p + '.aleo' for p in trusted.programs)}, not the transaction's program: it is not of the "
                             "model you trust")
        texts.append(trusted.programs[name].aleo())
    if trusted.program is not None:
        texts.append(trusted.program)
    if trusted.public_model is not None:
        texts.append(trusted.public_model.program)
    if len({vm.program_checksum(t) for t in texts}) > 1:
        raise InputError("--model, --program and --public-model name different programs")
    return texts[0] if texts else None


def _checksum_reason(program: str, program_id: str, trusted: Any) -> str | None:
    if trusted.checksum is not None and vm.program_checksum(program) != vm.normalize_checksum(trusted.checksum):
        return (f"the transaction's program {program_id} has checksum {vm.program_checksum(program)}, not the trusted "
                f"{vm.normalize_checksum(trusted.checksum)}")
    return None


def _commitment(trusted: Any, program_id: str) -> str | None:
    pm: PublicModel | None = trusted.public_model
    c = trusted.commitment or (pm.commitment if pm is not None else None) or \
        trusted.commitments.get(program_id.removesuffix(".aleo"))
    return None if c is None else compact_value(c if c.strip().endswith("field") else c.strip() + "field")


def fee_network(doc: dict[str, Any]) -> str | None:
    """The network other than mainnet (of aleo-sdk's) whose snarkVM verifies the transaction's fee, or None."""
    for name in SDK_NETWORKS:
        if name == "mainnet":
            continue
        sdk = aleo_sdk(name)

        def check() -> None:
            tx = sdk.Transaction.from_json(json.dumps(doc))
            fee = sdk.Fee.from_json(json.dumps(doc["fee"]))
            paid_for = tx.execution().execution_id if doc["type"] == "execute" else \
                sdk.Deployment.from_json(json.dumps(doc["deployment"])).deployment_id()
            sdk.Process.load().verify_fee(fee, paid_for)

        _, err, _ = call_quietly(check)
        if err is None:
            return name
    return None


def _fee_reason(process: Any, doc: dict[str, Any], paid_for: Any, cost: int, tx: Any) -> str | None:
    fee = network.fee_of(doc, "the transaction")
    _, err, _ = call_quietly(process.verify_fee, fee, paid_for)
    if err is not None:
        other = fee_network(doc)
        if other is not None:
            return (f"this is a {other} transaction (its fee verifies there); pyleo verify checks mainnet "
                    "transactions")
        return (f"snarkVM rejects the transaction's fee on mainnet ({clean_message(str(err))}): it was made for "
                "another transaction or network, or altered")
    if int(tx.base_fee_amount) < cost:
        return (f"the fee is too low: it pays {network.credits(int(tx.base_fee_amount))}, the transaction costs "
                f"{network.credits(cost)} (snarkVM's cost); the network rejects it")
    return None


def verify_transaction(artifact: Any, trusted: Any, resynthesize: bool = False) -> Any:
    """Verify a transaction (JSON object or file) against ``trusted`` (:class:`pyleo.trust.Trusted`); returns a
    :class:`pyleo.trust.Verdict` of kind "execution transaction" or "deployment transaction". ProofError
    (:func:`pyleo.trust.verify`'s invalid verdict) when it is not a transaction snarkVM reads or not of the trusted
    model's program; InputError when an execution's program is not named, or for a trusted verifying key or
    ``resynthesize`` (the keys always come from the program here)."""
    from .policy import Verdict

    if trusted.verifying_key is not None or resynthesize:
        raise InputError("a transaction binds with --model, --program, --public-model or --checksum: its verifying "
                         "keys are always derived here from the program (--vk and --resynthesize do not apply)")

    doc = read_transaction_doc(artifact)
    if doc is None:
        raise InputError("not a transaction: expected the JSON a node takes (type execute or deploy, an id)")
    tx = _parsed(doc, "the transaction")
    sdk = aleo_sdk()
    process = sdk.Process.load()
    kind = "deployment transaction" if doc["type"] == "deploy" else "execution transaction"

    def rejected(reason: str) -> Any:
        return Verdict(False, reason, kind)

    if doc["type"] == "deploy":
        program_obj = tx.deployed_program()
        program = str(program_obj.source)
        program_id = str(program_obj.id)
        want = _program_of(trusted, program_id)
        if want is not None and vm.program_checksum(want) != vm.program_checksum(program):
            return rejected(f"the transaction deploys a program {program_id} with checksum "
                            f"{vm.program_checksum(program)}, not the trusted program (checksum {vm.program_checksum(want)})")
        reason = _checksum_reason(program, program_id, trusted)
        if reason:
            return rejected(reason)
        functions = [str(f) for f in program_obj.functions]
        deployment, err, _ = call_quietly(sdk.Deployment.from_json, json.dumps(doc["deployment"]))
        if err is not None:
            return rejected(f"snarkVM cannot read the deployment: {clean_message(str(err))}")
        lp = load_program(program)
        cost = int(lp.process.deployment_cost(deployment))
        reason = _fee_reason(process, doc, deployment.deployment_id(), cost, tx)
        if reason:
            return rejected(reason)
        for name, (vk_text, _certificate) in doc["deployment"]["verifying_keys"]:
            if name not in functions or vk_text.strip() != vm.verifying_key(program, name).strip():
                return rejected(f"the deployment's verifying key of `{name}` is not the one its program gives "
                                "(derived here): the transaction was altered")
        constraints = sum(vm.constraints(program, f) for f in functions)
        return Verdict(True, None, kind, program_id, ", ".join(functions), vm.program_checksum(program), constraints,
                       [], [], [], trusted.bound_to(), {**TRANSACTION_NOT_REPORTED, **({} if trusted.bound_to() else {
                           "binding": "not bound to a program you trust: the transaction deploys the program it "
                                      f"carries (checksum {vm.program_checksum(program)})"})})

    execution = tx.execution()
    transitions = list(execution.transitions())
    if len(transitions) != 1:
        return rejected(f"the execution has {len(transitions)} transitions; pyleo's programs make one (no external calls)")
    tr = transitions[0]
    program_id, function = str(tr.program_id), str(tr.function_name)
    program = _program_of(trusted, program_id)
    if program is None:
        raise InputError("an execution transaction names its program by ID only: name the program you trust",
                         hint="pass --model, --program or --public-model (and --checksum to pin it)")
    from .policy import lone_part

    alone = lone_part(program_id, function, program, "split transactions file")
    if alone is not None:
        return rejected(alone)
    reason = _checksum_reason(program, program_id, trusted)
    if reason:
        return rejected(reason)
    parsed = sdk.Program.from_source(program)
    if str(parsed.id) != program_id or not parsed.has_function(function):
        return rejected(f"the transaction executes {program_id}/{function}, not a function of the trusted "
                        f"program {parsed.id}")
    if trusted.public_model is not None and function != trusted.public_model.function:
        return rejected(f"the transaction executes `{function}`, the public model's function is "
                        f"`{trusted.public_model.function}`")
    fid = sdk.Identifier.from_string(function)
    vk = sdk.VerifyingKey.from_string(vm.verifying_key(program, function))
    _, err, _ = call_quietly(process.add_program, parsed)
    if err is None:
        total, err, _ = call_quietly(process.execution_cost, execution)
    if err is None:
        reason = _fee_reason(process, doc, execution.execution_id, int(total[0]), tx)
        if reason:
            return rejected(reason)
        _, err, _ = call_quietly(process.insert_verifying_key, parsed.id, fid, vk)
    if err is None:
        _, err, _ = call_quietly(process.verify_execution, execution)
    if err is not None:
        return rejected(f"snarkVM rejects the transaction's execution: {clean_message(str(err))}")
    inputs = [(i + 1, compact_value(str(x["value"]))) for i, x in enumerate(tr.inputs()) if x.get("type") == "public"]
    outputs = [compact_value(str(x["value"])) for x in tr.outputs() if x.get("type") == "public"]
    bound = trusted.bound_to()
    commitment = _commitment(trusted, program_id)
    if commitment is not None:
        if not outputs or outputs[-1] != commitment:
            return rejected(f"the execution's commitment (its last public output) is "
                            f"{outputs[-1] if outputs else 'no public output'}, not the published {commitment}")
        bound.append(f"the weights committed to by {commitment}")
    return Verdict(True, None, kind, program_id, function, vm.program_checksum(program), int(vk.num_constraints()),
                   inputs, outputs, [], bound, dict(TRANSACTION_NOT_REPORTED))


def verify_split_transactions(doc: dict[str, Any], trusted: Any) -> Any:
    """Verify a split function's transactions (:func:`split_transactions_doc`'s object) against ``trusted``: the
    parts' executions are read as a split proof's parts (the program the file names, the verifying key derived
    from it) and verified by the split proof's policy (:func:`pyleo.trust.verify`: every part, link and shared
    public input; bound to the model's own split, the program or the checksum trusted), and each transaction's fee
    must verify and cover its cost. Returns a :class:`pyleo.trust.Verdict` of kind "split execution
    transactions"; ProofError (:func:`pyleo.trust.verify`'s invalid verdict) when the file is not one."""
    from ..split_proof import SplitProof, declared_params
    from .policy import Verdict, verify

    source = "the split transactions file"
    txs, program, function = doc.get("transactions"), doc.get("program"), doc.get("function")
    budget, origin = doc.get("budget"), doc.get("source_program")
    if not (isinstance(txs, list) and txs and isinstance(program, str) and isinstance(function, str)
            and is_count(budget) and 0 < budget <= MAINNET_BUDGET and isinstance(origin, str)):
        raise ProofError(f"{source} needs 'transactions' (a list), 'program', 'function', 'source_program' and "
                         f"'budget' (a whole number from 1 to {MAINNET_BUDGET:,})")
    kind = "split execution transactions"
    sdk = aleo_sdk()
    parsed, err, _ = call_quietly(sdk.Program.from_source, program)
    if err is not None:
        raise ProofError(f"{source}: its program cannot be read: {clean_message(str(err))}") from None
    process = sdk.Process.load()
    _, err, _ = call_quietly(process.add_program, parsed)
    if err is not None:
        raise ProofError(f"{source}: snarkVM rejects its program: {clean_message(str(err))}") from None
    parts = []
    for k, tx_doc in enumerate(txs):
        if not (isinstance(tx_doc, dict) and tx_doc.get("type") == "execute"):
            return Verdict(False, f"transaction {k} is not an execution transaction", kind)
        tx = _parsed(tx_doc, f"transaction {k}")
        execution = tx.execution()
        transitions = list(execution.transitions())
        if len(transitions) != 1 or str(transitions[0].program_id) != str(parsed.id):
            return Verdict(False, f"transaction {k} does not execute one function of the file's program {parsed.id}", kind)
        name = str(transitions[0].function_name)
        if not parsed.has_function(name):
            return Verdict(False, f"transaction {k} executes `{name}`, not a function of {parsed.id}", kind)
        total, err, _ = call_quietly(process.execution_cost, execution)
        reason = f"snarkVM cannot cost it: {clean_message(str(err))}" if err is not None else \
            _fee_reason(process, tx_doc, execution.execution_id, int(total[0]), tx)
        if reason:
            return Verdict(False, f"transaction {k}: {reason}", kind)
        vk = vm.verifying_key(program, name)
        parts.append(vm.Proof(program, name, execution.to_json(), vk,
                              int(sdk.VerifyingKey.from_string(vk).num_constraints())))
    sp = SplitProof(function, budget, parts, declared_params(program, function, len(parts)), origin)
    verdict = verify(sp, trusted)
    verdict.kind = kind
    verdict.not_reported.update(TRANSACTION_NOT_REPORTED)
    return verdict
