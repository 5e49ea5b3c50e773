"""TFLite int8 models (full-integer post-training quantization) → an integer :class:`~.nn.Network` whose
circuit reproduces TFLite's reference integer kernels exactly (:mod:`.nn.integer`).

The circuit takes the model's int8 (or uint8) input tensor, flattened channels-last, and computes every
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

from typing import Any

import numpy as np

from . import nn
from .model import ConversionError
from .nn.integer import Requantization, round_away
from .tensorflow import channels_last_conv, channels_last_pool, strided_slice

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RESHAPE", "SOFTMAX", "DEQUANTIZE")
"""The TFLite builtin operators of int8 models :func:`network` converts (``SOFTMAX`` and ``DEQUANTIZE`` last)."""

SUPPORTED = "supported TFLite operators (int8 models): " + ", ".join(OPS)

INT_TYPES = {9: (np.int8, -128, 127), 3: (np.uint8, 0, 255)}
"""TFLite tensor types of quantized activations: numpy type and range (TensorType INT8, UINT8)."""


def is_quantized(model: Any) -> bool:
    """Whether the first subgraph's input or output is an int8 / uint8 tensor with a scale (full-integer)."""
    g = model.subgraphs[0]
    return any(_scale(g.tensors[int(k)]) is not None for k in [*g.inputs, *g.outputs])


def _scale(t: Any) -> np.ndarray | None:
    q = t.quantization
    if t.type not in INT_TYPES or q is None or q.scale is None or not len(q.scale):
        return None
    return np.asarray(q.scale, np.float64)


class _Int:
    """A computed int8 tensor: its node and (scale, zero point) as float32 and int."""

    def __init__(self, node: Any, scale: float, zero: int, qmin: int, qmax: int) -> None:
        self.node, self.scale, self.zero, self.qmin, self.qmax = node, scale, zero, qmin, qmax


def _activation_range(act: int, t: _Int, where: str) -> tuple[int, int]:
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
    raise ConversionError(f"{where} has fused activation {act}, which an int8 model cannot have", hint=SUPPORTED)


def network(model: Any, names: dict[int, str]) -> tuple[Any, np.dtype]:
    """The integer Network of an int8 TFLite model (its first subgraph) and the input's numpy type."""
    g = model.subgraphs[0]
    tensors = g.tensors
    k_in = int(g.inputs[0])
    t_in = tensors[k_in]
    if _scale(t_in) is None:
        raise ConversionError("the TFLite model is quantized but takes a float input (it QUANTIZEs first): the "
                              "circuit takes the int8 tensor", hint="convert with converter.inference_input_type = "
                              "tf.int8 (and inference_output_type = tf.int8)")
    dtype, qmin, qmax = INT_TYPES[t_in.type]
    shape = tuple(int(d) for d in t_in.shape[1:])
    net = nn.Network(shape, name="tflite_int8_model")
    values: dict[int, Any] = {k_in: _Int(net.input, float(_scale(t_in)[0]), int(t_in.quantization.zeroPoint[0]),
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
        if _scale(t) is None:
            raise ConversionError(f"TFLite tensor {t.name.decode()!r} is not an int8 tensor with a scale")
        lo, hi = INT_TYPES[t.type][1:]
        return _Int(node, float(_scale(t)[0]), int(t.quantization.zeroPoint[0]), lo, hi)

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
                raise ConversionError(f"{where} on constants is not supported", hint=SUPPORTED)
            continue
        if name == "SHAPE":   # of a computed tensor: its static shape, batch 1
            values[k_out] = np.asarray([1, *values[ins[0]].node.shape])
            continue
        x = values[ins[0]]
        if not isinstance(x, _Int):
            raise ConversionError(f"{where} takes a constant where the model's int8 activation is expected",
                                  hint=SUPPORTED)
        if name in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
            values[k_out] = _affine(net, name, o, x, ins, const, tensors, out_tensor(k_out, None), where)
        elif name == "MAX_POOL_2D":
            out = out_tensor(k_out, None)
            if (out.scale, out.zero) != (x.scale, x.zero):
                raise ConversionError(f"{where} rescales its input (TFLite's int8 max pool keeps the scale)")
            node = channels_last_pool(net, x.node, "max", (o.filterHeight, o.filterWidth), (o.strideH, o.strideW),
                                      "SAME" if o.padding == 0 else "VALID", where)
            lo, hi = _activation_range(o.fusedActivationFunction, out, where)
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
            raise ConversionError(f"{where} is not supported in an int8 model", hint=SUPPORTED)
    out = values.get(int(g.outputs[0]))
    if not isinstance(out, _Int):
        raise ConversionError("the TFLite model's output is not computed from its input")
    flat = net.flatten(out.node) if len(out.node.shape) != 1 else out.node
    net.output(flat, head)
    net.title = f"TFLite int8 model ({net.n_features} inputs, {len(g.operators)} operators), integer arithmetic " \
                "as TFLite's reference kernels, converted to pyleo."
    return net, np.dtype(dtype)


def _affine(net: Any, name: str, o: Any, x: _Int, ins: list[int], const: Any, tensors: Any, out: _Int,
            where: str) -> _Int:
    """FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D: the accumulator on the centred input, requantized."""
    W = const(ins[1])
    w_scale = _scale(tensors[ins[1]])
    if w_scale is None or np.any(np.asarray(tensors[ins[1]].quantization.zeroPoint) != 0):
        raise ConversionError(f"{where} has weights that are not symmetric int8 (zero point 0)", hint=SUPPORTED)
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
    lo, hi = _activation_range(o.fusedActivationFunction, out, where)
    per_value = np.broadcast_to(real, (acc.size // channels, channels)).ravel()   # channels-last: the last axis
    rq = Requantization.from_scales(per_value, out.zero, lo, hi, acc.size, where,
                                    "single" if name == "FULLY_CONNECTED" else "double")
    return _Int(net.requantize(acc, rq, where=where), out.scale, out.zero, out.qmin, out.qmax)


def input_range(data: bytes, model: Any) -> tuple[float, float]:
    """The int8 (or uint8) input tensor's range: the circuit's input range."""
    t = model.subgraphs[0].tensors[int(model.subgraphs[0].inputs[0])]
    lo, hi = INT_TYPES.get(t.type, (None, -128, 127))[1:]
    return float(lo), float(hi)
