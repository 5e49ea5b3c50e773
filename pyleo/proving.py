"""The one decision of how a function is proved: whole (one circuit) or split into parts.

``pyleo prove``, :meth:`pyleo.Program.prove_fitting` and ``ZkModel.prove`` all call :func:`prove`.
(How many rows one proof of a converted model holds is the batch's own choice, ``prove-batch -k``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import split
from .errors import InputError, LimitError
from .limits import MAX_CONSTRAINTS_LOCAL

if TYPE_CHECKING:   # annotations only: pyleo.program imports this module
    from .program import Program


def mode(split: bool | None = None, parts: int | None = None, budget: int | None = None,
         block_height: int | None = None) -> str:
    """How :func:`prove` proves under these options: ``"whole"`` (one circuit: ``split=False``, or a
    ``block_height``), ``"split"`` (``split=True``, or ``parts`` / ``budget`` given) or ``"fitting"`` (None:
    whole when the cost model says it fits here, split otherwise). InputError when they contradict."""
    if split is False and (parts is not None or budget is not None):
        raise InputError("parts and a budget split the function; they contradict --no-split (split=False)")
    asked = bool(split) or parts is not None or budget is not None
    if block_height is not None and asked:
        raise InputError("proving under a block height's rules (--for-browser) proves one circuit; it does not "
                         "combine with a split proof")
    return "whole" if split is False or block_height is not None else "split" if asked else "fitting"


def prove(program: Program, function: str, args: list[Any], *, split: bool | None = None, parts: int | None = None,
          budget: int | None = None, block_height: int | None = None) -> Any:
    """Prove ``function`` of ``program`` on ``args`` (values as :meth:`pyleo.Program.run` takes them).

    ``split``: True splits into parts of at most ``budget`` constraints (default the local 16,384), or
    into exactly ``parts`` parts (either implies True); False proves one circuit; None (default) proves
    whole when the cost model says it fits here (trying whole first near the limit) and split into the
    fewest parts that fit otherwise (:func:`mode`). ``block_height`` (one circuit only): prove under
    that height's consensus rules (``pyleo prove --for-browser``). Returns a :class:`pyleo.vm.Proof`
    or a :class:`pyleo.split.SplitProof`. Raises InputError for contradicting options, LimitError when
    nothing fits (naming the function's size), and what proving raises.
    """
    how = mode(split, parts, budget, block_height)
    if how == "whole":
        return program.prove(function, *args, block_height=block_height)
    if how == "split":
        return program.prove_split(function, *args, budget=budget, parts=parts)
    if program.fits_here(function):
        try:
            return program.prove(function, *args)
        except LimitError:
            pass
    try:
        return program.prove_split(function, *args)
    except LimitError as e:
        need = program.estimate(function, synthesize_transition=False).total
        raise LimitError(f"the circuit of `{function}` is too large for one circuit here (cost model: {need:,} "
                         f"constraints; the installed degree-16 parameters prove {MAX_CONSTRAINTS_LOCAL:,}), and "
                         f"it cannot be split either: {e.message}", e.loc, e.hint) from None


def size(program: Program, function: str, exact: bool = True) -> tuple[int, str]:
    """The constraints of ``function``'s circuit and where the number comes from: ``"snarkVM"`` (exact,
    synthesized) when ``exact`` and the circuit fits the installed parameters, else ``"cost model"``
    (pyleo's estimate, calibrated against snarkVM)."""
    if exact:
        try:
            return program.cost(function), "snarkVM"
        except LimitError:
            pass
    return program.estimate(function).total, "cost model"


def split_plans(program: Program, function: str) -> list[tuple[str, int, Any]]:
    """How ``function`` would be split to fit here and to fit mainnet: ``(label, budget, plan)`` for each,
    the plan a :class:`pyleo.split.Plan`, or the LimitError saying why no split fits."""
    found: list[tuple[str, int, Any]] = []
    for label, budget in (("here", split.LOCAL_BUDGET), ("mainnet", split.MAINNET_BUDGET)):
        try:
            found.append((label, budget, split.plan(program.code, function, budget)))
        except LimitError as e:
            found.append((label, budget, e))
    return found
