"""Issue 12, point 4: models of real size proved here end to end (split where needed).

    python -m benchmarks.end_to_end [--model KEY ...] [--samples N]

For each model of :data:`MODELS` (scikit-learn, fitted on 70% of a data set that ships with it,
``random_state=0``): convert it (:func:`stdlib_ml.from_sklearn`), measure the label agreement of the
circuit's semantics with the float model's ``predict`` on the whole held-out split, plan it to the
local 16,384-constraint budget (:meth:`pyleo.Program.split_plan`), and when a plan exists prove
``N`` held-out samples (whole, or split into parts linked by commitments) and verify them: parts,
snarkVM's exact constraints per part and in total, prove and verify seconds, and whether each proved
label equals the float model's. A model that has no plan here gets the planner's reason, what cuts at
1/4, 1/2 and 3/4 of its instructions would carry (:func:`pyleo.split.crossing`), and a measured lower
bound on what a part costs before any of the model's work (:func:`middle_part_floor`; with the private
input committed once instead of carried, :func:`committed_part_floors`).

Baselines in the same run: Aleo's ``zkml`` transpiler's published constraint counts (:data:`ZKML`) and,
when ``rf_iris`` is run and EZKL is installed (``pip install torch==2.13.0 && pip install -e '.[bench]'``),
EZKL proving the same fitted 100-tree iris forest (:func:`ezkl_forest`): its circuit rows, compile and
setup, prove, verify, proof size and agreement next to pyleo's.

Prints a table and writes ``benchmarks/results/end_to_end.json``; a run of some models (``--model``)
replaces their rows there and keeps the others'.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import cost, split, vm
from pyleo.errors import LimitError

from .fidelity import load_dataset
from .models import Fitted, digits_mlp, iris_knn
from .pyleo_bench import proof_bytes

RESULTS = Path(__file__).parent / "results" / "end_to_end.json"

ZKML = {
    "mlp": {"architecture": "MNIST MLP [20, 15, 10]", "constraints": 201_491},
    "tree": {"architecture": "MNIST decision tree, depth 10", "constraints": 27_116},
}
"""Constraint counts that Aleo's own transpiler (PyPI ``zkml``) reports, as quoted in issue 12 of this
project (published figures, not measured here; their MNIST inputs have 784 features, digits' 64)."""

EZKL_PUBLISHED_FOREST_S = 6.2
"""EZKL's prove time for a 100-tree iris random forest, seconds, from zkonduit's
zkml-framework-benchmarks as quoted in issue 12 (published, other hardware)."""


def _forest(dataset: str) -> Fitted:
    from sklearn.ensemble import RandomForestClassifier

    Xtr, Xte, ytr, yte = load_dataset(dataset)
    m = RandomForestClassifier(random_state=0).fit(Xtr, ytr)
    return Fitted(f"RandomForestClassifier() {dataset}", dataset, m, Xtr, Xte, ytr, yte, "forest")


def _digits_tree(depth: int = 10) -> Fitted:
    from sklearn.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = load_dataset("digits")
    m = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Xtr, ytr)
    return Fitted(f"digits decision tree depth {depth}", "digits", m, Xtr, Xte, ytr, yte, "tree")


def _iris_knn_all() -> Fitted:
    n = len(load_dataset("iris")[0])
    return iris_knn(points=n, k=5)   # KNeighborsClassifier() defaults: 5 neighbours


MODELS: dict[str, Callable[[], Fitted]] = {
    "rf_iris": lambda: _forest("iris"),
    "rf_breast_cancer": lambda: _forest("breast_cancer"),
    "mlp_digits": digits_mlp,
    "knn_iris_all": _iris_knn_all,
    "tree10_digits": _digits_tree,
}
"""Issue 12's models of real size, by key."""

DEGREE_17_BUDGET = 2 * split.LOCAL_BUDGET
"""Constraints of one circuit with snarkVM's degree-17 parameters (not installed here): 32,768."""

COMPARE = {"mlp_digits": "mlp", "tree10_digits": "tree"}
"""Which :data:`ZKML` figure each model is compared with."""

