"""The bridge to snarkVM (pyleo.vm) and the parameter installer (pyleo.params).

Runs the real VM on small hand-written Aleo programs. Keys go to a temporary cache
(``PYLEO_CACHE_DIR``), so the first execution of each function synthesizes them (a few seconds).
``PYLEO_PARAMS_DIR`` names the folder of parameter files to install (default ../shared/aleo-params).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyleo import limits, params, vm
from tests.conftest import NO_PARAMS, params_installed
from pyleo.errors import ExecutionError, InputError, LimitError, ParamsError, ProofError, VMError

ROOT = Path(__file__).resolve().parent.parent
PARAMS_DIR = Path(os.environ.get("PYLEO_PARAMS_DIR", ROOT.parent / "shared" / "aleo-params"))

T1 = """\
program t1.aleo;

function f:
    input r0 as i64.private;
    input r1 as i64.public;
    add r0 r1 into r2;
    output r2 as i64.public;
    output r2 as i64.private;

constructor:
    assert.eq edition 0u16;
"""

T2 = """\
program t2.aleo;

function addu8:
    input r0 as u8.private;
    input r1 as u8.public;
    add r0 r1 into r2;
    output r2 as u8.public;

function addi64:
    input r0 as i64.private;
    input r1 as i64.public;
    add r0 r1 into r2;
    output r2 as i64.public;

function divi:
    input r0 as i64.private;
    input r1 as i64.public;
    div r0 r1 into r2;
    output r2 as i64.public;

function asrt:
    input r0 as i64.private;
    input r1 as i64.public;
    assert.eq r0 r1;
    output r0 as i64.public;

function castu8:
    input r0 as i8.private;
    cast r0 into r1 as u8;
    output r1 as u8.public;

constructor:
    assert.eq edition 0u16;
