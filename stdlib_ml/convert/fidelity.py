"""Every conversion checks itself: the circuit against the float model's own ``predict`` on calibration
rows, recorded in ``zk.fidelity`` and the file's ``FIDELITY``, refused (or warned about) below the bar."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import frontends
from .model import ConversionError, ModelInputError, ZkModel, materialize
from .render import Spec, render
from .tree_ensembles import MISSING_VALUE_MODELS


CHECK_ROWS = 256
"""Calibration rows a conversion runs through the circuit (evenly spaced; ``check_rows=None``: all)."""


# ---- fidelity: the circuit against the float model's own predict ---------------------------------
def float_predict(model: Any, X: np.ndarray) -> np.ndarray:
    """The float model's own prediction on rows ``X``: ``predict`` of what its frontend checks circuits
    against (:func:`stdlib_ml.convert.frontends.float_model`; for a bare ``xgboost.Booster``, what
    ``XGBClassifier`` / ``XGBRegressor`` would answer), or ``model.predict(X)``."""
    return np.asarray(frontends.float_model(model).predict(X))


def float_response(model: Any, X: np.ndarray, response: str, threshold: float | None = None) -> np.ndarray:
    """The float model's own ``response`` method (scikit-learn's name: ``predict_proba``,
    ``decision_function``, ``score_samples``; ``predict`` is :func:`float_predict`) on rows ``X``; with
    a ``threshold``, whether the positive class's score (column 1 of two, or the one score) is >= it."""
    scores = (float_predict(model, X) if response == "predict" else
              np.asarray(getattr(frontends.float_model(model), response)(X), dtype=np.float64))
    if threshold is None:
        return scores
    return (scores[:, 1] if scores.ndim == 2 else scores) >= threshold


def check_fidelity(zk: ZkModel, model: Any, X: np.ndarray, *, min_agreement: float = 1.0,
                   max_error: float = 1e-3, check_rows: int | None = CHECK_ROWS,
                   against: str | None = None) -> dict[str, Any]:
    """Compare the circuit (reference interpreter) with ``float_predict(model)`` on calibration rows.

    ``X``: (n_samples, n_features) floats, NaN where missing; at most ``check_rows`` evenly spaced rows
    are run (None: all). Classifiers and clusterers: the share of equal labels, passed when ≥
    ``min_agreement``; regressors: the largest |circuit − float| divided by the range of the float
    predictions, passed when ≤ ``max_error``. Models of scores (``zk.response``, against
    :func:`float_response`): probabilities by their largest absolute error (≤ ``max_error``), other
    scores as regressors' values, a threshold's booleans as labels (:func:`compare`). ``against``: what
    ``model`` is, in words (default: :func:`oracle`), stored as the result's ``against``. Returns the dict
    stored as ``zk.fidelity`` and in the model file's ``FIDELITY``: against, rows, of, (response),
    agreement or max_abs_error / max_rel_error, worst_rows (indices into X), bar, passed.
    """
    idx = check_indices(len(X), check_rows)
    rows = X[idx]
    want = float_response(model, rows, zk.response, zk.threshold)
    got = zk.predict(rows)
    out: dict[str, Any] = {"against": against or oracle(model), "rows": int(len(idx)), "of": int(len(X))}
    if zk.response != "predict" or zk.threshold is not None:
        out["response"] = zk.response + (f" >= {zk.threshold!r}" if zk.threshold is not None else "")
    if zk.threshold is None and (zk.kind == "regressor" or zk.response != "predict") and got.shape != want.shape:
        raise ConversionError(f"{zk.name} gives scores of shape {got.shape[1:]}, the model {want.shape[1:]}")
    kind = ("labels" if zk.threshold is not None or (zk.kind != "regressor" and zk.response == "predict") else
            "probabilities" if zk.response == "predict_proba" else "values")
    out.update(compare(got, want, idx, kind, min_agreement, max_error))
    return out


def oracle(model: Any, what: str | None = None) -> str:
    """What a check against the float model of ``model`` checks against, in words: its ``oracle``
    attribute where it has one (a float model that is not the model the user fitted says so there, e.g.
    an ONNX graph), else ``"<what>.predict"`` (``what``: the source model's class name; default the
    float model's)."""
    fm = frontends.float_model(model)
    return getattr(fm, "oracle", None) or f"{what or type(fm).__name__}.predict"


def check_indices(n: int, check_rows: int | None = CHECK_ROWS) -> np.ndarray:
    """The rows of ``n`` calibration rows a check runs: all, or ``check_rows`` evenly spaced ones."""
    idx = np.arange(n)
    if check_rows is not None and n > check_rows:
        idx = np.unique(np.linspace(0, n - 1, check_rows).round().astype(np.int64))
    return idx


