"""The ``pyleo`` command: build, run, prove, verify, cost, and install snarkVM's parameters.

Every command reads a Python file that defines ``pl.Program`` objects; functions are named
``PROGRAM.FUNCTION`` (or just ``FUNCTION`` when the file has one program). Arguments are Aleo
literals (``5i64``, ``[1i64, 2i64]``) or plain numbers / JSON lists, coerced to the declared types.
Errors print as ``file:line:col: error: …`` with no Python traceback, and exit with status 1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from pyleo.errors import InputError, PyleoError
from pyleo.program import Program
from pyleo.values import from_json_or_aleo, to_aleo


class Command(TyperCommand):
    """A command whose usage line reads ``pyleo run FILE TARGET [ARGS]...`` (typer writes required
    arguments as ``{FILE}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in super().collect_usage_pieces(ctx)]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The docstring's first paragraph, whole (click cuts it at 45 characters, mid-sentence)."""
        return " ".join((self.short_help or self.help or "").strip().split("\n\n")[0].split())


# Plain help (no rich panels): they print `<bool>` after every flag.
HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="pyleo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP,
)
params_app = typer.Typer(help="Manage snarkVM's universal parameters (needed to prove).", no_args_is_help=True,
                         rich_markup_mode=None, context_settings=HELP)
app.add_typer(params_app, name="params")
cache_app = typer.Typer(help="Inspect or clear the cache of proving and verifying keys.", no_args_is_help=True,
                        rich_markup_mode=None, context_settings=HELP)
app.add_typer(cache_app, name="cache")


def show_version(value: bool) -> None:
    if value:
        from importlib import metadata

        from pyleo import vm

        v = vm.versions()
        typer.echo(f"pyleo {metadata.version('pyleo-zk')} (aleo-sdk {v['aleo_sdk']}, snarkVM {v['snarkvm']})")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", "-V", callback=show_version, is_eager=True,
                                      help="Print the versions of pyleo, aleo-sdk and snarkVM and exit.")) -> None:
    """Compile typed Python models to Leo 4 / Aleo instructions; run, prove and verify them on snarkVM."""


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn pyleo's errors into a message on stderr and exit status 1 (never a traceback)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PyleoError as e:
            fail(str(e))
        except typer.Exit:
            raise
        except BrokenPipeError:  # the reader went away (`pyleo verify P | head -1`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as e:  # a bug in pyleo: say so briefly; PYLEO_DEBUG=1 shows the traceback
            if os.environ.get("PYLEO_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {e}\n(this is a bug in pyleo; rerun with PYLEO_DEBUG=1 "
                 "for the traceback and report it)", code=2)

    return wrapper


_ZK_MODELS: dict[int, Any] = {}
"""The ZkModel of each program (by id) that a loaded file defines as a converted model."""


def load_programs(file: Path) -> dict[str, Program]:
    """Import a model file and return its ``pl.Program`` objects by name."""
    if file.is_dir():
        raise InputError(f"{file} is a folder, not a Python file", hint="pass the path of a Python file that defines a pl.Program")
    if not file.is_file():
        raise InputError(f"no such file: {file}", hint="pass the path of a Python file that defines a pl.Program")
    module_name = f"pyleo_user_{abs(hash(str(file.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise InputError(f"{file} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(file.resolve().parent))
    try:
        spec.loader.exec_module(module)
    except PyleoError:
        raise
    except SyntaxError as e:
        raise InputError(f"{e.filename}:{e.lineno}:{e.offset}: Python syntax error: {e.msg}") from None
    except Exception as e:  # the user's module failed while importing: report it, not our traceback
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename != str(file.resolve()):
            tb = tb.tb_next
        where = f"{file}:{tb.tb_lineno}: " if tb is not None else ""
        raise InputError(f"{where}importing {file} failed: {type(e).__name__}: {e}") from None
    finally:
        sys.path.pop(0)
    from stdlib_ml.convert import ZkModel

    programs: dict[str, Program] = {}
    for v in vars(module).values():
        if isinstance(v, ZkModel):   # a converted model defined in the file: its program, `predict` on raw features
            _ZK_MODELS[id(v.program)] = v
            v = v.program
        if isinstance(v, Program):
            if programs.setdefault(v.name, v) is not v:
                raise InputError(f"{file} defines two different pl.Program named {v.name!r}",
                                 hint="give each program its own name (its Aleo program ID)")
    if not programs:
        raise InputError(f"{file} defines no pl.Program (nor a converted model)",
                         hint='add e.g. `prog = pl.Program("model", [predict])`, or `zk = from_sklearn(model, X)`')
    return programs


