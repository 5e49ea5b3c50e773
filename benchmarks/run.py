"""All benchmarks in one run: pyleo against EZKL and against hand-written Aleo, growth, cost-model error.

    python -m benchmarks.run --quick      # ~3 min here: every table, growth at three sizes per family
    python -m benchmarks.run --full       # ~4 min here: growth at every size
    python -m benchmarks.run --smoke --out PATH   # every table at its smallest (one model each), seconds

Prints each table as it completes and writes ``benchmarks/results/benchmarks.json`` and
``benchmarks/results/benchmarks.md`` (the tables README.md and WRITEUP.md quote). EZKL rows need the
optional extra (``pip install -e '.[bench]'``); without it they are left out, and the run says so.
Every pyleo model is measured in a fresh process with a fresh key cache, so key synthesis is cold
and the peak memory is one model's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pyleo import vm
from pyleo.limits import LOCAL_BUDGET

from . import growth, models

RESULTS = Path("benchmarks/results")
HANDWRITTEN = ("iris_mlp16", "wine_tree4")


def machine() -> str:
    """CPU, cores, memory, Python and snarkVM versions of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f"{mem / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        memory = "? GiB"
    v = vm.versions()
    return (f"{cpu}, {os.cpu_count()} cores, {memory}, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, aleo-sdk {v['aleo_sdk']} (snarkVM {v['snarkvm']})")


def widest_mlp(limit: int = LOCAL_BUDGET) -> int:
    """The widest hidden layer whose iris MLP proves here, by bisection on snarkVM's synthesis.

    The cost model alone cannot decide it: past ~72 units the circuit is refused although it has
    fewer than 16,384 constraints, because the degree-16 parameters also bound the non-zero entries
    of each constraint matrix (2^16), which dense layers with constant weights fill without adding
    constraints. The model gives the upper end of the search.
    """
    from functools import cache

    from pyleo import cost
    from stdlib_ml import from_sklearn

    @cache  # each width is fitted and compiled once, though the search asks for it more than once
    def text(h: int) -> str:
        f = models.iris_mlp(h)
        return from_sklearn(f.model, f.X_train).module.prog.aleo()

    def proves(h: int) -> bool:
        try:
            return vm.constraints(text(h), "predict") <= limit
        except vm.LimitError:
            return False

    lo, hi = 16, 16
    while cost.estimate(text(hi * 2), "predict").total <= limit:
        hi *= 2
    hi *= 2  # lo proves, hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if proves(mid) else (lo, mid)
    return lo


def pyleo_row(key: str, hidden: int | None = None, cold: bool = True) -> dict[str, Any]:
    """One model measured in a fresh process (its own peak memory; ``cold``: with an empty key cache,
    so that key synthesis is measured, else with this process's cache)."""
    with tempfile.TemporaryDirectory(prefix="pyleo-bench-") as tmp:
        out = Path(tmp) / "row.json"
        cmd = [sys.executable, "-m", "benchmarks.pyleo_bench", key, "--json", str(out)]
        if hidden:
            cmd += ["--hidden", str(hidden)]
        env = {**os.environ, "PYLEO_CACHE_DIR": str(Path(tmp) / "cache") if cold else str(vm.cache_dir())}
        subprocess.run(cmd, check=True, env=env)
        return json.loads(out.read_text())


EZKL_CONFIGS = {"EZKL defaults": (16384, 2), "EZKL, range checks 256×4": (256, 4)}
"""EZKL's own default range-check decomposition, and the one that makes these small models smallest."""


