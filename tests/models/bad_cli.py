"""A model file with a compile error, for the CLI tests."""

import pyleo as pl


@pl.function
def f(x: pl.I64) -> pl.I64:
    while x > 0:
        x -= 1
    return x


prog = pl.Program("bad_cli", [f])
