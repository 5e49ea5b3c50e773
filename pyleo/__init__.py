"""pyleo: ML models as typed Python, compiled to Leo 4 and Aleo instructions, proved on snarkVM.

    import pyleo as pl

    @pl.function
    def score(x: pl.Array[pl.I64, 4], bias: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
        ...

    prog = pl.Program("scorer", [score])
"""

from .dsl import DslFunction
from .errors import (
    CompileError,
    ExecutionError,
    InputError,
    LimitError,
    ParamsError,
    ProofError,
    PyleoError,
    VMError,
)
from .comptime import Mapping
from .program import Program, caller, cast_lossy, commit, function, inline, poseidon2
from .types import (
    FIELD_MODULUS,
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    Address,
    Array,
    Bool,
    Field,
    Private,
    Public,
    Scalar,
    Struct,
)

__all__ = [
    "Address", "Array", "Bool", "Mapping", "caller", "CompileError", "DslFunction", "ExecutionError", "FIELD_MODULUS", "Field", "I8", "I16",
    "I32", "I64", "I128", "InputError", "LimitError", "ParamsError", "Private", "Program", "ProofError",
    "Public", "PyleoError", "Scalar", "Struct", "U8", "U16", "U32", "U64", "U128", "VMError", "cast_lossy",
    "commit", "function", "inline", "poseidon2", "Proof",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``pyleo.Proof`` (:class:`pyleo.vm.Proof`: ``pyleo.Proof.load(path)`` reads a proof file), imported on first
    use so that ``import pyleo`` does not load snarkVM's bridge."""
    if name == "Proof":
        from .vm import Proof

        return Proof
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
