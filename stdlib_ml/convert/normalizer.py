"""scikit-learn's ``Normalizer`` (each row divided by its l2, l1 or max norm) in front of a linear classifier,
in the circuit: the class scores ``W·(z/‖z‖) + b`` times ``‖z‖ > 0`` are ``W·z + b·‖z‖``, whose sign and
argmax are the classifier's, so the circuit needs the norm, not a division: l2 as the checked integer
square root of Σ z² (:func:`stdlib_ml.distance.largest_below`), l1 as Σ |z|, max as max |z|. Nothing of it runs
on the prover's side (``PREPARE`` is not proved). Framework-free: the frontend hands in the composed steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import ConversionError
from .options import Options
from .quantize import (INPUT_RESOLUTION, WEIGHT_RESOLUTION, Affine, LinearMap, classifier_head, dense_bound,
                       feature_range, input_bits_for, input_bound, new_spec, pow2, qint, refuse_scores, sign_width)
from .render import Spec

NORMS = ("l2", "l1", "max")
"""Normalizer's norms."""

ROOT_BITS = 24
"""The l2 norm's checked square root keeps at most this many bits (N = floor(‖z‖·2**(Sz − m)) < 2**ROOT_BITS, m
the bits dropped; one 128-bit sign test per bit: 24 keep an iris pipeline below the local limit, with the
norm's relative error below 2**-23 of the largest)."""


@dataclass(frozen=True)
class Normalized:
    """The steps of a Pipeline around a ``Normalizer``: z = ``pre``(x) (the steps before it, composed: k values
    of n raw features), u = z / ‖z‖_``norm``, then ``post``(u) (the steps after it, composed) into the estimator."""

    pre: Affine | LinearMap
    norm: str
    post: LinearMap


def pre_map(pre: Affine | LinearMap, n: int) -> LinearMap:
    """``pre`` as a :class:`LinearMap` on the n raw features."""
    return pre if isinstance(pre, LinearMap) else LinearMap(np.diag(pre.d), pre.e.copy())


def normalized_classifier(est: Any, W: np.ndarray, b: np.ndarray, nz: Normalized, n: int, opts: Options,
                          classes: list[Any], model_range: tuple[np.ndarray, np.ndarray] | None) -> Spec:
    """Model file for a linear classifier (scores ``W·v + b`` on v = ``post``(u), ``W`` (outputs, k)) behind a
    Normalizer: z = pre(x) quantized at 2**Sz (a dense layer on the raw inputs, 0 constraints), N its norm at
    2**Sz (l2: the largest N with N² <= Σ z², at most :data:`ROOT_BITS` 128-bit sign tests; l1: Σ |z|, one sign test per value; max:
    the largest |z|), then the scores ``W'·z + b'·N`` (W', b': ``post`` folded into W, b): class 1 when the
    one score is > 0, else the argmax (the first on ties). Exact but for the rounding of z, of the weights and
    of the l2 norm's floor (below 2**-(ROOT_BITS − 1) of the largest ‖z‖). A row with z = 0 (which scikit-learn leaves 0) scores 0 here
    and b in the library. Raises :class:`ConversionError` for scores (they would need the division)."""
    name = type(est).__name__
    if nz.norm not in NORMS:
        raise ConversionError(f"Normalizer(norm={nz.norm!r}) is not supported", hint=f"norms: {', '.join(NORMS)}")
    refuse_scores(opts, f"{name} behind a Normalizer", {})
    Wp, bp = nz.post.fold(W, b)
    pre = pre_map(nz.pre, n)
    low, high, unit = feature_range(opts, n, model_range)
    ib = input_bits_for(opts, unit, low, high, INPUT_RESOLUTION)
    ident = Affine(np.ones(n), np.zeros(n))
    Zq, cq, Sz = ident.fold_dense(pre.M, pre.c, ib, WEIGHT_RESOLUTION)    # z at 2**Sz
    zb = np.asarray([int(v) for v in dense_bound(Zq, cq, input_bound(low, high, ib))], dtype=object)
    top = max(float(np.max(np.abs(np.concatenate([Wp.ravel(), bp])))), 1e-300)
    Sw = WEIGHT_RESOLUTION - int(np.ceil(np.log2(top)))
    Wq, bq = qint(Wp, Sw), qint(bp, Sw)
    norm_bound = int(sum(int(v) ** 2 for v in zb)) if nz.norm == "l2" else int(sum(zb)) if nz.norm == "l1" else int(max(zb))
    if nz.norm == "l2":
        norm_bound = int(np.sqrt(float(norm_bound))) + 1
    bound = int(max(dense_bound(np.concatenate([Wq, bq[:, None]], axis=1), np.zeros(len(bq)),
                                np.concatenate([zb, [norm_bound]]))))
    spec = new_spec(est, opts, n, "classifier", low, high, ib,
                    f"{name} behind Normalizer(norm={nz.norm!r}) ({n} features), converted to pyleo: the norm in the "
                    "circuit.")
    spec.classes = classes
    spec.imports |= {"models", "reduce", "activations"}
    spec.param("Z", Zq, f"the steps before the Normalizer, column j at 2**({Sz} − IN_BITS[j])")
    spec.param("Z0", cq, f"their shift, at 2**{Sz}")
    spec.param("W", Wq, f"coef_ (the steps after the Normalizer folded in), at 2**{Sw}")
    spec.param("B", bq, f"intercept_ (the same), at 2**{Sw}: multiplied by the norm")
    spec.body.append("z = linalg.dense(Z, xf, Z0)")
    zw = sign_width(int(max(zb)) + 1, 32)
    if nz.norm == "l2":
        spec.imports.add("distance")
        r = int(np.ceil(np.log2(norm_bound + 1))) + 1
        m = max(r - ROOT_BITS, 0)   # N at 2**(Sz − m): B·N·2**m at the scores' scale
        spec.use(f"root = distance.largest_below({r - m}, 128, True)", f"N < 2**{r - m}: N²·4**{m} <= Σ z² < 2**{2 * r}")
        spec.body.append(f"norm = root(reduce.total(models.squares(z)), {4**m}) * {2**m}")
    elif nz.norm == "l1":
        spec.use(f"relu = activations.relu_vec({zw})", f"|z| <= {pow2(int(max(zb)))}")
        spec.body.append("norm = 2 * reduce.total(relu(z)) - reduce.total(z)")
    else:
        spec.use(f"relu = activations.relu_vec({zw})", f"|z| <= {pow2(int(max(zb)))}")
        spec.use(f"largest = reduce.maximum({zw})", f"|z| <= {pow2(int(max(zb)))}")
        spec.body.append("norm = largest(linalg.add(linalg.scale(relu(z), 2), linalg.scale(z, -1)))")
    spec.const("ZERO", [0] * len(bq))
    spec.body.append("scores = linalg.add(linalg.dense(W, z, ZERO), linalg.scale(B, norm))")
    spec.notes.append(f"Normalizer(norm={nz.norm!r}): the scores W·(z/‖z‖) + b times ‖z‖ > 0 are W·z + b·‖z‖ (same "
                      "sign, same argmax): z = Z·x + Z0, its norm N in the circuit ("
                      + ("the largest N with N² <= Σ z², checked bit by bit" if nz.norm == "l2" else
                         "Σ |z|, |v| = 2·relu(v) − v" if nz.norm == "l1" else "max |z|, |v| = 2·relu(v) − v")
                      + "), then W·z + B·N; nothing computed outside the circuit.")
    classifier_head(spec, "scores", bound, len(bq))
    return spec
