"""EZKL on the benchmark's models, for a side-by-side comparison with pyleo.

    python -m benchmarks.ezkl_bench [--model iris_mlp16 --model breast_cancer_logreg] [--samples N]
                                    [--target accuracy|resources] [--decomp BASE LEGS] [--workdir DIR]

For one fitted model (:mod:`benchmarks.models`, families "mlp", "linear" and "forest"): build a torch
module with the same float weights (a forest as GEMM trees, the formulation of ``hummingbird-ml``,
which zkonduit's benchmarks use), export it to ONNX, and run EZKL's Python flow in a work folder:
gen_settings → calibrate_settings on X_train → compile_circuit → gen_srs → setup → gen_witness →
prove → verify. Inputs and outputs are public instances, the weights fixed in the circuit (EZKL's
defaults); the range checks use :data:`DECOMPOSITION`, not EZKL's default, which would make every
circuit here 2^15 rows (``--decomp 16384 2`` measures that). The SRS is generated locally with
``ezkl.gen_srs`` (a test SRS, not a ceremony's: same size and cost, no security), because the
machine has no internet for ``ezkl.get_srs``.

setup + witness + prove run in a spawned child process, whose own peak RSS is reported (so callers
that import this module must guard their entry point with ``if __name__ == "__main__":``).
Accuracy and agreement use the circuit's outputs: one witness per test sample, rescaled by the
output scale of settings.json. Needs the optional extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import multiprocessing
import resource
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

    from .models import Fitted

FAMILIES = ("mlp", "linear", "forest")
"""The model families EZKL is run on."""

DEFAULT_MODELS = ("iris_mlp16", "breast_cancer_logreg")
"""The keys of :data:`benchmarks.models.MODELS` that ``main`` runs when none is named."""

CALIBRATION_TARGET = "accuracy"
"""EZKL's calibration target: "accuracy" favours larger fixed-point scales, "resources" a smaller circuit."""

DECOMPOSITION = (256, 4)
"""(decomp_base, decomp_legs) of EZKL's range checks: 4 legs of base 2^8 cover ±2^32 (EZKL's default, 2 legs of
2^14, covers ±2^28) and need a lookup table of 2^8 rows instead of 2^14, so that table no longer sets the circuit's
size: logrows 10 (iris MLP) and 9 (breast_cancer) instead of 15, with a 2^5–2^6 times smaller proving key."""

OPSET = 17
"""ONNX opset of the export (torch's TorchScript exporter; EZKL's tract reads it)."""

INSTALL_HINT = "pip install torch==2.13.0 && pip install -e '.[bench]'"


def ezkl_missing() -> str | None:
    """Why EZKL cannot run here (which of ezkl, torch and onnx is not installed, and how to install
    them), or None when it can. Every script that compares with EZKL prints it and leaves EZKL out."""
    missing = [name for name in ("ezkl", "torch", "onnx") if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed here ({INSTALL_HINT}): EZKL left out"


@dataclass(frozen=True)
class Files:
    """The files of one EZKL run: names by default, paths (str, as EZKL wants them) after :meth:`under`."""

    onnx: str = "network.onnx"
    settings: str = "settings.json"
    calibration: str = "calibration.json"
    compiled: str = "network.ezkl"
    srs: str = "kzg.srs"
    pk: str = "pk.key"
    vk: str = "vk.key"
    input: str = "input.json"
    witness: str = "witness.json"
    proof: str = "proof.json"
    tampered: str = "proof_tampered.json"

    def under(self, root: Path) -> Files:
        """The same files inside folder ``root``."""
        return Files(**{f.name: str(root / getattr(self, f.name)) for f in fields(self)})


def _require_ezkl() -> ModuleType:
    """Import EZKL and check that torch and onnx are there too; a RuntimeError says how to install them."""
    try:
        import ezkl
        import onnx  # noqa: F401  (needed by torch.onnx.export)
        import torch  # noqa: F401
    except ImportError as e:
        raise RuntimeError(f"the EZKL benchmark needs ezkl, torch and onnx ({e.name} is missing): {INSTALL_HINT}") from e
    return ezkl


def _linear(weight: np.ndarray, bias: np.ndarray) -> torch.nn.Linear:
    """A torch Linear layer computing ``x @ weight.T + bias`` (float32)."""
    import torch

    layer = torch.nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        layer.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))
    return layer


