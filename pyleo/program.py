"""``pl.Program``: a named set of entry points, compiled once to IR and to every back end."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from . import aleo_code, ir, names
from .check import Context
from .comptime import CALLER, Builtin, Importable
from .dsl import DslFunction
from .cost import Estimate, estimate
from .emit_aleo import compile_aleo
from .errors import CompileError, ExecutionError, InputError, ProofError, PyleoError
from .interp import Interpreter, check_args
from .leo_lowering import zero_value
from .types import Address
from .values import coerce, parse_aleo, to_aleo




def function(fn: Callable[..., Any]) -> DslFunction:
    """Decorator: an entry point of a program (one circuit; a Leo ``fn`` inside ``program { }``).

    Calling the decorated function runs the reference interpreter.
    """
    return DslFunction(fn, entry=True)


def inline(fn: Callable[..., Any]) -> DslFunction:
    """Decorator: a helper inlined at each call (a Leo ``fn`` outside the program block).

    Array sizes may be generic (``pl.Array[pl.I64, "N"]``); each size used gets its own copy.
    """
    return DslFunction(fn, entry=False)


poseidon2 = Builtin("poseidon2", "Poseidon2 hash of a value to a field element (`hash.psd2`).")
commit = Builtin("commit", "BHP256 commitment of a value with scalar randomness (`commit.bhp256`).")
cast_lossy = Builtin("cast_lossy", "`pl.cast_lossy(x, pl.U8)`: keep the low bits instead of halting.")
caller = CALLER
"""``pl.caller``: the address that called the entry point (Aleo ``self.caller``), e.g. a mapping's key."""


