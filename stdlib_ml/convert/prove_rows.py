"""Proving many predictions of a converted model (:func:`prove_many`, :func:`verify_many`; the CLI's
``pyleo prove-batch`` / ``pyleo verify-batch``): rows proved in parallel by local worker processes or on
Ray, into a batch folder whose format and verification live in :mod:`pyleo.trust.batch`.

Every proof is of the model's **batch program** (:func:`batch_program`): the model's ``predict`` with a
first public input ``batch_row = [first row, rows, rows total]`` (:data:`pyleo.trust.batch.ROW_INPUT`), so each
proof names the rows it proves and the batch's size; with several rows per proof
(``rows_per_proof=K``) its entry ``predict_rows`` inlines ``predict`` once per row and returns the K labels
as a public array, paying the transition's fixed cost once per K rows.

The manifest (``manifest.json``, which anyone may see) records per row its proof file, public outputs,
the prediction when the label is public, and the proving time or the kind of error that stopped the row.
Inputs and private outputs never go there; the prover's copy of every output in clear (and each row's
label blinding r, for a label published as a commitment) goes only to the prover-only file
``private_out`` (mode 0600).

Keys are synthesized once: the first proof is made in the calling process, which synthesizes the proving
key and writes it to the key cache (:mod:`pyleo.vm`); the workers then load it from there (on Ray, the
keys are shipped). The manifest is rewritten (atomically) after every proof, so an interrupted run loses
only the rows in flight: a rerun skips the rows it records as proved and proves the others. Everything is
checked before the first proof (the table, the destinations, K against the circuit's bound, the Ray
cluster), and a run that fails before recording any row leaves nothing behind.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import importlib.util
import linecache
import multiprocessing
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import limits
from pyleo import progress as pl_progress
from pyleo.trust import batch as manifest_format
from pyleo.trust import Trusted
from pyleo.trust.batch import ENTRY_MANY, ENTRY_ONE, MANIFEST, ROW_INPUT, BatchError, BatchVerdict, proof_name

from .model import ModelInputError, ZkModel


@dataclass
class BatchResult:
    """What one :func:`prove_many` run did: rows ``proved`` now, ``skipped`` (proved by an earlier run),
    ``failed`` (each recorded with its error; ``first_error``: the kind of error of the first one), and the
    run's wall time in seconds."""

    manifest: Path
    rows_total: int
    proved: int
    skipped: int
    failed: int
    seconds: float
    first_error: str | None = None


# ---- the batch program -------------------------------------------------------------------------
_PREDICT = re.compile(r"^@pl\.function\ndef predict\((\w+): (.+)\) -> pl\.Public\[(.+)\]:\n((?:[ \t]+.*\n|\n)+)", re.M)
"""``predict`` as a converter writes it: its one parameter and type, its label type, its body."""
_PROGRAM_LINE = re.compile(r"^prog = pl\.Program\((['\"])\w+\1, \[predict\]\)$", re.M)
_ROW_PARAM = f"{ROW_INPUT}: pl.Public[pl.Array[pl.U32, 3]]"
_programs: dict[tuple[str, int], pl.Program] = {}


def import_source(source: str, module_name: str) -> ModuleType:
    """The module a model source defines, imported from the text itself (no file is written: a model
    with private weights leaves no copy of them), its lines registered with :mod:`linecache` so the DSL
    can read its functions. Imported once per ``module_name``. For sources generated here from a model
    file already imported (user files go through :mod:`pyleo.loader`)."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    filename = f"<pyleo source {module_name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    spec = importlib.util.spec_from_loader(module_name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    sys.modules[module_name] = module
    try:
        exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)   # noqa: S102 - the model's own source
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def batch_source(zk: ZkModel, k: int) -> str:
    """The source of :func:`batch_program`: the model file's source with ``predict`` taking ``batch_row``
    first (k = 1), or with an entry ``predict_rows(batch_row, xs)`` inlining ``predict``'s body once per
    row (k > 1: public weights and a public label only). ModelInputError when ``predict`` was edited out
    of the shape converters write."""
    if k == 1:
        if zk.source.count("\ndef predict(") != 1 or not _PROGRAM_LINE.search(zk.source):
            raise ModelInputError(f"{zk.path}: `predict` or `prog = pl.Program(..., [predict])` is not as converters "
                                  "write them, so a batch cannot add its row input", hint="prove rows one by one")
        source = zk.source.replace("\ndef predict(", f"\ndef predict({_ROW_PARAM}, ", 1)
        return _PROGRAM_LINE.sub(f'prog = pl.Program("{zk.name}_rows1", [predict])', source)
    if zk.weights != "public" or zk.output != "public":
        raise ModelInputError(f"several rows per proof need public weights and a public label; {zk.name} has "
                              f"{zk.weights} weights and a {zk.output} label", hint="prove one row per proof")
    m = _PREDICT.search(zk.source)
    if m is None:
        raise ModelInputError(f"{zk.path}: `predict` is not of the form `def predict(x: T) -> pl.Public[U]:` that "
                              "several rows per proof copy", hint="prove one row per proof")
    param, x_type, y_type, body = m.groups()
    calls = ", ".join(f"_predict_row({param}s[{j}])" for j in range(k))
    return zk.source.replace("\nprog = pl.Program(", "\n_single = pl.Program(") + f"""