def compare(got: np.ndarray, want: np.ndarray, idx: np.ndarray, kind: str, min_agreement: float = 1.0,
            max_error: float = 1e-3) -> dict[str, Any]:
    """``got`` against ``want`` (outputs on the rows ``idx``), by ``kind``: "labels" (classifiers, clusterers,
    a threshold's booleans), the share of equal labels, passed when ≥ ``min_agreement``; "values"
    (regressors, scores), the largest |got − want| divided by the range of ``want``, passed when ≤
    ``max_error``; "probabilities", the largest absolute error, passed when ≤ ``max_error``. Returns
    agreement or max_abs_error / max_rel_error, worst_rows (from ``idx``), bar, passed."""
    if kind == "probabilities":
        err = np.max(np.abs(np.asarray(got, dtype=np.float64) - np.asarray(want, dtype=np.float64)), axis=1)
        worst = idx[np.argsort(-err, kind="stable")[:5]]
        return dict(max_abs_error=float(np.max(err)), max_rel_error=float(np.max(err)),
                    worst_rows=[int(i) for i in worst], bar=f"max_abs_error <= {max_error:g} (probabilities)",
                    passed=bool(np.max(err) <= max_error))
    if kind == "values":
        err = np.abs(np.asarray(got, dtype=np.float64) - np.asarray(want, dtype=np.float64)).reshape(len(idx), -1).max(axis=1)
        span = float(np.ptp(want)) or float(np.max(np.abs(want))) or 1.0
        worst = idx[np.argsort(-err, kind="stable")[:5]]
        return dict(max_abs_error=float(np.max(err)), max_rel_error=float(np.max(err) / span),
                    worst_rows=[int(i) for i in worst], bar=f"max_rel_error <= {max_error:g}",
                    passed=bool(np.max(err) / span <= max_error))
    same = np.asarray([a == b for a, b in zip(np.asarray(got).tolist(), np.asarray(want).tolist())])
    return dict(agreement=float(np.mean(same)), worst_rows=[int(i) for i in idx[~same][:10]],
                bar=f"agreement >= {min_agreement:g}", passed=bool(np.mean(same) >= min_agreement))


def _likely_cause(zk: ZkModel, what: str) -> str:
    """What usually makes the circuit of ``what`` (a class name) disagree on a few rows, and what to do about it."""
    more = [int(b) + 8 for b in zk.in_bits[: zk.n_features]]
    bits = f"{more[0]}" if len(set(more)) == 1 else f"[{', '.join(map(str, more))}]"
    finer = f"input_bits={bits} (`pyleo import --input-bits {bits.strip('[]').replace(' ', '')}`)"
    if zk.fidelity is not None and zk.fidelity.get("within_bound_rows"):
        return ("likely cause: rows whose exact decision lies within the kernel approximation's proved error bound "
                "of a tie (the file's notes give the bound), where the circuit may decide either way: pass "
                "min_agreement= at most the share beyond it, or strict=False (`--no-strict`) to accept them")
    if what == "KNeighborsClassifier":
        return ("likely cause: training points at equal distances from a row, where scikit-learn's choice among "
                "them differs from the circuit's (the earlier point), which no conversion can match: pass "
                "strict=False to accept the measured agreement, or min_agreement= below it; or nearly equal "
                f"distances closer than the circuit's rounding: convert again with {finer}")
    return (f"likely cause: rows within the circuit's quantization step of a decision boundary; convert again "
            f"with {finer} (finer inputs), or pass strict=False (`--no-strict`) to accept the measured fidelity")


