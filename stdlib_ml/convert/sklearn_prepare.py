"""The scikit-learn frontend's reading of a Pipeline's steps made numbers by encode (a ColumnTransformer,
an encoder, an imputer, a binarizer or discretizer) into the model file's ``PREPARE`` entries (their
meaning, and how ``encode`` runs them, is :mod:`stdlib_ml.convert.prepare`), and :class:`Frame`, the
fitted Pipeline fed raw rows as the DataFrame it was fitted on. Imports no ML framework."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import ConversionError
from .sklearn_steps import SCALERS, scaler_ops


def column_indices(ct: Any, cols: Any, n_raw: int, names: list[str] | None) -> list[int]:
    """A ColumnTransformer's column selection (indices, names, a mask or a slice) as indices."""
    idx = np.arange(n_raw)
    if isinstance(cols, slice) or (np.ndim(cols) == 1 and np.asarray(cols).dtype == bool):
        return [int(i) for i in idx[cols]]
    chosen = [cols] if isinstance(cols, (str, int, np.integer)) else list(cols)
    if callable(cols):
        raise ConversionError("a ColumnTransformer column selector that is a callable is not supported")
    if any(isinstance(c, str) for c in chosen):
        if names is None:
            raise ConversionError("the ColumnTransformer selects columns by name, but the model has no feature names")
        return [names.index(c) for c in chosen]
    return [int(c) for c in chosen]


def transformer_entries(trans: Any, cols: list[int]) -> tuple[list[tuple[Any, ...]], Any]:
    """The ``PREPARE`` entries of one transformer over columns ``cols``, and the element-wise scaler applied
    to its numbers after them (None: none). A Pipeline takes a SimpleImputer, or scalers in front of a
    binning step (computed by encode as scikit-learn computes them), then at most one scaler."""
    name = type(trans).__name__
    if isinstance(trans, str) or name == "FunctionTransformer" and trans.func is None:   # "passthrough"
        return [("number", c, None) for c in cols], None
    if name == "Pipeline":
        inner = [t for _, t in trans.steps if t is not None and t != "passthrough"]
        names = [type(t).__name__ for t in inner]
        at = next((i for i, t in enumerate(names) if t in BINNING), None)
        head = inner[:at] if at is not None else inner[:1] if names[0] == "SimpleImputer" else []
        tail = names[len(head) + (at is not None):]
        if at is not None and any(t not in SCALERS for t in names[:at]) or len(tail) > 1 or any(
                t not in SCALERS for t in tail):
            raise ConversionError(f"a ColumnTransformer's Pipeline of {names} is not supported",
                                  hint="a SimpleImputer, or scalers then a binning step, then at most one scaler")
        if at is not None:
            entries = _binning(inner[at], cols, [op for t in head for op in scaler_ops(t)])
        else:
            entries = transformer_entries(head[0], cols)[0] if head else [("number", c, None) for c in cols]
        return entries, inner[-1] if tail else None
    if name in SCALERS:
        return [("number", c, None) for c in cols], trans
    if name == "SimpleImputer":
        if trans.add_indicator or not (isinstance(trans.missing_values, float) and np.isnan(trans.missing_values)):
            raise ConversionError("SimpleImputer is supported with missing_values=np.nan and add_indicator=False")
        stats = np.asarray(trans.statistics_, dtype=object)
        kept = [(c, v) for c, v in zip(cols, stats) if not _nan(v) or getattr(trans, "keep_empty_features", False)]
        if any(isinstance(v, str) for _, v in kept):
            raise ConversionError("SimpleImputer filling text is supported inside a ColumnTransformer only in front "
                                  "of an encoder (impute categories with the encoder's own handling instead)")
        return [("number", c, None if _nan(v) else float(v)) for c, v in kept], None
    if name in ("OneHotEncoder", "OrdinalEncoder"):
        if any(v is not None for v in getattr(trans, "infrequent_categories_", None) or []):
            raise ConversionError(f"{name} with infrequent categories (min_frequency / max_categories) is not supported")
        cats = [[_plain(v) for v in c] for c in trans.categories_]
        if name == "OrdinalEncoder":
            unknown = trans.unknown_value if trans.handle_unknown == "use_encoded_value" else None
            missing = float(trans.encoded_missing_value)   # scikit-learn's code for its missing category
            return [("ordinal", c, k, None if unknown is None else float(unknown), *([missing] if any(map(_nan, k)) else []))
                    for c, k in zip(cols, cats)], None
        if trans.handle_unknown not in ("error", "ignore"):
            raise ConversionError(f"OneHotEncoder(handle_unknown={trans.handle_unknown!r}) is not supported")
        drops = getattr(trans, "drop_idx_", None)
        out = []
        for i, (c, k) in enumerate(zip(cols, cats)):
            dropped = None if drops is None or drops[i] is None else int(drops[i])
            out.append(("onehot", c, [v for j, v in enumerate(k) if j != dropped], k, trans.handle_unknown))
        return out, None
    if name in BINNING:
        return _binning(trans, cols, []), None
    raise ConversionError(f"{name} in a ColumnTransformer is not supported",
                          hint="OneHotEncoder, OrdinalEncoder, SimpleImputer, Binarizer, KBinsDiscretizer, the "
                          "scalers, passthrough or drop")


