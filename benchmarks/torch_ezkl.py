"""The same PyTorch networks through pyleo (``from_torch``) and through EZKL, in one run.

    python -m benchmarks.torch_ezkl [--samples N] [--skip-ezkl] [--out PATH] [--smoke]

Two networks, trained here (seeded, CPU, one thread): an MLP 4-16-3 on iris and the digits CNN of
``examples/torch_digits.py`` (Conv2d 1→4 3×3, BatchNorm2d, ReLU, MaxPool2d 2, Linear 36→10). For each:
pyleo converts it (``from_torch``), proves the first held-out sample on snarkVM and verifies the proof
(constraints from snarkVM, key synthesis and proving times, verify time, proof size, a forged output
rejected); EZKL runs its own flow on the same module exported to ONNX (:func:`benchmarks.ezkl_bench.
measure_module`: rows, setup/prove/verify times, proof size). Agreement is with the network's own
labels (torch, float32) on the held-out split, for both stacks. The CNN is also converted at several
``resolution`` values (the cost model's constraint count and the agreement, no proof): how the circuit's
size trades against rounding. Writes ``benchmarks/results/torch_ezkl.json`` and ``.md``. EZKL needs
``pip install -e '.[bench]'`` (``--skip-ezkl`` runs pyleo alone; without it installed, the run says so
and measures pyleo alone).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .pyleo_bench import cold_key_cache, forged_proof, proof_bytes, write_json

RESULTS = Path(__file__).resolve().parent / "results"

CNN_OPTIONS = {"input_range": (0, 16), "input_bits": 0, "resolution": 8}
"""from_torch options of the digits CNN (pixels are integers in [0, 16]), as in examples/torch_digits.py."""

RESOLUTIONS = (12, 10, 9, 8, 6)
"""The CNN's resolutions in the size table."""


def _train(net: Any, X: np.ndarray, y: np.ndarray, epochs: int) -> Any:
    import torch

    torch.manual_seed(0)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.tensor(X), torch.tensor(y)
    g = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
    return net.eval()


def networks(cnn: bool = True) -> list[dict[str, Any]]:
    """The two trained networks with their data and pyleo options (the iris MLP alone unless ``cnn``)."""
    import torch
    from sklearn.datasets import load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from torch import nn

    torch.set_num_threads(1)
    out = []
    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X.astype(np.float32), y, test_size=0.3, random_state=0, stratify=y)
    torch.manual_seed(0)
    mlp = _train(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)), Xtr, ytr, 60)
    out.append({"name": "iris MLP 4-16-3", "net": mlp, "X_train": Xtr, "X_test": Xte, "y_test": yte, "options": {}})
    if not cnn:
        return out
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 1, 8, 8).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    torch.manual_seed(0)
    cnn = _train(nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                               nn.Linear(36, 10)), Xtr, ytr, 15)
    out.append({"name": "digits CNN conv3x3·4-BN-ReLU-maxpool2-dense10", "net": cnn, "X_train": Xtr, "X_test": Xte,
                "y_test": yte, "options": CNN_OPTIONS})
    return out


