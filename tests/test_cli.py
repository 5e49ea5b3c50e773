"""The `pyleo` command, run as a user runs it: real processes, exit codes, stdout and stderr."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT / "examples" / "scorer.py"
PARAMS_DIR = Path(os.environ.get("PYLEO_PARAMS_DIR", ROOT.parent / "shared" / "aleo-params"))


def pyleo(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=300)


def assert_clean_failure(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_help_lists_every_command() -> None:
    result = pyleo("--help")
    assert result.returncode == 0
    for command in ("build", "run", "prove", "verify", "cost", "params"):
        assert command in result.stdout


def test_build_writes_a_leo_project_and_aleo(tmp_path: Path) -> None:
    result = pyleo("build", str(SCORER), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "scorer"
    assert json.loads((project / "program.json").read_text())["program"] == "scorer.aleo"
    assert "program scorer.aleo" in (project / "src" / "main.leo").read_text()
    aleo = (project / "scorer.aleo").read_text()
    assert aleo.startswith("program scorer.aleo;")
    stamp = json.loads((project / "pyleo.json").read_text())
    checksum = hashlib.sha3_256(aleo.encode()).hexdigest()  # snarkVM's program checksum
    assert stamp["program_checksum"] == checksum and f"program checksum {checksum}" in result.stdout
    assert stamp["program_id"] == "scorer.aleo" and stamp["snarkvm"] and stamp["pyleo"]


def test_run_accepts_json_and_aleo_literals() -> None:
    plain = pyleo("run", str(SCORER), "scorer.score", "[1, 2, 3, 4]", "10")
    literal = pyleo("run", str(SCORER), "score", "[1i64, 2i64, 3i64, 4i64]", "10i64")
    expected = 3 * 1 - 1 * 2 + 4 * 3 + 1 * 4 + 10  # W·x + bias computed here, independently
    assert plain.returncode == 0 and literal.returncode == 0
    assert plain.stdout.split()[0] == literal.stdout.split()[0] == f"{expected}i64"


def test_run_on_the_vm_matches_the_interpreter() -> None:
    vm = pyleo("run", str(SCORER), "score", "[5, -6, 7, -8]", "-3", "--vm")
    interp = pyleo("run", str(SCORER), "score", "[5, -6, 7, -8]", "-3")
    assert vm.returncode == 0, vm.stderr
    assert vm.stdout == interp.stdout


@pytest.mark.parametrize("args, fragment", [
    (["[1, 2, 3]", "10"], "expected 4 elements, got 3"),
    (["[1, 2, 3, x]", "10"], "expected a number of type i64"),
    (["[1, 2, 3, 4]"], "takes 2 argument(s)"),
    (["[1, 2, 3, 4]", "10u8"], "10u8 has type u8, expected i64"),
    (["[1, 2, 3, 4]", "9223372036854775808"], "does not fit i64"),
])
def test_bad_arguments(args: list[str], fragment: str) -> None:
    assert_clean_failure(pyleo("run", str(SCORER), "score", *args), fragment)


def test_unknown_function_and_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(pyleo("run", str(SCORER), "scorer.nope", "1"), "has no function 'nope'")
    assert_clean_failure(pyleo("build", str(tmp_path / "missing.py")), "no such file")


def test_compile_error_shows_file_line_and_caret(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "models" / "bad_cli.py"
    result = pyleo("build", str(bad), "--out", str(tmp_path))
    line = bad.read_text().splitlines().index("    while x > 0:") + 1
    assert_clean_failure(result, f"{bad}:{line}:5: error: `while` loops are not supported")
    assert "    ^" in result.stderr


def test_params_install_checks_checksums(tmp_path: Path) -> None:
    result = pyleo("params", "install", str(PARAMS_DIR), "--dest", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "powers-of-beta-16.usrs.84631bc").is_file()
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in PARAMS_DIR.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    usrs = broken / "shifted-powers-of-beta-16.usrs"
    data = bytearray(usrs.read_bytes())
    data[100] ^= 1
    usrs.write_bytes(bytes(data))
    assert_clean_failure(pyleo("params", "install", str(broken), "--dest", str(tmp_path / "out")), "checksum")
    assert_clean_failure(pyleo("params", "install", str(tmp_path / "nowhere")), "nowhere")


def test_missing_parameters_are_reported(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PYLEO_CACHE_DIR": str(tmp_path / "cache")}
    result = pyleo("run", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--vm", env=env)
    assert_clean_failure(result, "pyleo params install")


@pytest.mark.prove
def test_prove_verify_and_reject_tampering(tmp_path: Path) -> None:
    proof_path = tmp_path / "score.proof.json"
    proved = pyleo("prove", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--out", str(proof_path))
    assert proved.returncode == 0, proved.stderr
    assert "output: 27i64" in proved.stdout
    verified = pyleo("verify", str(proof_path))
    assert verified.returncode == 0, verified.stderr
    assert "valid" in verified.stdout and "warning: not bound" in verified.stderr
    bound = pyleo("verify", str(proof_path), "--model", str(SCORER))
    assert bound.returncode == 0, bound.stderr
    assert "bound to: the model in" in bound.stdout and "public output: 27i64" in bound.stdout
    assert "warning" not in bound.stderr
    from examples.scorer import prog

    pinned = pyleo("verify", str(proof_path), "--checksum", prog.checksum())
    assert pinned.returncode == 0 and f"bound to: checksum {prog.checksum()}" in pinned.stdout, pinned.stderr
    assert_clean_failure(pyleo("verify", str(proof_path), "--checksum", "abc"), "not a program checksum")
    assert_clean_failure(pyleo("verify", str(proof_path), "--model", str(tmp_path / "absent.py")), "no such file")
    assert_clean_failure(pyleo("verify", str(proof_path), "--vk", str(tmp_path / "absent.vk")), "cannot read")

    data = json.loads(proof_path.read_text())
    execution = json.loads(data["execution"])
    execution["transitions"][0]["outputs"][0]["value"] = "28i64"
    data["execution"] = json.dumps(execution)
    data["public_outputs"] = ["28i64"]
    forged = tmp_path / "forged.proof.json"
    forged.write_text(json.dumps(data))
    assert_clean_failure(pyleo("verify", str(forged)), "INVALID")

    garbage = tmp_path / "garbage.proof.json"
    garbage.write_text("{not json")
    result = pyleo("verify", str(garbage))
    assert result.returncode == 1 and "Traceback" not in result.stderr