class Program(Importable):
    """A named Aleo program made of ``@pl.function`` entry points.

    Type-checked on first use, or at once when created at the top level of a script run as ``python
    model.py`` (a compile error then prints as ``file:line:col: error: …`` and the script exits with
    status 1).

    >>> prog = Program("scorer", [score])
    >>> prog.run("score", [1, 2, 3, 4], 10)       # reference interpreter
    >>> prog.evaluate("score", [1, 2, 3, 4], 10)  # snarkVM's circuit, no proof
    >>> proof = prog.prove("score", [1, 2, 3, 4], 10); prog.verify(proof)

    ``imports``: programs whose entry points this one calls (``model.predict(x)`` inside a ``@pl.function``,
    where ``model`` is the imported ``pl.Program``): Aleo ``import model.aleo;`` and ``call model.aleo/predict``,
    one more transition of the same execution. CompileError for something other than a ``pl.Program``, two
    imports of one name, or an import cycle.
    """

    def __init__(self, name: str, functions: Sequence[DslFunction], imports: Sequence["Program"] = ()) -> None:
        problem = names.program_name_problem(name)
        if problem is not None:
            raise CompileError(f"invalid program name {name!r}", hint=problem)
        bad = [f for f in functions if not isinstance(f, DslFunction) or not f.entry]
        if bad or not functions:
            raise CompileError(f"Program {name!r} needs @pl.function entry points, got {bad or 'none'}")
        self.name = name
        self.functions = {f.name: f for f in functions}
        self.imports: dict[str, Program] = {}
        for imp in imports:
            if not isinstance(imp, Program):
                raise CompileError(f"Program {name!r}: imports are pl.Program objects, got {imp!r}",
                                   hint="import a converted model's program: imports=[zk.program]")
            if imp.name in self.imports and self.imports[imp.name] is not imp:
                raise CompileError(f"Program {name!r} imports two different programs named {imp.name}")
            path = imp.import_path(name)
            if path is not None:
                raise CompileError(f"import cycle: {' → '.join([name, *path])}",
                                   hint="a program cannot import itself, directly or through its imports")
            self.imports[imp.name] = imp
        caller = sys._getframe(1)
        if caller.f_globals.get("__name__") == "__main__" and caller.f_code.co_name == "<module>":
            # `python model.py` defining the program at top level: compile now, so that the script reports a
            # compile error (located, no traceback) where the program is defined. Imported (`pyleo run`,
            # tests) or built inside a function (benchmarks), it compiles on first use.
            try:
                self.module
            except PyleoError as e:
                print(e, file=sys.stderr)
                raise SystemExit(1) from None

    def import_path(self, name: str) -> list[str] | None:
        """The chain of imports from this program to a program named ``name`` (``[self.name, …, name]``), or None."""
        if self.name == name:
            return [name]
        for imp in self.imports.values():
            path = imp.import_path(name)
            if path is not None:
                return [self.name, *path]
        return None

    def import_texts(self) -> tuple[str, ...]:
        """The Aleo texts of every program this one imports, directly or not, each after its own imports (the
        order snarkVM adds them to a process)."""
        out: list[str] = []
        for imp in self.imports.values():
            for text in (*imp.import_texts(), imp.aleo()):
                if text not in out:
                    out.append(text)
        return tuple(out)

    @cached_property
    def module(self) -> ir.Module:
        """The typed IR of the whole program (type-checked on first use)."""
        ctx = Context(self.name, self.imports)
        entries = [ctx.check_function(f, {}, entry=True) for f in self.functions.values()]
        return ir.Module(self.name, entries, ctx.helper_list, list(ctx.structs.values()), list(self.imports),
                         [m.decl() for m in ctx.mappings.values()])

    def entry(self, name: str) -> ir.Function:
        for fn in self.module.entries:
            if fn.name == name:
                return fn
        raise InputError(f"program {self.name} has no function {name!r}; it has {', '.join(self.functions)}")

    # ---- back ends -----------------------------------------------------------------------------
    def aleo(self) -> str:
        """The program as Aleo instructions (what snarkVM runs)."""
        return self._aleo

    @cached_property
    def code(self) -> aleo_code.Program:
        """The program as structured Aleo instructions (the text is written from them; the cost model reads them).
        LimitError when a function's execution would have more transitions than a transaction holds."""
        from .errors import LimitError
        from .limits import MAX_TRANSITIONS

        code = compile_aleo(self.module)
        for fn in code.functions:
            n = self._transitions(code, fn.name)
            if n > MAX_TRANSITIONS - 1:
                raise LimitError(f"an execution of {self.name}/{fn.name} has {n} transitions (it and the functions it "
                                 f"calls, each call one); a transaction holds at most {MAX_TRANSITIONS}, the fee's included",
                                 self.functions[fn.name].syntax.loc, "call the model fewer times per execution")
        return code

    def _transitions(self, code: aleo_code.Program, function: str) -> int:
        fn = code.function(function)
        assert fn is not None
        n = 1
        for ins in fn.body:
            if ins.opcode.startswith("call "):
                program, callee = ins.opcode[5:].split("/")
                imported = self.imports[program.removesuffix(".aleo")]
                n += imported._transitions(imported.code, callee)
        return n

    def transitions(self, function: str) -> int:
        """How many transitions one execution of ``function`` has: its own and one per call, those of the called
        functions' calls included (snarkVM proves them in one batch proof)."""
        self.entry(function)
        return self._transitions(self.code, function)

    @cached_property
    def _aleo(self) -> str:
        return aleo_code.render(self.code)

    def check_vm(self) -> None:
        """Have snarkVM parse the program and add it to a process (milliseconds; no keys): VMError with
        snarkVM's reason and the line where it stopped (LimitError for a program over snarkVM's size)
        when it refuses it. The compiler is meant never to emit such a program; this is the guard."""
        from .vm.keys import LOCK, load_program

        with LOCK:
            load_program(self.aleo(), imports=self.import_texts())

    def leo(self) -> str:
        """The program as Leo 4 source (``src/main.leo`` of a Leo project)."""
        from .emit_leo import emit_leo

        return emit_leo(self.module)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write a Leo project (program.json, src/main.leo), ``NAME.aleo`` and ``pyleo.json`` under ``out_dir/NAME``.

        ``pyleo.json`` is the stamp: the program ID, the checksum of ``NAME.aleo`` (snarkVM's program
        checksum) and the pyleo / aleo-sdk / snarkVM versions. Each file is written atomically, and
        only once snarkVM accepts the program (:meth:`check_vm`): VMError (LimitError when too large)
        with snarkVM's reason otherwise, and nothing is written.
        """
        from . import vm
        from .emit_leo import program_json

        root = Path(out_dir) / self.name
        vm.check_writable(root, folder=True)
        self.check_vm()
        stamp = {**vm.stamp(self.aleo()), "checksum_of": f"{self.name}.aleo (sha3-256)"}
        files = {root / "program.json": program_json(self.module), root / "src" / "main.leo": self.leo(),
                 root / f"{self.name}.aleo": self.aleo(), root / "pyleo.json": json.dumps(stamp, indent=1) + "\n"}
        for path, text in files.items():
            vm.write_atomic(path, text.encode())
        return list(files)

    # ---- running -------------------------------------------------------------------------------
    def inputs(self, function: str, args: Sequence[Any]) -> list[Any]:
        """Check arguments against ``function``'s parameters; returns canonical values."""
        return check_args(self.entry(function), args)

    def run(self, function: str, *args: Any, caller: str | None = None) -> Any:
        """Run ``function`` in the reference interpreter (exact circuit semantics, no proof); ``caller``: the
        address ``pl.caller`` reads (InputError when the function reads it and none is given)."""
        values = self.inputs(function, args)
        return Interpreter(None if caller is None else coerce(caller, Address, "caller")).call(self.entry(function), values)

    def final_writes(self, function: str, *args: Any, caller: str) -> dict[str, dict[Any, Any]]:
        """What ``function``'s ``final`` block writes when the address ``caller`` calls it with ``args``:
        ``{mapping: {key: value}}`` (canonical values), by the reference interpreter."""
        interp = Interpreter(caller=coerce(caller, Address, "caller"))
        interp.call(self.entry(function), self.inputs(function, args))
        out: dict[str, dict[Any, Any]] = {}
        for mapping, key, value in interp.writes:
            out.setdefault(mapping, {})[key] = value
        return out

    def run_batch(self, function: str, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """``run`` over many rows of arguments at once (numpy, :mod:`pyleo.vectorized`; a function that calls
        another program or has a final block: row by row): the same results; raises the interpreter's
        ExecutionError for the first row that halts."""
        from .vectorized import run_batch

        code = self.code.function(function)
        if code is not None and (code.final_sets or any(ins.opcode.startswith("call ") for ins in code.body)):
            return [self.run(function, *row) for row in rows]   # calls and final blocks: the interpreter, row by row
        return run_batch(self.entry(function), code, rows)

    def aleo_inputs(self, function: str, args: Sequence[Any]) -> list[str]:
        """``args`` of ``function`` as the Aleo literals snarkVM takes (``['1i64', '[1u8, 2u8]']``), one per
        parameter; raises InputError when an argument does not fit its parameter's type."""
        fn = self.entry(function)
        return [to_aleo(v, p.type) for v, p in zip(self.inputs(function, args), fn.params)]

    def _outputs(self, function: str, texts: Sequence[str]) -> Any:
        fn = self.entry(function)
        values = [parse_aleo(t, rt, "output") for t, rt in zip(texts, fn.returns)]
        if not fn.returns:
            return None
        return tuple(values) if fn.returns_tuple else values[0]

    def evaluate(self, function: str, *args: Any, keys: bool = True) -> Any:
        """Run ``function`` through snarkVM's circuit execution (no proof); a halt raises ExecutionError.
        ``keys=False``: keys not yet cached are not synthesized (see :func:`pyleo.vm.evaluate`). On a terminal, a
        spinner on stderr names the stage (building the proving keys the first time, then running the circuit)."""
        from . import progress, vm

        inputs = self.aleo_inputs(function, args)
        what = "running the circuit on snarkVM"
        with self._located_halts(function, args), progress.stage(progress.keys_stage(self.aleo(), function, what)
                                                                 if keys else what):
            return self._outputs(function, vm.evaluate(self.aleo(), function, inputs, keys=keys,
                                                       imports=self.import_texts()))

    def prove(self, function: str, *args: Any, block_height: int | None = None) -> Any:
        """Execute ``function`` and prove it; returns a :class:`pyleo.vm.Proof` (``.outputs``, ``.constraints``).
        ``block_height``: the consensus rules to prove under (see :func:`pyleo.vm.prove`). On a terminal, a
        spinner on stderr names the stage (building the proving keys the first time, then proving)."""
        from . import progress, vm

        if self.imports:
            raise InputError(f"program {self.name} calls other programs: one execution of several transitions, which "
                             "a proof file does not hold", hint="prove it as a transaction: pyleo.network.execute_transaction "
                             "(or `pyleo execute`), which verifies with snarkVM like the network")
        inputs = self.aleo_inputs(function, args)
        with self._located_halts(function, args), progress.stage(progress.keys_stage(self.aleo(), function, "proving")):
            return vm.prove(self.aleo(), function, inputs, block_height)

    @contextmanager
    def _located_halts(self, function: str, args: Sequence[Any]) -> Iterator[None]:
        """Give a halt snarkVM reports the user's line: the interpreter, which halts on the same inputs,
        knows it. The message keeps snarkVM's own text."""
        try:
            yield
        except ExecutionError as e:
            if e.loc is not None:
                raise
            mine: PyleoError | None = None
            try:
                self.run(function, *args)
            except PyleoError as err:   # the interpreter's own halt; anything else leaves snarkVM's text alone
                mine = err
            if isinstance(mine, ExecutionError) and mine.loc is not None:
                raise ExecutionError(f"{mine.message} (snarkVM: {e.message})", mine.loc, e.hint) from None
            raise

    def fits_here(self, function: str) -> bool:
        """Whether the cost model puts ``function`` within what proves here (16,384 constraints, 2% tolerance:
        near the limit, proving whole is tried first)."""
        from .limits import LOCAL_BUDGET

        return self.estimate(function, synthesize_transition=False).total <= LOCAL_BUDGET * 1.02

    def prove_fitting(self, function: str, *args: Any) -> Any:
        """Prove ``function`` whole when it fits one circuit here (a :class:`pyleo.vm.Proof`), otherwise split
        into the fewest parts that do (a :class:`pyleo.split.SplitProof`); LimitError when neither fits
        (:func:`pyleo.proving.prove` decides)."""
        from . import proving

        return proving.prove(self, function, list(args))

    def prove_split(self, function: str, *args: Any, budget: int | None = None, parts: int | None = None) -> Any:
        """Prove ``function`` split into parts of at most ``budget`` constraints (default the local 16,384;
        :data:`pyleo.split.MAINNET_BUDGET` for mainnet), or into exactly ``parts`` parts; returns a
        :class:`pyleo.split.SplitProof` (``.outputs``, ``.parts``). LimitError when no split fits."""
        from . import split

        from .errors import ExecutionError

        plan = self.split_plan(function, budget, parts)
        values = self.inputs(function, args)
        try:
            return split.prove(plan, values)
        except ExecutionError:
            self.run(function, *args)   # raises the interpreter's reason for the halt
            raise

    def split_plan(self, function: str, budget: int | None = None, parts: int | None = None) -> Any:
        """The :class:`pyleo.split.Plan` of ``function`` (see :meth:`prove_split`)."""
        from . import split

        self.entry(function)
        return split.plan(self.code, function, budget or split.LOCAL_BUDGET, parts)

    def verify_split(self, proof: Any) -> bool:
        """True when a :class:`pyleo.split.SplitProof` is valid for this program's split of its function
        (same budget and parts; every part, link and shared public input checked)."""
        from . import split

        return split.explain(proof, plan=self.trusted_split_plan(proof)) is None

    def trusted_split_plan(self, proof: Any) -> Any:
        """This program's own split of the function ``proof`` claims (its budget; the fewest parts, else
        as many parts as the proof has): the plan a verifier binds a split proof to. ProofError when there is
        none within the proof's budget (the proof is no split of this program's)."""
        from .errors import LimitError

        from .vm import program_checksum

        if proof.function not in self.functions:
            raise ProofError(f"the split proof is of `{proof.function}`, and program {self.name} has no such function "
                             f"(it has {', '.join(self.functions)}): not a split of the model you trust")
        first = None
        for parts in (None, len(proof.parts)):   # the second only when the first is not the proof's (balancing a
            try:                                  # given number of parts is quadratic in the instructions)
                plan = self.split_plan(proof.function, proof.budget, parts)
            except LimitError:
                continue
            if program_checksum(plan.text) == proof.checksum:
                return plan
            first = first or plan
        if first is None:
            raise ProofError(f"the split proof's budget is {proof.budget:,} constraints per part, and program {self.name} "
                             f"has no split of `{proof.function}` within it: not a split of the model you trust")
        return first

    def verify(self, proof: Any) -> bool:
        """True when ``proof`` is a valid proof of one of this program's functions.

        The proof must carry exactly this program (same checksum), and it is checked with the
        verifying key derived from this program, never the one in the proof file.
        """
        from . import vm

        return vm.verify(proof, program=self.aleo())

    def checksum(self) -> str:
        """snarkVM's checksum of this program (sha3-256 of its Aleo text, 64 hex digits): what verifiers pin."""
        from . import vm

        return vm.program_checksum(self.aleo())

    def estimate(self, function: str, synthesize_transition: bool = True) -> Estimate:
        """The cost model's prediction of ``function``'s constraints, for circuits of any size.

        Instructions are costed from the calibrated table; the transition is synthesized by snarkVM
        as an empty function with the same interface (seconds, once) or, with
        ``synthesize_transition=False`` or without parameters, taken from the fitted formula (instant).
        A call of an imported function counts its cost in this circuit only (see :meth:`cost`).
        """
        self.entry(function)
        callees = {f"{p.name}.aleo/{f.name}": [(o.type.aleo(), "public" if o.public else "private") for o in f.outputs]
                   for p in self.imports.values() for f in p.code.functions}
        return estimate(self.code, function, synthesize_transition=synthesize_transition, callees=callees)

    def cost(self, function: str, prepare_proof: bool = True) -> int:
        """Exact number of constraints of ``function``'s circuit (synthesized by snarkVM); a call of an imported
        program's function counts here as the call (its own circuit is another transition: ``model.cost(f)``).

        With ``prepare_proof`` (default), when the key cache lacks the function's keys, the circuit is first run once on zero inputs, which
        synthesizes its proving key together with its verifying key and caches both: a later
        :meth:`prove` (or ``pyleo prove``) of this program loads them instead of building them again. When
        zeros make the circuit halt (an assert, a private model's zero weights), only the verifying key is
        synthesized, from the program text (as always with ``prepare_proof=False``: counting only, e.g. in a
        benchmark). Raises LimitError when the circuit does not fit here. On a terminal, a spinner on stderr names
        the stage while keys are built."""
        from . import progress, vm

        fn = self.entry(function)
        text = self.aleo()
        if vm.keys_cached(text, function):
            return vm.constraints(text, function, self.import_texts())
        prepare = prepare_proof and not self.imports
        with progress.stage(progress.keys_stage(text, function, "counting its constraints") if prepare else
                            f"counting the constraints of {self.name}.{function} (building its verifying key)"):
            if prepare:
                try:
                    self.evaluate(function, *[zero_value(p.type) for p in fn.params])
                except (ExecutionError, InputError):
                    pass   # zeros halt it: the verifying key alone is synthesized below
            return vm.constraints(text, function, self.import_texts())
