"""The smallest pyleo model: a linear score with a public bias.

    pyleo build examples/scorer.py --out build/
    pyleo run examples/scorer.py linear_scorer.score "[1, 2, 3, 4]" 10
"""

import pyleo as pl

W = [3, -1, 4, 1]  # Python globals are compile-time constants


@pl.inline
def dot(a: pl.Array[pl.I64, "N"], b: pl.Array[pl.I64, "N"]) -> pl.I64:
    """Dot product of two vectors of any (equal) length."""
    acc: pl.I64 = 0
    for i in range(len(a)):
        acc += a[i] * b[i]
    return acc


@pl.function
def score(x: pl.Array[pl.I64, 4], bias: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """W·x + bias, with x private and the bias public."""
    return dot(x, W) + bias


prog = pl.Program("linear_scorer", [score])

if __name__ == "__main__":
    print("interpreter:", score([1, 2, 3, 4], 10))
    print(prog.aleo())
