"""The same PyTorch networks through pyleo (``from_torch``) and through EZKL, in one run.

    python -m benchmarks.torch_ezkl [--models mlp cnn gru transformer] [--samples N] [--skip-ezkl] [--out PATH]
                                    [--smoke]

Four networks, trained here (seeded, CPU, one thread): an MLP 4-16-3 on iris, the digits CNN of
``examples/torch_digits.py`` (Conv2d 1→4 3×3, BatchNorm2d, ReLU, MaxPool2d 2, Linear 36→10), the GRU
sequence classifier of ``examples/sequence_gru.py`` (GRU(1→2) over 4 steps → Linear(2→3)) and the
transformer text classifier of ``examples/transformer_text.py`` (Embedding(16→8) + positions → one
``nn.TransformerEncoderLayer``, 2 heads → mean → Linear(8→3), 16 tokens), with those examples' own data
and training code. For each: pyleo converts it (``from_torch``), measures its agreement with the module's
labels on the held-out split, its constraints (snarkVM's count of the proved circuit, else the cost model's)
and its split plans at the local budget (:data:`pyleo.limits.LOCAL_BUDGET`) and at mainnet's
(:data:`pyleo.limits.MAINNET_BUDGET`): the parts, or the planner's reason why none exists. Where a plan
exists here, it proves the first held-out sample (whole, or in linked parts) and verifies the proof (key
synthesis and proving times, verify time, proof size, a forged output rejected); where none does, the row
says it is not proved here and why (no time is given). EZKL runs its own flow on the same module exported to
ONNX (:func:`benchmarks.ezkl_bench.measure_module`: rows, setup/prove/verify times, proof size); where it fails on
the whole module (the transformer: tried first in the run), on the part it takes (the transformer's module after
its embedding, :func:`after_embedding`), named in the row; the GRU's and the transformer's
calibration on :data:`EZKL_CALIBRATION_ROWS` training rows, their agreement on :data:`EZKL_HELD_OUT` rows.
The CNN is also converted at several ``resolution`` values (the cost model's constraint count and the
agreement, no proof): how the circuit's size trades against rounding. Writes
``benchmarks/results/torch_ezkl.json`` and ``.md``. EZKL needs ``pip install -e '.[bench]'``
(``--skip-ezkl`` runs pyleo alone; without it installed, the run says so and measures pyleo alone).
``--smoke``: the iris MLP alone on 5 samples.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from .pyleo_bench import cold_key_cache, forged_proof, proof_bytes, write_json

RESULTS = Path(__file__).resolve().parent / "results"

CNN_OPTIONS = {"input_range": (0, 16), "input_bits": 0, "resolution": 8}
"""from_torch options of the digits CNN (pixels are integers in [0, 16]), as in examples/torch_digits.py."""

RESOLUTIONS = (12, 10, 9, 8, 6)
"""The CNN's resolutions in the size table."""

MODELS = ("mlp", "cnn", "gru", "transformer")
"""The networks of :func:`networks`, by the names ``--models`` takes."""

TRANSFORMER_TOKENS, TRANSFORMER_WIDTH = 16, 8
"""The transformer example's defaults (its ``--tokens``, ``--width``)."""

EZKL_CALIBRATION_ROWS = 32
"""Training rows EZKL's calibration runs on for the GRU and the transformer (the MLP and the CNN: all): calibrating
the transformer's module on all 1,500 took ~15 min here, the GRU's on 1,200 over 5 min."""

EZKL_HELD_OUT = {"gru": 100, "transformer": 20}
"""Held-out rows EZKL's agreement on the GRU and the transformer is measured on (pyleo's: all 400): each is one
witness of a 2^19-row circuit."""

EZKL_TRANSFORMER_PART = ("the module after its embedding: the encoder layer, mean and head on the (16, 8) embedded "
                         "tokens")
"""What EZKL proves of the transformer where it fails on the whole module (ezkl 23.0.5's calibration panics in the Gather
of the embedding: "assertion failed: self.dims[i] > indices[i]"), as its row names it."""


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


