"""Linear models of any source (scikit-learn, ONNX ``LinearClassifier`` / ``LinearRegressor``) as one
description: weights and intercepts in float, scalers folded in, each column quantized at its input's scale."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import ConversionError
from .options import Options
from .quantize import (
    INPUT_RESOLUTION,
    WEIGHT_RESOLUTION,
    Affine,
    LinearMap,
    classifier_head,
    dense_bound,
    feature_range,
    input_bits_for,
    input_bound,
    new_spec,
    pow2,
    refuse_scores,
    score_head,
    sign_width,
)
from .render import Spec


def linear_spec(est: Any, W: np.ndarray, b: np.ndarray, aff: Affine | LinearMap, n: int, opts: Options, kind: str,
                classes: list[Any] | None, model_range: tuple[np.ndarray, np.ndarray] | None, ovo: bool = False,
                label: str | None = None, links: dict[str, str] | None = None, link: str = "identity") -> Spec:
    """Model file for scores ``W·z + b`` (``W``: (n_outputs, k) floats, ``b``: (n_outputs,)) on the
    pipeline steps' output ``z = aff(x)`` (scalers, or a :class:`LinearMap` folded into W and b; n raw
    features): a regressor's value (one output), or a classifier's label: class 1
    when the one score is > 0, the argmax of several (the first on ties), or with ``ovo`` one-vs-one
    votes over pairs (libsvm's rule). ``label`` (default: ``est``'s type) names the model in the title
    and in errors;
    ``model_range``: the input range the model itself suggests (used without ``X``/``input_range``);
    ``links``: the scores the library defines on ``W·z + b`` (response method → link, see
    :func:`~stdlib_ml.convert.quantize.score_head`), output instead of the label when ``opts`` asks;
    ``link``: a regressor's prediction from its output (``"exp"``: a GLM's log link, applied by decode;
    a ``threshold`` on the prediction is decided exactly on the linear predictor)."""
    name = label or type(est).__name__
    steps = ""
    if isinstance(aff, LinearMap):   # steps mixing features: folded in float, the raw inputs then quantized
        W, b = aff.fold(W, b)
        aff, steps = Affine(np.ones(n), np.zeros(n)), ", the pipeline's steps folded in"
    if kind == "regressor" and W.shape[0] != 1:
        raise ConversionError(f"{name} has {W.shape[0]} outputs; only single-output regression is supported")
    low, high, unit = feature_range(opts, n, model_range)
    ib = input_bits_for(opts, unit, low, high, INPUT_RESOLUTION)
    title = f"{name} ({n} features{', scalers folded in' if not aff.identity else steps}), converted to pyleo."
    spec = new_spec(est, opts, n, kind, low, high, ib, title)
    spec.imports.add("models" if kind == "regressor" else "reduce")
    limit = 2**62 if kind == "regressor" else 2**120
    # private weights travel as u32 (value + 2**31): two bits fewer keep |W| below 2**31
    for drop in range(2 if opts.weights == "private" else 0, WEIGHT_RESOLUTION, 2):
        Wq, bq, S = aff.fold_dense(W, b, ib, WEIGHT_RESOLUTION - drop)
        bound = int(max(dense_bound(Wq, bq, input_bound(low, high, ib))))
        if bound < limit:
            break
    else:
        raise ConversionError("the model's outputs do not fit the circuit's range at any weight scale; narrow input_range")
    spec.param("W", Wq, f"coef_{' × the scalers’ factors' if not aff.identity else ''}, column j at 2**({S} − IN_BITS[j])")
    spec.param("B", bq, f"intercept_{' (scalers folded in)' if not aff.identity else ''} at 2**{S} (the scale of W·x)")
    if kind == "regressor":
        spec.link = link
        spec.body.append("scores = linalg.dense(W, xf, B)")
        if score_head(spec, opts, "scores", 1, bound, 2**S, {"predict": link}, name):
            return spec
        spec.body.pop()
        spec.out_scale = f"2**{S}"
        spec.body.append("return models.to_i64(linalg.dense(W, xf, B)[0])")
        return spec
    assert classes is not None
    spec.classes = classes
    if ovo:
        refuse_scores(opts, f"{name} with {len(classes)} classes (one-vs-one)", {})
        spec.imports |= {"models", "reduce"}
        spec.use(f"votes = models.ovo_votes({len(classes)}, {sign_width(bound + 1)})", f"|pair score| <= {pow2(bound)}")
        spec.use("argmax = reduce.argmax(32)", "votes are small integers")
        spec.notes.append("Several classes: one-vs-one pairs (i, j) vote i when their score is > 0; the first class "
                          "with most votes wins (as libsvm).")
        spec.body.append("return argmax(votes(linalg.dense(W, xf, B)))")
        return spec
    spec.body.insert(0, "scores = linalg.dense(W, xf, B)")
    if not score_head(spec, opts, "scores", W.shape[0], bound, 2**S, links or {}, name):
        classifier_head(spec, "scores", bound, W.shape[0])
    return spec
