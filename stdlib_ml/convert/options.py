"""What every conversion is asked, checked in one place before anything is computed: the calibration
rows (:func:`calibration_rows`), the input range and bits, the program name (:func:`make_options`), and
who sees what (:class:`Visibility`). Imports no ML framework."""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import limits, names

from .model import ConversionError, ModelInputError, as_numbers
from .render import Spec

WEIGHT_MODES = ("public", "private")
"""``weights="public"``: the parameters are constants of the program; ``"private"``: private inputs
under a public commitment (:meth:`Visibility.apply`)."""

INPUT_MODES = ("private", "public")
"""``inputs=``: the sample is a private input (default; the verifier learns nothing of it) or a public one."""

OUTPUT_MODES = ("public", "private", "commitment")
"""``output=``: the label as a public output (default), a private one (encrypted to the prover; the
verifier learns nothing of it), or a private one with a public BHP256 commitment to it (the prover's
scalar r blinds it; revealing (label, r) later lets anyone check it, :meth:`ZkModel.label_commitment`)."""

RESPONSES = ("predict", "predict_proba", "decision_function", "score_samples")
"""``response_method=`` (scikit-learn's names): what the circuit outputs. ``"predict"`` (default): the
label or value; the others: the library's score of that name as fixed-point integers with their scale
(``OUT_SCALE``), which :meth:`~stdlib_ml.convert.model.ZkModel.predict` gives back as floats shaped like
the library's; with ``threshold=t``, a public boolean "the positive class's score is at least t" (with
``"predict"``: "the regressor's prediction is at least t")."""

MAX_PARAMETER_TENSORS = limits.MAX_STRUCT_MEMBERS - 1
"""Parameter tensors a private-weights model may have: the members of its private struct, less one for
the blinding value."""


def check_choice(what: str, value: Any, modes: Sequence[str]) -> None:
    """Raise :class:`ConversionError` unless ``value`` is one of ``modes`` (the message lists them)."""
    if not isinstance(value, str) or value not in modes:
        raise ConversionError(f"{what} must be one of {', '.join(map(repr, modes))}, got {value!r}")


def calibration_rows(X: Any, n_features: int | None = None, *, samples: bool | tuple[int, ...] = False, what: str = "X",
                     complete: bool = True) -> np.ndarray | None:
    """Calibration rows as float64, checked before anything is computed from them: numbers (no text,
    booleans or complex values, :func:`~stdlib_ml.convert.model.as_numbers`), finite where present
    (NaN marks a missing value), at least one row, and at least one complete row (no NaN): the range
    and the self-check need real samples. ``samples=False``: a 2-D table (n_samples, n_features);
    ``samples=True`` (a framework's network, which runs them itself): rows of any sample shape, (n_samples,
    *sample_shape), returned as given; ``samples=SHAPE`` (a network of that input shape): the table, or rows of
    exactly that shape (n_samples, *SHAPE), returned as given: any other shape is an error, never flattened. ``n_features``: the values per row the model takes. ``complete=False``: rows to predict
    rather than to calibrate, where no row needs to be complete (a row the model cannot take fails on its
    own). None stays None. Raises :class:`ModelInputError` saying what is wrong and how to fix it."""
    if X is None:
        return None
    A = as_numbers(X, what)
    shaped = A.ndim > 2 and (samples is True or isinstance(samples, tuple) and A.shape[1:] == tuple(samples))
    if A.ndim != 2 and not shaped:
        takes = f" or (n_samples, {', '.join(map(str, samples))}) as the network takes them" \
            if isinstance(samples, tuple) and len(samples) > 1 else ""
        raise ModelInputError(f"{what} must be a 2-D array of samples (n_samples, n_features){takes}, got shape "
                              f"{A.shape}", hint="one row per sample; a single sample is X.reshape(1, -1); rows of "
                              "another shape are not flattened for you (the model would read other features)")
    if len(A) == 0:
        raise ModelInputError(f"{what} has no rows")
    flat = A.reshape(len(A), -1)
    if n_features is not None and flat.shape[1] != n_features:
        raise ModelInputError(f"{what} has {flat.shape[1]} features; the model takes {n_features}")
    if np.isinf(flat).any():
        raise ModelInputError(f"{what} contains infinite values (NaN marks a missing value; inf is not a feature value)")
    if complete and np.isnan(flat).any(axis=1).all():
        raise ModelInputError(f"{what} has no complete row: each of its {len(flat)} row(s) has a missing value (NaN)",
                              hint="calibration rows give the input range and the self-check: pass real samples "
                              "(e.g. the training set), with a value in every feature for at least one row")
    return A