LINK_STATE = {
    "forest": lambda classes: [("u64", classes)],
    "tree": lambda classes: [("u64", classes)],
    "mlp": lambda classes: [("u64", classes)],
    "knn": lambda classes: [("u64", 5), ("u8", 5)],
}
"""The least a cut inside each family must carry besides the packed input: a forest's per-class vote sums,
KNN's k best distances and their labels (types and counts; ``classes`` the number of classes), field values
narrowed to the integers the splitter carries them as (:func:`pyleo.split.narrowing`: u64 for both models)."""


def convert(f: Fitted) -> Any:
    from stdlib_ml import from_sklearn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_sklearn(f.model, f.X_train)


def middle_part_floor(zk: Any, state: list[tuple[str, int]]) -> dict[str, Any]:
    """snarkVM's exact constraints of a part with an empty body between two cuts of ``zk``'s ``predict``.

    The part takes a link carrying ``zk``'s packed private input and ``state`` (``(type, count)``, e.g.
    the vote sums) with the link index and blinding value, hashes it (its incoming commitment, public),
    rebuilds the outgoing link and hashes it (public): every middle part of a split costs at least this
    much. The link is hashed as the splitter would (:func:`pyleo.split.link_hash`). Returns
    ``{"incoming": n, "middle": n or None, "hash": opcode}``: ``incoming`` the same part without the
    outgoing link (what a last part pays before its work), ``middle`` None when snarkVM refuses the
    circuit with the local degree-16 parameters (over 16,384 constraints)."""
    fn = zk.program.code.function("predict")
    x = next(p for p in fn.inputs if not p.public).type.aleo()
    members = [f"    x as {x};"] + [f"    s{t}{j} as {t};" for t, n in state for j in range(n)]
    names = ["r0.x"] + [f"r0.s{t}{j}" for t, n in state for j in range(n)]
    head = ["program e2e_floor.aleo;", "", "struct lnk:", *members, "    i as u8;", "    r as u128;", ""]
    h = split.link_hash(cost.Analyzer("\n".join(head)).info("lnk").fields)[0]
    incoming = ["function incoming:", "    input r0 as lnk.private;", f"    {h} r0 into r1 as field;",
                "    output r1 as field.public;", ""]
    middle = ["function middle:", "    input r0 as lnk.private;", f"    {h} r0 into r1 as field;",
              f"    cast {' '.join(names)} 1u8 r0.r into r2 as lnk;", f"    {h} r2 into r3 as field;",
              "    output r1 as field.public;", "    output r3 as field.public;", ""]
    found: dict[str, Any] = {"hash": h}
    for name, fn in (("incoming", incoming), ("middle", middle)):   # one program each: snarkVM refuses a program
        try:                                                        # when any of its functions is over the limit
            found[name] = vm.constraints("\n".join(head + fn).replace("e2e_floor", f"e2e_floor_{name}"), name)
        except LimitError:
            found[name] = None
    return found


