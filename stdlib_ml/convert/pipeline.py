"""The one sequence every conversion follows, whatever the framework: options (checked, with the
calibration rows, :func:`~stdlib_ml.convert.options.make_options`) → the frontend's description of the
model (a :class:`~stdlib_ml.convert.render.Spec` and the float model) → who sees what
(:class:`~stdlib_ml.convert.options.Visibility`) → the model file, checked against the float model on
the calibration rows (:func:`~stdlib_ml.convert.fidelity.finish`). Imports no ML framework."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import frontends
from .fidelity import CHECK_ROWS, Fidelity, finish
from .model import ConversionError, ZkModel
from .options import Options, Visibility, make_options
from .render import Spec


@dataclass
class Description:
    """What a frontend says of a model: its ``spec`` (before visibility is applied), the ``float_model``
    the circuit is checked against (``predict(X)`` on rows flattened as the circuit takes them), and
    ``what``: the source model's class name, for messages."""

    spec: Spec
    float_model: Any
    what: str
    rows: Any = None   # raw calibration rows the self-check runs (the model has PREPARE); None: the options' X


Describe = Callable[[Options], Description]
"""A frontend's description of one model, given the checked options."""


def described(spec: Callable[[Options], Spec], float_model: Any, what: str) -> Describe:
    """The :data:`Describe` of a frontend whose spec needs only the options (``float_model`` and ``what``
    as :class:`Description`'s)."""
    return lambda opts: Description(spec(opts), float_model, what)


def describe(description: Describe, X: Any = None, *, n_features: int | None = None, input_range: Any = None,
             input_bits: Any = None, name: str | None = None, missing_values: bool | None = None,
             weights: str = "public", inputs: str = "private", output: str = "public",
             response_method: str | None = None, threshold: float | None = None,
             sample_shape: tuple[int, ...] | None = None) -> tuple[Description, Options]:
    """Check the options (visibility first, then ``X`` against ``n_features`` when known and, for a network,
    its input's ``sample_shape``, the range, the name, the response and threshold), describe the model, apply the
    visibility. Returns the description and the options (whose
    ``X`` holds the calibration rows flattened, or None). Raises :class:`ConversionError` and
    :class:`ModelInputError`."""
    visibility = Visibility(weights, inputs, output)
    opts = make_options(X, input_range, input_bits, name, n_features, missing_values, weights, response_method,
                        threshold, sample_shape)
    d = description(opts)
    if d.spec.response != opts.response or d.spec.threshold != opts.threshold:
        raise ConversionError(f"{d.what} does not output {opts.response}"
                              + (" with a threshold" if opts.threshold is not None else "") + " in a circuit",
                              hint="response_method='predict' (labels or values) converts it; scores convert for "
                              + frontends.scores())
    d.spec = visibility.apply(d.spec, d.what)
    return d, opts


def convert(description: Describe, X: Any = None, *, min_agreement: float = 1.0, max_error: float = 1e-3,
            strict: bool = True, check_rows: int | None = CHECK_ROWS, **options: Any) -> ZkModel:
    """:func:`describe`, then the model file checked against the float model on ``X``: the bar is
    ``min_agreement`` / ``max_error`` / ``strict`` / ``check_rows`` (None: every row), see
    :func:`~stdlib_ml.convert.fidelity.check_fidelity`. ``options``: :func:`describe`'s."""
    bar = Fidelity(min_agreement, max_error, strict, check_rows)
    d, opts = describe(description, X, **options)
    return finish(d.spec, d.float_model, opts.X, bar, d.what, d.rows)