def network_rows(X: np.ndarray | None, shape: tuple[int, ...], what: str) -> np.ndarray | None:
    """Calibration rows for a network whose input takes samples of ``shape`` (its framework's, e.g. (1, 8, 8)): ``X``
    as given when its samples have that shape, a table (n, prod(shape)) reshaped to it in C order; None stays None.
    Raises :class:`ModelInputError` for rows of any other shape, which are never reshaped (their values would be
    read as other features)."""
    if X is None or X.shape[1:] == tuple(shape):
        return X
    n = int(np.prod(shape))
    if X.ndim != 2 or X.shape[1] != n:
        raise ModelInputError(f"X has samples of shape {X.shape[1:]}; {what} takes {tuple(shape)}, or rows of {n} values")
    return X.reshape(len(X), *shape)


@dataclass
class Options:
    """The options every description reads: calibration rows ``X`` (n_samples, n_features) float64 or
    None, the input range and bits as given, the program name (None: from the model), whether missing
    values are taken (None: decided from the data and the model) and the weights' visibility."""

    X: np.ndarray | None
    input_range: Any
    input_bits: Any
    name: str | None
    missing_values: bool | None = None
    weights: str = "public"
    response: str = "predict"   # :data:`RESPONSES`
    threshold: float | None = None   # the circuit outputs "score of the positive class >= threshold"
    # per feature, the integers encode can give it ((low, high) arrays, NaN where any number): a category's
    # or a bin's index, a one-hot or binarized 0/1 (prepare.integer_ranges); such an input is quantized at
    # 0 fractional bits over exactly that range (quantize.feature_range / input_bits_for)
    integers: tuple[np.ndarray, np.ndarray] | None = None


def make_options(X: Any, input_range: Any = None, input_bits: Any = None, name: str | None = None,
                 n_features: int | None = None, missing_values: bool | None = None, weights: str = "public",
                 response_method: str | None = None, threshold: float | None = None,
                 sample_shape: tuple[int, ...] | None = None) -> Options:
    """:class:`Options` from a converter's arguments, each checked (``X`` by :func:`calibration_rows`: a table
    (n_samples, n_features), or, for a network of input ``sample_shape``, rows of that shape, flattened to one row
    per sample). ``response_method``: one of :data:`RESPONSES` (None: ``"predict"``,
    or ``"predict_proba"`` with a ``threshold``); ``threshold``: a finite number (a probability in (0, 1)
    for ``"predict_proba"``; with ``"predict"``: a regressor's value). Raises :class:`ModelInputError` (bad ``X``) and
    :class:`ConversionError` (a bad option, naming the valid ones)."""
    check_choice("weights", weights, WEIGHT_MODES)
    response = response_method if response_method is not None else "predict" if threshold is None else "predict_proba"
    check_choice("response_method", response, RESPONSES)
    if threshold is not None:
        if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
                or not np.isfinite(threshold):
            raise ConversionError(f"threshold must be a finite number, got {threshold!r}")
        if response == "predict_proba" and not 0.0 < threshold < 1.0:
            raise ConversionError(f"threshold={threshold!r} is not a probability strictly between 0 and 1",
                                  hint="P(positive) >= 0 always holds and >= 1 is never decided by a finite score")
        threshold = float(threshold)
    if name is not None and not isinstance(name, str):
        raise ConversionError(f"name must be a string (the Aleo program name), got {type(name).__name__}")
    if name is not None and names.program_name_problem(name) is not None:
        raise ConversionError(f"invalid program name {name!r}: {names.program_name_problem(name)}")
    if missing_values is not None and not isinstance(missing_values, (bool, np.bool_)):
        raise ConversionError(f"missing_values must be True, False or None (decided from the model and X), got "
                              f"{missing_values!r}")
    rows = calibration_rows(X, n_features, samples=tuple(sample_shape) if sample_shape is not None else False)
    Xa = None if rows is None else rows.reshape(len(rows), -1)
    n = n_features if n_features is not None else Xa.shape[1] if Xa is not None else None
    if input_range is not None and n is not None:
        range_bounds(input_range, n)   # every family: checked before it is used (or ignored, by trees)
    return Options(Xa, input_range, input_bits, name, missing_values, weights, response, threshold)


