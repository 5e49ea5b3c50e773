"""TFLite flatbuffers (``.tflite``: float32 models, and int8 ones bit-exactly) → the shared network
description (:mod:`.nn`).

The file is read with TensorFlow's own flatbuffer schema (``tensorflow.lite.python.schema_py_generated``):
its first subgraph's operators, walked in order, each builtin operator with its options (padding,
strides, the fused activation) onto the description, in TFLite's channels-last layout (as
:mod:`.tensorflow`). The float model the conversion checks itself against is ``tf.lite.Interpreter``
running the file. Full-integer quantized models (int8 / uint8 input and output) convert to an integer
network whose circuit reproduces TFLite's reference integer kernels exactly (:func:`int8_network`,
:mod:`.nn.integer`).

The int8 circuit takes the model's int8 (or uint8) input tensor, flattened channels-last, and computes every
int8 tensor of the model as TFLite does: per layer the int32 accumulator ``Σ w·(x − x_zero_point) +
bias`` (int8 weights symmetric, per tensor or per output channel; int32 bias; padded taps skipped, as
TFLite's kernels skip them) and its requantization (fixed-point multiplier and shift, rounding, output
zero point, the clamp of a fused ReLU / ReLU6). Its outputs are the model's int8 output tensor, equal
to ``tf.lite.Interpreter``'s value for value (the conversion checks it, element by element); the class
is the argmax (a final DEQUANTIZE and a SOFTMAX's monotone scale do not change it).

Operators: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, RESHAPE (and the SHAPE /
STRIDED_SLICE / PACK that compute its target), a SOFTMAX last (its argmax is its input's), DEQUANTIZE
last. Others are refused, naming the operator and its place; so is a float input (a QUANTIZE first:
convert with ``inference_input_type=tf.int8``).
"""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, quiet
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .nn.integer import Requantization, check_elementwise, round_away
from .options import calibration_rows, network_rows
from .quantize import MLP_RESOLUTION
from .tensorflow import (BATCH, broadcast, channels_last_conv, channels_last_pool, global_average,
                         load_tf, strided_slice)

INT8_OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RESHAPE", "SOFTMAX", "DEQUANTIZE")
"""The TFLite builtin operators of int8 models :func:`int8_network` converts (``SOFTMAX`` and ``DEQUANTIZE`` last)."""

INT8_SUPPORTED = "supported TFLite operators (int8 models): " + ", ".join(INT8_OPS)

INT_TYPES = {9: (np.int8, -128, 127), 3: (np.uint8, 0, 255)}
"""TFLite tensor types of quantized activations: numpy type and range (TensorType INT8, UINT8)."""


OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "ADD", "SUB",
       "MUL", "RELU", "RELU6", "LEAKY_RELU", "ELU", "LOGISTIC", "TANH", "SOFTMAX", "LOG_SOFTMAX", "RESHAPE", "SQUEEZE",
       "EXPAND_DIMS", "TRANSPOSE", "CONCATENATION", "PAD", "PADV2", "DEQUANTIZE")
"""The TFLite builtin operators :func:`network` converts (``ADD`` / ``SUB`` of two tensors or a constant,
``MUL`` by a constant; ``SOFTMAX`` / ``LOG_SOFTMAX`` last; ``DEQUANTIZE`` of float16 weights); ``SHAPE``,
``STRIDED_SLICE``, ``PACK`` on constants are folded."""

SUPPORTED = "supported TFLite operators (float32 models): " + ", ".join(OPS) + "; " + INT8_SUPPORTED

_ACTIVATION = {0: None, 1: "relu", 2: "relu_n1_to_1", 3: "relu6", 4: "tanh"}
"""TFLite's fused activation functions (ActivationFunctionType)."""

_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8, 10: np.float64}
"""TFLite tensor types → numpy (TensorType)."""


def _schema() -> Any:
    load_tf()   # TensorFlow first: its start-up notices silenced, or what to install
    return importlib.import_module("tensorflow.lite.python.schema_py_generated")


def load_tflite(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a ``.tflite`` file, checked to be a TFLite flatbuffer (its ``TFL3`` identifier and a
    model the schema reads) before anything is converted. Raises :class:`ModelInputError`."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such TFLite model file: {p}")
    data = p.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelInputError(f"{p} is not a readable TFLite model: the file is damaged, truncated or of another "
                              "format (no TFL3 flatbuffer identifier)",
                              hint="convert one with tf.lite.TFLiteConverter.from_keras_model(model).convert()")
    _model(data, str(p))
    return data


