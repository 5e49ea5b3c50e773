"""The Leo 4 back end: ``src/main.leo`` text for a :class:`pyleo.ir.Module`.

One :class:`LeoEmitter` with a method per IR node kind (``expr_Binary``, ``stmt_For``), chosen by the
node's class name through a table built once. The output follows the shapes of Leo's own test corpus
(``ProvableHQ/leo``, ``tests/tests/execution``) and parses with the official grammar::

    export struct Point { x: i64, y: i64, }          // structs first
    export fn dot_N4(a: [i64; 4], ...) -> i64 {...}  // helpers: top level, inlined by Leo
    program model.aleo {
        fn predict(x: [i64; 4], public b: i64) -> public i64 {...}
        @noupgrade
        constructor() {}
    }

What Leo spells differently from the IR, and how the emitter bridges it:

- names: a Leo identifier is ``[A-Za-z][A-Za-z0-9_]*``, at most 31 characters, without ``__``, not a
  keyword, and may not shadow a function or struct; struct, member and function names must also avoid
  snarkVM's reserved words. Other names are renamed consistently (``field`` → ``field_``,
  ``_x`` → ``v_x``), clashes get ``_2``, ``_3``…;
- ``range`` steps: Leo loops have no step, so a counter runs over ``0..count`` and the variable is
  computed in the body;
- static ``if`` (a condition on loop variables, one side only runs): Leo would constant-fold the
  untaken side after unrolling and reject ``a[0u32 - 1u32]`` there, so such loops are unrolled here
  and only the side taken is written;
- lossy casts: Leo has no ``cast.lossy`` (its documentation says so), so a lossy cast that can differ
  from ``as`` calls a generated helper keeping the low bits (``Serialize::to_bits_raw``,
  ``Deserialize::from_bits_raw``);
- block scopes: a variable read where its ``let`` is out of scope is declared with a zero value at
  the top of the function, and a ``let`` of a declared name becomes an assignment;
- ``return`` inside a loop (Leo rejects it) becomes a result variable and a ``returned`` flag.

Names, walks over the IR and the lowering of loop returns are in :mod:`pyleo.leo_lowering`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from . import ir, semantics
from .names import ALEO_KEYWORDS, ITEM_RESERVED, LEO_KEYWORDS, LOCAL_RESERVED, MEMBER_RESERVED
from .errors import CompileError
from .leo_lowering import (
    Names,
    NotStatic,
    child_blocks,
    contains_return,
    function_names,
    lower_loop_returns,
    returns_in_loop,
    scoped_out_names,
    static_ifs_use,
    zero_expr,
)
from .types import (
    FIELD_MODULUS,
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    StructType,
    TupleType,
    Type,
)


# ---- the emitter -------------------------------------------------------------------------------
BINARY_OPS = {
    "add": "+", "sub": "-", "mul": "*", "div": "/", "rem": "%",
    "and": "&", "or": "|", "xor": "^", "shl": "<<", "shr": ">>",
    "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
}
BOOL_OPS = {"and": "&&", "or": "||", "xor": "^"}
SHIFT_AMOUNT_TYPES = ("u8", "u16", "u32")
RAW_BITS = {"field": 253, "scalar": 251, "bool": 1}
"""Sizes of ``Serialize::to_bits_raw`` results (integers: their width), read off Leo's test corpus."""

INDENT = "    "