def ezkl_rows(keys: list[tuple[str, int | None]], samples: int | None) -> tuple[list[dict[str, Any]], str | None]:
    """EZKL on the neural and linear models, in both configurations, each in a fresh process (its own
    peak memory); ([], why) when EZKL is not installed.

    Rows are given pyleo's column names: ``synthesize_s`` is EZKL's setup (key generation),
    ``proof_bytes`` the raw proof, ``execution_bytes`` the proof file a verifier receives.
    """
    from .ezkl_bench import ezkl_missing

    why = ezkl_missing()
    if why is not None:
        return [], why
    rows = []
    for key, hidden in keys:
        for label, (base, legs) in EZKL_CONFIGS.items():
            with tempfile.TemporaryDirectory(prefix="ezkl-bench-") as tmp:
                out = Path(tmp) / "rows.json"
                cmd = [sys.executable, "-m", "benchmarks.ezkl_bench", "--decomp", str(base), str(legs), "--json", str(out)]
                cmd += ["--hidden", str(hidden)] if hidden else ["--model", key]
                cmd += ["--samples", str(samples)] if samples else []
                subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
                (r,) = json.loads(out.read_text())
            rows.append({**r, "stack": f"{r['stack']} ({label})", "config": label, "synthesize_s": r["setup_s"],
                         "execution_bytes": r["proof_bytes"], "proof_bytes": r["proof_raw_bytes"]})
    return rows, None


def _f(v: Any, spec: str = ".2f", unit: str = "") -> str:
    return "—" if v is None else f"{v:{spec}}{unit}"


