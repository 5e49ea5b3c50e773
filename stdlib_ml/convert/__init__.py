"""Fitted scikit-learn / XGBoost models, PyTorch networks, ONNX graphs, Keras models and TensorFlow
SavedModels / TFLite files → pyleo programs (DSL source you can read, edit and prove).

Modules. Frontends, one per source framework, listed in the registry :mod:`.frontends` (name, file
suffixes, how an object is recognised, how a file is loaded; :mod:`.api`'s :func:`from_file` only looks
them up): :mod:`.sklearn`, :mod:`.xgboost`, :mod:`.torch`, :mod:`.onnx`, :mod:`.keras`,
:mod:`.tensorflow`, :mod:`.tflite` (the last four imported on first use of ``from_onnx`` /
``from_keras`` / ``from_tensorflow`` / ``from_tflite``; each imports its framework only when it
converts). Each describes a model and hands it to the one sequence :mod:`.pipeline` (options →
description → visibility → self-check). The framework-neutral parts, which import no ML framework and
no frontend: :mod:`.options` (the options and the one check of calibration rows), :mod:`.quantize`,
:mod:`.linear`, :mod:`.tree_ensembles`, :mod:`.nn` (networks: :mod:`.nn.network` builds,
:mod:`.nn.lowering` lowers and quantizes, :mod:`.nn.rendering` renders), :mod:`.packing` (the one
word-width chooser), :mod:`.render` (DSL source), :mod:`.fidelity` (the self-check), :mod:`.model`
(the result, :func:`load`), :mod:`.quiet` (silencing third-party output).

    from stdlib_ml import from_sklearn
    zk = from_sklearn(clf, X_train)        # X_train (optional): the input range, and the self-check
    zk.fidelity                            # agreement with clf.predict on X_train (None without X)
    zk.predict(X_test)                     # circuit semantics (reference interpreter)
    zk.predict(X_test[:5], backend="vm")   # snarkVM's circuit execution
    proof = zk.prove(X_test[0]); zk.verify(proof)
    zk.save("model.py")                    # the very source that was compiled; `pyleo build model.py`
    zk = from_torch(net.eval(), X_train)   # a PyTorch network (or ExportedProgram, .pt2): the same ZkModel

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
  too) quantizes them, ``q = round(x[COLUMNS]·2**IN_BITS[j])`` (one scale per input), and sends each
  as a code ``q - INPUT_ZERO[j]`` of ``INPUT_WIDTHS[j]`` bits, all bit-packed into ``INPUT_WORD_BITS``-bit
  words (``fixed.pack``; 1 constraint per input to decode, ``linalg.unpacker``): the transition
  charges per input element and bit, and a feature needs only its range's bits. Each input must lie in ``[INPUT_LOW,
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

from typing import Any

from .api import from_file, load_model_file
from .fidelity import CHECK_ROWS, Fidelity, FidelityWarning, check_fidelity, float_predict
from .model import (
    BACKENDS,
    MODEL_FILE_MARK,
    ConversionError,
    ModelInputError,
    ZkModel,
    is_model_file,
    load,
    parse_sample,
)
from .nn import FitWarning, Network
from .options import INPUT_MODES, OUTPUT_MODES, WEIGHT_MODES, calibration_rows, csv_header, load_rows
from .quantize import (
    DEFAULT_INPUT_BOUND,
    INPUT_RESOLUTION,
    LEAF_BITS,
    MAX_LABELS,
    MLP_RESOLUTION,
    TREE_MIN_BITS,
    TREE_SPREAD_BITS,
    WEIGHT_RESOLUTION,
)
from .render import Spec, format_value, render
from .sklearn import build_spec, from_sklearn
from .torch import from_torch
from .xgboost import from_xgboost, load_xgboost_file
from .lightgbm import from_lightgbm
from .catboost import from_catboost

_LAZY = {"from_onnx": ".onnx", "from_keras": ".keras", "from_tensorflow": ".tensorflow", "from_tflite": ".tflite"}
"""Entry points whose modules are imported on first use (they need the optional onnx / keras / tensorflow
packages)."""


def __getattr__(name: str) -> Any:
    """The lazy entry points, and the texts derived from the frontends' registry: ``SUPPORTED`` (what
    converts) and ``PRIVATE_FAMILIES`` (what converts with ``weights="private"``, and what fits)."""
    from . import frontends

    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    if name == "SUPPORTED":
        return frontends.supported()
    if name == "PRIVATE_FAMILIES":
        return frontends.private_families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BACKENDS", "CHECK_ROWS", "INPUT_MODES", "OUTPUT_MODES", "DEFAULT_INPUT_BOUND", "INPUT_RESOLUTION", "LEAF_BITS", "MAX_LABELS", "MLP_RESOLUTION",
    "MODEL_FILE_MARK", "PRIVATE_FAMILIES", "SUPPORTED", "WEIGHT_MODES", "TREE_MIN_BITS", "TREE_SPREAD_BITS", "WEIGHT_RESOLUTION", "ConversionError",
    "Fidelity", "FidelityWarning", "FitWarning", "ModelInputError", "Network", "Spec", "ZkModel", "build_spec", "calibration_rows", "check_fidelity",
    "float_predict", "format_value", "from_catboost", "from_file", "from_keras", "from_lightgbm", "from_onnx",
    "from_sklearn", "from_tensorflow", "from_tflite", "from_torch", "from_xgboost", "is_model_file",
    "csv_header", "load", "load_model_file", "load_rows", "load_xgboost_file", "parse_sample", "render",
]
