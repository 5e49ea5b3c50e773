"""Programs, processes and keys: snarkVM processes kept per program, the on-disk key cache (with the
manifests that vouch for each key), the signer, and authorizing and executing a function."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import params
from ..errors import ExecutionError, InputError, PyleoError, VMError
from ..files import write_atomic
from .cache import cache_dir, cache_max_bytes, clear_cache
from .sdk import aleo_sdk, call_quietly, clean_message, program_error, snarkvm_failure, versions

_MAX_LOADED = 8
"""How many programs (each one snarkVM ``Process`` with its keys, ~33 MB per function) to keep."""

LOCK = threading.RLock()
"""Held around every use of a snarkVM process or of the programs this process keeps."""


def _touch(d: Path) -> None:
    """Mark a program's cached keys as used now (the cache evicts the least recently used first)."""
    with contextlib.suppress(OSError):
        os.utime(d)


def program_checksum(program: str) -> str:
    """snarkVM's checksum of a program: sha3-256 (hex) of its Aleo instructions text.

    It is the ``program_checksum`` a deployment of the program carries on Aleo (measured equal with
    aleo-sdk 0.8.0 / snarkVM 4.12), so a verifier can compare it with what the network shows.
    Every artifact pyleo writes (build folder, cached keys, proofs) is stamped with it.
    """
    if not isinstance(program, str):
        raise TypeError("the program must be Aleo instructions text (str)")
    return hashlib.sha3_256(program.encode()).hexdigest()


def program_digest(program: str, network: str = "mainnet") -> str:
    """sha256 (hex) of the program text and the aleo-sdk / snarkVM versions (and the network, other than
    mainnet: its keys differ): names the key cache."""
    v = versions()
    h = hashlib.sha256(f"aleo-sdk {v['aleo_sdk']}\0snarkvm {v['snarkvm']}\0".encode())
    if network != "mainnet":
        h.update(f"network {network}\0".encode())
    h.update(program.encode())
    return h.hexdigest()


def keys_dir(program: str) -> Path:
    """Where the keys of ``program`` are cached: ``<cache_dir>/keys/<program_digest>/``.

    Per function ``F``: ``F.pk`` (proving key), ``F.vk`` (verifying key) and ``F.json``, the manifest
    that binds them to the program: its checksum, the function, the versions and the sha256 of each
    key file. A key is used only when its manifest matches; otherwise it is deleted and rebuilt.
    """
    return cache_dir() / "keys" / program_digest(program)


def keys_cached(program: str, function: str, proving: bool = False) -> bool:
    """Whether this machine's key cache holds ``function``'s verifying key (with ``proving``: and its proving
    key) for ``program`` (Aleo text): counting its constraints, verifying (and, with the proving key, proving)
    then synthesizes nothing. Files only; their manifest is checked when they are loaded."""
    d = keys_dir(program)
    return (d / f"{function}.vk").is_file() and (not proving or (d / f"{function}.pk").is_file())


@dataclass
class LoadedProgram:
    """A program this process holds: its text, :func:`program_digest`, snarkVM ``Process`` and ``Program``,
    ID, function names, the functions whose keys are in the process (``keys``), and the network whose
    aleo-sdk module made them (``sdk``)."""

    text: str
    digest: str
    process: Any
    program: Any
    program_id: str
    functions: list[str]
    keys: set[str] = field(default_factory=set)
    network: str = "mainnet"
    imports: tuple["LoadedProgram", ...] = ()

    @property
    def sdk(self) -> Any:
        """aleo-sdk's module of the program's network (its types do not mix with another network's)."""
        return aleo_sdk(self.network)

    @property
    def dir(self) -> Path:
        """The program's folder in the key cache (:func:`keys_dir`)."""
        return cache_dir() / "keys" / self.digest


_loaded: OrderedDict[str, LoadedProgram] = OrderedDict()


