"""Constraint cost model: predicts how many constraints snarkVM synthesizes for an Aleo function.

snarkVM counts constraints exactly, but only for circuits it can synthesize (here: up to 16,384,
the local degree-16 parameters). This model predicts the count from the Aleo instructions alone, so
``pyleo cost`` can size circuits too large to synthesize and say by how much they exceed a limit.

It reads the structured instructions of :mod:`pyleo.aleo_code` (what pyleo emits) or, for Aleo
written elsewhere (hand-written baselines, calibration circuits), the Aleo text itself. The
prediction is the sum of

- the **transition**: a base cost, plus for each input and output a cost fitted on its visibility,
  its number of scalar elements and their bit widths (commitments, encryption and the bit
  decomposition of private integers);
- the **body**: for each instruction, the cost measured for its *signature*: opcode, operand types
  and modes (``c`` constant, ``v`` variable), result type. An instruction whose operands are all
  constants costs nothing (snarkVM folds it).

Every number comes from ``cost_table.json`` next to this module, measured by differential synthesis
(k copies of an instruction against none) with ``python -m benchmarks.cost_calibration``, which also
reports the model's error on every circuit that can be synthesized.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from . import aleo_code
from .errors import VMError

TABLE_PATH = Path(__file__).with_name("cost_table.json")

_INT = re.compile(r"^([ui])(8|16|32|64|128)$")
_LITERAL = re.compile(r"^-?[0-9][0-9_]*(field|group|scalar|[ui](?:8|16|32|64|128))$")
_COMPARISONS = {"is.eq", "is.neq", "lt", "lte", "gt", "gte"}


# ---- Aleo types ------------------------------------------------------------------------------------
def bit_width(scalar: str) -> int:
    """Bits of a scalar type's value (field and scalar: 253, boolean: 1)."""
    m = _INT.match(scalar)
    if m:
        return int(m.group(2))
    return {"boolean": 1, "field": 253, "scalar": 251, "group": 253, "address": 253}.get(scalar, 253)


def split_array(t: str) -> tuple[str, int] | None:
    """``[T; Nu32]`` → (T, N); None for a non-array type."""
    t = t.strip()
    if not (t.startswith("[") and t.endswith("]")):
        return None
    inner = t[1:-1]
    depth = 0
    for i, ch in enumerate(inner):
        depth += ch == "["
        depth -= ch == "]"
        if ch == ";" and depth == 0:
            return inner[:i].strip(), int(inner[i + 1:].strip().removesuffix("u32"))
    raise ValueError(f"malformed array type {t!r}")


FIELD_DATA_BITS = 252
"""Bits of data one field element carries when a value is packed into fields (``to_fields``)."""

SPONGE_RATE = 8
"""Field elements absorbed per Poseidon permutation when inputs and outputs are hashed."""


