"""What a cut of a function carries: the order of its instructions (:func:`schedule`), which registers are live
at each cut and what carrying them costs (:class:`Liveness`), the integers a field value may cross as
(:func:`narrowing`), and the hash of each link (:func:`link_hash`). The analysis :mod:`pyleo.split` plans with.
"""

from __future__ import annotations

import math
from typing import Any

from .aleo_code import Function, Instr, Reg
from .aleo_passes import field_intervals
from .cost import FIELD_DATA_BITS, Analyzer, load_table, value_features
from .limits import MAX_STRUCT_MEMBERS
from .types import IntType, Type

BLINDING = IntType(128, False)
"""Type of the links' blinding value (uniformly random per proof; the index ``i`` in each link keeps the hashed
values of two links apart, so equal carried values give unrelated commitments)."""

INDEX = IntType(8, False)


def hash_cost(fields: int, opcode: str) -> float:
    """Constraints of ``opcode`` (one of :data:`LINK_HASHES`) over ``fields`` field elements (a link's packed fields, or
    a value whose serialization packs into that many): a base plus one permutation per ``rate`` fields, from the cost
    table's ``compound_hashes`` (measured by ``benchmarks.link_costs``, docs/split.md)."""
    h = load_table()["compound_hashes"][opcode]
    return h["base"] + h["per_block"] * math.ceil(fields / h["rate"])


LINK_HASHES = ("hash.psd2", "hash.psd4", "hash.psd8")


def link_hash(fields: int) -> tuple[str, float]:
    """The cheaper hash of :data:`LINK_HASHES` for a link of ``fields`` field elements, and its cost."""
    return min(((op, hash_cost(fields, op)) for op in LINK_HASHES), key=lambda x: x[1])

# ---- order -------------------------------------------------------------------------------------------
HUB = 32
"""A value read by more instructions than this does not pull its readers forward (:func:`schedule`)."""


def schedule(fn: Function) -> Function:
    """``fn`` with its instructions reordered so values are computed just before they are needed and
    consumed as soon as they can be.

    A post-order walk from the outputs (then from every other instruction, in order) emits each
    instruction right after what it reads, and after each one, every instruction whose operands are
    now all computed, unless one of them is a hub read by more than :data:`HUB` instructions (a
    feature every node compares): a running sum takes each tree's vote as soon as the tree is done, a
    trees come one after the other instead of all comparisons first, so few values live across a
    cut. Every instruction is kept and reads only values defined before it; the circuit is the same.
    """
    where = {ins.result: i for i, ins in enumerate(fn.body) if ins.result is not None}
    deps = [sorted({where[r] for r in registers_read(ins) if r in where}) for ins in fn.body]
    users: list[list[int]] = [[] for _ in fn.body]
    for i, ds in enumerate(deps):
        for j in ds:
            users[j].append(i)
    missing = [len(ds) for ds in deps]
    roots = [where[p.reg] for p in fn.outputs if p.reg in where] + list(range(len(fn.body)))
    done = [False] * len(fn.body)
    order: list[int] = []

    def emit(i: int) -> None:
        ready = [i]
        while ready:
            j = ready.pop()
            if done[j]:
                continue
            done[j] = True
            order.append(j)
            for u in users[j]:
                missing[u] -= 1
                if missing[u] == 0 and fn.body[u].pure and all(len(users[d]) <= HUB for d in deps[u]):
                    ready.append(u)

    for root in roots:
        stack = [root]
        while stack:
            i = stack[-1]
            if done[i]:
                stack.pop()
                continue
            todo = [d for d in deps[i] if not done[d]]
            if todo:
                stack.extend(reversed(todo))
            else:
                stack.pop()
                emit(i)
    return Function(fn.name, fn.inputs, [fn.body[i] for i in order], fn.outputs)

# ---- liveness ------------------------------------------------------------------------------------------
def registers_read(ins: Instr) -> list[int]:
    """The registers ``ins`` reads."""
    return [op.id for op in ins.operands if isinstance(op, Reg)]


