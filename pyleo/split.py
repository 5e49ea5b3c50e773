"""Splitting a function too large for one circuit into parts, each one circuit, chained by commitments.

snarkVM proves one function as one circuit; here the degree-16 parameters bound it at 16,384
constraints (:data:`LOCAL_BUDGET`), mainnet at 2^21 per program (:data:`MAINNET_BUDGET`). A
function over the budget is cut into consecutive parts of its straight-line structured instructions
(:mod:`pyleo.aleo_code`), each part a function ``F_p0``, ``F_p1``, … of one Aleo program, the
*split program*. The cuts are chosen greedily from the cost model (:mod:`pyleo.cost`): each part
takes as many instructions as fit the budget, counting its transition (inputs, outputs) and the
links below.

Links (design (b) of issue 12: separate proofs linked by commitments). The values live across a
cut (registers defined before it and read after it, private inputs of the function included unless
they are committed once, :data:`COMMITTED_INPUTS`, which :func:`plan` does when that is cheaper) go
to the next part as one private struct input, the *link* (members ``v0 …``, grouped into nested
structs ``g0 …`` of at most 32 members when there are more), the link's index ``i: u8`` and a
blinding value ``r: u128`` (drawn at random per proof, an input of part 0 only, then carried in every link).
A field value whose integer bounds are known (:func:`narrowing`: interval arithmetic over the
instructions) crosses as ``v - lo`` in the narrowest unsigned type that holds it, checked by the
sender's ``cast``; a field element costs a private input ~390 constraints more than its bits.
Part k ends with a hash of its outgoing link as a public output; part k+1 starts by
hashing its incoming link, also a public output; the hash is the cheaper of ``hash.psd2`` and
``hash.psd8`` for the link's size (:func:`link_hash`: psd8 from ~5 packed field elements on). A
verifier accepts the parts as one proof when
every part verifies and each part's outgoing commitment equals the next part's incoming one: the
intermediate values never leave the prover in clear, and a part from another run (another
blinding value), a reordered or dropped part breaks a link (:func:`explain`).
Public inputs of the function are public inputs of every part that reads them (the verifier checks
they carry the same value); its outputs are the last part's. Cheap work on private inputs (a packed
input's unpacking, :data:`REMAT_COST`) is recomputed in each part that reads it, so a link carries
the packed words rather than the unpacked features. The instructions are cut in the order that keeps
fewer values live (:func:`schedule`'s or as written, :func:`_planner`).

What a part can hold here (measured, ``benchmarks/end_to_end.py``): a part between two cuts with an
empty body whose link carries only breast_cancer's packed input ([u64; 15]) is 15,198 constraints with
``hash.psd8`` (16,368 with ``hash.psd2``); carrying KNN's five best distances (u64) and labels beside
iris' packed input, 14,472. Each part pays ~9,800 of transition, ~1,300-2,000 for the link as a
private input, ~1,000 per hash and ~600 per commitment output before any of the model's work, so under
the local budget a middle part holds ~500-1,500 constraints of body: the 100-tree forest on 30
features and KNN over 105 points (36,000 constraints of 64-bit sign tests) need more parts than the
31 functions one program holds.

The other design, one execution where an entry function calls the parts as functions of imported
programs (one batch proof), works offline with aleo-sdk 0.8.0 but each ``call`` costs the caller
~2,900 constraints on top of its own transition (measured in ``benchmarks/split.py``: an entry with
a private u64 input and a public output synthesizes 11,606 constraints, with one call 14,523; two
calls need the degree-17 parameters), so here an entry cannot call even two parts; it is not
implemented. A link of this design costs about as much (~1,400-1,800 for the incoming link input,
~800-1,300 per hash, ~600 per commitment output) but needs no entry circuit.
"""

from __future__ import annotations

import bisect
import math
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import aleo_code
from .aleo_code import Function, Instr, Lit, Param, Reg
from .cost import Analyzer, estimate, instruction_cost, interface_cost, load_table
from .errors import InputError, LimitError
from .limits import MAX_CONSTRAINTS_LOCAL, MAX_INPUTS, MAX_OUTPUTS, MAX_STRUCT_MEMBERS
from .types import FIELD_MODULUS, BoolType, FieldType, IntType, StructType, Type

LOCAL_BUDGET = MAX_CONSTRAINTS_LOCAL
"""Constraints of one circuit with the degree-16 parameters installed here (2^14 = 16,384)."""

MAINNET_BUDGET = 2**21
"""Constraints of a deployed program on mainnet (2^21 = 2,097,152; snarkVM's ``MAX_CONSTRAINTS``)."""

MAX_PLAN_STEPS = 5_000_000
"""Work bound of the exact planners (part boundaries tried); beyond it the cuts are greedy."""

MARGIN = 0.03
"""Share of the budget kept free when planning: the cost model is within ~2% (``benchmarks.cost_calibration``)."""

BLINDING = IntType(128, False)
"""Type of the links' blinding value (uniformly random per proof; the index ``i`` in each link keeps the hashed
values of two links apart, so equal carried values give unrelated commitments)."""

INDEX = IntType(8, False)

COMMITTED_INPUTS = "_inputs"
"""Suffix of the struct ``F_inputs`` that commits once to the private inputs of a split function ``F`` (one member
``v0 …`` per private input read anywhere, and the links' blinding value ``r``), when the plan commits them
instead of carrying them in the links (:func:`plan`'s ``commit``): part 0 takes them and outputs
``hash(F_inputs)`` as a public commitment right after its incoming one (part 0 has none); every later part
that reads any of them takes them all privately, rebuilds the struct with the blinding value of its incoming
link, and outputs its hash in the same place; a part that reads none does not take them. The verifier
(:func:`explain`) checks that every such commitment equals part 0's, so the links carry only the values
computed by the parts. Measured with snarkVM (``benchmarks/end_to_end.py``, breast_cancer's packed input
[u64; 15] and a forest's two vote sums as u64): a middle part with an empty body that does not read the inputs
costs 14,291 constraints; one that reads them is over the 16,384 here, as is a last part reading them (its
incoming link of the sums, the inputs and its two commitments), while carrying the inputs in the link costs an
incoming-only part 15,368. Committing pays where the private inputs are read at the start and again late
(parts in between do not take them), and not where every part reads them."""

FIELD = FieldType()

INPUT_MAP = "_in"
"""Suffix of the structs ``F_in<k>`` by which the split program declares which inputs of the source function its part
``k`` takes: one boolean member ``a<j>`` per source input ``j`` the part takes, in the part's order (none: the part
takes no source input). Never used by an instruction (no constraint); they make the mapping part of the split
program's text, so a verifier who trusts the split program (its checksum) knows which proved input is which input
of the source function, and a proof file's ``params`` is only a checked copy (:func:`declared_params`)."""


