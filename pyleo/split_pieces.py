"""Splitting a function whose private inputs alone do not fit one part: "pieces" (:func:`pieces`), each private
array input read element by element becomes one input per element, so each element enters the first part that
reads it; and :func:`reassociate`, a field sum rewritten to read its inputs in one sweep (a dense layer after a
convolution). :mod:`pyleo.split`'s planner tries them when carrying or committing the whole input both fail
(docs/split.md)."""

from __future__ import annotations

from . import aleo_code
from .aleo_code import Function, Instr, Param, Reg
from .split_liveness import registers_read
from .types import ArrayType, FieldType, StructType


def pieces(fn: Function) -> tuple[Function, list[tuple[int, int | None]]]:
    """``fn`` with each private array input of scalars that is only read element by element replaced by one input per
    element (registers above ``fn``'s), so the planner lets each element enter at its first reader (and cross the
    cuts while read) rather than the whole array; and for each input of the result, ``(source input, element)``
    (element None: the source input itself)."""
    whole = {op.id for ins in fn.body for op in ins.operands if isinstance(op, Reg) and not op.path}
    whole |= {p.reg for p in fn.outputs}
    fresh = max([p.reg for p in fn.inputs] + [ins.result for ins in fn.body if ins.result is not None]) + 1
    inputs: list[Param] = []
    origin: list[tuple[int, int | None]] = []
    element: dict[tuple[int, int], int] = {}
    for j, p in enumerate(fn.inputs):
        t = p.type
        if p.public or p.reg in whole or not isinstance(t, ArrayType) or not isinstance(t.size, int) \
                or isinstance(t.elem, (ArrayType, StructType)):
            inputs.append(p)
            origin.append((j, None))
            continue
        for i in range(t.size):
            element[p.reg, i] = fresh
            inputs.append(Param(fresh, t.elem, False))
            origin.append((j, i))
            fresh += 1

    def piece(op: aleo_code.Operand) -> aleo_code.Operand:
        if isinstance(op, Reg) and op.path and (op.id, op.path[0]) in element:
            return Reg(element[op.id, op.path[0]], op.path[1:])   # type: ignore[index]
        return op

    body = [Instr(ins.opcode, tuple(piece(op) for op in ins.operands), ins.result, ins.type, ins.pure) for ins in fn.body]
    return Function(fn.name, inputs, body, fn.outputs), origin


def _sweep(reads: list[frozenset[int]]) -> list[int]:
    """An order of terms reading the inputs ``reads``: by their sorted indices, each followed at once by every later
    term that reads only inputs already read (so an input is read in one stretch)."""
    waiting: dict[int, list[int]] = {}
    for t, r in enumerate(reads):
        for j in r:
            waiting.setdefault(j, []).append(t)
    opened: set[int] = set()
    done = [False] * len(reads)
    order: list[int] = []
    for t in sorted(range(len(reads)), key=lambda t: sorted(reads[t])):
        todo = [t]
        while todo:
            u = todo.pop()
            if done[u] or not reads[u] <= opened | reads[t]:
                continue
            done[u] = True
            order.append(u)
            for j in reads[u] - opened:
                opened.add(j)
                todo += reversed(waiting[j])
    return order


def reassociate(fn: Function) -> Function:
    """``fn`` with each tree of field ``add``s whose inner sums are read once (a dot product's running sum) rewritten
    as one chain over its terms ordered by the inputs each term reads (the sorted indices, leaving out those most
    terms read), so a sum over features
    read in another order than the sum was written (a dense layer over a convolution's channels) reads the inputs
    in one sweep. Field addition is exact: every output is unchanged."""
    reads: dict[int, int] = {}
    for ins in fn.body:
        for r in registers_read(ins):
            reads[r] = reads.get(r, 0) + 1
    outs = {p.reg for p in fn.outputs}
    where = {ins.result: ins for ins in fn.body if ins.result is not None}
    index = {p.reg: j for j, p in enumerate(fn.inputs)}

    def summed(ins: Instr) -> bool:
        return ins.opcode == "add" and isinstance(ins.type, FieldType)

    inner = {r for r, ins in where.items() if summed(ins) and reads.get(r) == 1 and r not in outs}
    consumed = {op.id for ins in fn.body if summed(ins) for op in ins.operands
                if isinstance(op, Reg) and not op.path and op.id in inner}
    origin: dict[int, frozenset[int]] = {}
    for ins in fn.body:
        if ins.result is not None:
            origin[ins.result] = frozenset().union(
                *(origin.get(r, frozenset([index[r]]) if r in index else frozenset()) for r in registers_read(ins)))
    fresh = max([*where, *index]) + 1
    body: list[Instr] = []
    for ins in fn.body:
        if ins.result in consumed:
            continue
        if not summed(ins):
            body.append(ins)
            continue
        terms: list[aleo_code.Operand] = []
        todo: list[aleo_code.Operand] = list(reversed(ins.operands))
        while todo:
            op = todo.pop()
            if isinstance(op, Reg) and not op.path and op.id in consumed:
                todo += reversed(where[op.id].operands)
            else:
                terms.append(op)

        seen = [origin.get(op.id, frozenset([index[op.id]]) if op.id in index else frozenset())
                if isinstance(op, Reg) else frozenset() for op in terms]
        hubs = {j for j in set().union(*seen) if 2 * sum(j in o for o in seen) > len(seen)}
        terms = [terms[t] for t in _sweep([seen[t] - hubs for t in range(len(terms))])]
        acc = terms[0]
        for n, op in enumerate(terms[1:], 2):
            result = ins.result if n == len(terms) else fresh
            fresh += n != len(terms)
            body.append(Instr("add", (acc, op), result, ins.type, ins.pure))
            acc = Reg(result)
    return Function(fn.name, fn.inputs, body, fn.outputs)