def find_function(file: Path, target: str) -> tuple[Program, str]:
    programs = load_programs(file)
    if "." in target:
        prog_name, fn_name = target.split(".", 1)
        if prog_name not in programs:
            raise InputError(f"{file} has no program {prog_name!r}; it has {', '.join(programs)}")
        prog = programs[prog_name]
    elif len(programs) == 1:
        prog, fn_name = next(iter(programs.values())), target
    else:
        raise InputError(f"{file} has several programs ({', '.join(programs)}): name one as PROGRAM.FUNCTION")
    prog.entry(fn_name)
    return prog, fn_name


_NUMBER = re.compile(r"-[0-9.]")


def reject_unknown_options(args: list[str] | None, known: str) -> None:
    """Arguments of ``run`` / ``prove`` may start with ``-`` (negative numbers); anything else that
    does is a mistyped option, not an argument."""
    for a in args or []:
        if a.startswith("-") and not _NUMBER.match(a):
            raise InputError(f"no such option: {a}", hint=f"the options here are {known} (negative numbers are arguments)")


def parse_args(prog: Program, fn_name: str, args: list[str]) -> list[Any]:
    fn = prog.entry(fn_name)
    if len(args) != len(fn.params):
        sig = " ".join(f"{p.name}:{p.type.leo()}" for p in fn.params)
        raise InputError(f"{prog.name}.{fn_name} takes {len(fn.params)} argument(s) ({sig}), got {len(args)}")
    return [from_json_or_aleo(a, p.type, f"argument {p.name}") for a, p in zip(args, fn.params)]


def show_outputs(prog: Program, fn_name: str, result: Any) -> None:
    fn = prog.entry(fn_name)
    values = list(result) if fn.returns_tuple else [result] if fn.returns else []
    for v, t, public in zip(values, fn.returns, fn.returns_public):
        typer.echo(f"{to_aleo(v, t)}  ({'public' if public else 'private'} {t.leo()})")


def converted_model(file: Path, prog: Program, fn_name: str) -> Any | None:
    """The converted model (``stdlib_ml.ZkModel``) whose ``predict`` is ``prog.fn_name``: the model file
    itself when a converter wrote it, or a ZkModel the file defines (``zk = from_sklearn(...)``, as
    examples/iris_tree.py does); None otherwise."""
    from stdlib_ml import convert

    if fn_name != "predict":
        return None
    if convert.is_model_file(file):
        return convert.load(file)
    return _ZK_MODELS.get(id(prog))


def model_file_args(file: Path, prog: Program, fn_name: str, args: list[str] | None,
                    label_blinding: int | None = None) -> list[Any] | None:
    """For ``predict`` of a converted model: its one argument is the raw feature values (a JSON list
    of floats), encoded as ``ZkModel.encode`` does, followed by the owner's weights (private weights)
    and ``label_blinding`` (a label published as a commitment); None for other files."""
    from stdlib_ml import convert

    zk = converted_model(file, prog, fn_name)
    if zk is None:
        return None
    if len(args or []) != 1:
        raise InputError(f"{file} predict takes one argument, the raw feature values as a JSON list, e.g. "
                         "'[5.1, 3.5, 1.4, 0.2]'")
    (x,) = zk.encode(convert.parse_sample((args or [""])[0]))
    return zk.circuit_args(x, label_blinding)


def show_prediction(file: Path, prog: Program, fn_name: str, values: list[Any], result: Any) -> None:
    """The label or value a converted model's output stands for (``values``: the arguments it ran on)."""
    zk = converted_model(file, prog, fn_name)
    if zk is not None:
        if zk.output == "commitment":   # the output is a commitment; the inline `prediction_of` gives the label
            label = zk.module.prediction_of(*values[:-1])
            typer.echo(f"prediction: {zk.decode([label])[0]} (published as a commitment)")
        else:
            typer.echo(f"prediction: {zk.decode([result[0] if isinstance(result, tuple) else result])[0]}")


FileArg = typer.Argument(..., metavar="FILE", help="Python file defining one or more pl.Program objects.", exists=False)
TargetArg = typer.Argument(..., metavar="PROGRAM.FUNCTION", help="PROGRAM.FUNCTION (or FUNCTION when the file has one program).")
ArgsArg = typer.Argument(None, metavar="ARGS", help="Inputs: Aleo literals (5i64, [1i64, 2i64]) or numbers / JSON lists.")


