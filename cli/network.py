"""The ``pyleo`` commands that talk the Aleo network's language: ``deploy`` (a program's deployment, its cost and,
signed, its transaction) and ``execute`` (a proved execution and its fee as one transaction, optionally
broadcast to a node). ``pyleo verify`` reads the transactions they write (:mod:`pyleo.trust.transaction`)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from pyleo import limits, loader, network, progress, proving, split, trust, vm
from pyleo.errors import ExecutionError, InputError
from pyleo.leo_lowering import zero_value
from pyleo.program import Program
from pyleo.split_proof import part_inputs
from pyleo.values import to_aleo

from .common import Command, reports_errors
from .inputs import call_args, load_function, loading, reject_unknown_options

ModelArg = typer.Argument(..., metavar="MODEL", help="Python file defining the pl.Program (a model file written "
                          "by `pyleo import`, or any DSL file).")
NetworkOpt = typer.Option("mainnet", "--network", help="The network: mainnet or testnet (canary: aleo-sdk has no "
                          "module for it).")
PriorityOpt = typer.Option(0, "--priority-fee", min=0, help="Priority fee in microcredits, on top of the cost.")
KeyFileOpt = typer.Option(None, "--private-key-file", help="A file holding the signer's private key (else "
                          "$PRIVATE_KEY, else PRIVATE_KEY in ./.env; never pass a key on the command line).")
BroadcastOpt = typer.Option(False, "--broadcast", help="Also POST the transaction to --endpoint's "
                            "/{network}/transaction/broadcast and print the node's answer.")
EndpointOpt = typer.Option(None, "--endpoint", help="A node's REST API (http://host:port): proofs follow its chain "
                           "head (default: a local stand-in, offline).")


@contextlib.contextmanager
def spinner() -> Iterator[network.transactions.Stage]:
    """A spinner on stderr naming the slow stage under way (:func:`pyleo.progress.stage`; plain lines when stderr is
    not a terminal)."""
    if not progress.shown():
        yield lambda stage: typer.echo(f"{stage}...", err=True)
        return
    with progress.stage("starting...") as say:
        yield lambda stage: say(f"{stage}...")


def one_program(file: Path, name: str | None) -> Program:
    """The program of ``file`` named ``name`` (or its only one); InputError otherwise."""
    with loading(file):
        programs = loader.load(file).programs
    if name is None and len(programs) == 1:
        return next(iter(programs.values()))
    if name is None:
        raise InputError(f"{file} defines several programs ({', '.join(programs)}): name one with --program")
    if name.removesuffix(".aleo") not in programs:
        raise InputError(f"{file} has no program {name!r}; it has {', '.join(programs)}")
    return programs[name.removesuffix(".aleo")]


def warn_name(program_id: str) -> None:
    """Warn on stderr when a program name adds a namespace fee to its deployment."""
    warning = limits.namespace_warning(program_id)
    if warning:
        typer.echo(f"warning: {warning}", err=True)


def show_deployment_cost(cost: network.DeploymentCost) -> None:
    typer.echo(f"{cost.program_id}: {len(cost.functions)} function(s), {cost.program_bytes:,} program bytes "
               f"(at most {limits.MAX_PROGRAM_BYTES:,})")
    for f in cost.functions:
        typer.echo(f"  {f.name}: {f.constraints:,} constraints, {f.variables:,} variables")
    typer.echo(f"  deployment: {sum(f.constraints for f in cost.functions):,} constraints (at most "
               f"{limits.MAINNET_BUDGET:,}), {sum(f.variables for f in cost.functions):,} variables (at most "
               f"{limits.MAX_DEPLOYMENT_VARIABLES:,}): within the network's limits")
    typer.echo(f"deployment cost (snarkVM Process.deployment_cost): {network.credits(cost.total)}")
    typer.echo(f"  storage, synthesis and constructor: {network.credits(cost.other)} (aleo-sdk gives their sum)")
    typer.echo(f"  namespace:                          {network.credits(cost.namespace)}")


def calls_of(prog: Program, split_function: str | None = None) -> list[tuple[str, list[str]]]:
    """Each function the program (or the split program of ``split_function``) deploys, with inputs of its types
    (zeros; a split part: what the source function's zeros give it): an execution's cost depends on the types only."""
    def zeros(fn_name: str) -> list[Any]:
        return [zero_value(p.type) for p in prog.entry(fn_name).params]

    if split_function is None:
        return [(f.name, [to_aleo(v, p.type) for v, p in zip(zeros(f.name), prog.entry(f.name).params)])
                for f in prog.module.entries]
    plan = prog.split_plan(split_function)
    args = part_inputs(plan, prog.inputs(split_function, zeros(split_function)), 0)
    return [(part.name, a) for part, a in zip(plan.parts, args)]


def show_execution_costs(text: str, calls: list[tuple[str, list[str]]], imports: tuple[str, ...] = ()) -> None:
    """Each function's execution cost (:func:`pyleo.network.execution_cost`, snarkVM's, without proving)."""
    for name, inputs in calls:
        try:
            c = network.execution_cost(text, name, inputs, imports=imports)
        except ExecutionError as e:
            typer.echo(f"execution cost of {name}: not computed: it halts on inputs of zeros ({e.message})")
            continue
        except InputError as e:
            typer.echo(f"execution cost of {name}: not computed here: {e.message}")
            continue
        typer.echo(f"execution cost of {name} (snarkVM Process.execution_cost): {network.credits(c.total)} "
                   f"(storage {c.storage:,}, finalize {c.finalize:,}; any inputs of these types)")


def show_deployment_costs(programs: list[Program]) -> None:
    """Synthesize each program's deployment and print its limits and cost, and each function's execution cost."""
    for prog in programs:
        text = prog.aleo()
        with spinner() as stage:
            d = network.deploy(text, None, stage, imports=prog.import_texts())
        show_deployment_cost(d.cost)
        show_execution_costs(text, calls_of(prog), prog.import_texts())


def write_transaction(out: Path, tx: Any) -> None:
    vm.write_atomic(out, (network.transaction_json(tx) + "\n").encode())
    typer.echo(f"wrote {out}: transaction {tx.id} ({len(bytes(tx.bytes())):,} bytes, fee "
               f"{network.credits(int(tx.fee_amount))})")


def node_for(endpoint: str | None, network_name: str, broadcast: bool) -> network.Node | None:
    """The node of --endpoint (None: offline); InputError for --broadcast without one."""
    if broadcast and not endpoint:
        raise InputError("--broadcast needs --endpoint, the node to send the transaction to")
    return network.Node(endpoint, network_name) if endpoint else None


def broadcast_to(node: network.Node, tx: Any) -> None:
    answer = node.broadcast(network.transaction_json(tx))
    typer.echo(f"broadcast to {node.endpoint}: the node answered {answer}")


@reports_errors
def deploy(model: Path = ModelArg,
           program: str | None = typer.Option(None, "--program", help="The program to deploy when MODEL defines several."),
           split_function: str | None = typer.Option(None, "--split", metavar="FUNCTION", help="Deploy the split "
                                                     "program of FUNCTION (its parts each prove here; what `pyleo "
                                                     "prove --split` proves) instead of the program."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Only check the limits and print the cost; write nothing."),
           network_name: str = NetworkOpt, priority_fee: int = PriorityOpt,
           out: Path | None = typer.Option(None, "--out", "-o", help="The signed deployment transaction (JSON as the "
                                           "network takes it; default PROGRAM.deploy.tx.json)."),
           private_key_file: Path | None = KeyFileOpt, endpoint: str | None = EndpointOpt,
           broadcast: bool = BroadcastOpt) -> None:
    """Synthesize a program's deployment, check the network's limits, print its cost in credits and, signed,
    write the deployment transaction with its public fee.

    Without a private key, or with --dry-run, only the cost is printed and nothing is written.
    """
    network.check_network(network_name)
    prog = one_program(model, program)
    text = prog.split_plan(split_function).text if split_function else prog.aleo()
    name = split.split_program_name(prog.name, split_function) if split_function else prog.name
    warn_name(name)
    node = node_for(endpoint, network_name, broadcast)
    key = None if dry_run else network.signing_key(private_key_file, network=network_name)
    if broadcast and key is None:
        raise InputError("--broadcast needs a signed transaction: no private key ($PRIVATE_KEY, ./.env or "
                         "--private-key-file)" + (" and not --dry-run" if dry_run else ""))
    path = out or Path(f"{name}.deploy.tx.json")
    if key is not None:
        vm.check_writable(path, what="--out")
    with spinner() as stage:
        head = network.chain_head(node) if key is not None else None   # a dead node fails before the synthesis
        d = network.deploy(text, key, stage, network_name, () if split_function else prog.import_texts())
        show_deployment_cost(d.cost)
        show_execution_costs(text, calls_of(prog, split_function), () if split_function else prog.import_texts())
        typer.echo(f"synthesized in {d.seconds:.1f} s")
        if key is None:
            typer.echo("nothing written: " + ("--dry-run" if dry_run else "no private key ($PRIVATE_KEY, ./.env or "
                                              "--private-key-file) to sign the transaction with"))
            return
        assert head is not None
        tx = network.deployment_transaction(d, key, priority_fee, head, stage)
    write_transaction(path, tx)
    if broadcast and node is not None:
        broadcast_to(node, tx)


@reports_errors
def execute(model: Path = ModelArg,
            target: str = typer.Argument(..., metavar="FUNCTION", help="FUNCTION (or PROGRAM.FUNCTION)."),
            args: list[str] | None = typer.Argument(None, metavar="ARGS", help="Inputs, as for `pyleo prove` (a "
                                                    "converted model's predict: the raw features as a JSON list)."),
            out: Path = typer.Option(..., "--out", "-o", help="The signed transaction (JSON as the network takes it)."),
            network_name: str = NetworkOpt, priority_fee: int = PriorityOpt,
            private_key_file: Path | None = KeyFileOpt, endpoint: str | None = EndpointOpt,
            broadcast: bool = BroadcastOpt,
            split_mode: bool | None = typer.Option(None, "--split/--no-split", help="Execute the function split into "
                                                   "parts, one transaction per part (default: only when the cost model "
                                                   "says it does not fit one circuit here)."),
            parts: int | None = typer.Option(None, "--parts", min=1, help="Split into exactly this many parts "
                                             "(implies --split)."),
            rows: Path | None = typer.Option(None, "--rows", help="A converted model's rows (.csv or .npy of raw "
                                             "feature values) predicted in one transaction of its batch program "
                                             "(what `pyleo prove-batch -k` proves), instead of ARGS."),
            rows_per_proof: str | None = typer.Option(None, "--rows-per-proof", "-k", help="With --rows: the batch "
                                                      "program's rows per proof, k or 'auto' (default: the number of "
                                                      "rows; at least that many).")) -> None:
    """Execute a function signed by your key, prove it and its public fee as one transaction, and print its cost.

    A function too large for one circuit here is executed split: one transaction per part (each with its fee),
    written together to --out, broadcast one by one. The key is $PRIVATE_KEY, PRIVATE_KEY in ./.env, or
    --private-key-file (as the Leo CLI reads it).
    """
    reject_unknown_options(args, "--out, --network, --priority-fee, --private-key-file, --endpoint, --broadcast, "
                           "--split/--no-split, --parts, --rows, --rows-per-proof")
    network.check_network(network_name)
    node = node_for(endpoint, network_name, broadcast)
    prog, fn_name, zk = load_function(model, target)
    if zk is not None and zk.output == "commitment":
        raise InputError("a label published as a commitment needs its blinding r kept by the prover: use `pyleo prove`")
    if rows is not None:
        prog, fn_name, values = batch_call(zk, args, rows, rows_per_proof)
    elif rows_per_proof is not None:
        raise InputError("--rows-per-proof needs --rows, the rows to predict")
    else:
        values = call_args(zk, prog, fn_name, args)
    inputs = [to_aleo(v, p.type) for v, p in zip(values, prog.entry(fn_name).params)]
    key = network.signing_key(private_key_file, network=network_name)
    if key is None:
        raise InputError("no private key to sign the execution and its fee with",
                         hint="set PRIVATE_KEY (environment or ./.env) or pass --private-key-file")
    vm.check_writable(out, what="--out")
    how = proving.mode(split_mode, parts)
    if how == "split" or how == "fitting" and not prog.fits_here(fn_name):
        plan = prog.split_plan(fn_name, parts=parts)
        with spinner() as stage:
            results = network.execute_split(plan, values, key, priority_fee, node, stage, network_name)
        show_outputs(results[-1])
        for k, r in enumerate(results):
            typer.echo(f"part {k} ({plan.parts[k].name}): transaction {r.transaction.id}, execution cost "
                       f"{network.credits(r.cost.total)}")
        typer.echo(f"execution cost of all {len(results)} parts: {network.credits(sum(r.cost.total for r in results))}")
        typer.echo(f"proved in {sum(r.seconds for r in results):.1f} s")
        doc = trust.split_transactions_doc(plan, [r.transaction for r in results])
        vm.write_atomic(out, (json.dumps(doc, indent=1) + "\n").encode())
        typer.echo(f"wrote {out}: {len(results)} transactions (one per part of {plan.text.split(';')[0].split()[-1]}, "
                   "each broadcast on its own)")
        for r in results if broadcast and node is not None else []:
            broadcast_to(node, r.transaction)
        return
    with spinner() as stage:
        result = network.execute_transaction(prog.aleo(), fn_name, inputs, key, priority_fee, node, stage=stage,
                                             network=network_name, imports=prog.import_texts())
    show_outputs(result)
    c = result.cost
    typer.echo(f"execution cost (snarkVM Process.execution_cost): {network.credits(c.total)}: storage "
               f"{network.credits(c.storage)}, finalize {network.credits(c.finalize)}")
    typer.echo(f"proved in {result.seconds:.1f} s")
    write_transaction(out, result.transaction)
    if broadcast and node is not None:
        broadcast_to(node, result.transaction)


def batch_call(zk: Any, args: list[str] | None, rows: Path, rows_per_proof: str | None) -> tuple[Program, str, list[Any]]:
    """The batch program of the converted model ``zk``, its entry and its arguments, for predicting every row of
    ``rows`` in one execution (``rows_per_proof`` of them per proof: ``"auto"``, k, or None for as many as there
    are rows); InputError when ``zk`` is None (not a converted model's predict), ARGS are given too, or the rows
    need more than one proof."""
    from stdlib_ml import convert
    from stdlib_ml.convert import prove_rows

    if zk is None:
        raise InputError("--rows predicts the rows of a converted model (`pyleo import`): FUNCTION must be its predict")
    if args:
        raise InputError("give the rows with --rows or one sample as ARGS, not both")
    X = convert.load_rows(rows, names=zk.feature_names)
    asked = len(X) if rows_per_proof is None else rows_per_proof if rows_per_proof == "auto" else _positive(rows_per_proof)
    k = asked if isinstance(asked, int) and len(X) > asked else prove_rows.rows_per_proof_for(zk, asked)
    if len(X) > k:
        raise InputError(f"{rows} has {len(X)} rows; one transaction of {k} rows per proof proves at most {k}",
                         hint="give at most that many rows per transaction, or prove them all with `pyleo prove-batch`")
    return prove_rows.batch_call(zk, k, 0, len(X), [list(map(float, x)) for x in X])


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"--rows-per-proof takes a positive number or 'auto', got {text!r}")
    return int(text)


def show_outputs(result: network.ExecutionResult) -> None:
    """Each output of an execution's (last) transition, private ones for the prover only."""
    kinds = [o["type"] for o in result.execution.transitions()[-1].outputs()]   # the function's own: the last
    for text, kind in zip(result.outputs, kinds):
        typer.echo(f"output: {text}  ({kind}" + ("" if kind in ("public", "future") else ": the transaction holds it "
                                                   "encrypted") + ")")   # a future's arguments are public


def register(app: typer.Typer) -> None:
    """Add ``deploy`` and ``execute`` to the ``pyleo`` command."""
    app.command(cls=Command)(deploy)
    app.command(cls=Command, context_settings={"ignore_unknown_options": True})(execute)