def forget_programs() -> None:
    """Drop every program (and its in-memory keys) this process holds; the disk cache stays."""
    with LOCK:
        _loaded.clear()


def load_program(text: str, network: str = "mainnet", imports: tuple[str, ...] = ()) -> LoadedProgram:
    """The program of Aleo instructions ``text``, parsed and added to a fresh snarkVM process of ``network``
    (aleo-sdk's module), or the one this process already holds (the least recently used beyond 8 are
    dropped). ``imports``: the texts of the programs it imports, every one before the programs that import it
    (snarkVM adds a program only once its imports are in the process); its keys are cached by all of them.
    VMError (LimitError when too large) for a program snarkVM rejects."""
    if not isinstance(text, str):
        raise TypeError("the program must be Aleo instructions text (str)")
    digest = program_digest("\0".join((*imports, text)), network)
    lp = _loaded.get(digest)
    if lp is not None:
        _loaded.move_to_end(digest)
        return lp
    sdk = aleo_sdk(network)
    process = sdk.Process.load()
    added = []
    for source in (*imports, text):
        program, err, printed = call_quietly(sdk.Program.from_source, source)
        if err is not None:
            raise program_error(str(err), source, printed) from None
        _, err, printed = call_quietly(process.add_program, program)
        if err is not None:
            raise program_error(str(err), source, printed) from None
        added.append(LoadedProgram(source, program_digest(source, network), process, program, str(program.id),
                                   [str(f) for f in program.functions], network=network))
    lp = added[-1]
    lp.digest, lp.imports = digest, tuple(added[:-1])
    _loaded[digest] = lp
    while len(_loaded) > _MAX_LOADED:
        _loaded.popitem(last=False)
    return lp


def load_import_keys(lp: LoadedProgram) -> list[tuple[LoadedProgram, str, Any]]:
    """Insert the cached keys of every function of ``lp``'s imports into its process (an execution that calls them
    proves their transitions too); returns those not cached, to be saved by :func:`save_import_keys` once the
    execution has synthesized them."""
    missing = []
    for imp in lp.imports:
        for name in imp.functions:
            fid = imp.sdk.Identifier.from_string(name)
            if name not in imp.keys and load_keys(imp, name, fid):
                imp.keys.add(name)
            elif name not in imp.keys:
                missing.append((imp, name, fid))
    return missing


def save_import_keys(missing: list[tuple[LoadedProgram, str, Any]]) -> None:
    """Cache the keys an execution synthesized for imported functions (those :func:`load_import_keys` found missing
    that the process now holds; a function the execution did not call has none)."""
    for imp, name, fid in missing:
        _, err, _ = call_quietly(imp.process.get_proving_key, imp.program.id, fid)
        if err is None:
            save_keys(imp, name, fid)
            imp.keys.add(name)


def function_id(lp: LoadedProgram, function: str) -> Any:
    """snarkVM's identifier of ``function``; VMError naming the program's functions when it has no such one."""
    if not isinstance(function, str) or function not in lp.functions:
        names = ", ".join(lp.functions) or "none"
        raise VMError(f"program {lp.program_id} has no function `{function}`", hint=f"its functions: {names}")
    return lp.sdk.Identifier.from_string(function)


def stamp(program: str) -> dict[str, str]:
    """What every artifact carries: the program's ID and checksum, and the pyleo / aleo-sdk / snarkVM versions."""
    from .. import __version__

    m = re.match(r"\s*program\s+([A-Za-z0-9_]+\.aleo)\s*;", program)
    return {"program_id": m.group(1) if m else "unknown", "program_checksum": program_checksum(program),
            "pyleo": __version__, **versions()}


def _key_manifest(lp: LoadedProgram, function: str, pk: bytes | None, vk: bytes) -> dict[str, Any]:
    return {**stamp(lp.text), "function": function,
            "proving_key_sha256": hashlib.sha256(pk).hexdigest() if pk is not None else None,
            "verifying_key_sha256": hashlib.sha256(vk).hexdigest()}


