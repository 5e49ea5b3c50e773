"""Proving jobs of `pyleo serve`, each in its own process.

snarkVM holds Python's GIL while it synthesizes keys and proves, so a proof made in a thread of the
server would stop it from answering the page's progress polls: each job runs in a child process
(``spawn``) and reports its phases through a queue. A job's proof file is written in a temporary
folder, read back into memory when done, and the folder removed (also when the job fails or the
server stops).
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyleo.errors import InputError

MAX_JOBS = 32
"""Finished jobs kept (with their proofs); the oldest is dropped first."""


def _work(model_path: str, sample: list[float], block_height: int, out: str, events: Any) -> None:
    """The child: encode ``sample`` for the model file ``model_path``, synthesize the keys (or load them
    from pyleo's cache) by executing once, prove under ``block_height``'s rules, save the proof to
    ``out``. Puts (phase, seconds of the previous phase, extra) tuples on ``events``."""
    import numpy as np

    from pyleo.errors import PyleoError
    from stdlib_ml.convert import load

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
    """The proving jobs of one app: one child process at a time, the others wait their turn."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._turn = threading.Lock()
        self._procs: set[Any] = set()
        self._ctx = multiprocessing.get_context("spawn")

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise InputError(f"no proving job {job_id!r} on this server")
        return job

    def start(self, model_id: str, model_path: Path, sample: list[float], block_height: int) -> Job:
        """Queue a proof of the model file's ``predict`` on ``sample`` (raw feature values)."""
        job = Job(secrets.token_hex(8), model_id)
        with self._lock:
            done = [k for k, j in self._jobs.items() if j.state in ("done", "error")]
            for k in done[: max(0, len(self._jobs) - MAX_JOBS + 1)]:
                del self._jobs[k]
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, str(model_path), sample, block_height), daemon=True).start()
        return job

    def _run(self, job: Job, model_path: str, sample: list[float], block_height: int) -> None:
        with self._turn:
            tmp = tempfile.mkdtemp(prefix="pyleo-web-proof-")
            try:
                self._child(job, model_path, sample, block_height, Path(tmp, "proof.json"))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def _child(self, job: Job, model_path: str, sample: list[float], block_height: int, out: Path) -> None:
        events = self._ctx.Queue()
        proc = self._ctx.Process(target=_work, args=(model_path, sample, block_height, str(out), events), daemon=True)
        proc.start()
        self._procs.add(proc)
        try:
            while True:
                try:
                    phase, seconds, extra = events.get(timeout=0.5)
                except queue.Empty:
                    if not proc.is_alive():
                        job.state, job.error = "error", f"the prover process stopped (exit code {proc.exitcode})"
                        return
                    continue
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
            self._procs.discard(proc)

    def stop(self) -> None:
        """Kill running children (their temporary folders are removed by their threads)."""
        for proc in list(self._procs):
            if proc.is_alive():
                proc.kill()


def proof_summary(text: str) -> dict[str, Any]:
    """The keys of a proof file the page shows next to the download link."""
    data = json.loads(text)
    return {k: data.get(k) for k in ("program_id", "program_checksum", "function", "public_outputs", "constraints",
                                     "block_height")}