def torch_labels(net: Any, X: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return net(torch.tensor(X)).argmax(1).numpy()


def measure_pyleo(case: dict[str, Any], samples: int | None) -> dict[str, Any]:
    """from_torch, predict (agreement), one proof of X_test[0], its verification and a forged output."""
    from pyleo import vm
    from stdlib_ml import from_torch

    X, y = case["X_test"][:samples], case["y_test"][:samples]
    start = time.perf_counter()
    zk = from_torch(case["net"], case["X_train"], **case["options"])
    convert_s = time.perf_counter() - start
    labels, float_labels = zk.predict(X), torch_labels(case["net"], X)
    proof = zk.prove(X[0])
    start = time.perf_counter()
    ok = zk.verify(proof)
    verify_s = time.perf_counter() - start
    forged = forged_proof(proof)
    return {
        "stack": f"pyleo (snarkVM {vm.versions().get('snarkvm', '?')})", "model": case["name"],
        "constraints": proof.constraints, "convert_s": convert_s,
        "synthesize_s": proof.timings.get("synthesize", float("nan")), "prove_s": proof.timings["prove"],
        "verify_s": verify_s, "proof_bytes": proof_bytes(proof.execution), "samples": len(X),
        "float_accuracy": float(np.mean(float_labels == y)), "accuracy": float(np.mean(labels == y)),
        "agreement": float(np.mean(labels == float_labels)), "verified": bool(ok),
        "tampered_rejected": not vm.verify(forged),
    }


def cnn_sizes(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The CNN at each of :data:`RESOLUTIONS`: constraints (snarkVM's where the circuit fits the local
    parameters, else the cost model's), sign-test widths, agreement."""
    import re

    from pyleo.errors import LimitError
    from stdlib_ml import from_torch

    rows = []
    float_labels = torch_labels(case["net"], case["X_test"])
    for res in (*RESOLUTIONS, None):
        opts = {**CNN_OPTIONS, "resolution": res} if res is not None else {"resolution": 12}
        zk = from_torch(case["net"], case["X_train"], strict=False, name=f"digits_cnn_r{res or 0}", **opts)
        widths = re.findall(r"(relu_vec|argmax)\((\d+)\)", zk.source)
        try:
            constraints, source = zk.program.cost("predict", prepare_proof=False), "snarkVM"
        except LimitError:   # over the local parameters: the cost model's figure
            constraints, source = zk.program.estimate("predict").total, "cost model"
        rows.append({"resolution": opts["resolution"],
                     "inputs": "exact integers in [0, 16]" if res is not None else "default (from X, 12 bits)",
                     "constraints": constraints, "source": source,
                     "sign_tests": " ".join(f"{'ReLU' if k == 'relu_vec' else 'argmax'}{w}" for k, w in widths),
                     "agreement": float(np.mean(zk.predict(case["X_test"]) == float_labels))})
    return rows


def measure_ezkl(case: dict[str, Any], samples: int | None, workdir: Path) -> dict[str, Any]:
    from .ezkl_bench import measure_module

    X, y = case["X_test"][:samples], case["y_test"][:samples]
    return measure_module(case["net"], case["name"], case["X_train"], X, y, torch_labels(case["net"], X),
                          np.arange(10), workdir)


def markdown(results: dict[str, Any]) -> str:
    lines = ["# PyTorch networks: pyleo (from_torch, snarkVM) and EZKL", "",
             "`python -m benchmarks.torch_ezkl` — one run, the same trained modules; agreement with the module's own "
             "labels (torch float32) on the held-out split; proof of the first held-out sample.", "",
             "| network | stack | constraints / rows | keys (s) | prove (s) | verify (s) | proof (bytes) | accuracy "
             "(float → circuit) | agreement | verified | forged rejected |", "|---|---|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for r in results["runs"]:
        size = f"{r['constraints']:,} constraints" if "constraints" in r else f"{r['rows']:,} rows (2^{r['logrows']})"
        keys = r.get("synthesize_s", r.get("setup_s", float("nan")))
        lines.append(f"| {r['model']} | {r['stack']} | {size} | {keys:.1f} | {r['prove_s']:.1f} | {r['verify_s']:.2f} | "
                     f"{r['proof_bytes']:,} | {r['float_accuracy']:.4f} → {r['accuracy']:.4f} | {r['agreement']:.4f} | "
                     f"{r['verified']} | {r['tampered_rejected']} |")
    lines += ["", "## The digits CNN at several resolutions (pyleo; local limit 16,384 constraints)", "",
              "| resolution | inputs | constraints | source | sign tests per stage | agreement (held-out) |",
              "|---:|---|---:|---|---|---:|"]
    for r in results["cnn_sizes"]:
        lines.append(f"| {r['resolution']} | {r['inputs']} | {r['constraints']:,} | {r['source']} | {r['sign_tests']} | "
                     f"{r['agreement']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from .ezkl_bench import ezkl_missing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=None, help="held-out samples for accuracy (default: all)")
    parser.add_argument("--skip-ezkl", action="store_true", help="measure pyleo alone")
    parser.add_argument("--out", type=Path, default=RESULTS / "torch_ezkl.json",
                        help="results file (default benchmarks/results/torch_ezkl.json; a Markdown table next to it)")
    parser.add_argument("--smoke", action="store_true", help="the iris MLP alone on 5 samples, no CNN size table")
    args = parser.parse_args(argv)
    if args.smoke:
        args.samples = 5
    why = None if args.skip_ezkl else ezkl_missing()
    if why is not None:
        print(why, flush=True)
    cold_key_cache()
    cases = networks(cnn=not args.smoke)
    runs = []
    with tempfile.TemporaryDirectory(prefix="torch_ezkl_") as tmp:
        for i, case in enumerate(cases):
            runs.append(measure_pyleo(case, args.samples))
            if not args.skip_ezkl and why is None:
                runs.append(measure_ezkl(case, args.samples, Path(tmp) / str(i)))
    results = {"runs": runs, "cnn_sizes": [] if args.smoke else cnn_sizes(cases[1]), "ezkl": why or "measured"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(results, args.out)
    args.out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
