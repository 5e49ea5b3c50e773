"""Proofs and trust: the one place that reads and writes every file a verifier is given
(:mod:`pyleo.trust.formats`, documented in docs/formats.md) and the one binding policy
(:mod:`pyleo.trust.policy`): :class:`Trusted` (what the verifier names), :class:`Verdict` (valid or
why not, and the claims, each derived from the proved execution and the trusted program) and
:func:`verify`, used by ``pyleo verify``, ``ZkModel.verify`` and the web app.
"""

from .formats import (LOG_LINK, PRIVATE_OUTPUTS_FORMAT, PUBLIC_MODEL_FORMAT, Decoding, PublicModel, as_artifact, parse_proof,
                      parse_public_model, public_model_json, read_proof, read_public_model, write_private_outputs,
                      write_public_model)
from .policy import FIELDS, Trusted, Verdict, verify
from .transaction import SPLIT_TRANSACTIONS_FORMAT, split_transactions_doc

__all__ = ["Decoding", "FIELDS", "LOG_LINK", "PRIVATE_OUTPUTS_FORMAT", "PUBLIC_MODEL_FORMAT", "SPLIT_TRANSACTIONS_FORMAT", "PublicModel",
           "Trusted", "Verdict", "as_artifact", "parse_proof", "parse_public_model", "public_model_json", "read_proof",
           "read_public_model", "split_transactions_doc", "verify", "write_private_outputs", "write_public_model"]
