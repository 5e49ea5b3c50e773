"""The structured instruction level between the typed IR and the Aleo text.

:mod:`pyleo.emit_aleo` lowers the IR to a :class:`Program` of :class:`Function` s, each a list of
:class:`Instr` (opcode, operands, result register, result type); :mod:`pyleo.aleo_passes` rewrites
those lists; :func:`render` writes the Aleo text once, at the end, numbering the registers in the
order they are defined (snarkVM requires it). The cost model (:mod:`pyleo.cost`) reads this level
directly.

Registers are identities (:class:`Reg` ``id``), not positions, so a pass can drop or reorder
instructions without renaming anything; an operand is a :class:`Lit` (a constant) or a :class:`Reg`
(a whole register or, with ``path``, an array element or struct member of one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from .types import Address, FutureType, StructType, Type
from .values import to_aleo


@dataclass(frozen=True, slots=True)
class Lit:
    """A constant operand (a canonical value, see :mod:`pyleo.values`)."""

    value: Any
    type: Type

    def __str__(self) -> str:
        return to_aleo(self.value, self.type)


@dataclass(frozen=True, slots=True)
class Reg:
    """Register ``id``, or the element / member at ``path`` inside it (ints index arrays, strings name members)."""

    id: int
    path: tuple[int | str, ...] = ()

    def at(self, step: int | str) -> Reg:
        return Reg(self.id, (*self.path, step))


Operand = Union[Lit, Reg]

CALLER = Lit("self.caller", Address)
"""``self.caller``: an operand snarkVM provides, written as a literal of type address (never folded: see
:meth:`pyleo.emit_aleo.FunctionEmitter.op`)."""

AS_TYPED = frozenset({"cast", "cast.lossy", "hash.psd2", "hash.psd4", "hash.psd8", "commit.bhp256"})
"""Opcodes written with their result type (``… into r3 as u8``)."""


@dataclass(slots=True)
class Instr:
    """One instruction. ``result`` is the register it defines (None for ``assert.eq``), ``type`` that
    register's type; ``pure``: it can never halt, so it may be dropped when nothing reads it."""

    opcode: str
    operands: tuple[Operand, ...]
    result: int | None
    type: Type | None
    pure: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """An input (register ``reg``) or an output (of register ``reg``) with its type and visibility."""

    reg: int
    type: Type
    public: bool


@dataclass(frozen=True, slots=True)
class MappingSet:
    """``set`` of the ``finalize`` block: the ``value``-th argument into ``mapping`` at the ``key``-th one."""

    mapping: str
    key: int
    value: int


@dataclass
class Function:
    """One Aleo ``function``: inputs, instructions, outputs; with on-chain writes, its ``finalize`` block
    (``final_inputs``: the types of the arguments the ``async`` instruction passes it, all public)."""

    name: str
    inputs: list[Param] = field(default_factory=list)
    body: list[Instr] = field(default_factory=list)
    outputs: list[Param] = field(default_factory=list)
    final_inputs: list[Type] = field(default_factory=list)
    final_sets: list[MappingSet] = field(default_factory=list)


@dataclass
class Program:
    """A whole Aleo program: its structs (in declaration order) and functions."""

    name: str
    structs: list[StructType]
    functions: list[Function]
    imports: list[str] = field(default_factory=list)
    mappings: list[tuple[str, Type, Type]] = field(default_factory=list)

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)


# ---- the text, written once ------------------------------------------------------------------------
class Renderer:
    """Writes one function's text, numbering registers in order of definition."""

    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.number: dict[int, int] = {}

    def define(self, reg: int) -> str:
        self.number[reg] = len(self.number)
        return f"r{self.number[reg]}"

    def operand(self, op: Operand) -> str:
        if isinstance(op, Lit):
            return str(op)
        steps = "".join(f"[{s}u32]" if isinstance(s, int) else f".{s}" for s in op.path)
        return f"r{self.number[op.id]}{steps}"

    def instr(self, ins: Instr) -> str:
        args = " ".join(self.operand(a) for a in ins.operands)
        if ins.result is None:
            return f"    {ins.opcode} {args};"
        dest = self.define(ins.result)
        suffix = f" as {ins.type.aleo()}" if ins.opcode in AS_TYPED and ins.type is not None else ""
        return f"    {ins.opcode} {args} into {dest}{suffix};"

    def render(self) -> str:
        lines = [f"function {self.fn.name}:"]
        lines += [f"    input {self.define(p.reg)} as {p.type.aleo()}{_visibility(p)};" for p in self.fn.inputs]
        lines += [self.instr(ins) for ins in self.fn.body]
        lines += [f"    output {self.operand(Reg(p.reg))} as {p.type.aleo()}{_visibility(p)};" for p in self.fn.outputs]
        if self.fn.final_sets:
            lines += ["", f"finalize {self.fn.name}:"]
            lines += [f"    input r{i} as {t.aleo()}.public;" for i, t in enumerate(self.fn.final_inputs)]
            lines += [f"    set r{m.value} into {m.mapping}[r{m.key}];" for m in self.fn.final_sets]
        return "\n".join(lines)


def _visibility(p: Param) -> str:
    """``.public`` / ``.private``; nothing for a future (its type names it)."""
    if isinstance(p.type, FutureType):
        return ""
    return ".public" if p.public else ".private"


def render(program: Program) -> str:
    """The Aleo text of ``program`` (structs, functions, the constructor)."""
    parts = [f"program {program.name}.aleo;"]
    if program.imports:
        parts[0] = "\n".join(f"import {name}.aleo;" for name in program.imports) + "\n\n" + parts[0]
    for s in program.structs:
        parts.append("\n".join([f"struct {s.name}:", *(f"    {n} as {t.aleo()};" for n, t in s.fields)]))
    parts += [f"mapping {name}:\n    key as {k.aleo()}.public;\n    value as {v.aleo()}.public;"
              for name, k, v in program.mappings]
    parts += [Renderer(fn).render() for fn in program.functions]
    parts.append("constructor:\n    assert.eq edition 0u16;")
    return "\n\n".join(parts) + "\n"
