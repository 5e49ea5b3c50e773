"""Issue 12, point 1: would range facts let the converted models' comparisons use fewer bits?

    python -m benchmarks.sign_test_widths [--model KEY ...] [--out PATH] [--smoke]

A converted model compares a field value ``v`` with 0 by a sign test: ``add v 2^(N-1)``, a checked
``cast`` to ``uN`` (N + 1 constraints: the range check), then its top bit. For each such test in the
models of :data:`benchmarks.end_to_end.MODELS`, the interval arithmetic of
:func:`pyleo.aleo_passes.field_intervals` bounds ``v``; where the bounds fit a narrower unsigned type
``uM`` (M in 8, 16, 32), the test could cast to ``uM`` instead. Prints per model the sign tests, how many
could narrow, and the constraints that would save (the cost table's cast costs); writes
``benchmarks/results/sign_test_widths.json``. The converters already size their sign tests from the
input range (``stdlib_ml.fixed.sign_bits``), so this measures what a generic pass would add on top.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pyleo.aleo_code import Function, Lit, Reg
from pyleo.aleo_passes import field_intervals
from pyleo.cost import load_table
from pyleo.types import FieldType, IntType

from .end_to_end import MODELS, convert

RESULTS = Path(__file__).parent / "results" / "sign_test_widths.json"

WIDTHS = (8, 16, 32, 64)


def sign_tests(fn: Function) -> dict[str, Any]:
    """The sign tests of ``fn`` (``add v 2^(N-1)`` then a checked cast to ``uN``) and which could narrow."""
    bounds = field_intervals(fn)
    defs = {ins.result: ins for ins in fn.body if ins.result is not None}
    table = load_table()["instructions"]
    found, narrower, saved = 0, {}, 0.0
    for ins in fn.body:
        if ins.opcode != "cast" or not isinstance(ins.type, IntType) or ins.type.signed or len(ins.operands) != 1 \
                or not isinstance(ins.operands[0], Reg):
            continue
        src = defs.get(ins.operands[0].id)
        if src is None or src.opcode != "add" or not isinstance(src.type, FieldType):
            continue
        n = ins.type.bits
        offset = [op for op in src.operands if isinstance(op, Lit)]
        value = [op for op in src.operands if isinstance(op, Reg)]
        if not offset or offset[0].value != 1 << (n - 1) or not value:
            continue
        found += 1
        lo, hi = bounds.get(value[0].id, (None, None))
        m = next((m for m in WIDTHS if m < n and lo is not None and -(1 << (m - 1)) <= lo and hi < 1 << (m - 1)), None)
        if m is not None:
            narrower[f"u{n} -> u{m}"] = narrower.get(f"u{n} -> u{m}", 0) + 1
            saved += table.get(f"cast field:v -> u{n}", n + 1) - table.get(f"cast field:v -> u{m}", m + 1)
    return {"sign_tests": found, "narrower": narrower, "constraints_saved": round(saved)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    ap.add_argument("--smoke", action="store_true", help="rf_iris only")
    args = ap.parse_args(argv)
    rows = []
    print(f"{'model':<18} {'sign tests':>10} {'could narrow':<24} {'constraints saved':>17}")
    for key in ["rf_iris"] if args.smoke else args.model or MODELS:
        zk = convert(MODELS[key]())
        row = {"model": key, **sign_tests(zk.program.code.function("predict"))}
        rows.append(row)
        print(f"{key:<18} {row['sign_tests']:>10,} {str(row['narrower'] or '-'):<24} {row['constraints_saved']:>17,}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
