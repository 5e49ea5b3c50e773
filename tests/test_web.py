"""`pyleo serve`: the whole flow in a real headless Chromium (tests/web_browser.py) and the JSON API's
answers to bad input (FastAPI's TestClient). Oracles: scikit-learn's own fit and predict for the
prediction, snarkVM (pyleo.vm) and Aleo's WebAssembly verifier run by node for the proofs."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyleo import vm
from tests import web_browser

ROOT = Path(__file__).resolve().parents[1]


def wine_split() -> tuple[Any, np.ndarray, list[str]]:
    """The wine example fitted here, independently of the app: (float model, held-out rows, class names)."""
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    data = load_wine()
    X_train, X_test, y_train, _ = train_test_split(data.data, data.target, test_size=0.25, random_state=0,
                                                   stratify=data.target)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X_train, y_train)
    return model, X_test, [str(c) for c in data.target_names]


def wasm_verifies(path: Path, public_model: Path | None = None) -> bool:
    """Aleo's WebAssembly verifier's answer for a proof file, run by node (cli/web/verify_check.mjs), with
    the verifying key of ``public_model`` when given, else the one the proof file carries."""
    extra = ["--public-model", str(public_model)] if public_model else []
    out = subprocess.run(["node", "cli/web/verify_check.mjs", str(path), *extra], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])["verified"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, web_browser.Flow, Path]]:
    """One server, one browser, one walk through the whole flow (one proof) shared by the browser tests."""
    downloads, server_tmp = tmp_path_factory.mktemp("downloads"), tmp_path_factory.mktemp("server_tmp")
    with web_browser.server(server_tmp) as url, web_browser.browser(downloads) as driver:
        flow = web_browser.whole_flow(driver, url, "wine_tree", downloads)
        flow.server_tmp_left = sorted(p.name for p in server_tmp.glob("pyleo-web-*"))
        yield url, driver, flow, tmp_path_factory.mktemp("work")


def test_whole_flow_in_browser(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    _, _, flow, _ = live
    model, X_test, names = wine_split()
    assert flow.fidelity_rows == len(X_test)
    row = np.asarray(flow.row_values)
    assert np.allclose(row, X_test[0], rtol=1e-5)                  # the first held-out row, as the page filled it in
    want = names[int(model.predict(row.reshape(1, -1))[0])]      # scikit-learn's own prediction
    assert f"Circuit prediction: {want} (float model: {want})" in flow.prediction
    assert flow.prove_status.startswith(f"Proved: prediction {want};"), flow.prove_status
    assert re.search(r"keys \d+\.\d+ s \(synthesized or cached\), proving \d+\.\d+ s", flow.prove_status)
    assert flow.proof_path is not None, "the proof file was not downloaded"
    proof = vm.Proof.load(flow.proof_path)
    checksum = re.search(r"checksum ([0-9a-f]{64})", flow.model_facts).group(1)
    assert vm.verify(proof, checksum=checksum)                    # snarkVM, bound to the program the page showed
    assert f"({proof.constraints:,} constraints)" in flow.prove_status
    assert proof.public_outputs == [f"{names.index(want)}u8"]
    assert flow.server_verdict.startswith("✔ verified on the server"), flow.server_verdict
    assert flow.browser_verdict.startswith("✔ verified in this browser"), flow.browser_verdict
    assert flow.server_tmp_left == []                             # the job's temporary folder is gone


def test_tampered_proof_rejected_in_browser_and_on_server(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    import httpx

    url, driver, flow, work = live
    assert flow.proof_path is not None
    tampered = web_browser.tamper(flow.proof_path, work / "tampered.proof.json")
    assert vm.explain(vm.Proof.load(tampered)) is not None       # snarkVM rejects it
    public = web_browser.public_model(url, "wine_tree", work / "public.json")
    said = web_browser.verify_page(driver, url, tampered, model=public)
    assert said.startswith("✘ not verified") and "verifier rejects the proof" in said, said
    with tampered.open("rb") as f:
        r = httpx.post(f"{url}/api/verify", files={"proof": f}, data={"model_id": "wine_tree"}, timeout=60)
    assert r.status_code == 200 and r.json()["verified"] is False
    assert "rejects the proof" in r.json()["reason"]


def test_forged_key_proof_rejected_in_browser_on_server_and_by_the_cli(
        live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """The forged-key attack: another program under the same ID and interface, proved, shipped with the honest
    program text and checksum and its own verifying key and execution (tests.web_browser.forge). The page
    verifies with the public model file's key (the server derived it from the program) and says why not."""
    import httpx
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    url, driver, flow, work = live
    assert flow.proof_path is not None
    genuine = vm.Proof.load(flow.proof_path)
    forged = web_browser.forge(flow.proof_path, work / "forged.proof.json")
    fake = vm.Proof.load(forged)
    assert fake.checksum == genuine.checksum and fake.public_outputs != genuine.public_outputs
    assert fake.verifying_key != genuine.verifying_key
    public = web_browser.public_model(url, "wine_tree", work / "public.json")
    key = json.loads(public.read_text())["verifying_keys"]["predict"]
    assert key == vm.verifying_key(genuine.program, "predict") == genuine.verifying_key   # snarkVM's own key
    said = web_browser.verify_page(driver, url, forged, model=public)
    assert said.startswith("✘ not verified") and "another circuit's key" in said, said
    for trust in ({"model_id": "wine_tree"}, {"checksum": genuine.checksum}):
        with forged.open("rb") as f:
            r = httpx.post(f"{url}/api/verify", files={"proof": f}, data=trust, timeout=60)
        assert r.status_code == 200 and r.json()["verified"] is False, r.json()
        assert "rejects the proof" in r.json()["reason"]
    for trust in (["--checksum", genuine.checksum], ["--public-model", str(public)]):
        out = CliRunner().invoke(app, ["verify", str(forged), *trust])
        assert out.exit_code == 1 and "rejects the proof" in out.output, out.output
    # a public file carrying the forged key: the CLI derives the program's key and says the file was altered
    doc = json.loads(public.read_text())
    (work / "swapped.json").write_text(json.dumps({**doc, "verifying_keys": {"predict": fake.verifying_key}}))
    out = CliRunner().invoke(app, ["verify", str(forged), "--public-model", str(work / "swapped.json")])
    assert out.exit_code == 1 and "its verifying key of `predict` is not the one its program gives" in out.output


