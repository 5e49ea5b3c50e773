"""ONNX graphs → :class:`~stdlib_ml.convert.render.Spec`: the ``ai.onnx.ml`` operators that skl2onnx and
onnxmltools write (``Scaler``, ``LinearClassifier`` / ``LinearRegressor``, ``TreeEnsembleClassifier`` /
``TreeEnsembleRegressor``, with ``Cast`` / ``Identity`` / ``ZipMap`` / ``Normalizer`` around them) onto the
shared linear and tree descriptions, and neural operators (``Gemm``, ``MatMul``, ``Conv``, ``Relu`` ...)
onto the shared network description. This module reads the graph and checks the conversion;
:mod:`.onnx_ml` and :mod:`.onnx_nn` (no framework imported) describe the two kinds of graph.

The float model the conversion checks itself against is the model the graph was exported from when
``reference=`` gives it (:class:`Reference`); without it, the graph itself, run by the ``onnx``
package's reference evaluator (:class:`onnx.reference.ReferenceEvaluator`, numpy) on the graph's first
output (the label, or the scores whose argmax is the label; the outputs not on its path, ``ZipMap``'d
probabilities, are pruned first), and the fidelity then says so (:data:`GRAPH_ONLY`): an exporter's
error (onnxmltools ignores LightGBM's ``zero_as_missing``; skl2onnx writes a
``HistGradientBoosting`` categorical split as a numeric one) passes a check against the graph.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import frontends, nn, onnx_int8, onnx_ml, onnx_nn, pipeline
from .fidelity import CHECK_ROWS, FidelityWarning, check_indices, compare
from .frontends import COMMON_OPTIONS, NETWORK_OPTIONS
from .model import ConversionError, ModelInputError, ZkModel
from .nn.integer import check_elementwise
from .onnx_ml import SUPPORTED_ONNX
from .onnx_nn import NN_OPS
from .options import Options, Visibility, calibration_rows, make_options
from .render import Spec

EXTRA = "pip install 'pyleo-zk[onnx]'"
"""What to run when the ``onnx`` package is missing."""


def _onnx() -> Any:
    """The ``onnx`` package, or a :class:`ConversionError` saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ConversionError("converting ONNX models needs the onnx package, which is not installed",
                              hint=f"install pyleo-zk[onnx]: {EXTRA}") from None
    return onnx


def load_onnx(model: Any) -> Any:
    """An ``onnx.ModelProto`` from a path (``.onnx`` file) or a ``ModelProto``, checked by
    ``onnx.checker``. Raises :class:`ModelInputError` for a missing, unreadable or invalid file."""
    onnx = _onnx()
    if isinstance(model, (str, os.PathLike)):
        p = Path(model)
        if not p.is_file():
            raise ModelInputError(f"no such ONNX model file: {p}")
        try:
            model = onnx.load(str(p))
        except Exception as e:  # noqa: BLE001 - protobuf's decode errors have no common public base class
            raise ModelInputError(f"{p} is not a readable ONNX model: the file is damaged, truncated or of another "
                                  f"format ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no detail'})",
                                  hint="export it again (torch.onnx.export, skl2onnx.to_onnx, onnxmltools)") from None
        where = str(p)
    elif isinstance(model, onnx.ModelProto):
        where = "the ONNX model"
    else:
        raise ModelInputError(f"expected an ONNX file path or an onnx.ModelProto, got {type(model).__name__}")
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "no detail"
        raise ModelInputError(f"{where} is not a valid ONNX model: {first}") from None
    if not model.graph.output:
        raise ModelInputError(f"{where} has no graph output")
    return model