@app.command(cls=Command)
@reports_errors
def build(file: Path = FileArg,
          out: Path = typer.Option(Path("build"), "--out", "-o", help="Output folder; one sub-folder per program.")) -> None:
    """Compile every program in FILE to a Leo 4 project (program.json, src/main.leo) and NAME.aleo."""
    for prog in load_programs(file).values():
        start = time.perf_counter()
        paths = prog.write(out)
        ms = (time.perf_counter() - start) * 1000
        typer.echo(f"built {prog.name}.aleo ({len(prog.module.entries)} function(s)) in {ms:.0f} ms; "
                   f"program checksum {prog.checksum()}")
        for p in paths:
            typer.echo(f"  {p}")


NEGATIVE_OK = {"ignore_unknown_options": True}  # so that `-3` is an argument, not an option


@app.command(cls=Command, context_settings=NEGATIVE_OK)
@reports_errors
def run(file: Path = FileArg, target: str = TargetArg, args: list[str] | None = ArgsArg,
        vm: bool = typer.Option(False, "--vm", help="Run snarkVM's circuit execution instead of the interpreter.")) -> None:
    """Run a function on inputs (reference interpreter by default, snarkVM with --vm) and print its outputs."""
    reject_unknown_options(args, "--vm")
    prog, fn_name = find_function(file, target)
    values = model_file_args(file, prog, fn_name, args) or parse_args(prog, fn_name, args or [])
    result = prog.evaluate(fn_name, *values) if vm else prog.run(fn_name, *values)
    show_outputs(prog, fn_name, result)
    show_prediction(file, prog, fn_name, values, result)


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
                                            "(default 16,384, what proves here; mainnet takes 2,097,152)."),
          for_browser: bool = typer.Option(False, "--for-browser", help="Prove under consensus V20's rules (Varuna "
                                           "V2), which Aleo's WebAssembly verifier (`pyleo serve`'s /verify page) "
                                           "also checks; one circuit only.")) -> None:
    """Execute a function on snarkVM, prove it, and write a proof file anyone can verify.

    The proof file holds only what a verifier may see: public inputs and outputs, and private ones
    as snarkVM's ciphertexts. Private outputs are printed here, for the prover only. A function
    too large for one circuit is proved split (one file holding every part's proof).
    """
    from pyleo import vm
    from pyleo.split import SplitProof

    import secrets

    reject_unknown_options(args, "--out, --private-out, --split/--no-split, --parts, --budget, --for-browser")
    prog, fn_name = find_function(file, target)
    zk = converted_model(file, prog, fn_name)
    committed = zk is not None and zk.output == "commitment"
    r = secrets.randbelow(2**250) if committed else None   # below the scalar modulus (~2**250.2)
    values = model_file_args(file, prog, fn_name, args, r) or parse_args(prog, fn_name, args or [])
    path = out or Path(f"{prog.name}.{fn_name}.proof.json")
    if private_out is not None and private_out.resolve() == path.resolve():
        raise InputError("--private-out must name another file than the proof file")
    vm.check_writable(path, what="the proof file")   # before the proving work, not after it
    if private_out is not None:
        vm.check_writable(private_out, what="--private-out")
    if split_mode is False and (parts is not None or budget is not None):
        raise InputError("--parts and --budget split the function; they contradict --no-split")
    split_asked = bool(split_mode) or parts is not None or budget is not None
    if for_browser and split_asked:
        raise InputError("--for-browser proves one circuit; it does not combine with a split proof")
    typer.echo(f"proving {prog.name}.aleo/{fn_name}{' split into parts' if split_asked else ''} "
               "(key synthesis is cached after the first run)...", err=True)
    start = time.perf_counter()
    if split_mode is False or for_browser:
        proof = prog.prove(fn_name, *values, block_height=vm.WASM_BLOCK_HEIGHT if for_browser else None)
    elif split_asked:
        proof = prog.prove_split(fn_name, *values, budget=budget, parts=parts)
    else:   # whole when it fits one circuit here, otherwise split: Program.prove_fitting decides
        proof = prog.prove_fitting(fn_name, *values)
    elapsed = time.perf_counter() - start
    proof.save(path)
    if isinstance(proof, SplitProof):
        facts = [f"parts: {len(proof.parts)}; constraints: {', '.join(f'{p.constraints:,}' for p in proof.parts)}",
                 f"split program checksum: {proof.checksum}"]
    else:
        facts = [f"constraints: {proof.constraints}", f"program checksum: {proof.checksum}"]
    report_proof(proof, fn_name, path, private_out, r, elapsed, facts)


