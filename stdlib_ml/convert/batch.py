"""Proving many predictions of a converted model: one proof per row, rows proved in parallel by local
worker processes, a manifest that makes a batch resumable and checkable (:func:`prove_many`,
:func:`verify_many`; the CLI's ``pyleo prove-batch`` / ``pyleo verify-batch``).

A batch folder holds ``row-NNNNNN.proof.json`` (one :class:`pyleo.vm.Proof`, or a
:class:`pyleo.split.SplitProof` for a model proved split, per row) and ``manifest.json`` (format
``pyleo-batch/1``), which anyone may see: the program's ID and checksum, and per row its proof file,
public outputs (None where private), the prediction when the label is public, the proving time
(seconds) or the error that stopped the row. Inputs and private outputs never go there; the prover's
copy of every output in clear (and each row's label blinding r, for a label published as a
commitment) goes only to the prover-only file ``private_out`` (mode 0600).

Keys are synthesized once: the first pending row is proved in the calling process, which synthesizes
the proving key and writes it to the key cache (:mod:`pyleo.vm`: temporary file + atomic rename,
sha256 manifest checked on load); the workers then load it from there. The manifest is rewritten
(atomically) after every row, so a run that is interrupted (a worker killed, Ctrl-C) loses only the
rows in flight: a rerun skips the rows it records as proved and proves the others.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import multiprocessing
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import pyleo as pl

from .model import ModelInputError, ZkModel, load

MANIFEST = "manifest.json"
FORMAT = "pyleo-batch/1"
PRIVATE_FORMAT = "pyleo-batch-private/1"


class BatchError(pl.PyleoError):
    """A batch could not finish: a worker process died, or the folder holds another program's batch."""


@dataclass
class BatchResult:
    """What one :func:`prove_many` run did: rows ``proved`` now, ``skipped`` (proved by an earlier run),
    ``failed`` (each recorded with its error), and the run's wall time in seconds."""

    manifest: Path
    proved: int
    skipped: int
    failed: int
    seconds: float


def proof_name(row: int) -> str:
    """The proof file of row ``row`` (0-based) inside a batch folder."""
    return f"row-{row:06d}.proof.json"


# ---- the worker's side --------------------------------------------------------------------------
_models: dict[str, ZkModel] = {}


def _prove_row(model_path: str, row: int, x: list[float], proof_path: str, label_blinding: int | None) -> dict[str, Any]:
    """Prove one row (raw feature values ``x``) and write its proof to ``proof_path``; the row's record
    (``public_outputs``, ``outputs`` in clear, ``seconds``) or, when the row fails (a halt, a value out
    of range), its ``error``. Runs in a worker process (the model loaded once per process) or in the parent."""
    start = time.perf_counter()
    try:
        zk = _models.get(model_path)
        if zk is None:
            zk = _models[model_path] = load(model_path)
        proof = zk.prove(np.asarray(x, dtype=np.float64), label_blinding=label_blinding)
        proof.save(proof_path)
    except pl.PyleoError as e:
        return {"row": row, "error": (type(e).__name__, e.message), "seconds": time.perf_counter() - start}
    return {"row": row, "error": None, "public_outputs": list(proof.public_outputs), "outputs": list(proof.outputs),
            "seconds": time.perf_counter() - start}


# ---- the parent's side --------------------------------------------------------------------------
_ERRORS = {"ModelInputError": "input malformed or outside the range the model was converted for",
           "ExecutionError": "the circuit halted", "LimitError": "the model does not fit a circuit here"}
"""What the shared manifest says of a failed row: the kind of error only, since its message may quote
the row's private values (an input, an intermediate value); the message goes to the prover-only file."""


def _failed(records: dict[int, Any], secret: dict[int, Any], row: int, error: tuple[str, str], seconds: float) -> None:
    kind, message = error
    records[row] = {"row": row, "proof": None, "error": _ERRORS.get(kind, kind), "seconds": round(seconds, 3)}
    secret[row] = {"error": message}


def _prediction(zk: ZkModel, output: str | None) -> Any:
    """The label / value a public output literal (``"2u8"``, ``"-13i64"``) stands for, as JSON."""
    if output is None:
        return None
    value = zk.decode([int(re.match(r"-?[0-9]+", output).group())])[0]   # type: ignore[union-attr]
    return value.item() if isinstance(value, np.generic) else value


