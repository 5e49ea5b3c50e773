"""The ``pyleo`` commands that talk the Aleo network's language: ``deploy`` (a program's deployment, its cost and,
signed, its transaction) and ``execute`` (a proved execution and its fee as one transaction, optionally
broadcast to a node). ``pyleo verify`` reads the transactions they write (:mod:`pyleo.trust.transaction`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from pyleo import limits, loader, network, split, vm
from pyleo.errors import InputError
from pyleo.program import Program
from pyleo.values import to_aleo

from .common import Command, reports_errors

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
    """A spinner on stderr naming the slow stage under way (plain lines when stderr is not a terminal)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not sys.stderr.isatty():
        yield lambda stage: typer.echo(f"{stage}...", err=True)
        return
    with console.status("starting...") as status:
        yield lambda stage: status.update(f"{stage}...")


def one_program(file: Path, name: str | None) -> Program:
    """The program of ``file`` named ``name`` (or its only one); InputError otherwise."""
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


def show_deployment_costs(programs: list[str]) -> None:
    """Synthesize each program's deployment (Aleo instructions texts) and print its limits and cost."""
    for text in programs:
        with spinner() as stage:
            d = network.deploy(text, None, stage)
        show_deployment_cost(d.cost)
    typer.echo("execution cost: storage by the execution's bytes, not its circuit; `pyleo execute` proves one and prints it")


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
            broadcast: bool = BroadcastOpt) -> None:
    """Execute a function signed by your key, prove it and its public fee as one transaction, and print its cost.

    The key is $PRIVATE_KEY, PRIVATE_KEY in ./.env, or --private-key-file (as the Leo CLI reads it).
    """
    from .main import converted_model, model_args, parse_args, reject_unknown_options

    reject_unknown_options(args, "--out, --network, --priority-fee, --private-key-file, --endpoint, --broadcast")
    network.check_network(network_name)
    node = node_for(endpoint, network_name, broadcast)
    loaded = loader.load(model)
    prog, fn_name = loaded.function(target)
    zk = converted_model(loaded, prog, fn_name)
    if zk is not None and zk.output == "commitment":
        raise InputError("a label published as a commitment needs its blinding r kept by the prover: use `pyleo prove`")
    values = model_args(zk, args) if zk is not None else parse_args(prog, fn_name, args or [])
    inputs = [to_aleo(v, p.type) for v, p in zip(values, prog.entry(fn_name).params)]
    key = network.signing_key(private_key_file, network=network_name)
    if key is None:
        raise InputError("no private key to sign the execution and its fee with",
                         hint="set PRIVATE_KEY (environment or ./.env) or pass --private-key-file")
    vm.check_writable(out, what="--out")
    with spinner() as stage:
        result = network.execute_transaction(prog.aleo(), fn_name, inputs, key, priority_fee, node, stage=stage,
                                             network=network_name, imports=prog.import_texts())
    kinds = [o["type"] for o in result.execution.transitions()[-1].outputs()]   # the function's own: the last
    for text, kind in zip(result.outputs, kinds):
        typer.echo(f"output: {text}  ({kind}" + ("" if kind in ("public", "future") else ": the transaction holds it "
                                                   "encrypted") + ")")   # a future's arguments are public
    c = result.cost
    typer.echo(f"execution cost (snarkVM Process.execution_cost): {network.credits(c.total)}: storage "
               f"{network.credits(c.storage)}, finalize {network.credits(c.finalize)}")
    typer.echo(f"proved in {result.seconds:.1f} s")
    write_transaction(out, result.transaction)
    if broadcast and node is not None:
        broadcast_to(node, result.transaction)


def register(app: typer.Typer) -> None:
    """Add ``deploy`` and ``execute`` to the ``pyleo`` command."""
    app.command(cls=Command)(deploy)
    app.command(cls=Command, context_settings={"ignore_unknown_options": True})(execute)
