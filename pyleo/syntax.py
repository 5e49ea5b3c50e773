"""The surface syntax tree: what the parser produces, with a source location on every node."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Location


@dataclass
class Node:
    loc: Location


# ---- expressions -------------------------------------------------------------------------------
@dataclass
class Name(Node):
    id: str


@dataclass
class Constant(Node):
    """A literal: int, bool, str (docstrings and generic size names) or None."""

    value: Any


@dataclass
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass
class UnaryOp(Node):
    op: str
    operand: Node


@dataclass
class BoolOp(Node):
    op: str  # "and" | "or"
    values: list[Node]


@dataclass
class Compare(Node):
    left: Node
    ops: list[str]
    comparators: list[Node]


@dataclass
class IfExp(Node):
    test: Node
    body: Node
    orelse: Node


@dataclass
class Call(Node):
    func: Node
    args: list[Node]
    keywords: list[tuple[str, Node]] = field(default_factory=list)


@dataclass
class Subscript(Node):
    value: Node
    index: list[Node]


@dataclass
class Attribute(Node):
    value: Node
    attr: str


@dataclass
class Tuple(Node):
    elts: list[Node]


@dataclass
class List(Node):
    elts: list[Node]


@dataclass
class ListComp(Node):
    """``[elt for target in range(...)]`` (one ``for``, no ``if``)."""

    elt: Node
    target: Node
    iter: Node


# ---- statements --------------------------------------------------------------------------------
@dataclass
class AnnAssign(Node):
    target: Node
    annotation: Node
    value: Node | None


@dataclass
class Assign(Node):
    target: Node
    value: Node


@dataclass
class AugAssign(Node):
    target: Node
    op: str
    value: Node


@dataclass
class ExprStmt(Node):
    value: Node


@dataclass
class Return(Node):
    value: Node | None


@dataclass
class Assert(Node):
    test: Node
    msg: Node | None


@dataclass
class Pass(Node):
    pass


@dataclass
class If(Node):
    test: Node
    body: list[Node]
    orelse: list[Node]


@dataclass
class For(Node):
    target: Node
    iter: Node
    body: list[Node]


@dataclass
class Param(Node):
    name: str
    annotation: Node | None


@dataclass
class FunctionDef(Node):
    name: str
    params: list[Param]
    returns: Node | None
    body: list[Node]
