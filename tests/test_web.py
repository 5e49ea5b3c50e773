"""`pyleo serve`: the whole flow in a real headless Chromium (tests/web_browser.py) and the JSON API's
answers to bad input (FastAPI's TestClient). Oracles: scikit-learn's own fit and predict for the
prediction, snarkVM (pyleo.vm) and Aleo's WebAssembly verifier run by node for the proofs."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@pytest.mark.prove
def test_whole_flow_in_browser(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    _, _, flow, _ = live
    model, X_test, names = wine_split()
    assert flow.fidelity_rows == len(X_test)
    row = np.asarray(flow.row_values)
    assert np.allclose(row, X_test[0], rtol=1e-5)                  # the first held-out row, as the page filled it in
    want = names[int(model.predict(row.reshape(1, -1))[0])]      # scikit-learn's own prediction
    assert f"Circuit prediction: {want} (float model: {want})" in flow.prediction
    assert flow.prove_status.startswith(f"Proved: prediction {want}."), flow.prove_status
    assert flow.prove_status_seen                                 # where the eye is, not below the fold
    assert re.search(r"Keys ready in \d+\.\d+ s, proving \d+\.\d+ s", flow.prove_status)
    assert f"your {len(X_test[0])} values stay hidden; the label and the program are public" in flow.prove_status
    assert flow.proof_path is not None, "the proof file was not downloaded"
    proof = vm.Proof.load(flow.proof_path)
    checksum = re.search(r"checksum ([0-9a-f]{64})", flow.model_facts).group(1)
    assert vm.verify(proof, checksum=checksum)                    # snarkVM, bound to the program the page showed
    assert f"{proof.constraints:,} constraints.)" in flow.prove_status
    assert proof.public_outputs == [f"{names.index(want)}u8"]
    assert flow.server_verdict.startswith("✔ verified on the server"), flow.server_verdict
    assert flow.browser_verdict.startswith("✔ verified in this browser"), flow.browser_verdict
    assert flow.server_tmp_left == []                             # the job's temporary folder is gone


@pytest.mark.prove
def test_tampered_proof_rejected_in_browser_and_on_server(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    import httpx

    url, driver, flow, work = live
    assert flow.proof_path is not None
    tampered = web_browser.tamper(flow.proof_path, work / "tampered.proof.json")
    assert vm.explain(vm.Proof.load(tampered)) is not None       # snarkVM rejects it
    public = web_browser.public_model(url, "wine_tree", work / "public.json")
    assert json.loads(public.read_text())["decoding"]["classes"] == wine_split()[2]   # the /verify page names classes
    said = web_browser.verify_page(driver, url, tampered, model=public)
    assert said.startswith("✘ not verified") and "verifier rejects the proof" in said, said
    with tampered.open("rb") as f:
        r = httpx.post(f"{url}/api/verify", files={"proof": f}, data={"model_id": "wine_tree"}, timeout=60)
    assert r.status_code == 200 and r.json()["verified"] is False
    assert "rejects the proof" in r.json()["reason"]


@pytest.mark.prove
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
@pytest.mark.prove
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
    label = flow.prove_status.split("prediction ", 1)[1].split(".", 1)[0]          # the class name the main page showed
    inputs = json.loads(json.loads(flow.proof_path.read_text())["execution"])["transitions"][0]["inputs"]
    assert all(i["type"] == "private" for i in inputs)                            # the page's sentence, from the file
    assert said.endswith(f"The proof shows that the program web_wine_tree.aleo computed {label}: its inputs stay "
                         "hidden (encrypted, not readable here); the output and the program are public."), said
    assert f"prediction {vm.Proof.load(flow.proof_path).public_outputs[0]} {label} (the proved" in \
        driver.find_element("id", "facts").text
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


@pytest.mark.prove
def test_bad_upload_shows_error_and_server_keeps_running(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    import httpx

    url, driver, _, work = live
    bad = work / "model.joblib"
    bad.write_bytes(b"this is not a pickle")
    rows = work / "rows.csv"
    rows.write_text("a,b,c,d\n1,2,3,4\n")
    shown = web_browser.upload_page(driver, url, bad, rows)
    assert "'model.joblib' is not a readable joblib/pickle model" in shown
    assert shown.endswith("hint: save the fitted model with joblib.dump(model, path); a model file ends in .joblib, "
                          ".pkl, .pickle (scikit-learn) or .json, .ubj (XGBoost)"), shown   # what this page takes
    assert "pyleo-web-" not in shown                              # no temporary path leaks into the message
    assert httpx.get(f"{url}/api/examples", timeout=30).status_code == 200


@pytest.mark.prove
def test_an_upload_shows_the_csv_header_and_class_names(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """An uploaded scikit-learn model, fitted on class names, with a CSV whose header names its features: the page
    shows those names (with the range of the data it holds), the program is named after the file, and the fidelity
    table's float column is the model's own predict."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    url, driver, _, work = live
    iris = load_iris()
    X, y = iris.data[::5], iris.target_names[iris.target[::5]]
    model = LogisticRegression(max_iter=1000).fit(X, y)
    joblib.dump(model, work / "iris_lr.joblib")
    names = ["sepal_len", "sepal_wid", "petal_len", "petal_wid"]
    (work / "rows.csv").write_text(csv_bytes(X, names).decode())
    shown = web_browser.upload_page(driver, url, work / "iris_lr.joblib", work / "rows.csv")
    assert shown == "Chosen: Uploaded LogisticRegression (iris_lr.joblib)", shown
    assert re.match(r"iris_lr_upload_[0-9a-f]{6}\.aleo — classifier, 4 features", driver.find_element("id", "model-facts").text)
    labels = [e.text for e in driver.find_elements("css selector", "#feature-grid label")]
    assert labels == [f"{n} ({lo:.6g} to {hi:.6g} in the data)" for n, lo, hi in zip(names, X.min(0), X.max(0))], labels
    rows = [r.text.split() for r in driver.find_elements("css selector", "#fidelity-table tr")][1:]
    assert [r[2] for r in rows] == list(model.predict(X)), rows    # row, circuit, float: class names


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
    assert out.exit_code == 1 and "(--for-browser) proves one circuit" in out.output


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


