"""The DSL's types.

Users write them as annotations: ``pl.I64``, ``pl.Field``, ``pl.Bool``, ``pl.Array[pl.I64, 4]``
(nest for matrices), ``pl.Public[T]`` for a public parameter or result, and classes deriving from
:class:`Struct` for records. ``pl.Array[T, "N"]`` in an ``@pl.inline`` helper leaves the size
generic; each call site binds it and the helper is specialized per size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

FIELD_MODULUS = 8444461749428370424248824938781546531375899335154063827935233455917409239041
"""The order of snarkVM's base field (BLS12-377 scalar field)."""

SCALAR_MODULUS = 2111115437357092606062206234695386632838870926408408195193685246394721360383
"""The order of snarkVM's scalar field."""


class Type:
    """Base class of DSL types. Instances are immutable and compare by value."""

    def aleo(self) -> str:
        """The type as Aleo instructions spell it (``i64``, ``[i64; 4u32]``)."""
        raise NotImplementedError

    def leo(self) -> str:
        """The type as Leo 4 spells it (``i64``, ``[i64; 4]``)."""
        return self.aleo()

    def __str__(self) -> str:
        return self.leo()


@dataclass(frozen=True, eq=True)
class IntType(Type):
    """A fixed-width integer: ``u8 … u128`` (``signed=False``) or ``i8 … i128``."""

    bits: int
    signed: bool

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def aleo(self) -> str:
        return f"{'i' if self.signed else 'u'}{self.bits}"

    def __call__(self, value: Any) -> Any:
        raise TypeError(f"pl.{self.aleo().upper()}(...) is a cast inside a pyleo function, not a Python call")


@dataclass(frozen=True)
class FieldType(Type):
    """An element of snarkVM's base field (integers mod :data:`FIELD_MODULUS`)."""

    def aleo(self) -> str:
        return "field"


@dataclass(frozen=True)
class ScalarType(Type):
    """An element of the scalar field; used as the randomness of commitments."""

    def aleo(self) -> str:
        return "scalar"


@dataclass(frozen=True)
class BoolType(Type):
    """``true`` or ``false``."""

    def aleo(self) -> str:
        return "boolean"

    def leo(self) -> str:
        return "bool"


@dataclass(frozen=True)
class AddressType(Type):
    """An Aleo account address (``aleo1…``); in a pyleo function only as ``pl.caller``, a mapping key."""

    def aleo(self) -> str:
        return "address"


@dataclass(frozen=True)
class FutureType(Type):
    """The ``Final`` an entry point with on-chain writes returns last (Aleo: ``PROGRAM.aleo/FUNCTION.future``)."""

    program: str
    function: str

    def aleo(self) -> str:
        return f"{self.program}.aleo/{self.function}.future"

    def leo(self) -> str:
        return "Final"


@dataclass(frozen=True)
class ArrayType(Type):
    """A fixed-size array; ``size`` is a string only in a generic helper before specialization."""

    elem: Type
    size: int | str

    def aleo(self) -> str:
        return f"[{self.elem.aleo()}; {self.size}u32]"

    def leo(self) -> str:
        return f"[{self.elem.leo()}; {self.size}]"


@dataclass(frozen=True)
class StructType(Type):
    """A record type declared by a class deriving from :class:`Struct`."""

    name: str
    fields: tuple[tuple[str, Type], ...]

    def aleo(self) -> str:
        return self.name

    def field_type(self, name: str) -> Type | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class TupleType(Type):
    """Several results of one function."""

    items: tuple[Type, ...]

    def aleo(self) -> str:
        return "(" + ", ".join(t.aleo() for t in self.items) + ")"

    def leo(self) -> str:
        return "(" + ", ".join(t.leo() for t in self.items) + ")"


@dataclass(frozen=True)
class Visible:
    """A parameter or result type with its visibility (private unless ``pl.Public[T]``)."""

    type: Type
    public: bool


class _ArrayFactory:
    """``pl.Array[T, N]``: an array of ``N`` elements of type ``T``."""

    def __getitem__(self, key: tuple[Any, int | str]) -> ArrayType:
        if not isinstance(key, tuple) or len(key) != 2:
            raise TypeError("write pl.Array[T, N]: an element type and a size")
        elem, size = key
        return ArrayType(as_type(elem), size)


class _PublicFactory:
    """``pl.Public[T]``: a parameter or result visible on chain."""

    def __getitem__(self, t: Any) -> Visible:
        return Visible(as_type(t), True)


class _PrivateFactory:
    """``pl.Private[T]``: the default visibility, spelled out."""

    def __getitem__(self, t: Any) -> Visible:
        return Visible(as_type(t), False)


class Struct:
    """Base class of user structs: ``class Point(pl.Struct): x: pl.I64; y: pl.I64``.

    Instances are plain records for passing inputs and reading results in Python:
    ``Point(x=1, y=2)``.
    """

    __pyleo_type__: ClassVar[StructType]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = tuple((name, as_type(t)) for name, t in cls.__annotations__.items())
        cls.__pyleo_type__ = StructType(cls.__name__, fields)

    def __init__(self, **values: Any) -> None:
        names = [n for n, _ in self.__pyleo_type__.fields]
        if sorted(values) != sorted(names):
            raise TypeError(f"{type(self).__name__} takes the fields {', '.join(names)}")
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={self.__dict__[n]!r}" for n, _ in self.__pyleo_type__.fields)
        return f"{type(self).__name__}({inner})"


def as_type(t: Any) -> Type:
    """Turn an annotation object (``pl.I64``, a Struct subclass) into a :class:`Type`."""
    if isinstance(t, Type):
        return t
    if isinstance(t, type) and issubclass(t, Struct) and t is not Struct:
        return t.__pyleo_type__
    raise TypeError(f"{t!r} is not a pyleo type")


U8, U16, U32, U64, U128 = (IntType(b, False) for b in (8, 16, 32, 64, 128))
I8, I16, I32, I64, I128 = (IntType(b, True) for b in (8, 16, 32, 64, 128))
Field = FieldType()
Scalar = ScalarType()
Bool = BoolType()
Address = AddressType()
Array = _ArrayFactory()
Public = _PublicFactory()
Private = _PrivateFactory()

INT_TYPES = {t.aleo(): t for t in (U8, U16, U32, U64, U128, I8, I16, I32, I64, I128)}
BASE_TYPES: dict[str, Type] = {**INT_TYPES, "field": Field, "scalar": Scalar, "boolean": Bool}
