"""How constraints and compile time grow with the model: MLP width, tree depth, forest size, KNN points.

    python -m benchmarks.growth [--quick | --smoke] [--out PATH]

For every size: compile time (fitted scikit-learn model → pyleo source → Aleo instructions), the
number of Aleo instructions, the constraints predicted by pyleo's cost model (:mod:`pyleo.cost`) and,
when the circuit fits the local degree-16 parameters (≤ 16,384 constraints), the exact count from
snarkVM and the model's error. Larger circuits are sized by the cost model alone. "refused": the
model predicts ≤ 16,384 constraints but snarkVM asks for larger parameters all the same, because the
local parameters also bound each constraint matrix's non-zero entries (2^16), which wide dense
layers with constant weights fill without adding constraints; the cost model does not predict those.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyleo import cost, vm
from pyleo.errors import PyleoError
from pyleo.limits import LOCAL_BUDGET

from . import models
from .examples import emit_fresh

SYNTHESIZE_BELOW = 17_500
"""Ask snarkVM for the exact count only when the model predicts fewer constraints than this."""


def _synthetic() -> tuple[Any, Any, Any, Any]:
    """Eight features, two classes, 3,000 samples: enough data for deep trees to keep growing."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(n_samples=3000, n_features=8, n_informative=6, random_state=0)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))  # type: ignore[return-value]


def synthetic_tree(depth: int) -> models.Fitted:
    """A decision tree of the given depth on the synthetic data."""
    from sklearn.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = _synthetic()
    m = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Xtr, ytr)
    return models.Fitted(f"tree depth {depth}", "synthetic", m, Xtr, Xte, ytr, yte, "tree")


def synthetic_forest(trees: int, depth: int = 3) -> models.Fitted:
    """A random forest of ``trees`` trees of depth 3 on the synthetic data."""
    from sklearn.ensemble import RandomForestClassifier

    Xtr, Xte, ytr, yte = _synthetic()
    m = RandomForestClassifier(n_estimators=trees, max_depth=depth, random_state=0).fit(Xtr, ytr)
    return models.Fitted(f"forest {trees}×depth {depth}", "synthetic", m, Xtr, Xte, ytr, yte, "forest")


# family → (sizes, quick sizes, model factory)
SWEEPS: dict[str, tuple[list[int], list[int], Callable[[int], models.Fitted]]] = {
    "MLP hidden width": ([2, 4, 8, 16, 32, 64, 128, 256], [2, 16, 256], models.iris_mlp),
    "tree depth": ([2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 10], synthetic_tree),
    "forest size": ([1, 2, 5, 10, 20, 30, 50], [1, 5, 50], synthetic_forest),
    "KNN points": ([4, 8, 16, 24, 32, 48, 64], [4, 16, 64], models.iris_knn),
}


def calibration_models() -> list[tuple[str, models.Fitted]]:
    """Every model of the sweeps (their instruction signatures must all be calibrated)."""
    return [(f"{family} {size}", make(size)) for family, (sizes, _, make) in SWEEPS.items() for size in sizes]


def measure(family: str, size: int, fitted: models.Fitted, snarkvm: bool = True) -> dict[str, Any]:
    """Compile one model and size its circuit (model prediction; snarkVM count when it fits, unless
    not ``snarkvm``: then the cost model alone, its transition fitted rather than synthesized)."""
    from stdlib_ml import from_sklearn

    start = time.perf_counter()
    zk = from_sklearn(fitted.model, fitted.X_train)
    text = emit_fresh(zk.module.prog)
    compile_s = time.perf_counter() - start
    est = cost.estimate(text, "predict", synthesize_transition=snarkvm)
    exact, refused = None, False
    if snarkvm and est.total < SYNTHESIZE_BELOW:
        try:
            exact = vm.constraints(text, "predict")
        except PyleoError:
            refused = True
    return {
        "family": family, "size": size, "model": fitted.name, "compile_s": compile_s,
        "instructions": sum(1 for line in text.splitlines() if line.startswith("    ") and " into " in line),
        "aleo_bytes": len(text.encode()), "predicted": est.total, "exact": exact, "transition": est.transition,
        "error": None if exact is None else (est.total - exact) / exact,
        "instructions_error": None if exact is None or exact == est.transition else (est.total - exact) / (exact - est.transition),
        "refused": refused, "fits_locally": not refused and (exact if exact is not None else est.total) <= LOCAL_BUDGET,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the sweep."""
    head = ("| family | size | compile | instructions | constraints (snarkVM) | constraints (cost model) | model error "
            "| error on the instructions' part | proves here |\n|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    lines = []
    for r in rows:
        exact = f"{r['exact']:,}" if r["exact"] is not None else "refused" if r["refused"] else "—"
        err = f"{r['error']:+.2%}" if r["error"] is not None else "—"
        part = f"{r['instructions_error']:+.1%}" if r["instructions_error"] is not None else "—"
        lines.append(f"| {r['family']} | {r['size']} | {r['compile_s'] * 1000:.0f} ms | {r['instructions']:,} | {exact} "
                     f"| {r['predicted']:,} | {err} | {part} | {'yes' if r['fits_locally'] else 'no'} |")
    return "\n".join([head, *lines])


SMOKE_MLP_WIDTH = 8
"""``--smoke`` sizes the iris MLP of this width with snarkVM: the one the other smoke runs prove
(benchmarks.run, pyleo_bench, batch), so that they share its keys."""


def run(quick: bool, smoke: bool = False) -> list[dict[str, Any]]:
    """Measure every size of every sweep (``quick``: three sizes each; ``smoke``: the MLP of
    :data:`SMOKE_MLP_WIDTH` sized by snarkVM, and the smallest size of each other family by the cost
    model alone)."""
    rows = []
    for i, (family, (sizes, quick_sizes, make)) in enumerate(SWEEPS.items()):
        if smoke:
            size = SMOKE_MLP_WIDTH if i == 0 else sizes[0]
            rows.append(measure(family, size, make(size), snarkvm=i == 0))
            continue
        for size in quick_sizes if quick else sizes:
            print(f"growth: {family} = {size} ...", flush=True)
            rows.append(measure(family, size, make(size)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three sizes per family")
    parser.add_argument("--smoke", action="store_true", help="the smallest size per family (snarkVM sizes the first only)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/growth.json"))
    opts = parser.parse_args(argv)
    rows = run(opts.quick, opts.smoke)
    text = table(rows)
    print(text)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps({"rows": rows}, indent=2))
    opts.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
