"""Both sides of a run-time if are computed: an overflow in the untaken side halts the circuit."""

import pyleo as pl


@pl.function
def guarded_add(flag: pl.Bool, a: pl.I8, b: pl.I8) -> pl.I8:
    y: pl.I8 = 0
    if flag:
        y = a + b
    else:
        y = a - b
    return y


@pl.function
def guarded_assign(x: pl.Array[pl.U16, 3], k: pl.U16) -> pl.Array[pl.U16, 3]:
    """Only elements below k get doubled; the doubling of the others is still computed."""
    for i in range(3):
        if x[i] < k:
            x[i] = x[i] * 2
    return x


PROGRAM = pl.Program("c31_untaken_halts", [guarded_add, guarded_assign])

CASES = {
    "guarded_add": [(True, 1, 2), (False, 1, 2), (True, 100, 27), (True, 100, 28), (False, 100, 28),
                    (False, -100, 28), (True, -100, 28), (False, -100, 29), (True, -128, -1)],
    "guarded_assign": [([0, 1, 2], 0), ([1, 2, 3], 3), ([32767, 32768, 1], 40000), ([32767, 32768, 1], 32768),
                       ([65535, 0, 0], 0), ([65535, 0, 0], 65535)],
}