def write_keys(lp: LoadedProgram, function: str, pk: bytes | None, vk: bytes) -> None:
    """Write a function's keys and then their manifest; a cache that cannot be written is skipped."""
    with contextlib.suppress(OSError):
        if pk is not None:
            write_atomic(lp.dir / f"{function}.pk", pk)
        write_atomic(lp.dir / f"{function}.vk", vk)
        manifest = _key_manifest(lp, function, pk, vk)
        write_atomic(lp.dir / f"{function}.json", (json.dumps(manifest, indent=1) + "\n").encode())
        if not (lp.dir / "program.aleo").exists():
            write_atomic(lp.dir / "program.aleo", lp.text.encode())
        clear_cache(keep=lp.dir, bound=cache_max_bytes())


def _drop_keys(lp: LoadedProgram, function: str) -> None:
    for suffix in (".json", ".pk", ".vk"):
        with contextlib.suppress(OSError):
            (lp.dir / f"{function}{suffix}").unlink()


def discard_keys(lp: LoadedProgram, function: str) -> None:
    """Forget a function's keys that do not belong together: from the process, the disk cache, and the
    program itself (the next use loads it afresh)."""
    lp.keys.discard(function)
    _drop_keys(lp, function)
    _loaded.pop(lp.digest, None)


def read_keys(lp: LoadedProgram, function: str, with_pk: bool) -> tuple[bytes | None, bytes] | None:
    """A function's cached key bytes (proving key only when ``with_pk``) when its manifest vouches for them.

    The manifest must name this program (checksum), this function and these versions, and the sha256
    of each key file must match it. A key of another program copied over, a truncated or damaged
    file, or a missing manifest: the cached files are deleted and None is returned (rebuild).
    """
    paths = [lp.dir / f"{function}.json", lp.dir / f"{function}.vk"] + ([lp.dir / f"{function}.pk"] if with_pk else [])
    if not all(p.is_file() for p in paths):
        return None
    _touch(lp.dir)
    try:
        manifest = json.loads(paths[0].read_text())
        vk = paths[1].read_bytes()
        pk = paths[2].read_bytes() if with_pk else None
    except (OSError, ValueError):
        _drop_keys(lp, function)
        return None
    expected = _key_manifest(lp, function, pk, vk)
    if not with_pk:
        del expected["proving_key_sha256"]
    if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in expected.items()):
        _drop_keys(lp, function)
        return None
    return pk, vk


def save_keys(lp: LoadedProgram, function: str, fid: Any) -> None:
    """Write a function's freshly synthesized keys to the disk cache."""
    pid = lp.program.id
    vk = bytes(lp.process.get_verifying_key(pid, fid).bytes())
    write_keys(lp, function, bytes(lp.process.get_proving_key(pid, fid).bytes()), vk)


def load_keys(lp: LoadedProgram, function: str, fid: Any) -> bool:
    """Insert a function's cached keys into the process; False (and drop them) if absent or not vouched for."""
    found = read_keys(lp, function, with_pk=True)
    if found is None:
        return False
    pk_bytes, vk_bytes = found
    sdk = lp.sdk
    try:
        pk = sdk.ProvingKey.from_bytes(pk_bytes)
        vk = sdk.VerifyingKey.from_bytes(vk_bytes)
        lp.process.insert_proving_key(lp.program.id, fid, pk)
        lp.process.insert_verifying_key(lp.program.id, fid, vk)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - a damaged cache is rebuilt
        _drop_keys(lp, function)
        return False
    return True


def cached_vk(lp: LoadedProgram, function: str, fid: Any) -> Any | None:
    """The function's verifying key from memory or the disk cache (manifest checked), or None."""
    if function in lp.keys:
        return lp.process.get_verifying_key(lp.program.id, fid)
    found = read_keys(lp, function, with_pk=False)
    if found is None:
        return None
    try:
        return lp.sdk.VerifyingKey.from_bytes(found[1])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001
        _drop_keys(lp, function)
    return None