def range_bounds(r: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) per feature of an ``input_range`` (a bound r for [-r, r], or a pair (low, high) of
    scalars or per-feature sequences). Raises ConversionError unless finite with low < high."""
    if isinstance(r, (int, float, np.integer, np.floating)) and not isinstance(r, (bool, np.bool_)):
        low, high = np.full(n, -float(r)), np.full(n, float(r))
    else:
        try:
            lo, hi = r
            low = np.broadcast_to(np.asarray(lo, float), (n,)).copy()
            high = np.broadcast_to(np.asarray(hi, float), (n,)).copy()
        except (TypeError, ValueError):
            raise ConversionError("input_range must be a bound r (for [-r, r]) or a pair (low, high)") from None
    if np.any(~np.isfinite(low)) or np.any(~np.isfinite(high)) or np.any(low >= high):
        raise ConversionError("input_range must be finite with low < high (a bound r > 0)",
                              hint="give the range the features take, e.g. input_range=10 for [-10, 10]")
    return low, high


@dataclass(frozen=True)
class Visibility:
    """Who sees what: ``weights`` (:data:`WEIGHT_MODES`), ``inputs`` (:data:`INPUT_MODES`), ``output``
    (:data:`OUTPUT_MODES`), checked when made (:class:`ConversionError` listing the valid values)."""

    weights: str = "public"
    inputs: str = "private"
    output: str = "public"

    def __post_init__(self) -> None:
        for what, value, modes in (("weights", self.weights, WEIGHT_MODES), ("inputs", self.inputs, INPUT_MODES),
                                   ("output", self.output, OUTPUT_MODES)):
            check_choice(what, value, modes)

    def apply(self, spec: Spec, what: str) -> Spec:
        """``spec`` with these visibilities; with private weights its parameters (``spec.params``) become
        members of one private struct input (packed into words, :func:`~stdlib_ml.convert.model.pack_words`)
        with a fresh 128-bit blinding value, and ``predict`` also outputs their Poseidon2 commitment
        publicly. ``what``: the model, for messages."""
        spec.inputs, spec.output = self.inputs, self.output
        if self.weights != "private":
            return spec
        if len(spec.params) > MAX_PARAMETER_TENSORS:
            raise ConversionError(f"{what} has {len(spec.params)} parameter tensors; a private struct holds at most "
                                  f"{MAX_PARAMETER_TENSORS} (snarkVM: {limits.MAX_STRUCT_MEMBERS} members, one is the "
                                  "blinding value)")
        spec.weights = "private"
        spec.blinding = secrets.randbits(128)
        return spec


def load_rows(path: str | os.PathLike[str], *, complete: bool = True, names: Any = None) -> np.ndarray:
    """Calibration rows (``complete=False``: rows to predict) from a file, checked by :func:`calibration_rows`: ``.npy`` (a 2-D array, or
    samples of another shape, returned as they are: the model they go to takes them only when its input has that
    shape, e.g. a CNN's (n, C, H, W), and never flattens them) or ``.csv`` (numbers separated by commas, an
    optional header line, an empty cell or NaN where a value is missing, as (n_samples, n_features)), float64.
    ``names``: the feature names of the model the rows go to (None: it has none); a CSV whose header line names
    columns gives them in that order, as a DataFrame's columns are taken (a header in another order was read
    position by position: other samples). Raises :class:`ModelInputError` naming the file, for a CSV the line and
    column of a cell that is not a number, and a header that names no column of one of ``names``."""
    p = Path(path)
    if not p.is_file():
        raise ModelInputError(f"no such data file: {p}")
    suffix = p.suffix.lower()
    if suffix == ".npy":
        try:   # mapped first: a header claiming more rows than the file holds fails here, before any allocation
            X = np.array(np.load(p, allow_pickle=False, mmap_mode="r"))
        except (ValueError, OSError, EOFError) as e:
            raise ModelInputError(f"{p} could not be read as rows of numbers: {e}") from None
        except MemoryError:
            raise ModelInputError(f"{p} holds more numbers than this machine's memory takes") from None
    elif suffix == ".csv":
        X, header = _read_csv(p)
        if header is not None and names is not None:
            X = _by_names(X, header, [str(n) for n in names], p)
    else:
        raise ModelInputError(f"{p}: calibration rows must be a .npy or .csv file")
    rows = calibration_rows(X, what=str(p), samples=True, complete=complete)   # the model they go to checks the shape
    assert rows is not None
    return rows


def _by_names(X: np.ndarray, header: list[str], names: list[str], p: Path) -> np.ndarray:
    """The columns of ``X`` that ``header`` names ``names``, in that order."""
    absent = [n for n in names if n not in header]
    twice = [h for h in header if header.count(h) > 1]
    if absent or twice:
        raise ModelInputError(f"{p}'s header line " + (f"names the column {twice[0]!r} twice" if twice else
                              f"names no column {absent[0]!r}") + f"; the model takes the features {names}",
                              hint="name the columns as the model was fitted (in any order), or leave out the header "
                              "line: the columns are then taken in the model's order")
    return X[:, [header.index(n) for n in names]]


def csv_header(text: str) -> list[str] | None:
    """The column names of a CSV's first line (``text``: the line, or the whole file), or None when that line holds
    numbers (a row, not a header)."""
    return _header(next(csv.reader(io.StringIO(text)), []))


def _header(cells: list[str]) -> list[str] | None:
    """The names in a CSV line's ``cells`` when it is a header line (a name in some cell, and numbers or NaN in none),
    else None."""
    names = [c.strip().strip("\"'") for c in cells]
    return names if any(names) and all(_header_cell(c) for c in names if c) else None


def _header_cell(cell: str) -> bool:
    """Whether a cell of a CSV's first line is a column name (neither a number nor NaN)."""
    c = cell.strip().strip("\"'")
    if c.lower() == "nan":
        return False
    try:
        float(c)
    except ValueError:
        return True
    return False


