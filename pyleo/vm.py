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
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

# Rust's `anyhow` captures a backtrace into every error message when RUST_BACKTRACE=1; that is slow
# and noisy. RUST_LIB_BACKTRACE governs only those captured backtraces (not panics), so turning it
# off here changes nothing else. Must happen before snarkVM creates its first error.
os.environ.setdefault("RUST_LIB_BACKTRACE", "0")

from . import params  # noqa: E402
from .errors import (  # noqa: E402
    ExecutionError,
    InputError,
    LimitError,
    ParamsError,
    ProofError,
    PyleoError,
    VMError,
)
from .limits import MAX_CONSTRAINTS_LOCAL  # noqa: E402

MAX_CONSTRAINTS = MAX_CONSTRAINTS_LOCAL
"""Constraints one function's circuit may have with the degree-16 parameters (2^14 = 16,384)."""

PROOF_FORMAT = "pyleo-proof/2"
MAX_PROOF_FILE_BYTES = 16 * 2**20
"""Largest proof file :meth:`Proof.load` reads (bytes): a proof file holds one program (snarkVM caps a
program at 2,048 kB) and one execution (a transaction at 2,304 kB), JSON-escaped; 16 MiB leaves room."""
"""The ``"format"`` key of a saved :class:`Proof`."""

NETWORK = "mainnet"

WASM_BLOCK_HEIGHT = 22_175_000
"""A block height for proofs that Aleo's WebAssembly verifier (npm ``@provablehq/wasm`` 0.11.10) checks:
the first block of mainnet consensus V20, the newest version whose proofs use Varuna V2. That build's
snarkVM knows consensus V1 to V19 (its ``getOrInitConsensusVersionTestHeights()`` lists 19 heights),
so its ``verifyFunctionExecution`` verifies with Varuna V2 at every height and returns false for a
proof made at the latest version (V22 in aleo-sdk 0.8.0 / snarkVM 4.12, Varuna V3 since V21), and
true for one made here with ``prove(..., block_height=WASM_BLOCK_HEIGHT)`` (measured with
``cli/web/verify_check.mjs``). Proofs name their height (:attr:`Proof.block_height`); :func:`verify`
accepts heights from this one up to the latest, never older Varuna versions."""

_MAX_LOADED = 8
"""How many programs (each one snarkVM ``Process`` with its keys, ~33 MB per function) to keep."""

_lock = threading.RLock()


# --------------------------------------------------------------------------------------------
# Versions and the SDK


_sdk_module: Any = None
_versions: dict[str, str] | None = None


def _sdk() -> Any:
    """``aleo.mainnet``, imported on first use (importing pyleo must not need it)."""
    global _sdk_module
    if _sdk_module is None:
        try:
            from aleo import mainnet
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise VMError(f"the aleo-sdk package is not installed ({e})", hint="pip install aleo-sdk") from None
        _sdk_module = mainnet
    return _sdk_module


def versions() -> dict[str, str]:
    """``{"aleo_sdk": "0.8.0", "snarkvm": "4.12.0"}`` (``"unknown"`` where it cannot be read)."""
    global _versions
    if _versions is None:
        from importlib import metadata

        sdk = snarkvm = "unknown"
        try:
            dist = metadata.distribution("aleo-sdk")
            sdk = dist.version
            for f in dist.files or []:
                if f.name.endswith(".cyclonedx.json"):
                    sbom = json.loads(f.read_text())
                    for comp in sbom.get("components", []):
                        if comp.get("name") == "snarkvm":
                            snarkvm = str(comp.get("version", "unknown"))
                    break
        except Exception:  # noqa: BLE001 - versions are informative only
            pass
        _versions = {"aleo_sdk": sdk, "snarkvm": snarkvm}
    return _versions


# --------------------------------------------------------------------------------------------
# Messages


_BOILERPLATE = ("Stack execution failed: ", "Stack authorization failed: ", "Failed to evaluate: ")


