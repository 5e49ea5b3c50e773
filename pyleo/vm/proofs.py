"""Proofs and the public API: evaluate, constraints, circuit sizes and verifying keys, prove, and
verify / explain a :class:`Proof` against the program, checksum, verifying key or commitment trusted."""

from __future__ import annotations

import functools
import json
import os
import re
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, ProofError, PyleoError, VMError
from ..files import TOO_LARGE, UNREADABLE, Refused, check_writable, read_limited, write_atomic
from ..limits import CONSENSUS_V20_HEIGHT, MAX_FUNCTIONS, MAX_PROGRAM_BYTES, MAX_TRANSACTION_BYTES
from ..names import is_identifier
from ..values import field_literal
from .keys import (
    LOCK,
    cached_vk,
    discard_keys,
    execute,
    function_id,
    load_program,
    program_checksum,
    stamp,
    synthesize_vk,
)
from .ledger import state_url
from .sdk import aleo_sdk, call_quietly, clean_message, compact_value

PROOF_FORMAT = "pyleo-proof/2"
"""The ``"format"`` key of a saved :class:`Proof`."""
MAX_PROOF_FILE_BYTES = MAX_FUNCTIONS * (MAX_PROGRAM_BYTES + MAX_TRANSACTION_BYTES) * 5 // 4
"""Largest proof file :meth:`Proof.load` reads (bytes): a split proof (:mod:`pyleo.split`) holds up to
:data:`~pyleo.limits.MAX_FUNCTIONS` parts, each a proof file's content: one program (at most
:data:`~pyleo.limits.MAX_PROGRAM_BYTES`) and one execution (in a transaction of at most
:data:`~pyleo.limits.MAX_TRANSACTION_BYTES`), JSON-escaped (a quarter more leaves room). 16 MiB was too few: the int8
CNN of ``tests/test_split_cnns.py`` proves in 26 parts of a 779 kB program, 20 MB of programs alone."""

NETWORK = "mainnet"

WASM_BLOCK_HEIGHT = CONSENSUS_V20_HEIGHT
"""A block height for proofs that Aleo's WebAssembly verifier (npm ``@provablehq/wasm`` 0.11.10) checks:
the first block of mainnet consensus V20 (:data:`~pyleo.limits.CONSENSUS_V20_HEIGHT`), the newest version whose proofs use Varuna V2. That build's
snarkVM knows consensus V1 to V19 (its ``getOrInitConsensusVersionTestHeights()`` lists 19 heights),
so its ``verifyFunctionExecution`` verifies with Varuna V2 at every height and returns false for a
proof made at the latest version (V22 in aleo-sdk 0.8.0 / snarkVM 4.12, Varuna V3 since V21), and
true for one made here with ``prove(..., block_height=WASM_BLOCK_HEIGHT)`` (measured with
``cli/web/verify_check.mjs``). Proofs name their height (:attr:`Proof.block_height`); :func:`verify`
accepts heights from this one up to the latest, never older Varuna versions."""


