"""Errors raised by pyleo.

Every error derives from :class:`PyleoError`. Errors that point into a user's model carry the file,
line and column and print like a compiler diagnostic::

    model.py:12:8: error: `while` loops are not supported
        while x > 0:
        ^
    hint: use `for i in range(N)` with a constant N

The CLI prints ``str(error)`` and exits non-zero; it never shows a Python traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in a user's source file (1-based line and column)."""

    file: str
    line: int
    col: int
    source_line: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class PyleoError(Exception):
    """Base class of every error pyleo raises on purpose."""

    kind = "error"

    def __init__(self, message: str, loc: Location | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.hint = hint

    def __str__(self) -> str:
        head = f"{self.loc}: {self.kind}: {self.message}" if self.loc else f"{self.kind}: {self.message}"
        lines = [head]
        if self.loc and self.loc.source_line:
            text = self.loc.source_line.rstrip("\n")
            lines.append(f"    {text}")
            lines.append("    " + " " * max(self.loc.col - 1, 0) + "^")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class CompileError(PyleoError):
    """The model is outside the DSL: unsupported syntax, a type error, an undefined name."""


class LimitError(CompileError):
    """The model does not fit one of snarkVM's limits (inputs, array length, constraints, ...)."""


class ExecutionError(PyleoError):
    """The program halts on these inputs (overflow, division by zero, failed assert, ...).

    Raised alike by the reference interpreter and by snarkVM's circuit execution.
    """

    kind = "halt"


class InputError(PyleoError):
    """An input value is malformed or does not fit the declared type."""


class VMError(PyleoError):
    """snarkVM rejected a program or failed for a reason other than a halt."""


class ParamsError(PyleoError):
    """snarkVM's universal parameters are missing or corrupted."""


class ProofError(PyleoError):
    """A proof file is malformed, or its proof does not verify."""