def synthesize_vk(lp: LoadedProgram, function: str, fid: Any) -> Any:
    """The function's verifying key, synthesized from the program text alone if not cached.

    Synthesis goes through ``Process.deploy``, which builds the keys of every function of the
    program without any inputs (about 4 s per program); their verifying keys are cached on disk.
    """
    vk = cached_vk(lp, function, fid)
    if vk is not None:
        return vk
    deploy(lp, signer().address, function)
    found = cached_vk(lp, function, fid)
    if found is None:  # pragma: no cover - deploy covers every function
        raise VMError(f"snarkVM synthesized no key for `{function}`")
    return found


def deploy(lp: LoadedProgram, owner: Any, function: str | None = None) -> Any:
    """snarkVM's ``Deployment`` of the program, owned by the address ``owner``: every function's keys synthesized
    from the program text alone (``Process.deploy``; the process keeps none of them), their verifying keys
    written to the key cache. ParamsError / LimitError / VMError as :func:`pyleo.vm.sdk.snarkvm_failure` (naming
    ``function``, default the first one)."""
    params.check_installed()
    sdk = lp.sdk
    deployment, err, captured = call_quietly(lp.process.deploy, lp.program, owner)
    if err is not None:
        raise snarkvm_failure(str(err), captured, "synthesize", function or lp.functions[0]) from None
    for name, (vk_text, _certificate) in json.loads(deployment.to_json())["verifying_keys"]:
        if read_keys(lp, name, with_pk=False) is None:  # keep a manifest that also vouches for a proving key
            write_keys(lp, name, None, bytes(sdk.VerifyingKey.from_string(vk_text).bytes()))
    return deployment


_private_key: Any = None


def signer() -> Any:
    """The account that signs executions: a random one, fixed for the life of the process.

    Private inputs and outputs appear in an execution encrypted under keys derived from it, so it
    stays in this process's memory only: pyleo never writes it (or its view key) anywhere.
    """
    global _private_key
    if _private_key is None:
        _private_key = aleo_sdk().PrivateKey.random()
    return _private_key


def parse_inputs(inputs: list[str], sdk: Any) -> list[Any]:
    if isinstance(inputs, str) or not isinstance(inputs, (list, tuple)):
        raise InputError("inputs must be a list of Aleo literals (strings such as \"5i64\")")
    values = []
    for i, text in enumerate(inputs):
        if not isinstance(text, str):
            raise InputError(f"input {i + 1}: expected an Aleo literal string, got {text!r}")
        try:
            values.append(sdk.Value.parse(text))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001
            raise InputError(
                f"input {i + 1}: {text!r} is not a valid Aleo value",
                hint="write literals with their type and in range, e.g. 5i64, 200u8, [1i64, 2i64], { x: 1i64 }",
            ) from None
    return values


_HALT_IN_AUTHORIZE = re.compile(r"overflow|underflow|division by zero|\bInstruction \(.*?\).*?\bfailed|failed on",
                                re.I | re.S)
"""A failure while authorizing is a halt when snarkVM reports it from evaluating an instruction (its
``Instruction (…) [at index N] failed`` wrapper, whatever the instruction's own message) or from an
arithmetic check; anything else (input count, types) is an input error."""


def authorize_failure(err: BaseException) -> PyleoError:
    """The pyleo error of snarkVM's refusal (``err``) to authorize an execution: ExecutionError when the function
    halts (an operation on constants that halts is already caught while authorizing), InputError otherwise (input
    count, types)."""
    message = clean_message(str(err))
    if type(err).__name__ == "PanicException" or _HALT_IN_AUTHORIZE.search(message):
        return ExecutionError(message)
    return InputError(message)


