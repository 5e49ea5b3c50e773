"""PyTorch quantized modules (``torch.ao.quantization`` post-training static quantization: eager mode's
``prepare`` / ``convert``, or FX graph mode's ``convert_fx``) → an integer :class:`~.nn.Network` whose circuit
computes torch's quint8 values exactly, as its fbgemm (x86) or QNNPACK kernels do (docs/quantized.md).

The module is read as an FX graph (``torch.fx.symbolic_trace`` of an eager module, whose quantized layers are
leaf modules; a ``convert_fx`` GraphModule as it is), node by node, onto the same integer description as
TFLite's and onnxruntime's int8 models (:mod:`.nn.integer`). The circuit takes the quint8 tensor the input
quantization produces (``QuantStub`` → ``Quantize``, or ``torch.quantize_per_tensor``): its integers in
[0, 255]; its outputs are the quint8 tensor the final ``DeQuantize`` reads (the label: their argmax).

Per quantized layer (``Linear``, ``Conv1d``, ``Conv2d``, fused ``LinearReLU`` / ``ConvReLU1d`` /
``ConvReLU2d``; qint8 weights symmetric, per tensor or per output channel; a float32 bias) the kernels sum
the int32 accumulator ``acc = Σ w·(q − zero_in)`` and requantize it in float32; fbgemm
(``requantizeOutputProcessingAvx2``, fbgemm/src/QuantUtilsAvx2.cc)::

    a = fl32(s_in·s_w)     C = fl32(a / s_out)      β = fl32(bias / a)  (per tensor: fl32(bias·fl32(1/a)))
    y = rne(fl32(fl32(fl32(acc) + β)·C))            q = clamp(y + zero_out, ReLU ? zero_out : 0, 255)

and QNNPACK the same with β the bias quantized to int32 by torch (``quantize_bias`` of qnnpack_utils.h: scale
s_in·s_w, zero point 0), added exactly.

The circuit's accumulator is ``acc·2**A + round(β·2**A)`` (the bias folded into a scaled integer: integer
weights, 0 constraints), requantized by the exact single rounding of :mod:`.nn.integer` with ``C``'s 24-bit
significand; where float32's own roundings land otherwise (near ties) the accumulators are found by
enumerating, per channel, every reachable accumulator whose output is not clamped through the formula above in
numpy's float32 (IEEE, as AVX2), and corrected in the circuit (:func:`.nn.integer.single_rounding`). The
conversion then runs the module itself on the calibration rows and refuses it if one value differs.

ReLU on a quantized tensor (``nn.ReLU``, ``F.relu``) is a clamp at the zero point, ``MaxPool1d/2d`` a max of
quint8 values, flatten / reshape free. Refused, naming the layer: dynamic quantization (``quantize_dynamic``:
its activations' scales come from each batch at run time, in float), quantization-aware training modules
and observers (not converted yet), asymmetric weights, qint8 activations, quantized add and every other
quantized operation, and engines whose arithmetic is not this one (:data:`ENGINES`).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from . import nn
from .model import ConversionError, ModelInputError, ZkModel
from .nn.integer import check_elementwise, float32_multiplier, joined, single_rounding, window

ENGINES = ("fbgemm", "x86", "qnnpack")
"""``torch.backends.quantized.engine`` values whose quantized Linear / Conv arithmetic the circuit reproduces:
fbgemm's (a float32 bias added in float32), which the x86 engine runs for these layers (or oneDNN's for
convolutions on CPUs with AVX512-VNNI: equal on every value measured here, and guarded like every model by the
conversion's element-by-element check against the module itself), and QNNPACK's (the bias quantized to int32
first, then the same float32 product rounded). The oneDNN engine is refused."""

LAYERS = ("Linear", "LinearReLU", "Conv1d", "Conv2d", "ConvReLU1d", "ConvReLU2d")
"""The quantized layers (torch.ao.nn.quantized / torch.ao.nn.intrinsic.quantized) converted."""

SUPPORTED = ("supported PyTorch quantized modules (post-training static, fbgemm / x86 engine): QuantStub / "
             "quantize_per_tensor first, quantized " + ", ".join(LAYERS) + ", ReLU, MaxPool1d/2d, flatten / "
             "reshape, DeQuantStub last")

QUINT8 = (0, 255)
"""The range of a quint8 activation: the circuit's input range."""