def finish(spec: Spec, model: Any, X: np.ndarray | None, fidelity: Fidelity, what: str, raw: Any = None) -> ZkModel:
    """Materialize ``spec``; with calibration rows ``X`` (n_samples, n_features), check it against the
    float ``model`` (its ``predict``) and store the result in the file (raise :class:`ConversionError`,
    or warn when not strict, below the bar). ``what``: the source model's class name, for messages;
    ``raw``: the rows the check runs instead of ``X`` (an object array of raw rows, for a model whose
    file makes numbers of them, ``PREPARE``). The result's ``against`` says what ``model`` is (:func:`oracle`)."""
    zk = materialize(render(spec), spec.name)
    if X is None:
        return zk
    if np.isnan(X).any() and zk.missing_sides is None:
        raise ConversionError(f"X has missing values (NaN), but {what}'s circuit has no missing-value "
                              "semantics",
                              hint=f"impute them, or convert a model whose predict takes NaN ({MISSING_VALUE_MODELS})")
    try:
        result = check_fidelity(zk, model, X if raw is None else raw, min_agreement=fidelity.min_agreement,
                                max_error=fidelity.max_error, check_rows=fidelity.check_rows,
                                against=oracle(model, what))
    except ModelInputError as e:
        raise ConversionError(f"the calibration rows cannot be run through the circuit: {e.message}") from None
    if spec.margin is not None:
        result.update(guard(spec.margin, X, fidelity))
    spec.fidelity = result
    zk = materialize(render(spec), spec.name, replaces=zk.path)
    if not result["passed"]:
        measured = (f"agreement {result['agreement']:.4f}" if "agreement" in result
                    else f"max error {result['max_abs_error']:.3g} of a probability" if "probabilities" in result["bar"]
                    else f"max error {result['max_rel_error']:.3g} of the predictions' range")
        message = (f"{spec.name}: the circuit disagrees with {result['against']} on calibration rows "
                   f"{result['worst_rows']} ({measured}; bar: {result['bar']}, {result['rows']} of {result['of']} "
                   "rows checked)")
        if fidelity.strict:
            raise ConversionError(message, hint=_likely_cause(zk, what))
        warnings.warn(f"{message}; {_likely_cause(zk, what)}", FidelityWarning, stacklevel=3)
    return zk


def guard(margin: Callable[[np.ndarray], np.ndarray], X: np.ndarray, fidelity: Fidelity) -> dict[str, Any]:
    """The flags of an approximated model (``Spec.margin``) on the rows of ``X`` a check runs: which rows'
    exact float decision lies within the approximation's proved bound of a tie (``within_bound_rows``, the
    first 10: there the agreement is observed on these rows, not implied by the bound), and the share beyond it
    (``guaranteed``: there the circuit's decision is the float model's whatever the approximation does, up to the
    inputs' rounding). Approximations are judged as the project judges them (the measured agreement against the
    bar, :func:`check_fidelity`); these say how much of it the bound proves."""
    idx = check_indices(len(X), fidelity.check_rows)
    m = np.asarray(margin(X[idx]))
    return dict(guaranteed=float(np.mean(m > 0)), within_bound_rows=[int(i) for i in idx[m <= 0][:10]])


@dataclass(frozen=True)
class Fidelity:
    """The bar a conversion must pass on its calibration rows (see :func:`check_fidelity`)."""

    min_agreement: float = 1.0
    max_error: float = 1e-3
    strict: bool = True
    check_rows: int | None = CHECK_ROWS

    def __post_init__(self) -> None:
        def number(v: Any) -> bool:
            return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))

        if not number(self.min_agreement) or not number(self.max_error):
            raise ConversionError(f"min_agreement and max_error must be numbers, got {self.min_agreement!r} and "
                                  f"{self.max_error!r}")
        if not isinstance(self.strict, (bool, np.bool_)):
            raise ConversionError(f"strict must be True or False, got {self.strict!r}")
        if self.check_rows is not None and (not isinstance(self.check_rows, (int, np.integer))
                                            or isinstance(self.check_rows, bool)):
            raise ConversionError(f"check_rows must be a positive number of rows or None (all), got {self.check_rows!r}")
        if not 0.0 <= self.min_agreement <= 1.0:
            raise ConversionError(f"min_agreement must lie in [0, 1], got {self.min_agreement}")
        if not self.max_error >= 0.0:
            raise ConversionError(f"max_error must be >= 0, got {self.max_error}")
        if self.check_rows is not None and self.check_rows < 1:
            raise ConversionError(f"check_rows must be a positive number of rows or None (all), got {self.check_rows}")


def fidelity_text(f: dict[str, Any] | None) -> str:
    """A model's measured fidelity (``ZkModel.fidelity``) in words: "agreement 0.9933 on 150 of 150 calibration
    rows, against …" or "max error 1.2e-04 of the range on …" (``against``: what it was checked against; files
    converted before it was recorded: the model's own predict); "not checked (no calibration rows)" for None."""
    if f is None:
        return "not checked (no calibration rows)"
    measured = f"agreement {f['agreement']:.4f}" if "agreement" in f else f"max error {f['max_rel_error']:.3g} of the range"
    against = f.get("against", "the model's own predict")
    flagged = (f" ({f['guaranteed']:.4f} of them beyond the approximation's proved error bound; within it: rows "
               f"{f['within_bound_rows']})" if f.get("within_bound_rows") else "")
    return f"{measured} on {f['rows']} of {f['of']} calibration rows{flagged}, against {against}"


class FidelityWarning(UserWarning):
    """A conversion with ``strict=False`` fell below its fidelity bar."""
