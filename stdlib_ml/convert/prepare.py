"""Raw columns → the numbers a circuit takes, before quantization: a DataFrame's columns matched by name,
categories (strings or numbers) one-hot or ordinal encoded, missing values imputed. What a model file's
``PREPARE`` says (one entry per group of output columns, in the order the circuit takes them), run by
:meth:`~stdlib_ml.convert.model.ZkModel.encode` on what the prover sends: the encoding happens here, in
the clear, as the quantization does (the prover chooses its private input either way; a verifier of a
public input sees the encoded numbers). Imports no ML framework.

Entries (JSON-like tuples, written into the model file as they are):

- ``("number", c, fill)``: raw column ``c`` as a number, a missing value (NaN / None) replaced by ``fill``
  (None: left missing);
- ``("onehot", c, emitted, known, unknown)``: one output per category of ``emitted``, 1.0 where raw
  column ``c`` equals it, else 0.0; a value outside ``known`` is refused (``unknown == "error"``) or all
  zeros (``"ignore"``);
- ``("ordinal", c, known, unknown)``: the index of the value in ``known``; a value outside it is refused
  (``unknown is None``) or ``unknown``;
- ``("binarize", c, t)``: 1.0 where raw column ``c`` is > t, else 0.0 (scikit-learn's Binarizer);
- ``("bins", c, edges, onehot)``: the bin of raw column ``c`` among the inner ``edges`` (the number of edges
  <= the value, KBinsDiscretizer's rule), as one number, or ``onehot``: one output per bin.

For categories the encoding is intrinsic (they have no numeric form); for a binarized or binned column the
circuit proves the model on the encoded value, which a prover could send without a raw value behind it (as
it may send any value in the range of a numeric input).
"""

from __future__ import annotations

from typing import Any

import numpy as np



class PrepareError(ValueError):
    """A raw row the entries cannot make numbers of (:class:`~stdlib_ml.convert.model.ZkModel` reports it
    as a ModelInputError): ``message`` and ``hint``."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def width(entries: list[tuple[Any, ...]]) -> int:
    """How many numbers ``entries`` give per row."""
    return sum(len(e[2]) if e[0] == "onehot" else len(e[2]) + 1 if e[0] == "bins" and e[3] else 1 for e in entries)


def raw_rows(X: Any, names: list[str] | None, n_raw: int) -> np.ndarray:
    """``X`` as an object array (n_rows, n_raw): a DataFrame's columns ``names`` in that order (a missing
    one refused), else the rows as given (one row, 1-D, becomes one row). Raises :class:`PrepareError`."""
    columns = getattr(X, "columns", None)
    if columns is not None and names is not None:
        absent = [n for n in names if n not in set(columns)]
        if absent:
            raise PrepareError(f"the samples have no column {absent[0]!r}; the model takes {names}")
        X = X[names]
    arr = np.asarray(X.to_numpy(dtype=object) if hasattr(X, "to_numpy") else X, dtype=object)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_raw:
        raise PrepareError(f"expected samples of {n_raw} raw columns"
                              + (f" ({', '.join(names)})" if names else "") + f", got shape {arr.shape}")
    return arr


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and np.isnan(v))


def apply(entries: list[tuple[Any, ...]], X: Any, names: list[str] | None, n_raw: int) -> np.ndarray:
    """The numbers (n_rows, :func:`width`) float64 that ``entries`` make of the raw rows ``X`` (NaN where
    a number stays missing). Raises :class:`PrepareError` naming the row, column and value for a
    category the model does not know or text where a number belongs."""
    rows = raw_rows(X, names, n_raw)
    out: list[np.ndarray] = []
    for entry in entries:
        kind, c = entry[0], entry[1]
        col = rows[:, c]
        label = repr(names[c]) if names else str(c)
        if kind in ("binarize", "bins"):
            values = apply([("number", c, None)], rows, None, n_raw)[:, 0]
            if np.isnan(values).any():
                raise PrepareError(f"sample {int(np.argmax(np.isnan(values)))}, column {label} is missing: "
                                      f"{'binarizing' if kind == 'binarize' else 'binning'} takes a number")
            if kind == "binarize":
                out.append((values > float(entry[2])).astype(np.float64)[:, None])
                continue
            index = np.searchsorted(np.asarray(entry[2], dtype=np.float64), values, side="right")
            out.append(np.eye(len(entry[2]) + 1)[index] if entry[3] else index.astype(np.float64)[:, None])
            continue
        if kind == "number":
            values = np.empty(len(col))
            for i, v in enumerate(col):
                if _missing(v):
                    values[i] = np.nan if entry[2] is None else float(entry[2])
                elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
                    values[i] = float(v)
                else:
                    raise PrepareError(f"sample {i}, column {label} holds {v!r}: the model takes a number there")
            out.append(values[:, None])
            continue
        known = list(entry[2] if kind == "ordinal" else entry[3])
        unknown = entry[3] if kind == "ordinal" else entry[4]
        for i, v in enumerate(col):
            if v not in known and (kind == "ordinal" and unknown is None or kind == "onehot" and unknown == "error"):
                raise PrepareError(f"sample {i}, column {label} holds {v!r}, a category the model does not know",
                                      hint=f"its categories: {known}")
        if kind == "onehot":
            out.append(np.asarray([[1.0 if v == k else 0.0 for k in entry[2]] for v in col]).reshape(len(col), -1))
        else:
            out.append(np.asarray([float(known.index(v)) if v in known else float(unknown) for v in col])[:, None])
    return np.hstack(out) if out else np.zeros((len(rows), 0))