"""


def big_program(n: int) -> str:
    """A function with n checked i64 private × private multiplications (524 constraints each)."""
    body = "\n".join(f"    mul r0 r1 into r{i + 2};" for i in range(n))
    return (
        f"program big.aleo;\n\nfunction f:\n    input r0 as i64.private;\n    input r1 as i64.private;\n"
        f"{body}\n    output r{n + 1} as i64.public;\n\nconstructor:\n    assert.eq edition 0u16;\n"
    )


needs_params = pytest.mark.needs_params


pytestmark = pytest.mark.usefixtures("key_cache")   # a fresh key cache for this module (tests/conftest.py)


# ----------------------------------------------------------------------------- messages


def test_clean_message_strips_boilerplate_and_backtraces() -> None:
    raw = (
        "Stack execution failed: Instruction (assert.eq r0 r1;) at index 0 failed: Failed to evaluate: "
        "'assert.eq' failed: '1i64' is not equal to '2i64' (should be equal)\n\nCaused by:\n    Instruction "
        "(assert.eq r0 r1;) at index 0 failed\n\nStack backtrace:\n   0: <_aleolib::programs>::execute\n"
    )
    assert vm.clean_message(raw) == (
        "Instruction (assert.eq r0 r1;) at index 0 failed: 'assert.eq' failed: '1i64' is not equal to '2i64' "
        "(should be equal)"
    )
    raw = (
        "Stack authorization failed: Stack execution failed: '200i64' is invalid: expected u8\n\nCaused by:\n"
        "    0: Stack execution failed: '200i64' is invalid: expected u8\n    1: '200i64' is invalid: expected u8"
    )
    assert vm.clean_message(raw) == "'200i64' is invalid: expected u8"


def test_failure_classification() -> None:
    down16 = (
        "Stack execution failed: Failed to download powers for degree 65535: ureq: io: failed to lookup "
        "address information: Name or service not known"
    )
    assert isinstance(vm.sdk.snarkvm_failure(down16, "", "execute", "f"), ParamsError)
    printed17 = '⚠️  "powers-of-beta-17.usrs.7c27308" does not exist. Downloading and storing it'
    err = vm.sdk.snarkvm_failure("Stack execution failed: ureq: io: failed to lookup address", printed17, "execute", "f")
    assert isinstance(err, LimitError) and "16,384" in err.message
    halt = vm.sdk.snarkvm_failure("Integer addition failed on: 200u8 and 100u8", "", "execute", "f")
    assert isinstance(halt, ExecutionError) and halt.message == "Integer addition failed on: 200u8 and 100u8"


# ----------------------------------------------------------------------------- evaluate


@needs_params
def test_evaluate() -> None:
    assert vm.evaluate(T1, "f", ["5i64", "7i64"]) == ["12i64", "12i64"]
    timings: dict[str, float] = {}
    assert vm.evaluate(T1, "f", ["-5i64", "2i64"], timings) == ["-3i64", "-3i64"]
    assert "execute" in timings and "synthesize" not in timings


@needs_params
def test_constraints(key_cache: Path) -> None:
    vm.evaluate(T1, "f", ["1i64", "2i64"])
    n = vm.constraints(T1, "f")
    assert 10_000 < n <= limits.LOCAL_BUDGET
    assert (vm.keys_dir(T1) / "f.pk").is_file() and (vm.keys_dir(T1) / "f.vk").is_file()


@needs_params
def test_cached_keys_in_fresh_process(key_cache: Path) -> None:
    vm.evaluate(T1, "f", ["1i64", "2i64"])  # makes sure the keys are on disk
    code = textwrap.dedent(
        f"""
        import json, sys, time
        from pyleo import vm
        timings = {{}}
        out = vm.evaluate({T1!r}, "f", ["40i64", "2i64"], timings)
        print(json.dumps({{"out": out, "timings": timings}}))
        """
    )
    env = {**os.environ, "PYLEO_CACHE_DIR": str(key_cache), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["out"] == ["42i64", "42i64"]
    assert "load_keys" in got["timings"] and "synthesize" not in got["timings"]
    assert got["timings"]["load_keys"] + got["timings"]["execute"] < 2.0


@needs_params
@pytest.mark.parametrize(
    ("function", "inputs", "message"),
    [
        ("addi64", ["9223372036854775807i64", "1i64"], "Integer addition failed on: 9223372036854775807i64 and 1i64"),
        ("addu8", ["200u8", "100u8"], "Integer addition failed on: 200u8 and 100u8"),
        ("divi", ["1i64", "0i64"], "Integer division failed on: 1i64 and 0i64"),
        ("asrt", ["1i64", "2i64"], "'assert.eq' failed: '1i64' is not equal to '2i64'"),
        ("castu8", ["-1i8"], "Failed to convert 'i8' into 'u8'"),
    ],
)
def test_halts(function: str, inputs: list[str], message: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExecutionError) as info:
        vm.evaluate(T2, function, inputs)
    assert message in info.value.message
    assert "backtrace" not in str(info.value).lower() and "Stack execution failed" not in str(info.value)
    out, err = capfd.readouterr()
    assert "panicked" not in err and "backtrace" not in err  # the Rust panic hook's output is swallowed


def test_malformed_program() -> None:
    with pytest.raises(VMError) as info:
        vm.evaluate("program t3.aleo;\n\nfunction f:\n    inptu r0 as i64.private;\n", "f", ["1i64"])
    assert "line 4" in info.value.message and "inptu" in info.value.message
    bad_types = T1.replace("input r1 as i64.public;", "input r1 as u8.public;")
    with pytest.raises(VMError, match="Invalid operand types for the 'add' instruction"):
        vm.evaluate(bad_types, "f", ["1i64", "1u8"])
    with pytest.raises(VMError, match="no function `g`"):
        vm.evaluate(T1, "g", ["1i64", "1i64"])


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="expects 2 inputs, but 1 were provided"):
        vm.evaluate(T1, "f", ["1i64"])
    with pytest.raises(InputError, match="expects 2 inputs, but 3 were provided"):
        vm.evaluate(T1, "f", ["1i64", "1i64", "1i64"])
    with pytest.raises(InputError, match="'5u8' is invalid: expected i64"):
        vm.evaluate(T1, "f", ["5u8", "1i64"])
    with pytest.raises(InputError, match="not a valid Aleo value"):
        vm.evaluate(T2, "addu8", ["300u8", "1u8"])


# ----------------------------------------------------------------------------- parameters


def test_missing_parameters_fail_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ParamsError) as info:
        params.check_installed()
    assert "not installed" in info.value.message and "pyleo params install" in (info.value.hint or "")
    other = T1.replace("t1.aleo", "t9.aleo")  # keys not cached: needs synthesis
    with pytest.raises(ParamsError):
        vm.evaluate(other, "f", ["1i64", "2i64"])


def test_snarkvm_honours_home(tmp_path: Path) -> None:
    """With HOME empty and pyleo's own check bypassed, snarkVM's download failure is a ParamsError."""
    code = textwrap.dedent(
        f"""
        from pyleo import params, vm
        from pyleo.errors import ParamsError
        params.check_installed = lambda *a, **k: None
        try:
            vm.evaluate({T1.replace("t1.aleo", "t8.aleo")!r}, "f", ["1i64", "2i64"])
        except ParamsError as e:
            print("PARAMS", e.message)
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "PYLEO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "PARAMS" in res.stdout, res.stdout + res.stderr
    assert "degree" in res.stdout
    assert "Downloading" not in res.stdout  # snarkVM's own chatter is swallowed


