"""Selects, equality and conditional assignment of whole arrays and structs."""

import pyleo as pl


class Pixel(pl.Struct):
    rgb: pl.Array[pl.U8, 3]
    alpha: pl.Bool


@pl.function
def arr_eq(a: pl.Array[pl.I16, 3], b: pl.Array[pl.I16, 3]) -> pl.Public[pl.Array[pl.Bool, 2]]:
    return [a == b, a != b]


@pl.function
def blend(p: Pixel, q: pl.Public[Pixel]) -> Pixel:
    """Keep p where it is opaque; otherwise take q's colour, brightened (may overflow)."""
    out = p
    if not p.alpha:
        out = q
        for i in range(3):
            out.rgb[i] = q.rgb[i] + 10
    return out


PROGRAM = pl.Program("c36_tree_selects", [arr_eq, blend])


def px(r, g, b, alpha):
    return {"rgb": [r, g, b], "alpha": alpha}


CASES = {
    "arr_eq": [([0, 0, 0], [0, 0, 0]), ([1, 2, 3], [1, 2, 4]), ([-32768, 0, 32767], [-32768, 0, 32767]),
               ([-1, 0, 0], [65535 - 65536, 0, 1])],
    "blend": [(px(1, 2, 3, True), px(4, 5, 6, False)), (px(1, 2, 3, False), px(4, 5, 6, True)),
              (px(1, 2, 3, True), px(250, 5, 6, False)), (px(1, 2, 3, False), px(245, 245, 245, False)),
              (px(1, 2, 3, False), px(246, 0, 0, True))],
}
