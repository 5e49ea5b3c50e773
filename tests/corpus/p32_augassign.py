"""Every augmented assignment operator, on i32 and on a u8 array element."""

import pyleo as pl


@pl.function
def aug(a: pl.I32, b: pl.I32, s: pl.U8) -> pl.I32:
    x = a
    x += b
    x -= 3
    x *= 2
    x /= b
    x %= 1000
    x &= 0x7FF
    x |= 0x1000
    x ^= a
    x <<= s
    x >>= 1
    return x


@pl.function
def aug_elem(v: pl.Array[pl.U8, 2], k: pl.U8) -> pl.Array[pl.U8, 2]:
    v[0] += k
    v[1] -= k
    v[0] *= 2
    v[1] /= 3
    return v


PROGRAM = pl.Program("c32_augassign", [aug, aug_elem])

CASES = {
    "aug": [(0, 1, 0), (10, 3, 2), (-10, 3, 2), (10, -3, 4), (7, 0, 0), (2**31 - 1, 1, 0), (-5, 2, 31), (123456, 7, 19),
            (-123456, -7, 20), (100, 1, 32)],
    "aug_elem": [([0, 0], 0), ([1, 10], 3), ([127, 255], 1), ([128, 0], 0), ([0, 0], 1), ([10, 20], 245)],
}