def _mlp_module(mlp: Any) -> torch.nn.Module:
    """The MLPClassifier's layers, ReLU between them, ending in the logits (argmax = sklearn's label)."""
    import torch

    if mlp.activation != "relu":
        raise ValueError(f"only ReLU MLPs are exported, not {mlp.activation!r}")
    layers: list[torch.nn.Module] = []
    for i, (coef, intercept) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        if i:
            layers.append(torch.nn.ReLU())
        layers.append(_linear(coef.T, intercept))
    return torch.nn.Sequential(*layers)


def _logreg_module(pipeline: Any) -> torch.nn.Module:
    """StandardScaler → binary LogisticRegression folded into one Linear layer giving the decision score."""
    scaler, logreg = pipeline[0], pipeline[-1]
    if logreg.coef_.shape[0] != 1:
        raise ValueError("only binary logistic regression is exported")
    w = logreg.coef_[0] / scaler.scale_
    b = logreg.intercept_[0] - np.sum(logreg.coef_[0] * scaler.mean_ / scaler.scale_)
    return _linear(w[None, :], np.array([b]))


def _float32_at_most(threshold: float) -> np.float32:
    """The largest float32 <= ``threshold``: sklearn tests ``float32(x) <= threshold`` (float64), which equals
    ``float32(x) <= this`` exactly (rounding the threshold to nearest can move a training value across it)."""
    t = np.float32(threshold)
    return t if t <= threshold else np.nextafter(t, np.float32(-np.inf))


