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
to the next part as one private struct input, the *link* (one member ``a``, ``b`` … per carried type, an array when it
holds several values, :func:`pyleo.split_liveness.link_layout`; grouped into nested structs ``g0 …`` of at most 32
members when there are more), the link's index ``i: u8`` and a
blinding value ``r: u128`` (drawn at random per proof, an input of part 0 only, then carried in every link). A part
that takes a private input of the function takes its link (part 0: the blinding value) inside the first one, a
struct ``F_pk_x`` (:attr:`Part.fold`): a private input's fixed cost (~1,290 constraints) is paid once per part.
A field value whose integer bounds are known (:func:`narrowing`: interval arithmetic over the
instructions) crosses as ``v - lo`` in the narrowest unsigned type that holds it, checked by the
sender's ``cast``; a field element costs a private input ~390 constraints more than its bits.
Part k ends with a hash of its outgoing link as a public output; part k+1 starts by
hashing its incoming link, also a public output; the hash is the cheapest of ``hash.psd2``, ``hash.psd4`` and
``hash.psd8`` for the link's size (:func:`link_hash`: psd4 for 3-4 packed field elements, psd8 from 5 on). A
verifier accepts the parts as one proof when
every part verifies and each part's outgoing commitment equals the next part's incoming one: the
intermediate values never leave the prover in clear, and a part from another run (another
blinding value), a reordered or dropped part breaks a link (:func:`explain`).
Public inputs of the function are public inputs of every part that reads them (the verifier checks
they carry the same value); its outputs are the last part's. Cheap work on private inputs (a packed
input's unpacking, :data:`REMAT_COST`) is recomputed in each part that reads it, so a link carries
the packed words rather than the unpacked features. The instructions are cut in the order that keeps
fewer values live (:func:`schedule`'s or as written, :func:`pyleo.split_planner.planner`).

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

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import aleo_code, vectorized
from .aleo_code import Function, Instr, Lit, Param, Reg
from .cost import estimate
from .errors import ExecutionError, LimitError
from .limits import (LOCAL_BUDGET, MAINNET_BUDGET, MAX_FUNCTIONS, MAX_INPUTS, MAX_OUTPUTS,
                     MAX_STRUCT_MEMBERS)
from .split_liveness import (BLINDING, INDEX, LINK_HASHES, WORD, hash_cost, link_hash, link_layout, member_name,
                             narrowing, registers_read, schedule)
from .split_planner import INTERFACE_MARGIN, MARGIN, MAX_PLAN_STEPS, REMAT_COST, Planner, planner
from .split_proof import (COMMITTED_INPUTS, INPUT_MAP, SPLIT_FORMAT, SplitProof, declared_params, explain, fresh_blinding,
                          is_split_proof, opens_inputs, part_of, prove, run, split_program_name)
from .types import FIELD_MODULUS, ArrayType, BoolType, FieldType, IntType, StructType, Type

__all__ = [   # the planner, and the proof format and analysis it is used with (pyleo.split_proof, pyleo.split_liveness)
    "BLINDING", "COMMITTED_INPUTS", "INDEX", "INPUT_MAP", "INTERFACE_MARGIN", "LINK_HASHES", "LOCAL_BUDGET",
    "MAINNET_BUDGET", "MARGIN",
    "MAX_PLAN_STEPS", "REMAT_COST", "SPLIT_FORMAT", "Part", "Plan", "SplitProof", "crossing", "declared_params",
    "explain", "fresh_blinding", "hash_cost", "is_split_proof", "link_hash", "narrowing", "opens_inputs",
    "part_estimate", "part_of", "plan", "prove", "run", "schedule", "split_program_name",
]
FOLDED = "_x"
"""Suffix of the struct ``F_pk_x`` by which part ``k`` takes its incoming link inside its first private input
(:attr:`Part.fold`)."""

SHIFT = IntType(32, False)
"""The type of a shift's amount (``shr``) when a packed link value is unpacked."""

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
    link_slots: list[list[Slot]] = field(default_factory=list)
    """For each link, where each of its carried registers (:attr:`Part.carried_out`, in order) sits in it."""

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
        regs = self.parts[k].carried_out
        carried = [(values[r] - self.narrow[r][0]) % FIELD_MODULUS if r in self.narrow else values[r] for r in regs]
        slots = self.link_slots[k]

        def word(parts: tuple[tuple[int, int], ...]) -> int:
            return sum(int(carried[i]) << shift for i, shift in parts)

        members = {m: _assemble(t, slots, carried.__getitem__, word, (m,)) for m, t in self.links[k].fields[:-2]}
        return {**members, "i": k, "r": blinding}

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
    if not 0 < budget <= MAINNET_BUDGET:
        raise LimitError(f"a constraint budget is a number of constraints from 1 to mainnet's {MAINNET_BUDGET:,} per "
                         f"circuit (no circuit holds more), not {budget:,}", None)
    carry = planner(code, function, budget, False)
    whole = estimate(code, function).total
    if parts is None and whole <= budget or all(p.public for p in carry.fn.inputs):
        ways = [False]   # one part, or nothing to commit
    else:
        ways = [False, True] if commit is None else [commit]
    plans, errors = [], []
    for way in ways:
        try:
            plans.append(_plan(planner(code, function, budget, True) if way else carry, function, budget, parts, whole))
        except LimitError as e:
            errors.append(e)
    if not plans and not commit:   # the private arrays read in pieces: each element enters where first read
        try:
            plans.append(_plan(planner(code, function, budget, False, pieces=True), function, budget, parts, whole))
        except LimitError as e:
            errors.insert(0, e)
    if not plans:
        raise errors[0]
    return min(plans, key=lambda p: (len(p.parts), p.total))


def _plan(planner: Planner, function: str, budget: int, parts: int | None, whole: int) -> Plan:
    """The plan of ``planner``'s cuts (or ``parts`` balanced parts), each part within the budget with the margins
    (:data:`MARGIN` of its instructions, :data:`INTERFACE_MARGIN` of the budget) by the estimate of the part as
    built; the target lowered by the excess and planned again when the built parts exceed it (they need not)."""
    target = budget * (1 - INTERFACE_MARGIN)
    for _ in range(6):
        ranges = [(0, planner.lv.n)] if parts is None and whole <= budget else \
            planner.cuts(target) if parts is None else planner.balanced(parts)
        result = _build(planner, ranges, whole)
        worst = max(p.constraints for p in result.parts)
        margined = max(_margined(result.program, p.name) for p in result.parts)
        fits = margined <= budget * (1 - INTERFACE_MARGIN / 2)
        if fits or (len(ranges) == 1 or parts is not None) and worst <= budget:
            return result
        if parts is not None:
            break
        target -= margined - budget * (1 - INTERFACE_MARGIN / 2)
    raise LimitError(f"no split of `{function}` within {budget:,} constraints per part found "
                     f"(the best has a part of ~{worst:,})", None, "raise the budget or change the number of parts")


def crossing(code: aleo_code.Program, function: str, at: float = 0.5) -> dict[str, Any]:
    """What a cut of ``function`` at the fraction ``at`` of its (scheduled) instructions would carry: the
    values live across it counted by Aleo type (``"values"``), and the cost model's estimate of its link
    (``"link_input"``: as a private input, ``"hash"``: one ``hash.psd2`` of it), in constraints. For
    explaining why a function cannot be split (what crosses every cut); raises InputError for an unknown
    function."""
    from collections import Counter

    lv = planner(code, function, LOCAL_BUDGET).lv
    c = min(max(round(at * lv.n), 0), lv.n)
    link_input, hashed, _ = lv.link_costs(c)
    return {"cut": c, "instructions": lv.n, "values": dict(Counter(lv.types[r].aleo() for r in lv.live(c))),
            "link_input": round(link_input), "hash": round(hashed)}


Slot = tuple[tuple[str | int, ...], int | None]
"""Where a carried value sits in its link: the access path (members, array indices) and, when it is packed into a
word (:func:`pyleo.split_liveness.link_layout`), its shift in it."""


def _link_type(name: str, regs: list[int], types: dict[int, Type],
               narrow: Any) -> tuple[StructType, list[StructType], list[Slot]]:
    """The link struct (and its group structs) for ``regs`` (:func:`pyleo.split_liveness.link_layout`: one member per
    carried type: a lone value, an array, or narrow integers packed into ``u128`` words) and each register's slot."""
    members: list[tuple[str, Type]] = []
    slots: list[Slot] = [((), None)] * len(regs)
    for member in link_layout([types[r] for r in regs], [r in narrow for r in regs]):
        m = member_name(len(members))
        members.append((m, member.type))
        for k, i in enumerate(member.values):
            path, shift = member.slot(k)
            slots[i] = ((m, *path), shift)
    if len(members) + 2 <= MAX_STRUCT_MEMBERS:
        return StructType(name, (*members, ("i", INDEX), ("r", BLINDING))), [], slots
    groups: list[StructType] = []
    for g in range(0, len(members), MAX_STRUCT_MEMBERS):
        groups.append(StructType(f"{name}_g{g // MAX_STRUCT_MEMBERS}", tuple(members[g:g + MAX_STRUCT_MEMBERS])))
    if len(groups) + 2 > MAX_STRUCT_MEMBERS:
        raise LimitError(f"{len(regs)} values of {len(members)} types live across a cut; a link holds at most "
                         f"{(MAX_STRUCT_MEMBERS - 2) * MAX_STRUCT_MEMBERS} arrays", None, "raise the budget")
    where = {m: f"g{j // MAX_STRUCT_MEMBERS}" for j, (m, _) in enumerate(members)}
    slots = [((where[str(path[0])], *path), shift) for path, shift in slots]
    link = StructType(name, (*((f"g{i}", s) for i, s in enumerate(groups)), ("i", INDEX), ("r", BLINDING)))
    return link, groups, slots


def _assemble(t: Type, slots: list[Slot], leaf: Any, word: Any, prefix: tuple[str | int, ...] = ()) -> Any:
    """The value (or operand) of type ``t`` at ``prefix`` of a link whose carried values sit at ``slots``: the
    ``leaf(i)`` of the ``i``-th carried value, a packed word (``word(parts)`` of its ``(i, shift)`` parts, :func:`_words`), or the
    struct or array built from its members (as a dict or list)."""
    at = {path: i for i, (path, shift) in enumerate(slots) if shift is None}
    packed = _words(list(range(len(slots))), slots)

    def build(t: Type, prefix: tuple[str | int, ...]) -> Any:
        if prefix in at:
            return leaf(at[prefix])
        if prefix in packed:
            return word(packed[prefix])
        if isinstance(t, StructType):
            return {m: build(mt, (*prefix, m)) for m, mt in t.fields}
        assert isinstance(t, ArrayType)
        return [build(t.elem, (*prefix, k)) for k in range(int(t.size))]

    return build(t, prefix)


def _build(planner: Planner, ranges: list[tuple[int, int]], whole: int) -> Plan:
    fn, lv, code = planner.fn, planner.lv, planner.code
    if len(ranges) > MAX_FUNCTIONS:
        raise LimitError(f"`{fn.name}` needs {len(ranges)} parts; one program holds at most {MAX_FUNCTIONS} functions",
                         None, f"raise the budget (e.g. mainnet's {MAINNET_BUDGET:,})")
    fresh = iter(range(max([*lv.types, 0]) + 1, 1 << 62))
    structs: list[StructType] = []
    links: list[StructType] = []
    link_slots: list[list[Slot]] = []
    opcodes = []
    for k, (_, e) in enumerate(ranges[:-1]):
        live = lv.live(e)
        link, groups, paths = _link_type(f"{fn.name}_link{k}", live, {r: lv.carried_type(r) for r in live}, lv.narrow)
        structs += [*groups, link]
        links.append(link)
        link_slots.append(paths)
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
        words_in: dict[tuple[tuple[int, int], ...], aleo_code.Operand] = {}   # an incoming packed word by its contents
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
            for path, contents in _words(carried_in, link_slots[k - 1]).items():
                words_in[contents] = Reg(held.id, (*held.path, *path))
            for r, (path, shift) in zip(carried_in, link_slots[k - 1]):
                rename[r] = Reg(held.id, (*held.path, *path))
                if shift is not None:   # unpacked from its word: shr and cast.lossy of an input's bits (no constraint)
                    w = rename[r]
                    if shift:
                        w = Reg(next(fresh))
                        body.append(Instr("shr", (rename[r], Lit(shift, SHIFT)), w.id, WORD, True))
                    rename[r] = Reg(next(fresh))
                    body.append(Instr("cast.lossy", (w,), rename[r].id, lv.carried_type(r), True))
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
            ops = _link_operands(links[k], link_slots[k], carried_out, [carried(r) for r in carried_out], words_in,
                                 body, fresh)
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
                planner.planned, planner.origin, link_slots)


