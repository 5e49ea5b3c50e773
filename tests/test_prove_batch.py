"""Proving many rows (stdlib_ml.convert.prove_rows, `pyleo prove-batch` / `verify-batch`) and the key cache
under faults: every proved row's label is the float model's, failed rows are recorded without
stopping the others, a rerun resumes, a killed worker loses nothing, concurrent provers and a
damaged key file never give a wrong proof."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from pyleo import vm
from pyleo.trust import batch
from stdlib_ml.convert import from_sklearn, prove_rows
from stdlib_ml.convert import load as load_model
from tests.test_cli import pyleo

pytestmark = [pytest.mark.needs_params, pytest.mark.prove]

OUTLIER = 123.456
"""A feature value outside the range of every model here (rows with it fail); it must not reach the manifest."""


@pytest.fixture(scope="module")
def iris_lr(tmp_path_factory: pytest.TempPathFactory) -> tuple[LogisticRegression, np.ndarray, Path]:
    """A logistic regression of iris (rejects inputs out of range), its model file written by `pyleo import`."""
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(max_iter=500).fit(X, y)
    folder = tmp_path_factory.mktemp("iris-lr")
    joblib.dump(model, folder / "lr.joblib")
    np.save(folder / "train.npy", X)
    result = pyleo("import", str(folder / "lr.joblib"), "--data", str(folder / "train.npy"), "--out", str(folder / "lr.py"))
    assert result.returncode == 0, result.stderr
    return model, X, folder / "lr.py"


def _all_proved(verdict: batch.BatchVerdict, n: int) -> bool:
    """True when a batch verdict says: every one of the ``n`` rows proved, nothing wrong."""
    assert not verdict.problems, verdict.problems
    return verdict.valid and verdict.rows_total == n == len(verdict.rows)


def _children_running(name: str) -> list[int]:
    """Processes whose parent is this one and whose command line contains ``name``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and name in cmd:
            found.append(int(entry.name))
    return found


