"""Proving many predictions (issue 13): wall time of a batch of iris rows proved by an MLP converted
from scikit-learn (``MLPClassifier((8,))``), with 1 and 2 local workers (one proof per row), with Ray
local (2 CPUs, when Ray is installed: ``pip install 'pyleo-zk[ray]'``; its start-up included), and with
k rows per proof (k = 1, 2, 4, …, up to what the cost model fits in 16,384 constraints; 1 worker);
key synthesis paid once (measured: the first proof with an empty key cache) against paid per row
(that time times the rows: what proving each row in a fresh process without the cache would cost).

The baseline in the same run is 1 worker, one row per proof. Every configuration proves the same
rows into a fresh folder, with the keys already cached (the first configuration's synthesis excepted,
reported apart). Rows: ``--rows N`` (default 16: the machine these figures come from had 2 cores
shared with other jobs, where 200 rows take ~15 minutes per configuration).

    python -m benchmarks.batch [--rows N]    # prints a table, writes benchmarks/results/batch.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.neural_network import MLPClassifier

from pyleo import vm
from stdlib_ml.convert import batch, from_sklearn

RESULTS = Path(__file__).with_name("results") / "batch.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=16, help="iris rows to prove per configuration (default 16)")
    n = ap.parse_args().rows
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((8,), max_iter=2000, random_state=0).fit(X, y)
    zk = from_sklearn(model, X)
    rows = X[:: max(1, len(X) // n)][:n]
    k_max = batch.auto_rows_per_proof(zk)
    results: dict[str, object] = {"model": "iris MLPClassifier((8,))", "rows": len(rows), "cpus": os.cpu_count(),
                                  "constraints_one_row": zk.cost(), "auto_rows_per_proof": k_max, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PYLEO_CACHE_DIR"] = str(Path(tmp) / "cache")   # an empty key cache: measure synthesis
        vm.forget_programs()
        first = zk.prove(rows[0])
        warm = zk.prove(rows[1])
        synth = first.timings.get("synthesize", 0.0)
        results["key_synthesis_s"] = round(synth, 2)
        results["first_proof_s"] = round(sum(first.timings.values()), 2)
        results["warm_proof_s"] = round(sum(warm.timings.values()), 2)
        ray = importlib.util.find_spec("ray") is not None
        configs = [(None, 1, 1), (None, 2, 1)] + ([("local", 2, 1)] if ray else []) + \
            [(None, 1, k) for k in (2, 4, 8, 16, 32) if k <= k_max] + \
            ([(None, 1, k_max)] if k_max not in (1, 2, 4, 8, 16, 32) else [])
        for cluster, workers, k in configs:
            out = Path(tmp) / f"{cluster}-w{workers}-k{k}"
            start = time.perf_counter()
            res = zk.prove_many(rows, out, workers=workers, rows_per_proof=k, progress=False, cluster=cluster)
            wall = time.perf_counter() - start
            assert res.failed == 0 and res.proved == len(rows), res
            check = batch.verify_many(out, zk)
            assert check.valid == len(rows) and not check.invalid, check
            proof = next(out.glob("row*.proof.json"))
            constraints = vm.Proof.load(proof).constraints
            run = {"engine": "ray local" if cluster else "processes", "workers": workers, "rows_per_proof": k, "wall_s": round(wall, 2),
                   "per_prediction_s": round(wall / len(rows), 3), "constraints_per_proof": constraints}
            results["runs"].append(run)   # type: ignore[union-attr]
            print(f"  done: {run}", flush=True)
    base = results["runs"][0]["wall_s"]   # type: ignore[index]
    print(f"\n{len(rows)} iris rows, {results['model']}, {results['constraints_one_row']:,} constraints per row; "
          f"{os.cpu_count()} CPUs")
    print(f"key synthesis (empty cache, first proof): {synth:.1f} s, paid once; paid per row it would add "
          f"{synth * len(rows):.0f} s to this batch ({synth:.1f} s x {len(rows)} rows)")
    print(f"{'engine':<10} {'workers':>7} {'rows/proof':>10} {'constraints':>11} {'wall s':>8} {'s/prediction':>12} {'speed-up':>8}")
    for r in results["runs"]:   # type: ignore[union-attr]
        print(f"{r['engine']:<10} {r['workers']:>7} {r['rows_per_proof']:>10} {r['constraints_per_proof']:>11,} {r['wall_s']:>8.1f} "
              f"{r['per_prediction_s']:>12.2f} {base / r['wall_s']:>7.2f}x")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
