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

import pyleo as pl

from .model import APPROVED, zk

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
