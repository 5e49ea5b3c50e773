"""Bad input gets a clear error at the user's file:line:col, never a traceback.

Each model in tests/models/bad.py carries a marker comment `# E:key` on the line the error must
point at; the test finds that line in the file itself, so no line number is hard-coded here.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

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
    # issue 16: inputs that hung the compiler or crashed it with an internal error
    ("fstring_message", "fstring", 'f"', "f-strings are not supported", pl.CompileError),
    ("nested_def", "nesteddef", "def", "functions inside a pyleo function are not supported", pl.CompileError),
    ("huge_loop", "hugeloop", "for", "unrolls to at least 1,000,000,000 operations; pyleo stops at 1,048,576", pl.LimitError),
    ("nested_loops", "nestedloops", "for", "unrolls to at least 1,000,000,000 operations", pl.LimitError),
    ("triangular_loops", "triangular", "for", "this loop (100,000 iterations) unrolls to at least", pl.LimitError),
    ("huge_power", "hugepower", "x **", "`**` unrolls to 999,999,999 multiplications", pl.LimitError),
    ("huge_constant", "hugeconst", "3 **", "more than 4,096 bits", pl.CompileError),
    ("long_comprehension", "longcomp", "[x", "3,000 elements; snarkVM allows at most 2048", pl.LimitError),
    ("loop_variable_too_wide", "loopvarwide", "i ", "takes values up to 299, which do not all fit u8", pl.CompileError),
    ("loop_name_reused", "loopnamereused", "i ", "expected a value of type u8, found u32", pl.CompileError),
    ("range_past_u32", "pastu32", "range(", "loop variables are u32: the range must stay below 2**32", pl.CompileError),
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


@pytest.mark.parametrize("name", ["program", "record", "function", "u8", "field", "self", "let", "identifier", "x" * 32])
def test_program_names_snarkvm_refuses_are_refused_when_the_program_is_made(name: str) -> None:
    """Issue 21: `pyleo import --name program` was accepted, then snarkVM refused the program. The oracle:
    snarkVM's own parser refuses each of these names (and takes the suggested one)."""
    import examples.scorer as scorer
    from aleo.mainnet import Program as AleoProgram

    def snarkvm_parses(n: str) -> bool:
        text = (f"program {n}.aleo;\n\nfunction f:\n    input r0 as u8.public;\n    output r0 as u8.public;\n\n"
                "constructor:\n    assert.eq edition 0u16;\n")
        try:
            AleoProgram.from_source(text)
        except BaseException:  # noqa: BLE001 - snarkVM's PanicException
            return False
        return True

    assert not snarkvm_parses(name)
    with pytest.raises(pl.CompileError, match=f"invalid program name '{name}'") as e:
        pl.Program(name, [scorer.score])
    suggested = re.search(r"e\.g\. `(\w+)`", str(e.value.hint or ""))
    if suggested:
        assert snarkvm_parses(suggested.group(1))


# ---- issue 16 ----------------------------------------------------------------------------------
def _module(tmp_path: Path, name: str, source: str) -> Any:
    """Import ``source`` as a module (pyleo reads function sources from files)."""
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sum_of(n: int) -> str:
    return ("import pyleo as pl\n\n\n@pl.function\ndef s(a: pl.I64) -> pl.I64:\n    return "
            + " + ".join(["a"] * n) + "\n")


def test_long_sums_compile_up_to_the_depth_limit_and_stop_beyond(tmp_path: Path) -> None:
    """A 1,000-term sum (999 nested additions; 350 raised RecursionError before) runs and emits; past
    MAX_EXPRESSION_DEPTH a located CompileError, not a RecursionError."""
    ok = _module(tmp_path, "sum1000", _sum_of(1000))
    prog = pl.Program("sums", [ok.s])
    assert prog.run("s", 3) == 3 * 1000
    assert prog.aleo().count("add ") == 999 and "program sums.aleo" in prog.leo()
    deep = _module(tmp_path, "sum1500", _sum_of(1500))
    with pytest.raises(pl.CompileError, match="nests more than 1,000 operations deep") as info:
        pl.Program("sums", [deep.s]).aleo()
    assert info.value.loc is not None and info.value.loc.line == 6


