"""TensorFlow models → the shared network description (:mod:`.nn`), every way TensorFlow saves one.

- a Keras model (``tf.keras`` is Keras 3 in TensorFlow 2.16+, on any backend), a ``.keras`` file or a
  legacy ``.h5`` file: read by the Keras frontend (:func:`~stdlib_ml.convert.keras.from_keras`);
- a SavedModel directory (``model.export(dir)``, ``tf.saved_model.save``) or the object
  ``tf.saved_model.load`` returns: its serving signature's graph, its variables frozen to constants,
  read op by op (this module);
- a TFLite flatbuffer (``.tflite``): :mod:`.tflite`.

The graph keeps TensorFlow's channels-last layout (a sample is ``(H, W, C)`` or ``(L, C)``, flattened in C
order for the circuit, as TensorFlow lays it out); a convolution or pool is transposed to the
description's channels-first and back (permutations cost 0 constraints). Constant subgraphs (a batch
norm's ``Rsqrt`` of its variance, a ``Flatten``'s ``Shape`` → ``StridedSlice`` → ``Pack``) are folded in
float64. The float model the conversion checks itself against is the signature itself, run by
TensorFlow. TensorFlow is imported only when a TensorFlow model is converted (``pip install
'pyleo-zk[tensorflow]'``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, quiet
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .options import calibration_rows, network_rows
from .quantize import MLP_RESOLUTION

EXTRA = "pip install 'pyleo-zk[tensorflow]'"
"""What to run when TensorFlow is missing."""

OPS = ("MatMul", "BiasAdd", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Conv2D", "DepthwiseConv2dNative", "MaxPool",
       "AvgPool", "Mean", "FusedBatchNormV3", "Relu", "Relu6", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softmax",
       "LogSoftmax", "Reshape", "Squeeze", "ExpandDims", "Transpose", "ConcatV2", "Pad", "PadV2", "Identity", "Maximum",
       "Minimum")
"""The TensorFlow operations :func:`network` converts on computed tensors (``Mul`` / ``RealDiv`` by constants;
``Softmax`` / ``LogSoftmax`` only last; ``Maximum`` / ``Minimum`` with a constant: clips); constant
subgraphs of any of these and ``Shape``, ``StridedSlice``, ``Pack``, ``Cast``, ``Rsqrt``, ``Sqrt``, ``Prod``
are folded."""

SUPPORTED = ("supported TensorFlow operations: " + ", ".join(OPS) + " (Softmax and LogSoftmax last; a final "
             "Sigmoid on one output decides by a threshold; Sigmoid, Tanh and Elu elsewhere are approximated)")

_RANDOM = ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "StatelessRandomUniformV2",
           "StatelessRandomNormalV2", "RandomUniformInt", "Multinomial")
"""Operations drawing random values: a dropout or noise layer saved in training mode."""

_STATE_UPDATES = ("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp")
"""Operations updating a variable when the signature runs (moving statistics of a training-mode batch norm)."""


def load_tf() -> Any:
    """The ``tensorflow`` package (its C++ notices below warnings off), or a :class:`ConversionError`
    saying how to install it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with quiet.silenced():   # its start-up notices
            import tensorflow as tf
    except ImportError:
        raise ConversionError("converting a TensorFlow SavedModel or TFLite model needs tensorflow, which is not "
                              "installed", hint=f"install pyleo-zk[tensorflow]: {EXTRA}") from None
    return tf


