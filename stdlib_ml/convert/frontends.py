"""The registry of frontends: one entry per source framework, saying its name, the file suffixes it reads,
the packages whose objects it converts, and the module (imported on first use, so that no framework is
imported before a model of it is converted) that implements it.

A frontend module defines ``recognises(obj) -> bool`` (is ``obj`` a model of this framework?),
``load(path)`` (the model in a file), ``float_model(model)`` (what the conversion checks the circuit
against: an object with ``predict(X)``), ``FAMILIES`` (what it converts, in words) and ``PRIVATE``
(what converts with ``weights="private"``), optionally ``COVERAGE`` (its rows of the one table of what is
supported, :class:`Coverage`; without it, one row of FAMILIES and PRIVATE), and its entry point (``from_sklearn``, ``from_torch`` …),
which describes the model and hands the description to :func:`stdlib_ml.convert.pipeline.convert`.
Frontends import the framework-neutral modules, never :mod:`.api` nor this registry's users; the
neutral modules import no frontend (they look one up here, by name or by object).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pyleo import limits

from .model import ConversionError, ModelInputError


@dataclass(frozen=True)
class Frontend:
    """One source framework: ``name``; ``module`` (relative to this package) implementing it;
    ``packages``: top-level packages whose objects it takes (an object is recognised by the modules of
    its classes, no framework imported); ``suffixes``: the model files it reads; ``entry``: its entry
    point's name; ``options``: what its entry point takes beyond the common options
    (:data:`COMMON_OPTIONS`); ``magic``: how its model files begin (the file type told by content,
    whatever the suffix); ``parts``: its further modules, which ``module`` imports and which may import its
    framework too (every other module of this package is framework-neutral)."""

    name: str
    module: str
    packages: tuple[str, ...]
    suffixes: tuple[str, ...]
    entry: str
    options: tuple[str, ...] = ()
    magic: tuple[bytes, ...] = ()
    parts: tuple[str, ...] = ()

    def impl(self) -> ModuleType:
        """The implementing module (imported on first use; it imports its framework only when it converts)."""
        return importlib.import_module(self.module, __package__)

    def recognises(self, obj: Any) -> bool:
        """Whether ``obj`` is a model this frontend converts (its classes' modules, then the module's own test)."""
        return _from_packages(obj, self.packages) and self.impl().recognises(obj)

    def load(self, path: str | os.PathLike[str]) -> Any:
        """The model in the file ``path`` (raises :class:`ModelInputError` for a missing or damaged file)."""
        return self.impl().load(path)

    def float_model(self, model: Any) -> Any:
        """The float model a circuit is checked against: an object with ``predict(X)``."""
        return self.impl().float_model(model)

    def convert(self, model: Any, X: Any = None, **options: Any) -> Any:
        """``model`` (an object, or a file path for frontends that read one) as a ZkModel via the entry point."""
        unknown = sorted(set(options) - set(COMMON_OPTIONS) - set(self.options))
        if unknown:
            raise ConversionError(f"{', '.join(map(repr, unknown))} {'is not an option' if len(unknown) == 1 else 'are not options'} "
                                  f"of {self.entry}", hint=f"its options: {', '.join(COMMON_OPTIONS + self.options)}")
        return getattr(self.impl(), self.entry)(model, X, **options)


COMMON_OPTIONS = ("input_range", "input_bits", "name", "weights", "inputs", "output", "min_agreement", "max_error",
                  "strict", "check_rows")
"""The options every entry point takes (see :func:`stdlib_ml.from_sklearn`)."""

NETWORK_OPTIONS = ("resolution", "approximate", "fit")
"""What every network frontend takes besides (:func:`stdlib_ml.convert.nn.convert`)."""

FRONTENDS: tuple[Frontend, ...] = (
    Frontend("xgboost", ".xgboost", ("xgboost", "sklearn"), (".json", ".ubj"), "from_xgboost", ("missing_values",)),
    Frontend("lightgbm", ".lightgbm", ("lightgbm", "sklearn"), (".txt",), "from_lightgbm", ("missing_values",),
             (b"tree\n", b"tree\r\n")),
    Frontend("catboost", ".catboost", ("catboost", "sklearn"), (".cbm",), "from_catboost", ("missing_values",),
             (b"CBM1",)),
    Frontend("sklearn", ".sklearn", ("sklearn",), (".joblib", ".pkl", ".pickle"), "from_sklearn",
             ("missing_values", "response_method", "threshold")),
    Frontend("keras", ".keras", ("keras",), (".keras", ".h5", ".hdf5"), "from_keras", NETWORK_OPTIONS),
    Frontend("torch", ".torch", ("torch",), (".pt2", ".pt", ".pth"), "from_torch", NETWORK_OPTIONS + ("head", "classes"),
             parts=(".torch_quantized",)),
    Frontend("onnx", ".onnx", ("onnx",), (".onnx",), "from_onnx", NETWORK_OPTIONS + ("missing_values", "reference")),
    Frontend("tensorflow", ".tensorflow", ("tensorflow",), (), "from_tensorflow", NETWORK_OPTIONS),
    Frontend("tflite", ".tflite", (), (".tflite",), "from_tflite", NETWORK_OPTIONS),
)
"""Every frontend, in the order objects are matched (XGBoost's, LightGBM's and CatBoost's scikit-learn wrappers and
Pipelines ending in one before scikit-learn; Keras, whose layers are torch modules on the torch backend, before torch)."""


def _from_packages(obj: Any, packages: tuple[str, ...]) -> bool:
    return any(c.__module__.split(".")[0] in packages for c in type(obj).__mro__)


def get(name: str) -> Frontend:
    """The frontend called ``name``."""
    for f in FRONTENDS:
        if f.name == name:
            return f
    raise ConversionError(f"no frontend {name!r}", hint=f"frontends: {', '.join(f.name for f in FRONTENDS)}")


def for_object(obj: Any) -> Frontend | None:
    """The frontend that converts ``obj``, or None."""
    return next((f for f in FRONTENDS if f.recognises(obj)), None)


def for_path(path: str | os.PathLike[str]) -> Frontend:
    """The frontend reading the file ``path``: by how it begins (a frontend's ``magic``), else by suffix
    (other suffixes are read as joblib / pickle). Raises :class:`ModelInputError` for a missing file."""
    p = Path(path)
    if p.is_dir() and get("tensorflow").impl().is_saved_model(p):   # a SavedModel is a directory
        return get("tensorflow")
    if not p.is_file():
        raise ModelInputError(f"no such model file: {p}" if not p.is_dir() else f"{p} is a directory, not a model "
                              "file (nor a SavedModel directory: it has no saved_model.pb)")
    try:
        with p.open("rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise ModelInputError(f"cannot read {p}: {e.strerror}") from None
    by_content = next((f for f in FRONTENDS if any(head.startswith(m) for m in f.magic)), None)
    if by_content is not None:
        return by_content
    suffix = p.suffix.lower()
    return next((f for f in FRONTENDS if suffix in f.suffixes), get("sklearn"))


def file_types() -> str:
    """The model files the frontends read, in words (each frontend's suffixes; those with a ``magic`` are
    also told by content, whatever their suffix)."""
    return "; ".join(f"{f.name}: {', '.join(f.suffixes) or 'a SavedModel directory'}" +   # as for_path reads them
                     (" (or any name, told by content)" if f.magic else "") for f in FRONTENDS)


def float_model(model: Any) -> Any:
    """What ``model``'s conversion checks the circuit against: its frontend's float model, or ``model``
    itself (anything with ``predict``)."""
    f = for_object(model)
    return f.float_model(model) if f is not None else model


@dataclass(frozen=True)
class Coverage:
    """One row of the table of what is supported: ``what`` (the family, in words), the ``classes`` it
    names (the source framework's class or operator names; empty when ``what`` says it all),
    ``scores`` (what ``response_method=`` converts besides the label or value; "" none), ``private``
    (what ``weights="private"`` hides, "yes" for all parameters, or "no: why") and ``by_class``: per
    class of ``classes`` that has scores, (class, its scores)."""

    what: str
    classes: tuple[str, ...] = ()
    scores: str = ""
    private: str = "yes"
    by_class: tuple[tuple[str, str], ...] = ()


def coverage() -> list[tuple[str, Coverage]]:
    """The table of what is supported, (frontend name, row) per row: a frontend's ``COVERAGE`` rows, or
    one row of its ``FAMILIES`` and ``PRIVATE``. ``SUPPORTED``, :func:`private_families`' list,
    docs/coverage.md (``python scripts/coverage.py``) and the refusals' hints are derived from it."""
    rows: list[tuple[str, Coverage]] = []
    for f in FRONTENDS:
        impl = f.impl()
        rows += [(f.name, r) for r in getattr(impl, "COVERAGE", (Coverage(impl.FAMILIES, (), "", impl.PRIVATE),))]
    return rows


def supported() -> str:
    """What the converters take (:func:`coverage`'s rows, each frontend's in one clause)."""
    clauses: dict[str, list[str]] = {}
    for name, row in coverage():
        clauses.setdefault(name, []).append(row.what)
    return "supported: " + "; ".join(", ".join(parts) for parts in clauses.values())


PRIVATE_LIMITS = (f"within the local proving limit ({limits.LOCAL_BUDGET:,} constraints) only small ones: the "
                  "private inputs and the "
                  "commitment add ~3,000–4,600 constraints to a transition's ~11,300 (measured, "
                  "benchmarks/results/privacy_costs.md): iris LogisticRegression, SVC(linear), KMeans(3), a depth-3 "
                  "tree and a KNN with k=3 on 8 points (16,174) fit; binary ensembles of 2 stumps, a 2-feature binary "
                  "GaussianNB and an MLP 2-2-1 fit; since inputs are bit-packed an MLP 4-4-3 and 3 AdaBoost stumps "
                  "fit too (tests/test_private_model.py, -m slow); a 4-feature GaussianNB, 3-tree forests and "
                  "boosters and a KNN on 12 points do not, even split into parts (pyleo.split)")
"""What fits one proof here with private weights (measured)."""


def private_families() -> str:
    """The families ``weights="private"`` converts, from every frontend's ``PRIVATE``, and what fits
    (the rows of :func:`coverage` marked "no: why" are named as the exceptions)."""
    refused = [row.what for _, row in coverage() if row.private.startswith("no")]
    return (f"every family{' but ' + ', '.join(refused) if refused else ''}: "
            + "; ".join(f.impl().PRIVATE for f in FRONTENDS) + "; " + PRIVATE_LIMITS)


def scores() -> str:
    """The scores ``response_method=`` converts, per family (:func:`coverage`'s rows that have them)."""
    return "; ".join(f"{row.what}: {row.scores}" for _, row in coverage() if row.scores)