LOOP_INDEX = '''import pyleo as pl


@pl.function
def best_index(v: pl.Array[pl.I64, 5]) -> pl.U8:
    idx: pl.U8 = 0
    best: pl.I64 = v[0]
    for i in range(1, 5):
        if v[i] > best:
            idx = i
            best = v[i]
    return idx


@pl.function
def offset(x: pl.I64) -> pl.I64:
    acc: pl.I64 = x
    for i in range(3):
        acc = acc + i
    return acc
'''


def test_loop_variables_take_their_type_from_context(tmp_path: Path) -> None:
    """`idx: pl.U8 = …; idx = i` compiles (the loop's range fits u8) and agrees with numpy."""
    m = _module(tmp_path, "loop_index", LOOP_INDEX)
    prog = pl.Program("loop_index", [m.best_index, m.offset])
    rng = np.random.default_rng(0)
    for v in rng.integers(-50, 50, size=(20, 5)).tolist():
        assert prog.run("best_index", v) == int(np.argmax(v))
    assert prog.run("offset", 10) == 10 + 0 + 1 + 2
    assert "cast" not in prog.aleo()   # the loop variable is a constant per unrolled iteration
    tool = Path(__file__).resolve().parents[2] / "shared" / "tools" / "leo-syntax-check"
    if tool.exists():
        prog.write(tmp_path / "build")
        leo = tmp_path / "build" / "loop_index" / "src" / "main.leo"
        check = subprocess.run([str(tool), str(leo)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0 and "0 with syntax errors" in check.stdout, check.stdout + check.stderr


@pytest.mark.slow
def test_loop_variables_typed_from_context_agree_with_snarkvm(tmp_path: Path) -> None:
    m = _module(tmp_path, "loop_index_vm", LOOP_INDEX)
    prog = pl.Program("loop_index_vm", [m.best_index, m.offset])
    for v in ([3, 9, 1, 9, 2], [-5, -4, -3, -2, -1], [7, 7, 7, 7, 7]):
        assert prog.evaluate("best_index", v) == prog.run("best_index", v) == int(np.argmax(v))
    assert prog.evaluate("offset", -4) == -4 + 0 + 1 + 2


def test_stdlib_primitives_run_on_python_values() -> None:
    from stdlib_ml import activations, distance, linalg, reduce

    a, b = [1, -2, 3], [4, 5, -6]
    assert linalg.dot(a, b) == int(np.dot(a, b)) == -24      # signed Python ints, not p - 24
    assert linalg.matvec([[1, 2], [3, 4], [5, 6]], [1, -1]) == np.matmul([[1, 2], [3, 4], [5, 6]], [1, -1]).tolist()
    assert reduce.sum([1, -5, 2]) == reduce.total([1, -5, 2]) == int(np.sum([1, -5, 2]))   # numpy's name
    assert (reduce.max([3, -9, 1]), reduce.min([3, -9, 1])) == (3, -9)
    assert reduce.argmax([3, 9, 1]) == int(np.argmax([3, 9, 1]))
    assert reduce.argmin(np.array([3, 9, 1, 0]), bits=32) == 3
    assert activations.relu([-2, 5]) == np.maximum([-2, 5], 0).tolist()
    assert distance.manhattan(a, b) == int(np.abs(np.subtract(a, b)).sum())
    assert reduce.argmax(32).name == "argmax32"          # the factory itself is unchanged
    with pytest.raises(pl.InputError, match="size `N` of `dot` is 3 from an earlier argument but 2"):
        linalg.dot([1, 2, 3], [4, 5])
    with pytest.raises(pl.InputError, match="takes 2 arguments, got 1"):
        linalg.dot([1, 2, 3])


def test_running_a_model_script_reports_its_compile_error(tmp_path: Path) -> None:
    script = tmp_path / "model.py"
    script.write_text("import pyleo as pl\n\n\n@pl.function\ndef f(x: pl.U8) -> pl.U8:\n    while x > 0:\n"
                      "        x = x - 1\n    return x\n\n\nprog = pl.Program('m', [f])\nprint('reached')\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{script}:6:5: error: `while` loops are not supported")
    assert "Traceback" not in result.stderr and "reached" not in result.stdout


CONSTANT_HALTS = '''import pyleo as pl


@pl.function
def never(a: pl.U8) -> pl.U8:
    assert not (a <= a)
    return a


@pl.function
def constant_false(a: pl.U8) -> pl.U8:
    assert pl.U8(1) > 2
    return a


@pl.function
def shift_out(a: pl.U8) -> pl.U8:
    return a << 9
'''


@pytest.mark.parametrize("fn, line, message", [("never", 6, "assertion failed"),
                                                ("constant_false", 12, "assertion failed"),
                                                ("shift_out", 18, "shift left by 9 bits is out of range")])
@pytest.mark.prove
def test_snarkvm_halts_on_constants_are_halts_at_the_users_line(tmp_path: Path, fn: str, line: int, message: str) -> None:
    """The interpreter and snarkVM agree that these halt (snarkVM already while authorizing: its text
    differs per instruction), and the halt points at the user's line."""
    m = _module(tmp_path, "constant_halts", CONSTANT_HALTS)
    prog = pl.Program("constant_halts", [m.never, m.constant_false, m.shift_out])
    with pytest.raises(pl.ExecutionError, match=message):
        prog.run(fn, 7)
    with pytest.raises(pl.ExecutionError) as info:
        prog.evaluate(fn, 7)
    assert info.value.loc is not None and info.value.loc.line == line
    assert message in info.value.message and "(snarkVM: " in info.value.message


def test_proofs_of_the_wrong_kind_are_proof_errors(tmp_path: Path) -> None:
    import examples.scorer as scorer
    from pyleo import vm

    with pytest.raises(pl.ProofError, match='no "format" key'):
        scorer.prog.verify({})
    with pytest.raises(pl.ProofError, match="got NoneType"):
        scorer.prog.verify(None)
    deep = tmp_path / "deep.proof.json"
    deep.write_text("[" * 200_000)
    with pytest.raises(pl.ProofError, match="nested too deeply"):
        vm.Proof.load(deep)
    huge = tmp_path / "huge.proof.json"
    with open(huge, "wb") as f:
        f.truncate(vm.MAX_PROOF_FILE_BYTES + 1)   # sparse: nothing that large written
    with pytest.raises(pl.ProofError, match=f"larger than {vm.MAX_PROOF_FILE_BYTES // 2**20} MiB"):
        vm.Proof.load(huge)


@pytest.mark.parametrize("text, fragment", [
    ("[1, 2, 3, 4", "expected ']', found the end"),
    ("", "got an empty argument"),
    ("1,2,3,4", "write an array in brackets"),
    ("[1, 2, 3, " + "9" * 5000 + "]", "a 5,000-digit number does not fit i64"),
    ("[" * 200_000, "expected a number of type i64"),
])
def test_malformed_argument_text_is_an_input_error(text: str, fragment: str) -> None:
    from pyleo.types import ArrayType, IntType
    from pyleo.values import from_json_or_aleo

    with pytest.raises(pl.InputError) as info:
        from_json_or_aleo(text, ArrayType(IntType(64, True), 4), "argument x")
    assert fragment in str(info.value)


def test_input_range_must_be_a_range(tmp_path: Path) -> None:
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    from stdlib_ml import ConversionError, from_sklearn

    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    with pytest.raises(ConversionError, match="low < high"):
        from_sklearn(model, input_range=0)
    zk = from_sklearn(model, X)
    with pytest.raises(pl.ProofError, match="got NoneType"):
        zk.decode_proof(None)
    from stdlib_ml.convert import ModelInputError, parse_sample

    with pytest.raises(ModelInputError, match="expected the raw feature values as a JSON list"):
        parse_sample("[" * 200_000)   # RecursionError in json before
    for save in (zk.save, zk.save_public):   # destinations checked, as `pyleo import` / `commit --out` use them
        with pytest.raises(pl.InputError, match="is a folder"):
            save(tmp_path)


# ---- values snarkVM cannot encode --------------------------------------------------------------
def _snarkvm_encodes(text: str) -> bool:
    """snarkVM's own answer: does ``to_fields`` (what hashes, commitments and inputs use) take the value?"""
    from aleo import mainnet

    try:
        mainnet.Value.parse(text).to_fields()
    except BaseException:   # snarkVM panics (pyo3's PanicException derives from BaseException)
        return False
    return True


@pytest.mark.parametrize("n", [384, 385, 386, 400])
def test_a_struct_member_over_u16_max_bits_is_named_as_snarkvm_refuses_it(n: int) -> None:
    """A struct member of [u128; n]: pyleo's encoding size says no exactly where snarkVM does (385 fits, 386 not)."""
    from pyleo import limits
    from pyleo.types import ArrayType, IntType, StructType

    t = StructType("W", (("points", ArrayType(IntType(128, False), n)),))
    found = limits.oversized_member(t)
    assert (found is None) == _snarkvm_encodes("{ points: [" + ", ".join(["7u128"] * n) + "] }")
    if found:
        assert "member W.points of type [u128; " in found and "65,535 bits" in found


@pytest.mark.parametrize("n", [1310, 1311])
def test_an_array_element_over_u16_max_bits_is_named_as_snarkvm_refuses_it(n: int) -> None:
    from pyleo import limits
    from pyleo.types import ArrayType, IntType

    t = ArrayType(ArrayType(IntType(8, False), n), 2)
    assert (limits.oversized_member(t) is None) == _snarkvm_encodes(
        "[" + ", ".join(["[" + ", ".join(["1u8"] * n) + "]"] * 2) + "]")


WIDE_MEMBER = '''import pyleo as pl


class Wide(pl.Struct):
    points: pl.Array[pl.U128, 400]
    bias: pl.U8


@pl.function
def first(w: Wide) -> pl.Field:
    return pl.poseidon2(w)
'''


def test_a_parameter_snarkvm_cannot_encode_is_a_limit_error_when_run_and_when_compiled(tmp_path: Path) -> None:
    """Before, hashing it panicked inside snarkVM (a pyo3 PanicException traceback, issue 12's 40-point
    private KNN); now the interpreter and the compiler both raise LimitError naming the member."""
    mod = _module(tmp_path, "wide", WIDE_MEMBER)
    prog = pl.Program("wide", [mod.first])
    with pytest.raises(pl.LimitError, match=r"member Wide.points of type \[u128; 400u32\] encodes to 68,034 bits"):
        prog.aleo()
    with pytest.raises(pl.LimitError, match="65,535 bits"):
        prog.run("first", {"points": [1] * 400, "bias": 0})


def test_a_private_weight_knn_too_large_to_commit_is_refused_clearly() -> None:
    from sklearn.datasets import load_digits
    from sklearn.neighbors import KNeighborsClassifier

    from stdlib_ml import from_sklearn

    X, y = load_digits(return_X_y=True)
    knn = KNeighborsClassifier(3).fit(X[:40], y[:40])
    with pytest.raises(pl.LimitError, match=r"member Weights.POINTS of type \[u128; \d+u32\] encodes to"):
        from_sklearn(knn, X[:100], weights="private")
