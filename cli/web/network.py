"""The web app's part of the Aleo network (issue 23): a model's costs in credits and a prediction as an
execution transaction. Both run in the app's slow worker pool (:mod:`pyleo_cli.web.workers`): the deployment
is synthesized, the transaction proved.

The transaction is signed with the key of whoever runs the server (``PRIVATE_KEY`` in its environment or in
``./.env``, as ``pyleo execute`` reads it): a visitor's key never travels to a server, and without one the
page says so."""

from __future__ import annotations

from typing import Any

from pyleo import network
from pyleo.errors import InputError
from pyleo.leo_lowering import zero_value
from pyleo.values import to_aleo


def network_costs(model_path: str) -> dict[str, Any]:
    """In a worker: the model's deployment cost (``Process.deployment_cost``: its deployment synthesized, once
    per program in the key cache) and its ``predict``'s execution cost (``Process.execution_cost``, without
    proving: :func:`pyleo.network.execution_cost`), in microcredits, with its program bytes."""
    from stdlib_ml.convert import load

    zk = load(model_path)
    text = zk.program.aleo()
    d = network.deploy(text)
    params = zk.program.entry("predict").params
    execution = network.execution_cost(text, "predict", [to_aleo(zero_value(p.type), p.type) for p in params])
    return {"program_id": d.cost.program_id, "program_bytes": d.cost.program_bytes,
            "deployment": d.cost.total, "namespace": d.cost.namespace, "execution": execution.total}


def execution_transaction(model_path: str, sample: list[float]) -> str:
    """In a worker: ``predict`` on the raw feature values ``sample``, proved with its public fee as one mainnet
    transaction (:func:`pyleo.network.execute_transaction`, offline: the local ledger stand-in), signed with the
    server's key; its JSON as the network takes it. InputError when the server has no key."""
    import numpy as np

    from stdlib_ml.convert import load

    key = network.signing_key()
    if key is None:
        raise InputError("the server has no private key to sign a transaction with",
                         hint=f"start `pyleo serve` with {network.KEY_VARIABLE} set (environment or ./.env): the key "
                              "of whoever runs the server, never a visitor's")
    zk = load(model_path)
    if zk.output == "commitment":
        raise InputError("a label published as a commitment needs its blinding r kept by the prover: use `pyleo prove`")
    (enc,) = zk.encode(np.asarray(sample, dtype=np.float64).reshape(1, -1))
    values = zk.circuit_args(enc)
    inputs = [to_aleo(v, p.type) for v, p in zip(values, zk.program.entry("predict").params)]
    result = network.execute_transaction(zk.program.aleo(), "predict", inputs, key)
    return network.transaction_json(result.transaction)
