"""Proving many predictions (issue 13): wall time of a batch of rows proved with pyleo, per model,
against EZKL proving the same rows in the same run.

    python -m benchmarks.batch [--rows 200] [--other-rows 20] [--model KEY ...] [--no-ezkl] [--out PATH] [--smoke]

Models (:mod:`benchmarks.models`, fitted on 70% of their data set): the iris MLP 4→8→3 and the
breast_cancer logistic regression; the rows are the data set's rows (train and test) in order, cycled
to the number asked for (iris has 150). pyleo configurations: one proof per row with 1 and 2 local
worker processes and with Ray local (2 CPUs, its start-up included; when Ray is installed), and k rows
per proof (:func:`stdlib_ml.convert.prove_rows.batch_program`, 1 worker) for k = 2, 4, 8, … and the largest
k the cost model fits in 16,384 constraints. Key synthesis is measured apart, once per k, with an empty
key cache (the first proof's ``synthesize`` phase); every timed batch then finds its keys cached and
proves into a fresh folder, and is checked with :func:`~stdlib_ml.convert.prove_rows.verify_many`.
"Paid per proof" is that synthesis times the proofs: what proving each proof in a fresh process
without the cache would add.

EZKL (:func:`benchmarks.ezkl_bench.prove_batch`, when installed: ``pip install torch==2.13.0 &&
pip install -e '.[bench]'``): the same model's float weights exported with an ONNX input of shape
(k, features), EZKL's batch dimension, for k = 1, pyleo's largest k, and all rows in one proof;
setup (keys) once, then witness + prove per proof.

The largest k (pyleo) and the EZKL runs prove ``--rows`` rows; the other pyleo configurations prove
the first ``--other-rows`` of them (one proof per row costs ~6 s on the 2 shared cores these figures
come from: 200 rows per configuration would take over an hour). The machine's 1-minute load average
(``os.getloadavg``) is recorded around every run: other jobs share its cores.

Prints a table per model and writes ``benchmarks/results/batch.json`` and ``batch.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import vm
from stdlib_ml.convert import prove_rows

from . import models
from .ezkl_bench import ezkl_missing

RESULTS = Path(__file__).with_name("results") / "batch.json"

MODELS: dict[str, Callable[[], models.Fitted]] = {
    "iris_mlp8": lambda: models.iris_mlp(8),
    "breast_cancer_logreg": models.breast_cancer_logreg,
}
"""The models batched, by key: issue 13 asks per-prediction time against k for both."""


def load() -> float:
    """The machine's 1-minute load average (runnable processes; this machine has os.cpu_count() cores)."""
    return round(os.getloadavg()[0], 2)


def table_rows(f: models.Fitted, n: int) -> np.ndarray:
    """The data set's rows (train then test), cycled to ``n`` rows."""
    X = np.concatenate([f.X_train, f.X_test])
    return np.resize(X, (n, X.shape[1]))


def ks_for(k_max: int) -> list[int]:
    """k = 1, 2, 4, … below ``k_max``, then ``k_max``."""
    ks, k = [], 1
    while k < k_max:
        ks.append(k)
        k *= 2
    return ks + [k_max]


def key_synthesis(zk: Any, rows: np.ndarray, k: int) -> dict[str, Any]:
    """Prove the first k rows twice with an empty key cache for this k: the first proof synthesizes
    the keys (its ``synthesize`` phase), the second finds them cached."""
    def prove_once() -> vm.Proof:
        if k == 1:
            return prove_rows.batch_program(zk, 1).prove("predict", [0, 1, 1], *zk.circuit_args(zk.encode(rows[:1])[0]))
        return prove_rows.batch_program(zk, k).prove("predict_rows", [0, k, k], zk.encode(rows[:k]))

    first, warm = prove_once(), prove_once()
    return {"rows_per_proof": k, "constraints": first.constraints,
            "synthesis_s": round(first.timings.get("synthesize", 0.0), 2),
            "first_proof_s": round(sum(first.timings.values()), 2), "warm_proof_s": round(sum(warm.timings.values()), 2)}


