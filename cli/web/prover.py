"""Proving jobs of `pyleo serve`, each in its own process.

snarkVM holds Python's GIL while it synthesizes keys and proves, so a proof made in a thread of the
server would stop it from answering the page's progress polls: each job runs in a child process
(``spawn``) and reports its phases through a queue. A job's proof file is written in a temporary
folder, read back into memory when done, and the folder removed (also when the job fails or the
server stops: :meth:`Jobs.stop`). A child that stops without reporting a result is logged with its
cause (:func:`death_cause`: the signal that killed it, or its exit code), and the job says the same.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import secrets
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyleo.errors import InputError

from .workers import SLOW_NICE, Quota

log = logging.getLogger("pyleo.web")

MAX_JOBS = 32
"""Finished jobs kept (with their proofs); the oldest is dropped first."""
JOBS_PER_CLIENT = 1
"""Proving jobs one client may have queued or running."""
JOBS_WAITING = 4
"""Proving jobs queued or running, all clients together."""


def _work(model_path: str, sample: list[float], block_height: int, out: str, events: Any) -> None:
    """The child: encode ``sample`` for the model file ``model_path``, synthesize the keys (or load them
    from pyleo's cache) by executing once, prove under ``block_height``'s rules, save the proof to
    ``out``. Puts (phase, seconds of the previous phase, extra) tuples on ``events``. Runs at the
    slow pool's lower CPU priority (:data:`pyleo_cli.web.workers.SLOW_NICE`): requests come first."""
    import numpy as np

    from pyleo.errors import PyleoError
    from stdlib_ml.convert import load

    os.nice(SLOW_NICE)
    try:
        zk = load(model_path)
        (enc,) = zk.encode(np.asarray(sample, dtype=np.float64).reshape(1, -1))
        args = zk.circuit_args(enc)
        events.put(("synthesizing", 0.0, None))
        t = time.perf_counter()
        zk.program.evaluate("predict", *args)   # synthesizes the keys on the first run, then they are cached
        synth = time.perf_counter() - t
        events.put(("proving", synth, None))
        t = time.perf_counter()
        proof = zk.program.prove("predict", *args, block_height=block_height)
        prove = time.perf_counter() - t
        proof.save(out)
        events.put(("done", prove, {"outputs": proof.outputs, "timings": proof.timings}))
    except PyleoError as e:
        events.put(("error", 0.0, {"error": e.message, "hint": e.hint}))
    except Exception as e:  # noqa: BLE001 - the page gets the reason, the server keeps running
        events.put(("error", 0.0, {"error": f"{type(e).__name__}: {e}", "hint": None}))


@dataclass
class Job:
    """One proof being made: ``state`` is queued, synthesizing, proving, done or error; ``times``
    holds seconds per finished phase (synthesize: key synthesis or loading and one execution;
    prove: execution, proving and the prover's own check)."""

    id: str
    model_id: str
    state: str = "queued"
    started: float = field(default_factory=time.time)
    phase_started: float = field(default_factory=time.time)
    times: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None
    proof: str | None = None
    outputs: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        """What the page polls: the state, the phase times, the seconds since the job started."""
        now = time.time()
        return {"id": self.id, "state": self.state, "times": self.times, "elapsed": round(now - self.started, 2),
                "phase_elapsed": round(now - self.phase_started, 2), "error": self.error, "hint": self.hint,
                "outputs": self.outputs, "timings": self.timings}


class Jobs:
    """The proving jobs of one app: one child process at a time, the others wait their turn; at most
    :data:`JOBS_PER_CLIENT` queued or running per client and :data:`JOBS_WAITING` in all (Busy beyond).
    :meth:`stop` ends them all and removes their temporary folders."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._turn = threading.Lock()
        self._procs: set[Any] = set()
        self._threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._ctx = multiprocessing.get_context("spawn")
        self.quota = Quota("proving jobs", JOBS_PER_CLIENT, JOBS_WAITING)

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise InputError(f"no proving job {job_id!r} on this server")
        return job

    def start(self, model_id: str, model_path: Path, sample: list[float], block_height: int, client: str) -> Job:
        """Queue a proof of the model file's ``predict`` on ``sample`` (raw feature values) for
        ``client`` (an address). Busy when ``client`` or the server has too many jobs queued or running."""
        if self._stopping.is_set():
            raise InputError("the server is stopping")
        self.quota.take(client)
        job = Job(secrets.token_hex(8), model_id)
        with self._lock:
            done = [k for k, j in self._jobs.items() if j.state in ("done", "error")]
            for k in done[: max(0, len(self._jobs) - MAX_JOBS + 1)]:
                del self._jobs[k]
            self._jobs[job.id] = job
            thread = threading.Thread(target=self._run, args=(job, str(model_path), sample, block_height, client),
                                      name=f"job-{job.id}", daemon=True)
            self._threads.add(thread)
        thread.start()
        return job

    def _run(self, job: Job, model_path: str, sample: list[float], block_height: int, client: str) -> None:
        try:
            with self._turn:
                if self._stopping.is_set():
                    job.state, job.error = "error", "the server stopped before this job's turn"
                    return
                tmp = tempfile.mkdtemp(prefix="pyleo-web-proof-")
                try:
                    self._child(job, model_path, sample, block_height, Path(tmp, "proof.json"))
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
        finally:
            self.quota.give(client)
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _child(self, job: Job, model_path: str, sample: list[float], block_height: int, out: Path) -> None:
        events = self._ctx.Queue()
        proc = self._ctx.Process(target=_work, args=(model_path, sample, block_height, str(out), events),
                                 name=f"pyleo-prover-{job.id}", daemon=True)
        proc.start()
        with self._lock:
            self._procs.add(proc)
        try:
            while True:
                try:
                    phase, seconds, extra = events.get(timeout=0.5)
                except queue.Empty:
                    if proc.is_alive():
                        continue
                    try:   # it may have reported and exited between the two looks: read what it sent last
                        phase, seconds, extra = events.get(timeout=1.0)
                    except queue.Empty:
                        stopping = self._stopping.is_set()
                        cause = death_cause(proc.exitcode, stopping)
                        log.log(logging.INFO if stopping else logging.ERROR, "proving job %s (model %s): the "
                                "prover process %s", job.id, job.model_id, cause)
                        job.state, job.error = "error", f"the prover process {cause}"
                        job.hint = "the server log says more; try again"
                        return
                if phase == "proving":
                    job.times["synthesize"] = round(seconds, 2)
                elif phase == "done":
                    job.times["prove"] = round(seconds, 2)
                    job.proof = out.read_text()
                    job.outputs, job.timings = extra["outputs"], extra["timings"]
                elif phase == "error":
                    job.error, job.hint = extra["error"], extra["hint"]
                job.state, job.phase_started = phase, time.time()
                if phase in ("done", "error"):
                    return
        finally:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            events.close()
            events.join_thread()
            with self._lock:
                self._procs.discard(proc)

    def stop(self, wait: float = 10.0) -> None:
        """End every job: waiting ones do not start, running children are killed; waits up to ``wait``
        seconds for the jobs' threads, which remove their temporary folders."""
        self._stopping.set()
        with self._lock:
            procs, threads = list(self._procs), list(self._threads)
        for proc in procs:
            if proc.is_alive():
                proc.kill()
        end = time.monotonic() + wait
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))


def death_cause(exitcode: int | None, stopping: bool) -> str:
    """Why a prover process that reported no result stopped, from its exit code, as the page and the log say it."""
    if stopping:
        return "was stopped: the server is shutting down"
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else f"signal {-exitcode}"
        return f"was killed by {name}" + (" (out of memory?)" if -exitcode == signal.SIGKILL else "")
    return (f"exited with code {exitcode} without reporting a result" +
            (" (its output is in the server log)" if exitcode else ""))


def proof_summary(text: str) -> dict[str, Any]:
    """The keys of a proof file the page shows next to the download link."""
    data = json.loads(text)
    return {k: data.get(k) for k in ("program_id", "program_checksum", "function", "public_outputs", "constraints",
                                     "block_height")}
