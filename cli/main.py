"""The ``pyleo`` command: build, run, prove, verify, cost, and install snarkVM's parameters.

Every command reads a Python file that defines ``pl.Program`` objects; functions are named
``PROGRAM.FUNCTION`` (or just ``FUNCTION`` when the file has one program). Arguments are Aleo
literals (``5i64``, ``[1i64, 2i64]``) or plain numbers / JSON lists, coerced to the declared types.
Errors print as ``file:line:col: error: …`` with no Python traceback, and exit with status 1.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import typer

from pyleo import loader, progress, proving, trust, vm
from pyleo.errors import InputError
from pyleo.limits import LOCAL_BUDGET, MAINNET_BUDGET

from . import conversion, report
from . import verify as trusted_proof
from .admin import cache_app, params_app
from .common import HELP, Command, fail, printable, reports_errors, rows_named, run_and_exit, shorten
from .inputs import batch_model, call_args, load_function, loading, reject_unknown_options
from .network import register as register_network, show_deployment_costs, warn_name

# stdlib_ml (scikit-learn, numpy) and the web app (FastAPI) are imported inside the commands that use them,
# so that `pyleo --help` and the commands that do not need them start fast.

app = typer.Typer(
    name="pyleo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP,
)
app.add_typer(params_app, name="params")
app.add_typer(cache_app, name="cache")


def show_version(value: bool) -> None:
    if value:
        from importlib import metadata

        v = vm.versions()
        typer.echo(f"pyleo {metadata.version('pyleo-zk')} (aleo-sdk {v['aleo_sdk']}, snarkVM {v['snarkvm']})")
        raise typer.Exit()


@app.callback()
def options(version: bool = typer.Option(False, "--version", "-V", callback=show_version, is_eager=True,
                                         help="Print the versions of pyleo, aleo-sdk and snarkVM and exit.")) -> None:
    """Compile typed Python models to Leo 4 / Aleo instructions; run, prove and verify them on snarkVM."""


FileArg = typer.Argument(..., metavar="FILE", help="Python file defining one or more pl.Program objects.", exists=False)
TargetArg = typer.Argument(..., metavar="PROGRAM.FUNCTION", help="PROGRAM.FUNCTION (or FUNCTION when the file has one program).")
ArgsArg = typer.Argument(None, metavar="ARGS", help="Inputs: Aleo literals (5i64, [1i64, 2i64]) or numbers / JSON lists.")


@app.command(cls=Command)
@reports_errors
def build(file: Path = FileArg,
          out: Path = typer.Option(Path("build"), "--out", "-o", help="Output folder; one sub-folder per program.")) -> None:
    """Compile every program in FILE to a Leo 4 project (program.json, src/main.leo) and NAME.aleo."""
    with loading(file):
        loaded = loader.load(file)
    for prog in loaded.programs.values():
        start = time.perf_counter()
        paths = prog.write(out)
        ms = (time.perf_counter() - start) * 1000
        typer.echo(f"built {prog.name}.aleo ({len(prog.module.entries)} function(s)) in {ms:.0f} ms; "
                   f"program checksum {prog.checksum()}")
        warn_name(prog.name)
        for p in paths:
            typer.echo(f"  {p}")


NEGATIVE_OK = {"ignore_unknown_options": True}  # so that `-3` is an argument, not an option


@app.command(cls=Command, context_settings=NEGATIVE_OK)
@reports_errors
def run(file: Path = FileArg, target: str = TargetArg, args: list[str] | None = ArgsArg,
        use_vm: bool = typer.Option(False, "--vm", help="Run snarkVM's circuit execution instead of the interpreter.")) -> None:
    """Run a function on inputs (reference interpreter by default, snarkVM with --vm) and print its outputs."""
    reject_unknown_options(args, "--vm")
    prog, fn_name, zk = load_function(file, target)
    values = call_args(zk, prog, fn_name, args)
    result = prog.evaluate(fn_name, *values) if use_vm else prog.run(fn_name, *values)   # evaluate names its stage
    report.show_outputs(prog, fn_name, result)
    if zk is not None:
        report.show_prediction(zk, values, result[0] if isinstance(result, tuple) else result)


@app.command(cls=Command, context_settings=NEGATIVE_OK)
@reports_errors
def prove(file: Path = FileArg, target: str = TargetArg, args: list[str] | None = ArgsArg,
          out: Path | None = typer.Option(None, "--out", "-o", help="Proof file (default PROGRAM.FUNCTION.proof.json)."),
          private_out: Path | None = typer.Option(None, "--private-out",
                                                  help="Also write every output in clear (private ones included) to "
                                                  "this prover-only file (mode 0600); never share it."),
          split_mode: bool | None = typer.Option(None, "--split/--no-split",
                                                 help="Prove the function split into parts, each one circuit, linked by "
                                                 "commitments (default: only when the cost model says it does not fit "
                                                 "one circuit here)."),
          parts: int | None = typer.Option(None, "--parts", min=1, help="Split into exactly this many parts (implies --split)."),
          budget: int | None = typer.Option(None, "--budget", min=1, help="Constraints per part when splitting "
                                            f"(default {LOCAL_BUDGET:,}, what proves here; mainnet takes {MAINNET_BUDGET:,})."),
          for_browser: bool = typer.Option(False, "--for-browser", help="Prove under consensus V20's rules (Varuna "
                                           "V2), which Aleo's WebAssembly verifier (`pyleo serve`'s /verify page) "
                                           "also checks; one circuit only.")) -> None:
    """Execute a function on snarkVM, prove it, and write a proof file anyone can verify.

    The proof file holds only what a verifier may see: public inputs and outputs, and private ones
    as snarkVM's ciphertexts. Private outputs are printed here, for the prover only. A function
    too large for one circuit is proved split (one file holding every part's proof).
    """
    reject_unknown_options(args, "--out, --private-out, --split/--no-split, --parts, --budget, --for-browser")
    height = vm.WASM_BLOCK_HEIGHT if for_browser else None
    how = proving.mode(split_mode, parts, budget, height)
    prog, fn_name, zk = load_function(file, target)
    r = secrets.randbelow(2**250) if zk is not None and zk.output == "commitment" else None  # below the scalar modulus
    values = call_args(zk, prog, fn_name, args, r)
    path = out or Path(f"{prog.name}.{fn_name}.proof.json")
    if private_out is not None and private_out.resolve() == path.resolve():
        raise InputError("--private-out must name another file than the proof file")
    vm.check_writable(path, what="the proof file")   # before the proving work, not after it
    if private_out is not None:
        vm.check_writable(private_out, what="--private-out")
    what = f"proving {prog.name}.aleo/{fn_name}{' split into parts' if how == 'split' else ''}"
    start = time.perf_counter()
    with progress.stage(what if how == "split" else progress.keys_stage(prog.aleo(), fn_name, what)):
        proof = proving.prove(prog, fn_name, values, split=split_mode, parts=parts, budget=budget, block_height=height)
    elapsed = time.perf_counter() - start
    proof.save(path)
    if private_out is not None:
        trust.write_private_outputs(private_out, proof, str(path), r)
    report.show_proved(proof, r)
    if zk is not None:
        report.show_prediction(zk, values, proof.outputs[0])
    typer.echo(f"proved in {elapsed:.2f} s; wrote {path}" + (f" and the prover-only {private_out}" if private_out else ""))


@app.command(cls=Command)
@reports_errors
def verify(proof_file: Path | None = typer.Argument(None, metavar="PROOF_FILE", help="A proof file written by "
                                                   "`pyleo prove`, or a transaction (`pyleo execute` / `pyleo deploy`)."),
           model: Path | None = typer.Option(None, "--model", help="The model (DSL .py) you trust; the proof must be "
                                             "of its program with the proof's program ID."),
           program: Path | None = typer.Option(None, "--program", help="The Aleo program (NAME.aleo) you trust."),
           checksum: str | None = typer.Option(None, "--checksum", help="The program checksum you trust (64 hex "
                                               "digits, as `pyleo build` / `pyleo prove` print)."),
           vk: Path | None = typer.Option(None, "--vk", help="The verifying key you trust (verifier1… text, or a "
                                          "cached F.vk file)."),
           commitment: str | None = typer.Option(None, "--commitment", help="The published commitment to a private "
                                                 "model's weights (a field literal): the proof's last public output "
                                                 "must be it. Needs --model, --program, --checksum, --vk or --public-model."),
           public_model: Path | None = typer.Option(None, "--public-model", help="The verifier's file of a converted "
                                                    "model (`pyleo commit --out` / ZkModel.save_public): binds to its "
                                                    "program and, for private weights, its commitment."),
           resynthesize: bool = typer.Option(False, "--resynthesize",
                                             help="Rebuild the verifying key from the proof's program text instead of trusting the file's."),
           tx_id: str | None = typer.Option(None, "--tx-id", help="Fetch the transaction with this ID (at1…) from "
                                            "--endpoint (GET /{network}/transaction/{id}) and verify it."),
           endpoint: str | None = typer.Option(None, "--endpoint", help="The node --tx-id is fetched from."),
           network_name: str = typer.Option("mainnet", "--network", help="The network --tx-id is fetched from.")) -> None:
    """Verify a proof file; needs nothing secret. Exit status 0 when valid, 1 when not.

    Name what you trust with --model, --program, --checksum or --vk: the proof is then valid only
    for exactly that program (the verifying key comes from it, never from the proof file). With a
    converted model's --model or --public-model, the proved label is also shown as that file names it.
    """
    what = trusted_proof.artifact(proof_file, tx_id, endpoint, network_name)
    trusted = trusted_proof.trusted(what, model, program, checksum, vk, public_model, commitment)
    with progress.stage("verifying"):
        verdict = trust.verify(what, trusted, resynthesize=resynthesize)
    report.show_verdict(verdict)


@app.command("prove-batch", cls=Command)
@reports_errors
def prove_batch(model_file: Path = typer.Argument(..., metavar="MODEL", help="A model file written by `pyleo import`."),
                rows: Path = typer.Argument(..., metavar="ROWS", help="The rows to prove: .csv (an optional header "
                                            "line) or .npy, one row of raw feature values per sample."),
                out: Path = typer.Option(..., "--out", "-o", help="Batch folder: one proof file per row and "
                                         "manifest.json (created when missing; a rerun resumes it)."),
                workers: int | None = typer.Option(None, "--workers", "-j", min=1, help="Local worker processes "
                                                   "(default: the number of CPUs)."),
                private_out: Path | None = typer.Option(None, "--private-out", help="Prover-only file (mode 0600): "
                                                        "every row's outputs in clear, the label blinding r of a "
                                                        "committed label, the messages of failed rows. Never share it."),
                rows_per_proof: str = typer.Option("1", "--rows-per-proof", "-k", help="Rows per proof: k (one circuit "
                                                   "proving k predictions, public weights and label only) or 'auto' "
                                                   "(the largest k the cost model fits in 16,384 constraints)."),
                cluster: str | None = typer.Option(None, "--cluster", help="Prove on Ray: 'local' (a Ray started here "
                                                   "with --workers CPUs) or ray://HOST:PORT (a running cluster); keys "
                                                   "are synthesized once here and shipped. Needs pip install "
                                                   "'pyleo-zk[ray]'."),
                progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar with the ETA.")) -> None:
    """Prove the prediction of every row of ROWS, in parallel; resumable, failed rows recorded.

    Writes DIR/row-NNNNNN.proof.json per row (or per K rows) and DIR/manifest.json (per row: proof
    file, public outputs, prediction when public, seconds, or the kind of error). Each proof names its
    rows and the batch's size in a public input. Nothing private goes to DIR. Keys are synthesized
    once and shared by the workers through the key cache. Exit status 1 when no row could be proved.
    """
    from stdlib_ml import convert
    from stdlib_ml.convert import prove_rows

    zk = batch_model(model_file)
    X = convert.load_rows(rows, complete=False, names=zk.feature_names)
    if private_out is not None and out.resolve() in private_out.resolve().parents:
        raise InputError("--private-out must lie outside the batch folder (and its subfolders), which is meant to be "
                         "shared")
    if rows_per_proof != "auto" and not (rows_per_proof.isdigit() and int(rows_per_proof) >= 1):
        raise InputError(f"--rows-per-proof takes a positive number or 'auto', got {rows_per_proof!r}")
    k: int | str = rows_per_proof if rows_per_proof == "auto" else int(rows_per_proof)
    result = prove_rows.prove_many(zk, X, out, workers=workers, private_out=private_out, progress=progress,
                                   rows_per_proof=k, cluster=cluster)
    typer.echo(f"{result.proved} row(s) proved, {result.skipped} already proved, {result.failed} failed, of "
               f"{result.rows_total}, in {result.seconds:.1f} s; wrote {result.manifest}"
               + (f" and the prover-only {private_out}" if private_out else ""))
    where = "their messages are in --private-out" if private_out else "pass --private-out to keep their messages"
    if result.proved + result.skipped == 0:
        fail(f"error: no row was proved: all {result.rows_total} failed (first: {result.first_error}); {where}")
    if result.failed:
        typer.echo(f"warning: {result.failed} row(s) failed (first: {result.first_error}), listed in the manifest; "
                   f"{where}. verify-batch reports them as not proved", err=True)


@app.command("verify-batch", cls=Command)
@reports_errors
def verify_batch(folder: Path = typer.Argument(..., metavar="DIR", help="A batch folder written by `pyleo prove-batch`."),
                 model: Path | None = typer.Option(None, "--model", help="The converted model file you trust: every "
                                                   "proof must be of its batch program (and of its committed weights)."),
                 checksum: str | None = typer.Option(None, "--checksum", help="The batch program's checksum you trust "
                                                     "(64 hex digits).")) -> None:
    """Verify every proof of a batch folder and print each row's proved outputs (prediction with --model).

    Rows, their outputs and the number of rows are read from the verified proofs; the manifest must
    agree with them. What is proved: each row number has one proof of the model's outputs on an input the
    prover chose; no data set is committed to, so this does not show the predictions are for your rows. Exit status 0 only when every row of the batch is proved exactly once and the
    manifest says so; otherwise each missing, extra, invalid or mismatched row is named, with the field.
    """
    from pyleo.trust.batch import CLAIM
    from stdlib_ml.convert import prove_rows

    zk = batch_model(model) if model is not None else None
    with progress.stage(f"verifying the proofs in {folder}"):
        verdict = prove_rows.verify_many(folder, zk=zk, checksum=checksum)
    for i, row in sorted(verdict.rows.items()):
        raw = ", ".join("private" if o is None else o for o in row.public_outputs)
        shown = f"{row.prediction}  ({raw})" if zk is not None and row.prediction is not None else raw
        typer.echo(printable(f"row {i}: {shown}  [{row.proof}]", one_line=True))
    for i, name, reason in verdict.problems:
        typer.echo(printable(shorten(f"INVALID {'' if i is None else f'row {i}, '}{name}: {reason}"), one_line=True), err=True)
    total = "?" if verdict.rows_total is None else verdict.rows_total
    typer.echo(f"{len(verdict.rows)} of {total} row(s) proved by {verdict.proofs_valid} valid proof file(s)"
               + (f" ({verdict.rows_per_proof} row(s) per proof)" if verdict.rows_per_proof else "")
               + f"; {len(verdict.problems)} problem(s); bound to {verdict.bound}")
    typer.echo(f"what is proved: {CLAIM}")
    if zk is None:
        typer.echo("warning: predictions not decoded" + ("" if checksum else " and not bound to a program you trust")
                   + "; pass --model", err=True)
    if not verdict.valid:
        raise typer.Exit(1)


@app.command(cls=Command)
@reports_errors
def cost(file: Path = FileArg,
         target: str | None = typer.Argument(None, metavar="PROGRAM.FUNCTION", help="PROGRAM.FUNCTION; all functions when omitted."),
         estimate: bool = typer.Option(False, "--estimate", help="Only the cost model's prediction, even when the circuit fits."),
         detail: bool = typer.Option(False, "--detail", help="Also print where the constraints go (transition, opcodes)."),
         deployment: bool = typer.Option(False, "--deployment", help="Also print the costs in credits on the Aleo "
                                         "network, as snarkVM computes them: each program's deployment (synthesized) "
                                         "and each function's execution.")) -> None:
    """Print the number of constraints of each function's circuit.

    Also whether it fits here and on mainnet, and each program's size against the network's limit; with
    --deployment, the deployment and execution costs in credits.

    Exact (synthesized by snarkVM) when the circuit fits the installed parameters; otherwise, or with
    --estimate, predicted by pyleo's cost model (calibrated against snarkVM), with how far it is over.
    """
    with loading(file):
        loaded = loader.load(file)
    pairs = [loaded.function(target)] if target else \
        [(p, f.name) for p in loaded.programs.values() for f in p.module.entries]
    for name in dict.fromkeys(p.name for p, _ in pairs):
        warn_name(name)
    report.show_costs(pairs, exact=not estimate, detail=detail)
    if deployment:
        show_deployment_costs(list(dict((p.name, p) for p, _ in pairs).values()))


@app.command("import", cls=Command)
@reports_errors
def import_model(model_file: Path = typer.Argument(..., metavar="MODEL", help="A fitted model: joblib/pickle (scikit-learn, XGBoost "
                                                   "wrappers), an XGBoost JSON/UBJSON file, a PyTorch program "
                                                   "saved by torch.export.save (.pt2; needs pyleo-zk[torch]) or a "
                                                   "quantized module saved by torch.save (.pt), an ONNX "
                                                   ".onnx file, a Keras .keras or legacy .h5 file, a TensorFlow "
                                                   "SavedModel directory or a .tflite file (needs "
                                                   "pyleo-zk[tensorflow]). Unpickling runs code: import only "
                                                   "files you trust."),
                 out: Path = typer.Option(Path("model.py"), "--out", "-o", help="Model file to write (DSL source)."),
                 data: Path | None = typer.Option(None, "--data", help="Calibration rows (.npy or .csv, raw feature "
                                                  "values, NaN where missing): they size the circuit's input range "
                                                  "and the conversion is checked against the model on them."),
                 name: str | None = typer.Option(None, "--name", help="Aleo program name (default: from the model)."),
                 input_range: str | None = typer.Option(None, "--input-range",
                                                           help="Feature range the circuit is sized for: R (for "
                                                           "[-R, R]) or LOW,HIGH."),
                 input_bits: str | None = typer.Option(None, "--input-bits", help="Fractional bits of the inputs: "
                                                       "B for all, or B1,B2,... one per feature (default: each "
                                                       "feature's own, from its range)."),
                 missing_values: bool | None = typer.Option(None, "--missing-values/--no-missing-values",
                                                            help="Take missing values (NaN) as the model does "
                                                            "(trees, XGBoost); default: when the model or data need it."),
                 min_agreement: float = typer.Option(1.0, "--min-agreement", help="Fidelity bar for classifiers: "
                                                     "share of calibration labels that must agree."),
                 max_error: float = typer.Option(1e-3, "--max-error", help="Fidelity bar for regressors: largest "
                                                 "error as a share of the predictions' range."),
                 strict: bool = typer.Option(True, "--strict/--no-strict", help="Below the bar: fail (default) or "
                                             "warn and write the file anyway."),
                 weights: str = typer.Option("public", "--weights", help="public: the model's parameters are "
                                             "constants of the program; private: private inputs under a public "
                                             "commitment (trees and KNN need --data; the written file is then the owner's "
                                             "secret, `pyleo commit` gives what verifiers need)."),
                 inputs: str = typer.Option("private", "--inputs", help="private (default) or public: the sample's "
                                            "visibility in the proof."),
                 output: str = typer.Option("public", "--output", help="public (default): the label in clear; "
                                            "private: encrypted to the prover; commitment: private, with a public "
                                            "commitment to it (`pyleo prove` prints the blinding r)."),
                 resolution: int | None = typer.Option(None, "--resolution", help="Networks (.pt2, .onnx, .keras, .h5, SavedModel, .tflite) only: bits per "
                                                       "input spread and per weight (default 12; fewer: narrower, "
                                                       "cheaper sign tests, coarser rounding)."),
                 reference: Path | None = typer.Option(None, "--reference", help="ONNX only: the model the graph was "
                                                       "exported from (a file `pyleo import` reads): the graph and "
                                                       "the circuit are checked against it, not the graph alone."),
                 fit: bool = typer.Option(True, "--fit/--no-fit", help="Networks only: when the network does not "
                                          "prove here at --resolution, convert it at the most precise lower resolution "
                                          "and input bits that do (by the cost model, confirmed by snarkVM's count; "
                                          "said so); none: refuse, naming what would help. --no-fit: exactly "
                                          "--resolution."),
                 response_method: str | None = typer.Option(None, "--response-method", help="scikit-learn only: what "
                                                            "the circuit outputs, by scikit-learn's name: predict "
                                                            "(default: the label or value), predict_proba, "
                                                            "decision_function or score_samples (where the family "
                                                            "defines it; docs/coverage.md lists them)."),
                 threshold: float | None = typer.Option(None, "--threshold", help="scikit-learn only: output only the "
                                                        "public boolean \"the positive class's score >= T\" (of "
                                                        "--response-method, predict_proba unless given), the score "
                                                        "itself private.")) -> None:
    """Convert a fitted scikit-learn / XGBoost / LightGBM / CatBoost model, a PyTorch program (.pt2), an ONNX
    graph, a Keras model or a TensorFlow SavedModel / TFLite file to a pyleo model file (then build, run, prove it)."""
    vm.check_writable(out, what="--out")   # before the conversion work
    rng, bits = conversion.input_range(input_range), conversion.input_bits(input_bits)
    with progress.stage(f"converting {model_file.name}"):   # from the converter's modules' import on
        from stdlib_ml import convert

        X = convert.load_rows(data, names=conversion.feature_names(model_file, data)) if data is not None else None
        with rows_named(data):
            zk, caught = conversion.convert_file(
                model_file, X, input_range=rng, input_bits=bits, name=conversion.program_name(model_file, name),
                missing_values=missing_values, weights=weights, inputs=inputs, output=output, min_agreement=min_agreement,
                max_error=max_error, strict=strict, **conversion.network_options(resolution, reference, fit),
                **conversion.score_options(response_method, threshold))
    for kind, message in caught:
        typer.echo(f"{kind}: {message}", err=True)
    zk.save(out)
    report.show_converted(zk, out, X)


@app.command(cls=Command)
@reports_errors
def commit(model_file: Path = typer.Argument(..., metavar="MODEL_FILE", help="A model file converted with --weights private (the "
                                             "owner's file)."),
           out: Path | None = typer.Option(None, "--out", "-o", help="Also write the verifier's file (JSON: program, "
                                           "checksum, commitment, class names, verifying key; no private weights): "
                                           "what `pyleo verify --public-model` and the /verify page take.")) -> None:
    """Print the public commitment to a private model's weights and its program checksum; with --out, write the
    public model file verifiers need (for public-weights models too)."""
    from stdlib_ml import convert

    if not convert.is_model_file(model_file):
        raise InputError(f"{model_file} is not a converted model file", hint="convert one with `pyleo import MODEL "
                         "--out FILE.py`")
    with loading(model_file):
        zk = convert.load(model_file)
    if zk.weights != "private" and out is None:
        raise InputError(f"{model_file} has public weights (constants of its program): there is nothing to commit to",
                         hint=f"`pyleo commit {model_file} --out public.json` writes the public model file verifiers "
                         "need; `pyleo import MODEL --weights private` keeps the weights secret")
    if zk.commitment is not None:
        typer.echo(f"commitment: {zk.commitment}")
    typer.echo(f"program checksum: {zk.program.checksum()}")
    if out is not None:
        with progress.stage("deriving the verifying key" if vm.keys_cached(zk.program.aleo(), "predict") else
                            "building the verifying key (first time for this model; cached for later runs)"):
            zk.save_public(out, verifying_key=True)
        binds = f" --commitment {zk.commitment}" if zk.commitment is not None else ""
        typer.echo(f"wrote {out} (program, checksum{', commitment' if zk.commitment else ''}, verifying key, "
                   f"how outputs read; no private weights). Verifiers run: pyleo verify PROOF --public-model {out}, "
                   f"or --checksum {zk.program.checksum()}{binds}; the /verify page of `pyleo serve` takes it too")


@app.command(cls=Command)
@reports_errors
def serve(port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free one)."),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; the default takes local "
                                   "connections only (uploads of joblib files are pickles: keep it local)."),
          verifier: bool = typer.Option(True, "--verifier/--no-verifier", help="Fetch the in-browser verifier (npm "
                                        "@provablehq/wasm, GPL-3.0, about 25 MB, checked against "
                                        "cli/web/package-lock.json) into pyleo's cache if it is not installed. "
                                        "--no-verifier: serve without it (the pages verify on the server only)."),
          allow_pickle: bool = typer.Option(False, "--allow-pickle-uploads", help="With a --host other machines "
                                            "reach, take joblib / pickle uploads too (they run code when read: only "
                                            "on a network whose every user you trust); on 127.0.0.1 they are taken.")
          ) -> None:
    """Start the web app: try a model, prove a prediction, verify it on the server and in the browser."""
    from .web import serve as run_server

    run_server(host, port, verifier, allow_pickle)


register_network(app)

def main() -> None:
    """The ``pyleo`` command (the console script): :data:`app`, then the exit (:func:`pyleo_cli.common.run_and_exit`)."""
    run_and_exit(app, "pyleo")


if __name__ == "__main__":
    main()
