"""PyTorch networks → :class:`~stdlib_ml.convert.nn.Network` → :class:`~stdlib_ml.convert.ZkModel`.

A module (in eval mode) is exported with ``torch.export`` on two calibration rows, an
``ExportedProgram`` (or a ``.pt2`` file from ``torch.export.save``) is taken as it is; either way the
walk reads one ATen graph, node by node, into the shared description (:mod:`.nn`), which quantizes
and renders it. torch is imported only when a torch model is converted (``pip install
'pyleo-zk[torch]'``)."""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import limits

from . import quiet, torch_attention, torch_quantized
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .nn import HEADS, LAYER_APPROXIMATIONS, Network, Node, convert
from .options import calibration_rows, network_rows
from .quantize import MLP_RESOLUTION


INSTALL_HINT = "install pyleo-zk[torch] (pip install 'pyleo-zk[torch]'; CPU wheels: --index-url https://download.pytorch.org/whl/cpu)"

SUPPORTED = ("supported: Linear, Conv1d/Conv2d (stride, padding, dilation, groups), BatchNorm1d/2d (folded), ReLU, "
             "LeakyReLU, PReLU, ReLU6, Hardtanh, Hardsigmoid, clamp, MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool (divisible "
             "sizes), mean over the spatial dimensions, Flatten, view/reshape, permute, select, Dropout, Identity, residual add/sub, "
             "multiplication by a constant or of two computed tensors of one shape, cat, GRU / LSTM / RNN (one layer, "
             "batch_first, zero initial state: unrolled), LayerNorm, Embedding of the input's token ids, "
             "MultiheadAttention (self-attention, batch_first), scaled_dot_product_attention, TransformerEncoderLayer, "
             "a softmax inside the network (exp approximated), "
             f"approximated {', '.join(LAYER_APPROXIMATIONS)} (ELU with any alpha, SELU; approximate=False "
             "refuses them), and a final Softmax / LogSoftmax / Sigmoid")


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ConversionError("converting a PyTorch model needs torch, which is not installed",
                              hint=INSTALL_HINT) from None
    return torch


# ---- reading the graph --------------------------------------------------------------------------
def _where(node: Any) -> str:
    """The layer a graph node comes from: "layer 'features.0' (Conv2d)", or the node's name."""
    stack = node.meta.get("nn_module_stack")
    if stack:
        path, kind = list(stack.values())[-1]
        kind = kind.rsplit(".", 1)[-1] if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
        if path:
            return f"layer '{path}' ({kind})"
        return f"the forward of {kind} (node '{node.name}')"
    return f"node '{node.name}'"


def _op(node: Any) -> str:
    """'conv2d' for aten.conv2d.default, 'getitem' for operator.getitem."""
    name = str(node.target)
    return name.split(".")[1] if name.startswith("aten.") else getattr(node.target, "__name__", name)


_BATCH = "batch"
"""The value of ``x.size(0)`` in a graph exported with a dynamic batch."""

_DROPOUT = {"dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout", "native_dropout"}
"""Dropouts: the identity when their ``train`` argument is False, random masks when it is True."""
_PASS = {"clone", "contiguous", "detach", "alias", "lift_fresh_copy", "_to_copy", "_assert_tensor_metadata"}
_RANDOM = {"bernoulli", "rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "normal", "uniform",
           "randperm", "multinomial", "native_batch_norm", "_native_batch_norm_legit",
           "_native_batch_norm_legit_functional"}
"""Operations that only a model in training mode runs: random draws (a decomposed dropout) and batch norms
that normalize by the batch's own statistics."""


def _train_time(op: str, node: Any, where: str) -> ConversionError | None:
    """Why graph node ``node`` (operation ``op``) computes something else than the model at inference
    (a dropout drawing masks, a batch norm using the batch's statistics), or None. ``where``: the layer."""
    hint = "put every submodule in eval mode (model.eval() sets them all) before converting or exporting"
    args = list(node.args)
    if op in _DROPOUT:
        train = args[2] if len(args) > 2 else node.kwargs.get("train", True)
        if train:
            return ConversionError(f"{where} applies dropout in training mode (it zeroes random values on every run; "
                                   "a functional dropout's training argument defaults to True)",
                                   hint=hint + "; call F.dropout(x, p, training=self.training)")
        return None
    if op == "batch_norm":
        training = args[5] if len(args) > 5 else node.kwargs.get("training", False)
        if not training:
            return None
        if (args[3] if len(args) > 3 else None) is None:
            return ConversionError(f"{where} has no running statistics (track_running_stats=False): even in eval mode "
                                   "it normalizes each batch by that batch's own mean and variance, so a sample's "
                                   "output depends on the rows batched with it, which a proof of one sample cannot "
                                   "reproduce", hint="train it with track_running_stats=True (the default), or "
                                   "remove the batch norm")
        return ConversionError(f"{where} is in training mode: it normalizes each batch by that batch's own mean and "
                               "variance instead of its running statistics", hint=hint)
    first = args[0] if args else None
    if op.endswith("_") and not op.startswith("_") and getattr(first, "op", None) == "get_attr":
        return ConversionError(f"{where} updates its own state in place ({op} on {first.target}: a batch norm in "
                               "training mode counts batches and updates its running statistics), which a model at "
                               "inference does not", hint=hint)
    if op in _RANDOM:
        return ConversionError(f"{where} runs {op}, which only a model in training mode computes (random values or "
                               "batch statistics)", hint=hint)
    return None
