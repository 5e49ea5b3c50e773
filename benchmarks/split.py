"""Models split across circuits (issue 12, point 3): both designs measured on snarkVM.

(a) one execution across programs: an entry function calls a part of an imported program
    (``call part.aleo/f``); measured: constraints of the callee and of the entry with no call and
    with one call, prove and verify time of the one execution; an entry with two calls needs the
    degree-17 parameters.
(b) separate proofs linked by commitments (pyleo.split, the default): a function that fits whole
    split into 2 parts (baseline: proved whole in the same run), and one that does not fit (12
    multiply-adds, ~17,000 constraints: snarkVM refuses it whole) split into the fewest parts that
    fit here; constraints per part (snarkVM, and the cost model's estimate), prove and verify times.
Plans (cost model) for converted models: RandomForestClassifier() on iris and breast_cancer, an
MLP 64-32-10 on digits: the whole estimate, and the split to the local and the mainnet budget; a
model provable here is proved on one held-out sample (``ZkModel.prove``: whole when it fits).

    python -m benchmarks.split          # prints a table, writes benchmarks/results/split.json
    python -m benchmarks.split --smoke --out PATH
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyleo as pl
from pyleo import split, vm

RESULTS = Path(__file__).with_name("results") / "split.json"

CALLEE = """program bench_part.aleo;

function f:
    input r0 as u64.private;
    mul r0 3u64 into r1;
    output r1 as u64.private;

constructor:
    assert.eq edition 0u16;
"""

ENTRY = """import bench_part.aleo;

program bench_entry.aleo;

function main:
    input r0 as u64.private;
{calls}    output r{n} as u64.public;

constructor:
    assert.eq edition 0u16;