# ---- the graph ----------------------------------------------------------------------------------
@dataclass
class Graph:
    """A loaded ONNX graph: its nodes (in their topological order), who produces each value, its constant
    tensors (initializers and ``Constant`` nodes) and its one data input."""

    model: Any
    nodes: list[Any]
    producer: dict[str, int]
    consts: dict[str, np.ndarray]
    input: str
    input_shape: list[int | None]
    output: str

    @classmethod
    def read(cls, model: Any) -> Graph:
        onnx = _onnx()
        from onnx import numpy_helper

        g = model.graph
        consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        nodes = list(g.node)
        producer: dict[str, int] = {}
        for i, node in enumerate(nodes):
            for o in node.output:
                producer[o] = i
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                attr = {a.name: a for a in node.attribute}
                if "value" in attr:
                    consts[node.output[0]] = numpy_helper.to_array(attr["value"].t)
                else:
                    consts[node.output[0]] = np.asarray(onnx.helper.get_attribute_value(next(iter(attr.values()))))
        data = [i for i in g.input if i.name not in consts]
        if len(data) != 1:
            raise ConversionError(f"the ONNX graph has {len(data)} data inputs ({', '.join(i.name for i in data)}); "
                                  "a converted model takes one tensor of features")
        dims = [d.dim_value if d.HasField("dim_value") else None for d in data[0].type.tensor_type.shape.dim]
        return cls(model, nodes, producer, consts, data[0].name, dims, g.output[0].name)

    def where(self, i: int) -> str:
        """Where node ``i`` is, in words: its name, op type, position, inputs and outputs."""
        node = self.nodes[i]
        op = f"{node.domain}.{node.op_type}" if node.domain not in ("", "ai.onnx") else node.op_type
        name = f"{node.name!r} " if node.name else ""
        return (f"node {name}(op type {op}, node {i + 1} of {len(self.nodes)}, {', '.join(node.input) or 'no input'} "
                f"→ {', '.join(node.output)})")

    def unsupported(self, i: int, supported: str, why: str = "is not supported") -> ConversionError:
        return ConversionError(f"ONNX {self.where(i)} {why}", hint=supported)

    def attrs(self, i: int) -> dict[str, Any]:
        """Node ``i``'s attributes as Python values (strings decoded, tensors as numpy arrays)."""
        onnx = _onnx()
        from onnx import numpy_helper

        out: dict[str, Any] = {}
        for a in self.nodes[i].attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                out[a.name] = numpy_helper.to_array(a.t)
                continue
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode()
            elif isinstance(v, list) and v and isinstance(v[0], bytes):
                v = [s.decode() for s in v]
            out[a.name] = v
        return out

    def path(self) -> list[int]:
        """The nodes the graph's first output depends on, in graph order."""
        need, seen = [self.output], set()
        while need:
            v = need.pop()
            i = self.producer.get(v)
            if i is None or i in seen:
                continue
            seen.add(i)
            need += [x for x in self.nodes[i].input if x]
        return sorted(seen)

    def pruned(self) -> Any:
        """The model computing only the first output (the probabilities' ``ZipMap``, which the reference
        evaluator does not run, and any other output dropped)."""
        onnx = _onnx()
        keep = self.path()
        used = {x for i in keep for x in self.nodes[i].input}
        g = self.model.graph
        graph = onnx.helper.make_graph([self.nodes[i] for i in keep], g.name, [i for i in g.input if i.name == self.input],
                                       [g.output[0]], [t for t in g.initializer if t.name in used])
        m = onnx.helper.make_model(graph, opset_imports=list(self.model.opset_import), ir_version=self.model.ir_version)
        m.functions.extend(self.model.functions)
        return m


GRAPH_ONLY = ("the ONNX graph only (onnx.reference), not the model it was exported from: an exporter's error passes "
              "this check; pass reference= (`pyleo import --reference MODEL`) to check against that model")
"""What a conversion without ``reference=`` was checked against (the fidelity's ``against``)."""