def test_prove_batch_with_two_workers_resumes_and_verifies(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    model, X, model_file = iris_lr
    rows = np.vstack([X[[0, 60, 120]], [[5.0, OUTLIER, 1.0, 0.2]]])
    np.savetxt(tmp_path / "rows.csv", rows, delimiter=",", header="a,b,c,d", comments="")
    out, mine = tmp_path / "batch", tmp_path / "mine.json"
    result = pyleo("prove-batch", str(model_file), str(tmp_path / "rows.csv"), "--out", str(out), "--workers", "2",
                   "--private-out", str(mine), "--no-progress", env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert result.returncode == 0, result.stderr
    assert "3 row(s) proved, 0 already proved, 1 failed" in result.stdout

    text = (out / batch.MANIFEST).read_text()
    manifest = json.loads(text)
    assert [r["row"] for r in manifest["rows"]] == [0, 1, 2, 3]
    proved = manifest["rows"][:3]
    assert [r["prediction"] for r in proved] == model.predict(rows[:3]).tolist()   # the float model's labels
    assert all((out / r["proof"]).is_file() for r in proved)
    failed = manifest["rows"][3]
    assert failed["proof"] is None and "outside the range" in failed["error"]
    assert not (out / batch.proof_name(3)).exists()
    assert str(OUTLIER) not in text and "123.4" not in text   # the row's private value stays out
    assert sorted(p.name for p in out.iterdir()) == [batch.MANIFEST] + [batch.proof_name(i) for i in range(3)]
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600
    secret = json.loads(mine.read_text())["rows"]
    assert "123.456" in secret["3"]["error"]
    assert [secret[str(i)]["outputs"][0] for i in range(3)] == [r["public_outputs"][0] for r in proved]

    checked = pyleo("verify-batch", str(out), "--model", str(model_file), env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert checked.returncode == 1, checked.stderr   # row 3 is not proved: the batch is not whole
    assert "3 of 4 row(s) proved by 3 valid proof file(s)" in checked.stdout
    assert [line.split("  ")[0] for line in checked.stdout.splitlines()[:3]] == \
        [f"row {i}: {label}" for i, label in enumerate(model.predict(rows[:3]).tolist())]   # from the proofs
    assert "INVALID row 3, error: not proved" in checked.stderr and "Traceback" not in checked.stderr
    zk = load_model(model_file)
    by_checksum = pyleo("verify-batch", str(out), "--checksum", vm.program_checksum(prove_rows.batch_program(zk, 1).aleo()),
                        env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert by_checksum.returncode == 1 and "3 of 4 row(s) proved" in by_checksum.stdout, by_checksum.stderr
    assert "INVALID row 3, error" in by_checksum.stderr and "INVALID row 0" not in by_checksum.stderr
    other = pyleo("verify-batch", str(out), "--checksum", "ab" * 32, env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert other.returncode == 1 and "not a valid proof of the trusted program" in other.stderr
    assert "0 of ? row(s) proved" in other.stdout and "Traceback" not in other.stderr

    before = {p.name: p.read_bytes() for p in out.glob("row-*")}
    again = pyleo("prove-batch", str(model_file), str(tmp_path / "rows.csv"), "--out", str(out), "--workers", "2",
                  "--private-out", str(mine), "--no-progress", env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert again.returncode == 0, again.stderr
    assert "0 row(s) proved, 3 already proved, 1 failed" in again.stdout
    assert {p.name: p.read_bytes() for p in out.glob("row-*")} == before   # nothing proved twice

    # a manifest that claims another label for a row no longer checks
    manifest["rows"][1]["public_outputs"] = ["0u8" if proved[1]["public_outputs"][0] != "0u8" else "1u8"]
    (out / batch.MANIFEST).write_text(json.dumps(manifest))
    forged = pyleo("verify-batch", str(out), "--model", str(model_file), env={"PYLEO_CACHE_DIR": str(key_cache)})
    assert forged.returncode == 1 and "INVALID row 1, public_outputs" in forged.stderr and "Traceback" not in forged.stderr


def test_a_folder_of_another_programs_batch_is_refused(iris_lr, tmp_path: Path) -> None:
    _, X, model_file = iris_lr
    out = tmp_path / "batch"
    out.mkdir()
    (out / batch.MANIFEST).write_text(json.dumps({"format": batch.FORMAT, "program_checksum": "0" * 64,
                                                  "rows_total": 2, "rows": []}))
    np.save(tmp_path / "rows.npy", X[:2])
    result = pyleo("prove-batch", str(model_file), str(tmp_path / "rows.npy"), "--out", str(out), "--no-progress")
    assert result.returncode == 1 and "holds a batch with program_checksum" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_and_a_rerun_proves_each_row_once(key_cache: Path, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    zk = from_sklearn(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), X)
    rows = X[::15][:8]
    out = tmp_path / "batch"
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.time() + 240
        while time.time() < deadline and not killed:
            workers = _children_running("spawn_main")
            if workers and len(list(out.glob("row-*.proof.json"))) >= 2:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    with pytest.raises(batch.BatchError, match="a worker process died"):
        prove_rows.prove_many(zk, rows, out, workers=2, progress=False)
    killer.join()
    assert killed
    first = {r["row"]: (out / r["proof"]).read_bytes() for r in batch.read_manifest(out)["rows"]}
    assert 1 <= len(first) < len(rows)

    result = prove_rows.prove_many(zk, rows, out, workers=2, progress=False)
    assert (result.skipped, result.proved, result.failed) == (len(first), len(rows) - len(first), 0)
    manifest = batch.read_manifest(out)
    assert [r["row"] for r in manifest["rows"]] == list(range(len(rows)))   # each row once
    assert all((out / batch.proof_name(i)).read_bytes() == b for i, b in first.items())   # not proved again
    assert [r["prediction"] for r in manifest["rows"]] == zk.predict(rows).tolist()
    assert sorted(p.name for p in out.iterdir()) == [batch.MANIFEST] + [batch.proof_name(i) for i in range(len(rows))]
    assert _all_proved(prove_rows.verify_many(out, zk), len(rows))


SCORER = Path(__file__).resolve().parents[1] / "examples" / "scorer.py"


@pytest.mark.slow
def test_concurrent_provers_share_the_key_cache_without_corruption(tmp_path: Path) -> None:
    """Three `pyleo prove` of one program, each synthesizing its keys into one fresh cache at once."""
    env = {**os.environ, "PYLEO_CACHE_DIR": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-m", "pyleo_cli.main", "prove", str(SCORER), "score", "[1, 2, 3, 4]", str(k),
                               "--out", str(tmp_path / f"p{k}.json")], env=env, cwd=SCORER.parents[1],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    for k in range(3):
        check = pyleo("verify", str(tmp_path / f"p{k}.json"), "--model", str(SCORER), env={"PYLEO_CACHE_DIR": str(tmp_path / "cache")})
        assert check.returncode == 0, check.stderr
    folders = list((tmp_path / "cache" / "keys").iterdir())
    assert len(folders) == 1 and not list(folders[0].glob(".*.tmp"))
    program = (folders[0] / "program.aleo").read_text()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYLEO_CACHE_DIR", str(tmp_path / "cache"))
        vm.forget_programs()
        assert vm.keys.read_keys(vm.keys.load_program(program), "score", with_pk=True) is not None   # the manifest vouches for them
        vm.forget_programs()


@pytest.mark.slow   # two key syntheses; one of the batch fault tests (README)
def test_a_corrupted_proving_key_is_detected_and_rebuilt(key_cache: Path) -> None:
    """A cached proving key with one byte flipped (same length) is refused by its checksum, synthesized
    again, and the proof made with the rebuilt key verifies."""
    program = "program corrupt_pk.aleo;\n\nfunction f:\n    input r0 as u32.private;\n    mul r0 r0 into r1;\n" \
              "    output r1 as u32.public;\n"
    vm.forget_programs()
    vm.prove(program, "f", ["3u32"])
    pk = vm.keys_dir(program) / "f.pk"
    data = bytearray(pk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pk.write_bytes(bytes(data))
    vm.forget_programs()
    proof = vm.prove(program, "f", ["5u32"])
    assert "synthesize" in proof.timings and "load_keys" not in proof.timings   # rebuilt, not loaded
    assert proof.outputs == ["25u32"]
    assert vm.verify(proof, program=program)
    vm.forget_programs()
    again = vm.prove(program, "f", ["6u32"])
    assert "load_keys" in again.timings and vm.verify(again, program=program)   # the rebuilt key is vouched for
    vm.forget_programs()


@pytest.mark.parametrize("family", ["tree", "logistic_regression"])
def test_k_rows_per_circuit_give_each_rows_single_row_label(family: str) -> None:
    """`predict_rows` of k rows (the interpreter, which the differential tests hold to snarkVM) gives each
    row the single-row circuit's label and the float model's."""
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = (DecisionTreeClassifier(max_depth=3, random_state=0) if family == "tree"
                 else LogisticRegression(max_iter=500)).fit(X, y)
    zk = from_sklearn(model, X)
    rows = X[::5]
    k = 4
    prog = prove_rows.batch_program(zk, k)
    groups = [zk.encode(rows[j:j + k]) for j in range(0, len(rows) - len(rows) % k, k)]
    args = [[[j * k, k, len(rows)], g] for j, g in enumerate(groups)]
    labels = [int(v) for out in prog.run_batch("predict_rows", args) for v in out]
    n = len(labels)
    assert labels == zk.predict_raw(rows[:n])
    assert zk.decode(labels).tolist() == model.predict(rows[:n]).tolist()


def test_k_rows_per_proof_refuses_private_models_and_bad_k(iris_lr, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    zk = from_sklearn(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), X, weights="private")
    with pytest.raises(prove_rows.ModelInputError, match="public weights and a public label"):
        prove_rows.prove_many(zk, X[:2], tmp_path / "b", rows_per_proof=2)
    np.save(tmp_path / "rows.npy", X[:2])
    result = pyleo("prove-batch", str(iris_lr[2]), str(tmp_path / "rows.npy"), "--out", str(tmp_path / "c"), "-k", "0")
    assert result.returncode == 1 and "--rows-per-proof takes a positive number" in result.stderr


@pytest.mark.slow
def test_auto_rows_per_proof_fits_snarkvm_and_verifies(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    """k chosen by the cost model: snarkVM's synthesized circuit fits 16,384 constraints, every row's label
    is the float model's, verify-batch checks every slot."""
    model, X, model_file = iris_lr
    zk = load_model(model_file)
    k = prove_rows.max_rows_per_proof(zk)
    assert k >= 2
    rows = X[::13][: k + 1]   # one full proof and one padded
    out = tmp_path / "batch"
    result = prove_rows.prove_many(zk, rows, out, workers=2, rows_per_proof="auto", progress=False)
    assert (result.proved, result.failed) == (len(rows), 0)
    manifest = batch.read_manifest(out)
    assert [r["prediction"] for r in manifest["rows"]] == model.predict(rows).tolist()
    proof = vm.Proof.load(out / batch.proof_name(0, k))
    assert proof.constraints <= 16384
    assert _all_proved(prove_rows.verify_many(out, zk), len(rows))


def test_a_cluster_without_ray_or_with_a_bad_address_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    zk = from_sklearn(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), X)
    with pytest.raises(batch.BatchError, match="'local' or ray://"):
        prove_rows.prove_many(zk, X[:2], tmp_path / "a", cluster="tcp://somewhere")
    monkeypatch.setitem(sys.modules, "ray", None)   # as if Ray were not installed
    with pytest.raises(batch.BatchError, match="needs Ray") as e:
        prove_rows.prove_many(zk, X[:2], tmp_path / "b", cluster="local")
    assert "pyleo-zk[ray]" in str(e.value)
    assert not (tmp_path / "b").exists()   # refused before any work


@pytest.mark.slow
def test_a_local_ray_with_two_workers_proves_a_batch(key_cache: Path, tmp_path: Path) -> None:
    """Ray with 2 CPUs whose workers have their own empty key cache: the keys synthesized here once are
    shipped and loaded there (no synthesis on a worker), proofs are written here; every label is the
    float model's and every proof verifies."""
    import ray

    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    zk = from_sklearn(model, X)
    rows = X[[0, 60, 120, 30, 90]]
    out, theirs = tmp_path / "batch", tmp_path / "worker-cache"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYLEO_CACHE_DIR": str(theirs)}})
    try:
        result = prove_rows.prove_many(zk, rows, out, workers=2, cluster="local", progress=False)
    finally:
        ray.shutdown()
    assert (result.proved, result.failed) == (len(rows), 0)
    manifest = batch.read_manifest(out)
    assert [r["prediction"] for r in manifest["rows"]] == model.predict(rows).tolist()
    assert _all_proved(prove_rows.verify_many(out, zk), len(rows))
    timings = [json.loads((out / batch.proof_name(i)).read_text())["timings"] for i in range(1, len(rows))]
    assert not any("synthesize" in t for t in timings), timings   # proved on the workers with the shipped keys:
    assert any("load_keys" in t for t in timings), timings        # loaded once per worker process, then in memory
    assert list(theirs.glob("keys/*/predict.pk"))
