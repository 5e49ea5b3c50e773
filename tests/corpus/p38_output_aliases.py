"""Outputs that are one value twice (issue 21): the same register, an alias, two expressions numbered into
one register, constants equal after folding, whole arrays, structs and a helper's tuple. snarkVM refuses
two identical output statements, so each repeat is a copy of its own; the values must still be the
interpreter's. (Private outputs cost ~1,300 constraints each, public ones ~480: most outputs here are
public so that each function fits the local 16,384.)"""

import pyleo as pl


class Pair(pl.Struct):
    a: pl.U32
    b: pl.Array[pl.Bool, 2]


@pl.inline
def twice(v: pl.U32) -> tuple[pl.U32, pl.U32]:
    return v, v


@pl.function
def same_register(p0: pl.Public[pl.U32]) -> tuple[pl.Public[pl.U32], pl.Public[pl.U32], pl.U32]:
    """`return p0, p0` (and p0 once more as a private output, which snarkVM takes from the same register)."""
    return p0, p0, p0


@pl.function
def alias_and_cse(a: pl.U32) -> tuple[pl.Public[pl.U32], pl.Public[pl.U32], pl.Public[pl.U32], pl.Public[pl.U32]]:
    """An alias of `a`; `a + 1` twice (one register; it halts for the largest `a` in both)."""
    b = a
    return a, b, a + 1, a + 1


@pl.function
def field_and_bool(f: pl.Public[pl.Field], c: pl.Public[pl.Bool]) -> tuple[
        pl.Public[pl.Field], pl.Public[pl.Field], pl.Public[pl.Bool], pl.Public[pl.Bool]]:
    return f, f, c, c


@pl.function
def folded_ints(a: pl.Public[pl.U32], x: pl.I64) -> tuple[
        pl.Public[pl.U32], pl.Public[pl.U32], pl.Public[pl.U32], pl.Public[pl.I64], pl.Public[pl.I64]]:
    """`a * 0` next to `0` and `0 * a`; `x * 0` next to `0`."""
    return a * 0, 0, 0 * a, x * 0, 0


@pl.function
def folded_others(f: pl.Public[pl.Field]) -> tuple[
        pl.Public[pl.Field], pl.Public[pl.Field], pl.Public[pl.Field], pl.Public[pl.Bool], pl.Public[pl.Bool]]:
    """`2 + 3` and `5`, `f * 0` and `0` as fields; `not True` and `False`."""
    return 2 + 3, 5, f * 0, not True, False


@pl.function
def arrays(v: pl.Public[pl.Array[pl.U32, 3]], n: pl.U32) -> tuple[
        pl.Public[pl.Array[pl.U32, 3]], pl.Public[pl.Array[pl.U32, 3]], pl.Public[pl.Array[pl.U32, 2]],
        pl.Public[pl.Array[pl.U32, 2]],
        pl.Public[pl.Array[pl.U32, 2]], pl.Public[pl.Array[pl.U32, 2]]]:
    """A whole array and its alias; an array built twice from the same elements; a constant array twice."""
    w = v
    return v, w, [n, v[0]], [n, v[0]], [7, 7], [7, 7]


@pl.function
def structs_and_tuples(r: pl.Public[Pair], n: pl.U32) -> tuple[pl.Public[Pair], pl.Public[Pair], pl.U32, pl.U32]:
    """A struct twice; a helper's tuple `(n, n)` unpacked."""
    x, y = twice(n)
    return r, r, x, y


@pl.function
def eight(x: pl.Public[pl.U8]) -> tuple[pl.Public[pl.U8], pl.Public[pl.U8], pl.Public[pl.U8], pl.Public[pl.U8],
                                        pl.Public[pl.U8], pl.Public[pl.U8], pl.Public[pl.U8], pl.Public[pl.U8]]:
    """One input eight times (each public output costs ~481 constraints of the transition; 16 do not fit
    the local degree-16 parameters)."""
    return x, x, x, x, x, x, x, x


PROGRAM = pl.Program("c38_output_aliases", [same_register, alias_and_cse, field_and_bool, folded_ints, folded_others,
                                              arrays, structs_and_tuples, eight])


def pair(a, b0, b1):
    return {"a": a, "b": [b0, b1]}


U32_MAX = 2**32 - 1
CASES = {
    "same_register": [(7,), (0,), (U32_MAX,)],
    "alias_and_cse": [(7,), (0,), (U32_MAX - 1,), (U32_MAX,)],
    "field_and_bool": [(3, True), (0, False), (pl.FIELD_MODULUS - 1, True)],
    "folded_ints": [(7, 7), (0, -(2**63)), (U32_MAX, 2**63 - 1)],
    "folded_others": [(0,), (pl.FIELD_MODULUS - 1,)],
    "arrays": [([1, 2, 3], 5), ([0, 0, 0], 0), ([U32_MAX, 0, 1], U32_MAX)],
    "structs_and_tuples": [(pair(4, True, False), 5), (pair(0, False, False), 0), (pair(U32_MAX, True, True), U32_MAX)],
    "eight": [(7,), (0,), (255,)],
}
