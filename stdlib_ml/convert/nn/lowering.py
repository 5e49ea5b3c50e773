"""Lowering a :class:`~.network.Network` to stages of ReLUs over affine combinations (:func:`lower`), and
their quantization to integers at power-of-two scales, sized from exact worst-case intervals
(:func:`quantize`). See the package docstring for how and why."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..model import ConversionError
from ..options import Options
from ..quantize import MLP_RESOLUTION, input_bits_for, qint, sign_width
from .approximations import APPROXIMATIONS
from .integer import Requantization
from .network import Network, Node


# ---- lowering: stages of ReLUs over affine combinations -------------------------------------------
@dataclass
class _Expr:
    """A tensor as ``Σ_s terms[s]·source_s + bias`` (sparse float64 matrices; source 0 is the input,
    source k ≥ 1 the output of stage k)."""

    terms: dict[int, sparse.csr_matrix]
    bias: np.ndarray

    def map(self, M: Any, c: Any = None) -> _Expr:
        M = sparse.csr_matrix(M)
        b = M.dot(self.bias) + (0.0 if c is None else np.asarray(c, np.float64))
        return _Expr({s: sparse.csr_matrix(M.dot(A)) for s, A in self.terms.items()}, b)

    def __add__(self, other: _Expr) -> _Expr:
        terms = dict(self.terms)
        for s, A in other.terms.items():
            terms[s] = sparse.csr_matrix(terms[s] + A) if s in terms else A
        return _Expr(terms, self.bias + other.bias)

    def scaled(self, k: float, shift: float = 0.0) -> _Expr:
        return _Expr({s: A * k for s, A in self.terms.items()}, self.bias * k + shift)

    def rows(self, idx: np.ndarray) -> _Expr:
        return _Expr({s: A[idx] for s, A in self.terms.items()}, self.bias[idx])


PRODUCT_BITS = 8
"""Products work at the scale 2**(resolution + PRODUCT_BITS) (absolute steps of 2**-20 at the default
resolution 12): each operand finer than that is floored to it first, and the product back to it (or
kept whole when its operands' scales sum to less)."""


@dataclass
class _Product:
    """A product stage: ``a·b`` elementwise (floored to a fixed scale when quantized), or ``a`` alone
    floored (``b`` None: a rescale); ``ranges``: the float bounds (lo, hi) of a, b (a again for a
    rescale) and the result over the input box (:meth:`Network.intervals`)."""

    a: _Expr
    b: _Expr | None
    ranges: tuple[tuple[np.ndarray, np.ndarray], ...]
    scale: int | None = None
    """The scale a rescale floors to: 2**min(scale, resolution + PRODUCT_BITS) (its ``params["scale"]``); None:
    2**(resolution + :data:`PRODUCT_BITS`)."""
    floor: bool = True
    """False (a rescale only): ``a`` kept at its own scale, nothing floored: its value materialized once (one
    register, no constraint) for every later stage to read (an activation's ``params["materialized"]``)."""


@dataclass
class _Requant:
    """A requantization stage: the integer accumulator ``acc`` requantized by ``rq``."""

    acc: _Expr
    rq: Requantization


@dataclass
class _Search:
    """A search stage: ``v**-power`` (1/v or 1/√v) of ``a``, at least ``floor``; ``ranges`` as a
    :class:`_Product`'s (a's and the result's float bounds)."""

    a: _Expr
    power: float
    floor: float
    ranges: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass
class _Lowered:
    stages: list[_Expr | _Product | _Requant | _Search]   # stage k (1-based: stages[k - 1]) is relu(z_k) (z_k its expression) or a product
    out: _Expr
    approximated: dict[str, int]


def _source(k: int, size: int) -> _Expr:
    return _Expr({k: sparse.identity(size, format="csr")}, np.zeros(size))


MONOTONE = ("relu", "clip", "sigmoid", "tanh")
"""Non-decreasing activations: ``max(f(a), f(b)) = f(max(a, b))``, so an activation followed only by a
max pool is computed after it, on a quarter of the values (a 2×2 pool)."""


def lower(net: Network, approximate: bool = True, low: Any = None, high: Any = None) -> _Lowered:
    """Lower ``net`` to ReLU stages (product stages for ``mul`` / ``rescale`` nodes, search stages for
    ``search`` nodes), computing only the nodes
    the output depends on; ``low``/``high``: the input box products are sized for (default ±1)."""
    out_node = net.require_output()
    stages: list[_Expr | _Product | _Requant | _Search] = []
    box = net.intervals(-np.ones(net.n_features) if low is None else low, np.ones(net.n_features) if high is None else high)
    approximated: dict[str, int] = {}
    consumers: dict[int, list[Node]] = {}
    for node in net.nodes:
        for i in node.inputs:
            consumers.setdefault(id(i), []).append(node)

    def relu(z: _Expr) -> _Expr:
        stages.append(z)
        return _source(len(stages), len(z.bias))

    def pooled_first(node: Node) -> Node | None:
        """The monotone activation feeding only this max pool, if any (it then runs after the pool)."""
        a = node.inputs[0]
        monotone = a.op == "activation" and (a.kind in MONOTONE or a.kind == "leaky_relu" and a.params["alpha"] >= 0)
        return a if monotone and a is not out_node and len(consumers.get(id(a), [])) == 1 else None

    exprs: dict[int, _Expr] = {id(net.input): _source(0, net.input.size)}

    def value(node: Node) -> _Expr:
        if id(node) in exprs:
            return exprs[id(node)]
        if node.op == "linear":
            acc = None
            for i, M in zip(node.inputs, node.matrices):
                t = value(i).map(M)
                acc = t if acc is None else acc + t
            acc.bias = acc.bias + node.bias
        elif node.op == "mul":
            a, b = node.inputs
            stages.append(_Product(value(a), value(b), (box[id(a)], box[id(b)], box[id(node)])))
            acc = _source(len(stages), node.size)
        elif node.op == "rescale":
            a = node.inputs[0]
            scale = node.params.get("scale")
            stages.append(_Product(value(a), None, (box[id(a)], box[id(a)], box[id(node)]),
                                   None if scale is None else int(scale)))
            acc = _source(len(stages), node.size)
        elif node.op == "requant":
            stages.append(_Requant(value(node.inputs[0]), node.requant))
            acc = _source(len(stages), node.size)
        elif node.op == "search":
            a = node.inputs[0]
            stages.append(_Search(value(a), node.params["power"], node.params["floor"], (box[id(a)], box[id(node)])))
            acc = _source(len(stages), node.size)
        elif node.op == "max_pool":
            act = pooled_first(node)
            if act is not None:
                pooled = _max_pool(value(act.inputs[0]), node.windows, relu)
                acc = _piecewise(act, pooled, relu, approximate, approximated)
            else:
                acc = _max_pool(value(node.inputs[0]), node.windows, relu)
        else:
            acc = _piecewise(node, value(node.inputs[0]), relu, approximate, approximated)
            if node.params.get("materialized"):   # one register: a cut after it carries one value, not every knot's
                stages.append(_Product(acc, None, (box[id(node)],) * 3, floor=False))
                acc = _source(len(stages), node.size)
        exprs[id(node)] = acc
        return acc

    return _Lowered(stages, value(out_node), approximated)


def _piecewise(node: Node, e: _Expr, relu: Callable[[_Expr], _Expr], approximate: bool,
               approximated: dict[str, int]) -> _Expr:
    p = node.params
    if node.kind == "relu":
        return relu(e)
    if node.kind == "leaky_relu":
        return e.scaled(p["alpha"]) + relu(e).scaled(1.0 - p["alpha"])
    if node.kind == "clip":
        low, high = p.get("low", -math.inf), p.get("high", math.inf)
        if math.isinf(low) and math.isinf(high):
            return e
        if math.isinf(low):
            return e + relu(e.scaled(1.0, -high)).scaled(-1.0)
        if math.isinf(high):
            return relu(e.scaled(1.0, -low)).scaled(1.0, low)
        n = len(e.bias)
        both = relu(_stack([e.scaled(1.0, -low), e.scaled(1.0, -high)]))
        return both.rows(np.arange(n)) + both.rows(np.arange(n, 2 * n)).scaled(-1.0, low)
    ap = APPROXIMATIONS[node.kind]
    if not approximate:
        raise ConversionError(f"{node.where or 'a layer'}: {node.kind} has no exact circuit (it would need exp)",
                              hint=f"convert with approximate=True for a {len(ap.knots)}-knot piecewise-linear "
                              f"approximation (|error| <= {ap.max_error:.3g}), or use ReLU / hard sigmoid / hard tanh")
    approximated[node.kind] = approximated.get(node.kind, 0) + len(e.bias)
    a, s, terms = ap.pieces()
    n = len(e.bias)
    r = relu(_stack([e.scaled(1.0, -t) for t, _ in terms]))
    acc = e.scaled(s, a)
    for k, (_, ds) in enumerate(terms):
        acc = acc + r.rows(np.arange(k * n, (k + 1) * n)).scaled(ds)
    return acc


def _stack(parts: Sequence[_Expr]) -> _Expr:
    sources = sorted({s for p in parts for s in p.terms})
    terms = {}
    for s in sources:
        size = next(p.terms[s].shape[1] for p in parts if s in p.terms)
        terms[s] = sparse.csr_matrix(sparse.vstack([p.terms.get(s, sparse.csr_matrix((len(p.bias), size)))
                                                    for p in parts]))
    return _Expr(terms, np.concatenate([p.bias for p in parts]))


def _max_pool(e: _Expr, windows: list[np.ndarray], relu: Callable[[_Expr], _Expr]) -> _Expr:
    """Each window's maximum by a tournament: per round one stage of ``relu(a − b)`` over all pairs."""
    cand: list[list[_Expr]] = [[e.rows(w[i:i + 1]) for i in range(len(w))] for w in windows]
    while any(len(c) > 1 for c in cand):
        pairs = [(a, b) for c in cand for a, b in zip(c[0::2], c[1::2])]
        diffs = relu(_stack([a + b.scaled(-1.0) for a, b in pairs]))
        new, k = [], 0
        for c in cand:
            nxt = []
            for a, b in zip(c[0::2], c[1::2]):
                nxt.append(b + diffs.rows(np.asarray([k])))
                k += 1
            if len(c) % 2:
                nxt.append(c[-1])
            new.append(nxt)
        cand = new
    return _stack([c[0] for c in cand])


# ---- quantization ----------------------------------------------------------------------------------
@dataclass
class Stage:
    """A materialized affine combination at scale 2**scale: integer matrices per source, bias, the
    exact interval of its values over the input box."""

    qterms: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]   # per source: (row, col, integer value) of non-zeros
    qbias: np.ndarray
    scale: int
    lo: np.ndarray
    hi: np.ndarray

    @property
    def bound(self) -> int:
        return max(max((abs(int(v)) for v in self.lo), default=0), max((abs(int(v)) for v in self.hi), default=0))