def committed_part_floors(zk: Any, state: list[tuple[str, int]]) -> dict[str, Any]:
    """snarkVM's exact constraints of empty parts when ``zk``'s private input is committed once instead of carried
    (:data:`pyleo.split.COMMITTED_INPUTS`): the links carry only ``state`` (as :func:`middle_part_floor`).

    Measured: ``middle_without_inputs`` (a part that does not read the input: opens and passes on the link),
    ``incoming_without_inputs`` (the same without the outgoing link), ``blinding_only`` (a transition taking only
    the u128 blinding value) and ``commitment`` (a transition taking the packed input and the blinding value,
    hashing the ``F_inputs`` struct and outputting it). Derived, since snarkVM refuses circuits over 16,384 here:
    ``inputs_cost`` = ``commitment - blinding_only`` (what a part pays to take the input and check its
    commitment), ``middle_reading_inputs`` = ``middle_without_inputs + inputs_cost`` and
    ``last_reading_inputs`` = ``incoming_without_inputs + inputs_cost`` (before any of the model's work)."""
    fn = zk.program.code.function("predict")
    x = next(p for p in fn.inputs if not p.public).type.aleo()
    members = [f"    v{j} as {t};" for j, t in enumerate(t for t, n in state for _ in range(n))]
    names = [f"r0.v{j}" for j in range(len(members))]
    head = ["program e2e_commit.aleo;", "", "struct lnk:", *members, "    i as u8;", "    r as u128;", "",
            "struct inp:", f"    v0 as {x};", "    r as u128;", ""]
    an = cost.Analyzer("\n".join(head))
    h, hx = split.link_hash(an.info("lnk").fields)[0], split.link_hash(an.info("inp").fields)[0]
    fns = {
        "middle_without_inputs": ["input r0 as lnk.private;", f"{h} r0 into r1 as field;",
                                  f"cast {' '.join(names)} 1u8 r0.r into r2 as lnk;", f"{h} r2 into r3 as field;",
                                  "output r1 as field.public;", "output r3 as field.public;"],
        "incoming_without_inputs": ["input r0 as lnk.private;", f"{h} r0 into r1 as field;", "output r1 as field.public;"],
        "blinding_only": ["input r0 as u128.private;"],
        "commitment": [f"input r0 as {x}.private;", "input r1 as u128.private;", "cast r0 r1 into r2 as inp;",
                       f"{hx} r2 into r3 as field;", "output r3 as field.public;"],
    }
    found: dict[str, Any] = {"hash_link": h, "hash_inputs": hx}
    for name, body in fns.items():
        text = "\n".join(head + [f"function {name}:", *(f"    {line}" for line in body), ""])
        try:
            found[name] = vm.constraints(text.replace("e2e_commit", f"e2e_commit_{name[:12]}"), name)
        except LimitError:
            found[name] = None
    if None not in found.values():
        found["inputs_cost"] = found["commitment"] - found["blinding_only"]
        found["middle_reading_inputs"] = found["middle_without_inputs"] + found["inputs_cost"]
        found["last_reading_inputs"] = found["incoming_without_inputs"] + found["inputs_cost"]
    return found


def ezkl_forest() -> dict[str, Any]:
    """EZKL on the 100-tree iris forest of ``rf_iris`` (the same fit: ``random_state=0`` on the same split),
    measured in this run by :func:`benchmarks.ezkl_bench.measure` (GEMM trees, proof of the first held-out
    row, agreement over the whole held-out split); ``measured`` None with the reason when EZKL is missing."""
    if importlib.util.find_spec("ezkl") is None:
        return {"measured": None, "reason": "ezkl is not installed here (pip install torch==2.13.0 && pip install -e "
                "'.[bench]'): no EZKL prove time was measured in this run", "published_s": EZKL_PUBLISHED_FOREST_S}
    import tempfile

    from .ezkl_bench import measure as ezkl_measure

    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ezkl_forest_") as tmp:
        measured = ezkl_measure(MODELS["rf_iris"](), Path(tmp))
    return {"measured": measured, "published_s": EZKL_PUBLISHED_FOREST_S,
            "load_1min": [round(before, 2), round(os.getloadavg()[0], 2)], "cpus": os.cpu_count()}


