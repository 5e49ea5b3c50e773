"""Values crossing the boundary: Python objects and Aleo literal text ⇄ canonical values.

Canonical values are what the interpreter computes with: ``int`` for integers (in the type's range)
and field/scalar elements (in ``[0, modulus)``), ``bool``, ``list`` for arrays, ``dict`` for structs,
``tuple`` for several results.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from .errors import InputError
from .types import (
    FIELD_MODULUS,
    SCALAR_MODULUS,
    AddressType,
    ArrayType,
    BoolType,
    FieldType,
    IntType,
    ScalarType,
    Struct,
    StructType,
    TupleType,
    Type,
)


def coerce(value: Any, t: Type, what: str = "value") -> Any:
    """Check a Python value against ``t`` and return its canonical form, or raise InputError.

    Accepts Python and numpy integers, bools, lists / tuples / numpy arrays for arrays,
    dicts or :class:`Struct` instances for structs, and Aleo literal strings (``"5i64"``).
    """
    if isinstance(t, AddressType):
        if isinstance(value, str) and ADDRESS_RE.fullmatch(value):
            return value
        raise InputError(f"{what}: expected an Aleo address (aleo1 and 58 characters), got {value!r}")
    if isinstance(value, str):
        return parse_aleo(value, t, what)
    if isinstance(t, BoolType):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise InputError(f"{what}: expected a bool, got {value!r}")
    if isinstance(t, (IntType, FieldType, ScalarType)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise InputError(f"{what}: expected an integer for {t.aleo()}, got {value!r}")
        v = int(value)
        if isinstance(t, IntType):
            if not t.min <= v <= t.max:
                raise InputError(f"{what}: {v} does not fit {t.aleo()} (range {t.min}..{t.max})")
            return v
        modulus = FIELD_MODULUS if isinstance(t, FieldType) else SCALAR_MODULUS
        if not -modulus < v < modulus:
            raise InputError(f"{what}: {v} is outside the {t.aleo()} modulus")
        return v % modulus
    if isinstance(t, ArrayType):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{what}: expected an array of {t.size} × {t.elem.aleo()}, got {value!r}")
        if len(value) != t.size:
            raise InputError(f"{what}: expected {t.size} elements, got {len(value)}")
        return [coerce(v, t.elem, f"{what}[{i}]") for i, v in enumerate(value)]
    if isinstance(t, StructType):
        if isinstance(value, Struct):
            value = dict(value.__dict__)
        if not isinstance(value, dict):
            raise InputError(f"{what}: expected a {t.name} (a dict or struct instance), got {value!r}")
        names = [n for n, _ in t.fields]
        if sorted(value) != sorted(names):
            raise InputError(f"{what}: {t.name} has the fields {', '.join(names)}, got {', '.join(value)}")
        return {n: coerce(value[n], ft, f"{what}.{n}") for n, ft in t.fields}
    if isinstance(t, TupleType):
        return tuple(coerce(v, it, f"{what}[{i}]") for i, (v, it) in enumerate(zip(value, t.items)))
    raise InputError(f"{what}: cannot take a value of type {t}")


def to_aleo(value: Any, t: Type) -> str:
    """Format a canonical value as an Aleo literal (``-5i64``, ``[1i64, 2i64]``, ``{ x: 1i64 }``)."""
    if isinstance(t, BoolType):
        return "true" if value else "false"
    if isinstance(t, AddressType):
        return str(value)
    if isinstance(t, (IntType, FieldType, ScalarType)):
        return f"{value}{t.aleo()}"
    if isinstance(t, ArrayType):
        return "[" + ", ".join(to_aleo(v, t.elem) for v in value) + "]"
    if isinstance(t, StructType):
        return "{ " + ", ".join(f"{n}: {to_aleo(value[n], ft)}" for n, ft in t.fields) + " }"
    raise TypeError(f"no Aleo literal for {t}")


ADDRESS_RE = re.compile(r"aleo1[02-9ac-hj-np-z]{58}")
"""An Aleo address as text: bech32, the ``aleo`` prefix and 58 characters."""


def signed_fields(value: Any, t: Type) -> Any:
    """A canonical value with every field element in it written as the signed integer it stands for: the
    representative in (-p/2, p/2] (``p - 24`` → ``-24``), as stdlib_ml's field values mean signed integers.
    Arrays stay lists, tuples tuples, structs dicts; other values are returned unchanged."""
    if isinstance(t, FieldType):
        v = int(value)
        return v - FIELD_MODULUS if v > FIELD_MODULUS // 2 else v
    if isinstance(t, ArrayType):
        return [signed_fields(v, t.elem) for v in value]
    if isinstance(t, TupleType):
        return tuple(signed_fields(v, it) for v, it in zip(value, t.items))
    if isinstance(t, StructType):
        return {n: signed_fields(value[n], ft) for n, ft in t.fields}
    return value


MAX_DIGITS = 80
"""Longest number read from text: a field or scalar element has at most 77 decimal digits, a u128 39."""

_TOKEN = re.compile(r"\s*(?:([\[\]{},:])|(-?[0-9][0-9_]*)(field|scalar|[iu](?:8|16|32|64|128))?|(true|false)|([A-Za-z_][A-Za-z0-9_]*))")


def _short(text: str) -> str:
    """``text`` quoted for an error message, shortened past 80 characters."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def parse_aleo(text: str, t: Type, what: str = "value") -> Any:
    """Parse Aleo literal text (or a JSON number / list) into a canonical value of type ``t``."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"{what}: cannot read {_short(text)} as {t} (unexpected {text[pos:pos + 10]!r})")
        punct, number, suffix, boolean, ident = m.groups()
        if punct:
            tokens.append(("p", punct))
        elif number is not None:
            tokens.append(("n", number.replace("_", "") + "|" + (suffix or "")))
        elif boolean:
            tokens.append(("b", boolean))
        else:
            tokens.append(("i", ident))
        pos = m.end()
    if not tokens:
        raise InputError(f"{what}: expected a value of type {t}, got an empty argument")
    it = iter(tokens)
    cur = [next(it)]

    def take() -> tuple[str, str]:
        tok = cur[0]
        cur[0] = next(it, ("end", ""))
        return tok

    def shown(val: str) -> str:
        return repr(val.replace("|", "")) if val else "the end"

    def expect(p: str) -> None:
        kind, val = take()
        if (kind, val) != ("p", p):
            raise InputError(f"{what}: cannot read {_short(text)} as {t}: expected {p!r}, found {shown(val)}")

    def value(ty: Type, path: str) -> Any:
        kind, val = take()
        if isinstance(ty, ArrayType):
            if (kind, val) != ("p", "["):
                example = ", ".join(["1"] * min(ty.size, 4)) + (", ..." if ty.size > 4 else "")
                raise InputError(f"{path}: expected an array {ty}, found {shown(val)}",
                                 hint=f"write an array in brackets, e.g. '[{example}]' (quoted for the shell)")
            items = []
            while cur[0] != ("p", "]"):
                if cur[0][0] == "end":
                    expect("]")
                items.append(value(ty.elem, f"{path}[{len(items)}]"))
                if cur[0] == ("p", ","):
                    take()
            expect("]")
            if len(items) != ty.size:
                raise InputError(f"{path}: expected {ty.size} elements, got {len(items)}")
            return items
        if isinstance(ty, StructType):
            if (kind, val) != ("p", "{"):
                raise InputError(f"{path}: expected a struct {ty.name}, found {shown(val)}")
            out: dict[str, Any] = {}
            while cur[0] != ("p", "}"):
                if cur[0][0] == "end":
                    expect("}")
                _, name = take()
                expect(":")
                ft = ty.field_type(name)
                if ft is None:
                    raise InputError(f"{path}: {ty.name} has no field {name!r}")
                out[name] = value(ft, f"{path}.{name}")
                if cur[0] == ("p", ","):
                    take()
            expect("}")
            return coerce(out, ty, path)
        if isinstance(ty, BoolType):
            if kind != "b":
                raise InputError(f"{path}: expected true or false, found {shown(val)}")
            return val == "true"
        if kind != "n":
            raise InputError(f"{path}: expected a number of type {ty}, found {shown(val)}")
        digits, suffix = val.split("|")
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise InputError(f"{path}: a {len(digits.lstrip('-')):,}-digit number does not fit {ty}")
        if suffix and suffix != ty.aleo():
            raise InputError(f"{path}: {digits}{suffix} has type {suffix}, expected {ty.aleo()}")
        return coerce(int(digits), ty, path)

    result = value(t, what)
    if cur[0][0] != "end":
        raise InputError(f"{what}: unexpected {shown(cur[0][1])} after the value in {_short(text)}")
    return result


def from_json_or_aleo(text: str, t: Type, what: str = "value") -> Any:
    """Read a command-line argument: an Aleo literal, or a JSON number / bool / list / object."""
    try:
        return coerce(json.loads(text), t, what)
    except (ValueError, TypeError, RecursionError):  # not JSON (or nested past Python's limit): Aleo text
        return parse_aleo(text, t, what)