def _stage_scale(e: _Expr, scales: dict[int, np.ndarray], bits: int) -> int:
    """The stage's scale S (values at 2**S): the finest any source asks for. Per source, its weights
    at ``bits`` significant bits relative to its largest weight per step (``|A_ij|·2**-s_j``; the
    input's features each have their own step), or at fewer when they are exact at fewer (the ±1 of
    pools and clips); at most 40 bits finer than the finest source."""
    want = []
    for s, A in e.terms.items():
        A = A.tocoo()
        A = sparse.coo_matrix((A.data[A.data != 0], (A.row[A.data != 0], A.col[A.data != 0])), shape=A.shape)
        if not A.nnz:   # no weights, or only cancelled ones (h − n where both hold the same term)
            continue
        sj = scales[s][A.col]
        top = float(np.max(np.abs(np.ldexp(A.data, -sj))))
        by_size = bits - math.ceil(math.log2(top))
        exact = int(np.max(_exact_bits(A.data) + sj))
        want.append(min(by_size, exact))
    biggest = max((int(np.max(v)) for v in scales.values() if len(v)), default=0)
    return min(max(want, default=biggest), biggest + 40)


def _exact_bits(v: np.ndarray) -> np.ndarray:
    """Per value, the fewest fractional bits that hold it exactly (a float64 always has some)."""
    m, ex = np.frexp(np.asarray(v, np.float64))
    mant = np.abs(np.ldexp(m, 53)).astype(np.int64)        # the 53-bit mantissa as an integer
    low_zeros = np.log2(np.where(mant == 0, 1, mant & -mant)).astype(np.int64)
    return np.where(mant == 0, -10**6, 53 - low_zeros - ex)


