"""What the ``pyleo`` commands print of their results: outputs, predictions, verdicts, costs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from pyleo import progress, proving, split, trust, vm
from pyleo.errors import LimitError
from pyleo.limits import LOCAL_BUDGET, MAINNET_BUDGET, MAX_PROGRAM_BYTES, SINCE
from pyleo.program import Program
from pyleo.values import to_aleo

from .common import fail, printable


def show_outputs(prog: Program, fn_name: str, result: Any) -> None:
    fn = prog.entry(fn_name)
    values = list(result) if fn.returns_tuple else [result] if fn.returns else []
    for v, t, public in zip(values, fn.returns, fn.returns_public):
        typer.echo(f"{to_aleo(v, t)}  ({'public' if public else 'private'} {t.leo()})")


def show_prediction(zk: Any, values: list[Any], first_output: Any) -> None:
    """The label or value a converted model's output stands for (``values``: the arguments it ran on;
    ``first_output``: its first output, an integer or a literal)."""
    typer.echo(f"prediction: {zk.answer_of(values, first_output)}"
               + {"commitment": " (published as a commitment)", "private": " (private: only you see it)"}.get(zk.output, ""))


def show_verdict(verdict: trust.Verdict) -> None:
    """Print a :class:`pyleo.trust.Verdict`: INVALID and exit status 1, or what is proved."""
    if not verdict.valid:
        fail(printable(f"INVALID: {verdict.reason}", one_line=True))
    if verdict.parts:   # a split proof, or a split function's transactions
        typer.echo(f"valid: {verdict.program_id}/{verdict.function} split in {len(verdict.parts)} parts "
                   f"({', '.join(f'{c:,}' for c in verdict.parts)} constraints), every link checked")
        typer.echo(f"split program checksum: {verdict.checksum}")
    else:
        typer.echo(f"valid: {verdict.program_id}/{verdict.function}")
        typer.echo(f"program checksum: {verdict.checksum}")
    if verdict.bound:
        typer.echo(f"bound to: {', '.join(verdict.bound)}")
    else:
        typer.echo(f"warning: {verdict.not_reported['binding']}. Pass --model, --program, --checksum, --vk or "
                   "--public-model to check it is the model you trust.", err=True)
    for i, text in verdict.inputs:
        typer.echo(f"public input {i}: {text}")
    for i, text in enumerate(verdict.outputs):   # a class name comes from the verifier's own file, printed as text
        typer.echo(printable(f"public output: {text}" + (f"  → {verdict.prediction}" if i == 0 and verdict.prediction
                                                          else "")))
    if verdict.prediction is not None:
        typer.echo(printable(f"prediction: {verdict.prediction} (the proved output {verdict.outputs[0]}, as "
                             f"{verdict.decoded_by} names it)", one_line=True))
    typer.echo(f"not reported: {', '.join(k for k in verdict.not_reported if k != 'binding')} (docs/formats.md)")


def show_proved(proof: Any, label_blinding: int | None) -> None:
    """What ``pyleo prove`` proved: each output (private ones for the prover only), the label's blinding r, the
    parts or the circuit's size and the program checksum."""
    for text, public in zip(proof.outputs, proof.public_outputs):
        typer.echo(f"output: {text}  ({'public' if public is not None else 'private: in the proof file only as a ciphertext'})")
    if label_blinding is not None:
        typer.echo(f"label blinding r: {label_blinding}scalar (prover only: keep it secret; revealing the label and r "
                   "lets anyone check them against the label's commitment)")
    if isinstance(proof, split.SplitProof):
        typer.echo(f"parts: {len(proof.parts)}; constraints: {', '.join(f'{p.constraints:,}' for p in proof.parts)}")
        typer.echo(f"split program checksum: {proof.checksum}")
    else:
        typer.echo(f"constraints: {proof.constraints}\nprogram checksum: {proof.checksum}")


def show_costs(pairs: list[tuple[Program, str]], exact: bool = True, detail: bool = False) -> None:
    """The table of ``pyleo cost``: each function's constraints (:func:`pyleo.proving.size`), whether it proves
    here, how it would be split when it does not, and with ``detail`` where the cost model puts them."""
    typer.echo(f"{'function':<32} {'constraints':>12}  {'source':<10}  {'mainnet (≤ ' + f'{MAINNET_BUDGET:,})':<22}"
               f"provable here (≤ {LOCAL_BUDGET:,})")
    for prog, fn_name in pairs:
        with progress.stage(f"counting the constraints of {prog.name}.{fn_name}" if not exact or vm.keys_cached(
                prog.aleo(), fn_name) else progress.keys_stage(prog.aleo(), fn_name, "counting its constraints")):
            n, source = proving.size(prog, fn_name, exact)
        mainnet = "fits" if n <= MAINNET_BUDGET else f"over by {n - MAINNET_BUDGET:,}"
        verdict = "yes" if n <= LOCAL_BUDGET else \
            f"no: over by {n - LOCAL_BUDGET:,} ({n / LOCAL_BUDGET - 1:.0%}); split the model or use larger parameters"
        typer.echo(f"{prog.name + '.' + fn_name:<32} {n:>12,}  {source:<10}  {mainnet:<22}{verdict}")
        if n > LOCAL_BUDGET:
            show_split_plans(prog, fn_name)
        if detail:
            predicted = prog.estimate(fn_name)
            typer.echo(f"    cost model: {predicted.total:,} = transition {predicted.transition:,.0f} "
                       f"({predicted.transition_source}) + instructions {predicted.body:,.0f}:")
            for opcode, c in predicted.by_opcode.most_common():
                if c:
                    typer.echo(f"      {opcode:<40} {c:>10,.0f}")
            for sig, k in predicted.uncalibrated.items():
                typer.echo(f"      not calibrated, counted as 0: {k} × {sig}")
    for prog in dict((p.name, p) for p, _ in pairs).values():
        size = len(prog.aleo().encode())
        typer.echo(f"{prog.name}.aleo: {size:,} program bytes (the network takes at most {MAX_PROGRAM_BYTES:,}, "
                   f"{SINCE['MAX_PROGRAM_BYTES']})" + ("" if size <= MAX_PROGRAM_BYTES else ": too large to deploy"))


