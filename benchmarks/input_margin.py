"""How wide a converted circuit's input range must be for ordinary unseen rows, and what width costs.

    python -m benchmarks.input_margin [--out benchmarks/results/input_margin.json] [--smoke]

A circuit is sized from its calibration rows: each feature's range [lo, hi] in the training split,
widened by ``margin × span`` on both sides, span = the feature's own spread (at least the median
feature's; the converters' default is margin 1). Table 1: the share of held-out rows (30% splits of
the data sets that ship with scikit-learn) with every feature inside that range, per margin. The
range does not depend on a scaler in front of the model (it is taken on the raw features), so one
row per data set covers both. Table 2: constraints of two models whose sign tests grow with the
range (logistic regression on breast_cancer, KNN on iris) as the margin widens (``input_range=``;
the inputs keep the resolution the calibration rows ask for).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from benchmarks.fidelity import load_dataset

DATASETS = ("iris", "wine", "breast_cancer", "digits", "diabetes")
MARGINS = (0.0, 0.1, 0.25, 0.5, 1.0)
COST_MARGINS = (1.0, 4.0, 64.0, 2.0**20)
"""The margins of table 2 (constraints)."""


def sized_range(Xtr: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = Xtr.min(axis=0), Xtr.max(axis=0)
    ptp = hi - lo
    span = np.maximum(ptp, float(np.median(ptp)))
    span = np.where(span > 0, span, float(np.max(ptp)) if np.max(ptp) > 0 else 1.0)
    return lo - margin * span, hi + margin * span


def inside_share(dataset: str, margin: float) -> float:
    Xtr, Xte, _, _ = load_dataset(dataset)
    lo, hi = sized_range(Xtr, margin)
    return float(np.mean(np.all((Xte >= lo) & (Xte <= hi), axis=1)))


def constraints(margin: float) -> tuple[str, str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from stdlib_ml import from_sklearn

    out = []
    for dataset, make, every in (("breast_cancer", lambda: make_pipeline(StandardScaler(), LogisticRegression(
            max_iter=5000)), 1), ("iris", lambda: KNeighborsClassifier(n_neighbors=3), 7)):
        Xtr, _, ytr, _ = load_dataset(dataset)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make().fit(Xtr[::every], ytr[::every])
        zk = from_sklearn(model, Xtr[::every], input_range=sized_range(Xtr[::every], margin), strict=False)
        out.append(f"{zk.cost(prepare_proof=False):,} ({zk.fidelity['agreement']:.0%})")
    return out[0], out[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/input_margin.json"))
    ap.add_argument("--smoke", action="store_true", help="iris only, and the constraints at margin 1 only")
    args = ap.parse_args(argv)
    datasets, cost_margins = (DATASETS[:1], COST_MARGINS[:1]) if args.smoke else (DATASETS, COST_MARGINS)
    doc: dict[str, list[dict[str, object]]] = {"inside": [], "constraints": []}
    print("| data set | " + " | ".join(f"margin {m:g}" for m in MARGINS) + " |")
    print("|---|" + "---:|" * len(MARGINS))
    for ds in datasets:
        shares = [inside_share(ds, m) for m in MARGINS]
        doc["inside"].append({"dataset": ds, **{f"{m:g}": v for m, v in zip(MARGINS, shares)}})
        print(f"| {ds} | " + " | ".join(f"{v:.1%}" for v in shares) + " |", flush=True)
    print("\nConstraints (agreement with the float model on the calibration rows):\n\n"
          "| margin | breast_cancer logistic regression | iris KNN (k=3, 15 points) |\n|---:|---:|---:|")
    for m in cost_margins:
        a, b = constraints(m)
        doc["constraints"].append({"margin": m, "breast_cancer_logreg": a, "iris_knn": b})
        print(f"| {m:g} | {a} | {b} |", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
