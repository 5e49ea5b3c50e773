"""ONNX and Keras models through pyleo: label agreement with the float model and constraints.

    python -m benchmarks.onnx_keras [--out benchmarks/results/onnx_keras.json] [--smoke]

Each model is trained here (seeded, CPU; the recipes of tests/test_convert_onnx.py and
tests/test_convert_keras.py), converted with its training rows as calibration rows, and run on the
held-out split: ``agreement`` is the share of held-out labels equal to the source model's own
prediction (scikit-learn, LightGBM, torch, Keras), ``float`` / ``circuit`` their accuracies. The
baseline in the same run: the same scikit-learn models through ``from_sklearn``, and a scikit-learn
MLPClassifier of the same 4-8-3 shape. ``constraints``: snarkVM's exact count of ``predict``
(``Program.cost``) where the circuit fits the local bound (16,384), else the cost model's estimate
(``Program.estimate``, marked ``~``). Writes the rows as JSON and a Markdown table next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402

from pyleo import vm  # noqa: E402
from pyleo.errors import LimitError, PyleoError  # noqa: E402


def constraints(zk: Any, exact: bool = True) -> str:
    """snarkVM's count of ``predict`` where it fits here, else ``~`` the cost model's; not ``exact``: the
    cost model's alone, its transition fitted rather than synthesized (no key synthesis at all)."""
    if exact:
        try:
            return f"{zk.cost(prepare_proof=False):,}"
        except (LimitError, PyleoError):
            pass
    return f"~{zk.program.estimate('predict', synthesize_transition=exact).total:,}"