@dataclass
class TypeInfo:
    """What the model needs of a (possibly compound) type: its scalars and serialized size."""

    scalars: list[str]
    serialized_bits: int

    @property
    def elements(self) -> int:
        return len(self.scalars)

    @property
    def bits(self) -> int:
        return sum(bit_width(s) for s in self.scalars)

    @property
    def fields(self) -> int:
        """Field elements of the value packed by snarkVM's ``to_fields`` (bits and a terminus)."""
        return -(-(self.serialized_bits + 1) // FIELD_DATA_BITS)

    def blocks(self, extra: int) -> int:
        """Poseidon permutations needed to absorb those fields and ``extra`` more (domain, indices)."""
        return -(-(self.fields + extra) // SPONGE_RATE)


# ---- parsing one function ------------------------------------------------------------------------
@dataclass
class Instruction:
    """One instruction with the types and modes of its operands."""

    opcode: str
    operands: list[tuple[str, str]]  # (type, "c" | "v")
    result: str | None
    scale: float = 1.0
    """Share of the calibrated cost that applies here (see :meth:`Analyzer.function`)."""
    fields: int | None = None
    """A hash of an array or a struct: the field elements its operand packs into (``to_fields``)."""

    @property
    def signature(self) -> str:
        ops = ", ".join(f"{t}:{m}" for t, m in self.operands)
        return f"{self.opcode} {ops} -> {self.result or '-'}"

    @property
    def constant(self) -> bool:
        return all(m == "c" for _, m in self.operands)


@dataclass
class Function:
    """A function's interface (type, visibility) and its instructions."""

    name: str
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)


class Analyzer:
    """Reads a program, as structured instructions or as Aleo text: struct definitions, then one
    function's registers, types and modes."""

    def __init__(self, program: str | aleo_code.Program) -> None:
        self.structs: dict[str, list[tuple[str, str]]] = {}
        self.functions: dict[str, list[str] | aleo_code.Function] = {}
        if isinstance(program, aleo_code.Program):
            self.structs = {s.name: [(n, t.aleo()) for n, t in s.fields] for s in program.structs}
            self.functions = {f.name: f for f in program.functions}
        else:
            self._split(program)

    def _split(self, program: str) -> None:
        block: list[str] | None = None
        struct: list[tuple[str, str]] | None = None
        for raw in program.splitlines():
            line = raw.split("//")[0].strip()
            if not line:
                continue
            head = line.split()[0]
            if head in ("function", "struct", "constructor:", "record", "mapping", "closure", "program", "import"):
                block = struct = None
                name = line.split()[1].rstrip(":;") if len(line.split()) > 1 else ""
                if head == "function":
                    block = self.functions.setdefault(name, [])
                elif head == "struct":
                    struct = self.structs.setdefault(name, [])
                continue
            if struct is not None:
                member, _, t = line.rstrip(";").partition(" as ")
                struct.append((member.strip(), t.strip()))
            elif block is not None:
                block.append(line.rstrip(";").strip())

    def scalars(self, t: str) -> list[str]:
        arr = split_array(t)
        if arr:
            return self.scalars(arr[0]) * arr[1]
        if t in self.structs:
            return [s for _, mt in self.structs[t] for s in self.scalars(mt)]
        return [t]

    def paths(self, t: str, prefix: str = "") -> list[tuple[str, str]]:
        """(access path, scalar type) of every scalar in a value of type ``t``, in order."""
        arr = split_array(t)
        if arr:
            return [p for i in range(arr[1]) for p in self.paths(arr[0], f"{prefix}[{i}u32]")]
        if t in self.structs:
            return [p for name, mt in self.structs[t] for p in self.paths(mt, f"{prefix}.{name}")]
        return [(prefix, t)]

    def serialized_bits(self, t: str) -> int:
        """Bits of snarkVM's plaintext serialization (variant, sizes, then the values)."""
        arr = split_array(t)
        if arr:
            return 2 + 32 + arr[1] * (16 + self.serialized_bits(arr[0]))
        if t in self.structs:
            return 2 + 8 + sum(8 + 8 * len(name) + 16 + self.serialized_bits(mt) for name, mt in self.structs[t])
        return 2 + 8 + 16 + bit_width(t)

    def info(self, t: str) -> TypeInfo:
        return TypeInfo(self.scalars(t), self.serialized_bits(t))

    def _member(self, t: str, access: str) -> str:
        """Type of ``access`` (``[3u32]``, ``.x``, chained) applied to a value of type ``t``."""
        for step in re.findall(r"\[[^\]]*\]|\.[A-Za-z_][A-Za-z0-9_]*", access):
            if step.startswith("["):
                arr = split_array(t)
                if arr is None:
                    raise VMError(f"cost model: indexing a non-array type {t}")
                t = arr[0]
            else:
                t = dict(self.structs[t])[step[1:]]
        return t

    def function(self, name: str) -> Function:
        """The function's interface and instructions, with two effects snarkVM has in context:

        - an integer ``ternary`` costs one constraint per result bit that is not the same constant
          in both branches (labels selected among constants have mostly constant high bits);
        - a field's full bit decomposition (``cast.lossy`` from a field) is cached: a second one of
          the same value is free.
        """
        if name not in self.functions:
            raise VMError(f"the program has no function `{name}`", hint=f"its functions: {', '.join(self.functions) or 'none'}")
        body = self.functions[name]
        fn = self._code_function(body) if isinstance(body, aleo_code.Function) else self._text_function(name, body)
        for ins in fn.instructions:
            if ins.opcode.startswith("hash.") and ins.operands:
                t = ins.operands[0][0]
                if split_array(t) or t in self.structs:
                    ins.fields = self.info(t).fields
        return fn

    # ---- structured instructions -----------------------------------------------------------------
    def _code_function(self, code: aleo_code.Function) -> Function:
        fn = Function(code.name, [(p.type.aleo(), _visibility(p)) for p in code.inputs],
                      [(p.type.aleo(), _visibility(p)) for p in code.outputs])
        scope = _Scope()
        types: dict[int, Any] = {p.reg: p.type for p in code.inputs}
        for p in code.inputs:
            scope.regs[p.reg] = (p.type.aleo(), "v")
        for ins in code.body:
            operands = [self._code_operand(op, types, scope) for op in ins.operands]
            fn.instructions.append(scope.instruction(ins.opcode, operands, ins.result, ins.type.aleo() if ins.type else None))
            if ins.result is not None:
                types[ins.result] = ins.type
        return fn

    @staticmethod
    def _code_operand(op: aleo_code.Operand, types: dict[int, Any], scope: _Scope) -> _Operand:
        if isinstance(op, aleo_code.Lit):
            return _Operand(op, op.type.aleo(), "c", op.value)
        t = types[op.id]
        for step in op.path:
            t = t.elem if isinstance(step, int) else dict(t.fields)[step]
        return _Operand(op if op.path else op.id, t.aleo(), scope.regs[op.id][1], None)

    # ---- Aleo text -------------------------------------------------------------------------------
    def _text_function(self, name: str, lines: list[str]) -> Function:
        fn = Function(name)
        scope = _Scope()
        for line in lines:
            op, _, rest = line.partition(" ")
            if op in ("input", "output"):
                reg, _, decl = rest.partition(" as ")
                t, _, vis = decl.rpartition(".")
                (fn.inputs if op == "input" else fn.outputs).append((t, vis))
                if op == "input":
                    scope.regs[reg.strip()] = (t, "c" if vis == "constant" else "v")
            else:
                fn.instructions.append(self._text_instruction(op, rest, scope))
        return fn

    def _text_operand(self, text: str, scope: _Scope) -> _Operand:
        if text in ("true", "false"):
            return _Operand(text, "boolean", "c", text == "true")
        m = _LITERAL.match(text)
        if m:
            return _Operand(text, m.group(1), "c", int(text[: m.start(1)].replace("_", "")))
        m = re.match(r"^(r[0-9]+)(.*)$", text)
        if m and m.group(1) in scope.regs:
            t, mode = scope.regs[m.group(1)]
            return _Operand(text, self._member(t, m.group(2)), mode, None)
        raise VMError(f"cost model: cannot read the operand `{text}`")

    def _text_instruction(self, op: str, rest: str, scope: _Scope) -> Instruction:
        args, _, target = rest.partition(" into ")
        dest, _, as_type = target.partition(" as ")
        operands = [self._text_operand(a, scope) for a in args.split()]
        if as_type:
            result = as_type.strip()
        elif op in _COMPARISONS:
            result = "boolean"
        elif op == "ternary":
            result = operands[1].type
        elif target:
            result = operands[0].type
        else:
            result = None
        return scope.instruction(op, operands, dest.strip() or None, result)


def _visibility(p: aleo_code.Param) -> str:
    return "public" if p.public else "private"


class _Operand(NamedTuple):
    """An operand as the model sees it: an identity (a register, an access path or a literal), its
    scalar type, its mode, and its value when it is a literal."""

    key: Any
    type: str
    mode: str
    value: Any


@dataclass
class _Scope:
    """What is known about one function's registers while reading it (keys: register names in Aleo
    text, register ids in structured instructions)."""

    regs: dict[Any, tuple[str, str]] = field(default_factory=dict)  # register → (type, "c" | "v")
    bits: dict[Any, tuple[int | None, ...]] = field(default_factory=dict)  # integer selects' known bits
    decomposed: set[Any] = field(default_factory=set)  # field operands already decomposed into bits

    def known_bits(self, op: _Operand, t: str) -> tuple[int | None, ...]:
        """Each bit of an integer operand: 0 or 1 when it is a known constant, None when variable."""
        width = bit_width(t)
        if op.value is not None:
            value = int(op.value) % 2**width
            return tuple((value >> i) & 1 for i in range(width))
        return self.bits.get(op.key, (None,) * width)

    def instruction(self, op: str, operands: list[_Operand], dest: Any, result: str | None) -> Instruction:
        """The costed instruction ``op operands`` defining register ``dest`` (None: defines none)."""
        ins = Instruction(op, [(o.type, o.mode) for o in operands], result)
        if op == "ternary" and result and _INT.match(result):
            a, b = self.known_bits(operands[1], result), self.known_bits(operands[2], result)
            merged = tuple(x if x == y else None for x, y in zip(a, b))
            ins.scale = sum(x is None or y is None for x, y in zip(a, b)) / len(merged)
            self.bits[dest] = merged
        elif op == "cast.lossy" and operands[0].type == "field":
            ins.scale = 0.0 if operands[0].key in self.decomposed else 1.0
            self.decomposed.add(operands[0].key)
        if dest is not None:
            self.regs[dest] = (result or "", "c" if ins.constant else "v")
        return ins


# ---- the model -----------------------------------------------------------------------------------
@dataclass
class Estimate:
    """A predicted constraint count, split into the transition and the instructions.

    ``transition_source`` says how the transition was sized: ``"skeleton"`` (snarkVM synthesized a
    function with the same interface and no body) or ``"fitted"`` (the fitted formula).
    """

    function: str
    transition: float
    body: float
    by_opcode: Counter[str]
    uncalibrated: Counter[str]
    transition_source: str = "fitted"

    @property
    def total(self) -> int:
        return round(self.transition + self.body)


EXTERNAL_CALL_BASE = 1569
"""Constraints a ``call`` of another program's function adds to the caller's circuit, besides the caller's hashing
of the callee's outputs (costed as the callee's own outputs, :func:`interface_cost`): measured with snarkVM (aleo-sdk
0.8.0) as the difference between a function that calls ``predict([u8; N]) -> u8`` and the same function adding two
inputs instead: 2,047 with a public output (1,569 once the output's 478 are taken off), 2,852 with a private one
(the table's private u8 output: 1,277; predicted 2,846), N = 4 or 8 alike (2,852 / 2,857). The callee's circuit is
a transition of its own, estimated from its own program."""

FUTURE_OUTPUT = 995
"""Constraints of a function's ``Final`` (Aleo ``future``) output and the ``async`` instruction that makes it, with
two arguments (an address and a boolean): measured with snarkVM as 12,102 for ``[u8; 4] → future`` against 11,585
for ``[u8; 4] → boolean.public`` (whose output the table costs at ~478)."""


@cache
def load_table(path: Path = TABLE_PATH) -> dict[str, Any]:
    """The calibrated cost table (see :mod:`benchmarks.cost_calibration`)."""
    if not path.is_file():
        raise VMError(f"the cost table {path} is missing", hint="regenerate it with `python -m benchmarks.cost_calibration`")
    return json.loads(path.read_text())


def interface_cost(analyzer: Analyzer, items: list[tuple[str, str]], kind: str, table: dict[str, Any]) -> float:
    """Cost of a function's inputs or outputs: per item, a linear function of :func:`interface_features`."""
    coef = table["transition"][kind]
    total = 0.0
    for t, vis in items:
        c = coef.get(vis, coef["private"])
        features = interface_features(analyzer.info(t), int(c["absorbed_extra"]))
        total += sum(c[name] * v for name, v in features.items())
    return total


def interface_features(info: TypeInfo, absorbed_extra: int) -> dict[str, int]:
    """What one input or output's cost depends on: count, scalars, value bits, packed fields, hash blocks."""
    return value_features(info.elements, info.bits, sum(1 for s in info.scalars if s == "field"), info.serialized_bits,
                          absorbed_extra)


def value_features(elements: int, bits: int, field_scalars: int, serialized_bits: int, absorbed_extra: int) -> dict[str, int]:
    """:func:`interface_features` of a value with that many scalars, value bits, field scalars and serialized bits."""
    fields = -(-(serialized_bits + 1) // FIELD_DATA_BITS)
    return {"item": 1, "element": elements, "bit": bits, "field_scalars": field_scalars, "fields": fields,
            "blocks": -(-(fields + absorbed_extra) // SPONGE_RATE)}


def instruction_cost(ins: Instruction, table: dict[str, Any], interpolate: bool = True) -> float | None:
    """Calibrated cost of one instruction; 0 when all operands are constants; None when unknown (``interpolate``:
    also when the table holds it only at other integer widths, else priced by :func:`other_widths`).

    A hash of an array or a struct costs a base plus one Poseidon permutation per ``rate`` of the
    field elements it packs into (``compound_hashes``, measured on snarkVM: ``hash.psd2`` of
    [u64; 4] (2 fields) 782, of [u64; 16] and of [u8; 32] (7 fields) 1,607).
    A ``cast`` that builds an array or a struct from its operands only groups them, and a ``cast`` of an
    integer to a field (the sum of its bits) or of any value to its own type (a copy, as
    :func:`pyleo.aleo_passes.distinct_outputs` makes) changes no bit, nor does an ``and`` of an integer
    with a constant mask: they cost nothing (measured for every such signature the table holds; for
    copies of field, scalar and i128 values snarkVM counts three chained copies as one).
    """
    if ins.constant or not ins.operands:
        return 0.0
    if ins.opcode == "cast" and (len(ins.operands) > 1 or ins.result == ins.operands[0][0]
                                 or _INT.match(ins.operands[0][0]) and ins.result == "field"):
        return 0.0
    if ins.opcode == "and" and _INT.match(ins.operands[0][0]) and any(m == "c" for _, m in ins.operands):
        return 0.0
    compound = table.get("compound_hashes", {}).get(ins.opcode)
    if ins.fields is not None and compound is not None:
        return compound["base"] + compound["per_block"] * -(-ins.fields // compound["rate"])
    cost = table["instructions"].get(ins.signature)
    if cost is None and interpolate:
        cost = other_widths(ins, table)
    return None if cost is None else float(cost) * ins.scale


def width_shape(ins: Instruction) -> tuple[str, int] | None:
    """The instruction's signature with its integer width abstracted (``cast field:v -> uN``), and that width:
    the result's when it is an integer, else the first integer operand's; every operand of that same type is
    abstracted with it (a shift amount's ``u32`` stays). None when no integer type is involved."""
    types = [ins.result or "", *(t for t, _ in ins.operands)]
    m = next((m for m in map(_INT.match, types) if m), None)
    if m is None:
        return None
    t, width = m.group(0), int(m.group(2))
    ops = ", ".join(f"{m.group(1) + 'N' if ty == t else ty}:{mode}" for ty, mode in ins.operands)
    result = m.group(1) + "N" if ins.result == t else ins.result or "-"
    return f"{ins.opcode} {ops} -> {result}", width


def other_widths(ins: Instruction, table: dict[str, Any]) -> float | None:
    """An instruction the table lacks at this integer width, from the same instruction measured at other widths:
    snarkVM's integer gadgets work bit by bit, so the cost is interpolated linearly in the width between the
    nearest measured widths (extrapolated from the two nearest outside them; a single one's cost unchanged: a
    ``cast.lossy`` from a field, measured at one width, is the field's decomposition at any). Checked on the signatures the table holds at three or more widths, each predicted from the
    others (``python -m benchmarks.cost_calibration``: ``cast field:v -> uN`` costs N + 1 at every width).
    None when no width of it was measured."""
    shape = width_shape(ins)
    if shape is None:
        return None
    points = sorted(measured_widths(table).get(shape[0], {}).items())
    width = shape[1]
    if not points:
        return None
    if len(points) == 1:
        return points[0][1]
    below = [p for p in points if p[0] < width]
    above = [p for p in points if p[0] > width]
    (w0, c0), (w1, c1) = (below[-1], above[0]) if below and above else (points[:2] if above else points[-2:])
    return max(0.0, c0 + (c1 - c0) * (width - w0) / (w1 - w0))


def measured_widths(table: dict[str, Any]) -> dict[str, dict[int, float]]:
    """The table's instructions by :func:`width_shape`: abstracted signature → {width: measured cost}."""
    return widths_of(tuple(table["instructions"].items()))


@cache
def widths_of(instructions: tuple[tuple[str, float], ...]) -> dict[str, dict[int, float]]:
    shapes: dict[str, dict[int, float]] = {}
    for sig, c in instructions:
        shape = width_shape(parse_signature(sig))
        if shape is not None:
            shapes.setdefault(shape[0], {})[shape[1]] = float(c)
    return shapes


def parse_signature(sig: str) -> Instruction:
    """The :class:`Instruction` a signature names: ``"add field:v, field:c -> field"`` (operand types hold no comma)."""
    head, _, result = sig.rpartition(" -> ")
    opcode, _, ops = head.partition(" ")
    operands = [(t, m) for t, _, m in (o.rpartition(":") for o in ops.split(", "))] if ops else []
    return Instruction(opcode, operands, None if result == "-" else result)


def skeleton_lines(analyzer: Analyzer, fn: Function) -> list[str] | None:
    """The body of a function that has ``fn``'s interface and a cheap body: outputs are casts of one
    input scalar (free from an integer: bit selection), assembled into arrays and structs. None for a
    function without inputs."""
    lines = [f"input r{i} as {t}.{v};" for i, (t, v) in enumerate(fn.inputs)]
    integers = [f"r{i}{path}" for i, (t, _) in enumerate(fn.inputs) for path, st in analyzer.paths(t) if st != "field"]
    scalars = integers + [f"r{i}{path}" for i, (t, _) in enumerate(fn.inputs) for path, _ in analyzer.paths(t)]
    if not scalars:
        return None
    source = scalars[0]
    regs = iter(f"r{i}" for i in range(len(fn.inputs), 1_000_000))

    def value(t: str) -> str:
        arr = split_array(t)
        members = [value(arr[0]) for _ in range(arr[1])] if arr else \
            [value(mt) for _, mt in analyzer.structs[t]] if t in analyzer.structs else []
        r = next(regs)
        if members:
            lines.append(f"cast {' '.join(members)} into {r} as {t};")
        elif t == "field" and source not in integers:
            lines.append(f"add {source} {source} into {r};")
        else:
            lines.append(f"cast.lossy {source} into {r} as {t};")
        return r

    results = [value(t) for t, _ in fn.outputs]
    return lines + [f"output {r} as {t}.{v};" for r, (t, v) in zip(results, fn.outputs)]


def skeleton(analyzer: Analyzer, fn: Function) -> str | None:
    """A program whose one function ``f`` is :func:`skeleton_lines` (with the program's structs)."""
    lines = skeleton_lines(analyzer, fn)
    if lines is None:
        return None
    structs = "".join(f"struct {n}:\n" + "".join(f"    {m} as {mt};\n" for m, mt in ms) + "\n" for n, ms in analyzer.structs.items())
    body = "".join(f"    {line}\n" for line in lines)
    return f"program pyleo_skeleton.aleo;\n\n{structs}function f:\n{body}\nconstructor:\n    assert.eq edition 0u16;\n"


def skeleton_transition(analyzer: Analyzer, fn: Function, table: dict[str, Any]) -> int | None:
    """The transition's cost: snarkVM synthesizes :func:`skeleton` (cached on disk by its text), less
    the table's cost of the skeleton's own body. None when it cannot (no parameters installed, an
    interface over the limit, no inputs)."""
    from . import vm
    from .errors import PyleoError

    text = skeleton(analyzer, fn)
    if text is None:
        return None
    try:
        count = vm.constraints(text, "f")
    except PyleoError:
        return None
    own = Analyzer(text).function("f")   # its body as the table measured it (one it lacks stays in the transition, as
    # calibrated: with corpus p15's field_to_i64, 12,924 predicted and counted; interpolated, 10,896)
    return count - round(sum(instruction_cost(ins, table, interpolate=False) or 0.0 for ins in own.instructions))


def estimate(program: str | aleo_code.Program, function: str, table: dict[str, Any] | None = None,
             synthesize_transition: bool = False,
             callees: dict[str, list[tuple[str, str]]] | None = None) -> Estimate:
    """Predict the constraints of ``function`` in the Aleo ``program``.

    The instructions are always costed from the calibrated table. The transition comes from the
    fitted formula (instant, within ~2% on interfaces of integer arrays and scalar outputs, less
    exact on field and struct interfaces), or with ``synthesize_transition`` from snarkVM
    synthesizing an empty function with the same interface (a few seconds once, then cached).
    ``callees``: the outputs (type, visibility) of each function of another program it may call
    (``"model.aleo/predict"``), which a ``call`` costs (:data:`EXTERNAL_CALL_BASE`); a future output costs
    :data:`FUTURE_OUTPUT`.
    """
    table = table or load_table()
    an = Analyzer(program)
    fn = an.function(function)
    futures = [o for o in fn.outputs if o[0].endswith(".future")]
    exact = skeleton_transition(an, fn, table) if synthesize_transition and not futures else None
    if exact is not None:
        transition, source = float(exact), "skeleton"
    else:
        outputs = [o for o in fn.outputs if o not in futures]
        transition, source = table["transition"]["base"] + interface_cost(an, fn.inputs, "inputs", table) \
            + interface_cost(an, outputs, "outputs", table) + FUTURE_OUTPUT * len(futures), "fitted"
        transition -= hashed_output_overlap(table) * hashed_outputs(an, function)
    by_opcode: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for ins in fn.instructions:
        if ins.opcode.startswith("async "):
            continue   # costed with the future output
        if ins.opcode.startswith("call ") and (callees or {}).get(ins.opcode[5:]) is not None:
            by_opcode["call"] += EXTERNAL_CALL_BASE + interface_cost(an, (callees or {})[ins.opcode[5:]], "outputs", table)
            continue
        c = instruction_cost(ins, table)
        if c is None:
            unknown[ins.signature] += 1
        else:
            by_opcode[ins.opcode] += c
    return Estimate(function, transition, sum(by_opcode.values()), by_opcode, unknown, source)


def hashed_output_overlap(table: dict[str, Any]) -> float:
    """What the fitted price of a public ``field`` output counts twice when the field is a hash's result (a link's
    commitment, :mod:`pyleo.split`): the decomposition of its bits, which ``compound_hashes`` already prices (measured,
    the table's ``hashed_output``: a ``hash.psd8`` / ``hash.psd4`` commitment costs snarkVM ~114 constraints less than
    the hash and the output priced apart)."""
    return float(table.get("hashed_output", {}).get("overlap", 0.0))


def hashed_outputs(an: Analyzer, function: str) -> int:
    """How many public ``field`` outputs of ``function`` are the results of a ``hash.psd*`` instruction."""
    fn = an.functions[function]
    if isinstance(fn, aleo_code.Function):
        hashed = {ins.result for ins in fn.body if ins.opcode.startswith("hash.psd") and ins.type.aleo() == "field"}
        return sum(1 for p in fn.outputs if p.public and p.reg in hashed and p.type.aleo() == "field")
    hashed_regs = {m.group(1) for line in fn if (m := _HASH_RESULT.match(line.strip()))}
    return sum(1 for line in fn if (m := _PUBLIC_FIELD_OUTPUT.match(line.strip())) and m.group(1) in hashed_regs)


_HASH_RESULT = re.compile(r"hash\.psd\d+ \S+ into (r\d+) as field;?$")
_PUBLIC_FIELD_OUTPUT = re.compile(r"output (r\d+) as field\.public;?$")


def signatures(program: str | aleo_code.Program) -> Counter[str]:
    """Signatures of every non-constant instruction of every function (what calibration must cover)."""
    an = Analyzer(program)
    found: Counter[str] = Counter()
    for name in an.functions:
        for ins in an.function(name).instructions:
            if not ins.constant and ins.operands:
                found[ins.signature] += 1
    return found