def networks(models: tuple[str, ...] = MODELS) -> list[dict[str, Any]]:
    """The trained networks named in ``models`` (of :data:`MODELS`), in that order, each with its data
    (``X_train``, ``X_test`` as the module takes them, ``y_test``), its from_torch ``options`` and, for the
    GRU and the transformer, ``ezkl``: the module EZKL is run on, its calibration rows and held-out rows."""
    import torch
    from sklearn.datasets import load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from torch import nn

    torch.set_num_threads(1)
    out = []
    for key in models:
        if key == "mlp":
            X, y = load_iris(return_X_y=True)
            Xtr, Xte, ytr, yte = train_test_split(X.astype(np.float32), y, test_size=0.3, random_state=0, stratify=y)
            torch.manual_seed(0)
            mlp = _train(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)), Xtr, ytr, 60)
            out.append({"name": "iris MLP 4-16-3", "net": mlp, "X_train": Xtr, "X_test": Xte, "y_test": yte,
                        "options": {}})
        elif key == "cnn":
            X, y = load_digits(return_X_y=True)
            X = X.reshape(-1, 1, 8, 8).astype(np.float32)
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
            torch.manual_seed(0)
            cnn = _train(nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                       nn.Linear(36, 10)), Xtr, ytr, 15)
            out.append({"name": "digits CNN conv3x3·4-BN-ReLU-maxpool2-dense10", "net": cnn, "X_train": Xtr,
                        "X_test": Xte, "y_test": yte, "options": CNN_OPTIONS})
        elif key == "gru":
            from examples import sequence_gru as ex

            Xtr, ytr = ex.make_data(1200, 0)
            Xte, yte = ex.make_data(400, 1)
            net = ex.train(Xtr, ytr)
            out.append({"name": f"sequence GRU(1→{net.gru.hidden_size})-dense3, {ex.T} steps", "net": net, "X_train": Xtr,
                        "X_test": Xte, "y_test": yte,   # the example's conversion (examples/sequence_gru.py: convert)
                        "options": {"input_range": (-3.0, 3.0), "resolution": ex.RESOLUTION, "fit": False,
                                    "min_agreement": 0.99},
                        "ezkl": {"module": net, "X_train": Xtr[:EZKL_CALIBRATION_ROWS], "X_test": Xte[:EZKL_HELD_OUT[key]],
                                 "part": "the whole module"}})
        elif key == "transformer":
            from examples import transformer_text as ex

            Xtr, ytr = ex.make_data(1500, TRANSFORMER_TOKENS, 0)
            Xte, yte = ex.make_data(400, TRANSFORMER_TOKENS, 1)
            net = ex.train(Xtr, ytr, TRANSFORMER_TOKENS, TRANSFORMER_WIDTH)
            out.append({"name": f"text transformer (1 encoder layer, width {TRANSFORMER_WIDTH}, 2 heads, "
                                f"{TRANSFORMER_TOKENS} tokens)", "net": net, "X_train": Xtr, "X_test": Xte, "y_test": yte,
                        "options": {"input_range": (0, ex.VOCAB - 1), "input_bits": 0, "fit": False},
                        "ezkl": {"module": after_embedding(net), "X_train": embedded(net, Xtr[:EZKL_CALIBRATION_ROWS]),
                                 "X_test": embedded(net, Xte[:EZKL_HELD_OUT[key]]), "part": EZKL_TRANSFORMER_PART}})
        else:
            raise ValueError(f"no network {key!r}: choose from {', '.join(MODELS)}")
    return out


