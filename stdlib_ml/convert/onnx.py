"""ONNX graphs → :class:`~stdlib_ml.convert.render.Spec`: the ``ai.onnx.ml`` operators that skl2onnx and
onnxmltools write (``Scaler``, ``LinearClassifier`` / ``LinearRegressor``, ``TreeEnsembleClassifier`` /
``TreeEnsembleRegressor``, with ``Cast`` / ``Identity`` / ``ZipMap`` / ``Normalizer`` around them) onto the
shared linear and tree descriptions, and neural operators (``Gemm``, ``MatMul``, ``Conv``, ``Relu`` ...)
onto the shared network description.

The float model the conversion checks itself against is the model the graph was exported from when
``reference=`` gives it (:class:`Reference`); without it, the graph itself, run by the ``onnx``
package's reference evaluator (:class:`onnx.reference.ReferenceEvaluator`, numpy) on the graph's first
output (the label, or the scores whose argmax is the label; the outputs not on its path, ``ZipMap``'d
probabilities, are pruned first), and the fidelity then says so (:data:`GRAPH_ONLY`): an exporter's
error (onnxmltools ignores LightGBM's ``zero_as_missing``; skl2onnx writes a
``HistGradientBoosting`` categorical split as a numeric one) passes a check against the graph.
"""

from __future__ import annotations

import dataclasses
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import frontends, nn, pipeline
from .fidelity import CHECK_ROWS, FidelityWarning, check_indices, compare
from .frontends import COMMON_OPTIONS, NETWORK_OPTIONS
from .linear import linear_spec
from .model import ConversionError, ModelInputError, ZkModel
from .options import Options, Visibility, calibration_rows, make_options
from .quantize import MAX_LABELS, Affine
from .render import Spec
from .tree_ensembles import RawTree, leaf_bits, raw_thresholds, tree_spec

EXTRA = "pip install 'pyleo-zk[onnx]'"
"""What to run when the ``onnx`` package is missing."""

PASS_THROUGH = ("Identity", "Cast", "Dropout")
"""Operators that leave a value as it is on the label's path (``Cast`` between floats or to the label's
integer type, ``Dropout``: the identity at inference)."""

ML_OPS = ("Scaler", "LinearClassifier", "LinearRegressor", "TreeEnsembleClassifier", "TreeEnsembleRegressor")
"""The ``ai.onnx.ml`` operators :func:`ml_spec` converts (``ZipMap`` / ``Normalizer`` only on the
probabilities' path, which is pruned)."""

SUPPORTED_ONNX = ("supported: ai.onnx.ml Scaler in front of LinearClassifier, LinearRegressor, TreeEnsembleClassifier or "
                  "TreeEnsembleRegressor (skl2onnx, onnxmltools), with Cast / Identity around them; the label must be "
                  "the graph's first output")


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


def ml_spec(model: Any, opts: Options) -> tuple[Spec, OnnxGraph]:
    """The :class:`Spec` of an ``ai.onnx.ml`` graph (an ``onnx.ModelProto``, checked; see
    :func:`is_neural` for the others) and its float model."""
    g = Graph.read(model)
    return _ml_spec(g, g.path(), opts)


# ---- ai.onnx.ml: scalers, a linear or tree model, a pass-through tail ----------------------------
def _n_features(g: Graph, opts: Options) -> int:
    dims = g.input_shape
    if len(dims) == 2 and dims[1]:
        if opts.X is not None and opts.X.shape[1] != dims[1]:
            raise ModelInputError(f"X has {opts.X.shape[1]} features; the ONNX model takes {dims[1]}")
        return int(dims[1])
    if opts.X is not None:
        return int(opts.X.shape[1])
    raise ConversionError(f"the ONNX graph's input {g.input!r} has shape {dims}, not (batch, n_features)",
                          hint="pass X (calibration rows) so that the number of features is known")


def _ml_spec(g: Graph, path: list[int], opts: Options) -> tuple[Spec, OnnxGraph]:
    n = _n_features(g, opts)
    aff = Affine(np.ones(n), np.zeros(n))
    value, model_i = g.input, None
    for i in path:
        node = g.nodes[i]
        if len(node.input) < 1 or node.input[0] != value:
            raise g.unsupported(i, SUPPORTED_ONNX, "does not continue the chain from the input to the label (branches "
                                "and several inputs are not supported in ai.onnx.ml graphs)")
        op = node.op_type
        if op in PASS_THROUGH and node.domain in ("", "ai.onnx"):
            pass
        elif op == "Scaler" and model_i is None:
            a = g.attrs(i)
            scale = np.broadcast_to(np.asarray(a.get("scale", [1.0]), float), (n,))
            offset = np.broadcast_to(np.asarray(a.get("offset", [0.0]), float), (n,))
            aff = aff.then(scale, -offset * scale)
        elif op in ML_OPS and node.domain == "ai.onnx.ml" and model_i is None:
            model_i = i
        else:
            raise g.unsupported(i, SUPPORTED_ONNX)
        value = node.output[0]
    if model_i is None:
        raise ConversionError("the ONNX graph's first output is not computed by a linear or tree model",
                          hint=SUPPORTED_ONNX)
    if np.any(aff.d <= 0) or not np.all(np.isfinite(aff.d)):
        raise ConversionError("an ONNX Scaler has a zero, negative or infinite scale")
    op = g.nodes[model_i].op_type
    kind = "regressor" if op.endswith("Regressor") else "classifier"
    est = OnnxGraph(g, kind, "value" if kind == "regressor" else "label", op)
    if opts.name is None:
        opts = dataclasses.replace(opts, name="onnx_" + re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower())
    if op.startswith("Linear"):
        return _linear(g, model_i, est, aff, n, opts, kind), est
    return _trees(g, model_i, est, aff, n, opts, kind), est