def _model(data: bytes, where: str) -> Any:
    schema = _schema()
    try:
        model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    except Exception as e:  # noqa: BLE001 - flatbuffers raises struct / index errors on damaged files
        raise ModelInputError(f"{where} is not a readable TFLite model: the file is damaged or truncated "
                              f"({type(e).__name__}: {e})") from None
    if not model.subgraphs:
        raise ModelInputError(f"{where} holds no subgraph")
    return model


# ---- int8 models ------------------------------------------------------------------------------------
def is_int8(model: Any) -> bool:
    """Whether the first subgraph's input or output is an int8 / uint8 tensor with a scale (full-integer)."""
    g = model.subgraphs[0]
    return any(_int8_scale(g.tensors[int(k)]) is not None for k in [*g.inputs, *g.outputs])


def _int8_scale(t: Any) -> np.ndarray | None:
    q = t.quantization
    if t.type not in INT_TYPES or q is None or q.scale is None or not len(q.scale):
        return None
    return np.asarray(q.scale, np.float64)


class _Int:
    """A computed int8 tensor: its node and (scale, zero point) as float32 and int."""

    def __init__(self, node: Any, scale: float, zero: int, qmin: int, qmax: int) -> None:
        self.node, self.scale, self.zero, self.qmin, self.qmax = node, scale, zero, qmin, qmax


def _int8_activation(act: int, t: _Int, where: str) -> tuple[int, int]:
    """TFLite's CalculateActivationRangeQuantized: the fused activation's bounds in the output's integers
    (``zero + round(f / scale)``, f / scale in float32)."""
    def q(f: float) -> int:
        return t.zero + int(round_away(np.float32(f) / np.float32(t.scale)))

    if act == 0:
        return t.qmin, t.qmax
    if act == 1:
        return max(t.qmin, q(0.0)), t.qmax
    if act == 3:
        return max(t.qmin, q(0.0)), min(t.qmax, q(6.0))
    if act == 2:
        return max(t.qmin, q(-1.0)), min(t.qmax, q(1.0))
    raise ConversionError(f"{where} has fused activation {act}, which an int8 model cannot have", hint=INT8_SUPPORTED)


