"""The ONNX frontend's neural graphs (:mod:`stdlib_ml.convert.onnx` reads the graph): ``Gemm``,
``MatMul``, ``Conv``, ``Relu`` ... onto the shared network description (:class:`stdlib_ml.convert.nn.Network`),
shapes and constants folded. Imports no ML framework: the graph comes read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import nn
from .nn import transformer
from .model import ConversionError

NN_OPS = ("Gemm", "MatMul", "Conv", "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Clip", "HardSigmoid", "Sigmoid",
          "Tanh", "Gelu", "BatchNormalization", "Flatten", "Reshape", "Unsqueeze", "Squeeze", "AveragePool",
          "GlobalAveragePool", "ReduceMean", "MaxPool", "Dropout", "Identity", "Cast", "Add", "Sub", "Mul", "Div",
          "Concat", "Transpose", "Softmax", "LogSoftmax", "ArgMax", "Shape", "Gather")
"""The neural operators :func:`network` converts (``Add`` / ``Sub`` / ``Mul`` / ``Div`` by constants: per
element of a vector or per channel; ``ReduceMean`` over all spatial axes: a global average pool;
``Softmax`` / ``LogSoftmax`` / ``ArgMax`` / a ``Sigmoid`` only last; ``Shape`` and ``Gather`` /
``Unsqueeze`` / ``Concat`` / ``Cast`` on shapes and constants are folded, a dynamic batch kept as the
batch: torch.onnx's ``x.view(x.size(0), -1)``)."""

BATCH = "batch"
"""The batch dimension in a folded shape (``Shape`` of a tensor with a dynamic batch)."""

SUPPORTED_NN = ("supported neural operators: " + ", ".join(NN_OPS) + " (Softmax, LogSoftmax and ArgMax as the last "
                "operator; Sigmoid last decides by a threshold, elsewhere it and Tanh, Gelu, Elu and Selu are "
                "approximated)")


TRAINING_HINT = "export the model in inference mode (torch.onnx.export(model.eval(), ...) with its default training=EVAL)"
"""What to do about a graph exported in training mode."""


@dataclass
class _Head:
    """A final Softmax / LogSoftmax / ArgMax / Sigmoid: how the scores ``node`` decide."""

    head: str
    decide: str
    node: Any
    op: int


def network(g: Any, X: np.ndarray | None, float_model: Callable[[str, str, str], Any]) -> tuple[Any, Any]:
    """The :class:`~stdlib_ml.convert.nn.Network` the neural graph ``g`` (a read
    :class:`~stdlib_ml.convert.onnx.Graph`) computes, and its float model, ``float_model(kind, decide, op)``
    (the frontend's :class:`~stdlib_ml.convert.onnx.OnnxGraph` of ``g``). ``X``: calibration rows, which
    give the input's shape when the graph leaves it open. Raises :class:`ConversionError` for an
    operator or attribute not supported, named with its place in the graph."""
    dims = g.input_shape[1:]
    if not dims or not all(dims):
        if X is None or (len(dims) > 1 and X.ndim < 2):
            raise ConversionError(f"the ONNX graph's input {g.input!r} has shape {g.input_shape}, open beyond the batch",
                                  hint="export it with a fixed sample shape, or pass X shaped (n, *sample_shape)")
        dims = list(X.shape[1:])
    net = nn.Network(tuple(int(d) for d in dims), name="onnx_network")
    env: dict[str, Any] = {g.input: net.input}
    path = g.path()
    for i in path:
        _node(g, i, net, env)
    out = env.get(g.output)
    if out is None:
        raise ConversionError(f"the ONNX graph's output {g.output!r} is a constant, not computed from the input")
    if isinstance(out, _Head):
        net.output(out.node, out.head, classes=[0, 1] if out.head == "threshold" else None)
        decide, op = out.decide, g.nodes[out.op].op_type
    else:
        head = "regression" if out.size == 1 else "argmax"
        net.output(net.flatten(out) if len(out.shape) > 1 else out, head)
        decide, op = ("value" if head == "regression" else "argmax"), g.nodes[path[-1]].op_type
    kind = "regressor" if decide == "value" else "classifier"
    layers = [g.nodes[i].op_type for i in path if g.nodes[i].op_type not in ("Constant", "Identity", "Dropout", "Cast")]
    net.title = (f"ONNX network {'→'.join(dict.fromkeys(layers)) if len(layers) > 8 else '→'.join(layers)} "
                 f"({net.n_features} inputs), converted to pyleo.")
    return net, float_model(kind, decide, op)


def _node(g: Any, i: int, net: Any, env: dict[str, Any]) -> None:
    """Add node ``i`` to ``net``, its inputs looked up in ``env`` (graph value → network node or
    :class:`_Head`); constants are ``g.consts``."""
    node = g.nodes[i]
    op, where, a = node.op_type, g.where(i), g.attrs(i)
    if op == "Constant":
        return
    if node.domain not in ("", "ai.onnx") or op not in NN_OPS + ("LayerNormalization",):
        raise g.unsupported(i, SUPPORTED_NN)

    def value(k: int) -> Any:   # a network node (a Sigmoid not last becomes its approximation)
        name = node.input[k]
        v = env.get(name)
        if isinstance(v, np.ndarray):
            raise g.unsupported(i, SUPPORTED_NN, f"takes the shape or constant {name!r} where a tensor computed "
                                "from the input is expected")
        if isinstance(v, _Head):
            if g.nodes[v.op].op_type != "Sigmoid":
                raise ConversionError(f"ONNX {g.where(v.op)} is supported only as the last operator (it decides the "
                                      f"label), but {where} uses its output", hint=SUPPORTED_NN)
            v = env[name] = net.activation(v.node, "sigmoid", where=g.where(v.op))
        if v is None:
            raise ConversionError(f"ONNX {where} takes {name!r}, which is not computed from the input", hint=SUPPORTED_NN)
        return v

    def const(k: int, default: Any = None) -> Any:
        if k >= len(node.input) or not node.input[k]:
            return default
        folded = env.get(node.input[k])
        if isinstance(folded, np.ndarray) and folded.dtype != object:
            return np.asarray(folded, dtype=np.float64)
        if node.input[k] not in g.consts:
            raise g.unsupported(i, SUPPORTED_NN, f"takes {node.input[k]!r} from the data, where only a constant "
                                "(an initializer) is supported")
        return np.asarray(g.consts[node.input[k]], dtype=np.float64)

    def spatial(x: Any, what: str, kernel: Any = None) -> tuple[tuple[int, ...], tuple[int, ...], Any]:
        d = len(x.shape) - 1
        k = tuple(a.get("kernel_shape", kernel if kernel is not None else [1] * d))
        s = tuple(a.get("strides", [1] * d))
        dil = tuple(a.get("dilations", [1] * d))
        pads = list(a.get("pads", [0] * (2 * d)))
        auto = a.get("auto_pad", "NOTSET")
        if a.get("ceil_mode", 0) or any(v != 1 for v in dil) and what != "conv":
            raise g.unsupported(i, "supported: ceil_mode 0, dilations 1", "uses ceil_mode or dilations")
        if auto in ("SAME_UPPER", "SAME_LOWER"):   # SAME_UPPER: the odd zero after, as TensorFlow's 'SAME'
            pairs = nn.same_padding(x.shape[1:], k, s, dil)
            return k, s, tuple(p[::-1] for p in pairs) if auto == "SAME_LOWER" else pairs
        return k, s, (0 if auto == "VALID" else tuple(zip(pads[:d], pads[d:])))

    out: Any
    arrays = [env.get(n) if isinstance(env.get(n), np.ndarray) else g.consts.get(n) for n in node.input if n]
    if op in ("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Identity") and node.input and \
            all(v is not None for v in arrays[:1 if op == "Shape" else None]) and not isinstance(env.get(node.input[0]), nn.Node):
        env[node.output[0]] = _fold(g, i, op, a, arrays)   # shapes and constants
        return
    if op == "Shape":
        x = value(0)
        env[node.output[0]] = np.asarray([BATCH, *x.shape], dtype=object)[a.get("start", 0):a.get("end")]
        return
    if op == "Gather":
        raise g.unsupported(i, SUPPORTED_NN, "looks values up by an integer index computed from the input (an "
                            "embedding): the circuit takes real-valued features")
    if op in ("Unsqueeze", "Squeeze"):
        x = value(0)
        axes = a.get("axes", None if len(node.input) < 2 or not node.input[1] else [int(v) for v in const(1)])
        full = [BATCH, *x.shape]
        if op == "Unsqueeze":
            shape: list[Any] = list(full)
            for ax in sorted(int(v) % (len(full) + len(axes)) for v in axes):
                shape.insert(ax, 1)
        else:
            drop = {int(v) % len(full) for v in (axes or [k for k, d in enumerate(full) if d == 1])}
            shape = [d for k, d in enumerate(full) if k not in drop]
        if not shape or shape[0] is not BATCH:
            raise g.unsupported(i, SUPPORTED_NN, f"{'adds' if op == 'Unsqueeze' else 'removes'} a dimension before "
                                "or at the batch")
        env[node.output[0]] = net.reshape(x, shape[1:], where=where)
        return
    if op in ("Identity", "Dropout", "Cast"):
        if op == "Cast" and a.get("to") not in (1, 10, 11):   # FLOAT, FLOAT16, DOUBLE
            raise g.unsupported(i, SUPPORTED_NN, "casts to a non-float type inside the network")
        if op == "Dropout" and len(node.input) > 2 and node.input[2] and const(2).item():
            raise ConversionError(f"ONNX {where} runs in training mode (its training_mode input is true: it zeroes "
                                  "random values on every run)", hint=TRAINING_HINT)
        v = env.get(node.input[0])
        out = v if isinstance(v, _Head) else value(0)
    elif op in ("Softmax", "LogSoftmax", "ArgMax", "Sigmoid"):
        x = value(0)
        axis = a.get("axis", -1 if op != "ArgMax" else 0)
        if op != "Sigmoid" and axis not in (-1, 1):
            raise g.unsupported(i, SUPPORTED_NN, f"works on axis {axis}, not on the features (axis 1 or -1)")
        if op == "Sigmoid" and x.size != 1:
            out = net.activation(x, "sigmoid", where=where)   # not a decision: approximated
        else:
            flat = net.flatten(x) if len(x.shape) > 1 else x
            out = _Head("threshold" if op == "Sigmoid" else "argmax",
                        {"Sigmoid": "threshold", "ArgMax": "label"}.get(op, "argmax"), flat, i)
    elif op == "Gemm":
        if a.get("transA", 0):
            raise g.unsupported(i, SUPPORTED_NN, "has transA=1")
        B = const(1) * a.get("alpha", 1.0)
        W = B if a.get("transB", 0) else B.T
        C = const(2)
        out = net.dense(value(0), W, None if C is None else np.broadcast_to(C * a.get("beta", 1.0), (W.shape[0],)),
                        where=where)
    elif op == "MatMul" and node.input[1] not in g.consts:
        out = net.matmul(value(0), value(1), where=where)
    elif op == "MatMul":
        B = const(1)
        if B.ndim != 2:
            raise g.unsupported(i, SUPPORTED_NN, f"multiplies by a constant of shape {B.shape} (a matrix is supported)")
        out = net.dense(value(0), B.T, None, where=where)
    elif op == "Conv":
        x = value(0)
        W, b = const(1), const(2)
        k, s, p = spatial(x, "conv", W.shape[2:])
        out = net.conv(x, W, b, stride=s, padding=p, dilation=tuple(a.get("dilations", [1] * len(k))),
                       groups=int(a.get("group", 1)), where=where)
    elif op == "BatchNormalization":
        if a.get("training_mode", 0):
            raise ConversionError(f"ONNX {where} runs in training mode (training_mode=1: it normalizes each batch by "
                                  "that batch's own mean and variance, not its running statistics)", hint=TRAINING_HINT)
        out = net.batch_norm(value(0), const(3), const(4), const(1), const(2), eps=a.get("epsilon", 1e-5), where=where)
    elif op == "Flatten":
        if a.get("axis", 1) != 1:
            raise g.unsupported(i, SUPPORTED_NN, f"flattens from axis {a.get('axis')} (axis 1 is supported)")
        out = net.flatten(value(0), where=where)
    elif op == "Reshape":
        folded = env.get(node.input[1])
        shape = list(folded) if isinstance(folded, np.ndarray) and folded.dtype == object else \
            [int(v) for v in const(1)]
        x = value(0)
        if shape and shape[0] is BATCH:   # x.view(x.size(0), -1) exported with a dynamic batch
            shape[0] = 0
        if any(d is BATCH for d in shape[1:]):
            raise g.unsupported(i, SUPPORTED_NN, "reshapes with the batch size in a dimension other than the first")
        shape = [int(v) for v in shape]
        if len(shape) < 2 or shape[0] not in (-1, 0, 1) or -1 in shape[1:] and shape[0] == -1:
            raise g.unsupported(i, SUPPORTED_NN, f"reshapes to {shape}; the first dimension must stay the batch")
        rest = [x.shape[j - 1] if v == 0 and j - 1 < len(x.shape) else v for j, v in enumerate(shape) if j > 0]
        out = net.reshape(x, rest, where=where)
    elif op in ("AveragePool", "MaxPool"):
        x = value(0)
        if op == "MaxPool" and len(node.output) > 1 and node.output[1]:
            raise g.unsupported(i, SUPPORTED_NN, "also outputs the indices of the maxima")
        k, s, p = spatial(x, "pool")
        out = (net.max_pool(x, k, s, p, where=where) if op == "MaxPool" else
               net.avg_pool(x, k, s, p, count_include_pad=bool(a.get("count_include_pad", 0)), where=where))
    elif op == "GlobalAveragePool":
        x = value(0)
        out = net.avg_pool(x, x.shape[1:], where=where)
    elif op == "ReduceMean":   # torch.onnx's AdaptiveAvgPool(1) / mean over H, W: a global average pool
        x = value(0)
        axes = a.get("axes", None if len(node.input) < 2 or not node.input[1] else [int(v) for v in const(1)])
        rank = len(x.shape) + 1
        if len(x.shape) < 2 or sorted(v % rank for v in (axes or [])) != list(range(2, rank)):
            raise g.unsupported(i, SUPPORTED_NN, f"averages axes {axes} of a tensor of shape (batch, *{x.shape}); "
                                "the mean over all spatial axes is supported")
        out = net.avg_pool(x, x.shape[1:], where=where)
        out = out if a.get("keepdims", 1) else net.flatten(out, where=where)
    elif op == "LayerNormalization":   # over the last axis: nn.transformer.layer_norm (an exact 1/sqrt(variance))
        x = value(0)
        if a.get("axis", -1) % (len(x.shape) + 1) != len(x.shape):
            raise g.unsupported(i, SUPPORTED_NN, f"normalizes over axis {a.get('axis')} and after of a tensor of shape "
                                f"(batch, *{x.shape}); only over the last axis is supported")
        out = transformer.layer_norm(net, x, const(1), const(2) if len(node.input) > 2 and node.input[2] else None,
                                     a.get("epsilon", 1e-5), where=where)
    elif op in ("Relu", "LeakyRelu", "Clip", "HardSigmoid", "Tanh", "Gelu", "Elu", "Selu", "PRelu"):
        x = value(0)
        if op == "Elu":
            out = net.elu(x, a.get("alpha", 1.0), where=where)
        elif op == "Selu":
            out = net.mul_const(net.elu(x, a.get("alpha", 1.67326319217681884765625), where=where),
                                a.get("gamma", 1.05070102214813232421875), where=where)
        elif op == "PRelu":
            slope = const(1)
            full = np.broadcast_to(slope.reshape(slope.shape[max(slope.ndim - len(x.shape), 0):])
                                   if slope.ndim > len(x.shape) else slope, x.shape)
            out = net.prelu(x, full.ravel(), where=where)
        elif op == "Relu":
            out = net.relu(x, where=where)
        elif op == "LeakyRelu":
            out = net.leaky_relu(x, a.get("alpha", 0.01), where=where)
        elif op == "Clip":
            lo, hi = const(1), const(2)
            lo = a.get("min", -np.inf) if lo is None else float(lo)
            hi = a.get("max", np.inf) if hi is None else float(hi)
            out = net.clip(x, lo, hi, where=where)
        elif op == "HardSigmoid":
            out = net.hard_sigmoid(x, a.get("alpha", 0.2), a.get("beta", 0.5), where=where)
        elif op == "Gelu" and a.get("approximate", "none") != "none":
            raise g.unsupported(i, SUPPORTED_NN, f"uses approximate={a.get('approximate')!r} (the exact 'none' is supported)")
        else:
            out = net.activation(x, op.lower(), where=where)
    elif op == "Transpose":
        x = value(0)
        perm = [int(v) for v in a.get("perm", range(len(x.shape), -1, -1))]
        if perm[0] != 0:
            raise g.unsupported(i, SUPPORTED_NN, f"permutes the batch dimension (perm {perm})")
        out = net.permute(x, [p - 1 for p in perm[1:]], where=where)
    elif op == "Concat":
        xs = [value(k) for k in range(len(node.input))]
        axis = int(a["axis"])
        out = net.concat(xs, axis - 1 if axis > 0 else axis, where=where)
    else:   # Add, Sub, Mul, Div: two tensors (Add / Sub), or a tensor and a constant
        names = list(node.input)
        if all(n not in g.consts for n in names):
            if op == "Div":
                raise g.unsupported(i, SUPPORTED_NN, "divides by a computed tensor")
            out = {"Add": net.add, "Sub": net.sub, "Mul": net.mul}[op](value(0), value(1), where=where)
        else:
            k = 0 if names[1] in g.consts else 1
            x, c = value(k), const(1 - k)
            c = c.reshape(c.shape[len(c.shape) - len(x.shape):] if c.ndim > len(x.shape) and c.shape[0] == 1 else c.shape)
            if c.size not in (1, x.shape[0]) and not (len(x.shape) == 1 and c.size == x.size):
                raise g.unsupported(i, SUPPORTED_NN, f"combines a tensor of shape {x.shape} with a constant of shape "
                                    f"{c.shape} (a scalar, one value per channel or per feature is supported)")
            c = c.ravel()
            if op in ("Mul", "Div"):
                if op == "Div" and (k == 1 or np.any(c == 0)):
                    raise g.unsupported(i, SUPPORTED_NN, "divides by a computed tensor or by zero")
                out = net.scale_shift(x, c if op == "Mul" else 1.0 / c, 0.0, where=where)
            else:   # x + c, x − c, c − x
                sign = -1.0 if op == "Sub" and k == 1 else 1.0
                out = net.scale_shift(x, sign, c if op == "Add" or k == 1 else -c, where=where)
    for o in node.output[:1]:
        env[o] = out


def _fold(g: Any, i: int, op: str, a: dict[str, Any], args: list[Any]) -> np.ndarray:
    """Node ``i`` on constants or folded shapes (object arrays where they hold :data:`BATCH`)."""
    x = np.asarray(args[0])
    if op in ("Identity", "Cast"):
        return x
    if op == "Shape":
        return np.asarray(x.shape, dtype=np.int64)[a.get("start", 0):a.get("end")]
    if op == "Gather":
        taken = np.take(x, np.asarray(args[1]).astype(np.int64), axis=int(a.get("axis", 0)))
        if isinstance(taken, (np.ndarray, np.generic)):
            return np.asarray(taken)
        scalar = np.empty((), dtype=object)   # the batch itself, kept an array
        scalar[()] = taken
        return scalar
    if op == "Concat":
        return np.concatenate([np.atleast_1d(np.asarray(v)) for v in args], axis=int(a["axis"]))
    axes = a.get("axes", [int(v) for v in np.atleast_1d(args[1])] if len(args) > 1 else None)
    if op == "Unsqueeze":
        for ax in sorted(int(v) % (x.ndim + len(axes)) for v in axes):
            x = np.expand_dims(x, ax)
        return x
    return np.squeeze(x, axis=tuple(axes) if axes else None)