"""


def design_a(calls: int) -> dict:
    """One execution: an entry making ``calls`` calls to an imported part (aleo-sdk's Process directly)."""
    sdk = vm.sdk.aleo_sdk()
    proc = sdk.Process.load()
    callee = sdk.Program.from_source(CALLEE)
    proc.add_program(callee)
    text = ENTRY.format(calls="".join(f"    call bench_part.aleo/f r{i} into r{i + 1};\n" for i in range(calls)), n=calls)
    entry = sdk.Program.from_source(text)
    proc.add_program(entry)
    auth = proc.authorize(vm.keys.signer(), entry.id, sdk.Identifier.from_string("main"), [sdk.Value.parse("5u64")])
    row = {"design": "a", "calls": calls, "transitions": len(auth.transitions())}
    t = time.perf_counter()
    out, err, captured = vm.sdk.call_quietly(proc.execute, auth)
    row["execute_s"] = round(time.perf_counter() - t, 2)
    if err is not None:
        row["error"] = str(vm.sdk.snarkvm_failure(str(err), captured, "execute", "main"))
        return row
    _, trace = out
    row["constraints"] = {"bench_entry.aleo/main": int(proc.get_verifying_key(entry.id, sdk.Identifier.from_string("main")).num_constraints())}
    if calls:
        row["constraints"]["bench_part.aleo/f"] = int(proc.get_verifying_key(callee.id, sdk.Identifier.from_string("f")).num_constraints())
    t = time.perf_counter()
    trace.prepare(sdk.Query.rest(vm.ledger.state_url()))
    execution = trace.prove_execution("bench_entry.aleo/main")
    row["prove_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    proc.verify_execution(execution)
    row["verify_s"] = round(time.perf_counter() - t, 3)
    row["execution_bytes"] = len(execution.to_json())
    return row


from tests.test_split import chain, long  # noqa: E402  (8 and 12 checked multiply-adds: whole, over the limit)

PROG = pl.Program("bench_split", [chain, long])
ARGS = [[3, -1, 4, 1], 5]


def design_b(fn: str, parts: int | None) -> dict:
    plan = PROG.split_plan(fn, parts=parts)
    t = time.perf_counter()
    sp = PROG.prove_split(fn, *ARGS, parts=parts)
    prove_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = PROG.verify_split(sp)
    verify_s = time.perf_counter() - t
    return {"design": "b", "function": fn, "whole_estimate": plan.whole, "parts": len(sp.parts),
            "constraints": [p.constraints for p in sp.parts],
            "estimated": [p.constraints for p in plan.parts], "carried": [len(p.carried_out) for p in plan.parts],
            "prove_s": round(prove_s, 2), "part_timings": [p.timings for p in sp.parts],
            "verify_s": round(verify_s, 3), "valid": ok, "outputs": sp.outputs,
            "interpreter": PROG.run(fn, *ARGS), "file_bytes": len(json.dumps(sp.to_json()))}


def baseline(fn: str) -> dict:
    from pyleo.errors import LimitError

    t = time.perf_counter()
    try:
        proof = PROG.prove(fn, *ARGS)
    except LimitError as e:
        return {"design": "whole", "function": fn, "error": e.message, "seconds": round(time.perf_counter() - t, 2)}
    prove_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = PROG.verify(proof)
    return {"design": "whole", "function": fn, "constraints": proof.constraints, "prove_s": round(prove_s, 2),
            "verify_s": round(time.perf_counter() - t, 3), "valid": ok, "timings": proof.timings}


def model_plans(smoke: bool = False) -> list[dict]:
    """Split plans of converted models (cost model), and a proof of one held-out sample where a plan
    exists here (``smoke``: the first model alone, planned, not proved)."""
    import warnings

    from sklearn import ensemble, neural_network
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from benchmarks.fidelity import load_dataset
    from pyleo.errors import LimitError
    from stdlib_ml import from_sklearn

    makers = {
        "RandomForestClassifier() iris": (lambda: ensemble.RandomForestClassifier(random_state=0), "iris"),
        "RandomForestClassifier() breast_cancer": (lambda: ensemble.RandomForestClassifier(random_state=0), "breast_cancer"),
        "MLP 64-32-10 digits": (lambda: make_pipeline(StandardScaler(), neural_network.MLPClassifier(
            hidden_layer_sizes=(32,), max_iter=500, random_state=0)), "digits"),
    }
    rows = []
    for name, (make, data) in list(makers.items())[:1 if smoke else None]:
        Xtr, _, ytr, _ = load_dataset(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = make().fit(Xtr, ytr)
            zk = from_sklearn(fitted, Xtr)
        row: dict = {"model": name}
        for label, budget in (("local", split.LOCAL_BUDGET), ("mainnet", split.MAINNET_BUDGET)):
            t = time.perf_counter()
            try:
                plan = zk.program.split_plan("predict", budget)
                row["whole_estimate"] = plan.whole
                row[label] = [p.constraints for p in plan.parts]
                row[f"{label}_carried"] = [len(p.carried_out) for p in plan.parts]
            except LimitError as e:
                row[label] = e.message
            row[f"{label}_plan_s"] = round(time.perf_counter() - t, 2)
        if isinstance(row.get("local"), list) and not smoke:   # provable here (whole or split): prove one held-out sample
            Xte = load_dataset(data)[1]
            t = time.perf_counter()
            proof = zk.prove(Xte[0])
            row["proved"] = {"kind": type(proof).__name__, "constraints": proof.constraints,
                             "prove_s": round(time.perf_counter() - t, 2), "valid": zk.verify(proof),
                             "label": str(zk.decode_proof(proof)), "float_label": str(fitted.predict(Xte[:1])[0])}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    ap.add_argument("--smoke", action="store_true",
                    help="design (b) on the 8 multiply-adds in 2 parts, and the first model's plans (not proved)")
    args = ap.parse_args(argv)
    rows = [design_b("chain", 2)] if args.smoke else [
        baseline("chain"), design_b("chain", 2), baseline("long"), design_b("long", None),
        design_a(0), design_a(1), design_a(2)]
    print(f"{'design':<8} {'function':<9} {'parts/calls':>11} {'constraints':<44} {'prove s':>8} {'verify s':>9}")
    for r in rows:
        n = r.get("parts", r.get("calls", 1))
        c = r.get("constraints", r.get("error", "")[:44])
        print(f"{r['design']:<8} {r.get('function', '-'):<9} {n:>11} {str(c):<44} {r.get('prove_s', '-'):>8} {r.get('verify_s', '-'):>9}")
    plans = model_plans(args.smoke)
    print(f"\n{'model':<40} {'whole':>7}  split here (16,384)                       split for mainnet")
    for r in plans:
        print(f"{r['model']:<40} {r.get('whole_estimate', '-'):>7}  {str(r['local'])[:40]:<40}  {str(r['mainnet'])[:40]}")
        if "proved" in r:
            print(f"    proved here: {r['proved']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"versions": vm.versions(), "rows": rows, "plans": plans}, indent=1, default=str) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