def report_proof(proof: Any, fn_name: str, path: Path, private_out: Path | None, r: int | None, elapsed: float,
                 facts: list[str]) -> None:
    """After ``prove`` wrote ``path``: the prover-only file (``--private-out``, mode 0600, every output
    in clear), the outputs, the label's blinding r, ``facts`` and the timing. ``proof``: a
    :class:`pyleo.vm.Proof` or :class:`pyleo.split.SplitProof` (both carry outputs and public_outputs)."""
    from pyleo import vm

    if private_out is not None:
        mine = {"format": "pyleo-private-outputs/1", "warning": "prover-only: private values in clear, do not share",
                "proof_file": str(path), **vm.stamp(proof.program), "function": fn_name, "outputs": proof.outputs,
                **({"label_blinding": f"{r}scalar"} if r is not None else {})}
        vm.write_atomic(private_out, (json.dumps(mine, indent=1) + "\n").encode(), mode=0o600)
    for text, public in zip(proof.outputs, proof.public_outputs):
        typer.echo(f"output: {text}  ({'public' if public is not None else 'private: in the proof file only as a ciphertext'})")
    if r is not None:
        typer.echo(f"label blinding r: {r}scalar (prover only: keep it secret; revealing the label and r lets anyone "
                   "check them against the label's commitment)")
    for fact in facts:
        typer.echo(fact)
    typer.echo(f"proved in {elapsed:.2f} s; wrote {path}" + (f" and the prover-only {private_out}" if private_out else ""))


def verify_split(proof_file: Path, model: Path | None, program: Path | None, checksum: str | None) -> None:
    """``pyleo verify`` of a split proof: every part, every link, bound to the split of a trusted model."""
    from pyleo import split, vm

    sp = split.SplitProof.load(proof_file)
    plan, bound = None, []
    if model is not None:
        programs = load_programs(model)
        if sp.source not in programs:
            raise InputError(f"{model} defines {', '.join(p + '.aleo' for p in programs)}, not the proof's {sp.source}.aleo",
                             hint="pass the model file of the program you trust")
        plan = programs[sp.source].trusted_split_plan(sp)
        bound.append(f"the model in {model} (its split of `{sp.function}`)")
    if program is not None:
        text = read_file(program, "the program").decode("utf-8", "replace")
        if checksum is not None and vm.program_checksum(text) != vm.normalize_checksum(checksum):
            raise InputError(f"--program {program} and --checksum {checksum} are different programs")
        checksum = vm.program_checksum(text)
        bound.append(f"the split program {program}")
    elif checksum is not None:
        bound.append(f"checksum {checksum}")
    reason = split.explain(sp, plan=plan, checksum=checksum)
    if reason is not None:
        fail(f"INVALID: {reason}")
    typer.echo(f"valid: {sp.source}.aleo/{sp.function} split in {len(sp.parts)} parts "
               f"({', '.join(f'{p.constraints:,}' for p in sp.parts)} constraints), every link checked")
    typer.echo(f"split program checksum: {sp.checksum}")
    if bound:
        typer.echo(f"bound to: {', '.join(bound)}")
    else:
        typer.echo("warning: not bound to a program you trust; pass --model or --checksum", err=True)
    for i, text in enumerate(sp.public_inputs()):
        if text is not None:
            typer.echo(f"public input {i + 1}: {text}")
    for text in sp.public_outputs:
        if text is not None:
            typer.echo(f"public output: {text}")


def trusted_program(model: Path, program_id: str) -> str:
    """The Aleo text of the program named ``program_id`` in a DSL model file (the verifier's copy)."""
    programs = load_programs(model)
    name = program_id.removesuffix(".aleo")
    if name not in programs:
        raise InputError(f"{model} defines {', '.join(p + '.aleo' for p in programs)}, not the proof's {program_id}",
                         hint="pass the model file of the program you trust")
    return programs[name].aleo()


def read_public_model(path: Path) -> dict[str, Any]:
    """The program, commitment and verifying keys (``{function: "verifier1…"}``, empty when it carries
    none) of a verifier's model file (format ``pyleo-public-model/1``).

    Raises InputError when the file is not one, or when its program does not have its stated checksum.
    """
    from pyleo import vm

    try:
        doc = json.loads(read_file(path, "the public model file"))
    except ValueError:
        raise InputError(f"{path} is not a public model file (not JSON)",
                         hint="pass the file `pyleo commit MODEL --out FILE` wrote") from None
    if not isinstance(doc, dict) or doc.get("format") != "pyleo-public-model/1":
        raise InputError(f"{path} is not a public model file (format pyleo-public-model/1)",
                         hint="pass the file `pyleo commit MODEL --out FILE` wrote")
    program, stated, commitment = doc.get("program"), doc.get("checksum"), doc.get("commitment")
    if not isinstance(program, str) or not isinstance(stated, str) or not (commitment is None or isinstance(commitment, str)):
        raise InputError(f"{path}: \"program\" and \"checksum\" must be strings, \"commitment\" a string or null")
    if vm.program_checksum(program) != stated:
        raise InputError(f"{path}: its program does not have the checksum it states ({stated}); the file was altered")
    keys = doc.get("verifying_keys", {})
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise InputError(f"{path}: \"verifying_keys\" must map function names to verifying keys (strings)")
    return {"program": program, "commitment": commitment, "verifying_keys": keys}


