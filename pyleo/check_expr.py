"""Type checking of expressions: syntax → typed IR expressions (or compile-time values).

:class:`ExprChecker` holds what checking one function knows (its scopes, locals, loop variables,
globals) and checks expressions; :class:`pyleo.check.FunctionChecker` extends it with the signature
and the statements. Integer constants take their type from context (``acc: pl.I64 = 0``, ``x + 1``).
"""

from __future__ import annotations

import builtins
import inspect
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ir
from . import syntax as S
from .comptime import (
    CALLER,
    Builtin,
    External,
    Py,
    SourceFunction,
    Untyped,
    Value,
    arg_shape,
    bind_sizes,
    cast_hint,
    const_type,
    fold,
    fold_unary,
    short_repr,
    typed_const,
)
from .errors import CompileError, LimitError
from .limits import MAX_ARRAY_LENGTH, MAX_EXPRESSION_DEPTH
from .types import (
    U32,
    Address,
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    Struct,
    StructType,
    Type,
    Visible,
    as_type,
)

if TYPE_CHECKING:
    from .check import Context

_BINOPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem", "&": "and", "|": "or", "^": "xor",
           "<<": "shl", ">>": "shr"}
_CMPOPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


@dataclass
class Scope:
    names: dict[str, Any] = field(default_factory=dict)  # name → ir.Var type info or Py
    parent: "Scope | None" = None

    def lookup(self, name: str) -> Any:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None


@dataclass
class Local:
    name: str
    type: Type
    loop: bool = False


