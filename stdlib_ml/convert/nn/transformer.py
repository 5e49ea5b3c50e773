"""The layers of transformers on a :class:`~.network.Network`: LayerNorm, a softmax inside the network,
embeddings of integer tokens, scaled dot-product and multi-head self-attention, and a whole encoder layer.

Each is built from the network's own nodes, so it lowers, quantizes and renders as they do:

* **LayerNorm** over the last axis: ``c = x − mean(x)`` (affine, free), ``v = mean(c·c) + eps`` (one
  product per value), ``r = 1/√v`` by a ``search`` node, exact in integers (:mod:`stdlib_ml.roots`:
  the largest R with ``R²·V <= 2**n``, so r is 1/√v floored at 2**-(resolution + 4): ``lowering.SEARCH_BITS``),
  then ``c·r`` (one product per value) and γ, β (affine). Its error is that of the floors (steps of 2**-20 on
  the products and 2**-16 on r at the default resolution 12), not an approximation.
* **softmax** over the last axis: ``m = max(x)`` (a tournament of ReLUs, exact), ``e = exp(x − m)``
  by the 9-knot interpolation ``APPROXIMATIONS["exp"]`` on x ≤ 0 (|error| <= 0.0129, measured on
  [-20, 0]), ``1/Σe`` by a ``search`` node (exact, floored at 2**-16) and ``e·(1/Σe)`` (one product per
  value). Each weight is off by at most 0.0129·(1 + T·p)/Σe (Σe >= 1, the maximum's exp(0) = 1 being a
  knot): the conversion's fidelity check against the framework's own labels guards the result.
* **embedding** of token ids t ∈ {0, …, V − 1}: the rows of the table interpolated linearly between
  consecutive ids, ``E[0] + (E[1] − E[0])·t + Σ_k (s_k − s_{k−1})·relu(t − k)``: V − 2 sign tests per
  token (not V·dim), exact at every integer id.
* **attention**: per head ``softmax(q·kᵀ·scale)·v`` with :meth:`Network.matmul` (T·T·d products each).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import sparse

from pyleo import limits

from ..model import ConversionError
from .approximations import APPROXIMATIONS
from .network import Network, Node


def search(net: Network, v: Node, power: float, floor: float, *, where: str = "") -> Node:
    """``max(v, floor)**-power`` elementwise: ``power`` 1 (a reciprocal) or 0.5 (a reciprocal square root)
    of a computed value known to be at least ``floor`` > 0, decided exactly in the circuit
    (:mod:`stdlib_ml.roots`, at 2**(resolution + 4): ``lowering.SEARCH_BITS``). Raises ConversionError for another power."""
    if power not in (1.0, 0.5) or not floor > 0:
        raise ConversionError(f"{where or 'a search'}: only 1/v and 1/sqrt(v) of a value >= floor > 0 are decided")
    node = Node("search", v.shape, (v,), kind="search", params={"power": float(power), "floor": float(floor)},
                where=where)
    net.nodes.append(node)
    return node


def tokenwise(net: Network, x: Node, W: Any, b: Any = None, *, where: str = "") -> Node:
    """``W·x_t + b`` for each row x_t of ``x`` (T, d_in) (a Linear on a sequence): (T, d_out), one
    block-diagonal constant map (0 constraints)."""
    W = np.atleast_2d(np.asarray(W, np.float64))
    T = x.shape[0] if len(x.shape) == 2 else 1
    if x.shape[-1] != W.shape[1]:
        raise ConversionError(f"{where or 'a linear layer'} takes {W.shape[1]} features per token, gets {x.shape}")
    bias = None if b is None else np.tile(np.asarray(b, np.float64).ravel(), T)
    flat = net.reshape(x, (x.size,), where=where)
    y = net.dense(flat, sparse.kron(sparse.identity(T), sparse.csr_matrix(W)).toarray(), bias, where=where)
    return net.reshape(y, (*x.shape[:-1], W.shape[0]), where=where)


def _rows(net: Network, x: Node) -> tuple[int, int, Node]:
    """(rows, last-axis length, x flattened)."""
    d = x.shape[-1]
    return x.size // d, d, net.reshape(x, (x.size,))


def mean(net: Network, x: Node, axes: Any, *, keepdims: bool = False, where: str = "") -> Node:
    """The mean over ``axes`` of ``x`` (non-batch axes): one constant averaging map (0 constraints)."""
    axes = sorted({int(a) % len(x.shape) for a in np.atleast_1d(axes)})
    idx = np.arange(x.size).reshape(x.shape)
    kept = [a for a in range(len(x.shape)) if a not in axes]
    moved = idx.transpose(kept + axes).reshape(-1, int(np.prod([x.shape[a] for a in axes])))
    n_out, k = moved.shape
    M = sparse.csr_matrix((np.full(moved.size, 1.0 / k), (np.repeat(np.arange(n_out), k), moved.ravel())),
                          shape=(n_out, x.size))
    out = net.dense(net.reshape(x, (x.size,), where=where), M.toarray(), where=where)
    shape = [1 if a in axes else s for a, s in enumerate(x.shape)] if keepdims else [x.shape[a] for a in kept]
    return net.reshape(out, shape or (1,), where=where)


def _broadcast(n_rows: int, d: int) -> np.ndarray:
    """The (n_rows·d, n_rows) map repeating each row's value d times."""
    return np.kron(np.eye(n_rows), np.ones((d, 1)))


