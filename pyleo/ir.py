"""The typed IR: one tree that every back end (interpreter, Leo emitter, Aleo emitter) consumes.

Names are resolved, every expression carries its type, constants from the Python globals are
values, and generic helpers are specialized per call signature. Loops keep their compile-time
bounds and conditionals keep their structure; each back end lowers them its own way.

Semantics shared by all back ends (the circuit's):
- every statement is executed, including both sides of an ``if``, so an operation that halts
  (overflow, division by zero) halts even on the side not taken;
- assignments, ``return`` and ``assert`` take effect only where their path condition holds;
- an ``If`` whose condition depends only on compile-time values (``static``) runs one side only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Location
from .types import StructType, Type

# Operators, grouped as the back ends and their tests need them.
ARITH = ("add", "sub", "mul", "div", "rem")
COMPARE = ("eq", "ne", "lt", "le", "gt", "ge")


@dataclass(eq=False)
class Expr:
    type: Type
    loc: Location | None


@dataclass(eq=False)
class Const(Expr):
    """A value known at compile time (canonical form, see :mod:`pyleo.values`)."""

    value: Any


@dataclass(eq=False)
class Var(Expr):
    """A parameter, local variable or loop variable (unique name within its function)."""

    name: str


@dataclass(eq=False)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(eq=False)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(eq=False)
class Select(Expr):
    """``a if cond else b``: both sides computed, one chosen."""

    cond: Expr
    if_true: Expr
    if_false: Expr


@dataclass(eq=False)
class Index(Expr):
    array: Expr
    index: Expr


@dataclass(eq=False)
class Member(Expr):
    struct: Expr
    name: str


@dataclass(eq=False)
class ArrayLit(Expr):
    items: list[Expr]


@dataclass(eq=False)
class StructLit(Expr):
    fields: list[tuple[str, Expr]]


@dataclass(eq=False)
class TupleLit(Expr):
    items: list[Expr]


@dataclass(eq=False)
class Cast(Expr):
    """Checked cast (halts when the value does not fit) or, with ``lossy``, keep the low bits."""

    operand: Expr
    lossy: bool


@dataclass(eq=False)
class Hash(Expr):
    """Poseidon2 hash of any value to a field element (``hash.psd2``)."""

    operand: Expr


@dataclass(eq=False)
class Commit(Expr):
    """BHP256 commitment of a value with scalar randomness (``commit.bhp256``)."""

    operand: Expr
    randomness: Expr


@dataclass(eq=False)
class Call(Expr):
    function: "Function"
    args: list[Expr]


@dataclass(eq=False)
class ExternalCall(Expr):
    """A call of an imported program's entry point (``call PROGRAM.aleo/FUNCTION``): its own transition,
    with the callee's semantics; it runs (and halts) whatever the path condition."""

    program: str
    function: "Function"
    args: list[Expr]


@dataclass(eq=False)
class Caller(Expr):
    """The address that called this entry point (``self.caller``)."""


# ---- statements --------------------------------------------------------------------------------
@dataclass(eq=False)
class Stmt:
    loc: Location | None


@dataclass(eq=False)
class Let(Stmt):
    """Declare a variable (first assignment)."""

    name: str
    type: Type
    value: Expr


@dataclass(eq=False)
class Assign(Stmt):
    """``name[path...] = value``; each path step is an index expression or a member name."""

    name: str
    path: list[Expr | str]
    value: Expr


@dataclass(eq=False)
class For(Stmt):
    var: str
    start: int
    stop: int
    step: int
    body: list[Stmt]


@dataclass(eq=False)
class If(Stmt):
    cond: Expr
    then: list[Stmt]
    orelse: list[Stmt]
    static: bool = False


@dataclass(eq=False)
class Return(Stmt):
    value: Expr | None


@dataclass(eq=False)
class Assert(Stmt):
    cond: Expr
    message: str


@dataclass(eq=False)
class MappingSet(Stmt):
    """``mapping[key] = value`` of an entry point: written on chain, in its ``final`` block (Aleo ``finalize``),
    once the execution is accepted."""

    mapping: str
    key: Expr
    value: Expr


# ---- functions and programs --------------------------------------------------------------------
@dataclass(eq=False)
class Param:
    name: str
    type: Type
    public: bool


@dataclass(eq=False)
class Function:
    """An entry point (``@pl.function``) or a specialized helper (``@pl.inline``)."""

    name: str
    params: list[Param]
    returns: list[Type]
    returns_public: list[bool]
    body: list[Stmt]
    entry: bool
    loc: Location | None
    returns_tuple: bool = False
    locals: dict[str, Type] = field(default_factory=dict)

    @property
    def return_type(self) -> Type | None:
        from .types import TupleType

        if not self.returns:
            return None
        return TupleType(tuple(self.returns)) if self.returns_tuple else self.returns[0]


@dataclass(eq=False)
class Module:
    """Everything one ``pl.Program`` compiles to."""

    name: str
    entries: list[Function]
    helpers: list[Function]
    structs: list[StructType]
    imports: list[str] = field(default_factory=list)
    mappings: list["MappingDecl"] = field(default_factory=list)


@dataclass(frozen=True)
class MappingDecl:
    """An on-chain mapping of the program: ``name: key => value`` (both public)."""

    name: str
    key: Type
    value: Type