@pytest.mark.slow
def test_wasm_verifier_outside_the_page_and_the_public_model_file(
        live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """node runs the same WebAssembly verifier on the downloaded, a tampered and a forged-key proof; the drop
    page verifies nothing without the public model file, checks a published fingerprint, and refuses a
    public model file whose checksum is not its program's or that carries no key."""
    url, driver, flow, work = live
    assert flow.proof_path is not None
    public = web_browser.public_model(url, "wine_tree", work / "public.json")
    assert wasm_verifies(flow.proof_path, public)
    assert not wasm_verifies(web_browser.tamper(flow.proof_path, work / "tampered2.proof.json"), public)
    forged = web_browser.forge(flow.proof_path, work / "forged2.proof.json")
    assert not wasm_verifies(forged, public)
    assert not wasm_verifies(forged)            # 0.11.10 rejects it even with its own key: see the README
    alone = web_browser.verify_page(driver, url, flow.proof_path)
    assert alone.startswith("✘ not verified") and "without the model's public file" in alone, alone
    fingerprint = hashlib.sha256(public.read_bytes()).hexdigest()   # the owner's published fingerprint
    said = web_browser.verify_page(driver, url, flow.proof_path, fingerprint, model=public)
    assert said.startswith("✔ verified"), said
    said = web_browser.verify_page(driver, url, flow.proof_path, "0" * 64, model=public)
    assert f"SHA-256 is {fingerprint}, not the published" in said, said
    doc = json.loads(public.read_text())
    assert doc["checksum"] == vm.Proof.load(flow.proof_path).checksum and "weights" in doc
    (work / "lying.json").write_text(json.dumps({**doc, "checksum": "1" * 64}))
    said = web_browser.verify_page(driver, url, flow.proof_path, model=work / "lying.json")
    assert "says checksum 1111" in said, said
    (work / "keyless.json").write_text(json.dumps({k: v for k, v in doc.items() if k != "verifying_keys"}))
    said = web_browser.verify_page(driver, url, flow.proof_path, model=work / "keyless.json")
    assert "carries no verifying key" in said, said


def test_bad_upload_shows_error_and_server_keeps_running(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    import httpx

    url, driver, _, work = live
    bad = work / "model.joblib"
    bad.write_bytes(b"this is not a pickle")
    rows = work / "rows.csv"
    rows.write_text("a,b,c,d\n1,2,3,4\n")
    shown = web_browser.upload_page(driver, url, bad, rows)
    assert "'model.joblib' is not a readable joblib/pickle model" in shown
    assert "pyleo-web-" not in shown                              # no temporary path leaks into the message
    assert httpx.get(f"{url}/api/examples", timeout=30).status_code == 200


def test_serve_on_a_taken_port_says_so() -> None:
    import socket

    from typer.testing import CliRunner

    from pyleo_cli.main import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit)   # a message, not a traceback
    assert f"cannot listen on 127.0.0.1:{port}" in out.output


def test_for_browser_does_not_split() -> None:
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    out = CliRunner().invoke(app, ["prove", str(ROOT / "examples" / "scorer.py"), "linear_scorer.score", "[1, 2, 3, 4]", "10",
                                   "--for-browser", "--split"])
    assert out.exit_code == 1 and "--for-browser proves one circuit" in out.output


@pytest.mark.slow
def test_wasm_verifier_takes_for_browser_proofs_only(tmp_path: Path) -> None:
    """The finding behind WASM_BLOCK_HEIGHT: @provablehq/wasm 0.11.10 rejects a proof made under the
    latest rules (aleo-sdk 0.8.0's default) and accepts one made with --for-browser; snarkVM accepts both."""
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    for flag, name in (([], "latest"), (["--for-browser"], "browser")):
        path = tmp_path / f"{name}.proof.json"
        out = CliRunner().invoke(app, ["prove", str(ROOT / "examples" / "scorer.py"), "linear_scorer.score", "[1, 2, 3, 4]",
                                       "10", "--out", str(path), *flag])
        assert out.exit_code == 0, out.output
        assert vm.verify(vm.Proof.load(path), program=vm.Proof.load(path).program)
    assert json.loads((tmp_path / "browser.proof.json").read_text())["block_height"] == vm.WASM_BLOCK_HEIGHT
    assert "block_height" not in json.loads((tmp_path / "latest.proof.json").read_text())
    assert wasm_verifies(tmp_path / "browser.proof.json")
    assert not wasm_verifies(tmp_path / "latest.proof.json")


# ---- the JSON API (TestClient) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Any:
    from fastapi.testclient import TestClient

    from pyleo_cli.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


def joblib_bytes(model: Any) -> bytes:
    import joblib

    buf = io.BytesIO()
    joblib.dump(model, buf)
    return buf.getvalue()


def csv_bytes(X: np.ndarray, header: list[str] | None = None) -> bytes:
    lines = ([",".join(header)] if header else []) + [",".join(f"{v:.6g}" for v in row) for row in X]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_api_upload_converts_and_reports_fidelity(client: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import tempfile

    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    r = client.post("/api/models/upload", files={"model": ("lr.joblib", joblib_bytes(model)),
                                                 "rows": ("rows.csv", csv_bytes(X, ["a", "b", "c", "d"]))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [f["name"] for f in body["features"]] == ["a", "b", "c", "d"]
    floats = model.predict(X)
    assert [row["float"] for row in body["fidelity"]["rows"]] == [str(v) for v in floats]
    # the circuit agrees with the float model on its calibration rows (the converter's bar)
    assert body["fidelity"]["agreement"] == 1.0
    assert list(tmp_path.iterdir()) == []                         # the temporary folder is gone
    p = client.post(f"/api/models/{body['id']}/predict", json={"features": X[60].tolist()})
    assert p.json() == {"circuit": str(floats[60]), "float": str(floats[60])}

    import xgboost as xgb  # an XGBoost JSON file: a bare Booster once loaded

    booster = xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)
    booster.save_model(tmp_path / "xgb.json")
    r = client.post("/api/models/upload", files={"model": ("xgb.json", (tmp_path / "xgb.json").read_bytes()),
                                                 "rows": ("rows.csv", csv_bytes(X))})
    (tmp_path / "xgb.json").unlink()
    assert r.status_code == 200, r.text
    want = booster.predict(X)
    assert [row["float"] for row in r.json()["fidelity"]["rows"]] == [str(v) for v in want]
    p = client.post(f"/api/models/{r.json()['id']}/predict", json={"features": X[100].tolist()})
    assert p.json() == {"circuit": str(want[100]), "float": str(want[100])}
    assert list(tmp_path.iterdir()) == []

    # a regressor: errors, not label agreement
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    Xd, yd = load_diabetes(return_X_y=True)
    ridge = Ridge().fit(Xd, yd)
    Xd = np.loadtxt(io.BytesIO(csv_bytes(Xd)), delimiter=",")     # the rows as the server reads them
    r = client.post("/api/models/upload", files={"model": ("ridge.joblib", joblib_bytes(ridge)),
                                                 "rows": ("rows.csv", csv_bytes(Xd))})
    assert r.status_code == 200, r.text
    fid = r.json()["fidelity"]
    assert fid["regressor"] and fid["n"] == len(Xd) and fid["passed"]
    want = ridge.predict(Xd)
    got = np.asarray([float(row["circuit"]) for row in fid["rows"]])
    assert np.max(np.abs(got - want)) == pytest.approx(fid["max_abs_error"], rel=1e-6, abs=1e-6)
    assert np.max(np.abs(got - want)) <= 1e-3 * np.ptp(want)
    assert client.get(f"/api/models/{r.json()['id']}/fidelity.png").content.startswith(b"\x89PNG")


def test_api_bad_inputs_answer_4xx_with_a_message(client: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import tempfile

    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from pyleo_cli.web import models

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    X, y = load_iris(return_X_y=True)
    good = joblib_bytes(LogisticRegression(max_iter=1000).fit(X, y))

    def upload(model: bytes, rows: bytes, name: str = "m.joblib") -> Any:
        return client.post("/api/models/upload", files={"model": (name, model), "rows": ("rows.csv", rows)})

    r = upload(good, csv_bytes(X[:, :3]))
    assert r.status_code == 400 and "the CSV has 3 columns, the model takes 4 features" in r.json()["error"]
    r = upload(b"\x80garbage", csv_bytes(X))
    assert r.status_code == 400 and "'m.joblib' is not a readable joblib/pickle model" in r.json()["error"]
    r = upload(good, b"\xff\xfe\x00binary")
    assert r.status_code == 400 and "not a text file" in r.json()["error"]
    r = upload(good, csv_bytes(X), name="m.exe")
    assert r.status_code == 400 and ".joblib" in r.json()["error"]

    ok = upload(good, csv_bytes(X))
    assert ok.status_code == 200, ok.text
    lr = ok.json()["id"]                                          # a logistic regression: it does not clamp
    far = [50.0, 3.0, 1.0, 0.2]
    r = client.post(f"/api/models/{lr}/predict", json={"features": far})
    assert r.status_code == 400 and "feature 0 = 50 is outside [" in r.json()["error"]
    r = client.post(f"/api/models/{lr}/prove", json={"features": far})
    assert r.status_code == 400 and "is outside [" in r.json()["error"]
    r = client.post(f"/api/models/{lr}/predict", json={"features": [1.0]})
    assert r.status_code == 400 and "takes 4 feature values, got 1" in r.json()["error"]
    r = client.post(f"/api/models/{lr}/predict", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"].startswith("malformed request")
    assert client.post("/api/models/nope/predict", json={"features": []}).status_code == 400
    assert client.post("/api/models/example/nope").status_code == 400
    assert client.get("/api/jobs/nope").status_code == 400
    r = client.post("/api/verify", files={"proof": ("p.json", b"not json")})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post("/api/verify", files={"proof": ("p.json", b'{"format": "other"}')})
    assert r.status_code == 400 and "format" in r.json()["error"]
    monkeypatch.setattr(models, "MAX_MODEL_BYTES", 100)
    r = upload(good, csv_bytes(X))
    assert r.status_code == 400 and "more than this server takes" in r.json()["error"]
    assert list(tmp_path.iterdir()) == []                         # no temporary folder left behind
    assert client.get("/api/examples").status_code == 200      # still serving


def test_proof_height_outside_the_verified_range_is_refused(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """Proofs name the height whose rules they were made under; pyleo takes Varuna V2 (WASM_BLOCK_HEIGHT) or later."""
    import runpy

    from pyleo.errors import InputError, ProofError

    _, _, flow, _ = live
    assert flow.proof_path is not None
    data = json.loads(flow.proof_path.read_text())
    assert data["block_height"] == vm.WASM_BLOCK_HEIGHT
    data["block_height"] = 5                                       # consensus V1: Varuna V1
    with pytest.raises(ProofError, match="outside"):
        vm.verify(vm.Proof.from_json(data))
    del data["block_height"]                                       # read as the latest rules (Varuna V3)
    assert "rejects the proof" in vm.explain(vm.Proof.from_json(data))
    prog = runpy.run_path(str(ROOT / "examples" / "scorer.py"))["prog"]
    with pytest.raises(InputError, match="outside"):
        vm.prove(prog.aleo(), "score", ["[1i64, 2i64, 3i64, 4i64]", "10i64"], block_height=vm.WASM_BLOCK_HEIGHT - 1)
