"""Name resolution and type checking: syntax tree → typed IR.

:class:`Context` holds what checking a program shares (helper specializations, structs);
:class:`FunctionChecker` checks one function: its signature and statements here, its expressions in
:mod:`pyleo.check_expr`, compile-time values in :mod:`pyleo.comptime`. ``@pl.inline`` helpers are
specialized per binding of their generic sizes (``pl.Array[T, "N"]``).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import ir
from . import syntax as S
from .check_expr import ExprChecker, Local, Scope
from .comptime import External, Importable, Mapping, Py, SourceFunction, Untyped, is_static, short_repr
from .errors import CompileError, LimitError, Location
from .limits import MAX_INSTRUCTIONS, MAX_UNROLLED_OPERATIONS, unrolled_operations
from .names import ITEM_RESERVED, MEMBER_RESERVED, is_legal
from .types import (
    U32,
    ArrayType,
    BoolType,
    StructType,
    TupleType,
    Type,
    Visible,
    as_type,
)


class Context:
    """State shared while checking one entry point: helper specializations and structs."""

    def __init__(self, program: str = "", imports: dict[str, Any] | None = None) -> None:
        self.program = program
        self.imports: dict[str, Any] = imports or {}   # name → the imported pl.Program
        self.mappings: dict[str, Mapping] = {}
        self.helpers: dict[tuple[int, tuple[tuple[str, int], ...]], ir.Function] = {}
        self.helper_list: list[ir.Function] = []
        self.structs: dict[str, StructType] = {}
        self.stack: list[str] = []
        self.operations: dict[int, int] = {}   # unrolled operations of each helper, by id of its ir.Function

    def note_type(self, t: Type) -> None:
        if isinstance(t, StructType):
            check_name(t.name, ITEM_RESERVED, "struct name")
            for fname, ft in t.fields:
                check_name(fname, MEMBER_RESERVED, f"field of struct {t.name}")
                self.note_type(ft)
            other = self.structs.get(t.name)
            if other is not None and other != t:
                raise CompileError(f"two different structs are named {t.name}")
            self.structs[t.name] = t
        elif isinstance(t, ArrayType):
            self.note_type(t.elem)
        elif isinstance(t, TupleType):
            for it in t.items:
                self.note_type(it)

    def external(self, value: Any, attr: str, node: S.Node) -> External | None:
        """``value.attr`` as an entry point of an imported program when ``value`` is a ``pl.Program`` (None when it
        is not one); CompileError when that program is not imported or has no such entry point."""
        if not isinstance(value, Importable):
            return None
        if self.imports.get(value.name) is not value:
            raise CompileError(f"program {value.name} is not imported by {self.program or 'this program'}", node.loc,
                               f"pass it to the program that calls it: pl.Program(..., imports=[{value.name}_program])")
        if attr not in value.functions:
            raise CompileError(f"program {value.name} has no function `{attr}`", node.loc,
                               f"its functions: {', '.join(value.functions)}")
        return External(value.name, value.entry(attr))

    def note_mapping(self, m: Mapping, node: S.Node) -> None:
        other = self.mappings.get(m.name)
        if other is not None and other is not m:
            raise CompileError(f"two different mappings are named {m.name}", node.loc)
        self.mappings[m.name] = m

    def checker(self, dfn: SourceFunction, sizes: dict[str, int], entry: bool) -> FunctionChecker:
        """A checker of ``dfn``'s body with the generic ``sizes`` bound."""
        return FunctionChecker(self, dfn, sizes, entry)

    def check_function(self, dfn: SourceFunction, sizes: dict[str, int], entry: bool) -> ir.Function:
        return self.checker(dfn, sizes, entry).check()

    def specialize(self, dfn: SourceFunction, sizes: dict[str, int], loc: Location) -> ir.Function:
        key = (id(dfn), tuple(sorted(sizes.items())))
        if key in self.helpers:
            return self.helpers[key]
        if dfn.name in self.stack:
            raise CompileError(f"`{dfn.name}` calls itself; recursion is not supported", loc,
                               "circuits are unrolled: write the computation with a bounded for loop")
        self.stack.append(dfn.name)
        try:
            fn = self.check_function(dfn, sizes, entry=False)
        finally:
            self.stack.pop()
        suffix = "_".join(f"{k}{v}" for k, v in sorted(sizes.items()))
        base = f"{dfn.name}_{suffix}" if suffix else dfn.name
        name, n = base, 1
        while any(h.name == name for h in self.helper_list):
            n += 1
            name = f"{base}_{n}"
        fn.name = name
        self.helpers[key] = fn
        self.helper_list.append(fn)
        return fn