class Liveness:
    """Where each register is defined and last read, and the cost of carrying what is live at each cut."""

    def __init__(self, fn: Function, reads: list[set[int]], out_reads: set[int], types: dict[int, Type],
                 an: Analyzer, table: dict[str, Any], narrow: dict[int, tuple[int, IntType]], commit: bool) -> None:
        n = self.n = len(fn.body)
        self.types = types
        self.narrow = narrow
        self.uses: dict[int, list[int]] = {p.reg: [] for p in fn.inputs}
        self.last: dict[int, int] = {}
        self.defined: dict[int, int] = {}
        for i, ins in enumerate(fn.body):
            for r in sorted(reads[i]):
                self.last[r] = i
                if r in self.uses and (not self.uses[r] or self.uses[r][-1] != i):
                    self.uses[r].append(i)
            if ins.result is not None:
                self.defined[ins.result] = i
        for r in out_reads:
            self.last[r] = n
            if r in self.uses:
                self.uses[r].append(n)
        for p in fn.inputs:  # a private input enters at its first reader, then is carried while read, unless the
            if not commit and not p.public and self.uses[p.reg]:   # private inputs are committed once (COMMITTED_INPUTS)
                self.defined[p.reg] = self.uses[p.reg][0]
        # features of the live set at each cut c (registers defined before c and read at c or later): elements,
        # bits, field scalars, serialized bits, the sender's narrowing casts
        self.count: list[int] = []  # how many registers are live at each cut
        feats = [0] * 5
        born: dict[int, list[int]] = {}
        dies: dict[int, list[int]] = {}
        for r, d in self.defined.items():
            if r in self.last and self.last[r] > d:
                born.setdefault(d + 1, []).append(r)
                dies.setdefault(self.last[r] + 1, []).append(r)
        self.member: dict[int, tuple[int, ...]] = {}
        current: set[int] = set()
        self.features: list[tuple[int, ...]] = []
        for c in range(n + 1):
            for r in born.get(c, []):
                current.add(r)
                info = an.info(self.carried_type(r).aleo())
                cast = narrowing_cost(self.narrow[r][1], table) if r in self.narrow else 0
                self.member[r] = (info.elements, info.bits, sum(s == "field" for s in info.scalars),
                                  8 + 8 * 4 + 16 + info.serialized_bits, cast)
                feats = [a + b for a, b in zip(feats, self.member[r])]
            for r in dies.get(c, []):
                current.discard(r)
                feats = [a - b for a, b in zip(feats, self.member[r])]
            self.count.append(len(current))
            self.features.append(tuple(feats))
        blinding, index = an.info(BLINDING.aleo()), an.info(INDEX.aleo())
        self.blinding = (2, 136, 0, 2 * (8 + 8 + 16) + blinding.serialized_bits + index.serialized_bits, 0)
        self.coef_in = table["transition"]["inputs"]["private"]

    def live(self, c: int) -> list[int]:
        """The registers live at cut ``c`` (defined before it, read at or after it), in order."""
        return sorted(r for r, d in self.defined.items() if d < c <= self.last.get(r, -1))

    def carried_type(self, r: int) -> Type:
        """The type register ``r`` has in a link: its own, or the integer it is narrowed to (:func:`narrowing`)."""
        return self.narrow[r][1] if r in self.narrow else self.types[r]

    def link_features(self, c: int) -> tuple[int, int, int, int]:
        """(scalars, value bits, field scalars, serialized bits) of the link at cut ``c`` (its index and blinding value
        included), what its cost as a private input depends on (:func:`private_input_cost`)."""
        e, b, f, s = (a + x for a, x in zip(self.features[c][:4], self.blinding[:4]))
        return e, b, f, s + 2 + 8 + (self.count[c] > MAX_STRUCT_MEMBERS - 2) * 16 * self.count[c] // MAX_STRUCT_MEMBERS

    def link_costs(self, c: int) -> tuple[float, float, float]:
        """(transition cost as a private input, cost of its hash (:func:`link_hash`), the sender's narrowing casts)
        of the link at cut ``c`` (estimate)."""
        return private_input_cost(self.link_features(c), self.coef_in), link_hash(self.fields(c))[1], self.features[c][4]

    def fields(self, c: int) -> int:
        """Field elements the link at cut ``c`` serializes into (what its hash absorbs)."""
        return -(-(self.link_features(c)[3] + 1) // FIELD_DATA_BITS)

    def link_opcode(self, c: int) -> str:
        """The hash of the link at cut ``c`` (:func:`link_hash` of its serialized fields)."""
        return link_hash(self.fields(c))[0]


def private_input_cost(features: tuple[int, int, int, int], coef: dict[str, float]) -> float:
    """The transition's cost of one private input of ``features`` (scalars, value bits, field scalars, serialized
    bits): the cost table's fitted formula (``coef``, as :func:`pyleo.cost.interface_cost`)."""
    return sum(coef[name] * v for name, v in value_features(*features, int(coef["absorbed_extra"])).items())


def folded(inner: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """The features of a struct whose members (one-letter names) have the features ``inner``."""
    return (sum(x[0] for x in inner), sum(x[1] for x in inner), sum(x[2] for x in inner),
            2 + 8 + sum(8 + 8 + 16 + x[3] for x in inner))


NARROW_TYPES = tuple(IntType(b, False) for b in (8, 16, 32, 64, 128))
"""The unsigned types a field value crossing a cut may travel as (the narrowest its bounds fit)."""


def narrowing(fn: Function) -> dict[int, tuple[int, IntType]]:
    """For each field register of ``fn`` whose integer bounds ``[lo, hi]`` are known
    (:func:`pyleo.aleo_passes.field_intervals`): ``(lo, t)``, ``t`` the narrowest unsigned type holding
    ``hi - lo``. A link carries such a value as ``v - lo`` of type ``t`` (the sender's checked ``cast``,
    ``bits + 1`` constraints, proves it fits) instead of a field element (measured as a private input:
    ~390 constraints per field scalar besides its bits, and its 253 bits in the hash); the receiver
    casts it back to a field and adds ``lo`` (no constraint)."""
    found = {}
    for r, (lo, hi) in field_intervals(fn).items():
        t = next((t for t in NARROW_TYPES if hi - lo <= t.max), None)
        if t is not None:
            found[r] = (lo, t)
    return found


def narrowing_cost(t: IntType, table: dict[str, Any]) -> float:
    """Constraints of the checked ``cast`` of a field to ``t`` (the cost table's, else ``bits + 1``)."""
    return float(table["instructions"].get(f"cast field:v -> {t.aleo()}", t.bits + 1))
