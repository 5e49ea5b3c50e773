"""PyTorch's transformer layers in an exported ATen graph (:mod:`.torch`'s walker calls these): LayerNorm,
a softmax inside the network, embeddings of the input's token ids, ``scaled_dot_product_attention``, Linear
on sequences, transposes and means, and ``nn.MultiheadAttention`` read whole from its module's nodes
(its forward moves the batch dimension, which a description of one sample cannot follow op by op).
The layers themselves are :mod:`.nn.transformer`'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .model import ConversionError
from .nn import Network, Node
from .nn import transformer as tf

OPS = {"layer_norm", "native_layer_norm", "embedding", "scaled_dot_product_attention", "transpose", "linear",
       "mean", "softmax", "_softmax", "_safe_softmax", "unsqueeze", "squeeze", "unflatten"}
"""The ATen operations :func:`call` may take (it returns None for the forms it leaves to the walker)."""

MHA = "MultiheadAttention"


def call(net: Network, op: str, x: Any, arg: Callable[[int, str, Any], Any], where: str) -> Any:
    """``op`` on ``x`` (a node, or for ``embedding`` the table), the other arguments by ``arg(i, name,
    default)``; None when the walker's own rule applies (a Linear on a vector, a spatial mean, a final
    softmax). Raises ConversionError naming ``where``."""
    if op == "embedding":
        tokens = arg(1, "indices", None)
        if not isinstance(tokens, Node) or not isinstance(x, np.ndarray):
            raise ConversionError(f"{where}: an embedding of indices that are not the model's input token ids")
        return tf.embedding(net, tokens, x, where=where)
    if not isinstance(x, Node):
        return None
    if op in ("layer_norm", "native_layer_norm"):
        shape = list(arg(1, "normalized_shape", None))
        if shape != [x.shape[-1]]:
            raise ConversionError(f"{where}: a layer norm over the last {len(shape)} dimensions {tuple(shape)} of a "
                                  f"tensor {x.shape}; only over the last one is supported")
        y = tf.layer_norm(net, x, arg(2, "weight", None), arg(3, "bias", None), float(arg(4, "eps", 1e-5)), where=where)
        return y if op == "layer_norm" else (y, None, None)
    if op in ("softmax", "_softmax", "_safe_softmax"):
        if int(arg(1, "dim", -1)) % (len(x.shape) + 1) != len(x.shape):
            raise ConversionError(f"{where}: a softmax over dimension {arg(1, 'dim', -1)} of a tensor "
                                  f"(batch, {', '.join(map(str, x.shape))}); only over the last one is supported")
        return tf.softmax(net, x, where=where)
    if op == "scaled_dot_product_attention":
        k, v = arg(1, "key", None), arg(2, "value", None)
        if arg(3, "attn_mask", None) is not None:
            raise ConversionError(f"{where}: scaled_dot_product_attention with an attn_mask is not supported "
                                  "(is_causal=True is)")
        if not isinstance(k, Node) or not isinstance(v, Node):
            raise ConversionError(f"{where}: attention with a constant key or value is not supported")
        return tf.attention(net, x, k, v, scale=arg(6, "scale", None), causal=bool(arg(5, "is_causal", False)),
                            where=where)
    if op == "transpose":
        a, b = (int(arg(i, n, 0)) % (len(x.shape) + 1) for i, n in ((1, "dim0"), (2, "dim1")))
        if 0 in (a, b):
            raise ConversionError(f"{where}: a transpose that moves the batch dimension is not supported")
        axes = list(range(len(x.shape)))
        axes[a - 1], axes[b - 1] = axes[b - 1], axes[a - 1]
        return net.permute(x, axes, where=where)
    if op == "unsqueeze":
        dim = int(arg(1, "dim", 0)) % (len(x.shape) + 2)
        if dim == 0:
            raise ConversionError(f"{where}: unsqueezing before the batch dimension is not supported")
        return net.reshape(x, (*x.shape[:dim - 1], 1, *x.shape[dim - 1:]), where=where)
    if op == "unflatten":
        dim, sizes = int(arg(1, "dim", 0)) % (len(x.shape) + 1), [int(s) for s in arg(2, "sizes", None)]
        if dim == 0:
            raise ConversionError(f"{where}: unflattening the batch dimension is not supported")
        return net.reshape(x, (*x.shape[:dim - 1], *sizes, *x.shape[dim:]), where=where)
    if op == "squeeze":
        dims = arg(1, "dim", None)
        dims = range(1, len(x.shape) + 1) if dims is None else np.atleast_1d(dims)
        drop = {int(d) % (len(x.shape) + 1) for d in dims} - {0}
        return net.reshape(x, [s for i, s in enumerate(x.shape, 1) if not (i in drop and s == 1)] or [1], where=where)
    if op == "linear" and len(x.shape) > 1:
        W, b = arg(1, "weight", None), arg(2, "bias", None)
        if not isinstance(W, np.ndarray) or isinstance(b, Node):
            raise ConversionError(f"{where}: a linear layer with computed weights is not supported")
        seq = net.reshape(x, (x.size // x.shape[-1], x.shape[-1]), where=where)
        return net.reshape(tf.tokenwise(net, seq, W, b, where=where), (*x.shape[:-1], W.shape[0]), where=where)
    if op == "mean":
        dims = arg(1, "dim", None)
        dims = range(1, len(x.shape) + 1) if dims is None else np.atleast_1d(dims)
        axes = sorted({int(d) % (len(x.shape) + 1) for d in dims})
        if 0 in axes:
            raise ConversionError(f"{where}: a mean over the batch dimension is not supported")
        if len(x.shape) >= 2 and axes == list(range(2, len(x.shape) + 1)):
            return None   # global average pooling: the walker's rule
        return tf.mean(net, x, [a - 1 for a in axes], keepdims=bool(arg(2, "keepdim", False)), where=where)
    return None


def module_of(node: Any) -> str | None:
    """The path of the ``nn.MultiheadAttention`` a graph node belongs to (outermost), or None."""
    for path, kind in (node.meta.get("nn_module_stack") or {}).values():
        name = kind.rsplit(".", 1)[-1] if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
        if name == MHA:
            return path
    return None


def multihead(net: Network, nodes: list[Any], value: Callable[[Any], Any], batch_shape: Callable[[Any], tuple],
              where: str) -> dict[Any, Any]:
    """``nn.MultiheadAttention(E, H, batch_first=True)(x, x, x)`` from the graph ``nodes`` of one module
    (in order): its input (the one computed tensor they read from outside), the packed in-projection
    and out-projection (its first and last ``linear``), its heads (from its attention's (batch, H, T, d)
    operands). Returns {graph node: value} for the nodes used outside the module: the attention output
    (batch, T, E), or None for the averaged weights (which the circuit does not compute). Raises
    ConversionError for cross-attention, masks, bias_k/bias_v, batch_first=False, separate projections."""
    inside = set(nodes)
    sources, constants = [], []
    for n in nodes:
        for a in list(n.args) + list(n.kwargs.values()):
            for b in a if isinstance(a, (list, tuple)) else [a]:
                if hasattr(b, "op") and b not in inside:
                    v = value(b)
                    if isinstance(v, Node) and v not in sources:
                        sources.append(v)
                    elif isinstance(v, np.ndarray) and not (n.op == "call_function" and "linear" in str(n.target)):
                        constants.append(b.name)
    if len(sources) != 1:
        raise ConversionError(f"{where}: attention over {len(sources)} different computed inputs (cross-attention, "
                              "or a computed mask) is not supported; self-attention mha(x, x, x) is")
    if constants:
        raise ConversionError(f"{where}: attention with constant masks or extra key/value biases ({', '.join(constants)})"
                              " is not supported")
    first = next(n for n in nodes if n.op == "call_function" and any(value(a) is sources[0] for a in n.args))
    if "transpose" not in str(first.target):   # batch_first=True swaps batch and sequence first
        raise ConversionError(f"{where}: an attention with batch_first=False takes the sequence first, the batch "
                              "second; the circuit takes one sample", hint="build it with batch_first=True")
    x = sources[0]
    linears = [n for n in nodes if "linear" in str(n.target)]
    if len(linears) != 2 or len(x.shape) != 2:
        raise ConversionError(f"{where}: expected a packed in-projection and an out-projection over a sequence "
                              f"(T, E) (batch_first=True); found {len(linears)} linear maps on {x.shape}")
    shapes = [batch_shape(n.args[0]) for n in nodes if "bmm" in str(n.target)]
    heads = None
    for n in nodes:
        if "scaled_dot_product_attention" in str(n.target):
            heads = batch_shape(n.args[0])[0]
    if heads is None:   # the need_weights path: q·kᵀ by bmm over (batch·H, T, d)
        d = next((s[-1] for s in shapes if s), None)
        heads = x.shape[1] // d if d else None
    if not heads:
        raise ConversionError(f"{where}: the attention's heads could not be read from its graph")
    W_in, b_in = (value(a) for a in linears[0].args[1:3])
    W_out, b_out = (value(a) for a in linears[1].args[1:3])
    y = tf.self_attention(net, x, W_in, b_in, W_out, b_out, int(heads), where=where)
    after = {linears[1]}
    for n in nodes[nodes.index(linears[1]):]:
        if any(a in after for a in n.all_input_nodes):
            after.add(n)
    return {n: y if n in after else None for n in nodes if any(u not in inside for u in n.users)}