@needs_params
def test_too_many_constraints() -> None:
    program = big_program(8)  # 13k fixed cost + 8 × 524
    try:
        with pytest.raises(LimitError) as info:
            vm.evaluate(program, "f", ["3i64", "5i64"])
        assert "16,384" in info.value.message and "split" in (info.value.hint or "")
        with pytest.raises(LimitError):
            vm.constraints(program, "f")
    except pytest.fail.Exception:
        if list(params.default_dest().glob("powers-of-beta-17*")):
            pytest.skip("snarkVM could download the degree-17 parameters here")
        raise


def test_install_params(tmp_path: Path) -> None:
    if not PARAMS_DIR.is_dir():
        pytest.skip(f"no parameter folder at {PARAMS_DIR} (set PYLEO_PARAMS_DIR)")
    dest = tmp_path / "resources"
    installed = params.install(PARAMS_DIR, dest)
    names = sorted(p.name for p in installed)
    assert names == ["powers-of-beta-16.usrs.84631bc", "shifted-powers-of-beta-16.usrs.d99bcb3"]
    assert (dest / "powers-of-beta-16.metadata").is_file()
    params.check_installed(dest)
    mtimes = [p.stat().st_mtime_ns for p in installed]
    assert params.install(PARAMS_DIR, dest) == installed
    assert [p.stat().st_mtime_ns for p in installed] == mtimes  # identical files are not copied again

    damaged = dest / "powers-of-beta-16.usrs.84631bc"
    data = bytearray(damaged.read_bytes())
    data[1000] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(ParamsError, match="damaged"):
        params.check_installed(dest)
    params.install(PARAMS_DIR, dest)  # repairs it
    params.check_installed(dest)


def test_install_rejects_bad_sources(tmp_path: Path) -> None:
    if not PARAMS_DIR.is_dir():
        pytest.skip(f"no parameter folder at {PARAMS_DIR} (set PYLEO_PARAMS_DIR)")
    with pytest.raises(ParamsError, match="does not exist"):
        params.install(tmp_path / "nowhere", tmp_path / "out")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParamsError, match="no \\*.metadata"):
        params.install(empty, tmp_path / "out")

    src = tmp_path / "src"
    shutil.copytree(PARAMS_DIR, src)
    for p in src.iterdir():
        p.chmod(0o644)
    usrs = src / "shifted-powers-of-beta-16.usrs"
    data = bytearray(usrs.read_bytes())
    data[12345] ^= 0x01
    usrs.write_bytes(bytes(data))
    with pytest.raises(ParamsError) as info:
        params.install(src, tmp_path / "out")
    msg = info.value.message
    assert "shifted-powers-of-beta-16.usrs" in msg and "d99bcb30361df496" in msg and "checksum mismatch" in msg
    assert not (tmp_path / "out" / "shifted-powers-of-beta-16.usrs.d99bcb3").exists()

    usrs.write_bytes(bytes(data[:-10]))
    with pytest.raises(ParamsError, match="bytes"):
        params.install(src, tmp_path / "out")
    usrs.unlink()
    with pytest.raises(ParamsError, match="missing"):
        params.install(src, tmp_path / "out")


# ----------------------------------------------------------------------------- prove / verify