def read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from None


@app.command(cls=Command)
@reports_errors
def verify(proof_file: Path = typer.Argument(..., metavar="PROOF_FILE", help="A proof file written by `pyleo prove`."),
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
                                             help="Rebuild the verifying key from the proof's program text instead of trusting the file's.")) -> None:
    """Verify a proof file; needs nothing secret. Exit status 0 when valid, 1 when not.

    Name what you trust with --model, --program, --checksum or --vk: the proof is then valid only
    for exactly that program (the verifying key comes from it, never from the proof file).
    """
    from pyleo import split, vm

    if split.is_split_proof(vm.read_proof_json(proof_file)):
        if vk is not None or commitment is not None or public_model is not None or resynthesize:
            raise InputError("a split proof binds with --model, --program (the split program) or --checksum only")
        verify_split(proof_file, model, program, checksum)
        return
    proof = vm.Proof.load(proof_file)
    trusted: dict[str, Any] = {}
    bound = []
    if model is not None:
        trusted["program"] = trusted_program(model, proof.program_id)
        bound.append(f"the model in {model}")
    if program is not None:
        text = read_file(program, "the program").decode("utf-8", "replace")
        if "program" in trusted and vm.program_checksum(text) != vm.program_checksum(trusted["program"]):
            raise InputError(f"--program {program} and --model {model} are different programs")
        trusted["program"] = text
        bound.append(f"the program {program}")
    if checksum is not None:
        trusted["checksum"] = checksum
        bound.append(f"checksum {checksum}")
    if vk is not None:
        trusted["verifying_key"] = read_file(vk, "the verifying key")
        bound.append(f"the verifying key in {vk}")
    if public_model is not None:
        published = read_public_model(public_model)
        carried = published["verifying_keys"].get(proof.function)
        if carried is not None and carried.strip() != vm.verifying_key(published["program"], proof.function):
            raise InputError(f"{public_model}: its verifying key of `{proof.function}` is not the one its program "
                             "gives (derived here); the file was altered, and browsers verifying with it are misled")
        for key, value in (("program", published["program"]), ("commitment", published["commitment"])):
            if value is None:
                continue
            if key in trusted and (vm.program_checksum(trusted[key]) != vm.program_checksum(value) if key == "program"
                                   else trusted[key] != value):
                raise InputError(f"--public-model {public_model} names another {key} than the other options")
            trusted[key] = value
        bound.append(f"the public model file {public_model}")
    if commitment is not None:
        if trusted.get("commitment", commitment) != commitment:
            raise InputError(f"--commitment {commitment} differs from the commitment in {public_model}")
        trusted["commitment"] = commitment
    if "commitment" in trusted:
        bound.append(f"the weights committed to by {trusted['commitment']}")
    reason = vm.explain(proof, resynthesize=resynthesize, **trusted)
    if reason is not None:
        fail(f"INVALID: {reason}")
    typer.echo(f"valid: {proof.program_id}/{proof.function}")
    typer.echo(f"program checksum: {proof.checksum}")
    if bound:
        typer.echo(f"bound to: {', '.join(bound)}")
    else:
        typer.echo("warning: not bound to a program you trust. This proof shows only that the program it carries "
                   f"(checksum {proof.checksum}) gave these outputs; anyone can prove another program with the same "
                   "name. Pass --model, --program, --checksum, --vk or --public-model to check it is the model you trust.", err=True)
    for i, text in enumerate(proof.inputs):
        if text is not None:
            typer.echo(f"public input {i + 1}: {text}")
    for text in proof.public_outputs:
        if text is not None:
            typer.echo(f"public output: {text}")


