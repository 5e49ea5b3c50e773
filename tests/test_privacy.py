"""Privacy and trust on the real snarkVM: what a proof file reveals, what a verifier binds it to.

The oracles are snarkVM itself (an edited or forged proof is rejected; a private output's
ciphertext decrypts, with the prover's view key, to the value the circuit computed) and plain
integer arithmetic for the expected values. Keys go to a temporary cache shared by the Python API
and the CLI runs of this module.
"""

from __future__ import annotations

import re
import base64
import copy
import json
import os
import runpy
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import pyleo as pl
from pyleo import vm
from pyleo.errors import ProofError

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT / "examples" / "scorer.py"

SECRET = '''\
import pyleo as pl


@pl.function
def f(a: pl.I64, b: pl.Public[pl.I64]) -> tuple[pl.I64, pl.Public[pl.Bool]]:
    """The issue's example: a private output (a * 3) and a public one (a > b)."""
    return a * 3, a > b


@pl.function
def committed(x: pl.U8, r: pl.Scalar) -> pl.Public[pl.Field]:
    """A label (x > 100) published only as a commitment, blinded by a private scalar r."""
    return pl.commit(x > 100, r)


prog = pl.Program("secret", [f, committed])
'''

A = 918273645  # the private input; the private output is 3 * A
R = 7362514998123412345678901234567  # blinding scalar of the commitment


pytestmark = pytest.mark.needs_params


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.Program]:
    path = tmp_path_factory.mktemp("model") / "secret.py"
    path.write_text(SECRET)
    namespace: dict[str, object] = {}
    exec(compile(SECRET, str(path), "exec"), namespace)  # noqa: S102 - our own test model
    return path, namespace["prog"]  # type: ignore[return-value]


@pytest.fixture(scope="module")
def proof(key_cache: Path, secret: tuple[Path, pl.Program]) -> vm.Proof:
    return secret[1].prove("f", A, 0)


