"""Measure every example program: compile time, constraints, prove time, verify time, proof size.

    python -m benchmarks.examples [--out benchmarks/results/examples.json] [--smoke]

Prints a Markdown table and writes the figures as JSON (and the table next to it as .md).
Key synthesis is excluded from the prove time (it is cached on disk and reported on its own).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path
from typing import Any

import pyleo as pl
from pyleo import vm

def _iris_sample() -> tuple[Any, ...]:
    iris = importlib.import_module("examples.iris_mlp")
    return (iris.fixed.encode(iris.X_test[0], iris.IN_BITS),)


# (module, program attribute, function, arguments or a function making them)
EXAMPLES: list[tuple[str, str, str, Any]] = [
    ("examples.scorer", "prog", "score", ([1, 2, 3, 4], 10)),
    ("examples.iris_mlp", "prog", "predict", _iris_sample),
]


def measure(module: str, attr: str, function: str, args: Any) -> dict[str, Any]:
    prog: pl.Program = getattr(importlib.import_module(module), attr)
    args = args() if callable(args) else args
    start = time.perf_counter()
    aleo = emit_fresh(prog)
    compile_s = time.perf_counter() - start
    vm.forget_programs()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    vm.evaluate(aleo, function, prog.aleo_inputs(function, args), timings)
    first_eval_s = time.perf_counter() - start
    start = time.perf_counter()
    proof = prog.prove(function, *args)
    prove_s = time.perf_counter() - start
    start = time.perf_counter()
    ok = prog.verify(proof)
    verify_s = time.perf_counter() - start
    return {
        "program": f"{prog.name}.{function}", "constraints": proof.constraints, "compile_s": compile_s,
        "first_evaluate_s": first_eval_s, "prove_s": prove_s, "verify_s": verify_s, "verified": ok,
        "execution_bytes": len(proof.execution.encode()), "outputs": proof.outputs,
    }


def emit_fresh(prog: pl.Program) -> str:
    """Compile from scratch (drop the cached IR, instructions and Aleo text) so the time is the whole compiler's."""
    for key in ("module", "code", "_aleo"):
        prog.__dict__.pop(key, None)
    return prog.aleo()


def table(rows: list[dict[str, Any]]) -> str:
    head = "| program | constraints | compile | first evaluate (cold process) | prove | verify | execution JSON |\n|---|---:|---:|---:|---:|---:|---:|"
    lines = [f"| {r['program']} | {r['constraints']:,} | {r['compile_s'] * 1000:.0f} ms | {r['first_evaluate_s']:.2f} s "
             f"| {r['prove_s']:.2f} s | {r['verify_s'] * 1000:.0f} ms | {r['execution_bytes']:,} B |" for r in rows]
    return "\n".join([head, *lines])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/examples.json"))
    parser.add_argument("--smoke", action="store_true", help="examples/scorer.py only")
    opts = parser.parse_args(argv)
    rows = []
    for spec in EXAMPLES[:1] if opts.smoke else EXAMPLES:
        print(f"measuring {spec[0]}.{spec[2]} ...", flush=True)
        rows.append(measure(*spec))
    machine = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, {vm.versions()}"
    text = table(rows)
    print(text)
    print(f"\nmeasured on: {machine}")
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    opts.out.with_suffix(".md").write_text(text + f"\n\nmeasured on: {machine}\n")


if __name__ == "__main__":
    main()
