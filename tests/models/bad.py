"""Models that pyleo must reject, each with a marker comment on the offending line.

tests/test_errors.py compiles each one and checks the message and the file:line:col it points at.
"""

import numpy as np

import pyleo as pl

FLOATS = np.array([0.5, 1.5])
BIG = [0] * 2049


@pl.function
def uses_while(x: pl.I64) -> pl.I64:
    while x > 0:  # E:while
        x -= 1
    return x


@pl.function
def unbounded_loop(x: pl.I64, n: pl.U32) -> pl.I64:
    for i in range(n):  # E:unbounded
        x += 1
    return x


@pl.function
def uses_lambda(x: pl.I64) -> pl.I64:
    f = lambda y: y  # E:lambda  # noqa: E731
    return x


@pl.inline
def recurse(x: pl.I64) -> pl.I64:
    return recurse(x)  # E:recursion


@pl.function
def calls_recursive(x: pl.I64) -> pl.I64:
    return recurse(x)


@pl.function
def undefined_name(x: pl.I64) -> pl.I64:
    return x + y  # E:undefined  # noqa: F821


@pl.function
def mixed_types(x: pl.I64, y: pl.U8) -> pl.I64:
    return x + y  # E:mixed


@pl.function
def float_constant(x: pl.I64) -> pl.I64:
    return x * 1.5  # E:float


@pl.function
def float_global(x: pl.Array[pl.I64, 2]) -> pl.I64:
    return x[0] * FLOATS[0]  # E:floatglobal


@pl.function
def constant_too_big(x: pl.U8) -> pl.U8:
    y: pl.U8 = 300  # E:toobig
    return x + y


@pl.function
def missing_return(x: pl.I64) -> pl.I64:
    if x > 0:  # E:missingreturn
        return x


@pl.inline
def takes_four(a: pl.Array[pl.I64, 4]) -> pl.I64:
    return a[0]


@pl.function
def size_mismatch(x: pl.Array[pl.I64, 3]) -> pl.I64:
    return takes_four(x)  # E:size


@pl.function
def index_out_of_range(x: pl.Array[pl.I64, 3]) -> pl.I64:
    return x[3]  # E:index


@pl.function
def negate_unsigned(x: pl.U64) -> pl.U64:
    return -x  # E:negunsigned


@pl.function
def floor_division(x: pl.I64) -> pl.I64:
    return x // 2  # E:floordiv


@pl.function
def too_many_inputs(a0: pl.U8, a1: pl.U8, a2: pl.U8, a3: pl.U8, a4: pl.U8, a5: pl.U8, a6: pl.U8, a7: pl.U8,  # E:inputs
                    a8: pl.U8, a9: pl.U8, a10: pl.U8, a11: pl.U8, a12: pl.U8, a13: pl.U8, a14: pl.U8,
                    a15: pl.U8, a16: pl.U8) -> pl.U8:
    return a0


@pl.function
def array_too_long(x: pl.Array[pl.U8, 2049]) -> pl.U8:  # E:arraylen
    return x[0]


@pl.function
def comprehension_with_if(x: pl.Array[pl.I64, 4]) -> pl.Array[pl.I64, 4]:
    return [x[i] for i in range(4) if i > 0]  # E:compif


@pl.function
def uses_try(x: pl.I64) -> pl.I64:
    try:  # E:try
        return x
    except Exception:
        return x


@pl.function
def bool_arithmetic(x: pl.Bool) -> pl.Bool:
    return x + x  # E:boolarith


@pl.function
def wrong_return_type(x: pl.I64) -> pl.Bool:
    return x  # E:returntype


@pl.function
def unannotated(x) -> pl.I64:  # E:unannotated
    return x


@pl.function
def return_in_loop(x: pl.I64) -> pl.I64:
    for i in range(3):  # E:loopreturn
        return x
    return x


@pl.function
def unreachable(x: pl.I64) -> pl.I64:
    return x
    x = x + 1  # E:unreachable


@pl.function
def untyped_local(x: pl.Array[pl.I64, 2]) -> pl.I64:
    w = BIG[pl.U32(x[0])]  # E:untyped  # noqa: F841
    return x[0]


@pl.function
def calls_python(x: pl.I64) -> pl.I64:
    return print(x)  # E:pythoncall


# ---- issue 16: bad input that hung or crashed the compiler -------------------------------------
@pl.function
def fstring_message(x: pl.I64) -> pl.I64:
    assert x > 0, f"x is {x}"  # E:fstring
    return x


@pl.function
def nested_def(x: pl.I64) -> pl.I64:
    def helper(y):  # E:nesteddef
        return y
    return x


@pl.function
def huge_loop(x: pl.I64) -> pl.I64:
    acc: pl.I64 = 0
    for i in range(10**9):  # E:hugeloop
        acc += x
    return acc


@pl.function
def nested_loops(x: pl.I64) -> pl.I64:
    acc: pl.I64 = 0
    for i in range(1000):  # E:nestedloops
        for j in range(1000):
            for k in range(1000):
                acc += x
    return acc


@pl.function
def triangular_loops(x: pl.I64) -> pl.I64:
    acc: pl.I64 = 0
    for i in range(100000):  # E:triangular
        for j in range(i):
            acc += x
    return acc


@pl.function
def huge_power(x: pl.Field) -> pl.Field:
    return x ** 1000000000  # E:hugepower


@pl.function
def huge_constant(x: pl.Field) -> pl.Field:
    return x + 3 ** 1000000000  # E:hugeconst


@pl.function
def long_comprehension(x: pl.I64) -> pl.Array[pl.I64, 3000]:
    return [x for i in range(3000)]  # E:longcomp


@pl.function
def loop_variable_too_wide(x: pl.U8) -> pl.U8:
    acc: pl.U8 = x
    for i in range(300):
        acc = i  # E:loopvarwide
    return acc


@pl.function
def range_past_u32(x: pl.I64) -> pl.I64:
    acc: pl.I64 = 0
    for i in range(10**30):  # E:pastu32
        acc += x
    return acc


@pl.function
def loop_name_reused(x: pl.U32) -> pl.U8:
    acc: pl.U32 = 0
    for i in range(3):
        acc += i
    i: pl.U32 = x
    y: pl.U8 = i  # E:loopnamereused
    return y
