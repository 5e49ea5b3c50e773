"""Factories of DSL helpers (``relu(bits)``, ``argmax(bits)``) that also run on values from Python.

A factory takes the width of its sign test (``bits``) and returns an ``@pl.inline`` helper. Called
from Python with values instead (a list, tuple or numpy array), it runs its default-width helper on
them in the reference interpreter: ``reduce.argmax([3, 9, 1])`` is 1, ``activations.relu([-2, 5])``
is ``[0, 5]``; the width stays an option (``reduce.argmax([3, 9, 1], bits=32)``).
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable

import numpy as np

from pyleo import DslFunction


def runs_on_values(elementwise: Callable[..., DslFunction] | None = None
                   ) -> Callable[[Callable[..., DslFunction]], Callable[..., Any]]:
    """Decorator for a factory whose parameters are options (``bits``): called with values as the first
    argument, it builds the helper from the keyword options (defaults otherwise) and applies it to the
    values; ``elementwise`` names the factory to use for values when the helper itself takes a scalar."""

    def wrap(factory: Callable[..., DslFunction]) -> Callable[..., Any]:
        @wraps(factory)
        def either(*args: Any, **options: Any) -> Any:
            if args and isinstance(args[0], (list, tuple, np.ndarray)):
                return (elementwise or factory)(**options)(*args)
            return factory(*args, **options)

        return either

    return wrap