def hash_cost(fields: int, opcode: str) -> float:
    """Constraints of ``opcode`` (``hash.psd2`` or ``hash.psd8``) over a value whose serialization packs
    into ``fields`` field elements: a base plus one permutation per ``rate`` fields, from the cost table's
    ``compound_hashes`` (measured by ``benchmarks.cost_calibration``: ``hash.psd2`` of [u64; 4], 2 fields,
    782, of [u64; 16], 7 fields, 1,607; ``hash.psd8`` costs more on 2 fields and less from ~5 on)."""
    h = load_table()["compound_hashes"][opcode]
    return h["base"] + h["per_block"] * math.ceil(fields / h["rate"])


LINK_HASHES = ("hash.psd2", "hash.psd8")


def link_hash(fields: int) -> tuple[str, float]:
    """The cheaper hash of :data:`LINK_HASHES` for a link of ``fields`` field elements, and its cost."""
    return min(((op, hash_cost(fields, op)) for op in LINK_HASHES), key=lambda x: x[1])


@dataclass
class Part:
    """One part of a split function: instructions ``[start, end)`` of the original body.

    ``params``: indices of the original function's inputs this part takes (in order, each with its
    visibility); ``carried_in`` / ``carried_out``: original registers in the incoming / outgoing link;
    ``constraints``: the cost model's estimate of the part's circuit (transition included).
    """

    index: int
    name: str
    start: int
    end: int
    params: list[int]
    carried_in: list[int]
    carried_out: list[int]
    constraints: int = 0
    opens: bool = False
    """Whether the part takes the function's private inputs and outputs their commitment (:data:`COMMITTED_INPUTS`)."""


@dataclass
class Plan:
    """A function split into parts (see the module docstring).

    ``program`` holds one function per part (``F_p0`` …) and the link structs; ``text`` is its Aleo
    text (what is proved; its checksum is what a verifier pins); ``budget`` the constraints one part
    may have; ``whole`` the cost model's estimate of the unsplit function.
    """

    source: aleo_code.Program
    function: str
    budget: int
    whole: int
    parts: list[Part]
    program: aleo_code.Program
    links: list[StructType] = field(default_factory=list)
    narrow: dict[int, tuple[int, IntType]] = field(default_factory=dict)
    """Carried field registers that links hold as ``v - lo`` in an unsigned type: register → ``(lo, type)``
    (:func:`narrowing`)."""

    @cached_property
    def text(self) -> str:
        """The split program as Aleo instructions."""
        return aleo_code.render(self.program)

    @property
    def total(self) -> int:
        """Constraints of all parts together (estimate)."""
        return sum(p.constraints for p in self.parts)

    def link_value(self, k: int, values: dict[int, Any], blinding: int) -> dict[str, Any]:
        """The canonical value of link ``k`` (after part k) from the original registers' ``values``."""
        link = self.links[k]
        regs = self.parts[k].carried_out
        carried = {r: (values[r] - self.narrow[r][0]) % FIELD_MODULUS if r in self.narrow else values[r] for r in regs}
        if len(regs) + 2 <= MAX_STRUCT_MEMBERS:
            members = {f"v{i}": carried[r] for i, r in enumerate(regs)}
        else:
            members = {}
            for g, (name, gt) in enumerate(link.fields[:-2]):
                chunk = regs[g * MAX_STRUCT_MEMBERS:(g + 1) * MAX_STRUCT_MEMBERS]
                members[name] = {f"v{i}": carried[r] for i, r in enumerate(chunk)}
        return {**members, "i": k, "r": blinding}


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
    deps = [sorted({where[r] for r in _reads(ins) if r in where}) for ins in fn.body]
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
def _reads(ins: Instr) -> list[int]:
    return [op.id for op in ins.operands if isinstance(op, Reg)]


