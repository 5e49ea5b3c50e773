"""The bridge to the real Aleo VM (snarkVM, through the ``aleo-sdk`` package's ``aleo.mainnet``).

Four operations on a program given as Aleo instructions text:

* :func:`evaluate` runs a function's circuit on inputs and returns its outputs. It runs snarkVM's
  ``execute`` (not only ``authorize``, which wraps on overflow where the circuit halts), so it is the
  judge of halting: an overflow, a division by zero or a failed assert raises
  :class:`~pyleo.errors.ExecutionError` with snarkVM's reason.
* :func:`constraints` is the exact number of constraints of a function's circuit.
* :func:`prove` executes and proves, returning a :class:`Proof` (save / load it as JSON; the file
  holds only what a verifier may see: public values, and private ones as snarkVM's ciphertexts).
* :func:`verify` checks a :class:`Proof`, against the program, checksum or verifying key the
  verifier trusts (:func:`program_checksum` is snarkVM's checksum of a program; :func:`verifying_key`
  derives a function's key from the program, for verifiers that cannot, such as a browser).

Costs. The first execution of a function synthesizes its proving and verifying keys (seconds, and
it needs the universal parameters, see :mod:`pyleo.params`). The keys are kept in the process and on
disk under ``$PYLEO_CACHE_DIR/keys/`` (default ``~/.cache/pyleo/keys/``), in a folder named by the
sha256 of the program text and the aleo-sdk / snarkVM versions, so a later process loads them in a
fraction of a second. Executing with cached keys needs no parameters at all. Each function's keys
come with a manifest (program checksum, function, versions, sha256 of each key file) checked on
every load: keys of another program copied over, or truncated files, are deleted and rebuilt.

Errors are pyleo's own (:mod:`pyleo.errors`), carrying snarkVM's message without backtraces:
:class:`VMError` (malformed program, unexpected failure), :class:`InputError` (input count, type or
literal), :class:`ExecutionError` (halt), :class:`ParamsError` (parameters missing),
:class:`LimitError` (circuit larger than the installed parameters allow), :class:`ProofError`
(unreadable proof).

The package's modules: :mod:`pyleo.vm.sdk` (the only importer of ``aleo``: versions, snarkVM's
messages, quiet calls), :mod:`pyleo.vm.cache` (the cache folder: keys and converted model files),
:mod:`pyleo.vm.keys` (programs, processes and the keys they cache),
:mod:`pyleo.vm.ledger` (the local ledger stand-in proving needs) and :mod:`pyleo.vm.proofs` (the
public API below). File writing lives in :mod:`pyleo.files`.
"""

from __future__ import annotations

from ..errors import ExecutionError, InputError, LimitError, ParamsError, ProofError, PyleoError, VMError
from ..files import check_writable, write_atomic
from .cache import (
    DEFAULT_CACHE_MAX_MB,
    cache_dir,
    cache_max_bytes,
    cache_model,
    cached_models,
    cached_programs,
    clear_cache,
    clear_models,
    link_model,
    model_cache_dir,
)
from .keys import forget_programs, keys_cached, keys_dir, program_checksum, program_digest, stamp
from .proofs import (
    CIRCUIT_INFO_FIELDS,
    MAX_PROOF_FILE_BYTES,
    NETWORK,
    PROOF_FORMAT,
    WASM_BLOCK_HEIGHT,
    Proof,
    as_proof,
    circuit_info,
    commit_bhp256,
    constraints,
    evaluate,
    explain,
    hash_poseidon,
    normalize_checksum,
    opens,
    prove,
    read_proof_json,
    read_verifying_key,
    verify,
    verify_execution,
    verifying_key,
    vk_circuit_info,
)
from .ledger import LedgerMappings
from .sdk import clean_message, versions

__all__ = [
    "CIRCUIT_INFO_FIELDS", "DEFAULT_CACHE_MAX_MB", "MAX_PROOF_FILE_BYTES", "NETWORK",
    "PROOF_FORMAT", "WASM_BLOCK_HEIGHT", "ExecutionError", "InputError", "LedgerMappings", "LimitError", "ParamsError", "Proof",
    "ProofError", "PyleoError", "VMError", "as_proof", "cache_dir", "cache_max_bytes", "cache_model", "cached_models",
    "cached_programs", "check_writable", "circuit_info", "clean_message", "clear_cache", "clear_models", "commit_bhp256", "constraints", "evaluate",
    "explain", "forget_programs", "hash_poseidon", "keys_cached", "keys_dir", "link_model", "model_cache_dir", "normalize_checksum", "opens", "program_checksum", "program_digest",
    "prove", "read_proof_json", "read_verifying_key", "stamp", "verify", "verify_execution", "verifying_key", "versions", "vk_circuit_info", "write_atomic",
]
