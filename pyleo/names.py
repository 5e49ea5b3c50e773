"""Identifiers: the words Leo and Aleo reserve, and which user names can appear in their programs."""

from __future__ import annotations

import re

from .limits import MAX_IDENTIFIER_LENGTH

LEO_KEYWORDS = frozenset("""
    true false none address bool field group scalar signature string record dyn identifier
    i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 if else for in return let const constant final Final view
    fn Fn struct constructor interface program import mapping storage network aleo script block
    public private export as self Self assert assert_eq assert_neq
""".split())
"""Leo 4.3's keywords (``crates/parser-rowan/src/lexer.rs``); none may name anything."""

ALEO_KEYWORDS = frozenset("""
    const constant public private address boolean field group i8 i16 i32 i64 i128 u8 u16 u32 u64 u128
    scalar signature string true false input output as into record owner transition import function
    struct closure program aleo self storage mapping key value async finalize global block return break
    assert continue let if else while for switch case default match enum union trait impl type future
""".split())
"""snarkVM's ``Program::KEYWORDS``: Leo rejects them as struct, member and function names."""

ALEO_OPCODES = frozenset("""
    abs add and div double gt gte inv lt lte mod mul nand neg nor not or pow rem shl shr sqrt square
    sub ternary xor call cast async await contains get position remove set
""".split())
"""snarkVM opcodes without a dot: snarkVM rejects them as struct and function names."""

LEO_INTRINSICS = frozenset("""
    BHP256 BHP512 BHP768 BHP1024 Pedersen64 Pedersen128 Poseidon2 Poseidon4 Poseidon8 Keccak256
    Keccak384 Keccak512 SHA3_256 SHA3_384 SHA3_512 ChaCha Serialize Deserialize Mapping Vector Future
    Program Optional
""".split())
"""Names of Leo's built-in modules (``Poseidon2::hash_to_field``): kept free for them."""

MAX_IDENT = MAX_IDENTIFIER_LENGTH
_LEGAL = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

LOCAL_RESERVED = LEO_KEYWORDS
MEMBER_RESERVED = LEO_KEYWORDS | ALEO_KEYWORDS
ITEM_RESERVED = LEO_KEYWORDS | ALEO_KEYWORDS | ALEO_OPCODES | LEO_INTRINSICS


def is_identifier(text: object) -> bool:
    """Whether ``text`` is an Aleo identifier (``[A-Za-z][A-Za-z0-9_]*``): what every program and function name
    in a file a verifier reads must be (anything else, a control character or a line break included, is refused
    before it can reach a message)."""
    return isinstance(text, str) and _LEGAL.fullmatch(text) is not None


def is_legal(name: str, reserved: frozenset[str]) -> bool:
    """Whether ``name`` can be used as is in Leo where ``reserved`` words are not allowed."""
    return (bool(_LEGAL.fullmatch(name)) and "__" not in name and len(name) <= MAX_IDENT
            and name not in reserved)


def legalize(name: str, reserved: frozenset[str]) -> str:
    """The closest legal Leo identifier: ``field`` → ``field_``, ``_x`` → ``v_x``, ``a__b`` → ``a_b``."""
    s = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", name))
    if not s or not ("a" <= s[0].lower() <= "z"):
        s = "v" + s if s.startswith("_") else "v_" + s
    s = s[:MAX_IDENT]
    if s in reserved:
        s = s[:MAX_IDENT - 1].rstrip("_") + "_"
    return s


_PROGRAM_NAME = re.compile(r"[a-z][a-z0-9_]*")
PROGRAM_RESERVED = ALEO_KEYWORDS | {"identifier"}
"""Words snarkVM refuses as a program's name (measured over every reserved word listed here)."""


def program_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a program (``NAME.aleo``, and its Leo project), or None when it can:
    lowercase letters, digits and ``_`` starting with a letter, at most :data:`MAX_IDENT` characters,
    and no word snarkVM reserves (measured: it refuses ``program.aleo``, ``record.aleo``, ``u8.aleo``, ``let.aleo``…,
    exactly the Aleo keywords and ``identifier``; it takes Leo-only words such as ``network``)."""
    if not isinstance(name, str) or not _PROGRAM_NAME.fullmatch(name):
        return "use lowercase letters, digits and `_`, starting with a letter (e.g. `iris_mlp_model`)"
    if len(name) > MAX_IDENT:
        return f"at most {MAX_IDENT} characters (snarkVM's identifier limit), got {len(name)}"
    if name in PROGRAM_RESERVED:
        return f"`{name}` is a word snarkVM reserves; pick another name (e.g. `{name}_model`)"
    return None


def program_name_from(stem: str, suffix: str = "") -> str | None:
    """A program name made from a file's name (``"Cancer LR-2"`` → ``"cancer_lr_2"``), with ``suffix`` appended
    (``"_3f2a"``, to keep it unique); None when nothing valid is left (:func:`program_name_problem`)."""
    base = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", stem.lower())).strip("_")
    base = re.sub(r"^[0-9_]+", "", base)[: MAX_IDENT - len(suffix)].rstrip("_")
    name = base + suffix
    return name if base and program_name_problem(name) is None else None

