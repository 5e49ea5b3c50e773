"""poseidon2 of scalars, arrays and structs; BHP256 commitment with a scalar, both published."""

import pyleo as pl


class Pair(pl.Struct):
    a: pl.U8
    b: pl.I64


@pl.function
def hash_mixed(f: pl.Field, p: Pair) -> tuple[pl.Public[pl.Field], pl.Public[pl.Field]]:
    return pl.poseidon2(f), pl.poseidon2(p)


@pl.function
def commit_value(x: pl.Array[pl.U8, 4], r: pl.Scalar) -> pl.Public[pl.Field]:
    return pl.commit(x, r)


PROGRAM = pl.Program("c27_hash_commit", [hash_mixed, commit_value])

CASES = {
    "hash_mixed": [(0, {"a": 0, "b": 0}), (-1, {"a": 255, "b": -(2**63)}), (12345, {"a": 7, "b": 42})],
    "commit_value": [([0, 0, 0, 0], 0), ([1, 2, 3, 4], 123456789), ([255, 255, 255, 255], 2**250)],
}
