"""Circuit sizes against another stack: pyleo's constraints beside EZKL's circuit rows for the same fitted
scikit-learn models, exported to ONNX by skl2onnx (what an EZKL user would do).

    python -m benchmarks.ezkl_sizes [--only NAME ...] [--out PATH] [--smoke]

For each case (a :func:`benchmarks.fidelity.cases` model on its first data set): pyleo's ``predict`` by the cost
model (``Program.estimate``, no snarkVM synthesis: sizes above the local limit too), and EZKL's
``gen_settings`` → ``calibrate_settings`` (on 20 training rows) of the skl2onnx graph (zipmap off, opsets 17 /
ai.onnx.ml 3), with the range checks of :data:`benchmarks.ezkl_bench.DECOMPOSITION`: its ``num_rows`` and
``logrows``. The two count different things (R1CS constraints of a Varuna proof; rows of a Halo2 table whose
width is EZKL's choice), so the columns say how each stack grows, not which is cheaper. Where EZKL does not
take the graph (skl2onnx writes ai.onnx.ml operators, e.g. LinearClassifier, SVMClassifier,
TreeEnsembleClassifier, which EZKL's tract does not implement), the row says so with EZKL's own message.
Where EZKL refuses skl2onnx's graph, the model goes through hummingbird's torch translation (trees as matrix
products; :data:`ROUTES`), the route EZKL users take for tree models: the row names its route.
``--smoke``: an MLP on iris, EZKL calibrated at one scale. Results: benchmarks/results/ezkl_sizes.{json,md}.
``--prove``: :data:`PROVE_CASES` proved by both stacks (:func:`prove_row`), results in
benchmarks/results/ezkl_prove.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .ezkl_bench import CALIBRATION_TARGET, DECOMPOSITION, ezkl_missing
from .fidelity import Case, cases, load_dataset

CASES = ("LogisticRegression", "MLPClassifier", "MLPClassifier (no scaler)", "GaussianNB", "DecisionTreeClassifier",
         "SVC(poly)", "SVC(rbf)", "KNeighborsClassifier(distance)", "LinearRegression", "MLPRegressor")
"""The cases measured (each on its first data set): :func:`benchmarks.fidelity.cases` and :func:`own_cases`."""

SMOKE_CASES = ("MLPClassifier (no scaler)",)
"""``--smoke``: a model EZKL takes (standard operators only)."""


SMOKE_SCALES = [7]
"""``--smoke``: the one fixed-point scale EZKL's calibration tries (its search over scales takes seconds)."""


def own_cases() -> list[Case]:
    """Cases of this script only: an MLP without a scaler in front, whose skl2onnx graph has no ai.onnx.ml
    operator (a pipeline's StandardScaler becomes ai.onnx.ml Scaler, which EZKL does not take)."""
    from sklearn.neural_network import MLPClassifier

    return [Case("MLPClassifier (no scaler)", lambda: MLPClassifier((16,), max_iter=2000, random_state=0), ("iris",))]

CALIBRATION_ROWS = 20
"""Training rows EZKL calibrates its scales on."""


def pyleo_size(model: Any, X: np.ndarray) -> int:
    """``predict``'s constraints by pyleo's cost model for ``model`` converted on rows ``X``."""
    from stdlib_ml import from_sklearn

    zk = from_sklearn(model, X, strict=False)
    return int(zk.program.estimate("predict", synthesize_transition=False).total)


