"""Fitted scikit-learn / XGBoost models → pyleo programs (DSL source you can read, edit and prove).

    from stdlib_ml import from_sklearn
    zk = from_sklearn(clf, X_train)        # X_train (optional): the input range, and the self-check
    zk.fidelity                            # agreement with clf.predict on X_train (None without X)
    zk.predict(X_test)                     # circuit semantics (reference interpreter)
    zk.predict(X_test[:5], backend="vm")   # snarkVM's circuit execution
    proof = zk.prove(X_test[0]); zk.verify(proof)
    zk.save("model.py")                    # the very source that was compiled; `pyleo build model.py`

How it works. A converter reads the fitted estimator, folds a Pipeline's scalers (measured on their
``transform``) into the weights (for trees: into the thresholds), quantizes each feature at its own
scale, sizes every sign test from worst-case bounds over the declared input range, and writes a model
file made of constants and :mod:`stdlib_ml` calls, in the style of ``examples/iris_mlp.py``. That file
is written to ``$PYLEO_CACHE_DIR/models/`` (default ``~/.cache/pyleo/models/``) and imported: the
program you save is exactly the program that runs. With calibration rows the conversion then checks
itself against the float model's own ``predict`` (:func:`check_fidelity`) and records the result in
the file's ``FIDELITY``; below the bar it raises :class:`ConversionError` (``strict=False``: warns).

Encodings (also written at the top of every generated file, and read back by :func:`load`):

- inputs are raw feature values (floats, NaN where missing); :meth:`ZkModel.encode` (used by the CLI
  too) turns them into ``fixed.encode(x[COLUMNS], IN_BITS)``: ``round(x·2**IN_BITS[j]) + 2**62`` as
  ``u64`` (0 constraints to decode), one scale per input. Each input must lie in ``[INPUT_LOW,
  INPUT_HIGH]``, the range the circuit's sign tests are sized for (outside it the circuit could halt),
  so :meth:`ZkModel.predict` rejects values outside it, except for tree models, which clamp (exact: a
  tree only compares with its thresholds). Trees that take missing values encode one a step below
  or above the range (``MISSING_SIDE``), a feature sent both ways by its nodes in two inputs (``COLUMNS``).
- classifiers return a public ``u8``, the index into ``CLASSES``; clusterers the cluster index;
  regressors a public ``i64`` standing for ``y·OUT_SCALE``.

Input range. ``X`` (calibration samples) gives each feature's range, widened by its own span on
both sides; ``input_range`` sets it directly (a bound r for ``[-r, r]``, or ``(low, high)``, scalars or
per-feature); otherwise it comes from the model where it can (scalers' statistics, KNN's training
points, naive Bayes' means and variances) and else is ``±DEFAULT_INPUT_BOUND``.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib.util
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import pyleo as pl

from . import fixed

DEFAULT_INPUT_BOUND = 2.0**16
"""Features are assumed to lie in [-2**16, 2**16] when neither X, input_range nor the model says otherwise."""

INPUT_RESOLUTION = 20
"""Linear models: each feature is quantized so that its spread is about 2**20 steps of its own scale."""

WEIGHT_RESOLUTION = 32
"""Linear models: the largest weight per input step (|w_j|·2**-IN_BITS[j]) is quantized to about 2**32."""

MLP_RESOLUTION = 12
"""Input steps per feature's spread, and weight bits, of MLPs (scales grow through layers: fewer bits)."""

TREE_MIN_BITS = 20
"""A tree input's thresholds span at least 2**20 steps of its own scale (a narrow feature is not rounded away)."""

TREE_SPREAD_BITS = 30
"""Tree inputs are quantized so that the widest feature's thresholds span about 2**29 steps (where the
float32 resolution of the thresholds does not ask for more). Each node's sign test is then as narrow as
its own feature's range allows (u8 … u64, :func:`stdlib_ml.trees.node_widths`)."""

LEAF_BITS = 32
"""Fractional bits of leaf values (probabilities, boosting scores, vote weights)."""

MAX_LABELS = 256
BACKENDS = ("interpreter", "vm")

CHECK_ROWS = 256
"""Calibration rows a conversion runs through the circuit (evenly spaced; ``check_rows=None``: all)."""


# ---- errors -------------------------------------------------------------------------------------
class ConversionError(pl.CompileError, ValueError):
    """The estimator cannot be converted: not fitted, not supported, or an option that is not."""


