"""snarkVM's limits on one program, in one place (measured with aleo-sdk 0.8.0 / snarkVM 4.12).

The network's deployment caps have been raised several times; update the numbers here and every
error message follows.
"""

from __future__ import annotations

from . import ir
from .errors import LimitError
from .types import ArrayType, StructType, TupleType, Type

MAX_INPUTS = 16
MAX_OUTPUTS = 16
MAX_FUNCTIONS = 31
MAX_ARRAY_LENGTH = 2048
MAX_STRUCT_MEMBERS = 32
MAX_CONSTRAINTS_LOCAL = 16384
"""Largest circuit the degree-16 universal parameters installed here can prove."""


def check_type_limits(t: Type, where: str, fn: ir.Function) -> None:
    if isinstance(t, ArrayType):
        if int(t.size) > MAX_ARRAY_LENGTH:
            raise LimitError(f"{where} of `{fn.name}` has an array of {t.size} elements; snarkVM allows at most "
                             f"{MAX_ARRAY_LENGTH} per dimension ({int(t.size) - MAX_ARRAY_LENGTH} too many)", fn.loc,
                             "use a nested array (a matrix) or split the input")
        check_type_limits(t.elem, where, fn)
    elif isinstance(t, StructType):
        if len(t.fields) > MAX_STRUCT_MEMBERS:
            raise LimitError(f"struct {t.name} has {len(t.fields)} members; snarkVM allows at most {MAX_STRUCT_MEMBERS}",
                             fn.loc, "group members into arrays or nested structs")
        for _, ft in t.fields:
            check_type_limits(ft, where, fn)
    elif isinstance(t, TupleType):
        for it in t.items:
            check_type_limits(it, where, fn)


def check_function_limits(fn: ir.Function) -> None:
    """Raise :class:`LimitError` naming the limit when an entry point cannot be a snarkVM function."""
    if len(fn.params) > MAX_INPUTS:
        raise LimitError(f"`{fn.name}` has {len(fn.params)} inputs; snarkVM allows at most {MAX_INPUTS} "
                         f"({len(fn.params) - MAX_INPUTS} too many)", fn.loc, "pack inputs into arrays or structs")
    if len(fn.returns) > MAX_OUTPUTS:
        raise LimitError(f"`{fn.name}` has {len(fn.returns)} outputs; snarkVM allows at most {MAX_OUTPUTS}", fn.loc,
                         "return an array or a struct")
    for p in fn.params:
        check_type_limits(p.type, f"parameter `{p.name}`", fn)
    for t in fn.returns:
        check_type_limits(t, "the result", fn)
