"""A split function's proof (:class:`SplitProof`, file format ``pyleo-split-proof/1``, docs/formats.md): proving
a plan of :mod:`pyleo.split` part after part (:func:`prove`), evaluating it without snarkVM (:func:`run`), and
checking that the parts verify as one unit (:func:`explain`), with what the split program's text declares: its
name (:func:`split_program_name`), which source inputs each part takes (:data:`INPUT_MAP`,
:func:`declared_params`) and which parts commit to the private inputs (:data:`COMMITTED_INPUTS`).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import vectorized, vm
from .errors import ExecutionError, InputError, ProofError
from .files import is_count, same_json
from .limits import MAINNET_BUDGET, MAX_IDENTIFIER_LENGTH
from .names import is_identifier
from .values import to_aleo

if TYPE_CHECKING:   # annotations only: pyleo.split imports this module
    from .split import Plan

COMMITTED_INPUTS = "_inputs"
"""Suffix of the struct ``F_inputs`` that commits once to the private inputs of a split function ``F`` (one member
``v0 …`` per private input read anywhere, and the links' blinding value ``r``), when the plan commits them
instead of carrying them in the links (:func:`pyleo.split.plan`'s ``commit``): part 0 takes them and outputs
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

INPUT_MAP = "_in"
"""Suffix of the structs ``F_in<k>`` by which the split program declares which inputs of the source function its part
``k`` takes: one boolean member ``a<j>`` per source input ``j`` the part takes, in the part's order (none: the part
takes no source input). Never used by an instruction (no constraint); they make the mapping part of the split
program's text, so a verifier who trusts the split program (its checksum) knows which proved input is which input
of the source function, and a proof file's ``params`` is only a checked copy (:func:`declared_params`)."""

def split_program_name(program: str, function: str) -> str:
    """``PROGRAM_FUNCTION_split``, or when longer than snarkVM takes, the program's first letters and a hash."""
    name = f"{program}_{function}_split"
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    tag = hashlib.sha256(f"{program}/{function}".encode()).hexdigest()[:8]
    return f"{program[:MAX_IDENTIFIER_LENGTH - 15].rstrip('_')}_{tag}_split"

def part_of(program_id: str, function: str, program: str) -> tuple[str, int] | None:
    """(the source function F, k) when ``function`` of the program ``program_id`` (Aleo text ``program``) is part
    ``F_pk`` of a split program (named by :func:`split_program_name`, ``…_split``, with functions ``F_p0`` and
    ``F_p1``), else None. Such a part proves nothing of F's inputs alone (its incoming link is whatever its prover
    chose): only the whole split proof does."""
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)_p([0-9]+)", function)
    if m is None or not program_id.removesuffix(".aleo").endswith("_split"):
        return None
    parts = all(re.search(rf"^function {re.escape(m.group(1))}_p{k}:$", program, re.M) for k in (0, 1))
    return (m.group(1), int(m.group(2))) if parts else None


def fresh_blinding() -> int:
    """A uniformly random u128 blinding value for the links of one proof (``secrets``)."""
    return secrets.randbelow(1 << 128)

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
    prediction: Any = field(default=None, compare=False)   # as Proof.prediction: the prover's, never saved
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
        return {"format": SPLIT_FORMAT, **vm.stamp(self.program), "source_program": self.source,
                "function": self.function, "budget": self.budget,
                "params": self.params, "constraints": self.constraints,
                "public_outputs": self.public_outputs, "parts": [p.to_json() for p in self.parts]}

    def save(self, path: Any) -> None:
        """Write the split proof for verifiers as one JSON file (atomically)."""
        vm.write_atomic(path, (json.dumps(self.to_json(), indent=1) + "\n").encode())

    @classmethod
    def from_json(cls, data: Any, source: str = "proof") -> SplitProof:
        """Read the object :meth:`to_json` gives; ProofError when it is not one."""
        if not isinstance(data, dict) or data.get("format") != SPLIT_FORMAT:
            raise ProofError(f"{source} is not a pyleo split proof (format {SPLIT_FORMAT!r})")
        parts, params, budget = data.get("parts"), data.get("params"), data.get("budget")
        if not isinstance(parts, list) or not parts or not isinstance(params, list) or len(params) != len(parts) \
                or not all(isinstance(ps, list) and all(is_count(j) for j in ps) for ps in params):
            raise ProofError(f"{source}: 'parts' and 'params' must be lists of the same length, 'params' of lists of "
                             "input positions (whole numbers from 0)")
        if not isinstance(data.get("function"), str):
            raise ProofError(f"{source}: 'function' is missing or not a function name")
        if not (is_count(budget) and 0 < budget <= MAINNET_BUDGET):
            raise ProofError(f"{source}: 'budget' must be a number of constraints per part (a whole number from 1 to "
                             f"mainnet's {MAINNET_BUDGET:,} per circuit), not {json.dumps(budget)[:40]}")
        if not is_identifier(data["function"]):
            raise ProofError(f"{source}: 'function' is {data['function']!r}, not an Aleo identifier")
        proofs = [vm.Proof.from_json(p, f"{source} part {k}") for k, p in enumerate(parts)]
        origin = data.get("source_program")
        sp = cls(data["function"], budget, proofs, params, origin if isinstance(origin, str) else "")
        sp.stated = {key: data.get(key) for key in ("program_id", "program_checksum", "public_outputs", "constraints")}
        sp.outputs = sp.public_outputs
        return sp

    @classmethod
    def load(cls, path: Any) -> SplitProof:
        """Read a split proof file; InputError if it is unreadable, ProofError if it is not one
        (:func:`pyleo.vm.read_proof_json`)."""
        return cls.from_json(vm.read_proof_json(path), str(path))


def opens_inputs(program: str, function: str, k: int) -> bool:
    """Whether part ``k`` of the split program ``program`` (Aleo text) of ``function`` hashes the struct that commits
    to the private inputs (:data:`COMMITTED_INPUTS`), i.e. outputs that commitment after its incoming link's."""
    block = re.search(rf"^function {re.escape(function)}_p{k}:\n(.*?)(?=^function |\Z)", program, re.M | re.S)
    return block is not None and \
        re.search(rf" as {re.escape(function + COMMITTED_INPUTS)};$", block.group(1), re.M) is not None


def declared_params(program: str, function: str, parts: int) -> list[list[int]]:
    """For each of the ``parts`` parts of the split program ``program`` (Aleo text) of ``function``, the indices of
    the source function's inputs it takes, as the program declares them (its :data:`INPUT_MAP` structs)."""
    found = []
    for k in range(parts):
        block = re.search(rf"^struct {re.escape(function + INPUT_MAP)}{k}:\n((?:    .*\n)*)", program, re.M)
        found.append([int(j) for j in re.findall(r"^    a(\d+) as boolean;$", block.group(1), re.M)] if block else [])
    return found


def is_split_proof(data: Any) -> bool:
    """True when a proof file's JSON object is a :class:`SplitProof`."""
    return isinstance(data, dict) and data.get("format") == SPLIT_FORMAT


def part_inputs(plan: Plan, inputs: list[Any], blinding: int) -> list[list[str]]:
    """Each part's inputs (Aleo literals) when ``plan``'s function runs on canonical ``inputs`` (one per original
    input): :meth:`pyleo.split.Plan.part_values` (the source inputs it takes and its incoming link; part 0: the links'
    ``blinding``, a u128).

    The values carried across each cut are computed by the batch evaluator of the structured instructions
    (:mod:`pyleo.vectorized`, :meth:`pyleo.split.Plan.values`). Raises ExecutionError when the function halts on
    these inputs."""
    values = plan.values(inputs)
    found = []
    for k, part in enumerate(plan.parts):
        code = plan.program.function(part.name)
        assert code is not None
        found.append([to_aleo(v, p.type) for v, p in zip(plan.part_values(k, inputs, values, blinding), code.inputs)])
    return found


def prove(plan: Plan, inputs: list[Any], blinding: int | None = None) -> SplitProof:
    """Prove ``plan``'s function on canonical ``inputs`` (one per original input), part after part.

    Each part's inputs are :func:`part_inputs`' (the value carried across each cut enters the next part as a
    private input); the links (and the commitment to the private inputs, :data:`COMMITTED_INPUTS`) get a fresh
    blinding value (``blinding``, a u128, when given: for tests). Raises ExecutionError when the function halts
    on these inputs (the interpreter's message), and what :func:`pyleo.vm.prove` raises.
    """
    blinding = fresh_blinding() if blinding is None else blinding
    proofs = [vm.prove(plan.text, part.name, args)
              for part, args in zip(plan.parts, part_inputs(plan, inputs, blinding))]
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
    if plan is not None and program is not None and vm.program_checksum(program) != vm.program_checksum(plan.text):
        raise InputError("the trusted split program is not the trusted model's split of the function")
    program = plan.text if plan is not None else program
    first = sp.parts[0]
    for k, part in enumerate(sp.parts):
        if part.checksum != first.checksum:
            return f"part {k} is a proof of another program (checksum {part.checksum}) than part 0 ({first.checksum})"
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
        if not same_json(value, actual[key]):
            return (f"the file states the {key.replace('_', ' ')} {value!r}, but the parts' executions and verifying "
                    f"keys give {actual[key]!r}")
    if plan is not None and plan.function != sp.function:
        return f"the proof is of a split of `{sp.function}` that is not the trusted split of `{plan.function}`"
    for k, part in enumerate(sp.parts):
        reason = vm.explain(part, program=program, checksum=checksum)
        if reason is not None:
            return f"part {k}: {reason}"
    heads, opens = sp.heads(), sp.opens

    def output(k: int, i: int) -> str | None:   # a program the file carries may give a part fewer outputs
        outputs = sp.parts[k].public_outputs
        return outputs[i] if i < len(outputs) else None

    for k in range(len(sp.parts) - 1):
        out, back = output(k, heads[k]), output(k + 1, 0)
        if out is None or out != back:
            return (f"the link between part {k} and part {k + 1} is broken: part {k} commits to {out}, part {k + 1} "
                    f"opens {back} (a part from another proof?)")
    if any(opens) and not opens[0]:
        return "part 0 does not commit to the private inputs that later parts read"
    for k in range(1, len(sp.parts)):
        if opens[k] and (output(k, 1) is None or output(k, 1) != output(0, 0)):
            return (f"part {k} read other private inputs than part 0: its commitment to them is {output(k, 1)}, "
                    f"part 0's {output(0, 0)} (a part from another proof?)")
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
    """Evaluate the split program part after part (:mod:`pyleo.vectorized`, no snarkVM) on canonical ``inputs``.

    Returns the last part's outputs (the function's outputs, canonical values) and each link's
    commitment; raises ExecutionError if a part halts, or when a part's incoming commitment differs
    from the previous part's outgoing one (a pyleo bug). ``blinding``: the links' blinding value (random by default).
    """
    values = plan.values(inputs)
    blinding = blinding if blinding is not None else fresh_blinding()
    commitments: list[int] = []
    outputs: list[Any] = []
    frozen: int | None = None   # part 0's commitment to the private inputs
    head = 0
    for k, part in enumerate(plan.parts):
        code = plan.program.function(part.name)
        assert code is not None
        args = plan.part_values(k, inputs, values, blinding)
        pb, outs = vectorized.evaluate(code, [args])
        if pb.halted[0]:
            raise ExecutionError(f"part {k} of `{plan.function}` halts", None)
        outputs = [vectorized.row_value(o, p.type, 0) for o, p in zip(outs, code.outputs)]
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