def clean_message(text: str) -> str:
    """snarkVM's error text without backtraces, the ``Caused by`` repetition and wrapper prefixes.

    ``"Stack execution failed: Instruction (assert.eq r0 r1;) at index 0 failed: Failed to
    evaluate: 'assert.eq' failed: …\\n\\nCaused by: …"`` becomes ``"Instruction (assert.eq r0 r1;)
    at index 0 failed: 'assert.eq' failed: …"``.
    """
    text = re.split(r"\n\s*(?:Stack backtrace|stack backtrace):", text, maxsplit=1)[0]
    text = text.split("\n\nCaused by:", 1)[0].strip()
    changed = True
    while changed:
        changed = False
        for prefix in _BOILERPLATE:
            if text.startswith(prefix):
                text = text[len(prefix):]
                changed = True
    for prefix in _BOILERPLATE:
        text = text.replace(": " + prefix, ": ")
    return text.strip() or "snarkVM failed without a message"


def _compact(text: str) -> str:
    """An Aleo value on one line: snarkVM prints ``[\\n  1i64,\\n  2i64\\n]``; this gives ``[1i64, 2i64]``."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("[ ", "[").replace(" ]", "]")


def _program_error(message: str, text: str) -> PyleoError:
    """A VMError for a program snarkVM rejects, with the line where parsing stopped when known."""
    msg = clean_message(message)
    if "MAX_PROGRAM_SIZE" in msg:
        return LimitError(f"the program is {len(text.encode()):,} bytes of Aleo instructions, more than snarkVM's "
                          f"maximum program size ({msg})", None,
                          "use a smaller model (fewer embedded points, trees or features) or split it across programs")
    m = re.search(r'Remaining invalid string is: "(.*)"\s*$', msg, re.S) or re.search(
        r'VerboseError \{ errors: \[\("((?:[^"\\]|\\.)*)"', msg
    )
    if m:
        rest = m.group(1).replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\\\", "\\")
        if rest and text.endswith(rest):
            start = len(text) - len(rest)
            line_no = text.count("\n", 0, start) + 1
            line = text[start:].split("\n", 1)[0].strip()
            msg = f"snarkVM cannot parse the program at line {line_no}: {line}"
    return VMError(f"snarkVM rejected the program: {msg}" if not msg.startswith("snarkVM") else msg)


_USRS_RE = re.compile(r"powers-of-beta-(\d+)\.usrs")
_DOWNLOAD_RE = re.compile(r"Failed to download powers for degree (\d+)")


def _failure(message: str, captured: str, what: str, function: str) -> PyleoError:
    """Turn a failed ``execute`` / ``deploy`` into pyleo's error.

    ``message`` is snarkVM's error text, ``captured`` what it printed meanwhile (it announces the
    parameter file it tries to download there). ``what`` is "execute" (other failures are halts)
    or "synthesize" (other failures are VM errors).
    """
    both = message + "\n" + captured
    degrees = [int(d) for d in _USRS_RE.findall(both)]
    degrees += [(int(n) + 1).bit_length() - 1 for n in _DOWNLOAD_RE.findall(both)]
    if degrees and max(degrees) > params.DEGREE:
        d = max(degrees)
        return LimitError(
            f"the circuit of `{function}` is too large for the installed degree-{params.DEGREE} parameters: "
            f"it needs more than {MAX_CONSTRAINTS:,} constraints (snarkVM asked for the degree-{d} "
            f"parameters, powers-of-beta-{d}, which are not installed)",
            hint="split the model across several functions (each function is its own circuit), "
            "or make it smaller; on a machine with network access snarkVM can download larger parameters",
        )
    if degrees or "Failed to download" in both or "checksum" in message.lower():
        return ParamsError(
            f"snarkVM could not load its parameters: {clean_message(message)}",
            hint=params.INSTALL_HINT,
        )
    if what == "execute":
        return ExecutionError(clean_message(message))
    return VMError(f"snarkVM failed to synthesize the keys of `{function}`: {clean_message(message)}")


@contextlib.contextmanager
def _quiet() -> Iterator[list[str]]:
    """Send file descriptors 1 and 2 to a temporary file for the duration of a snarkVM call.

    snarkVM's panic hook writes the panic (and a backtrace) to stderr, and its parameter download
    announces itself on stdout; neither should reach the user. Yields a list that receives the
    captured text once the block ends.
    """
    box: list[str] = []
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:
        yield box
        box.append("")
        return
    with tempfile.TemporaryFile() as tmp:
        try:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            yield box
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            tmp.seek(0)
            box.append(tmp.read(1 << 20).decode("utf-8", "replace"))


def _call(fn: Any, *args: Any) -> tuple[Any, BaseException | None, str]:
    """Call a snarkVM function quietly; return (result, error or None, captured output)."""
    result: Any = None
    error: BaseException | None = None
    with _quiet() as box:
        try:
            result = fn(*args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - PanicException derives from BaseException
            error = e
    return result, error, box[0] if box else ""


# --------------------------------------------------------------------------------------------
# Programs, processes and keys


def cache_dir() -> Path:
    """pyleo's cache: ``$PYLEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyleo``, else ``~/.cache/pyleo``."""
    env = os.environ.get("PYLEO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "pyleo"


DEFAULT_CACHE_MAX_MB = 4096
"""Default bound on the key cache (MiB): a proving key of a ~14k-constraint function is ~33 MB, so about
120 functions' keys; the full test suite writes ~4.5 GB. ``$PYLEO_CACHE_MAX_MB`` sets it (0: no bound)."""


def cache_max_bytes() -> int | None:
    """The key cache's size bound in bytes (``$PYLEO_CACHE_MAX_MB`` MiB, default
    :data:`DEFAULT_CACHE_MAX_MB`), or None when the variable is 0 (no bound). InputError if malformed."""
    text = os.environ.get("PYLEO_CACHE_MAX_MB", str(DEFAULT_CACHE_MAX_MB))
    try:
        mb = int(text)
    except ValueError:
        raise InputError(f"PYLEO_CACHE_MAX_MB must be a whole number of MiB, got {text!r}") from None
    return mb * 2**20 if mb > 0 else None


def cached_programs() -> list[tuple[Path, int, float]]:
    """The key cache's folders, one per program: (folder, bytes, last use as a Unix time), most
    recently used first."""
    root = cache_dir() / "keys"
    out = []
    for d in root.iterdir() if root.is_dir() else []:
        if d.is_dir():
            with contextlib.suppress(OSError):
                size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
                out.append((d, size, d.stat().st_mtime))
    return sorted(out, key=lambda e: -e[2])


def clear_cache(keep: Path | None = None, bound: int | None = 0) -> list[Path]:
    """Delete cached keys, least recently used programs first, until the cache holds at most ``bound``
    bytes (0: delete all; None: nothing to do). ``keep`` (a program's folder) is never deleted.
    Returns the folders deleted."""
    if bound is None:
        return []
    entries = cached_programs()
    total = sum(size for _, size, _ in entries)
    removed = []
    for d, size, _ in reversed(entries):
        if total <= bound:
            break
        if keep is not None and d == keep:
            continue
        shutil.rmtree(d, ignore_errors=True)
        total -= size
        removed.append(d)
    return removed


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


def program_digest(program: str) -> str:
    """sha256 (hex) of the program text and the aleo-sdk / snarkVM versions: names the key cache."""
    v = versions()
    h = hashlib.sha256(f"aleo-sdk {v['aleo_sdk']}\0snarkvm {v['snarkvm']}\0".encode())
    h.update(program.encode())
    return h.hexdigest()


def keys_dir(program: str) -> Path:
    """Where the keys of ``program`` are cached: ``<cache_dir>/keys/<program_digest>/``.

    Per function ``F``: ``F.pk`` (proving key), ``F.vk`` (verifying key) and ``F.json``, the manifest
    that binds them to the program: its checksum, the function, the versions and the sha256 of each
    key file. A key is used only when its manifest matches; otherwise it is deleted and rebuilt.
    """
    return cache_dir() / "keys" / program_digest(program)


@dataclass
class _Loaded:
    text: str
    digest: str
    process: Any
    program: Any
    program_id: str
    functions: list[str]
    keys: set[str] = field(default_factory=set)

    @property
    def dir(self) -> Path:
        return cache_dir() / "keys" / self.digest


_loaded: OrderedDict[str, _Loaded] = OrderedDict()


def forget_programs() -> None:
    """Drop every program (and its in-memory keys) this process holds; the disk cache stays."""
    with _lock:
        _loaded.clear()


def _load(text: str) -> _Loaded:
    if not isinstance(text, str):
        raise TypeError("the program must be Aleo instructions text (str)")
    digest = program_digest(text)
    lp = _loaded.get(digest)
    if lp is not None:
        _loaded.move_to_end(digest)
        return lp
    sdk = _sdk()
    try:
        program = sdk.Program.from_source(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001
        raise _program_error(str(e), text) from None
    process = sdk.Process.load()
    _, err, _ = _call(process.add_program, program)
    if err is not None:
        raise _program_error(str(err), text) from None
    lp = _Loaded(text, digest, process, program, str(program.id), [str(f) for f in program.functions])
    _loaded[digest] = lp
    while len(_loaded) > _MAX_LOADED:
        _loaded.popitem(last=False)
    return lp


def _function_id(lp: _Loaded, function: str) -> Any:
    if not isinstance(function, str) or function not in lp.functions:
        names = ", ".join(lp.functions) or "none"
        raise VMError(f"program {lp.program_id} has no function `{function}`", hint=f"its functions: {names}")
    return _sdk().Identifier.from_string(function)


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: str | os.PathLike[str], data: bytes, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never half of one; an interrupted write leaves
    nothing behind. ``mode`` (less the umask) is the new file's permission bits.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_writable(path: str | os.PathLike[str], folder: bool = False, what: str = "") -> None:
    """Raise InputError unless a file (``folder``: a folder) can be written at ``path``.

    Checked before long work (proving, converting) so that a bad destination fails at once: the path
    must not be a folder (a file, for ``folder``), its nearest existing ancestor must be a folder, and
    a file must be creatable there (tried with a temporary file, removed at once).
    """
    path = Path(path)
    name = f"{what} {path}" if what else str(path)
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{name} is a file, not a folder", hint="name a folder (it is created when missing)")
    if not folder and path.is_dir():
        raise InputError(f"{name} is a folder", hint="name a file to write")
    ancestor = path if folder else path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot write {name}: {ancestor} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".pyleo-probe."):
            pass
    except OSError as e:
        raise InputError(f"cannot write {name}: {ancestor}: {e.strerror}") from None


def stamp(program: str) -> dict[str, str]:
    """What every artifact carries: the program's ID and checksum, and the pyleo / aleo-sdk / snarkVM versions."""
    from . import __version__

    m = re.match(r"\s*program\s+([A-Za-z0-9_]+\.aleo)\s*;", program)
    return {"program_id": m.group(1) if m else "unknown", "program_checksum": program_checksum(program),
            "pyleo": __version__, **versions()}


def _key_manifest(lp: _Loaded, function: str, pk: bytes | None, vk: bytes) -> dict[str, Any]:
    return {**stamp(lp.text), "function": function,
            "proving_key_sha256": hashlib.sha256(pk).hexdigest() if pk is not None else None,
            "verifying_key_sha256": hashlib.sha256(vk).hexdigest()}


def _write_keys(lp: _Loaded, function: str, pk: bytes | None, vk: bytes) -> None:
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


def _drop_keys(lp: _Loaded, function: str) -> None:
    for suffix in (".json", ".pk", ".vk"):
        with contextlib.suppress(OSError):
            (lp.dir / f"{function}{suffix}").unlink()


def _read_keys(lp: _Loaded, function: str, with_pk: bool) -> tuple[bytes | None, bytes] | None:
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


def _save_keys(lp: _Loaded, function: str, fid: Any) -> None:
    """Write a function's freshly synthesized keys to the disk cache."""
    pid = lp.program.id
    vk = bytes(lp.process.get_verifying_key(pid, fid).bytes())
    _write_keys(lp, function, bytes(lp.process.get_proving_key(pid, fid).bytes()), vk)


def _load_keys(lp: _Loaded, function: str, fid: Any) -> bool:
    """Insert a function's cached keys into the process; False (and drop them) if absent or not vouched for."""
    found = _read_keys(lp, function, with_pk=True)
    if found is None:
        return False
    pk_bytes, vk_bytes = found
    sdk = _sdk()
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


def _cached_vk(lp: _Loaded, function: str, fid: Any) -> Any | None:
    """The function's verifying key from memory or the disk cache (manifest checked), or None."""
    if function in lp.keys:
        return lp.process.get_verifying_key(lp.program.id, fid)
    found = _read_keys(lp, function, with_pk=False)
    if found is None:
        return None
    try:
        return _sdk().VerifyingKey.from_bytes(found[1])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001
        _drop_keys(lp, function)
    return None


def _synthesize_vk(lp: _Loaded, function: str, fid: Any) -> Any:
    """The function's verifying key, synthesized from the program text alone if not cached.

    Synthesis goes through ``Process.deploy``, which builds the keys of every function of the
    program without any inputs (about 4 s per program); their verifying keys are cached on disk.
    """
    vk = _cached_vk(lp, function, fid)
    if vk is not None:
        return vk
    params.check_installed()
    sdk = _sdk()
    deployment, err, captured = _call(lp.process.deploy, lp.program, _signer().address)
    if err is not None:
        raise _failure(str(err), captured, "synthesize", function) from None
    found = None
    for name, (vk_text, _certificate) in json.loads(deployment.to_json())["verifying_keys"]:
        key = sdk.VerifyingKey.from_string(vk_text)
        if _read_keys(lp, name, with_pk=False) is None:  # keep a manifest that also vouches for a proving key
            _write_keys(lp, name, None, bytes(key.bytes()))
        if name == function:
            found = key
    if found is None:  # pragma: no cover - deploy covers every function
        raise VMError(f"snarkVM synthesized no key for `{function}`")
    return found


_private_key: Any = None


def _signer() -> Any:
    """The account that signs executions: a random one, fixed for the life of the process.

    Private inputs and outputs appear in an execution encrypted under keys derived from it, so it
    stays in this process's memory only: pyleo never writes it (or its view key) anywhere.
    """
    global _private_key
    if _private_key is None:
        _private_key = _sdk().PrivateKey.random()
    return _private_key


def _parse_inputs(inputs: list[str]) -> list[Any]:
    if isinstance(inputs, str) or not isinstance(inputs, (list, tuple)):
        raise InputError("inputs must be a list of Aleo literals (strings such as \"5i64\")")
    sdk = _sdk()
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


def _execute(lp: _Loaded, function: str, inputs: list[str], timings: dict[str, float]) -> tuple[Any, Any, Any]:
    """Authorize and execute; returns (response, trace, function identifier)."""
    fid = _function_id(lp, function)
    values = _parse_inputs(inputs)
    t = time.perf_counter()
    auth, err, _ = _call(lp.process.authorize, _signer(), lp.program.id, fid, values)
    timings["authorize"] = time.perf_counter() - t
    if err is not None:
        message = clean_message(str(err))
        if type(err).__name__ == "PanicException" or _HALT_IN_AUTHORIZE.search(message):
            # an operation on constants that halts is already caught while authorizing
            raise ExecutionError(message) from None
        raise InputError(message) from None
    if function not in lp.keys:
        t = time.perf_counter()
        if _load_keys(lp, function, fid):
            lp.keys.add(function)
            timings["load_keys"] = time.perf_counter() - t
    synthesize = function not in lp.keys
    if synthesize:
        params.check_installed()
        cache_max_bytes()   # a malformed bound fails before the synthesis, not after it
    t = time.perf_counter()
    out, err, captured = _call(lp.process.execute, auth)
    timings["synthesize" if synthesize else "execute"] = time.perf_counter() - t
    if err is not None:
        raise _failure(str(err), captured, "execute", function) from None
    if synthesize:
        lp.keys.add(function)
        t = time.perf_counter()
        _save_keys(lp, function, fid)
        timings["save_keys"] = time.perf_counter() - t
    response, trace = out
    return response, trace, fid


# --------------------------------------------------------------------------------------------
# The local ledger stand-in for Trace.prepare


_server: subprocess.Popen[str] | None = None
_server_url: str | None = None
_atexit_registered = False


def _latest_height() -> int:
    """The lowest block height at which snarkVM applies its latest consensus version."""
    cv = _sdk().consensus_version
    latest = cv(None)
    lo, hi = 0, 2**32 - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cv(mid) >= latest:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _stop_server() -> None:
    global _server, _server_url
    proc, _server, _server_url = _server, None, None
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _state_url() -> str:
    """URL of the local server answering snarkVM's two ledger queries, started on first use."""
    global _server, _server_url, _atexit_registered
    if _server is not None and _server.poll() is None and _server_url:
        return _server_url
    _stop_server()
    script = Path(__file__).with_name("stateserver.py")
    cmd = [sys.executable, "-I", str(script), "--height", str(_latest_height())]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, close_fds=True
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    line = proc.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        proc.kill()
        proc.wait()
        raise VMError("could not start the local state server that proving needs", hint=f"try: {' '.join(cmd)}")
    if not _atexit_registered:
        atexit.register(_stop_server)
        _atexit_registered = True
    _server, _server_url = proc, f"http://127.0.0.1:{int(line)}"
    return _server_url


# --------------------------------------------------------------------------------------------
# Public API


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
        proof = cls(
            program=get("program", str),
            function=get("function", str),
            execution=get("execution", str),
            verifying_key=get("verifying_key", str),
            constraints=get("constraints", int),
            block_height=get("block_height", int) if "block_height" in data else None,
            timings={str(k): float(v) for k, v in timings.items() if isinstance(v, (int, float))},
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
        """Read a proof file; ProofError if it is unreadable, not JSON or not a pyleo proof."""
        return cls.from_json(read_proof_json(path), str(path))


def read_proof_json(path: str | os.PathLike[str]) -> Any:
    """The JSON document of a proof file (single or split), read up to :data:`MAX_PROOF_FILE_BYTES`.
    Raises ProofError when the file is unreadable, larger, not UTF-8 text or not JSON (nesting included)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_PROOF_FILE_BYTES + 1)
    except OSError as e:
        raise ProofError(f"cannot read {path}: {e.strerror}") from None
    if len(raw) > MAX_PROOF_FILE_BYTES:
        raise ProofError(f"{path} is larger than {MAX_PROOF_FILE_BYTES // 2**20} MiB, more than any proof file (one "
                         "program of at most 2,048 kB and its executions); it is not a pyleo proof")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProofError(f"{path} is not a pyleo proof (not a text file)") from None
    except ValueError as e:
        raise ProofError(f"{path} is not a pyleo proof (not JSON: {e})") from None
    except RecursionError:
        raise ProofError(f"{path} is not a pyleo proof (JSON nested too deeply)") from None


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


def evaluate(program: str, function: str, inputs: list[str], timings: dict[str, float] | None = None) -> list[str]:
    """Run ``function`` of ``program`` on ``inputs`` (Aleo literals) through snarkVM's circuit.

    Returns every output as an Aleo literal on one line (``"12i64"``, ``"[1i64, 2i64]"``),
    private ones included. Raises ExecutionError when the circuit halts (snarkVM's reason, e.g.
    "Integer addition failed on: 200u8 and 100u8"), InputError for bad inputs, VMError for a
    malformed program or unknown function, ParamsError / LimitError when keys cannot be synthesized.
    ``timings``, when given, receives the seconds of each phase (authorize, load_keys, synthesize or
    execute, save_keys).
    """
    with _lock:
        lp = _load(program)
        response, _, _ = _execute(lp, function, inputs, timings if timings is not None else {})
        return [_compact(str(v)) for v in response.outputs]


def constraints(program: str, function: str) -> int:
    """The exact number of constraints of ``function``'s circuit.

    Read from the function's verifying key: cached ones when available, otherwise synthesized from
    the program text (all of its functions at once, about 4 s; no inputs needed). LimitError when
    the program has a function above :data:`MAX_CONSTRAINTS` (snarkVM then fails for the whole
    program, so the count of a function is only known when every function fits).
    """
    with _lock:
        lp = _load(program)
        fid = _function_id(lp, function)
        return int(_synthesize_vk(lp, function, fid).num_constraints())


CIRCUIT_INFO_FIELDS = ("public_inputs", "variables", "constraints", "non_zero_a", "non_zero_b", "non_zero_c")
"""What a verifying key says of its circuit (Varuna's ``CircuitInfo``), in the order it serializes them."""


def verifying_key(program: str, function: str) -> str:
    """``function``'s verifying key (snarkVM's ``verifier1…`` text), derived from the program text alone:
    this machine's key cache, else synthesized (about 4 s per program; needs the parameters). It is
    the key a proof's execution must verify under for the proof to be of this program; a verifier
    that cannot synthesize keys itself (the browser) gets it from a trusted source, as
    :meth:`stdlib_ml.convert.ZkModel.save_public` writes it. Errors as :func:`constraints`."""
    with _lock:
        lp = _load(program)
        return str(_synthesize_vk(lp, function, _function_id(lp, function)))


def circuit_info(program: str, function: str) -> dict[str, int]:
    """The size of ``function``'s circuit as its verifying key records it: public inputs, variables,
    constraints, and the non-zero entries of the R1CS matrices A, B and C (one per term of a linear
    combination in a constraint). Synthesized like :func:`constraints`.

    The local degree-16 parameters bound every one of these, not only the constraints: a function
    with 13,888 constraints but more than 65,536 non-zero entries in A is refused (measured: dense
    layers with constant weights cost no constraints but one entry per weight each time their sum
    enters a constraint)."""
    with _lock:
        lp = _load(program)
        fid = _function_id(lp, function)
        vk = _synthesize_vk(lp, function, fid)
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
    with _lock:
        lp = _load(program)
        timings: dict[str, float] = {}
        response, trace, fid = _execute(lp, function, inputs, timings)
        url = _state_url()
        sdk = _sdk()
        t = time.perf_counter()
        _, err, _ = _call(trace.prepare, sdk.Query.rest(url))
        if err is None:
            execution, err, _ = _call(trace.prove_execution, f"{lp.program_id}/{function}", block_height)
        if err is not None:
            raise VMError(f"snarkVM failed to prove `{function}`: {clean_message(str(err))}") from None
        timings["prove"] = time.perf_counter() - t
        t = time.perf_counter()
        _, err, _ = _call(lp.process.verify_execution, execution, block_height)
        timings["check"] = time.perf_counter() - t
        if err is not None:
            lp.keys.discard(function)
            _drop_keys(lp, function)
            _loaded.pop(lp.digest, None)
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
            outputs=[_compact(str(v)) for v in response.outputs],
            made_with=stamp(lp.text),
            timings=timings,
        )


def _check_height(block_height: int | None, error: type[PyleoError]) -> None:
    """``error`` unless ``block_height`` is None or lies in [:data:`WASM_BLOCK_HEIGHT`, 2^32)."""
    if block_height is not None and not WASM_BLOCK_HEIGHT <= block_height < 2**32:
        raise error(f"block height {block_height} is outside [{WASM_BLOCK_HEIGHT:,}, 2^32): pyleo proves and verifies "
                    f"only under Varuna V2 (consensus V20, from height {WASM_BLOCK_HEIGHT:,}) or later")


def _visible(item: dict[str, Any]) -> str | None:
    """The value of a transition input / output that anyone can read, else None."""
    if item.get("type") in ("public", "constant") and isinstance(item.get("value"), str):
        return _compact(item["value"])
    return None


def commit_bhp256(value: str, randomness: str) -> str:
    """``commit.bhp256 value randomness into c as field`` computed outside the circuit (snarkVM's host code).

    ``value`` is an Aleo literal (``"12i64"``, ``"true"``), ``randomness`` a scalar literal
    (``"123scalar"``); returns the commitment as a field literal. InputError when a literal is invalid.
    """
    sdk = _sdk()
    try:
        bits = sdk.Value.parse(value).to_bits_le()
        r = sdk.Scalar.from_string(randomness)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001
        raise InputError(f"cannot commit to {value!r} with randomness {randomness!r}",
                         hint="pass an Aleo literal (12i64, true) and a scalar literal (123scalar)") from None
    return str(sdk.BHP256().commit(bits, r))


def opens(commitment: str, value: str, randomness: str) -> bool:
    """True when a revealed ``value`` and ``randomness`` open ``commitment`` (a field literal).

    Checks a later reveal of a value a proof committed to with ``pl.commit(value, r)`` (e.g. a
    label published as a commitment): the commitment is the proof's public output, the prover
    reveals the label and its blinding scalar ``r``. The commitment hides the value as long as ``r``
    is uniformly random and secret; it binds it (no other value opens it).
    """
    return _compact(commitment) == commit_bhp256(value, randomness)


_CHECKSUM_RE = re.compile(r"^(?:0x)?([0-9a-fA-F]{64})$")


def _normal_checksum(text: str) -> str:
    m = _CHECKSUM_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise InputError(f"{text!r} is not a program checksum", hint="64 hex digits, as `pyleo build` prints")
    return m.group(1).lower()


def _read_vk(key: str | bytes, whose: str, error: type[PyleoError]) -> Any:
    """A verifying key from its ``verifier1…`` text or its bytes (a cached ``F.vk`` file)."""
    sdk = _sdk()
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
    sdk = _sdk()
    if commitment is not None and program is None and checksum is None and verifying_key is None:
        raise InputError("a commitment binds the weights only together with the program that computes it",
                         hint="also name the trusted program: --model, --program, --checksum or --vk")
    _check_height(proof.block_height, ProofError)
    with _lock:
        tr = proof._transition()
        try:
            execution = sdk.Execution.from_json(proof.execution)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001
            raise ProofError(f"the proof's execution cannot be read: {clean_message(str(e))}") from None
        try:
            parsed = sdk.Program.from_source(proof.program)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001
            raise ProofError(f"the proof's program cannot be read: {clean_message(str(e))}") from None

        if tr.get("program") != str(parsed.id) or tr.get("function") != proof.function:
            return (f"the execution is of {tr.get('program')}/{tr.get('function')}, "
                    f"not of {parsed.id}/{proof.function} (the proof's program and function)")
        if not parsed.has_function(proof.function):
            return f"program {parsed.id} has no function `{proof.function}`"
        trusted = ([program_checksum(program)] if program is not None else []) + \
            ([_normal_checksum(checksum)] if checksum is not None else [])
        for want in trusted:
            if proof.checksum != want:
                return (f"the proof is of a program {parsed.id} with checksum {proof.checksum}, "
                        f"not of the trusted program (checksum {want})")

        fid = sdk.Identifier.from_string(proof.function)
        if verifying_key is not None:
            vk = _read_vk(verifying_key, "the trusted", InputError)
        elif resynthesize or trusted:
            # the key comes from the (trusted) program text, never from the proof file
            vk = _synthesize_vk(_load(proof.program), proof.function, fid)
        else:
            vk = _read_vk(proof.verifying_key, "the proof's", ProofError)
            lp = _loaded.get(program_digest(proof.program))
            known = _cached_vk(lp or _load(proof.program), proof.function, fid)
            if known is not None and bytes(known.bytes()) != bytes(vk.bytes()):
                return "the proof's verifying key is not the one this machine synthesized for the function"
        if commitment is not None:
            published = [o for o in proof.public_outputs if o is not None]
            want = _compact(commitment if commitment.endswith("field") else commitment + "field")
            if not published or published[-1] != want:
                got = published[-1] if published else "no public output"
                return f"the proof's commitment (its last public output) is {got}, not the published {want}"
        if int(vk.num_constraints()) != proof.constraints:
            return f"the proof claims {proof.constraints:,} constraints, its verifying key has {int(vk.num_constraints()):,}"

        process = sdk.Process.load()
        _, err, _ = _call(process.add_program, parsed)
        if err is not None:
            raise ProofError(f"the proof's program is rejected by snarkVM: {clean_message(str(err))}") from None
        _, err, _ = _call(process.insert_verifying_key, parsed.id, fid, vk)
        if err is not None:
            return f"the verifying key does not fit the function: {clean_message(str(err))}"
        t = time.perf_counter()
        _, err, _ = _call(process.verify_execution, execution, proof.block_height)
        proof.timings["verify"] = time.perf_counter() - t
        proof.timings["verify_total"] = time.perf_counter() - t0
        if err is not None:
            reason = f"snarkVM rejects the proof: {clean_message(str(err))}"
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
