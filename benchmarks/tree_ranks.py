"""Tree models read threshold ranks: input size and snarkVM constraints of converted trees.

    python -m benchmarks.tree_ranks [--no-snarkvm] [--label NAME] [--out PATH] [--smoke]

For each model of :data:`MODELS` (scikit-learn, fitted on 70% of a data set that ships with it,
``random_state=0``, converted with the training rows): the circuit inputs' bits (``INPUT_WIDTHS``, and
the packed words the transition takes), whether the file encodes ranks (``RANK_THRESHOLDS``), the
sign-test widths, snarkVM's exact constraints of ``predict`` (:func:`pyleo.vm.circuit_info`) when it
fits one circuit here, else the cost model's estimate and the split plan to the local 16,384 budget
(:meth:`pyleo.Program.split_plan`), and the label agreement with the float model's ``predict`` on the
held-out split and on rows far outside the training range (each feature at mean ± 10·(max − min)).

The baseline is the same script run on the commit before ranks (value encoding): ``--label`` names
the run, and each run replaces its own entry in ``benchmarks/results/tree_ranks.json``, so the file
holds both.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import vm
from pyleo.errors import LimitError

from .fidelity import load_dataset

RESULTS = Path(__file__).parent / "results" / "tree_ranks.json"


def _fit(dataset: str, make: Callable[[], Any]) -> tuple[Any, np.ndarray, np.ndarray]:
    Xtr, Xte, ytr, _ = load_dataset(dataset)
    return make().fit(Xtr, ytr), Xtr, Xte


def _models() -> dict[str, Callable[[], tuple[Any, np.ndarray, np.ndarray]]]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    return {
        "tree4_wine": lambda: _fit("wine", lambda: DecisionTreeClassifier(max_depth=4, random_state=0)),
        "rf4_wine": lambda: _fit("wine", lambda: RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0)),
        "rf_iris": lambda: _fit("iris", lambda: RandomForestClassifier(random_state=0)),
        "tree10_digits": lambda: _fit("digits", lambda: DecisionTreeClassifier(max_depth=10, random_state=0)),
        "rf_breast_cancer": lambda: _fit("breast_cancer", lambda: RandomForestClassifier(random_state=0)),
    }


MODELS = _models()
"""The trees measured, by key: a depth-4 wine tree, a 4-tree depth-4 wine forest, RandomForestClassifier()
on iris and on breast_cancer, a depth-10 digits tree."""


def far_rows(X: np.ndarray, n: int = 200, seed: int = 0) -> np.ndarray:
    """``n`` rows far outside ``X``'s range: each feature at its mean ± 10·(max − min), signs at random."""
    rng = np.random.default_rng(seed)
    span = np.maximum(X.max(axis=0) - X.min(axis=0), 1.0)
    return X.mean(axis=0) + rng.choice([-1.0, 1.0], size=(n, X.shape[1])) * 10 * span * rng.uniform(0.5, 1.5, (n, X.shape[1]))


def measure(key: str, snarkvm: bool) -> dict[str, Any]:
    from stdlib_ml import from_sklearn

    model, Xtr, Xte = MODELS[key]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zk = from_sklearn(model, Xtr)
    row: dict[str, Any] = {"model": key, "ranks": getattr(zk.module, "RANK_THRESHOLDS", None) is not None,
                           "input_bits": int(sum(zk.input_widths or [])),
                           "input": zk.program.code.function("predict").inputs[0].type.aleo(),
                           "sign_tests": {str(w): list(zk.module.WIDTHS).count(w) for w in sorted(set(zk.module.WIDTHS))},
                           "agreement_held_out": float(np.mean(zk.predict(Xte) == model.predict(Xte)))}
    far = far_rows(Xtr)
    try:
        row["agreement_far"] = float(np.mean(zk.predict(far) == model.predict(far)))
    except Exception as e:   # the value encoding clamps (or rejects) values outside the range
        row["agreement_far"] = f"{type(e).__name__}: {e}"
    row["estimate"] = zk.program.estimate("predict", synthesize_transition=False).total
    try:
        plan = zk.program.split_plan("predict")
        row["plan"] = {"parts": len(plan.parts), "estimated": [p.constraints for p in plan.parts]}
    except LimitError as e:
        row["plan"] = e.message
    if snarkvm and isinstance(row["plan"], dict) and row["plan"]["parts"] == 1:
        row["constraints"] = vm.circuit_info(zk.program.aleo(), "predict")["constraints"]
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    parser.add_argument("--no-snarkvm", action="store_true", help="skip snarkVM's exact counts (cost model only)")
    parser.add_argument("--label", default="ranks", help="name of this run in the results file (default: ranks)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--smoke", action="store_true", help="tree4_wine only, cost model only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.model, args.no_snarkvm = ["tree4_wine"], True
    rows = [measure(k, not args.no_snarkvm) for k in args.model or MODELS]
    print(f"{'model':<17} {'ranks':>5} {'in bits':>7} {'exact':>7} {'estimate':>8}  plan / sign tests / agreement (held-out, far)")
    for r in rows:
        plan = f"{r['plan']['parts']} part(s) {r['plan']['estimated']}" if isinstance(r["plan"], dict) else r["plan"][:60]
        far = r["agreement_far"] if isinstance(r["agreement_far"], float) else "error"
        print(f"{r['model']:<17} {str(r['ranks']):>5} {r['input_bits']:>7} {r.get('constraints', '-'):>7} "
              f"{r['estimate']:>8,}  {plan}; {r['sign_tests']}; {r['agreement_held_out']:.3f}, {far}")
    doc = json.loads(args.out.read_text()) if args.out.exists() else {}
    doc[args.label] = {**doc.get(args.label, {}), **{r["model"]: r for r in rows}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