def _quantize_stage(e: _Expr, scales: dict[int, np.ndarray], boxes: dict[int, tuple[np.ndarray, np.ndarray]],
                    bits: int, scale: int | None = None) -> Stage:
    S = _stage_scale(e, scales, bits) if scale is None else scale
    qbias = qint(e.bias, S)
    lo = np.asarray([int(v) for v in qbias], dtype=object)
    hi = lo.copy()
    qterms = {}
    for s, A in e.terms.items():
        A = A.tocoo()
        keep = A.data != 0
        r, c, d = A.row[keep], A.col[keep], A.data[keep]
        q = qint(d, S - scales[s][c])
        nz = np.asarray([int(v) != 0 for v in q], dtype=bool)
        r, c, q = r[nz], c[nz], q[nz]
        if not len(q):
            continue
        qterms[s] = (r, c, q)
        blo, bhi = boxes[s]
        a, z = q * blo[c], q * bhi[c]
        low = np.where(np.asarray([x <= y for x, y in zip(a, z)], dtype=bool), a, z)
        high = np.where(np.asarray([x >= y for x, y in zip(a, z)], dtype=bool), a, z)
        for i, v in zip(r, low):
            lo[i] += v
        for i, v in zip(r, high):
            hi[i] += v
    return Stage(qterms, qbias, S, lo, hi)


