"""ONNX quantized graphs (onnxruntime's ``quantize_static``, QOperator format: QuantizeLinear, QLinearConv,
QLinearMatMul, QGemm, int8 MaxPool / Flatten, DequantizeLinear) → an integer :class:`~.nn.Network` whose
circuit computes onnxruntime's int8 values exactly.

The circuit takes the int8 tensor the first QuantizeLinear produces and gives the int8 tensor the last
DequantizeLinear reads; the oracle is onnxruntime running the graph without those two ends (int8 in, int8
out). Per quantized layer the int32 accumulator ``Σ (w − w_zero)·(x − x_zero) + bias`` (as
:func:`.tflite.int8_network`), then onnxruntime's requantization (MLAS ``MlasRequantizeOutput``): ``rne(fl32(fl32(x) ·
scale))`` clamped and offset by the output zero point, ``scale = x_scale · w_scale / y_scale`` in float32.
The float32 scale is a dyadic rational ``m·2**-t`` (m < 2**24), so the exact product rounded half up is
the single-rounding requantization of :mod:`.nn.integer` with M = m·2**7; the float32 product's own
rounding and round-half-to-even could differ from it at a few accumulators, so every accumulator of the
window where the output is not clamped is checked, per scale, by numpy's float32 (IEEE, as MLAS): where it
differs the circuit corrects it (an equality test per value and accumulator), and a layer where more than
:data:`~.nn.integer.MAX_EXCEPTIONS` differ is refused, naming it and the first accumulator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import nn
from .model import ConversionError
from .nn.integer import Requantization, float32_multiplier, joined, single_rounding, window

QLINEAR_OPS = ("QLinearConv", "QLinearMatMul", "QGemm")
"""The quantized layers :func:`network` converts (with QuantizeLinear first, DequantizeLinear last, int8
MaxPool, Flatten, Reshape between)."""

SUPPORTED = ("supported ONNX quantized graphs (onnxruntime's QOperator format): QuantizeLinear first, "
             + ", ".join(QLINEAR_OPS) + ", MaxPool, Flatten, Reshape, DequantizeLinear last")


def is_quantized(model: Any) -> bool:
    """Whether the graph holds a quantized layer (QLinearConv, QLinearMatMul, QGemm) or quantizes at all
    (QuantizeLinear: a QDQ-format graph, which :func:`network` refuses with the format to use)."""
    return any(n.op_type in (*QLINEAR_OPS, "QuantizeLinear") for n in model.graph.node)


def float_requantization(scale: np.float32, zero: int, size: int, acc_lo: float, acc_hi: float,
                         where: str) -> Requantization:
    """onnxruntime's requantization by the float32 ``scale`` as the exact single rounding, after checking
    every accumulator in [acc_lo, acc_hi] (the reachable ones) whose output is not clamped, plus
    :data:`~.nn.integer.WINDOW_MARGIN` steps, against the float32 arithmetic (:func:`.nn.integer.single_rounding`).
    Raises :class:`ConversionError`."""
    M, r = float32_multiplier(scale, where)
    lo, hi = window(M, r, zero, -128, 127, acc_lo, acc_hi)
    x = np.arange(lo, hi + 1, dtype=np.int64)
    s = np.float32(scale)
    theirs = np.clip(np.rint(np.clip(x.astype(np.float32) * s, np.float32(-128 - zero), np.float32(127 - zero))),
                     -128 - zero, 127 - zero).astype(np.int64) + zero
    return single_rounding(M, r, zero, -128, 127, size, x, theirs, where, "onnxruntime")


def ends(graph: Any) -> tuple[Any, Any]:
    """The graph's first QuantizeLinear (of its input) and its last DequantizeLinear (of its output, or None).
    Raises :class:`ConversionError` when the input is not quantized first."""
    first = next((n for n in graph.nodes if n.op_type == "QuantizeLinear" and n.input[0] == graph.input), None)
    if first is None:
        raise ConversionError("the quantized ONNX graph does not QuantizeLinear its input first", hint=SUPPORTED)
    last = next((n for n in graph.nodes if n.op_type == "DequantizeLinear" and n.output[0] == graph.output), None)
    return first, last


def network(graph: Any) -> Any:
    """The integer Network of a quantized ONNX graph (QOperator format, int8); ``graph``: the frontend's
    :class:`~stdlib_ml.convert.onnx.Graph` (nodes, constants, attributes)."""
    if not any(n.op_type in QLINEAR_OPS for n in graph.nodes):
        raise ConversionError("the ONNX graph is quantized in QDQ format (float operators between QuantizeLinear / "
                              "DequantizeLinear pairs, fused into integer kernels only inside onnxruntime): not "
                              "supported", hint="quantize_static(..., quant_format=QuantFormat.QOperator)")
    first, last = ends(graph)
    inits = graph.consts
    shape = tuple(int(d or 1) for d in graph.input_shape[1:])
    net = nn.Network(shape, name="onnx_int8_model")
    values: dict[str, Any] = {first.output[0]: net.input}
    if inits[first.input[1]].size != 1 or inits[first.input[2]].dtype != np.int8:
        raise ConversionError("the ONNX graph's input QuantizeLinear is not per-tensor int8", hint=SUPPORTED)

    def const(name: str, where: str) -> np.ndarray:
        if name not in inits:
            raise ConversionError(f"{where} takes {name!r} from the data where a constant is expected")
        return inits[name]

    for i, n in enumerate(graph.nodes):
        where = f"ONNX {graph.where(i)}"
        if n is first or n is last:
            continue
        if not n.input or n.input[0] not in values:
            raise ConversionError(f"{where} is not supported in a quantized graph (it does not take the int8 "
                                  "activation)", hint=SUPPORTED)
        x = values[n.input[0]]
        attrs = graph.attrs(i)
        if n.op_type in QLINEAR_OPS:
            values[n.output[0]] = _layer(net, n, x, attrs, const, where)
        elif n.op_type == "MaxPool":
            if attrs.get("ceil_mode", 0) or any(d != 1 for d in attrs.get("dilations", [1])):
                raise ConversionError(f"{where}: ceil_mode or dilations are not supported")
            k = attrs["kernel_shape"]
            pads = _pads(attrs, len(k), where)
            values[n.output[0]] = net.max_pool(x, k, attrs.get("strides", [1] * len(k)),   # ONNX's default stride: 1
                                               [(pads[j], pads[j + len(k)]) for j in range(len(k))], where=where)
        elif n.op_type in ("Flatten", "Reshape"):
            values[n.output[0]] = net.flatten(x, where=where)
        else:
            raise ConversionError(f"{where} is not supported in a quantized graph", hint=SUPPORTED)
    out = values.get(last.input[0] if last is not None else graph.output)
    if out is None:
        raise ConversionError("the quantized ONNX graph's output is not computed from its input")
    net.output(net.flatten(out) if len(out.shape) != 1 else out, "argmax")
    net.title = (f"ONNX int8 graph ({net.n_features} inputs, {len(graph.nodes)} nodes), integer arithmetic as onnxruntime's, "
                 "converted to pyleo.")
    return net


def _pads(attrs: dict[str, Any], d: int, where: str) -> list[int]:
    """A MaxPool's or QLinearConv's explicit ``pads`` (begins, then ends; 0 by default). Raises
    :class:`ConversionError` for ``auto_pad`` SAME_UPPER / SAME_LOWER (not read here)."""
    auto = attrs.get("auto_pad", "NOTSET")
    if auto not in ("NOTSET", "VALID"):
        raise ConversionError(f"{where}: auto_pad={auto} is not supported in a quantized graph (explicit pads are)",
                              hint=SUPPORTED)
    return list(attrs.get("pads", [0] * 2 * d)) if auto == "NOTSET" else [0] * 2 * d


def _layer(net: Any, n: Any, x: Any, attrs: dict[str, Any], const: Any, where: str) -> Any:
    """QLinearConv / QLinearMatMul / QGemm: the accumulator on the centred input, requantized."""
    ins = list(n.input)
    if n.op_type == "QLinearConv":
        xs, xz, W, ws, wz, ys, yz = (ins[k] for k in (1, 2, 3, 4, 5, 6, 7))
        bias = ins[8] if len(ins) > 8 and ins[8] else None
    elif n.op_type == "QGemm":
        xs, xz, W, ws, wz, bias, ys, yz = (ins[k] if k < len(ins) else "" for k in (1, 2, 3, 4, 5, 6, 7, 8))
        if not ys:
            raise ConversionError(f"{where} outputs float (no output scale): not a quantized layer")
        if attrs.get("transA", 0) or float(attrs.get("alpha", 1.0)) != 1.0:
            raise ConversionError(f"{where}: transA or alpha ≠ 1 is not supported")
    else:   # QLinearMatMul
        xs, xz, W, ws, wz, ys, yz = (ins[k] for k in (1, 2, 3, 4, 5, 6, 7))
        bias = None
    Wq = const(W, where).astype(np.int64)
    if np.any(const(wz, where) != 0):
        raise ConversionError(f"{where} has weights with a non-zero zero point (asymmetric): not supported")
    x_zero = int(const(xz, where))
    centred = net.scale_shift(x, 1.0, float(-x_zero), where=where)
    b = None if not bias else const(bias, where).astype(np.int64)
    if n.op_type == "QLinearConv":
        k = Wq.shape[2:]
        pads = _pads(attrs, len(k), where)
        acc = net.conv(centred, Wq, b, stride=attrs.get("strides", 1), dilation=attrs.get("dilations", 1),
                       padding=[(pads[j], pads[j + len(k)]) for j in range(len(k))], groups=attrs.get("group", 1),
                       where=where)
        channels = Wq.shape[0]
    else:
        Wm = Wq if n.op_type == "QGemm" and attrs.get("transB", 0) else Wq.T   # (out, in)
        acc = net.dense(centred if len(centred.shape) == 1 else net.flatten(centred, where=where), Wm, b, where=where)
        channels = Wm.shape[0]
    x_scale = np.float32(const(xs, where))
    w_scale = np.broadcast_to(const(ws, where).astype(np.float32), (channels,))
    y_scale, y_zero = np.float32(const(ys, where)), int(const(yz, where))
    box = net.intervals(np.full(net.n_features, -128.0), np.full(net.n_features, 127.0))[id(acc)]
    per = acc.size // channels
    parts = []
    for c in range(channels):
        scale = np.float32(np.float32(x_scale * w_scale[c]) / y_scale)
        rows = np.arange(c * per, (c + 1) * per)   # channels first
        parts.append(float_requantization(scale, y_zero, per, float(box[0][rows].min()), float(box[1][rows].max()),
                                          where))
    return net.requantize(acc, joined(parts, where), where=where)