def int8_network(model: Any, names: dict[int, str]) -> tuple[Any, np.dtype]:
    """The integer Network of an int8 TFLite model (its first subgraph) and the input's numpy type."""
    g = model.subgraphs[0]
    tensors = g.tensors
    k_in = int(g.inputs[0])
    t_in = tensors[k_in]
    if _int8_scale(t_in) is None:
        raise ConversionError("the TFLite model is quantized but takes a float input (it QUANTIZEs first): the "
                              "circuit takes the int8 tensor", hint="convert with converter.inference_input_type = "
                              "tf.int8 (and inference_output_type = tf.int8)")
    dtype, qmin, qmax = INT_TYPES[t_in.type]
    shape = tuple(int(d) for d in t_in.shape[1:])
    net = nn.Network(shape, name="tflite_int8_model")
    values: dict[int, Any] = {k_in: _Int(net.input, float(_int8_scale(t_in)[0]), int(t_in.quantization.zeroPoint[0]),
                                         qmin, qmax)}

    def const(k: int) -> np.ndarray:
        t = tensors[k]
        buf = model.buffers[t.buffer].data if t.buffer < len(model.buffers) else None
        if buf is None:
            raise ConversionError(f"TFLite tensor {t.name.decode()!r} is neither computed nor a constant")
        kind = {2: np.int32, 4: np.int64, **{c: v[0] for c, v in INT_TYPES.items()}}.get(t.type)
        if kind is None:
            raise ConversionError(f"TFLite tensor {t.name.decode()!r} is a float constant in an int8 model")
        return np.frombuffer(bytes(bytearray(buf)), dtype=kind).reshape([int(d) for d in t.shape]).astype(np.int64)

    def out_tensor(k: int, node: Any) -> _Int:
        t = tensors[k]
        if _int8_scale(t) is None:
            raise ConversionError(f"TFLite tensor {t.name.decode()!r} is not an int8 tensor with a scale")
        lo, hi = INT_TYPES[t.type][1:]
        return _Int(node, float(_int8_scale(t)[0]), int(t.quantization.zeroPoint[0]), lo, hi)

    head = "argmax"
    for i, op in enumerate(g.operators):
        code = model.operatorCodes[op.opcodeIndex]
        name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")
        k_out = int(op.outputs[0])
        where = f"TFLite operator {i + 1} of {len(g.operators)} ({name} → {tensors[k_out].name.decode()!r})"
        ins = [int(k) for k in op.inputs]
        computed = [k for k in ins if isinstance(values.get(k), _Int)]
        o = op.builtinOptions
        if not computed:   # constants: a reshape's target shape
            if name == "SHAPE":
                values[k_out] = np.asarray([int(d) for d in tensors[ins[0]].shape])
            elif name == "STRIDED_SLICE":
                values[k_out] = strided_slice(*[values.get(k, None) if k in values else const(k) for k in ins[:4]],
                                              (o.beginMask, o.endMask, o.ellipsisMask, o.newAxisMask, o.shrinkAxisMask),
                                              where)
            elif name == "PACK":
                values[k_out] = np.stack([values[k] if k in values else const(k) for k in ins], axis=int(o.axis))
            else:
                raise ConversionError(f"{where} on constants is not supported", hint=INT8_SUPPORTED)
            continue
        if name == "SHAPE":   # of a computed tensor: its static shape, batch 1
            values[k_out] = np.asarray([1, *values[ins[0]].node.shape])
            continue
        x = values[ins[0]]
        if not isinstance(x, _Int):
            raise ConversionError(f"{where} takes a constant where the model's int8 activation is expected",
                                  hint=INT8_SUPPORTED)
        if name in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
            values[k_out] = _int8_affine(net, name, o, x, ins, const, tensors, out_tensor(k_out, None), where)
        elif name == "MAX_POOL_2D":
            out = out_tensor(k_out, None)
            if (out.scale, out.zero) != (x.scale, x.zero):
                raise ConversionError(f"{where} rescales its input (TFLite's int8 max pool keeps the scale)")
            node = channels_last_pool(net, x.node, "max", (o.filterHeight, o.filterWidth), (o.strideH, o.strideW),
                                      "SAME" if o.padding == 0 else "VALID", where)
            lo, hi = _int8_activation(o.fusedActivationFunction, out, where)
            if (lo, hi) != (out.qmin, out.qmax):
                node = net.clip(node, lo, hi, where=where)
            values[k_out] = _Int(node, out.scale, out.zero, out.qmin, out.qmax)
        elif name == "RESHAPE":
            target = [int(v) for v in (values[ins[1]] if len(ins) > 1 and ins[1] in values else
                                       const(ins[1]) if len(ins) > 1 and ins[1] >= 0 else o.newShape)]
            if not target or target[0] not in (-1, 1):
                raise ConversionError(f"{where} reshapes to {target}; the first dimension must stay the batch")
            values[k_out] = _Int(net.reshape(x.node, target[1:], where=where), x.scale, x.zero, x.qmin, x.qmax)
        elif name in ("SOFTMAX", "DEQUANTIZE") and k_out == int(g.outputs[0]):
            values[k_out] = x   # monotone: the argmax is its input's; the circuit outputs the int8 values
            head = "argmax"
        else:
            raise ConversionError(f"{where} is not supported in an int8 model", hint=INT8_SUPPORTED)
    out = values.get(int(g.outputs[0]))
    if not isinstance(out, _Int):
        raise ConversionError("the TFLite model's output is not computed from its input")
    flat = net.flatten(out.node) if len(out.node.shape) != 1 else out.node
    net.output(flat, head)
    net.title = f"TFLite int8 model ({net.n_features} inputs, {len(g.operators)} operators), integer arithmetic " \
                "as TFLite's reference kernels, converted to pyleo."
    return net, np.dtype(dtype)


