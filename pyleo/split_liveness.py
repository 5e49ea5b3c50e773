"""What a cut of a function carries: the order of its instructions (:func:`schedule`), which registers are live
at each cut and what carrying them costs (:class:`Liveness`), the integers a field value may cross as
(:func:`narrowing`), and the hash of each link (:func:`link_hash`). The analysis :mod:`pyleo.split` plans with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .aleo_code import Function, Instr, Reg
from .aleo_passes import field_intervals
from .cost import FIELD_DATA_BITS, Analyzer, load_table, value_features
from .limits import MAX_ARRAY_LENGTH, MAX_STRUCT_MEMBERS
from .types import ArrayType, FieldType, IntType, Type

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

# ---- layout ------------------------------------------------------------------------------------------
WORD = IntType(128, False)
"""The integer that narrow values of a link are packed into (:func:`link_layout`)."""

PACKED_BITS = {False: 32, True: 16}
"""Unsigned integers of at most this many bits cross a cut packed into :data:`WORD` s (:func:`link_layout`): values
of integer type (a private input's elements, mostly passed on unchanged), and values narrowed from fields
(:func:`narrowing`: computed, so repacked by the part that changes them, where a ``u32``'s serialization saved, ~28
bits, is less than its share of the word's cast, ~32 constraints; measured on the int8 CNN of
``tests/test_convert_quantized.py``)."""


@dataclass(frozen=True)
class Member:
    """One member of a link (:func:`link_layout`): its type, the positions of the values it holds, and ``width``:
    0 when it holds them as they are (a lone value, or an array of them), else the bits of each value packed into
    :data:`WORD` s (``128 // width`` a word, the first in the lowest bits)."""

    type: Type
    values: list[int]
    width: int = 0

    def slot(self, k: int) -> tuple[tuple[int, ...], int | None]:
        """Where the member's ``k``-th value sits: the index path inside the member (``()`` for a lone value or word)
        and, when packed, its shift inside that word."""
        if not self.width:
            return ((k,) if len(self.values) > 1 else ()), None
        per = WORD.bits // self.width
        return ((k // per,) if len(self.values) > per else ()), (k % per) * self.width


def packed_width(t: Type, narrowed: bool) -> int:
    """The bits a value of ``t`` (``narrowed`` from a field or not) takes packed in a :data:`WORD` (an unsigned integer
    of at most :data:`PACKED_BITS` bits), else 0."""
    return t.bits if isinstance(t, IntType) and not t.signed and t.bits <= PACKED_BITS[narrowed] else 0


def link_layout(types: list[Type], narrowed: list[bool]) -> list[Member]:
    """The members of a link carrying values of ``types`` (in order), beside its index and blinding value: one member
    per distinct type, in the order of its first value, and apart for values ``narrowed`` from fields (:func:`narrowing`:
    computed values, which come and go, so an integer input's packed words pass through a part unchanged more often):
    the type itself for a lone value; several unsigned integers
    of at most :data:`PACKED_BITS` packed into ``u128`` words (one, or an array of them); other values as an array
    ``[t; m]`` (chunks of at most :data:`pyleo.limits.MAX_ARRAY_LENGTH`).

    What a link costs is mostly its serialization (snarkVM's plaintext bits, :meth:`pyleo.cost.Analyzer.serialized_bits`,
    packed into field elements of 252 bits): its private input pays ~1,020 constraints and its hash ~530 per sponge
    block of 8 field elements (docs/split.md). A struct member serializes with 24 + 8 per character of its name
    besides its value, an array element with 16, and every integer with 26 (its variant, type and size): 13 ``u64``
    values take 7 field elements as one array, 8 as members ``v0 … v12``; a ``u8`` takes 50 bits for its 8 (16 of
    them packed into a ``u128``: 170). Packing costs the sender one checked ``cast`` of the word (~129 constraints,
    :func:`pack_cost`; the values were narrowed already), the receiver nothing (``shr`` and ``cast.lossy`` of an input's
    known bits)."""
    by_type: dict[tuple[str, bool], tuple[Type, list[int]]] = {}
    for i, (t, n) in enumerate(zip(types, narrowed)):
        by_type.setdefault((t.aleo(), n), (t, []))[1].append(i)
    members = []
    for (_, narrow), (t, at) in by_type.items():
        width = packed_width(t, narrow) if len(at) > 1 else 0
        per = WORD.bits // width if width else 1
        for k in range(0, len(at), per * MAX_ARRAY_LENGTH):
            chunk = at[k:k + per * MAX_ARRAY_LENGTH]
            units = -(-len(chunk) // per)
            unit = WORD if width else t
            lone = units == 1 and (width or len(chunk) == 1)
            members.append(Member(unit if lone else ArrayType(unit, units), chunk, width))
    return members


MEMBER_NAMES = "abcdefhjklmnopqstuvwxyz"
"""Names of a link's members (:func:`member_name`): one letter each, not ``g`` (a group of members), ``i`` (the
index) or ``r`` (the blinding value)."""


def member_name(k: int) -> str:
    """The name of a link's ``k``-th member: one letter (8 serialized bits fewer than ``a0``, ``a1`` …), then a number."""
    return MEMBER_NAMES[k % len(MEMBER_NAMES)] + (str(k // len(MEMBER_NAMES)) if k >= len(MEMBER_NAMES) else "")


MEMBER_BITS = 8 + 8 * 1 + 16
"""Serialized bits of a link member's name (:func:`member_name`: its length, one character) and size, besides its
value."""

WORD_BITS = 2 + 8 + 16 + WORD.bits
"""Serialized bits of one :data:`WORD`."""


def member_shape(t: Type, narrowed: bool, one: tuple[int, int, int], count: int) -> tuple[int, int, int, int]:
    """(scalars, value bits, serialized bits, packed words) of the member of :func:`link_layout` holding ``count``
    values of ``t`` (``narrowed`` or not), one of which has ``one`` (scalars, value bits, serialized bits): a lone
    value, an array of them, or packed words."""
    if not count:
        return 0, 0, 0, 0
    width = packed_width(t, narrowed) if count > 1 else 0
    if width:
        words = -(-count // (WORD.bits // width))
        serialized = WORD_BITS if words == 1 else 2 + 32 + words * (16 + WORD_BITS)
        return words, words * WORD.bits, MEMBER_BITS + serialized, words
    e, b, ser = one
    return count * e, count * b, MEMBER_BITS + (ser if count == 1 else 2 + 32 + count * (16 + ser)), 0


def pack_cost(table: dict[str, Any]) -> float:
    """Constraints of packing one :data:`WORD` (its checked ``cast`` from the field sum of its values)."""
    return float(table["instructions"].get(f"cast field:v -> {WORD.aleo()}", WORD.bits + 1))

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
    # in operand order: a running sum's chain is walked from its first term
    deps = [list(dict.fromkeys(where[r] for r in registers_read(ins) if r in where)) for ins in fn.body]
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

SUNK = frozenset({"add", "sub", "mul", "neg"})
"""Opcodes :func:`sunk` moves: a field value of one register and constants (a weight times a feature: no constraint)."""


def sunk(fn: Function) -> Function:
    """``fn`` with every pure field ``add``/``sub``/``mul``/``neg`` of one register and constants (:data:`SUNK`) moved to
    just before its first reader (chains of them, from the last, each before the next; not when two readers would be
    emitted around the same place, whose order is not tracked).

    Such an instruction reads one value ``y`` and defines one ``x``: moved down, ``y`` is live where ``x`` was, so no cut
    carries more values, and fewer when ``y`` has several such readers (a feature times each of the 10 weights of a
    dense layer's outputs, which :func:`schedule` emits as soon as the feature is computed: measured on the digits CNN
    at ``resolution=9``, 16 values crossed the cuts in its dense layer, 6 of them products waiting for a partial sum;
    10 once they are sunk). Every instruction still reads only values defined before it; the circuit is the same."""
    readers: dict[int, list[int]] = {}
    for i, ins in enumerate(fn.body):
        for r in set(registers_read(ins)):
            readers.setdefault(r, []).append(i)
    n = len(fn.body)
    anchor = list(range(n))   # the unmoved instruction each one is emitted just before (or as: itself)
    before: dict[int, list[int]] = {}  # instruction → those moved to just before it (the last moved first)
    for i in range(n - 1, -1, -1):
        ins = fn.body[i]
        if not (ins.pure and ins.opcode in SUNK and isinstance(ins.type, FieldType) and ins.result in readers
                and len(set(registers_read(ins))) == 1):
            continue
        first = min(readers[ins.result], key=anchor.__getitem__)
        if sum(1 for j in readers[ins.result] if anchor[j] == anchor[first]) == 1:   # the only reader emitted first
            before.setdefault(first, []).append(i)
            anchor[i] = anchor[first]
    order: list[int] = []
    for j in range(n):
        if anchor[j] != j:
            continue
        stack = [(j, False)]
        while stack:
            k, ready = stack.pop()
            if ready:
                order.append(k)
                continue
            stack.append((k, True))
            stack.extend((m, False) for m in before.get(k, ()))   # popped in their original order
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
        # bits, field scalars, serialized bits (the link's members, link_layout), the sender's narrowing casts
        self.count: list[int] = []  # how many registers are live at each cut
        feats = [0] * 5
        class_words: dict[tuple[str, bool], int] = {}   # packed words by class
        signature: dict[tuple[str, bool], int] = {}     # a sum of the live registers of each class, mixed
        of_type: dict[tuple[str, bool], int] = {}    # live registers by class (self.kind)
        shapes: dict[tuple[str, bool], tuple[Type, bool, tuple[int, int, int]]] = {}   # a class: its type, narrowed, one value's (scalars, bits, serialized)
        born: dict[int, list[int]] = {}    # cut → the registers live from it on (defined just before it)
        dies: dict[int, list[int]] = {}    # cut → the registers live up to the cut before it
        self.born, self.dies = born, dies
        for r, d in self.defined.items():
            if r in self.last and self.last[r] > d:
                born.setdefault(d + 1, []).append(r)
                dies.setdefault(self.last[r] + 1, []).append(r)
        self.member: dict[int, tuple[int, ...]] = {}
        self.groups: list[int] = []  # how many members (distinct carried types) the link at each cut has
        current: set[int] = set()
        self.features: list[tuple[int, ...]] = []
        self.class_words: list[dict[tuple[str, bool], int]] = []   # how many packed words (link_layout) by class
        self.signatures: list[dict[tuple[str, bool], int]] = []    # which registers of each class are live (summed, mixed)

        def mixed(r: int) -> int:   # register r's share of its class's signature
            return (r * 0x9E3779B97F4A7C15 + 1) % (1 << 64)

        def counted(t: tuple[str, bool], step: int, r: int) -> None:   # register r of class t in (step 1) or out (-1)
            n = of_type.get(t, 0)
            of_type[t] = n + step
            before, after = (member_shape(*shapes[t], m) for m in (n, n + step))
            for k, at in enumerate((0, 1, 3)):
                feats[at] += after[k] - before[k]
            if after[3]:
                class_words[t] = after[3]
            else:
                class_words.pop(t, None)
            signature[t] = (signature.get(t, 0) + step * mixed(r)) % (1 << 64)

        for c in range(n + 1):
            for r in born.get(c, []):
                current.add(r)
                carried = self.carried_type(r)
                info = an.info(carried.aleo())
                shapes[self.kind(r)] = carried, r in self.narrow, (info.elements, info.bits, info.serialized_bits)
                cast = narrowing_cost(self.narrow[r][1], table) if r in self.narrow else 0
                self.member[r] = (0, 0, sum(s == "field" for s in info.scalars), 0, cast)
                feats = [a + b for a, b in zip(feats, self.member[r])]
                counted(self.kind(r), 1, r)
            for r in dies.get(c, []):
                current.discard(r)
                feats = [a - b for a, b in zip(feats, self.member[r])]
                counted(self.kind(r), -1, r)
            self.count.append(len(current))
            self.groups.append(sum(1 for k in of_type.values() if k))
            self.features.append(tuple(feats))
            self.class_words.append(dict(class_words))
            self.signatures.append(dict(signature))
        self.pack = pack_cost(table)
        self.costs: dict[int, tuple[float, float, float]] = {}
        blinding, index = an.info(BLINDING.aleo()), an.info(INDEX.aleo())
        self.blinding = (2, 136, 0, 2 * (8 + 8 + 16) + blinding.serialized_bits + index.serialized_bits, 0)   # i, r
        self.coef_in = table["transition"]["inputs"]["private"]

    def live(self, c: int) -> list[int]:
        """The registers live at cut ``c`` (defined before it, read at or after it), in order."""
        return sorted(r for r, d in self.defined.items() if d < c <= self.last.get(r, -1))

    def new_casts(self, s: int, e: int) -> float:
        """The casts a part ``[s, e)`` makes to build its outgoing link: the narrowing casts (:func:`narrowing`) of the
        values it computes (a value carried through the part crosses as the integer it came in as, no cast) and those
        of :meth:`repack`."""
        return sum(self.member[r][4] for r in self.live(e) if self.defined[r] >= s) + self.repack(s, e)

    def repack(self, s: int, e: int) -> float:
        """Constraints of packing a part ``[s, e)``'s outgoing words (:func:`link_layout`): each one's checked ``cast``
        (:func:`pack_cost`), except the words of a class whose values are those it came in with (passed on as they
        are; compared by their signatures)."""
        before, after = self.signatures[s], self.signatures[e]
        return self.pack * sum(w for t, w in self.class_words[e].items() if s == 0 or before.get(t) != after[t])

    def kind(self, r: int) -> tuple[str, bool]:
        """The class of register ``r`` in a link (:func:`link_layout`): its carried type, and whether it is narrowed."""
        return self.carried_type(r).aleo(), r in self.narrow

    def carried_type(self, r: int) -> Type:
        """The type register ``r`` has in a link: its own, or the integer it is narrowed to (:func:`narrowing`)."""
        return self.narrow[r][1] if r in self.narrow else self.types[r]

    def link_features(self, c: int) -> tuple[int, int, int, int]:
        """(scalars, value bits, field scalars, serialized bits) of the link at cut ``c`` (its index and blinding value
        included), what its cost as a private input depends on (:func:`private_input_cost`)."""
        e, b, f, s = (a + x for a, x in zip(self.features[c][:4], self.blinding[:4]))
        nested = self.groups[c] > MAX_STRUCT_MEMBERS - 2   # members grouped into structs of 32 (their headers)
        return e, b, f, s + 2 + 8 + nested * (MEMBER_BITS + 10) * -(-self.groups[c] // MAX_STRUCT_MEMBERS)

    def link_costs(self, c: int) -> tuple[float, float, float]:
        """(transition cost as a private input, cost of its hash (:func:`link_hash`), the sender's narrowing casts)
        of the link at cut ``c`` (estimate; computed once per cut)."""
        if c not in self.costs:
            self.costs[c] = private_input_cost(self.link_features(c), self.coef_in), link_hash(self.fields(c))[1], self.features[c][4]
        return self.costs[c]

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