# ---- {k} rows per proof (stdlib_ml.convert.prove_rows.batch_source) ----
@pl.inline
def _predict_row({param}: {x_type}) -> {y_type}:
{body.rstrip()}


@pl.function
def {ENTRY_MANY}({_ROW_PARAM}, {param}s: pl.Array[{x_type}, {k}]) -> pl.Public[pl.Array[{y_type}, {k}]]:
    \"\"\"The labels of {k} samples (public); {ROW_INPUT} = [the first sample's row, the batch's rows].\"\"\"
    return [{calls}]


prog = pl.Program("{zk.name}_rows{k}", [{ENTRY_MANY}])
"""


def batch_program(zk: ZkModel, k: int) -> pl.Program:
    """The program every proof of a batch of ``zk`` with ``k`` rows per proof is of: ``<name>_rows<k>``,
    entry ``predict`` (k = 1: the model's outputs) or ``predict_rows`` (k > 1: the public array of the k
    labels), taking first the public ``batch_row = [first row, rows, rows total]``. The verifier derives the same
    program from the model file it trusts. InputError for a ``k`` outside [1, snarkVM's array length] (a file naming
    one, ``NAME_rows99999999.aleo``, must not make a verifier build it)."""
    if not 1 <= k <= limits.MAX_ARRAY_LENGTH:
        raise pl.InputError(f"{k:,} rows per proof: a batch program holds 1 to {limits.MAX_ARRAY_LENGTH:,} (snarkVM's "
                            "array length)")
    source = batch_source(zk, k)
    key = (hashlib.sha256(source.encode()).hexdigest()[:16], k)
    if key not in _programs:
        _programs[key] = import_source(source, f"pyleo_batch_{zk.name}_{key[0]}").prog
    return _programs[key]


def max_rows_per_proof(zk: ZkModel, budget: int | None = None) -> int:
    """The largest k whose :func:`batch_program` the cost model (:meth:`pyleo.Program.estimate`, without
    synthesis) puts within ``budget`` constraints (default what proves here, 16,384) and within snarkVM's
    array length; 1 when even two rows do not fit."""
    budget = budget or limits.LOCAL_BUDGET

    def fits(k: int) -> bool:
        return k <= limits.MAX_ARRAY_LENGTH and \
            batch_program(zk, k).estimate(ENTRY_MANY, synthesize_transition=False).total <= budget

    lo, hi = 1, 2
    while fits(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def rows_per_proof_for(zk: ZkModel, rows_per_proof: int | str) -> int:
    """``rows_per_proof`` checked against what one circuit here can hold, before any proof: a positive
    number or ``"auto"`` (:func:`max_rows_per_proof`). Raises ModelInputError for anything else or a
    model that cannot put several rows in one proof, and :class:`pyleo.LimitError` naming the limit (snarkVM's
    array length, or the 16,384 constraints the installed parameters prove) when k rows do not fit."""
    if rows_per_proof == "auto":
        return max_rows_per_proof(zk)
    if isinstance(rows_per_proof, bool) or not isinstance(rows_per_proof, (int, np.integer)) or rows_per_proof < 1:
        raise ModelInputError(f"rows_per_proof must be a positive number or 'auto', got {rows_per_proof!r}")
    k = int(rows_per_proof)
    if k == 1:
        return k
    batch_source(zk, 2)   # refuses a private model or an edited predict
    if k > limits.MAX_ARRAY_LENGTH:
        raise pl.LimitError(f"{k:,} rows per proof: the rows travel as one array input, and snarkVM allows at most "
                            f"{limits.MAX_ARRAY_LENGTH:,} elements per array", None,
                            "use --rows-per-proof auto (the largest k that fits one circuit here)")
    most = max_rows_per_proof(zk)   # compiles batch programs of at most 2 × that many rows, never k's
    if k > most:
        raise pl.LimitError(f"{k:,} rows per proof of {zk.name} do not fit one circuit here: it proves at most "
                            f"{limits.LOCAL_BUDGET:,} constraints, which hold at most {most} rows of this model "
                            "(cost model)", None, f"use --rows-per-proof {most} or auto")
    return k


# ---- the worker's side --------------------------------------------------------------------------
_models: dict[str, ZkModel] = {}
"""The models a process proves, by the sha256 of their source (the parent's own, workers' rebuilt)."""


def _model(source: str, path: str) -> ZkModel:
    digest = hashlib.sha256(source.encode()).hexdigest()
    if digest not in _models:
        _models[digest] = ZkModel(import_source(source, f"pyleo_model_{digest[:16]}"), source, Path(path))
    return _models[digest]


def batch_call(zk: ZkModel, k: int, first: int, total: int, xs: list[list[float]],
               label_blinding: int | None = None) -> tuple[pl.Program, str, list[Any]]:
    """The call that proves rows ``first`` … ``first + len(xs) - 1`` (their raw feature values ``xs``, at most
    ``k``) of a batch of ``total`` rows: the :func:`batch_program`, its entry and its arguments (canonical values:
    ``batch_row``, then the encoded rows, the last group of k > 1 padded with copies of its last row).
    ModelInputError for values the model cannot encode."""
    program, identity = batch_program(zk, k), [first, len(xs), total]
    if k == 1:
        (enc,) = zk.encode(np.asarray(xs, dtype=np.float64))
        return program, ENTRY_ONE, [identity, *zk.circuit_args(enc, label_blinding)]
    return program, ENTRY_MANY, [identity, zk.encode(np.asarray(xs + xs[-1:] * (k - len(xs)), dtype=np.float64))]


def _prove_group(source: str, path: str, k: int, rows: list[int], total: int, xs: list[list[float]],
                 proof_path: str | None, label_blinding: int | None) -> list[dict[str, Any]]:
    """Prove ``rows`` (consecutive, their raw feature values ``xs``) of a batch of ``total`` rows in one
    proof of :func:`batch_program`, written to ``proof_path`` (None: returned as the first record's
    ``proof_json``, for a worker on another machine); the last group of k > 1 padded with copies of its
    last row. Returns each row's record (``public_outputs``, ``outputs`` in clear, ``seconds`` of the whole
    proof) or, when the proof fails (a halt, a value out of range), each row's ``error``. Runs in a worker
    process (the model rebuilt from ``source`` once per process) or in the parent."""
    import json

    start = time.perf_counter()
    try:
        zk = _model(source, path)
        program, entry, args = batch_call(zk, k, rows[0], total, xs, label_blinding)
        proof = program.prove(entry, *args)
        if k == 1:
            public, clear = [list(proof.public_outputs)], [list(proof.outputs)]
        else:
            labels = manifest_format.array_elements(proof.public_outputs[0])
            public = clear = [[label] for label in labels[:len(rows)]]
        if proof_path is not None:
            proof.save(proof_path)
    except pl.PyleoError as e:
        return [{"row": i, "error": (type(e).__name__, e.message), "seconds": time.perf_counter() - start} for i in rows]
    seconds = time.perf_counter() - start
    records = [{"row": i, "error": None, "public_outputs": p, "outputs": c, "seconds": seconds}
               for i, p, c in zip(rows, public, clear)]
    if proof_path is None:
        records[0]["proof_json"] = json.dumps(proof.to_json(), indent=1) + "\n"
    return records


def _ray_prove_group(keys: dict[str, bytes] | None, aleo: str, source: str, path: str, k: int, rows: list[int],
                     total: int, xs: list[list[float]], label_blinding: int | None) -> list[dict[str, Any]]:
    """A Ray task: :func:`_prove_group` on a worker that may share neither the model file nor the key
    cache: ``keys`` (the key cache's files of the batch program's entry, shipped once through Ray's object
    store) are installed in the worker's key cache unless it has them; they are checked against their
    sha256 manifest on load (damaged ones are rebuilt). The proof comes back as JSON for the driver to write."""
    from pyleo import vm

    if keys:
        folder = vm.keys_dir(aleo)
        manifest = next(n for n in keys if n.endswith(".json"))
        if not (folder / manifest).is_file():
            for n in sorted(keys, key=lambda n: n.endswith(".json")):   # the manifest last
                vm.write_atomic(folder / n, keys[n])
    return _prove_group(source, path, k, rows, total, xs, None, label_blinding)


# ---- the parent's side --------------------------------------------------------------------------
_ERRORS = {"ModelInputError": "input malformed or outside the range the model was converted for",
           "ExecutionError": "the circuit halted", "LimitError": "the model does not fit a circuit here"}
"""What the shared manifest says of a failed row: the kind of error only, since its message may quote
the row's private values (an input, an intermediate value); the message goes to the prover-only file."""