class OnnxGraph:
    """The float model: the ONNX graph run by ``onnx.reference.ReferenceEvaluator`` on its first output.
    ``oracle`` (:data:`GRAPH_ONLY`) says, in the fidelity, that it is not the model the user fitted.
    ``predict(X)`` (rows flattened, or shaped as the graph's input) gives what the circuit is compared
    with (:func:`stdlib_ml.convert.check_fidelity`), by ``decide``: ``"label"`` (the graph's own label
    output), ``"argmax"`` (the index of the largest score), ``"threshold"`` (1 when the one output is
    > 0.5: a final sigmoid) or ``"value"`` (a regressor's value)."""

    def __init__(self, graph: Graph, kind: str, decide: str, op: str) -> None:
        from onnx.reference import ReferenceEvaluator

        self.graph, self.kind, self.decide, self.op = graph, kind, decide, op
        self._run = ReferenceEvaluator(graph.pruned())
        inputs = graph.model.graph.input
        elem = inputs[[i.name for i in inputs].index(graph.input)].type.tensor_type.elem_type
        self._dtype = np.float64 if elem == 11 else np.float32   # TensorProto.DOUBLE, else FLOAT

    oracle = GRAPH_ONLY

    def __repr__(self) -> str:
        return f"OnnxGraph({self.op}, {self.kind})"

    def predict(self, X: Any) -> np.ndarray:
        """(n_samples,) labels or values for n_samples rows (flattened, or shaped as the graph's input)."""
        X = np.asarray(X, dtype=np.float64)
        dims = self.graph.input_shape[1:]
        rows = X.reshape(len(X), *dims) if all(dims) and int(np.prod(dims)) == X[0].size else X
        batch = self.graph.input_shape[0] if self.graph.input_shape else None
        # a graph exported with a fixed batch size (torch.onnx.export's default: 1) runs in pieces of that size
        step = batch if batch and len(rows) % batch == 0 else len(rows)
        parts = [self._run.run(None, {self.graph.input: rows[k:k + step].astype(self._dtype)})[0]
                 for k in range(0, len(rows), max(step, 1))]
        out = np.concatenate([np.asarray(p).reshape(len(p), -1) if np.asarray(p).ndim else np.asarray(p).reshape(1, 1)
                              for p in parts])
        if self.decide == "argmax":
            return np.argmax(out, axis=1)
        if self.decide == "threshold":
            return (out[:, 0] > 0.5).astype(np.int64)
        return out[:, 0] if self.decide == "value" else out.reshape(len(X))


# ---- the model the graph was exported from ----------------------------------------------------------
class Reference:
    """The model an ONNX graph was exported from, as the float model a conversion is checked against:
    ``predict(X)`` is ``reference.predict(X)`` for a model (through its frontend's float model: a bare
    XGBoost or LightGBM ``Booster`` answers labels as its scikit-learn wrapper would) or ``reference(X)``
    for a callable, on rows as the graph takes them ((n_samples, n_features) floats, NaN where
    missing; a network's samples shaped as its input). Use :func:`reference_model` to make one."""

    oracle = "the reference model"

    def __init__(self, reference: Any) -> None:
        self.source = reference
        model = frontends.float_model(reference) if hasattr(reference, "predict") else reference
        self.run = model.predict if hasattr(model, "predict") else model

    def predict(self, X: Any) -> np.ndarray:
        """The reference's labels or values, (n_samples,). Raises :class:`ConversionError` when the
        reference fails on the rows (naming its error) or answers other than one value per row."""
        try:
            out = np.asarray(self.run(X))
        except Exception as e:  # noqa: BLE001 - the user's model or callable, whatever it raises
            raise ConversionError(f"the reference ({self.oracle}) failed on the calibration rows: {type(e).__name__}: "
                                  f"{e}", hint="pass the model the graph was exported from, which takes the graph's "
                                  "input rows") from None
        if out.size != len(X):
            raise ConversionError(f"the reference ({self.oracle}) answered shape {out.shape} for {len(X)} rows; one label "
                                  "or value per row is expected")
        return out.reshape(len(X))


