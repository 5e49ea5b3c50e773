"""snarkVM's and the network's numbers live in pyleo/limits.py only.

Two checks: the numbers measured here agree with snarkVM (parsing programs at each limit and one past
it, no key synthesis), and no such number is written anywhere else in the source tree (found by
tokenizing every Python file, so comments and prose do not count).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from pathlib import Path

from pyleo import limits, vm

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyleo", "stdlib_ml", "cli", "benchmarks", "scripts", "examples")

ALWAYS = {16384: "LOCAL_BUDGET", 4194304: "MAINNET_BUDGET", 2097152: "MAINNET_BUDGET (before V19)",
          2048: "MAX_ARRAY_LENGTH", 65535: "MAX_MEMBER_BITS / MAX_INSTRUCTIONS", 2048000: "MAX_PROGRAM_BYTES",
          2304000: "MAX_TRANSACTION_BYTES", 22175000: "CONSENSUS_V20_HEIGHT"}
"""Numbers that are a limit wherever they are written."""
POWERS = {14: "LOCAL_BUDGET", 21: "MAINNET_BUDGET (before V19)", 22: "MAINNET_BUDGET"}
"""``2**n`` written for a limit."""
BOUNDS = {">", ">=", "<", "<=", "==", "!=", "=", ":"}
OLD_NAMES = r"\bMAX_CONSTRAINTS(?:_LOCAL)?\b"
"""The local budget's old names (now :data:`pyleo.limits.LOCAL_BUDGET`), wherever written."""

NOT_LIMITS = Counter({
    ("cli/main.py", "65535"): 1,            # the largest TCP port (`pyleo serve --port`)
    ("benchmarks/run.py", "16384"): 1,      # EZKL's own default logrows setting, compared with
    ("cli/web/__init__.py", "2048"): 1,     # the listening socket's backlog of waiting connections
    ("stdlib_ml/convert/nn/integer.py", "31"): 1,  # TFLite's fixed-point multipliers: the binary point (Q0.31)
})
"""Numbers equal to a limit that are not one."""

def limit_sites(root: Path = ROOT) -> Counter[tuple[str, str]]:
    """(file, literal or old name) → how often, for every limit written outside pyleo/limits.py."""
    found: Counter[tuple[str, str]] = Counter()
    files = [p for d in SOURCES for p in (root / d).rglob("*.py") if "node_modules" not in p.parts]
    files += list((root / "tests").rglob("*.py"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel in ("pyleo/limits.py", "pyleo/vm/__init__.py", "tests/test_limits.py"):
            continue
        text = path.read_text()
        for name in re.findall(OLD_NAMES, text):
            found[rel, name] += 1
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
        for i, t in enumerate(toks):
            if t.type != tokenize.NUMBER or rel.startswith("tests/") or not t.string.replace("_", "").isdigit():
                continue
            v, prev = int(t.string.replace("_", "")), toks[i - 1].string
            if v in ALWAYS:
                found[rel, t.string] += 1
            elif v in POWERS and prev == "**" and toks[i - 2].string == "2":
                found[rel, "2**" + t.string] += 1
            elif v == 31 and prev in BOUNDS:                       # functions per program, identifier bytes
                found[rel, t.string] += 1
            elif v in (16, 32) and prev in BOUNDS - {"=", ":"} and "len(" in t.line:   # inputs, members
                found[rel, t.string] += 1
    return found


def test_no_limit_written_outside_limits_py() -> None:
    found = limit_sites()
    unexpected = found - NOT_LIMITS
    assert not unexpected, f"limits written outside pyleo/limits.py (import them from there): {dict(unexpected)}"
    gone = NOT_LIMITS - found
    assert not gone, f"sites no longer there still listed here (delete their entries): {dict(gone)}"
    assert not hasattr(limits, "MAX_CONSTRAINTS_LOCAL") and not hasattr(vm, "MAX_CONSTRAINTS")


def test_scanner_finds_each_kind_of_limit(tmp_path: Path) -> None:
    (tmp_path / "pyleo").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyleo" / "x.py").write_text(
        "A = 2**22\nif len(fs) > 31:\n    pass\nname = name[:31]\nif n > 2_048:\n    pass\n"
        "if len(ins) > 16:\n    pass\nB = 1 << 31  # not a limit\nC = (8, 16, 32)\n# 16384 in a comment\n"
        "from pyleo.limits import MAX_CONSTRAINTS_LOCAL\n")
    assert limit_sites(tmp_path) == Counter({("pyleo/x.py", "2**22"): 1, ("pyleo/x.py", "31"): 2, ("pyleo/x.py", "2_048"): 1,
                                     ("pyleo/x.py", "16"): 1, ("pyleo/x.py", "MAX_CONSTRAINTS_LOCAL"): 1})


def _parses(text: str) -> bool:
    """Whether snarkVM parses ``text`` and adds it to a process (no key synthesis)."""
    sdk = vm.sdk.aleo_sdk()
    program, err, _ = vm.sdk.call_quietly(sdk.Program.from_source, text)
    if err is None:
        _, err, _ = vm.sdk.call_quietly(sdk.Process.load().add_program, program)
    return err is None


def _program(functions: int = 1, inputs: int = 1, outputs: int = 1, members: int = 1, length: int = 1,
             name: str = "f") -> str:
    """A program of ``functions`` functions, each with ``inputs`` array inputs of ``length`` u8 and
    ``outputs`` u8 outputs, and a struct of ``members`` members."""
    struct = "struct s:\n" + "".join(f"    m{i} as u8;\n" for i in range(members))
    body = "".join(f"    input r{i} as [u8; {length}u32].public;\n" for i in range(inputs)) + \
        "".join(f"    add {j}u8 1u8 into r{inputs + j};\n" for j in range(outputs)) + \
        "".join(f"    output r{inputs + j} as u8.public;\n" for j in range(outputs))
    return f"program limits_probe.aleo;\n\n{struct}\n" + "\n".join(f"function {name}{k}:\n{body}" for k in range(functions))


def test_program_limits_are_snarkvms() -> None:
    assert _parses(_program())
    assert _parses(_program(functions=limits.MAX_FUNCTIONS)) and not _parses(_program(functions=limits.MAX_FUNCTIONS + 1))
    assert _parses(_program(inputs=limits.MAX_INPUTS)) and not _parses(_program(inputs=limits.MAX_INPUTS + 1))
    assert _parses(_program(outputs=limits.MAX_OUTPUTS)) and not _parses(_program(outputs=limits.MAX_OUTPUTS + 1))
    assert _parses(_program(members=limits.MAX_STRUCT_MEMBERS)) and \
        not _parses(_program(members=limits.MAX_STRUCT_MEMBERS + 1))
    assert _parses(_program(length=limits.MAX_ARRAY_LENGTH)) and \
        not _parses(_program(length=limits.MAX_ARRAY_LENGTH + 1))
    name = "f" * (limits.MAX_IDENTIFIER_LENGTH - 1)   # the function's index follows
    assert _parses(_program(name=name)) and not _parses(_program(name=name + "f"))