SMALLEST_CAST = 8
"""The narrowest checked cast a product or an operand's flooring uses (as the networks' sign tests)."""

PRODUCT_MARGIN = (1.25, 0.25)
"""A product operand's integer bound: (factor·|float bound| + margin)·2**scale, the float bound from
:meth:`Network.intervals` (the rounding of a quantized operand stays far inside it; a value outside
halts the circuit at the product's checked cast rather than wrapping)."""


SEARCH_BITS = 4
"""A search's result (1/v, 1/√v) is at 2**(resolution + SEARCH_BITS): relative steps of 2**-16 at the default
resolution 12 where the result is 1, fewer bits to search than the products' 2**(resolution + 8)."""


@dataclass
class Product:
    """A materialized product stage at scale 2**scale: each operand's stage, floored first by
    2**shifts[i] when its scale is finer than the product needs (a checked cast of widths[i] bits; 0:
    taken as it is), then ``floor(a·b / 2**shift)`` (a checked cast of ``width`` bits), and the
    interval [lo, hi] of its values. ``b`` None: a rescale, ``a`` floored and nothing multiplied."""

    a: Stage
    b: Stage | None
    shifts: tuple[int, int]
    widths: tuple[int, int]
    shift: int
    scale: int
    width: int
    raw_bound: int
    lo: np.ndarray
    hi: np.ndarray

    @property
    def bound(self) -> int:
        return max(self.raw_bound, self.a.bound, self.b.bound if self.b is not None else 0)


def _float_bound(r: tuple[np.ndarray, np.ndarray], scale: int) -> np.ndarray:
    factor, margin = PRODUCT_MARGIN
    m = np.maximum(np.abs(r[0]), np.abs(r[1])) * factor + margin
    return np.asarray([math.ceil(math.ldexp(float(v), scale)) for v in m], dtype=object)


def _cast_width(bound: int, shift: int) -> int:
    """The checked cast's width for values of magnitude <= bound floored by 2**shift (above the shift)."""
    width = sign_width(bound, SMALLEST_CAST)
    while width <= shift:
        width *= 2
    return width