def after_embedding(model: Any) -> Any:
    """The example transformer (``examples.transformer_text.TextTransformer``) after its embedding, as a module of
    its own: (batch, tokens, width) floats, the token embeddings plus the positions (:func:`embedded`) → the
    encoder layer → the mean over tokens → the head; the same logits as ``model`` on the token ids."""
    from torch import nn

    class AfterEmbedding(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model.encoder, model.head

        def forward(self, h: Any) -> Any:
            return self.head(self.encoder(h).mean(1))

    return AfterEmbedding().eval()


def embedded(model: Any, X: np.ndarray) -> np.ndarray:
    """What :func:`after_embedding` takes for the token ids ``X`` (n, tokens): (n, tokens, width) float32."""
    import torch

    with torch.no_grad():
        return (model.embed(torch.tensor(X).long()) + model.position).numpy()


def torch_labels(net: Any, X: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return net(torch.tensor(X)).argmax(1).numpy()


def measure_pyleo(case: dict[str, Any], samples: int | None) -> dict[str, Any]:
    """from_torch, predict (agreement), the split plans here and on mainnet; where a plan exists here, one proof of
    X_test[0] (whole or in parts), its verification and (a whole proof) a forged output; else why it is not proved."""
    from pyleo import LimitError, proving, vm
    from stdlib_ml import from_torch

    X, y = case["X_test"][:samples], case["y_test"][:samples]
    flat = X.reshape(len(X), -1)
    start = time.perf_counter()
    zk = from_torch(case["net"], case["X_train"], **case["options"])
    convert_s = time.perf_counter() - start
    labels, float_labels = zk.predict(flat), torch_labels(case["net"], X)
    plans = [{"budget": budget, "parts": None, "reason": plan.message} if isinstance(plan, LimitError)
             else {"budget": budget, "parts": len(plan.parts)} for _, budget, plan in proving.split_plans(zk.program, "predict")]
    row: dict[str, Any] = {
        "stack": f"pyleo (snarkVM {vm.versions().get('snarkvm', '?')})", "model": case["name"], "convert_s": convert_s,
        "samples": len(X), "float_accuracy": float(np.mean(float_labels == y)), "accuracy": float(np.mean(labels == y)),
        "agreement": float(np.mean(labels == float_labels)), "plans": plans,
    }
    if plans[0]["parts"] is None:
        constraints, source = proving.size(zk.program, "predict", exact=False)
        return {**row, "constraints": constraints, "constraints_source": source, "proved": False,
                "not_proved": f"no split to the local budget of {plans[0]['budget']:,}: {plans[0]['reason']}"}
    proof = zk.prove(flat[0])
    start = time.perf_counter()
    ok = zk.verify(proof)
    verify_s = time.perf_counter() - start
    parts = getattr(proof, "parts", [proof])
    if len(parts) == 1:
        constraints, source = proof.constraints, "snarkVM"
    else:
        constraints, source = proving.size(zk.program, "predict", exact=False)
    return {
        **row, "constraints": constraints, "constraints_source": source, "proved": True,
        "part_constraints": [p.constraints for p in parts],
        "synthesize_s": sum(p.timings.get("synthesize", float("nan")) for p in parts),
        "prove_s": sum(p.timings["prove"] for p in parts), "verify_s": verify_s,
        "proof_bytes": sum(proof_bytes(p.execution) for p in parts), "verified": bool(ok),
        "tampered_rejected": not vm.verify(forged_proof(proof)) if len(parts) == 1 else None,
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
    """EZKL on the case's module, or on its ``ezkl`` part (with that part's rows) where EZKL fails on the whole module
    (tried first, on the same rows; ezkl's Rust panics are caught and reported); the row names what EZKL proved, how
    many training rows calibrated it, and why the whole module was not."""
    from .ezkl_bench import measure_module

    part = case.get("ezkl", {"module": case["net"], "X_train": case["X_train"], "X_test": case["X_test"],
                             "part": "the whole module"})
    X = part["X_test"][:samples]
    n, calibration = len(X), len(part["X_train"])
    y, labels = case["y_test"][:n], torch_labels(case["net"], case["X_test"][:n])
    row = {"calibration_rows": calibration}
    if part["module"] is not case["net"]:
        try:
            return {**measure_module(case["net"], case["name"], case["X_train"][:calibration], case["X_test"][:n], y,
                                     labels, np.arange(10), workdir / "whole"), **row, "part": "the whole module"}
        except BaseException as e:   # a panic in ezkl's Rust code is a BaseException (pyo3's PanicException)
            if type(e).__name__ != "PanicException":
                raise
            row["whole_module"] = f"ezkl panicked: {e}"
    try:
        result = measure_module(part["module"], case["name"], part["X_train"], X, y, labels, np.arange(10), workdir)
    except BrokenProcessPool:   # the child that sets up and proves was killed (by the kernel: out of memory)
        return {**row, "stack": "ezkl", "model": case["name"], "part": part["part"], "samples": n,
                "not_measured": "EZKL's setup-and-prove process was killed (out of memory on this machine)"}
    return {**result, **row, "part": part["part"]}


def dash(value: Any, spec: str) -> str:
    """``value`` formatted by ``spec``, or "—" where it was not measured (None or absent)."""
    return "—" if value is None else format(value, spec)


def markdown(results: dict[str, Any]) -> str:
    lines = ["# PyTorch networks: pyleo (from_torch, snarkVM) and EZKL", "",
             "`python -m benchmarks.torch_ezkl` — one run, the same trained modules; agreement with the module's own "
             "labels (torch float32) on the held-out split; proof of the first held-out sample. Parts: pyleo's split "
             "plan at the local budget / at mainnet's (— where none exists: below).", "",
             "| network | stack | constraints / rows | parts (local / mainnet) | keys (s) | prove (s) | verify (s) | "
             "proof (bytes) | accuracy (float → circuit) | agreement (rows) | verified | forged rejected |",
             "|---|---|---:|---|---:|---:|---:|---:|---|---:|---|---|"]
    notes = []
    for r in results["runs"]:
        if "constraints" in r:
            size = f"{r['constraints']:,} constraints ({r['constraints_source']})"
            parts = " / ".join(dash(p["parts"], "d") for p in r["plans"])
            keys = r.get("synthesize_s")
            if not r["proved"]:
                notes.append(f"* **{r['model']}**, pyleo: not proved here: {r['not_proved']}")
            for p in r["plans"][1:]:
                if p["parts"] is None:
                    notes.append(f"* **{r['model']}**, pyleo at a budget of {p['budget']:,}: {p['reason']}")
        elif "not_measured" in r:
            whole = f" (the whole module: {r['whole_module']})" if "whole_module" in r else ""
            notes.append(f"* **{r['model']}**, EZKL on {r['part']}{whole}: not measured: {r['not_measured']}")
            lines.append(f"| {r['model']} | {r['stack']} | not measured (below) | — | — | — | — | — | — | — | — | — |")
            continue
        else:
            size, parts, keys = f"{r['rows']:,} rows (2^{r['logrows']})", "—", r["setup_s"]
            whole = f" (the whole module: {r['whole_module']})" if "whole_module" in r else ""
            notes.append(f"* **{r['model']}**, EZKL proves {r['part']}{whole}, calibrated on {r['calibration_rows']:,} "
                         f"training rows (input/parameter scales 2^{r['input_scale']}/2^{r['param_scale']}), agreement on "
                         f"{r['samples']} held-out rows.")
        lines.append(f"| {r['model']} | {r['stack']} | {size} | {parts} | {dash(keys, '.1f')} | "
                     f"{dash(r.get('prove_s'), '.1f')} | {dash(r.get('verify_s'), '.2f')} | {dash(r.get('proof_bytes'), ',')} | "
                     f"{r['float_accuracy']:.4f} → {r['accuracy']:.4f} | {r['agreement']:.4f} ({r['samples']}) | "
                     f"{dash(r.get('verified'), '')} | {dash(r.get('tampered_rejected'), '')} |")
    left = [m for m in results["models"] if m not in results["ezkl_models"]]
    if left and results["ezkl"] == "measured":
        notes.append(f"* EZKL not run on: {', '.join(left)} (`--ezkl-models`).")
    if notes:
        lines += ["", *notes]
    if results["cnn_sizes"]:
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
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="the networks to measure, in this order (default: all)")
    parser.add_argument("--samples", type=int, default=None, help="held-out samples for accuracy (default: all)")
    parser.add_argument("--skip-ezkl", action="store_true", help="measure pyleo alone")
    parser.add_argument("--ezkl-models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="the networks EZKL is run on too (default: all; the GRU and the transformer take EZKL "
                             "minutes and over 14 GB)")
    parser.add_argument("--out", type=Path, default=RESULTS / "torch_ezkl.json",
                        help="results file (default benchmarks/results/torch_ezkl.json; a Markdown table next to it)")
    parser.add_argument("--smoke", action="store_true", help="the iris MLP alone on 5 samples")
    args = parser.parse_args(argv)
    if args.smoke:
        args.samples, args.models = 5, ["mlp"]
    why = None if args.skip_ezkl else ezkl_missing()
    if why is not None:
        print(why, flush=True)
    cold_key_cache()
    cases = networks(tuple(args.models))
    results: dict[str, Any] = {"models": args.models, "ezkl_models": [] if why or args.skip_ezkl else args.ezkl_models,
                               "runs": [], "cnn_sizes": [], "ezkl": why or "measured"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="torch_ezkl_") as tmp:
        for i, (key, case) in enumerate(zip(args.models, cases)):
            results["runs"].append(measure_pyleo(case, args.samples))
            print(f"{case['name']}: pyleo measured", flush=True)
            if key in results["ezkl_models"]:
                results["runs"].append(measure_ezkl(case, args.samples, Path(tmp) / str(i)))
                print(f"{case['name']}: EZKL measured", flush=True)
            if key == "cnn":
                results["cnn_sizes"] = cnn_sizes(case)
            write_json(results, args.out)   # after each network: a later failure keeps what was measured
            args.out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
