"""One framework-neutral description of a neural network, its quantization and its model file.

A framework's converter (scikit-learn's MLPs in :mod:`.sklearn`, PyTorch in :mod:`.torch`, Keras and
ONNX) builds a :class:`Network` layer by layer from the framework's float64 parameters, then calls
:func:`to_spec` (the :class:`~stdlib_ml.convert.render.Spec` a model file says) or :func:`convert`
(the :class:`~stdlib_ml.convert.ZkModel`, checked against the framework's own float prediction). This
module imports no framework.

Builder (shapes exclude the batch dimension; images are channels-first, ``(C, H, W)`` / ``(C, L)``;
every method returns a :class:`Node`, the handle of its output tensor; ``where`` names the layer in
error messages, e.g. ``"layer 'features.0' (Conv2d)"``)::

    net = Network((1, 8, 8), name="digits_cnn")
    h = net.conv(net.input, W, b, stride=1, padding=1)     # W (C_out, C_in/groups, kH, kW)
    h = net.batch_norm(h, mean, var, gamma, beta, eps=1e-5) # folded into the conv (float64, before quantizing)
    h = net.relu(h)
    h = net.max_pool(h, 2)
    h = net.dense(net.flatten(h), W2, b2)                   # W2 (out, in), as torch's Linear
    net.output(h, "argmax", classes=range(10))               # Softmax / LogSoftmax: argmax; Sigmoid: "threshold"
    spec = to_spec(net, X_calib)                            # or: zk = convert(net, X_calib, reference=predict)

Also ``leaky_relu``, ``clip`` (ReLU6, hard tanh), ``hard_sigmoid``, ``activation(x, kind)`` (by name,
including the approximated ``sigmoid``, ``tanh``, ``gelu``, ``silu``), ``avg_pool``, ``scale_shift``
(per-channel affine), ``reshape``, ``permute`` (channels-last → first), ``add``, ``sub``, ``mul_const``,
``concat``; ``identity`` (Dropout at inference)
returns its input. :meth:`Network.forward` / :meth:`Network.predict` run the description in float64
(exact activations): the oracle a converter checks its own walk of the framework's model against.

How a network becomes a circuit. Every layer is either affine (Dense, Conv, AvgPool, BatchNorm,
Flatten/Reshape, Add, Concat) or piecewise linear, and every piecewise-linear function is a sum of
ReLUs of affine inputs: ``clip(x, a, b) = a + relu(x − a) − relu(x − b)``, ``leaky(x) = α·x + (1 −
α)·relu(x)``, ``max(a, b) = b + relu(a − b)`` (a max pool is a tournament of these), and the
approximations are interpolations on fixed knots, ``f(x) ≈ f(t_0) + s_0·(x − t_0) + Σ_k Δs_k·relu(x −
t_k)``. So lowering composes the affine layers (in float64: BatchNorm and Dropout vanish into the
neighbouring weights) and materializes only the inputs of ReLUs: a network is a sequence of *stages*,
each ``z = Σ_s A_s·h_s + c`` over earlier sources (the input, earlier ReLU outputs) followed by one sign
test per element (``activations.relu_vec``), and a head (argmax, a threshold, or a regression value).
A stage's linear part costs 0 constraints (constant weights); sparse ones (convolutions, pools) use
``linalg.sparse_matvec`` over constant index patterns, so the program holds only their non-zero taps.

Quantization: integers at power-of-two scales, no rescaling inside the circuit (each stage's scale is
its sources' plus the bits its weights need: ``resolution + 2`` bits for the largest weight per input
step; fewer when the weights are exact at fewer, as the ±1 of a max pool), each stage's sign-test width
from exact worst-case intervals over the declared input range (ReLU outputs lie in ``[0, hi]``), and
``resolution`` lowered by 2 until every bound fits the 127-bit sign tests (2**62 for a regression output).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from .fidelity import CHECK_ROWS, Fidelity, _finish
from .model import ConversionError, ZkModel
from .quantize import MLP_RESOLUTION, Options, _in_bits, _input_range, _name_of, _pow2, _qint, _width, _argmax_or_sign
from .render import Spec


HEADS = ("argmax", "threshold", "regression")
"""How the last node's values become the prediction: ``argmax`` (the index of the largest, first on
ties: Softmax / LogSoftmax / raw logits), ``threshold`` (one value, class 1 when > 0: a Sigmoid's 0.5,
or a logit), ``regression`` (one value, returned as ``y·OUT_SCALE``)."""

PIECEWISE = ("relu", "leaky_relu", "clip", "hard_sigmoid", "hard_tanh", "relu6", "identity")
"""Activations computed exactly (sums of ReLUs)."""


# ---- approximated activations --------------------------------------------------------------------
def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


@dataclass(frozen=True)
class Approximation:
    """A piecewise-linear interpolation of ``function`` on ``knots`` (linear between them; outside,
    the slope ``left_slope`` / ``right_slope`` of the function's asymptote). ``max_error``: the
    largest |approximation − function| over the whole real line, measured on a 10**5-point grid of
    ``checked_range`` (outside it both sides follow the asymptotes: the error only shrinks), tested
    in tests/test_convert_nn.py. Cost: one ReLU (a sign test) per knot and element."""

    function: Callable[[np.ndarray], np.ndarray]
    knots: tuple[float, ...]
    left_slope: float
    right_slope: float
    max_error: float
    checked_range: tuple[float, float]

    def pieces(self) -> tuple[float, float, list[tuple[float, float]]]:
        """(a, s, [(t_k, Δs_k)]): f(x) ≈ a + s·x + Σ_k Δs_k·relu(x − t_k)."""
        t = np.asarray(self.knots)
        v = self.function(t)
        slopes = [self.left_slope, *np.diff(v) / np.diff(t), self.right_slope]
        a = float(v[0] - self.left_slope * t[0])
        return a, self.left_slope, [(float(tk), float(slopes[k + 1] - slopes[k])) for k, tk in enumerate(t)]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        a, s, terms = self.pieces()
        out = a + s * np.asarray(x, dtype=np.float64)
        for t, ds in terms:
            out = out + ds * np.maximum(x - t, 0.0)
        return out


APPROXIMATIONS: dict[str, Approximation] = {
    "sigmoid": Approximation(lambda x: 1.0 / (1.0 + np.exp(-x)),
                             (-6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0), 0.0, 0.0, 0.0, (-12.0, 12.0)),
    "tanh": Approximation(np.tanh, (-3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0), 0.0, 0.0, 0.0,
                          (-12.0, 12.0)),
    "gelu": Approximation(_gelu, (-4.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 4.0), 0.0, 1.0, 0.0,
                          (-12.0, 12.0)),
    "silu": Approximation(lambda x: x / (1.0 + np.exp(-x)),
                          (-8.0, -5.0, -3.5, -2.5, -1.75, -1.0, -0.5, 0.0, 0.5, 1.0, 1.75, 2.5, 3.5, 5.0, 8.0), 0.0, 1.0,
                          0.0, (-16.0, 16.0)),
}
"""The activations a circuit approximates (``approximate=False`` refuses them instead), each with its
measured error bound (:class:`Approximation`; the bounds are filled in below from the knots)."""


def _measure(ap: Approximation) -> float:
    """The largest error on a 10**5-point grid, plus 10**-6 (the maximum between grid points, where
    the error's slope is 0, differs from the grid's by far less)."""
    x = np.linspace(*ap.checked_range, 100_001)
    return float(np.max(np.abs(ap(x) - ap.function(x)))) + 1e-6


APPROXIMATIONS = {k: Approximation(a.function, a.knots, a.left_slope, a.right_slope, _measure(a), a.checked_range)
                  for k, a in APPROXIMATIONS.items()}


# ---- the description -----------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    """One tensor of the network: the output of one layer.

    ``op``: ``"input"``, ``"linear"`` (``Σ_i matrices[i]·inputs[i] + bias`` on flattened tensors),
    ``"activation"`` (``kind``: one of :data:`PIECEWISE` or of :data:`APPROXIMATIONS`, with
    ``params``), or ``"max_pool"`` (``windows``: per output element the flat indices of its input
    taps). ``shape``: the tensor's shape without the batch dimension. ``where``: the layer's place in
    the source model, for messages."""

    op: str
    shape: tuple[int, ...]
    inputs: tuple[Node, ...] = ()
    matrices: tuple[sparse.csr_matrix, ...] = ()
    bias: np.ndarray | None = None
    kind: str = ""
    params: dict[str, float] = field(default_factory=dict)
    windows: list[np.ndarray] | None = None
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
             padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, groups: int = 1,
             where: str = "") -> Node:
        """Convolution (cross-correlation, as torch's Conv1d/Conv2d): ``x`` (C_in, *spatial), ``W``
        (C_out, C_in/groups, *kernel), zero ``padding`` on both sides of each spatial dimension.
        Output (C_out, *out_spatial), out = ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1."""
        W = np.asarray(W, dtype=np.float64)
        d = W.ndim - 2
        if d < 1 or len(x.shape) != d + 1:
            raise ConversionError(f"{where or 'a convolution'}: kernel of shape {W.shape} on a tensor of shape "
                                  f"{x.shape} (expected (C, *spatial) with {max(d, 1)} spatial dimension(s))")
        c_in, c_out = x.shape[0], W.shape[0]
        if groups < 1 or c_in % groups or c_out % groups or W.shape[1] != c_in // groups:
            raise ConversionError(f"{where or 'a convolution'}: {c_in} input channels, kernel {W.shape}, groups={groups} "
                                  "do not match")
        s, p, dl = (_tuple(v, d, n, where) for v, n in ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
        k = W.shape[2:]
        spatial = x.shape[1:]
        out = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, pp, dd, kk, ss in zip(spatial, p, dl, k, s))
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
                      padding: int | Sequence[int], where: str) -> tuple[tuple[int, ...], list[np.ndarray]]:
        d = len(x.shape) - 1
        if d < 1:
            raise ConversionError(f"{where or 'a pool'} needs a (C, *spatial) tensor, got shape {x.shape}")
        k = _tuple(kernel, d, "kernel", where)
        s = _tuple(stride if stride is not None else kernel, d, "stride", where)
        p = _tuple(padding, d, "padding", where)
        spatial = x.shape[1:]
        out = tuple((n + 2 * pp - kk) // ss + 1 for n, pp, kk, ss in zip(spatial, p, k, s))
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
                 padding: int | Sequence[int] = 0, *, count_include_pad: bool = True, where: str = "") -> Node:
        """Average over each window (torch's AvgPool1d/2d; padded zeros count when ``count_include_pad``)."""
        shape, windows = self._pool_windows(x, kernel, stride, padding, where)
        full = int(np.prod(_tuple(kernel, len(x.shape) - 1, "kernel", where)))
        rows = np.concatenate([np.full(len(w), i) for i, w in enumerate(windows)])
        vals = np.concatenate([np.full(len(w), 1.0 / (full if count_include_pad else len(w))) for w in windows])
        M = sparse.csr_matrix((vals, (rows, np.concatenate(windows))), shape=(len(windows), x.size))
        return self._linear([x], [M], None, shape, "avg_pool", where)

    def max_pool(self, x: Node, kernel: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: int | Sequence[int] = 0, *, where: str = "") -> Node:
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

    def identity(self, x: Node, *, where: str = "") -> Node:
        """``x`` itself (Dropout at inference, Identity)."""
        return x

    # ---- activations -----------------------------------------------------------------------------
    def activation(self, x: Node, kind: str, *, where: str = "", **params: float) -> Node:
        """An elementwise activation by name: one of :data:`PIECEWISE` (``leaky_relu``: ``alpha``;
        ``clip``: ``low``, ``high``, either may be ±inf; ``hard_sigmoid``: ``alpha``, ``beta`` for
        clip(α·x + β, 0, 1)) or of :data:`APPROXIMATIONS`."""
        if kind == "identity":
            return x
        if kind not in PIECEWISE and kind not in APPROXIMATIONS:
            raise ConversionError(f"{where or 'a layer'}: activation {kind!r} is not supported",
                                  hint=f"supported: {', '.join(PIECEWISE)}; approximated: {', '.join(APPROXIMATIONS)}")
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
        self.out, self.head = x, head
        if head == "regression":
            self.classes = None
        else:
            self.classes = list(classes) if classes is not None else list(range(x.size if head == "argmax" else 2))
            if len(self.classes) != (x.size if head == "argmax" else 2):
                raise ConversionError(f"{len(self.classes)} class labels for a {head} head over {x.size} output(s)")

    # ---- float reference -------------------------------------------------------------------------
    def forward(self, X: Any) -> np.ndarray:
        """The output node's values in float64 for samples ``X`` (n, *input_shape) or (n, n_features),
        activations exact: (n, output size)."""
        values = self._run(X)
        return values[id(self._require_output())]

    def predict(self, X: Any) -> np.ndarray:
        """The float description's prediction: labels (argmax / threshold head) or values (regression)."""
        out = self.forward(X)
        if self.head == "regression":
            return out[:, 0]
        idx = np.argmax(out, axis=1) if self.head == "argmax" else (out[:, 0] > 0).astype(np.int64)
        return np.asarray(self.classes, dtype=object)[idx] if not _numeric(self.classes) else np.asarray(self.classes)[idx]

    def _require_output(self) -> Node:
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
            else:
                vals[id(node)] = _activate(node, ins[0])
        return vals

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


@dataclass
class _Lowered:
    stages: list[_Expr]   # stage k (1-based: stages[k - 1]) is relu(z_k), z_k its expression
    out: _Expr
    approximated: dict[str, int]


def _source(k: int, size: int) -> _Expr:
    return _Expr({k: sparse.identity(size, format="csr")}, np.zeros(size))


MONOTONE = ("relu", "clip", "sigmoid", "tanh")
"""Non-decreasing activations: ``max(f(a), f(b)) = f(max(a, b))``, so an activation followed only by a
max pool is computed after it, on a quarter of the values (a 2×2 pool)."""


def _lower(net: Network, approximate: bool = True) -> _Lowered:
    """Lower ``net`` to ReLU stages, computing only the nodes the output depends on."""
    out_node = net._require_output()
    stages: list[_Expr] = []
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
        elif node.op == "max_pool":
            act = pooled_first(node)
            if act is not None:
                pooled = _max_pool(value(act.inputs[0]), node.windows, relu)
                acc = _piecewise(act, pooled, relu, approximate, approximated)
            else:
                acc = _max_pool(value(node.inputs[0]), node.windows, relu)
        else:
            acc = _piecewise(node, value(node.inputs[0]), relu, approximate, approximated)
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
class _Stage:
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
        if not A.nnz:
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
                    bits: int) -> _Stage:
    S = _stage_scale(e, scales, bits)
    qbias = _qint(e.bias, S)
    lo = np.asarray([int(v) for v in qbias], dtype=object)
    hi = lo.copy()
    qterms = {}
    for s, A in e.terms.items():
        A = A.tocoo()
        keep = A.data != 0
        r, c, d = A.row[keep], A.col[keep], A.data[keep]
        q = _qint(d, S - scales[s][c])
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
    return _Stage(qterms, qbias, S, lo, hi)


@dataclass
class Quantized:
    """A network in integers: the input's bits per feature, the ReLU stages, the output stage."""

    in_bits: np.ndarray
    low: np.ndarray
    high: np.ndarray
    stages: list[_Stage]
    out: _Stage
    resolution: int
    approximated: dict[str, int]


def quantize(net: Network, low: np.ndarray, high: np.ndarray, opts: Options, unit: np.ndarray, *,
             resolution: int = MLP_RESOLUTION, approximate: bool = True) -> Quantized:
    """The network's integer form for inputs in [low, high] (per feature; ``unit``: each feature's
    spread, which ``resolution`` steps must resolve): from ``resolution`` down by 2 until every
    value's worst case fits (sign tests up to 127 bits; a regression output 2**62).
    Raises :class:`ConversionError` when none does."""
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    lowered = _lower(net, approximate)
    limit = 2**62 if net.head == "regression" else 2**125
    res = resolution
    while True:
        ib = _in_bits(opts, unit, low, high, res)
        scales = {0: ib.astype(np.int64)}
        boxes = {0: (np.asarray([int(v) for v in _qint(low, ib)], dtype=object),
                     np.asarray([int(v) for v in _qint(high, ib)], dtype=object))}
        stages = []
        for k, e in enumerate(lowered.stages, 1):
            st = _quantize_stage(e, scales, boxes, res + 2)
            stages.append(st)
            scales[k] = np.full(len(e.bias), st.scale, dtype=np.int64)
            boxes[k] = (np.asarray([max(int(v), 0) for v in st.lo], dtype=object),
                        np.asarray([max(int(v), 0) for v in st.hi], dtype=object))
        out = _quantize_stage(lowered.out, scales, boxes, res + 2)
        worst = max([out.bound, *(st.bound for st in stages)])
        if worst < limit or res <= 4:
            break
        res -= 2
    if worst >= limit:
        raise ConversionError(f"{net.name}: the network's worst-case values exceed the circuit's range at every "
                              "resolution; narrow input_range")
    return Quantized(ib, low, high, stages, out, res, lowered.approximated)


# ---- rendering -------------------------------------------------------------------------------------
SMALLEST_SIGN_TEST = 8
"""Networks' sign tests take the narrowest width their values' bounds allow, down to 8 bits (w + 1
constraints: a ReLU whose values stay below 2**15 costs 18 instead of 34; ``resolution`` trades
rounding for width)."""

SPARSE_DENSITY = 0.5
"""A stage's matrix over one source is written as a dense matrix (``linalg.matvec``) when at least
this share of its entries are non-zero, else as non-zero taps over constant indices
(``linalg.sparse_matvec``): the program holds only what it needs."""


def _render_terms(spec: Spec, k: int, st: _Stage, sources: dict[int, tuple[str, int, int]], last: bool) -> str:
    """The DSL expression of stage ``k``'s values, declaring its constants in ``spec``; ``sources``:
    per source its (DSL name, size, scale)."""
    many = len(st.qterms) > 1
    label = "output layer" if last else f"stage {k}"
    dense: list[tuple[str, str]] = []
    taps: list[str] = []
    for s, (r, c, q) in st.qterms.items():
        src, n_cols, src_scale = sources[s]
        n_rows = len(st.qbias)
        suffix = f"_{src}" if many else ""
        wname = f"W{k}{suffix}"
        what = (f"the input, column j at 2**({st.scale} − IN_BITS[j])" if s == 0
                else f"{src} (at 2**{src_scale}), at 2**{st.scale - src_scale}")
        if len(q) >= SPARSE_DENSITY * n_rows * n_cols:
            W = np.zeros((n_rows, n_cols), dtype=object)
            W[r, c] = q
            spec.param(wname, W, f"{label}: weights on {what}")
            dense.append((wname, src))
            continue
        order = np.lexsort((c, r))
        r, c, q = r[order], c[order], q[order]
        width = max(int(np.max(np.bincount(r, minlength=n_rows))), 1) if len(r) else 1
        idx = np.zeros((n_rows, width), dtype=np.int64)
        W = np.zeros((n_rows, width), dtype=object)
        fill = np.zeros(n_rows, dtype=np.int64)
        for i, j, v in zip(r, c, q):
            idx[i, fill[i]], W[i, fill[i]] = j, v
            fill[i] += 1
        spec.const(f"IDX{k}{suffix}", idx, f"{label}: per value the indices of its (up to) {width} taps into {src}")
        spec.param(wname, W, f"{label}: the taps' weights on {what}")
        spec.use(f"taps{k}{suffix} = linalg.sparse_matvec(IDX{k}{suffix})", f"{len(q)} non-zero weights")
        taps.append(f"taps{k}{suffix}({wname}, {src})")
    spec.param(f"B{k}", st.qbias, f"{label}: bias at 2**{st.scale}")
    if dense:
        expr = f"linalg.dense({dense[0][0]}, {dense[0][1]}, B{k})"
        rest = [f"linalg.matvec({w}, {src})" for w, src in dense[1:]] + taps
    elif taps:
        expr, rest = f"linalg.add({taps[0]}, B{k})", taps[1:]
    else:
        expr, rest = f"B{k}", []
    for p in rest:
        expr = f"linalg.add({expr}, {p})"
    return expr


def to_spec(net: Network, X: Any = None, *, input_range: Any = None, input_bits: Any = None, name: str | None = None,
            weights: str = "public", inputs: str = "private", output: str = "public",
            resolution: int = MLP_RESOLUTION, approximate: bool = True) -> Spec:
    """The :class:`~stdlib_ml.convert.render.Spec` of ``net`` (its model file: ``render(spec)``).

    ``X``: calibration rows, (n_samples, n_features) or (n_samples, *input_shape) floats: they give
    the input range (each feature's range widened by its spread on both sides) unless
    ``input_range`` (a bound r for [-r, r], or (low, high), scalars or per feature) sets it;
    ``input_bits``: fractional bits of the inputs (one int or one per feature; default: each
    feature's spread spans about 2**resolution steps); ``name``: the Aleo program name (default
    ``net.name``); ``weights`` / ``inputs`` / ``output``: visibility, as :func:`~stdlib_ml.from_sklearn`;
    ``resolution``: bits per input spread and per weight (fewer: narrower sign tests, coarser
    rounding); ``approximate``: accept the piecewise-linear :data:`APPROXIMATIONS` (else they raise).
    Raises :class:`ConversionError`."""
    from .api import _options, _visibility

    opts = _options(None if X is None else _flat(X, net), input_range, input_bits, name or net.name, net.n_features,
                    None, weights)
    low, high, unit = _input_range(opts, net.n_features, None)
    spec = network_spec(net, opts, low, high, unit, resolution=resolution, approximate=approximate)
    return _visibility(spec, net, weights, inputs, output)


def _flat(X: Any, net: Network) -> np.ndarray:
    A = np.asarray(X, dtype=np.float64)
    if A.ndim >= 2 and A.shape[1:] == net.input.shape:
        return A.reshape(len(A), -1)
    return A


def network_spec(net: Network, opts: Options, low: np.ndarray, high: np.ndarray, unit: np.ndarray, *,
                 resolution: int = MLP_RESOLUTION, approximate: bool = True, source: Any = None,
                 title: str | None = None) -> Spec:
    """The Spec of ``net`` for inputs in [low, high] (the converters' common path; :func:`to_spec`
    works out the range from the options). ``source``: the source model, whose class names the
    program when ``opts.name`` does not; ``title``: the file's first line."""
    net._require_output()
    if net.n_features > 2048:
        raise ConversionError(f"{net.name} takes {net.n_features} input values; snarkVM allows at most 2048 elements "
                              "per array")
    qn = quantize(net, low, high, opts, unit, resolution=resolution, approximate=approximate)
    kind = "regressor" if net.head == "regression" else "classifier"
    n_relu = sum(len(st.qbias) for st in qn.stages)
    spec = Spec(name=_name_of(source if source is not None else net, opts), title=title or net.title or
                f"Network {net.name} ({net.n_features} inputs, {len(qn.stages)} ReLU stages, {n_relu} ReLUs), "
                "converted to pyleo.", kind=kind, n_features=net.n_features, in_bits=qn.in_bits, low=low, high=high)
    spec.imports |= {"activations"}
    sources = {0: ("xf", net.n_features, 0)}
    for k, st in enumerate(qn.stages, 1):
        expr = _render_terms(spec, k, st, sources, False)
        spec.use(f"relu{k} = activations.relu_vec({_width(st.bound, SMALLEST_SIGN_TEST)})", f"stage {k}: |z| <= {_pow2(st.bound)}")
        spec.body.append(f"h{k} = relu{k}({expr})")
        sources[k] = (f"h{k}", len(st.qbias), st.scale)
    expr = _render_terms(spec, len(qn.stages) + 1, qn.out, sources, True)
    spec.body.append(f"out = {expr}")
    if net.head == "regression":
        spec.imports.add("models")
        spec.out_scale = f"2**{qn.out.scale}"
        spec.body.append("return models.to_i64(out[0])")
    else:
        spec.classes = net.classes
        _argmax_or_sign(spec, "out", qn.out.bound, len(qn.out.qbias), smallest=SMALLEST_SIGN_TEST)
    spec.notes.append(f"Quantized at resolution {qn.resolution}: every value is an integer at a power-of-two scale "
                      "(no rescaling); each stage is a constant affine map (0 constraints) then one sign test per "
                      "value (ReLU); clips, leaky ReLUs and max pools are sums of ReLUs (stdlib_ml.convert.nn).")
    for act, count in qn.approximated.items():
        ap = APPROXIMATIONS[act]
        spec.notes.append(f"{act} ({count} values) is approximated by interpolation on {len(ap.knots)} knots "
                          f"{list(ap.knots)}: |error| <= {ap.max_error:.3g} on the real line.")
    if net.head == "threshold":
        spec.notes.append("The output is one logit: class 1 when it is > 0 (a final sigmoid's > 0.5).")
    elif net.head == "argmax":
        spec.notes.append("The class is the argmax of the outputs (a final softmax / log-softmax is monotone: dropped).")
    return spec


# ---- conversion with the self-check ----------------------------------------------------------------
class FloatNetwork:
    """The float model a circuit is checked against: ``predict(X)`` (rows flattened as the circuit
    takes them) by ``reference`` (the framework's own float prediction) or by the description itself.
    Its class is renamed after the source model, so messages name it."""

    def __init__(self, net: Network, reference: Callable[[np.ndarray], Any] | None = None) -> None:
        self.net = net
        self.reference = reference

    def predict(self, X: Any) -> np.ndarray:
        A = np.asarray(X, dtype=np.float64).reshape(len(X), *self.net.input.shape)
        return np.asarray(self.reference(A) if self.reference is not None else self.net.predict(A))


def convert(net: Network, X: Any = None, *, reference: Callable[[np.ndarray], Any] | None = None,
            model_name: str | None = None, min_agreement: float = 1.0, max_error: float = 1e-3,
            strict: bool = True, check_rows: int | None = CHECK_ROWS, **options: Any) -> ZkModel:
    """``net`` as a :class:`ZkModel`, checked on ``X`` against ``reference`` (a callable taking
    samples shaped (n, *input_shape) and returning labels or values: the framework's own float model;
    default :meth:`Network.predict`), as :func:`~stdlib_ml.from_sklearn` checks against ``predict``.
    ``model_name``: the source model's class name, for messages. ``options``: those of
    :func:`to_spec`. The bar: ``min_agreement``, ``max_error``, ``strict``, ``check_rows`` (None:
    all rows), as :func:`~stdlib_ml.from_sklearn`. Raises :class:`ConversionError`,
    :class:`~stdlib_ml.convert.ModelInputError`."""
    bar = Fidelity(min_agreement, max_error, strict, check_rows)
    spec = to_spec(net, X, **options)
    wrapper = type(model_name or "Network", (FloatNetwork,), {})(net, reference)
    Xa = None if X is None else _flat(X, net)
    return _finish(spec, wrapper, wrapper, Xa, bar)


__all__ = ["APPROXIMATIONS", "HEADS", "PIECEWISE", "SPARSE_DENSITY", "Approximation", "FloatNetwork", "Network", "Node",
           "Quantized", "convert", "network_spec", "quantize", "to_spec"]