def _shifted(ins: Instr, lo: int, body: list[Instr], fresh: Any) -> Reg:
    """Append ``ins`` (a field result) to ``body`` and, unless ``lo`` is 0, ``+ lo``; the register holding the result."""
    body.append(ins)
    if lo == 0:
        return Reg(ins.result)
    value = next(fresh)
    body.append(Instr("add", (Reg(ins.result), Lit(lo % FIELD_MODULUS, FIELD)), value, FIELD, True))
    return Reg(value)

def _words(regs: list[int], slots: list[Slot]) -> dict[tuple[str | int, ...], tuple[tuple[int, int], ...]]:
    """The packed words of a link carrying ``regs`` at ``slots``: path → its (register, shift) contents."""
    words: dict[tuple[str | int, ...], list[tuple[int, int]]] = {}
    for r, (path, shift) in zip(regs, slots):
        if shift is not None:
            words.setdefault(path, []).append((r, shift))
    return {path: tuple(parts) for path, parts in words.items()}


def _link_operands(link: StructType, slots: list[Slot], regs: list[int], ops: list[aleo_code.Operand],
                   words_in: dict[tuple[tuple[int, int], ...], aleo_code.Operand], body: list[Instr],
                   fresh: Any) -> list[aleo_code.Operand]:
    """Operands that build ``link`` (without its index and blinding) from the carried registers ``regs``, read as
    ``ops``, at ``slots`` (:func:`_link_type`): its arrays and group structs are cast into ``body`` (grouping: no
    constraint); a packed word is the incoming one holding the same registers at the same shifts (``words_in``), else
    the field sum of its values shifted, cast into ``u128`` (checked: ~129 constraints)."""
    def word(parts: tuple[tuple[int, int], ...]) -> aleo_code.Operand:
        same = words_in.get(tuple((regs[i], shift) for i, shift in parts))
        if same is not None:
            return same
        acc: aleo_code.Operand | None = None
        for i, shift in parts:
            term = Reg(next(fresh))
            body.append(Instr("cast", (ops[i],), term.id, FIELD, True))
            if shift:
                scaled = Reg(next(fresh))
                body.append(Instr("mul", (term, Lit(1 << shift, FIELD)), scaled.id, FIELD, True))
                term = scaled
            if acc is not None:
                total = Reg(next(fresh))
                body.append(Instr("add", (acc, term), total.id, FIELD, True))
                term = total
            acc = term
        reg = next(fresh)
        body.append(Instr("cast", (acc,), reg, WORD))
        return Reg(reg)

    def grouped(value: Any, t: Type) -> aleo_code.Operand:
        if not isinstance(value, (dict, list)):
            return value
        parts = [grouped(value[m], mt) for m, mt in t.fields] if isinstance(t, StructType) else \
            [grouped(v, t.elem) for v in value]   # type: ignore[union-attr]
        reg = next(fresh)
        body.append(Instr("cast", tuple(parts), reg, t))
        return Reg(reg)

    return [grouped(_assemble(t, slots, ops.__getitem__, word, (m,)), t) for m, t in link.fields[:-2]]


def _margined(program: aleo_code.Program, function: str) -> float:
    """A part's estimate with its instructions counted ``1 + MARGIN`` times (as :meth:`Planner.cost` plans them)."""
    e = estimate(program, function)
    return e.transition + e.body * (1 + MARGIN)


def part_estimate(program: aleo_code.Program, function: str) -> int:
    """The cost model's estimate of one part (:func:`pyleo.cost.estimate`, which prices a link's hash
    like :func:`hash_cost`, from the table's ``compound_hashes``)."""
    return estimate(program, function).total