def forest_comparison(pyleo_row: dict[str, Any], ezkl: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(quantity, pyleo, EZKL) lines for the iris forest: circuit size, compile and setup, prove, verify,
    proof size, agreement with the float model."""
    first, warm = pyleo_row["proofs"][0], pyleo_row["proofs"][-1]
    return [
        ("circuit", f"{first['total']:,} constraints", f"2^{ezkl['logrows']} rows ({ezkl['rows']:,} used)"),
        ("compile s", f"{pyleo_row['convert_s']} (from_sklearn)", f"{ezkl['compile_s']:.1f} (ONNX, settings, calibrate, compile)"),
        ("setup s (keys)", f"{first['synthesize_s']} (synthesis, first proof)", f"{ezkl['setup_s'] + ezkl['srs_s']:.1f} (test SRS + keys)"),
        ("prove s", f"{warm['prove_s']} (keys cached)", f"{ezkl['witness_s'] + ezkl['prove_s']:.1f} (witness + prove)"),
        ("verify s", f"{warm['verify_s']}", f"{ezkl['verify_s']:.3f}"),
        ("proof bytes", f"{first['proof_bytes']:,}", f"{ezkl['proof_raw_bytes']:,}"),
        ("agreement (held-out)", f"{pyleo_row['agreement']:.1%} of {pyleo_row['held_out']}",
         f"{ezkl['agreement']:.1%} of {ezkl['samples']}"),
    ]


def measure(key: str, samples: int) -> dict[str, Any]:
    """One model: conversion, agreement, plan, and proofs of ``samples`` held-out rows (see the module docstring)."""
    f = MODELS[key]()
    t = time.perf_counter()
    zk = convert(f)
    row: dict[str, Any] = {"model": key, "name": f.name, "dataset": f.dataset, "convert_s": round(time.perf_counter() - t, 2),
                           "load_1min": round(os.getloadavg()[0], 2)}
    t = time.perf_counter()
    labels = zk.predict(f.X_test)
    row["agreement"] = float(np.mean(labels == f.model.predict(f.X_test)))
    row["held_out"] = len(f.X_test)
    row["predict_s"] = round(time.perf_counter() - t, 2)
    est = zk.program.estimate("predict", synthesize_transition=False)
    row["estimate"] = est.total
    try:
        plan = zk.program.split_plan("predict")
    except LimitError as e:
        row["plan"] = None
        row["blocked"] = e.message
        try:   # the other way of handling the private input: committed once, not carried (pyleo.split.COMMITTED_INPUTS)
            committed = split.plan(zk.program.code, "predict", commit=True)
            row["plan_committed"] = {"parts": len(committed.parts), "estimated": [p.constraints for p in committed.parts]}
        except LimitError as e2:
            row["plan_committed"] = e2.message
        classes = len(f.model.classes_)
        state = LINK_STATE[f.family](classes)
        packed = f"packed input {zk.program.code.function('predict').inputs[0].type.aleo()}"
        row["body_estimate"] = round(est.body)
        row["crossing"] = [split.crossing(zk.program.code, "predict", at) for at in (0.25, 0.5, 0.75)]
        try:   # what the next parameters (degree 17, not installed here) would allow, by the cost model
            wider = zk.program.split_plan("predict", DEGREE_17_BUDGET)
            row["plan_degree_17"] = {"parts": len(wider.parts), "estimated": [p.constraints for p in wider.parts]}
        except LimitError as e:
            row["plan_degree_17"] = e.message
        row["part_floors"] = [{"carries": [packed], **middle_part_floor(zk, [])},
                              {"carries": [packed, *(f"{n} × {t}" for t, n in state)], **middle_part_floor(zk, state)}]
        row["committed_part_floors"] = {"carries": [f"{n} × {t}" for t, n in state], "committed": packed,
                                        **committed_part_floors(zk, state)}
        return row
    row["plan"] = {"parts": len(plan.parts), "estimated": [p.constraints for p in plan.parts],
                   "carried": [len(p.carried_out) for p in plan.parts]}
    proofs = []
    for x in f.X_test[:samples]:
        t = time.perf_counter()
        proof = zk.prove(x)
        prove_s = time.perf_counter() - t
        t = time.perf_counter()
        ok = zk.verify(proof)
        verify_s = time.perf_counter() - t
        parts = proof.parts if isinstance(proof, split.SplitProof) else [proof]
        proofs.append({"parts": len(parts), "constraints": [p.constraints for p in parts], "total": proof.constraints,
                       "prove_s": round(prove_s, 2), "verify_s": round(verify_s, 3), "valid": ok,
                       "synthesize_s": round(sum(p.timings.get("synthesize", 0.0) for p in parts), 2),
                       "proof_bytes": sum(proof_bytes(p.execution) for p in parts),
                       "label": str(zk.decode_proof(proof)), "float_label": str(f.model.predict(x[None])[0])})
    row["proofs"] = proofs
    if key in COMPARE:
        ref = ZKML[COMPARE[key]]
        row["zkml"] = {**ref, "source": "issue 12 (Aleo's zkml transpiler, published)",
                       "ratio": round(proofs[0]["total"] / ref["constraints"], 3) if proofs else None}
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    parser.add_argument("--samples", type=int, default=2,
                        help="held-out rows proved per model (default 2: the first proof's time includes key synthesis)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--smoke", action="store_true", help="rf_iris only, no proof and no EZKL: conversion, agreement, plan")
    args = parser.parse_args(argv)
    if args.smoke:
        args.model, args.samples = ["rf_iris"], 0
    rows = [measure(key, args.samples) for key in args.model or MODELS]
    # EZKL's forest takes minutes (its calibration alone ~1 min here): never in the smoke run
    ezkl = ({"measured": None, "reason": "not measured by --smoke", "published_s": EZKL_PUBLISHED_FOREST_S} if args.smoke else
            ezkl_forest() if any(r["model"] == "rf_iris" for r in rows) else None)
    print(f"{'model':<18} {'agree':>6} {'parts':>5} {'constraints (exact, per part)':<30} {'total':>7} "
          f"{'prove s':>8} {'verify s':>8} {'label ok':>8}")
    for r in rows:
        if r["plan"] is None:
            print(f"{r['model']:<18} {r['agreement']:>6.1%}  not proved here: estimate {r['estimate']:,} (body "
                  f"{r['body_estimate']:,})")
            for c in r["crossing"]:
                print(f"{'':<26}cut at instruction {c['cut']:,} of {c['instructions']:,} carries {c['values']}: "
                      f"~{c['link_input']:,} as a private input + ~{c['hash']:,} per hash (cost model)")
            wider = r["plan_degree_17"]
            print(f"{'':<26}split to 32,768 (degree-17 parameters, cost model): "
                  + (f"{wider['parts']} parts {wider['estimated']}" if isinstance(wider, dict) else wider[:120]))
            print(f"{'':<26}a part with an empty body (snarkVM, exact; the limit is 16,384):")
            for fl in r["part_floors"]:
                cost = {k: "over 16,384" if fl[k] is None else f"{fl[k]:,}" for k in ("incoming", "middle")}
                print(f"{'':<26}link of {', '.join(fl['carries'])}: {cost['incoming']} to open it, "
                      f"{cost['middle']} to open and pass it on")
            cf = r.get("committed_part_floors", {})
            if "inputs_cost" in cf:
                print(f"{'':<26}{cf['committed']} committed once, links of {', '.join(cf['carries'])}: "
                      f"{cf['middle_without_inputs']:,} for a middle part not reading it; reading it adds "
                      f"{cf['inputs_cost']:,}: ~{cf['middle_reading_inputs']:,} (middle), ~{cf['last_reading_inputs']:,} (last)")
            continue
        for p in r["proofs"]:
            print(f"{r['model']:<18} {r['agreement']:>6.1%} {p['parts']:>5} {str(p['constraints']):<30} {p['total']:>7,} "
                  f"{p['prove_s']:>8} {p['verify_s']:>8} {str(p['valid'] and p['label'] == p['float_label']):>8}")
    print("\nAleo zkml (published, issue 12):")
    for r in rows:
        if "zkml" in r and r["proofs"]:
            z = r["zkml"]
            print(f"  {r['model']:<16} {r['proofs'][0]['total']:>7,} vs {z['architecture']} {z['constraints']:,} "
                  f"(ratio {z['ratio']})")
    rf = next((r for r in rows if r["model"] == "rf_iris" and r.get("proofs")), None)
    if ezkl is not None and ezkl["measured"] is None:
        print(f"EZKL, 100-tree iris forest: {ezkl['reason']}; published {ezkl['published_s']} s (zkonduit, issue 12)")
    elif ezkl is not None and rf is not None:
        print(f"\nRandomForestClassifier() on iris, the same fitted forest, this run ({ezkl['measured']['stack']}; "
              f"published EZKL prove time {ezkl['published_s']} s, zkonduit, other hardware):")
        print(f"{'':<22} {'pyleo':<40} EZKL")
        for name, mine, theirs in forest_comparison(rf, ezkl["measured"]):
            print(f"{name:<22} {mine:<40} {theirs}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(args.out.read_text()) if args.out.is_file() and args.model else {}
    run = {r["model"] for r in rows}
    kept = [r for r in old.get("rows", []) if r["model"] not in run]
    order = list(MODELS)
    merged = sorted(kept + rows, key=lambda r: order.index(r["model"]) if r["model"] in order else len(order))
    args.out.write_text(json.dumps({"versions": vm.versions(), "rows": merged,
                                    "ezkl_forest": ezkl if ezkl is not None else old.get("ezkl_forest")}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
