"""The SDK bridge: the only module that imports ``aleo`` (aleo-sdk's ``aleo.mainnet``, on first use), the
versions it reports, snarkVM's messages turned into pyleo's errors, and quiet calls into snarkVM."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from typing import Any, Iterator

# Rust's `anyhow` captures a backtrace into every error message when RUST_BACKTRACE=1; that is slow
# and noisy. RUST_LIB_BACKTRACE governs only those captured backtraces (not panics), so turning it
# off here changes nothing else. Must happen before snarkVM creates its first error.
os.environ.setdefault("RUST_LIB_BACKTRACE", "0")

from .. import params  # noqa: E402
from ..errors import ExecutionError, LimitError, ParamsError, PyleoError, VMError  # noqa: E402
from ..limits import LOCAL_BUDGET  # noqa: E402




_sdk_modules: dict[str, Any] = {}
_versions: dict[str, str] | None = None

SDK_NETWORKS = ("mainnet", "testnet")
"""The networks aleo-sdk has a module for (``aleo.mainnet``, ``aleo.testnet``)."""


def aleo_sdk(network: str = "mainnet") -> Any:
    """``aleo.mainnet`` (or another of :data:`SDK_NETWORKS`), imported on first use (importing pyleo must not
    need it). VMError for a network aleo-sdk has no module for."""
    if network not in _sdk_modules:
        if network not in SDK_NETWORKS:
            raise VMError(f"aleo-sdk has no {network} module (it has {', '.join(SDK_NETWORKS)})")
        try:
            if network == "testnet":
                from aleo import testnet as module
            else:
                from aleo import mainnet as module
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise VMError(f"the aleo-sdk package is not installed ({e})", hint="pip install aleo-sdk") from None
        _sdk_modules[network] = module
    return _sdk_modules[network]


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


def compact_value(text: str) -> str:
    """An Aleo value on one line: snarkVM prints ``[\\n  1i64,\\n  2i64\\n]``; this gives ``[1i64, 2i64]``."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("[ ", "[").replace(" ]", "]")


def program_error(message: str, text: str, printed: str = "") -> PyleoError:
    """A VMError for a program snarkVM rejects, with the line where parsing stopped when known.

    ``printed``: what snarkVM wrote while parsing; its parser prints the reason for refusing a
    well-formed item there (e.g. "Cannot add duplicate output statement") and raises only the nom
    position, which then lies just past the refused item, so that item's last line is named."""
    msg = clean_message(message)
    reason = " ".join(line.strip() for line in clean_message(printed).splitlines() if line.strip()) \
        if printed.strip() else ""
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
            line = text[start:].split("\n", 1)[0].strip()
            if not line:   # parsing stopped between items: the refused one ends on the last line before
                start = len(text[:start].rstrip())
                line = text[:start].rsplit("\n", 1)[-1].strip()
            line_no = text.count("\n", 0, start) + 1
            msg = f"snarkVM cannot parse the program at line {line_no}: {line}"
            if reason:
                msg += f" ({reason})"
    elif reason and reason not in msg:
        msg = f"{msg} ({reason})"
    return VMError(f"snarkVM rejected the program: {msg}" if not msg.startswith("snarkVM") else msg)


_USRS_RE = re.compile(r"powers-of-beta-(\d+)\.usrs")
_DOWNLOAD_RE = re.compile(r"Failed to download powers for degree (\d+)")


def snarkvm_failure(message: str, captured: str, what: str, function: str) -> PyleoError:
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
            f"it needs more than {LOCAL_BUDGET:,} constraints (snarkVM asked for the degree-{d} "
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


def call_quietly(fn: Any, *args: Any) -> tuple[Any, BaseException | None, str]:
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