def reference_model(reference: Any) -> Reference:
    """``reference`` (a fitted model with ``predict``, or a callable rows → labels or values) as a
    :class:`Reference` named after it (its class, or the callable's name), whose ``oracle`` names it.
    Raises :class:`ConversionError` when it is neither."""
    if not hasattr(reference, "predict") and not callable(reference):
        raise ConversionError(f"reference must be the model the graph was exported from (with predict) or a "
                              f"callable rows → labels or values, got {type(reference).__name__}")
    name = type(reference).__name__ if hasattr(reference, "predict") else getattr(reference, "__name__", "reference")
    oracle = f"{name}.predict (the reference model)" if hasattr(reference, "predict") else f"{name} (the reference callable)"
    return type(name, (Reference,), {"oracle": oracle})(reference)


def _export_agrees(graph: OnnxGraph, ref: Reference, X: np.ndarray, bar: dict[str, Any]) -> None:
    """Raise :class:`ConversionError` (warn, :class:`FidelityWarning`, when ``bar["strict"]`` is False) when
    the graph itself disagrees with ``ref`` on the calibration rows ``X`` (the rows and bar of the fidelity
    check, ``bar``: :func:`from_onnx`'s options): the export, not the circuit, is then wrong, and the
    message says so and names a direct converter of the reference."""
    idx = check_indices(len(X), bar["check_rows"])
    result = compare(graph.predict(X[idx]), ref.predict(X[idx]), idx,
                     "values" if graph.kind == "regressor" else "labels", bar["min_agreement"], bar["max_error"])
    if result["passed"]:
        return
    measured = (f"agreement {result['agreement']:.4f}" if "agreement" in result
                else f"max error {result['max_rel_error']:.3g} of the predictions' range")
    direct = frontends.for_object(ref.source)
    message = (f"the ONNX graph itself disagrees with {ref.oracle} on calibration rows {result['worst_rows']} "
               f"({measured}; bar: {result['bar']}, {len(idx)} of {len(X)} rows checked): the export does not compute "
               "the model, and a circuit of the graph would prove its wrong answers")
    hint = (f"convert the model itself ({direct.entry})" if direct is not None and direct.name != "onnx"
            else "convert the model itself rather than its export")
    if not bar["strict"]:
        warnings.warn(f"{message}; {hint}", FidelityWarning, stacklevel=3)
        return
    raise ConversionError(message, hint=hint + "; or pass strict=False to record the measured fidelity against the "
                          "reference")


