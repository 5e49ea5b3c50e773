"""The local ledger stand-in for ``Trace.prepare``: a child process (``stateserver.py``) that answers
snarkVM's two ledger queries, started on first use and stopped when this process exits."""

from __future__ import annotations

import atexit
import json
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProofError, VMError

if TYPE_CHECKING:
    from ..aleo_code import Program
from .sdk import aleo_sdk




_server: subprocess.Popen[str] | None = None
_server_url: str | None = None
_atexit_registered = False


def _latest_height() -> int:
    """The lowest block height at which snarkVM applies its latest consensus version."""
    cv = aleo_sdk().consensus_version
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


def state_url() -> str:
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




def future_arguments(future: str) -> list[str]:
    """The arguments of a future as snarkVM prints it (``{ program_id: …, function_name: …, arguments: [a, b] }``),
    each an Aleo value's text (split at the list's top-level commas)."""
    m = re.search(r"arguments:\s*\[(.*)\]\s*\}\s*$", future, re.S)
    if m is None:
        raise ProofError(f"cannot read the arguments of the future {future!r}")
    out, depth, start, body = [], 0, 0, m.group(1)
    for i, ch in enumerate(body + ","):
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            if body[start:i].strip():
                out.append(" ".join(body[start:i].split()))
            start = i + 1
    return out


class LedgerMappings:
    """The mappings of the local ledger stand-in: what the ``finalize`` blocks of accepted executions wrote.

    A stand-in for a node's on-chain state, documented as such: :meth:`accept` takes only an execution snarkVM
    verifies (:func:`pyleo.vm.verify_execution`, keys derived from the programs' texts), then runs each transition's
    ``finalize`` on the arguments of the future that transition proved (its ``set`` commands; pyleo's programs write
    nothing else on chain). Keys and values are kept as Aleo literals."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict[str, str]] = {}

    def accept(self, execution: str, programs: list[Program], texts: list[str]) -> list[tuple[str, str, str, str]]:
        """Verify ``execution`` (snarkVM's JSON) of the last of ``programs`` (structured; ``texts``: their Aleo
        texts, each after the programs it imports) and apply its finalize blocks; returns the writes as
        ``(program_id, mapping, key, value)``. ProofError when snarkVM rejects it (nothing is applied)."""
        from ..values import coerce, to_aleo
        from .proofs import verify_execution

        verify_execution(execution, texts[-1], tuple(texts[:-1]))
        by_id = {f"{p.name}.aleo": p for p in programs}
        writes = []
        for transition in json.loads(execution)["transitions"]:
            program = by_id.get(transition["program"])
            code = program.function(transition["function"]) if program is not None else None
            futures = [o for o in transition.get("outputs", []) if o.get("type") == "future"]
            if code is None or not code.final_sets or not futures:
                continue
            args = [to_aleo(coerce(text, t, "a finalize argument"), t)
                    for text, t in zip(future_arguments(futures[-1]["value"]), code.final_inputs)]
            for s in code.final_sets:
                self.values.setdefault((transition["program"], s.mapping), {})[args[s.key]] = args[s.value]
                writes.append((transition["program"], s.mapping, args[s.key], args[s.value]))
        return writes

    def get(self, program_id: str, mapping: str, key: str) -> str | None:
        """The value at ``key`` (an Aleo literal) of ``program_id``'s ``mapping``, None when never written."""
        return self.values.get((program_id, mapping), {}).get(key)