# ---- loading ------------------------------------------------------------------------------------
def is_saved_model(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a SavedModel directory (it holds ``saved_model.pb``)."""
    return Path(path).is_dir() and (Path(path) / "saved_model.pb").is_file()


def load_saved_model(path: str | os.PathLike[str]) -> Any:
    """The object ``tf.saved_model.load`` returns for a SavedModel directory. Raises
    :class:`ModelInputError` for a missing directory or one TensorFlow cannot read."""
    p = Path(path)
    if not is_saved_model(p):
        raise ModelInputError(f"{p} is not a SavedModel directory (it has no saved_model.pb)" if p.is_dir() else
                              f"no such SavedModel directory: {p}", hint="save one with model.export(dir) or "
                              "tf.saved_model.save(obj, dir)")
    tf = load_tf()
    try:
        with quiet.silenced():
            return tf.saved_model.load(str(p))
    except Exception as e:  # noqa: BLE001 - TensorFlow's own errors (protobuf, missing variables ...)
        first = str(e).strip().splitlines()[0] if str(e).strip() else "no detail"
        raise ModelInputError(f"{p} is not a readable SavedModel: it is damaged or incomplete ({type(e).__name__}: "
                              f"{first})", hint="save it again with model.export(dir)") from None


def _signature(obj: Any) -> Any:
    """The concrete function a loaded SavedModel serves (``serving_default``, else its only signature)."""
    tf = load_tf()
    if isinstance(obj, tf.types.experimental.ConcreteFunction):
        return obj
    sigs = dict(getattr(obj, "signatures", None) or {})
    if "serving_default" in sigs:
        return sigs["serving_default"]
    if len(sigs) == 1:
        return next(iter(sigs.values()))
    raise ConversionError(f"the SavedModel has {len(sigs)} signatures ({', '.join(sigs) or 'none'}) and none is "
                          "serving_default: which one computes the prediction is not known",
                          hint="save it with model.export(dir) (its serving_default is the model's call)")


# ---- the graph ----------------------------------------------------------------------------------
class _Tensor:
    """A computed tensor: its network node, in TensorFlow's layout (batch dimension dropped)."""

    def __init__(self, node: Any) -> None:
        self.node = node


class _Head:
    """A final Softmax / LogSoftmax / Sigmoid: the node whose values decide, and how."""

    def __init__(self, node: Any, head: str, op: str) -> None:
        self.node, self.head, self.op = node, head, op


BATCH = -1
"""The batch dimension in a folded shape (``tf.shape(x)[0]``)."""


class _Walker:
    """One pass over a frozen GraphDef, from the signature's input to its output."""

    def __init__(self, graph_def: Any, input_name: str, input_shape: tuple[int, ...], output_name: str,
                 name: str) -> None:
        self.nodes = {n.name: n for n in graph_def.node}
        self.input_name, self.output_name = input_name, output_name
        self.net = nn.Network(input_shape, name=name)
        self.values: dict[str, Any] = {input_name: _Tensor(self.net.input)}

    def where(self, n: Any) -> str:
        return self.where_of(n)

    @staticmethod
    def where_of(n: Any) -> str:
        """A GraphDef node in words: its name, op type and the layer its name scope says."""
        parts = [p for p in n.name.split("/") if p != "StatefulPartitionedCall"]
        layer = parts[-2] if len(parts) > 1 else parts[0]
        return f"TensorFlow node {n.name!r} (op {n.op}, layer {layer!r})"

    def refuse(self, n: Any, why: str = "is not supported") -> ConversionError:
        return ConversionError(f"{self.where(n)} {why}", hint=SUPPORTED)

    def value(self, ref: str) -> Any:
        """The value of graph output ``ref`` (``name`` or ``name:k``): a :class:`_Tensor`, a
        :class:`_Head` or a constant numpy array (object dtype where it holds :data:`BATCH`)."""
        name, _, k = ref.lstrip("^").partition(":")
        if k not in ("", "0"):
            raise self.refuse(self.nodes[name], f"has its output {k} used, which is not supported")
        if name not in self.values:
            stack = [name]   # iteratively: deep graphs would exhaust Python's recursion
            while stack:
                top = stack[-1]
                if top in self.values:
                    stack.pop()
                    continue
                if top not in self.nodes:
                    raise ConversionError(f"the TensorFlow graph uses {top!r}, which it does not define (a call into "
                                          "a function the frozen graph did not inline?)", hint=SUPPORTED)
                pending = [i.lstrip("^").partition(":")[0] for i in self.nodes[top].input if not i.startswith("^")]
                pending = [p for p in pending if p not in self.values]
                if pending:
                    stack.extend(pending)
                    continue
                self.values[top] = self.node(self.nodes[top])
                stack.pop()
        return self.values[name]

    def node(self, n: Any) -> Any:
        tf = load_tf()
        op = n.op
        a = n.attr
        if op == "Const":
            return tf.make_ndarray(a["value"].tensor)
        if op == "Placeholder":
            raise ConversionError(f"{self.where(n)}: the graph takes a second input", hint="one input tensor is supported")
        if op in _RANDOM:
            raise self.refuse(n, "draws random values: a dropout or noise layer saved in training mode (the saved "
                              "model gives different outputs on every run)")
        if op == "FusedBatchNormV3" and a["is_training"].b:
            raise self.refuse(n, "runs in training mode (is_training=True: it normalizes each batch by that batch's "
                              "own mean and variance)")
        args = [self.value(i) for i in n.input if not i.startswith("^")]
        if all(isinstance(v, np.ndarray) for v in args):
            return self.fold(n, args)
        return self.layer(n, args)

    # ---- constants --------------------------------------------------------------------------------
    def fold(self, n: Any, args: list[np.ndarray]) -> np.ndarray:
        op, a = n.op, n.attr
        simple: dict[str, Callable[..., Any]] = {
            "Identity": lambda x: x, "AddV2": np.add, "Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
            "RealDiv": np.divide, "Rsqrt": lambda x: 1.0 / np.sqrt(x), "Sqrt": np.sqrt, "Neg": np.negative,
            "Maximum": np.maximum, "Minimum": np.minimum, "Square": np.square}
        if op in simple:
            if any(v.dtype == object for v in args) and op != "Identity":
                raise self.refuse(n, "computes with the batch size, which is not supported")
            return np.asarray(simple[op](*args))
        if op == "Cast":
            return args[0]
        if op == "Reshape":
            return np.reshape(args[0], [int(v) for v in args[1]])
        if op == "Transpose":
            return np.transpose(args[0], [int(v) for v in args[1]])
        if op == "ExpandDims":
            return np.expand_dims(args[0], int(args[1]))
        if op == "Squeeze":
            dims = list(a["squeeze_dims"].list.i)
            return np.squeeze(args[0], axis=tuple(dims) if dims else None)
        if op == "ConcatV2":
            return np.concatenate(args[:-1], axis=int(args[-1]))
        if op == "Pack":
            return np.stack(args, axis=int(a["axis"].i))
        if op == "Prod":
            if any(v.dtype == object for v in args):
                raise self.refuse(n, "multiplies the batch size, which is not supported")
            return np.prod(args[0], axis=tuple(np.atleast_1d(args[1]).astype(int)), keepdims=a["keep_dims"].b)
        if op == "StridedSlice":
            return strided_slice(*args[:4], tuple(a[k].i for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                                                   "new_axis_mask", "shrink_axis_mask")), self.where(n))
        raise self.refuse(n, "on constants is not supported")

    # ---- layers -----------------------------------------------------------------------------------
    def tensor(self, n: Any, v: Any) -> Any:
        if isinstance(v, _Head):
            if v.head != "threshold":
                raise self.refuse(n, f"uses the output of a {v.op}, which is supported only as the last operation "
                                  "(it decides the label)")
            return self.net.activation(v.node, "sigmoid", where=self.where(n))
        if not isinstance(v, _Tensor):
            raise self.refuse(n, "takes a tensor not computed from the input where a constant was expected")
        return v.node

    def const(self, n: Any, v: Any, what: str) -> np.ndarray:
        if not isinstance(v, np.ndarray) or v.dtype == object:
            raise self.refuse(n, f"takes its {what} from the data; only a constant is supported")
        return np.asarray(v, np.float64)

    def broadcast(self, n: Any, c: np.ndarray, x: Any) -> np.ndarray:
        """A constant operand as one value per element of ``x`` (:func:`broadcast`)."""
        full = broadcast(c, x.shape)
        if full is None:
            raise self.refuse(n, f"combines a tensor of shape {x.shape} with a constant of shape {np.shape(c)}")
        return full

    def layer(self, n: Any, args: list[Any]) -> Any:
        op, a, net, where = n.op, n.attr, self.net, self.where(n)
        if op == "Shape":
            return np.asarray([BATCH, *self.tensor(n, args[0]).shape], dtype=object)
        if op in ("Identity", "StopGradient", "Cast"):
            if op == "Cast" and a["DstT"].type not in (1, 2, 19):   # float32, float64, float16
                raise self.refuse(n, "casts to a non-float type inside the network")
            return args[0] if isinstance(args[0], _Head) else _Tensor(self.tensor(n, args[0]))
        if op in ("Softmax", "LogSoftmax"):
            x = self.tensor(n, args[0])
            return _Head(net.flatten(x, where=where), "argmax", op)
        if op == "Sigmoid":
            x = self.tensor(n, args[0])
            if x.size == 1:
                return _Head(net.flatten(x, where=where), "threshold", op)
            return _Tensor(net.activation(x, "sigmoid", where=where))
        x = self.tensor(n, args[0]) if not isinstance(args[0], np.ndarray) else None
        if op in ("Relu", "Relu6", "LeakyRelu", "Tanh", "Elu"):
            if op == "Relu":
                return _Tensor(net.relu(x, where=where))
            if op == "Relu6":
                return _Tensor(net.clip(x, 0.0, 6.0, where=where))
            if op == "LeakyRelu":
                return _Tensor(net.leaky_relu(x, float(a["alpha"].f), where=where))
            return _Tensor(net.activation(x, op.lower(), where=where))
        if op == "MatMul":
            if a["transpose_a"].b or x is None:
                raise self.refuse(n, "multiplies a constant by the data or transposes the data")
            W = self.const(n, args[1], "weights")
            return _Tensor(net.dense(x, W if a["transpose_b"].b else W.T, None, where=where))
        if op in ("BiasAdd", "Add", "AddV2", "Sub"):
            if all(isinstance(v, (_Tensor, _Head)) for v in args):
                other = self.tensor(n, args[1])
                if other.shape != x.shape:
                    raise self.refuse(n, f"combines tensors of shapes {x.shape} and {other.shape}")
                return _Tensor((net.sub if op == "Sub" else net.add)(x, other, where=where))
            if x is None:   # c − x or c + x
                c, y = self.const(n, args[0], "operand"), self.tensor(n, args[1])
                sign = -1.0 if op == "Sub" else 1.0
                return _Tensor(net.scale_shift(y, sign, self.broadcast(n, c, y), where=where))
            c = self.const(n, args[1], "operand") * (-1.0 if op == "Sub" else 1.0)
            return _Tensor(net.scale_shift(x, 1.0, self.broadcast(n, c, x), where=where))
        if op in ("Mul", "RealDiv"):
            if x is None and op == "Mul":
                args = args[::-1]
                x = self.tensor(n, args[0])
            if x is None or not isinstance(args[1], np.ndarray):
                raise self.refuse(n, "multiplies or divides two computed tensors (not affine)")
            c = self.const(n, args[1], "factor")
            if op == "RealDiv":
                if np.any(c == 0):
                    raise self.refuse(n, "divides by zero")
                c = 1.0 / c
            return _Tensor(net.scale_shift(x, self.broadcast(n, c, x), 0.0, where=where))
        if op in ("Maximum", "Minimum"):
            if x is None:
                args = args[::-1]
                x = self.tensor(n, args[0])
            c = self.const(n, args[1], "bound")
            if c.size != 1:
                raise self.refuse(n, "clips by a constant of more than one value")
            lo, hi = (float(c), np.inf) if op == "Maximum" else (-np.inf, float(c))
            return _Tensor(net.clip(x, lo, hi, where=where))
        if op == "FusedBatchNormV3":
            if a["data_format"].s.decode() not in ("NHWC", ""):
                raise self.refuse(n, f"uses data_format {a['data_format'].s.decode()} (NHWC is supported)")
            gamma, beta, mean, var = (self.const(n, v, "statistics") for v in args[1:5])
            sc = gamma / np.sqrt(var + a["epsilon"].f)
            return _Tensor(net.scale_shift(x, self.broadcast(n, sc, x), self.broadcast(n, beta - mean * sc, x),
                                           where=where))
        if op in ("Conv2D", "DepthwiseConv2dNative", "MaxPool", "AvgPool"):
            return _Tensor(self.spatial(n, x, args, where))
        if op == "Mean":
            axes = sorted(int(v) % (len(x.shape) + 1) for v in np.atleast_1d(self.const(n, args[1], "axes")))
            if 0 in axes:
                raise self.refuse(n, "averages over the batch: a batch norm in training mode (a layer called with "
                                  "training=True) normalizes by the batch's statistics, which a proof of one sample "
                                  "cannot reproduce")
            if len(x.shape) < 2 or axes != list(range(1, len(x.shape))):
                raise self.refuse(n, f"averages axes {axes}; the mean over all spatial axes (global average "
                                  "pooling) is supported")
            return _Tensor(global_average(net, x, a["keep_dims"].b, where))
        if op in ("Reshape", "Squeeze", "ExpandDims"):
            if op == "Squeeze":
                dims = [int(d) for d in a["squeeze_dims"].list.i]
                full = [BATCH, *x.shape]
                if not dims or any(d % len(full) == 0 for d in dims):
                    raise self.refuse(n, "squeezes the batch dimension (or every dimension of size 1)")
                shape = [s for k, s in enumerate(full) if k not in {d % len(full) for d in dims}]
            elif op == "ExpandDims":
                d = int(self.const(n, args[1], "axis"))
                full = [BATCH, *x.shape]
                d = d % (len(full) + 1)
                if d == 0:
                    raise self.refuse(n, "adds a dimension before the batch")
                shape = [*full[:d], 1, *full[d:]]
            else:
                shape = list(args[1]) if isinstance(args[1], np.ndarray) else None
                if shape is None:
                    raise self.refuse(n, "reshapes to a shape computed from the data")
            if not shape or shape[0] is not BATCH and int(shape[0]) != -1:
                raise self.refuse(n, f"reshapes to {shape}; the first dimension must stay the batch")
            rest = [int(s) for s in shape[1:]]
            return _Tensor(net.reshape(x, rest, where=where))
        if op in ("Pad", "PadV2"):
            pads = self.const(n, args[1], "paddings").astype(np.int64)
            if op == "PadV2" and float(self.const(n, args[2], "constant")) != 0.0:
                raise self.refuse(n, "pads with a non-zero constant")
            if pads.shape != (len(x.shape) + 1, 2) or pads[0].any():
                raise self.refuse(n, f"pads {pads.tolist()} (the batch dimension must not be padded)")
            return _Tensor(net.pad(x, [tuple(p) for p in pads[1:]], where=where))
        if op == "Transpose":
            perm = [int(v) for v in self.const(n, args[1], "permutation")]
            if perm[0] != 0:
                raise self.refuse(n, "moves the batch dimension")
            return _Tensor(net.permute(x, [p - 1 for p in perm[1:]], where=where))
        if op == "ConcatV2":
            xs = [self.tensor(n, v) for v in args[:-1]]
            axis = int(self.const(n, args[-1], "axis"))
            rank = len(xs[0].shape) + 1
            axis = axis % rank
            if axis == 0:
                raise self.refuse(n, "concatenates along the batch")
            return _Tensor(net.concat(xs, axis - 1, where=where))
        raise self.refuse(n)

    def spatial(self, n: Any, x: Any, args: list[Any], where: str) -> Any:
        """A convolution or pool on a channels-last tensor (:func:`channels_last_conv`, :func:`channels_last_pool`)."""
        op, a = n.op, n.attr
        fmt = a["data_format"].s.decode() or "NHWC"
        if fmt != "NHWC" or len(x.shape) != 3:
            raise self.refuse(n, f"works on a tensor of shape {x.shape} in {fmt}; NHWC images are supported")
        strides = tuple(a["strides"].list.i)[1:3]
        padding: Any = a["padding"].s.decode()
        if op in ("MaxPool", "AvgPool"):
            return channels_last_pool(self.net, x, "max" if op == "MaxPool" else "avg", tuple(a["ksize"].list.i)[1:3],
                                      strides, padding, where)
        K = self.const(n, args[1], "kernel")              # (kh, kw, C_in, C_out) or (kh, kw, C_in, multiplier)
        if op == "DepthwiseConv2dNative":
            kh, kw, c_in, mult = K.shape
            W, groups = K.reshape(kh, kw, 1, c_in * mult).transpose(3, 2, 0, 1), c_in
        else:
            W, groups = K.transpose(3, 2, 0, 1), x.shape[2] // K.shape[2]
        if padding == "EXPLICIT":
            e = list(a["explicit_paddings"].list.i)
            padding = ((e[2], e[3]), (e[4], e[5]))
        return channels_last_conv(self.net, x, W, None, strides, padding, tuple(a["dilations"].list.i)[1:3] or (1, 1),
                                  groups, where)