def _classes(a: dict[str, Any]) -> list[Any]:
    classes = list(a.get("classlabels_ints") or a.get("classlabels_int64s") or a.get("classlabels_strings") or [])
    if len(classes) > MAX_LABELS:
        raise ConversionError(f"the ONNX classifier has {len(classes)} classes; the circuit's u8 output allows {MAX_LABELS}")
    return classes


def _linear(g: Graph, i: int, est: OnnxGraph, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    a = g.attrs(i)
    post = a.get("post_transform", "NONE")
    W = np.asarray(a["coefficients"], dtype=np.float64).reshape(-1, n)
    b = np.asarray(a.get("intercepts", [0.0] * len(W)), dtype=np.float64) * np.ones(len(W))
    classes = None
    if kind == "regressor":
        if post != "NONE":
            raise g.unsupported(i, "supported: LinearRegressor with post_transform NONE", f"has post_transform {post}")
    else:
        classes = _classes(a)
        # one score and two classes: class 1 when it is > 0 (the reference's argmax of (-s, s), any transform);
        # several: the argmax of the scores, which every monotone transform keeps
        if not (len(W) == len(classes) or (len(W) == 1 and len(classes) == 2)) or post == "SOFTMAX_ZERO":
            raise g.unsupported(i, "supported: one score per class (argmax) or one score for two classes, with "
                                "post_transform NONE, LOGISTIC, SOFTMAX or PROBIT",
                                f"has {len(W)} scores for {len(classes)} classes and post_transform {post}")
    return linear_spec(est, W, b, aff, n, opts, kind, classes, None, label=f"ONNX {g.nodes[i].op_type}")


def _trees(g: Graph, i: int, est: OnnxGraph, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    a = g.attrs(i)
    op = g.nodes[i].op_type
    post = a.get("post_transform", "NONE")
    pre = "class" if kind == "classifier" else "target"
    thr_all = np.asarray(a["nodes_values_as_tensor"] if "nodes_values_as_tensor" in a else a["nodes_values"], float)
    weights = np.asarray(a[f"{pre}_weights_as_tensor"] if f"{pre}_weights_as_tensor" in a else a[f"{pre}_weights"], float)
    base = a.get("base_values_as_tensor", a.get("base_values"))
    tids, nids = np.asarray(a["nodes_treeids"]), np.asarray(a["nodes_nodeids"])
    feats, modes = np.asarray(a["nodes_featureids"]), list(a["nodes_modes"])
    true, false = np.asarray(a["nodes_truenodeids"]), np.asarray(a["nodes_falsenodeids"])
    track = np.asarray(a.get("nodes_missing_value_tracks_true") or [0] * len(nids), dtype=bool)
    if kind == "classifier":
        classes = _classes(a)
        ids = np.asarray(a["class_ids"])
        binary = len(set(ids.tolist())) == 1
        if binary and (len(classes) != 2 or int(ids[0]) != 0):
            raise g.unsupported(i, "supported: one score per class, or one (class_ids all 0) for two classes",
                                f"has scores for class ids {sorted(set(ids.tolist()))} and {len(classes)} classes")
        K = 1 if binary else len(classes)
        if post == "SOFTMAX_ZERO" and not binary:
            raise g.unsupported(i, "supported: post_transform NONE, LOGISTIC, SOFTMAX or PROBIT (monotone: the argmax "
                                "of the scores is the label)", "has post_transform SOFTMAX_ZERO")
    else:
        if int(a.get("n_targets", 1)) != 1:
            raise g.unsupported(i, "supported: single-target regression", f"has {a['n_targets']} targets")
        agg = a.get("aggregate_function", "SUM")
        if agg not in ("SUM", "AVERAGE") or post != "NONE":
            raise g.unsupported(i, "supported: aggregate_function SUM or AVERAGE with post_transform NONE",
                                f"has aggregate_function {agg} and post_transform {post}")
        ids, K, classes = np.asarray(a["target_ids"]), 1, None
    w_tree, w_node = np.asarray(a[f"{pre}_treeids"]), np.asarray(a[f"{pre}_nodeids"])
    trees: list[RawTree] = []
    for tree in dict.fromkeys(tids.tolist()):
        at = np.flatnonzero(tids == tree)
        internal = np.asarray([modes[k] != "LEAF" for k in at])
        children = set(true[at][internal].tolist()) | set(false[at][internal].tolist())
        roots = [k for k in at if int(nids[k]) not in children]
        if len(roots) != 1:
            raise g.unsupported(i, "supported: trees with one root", f"has tree {tree} with {len(roots)} roots")
        order = roots + [k for k in at if k != roots[0]]
        local = {int(nids[k]): j for j, k in enumerate(order)}
        m = len(order)
        feature, thr = np.zeros(m, np.int64), np.full(m, np.nan)
        left, right = np.full(m, -1), np.full(m, -1)
        missing_left = np.ones(m, bool)
        for j, k in enumerate(order):
            mode = modes[k]
            if mode == "LEAF":
                continue
            if mode not in ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT", "BRANCH_GTE"):
                raise g.unsupported(i, "supported node modes: BRANCH_LEQ, BRANCH_LT, BRANCH_GT, BRANCH_GTE, LEAF",
                                    f"has a node of mode {mode} (tree {tree}, node {int(nids[k])})")
            if not 0 <= int(feats[k]) < n:
                raise g.unsupported(i, f"features 0 … {n - 1}", f"reads feature {int(feats[k])}")
            # every node as "go left when x <= t" on float32 inputs: x < t is x <= the float32 below t
            t = np.float32(thr_all[k])
            if mode in ("BRANCH_LT", "BRANCH_GTE"):
                t = np.nextafter(t, np.float32(-np.inf))
            yes, no = local[int(true[k])], local[int(false[k])]
            feature[j], thr[j] = int(feats[k]), float(t)
            left[j], right[j] = (yes, no) if mode in ("BRANCH_LEQ", "BRANCH_LT") else (no, yes)
            missing_left[j] = bool(track[k]) == (mode in ("BRANCH_LEQ", "BRANCH_LT"))   # NaN: the true side if tracked
        value = np.zeros((m, K))
        for w, c, nd in zip(weights[w_tree == tree], ids[w_tree == tree], w_node[w_tree == tree]):
            value[local[int(nd)], 0 if K == 1 else int(c)] += w
        t_raw, strict = raw_thresholds(thr, feature, aff, False)
        trees.append(RawTree(feature, t_raw, left, right, value, strict=strict, missing_left=missing_left).compact())
    init = None if base is None or len(base) == 0 else np.asarray(base, float)[: max(K, 1)]
    total = sum(float(np.max(np.abs(t.value))) for t in trees) + (float(np.max(np.abs(init))) if init is not None else 0)
    vb = leaf_bits(total + 1.0)
    suffix = ", Scaler folded into the thresholds" if not aff.identity else ""
    title = f"ONNX {op} ({len(trees)} trees, {n} features{suffix}), converted to pyleo."
    if kind == "regressor":
        div = len(trees) if a.get("aggregate_function", "SUM") == "AVERAGE" else 1
        init = init * div if init is not None else None   # the base value is added after the average
        return tree_spec(est, est, aff, n, opts, "regressor", trees, "regress", init, leaf_bits(total * div + 1.0),
                          title, out_divisor=div)
    if K == 1:   # class 1 when s > 0.5 (post_transform NONE or PROBIT: the reference's (1 - s, s)), else when s > 0
        cut = 0.5 if post in ("NONE", "PROBIT") else 0.0
        init = np.asarray([(init[0] if init is not None else 0.0) - cut])
        return tree_spec(est, est, aff, n, opts, "classifier", trees, "positive", init, vb, title, classes)
    return tree_spec(est, est, aff, n, opts, "classifier", trees, "argmax", init, vb, title, classes)


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
    """Convert an ONNX model (a ``.onnx`` path or an ``onnx.ModelProto``) to a :class:`ZkModel`.

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


# ---- neural operators onto the shared network description -----------------------------------------
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


def is_neural(model: Any) -> bool:
    """Whether the graph's first output is computed by neural operators (no ``ai.onnx.ml`` operator)."""
    g = Graph.read(model)
    return not any(g.nodes[i].domain == "ai.onnx.ml" for i in g.path())


def network(model: Any, X: np.ndarray | None) -> tuple[Any, OnnxGraph]:
    """The :class:`~stdlib_ml.convert.nn.Network` a neural ONNX graph computes, and its float model.
    ``X``: calibration rows, which give the input's shape when the graph leaves it open."""
    g = Graph.read(model)
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
    return net, OnnxGraph(g, kind, decide, op)


def _node(g: Graph, i: int, net: Any, env: dict[str, Any]) -> None:
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
    elif op == "LayerNormalization":
        raise g.unsupported(i, SUPPORTED_NN, "normalizes each sample by its own mean and standard deviation (a "
                            "division by a value computed from the input), which the circuit's arithmetic (affine "
                            "maps and ReLUs) cannot compute")
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


def _fold(g: Graph, i: int, op: str, a: dict[str, Any], args: list[Any]) -> np.ndarray:
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


FAMILIES = ("ONNX: " + SUPPORTED_ONNX.removeprefix("supported: ") + "; networks of the operators " + ", ".join(NN_OPS))
"""What this frontend converts, in words."""
