"""IR → Aleo instructions, the program snarkVM runs, proves and verifies.

The IR is lowered to the structured instructions of :mod:`pyleo.aleo_code` (:func:`compile_aleo`),
the passes of :mod:`pyleo.aleo_passes` run over them, and the text is written once at the end
(:func:`emit_aleo`).

Loops are unrolled, helpers inlined, ``if`` becomes ``ternary`` under path conditions, and values
are kept as trees of operands (arrays as Python lists, structs as dicts), so constant indexing and
element updates cost nothing. Each constant of the IR becomes its tree once (a constant table read
in a loop is not rebuilt at every read, which made emission quadratic in the table's size).
As instructions are built (:meth:`FunctionEmitter.emit`), operations on constants are folded with
:mod:`pyleo.semantics` (the interpreter's own definitions; one that would halt is emitted so that the
circuit halts), and an instruction identical to an earlier one (same opcode, operands and type)
reuses its register: it computes the same value and halts exactly when the earlier one does.
Then ranges of registers selected among constants decide comparisons (:func:`aleo_passes.apply_ranges`),
unread instructions that can never halt are removed (:func:`aleo_passes.eliminate_dead`; checked
integer arithmetic, checked casts, ``div``/``rem``, shifts etc. always stay), and an output that
repeats another (``return x, x``; two expressions numbered into one register) gets a copy of its own
(:func:`aleo_passes.distinct_outputs`), which snarkVM requires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import aleo_code, ir, semantics
from .aleo_code import Instr, Lit, Param, Reg
from .aleo_passes import apply_ranges, distinct_outputs, eliminate_dead
from .errors import ExecutionError, LimitError
from .limits import MAX_FUNCTIONS, check_function_limits
from .types import (
    U32,
    ArrayType,
    BoolType,
    FieldType,
    FutureType,
    IntType,
    StructType,
    TupleType,
    Type,
)


@dataclass(frozen=True)
class Index:
    """An array index in an assignment path (member names are plain strings)."""

    operand: Any


TRUE = Lit(True, BoolType())
FALSE = Lit(False, BoolType())

_OPCODES = {
    "add": "add", "sub": "sub", "mul": "mul", "div": "div", "rem": "rem", "and": "and", "or": "or",
    "xor": "xor", "shl": "shl", "shr": "shr", "eq": "is.eq", "ne": "is.neq", "lt": "lt", "le": "lte",
    "gt": "gt", "ge": "gte", "neg": "neg", "not": "not", "abs": "abs",
}


_NEVER_HALT_ANY = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})
"""Operations that cannot halt on operands of any type (comparisons)."""
_NEVER_HALT_FIELD = frozenset({"add", "sub", "mul", "neg"})
"""Field arithmetic that cannot halt (field ``div`` halts on 0, ``inv`` likewise, so they are not here)."""
_NEVER_HALT_BOOL = frozenset({"and", "or", "xor", "not"})
_BOOL = BoolType()
_FIELD = FieldType()


def never_halts(name: str, t: Type) -> bool:
    """Whether operation ``name`` on operands of type ``t`` can never halt (so, unread, it can go)."""
    return (name in _NEVER_HALT_ANY or name in _NEVER_HALT_FIELD and isinstance(t, FieldType)
            or name in _NEVER_HALT_BOOL and isinstance(t, BoolType))


@dataclass
class Frame:
    env: dict[str, Any] = field(default_factory=dict)
    ret: Any = None
    returned: Any = FALSE


class FunctionEmitter:
    """Emits one entry point as one Aleo ``function``; one method per IR node kind."""

    def __init__(self, fn: ir.Function, module_name: str = "") -> None:
        self.fn = fn
        self.module_name = module_name
        self.body: list[Instr] = []
        self.types: list[Type] = []  # register id → its type
        self.numbered: dict[tuple[Any, ...], Reg] = {}  # (opcode, operands, type) → the register computing it
        self.asserted: set[Any] = set()  # operands already asserted true
        self.consts: dict[ir.Const, Any] = {}  # each IR constant's operand tree, built once
        self.final: list[tuple[str, Any, Any, ir.MappingSet]] = []  # mapping writes: (mapping, key, value, statement)

    def reg(self, t: Type) -> Reg:
        self.types.append(t)
        return Reg(len(self.types) - 1)

    def emit(self, opcode: str, args: list[Any], t: Type, pure: bool = False) -> Reg:
        """The register holding ``opcode args`` (of type ``t``): an earlier identical instruction's, or
        a new instruction's; ``pure``: it can never halt, so it may be dropped if nothing reads it."""
        key = (opcode, *args, t)
        r = self.numbered.get(key)
        if r is None:
            r = self.numbered[key] = self.reg(t)
            self.body.append(Instr(opcode, tuple(args), r.id, t, pure))
        return r

    def assert_true(self, ok: Any) -> None:
        if ok not in self.asserted:
            self.asserted.add(ok)
            self.body.append(Instr("assert.eq", (ok, TRUE), None, None))

    def type_of(self, operand: Any) -> Type:
        if isinstance(operand, Lit):
            return operand.type
        t = self.types[operand.id]
        for step in operand.path:
            t = t.elem if isinstance(t, ArrayType) else dict(t.fields)[step]
        return t

    # ---- operand trees -------------------------------------------------------------------------
    def access_tree(self, base: Reg, t: Type) -> Any:
        if isinstance(t, ArrayType):
            return [self.access_tree(base.at(i), t.elem) for i in range(int(t.size))]
        if isinstance(t, StructType):
            return {n: self.access_tree(base.at(n), ft) for n, ft in t.fields}
        return base

    def const_tree(self, value: Any, t: Type) -> Any:
        if isinstance(t, ArrayType):
            return [self.const_tree(v, t.elem) for v in value]
        if isinstance(t, StructType):
            return {n: self.const_tree(value[n], ft) for n, ft in t.fields}
        if isinstance(t, TupleType):
            return tuple(self.const_tree(v, it) for v, it in zip(value, t.items))
        return Lit(value, t)

    def materialize(self, tree: Any, t: Type) -> Reg:
        """Put a whole value in one register (for outputs, hashes and commitments)."""
        if isinstance(t, ArrayType):
            return self.emit("cast", [self.materialize(x, t.elem) for x in tree], t, pure=True)
        if isinstance(t, StructType):
            return self.emit("cast", [self.materialize(tree[n], ft) for n, ft in t.fields], t, pure=True)
        if isinstance(tree, Reg) and not tree.path:
            return tree
        return self.emit("cast", [tree], t)

    def op(self, name: str, args: list[Any], t: Type, rt: Type, loc: Any) -> Any:
        if all(isinstance(a, Lit) for a in args) and aleo_code.CALLER not in args:
            try:
                if len(args) == 2:
                    return Lit(semantics.binary(name, args[0].value, args[1].value, t, rt, loc), rt)
                return Lit(semantics.unary(name, args[0].value, t, loc), rt)
            except ExecutionError:
                pass  # emit it: the circuit halts at run time, as the interpreter does
        if name in ("and", "or") and isinstance(t, BoolType) and any(isinstance(a, Lit) for a in args):
            return self.logic(name, *args)  # `true and x` is x, `false and x` is false: neither can halt
        identity = self.identity(name, args)
        if identity is not None:
            return identity
        return self.emit(_OPCODES[name], args, rt, pure=never_halts(name, t))

    @staticmethod
    def identity(name: str, args: list[Any]) -> Any:
        """``x + 0``, ``0 + x``, ``x - 0``, ``x * 1``, ``1 * x``: exactly ``x``; ``x * 0``, ``0 * x``: 0
        (none of these can halt)."""
        if len(args) != 2:
            return None
        a, b = args
        zero_right = isinstance(b, Lit) and b.value == 0 and not isinstance(b.value, bool)
        zero_left = isinstance(a, Lit) and a.value == 0 and not isinstance(a.value, bool)
        one_right = isinstance(b, Lit) and b.value == 1 and not isinstance(b.value, bool)
        one_left = isinstance(a, Lit) and a.value == 1 and not isinstance(a.value, bool)
        if name in ("add", "sub") and zero_right or name == "mul" and one_right:
            return a
        if name == "add" and zero_left or name == "mul" and one_left:
            return b
        if name == "mul" and (zero_left or zero_right):
            return a if zero_left else b
        return None

    def logic(self, name: str, a: Any, b: Any) -> Any:
        """Boolean and/or/not with folding of constant sides (used for path conditions)."""
        if name == "not":
            return Lit(not a.value, _BOOL) if isinstance(a, Lit) else self.emit("not", [a], _BOOL, pure=True)
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Lit):
                if name == "and":
                    return y if x.value else FALSE
                return TRUE if x.value else y
        return self.emit(name, [a, b], _BOOL, pure=True)

    # ---- function ------------------------------------------------------------------------------
    def run(self) -> aleo_code.Function:
        """The function's instructions, as built (before the passes)."""
        fn = self.fn
        check_function_limits(fn)
        frame = Frame()
        inputs = []
        for p in fn.params:
            r = self.reg(p.type)
            inputs.append(Param(r.id, p.type, p.public))
            frame.env[p.name] = self.access_tree(r, p.type)
        self.block(fn.body, frame, TRUE)
        outputs = []
        if fn.returns:
            values = list(frame.ret) if fn.returns_tuple else [frame.ret]
            for v, t, public in zip(values, fn.returns, fn.returns_public):
                outputs.append(Param(self.materialize(v, t).id, t, public))
        code = aleo_code.Function(fn.name, inputs, self.body, outputs)
        if self.final:
            self.finalize(code)
        return code

    def finalize(self, code: aleo_code.Function) -> None:
        """The ``async`` instruction passing the mapping writes' keys and values to the ``finalize`` block (its
        future the last output), and that block's ``set`` commands."""
        args: list[Any] = []
        types: list[Type] = []

        def arg(tree: Any, t: Type) -> int:
            operand = tree if tree == aleo_code.CALLER else self.materialize(tree, t)
            if operand not in args:
                args.append(operand)
                types.append(t)
            return args.index(operand)

        for mapping, key, value, st in self.final:
            code.final_sets.append(aleo_code.MappingSet(mapping, arg(key, st.key.type), arg(value, st.value.type)))
        code.final_inputs = types
        future = FutureType(self.module_name, self.fn.name)
        r = self.reg(future)
        self.body.append(Instr(f"async {self.fn.name}", tuple(args), r.id, future))
        code.outputs.append(Param(r.id, future, True))

    def call(self, fn: ir.Function, args: list[Any], guard: Any) -> Any:
        frame = Frame({p.name: a for p, a in zip(fn.params, args)})
        self.block(fn.body, frame, guard)
        return frame.ret

    def live(self, frame: Frame, guard: Any) -> Any:
        return self.logic("and", guard, self.logic("not", frame.returned, None))

    # ---- statements ----------------------------------------------------------------------------
    def block(self, stmts: list[ir.Stmt], frame: Frame, guard: Any) -> None:
        for st in stmts:
            getattr(self, f"stmt_{type(st).__name__}")(st, frame, guard)

    def stmt_Let(self, st: ir.Let, frame: Frame, guard: Any) -> None:
        frame.env[st.name] = self.expr(st.value, frame, guard)

    def stmt_Assign(self, st: ir.Assign, frame: Frame, guard: Any) -> None:
        value = self.expr(st.value, frame, guard)
        steps = [Index(self.expr(p, frame, guard)) if isinstance(p, ir.Expr) else p for p in st.path]
        live = self.live(frame, guard)
        frame.env[st.name] = self.update(frame.env[st.name], steps, value, live)

    def update(self, old: Any, steps: list[Any], value: Any, live: Any) -> Any:
        """The tree ``old`` with the element at ``steps`` replaced by ``value`` where ``live`` holds."""
        if not steps:
            return self.select_tree(live, value, old)
        step, rest = steps[0], steps[1:]
        if isinstance(step, str):
            new = dict(old)
            new[step] = self.update(old[step], rest, value, live)
            return new
        step = step.operand
        if isinstance(step, Lit):
            new_list = list(old)
            new_list[step.value] = self.update(old[step.value], rest, value, live)
            return new_list
        self.check_bounds(step, len(old))
        out = []
        for j, item in enumerate(old):
            hit = self.logic("and", live, self.emit("is.eq", [step, Lit(j, U32)], _BOOL, pure=True))
            out.append(self.update(item, rest, value, hit))
        return out

    def select_tree(self, cond: Any, a: Any, b: Any) -> Any:
        if isinstance(cond, Lit):
            return a if cond.value else b
        if isinstance(a, list):
            return [self.select_tree(cond, x, y) for x, y in zip(a, b)]
        if isinstance(a, dict):
            return {n: self.select_tree(cond, a[n], b[n]) for n in a}
        if isinstance(a, tuple):
            return tuple(self.select_tree(cond, x, y) for x, y in zip(a, b))
        if a == b:
            return a
        return self.emit("ternary", [cond, a, b], self.type_of(a), pure=True)

    def check_bounds(self, idx: Any, n: int) -> None:
        self.assert_true(self.emit("lt", [idx, Lit(n, U32)], _BOOL, pure=True))

    def stmt_For(self, st: ir.For, frame: Frame, guard: Any) -> None:
        for i in range(st.start, st.stop, st.step):
            frame.env[st.var] = Lit(i, U32)
            self.block(st.body, frame, guard)

    def stmt_If(self, st: ir.If, frame: Frame, guard: Any) -> None:
        cond = self.expr(st.cond, frame, guard)
        if st.static and isinstance(cond, Lit):
            self.block(st.then if cond.value else st.orelse, frame, guard)
            return
        self.block(st.then, frame, self.logic("and", guard, cond))
        if st.orelse:  # no `not` instruction for an if without else
            self.block(st.orelse, frame, self.logic("and", guard, self.logic("not", cond, None)))

    def stmt_Return(self, st: ir.Return, frame: Frame, guard: Any) -> None:
        value = self.expr(st.value, frame, guard) if st.value is not None else None
        live = self.live(frame, guard)
        frame.ret = value if frame.ret is None else self.select_tree(live, value, frame.ret)
        frame.returned = self.logic("or", frame.returned, guard)

    def stmt_MappingSet(self, st: ir.MappingSet, frame: Frame, guard: Any) -> None:
        self.final.append((st.mapping, self.expr(st.key, frame, guard), self.expr(st.value, frame, guard), st))

    def stmt_Assert(self, st: ir.Assert, frame: Frame, guard: Any) -> None:
        cond = self.expr(st.cond, frame, guard)
        live = self.live(frame, guard)
        ok = self.logic("or", self.logic("not", live, None), cond)
        if isinstance(ok, Lit) and ok.value:
            return
        self.assert_true(ok)

    # ---- expressions ---------------------------------------------------------------------------
    def expr(self, e: ir.Expr, frame: Frame, guard: Any) -> Any:
        return getattr(self, f"expr_{type(e).__name__}")(e, frame, guard)

    def expr_Const(self, e: ir.Const, frame: Frame, guard: Any) -> Any:
        tree = self.consts.get(e)
        if tree is None:
            tree = self.consts[e] = self.const_tree(e.value, e.type)
        return tree

    def expr_Var(self, e: ir.Var, frame: Frame, guard: Any) -> Any:
        return frame.env[e.name]

    def expr_Binary(self, e: ir.Binary, frame: Frame, guard: Any) -> Any:
        a = self.expr(e.left, frame, guard)
        b = self.expr(e.right, frame, guard)
        if isinstance(e.left.type, (ArrayType, StructType)):
            return self.tree_equal(e.op, a, b, e.left.type)
        return self.op(e.op, [a, b], e.left.type, e.type, e.loc)

    def tree_equal(self, op: str, a: Any, b: Any, t: Type) -> Any:
        leaves_a, leaves_b = flatten(a), flatten(b)
        types = flatten_types(t)
        acc: Any = TRUE
        for x, y, lt in zip(leaves_a, leaves_b, types):
            acc = self.logic("and", acc, self.op("eq", [x, y], lt, _BOOL, None))
        return acc if op == "eq" else self.logic("not", acc, None)

    def expr_Unary(self, e: ir.Unary, frame: Frame, guard: Any) -> Any:
        return self.op(e.op, [self.expr(e.operand, frame, guard)], e.operand.type, e.type, e.loc)

    def expr_Select(self, e: ir.Select, frame: Frame, guard: Any) -> Any:
        c = self.expr(e.cond, frame, guard)
        a = self.expr(e.if_true, frame, guard)
        b = self.expr(e.if_false, frame, guard)
        return self.select_tree(c, a, b)

    def expr_Index(self, e: ir.Index, frame: Frame, guard: Any) -> Any:
        arr = self.expr(e.array, frame, guard)
        idx = self.expr(e.index, frame, guard)
        if isinstance(idx, Lit):
            if not 0 <= idx.value < len(arr):
                self.check_bounds(idx, len(arr))
                return arr[0]
            return arr[idx.value]
        self.check_bounds(idx, len(arr))
        out = arr[0]
        for j in range(1, len(arr)):
            hit = self.emit("is.eq", [idx, Lit(j, U32)], _BOOL, pure=True)
            out = self.select_tree(hit, arr[j], out)
        return out

    def expr_Member(self, e: ir.Member, frame: Frame, guard: Any) -> Any:
        base = self.expr(e.struct, frame, guard)
        return base[int(e.name)] if isinstance(e.struct.type, TupleType) else base[e.name]

    def expr_ArrayLit(self, e: ir.ArrayLit, frame: Frame, guard: Any) -> Any:
        return [self.expr(x, frame, guard) for x in e.items]

    def expr_StructLit(self, e: ir.StructLit, frame: Frame, guard: Any) -> Any:
        return {n: self.expr(x, frame, guard) for n, x in e.fields}

    def expr_TupleLit(self, e: ir.TupleLit, frame: Frame, guard: Any) -> Any:
        return tuple(self.expr(x, frame, guard) for x in e.items)

    def expr_Cast(self, e: ir.Cast, frame: Frame, guard: Any) -> Any:
        v = self.expr(e.operand, frame, guard)
        if isinstance(v, Lit):
            try:
                return Lit(semantics.cast(v.value, e.operand.type, e.type, e.lossy, e.loc), e.type)
            except ExecutionError:
                pass
        # cast.lossy never halts, nor does a cast of an integer or a boolean to field; other checked casts can
        pure = e.lossy or isinstance(e.type, FieldType) and isinstance(e.operand.type, (IntType, BoolType))
        return self.emit("cast.lossy" if e.lossy else "cast", [v], e.type, pure=pure)

    def expr_Hash(self, e: ir.Hash, frame: Frame, guard: Any) -> Any:
        v = self.materialize(self.expr(e.operand, frame, guard), e.operand.type)
        return self.emit("hash.psd2", [v], _FIELD)

    def expr_Commit(self, e: ir.Commit, frame: Frame, guard: Any) -> Any:
        v = self.materialize(self.expr(e.operand, frame, guard), e.operand.type)
        r = self.expr(e.randomness, frame, guard)
        return self.emit("commit.bhp256", [v, r], _FIELD)

    def expr_ExternalCall(self, e: ir.ExternalCall, frame: Frame, guard: Any) -> Any:
        args = []
        for a in e.args:
            tree = self.expr(a, frame, guard)
            leaves = flatten(tree)
            first = leaves[0] if leaves else None
            if isinstance(tree, Lit) or isinstance(first, Reg) and tree == self.access_tree(Reg(first.id), a.type):
                args.append(tree if isinstance(tree, Lit) else Reg(first.id))   # a literal or a whole register, as it is
            else:
                args.append(self.materialize(tree, a.type))
        r = self.emit(f"call {e.program}.aleo/{e.function.name}", args, e.type)
        return self.access_tree(r, e.type)

    def expr_Caller(self, e: ir.Caller, frame: Frame, guard: Any) -> Any:
        return aleo_code.CALLER

    def expr_Call(self, e: ir.Call, frame: Frame, guard: Any) -> Any:
        args = [self.expr(a, frame, guard) for a in e.args]
        return self.call(e.function, args, self.live(frame, guard))