@pytest.fixture(scope="module")
def proof() -> vm.Proof:
    if not params_installed():
        pytest.fail(NO_PARAMS)
    return vm.prove(T1, "f", ["5i64", "7i64"])


@pytest.mark.prove
def test_prove_and_verify(proof: vm.Proof) -> None:
    assert proof.program_id == "t1.aleo" and proof.function == "f"
    assert proof.inputs == [None, "7i64"]
    assert proof.outputs == ["12i64", "12i64"]  # the prover's copy, private output included
    assert proof.public_outputs == ["12i64", None]
    assert 10_000 < proof.constraints <= limits.LOCAL_BUDGET
    assert proof.verifying_key.startswith("verifier1")
    assert vm.verify(proof)
    assert vm.verify(proof, program=T1) and vm.verify(proof, checksum=vm.program_checksum(T1).upper())
    assert vm.verify(proof, verifying_key=proof.verifying_key)
    assert not vm.verify(proof, program=T1.replace("add r0 r1", "sub r0 r1"))
    with pytest.raises(InputError, match="not a program checksum"):
        vm.verify(proof, checksum="abc")
    assert {"prove", "check", "verify"} <= set(proof.timings)


@pytest.mark.slow
def test_program_checksum_is_snarkvms() -> None:
    """snarkVM's own program checksum, as a deployment carries it, is pyleo's program_checksum."""
    lp = vm.keys.load_program(T1)
    deployment, err, _ = vm.sdk.call_quietly(lp.process.deploy, lp.program, vm.keys.signer().address)
    if err is not None:
        pytest.skip(f"snarkVM cannot synthesize here: {err}")
    raw = json.loads(deployment.to_json())["program_checksum"]
    assert bytes(int(b.removesuffix("u8")) for b in raw).hex() == vm.program_checksum(T1)


@pytest.mark.prove
def test_save_load(proof: vm.Proof, tmp_path: Path) -> None:
    path = tmp_path / "p.proof.json"
    proof.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == vm.PROOF_FORMAT and data["aleo_sdk"] and data["snarkvm"] and data["pyleo"]
    assert data["program_checksum"] == vm.program_checksum(T1)
    assert "outputs" not in data and data["public_outputs"] == ["12i64", None]
    loaded = vm.Proof.load(path)
    assert loaded == proof and loaded.outputs == ["12i64", None]
    assert vm.verify(loaded)


def _copy(proof: vm.Proof, **changes: object) -> vm.Proof:
    data = proof.to_json()
    data.update(changes)
    return vm.Proof.from_json(data)


@pytest.mark.prove
def test_tampered_execution_output(proof: vm.Proof) -> None:
    forged = proof.execution.replace('"value":"12i64"', '"value":"13i64"')
    assert forged != proof.execution
    bad = _copy(proof, execution=forged, public_outputs=["13i64", None])
    assert not vm.verify(bad)
    assert "transition output" in (vm.explain(bad) or "")
    older = _copy(proof, execution=forged, public_outputs=["13i64", None], snarkvm="4.0.0", pyleo="0.0.9")
    assert "the proof was made with pyleo 0.0.9, aleo-sdk" in (vm.explain(older) or "")  # a clear message
    assert vm.verify(_copy(proof, snarkvm="4.0.0"))  # the stamp is informative: a valid proof stays valid


@pytest.mark.prove
@pytest.mark.parametrize("changes", [
    {"public_outputs": ["13i64", None]},
    {"public_outputs": ["12i64", "12i64"]},  # cannot reveal a private output
    {"public_inputs": [None, "8i64"]},
    {"program_id": "t2.aleo"},
    {"program_checksum": "0" * 64},
    {"network": "testnet"},
])
def test_tampered_claims(proof: vm.Proof, changes: dict[str, object]) -> None:
    with pytest.raises(ProofError):
        _copy(proof, **changes)


@pytest.mark.prove
def test_tampered_function_and_constraints(proof: vm.Proof) -> None:
    assert "not of t1.aleo/g" in (vm.explain(_copy(proof, function="g")) or "")
    assert "constraints" in (vm.explain(_copy(proof, constraints=proof.constraints + 1)) or "")