def _operand(e: _Expr, r: tuple[np.ndarray, np.ndarray], scales: dict[int, np.ndarray],
             boxes: dict[int, tuple[np.ndarray, np.ndarray]], bits: int,
             target: int | None) -> tuple[Stage, int, int, np.ndarray, np.ndarray]:
    """An operand of a product or a search: its stage, the shift k flooring it to 2**target (0 when it is
    not finer, or ``target`` None), that floor's cast width (0: none), and its floored integer bounds (the exact interval
    intersected with the float bound ``r``, :data:`PRODUCT_MARGIN`)."""
    st = _quantize_stage(e, scales, boxes, bits)
    fb = _float_bound(r, st.scale)
    lo = np.asarray([max(int(v), -int(f)) for v, f in zip(st.lo, fb)], dtype=object)
    hi = np.asarray([min(int(v), int(f)) for v, f in zip(st.hi, fb)], dtype=object)
    k = 0 if target is None else max(st.scale - target, 0)
    bound = max(max((abs(int(v)) for v in lo), default=0), max((abs(int(v)) for v in hi), default=0))
    return (st, k, _cast_width(bound, k) if k else 0, np.asarray([int(v) >> k for v in lo], dtype=object),
            np.asarray([int(v) >> k for v in hi], dtype=object))


@dataclass
class Search:
    """A materialized search stage (:mod:`stdlib_ml.roots`): the operand's stage ``a`` at 2**scale_a,
    floored first by 2**shift (a checked cast of ``cast`` bits; 0: none) to V at 2**(scale_a − shift),
    then R, the largest integer below 2**len(widths) with R**power·V <= 2**n (per bit from the top, sign
    tests of ``widths[i]`` bits: the top run at widths[0], the rest at widths[-1]), at 2**scale: R =
    floor(2**scale·v**(-1/power)) for v = V·2**-(scale_a − shift). [lo, hi]: R's interval."""

    a: Stage
    shift: int
    cast: int
    power: int
    n: int
    widths: tuple[int, ...]
    scale: int
    lo: np.ndarray
    hi: np.ndarray

    @property
    def bound(self) -> int:
        return max(self.a.bound, max(int(v) for v in self.hi))