def channels_last_conv(net: Any, x: Any, W: np.ndarray, b: np.ndarray | None, strides: tuple[int, ...], padding: Any,
                       dilations: tuple[int, ...], groups: int, where: str) -> Any:
    """A convolution of the channels-last tensor ``x`` ((*spatial, C_in)) by ``W`` (C_out, C_in/groups,
    *kernel), ``padding`` "SAME" / "VALID" or (before, after) pairs: transposed to channels-first and
    back (0 constraints)."""
    d = len(x.shape) - 1
    if padding == "SAME":
        padding = nn.same_padding(x.shape[:d], W.shape[2:], strides, dilations)
    elif padding == "VALID":
        padding = 0
    first = net.permute(x, (d, *range(d)), where=where)
    out = net.conv(first, W, b, stride=strides, padding=padding, dilation=dilations, groups=groups, where=where)
    return net.permute(out, (*range(1, d + 1), 0), where=where)


def channels_last_pool(net: Any, x: Any, kind: str, kernel: tuple[int, ...], strides: tuple[int, ...], padding: str,
                       where: str) -> Any:
    """A ``"max"`` or ``"avg"`` pool (TensorFlow's: padded zeros never count) of the channels-last ``x``."""
    d = len(x.shape) - 1
    p = nn.same_padding(x.shape[:d], kernel, strides, (1,) * d) if padding == "SAME" else 0
    first = net.permute(x, (d, *range(d)), where=where)
    out = (net.max_pool(first, kernel, strides, p, where=where) if kind == "max" else
           net.avg_pool(first, kernel, strides, p, count_include_pad=False, where=where))
    return net.permute(out, (*range(1, d + 1), 0), where=where)


