"""The result of a conversion: :class:`ZkModel` (encode, predict, prove, save), :func:`load` of a saved
model file, and the errors of converting and of giving a converted model bad input."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import pyleo as pl

from .. import fixed


# ---- errors -------------------------------------------------------------------------------------
class ConversionError(pl.CompileError, ValueError):
    """The estimator cannot be converted: not fitted, not supported, or an option that is not."""


class ModelInputError(pl.InputError, ValueError):
    """Samples given to a converted model are malformed (NaN, wrong number of features, out of range)."""
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

    @property
    def name(self) -> str:
        return self.program.name

    def __repr__(self) -> str:
        f = self.fidelity
        checked = ("fidelity not checked" if f is None else
                   f"agreement {f['agreement']:.4f}" if "agreement" in f else f"max error {f['max_rel_error']:.2g}")
        return f"<ZkModel {self.name}: {self.kind}, {self.n_features} features, {checked}, source {self.path}>"

    # ---- inputs ---------------------------------------------------------------------------------
    def _samples(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """(values, missing) per sample and circuit input: present values clamped or checked against
        [INPUT_LOW, INPUT_HIGH]; missing ones (NaN or MISSING_VALUE) flagged, where the model has them."""
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ModelInputError(f"samples must be numbers: {e}") from None
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim > 2 and int(np.prod(arr.shape[1:])) == self.n_features:   # samples shaped as a network takes them
            arr = arr.reshape(len(arr), -1)
        if arr.ndim != 2:
            raise ModelInputError(f"expected a 2-D array of samples (n, {self.n_features}), got shape {arr.shape}")
        if arr.shape[1] != self.n_features:
            raise ModelInputError(f"{self.name} takes {self.n_features} features per sample, got {arr.shape[1]}")
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
        """Circuit outputs (class indices or scaled integers) → labels / values."""
        if self.kind == "regressor":
            return np.asarray([int(v) / self.out_scale for v in outputs], dtype=np.float64)
        idx = np.asarray([int(v) for v in outputs], dtype=np.int64)
        return self.classes_[idx] if self.classes_ is not None else idx

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
        packed = {n: pack_words(np.ravel(np.asarray(values[n], dtype=object)), b, n) for n, b in bits.items()}
        return {**packed, "r": int(self.module.OWNER_BLINDING)}

    @property
    def commitment(self) -> str | None:
        """Private weights: the public commitment to them (a field literal, ``…field``), what a verifier
        passes to :func:`pyleo.vm.verify` / ``pyleo verify --commitment``; None with public weights."""
        if self.weights != "private":
            return None
        return f"{self.module.commitment(self.opening())}field"

    def save_public(self, path: str | os.PathLike[str], verifying_key: bool = False) -> Path:
        """Write what a verifier needs and nothing secret (JSON, format ``pyleo-public-model/1``): the
        program ID, its Aleo instructions, their checksum, (private weights) the commitment, and with
        ``verifying_key=True`` ``"verifying_keys": {"predict": "verifier1…"}``, ``predict``'s verifying
        key derived here from the program (:func:`pyleo.vm.verifying_key`: cached or synthesized, about
        4 s; LimitError when the function does not fit one circuit here). The verifier then runs
        ``pyleo verify PROOF --checksum CHECKSUM --commitment COMMITMENT``; a browser, which cannot
        derive keys, verifies with the file's key (``pyleo serve``'s pages), so that file must come from
        a trusted source: its SHA-256, published by the model's owner, is its fingerprint."""
        from pyleo import vm

        vm.check_writable(path)
        aleo = self.program.aleo()
        doc = {"format": "pyleo-public-model/1", "program_id": f"{self.name}.aleo", "function": "predict",
               "checksum": vm.program_checksum(aleo), "weights": self.weights, "commitment": self.commitment,
               "program": aleo}
        if verifying_key:
            doc["verifying_keys"] = {"predict": vm.verifying_key(aleo, "predict")}
        vm.write_atomic(path, (json.dumps(doc, indent=1) + "\n").encode())
        return Path(path)

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
        if self.kind == "regressor":
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
        clear, the label first). ``label_blinding``: with ``OUTPUT == "commitment"``, the secret scalar
        r of the label's public commitment (required: keep it to reveal the label later, see
        :meth:`label_commitment`). ``split``: None proves whole when the circuit fits here and split
        otherwise (then a :class:`pyleo.split.SplitProof`, see :mod:`pyleo.split`); True always splits
        (into parts of at most ``budget`` constraints, default 16,384), False never. Raises
        :class:`ModelInputError` for bad samples or a missing r, and :class:`pyleo.LimitError` naming the
        model and its size (e.g. a KNN's number of training points) when nothing fits."""
        (enc,) = self.encode(np.asarray(x, dtype=np.float64).reshape(1, -1))
        if self.output == "commitment" and label_blinding is None:
            raise ModelInputError(f"{self.name} publishes its label as a commitment: pass label_blinding=r, a "
                                  "secret random scalar you keep to reveal the label later",
                                  hint="e.g. r = secrets.randbelow(2**250)")
        args = self.circuit_args(enc, label_blinding)
        try:
            if split is None:
                return self.program.prove_fitting("predict", *args)
            return (self.program.prove_split("predict", *args, budget=budget) if split
                    else self.program.prove("predict", *args))
        except pl.LimitError as e:   # name the model and its size, not only the circuit
            title = (self.module.__doc__ or self.name).strip().splitlines()[0].split(", converted to pyleo")[0]
            raise pl.LimitError(f"{title}, with {self.weights} weights: {e.message}", e.loc, e.hint) from None

    def prove_many(self, X: Any, out_dir: str | os.PathLike[str], workers: int | None = None,
                   private_out: str | os.PathLike[str] | None = None, progress: bool = True,
                   rows_per_proof: int | str = 1, cluster: str | None = None) -> Any:
        """Prove every row of ``X`` (raw feature values, shape (n, n_features)) into the folder
        ``out_dir``: one proof file per row (or per ``rows_per_proof`` rows: k, or ``"auto"``) and a
        manifest, rows in parallel over ``workers`` local processes (or on Ray: ``cluster="local"`` /
        ``"ray://HOST:PORT"``), resumable; returns a
        :class:`stdlib_ml.convert.batch.BatchResult`. See
        :func:`stdlib_ml.convert.batch.prove_many` for the files, the options and the errors."""
        from .batch import prove_many

        return prove_many(self, X, out_dir, workers=workers, private_out=private_out, progress=progress,
                          rows_per_proof=rows_per_proof, cluster=cluster)

    def label_commitment(self, output: int, label_blinding: int) -> str:
        """The commitment ``pl.commit(output, r)`` a proof of a model with ``OUTPUT == "commitment"``
        publishes for the circuit output ``output`` (class index or scaled value): compare it with the
        proof's public output to check a revealed label (a field literal)."""
        from pyleo import vm

        t = "i64" if self.kind == "regressor" else "u8"
        return vm.commit_bhp256(f"{int(output)}{t}", f"{int(label_blinding)}scalar")

    def verify(self, proof: Any) -> bool:
        """True when ``proof`` (a :class:`pyleo.vm.Proof` or a :class:`pyleo.split.SplitProof`) is a valid
        proof of this model's ``predict``; with private weights, also made with the committed weights (its
        public commitment output equals :attr:`commitment`)."""
        from pyleo import split

        if isinstance(proof, split.SplitProof):
            if not self.program.verify_split(proof):
                return False
            if self.weights != "private":
                return True
            want = self.commitment if str(self.commitment).endswith("field") else f"{self.commitment}field"
            return bool(proof.public_outputs) and proof.public_outputs[-1] == want
        if self.weights != "private":
            return self.program.verify(proof)
        from pyleo import vm

        return vm.verify(proof, program=self.program.aleo(), commitment=self.commitment)

    def decode_proof(self, proof: Any) -> Any:
        """The prediction a proof's first output stands for (with a private or committed label, only
        the prover's in-memory proof has it; raises :class:`ModelInputError` for one read from a file)."""
        if self.output == "commitment":
            raise ModelInputError(f"{self.name}'s proofs publish only a commitment to the prediction",
                                  hint="the prover knows it (zk.predict(x)); revealed with r, check it with "
                                  "zk.label_commitment(output, r)")
        from pyleo import split, vm

        text = (proof if isinstance(proof, split.SplitProof) else vm.as_proof(proof)).outputs[0]
        if text is None:
            raise ModelInputError(f"{self.name}'s label is private: this proof (read from a file) has only its "
                                  "ciphertext", hint="the prover's own copy is printed by `pyleo prove` and kept by "
                                  "`--private-out`")
        return self.decode([int(re.sub(r"[a-z].*$", "", text))])[0]

    def cost(self) -> int:
        """Exact number of constraints of ``predict`` (synthesized by snarkVM)."""
        return self.program.cost("predict")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model's DSL source (edit it, then ``pyleo build/run/prove`` it). With private weights
        it holds them and the blinding value: the owner's file, written with mode 0600."""
        from pyleo import vm

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
    module = _import_file(p, f"pyleo_model_{hashlib.sha256(str(p.resolve()).encode() + source.encode()).hexdigest()[:16]}")
    for attr in ("prog", "KIND", "N_FEATURES", "IN_BITS", "INPUT_LOW", "INPUT_HIGH", "OUT_OF_RANGE",
                 "FLOAT32_INPUTS", "CLASSES", "OUT_SCALE"):   # COLUMNS, MISSING_*, FIDELITY: newer files
        if not hasattr(module, attr):
            raise ModelInputError(f"{p} is not a converted model file: it does not define {attr}")
    return ZkModel(module, source, p)


WORD_BITS = 128
"""Private parameters travel packed into unsigned words of at most 128 bits (:func:`param_word_bits`), the
first value in the low bits: snarkVM charges a private input per bit and per element, so one word
costs less than its values as separate elements (benchmarks/privacy_costs.py)."""

PARAM_PACKING = "words/1"
"""The layout of a model file's private ``Weights`` input: each tensor's values (row-major) in
:func:`pack_words` words. Files without it (unpacked members) are refused by :meth:`ZkModel.opening`."""

INPUT_ELEMENT_COST, INPUT_BIT_COST = 37, 1.0
"""Constraints of one more element, and of one more bit, of a private struct input, measured by
benchmarks/privacy_costs.py ("packing": 32 u16 values as 32 elements against 4 u128 words, +1,050;
4 against 8 u128 words, +527). A linear fit: snarkVM hashes and encrypts the input's encoding (each
element's bits and its type data) in 252-bit field elements, so the true cost steps."""


def param_word_bits(size: int, bits: int) -> int:
    """The width of the words (8 … 128) that carry ``size`` values of ``bits`` bits: the one with the
    least cost (:data:`INPUT_ELEMENT_COST` per word, :data:`INPUT_BIT_COST` per bit, padding included),
    the narrower on a tie."""
    def cost(w: int) -> float:
        words = -(-size // (w // bits))
        return words * (INPUT_ELEMENT_COST + INPUT_BIT_COST * w)
    return min((w for w in (8, 16, 32, 64, WORD_BITS) if w >= bits), key=cost)


def pack_words(values: Sequence[Any], bits: int, name: str = "parameter") -> list[int]:
    """Signed integers ``values`` offset-encoded (``v + 2**(bits-1)``) and packed into words of
    :func:`param_word_bits` bits by :func:`stdlib_ml.fixed.pack` (as many per word as fit, the first in
    the low bits). Raises :class:`ModelInputError` for a value outside ``[-2**(bits-1), 2**(bits-1))``."""
    half = 2 ** (bits - 1)
    for v in values:
        if not -half <= int(v) < half:
            raise ModelInputError(f"{name}: {int(v)} does not fit {bits} bits (offset-encoded as u{bits})")
    return fixed.pack([int(v) + half for v in values], [bits] * len(values), param_word_bits(len(values), bits))


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
    arr = np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    if len(arr) and np.all(np.abs(arr) >= fixed.INPUT_OFFSET // 2):
        raise ModelInputError("these look like encoded u64 or packed u128 circuit inputs; a converted model file takes the raw "
                              "feature values (floats) and encodes them itself")
    return arr


def _import_file(path: Path, module_name: str) -> ModuleType:
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _materialize(source: str, name: str, replaces: Path | None = None) -> ZkModel:
    from pyleo import vm

    # the model cache (`pyleo cache info` lists it); private weights: readable by this user only
    path = vm.cache_model(source, name, private=PRIVATE_WEIGHTS_LINE in source, replaces=replaces)
    module = _import_file(path, f"pyleo_model_{path.stem}")
    return ZkModel(module, source, path)
