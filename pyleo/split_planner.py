"""The split planner (:mod:`pyleo.split`): which instructions each part takes. A :class:`Planner` walks one order of a
function's instructions (:func:`planner` picks the order that keeps fewer values live) and prices every candidate
part from the cost model: its transition, its incoming and outgoing links, the inputs it takes and what it
recomputes (:data:`REMAT_COST`)."""

from __future__ import annotations

import bisect
from functools import cached_property
from typing import Any

from . import aleo_code, split_pieces
from .aleo_code import Function, Instr, Lit
from .cost import Analyzer, hashed_output_overlap, instruction_cost, interface_cost, load_table
from .errors import InputError, LimitError
from .limits import MAINNET_BUDGET
from .split_liveness import (BLINDING, Liveness, folded, link_hash, narrowing, private_input_cost, registers_read, schedule,
                             sunk)
from .split_proof import COMMITTED_INPUTS
from .types import ArrayType, IntType, StructType, Type

MARGIN = 0.03
"""Share of a part's instructions (its body, what it recomputes, its links' hashes and casts) kept free when
planning: the cost model prices them within ~2% (``benchmarks.cost_calibration``)."""

INTERFACE_MARGIN = 0.0075
"""Share of the budget kept free for the transition (inputs, outputs, links as private inputs) when planning: on
parts of split programs the cost model is within ~130 constraints of snarkVM's count (measured, docs/split.md: the
31 parts of the digits CNN at ``resolution=9`` over by 208 ± 6 each before a commitment's output was priced less
its hash's overlap, :func:`pyleo.cost.hashed_output_overlap`; within ~20 after)."""

MAX_PLAN_STEPS = 5_000_000
"""Work bound of the exact planners (part boundaries tried); beyond it the cuts are greedy."""

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
    """:meth:`Planner.recomputed` of ``[s, e)`` for growing ``e`` (instruction ``e - 1`` added at each step)."""

    def __init__(self, planner: Planner) -> None:
        self.p, self.seen, self.total = planner, set[int](), 0.0

    def upto(self, e: int) -> float:
        new = self.p.needs[e - 1] - self.seen
        self.seen |= new
        total = self.total = self.total + sum(self.p.remat_cost[r] for r in new)
        if e == self.p.lv.n:
            total += sum(self.p.remat_cost[r] for r in self.p.out_needs - self.seen)
        return total


class _Casts:
    """:meth:`Liveness.new_casts` of ``[s, e)`` for growing ``e`` (instruction ``e - 1`` added at each step)."""

    def __init__(self, planner: Planner, s: int) -> None:
        self.lv, self.s, self.total = planner.lv, s, 0.0

    def upto(self, e: int) -> float:
        lv = self.lv
        self.total += sum(lv.member[r][4] for r in lv.born.get(e, ()))
        self.total -= sum(lv.member[r][4] for r in lv.dies.get(e, ()) if lv.defined[r] >= self.s)
        return self.total + lv.repack(self.s, e)


def planner(code: aleo_code.Program, function: str, budget: int, commit: bool = False,
             pieces: bool = False) -> Planner:
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
    options = [Planner(code, sunk(order), budget, commit, origin) for order in (schedule(fn), fn)]
    return min(options, key=lambda p: sum(p.lv.count))


class Planner:
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
        # a commitment's public output (its hash's result: priced less the overlap, pyleo.cost.hashed_output_overlap)
        self.field_out = interface_cost(self.an, [("field", "public")], "outputs", self.table) - hashed_output_overlap(self.table)
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

    def cost(self, s: int, e: int, recomputed: float | None = None, casts: float | None = None, margin: float = 0.0) -> float:
        """The cost model's estimate of a part ``[s, e)`` (``recomputed``: :meth:`recomputed`, ``casts``: its outgoing
        link's :meth:`Liveness.new_casts`, when known), its instructions' share counted ``1 + margin`` times
        (:data:`MARGIN`)."""
        n = self.lv.n
        if recomputed is None:
            recomputed = self.recomputed(s, e)
        params = self.params(s, e)
        work = recomputed + self.body_prefix[e] - self.body_prefix[s]    # the instructions, link hashes and casts
        total = self.base + self.inputs_cost(params) - self.fold_saving(s, e, params)   # the transition
        if s > 0:
            link_in, hashed, _ = self.lv.link_costs(s)
            total += link_in + self.field_out
            work += hashed
        if (s > 0 or e < n) and self.opens(s, e):
            total += self.field_out
            work += self.frozen_hash[1]
        if e < n:
            work += self.lv.link_costs(e)[1] + (self.lv.new_casts(s, e) if casts is None else casts)
            total += self.field_out + (self.blinding_cost if s == 0 else 0.0)
        else:
            total += self.out_cost
        return total + work * (1 + margin)

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
        best: dict[tuple[int, int], tuple[float, int]] = {(1, s): (self.cost(s, n, margin=MARGIN), n) for s in range(n)}
        for j in range(2, k + 1):
            for s in range(n):
                options = [(max(self.cost(s, e, margin=MARGIN), best[j - 1, e][0]), e) for e in range(s + 1, n) if (j - 1, e) in best]
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
            extra, casts = _Recomputed(self), _Casts(self, s)
            for e in range(s + 1, n + 1):
                if self.base + self.body_prefix[e] - self.body_prefix[s] > target:
                    break
                recomputed, cast = extra.upto(e), casts.upto(e)   # every step: they add instruction e - 1
                if fewest[e] + 1 <= fewest[s] and self.cost(s, e, recomputed, cast, MARGIN) <= target:
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
            extra, casts = _Recomputed(self), _Casts(self, s)
            for e in range(s + 1, n + 1):
                if self.base + self.body_prefix[e] - self.body_prefix[s] > target:
                    break
                if self.cost(s, e, extra.upto(e), casts.upto(e), MARGIN) <= target:
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
        link_out = self.lv.link_costs(e)[1] + self.lv.new_casts(s, e) + self.field_out if e < n else self.out_cost
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
            f"raise the budget (e.g. mainnet's {MAINNET_BUDGET:,}, `--budget {MAINNET_BUDGET}`) or make the model easier to split: fewer values crossing each cut "
            "(a narrower layer before the last), a smaller input (fewer features or bits per feature)")
