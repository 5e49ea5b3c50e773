"""The entry points: :func:`from_sklearn`, :func:`from_xgboost`, :func:`from_file`, and reading model and
calibration-row files."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .fidelity import CHECK_ROWS, Fidelity, _finish
from .model import ConversionError, ModelInputError, ZkModel
from .quantize import Options, _unwrap, range_bounds
from .render import Spec
from .sklearn import _sklearn_spec
from .xgboost import _xgboost, load_xgboost_file


# ---- entry points -------------------------------------------------------------------------------
def _options(X: Any, input_range: Any, input_bits: Any, name: str | None, n: int | None,
             missing_values: bool | None = None, weights: str = "public") -> Options:
    _choice("weights", weights, WEIGHT_MODES)
    Xa = None
    if X is not None:
        try:
            Xa = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ModelInputError(f"X must hold numbers (NaN where missing): {e}") from None
        if Xa.ndim != 2:
            raise ModelInputError(f"X must be a 2-D array of samples, got shape {Xa.shape}")
        if n is not None and Xa.shape[1] != n:
            raise ModelInputError(f"X has {Xa.shape[1]} features; the model takes {n}")
        if np.isinf(Xa).any():
            raise ModelInputError("X contains infinite values (NaN marks a missing value; inf is not a feature value)")
        if len(Xa) == 0:
            raise ModelInputError("X has no rows")
    n = n if n is not None else Xa.shape[1] if Xa is not None else None
    if input_range is not None and n is not None:
        range_bounds(input_range, n)   # every family: checked before it is used (or ignored, by trees)
    return Options(Xa, input_range, input_bits, name, missing_values, weights)


WEIGHT_MODES = ("public", "private")
"""``weights="public"``: the parameters are constants of the program; ``"private"``: private inputs
under a public commitment (:func:`_private_weights`)."""

INPUT_MODES = ("private", "public")
"""``inputs=``: the sample is a private input (default; the verifier learns nothing of it) or a public one."""

OUTPUT_MODES = ("public", "private", "commitment")
"""``output=``: the label as a public output (default), a private one (encrypted to the prover; the
verifier learns nothing of it), or a private one with a public BHP256 commitment to it (the prover's
scalar r blinds it; revealing (label, r) later lets anyone check it, :meth:`ZkModel.label_commitment`)."""


def _choice(what: str, value: str, modes: tuple[str, ...]) -> None:
    if value not in modes:
        raise ConversionError(f"{what} must be one of {', '.join(map(repr, modes))}, got {value!r}")


def _visibility(spec: Spec, est: Any, weights: str, inputs: str, output: str) -> Spec:
    """Apply the visibility options to ``spec`` (checked first, see the *_MODES)."""
    for what, value, modes in (("weights", weights, WEIGHT_MODES), ("inputs", inputs, INPUT_MODES),
                               ("output", output, OUTPUT_MODES)):
        _choice(what, value, modes)
    spec.inputs, spec.output = inputs, output
    return _private_weights(spec, est) if weights == "private" else spec


def _private_weights(spec: Spec, est: Any) -> Spec:
    """Turn ``spec`` into its private-weights form: its parameters (``spec.params``) become members of
    one private struct input (packed into words, :func:`~stdlib_ml.convert.model.pack_words`) with a
    fresh 128-bit blinding value, and ``predict`` also outputs their Poseidon2 commitment publicly."""
    name = type(est).__name__
    if len(spec.params) > 31:
        raise ConversionError(f"{name} has {len(spec.params)} parameter tensors; a private struct holds at most 31 "
                              "(snarkVM: 32 members, one is the blinding value)")
    spec.weights = "private"
    spec.blinding = secrets.randbits(128)
    return spec


PRIVATE_FAMILIES = ("every family: linear models (LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR, "
                    "LogisticRegression, RidgeClassifier, SGDClassifier, LinearSVC, SVC(kernel='linear')), KMeans, "
                    "GaussianNB, MLPs, trees and tree ensembles (scikit-learn, XGBoost: thresholds and leaf values "
                    "private, the trees' shape public) and KNeighborsClassifier (training points and labels private); "
                    "within the local proving limit (16,384 constraints) only small ones: the private inputs and the "
                    "commitment add ~3,000–4,600 constraints to a transition's ~11,300 (measured, "
                    "benchmarks/results/privacy_costs.md): iris LogisticRegression, SVC(linear), KMeans(3), a depth-3 "
                    "tree and a KNN with k=3 on 8 points (16,174) fit; binary ensembles of 2 stumps, a 2-feature binary "
                    "GaussianNB and an MLP 2-2-1 fit; since inputs are bit-packed an MLP 4-4-3 and 3 AdaBoost stumps "
                    "fit too (tests/test_private_model.py, -m slow); a 4-feature GaussianNB, 3-tree forests and "
                    "boosters and a KNN on 12 points do not, even split into parts (pyleo.split)")
"""The families ``weights="private"`` converts (the others are refused, naming why)."""


def build_spec(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None,
               name: str | None = None, missing_values: bool | None = None, weights: str = "public",
               inputs: str = "private", output: str = "public") -> Spec:
    """The :class:`Spec` (what the model file will say) for a fitted scikit-learn or XGBoost model."""
    from sklearn.pipeline import Pipeline

    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if type(final).__module__.startswith("xgboost"):
        spec = _xgboost(model, _options(X, input_range, input_bits, name, getattr(model, "n_features_in_", None),
                                        missing_values, weights))
        return _visibility(spec, final, weights, inputs, output)
    if not hasattr(final, "fit"):
        raise ConversionError(f"{type(final).__name__} is not a scikit-learn estimator")
    opts = _options(X, input_range, input_bits, name, getattr(model, "n_features_in_", None), missing_values, weights)
    est, aff, n = _unwrap(model, opts.X)
    if aff.clip is not None and not (hasattr(est, "tree_") or hasattr(est, "estimators_")):
        raise ConversionError(f"MinMaxScaler(clip=True) in front of {type(est).__name__} is not supported: clipping is "
                              "not affine; only tree models (whose splits lie inside feature_range) express it exactly",
                              hint="refit the pipeline with MinMaxScaler(clip=False)")
    spec = _sklearn_spec(model, est, aff, n, opts)
    if missing_values and spec.missing_sides is None:
        raise ConversionError(f"{type(est).__name__} has no missing-value semantics (its predict rejects NaN), so "
                              "missing_values=True cannot be honoured",
                              hint="models that take them: scikit-learn decision trees, random forests and extra "
                              "trees, XGBoost")
    return _visibility(spec, est, weights, inputs, output)


def from_sklearn(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                 inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted scikit-learn estimator (or Pipeline of scalers + estimator) to a :class:`ZkModel`.

    ``X``: calibration rows, (n_samples, n_features) floats (e.g. the training set; NaN where a value
    is missing, for models that take missing values): they give the input range the circuit is sized
    for, and the conversion checks itself on them (:func:`check_fidelity`, result in ``zk.fidelity``
    and in the file's header). Below the bar (``min_agreement`` of labels, default all; regressors:
    ``max_error`` of the predictions' range) it raises :class:`ConversionError` naming the rows and
    the likely cause, or with ``strict=False`` warns (:class:`FidelityWarning`). Without ``X``
    fidelity is not checked (``zk.fidelity`` is None). ``input_range``: the range directly (bound r,
    or (low, high), scalars or per feature); ``input_bits``: fractional bits of the inputs (one int, or
    one per feature; default: each feature's own, from its range); ``name``: the Aleo program name;
    ``check_rows``: at most this many calibration rows are run through the circuit (None: all);
    ``missing_values``: whether the circuit takes missing values (NaN) the way the float model does
    (trees and forests: each node's learned side; one extra input per feature whose nodes send them
    both ways). Default: when ``X`` has NaN, the model has a split "missing or not", or a finite
    ``missing`` sentinel (XGBoost) makes it necessary; otherwise a NaN is rejected at predict.
    XGBoost's scikit-learn wrappers are accepted too (see :func:`from_xgboost`).

    ``weights``: ``"public"`` (default: the parameters are constants of the program, which anyone
    can read) or ``"private"`` (private model, public commitment; :data:`PRIVATE_FAMILIES`; trees
    and KNN need ``X``): the parameters become one private struct input, each value offset-encoded
    in the narrowest width holding its tensor (2, 4, 8 … 128 bits; 32 for linear weights) and packed
    into words of up to 128 bits (:meth:`ZkModel.opening`), with a fresh random u128 blinding value,
    and ``predict`` also outputs a public Poseidon2 commitment to them
    (``tuple[Public[label], Public[field]]``). A KNN's training points and labels (and a scaler's
    factors) are its parameters: the vote runs over private labels. The program then
    reveals the architecture, the input encoding, the output scale and the sign tests' widths, not
    the weights. ``zk.commitment`` gives the commitment, ``zk.prove`` supplies the weights,
    ``zk.verify`` accepts only proofs made with them; the saved model file is the owner's secret
    (it holds the weights and blinding), ``zk.save_public`` writes what verifiers need.
    ``inputs``: the sample is a ``"private"`` (default) or ``"public"`` input; ``output``: the label
    is ``"public"`` (default), ``"private"`` (encrypted to the prover) or ``"commitment"`` (private,
    with a public BHP256 commitment to it; ``zk.prove(x, label_blinding=r)``). ``predict``'s outputs
    are the label, then its commitment, then the weights' commitment, as the modes ask.

    Tree models (decision trees, forests, extra trees, gradient boosting, AdaBoost, XGBoost) with
    public weights and no ``input_bits`` take each feature as its rank among the model's sorted
    distinct thresholds for it (``RANK_THRESHOLDS`` in the file; a node at the k-th threshold goes left
    exactly when the rank is ≤ k): exact for every input, no range (``input_range`` does not apply),
    no clamping, and inputs of ceil(log2(thresholds + 1)) bits. With private weights the ranks would reveal the thresholds to
    whoever encodes, so those trees keep the value encoding (each feature quantized at 2**IN_BITS over
    a range taken from ``X``), as does a given ``input_bits``.

    Raises :class:`ConversionError` (unsupported or unfitted model, fidelity below the bar) and
    :class:`ModelInputError` (malformed ``X``).
    """
    from sklearn.pipeline import Pipeline

    bar = Fidelity(min_agreement, max_error, strict, check_rows)
    spec = build_spec(model, X, input_range=input_range, input_bits=input_bits, name=name,
                      missing_values=missing_values, weights=weights, inputs=inputs, output=output)
    est = model.steps[-1][1] if isinstance(model, Pipeline) else model
    Xa = np.asarray(X, dtype=np.float64) if X is not None else None
    return _finish(spec, model, est, Xa, bar)