def _prediction(zk: ZkModel, output: str | None) -> Any:
    """The label / value a public output literal (``"2u8"``, ``"-13i64"``) stands for, as JSON; None for a
    private label or a commitment."""
    if output is None or output.endswith("field"):
        return None
    value = zk.decode([int(re.match(r"-?[0-9]+", output).group())])[0]   # type: ignore[union-attr]
    return value.item() if isinstance(value, np.generic) else value


def _ray_module(cluster: str) -> Any:
    """Ray, once ``cluster`` is checked (``"local"`` or ``ray://…``, whose client also needs gRPC);
    BatchError naming what is missing."""
    if cluster != "local" and not re.fullmatch(r"ray://[^\s/:]+:[0-9]{1,5}", cluster):
        raise BatchError(f"--cluster takes 'local' or ray://HOST:PORT, got {cluster!r}")
    try:
        import ray
    except ImportError:
        raise BatchError("proving on a cluster needs Ray, which is not installed",
                         hint="pip install 'pyleo-zk[ray]'") from None
    if cluster != "local" and importlib.util.find_spec("grpc") is None:
        raise BatchError(f"connecting to the Ray cluster {cluster} needs the Ray Client (gRPC), which is not installed",
                         hint="pip install 'ray[client]', or use --cluster local") from None
    return ray


