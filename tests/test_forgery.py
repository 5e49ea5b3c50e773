"""Forgery suite: every field of every file a verifier reads, forged one at a time.

For each verifier-facing format (a proof, a split proof, a public model file) and each field its
writer emits, a forged copy is verified (:func:`pyleo.trust.verify`) under each way of naming what is
trusted. The oracle is the honest file's verdict: a forged field is either rejected with a reason that
names it, or it is one the policy declares "not reported" (:data:`pyleo.trust.FIELDS`) and the verdict
is then exactly the honest one. A field a writer emits without a binding or a "not reported" entry
fails :func:`test_every_field_a_writer_emits_is_bound_or_not_reported`.

Real proofs, made once per module: linear_scorer.aleo/score (examples/scorer.py), a 2-part split of
``splitab.small`` below, and a private-weights logistic regression (with a proof made with other
weights of the same program).
"""

from __future__ import annotations

import copy
import json
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from pyleo import split, trust, vm
from pyleo.errors import InputError, PyleoError
from pyleo_cli.common import MAX_SHOWN_CHARS

pytestmark = [pytest.mark.needs_params, pytest.mark.prove]

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT / "examples" / "scorer.py"


@pl.function
def small(x: pl.Public[pl.Array[pl.I64, 4]], a: pl.Public[pl.I64], b: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    """Part 0 reads x and a, part 1 reads b (split in 2 parts): which proved input is which is what `params` says."""
    acc: pl.I64 = a
    for i in range(4):
        acc = acc * 3 + x[i]
    for i in range(4):
        acc = acc * 3 + b
    return acc


prog = pl.Program("splitab", [small])
SMALL_ARGS = ([1, 2, 3, 4], 5, 2)


def pyleo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


# ---------------------------------------------------------------------------------------------- artifacts
@pytest.fixture(scope="module")
def scorer() -> pl.Program:
    return runpy.run_path(str(SCORER))["prog"]


@pytest.fixture(scope="module")
def single(scorer: pl.Program) -> dict[str, Any]:
    """A proof file's object, made under the browser's rules so that it carries every field (block_height)."""
    return scorer.prove("score", [1, 2, 3, 4], 10, block_height=vm.WASM_BLOCK_HEIGHT).to_json()


@pytest.fixture(scope="module")
def split_doc() -> dict[str, Any]:
    sp = prog.prove_split("small", *SMALL_ARGS, parts=2)
    assert sp.params == [[0, 1], [2]] and sp.outputs == [str(small(*SMALL_ARGS)) + "i64"]   # the interpreter's value
    return sp.to_json()


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A private-weights model: the owner's file, its public model file, a proof, and a proof of the same program
    made with other weights (the classes' rows rotated)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from stdlib_ml import from_sklearn

    X, y = load_iris(return_X_y=True)
    zk = from_sklearn(LogisticRegression(max_iter=1000).fit(X, y), X, weights="private", inputs="public")
    tmp = tmp_path_factory.mktemp("private")
    proof = zk.prove(X[120])
    (enc,) = zk.encode(X[120][None])
    w = {k: np.asarray(v, dtype=object).tolist() for k, v in zk.module.OWNER_WEIGHTS.items()}
    w["W"], w["B"] = w["W"][1:] + w["W"][:1], w["B"][1:] + w["B"][:1]
    other = zk.program.prove("predict", enc, zk.opening(w))
    assert other.outputs[0] != proof.outputs[0]
    paths = {"owner": zk.save(tmp / "owner.py"), "public": zk.save_public(tmp / "public.json", verifying_key=True),
             "proof_file": tmp / "p.proof.json", "other_file": tmp / "other.proof.json"}
    proof.save(paths["proof_file"])
    other.save(paths["other_file"])
    return {"zk": zk, "proof": proof.to_json(), "other": other.to_json(), **paths}


# ---------------------------------------------------------------------------------------------- the oracle
def judged(doc: Any, trusted: trust.Trusted) -> tuple[trust.Verdict | None, str]:
    """The verdict on ``doc`` and the reason it is not valid; None when the verifier's own trusted items are
    refused (an InputError: they contradict each other). Whatever is wrong with the proof file itself is an
    invalid verdict with its reason (`pyleo verify` prints INVALID), never an error: any other exception fails."""
    try:
        verdict = trust.verify(copy.deepcopy(doc), trusted)
    except InputError as e:
        return None, str(e)
    return verdict, verdict.reason or ""


def names(field: str, reason: str) -> bool:
    """Whether ``reason`` names ``field`` (as written, with spaces for underscores, or one of a list's items)."""
    low = reason.lower()
    return any(name in low for f in (field, field.removesuffix("s")) for name in (f.lower(), f.replace("_", " ").lower()))


def assert_forgery_fails(fmt: str, field: str, honest: trust.Verdict, forged: Any, trusted: trust.Trusted) -> None:
    bound, not_reported = trust.FIELDS[fmt]
    verdict, reason = judged(forged, trusted)
    if verdict is not None and verdict.valid:
        assert field in not_reported, f"forged {field!r} accepted: {verdict.claims()}"
        assert verdict.claims() == honest.claims(), f"forged {field!r} changes what is reported"
    elif field in bound:
        assert names(field, reason), f"forged {field!r} rejected without naming it: {reason}"


def forge(doc: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    return {**copy.deepcopy(doc), field: value}


def generic(value: Any) -> Any:
    """Some other value of the same kind (for a field with no forgery of its own below)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[::-1] if len(value) > 1 else value + "x"
    if isinstance(value, list):
        return value[::-1] if len(value) > 1 else value + value
    if isinstance(value, dict):
        return {k: generic(v) for k, v in value.items()}
    return "forged"


def with_execution_output(doc: dict[str, Any], value: str) -> dict[str, Any]:
    """The proof with its first public output changed inside the execution (and in its readable copy)."""
    forged = copy.deepcopy(doc)
    execution = json.loads(forged["execution"])
    outputs = execution["transitions"][0]["outputs"]
    first = next(o for o in outputs if o["type"] == "public")
    first["value"] = value
    forged["execution"] = json.dumps(execution)
    forged["public_outputs"] = [value if v == doc["public_outputs"][0] else v for v in doc["public_outputs"]]
    return forged


def proof_forgeries(doc: dict[str, Any], other_vk: str) -> dict[str, list[dict[str, Any]]]:
    """Forged copies of a proof file's object, by field (several for some)."""
    public = [v for v in doc["public_inputs"] if v is not None]
    return {
        "format": [forge(doc, "format", "pyleo-proof/1")],
        "network": [forge(doc, "network", "testnet")],
        "program_id": [forge(doc, "program_id", "other.aleo")],
        "program_checksum": [forge(doc, "program_checksum", "0" * 64)],
        "function": [forge(doc, "function", "predict")],
        "public_inputs": [forge(doc, "public_inputs", [("11i64" if v is not None else v) for v in doc["public_inputs"]]
                                if public else ["11i64", *doc["public_inputs"][1:]])],
        "public_outputs": [forge(doc, "public_outputs", ["28i64"])],
        "constraints": [forge(doc, "constraints", doc["constraints"] + 1)],
        "verifying_key": [forge(doc, "verifying_key", other_vk)],
        "execution": [with_execution_output(doc, "28i64")],
        "program": [forge(doc, "program", doc["program"].replace("score", "score", 1) + "\n")],
        "block_height": [forge(doc, "block_height", 10_000_000), forge(doc, "block_height", 2**32)],
        "timings": [forge(doc, "timings", {"prove": 0.001})],
        "pyleo": [forge(doc, "pyleo", "0.0.1")],
        "aleo_sdk": [forge(doc, "aleo_sdk", "0.0.1")],
        "snarkvm": [forge(doc, "snarkvm", "0.0.1")],
    }


def declared(fmt: str) -> list[str]:
    bound, not_reported = trust.FIELDS[fmt]
    return sorted({*bound, *not_reported})


# ---------------------------------------------------------------------------------------------- completeness
def test_every_field_a_writer_emits_is_bound_or_not_reported(single: dict[str, Any], split_doc: dict[str, Any],
                                                              private: dict[str, Any]) -> None:
    public = json.loads(private["public"].read_text())
    for doc in (single, split_doc, public, *split_doc["parts"]):
        bound, not_reported = trust.FIELDS[doc["format"]]
        assert not set(bound) & set(not_reported)
        assert set(doc) <= set(bound) | set(not_reported), \
            f"{doc['format']}: fields without a binding or a 'not reported' entry: {set(doc) - set(bound) - set(not_reported)}"
    for doc in (single, split_doc, public):   # written with every optional field (block_height, verifying_keys)
        assert set(doc) == set(declared(doc["format"])), f"{doc['format']}: declared but never written"
    assert set(trust.FIELDS) >= {vm.PROOF_FORMAT, split.SPLIT_FORMAT, trust.PUBLIC_MODEL_FORMAT}   # and the batch manifest


def test_the_public_model_format_is_written_in_one_python_module() -> None:
    holders = [p for d in ("pyleo", "stdlib_ml", "cli") for p in (ROOT / d).rglob("*.py")
               if trust.PUBLIC_MODEL_FORMAT in p.read_text()]
    assert holders == [ROOT / "pyleo" / "trust" / "formats.py"]


# ---------------------------------------------------------------------------------------------- single proofs
SINGLE_MODES: dict[str, Callable[[pl.Program], trust.Trusted]] = {
    "unbound": lambda p: trust.Trusted(),
    "checksum": lambda p: trust.Trusted(checksum=p.checksum()),
    "program": lambda p: trust.Trusted(program=p.aleo()),
    "verifying key": lambda p: trust.Trusted(verifying_key=vm.verifying_key(p.aleo(), "score")),
    "model": lambda p: trust.Trusted(programs={p.name: p}),
}


@pytest.mark.parametrize("mode", SINGLE_MODES)
@pytest.mark.parametrize("field", declared(vm.PROOF_FORMAT))
def test_a_forged_proof_field_is_rejected_or_not_reported(single: dict[str, Any], split_doc: dict[str, Any],
                                                          scorer: pl.Program, field: str, mode: str) -> None:
    trusted = SINGLE_MODES[mode](scorer)
    honest, reason = judged(single, trusted)
    assert honest is not None and honest.valid, reason
    assert honest.outputs == ["27i64"] and honest.inputs == [(2, "10i64")] and honest.function == "score"
    for forged in proof_forgeries(single, split_doc["parts"][0]["verifying_key"]).get(field, [forge(single, field, generic(single[field]))]):
        assert_forgery_fails(vm.PROOF_FORMAT, field, honest, forged, trusted)


# ---------------------------------------------------------------------------------------------- split proofs
SPLIT_MODES: dict[str, Callable[[dict[str, Any]], trust.Trusted]] = {
    "unbound": lambda d: trust.Trusted(),
    "checksum": lambda d: trust.Trusted(checksum=vm.program_checksum(d["parts"][0]["program"])),
    "program": lambda d: trust.Trusted(program=d["parts"][0]["program"]),
    "model": lambda d: trust.Trusted(programs={prog.name: prog}),
}


def split_forgeries(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    parts = doc["parts"]
    return {
        "format": [forge(doc, "format", "pyleo-split-proof/0")],
        "source_program": [forge(doc, "source_program", "scorer"), forge(doc, "source_program", "splitab_small")],
        # the issue's forgeries: inputs swapped, an input that does not exist, one dropped from the report
        "params": [forge(doc, "params", [[0, 2], [1]]), forge(doc, "params", [[0, 1], [7]]),
                   forge(doc, "params", [[0, -1], [2]]), forge(doc, "params", [[0], [2]])],
        "function": [forge(doc, "function", "small_p0")],
        "budget": [forge(doc, "budget", doc["budget"] * 2), forge(doc, "budget", 1)],
        "constraints": [forge(doc, "constraints", doc["constraints"] - 1)],
        "public_outputs": [forge(doc, "public_outputs", ["1i64"])],
        "parts": [forge(doc, "parts", parts[::-1]), forge(doc, "parts", parts[:1]),
                  forge(doc, "parts", [parts[0], with_execution_output(parts[1], "1i64")])],
        "pyleo": [forge(doc, "pyleo", "0.0.1")],
        "aleo_sdk": [forge(doc, "aleo_sdk", "0.0.1")],
        "snarkvm": [forge(doc, "snarkvm", "0.0.1")],
    }


@pytest.mark.parametrize("mode", [m for m in SPLIT_MODES if m != "model"])
def test_a_part_of_a_split_proof_alone_is_not_a_proof(split_doc: dict[str, Any], mode: str) -> None:
    """A split proof's last part, given alone as a proof file: it is one execution of the split program, which the
    verifier pins (--checksum, --program), so it verified, with the function's output as its public output, yet it
    proves nothing of the function's inputs (its incoming link is whatever the prover chose). Every part alone is
    invalid, naming the split proof it belongs to; the whole split proof stays valid."""
    trusted = SPLIT_MODES[mode](split_doc)
    assert judged(split_doc, trusted)[0].valid
    for k, part in enumerate(split_doc["parts"]):
        verdict, reason = judged(part, trusted)
        assert verdict is not None and not verdict.valid, (k, mode)
        assert f"part {k} of a split proof of `small`" in reason and "verify the split proof" in reason, reason
    # a program of the user's own that only looks like one (no F_p1 beside F_p0) is no split program
    assert split.part_of("my_split.aleo", "layer_p0", "program my_split.aleo;\n\nfunction layer_p0:\n") is None


@pytest.mark.parametrize("mode", SPLIT_MODES)
@pytest.mark.parametrize("field", declared(split.SPLIT_FORMAT))
def test_a_forged_split_proof_field_is_rejected_or_not_reported(split_doc: dict[str, Any], field: str,
                                                                mode: str) -> None:
    trusted = SPLIT_MODES[mode](split_doc)
    honest, reason = judged(split_doc, trusted)
    assert honest is not None and honest.valid, reason
    value = small(*SMALL_ARGS)
    # what was proved: x = [1, 2, 3, 4] and a = 5 as inputs 1 and 2, b = 2 as input 3, read from the parts' executions
    assert honest.inputs == [(1, "[1i64, 2i64, 3i64, 4i64]"), (2, "5i64"), (3, "2i64")] and honest.outputs == [f"{value}i64"]
    assert honest.program_id == "splitab.aleo" and honest.function == "small" and len(honest.parts) == 2
    for forged in split_forgeries(split_doc).get(field, [forge(split_doc, field, generic(split_doc[field]))]):
        assert_forgery_fails(split.SPLIT_FORMAT, field, honest, forged, trusted)


def test_split_params_are_read_from_the_split_program(split_doc: dict[str, Any]) -> None:
    program = split_doc["parts"][0]["program"]
    assert split.declared_params(program, "small", 2) == [[0, 1], [2]]
    assert "struct small_in0:\n    a0 as boolean;\n    a1 as boolean;\n" in program


# ---------------------------------------------------------------------------------------------- types and ranges
MISTYPED: list[Any] = [True, False, 0, -5, 1.5, 10**400, "7", None, [], {"prove": 10**400}]
"""Values of another JSON type or out of range for any field: Python's ``True == 1`` and ``1.0 == 1`` let a bool or
a float pass a comparison with a count; ``10**400`` overflows a float; ``{"prove": 10**400}`` is a timings object
whose number overflows one."""

TYPED_MODES: dict[str, tuple[str, str]] = {"proof": ("single", "unbound"), "split proof": ("split_doc", "model")}


@pytest.mark.parametrize("kind", TYPED_MODES)
def test_a_field_of_another_type_or_range_is_an_invalid_proof_not_an_error(single: dict[str, Any], split_doc: dict[str, Any],
                                                                          scorer: pl.Program, kind: str) -> None:
    """Each field of a proof file and of a split proof file set to each value of :data:`MISTYPED`: the verdict is
    "invalid" naming the field (what `pyleo verify` prints as INVALID, exit status 1), or, for a field nothing is
    reported from, exactly the honest verdict; never an error or an exception (a split proof's budget of 1, -5 or
    `true` made `pyleo verify --model` print "error: cannot split"; `true` passed as a budget of 1)."""
    doc = single if TYPED_MODES[kind][0] == "single" else split_doc
    mode = TYPED_MODES[kind][1]
    trusted = SINGLE_MODES[mode](scorer) if doc is single else SPLIT_MODES[mode](split_doc)
    honest = trust.verify(copy.deepcopy(doc), trusted)
    assert honest.valid, honest.reason
    bound, not_reported = trust.FIELDS[doc["format"]]
    for field in doc:
        for value in MISTYPED[:1] if field in not_reported else MISTYPED:   # unread: one value (a full verification)
            verdict = trust.verify(forge(doc, field, value), trusted)
            if verdict.valid:
                assert field in not_reported and verdict.claims() == honest.claims(), (field, value)
            else:
                assert names(field, verdict.reason or "") or field == "format", (field, value, verdict.reason)
    # a `true` inside a list of counts, and a float copy of the constraints, read as 1 and as the count by `==`
    for forged in (forge(doc, "params", [[0, True], [2]]), forge(doc, "constraints", float(doc["constraints"]))) \
            if doc is split_doc else (forge(doc, "constraints", float(doc["constraints"])),):
        verdict = trust.verify(forged, trusted)
        assert not verdict.valid, forged


def model_source(tmp_path: Path) -> Path:
    """The model file of ``splitab`` (its function's source and the program), for `pyleo verify --model`."""
    import inspect

    path = tmp_path / "splitab.py"
    path.write_text("import pyleo as pl\n\n\n" + inspect.getsource(small).replace(small.__doc__ or "", "") +
                    '\n\nprog = pl.Program("splitab", [small])\n')
    return path


def verify_cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    return CliRunner().invoke(app, ["verify", *args])


def test_pyleo_verify_answers_invalid_for_a_forged_file_and_another_model_s_proof(single: dict[str, Any],
                                                                                 split_doc: dict[str, Any],
                                                                                 tmp_path: Path) -> None:
    """`pyleo verify` on a forged budget (1: no split of the model fits it; -5; `true`), a key written twice (the
    first a forged copy a person reads, the second the one a reader keeps), a truncated file, or a proof of one
    model presented with another model's file: INVALID with the reason and exit status 1, as for a proof that does
    not verify; never "error:" (which `pyleo verify` keeps for the verifier's own bad options and files)."""
    model = model_source(tmp_path)
    honest = json.dumps(split_doc)
    twice = honest.replace('"public_outputs": ', '"public_outputs": ["1i64"], "public_outputs": ', 1)
    cases = {"budget 1": (forge(split_doc, "budget", 1), "budget"), "budget -5": (forge(split_doc, "budget", -5), "budget"),
             "budget true": (forge(split_doc, "budget", True), "budget"),
             "a key twice": (twice, "'public_outputs' appears twice"), "truncated": (honest[:len(honest) // 2], "not JSON"),
             "another model": (single, "not a proof of the model you trust"),
             "a forged value 100,000 characters long": (forge(single, "format", "x" * 100_000), "characters more")}
    for case, (doc, why) in cases.items():
        path = tmp_path / "forged.proof.json"
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
        done = verify_cli(str(path), "--model", str(model))
        assert done.exit_code == 1 and "INVALID: " in done.output and why in done.output, (case, done.output)
        assert "error:" not in done.output, (case, done.output)
        assert len(done.output) < 3 * MAX_SHOWN_CHARS, case   # a reason quoting a forged value is cut
    path.write_text(honest)
    assert verify_cli(str(path), "--model", str(model)).exit_code == 0
    done = verify_cli(str(path), "--model", str(SCORER))   # the split proof of splitab with the scorer's model
    assert done.exit_code == 1 and "INVALID: the split proof's source program is splitab.aleo" in done.output, done.output
    for missing in (tmp_path / "absent.json", tmp_path):   # the verifier's own argument: an error, not a verdict
        done = verify_cli(str(missing))
        assert done.exit_code == 1 and "error: cannot read" in done.output, done.output


# ---------------------------------------------------------------------------------------------- public model files
def public_model_forgeries(doc: dict[str, Any], other_vk: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "format": [forge(doc, "format", "pyleo-public-model/0")],
        "program": [forge(doc, "program", doc["program"].replace("predict", "predict ", 1))],
        "checksum": [forge(doc, "checksum", "0" * 64)],
        "function": [forge(doc, "function", "score")],
        "commitment": [forge(doc, "commitment", "1field"), forge(doc, "commitment", None)],
        "verifying_keys": [forge(doc, "verifying_keys", {"predict": other_vk})],
        "program_id": [forge(doc, "program_id", "other.aleo")],
        "weights": [forge(doc, "weights", "public")],
    }


@pytest.mark.parametrize("field", declared(trust.PUBLIC_MODEL_FORMAT))
def test_a_forged_public_model_field_is_rejected_or_not_reported(private: dict[str, Any], single: dict[str, Any],
                                                                 field: str) -> None:
    doc = json.loads(private["public"].read_text())
    honest, reason = judged(private["proof"], trust.Trusted(public_model=trust.parse_public_model(doc, "public.json")))
    assert honest is not None and honest.valid, reason
    assert f"the weights committed to by {private['zk'].commitment}" in honest.bound
    for forged in public_model_forgeries(doc, single["verifying_key"]).get(field, [forge(doc, field, generic(doc[field]))]):
        try:
            trusted = trust.Trusted(public_model=trust.parse_public_model(forged, "public.json"))
        except PyleoError as e:
            assert field in trust.FIELDS[trust.PUBLIC_MODEL_FORMAT][1] or names(field, str(e)), str(e)
            continue
        assert_forgery_fails(trust.PUBLIC_MODEL_FORMAT, field, honest, private["proof"], trusted)


def test_a_public_model_file_with_a_key_twice_or_nan_is_refused(private: dict[str, Any], tmp_path: Path) -> None:
    """A public model file (the verifier's own trusted file) whose "commitment" is written twice (a reader that keeps
    the first would bind other weights than this one, which keeps the last) or whose decoding scale is NaN (not JSON)
    is refused naming why, exit status 1: an error in what the verifier trusts, not a verdict on the proof."""
    text = private["public"].read_text()
    doc = json.loads(text)
    twice = text.replace('"commitment": ', '"commitment": "1field", "commitment": ', 1)
    nan = json.dumps({**doc, "decoding": {"classes": None, "scale": float("nan")}})
    for forged, why in ((twice, "'commitment' appears twice"), (nan, "NaN is not a JSON value")):
        path = tmp_path / "public.json"
        path.write_text(forged)
        done = verify_cli(str(private["proof_file"]), "--public-model", str(path))
        assert done.exit_code == 1 and why in done.output and "INVALID" not in done.output, done.output
    assert verify_cli(str(private["proof_file"]), "--public-model", str(private["public"])).exit_code == 0


# ---------------------------------------------------------------------------------------------- private weights
def test_the_owner_file_binds_the_committed_weights(private: dict[str, Any]) -> None:
    """`pyleo verify PROOF --model OWNER_FILE`: a proof made with other weights of the same program is refused."""
    ok = pyleo("verify", str(private["proof_file"]), "--model", str(private["owner"]))
    assert ok.returncode == 0 and f"the weights committed to by {private['zk'].commitment}" in ok.stdout, ok.stderr
    bad = pyleo("verify", str(private["other_file"]), "--model", str(private["owner"]))
    assert bad.returncode == 1 and "INVALID: the proof's commitment" in bad.stderr and "Traceback" not in bad.stderr
    # the same program, the other weights' proof: valid for the program alone, so only the commitment refuses it
    assert trust.verify(private["other"], trust.Trusted(program=private["zk"].program.aleo())).valid
    assert not private["zk"].verify(vm.Proof.from_json(private["other"]))


# ---------------------------------------------------------------------------------------------- the browser
def browser(calls: str) -> Any:
    """Run ``calls`` (JavaScript that sets ``out``) against cli/web/static/aleo.js in node (no WebAssembly needed)."""
    script = f'const m = await import("./static/aleo.js"); let out = null; {calls}; console.log(JSON.stringify(out));'
    done = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT / "cli" / "web", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_browser_verifier_applies_pyleo_verify_s_height_rule(single: dict[str, Any]) -> None:
    heights = [10_000_000, vm.WASM_BLOCK_HEIGHT - 1, vm.WASM_BLOCK_HEIGHT, 2**32 - 1, 2**32, "22175000", None]
    rejected = browser(f"out = {json.dumps(heights)}.map((h) => {{ try {{ m.verificationHeight({{block_height: h}}); "
                       "return false; } catch (e) { return e.message.includes('block_height'); } })")
    for h, js in zip(heights, rejected):   # the oracle: pyleo verify's own rule, on the proof with that height
        _, reason = judged(forge(single, "block_height", h), trust.Trusted())
        assert js == ("block height" in reason or "block_height" in reason), (h, reason)
    assert browser("out = m.WASM_BLOCK_HEIGHT") == vm.WASM_BLOCK_HEIGHT
    assert "global_state_root" in browser("out = m.NOT_REPORTED")


def test_the_browser_verifier_refuses_a_key_twice_as_pyleo_verify_does(single: dict[str, Any]) -> None:
    """JSON.parse keeps the last copy of a key written twice, so the /verify page verified a file `pyleo verify` calls
    INVALID (the first copy, a forged value, is what a person reading the file sees): aleo.js's parseStrict refuses
    it naming the key (the oracle: pyleo.files.parse_json on the same texts), and reads honest JSON as JSON.parse."""
    from pyleo.files import parse_json

    honest = json.dumps(single)
    texts = [honest, honest.replace('"public_outputs": ', '"public_outputs": ["28i64"], "public_outputs": ', 1),
             '{"a": {"b": [1, {"c": "x\\"y", "c": 2}]}}', '{"a\\u0062": 1, "ab": 2}', '{"a": 1, "b": {"a": [{}, []]}}']
    got = browser(f"out = {json.dumps(texts)}.map((t) => {{ try {{ return JSON.stringify(m.parseStrict(t)); }} "
                  "catch (e) { return 'refused: ' + e.message; } })")
    for text, js in zip(texts, got):
        try:
            want = json.dumps(parse_json(text.encode()), separators=(",", ":"))
        except ValueError as e:
            key = str(e).split("'")[1]
            assert js == f'refused: the key "{key}" appears twice in one object', (text[:60], js)
        else:
            assert json.loads(js) == json.loads(want), text[:60]
    assert got[1].startswith("refused") and not got[0].startswith("refused")


def file_forgeries(doc: dict[str, Any]) -> dict[str, str]:
    """Proof file texts forged in what `pyleo verify` reads before the execution (pyleo.vm.Proof.from_json: the
    format, the network, a field missing or of another JSON type), by name; "honest" is the file as written."""
    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k != key}

    texts = {"honest": json.dumps(doc), "split format": json.dumps(forge(doc, "format", split.SPLIT_FORMAT)),
             "constraints 13809.0": json.dumps(forge(doc, "constraints", float(doc["constraints"]))),
             "block_height as 2.2175e7": json.dumps(doc).replace(f'"block_height": {doc["block_height"]}',
                                                                   f'"block_height": {doc["block_height"] / 1e7}e7'),
             "constraints true": json.dumps(forge(doc, "constraints", True)),
             "public_outputs a text": json.dumps(forge(doc, "public_outputs", "27i64"))}
    texts.update({f"no {key}": json.dumps(without(key)) for key in
                  ("format", "network", "constraints", "public_inputs", "public_outputs", "program_id")})
    texts.update({key: json.dumps(forged[0]) for key, forged in proof_forgeries(doc, "").items()
                  if key in ("format", "network")})
    return texts


def test_the_browser_verifier_reads_a_proof_file_as_pyleo_verify_does(single: dict[str, Any]) -> None:
    """The /verify page verified proof files `pyleo verify` calls INVALID: another format or network, `constraints`
    written 13809.0 or missing, `public_outputs` missing: it read only the fields it verified with. Its reading of
    the file (parseStrict, proofFileReason, before the WebAssembly loads) refuses each, naming the field (the
    oracle: pyleo verify's verdict on the same text), and takes the honest file."""
    from pyleo.files import parse_json

    texts = file_forgeries(single)
    got = browser(f"out = Object.fromEntries(Object.entries({json.dumps(texts)}).map(([n, t]) => {{ const p = "
                  "m.parseStrict(t); let r = m.proofFileReason(p); if (!r) { try { m.verificationHeight(p); } "
                  "catch (e) { r = e.message; } } return [n, r]; }))")
    for name, text in texts.items():
        verdict, reason = judged(parse_json(text.encode()), trust.Trusted())
        assert verdict is not None and verdict.valid == (name == "honest") == (got[name] is None), (name, reason, got[name])
    assert "split proof" in got["split format"] and "block_height" in got["block_height as 2.2175e7"]
    assert "constraints" in got["constraints 13809.0"] and "network" in got["network"]


def test_the_browser_verifier_decodes_a_file_as_pyleo_verify_does(single: dict[str, Any]) -> None:
    """The /verify page read a file with File.text(), which drops a byte-order mark and puts U+FFFD for bytes that
    are not UTF-8: a proof file with a BOM, or with a byte 0xff in a field not reported, verified there and is
    INVALID to `pyleo verify` (not JSON / not UTF-8). decodeStrict + parseStrict refuse both (the oracle:
    pyleo.files.parse_json on the same bytes) and read the honest file."""
    from pyleo.files import parse_json

    honest = json.dumps(single).encode()
    files = {"honest": honest, "bom": b"\xef\xbb\xbf" + honest,
             "not utf-8": honest.replace(b'"pyleo": "', b'"pyleo": "\xff', 1)}
    assert files["not utf-8"] != honest
    got = browser(f"out = Object.fromEntries(Object.entries({json.dumps({n: list(b) for n, b in files.items()})})"
                  ".map(([n, b]) => { try { m.parseStrict(m.decodeStrict(new Uint8Array(b))); return [n, null]; } "
                  "catch (e) { return [n, e.name]; } }))")
    for name, raw in files.items():
        try:
            parse_json(raw)
        except ValueError:
            assert got[name] is not None, name
        else:
            assert got[name] is None and name == "honest", (name, got[name])


def test_the_browser_reads_a_commitment_as_pyleo_verify_does() -> None:
    """A public model file's commitment is a field element: `pyleo verify` reads "-5field" as p - 5 and "0005field"
    as 5 (pyleo.values.field_literal), the page compared the text, so a proof pyleo verify accepts against such a
    file was refused there; aleo.js's fieldLiteral reads it as field_literal does (the oracle), and refuses text
    that is not a field element as field_literal does."""
    from pyleo.types import FIELD_MODULUS
    from pyleo.values import field_literal

    texts = ["-5field", "0005field", " 12 field", "12", str(FIELD_MODULUS) + "field", "-0field", "abc", "1" * 81,
             "12fieldfield", "+3field", ""]
    got = browser(f"out = [String(m.FIELD_MODULUS), {json.dumps(texts)}.map((t) => {{ try {{ return m.fieldLiteral(t); }} "
                  "catch (e) { return null; } })]")
    assert got[0] == str(FIELD_MODULUS)
    for text, js in zip(texts, got[1]):
        try:
            want = field_literal(text)
        except InputError:
            want = None
        assert js == want, (text, js, want)


def test_the_browser_verifier_binds_the_public_model_s_commitment(private: dict[str, Any]) -> None:
    commitment = private["zk"].commitment
    reasons = browser(f"out = [{json.dumps(private['proof'])}, {json.dumps(private['other'])}].map("
                      f"(p) => m.commitmentReason(p, {json.dumps(commitment)}))")
    assert reasons[0] is None and "not the published" in reasons[1]


# ---------------------------------------------------------------------------------------------- a value's text
def with_public_text(doc: dict[str, Any], text_of: Callable[[str], str]) -> dict[str, Any]:
    """The proof with the text of every public value in its execution rewritten by ``text_of`` into text that
    snarkVM's parser reads as the same value (whitespace, comments), its readable copies left honest."""
    forged = copy.deepcopy(doc)
    execution = json.loads(forged["execution"])
    for item in (*execution["transitions"][0]["inputs"], *execution["transitions"][0]["outputs"]):
        if item["type"] == "public":
            item["value"] = text_of(item["value"])
    forged["execution"] = json.dumps(execution)
    return forged


COMMENTED: list[Callable[[str], str]] = [
    lambda v: f"/* the bank approves this loan */ {v}",
    lambda v: "// label: approved\n" + v.replace("[", "[ /* 9i64, 9i64, */ ", 1),
]
"""Texts of a value that snarkVM reads as the value itself (its parser skips comments and whitespace)."""


def test_a_public_value_is_reported_as_proved_not_as_the_file_writes_it(single: dict[str, Any], split_doc: dict[str, Any],
                                                                         scorer: pl.Program) -> None:
    """The proof covers the value snarkVM reads, not its text: a file whose public values carry comments still
    verifies, so what the verifier is told must be exactly the honest file's (the oracle), never the file's text;
    a readable copy holding that text disagrees with the execution and is refused; a text that is no Aleo value
    is refused."""
    trusted = SINGLE_MODES["model"](scorer)
    honest, reason = judged(single, trusted)
    assert honest is not None and honest.valid, reason
    for text_of in COMMENTED:
        verdict, reason = judged(with_public_text(single, text_of), trusted)
        assert verdict is not None and verdict.valid, reason   # snarkVM verifies it: the text is not proved
        assert verdict.claims() == honest.claims() and verdict.outputs == ["27i64"]
        copied = {**with_public_text(single, text_of), "public_outputs": [text_of("27i64")]}
        verdict, reason = judged(copied, trusted)
        assert verdict is not None and not verdict.valid and "public_outputs" in reason
    verdict, reason = judged(with_public_text(single, lambda v: v + "x"), trusted)
    assert verdict is not None and not verdict.valid and "not an Aleo value" in reason
    split_trusted = SPLIT_MODES["model"](split_doc)
    honest, reason = judged(split_doc, split_trusted)
    assert honest is not None and honest.valid, reason
    forged = {**split_doc, "parts": [with_public_text(split_doc["parts"][0], COMMENTED[1]), *split_doc["parts"][1:]]}
    verdict, reason = judged(forged, split_trusted)
    assert verdict is not None and verdict.valid and verdict.claims() == honest.claims(), reason
    assert verdict.inputs[0] == (1, "[1i64, 2i64, 3i64, 4i64]")


def test_names_a_message_quotes_are_identifiers(single: dict[str, Any], split_doc: dict[str, Any], tmp_path: Path) -> None:
    """A program or function name is an Aleo identifier: one carrying terminal controls or a line break (which a
    rejection's reason would quote, drawing "valid: …" over the INVALID line) is refused when the file is read,
    quoted; and `pyleo verify` prints nothing that moves the terminal's cursor."""
    drawn = "\x1b[1A\x1b[2K\rvalid: linear_scorer.aleo/score"
    execution = json.loads(single["execution"])
    execution["transitions"][0]["program"] = "x.aleo" + drawn
    forged = {**single, "execution": json.dumps(execution), "program_id": "x.aleo" + drawn}
    verdict, reason = judged(forged, trust.Trusted())
    assert verdict is not None and not verdict.valid and "not Aleo identifiers" in reason and "\\x1b" in reason, reason
    verdict, reason = judged({**single, "function": "score\n" + drawn}, trust.Trusted())
    assert verdict is not None and not verdict.valid and "not an Aleo identifier" in reason, reason
    verdict, reason = judged({**split_doc, "function": "small\n" + drawn}, trust.Trusted())
    assert verdict is not None and not verdict.valid and "not an Aleo identifier" in reason, reason
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    path = tmp_path / "forged-names.proof.json"
    path.write_text(json.dumps(forged))
    done = CliRunner().invoke(app, ["verify", str(path), "--model", str(SCORER)])
    assert done.exit_code == 1 and "\x1b" not in done.output and "\r" not in done.output, done.output
    assert not any(line.startswith("valid") for line in done.output.splitlines()), done.output


def test_a_cached_binary_key_binds_the_key_the_file_carries(single: dict[str, Any], split_doc: dict[str, Any],
                                                           scorer: pl.Program) -> None:
    """`pyleo verify --vk F.vk` with a key cache's binary key: the file's verifying_key must be that key too (it was
    not compared, so a file carrying another circuit's key, which a browser verifying with the file's key would
    use, passed)."""
    key = bytes(vm.read_verifying_key(vm.verifying_key(scorer.aleo(), "score"), "the trusted", PyleoError).bytes())
    trusted = trust.Trusted(verifying_key=key)
    honest, reason = judged(single, trusted)
    assert honest is not None and honest.valid, reason
    forged = forge(single, "verifying_key", split_doc["parts"][0]["verifying_key"])
    assert_forgery_fails(vm.PROOF_FORMAT, "verifying_key", honest, forged, trusted)
    verdict, reason = judged(forged, trusted)
    assert verdict is not None and not verdict.valid and "verifying_key" in reason, reason


WASM_HOOK = ('export async function resolve(s, c, next) { return next(s === "/wasm/index.js" ? '
             '"@provablehq/wasm/mainnet.js" : s, c); }')
"""A node loader hook resolving the page's ``/wasm/index.js`` to the installed @provablehq/wasm package."""


def in_wasm(calls: str, tmp_path: Path) -> Any:
    """Run ``calls`` (JavaScript that sets ``out``, with aleo.js as ``m``) in node with Aleo's WebAssembly verifier."""
    script = ('import { readFile } from "node:fs/promises"; const webFetch = globalThis.fetch;'
              'globalThis.fetch = async (u, ...r) => String(u).startsWith("file:") ? new Response(await readFile('
              'new URL(String(u))), { headers: { "content-type": "application/wasm" } }) : webFetch(u, ...r);'
              f'const m = await import("./static/aleo.js"); {calls}; console.log(JSON.stringify(out));')
    (tmp_path / "hook.mjs").write_text(WASM_HOOK)
    (tmp_path / "register.mjs").write_text('import { register } from "node:module"; register("./hook.mjs", import.meta.url);')
    done = subprocess.run(["node", "--import", str(tmp_path / "register.mjs"), "--input-type=module"], input=script,
                          cwd=ROOT / "cli" / "web", capture_output=True, text=True, timeout=600)   # the script on stdin: long
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_browser_and_pyleo_verify_give_one_verdict_on_every_forged_proof_file(
        single: dict[str, Any], split_doc: dict[str, Any], scorer: pl.Program, tmp_path: Path) -> None:
    """Every forgery of this suite's proof file (each field, proof_forgeries, and the file's own fields missing or
    of another JSON type, file_forgeries), verified by `pyleo verify --public-model` (pyleo.trust.verify) and by the
    /verify page (aleo.js's parseStrict and verifyProof, with the same public model file, in node with Aleo's
    WebAssembly verifier): one verdict. The page verified a file whose public_outputs, public_inputs, constraints,
    network or format copy was forged, or missing."""
    key = vm.verifying_key(scorer.aleo(), "score")
    model = trust.public_model_json(scorer.aleo(), "linear_scorer.aleo", "score", "public", None, {"score": key})
    texts = file_forgeries(single)
    for field, forged in proof_forgeries(single, split_doc["parts"][0]["verifying_key"]).items():
        texts.update({f"{field} {i}": json.dumps(doc) for i, doc in enumerate(forged)})
    texts["program with a comment"] = json.dumps(forge(single, "program", single["program"] + "// the same program\n"))
    models = {"honest": model, "no checksum": {k: v for k, v in model.items() if k != "checksum"},
              "weights null": {**model, "weights": None}, "function 5": {**model, "function": 5},
              "program with a comment, its checksum kept": {**model, "program": model["program"] + "// hi\n"}}
    got, refused = in_wasm(
        f'const trust = await m.publicModelTrust({json.dumps(json.dumps(model))}); const out = [{{}}, {{}}];'
        f'for (const [n, t] of Object.entries({json.dumps(texts)})) {{'
        ' const r = await m.verifyProof(m.parseStrict(t), trust); out[0][n] = [r.verified, r.reason]; }'
        f'for (const [n, t] of Object.entries({json.dumps({n: json.dumps(d) for n, d in models.items()})})) {{'
        ' try { await m.publicModelTrust(t); out[1][n] = null; } catch (e) { out[1][n] = e.message; } }', tmp_path)
    from pyleo.files import parse_json

    trusted = trust.Trusted(public_model=trust.formats.parse_public_model(model, "public.json"))
    for name, text in texts.items():
        verdict, reason = judged(parse_json(text.encode()), trusted)
        assert verdict is not None and verdict.valid == got[name][0], (name, reason, got[name])
    assert got["honest"] == [True, None] and sum(not v for v, _ in got.values()) >= len(texts) - 5
    for name, doc in models.items():   # the trusted file: pyleo verify's error, the page's refusal
        try:
            trust.formats.parse_public_model(copy.deepcopy(doc), "public.json")
        except InputError as e:
            assert refused[name] is not None, (name, str(e))
        else:
            assert refused[name] is None and name == "honest", (name, refused[name])


@pytest.mark.slow
def test_the_browser_verifier_reports_values_as_proved_and_binds_the_file_s_copies(single: dict[str, Any],
                                                                                    scorer: pl.Program, tmp_path: Path) -> None:
    """aleo.js's verifyProof (the /verify page) with Aleo's WebAssembly verifier, in node: a proof whose public
    output carries a comment verifies (the text is not proved) and its outputs are reported as snarkVM reads them;
    a proof whose program_id copy names another program is refused (the page showed that copy); a public model
    file of private weights without its commitment is refused (publicModelTrust)."""
    key = vm.verifying_key(scorer.aleo(), "score")
    trusted = {"checksum": scorer.checksum(), "programId": "linear_scorer.aleo", "function": "score",
               "verifyingKey": key, "commitment": None}
    proofs = [single, with_public_text(single, COMMENTED[1]), forge(single, "program_id", "credit_scorecard.aleo")]
    uncommitted = trust.public_model_json(scorer.aleo(), "linear_scorer.aleo", "score", "private", None, {"score": key})
    (honest, commented, renamed, refused) = in_wasm(
        f'const out = []; for (const p of {json.dumps(proofs)}) {{ const r = await m.verifyProof(p, {json.dumps(trusted)});'
        ' out.push([r.verified, r.reason, r.outputs ?? null]); }'
        f'try {{ await m.publicModelTrust({json.dumps(json.dumps(uncommitted))}); out.push("accepted"); }}'
        ' catch (e) { out.push(e.message); }', tmp_path)
    assert "weights" in refused and "altered" in refused   # private weights whose commitment was removed
    assert honest == [True, None, ["27i64"]]
    assert commented == [True, None, ["27i64"]]
    assert renamed[0] is False and "program_id" in renamed[1] and "credit_scorecard" in renamed[1]


def test_a_model_does_not_read_another_program_s_proof_as_its_answer(private: dict[str, Any], single: dict[str, Any]) -> None:
    """ZkModel.decode_proof read any proof's first output as the model's class (the quickstart prints it beside
    zk.verify): a proof of another program is refused, one of the model's own program is read (the oracle: the
    prover's label)."""
    zk = private["zk"]
    with pytest.raises(PyleoError, match="not of this model's"):
        zk.decode_proof(vm.Proof.from_json(single))
    from sklearn.datasets import load_iris

    X, _ = load_iris(return_X_y=True)
    assert zk.decode_proof(vm.Proof.from_json(private["proof"])) == zk.predict(X[120:121])[0]   # the proved row's


@pytest.mark.slow
def test_an_unbound_split_proof_whose_parts_output_nothing_is_invalid_not_a_crash() -> None:
    """Unbound, a split proof carries its own split program: one whose parts have no outputs (so no link) made
    the link check index past them ("internal error: IndexError"); it is an invalid proof naming the link."""
    program = ("program evil_f_split.aleo;\n\nfunction f_p0:\n    input r0 as u8.public;\n    assert.eq r0 r0;\n\n"
               "function f_p1:\n    input r0 as u8.public;\n    assert.eq r0 r0;\n")
    parts = [vm.prove(program, f"f_p{k}", ["1u8"]) for k in range(2)]
    verdict, reason = judged(split.SplitProof("f", 16384, parts, [[], []], "evil").to_json(), trust.Trusted())
    assert verdict is not None and not verdict.valid and "the link between part 0 and part 1 is broken" in reason


def test_every_reader_of_others_files_refuses_by_one_rule(tmp_path: Path) -> None:
    """``pyleo.files.read_limited``, the one reader of files someone else wrote (proofs, public model files, batch
    manifests, trusted programs and keys): a folder, a named pipe (without waiting for a writer) and a device are
    unreadable, a file one byte over the limit is too large, a key twice or NaN is not JSON; an honest file reads."""
    import os

    from pyleo.files import NOT_JSON, TOO_LARGE, UNREADABLE, Refused, read_limited
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = {tmp_path: UNREADABLE, fifo: UNREADABLE, Path("/dev/zero"): UNREADABLE, tmp_path / "absent": UNREADABLE}
    for name, text in {"big": "[" + "0," * 50 + "0]", "twice": '{"a": 1, "a": 2}', "nan": "[NaN]"}.items():
        (tmp_path / name).write_text(text)
    cases.update({tmp_path / "big": TOO_LARGE, tmp_path / "twice": NOT_JSON, tmp_path / "nan": NOT_JSON})
    for path, kind in cases.items():
        with pytest.raises(Refused) as refused:
            read_limited(path, 100)
        assert refused.value.kind == kind, (path, refused.value.kind, refused.value.reason)
    (tmp_path / "ok").write_text('{"a": [1, 2.5, "x"]}')
    assert read_limited(tmp_path / "ok", 100) == {"a": [1, 2.5, "x"]}
    assert read_limited(tmp_path / "ok", 100, as_json=False) == (tmp_path / "ok").read_bytes()
    assert read_limited(tmp_path / "big", 103, as_json=False) == (tmp_path / "big").read_bytes()   # exactly the limit