class ExprChecker:
    """What checking one function body knows, and the checking of its expressions."""

    def __init__(self, ctx: Context, dfn: SourceFunction, sizes: dict[str, int], entry: bool) -> None:
        self.ctx, self.dfn, self.sizes, self.entry = ctx, dfn, sizes, entry
        self.syntax = dfn.syntax
        closure = inspect.getclosurevars(dfn.fn)
        self.globals: dict[str, Any] = {**dfn.fn.__globals__, **closure.nonlocals}
        self.scope = Scope({k: Py(v) for k, v in sizes.items()})
        self.loop_vars: set[str] = set()
        self.loop_ranges: dict[str, range] = {}   # the values of each loop variable (of the loop being checked)
        self.locals: dict[str, Type] = {}
        self.returns: list[Type] = []
        self.returns_public: list[bool] = []
        self.returns_tuple = False
        # Parameter and return annotations Python evaluated (no ``from __future__ import annotations``):
        # taken as they are, here and where the helper is called, so they may use the enclosing
        # function's names (a factory's type parameter) that the body does not mention.
        self.evaluated: dict[int, Any] = {}
        given = getattr(dfn.fn, "__annotations__", {})
        nodes = {p.name: p.annotation for p in self.syntax.params} | {"return": self.syntax.returns}
        for name, node in nodes.items():
            obj = given.get(name)
            if node is not None and obj is not None and not isinstance(obj, str):
                self.evaluated[id(node)] = tuple(typing.get_args(obj)) if typing.get_origin(obj) is tuple else obj

    # ---- errors --------------------------------------------------------------------------------
    @staticmethod
    def error(msg: str, node: S.Node | None, hint: str | None = None) -> CompileError:
        return CompileError(msg, node.loc if node is not None else None, hint)

    def range_args(self, node: S.Node) -> tuple[int, int, int]:
        if not (isinstance(node, S.Call) and isinstance(node.func, S.Name) and node.func.id == "range"):
            raise self.error("a for loop must iterate over `range(...)`", node, "write `for i in range(N)` with a constant N")
        vals = []
        for a in node.args:
            v = self.expr(a)
            if not isinstance(v, Py) or not isinstance(v.value, (int, np.integer)) or isinstance(v.value, bool):
                raise self.error("loop bounds must be known at compile time", a,
                                 "use integer constants, module-level constants or sizes of generic arrays")
            vals.append(int(v.value))
        if not 1 <= len(vals) <= 3 or node.keywords:
            raise self.error("range takes 1 to 3 integer arguments", node)
        start, stop, step = (0, vals[0], 1) if len(vals) == 1 else (vals[0], vals[1], vals[2] if len(vals) == 3 else 1)
        if step == 0:
            raise self.error("range step cannot be zero", node)
        values = range(start, stop, step)
        if values and min(values[0], values[-1]) < 0:
            raise self.error("loop variables are u32: the range must not take negative values", node)
        if values and max(values[0], values[-1]) > U32.max:
            raise self.error(f"loop variables are u32: the range must stay below 2**32, and it reaches "
                             f"{max(values[0], values[-1]):,}", node, "use smaller loop bounds")
        return start, stop, step
    # ---- expressions ---------------------------------------------------------------------------
    def coerce(self, v: Value, t: Type, node: S.Node) -> ir.Expr:
        """Give an untyped constant the type ``t``, or check that a typed value has type ``t``."""
        if isinstance(v, Py):
            if isinstance(v.value, SourceFunction) or callable(v.value) and not isinstance(v.value, (list, np.ndarray)):
                raise self.error(f"{short_repr(v.value)} is not a value", node)
            return ir.Const(t, node.loc, typed_const(v.value, t, node.loc))
        if isinstance(v, Untyped):
            return v.build(t)
        if isinstance(v, ir.Var) and v.type != t and isinstance(t, (IntType, FieldType)) and self.is_loop_var(v):
            return self.loop_var_as(v, t, node)
        if v.type != t:
            raise self.error(f"expected a value of type {t.leo()}, found {v.type.leo()}", node, cast_hint(v.type, t))
        return v

    def is_loop_var(self, v: ir.Var) -> bool:
        """Whether ``v`` is the variable of a loop being checked (not a later local of the same name)."""
        local = self.scope.lookup(v.name)
        return isinstance(local, Local) and local.loop and v.name in self.loop_ranges

    def loop_var_as(self, v: ir.Var, t: IntType | FieldType, node: S.Node) -> ir.Expr:
        """A loop variable takes its type from context, as a literal does: a cast that the range of the
        loop proves safe at compile time (a range that does not fit ``t`` is a compile error)."""
        values = self.loop_ranges[v.name]
        if isinstance(t, IntType) and len(values) and not t.min <= min(values[0], values[-1]) <= \
                max(values[0], values[-1]) <= t.max:
            raise self.error(f"the loop variable `{v.name}` takes values up to {max(values[0], values[-1])}, which do "
                             f"not all fit {t.aleo()} (range {t.min}..{t.max})", node, "use a wider integer type")
        return ir.Cast(t, node.loc, v, False)

    def typed(self, v: Value, node: S.Node) -> ir.Expr:
        if isinstance(v, ir.Expr):
            return v
        raise self.error("cannot infer the type of this constant", node,
                         "cast it, e.g. `pl.I64(5)`, or annotate the variable it is assigned to")

    def expr(self, node: S.Node, expected: Type | None = None) -> Value:
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise self.error("this expression is not supported in a pyleo function", node)
        return method(node, expected)

    def expr_Constant(self, node: S.Constant, expected: Type | None) -> Value:
        if isinstance(node.value, str):
            raise self.error("strings are not supported in circuits", node)
        return Py(node.value)

    def expr_Name(self, node: S.Name, expected: Type | None) -> Value:
        got = self.scope.lookup(node.id)
        if isinstance(got, Local):
            return ir.Var(got.type, node.loc, got.name)
        if isinstance(got, Py):
            return got
        if node.id in self.globals:
            return self.special(self.globals[node.id], node)
        if hasattr(builtins, node.id):
            return Py(getattr(builtins, node.id))
        raise self.error(f"`{node.id}` is not defined", node, "define it before use, or as a module-level constant")

    def expr_Attribute(self, node: S.Attribute, expected: Type | None) -> Value:
        base = self.expr(node.value)
        if isinstance(base, Py):
            external = self.ctx.external(base.value, node.attr, node)
            if external is not None:
                return Py(external)
            if not hasattr(base.value, node.attr):
                raise self.error(f"`{node.attr}` is not defined in {short_repr(base.value)}", node)
            return self.special(getattr(base.value, node.attr), node)
        base = self.typed(base, node.value)
        if isinstance(base.type, StructType):
            ft = base.type.field_type(node.attr)
            if ft is None:
                raise self.error(f"struct {base.type.name} has no field `{node.attr}`", node,
                                 f"its fields are {', '.join(n for n, _ in base.type.fields)}")
            return ir.Member(ft, node.loc, base, node.attr)
        raise self.error(f"a value of type {base.type.leo()} has no attributes", node)

    @staticmethod
    def special(value: Any, node: S.Node) -> Value:
        """A global that is an expression of its own (``pl.caller``), else the compile-time value."""
        if value is CALLER:
            return ir.Caller(Address, node.loc)
        return Py(value)

    def index_expr(self, node: S.Node, at: ArrayType) -> ir.Expr:
        idx = self.expr(node, U32)
        if isinstance(idx, Py):
            if not isinstance(idx.value, (int, np.integer)) or isinstance(idx.value, bool):
                raise self.error("an array index must be an integer", node)
            if not 0 <= int(idx.value) < int(at.size):
                raise self.error(f"index {idx.value} is out of range for {at.leo()}", node)
            return ir.Const(U32, node.loc, int(idx.value))
        if isinstance(idx, Untyped):
            idx = idx.build(U32)
        idx = self.typed(idx, node)
        if idx.type != U32:
            raise self.error(f"an array index must be u32, found {idx.type.leo()}", node, "convert it: `pl.U32(i)`")
        return idx

    def expr_Subscript(self, node: S.Subscript, expected: Type | None) -> Value:
        base = self.expr(node.value)
        for idx_node in node.index:
            if isinstance(base, Py):
                if isinstance(base.value, (list, tuple, np.ndarray)):
                    idx = self.expr(idx_node, U32)
                    n = len(base.value)
                    if isinstance(idx, Py):
                        if not isinstance(idx.value, (int, np.integer)) or not 0 <= int(idx.value) < n:
                            raise self.error(f"index {idx.value!r} is out of range for a constant of length {n}", idx_node)
                        base = Py(base.value[int(idx.value)])
                    else:
                        base = Untyped(base.value, [self.index_expr(idx_node, ArrayType(U32, n))], node.loc)
                    continue
                raise self.error(f"{short_repr(base.value)} cannot be indexed", node)
            if isinstance(base, Untyped):
                n = np.shape(np.asarray(base.value, dtype=object))[len(base.indices)]
                base = Untyped(base.value, base.indices + [self.index_expr(idx_node, ArrayType(U32, int(n)))], node.loc)
                continue
            if not isinstance(base.type, ArrayType):
                raise self.error(f"a value of type {base.type.leo()} cannot be indexed", node)
            idx = self.index_expr(idx_node, base.type)
            base = ir.Index(base.type.elem, node.loc, base, idx)
        return base

    def expr_Tuple(self, node: S.Tuple, expected: Type | None) -> Value:
        vals = [self.expr(e) for e in node.elts]
        if all(isinstance(v, Py) for v in vals):
            return Py(tuple(v.value for v in vals))  # type: ignore[union-attr]
        raise self.error("tuples are supported only as several return values", node)

    def expr_List(self, node: S.List, expected: Type | None) -> Value:
        elem_t = expected.elem if isinstance(expected, ArrayType) else None
        vals = [self.expr(e, elem_t) for e in node.elts]
        if all(isinstance(v, Py) for v in vals):
            return Py([v.value for v in vals])  # type: ignore[union-attr]
        if not vals:
            raise self.error("empty arrays are not supported", node)
        t = elem_t or next(v.type for v in vals if isinstance(v, ir.Expr))
        items = [self.coerce(v, t, e) for v, e in zip(vals, node.elts)]
        return ir.ArrayLit(ArrayType(t, len(items)), node.loc, items)

    def expr_ListComp(self, node: S.ListComp, expected: Type | None) -> Value:
        if not isinstance(node.target, S.Name):
            raise self.error("the comprehension variable must be a single name", node.target)
        start, stop, step = self.range_args(node.iter)
        if len(range(start, stop, step)) > MAX_ARRAY_LENGTH:
            raise LimitError(f"this list has {len(range(start, stop, step)):,} elements; snarkVM allows at most "
                             f"{MAX_ARRAY_LENGTH} per dimension", node.loc, "use a nested array (a matrix)")
        elem_t = expected.elem if isinstance(expected, ArrayType) else None
        vals: list[Value] = []
        for i in range(start, stop, step):
            self.scope = Scope({node.target.id: Py(i)}, self.scope)
            try:
                vals.append(self.expr(node.elt, elem_t))
            finally:
                assert self.scope.parent is not None
                self.scope = self.scope.parent
        if not vals:
            raise self.error("empty arrays are not supported", node)
        if all(isinstance(v, Py) for v in vals):
            return Py([v.value for v in vals])  # type: ignore[union-attr]
        t = elem_t or next(v.type for v in vals if isinstance(v, ir.Expr))
        return ir.ArrayLit(ArrayType(t, len(vals)), node.loc, [self.coerce(v, t, node.elt) for v in vals])

    def unify(self, a: Value, b: Value, node: S.Node, na: S.Node, nb: S.Node) -> tuple[ir.Expr, ir.Expr]:
        if isinstance(a, ir.Expr):
            return a, self.coerce(b, a.type, nb)
        if isinstance(b, ir.Expr):
            return self.coerce(a, b.type, na), b
        raise self.error("cannot infer the type of this expression", node,
                         "cast one operand, e.g. `pl.I64(W[i])`, or annotate the variable")

    def expr_BinOp(self, node: S.BinOp, expected: Type | None) -> Value:
        return self.binop(node.op, node.left, node.right, node, expected)

    def binop(self, op: str, lnode: S.Node, rnode: S.Node, node: S.Node, expected: Type | None = None) -> Value:
        left = self.expr(lnode, expected)
        if op == "**":
            return self.power(left, rnode, node, expected)
        right = self.expr(rnode, expected if op not in ("<<", ">>") else None)
        if isinstance(left, Py) and isinstance(right, Py):
            return Py(fold(op, left.value, right.value, node))
        if op == "//":
            raise self.error("`//` floors in Python, but circuits divide rounding toward zero", node,
                             "write `/` (integer division truncating toward zero, as in Aleo)")
        if op == "@":
            raise self.error("`@` is not supported", node, "use stdlib_ml.linalg.matvec / matmul")
        if op in ("<<", ">>"):
            lt = self.coerce(left, expected, lnode) if not isinstance(left, ir.Expr) and expected else self.typed(left, lnode)
            if not isinstance(lt.type, IntType):
                raise self.error(f"shifts apply to integers, not {lt.type.leo()}", node)
            rt = self.coerce(right, U32, rnode) if not isinstance(right, ir.Expr) else right
            if not (isinstance(rt.type, IntType) and not rt.type.signed and rt.type.bits <= 32):
                raise self.error(f"a shift amount must be u8, u16 or u32, found {rt.type.leo()}", rnode)
            return ir.Binary(lt.type, node.loc, _BINOPS[op], lt, rt)
        if isinstance(left, Py) and isinstance(right, Untyped) and expected is not None:
            left = self.coerce(left, expected, lnode)
        l, r = self.unify(left, right, node, lnode, rnode)
        t = l.type
        irop = _BINOPS[op]
        if irop in ("add", "sub", "mul", "div"):
            if not isinstance(t, (IntType, FieldType)):
                raise self.error(f"`{op}` applies to integers and fields, not {t.leo()}", node)
        elif irop == "rem":
            if not isinstance(t, IntType):
                raise self.error(f"`%` applies to integers, not {t.leo()}", node)
        elif not isinstance(t, (IntType, BoolType)):
            raise self.error(f"`{op}` applies to integers and bools, not {t.leo()}", node)
        return ir.Binary(t, node.loc, irop, l, r)

    def power(self, base: Value, rnode: S.Node, node: S.Node, expected: Type | None) -> Value:
        exp = self.expr(rnode)
        if not isinstance(exp, Py) or not isinstance(exp.value, (int, np.integer)) or exp.value < 0:
            raise self.error("the exponent of `**` must be a non-negative integer constant", rnode)
        if isinstance(base, Py):
            return Py(fold("**", base.value, exp.value, node))
        b = self.coerce(base, expected, node) if isinstance(base, Untyped) and expected else self.typed(base, node)
        if not isinstance(b.type, (IntType, FieldType)):
            raise self.error(f"`**` applies to integers and fields, not {b.type.leo()}", node)
        if exp.value == 0:
            return ir.Const(b.type, node.loc, 1)
        if exp.value > MAX_EXPRESSION_DEPTH:
            raise LimitError(f"`**` unrolls to {int(exp.value) - 1:,} multiplications; pyleo allows expressions at "
                             f"most {MAX_EXPRESSION_DEPTH:,} operations deep", node.loc,
                             "square repeatedly in a loop of variables (x2 = x * x; x4 = x2 * x2; …)")
        out: ir.Expr = b
        for _ in range(int(exp.value) - 1):
            out = ir.Binary(b.type, node.loc, "mul", out, b)
        return out

    def expr_UnaryOp(self, node: S.UnaryOp, expected: Type | None) -> Value:
        v = self.expr(node.operand, expected)
        if isinstance(v, Py):
            return Py(fold_unary(node.op, v.value, node))
        if isinstance(v, Untyped):
            if expected is None:
                raise self.error("cannot infer the type of this expression", node, "cast it, e.g. `pl.I64(...)`")
            v = v.build(expected)
        t = v.type
        if node.op == "+":
            return v
        if node.op == "not":
            if not isinstance(t, BoolType):
                raise self.error(f"`not` applies to bools, not {t.leo()}", node, "compare explicitly, e.g. `x == 0`")
            return ir.Unary(t, node.loc, "not", v)
        if node.op == "~":
            if not isinstance(t, IntType):
                raise self.error(f"`~` applies to integers, not {t.leo()}", node)
            return ir.Unary(t, node.loc, "not", v)
        if isinstance(t, IntType) and not t.signed:
            raise self.error(f"cannot negate an unsigned {t.leo()}", node, "use a signed type (pl.I64) or subtract")
        if not isinstance(t, (IntType, FieldType)):
            raise self.error(f"`-` applies to signed integers and fields, not {t.leo()}", node)
        return ir.Unary(t, node.loc, "neg", v)

    def expr_BoolOp(self, node: S.BoolOp, expected: Type | None) -> Value:
        vals = [self.expr(v, BoolType()) for v in node.values]
        if all(isinstance(v, Py) for v in vals):
            acc = vals[0].value  # type: ignore[union-attr]
            for v in vals[1:]:
                acc = (acc and v.value) if node.op == "and" else (acc or v.value)  # type: ignore[union-attr]
            return Py(acc)
        typed = [self.coerce(v, BoolType(), n) for v, n in zip(vals, node.values)]
        out = typed[0]
        for v in typed[1:]:
            out = ir.Binary(BoolType(), node.loc, node.op, out, v)
        return out

    def expr_Compare(self, node: S.Compare, expected: Type | None) -> Value:
        parts: list[Value] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators):
            left = self.expr(left_node)
            right = self.expr(right_node)
            if isinstance(left, Py) and isinstance(right, Py):
                parts.append(Py(fold(op, left.value, right.value, node)))
            else:
                if not isinstance(left, ir.Expr) and not isinstance(right, ir.Expr):
                    left = self.coerce(left, const_type(left), left_node)  # constant tables compared to constants
                l, r = self.unify(left, right, node, left_node, right_node)
                if op not in ("==", "!=") and isinstance(l.type, (BoolType, ArrayType, StructType)):
                    raise self.error(f"`{op}` does not apply to {l.type.leo()}", node)
                parts.append(ir.Binary(BoolType(), node.loc, _CMPOPS[op], l, r))
            left_node = right_node
        if len(parts) == 1:
            return parts[0]
        typed = [self.coerce(p, BoolType(), node) for p in parts]
        out = typed[0]
        for p in typed[1:]:
            out = ir.Binary(BoolType(), node.loc, "and", out, p)
        return out

    def expr_IfExp(self, node: S.IfExp, expected: Type | None) -> Value:
        cond = self.expr(node.test, BoolType())
        if isinstance(cond, Py):
            return self.expr(node.body if cond.value else node.orelse, expected)
        cond = self.coerce(cond, BoolType(), node.test)
        a, b = self.expr(node.body, expected), self.expr(node.orelse, expected)
        if expected is not None and not isinstance(a, ir.Expr) and not isinstance(b, ir.Expr):
            a = self.coerce(a, expected, node.body)
        l, r = self.unify(a, b, node, node.body, node.orelse)
        return ir.Select(l.type, node.loc, cond, l, r)

    def expr_Call(self, node: S.Call, expected: Type | None) -> Value:
        fv = self.expr(node.func)
        if not isinstance(fv, Py):
            raise self.error("only functions can be called", node.func)
        f = fv.value
        if isinstance(f, SourceFunction):
            return self.call_dsl(f, node)
        if isinstance(f, External):
            return self.call_external(f, node)
        if isinstance(f, (IntType, FieldType, BoolType, ScalarType)):
            self.arity(node, 1)
            return self.cast(self.expr(node.args[0], f), f, node, lossy=False)
        if isinstance(f, type) and issubclass(f, Struct):
            return self.struct_lit(f.__pyleo_type__, node)
        if isinstance(f, Builtin):
            return getattr(self, f"builtin_{f.name}")(node)
        if f is len:
            self.arity(node, 1)
            v = self.expr(node.args[0])
            if isinstance(v, Py):
                return Py(len(v.value))
            v = self.typed(v, node.args[0])
            if not isinstance(v.type, ArrayType):
                raise self.error(f"len() applies to arrays, not {v.type.leo()}", node)
            return Py(v.type.size)
        if f is abs:
            self.arity(node, 1)
            v = self.expr(node.args[0], expected)
            if isinstance(v, Py):
                return Py(abs(v.value))
            v = self.coerce(v, expected, node) if isinstance(v, Untyped) and expected else self.typed(v, node)
            if not (isinstance(v.type, IntType) and v.type.signed):
                raise self.error(f"abs() applies to signed integers, not {v.type.leo()}", node)
            return ir.Unary(v.type, node.loc, "abs", v)
        if f in (min, max):
            self.arity(node, 2)
            a, b = self.expr(node.args[0], expected), self.expr(node.args[1], expected)
            if isinstance(a, Py) and isinstance(b, Py):
                return Py(f(a.value, b.value))
            l, r = self.unify(a, b, node, node.args[0], node.args[1])
            cmp = ir.Binary(BoolType(), node.loc, "lt" if f is min else "gt", l, r)
            return ir.Select(l.type, node.loc, cmp, l, r)
        if f is range:
            raise self.error("range() can only be used in a for loop or list comprehension", node)
        name = getattr(f, "__name__", short_repr(f))
        raise self.error(f"`{name}` cannot be called in a pyleo function", node,
                         "call @pl.inline helpers, casts like pl.I64(x), pl.poseidon2, pl.commit, len, abs, min, max")

    def arity(self, node: S.Call, n: int) -> None:
        if len(node.args) != n or node.keywords:
            raise self.error(f"expected {n} argument{'s' if n != 1 else ''}, got {len(node.args) + len(node.keywords)}", node)

    def cast(self, v: Value, t: Type, node: S.Node, lossy: bool) -> ir.Expr:
        if isinstance(v, Py):
            return ir.Const(t, node.loc, typed_const(v.value, t, node.loc))
        if isinstance(v, Untyped):
            return v.build(t)
        if v.type == t:
            return v
        scalar_like = (IntType, FieldType, BoolType)
        if not isinstance(v.type, scalar_like) or not isinstance(t, scalar_like):
            raise self.error(f"cannot cast {v.type.leo()} to {t.leo()}", node)
        return ir.Cast(t, node.loc, v, lossy)

    def builtin_cast_lossy(self, node: S.Call) -> Value:
        self.arity(node, 2)
        t = self.expr(node.args[1])
        if not isinstance(t, Py) or not isinstance(t.value, (IntType, FieldType, BoolType)):
            raise self.error("the second argument of pl.cast_lossy must be a type such as pl.U8", node.args[1])
        return self.cast(self.expr(node.args[0]), t.value, node, lossy=True)

    def builtin_poseidon2(self, node: S.Call) -> Value:
        self.arity(node, 1)
        v = self.typed(self.expr(node.args[0]), node.args[0])
        return ir.Hash(FieldType(), node.loc, v)

    def builtin_commit(self, node: S.Call) -> Value:
        self.arity(node, 2)
        v = self.typed(self.expr(node.args[0]), node.args[0])
        r = self.coerce(self.expr(node.args[1], ScalarType()), ScalarType(), node.args[1])
        return ir.Commit(FieldType(), node.loc, v, r)

    def struct_lit(self, t: StructType, node: S.Call) -> Value:
        self.ctx.note_type(t)
        names = [n for n, _ in t.fields]
        given: dict[str, S.Node] = dict(zip(names, node.args))
        if len(node.args) > len(names):
            raise self.error(f"{t.name} has {len(names)} fields, got {len(node.args)} values", node)
        for k, v in node.keywords:
            if k not in names:
                raise self.error(f"{t.name} has no field `{k}`", v, f"its fields are {', '.join(names)}")
            given[k] = v
        missing = [n for n in names if n not in given]
        if missing:
            raise self.error(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {t.name}", node)
        fields = [(n, self.coerce(self.expr(given[n], ft), ft, given[n])) for n, ft in t.fields]
        return ir.StructLit(t, node.loc, fields)

    def call_external(self, f: External, node: S.Call) -> Value:
        """``model.predict(x)``: a call of an imported program's entry point, checked against its signature."""
        fn = f.function
        where = f"{f.program}.aleo/{fn.name}"
        if node.keywords:
            raise self.error(f"pass the arguments of {where} by position", node)
        if len(node.args) != len(fn.params):
            raise self.error(f"{where} takes {len(fn.params)} argument{'s' if len(fn.params) != 1 else ''} "
                             f"({', '.join(f'{p.name}: {p.type.leo()}' for p in fn.params)}), got {len(node.args)}", node)
        args = []
        for p, a in zip(fn.params, node.args):
            v = self.expr(a, p.type)
            if isinstance(v, ir.Expr) and v.type != p.type:
                raise self.error(f"argument `{p.name}` of {where} is {p.type.leo()}, got {v.type.leo()}", a,
                                 cast_hint(v.type, p.type))
            args.append(self.coerce(v, p.type, a))
        if fn.return_type is None:
            raise self.error(f"{where} returns nothing, so its call has no value", node)
        if len(fn.returns) > 1:
            raise self.error(f"{where} returns {len(fn.returns)} values; pyleo calls functions of other programs that "
                             "return one", node, "return a struct from the called function instead of a tuple")
        if self.dfn.entry is False:
            raise self.error(f"{where} is called from the helper `{self.dfn.name}`", node,
                             "call imported programs from a @pl.function entry point (each call is a transition)")
        for p in fn.params:
            self.ctx.note_type(p.type)
        for t in fn.returns:
            self.ctx.note_type(t)
        return ir.ExternalCall(fn.return_type, node.loc, f.program, fn, args)

    def call_dsl(self, f: SourceFunction, node: S.Call) -> Value:
        if node.keywords:
            raise self.error("pass arguments to helpers by position", node)
        params = f.syntax.params
        if len(node.args) != len(params):
            raise self.error(f"`{f.name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, got {len(node.args)}", node)
        # Bind generic sizes from the arguments, then check the arguments against the specialized types.
        helper_checker = self.ctx.checker(f, {}, entry=False)
        sizes: dict[str, int] = {}
        raw_args: list[Value] = []
        for p, a in zip(params, node.args):
            if p.annotation is None:
                raise CompileError(f"parameter `{p.name}` of `{f.name}` needs a type annotation", p.loc)
            obj = helper_checker.annotation(p.annotation)
            if isinstance(obj, Visible):
                obj = obj.type
            pt = as_type(obj)
            v = self.expr(a)
            raw_args.append(v)
            bind_sizes(pt, arg_shape(v), sizes, a, f.name)
        fn = self.ctx.specialize(f, sizes, node.loc)
        args = [self.coerce(v, p.type, a) for v, p, a in zip(raw_args, fn.params, node.args)]
        if fn.return_type is None:
            raise self.error(f"`{f.name}` returns nothing, so its call has no value", node)
        return ir.Call(fn.return_type, node.loc, fn, args)