def _reachable(cluster: str) -> None:
    """BatchError within :data:`pyleo.network.node.TIMEOUT_S` seconds when nothing answers at the cluster's
    address (``ray://HOST:PORT``); Ray's own client would wait 30 s and log to stderr before failing."""
    import socket

    from pyleo.network.node import TIMEOUT_S

    host, port = cluster.removeprefix("ray://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=TIMEOUT_S).close()
    except OSError as e:
        raise BatchError(f"cannot reach the Ray cluster {cluster}: nothing answers at {host}:{port} "
                         f"({e.strerror or type(e).__name__})",
                         hint="start the cluster (ray start --head), or use --cluster local") from None


@contextlib.contextmanager
def _ray_session(cluster: str | None, workers: int) -> Iterator[Any]:
    """Ray connected (or started) for the whole run, before any proof: yields the ``ray`` module (None
    without ``cluster``); BatchError when the cluster cannot be reached. Shut down at the end when
    started here."""
    from pyleo import vm

    if cluster is None:
        yield None
        return
    ray = _ray_module(cluster)
    if cluster != "local":
        _reachable(cluster)
    started = not ray.is_initialized()
    if started:
        try:
            if cluster == "local":
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
            else:
                ray.init(address=cluster, log_to_driver=False)
        except Exception as e:   # noqa: BLE001 - Ray raises ConnectionError, ValueError, RuntimeError, grpc errors
            with contextlib.suppress(Exception):
                ray.shutdown()
            raise BatchError(f"cannot start or reach the Ray cluster {cluster}: {type(e).__name__}: "
                             f"{vm.clean_message(str(e))}") from None
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def prove_many(zk: ZkModel, X: Any, out_dir: str | os.PathLike[str], workers: int | None = None,
               private_out: str | os.PathLike[str] | None = None, progress: bool = True,
               rows_per_proof: int | str = 1, cluster: str | None = None) -> BatchResult:
    """Prove the prediction of every row of ``X`` (raw feature values, shape (n, n_features), float; NaN
    where missing) of the converted model ``zk`` into the batch folder ``out_dir``: proof files and the
    manifest (see the module and :mod:`pyleo.trust.batch`).

    Every proof is one circuit (a model whose row does not fit one circuit here is refused at once,
    LimitError: prove its rows one by one, split). ``rows_per_proof``: k > 1 proves k rows per proof
    (public weights and label only), paying the transition's fixed cost once per k rows; ``"auto"``: the
    largest k the cost model fits in 16,384 constraints (:func:`max_rows_per_proof`). A k that cannot
    fit is refused at once (LimitError).

    ``cluster``: prove on Ray instead of local processes: ``"local"`` (a Ray started here with
    ``workers`` CPUs) or ``"ray://HOST:PORT"`` (a running cluster whose workers have pyleo-zk and the
    snarkVM parameters installed; this machine needs ``ray[client]``). Ray is reached before the first
    proof. The keys are synthesized here once and shipped to the workers; proofs come back to be
    written here.

    ``workers``: local worker processes (default ``os.cpu_count()``; 1 proves every row in this
    process). They are started with ``spawn`` (snarkVM's threads do not survive a fork), which imports
    the calling script again: a script calling this with workers > 1 guards its work with ``if __name__ ==
    "__main__":``. ``private_out``: the prover-only file (mode 0600) of every row's outputs in clear and,
    for a label published as a commitment, its blinding r (then required). ``progress``: a progress bar
    on stderr when it is a terminal (:func:`pyleo.progress.rows`): the keys stage first (the first proof, which
    builds or loads the keys), then the rows with an ETA measured on the rows proved after it.

    Rows the manifest already records as proved (and whose proof file exists) are skipped. A row that
    fails (out of the model's range, a halt) is recorded with its error and does not stop the others; a
    rerun tries it again (:attr:`BatchResult.failed`; every row failing is not an exception here, the CLI
    exits non-zero for it). Raises ModelInputError for a table of the wrong shape or a bad
    ``rows_per_proof``, :class:`pyleo.LimitError` for k rows that cannot fit one circuit,
    :class:`pyleo.InputError` for an unwritable ``out_dir``, :class:`BatchError` for an unusable cluster,
    when ``out_dir`` holds another batch, or when a worker died (the rows done so far are recorded: run
    again to finish). A run that fails before recording any row removes what it created."""
    from pyleo import vm

    start = time.perf_counter()
    X = np.asarray(X, dtype=np.float64) if np.ndim(X) < 2 else zk.rows(X)   # a network's samples: flattened
    if X.ndim != 2 or len(X) == 0:
        raise ModelInputError(f"{zk.name} takes a table of at least one row of {zk.n_features} features, got an array "
                              f"of shape {X.shape}")
    if len(X) > 2**32 - 1:
        raise ModelInputError(f"a batch holds at most {2**32 - 1:,} rows (its row numbers are u32), got {len(X):,}")
    committed = zk.output == "commitment"
    if committed and private_out is None:
        raise ModelInputError(f"{zk.name} publishes its label as a commitment: pass private_out= (`--private-out`), "
                              "the prover-only file that keeps each row's blinding r")
    out = Path(out_dir)
    vm.check_writable(out, folder=True, what="the batch folder")
    if private_out is not None:
        vm.check_writable(private_out, what="the prover-only file")
    workers = max(1, int(workers if workers is not None else (os.cpu_count() or 1)))
    k = rows_per_proof_for(zk, rows_per_proof)
    if k == 1 and not batch_program(zk, 1).fits_here(ENTRY_ONE):
        need = batch_program(zk, 1).estimate(ENTRY_ONE, synthesize_transition=False).total
        raise pl.LimitError(f"a batch proves each row in one circuit (a split proof would drop the unread row "
                            f"input, so it could not name its row), and a row of {zk.name} with that input needs "
                            f"about {need:,} constraints (cost model); one circuit here proves at most "
                            f"{limits.LOCAL_BUDGET:,}", None,
                            "prove its rows one by one, split: `pyleo prove MODEL predict ROW --split`")
    aleo = batch_program(zk, k).aleo()
    stamp = vm.stamp(aleo)
    head = {**stamp, "function": ENTRY_ONE if k == 1 else ENTRY_MANY, "model": zk.name, "rows_total": len(X),
            "rows_per_proof": k}
    manifest = manifest_format.read_json(out / MANIFEST, "batch manifest")
    if manifest is not None:
        for key in ("format", "program_checksum", "rows_total", "rows_per_proof"):
            want = manifest_format.FORMAT if key == "format" else head[key]
            if manifest.get(key) != want:
                raise BatchError(f"{out} holds a batch with {key} {manifest.get(key)!r}, not {want!r}",
                                 hint="prove this batch into another folder")
    records = {int(r["row"]): r for r in (manifest or {}).get("rows", []) if isinstance(r, dict) and "row" in r}
    secret = manifest_format.read_private(private_out) if private_out is not None else {}

    def done(i: int) -> bool:
        r = records.get(i)
        return r is not None and r.get("error") is None and (out / r["proof"]).is_file() and (not committed or i in secret)

    def failed(row: int, error: tuple[str, str], seconds: float) -> None:
        kind, message = error
        records[row] = {"row": row, "proof": None, "error": _ERRORS.get(kind, kind), "seconds": round(seconds, 3)}
        secret[row] = {"error": message}

    skipped = sum(done(i) for i in range(len(X)))
    todo = []
    for i in range(len(X)):
        if done(i):
            continue
        try:   # a row outside the model's range fails here, without a worker
            zk.encode(X[i:i + 1])
            todo.append(i)
        except ModelInputError as e:
            failed(i, (type(e).__name__, e.message), 0.0)
    blinding = {i: secrets.randbelow(2**250) if committed else None for i in todo}

    def save() -> None:
        manifest_format.write_manifest(out, head, [records[i] for i in sorted(records)])
        if private_out is not None:
            manifest_format.write_private(private_out, out, stamp, secret)

    def record(results: list[dict[str, Any]]) -> None:
        first = results[0]["row"]
        for slot, result in enumerate(results):
            i = result["row"]
            if result["error"] is not None:
                failed(i, result["error"], result["seconds"])
                continue
            records[i] = {"row": i, "proof": proof_name(first, k), **({"slot": slot} if k > 1 else {}), "error": None,
                          "seconds": round(result["seconds"], 3), "public_outputs": result["public_outputs"],
                          **({"prediction": _prediction(zk, result["public_outputs"][0])}
                             if zk.output == "public" else {})}
            secret[i] = {"outputs": result["outputs"],
                         **({"label_blinding": f"{blinding[first]}scalar"} if blinding[first] is not None else {})}
        save()

    groups = [g for j in range(0, len(todo), k) for g in _consecutive(todo[j:j + k])]
    source, path = zk.source, str(zk.path)
    _models.setdefault(hashlib.sha256(source.encode()).hexdigest(), zk)

    def job(group: list[int]) -> tuple[Any, ...]:
        return (source, path, k, group, len(X), X[group].tolist(), str(out / proof_name(group[0], k)), blinding[group[0]])

    mine = [out, out / MANIFEST] + ([Path(private_out)] if private_out is not None else [])
    created = [p for p in mine if not p.exists()]   # removed again when the run fails before recording a row
    with _ray_session(cluster, workers) as ray:
        out.mkdir(parents=True, exist_ok=True)
        try:
            for stale in out.glob(".row*.proof.json.*.tmp"):   # a proof a killed worker was writing (write_atomic's temp)
                stale.unlink(missing_ok=True)
            save()
            first = pl_progress.keys_stage(aleo, head["function"], f"proving {zk.name}'s first proof")
            with pl_progress.rows(len(todo), first, f"proving {zk.name}", progress) as advance:
                if groups:   # the first proof here: synthesizes (or loads) the keys once, for every worker
                    record(_prove_group(*job(groups[0])))
                    advance(len(groups[0]))
                created = []   # a row is recorded: from here on, the folder is a batch to resume
                rest = groups[1:]
                if rest and ray is not None:
                    _prove_on_ray(ray, k, aleo, rest, job, out, record, advance)
                elif rest and workers == 1:
                    for group in rest:
                        record(_prove_group(*job(group)))
                        advance(len(group))
                elif rest:
                    _prove_on_processes(workers, rest, job, record, advance, lambda: sum(not done(i) for i in range(len(X))),
                                        len(X), out, done)
        except BaseException:
            for p in reversed(created):   # nothing recorded yet: leave nothing behind
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            raise
    proved = sum(done(i) for i in range(len(X))) - skipped
    failures = [records[i] for i in sorted(records) if records[i].get("error") is not None]
    return BatchResult(out / MANIFEST, len(X), proved, skipped, len(failures), time.perf_counter() - start,
                       f"row {failures[0]['row']}: {failures[0]['error']}" if failures else None)


def _consecutive(rows: list[int]) -> list[list[int]]:
    """``rows`` cut into runs of consecutive row numbers (a proof proves rows first … first + n − 1)."""
    runs: list[list[int]] = []
    for i in rows:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _prove_on_processes(workers: int, groups: list[list[int]], job: Callable[[list[int]], tuple[Any, ...]],
                        record: Callable[[list[dict[str, Any]]], None], advance: Callable[[int], None],
                        left: Callable[[], int], total: int, out: Path, done: Callable[[int], bool]) -> None:
    """Prove ``groups`` on local worker processes (``spawn``), recording each as it arrives."""
    ctx = multiprocessing.get_context("spawn")   # snarkVM's threads do not survive a fork
    with cf.ProcessPoolExecutor(max_workers=min(workers, len(groups)), mp_context=ctx) as pool:
        futures = [pool.submit(_prove_group, *job(group)) for group in groups]
        try:
            for f in cf.as_completed(futures):
                record(f.result())
                advance(len(f.result()))
        except BrokenProcessPool:
            for f in futures:   # results that arrived before the pool broke
                if f.done() and f.exception() is None and not done(f.result()[0]["row"]):
                    record(f.result())
            raise BatchError(f"a worker process died; {left()} of {total} rows are not proved (the others are recorded "
                             f"in {out / MANIFEST})", hint="run the same command again to prove the rest") from None


def _prove_on_ray(ray: Any, k: int, aleo: str, groups: list[list[int]], job: Callable[[list[int]], tuple[Any, ...]],
                  out: Path, record: Callable[[list[dict[str, Any]]], None], advance: Callable[[int], None]) -> None:
    """Prove ``groups`` as Ray tasks (:func:`_ray_prove_group`), writing each proof and record as it arrives."""
    from pyleo import vm

    function = ENTRY_ONE if k == 1 else ENTRY_MANY
    files = [vm.keys_dir(aleo) / f"{function}{suffix}" for suffix in (".pk", ".vk", ".json")]
    keys = {f.name: f.read_bytes() for f in files} if all(f.is_file() for f in files) else None
    task = ray.remote(num_cpus=1, max_retries=2)(_ray_prove_group)
    keys_ref = ray.put(keys)
    refs = {}
    for g in groups:
        source, path, k_, rows, total, xs, _, blinding = job(g)
        refs[task.remote(keys_ref, aleo, source, path, k_, rows, total, xs, blinding)] = g
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        try:
            results = ray.get(ready[0])
        except ray.exceptions.RayError as e:
            raise BatchError(f"a Ray task failed: {type(e).__name__}; the rows done so far are recorded in "
                             f"{out / MANIFEST}", hint="run the same command again to prove the rest") from None
        proof_json = results[0].pop("proof_json", None)
        if proof_json is not None:
            vm.write_atomic(out / proof_name(refs[ready[0]][0], k), proof_json.encode())
        record(results)
        advance(len(results))


def trusted_batch(zk: ZkModel, k: int) -> Trusted:
    """What a verifier who trusts the model ``zk`` trusts of its batches with ``k`` rows per proof: the batch
    program (:func:`batch_program`) and, with private weights, their commitment."""
    program = batch_program(zk, k)
    return Trusted(programs={program.name: program},
                   commitments={program.name: zk.commitment} if zk.weights == "private" and zk.commitment else {},
                   labels={"model": str(zk.path)})


def verify_many(folder: str | os.PathLike[str], zk: ZkModel | None = None, checksum: str | None = None) -> BatchVerdict:
    """Verify a batch folder (:func:`pyleo.trust.batch.verify_batch`) bound to what the verifier trusts:
    ``zk`` (the model: the batch program derived from it for the proofs' rows per proof, its weights'
    commitment when private, its decoding of labels into predictions) or ``checksum`` (the batch
    program's, 64 hex digits), not both. Raises BatchError when the folder has no readable manifest,
    InputError for both or a malformed checksum."""
    if zk is not None and checksum is not None:
        raise pl.InputError("name the model (--model) or the batch program's checksum (--checksum), not both",
                            hint="the model binds more: its batch program, its weights' commitment, its labels")
    if zk is None:
        return manifest_format.verify_batch(folder, Trusted(checksum=checksum) if checksum else None)
    return manifest_format.verify_batch(folder, lambda k: trusted_batch(zk, k), lambda label: _prediction(zk, label))
