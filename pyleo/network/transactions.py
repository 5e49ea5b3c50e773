"""Deployments and executions as the Aleo network takes them: synthesized, checked against the network's
limits (:mod:`pyleo.limits`), costed by snarkVM (``Process.deployment_cost`` / ``execution_cost``), paid for by
a public fee (``credits.aleo/fee_public``) and signed into one transaction (``Transaction.from_deployment`` /
``from_execution``), JSON as a node's ``/transaction/broadcast`` takes it.

Proving needs the chain head (block height and global state root): a node's (:class:`~pyleo.network.node.Node`)
or, offline, the local stand-in (:mod:`pyleo.vm.ledger`). Keys come from the key cache (:mod:`pyleo.vm.keys`),
the fee circuit's (``credits.aleo/fee_public``) included, so only the first deployment or execution of a
program synthesizes them.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..errors import InputError, LimitError, VMError
from ..vm import vk_circuit_info
from ..files import write_atomic
from ..vm import keys
from ..vm.keys import LOCK, LoadedProgram, execute, load_program, program_digest
from ..vm.ledger import state_url
from ..vm.sdk import SDK_NETWORKS, aleo_sdk, call_quietly, clean_message, compact_value, snarkvm_failure
from .node import Node

NETWORKS = ("mainnet", "testnet", "canary")
"""The networks a node may serve (the Leo CLI's ``--network``)."""
SUPPORTED_NETWORKS = SDK_NETWORKS
"""The networks pyleo signs and proves for: those aleo-sdk has a module for (keys differ per network; the key
cache keeps them apart)."""

Stage = Callable[[str], None]
"""Told the name of each slow stage as it starts (a progress spinner)."""


def check_network(network: str) -> None:
    """InputError unless pyleo can make transactions for ``network``."""
    if network not in NETWORKS:
        raise InputError(f"--network must be one of {', '.join(NETWORKS)}, got {network!r}")
    if network not in SUPPORTED_NETWORKS:
        raise InputError(f"pyleo makes transactions for {', '.join(SUPPORTED_NETWORKS)} only, not {network}: "
                         f"aleo-sdk has no {network} module")


def credits(microcredits: int) -> str:
    """``microcredits`` as credits and microcredits: ``2.036038 credits (2,036,038 microcredits)``."""
    return f"{microcredits / limits.MICROCREDITS_PER_CREDIT:,.6f} credits ({microcredits:,} microcredits)"


def _limit(name: str) -> str:
    return f"{name}, {limits.SINCE[name]}"


# ------------------------------------------------------------------------------------------------
# Limits a deployment must fit


@dataclass
class FunctionSize:
    """One function's circuit as its verifying key records it."""

    name: str
    constraints: int
    variables: int


def program_name_problems(program_id: str) -> list[str]:
    """Why the network refuses a program name (empty: none)."""
    name = program_id.removesuffix(".aleo")
    problems = []
    if len(name.encode()) > limits.MAX_IDENTIFIER_LENGTH:
        problems.append(f"the program name `{name}` is {len(name.encode())} bytes; identifiers are at most "
                        f"{limits.MAX_IDENTIFIER_LENGTH} ({_limit('MAX_IDENTIFIER_LENGTH')})")
    return problems


def check_deployment_limits(text: str, program_id: str, sizes: list[FunctionSize]) -> None:
    """LimitError naming the first network limit the program ``text`` exceeds, and the consensus version it
    comes from: program bytes, functions, the deployment's constraints and variables, the program name."""
    problems = program_name_problems(program_id)
    size = len(text.encode())
    if size > limits.MAX_PROGRAM_BYTES:
        problems.append(f"the program is {size:,} bytes; the network takes at most {limits.MAX_PROGRAM_BYTES:,} "
                        f"({_limit('MAX_PROGRAM_BYTES')})")
    if len(sizes) > limits.MAX_FUNCTIONS:
        problems.append(f"the program has {len(sizes)} functions; the network takes at most {limits.MAX_FUNCTIONS} "
                        f"({_limit('MAX_FUNCTIONS')})")
    constraints = sum(s.constraints for s in sizes)
    variables = sum(s.variables for s in sizes)
    if constraints > limits.MAINNET_BUDGET:
        problems.append(f"its functions have {constraints:,} constraints together; a deployment takes at most "
                        f"{limits.MAINNET_BUDGET:,} ({_limit('MAINNET_BUDGET')})")
    if variables > limits.MAX_DEPLOYMENT_VARIABLES:
        problems.append(f"its functions have {variables:,} variables together; a deployment takes at most "
                        f"{limits.MAX_DEPLOYMENT_VARIABLES:,} ({_limit('MAX_DEPLOYMENT_VARIABLES')})")
    if problems:
        raise LimitError(f"{program_id} cannot be deployed: " + "; ".join(problems),
                         hint="split the model across programs, or make it smaller")


def check_transaction_limits(tx: Any) -> None:
    """LimitError when a transaction is larger than the network takes (bytes, transitions)."""
    size = len(bytes(tx.bytes()))
    if size > limits.MAX_TRANSACTION_BYTES:
        raise LimitError(f"the transaction is {size:,} bytes; the network takes at most "
                         f"{limits.MAX_TRANSACTION_BYTES:,} ({_limit('MAX_TRANSACTION_BYTES')})")
    n = len(tx.transitions())
    if n > limits.MAX_TRANSITIONS:
        raise LimitError(f"the transaction has {n} transitions (the fee's included); the network takes at most "
                         f"{limits.MAX_TRANSITIONS} ({_limit('MAX_TRANSITIONS')})")


# ------------------------------------------------------------------------------------------------
# The fee circuit's keys, in the key cache beside the programs'


FEE_FUNCTION = "fee_public"


def _fee_keys(lp: LoadedProgram) -> LoadedProgram:
    """credits.aleo as a program of ``lp``'s process, for caching its ``fee_public`` keys next to the others."""
    credits_program = lp.sdk.Program.credits()
    text = str(credits_program.source)
    return LoadedProgram(text, program_digest(text, lp.network), lp.process, credits_program, "credits.aleo",
                         [FEE_FUNCTION], network=lp.network)


# ------------------------------------------------------------------------------------------------
# Deployments


@dataclass
class DeploymentCost:
    """What deploying a program costs, in microcredits, as snarkVM computes it (``Process.deployment_cost``).

    ``total`` is snarkVM's; ``namespace`` the fee of the program's name (:func:`pyleo.limits.namespace_fee`: 1 credit
    from 10 characters, 10^(10 - length) credits below); ``other`` the rest: storage (1,000 microcredits per byte), synthesis
    (by circuit size) and the constructor's (pyleo's programs have a one-command constructor), which aleo-sdk
    reports only as part of the total. ``functions``: each function's circuit; ``program_bytes``: the program
    text's size."""

    program_id: str
    total: int
    namespace: int
    other: int
    functions: list[FunctionSize] = field(default_factory=list)
    program_bytes: int = 0


@dataclass
class Deployment:
    """A synthesized deployment (aleo-sdk's ``Deployment`` in ``deployment``), its cost, and the process that
    made it (for the fee)."""

    program: LoadedProgram
    deployment: Any
    cost: DeploymentCost
    seconds: float


def deploy(text: str, owner: Any = None, stage: Stage | None = None, network: str = "mainnet",
           imports: tuple[str, ...] = ()) -> Deployment:
    """Synthesize the deployment of the program ``text`` (every function's keys; kept in the key cache, so a
    program is synthesized once), check it against the network's limits (LimitError naming the limit) and cost it.

    ``owner``: the deployer's ``PrivateKey`` of ``network``'s aleo-sdk module (None: a throwaway key; the cost
    does not depend on it). ``imports``: the texts of the programs it imports (deployed before it), each after its
    own imports (``pl.Program.import_texts``).
    VMError when snarkVM cannot synthesize it, ParamsError when the parameters are missing."""
    tell = stage or (lambda _s: None)
    start = time.perf_counter()
    with LOCK:
        lp = load_program(text, network, imports)
        bad_name = program_name_problems(lp.program_id)
        if bad_name:   # before the slow synthesis
            raise LimitError(f"{lp.program_id} cannot be deployed: {bad_name[0]}")
        tell("synthesizing the deployment (every function's keys; ~45 s per program here)")
        dep = _deployment(lp, (owner or lp.sdk.PrivateKey.random()).address)
        sizes = []
        for f, (vk, _certificate) in json.loads(dep.to_json())["verifying_keys"]:
            info = vk_circuit_info(lp.sdk.VerifyingKey.from_string(vk))
            sizes.append(FunctionSize(f, info["constraints"], info["variables"]))
        check_deployment_limits(text, lp.program_id, sizes)
        total = int(lp.process.deployment_cost(dep))
    namespace = limits.namespace_fee(lp.program_id)
    cost = DeploymentCost(lp.program_id, total, namespace, total - namespace, sizes, len(text.encode()))
    return Deployment(lp, dep, cost, time.perf_counter() - start)


DEPLOYMENT_FILE = "deployment.json"
"""The key cache's copy of a program's deployment (snarkVM's JSON), beside its keys."""


def _deployment(lp: LoadedProgram, owner: Any) -> Any:
    """snarkVM's deployment of ``lp`` owned by ``owner``: from the key cache when there (a deployment is the
    program, its verifying keys and their certificates, and the owner's address: only the address is replaced),
    else synthesized (:func:`pyleo.vm.keys.deploy`) and cached."""
    sdk = lp.sdk
    path = lp.dir / DEPLOYMENT_FILE
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        doc = None
    if isinstance(doc, dict) and doc.get("program") == lp.text:
        doc["program_owner"] = str(owner)
        dep, err, _ = call_quietly(sdk.Deployment.from_json, json.dumps(doc))
        if err is None:
            return dep
    try:
        dep = keys.deploy(lp, owner)
    except LimitError as e:   # a circuit over the local parameters: the network takes it, this machine cannot synthesize it
        raise LimitError(e.message, e.loc, "deploy its split program instead (`pyleo deploy MODEL --split FUNCTION`: "
                         "parts that each prove here), or deploy from a machine that can download snarkVM's larger "
                         "parameters") from None
    with contextlib.suppress(OSError):
        write_atomic(path, dep.to_json().encode())
    return dep


# ------------------------------------------------------------------------------------------------
# The chain head proofs are made against


@dataclass(frozen=True)
class ChainHead:
    """Where ``Trace.prepare`` asks for the ledger's state (``url``), and the block height the proofs follow
    the consensus rules of (None: the newest)."""

    url: str
    height: int | None
    what: str


def chain_head(node: Node | None) -> ChainHead:
    """The node's chain head (its height and state root are read first, so that a node that does not answer
    fails within seconds, NodeError), or the local stand-in's."""
    if node is None:
        return ChainHead(state_url(), None, "the local ledger stand-in")
    height = node.height()
    node.state_root()
    return ChainHead(node.endpoint.rstrip("/"), height, f"{node.endpoint} at height {height:,}")


# ------------------------------------------------------------------------------------------------
# Fees


def prove_fee(lp: LoadedProgram, private_key: Any, base_fee: int, priority_fee: int, paid_for: Any,
              head: ChainHead, stage: Stage | None = None) -> Any:
    """A proved public fee (``credits.aleo/fee_public``) of ``base_fee`` + ``priority_fee`` microcredits paid by
    ``private_key``'s account for the deployment or execution ID ``paid_for``; aleo-sdk's ``Fee``.

    The fee circuit's keys come from the key cache (synthesized once, ~30 s here). InputError for negative
    amounts; VMError when snarkVM fails."""
    if base_fee < 0 or priority_fee < 0:
        raise InputError(f"fees are whole microcredits, not negative (base {base_fee}, priority {priority_fee})")
    tell = stage or (lambda _s: None)
    sdk = lp.sdk
    fee_lp = _fee_keys(lp)
    with LOCK:
        auth, err, _ = call_quietly(lp.process.authorize_fee_public, private_key, base_fee, priority_fee, paid_for)
        if err is not None:
            raise InputError(f"snarkVM refused the fee: {clean_message(str(err))}") from None
        fid = sdk.Identifier.from_string(FEE_FUNCTION)
        cached = keys.load_keys(fee_lp, FEE_FUNCTION, fid)
        tell("executing the fee" + ("" if cached else " (synthesizing credits.aleo/fee_public's keys, once)"))
        out, err, captured = call_quietly(lp.process.execute, auth)
        if err is not None:
            raise snarkvm_failure(str(err), captured, "execute", "credits.aleo/fee_public") from None
        if not cached:
            keys.save_keys(fee_lp, FEE_FUNCTION, fid)
        _, trace = out
        tell(f"proving the fee against {head.what}")
        _, err, _ = call_quietly(trace.prepare, sdk.Query.rest(head.url))
        if err is None:
            fee, err, _ = call_quietly(trace.prove_fee, head.height)
        if err is not None:
            raise VMError(f"snarkVM failed to prove the fee: {clean_message(str(err))}") from None
    return fee


def deployment_transaction(d: Deployment, private_key: Any, priority_fee: int, head: ChainHead,
                           stage: Stage | None = None) -> Any:
    """The signed deployment transaction of ``d``, paying its cost plus ``priority_fee`` publicly from
    ``private_key``'s account (aleo-sdk's ``Transaction``); LimitError when larger than the network takes."""
    fee = prove_fee(d.program, private_key, d.cost.total, priority_fee, d.deployment.deployment_id(), head, stage)
    tx = d.program.sdk.Transaction.from_deployment(private_key, d.deployment, fee)
    check_transaction_limits(tx)
    return tx


# ------------------------------------------------------------------------------------------------
# Executions


@dataclass
class ExecutionCost:
    """What publishing an execution costs, in microcredits, as snarkVM computes it (``Process.execution_cost``):
    storage (by the execution's bytes) and finalize (on-chain work); it does not grow with the circuit."""

    total: int
    storage: int
    finalize: int


@dataclass
class ExecutionResult:
    """A proved execution signed into a transaction (``transaction``, aleo-sdk's ``Transaction``; ``execution``
    its ``Execution``), its outputs in clear (for the prover), its cost and the seconds it took."""

    transaction: Any
    execution: Any
    outputs: list[str]
    cost: ExecutionCost
    seconds: float


_one_transition_proof: dict[str, tuple[str, str]] = {}
"""Per network: (a Varuna proof of one transition, its global state root), from :func:`execution_cost`."""


ONE_TRANSITION_FILE = "one_transition.json"
"""The key cache's copy of the stand-in program's proved execution (public: one boolean, ``true``), beside its keys."""


def _proof_of_one_transition(network: str) -> tuple[str, str]:
    """A proof of one transition and the state root it was made against: the stand-in program's
    (:data:`pyleo.vm.keys.STAND_IN_PROGRAM`, a one-boolean circuit), proved against the local ledger stand-in once
    (its keys synthesized the first time, a few seconds; ~6 s with them) and then read from the key cache."""
    if network not in _one_transition_proof:
        with LOCK:
            lp = load_program(keys.STAND_IN_PROGRAM, network)
            path = lp.dir / ONE_TRANSITION_FILE
            try:
                doc = json.loads(path.read_text())
                _, err, _ = call_quietly(lp.sdk.Execution.from_json, json.dumps(doc))
            except (OSError, ValueError):
                err = doc = None
            if not isinstance(doc, dict) or err is not None:
                _, trace, _ = execute(lp, "f", ["true"], {})
                _, err, _ = call_quietly(trace.prepare, lp.sdk.Query.rest(state_url()))
                if err is None:
                    execution, err, _ = call_quietly(trace.prove_execution, f"{lp.program_id}/f", None)
                if err is not None:
                    raise VMError(f"snarkVM failed to prove the stand-in execution: {clean_message(str(err))}") from None
                doc = json.loads(execution.to_json())
                with contextlib.suppress(OSError):
                    write_atomic(path, json.dumps(doc).encode())
        _one_transition_proof[network] = (doc["proof"], doc["global_state_root"])
    return _one_transition_proof[network]


def execution_cost(text: str, function: str, inputs: list[str], network: str = "mainnet",
                   imports: tuple[str, ...] = ()) -> ExecutionCost:
    """What an execution of ``function`` of the program ``text`` on ``inputs`` (Aleo literals) costs, in
    microcredits, as snarkVM computes it (``Process.execution_cost``), without the function's keys or a proof of
    it: the execution is authorized (signed by a throwaway key) and built unproven
    (``Execution.from_authorization_unproven``), and a proof of one transition is put in its place (that of the
    stand-in program, :func:`_proof_of_one_transition`). A Varuna proof's size depends on how many circuits and
    instances it proves, not on their size, so the execution has the bytes of the proved one and snarkVM gives its
    cost (equal to a proved transaction's: tests/test_network.py). The cost depends on the inputs' types only
    (private ones are ciphertexts of a fixed size), not their values.

    ``imports``: the texts of the programs ``text`` imports (as :func:`deploy`). ExecutionError when the function
    halts on ``inputs``, InputError for malformed ones or a function that calls others (several transitions: one
    proof of several circuits, costed by proving it, :func:`execute_transaction`), VMError when snarkVM fails."""
    proof, root = _proof_of_one_transition(network)
    with LOCK:
        lp = load_program(text, network, imports)
        fid = keys.function_id(lp, function)
        values = keys.parse_inputs(inputs, lp.sdk)
        auth, err, _ = call_quietly(lp.process.authorize, keys.signer() if network == "mainnet" else
                                    lp.sdk.PrivateKey.random(), lp.program.id, fid, values)
        if err is not None:
            raise keys.authorize_failure(err) from None
        unproven, err, _ = call_quietly(lp.sdk.Execution.from_authorization_unproven, auth, root)
        if err is None and len(unproven.transitions()) != 1:
            raise InputError(f"`{function}` calls other programs' functions: its execution has "
                             f"{len(unproven.transitions())} transitions in one proof, costed only by proving it "
                             "(`pyleo execute` prints its cost)")
        if err is None:
            doc = {**json.loads(unproven.to_json()), "proof": proof}
            execution, err, _ = call_quietly(lp.sdk.Execution.from_json, json.dumps(doc))
        if err is None:
            costed, err, _ = call_quietly(lp.process.execution_cost, execution)
        if err is not None:
            raise VMError(f"snarkVM could not cost an execution of `{function}`: {clean_message(str(err))}") from None
    total, (storage, finalize) = costed
    return ExecutionCost(int(total), int(storage), int(finalize))


def execute_transaction(text: str, function: str, inputs: list[str], private_key: Any, priority_fee: int = 0,
                        node: Node | None = None, base_fee: int | None = None, stage: Stage | None = None,
                        network: str = "mainnet", imports: tuple[str, ...] = ()) -> ExecutionResult:
    """Execute ``function`` of the program ``text`` on ``inputs`` (Aleo literals) signed by ``private_key``,
    prove it for ``network`` (``private_key`` of its aleo-sdk module) against ``node``'s chain head (None: the
    local stand-in), and pay its cost (or ``base_fee``, which
    must cover it: InputError otherwise) plus ``priority_fee`` with a public fee: one transaction. ``imports``: the
    texts of the programs ``text`` imports (as :func:`deploy`); the functions it calls are transitions of the same
    execution, proved in its one batch proof.

    Errors as :func:`pyleo.vm.prove` (InputError, ExecutionError, ParamsError, LimitError, VMError), NodeError
    when the node does not answer."""
    tell = stage or (lambda _s: None)
    start = time.perf_counter()
    head = chain_head(node)
    with LOCK:
        lp = load_program(text, network, imports)
        tell(f"executing {lp.program_id}/{function} (its keys are synthesized on first use, then cached)")
        timings: dict[str, float] = {}
        response, trace, _ = execute(lp, function, inputs, timings, private_key=private_key)
        tell(f"proving {lp.program_id}/{function} against {head.what}")
        sdk = lp.sdk
        _, err, _ = call_quietly(trace.prepare, sdk.Query.rest(head.url))
        if err is None:
            execution, err, _ = call_quietly(trace.prove_execution, f"{lp.program_id}/{function}", head.height)
        if err is not None:
            raise VMError(f"snarkVM failed to prove `{function}`: {clean_message(str(err))}") from None
        total, (storage, finalize) = lp.process.execution_cost(execution, head.height)
        cost = ExecutionCost(int(total), int(storage), int(finalize))
        paid = cost.total if base_fee is None else base_fee
        if paid < cost.total:
            raise InputError(f"a base fee of {credits(paid)} is below the execution's cost, {credits(cost.total)}: "
                             "the network would reject the transaction")
        fee = prove_fee(lp, private_key, paid, priority_fee, execution.execution_id, head, stage)
        tx = sdk.Transaction.from_execution(execution, fee)
    check_transaction_limits(tx)
    return ExecutionResult(tx, execution, [compact_value(str(v)) for v in response.outputs], cost,
                           time.perf_counter() - start)


def execute_split(plan: Any, inputs: list[Any], private_key: Any, priority_fee: int = 0, node: Node | None = None,
                  stage: Stage | None = None, network: str = "mainnet") -> list[ExecutionResult]:
    """Execute a split function (``plan``, a :class:`pyleo.split.Plan`) on canonical ``inputs`` (one per input of
    the source function) as one transaction per part, each with its public fee (:func:`execute_transaction`),
    linked like a split proof's parts (:func:`pyleo.split_proof.part_inputs`, a fresh blinding value).

    One transaction per part, not one execution of all the parts: a function cannot call another function of its
    own program, and the parts take their incoming links as inputs the prover computes. Errors as
    :func:`execute_transaction`; ExecutionError when the function halts on ``inputs``."""
    from ..split_proof import fresh_blinding, part_inputs

    args = part_inputs(plan, inputs, fresh_blinding())
    return [execute_transaction(plan.text, part.name, a, private_key, priority_fee, node, stage=stage, network=network)
            for part, a in zip(plan.parts, args)]


def transaction_json(tx: Any) -> str:
    """A transaction as the network takes it: snarkVM's JSON (what ``/transaction/broadcast`` is posted)."""
    return str(tx.to_json())


def parse_transaction_json(raw: str | bytes, source: str) -> tuple[Any, dict[str, Any]]:
    """aleo-sdk's ``Transaction`` of a transaction's JSON, and the JSON object; InputError when it is not one."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise InputError(f"{source} is not a transaction (not JSON)") from None
    if not (isinstance(doc, dict) and doc.get("type") in ("execute", "deploy", "fee") and "id" in doc):
        raise InputError(f"{source} is not an Aleo transaction (JSON with type execute or deploy, and an id)")
    tx, err, _ = call_quietly(aleo_sdk().Transaction.from_json, json.dumps(doc))
    if err is not None:
        raise InputError(f"{source} is not a transaction snarkVM can read: {clean_message(str(err))}") from None
    return tx, doc


def fee_of(doc: dict[str, Any], source: str) -> Any:
    """aleo-sdk's ``Fee`` of a transaction's JSON object; InputError when it has none."""
    if not isinstance(doc.get("fee"), dict):
        raise InputError(f"{source} has no fee: the network takes no transaction without one")
    fee, err, _ = call_quietly(aleo_sdk().Fee.from_json, json.dumps(doc["fee"]))
    if err is not None:
        raise InputError(f"{source}: its fee is not one snarkVM can read: {clean_message(str(err))}") from None
    return fee