class LeoEmitter:
    """Turns one :class:`ir.Module` into Leo 4 source. Use :func:`emit_leo`."""

    EXPR: dict[str, Callable[[LeoEmitter, Any], str]] = {}
    STMT: dict[str, Callable[[LeoEmitter, Any], None]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._build_dispatch()

    @classmethod
    def _build_dispatch(cls) -> None:
        cls.EXPR = {n[5:]: getattr(cls, n) for n in dir(cls) if n.startswith("expr_")}
        cls.STMT = {n[5:]: getattr(cls, n) for n in dir(cls) if n.startswith("stmt_")}

    def __init__(self, module: ir.Module) -> None:
        self.module = module
        self.items = Names(ITEM_RESERVED)
        self.struct_names = self.items.assign([s.name for s in module.structs])
        self.member_names = {s.name: Names(MEMBER_RESERVED).assign([f for f, _ in s.fields]) for s in module.structs}
        self.fn_names = self.items.assign([f.name for f in module.helpers + module.entries])
        self.item_names = set(self.items.used)  # locals may not shadow these
        # generated helpers must not take a name that a local variable keeps (Leo forbids shadowing)
        self.items.used |= {n for f in module.helpers + module.entries for n in function_names(f.params, f.body)}
        self.cast_helpers: dict[tuple[str, str], str] = {}
        self.cast_helper_text: list[str] = []
        # per-function state
        self.lines: list[str] = []
        self.depth = 0
        self.names: dict[str, str] = {}
        self.locals = Names(LOCAL_RESERVED)
        self.types: dict[str, Type] = {}
        self.scopes: list[set[str]] = []
        self.consts: dict[str, int] = {}  # loop variables of loops unrolled here
        self.final: list[str] | None = None  # the `Mapping::set` calls of this entry's final block, if it has one

    # ---- module --------------------------------------------------------------------------------
    def module_text(self) -> str:
        name = self.module.name
        if (not re.fullmatch(r"[a-z][a-z0-9_]*", name) or "aleo" in name or "__" in name
                or name in LEO_KEYWORDS | ALEO_KEYWORDS):
            raise CompileError(f"`{name}` cannot name a Leo program",
                               hint="use lowercase letters, digits and `_`, starting with a letter, without `aleo`")
        helpers = [self.function(f) for f in self.module.helpers]
        entries = [self.function(f) for f in self.module.entries]
        parts = [self.struct(s) for s in self.module.structs] + self.cast_helper_text + helpers
        program = [f"program {name}.aleo {{"]
        program += [f"{INDENT}mapping {m.name}: {self.type(m.key)} => {self.type(m.value)};" for m in self.module.mappings]
        if self.module.mappings:
            program.append("")
        for text in entries:
            program += [_indent(text), ""]
        program += [f"{INDENT}@noupgrade", f"{INDENT}constructor() {{}}", "}"]
        parts.append("\n".join(program))
        if self.module.imports:
            parts.insert(0, "\n".join(f"import {imp}.aleo;" for imp in self.module.imports))
        return "\n\n".join(parts) + "\n"

    def struct(self, s: StructType) -> str:
        members = self.member_names[s.name]
        body = "".join(f"{INDENT}{members[f]}: {self.type(t)},\n" for f, t in s.fields)
        return f"export struct {self.struct_names[s.name]} {{\n{body}}}"

    # ---- types ---------------------------------------------------------------------------------
    def type(self, t: Type) -> str:
        if isinstance(t, ArrayType):
            if not isinstance(t.size, int):
                raise CompileError(f"array size `{t.size}` is not specialized")
            return f"[{self.type(t.elem)}; {t.size}]"
        if isinstance(t, StructType):
            return self.struct_name(t)
        if isinstance(t, TupleType):
            if len(t.items) == 1:  # a one-element tuple is emitted as its element
                return self.type(t.items[0])
            return "(" + ", ".join(self.type(i) for i in t.items) + ")"
        return t.leo()

    def struct_name(self, t: StructType) -> str:
        if t.name not in self.struct_names:
            raise CompileError(f"struct {t.name} is used but not declared in the module")
        return self.struct_names[t.name]

    def member(self, t: Type, name: str) -> str:
        if isinstance(t, StructType):
            self.struct_name(t)
            return self.member_names[t.name][name]
        return name  # tuple element: 0, 1, ...

    # ---- functions -----------------------------------------------------------------------------
    def function(self, fn: ir.Function) -> str:
        self.lines, self.depth, self.scopes, self.consts = [], 1, [set()], {}
        body = fn.body
        wanted = function_names(fn.params, body)
        if returns_in_loop(body):
            body = lower_loop_returns(fn, body, set(wanted))
            wanted = function_names(fn.params, body)
        self.locals = Names(LOCAL_RESERVED, set(self.item_names))
        self.names = self.locals.assign(wanted)
        self.types = {p.name: p.type for p in fn.params}
        self.collect_types(body)
        params = []
        for p in fn.params:
            vis = "public " if fn.entry and p.public else ""
            params.append(f"{vis}{self.names[p.name]}: {self.type(p.type)}")
            self.scopes[-1].add(p.name)
        for name in scoped_out_names(fn.params, body):
            self.scopes[-1].add(name)
            self.line(f"let {self.names[name]}: {self.type(self.types[name])} = "
                      f"{self.expr(zero_expr(self.types[name]))};")
        self.final = [] if any(isinstance(s, ir.MappingSet) for s in body) else None
        if self.final is not None and any(contains_return(b) for s in body for b in child_blocks(s)):
            raise CompileError(f"`{fn.name}` writes a mapping and returns from inside an `if` or a loop; "
                               "the Leo emitter writes its final block into one return at the end", fn.loc,
                               "compute the results into variables and return them once, at the end")
        for s in body:
            self.stmt(s)
        if self.final is not None and not fn.returns:
            self.line(f"return {self.final_block()};")
        head = "fn" if fn.entry else "export fn"
        ret = self.return_type(fn)
        if self.final is not None:
            ret = f"({ret}, Final)" if ret and not ret.startswith("(") else f"{ret[:-1]}, Final)" if ret else "Final"
        signature = f"{head} {self.fn_names[fn.name]}({', '.join(params)})" + (f" -> {ret}" if ret else "")
        return "\n".join([signature + " {"] + self.lines + ["}"])

    def return_type(self, fn: ir.Function) -> str:
        if not fn.returns:
            return ""
        vis = list(fn.returns_public) + [False] * len(fn.returns)
        items = [("public " if fn.entry and v else "") + self.type(t) for t, v in zip(fn.returns, vis)]
        if fn.returns_tuple and len(items) > 1:
            return "(" + ", ".join(items) + ")"
        return items[0]

    def collect_types(self, stmts: list[ir.Stmt]) -> None:
        for s in stmts:
            if isinstance(s, ir.Let):
                self.types.setdefault(s.name, s.type)
            elif isinstance(s, ir.For):
                self.types.setdefault(s.var, IntType(32, False))
            for b in child_blocks(s):
                self.collect_types(b)

    # ---- statements ----------------------------------------------------------------------------
    def line(self, text: str) -> None:
        self.lines.append(INDENT * self.depth + text)

    def block(self, stmts: list[ir.Stmt], declared: tuple[str, ...] = ()) -> None:
        self.depth += 1
        self.scopes.append(set(declared))
        for s in stmts:
            self.stmt(s)
        self.scopes.pop()
        self.depth -= 1

    def braced(self, stmts: list[ir.Stmt]) -> None:
        """``stmts`` as a block statement, or inline when they declare nothing at their level."""
        if any(isinstance(x, ir.Let) for x in stmts):
            self.line("{")
            self.block(stmts)
            self.line("}")
            return
        self.scopes.append(set())
        for x in stmts:
            self.stmt(x)
        self.scopes.pop()

    def declared(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def stmt(self, s: ir.Stmt) -> None:
        handler = self.STMT.get(type(s).__name__)
        if handler is None:
            raise CompileError(f"the Leo emitter does not support the statement {type(s).__name__}", s.loc)
        handler(self, s)

    def stmt_Let(self, s: ir.Let) -> None:
        if self.declared(s.name):
            self.line(f"{self.names[s.name]} = {self.expr(s.value)};")
            return
        self.scopes[-1].add(s.name)
        self.line(f"let {self.names[s.name]}: {self.type(s.type)} = {self.expr(s.value)};")

    def stmt_Assign(self, s: ir.Assign) -> None:
        target = self.names[s.name]
        t = self.types.get(s.name)
        for step in s.path:
            if isinstance(step, str):
                target += "." + (self.member(t, step) if t is not None else step)
                if isinstance(t, StructType):
                    t = t.field_type(step)
                elif isinstance(t, TupleType):
                    t = t.items[int(step)]
            else:
                target += f"[{self.expr(step)}]"
                t = t.elem if isinstance(t, ArrayType) else None
        self.line(f"{target} = {self.expr(s.value)};")

    def stmt_For(self, s: ir.For) -> None:
        if static_ifs_use(s.body, s.var):
            self.unrolled_for(s)
            return
        var = self.names[s.var]
        t = self.types.get(s.var, IntType(32, False))
        if not isinstance(t, IntType):
            t = IntType(32, False)
        outer = self.declared(s.var)  # the loop assigns a variable of the function (Leo: no shadowing)
        if s.step == 1 and not outer:
            stop = max(s.start, s.stop)
            self.line(f"for {var}: {t.leo()} in {self.int_lit(s.start, t)}..{self.int_lit(stop, t)} {{")
            self.block(s.body, (s.var,))
            self.line("}")
            return
        # Leo loops have no step: a counter runs over 0..count and the variable is computed from it.
        # The counter has the variable's type unless counter * step could overflow that type.
        count = len(range(s.start, s.stop, s.step))
        ct = t if count == 0 or (count - 1) * abs(s.step) <= t.max else IntType(128, True)
        k = self.locals.fresh(f"{var}_k")
        self.line(f"for {k}: {ct.leo()} in {self.int_lit(0, ct)}..{self.int_lit(count, ct)} {{")
        offset = f"{k} * {self.int_lit(abs(s.step), ct)}" if abs(s.step) != 1 else k
        if s.start == 0 and s.step > 0:
            value = offset
        else:
            value = f"{self.int_lit(s.start, ct)} {'+' if s.step > 0 else '-'} ({offset})"
        if ct != t:
            value = f"({value}) as {t.leo()}"
        self.depth += 1
        self.line(f"{var} = {value};" if outer else f"let {var}: {t.leo()} = {value};")
        self.depth -= 1
        self.block(s.body, () if outer else (s.var,))
        self.line("}")

    def unrolled_for(self, s: ir.For) -> None:
        """A loop whose body tests its variable in a static ``if``: one block per iteration, with
        only the side taken. (Emitted as a Leo loop, Leo would constant-fold the untaken side too,
        and reject it where it indexes out of bounds or overflows, as in ``if i > 0: a[i - 1]``.)"""
        var = self.names[s.var]
        outer = self.declared(s.var)
        self.line(f"// for {var} in range({s.start}, {s.stop}, {s.step}), unrolled")
        t = self.types.get(s.var, IntType(32, False))
        for value in range(s.start, s.stop, s.step):
            if outer:  # keep the function's variable up to date, as Python's loop does
                self.line(f"{var} = {self.literal(value, t)};")
            self.consts[s.var] = value
            self.braced(s.body)
            self.consts.pop(s.var, None)

    def static_value(self, e: ir.Expr) -> Any:
        """The value of a static condition or of a constant table's element at a known index, computed
        with the IR's own semantics."""
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Var) and e.name in self.consts:
            return self.consts[e.name]
        try:
            if isinstance(e, ir.Binary):
                return semantics.binary(e.op, self.static_value(e.left), self.static_value(e.right),
                                        e.left.type, e.type)
            if isinstance(e, ir.Unary):
                return semantics.unary(e.op, self.static_value(e.operand), e.operand.type)
            if isinstance(e, ir.Cast):
                return semantics.cast(self.static_value(e.operand), e.operand.type, e.type, e.lossy)
            if isinstance(e, ir.Index):
                array, index = self.static_value(e.array), self.static_value(e.index)
                if 0 <= index < len(array):
                    return array[index]
        except NotStatic:
            raise
        except Exception as exc:  # halts (overflow...) are left for Leo to report
            raise NotStatic from exc
        raise NotStatic

    def static_branch(self, s: ir.If) -> list[ir.Stmt] | None:
        """The side a static ``if`` takes, when its condition is known here; else None."""
        if not s.static:
            return None
        try:
            return s.then if self.static_value(s.cond) else s.orelse
        except NotStatic:
            return None

    def stmt_If(self, s: ir.If, keyword: str = "if") -> None:
        taken = self.static_branch(s)
        if taken is not None:
            self.braced(taken)
            return
        cond = self.expr(s.cond)
        if "{" in cond:  # a struct literal may not start a block's condition
            cond = f"({cond})"
        self.line(f"{keyword} {cond} {{")
        self.block(s.then)
        tail = s.orelse[0] if len(s.orelse) == 1 else None
        if isinstance(tail, ir.If) and self.static_branch(tail) is None:
            self.scopes.append(set())  # the else-if sits in the else block's scope
            self.stmt_If(tail, "} else if")
            self.scopes.pop()
            return
        if s.orelse:
            self.line("} else {")
            self.block(s.orelse)
        self.line("}")

    def stmt_Return(self, s: ir.Return) -> None:
        if self.final is not None:
            value = self.expr(s.value) if s.value is not None else ""
            if s.value is not None and isinstance(s.value.type, TupleType) and len(s.value.type.items) > 1:
                value = value[1:-1]   # (a, b) → (a, b, final { … })
            self.line(f"return ({value}, {self.final_block()});" if value else f"return {self.final_block()};")
            return
        self.line("return;" if s.value is None else f"return {self.expr(s.value)};")

    def stmt_MappingSet(self, s: ir.MappingSet) -> None:
        """The key and the value are computed here, into variables the final block reads."""
        assert self.final is not None
        names = []
        for part, e in (("key", s.key), ("value", s.value)):
            names.append(self.locals.fresh(f"{s.mapping}_{part}"))
            self.line(f"let {names[-1]}: {self.type(e.type)} = {self.expr(e)};")
        self.final.append(f"Mapping::set({s.mapping}, {names[0]}, {names[1]});")

    def final_block(self) -> str:
        assert self.final is not None
        return "final { " + " ".join(self.final) + " }"

    def stmt_Assert(self, s: ir.Assert) -> None:
        c = s.cond
        if isinstance(c, ir.Binary) and c.op in ("eq", "ne"):
            name = "assert_eq" if c.op == "eq" else "assert_neq"
            text = f"{name}({self.expr(c.left)}, {self.expr(c.right)});"
        else:
            text = f"assert({self.expr(c)});"
        message = " ".join(s.message.split())
        self.line(text + (f" // {message}" if message else ""))

    # ---- expressions ---------------------------------------------------------------------------
    def expr(self, e: ir.Expr) -> str:
        """``e`` as Leo text, unparenthesized at its top."""
        handler = self.EXPR.get(type(e).__name__)
        if handler is None:
            raise CompileError(f"the Leo emitter does not support the expression {type(e).__name__}", e.loc)
        return handler(self, e)

    def sub(self, e: ir.Expr) -> str:
        """``e`` as an operand: parenthesized unless it is a name, a literal or a postfix form."""
        text = self.expr(e)
        return text if self.atomic(e) else f"({text})"

    def atomic(self, e: ir.Expr) -> bool:
        if isinstance(e, ir.Member) and isinstance(e.struct.type, TupleType) and len(e.struct.type.items) == 1:
            return self.atomic(e.struct)
        if isinstance(e, ir.TupleLit) and len(e.items) == 1:
            return self.atomic(e.items[0])
        if isinstance(e, (ir.Var, ir.Index, ir.Member, ir.Call, ir.ArrayLit, ir.TupleLit, ir.Hash, ir.Commit)):
            return True
        if isinstance(e, ir.Const):
            return not isinstance(e.type, StructType) and not (isinstance(e.type, IntType) and e.value < 0)
        if isinstance(e, ir.Unary):
            return e.op == "abs"
        return False

    def expr_Const(self, e: ir.Const) -> str:
        return self.literal(e.value, e.type)

    def literal(self, v: Any, t: Type) -> str:
        if isinstance(t, BoolType):
            return "true" if v else "false"
        if isinstance(t, IntType):
            return self.int_lit(v, t)
        if isinstance(t, FieldType) and int(v) > FIELD_MODULUS // 2:
            return f"-{FIELD_MODULUS - int(v)}field"  # p - x reads better as -x (Leo folds the negation)
        if isinstance(t, (FieldType, ScalarType)):
            return f"{int(v)}{t.leo()}"
        if isinstance(t, ArrayType):
            items = [self.literal(x, t.elem) for x in v]
            if len(items) > 1 and len(set(items)) == 1:
                return f"[{items[0]}; {len(items)}]"
            return "[" + ", ".join(items) + "]"
        if isinstance(t, StructType):
            members = self.member_names.get(t.name, {})
            inner = ", ".join(f"{members.get(n, n)}: {self.literal(v[n], ft)}" for n, ft in t.fields)
            return f"{self.struct_name(t)} {{ {inner} }}"
        if isinstance(t, TupleType):
            if len(t.items) == 1:
                return self.literal(v[0], t.items[0])
            return "(" + ", ".join(self.literal(x, it) for x, it in zip(v, t.items)) + ")"
        raise CompileError(f"no Leo literal for type {t}")

    @staticmethod
    def int_lit(v: int, t: IntType) -> str:
        v = int(v)
        if not t.min <= v <= t.max:
            raise CompileError(f"{v} does not fit {t.leo()}")
        return f"{v}{t.leo()}"

    def expr_Var(self, e: ir.Var) -> str:
        if e.name in self.consts:
            return self.literal(self.consts[e.name], e.type)
        return self.names[e.name]

    def expr_Binary(self, e: ir.Binary) -> str:
        op = e.op
        if isinstance(e.left.type, BoolType) and op in BOOL_OPS:
            sym = BOOL_OPS[op]
        elif op in BINARY_OPS:
            sym = BINARY_OPS[op]
        else:
            raise CompileError(f"the Leo emitter does not support the operator {op}", e.loc)
        right = self.sub(e.right)
        if op in ("shl", "shr") and e.right.type.leo() not in SHIFT_AMOUNT_TYPES:
            right = f"({right} as u32)"
        return f"{self.sub(e.left)} {sym} {right}"

    def expr_Unary(self, e: ir.Unary) -> str:
        if e.op == "neg":
            return f"-{self.sub(e.operand)}"
        if e.op == "not":
            return f"!{self.sub(e.operand)}"
        if e.op == "abs":
            return f"{self.sub(e.operand)}.abs()"
        raise CompileError(f"the Leo emitter does not support the operator {e.op}", e.loc)

    def expr_Select(self, e: ir.Select) -> str:
        return f"{self.sub(e.cond)} ? {self.sub(e.if_true)} : {self.sub(e.if_false)}"

    def expr_Index(self, e: ir.Index) -> str:
        if isinstance(e.array, (ir.Const, ir.Index)) and not isinstance(e.type, (StructType, TupleType)):
            try:  # a constant table read at a known index (an unrolled loop's): the element, not the whole table
                text = self.literal(self.static_value(e), e.type)
                return text if not text.startswith("-") else f"({text})"
            except NotStatic:
                pass
        return f"{self.sub(e.array)}[{self.expr(e.index)}]"

    def expr_Member(self, e: ir.Member) -> str:
        t = e.struct.type
        if isinstance(t, TupleType) and len(t.items) == 1:
            return self.expr(e.struct)  # a one-element tuple is emitted as its element
        return f"{self.sub(e.struct)}.{self.member(t, e.name)}"

    def expr_ArrayLit(self, e: ir.ArrayLit) -> str:
        return "[" + ", ".join(self.expr(i) for i in e.items) + "]"

    def expr_StructLit(self, e: ir.StructLit) -> str:
        assert isinstance(e.type, StructType)
        inner = ", ".join(f"{self.member(e.type, n)}: {self.expr(v)}" for n, v in e.fields)
        return f"{self.struct_name(e.type)} {{ {inner} }}"

    def expr_TupleLit(self, e: ir.TupleLit) -> str:
        if len(e.items) == 1:
            return self.expr(e.items[0])
        return "(" + ", ".join(self.expr(i) for i in e.items) + ")"

    def expr_Cast(self, e: ir.Cast) -> str:
        src, dst = e.operand.type, e.type
        if src == dst:
            return self.expr(e.operand)
        if e.lossy and self.lossy_needs_bits(src, dst):
            return f"{self.cast_helper(src, dst)}({self.expr(e.operand)})"
        return f"{self.sub(e.operand)} as {dst.leo()}"

    def expr_Hash(self, e: ir.Hash) -> str:
        return f"Poseidon2::hash_to_field({self.expr(e.operand)})"

    def expr_Commit(self, e: ir.Commit) -> str:
        return f"BHP256::commit_to_field({self.expr(e.operand)}, {self.expr(e.randomness)})"

    def expr_ExternalCall(self, e: ir.ExternalCall) -> str:
        return f"{e.program}.aleo::{e.function.name}({', '.join(self.expr(a) for a in e.args)})"

    def expr_Caller(self, e: ir.Caller) -> str:
        return "self.caller"

    def expr_Call(self, e: ir.Call) -> str:
        return f"{self.fn_names[e.function.name]}({', '.join(self.expr(a) for a in e.args)})"

    # ---- lossy casts ---------------------------------------------------------------------------
    @staticmethod
    def lossy_needs_bits(src: Type, dst: Type) -> bool:
        """Whether a lossy cast differs from Leo's checked ``as`` (which would halt) for some input.

        Integers and booleans always fit a field (a signed value becomes its two's complement bits,
        like ``as``), and a boolean fits every integer; other lossy casts keep the low bits.
        """
        if isinstance(src, BoolType):
            return False
        if isinstance(dst, FieldType):
            return not isinstance(src, (IntType, BoolType))
        if isinstance(dst, IntType) and isinstance(src, IntType):
            return not (src.bits < dst.bits and (dst.signed or not src.signed))
        return True

    def cast_helper(self, src: Type, dst: Type) -> str:
        """The name of a generated ``fn`` computing snarkVM's ``cast.lossy`` from ``src`` to ``dst``."""
        key = (src.leo(), dst.leo())
        if key in self.cast_helpers:
            return self.cast_helpers[key]
        if isinstance(src, IntType):
            n_src = src.bits
        elif key[0] in RAW_BITS:
            n_src = RAW_BITS[key[0]]
        else:
            raise CompileError(f"no lossy cast from {src.leo()} to {dst.leo()}")
        name = self.items.fresh(f"cast_lossy_{key[0]}_{key[1]}")
        local = Names(LOCAL_RESERVED, self.item_names | set(self.cast_helpers.values()) | {name})
        x, bits, low, i = (local.fresh(n) for n in ("x", "bits", "low", "i"))
        lines = [f"export fn {name}({x}: {key[0]}) -> {key[1]} {{",
                 f"    let {bits}: [bool; {n_src}] = Serialize::to_bits_raw({x});"]
        if isinstance(dst, BoolType):
            lines.append(f"    return {bits}[0u32];")
        elif isinstance(dst, IntType):
            n = dst.bits
            fill = f"{bits}[{n_src - 1}u32]" if isinstance(src, IntType) and src.signed else "false"
            lines += [f"    let {low}: [bool; {n}] = [false; {n}];",
                      f"    for {i}: u32 in 0u32..{min(n, n_src)}u32 {{",
                      f"        {low}[{i}] = {bits}[{i}];",
                      "    }"]
            if n_src < n:  # widening: repeat the sign bit (or zeros) like two's complement
                lines += [f"    for {i}: u32 in {n_src}u32..{n}u32 {{",
                          f"        {low}[{i}] = {fill};",
                          "    }"]
            lines.append(f"    return Deserialize::from_bits_raw::[{key[1]}]({low});")
        else:
            raise CompileError(f"a lossy cast from {src.leo()} to {dst.leo()} has no Leo spelling",
                               hint="cast to an integer type instead")
        lines.append("}")
        self.cast_helpers[key] = name
        self.cast_helper_text.append("\n".join(lines))
        return name


LeoEmitter._build_dispatch()


def _indent(text: str) -> str:
    return "\n".join(INDENT + line if line else line for line in text.split("\n"))


def emit_leo(module: ir.Module) -> str:
    """The text of ``src/main.leo`` for ``module``."""
    return LeoEmitter(module).module_text()


def program_json(module: ir.Module) -> str:
    """The text of ``program.json`` (what ``leo new`` writes) for ``module``; a program that imports others lists
    them as local dependencies (``leo add --local``), the Leo projects :meth:`pyleo.Program.write` puts beside it."""
    meta: dict[str, object] = {"program": f"{module.name}.aleo", "version": "0.1.0", "description": "", "license": "MIT"}
    if module.imports:
        meta["dependencies"] = [{"name": f"{imp}.aleo", "location": "local", "path": f"../{imp}"} for imp in module.imports]
    return json.dumps(meta, indent=2) + "\n"
