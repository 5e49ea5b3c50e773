"""The ONNX frontend's ``ai.onnx.ml`` graphs (:mod:`stdlib_ml.convert.onnx` reads the graph): ``Scaler``
steps composed in front of a ``LinearClassifier`` / ``LinearRegressor`` (onto the shared linear
description) or a ``TreeEnsembleClassifier`` / ``TreeEnsembleRegressor`` (onto the shared tree
description), with ``Cast`` / ``Identity`` around them. Imports no ML framework: the graph comes read."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .linear import linear_spec
from .model import ConversionError, ModelInputError
from .options import Options
from .quantize import MAX_LABELS, Affine
from .render import Spec
from .tree_ensembles import RawTree, leaf_bits, raw_thresholds, tree_spec

PASS_THROUGH = ("Identity", "Cast", "Dropout")
"""Operators that leave a value as it is on the label's path (``Cast`` between floats or to the label's
integer type, ``Dropout``: the identity at inference)."""

ML_OPS = ("Scaler", "LinearClassifier", "LinearRegressor", "TreeEnsembleClassifier", "TreeEnsembleRegressor")
"""The ``ai.onnx.ml`` operators :func:`spec` converts (``ZipMap`` / ``Normalizer`` only on the
probabilities' path, which is pruned)."""

SUPPORTED_ONNX = ("supported: ai.onnx.ml Scaler in front of LinearClassifier, LinearRegressor, TreeEnsembleClassifier or "
                  "TreeEnsembleRegressor (skl2onnx, onnxmltools), with Cast / Identity around them; the label must be "
                  "the graph's first output")


def _n_features(g: Any, opts: Options) -> int:
    dims = g.input_shape
    if len(dims) == 2 and dims[1]:
        if opts.X is not None and opts.X.shape[1] != dims[1]:
            raise ModelInputError(f"X has {opts.X.shape[1]} features; the ONNX model takes {dims[1]}")
        return int(dims[1])
    if opts.X is not None:
        return int(opts.X.shape[1])
    raise ConversionError(f"the ONNX graph's input {g.input!r} has shape {dims}, not (batch, n_features)",
                          hint="pass X (calibration rows) so that the number of features is known")


def spec(g: Any, opts: Options, float_model: Callable[[str, str, str], Any]) -> tuple[Spec, Any]:
    """The :class:`Spec` of the ``ai.onnx.ml`` chain computing the first output of ``g`` (a read
    :class:`~stdlib_ml.convert.onnx.Graph`), and its float model, ``float_model(kind, decide, op)``
    (the frontend's :class:`~stdlib_ml.convert.onnx.OnnxGraph` of ``g``). Raises :class:`ConversionError`
    for an operator or attribute not supported (named with its place in the graph) and
    :class:`ModelInputError` when ``opts.X`` has another number of features than the graph."""
    path = g.path()
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
    est = float_model(kind, "value" if kind == "regressor" else "label", op)
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


def _linear(g: Any, i: int, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
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


def _trees(g: Any, i: int, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
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