class ModelInputError(pl.InputError, ValueError):
    """Samples given to a converted model are malformed (NaN, wrong number of features, out of range)."""


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
        self.missing_sides: list[str] | None = getattr(module, "MISSING_SIDE", None)
        self.missing_value: float | None = getattr(module, "MISSING_VALUE", None)
        self.fidelity: dict[str, Any] | None = getattr(module, "FIDELITY", None)
        self.clamp: bool = module.OUT_OF_RANGE == "clamp"
        self.float32_inputs: bool = bool(module.FLOAT32_INPUTS)
        self.classes_ = np.asarray(module.CLASSES) if module.CLASSES is not None else None
        self.out_scale = module.OUT_SCALE

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

    def encode(self, X: Any) -> list[list[int]]:
        """The circuit's ``u64`` inputs for each sample of raw feature values (floats; NaN where missing):
        ``fixed.encode(sample[COLUMNS], IN_BITS)``, a missing value one step outside its input's range.

        Raises :class:`ModelInputError` for a wrong shape, non-numbers, infinities, missing values the
        model has no semantics for, or (models that do not clamp) values outside the range."""
        vals, miss = self._samples(X)
        q = fixed.quantize(vals, self.in_bits).astype(object)
        if miss.any():
            below = fixed.quantize(self.input_low, self.in_bits).astype(object) - 1
            above = fixed.quantize(self.input_high, self.in_bits).astype(object) + 1
            sides = np.asarray(self.missing_sides)
            q = np.where(miss, np.where(sides == "low", below, above)[None, :], q)
        return [[int(v) + fixed.INPUT_OFFSET for v in row] for row in q]

    def decode(self, outputs: Sequence[Any]) -> np.ndarray:
        """Circuit outputs (class indices or scaled integers) → labels / values."""
        if self.kind == "regressor":
            return np.asarray([int(v) / self.out_scale for v in outputs], dtype=np.float64)
        idx = np.asarray([int(v) for v in outputs], dtype=np.int64)
        return self.classes_[idx] if self.classes_ is not None else idx

    # ---- running --------------------------------------------------------------------------------
    def predict_raw(self, X: Any, backend: str = "interpreter") -> list[int]:
        """The circuit's outputs (integers) for each sample."""
        if backend not in BACKENDS:
            raise ModelInputError(f"unknown backend {backend!r}; use one of {', '.join(map(repr, BACKENDS))}")
        run = self.program.run if backend == "interpreter" else self.program.evaluate
        return [run("predict", x) for x in self.encode(X)]

    def predict(self, X: Any, backend: str = "interpreter") -> np.ndarray:
        """Like the float model's ``predict``: ``backend="interpreter"`` (exact circuit semantics,
        fast) or ``"vm"`` (snarkVM executes the circuit; needs ≤ 16,384 constraints here)."""
        return self.decode(self.predict_raw(X, backend))

    def prove(self, x: Any) -> Any:
        """Prove one prediction (a :class:`pyleo.vm.Proof`; ``.outputs`` holds the circuit's output)."""
        (enc,) = self.encode(np.asarray(x, dtype=np.float64).reshape(1, -1))
        return self.program.prove("predict", enc)

    def verify(self, proof: Any) -> bool:
        """True when ``proof`` is a valid proof of this model's ``predict``."""
        return self.program.verify(proof)

    def decode_proof(self, proof: Any) -> Any:
        """The prediction a proof's public output stands for."""
        text = proof.outputs[0]
        return self.decode([int(re.sub(r"[a-z].*$", "", text))])[0]

    def cost(self) -> int:
        """Exact number of constraints of ``predict`` (synthesized by snarkVM)."""
        return self.program.cost("predict")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model's DSL source (edit it, then ``pyleo build/run/prove`` it)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.source)
        return p


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
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, list) or not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in values):
        raise ModelInputError(f"expected the raw feature values as a JSON list of numbers, e.g. [5.1, 3.5, 1.4, 0.2] "
                              f"(NaN or null where missing), got {text!r}")
    arr = np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    if len(arr) and np.all(np.abs(arr) >= fixed.INPUT_OFFSET // 2):
        raise ModelInputError("these look like encoded u64 circuit inputs; a converted model file takes the raw "
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


def _cache_dir() -> Path:
    root = os.environ.get("PYLEO_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "pyleo") / "models"


def _materialize(source: str, name: str) -> ZkModel:
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = _cache_dir() / f"{name}_{digest}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != source:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(source)
        tmp.replace(path)
    module = _import_file(path, f"pyleo_model_{name}_{digest}")
    return ZkModel(module, source, path)


# ---- the generated file -------------------------------------------------------------------------
@dataclass
class Spec:
    """Everything a model file says: encodings, constants, stdlib pieces, the body of ``predict``."""

    name: str
    title: str
    kind: str
    n_features: int
    in_bits: np.ndarray  # per circuit input
    low: np.ndarray
    high: np.ndarray
    columns: list[int] | None = None  # feature carried by each circuit input (None: input j is feature j)
    missing_sides: list[str] | None = None  # per input, where a missing value sits; None: no missing values
    missing_value: float | None = None  # a finite value that also means "missing" (XGBoost's `missing`)
    fidelity: dict[str, Any] | None = None
    clamp: bool = False
    float32: bool = False
    classes: list[Any] | None = None
    out_scale: str | None = None
    notes: list[str] = field(default_factory=list)
    constants: list[tuple[str, str, str]] = field(default_factory=list)  # name, text, comment
    setup: list[tuple[str, str]] = field(default_factory=list)  # line, comment
    body: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)

    def const(self, name: str, value: Any, comment: str = "") -> None:
        self.constants.append((name, format_value(value), comment))

    def use(self, line: str, comment: str = "") -> None:
        self.setup.append((line, comment))

    @property
    def n_inputs(self) -> int:
        return len(self.columns) if self.columns is not None else self.n_features

    @property
    def out_type(self) -> str:
        return "pl.I64" if self.kind == "regressor" else "pl.U8"


def format_value(value: Any, indent: int = 0, width: int = 110) -> str:
    """A constant as Python source: nested lists wrapped to ``width`` columns."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [format_value(v, indent + 4, width) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) + indent <= width and "\n" not in flat:
            return flat
        if all(not isinstance(v, (list, tuple, np.ndarray)) for v in value):
            lines, cur = [], ""
            for it in items:
                if cur and len(cur) + len(it) + 2 + indent + 4 > width:
                    lines.append(cur.rstrip())
                    cur = ""
                cur += it + ", "
            lines.append(cur.rstrip().rstrip(","))
            pad = " " * (indent + 4)
            return "[\n" + ",\n".join(pad + ln.rstrip(",") for ln in lines) + ",\n" + " " * indent + "]"
        pad = " " * (indent + 4)
        return "[\n" + "".join(f"{pad}{it},\n" for it in items) + " " * indent + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(v, indent + 4, width)}" for k, v in value.items()) + "}"
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "None"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a constant")


def render(spec: Spec) -> str:
    """The model file for ``spec``."""
    mods = sorted({"fixed", "linalg"} | spec.imports)
    if spec.kind == "regressor":
        out_doc = f"y·OUT_SCALE as a public i64 (OUT_SCALE = {spec.out_scale})"
    elif spec.kind == "clusterer":
        out_doc = "the cluster index as a public u8"
    else:
        out_doc = "the index into CLASSES of the predicted class, as a public u8"
    lines = [
        f'"""{spec.title}',
        "",
        "Generated by stdlib_ml.convert; edit freely, then `pyleo build` / `pyleo run` / `pyleo prove` this file,",
        "or `stdlib_ml.convert.load(path)` it for scikit-learn-like predict / prove / verify.",
        "",
        f"Input: {spec.n_features} raw feature values (floats) as `pyleo run/prove` and convert.load(path).encode take them;",
        f"the circuit gets x = fixed.encode(sample[COLUMNS], IN_BITS): {spec.n_inputs} offset-encoded u64, input j at its own",
        f"scale 2**IN_BITS[j], in [INPUT_LOW[j], INPUT_HIGH[j]] ({'values outside are clamped' if spec.clamp else 'the range the sign tests below are sized for; values outside are rejected'}).",
        f"Output: {out_doc}.",
        *([""] + spec.notes if spec.notes else []),
        '"""',
        "",
        "import pyleo as pl",
        f"from stdlib_ml import {', '.join(mods)}",
        "",
        "# ---- encodings (read by stdlib_ml.convert.load) ----",
        f"KIND = {spec.kind!r}",
        f"N_FEATURES = {spec.n_features}",
        f"IN_BITS = {format_value([int(b) for b in spec.in_bits], 10)}",
        f"COLUMNS = {format_value(spec.columns if spec.columns is not None else list(range(spec.n_features)), 10)}",
        f"INPUT_LOW = {format_value([float(v) for v in spec.low], 12)}",
        f"INPUT_HIGH = {format_value([float(v) for v in spec.high], 13)}",
        f"OUT_OF_RANGE = {'clamp' if spec.clamp else 'reject'!r}",
        f"FLOAT32_INPUTS = {spec.float32}",
        f"CLASSES = {format_value(spec.classes, 10) if spec.classes is not None else None}",
        f"OUT_SCALE = {spec.out_scale}",
        f"MISSING_SIDE = {format_value(spec.missing_sides, 15)}",
        f"MISSING_VALUE = {format_value(spec.missing_value)}",
        f"FIDELITY = {format_value(spec.fidelity, 11)}"
        + ("" if spec.fidelity else "  # not checked: converted without calibration rows"),
        "",
        "# ---- model constants (integers at the scales noted) ----",
    ]
    for name, text, comment in spec.constants:
        if comment:
            lines.append(f"# {comment}")
        lines.append(f"{name} = {text}")
    lines += ["", "# ---- stdlib pieces, sign tests sized from worst-case bounds over the input range ----"]
    for line, comment in spec.setup:
        lines.append(f"{line}  # {comment}" if comment else line)
    lines += [
        "",
        "",
        "@pl.function",
        f"def predict(x: pl.Array[pl.U64, {spec.n_inputs}]) -> pl.Public[{spec.out_type}]:",
        f'    """{ {"regressor": "Prediction (times OUT_SCALE)", "clusterer": "Cluster"}.get(spec.kind, "Class index")} of one sample."""',
        "    xf = linalg.from_offset(x)",
        *[f"    {b}" for b in spec.body],
        "",
        "",
        f'prog = pl.Program("{spec.name}", [predict])',
        "",
    ]
    return "\n".join(lines)


# ---- options, inputs, bounds --------------------------------------------------------------------
@dataclass
class Options:
    X: np.ndarray | None
    input_range: Any
    input_bits: Any
    name: str | None
    missing_values: bool | None = None


def _name_of(est: Any, opts: Options) -> str:
    if opts.name:
        name = opts.name
    else:
        name = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", type(est).__name__).lower()
        name = re.sub(r"[^a-z0-9_]", "_", name)
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise ConversionError(f"invalid program name {name!r}: use lowercase letters, digits and _, starting with a letter")
    return name[:31]


def _ceil_log2(v: float) -> int:
    return int(math.ceil(math.log2(v))) if v > 0 else 0


def _width(bound: int) -> int:
    """Sign-test width for values of magnitude ≤ bound."""
    try:
        return fixed.sign_bits(int(bound))
    except OverflowError as e:
        raise ConversionError(str(e)) from None


def _imax(values: Any) -> int:
    return max((abs(int(v)) for v in np.ravel(np.asarray(values, dtype=object))), default=0)


def _qint(values: Any, bits: Any) -> np.ndarray:
    """round(values·2**bits) as Python ints (object array), exact for any size; ``bits`` an int or
    integers broadcast against ``values`` (one per feature along the last axis)."""
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ConversionError("the model has NaN or infinite parameters")
    b = np.broadcast_to(np.asarray(bits, dtype=np.int64), arr.shape)
    scaled = np.ldexp(arr, b)
    if np.all(np.abs(scaled) < 2.0**52):
        return np.rint(scaled).astype(np.int64).astype(object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = round(Fraction(float(v)) * Fraction(2) ** int(b[idx]))
    return out


def _dense_bound(W: np.ndarray, b: np.ndarray, in_bound: np.ndarray) -> np.ndarray:
    """Exact worst case |W·x + b| per row over |x_j| ≤ in_bound_j (Python ints)."""
    W = np.asarray(W, dtype=object)
    return np.asarray([sum(abs(int(w)) * int(m) for w, m in zip(row, in_bound)) + abs(int(c))
                       for row, c in zip(W, np.asarray(b, dtype=object))], dtype=object)


@dataclass
class Affine:
    """z = d·x + e, elementwise: the scalers in front of the estimator, composed; ``clip``: the
    interval a ``MinMaxScaler(clip=True)`` clips z to (mapped through the steps after it), or None."""

    d: np.ndarray
    e: np.ndarray
    clip: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def identity(self) -> bool:
        return bool(np.all(self.d == 1.0) and np.all(self.e == 0.0))

    def then(self, d: np.ndarray, e: np.ndarray, clip: tuple[np.ndarray, np.ndarray] | None = None) -> Affine:
        mapped = (self.clip[0] * d + e, self.clip[1] * d + e) if self.clip is not None else None
        if clip is not None and mapped is not None:
            clip = (np.maximum(clip[0], mapped[0]), np.minimum(clip[1], mapped[1]))
        return Affine(self.d * d, self.e * d + e, clip if clip is not None else mapped)

    def fold_dense(self, W: np.ndarray, b: np.ndarray, bits: np.ndarray, weight_bits: int) -> tuple[np.ndarray, np.ndarray, int]:
        """W·z + b (z the scalers' output) as integers W'·x_q + b' on the raw inputs at their own
        scales (x_q[j] = x[j]·2**bits[j]), returned with the output's scale S (values at 2**S).

        The scalers fold in as floats (W·d, b + W·e); then each column is quantized at 2**(S − bits[j]),
        S chosen so that the largest |W'| is about 2**weight_bits. A column's rounding error is then at
        most half an output step per input step, whatever the feature's raw magnitude.
        """
        A = W * self.d[None, :]
        c = b + W @ self.e
        per_step = np.abs(np.ldexp(A, -bits[None, :].astype(np.int64)))
        top = float(np.max(per_step)) if np.any(per_step > 0) else 1.0
        S = int(weight_bits - math.ceil(math.log2(top)))
        return _qint(A, S - bits[None, :]), _qint(c, S), S

    def to_raw(self, z: np.ndarray) -> np.ndarray:
        """Points in the estimator's space back in the input space."""
        return (z - self.e) / self.d


def _scaler_affine(step: Any, n: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(d, e) with ``step.transform(x) == d·x + e``, measured on ``transform`` itself: its value at a
    base point and one step along each feature, then checked on ``X`` (or on random points). A
    ``MinMaxScaler(clip=True)`` is measured without its clipping (see :func:`_unwrap`)."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    name = type(step).__name__
    if not isinstance(step, (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)):
        raise ConversionError(f"pipeline step {name} is not supported",
                              hint="supported in front of a model: StandardScaler, MinMaxScaler, MaxAbsScaler, "
                              "RobustScaler (element-wise affine maps)")
    _fitted(step)
    if getattr(step, "clip", False):
        step = copy.copy(step)
        step.clip = False
    finite = X[np.all(np.isfinite(X), axis=1)] if X is not None else np.zeros((0, n))
    base = np.median(finite, axis=0) if len(finite) else np.zeros(n)
    h = np.ptp(finite, axis=0) if len(finite) else np.ones(n)
    h = np.where(h > 0, h, np.maximum(np.abs(base), 1.0))
    probe = np.vstack([base, base + np.diag(h)])
    T = np.asarray(step.transform(probe), dtype=np.float64)
    if T.shape != (n + 1, n):
        raise ConversionError(f"pipeline step {name} maps {n} features to {T.shape[1]}; only element-wise scalers "
                              "are supported")
    J = (T[1:] - T[0]) / h[:, None]          # J[j, k] = ∂ transform_k / ∂ x_j
    d = np.diag(J).copy()
    e = T[0] - d * base
    check = finite if len(finite) else base + h * np.random.default_rng(0).normal(size=(16, n))
    want = np.asarray(step.transform(check), dtype=np.float64)
    got = check * d + e
    tol = 1e-9 * (np.abs(want) + np.abs(check * d) + np.abs(e)) + 1e-12
    if np.any(np.abs(J - np.diag(d)) > 1e-9 * np.abs(J).max(initial=1.0)) or np.any(np.abs(got - want) > tol):
        raise ConversionError(f"pipeline step {name}'s transform is not the element-wise affine map d·x + e on the "
                              "calibration rows, so it cannot be folded into the model")
    return d, e


def _fitted(est: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(est)
    except NotFittedError:
        raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
    except TypeError as e:
        raise ConversionError(f"{type(est).__name__} is not a scikit-learn estimator ({e})") from None


def _unwrap(model: Any, X: np.ndarray | None = None) -> tuple[Any, Affine, int]:
    """(final estimator, composed scalers, number of input features); ``X`` (calibration rows, raw)
    is where each scaler's fold is checked against its ``transform``."""
    from sklearn.pipeline import Pipeline

    steps: list[Any] = []
    est = model
    if isinstance(model, Pipeline):
        steps = [s for _, s in model.steps[:-1] if s is not None and s != "passthrough"]
        est = model.steps[-1][1]
    _fitted(est)
    n = getattr(model, "n_features_in_", None) or getattr(est, "n_features_in_", None)
    if n is None:
        raise ConversionError(f"{type(est).__name__} does not say how many features it takes (n_features_in_)")
    aff = Affine(np.ones(n), np.zeros(n))
    Z = X
    for s in steps:
        d, e = _scaler_affine(s, n, Z)
        clip = tuple(np.broadcast_to(np.asarray(v, float), (n,)) for v in s.feature_range) if getattr(
            s, "clip", False) else None
        aff = aff.then(d, e, clip)
        Z = Z * d + e if Z is not None else None
        if clip is not None and Z is not None:
            Z = np.clip(Z, *clip)
    if np.any(aff.d <= 0) or not np.all(np.isfinite(aff.d)):
        raise ConversionError("a scaler has a zero, negative or infinite scale")
    return est, aff, int(n)


def _input_range(opts: Options, n: int, model_range: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, unit) of the raw features: the range the circuit is sized for, and per feature the
    spread its quantization must resolve (each feature gets its own scale, :func:`_feature_bits`)."""
    if opts.input_range is not None:
        r = opts.input_range
        if isinstance(r, (int, float, np.integer, np.floating)):
            low, high = np.full(n, -float(r)), np.full(n, float(r))
        else:
            try:
                lo, hi = r
            except (TypeError, ValueError):
                raise ConversionError("input_range must be a bound r (for [-r, r]) or a pair (low, high)") from None
            low = np.broadcast_to(np.asarray(lo, float), (n,)).copy()
            high = np.broadcast_to(np.asarray(hi, float), (n,)).copy()
        if np.any(~np.isfinite(low)) or np.any(~np.isfinite(high)) or np.any(low > high):
            raise ConversionError("input_range must be finite with low <= high")
        if opts.X is not None and np.all(np.any(np.isfinite(opts.X), axis=0)):   # resolution: the data's spread
            return low, high, _unit(np.nanmax(opts.X, axis=0) - np.nanmin(opts.X, axis=0))
        return low, high, _unit(high - low)
    if opts.X is not None and np.all(np.any(np.isfinite(opts.X), axis=0)):
        lo, hi = np.nanmin(opts.X, axis=0), np.nanmax(opts.X, axis=0)
        ptp = hi - lo
        # Margin: a feature's own spread, at least the median feature's (a sparse pixel seen only in
        # [0, 3] during training still gets room for 16); a feature constant in X the widest spread.
        span = np.maximum(ptp, float(np.median(ptp)))
        span = np.where(span > 0, span, float(np.max(ptp)) if np.max(ptp) > 0 else 1.0)
        return lo - span, hi + span, _unit(ptp)
    if model_range is not None:
        lo, hi = (np.asarray(v, float) for v in model_range)
        return lo, hi, _unit((hi - lo) / 200)  # model ranges are wide (±100 std): the unit is ~1 std
    return np.full(n, -DEFAULT_INPUT_BOUND), np.full(n, DEFAULT_INPUT_BOUND), np.ones(n)


def _unit(spreads: np.ndarray) -> np.ndarray:
    """Per feature its spread; a feature with none (constant) gets the smallest positive one."""
    spreads = np.asarray(spreads, float)
    pos = spreads[spreads > 0]
    return np.where(spreads > 0, spreads, float(np.min(pos)) if len(pos) else 1.0)


def _scaler_range(model: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A generous input range from a pipeline's first scaler's statistics (±100 std, or min/max ± 10 spans)."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        return None
    s = model.steps[0][1]
    if isinstance(s, StandardScaler) and s.mean_ is not None and s.scale_ is not None:
        return s.mean_ - 100 * s.scale_, s.mean_ + 100 * s.scale_
    if isinstance(s, MinMaxScaler):
        span = s.data_range_
        return s.data_min_ - 10 * span, s.data_max_ + 10 * span
    if isinstance(s, MaxAbsScaler):
        return -10 * s.max_abs_, 10 * s.max_abs_
    return None


def _spread(low: np.ndarray, high: np.ndarray, pad: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    span = np.maximum(high - low, 1e-6)
    return low - pad * span, high + pad * span


def _in_bits(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, resolution: int) -> np.ndarray:
    """Fractional bits per input feature: its spread (``unit``) spans about 2**resolution steps and
    no input exceeds 2**58 once quantized; ``input_bits`` (one int, or one per feature) overrides."""
    n = len(low)
    if opts.input_bits is not None:
        return _given_bits(opts.input_bits, n)
    biggest = np.maximum(np.maximum(np.abs(low), np.abs(high)), 1e-30)
    cap = 58 - np.ceil(np.log2(biggest))
    bits = resolution - np.floor(np.log2(np.maximum(unit, 1e-30)))
    return np.clip(np.minimum(bits, cap), -60, 48).astype(np.int64)


def _distance_bits(opts: Options, unit: np.ndarray, low: np.ndarray, high: np.ndarray, aff: Affine,
                   resolution: int) -> np.ndarray:
    """Fractional input bits for distance models (KNN, K-Means): one step is the same length in the
    estimator's space for every feature (d_f·2**-bits[f]), the narrowest feature's spread there
    spanning about 2**resolution steps: distances weigh every feature alike, so must their rounding."""
    if opts.input_bits is not None:
        return _given_bits(opts.input_bits, len(low))
    step = float(np.min(unit * aff.d)) * 2.0**-resolution
    biggest = np.maximum(np.maximum(np.abs(low), np.abs(high)), 1e-30)
    bits = -np.floor(np.log2(step / aff.d))
    return np.clip(np.minimum(bits, 58 - np.ceil(np.log2(biggest))), -60, 48).astype(np.int64)


def _given_bits(input_bits: Any, n: int) -> np.ndarray:
    try:
        bits = np.broadcast_to(np.asarray(input_bits, dtype=np.int64), (n,)).copy()
    except (TypeError, ValueError):
        raise ConversionError(f"input_bits must be an int or one int per feature ({n}), got {input_bits!r}") from None
    if np.any(bits < 0) or np.any(bits > 60):
        raise ConversionError(f"input_bits must lie in [0, 60], got {input_bits!r}")
    return bits


def _in_bound(low: np.ndarray, high: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Per feature, the largest |x_q| over the range."""
    lo, hi = _qint(low, bits), _qint(high, bits)
    return np.asarray([max(abs(int(a)), abs(int(b))) for a, b in zip(lo, hi)], dtype=object)


def _classes(est: Any) -> list[Any]:
    classes = list(np.asarray(est.classes_).tolist())
    if len(classes) > MAX_LABELS:
        raise ConversionError(f"{type(est).__name__} has {len(classes)} classes; the circuit's u8 output allows {MAX_LABELS}")
    if any(isinstance(c, (list, tuple)) for c in classes):
        raise ConversionError(f"{type(est).__name__} is multi-output; only single-output models are supported")
    return classes


def _spec(est: Any, opts: Options, n: int, kind: str, low: np.ndarray, high: np.ndarray, bits: int, title: str) -> Spec:
    if n > 2048:
        raise ConversionError(f"{type(est).__name__} takes {n} features; snarkVM allows at most 2048 elements per array")
    return Spec(name=_name_of(est, opts), title=title, kind=kind, n_features=n, in_bits=bits, low=low, high=high)


def _argmax_or_sign(spec: Spec, scores: str, bound: int, k: int, rule: str = "positive") -> None:
    """Classifier head: sign test for one score (class 1 when > 0, or >= 0), argmax for several."""
    if k == 1:
        label = "positive_label" if rule == "positive" else "nonneg_label"
        spec.imports.add("models")
        spec.use(f"label = models.{label}({_width(bound + 1)})", f"|score| <= {_pow2(bound)}")
        spec.body.append(f"return label({scores}[0])")
    else:
        spec.imports.add("reduce")
        spec.use(f"argmax = reduce.argmax({_width(2 * bound + 1)})", f"|score| <= {_pow2(bound)}")
        spec.body.append(f"return argmax({scores})")


def _pow2(v: int) -> str:
    return f"2**{max(int(v), 1).bit_length()}"


# ---- linear models ------------------------------------------------------------------------------
def _linear(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    from sklearn.svm import SVC

    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(W.shape[0])
    if hasattr(est.coef_, "toarray"):
        W = np.atleast_2d(est.coef_.toarray())
    if kind == "regressor" and W.shape[0] != 1:
        raise ConversionError(f"{type(est).__name__} has {W.shape[0]} outputs; only single-output regression is supported")
    low, high, unit = _input_range(opts, n, _scaler_range(model, n))
    ib = _in_bits(opts, unit, low, high, INPUT_RESOLUTION)
    title = f"{type(est).__name__} ({n} features{', scalers folded in' if not aff.identity else ''}), converted to pyleo."
    spec = _spec(est, opts, n, kind, low, high, ib, title)
    spec.imports.add("models" if kind == "regressor" else "reduce")
    limit = 2**62 if kind == "regressor" else 2**120
    for drop in range(0, WEIGHT_RESOLUTION, 2):
        Wq, bq, S = aff.fold_dense(W, b, ib, WEIGHT_RESOLUTION - drop)
        bound = int(max(_dense_bound(Wq, bq, _in_bound(low, high, ib))))
        if bound < limit:
            break
    else:
        raise ConversionError("the model's outputs do not fit the circuit's range at any weight scale; narrow input_range")
    spec.const("W", Wq, f"coef_{' × the scalers’ factors' if not aff.identity else ''}, column j at 2**({S} − IN_BITS[j])")
    spec.const("B", bq, f"intercept_{' (scalers folded in)' if not aff.identity else ''} at 2**{S} (the scale of W·x)")
    if kind == "regressor":
        spec.out_scale = f"2**{S}"
        spec.body.append("return models.to_i64(linalg.dense(W, xf, B)[0])")
        return spec
    classes = _classes(est)
    spec.classes = classes
    if isinstance(est, SVC) and len(classes) > 2:
        spec.imports |= {"models", "reduce"}
        spec.use(f"votes = models.ovo_votes({len(classes)}, {_width(bound + 1)})", f"|pair score| <= {_pow2(bound)}")
        spec.use("argmax = reduce.argmax(32)", "votes are small integers")
        spec.notes.append("Several classes: one-vs-one pairs (i, j) vote i when their score is > 0; the first class "
                          "with most votes wins (as libsvm).")
        spec.body.append("return argmax(votes(linalg.dense(W, xf, B)))")
        return spec
    spec.body.insert(0, "scores = linalg.dense(W, xf, B)")
    _argmax_or_sign(spec, "scores", bound, W.shape[0])
    return spec


# ---- trees --------------------------------------------------------------------------------------
@dataclass
class RawTree:
    """One tree in the input space: go left when x[f] <= t (or x[f] < t when strict); value per node.
    A missing x[f] goes left where ``missing_left`` says so (None: the model has no missing values);
    a threshold may be +inf (scikit-learn's split "missing or not": every present value goes left)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # (n_nodes, K) floats
    strict: bool = False
    missing_left: np.ndarray | None = None

    def compact(self) -> RawTree:
        """Only the nodes reachable from the root, renumbered in depth-first order."""
        order: list[int] = []
        stack = [0]
        while stack:
            i = stack.pop()
            order.append(i)
            if self.left[i] != -1:
                stack += [int(self.right[i]), int(self.left[i])]
        new = {old: k for k, old in enumerate(order)}
        o = np.asarray(order)
        left = np.asarray([new[int(c)] if c != -1 else -1 for c in self.left[o]])
        right = np.asarray([new[int(c)] if c != -1 else -1 for c in self.right[o]])
        feature = np.where(left == -1, 0, self.feature[o])
        threshold = np.where(left == -1, 0.0, self.threshold[o])
        missing = np.where(left == -1, True, self.missing_left[o]) if self.missing_left is not None else None
        return RawTree(feature, threshold, left, right, self.value[o], self.strict, missing)


def _float32_boundary(threshold: np.ndarray, strict: bool) -> np.ndarray:
    """Where the rule "float32(z) < threshold" (strict, XGBoost) or "float32(z) <= threshold"
    (scikit-learn) flips for a float64 z: left exactly when z < the returned value (the midpoint
    between the two float32 neighbours around the threshold; +inf stays +inf)."""
    t = np.asarray(threshold, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        f = t.astype(np.float32)
        if strict:   # left ⇔ float32(z) <= the float32 just below t
            f = np.where(f.astype(np.float64) < t, f, np.nextafter(f, np.float32(-np.inf)))
        else:        # left ⇔ float32(z) <= the largest float32 <= t
            f = np.where(f.astype(np.float64) <= t, f, np.nextafter(f, np.float32(-np.inf)))
        up = np.nextafter(f, np.float32(np.inf))
        mid = (f.astype(np.float64) + up.astype(np.float64)) / 2
    return np.where(np.isfinite(t), mid, t)


def _raw_thresholds(threshold: np.ndarray, feature: np.ndarray, aff: Affine, strict: bool) -> tuple[np.ndarray, bool]:
    """Thresholds on the estimator's (float32) input mapped back through the scalers to the raw input:
    (thresholds, strict). Without scalers they stay as they are (inputs are compared as float32); behind
    scalers the float32 rounding of the scaled value is folded in, and the rule becomes x < t."""
    if aff.clip is not None:   # clipping z to [lo, hi] changes no decision when lo ≤ t < hi (strict: lo < t ≤ hi)
        lo, hi = aff.clip[0][feature], aff.clip[1][feature]
        inside = (lo < threshold) & (threshold <= hi) if strict else (lo <= threshold) & (threshold < hi)
        if not np.all(inside | ~np.isfinite(threshold)):
            raise ConversionError("MinMaxScaler(clip=True) clips to feature_range, and a split lies at or beyond its "
                                  "end, where clipping changes the decision",
                                  hint="refit the pipeline with MinMaxScaler(clip=False)")
    if aff.identity:
        return threshold, strict
    with np.errstate(invalid="ignore"):
        return (_float32_boundary(threshold, strict) - aff.e[feature]) / aff.d[feature], True


def _sk_tree(t: Any, aff: Affine, value: np.ndarray, missing: bool) -> RawTree:
    """A fitted sklearn ``tree_`` with thresholds mapped back through the scalers; ``missing``: the
    model sends NaN down each node's ``missing_go_to_left`` side."""
    left = np.asarray(t.children_left)
    feat = np.where(left == -1, 0, t.feature)
    thr, strict = _raw_thresholds(np.where(left == -1, np.nan, t.threshold), feat, aff, False)
    goes = np.asarray(t.missing_go_to_left, dtype=bool) if missing else None
    return RawTree(feat, thr, left, np.asarray(t.children_right), np.asarray(value, dtype=np.float64),
                   strict=strict, missing_left=goes).compact()


def _missing_columns(trees: list[RawTree], n: int) -> tuple[list[RawTree], list[int], list[str]]:
    """Circuit input columns for trees with missing values: (trees reading them, source feature of
    each column, where a missing value sits in each column: "low" or "high").

    A missing value is encoded one step below a column's range (it goes left at every node) or one
    step above (right at every node). A feature whose nodes send missing values both ways gets a
    second column, read by its "missing goes right" nodes; present values are copied into both.
    """
    left_nodes, right_nodes = np.zeros(n, bool), np.zeros(n, bool)
    for t in trees:
        internal = t.left != -1
        assert t.missing_left is not None
        left_nodes[t.feature[internal & t.missing_left]] = True
        right_nodes[t.feature[internal & ~t.missing_left]] = True
    columns, sides = list(range(n)), ["high" if right_nodes[f] and not left_nodes[f] else "low" for f in range(n)]
    copy: dict[int, int] = {}
    for f in np.flatnonzero(left_nodes & right_nodes):
        copy[int(f)] = len(columns)
        columns.append(int(f))
        sides.append("high")
    out = []
    for t in trees:
        feat = np.asarray([copy.get(int(f), f) if t.left[i] != -1 and not t.missing_left[i] else f
                           for i, f in enumerate(t.feature)])
        out.append(RawTree(feat, t.threshold, t.left, t.right, t.value, t.strict, t.missing_left))
    return out, columns, sides


def _accepts_missing(model: Any, n: int) -> bool:
    """Whether the float model's own ``predict`` takes NaN (scikit-learn ≥ 1.3 trees, XGBoost)."""
    probe = np.zeros((1, n))
    probe[0, 0] = np.nan
    try:
        model.predict(probe)
    except ValueError:
        return False
    return True


def _tree_spec(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str, trees: list[RawTree],
               head: str, init: np.ndarray | None, value_bits: int, title: str,
               classes: list[Any] | None = None, out_divisor: int = 1, missing_value: float | None = None) -> Spec:
    """Model file for a tree ensemble: Σ leaf values (+ init), then a head.

    head: "index" (the leaf value is the class index), "argmax", "positive" (class 1 when > 0),
    "nonneg" (>= 0), "regress" (i64 output). Trees with ``missing_left`` take missing values
    (NaN, or ``missing_value``) through extra columns (:func:`_missing_columns`).
    """
    columns, sides = list(range(n)), None
    if trees[0].missing_left is None and opts.missing_values:
        raise ConversionError(f"{type(est).__name__}.predict does not take missing values (NaN), so "
                              "missing_values=True cannot be honoured",
                              hint="models that take them: scikit-learn decision trees, random forests and extra "
                              "trees, XGBoost")
    wanted = opts.missing_values if opts.missing_values is not None else (
        (opts.X is not None and bool(np.isnan(opts.X).any()))
        or any(bool(np.isinf(t.threshold[t.left != -1]).any()) for t in trees))
    if trees[0].missing_left is not None and (wanted or missing_value is not None):
        trees, columns, sides = _missing_columns(trees, n)
    m = len(columns)
    # Each column's thresholds (finite ones: +inf means "every present value") set its range and scale.
    lo, hi = np.zeros(m), np.zeros(m)
    used = np.zeros(m, bool)
    for t in trees:
        internal = (t.left != -1) & np.isfinite(t.threshold)
        for f, v in zip(t.feature[internal], t.threshold[internal]):
            lo[f] = min(lo[f], v) if used[f] else v
            hi[f] = max(hi[f], v) if used[f] else v
            used[f] = True
    spread = float(np.max(np.where(used, np.maximum(np.abs(hi - lo), 1e-9), 0))) if used.any() else 1.0
    # Bits: the widest column's (threshold - x) over its clamped range fits 31 bits; a narrower column
    # gets more bits where its own thresholds need them (at least 2**TREE_MIN_BITS steps across its
    # thresholds' spread, or its largest threshold when it has one), so a tiny feature is not rounded away.
    ib0 = int(np.clip(TREE_SPREAD_BITS - 1 - _ceil_log2(spread + 2.0**-20), 0, 40))
    own = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 2.0**-30))
    cap = np.asarray([60 - _ceil_log2(max(abs(lo[f]), abs(hi[f]), 2.0**-20) + own[f]) for f in range(m)])
    ib = np.minimum(np.maximum(ib0, TREE_MIN_BITS - np.floor(np.log2(own))), np.maximum(cap, ib0)).astype(np.int64)
    ib = np.where(used, ib, ib0)
    # scikit-learn and XGBoost compare float32 copies of their input z = d·x + e: one input step must be
    # finer than the float32 spacing at every threshold (in x: spacing / d), so that x and the threshold
    # never share a step. Where that needs more bits, the nodes on wide features get 64-bit tests.
    for f in np.flatnonzero(used):
        src = columns[f]
        thr = np.concatenate([t.threshold[(t.left != -1) & (t.feature == f)] for t in trees])
        z = np.abs(thr[np.isfinite(thr)] * aff.d[src] + aff.e[src])
        z = z[z > 2.0**-30]
        if len(z):
            step = np.spacing(z.astype(np.float32)).astype(np.float64) / aff.d[src]
            need = int(np.max(-np.floor(np.log2(step / 2)))) + 1
            ib[f] = max(ib[f], min(need, max(cap[f], ib[f])))
    if opts.input_bits is not None:
        ib = _given_bits(opts.input_bits, n)[columns]
    tq: list[list[int]] = []
    for t in trees:
        q = []
        for i in range(len(t.left)):
            b = int(ib[t.feature[i]])
            if t.left[i] == -1 or not np.isfinite(t.threshold[i]):
                q.append(0)   # leaves; +inf thresholds are set below, once the column's range is known
            elif t.strict:  # x < t  ⇔  x_q < round(t·2^b) for inputs at least one step apart
                q.append(round(Fraction(float(t.threshold[i])) * Fraction(2) ** b) - 1)
            else:  # x <= t ⇔ x_q <= floor(t·2^b)
                q.append(math.floor(Fraction(float(t.threshold[i])) * Fraction(2) ** b))
        tq.append(q)
    finite = [(f, q) for t, qs in zip(trees, tq) for q, f, l, v in zip(qs, t.feature, t.left, t.threshold)
              if l != -1 and np.isfinite(v)]
    qlo = {f: min((q for ff, q in finite if ff == f), default=0) for f in range(m)}
    qhi = {f: max((q for ff, q in finite if ff == f), default=0) for f in range(m)}
    for t, qs in zip(trees, tq):   # x <= +inf: every present (clamped) value goes left
        for i in np.flatnonzero((t.left != -1) & ~np.isfinite(t.threshold)):
            if t.threshold[i] < 0:
                raise ConversionError(f"{type(est).__name__} has a split at threshold -inf, which no present value "
                                      "passes; scikit-learn and XGBoost do not write those")
            qs[i] = qhi[int(t.feature[i])] + 1
    used |= np.asarray([any(f == c for t in trees for f, l in zip(t.feature, t.left) if l != -1) for c in range(m)])
    low = np.asarray([(qlo[f] - 1) / 2.0 ** ib[f] if used[f] else 0.0 for f in range(m)])
    high = np.asarray([(qhi[f] + 1) / 2.0 ** ib[f] if used[f] else 0.0 for f in range(m)])
    # Clamped inputs quantize to [qlo - 1, qhi + 1] (0 for unused features), missing ones one step
    # beyond: each node's sign test is sized from its own column's range, as the model file
    # recomputes with trees.node_widths.
    low_q, high_q = fixed.quantize(low, ib), fixed.quantize(high, ib)
    if any(int(low_q[f]) != qlo[f] - 1 or int(high_q[f]) != qhi[f] + 1 for f in range(m) if used[f]):
        raise ConversionError("tree thresholds are too large to quantize exactly at the inputs' scale; "
                              "pass a smaller input_bits")
    if sides is not None:
        low_q, high_q = low_q - 1, high_q + 1
    spec = _spec(est, opts, n, kind, low, high, ib, title)
    spec.columns, spec.missing_sides, spec.missing_value = columns, sides, missing_value
    spec.clamp = True
    spec.float32 = aff.identity
    spec.classes = classes
    spec.imports |= {"models", "trees"}
    vals = [np.asarray(_qint(t.value, value_bits)) for t in trees]
    K = vals[0].shape[1]
    leaf_max = sum(max((_imax(v[i]) for i in range(len(t.left)) if t.left[i] == -1), default=0) for t, v in zip(trees, vals))
    init_q = _qint(init, value_bits) if init is not None else None
    bound = leaf_max + (_imax(init_q) if init_q is not None else 0)
    strict = trees[0].strict
    nodes = sum(int(np.sum(t.left != -1)) for t in trees)
    cmp = "x[feature] < t, i.e. x_q <= threshold" if strict else "x[feature] <= threshold"
    if sides is not None:
        cmp += ", a missing value goes to the node's learned default side"
    spec.notes.append(f"{len(trees)} tree(s), {nodes} internal nodes, "
                      f"{sum(int(np.sum(t.left == -1)) for t in trees)} leaves; go left when {cmp}.")
    parts = []
    for t, q, v in zip(trees, tq, vals):
        parts.append("models.tree(\n"
                     f"        feature={format_value(t.feature.tolist(), 8)},\n"
                     f"        threshold={format_value(q, 8)},\n"
                     f"        left={format_value(t.left.tolist(), 8)},\n"
                     f"        right={format_value(t.right.tolist(), 8)},\n"
                     f"        value={format_value(v.tolist(), 8)},\n"
                     "    )")
    spec.constants.append(("TREES", "[\n" + "".join(f"    {p},\n" for p in parts) + "]",
                           "thresholds at 2**IN_BITS[feature] (the inputs' scales); leaf values at "
                           f"2**{value_bits}"
                           + (" (class indices)" if head == "index" else "")))
    if init_q is not None:
        spec.const("INIT", init_q, f"initial score at 2**{value_bits}")
    try:
        widths = _tree_widths(tq, trees, low_q, high_q)
    except OverflowError as e:
        raise ConversionError(str(e)) from None
    counts = ", ".join(f"{widths.count(w)} × {w}-bit" for w in fixed.SIGN_WIDTHS if w in widths)
    spec.notes += ["Each internal node costs one sign test (a checked cast to u8/u16/u32/u64: 9/17/33/65 "
                   "constraints),",
                   "as narrow as |threshold - x_q| over the node's feature range [INPUT_LOW, INPUT_HIGH] allows",
                   f"(WIDTHS): {counts or 'none'}. Outside it a test may halt, never answer wrongly."]
    spec.use("FOREST = models.forest(TREES)", "all trees as one, leaf values summed")
    spec.use(f"# per internal node of FOREST, the narrowest sign test for its feature's range: {counts or 'none'}")
    if sides is None:
        spec.use("WIDTHS = trees.node_widths(FOREST, fixed.quantize(INPUT_LOW, IN_BITS), "
                 "fixed.quantize(INPUT_HIGH, IN_BITS))")
    else:
        spec.use("WIDTHS = trees.node_widths(FOREST, fixed.quantize(INPUT_LOW, IN_BITS) - 1, "
                 "fixed.quantize(INPUT_HIGH, IN_BITS) + 1)", "missing values sit one step outside the range")
        spec.notes.append("Missing values (NaN" + (f" or {missing_value!r}" if missing_value is not None else "")
                          + ") are encoded one step below INPUT_LOW[j] (MISSING_SIDE[j] == 'low': left at every "
                          "node) or above INPUT_HIGH[j] ('high': right at every node); COLUMNS[j] is the feature "
                          "input j carries.")
    spec.use("forest = trees.tree_paths(FOREST, WIDTHS)", "Σ of the trees' leaf values")
    total = "linalg.add(forest(xf), INIT)" if init_q is not None else "forest(xf)"
    if head == "index":
        spec.body.append("return pl.U8(forest(xf)[0])")
    elif head == "regress":
        if bound >= 2**63:
            raise ConversionError("tree outputs do not fit i64; this should not happen (leaf values are scaled to fit)")
        spec.out_scale = f"2**{value_bits}" + (f" * {out_divisor}" if out_divisor != 1 else "")
        spec.body.append(f"return models.to_i64({total}[0])")
    else:
        spec.body.insert(0, f"scores = {total}")
        _argmax_or_sign(spec, "scores", bound, K, "nonneg" if head == "nonneg" else "positive")
    return spec


def _tree_widths(tq: list[list[int]], raws: list[RawTree], low_q: np.ndarray, high_q: np.ndarray) -> list[int]:
    """Sign-test width of every internal node of ``models.forest(TREES)``: what the model file's
    ``trees.node_widths(...)`` line computes (the same functions, for the notes and for errors)."""
    from . import models, trees

    try:
        forest = models.forest([models.tree(t.feature.tolist(), q, t.left.tolist(), t.right.tolist(),
                                            [[0]] * len(t.left)) for t, q in zip(raws, tq)])
    except ValueError as e:
        raise ConversionError(f"{e}; pass a smaller input_bits") from None
    return list(trees.node_widths(forest, low_q, high_q))


def _leaf_bits(total_max: float, limit: int = 60) -> int:
    """Fractional bits so that a sum of leaf values up to total_max stays below 2**limit."""
    return int(np.clip(limit - _ceil_log2(max(total_max, 2.0**-30)), 0, 48))


def _tree_classes_onehot(t: Any) -> np.ndarray:
    v = np.asarray(t.value)[:, 0, :]
    return v / np.maximum(v.sum(axis=1, keepdims=True), 1e-300)


def _check_single_output(est: Any) -> None:
    if getattr(est, "n_outputs_", 1) != 1:
        raise ConversionError(f"{type(est).__name__} is multi-output ({est.n_outputs_} outputs); only single-output "
                              "models are supported")


def _trees(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import BaseDecisionTree, DecisionTreeClassifier

    name = type(est).__name__
    _check_single_output(est)
    missing = _accepts_missing(model, n)
    suffix = ", scalers folded into the thresholds" if not aff.identity else ""
    if isinstance(est, BaseDecisionTree):
        t = est.tree_
        if isinstance(est, DecisionTreeClassifier):
            classes = _classes(est)
            idx = np.argmax(np.asarray(t.value)[:, 0, :], axis=1).astype(float)[:, None]
            raw = _sk_tree(t, aff, idx, missing)
            return _tree_spec(model, est, aff, n, opts, "classifier", [raw], "index", None, 0,
                              f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.", classes)
        vals = np.asarray(t.value)[:, 0, :1]
        vb = _leaf_bits(float(np.max(np.abs(vals))))
        return _tree_spec(model, est, aff, n, opts, "regressor", [_sk_tree(t, aff, vals, missing)], "regress", None, vb,
                          f"{name} (depth {est.get_depth()}, {n} features{suffix}), converted to pyleo.")
    if isinstance(est, (RandomForestClassifier, ExtraTreesClassifier)):
        classes = _classes(est)
        raws = [_sk_tree(e.tree_, aff, _tree_classes_onehot(e.tree_), missing) for e in est.estimators_]
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, LEAF_BITS,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo.", classes)
    if isinstance(est, (RandomForestRegressor, ExtraTreesRegressor)):
        vals = [np.asarray(e.tree_.value)[:, 0, :1] for e in est.estimators_]
        vb = _leaf_bits(sum(float(np.max(np.abs(v))) for v in vals))
        raws = [_sk_tree(e.tree_, aff, v, missing) for e, v in zip(est.estimators_, vals)]
        return _tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", None, vb,
                          f"{name} ({len(raws)} trees, {n} features{suffix}), converted to pyleo; the output is the "
                          "sum of the trees, OUT_SCALE includes the division by their number.", out_divisor=len(raws))
    if isinstance(est, (GradientBoostingClassifier, GradientBoostingRegressor)):
        if est.init_ != "zero" and type(est.init_).__name__ not in ("DummyClassifier", "DummyRegressor"):
            raise ConversionError(f"{name} with init={type(est.init_).__name__} is not supported (use the default or 'zero')")
        init = est._raw_predict_init(np.zeros((1, n)))[0]
        per = est.estimators_  # (n_stages, K)
        K = per.shape[1]
        raws: list[RawTree] = []
        total = float(np.max(np.abs(init)))
        for stage in per:
            for k, e in enumerate(stage):
                v = np.zeros((e.tree_.node_count, K))
                v[:, k] = np.asarray(e.tree_.value)[:, 0, 0] * est.learning_rate
                total += float(np.max(np.abs(v)))
                raws.append(_sk_tree(e.tree_, aff, v, missing))
        vb = _leaf_bits(total)
        title = f"{name} ({per.shape[0]} stages × {K} trees, {n} features{suffix}), converted to pyleo."
        if isinstance(est, GradientBoostingRegressor):
            return _tree_spec(model, est, aff, n, opts, "regressor", raws, "regress", init[:1], vb, title)
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax" if K > 1 else "nonneg", init, vb,
                          title, _classes(est))
    if isinstance(est, AdaBoostClassifier):
        if getattr(est, "algorithm", "SAMME") not in ("SAMME", "deprecated"):
            raise ConversionError(f"AdaBoostClassifier(algorithm={est.algorithm!r}) is not supported; use 'SAMME'")
        classes = _classes(est)
        K = len(classes)
        pairs = [(e, w) for e, w in zip(est.estimators_, est.estimator_weights_) if w != 0]
        if not all(isinstance(e, DecisionTreeClassifier) for e, _ in pairs):
            raise ConversionError("AdaBoostClassifier is supported with decision-tree base estimators only")
        total = float(sum(w for _, w in pairs))
        vb = _leaf_bits(total, 40)
        raws = []
        for e, w in pairs:
            v = np.zeros((e.tree_.node_count, K))
            v[np.arange(len(v)), np.argmax(np.asarray(e.tree_.value)[:, 0, :], axis=1)] = w
            raws.append(_sk_tree(e.tree_, aff, v, missing))
        return _tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", None, vb,
                          f"AdaBoostClassifier (SAMME, {len(raws)} trees, {n} features{suffix}), converted to pyleo: "
                          "weighted votes, then argmax.", classes)
    raise ConversionError(f"{name} is not supported")


# ---- neighbours and clusters --------------------------------------------------------------------
def _distance_scores(points: np.ndarray, aff: Affine, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Squared distances in the estimator's space, minus the common ‖x‖² term, as a dense layer.

    With z = d·x + e: ‖z − p‖² = Σ d_f² (x_f − q_f)², q = the point in input space; dropping Σ d_f² x_f²
    (the same for every point) leaves Σ d_f² (q_f² − 2 x_f q_f): linear in x, 0 constraints.
    Returns (W, B, score bits).
    """
    q = _qint(aff.to_raw(points), ib[None, :])
    # Per input step: d_f²·2**(-2·IN_BITS[f]). Each feature's weight keeps 24 bits relative to the
    # smallest one (a feature with a large raw scale has a tiny weight; quantizing relative to the
    # largest would zero it); powers of two (no scaler) stay exact with the smallest at 1.
    D2 = np.ldexp(aff.d**2, -2 * ib)
    low_bits = -math.floor(math.log2(float(np.min(D2))))
    exact = bool(np.all(np.frexp(D2)[0] == 0.5))
    db = int(np.clip(low_bits + (0 if exact else 24), 0, 200))
    Dq = _qint(D2, db)
    W = np.asarray([[-2 * int(dq) * int(v) for dq, v in zip(Dq, row)] for row in q], dtype=object)
    B = np.asarray([sum(int(dq) * int(v) * int(v) for dq, v in zip(Dq, row)) for row in q], dtype=object)
    return W, B, db


def _points_range(points: np.ndarray, aff: Affine) -> tuple[np.ndarray, np.ndarray]:
    raw = aff.to_raw(points)
    return _spread(raw.min(axis=0), raw.max(axis=0), 1.0)


def _kmeans(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    C = np.asarray(est.cluster_centers_, dtype=np.float64)
    low, high, unit = _input_range(opts, n, _points_range(C, aff))
    ib = _distance_bits(opts, unit, low, high, aff, 16)
    W, B, sb = _distance_scores(C, aff, ib)
    bound = int(max(_dense_bound(W, B, _in_bound(low, high, ib))))
    spec = _spec(est, opts, n, "clusterer", low, high, ib,
                 f"{type(est).__name__} ({len(C)} clusters, {n} features), converted to pyleo: the nearest centroid.")
    spec.imports.add("reduce")
    spec.notes.append("Distances: ‖x − c‖² − ‖x‖² = ‖c‖² − 2·x·c (a dense layer, 0 constraints); argmin over centroids.")
    spec.const("W", W, f"−2·centroid (per cluster){' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖centroid‖², at 2**{sb}")
    spec.use(f"argmin = reduce.argmin({_width(2 * bound + 1)})", f"|score| <= {_pow2(bound)}")
    spec.body.append("return argmin(linalg.dense(W, xf, B))")
    return spec


def _knn(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    if est.weights != "uniform":
        raise ConversionError(f"KNeighborsClassifier(weights={est.weights!r}) is not supported; use weights='uniform'")
    metric = est.effective_metric_
    if metric not in ("euclidean", "sqeuclidean") and not (metric == "minkowski" and est.effective_metric_params_.get("p") == 2):
        raise ConversionError(f"KNeighborsClassifier with metric {metric!r} is not supported; use the Euclidean metric")
    if np.ndim(est._y) != 1:
        raise ConversionError("multi-output KNeighborsClassifier is not supported")
    P = np.asarray(est._fit_X, dtype=np.float64)
    if len(P) > 2048:
        raise ConversionError(f"KNeighborsClassifier holds {len(P)} training points; snarkVM arrays hold at most 2048 "
                              "(fit it on a subsample)")
    k = int(est.n_neighbors)
    classes = _classes(est)
    low, high, unit = _input_range(opts, n, _points_range(P, aff))
    ib = _distance_bits(opts, unit, low, high, aff, 12)
    W, B, sb = _distance_scores(P, aff, ib)
    bound = int(max(_dense_bound(W, B, _in_bound(low, high, ib))))
    spec = _spec(est, opts, n, "classifier", low, high, ib,
                 f"KNeighborsClassifier (k={k}, {len(P)} training points, {n} features), converted to pyleo.")
    spec.classes = classes
    spec.imports |= {"distance", "reduce"}
    spec.notes += ["Distances: ‖x − p‖² − ‖x‖² = ‖p‖² − 2·x·p (a dense layer, 0 constraints); the k smallest by a "
                   f"compare-exchange bubble (k·(n−1) = {k * (len(P) - 1)} sign tests), then the most frequent label",
                   "(the smallest class index on ties, as scikit-learn). Distance ties keep the earlier training point; "
                   "scikit-learn's choice among tied points may differ."]
    spec.const("W", W, f"−2·training point{' × scaler weights' if not aff.identity else ''}, column j at 2**({sb} − IN_BITS[j])")
    spec.const("B", B, f"‖training point‖², at 2**{sb}")
    spec.const("LABELS", [int(v) for v in est._y], "class index of each training point")
    spec.const("CLASS_IDS", list(range(len(classes))))
    spec.use(f"nearest = distance.k_smallest({k}, {_width(2 * bound + 1)})", f"|score| <= {_pow2(bound)}")
    spec.body.append("return reduce.majority(nearest(linalg.dense(W, xf, B), LABELS), CLASS_IDS)")
    return spec


def _gaussian_nb(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    theta = np.asarray(est.theta_, dtype=np.float64)
    var = np.asarray(est.var_, dtype=np.float64)
    prior = np.log(np.asarray(est.class_prior_, dtype=np.float64))
    a = -0.5 / var
    bz = theta / var
    c = prior - 0.5 * np.sum(np.log(2 * np.pi * var), axis=1) - 0.5 * np.sum(theta**2 / var, axis=1)
    d, e = aff.d, aff.e  # z = d·x + e
    A = a * d**2
    Bx = 2 * a * d * e + bz * d
    C = c + np.sum(a * e**2 + bz * e, axis=1)
    std = np.sqrt(var)
    zlo, zhi = (theta - 100 * std).min(axis=0), (theta + 100 * std).max(axis=0)
    low, high, unit = _input_range(opts, n, (aff.to_raw(zlo), aff.to_raw(zhi)))
    ib = _in_bits(opts, unit, low, high, 14)
    classes = _classes(est)
    spec = _spec(est, opts, n, "classifier", low, high, ib,
                 f"GaussianNB ({len(classes)} classes, {n} features), converted to pyleo: argmax of the joint "
                 "log-likelihood.")
    spec.classes = classes
    spec.imports |= {"models", "reduce"}
    spec.notes.append("log P(x, k) = Σ_j A[k][j]·x_j² + Σ_j B[k][j]·x_j + C[k] (the Gaussian's square expanded; "
                      "one constraint per feature for x_j², the rest is free field arithmetic).")
    inb = _in_bound(low, high, ib)
    sq = np.asarray([int(m) * int(m) for m in inb], dtype=object)
    ab = int(np.clip(60 - _ceil_log2(float(np.max(np.abs(A)))), 0, 100))
    while True:
        T = ab + 2 * int(np.max(ib))   # the scores' scale
        Aq, Bq, Cq = _qint(A, T - 2 * ib[None, :]), _qint(Bx, T - ib[None, :]), _qint(C, T)
        bound = int(max(_dense_bound(np.concatenate([Aq, Bq], axis=1), Cq, np.concatenate([sq, inb]))))
        if bound < 2**125 or ab == 0:
            break
        ab -= 2
    spec.const("A", Aq, f"−1/(2σ²), column j at 2**({T} − 2·IN_BITS[j])")
    spec.const("B", Bq, f"μ/σ², column j at 2**({T} − IN_BITS[j])")
    spec.const("C", Cq, f"log prior − Σ log(σ√(2π)) − Σ μ²/(2σ²), at 2**{T}")
    spec.use(f"argmax = reduce.argmax({_width(2 * bound + 1)})", f"|log-likelihood| <= {_pow2(bound)}")
    spec.body += ["scores = linalg.add(linalg.matvec(A, models.squares(xf)), linalg.dense(B, xf, C))",
                  "return argmax(scores)"]
    return spec


# ---- MLP ----------------------------------------------------------------------------------------
def _mlp(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    if est.activation not in ("relu", "identity"):
        raise ConversionError(f"{type(est).__name__}(activation={est.activation!r}) is not supported: hidden layers "
                              "must use 'relu' or 'identity' (a circuit computes ReLU exactly; tanh and logistic "
                              "would need approximations)")
    out_act = est.out_activation_
    if kind == "classifier" and out_act == "logistic" and est.n_outputs_ > 1:
        raise ConversionError("multi-label MLPClassifier is not supported")
    if kind == "regressor" and est.n_outputs_ != 1:
        raise ConversionError("multi-output MLPRegressor is not supported")
    Ws = [np.asarray(w, dtype=np.float64).T for w in est.coefs_]
    bs = [np.asarray(b, dtype=np.float64) for b in est.intercepts_]
    low, high, unit = _input_range(opts, n, _scaler_range(model, n))
    res = MLP_RESOLUTION
    limit = 2**62 if kind == "regressor" else 2**125
    while True:
        ib = _in_bits(opts, unit, low, high, res)
        wbs = [int(np.clip(res + 2 - _ceil_log2(float(np.max(np.abs(W))) or 1.0), 0, 40)) for W in Ws]
        bound = _in_bound(low, high, ib)
        layers = []
        for li, (W, b, wb) in enumerate(zip(Ws, bs, wbs)):
            if li == 0:
                Wq, bq, scale = aff.fold_dense(W, b, ib, res + 2)
                wb = scale
            else:
                scale += wb
                Wq, bq = _qint(W, wb), _qint(b, scale)
            bnd = _dense_bound(Wq, bq, bound)
            layers.append((Wq, bq, wb, scale, int(max(bnd))))
            bound = bnd
        if max(lay[4] for lay in layers) < limit or res <= 4:
            break
        res -= 2
    if max(lay[4] for lay in layers) >= limit:
        raise ConversionError("the MLP's worst-case values exceed the circuit's range; narrow input_range")
    sizes = "→".join(str(w.shape[1]) for w in Ws[:1]) + "→" + "→".join(str(w.shape[0]) for w in Ws)
    spec = _spec(est, opts, n, kind, low, high, ib,
                 f"{type(est).__name__} {sizes} ({est.activation} hidden layers, {out_act} output), converted to pyleo.")
    spec.imports |= {"activations"}
    act = "relu" if est.activation == "relu" else None
    h = "xf"
    for i, (Wq, bq, wb, scale, bnd) in enumerate(layers, 1):
        spec.const(f"W{i}", Wq, f"layer {i} weights at 2**{wb}" if i > 1 else
                   f"layer 1 weights (scalers folded in), column j at 2**({wb} − IN_BITS[j])")
        spec.const(f"B{i}", bq, f"layer {i} bias at 2**{scale} (the scale of W{i}·h)")
        last = i == len(layers)
        if not last:
            if act:
                w = _width(bnd)
                spec.use(f"relu{i} = activations.relu_vec({w})", f"layer {i}: |W·h + b| <= {_pow2(bnd)}")
                spec.body.append(f"h{i} = relu{i}(linalg.dense(W{i}, {h}, B{i}))")
            else:
                spec.body.append(f"h{i} = linalg.dense(W{i}, {h}, B{i})")
            h = f"h{i}"
        else:
            spec.body.append(f"out = linalg.dense(W{i}, {h}, B{i})")
            if kind == "regressor":
                spec.imports.add("models")
                spec.out_scale = f"2**{scale}"
                spec.body.append("return models.to_i64(out[0])")
            else:
                spec.classes = _classes(est)
                _argmax_or_sign(spec, "out", bnd, Wq.shape[0])
    if kind == "classifier":
        spec.notes.append("The output activation (logistic / softmax) is monotone: the class is the sign of the "
                          "logit (binary) or the argmax of the logits.")
    return spec


# ---- XGBoost ------------------------------------------------------------------------------------
_XGB_CLASS = {"binary:logistic", "binary:logitraw", "binary:hinge", "multi:softprob", "multi:softmax"}
_XGB_REG = {"reg:squarederror", "reg:linear", "reg:absoluteerror", "reg:pseudohubererror", "reg:quantileerror"}


def _xgb_trees(booster: Any, aff: Affine, n: int, ntrees: int | None) -> tuple[list[RawTree], int, str, dict[str, Any]]:
    raw = json.loads(booster.save_raw("json"))
    learner = raw["learner"]
    gb = learner["gradient_booster"]
    objective = learner["objective"]["name"]
    if gb.get("name") != "gbtree":
        raise ConversionError(f"XGBoost booster {gb.get('name')!r} is not supported; use booster='gbtree'")
    model = gb["model"]
    K = max(int(learner["learner_model_param"].get("num_class", "0")), 1)
    if int(learner["learner_model_param"].get("num_target", "1")) != 1:
        raise ConversionError("multi-target XGBoost models are not supported")
    trees = model["trees"][:ntrees] if ntrees else model["trees"]
    info = model["tree_info"][: len(trees)]
    out = []
    for t, grp in zip(trees, info):
        if any(int(s) != 0 for s in t.get("split_type", [])):
            raise ConversionError("XGBoost categorical splits are not supported")
        if int(t["tree_param"].get("size_leaf_vector", "1")) > 1:
            raise ConversionError("XGBoost vector-leaf trees (multi_strategy) are not supported")
        left = np.asarray(t["left_children"])
        right = np.asarray(t["right_children"])
        feat = np.where(left == -1, 0, np.asarray(t["split_indices"]))
        # XGBoost stores float32 values and compares float32 inputs: a threshold printed as
        # "0.0056499788" must be read back as that float32, or x == threshold lands on the wrong side.
        cond = np.asarray(t["split_conditions"], dtype=np.float32).astype(np.float64)
        val = np.zeros((len(left), K))
        val[:, int(grp)] = np.where(left == -1, cond, 0.0)
        thr, strict = _raw_thresholds(np.where(left == -1, np.nan, cond), feat, aff, True)
        default_left = np.asarray(t["default_left"], dtype=bool)
        out.append(RawTree(feat, thr, left, right, val, strict=strict, missing_left=default_left).compact())
    return out, K, objective, learner


def _raw_tree_predict(trees: list[RawTree], X: np.ndarray) -> np.ndarray:
    """Σ leaf values by walking the float trees (the base-margin probe)."""
    out = np.zeros((len(X), trees[0].value.shape[1]))
    for t in trees:
        for r, x in enumerate(X):
            i = 0
            while t.left[i] != -1:
                go = x[t.feature[i]] < t.threshold[i] if t.strict else x[t.feature[i]] <= t.threshold[i]
                i = t.left[i] if go else t.right[i]
            out[r] += t.value[i]
    return out


def _xgboost(model: Any, opts: Options) -> Spec:
    try:
        import xgboost as xgb
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConversionError("XGBoost models need the xgboost package: pip install 'pyleo-zk[xgboost]'") from None
    from sklearn.pipeline import Pipeline

    aff = None
    est = model
    if isinstance(model, Pipeline):
        est, aff, n = _unwrap(model, opts.X)
    if isinstance(est, xgb.Booster):
        booster, classes, wrapper = est, None, None
    elif isinstance(est, xgb.XGBModel):
        try:
            booster = est.get_booster()
        except (xgb.core.XGBoostError, AttributeError, ValueError):
            raise ConversionError(f"{type(est).__name__} is not fitted: call fit(X, y) before converting it") from None
        classes, wrapper = getattr(est, "classes_", None), est
    else:
        raise ConversionError(f"{type(est).__name__} is not an XGBoost model")
    n = booster.num_features()
    if opts.X is not None and opts.X.shape[1] != n:
        raise ModelInputError(f"X has {opts.X.shape[1]} features; the model takes {n}")
    if aff is None:
        aff = Affine(np.ones(n), np.zeros(n))
    ntrees, rounds = None, 0
    if wrapper is not None:
        try:  # early stopping: XGBoost's predict uses the trees up to best_iteration
            rounds = int(wrapper.best_iteration) + 1
        except AttributeError:
            rounds = 0
        if rounds:
            n_all = len(json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["tree_info"])
            ntrees = rounds * (n_all // max(booster.num_boosted_rounds(), 1))
    trees, K, objective, learner = _xgb_trees(booster, aff, n, ntrees)
    if objective not in _XGB_CLASS | _XGB_REG:
        raise ConversionError(f"XGBoost objective {objective!r} is not supported",
                              hint=f"supported: {', '.join(sorted(_XGB_CLASS | _XGB_REG))} (the others apply a "
                              "non-linear link to the margin)")
    # Base margin: what XGBoost adds to the trees' sum, measured on probe points (robust to how each
    # version stores base_score).
    rng = np.random.default_rng(0)
    probe = rng.normal(size=(8, n)).astype(np.float32)
    z = probe * aff.d + aff.e if not aff.identity else probe
    dmatrix = xgb.DMatrix(z.astype(np.float32), feature_names=booster.feature_names, feature_types=booster.feature_types)
    margin = booster.predict(dmatrix, output_margin=True, iteration_range=(0, rounds))
    margin = np.asarray(margin, dtype=np.float64).reshape(len(probe), -1)
    base = np.median(margin - _raw_tree_predict(trees, probe.astype(np.float64)), axis=0)
    name = type(est).__name__
    total = float(np.max(np.abs(base))) + sum(float(np.max(np.abs(t.value))) for t in trees)
    vb = _leaf_bits(total)
    title = f"XGBoost {name} ({objective}, {len(trees)} trees, {n} features), converted to pyleo."
    opts_name = opts.name or ("xgb_classifier" if objective in _XGB_CLASS else "xgb_regressor")
    opts = dataclasses.replace(opts, name=opts_name)
    missing = getattr(wrapper, "missing", np.nan)
    missing_value = None if missing is None or np.isnan(missing) else float(missing)
    if objective in _XGB_REG:
        return _tree_spec(model, est, aff, n, opts, "regressor", trees, "regress", base[:1], vb, title,
                          missing_value=missing_value)
    if objective == "binary:logitraw":   # XGBClassifier.predict: class 1 when the raw margin is > 0.5
        base = base - 0.5
    if classes is None:
        classes = list(range(max(K, 2)))
    classes = list(np.asarray(classes).tolist())
    head = "positive" if K == 1 else "argmax"
    return _tree_spec(model, est, aff, n, opts, "classifier", trees, head, base, vb, title, classes,
                      missing_value=missing_value)


# ---- fidelity: the circuit against the float model's own predict ---------------------------------
def float_predict(model: Any, X: np.ndarray) -> np.ndarray:
    """The float model's own prediction: ``model.predict(X)``; for a bare ``xgboost.Booster``, what
    ``XGBClassifier`` / ``XGBRegressor`` would answer (class 1 when the prediction is > 0.5, argmax
    of the class probabilities, or the value)."""
    if type(model).__module__.startswith("xgboost") and type(model).__name__ == "Booster":
        import xgboost as xgb

        learner = json.loads(model.save_raw("json"))["learner"]
        objective = learner["objective"]["name"]
        out = np.asarray(model.predict(xgb.DMatrix(X, feature_names=model.feature_names,
                                                   feature_types=model.feature_types)))
        if objective in _XGB_REG:
            return out.astype(np.float64)
        if objective == "multi:softmax":
            return out.astype(np.int64)
        return np.argmax(out, axis=1) if out.ndim == 2 else (out > 0.5).astype(np.int64)
    return np.asarray(model.predict(X))


def check_fidelity(zk: ZkModel, model: Any, X: np.ndarray, *, min_agreement: float = 1.0,
                   max_error: float = 1e-3, check_rows: int | None = CHECK_ROWS) -> dict[str, Any]:
    """Compare the circuit (reference interpreter) with ``float_predict(model)`` on calibration rows.

    ``X``: (n_samples, n_features) floats, NaN where missing; at most ``check_rows`` evenly spaced rows
    are run (None: all). Classifiers and clusterers: the share of equal labels, passed when ≥
    ``min_agreement``; regressors: the largest |circuit − float| divided by the range of the float
    predictions, passed when ≤ ``max_error``. Returns the dict stored as ``zk.fidelity`` and in the
    model file's ``FIDELITY``: rows, of, agreement or max_abs_error / max_rel_error, worst_rows
    (indices into X), bar, passed.
    """
    idx = np.arange(len(X))
    if check_rows is not None and len(X) > check_rows:
        idx = np.unique(np.linspace(0, len(X) - 1, check_rows).round().astype(np.int64))
    rows = X[idx]
    want = float_predict(model, rows)
    got = zk.predict(rows)
    out: dict[str, Any] = {"rows": int(len(idx)), "of": int(len(X))}
    if zk.kind == "regressor":
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        span = float(np.ptp(want)) or float(np.max(np.abs(want))) or 1.0
        worst = idx[np.argsort(-err, kind="stable")[:5]]
        out.update(max_abs_error=float(np.max(err)), max_rel_error=float(np.max(err) / span),
                   worst_rows=[int(i) for i in worst], bar=f"max_rel_error <= {max_error:g}",
                   passed=bool(np.max(err) / span <= max_error))
    else:
        same = np.asarray([a == b for a, b in zip(got.tolist(), want.tolist())])
        out.update(agreement=float(np.mean(same)), worst_rows=[int(i) for i in idx[~same][:10]],
                   bar=f"agreement >= {min_agreement:g}", passed=bool(np.mean(same) >= min_agreement))
    return out


def _likely_cause(zk: ZkModel, est: Any) -> str:
    """What usually makes ``est``'s circuit disagree on a few rows, and what to do about it."""
    more = [int(b) + 8 for b in zk.in_bits[: zk.n_features]]
    bits = more[0] if len(set(more)) == 1 else more
    if type(est).__name__ == "KNeighborsClassifier":
        return ("likely cause: training points at equal distances from a row, where scikit-learn's choice among "
                "them differs from the circuit's (the earlier point), which no conversion can match: pass "
                "strict=False to accept the measured agreement, or min_agreement= below it; or nearly equal "
                f"distances closer than the circuit's rounding: convert again with input_bits={bits}")
    return (f"likely cause: rows within the circuit's quantization step of a decision boundary; convert again "
            f"with input_bits={bits} (finer inputs), or pass strict=False to accept the measured fidelity")


def _finish(spec: Spec, model: Any, est: Any, X: np.ndarray | None, fidelity: Fidelity) -> ZkModel:
    """Materialize ``spec``; with calibration rows, check it against the float model and store the
    result in the file (raise :class:`ConversionError`, or warn when not strict, below the bar)."""
    zk = _materialize(render(spec), spec.name)
    if X is None:
        return zk
    if np.isnan(X).any() and zk.missing_sides is None:
        raise ConversionError(f"X has missing values (NaN), but {type(est).__name__}'s circuit has no missing-value "
                              "semantics", hint="impute them, or convert a model whose predict takes NaN (scikit-learn "
                              "trees and forests, XGBoost)")
    try:
        result = check_fidelity(zk, model, X, min_agreement=fidelity.min_agreement, max_error=fidelity.max_error,
                                check_rows=fidelity.check_rows)
    except ModelInputError as e:
        raise ConversionError(f"the calibration rows cannot be run through the circuit: {e.message}") from None
    spec.fidelity = result
    zk = _materialize(render(spec), spec.name)
    if not result["passed"]:
        measured = (f"agreement {result['agreement']:.4f}" if "agreement" in result
                    else f"max error {result['max_rel_error']:.3g} of the predictions' range")
        message = (f"{spec.name}: the circuit disagrees with {type(est).__name__}.predict on calibration rows "
                   f"{result['worst_rows']} ({measured}; bar: {result['bar']}, {result['rows']} of {result['of']} "
                   "rows checked)")
        if fidelity.strict:
            raise ConversionError(message, hint=_likely_cause(zk, est))
        warnings.warn(f"{message}; {_likely_cause(zk, est)}", FidelityWarning, stacklevel=3)
    return zk


@dataclass(frozen=True)
class Fidelity:
    """The bar a conversion must pass on its calibration rows (see :func:`check_fidelity`)."""

    min_agreement: float = 1.0
    max_error: float = 1e-3
    strict: bool = True
    check_rows: int | None = CHECK_ROWS


class FidelityWarning(UserWarning):
    """A conversion with ``strict=False`` fell below its fidelity bar."""


# ---- entry points -------------------------------------------------------------------------------
def _options(X: Any, input_range: Any, input_bits: Any, name: str | None, n: int | None,
             missing_values: bool | None = None) -> Options:
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
    return Options(Xa, input_range, input_bits, name, missing_values)


def build_spec(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None,
               name: str | None = None, missing_values: bool | None = None) -> Spec:
    """The :class:`Spec` (what the model file will say) for a fitted scikit-learn or XGBoost model."""
    from sklearn.pipeline import Pipeline

    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if type(final).__module__.startswith("xgboost"):
        return _xgboost(model, _options(X, input_range, input_bits, name, getattr(model, "n_features_in_", None),
                                        missing_values))
    if not hasattr(final, "fit"):
        raise ConversionError(f"{type(final).__name__} is not a scikit-learn estimator")
    opts = _options(X, input_range, input_bits, name, getattr(model, "n_features_in_", None), missing_values)
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
    return spec


def _sklearn_spec(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    from sklearn.base import is_classifier, is_regressor
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import (
        ElasticNet,
        Lasso,
        LinearRegression,
        LogisticRegression,
        Ridge,
        RidgeClassifier,
        SGDClassifier,
        SGDRegressor,
    )
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.svm import SVC, LinearSVC, LinearSVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if isinstance(est, (LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR)):
        return _linear(model, est, aff, n, opts, "regressor")
    if isinstance(est, (LogisticRegression, RidgeClassifier, SGDClassifier, LinearSVC)):
        return _linear(model, est, aff, n, opts, "classifier")
    if isinstance(est, SVC):
        if est.kernel != "linear":
            raise ConversionError(f"SVC(kernel={est.kernel!r}) is not supported; use kernel='linear' (or LinearSVC)")
        if getattr(est, "break_ties", False):
            raise ConversionError("SVC(break_ties=True) is not supported")
        return _linear(model, est, aff, n, opts, "classifier")
    if isinstance(est, (DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor,
                        ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                        GradientBoostingRegressor, AdaBoostClassifier)):
        return _trees(model, est, aff, n, opts)
    if isinstance(est, (KMeans, MiniBatchKMeans)):
        return _kmeans(model, est, aff, n, opts)
    if isinstance(est, KNeighborsClassifier):
        return _knn(model, est, aff, n, opts)
    if isinstance(est, GaussianNB):
        return _gaussian_nb(model, est, aff, n, opts)
    if isinstance(est, (MLPClassifier, MLPRegressor)):
        return _mlp(model, est, aff, n, opts, "classifier" if isinstance(est, MLPClassifier) else "regressor")
    what = "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else "estimator"
    raise ConversionError(f"{type(est).__name__} is not supported (an unsupported {what})", hint=SUPPORTED)


SUPPORTED = ("supported: LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR, LogisticRegression, "
             "RidgeClassifier, SGDClassifier, LinearSVC, SVC(kernel='linear'), DecisionTreeClassifier/Regressor, "
             "RandomForestClassifier/Regressor, ExtraTreesClassifier/Regressor, GradientBoostingClassifier/Regressor, "
             "AdaBoostClassifier (SAMME), KMeans, KNeighborsClassifier, GaussianNB, MLPClassifier/Regressor, "
             "XGBClassifier/XGBRegressor/Booster, each alone or after StandardScaler/MinMaxScaler/MaxAbsScaler/"
             "RobustScaler in a Pipeline")


def from_sklearn(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, min_agreement: float = 1.0,
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

    Raises :class:`ConversionError` (unsupported or unfitted model, fidelity below the bar) and
    :class:`ModelInputError` (malformed ``X``).
    """
    from sklearn.pipeline import Pipeline

    spec = build_spec(model, X, input_range=input_range, input_bits=input_bits, name=name,
                      missing_values=missing_values)
    est = model.steps[-1][1] if isinstance(model, Pipeline) else model
    Xa = np.asarray(X, dtype=np.float64) if X is not None else None
    return _finish(spec, model, est, Xa, Fidelity(min_agreement, max_error, strict, check_rows))


def from_xgboost(model: Any, X: Any = None, *, input_range: Any = None, input_bits: int | Sequence[int] | None = None,
                 name: str | None = None, missing_values: bool | None = None, min_agreement: float = 1.0,
                 max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS) -> ZkModel:
    """Convert a fitted XGBoost model (``xgboost.Booster``, ``XGBClassifier`` or ``XGBRegressor``, or a
    JSON / UBJSON model file path) to a :class:`ZkModel`: the same options as :func:`from_sklearn`.
    A missing value (NaN, or the wrapper's ``missing``) follows each node's default branch."""
    if isinstance(model, (str, os.PathLike)):
        model = load_xgboost_file(model)
    spec = _xgboost(model, _options(X, input_range, input_bits, name, None, missing_values))
    Xa = np.asarray(X, dtype=np.float64) if X is not None else None
    return _finish(spec, model, model, Xa, Fidelity(min_agreement, max_error, strict, check_rows))


def load_xgboost_file(path: str | os.PathLike[str]) -> Any:
    """An ``xgboost.Booster`` from a model saved with ``save_model`` (JSON or UBJSON)."""
    try:
        import xgboost as xgb
    except ImportError:  # pragma: no cover
        raise ConversionError("reading XGBoost models needs the xgboost package: pip install xgboost") from None
    try:
        return xgb.Booster(model_file=str(path))
    except xgb.core.XGBoostError as e:
        raise ModelInputError(f"{path} is not an XGBoost model file: {str(e).splitlines()[0]}") from None


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
        raise ModelInputError(f"{p} could not be loaded as a joblib/pickle model: {type(e).__name__}: {e}") from None


def load_rows(path: str | os.PathLike[str]) -> np.ndarray:
    """Calibration rows from a file: ``.npy`` (a 2-D array) or ``.csv`` (numbers separated by commas, an
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
    if X.ndim != 2 or X.shape[0] == 0:
        raise ModelInputError(f"{p} must hold a 2-D table of rows (samples) by columns (features), got shape {X.shape}")
    return X


def from_file(path: str | os.PathLike[str], X: Any = None, **options: Any) -> ZkModel:
    """Convert a model file (joblib / pickle, or XGBoost JSON) to a :class:`ZkModel`; ``options`` as
    :func:`from_sklearn`'s."""
    model = load_model_file(path)
    if type(model).__module__.startswith("xgboost"):
        return from_xgboost(model, X, **options)
    return from_sklearn(model, X, **options)