@pytest.mark.prove
def test_tampered_proof_string(proof: vm.Proof) -> None:
    data = json.loads(proof.execution)
    p = data["proof"]
    data["proof"] = p[:100] + ("q" if p[100] != "q" else "p") + p[101:]
    bad = _copy(proof, execution=json.dumps(data))
    try:
        assert not vm.verify(bad)
    except ProofError:
        pass  # the bech32m checksum catches it before the proof is checked


@pytest.mark.prove
def test_proof_of_other_execution(proof: vm.Proof) -> None:
    """A valid proof of another execution, spliced into this one's transition, is rejected."""
    other = vm.prove(T1, "f", ["6i64", "7i64"])
    assert vm.verify(other)
    data = json.loads(proof.execution)
    data["proof"] = json.loads(other.execution)["proof"]
    assert not vm.verify(_copy(proof, execution=json.dumps(data)))


@pytest.mark.prove
def test_foreign_verifying_key(proof: vm.Proof) -> None:
    from aleo.mainnet import VerifyingKey

    foreign = str(VerifyingKey.transfer_public_verifier())
    assert not vm.verify(_copy(proof, verifying_key=foreign))
    with pytest.raises(ProofError):
        vm.verify(_copy(proof, verifying_key="verifier1garbage"))


@pytest.mark.prove
def test_resynthesize(proof: vm.Proof, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path))  # nothing cached: synthesize from the text
    vm.forget_programs()
    from aleo.mainnet import VerifyingKey

    foreign = _copy(proof, verifying_key=str(VerifyingKey.transfer_public_verifier()))
    assert vm.verify(foreign, resynthesize=True)  # the key in the file is ignored
    assert (vm.keys_dir(T1) / "f.vk").is_file()
    assert not vm.verify(foreign)  # …and now the cached key exposes the foreign one
    assert vm.constraints(T1, "f") == proof.constraints
    vm.forget_programs()


def test_proof_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not json")
    with pytest.raises(ProofError):
        vm.Proof.load(garbage)
    garbage.write_text("[1, 2]")
    with pytest.raises(ProofError, match="not a pyleo proof"):
        vm.Proof.load(garbage)
    garbage.write_text('{"format": "pyleo-proof/99"}')
    with pytest.raises(ProofError, match="pyleo-proof/99"):
        vm.Proof.load(garbage)
    garbage.write_text('{"format": "pyleo-proof/1", "pyleo": "0.0.9", "outputs": ["1i64"]}')
    with pytest.raises(ProofError, match="made with pyleo 0.0.9.*reads 'pyleo-proof/2'"):
        vm.Proof.load(garbage)
    garbage.write_text('{"format": "pyleo-proof/2", "network": "mainnet", "program": "x"}')
    with pytest.raises(ProofError, match="lacks"):
        vm.Proof.load(garbage)
    with pytest.raises(InputError, match="cannot read"):   # the reader's argument, not the proof, is wrong
        vm.Proof.load(tmp_path / "absent.json")
    garbage.write_text('{"format": "pyleo-proof/2", "format": "pyleo-proof/2"}')
    with pytest.raises(ProofError, match="'format' appears twice"):
        vm.Proof.load(garbage)
    p = vm.Proof(T1, "f", "{not json", "verifier1x", 1)
    with pytest.raises(ProofError, match="execution cannot be read"):
        vm.verify(p)


def _foreign_keys_are_rebuilt(files: tuple[str, ...]) -> None:
    """Copy ``files`` of another program with the same interface over T1's cached ones: detected, rebuilt."""
    other = T1.replace("add r0 r1", "sub r0 r1")
    assert vm.evaluate(other, "f", ["5i64", "7i64"]) == ["-2i64", "-2i64"]
    assert vm.evaluate(T1, "f", ["5i64", "7i64"]) == ["12i64", "12i64"]
    mine, theirs = vm.keys_dir(T1), vm.keys_dir(other)
    for name in files:
        shutil.copy(theirs / name, mine / name)
    vm.forget_programs()
    timings: dict[str, float] = {}
    assert vm.evaluate(T1, "f", ["5i64", "7i64"], timings) == ["12i64", "12i64"]
    assert "synthesize" in timings and "load_keys" not in timings  # rebuilt, not loaded
    assert (mine / "f.vk").read_bytes() != (theirs / "f.vk").read_bytes()
    timings = {}
    vm.forget_programs()
    vm.evaluate(T1, "f", ["1i64", "2i64"], timings)
    assert "load_keys" in timings  # the rebuilt keys are vouched for