class _Liveness:
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
        # features of the live set at each cut c (registers defined before c and read at c or later)
        self.count: list[int] = []  # how many registers are live at each cut
        feats = [0, 0, 0, 0, 0]  # elements, bits, field scalars, serialized bits, the sender's narrowing casts
        born: dict[int, list[int]] = {}
        dies: dict[int, list[int]] = {}
        for r, d in self.defined.items():
            if r in self.last and self.last[r] > d:
                born.setdefault(d + 1, []).append(r)
                dies.setdefault(self.last[r] + 1, []).append(r)
        self.member: dict[int, tuple[int, int, int, int, int]] = {}
        current: set[int] = set()
        self.features: list[tuple[int, int, int, int, int]] = []
        for c in range(n + 1):
            for r in born.get(c, []):
                current.add(r)
                info = an.info(self.carried_type(r).aleo())
                cast = _narrowing_cost(self.narrow[r][1], table) if r in self.narrow else 0
                self.member[r] = (info.elements, info.bits, sum(s == "field" for s in info.scalars),
                                  8 + 8 * 4 + 16 + info.serialized_bits, cast)
                feats = [a + b for a, b in zip(feats, self.member[r])]
            for r in dies.get(c, []):
                current.discard(r)
                feats = [a - b for a, b in zip(feats, self.member[r])]
            self.count.append(len(current))
            self.features.append(tuple(feats))  # type: ignore[arg-type]
        blinding, index = an.info(BLINDING.aleo()), an.info(INDEX.aleo())
        self.blinding = (2, 136, 0, 2 * (8 + 8 + 16) + blinding.serialized_bits + index.serialized_bits, 0)
        self.coef_in = table["transition"]["inputs"]["private"]

    def live(self, c: int) -> list[int]:
        """The registers live at cut ``c`` (defined before it, read at or after it), in order."""
        return sorted(r for r, d in self.defined.items() if d < c <= self.last.get(r, -1))

    def carried_type(self, r: int) -> Type:
        """The type register ``r`` has in a link: its own, or the integer it is narrowed to (:func:`narrowing`)."""
        return self.narrow[r][1] if r in self.narrow else self.types[r]

    def link_costs(self, c: int) -> tuple[float, float, float]:
        """(transition cost as a private input, cost of its hash (:func:`link_hash`), the sender's narrowing
        casts) of the link at cut ``c`` (estimate)."""
        e, b, f, s, casts = (a + x for a, x in zip(self.features[c], self.blinding))
        s += 2 + 8 + (self.count[c] > MAX_STRUCT_MEMBERS - 2) * 16 * self.count[c] // MAX_STRUCT_MEMBERS
        fields = -(-(s + 1) // 252)
        coef = self.coef_in
        cost = coef["item"] + coef["element"] * e + coef["bit"] * b + coef["field_scalars"] * f + \
            coef["fields"] * fields + coef["blocks"] * -(-(fields + int(coef["absorbed_extra"])) // 8)
        return cost, link_hash(fields)[1], casts

    def link_opcode(self, c: int) -> str:
        """The hash of the link at cut ``c`` (:func:`link_hash` of its estimated field elements)."""
        s = self.features[c][3] + self.blinding[3] + 2 + 8 + \
            (self.count[c] > MAX_STRUCT_MEMBERS - 2) * 16 * self.count[c] // MAX_STRUCT_MEMBERS
        return link_hash(-(-(s + 1) // 252))[0]


NARROW_TYPES = tuple(IntType(b, False) for b in (8, 16, 32, 64, 128))
"""The unsigned types a field value crossing a cut may travel as (the narrowest its bounds fit)."""


def narrowing(fn: Function) -> dict[int, tuple[int, IntType]]:
    """For each field register of ``fn`` whose integer bounds ``[lo, hi]`` are known
    (:func:`pyleo.aleo_passes.field_intervals`): ``(lo, t)``, ``t`` the narrowest unsigned type holding
    ``hi - lo``. A link carries such a value as ``v - lo`` of type ``t`` (the sender's checked ``cast``,
    ``bits + 1`` constraints, proves it fits) instead of a field element (measured as a private input:
    ~390 constraints per field scalar besides its bits, and its 253 bits in the hash); the receiver
    casts it back to a field and adds ``lo`` (no constraint)."""
    from .aleo_passes import field_intervals

    found = {}
    for r, (lo, hi) in field_intervals(fn).items():
        t = next((t for t in NARROW_TYPES if hi - lo <= t.max), None)
        if t is not None:
            found[r] = (lo, t)
    return found


def _narrowing_cost(t: IntType, table: dict[str, Any]) -> float:
    """Constraints of the checked ``cast`` of a field to ``t`` (the cost table's, else ``bits + 1``)."""
    return float(table["instructions"].get(f"cast field:v -> {t.aleo()}", t.bits + 1))


# ---- planning ------------------------------------------------------------------------------------------
REMAT_COST = 80.0
"""A value computed from the function's private inputs alone at most this many constraints (its whole
computation: a packed feature's unpacking, 1; a 64-bit sign test of a feature, ~66) is recomputed in every
part that reads it instead of crossing a cut (~100 for a boolean, ~500 for a field in a link); each part
is charged for what it recomputes."""


def _never_halts(ins: Instr) -> bool:
    """``ins`` cannot halt: marked pure, a bitwise ``and``/``or``/``xor``, or a right shift by a literal below its width."""
    if ins.pure or ins.opcode in ("and", "or", "xor"):
        return True
    shift = ins.operands[-1] if ins.operands else None
    return ins.opcode == "shr" and isinstance(shift, Lit) and isinstance(ins.type, IntType) and 0 <= shift.value < ins.type.bits


class _Recomputed:
    """:meth:`_Planner.recomputed` of ``[s, e)`` for growing ``e`` (instruction ``e - 1`` added at each step)."""

    def __init__(self, planner: _Planner) -> None:
        self.p, self.seen, self.total = planner, set[int](), 0.0

    def upto(self, e: int) -> float:
        new = self.p.needs[e - 1] - self.seen
        self.seen |= new
        total = self.total = self.total + sum(self.p.remat_cost[r] for r in new)
        if e == self.p.lv.n:
            total += sum(self.p.remat_cost[r] for r in self.p.out_needs - self.seen)
        return total


def _planner(code: aleo_code.Program, function: str, budget: int, commit: bool = False) -> _Planner:
    """The planner over the order of ``function``'s instructions that keeps fewer values live across its
    cuts (summed over every cut): :func:`schedule`'s, or the order they were written in (which is
    already a stream for a model written as one, e.g. KNN's insertion of one point after the other:
    measured on KNN over the 105 iris points, at most 15 values live against 214 scheduled)."""
    fn = code.function(function)
    if fn is None:
        raise InputError(f"program {code.name} has no function `{function}`",
                         hint=f"its functions: {', '.join(f.name for f in code.functions)}")
    options = [_Planner(code, order, budget, commit) for order in (schedule(fn), fn)]
    return min(options, key=lambda p: sum(p.lv.count))


class _Planner:
    def __init__(self, code: aleo_code.Program, fn: Function, budget: int, commit: bool) -> None:
        function = fn.name
        self.code, self.budget, self.commit = code, budget, commit
        self.table = load_table()
        self.an = Analyzer(aleo_code.Program(code.name, code.structs, [fn]))
        costs = [instruction_cost(ins, self.table) for ins in self.an.function(function).instructions]
        # values computed from private inputs alone for at most REMAT_COST constraints (free ones from public
        # inputs) are recomputed in every part that reads them rather than carried (REMAT_COST); an instruction
        # that may halt is only recomputed when something reads it (so some part still runs it)
        self.remat: dict[int, Instr] = {}
        self.remat_cost: dict[int, float] = {}
        closure: dict[int, frozenset[int]] = {}     # the recomputed instructions (by result) a value needs
        read = {r for ins in fn.body for r in _reads(ins)} | {p.reg for p in fn.outputs}
        needs: list[frozenset[int]] = []
        base: dict[int, frozenset[int]] = {p.reg: frozenset([p.reg]) for p in fn.inputs}
        public = frozenset(p.reg for p in fn.inputs if p.public)   # never carried: only free work on them is recomputed
        core: list[Instr] = []
        reads: list[set[int]] = []
        body_costs: list[float] = []
        types: dict[int, Type] = {p.reg: p.type for p in fn.inputs}
        for ins, c in zip(fn.body, costs):
            if ins.result is not None:
                types[ins.result] = ins.type
            regs = _reads(ins)
            origin = frozenset().union(*(base[r] for r in regs)) if all(r in base for r in regs) else None
            uses = frozenset().union(*(closure.get(r, frozenset()) for r in regs))
            if ins.result is not None and origin is not None and (_never_halts(ins) or ins.result in read) \
                    and (not c or not origin & public) \
                    and (c or 0.0) + sum(self.remat_cost[u] for u in uses) <= REMAT_COST:
                base[ins.result] = origin
                self.remat[ins.result] = ins
                self.remat_cost[ins.result] = c or 0.0
                closure[ins.result] = uses | {ins.result}
                continue
            core.append(ins)
            needs.append(uses)
            reads.append(set().union(*(base.get(r, {r}) for r in regs)))
            body_costs.append(c or 0.0)
        self.fn = Function(fn.name, fn.inputs, core, fn.outputs)
        self.body_prefix = [0.0]
        for c in body_costs:
            self.body_prefix.append(self.body_prefix[-1] + c)
        out_reads = set().union(*(base.get(p.reg, {p.reg}) for p in fn.outputs))
        self.needs = needs
        self.out_needs = frozenset().union(*(closure.get(p.reg, frozenset()) for p in fn.outputs))
        self.lv = _Liveness(self.fn, reads, out_reads, types, self.an, self.table, narrowing(fn), commit)
        self.param_cost = [interface_cost(self.an, [(p.type.aleo(), "public" if p.public else "private")], "inputs", self.table)
                           for p in fn.inputs]
        self.out_cost = interface_cost(self.an, [(p.type.aleo(), "public" if p.public else "private") for p in fn.outputs],
                                       "outputs", self.table)
        self.field_out = interface_cost(self.an, [("field", "public")], "outputs", self.table)
        self.base = self.table["transition"]["base"]

    def reads(self, j: int, s: int, e: int) -> bool:
        """Whether a part ``[s, e)`` reads the original input ``j`` (the last part also reads what the outputs read)."""
        uses, n = self.lv.uses[self.fn.inputs[j].reg], self.lv.n
        k = bisect.bisect_left(uses, s)
        return k < len(uses) and (uses[k] < e or (e == n and uses[k] == n))

    @cached_property
    def frozen(self) -> list[int]:
        """The function's private inputs that some instruction or output reads, when they are committed once
        (:data:`COMMITTED_INPUTS`); otherwise none."""
        return [j for j, p in enumerate(self.fn.inputs) if self.commit and not p.public and self.lv.uses[p.reg]]

    def opens(self, s: int, e: int) -> bool:
        """Whether a part ``[s, e)`` of a split takes the private inputs and their commitment: the first part
        always (it publishes the commitment), a later one when it reads any of them."""
        return bool(self.frozen) and (s == 0 or any(self.reads(j, s, e) for j in self.frozen))

    def params(self, s: int, e: int) -> list[int]:
        """The original inputs a part ``[s, e)`` takes: public ones it reads; private ones it reads first (they
        are then carried in the links), or, when they are committed once, all of them when it :meth:`opens`
        their commitment (a part that is the whole function: the private ones it reads)."""
        n = self.lv.n
        whole = s == 0 and e == n
        opens = not whole and self.opens(s, e)

        def first(uses: list[int]) -> bool:
            return bool(uses) and (s <= uses[0] < e or (e == n and uses[0] == n))

        return [j for j, p in enumerate(self.fn.inputs)
                if (self.reads(j, s, e) if p.public or whole else opens and j in self.frozen if self.commit
                    else first(self.lv.uses[p.reg]))]

    @cached_property
    def frozen_struct(self) -> StructType:
        """The struct whose hash commits to the private inputs: one member per :attr:`frozen` input and the blinding value."""
        members = tuple((f"v{i}", self.fn.inputs[j].type) for i, j in enumerate(self.frozen))
        return StructType(self.fn.name + COMMITTED_INPUTS, (*members, ("r", BLINDING)))

    @cached_property
    def frozen_hash(self) -> tuple[str, float]:
        """The hash of :attr:`frozen_struct` (:func:`link_hash` of its serialized size) and its cost."""
        bits = 2 + 8 + sum(8 + 8 * len(name) + 16 + self.an.info(t.aleo()).serialized_bits
                           for name, t in self.frozen_struct.fields)
        return link_hash(-(-(bits + 1) // 252))

    def recomputed(self, s: int, e: int) -> float:
        """Constraints of the values part ``[s, e)`` recomputes (see :data:`REMAT_COST`)."""
        seen = set(self.out_needs) if e == self.lv.n else set()
        for i in range(s, e):
            seen |= self.needs[i]
        return sum(self.remat_cost[r] for r in seen)

    def cost(self, s: int, e: int, recomputed: float | None = None) -> float:
        """The cost model's estimate of a part ``[s, e)`` (``recomputed``: :meth:`recomputed`, when known)."""
        n = self.lv.n
        if recomputed is None:
            recomputed = self.recomputed(s, e)
        total = self.base + recomputed + self.body_prefix[e] - self.body_prefix[s] + \
            sum(self.param_cost[j] for j in self.params(s, e))
        if s > 0:
            link_in, hashed, _ = self.lv.link_costs(s)
            total += link_in + hashed + self.field_out
        if (s > 0 or e < n) and self.opens(s, e):
            total += self.frozen_hash[1] + self.field_out
        if e < n:
            _, hashed, casts = self.lv.link_costs(e)
            total += hashed + casts + self.field_out + (self.blinding_cost if s == 0 else 0.0)
        else:
            total += self.out_cost
        return total

    @cached_property
    def blinding_cost(self) -> float:
        return interface_cost(self.an, [(BLINDING.aleo(), "private")], "inputs", self.table)

    def balanced(self, k: int) -> list[tuple[int, int]]:
        """Exactly ``k`` parts minimizing the costliest (dynamic programming, O(k n^2): for small functions)."""
        n = self.lv.n
        if not 1 <= k <= max(n, 1):
            raise LimitError(f"`{self.fn.name}` has {n} instructions to cut; it cannot make {k} parts", None)
        if k * n * n > MAX_PLAN_STEPS:
            raise LimitError(f"`{self.fn.name}` has {n:,} instructions: too many to balance {k} parts exactly", None,
                             "give a budget instead of a number of parts")
        best: dict[tuple[int, int], tuple[float, int]] = {(1, s): (self.cost(s, n), n) for s in range(n)}
        for j in range(2, k + 1):
            for s in range(n):
                options = [(max(self.cost(s, e), best[j - 1, e][0]), e) for e in range(s + 1, n) if (j - 1, e) in best]
                if options:
                    best[j, s] = min(options)
        ranges, s = [], 0
        for j in range(k, 0, -1):
            e = best[j, s][1]
            ranges.append((s, e))
            s = e
        return ranges

    def cuts(self, target: float) -> list[tuple[int, int]]:
        """The fewest parts ``[s, e)`` of at most ``target`` constraints each (dynamic programming from the
        end: the fewest parts from each start, a part's end searched while its body alone fits)."""
        n = self.lv.n
        reach = bisect.bisect_right(self.body_prefix, target - self.base)   # instructions a part can hold at most
        if n * reach > MAX_PLAN_STEPS:
            return self.greedy(target)
        INF = 1 << 30
        fewest = [INF] * n + [0]
        nxt = [n] * (n + 1)
        for s in range(n - 1 if n else 0, -1, -1):
            extra = _Recomputed(self)
            for e in range(s + 1, n + 1):
                if self.base + self.body_prefix[e] - self.body_prefix[s] > target:
                    break
                if fewest[e] + 1 <= fewest[s] and self.cost(s, e, extra.upto(e)) <= target:
                    fewest[s], nxt[s] = fewest[e] + 1, e
        if n and fewest[0] >= INF:
            raise self.stuck(max((s for s in range(n) if fewest[s] >= INF), default=0))
        ranges, s = [], 0
        while True:
            ranges.append((s, nxt[s]))
            s = nxt[s]
            if s >= n:
                return ranges

    def greedy(self, target: float) -> list[tuple[int, int]]:
        """Parts of at most ``target`` constraints, each taking as many instructions as fit (linear in the
        instructions; for functions too large for :meth:`cuts`)."""
        n, s, ranges = self.lv.n, 0, []
        while s < n:
            best = None
            extra = _Recomputed(self)
            for e in range(s + 1, n + 1):
                if self.base + self.body_prefix[e] - self.body_prefix[s] > target:
                    break
                if self.cost(s, e, extra.upto(e)) <= target:
                    best = e
            if best is None:
                raise self.stuck(s)
            ranges.append((s, best))
            s = best
        return ranges

    def stuck(self, s: int) -> LimitError:
        return LimitError(
            f"`{self.fn.name}` cannot be split to a budget of {self.budget:,} constraints: no part starting at "
            f"instruction {s} fits (a part's transition costs ~{self.base:,.0f}; each cut adds ~1,500-3,000 on both "
            f"sides for the link's hash and commitment output, and the values crossing it as a private input: "
            f"~{self.lv.link_costs(s)[0]:,.0f} here)", None,
            "raise the budget (e.g. mainnet's 2^21) or make the model smaller (fewer private inputs crossing each cut)")


def plan(code: aleo_code.Program, function: str, budget: int = LOCAL_BUDGET, parts: int | None = None,
         commit: bool | None = None) -> Plan:
    """Split ``function`` of ``code`` into parts of at most ``budget`` constraints each (cost model).

    ``parts``: exactly this many parts, the cuts balancing their costs (the fewest that fit when
    None). A function that fits gives a plan of one part (the function itself under the name
    ``F_p0``). Each cut costs ~1,500-3,000 constraints on each side (measured: the link's hash and
    commitment output, the carried values as a private input; part 0 also takes the blinding value)
    on top of each part's ~9,800 transition, so under the local budget a part keeps ~1,500-5,000
    constraints of body, and only when few values (no large private input) cross its cuts.
    ``commit``: whether the function's private inputs are committed once (:data:`COMMITTED_INPUTS`) rather than
    carried in the links while read; None (default) plans both ways and keeps the plan with fewer parts,
    then fewer constraints in all (the same choice for the prover and the verifier). Raises LimitError
    when no split fits (a part's transition and links exceed the budget, more than 31 parts, a link over
    the struct limits).
    """
    if budget <= 0:
        raise LimitError(f"a constraint budget must be positive, not {budget}", None)
    carry = _planner(code, function, budget, False)
    whole = estimate(code, function).total
    if parts is None and whole <= budget or all(p.public for p in carry.fn.inputs):
        ways = [False]   # one part, or nothing to commit
    else:
        ways = [False, True] if commit is None else [commit]
    plans, errors = [], []
    for way in ways:
        try:
            plans.append(_plan(_planner(code, function, budget, True) if way else carry, function, budget, parts, whole))
        except LimitError as e:
            errors.append(e)
    if not plans:
        raise errors[0]
    return min(plans, key=lambda p: (len(p.parts), p.total))


def _plan(planner: _Planner, function: str, budget: int, parts: int | None, whole: int) -> Plan:
    target = budget * (1 - MARGIN)
    for _ in range(6):
        ranges = [(0, planner.lv.n)] if parts is None and whole <= budget else \
            planner.cuts(target) if parts is None else planner.balanced(parts)
        result = _build(planner, ranges, whole)
        worst = max(p.constraints for p in result.parts)
        if worst <= budget * (1 - MARGIN / 2) or (len(ranges) == 1 or parts is not None) and worst <= budget:
            return result
        if parts is not None:
            break
        target -= worst - budget * (1 - MARGIN / 2)
    raise LimitError(f"no split of `{function}` within {budget:,} constraints per part found "
                     f"(the best has a part of ~{worst:,})", None, "raise the budget or change the number of parts")


def crossing(code: aleo_code.Program, function: str, at: float = 0.5) -> dict[str, Any]:
    """What a cut of ``function`` at the fraction ``at`` of its (scheduled) instructions would carry: the
    values live across it counted by Aleo type (``"values"``), and the cost model's estimate of its link
    (``"link_input"``: as a private input, ``"hash"``: one ``hash.psd2`` of it), in constraints. For
    explaining why a function cannot be split (what crosses every cut); raises InputError for an unknown
    function."""
    from collections import Counter

    lv = _planner(code, function, LOCAL_BUDGET).lv
    c = min(max(round(at * lv.n), 0), lv.n)
    link_input, hashed, _ = lv.link_costs(c)
    return {"cut": c, "instructions": lv.n, "values": dict(Counter(lv.types[r].aleo() for r in lv.live(c))),
            "link_input": round(link_input), "hash": round(hashed)}


def _link_type(name: str, regs: list[int], types: dict[int, Type]) -> tuple[StructType, list[StructType], list[tuple[str, ...]]]:
    """The link struct (and its group structs) for ``regs`` and each register's path inside it."""
    if len(regs) + 2 <= MAX_STRUCT_MEMBERS:
        members = tuple((f"v{i}", types[r]) for i, r in enumerate(regs))
        return StructType(name, (*members, ("i", INDEX), ("r", BLINDING))), [], [(f"v{i}",) for i in range(len(regs))]
    groups: list[StructType] = []
    paths: list[tuple[str, ...]] = []
    for g in range(0, len(regs), MAX_STRUCT_MEMBERS):
        chunk = regs[g:g + MAX_STRUCT_MEMBERS]
        gi = g // MAX_STRUCT_MEMBERS
        groups.append(StructType(f"{name}_g{gi}", tuple((f"v{i}", types[r]) for i, r in enumerate(chunk))))
        paths += [(f"g{gi}", f"v{i}") for i in range(len(chunk))]
    if len(groups) + 2 > MAX_STRUCT_MEMBERS:
        raise LimitError(f"{len(regs)} values live across a cut; a link carries at most "
                         f"{(MAX_STRUCT_MEMBERS - 2) * MAX_STRUCT_MEMBERS}", None, "raise the budget")
    return StructType(name, (*((f"g{i}", s) for i, s in enumerate(groups)), ("i", INDEX), ("r", BLINDING))), groups, paths


def _build(planner: _Planner, ranges: list[tuple[int, int]], whole: int) -> Plan:
    fn, lv, code = planner.fn, planner.lv, planner.code
    if len(ranges) > 31:
        raise LimitError(f"`{fn.name}` needs {len(ranges)} parts; one program holds at most 31 functions", None,
                         "raise the budget (e.g. mainnet's 2^21)")
    fresh = iter(range(max([*lv.types, 0]) + 1, 1 << 62))
    structs: list[StructType] = []
    links: list[StructType] = []
    link_paths: list[list[tuple[str, ...]]] = []
    opcodes = []
    for k, (_, e) in enumerate(ranges[:-1]):
        live = lv.live(e)
        link, groups, paths = _link_type(f"{fn.name}_link{k}", live, {r: lv.carried_type(r) for r in live})
        structs += [*groups, link]
        links.append(link)
        link_paths.append(paths)
        opcodes.append(lv.link_opcode(e))
    last = len(ranges) - 1
    if last > 0 and planner.frozen:
        structs.append(planner.frozen_struct)
    parts, functions = [], []
    for k, (s, e) in enumerate(ranges):
        name = f"{fn.name}_p{k}"
        params = planner.params(s, e)
        inputs = [fn.inputs[j] for j in params]
        body: list[Instr] = []
        outputs: list[Param] = []
        rename: dict[int, Reg] = {}      # a carried register → where this part reads it
        narrowed: dict[int, Reg] = {}    # a narrowed carried register → its integer in the incoming link
        carried_in = lv.live(s) if k > 0 else []
        r_op: aleo_code.Operand | None = None   # the blinding value: part 0's input, then carried in every link
        if k == 0 and last > 0:
            r_op = Reg(next(fresh))
            inputs.append(Param(r_op.id, BLINDING, False))
        if k > 0:
            link_reg, h_in = next(fresh), next(fresh)
            inputs.append(Param(link_reg, links[k - 1], False))
            r_op = Reg(link_reg, ("r",))
            body.append(Instr(opcodes[k - 1], (Reg(link_reg),), h_in, FIELD))
            outputs.append(Param(h_in, FIELD, True))
            for r, path in zip(carried_in, link_paths[k - 1]):
                rename[r] = Reg(link_reg, path)
                if r in lv.narrow:   # back to a field, then + lo (no constraint)
                    narrowed[r], lo = rename[r], lv.narrow[r][0]
                    rename[r] = _shifted(Instr("cast", (rename[r],), next(fresh), FIELD, True), lo, body, fresh)
        opens = last > 0 and planner.opens(s, e)
        if opens:   # the commitment to the private inputs: published by part 0, the same in every part reading them
            assert r_op is not None
            frozen_reg, c_x = next(fresh), next(fresh)
            body.append(Instr("cast", (*(Reg(fn.inputs[j].reg) for j in planner.frozen), r_op), frozen_reg,
                              planner.frozen_struct))
            body.append(Instr(planner.frozen_hash[0], (Reg(frozen_reg),), c_x, FIELD))
            outputs.append(Param(c_x, FIELD, True))

        def operand(op: aleo_code.Operand) -> aleo_code.Operand:
            if isinstance(op, Reg) and op.id in rename:
                base = rename[op.id]
                return Reg(base.id, (*base.path, *op.path))
            return op

        def carried(r: int) -> aleo_code.Operand:
            """``r`` as its link holds it: narrowed to ``v - lo`` (a checked cast) when :func:`narrowing` says so."""
            if r not in lv.narrow:
                return operand(Reg(r))
            if r in narrowed:   # carried through unchanged: already narrowed
                return narrowed[r]
            lo, t = lv.narrow[r]
            shifted = operand(Reg(r)) if lo == 0 else \
                _shifted(Instr("add", (operand(Reg(r)), Lit(-lo % FIELD_MODULUS, FIELD)), next(fresh), FIELD, True), 0, body, fresh)
            as_int = next(fresh)
            body.append(Instr("cast", (shifted,), as_int, t))
            return Reg(as_int)

        segment = fn.body[s:e]
        needed: set[int] = set()
        todo = [op.id for ins in segment for op in ins.operands if isinstance(op, Reg)]
        todo += [p.reg for p in fn.outputs] if k == last else []
        while todo:
            r = todo.pop()
            if r in planner.remat and r not in needed:
                needed.add(r)
                todo += _reads(planner.remat[r])
        segment = [ins for r, ins in planner.remat.items() if r in needed] + segment
        for ins in segment:
            body.append(Instr(ins.opcode, tuple(operand(op) for op in ins.operands), ins.result, ins.type, ins.pure))
        if k < last:
            link_reg, h_out = next(fresh), next(fresh)
            assert r_op is not None
            carried_out = lv.live(e)
            ops = _link_operands(links[k], [carried(r) for r in carried_out], body, fresh)
            body.append(Instr("cast", (*ops, Lit(k, INDEX), r_op), link_reg, links[k]))
            body.append(Instr(opcodes[k], (Reg(link_reg),), h_out, FIELD))
            outputs.append(Param(h_out, FIELD, True))
        else:
            carried_out = []
            for p in fn.outputs:
                if p.reg in rename:  # an output computed in an earlier part: copy it out of the link
                    reg = next(fresh)
                    body.append(Instr("cast", (operand(Reg(p.reg)),), reg, p.type))
                    outputs.append(Param(reg, p.type, p.public))
                else:
                    outputs.append(p)
        if len(inputs) > MAX_INPUTS or len(outputs) > MAX_OUTPUTS:
            raise LimitError(f"part {k} of `{fn.name}` would have {len(inputs)} inputs and {len(outputs)} outputs; "
                             f"snarkVM allows {MAX_INPUTS} of each", None)
        functions.append(Function(name, inputs, body, outputs))
        parts.append(Part(k, name, s, e, params, list(carried_in), list(carried_out), opens=opens))
    structs += [StructType(f"{fn.name}{INPUT_MAP}{p.index}", tuple((f"a{j}", BoolType()) for j in p.params))
                for p in parts if p.params]
    program = aleo_code.Program(split_program_name(code.name, fn.name), [*code.structs, *structs], functions)
    for part in parts:
        part.constraints = part_estimate(program, part.name)
    return Plan(code, fn.name, planner.budget, whole, parts, program, links,
                {r: lv.narrow[r] for part in parts for r in part.carried_out if r in lv.narrow})


def _shifted(ins: Instr, lo: int, body: list[Instr], fresh: Any) -> Reg:
    """Append ``ins`` (a field result) to ``body`` and, unless ``lo`` is 0, ``+ lo``; the register holding the result."""
    body.append(ins)
    if lo == 0:
        return Reg(ins.result)
    value = next(fresh)
    body.append(Instr("add", (Reg(ins.result), Lit(lo % FIELD_MODULUS, FIELD)), value, FIELD, True))
    return Reg(value)


MAX_PROGRAM_NAME = 31
"""Characters of a program name snarkVM parses (measured: 31 accepted, 32 rejected)."""


def split_program_name(program: str, function: str) -> str:
    """``PROGRAM_FUNCTION_split``, or when longer than snarkVM takes, the program's first letters and a hash."""
    name = f"{program}_{function}_split"
    if len(name) <= MAX_PROGRAM_NAME:
        return name
    import hashlib

    tag = hashlib.sha256(f"{program}/{function}".encode()).hexdigest()[:8]
    return f"{program[:MAX_PROGRAM_NAME - 15].rstrip('_')}_{tag}_split"


def _link_operands(link: StructType, ops: list[aleo_code.Operand], body: list[Instr], fresh: Any) -> list[aleo_code.Operand]:
    """Operands that build ``link`` (without its index and blinding) from the carried values ``ops``; group
    structs are cast into ``body``."""
    if len(link.fields) - 2 == len(ops) and all(n.startswith("v") for n, _ in link.fields[:-2]):
        return ops
    grouped = []
    for g, (_, gt) in enumerate(link.fields[:-2]):
        reg = next(fresh)
        body.append(Instr("cast", tuple(ops[g * MAX_STRUCT_MEMBERS:(g + 1) * MAX_STRUCT_MEMBERS]), reg, gt))
        grouped.append(Reg(reg))
    return grouped


def part_estimate(program: aleo_code.Program, function: str) -> int:
    """The cost model's estimate of one part (:func:`pyleo.cost.estimate`, which prices a link's hash
    like :func:`hash_cost`, from the table's ``compound_hashes``)."""
    return estimate(program, function).total


def fresh_blinding() -> int:
    """A uniformly random u128 blinding value for the links of one proof (``secrets``)."""
    return secrets.randbelow(1 << 128)


# ---- proving and verifying ------------------------------------------------------------------------------
SPLIT_FORMAT = "pyleo-split-proof/1"
"""The ``"format"`` key of a saved :class:`SplitProof`."""


@dataclass
class SplitProof:
    """The proofs of every part of a split function, which verify as one unit (:func:`explain`).

    ``parts``: one :class:`pyleo.vm.Proof` per part, in order, all of the same split program;
    ``params``: for each part, the indices of the original function's inputs it takes (its first
    inputs); ``function``: the original function; ``budget``: constraints per part it was split to;
    ``source``: the original program's name.
    ``outputs`` (the prover's memory only, never saved) holds the function's outputs in clear.
    """

    function: str
    budget: int
    parts: list[Any]
    params: list[list[int]]
    source: str = ""
    """The name of the original program (``scorer`` for ``scorer.aleo``), to find it in a model file."""
    outputs: list[str | None] = field(default_factory=list, compare=False, repr=False)
    stated: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The copies of what the parts prove that a file states (``program_id``, ``program_checksum``,
    ``public_outputs``, ``constraints``), checked by :func:`explain` against the parts."""

    @property
    def program(self) -> str:
        """The split program's Aleo text (every part proves one of its functions)."""
        return self.parts[0].program

    @property
    def checksum(self) -> str:
        return self.parts[0].checksum

    @property
    def constraints(self) -> int:
        """Constraints of all parts together (exact, from their verifying keys)."""
        return sum(p.constraints for p in self.parts)

    @property
    def opens(self) -> list[bool]:
        """For each part, whether it outputs the commitment to the function's private inputs (read from the split
        program's text, which every part proves: :func:`opens_inputs`)."""
        return [opens_inputs(self.program, self.function, k) for k in range(len(self.parts))]

    def heads(self) -> list[int]:
        """For each part, how many commitments its public outputs start with (incoming link, private inputs)."""
        return [(k > 0) + o for k, o in enumerate(self.opens)]

    @property
    def public_outputs(self) -> list[str | None]:
        """The function's public outputs (the last part's outputs after its commitments)."""
        return self.parts[-1].public_outputs[self.heads()[-1]:]

    def public_inputs(self, n_params: int | None = None) -> list[str | None]:
        """The function's public inputs, read from the parts that take them (None where private or unread)."""
        n = n_params if n_params is not None else max((j + 1 for ps in self.params for j in ps), default=0)
        found: list[str | None] = [None] * n
        for proof, ps in zip(self.parts, self.params):
            for j, text in zip(ps, proof.inputs):
                if text is not None and j < n:
                    found[j] = text
        return found

    def to_json(self) -> dict[str, Any]:
        """What :meth:`save` writes: each part's verifier file (public values and ciphertexts only)."""
        from . import vm

        return {"format": SPLIT_FORMAT, **vm.stamp(self.program), "source_program": self.source,
                "function": self.function, "budget": self.budget,
                "params": self.params, "constraints": self.constraints,
                "public_outputs": self.public_outputs, "parts": [p.to_json() for p in self.parts]}

    def save(self, path: Any) -> None:
        """Write the split proof for verifiers as one JSON file (atomically)."""
        import json

        from . import vm

        vm.write_atomic(path, (json.dumps(self.to_json(), indent=1) + "\n").encode())

    @classmethod
    def from_json(cls, data: Any, source: str = "proof") -> SplitProof:
        """Read the object :meth:`to_json` gives; ProofError when it is not one."""
        from . import vm
        from .errors import ProofError

        if not isinstance(data, dict) or data.get("format") != SPLIT_FORMAT:
            raise ProofError(f"{source} is not a pyleo split proof (format {SPLIT_FORMAT!r})")
        parts, params = data.get("parts"), data.get("params")
        if not isinstance(parts, list) or not parts or not isinstance(params, list) or len(params) != len(parts) \
                or not all(isinstance(ps, list) and all(isinstance(j, int) for j in ps) for ps in params):
            raise ProofError(f"{source}: 'parts' and 'params' must be lists of the same length")
        if not isinstance(data.get("function"), str) or not isinstance(data.get("budget"), int):
            raise ProofError(f"{source}: 'function' and 'budget' are missing")
        proofs = [vm.Proof.from_json(p, f"{source} part {k}") for k, p in enumerate(parts)]
        origin = data.get("source_program")
        sp = cls(data["function"], data["budget"], proofs, params, origin if isinstance(origin, str) else "")
        sp.stated = {key: data.get(key) for key in ("program_id", "program_checksum", "public_outputs", "constraints")}
        sp.outputs = sp.public_outputs
        return sp

    @classmethod
    def load(cls, path: Any) -> SplitProof:
        """Read a split proof file; ProofError if it is unreadable or not one (:func:`pyleo.vm.read_proof_json`)."""
        from . import vm

        return cls.from_json(vm.read_proof_json(path), str(path))


def opens_inputs(program: str, function: str, k: int) -> bool:
    """Whether part ``k`` of the split program ``program`` (Aleo text) of ``function`` hashes the struct that commits
    to the private inputs (:data:`COMMITTED_INPUTS`), i.e. outputs that commitment after its incoming link's."""
    import re

    block = re.search(rf"^function {re.escape(function)}_p{k}:\n(.*?)(?=^function |\Z)", program, re.M | re.S)
    return block is not None and \
        re.search(rf" as {re.escape(function + COMMITTED_INPUTS)};$", block.group(1), re.M) is not None


def declared_params(program: str, function: str, parts: int) -> list[list[int]]:
    """For each of the ``parts`` parts of the split program ``program`` (Aleo text) of ``function``, the indices of
    the source function's inputs it takes, as the program declares them (its :data:`INPUT_MAP` structs)."""
    import re

    found = []
    for k in range(parts):
        block = re.search(rf"^struct {re.escape(function + INPUT_MAP)}{k}:\n((?:    .*\n)*)", program, re.M)
        found.append([int(j) for j in re.findall(r"^    a(\d+) as boolean;$", block.group(1), re.M)] if block else [])
    return found


def is_split_proof(data: Any) -> bool:
    """True when a proof file's JSON object is a :class:`SplitProof`."""
    return isinstance(data, dict) and data.get("format") == SPLIT_FORMAT


def prove(plan: Plan, inputs: list[Any], blinding: int | None = None) -> SplitProof:
    """Prove ``plan``'s function on canonical ``inputs`` (one per original input), part after part.

    The values carried across each cut are computed by the batch evaluator of the structured
    instructions (:mod:`pyleo.batch`) and enter the next part as a private input; the links (and the
    commitment to the private inputs, :data:`COMMITTED_INPUTS`) get a fresh blinding value (``blinding``,
    a u128, when given: for tests). Raises ExecutionError when the function halts on these inputs (the
    interpreter's message), and what :func:`pyleo.vm.prove` raises.
    """
    from . import batch, vm
    from .values import to_aleo

    fn = plan.source.function(plan.function)
    assert fn is not None
    b, _ = batch.evaluate(fn, [list(inputs)])
    if b.halted[0]:
        from .errors import ExecutionError

        raise ExecutionError(f"`{plan.function}` halts on these inputs", None)
    values = {r: batch.row_value(v, b.types[r], 0) for r, v in b.values.items()}
    blinding = fresh_blinding() if blinding is None else blinding
    proofs = []
    for k, part in enumerate(plan.parts):
        args = [to_aleo(inputs[j], fn.inputs[j].type) for j in part.params]
        if k > 0:
            args.append(to_aleo(plan.link_value(k - 1, values, blinding), plan.links[k - 1]))
        elif len(plan.parts) > 1:
            args.append(to_aleo(blinding, BLINDING))
        proofs.append(vm.prove(plan.text, part.name, args))
    sp = SplitProof(plan.function, plan.budget, proofs, [p.params for p in plan.parts], plan.source.name)
    last = plan.parts[-1]
    sp.outputs = proofs[-1].outputs[(last.index > 0) + last.opens:]
    return sp


def explain(sp: SplitProof, *, plan: Plan | None = None, program: str | None = None,
            checksum: str | None = None) -> str | None:
    """Why ``sp`` does not verify as one unit, or None when it does.

    Checks that all parts are proofs of the same split program (``plan``'s, when given: the
    verifier's own split of the model it trusts; the Aleo text ``program``; the one with
    ``checksum``), that the part at
    position k proves function ``F_pk`` and that every part function has its proof (no part dropped,
    none reordered), that each part verifies (:func:`pyleo.vm.explain`, bound like the program),
    that each link's commitments agree (part k's outgoing = part k+1's incoming: a part from another
    run breaks it) and that parts reading the same public input saw the same value.
    """
    from . import vm

    if plan is not None and program is not None and vm.program_checksum(program) != vm.program_checksum(plan.text):
        raise InputError("the trusted split program is not the trusted model's split of the function")
    program = plan.text if plan is not None else program
    first = sp.parts[0]
    for k, part in enumerate(sp.parts):
        if part.checksum != first.checksum:
            return f"part {k} is a proof of another program (checksum {part.checksum}) than part 0 ({first.checksum})"
    import re

    names = re.findall(rf"^function ({re.escape(sp.function)}_p\d+):", first.program, re.M)
    if not names:
        return f"the file states the function {sp.function!r}, but the split program has no part of it"
    if len(names) != len(sp.parts):
        return (f"the split program has {len(names)} parts, the proof {len(sp.parts)}: "
                f"{'a part is missing' if len(sp.parts) < len(names) else 'there are extra parts'}")
    for k, part in enumerate(sp.parts):
        if part.function != f"{sp.function}_p{k}":
            return f"the part at position {k} proves `{part.function}`, not `{sp.function}_p{k}` (parts out of order)"
    actual = {"program_id": first.program_id, "program_checksum": sp.checksum, "public_outputs": sp.public_outputs,
              "constraints": sp.constraints}
    for key, value in sp.stated.items():
        if value != actual[key]:
            return (f"the file states the {key.replace('_', ' ')} {value!r}, but the parts' executions and verifying "
                    f"keys give {actual[key]!r}")
    if plan is not None and plan.function != sp.function:
        return f"the proof is of a split of `{sp.function}` that is not the trusted split of `{plan.function}`"
    for k, part in enumerate(sp.parts):
        reason = vm.explain(part, program=program, checksum=checksum)
        if reason is not None:
            return f"part {k}: {reason}"
    heads, opens = sp.heads(), sp.opens
    for k in range(len(sp.parts) - 1):
        out = sp.parts[k].public_outputs[heads[k]]
        back = sp.parts[k + 1].public_outputs[0]
        if out is None or out != back:
            return (f"the link between part {k} and part {k + 1} is broken: part {k} commits to {out}, part {k + 1} "
                    f"opens {back} (a part from another proof?)")
    if any(opens) and not opens[0]:
        return "part 0 does not commit to the private inputs that later parts read"
    for k, part in enumerate(sp.parts):
        if opens[k] and k > 0 and part.public_outputs[1] != sp.parts[0].public_outputs[0]:
            return (f"part {k} read other private inputs than part 0: its commitment to them is {part.public_outputs[1]}, "
                    f"part 0's {sp.parts[0].public_outputs[0]} (a part from another proof?)")
    declared = declared_params(first.program, sp.function, len(sp.parts))
    if sp.params != declared:
        return (f"the file states the params {sp.params!r}, but the split program declares {declared!r} (the inputs "
                f"of `{sp.function}` each part takes)")
    seen: dict[int, str] = {}
    for k, (part, ps) in enumerate(zip(sp.parts, sp.params)):
        for j, text in zip(ps, part.inputs):
            if text is not None and seen.setdefault(j, text) != text:
                return f"public input {j + 1} is {seen[j]} in one part and {text} in part {k}"
    name = first.program_id.removesuffix(".aleo")
    if split_program_name(sp.source, sp.function) != name:
        return (f"the file states the source program {sp.source!r}, but the split program {name}.aleo is not pyleo's "
                f"split of {sp.source}.aleo/{sp.function}")
    return None


def run(plan: Plan, inputs: list[Any], blinding: int | None = None) -> tuple[list[Any], list[int]]:
    """Evaluate the split program part after part (:mod:`pyleo.batch`, no snarkVM) on canonical ``inputs``.

    Returns the last part's outputs (the function's outputs, canonical values) and each link's
    commitment; raises ExecutionError if a part halts, or when a part's incoming commitment differs
    from the previous part's outgoing one (a pyleo bug). ``blinding``: the links' blinding value (random by default).
    """
    from . import batch
    from .errors import ExecutionError

    fn = plan.source.function(plan.function)
    assert fn is not None
    b, _ = batch.evaluate(fn, [list(inputs)])
    values = {r: batch.row_value(v, b.types[r], 0) for r, v in b.values.items()}
    blinding = blinding if blinding is not None else fresh_blinding()
    commitments: list[int] = []
    outputs: list[Any] = []
    frozen: int | None = None   # part 0's commitment to the private inputs
    head = 0
    for k, part in enumerate(plan.parts):
        code = plan.program.function(part.name)
        assert code is not None
        args = [inputs[j] for j in part.params]
        if k > 0:
            args.append(plan.link_value(k - 1, values, blinding))
        elif len(plan.parts) > 1:
            args.append(blinding)
        pb, outs = batch.evaluate(code, [args])
        if pb.halted[0]:
            raise ExecutionError(f"part {k} of `{plan.function}` halts", None)
        outputs = [batch.row_value(o, p.type, 0) for o, p in zip(outs, code.outputs)]
        if k > 0 and outputs[0] != commitments[-1]:
            raise ExecutionError(f"part {k} opens link {k - 1} to another commitment (a pyleo bug)", None)
        if part.opens:
            frozen = outputs[k > 0] if frozen is None else frozen
            if outputs[k > 0] != frozen:
                raise ExecutionError(f"part {k} commits to other private inputs than part 0 (a pyleo bug)", None)
        head = (k > 0) + part.opens
        if k < len(plan.parts) - 1:
            commitments.append(outputs[head])
    return outputs[head:], commitments