def skl2onnx_graph(model: Any, X: np.ndarray) -> bytes:
    """The skl2onnx export of ``model`` (zipmap off, opsets 17 / ai.onnx.ml 3) for one row of ``X``'s width."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    est = model.steps[-1][1] if hasattr(model, "steps") else model
    options = {id(est): {"zipmap": False}} if hasattr(est, "predict_proba") and hasattr(est, "classes_") else None
    return convert_sklearn(model, initial_types=[("input", FloatTensorType([1, X.shape[1]]))], options=options,
                           target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()


def hummingbird_module(model: Any, X: np.ndarray) -> Any:
    """hummingbird's torch translation of ``model`` (trees as matrix products, standard operators only) as a
    module of one row: a classifier's probabilities, a regressor's values."""
    import hummingbird.ml as hb
    import torch

    executor = hb.convert(model, "torch", np.asarray(X[:1], np.float32)).model   # raises for what it cannot take

    class Scores(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = executor

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.inner(x)
            return out[1] if isinstance(out, tuple) else out

    return Scores().eval()


def hummingbird_graph(model: Any, X: np.ndarray) -> bytes:
    """:func:`hummingbird_module` exported to ONNX by torch's TorchScript exporter (opset 17), checked against
    the model (:func:`check_graph`). hummingbird's own ONNX backend fails on torch 2.13's exporter, hence
    torch here."""
    import io

    import torch

    buf = io.BytesIO()
    torch.onnx.export(hummingbird_module(model, X), (torch.as_tensor(np.asarray(X[:1], np.float32)),), buf,
                      dynamo=False, opset_version=17)
    check_graph(buf.getvalue(), model, X)
    return buf.getvalue()


CHECK_ROWS = 20
"""Rows on which an exported graph must compute what the model does before EZKL is given it."""


def check_graph(graph: bytes, model: Any, X: np.ndarray) -> None:
    """Raise ValueError unless ``graph`` (one row in, by onnxruntime) gives the model's ``predict_proba`` (a
    classifier's first output) or ``predict`` on :data:`CHECK_ROWS` rows of ``X`` within 1e-3 (float32): an
    export that traced the input away (a graph without input) or computes something else is no route."""
    import onnxruntime

    session = onnxruntime.InferenceSession(graph)
    if len(session.get_inputs()) != 1:
        raise ValueError(f"the exported graph has {len(session.get_inputs())} inputs (the export traced the sample away)")
    rows = np.asarray(X[:CHECK_ROWS], np.float32)
    got = np.vstack([np.reshape(session.run(None, {session.get_inputs()[0].name: rows[i:i + 1]})[0], (1, -1))
                     for i in range(len(rows))])
    want = model.predict_proba(rows) if hasattr(model, "predict_proba") else np.reshape(model.predict(rows), (-1, 1))
    if got.shape != np.shape(want) or not np.allclose(got, want, atol=1e-3, rtol=1e-3):
        raise ValueError("the exported graph does not compute the model's "
                         f"{'predict_proba' if hasattr(model, 'predict_proba') else 'predict'} on {len(rows)} rows")


ROUTES = {"skl2onnx": skl2onnx_graph, "hummingbird": hummingbird_graph}
"""How a scikit-learn model reaches EZKL: skl2onnx's graph (ai.onnx.ml operators where it has them, which
EZKL's tract does not take), else hummingbird's torch translation of it (standard operators)."""


def ezkl_size(model: Any, X: np.ndarray, work: Path, scales: list[int] | None = None) -> dict[str, Any]:
    """EZKL's settings for ``model`` by the first of :data:`ROUTES` EZKL takes: ``rows``, ``logrows`` and
    ``route``, or ``ezkl`` (False) and ``note`` (the first line of why not, for each route: the exporter's or
    EZKL's message). ``scales``: the fixed-point scales calibration tries (default EZKL's search)."""
    import ezkl

    notes = []
    for route, export in ROUTES.items():
        try:
            graph = export(model, X)
        except Exception as e:   # noqa: BLE001 (any exporter failure is the row's finding)
            notes.append(f"{route}: {str(e).splitlines()[0][:160]}")
            continue
        onnx_path, settings, calibration = work / f"{route}.onnx", work / "settings.json", work / "calibration.json"
        onnx_path.write_bytes(graph)
        calibration.write_text(json.dumps({"input_data": [np.asarray(X[:CALIBRATION_ROWS], float).ravel().tolist()]}))
        run_args = ezkl.PyRunArgs()
        run_args.param_visibility = "fixed"
        run_args.decomp_base, run_args.decomp_legs = DECOMPOSITION
        try:
            ezkl.gen_settings(str(onnx_path), str(settings), py_run_args=run_args)
            ezkl.calibrate_settings(str(calibration), str(onnx_path), str(settings), CALIBRATION_TARGET, scales=scales)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:   # noqa: BLE001 (EZKL's refusal is the row's finding; a Rust panic is a BaseException)
            notes.append(f"{route} → EZKL: {(str(e).splitlines() or [type(e).__name__])[0][:160]}")
            continue
        s = json.loads(settings.read_text())
        return {"ezkl": True, "rows": int(s["num_rows"]), "logrows": int(s["run_args"]["logrows"]), "route": route,
                **({"note": "; ".join(notes)} if notes else {})}
    return {"ezkl": False, "note": "; ".join(notes)}


def measure(case: Case, work: Path, with_ezkl: bool, scales: list[int] | None = None) -> dict[str, Any]:
    """One row: the case fitted on its first data set, pyleo's size, and EZKL's where it runs (``scales``:
    :func:`ezkl_size`'s)."""
    dataset = case.datasets[0]
    Xtr, _, ytr, _ = load_dataset(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = case.make().fit(Xtr, ytr)
        row: dict[str, Any] = {"model": case.name, "dataset": dataset, "pyleo_constraints": pyleo_size(model, Xtr)}
        row.update(ezkl_size(model, Xtr, work, scales) if with_ezkl else {"ezkl": False, "note": "EZKL not installed"})
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| model | data set | pyleo constraints (cost model) | EZKL rows | EZKL logrows |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        ez = (f"{r['rows']:,} ({r.get('route', 'skl2onnx')}) | {r['logrows']}" if r["ezkl"] else f"– (`{r['note']}`) | –")   # a tool's message, as code (its [tags] are no links)
        lines.append(f"| {r['model']} | {r['dataset']} | {r['pyleo_constraints']:,} | {ez} |")
    return "\n".join(lines)


PROVE_CASES = ("StandardScaler+PCA+DecisionTreeClassifier", "LGBMClassifier")
"""``--prove``: tree models EZKL takes through hummingbird (:data:`ROUTES`), proved by both stacks."""


def prove_row(case: Case, work: Path, samples: int = 20) -> dict[str, Any]:
    """``case`` fitted on its first data set, proved by EZKL (hummingbird's module, :func:`hummingbird_module`,
    checked first; :func:`benchmarks.ezkl_bench.measure_module`: setup, one proof, agreement of its circuit's
    labels with the model's on ``samples`` held-out rows) and by pyleo (its constraints, a first proof, which
    synthesizes the keys unless cached, and a second one, and their verification)."""
    import time

    from stdlib_ml import from_sklearn

    from .ezkl_bench import measure_module

    Xtr, Xte, ytr, yte = load_dataset(case.datasets[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = case.make().fit(Xtr, ytr)
        hummingbird_graph(model, Xtr)   # raises where hummingbird's graph does not compute the model
        ez = measure_module(hummingbird_module(model, Xtr), case.name, Xtr, Xte[:samples], yte[:samples],
                            model.predict(Xte[:samples]), model.classes_, work)
        zk = from_sklearn(model, Xtr)
        seconds = []
        for i in range(2):
            start = time.perf_counter()
            proof = zk.prove(Xte[i])
            seconds.append(time.perf_counter() - start)
    return {"model": case.name, "dataset": case.datasets[0], "ezkl_rows": ez["rows"], "ezkl_logrows": ez["logrows"],
            "ezkl_setup_s": ez["setup_s"], "ezkl_prove_s": ez["prove_s"], "ezkl_agreement": ez["agreement"],
            "ezkl_verified": ez["verified"], "pyleo_constraints": zk.cost(prepare_proof=False),
            "pyleo_first_prove_s": seconds[0], "pyleo_prove_s": seconds[1], "pyleo_verified": bool(zk.verify(proof)),
            "pyleo_agreement": float(np.mean(zk.predict(Xte[:samples]) == model.predict(Xte[:samples])))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help=f"case names (default: {', '.join(CASES)})")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ezkl_sizes.json"))
    parser.add_argument("--smoke", action="store_true", help=f"{' and '.join(SMOKE_CASES)} on iris")
    parser.add_argument("--prove", action="store_true", help=f"prove {', '.join(PROVE_CASES)} with both stacks "
                        "(results: benchmarks/results/ezkl_prove.json)")
    opts = parser.parse_args(argv)
    if opts.prove:
        with tempfile.TemporaryDirectory(prefix="ezkl_prove_") as tmp:
            proved = [prove_row(c, Path(tmp) / str(i)) for i, c in enumerate(cases(list(PROVE_CASES)))]
        print(json.dumps(proved, indent=1))
        Path("benchmarks/results/ezkl_prove.json").write_text(json.dumps(proved, indent=2))
        return
    names = SMOKE_CASES if opts.smoke else tuple(opts.only or CASES)
    why = ezkl_missing()
    if why is not None:
        print(why, flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ezkl_sizes_") as tmp:
        for i, case in enumerate(c for c in [*cases(), *own_cases()] if c.name in names):
            work = Path(tmp) / str(i)
            work.mkdir()
            print(f"{case.name} ...", flush=True)
            rows.append(measure(case, work, why is None, SMOKE_SCALES if opts.smoke else None))
    text = table(rows)
    print(text)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"mode": "smoke" if opts.smoke else "full", "ezkl_note": why or "", "rows": rows}
    opts.out.write_text(json.dumps(doc, indent=2))
    if not opts.smoke:
        opts.out.with_suffix(".md").write_text(
            "pyleo's constraints beside EZKL's circuit rows for the same fitted models, exported by skl2onnx "
            "(python -m benchmarks.ezkl_sizes; the two count different things: see the script's docstring).\n\n"
            + text + "\n")


if __name__ == "__main__":
    main()