def _forest_module(forest: Any) -> torch.nn.Module:
    """A RandomForestClassifier as GEMM trees, hummingbird-ml's formulation (zkonduit's benchmarks convert
    forests with hummingbird; its wheel also installs a top-level ``benchmarks`` package that would shadow
    this one, so the same formulation is built here): each tree padded to the forest's most internal
    nodes I and leaves L, then for rows x (n, F)

    - ``(x @ A <= B)``: every node's test, A (F, T·I) one-hot feature columns, B the float thresholds;
    - ``bmm(tests, C) == D``: the leaf reached, C (T, I, L) +1 where the leaf is under the node's left
      child, -1 under its right, D (T, 1, L) the left turns on the leaf's path;
    - ``bmm(leaf, E)`` summed over the T trees: E (T, L, classes) each leaf's class frequencies / T,

    giving sklearn's ``predict_proba`` (argmax = its label)."""
    import torch

    trees = [est.tree_ for est in forest.estimators_]
    internal = [np.flatnonzero(t.children_left >= 0) for t in trees]
    leaves = [np.flatnonzero(t.children_left < 0) for t in trees]
    n_i, n_l = max(map(len, internal)), max(map(len, leaves))
    n_t, n_f, n_c = len(trees), forest.n_features_in_, forest.n_classes_
    A = np.zeros((n_f, n_t * n_i), np.float32)
    B = np.zeros(n_t * n_i, np.float32)   # padding nodes (no feature, threshold 0): C ignores their test
    C = np.zeros((n_t, n_i, n_l), np.float32)
    D = np.full((n_t, 1, n_l), -1.0, np.float32)   # padding leaves: -1 is never reached (D counts turns, >= 0)
    E = np.zeros((n_t, n_l, n_c), np.float32)
    for j, (t, nodes, ends) in enumerate(zip(trees, internal, leaves)):
        slot = {node: i for i, node in enumerate(nodes)}
        parent = {c: p for p in nodes for c in (t.children_left[p], t.children_right[p])}
        for i, node in enumerate(nodes):
            A[t.feature[node], j * n_i + i] = 1.0
            B[j * n_i + i] = _float32_at_most(t.threshold[node])
        for k, leaf in enumerate(ends):
            turns = 0
            child = leaf
            while child in parent:
                p = parent[child]
                left = t.children_left[p] == child
                C[j, slot[p], k] = 1.0 if left else -1.0
                turns += left
                child = p
            D[j, 0, k] = turns
            E[j, k] = t.value[leaf, 0] / t.value[leaf, 0].sum() / n_t

    class GemmForest(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for name, value in zip("ABCDE", (A, B, C, D, E)):
                self.register_buffer(name, torch.as_tensor(value))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            tests = (x @ self.A <= self.B).float().reshape(x.shape[0], n_t, n_i).transpose(0, 1)
            leaf = (torch.bmm(tests, self.C) == self.D).float()
            return torch.bmm(leaf, self.E).sum(dim=0)

    return GemmForest()


def torch_module(fitted: Fitted) -> torch.nn.Module:
    """A torch module with the fitted model's float weights, in eval mode."""
    build = {"mlp": _mlp_module, "linear": _logreg_module, "forest": _forest_module}[fitted.family]
    return build(fitted.model).eval()


def labels_from_scores(scores: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Class labels from output rows: argmax of logits, or ``score > 0`` for a single decision score."""
    index = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
    return classes[index]


def _export_onnx(module: torch.nn.Module, input_shape: tuple[int, ...], path: str, batch: int = 1) -> None:
    """Export ``module`` for an input of ``batch`` samples of ``input_shape`` (shape (batch, *input_shape):
    EZKL's batch dimension, fixed in the circuit) with the TorchScript exporter (EZKL reads its opsets)."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy exporter is deprecated, still supported
        torch.onnx.export(
            module,
            (torch.zeros(batch, *input_shape),),
            path,
            input_names=["input"],
            output_names=["output"],
            opset_version=OPSET,
            dynamo=False,
        )


def _write_input(path: str, rows: np.ndarray) -> None:
    """EZKL's input file: the rows, flattened (EZKL splits calibration data into input-sized chunks)."""
    Path(path).write_text(json.dumps({"input_data": [np.asarray(rows, dtype=float).ravel().tolist()]}))


def _compile(
    ezkl: ModuleType, module: torch.nn.Module, X_train: np.ndarray, files: Files, target: str,
    decomposition: tuple[int, int], batch: int = 1
) -> dict[str, Any]:
    """ONNX export for ``batch`` samples per proof, gen_settings, calibrate_settings on X_train (cycled to a
    whole number of batches), compile_circuit; returns settings.json."""
    _export_onnx(module, X_train.shape[1:], files.onnx, batch)
    run_args = ezkl.PyRunArgs()
    run_args.input_visibility = "public"
    run_args.output_visibility = "public"
    run_args.param_visibility = "fixed"
    run_args.decomp_base, run_args.decomp_legs = decomposition
    _check(ezkl.gen_settings(files.onnx, files.settings, py_run_args=run_args), "gen_settings")
    n = max(batch, len(X_train) // batch * batch)
    _write_input(files.calibration, np.resize(X_train, (n, *X_train.shape[1:])))
    _check(ezkl.calibrate_settings(files.calibration, files.onnx, files.settings, target), "calibrate_settings")
    _check(ezkl.compile_circuit(files.onnx, files.compiled, files.settings), "compile_circuit")
    return json.loads(Path(files.settings).read_text())


def _check(ok: bool, step: str) -> None:
    """EZKL steps return False on some failures instead of raising."""
    if not ok:
        raise RuntimeError(f"ezkl {step} failed")


def _setup_and_prove(files: Files) -> dict[str, float]:
    """In a fresh process: key generation, the witness of input.json, one proof; with this process's peak RSS."""
    ezkl = _require_ezkl()
    t0 = time.perf_counter()
    _check(ezkl.setup(files.compiled, files.vk, files.pk, files.srs), "setup")
    t1 = time.perf_counter()
    ezkl.gen_witness(files.input, files.compiled, files.witness)
    t2 = time.perf_counter()
    ezkl.prove(files.witness, files.compiled, files.pk, files.proof, files.srs)
    t3 = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"setup_s": t1 - t0, "witness_s": t2 - t1, "prove_s": t3 - t2, "peak_rss_mb": peak_kib / 1024}


def _in_child(files: Files) -> dict[str, float]:
    """Run :func:`_setup_and_prove` in a spawned process (its RSS starts from a bare interpreter)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_setup_and_prove, files).result()


def _verify(ezkl: ModuleType, files: Files, proof_path: str) -> bool:
    """EZKL's verdict on a proof file; an error (e.g. a malformed proof) counts as a rejection."""
    try:
        return bool(ezkl.verify(proof_path, files.settings, files.vk, files.srs))
    except RuntimeError:
        return False


def _tampered_rejected(ezkl: ModuleType, files: Files, output_scale: int) -> bool:
    """Whether verify rejects the proof with its last public output changed by +1.0, and with a proof byte flipped."""
    proof = json.loads(Path(files.proof).read_text())
    claimed = proof["instances"][0][-1]
    forged = ezkl.float_to_felt(ezkl.felt_to_float(claimed, output_scale) + 1.0, output_scale)
    changed_output = copy.deepcopy(proof)
    changed_output["instances"][0][-1] = forged
    flipped_byte = copy.deepcopy(proof)
    flipped_byte["proof"][-1] ^= 1
    verdicts = []
    for forgery in (changed_output, flipped_byte):
        Path(files.tampered).write_text(json.dumps(forgery))
        verdicts.append(_verify(ezkl, files, files.tampered))
    return not any(verdicts)


def circuit_scores(ezkl: ModuleType, files: Files, X: np.ndarray, output_scale: int) -> np.ndarray:
    """The circuit's outputs for each sample of ``X`` (one witness each), rescaled to floats."""
    rows = []
    for x in X:
        _write_input(files.input, x[None])
        witness = ezkl.gen_witness(files.input, files.compiled, files.witness)
        rows.append([ezkl.felt_to_float(felt, output_scale) for felt in witness["outputs"][0]])
    return np.array(rows)


def measure(
    fitted: Fitted,
    workdir: Path,
    max_samples: int | None = None,
    *,
    target: str = CALIBRATION_TARGET,
    decomposition: tuple[int, int] = DECOMPOSITION,
) -> dict[str, Any]:
    """Compile, set up, prove and verify ``fitted`` with EZKL in ``workdir``; costs, sizes and accuracy.
    (Many rows, several per proof: :func:`prove_batch`.)

    The proof is of X_test[0]; accuracy and agreement (with the float model's predict) are over the
    first ``max_samples`` test samples (all if None). "rows" is settings.json's num_rows.
    Raises ValueError for a family other than "mlp"/"linear", RuntimeError if EZKL is not installed.
    """
    if fitted.family not in FAMILIES:
        raise ValueError(f"EZKL is benchmarked on families {FAMILIES}, not {fitted.family!r}")
    X = fitted.X_test[:max_samples]
    return measure_module(torch_module(fitted), fitted.name, fitted.X_train, X, fitted.y_test[:max_samples],
                          fitted.model.predict(X), fitted.model.classes_, workdir, target=target,
                          decomposition=decomposition)


def measure_module(
    module: torch.nn.Module,
    name: str,
    X_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    float_labels: np.ndarray,
    classes: np.ndarray,
    workdir: Path,
    *,
    target: str = CALIBRATION_TARGET,
    decomposition: tuple[int, int] = DECOMPOSITION,
) -> dict[str, Any]:
    """:func:`measure` for any torch module taking samples shaped as ``X_train``'s rows: the proof
    is of X_test[0]; accuracy against ``y_test`` and agreement with ``float_labels`` (the module's own
    labels) over ``X_test``, labels read from the circuit's outputs (:func:`labels_from_scores`)."""
    ezkl = _require_ezkl()
    import torch

    start = time.perf_counter()
    Path(workdir).mkdir(parents=True, exist_ok=True)
    files = Files().under(Path(workdir))
    settings = _compile(ezkl, module, X_train, files, target, decomposition)
    t_compiled = time.perf_counter()
    logrows = settings["run_args"]["logrows"]
    ezkl.gen_srs(files.srs, logrows)
    t_srs = time.perf_counter()
    _write_input(files.input, X_test[:1])
    child = _in_child(files)
    t_verify = time.perf_counter()
    verified = _verify(ezkl, files, files.proof)
    verify_s = time.perf_counter() - t_verify
    output_scale = settings["model_output_scales"][0]
    tampered_rejected = _tampered_rejected(ezkl, files, output_scale)

    labels = labels_from_scores(circuit_scores(ezkl, files, X_test, output_scale), np.asarray(classes))
    return {
        "stack": f"ezkl {ezkl.__version__}",
        "torch": torch.__version__,
        "model": name,
        "calibration_target": target,
        "logrows": logrows,
        "rows": settings["num_rows"],
        "rows_field": "num_rows",
        "total_assignments": settings["total_assignments"],
        "input_scale": settings["run_args"]["input_scale"],
        "param_scale": settings["run_args"]["param_scale"],
        "decomp_base": settings["run_args"]["decomp_base"],
        "decomp_legs": settings["run_args"]["decomp_legs"],
        "compile_s": t_compiled - start,
        "srs_s": t_srs - t_compiled,
        **child,
        "verify_s": verify_s,
        "proof_bytes": Path(files.proof).stat().st_size,
        "proof_raw_bytes": len(json.loads(Path(files.proof).read_text())["proof"]),
        "pk_bytes": Path(files.pk).stat().st_size,
        "vk_bytes": Path(files.vk).stat().st_size,
        "srs_bytes": Path(files.srs).stat().st_size,
        "samples": len(X_test),
        "accuracy": float(np.mean(labels == y_test)),
        "agreement": float(np.mean(labels == float_labels)),
        "float_accuracy": float(np.mean(float_labels == y_test)),
        "verified": verified,
        "tampered_rejected": tampered_rejected,
        "wall_s": time.perf_counter() - start,
    }


def prove_batch(
    fitted: Fitted,
    X: np.ndarray,
    batch: int,
    workdir: Path,
    *,
    target: str = CALIBRATION_TARGET,
    decomposition: tuple[int, int] = DECOMPOSITION,
) -> dict[str, Any]:
    """EZKL proving every row of ``X`` (raw features, shape (n, features)), ``batch`` rows per proof:
    the model exported with an ONNX input of shape (batch, features), EZKL's batch dimension; the last
    proof padded with copies of its last row. One circuit, SRS and key pair for all proofs (setup paid
    once), then per proof gen_witness + prove, all in this process.

    Returns seconds (``compile_s``, ``setup_s`` (keys), ``prove_s`` (witness + prove of every proof),
    ``per_prediction_s`` = prove_s / n, ``verify_s`` of the last proof), the circuit's ``logrows`` and
    ``rows``, ``proofs``, ``proof_bytes`` (the last proof's JSON), ``verified``, and ``agreement``: the
    labels of the proofs' public outputs against the float model's predict on ``X``.
    Raises RuntimeError if EZKL is not installed."""
    ezkl = _require_ezkl()
    Path(workdir).mkdir(parents=True, exist_ok=True)
    files = Files().under(Path(workdir))
    t0 = time.perf_counter()
    settings = _compile(ezkl, torch_module(fitted), fitted.X_train, files, target, decomposition, batch)
    t1 = time.perf_counter()
    ezkl.gen_srs(files.srs, settings["run_args"]["logrows"])
    t2 = time.perf_counter()
    _check(ezkl.setup(files.compiled, files.vk, files.pk, files.srs), "setup")
    t3 = time.perf_counter()
    scale = settings["model_output_scales"][0]
    scores: list[np.ndarray] = []
    for start in range(0, len(X), batch):
        chunk = X[start:start + batch]
        _write_input(files.input, np.concatenate([chunk, np.repeat(chunk[-1:], batch - len(chunk), axis=0)]))
        witness = ezkl.gen_witness(files.input, files.compiled, files.witness)
        ezkl.prove(files.witness, files.compiled, files.pk, files.proof, files.srs)
        out = np.array([ezkl.felt_to_float(felt, scale) for felt in witness["outputs"][0]]).reshape(batch, -1)
        scores.append(out[:len(chunk)])
    t4 = time.perf_counter()
    verified = _verify(ezkl, files, files.proof)
    t5 = time.perf_counter()
    labels = labels_from_scores(np.concatenate(scores), fitted.model.classes_)
    return {
        "stack": f"ezkl {ezkl.__version__}",
        "rows_per_proof": batch,
        "predictions": len(X),
        "proofs": len(scores),
        "logrows": settings["run_args"]["logrows"],
        "rows": settings["num_rows"],
        "compile_s": t1 - t0,
        "srs_s": t2 - t1,
        "setup_s": t3 - t2,
        "prove_s": t4 - t3,
        "per_prediction_s": (t4 - t3) / len(X),
        "verify_s": t5 - t4,
        "verified": verified,
        "proof_bytes": Path(files.proof).stat().st_size,
        "agreement": float(np.mean(labels == fitted.model.predict(X))),
    }


def main(argv: list[str] | None = None) -> None:
    """Run :func:`measure` on the named models and print the results as JSON."""
    from .models import MODELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", choices=sorted(MODELS), help=f"default: {', '.join(DEFAULT_MODELS)}")
    parser.add_argument("--samples", type=int, default=None, help="test samples for accuracy (default: all)")
    parser.add_argument("--target", choices=("accuracy", "resources"), default=CALIBRATION_TARGET)
    parser.add_argument(
        "--decomp",
        nargs=2,
        type=int,
        default=DECOMPOSITION,
        metavar=("BASE", "LEGS"),
        help="range-check decomposition (default: %(default)s; EZKL's own default: 16384 2)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep EZKL's files here (default: a temporary folder)")
    parser.add_argument("--hidden", type=int, default=None, help="measure the iris MLP of this hidden width instead")
    parser.add_argument("--json", "--out", type=Path, default=None, help="write the results here instead of printing them")
    parser.add_argument("--smoke", action="store_true", help="breast_cancer_logreg, 2 test samples")
    args = parser.parse_args(argv)

    from .models import iris_mlp
    from .pyleo_bench import write_json

    if args.smoke:
        args.model, args.samples, args.hidden = ["breast_cancer_logreg"], 2, None
    why = ezkl_missing()
    if why is not None:
        print(why, flush=True)
        write_json([], args.json)
        return

    fitted = [iris_mlp(args.hidden)] if args.hidden else [MODELS[key]() for key in args.model or DEFAULT_MODELS]
    results = []
    with tempfile.TemporaryDirectory(prefix="ezkl_bench_") as tmp:
        root = args.workdir or Path(tmp)
        for i, f in enumerate(fitted):
            decomposition = (args.decomp[0], args.decomp[1])
            results.append(measure(f, root / str(i), args.samples, target=args.target, decomposition=decomposition))
    write_json(results, args.json)


if __name__ == "__main__":
    main()
