"""What ``pyleo import`` hands the converters: its options read into :func:`stdlib_ml.convert.from_file`'s
(``--input-range``, ``--input-bits``, the calibration rows, a network's options, the scores' options, a program name derived from
a graph file's name), and the conversion run with its warnings collected for the command to print."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pyleo import limits, names
from pyleo.errors import InputError


def _parts(text: str, kind: type, option: str, forms: str, words: str) -> list[Any]:
    """The comma-separated values of ``option`` as ``kind``; InputError naming its ``forms`` otherwise."""
    try:
        return [kind(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"{option} takes {forms} ({words}), got {text!r}") from None


def input_range(text: str | None) -> Any:
    """``--input-range``: R (a bound, for [-R, R]) or LOW,HIGH; None when not given."""
    if not text:
        return None
    parts = _parts(text, float, "--input-range", "R or LOW,HIGH", "numbers")
    if len(parts) not in (1, 2):
        raise InputError(f"--input-range takes R or LOW,HIGH, got {text!r}")
    return parts[0] if len(parts) == 1 else tuple(parts)


def input_bits(text: str | None) -> Any:
    """``--input-bits``: B for every feature, or B1,B2,... one per feature; None when not given."""
    if not text:
        return None
    bits = _parts(text, int, "--input-bits", "B or B1,B2,...", "integers")
    return bits[0] if len(bits) == 1 else bits


def network_options(resolution: int | None, reference: Path | None, fit: bool) -> dict[str, Any]:
    """The options only some frontends take, present only when given (``--resolution``, ``--reference``,
    ``--no-fit``), so that a frontend without them is not handed them."""
    from stdlib_ml import convert

    extra: dict[str, Any] = {"resolution": resolution} if resolution is not None else {}
    if reference is not None:
        extra["reference"] = convert.load_model_file(reference)
    if not fit:
        extra["fit"] = False   # True is every network's default
    return extra


def score_options(response_method: str | None, threshold: float | None) -> dict[str, Any]:
    """``--response-method`` / ``--threshold`` as :func:`stdlib_ml.from_sklearn`'s ``response_method`` /
    ``threshold``, present only when given (a frontend without scores refuses them, naming its options)."""
    extra: dict[str, Any] = {"response_method": response_method} if response_method is not None else {}
    if threshold is not None:
        extra["threshold"] = threshold
    return extra


def program_name(model_file: Path, name: str | None) -> str | None:
    """``--name``, or for a .pt2 / .onnx file (whose graphs carry no model name) one derived from the file's."""
    if name is None and model_file.suffix.lower() in (".pt2", ".onnx"):
        stem = names.program_name_from(model_file.stem)
        return limits.derived_program_name(stem) if stem is not None else None
    return name


def feature_names(model_file: Path, data: Path) -> Any:
    """The feature names the fitted model in ``model_file`` was fitted with (scikit-learn's ``feature_names_in_``),
    by which a CSV ``data`` whose header line names its columns is read; None when ``data`` has no header line (the
    model is then not loaded here) or the model knows no names."""
    from stdlib_ml import convert

    try:
        with data.open(encoding="utf-8") as f:
            first = f.readline() if data.suffix.lower() == ".csv" else ""
    except (OSError, UnicodeDecodeError):
        return None   # load_rows says what is wrong with the file
    if convert.csv_header(first) is None:
        return None
    return getattr(convert.load_model_file(model_file), "feature_names_in_", None)


def convert_file(model_file: Path, X: Any, **options: Any) -> tuple[Any, list[tuple[str, str]]]:
    """The ZkModel of ``model_file`` (:func:`stdlib_ml.convert.from_file`), and the warnings the conversion
    gave as (``"note"`` for a fit at a lower resolution, else ``"warning"``, the message)."""
    from stdlib_ml import convert

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", convert.FidelityWarning)
        warnings.simplefilter("always", convert.FitWarning)
        zk = convert.from_file(model_file, X, **options)
    return zk, [("note" if isinstance(w.message, convert.FitWarning) else "warning", str(w.message)) for w in caught]