def _quantize_search(p: _Search, scales: dict[int, np.ndarray], boxes: dict[int, tuple[np.ndarray, np.ndarray]],
                     bits: int, res: int) -> Search:
    """R at 2**(res + SEARCH_BITS); the operand floored to 2**(res + PRODUCT_BITS), as a product's. R's
    bits from the smallest V (at least 1); bit b's tests hold |2**n − c**power·V| <= 2**(power − 1)·(2**n +
    2**(power·b)·V_max) (c = prefix + 2**b, the prefix having passed: prefix**power·V <= 2**n)."""
    power = 2 if p.power == 0.5 else 1
    st, k, cast, lo, hi = _operand(p.a, p.ranges[0], scales, boxes, bits, res + PRODUCT_BITS)
    sv = st.scale - k
    target = res + SEARCH_BITS
    n = power * target + sv
    v_lo = max(min(int(v) for v in lo), math.floor(math.ldexp(p.floor, sv)), 1)
    v_hi = max(max(int(v) for v in hi), v_lo)
    r_max = _root(2**n // v_lo, power)
    nbits = max(r_max.bit_length(), 1)
    widths = [sign_width(2 ** (power - 1) * (2**n + 2 ** (power * b) * v_hi), SMALLEST_CAST)
              for b in range(nbits - 1, -1, -1)]
    widths = tuple(widths[0] if w > widths[-1] else w for w in widths)
    r_lo = max(_root(2**n // v_hi, power) - 1, 0)
    return Search(st, k, cast, power, n, widths, target, np.full(len(lo), r_lo, dtype=object),
                  np.full(len(lo), r_max, dtype=object))


def _root(v: int, power: int) -> int:
    return v if power == 1 else math.isqrt(v)


def _quantize_product(p: _Product, scales: dict[int, np.ndarray], boxes: dict[int, tuple[np.ndarray, np.ndarray]],
                      bits: int, res: int) -> Product:
    target = None if not p.floor else res + PRODUCT_BITS if p.scale is None else min(p.scale, res + PRODUCT_BITS)
    ops, shifts, widths = [], [], []
    for e, r in ((p.a, p.ranges[0]), (p.b, p.ranges[1])) if p.b is not None else ((p.a, p.ranges[0]),):
        st, k, w, lo, hi = _operand(e, r, scales, boxes, bits, target)
        shifts.append(k)
        widths.append(w)
        ops.append((st, lo, hi))
    if p.b is None:   # a rescale: the operand floored, nothing multiplied
        sa, lo, hi = ops[0]
        return Product(sa, None, (shifts[0], 0), (widths[0], 0), 0, sa.scale - shifts[0], 0,
                       max(sa.bound, 0), lo, hi)
    (sa, a0, a1), (sb, b0, b1) = ops
    corners = [a0 * b0, a0 * b1, a1 * b0, a1 * b1]
    raw_lo = np.asarray([min(c) for c in zip(*corners)], dtype=object)
    raw_hi = np.asarray([max(c) for c in zip(*corners)], dtype=object)
    raw = max(max((abs(int(v)) for v in raw_lo), default=0), max((abs(int(v)) for v in raw_hi), default=0))
    joint = sa.scale - shifts[0] + sb.scale - shifts[1]
    shift = max(joint - target, 0)
    scale = joint - shift
    fo = _float_bound(p.ranges[2], scale)
    lo = np.asarray([max(int(v) >> shift, -int(f)) for v, f in zip(raw_lo, fo)], dtype=object)
    hi = np.asarray([min(int(v) >> shift, int(f)) for v, f in zip(raw_hi, fo)], dtype=object)
    return Product(sa, sb, (shifts[0], shifts[1]), (widths[0], widths[1]), shift, scale, _cast_width(raw, shift), raw,
                   lo, hi)


@dataclass
class Requant:
    """A materialized requantization (:func:`stdlib_ml.products.requantize_vec`): the integer accumulator
    ``acc`` (at 2**0, exact), the per-value constants ``M``, ``P``, ``C``, ``G``, ``Z``, ``LO``, ``HI``, the
    first cast (bits, offset, shift), the second (bits, shift; double rounding), the clamp's sign-test
    width, the interval [lo, hi] of its (integer) values, and the runtime's exceptions as (E, D) tables
    (:func:`stdlib_ml.products.corrections_vec`; None when there are none)."""

    acc: Stage
    rq: Requantization
    constants: dict[str, np.ndarray]
    first: tuple[int, int, int]
    second: tuple[int, int]
    clamp_bits: int
    lo: np.ndarray
    hi: np.ndarray
    exceptions: tuple[np.ndarray, np.ndarray] | None = None   # (E, D): per value k accumulators and corrections

    @property
    def bound(self) -> int:
        return self.acc.bound


def _quantize_requant(p: _Requant, scales: dict[int, np.ndarray], boxes: dict[int, tuple[np.ndarray, np.ndarray]],
                      bits: int) -> Requant:
    """The accumulator kept whole at 2**0 (integer weights on integer sources: exact, checked) and the casts
    sized from its exact bounds."""
    rq = p.rq
    for s, A in p.acc.terms.items():
        if np.any(scales[s] != 0) or np.any(A.data != np.round(A.data)):
            raise ConversionError(f"{rq.where}: the accumulator of a quantized layer is not integer weights on "
                                  "integer values (its input must be integers: input_bits=0)")
    if np.any(p.acc.bias != np.round(p.acc.bias)):
        raise ConversionError(f"{rq.where}: the accumulator of a quantized layer has a non-integer bias")
    acc = _quantize_stage(p.acc, scales, boxes, bits, scale=0)
    lo_x = np.asarray([int(v) for v in acc.lo], dtype=np.float64)
    hi_x = np.asarray([int(v) for v in acc.hi], dtype=np.float64)
    rq.check(lo_x, hi_x)
    R = int(np.max(rq.shift))
    M = rq.multiplier.astype(object)
    top_x = max(acc.bound, 1)
    if rq.rounding == "single":
        P = np.asarray([2 ** (R - int(r)) for r in rq.shift], dtype=object)
        first = (sign_width(top_x * int(np.max(M * P)) + 2 ** (30 + R), SMALLEST_CAST), 2 ** (30 + R), 31 + R)
        consts = {"M": M * P, "P": P * 0, "C": P * 0, "G": P * 0}
        second = (SMALLEST_CAST, 0)
    else:
        P = np.asarray([2 ** (R - int(r)) for r in rq.shift], dtype=object)
        C = np.asarray([2 ** (R - 1) if int(r) else 0 for r in rq.shift], dtype=object)
        G = np.asarray([int(p_) if int(r) else 0 for p_, r in zip(P, rq.shift)], dtype=object)
        first = (sign_width(top_x * int(np.max(M)) + 2**30, SMALLEST_CAST), 2**30, 31)
        h_top = top_x * int(np.max(M)) // 2**31 + 1
        second = (_cast_width(h_top * int(np.max(P)) + 2 ** R, R), R)
        consts = {"M": M, "P": P, "C": C, "G": G}
    if first[2] >= first[0]:
        first = (_cast_width(top_x * int(np.max(consts["M"])) + first[1], first[2]), *first[1:])
    ends = [rq.unclamped(np.asarray([int(v) for v in ends], dtype=object)) for ends in (acc.lo, acc.hi)]
    q_top = max(max(abs(int(v)) for v in e) for e in ends) + 2**8
    consts.update(Z=rq.zero_point.astype(object), LO=rq.low.astype(object), HI=rq.high.astype(object))
    lo = np.clip(np.asarray(ends[0], dtype=np.int64), rq.low, rq.high).astype(object)
    hi = np.clip(np.asarray(ends[1], dtype=np.int64), rq.low, rq.high).astype(object)
    tables = None
    if rq.exceptions:
        per: dict[int, list[tuple[int, int]]] = {}
        for i, a, d in rq.exceptions:
            per.setdefault(i, []).append((a, d))
        k = max(len(v) for v in per.values())
        E = np.zeros((len(rq), k), dtype=object)
        D = np.zeros((len(rq), k), dtype=object)
        for i, pairs in per.items():
            for j, (a, d) in enumerate(pairs):
                E[i, j], D[i, j] = a, d
        tables = (E, D)
    return Requant(acc, rq, consts, first, second, sign_width(q_top, SMALLEST_CAST), lo, hi, tables)


@dataclass
class Quantized:
    """A network in integers: the input's bits per feature, the ReLU stages, the output stage."""

    in_bits: np.ndarray
    low: np.ndarray
    high: np.ndarray
    stages: list[Stage | Product | Requant | Search]
    out: Stage
    resolution: int
    approximated: dict[str, int]


def quantize(net: Network, low: np.ndarray, high: np.ndarray, opts: Options, unit: np.ndarray, *,
             resolution: int = MLP_RESOLUTION, approximate: bool = True) -> Quantized:
    """The network's integer form for inputs in [low, high] (per feature; ``unit``: each feature's
    spread, which ``resolution`` steps must resolve): from ``resolution`` down by 2 until every
    value's worst case fits (sign tests up to 127 bits; a regression output 2**62).
    Raises :class:`ConversionError` when none does."""
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    lowered = lower(net, approximate, low, high)
    limit = 2**62 if net.head == "regression" else 2**125
    res = resolution
    while True:
        ib = input_bits_for(opts, unit, low, high, res)
        scales = {0: ib.astype(np.int64)}
        boxes = {0: (np.asarray([int(v) for v in qint(low, ib)], dtype=object),
                     np.asarray([int(v) for v in qint(high, ib)], dtype=object))}
        stages = []
        for k, e in enumerate(lowered.stages, 1):
            if isinstance(e, _Requant):
                st = _quantize_requant(e, scales, boxes, res + 2)
                boxes[k] = (st.lo, st.hi)
            elif isinstance(e, (_Product, _Search)):
                st = (_quantize_product if isinstance(e, _Product) else _quantize_search)(e, scales, boxes, res + 2, res)
                boxes[k] = (st.lo, st.hi)
            else:
                st = _quantize_stage(e, scales, boxes, res + 2)
                boxes[k] = (np.asarray([max(int(v), 0) for v in st.lo], dtype=object),
                            np.asarray([max(int(v), 0) for v in st.hi], dtype=object))
            stages.append(st)
            scales[k] = np.full(len(st.lo), 0 if isinstance(st, Requant) else st.scale, dtype=np.int64)
        out = _quantize_stage(lowered.out, scales, boxes, res + 2)
        worst = max([out.bound, *(st.bound for st in stages)])
        if worst < limit or res <= 4:
            break
        res -= 2
    if worst >= limit:
        raise ConversionError(f"{net.name}: the network's worst-case values exceed the circuit's range at every "
                              "resolution; narrow input_range")
    return Quantized(ib, low, high, stages, out, res, lowered.approximated)