def flatten(tree: Any) -> list[Any]:
    if isinstance(tree, (list, tuple)):
        return [x for item in tree for x in flatten(item)]
    if isinstance(tree, dict):
        return [x for item in tree.values() for x in flatten(item)]
    return [tree]


def flatten_types(t: Type) -> list[Type]:
    if isinstance(t, ArrayType):
        return flatten_types(t.elem) * int(t.size)
    if isinstance(t, StructType):
        return [x for _, ft in t.fields for x in flatten_types(ft)]
    return [t]


def compile_aleo(module: ir.Module) -> aleo_code.Program:
    """The structured Aleo instructions of a whole program, after the passes."""
    if len(module.entries) > MAX_FUNCTIONS:
        raise LimitError(f"program {module.name} has {len(module.entries)} functions; snarkVM allows at most "
                         f"{MAX_FUNCTIONS}",
                         None, "split the model into several programs")
    return aleo_code.Program(module.name, list(module.structs),
                             [distinct_outputs(eliminate_dead(apply_ranges(FunctionEmitter(fn, module.name).run())))
                              for fn in module.entries], list(module.imports),
                             [(m.name, m.key, m.value) for m in module.mappings])


def emit_aleo(module: ir.Module) -> str:
    """The Aleo instructions of a whole program, as text."""
    return aleo_code.render(compile_aleo(module))