_QUANTIZED = ("torch.ao.nn.quantized", "torch.ao.nn.intrinsic.quantized")
_DYNAMIC = ("torch.ao.nn.quantized.dynamic", "torch.ao.nn.intrinsic.quantized.dynamic")


_UNCONVERTED = (
    (_DYNAMIC, "is dynamically quantized (torch.ao.quantization.quantize_dynamic): it chooses its input's scale from "
     "each batch's minimum and maximum at run time and returns floats, so a sample's output depends on float "
     "arithmetic of run-time scales, not on fixed integer arithmetic; not converted",
     "quantize statically (prepare, calibrate, convert), or convert the float model"),
    *((kinds, "is a quantization-aware training module (fake-quantized float arithmetic), not converted to integer "
       "kernels", "call torch.ao.quantization.convert(model.eval()) (or convert_fx) first")
      for kinds in (("torch.ao.nn.qat", "torch.ao.nn.intrinsic.qat"), ("torch.ao.quantization.fake_quantize",))),
    (("torch.ao.quantization.observer",), "is an observer: the model is prepared for quantization but not converted",
     "calibrate it, then call torch.ao.quantization.convert(model) (or convert_fx)"),
    (("torch.ao.nn.quantized.reference",), "is a reference quantized module (convert_to_reference_fx): float "
     "operators between quantize / dequantize pairs, which only a backend lowers to integer kernels",
     "convert with convert_fx(prepared): its quantized modules are the kernels torch runs"),
)
"""Modules of a model not (yet) in integer arithmetic, by the module their class comes from, in the order they are
named: (modules, why, hint)."""


def is_quantized(model: Any) -> bool:
    """Whether ``model`` (a ``torch.nn.Module``) holds a quantized, QAT, observer or dynamic-quantized
    submodule, or its FX graph quantizes (``torch.quantize_per_tensor``): a model for :func:`from_quantized`."""
    import torch

    kinds = _QUANTIZED + tuple(k for modules, _, _ in _UNCONVERTED for k in modules)
    if any(type(m).__module__.startswith(kinds) for m in model.modules()):
        return True
    graph = getattr(model, "graph", None)
    return isinstance(model, torch.fx.GraphModule) and graph is not None and \
        any(n.op == "call_function" and n.target is torch.quantize_per_tensor for n in graph.nodes)


def _refuse_unconverted(model: Any) -> None:
    """Dynamic quantization, QAT modules and observers: the first of the first kind found, named."""
    for kinds, why, hint in _UNCONVERTED:
        for name, m in model.named_modules():
            if type(m).__module__.startswith(kinds):
                raise ConversionError(f"layer '{name}' ({type(m).__name__}, {type(m).__module__}) {why}", hint=hint)


class _Q:
    """A quantized activation: its Network node and (scale, zero point)."""

    def __init__(self, node: Any, scale: float, zero: int) -> None:
        self.node, self.scale, self.zero = node, scale, zero


