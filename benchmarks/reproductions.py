"""The six reproductions of issue 10: agreement of each converted model with its float model.

    python -m benchmarks.reproductions [--out benchmarks/results/reproductions.json] [--smoke]

Each case fits a small float model shaped like a public bug report of another converter, converts it
with ``strict=False`` where the converter supports that (so a failing fidelity check reports instead
of raising), and prints the share of evaluation rows whose circuit prediction equals the float
model's (classifiers) or the largest error relative to the target's range (regressors); a conversion
that raises prints its error.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _convert(fn: Callable[..., Any], model: Any, X: Any) -> Any:
    kw = {"strict": False} if "strict" in inspect.signature(fn).parameters else {}
    return fn(model, X, **kw)


def _score(zk: Any, model: Any, X: np.ndarray, regression: bool = False) -> str:
    got, want = zk.predict(X), model.predict(X)
    if regression:
        return f"max error {np.max(np.abs(got - want)) / np.ptp(want):.2%} of the target's range"
    return f"agreement {np.mean(got == want):.3f} ({int(np.sum(got != want))} of {len(X)} rows differ)"


def scaler_flags() -> str:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from stdlib_ml import from_sklearn

    X, y = load_breast_cancer(return_X_y=True)
    m = make_pipeline(StandardScaler(with_mean=False), LogisticRegression(max_iter=5000)).fit(X[::2], y[::2])
    return _score(_convert(from_sklearn, m, X[::2]), m, X[1::2])


def _missing_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(400, 3))
    X[rng.random(400) < 0.3, 0] = 0.0
    y = ((X[:, 0] == 0) | (X[:, 0] > 1)).astype(int)
    return X, y


def xgboost_missing() -> str:
    import xgboost as xgb

    from stdlib_ml import from_xgboost

    X, y = _missing_data()
    m = xgb.XGBClassifier(n_estimators=5, max_depth=2, missing=0.0, n_jobs=1, random_state=0).fit(X, y)
    zk = _convert(from_xgboost, m, X)
    row = np.asarray([[0.0, 0.5, 0.5]])
    return _score(zk, m, X) + f"; [0, 0.5, 0.5]: circuit {zk.predict(row)[0]}, XGBoost {m.predict(row)[0]}"


def sklearn_nan_trees() -> str:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    from stdlib_ml import from_sklearn

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    missing = rng.random(400) < 0.25
    X[missing, 0] = np.nan
    y = (missing ^ (X[:, 1] > 0.8)).astype(int)   # splits "missing or not" get threshold inf
    out = []
    for m in (DecisionTreeClassifier(max_depth=3, random_state=0),
              RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)):
        m.fit(X, y)
        for how, calib in (("with X", X), ("without X", None)):
            try:
                out.append(f"{type(m).__name__} {how}: " + _score(_convert(from_sklearn, m, calib), m, X))
            except Exception as e:  # noqa: BLE001 - the point is to show what a user sees
                out.append(f"{type(m).__name__} {how}: {type(e).__name__}: {e}")
    return "; ".join(out)


def xgboost_logitraw() -> str:
    import xgboost as xgb

    from stdlib_ml import from_xgboost

    rng = np.random.default_rng(2)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=600) > 0).astype(int)
    m = xgb.XGBClassifier(objective="binary:logitraw", n_estimators=10, max_depth=3, n_jobs=1,
                          random_state=0).fit(X, y)
    return _score(_convert(from_xgboost, m, X), m, X)


def xgboost_feature_names() -> str:
    import xgboost as xgb

    from stdlib_ml import from_xgboost

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    names = ["age", "income", "score"]
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1},
                    xgb.DMatrix(X, label=y, feature_names=names), num_boost_round=5)
    want = (bst.predict(xgb.DMatrix(X, feature_names=names)) > 0.5).astype(int)
    out = []
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.json")
        bst.save_model(path)
        for label, src in (("Booster", bst), ("JSON file", path)):
            try:
                got = _convert(from_xgboost, src, X).predict(X)
                out.append(f"{label}: agreement {np.mean(got == want):.3f}")
            except Exception as e:  # noqa: BLE001
                out.append(f"{label}: {type(e).__name__}: {e}")
    return "; ".join(out)


def feature_scales() -> str:
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from stdlib_ml import from_sklearn

    rng = np.random.default_rng(4)
    X = np.column_stack([rng.lognormal(13, 0.5, 500), rng.normal(3e-6, 1e-6, 500), rng.normal(-50, 20, 500)])
    y = X @ np.asarray([2e-6, 3e5, 0.01])
    m = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)
    zk = _convert(from_sklearn, m, X)
    return _score(zk, m, X, regression=True) + f"; circuit weights {json.dumps(np.asarray(zk.module.W).tolist())}"


REPRODUCTIONS = {
    "1 scaler flags (StandardScaler(with_mean=False) + LogisticRegression)": scaler_flags,
    "2 XGBoost missing=0.0": xgboost_missing,
    "3 scikit-learn trees fitted with NaN": sklearn_nan_trees,
    "4 XGBoost binary:logitraw": xgboost_logitraw,
    "5 Booster with feature names": xgboost_feature_names,
    "6 one input scale for all features": feature_scales,
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/reproductions.json"))
    ap.add_argument("--smoke", action="store_true", help="the same six cases (each takes seconds)")
    args = ap.parse_args(argv)
    results = {}
    for title, run in REPRODUCTIONS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = run()
            except Exception as e:  # noqa: BLE001
                result = f"{type(e).__name__}: {e}"
        results[title] = result
        print(f"{title}: {result}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