def pyleo(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYLEO_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def encodings(value: int) -> list[str]:
    """Every way we can think of to write an integer in a text file."""
    size = max(8, (value.bit_length() + 7) // 8)
    le, be = value.to_bytes(size, "little"), value.to_bytes(size, "big")
    return [
        str(value), f"{value}i64", f"{value}field", f"{value}u64", hex(value), f"{value:x}", f"{value:X}",
        format(value, "b"), le.hex(), be.hex(), le.rstrip(b"\0").hex(),
        base64.b64encode(le).decode().rstrip("="), base64.b64encode(be).decode().rstrip("="),
        f"{value:,}", f"{value:_}",
    ]


def assert_hides(path: Path, *secrets: int) -> None:
    raw = path.read_bytes()
    text = raw.decode()
    for value in secrets:
        for enc in encodings(value):
            assert enc not in text, f"{enc!r} (an encoding of the private {value}) appears in {path.name}"
        size = max(8, (value.bit_length() + 7) // 8)
        for blob in (value.to_bytes(size, "little"), value.to_bytes(size, "big")):
            assert blob not in raw


def report(p: vm.Proof) -> tuple[object, ...]:
    """What `verify` reports about a valid proof."""
    return p.program_id, p.function, p.checksum, p.constraints, p.inputs, p.public_outputs


# ----------------------------------------------------------------------------- private values


@pytest.mark.prove
def test_private_output_stays_with_the_prover(proof: vm.Proof, key_cache: Path, tmp_path: Path) -> None:
    assert proof.outputs == [f"{3 * A}i64", "true"]  # the prover's own copy, in memory
    assert proof.inputs == [None, "0i64"] and proof.public_outputs == [None, "true"]
    tr = json.loads(proof.execution)["transitions"][0]
    # the private output is snarkVM's ciphertext, and it is the encryption of 3·A for the prover
    from aleo.mainnet import Ciphertext, Group

    view_key = vm.keys.signer().view_key
    tpk = Group.from_string(tr["tpk"])
    cipher = Ciphertext.from_string(tr["outputs"][0]["value"])
    assert str(cipher.decrypt_with_transition_info(view_key, tpk, "secret.aleo", "f", 2)) == f"{3 * A}i64"
    cipher_in = Ciphertext.from_string(tr["inputs"][0]["value"])
    assert str(cipher_in.decrypt_with_transition_info(view_key, tpk, "secret.aleo", "f", 0)) == f"{A}i64"

    path = tmp_path / "f.proof.json"
    proof.save(path)
    assert_hides(path, A, 3 * A)
    # no key that decrypts them is written, neither in the proof nor in the key cache
    signer_keys = [str(vm.keys.signer()), str(view_key), str(vm.keys.signer().seed)]
    for file in [path, *(p for p in key_cache.rglob("*") if p.is_file())]:
        data = file.read_bytes()
        assert not any(k.encode() in data for k in signer_keys), file
    loaded = vm.Proof.load(path)
    assert loaded.outputs == [None, "true"]  # a verifier sees the public output only
    assert vm.verify(loaded) and loaded == proof


@pytest.mark.prove
def test_editing_any_field_fails_or_changes_nothing(proof: vm.Proof, secret: tuple[Path, pl.Program]) -> None:
    """Every field of the file, edited: load fails, verification fails, or the report is unchanged."""
    original = proof.to_json()
    good = report(proof)
    trusted = secret[1].aleo()

    def edits(value: object) -> list[object]:
        if isinstance(value, bool) or value is None:
            return ["x"]
        if isinstance(value, int):
            return [value + 1, str(value)]
        if isinstance(value, str):
            return [value + "x", value[:-1], value.replace("1", "2", 1), ""]
        if isinstance(value, list):
            return [list(reversed(value)), ["999i64"] * len(value), value[:-1]]
        return [{}, {"verify": 1.0}]

    variants: list[dict[str, object]] = []
    for key, value in original.items():
        for new in edits(value):
            variants.append({**original, key: new})
        variants.append({k: v for k, v in original.items() if k != key})
    execution = json.loads(proof.execution)
    tr = execution["transitions"][0]

    def forge(ex: dict[str, object]) -> dict[str, object]:
        """The file with an edited execution, its readable copies of the public values made to match."""
        p = vm.Proof(proof.program, proof.function, json.dumps(ex), proof.verifying_key, proof.constraints)
        return {**original, "execution": p.execution, "public_inputs": p.inputs, "public_outputs": p.public_outputs}

    for where in ("inputs", "outputs"):
        for i in range(len(tr[where])):
            for new_value in ("999i64", "true", "false", "0i64"):
                ex = copy.deepcopy(execution)
                ex["transitions"][0][where][i]["value"] = new_value
                ex["transitions"][0][where][i]["type"] = "public"
                variants.append(forge(ex))
    for key in ("tpk", "tcm", "scm", "id"):
        ex = copy.deepcopy(execution)
        ex["transitions"][0][key] = tr[key][:-6] + ("1" if tr[key][-6] != "1" else "2") + tr[key][-5:]
        variants.append(forge(ex))

    accepted = 0
    for data in variants:
        try:
            p = vm.Proof.from_json(data)
            ok = vm.verify(p) and vm.verify(p, program=trusted)
        except ProofError:
            continue
        if ok:
            accepted += 1
            changed = sorted(k for k in {**data, **original} if data.get(k) != original.get(k))
            assert report(p) == good, f"an edit of {changed} changed what verify reports"
    assert accepted >= 1  # editing timings or a version stamp is harmless, and is accepted


@pytest.mark.prove
def test_cli_keeps_private_outputs_out_of_the_proof_file(secret: tuple[Path, pl.Program], key_cache: Path,
                                                       tmp_path: Path) -> None:
    model, _ = secret
    out, mine = tmp_path / "secret.proof.json", tmp_path / "secret.private.json"
    proved = pyleo("prove", str(model), "f", str(A), "0", "-o", str(out), "--private-out", str(mine), cache=key_cache)
    assert proved.returncode == 0, proved.stderr
    assert f"output: {3 * A}i64  (private" in proved.stdout  # printed for the prover
    assert_hides(out, A, 3 * A)
    assert json.loads(mine.read_text())["outputs"] == [f"{3 * A}i64", "true"]
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600
    data = json.loads(out.read_text())
    assert "outputs" not in data and data["public_outputs"] == [None, "true"]

    verified = pyleo("verify", str(out), "--model", str(model), cache=key_cache)
    assert verified.returncode == 0, verified.stderr
    assert "valid: secret.aleo/f" in verified.stdout and "public output: true" in verified.stdout
    assert str(3 * A) not in verified.stdout + verified.stderr
    assert pyleo("prove", str(model), "f", "1", "0", "-o", str(out), "--private-out", str(out),
                 cache=key_cache).returncode == 1


# ----------------------------------------------------------------------------- output as a commitment


@pytest.mark.prove
def test_label_published_as_a_commitment(secret: tuple[Path, pl.Program], key_cache: Path) -> None:
    prog = secret[1]
    p = prog.prove("committed", 150, R)  # label: 150 > 100
    (commitment,) = p.public_outputs
    assert p.inputs == [None, None]
    assert commitment == f"{prog.run('committed', 150, R)}field"  # the interpreter agrees with the circuit
    assert vm.verify(p, program=prog.aleo())
    assert vm.opens(commitment, "true", f"{R}scalar")  # the later reveal checks out
    assert not vm.opens(commitment, "false", f"{R}scalar")  # the other label does not open it
    assert not vm.opens(commitment, "true", f"{R + 1}scalar")
    # the commitment hides the label: the same label with another blinding gives another commitment
    assert vm.commit_bhp256("true", f"{R + 1}scalar") != commitment


# ----------------------------------------------------------------------------- binding to a trusted model


@pytest.mark.prove
def test_verify_binds_to_the_trusted_model(key_cache: Path, tmp_path: Path) -> None:
    """The issue's reproduction: a scorer with W = [0, 0, 0, 0] under the same program name."""
    evil = tmp_path / "evil.py"
    evil.write_text(SCORER.read_text().replace("W = [3, -1, 4, 1]", "W = [0, 0, 0, 0]"))
    assert "W = [0, 0, 0, 0]" in evil.read_text()
    proof_path = tmp_path / "evil.proof.json"
    assert pyleo("prove", str(evil), "score", "[1, 2, 3, 4]", "27", "-o", str(proof_path), cache=key_cache).returncode == 0

    unbound = pyleo("verify", str(proof_path), cache=key_cache)
    assert unbound.returncode == 0 and "warning: not bound to a program you trust" in unbound.stderr
    data = json.loads(proof_path.read_text())
    assert f"program checksum: {data['program_checksum']}" in unbound.stdout

    rejected = pyleo("verify", str(proof_path), "--model", str(SCORER), cache=key_cache)
    assert rejected.returncode == 1 and "INVALID: the proof is of a program linear_scorer.aleo with checksum" in rejected.stderr
    genuine: pl.Program = runpy.run_path(str(SCORER))["prog"]
    aleo = tmp_path / "linear_scorer.aleo"
    aleo.write_text(genuine.aleo())
    assert pyleo("verify", str(proof_path), "--program", str(aleo), cache=key_cache).returncode == 1

    # the forger swaps in the genuine program text (and its checksum and constraint count): the key
    # now comes from the trusted program, and snarkVM rejects the evil circuit's proof
    evil_proof = vm.Proof.load(proof_path)
    forged = {**data, "program": genuine.aleo(), "program_checksum": genuine.checksum(),
              "constraints": genuine.cost("score")}
    assert not vm.verify(vm.Proof.from_json(forged), program=genuine.aleo())
    assert not vm.verify(vm.Proof.from_json(forged), checksum=genuine.checksum())
    assert not vm.verify(evil_proof, checksum=genuine.checksum())
    assert vm.verify(evil_proof, program=evil_proof.program)  # it is a valid proof of the evil program
    vk = vm.keys_dir(genuine.aleo()) / "score.vk"
    assert not vm.verify(evil_proof, verifying_key=vk.read_bytes())
    assert vm.verify(evil_proof, verifying_key=evil_proof.verifying_key)
    assert not genuine.verify(evil_proof)


# ----------------------------------------------------------------------------- private model, public commitment


@pytest.mark.prove
def test_private_model_under_a_public_commitment(key_cache: Path, tmp_path: Path) -> None:
    """examples/credit.py: only proofs made with the committed weights pass; the weights stay hidden."""
    credit = runpy.run_path(str(ROOT / "examples" / "credit.py"))
    prog: pl.Program = credit["prog"]
    weights, blinding = [90, 40, 120, 70], 0x5EC12E7_B11D_1A6_0F_C0FFEE_1234567
    commitment = f"{credit['weights_commitment'](weights, blinding)}field"
    applicant = [200, 100, 230, 180]
    score = sum(w * x for w, x in zip(weights, applicant))  # 62,200: approved at 60,000
    proof = prog.prove("approve", applicant, weights, blinding)
    assert proof.public_outputs == [str(score >= credit["THRESHOLD"]).lower(), commitment]
    assert proof.inputs == [None, None, None]
    assert vm.verify(proof, program=prog.aleo(), commitment=commitment)
    assert vm.verify(proof, checksum=prog.checksum(), commitment=commitment.removesuffix("field"))

    lenient = prog.prove("approve", [120, 30, 150, 90], [255, 255, 255, 255], blinding)
    assert lenient.public_outputs[0] == "true"  # the other scorecard approves an applicant …
    assert sum(w * x for w, x in zip(weights, [120, 30, 150, 90])) < credit["THRESHOLD"]  # … the committed one declines
    assert vm.verify(lenient, program=prog.aleo())  # a valid proof of the program …
    assert "not the published" in (vm.explain(lenient, program=prog.aleo(), commitment=commitment) or "")  # … not of the model

    path = tmp_path / "approve.proof.json"
    proof.save(path)
    text = path.read_text()
    for w in weights:   # as an Aleo literal, not inside a ciphertext's bech32 text (where "90u8" occurs by chance)
        assert not re.search(rf"(?<![0-9a-z]){w}u8(?![0-9a-z])", text)
    assert "[90u8" not in text and "90u8, 40u8" not in text
    assert_hides(path, blinding & (2**64 - 1), blinding >> 64)
    assert str(blinding) not in text and f"{blinding}u128" not in text and f"{blinding:x}" not in text

    model = str(ROOT / "examples" / "credit.py")
    ok = pyleo("verify", str(path), "--model", model, "--commitment", commitment, cache=key_cache)
    assert ok.returncode == 0 and "bound to: the model in" in ok.stdout and "the weights committed to" in ok.stdout, ok.stderr
    path_lenient = tmp_path / "lenient.proof.json"
    lenient.save(path_lenient)
    bad = pyleo("verify", str(path_lenient), "--model", model, "--commitment", commitment, cache=key_cache)
    assert bad.returncode == 1 and "INVALID: the proof's commitment" in bad.stderr
    alone = pyleo("verify", str(path), "--commitment", commitment, cache=key_cache)
    assert alone.returncode == 1 and "also name the trusted program" in alone.stderr and "Traceback" not in alone.stderr
