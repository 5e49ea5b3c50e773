"""Splitting a function too large for one circuit into parts, each one circuit, chained by commitments.

snarkVM proves one function as one circuit; here the degree-16 parameters bound it at 16,384
constraints (:data:`pyleo.limits.LOCAL_BUDGET`), mainnet at 2^22 per program (:data:`pyleo.limits.MAINNET_BUDGET`). A
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
blinding value ``r: u128`` (drawn at random per proof, an input of part 0 only, then carried in every link). A part
that takes a private input of the function takes its link (part 0: the blinding value) inside the first one, a
struct ``F_pk_x`` (:attr:`Part.fold`): a private input's fixed cost (~1,290 constraints) is paid once per part.
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

What a part can hold here (measured, ``benchmarks/end_to_end.py``; each item: ``benchmarks/link_costs.py``,
docs/split.md): a part between two cuts with an empty body whose link carries only breast_cancer's packed input
([u64; 15]) is 15,198 constraints with ``hash.psd8`` (16,368 with ``hash.psd2``); carrying KNN's five best distances
(u64) and labels beside iris' packed input, 14,472. Each part pays ~9,800 of transition, ~1,300-2,000 for the link
as a private input, ~1,250-1,500 per commitment (its hash ~270-500, the public output of its result ~990) before any
of the model's work, so under the local budget a middle part holds ~500-1,500 constraints of body: the 100-tree forest on
30 features and KNN over 105 points (36,000 constraints of 64-bit sign tests) need more parts than the 31 functions
one program holds.

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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import aleo_code, split_pieces, vectorized
from .aleo_code import Function, Instr, Lit, Param, Reg
from .cost import Analyzer, estimate, instruction_cost, interface_cost, load_table
from .errors import ExecutionError, InputError, LimitError
from .limits import (LOCAL_BUDGET, MAINNET_BUDGET, MAX_FUNCTIONS, MAX_INPUTS, MAX_OUTPUTS,
                     MAX_STRUCT_MEMBERS)
from .split_liveness import (BLINDING, INDEX, LINK_HASHES, Liveness, folded, hash_cost, link_hash, narrowing,
                             private_input_cost, registers_read, schedule)
from .split_proof import (COMMITTED_INPUTS, INPUT_MAP, SPLIT_FORMAT, SplitProof, declared_params, explain, fresh_blinding,
                          is_split_proof, opens_inputs, prove, run, split_program_name)
from .types import FIELD_MODULUS, ArrayType, BoolType, FieldType, IntType, StructType, Type

__all__ = [   # the planner, and the proof format and analysis it is used with (pyleo.split_proof, pyleo.split_liveness)
    "BLINDING", "COMMITTED_INPUTS", "INDEX", "INPUT_MAP", "LINK_HASHES", "LOCAL_BUDGET", "MAINNET_BUDGET", "MARGIN",
    "MAX_PLAN_STEPS", "REMAT_COST", "SPLIT_FORMAT", "Part", "Plan", "SplitProof", "crossing", "declared_params",
    "explain", "fresh_blinding", "hash_cost", "is_split_proof", "link_hash", "narrowing", "opens_inputs",
    "part_estimate", "plan", "prove", "run", "schedule", "split_program_name",
]
MAX_PLAN_STEPS = 5_000_000
"""Work bound of the exact planners (part boundaries tried); beyond it the cuts are greedy."""

FOLDED = "_x"
"""Suffix of the struct ``F_pk_x`` by which part ``k`` takes its incoming link inside its first private input
(:attr:`Part.fold`)."""

MARGIN = 0.03
"""Share of the budget kept free when planning: the cost model is within ~2% (``benchmarks.cost_calibration``)."""
FIELD = FieldType()

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
    pieces: list[list[int] | None] = field(default_factory=list)
    """For each input of the part: None (it takes ``params[n]`` whole), or the elements of that array input it takes,
    in order, as one smaller array (a plan whose private arrays are read in pieces, :func:`plan`'s ``pieces``)."""
    opens: bool = False
    """Whether the part takes the function's private inputs and outputs their commitment (:data:`COMMITTED_INPUTS`)."""
    fold: int | None = None
    """The input holding the part's incoming link (part 0: the blinding value) beside its own value, a struct
    ``F_pk_x`` of members ``x`` (the input) and ``l`` (the link; part 0: ``r``, the blinding value): the part's first
    private input, which then costs the transition one input less (measured: a private input's fixed cost is ~1,290
    constraints, docs/split.md). None: the link (blinding value) is an input of its own after the others."""


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
    planned: Function | None = None
    """The function the parts were cut from: the source's, or with the private arrays read in pieces (one input per
    element) and its sums re-associated (:func:`plan`'s ``pieces``); its registers are what the links carry."""
    origin: list[tuple[int, int | None]] = field(default_factory=list)
    """For each input of :attr:`planned`: ``(source input, element)`` (element None: the source input itself)."""

    def part_values(self, k: int, inputs: list[Any], values: dict[int, Any], blinding: int) -> list[Any]:
        """The canonical values of part ``k``'s inputs from the function's ``inputs``, the registers' ``values``
        (:meth:`values`) and the links' ``blinding`` value: the source inputs it takes, its incoming link (part 0: the
        blinding value) inside the first private one (:attr:`Part.fold`) or after them."""
        part = self.parts[k]
        args = [inputs[j] if els is None else [inputs[j][i] for i in els] for j, els in zip(part.params, part.pieces)]
        if len(self.parts) == 1:
            return args
        carrier = self.link_value(k - 1, values, blinding) if k > 0 else blinding
        if part.fold is None:
            return [*args, carrier]
        args[part.fold] = {"x": args[part.fold], "l" if k > 0 else "r": carrier}
        return args

    def values(self, inputs: list[Any]) -> dict[int, Any]:
        """Every register of :attr:`planned` on the function's canonical ``inputs`` (:mod:`pyleo.vectorized`); raises
        ExecutionError when the function halts on them (the interpreter's message)."""
        assert self.planned is not None
        row = [inputs[j] if i is None else inputs[j][i] for j, i in self.origin]
        b, _ = vectorized.evaluate(self.planned, [row])
        if b.halted[0]:
            raise ExecutionError(f"`{self.function}` halts on these inputs", None)
        return {r: vectorized.row_value(v, b.types[r], 0) for r, v in b.values.items()}

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


def _planner(code: aleo_code.Program, function: str, budget: int, commit: bool = False,
             pieces: bool = False) -> _Planner:
    """The planner over the order of ``function``'s instructions that keeps fewer values live across its
    cuts (summed over every cut): :func:`schedule`'s, or the order they were written in (which is
    already a stream for a model written as one, e.g. KNN's insertion of one point after the other:
    measured on KNN over the 105 iris points, at most 15 values live against 214 scheduled)."""
    fn = code.function(function)
    if fn is None:
        raise InputError(f"program {code.name} has no function `{function}`",
                         hint=f"its functions: {', '.join(f.name for f in code.functions)}")
    origin: list[tuple[int, int | None]] = [(j, None) for j in range(len(fn.inputs))]
    if pieces:
        fn, origin = split_pieces.pieces(fn)
        fn = split_pieces.reassociate(fn)
    options = [_Planner(code, order, budget, commit, origin) for order in (schedule(fn), fn)]
    return min(options, key=lambda p: sum(p.lv.count))


class _Planner:
    def __init__(self, code: aleo_code.Program, fn: Function, budget: int, commit: bool,
                 origin: list[tuple[int, int | None]]) -> None:
        function = fn.name
        self.code, self.budget, self.commit, self.origin, self.planned = code, budget, commit, origin, fn
        self.piece_costs: dict[str, float] = {}
        self.feature_cache: dict[str, tuple[int, int, int, int]] = {}
        self.source_types: list[Any] = [p.type for p in code.function(function).inputs]  # type: ignore[union-attr]
        self.table = load_table()
        self.an = Analyzer(aleo_code.Program(code.name, code.structs, [fn]))
        costs = [instruction_cost(ins, self.table) for ins in self.an.function(function).instructions]
        # values computed from private inputs alone for at most REMAT_COST constraints (free ones from public
        # inputs) are recomputed in every part that reads them rather than carried (REMAT_COST); an instruction
        # that may halt is only recomputed when something reads it (so some part still runs it)
        self.remat: dict[int, Instr] = {}
        self.remat_cost: dict[int, float] = {}
        closure: dict[int, frozenset[int]] = {}     # the recomputed instructions (by result) a value needs
        read = {r for ins in fn.body for r in registers_read(ins)} | {p.reg for p in fn.outputs}
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
            regs = registers_read(ins)
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
        self.lv = Liveness(self.fn, reads, out_reads, types, self.an, self.table, narrowing(fn), commit)
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
        params = self.params(s, e)
        total = self.base + recomputed + self.body_prefix[e] - self.body_prefix[s] + self.inputs_cost(params)
        total -= self.fold_saving(s, e, params)
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

    def fold_saving(self, s: int, e: int, params: list[int]) -> float:
        """What a part ``[s, e)`` saves by taking its incoming link (part 0: the blinding value) inside its first private
        input (:attr:`Part.fold`) rather than as an input of its own: one input's fixed cost and its hash blocks."""
        if s == 0 and e == self.lv.n:
            return 0.0
        x = self.first_private(params)
        if x is None:
            return 0.0
        carrier = self.lv.link_features(s) if s > 0 else self.blinding_features
        coef = self.lv.coef_in
        return private_input_cost(x, coef) + private_input_cost(carrier, coef) - private_input_cost(folded([x, carrier]), coef)

    def first_private(self, params: list[int]) -> tuple[int, int, int, int] | None:
        """(scalars, value bits, field scalars, serialized bits) of the first private input a part taking ``params``
        has (the elements of one source input read in pieces are one array input), or None."""
        for at, q in enumerate(params):
            if self.fn.inputs[q].public:
                continue
            j, i = self.origin[q]
            if i is None:
                t = self.fn.inputs[q].type
            else:
                m = sum(1 for r in params[at:] if self.origin[r][0] == j)
                t = ArrayType(self.source_types[j].elem, m)
            return self.features(t.aleo())
        return None

    def features(self, aleo_type: str) -> tuple[int, int, int, int]:
        """(scalars, value bits, field scalars, serialized bits) of a value of ``aleo_type`` (cached per type)."""
        if aleo_type not in self.feature_cache:
            info = self.an.info(aleo_type)
            self.feature_cache[aleo_type] = (info.elements, info.bits, sum(sc == "field" for sc in info.scalars),
                                             info.serialized_bits)
        return self.feature_cache[aleo_type]

    @cached_property
    def blinding_features(self) -> tuple[int, int, int, int]:
        return self.features(BLINDING.aleo())

    def inputs_cost(self, params: list[int]) -> float:
        """Constraints of taking the inputs ``params`` (the elements of one array input read in pieces: as one array)."""
        pieces: dict[int, int] = {}
        total = 0.0
        for q in params:
            j, i = self.origin[q]
            if i is None:
                total += self.param_cost[q]
            else:
                pieces[j] = pieces.get(j, 0) + 1
        for j, m in pieces.items():
            total += self.piece_cost(ArrayType(self.source_types[j].elem, m).aleo())
        return total

    def piece_cost(self, aleo_type: str) -> float:
        """Constraints of one private input of ``aleo_type`` (cached per type)."""
        if aleo_type not in self.piece_costs:
            self.piece_costs[aleo_type] = interface_cost(self.an, [(aleo_type, "private")], "inputs", self.table)
        return self.piece_costs[aleo_type]

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
                recomputed = extra.upto(e)   # every step: it adds what instruction e - 1 needs
                if fewest[e] + 1 <= fewest[s] and self.cost(s, e, recomputed) <= target:
                    fewest[s], nxt[s] = fewest[e] + 1, e
        if n and fewest[0] >= INF:
            raise self.stuck(max((s for s in range(n) if fewest[s] >= INF), default=0), target)
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
                raise self.stuck(s, target)
            ranges.append((s, best))
            s = best
        return ranges

    def stuck(self, s: int, target: float) -> LimitError:
        """The error for a split where no part starting at instruction ``s`` fits ``target`` constraints (the budget less
        the cost model's margin) with the rest split after it: what the smallest such part (that instruction alone)
        costs, item by item (cost model)."""
        n, e = self.lv.n, min(s + 1, self.lv.n)
        link_in = sum(self.lv.link_costs(s)[:2]) + self.field_out if s > 0 else 0.0
        link_out = self.lv.link_costs(e)[1] + self.lv.link_costs(e)[2] + self.field_out if e < n else self.out_cost
        params = self.params(s, e)
        inputs = self.inputs_cost(params) - self.fold_saving(s, e, params)
        work = self.body_prefix[e] - self.body_prefix[s] + self.recomputed(s, e)
        opcode = f" (`{self.fn.body[s].opcode}`)" if s < n else ""
        single = self.base + work > self.budget
        return LimitError(
            f"`{self.fn.name}` cannot be split to a budget of {self.budget:,} constraints: no part starting at "
            f"instruction {s}{opcode} fits in the ~{target:,.0f} a part is planned to (the rest split after it); the smallest, that instruction alone, costs ~{self.cost(s, e):,.0f}: the "
            f"transition ~{self.base:,.0f}, the incoming link of {self.lv.count[s] if s else 0} values (a private "
            f"input, its hash and commitment) ~{link_in:,.0f}, the outgoing link of {self.lv.count[e] if e < n else 0} "
            f"values (or the outputs) ~{link_out:,.0f}, the inputs it takes ~{inputs:,.0f}, the instruction and what it "
            f"recomputes ~{work:,.0f}" + (" (this one operation alone is over the budget)" if single else ""), None,
            "raise the budget (e.g. mainnet's 2^21) or make the model easier to split: fewer values crossing each cut "
            "(a narrower layer before the last), a smaller input (fewer features or bits per feature)")


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
    if not plans and not commit:   # the private arrays read in pieces: each element enters where first read
        try:
            plans.append(_plan(_planner(code, function, budget, False, pieces=True), function, budget, parts, whole))
        except LimitError as e:
            errors.insert(0, e)
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
    if len(ranges) > MAX_FUNCTIONS:
        raise LimitError(f"`{fn.name}` needs {len(ranges)} parts; one program holds at most {MAX_FUNCTIONS} functions",
                         None, f"raise the budget (e.g. mainnet's {MAINNET_BUDGET:,})")
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
        body: list[Instr] = []
        outputs: list[Param] = []
        rename: dict[int, Reg] = {}      # a carried register (or an input element) → where this part reads it
        groups: dict[int, list[int]] = {}   # a source input → the planner's inputs standing for it here
        for q in planner.params(s, e):
            groups.setdefault(planner.origin[q][0], []).append(q)
        inputs, pieces = [], []
        for qs in groups.values():
            if planner.origin[qs[0]][1] is None:
                inputs.append(fn.inputs[qs[0]])
                pieces.append(None)
                continue
            piece = next(fresh)          # the elements this part takes, as one array
            inputs.append(Param(piece, ArrayType(fn.inputs[qs[0]].type, len(qs)), False))
            pieces.append([planner.origin[q][1] for q in qs])
            for at, q in enumerate(qs):
                rename[fn.inputs[q].reg] = Reg(piece, (at,))
        narrowed: dict[int, Reg] = {}    # a narrowed carried register → its integer in the incoming link
        carried_in = lv.live(s) if k > 0 else []
        carrier = links[k - 1] if k > 0 else BLINDING if last > 0 else None   # the incoming link, or the blinding value
        fold = next((i for i, p in enumerate(inputs) if not p.public), None) if carrier is not None else None
        held: Reg | None = None          # where the part reads its carrier
        if fold is not None:             # the carrier inside the first private input: one input's cost saved
            assert carrier is not None
            inner = inputs[fold]
            taken = Reg(next(fresh))
            member = "l" if k > 0 else "r"
            struct = StructType(f"{name}{FOLDED}", (("x", inner.type), (member, carrier)))
            structs.append(struct)
            inputs[fold] = Param(taken.id, struct, False)
            for r, at in list(rename.items()):
                if at.id == inner.reg:
                    rename[r] = Reg(taken.id, ("x", *at.path))
            rename.setdefault(inner.reg, taken.at("x"))
            held = taken.at(member)
        elif carrier is not None:
            held = Reg(next(fresh))
            inputs.append(Param(held.id, carrier, False))
        r_op: aleo_code.Operand | None = None   # the blinding value: part 0's input, then carried in every link
        if k == 0 and held is not None:
            r_op = held
        if k > 0:
            assert held is not None
            h_in = next(fresh)
            r_op = held.at("r")
            body.append(Instr(opcodes[k - 1], (held,), h_in, FIELD))
            outputs.append(Param(h_in, FIELD, True))
            for r, path in zip(carried_in, link_paths[k - 1]):
                rename[r] = Reg(held.id, (*held.path, *path))
                if r in lv.narrow:   # back to a field, then + lo (no constraint)
                    narrowed[r], lo = rename[r], lv.narrow[r][0]
                    rename[r] = _shifted(Instr("cast", (rename[r],), next(fresh), FIELD, True), lo, body, fresh)

        def operand(op: aleo_code.Operand) -> aleo_code.Operand:
            if isinstance(op, Reg) and op.id in rename:
                base = rename[op.id]
                return Reg(base.id, (*base.path, *op.path))
            return op

        opens = last > 0 and planner.opens(s, e)
        if opens:   # the commitment to the private inputs: published by part 0, the same in every part reading them
            assert r_op is not None
            frozen_reg, c_x = next(fresh), next(fresh)
            body.append(Instr("cast", (*(operand(Reg(fn.inputs[j].reg)) for j in planner.frozen), r_op), frozen_reg,
                              planner.frozen_struct))
            body.append(Instr(planner.frozen_hash[0], (Reg(frozen_reg),), c_x, FIELD))
            outputs.append(Param(c_x, FIELD, True))

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
                todo += registers_read(planner.remat[r])
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
        parts.append(Part(k, name, s, e, list(groups), list(carried_in), list(carried_out), pieces=pieces, opens=opens,
                          fold=fold))
    structs += [StructType(f"{fn.name}{INPUT_MAP}{p.index}", tuple((f"a{j}", BoolType()) for j in p.params))
                for p in parts if p.params]
    program = aleo_code.Program(split_program_name(code.name, fn.name), [*code.structs, *structs], functions)
    for part in parts:
        part.constraints = part_estimate(program, part.name)
    return Plan(code, fn.name, planner.budget, whole, parts, program, links,
                {r: lv.narrow[r] for part in parts for r in part.carried_out if r in lv.narrow},
                planner.planned, planner.origin)


def _shifted(ins: Instr, lo: int, body: list[Instr], fresh: Any) -> Reg:
    """Append ``ins`` (a field result) to ``body`` and, unless ``lo`` is 0, ``+ lo``; the register holding the result."""
    body.append(ins)
    if lo == 0:
        return Reg(ins.result)
    value = next(fresh)
    body.append(Instr("add", (Reg(ins.result), Lit(lo % FIELD_MODULUS, FIELD)), value, FIELD, True))
    return Reg(value)

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
