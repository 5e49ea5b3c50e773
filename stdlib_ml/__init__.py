"""stdlib_ml: ML primitives written in the pyleo DSL, and converters from fitted models.

``from_sklearn`` / ``from_xgboost`` / ``from_lightgbm`` / ``from_catboost`` / ``from_torch`` (see
:mod:`stdlib_ml.convert`) turn a fitted scikit-learn, XGBoost, LightGBM or CatBoost model or a PyTorch network (torch is imported only then) into a readable pyleo model file and a :class:`~stdlib_ml.convert.ZkModel`;
``from_onnx`` / ``from_keras`` / ``from_tensorflow`` / ``from_tflite`` do so for ONNX graphs, Keras 3 models,
TensorFlow SavedModels and TFLite files (imported on first use: importing stdlib_ml imports neither onnx
nor keras nor tensorflow nor torch).
"""

from typing import Any

from .convert import ConversionError, FidelityWarning, ModelInputError, ZkModel, from_catboost, from_lightgbm, from_sklearn, from_torch, from_xgboost, load

__all__ = ["ConversionError", "FidelityWarning", "ModelInputError", "ZkModel", "from_catboost", "from_keras",
           "from_lightgbm", "from_onnx", "from_sklearn", "from_tensorflow", "from_tflite", "from_torch", "from_xgboost",
           "load"]


def __getattr__(name: str) -> Any:
    if name in ("from_onnx", "from_keras", "from_tensorflow", "from_tflite"):
        from . import convert

        return getattr(convert, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
