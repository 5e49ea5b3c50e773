"""Structs: construct, read, write a field, struct inputs and outputs, struct equality."""

import pyleo as pl


class Point(pl.Struct):
    x: pl.I32
    y: pl.I32


@pl.function
def translate(p: Point, dx: pl.Public[pl.I32]) -> Point:
    """Move p by dx along x, swap-and-negate y's sign via a field write."""
    q = Point(x=p.x + dx, y=p.y)
    q.y = q.y * 2
    return q


@pl.function
def manhattan(a: Point, b: Point) -> tuple[pl.Public[pl.I32], pl.Bool]:
    d = Point(a.x - b.x, a.y - b.y)
    return abs(d.x) + abs(d.y), a == b


PROGRAM = pl.Program("c17_structs", [translate, manhattan])

MIN, MAX = -(2**31), 2**31 - 1
CASES = {
    "translate": [({"x": 0, "y": 0}, 0), ({"x": 1, "y": -2}, 3), (Point(x=MAX, y=0), 1), (Point(x=0, y=2**30), 0),
                  ({"x": MIN, "y": -(2**30)}, -1), ({"x": MIN, "y": -(2**30)}, 1)],
    "manhattan": [({"x": 0, "y": 0}, {"x": 0, "y": 0}), ({"x": 1, "y": 2}, {"x": 4, "y": -2}),
                  ({"x": MIN, "y": 0}, {"x": 0, "y": 0}), ({"x": MIN, "y": 0}, {"x": 1, "y": 0}),
                  ({"x": MAX, "y": MAX}, {"x": MAX, "y": MAX}), ({"x": 2**30, "y": 2**30}, {"x": 0, "y": 0})],
}