class FunctionChecker(ExprChecker):
    """Checks one function body (an entry point or one specialization of a helper)."""

    # ---- signature -----------------------------------------------------------------------------
    def annotation(self, node: S.Node) -> Any:
        """Evaluate an annotation expression to a Python object (``pl.Array[pl.I64, 4]``).

        Parameter and return annotations that Python already evaluated (``fn.__annotations__``) are
        taken from there, so they may use names only the enclosing function knows.
        """
        if id(node) in self.evaluated:
            return self.evaluated[id(node)]
        if isinstance(node, S.Name):
            got = self.scope.lookup(node.id)
            if isinstance(got, Py):
                return got.value
            if node.id in self.globals:
                return self.globals[node.id]
            if hasattr(builtins, node.id):
                return getattr(builtins, node.id)
            raise self.error(f"unknown type name `{node.id}`", node)
        if isinstance(node, S.Attribute):
            base = self.annotation(node.value)
            if not hasattr(base, node.attr):
                raise self.error(f"`{node.attr}` is not defined in {short_repr(base)}", node)
            return getattr(base, node.attr)
        if isinstance(node, S.Subscript):
            base = self.annotation(node.value)
            idx = [self.annotation(i) for i in node.index]
            try:
                return base[idx[0] if len(idx) == 1 else tuple(idx)]
            except TypeError as e:
                raise self.error(f"invalid type: {e}", node) from None
        if isinstance(node, S.Constant):
            return node.value
        if isinstance(node, S.Tuple):
            return tuple(self.annotation(e) for e in node.elts)
        raise self.error("this is not a type", node, "write a pyleo type such as pl.I64 or pl.Array[pl.I64, 4]")

    def resolve_type(self, node: S.Node, allow_visibility: bool = False) -> tuple[Type, bool]:
        obj = self.annotation(node)
        public = False
        if isinstance(obj, Visible):
            if not allow_visibility:
                raise self.error("pl.Public / pl.Private apply to parameters and results only", node)
            obj, public = obj.type, obj.public
        try:
            t = as_type(obj)
        except TypeError:
            raise self.error(f"{short_repr(obj)} is not a pyleo type", node,
                             "use pl.Field, pl.Bool, pl.U8…pl.U128, pl.I8…pl.I128, pl.Array[T, N] or a pl.Struct class") from None
        return self.substitute(t, node), public

    def substitute(self, t: Type, node: S.Node) -> Type:
        if isinstance(t, ArrayType):
            size = t.size
            if isinstance(size, str):
                if size not in self.sizes:
                    raise self.error(f"the array size `{size}` is not bound here", node,
                                     "generic sizes are for @pl.inline helper parameters")
                size = self.sizes[size]
            if isinstance(size, (np.integer,)):
                size = int(size)
            if not isinstance(size, int) or size <= 0:
                raise self.error(f"array size must be a positive integer, got {size!r}", node)
            return ArrayType(self.substitute(t.elem, node), size)
        self.ctx.note_type(t)
        return t

    def check(self) -> ir.Function:
        syn = self.syntax
        if self.entry:
            check_name(syn.name, ITEM_RESERVED, "entry point name", syn.loc)
        params: list[ir.Param] = []
        for p in syn.params:
            if p.annotation is None:
                raise self.error(f"parameter `{p.name}` needs a type annotation", p, f"write `{p.name}: pl.I64` (or another pyleo type)")
            t, public = self.resolve_type(p.annotation, allow_visibility=True)
            if public and not self.entry:
                raise self.error("pl.Public applies to entry points (@pl.function) only", p.annotation)
            self.declare(p.name, t, p)
            params.append(ir.Param(p.name, t, public))
        if syn.returns is not None:
            rnode = syn.returns
            items = rnode.elts if isinstance(rnode, S.Tuple) else None
            obj = None if items is not None else self.annotation(rnode)
            if isinstance(obj, tuple):
                items = None
                typed = [self._vis_type(o, rnode) for o in obj]
                self.returns_tuple = True
            elif items is not None:
                typed = [self.resolve_type(e, allow_visibility=True) for e in items]
                self.returns_tuple = True
            elif isinstance(rnode, S.Subscript) and isinstance(rnode.value, S.Name) and rnode.value.id == "tuple":
                typed = [self.resolve_type(e, allow_visibility=True) for e in rnode.index]
                self.returns_tuple = True
            else:
                typed = [self.resolve_type(rnode, allow_visibility=True)]
            self.returns = [t for t, _ in typed]
            self.returns_public = [p for _, p in typed]
            if not self.entry and any(self.returns_public):
                raise self.error("pl.Public applies to entry points (@pl.function) only", rnode)
        body = self.block(syn.body, new_scope=False)
        nested = [st for st in walk_stmts(body) if isinstance(st, ir.MappingSet) and not any(st is b for b in body)]
        if nested:
            raise CompileError(f"mapping {nested[0].mapping} is written inside an `if` or a loop", nested[0].loc,
                               "write mappings at the top level of the function: compute the value with a conditional "
                               "expression, then `mapping[key] = value`")
        self.check_unrolled(unrolled_operations(body, self.ctx.operations), syn)
        if self.returns and not always_returns(body):
            last = syn.body[-1] if syn.body else syn
            raise self.error(f"`{syn.name}` does not return a value on every path", last,
                             "end the function with `return …` (or return in both branches of the last if/else)")
        return ir.Function(syn.name, params, self.returns, self.returns_public, body, self.entry, syn.loc,
                           self.returns_tuple, dict(self.locals))

    def _vis_type(self, obj: Any, node: S.Node) -> tuple[Type, bool]:
        if isinstance(obj, Visible):
            return self.substitute(obj.type, node), obj.public
        return self.substitute(as_type(obj), node), False
    # ---- statements ----------------------------------------------------------------------------
    def declare(self, name: str, t: Type, node: S.Node, loop: bool = False) -> str:
        if name in self.locals and self.locals[name] != t:
            raise self.error(f"`{name}` is already a variable of type {self.locals[name].leo()} in this function", node,
                             "use a new name for a value of another type")
        self.locals[name] = t
        self.scope.names[name] = Local(name, t, loop)
        return name

    def block(self, stmts: list[S.Node], new_scope: bool = True) -> list[ir.Stmt]:
        if new_scope:
            self.scope = Scope(parent=self.scope)
        out: list[ir.Stmt] = []
        try:
            for i, st in enumerate(stmts):
                if out and always_returns(out):
                    raise self.error("unreachable code after `return`", st, "remove it, or put it before the return")
                out.extend(self.stmt(st, docstring_ok=(i == 0)))
        finally:
            if new_scope:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
        return out

    def stmt(self, st: S.Node, docstring_ok: bool = False) -> list[ir.Stmt]:
        method = getattr(self, f"stmt_{type(st).__name__}", None)
        if method is None:
            raise self.error("this statement is not supported in a pyleo function", st)
        return method(st, docstring_ok) if isinstance(st, S.ExprStmt) else method(st)

    def stmt_FunctionDef(self, st: S.FunctionDef) -> list[ir.Stmt]:
        raise self.error("functions inside a pyleo function are not supported", st,
                         "define a module-level `@pl.inline` helper and call it")

    def check_unrolled(self, n: int, node: S.Node, what: str = "") -> None:
        """Raise LimitError at ``node`` when ``n`` unrolled operations exceed MAX_UNROLLED_OPERATIONS."""
        if n > MAX_UNROLLED_OPERATIONS:
            raise LimitError(f"{what or f'`{self.syntax.name}`'} unrolls to at least {n:,} operations; pyleo stops at "
                             f"{MAX_UNROLLED_OPERATIONS:,} per function (snarkVM runs at most {MAX_INSTRUCTIONS:,} "
                             "instructions per function)", node.loc,
                             "use smaller loop bounds, or split the model across several functions")

    def stmt_Pass(self, st: S.Pass) -> list[ir.Stmt]:
        return []

    def stmt_ExprStmt(self, st: S.ExprStmt, docstring_ok: bool) -> list[ir.Stmt]:
        if isinstance(st.value, S.Constant) and isinstance(st.value.value, str):
            return []
        raise self.error("an expression whose value is not used", st,
                         "assign it to a variable or return it; helpers are pure functions")

    def stmt_AnnAssign(self, st: S.AnnAssign) -> list[ir.Stmt]:
        if not isinstance(st.target, S.Name):
            raise self.error("only a plain variable name can be annotated", st.target)
        t, _ = self.resolve_type(st.annotation)
        if st.value is None:
            raise self.error(f"`{st.target.id}` needs an initial value", st, f"write `{st.target.id}: {t.leo()} = …`")
        value = self.coerce(self.expr(st.value, t), t, st.value)
        existing = self.scope.lookup(st.target.id)
        if isinstance(existing, Local) and not existing.loop:
            if existing.type != t:
                raise self.error(f"`{st.target.id}` was declared as {existing.type.leo()}", st)
            return [ir.Assign(st.loc, st.target.id, [], value)]
        name = self.declare(st.target.id, t, st.target)
        return [ir.Let(st.loc, name, t, value)]

    def stmt_Assign(self, st: S.Assign) -> list[ir.Stmt]:
        if isinstance(st.target, S.Subscript) and isinstance(st.target.value, (S.Name, S.Attribute)):
            base = self.expr(st.target.value)
            if isinstance(base, Py) and isinstance(base.value, Mapping):
                return [self.mapping_set(base.value, st)]
        if isinstance(st.target, S.Tuple):
            return self.unpack(st)
        if isinstance(st.target, S.Name):
            existing = self.scope.lookup(st.target.id)
            if existing is None and st.target.id not in self.globals:
                raw = self.expr(st.value)
                if isinstance(raw, Py):
                    self.scope.names[st.target.id] = raw
                    return []
                if isinstance(raw, Untyped):
                    raise self.error(f"cannot infer the type of `{st.target.id}`", st,
                                     f"annotate it: `{st.target.id}: pl.I64 = …`")
                name = self.declare(st.target.id, raw.type, st.target)
                return [ir.Let(st.loc, name, raw.type, raw)]
        name, path, t = self.lvalue(st.target)
        value = self.coerce(self.expr(st.value, t), t, st.value)
        return [ir.Assign(st.loc, name, path, value)]

    def mapping_set(self, m: Mapping, st: S.Assign) -> ir.MappingSet:
        """``m[key] = value``: an on-chain write of an entry point (see :class:`pyleo.comptime.Mapping`)."""
        assert isinstance(st.target, S.Subscript)
        if not self.entry:
            raise self.error(f"mapping {m.name} is written in the helper `{self.syntax.name}`", st,
                             "write mappings in a @pl.function entry point")
        if len(st.target.index) != 1:
            raise self.error(f"mapping {m.name} takes one key", st.target)
        self.ctx.note_mapping(m, st)
        self.ctx.note_type(m.key)
        self.ctx.note_type(m.value)
        key = self.coerce(self.expr(st.target.index[0], m.key), m.key, st.target.index[0])
        value = self.coerce(self.expr(st.value, m.value), m.value, st.value)
        return ir.MappingSet(st.loc, m.name, key, value)

    def unpack(self, st: S.Assign) -> list[ir.Stmt]:
        assert isinstance(st.target, S.Tuple)
        value = self.expr(st.value)
        if not isinstance(value, ir.Expr) or not isinstance(value.type, TupleType):
            raise self.error("only a tuple result (of a helper returning several values) can be unpacked", st.value)
        if len(value.type.items) != len(st.target.elts):
            raise self.error(f"{len(value.type.items)} values cannot be unpacked into {len(st.target.elts)} names", st)
        tmp = f"tuple_{st.loc.line}_{st.loc.col}"
        out: list[ir.Stmt] = [ir.Let(st.loc, tmp, value.type, value)]
        self.locals[tmp] = value.type
        for i, (tgt, t) in enumerate(zip(st.target.elts, value.type.items)):
            part = ir.Member(t, st.loc, ir.Var(value.type, st.loc, tmp), str(i))
            if isinstance(tgt, S.Name) and self.scope.lookup(tgt.id) is None:
                out.append(ir.Let(st.loc, self.declare(tgt.id, t, tgt), t, part))
            else:
                name, path, lt = self.lvalue(tgt)
                out.append(ir.Assign(st.loc, name, path, self.coerce(part, lt, tgt)))
        return out

    def lvalue(self, node: S.Node) -> tuple[str, list[ir.Expr | str], Type]:
        if isinstance(node, S.Name):
            got = self.scope.lookup(node.id)
            if isinstance(got, Local):
                if got.loop:
                    raise self.error(f"the loop variable `{node.id}` cannot be assigned", node)
                return got.name, [], got.type
            if isinstance(got, Py) or node.id in self.globals:
                raise self.error(f"`{node.id}` is a compile-time constant and cannot be assigned", node,
                                 f"copy it into a typed variable: `{node.id.lower()}: pl.I64 = …`")
            raise self.error(f"`{node.id}` is not defined", node)
        if isinstance(node, S.Subscript):
            name, path, t = self.lvalue(node.value)
            for idx_node in node.index:
                if not isinstance(t, ArrayType):
                    raise self.error(f"a value of type {t.leo()} cannot be indexed", node)
                path.append(self.index_expr(idx_node, t))
                t = t.elem
            return name, path, t
        if isinstance(node, S.Attribute):
            name, path, t = self.lvalue(node.value)
            if not isinstance(t, StructType) or t.field_type(node.attr) is None:
                raise self.error(f"{t.leo()} has no field `{node.attr}`", node)
            path.append(node.attr)
            return name, path, t.field_type(node.attr)  # type: ignore[return-value]
        raise self.error("cannot assign to this expression", node, "assign to a variable, an array element or a struct field")

    def stmt_AugAssign(self, st: S.AugAssign) -> list[ir.Stmt]:
        name, path, t = self.lvalue(st.target)
        value = self.binop(st.op, st.target, st.value, st)
        return [ir.Assign(st.loc, name, path, self.coerce(value, t, st))]

    def stmt_Return(self, st: S.Return) -> list[ir.Stmt]:
        if st.value is None:
            if self.returns:
                raise self.error("missing return value", st)
            return [ir.Return(st.loc, None)]
        if not self.returns:
            raise self.error(f"`{self.syntax.name}` returns a value but declares no return type", st,
                             "annotate the result: `def f(...) -> pl.I64:`")
        if self.returns_tuple:
            elts = st.value.elts if isinstance(st.value, S.Tuple) else None
            if elts is None or len(elts) != len(self.returns):
                raise self.error(f"return {len(self.returns)} values, as the signature declares", st)
            items = [self.coerce(self.expr(e, t), t, e) for e, t in zip(elts, self.returns)]
            return [ir.Return(st.loc, ir.TupleLit(TupleType(tuple(self.returns)), st.loc, items))]
        t = self.returns[0]
        return [ir.Return(st.loc, self.coerce(self.expr(st.value, t), t, st.value))]

    def stmt_Assert(self, st: S.Assert) -> list[ir.Stmt]:
        cond = self.coerce(self.expr(st.test, BoolType()), BoolType(), st.test)
        msg = ""
        if st.msg is not None:
            if not (isinstance(st.msg, S.Constant) and isinstance(st.msg.value, str)):
                raise self.error("an assert message must be a string literal", st.msg)
            msg = st.msg.value
        return [ir.Assert(st.loc, cond, msg)]

    def stmt_If(self, st: S.If) -> list[ir.Stmt]:
        cond = self.expr(st.test, BoolType())
        if isinstance(cond, Py):
            if not isinstance(cond.value, (bool, np.bool_)):
                raise self.error("an if condition must be a bool", st.test)
            return self.block(st.body if cond.value else st.orelse)
        cond = self.coerce(cond, BoolType(), st.test)
        then = self.block(st.body)
        orelse = self.block(st.orelse)
        return [ir.If(st.loc, cond, then, orelse, is_static(cond, self.loop_vars))]
    def stmt_For(self, st: S.For) -> list[ir.Stmt]:
        if not isinstance(st.target, S.Name):
            raise self.error("the loop variable must be a single name", st.target)
        start, stop, step = self.range_args(st.iter)
        if bounds_use(st.body, st.target.id):
            return self.unrolled_for(st, st.target.id, range(start, stop, step))
        self.scope = Scope(parent=self.scope)
        try:
            var = self.declare(st.target.id, U32, st.target, loop=True)
            self.loop_vars.add(var)
            self.loop_ranges[var] = range(start, stop, step)
            body = self.block(st.body, new_scope=False)
        finally:
            assert self.scope.parent is not None
            self.scope = self.scope.parent
        if any(isinstance(s, ir.Return) for s in walk_stmts(body)):
            raise self.error("`return` inside a loop is not supported", st,
                             "keep a result variable and a flag, and return after the loop")
        loop = [ir.For(st.loc, var, start, stop, step, body)]
        self.check_unrolled(unrolled_operations(loop, self.ctx.operations), st, f"this loop ({len(range(start, stop, step)):,} iterations)")
        return loop

    def unrolled_for(self, st: S.For, name: str, values: range) -> list[ir.Stmt]:
        """A loop whose inner loops' bounds depend on its variable: unrolled here, one body per value."""
        out: list[ir.Stmt] = []
        operations = 0
        for v in values:
            self.scope = Scope({name: Py(v)}, self.scope)
            try:
                body = self.block(st.body, new_scope=False)
            finally:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
            out.extend(body)
            operations += max(1, unrolled_operations(body, self.ctx.operations))
            self.check_unrolled(operations, st, f"this loop ({len(values):,} iterations)")
        if any(isinstance(s, ir.Return) for s in walk_stmts(out)):
            raise self.error("`return` inside a loop is not supported", st,
                             "keep a result variable and a flag, and return after the loop")
        return out