_FINAL = {"softmax", "_softmax", "log_softmax", "_log_softmax", "sigmoid"}
NORMALIZING = {"group_norm", "native_group_norm", "instance_norm", "rms_norm", "_fused_rms_norm"}
"""Normalizations by statistics of the sample itself other than LayerNorm (GroupNorm, InstanceNorm, RMSNorm): refused."""


_RECURRENT = {"gru", "lstm", "rnn_tanh", "rnn_relu"}
"""torch's recurrent layers as ATen ops (their ``.input`` overloads), unrolled by :meth:`_Walker._recurrent`."""


class _Layers:
    """A recurrent layer's final states (num_layers, batch, H) of one layer: ``last`` its node, or None
    for a state the circuit does not compute (``what`` names it)."""

    def __init__(self, last: Node | None, what: str = "") -> None:
        self.last = last
        self.what = what


class _Walker:
    """One pass over an exported ATen graph, building the :class:`Network`."""

    def __init__(self, gm: Any, name: str, batch: int) -> None:
        self.torch = _torch()
        self.gm = gm
        self.batch = batch
        self.env: dict[Any, Any] = {}
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 1:
            raise ConversionError(f"the model takes {len(placeholders)} inputs; only models with one input tensor "
                                  "are supported")
        val = placeholders[0].meta.get("val")
        if val is None:
            raise ConversionError("the exported program does not record its input's shape")
        self.input_shape = tuple(int(s) for s in val.shape[1:])
        self.net = Network(self.input_shape, name=name)
        self.env[placeholders[0]] = self.net.input
        self.final: str | None = None
        self.attention: set[str] = set()

    def shape(self, node: Any) -> tuple[int, ...]:
        """A graph node's shape without the batch dimension (its recorded value's)."""
        val = node.meta.get("val")
        return tuple(int(s) for s in val.shape[1:]) if hasattr(val, "shape") else ()

    def value(self, a: Any) -> Any:
        """An argument: a Network node, a constant tensor (as float64 numpy), or a plain value."""
        fx = self.torch.fx
        if isinstance(a, fx.Node):
            return self.env[a]
        if isinstance(a, (list, tuple)):
            return type(a)(self.value(v) for v in a)
        return a

    def const(self, a: Any, where: str) -> np.ndarray | None:
        v = self.value(a)
        if v is None or isinstance(v, np.ndarray):
            return v
        if isinstance(v, (int, float)):
            return np.asarray(float(v))
        raise ConversionError(f"{where}: expected a constant parameter, got a computed tensor")

    def run(self) -> Node:
        out = None
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                continue
            if node.op == "get_attr":
                t = self.gm
                for part in str(node.target).split("."):
                    t = getattr(t, part)
                self.env[node] = t.detach().to(self.torch.float64).cpu().numpy() if hasattr(t, "detach") else t
                continue
            if node.op == "call_module" and str(node.target).startswith("_guards"):
                continue
            if node.op == "output":
                outs = node.args[0]
                outs = outs if isinstance(outs, (list, tuple)) else [outs]
                if len(outs) != 1:
                    raise ConversionError(f"the model returns {len(outs)} tensors; only one output is supported")
                out = self.env[outs[0]]
                continue
            if node.op != "call_function":
                raise ConversionError(f"{_where(node)}: graph node {node.op} {node.target} is not supported; {SUPPORTED}")
            mha = torch_attention.module_of(node)
            if mha is not None:   # read whole, once: its forward moves the batch dimension
                if mha not in self.attention:
                    group = [n for n in self.gm.graph.nodes if torch_attention.module_of(n) == mha]
                    outs = torch_attention.multihead(self.net, group, self.value, self.shape, _where(node))
                    self.env.update({n: _Layers(None, "the attention weights") if v is None else v
                                     for n, v in outs.items()})
                    self.attention.add(mha)
                continue
            self.env[node] = self.call(node)
            if _op(node).endswith("_") and not _op(node).startswith("_") and node.args \
                    and isinstance(node.args[0], self.torch.fx.Node):
                self.env[node.args[0]] = self.env[node]   # an in-place op (relu_, add_): later uses see the result
        if not isinstance(out, Node):
            raise ConversionError("the model's output is not computed from its input")
        return out

    def call(self, node: Any) -> Any:
        op, where = _op(node), _where(node)
        refusal = _train_time(op, node, where)
        if refusal is not None:
            raise refusal
        if op.endswith("_") and not op.startswith("_"):
            op = op[:-1]   # in place on a computed tensor: what the functional op computes
        args = list(node.args)
        kw = dict(node.kwargs)
        net = self.net

        def arg(i: int, name: str, default: Any = None) -> Any:
            return self.value(args[i]) if len(args) > i else self.value(kw.get(name, default))

        x = arg(0, "input")
        if op == "getitem":
            return x[args[1]]
        if op in ("_to_copy", "to"):
            dtype = kw.get("dtype", next((a for a in args[1:] if isinstance(a, self.torch.dtype)), None))
            if dtype is not None and not dtype.is_floating_point and x is not net.input:
                raise ConversionError(f"{where} casts to {dtype} (an index for an embedding or a lookup?): integer "
                                      f"values computed from the input are not supported; {SUPPORTED}")
            return x
        if op in _PASS or op in _DROPOUT:
            return x
        if op == "sym_size":
            return _BATCH
        if op == "cat":
            xs = list(x)
            dim = int(arg(1, "dim", 0))
            if dim == 0 or dim == -len(xs[0].shape) - 1:
                raise ConversionError(f"{where}: concatenating along the batch dimension is not supported")
            return net.concat(xs, dim - 1 if dim > 0 else dim, where=where)
        if op in ("zeros", "new_zeros"):   # an initial recurrent state
            size = arg(1, "size") if op == "new_zeros" else x
            return np.zeros([1 if d is _BATCH else int(d) for d in size])
        if op in _RECURRENT:
            return self._recurrent(op, node, where)
        if isinstance(x, _Layers):
            if x.last is None:
                raise ConversionError(f"{where}: {op} on {x.what}, which the circuit does not compute (use the "
                                      "outputs or the final hidden state)")
            dim = int(arg(1, "dim", 0)) if len(args) > 1 or "dim" in kw else 0
            if op in ("select", "squeeze") and dim == 0 and (op == "squeeze" or int(args[2]) in (0, -1)):
                return x.last
            raise ConversionError(f"{where}: {op} on a recurrent layer's final states (num_layers, batch, H) is "
                                  "supported only as h[0], h[-1] or h.squeeze(0)")
        if op == "embedding":
            return torch_attention.call(net, op, x, arg, where)
        if not isinstance(x, Node):
            raise ConversionError(f"{where}: {op} on constants is not supported; {SUPPORTED}")
        if op == "slice":
            dim = int(arg(1, "dim", 0)) % (len(x.shape) + 1)
            start, end, step = arg(2, "start"), arg(3, "end"), int(arg(4, "step", 1))
            n = _BATCH if dim == 0 else x.shape[dim - 1]
            if dim == 0:
                if (start or 0) == 0 and step == 1 and (end is None or end >= (self.batch or 0) or end is _BATCH):
                    return x
                raise ConversionError(f"{where}: slicing the batch dimension is not supported")
            return net.select(x, dim - 1, list(range(n))[slice(start, end, step)], where=where)
        if op == "select":
            dim = int(arg(1, "dim")) % (len(x.shape) + 1)
            if dim == 0:
                raise ConversionError(f"{where}: selecting one sample of the batch is not supported")
            return net.select(x, dim - 1, int(arg(2, "index")), where=where)
        if op in _FINAL:
            users = list(node.users)
            if len(users) == 1 and users[0].op == "output":
                self.final = op.strip("_")
                return x
            if op in ("log_softmax", "_log_softmax"):
                raise ConversionError(f"{where}: {op} is supported only as the model's last operation (decided by "
                                      f"argmax, no logarithm in the circuit); {SUPPORTED}")
        if op in torch_attention.OPS:
            y = torch_attention.call(net, op, x, arg, where)
            if y is not None:
                return y
        if op == "linear":
            return net.dense(x, self.const(args[1], where), self.const(args[2], where) if len(args) > 2 else None,
                             where=where)
        if op in ("conv1d", "conv2d"):
            W = self.const(args[1], where)
            padding = arg(4, "padding", 0)
            if isinstance(padding, str):
                k = W.shape[2:]
                dil = arg(5, "dilation", 1)
                dil = [dil] * len(k) if isinstance(dil, int) else dil
                if padding == "valid":
                    padding = 0
                elif padding == "same":   # torch pads d·(k − 1) zeros, the odd one after
                    padding = [((kk - 1) * d // 2, (kk - 1) * d - (kk - 1) * d // 2) for kk, d in zip(k, dil)]
                else:
                    raise ConversionError(f"{where}: padding={padding!r} with kernel {tuple(k)} is not supported")
            return net.conv(x, W, self.const(args[2], where) if len(args) > 2 else None, stride=arg(3, "stride", 1),
                            padding=padding, dilation=arg(5, "dilation", 1), groups=int(arg(6, "groups", 1)),
                            where=where)
        if op in ("batch_norm", "_native_batch_norm_legit_no_training"):
            eps = arg(7, "eps", 1e-5) if op == "batch_norm" else arg(6, "eps", 1e-5)
            bn = net.batch_norm(x, self.const(args[3], where), self.const(args[4], where), self.const(args[1], where),
                                self.const(args[2], where), float(eps), where=where)
            return bn if op == "batch_norm" else (bn, None, None)
        if op == "relu":
            return net.relu(x, where=where)
        if op == "leaky_relu":
            return net.leaky_relu(x, float(arg(1, "negative_slope", 0.01)), where=where)
        if op in ("hardtanh", "relu6"):
            low, high = (0.0, 6.0) if op == "relu6" else (float(arg(1, "min_val", -1.0)), float(arg(2, "max_val", 1.0)))
            return net.clip(x, low, high, where=where)
        if op in ("clamp", "clip"):
            low, high = arg(1, "min"), arg(2, "max")
            return net.clip(x, -np.inf if low is None else float(low), np.inf if high is None else float(high),
                            where=where)
        if op == "hardsigmoid":
            return net.hard_sigmoid(x, where=where)
        if op == "elu":
            if float(arg(2, "scale", 1.0)) != 1.0 or float(arg(3, "input_scale", 1.0)) != 1.0:
                raise ConversionError(f"{where}: elu with scale or input_scale (SELU) is not supported; {SUPPORTED}")
            return net.elu(x, float(arg(1, "alpha", 1.0)), where=where)
        if op == "selu":   # scale·elu(x, alpha) with SELU's fixed constants
            return net.mul_const(net.elu(x, 1.6732632423543772, where=where), 1.0507009873554805, where=where)
        if op in ("prelu", "_prelu_kernel"):
            return net.prelu(x, self.const(args[1], where), where=where)
        if op in NORMALIZING:
            raise ConversionError(f"{where}: {op} normalizes each sample by its own mean and standard deviation (a "
                                  "division by a value computed from the input), which the circuit's arithmetic "
                                  "(affine maps and ReLUs) cannot compute", hint="use BatchNorm (its statistics are "
                                  "constants at inference: folded into the neighbouring layers)")
        if op in ("embedding", "index_select", "gather", "index"):
            raise ConversionError(f"{where}: {op} looks rows up by an integer index computed from the input, which "
                                  f"is not supported (the circuit takes real-valued features); {SUPPORTED}")
        if op in ("sigmoid", "tanh", "silu"):
            return net.activation(x, op, where=where)
        if op == "gelu":
            return net.activation(x, "gelu", where=where)   # the erf form's bound; the tanh form differs by < 0.0005 more
        if op in ("max_pool1d", "max_pool2d"):
            if any(d != 1 for d in np.atleast_1d(arg(4, "dilation", 1))) or arg(5, "ceil_mode", False):
                raise ConversionError(f"{where}: max pooling with dilation or ceil_mode is not supported")
            return net.max_pool(x, arg(1, "kernel_size"), arg(2, "stride") or None, arg(3, "padding", 0), where=where)
        if op in ("avg_pool1d", "avg_pool2d"):
            if arg(4, "ceil_mode", False) or arg(6, "divisor_override") is not None:
                raise ConversionError(f"{where}: average pooling with ceil_mode or divisor_override is not supported")
            return net.avg_pool(x, arg(1, "kernel_size"), arg(2, "stride") or None, arg(3, "padding", 0),
                                count_include_pad=bool(arg(5, "count_include_pad", True)), where=where)
        if op in ("adaptive_avg_pool1d", "adaptive_avg_pool2d"):
            size = arg(1, "output_size")
            size = [size] * (len(x.shape) - 1) if isinstance(size, int) else list(size)
            spatial = x.shape[1:]
            if any(o is None or s % o for s, o in zip(spatial, size)):
                raise ConversionError(f"{where}: adaptive pooling from {spatial} to {tuple(size)} is supported only "
                                      "when each size divides the input's")
            kernel = [s // o for s, o in zip(spatial, size)]
            return net.avg_pool(x, kernel, kernel, 0, where=where)
        if op == "mean":
            dims = arg(1, "dim")
            dims = sorted(int(d) % (len(x.shape) + 1) for d in ([dims] if isinstance(dims, int) else dims or []))
            if len(x.shape) < 2 or dims != list(range(2, len(x.shape) + 1)):
                raise ConversionError(f"{where}: mean over dimensions {dims} is supported only over all spatial "
                                      "dimensions (global average pooling)")
            pooled = net.avg_pool(x, list(x.shape[1:]), where=where)
            return pooled if arg(2, "keepdim", False) else net.reshape(pooled, (x.shape[0],), where=where)
        if op == "flatten":
            start, end = int(arg(1, "start_dim", 0)), int(arg(2, "end_dim", -1))
            full = (_BATCH, *x.shape)
            start, end = start % len(full), end % len(full)
            if start == 0:
                raise ConversionError(f"{where}: flattening the batch dimension is not supported")
            shape = (*full[1:start], int(np.prod(full[start:end + 1])), *full[end + 1:])
            return net.reshape(x, shape, where=where)
        if op == "permute":
            dims = [int(d) % (len(x.shape) + 1) for d in arg(1, "dims")]
            if dims[0] != 0:
                raise ConversionError(f"{where}: a permutation that moves the batch dimension is not supported")
            return net.permute(x, [d - 1 for d in dims[1:]], where=where)
        if op in ("view", "reshape", "_unsafe_view"):
            shape = list(arg(1, "size"))
            if not shape or not (shape[0] is _BATCH or shape[0] in (self.batch, -1)):
                raise ConversionError(f"{where}: reshaping to {tuple(shape)} mixes samples (the first dimension must "
                                      "stay the batch)")
            if not all(isinstance(d, int) for d in shape[1:]):
                raise ConversionError(f"{where}: reshaping to a size computed at run time ({shape[1:]}) is not "
                                      "supported; use constant sizes (or flatten)")
            return net.reshape(x, shape[1:], where=where)
        if op in ("add", "sub"):
            other = arg(1, "other")
            alpha = float(arg(2, "alpha", 1.0))
            if isinstance(other, Node):
                other = other if alpha == 1.0 else net.mul_const(other, alpha, where=where)
                return net.add(x, other, where=where) if op == "add" else net.sub(x, other, where=where)
            c = np.asarray(other, np.float64) * alpha * (1.0 if op == "add" else -1.0)
            return net.scale_shift(x, 1.0, self._broadcast(c, x, where), where=where)
        if op in ("matmul", "mm") and isinstance(arg(1, "other"), Node):
            return net.matmul(x, arg(1, "other"), where=where)
        if op == "mul":
            other = arg(1, "other")
            if isinstance(other, Node):
                return net.mul(x, other, where=where)
            return net.scale_shift(x, self._broadcast(np.asarray(other, np.float64), x, where), 0.0, where=where)
        raise ConversionError(f"{where}: {op} ({node.target}) is not supported; {SUPPORTED}")

    def _recurrent(self, op: str, node: Any, where: str) -> tuple[Node, Any, ...]:
        """torch's GRU / LSTM / RNN (aten.gru/lstm/rnn_tanh/rnn_relu.input) unrolled: one layer, one
        direction, batch first, zero initial states, biases or none."""
        x, hx, params, has_biases, layers, _dropout, train, bidirectional, batch_first = \
            [self.value(a) for a in node.args[:9]]
        kind = {"gru": "GRU", "lstm": "LSTM"}.get(op, "RNN")
        if train:
            raise ConversionError(f"{where} runs its {kind} in training mode (dropout between layers)",
                                  hint="call model.eval() before converting")
        if layers != 1 or bidirectional:
            raise ConversionError(f"{where}: a {kind} with num_layers={layers}, bidirectional={bidirectional} is not "
                                  "supported (one layer, one direction: stack single-layer modules instead)")
        if not batch_first:
            raise ConversionError(f"{where}: a {kind} with batch_first=False takes the sequence first, the batch "
                                  "second; the circuit takes one sample", hint=f"build the {kind} with batch_first=True")
        if not isinstance(x, Node):
            raise ConversionError(f"{where}: the {kind}'s input is not computed from the model's input")
        states = hx if isinstance(hx, (list, tuple)) else [hx]
        if any(not isinstance(h, np.ndarray) or np.any(h != 0) for h in states):
            raise ConversionError(f"{where}: the {kind} starts from a given state; only zero initial states (the "
                                  "default) are supported")
        W = list(params) + [None, None]
        if len(x.shape) != 2:
            raise ConversionError(f"{where}: the {kind} takes a sequence of shape {x.shape}; expected (T, F)")
        build = {"gru": self.net.gru, "lstm": self.net.lstm}.get(op)
        if build is None:
            out, h = self.net.rnn(x, W[0], W[1], W[2] if has_biases else None, W[3] if has_biases else None,
                                  nonlinearity="relu" if op == "rnn_relu" else "tanh", where=where)
        else:
            out, h = build(x, W[0], W[1], W[2] if has_biases else None, W[3] if has_biases else None, where=where)
        return (out, _Layers(h)) if op != "lstm" else (out, _Layers(h), _Layers(None, "the LSTM's cell state"))

    def _broadcast(self, c: np.ndarray, x: Node, where: str) -> np.ndarray:
        """A constant operand as one value per element of ``x`` (its batch dimension dropped)."""
        c = np.asarray(c, np.float64)
        if c.ndim > len(x.shape):
            if c.shape[0] != 1:
                raise ConversionError(f"{where}: a constant of shape {c.shape} varies along the batch")
            c = c[0]
        try:
            return np.broadcast_to(c, x.shape).ravel()
        except ValueError:
            raise ConversionError(f"{where}: a constant of shape {c.shape} does not broadcast to {x.shape}") from None


# ---- entry point --------------------------------------------------------------------------------
def _program(model: Any, X: np.ndarray | None) -> tuple[Any, Any]:
    """(exported program, the callable float model) for a module, an ExportedProgram or a .pt2 path."""
    if isinstance(model, (str, os.PathLike)):
        p = Path(model)
        if not p.is_file():
            raise ModelInputError(f"no such model file: {p}")
        if not zipfile.is_zipfile(p):   # refused before torch is imported (seconds)
            raise ModelInputError(f"{p} is not a readable torch.export program (.pt2): the file is damaged, truncated "
                                  "or of another format (a .pt2 file is a zip archive; this is not one)",
                                  hint="save one with torch.export.save(torch.export.export(net.eval(), (x,)), path)")
    torch = _torch()
    if isinstance(model, (str, os.PathLike)):
        try:
            with quiet.silenced():   # torch logs its own traceback of a damaged file before raising
                model = torch.export.load(p)
        except Exception as e:  # noqa: BLE001 - any failure to read is a bad input file
            first = str(e).strip().splitlines()[0] if str(e).strip() else "no detail"
            raise ModelInputError(f"{p} is not a readable torch.export program (.pt2): the file is damaged, truncated "
                                  f"or of another format ({type(e).__name__}: {first})",
                                  hint="save one with torch.export.save(torch.export.export(net.eval(), (x,)), path)") from None
    if isinstance(model, torch.export.ExportedProgram):
        return model, model.module()
    if not isinstance(model, torch.nn.Module):
        raise ConversionError(f"{type(model).__name__} is not a torch.nn.Module, torch.export.ExportedProgram or "
                              ".pt2 file")
    _require_eval(model)
    if X is None:
        raise ModelInputError(f"converting the module {type(model).__name__} needs calibration rows X (its input "
                              "shape comes from them)", hint="pass X, e.g. the training set")
    example = torch.as_tensor(np.asarray(X[: min(len(X), 2)]), dtype=torch.float32)
    if len(example) == 1:
        example = example.repeat(2, *[1] * (example.ndim - 1))
    try:
        with torch.no_grad():
            ep = torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim.AUTO},))
    except Exception as e:  # noqa: BLE001 - torch.export's own errors, whatever their class
        raise ConversionError(f"torch.export could not trace {type(model).__name__}: {type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else ''}",
                              hint="the forward must be traceable on a batch shaped like X (no data-dependent "
                              "control flow)") from None
    return ep, model