def _read_csv(p: Path) -> tuple[np.ndarray, list[str] | None]:
    """The numbers of a CSV file: an optional header line (a first line whose cells are all names, not
    numbers: :func:`csv_header`, returned beside them, None without one), then rows of equally many cells."""
    try:
        text = p.read_text()
    except (UnicodeDecodeError, OSError) as e:
        raise ModelInputError(f"{p} is not a text CSV file ({type(e).__name__})") from None
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = [(reader.line_num, r) for r in reader if len(r) > 1 or r and r[0].strip()]
    # (a blank line is skipped; a line of empty cells is a row of missing values)
    header = _header(rows[0][1]) if rows else None
    if header is not None:
        rows = rows[1:]
    if not rows:
        raise ModelInputError(f"{p} has no rows of numbers")
    width = len(rows[0][1])
    if header is not None and len(header) != width:
        raise ModelInputError(f"{p}'s header line names {len(header)} columns, its rows have {width}")
    out = np.empty((len(rows), width))
    for i, (line, cells) in enumerate(rows):
        if len(cells) != width:
            raise ModelInputError(f"{p}, line {line}: {len(cells)} values where the first row has {width}")
        for j, cell in enumerate(cells):
            c = cell.strip()
            try:
                out[i, j] = np.nan if c == "" or c.lower() == "nan" else float(c)
            except ValueError:
                raise ModelInputError(f"{p}, line {line}, column {j + 1}: {c!r} is not a number",
                                      hint="calibration rows hold numbers only: an optional header line first, then "
                                      "one sample per line (an empty cell or NaN where a value is missing)") from None
    return out, header