class _Graph:
    """One pass over the module's FX graph, building the integer Network; ``start`` / ``end``: the graph
    nodes that quantize the input and dequantize the output (the oracle runs the graph between them)."""

    def __init__(self, gm: Any, shape: tuple[int, ...], name: str) -> None:
        import torch

        self.torch, self.gm = torch, gm
        self.net = nn.Network(shape, name=name)
        self.env: dict[Any, Any] = {}
        self.start: Any = None
        self.end: Any = None
        self.input_scale, self.input_zero = 1.0, 0
        self.out: _Q | None = None
        self.engine = torch.backends.quantized.engine

    def where(self, n: Any) -> str:
        if n.op == "call_module":   # quantized layers by their package: 'torch.ao.nn.quantized.Linear'
            cls = type(self.gm.get_submodule(n.target))
            package = cls.__module__.split(".modules")[0] + "." if cls.__module__.startswith(_QUANTIZED) else ""
            return f"layer '{n.target}' ({package}{cls.__name__})"
        name = getattr(n.target, "__name__", str(n.target))
        return f"node '{n.name}' ({n.op} {name})"

    def value(self, a: Any) -> Any:
        return self.env[a] if isinstance(a, self.torch.fx.Node) else a

    def run(self) -> None:
        for n in self.gm.graph.nodes:
            if n.op == "placeholder":
                if self.env:
                    raise ConversionError("the quantized model takes several inputs; one is supported")
                self.env[n] = "input"
            elif n.op == "get_attr":
                v = self.gm
                for part in str(n.target).split("."):
                    v = getattr(v, part)
                self.env[n] = v.item() if hasattr(v, "numel") and v.numel() == 1 else v
            elif n.op == "output":
                if self.out is None or self.env.get(n.args[0]) is not self.out:
                    raise ConversionError("the quantized model's output is not a quantized tensor computed from its "
                                          "input and dequantized last (DeQuantStub / .dequantize())", hint=SUPPORTED)
            else:
                self.env[n] = self.call(n)

    def call(self, n: Any) -> Any:
        torch, net, where = self.torch, self.net, self.where(n)
        args = [self.value(a) for a in n.args]
        x = args[0] if args else None
        m = self.gm.get_submodule(n.target) if n.op == "call_module" else None
        kind = type(m).__name__ if m is not None else n.target if n.op == "call_method" else \
            getattr(n.target, "__name__", str(n.target))
        if (m is not None and kind == "Quantize") or (n.op == "call_function" and n.target is torch.quantize_per_tensor):
            scale, zero, dtype = (m.scale, m.zero_point, m.dtype) if m is not None else args[1:4]
            if x != "input" or self.start is not None:
                raise ConversionError(f"{where} quantizes a value other than the model's input (the circuit takes "
                                      "the quantized input tensor)", hint=SUPPORTED)
            if dtype != torch.quint8:
                raise ConversionError(f"{where} quantizes the input to {dtype}; quint8 activations are supported")
            self.start, self.input_scale, self.input_zero = n, float(scale), int(zero)
            return _Q(net.input, float(scale), int(zero))
        if (m is not None and kind == "DeQuantize") or (n.op == "call_method" and n.target == "dequantize"):
            if not isinstance(x, _Q) or self.end is not None:
                raise ConversionError(f"{where} dequantizes a value that is not the model's quantized activation")
            self.end, self.out = n, x
            return x
        if not isinstance(x, _Q):
            if x == "input" or (m is not None and type(m).__module__.startswith(_QUANTIZED)):
                raise ConversionError(f"{where} runs before the input is quantized (the circuit takes the quantized "
                                      "input tensor: QuantStub first)", hint=SUPPORTED)
            raise ConversionError(f"{where} does not take the model's quantized activation", hint=SUPPORTED)
        if self.end is not None:
            raise ConversionError(f"{where} follows the dequantization; the circuit ends at the quantized output",
                                  hint=SUPPORTED)
        if m is not None and type(m).__module__.startswith(_QUANTIZED) and kind in LAYERS:
            return self.layer(m, kind, x, where)
        if kind in ("ReLU", "relu"):   # torch.nn.ReLU, F.relu, torch.relu, .relu() on a quantized tensor
            return _Q(net.clip(x.node, float(x.zero), where=where), x.scale, x.zero)
        if kind in ("MaxPool1d", "MaxPool2d", "max_pool1d", "max_pool2d"):
            names = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
            given = {k: getattr(m, k) for k in names} if m is not None else {**dict(zip(names, args[1:])), **n.kwargs}
            if given.get("ceil_mode") or np.any(np.asarray(given.get("dilation", 1)) != 1):
                raise ConversionError(f"{where}: ceil_mode or dilation is not supported")
            node = net.max_pool(x.node, given["kernel_size"], given.get("stride") or None, given.get("padding", 0),
                                where=where)
            return _Q(node, x.scale, x.zero)
        if kind in ("Flatten", "flatten"):
            start = m.start_dim if m is not None else (args[1] if len(args) > 1 else n.kwargs.get("start_dim", 0))
            if start != 1 or (m is not None and m.end_dim != -1):
                raise ConversionError(f"{where}: flattening from dimension {start} (the batch is dimension 0; "
                                      "flatten(x, 1) is supported)")
            return _Q(net.flatten(x.node, where=where), x.scale, x.zero)
        if kind in ("view", "reshape"):
            shape = list(args[1]) if len(args) == 2 and isinstance(args[1], (list, tuple)) else list(args[1:])
            if not shape or shape[0] not in (-1, "batch"):
                raise ConversionError(f"{where} reshapes to {shape}; the first dimension must stay the batch "
                                      "(x.view(x.size(0), -1) or x.view(-1, n))")
            return _Q(net.reshape(x.node, [int(s) for s in shape[1:]], where=where), x.scale, x.zero)
        if kind == "Dropout" and m.training and not type(m).__module__.startswith(_QUANTIZED):
            raise ConversionError(f"{where} is in training mode: it would zero random values of a quantized tensor, "
                                  "which torch itself cannot run", hint="call model.eval() before converting it (a "
                                  "quantized Dropout is the identity in either mode)")
        if kind in ("Identity", "Dropout", "contiguous"):
            return x
        if kind == "size" and n.op == "call_method" and len(args) == 2 and args[1] == 0:
            return "batch"
        if n.op == "call_function" and str(n.target).startswith("quantized.add"):
            raise ConversionError(f"{where}: a quantized add (FloatFunctional / QFunctional, torch.ops.quantized.add) "
                                  "is not supported: torch dequantizes both operands and requantizes their sum in "
                                  "float32 (fused multiply-adds), which the exact rounding misses at 65 of the 65,536 "
                                  "operand pairs of one measured pair of scales: more corrections than the circuit "
                                  "takes", hint=SUPPORTED)
        if n.op == "call_function" and n.target is operator.getitem:
            raise ConversionError(f"{where}: indexing a quantized tensor is not supported", hint=SUPPORTED)
        raise ConversionError(f"{where} is not supported in a quantized model", hint=SUPPORTED)

    def layer(self, m: Any, kind: str, x: _Q, where: str) -> _Q:
        """A quantized Linear / Conv (with fused ReLU): fbgemm's accumulator and requantization."""
        torch, net = self.torch, self.net
        W = m.weight()
        wq = W.int_repr().numpy().astype(np.int64)
        channels = wq.shape[0]
        if W.dtype != torch.qint8:
            raise ConversionError(f"{where} has {W.dtype} weights; qint8 is supported")
        if W.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            if W.q_per_channel_axis() != 0:
                raise ConversionError(f"{where} is quantized per channel along axis {W.q_per_channel_axis()}; "
                                      "per output channel (axis 0) is supported")
            w_scale = W.q_per_channel_scales().numpy().astype(np.float32)
            w_zero = W.q_per_channel_zero_points().numpy()
            per_channel = True
        else:
            w_scale = np.full(channels, W.q_scale(), np.float32)
            w_zero = np.full(channels, W.q_zero_point())
            per_channel = False
        if np.any(w_zero != 0):
            raise ConversionError(f"{where} has weights with a non-zero zero point (affine, not symmetric): not "
                                  "supported", hint="quantize weights symmetrically (the fbgemm / x86 default qconfig)")
        bias = m.bias()
        b = np.zeros(channels, np.float32) if bias is None else bias.detach().numpy().astype(np.float32)
        s_out, zero = float(m.scale), int(m.zero_point)
        low, high = (zero if kind.endswith("ReLU") else QUINT8[0]), QUINT8[1]
        a = (np.float32(x.scale) * w_scale).astype(np.float32)              # act_times_w_scale
        C = (a / np.float32(s_out)).astype(np.float32)                      # C_multiplier
        centred = net.scale_shift(x.node, 1.0, float(-x.zero), where=where)
        if self.engine == "qnnpack":   # the bias quantized to int32 first, by torch (qnnpack_utils.h quantize_bias)
            scales = W.q_per_channel_scales() * x.scale if per_channel else None
            qbias = torch.zeros(channels, dtype=torch.int64) if bias is None else (
                torch.quantize_per_channel(bias.detach(), scales, torch.zeros(channels, dtype=torch.int64), 0,
                                           torch.qint32) if per_channel else
                torch.quantize_per_tensor(bias.detach(), W.q_scale() * x.scale, 0, torch.qint32)).int_repr()
            A, B = 0, qbias.numpy().astype(np.int64)
        else:   # fbgemm: the float bias in accumulator units, added in float32
            beta = (b / a).astype(np.float32) if per_channel else \
                (b * np.float32(1.0 / np.float64(a[0]))).astype(np.float32)
            reach = np.abs(wq.reshape(channels, -1)).sum(axis=1) * max(x.zero - QUINT8[0], QUINT8[1] - x.zero)
            A = max(0, 30 - int(np.max(reach + np.abs(beta) + 1)).bit_length())   # acc·2**A + B below 2**31
            B = np.asarray([round(float(v) * 2**A) for v in beta], np.int64)
        K = wq.astype(np.float64) * 2**A
        if kind.startswith("Linear"):
            acc = net.dense(centred if len(centred.shape) == 1 else net.flatten(centred, where=where), K, B,
                            where=where)
        else:
            if m.padding_mode != "zeros":
                raise ConversionError(f"{where} pads with {m.padding_mode!r}; zero padding is supported")
            acc = net.conv(centred, K, B, stride=m.stride, padding=m.padding, dilation=m.dilation, groups=m.groups,
                           where=where)
        box = net.intervals(np.full(net.n_features, float(QUINT8[0])), np.full(net.n_features, float(QUINT8[1])))[id(acc)]
        per = acc.size // channels
        parts = []
        for c in range(channels):
            M, r = float32_multiplier(C[c], where)
            rows = np.arange(c * per, (c + 1) * per)
            lo, hi = window(M, r + A, zero, low, high, float(box[0][rows].min()), float(box[1][rows].max()))
            accs = np.arange(-(-(lo - int(B[c])) // 2**A), (hi - int(B[c])) // 2**A + 1, dtype=np.int64)
            xf = (accs + B[c]).astype(np.float32) if self.engine == "qnnpack" else \
                (accs.astype(np.float32) + beta[c]).astype(np.float32)
            theirs = np.clip(np.rint((xf * C[c]).astype(np.float32)).astype(np.int64) + zero, low, high)
            parts.append(single_rounding(M, r + A, zero, low, high, per, accs * 2**A + int(B[c]), theirs, where,
                                         self.engine))
        return _Q(net.requantize(acc, joined(parts, where), where=where), s_out, zero)


def _input_shape(gm: Any, X: np.ndarray) -> tuple[int, ...]:
    """The input's shape: ``X``'s samples', or for flattened rows (a ``.npy`` of ``pyleo import``) the first
    quantized layer's: a Linear's features, a Conv1d's (C, F / C), a square Conv2d's (C, s, s)."""
    if X.ndim > 2:
        return tuple(int(d) for d in X.shape[1:])
    F = X.shape[1]
    first = next((gm.get_submodule(n.target) for n in gm.graph.nodes if n.op == "call_module"
                  and type(gm.get_submodule(n.target)).__name__ in LAYERS), None)
    kind = type(first).__name__
    if first is None or kind.startswith("Linear"):
        return (F,)
    C = first.in_channels
    side = int(round((F / C) ** 0.5))
    if kind.endswith("1d") and F % C == 0:
        return (C, F // C)
    if C * side * side == F:
        return (C, side, side)
    raise ModelInputError(f"X has {F} features per row; the first layer ({kind}, {C} input channels) needs the "
                          "input's shape", hint="pass X shaped as the module takes it, (n, C, H, W)")


class QuantizedRuntime:
    """The quantized module itself, run by ``torch.fx.Interpreter`` from the quantized input tensor to the
    quantized output tensor (the graph between :class:`_Graph`'s ``start`` and ``end``): the oracle."""

    def __init__(self, gm: Any, graph: _Graph) -> None:
        import torch

        self.torch, self.gm, self.graph = torch, gm, graph
        self.engine = torch.backends.quantized.engine
        self.oracle = f"the quantized module run by torch {torch.__version__} ({self.engine} engine)"
        self.seen: dict[bytes, np.ndarray] = {}

    def outputs(self, X: Any) -> np.ndarray:
        """(n, outputs) int64: the quint8 output tensor (``int_repr``) per row, each row run alone once (the
        conversion's value check and its fidelity check run the same rows)."""
        torch, g = self.torch, self.graph
        shape = g.net.input.shape
        end = g.end

        class Run(torch.fx.Interpreter):
            def run_node(self, n: Any) -> Any:
                return self.env[n.args[0]] if n is end else super().run_node(n)

        rows = np.asarray(X, np.float64).reshape(len(X), *shape)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch's deprecation notice of quantized tensors, on every call
            for row in rows:
                if row.tobytes() not in self.seen:
                    q = torch._make_per_tensor_quantized_tensor(torch.tensor(row[None], dtype=torch.uint8),
                                                               g.input_scale, g.input_zero)
                    out = Run(self.gm).run(torch.zeros(1, *shape), initial_env={g.start: q})
                    self.seen[row.tobytes()] = out.int_repr().numpy().astype(np.int64).ravel()
        return np.stack([self.seen[row.tobytes()] for row in rows])

    def predict(self, X: Any) -> np.ndarray:
        """(n,) the argmax of the quint8 outputs."""
        return np.argmax(self.outputs(X), axis=1)


def network(model: Any, X: np.ndarray, name: str = "torch_int8_model") -> tuple[Any, QuantizedRuntime]:
    """The integer :class:`~.nn.Network` of a quantized module (eager mode, converted; or ``convert_fx``'s
    GraphModule) whose outputs are its quint8 output tensor (head argmax), and the module itself run as
    its oracle (:class:`QuantizedRuntime`). ``X``: rows of the quint8 input tensor, which give the input's
    shape (:func:`_input_shape`). Raises :class:`ConversionError` naming a refused module or node."""
    import torch

    _refuse_unconverted(model)
    engine = torch.backends.quantized.engine
    if engine not in ENGINES:
        raise ConversionError(f"torch's quantized engine is {engine!r}, whose kernels requantize their own way (not "
                              "measured here); the circuit reproduces " + ", ".join(ENGINES),
                              hint="torch.backends.quantized.engine = 'x86' (or 'fbgemm', 'qnnpack'), set before "
                              "quantizing: the packed weights are the engine's")
    if isinstance(model, torch.fx.GraphModule):
        gm = model
    else:
        try:
            gm = torch.fx.symbolic_trace(model)
        except Exception as e:  # noqa: BLE001 - torch.fx's own errors, whatever their class
            raise ConversionError(f"torch.fx could not trace {type(model).__name__}: {type(e).__name__}: "
                                  f"{str(e).splitlines()[0] if str(e) else ''}", hint="the forward must be "
                                  "traceable (no data-dependent control flow)") from None
    graph = _Graph(gm, _input_shape(gm, X), name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's deprecation notices of torch.ao.quantization, per module read
        graph.run()
    net = graph.net
    out = graph.out.node
    net.output(net.flatten(out) if len(out.shape) != 1 else out, "argmax")
    net.title = (f"PyTorch quantized module {type(model).__name__} ({net.n_features} inputs), integer arithmetic "
                 f"as torch's {engine} kernels, converted to pyleo.")
    return net, QuantizedRuntime(gm, graph)


def from_quantized(model: Any, X: np.ndarray | None, name: str, options: dict[str, Any]) -> ZkModel:
    """A quantized module's :class:`ZkModel` (``model``: eager or FX graph mode, converted), checked element by
    element against the module itself on ``X`` (the quint8 input tensor's integers, (n, *input_shape) or
    flattened); ``options``: :func:`~.torch.from_torch`'s common ones (input range [0, 255], input bits 0,
    exact: ``resolution`` and ``fit`` unused). Raises :class:`ConversionError` (a refused module, named; an
    unsupported engine; a value that differs) and :class:`ModelInputError` (``X`` missing or not quint8
    integers)."""
    if X is None:
        raise ModelInputError(f"converting the quantized module {type(model).__name__} needs rows X of its quantized "
                              "input tensor (their shape gives the input's)", hint="X = model.quant(torch.tensor("
                              "X_float)).int_repr().numpy() (eager mode)")
    net, runtime = network(model, X, name)
    Xa = X.reshape(len(X), *net.input.shape)
    checked = check_elementwise(net, Xa, runtime.outputs, options.get("check_rows"), f"torch ({runtime.engine})",
                                (float(QUINT8[0]), float(QUINT8[1])))
    return nn.convert(net, Xa, reference=runtime.predict, model_name=type(model).__name__,
                      oracle=f"{runtime.oracle}: {checked}", input_range=(float(QUINT8[0]), float(QUINT8[1])),
                      input_bits=0, fit=False, **options)
