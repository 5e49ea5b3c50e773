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

Several rows per proof (``rows_per_proof=k``): :func:`rows_program` writes an entry ``predict_rows``
that inlines ``predict`` once per row, so a proof of k predictions pays the transition's fixed cost
once; the manifest then gives each row its proof and its ``slot`` in the proof's output array. On a
Ray cluster (``cluster=``), the keys synthesized here are shipped to the workers.
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


def proof_name(row: int, k: int = 1) -> str:
    """The proof file of row ``row`` (0-based) inside a batch folder; with ``k`` rows per proof, of the
    proof whose first row is ``row``."""
    return f"row-{row:06d}.proof.json" if k == 1 else f"rows-{row:06d}-k{k}.proof.json"


# ---- several rows per proof ----------------------------------------------------------------------
_PREDICT = re.compile(r"^@pl\.function\ndef predict\((\w+): (.+)\) -> pl\.Public\[(.+)\]:\n((?:[ \t]+.*\n|\n)+)", re.M)
"""``predict`` as a converter writes it: its one parameter and type, its label type, its body."""


def rows_program(zk: ZkModel, k: int) -> pl.Program:
    """The program ``<name>_rows<k>`` whose entry ``predict_rows`` takes ``k`` encoded samples (an array
    of ``k`` of ``predict``'s input) and returns their ``k`` labels (a public array): ``predict``'s body
    inlined once per row, so the transition's fixed cost (~11.8k constraints here) is paid once per
    proof. Generated from the model file's source (cached like converted models); needs public
    weights and a public label (ModelInputError otherwise, or when ``predict`` was edited out of shape)."""
    from .model import _materialize

    if zk.weights != "public" or zk.output != "public":
        raise ModelInputError(f"several rows per proof need public weights and a public label; {zk.name} has "
                              f"{zk.weights} weights and a {zk.output} label", hint="prove one row per proof")
    m = _PREDICT.search(zk.source)
    if m is None:
        raise ModelInputError(f"{zk.path}: `predict` is not of the form `def predict(x: T) -> pl.Public[U]:` that "
                              "several rows per proof copy", hint="prove one row per proof")
    param, x_type, y_type, body = m.groups()
    calls = ", ".join(f"_predict_row({param}s[{j}])" for j in range(k))
    source = zk.source.replace("\nprog = pl.Program(", "\n_single = pl.Program(") + f"""

# ---- {k} rows per proof (stdlib_ml.convert.batch.rows_program) ----
@pl.inline
def _predict_row({param}: {x_type}) -> {y_type}:
{body.rstrip()}


@pl.function
def predict_rows({param}s: pl.Array[{x_type}, {k}]) -> pl.Public[pl.Array[{y_type}, {k}]]:
    \"\"\"The labels of {k} samples (public).\"\"\"
    return [{calls}]


prog = pl.Program("{zk.name}_rows{k}", [predict_rows])
"""
    return _materialize(source, f"{zk.name}_rows{k}").program