class MakesFolder:
    """A pickle that, when read, creates a folder: what an uploaded .joblib file can do (it is a pickle)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return os.mkdir, (str(self.path),)


def test_a_page_of_another_site_cannot_post_to_the_local_server(tmp_path: Path) -> None:
    """Any web page can make the browser post a form to http://127.0.0.1:8000 (no preflight): an upload from another
    site's page (Origin, Sec-Fetch-Site), or from a site whose name was made to resolve to 127.0.0.1 (its Host), was
    converted, and its pickle ran code on this machine. Refused with 403 before the body is read; the server's own
    pages still post, and pages may still be fetched."""
    from fastapi.testclient import TestClient

    from pyleo_cli.web import verifier
    from pyleo_cli.web.app import LOOPBACK_HOSTS, create_app

    marker = tmp_path / "ran"
    upload = {"model": ("m.joblib", pickle.dumps(MakesFolder(marker))), "rows": ("r.csv", b"1,2\n3,4\n")}
    client = TestClient(create_app(verifier.Status(None, "none"), LOOPBACK_HOSTS), base_url="http://127.0.0.1:8000")
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}):
        answer = client.post("/api/models/upload", files=upload, headers=headers)
        error = answer.json()["error"]
        assert answer.status_code == 403 and ("refused" in error or "answers to" in error), (headers, error)
    assert not marker.exists()
    own = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/api/verify", headers=own).status_code == 422   # reaches the endpoint: no proof given
    assert client.get("/verify", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_a_server_other_machines_reach_refuses_pickle_uploads(tmp_path: Path) -> None:
    """On a --host other machines reach, a same-site upload of a joblib file would run its sender's code here: it is
    refused before it is read unless the server was started with --allow-pickle-uploads; XGBoost's files pass the
    gate (this one then fails on its empty CSV, which shows it was read)."""
    from fastapi.testclient import TestClient

    from pyleo_cli.web import verifier
    from pyleo_cli.web.app import create_app

    marker = tmp_path / "ran"
    own = {"Origin": "http://10.1.2.3:8000", "Sec-Fetch-Site": "same-origin"}
    server = TestClient(create_app(verifier.Status(None, "none"), frozenset({"10.1.2.3"}), pickle_uploads=False),
                        base_url="http://10.1.2.3:8000")
    for name in ("m.joblib", "m.PKL", "m.pickle"):
        answer = server.post("/api/models/upload", headers=own,
                             files={"model": (name, pickle.dumps(MakesFolder(marker))), "rows": ("r.csv", b"1,2\n")})
        assert answer.status_code == 400 and "is a pickle" in answer.json()["error"], answer.json()
    assert not marker.exists()
    answer = server.post("/api/models/upload", headers=own, files={"model": ("m.json", b"{}"), "rows": ("r.csv", b"")})
    assert answer.status_code == 400 and "CSV is empty" in answer.json()["error"], answer.json()


def test_serve_takes_pickles_on_a_loopback_host_or_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `pyleo serve` hands the app: pickle uploads on 127.0.0.1 / localhost / ::1, elsewhere only with
    --allow-pickle-uploads (the server itself is not started: uvicorn's run is replaced)."""
    import uvicorn

    import pyleo_cli.web as web
    from pyleo import progress
    from pyleo_cli.web import app, verifier

    seen: list[bool] = []
    real = app.create_app
    monkeypatch.setattr(app, "create_app", lambda wasm, hosts, pickles: seen.append(pickles) or real(wasm, hosts, pickles))
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: [s.close() for s in sockets])
    monkeypatch.setattr(verifier, "prepare", lambda wanted, say: verifier.Status(None, "none"))
    monkeypatch.setenv(progress.QUIET, "")   # serve sets it for its job processes: restored after this test
    for host, allowed in (("127.0.0.1", False), ("0.0.0.0", False), ("0.0.0.0", True)):
        web.serve(host, 0, False, allowed)
    assert seen == [True, False, True]


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
    assert re.fullmatch(r"lr_upload_[0-9a-f]{6}\.aleo", body["program_id"])        # named after the file
    assert [(f["seen_low"], f["seen_high"]) for f in body["features"]] == list(zip(X.min(0), X.max(0)))
    assert (body["inputs"], body["output"], body["weights"]) == ("private", "public", "public")   # the page's sentence
    floats = model.predict(X)
    assert [row["float"] for row in body["fidelity"]["rows"]] == [str(v) for v in floats]
    # the circuit agrees with the float model on its calibration rows (the converter's bar)
    assert body["fidelity"]["agreement"] == 1.0
    assert list(tmp_path.iterdir()) == []                         # the temporary folder is gone
    p = client.post(f"/api/models/{body['id']}/predict", json={"features": X[60].tolist()})
    assert p.json() == {"circuit": str(floats[60]), "float": str(floats[60])}
    # a model fitted on a DataFrame, its CSV's header in another order: the columns are taken by the model's names
    import pandas as pd

    names = ["a", "b", "c", "d"]
    named = LogisticRegression(max_iter=1000).fit(pd.DataFrame(X, columns=names), y)
    r = client.post("/api/models/upload", files={"model": ("lr.joblib", joblib_bytes(named)),
                                                 "rows": ("rows.csv", csv_bytes(X[:, ::-1], names[::-1]))})
    assert r.status_code == 200, r.text
    assert [f["name"] for f in r.json()["features"]] == names
    assert [(f["seen_low"], f["seen_high"]) for f in r.json()["features"]] == list(zip(X.min(0), X.max(0)))
    assert r.json()["fidelity"]["agreement"] == 1.0

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
    # calibration rows are checked by the library's reader (a tree takes NaN, so these are refused as data)
    from sklearn.tree import DecisionTreeClassifier

    tree = joblib_bytes(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    r = upload(tree, b"a,b,c,d\nx,y,z,w\n")
    assert r.status_code == 400 and r.json()["error"] == "the CSV, line 2, column 1: 'x' is not a number", r.json()
    r = upload(tree, b"nan,nan,nan,nan\n,,,\n")
    assert r.status_code == 400 and "the CSV has no complete row" in r.json()["error"], r.json()
    r = upload(tree, b"1,2,3,inf\n")
    assert r.status_code == 400 and "infinite" in r.json()["error"], r.json()

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
    # a file that is no proof is an invalid proof (as `pyleo verify` answers it), naming why
    for raw, why in ((b"not json", "not JSON"), (b'{"format": "other"}', "format"),
                     (b'{"format": "pyleo-split-proof/1", "format": "pyleo-proof/2"}', "'format' appears twice"),
                     (b'{"format": "pyleo-split-proof/1", "function": "f", "budget": true, "parts": [{}], '
                      b'"params": [[0]]}', "'budget'")):
        r = client.post("/api/verify", files={"proof": ("p.json", raw)})
        assert r.status_code == 200 and r.json()["verified"] is False and why in r.json()["reason"], r.json()
    monkeypatch.setattr(models, "MAX_MODEL_BYTES", 100)
    r = upload(good, csv_bytes(X))
    assert r.status_code == 400 and "more than this server takes" in r.json()["error"]
    assert list(tmp_path.iterdir()) == []                         # no temporary folder left behind
    assert client.get("/api/examples").status_code == 200      # still serving


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free localhost port, in a thread of this process (quicker to start than
    `pyleo serve`); yields its base URL."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.mark.prove
def test_a_latest_rules_proof_on_the_verify_page_says_what_to_run(live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """A proof without "block_height" (`pyleo prove`'s default: the latest consensus rules, which the WebAssembly
    verifier predates, test_wasm_verifier_takes_for_browser_proofs_only) gets one sentence saying what to run, as a
    note, not a red mark."""
    url, driver, flow, work = live
    assert flow.proof_path is not None
    data = json.loads(flow.proof_path.read_text())
    del data["block_height"]
    (work / "latest.proof.json").write_text(json.dumps(data))
    public = web_browser.public_model(url, "wine_tree", work / "public.json")
    said = web_browser.verify_page(driver, url, work / "latest.proof.json", model=public)
    assert said.startswith("This proof was made under the network's latest consensus rules"), said
    assert "`pyleo verify PROOF --public-model FILE`" in said and "--for-browser" in said
    assert said.count(". ") == 0 and said.endswith("."), said             # one sentence
    assert driver.find_element("id", "result").get_attribute("class") == "note"


@pytest.mark.prove
def test_without_the_verifier_the_browser_buttons_are_disabled_with_the_reason(
        live: tuple[str, Any, web_browser.Flow, Path]) -> None:
    """`pyleo serve --no-verifier` (as a checkout without `npm ci` that could not fetch it): both "Verify in this
    browser" buttons are disabled and the page says why, beside them."""
    from pyleo_cli.web import verifier
    from pyleo_cli.web.app import create_app

    _, driver, _, _ = live
    with served(create_app(verifier.prepare(wanted=False))) as url:   # what `pyleo serve --no-verifier` serves
        driver.get(url + "/")
        reason = web_browser.wait_text(driver, "choose-status", "^No in-browser verifier: ").split(": ", 1)[1]
        assert "--no-verifier" in reason and "pyleo verify PROOF --public-model FILE" in reason
        button = driver.find_element("id", "verify-browser-button")
        assert not button.is_enabled() and button.get_attribute("title") == reason
        assert driver.find_element("id", "verify-browser-result").get_attribute("textContent") == (
            f"Verifying in this browser needs the WebAssembly verifier: {reason}")
        driver.get(url + "/verify")
        said = web_browser.wait_text(driver, "result", "no WebAssembly verifier")
        assert not driver.find_element("id", "verify-button").is_enabled() and said.endswith(reason)


@pytest.mark.prove
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


# ---- the server never stalls and never leaks --------------------------------------------------------

QUICK_BOUND = 2.0
"""Seconds any request that neither converts an upload nor synthesizes a key may take, while a key is synthesized."""
UPLOAD_BOUND = 30.0
"""Seconds an upload (a conversion and its fidelity report) may take under the load test."""


@dataclass
class Answer:
    """One request of a load test: what it was, when it started (time.monotonic), how long it took, its status."""

    kind: str
    start: float
    seconds: float
    status: int
    body: Any = None


def timed(client: Any, kind: str, method: str, path: str, **kwargs: Any) -> Answer:
    start = time.monotonic()
    r = client.request(method, path, **kwargs)
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    return Answer(kind, start, time.monotonic() - start, r.status_code, body)


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` (MiB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def children_rss_mb(pid: int) -> float:
    """Resident memory of the child processes of ``pid`` together (MiB), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += rss_mb(int(stat.parent.name))
        except (OSError, IndexError, ValueError, AssertionError):   # gone meanwhile
            continue
    return total


def overlapping(answers: list[Answer], start: float, end: float) -> list[Answer]:
    """The answers to requests made while something ran from ``start`` to ``end``."""
    return [a for a in answers if start <= a.start < end]


def test_requests_answer_while_a_key_is_synthesized(tmp_path: Path) -> None:
    """~50 requests while the server synthesizes a verifying key (an example's public model file, in an
    empty key cache): each answered within QUICK_BOUND; a second synthesis by the same client is refused
    with 429 and says why; the key then arrives, derived from the program."""
    import httpx

    env = {"PYLEO_CACHE_DIR": str(tmp_path / "cache")}
    with web_browser.server_process(tmp_path, env) as (url, _):
        c = httpx.Client(base_url=url, timeout=120)
        page = c.post("/api/models/example/wine_tree").json()
        rows = [r["values"] for r in page["held_out"]]
        assert c.get("/api/models/wine_tree/fidelity.png").status_code == 200   # as the page does: drawn once
        synthesis: list[Answer] = []
        started = time.monotonic()
        background = threading.Thread(target=lambda: synthesis.append(
            timed(httpx.Client(base_url=url, timeout=300), "synthesis", "GET", "/api/models/wine_tree/public-model")))
        background.start()
        time.sleep(1.0)                                           # the synthesis has its worker by now
        second = timed(c, "second synthesis", "GET", "/api/models/wine_tree/public-model")
        kinds = [("GET", "/api/examples", {}), ("POST", "/api/models/example/wine_tree", {}),
                 ("GET", "/", {}), ("GET", "/api/models/wine_tree/fidelity.png", {}),
                 ("POST", "/api/verify", {"files": {"proof": ("p.json", b'{"format": "other"}')}})]
        answers = [second]
        for i in range(50):
            if i % 2:
                answers.append(timed(c, "predict", "POST", "/api/models/wine_tree/predict",
                                     json={"features": rows[i % len(rows)]}))
            else:
                method, path, kw = kinds[(i // 2) % len(kinds)]
                answers.append(timed(c, path, method, path, **kw))
        background.join(300)
    assert synthesis and synthesis[0].status == 200, synthesis
    doc = synthesis[0].body
    assert doc["verifying_keys"]["predict"].startswith("verifier1")
    assert doc["checksum"] == vm.program_checksum(doc["program"]) == page["checksum"]
    during = overlapping(answers, started, started + synthesis[0].seconds)
    print(f"{len(answers)} requests, {len(during)} during a {synthesis[0].seconds:.1f} s key synthesis; slowest "
          f"{max(a.seconds for a in answers):.2f} s")
    assert second in during and len(during) >= 1
    assert second.status == 429 and "too many key syntheses at once: you have 1 in progress" in second.body["error"]
    slow = [(a.kind, round(a.seconds, 2)) for a in answers if a.seconds > QUICK_BOUND]
    assert not slow, f"{len(slow)} of {len(answers)} requests took longer than {QUICK_BOUND} s: {slow}"
    assert {a.status for a in answers[1:]} == {200}   # the malformed proof too: an invalid proof, answered at once
    assert all(a.body["verified"] is False for a in answers if a.kind == "/api/verify")


def test_sigterm_during_a_job_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM while a proof is being made: the server ends its children, removes the job's temporary
    folder and exits 143 (not killed by the signal, which leaked multiprocessing's semaphores)."""
    import httpx

    output: list[str] = []
    with web_browser.server_process(tmp_path, {"PYLEO_CACHE_DIR": str(tmp_path / "cache")}, output) as (url, proc):
        page = httpx.post(f"{url}/api/models/example/wine_tree", timeout=120).json()
        job = httpx.post(f"{url}/api/models/wine_tree/prove", json={"features": page["held_out"][0]["values"]},
                         timeout=60).json()
        end = time.monotonic() + 60
        while httpx.get(f"{url}/api/jobs/{job['id']}", timeout=30).json()["state"] == "queued":
            assert time.monotonic() < end, "the job did not start"
            time.sleep(0.2)
        assert [p.name for p in tmp_path.glob("pyleo-web-proof-*")]  # the job's folder exists
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 128 + signal.SIGTERM
    assert not list(tmp_path.glob("pyleo-web-*"))
    assert "leaked semaphore" not in output[0] and "Traceback" not in output[0], output[0]


def test_a_signal_to_the_server_s_process_group_stops_it(tmp_path: Path) -> None:
    """SIGTERM to `pyleo serve`'s whole process group (what `timeout` and ``kill -TERM -PGID`` send; Ctrl-C on a
    terminal sends SIGINT the same way): the server stops and exits 143, with no traceback. Its worker processes
    left the group (pyleo_cli.web.workers._start): killed by the signal, one kept its pool's queue lock and the
    server hung in Pool.terminate for good."""
    proc = subprocess.Popen([sys.executable, "-m", "pyleo_cli.main", "serve", "--port", "0", "--no-verifier"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path)})
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline()
        assert "pyleo web app: http://" in said, said
        end = time.monotonic() + 60
        while True:   # the pools' workers are up and out of the server's group
            workers = [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and
                       _parent_and_group(int(d.name))[0] == proc.pid and b"spawn_main" in _cmdline(int(d.name))]
            if len(workers) >= 2 and all(_parent_and_group(w)[1] != proc.pid for w in workers):
                break
            assert time.monotonic() < end, "the workers did not start"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(30) == 128 + signal.SIGTERM
        rest = proc.stdout.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    assert not any(_parent_and_group(w) != (-1, -1) for w in workers)   # gone


def _parent_and_group(pid: int) -> tuple[int, int]:
    """Process ``pid``'s parent and process group ids, from /proc; (-1, -1) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return -1, -1
    return int(fields[1]), int(fields[2])


def _cmdline(pid: int) -> bytes:
    """Process ``pid``'s command line, from /proc (empty when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_dead_prover_is_reported_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A prover process killed mid-job: the job says how it died and the server log says it too."""
    from fastapi.testclient import TestClient

    from pyleo_cli.web.app import create_app

    with TestClient(create_app()) as c, caplog.at_level(logging.ERROR, logger="pyleo.web"):
        page = c.post("/api/models/example/wine_tree").json()
        job = c.post("/api/models/wine_tree/prove", json={"features": page["held_out"][0]["values"]}).json()
        end = time.monotonic() + 60
        while not (provers := [p for p in multiprocessing.active_children() if p.name == f"pyleo-prover-{job['id']}"]):
            assert time.monotonic() < end, "no prover process"
            time.sleep(0.1)
        provers[0].kill()
        while (view := c.get(f"/api/jobs/{job['id']}").json())["state"] not in ("done", "error"):
            assert time.monotonic() < end, view
            time.sleep(0.2)
    assert view["error"] == "the prover process was killed by SIGKILL (out of memory?)", view
    assert any(f"proving job {job['id']} (model wine_tree): the prover process was killed by SIGKILL" in r.getMessage()
               for r in caplog.records), caplog.text


def test_death_cause_names_the_signal_or_the_exit_code() -> None:
    from pyleo_cli.web.prover import death_cause

    assert death_cause(-signal.SIGSEGV, False) == "was killed by SIGSEGV"
    assert death_cause(0, False) == "exited with code 0 without reporting a result"
    assert death_cause(1, False) == "exited with code 1 without reporting a result (its output is in the server log)"
    assert death_cause(-signal.SIGKILL, True) == "was stopped: the server is shutting down"


def test_quota_limits_per_client_in_all_and_per_window() -> None:
    from pyleo_cli.web.workers import Busy, Quota

    q = Quota("uploads", per_client=1, total=2, per_window=3, window_s=60)
    q.take("a")
    with pytest.raises(Busy, match="too many uploads at once: you have 1 in progress"):
        q.take("a")
    q.take("b")
    with pytest.raises(Busy, match="the server has 2 in progress"):
        q.take("c")
    q.give("a")
    q.give("b")
    q.take("a")
    q.give("a")
    q.take("a")
    q.give("a")
    with pytest.raises(Busy, match=r"too many uploads: you started 3 in the last 1 minutes"):
        q.take("a")
    q.take("b")                                                   # another client's window is its own


def test_uploads_expire_with_their_cache_files(client_factory: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """An upload leaves converted model files in pyleo's cache and a module imported from them; when it
    expires, the app's sweep removes them all, with no request needed. A client over its upload limit gets
    429 with the reason."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from pyleo_cli.web import app as web_app
    from pyleo_cli.web import models

    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(web_app, "UPLOADS_PER_WINDOW", 1)
    monkeypatch.setattr(web_app, "SWEEP_SECONDS", 0.2)
    X, y = load_iris(return_X_y=True)
    files = {"model": ("m.joblib", joblib_bytes(LogisticRegression(max_iter=1000).fit(X, y))),
             "rows": ("rows.csv", csv_bytes(X))}
    with client_factory() as c:
        r = c.post("/api/models/upload", files=files)
        assert r.status_code == 200, r.text
        model_id = r.json()["id"]
        left = sorted((tmp_path / "cache" / "models").glob(f"{r.json()['name']}_*.py"))
        assert left                                               # the converter's cache files
        assert [m for m in sys.modules.values() if getattr(m, "__file__", None) in {str(f) for f in left}]
        again = c.post("/api/models/upload", files=files)
        assert again.status_code == 429 and "too many uploads: you started 1 in the last 10 minutes" in again.json()["error"]
        assert c.post(f"/api/models/{model_id}/predict", json={"features": X[0].tolist()}).status_code == 200
        monkeypatch.setattr(models, "UPLOAD_SECONDS", 0.0)     # expired now; the app's sweep removes it
        end = time.monotonic() + 10
        while [f for f in left if f.exists()]:
            assert time.monotonic() < end, "the expired upload's files are still there"
            time.sleep(0.1)
        r = c.post(f"/api/models/{model_id}/predict", json={"features": X[0].tolist()})
        assert r.status_code == 400 and f"no model {model_id!r}" in r.json()["error"]
    assert not [m for m in sys.modules.values() if getattr(m, "__file__", None) in {str(f) for f in left}]
    assert not list((tmp_path / "cache").rglob(f"{left[0].name.rsplit('_', 1)[0]}_*"))   # nor bytecode of it


@pytest.fixture
def client_factory() -> Any:
    """A fresh app under FastAPI's TestClient per use (its limits and lifespan of its own)."""
    from fastapi.testclient import TestClient

    from pyleo_cli.web.app import create_app

    return lambda: TestClient(create_app())


LOAD_BOUND = 5.0
"""Seconds any request of the load test but an upload may take: key syntheses and a proving job run at once
beside it, on a machine whose cores other work shares."""
RSS_GROWTH_MB = 40.0
"""How much the server's resident memory may grow from the 100th request to the last of the load test (MiB)."""
WORKERS_RSS_MB = 1500.0
"""Resident memory the server's child processes (worker pools, a prover) may hold together (MiB)."""


@pytest.mark.slow
@pytest.mark.prove
def test_load_mixed_requests_never_stall_and_memory_stays_flat(tmp_path: Path) -> None:
    """~500 mixed requests on loopback (model pages, predictions on an example and on uploads, plots, a
    proving job polled, verifying a proof whose keys are cached and, at first, one whose keys are not)
    while a background client keeps a key synthesized (the proof against its checksum in an empty key
    cache, then the public model files of fresh uploads, each a new program): every request answers
    within QUICK_BOUND (uploads UPLOAD_BOUND), the server's memory stays flat, and nothing of the
    uploads is left in the key cache or the model cache once the server stops."""
    import runpy

    import httpx
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    prog = runpy.run_path(str(ROOT / "examples" / "scorer.py"))["prog"]
    proof = vm.prove(prog.aleo(), "score", ["[1i64, 2i64, 3i64, 4i64]", "10i64"], block_height=vm.WASM_BLOCK_HEIGHT)
    proof_bytes = json.dumps(proof.to_json()).encode()
    X, y = load_iris(return_X_y=True)
    upload = {"model": ("m.joblib", joblib_bytes(LogisticRegression(max_iter=1000).fit(X, y))),
              "rows": ("rows.csv", csv_bytes(X))}
    cache = tmp_path / "cache"
    answers: list[Answer] = []          # the main client's
    background: list[Answer] = []       # the synthesizing client's
    uploaded: list[str] = []
    done = threading.Event()
    proof_keys = threading.Event()      # set once the background client synthesized the proof's keys

    def synthesize(url: str) -> None:
        bc = httpx.Client(base_url=url, timeout=600)

        def keys(method: str, path: str, **kw: Any) -> None:
            # one client (this host) has one key synthesis in progress at most: a 429 while the main client's
            # proof builds its keys says "wait for it to finish, then try again", which this client does
            while not done.is_set():
                background.append(a := timed(bc, "synthesis", method, path, **kw))
                if a.status != 429:
                    return
                time.sleep(0.5)

        for i in range(12):
            if done.is_set():
                return
            a = timed(bc, "upload", "POST", "/api/models/upload", files=upload)
            background.append(a)
            if a.status == 200:
                uploaded.append(a.body["id"])
                keys("GET", f"/api/models/{a.body['id']}/public-model")
            if i == 0:
                keys("POST", "/api/verify", data={"checksum": proof.checksum}, files={"proof": ("p.json", proof_bytes)})
                proof_keys.set()

    with web_browser.server_process(tmp_path, {"PYLEO_CACHE_DIR": str(cache)}) as (url, proc):
        c = httpx.Client(base_url=url, timeout=600)
        page = c.post("/api/models/example/wine_tree").json()
        rows = [r["values"] for r in page["held_out"]]
        thread = threading.Thread(target=synthesize, args=(url,))
        thread.start()
        job = timed(c, "prove", "POST", "/api/models/wine_tree/prove", json={"features": rows[0]})
        answers.append(job)
        kinds: list[tuple[str, str, str, dict[str, Any]]] = [
            ("examples", "GET", "/api/examples", {}), ("model page", "POST", "/api/models/example/wine_tree", {}),
            ("predict", "POST", "/api/models/wine_tree/predict", {}), ("plot", "GET", "/api/models/wine_tree/fidelity.png", {}),
            ("verify, its own key", "POST", "/api/verify", {"files": {"proof": ("p.json", proof_bytes)}}),
            ("verify, checksum", "POST", "/api/verify", {"files": {"proof": ("p.json", proof_bytes)},
                                                         "data": {"checksum": proof.checksum}}),
            ("job", "GET", f"/api/jobs/{job.body['id']}", {}), ("page", "GET", "/", {}),
            ("predict upload", "POST", "", {})]
        rss: dict[int, float] = {}
        end = time.monotonic() + 480
        # at least 500 requests, and on until two of the background's key syntheses are answered (how long
        # those take depends on what else the machine runs: they are niced, the requests are not)
        while (len(answers) < 500 or sum(a.kind == "synthesis" and a.status == 200 for a in background) < 2) \
                and time.monotonic() < end:
            kind, method, path, kw = kinds[len(answers) % len(kinds)]
            if kind == "verify, checksum" and not proof_keys.is_set():   # its key synthesis is the background's
                kind, method, path, kw = kinds[4]
            if kind == "predict upload" and uploaded:
                path, kw = f"/api/models/{uploaded[-1]}/predict", {"json": {"features": X[len(answers) % len(X)].tolist()}}
            elif kind.startswith("predict"):
                kind, path = "predict", "/api/models/wine_tree/predict"
                kw = {"json": {"features": rows[len(answers) % len(rows)]}}
            answers.append(timed(c, kind, method, path, **kw))
            if len(answers) == 100:
                rss[100] = rss_mb(proc.pid)
            time.sleep(0.05)
        rss[len(answers)] = rss_mb(proc.pid)
        workers_rss = children_rss_mb(proc.pid)
        done.set()
        thread.join(600)
        final = c.get(f"/api/jobs/{job.body['id']}").json()
    syntheses = [a for a in background if a.kind == "synthesis" and a.status == 200]
    during = [a for s in syntheses for a in overlapping(answers, s.start, s.start + s.seconds)]
    report = {k: (len(v), round(max(v), 2)) for k in {a.kind for a in answers}
              for v in [[a.seconds for a in answers if a.kind == k]]}
    print(f"{len(answers)} requests, {len(during)} during {len(syntheses)} key syntheses "
          f"({[round(s.seconds, 1) for s in syntheses]} s); (count, slowest s) by kind: {report}; "
          f"server RSS MiB by requests: {rss}; its children's at the end: {workers_rss:.0f} MiB; "
          f"uploads: {[round(a.seconds, 2) for a in background if a.kind == 'upload']}")
    assert len(answers) >= 450 and len(syntheses) >= 2 and len(during) >= 100
    slow = [(a.kind, round(a.seconds, 2)) for a in answers if a.seconds > LOAD_BOUND]
    assert not slow, f"{len(slow)} of {len(answers)} requests took longer than {LOAD_BOUND} s: {slow}"
    assert all(a.seconds <= UPLOAD_BOUND for a in background if a.kind == "upload")
    assert {a.status for a in answers if a.kind != "verify, checksum"} == {200}
    verified = [a for a in answers if a.kind.startswith("verify") and a.status == 200]
    assert verified and all(a.body["verified"] for a in verified)
    # while the background client's first synthesis (the same proof's key) runs, its checksum is refused
    assert {a.status for a in answers if a.kind == "verify, checksum"} <= {200, 429}
    assert final["state"] == "done", final
    first, last = rss[min(rss)], rss[max(rss)]
    assert last - first <= RSS_GROWTH_MB, f"the server's RSS grew {first:.0f} → {last:.0f} MiB: {rss}"
    assert workers_rss <= WORKERS_RSS_MB, f"the worker processes hold {workers_rss:.0f} MiB"
    # the server stopped: no upload's model files or keys are left in its caches
    assert not list((cache / "models").rglob("*_upload_*"))   # bytecode too (uploads are named FILE_upload_TAG)
    kept = {vm.keys_dir(proof.program).name}
    assert {d.name for d in (cache / "keys").iterdir()} - kept and len(list((cache / "keys").iterdir())) == 2
    assert not list(tmp_path.glob("pyleo-web-*"))


@pytest.mark.prove
@pytest.mark.needs_params
def test_verifying_against_a_private_weights_model_binds_its_weights() -> None:
    """/api/verify's trust in a model (pyleo_cli.web.app.trusted_by) includes the commitment of private
    weights: a proof of the same program made with other weights is valid for the program alone and
    refused against the model, by pyleo.trust.verify in the app's worker."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from pyleo import trust
    from pyleo_cli.web.app import trusted_by
    from pyleo_cli.web.models import Entry
    from pyleo_cli.web.workers import verify_artifact
    from stdlib_ml import from_sklearn

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    zk = from_sklearn(model, X, weights="private", inputs="public")
    entry = Entry("m", "a private model", zk, model, ["a", "b", "c", "d"], X, None, "calibration")
    honest = zk.prove(X[120]).to_json()
    (enc,) = zk.encode(X[120][None])
    w = {k: np.asarray(v, dtype=object).tolist() for k, v in zk.module.OWNER_WEIGHTS.items()}
    w["W"], w["B"] = w["W"][1:] + w["W"][:1], w["B"][1:] + w["B"][:1]     # other weights, the same program
    other = zk.program.prove("predict", enc, zk.opening(w)).to_json()
    assert other["program_checksum"] == honest["program_checksum"]
    assert trust.verify(other, trust.Trusted(program=zk.program.aleo())).valid
    verdict, _ = verify_artifact(other, trusted_by(entry))
    assert not verdict.valid and "the proof's commitment" in verdict.reason, verdict
    verdict, _ = verify_artifact(honest, trusted_by(entry))
    assert verdict.valid and f"the weights committed to by {zk.commitment}" in verdict.bound, verdict