def layer_norm(net: Network, x: Node, gamma: Any = None, beta: Any = None, eps: float = 1e-5, *,
               where: str = "") -> Node:
    """LayerNorm over the last axis of ``x`` (torch's ``nn.LayerNorm(d)``, ONNX LayerNormalization with
    axis −1, Keras LayerNormalization): ``γ·(x − μ)/√(σ² + eps) + β`` per row, σ² the biased variance.
    ``gamma``, ``beta``: (d,) or None. Cost per row of d values: 2·d products and one exact 1/√v."""
    n, d, flat = _rows(net, x)
    if not eps > 0:
        raise ConversionError(f"{where or 'a layer norm'}: eps must be > 0 (it bounds 1/sqrt(variance)), got {eps}")
    center = np.kron(np.eye(n), np.eye(d) - np.full((d, d), 1.0 / d))
    c = net.rescale(net.dense(flat, center, where=where), where=where)   # floored once, used by two products
    var = net.dense(net.mul(c, c, where=where), np.kron(np.eye(n), np.full((1, d), 1.0 / d)), np.full(n, float(eps)),
                    where=where)
    r = search(net, var, 0.5, float(eps), where=where)
    y = net.mul(c, net.dense(r, _broadcast(n, d), where=where), where=where)
    y.params["bound"] = math.sqrt(d - 1) * 1.01 + 0.01   # |c_i|/√(σ² + eps) <= √(d − 1), floors aside
    g = np.ones(d) if gamma is None else np.asarray(gamma, np.float64).ravel()
    bt = np.zeros(d) if beta is None else np.asarray(beta, np.float64).ravel()
    if g.size != d or bt.size != d:
        raise ConversionError(f"{where or 'a layer norm'}: weight/bias of {g.size}/{bt.size} values for rows of {d}")
    y = net.scale_shift(y, np.tile(g, n), np.tile(bt, n), where=where)
    return net.reshape(y, x.shape, where=where)