# ---- entry point --------------------------------------------------------------------------------
def from_onnx(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None, name: str | None = None,
              missing_values: bool | None = None, weights: str = "public", inputs: str = "private",
              output: str = "public", min_agreement: float = 1.0, max_error: float = 1e-3, strict: bool = True,
              check_rows: int | None = CHECK_ROWS, reference: Any = None, **nn_options: Any) -> ZkModel:
    """Convert an ONNX model (a ``.onnx`` path or an ``onnx.ModelProto``) to a :class:`ZkModel`. A graph
    quantized by onnxruntime (QOperator format) converts bit-exactly, ``X`` then being the int8 tensor its
    first QuantizeLinear produces (:mod:`.onnx_int8`, docs/quantized.md).

    ``reference``: the model the graph was exported from (a fitted model with ``predict``, e.g. the
    ``LGBMClassifier`` given to onnxmltools, or a callable rows → labels or values): the conversion is
    then checked against it, and first the graph itself is (an exporter's error is refused, naming the
    rows). Without it the check is against the graph only, and ``zk.fidelity["against"]`` and the model
    file say so (:data:`GRAPH_ONLY`).

    ``X``: calibration rows, (n_samples, n_features) floats (raw features as the graph's input takes
    them, flattened row-major for an image input): the input range the circuit is sized for, and the
    rows the conversion checks itself on against ``reference``, or the graph run in float
    (:class:`OnnxGraph`). The
    label is the graph's first output: a classifier's label tensor (skl2onnx, onnxmltools) or scores
    whose argmax is the class index (a final ``Sigmoid``: class 1 above 0.5; one output without one: a
    regressor's value). The other options are :func:`stdlib_ml.from_sklearn`'s; a neural graph also
    takes :func:`stdlib_ml.convert.nn.convert`'s (``resolution``, ``approximate``, ``fit``) and ignores
    ``missing_values`` (it has no missing-value semantics). ``check_rows=None``: every row.

    Raises :class:`ModelInputError` (missing, damaged or invalid file; malformed ``X``) and
    :class:`ConversionError` (the ``onnx`` package missing; an unsupported operator, named with its
    place in the graph; fidelity below the bar).
    """
    unknown = sorted(set(nn_options) - set(NETWORK_OPTIONS))
    if unknown:
        raise ConversionError(f"{', '.join(map(repr, unknown))}: not options of from_onnx",
                              hint=f"its options: {', '.join(COMMON_OPTIONS + NETWORK_OPTIONS)}, missing_values, reference")
    common = dict(input_range=input_range, input_bits=input_bits, name=name, weights=weights, inputs=inputs,
                  output=output, min_agreement=min_agreement, max_error=max_error, strict=strict, check_rows=check_rows)
    Visibility(weights, inputs, output)   # checked before the graph is read
    ref = reference_model(reference) if reference is not None else None
    proto = load_onnx(model)
    if onnx_int8.is_quantized(proto):
        return _from_int8(Graph.read(proto), X, common, nn_options)
    if is_neural(proto):
        Xa = calibration_rows(X, samples=True)
        net, est = network(proto, Xa)
        if ref is not None and Xa is not None:
            _export_agrees(est, ref, Xa, common)
        oracle = est if ref is None else ref
        return nn.convert(net, Xa, reference=oracle.predict, model_name=type(oracle).__name__, oracle=oracle.oracle,
                          **common, **nn_options)
    if nn_options:
        raise ConversionError(f"{', '.join(nn_options)} apply to neural networks; this ONNX graph is an ai.onnx.ml "
                              "(linear or tree) model")

    def describe(opts: Options) -> pipeline.Description:
        spec, est = ml_spec(proto, opts)
        if ref is not None and opts.X is not None:
            _export_agrees(est, ref, opts.X, common)
        oracle = est if ref is None else ref
        return pipeline.Description(spec, oracle, type(oracle).__name__)

    return pipeline.convert(describe, X, missing_values=missing_values, **common)


class OrtInt8:
    """onnxruntime (CPU) running a quantized graph without its QuantizeLinear / DequantizeLinear ends (int8 in,
    int8 out): the oracle of :mod:`.onnx_int8`'s circuits."""

    oracle = "onnxruntime (CPU) on the graph without its QuantizeLinear / DequantizeLinear ends"

    def __init__(self, graph: Graph) -> None:
        onnx = _onnx()
        try:
            import onnxruntime as ort
        except ImportError:
            raise ConversionError("a quantized ONNX graph is checked against onnxruntime, which is not installed",
                                  hint="pip install onnxruntime") from None
        first, last = onnx_int8.ends(graph)
        stripped = onnx.ModelProto()
        stripped.CopyFrom(graph.model)
        sg = stripped.graph
        keep = [n for n in sg.node if n.output[0] not in (first.output[0], *(last.output if last is not None else ()))]
        del sg.node[:]
        sg.node.extend(keep)
        del sg.input[:]
        sg.input.extend([onnx.helper.make_tensor_value_info(first.output[0], onnx.TensorProto.INT8,
                                                            [int(d or 1) for d in graph.input_shape])])
        if last is not None:
            del sg.output[:]
            sg.output.extend([onnx.helper.make_tensor_value_info(last.input[0], onnx.TensorProto.INT8, None)])
        self.session = ort.InferenceSession(stripped.SerializeToString(), providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0]

    def outputs(self, X: Any) -> np.ndarray:
        """(n, outputs) int64: the int8 output tensor per row."""
        shape = [d if isinstance(d, int) else 1 for d in self.input.shape][1:]
        A = np.asarray(X, np.float64).reshape(len(X), *shape).astype(np.int8)
        rows = [self.session.run(None, {self.input.name: A[i:i + 1]})[0].ravel() for i in range(len(A))]
        return np.stack(rows).astype(np.int64)

    def predict(self, X: Any) -> np.ndarray:
        """(n,) the argmax of the int8 outputs."""
        return np.argmax(self.outputs(X), axis=1)


