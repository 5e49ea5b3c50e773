"""snarkVM work of `pyleo serve`, off the event loop: two bounded pools of worker processes and the
per-client limits that guard them.

snarkVM holds Python's GIL while it synthesizes keys, proves or verifies (measured: a thread verifying
a proof whose key was not cached kept the main thread from waking for 8.1 s), so a thread pool does not
keep the server answering: every snarkVM call of the app runs in a child process (``spawn``).

* ``quick``: one process for calls whose keys are cached (verifying a proof: about 0.1 s);
* ``slow``: :data:`SYNTHESES` processes, at a lower CPU priority, for calls that synthesize keys
  (seconds to a minute); each process serves one call, then a fresh one replaces it, so the proving
  keys a synthesis leaves in memory go with it.

A quick call never waits behind a synthesis. The proving jobs (:mod:`pyleo_cli.web.prover`) have their own
child processes. Each client (IP address) may have :data:`SYNTHESES_PER_CLIENT` syntheses and
:data:`CHECKS_PER_CLIENT` quick calls running or waiting, the server :data:`SYNTHESES_WAITING` and
:data:`CHECKS_WAITING`; beyond that the app answers HTTP 429 (:class:`Busy`) rather than queueing
without bound.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pyleo import trust, vm
from pyleo.errors import PyleoError

log = logging.getLogger("pyleo.web")

SYNTHESES = 1
"""Key syntheses running at once (the slow pool's processes): each takes most of a CPU core."""
SYNTHESES_PER_CLIENT = 1
"""Key syntheses one client may have running or waiting."""
SYNTHESES_WAITING = 4
"""Key syntheses running or waiting, all clients together."""
CHECKS_PER_CLIENT = 4
"""Quick calls (keys cached) one client may have running or waiting."""
CHECKS_WAITING = 16
"""Quick calls running or waiting, all clients together."""
QUICK_SECONDS = 120.0
"""Longest a quick call (keys cached) may take before the app gives up on it (a worker that died)."""
SLOW_SECONDS = 600.0
"""Longest a key synthesis may take before the app gives up on it."""
QUICK_CALLS_PER_PROCESS = 200
"""Calls the quick process serves before a fresh one replaces it (bounds what snarkVM keeps in memory)."""
SLOW_NICE = 5
"""How much lower the slow pool's CPU priority is (``nice``), so that key synthesis yields to requests."""


class Busy(PyleoError):
    """The server will not take this request now (HTTP 429): a per-client or global limit is reached."""


class Quota:
    """At most ``per_client`` pieces of one kind of work in flight per client and ``total`` in all, and
    (when ``per_window`` is set) at most ``per_window`` started per client in ``window_s`` seconds.
    Thread-safe; :meth:`hold` raises :class:`Busy` with a message naming ``what`` and the limit."""

    def __init__(self, what: str, per_client: int, total: int, per_window: int | None = None,
                 window_s: float = 600.0) -> None:
        self.what, self.per_client, self.total = what, per_client, total
        self.per_window, self.window_s = per_window, window_s
        self._running: dict[str, int] = {}
        self._started: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Count one piece of work for ``client``; :meth:`give` it back when done. Busy when over a limit."""
        now = time.monotonic()
        with self._lock:
            mine = self._running.get(client, 0)
            if mine >= self.per_client:
                raise Busy(f"too many {self.what} at once: you have {mine} in progress, the most this server runs "
                           "for one client", hint="wait for it to finish, then try again")
            if sum(self._running.values()) >= self.total:
                raise Busy(f"too many {self.what} at once: the server has {self.total} in progress, the most it "
                           "takes", hint="try again in a minute")
            if self.per_window is not None:
                for who, started in list(self._started.items()):   # forget what left the window
                    while started and started[0] < now - self.window_s:
                        started.popleft()
                    if not started:
                        del self._started[who]
                times = self._started.setdefault(client, deque())
                if len(times) >= self.per_window:
                    wait = int(times[0] + self.window_s - now) + 1
                    raise Busy(f"too many {self.what}: you started {len(times)} in the last {self.window_s / 60:g} "
                               "minutes, the most this server takes", hint=f"try again in {wait} s")
                times.append(now)
            self._running[client] = mine + 1

    def give(self, client: str) -> None:
        """Give back one piece of ``client``'s work counted by :meth:`take`."""
        with self._lock:
            left = self._running.get(client, 0) - 1
            if left > 0:
                self._running[client] = left
            else:
                self._running.pop(client, None)

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """:meth:`take` for the duration of a ``with`` block."""
        self.take(client)
        try:
            yield
        finally:
            self.give(client)


def _start(nice: int) -> None:
    """A worker's start: leave the server's process group, lower its priority, load snarkVM once (so the first call
    does not pay for it). Out of the group, a signal to the whole group (Ctrl-C on a terminal, `timeout`, ``kill
    -TERM -PGID``) reaches the server alone, which stops its pools (:meth:`Workers.stop`): a worker killed by it
    while it waited for a task kept its pool's queue lock, and the server hung in ``Pool.terminate`` for good
    (SIGTERM); on SIGINT each worker printed a KeyboardInterrupt traceback. A worker whose server is gone reads the
    end of its task queue and exits."""
    os.setpgrp()
    if nice:
        os.nice(nice)
    vm.versions()


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any, str | None]:
    """Run ``fn(*args)`` in a worker: ("ok", result, None) or ("error", message, hint). Errors travel
    as text (a PyleoError's fields; other exceptions' type and message) so that nothing unpicklable
    crosses back."""
    try:
        return "ok", fn(*args), None
    except PyleoError as e:
        return "error", e.message, e.hint
    except Exception as e:  # noqa: BLE001 - the client gets the reason, the worker keeps serving
        log.exception("%s failed", fn.__name__)   # with the traceback, on the server's stderr
        return "error", f"{type(e).__name__}: {e}", None


