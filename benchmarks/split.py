"""Models split across circuits (issue 12, point 3): both designs measured on snarkVM.

(a) one execution across programs: an entry function calls a part of an imported program
    (``call part.aleo/f``); measured: constraints of the callee and of the entry with one call, prove
    and verify time of the one execution; an entry with two calls needs the degree-17 parameters.
(b) separate proofs linked by commitments (pyleo.split, the default): a function split into 2
    parts, each proved; constraints per part (snarkVM, and the cost model's estimate), prove and
    verify times; baseline: the same function proved whole in the same run.

    python -m benchmarks.split          # prints a table, writes benchmarks/results/split.json
"""

from __future__ import annotations

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
    sdk = vm._sdk()
    proc = sdk.Process.load()
    callee = sdk.Program.from_source(CALLEE)
    proc.add_program(callee)
    text = ENTRY.format(calls="".join(f"    call bench_part.aleo/f r{i} into r{i + 1};\n" for i in range(calls)), n=calls)
    entry = sdk.Program.from_source(text)
    proc.add_program(entry)
    auth = proc.authorize(vm._signer(), entry.id, sdk.Identifier.from_string("main"), [sdk.Value.parse("5u64")])
    row = {"design": "a", "calls": calls, "transitions": len(auth.transitions())}
    t = time.perf_counter()
    out, err, captured = vm._call(proc.execute, auth)
    row["execute_s"] = round(time.perf_counter() - t, 2)
    if err is not None:
        row["error"] = str(vm._failure(str(err), captured, "execute", "main"))
        return row
    _, trace = out
    row["constraints"] = {"bench_part.aleo/f": int(proc.get_verifying_key(callee.id, sdk.Identifier.from_string("f")).num_constraints()),
                          "bench_entry.aleo/main": int(proc.get_verifying_key(entry.id, sdk.Identifier.from_string("main")).num_constraints())}
    t = time.perf_counter()
    trace.prepare(sdk.Query.rest(vm._state_url()))
    execution = trace.prove_execution("bench_entry.aleo/main")
    row["prove_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    proc.verify_execution(execution)
    row["verify_s"] = round(time.perf_counter() - t, 3)
    row["execution_bytes"] = len(execution.to_json())
    return row


@pl.function
def chain(x: pl.Public[pl.Array[pl.I64, 4]], b: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """Eight checked multiply-adds (the test model of tests/test_split.py)."""
    acc: pl.I64 = b
    for i in range(8):
        acc = acc * 3 + x[i % 4]
    return acc


PROG = pl.Program("bench_split", [chain])
ARGS = [[3, -1, 4, 1], 5]


def design_b(parts: int) -> dict:
    plan = PROG.split_plan("chain", parts=parts)
    t = time.perf_counter()
    sp = PROG.prove_split("chain", *ARGS, parts=parts)
    prove_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = PROG.verify_split(sp)
    verify_s = time.perf_counter() - t
    return {"design": "b", "parts": parts, "constraints": [p.constraints for p in sp.parts],
            "estimated": [p.constraints for p in plan.parts], "carried": [len(p.carried_out) for p in plan.parts],
            "prove_s": round(prove_s, 2), "part_timings": [p.timings for p in sp.parts],
            "verify_s": round(verify_s, 3), "valid": ok, "outputs": sp.outputs,
            "interpreter": PROG.run("chain", *ARGS), "file_bytes": len(json.dumps(sp.to_json()))}


def baseline() -> dict:
    t = time.perf_counter()
    proof = PROG.prove("chain", *ARGS)
    prove_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = PROG.verify(proof)
    return {"design": "whole", "constraints": proof.constraints, "prove_s": round(prove_s, 2),
            "verify_s": round(time.perf_counter() - t, 3), "valid": ok, "timings": proof.timings}


def main() -> None:
    rows = [baseline(), design_b(2), design_a(1), design_a(2)]
    print(f"{'design':<8} {'parts/calls':>11} {'constraints':<28} {'prove s':>8} {'verify s':>9}")
    for r in rows:
        n = r.get("parts", r.get("calls", 1))
        c = r.get("constraints", r.get("error", "")[:60])
        print(f"{r['design']:<8} {n:>11} {str(c):<28} {r.get('prove_s', '-'):>8} {r.get('verify_s', '-'):>9}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"versions": vm.versions(), "rows": rows}, indent=1, default=str) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
