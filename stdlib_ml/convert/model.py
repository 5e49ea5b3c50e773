"""The result of a conversion: :class:`ZkModel` (encode, predict, prove, save), :func:`load` of a saved
model file, and the errors of converting and of giving a converted model bad input."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import loader
from pyleo.values import field_literal

from .. import fixed
from . import prepare
from .packing import param_word_bits


# ---- errors -------------------------------------------------------------------------------------
class ConversionError(pl.CompileError, ValueError):
    """The estimator cannot be converted: not fitted, not supported, or an option that is not."""


class ModelInputError(pl.InputError, ValueError):
    """Samples given to a converted model are malformed (NaN, wrong number of features, out of range)."""


LARGEST_VALUE = float(np.finfo(np.float32).max)
"""The largest magnitude a feature value may have (about 3.4e38): scikit-learn's trees and XGBoost compare
float32 copies of their inputs, and every circuit quantizes values to integers of at most 128 bits."""


def as_numbers(X: Any, what: str = "X") -> np.ndarray:
    """``X`` as a float64 array, refusing what is not a feature value: strings, booleans (True is not
    1.0 to a model: say so with 0/1), complex numbers (their imaginary part would be dropped), dates,
    ragged rows, None outside an object array of numbers (None there, like NaN, marks a missing value),
    and magnitudes beyond :data:`LARGEST_VALUE` (infinities stay: the callers say what they mean).
    ``what`` names the input in messages. Raises :class:`ModelInputError`."""
    try:   # Python lists keep their elements' types (numpy would read [True, 2.5] as [1.0, 2.5])
        raw = np.asarray(X, dtype=object) if isinstance(X, (list, tuple)) else np.asarray(X)
    except (TypeError, ValueError) as e:
        raise ModelInputError(f"{what} must be a table of numbers, one row per sample: {e}") from None
    kind = raw.dtype.kind
    if kind == "O":
        flat = raw.ravel()
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in flat):
            raise ModelInputError(f"{what} must be a table of numbers: its rows have different lengths")
        bad = next((i for i, v in enumerate(flat) if not (v is None or isinstance(v, (int, float, np.integer, np.floating))
                                                           and not isinstance(v, (bool, np.bool_)))), None)
        if bad is not None:
            at = f" at index {[int(i) for i in np.unravel_index(bad, raw.shape)]}" if raw.ndim else ""
            raise ModelInputError(f"{what} holds {flat[bad]!r} ({type(flat[bad]).__name__}){at}: feature values must be "
                                  "numbers (NaN or None where missing)",
                                  hint="convert booleans to 0/1 and parse text to numbers first")
        huge = next((i for i, v in enumerate(flat) if isinstance(v, int) and abs(v) > LARGEST_VALUE), None)
        if huge is not None:   # float() of an integer past float64's range raises OverflowError
            at = [int(i) for i in np.unravel_index(huge, raw.shape)]
            raise ModelInputError(f"{what} holds an integer of {len(str(abs(flat[huge])))} digits at index {at}: feature "
                                  f"values must lie within ±{LARGEST_VALUE:.3g} (float32's range, in which tree models "
                                  "compare them)", hint="rescale the feature, or mark the value as missing (NaN)")
        raw = np.asarray([np.nan if v is None else float(v) for v in flat], dtype=np.float64).reshape(raw.shape)
        kind = "f"
    if kind == "b":
        raise ModelInputError(f"{what} holds booleans: a feature value must be a number",
                              hint="pass them as 0/1, e.g. X.astype(float)")
    if kind == "c":
        raise ModelInputError(f"{what} holds complex numbers: a feature value is real (the imaginary part would be "
                              "silently dropped)", hint="pass the real part (X.real) or the magnitude (abs(X))")
    if kind not in "iuf":
        raise ModelInputError(f"{what} holds {raw.dtype} values, not numbers",
                              hint="parse text to numbers first (NaN where a value is missing)")
    arr = raw.astype(np.float64)
    big = np.isfinite(arr) & (np.abs(arr) > LARGEST_VALUE)
    if big.any():
        where = [int(i) for i in np.argwhere(big)[0]]
        raise ModelInputError(f"{what} holds {arr[tuple(where)]:.6g} at index {where}: feature values must lie within "
                              f"±{LARGEST_VALUE:.3g} (float32's range, in which tree models compare them)",
                              hint="rescale the feature, or mark the value as missing (NaN)")
    return arr
BACKENDS = ("interpreter", "vm")

MAX_CLUSTERS = 256
"""Cluster indices are u8."""


# ---- the result ---------------------------------------------------------------------------------
class ZkModel:
    """A converted model: its generated source, its ``pl.Program`` (entry ``predict``), and
    scikit-learn-like ``predict`` computed by the circuit's semantics or by snarkVM."""

    def __init__(self, module: ModuleType, source: str, path: Path) -> None:
        self.module = module
        self.source = source
        self.path = path
        self.program: pl.Program = module.prog
        self.kind: str = module.KIND
        self.n_features: int = int(module.N_FEATURES)
        self.columns = np.asarray(getattr(module, "COLUMNS", range(self.n_features)), dtype=np.int64)
        self.in_bits = np.broadcast_to(np.asarray(module.IN_BITS, dtype=np.int64), self.columns.shape).copy()
        self.input_low = np.asarray(module.INPUT_LOW, dtype=np.float64)
        self.input_high = np.asarray(module.INPUT_HIGH, dtype=np.float64)
        widths, zero = getattr(module, "INPUT_WIDTHS", None), getattr(module, "INPUT_ZERO", None)
        self.input_widths: list[int] | None = None if widths is None else [int(w) for w in widths]
        self.input_zero: list[int] | None = None if zero is None else [int(z) for z in zero]
        self.input_word_bits = int(getattr(module, "INPUT_WORD_BITS", 128))
        self.missing_sides: list[str] | None = getattr(module, "MISSING_SIDE", None)
        self.missing_value: float | None = getattr(module, "MISSING_VALUE", None)
        self.fidelity: dict[str, Any] | None = getattr(module, "FIDELITY", None)
        self.clamp: bool = module.OUT_OF_RANGE == "clamp"
        ranks = getattr(module, "RANK_THRESHOLDS", None)
        self.rank_thresholds: list[np.ndarray] | None = (
            None if ranks is None else [np.asarray(t, dtype=np.float64) for t in ranks])
        self.rank_strict: bool = bool(getattr(module, "RANK_STRICT", False))
        self.float32_inputs: bool = bool(module.FLOAT32_INPUTS)
        self.classes_ = np.asarray(module.CLASSES) if module.CLASSES is not None else None
        self.out_scale = module.OUT_SCALE
        self.weights: str = getattr(module, "WEIGHTS", "public")
        self.inputs: str = getattr(module, "INPUTS", "private")
        self.output: str = getattr(module, "OUTPUT", "public")
        self.response: str = getattr(module, "RESPONSE", "predict")
        self.link: str = getattr(module, "LINK", "identity")
        self.threshold: float | None = getattr(module, "THRESHOLD", None)
        self.link_params: dict[str, float] = getattr(module, "LINK_PARAMS", None) or {}
        self.prepare: list[tuple[Any, ...]] | None = getattr(module, "PREPARE", None)
        self.feature_names: list[str] | None = getattr(module, "FEATURE_NAMES", None)
        self.raw_features: int = int(getattr(module, "RAW_FEATURES", self.n_features))
        self.domain: list[list[Any]] | None = getattr(module, "DOMAIN", None)
        shape = getattr(module, "SAMPLE_SHAPE", None)
        self._check_constants(path, shape)
        self.sample_shape: tuple[int, ...] | None = None if shape is None else tuple(int(d) for d in shape)
        """A network's input shape of more than one axis, e.g. a CNN's (C, H, W): samples shaped (n, *sample_shape)
        are taken (flattened in C order); None: samples are rows of the features."""
        if self.sample_shape is not None and int(np.prod(self.sample_shape)) != self.raw_features:
            raise ModelInputError(f"{path}: SAMPLE_SHAPE {self.sample_shape} does not hold its {self.raw_features} "
                                  "features")

    def _check_constants(self, path: Path, shape: Any) -> None:
        """Refuse a model file whose ``PREPARE``, ``DOMAIN`` or ``SAMPLE_SHAPE`` (edited by hand) is not what
        encode reads (:class:`ModelInputError` naming the file), rather than fail on the first sample."""
        if shape is not None and not (isinstance(shape, (list, tuple)) and shape and all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
            raise ModelInputError(f"{path}: SAMPLE_SHAPE must be a tuple of positive integers, not {str(shape)[:80]}")
        if self.domain is not None and not (isinstance(self.domain, (list, tuple)) and len(self.domain) == self.n_features
                                            and all(isinstance(d, (list, tuple)) and len(d) == 3 and isinstance(d[2], str)
                                                    and all(b is None or prepare.is_real(b) for b in d[:2]) for d in self.domain)):
            raise ModelInputError(f"{path}: DOMAIN must give each of the {self.n_features} features [low, high, what] "
                                  "(low and high numbers or None)")
        if self.prepare is not None:
            try:
                prepare.check(self.prepare, self.raw_features)
            except prepare.PrepareError as e:
                raise ModelInputError(f"{path}: {e.message}", hint="convert the model again rather than edit its "
                                      "file (stdlib_ml.convert.prepare documents the entries)") from None

    @property
    def name(self) -> str:
        return self.program.name

    def __repr__(self) -> str:
        f = self.fidelity
        checked = ("fidelity not checked" if f is None else
                   f"agreement {f['agreement']:.4f}" if "agreement" in f else f"max error {f['max_rel_error']:.2g}")
        return f"<ZkModel {self.name}: {self.kind}, {self.n_features} features, {checked}, source {self.path}>"

    # ---- inputs ---------------------------------------------------------------------------------
    def rows(self, X: Any) -> np.ndarray:
        """``X`` as the table of samples the circuit reads, (n, n_features) float64: a table, one sample (1-D), or,
        for a network whose input has more axes (:attr:`sample_shape`, e.g. a CNN's (C, H, W)), samples of exactly
        that shape, flattened in C order. Raises :class:`ModelInputError` for any other shape: rows of another shape
        are never flattened for you (the model would read other values as its features)."""
        arr = as_numbers(X, "samples")
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim > 2 and self.sample_shape is not None and arr.shape[1:] == self.sample_shape:
            arr = arr.reshape(len(arr), -1)
        if arr.ndim != 2:
            takes = "" if self.sample_shape is None else f" or (n, {', '.join(map(str, self.sample_shape))})"
            raise ModelInputError(f"{self.name} takes samples shaped (n, {self.n_features}){takes}, got shape {arr.shape}",
                                  hint="one row of features per sample; rows of another shape are not flattened for you")
        if arr.shape[1] != self.n_features:
            raise ModelInputError(f"{self.name} takes {self.n_features} features per sample, got {arr.shape[1]}")
        return arr

    def _samples(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """(values, missing) per sample and circuit input: present values clamped or checked against
        [INPUT_LOW, INPUT_HIGH]; missing ones (NaN or MISSING_VALUE) flagged, where the model has them.
        With ``PREPARE`` the samples are raw rows (categories, missing values; a DataFrame's columns by
        ``FEATURE_NAMES``) made numbers first (:func:`~stdlib_ml.convert.prepare.apply`)."""
        if self.prepare is not None or (self.feature_names is not None and prepare.named(X)):
            try:
                X = (prepare.apply(self.prepare, X, self.feature_names, self.raw_features) if self.prepare is not None
                     else prepare.raw_rows(X, self.feature_names, self.raw_features))
            except prepare.PrepareError as e:
                raise ModelInputError(e.message, hint=e.hint) from None
        arr = self.rows(X)
        if self.float32_inputs:  # scikit-learn's trees and XGBoost compare float32 copies of X
            arr = arr.astype(np.float32).astype(np.float64)
        missing = np.isnan(arr)
        if self.missing_value is not None:
            missing |= arr == np.float64(np.float32(self.missing_value))
        if missing.any() and self.missing_sides is None:
            i, j = np.argwhere(missing)[0]
            raise ModelInputError(f"sample {i}, feature {j} is missing ({arr[i, j]}): {self.name}'s circuit takes no "
                                  "missing values",
                                  hint="impute missing values first; if the float model takes NaN (scikit-learn "
                                  "trees and forests, XGBoost), convert it with missing_values=True "
                                  "(`pyleo import --missing-values`)")
        if np.isinf(arr).any():
            i, j = np.argwhere(np.isinf(arr))[0]
            raise ModelInputError(f"sample {i}, feature {j} is {arr[i, j]}: the circuit takes finite numbers only")
        self._check_domain(arr)
        vals, miss = arr[:, self.columns], missing[:, self.columns]
        if self.rank_thresholds is not None:   # a rank exists for any value: no range to clamp to or check
            return np.where(miss, 0.0, vals), miss
        if self.clamp:
            return np.where(miss, 0.0, np.clip(vals, self.input_low, self.input_high)), miss
        out = ((vals < self.input_low) | (vals > self.input_high)) & ~miss
        if out.any():
            i, c = np.argwhere(out)[0]
            j = self.columns[c]
            raise ModelInputError(
                f"sample {i}, feature {j} = {vals[i, c]:.6g} is outside [{self.input_low[c]:.6g}, "
                f"{self.input_high[c]:.6g}], the range {self.name}'s circuit was sized for",
                hint="convert again with X= (calibration rows, e.g. the training set) including such samples, or "
                "with input_range=(low, high) covering them (`pyleo import --data` / `--input-range`)")
        return np.where(miss, 0.0, vals), miss

    def _check_domain(self, arr: np.ndarray) -> None:
        """Refuse a value outside ``DOMAIN`` (where a function folded at conversion, e.g. a
        FunctionTransformer(np.log) in front of a tree, gives no finite number), naming the sample, the
        feature, the value and the domain."""
        for j, (low, high, what) in enumerate(self.domain or []):
            v = arr[:, j]
            bad = (v < (-np.inf if low is None else low)) | (v > (np.inf if high is None else high))
            if bad.any():
                i = int(np.argmax(bad))
                name = repr(self.feature_names[j]) if self.feature_names is not None and self.prepare is None else j
                bounds = " and ".join(([f"x >= {low:.6g}"] if low is not None else [])
                                      + ([f"x <= {high:.6g}"] if high is not None else []))
                raise ModelInputError(f"sample {i}, feature {name} = {v[i]:.6g} is outside the domain of {what} "
                                      f"folded into {self.name}: {bounds}",
                                      hint="the model that was fitted gives no finite number there either")

    def value_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per circuit input, (low, high) in the raw feature's units, float64 arrays of ``len(COLUMNS)``:
        the range the circuit reads values in (INPUT_LOW, INPUT_HIGH), or for inputs ranked among
        thresholds (``RANK_THRESHOLDS``, which read any value) the span of the thresholds, NaN for an
        input that has none."""
        if self.rank_thresholds is None:
            return self.input_low, self.input_high
        return (np.asarray([t[0] if len(t) else np.nan for t in self.rank_thresholds]),
                np.asarray([t[-1] if len(t) else np.nan for t in self.rank_thresholds]))

    def encode(self, X: Any) -> list[list[int]]:
        """The circuit's input ``x`` for each sample of raw feature values (floats; NaN where missing):
        the inputs q = ``fixed.quantize(sample[COLUMNS], IN_BITS)`` (tree models with public weights:
        each value's rank among its input's ``RANK_THRESHOLDS``, the number of thresholds it is past; a
        missing value one step outside its input's range) as codes ``q - INPUT_ZERO`` of ``INPUT_WIDTHS`` bits, bit-packed into
        ``INPUT_WORD_BITS``-bit words (``fixed.pack``). Model files without INPUT_WIDTHS (written before the packing)
        take ``u64`` values ``q + fixed.INPUT_OFFSET``.

        Raises :class:`ModelInputError` for a wrong shape, non-numbers, infinities, missing values the
        model has no semantics for, or (models that do not clamp) values outside the range."""
        vals, miss = self._samples(X)
        if self.rank_thresholds is not None:
            side = "right" if self.rank_strict else "left"
            q = np.stack([np.searchsorted(t, vals[:, j], side=side) for j, t in enumerate(self.rank_thresholds)],
                         axis=1).astype(object) if len(vals) else np.zeros(vals.shape, dtype=object)
        else:
            q = fixed.quantize(vals, self.in_bits).astype(object)
        if miss.any():
            below = fixed.quantize(self.input_low, self.in_bits).astype(object) - 1
            above = fixed.quantize(self.input_high, self.in_bits).astype(object) + 1
            sides = np.asarray(self.missing_sides)
            q = np.where(miss, np.where(sides == "low", below, above)[None, :], q)
        if self.input_widths is None or self.input_zero is None:
            return [[int(v) + fixed.INPUT_OFFSET for v in row] for row in q]
        return [self.pack([int(v) - z for v, z in zip(row, self.input_zero)]) for row in q]

    def encode_one(self, x: Any) -> list[int]:
        """The circuit's input ``x`` for one sample, as :meth:`encode` reads samples: a row of raw values (1-D, or
        shaped :attr:`sample_shape`), a DataFrame of one row or a Series (``df.iloc[i]``), both read by their
        column names. Raises :class:`ModelInputError` as :meth:`encode` does, and for more than one sample."""
        if self.prepare is None and not prepare.named(x):   # raw rows with categories are not numbers yet
            x = as_numbers(x, "the sample")
            if x.ndim == 1 or self.sample_shape is not None and x.shape == self.sample_shape:
                x = x[None]
        encoded = self.encode(x)   # ModelInputError for another shape: never flattened (:meth:`rows`)
        if len(encoded) != 1:
            raise ModelInputError(f"prove takes one sample, got {len(encoded)}",
                                  hint="prove many with stdlib_ml.convert.prove_rows.prove_many or `pyleo prove-batch`")
        return encoded[0]

    def codes(self, X: Any) -> list[list[int]]:
        """Per sample, each circuit input's code (``q - INPUT_ZERO``, an integer of ``INPUT_WIDTHS`` bits):
        what :meth:`encode` packs. Raises as :meth:`encode` does, and for a model file without codes."""
        if self.input_widths is None or self.input_zero is None:
            raise ModelInputError(f"{self.name} takes u64 inputs (a model file from before the packing): it has no codes")
        return [fixed.unpack(words, self.input_widths, self.input_word_bits) for words in self.encode(X)]

    def pack(self, codes: Sequence[int]) -> list[int]:
        """The circuit's ``x`` (``INPUT_WORD_BITS``-bit words) carrying one sample's ``codes`` (one per input).
        Raises :class:`ModelInputError` for a code that does not fit its width."""
        assert self.input_widths is not None
        try:
            return fixed.pack(codes, self.input_widths, self.input_word_bits)
        except ValueError as e:   # only an edited file's INPUT_WIDTHS / INPUT_ZERO can disagree with its range
            raise ModelInputError(f"{self.name}: an input does not fit its code ({e}): INPUT_WIDTHS / INPUT_ZERO "
                                  "do not cover [INPUT_LOW, INPUT_HIGH]") from None

    def decode(self, outputs: Sequence[Any]) -> np.ndarray:
        """Circuit outputs (class indices or scaled integers) → labels / values; for a model of scores
        (``RESPONSE``), :meth:`decode_scores`. Raises :class:`ModelInputError` for an output that is not
        an integer."""
        if self.response != "predict" or self.threshold is not None:
            return self.decode_scores(outputs)
        try:
            outputs = [int(v) for v in outputs]
        except (TypeError, ValueError) as e:
            raise ModelInputError(f"{self.name}'s outputs are integers (class indices or scaled values): {e}") from None
        if self.kind == "regressor":
            values = np.asarray([int(v) / self.out_scale for v in outputs], dtype=np.float64)
            return np.exp(values) if self.link == "exp" else values   # a GLM's log link, after the circuit
        idx = np.asarray([int(v) for v in outputs], dtype=np.int64)
        return self.classes_[idx] if self.classes_ is not None else idx

    def decode_scores(self, outputs: Sequence[Any]) -> np.ndarray:
        """A model of scores' outputs → what the library's ``RESPONSE`` method returns: with a
        ``THRESHOLD``, a bool per sample; otherwise per sample its field values (negatives as p − |v|)
        divided by ``OUT_SCALE``, mapped by ``LINK`` (``"sigmoid"``: one logit → [1 − σ, σ];
        ``"softmax"``: exp normalized; ``"ovr"``: σ of each, normalized; ``"identity"``: as they are),
        ``"isolation"``: −2**(−S/normalizer) − shift, ``LINK_PARAMS``), shaped (n,) for one score and
        (n, k) for k. Raises :class:`ModelInputError` for outputs of
        another shape."""
        if self.threshold is not None:
            if not all(isinstance(v, (bool, np.bool_)) for v in outputs):
                raise ModelInputError(f"{self.name} outputs one boolean per sample (score >= {self.threshold})")
            return np.asarray(outputs, dtype=bool)
        try:
            half = pl.FIELD_MODULUS // 2
            z = np.asarray([[(int(v) - pl.FIELD_MODULUS if int(v) > half else int(v)) / self.out_scale for v in row]
                            for row in outputs], dtype=np.float64).reshape(len(outputs), -1)
        except (TypeError, ValueError) as e:
            raise ModelInputError(f"{self.name}'s outputs are lists of field values (scores at OUT_SCALE): {e}") from None
        if self.link == "sigmoid":
            p = 1.0 / (1.0 + np.exp(-z))
            return np.hstack([1.0 - p, p]) if z.shape[1] == 1 else p
        if self.link == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        if self.link == "isolation":   # IsolationForest: the summed path length S → −2**(−S/D) − shift
            return -np.exp2(-z[:, 0] / self.link_params["normalizer"]) - self.link_params["shift"]
        if self.link == "ovr":
            p = 1.0 / (1.0 + np.exp(-z))
            return p / p.sum(axis=1, keepdims=True)
        return z[:, 0] if z.shape[1] == 1 else z

    # ---- private weights ------------------------------------------------------------------------
    def opening(self, weights: dict[str, Any] | None = None) -> dict[str, Any]:
        """Private weights: the ``Weights`` input ``predict`` takes: each parameter offset-encoded as
        ``PARAM_BITS`` says and packed into u128 words (:func:`pack_words`), and the blinding value ``r``.
        ``weights``: signed integer parameters by name (default the owner's ``OWNER_WEIGHTS``; others,
        e.g. to show that a proof made with them fails against the commitment). Raises
        :class:`ModelInputError` for a model with public weights, or weights that do not fit ``PARAM_BITS``."""
        if self.weights != "private":
            raise ModelInputError(f"{self.name} has public weights (constants of its program): it has no opening")
        if getattr(self.module, "PARAM_PACKING", None) != PARAM_PACKING:
            raise ModelInputError(f"{self.path} carries its private weights unpacked (written by an older pyleo)",
                                  hint="convert the model again (from_sklearn / pyleo import --weights private); "
                                  "this changes the program, so publish the new commitment (pyleo commit)")
        bits = self.module.PARAM_BITS
        values = self.module.OWNER_WEIGHTS if weights is None else weights
        if not isinstance(values, dict) or set(values) != set(bits):
            raise ModelInputError(f"weights must be a dict of {self.name}'s parameters {sorted(bits)} (integers), got "
                                  f"{sorted(values) if isinstance(values, dict) else type(values).__name__}")
        packed = {n: pack_words(np.ravel(np.asarray(values[n], dtype=object)), b, n) for n, b in bits.items()}
        return {**packed, "r": int(self.module.OWNER_BLINDING)}

    @property
    def commitment(self) -> str | None:
        """Private weights: the public commitment to them (a field literal, ``…field``), what a verifier
        passes to :func:`pyleo.vm.verify` / ``pyleo verify --commitment``, canonical as snarkVM writes it
        (in ``[0, p)``; a helper called from Python gives the signed representative); None with public weights."""
        if self.weights != "private":
            return None
        return field_literal(str(self.module.commitment(self.opening())))

    def save_public(self, path: str | os.PathLike[str], verifying_key: bool = False) -> Path:
        """Write what a verifier needs and nothing secret (a public model file, docs/formats.md): the
        program ID, its Aleo instructions, their checksum, (private weights) the commitment, how
        ``predict``'s output reads as a label or value (:attr:`decoding`), and with ``verifying_key=True``
        ``predict``'s verifying key derived here from the program (:func:`pyleo.trust.write_public_model`;
        about 4 s, LimitError when it does not fit one circuit here).
        The verifier then runs ``pyleo verify PROOF --public-model FILE`` (or ``--checksum CHECKSUM
        --commitment COMMITMENT``); a browser, which cannot derive keys, verifies with the file's key
        (``pyleo serve``'s pages), so that file must come from a trusted source: its SHA-256, published by
        the model's owner, is its fingerprint."""
        from pyleo import trust

        return trust.write_public_model(path, self.program.aleo(), f"{self.name}.aleo", "predict", self.weights,
                                        self.commitment, verifying_key=verifying_key, decoding=self.decoding)

    @property
    def decoding(self) -> Any:
        """How ``predict``'s first output reads as the model's answer (:class:`pyleo.trust.Decoding`: the class
        names, or the regressor's OUT_SCALE and its log link), what a verifier of this model decodes proved outputs
        with, reading them as :meth:`decode` does; None when the first output is not a public label or value
        (private, published as a commitment, a threshold's bool or a model's scores)."""
        from pyleo import trust

        if self.output != "public" or self.response != "predict" or self.threshold is not None:
            return None
        if self.kind == "regressor":
            return trust.Decoding(scale=float(self.out_scale), link=trust.LOG_LINK if self.link == "exp" else None)
        return trust.Decoding(tuple(c.item() if isinstance(c, np.generic) else c for c in self.classes_)
                              if self.classes_ is not None else None)

    def circuit_args(self, x: list[int], label_blinding: int | None = None) -> list[Any]:
        """``predict``'s arguments for one encoded sample (:meth:`encode`): ``x``; with private weights
        also :meth:`opening` (the owner's weights: only the owner can run or prove it); with
        ``OUTPUT == "commitment"`` also the label's blinding scalar (``label_blinding``, 0 when None:
        for running, never for proving)."""
        args: list[Any] = [x]
        if self.weights == "private":
            args.append(self.opening())
        if self.output == "commitment":
            args.append(0 if label_blinding is None else label_blinding)
        return args

    def _label(self, out: Any) -> Any:
        """The label among ``predict``'s outputs (the first; the only one with public weights and label)."""
        return out[0] if isinstance(out, tuple) else out

    # ---- running --------------------------------------------------------------------------------
    def predict_raw(self, X: Any, backend: str = "interpreter") -> list[int]:
        """The circuit's outputs (integers) for each sample: all rows at once with numpy
        (:meth:`pyleo.Program.run_batch`, the interpreter's exact results) or row by row on snarkVM.
        With private weights the owner's weights are supplied and the label part of each output kept."""
        if backend not in BACKENDS:
            raise ModelInputError(f"unknown backend {backend!r}; use one of {', '.join(map(repr, BACKENDS))}")
        rows = self.encode(X)
        if self.output == "commitment":   # predict outputs only commitments; its inline `prediction_of` gives the label
            if backend == "interpreter":
                return [self.module.prediction_of(*self.circuit_args(x)[:-1]) for x in rows]
            return [self._committed_label(self.program.evaluate("predict", *self.circuit_args(x))) for x in rows]
        if backend == "interpreter":
            out = self.program.run_batch("predict", [self.circuit_args(x) for x in rows])
        else:
            out = [self.program.evaluate("predict", *self.circuit_args(x)) for x in rows]
        return [self._label(o) for o in out]

    def _committed_label(self, out: Any) -> int:
        """The class index snarkVM committed to (with r = 0, as :meth:`circuit_args` runs it): the one
        among the classes whose commitment it output. Regressors' values cannot be searched for."""
        c = self._label(out)
        c = c if isinstance(c, str) else f"{c}field"
        if self.kind == "regressor" or self.response != "predict":
            raise ModelInputError(f"{self.name} publishes its prediction only as a commitment, which snarkVM's run "
                                  "does not reveal", hint="use backend='interpreter' (the same circuit semantics)")
        n = len(self.classes_) if self.classes_ is not None else MAX_CLUSTERS
        return next(k for k in range(n) if self.label_commitment(k, 0) == c)  # one matches: the circuit's label

    def predict(self, X: Any, backend: str = "interpreter") -> np.ndarray:
        """Like the float model's ``predict``: ``backend="interpreter"`` (exact circuit semantics,
        fast) or ``"vm"`` (snarkVM executes the circuit; needs ≤ 16,384 constraints here)."""
        return self.decode(self.predict_raw(X, backend))

    def prove(self, x: Any, label_blinding: int | None = None, split: bool | None = None,
              budget: int | None = None) -> Any:
        """Prove one prediction (a :class:`pyleo.vm.Proof`; ``.outputs`` holds the circuit's outputs in
        clear, the label first; ``.prediction`` what it stands for, e.g. ``"setosa"``). ``label_blinding``: with ``OUTPUT == "commitment"``, the secret scalar
        r of the label's public commitment (required: keep it to reveal the label later, see
        :meth:`label_commitment`). ``split``: None proves whole when the circuit fits here and split
        otherwise (then a :class:`pyleo.split.SplitProof`, see :mod:`pyleo.split`); True always splits
        (into parts of at most ``budget`` constraints, default 16,384), False never. Raises
        :class:`ModelInputError` for bad samples or a missing r, and :class:`pyleo.LimitError` naming the
        model and its size (e.g. a KNN's number of training points) when nothing fits."""
        enc = self.encode_one(x)
        if self.output == "commitment" and label_blinding is None:
            raise ModelInputError(f"{self.name} publishes its label as a commitment: pass label_blinding=r, a "
                                  "secret random scalar you keep to reveal the label later",
                                  hint="e.g. r = secrets.randbelow(2**250)")
        args = self.circuit_args(enc, label_blinding)
        from pyleo import proving

        try:
            proof = proving.prove(self.program, "predict", args, split=split, budget=budget)
        except pl.LimitError as e:   # name the model and its size, not only the circuit
            title = (self.module.__doc__ or self.name).strip().splitlines()[0].split(", converted to pyleo")[0]
            raise pl.LimitError(f"{title}, with {self.weights} weights: {e.message}", e.loc, e.hint) from None
        proof.prediction = self.answer_of(args, proof.outputs[0])
        return proof

    def answer_of(self, args: list[Any], output: Any) -> Any:
        """The answer (class name or value) of a circuit run on ``args`` (:meth:`circuit_args`) whose first
        output is ``output`` (an integer, or its literal ``"2u8"``): decoded from it, or from the label itself when it is
        published as a commitment (the prover's side only)."""
        if self.output == "commitment":
            return self.decode([self.module.prediction_of(*args[:-1])])[0]
        return self.decode_output(output)

    def decode_output(self, output: Any) -> Any:
        """The prediction the circuit's first output stands for, as :meth:`decode` gives it: ``output`` as the
        interpreter gives it (an int, a bool, a list of ints) or as an Aleo literal (``"2u8"``, ``"true"``,
        ``"[12field, -3field]"``): a threshold's bool, a list of scores, or a label / value."""
        if isinstance(output, (list, tuple, np.ndarray)):
            return self.decode([[int(v) for v in output]])[0]
        text = str(output).strip()
        if self.threshold is not None:   # a bool literal
            return self.decode([text in ("true", "True")])[0]
        if self.response != "predict":   # an array of field literals
            return self.decode([[int(v) for v in re.findall(r"-?[0-9]+(?=field)", text)]])[0]
        return self.decode([int(re.sub(r"[a-z].*$", "", text))])[0]

    def label_commitment(self, output: int, label_blinding: int) -> str:
        """The commitment ``pl.commit(output, r)`` a proof of a model with ``OUTPUT == "commitment"``
        publishes for the circuit output ``output`` (class index or scaled value): compare it with the
        proof's public output to check a revealed label (a field literal)."""
        from pyleo import vm

        if self.threshold is not None and isinstance(output, (bool, np.bool_)) and isinstance(label_blinding, int):
            return vm.commit_bhp256("true" if output else "false", f"{int(label_blinding)}scalar")
        if self.response != "predict":
            raise ModelInputError(f"{self.name} commits to a list of scores: reveal them with r and check "
                                  "pl.commit(scores, r) with the program itself")
        t = "i64" if self.kind == "regressor" else "u8"
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (output, label_blinding)):
            raise ModelInputError(f"label_commitment takes two integers (the circuit output and the scalar r), got "
                                  f"{output!r} and {label_blinding!r}")
        return vm.commit_bhp256(f"{int(output)}{t}", f"{int(label_blinding)}scalar")

    def verify(self, proof: Any) -> bool:
        """True when ``proof`` (a :class:`pyleo.vm.Proof` or a :class:`pyleo.split.SplitProof`) is a valid
        proof of this model's ``predict`` (:func:`pyleo.trust.verify` bound to this model's program); with
        private weights, also made with the committed weights (its public commitment output equals
        :attr:`commitment`)."""
        from pyleo import trust

        commitments = {self.program.name: self.commitment} if self.commitment is not None else {}
        return trust.verify(proof, trust.Trusted(programs={self.program.name: self.program}, commitments=commitments)).valid

    def decode_proof(self, proof: Any) -> Any:
        """The prediction a proof's first output stands for (with a private or committed label, only
        the prover's in-memory proof has it; raises :class:`ModelInputError` for one read from a file).
        It reads the output and does not verify the proof (:meth:`verify` does); raises ModelInputError for a
        proof of another program than this model's (its output would read as this model's class names)."""
        from pyleo import split, vm

        p = proof if isinstance(proof, split.SplitProof) else vm.as_proof(proof)
        of = p.source if isinstance(p, split.SplitProof) else p.program_id.removesuffix(".aleo")
        if of != self.name or (isinstance(p, vm.Proof) and p.checksum != self.program.checksum()):
            raise ModelInputError(f"the proof is of {of}.aleo (program checksum {p.checksum}), not of this model's "
                                  f"{self.name}.aleo: its output is not this model's answer",
                                  hint="zk.verify(proof) checks a proof against this model")
        if self.output == "commitment":
            raise ModelInputError(f"{self.name}'s proofs publish only a commitment to the prediction",
                                  hint="the prover knows it (zk.predict(x)); revealed with r, check it with "
                                  "zk.label_commitment(output, r)")
        text = p.outputs[0]
        if text is None:
            raise ModelInputError(f"{self.name}'s label is private: this proof (read from a file) has only its "
                                  "ciphertext", hint="the prover's own copy is printed by `pyleo prove` and kept by "
                                  "`--private-out`")
        return self.decode_output(text)

    def cost(self, prepare_proof: bool = True) -> int:
        """Exact number of constraints of ``predict`` (synthesized by snarkVM; ``prepare_proof``: also leave the
        proving key in the cache for :meth:`prove`, see :meth:`pyleo.Program.cost`)."""
        return self.program.cost("predict", prepare_proof)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model's DSL source (edit it, then ``pyleo build/run/prove`` it). With private weights
        it holds them and the blinding value: the owner's file, written with mode 0600."""
        from pyleo import vm

        if not isinstance(path, (str, os.PathLike)):
            raise ModelInputError(f"save takes a file path, got {type(path).__name__}")
        vm.check_writable(path)
        vm.write_atomic(path, self.source.encode(), mode=0o600 if self.weights == "private" else 0o666)
        if self.weights == "private":
            vm.link_model(self.path, path)   # the cached copy becomes a link to the owner's: one copy of the secrets
        return Path(path)