def verify_artifact(data: Any, trusted: trust.Trusted) -> tuple[trust.Verdict, float]:
    """In a worker: :func:`pyleo.trust.verify` of the proof file's JSON ``data`` (single or split)
    against ``trusted``: (the verdict, seconds spent)."""
    t = time.perf_counter()
    verdict = trust.verify(data, trusted)
    return verdict, time.perf_counter() - t


def public_model_text(model_path: str) -> str:
    """In a worker: the public model file (:meth:`ZkModel.save_public` with ``predict``'s verifying key,
    derived from the program: cached or synthesized) of the model file at ``model_path``."""
    from stdlib_ml.convert import load

    with tempfile.TemporaryDirectory(prefix="pyleo-web-") as tmp:
        return load(model_path).save_public(Path(tmp, "public.json"), verifying_key=True).read_text()


class Workers:
    """The app's two pools (started by :meth:`start`, stopped by :meth:`stop`) and their quotas.
    :meth:`run` awaits one call."""

    def __init__(self) -> None:
        self.syntheses = Quota("key syntheses", SYNTHESES_PER_CLIENT, SYNTHESES_WAITING)
        self.checks = Quota("proof checks", CHECKS_PER_CLIENT, CHECKS_WAITING)
        self._quick: Any = None
        self._slow: Any = None

    def start(self) -> None:
        """Start both pools' processes (they load snarkVM in the background)."""
        ctx = multiprocessing.get_context("spawn")
        self._quick = ctx.Pool(1, _start, (0,), maxtasksperchild=QUICK_CALLS_PER_PROCESS)
        self._slow = ctx.Pool(SYNTHESES, _start, (SLOW_NICE,), maxtasksperchild=1)

    def stop(self) -> None:
        """Kill the pools' processes (a synthesis in progress is abandoned) and wait for them."""
        for pool in (self._quick, self._slow):
            if pool is not None:
                pool.terminate()
                pool.join()
        self._quick = self._slow = None

    async def run(self, fn: Callable[..., Any], *args: Any, client: str, synthesizes: bool = False) -> Any:
        """``fn(*args)`` in a worker process (``fn`` a module-level function, ``args`` picklable) for
        ``client``: in the quick pool, or with ``synthesizes`` (the call synthesizes keys) in the slow
        one, under ``client``'s quota of that kind (Busy when over it), counted until the worker is
        done with the call, even when the request is gone. Raises the worker's PyleoError as one (its
        message and hint); PyleoError when the worker does not answer in time."""
        if self._quick is None or self._slow is None:
            raise PyleoError("the server's worker processes are not running (the app is not started, or stopping)")
        pool, quota, seconds = ((self._slow, self.syntheses, SLOW_SECONDS) if synthesizes else
                                (self._quick, self.checks, QUICK_SECONDS))
        quota.take(client)
        once = threading.Lock()

        def release() -> None:
            if once.acquire(blocking=False):
                quota.give(client)

        return await self._await(pool, fn, args, seconds, release)

    @staticmethod
    async def _await(pool: Any, fn: Callable[..., Any], args: tuple[Any, ...], seconds: float,
                     release: Callable[[], None]) -> Any:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()

        def settle(value: Any, failed: bool) -> None:
            if not done.done():
                done.set_exception(value) if failed else done.set_result(value)

        def finished(value: Any, failed: bool = False) -> None:   # in the pool's result thread
            release()
            if not loop.is_closed():
                loop.call_soon_threadsafe(settle, value, failed)

        pool.apply_async(_call, (fn, args), callback=finished, error_callback=lambda e: finished(e, True))
        try:
            status, value, hint = await asyncio.wait_for(done, seconds)
        except TimeoutError:
            release()
            log.error("%s did not answer in %g s (its worker process may have died)", fn.__name__, seconds)
            raise PyleoError(f"the server's snarkVM worker did not answer in {seconds:g} s",
                             hint="try again; the server log says more") from None
        if status == "error":
            raise PyleoError(value, hint=hint)
        return value
