"""Compile time and memory against model size: scikit-learn's default random forest on iris, 10 → 1,000 trees.

    python -m benchmarks.compile_growth [--trees 10 20 40 100 1000] [--baseline REV --baseline-up-to 40]

For each forest (``RandomForestClassifier(n_estimators=k, random_state=0)``, sklearn's default depth,
fitted on all of iris): the time to convert it (:func:`stdlib_ml.from_sklearn`), to type-check the
program to IR, and to emit its Aleo instructions, then the peak Python memory (``tracemalloc``) of
the emission and the number of instructions; the Leo text's emission time (``pyleo build`` writes
both); and prediction speed: rows per second of the batch evaluator (``Program.run_batch``, 1,000
iris rows) and of the row-by-row interpreter (``Program.run``, a few rows), checked to agree. With ``--baseline REV`` the Aleo emitter of git revision
``REV`` (``git show REV:pyleo/emit_aleo.py``, loaded as a throw-away module next to today's IR) is
timed on the same IR in the same run, for forests up to ``--baseline-up-to`` trees (it was quadratic).

Writes ``benchmarks/results/compile_growth.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import tracemalloc
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyleo import ir
from pyleo.emit_aleo import emit_aleo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def forest_program(trees: int) -> tuple[Any, float]:
    """The converted model (a ``ZkModel``) of a ``trees``-tree default forest on iris, and the conversion time."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    from stdlib_ml import from_sklearn

    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=trees, random_state=0).fit(X, y)
    start = time.perf_counter()
    zk = from_sklearn(model, X)
    return zk, time.perf_counter() - start


def baseline_emitter(rev: str) -> Callable[[ir.Module], str]:
    """``emit_aleo`` as it was at git revision ``rev`` (loaded from ``git show``, run on today's IR)."""
    source = subprocess.run(["git", "show", f"{rev}:pyleo/emit_aleo.py"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    module = types.ModuleType(f"pyleo._emit_aleo_{rev}")
    module.__package__ = "pyleo"
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{rev}:pyleo/emit_aleo.py", "exec"), module.__dict__)  # noqa: S102 (our own history)
    return module.emit_aleo  # type: ignore[no-any-return]


def measure(emit: Callable[[ir.Module], str], module: ir.Module) -> dict[str, Any]:
    """Emission time (untraced), then peak traced memory of a second emission, and instruction count."""
    start = time.perf_counter()
    text = emit(module)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    emit(module)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    instructions = sum(1 for line in text.splitlines() if " into " in line or line.strip().startswith("assert"))
    return {"emit_s": round(seconds, 3), "peak_mib": round(peak / 2**20, 1), "instructions": instructions}


def predict_speed(zk: Any, trees: int) -> dict[str, float]:
    """Rows per second: the batch evaluator on 1,000 iris rows, the interpreter on a few of them."""
    import numpy as np
    from sklearn.datasets import load_iris

    X = load_iris().data[np.random.default_rng(0).integers(0, 150, 1000)]
    rows = [[x] for x in zk.encode(X)]
    prog = zk.program
    start = time.perf_counter()
    batch = prog.run_batch("predict", rows)
    batch_s = time.perf_counter() - start
    few = max(2, min(10, 1000 // trees))
    start = time.perf_counter()
    single = [prog.run("predict", *r) for r in rows[:few]]
    interp_s = time.perf_counter() - start
    if single != batch[:few]:
        raise AssertionError("the batch evaluator disagrees with the interpreter")
    return {"batch_rows_per_s": round(len(rows) / batch_s), "interpreter_rows_per_s": round(few / interp_s, 1)}


def run(trees: list[int], baseline: str | None, baseline_up_to: int) -> list[dict[str, Any]]:
    old = baseline_emitter(baseline) if baseline else None
    rows = []
    for k in trees:
        zk, convert_s = forest_program(k)
        prog = zk.program
        start = time.perf_counter()
        module = prog.module
        check_s = time.perf_counter() - start
        row: dict[str, Any] = {"trees": k, "convert_s": round(convert_s, 3), "check_s": round(check_s, 3),
                               **measure(emit_aleo, module)}
        row["total_s"] = round(row["convert_s"] + row["check_s"] + row["emit_s"], 3)
        start = time.perf_counter()
        prog.leo()
        row["leo_s"] = round(time.perf_counter() - start, 3)
        row.update(predict_speed(zk, k))
        if old is not None and k <= baseline_up_to:
            before = measure(old, module)
            row["baseline"] = {**before, "total_s": round(convert_s + check_s + before["emit_s"], 3)}
        rows.append(row)
        print(_line(row), flush=True)
    return rows


HEADER = ("| trees | instructions | convert s | check s | emit s | total s | emit peak MiB "
          "| baseline instructions | baseline emit s | baseline total s | baseline peak MiB "
          "| Leo text s | batch rows/s | interpreter rows/s |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def _line(row: dict[str, Any]) -> str:
    b = row.get("baseline")
    old = [f"{b['instructions']:,}", f"{b['emit_s']:.2f}", f"{b['total_s']:.2f}", f"{b['peak_mib']:.1f}"] if b else ["–"] * 4
    return (f"| {row['trees']:,} | {row['instructions']:,} | {row['convert_s']:.2f} | {row['check_s']:.2f} "
            f"| {row['emit_s']:.2f} | {row['total_s']:.2f} | {row['peak_mib']:.1f} | " + " | ".join(old)
            + f" | {row['leo_s']:.2f} | {row['batch_rows_per_s']:,} | {row['interpreter_rows_per_s']} |")


SMOKE_TREES = [2]
"""``--smoke``: one forest of two trees."""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, nargs="+", default=[10, 20, 40, 100, 1000])
    ap.add_argument("--smoke", action="store_true", help=f"forests of {SMOKE_TREES} trees only, no baseline")
    ap.add_argument("--baseline", help="git revision whose emit_aleo.py is the baseline (e.g. main)")
    ap.add_argument("--baseline-up-to", type=int, default=40, help="largest forest given to the baseline")
    ap.add_argument("--out", type=Path, default=RESULTS / "compile_growth.json")
    args = ap.parse_args(argv)
    if args.smoke:
        args.trees, args.baseline = SMOKE_TREES, None
    print(HEADER)
    rows = run(args.trees, args.baseline, args.baseline_up_to)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    base = (subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, capture_output=True, text=True)
            .stdout.strip() if args.baseline else None)
    meta = {"commit": head, "baseline_commit": base, "python": platform.python_version(), "machine": platform.machine(),
            "model": "RandomForestClassifier(n_estimators=k, random_state=0) on all of iris, default depth"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    note = (f"Python → Aleo text for default random forests on iris (commit {head}"
            + (f"; baseline: the emitter of {base}, same IR, same run" if base else "") + "). "
            "Peak: Python memory traced during emission.\n\n")
    args.out.with_suffix(".md").write_text(note + HEADER + "\n" + "\n".join(_line(r) for r in rows) + "\n")


if __name__ == "__main__":
    main()