def show_split_plans(prog: Program, fn_name: str) -> None:
    """How a function too large for one circuit would be cut to the local and the mainnet budget."""
    def fits(c: int) -> str:
        return "fits here" if c <= LOCAL_BUDGET else "fits mainnet" if c <= MAINNET_BUDGET else "too large"

    for label, budget, plan in proving.split_plans(prog, fn_name):
        if isinstance(plan, LimitError):
            typer.echo(f"    split to fit {label} ({budget:,} per part): impossible: {plan.message}")
            continue
        sizes = ", ".join(f"{p.constraints:,}" for p in plan.parts)
        opening = [str(p.index) for p in plan.parts if p.opens]
        committed = f"; private inputs committed once, taken by parts {', '.join(opening)}" if opening else ""
        typer.echo(f"    split to fit {label} ({budget:,} per part): {len(plan.parts)} part(s): {sizes} "
                   f"(cost model; {', '.join(sorted({fits(p.constraints) for p in plan.parts}))}{committed})")


def show_converted(zk: Any, out: Path, X: Any) -> None:
    """What ``pyleo import`` wrote (``zk`` saved to ``out``; ``X`` its calibration rows or None): the program,
    the commitment to private weights, the fidelity measured, and the commands to try next."""
    import numpy as np   # numpy is imported only by the commands that convert models (`pyleo --help` stays fast)

    what = f"{len(zk.classes_)} classes" if zk.kind == "classifier" else {"clusterer": "clusters",
                                                                          "regressor": "regression"}[zk.kind]
    typer.echo(f"wrote {out}: program {zk.name}.aleo, {zk.n_features} features, {what}")
    if zk.weights == "private":
        typer.echo(f"private weights: {out} holds them and the blinding value; keep it secret. Commitment: "
                   f"{zk.commitment} (`pyleo commit {out} --out public.json` writes what verifiers need)")
    f = zk.fidelity
    if f is None:
        typer.echo("fidelity: NOT checked (no calibration rows); pass --data X.npy|X.csv to check the circuit "
                   "against the model. " + ("Tree inputs are ranked among the model's thresholds (exact for any value)"
                                            if zk.rank_thresholds is not None else
                                            f"Inputs are read in steps of up to {2.0 ** -int(zk.in_bits.min()):.3g} "
                                            "(values closer than that are one input to the circuit)"))
    else:
        from stdlib_ml.convert.fidelity import fidelity_text

        typer.echo(f"fidelity: {fidelity_text(f)} ({'passed' if f['passed'] else 'BELOW'} {f['bar']})")
    example = np.ravel(X[0]) if X is not None else np.nan_to_num(sum(zk.value_range())[: zk.n_features] / 2)   # an image: C order
    sample = "[" + ", ".join(f"{v:.6g}" if np.isfinite(v) else "NaN" for v in example) + "]"
    prove = f"pyleo prove {out} predict '{sample}', " if proves_here(zk.program) else ""
    typer.echo(f"inputs: the {zk.n_features} raw feature values as a JSON list (NaN where missing); next: "
               f"pyleo run {out} predict '{sample}', {prove}pyleo cost {out}")


def proves_here(prog: Program, fn_name: str = "predict") -> bool:
    """Whether ``fn_name`` proves on this machine, whole or split (cost model). When it does not, a warning
    on stderr says so, and where it does fit (mainnet's limit, a smaller model), instead of ``pyleo prove``."""
    if prog.fits_here(fn_name) or splits(prog, fn_name, LOCAL_BUDGET):
        return True
    total = prog.estimate(fn_name, synthesize_transition=False).total
    network = ("it fits mainnet's limit: `pyleo deploy` and `pyleo execute` prove it there" if
               total <= MAINNET_BUDGET or splits(prog, fn_name, MAINNET_BUDGET) else "it does not fit mainnet's either")
    typer.echo(f"warning: {prog.name}.{fn_name} is ~{total:,.0f} constraints (cost model), more than one proof here "
               f"takes ({LOCAL_BUDGET:,}), and no split fits here; {network}. A smaller model proves here (fewer "
               "support vectors, trees or neighbours, or a lower --resolution).", err=True)
    return False


def splits(prog: Program, fn_name: str, budget: int) -> bool:
    """Whether the planner cuts ``fn_name`` into parts of at most ``budget`` constraints (cost model)."""
    try:
        prog.split_plan(fn_name, budget)
    except LimitError:
        return False
    return True
