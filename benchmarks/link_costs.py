"""What each piece of a link between two parts of a split costs in snarkVM (docs/split.md, "Where a link's
constraints go"): private inputs of several layouts, the hashes over what a link holds, public outputs, casts
between fields and integers, and packing narrow integers into one field element.

    python -m benchmarks.link_costs [--out benchmarks/results/link_costs.json] [--smoke]

Every figure is a difference of two functions of one small hand-written Aleo program, counted by snarkVM
(:func:`pyleo.vm.constraints`: the function's verifying key, synthesized from the program text with no inputs;
cached after the first run): a function with the item against the same function without it (its ``base``).
``--smoke`` builds every program, has snarkVM parse it, and gives the cost model's figure (:func:`pyleo.cost.estimate`)
for each item instead (no synthesis: seconds).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
from pathlib import Path
from typing import Any

from pyleo import cost, vm
from pyleo.errors import LimitError
from pyleo.vm.keys import load_program

RESULTS = Path(__file__).with_name("results") / "link_costs.json"

STRUCTS = """struct s10:
{members}
struct link10:
{link}    i as u8;
    r as u128;

"""
S10 = "".join(f"    v{i} as u64;\n" for i in range(10))
LINK10 = "".join(f"    v{i} as u32;\n" for i in range(10))

Case = tuple[str, str, tuple[str, ...], tuple[str, ...], list[str], list[str]]
"""(group, item, the base's inputs after ``r0`` (a private u8), the item's extra inputs, the item's body, its outputs
after ``output r0 as u8.public``); the item's base is the function with the base's inputs, no body and no other
output. The items of one group with the same base are functions of one program."""

INPUTS = ["[u64; 10u32]", "s10", "link10", "[u32; 10u32]", "[u16; 10u32]", "field", "[field; 2u32]",
          "[field; 3u32]", "u128", "[u128; 2u32]", "[u128; 3u32]", "u64"]

HASHED = {"[u64; 10] (5 fields)": "[u64; 10u32]", "s10, a struct of 10 u64 (6 fields)": "s10",
          "link10, a struct of 10 u32, u8, u128 (5 fields)": "link10", "1 field (2 fields)": "field",
          "[field; 2] (3 fields)": "[field; 2u32]", "u64 (1 field)": "u64", "u128 (1 field)": "u128",
          "[u128; 3] (3 fields)": "[u128; 3u32]"}
"""Operands hashed: a label (with the field elements snarkVM's ``to_fields`` packs it into) → its Aleo type."""

OUTPUTS = {"field public": ("field", ["output r1 as field.public;"], []),
           "field private": ("field", ["output r1 as field.private;"], []),
           "[field; 2] public": ("field", ["output @0 as [field; 2u32].public;"], ["cast r1 r1 into @0 as [field; 2u32];"]),
           "u128 public": ("u128", ["output r1 as u128.public;"], [])}


SMOKE = ("hash.psd2 of [u64; 10] (5 fields)", "hash.psd8 of [u64; 10] (5 fields)")
"""The items of ``--smoke``."""


def cases() -> list[Case]:
    """Every item measured."""
    found: list[Case] = []
    for t in INPUTS:
        found.append(("input", f"private {t}", (), (f"{t}.private",), [], []))
    for name, t in HASHED.items():
        for op in ("hash.psd2", "hash.psd4", "hash.psd8", "hash.bhp256"):
            found.append(("hash", f"{op} of {name}", (f"{t}.private",), (), [f"{op} r1 into @0 as field;"], []))
    found.append(("hash", "hash.ped128 of u64 (90 bits)", ("u64.private",), (), ["hash.ped128 r1 into @0 as field;"], []))
    for name, (t, outs, body) in OUTPUTS.items():
        found.append(("output", name, (f"{t}.private",), (), body, outs))
    for t in ("u16", "u32", "u64", "u128"):
        found.append(("cast", f"cast field -> {t} (checked)", ("field.private",), (), [f"cast r1 into @0 as {t};"], []))
    for t in ("u64", "u128"):
        found.append(("cast", f"cast.lossy field -> {t}", ("field.private",), (), [f"cast.lossy r1 into @0 as {t};"], []))
    found.append(("cast", "cast u64 -> field", ("u64.private",), (), ["cast r1 into @0 as field;"], []))
    found.append(("cast", "cast u128 -> field", ("u128.private",), (), ["cast r1 into @0 as field;"], []))
    pack = [f"cast r1[{i}u32] into @{i} as field;" for i in range(8)]       # @0 … @7
    pack += [f"mul @{i} {1 << (16 * i)}field into @{7 + i};" for i in range(1, 8)]   # @8 … @14
    pack += ["add @0 @8 into @15;"] + [f"add @{13 + i} @{7 + i} into @{14 + i};" for i in range(2, 8)]   # … @21
    found.append(("cast", "pack 8 u16 into one field (cast, mul by 2^16i, add)", ("[u16; 8u32].private",), (), pack, []))
    found.append(("cast", "pack 8 u16, check against a field input (assert.eq)", ("[u16; 8u32].private", "field.private"),
                  (), pack + ["assert.eq @21 r2;"], []))
    unpack = ["cast.lossy r1 into @0 as u128;"]
    unpack += [f"shr @0 {16 * i}u32 into @{1 + i};" for i in range(8)]
    unpack += [f"cast.lossy @{1 + i} into @{9 + i} as u16;" for i in range(8)]
    found.append(("cast", "unpack 8 u16 from a field (cast.lossy to u128, shr, cast.lossy)", ("field.private",), (), unpack, []))
    found.append(("cast", "unpack 8 u16 from a u128 (shr, cast.lossy)", ("u128.private",), (),
                  [f"shr r1 {16 * i}u32 into @{i};" for i in range(8)]
                  + [f"cast.lossy @{i} into @{8 + i} as u16;" for i in range(8)], []))
    # a link's commitment as the parts compute it: its hash, output as a public field (snarkVM decomposes the
    # hash's result into bits to hash the output), and a public field input (a commitment passed in instead)
    found.append(("output", "hash.psd8 of link10, output as a public field (a link's commitment)", ("link10.private",),
                  (), ["hash.psd8 r1 into @0 as field;"], ["output @0 as field.public;"]))
    found.append(("output", "hash.psd2 of u64, output as a public field", ("u64.private",), (),
                  ["hash.psd2 r1 into @0 as field;"], ["output @0 as field.public;"]))
    found.append(("public input", "public field input", (), ("field.public",), [], []))
    return found


def function(name: str, inputs: list[str], body: list[str], outputs: list[str]) -> str:
    """An Aleo function; ``@k`` in ``body`` and ``outputs`` names the k-th register after the inputs."""
    lines = [f"function {name}:"] + [f"    input r{i} as {t};" for i, t in enumerate(inputs)]
    lines += [f"    {b}" for b in body] + ["    output r0 as u8.public;"] + [f"    {o}" for o in outputs]
    return re.sub(r"@(\d+)", lambda m: f"r{len(inputs) + int(m.group(1))}", "\n".join(lines)) + "\n"


def program(name: str, items: list[Case]) -> tuple[str, list[tuple[str, str]]]:
    """The text of a program holding ``items`` (one base: the first's) and its items ``(function, item)``."""
    _, _, inputs, *_ = items[0]
    funcs = [function("base", ["u8.private", *inputs], [], [])]
    names = []
    for k, (_, item, _, extra, body, outs) in enumerate(items):
        funcs.append(function(f"f{k}", ["u8.private", *inputs, *extra], body, outs))
        names.append((f"f{k}", item))
    return (f"program {name}.aleo;\n\n" + STRUCTS.format(members=S10, link=LINK10) + "\n".join(funcs)
            + "\nconstructor:\n    assert.eq edition 0u16;\n", names)


def programs(smoke: bool) -> dict[str, list[Case]]:
    """Program name → its items (one group, one base)."""
    chosen = cases()
    if smoke:
        chosen = [c for c in chosen if c[1] in SMOKE]
    bases: dict[tuple[str, tuple[str, ...]], list[Case]] = {}
    for c in chosen:
        bases.setdefault((c[0], c[2]), []).append(c)
    return {f"links_{group.replace(' ', '_')}" + (f"{n}" if inputs else ""): items
            for n, ((group, inputs), items) in enumerate(bases.items())}


def measure(smoke: bool) -> list[dict[str, Any]]:
    """One row per item: its group, label and constraints (snarkVM's count, or the cost model's with ``smoke``); an
    item whose function is over the local bound (snarkVM then sizes none of its program) is measured in a program of
    its own, and recorded with an error if it is over alone."""
    rows = []
    for name, items in programs(smoke).items():
        text, names = program(name, items)
        load_program(text)   # snarkVM parses it (VMError otherwise)
        try:
            counts = [cost.estimate(text, f).total if smoke else vm.constraints(text, f) for f in ("base", *dict(names))]
        except LimitError:   # a function over the bound: each item on its own
            counts = None
        for k, (fname, item) in enumerate(names):
            row: dict[str, Any] = {"group": items[k][0], "item": item, "source": "cost model" if smoke else "snarkVM"}
            if counts is not None:
                row["constraints"] = round(counts[k + 1] - counts[0])
            else:
                alone, _ = program(f"{name}_{k}", [items[k]])
                try:
                    row["constraints"] = vm.constraints(alone, "f0") - vm.constraints(alone, "base")
                except LimitError:
                    row["error"] = "the function is over the local bound (16,384)"
            rows.append(row)
            print(f"{row['group']:>6} | {item:<66} | {row.get('constraints', row.get('error')):>6}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--smoke", action="store_true", help="two hashes (SMOKE), by the cost model (no synthesis)")
    args = ap.parse_args(argv)
    doc = {"versions": vm.versions(), "machine": platform.machine(), "rows": measure(args.smoke)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