def batch_model(model_file: Path) -> Any:
    """The converted model (``stdlib_ml.ZkModel``) of a model file written by ``pyleo import``; InputError otherwise."""
    from stdlib_ml import convert

    if not convert.is_model_file(model_file):
        raise InputError(f"{model_file} is not a converted model file",
                         hint="convert a fitted model with `pyleo import MODEL --out FILE.py`")
    return convert.load(model_file)


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

    Writes DIR/row-NNNNNN.proof.json per row and DIR/manifest.json (per row: proof file, public
    outputs, prediction when public, seconds, or the kind of error). Nothing private goes to DIR.
    Keys are synthesized once and shared by the workers through the key cache.
    """
    from stdlib_ml import convert

    zk = batch_model(model_file)
    X = convert.load_rows(rows)
    if private_out is not None and private_out.resolve().parent == out.resolve():
        raise InputError("--private-out must lie outside the batch folder, which is meant to be shared")
    if rows_per_proof != "auto" and not (rows_per_proof.isdigit() and int(rows_per_proof) >= 1):
        raise InputError(f"--rows-per-proof takes a positive number or 'auto', got {rows_per_proof!r}")
    k: int | str = rows_per_proof if rows_per_proof == "auto" else int(rows_per_proof)
    result = zk.prove_many(X, out, workers=workers, private_out=private_out, progress=progress, rows_per_proof=k,
                           cluster=cluster)
    typer.echo(f"{result.proved} row(s) proved, {result.skipped} already proved, {result.failed} failed, "
               f"in {result.seconds:.1f} s; wrote {result.manifest}" + (f" and the prover-only {private_out}"
                                                                      if private_out else ""))
    if result.failed:
        typer.echo("failed rows are listed in the manifest (error); their messages in --private-out", err=True)


@app.command("verify-batch", cls=Command)
@reports_errors
def verify_batch(folder: Path = typer.Argument(..., metavar="DIR", help="A batch folder written by `pyleo prove-batch`."),
                 model: Path | None = typer.Option(None, "--model", help="The converted model file you trust: every "
                                                   "proof must be of its program (and of its committed weights)."),
                 checksum: str | None = typer.Option(None, "--checksum", help="The program checksum you trust "
                                                     "(64 hex digits).")) -> None:
    """Verify every proof of a batch folder against its manifest. Exit status 0 when all are valid."""
    from stdlib_ml.convert import batch

    zk = batch_model(model) if model is not None else None
    check = batch.verify_many(folder, zk=zk, checksum=checksum)
    for row, reason in check.invalid:
        typer.echo(f"INVALID row {row}: {reason}", err=True)
    typer.echo(f"{check.valid} valid proof(s), {check.failed} row(s) recorded as failed, {len(check.invalid)} invalid")
    if zk is None and checksum is None:
        typer.echo("warning: not bound to a program you trust; pass --model or --checksum", err=True)
    if check.invalid:
        raise typer.Exit(1)


@app.command(cls=Command)
@reports_errors
def cost(file: Path = FileArg,
         target: str | None = typer.Argument(None, metavar="PROGRAM.FUNCTION", help="PROGRAM.FUNCTION; all functions when omitted."),
         estimate: bool = typer.Option(False, "--estimate", help="Only the cost model's prediction, even when the circuit fits."),
         detail: bool = typer.Option(False, "--detail", help="Also print where the constraints go (transition, opcodes).")) -> None:
    """Print the number of constraints of each function's circuit.

    Exact (synthesized by snarkVM) when the circuit fits the installed parameters; otherwise, or with
    --estimate, predicted by pyleo's cost model (calibrated against snarkVM), with how far it is over.
    """
    from pyleo.errors import LimitError
    from pyleo.limits import MAX_CONSTRAINTS_LOCAL

    if target:
        prog, fn_name = find_function(file, target)
        pairs = [(prog, fn_name)]
    else:
        pairs = [(p, f.name) for p in load_programs(file).values() for f in p.module.entries]
    typer.echo(f"{'function':<32} {'constraints':>12}  {'source':<10}  provable here (≤ {MAX_CONSTRAINTS_LOCAL:,})")
    for prog, fn_name in pairs:
        n: int | None = None
        if not estimate:
            try:
                n, source = prog.cost(fn_name), "snarkVM"
            except LimitError:
                pass
        predicted = prog.estimate(fn_name) if n is None or detail else None
        if n is None:
            n, source = predicted.total, "cost model"
        verdict = "yes" if n <= MAX_CONSTRAINTS_LOCAL else \
            f"no: over by {n - MAX_CONSTRAINTS_LOCAL:,} ({n / MAX_CONSTRAINTS_LOCAL - 1:.0%}); split the model or use larger parameters"
        typer.echo(f"{prog.name + '.' + fn_name:<32} {n:>12,}  {source:<10}  {verdict}")
        if n > MAX_CONSTRAINTS_LOCAL:
            show_split_plan(prog, fn_name)
        if predicted is not None and detail:
            typer.echo(f"    cost model: {predicted.total:,} = transition {predicted.transition:,.0f} "
                       f"({predicted.transition_source}) + instructions {predicted.body:,.0f}:")
            for opcode, c in predicted.by_opcode.most_common():
                if c:
                    typer.echo(f"      {opcode:<40} {c:>10,.0f}")
            for sig, k in predicted.uncalibrated.items():
                typer.echo(f"      not calibrated, counted as 0: {k} × {sig}")


def show_split_plan(prog: Program, fn_name: str) -> None:
    """Print how pyleo.split would cut a function too large for one circuit, to the local and the mainnet budget."""
    from pyleo import split
    from pyleo.errors import LimitError

    for label, budget in (("here", split.LOCAL_BUDGET), ("mainnet", split.MAINNET_BUDGET)):
        try:
            plan = split.plan(prog.code, fn_name, budget)
        except LimitError as e:
            typer.echo(f"    split to fit {label} ({budget:,} per part): impossible: {e.message}")
            continue
        sizes = ", ".join(f"{p.constraints:,}" for p in plan.parts)
        fits = lambda c: ("fits here" if c <= split.LOCAL_BUDGET else "fits mainnet" if c <= split.MAINNET_BUDGET
                          else "too large")
        opening = [str(p.index) for p in plan.parts if p.opens]
        committed = f"; private inputs committed once, taken by parts {', '.join(opening)}" if opening else ""
        typer.echo(f"    split to fit {label} ({budget:,} per part): {len(plan.parts)} part(s): {sizes} "
                   f"(cost model; {', '.join(sorted({fits(p.constraints) for p in plan.parts}))}{committed})")


@params_app.command("install", cls=Command)
@reports_errors
def params_install(directory: Path = typer.Argument(..., metavar="DIR", help="Folder with the *.usrs and *.metadata files."),
                   dest: Path | None = typer.Option(None, help="Target folder (default ~/.aleo/resources).")) -> None:
    """Copy snarkVM's universal parameters into ~/.aleo/resources under checksum-suffixed names (sha256 checked)."""
    from pyleo import params

    for path in params.install(directory, dest):
        typer.echo(f"installed {path}")


