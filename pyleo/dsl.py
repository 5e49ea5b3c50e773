"""The user-facing pyleo function: what ``@pl.function`` and ``@pl.inline`` return (:class:`DslFunction`).

Calling one runs the reference interpreter (:mod:`pyleo.interp`) on Python values; the checker
(:mod:`pyleo.check`) knows it only as the :class:`pyleo.comptime.SourceFunction` it is, so checking
does not depend on the interpreter.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .check import Context
from .comptime import SourceFunction, bind_sizes
from .errors import CompileError, InputError
from .interp import run_function
from . import ir
from .types import Visible, as_type
from .values import signed_fields


class DslFunction(SourceFunction):
    """A Python function decorated with ``@pl.function`` (entry point) or ``@pl.inline`` (helper).

    Calling it runs the reference interpreter on the arguments.
    """

    def __init__(self, fn: Callable[..., Any], entry: bool) -> None:
        super().__init__(fn, entry)
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self.__wrapped__ = fn
        self._compiled: dict[tuple[tuple[str, int], ...], ir.Function] = {}   # by the generic sizes bound

    def __call__(self, *args: Any) -> Any:
        """Run the reference interpreter on ``args`` (Python / numpy values, as :meth:`Program.run` takes).

        A helper with generic sizes (``pl.Array[pl.Field, "N"]``) is specialized to the sizes of the
        arguments, as a call inside a pyleo function would be. Raises InputError for arguments that do
        not fit, CompileError when the function does not compile, ExecutionError when it halts.

        Field results come back as the signed integers they stand for (``linalg.dot([1, -2, 3], [4, 5, -6])``
        is ``-24``, not ``p - 24``: :func:`pyleo.values.signed_fields`); integers, booleans and scalars as
        they are. :meth:`pyleo.Program.run` returns canonical values (field elements in ``[0, p)``).
        """
        sizes = {} if self.entry else self.sizes_of(args)
        key = tuple(sorted(sizes.items()))
        if key not in self._compiled:
            self._compiled[key] = Context().check_function(self, sizes, entry=self.entry)
        fn = self._compiled[key]
        result = run_function(fn, list(args))
        return result if fn.return_type is None else signed_fields(result, fn.return_type)

    def sizes_of(self, args: tuple[Any, ...]) -> dict[str, int]:
        """The generic sizes (``"N"`` → 3) that ``args`` bind, from the lengths of (nested) lists and arrays."""
        params = self.syntax.params
        if len(args) != len(params):
            raise InputError(f"`{self.name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                             f"got {len(args)}")
        checker = Context().checker(self, {}, entry=False)
        sizes: dict[str, int] = {}
        for p, a in zip(params, args):
            if p.annotation is None:
                continue
            obj = checker.annotation(p.annotation)
            shape: list[int] = []
            while isinstance(a, (list, tuple, np.ndarray)):
                shape.append(len(a))
                if not len(a):
                    break
                a = a[0]
            try:
                bind_sizes(as_type(obj.type if isinstance(obj, Visible) else obj), shape, sizes, p, self.name)
            except CompileError as e:
                raise InputError(f"argument `{p.name}`: {e.message}") from None
        return sizes

    def __repr__(self) -> str:
        return f"<pyleo {'function' if self.entry else 'inline'} {self.name}>"
