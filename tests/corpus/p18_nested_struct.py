"""A struct holding an array and another struct; writes through nested paths."""

import pyleo as pl


class Stats(pl.Struct):
    count: pl.U16
    total: pl.I64


class Sample(pl.Struct):
    values: pl.Array[pl.I64, 3]
    stats: Stats
    flag: pl.Bool


@pl.function
def summarize(s: Sample) -> Sample:
    """Fill in stats from values; negate values when flag is set."""
    out = s
    out.stats.count = 0
    out.stats.total = 0
    for i in range(3):
        out.stats.total += s.values[i]
        out.stats.count += 1
        if s.flag:
            out.values[i] = -s.values[i]
    return out


@pl.function
def make_sample(a: pl.I64, b: pl.Public[pl.I64]) -> pl.Public[Sample]:
    return Sample(values=[a, b, a + b], stats=Stats(count=3, total=a * b), flag=a > b)


PROGRAM = pl.Program("c18_nested_struct", [summarize, make_sample])

MIN, MAX = -(2**63), 2**63 - 1


def sample(values, count=0, total=0, flag=False):
    return {"values": values, "stats": {"count": count, "total": total}, "flag": flag}


CASES = {
    "summarize": [(sample([0, 0, 0]),), (sample([1, -2, 3], 9, 9, True),), (sample([MAX, 1, 0]),),
                  (sample([MIN, 0, 0], flag=True),), (sample([MIN, 0, 0], flag=False),),
                  (sample([MAX, MIN, -1], 65535, MIN, True),)],
    "make_sample": [(0, 0), (2, -3), (MAX, 1), (MAX, -1), (2**32, 2**31), (-(2**32), 2**31), (MIN, 0)],
}