@params_app.command("check", cls=Command)
@reports_errors
def params_check() -> None:
    """Check that the degree-16 parameters are installed."""
    from pyleo import params

    params.check_installed()
    typer.echo("snarkVM parameters are installed")


@cache_app.command("info", cls=Command)
@reports_errors
def cache_info() -> None:
    """Print where the key cache and the model cache are, what they hold and the key cache's size bound."""
    from pyleo import vm

    entries = vm.cached_programs()
    bound = vm.cache_max_bytes()
    total = sum(size for _, size, _ in entries)
    typer.echo(f"key cache: {vm.cache_dir() / 'keys'}")
    typer.echo(f"{len(entries)} program(s), {total / 2**20:,.1f} MiB; bound "
               + (f"{bound / 2**20:,.0f} MiB (PYLEO_CACHE_MAX_MB; least recently used programs go first)"
                  if bound is not None else "none (PYLEO_CACHE_MAX_MB=0)"))
    for d, size, used in entries:
        program = d / "program.aleo"
        name = program.read_text().split(";", 1)[0].removeprefix("program ") if program.is_file() else "?"
        typer.echo(f"  {name:<32} {size / 2**20:>9,.1f} MiB  last used {time.strftime('%Y-%m-%d %H:%M', time.localtime(used))}")
    models = vm.cached_models()
    typer.echo(f"model cache: {vm.model_cache_dir()}")
    typer.echo(f"{len(models)} model file(s), {sum(size for _, size, _ in models) / 2**10:,.1f} KiB (converted models; "
               "with private weights they hold them: `pyleo cache clear` deletes them)")
    for f, size, written in models:
        saved = f" -> {f.readlink()}" if f.is_symlink() else ""
        typer.echo(f"  {f.name:<48} {size / 2**10:>9,.1f} KiB  written {time.strftime('%Y-%m-%d %H:%M', time.localtime(written))}"
                   f"{saved}")


@cache_app.command("clear", cls=Command)
@reports_errors
def cache_clear() -> None:
    """Delete every cached key (they are synthesized again when needed, seconds per function) and every
    cached model file (a conversion writes its file again)."""
    from pyleo import vm

    removed = vm.clear_cache()
    typer.echo(f"deleted the keys of {len(removed)} program(s) from {vm.cache_dir() / 'keys'}")
    models = vm.clear_models()
    typer.echo(f"deleted {len(models)} model file(s) from {vm.model_cache_dir()}")


