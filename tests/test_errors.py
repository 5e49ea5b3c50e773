"""Bad input gets a clear error at the user's file:line:col, never a traceback.

Each model in tests/models/bad.py carries a marker comment `# E:key` on the line the error must
point at; the test finds that line in the file itself, so no line number is hard-coded here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pyleo as pl
from tests.models import bad

BAD_FILE = Path(bad.__file__)
LINES = BAD_FILE.read_text().splitlines()


def marker_line(key: str) -> int:
    for i, line in enumerate(LINES, start=1):
        if re.search(rf"# E:{key}\b", line):
            return i
    raise AssertionError(f"no marker {key}")


# (function, marker, text the caret points at (None: start of the statement), message fragment, error class)
CASES = [
    ("uses_while", "while", "while", "`while` loops are not supported", pl.CompileError),
    ("unbounded_loop", "unbounded", "n)", "loop bounds must be known at compile time", pl.CompileError),
    ("uses_lambda", "lambda", "lambda", "`lambda` is not supported", pl.CompileError),
    ("calls_recursive", "recursion", "recurse(", "recursion is not supported", pl.CompileError),
    ("undefined_name", "undefined", "y ", "`y` is not defined", pl.CompileError),
    ("mixed_types", "mixed", "y ", "expected a value of type i64, found u8", pl.CompileError),
    ("float_constant", "float", "1.5", "not an integer", pl.CompileError),
    ("float_global", "floatglobal", "FLOATS", "float constant 0.5 cannot be used", pl.CompileError),
    ("constant_too_big", "toobig", "300", "the constant 300 does not fit u8", pl.CompileError),
    ("missing_return", "missingreturn", "if", "does not return a value on every path", pl.CompileError),
    ("size_mismatch", "size", "x)", "expected a value of type [i64; 4], found [i64; 3]", pl.CompileError),
    ("index_out_of_range", "index", "3]", "index 3 is out of range for [i64; 3]", pl.CompileError),
    ("negate_unsigned", "negunsigned", "-x", "cannot negate an unsigned u64", pl.CompileError),
    ("floor_division", "floordiv", "x //", "`//` floors in Python", pl.CompileError),
    ("too_many_inputs", "inputs", "def", "has 17 inputs; snarkVM allows at most 16 (1 too many)", pl.LimitError),
    ("array_too_long", "arraylen", "def", "2049 elements; snarkVM allows at most 2048 per dimension", pl.LimitError),
    ("comprehension_with_if", "compif", "[x[i]", "`if` inside a list comprehension is not supported", pl.CompileError),
    ("uses_try", "try", "try", "`try` is not supported", pl.CompileError),
    ("bool_arithmetic", "boolarith", "x + x", "`+` applies to integers and fields, not bool", pl.CompileError),
    ("wrong_return_type", "returntype", "x ", "expected a value of type bool, found i64", pl.CompileError),
    ("unannotated", "unannotated", "x)", "parameter `x` needs a type annotation", pl.CompileError),
    ("return_in_loop", "loopreturn", "for", "`return` inside a loop is not supported", pl.CompileError),
    ("unreachable", "unreachable", "x =", "unreachable code after `return`", pl.CompileError),
    ("untyped_local", "untyped", "w =", "cannot infer the type of `w`", pl.CompileError),
    ("calls_python", "pythoncall", "print", "`print` cannot be called in a pyleo function", pl.CompileError),
]


@pytest.mark.parametrize("fn_name, key, at, message, cls", CASES, ids=[c[0] for c in CASES])
def test_compile_error_points_at_the_users_line(fn_name: str, key: str, at: str, message: str, cls: type) -> None:
    prog = pl.Program("bad", [getattr(bad, fn_name)])
    with pytest.raises(cls) as info:
        prog.aleo()
    err = info.value
    line = marker_line(key)
    assert err.loc is not None
    assert err.loc.file == str(BAD_FILE)
    assert err.loc.line == line
    assert err.loc.col == LINES[line - 1].index(at) + 1
    text = str(err)
    assert message in text
    assert text.startswith(f"{BAD_FILE}:{line}:{err.loc.col}: error: ")
    # the source line and a caret under the column
    src, caret = text.splitlines()[1:3]
    assert src.strip() == LINES[line - 1].strip()
    assert caret.index("^") == src.index(at)


def test_runtime_halt_names_the_operation_and_line() -> None:
    import examples.scorer as scorer

    big = 2**62
    with pytest.raises(pl.ExecutionError) as info:
        scorer.score([big, 0, big, 0], 0)
    assert "i64 multiplication overflowed" in str(info.value) or "i64 addition overflowed" in str(info.value)
    assert info.value.loc is not None and info.value.loc.file.endswith("scorer.py")


def test_malformed_inputs_are_input_errors() -> None:
    import examples.scorer as scorer

    with pytest.raises(pl.InputError, match="expected 4 elements, got 3"):
        scorer.prog.run("score", [1, 2, 3], 10)
    with pytest.raises(pl.InputError, match="does not fit i64"):
        scorer.prog.run("score", [2**63, 0, 0, 0], 10)
    with pytest.raises(pl.InputError, match="takes 2 arguments"):
        scorer.prog.run("score", [1, 2, 3, 4])
    with pytest.raises(pl.InputError, match="has no function 'nope'"):
        scorer.prog.run("nope", 1)


def test_invalid_program_name() -> None:
    import examples.scorer as scorer

    with pytest.raises(pl.CompileError, match="invalid program name 'Bad-Name'"):
        pl.Program("Bad-Name", [scorer.score])