def _int8_affine(net: Any, name: str, o: Any, x: _Int, ins: list[int], const: Any, tensors: Any, out: _Int,
            where: str) -> _Int:
    """FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D: the accumulator on the centred input, requantized."""
    W = const(ins[1])
    w_scale = _int8_scale(tensors[ins[1]])
    if w_scale is None or np.any(np.asarray(tensors[ins[1]].quantization.zeroPoint) != 0):
        raise ConversionError(f"{where} has weights that are not symmetric int8 (zero point 0)", hint=INT8_SUPPORTED)
    b = const(ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
    centred = net.scale_shift(x.node, 1.0, float(-x.zero), where=where)
    if name == "FULLY_CONNECTED":
        if len(centred.shape) != 1:
            centred = net.flatten(centred, where=where)
        acc = net.dense(centred, W, b, where=where)
        channels = W.shape[0]
    else:
        if name == "CONV_2D":   # (C_out, kh, kw, C_in)
            K, groups = W.transpose(0, 3, 1, 2), x.node.shape[-1] // W.shape[3]
        else:                   # (1, kh, kw, C_in·multiplier)
            K, groups = W.transpose(3, 0, 1, 2), x.node.shape[-1]
        acc = channels_last_conv(net, centred, K, b, (o.strideH, o.strideW), "SAME" if o.padding == 0 else "VALID",
                                 (o.dilationHFactor, o.dilationWFactor), groups, where)
        channels = K.shape[0]
    # TFLite: effective scale = double(input scale) · double(filter scale) / double(output scale), per channel
    real = np.float64(np.float32(x.scale)) * np.broadcast_to(w_scale.astype(np.float32).astype(np.float64),
                                                             (channels,)) / np.float64(np.float32(out.scale))
    lo, hi = _int8_activation(o.fusedActivationFunction, out, where)
    per_value = np.broadcast_to(real, (acc.size // channels, channels)).ravel()   # channels-last: the last axis
    rq = Requantization.from_scales(per_value, out.zero, lo, hi, acc.size, where,
                                    "single" if name == "FULLY_CONNECTED" else "double")
    return _Int(net.requantize(acc, rq, where=where), out.scale, out.zero, out.qmin, out.qmax)


def int8_input_range(data: bytes, model: Any) -> tuple[float, float]:
    """The int8 (or uint8) input tensor's range: the circuit's input range."""
    t = model.subgraphs[0].tensors[int(model.subgraphs[0].inputs[0])]
    lo, hi = INT_TYPES.get(t.type, (None, -128, 127))[1:]
    return float(lo), float(hi)


# ---- float models -----------------------------------------------------------------------------------
class _Head:
    def __init__(self, node: Any, head: str, op: str) -> None:
        self.node, self.head, self.op = node, head, op


class TfliteModel:
    """The model as TFLite runs it: ``tf.lite.Interpreter`` running the file, one row at a time (TFLite
    files from Keras have a batch of 1), deciding as the head says. ``reference``: TFLite's reference
    kernels (``OpResolverType.BUILTIN_REF``), which an int8 model's circuit reproduces value for value (the
    default kernels and the XNNPACK delegate round some requantizations otherwise: docs/quantized.md)."""

    def __init__(self, data: bytes, head: str, reference: bool = False) -> None:
        self.data, self.head, self.reference = data, head, reference

    def outputs(self, X: Any) -> np.ndarray:
        """(n, outputs) float64: the output tensor per row (an int8 model's int8 values, not dequantized)."""
        tf = load_tf()
        kind = tf.lite.experimental.OpResolverType
        with quiet.silenced(), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "tf.lite.Interpreter is deprecated" (LiteRT's is not installed)
            interpreter = tf.lite.Interpreter(model_content=self.data, experimental_op_resolver_type=(
                kind.BUILTIN_REF if self.reference else kind.AUTO))
            interpreter.allocate_tensors()
        inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
        shape = tuple(int(d) for d in inp["shape"][1:])
        A = np.asarray(X, np.float64).reshape(len(X), *shape).astype(inp["dtype"])
        rows = []
        for row in A:
            interpreter.set_tensor(inp["index"], row[None])
            interpreter.invoke()
            rows.append(np.asarray(interpreter.get_tensor(out["index"]), np.float64).ravel())
        return np.stack(rows)

    def predict(self, X: Any) -> np.ndarray:
        """(n_samples,) labels or values, as the head decides (:func:`~stdlib_ml.convert.nn.decide`)."""
        return nn.decide(self.outputs(X), self.head)


def network(data: bytes, X: np.ndarray | None = None) -> Any:
    """The :class:`~stdlib_ml.convert.nn.Network` a float TFLite model's first subgraph computes."""
    schema = _schema()
    model = _model(data, "the TFLite model")
    g = model.subgraphs[0]
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise ConversionError(f"the TFLite model has {len(g.inputs)} inputs and {len(g.outputs)} outputs; one of each "
                              "is supported")
    if is_int8(model):
        return int8_network(model, names)[0]
    tensors = g.tensors
    for t in tensors:
        if t.quantization is not None and t.quantization.scale is not None and len(t.quantization.scale) \
                and _DTYPES.get(t.type) in (np.int8, np.uint8, np.int16):
            raise ConversionError(f"the TFLite model is quantized (tensor {t.name.decode()!r} is "
                                  f"{np.dtype(_DTYPES[t.type]).name} with scale {t.quantization.scale[0]:g}) but its "
                                  "input or output is float (it QUANTIZEs / DEQUANTIZEs inside): the circuit takes "
                                  "and gives the int8 tensors", hint="convert with converter.inference_input_type = "
                                  "tf.int8 and converter.inference_output_type = tf.int8 (full-integer quantization)")
    shape = tuple(int(d) for d in tensors[g.inputs[0]].shape[1:])
    if X is not None and int(np.prod(X.shape[1:])) != int(np.prod(shape)):
        raise ModelInputError(f"X has samples of shape {X.shape[1:]}; the TFLite model takes {shape}")
    net = nn.Network(shape, name="tflite_model")
    values: dict[int, Any] = {int(g.inputs[0]): net.input}

    def get(k: int) -> Any:
        if k in values:
            return values[k]
        t = tensors[k]
        buf = model.buffers[t.buffer].data if t.buffer < len(model.buffers) else None
        if buf is None or t.type not in _DTYPES:
            raise ConversionError(f"TFLite tensor {t.name.decode()!r} is neither computed nor a constant")
        values[k] = np.frombuffer(bytes(bytearray(buf)), dtype=_DTYPES[t.type]).reshape(
            [int(d) for d in t.shape]).astype(np.float64 if _DTYPES[t.type] in (np.float32, np.float16, np.float64)
                                               else np.int64)
        return values[k]

    for i, op in enumerate(g.operators):
        code = model.operatorCodes[op.opcodeIndex]
        name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")
        outs = [int(o) for o in op.outputs]
        where = f"TFLite operator {i + 1} of {len(g.operators)} ({name} → {tensors[outs[0]].name.decode()!r})"
        args = [get(int(k)) if k >= 0 else None for k in op.inputs]
        values[outs[0]] = _operator(net, name, op.builtinOptions, args, where)
    out = values.get(int(g.outputs[0]))
    if out is None or isinstance(out, np.ndarray):
        raise ConversionError("the TFLite model's output is not computed from its input")
    if isinstance(out, _Head):
        net.output(out.node, out.head, classes=[0, 1] if out.head == "threshold" else None)
    else:
        flat = net.flatten(out)
        net.output(flat, "regression" if flat.size == 1 else "argmax")
    net.title = f"TFLite model ({net.n_features} inputs, {len(g.operators)} operators), converted to pyleo."
    return net


def _operator(net: Any, name: str, o: Any, args: list[Any], where: str) -> Any:
    """Add one TFLite operator (``o``: its builtin options) to ``net``; returns its output's value."""
    def refuse(why: str = "is not supported") -> ConversionError:
        return ConversionError(f"{where} {why}", hint=SUPPORTED)

    def tensor(v: Any) -> Any:
        if isinstance(v, _Head):
            if v.head != "threshold":
                raise refuse(f"uses the output of a {v.op}, which is supported only last (it decides the label)")
            return net.activation(v.node, "sigmoid", where=where)
        if v is None or isinstance(v, np.ndarray):
            raise refuse("takes a constant where a computed tensor is expected")
        return v

    def fused(node: Any) -> Any:
        act = _ACTIVATION.get(getattr(o, "fusedActivationFunction", 0), "unknown")
        if act is None:
            return node
        if act == "relu":
            return net.relu(node, where=where)
        if act in ("relu6", "relu_n1_to_1"):
            return net.clip(node, 0.0 if act == "relu6" else -1.0, 6.0 if act == "relu6" else 1.0, where=where)
        if act == "tanh":
            return net.activation(node, "tanh", where=where)
        raise refuse(f"has fused activation {getattr(o, 'fusedActivationFunction', None)}, which is not supported")

    if all(isinstance(a, np.ndarray) or a is None for a in args):   # constants: folded
        if name == "SHAPE":
            return np.asarray(args[0].shape)
        if name == "DEQUANTIZE":   # float16 weights
            return args[0]
        if name == "STRIDED_SLICE":
            return strided_slice(*args[:4], (o.beginMask, o.endMask, o.ellipsisMask, o.newAxisMask, o.shrinkAxisMask),
                                 where)
        if name == "PACK":
            return np.stack(args, axis=int(o.axis))
        raise refuse("on constants is not supported")
    if name == "SHAPE":
        return np.asarray([BATCH, *tensor(args[0]).shape], dtype=object)
    if name in ("STRIDED_SLICE", "PACK"):
        raise refuse("on a computed tensor is not supported")
    if name in ("SOFTMAX", "LOG_SOFTMAX"):
        return _Head(net.flatten(tensor(args[0]), where=where), "argmax", name)
    if name == "LOGISTIC":
        x = tensor(args[0])
        return _Head(net.flatten(x, where=where), "threshold", name) if x.size == 1 else \
            net.activation(x, "sigmoid", where=where)
    x = tensor(args[0])
    if name == "FULLY_CONNECTED":
        if len(x.shape) != 1:
            x = net.flatten(x, where=where)
        W = args[1]
        if not isinstance(W, np.ndarray):
            raise refuse("takes its weights from the data")
        return fused(net.dense(x, W, args[2] if len(args) > 2 else None, where=where))
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        K = args[1]   # CONV_2D: (C_out, kh, kw, C_in); DEPTHWISE: (1, kh, kw, C_in·multiplier)
        if name == "CONV_2D":
            W, groups = K.transpose(0, 3, 1, 2), x.shape[-1] // K.shape[3]
        else:
            W, groups = K.transpose(3, 0, 1, 2), x.shape[-1]
        padding = "SAME" if o.padding == 0 else "VALID"
        return fused(channels_last_conv(net, x, W, args[2] if len(args) > 2 else None, (o.strideH, o.strideW),
                                        padding, (o.dilationHFactor, o.dilationWFactor), groups, where))
    if name in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        return fused(channels_last_pool(net, x, "max" if name.startswith("MAX") else "avg",
                                        (o.filterHeight, o.filterWidth), (o.strideH, o.strideW),
                                        "SAME" if o.padding == 0 else "VALID", where))
    if name == "MEAN":
        axes = sorted(int(v) % (len(x.shape) + 1) for v in np.atleast_1d(args[1]))
        if len(x.shape) < 2 or axes != list(range(1, len(x.shape))):
            raise refuse(f"averages axes {axes}; the mean over all spatial axes is supported")
        return global_average(net, x, bool(o.keepDims), where)
    if name in ("ADD", "SUB", "MUL"):
        other = args[1]
        if not isinstance(other, np.ndarray):
            if name == "MUL":
                raise refuse("multiplies two computed tensors (not affine)")
            y = tensor(other)
            return fused((net.add if name == "ADD" else net.sub)(x, y, where=where))
        c = broadcast(other, x.shape)
        if c is None:
            raise refuse(f"combines a tensor of shape {x.shape} with a constant of shape {other.shape}")
        if name == "MUL":
            return fused(net.scale_shift(x, c, 0.0, where=where))
        return fused(net.scale_shift(x, 1.0, c if name == "ADD" else -c, where=where))
    if name in ("RELU", "RELU6", "LEAKY_RELU", "ELU", "TANH"):
        if name == "RELU":
            return net.relu(x, where=where)
        if name == "RELU6":
            return net.clip(x, 0.0, 6.0, where=where)
        if name == "LEAKY_RELU":
            return net.leaky_relu(x, float(o.alpha), where=where)
        return net.activation(x, name.lower(), where=where)
    if name in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
        if name == "RESHAPE":
            target = args[1] if len(args) > 1 and args[1] is not None else np.asarray(o.newShape)
            target = list(target)
        elif name == "SQUEEZE":
            full = [BATCH, *x.shape]
            dims = {int(d) % len(full) for d in (o.squeezeDims if o.squeezeDims is not None else [])}
            if not dims or 0 in dims:
                raise refuse("squeezes the batch dimension (or every dimension of size 1)")
            target = [s for k, s in enumerate(full) if k not in dims]
        else:
            full = [BATCH, *x.shape]
            d = int(args[1]) % (len(full) + 1)
            if d == 0:
                raise refuse("adds a dimension before the batch")
            target = [*full[:d], 1, *full[d:]]
        if not target or not (target[0] is BATCH or int(target[0]) in (-1, 1)):
            raise refuse(f"reshapes to {target}; the first dimension must stay the batch")
        return net.reshape(x, [int(s) for s in target[1:]], where=where)
    if name in ("PAD", "PADV2"):
        pads = np.asarray(args[1], np.int64)
        if name == "PADV2" and float(args[2]) != 0.0:
            raise refuse("pads with a non-zero constant")
        if pads.shape != (len(x.shape) + 1, 2) or pads[0].any():
            raise refuse(f"pads {pads.tolist()} (the batch dimension must not be padded)")
        return net.pad(x, [tuple(p) for p in pads[1:]], where=where)
    if name == "TRANSPOSE":
        perm = [int(v) for v in args[1]]
        if perm[0] != 0:
            raise refuse("moves the batch dimension")
        return net.permute(x, [p - 1 for p in perm[1:]], where=where)
    if name == "CONCATENATION":
        xs = [tensor(a) for a in args]
        axis = int(o.axis) % (len(x.shape) + 1)
        if axis == 0:
            raise refuse("concatenates along the batch")
        return fused(net.concat(xs, axis - 1, where=where))
    raise refuse()


def from_tflite(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None, name: str | None = None,
                weights: str = "public", inputs: str = "private", output: str = "public",
                resolution: int = MLP_RESOLUTION, approximate: bool = True, min_agreement: float = 1.0,
                max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
                fit: bool = True) -> ZkModel:
    """Convert a TFLite model (a ``.tflite`` path or its bytes) to a :class:`ZkModel`: a float model, or an
    int8 / uint8 one (full-integer post-training quantization), whose circuit reproduces TFLite's
    reference integer kernels exactly (:func:`int8_network`, docs/quantized.md).

    ``X``: calibration rows, (n_samples, *input_shape) channels-last or flattened: the input range and
    the self-check against ``tf.lite.Interpreter``'s output (:class:`TfliteModel`); for an int8 model,
    the int8 input tensor's values (integers), checked element by element against the interpreter's
    int8 output tensor (input range: the type's, input bits 0, ``resolution`` unused). Options as
    :func:`~stdlib_ml.convert.tensorflow.from_tensorflow`'s. Raises :class:`ModelInputError` (missing or
    damaged file, malformed ``X``) and :class:`ConversionError` (TensorFlow missing, a quantized model,
    an unsupported operator named with its place; fidelity below the bar)."""
    data = bytes(model) if isinstance(model, (bytes, bytearray)) else load_tflite(model)
    Xa = calibration_rows(X, samples=True)
    net = network(data, Xa)
    Xa = network_rows(Xa, net.input.shape, "the TFLite model")
    if is_int8(_model(data, "the TFLite model")):
        runtime = TfliteModel(data, net.head, reference=True)
        checked = check_elementwise(net, Xa, runtime.outputs, check_rows, "tf.lite.Interpreter (reference kernels)",
                                    int8_input_range(data, _model(data, "the TFLite model")))
        return nn.convert(net, Xa, reference=runtime.predict, model_name="TFLiteInt8",
                          oracle="; ".join(filter(None, ["tf.lite.Interpreter with TFLite's reference kernels "
                                                         "(BUILTIN_REF)", checked])),
                          input_range=int8_input_range(data, _model(data, "the TFLite model")), input_bits=0,
                          name=name, weights=weights, inputs=inputs, output=output, resolution=resolution,
                          approximate=approximate, min_agreement=min_agreement, max_error=max_error, strict=strict,
                          check_rows=check_rows, fit=False)
    return nn.convert(net, Xa, reference=TfliteModel(data, net.head).predict, model_name="TFLite",
                      input_range=input_range, input_bits=input_bits, name=name, weights=weights, inputs=inputs,
                      output=output, resolution=resolution, approximate=approximate, min_agreement=min_agreement,
                      max_error=max_error, strict=strict, check_rows=check_rows, fit=fit)


FAMILIES = ("TFLite: float32 models of the operators " + ", ".join(OPS) + "; int8 models (full-integer quantization, "
            "bit-exact) of " + ", ".join(INT8_OPS))
"""What this frontend converts, in words."""

PRIVATE = "TFLite models"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """TFLite models are files (or bytes), never objects of a package."""
    return False


def load(path: str | os.PathLike[str]) -> bytes:
    """The checked bytes of a ``.tflite`` file (:func:`load_tflite`)."""
    return load_tflite(path)


def float_model(model: Any) -> Any:
    """``tf.lite.Interpreter`` running the model (:class:`TfliteModel`)."""
    data = bytes(model) if isinstance(model, (bytes, bytearray)) else load_tflite(model)
    return TfliteModel(data, network(data).head, reference=is_int8(_model(data, "the TFLite model")))