@app.command("import", cls=Command)
@reports_errors
def import_model(model_file: Path = typer.Argument(..., metavar="MODEL", help="A fitted model: joblib/pickle (scikit-learn, XGBoost "
                                                   "wrappers), an XGBoost JSON/UBJSON file, a PyTorch program "
                                                   "saved by torch.export.save (.pt2; needs pyleo-zk[torch]), an ONNX "
                                                   ".onnx file or a Keras .keras file. Unpickling runs code: import only "
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
                 resolution: int | None = typer.Option(None, "--resolution", help="Networks (.pt2, .onnx, .keras) only: bits per "
                                                       "input spread and per weight (default 12; fewer: narrower, "
                                                       "cheaper sign tests, coarser rounding).")) -> None:
    """Convert a fitted scikit-learn / XGBoost model, a PyTorch program (.pt2), an ONNX graph or a Keras
    model to a pyleo model file (then build, run, prove it)."""
    import warnings

    import numpy as np

    from stdlib_ml import convert

    from pyleo import vm

    vm.check_writable(out, what="--out")   # before the conversion work
    rng: Any = None
    if input_range:
        try:
            parts = [float(v) for v in input_range.split(",")]
        except ValueError:
            raise InputError(f"--input-range takes R or LOW,HIGH (numbers), got {input_range!r}") from None
        if len(parts) not in (1, 2):
            raise InputError(f"--input-range takes R or LOW,HIGH, got {input_range!r}")
        rng = parts[0] if len(parts) == 1 else tuple(parts)
    bits: Any = None
    if input_bits:
        try:
            bits = [int(v) for v in input_bits.split(",")]
        except ValueError:
            raise InputError(f"--input-bits takes B or B1,B2,... (integers), got {input_bits!r}") from None
        bits = bits[0] if len(bits) == 1 else bits
    X = convert.load_rows(data) if data is not None else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", convert.FidelityWarning)
        zk = convert.from_file(model_file, X, input_range=rng, input_bits=bits, name=name,
                               missing_values=missing_values, weights=weights, inputs=inputs, output=output,
                               min_agreement=min_agreement, max_error=max_error, strict=strict,
                               **({"resolution": resolution} if resolution is not None else {}))
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)
    zk.save(out)
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
        measured = f"agreement {f['agreement']:.4f}" if "agreement" in f else f"max error {f['max_rel_error']:.3g} of the range"
        typer.echo(f"fidelity: {measured} with the model's own predict on {f['rows']} of {f['of']} calibration rows "
                   f"({'passed' if f['passed'] else 'BELOW'} {f['bar']})")
    example = X[0] if X is not None else np.nan_to_num(sum(zk.value_range())[: zk.n_features] / 2)
    sample = "[" + ", ".join(f"{v:.6g}" if np.isfinite(v) else "NaN" for v in example) + "]"
    typer.echo(f"inputs: the {zk.n_features} raw feature values as a JSON list (NaN where missing); next: "
               f"pyleo run {out} predict '{sample}', pyleo prove {out} predict '{sample}', pyleo cost {out}")


@app.command(cls=Command)
@reports_errors
def commit(model_file: Path = typer.Argument(..., metavar="MODEL_FILE", help="A model file converted with --weights private (the "
                                             "owner's file)."),
           out: Path | None = typer.Option(None, "--out", "-o", help="Also write the verifier's file (JSON: program, "
                                           "checksum, commitment; no weights).")) -> None:
    """Print the public commitment to a private model's weights (and its program checksum)."""
    from stdlib_ml import convert

    if not convert.is_model_file(model_file):
        raise InputError(f"{model_file} is not a converted model file", hint="convert one with `pyleo import MODEL "
                         "--weights private`")
    zk = convert.load(model_file)
    if zk.weights != "private":
        raise InputError(f"{model_file} has public weights (constants of its program): there is nothing to commit to",
                         hint="convert the model with `pyleo import MODEL --weights private`")
    typer.echo(f"commitment: {zk.commitment}")
    typer.echo(f"program checksum: {zk.program.checksum()}")
    if out is not None:
        zk.save_public(out)
        typer.echo(f"wrote {out} (program, checksum, commitment; no weights). Verifiers run: pyleo verify PROOF "
                   f"--public-model {out}, or --checksum {zk.program.checksum()} --commitment {zk.commitment}")


@app.command(cls=Command)
@reports_errors
def serve(port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free one)."),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; the default takes local "
                                   "connections only (uploads of joblib files are pickles: keep it local).")) -> None:
    """Start the web app: try a model, prove a prediction, verify it on the server and in the browser."""
    from cli.web import serve as run_server

    run_server(host, port)


if __name__ == "__main__":
    app(prog_name="pyleo")