BINNING = ("Binarizer", "KBinsDiscretizer")
"""The steps that bin their inputs (made numbers by ``encode``, wherever they stand in a Pipeline)."""


def _binning(trans: Any, cols: list[int], ops: list[tuple[str, list[float], list[float]]]) -> list[tuple[Any, ...]]:
    """A Binarizer's or KBinsDiscretizer's entries over columns ``cols``, each value first through the
    element-wise ``ops`` of the scalers in front of it (:func:`~stdlib_ml.convert.sklearn_steps.scaler_ops`,
    one number per column taken for each)."""
    def pre(i: int) -> list[tuple[str, float, float]]:
        return [(op, a[i], b[i]) for op, a, b in ops]

    if type(trans).__name__ == "Binarizer":
        return [("binarize", c, float(trans.threshold), pre(i)) if ops else ("binarize", c, float(trans.threshold))
                for i, c in enumerate(cols)]
    if trans.encode not in ("ordinal", "onehot", "onehot-dense"):
        raise ConversionError(f"KBinsDiscretizer(encode={trans.encode!r}) is not supported")
    # dtype=np.float32: transform bins float32 copies of its inputs (a value at an edge may fall below it)
    rounded = [("float32",)] if trans.dtype is not None and np.dtype(trans.dtype) == np.float32 else []
    return [("bins", c, [float(v) for v in edges[1:-1]], trans.encode != "ordinal",
             *([pre(i) + rounded] if ops or rounded else []))
            for i, (c, edges) in enumerate(zip(cols, trans.bin_edges_))]


def _nan(v: Any) -> bool:
    return isinstance(v, (float, np.floating)) and bool(np.isnan(v))


def _plain(v: Any) -> Any:
    """A category as a plain Python value (written into the model file)."""
    return v.item() if isinstance(v, np.generic) else v


class Frame:
    """A fitted Pipeline fed raw rows (an object array) as the DataFrame of ``names`` it was fitted on:
    what the self-check of a model with ``PREPARE`` compares against."""

    def __init__(self, model: Any, names: list[str]) -> None:
        self.model, self.names = model, names

    def _frame(self, rows: Any) -> Any:
        import pandas

        return pandas.DataFrame(np.asarray(rows, dtype=object), columns=self.names).infer_objects()

    def predict(self, rows: Any) -> np.ndarray:
        return self.model.predict(self._frame(rows))

    def __getattr__(self, method: str) -> Any:   # predict_proba, decision_function, score_samples
        if method not in ("predict_proba", "decision_function", "score_samples"):
            raise AttributeError(method)
        return lambda rows: getattr(self.model, method)(self._frame(rows))

