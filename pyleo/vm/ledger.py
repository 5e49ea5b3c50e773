"""The local ledger stand-in for ``Trace.prepare``: a child process (``stateserver.py``) that answers
snarkVM's two ledger queries, started on first use and stopped when this process exits."""

from __future__ import annotations

import atexit
import select
import subprocess
import sys
from pathlib import Path

from ..errors import VMError
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