def _require_eval(model: Any) -> None:
    """Refuse a module that is not wholly in eval mode, naming every submodule left in training mode
    (Dropout drops and BatchNorm uses batch statistics there; a custom module may branch on ``self.training``)."""
    cls = type(model).__name__
    training = [f"'{name}' ({type(m).__name__})" for name, m in model.named_modules() if name and m.training]
    shown = ", ".join(training[:6]) + (f" and {len(training) - 6} more" if len(training) > 6 else "")
    if model.training:
        raise ConversionError(f"{cls} is in training mode (Dropout and BatchNorm behave differently)", hint="call model.eval() before converting it")
    if training:
        raise ConversionError(f"{cls} is in eval mode, but its submodule{'s' if len(training) > 1 else ''} {shown} "
                              f"{'are' if len(training) > 1 else 'is'} in training mode (set after model.eval()?): "
                              "there Dropout drops random values and BatchNorm normalizes by the batch's statistics, "
                              "so the circuit would not compute what the module computes",
                              hint="call .eval() on the model once more (it sets every submodule) before converting")


def _program_name(model: Any) -> str:
    """The Aleo program name a model's class suggests: ``DigitsCNN`` → ``digits_cnn`` (``network``
    when the class name has no letters to start with), 10+ characters (:func:`pyleo.limits.derived_program_name`:
    ``MLP`` → ``mlp_zk_model``)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", type(model).__name__).lower()
    name = re.sub(r"[^a-z0-9_]+", "_", name).strip("_")
    return limits.derived_program_name(name if re.match(r"^[a-z]", name) else "network")


def _batch(ep: Any) -> int | None:
    """The batch size the program was exported for, or None when it is dynamic."""
    ph = [n for n in ep.graph_module.graph.nodes if n.op == "placeholder" and n.meta.get("val") is not None]
    size = ph[-1].meta["val"].shape[0] if ph else None
    return size if isinstance(size, int) else None


def _run_batched(program: Any, A: np.ndarray, batch: int | None) -> np.ndarray:
    """``program`` on rows ``A`` (float32), in chunks of ``batch`` rows when its batch is fixed (the
    last chunk padded with copies of its first row)."""
    torch = _torch()
    chunks = [A] if batch is None else [A[i:i + batch] for i in range(0, len(A), batch)]
    outs = []
    with torch.no_grad():
        for c in chunks:
            pad = 0 if batch is None else batch - len(c)
            t = torch.as_tensor(np.concatenate([c, np.repeat(c[:1], pad, axis=0)]) if pad else c, dtype=torch.float32)
            y = program(t)
            outs.append(y.detach().cpu().numpy().astype(np.float64).reshape(len(t), -1)[:len(c)])
    return np.concatenate(outs)


def from_torch(model: Any, X: Any = None, *, head: str | None = None, classes: Iterable[Any] | None = None,
               input_range: Any = None, input_bits: int | Sequence[int] | None = None, name: str | None = None,
               weights: str = "public", inputs: str = "private", output: str = "public",
               resolution: int = MLP_RESOLUTION, approximate: bool = True, min_agreement: float = 1.0,
               max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
               fit: bool = True) -> ZkModel:
    """Convert a PyTorch network to a :class:`ZkModel`, as :func:`~stdlib_ml.from_sklearn` converts an estimator.

    ``model``: a ``torch.nn.Module`` in eval mode (exported with ``torch.export`` on the first rows of
    ``X``), a ``torch.export.ExportedProgram``, the path of a ``.pt2`` file (``torch.export.save``), or of a
    ``.pt`` / ``.pth`` file of ``torch.save(module)`` (:func:`load`). A module quantized by
    ``torch.ao.quantization`` (post-training static, eager or FX graph mode) converts bit-exactly
    (:mod:`.torch_quantized`): ``X`` is then its quint8 input tensor's integers, checked value by value
    against the module's quint8 outputs, and ``head``, ``classes``, ``input_range``, ``input_bits``,
    ``resolution``, ``approximate`` and ``fit`` do not apply (the head is the argmax).
    ``X``: calibration rows, (n_samples, *input_shape) floats as the model takes them (for an
    exported program also flattened, (n_samples, n_features)): the input range, and the self-check
    against the model's own float output (required for a module, which is exported on its first rows). ``head``: how outputs decide (:data:`~stdlib_ml.convert.nn.HEADS`);
    default: argmax for several outputs (a final Softmax / LogSoftmax is dropped), a threshold for one
    output behind a final Sigmoid (class 1 when > 0.5), else regression. ``classes``: the labels
    (default 0 … k−1). ``approximate``: accept the piecewise-linear sigmoid / tanh / GELU / SiLU
    inside the network (:data:`~stdlib_ml.convert.nn.APPROXIMATIONS`), else refuse them;
    ``resolution``: bits per input spread and weight (:func:`~stdlib_ml.convert.nn.to_spec`); ``fit``: lower
    it as far as needed for the network to prove here (:func:`~stdlib_ml.convert.nn.convert`). The
    other options are :func:`~stdlib_ml.from_sklearn`'s. The circuit takes samples flattened (C
    order): ``zk.predict`` accepts them either way.

    Raises :class:`ConversionError` (torch missing: "install pyleo-zk[torch]"; an unsupported layer,
    named with its type and place; fidelity below the bar) and :class:`ModelInputError` (bad ``X``,
    unreadable file)."""
    torch = _torch()
    Xa = calibration_rows(X, samples=True)
    if isinstance(model, (str, os.PathLike)) and Path(model).suffix.lower() in SAVED_SUFFIXES:
        model = load(model)
    if isinstance(model, torch.nn.Module) and torch_quantized.is_quantized(model):
        return torch_quantized.from_quantized(model, Xa, name or _program_name(model), dict(
            name=name or _program_name(model), weights=weights, inputs=inputs, output=output,
            min_agreement=min_agreement, max_error=max_error, strict=strict, check_rows=check_rows))
    ep, float_model = _program(model, Xa)
    source = model if isinstance(model, torch.nn.Module) else float_model
    model_name = type(source).__name__
    walker = _Walker(ep.module(), name or _program_name(source), _batch(ep))
    out = walker.run()
    net = walker.net
    Xa = network_rows(Xa, net.input.shape, model_name)
    final = walker.final
    if head is None:
        head = "argmax" if out.size > 1 else "threshold" if final == "sigmoid" else "regression"
    if not isinstance(head, str) or head not in HEADS:
        raise ConversionError(f"head must be one of {', '.join(map(repr, HEADS))}, got {head!r}")
    if head == "regression" and final is not None:
        raise ConversionError(f"{model_name} ends in {final}: it classifies; use head='argmax' or 'threshold'")
    net.output(out, head, classes)
    cut = 0.5 if final == "sigmoid" else 0.0
    labels = np.asarray(net.classes) if net.classes is not None else None

    fixed_batch = None if isinstance(float_model, torch.nn.Module) and float_model is model else walker.batch

    def reference(A: np.ndarray) -> np.ndarray:
        y = _run_batched(float_model, A, fixed_batch)
        if head == "regression":
            return y[:, 0]
        return labels[np.argmax(y, axis=1) if head == "argmax" else (y[:, 0] > cut).astype(np.int64)]

    return convert(net, Xa, reference=reference, model_name=model_name, input_range=input_range,
                   input_bits=input_bits, name=name or net.name, weights=weights, inputs=inputs, output=output,
                   resolution=resolution, approximate=approximate, min_agreement=min_agreement,
                   max_error=max_error, strict=strict, check_rows=check_rows, fit=fit)


FAMILIES = ("PyTorch: " + SUPPORTED.removeprefix("supported: ") + "; quantized modules (torch.ao.quantization, "
            "bit-exact): " + torch_quantized.SUPPORTED.removeprefix("supported PyTorch quantized modules "))
"""What this frontend converts, in words."""

PRIVATE = "PyTorch, Keras and ONNX networks (every weight and bias private)"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` or ``torch.export.ExportedProgram`` (the registry matched its package)."""
    return True