def softmax(net: Network, x: Node, *, where: str = "") -> Node:
    """softmax over the last axis of ``x`` (see the module docstring for the circuit and its error).
    Cost per row of T values: T − 1 ReLUs (the maximum), 9·T knot sign tests, one exact 1/Σe, T products."""
    n, T, flat = _rows(net, x)
    m = net.reshape(net.max_pool(net.reshape(x, (n, T), where=where), T, where=where), (n,), where=where)
    z = net.rescale(net.sub(flat, net.dense(m, _broadcast(n, T), where=where), where=where), where=where)
    knots = len(APPROXIMATIONS["exp"].knots)   # one sign test per knot and value: stages of rows within an array's limit
    per = max(limits.MAX_ARRAY_LENGTH // (knots * T), 1) * T
    parts = [net.activation(net.select(z, 0, list(range(i, min(i + per, z.size))), where=where), "exp", where=where)
             for i in range(0, z.size, per)]
    e = parts[0] if len(parts) == 1 else net.concat(parts, 0, where=where)
    total = net.dense(e, np.kron(np.eye(n), np.ones((1, T))), where=where)
    inv = search(net, total, 1.0, 1.0, where=where)
    p = net.mul(e, net.dense(inv, _broadcast(n, T), where=where), where=where)
    return net.reshape(p, x.shape, where=where)


def embedding(net: Network, tokens: Node, table: Any, *, where: str = "") -> Node:
    """``table[t]`` for each token id t of ``tokens`` (T,) (torch's ``nn.Embedding``, ONNX Gather on
    axis 0, Keras Embedding): (T, d), the table (V, d) interpolated between consecutive ids (exact at
    integer ids; the circuit's input range must be [0, V − 1]). Cost: V − 2 sign tests per token."""
    E = np.asarray(table, np.float64)
    if E.ndim != 2 or E.shape[0] < 2:
        raise ConversionError(f"{where or 'an embedding'}: a table of shape {E.shape}; expected (vocabulary >= 2, dim)")
    if len(tokens.shape) != 1:
        raise ConversionError(f"{where or 'an embedding'} looks up a tensor of shape {tokens.shape}; one sequence of "
                              "token ids (T,) per sample is supported")
    V, d = E.shape
    T = tokens.shape[0]
    slopes = np.diff(E, axis=0)                               # (V − 1, d): s_k on [k, k + 1]
    base = np.kron(np.eye(T), slopes[0][:, None])             # E[0] + s_0·t
    out = net.dense(tokens, base, np.tile(E[0], T), where=where)
    if V > 2:
        knots = np.arange(1, V - 1, dtype=np.float64)
        shifted = net.dense(tokens, np.kron(np.eye(T), np.ones((V - 2, 1))), np.tile(-knots, T), where=where)
        ramps = net.relu(shifted, where=where)                # relu(t − k), k = 1 … V − 2
        kinks = np.diff(slopes, axis=0)                       # (V − 2, d): s_k − s_{k−1}
        out = net.add(out, net.dense(ramps, np.kron(np.eye(T), kinks.T), where=where), where=where)
    return net.reshape(out, (T, d), where=where)


def attention(net: Network, q: Node, k: Node, v: Node, *, scale: float | None = None, causal: bool = False,
              where: str = "") -> Node:
    """``softmax(q·kᵀ·scale)·v`` per head (torch's ``scaled_dot_product_attention``): ``q`` (H, T, d) or
    (T, d), ``k`` (H, S, d), ``v`` (H, S, d_v); ``scale`` default 1/√d; ``causal``: position i attends to
    positions <= i only. Returns (H, T, d_v) (or (T, d_v)). Cost per head: T·S·(d + d_v) products and
    T softmax rows of S (:func:`softmax`)."""
    single = len(q.shape) == 2
    if single:
        q, k, v = (net.reshape(a, (1, *a.shape), where=where) for a in (q, k, v))
    if len(q.shape) != 3 or len(k.shape) != 3 or len(v.shape) != 3 or q.shape[0] != k.shape[0] != v.shape[0] \
            or q.shape[2] != k.shape[2] or k.shape[1] != v.shape[1]:
        raise ConversionError(f"{where or 'an attention'}: query {q.shape}, key {k.shape} and value {v.shape} do not "
                              "form (heads, T, d) attention")
    H, T, d = q.shape
    S = k.shape[1]
    if causal and T != S:
        raise ConversionError(f"{where or 'an attention'}: a causal mask needs as many queries as keys ({T} vs {S})")
    factor = 1.0 / math.sqrt(d) if scale is None else float(scale)
    heads = []
    q, k, v = (net.rescale(a, where=where) for a in (q, k, v))   # floored once, not once per product
    for h in range(H):
        qh, kh, vh = (net.select(a, 0, h, where=where) for a in (q, k, v))
        scores = net.mul_const(net.matmul(qh, net.permute(kh, (1, 0), where=where), where=where), factor, where=where)
        if causal:   # row i over keys 0 … i: each row its own softmax
            rows = [softmax(net, net.select(net.select(scores, 0, i, where=where), 0, list(range(i + 1)), where=where),
                            where=where) for i in range(T)]
            mix = [net.matmul(net.reshape(p, (1, i + 1), where=where),
                              net.select(vh, 0, list(range(i + 1)), where=where), where=where) for i, p in enumerate(rows)]
            heads.append(net.concat(mix, 0, where=where))
        else:
            heads.append(net.matmul(softmax(net, scores, where=where), vh, where=where))
    out = net.concat([net.reshape(o, (1, *o.shape), where=where) for o in heads], 0, where=where)
    return net.reshape(out, out.shape[1:], where=where) if single else out


def self_attention(net: Network, x: Node, in_weight: Any, in_bias: Any, out_weight: Any, out_bias: Any, heads: int,
                   *, causal: bool = False, where: str = "") -> Node:
    """torch's ``nn.MultiheadAttention(E, heads, batch_first=True)(x, x, x)`` on ``x`` (T, E): the packed
    projection ``in_weight`` (3E, E) / ``in_bias`` (3E,), per head scaled dot-product attention
    (:func:`attention`), the heads joined and ``out_weight`` (E, E) / ``out_bias`` applied. (T, E)."""
    if len(x.shape) != 2:
        raise ConversionError(f"{where or 'an attention'} takes a sequence (T, E), got {x.shape}")
    T, E = x.shape
    Wi = np.asarray(in_weight, np.float64)
    bi = np.zeros(3 * E) if in_bias is None else np.asarray(in_bias, np.float64)
    if Wi.shape != (3 * E, E) or E % heads:
        raise ConversionError(f"{where or 'an attention'}: in-projection {Wi.shape} for width {E} and {heads} heads; "
                              f"expected ({3 * E}, {E}) and a width divisible by the heads")
    dh = E // heads

    def project(i: int) -> Node:   # (H, T, dh)
        y = tokenwise(net, x, Wi[i * E:(i + 1) * E], bi[i * E:(i + 1) * E], where=where)
        return net.permute(net.reshape(y, (T, heads, dh), where=where), (1, 0, 2), where=where)

    o = attention(net, project(0), project(1), project(2), causal=causal, where=where)
    joined = net.reshape(net.permute(o, (1, 0, 2), where=where), (T, E), where=where)
    return tokenwise(net, joined, out_weight, out_bias, where=where)