def global_average(net: Any, x: Any, keep_dims: bool, where: str) -> Any:
    """The mean over every spatial position of the channels-last ``x``: (C,), or (1, …, 1, C) with ``keep_dims``."""
    d = len(x.shape) - 1
    first = net.permute(x, (d, *range(d)), where=where)
    pooled = net.avg_pool(first, first.shape[1:], where=where)
    return net.reshape(pooled, (*[1] * d, x.shape[-1]) if keep_dims else (x.shape[-1],), where=where)


def broadcast(c: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """A constant operand as one value per element of a tensor of ``shape`` (batch dimension dropped:
    a leading 1 of ``c`` beyond the tensor's rank is), or None when it does not broadcast."""
    c = np.asarray(c, np.float64)
    if c.ndim > len(shape):
        if c.shape[0] != 1:
            return None
        c = c[0]
    try:
        return np.broadcast_to(c, shape).ravel()
    except ValueError:
        return None


def strided_slice(x: np.ndarray, begin: Any, end: Any, strides: Any, masks: tuple[int, int, int, int, int],
                  where: str) -> np.ndarray:
    """TensorFlow's (and TFLite's) StridedSlice on a constant; ``masks``: (begin, end, ellipsis, new
    axis, shrink axis) bit masks (ellipses and new axes are refused)."""
    bm, em, ellipsis, new_axis, sm = masks
    if ellipsis or new_axis:
        raise ConversionError(f"{where}: a StridedSlice with an ellipsis or new axes is not supported", hint=SUPPORTED)
    index: list[Any] = []
    for k, (b, e, s) in enumerate(zip(begin, end, strides)):
        if sm >> k & 1:
            index.append(int(b))
        else:
            index.append(slice(None if bm >> k & 1 else int(b), None if em >> k & 1 else int(e), int(s)))
    return np.asarray(x[tuple(index)])


# ---- entry point --------------------------------------------------------------------------------
class SavedModelGraph:
    """The float model: the SavedModel's signature run by TensorFlow, deciding as the head says
    (argmax of several outputs, a final sigmoid's > 0.5, a regressor's value)."""

    def __init__(self, owner: Any, function: Any, input_key: str | None, shape: tuple[int, ...], head: str) -> None:
        self.owner = owner   # the loaded SavedModel: its variables live as long as it does
        self.function, self.input_key, self.shape, self.head = function, input_key, shape, head

    def outputs(self, X: Any) -> np.ndarray:
        tf = load_tf()
        A = np.asarray(X, dtype=np.float32).reshape(len(X), *self.shape)
        x = tf.constant(A)
        out = self.function(**{self.input_key: x}) if self.input_key else self.function(x)
        out = out if not isinstance(out, dict) else next(iter(out.values()))
        return np.asarray(out, dtype=np.float64).reshape(len(A), -1)

    def predict(self, X: Any) -> np.ndarray:
        """(n_samples,) labels or values, as the head decides (:func:`~stdlib_ml.convert.nn.decide`)."""
        return nn.decide(self.outputs(X), self.head)


def saved_model_network(obj: Any, X: np.ndarray | None) -> tuple[Any, SavedModelGraph]:
    """The :class:`~stdlib_ml.convert.nn.Network` a SavedModel's serving signature computes (``obj``: a
    directory or what ``tf.saved_model.load`` returns), and its float model."""
    tf = load_tf()
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    owner = load_saved_model(obj) if isinstance(obj, (str, os.PathLike)) else obj   # holds the variables
    fn = _signature(owner)
    args, kwargs = fn.structured_input_signature
    specs = list(args) + list(kwargs.values())
    if len(specs) != 1 or not isinstance(specs[0], tf.TensorSpec):
        raise ConversionError(f"the SavedModel's signature takes {len(specs)} inputs; one tensor of features is "
                              "supported")
    key = next(iter(kwargs)) if kwargs else None
    shape = list(specs[0].shape)[1:]
    if any(d is None for d in shape):
        if X is None or X.ndim != len(shape) + 1:
            raise ConversionError(f"the SavedModel takes inputs of shape {tuple(shape)}, open beyond the batch",
                                  hint="pass X shaped (n, *sample_shape)")
        shape = list(X.shape[1:])
    outs = fn.structured_outputs
    outs = list(outs.values()) if isinstance(outs, dict) else list(outs) if isinstance(outs, (list, tuple)) else [outs]
    if len(outs) != 1:
        raise ConversionError(f"the SavedModel's signature gives {len(outs)} outputs; one prediction is supported")
    def ops(graph: Any) -> list[Any]:   # the signature's ops, those of the functions it calls included
        found = list(graph.get_operations())
        for f in getattr(graph, "_functions", {}).values():
            found += ops(getattr(f, "graph", None)) if getattr(f, "graph", None) is not None else []
        return found

    assigns = [op for op in ops(fn.graph) if op.type in _STATE_UPDATES]
    if assigns:
        n = assigns[0].node_def
        raise ConversionError(f"{_Walker.where_of(n)} updates a variable when the model runs ({n.op}: a batch norm "
                              "in training mode updating its moving statistics, a layer called with training=True): "
                              "a model at inference does not", hint="export the model for inference (model.export(dir)"
                              " without training=True in any layer's call)")
    try:
        with quiet.silenced():
            frozen = convert_variables_to_constants_v2(fn)
    except Exception as e:  # noqa: BLE001 - TensorFlow's own errors freezing a graph it cannot run
        first = str(e).strip().splitlines()[0] if str(e).strip() else "no detail"
        raise ConversionError(f"the SavedModel's signature cannot be frozen to constants ({type(e).__name__}: "
                              f"{first})", hint=SUPPORTED) from None
    inputs = [t for t in frozen.inputs if t.dtype != tf.resource]
    walker = _Walker(frozen.graph.as_graph_def(), inputs[0].name.split(":")[0], tuple(int(d) for d in shape),
                     frozen.outputs[0].name.split(":")[0], "tf_saved_model")
    out = walker.value(walker.output_name)
    net = walker.net
    if isinstance(out, np.ndarray):
        raise ConversionError("the SavedModel's output is a constant, not computed from its input")
    if isinstance(out, _Head):
        net.output(out.node, out.head, classes=[0, 1] if out.head == "threshold" else None)
    else:
        flat = net.flatten(out.node)
        net.output(flat, "regression" if flat.size == 1 else "argmax")
    net.title = f"TensorFlow SavedModel ({net.n_features} inputs), converted to pyleo."
    return net, SavedModelGraph(owner, fn, key, tuple(shape), net.head)


def from_tensorflow(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None,
                    name: str | None = None, weights: str = "public", inputs: str = "private", output: str = "public",
                    resolution: int = MLP_RESOLUTION, approximate: bool = True, min_agreement: float = 1.0,
                    max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
                    fit: bool = True) -> ZkModel:
    """Convert a TensorFlow model to a :class:`ZkModel`, in any form TensorFlow saves one.

    ``model``: a Keras model (``tf.keras``; any backend), the path of a ``.keras`` or legacy ``.h5``
    file (these three by :func:`~stdlib_ml.convert.keras.from_keras`), a SavedModel directory or the
    object ``tf.saved_model.load`` returns (its ``serving_default`` signature, walked here), or a
    ``.tflite`` file (:func:`~stdlib_ml.convert.tflite.from_tflite`). ``X``: calibration rows,
    (n_samples, *input_shape) in TensorFlow's channels-last layout or flattened: the input range and
    the self-check against the model's own output (argmax of several outputs, a final sigmoid's > 0.5,
    a single linear output's value). The other options are :func:`~stdlib_ml.from_keras`'s.

    Raises :class:`ModelInputError` (a missing or damaged file or directory, malformed ``X``) and
    :class:`ConversionError` (TensorFlow missing; an unsupported operation, named with its node and
    layer; a model saved in training mode; fidelity below the bar)."""
    options = dict(input_range=input_range, input_bits=input_bits, name=name, weights=weights, inputs=inputs,
                   output=output, resolution=resolution, approximate=approximate, min_agreement=min_agreement,
                   max_error=max_error, strict=strict, check_rows=check_rows, fit=fit)
    if isinstance(model, (str, os.PathLike)) and not is_saved_model(model):
        from . import frontends

        frontend = frontends.for_path(model)
        if frontend.name not in ("keras", "tflite"):
            raise ModelInputError(f"{model} is neither a SavedModel directory nor a .keras, .h5 or .tflite file")
        return frontend.convert(frontend.load(model), X, **options)
    if type(model).__module__.split(".")[0] == "keras" or type(model).__module__.startswith("tf_keras"):
        from .keras import from_keras

        return from_keras(model, X, **options)
    Xa = calibration_rows(X, samples=True)
    net, float_model = saved_model_network(model, Xa)
    Xa = network_rows(Xa, net.input.shape, "the SavedModel")
    return nn.convert(net, Xa, reference=float_model.predict, model_name="SavedModel", **options)


FAMILIES = ("TensorFlow: Keras models (tf.keras, .keras, .h5) as Keras; SavedModel directories and loaded "
            "SavedModels of the operations " + ", ".join(OPS) + "; TFLite flatbuffers (.tflite)")
"""What this frontend converts, in words."""

PRIVATE = "TensorFlow SavedModels"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a loaded SavedModel or a concrete function (the registry matched its package)."""
    return hasattr(obj, "signatures") or type(obj).__name__ in ("ConcreteFunction", "AtomicFunction")


def load(path: str | os.PathLike[str]) -> Any:
    """The object ``tf.saved_model.load`` returns for a SavedModel directory (:func:`load_saved_model`)."""
    return load_saved_model(path)


def float_model(model: Any) -> Any:
    """The SavedModel's signature run by TensorFlow (:class:`SavedModelGraph`)."""
    return saved_model_network(model, None)[1]
