"""stdlib_ml: ML primitives written in the pyleo DSL, and converters from fitted models.

``from_sklearn`` / ``from_xgboost`` / ``from_torch`` (see :mod:`stdlib_ml.convert`) turn a fitted
scikit-learn or XGBoost model or a PyTorch network (torch is imported only then) into a readable pyleo model file and a :class:`~stdlib_ml.convert.ZkModel`.
"""

from .convert import ConversionError, FidelityWarning, ModelInputError, ZkModel, from_sklearn, from_torch, from_xgboost, load

__all__ = ["ConversionError", "FidelityWarning", "ModelInputError", "ZkModel", "from_sklearn", "from_torch", "from_xgboost", "load"]
