"""What ``pyleo verify`` verifies and what it is told to trust: the proof file or the fetched transaction,
and the :class:`pyleo.trust.Trusted` its options name (a model file's programs, commitments and decodings,
its batch program for a transaction of ``pyleo execute --rows``, a program, checksum, verifying key or
public-model file). The verdict itself is :func:`pyleo.trust.verify`'s."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyleo import loader, trust
from pyleo.errors import InputError
from pyleo.limits import MAX_PROGRAM_BYTES
from pyleo.program import Program

from .common import read_file
from .inputs import converted_model, loading

MAX_KEY_BYTES = 2**20
"""Bytes of a ``--vk`` file pyleo reads: a verifying key (binary, or ``verifier1…`` text) is a few hundred bytes to a
few kB (the key cache's binary keys: 673 bytes each), so a larger file is refused unread."""


def fetched_transaction(proof_file: Path | None, tx_id: str | None, endpoint: str | None, network_name: str) -> Any:
    """The transaction JSON object ``--tx-id`` names, fetched from ``--endpoint``; InputError for a missing or
    contradicting option."""
    from pyleo import network

    if proof_file is not None:
        raise InputError("give a PROOF_FILE or --tx-id with --endpoint, not both")
    if tx_id is None or endpoint is None:
        raise InputError("nothing to verify: give a PROOF_FILE, or --tx-id ID with --endpoint URL")
    network.check_network(network_name)
    return network.Node(endpoint, network_name).transaction(tx_id)


def artifact(proof_file: Path | None, tx_id: str | None, endpoint: str | None, network_name: str) -> Any:
    """What to verify: the proof file ``proof_file``, or the transaction ``--tx-id`` fetched from ``--endpoint``."""
    if tx_id is not None or endpoint is not None or proof_file is None:
        return fetched_transaction(proof_file, tx_id, endpoint, network_name)
    return proof_file


def trusted_model(file: Path) -> tuple[dict[str, Program], dict[str, str], dict[str, trust.Decoding]]:
    """The programs of a model file the verifier trusts, the commitment to the private weights of each
    converted model among them (the owner's file: binding to it binds to its weights), and how each one's
    proved output reads as its label or value."""
    with loading(file):
        loaded = loader.load(file)
        models = [zk for zk in (converted_model(loaded, prog, "predict") for prog in loaded.programs.values())
                  if zk is not None]
    return (loaded.programs, {zk.program.name: zk.commitment for zk in models if zk.commitment is not None},
            {zk.program.name: zk.decoding for zk in models if zk.decoding is not None})


def trusted_batch_program(model: Path, artifact: Any) -> tuple[dict[str, Program], dict[str, str]]:
    """When ``artifact`` is an execution transaction of the batch program of a converted model in the file
    ``model`` (``NAME_rowsK.aleo``, what ``pyleo execute --rows`` makes), that program (derived here from the model,
    as ``verify-batch`` derives it) and its weights' commitment, to trust beside the model's own; else nothing."""
    doc = trust.transaction.read_transaction_doc(artifact)
    execution = doc.get("execution") if doc and doc.get("type") == "execute" else None
    transitions = execution.get("transitions") if isinstance(execution, dict) else None
    found = re.fullmatch(r"(\w+)_rows(\d+)\.aleo", str(transitions[0].get("program"))) \
        if isinstance(transitions, list) and transitions and isinstance(transitions[0], dict) else None
    if found is None:
        return {}, {}
    loaded = loader.load(model)
    if found.group(1) not in loaded.programs or int(found.group(2)) < 1:
        return {}, {}
    from stdlib_ml.convert import prove_rows

    zk = converted_model(loaded, loaded.programs[found.group(1)], "predict")
    if zk is None:
        return {}, {}
    batch = prove_rows.trusted_batch(zk, int(found.group(2)))
    return batch.programs, batch.commitments


def trusted(artifact: Any, model: Path | None, program: Path | None, checksum: str | None, vk: Path | None,
            public_model: Path | None, commitment: str | None) -> trust.Trusted:
    """What ``pyleo verify``'s options say the verifier trusts (``--model``, ``--program``, ``--checksum``,
    ``--vk``, ``--public-model``, ``--commitment``); with ``--model`` and a transaction of its batch program
    (``pyleo execute --rows``), that program too. InputError for a file that cannot be read."""
    programs, commitments, decodings = trusted_model(model) if model is not None else ({}, {}, {})
    if model is not None:   # a transaction of the model's batch program (pyleo execute --rows)
        batch_programs, batch_commitments = trusted_batch_program(model, artifact)
        programs, commitments = {**programs, **batch_programs}, {**commitments, **batch_commitments}
    return trust.Trusted(
        programs=programs, commitments=commitments, decodings=decodings,
        program=read_file(program, "the program", MAX_PROGRAM_BYTES).decode("utf-8", "replace") if program is not None else None,
        checksum=checksum, verifying_key=read_file(vk, "the verifying key", MAX_KEY_BYTES) if vk is not None else None,
        public_model=trust.read_public_model(public_model) if public_model is not None else None,
        commitment=commitment,
        labels={k: str(v) for k, v in (("model", model), ("program", program), ("verifying_key", vk),
                                       ("public_model", public_model)) if v is not None})
