"""The entry points that only look up: :func:`from_file` (a model file → its frontend, by suffix and by
the object read) and :func:`load_model_file`. The frontends' own entry points (``from_sklearn``,
``from_xgboost``, ``from_torch``, ``from_onnx``, ``from_keras``) live in their modules, listed in the
registry :mod:`.frontends`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import frontends
from .model import ConversionError, ZkModel


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """A fitted model from a joblib / pickle file (scikit-learn, XGBoost wrappers) or an XGBoost JSON
    / UBJSON file (its frontend's ``load``). Unpickling runs code from the file: load only files you
    trust. Raises :class:`~stdlib_ml.convert.ModelInputError` for a missing or damaged file."""
    return frontends.for_path(path).load(path)


def from_file(path: str | os.PathLike[str], X: Any = None, **options: Any) -> ZkModel:
    """Convert a model file (joblib / pickle, XGBoost JSON / UBJSON, a PyTorch ``.pt2`` from
    ``torch.export.save``, ONNX ``.onnx``, Keras ``.keras`` / ``.h5``, a TensorFlow SavedModel directory or
    a ``.tflite`` file) to a :class:`ZkModel`; ``options`` as
    :func:`~stdlib_ml.from_sklearn`'s (for networks: :func:`~stdlib_ml.convert.torch.from_torch`'s, whose
    ``resolution`` only networks take; a network has no missing values: ``missing_values=True`` is
    refused). ``resolution=None`` is the default of any model. Raises :class:`ConversionError` for an
    option the file's frontend does not take (naming the ones it does) and
    :class:`~stdlib_ml.convert.ModelInputError` for a missing or damaged file."""
    frontend = frontends.for_path(path)
    if options.get("resolution", 0) is None:
        del options["resolution"]
    model = frontend.load(path)
    frontend = frontends.for_object(model) or frontend   # a pickle may hold an XGBoost wrapper
    if "missing_values" not in frontend.options and options.pop("missing_values", None):
        raise ConversionError(f"a {frontend.name} network has no missing-value semantics (NaN propagates through "
                              "it): missing_values=True cannot be honoured", hint="impute missing values first")
    if "resolution" in options and "resolution" not in frontend.options:
        raise ConversionError(f"resolution applies to neural networks (.pt2, .onnx, .keras, .h5, SavedModel, .tflite) "
                              f"only; {Path(path).name} "
                              f"is a {frontend.name} model")
    return frontend.convert(model, X, **options)