def auto_rows_per_proof(zk: ZkModel, budget: int | None = None) -> int:
    """The largest k whose :func:`rows_program` the cost model (:meth:`pyleo.Program.estimate`, without
    synthesis) puts within ``budget`` constraints (default 16,384, what proves here; the cost grows
    with k by the model's own constraints and its k inputs). 1 when even two rows do not fit."""
    from pyleo.limits import MAX_CONSTRAINTS_LOCAL

    budget = budget or MAX_CONSTRAINTS_LOCAL

    def fits(k: int) -> bool:
        return rows_program(zk, k).estimate("predict_rows", synthesize_transition=False).total <= budget

    lo, hi = 1, 2
    while fits(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


# ---- the worker's side --------------------------------------------------------------------------
_models: dict[str, ZkModel] = {}


def _prove_group(model_path: str, k: int, rows: list[int], xs: list[list[float]], proof_path: str | None,
                 label_blinding: int | None) -> list[dict[str, Any]]:
    """Prove ``rows`` (their raw feature values ``xs``) in one proof written to ``proof_path`` (None:
    returned as the first record's ``proof_json`` instead, for a worker on another machine): one row
    with ``predict`` when ``k`` is 1, else up to ``k`` rows with :func:`rows_program`'s ``predict_rows``
    (the last group padded with copies of its last row). Returns each row's record (``public_outputs``,
    ``outputs`` in clear, ``seconds`` of the whole proof) or, when the proof fails (a halt, a value out of
    range), each row's ``error``. Runs in a worker process (the model loaded once per process) or in the parent."""
    start = time.perf_counter()
    try:
        zk = _models.get(model_path)
        if zk is None:
            zk = _models[model_path] = load(model_path)
        if k == 1:
            proof = zk.prove(np.asarray(xs[0], dtype=np.float64), label_blinding=label_blinding)
            public, clear = [list(proof.public_outputs)], [list(proof.outputs)]
        else:
            enc = zk.encode(np.asarray(xs + xs[-1:] * (k - len(xs)), dtype=np.float64))
            proof = rows_program(zk, k).prove("predict_rows", enc)
            labels = _elements(proof.public_outputs[0])
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


def _ray_prove_group(source: str, name: str, keys: dict[str, bytes] | None, k: int, rows: list[int],
                     xs: list[list[float]], label_blinding: int | None) -> list[dict[str, Any]]:
    """A Ray task: :func:`_prove_group` on a worker that may share neither the model file nor the key
    cache: the model is written from its ``source`` into the worker's cache, and ``keys`` (the key
    cache's files of the proved function, shipped once through Ray's object store) are installed in the
    worker's key cache unless it has them; they are checked against their sha256 manifest on load
    (damaged ones are rebuilt). The proof comes back as JSON for the driver to write."""
    from pyleo import vm

    from .model import _materialize

    zk = _materialize(source, name)
    _models[str(zk.path)] = zk
    if keys:
        aleo = (zk.program if k == 1 else rows_program(zk, k)).aleo()
        folder = vm.keys_dir(aleo)
        manifest = next(n for n in keys if n.endswith(".json"))
        if not (folder / manifest).is_file():
            for n in sorted(keys, key=lambda n: n.endswith(".json")):   # the manifest last
                vm.write_atomic(folder / n, keys[n])
    return _prove_group(str(zk.path), k, rows, xs, None, label_blinding)


def _elements(array: str | None) -> list[str]:
    """The elements of a public array output literal (``"[0u8, 2u8]"``)."""
    return [e.strip() for e in (array or "").strip()[1:-1].split(",")]


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
def _progress(show: bool, total: int, name: str) -> Iterator[Callable[[int], None]]:
    """A progress bar with the rows done, the elapsed time and the ETA (rich, on stderr); yields
    ``advance(rows)``."""
    if not show or total == 0:
        yield lambda rows: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn(f"proving {name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda rows: bar.advance(task, rows)


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
               private_out: str | os.PathLike[str] | None = None, progress: bool = True,
               rows_per_proof: int | str = 1, cluster: str | None = None) -> BatchResult:
    """Prove the prediction of every row of ``X`` (raw feature values, shape (n, n_features), float;
    NaN where missing) into ``out_dir``: one proof file per row and the manifest (see the module).

    ``rows_per_proof``: k > 1 proves k rows per proof with :func:`rows_program` (public weights and
    label only), paying the transition's fixed cost once per k rows; ``"auto"``: the largest k the
    cost model fits in 16,384 constraints (:func:`auto_rows_per_proof`). The manifest then maps each
    row to its proof and its place in the proof's output array.

    ``cluster``: prove on Ray instead of local processes: ``"local"`` (a Ray started here with
    ``workers`` CPUs) or ``"ray://HOST:PORT"`` (a running cluster whose workers have pyleo-zk and the
    snarkVM parameters installed). The keys are synthesized here once and shipped to the workers
    through Ray's object store; proofs come back to be written here. Needs ``pip install
    'pyleo-zk[ray]'`` (BatchError saying so otherwise).

    ``workers``: local worker processes (default ``os.cpu_count()``; 1 proves every row in this
    process). They are started with ``spawn`` (snarkVM's threads do not survive a fork), which imports
    the calling script again: a script calling this with workers > 1 guards its work with
    ``if __name__ == "__main__":``, as ``multiprocessing`` requires. ``private_out``: the prover-only file (mode 0600) of every row's outputs in clear and,
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
    ray = _ray_module(cluster) if cluster is not None else None
    k = auto_rows_per_proof(zk) if rows_per_proof == "auto" else int(rows_per_proof)
    if k < 1:
        raise ModelInputError(f"rows_per_proof must be a positive number or 'auto', got {rows_per_proof!r}")
    aleo = (zk.program if k == 1 else rows_program(zk, k)).aleo()
    head = {"format": FORMAT, **vm.stamp(aleo), "function": "predict" if k == 1 else "predict_rows", "model": zk.name,
            "rows_total": len(X), "rows_per_proof": k}
    manifest = _read_json(out / MANIFEST, "batch manifest")
    if manifest is not None:
        for key in ("format", "program_checksum", "rows_total", "rows_per_proof"):
            if manifest.get(key) != head[key]:
                raise BatchError(f"{out} holds a batch with {key} {manifest.get(key)!r}, not {head[key]!r}",
                                 hint="prove this batch into another folder")
    mine = _read_json(Path(private_out), "prover-only batch file") if private_out is not None else None
    records = {int(r["row"]): r for r in (manifest or {}).get("rows", []) if isinstance(r, dict) and "row" in r}
    secret = {int(row): v for row, v in (mine or {}).get("rows", {}).items()}

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

    def record(results: list[dict[str, Any]]) -> None:
        first = results[0]["row"]
        for slot, result in enumerate(results):
            i = result["row"]
            if result["error"] is not None:
                _failed(records, secret, i, result["error"], result["seconds"])
                continue
            records[i] = {"row": i, "proof": proof_name(first, k), **({"slot": slot} if k > 1 else {}), "error": None,
                          "seconds": round(result["seconds"], 3), "public_outputs": result["public_outputs"],
                          **({"prediction": _prediction(zk, result["public_outputs"][0])}
                             if zk.output == "public" else {})}
            secret[i] = {"outputs": result["outputs"],
                         **({"label_blinding": f"{blinding[first]}scalar"} if blinding[first] is not None else {})}
        save()

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".row*.proof.json.*.tmp"):   # a proof a killed worker was writing (write_atomic's temp)
        stale.unlink(missing_ok=True)
    save()
    model_path = str(zk.path)
    groups = [todo[j:j + k] for j in range(0, len(todo), k)]

    def job(group: list[int]) -> tuple[Any, ...]:
        return (model_path, k, group, X[group].tolist(), str(out / proof_name(group[0], k)), blinding[group[0]])

    with _progress(progress, len(todo), zk.name) as advance:
        if groups:   # the first proof here: synthesizes (or loads) the keys once, for every worker
            record(_prove_group(*job(groups[0])))
            advance(len(groups[0]))
        rest = groups[1:]
        if rest and ray is not None:
            _prove_on_ray(ray, cluster, workers, zk, k, aleo, rest, X, blinding, out, record, advance)
        elif rest and workers == 1:
            for group in rest:
                record(_prove_group(*job(group)))
                advance(len(group))
        elif rest:
            ctx = multiprocessing.get_context("spawn")   # snarkVM's threads do not survive a fork
            with cf.ProcessPoolExecutor(max_workers=min(workers, len(rest)), mp_context=ctx) as pool:
                futures = [pool.submit(_prove_group, *job(group)) for group in rest]
                try:
                    for f in cf.as_completed(futures):
                        record(f.result())
                        advance(len(f.result()))
                except BrokenProcessPool:
                    for f in futures:   # results that arrived before the pool broke
                        if f.done() and f.exception() is None and not done(f.result()[0]["row"]):
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
    invalid: list[tuple[Any, str]]


def _ray_module(cluster: str) -> Any:
    """Ray, once ``cluster`` is checked (``"local"`` or ``ray://…``); BatchError when Ray is missing."""
    if cluster != "local" and not cluster.startswith("ray://"):
        raise BatchError(f"--cluster takes 'local' or ray://HOST:PORT, got {cluster!r}")
    try:
        import ray
    except ImportError:
        raise BatchError("proving on a cluster needs Ray, which is not installed",
                         hint="pip install 'pyleo-zk[ray]'") from None
    return ray


def _prove_on_ray(ray: Any, cluster: str | None, workers: int, zk: ZkModel, k: int, aleo: str, groups: list[list[int]],
                  X: np.ndarray, blinding: dict[int, int | None], out: Path, record: Callable[[list[dict[str, Any]]], None],
                  advance: Callable[[int], None]) -> None:
    """Prove ``groups`` as Ray tasks (:func:`_ray_prove_group`), writing each proof and record as it arrives."""
    from pyleo import vm

    started = not ray.is_initialized()
    if started:
        if cluster == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=cluster, log_to_driver=False)
    try:
        function = "predict" if k == 1 else "predict_rows"
        files = [vm.keys_dir(aleo) / f"{function}{suffix}" for suffix in (".pk", ".vk", ".json")]
        keys = {f.name: f.read_bytes() for f in files} if all(f.is_file() for f in files) else None
        task = ray.remote(num_cpus=1, max_retries=2)(_ray_prove_group)
        keys_ref = ray.put(keys)
        refs = {task.remote(zk.source, zk.name, keys_ref, k, g, X[g].tolist(), blinding[g[0]]): g for g in groups}
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
    finally:
        if started:
            ray.shutdown()


def verify_many(folder: str | os.PathLike[str], zk: ZkModel | None = None, checksum: str | None = None) -> BatchCheck:
    """Check every proof of a batch folder against its manifest: each proved row's proof file is a valid
    proof of ``predict`` of the manifest's program whose public outputs are the manifest's. Bound to
    what the verifier trusts: ``zk`` (the model: its program and, with private weights, its
    commitment; :meth:`ZkModel.verify`) or ``checksum`` (the program checksum, 64 hex digits). Without
    either, a proof shows only that the program it carries gave these outputs. Raises
    :class:`BatchError` when the folder has no readable manifest."""
    from pyleo import vm

    manifest = read_manifest(folder)
    k = manifest.get("rows_per_proof", 1)
    if not isinstance(k, int) or k < 1:
        raise BatchError(f"{folder}/{MANIFEST}: rows_per_proof must be a positive integer, got {k!r}")
    trusted = None if zk is None else zk.program if k == 1 else rows_program(zk, k)
    want = vm.program_checksum(trusted.aleo()) if trusted is not None else checksum
    if want is not None and manifest.get("program_checksum") != vm.normalize_checksum(want):
        raise BatchError(f"{folder} is a batch of the program with checksum {manifest.get('program_checksum')}, "
                         f"not of the trusted one ({vm.normalize_checksum(want)})")
    rows = [r for r in manifest["rows"] if isinstance(r, dict)]
    seen = [r.get("row") for r in rows]
    invalid: list[tuple[Any, str]] = [(i, "recorded more than once") for i in sorted({i for i in seen if seen.count(i) > 1}, key=str)]
    failed = sum(r.get("error") is not None for r in rows)
    checked: dict[str, tuple[Any, str | None]] = {}   # proof file → (proof or None, why it is not valid)
    valid = 0
    for r in rows:
        i = r.get("row")
        if r.get("error") is not None:
            continue
        name = r.get("proof")
        if not isinstance(name, str) or "/" in name or not re.fullmatch(r"rows?-[0-9]{6}(-k[0-9]+)?\.proof\.json", name):
            invalid.append((i, f"its proof file {name!r} is not a proof file of this folder"))
            continue
        if name not in checked:
            checked[name] = _check_proof(Path(folder) / name, manifest, zk, trusted, checksum)
        proof, reason = checked[name]
        if reason is None:
            outputs = list(proof.public_outputs)
            if k > 1:
                slot = r.get("slot")
                labels = _elements(outputs[0])
                outputs = [labels[slot]] if isinstance(slot, int) and 0 <= slot < len(labels) else None
            if outputs != r.get("public_outputs"):
                reason = f"the proof's public outputs {outputs} are not the manifest's {r.get('public_outputs')}"
        if reason is None:
            valid += 1
        else:
            invalid.append((i, reason))
    return BatchCheck(valid, failed, invalid)


def _check_proof(path: Path, manifest: dict[str, Any], zk: ZkModel | None, trusted: pl.Program | None,
                 checksum: str | None) -> tuple[Any, str | None]:
    """One proof file of a batch: (the proof, None) when valid and of the manifest's program (bound to
    ``trusted`` / ``checksum`` when given), else (None or the proof, the reason)."""
    from pyleo import split, vm

    try:
        data = vm.read_proof_json(path)
        proof = split.SplitProof.from_json(data, str(path)) if split.is_split_proof(data) else \
            vm.Proof.from_json(data, str(path))
    except pl.PyleoError as e:
        return None, e.message
    if isinstance(proof, split.SplitProof):
        if zk is not None:
            return proof, None if zk.verify(proof) else "not a valid proof of the trusted model"
        return proof, split.explain(proof, checksum=checksum)
    if proof.checksum != manifest.get("program_checksum"):
        return proof, f"the proof is of another program (checksum {proof.checksum})"
    if zk is not None and trusted is zk.program:
        return proof, None if zk.verify(proof) else "not a valid proof of the trusted model"
    return proof, vm.explain(proof, program=trusted.aleo() if trusted is not None else None, checksum=checksum)