@needs_params
def test_key_cache_detects_foreign_and_damaged_keys(key_cache: Path) -> None:
    """Keys of another program with the same interface copied over, or truncated: detected, rebuilt."""
    _foreign_keys_are_rebuilt(("f.pk", "f.vk"))
    mine = vm.keys_dir(T1)
    manifest = json.loads((mine / "f.json").read_text())
    assert manifest["program_checksum"] == vm.program_checksum(T1) and manifest["function"] == "f"
    assert manifest["snarkvm"] == vm.versions()["snarkvm"]
    pk = (mine / "f.pk").read_bytes()
    (mine / "f.pk").write_bytes(pk[: len(pk) // 2])  # truncated
    vm.forget_programs()
    assert vm.keys.read_keys(vm.keys.load_program(T1), "f", with_pk=True) is None
    assert not (mine / "f.pk").exists() and not (mine / "f.json").exists()
    vm.forget_programs()


@needs_params
@pytest.mark.slow
def test_key_cache_detects_foreign_keys_with_their_manifest(key_cache: Path) -> None:
    _foreign_keys_are_rebuilt(("f.pk", "f.vk", "f.json"))
    vm.forget_programs()


def test_only_the_sdk_bridge_imports_aleo() -> None:
    """The import graph: of the project's modules only pyleo/vm/sdk.py imports the ``aleo`` package (every
    import statement, function-local ones included), and importing every module of pyleo loads none of it."""
    importers = set()
    for folder in ("pyleo", "stdlib_ml", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
                if any(n == "aleo" or n.startswith("aleo.") for n in names):
                    importers.add(path.relative_to(ROOT).as_posix())
    assert importers == {"pyleo/vm/sdk.py"}
    code = ("import importlib, pkgutil, sys, pyleo\n"
            "for m in pkgutil.walk_packages(pyleo.__path__, 'pyleo.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n == 'aleo' or n.startswith('aleo.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


@needs_params
def test_host_poseidon_is_the_circuits() -> None:
    """vm.hash_poseidon (the interpreter's hash.psd2/4/8) against snarkVM's own circuit execution."""
    program = ("program psd_check.aleo;\n\nfunction h:\n    input r0 as [u8; 3u32].public;\n"
               "    hash.psd2 r0 into r1 as field;\n    hash.psd4 r0 into r2 as field;\n"
               "    hash.psd8 r0 into r3 as field;\n    output r1 as field.public;\n"
               "    output r2 as field.public;\n    output r3 as field.public;\n")
    value = "[1u8, 2u8, 250u8]"
    assert vm.evaluate(program, "h", [value], keys=False) == [vm.hash_poseidon(value, rate) for rate in (2, 4, 8)]
    with pytest.raises(InputError, match="rate"):
        vm.hash_poseidon(value, 3)
    with pytest.raises(InputError, match="cannot hash"):
        vm.hash_poseidon("[1u8, 2u8", 2)



@pytest.mark.prove   # snarkVM under the shared stand-in key (synthesized once per cache)
def test_a_commitment_names_its_field_element_however_written() -> None:
    """A commitment computed by a helper called from Python is the signed representative (``-24``); snarkVM
    writes the element in [0, p). Both name one element, so a verifier compares them equal (else a published
    commitment would reject its own proofs half the time). Oracle: snarkVM's own arithmetic on the literals."""
    from pyleo.values import FIELD_MODULUS as p, field_literal

    assert field_literal("-24field") == field_literal(f"{p - 24}field") == f"{p - 24}field"
    assert field_literal(" 7 field") == field_literal("7") == "7field"
    # snarkVM: -24field + 24field == 0field, and (p - 24)field is the same element
    assert vm.evaluate("program field_lits_check.aleo;\nfunction f:\n    input r0 as field.private;\n"
                       "    add r0 24field into r1;\n    output r1 as field.private;\n", "f",
                       [field_literal("-24field")], keys=False) == ["0field"]
    for bad in ("", "field", "12u8", "1e5field", "--3field"):
        with pytest.raises(InputError, match="is not a field element"):
            field_literal(bad)