def _from_int8(graph: Graph, X: Any, common: dict[str, Any], nn_options: dict[str, Any]) -> ZkModel:
    """A quantized graph's :class:`ZkModel`, checked element by element against :class:`OrtInt8` on ``X``
    (the int8 input tensor's values); input range the int8 one, input bits 0, exactly (no fit)."""
    Xa = calibration_rows(X, samples=True)
    net = onnx_int8.network(graph)
    runtime = OrtInt8(graph)
    checked = check_elementwise(net, Xa, runtime.outputs, common.get("check_rows"), "onnxruntime")
    options = {k: v for k, v in common.items() if k not in ("input_range", "input_bits")}
    options.update({k: v for k, v in nn_options.items() if k not in ("fit", "resolution")})
    return nn.convert(net, Xa, reference=runtime.predict, model_name="OnnxInt8",
                      oracle="; ".join(filter(None, [OrtInt8.oracle, checked])),
                      input_range=(-128.0, 127.0), input_bits=0, fit=False, **options)


PRIVATE = "ONNX graphs of the same families"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is an ``onnx.ModelProto`` (the registry matched its package)."""
    return type(obj).__name__ == "ModelProto"


def load(path: str | os.PathLike[str]) -> Any:
    """The checked ``onnx.ModelProto`` in a ``.onnx`` file (:func:`load_onnx`)."""
    return load_onnx(path)


def float_model(model: Any) -> Any:
    """The graph run by the reference evaluator on its first output (:class:`OnnxGraph`)."""
    proto = load_onnx(model)
    return network(proto, None)[1] if is_neural(proto) else ml_spec(proto, make_options(None))[1]


# ---- the two kinds of graph: ai.onnx.ml (onnx_ml.py) and neural (onnx_nn.py) ---------------------
def ml_spec(model: Any, opts: Options) -> tuple[Spec, OnnxGraph]:
    """The :class:`Spec` of an ``ai.onnx.ml`` graph (an ``onnx.ModelProto``, checked; see
    :func:`is_neural` for the others) and its float model."""
    g = Graph.read(model)
    return onnx_ml.spec(g, opts, functools.partial(OnnxGraph, g))


def is_neural(model: Any) -> bool:
    """Whether the graph's first output is computed by neural operators (no ``ai.onnx.ml`` operator)."""
    g = Graph.read(model)
    return not any(g.nodes[i].domain == "ai.onnx.ml" for i in g.path())


def network(model: Any, X: np.ndarray | None) -> tuple[Any, OnnxGraph]:
    """The :class:`~stdlib_ml.convert.nn.Network` a neural ONNX graph computes (:func:`.onnx_nn.network`),
    and its float model. ``X``: calibration rows, which give the input's shape when the graph leaves it open."""
    g = Graph.read(model)
    return onnx_nn.network(g, X, functools.partial(OnnxGraph, g))


FAMILIES = ("ONNX: " + SUPPORTED_ONNX.removeprefix("supported: ") + "; networks of the operators " + ", ".join(NN_OPS)
            + "; int8 graphs of onnxruntime's quantizer (bit-exact): " + ", ".join(onnx_int8.QLINEAR_OPS))
"""What this frontend converts, in words."""
