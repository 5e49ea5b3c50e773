"""What snarkVM's transition charges per private input feature: u64 per feature (the converters'
layout before issue 12) against one u8 per feature and the bit-packed u128 words they use now.

    python -m benchmarks.input_costs [--features 4 16 64 784] [--bits 14] [--out benchmarks/results/input_costs.json] [--smoke]

For n features, three interfaces of one private input and a public ``u8`` output:

- ``u64``: ``[u64; n]``, each feature a u64 (the baseline: what converters sent before);
- ``u8``: ``[u8; n]``, each feature in one u8 (the narrowest integer type per feature, where its
  code fits 8 bits);
- ``packed``: ``[u128; W]``, each feature a code of ``--bits`` bits (14: what the MLP converter
  gives most features, digits 14–18) packed into W = :func:`stdlib_ml.fixed.pack_words` words;
- ``chosen``: the same codes packed in the word width converters take
  (:func:`stdlib_ml.convert.render.input_word_bits`: the cheapest by the cost model's fitted transition).

The transition's constraints are exact where its circuit fits the local bound: snarkVM synthesizes a
function with that interface and a body costing nothing (:func:`pyleo.cost.skeleton_transition`,
read from the verifying key). Where it does not (784 features; 64 u64), the row gives the cost
model's fitted transition (``pyleo/cost_table.json``), marked ``model``. ``per feature`` is
(transition − the transition of a single private u8) / n.

The default run also synthesizes the digits MLP 64→32→10 (issue 12's model) and reports its exact
constraints, variables and the non-zero entries of A (:func:`pyleo.vm.circuit_info`). First run about
15 s per synthesized interface; cached keys make re-runs fast.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any

from pyleo import cost, vm
from stdlib_ml import fixed
from stdlib_ml.convert.render import input_word_bits

LAYOUTS = ("u64", "u8", "packed", "chosen")
OUTPUT = [("u8", "public")]


def interface(layout: str, n: int, bits: int) -> list[tuple[str, str]]:
    """The private input of ``n`` features in ``layout``."""
    if layout in ("packed", "chosen"):
        word = 128 if layout == "packed" else input_word_bits([bits] * n)
        return [(f"[u{word}; {fixed.pack_words([bits] * n, word)}u32]", "private")]
    return [(f"[{layout}; {n}u32]", "private")]


def transition(inputs: list[tuple[str, str]], table: dict[str, Any]) -> tuple[int, str]:
    """(constraints of the transition, "snarkVM" or "model")."""
    an = cost.Analyzer("")
    fn = cost.Function("f", inputs, OUTPUT)
    fitted = table["transition"]["base"] + cost.interface_cost(an, inputs, "inputs", table) \
        + cost.interface_cost(an, OUTPUT, "outputs", table)
    if fitted < 16_000:   # close to or above the local bound: snarkVM would refuse it
        exact = cost.skeleton_transition(an, fn, table)
        if exact is not None:
            return exact, "snarkVM"
    return round(fitted), "model"


def digits_mlp() -> dict[str, Any]:
    """The digits MLP 64→32→10 converted with bit-packed inputs: exact sizes and held-out agreement."""
    from benchmarks import models
    from stdlib_ml import from_sklearn

    f = models.digits_mlp()
    zk = from_sklearn(f.model, f.X_train)
    agreement = float((zk.predict(f.X_test) == f.model.predict(f.X_test)).mean())
    est = zk.program.estimate("predict", synthesize_transition=False)
    return {"model": f.name, "input_bits": sum(zk.module.INPUT_WIDTHS), "word_bits": zk.input_word_bits,
            "words": fixed.pack_words(zk.module.INPUT_WIDTHS, zk.input_word_bits), "held_out_rows": len(f.X_test),
            "agreement": agreement, "predicted": est.total, **vm.circuit_info(zk.program.aleo(), "predict")}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--features", type=int, nargs="+", default=[4, 16, 64, 784])
    ap.add_argument("--bits", type=int, default=14, help="bits of each packed feature's code")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/input_costs.json"))
    ap.add_argument("--digits", action=argparse.BooleanOptionalAction, default=True,
                    help="also synthesize the digits MLP 64→32→10")
    ap.add_argument("--smoke", action="store_true", help="4 features in the converters' layout only, no digits MLP")
    args = ap.parse_args(argv)
    if args.smoke:
        args.features, args.digits = [4], False
    table = cost.load_table()
    base, _ = transition([("u8", "private")], table)
    rows = []
    print(f"transition of one private u8 (the base of 'per feature'): {base:,} constraints")
    print(f"{'features':>8} | " + " | ".join(f"{name:>26}" for name in (
        "u64 (before)", "u8 per feature", f"packed u128, {args.bits}-bit codes", "packed, converter's word")))
    for n in args.features:
        row: dict[str, Any] = {"features": n}
        cells = []
        for layout in LAYOUTS[-1:] if args.smoke else LAYOUTS:
            inputs = interface(layout, n, args.bits)
            count, source = transition(inputs, table)
            row[layout] = {"input": inputs[0][0], "transition": count, "source": source,
                           "per_feature": round((count - base) / n, 1)}
            cells.append(f"{inputs[0][0].split(';')[0][1:] + ' ' if layout == 'chosen' else ''}"
                         f"{count:>7,} {source:>7} {(count - base) / n:>6.1f}/f")
        rows.append(row)
        print(f"{n:>8} | " + " | ".join(f"{c:>26}" for c in cells), flush=True)
    doc: dict[str, Any] = {"versions": vm.versions(), "machine": platform.machine(), "base_u8": base,
                           "bits": args.bits, "rows": rows}
    if args.digits:
        doc["digits_mlp"] = d = digits_mlp()
        print(f"{d['model']}: {d['constraints']:,} constraints (cost model {d['predicted']:,}), {d['variables']:,} "
              f"variables, {d['non_zero_a']:,} non-zeros in A; inputs {d['input_bits']} bits in {d['words']} "
              f"u{d['word_bits']}; "
              f"agreement {d['agreement']:.2%} on {d['held_out_rows']} held-out rows")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
