"""Measure one benchmark model on pyleo: compile, synthesize keys, prove, verify, size, accuracy.

    python -m benchmarks.pyleo_bench iris_mlp16 [--hidden H] [--json out.json] [--smoke]

Meant to run in its own process (``benchmarks.run`` starts one per model) so that the peak memory
reported is that of one model's key synthesis and proof, and key synthesis is measured cold (keys
are cached under a fresh ``PYLEO_CACHE_DIR`` unless one is set).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import models


def fitted_model(key: str, hidden: int | None = None) -> models.Fitted:
    """The benchmark model ``key`` (an MLP of width ``hidden`` for ``iris_mlp``)."""
    if key == "iris_mlp":
        return models.iris_mlp(hidden or 16)
    if key not in models.MODELS:
        raise SystemExit(f"unknown model {key!r}; choose from iris_mlp, {', '.join(models.MODELS)}")
    return models.MODELS[key]()


def proof_bytes(execution_json: str) -> int:
    """Size of the proof alone: the bech32 ``proof1…`` string of the execution, decoded (5 bits per character)."""
    text = json.loads(execution_json)["proof"]
    data = text.split("1", 1)[1][:-6]  # human-readable part and separator, then the 6-character checksum
    return len(data) * 5 // 8


def forge_output(execution_json: str) -> str:
    """The execution with its public ``u8`` output changed (a claim of another class)."""
    data = json.loads(execution_json)
    out = data["transitions"][0]["outputs"][0]
    out["value"] = f"{(int(out['value'].removesuffix('u8')) + 1) % 256}u8"
    return json.dumps(data)


def forged_proof(proof: Any) -> Any:
    """``proof`` claiming another class: its execution's public ``u8`` output changed, and the
    readable copy of its public outputs with it (else reading it back fails before verification)."""
    from pyleo import vm

    execution = forge_output(proof.execution)
    value = json.loads(execution)["transitions"][0]["outputs"][0]["value"]
    return vm.Proof.from_json({**proof.to_json(), "execution": execution,
                               "public_outputs": [value, *proof.to_json()["public_outputs"][1:]]})


def measure(fitted: models.Fitted) -> dict[str, Any]:
    """Every column of the main table for one model, measured in this process."""
    from pyleo import vm
    from stdlib_ml import from_sklearn

    start = time.perf_counter()
    zk = from_sklearn(fitted.model, fitted.X_train)
    aleo = zk.module.prog.aleo()
    compile_s = time.perf_counter() - start

    labels = zk.predict(fitted.X_test)
    float_labels = fitted.model.predict(fitted.X_test)
    x = fitted.X_test[0]
    proof = zk.prove(x)
    start = time.perf_counter()
    ok = zk.verify(proof)
    verify_s = time.perf_counter() - start
    forged = forged_proof(proof)
    supervised = fitted.family != "kmeans"
    return {
        "stack": f"pyleo (snarkVM {vm.versions().get('snarkvm', '?')})", "model": fitted.name,
        "constraints": proof.constraints, "predicted": zk.module.prog.estimate("predict").total, "aleo_bytes": len(aleo.encode()), "compile_s": compile_s,
        "synthesize_s": proof.timings.get("synthesize", float("nan")), "prove_s": proof.timings["prove"],
        "verify_s": verify_s, "execution_bytes": len(proof.execution.encode()), "proof_bytes": proof_bytes(proof.execution),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": len(fitted.X_test),
        "float_accuracy": float(np.mean(float_labels == fitted.y_test)) if supervised else None,
        "accuracy": float(np.mean(labels == fitted.y_test)) if supervised else None,
        "agreement": float(np.mean(labels == float_labels)),
        "proved_output_matches": bool(zk.decode_proof(proof) == labels[0]),
        "verified": bool(ok), "tampered_rejected": not vm.verify(forged),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help=f"iris_mlp (with --hidden) or one of {', '.join(models.MODELS)}")
    parser.add_argument("--hidden", type=int, default=None, help="hidden width of iris_mlp")
    parser.add_argument("--json", "--out", type=Path, default=None, help="write the row here (else print it)")
    parser.add_argument("--smoke", action="store_true", help="the iris MLP 4→8→3 (no model needs naming)")
    opts = parser.parse_args(argv)
    if opts.smoke:
        opts.model, opts.hidden = "iris_mlp", 8
    if opts.model is None:
        parser.error("name a model (or --smoke)")
    cold_key_cache()
    write_json(measure(fitted_model(opts.model, opts.hidden)), opts.json)


def cold_key_cache() -> None:
    """Point ``PYLEO_CACHE_DIR`` at a fresh, empty directory unless one is set, so key synthesis is
    measured cold; the directory (proving keys: megabytes per function) is removed when the process exits."""
    if "PYLEO_CACHE_DIR" not in os.environ:
        path = tempfile.mkdtemp(prefix="pyleo-bench-")
        atexit.register(shutil.rmtree, path, True)
        os.environ["PYLEO_CACHE_DIR"] = path


def write_json(data: Any, path: Path | None) -> None:
    """Write ``data`` as indented JSON to ``path``, or print it when ``path`` is None."""
    text = json.dumps(data, indent=2)
    if path:
        path.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