@contextlib.contextmanager
def _progress(show: bool, total: int, name: str) -> Iterator[Callable[[], None]]:
    """A progress bar with the rows done, the elapsed time and the ETA (rich, on stderr); yields ``advance``."""
    if not show or total == 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn(f"proving {name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda: bar.advance(task)


def _read_json(path: Path, what: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise BatchError(f"{path} cannot be read as a {what}: {e}") from None
    if not isinstance(data, dict):
        raise BatchError(f"{path} is not a {what}")
    return data


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a batch folder (format ``pyleo-batch/1``). Raises :class:`BatchError` when the
    folder has none or it is not one."""
    path = Path(folder) / MANIFEST
    data = _read_json(path, "batch manifest")
    if data is None:
        raise BatchError(f"{folder} has no {MANIFEST}", hint="pass the folder `pyleo prove-batch --out` wrote")
    if data.get("format") != FORMAT or not isinstance(data.get("rows"), list):
        raise BatchError(f"{path} is not a batch manifest (format {FORMAT})")
    return data


def prove_many(zk: ZkModel, X: Any, out_dir: str | os.PathLike[str], workers: int | None = None,
               private_out: str | os.PathLike[str] | None = None, progress: bool = True) -> BatchResult:
    """Prove the prediction of every row of ``X`` (raw feature values, shape (n, n_features), float;
    NaN where missing) into ``out_dir``: one proof file per row and the manifest (see the module).

    ``workers``: local worker processes (default ``os.cpu_count()``; 1 proves every row in this
    process). ``private_out``: the prover-only file (mode 0600) of every row's outputs in clear and,
    for a label published as a commitment, its blinding r (then required: r is drawn per row and is
    needed to reveal the label). ``progress``: show a progress bar with the ETA (rich) on stderr.

    Rows the manifest already records as proved (and whose proof file exists) are skipped. A row
    that fails (out of the model's range, a halt) is recorded with its error and does not stop the
    others; a rerun tries it again. Raises :class:`ModelInputError` for a table of the wrong shape,
    :class:`pyleo.InputError` for an unwritable ``out_dir``, :class:`BatchError` when ``out_dir`` holds
    another program's or another table's batch, or when a worker process died (the rows done so far
    are recorded: run again to finish)."""
    from pyleo import vm

    start = time.perf_counter()
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != zk.n_features:
        raise ModelInputError(f"{zk.name} takes rows of {zk.n_features} features, got an array of shape {X.shape}")
    committed = zk.output == "commitment"
    if committed and private_out is None:
        raise ModelInputError(f"{zk.name} publishes its label as a commitment: pass private_out= (`--private-out`), "
                              "the prover-only file that keeps each row's blinding r")
    out = Path(out_dir)
    vm.check_writable(out, folder=True, what="the batch folder")
    if private_out is not None:
        vm.check_writable(private_out, what="the prover-only file")
    workers = max(1, int(workers if workers is not None else (os.cpu_count() or 1)))
    aleo = zk.program.aleo()
    head = {"format": FORMAT, **vm.stamp(aleo), "function": "predict", "model": zk.name, "rows_total": len(X)}
    manifest = _read_json(out / MANIFEST, "batch manifest")
    if manifest is not None:
        for key in ("format", "program_checksum", "rows_total"):
            if manifest.get(key) != head[key]:
                raise BatchError(f"{out} holds a batch with {key} {manifest.get(key)!r}, not {head[key]!r}",
                                 hint="prove this batch into another folder")
    mine = _read_json(Path(private_out), "prover-only batch file") if private_out is not None else None
    records = {int(r["row"]): r for r in (manifest or {}).get("rows", []) if isinstance(r, dict) and "row" in r}
    secret = {int(k): v for k, v in (mine or {}).get("rows", {}).items()}

    def done(i: int) -> bool:
        r = records.get(i)
        return r is not None and r.get("error") is None and (out / r["proof"]).is_file() and (not committed or i in secret)

    skipped = sum(done(i) for i in range(len(X)))
    todo = []
    for i in range(len(X)):
        if done(i):
            continue
        try:   # a row outside the model's range fails here, without a worker
            zk.encode(X[i:i + 1])
            todo.append(i)
        except ModelInputError as e:
            _failed(records, secret, i, (type(e).__name__, e.message), 0.0)
    blinding = {i: secrets.randbelow(2**250) if committed else None for i in todo}

    def save() -> None:
        rows = [records[i] for i in sorted(records)]
        vm.write_atomic(out / MANIFEST, (json.dumps({**head, "rows": rows}, indent=1) + "\n").encode())
        if private_out is not None:
            doc = {"format": PRIVATE_FORMAT, "warning": "prover-only: private values in clear, do not share",
                   "batch": str(out), **vm.stamp(aleo), "rows": {str(i): secret[i] for i in sorted(secret)}}
            vm.write_atomic(private_out, (json.dumps(doc, indent=1) + "\n").encode(), mode=0o600)

    def record(result: dict[str, Any]) -> None:
        i = result["row"]
        if result["error"] is not None:
            _failed(records, secret, i, result["error"], result["seconds"])
        else:
            records[i] = {"row": i, "proof": proof_name(i), "error": None, "seconds": round(result["seconds"], 3),
                          "public_outputs": result["public_outputs"],
                          **({"prediction": _prediction(zk, result["public_outputs"][0])}
                             if zk.output == "public" else {})}
            secret[i] = {"outputs": result["outputs"],
                         **({"label_blinding": f"{blinding[i]}scalar"} if blinding[i] is not None else {})}
        save()

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".row-*.proof.json.*.tmp"):   # a proof a killed worker was writing (write_atomic's temp)
        stale.unlink(missing_ok=True)
    save()
    model_path = str(zk.path)
    with _progress(progress, len(todo), zk.name) as advance:
        if todo:   # the first row here: synthesizes (or loads) the keys once, for every worker
            first = todo[0]
            record(_prove_row(model_path, first, X[first].tolist(), str(out / proof_name(first)), blinding[first]))
            advance()
        rest = todo[1:]
        if rest and workers == 1:
            for i in rest:
                record(_prove_row(model_path, i, X[i].tolist(), str(out / proof_name(i)), blinding[i]))
                advance()
        elif rest:
            ctx = multiprocessing.get_context("spawn")   # snarkVM's threads do not survive a fork
            with cf.ProcessPoolExecutor(max_workers=min(workers, len(rest)), mp_context=ctx) as pool:
                futures = [pool.submit(_prove_row, model_path, i, X[i].tolist(), str(out / proof_name(i)), blinding[i])
                           for i in rest]
                try:
                    for f in cf.as_completed(futures):
                        record(f.result())
                        advance()
                except BrokenProcessPool:
                    for f in futures:   # results that arrived before the pool broke
                        if f.done() and f.exception() is None and f.result()["row"] not in records:
                            record(f.result())
                    left = len(X) - sum(done(i) for i in range(len(X)))
                    raise BatchError(f"a worker process died; {left} of {len(X)} rows are not proved (the others "
                                     f"are recorded in {out / MANIFEST})", hint="run the same command again to "
                                     "prove the rest") from None
    proved = sum(done(i) for i in range(len(X))) - skipped
    failed = sum(1 for r in records.values() if r.get("error") is not None)
    return BatchResult(out / MANIFEST, proved, skipped, failed, time.perf_counter() - start)


@dataclass
class BatchCheck:
    """What :func:`verify_many` found: rows whose proof is valid, rows recorded as failed (no proof),
    and ``invalid``: (row, reason) for each proof that does not check against the manifest."""

    valid: int
    failed: int
    invalid: list[tuple[int, str]]


def verify_many(folder: str | os.PathLike[str], zk: ZkModel | None = None, checksum: str | None = None) -> BatchCheck:
    """Check every proof of a batch folder against its manifest: each proved row's proof file is a valid
    proof of ``predict`` of the manifest's program whose public outputs are the manifest's. Bound to
    what the verifier trusts: ``zk`` (the model: its program and, with private weights, its
    commitment; :meth:`ZkModel.verify`) or ``checksum`` (the program checksum, 64 hex digits). Without
    either, a proof shows only that the program it carries gave these outputs. Raises
    :class:`BatchError` when the folder has no readable manifest."""
    from pyleo import split, vm

    manifest = read_manifest(folder)
    want = vm.program_checksum(zk.program.aleo()) if zk is not None else checksum
    if want is not None and manifest.get("program_checksum") != vm._normal_checksum(want):
        raise BatchError(f"{folder} is a batch of the program with checksum {manifest.get('program_checksum')}, "
                         f"not of the trusted one ({vm._normal_checksum(want)})")
    valid, failed, invalid = 0, 0, []
    rows = [r for r in manifest["rows"] if isinstance(r, dict)]
    seen = [r.get("row") for r in rows]
    for i in {i for i in seen if seen.count(i) > 1}:
        invalid.append((i, "recorded more than once"))
    for r in rows:
        i = r.get("row")
        if r.get("error") is not None:
            failed += 1
            continue
        path = Path(folder) / str(r.get("proof"))
        if not isinstance(i, int) or r.get("proof") != proof_name(i):
            invalid.append((i, f"its proof file is {r.get('proof')!r}, not {proof_name(i) if isinstance(i, int) else '?'}"))
            continue
        try:
            data = json.loads(path.read_text())
            proof = split.SplitProof.from_json(data, str(path)) if split.is_split_proof(data) else \
                vm.Proof.from_json(data, str(path))
        except (OSError, ValueError) as e:
            invalid.append((i, f"{path} cannot be read: {e}"))
            continue
        except pl.PyleoError as e:
            invalid.append((i, e.message))
            continue
        if list(proof.public_outputs) != r.get("public_outputs"):
            invalid.append((i, f"the proof's public outputs {proof.public_outputs} are not the manifest's "
                               f"{r.get('public_outputs')}"))
            continue
        if not isinstance(proof, split.SplitProof) and proof.checksum != manifest.get("program_checksum"):
            invalid.append((i, f"the proof is of another program (checksum {proof.checksum})"))
            continue
        if zk is not None:
            ok, reason = zk.verify(proof), "not a valid proof of the trusted model"
        elif isinstance(proof, split.SplitProof):
            reason = split.explain(proof, checksum=checksum)
            ok = reason is None
        else:
            reason = vm.explain(proof, checksum=checksum)
            ok = reason is None
        if ok:
            valid += 1
        else:
            invalid.append((i, str(reason)))
    return BatchCheck(valid, failed, sorted(invalid, key=lambda t: (t[0] if isinstance(t[0], int) else -1)))