def row(name: str, path: str, zk: Any, seconds: float, float_labels: np.ndarray, y: np.ndarray, X: np.ndarray,
        exact: bool = True) -> dict[str, Any]:
    got = zk.predict(X)
    r = {"model": name, "path": path, "agreement": float(np.mean(got == float_labels)),
         "float": float(np.mean(float_labels == y)), "circuit": float(np.mean(got == y)), "rows": int(len(y)),
         "constraints": constraints(zk, exact), "convert_s": round(seconds, 2)}
    print(f"{name:<34} {path:<26} {r['agreement']:.4f}  {r['float']:.4f}  {r['circuit']:.4f}  {r['constraints']:>8}",
          flush=True)
    return r


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/onnx_keras.json"))
    ap.add_argument("--smoke", action="store_true",
                    help="one model per path (no CNNs), constraints from the cost model")
    args = ap.parse_args(argv)
    exact = not args.smoke   # smoke: the cost model's counts, no key synthesis
    import keras
    import lightgbm as lgb
    import onnx
    import torch
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType
    from skl2onnx import to_onnx
    from sklearn.datasets import load_digits, load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from stdlib_ml import from_keras, from_onnx, from_sklearn

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    rows = []
    print(f"{'model':<34} {'path':<26} agree   float   circuit constraints")
    for name, model in (("iris StandardScaler+LogisticRegression", make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))),
                        ("iris RandomForest (3 trees, depth 3)", RandomForestClassifier(3, max_depth=3, random_state=0)),
                        ("iris MLPClassifier 4-8-3 (baseline)", MLPClassifier((8,), max_iter=3000, random_state=0)))[
                            :1 if args.smoke else None]:
        model.fit(Xtr, ytr)
        zk, s = timed(from_sklearn, model, Xtr)
        rows.append(row(name, "from_sklearn (baseline)", zk, s, model.predict(Xte), yte, Xte, exact=exact))
        if "MLP" not in name:
            zk, s = timed(from_onnx, to_onnx(model, Xtr[:1].astype(np.float32)), Xtr)
            rows.append(row(name, "skl2onnx → from_onnx", zk, s, model.predict(Xte), yte, Xte, exact=exact))
    booster = lgb.LGBMClassifier(n_estimators=10, num_leaves=4, random_state=0, verbose=-1).fit(Xtr, ytr)
    graph = convert_lightgbm(booster, initial_types=[("input", FloatTensorType([None, 4]))], zipmap=False)
    zk, s = timed(from_onnx, graph, Xtr)
    rows.append(row("iris LightGBM (10 trees, 4 leaves)", "onnxmltools → from_onnx", zk, s, booster.predict(Xte), yte, Xte, exact=exact))

    def fit_torch(net: Any, A: np.ndarray, b: np.ndarray, steps: int) -> Any:
        torch.manual_seed(0)
        opt = torch.optim.Adam(net.parameters(), 1e-2)
        At, bt = torch.tensor(A, dtype=torch.float32), torch.tensor(b)
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(At), bt).backward()
            opt.step()
        return net.eval()

    D, t = load_digits(return_X_y=True)
    Dtr, Dte, ttr, tte = train_test_split(D / 16.0, t, random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        mlp = fit_torch(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)), Xtr, ytr, 300)
        torch.onnx.export(mlp, (torch.zeros(1, 4),), f"{tmp}/mlp.onnx", dynamo=True)
        with torch.no_grad():
            want = mlp(torch.tensor(Xte, dtype=torch.float32)).argmax(1).numpy()
        zk, s = timed(from_onnx, f"{tmp}/mlp.onnx", Xtr)
        rows.append(row("iris torch MLP 4-8-3", "torch.onnx → from_onnx", zk, s, want, yte, Xte, exact=exact))
        if not args.smoke:
            torch.manual_seed(0)
            cnn = fit_torch(torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                                                torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                                torch.nn.Linear(64, 10)), Dtr.reshape(-1, 1, 8, 8), ttr, 60)
            torch.onnx.export(torch.nn.Sequential(cnn, torch.nn.Softmax(dim=1)), (torch.zeros(1, 1, 8, 8),),
                              f"{tmp}/cnn.onnx", dynamo=True)
            with torch.no_grad():
                want = cnn(torch.tensor(Dte.reshape(-1, 1, 8, 8), dtype=torch.float32)).argmax(1).numpy()
            zk, s = timed(from_onnx, onnx.load(f"{tmp}/cnn.onnx"), Dtr)
            rows.append(row("digits torch CNN conv3x3×4-BN-pool-dense", "torch.onnx → from_onnx", zk, s, want, tte, Dte, exact=exact))

    keras.utils.set_random_seed(0)
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.1),
                           keras.layers.Dense(3, activation="softmax")])
    km.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    km.fit(Xtr, ytr, epochs=60, batch_size=len(Xtr), verbose=0)
    zk, s = timed(from_keras, km, Xtr)
    rows.append(row("iris Keras MLP 4-8-3", "from_keras", zk, s, km.predict(Xte, verbose=0).argmax(1), yte, Xte, exact=exact))
    if not args.smoke:
        keras.utils.set_random_seed(0)
        inputs = keras.Input((8, 8, 1))
        h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
        h = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(h))
        kc = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
        kc.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
        kc.fit(Dtr.reshape(-1, 8, 8, 1), ttr, epochs=15, batch_size=128, verbose=0)
        zk, s = timed(from_keras, kc, Dtr.reshape(-1, 8, 8, 1))
        rows.append(row("digits Keras CNN conv3x3×4-pool-dense", "from_keras", zk, s,
                        kc.predict(Dte.reshape(-1, 8, 8, 1), verbose=0).argmax(1), tte, Dte, exact=exact))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.platform(), "versions": vm.versions(), "rows": rows}, indent=1) + "\n")
    lines = ["# ONNX and Keras through pyleo", "",
             f"`python -m benchmarks.onnx_keras` (snarkVM {vm.versions()['snarkvm']}): held-out label agreement with "
             "the source model's own prediction, accuracies, and constraints of `predict` (exact; `~`: the cost "
             "model's estimate above the local 16,384 bound).", "",
             "| model | path | agreement | float acc. | circuit acc. | held-out rows | constraints |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['path']} | {r['agreement']:.4f} | {r['float']:.4f} | {r['circuit']:.4f} | "
              f"{r['rows']} | {r['constraints']} |" for r in rows]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