def execute(lp: LoadedProgram, function: str, inputs: list[str], timings: dict[str, float],
            keys: bool = True, private_key: Any = None) -> tuple[Any, Any, Any]:
    """Authorize (signed by ``private_key``, default :func:`signer`: a mainnet program's only) and execute;
    returns (response, trace, function identifier).

    ``keys=False``: a function whose keys are neither held nor cached is executed in a process of its
    own under a stand-in proving key (:func:`stand_in_process`): the same circuit, built and checked
    satisfied the same way, but no key is synthesized (~15 s a function saved) or saved, and its trace
    cannot be proved."""
    fid = function_id(lp, function)
    values = parse_inputs(inputs, lp.sdk)
    t = time.perf_counter()
    auth, err, _ = call_quietly(lp.process.authorize, private_key or signer(), lp.program.id, fid, values)
    timings["authorize"] = time.perf_counter() - t
    if err is not None:
        raise authorize_failure(err) from None
    if function not in lp.keys:
        t = time.perf_counter()
        if load_keys(lp, function, fid):
            lp.keys.add(function)
            timings["load_keys"] = time.perf_counter() - t
    missing = load_import_keys(lp)
    synthesize = function not in lp.keys or bool(missing)
    process = lp.process
    if synthesize and not keys:
        process, synthesize = stand_in_process(lp, function, fid), False
    if synthesize:
        params.check_installed()
        cache_max_bytes()   # a malformed bound fails before the synthesis, not after it
    t = time.perf_counter()
    out, err, captured = call_quietly(process.execute, auth)
    timings["synthesize" if synthesize else "execute"] = time.perf_counter() - t
    if err is not None:
        raise snarkvm_failure(str(err), captured, "execute", function) from None
    if synthesize:
        t = time.perf_counter()
        if function not in lp.keys:
            lp.keys.add(function)
            save_keys(lp, function, fid)
        save_import_keys(missing)
        timings["save_keys"] = time.perf_counter() - t
    response, trace = out
    return response, trace, fid




STAND_IN_PROGRAM = ("program pyleo_stand_in.aleo;\n\nfunction f:\n    input r0 as boolean.public;\n"
                    "    output r0 as boolean.public;\n\nconstructor:\n    assert.eq edition 0u16;\n")
"""The program whose one proving key stands in for keys never synthesized (:func:`stand_in_process`)."""

_stand_ins: OrderedDict[str, tuple[Any, set[str]]] = OrderedDict()


def stand_in_process(lp: LoadedProgram, function: str, fid: Any) -> Any:
    """A snarkVM process of its own holding ``lp``'s program, where ``function`` has a stand-in proving key
    (:data:`STAND_IN_PROGRAM`'s, synthesized once and cached like any key). ``execute`` builds the circuit
    and checks it satisfied before it reads a key, and synthesizes one only when none is held; the stand-in
    spares that. It never reaches ``lp.process``, so nothing proves with it. The programs ``lp`` imports are in
    it too, every function of theirs under the stand-in key (an execution runs the functions it calls)."""
    entry = _stand_ins.get(lp.digest)
    if entry is None:
        process = aleo_sdk().Process.load()
        for held in (*lp.imports, lp):
            _, err, printed = call_quietly(process.add_program, held.program)
            if err is not None:
                raise program_error(str(err), held.text, printed) from None
        entry = _stand_ins[lp.digest] = (process, set())
        while len(_stand_ins) > _MAX_LOADED:
            _stand_ins.popitem(last=False)
    _stand_ins.move_to_end(lp.digest)
    process, ready = entry
    if function not in ready:
        donor = load_program(STAND_IN_PROGRAM)
        donor_fid = function_id(donor, "f")
        if "f" not in donor.keys:
            execute(donor, "f", ["true"], {})
        stand_in = donor.process.get_proving_key(donor.program.id, donor_fid)
        process.insert_proving_key(lp.program.id, fid, stand_in)
        for imp in lp.imports:
            for name in imp.functions:
                process.insert_proving_key(imp.program.id, imp.sdk.Identifier.from_string(name), stand_in)
        ready.add(function)
    return process