def load(path: str | os.PathLike[str]) -> ZkModel:
    """A :class:`ZkModel` from a model file written by :meth:`ZkModel.save` (possibly edited)."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such model file: {p}")
    source = p.read_text()
    module = loader.import_file(p, f"pyleo_model_{hashlib.sha256(str(p.resolve()).encode() + source.encode()).hexdigest()[:16]}")
    for attr in ("prog", "KIND", "N_FEATURES", "IN_BITS", "INPUT_LOW", "INPUT_HIGH", "OUT_OF_RANGE",
                 "FLOAT32_INPUTS", "CLASSES", "OUT_SCALE"):   # COLUMNS, MISSING_*, FIDELITY: newer files
        if not hasattr(module, attr):
            raise ModelInputError(f"{p} is not a converted model file: it does not define {attr}")
    return ZkModel(module, source, p)


def pack_words(values: Sequence[Any], bits: int, name: str = "parameter") -> list[int]:
    """Signed integers ``values`` offset-encoded (``v + 2**(bits-1)``) and packed into words of
    :func:`param_word_bits` bits by :func:`stdlib_ml.fixed.pack` (as many per word as fit, the first in
    the low bits). Raises :class:`ModelInputError` for a value outside ``[-2**(bits-1), 2**(bits-1))``."""
    half = 2 ** (bits - 1)
    for v in values:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise ModelInputError(f"{name}: {v!r} is not an integer (parameters are integers at their scales)")
        if not -half <= int(v) < half:
            raise ModelInputError(f"{name}: {int(v)} does not fit {bits} bits (offset-encoded as u{bits})")
    return fixed.pack([int(v) + half for v in values], [bits] * len(values), param_word_bits(len(values), bits))


PARAM_PACKING = "words/1"
"""The layout of a model file's private ``Weights`` input: each tensor's values (row-major) in
:func:`pack_words` words. Files without it (unpacked members) are refused by :meth:`ZkModel.opening`."""

PRIVATE_WEIGHTS_LINE = 'WEIGHTS = "private"'
"""The line of a model file with private weights (the owner's file: it holds them)."""

MODEL_FILE_MARK = "# ---- encodings (read by stdlib_ml.convert.load) ----"
"""The line every converted model file carries (the CLI's run / prove take raw features for those)."""


def is_model_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a model file written by a converter (it carries :data:`MODEL_FILE_MARK`)."""
    p = Path(path)
    return p.is_file() and MODEL_FILE_MARK in p.read_text(errors="replace")


def parse_sample(text: str) -> np.ndarray:
    """One sample of raw feature values from the command line: a JSON list of numbers (``NaN`` or
    ``null`` for a missing value), e.g. ``[5.1, 3.5, 1.4, 0.2]``. Raises :class:`ModelInputError`."""
    try:
        values = json.loads(text)
    except (json.JSONDecodeError, RecursionError):   # not JSON, or nested past Python's limit
        values = None
    if not isinstance(values, list) or not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in values):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ModelInputError(f"expected the raw feature values as a JSON list of numbers, e.g. [5.1, 3.5, 1.4, 0.2] "
                              f"(NaN or null where missing), got {shown!r}")
    arr = as_numbers(values, "the sample")   # None → NaN; an integer past float's range refused
    if len(arr) and np.all(np.abs(arr) >= fixed.INPUT_OFFSET // 2):
        raise ModelInputError("these look like encoded u64 or packed u128 circuit inputs; a converted model file takes the raw "
                              "feature values (floats) and encodes them itself")
    return arr


def materialize(source: str, name: str, replaces: Path | None = None) -> ZkModel:
    """The :class:`ZkModel` of a generated model file's ``source`` (written to the model cache under
    ``name`` and imported): what every conversion returns. ``replaces``: an earlier cached file of the
    same conversion (before its fidelity check), removed so no stale copy of private weights stays."""
    from pyleo import vm

    # the model cache (`pyleo cache info` lists it); private weights: readable by this user only
    path = vm.cache_model(source, name, private=PRIVATE_WEIGHTS_LINE in source, replaces=replaces)
    module = loader.import_file(path, f"pyleo_model_{path.stem}")
    return ZkModel(module, source, path)