@dataclass
class Proof:
    """A proof that ``function`` of ``program`` ran on some inputs and produced some outputs.

    What a verifier may see, and all that :meth:`save` writes: the program text, the function's
    verifying key (``verifier1…``), snarkVM's ``execution`` (the transition with its public values,
    the ciphertexts of private inputs and outputs, and the proof itself) and the stamp (program
    checksum, pyleo / aleo-sdk / snarkVM versions of the prover). ``inputs`` and ``public_outputs``
    are read from the execution itself (None at private positions), so they cannot disagree with
    what is proved.

    ``outputs`` is the prover's own copy of every output in clear, private ones included. It lives
    only in the memory of the process that proved (for the caller) and is never saved; a proof read
    from a file has only the public outputs there (None at private positions).
    ``prediction``: for a proof made by a converted model (:meth:`stdlib_ml.ZkModel.prove`), the answer its
    label output stands for in the model's terms (class name or value), for the prover; like ``outputs``
    never saved. A verifier reads it from a saved proof with the model it trusts:
    ``zk.decode_proof(pyleo.Proof.load(path))`` or ``pyleo verify PROOF --model FILE`` (or
    ``--public-model``), which print it beside the proved literal.
    ``timings`` (seconds per phase: authorize, load_keys, synthesize or execute, prove, check,
    verify) is informative and not compared.
    ``block_height``: the height whose consensus rules (Varuna version) the proof was made and is
    verified under; None for the latest (see :data:`WASM_BLOCK_HEIGHT`).
    """

    program: str
    function: str
    execution: str
    verifying_key: str
    constraints: int
    block_height: int | None = None
    outputs: list[str | None] = field(default_factory=list, compare=False, repr=False)
    prediction: Any = field(default=None, compare=False)
    made_with: dict[str, str] = field(default_factory=dict, compare=False)
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def _transition(self) -> dict[str, Any]:
        try:
            data = json.loads(self.execution)
            (tr,) = data["transitions"]
            if not isinstance(tr, dict) or not isinstance(tr.get("inputs"), list) or not isinstance(tr.get("outputs"), list):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            raise ProofError("the proof's execution cannot be read (expected snarkVM's JSON with one transition)") from None
        program, function = tr.get("program"), tr.get("function")
        if not (isinstance(program, str) and program.endswith(".aleo") and is_identifier(program.removesuffix(".aleo"))
                and is_identifier(function)):
            raise ProofError(f"the proof's execution names the program {program!r} and the function {function!r}, "
                             "which are not Aleo identifiers: not an execution snarkVM made")
        return tr

    @property
    def program_id(self) -> str:
        """The program ID the execution's transition names (``"scorer.aleo"``)."""
        return str(self._transition().get("program"))

    @property
    def checksum(self) -> str:
        """The :func:`program_checksum` of the program the proof carries."""
        return program_checksum(self.program)

    @property
    def inputs(self) -> list[str | None]:
        """Public inputs as Aleo literals, read from the execution; None for private ones (ciphertexts there)."""
        return [_visible(item) for item in self._transition()["inputs"]]

    @property
    def public_outputs(self) -> list[str | None]:
        """Public outputs as Aleo literals, read from the execution; None for private ones."""
        return [_visible(item) for item in self._transition()["outputs"]]

    def to_json(self) -> dict[str, Any]:
        """The JSON object :meth:`save` writes: only what a verifier may see (no private value in clear).

        ``public_inputs`` / ``public_outputs`` are a readable copy of the execution's public values;
        :meth:`from_json` rejects a file where they differ from the execution.
        """
        return {
            "format": PROOF_FORMAT,
            **(self.made_with or stamp(self.program)),
            "network": NETWORK,
            "program_id": self.program_id,
            "program_checksum": self.checksum,
            "function": self.function,
            "public_inputs": self.inputs,
            "public_outputs": self.public_outputs,
            "constraints": self.constraints,
            "verifying_key": self.verifying_key,
            "execution": self.execution,
            "program": self.program,
            "timings": self.timings,
            **({"block_height": self.block_height} if self.block_height is not None else {}),
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the proof for verifiers as a JSON file (atomically); private outputs only as ciphertexts."""
        check_writable(path)
        write_atomic(Path(path), (json.dumps(self.to_json(), indent=1) + "\n").encode())

    @classmethod
    def from_json(cls, data: Any, source: str = "proof") -> Proof:
        """Build a Proof from the object :meth:`to_json` gives.

        Raises ProofError when it is not one: a missing key or a wrong type, another format, network
        or a copy (program ID, checksum, public values) that disagrees with the execution or program.
        """
        if not isinstance(data, dict):
            raise ProofError(f"{source} is not a pyleo proof (expected a JSON object)")
        fmt = data.get("format")
        if fmt is None:
            raise ProofError(f"{source} is not a pyleo proof (no \"format\" key)")
        if fmt != PROOF_FORMAT:
            made = f" (made with pyleo {data['pyleo']})" if isinstance(data.get("pyleo"), str) else ""
            raise ProofError(f"{source} has format {fmt!r}{made}; this pyleo reads {PROOF_FORMAT!r}",
                             hint="prove again with this version of pyleo")

        def get(key: str, kind: type | tuple[type, ...]) -> Any:
            if key not in data:
                raise ProofError(f"{source} lacks the {key!r} key")
            value = data[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ProofError(f"{source}: {key!r} has the wrong type ({type(value).__name__})")
            return value

        if get("network", str) != NETWORK:
            raise ProofError(f"{source} is a proof for the {data['network']!r} network; pyleo proves and verifies on {NETWORK!r}")
        timings = data.get("timings") or {}
        if not isinstance(timings, dict):
            timings = {}
        made_with = {k: data[k] for k in ("pyleo", "aleo_sdk", "snarkvm") if isinstance(data.get(k), str)}
        if not is_identifier(get("function", str)):
            raise ProofError(f"{source}: 'function' is {data['function']!r}, not an Aleo identifier")
        proof = cls(
            program=get("program", str),
            function=data["function"],
            execution=get("execution", str),
            verifying_key=get("verifying_key", str),
            constraints=get("constraints", int),
            block_height=get("block_height", int) if "block_height" in data else None,
            timings={str(k): float(v) for k, v in timings.items()
                     if isinstance(v, float) or isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**53},
        )
        proof._transition()  # ProofError when the execution is not one transition
        copies = {"program_id": proof.program_id, "program_checksum": proof.checksum,
                  "public_inputs": proof.inputs, "public_outputs": proof.public_outputs}
        for key, actual in copies.items():
            if get(key, (str, list)) != actual:
                raise ProofError(f"{source}: {key!r} is {data[key]!r}, but the proof's "
                                 f"{'program' if key == 'program_checksum' else 'execution'} gives {actual!r}")
        proof.outputs = proof.public_outputs
        proof.made_with = {**stamp(proof.program), **made_with}
        return proof

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Proof:
        """Read a proof file; InputError if it is unreadable, ProofError if it is not JSON or not a pyleo proof."""
        return cls.from_json(read_proof_json(path), str(path))


def read_proof_json(path: str | os.PathLike[str]) -> Any:
    """The JSON document of a proof file (single or split), read up to :data:`MAX_PROOF_FILE_BYTES`.
    Raises InputError when the path cannot be read (missing, a folder, a device, a pipe), ProofError when the
    file is larger, or not strict JSON (:func:`pyleo.files.parse_json`: UTF-8, nesting, a key twice)."""
    try:
        return read_limited(path, MAX_PROOF_FILE_BYTES)
    except Refused as e:
        if e.kind == UNREADABLE:
            raise InputError(f"cannot read {path}: {e.reason}") from None
        if e.kind == TOO_LARGE:
            raise ProofError(f"{path} is larger than {MAX_PROOF_FILE_BYTES // 2**20} MiB, more than any proof file (at "
                             f"most {MAX_FUNCTIONS} parts, each a program of at most {MAX_PROGRAM_BYTES // 1000:,} kB and "
                             "its execution); it is not a pyleo proof") from None
        raise ProofError(f"{path} is not a pyleo proof ({e.reason})") from None


def as_proof(proof: Any) -> Proof:
    """``proof`` as a :class:`Proof`: a Proof itself, the JSON object :meth:`Proof.to_json` gives, or
    the path of a proof file. Raises ProofError for anything else."""
    if isinstance(proof, Proof):
        return proof
    if isinstance(proof, dict):
        return Proof.from_json(proof)
    if isinstance(proof, (str, os.PathLike)):
        return Proof.load(proof)
    raise ProofError(f"expected a proof (pyleo.vm.Proof, its JSON object or a proof file's path), got "
                     f"{type(proof).__name__}")


def evaluate(program: str, function: str, inputs: list[str], timings: dict[str, float] | None = None,
             keys: bool = True, imports: tuple[str, ...] = ()) -> list[str]:
    """Run ``function`` of ``program`` on ``inputs`` (Aleo literals) through snarkVM's circuit.

    Returns every output as an Aleo literal on one line (``"12i64"``, ``"[1i64, 2i64]"``),
    private ones included. Raises ExecutionError when the circuit halts (snarkVM's reason, e.g.
    "Integer addition failed on: 200u8 and 100u8"), InputError for bad inputs, VMError for a
    malformed program or unknown function, ParamsError / LimitError when keys cannot be synthesized.
    ``timings``, when given, receives the seconds of each phase (authorize, load_keys, synthesize or
    execute, save_keys). ``keys=False``: keys not already cached are not synthesized; the circuit runs
    under a stand-in proving key (the same outputs and halts, ~0.5 s instead of ~15 s for a function's
    first run; for differential tests over many functions; see :func:`pyleo.vm.keys.execute`), and
    a circuit too large for the installed parameters runs too. ``imports``: the texts of the programs
    ``program`` imports (see :func:`pyleo.vm.keys.load_program`); the functions it calls run too.
    """
    with LOCK:
        lp = load_program(program, imports=imports)
        response, _, _ = execute(lp, function, inputs, timings if timings is not None else {}, keys)
        return [compact_value(str(v)) for v in response.outputs]


def constraints(program: str, function: str, imports: tuple[str, ...] = ()) -> int:
    """The exact number of constraints of ``function``'s circuit.

    Read from the function's verifying key: cached ones when available, otherwise synthesized from
    the program text (all of its functions at once, about 4 s; no inputs needed). LimitError when
    the program has a function above :data:`~pyleo.limits.LOCAL_BUDGET` (snarkVM then fails for the whole
    program, so the count of a function is only known when every function fits). ``imports``: the texts of
    the programs ``program`` imports (as :func:`evaluate`); a function's own circuit holds its calls, not the
    circuits of the functions it calls (each is a transition of its own).
    """
    with LOCK:
        lp = load_program(program, imports=imports)
        fid = function_id(lp, function)
        return int(synthesize_vk(lp, function, fid).num_constraints())


CIRCUIT_INFO_FIELDS = ("public_inputs", "variables", "constraints", "non_zero_a", "non_zero_b", "non_zero_c")
"""What a verifying key says of its circuit (Varuna's ``CircuitInfo``), in the order it serializes them."""


def verifying_key(program: str, function: str) -> str:
    """``function``'s verifying key (snarkVM's ``verifier1…`` text), derived from the program text alone:
    this machine's key cache, else synthesized (about 4 s per program; needs the parameters). It is
    the key a proof's execution must verify under for the proof to be of this program; a verifier
    that cannot synthesize keys itself (the browser) gets it from a trusted source, as
    :meth:`stdlib_ml.convert.ZkModel.save_public` writes it. Errors as :func:`constraints`."""
    with LOCK:
        lp = load_program(program)
        return str(synthesize_vk(lp, function, function_id(lp, function)))


def circuit_info(program: str, function: str) -> dict[str, int]:
    """The size of ``function``'s circuit as its verifying key records it: public inputs, variables,
    constraints, and the non-zero entries of the R1CS matrices A, B and C (one per term of a linear
    combination in a constraint). Synthesized like :func:`constraints`.

    The local degree-16 parameters bound every one of these, not only the constraints: a function
    with 13,888 constraints but more than 65,536 non-zero entries in A is refused (measured: dense
    layers with constant weights cost no constraints but one entry per weight each time their sum
    enters a constraint)."""
    with LOCK:
        lp = load_program(program)
        fid = function_id(lp, function)
        vk = synthesize_vk(lp, function, fid)
    return vk_circuit_info(vk)


def vk_circuit_info(vk: Any) -> dict[str, int]:
    """The circuit sizes (:data:`CIRCUIT_INFO_FIELDS`) a verifying key (aleo-sdk's ``VerifyingKey``) records."""
    data = bytes(vk.bytes())
    values = struct.unpack_from("<6Q", data, 1)   # a version byte, then CircuitInfo as six u64
    info = dict(zip(CIRCUIT_INFO_FIELDS, (int(v) for v in values)))
    if info["constraints"] != int(vk.num_constraints()):  # pragma: no cover - a changed key format
        raise VMError("cannot read the circuit's size from this snarkVM's verifying key format")
    return info


def prove(program: str, function: str, inputs: list[str], block_height: int | None = None) -> Proof:
    """Execute ``function`` on ``inputs`` and prove the execution (errors as :func:`evaluate`).

    ``block_height``: prove under the consensus rules (Varuna version) of that mainnet height, at
    least :data:`WASM_BLOCK_HEIGHT` (InputError otherwise); None: the latest. The proof records it.

    The fresh proof is verified with the function's verifying key before it is returned (about
    30 ms); if it does not verify (keys that do not belong together), the cached keys are dropped
    and VMError is raised. The returned proof's ``outputs`` holds every output in clear for the
    caller; :meth:`Proof.save` writes private ones only as snarkVM's ciphertexts.
    """
    _check_height(block_height, InputError)
    with LOCK:
        lp = load_program(program)
        timings: dict[str, float] = {}
        response, trace, fid = execute(lp, function, inputs, timings)
        url = state_url()
        sdk = aleo_sdk()
        t = time.perf_counter()
        _, err, _ = call_quietly(trace.prepare, sdk.Query.rest(url))
        if err is None:
            execution, err, _ = call_quietly(trace.prove_execution, f"{lp.program_id}/{function}", block_height)
        if err is not None:
            raise VMError(f"snarkVM failed to prove `{function}`: {clean_message(str(err))}") from None
        timings["prove"] = time.perf_counter() - t
        t = time.perf_counter()
        _, err, _ = call_quietly(lp.process.verify_execution, execution, block_height)
        timings["check"] = time.perf_counter() - t
        if err is not None:
            discard_keys(lp, function)
            raise VMError(f"the fresh proof of `{function}` does not verify with its own verifying key "
                          f"({clean_message(str(err))}); the cached keys were dropped", hint="prove again")
        vk = lp.process.get_verifying_key(lp.program.id, fid)
        return Proof(
            program=lp.text,
            function=function,
            execution=execution.to_json(),
            verifying_key=str(vk),
            constraints=int(vk.num_constraints()),
            block_height=block_height,
            outputs=[compact_value(str(v)) for v in response.outputs],
            made_with=stamp(lp.text),
            timings=timings,
        )


def verify_execution(execution: str, program: str, imports: tuple[str, ...] = (),
                     block_height: int | None = None) -> None:
    """Check an execution (snarkVM's JSON, e.g. a transaction's ``execution``) of a function of ``program`` (Aleo
    text; ``imports``: the texts of the programs it imports, as :func:`pyleo.vm.keys.load_program` takes them) with
    snarkVM's ``verify_execution``, in a process of its own holding every verifying key derived from those texts
    (the key cache's, else synthesized): never a key or program the execution carries. ProofError when snarkVM
    rejects it or it is not an execution of these programs."""
    sdk = aleo_sdk()
    parsed, err, _ = call_quietly(sdk.Execution.from_json, execution)
    if err is not None:
        raise ProofError(f"not an execution snarkVM can read: {clean_message(str(err))}") from None
    with LOCK:
        lp = load_program(program, imports=imports)
        held = {h.program_id: h for h in (*lp.imports, lp)}
        process = sdk.Process.load()
        inserted: set[tuple[str, str]] = set()
        for h in held.values():
            _, err, printed = call_quietly(process.add_program, h.program)
            if err is not None:   # pragma: no cover - load_program added the same programs
                raise ProofError(f"snarkVM rejects {h.program_id}: {clean_message(str(err))}") from None
        for transition in parsed.transitions():
            h = held.get(str(transition.program_id))
            name = str(transition.function_name)
            if h is None or name not in h.functions:
                raise ProofError(f"the execution has a transition of {transition.program_id}/{name}, which is not a "
                                 f"function of {' or '.join(held)}")
            if (h.program_id, name) not in inserted:
                fid = function_id(h, name)
                process.insert_verifying_key(h.program.id, fid, synthesize_vk(h, name, fid))
                inserted.add((h.program_id, name))
    _, err, _ = call_quietly(process.verify_execution, parsed, block_height)
    if err is not None:
        raise ProofError(f"snarkVM rejects the execution: {clean_message(str(err))}")


def _check_height(block_height: int | None, error: type[PyleoError]) -> None:
    """``error`` unless ``block_height`` is None or lies in [:data:`WASM_BLOCK_HEIGHT`, 2^32)."""
    if block_height is not None and not WASM_BLOCK_HEIGHT <= block_height < 2**32:
        raise error(f"block height {block_height} is outside [{WASM_BLOCK_HEIGHT:,}, 2^32): pyleo proves and verifies "
                    f"only under Varuna V2 (consensus V20, from height {WASM_BLOCK_HEIGHT:,}) or later")


def _visible(item: dict[str, Any]) -> str | None:
    """The value of a transition input / output that anyone can read, as snarkVM reads it (:func:`canonical_value`:
    what is proved, not the file's text of it), else None."""
    if item.get("type") in ("public", "constant") and isinstance(item.get("value"), str):
        return canonical_value(item["value"])
    return None


@functools.lru_cache(maxsize=4096)
def canonical_value(text: str) -> str:
    """The Aleo value ``text`` as snarkVM reads and prints it, on one line (:func:`compact_value`). snarkVM's parser
    skips whitespace and comments inside a value (``[1i64, /* approved */ 2i64]`` is ``[1i64, 2i64]``), and an
    execution's proof covers the value read, not its text: what a verifier is told comes from this form only.
    ProofError when ``text`` is not an Aleo value."""
    sdk = aleo_sdk()
    try:
        parsed = sdk.Value.parse(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - snarkVM's parse error
        raise ProofError(f"the execution holds {text!r} as a public value, which is not an Aleo value") from None
    return compact_value(str(parsed))


def commit_bhp256(value: str, randomness: str) -> str:
    """``commit.bhp256 value randomness into c as field`` computed outside the circuit (snarkVM's host code).

    ``value`` is an Aleo literal (``"12i64"``, ``"true"``), ``randomness`` a scalar literal
    (``"123scalar"``); returns the commitment as a field literal. InputError when a literal is invalid.
    """
    sdk = aleo_sdk()
    try:
        bits = sdk.Value.parse(value).to_bits_le()
        r = sdk.Scalar.from_string(randomness)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001
        raise InputError(f"cannot commit to {value!r} with randomness {randomness!r}",
                         hint="pass an Aleo literal (12i64, true) and a scalar literal (123scalar)") from None
    return str(sdk.BHP256().commit(bits, r))


def hash_poseidon(value: str, rate: int = 2) -> str:
    """``hash.psd{rate} value into h as field`` computed outside the circuit (snarkVM's host code):
    Poseidon over the value's field encoding, ``rate`` (2, 4 or 8) field elements per permutation.

    ``value`` is an Aleo literal (``"12i64"``, ``"[1u8, 2u8]"``); returns the hash as a field literal.
    InputError when the literal is invalid or the rate is not 2, 4 or 8.
    """
    if rate not in (2, 4, 8):
        raise InputError(f"Poseidon's rate is 2, 4 or 8 field elements, got {rate!r}")
    sdk = aleo_sdk()
    try:
        fields = sdk.Value.parse(value).to_fields()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001
        raise InputError(f"cannot hash {value!r}", hint="pass an Aleo literal (12i64, true, [1u8, 2u8])") from None
    return str(getattr(sdk, f"Poseidon{rate}")().hash(fields))


def opens(commitment: str, value: str, randomness: str) -> bool:
    """True when a revealed ``value`` and ``randomness`` open ``commitment`` (a field literal).

    Checks a later reveal of a value a proof committed to with ``pl.commit(value, r)`` (e.g. a
    label published as a commitment): the commitment is the proof's public output, the prover
    reveals the label and its blinding scalar ``r``. The commitment hides the value as long as ``r``
    is uniformly random and secret; it binds it (no other value opens it).
    """
    return compact_value(commitment) == commit_bhp256(value, randomness)


_CHECKSUM_RE = re.compile(r"^(?:0x)?([0-9a-fA-F]{64})$")


def normalize_checksum(text: str) -> str:
    m = _CHECKSUM_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise InputError(f"{text!r} is not a program checksum", hint="64 hex digits, as `pyleo build` prints")
    return m.group(1).lower()


def read_verifying_key(key: str | bytes, whose: str, error: type[PyleoError]) -> Any:
    """snarkVM's verifying key from its ``verifier1…`` text or its bytes (a cached ``F.vk`` file); ``error``
    (a message naming ``whose`` key) when it is neither."""
    sdk = aleo_sdk()
    try:
        if isinstance(key, bytes) and not key.lstrip().startswith(b"verifier1"):
            return sdk.VerifyingKey.from_bytes(key)
        return sdk.VerifyingKey.from_string((key.decode() if isinstance(key, bytes) else key).strip())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001
        raise error(f"{whose} verifying key cannot be read: {clean_message(str(e))}") from None


def explain(proof: Proof, *, program: str | None = None, checksum: str | None = None,
            verifying_key: str | bytes | None = None, commitment: str | None = None,
            resynthesize: bool = False) -> str | None:
    """Why ``proof`` does not verify, or None when it does. See :func:`verify`."""
    proof = as_proof(proof)
    t0 = time.perf_counter()
    sdk = aleo_sdk()
    if commitment is not None and program is None and checksum is None and verifying_key is None:
        raise InputError("a commitment binds the weights only together with the program that computes it",
                         hint="also name the trusted program: --model, --program, --checksum or --vk")
    _check_height(proof.block_height, ProofError)
    with LOCK:
        tr = proof._transition()
        execution, err, _ = call_quietly(sdk.Execution.from_json, proof.execution)
        if err is not None:
            raise ProofError(f"the proof's execution cannot be read: {clean_message(str(err))}") from None
        parsed, err, _ = call_quietly(sdk.Program.from_source, proof.program)
        if err is not None:
            raise ProofError(f"the proof's program cannot be read: {clean_message(str(err))}") from None

        if tr.get("program") != str(parsed.id) or tr.get("function") != proof.function:
            return (f"the execution is of {tr.get('program')}/{tr.get('function')}, "
                    f"not of {parsed.id}/{proof.function} (the proof's program and function)")
        if not parsed.has_function(proof.function):
            return f"program {parsed.id} has no function `{proof.function}`"
        trusted = ([program_checksum(program)] if program is not None else []) + \
            ([normalize_checksum(checksum)] if checksum is not None else [])
        for want in trusted:
            if proof.checksum != want:
                return (f"the proof is of a program {parsed.id} with checksum {proof.checksum}, "
                        f"not of the trusted program (checksum {want})")

        fid = sdk.Identifier.from_string(proof.function)
        if verifying_key is not None:
            vk = read_verifying_key(verifying_key, "the trusted", InputError)
        elif resynthesize or trusted:
            # the key comes from the (trusted) program text, never from the proof file
            vk = synthesize_vk(load_program(proof.program), proof.function, fid)
        else:
            vk = read_verifying_key(proof.verifying_key, "the proof's", ProofError)
            known = cached_vk(load_program(proof.program), proof.function, fid)
            if known is not None and bytes(known.bytes()) != bytes(vk.bytes()):
                return "the proof's verifying key is not the one this machine synthesized for the function"
        if commitment is not None:
            published = [o for o in proof.public_outputs if o is not None]
            want = field_literal(commitment)
            if not published or published[-1] != want:
                got = published[-1] if published else "no public output"
                return f"the proof's commitment (its last public output) is {got}, not the published {want}"
        if int(vk.num_constraints()) != proof.constraints:
            return f"the proof claims {proof.constraints:,} constraints, its verifying key has {int(vk.num_constraints()):,}"

        process = sdk.Process.load()
        _, err, _ = call_quietly(process.add_program, parsed)
        if err is not None:
            raise ProofError(f"the proof's program is rejected by snarkVM: {clean_message(str(err))}") from None
        _, err, _ = call_quietly(process.insert_verifying_key, parsed.id, fid, vk)
        if err is not None:
            return f"the verifying key does not fit the function: {clean_message(str(err))}"
        t = time.perf_counter()
        _, err, _ = call_quietly(process.verify_execution, execution, proof.block_height)
        proof.timings["verify"] = time.perf_counter() - t
        proof.timings["verify_total"] = time.perf_counter() - t0
        if err is not None:
            reason = f"snarkVM rejects the proof's execution: {clean_message(str(err))}"
            ours = stamp(proof.program)
            made = proof.made_with or ours
            if any(made.get(k) != ours[k] for k in ("pyleo", "aleo_sdk", "snarkvm")):
                reason += (f" (the proof was made with pyleo {made.get('pyleo')}, aleo-sdk {made.get('aleo_sdk')}, "
                           f"snarkVM {made.get('snarkvm')}; this is pyleo {ours['pyleo']}, aleo-sdk "
                           f"{ours['aleo_sdk']}, snarkVM {ours['snarkvm']})")
            return reason
        return None


def verify(proof: Proof, *, program: str | None = None, checksum: str | None = None,
           verifying_key: str | bytes | None = None, commitment: str | None = None,
           resynthesize: bool = False) -> bool:
    """True when ``proof`` is valid: snarkVM accepts its execution under the right verifying key.

    Checks that the execution is one transition of the proof's program and function and that
    snarkVM's ``verify_execution`` accepts it. The public values a proof reports are read from the
    execution, so they are what is proved; private values appear only as ciphertexts.

    Trust: a proof is worth the program it is bound to. Name the one you trust:

    * ``program`` (Aleo instructions text) or ``checksum`` (its :func:`program_checksum`, 64 hex
      digits): the proof's program must be exactly that one, and the verifying key is derived from
      that text (this machine's key cache, else synthesized, about 4 s, needing the parameters),
      never taken from the proof file;
    * ``verifying_key`` (``verifier1…`` text, or the bytes of a cached ``F.vk``): the execution is
      checked against that key.

    ``commitment`` (a field literal; private model, public commitment): the proof's last public
    output, the commitment to the private weights its circuit computes, must be this published one,
    so only proofs made with the committed weights pass. It needs one of the three above, since
    without the program any circuit could output the published value.

    Without any of them the verifying key **carried in the proof file** is used (still rejected when
    it differs from one this machine has cached for the program): the proof then shows only that
    *some* program with that ID and interface gave these outputs. ``resynthesize=True`` derives the
    key from the proof's own program text instead.

    Returns False when the proof does not verify (:func:`explain` says why); raises ProofError when
    the proof cannot even be read, InputError when ``checksum`` or ``verifying_key`` is malformed.
    """
    return explain(proof, program=program, checksum=checksum, verifying_key=verifying_key,
                   commitment=commitment, resynthesize=resynthesize) is None
