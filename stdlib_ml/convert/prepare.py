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
- ``("ordinal", c, known, unknown[, missing])``: the index of the value in ``known``; a value outside it is refused
  (``unknown is None``) or ``unknown``; a missing value (None or NaN), where ``known`` holds NaN, is ``missing``
  (NaN: it stays missing), as scikit-learn's ``encoded_missing_value`` (without ``missing``: its index);
- ``("binarize", c, t[, ops])``: 1.0 where raw column ``c`` is > t, else 0.0 (scikit-learn's Binarizer);
- ``("bins", c, edges, onehot[, ops])``: the bin of raw column ``c`` among the inner ``edges`` (the number of
  edges <= the value, KBinsDiscretizer's rule), as one number, or ``onehot``: one output per bin. ``ops``
  (optional): element-wise ops (below, with one number each) on the value first: the scalers in front of
  the step in a ColumnTransformer's Pipeline;
- ``("then", ops)``: a Pipeline step on raw columns after others: the numbers the entries before it made
  (a row), through ``ops`` in order, become the columns the entries after it read (and ``c`` indexes
  them): ``("divide", a, b)``: (row − a) / b and ``("multiply", a, b)``: row·a + b, element-wise (a
  scaler, in scikit-learn's own order of operations, so that a value at a bin's edge falls on the side it
  falls there); ``("affine", W, b)``: row·W + b (W: (k, k') nested lists, a step mixing features measured
  as an affine map); ``("function", f)``: NumPy's increasing ``f`` (a key of
  :data:`~stdlib_ml.convert.functions.MONOTONE`) on each value, refused outside its
  :data:`~stdlib_ml.convert.functions.DOMAINS`;
  ``("clip", low, high)``: each value clipped (a bound None: none); ``("float32",)``: each value rounded to float32
  (a KBinsDiscretizer of ``dtype=np.float32`` bins such copies).

Only the entries after the last ``"then"`` give numbers. For categories the encoding is intrinsic (they
have no numeric form); for a binarized or binned column the circuit proves the model on the encoded value,
which a prover could send without a raw value behind it (as it may send any value in the range of a
numeric input).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .functions import MONOTONE, domain_text, outside


class PrepareError(ValueError):
    """A raw row the entries cannot make numbers of (:class:`~stdlib_ml.convert.model.ZkModel` reports it
    as a ModelInputError): ``message`` and ``hint``."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def is_real(v: Any) -> bool:
    """Whether ``v`` read from a model file is a number (an int or float; not a bool, which Python takes for 0 / 1)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _reals(v: Any) -> bool:
    """A number, or a list of numbers (one per column)."""
    return is_real(v) or isinstance(v, (list, tuple)) and all(is_real(x) for x in v)


def _op_problem(op: Any, k: int) -> tuple[str | None, int]:
    """What is wrong with one op of a ``"then"`` entry or a binning entry's ``ops`` on ``k`` numbers (None: nothing),
    and how many numbers it gives."""
    if not isinstance(op, (list, tuple)) or not op:
        return "an op must be a list such as ['divide', a, b]", k
    if op[0] in ("divide", "multiply") and len(op) == 3 and _reals(op[1]) and _reals(op[2]):
        return None, k
    if op[0] == "affine" and len(op) == 3 and isinstance(op[1], (list, tuple)) and len(op[1]) == k and op[1] and all(
            isinstance(r, (list, tuple)) and len(r) == len(op[1][0]) and all(is_real(x) for x in r) for r in op[1]) \
            and isinstance(op[2], (list, tuple)) and len(op[2]) == len(op[1][0]) and all(is_real(x) for x in op[2]):
        return None, len(op[1][0])
    if op[0] == "function" and len(op) == 2 and op[1] in MONOTONE:
        return None, k
    if op[0] == "clip" and len(op) == 3 and all(b is None or is_real(b) for b in op[1:]):
        return None, k
    if op[0] == "float32" and len(op) == 1:
        return None, k
    return (f"{str(op)[:80]} is not an op (['divide' or 'multiply', a, b], ['affine', W ({k} rows), b], ['function', "
            f"one of {sorted(MONOTONE)}], ['clip', low, high], ['float32'])"), k


def _entry_problem(e: Any, n: int) -> str | None:
    """What is wrong with one entry (not ``"then"``) over ``n`` columns (None: nothing)."""
    if not isinstance(e, (list, tuple)) or len(e) < 2 or not isinstance(e[1], int) or isinstance(e[1], bool):
        return "an entry must be a list [kind, column, …]"
    kind, c = e[0], e[1]
    if not 0 <= c < n:
        return f"its column {c} is not one of the {n} columns it reads"
    categories = lambda v: isinstance(v, (list, tuple)) and all(x is None or isinstance(x, (str, int, float)) for x in v)  # noqa: E731
    ops = lambda v: isinstance(v, (list, tuple)) and all(_op_problem(o, 1) == (None, 1) for o in v)  # noqa: E731
    ok = {"number": lambda: len(e) == 3 and (e[2] is None or is_real(e[2])),
          "onehot": lambda: len(e) == 5 and categories(e[2]) and categories(e[3]) and e[4] in ("error", "ignore"),
          "ordinal": lambda: len(e) in (4, 5) and categories(e[2]) and (e[3] is None or is_real(e[3]))
          and (len(e) == 4 or is_real(e[4])),
          "binarize": lambda: len(e) in (3, 4) and is_real(e[2]) and (len(e) == 3 or ops(e[3])),
          "bins": lambda: len(e) in (4, 5) and isinstance(e[2], (list, tuple)) and all(is_real(x) for x in e[2])
          and list(e[2]) == sorted(e[2]) and isinstance(e[3], bool) and (len(e) == 4 or ops(e[4]))}
    if kind not in ok:
        return f"{str(kind)[:40]!r} is not a kind of entry ({', '.join(ok)}, then)"
    return None if ok[kind]() else f"it is not a {kind!r} entry as stdlib_ml.convert.prepare documents it"


def check(entries: Any, n_raw: int) -> None:
    """Refuse ``entries`` (a model file's ``PREPARE``) that are not entries as documented above, over ``n_raw``
    raw columns (each entry's column among the columns of its stage): :class:`PrepareError` naming the entry."""
    if not isinstance(entries, (list, tuple)):
        raise PrepareError(f"PREPARE must be a list of entries, not {type(entries).__name__}")
    n, made = n_raw, 0
    for i, e in enumerate(entries):
        if isinstance(e, (list, tuple)) and e and e[0] == "then":
            if len(e) != 2 or not isinstance(e[1], (list, tuple)):
                raise PrepareError(f"PREPARE entry {i} must be ['then', [ops]]")
            n = made
            for op in e[1]:
                problem, n = _op_problem(op, n)
                if problem:
                    raise PrepareError(f"PREPARE entry {i}: {problem}")
            made = 0
            continue
        problem = _entry_problem(e, n)
        if problem:
            raise PrepareError(f"PREPARE entry {i} ({str(e)[:80]}): {problem}")
        made += width([e])


def width(entries: list[tuple[Any, ...]]) -> int:
    """How many numbers ``entries`` give per row (those after the last ``"then"``)."""
    last = max((i + 1 for i, e in enumerate(entries) if e[0] == "then"), default=0)
    return sum(len(e[2]) if e[0] == "onehot" else len(e[2]) + 1 if e[0] == "bins" and e[3] else 1
               for e in entries[last:])


def integer_ranges(entries: list[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Per number ``entries`` give (those after the last ``"then"``), the integers it can take: (low, high)
    float64 arrays, NaN where it is any number (``"number"``): 0 or 1 for a one-hot or binarized output, a
    bin's or category's index (or an ordinal encoder's ``unknown`` value)."""
    last = max((i + 1 for i, e in enumerate(entries) if e[0] == "then"), default=0)
    low: list[float] = []
    high: list[float] = []
    for e in entries[last:]:
        if e[0] == "number":
            low, high = low + [np.nan], high + [np.nan]
        elif e[0] == "ordinal":
            k = [0.0, len(e[2]) - 1.0] + [float(v) for v in e[3:5] if v is not None and not np.isnan(v)]
            low, high = low + [min(k)], high + [max(k)]
        elif e[0] == "bins" and not e[3]:
            low, high = low + [0.0], high + [float(len(e[2]))]
        else:   # one-hot (categories or bins) and binarized: 0 or 1 each
            k = width([e])
            low, high = low + [0.0] * k, high + [1.0] * k
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def named(X: Any) -> bool:
    """Whether ``X`` names its values: a DataFrame (its columns) or a Series (one sample, its index), which
    :func:`raw_rows` reads by name."""
    return hasattr(X, "columns") or (getattr(X, "ndim", None) == 1 and hasattr(X, "index") and hasattr(X, "to_frame"))


def raw_rows(X: Any, names: list[str] | None, n_raw: int) -> np.ndarray:
    """``X`` as an object array (n_rows, n_raw): a DataFrame's columns ``names`` in that order, or a Series'
    values (one sample, ``df.iloc[i]``) by those names (a missing one refused), else the rows as given (one
    row, 1-D, becomes one row). Raises :class:`PrepareError`."""
    if names is not None and named(X) and not hasattr(X, "columns"):
        X = X.to_frame().T
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
    stage = 0
    for entry in entries:
        if entry[0] == "then":
            numbers = np.hstack(out) if out else np.zeros((len(rows), 0))
            rows = _then(entry[1], numbers, stage, names if not stage and _plain(entries) else None)
            out, names, stage = [], None, stage + 1
            continue
        kind, c = entry[0], entry[1]
        col = rows[:, c]
        label = repr(names[c]) if names else str(c) if not stage else f"{c} after the pipeline's step {stage}"
        if kind in ("binarize", "bins"):
            values = apply([("number", c, None)], rows, None, rows.shape[1])[:, 0]
            ops = entry[4] if kind == "bins" and len(entry) > 4 else entry[3] if kind == "binarize" and len(entry) > 3 else []
            values = _then(ops, values[:, None], stage, None).astype(np.float64)[:, 0] if ops else values
            doing = 'binarizing' if kind == 'binarize' else 'binning'
            if np.isnan(values).any():
                raise PrepareError(f"sample {int(np.argmax(np.isnan(values)))}, column {label} is missing: "
                                      f"{doing} takes a number")
            if np.isinf(values).any():   # scikit-learn's Binarizer and KBinsDiscretizer refuse them too
                i = int(np.argmax(np.isinf(values)))
                raise PrepareError(f"sample {i}, column {label} is {values[i]}: {doing} takes finite numbers only")
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
                    try:
                        values[i] = float(v)
                    except OverflowError:   # an integer past float64's range
                        raise PrepareError(f"sample {i}, column {label} holds an integer of {len(str(abs(int(v))))} "
                                           "digits, past any number a model takes") from None
                else:
                    raise PrepareError(f"sample {i}, column {label} holds {v!r}: the model takes a number there")
            out.append(values[:, None])
            continue
        known = list(entry[2] if kind == "ordinal" else entry[3])
        unknown = entry[3] if kind == "ordinal" else entry[4]
        at = [_category(v, known) for v in col]
        for i, v in enumerate(col):
            if at[i] is None and (kind == "ordinal" and unknown is None or kind == "onehot" and unknown == "error"):
                raise PrepareError(f"sample {i}, column {label} holds {v!r}, a category the model does not know",
                                      hint=f"its categories: {known}")
        if kind == "onehot":
            emitted = [_category(k, known) for k in entry[2]]
            out.append(np.asarray([[1.0 if a is not None and a == e else 0.0 for e in emitted] for a in at],
                                  dtype=np.float64).reshape(len(col), len(emitted)))
        else:
            code = [float(unknown) if a is None else float(entry[4]) if len(entry) > 4 and _missing(known[a])
                    else float(a) for a in at]
            out.append(np.asarray(code, dtype=np.float64).reshape(len(col), 1))
    return np.hstack(out) if out else np.zeros((len(rows), 0))


def _category(v: Any, known: list[Any]) -> int | None:
    """The index of category ``v`` in ``known`` (None: not there). A missing value (None or any NaN, which
    ``==`` never equals) is the missing category (NaN or None in ``known``), as scikit-learn's encoders read it."""
    if _missing(v):
        return next((i for i, k in enumerate(known) if _missing(k)), None)
    return next((i for i, k in enumerate(known) if not _missing(k) and k == v), None)


def _plain(entries: list[tuple[Any, ...]]) -> bool:
    """Whether the entries before the first ``"then"`` are each raw column as it is, in order."""
    first = next(i for i, e in enumerate(entries) if e[0] == "then")
    return all(e[0] == "number" and e[1] == i for i, e in enumerate(entries[:first]))


def _then(ops: list[tuple[Any, ...]], numbers: np.ndarray, stage: int, names: list[str] | None) -> np.ndarray:
    """A ``"then"`` entry's ``ops`` on the ``numbers`` of the entries before it: the next columns (object
    array); ``names``: the numbers' column names when they are the raw columns, else None. Raises
    :class:`PrepareError` naming the row, column, value and domain for a value outside a function's domain."""
    z = numbers
    for at, op in enumerate(ops):
        if op[0] == "affine":
            z = z @ np.asarray(op[1], dtype=np.float64) + np.asarray(op[2], dtype=np.float64)
        elif op[0] == "divide":
            z = (np.asarray(z, dtype=np.float64) - np.asarray(op[1], dtype=np.float64)) / np.asarray(op[2], dtype=np.float64)
        elif op[0] == "multiply":
            z = np.asarray(z, dtype=np.float64) * np.asarray(op[1], dtype=np.float64) + np.asarray(op[2], dtype=np.float64)
        elif op[0] == "clip":
            z = np.clip(z, -np.inf if op[1] is None else op[1], np.inf if op[2] is None else op[2])
        elif op[0] == "float32":
            with np.errstate(over="ignore"):   # past float32's range: ±inf, as numpy's cast gives (refused after)
                z = np.asarray(z, dtype=np.float64).astype(np.float32).astype(np.float64)
        else:
            bad = outside(op[1], z)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                column = repr(names[j]) if names is not None and at == 0 else f"{j}" if at == 0 else (
                    f"{j} after the steps before it")
                raise PrepareError(f"sample {i}, column {column} = {z[i, j]:.6g} is outside the domain of the pipeline's "
                                   f"FunctionTransformer(np.{op[1]}): {domain_text(op[1])}",
                                   hint="the model that was fitted cannot take that value either (np."
                                   f"{op[1]} gives no finite number there)")
            with np.errstate(all="ignore"):
                z = MONOTONE[op[1]][0](z)
    return np.asarray(z, dtype=object)