def check_name(name: str, reserved: frozenset[str], what: str, loc: Location | None = None) -> None:
    """Names that appear in the Aleo program must be legal Aleo/Leo identifiers and not reserved."""
    if not is_legal(name, reserved):
        raise CompileError(f"`{name}` cannot be used as a {what}: Aleo and Leo reserve it or forbid its spelling", loc,
                           "use letters, digits and single underscores, start with a letter, at most 31 characters, "
                           "and avoid Aleo keywords and opcodes (value, input, add, ...)")

def bounds_use(body: list[S.Node], name: str) -> bool:
    """Whether a loop nested in ``body`` has range bounds that mention ``name`` (a triangular loop)."""

    def mentions(node: Any) -> bool:
        if isinstance(node, S.Name):
            return node.id == name
        if isinstance(node, S.Node):
            return any(mentions(v) for v in vars(node).values() if v is not node.loc)
        if isinstance(node, (list, tuple)):
            return any(mentions(v) for v in node)
        return False

    for st in body:
        if isinstance(st, S.For) and (mentions(st.iter) or bounds_use(st.body, name)):
            return True
        if isinstance(st, S.If) and (bounds_use(st.body, name) or bounds_use(st.orelse, name)):
            return True
    return False


def walk_stmts(stmts: list[ir.Stmt]) -> Any:
    for s in stmts:
        yield s
        if isinstance(s, ir.For):
            yield from walk_stmts(s.body)
        elif isinstance(s, ir.If):
            yield from walk_stmts(s.then)
            yield from walk_stmts(s.orelse)


def always_returns(stmts: list[ir.Stmt]) -> bool:
    """True when the block returns on every path (its last statement returns unconditionally)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ir.Return):
        return True
    if isinstance(last, ir.If):
        return always_returns(last.then) and always_returns(last.orelse)
    return False