def pyleo_run(zk: Any, f: models.Fitted, rows: np.ndarray, out: Path, workers: int, k: int,
              cluster: str | None) -> dict[str, Any]:
    """One timed prove_many (keys cached) and its verify_many; agreement of the proved predictions
    with the float model's predict."""
    before = load()
    start = time.perf_counter()
    res = prove_rows.prove_many(zk, rows, out, workers=workers, rows_per_proof=k, progress=False, cluster=cluster)
    wall = time.perf_counter() - start
    t = time.perf_counter()
    check = prove_rows.verify_many(out, zk)
    verify_s = time.perf_counter() - t
    predicted = {i: r.prediction for i, r in check.rows.items()}   # from the verified proofs
    agreement = float(np.mean([str(predicted.get(i)) == str(e) for i, e in enumerate(f.model.predict(rows))]))
    return {"stack": "pyleo", "engine": "ray local" if cluster else "processes", "workers": workers,
            "rows_per_proof": k, "rows": len(rows), "proofs": -(-len(rows) // k), "failed": res.failed,
            "constraints_per_proof": vm.Proof.load(next(out.glob("row*.proof.json"))).constraints,
            "wall_s": round(wall, 2), "per_prediction_s": round(wall / len(rows), 3),
            "verify_s": round(verify_s, 2), "verified": check.valid and len(check.rows) == len(rows),
            "agreement": agreement, "load_before": before, "load_after": load()}


def ezkl_run(f: models.Fitted, rows: np.ndarray, k: int, workdir: Path) -> dict[str, Any]:
    """EZKL proving ``rows``, k per proof (:func:`benchmarks.ezkl_bench.prove_batch`), with the load around it."""
    from .ezkl_bench import prove_batch

    before = load()
    start = time.perf_counter()
    r = prove_batch(f, rows, k, workdir)
    wall = time.perf_counter() - start
    return {**{key: round(v, 3) if isinstance(v, float) else v for key, v in r.items()},
            "wall_s": round(wall, 2), "load_before": before, "load_after": load()}


def measure(key: str, n: int, n_other: int, ezkl: bool, tmp: Path, smoke: bool = False) -> dict[str, Any]:
    """Every configuration of one model (see the module docstring); ``smoke``: one row per proof, one
    worker, no Ray, no EZKL."""
    from stdlib_ml.convert import from_sklearn

    f = MODELS[key]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zk = from_sklearn(f.model, f.X_train)
    rows = table_rows(f, n)
    k_max = prove_rows.max_rows_per_proof(zk)
    ks = [1] if smoke else ks_for(k_max)
    out: dict[str, Any] = {"model": key, "name": f.name, "constraints_one_row": zk.cost(prepare_proof=False),
                           "auto_rows_per_proof": k_max, "rows": n, "other_rows": n_other, "keys": [], "runs": []}
    print(f"\n== {f.name}: {zk.cost(prepare_proof=False):,} constraints per row (cost model), k up to {k_max}", flush=True)
    for k in ks:
        out["keys"].append(key_synthesis(zk, rows, k))
        print(f"  keys, k={k}: {out['keys'][-1]}", flush=True)
    ray = importlib.util.find_spec("ray") is not None
    configs = [(1, 1, None, n_other), (2, 1, None, n_other)] + ([(2, 1, "local", n_other)] if ray else []) + \
        [(1, k, None, n_other) for k in ks[1:-1]] + [(1, k_max, None, n)]
    if smoke:
        configs, ezkl = [(1, 1, None, n)], False
    for workers, k, cluster, m in configs:
        run = pyleo_run(zk, f, rows[:m], tmp / f"{key}-{cluster}-w{workers}-k{k}", workers, k, cluster)
        out["runs"].append(run)
        print(f"  {run}", flush=True)
    if ezkl:
        for k in dict.fromkeys((1, k_max, n)):
            run = ezkl_run(f, rows, k, tmp / f"{key}-ezkl-k{k}")
            out["runs"].append(run)
            print(f"  {run}", flush=True)
    return out


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables, one per model."""
    lines = [f"# Proving many predictions (issue 13): `{results['command']}`", "",
             f"{results['cpus']} CPUs **shared with other jobs**: 1-minute load average {results['load_start']} at the "
             f"start, {results['load_end']} at the end, and around each run below. "
             f"snarkVM {results['versions'].get('snarkvm', '?')}. Keys cached in every timed run (synthesis measured apart).", ""]
    for m in results["models"]:
        lines += [f"## {m['name']}", "",
                  f"{m['constraints_one_row']:,} constraints per row (cost model); the cost model fits up to k = "
                  f"{m['auto_rows_per_proof']} rows per proof in 16,384. Key synthesis (empty cache) is paid once per k; "
                  f"paid per proof (each proof in a fresh process without the cache) it would add synthesis × "
                  f"proofs to {m['rows']} rows:", "",
                  "| k | constraints (snarkVM) | synthesis s | paid per proof, s | first proof s | warm proof s |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for s in m["keys"]:
            proofs = -(-m["rows"] // s["rows_per_proof"])
            lines.append(f"| {s['rows_per_proof']} | {s['constraints']:,} | {s['synthesis_s']} | "
                         f"{s['synthesis_s'] * proofs:.0f} | {s['first_proof_s']} | {s['warm_proof_s']} |")
        lines += ["", "| stack | engine | workers | rows/proof | rows proved | proofs | circuit | setup s | wall s | "
                  "s/prediction | agree | load before→after |", "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"]
        for r in m["runs"]:
            if r["stack"] == "pyleo":
                circuit, setup = f"{r['constraints_per_proof']:,} constraints", "cached"
                engine, workers = r["engine"], r["workers"]
            else:
                circuit, setup = f"2^{r['logrows']} ({r['rows']:,} rows)", f"{r['setup_s'] + r['srs_s'] + r['compile_s']:.1f}"
                engine, workers = "in process", 1
            lines.append(f"| {r['stack']} | {engine} | {workers} | {r['rows_per_proof']} | {r.get('predictions', r['rows'])} | "
                         f"{r['proofs']} | {circuit} | {setup} | {r['wall_s']} | {r['per_prediction_s']} | "
                         f"{r['agreement']:.0%} | {r['load_before']}→{r['load_after']} |")
        lines.append("")
    lines += ["pyleo wall s: prove_many's wall time (keys cached; for Ray its start-up included); s/prediction = wall / rows. "
              "EZKL setup s: compile + calibrate + SRS + keys, paid once per k; its wall s includes it, its s/prediction is "
              "witness + prove only. agree: proved labels = the float model's predict.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200, help="rows of the largest k and of EZKL (default 200)")
    ap.add_argument("--other-rows", type=int, default=20, help="rows of the other pyleo configurations (default 20)")
    ap.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    ap.add_argument("--no-ezkl", action="store_true", help="skip EZKL even when it is installed")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS}; a Markdown table next to it)")
    ap.add_argument("--smoke", action="store_true", help="iris_mlp8, 2 rows, one row per proof, one worker, no EZKL")
    args = ap.parse_args(argv)
    if args.smoke:
        args.model, args.rows, args.no_ezkl = ["iris_mlp8"], 2, True
    why = None if args.no_ezkl else ezkl_missing()
    ezkl = not args.no_ezkl and why is None
    if why is not None:
        print(why, flush=True)
    results: dict[str, Any] = {"command": "python -m benchmarks.batch " + " ".join(argv if argv is not None else sys.argv[1:]),
                               "cpus": os.cpu_count(), "versions": vm.versions(), "load_start": load(),
                               "ezkl": ezkl, "models": []}
    with tempfile.TemporaryDirectory(prefix="pyleo_batch_bench_") as tmp:
        if not args.smoke:   # an empty key cache: synthesis is measured (the smoke run keeps the one it has)
            os.environ["PYLEO_CACHE_DIR"] = str(Path(tmp) / "cache")
            vm.forget_programs()
        for key in args.model or MODELS:
            results["models"].append(measure(key, args.rows, min(args.other_rows, args.rows), ezkl, Path(tmp), args.smoke))
    results["load_end"] = load()
    text = markdown(results)
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(text)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