def from_xgboost(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, weights: str = "public",
                 inputs: str = "private", output: str = "public", min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted XGBoost model (``xgboost.Booster``, ``XGBClassifier`` or ``XGBRegressor``, or a
    JSON / UBJSON model file path) to a :class:`ZkModel`: the same options as :func:`from_sklearn`.
    A missing value (NaN, or the wrapper's ``missing``) follows each node's default branch."""
    bar = Fidelity(min_agreement, max_error, strict, check_rows)
    if isinstance(model, (str, os.PathLike)):
        model = load_xgboost_file(model)
    spec = _visibility(_xgboost(model, _options(X, input_range, input_bits, name, None, missing_values, weights)),
                       model, weights, inputs, output)
    Xa = np.asarray(X, dtype=np.float64) if X is not None else None
    return _finish(spec, model, model, Xa, bar)


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """A fitted model from a joblib / pickle file (scikit-learn, XGBoost wrappers) or an XGBoost JSON
    / UBJSON file. Unpickling runs code from the file: load only files you trust."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such model file: {p}")
    if p.suffix.lower() in (".json", ".ubj"):
        return load_xgboost_file(p)
    try:
        import joblib

        return joblib.load(p)
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad input file
        raise ModelInputError(f"{p} is not a readable joblib/pickle model: the file is damaged, truncated or of "
                              f"another format (unpickling failed with {type(e).__name__}: {e})",
                              hint="save the fitted model with joblib.dump(model, path), or pass an XGBoost "
                              "model's .json / .ubj file") from None


def load_rows(path: str | os.PathLike[str]) -> np.ndarray:
    """Calibration rows from a file: ``.npy`` (a 2-D array, or samples of any shape, flattened) or ``.csv`` (numbers separated by commas, an
    optional header line, empty cells or NaN where missing), as (n_samples, n_features) float64."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such data file: {p}")
    try:
        if p.suffix.lower() == ".npy":
            X = np.load(p, allow_pickle=False)
        elif p.suffix.lower() == ".csv":
            lines = p.read_text().splitlines()
            first = lines[0].split(",") if lines else []
            header = any(re.match(r"^\s*[A-Za-z_\"']", c) and c.strip().lower() not in ("nan", "") for c in first)
            X = np.genfromtxt(p, delimiter=",", skip_header=int(header), dtype=np.float64, ndmin=2)
        else:
            raise ModelInputError(f"{p}: calibration rows must be a .npy or .csv file")
        X = np.asarray(X, dtype=np.float64)
    except (ValueError, OSError) as e:
        raise ModelInputError(f"{p} could not be read as rows of numbers: {e}") from None
    if X.ndim > 2 and X.shape[0] > 0:   # samples shaped as a network takes them (n, C, H, W): one row each
        X = X.reshape(len(X), -1)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ModelInputError(f"{p} must hold a 2-D table of rows (samples) by columns (features), got shape {X.shape}")
    return X


def from_file(path: str | os.PathLike[str], X: Any = None, **options: Any) -> ZkModel:
    """Convert a model file (joblib / pickle, XGBoost JSON / UBJSON, a PyTorch ``.pt2`` from
    ``torch.export.save``, ONNX ``.onnx`` or Keras ``.keras``) to a :class:`ZkModel`; ``options`` as
    :func:`from_sklearn`'s (for networks: :func:`~stdlib_ml.convert.torch.from_torch`'s, whose
    ``resolution`` only networks take; a network has no missing values: ``missing_values=True`` is refused)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pt2":
        from .torch import from_torch

        if options.pop("missing_values", None):
            raise ConversionError("a PyTorch network has no missing-value semantics (NaN propagates through it)",
                                  hint="impute missing values first")
        return from_torch(path, X, **options)
    if suffix == ".onnx":
        from .onnx import from_onnx

        return from_onnx(path, X, **options)
    if suffix == ".keras":
        from .keras import from_keras

        if options.pop("missing_values", None):
            raise ConversionError("a Keras network has no missing-value semantics: missing_values=True cannot be honoured")
        return from_keras(path, X, **options)
    if options.get("resolution") is not None:
        raise ConversionError("resolution applies to neural networks (.pt2, .onnx, .keras) only")
    options.pop("resolution", None)
    model = load_model_file(path)
    if type(model).__module__.startswith("xgboost"):
        return from_xgboost(model, X, **options)
    return from_sklearn(model, X, **options)
