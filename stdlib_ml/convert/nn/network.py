"""Building a network: the framework-neutral description (:class:`Network`, a DAG of :class:`Node`), its
activations (exact ones, :data:`PIECEWISE`, and the piecewise-linear approximations of :mod:`.approximations`), and its
float64 forward pass, the oracle a frontend checks its own walk of the framework's model against."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ..model import ConversionError
from .approximations import ACTIVATION_SCALE, APPROXIMATIONS, LAYER_APPROXIMATIONS
from .integer import Requantization


HEADS = ("argmax", "threshold", "regression", "ovo")
"""How the last node's values become the prediction: ``argmax`` (the index of the largest, first on
ties: Softmax / LogSoftmax / raw logits), ``threshold`` (one value, class 1 when > 0: a Sigmoid's 0.5,
or a logit), ``regression`` (one value, returned as ``y·OUT_SCALE``), ``ovo`` (one score per pair of K
classes, (i, j) in scikit-learn's order voting i when > 0, else j; the most votes win, the first on ties:
kernel SVMs)."""

PIECEWISE = ("relu", "leaky_relu", "clip", "hard_sigmoid", "hard_tanh", "relu6", "identity")
"""Activations computed exactly (sums of ReLUs)."""


def decide(outputs: np.ndarray, head: str) -> np.ndarray:
    """What a framework's own float outputs (n, k) predict under ``head`` (:data:`HEADS`): the argmax
    (first on ties), 1 where a final sigmoid's one output is > 0.5, or a regressor's value."""
    if head == "argmax":
        return np.argmax(outputs, axis=1)
    if head == "threshold":
        return (outputs[:, 0] > 0.5).astype(np.int64)
    return outputs[:, 0]


# ---- the description -----------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    """One tensor of the network: the output of one layer.

    ``op``: ``"input"``, ``"linear"`` (``Σ_i matrices[i]·inputs[i] + bias`` on flattened tensors),
    ``"activation"`` (``kind``: one of :data:`PIECEWISE` or of :data:`APPROXIMATIONS`, with
    ``params``), ``"max_pool"`` (``windows``: per output element the flat indices of its input
    taps), ``"mul"`` (the elementwise product of its two inputs), ``"rescale"`` (its input, floored
    to a coarser fixed scale), ``"requant"`` (an integer accumulator requantized, ``requant``: the
    :class:`~.integer.Requantization`) or ``"search"`` (``v**-params["power"]`` of a positive ``v`` ≥
    ``params["floor"]``: 1/v or 1/√v, decided exactly in the circuit, :mod:`.transformer`). ``shape``: the
    tensor's shape without the batch dimension. ``where``: the layer's place in
    the source model, for messages."""

    op: str
    shape: tuple[int, ...]
    inputs: tuple[Node, ...] = ()
    matrices: tuple[sparse.csr_matrix, ...] = ()
    bias: np.ndarray | None = None
    kind: str = ""
    params: dict[str, float] = field(default_factory=dict)
    windows: list[np.ndarray] | None = None
    requant: Requantization | None = None
    where: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def _as_shape(shape: int | Iterable[int]) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _tuple(v: int | Sequence[int], n: int, what: str, where: str) -> tuple[int, ...]:
    t = (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(a) for a in v)
    if len(t) != n:
        raise ConversionError(f"{where or 'a layer'}: {what} {v!r} does not match its {n} spatial dimension(s)")
    return t


Padding = int | Sequence[int] | Sequence[tuple[int, int]]
"""Zero padding of a convolution or pool: one count for both sides of every spatial dimension, one per
dimension, or a ``(before, after)`` pair per dimension (TensorFlow's and Keras' ``'same'`` with an even
kernel pads one more after)."""


def _pads(v: Padding, n: int, where: str) -> tuple[tuple[int, int], ...]:
    if isinstance(v, (int, np.integer)):
        return ((int(v), int(v)),) * n
    items = list(v)
    if len(items) != n:
        raise ConversionError(f"{where or 'a layer'}: padding {v!r} does not match its {n} spatial dimension(s)")
    return tuple((int(a), int(a)) if isinstance(a, (int, np.integer)) else (int(a[0]), int(a[1])) for a in items)


def same_padding(n: tuple[int, ...], k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """TensorFlow's (and Keras') ``padding='same'``: per spatial dimension of size n, kernel k, stride
    s and dilation d, the output has ⌈n/s⌉ positions and the (before, after) zeros total
    max((⌈n/s⌉ − 1)·s + d·(k − 1) + 1 − n, 0), the odd one after."""
    pads = []
    for nn_, kk, ss, dd in zip(n, k, s, d):
        total = max((-(-nn_ // ss) - 1) * ss + dd * (kk - 1) + 1 - nn_, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


GRU_STATE_BOUND = 1.125
"""The bound :meth:`Network.intervals` gives a GRU's state: h' = (1 − z)·n + z·h is a convex combination of n
(tanh's approximation, within [−1, 1]) and h (0 at first), so |h'| <= 1 at every step, where interval arithmetic,
which treats the two z's as independent, adds 2 per step. The margin covers the circuit's rounding (z's quantized
approximation a few 2**-resolution outside [0, 1], the products' floors); the bound only sizes the checked casts
of the products and sign tests downstream, so a state outside it would halt the circuit, never give a wrong
answer."""


class Network:
    """A feed-forward network (a DAG of :class:`Node`), built with the methods below; see the module
    docstring. ``input_shape``: one sample's shape, e.g. ``(4,)`` or ``(1, 8, 8)``; the circuit takes
    the sample flattened in C order (``N_FEATURES = prod(input_shape)``)."""

    def __init__(self, input_shape: int | Iterable[int], *, name: str = "network", title: str | None = None) -> None:
        self.input = Node("input", _as_shape(input_shape), where="the input")
        self.nodes: list[Node] = [self.input]
        self.name = name
        self.title = title
        self.out: Node | None = None
        self.head: str | None = None
        self.classes: list[Any] | None = None

    # ---- affine layers ---------------------------------------------------------------------------
    def _linear(self, inputs: Sequence[Node], matrices: Sequence[Any], bias: Any, shape: tuple[int, ...],
                kind: str, where: str) -> Node:
        mats = tuple(sparse.csr_matrix(m, dtype=np.float64) for m in matrices)
        b = np.zeros(int(np.prod(shape, dtype=np.int64))) if bias is None else np.asarray(bias, np.float64).ravel()
        for m, x in zip(mats, inputs):
            if m.shape != (len(b), x.size):
                raise ConversionError(f"{where or kind}: internal shape mismatch {m.shape} vs ({len(b)}, {x.size})")
        if not all(np.all(np.isfinite(m.data)) for m in mats) or not np.all(np.isfinite(b)):
            raise ConversionError(f"{where or kind} has NaN or infinite parameters")
        node = Node("linear", shape, tuple(inputs), mats, b, kind=kind, where=where)
        self.nodes.append(node)
        return node

    def dense(self, x: Node, W: Any, b: Any = None, *, where: str = "") -> Node:
        """``W·x + b`` on a 1-D ``x``: ``W`` (out, in) float, ``b`` (out,) or None (torch's Linear,
        Keras' Dense with its kernel transposed, ONNX Gemm)."""
        W = np.atleast_2d(np.asarray(W, dtype=np.float64))
        if len(x.shape) != 1:
            raise ConversionError(f"{where or 'a dense layer'} is applied to a tensor of shape {x.shape}; only 1-D "
                                  "inputs are supported (flatten first)")
        if W.shape[1] != x.size:
            raise ConversionError(f"{where or 'a dense layer'} takes {W.shape[1]} inputs but gets {x.size}")
        return self._linear([x], [W], b, (W.shape[0],), "dense", where)

    def conv(self, x: Node, W: Any, b: Any = None, *, stride: int | Sequence[int] = 1,
             padding: Padding = 0, dilation: int | Sequence[int] = 1, groups: int = 1,
             where: str = "") -> Node:
        """Convolution (cross-correlation, as torch's Conv1d/Conv2d): ``x`` (C_in, *spatial), ``W``
        (C_out, C_in/groups, *kernel), zero ``padding`` (:data:`Padding`: p on both sides, or (p_0, p_1)).
        Output (C_out, *out_spatial), out = ⌊(n + p_0 + p_1 − d·(k − 1) − 1)/s⌋ + 1."""
        W = np.asarray(W, dtype=np.float64)
        d = W.ndim - 2
        if d < 1 or len(x.shape) != d + 1:
            raise ConversionError(f"{where or 'a convolution'}: kernel of shape {W.shape} on a tensor of shape "
                                  f"{x.shape} (expected (C, *spatial) with {max(d, 1)} spatial dimension(s))")
        c_in, c_out = x.shape[0], W.shape[0]
        if groups < 1 or c_in % groups or c_out % groups or W.shape[1] != c_in // groups:
            raise ConversionError(f"{where or 'a convolution'}: {c_in} input channels, kernel {W.shape}, groups={groups} "
                                  "do not match")
        s, dl = (_tuple(v, d, n, where) for v, n in ((stride, "stride"), (dilation, "dilation")))
        pairs = _pads(padding, d, where)
        p = tuple(a for a, _ in pairs)
        k = W.shape[2:]
        spatial = x.shape[1:]
        out = tuple((n + a + b - dd * (kk - 1) - 1) // ss + 1 for n, (a, b), dd, kk, ss in zip(spatial, pairs, dl, k, s))
        if min(out) < 1:
            raise ConversionError(f"{where or 'a convolution'}: kernel {k} does not fit the input {spatial}")
        rows, cols, vals = [], [], []
        per_group = c_out // groups
        out_pos = np.stack(np.meshgrid(*[np.arange(o) for o in out], indexing="ij"), -1).reshape(-1, d)
        n_out = len(out_pos)
        for o in range(c_out):
            g = o // per_group
            for ci in range(W.shape[1]):
                c = g * W.shape[1] + ci
                for kidx in np.ndindex(*k):
                    w = W[(o, ci, *kidx)]
                    if w == 0.0:
                        continue
                    pos = out_pos * np.asarray(s) - np.asarray(p) + np.asarray(kidx) * np.asarray(dl)
                    ok = np.all((pos >= 0) & (pos < np.asarray(spatial)), axis=1)
                    flat_in = c * int(np.prod(spatial)) + np.ravel_multi_index(tuple(pos[ok].T), spatial)
                    rows.append(o * n_out + np.flatnonzero(ok))
                    cols.append(flat_in)
                    vals.append(np.full(len(flat_in), w))
        size = c_out * n_out
        M = sparse.csr_matrix((np.concatenate(vals) if vals else [], (np.concatenate(rows) if rows else [],
                                                                     np.concatenate(cols) if cols else [])),
                              shape=(size, x.size))
        bias = np.repeat(np.zeros(c_out) if b is None else np.asarray(b, np.float64), n_out)
        return self._linear([x], [M], bias, (c_out, *out), f"conv{d}d", where)

    def scale_shift(self, x: Node, scale: Any, shift: Any, *, where: str = "") -> Node:
        """``x·scale + shift`` elementwise: ``scale`` and ``shift`` a scalar, one value per channel
        (axis 0), or one per element (flattened): a folded BatchNorm, a scaler, a constant operand."""
        per = x.size // x.shape[0]

        def full(v: Any) -> np.ndarray:
            v = np.ravel(np.asarray(v, np.float64))
            if v.size == x.size:
                return v
            if v.size in (1, x.shape[0]):
                return np.repeat(np.broadcast_to(v, (x.shape[0],)), per)
            raise ConversionError(f"{where or 'an elementwise affine'}: {v.size} values for a tensor of shape {x.shape}")

        return self._linear([x], [sparse.diags(full(scale))], full(shift), x.shape, "scale_shift", where)

    def batch_norm(self, x: Node, mean: Any, var: Any, gamma: Any = None, beta: Any = None, eps: float = 1e-5, *,
                   where: str = "") -> Node:
        """Inference BatchNorm over channels (axis 0): ``γ·(x − μ)/√(σ² + ε) + β``; folded into the
        neighbouring affine layers when lowered (no cost)."""
        mean, var = np.asarray(mean, np.float64), np.asarray(var, np.float64)
        g = np.ones_like(mean) if gamma is None else np.asarray(gamma, np.float64)
        bt = np.zeros_like(mean) if beta is None else np.asarray(beta, np.float64)
        if np.any(var + eps <= 0):
            raise ConversionError(f"{where or 'a batch norm'} has a non-positive variance")
        sc = g / np.sqrt(var + eps)
        return self.scale_shift(x, sc, bt - mean * sc, where=where)

    def _pool_windows(self, x: Node, kernel: int | Sequence[int], stride: int | Sequence[int] | None,
                      padding: Padding, where: str) -> tuple[tuple[int, ...], list[np.ndarray]]:
        d = len(x.shape) - 1
        if d < 1:
            raise ConversionError(f"{where or 'a pool'} needs a (C, *spatial) tensor, got shape {x.shape}")
        k = _tuple(kernel, d, "kernel", where)
        s = _tuple(stride if stride is not None else kernel, d, "stride", where)
        pairs = _pads(padding, d, where)
        p = tuple(a for a, _ in pairs)
        spatial = x.shape[1:]
        out = tuple((n + a + b - kk) // ss + 1 for n, (a, b), kk, ss in zip(spatial, pairs, k, s))
        if min(out) < 1:
            raise ConversionError(f"{where or 'a pool'}: kernel {k} does not fit the input {spatial}")
        per = int(np.prod(spatial))
        windows = []
        for c in range(x.shape[0]):
            for o in np.ndindex(*out):
                taps = []
                for kk in np.ndindex(*k):
                    pos = [oo * ss - pp + q for oo, ss, pp, q in zip(o, s, p, kk)]
                    if all(0 <= a < n for a, n in zip(pos, spatial)):
                        taps.append(c * per + int(np.ravel_multi_index(tuple(pos), spatial)))
                windows.append(np.asarray(taps, dtype=np.int64))
        return (x.shape[0], *out), windows

    def avg_pool(self, x: Node, kernel: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: Padding = 0, *, count_include_pad: bool = True, where: str = "") -> Node:
        """Average over each window (torch's AvgPool1d/2d; padded zeros count when ``count_include_pad``)."""
        shape, windows = self._pool_windows(x, kernel, stride, padding, where)
        full = int(np.prod(_tuple(kernel, len(x.shape) - 1, "kernel", where)))
        rows = np.concatenate([np.full(len(w), i) for i, w in enumerate(windows)])
        vals = np.concatenate([np.full(len(w), 1.0 / (full if count_include_pad else len(w))) for w in windows])
        M = sparse.csr_matrix((vals, (rows, np.concatenate(windows))), shape=(len(windows), x.size))
        return self._linear([x], [M], None, shape, "avg_pool", where)

    def max_pool(self, x: Node, kernel: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: Padding = 0, *, where: str = "") -> Node:
        """Maximum over each window (torch's MaxPool1d/2d; padding never wins). A window of k taps
        costs k − 1 ReLUs (a tournament of ``max(a, b) = b + relu(a − b)``)."""
        shape, windows = self._pool_windows(x, kernel, stride, padding, where)
        node = Node("max_pool", shape, (x,), windows=windows, where=where, kind="max_pool")
        self.nodes.append(node)
        return node

    def reshape(self, x: Node, shape: int | Iterable[int], *, where: str = "") -> Node:
        """The same values in another shape (C order); ``-1`` stands for the rest."""
        shape = list(_as_shape(shape))
        if shape.count(-1) == 1:
            rest = int(np.prod([s for s in shape if s != -1]))
            shape[shape.index(-1)] = x.size // max(rest, 1)
        if int(np.prod(shape)) != x.size:
            raise ConversionError(f"{where or 'a reshape'}: cannot reshape {x.shape} to {tuple(shape)}")
        return self._linear([x], [sparse.identity(x.size)], None, tuple(shape), "reshape", where)

    def permute(self, x: Node, axes: Sequence[int], *, where: str = "") -> Node:
        """The tensor with its axes reordered (numpy's ``transpose``; e.g. ``(2, 0, 1)`` turns a
        channels-last (H, W, C) tensor into (C, H, W)): a permutation, 0 constraints."""
        axes = [int(a) % len(x.shape) for a in axes]
        if sorted(axes) != list(range(len(x.shape))):
            raise ConversionError(f"{where or 'a permute'}: axes {axes} do not reorder a tensor of shape {x.shape}")
        order = np.arange(x.size).reshape(x.shape).transpose(axes).ravel()
        M = sparse.csr_matrix((np.ones(x.size), (np.arange(x.size), order)), shape=(x.size, x.size))
        return self._linear([x], [M], None, tuple(x.shape[a] for a in axes), "permute", where)

    def pad(self, x: Node, pads: Sequence[tuple[int, int]], *, where: str = "") -> Node:
        """``x`` with ``(before, after)`` zeros around each axis (TensorFlow's Pad, a causal
        convolution's left padding): a selection, 0 constraints."""
        pads = [(int(a), int(b)) for a, b in pads]
        if len(pads) != len(x.shape) or min(min(p) for p in pads) < 0:
            raise ConversionError(f"{where or 'a pad'}: paddings {pads} for a tensor of shape {x.shape}")
        shape = tuple(n + a + b for n, (a, b) in zip(x.shape, pads))
        index = np.arange(int(np.prod(shape))).reshape(shape)
        rows = index[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, pads))].ravel()
        M = sparse.csr_matrix((np.ones(x.size), (rows, np.arange(x.size))), shape=(index.size, x.size))
        return self._linear([x], [M], None, shape, "pad", where)

    def flatten(self, x: Node, *, where: str = "") -> Node:
        """The tensor as one vector (C order, as torch's Flatten of one sample)."""
        return x if len(x.shape) == 1 else self.reshape(x, (x.size,), where=where)

    def add(self, a: Node, b: Node, *, where: str = "") -> Node:
        """``a + b`` (a residual connection); equal shapes, or ``b`` one value per channel of ``a``."""
        return self._combine(a, b, 1.0, where)

    def sub(self, a: Node, b: Node, *, where: str = "") -> Node:
        """``a − b``; shapes as in :meth:`add`."""
        return self._combine(a, b, -1.0, where)

    def _combine(self, a: Node, b: Node, sign: float, where: str) -> Node:
        if b.shape == a.shape:
            mb = sparse.identity(a.size) * sign
        elif b.size == a.shape[0]:
            mb = sparse.csr_matrix((np.full(a.size, sign), (np.arange(a.size), np.repeat(np.arange(b.size),
                                                                                         a.size // b.size))),
                                   shape=(a.size, b.size))
        else:
            raise ConversionError(f"{where or 'an add'}: shapes {a.shape} and {b.shape} do not match")
        return self._linear([a, b], [sparse.identity(a.size), mb], None, a.shape, "add", where)

    def mul_const(self, x: Node, factor: float, *, where: str = "") -> Node:
        """``x·factor`` for a constant scalar."""
        return self._linear([x], [sparse.identity(x.size) * float(factor)], None, x.shape, "scale", where)

    def concat(self, xs: Sequence[Node], axis: int = 0, *, where: str = "") -> Node:
        """Tensors joined along ``axis`` (0: channels, or features of 1-D tensors)."""
        xs = list(xs)
        if not xs:
            raise ConversionError(f"{where or 'a concat'} has no inputs")
        ndim = len(xs[0].shape)
        axis = axis + ndim if axis < 0 else axis
        if any(len(x.shape) != ndim or x.shape[:axis] + x.shape[axis + 1:] != xs[0].shape[:axis] + xs[0].shape[axis + 1:]
               for x in xs) or not 0 <= axis < ndim:
            raise ConversionError(f"{where or 'a concat'}: shapes {[x.shape for x in xs]} cannot be joined on axis {axis}")
        total = sum(x.shape[axis] for x in xs)
        shape = (*xs[0].shape[:axis], total, *xs[0].shape[axis + 1:])
        index = np.arange(int(np.prod(shape))).reshape(shape)
        mats, start = [], 0
        for x in xs:
            rows = np.take(index, np.arange(start, start + x.shape[axis]), axis=axis).ravel()
            mats.append(sparse.csr_matrix((np.ones(x.size), (rows, np.arange(x.size))), shape=(index.size, x.size)))
            start += x.shape[axis]
        return self._linear(xs, mats, None, shape, "concat", where)

    def select(self, x: Node, axis: int, index: int | Sequence[int], *, where: str = "") -> Node:
        """The slice ``x[..., index, ...]`` along ``axis`` (an int drops the axis, a sequence of
        indices keeps it): a selection, 0 constraints (a time step of a sequence, a gate's rows)."""
        axis = axis % len(x.shape)
        picks = np.atleast_1d(np.asarray(index, dtype=np.int64))
        if picks.size == 0 or picks.min() < -x.shape[axis] or picks.max() >= x.shape[axis]:
            raise ConversionError(f"{where or 'a selection'}: index {index!r} out of range for axis {axis} of {x.shape}")
        cols = np.take(np.arange(x.size).reshape(x.shape), picks % x.shape[axis], axis=axis)
        shape = tuple(np.delete(np.asarray(cols.shape), axis)) if np.ndim(index) == 0 else cols.shape
        M = sparse.csr_matrix((np.ones(cols.size), (np.arange(cols.size), cols.ravel())), shape=(cols.size, x.size))
        return self._linear([x], [M], None, tuple(int(n) for n in shape) or (1,), "select", where)

    def mul(self, a: Node, b: Node, *, where: str = "") -> Node:
        """``a·b`` elementwise for two computed tensors of equal shape (a gate times a state, attention
        scores): one product per value, floored back to a fixed scale (:mod:`stdlib_ml.products`, a
        checked cast of w + 1 constraints), so scales do not grow through recurrences."""
        if a.shape != b.shape:
            raise ConversionError(f"{where or 'a product'}: shapes {a.shape} and {b.shape} differ (only products of "
                                  "equal shapes are supported)")
        node = Node("mul", a.shape, (a, b), kind="mul", where=where)
        self.nodes.append(node)
        return node

    def matmul(self, a: Node, b: Node, *, where: str = "") -> Node:
        """``a @ b`` for two computed matrices, ``a`` (m, k) and ``b`` (k, n) (attention's scores and
        mixing, torch.matmul of two tensors): m·k·n products (:meth:`mul`), summed (0 constraints)."""
        if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] != b.shape[0]:
            raise ConversionError(f"{where or 'a matmul'}: shapes {a.shape} and {b.shape} do not multiply "
                                  "(two matrices (m, k) and (k, n) are supported)")
        (m, k), n = a.shape, b.shape[1]
        i, j, l_ = np.meshgrid(np.arange(m), np.arange(n), np.arange(k), indexing="ij")
        picks = [self._linear([x], [sparse.csr_matrix((np.ones(idx.size), (np.arange(idx.size), idx.ravel())),
                                                       shape=(idx.size, x.size))], None, (idx.size,), "matmul", where)
                 for x, idx in ((a, i * k + l_), (b, l_ * n + j))]
        prods = self.mul(*picks, where=where)
        S = sparse.csr_matrix((np.ones(m * n * k), (np.repeat(np.arange(m * n), k), np.arange(m * n * k))),
                              shape=(m * n, m * n * k))
        return self._linear([prods], [S], None, (m, n), "matmul", where)

    def rescale(self, x: Node, *, scale: int | None = None, where: str = "") -> Node:
        """``x`` itself, floored to the products' fixed scale (2**(resolution + 8)) when it is finer (``scale``:
        to 2**scale when that is coarser): one checked cast per value, after which the sign tests of an
        approximated activation (one per knot) are narrow. The recurrent layers put one before each gate's
        activation, at :data:`~.approximations.ACTIVATION_SCALE`."""
        node = Node("rescale", x.shape, (x,), kind="rescale", where=where,
                    params={} if scale is None else {"scale": scale})
        self.nodes.append(node)
        return node

    def requantize(self, x: Node, rq: Requantization, *, where: str = "") -> Node:
        """A quantized layer's int32 accumulator ``x`` (integers: integer weights on integer inputs)
        requantized to int8 by the runtime's fixed-point arithmetic (:mod:`.integer`)."""
        if len(rq) != x.size:
            raise ConversionError(f"{where or 'a requantization'}: {len(rq)} multipliers for {x.size} values")
        node = Node("requant", x.shape, (x,), kind="requant", requant=rq, where=where)
        self.nodes.append(node)
        return node

    def _recurrent_weights(self, x: Node, W_ih: Any, W_hh: Any, b_ih: Any, b_hh: Any, gates: int,
                           what: str, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """(W_ih, W_hh, b_ih + b_hh … as one bias per gate row, H) of a one-layer recurrent layer."""
        W_ih, W_hh = np.asarray(W_ih, np.float64), np.asarray(W_hh, np.float64)
        H = W_hh.shape[1] if W_hh.ndim == 2 else 0
        if len(x.shape) != 2 or W_ih.shape != (gates * H, x.shape[1]) or W_hh.shape != (gates * H, H):
            raise ConversionError(f"{where or f'a {what}'}: weights {W_ih.shape}, {W_hh.shape} on a sequence of shape "
                                  f"{x.shape} (expected (T, F), ({gates}H, F), ({gates}H, H))")
        zero = np.zeros(gates * H)
        return (W_ih, W_hh, zero if b_ih is None else np.asarray(b_ih, np.float64),
                zero if b_hh is None else np.asarray(b_hh, np.float64), H)

    def _states(self, states: list[Node], where: str) -> Node:
        H = states[0].size
        return self.concat([self.reshape(s, (1, H), where=where) for s in states], 0, where=where)

    def _gate(self, x: Node, kind: str, where: str) -> Node:
        """An activation of a recurrent layer, its input rescaled first to 2**ACTIVATION_SCALE (narrow sign
        tests at every knot) and its value materialized (``materialized``: one register that the gates' products and
        the next step read, so a split's cut after it carries one value, not every knot's ReLU)."""
        if kind not in APPROXIMATIONS:
            return self.activation(x, kind, where=where)
        return self.activation(self.rescale(x, scale=ACTIVATION_SCALE, where=where), kind, where=where, materialized=1.0)

    def rnn(self, x: Node, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None, *, nonlinearity: str = "tanh",
            where: str = "") -> tuple[Node, Node]:
        """A one-layer Elman RNN unrolled over ``x`` (T, F) from a zero state (torch's ``nn.RNN``):
        h' = f(W_ih x + b_ih + W_hh h + b_hh), f tanh (approximated) or relu. Returns (all states
        (T, H), the last state (H,))."""
        W_ih, W_hh, b_ih, b_hh, H = self._recurrent_weights(x, W_ih, W_hh, b_ih, b_hh, 1, "RNN", where)
        h: Node | None = None
        states = []
        for t in range(x.shape[0]):
            w = f"{where or 'an RNN'} step {t}"
            z = self.dense(self.select(x, 0, t, where=w), W_ih, b_ih + b_hh, where=w)
            h = self._gate(z if h is None else self.add(z, self.dense(h, W_hh, where=w), where=w), nonlinearity, w)
            states.append(h)
        return self._states(states, where), h

    def gru(self, x: Node, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None, *,
            where: str = "") -> tuple[Node, Node]:
        """A one-layer GRU unrolled over ``x`` (T, F) from a zero state (torch's ``nn.GRU``; gates r,
        z, n in that order in ``W_ih`` (3H, F), ``W_hh`` (3H, H)): r = σ(W_ir x + b_ir + W_hr h + b_hr),
        z = σ(…), n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = n + z·(h − n). σ and tanh
        approximated (:data:`APPROXIMATIONS`), two products per step (one at the first, h = 0).
        Returns (all states (T, H), the last state (H,))."""
        W_ih, W_hh, b_ih, b_hh, H = self._recurrent_weights(x, W_ih, W_hh, b_ih, b_hh, 3, "GRU", where)
        g = [slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)]
        h: Node | None = None
        states = []
        for t in range(x.shape[0]):
            w = f"{where or 'a GRU'} step {t}"
            xt = self.select(x, 0, t, where=w)
            if h is None:   # h = 0: the hidden terms are their biases
                r, z = (self._gate(self.dense(xt, W_ih[s], b_ih[s] + b_hh[s], where=w), "sigmoid", w)
                        for s in g[:2])
                n = self._gate(self._linear([self.dense(xt, W_ih[g[2]], b_ih[g[2]], where=w), r],
                                                 [sparse.identity(H), sparse.diags(b_hh[g[2]])], None, (H,), "gru", w),
                                    "tanh", w)
                h = self.sub(n, self.mul(z, n, where=w), where=w)
            else:
                r, z = (self._gate(self.dense(self.concat([xt, h], where=w), np.hstack([W_ih[s], W_hh[s]]),
                                                   b_ih[s] + b_hh[s], where=w), "sigmoid", w) for s in g[:2])
                hn = self.dense(h, W_hh[g[2]], b_hh[g[2]], where=w)
                n = self._gate(self.add(self.dense(xt, W_ih[g[2]], b_ih[g[2]], where=w), self.mul(r, hn, where=w),
                                             where=w), "tanh", w)
                h = self.add(n, self.mul(z, self.sub(h, n, where=w), where=w), where=w)
            h.params["bound"] = GRU_STATE_BOUND   # a convex combination of n and h: |h'| <= max(|n|, |h|) <= 1
            states.append(h)
        return self._states(states, where), h

    def lstm(self, x: Node, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None, *,
             where: str = "") -> tuple[Node, Node]:
        """A one-layer LSTM unrolled over ``x`` (T, F) from zero states (torch's ``nn.LSTM``; gates i,
        f, g, o in ``W_ih`` (4H, F), ``W_hh`` (4H, H)): c' = f·c + i·g, h' = o·tanh(c'), σ and tanh
        approximated, three products per step (two at the first, c = 0). Returns (all states (T, H),
        the last state (H,))."""
        W_ih, W_hh, b_ih, b_hh, H = self._recurrent_weights(x, W_ih, W_hh, b_ih, b_hh, 4, "LSTM", where)
        h: Node | None = None
        c: Node | None = None
        states = []
        for t in range(x.shape[0]):
            w = f"{where or 'an LSTM'} step {t}"
            xt = self.select(x, 0, t, where=w)
            inp = xt if h is None else self.concat([xt, h], where=w)

            def gate(k: int, kind: str) -> Node:
                rows = slice(k * H, (k + 1) * H)
                W = W_ih[rows] if h is None else np.hstack([W_ih[rows], W_hh[rows]])
                return self._gate(self.dense(inp, W, b_ih[rows] + b_hh[rows], where=w), kind, w)

            i, f, g, o = gate(0, "sigmoid"), gate(1, "sigmoid"), gate(2, "tanh"), gate(3, "sigmoid")
            ig = self.mul(i, g, where=w)
            c = ig if c is None else self.add(self.mul(f, c, where=w), ig, where=w)
            h = self.mul(o, self._gate(c, "tanh", w), where=w)
            states.append(h)
        return self._states(states, where), h

    def identity(self, x: Node, *, where: str = "") -> Node:
        """``x`` itself (Dropout at inference, Identity)."""
        return x

    # ---- activations -----------------------------------------------------------------------------
    def activation(self, x: Node, kind: str, *, where: str = "", **params: float) -> Node:
        """An elementwise activation by name: one of :data:`PIECEWISE` (``leaky_relu``: ``alpha``;
        ``clip``: ``low``, ``high``, either may be ±inf; ``hard_sigmoid``: ``alpha``, ``beta`` for
        clip(α·x + β, 0, 1)) or of :data:`APPROXIMATIONS` (``materialized``: 1.0 to compute an approximation's value
        once, as a register every reader takes, rather than summing its knots' ReLUs in each reader)."""
        if kind == "identity":
            return x
        if kind not in PIECEWISE and kind not in APPROXIMATIONS:
            raise ConversionError(f"{where or 'a layer'}: activation {kind!r} is not supported",
                                  hint=f"supported: {', '.join(PIECEWISE)}; approximated: {', '.join(LAYER_APPROXIMATIONS)}")
        if kind == "relu6":
            kind, params = "clip", {"low": 0.0, "high": 6.0}
        elif kind == "hard_tanh":
            kind, params = "clip", {"low": params.get("low", -1.0), "high": params.get("high", 1.0)}
        elif kind == "hard_sigmoid":
            alpha, beta = params.get("alpha", 1.0 / 6.0), params.get("beta", 0.5)
            x = self._linear([x], [sparse.identity(x.size) * alpha], np.full(x.size, beta), x.shape, "scale", where)
            kind, params = "clip", {"low": 0.0, "high": 1.0}
        if kind == "clip" and not params.get("low", -math.inf) < params.get("high", math.inf):
            raise ConversionError(f"{where or 'a clip'}: low {params.get('low')} must be below high {params.get('high')}")
        node = Node("activation", x.shape, (x,), kind=kind, params={k: float(v) for k, v in params.items()}, where=where)
        self.nodes.append(node)
        return node

    def relu(self, x: Node, *, where: str = "") -> Node:
        """max(x, 0): one sign test per value."""
        return self.activation(x, "relu", where=where)

    def leaky_relu(self, x: Node, alpha: float = 0.01, *, where: str = "") -> Node:
        """x where x ≥ 0, alpha·x below (= alpha·x + (1 − alpha)·relu(x)): one sign test per value."""
        return self.activation(x, "leaky_relu", where=where, alpha=alpha)

    def clip(self, x: Node, low: float = -math.inf, high: float = math.inf, *, where: str = "") -> Node:
        """x clipped to [low, high] (ReLU6, hard tanh, clamp): one sign test per finite bound and value."""
        return self.activation(x, "clip", where=where, low=low, high=high)

    def hard_sigmoid(self, x: Node, alpha: float = 1.0 / 6.0, beta: float = 0.5, *, where: str = "") -> Node:
        """clip(alpha·x + beta, 0, 1) (torch's Hardsigmoid by default; other frameworks may use alpha 0.2):
        two sign tests per value."""
        return self.activation(x, "hard_sigmoid", where=where, alpha=alpha, beta=beta)

    def prelu(self, x: Node, alpha: Any, *, where: str = "") -> Node:
        """x where x ≥ 0, alpha·x below, ``alpha`` a scalar, one per channel (axis 0) or one per element
        (torch's PReLU, Keras' PReLU, ONNX PRelu): alpha·x + (1 − alpha)·relu(x), one sign test per value."""
        return self._mix(x, alpha, self.relu(x, where=where), where)

    def elu(self, x: Node, alpha: float = 1.0, *, where: str = "") -> Node:
        """x where x > 0, alpha·(exp(x) − 1) below: alpha·elu₁(x) + (1 − alpha)·relu(x), elu₁ approximated
        (:data:`APPROXIMATIONS`; its error bound times alpha)."""
        e = self.activation(x, "elu", where=where)
        return e if float(alpha) == 1.0 else self._mix(self.relu(x, where=where), 1.0 - float(alpha), e, where,
                                                       scale_b=float(alpha))

    def _mix(self, x: Node, a: Any, b: Node, where: str, scale_b: float | None = None) -> Node:
        """``a·x + (1 − a)·b`` elementwise (``a`` as in :meth:`scale_shift`), or ``a·x + scale_b·b``."""
        per = x.size // x.shape[0]
        v = np.ravel(np.asarray(a, np.float64))
        if v.size in (1, x.shape[0]) and v.size != x.size:
            v = np.repeat(np.broadcast_to(v, (x.shape[0],)), per)
        if v.size != x.size:
            raise ConversionError(f"{where or 'a layer'}: {np.size(a)} slopes for a tensor of shape {x.shape}")
        other = 1.0 - v if scale_b is None else np.full(x.size, scale_b)
        return self._linear([x, b], [sparse.diags(v), sparse.diags(other)], None, x.shape, "mix", where)

    # ---- the output ------------------------------------------------------------------------------
    def output(self, x: Node, head: str, classes: Iterable[Any] | None = None) -> None:
        """Declare ``x`` the network's output and how it decides (:data:`HEADS`). ``classes``: the
        labels of the argmax positions (default 0 … k−1) or of (below, above) the threshold (0, 1)."""
        if head not in HEADS:
            raise ConversionError(f"head must be one of {', '.join(map(repr, HEADS))}, got {head!r}")
        if head in ("threshold", "regression") and x.size != 1:
            raise ConversionError(f"a {head} head takes one output value; the network has {x.size} (shape {x.shape})")
        if head == "argmax" and x.size < 2:
            raise ConversionError("an argmax head needs at least 2 outputs; use head='threshold' for one logit")
        k = {"argmax": x.size, "threshold": 2, "ovo": round((1 + math.sqrt(1 + 8 * x.size)) / 2)}.get(head, 0)
        if head == "ovo" and (k * (k - 1) // 2 != x.size or k < 3):
            raise ConversionError(f"an ovo head takes one score per pair of at least 3 classes; {x.size} is no such count")
        self.out, self.head = x, head
        if head == "regression":
            self.classes = None
        else:
            self.classes = list(classes) if classes is not None else list(range(k))
            if len(self.classes) != k:
                raise ConversionError(f"{len(self.classes)} class labels for a {head} head over {x.size} output(s)")

    # ---- float reference -------------------------------------------------------------------------
    def forward(self, X: Any) -> np.ndarray:
        """The output node's values in float64 for samples ``X`` (n, *input_shape) or (n, n_features),
        activations exact: (n, output size)."""
        values = self._run(X)
        return values[id(self.require_output())]

    def predict(self, X: Any) -> np.ndarray:
        """The float description's prediction: labels (argmax / threshold head) or values (regression)."""
        out = self.forward(X)
        if self.head == "regression":
            return out[:, 0]
        if self.head == "ovo":
            k = len(self.classes)
            pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
            votes = np.zeros((len(out), k), dtype=np.int64)
            for p, (i, j) in enumerate(pairs):
                votes[:, i] += out[:, p] > 0
                votes[:, j] += out[:, p] <= 0
            out = votes
        idx = np.argmax(out, axis=1) if self.head in ("argmax", "ovo") else (out[:, 0] > 0).astype(np.int64)
        return np.asarray(self.classes, dtype=object)[idx] if not _numeric(self.classes) else np.asarray(self.classes)[idx]

    def require_output(self) -> Node:
        if self.out is None:
            raise ConversionError("the network has no output: call Network.output(node, head) last")
        return self.out

    def _run(self, X: Any) -> dict[int, np.ndarray]:
        A = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        if A.shape[1] != self.input.size:
            raise ConversionError(f"samples have {A.shape[1]} values; the network takes {self.input.size}")
        vals: dict[int, np.ndarray] = {id(self.input): A}
        for node in self.nodes[1:]:
            ins = [vals[id(i)] for i in node.inputs]
            if node.op == "linear":
                vals[id(node)] = sum(m.dot(v.T).T for m, v in zip(node.matrices, ins)) + node.bias
            elif node.op == "max_pool":
                vals[id(node)] = np.stack([ins[0][:, w].max(axis=1) for w in node.windows], axis=1)
            elif node.op == "mul":
                vals[id(node)] = ins[0] * ins[1]
            elif node.op == "rescale":
                vals[id(node)] = ins[0]
            elif node.op == "requant":
                vals[id(node)] = node.requant(ins[0]).astype(np.float64)
            elif node.op == "search":
                vals[id(node)] = np.maximum(ins[0], node.params["floor"]) ** -node.params["power"]
            else:
                vals[id(node)] = _activate(node, ins[0])
        return vals

    def intervals(self, low: Any, high: Any) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per node (by ``id``), elementwise bounds (lo, hi) of its float64 values over inputs in the box
        [low, high] (per feature), activations as the circuit computes them (the approximations
        themselves, whose extremes lie at their knots or the ends): interval arithmetic, exact for
        one affine layer, an over-estimate through several. Products' widths are sized from these."""
        box: dict[int, tuple[np.ndarray, np.ndarray]] = {
            id(self.input): (np.asarray(low, np.float64).ravel(), np.asarray(high, np.float64).ravel())}
        for node in self.nodes[1:]:
            ins = [box[id(i)] for i in node.inputs]
            if node.op == "linear":
                lo, hi = node.bias.copy(), node.bias.copy()
                for M, (a, b) in zip(node.matrices, ins):
                    P, N = M.maximum(0), M.minimum(0)
                    lo, hi = lo + P.dot(a) + N.dot(b), hi + P.dot(b) + N.dot(a)
            elif node.op == "max_pool":
                lo = np.asarray([ins[0][0][w].max() for w in node.windows])
                hi = np.asarray([ins[0][1][w].max() for w in node.windows])
            elif node.op == "rescale":
                lo, hi = ins[0]
            elif node.op == "requant":   # monotone
                lo, hi = (node.requant(v).astype(np.float64) for v in ins[0])
            elif node.op == "search":   # decreasing in v
                f, p = node.params["floor"], node.params["power"]
                lo, hi = np.maximum(ins[0][1], f) ** -p, np.maximum(ins[0][0], f) ** -p
            elif node.op == "mul":
                (a, b), (c, d) = ins
                corners = np.stack([a * c, a * d, b * c, b * d])
                lo, hi = corners.min(axis=0), corners.max(axis=0)
            else:
                a, b = ins[0]
                f = (APPROXIMATIONS[node.kind] if node.kind in APPROXIMATIONS else lambda v: _activate(node, v))
                points = [f(a), f(b)] + [np.where((a < t) & (t < b), f(np.full_like(a, t)), f(a))
                                         for t in (APPROXIMATIONS[node.kind].knots if node.kind in APPROXIMATIONS else ())]
                lo, hi = np.min(points, axis=0), np.max(points, axis=0)
            if "bound" in node.params:   # a bound the layer guarantees (a layer norm's |c|/σ <= √(d − 1))
                lo, hi = np.maximum(lo, -node.params["bound"]), np.minimum(hi, node.params["bound"])
            box[id(node)] = (lo, hi)
        return box

    # ---- checks ----------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        """Values per sample: the product of the input shape."""
        return self.input.size


def _numeric(classes: list[Any] | None) -> bool:
    return classes is not None and all(isinstance(c, (int, float, np.integer, np.floating)) for c in classes)


def _activate(node: Node, v: np.ndarray) -> np.ndarray:
    p = node.params
    if node.kind == "relu":
        return np.maximum(v, 0.0)
    if node.kind == "leaky_relu":
        return np.where(v >= 0, v, p["alpha"] * v)
    if node.kind == "clip":
        return np.clip(v, p.get("low", -np.inf), p.get("high", np.inf))
    return APPROXIMATIONS[node.kind].function(v)