SAVED_SUFFIXES = (".pt", ".pth")
"""Files of ``torch.save(model, path)``: a whole module pickled (a quantized one converts; see :func:`load`)."""


def load(path: str | os.PathLike[str]) -> Any:
    """The model in a file: the ``torch.export.ExportedProgram`` of a ``.pt2`` file, or the module a ``.pt`` /
    ``.pth`` file of ``torch.save(model, path)`` holds (unpickling runs code from the file: load only files you
    trust). Raises :class:`ModelInputError` for a missing or damaged file, a state dict (weights without their
    module) or a module whose class is not importable here, and :class:`ConversionError` for a TorchScript
    archive (``torch.jit.save``), whose code pyleo does not read."""
    p = Path(path)
    if p.suffix.lower() not in SAVED_SUFFIXES:
        return _program(path, None)[0]
    if not p.is_file():
        raise ModelInputError(f"no such model file: {p}")
    if not zipfile.is_zipfile(p):
        raise ModelInputError(f"{p} is not a readable torch.save file: the file is damaged, truncated or of another "
                              "format (torch.save writes a zip archive; this is not one)")
    with zipfile.ZipFile(p) as z:
        names = z.namelist()
    if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
        raise ConversionError(f"{p} is a TorchScript archive (torch.jit.save): its forward is TorchScript code, "
                              "which pyleo does not read", hint="save the module itself: torch.save(model, path) "
                              "(a quantized module), or torch.export.save(torch.export.export(model, (x,)), "
                              "'model.pt2') (a float one)")
    torch = _torch()
    try:
        with quiet.silenced(), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch's notices about its own storage classes
            model = torch.load(p, weights_only=False)
    except (AttributeError, ImportError) as e:   # pickle: the module's class is not importable here
        raise ModelInputError(f"{p} holds a module whose class is not importable here ({e}): torch.save pickles a "
                              "module by reference to its class", hint="define or import the class before loading "
                              "(convert in Python with from_torch), or save an FX graph module (convert_fx's result "
                              "loads anywhere)") from None
    except Exception as e:  # noqa: BLE001 - any failure to read is a bad input file
        first = str(e).strip().splitlines()[0] if str(e).strip() else "no detail"
        raise ModelInputError(f"{p} is not a readable torch.save file ({type(e).__name__}: {first})") from None
    if not isinstance(model, torch.nn.Module):
        raise ModelInputError(f"{p} holds a {type(model).__name__}, not a module"
                              + (" (a state dict: weights without the module that uses them)"
                                 if isinstance(model, dict) else ""), hint="save the module: torch.save(model, path)")
    return model


def float_model(model: Any) -> Any:
    """A PyTorch model has no ``predict``: how its outputs decide (the head) is chosen when it is
    converted, whose self-check runs it (:func:`from_torch`). Raises :class:`ConversionError`."""
    raise ConversionError(f"{type(model).__name__} has no predict of its own: its outputs decide by the head chosen "
                          "when it is converted", hint="convert it with from_torch(model, X): zk.fidelity is the check "
                          "against its own float output")