def main_table(rows: list[dict[str, Any]]) -> str:
    """pyleo's rows (and EZKL's, same columns; EZKL's size column is rows / logrows)."""
    head = ("| stack | model | circuit size | compile | key synthesis | prove | verify | proof | execution | peak RSS | accuracy (float) | agreement |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = []
    for r in rows:
        size = f"{r['constraints']:,} constraints" if "constraints" in r else f"{r.get('rows', 0):,} rows (2^{r.get('logrows')})"
        acc = "—" if r.get("accuracy") is None else f"{r['accuracy']:.3f} ({r['float_accuracy']:.3f})"
        lines.append(
            f"| {r['stack']} | {r['model']} | {size} | {_f(r.get('compile_s'))} s | {_f(r.get('synthesize_s', r.get('setup_s')))} s "
            f"| {_f(r.get('prove_s'))} s | {_f(r.get('verify_s', 0) * 1000, '.0f')} ms | {r.get('proof_bytes', 0):,} B "
            f"| {_f(r.get('execution_bytes'), ',')} B | {_f(r.get('peak_rss_mb'), '.0f')} MB | {acc} | {_f(r.get('agreement'), '.3f')} |")
    return "\n".join([head, *lines])


def ratio_table(pyleo: list[dict[str, Any]], ezkl: list[dict[str, Any]]) -> str:
    """pyleo / EZKL for the same model, measured in the same run."""
    by_model = {r["model"]: r for r in pyleo}
    head = ("| model | EZKL configuration | prove pyleo / EZKL | verify pyleo / EZKL | proof size pyleo / EZKL | key generation pyleo / EZKL |\n"
            "|---|---|---:|---:|---:|---:|")
    lines = []
    for e in ezkl:
        p = by_model.get(e["model"])
        if p:
            lines.append(f"| {e['model']} | {e['config']} | {p['prove_s'] / e['prove_s']:.2f} | {p['verify_s'] / e['verify_s']:.2f} "
                         f"| {p['proof_bytes'] / e['proof_bytes']:.2f} | {p['synthesize_s'] / e['synthesize_s']:.2f} |")
    return "\n".join([head, *lines])


def handwritten_table(rows: list[dict[str, Any]]) -> str:
    """pyleo's constraints against a hand-optimized Aleo program of the same model."""
    head = ("| model | pyleo | hand-written | ratio | pyleo, model part | hand-written, model part | ratio (model part) | same labels |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|")
    lines = [f"| {r['model']} | {r['pyleo_constraints']:,} | {r['handwritten_constraints']:,} | {r['ratio']:.3f} "
             f"| {r['pyleo_model_constraints']:,} | {r['handwritten_model_constraints']:,} | {r['model_ratio']:.3f} "
             f"| {r['agreement']:.3f} ({r['samples']} samples) |" for r in rows]
    return "\n".join([head, *lines])


def cost_model_summary(pairs: list[tuple[str, int, int]]) -> str:
    """Cost model vs snarkVM on every circuit of this run that could be synthesized."""
    errs = [abs(p - e) / e for _, e, p in pairs]
    worst = max(zip(errs, pairs))
    return (f"Cost model vs snarkVM on {len(pairs)} circuits of this run: mean |error| {sum(errs) / len(errs):.2%}, "
            f"max |error| {worst[0]:.2%} ({worst[1][0]}: snarkVM {worst[1][1]:,}, model {worst[1][2]:,}); "
            f"{sum(e <= 0.02 for e in errs)}/{len(errs)} within 2%.")


SMOKE_HIDDEN = 8
"""``--smoke``: the one iris MLP (4→8→3) measured, instead of the bisection for the widest."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="growth at three sizes per family (default)")
    mode.add_argument("--full", action="store_true", help="growth at every size")
    mode.add_argument("--smoke", action="store_true", help="one model per table, keys from the key cache (seconds)")
    parser.add_argument("--no-ezkl", action="store_true", help="leave EZKL out")
    parser.add_argument("--ezkl-samples", type=int, default=None, help="held-out samples EZKL scores (default all)")
    parser.add_argument("--out", type=Path, default=RESULTS / "benchmarks.json")
    opts = parser.parse_args(argv)
    started = time.perf_counter()
    sections: list[tuple[str, str]] = []

    def section(title: str, text: str) -> None:
        print(f"\n## {title}\n\n{text}\n", flush=True)
        sections.append((title, text))

    h = SMOKE_HIDDEN if opts.smoke else widest_mlp()
    print(f"widest iris MLP that proves here: 4→{h}→3" if not opts.smoke else f"smoke: iris MLP 4→{h}→3", flush=True)
    measured = [("iris_mlp", h)] if opts.smoke else \
        [("iris_mlp", 16), ("iris_mlp", h), *((k, None) for k in models.MODELS if k != "iris_mlp16")]
    pyleo = []
    for key, hidden in measured:
        print(f"pyleo: {key}{f' h={hidden}' if hidden else ''} ...", flush=True)
        pyleo.append(pyleo_row(key, hidden, cold=not opts.smoke))
    ezkl: list[dict[str, Any]] = []
    ezkl_note: str | None = "left out (--no-ezkl)"
    if not opts.no_ezkl:
        keys = [("iris_mlp", h)] if opts.smoke else [("iris_mlp", 16), ("iris_mlp", h), ("breast_cancer_logreg", None)]
        print("EZKL: " + ", ".join(k for k, _ in keys), flush=True)
        ezkl, ezkl_note = ezkl_rows(keys, 2 if opts.smoke else opts.ezkl_samples)
        if ezkl_note:
            print(f"EZKL: {ezkl_note}", flush=True)
    section("Models: pyleo and EZKL", main_table(pyleo + ezkl) + ("" if not ezkl_note else f"\n\nEZKL: {ezkl_note}"))
    if ezkl:
        section("pyleo / EZKL (same models, same run)", ratio_table(pyleo, ezkl))

    from . import handwritten

    hand = [handwritten.compare(k, 2 if opts.smoke else None) for k in HANDWRITTEN[:1 if opts.smoke else None]]
    section("pyleo against hand-written Aleo", handwritten_table(hand))

    grow = growth.run(quick=not opts.full, smoke=opts.smoke)
    section("Growth", growth.table(grow))

    pairs = [(f"{r['family']} {r['size']}", r["exact"], r["predicted"]) for r in grow if r["exact"] is not None]
    pairs += [(r["model"], r["constraints"], r["predicted"]) for r in pyleo]
    section("Cost model", cost_model_summary(pairs))

    env = machine()
    elapsed = time.perf_counter() - started
    md = "\n\n".join(f"## {t}\n\n{x}" for t, x in sections)
    run_mode = "full" if opts.full else "smoke" if opts.smoke else "quick"
    md = f"# Benchmarks ({run_mode} run)\n\nMeasured on: {env}; whole run {elapsed / 60:.1f} min.\n\n{md}\n"
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps({"machine": env, "mode": run_mode, "elapsed_s": elapsed,
                                    "pyleo": pyleo, "ezkl": ezkl, "ezkl_note": ezkl_note, "handwritten": hand,
                                    "growth": grow}, indent=2))
    opts.out.with_suffix(".md").write_text(md)
    print(f"measured on: {env}\nwrote {opts.out} and {opts.out.with_suffix('.md')} ({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main()
