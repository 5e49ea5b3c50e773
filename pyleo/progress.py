"""What a slow step shows while it runs: a spinner naming the stage (:func:`stage`), the rows bar of a batch
(:func:`rows`) and a download's bar (:func:`download`), all drawn by rich on stderr, and only when stderr is a
terminal (a script or a test reading the output sees nothing of them; what a command prints on stdout is unchanged).
They are drawn by a process of their own (:mod:`pyleo.display`): snarkVM's calls hold Python's global interpreter
lock, so a display drawn by a thread of this process stood still for the 11-18 s of a key synthesis.

Key synthesis is the slow stage a newcomer meets first: :func:`keys_stage` names it ("building proving
keys (first time for this model …)") when the key cache does not hold the function's proving key yet.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import vm


QUIET = "PYLEO_NO_PROGRESS"
"""Set in the environment, it keeps a process from drawing progress. pyleo sets it while a display is drawn, so that
processes started meanwhile (a batch's workers) draw none over it on the same terminal, and for ``pyleo serve``'s
processes (the page shows their progress); a user may set it too."""


def shown(enabled: bool = True) -> bool:
    """Whether progress is drawn: ``enabled``, stderr is a terminal, and :data:`QUIET` is not set."""
    return enabled and sys.stderr.isatty() and QUIET not in os.environ


def keys_stage(program: str, function: str, then: str) -> str:
    """The words of a stage that runs ``function`` of ``program`` (Aleo text) and then does ``then``
    ("proving", "running the circuit"): key synthesis first when the cache lacks its proving key."""
    if vm.keys_cached(program, function, proving=True):
        return then
    return f"building proving keys for {function} (first time for this model; cached for later runs), then {then}"


SHOWING: list[str] = []
"""The display being drawn, if any: a stage inside it (``Program.prove``'s, inside a command's own) draws nothing."""

DISPLAY = Path(__file__).with_name("display.py")
"""The script that draws (:mod:`pyleo.display`), run in a process of its own: snarkVM's calls hold the global
interpreter lock (a key synthesis 11-18 s), so a thread of this process could not draw meanwhile."""

Send = Callable[..., None]


class _Relay:
    """A stream (sys.stdout / sys.stderr) whose writes are shown above the display, as rich shows a process's own
    prints while it draws."""

    def __init__(self, stream: Any, send: Send) -> None:
        self._stream, self._send = stream, send

    def write(self, text: str) -> int:
        self._send(write=text)
        return len(text)

    def flush(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _drawn(kind: str, text: str, enabled: bool, **spec: Any) -> Iterator[Send]:
    """Draw a display (see :mod:`pyleo.display`) while the block runs, in a process of its own that writes to
    this one's stderr; yields ``send(**update)``. Nothing when stderr is not a terminal, inside another display,
    or when no process can be started. The drawing process ends with the block (Ctrl-C and errors included), and
    on its own when this process dies (its input closes): none outlives it."""
    child = None
    if shown(enabled) and not SHOWING and sys.executable:
        with contextlib.suppress(OSError, ValueError):
            child = subprocess.Popen([sys.executable, "-P", str(DISPLAY)], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=sys.stderr, text=True)
    if child is None:
        yield lambda **update: None
        return
    pipe = child.stdin
    assert pipe is not None

    def send(**update: Any) -> None:
        with contextlib.suppress(OSError, ValueError):   # the drawing process is gone: nothing is drawn
            pipe.write(json.dumps(update) + "\n")
            pipe.flush()

    send(kind=kind, text=text, **spec)
    streams = sys.stdout, sys.stderr
    SHOWING.append(text)
    os.environ[QUIET] = "1"
    try:
        if sys.stdout.isatty():
            sys.stdout = _Relay(sys.stdout, send)   # type: ignore[assignment]
        sys.stderr = _Relay(sys.stderr, send)       # type: ignore[assignment]
        yield send
    finally:
        sys.stdout, sys.stderr = streams
        SHOWING.pop()
        os.environ.pop(QUIET, None)
        with contextlib.suppress(OSError):
            pipe.close()
        try:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=5)
        finally:   # stuck, or Ctrl-C while waiting
            if child.poll() is None:
                child.kill()
                child.wait()


@contextlib.contextmanager
def stage(text: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A spinner with ``text`` and the seconds elapsed, on stderr, while the block runs (nothing when
    stderr is not a terminal, or inside another stage); yields ``say(words)``, which shows other words."""
    with _drawn("stage", text, enabled) as send:
        yield lambda words: send(text=words)


Meter = Callable[[int | None], Callable[[int], None]]
"""A download's progress: called with the total bytes (None: unknown), it returns ``advance(bytes received)``."""


@contextlib.contextmanager
def download(text: str, enabled: bool = True) -> Iterator[Meter]:
    """A bar of the bytes received, their rate and the time left, with ``text`` (rich, on stderr, only on a
    terminal and outside another stage); yields a :data:`Meter`."""
    with _drawn("download", text, enabled) as send:
        def start(total: int | None) -> Callable[[int], None]:
            send(total=total)
            return lambda n: send(advance=n)

        yield start


@contextlib.contextmanager
def rows(total: int, first: str, then: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A bar over ``total`` rows (rich, on stderr, only on a terminal); yields ``advance(rows)``. Until the
    first advance the bar's words are ``first`` (the keys stage: :func:`keys_stage`), then ``then``. The ETA
    comes from the rows proved after that (:class:`pyleo.display.Eta`)."""
    with _drawn("rows", first, enabled and total > 0, then=then, total=total) as send:
        yield lambda n: send(advance=n)
