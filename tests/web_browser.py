"""Drive `pyleo serve` in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, via
Selenium): used by tests/test_web.py and by ``python -m tests.web_browser docs/`` (the README's
screenshots). :func:`whole_flow` walks one example model through choose → predict → prove →
download → verify on the server → verify in the browser and returns what the page showed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def server(tmpdir: Path | None = None) -> Iterator[str]:
    """Start `pyleo serve --port 0` (a free localhost port) in a child process, its temporary files in
    ``tmpdir`` when given; yields its base URL."""
    with server_process(tmpdir) as (url, _):
        yield url


@contextmanager
def server_process(tmpdir: Path | None = None, env: dict[str, str] | None = None, output: list[str] | None = None,
                   cwd: Path = ROOT, args: tuple[str, ...] = ()) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """:func:`server` with ``env`` added to its environment and ``args`` to its command line (``--no-verifier``),
    run in ``cwd``, yielding (base URL, the process); SIGTERM stops it. When ``output`` is given, what the server
    printed is appended to it once it stopped."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **({"TMPDIR": str(tmpdir)} if tmpdir else {}), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "pyleo_cli.main", "serve", "--port", "0", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    said = ""   # lines before the URL: the in-browser verifier being fetched (a checkout without `npm ci`)
    try:
        assert proc.stdout is not None
        while (m := re.search(r"http://127\.0\.0\.1:\d+/", line := proc.stdout.readline())) is None:
            said += line
            if not line:
                raise RuntimeError(f"pyleo serve did not start: {said}")
        yield m.group(0).rstrip("/"), proc
    finally:
        proc.terminate()
        try:
            rest = proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            rest = proc.communicate()[0]
        if output is not None:
            output.append(said + rest)


@contextmanager
def browser(downloads: Path) -> Iterator[Any]:
    """Headless Chromium driven by Selenium, with a fresh profile; downloads go to ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        raise RuntimeError("the browser tests need Debian's chromium and chromium-driver "
                           "(apt-get install -y chromium chromium-driver; .ci/run does it)")
    profile = tempfile.mkdtemp(prefix="pyleo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1000,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()
        subprocess.run(["rm", "-rf", profile], check=False)


def wait_text(driver: Any, element_id: str, pattern: str, timeout: float = 60) -> str:
    """Wait until element ``element_id``'s text matches ``pattern`` (regex); returns the text.
    AssertionError with the last text seen on timeout."""
    end = time.monotonic() + timeout
    text = ""
    while time.monotonic() < end:
        text = driver.find_element("id", element_id).text
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"#{element_id} never matched {pattern!r} in {timeout} s; it shows: {text!r}")


def click(driver: Any, element_id: str, timeout: float = 30) -> None:
    """Click element ``element_id`` once it is displayed and enabled."""
    end = time.monotonic() + timeout
    el = driver.find_element("id", element_id)
    while time.monotonic() < end and not (el.is_displayed() and el.is_enabled()):
        time.sleep(0.1)
    el.click()


@dataclass
class Flow:
    """What the page showed at each step of :func:`whole_flow`."""

    model_facts: str = ""
    fidelity: str = ""
    fidelity_rows: int = 0
    row_values: list[float] = field(default_factory=list)
    prediction: str = ""
    prove_status: str = ""
    prove_status_seen: bool = False
    """Whether the prove status line was inside the window once proved (the page scrolls it into view)."""
    proof_path: Path | None = None
    server_verdict: str = ""
    browser_verdict: str = ""
    server_tmp_left: list[str] = field(default_factory=list)


def shoot(driver: Any, shots: Path | None, name: str, element_id: str | None = None) -> None:
    """Save a PNG of the page (scrolled to ``element_id``) as ``shots/name.png`` when ``shots`` is set."""
    if shots is None:
        return
    from PIL import Image

    if element_id:
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", element_id)
    driver.execute_script("return Promise.all(Array.from(document.images, (i) => i.decode().catch(() => null)))")
    path = shots / f"{name}.png"
    driver.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)   # a small PNG for the README


def in_view(driver: Any, element_id: str) -> bool:
    """Whether element ``element_id`` lies wholly inside the browser window."""
    return driver.execute_script("const r = document.getElementById(arguments[0]).getBoundingClientRect(); "
                                 "return r.top >= 0 && r.bottom <= window.innerHeight", element_id)


def whole_flow(driver: Any, url: str, example: str, downloads: Path, shots: Path | None = None) -> Flow:
    """Choose ``example``, predict its first held-out row, prove, download, verify on the server and in the browser."""
    flow = Flow()
    driver.get(url + "/")
    wait_text(driver, "examples", ".")
    click(driver, f"example-{example}")
    wait_text(driver, "choose-status", "^Chosen", timeout=120)
    flow.model_facts = driver.find_element("id", "model-facts").text
    flow.fidelity = driver.find_element("id", "fidelity-summary").text
    flow.fidelity_rows = len(driver.find_elements("css selector", "#fidelity-table tr")) - 1
    shoot(driver, shots, "web-1-model", "model")
    flow.row_values = [float(e.get_attribute("value")) for e in driver.find_elements("css selector", "#feature-grid input")]
    click(driver, "predict-button")
    flow.prediction = wait_text(driver, "prediction", "Circuit prediction|error")
    shoot(driver, shots, "web-2-predict", "sample")
    click(driver, "prove-button")
    if shots is not None:
        wait_text(driver, "prove-status", "proving…", timeout=240)
        shoot(driver, shots, "web-3-proving", "prove")
    flow.prove_status = wait_text(driver, "prove-status", r"^Proved|error|stopped", timeout=300)
    end = time.monotonic() + 3   # a smooth scroll
    while not in_view(driver, "prove-status") and time.monotonic() < end:
        time.sleep(0.1)
    flow.prove_status_seen = in_view(driver, "prove-status")
    click(driver, "download-link")
    end = time.monotonic() + 30
    while time.monotonic() < end and not list(downloads.glob("*.proof.json")):
        time.sleep(0.2)
    found = list(downloads.glob("*.proof.json"))
    flow.proof_path = found[0] if found else None
    click(driver, "verify-server-button")
    flow.server_verdict = wait_text(driver, "verify-server-result", "verified|error|failed", timeout=120)
    click(driver, "verify-browser-button")
    flow.browser_verdict = wait_text(driver, "verify-browser-result", r"^✔|^✘|failed", timeout=180)
    shoot(driver, shots, "web-4-verified", "prove")
    return flow


def verify_page(driver: Any, url: str, proof: Path, fingerprint: str = "", shots: Path | None = None,
                name: str = "", model: Path | None = None) -> str:
    """Drop ``proof`` on the /verify page (with the model's public file ``model`` and / or a published
    ``fingerprint``) and return the verdict or error shown."""
    driver.get(url + "/verify")
    driver.find_element("id", "proof-file").send_keys(str(proof))
    if fingerprint:
        driver.find_element("id", "fingerprint").send_keys(fingerprint)
    if model is not None:
        driver.find_element("id", "model-file").send_keys(str(model))
    click(driver, "verify-button")
    verdict = wait_text(driver, "result", r"^✔|^✘|failed|not a|checksum|cannot|SHA-256|carries no|latest consensus", timeout=180)
    if name:
        shoot(driver, shots, name)
    return verdict


def public_model(url: str, model_id: str, out: Path) -> Path:
    """The model's public file as the main page's link serves it (with its verifying key), saved to ``out``."""
    import httpx

    r = httpx.get(f"{url}/api/models/{model_id}/public-model", timeout=120)
    r.raise_for_status()
    out.write_bytes(r.content)
    return out


def upload_page(driver: Any, url: str, model: Path, rows: Path, shots: Path | None = None, name: str = "") -> str:
    """Upload a model file and a CSV on the main page; returns what the status line shows after it."""
    driver.get(url + "/")
    wait_text(driver, "examples", ".")
    driver.find_element("css selector", "details summary").click()
    driver.find_element("id", "upload-model").send_keys(str(model))
    driver.find_element("id", "upload-rows").send_keys(str(rows))
    click(driver, "upload-button")
    text = wait_text(driver, "choose-status", "^Chosen|is not|error|cannot|columns", timeout=120)
    if name:
        shoot(driver, shots, name, "choose")
    return text


def tamper(proof: Path, out: Path) -> Path:
    """A copy of ``proof`` whose first public output (in the execution and its readable copy) is changed."""
    data = json.loads(proof.read_text())
    execution = json.loads(data["execution"])
    item = execution["transitions"][0]["outputs"][0]
    m = re.match(r"^(\d+)(\w+)$", item["value"])
    assert m is not None, item
    item["value"] = f"{(int(m.group(1)) + 1) % 3}{m.group(2)}"
    data["execution"] = json.dumps(execution, separators=(",", ":"))
    data["public_outputs"][0] = item["value"]
    out.write_text(json.dumps(data))
    return out


def _zero(kind: str) -> str:
    """A value of Aleo type ``kind`` (``u8``, ``[u8; 2u32]``, …): zeros, false."""
    m = re.fullmatch(r"\[(.+); (\d+)u32\]", kind)
    if m:
        return "[" + ", ".join([_zero(m.group(1))] * int(m.group(2))) + "]"
    return "false" if kind == "boolean" else f"0{kind}"


def forge(proof: Path, out: Path) -> Path:
    """The forged-key attack on ``proof`` (a proof of a ``predict`` with one public output): another program
    with the same program ID and ``predict`` interface that ignores its inputs and outputs the next label,
    proved here (pyleo.vm, at WASM_BLOCK_HEIGHT), shipped with the honest program text, checksum and
    constraint count, and the forged verifying key and execution. Only a verifier that takes the key from
    the proof file could be fooled by it."""
    from pyleo import vm

    data = json.loads(proof.read_text())
    honest = data["program"]
    inputs = re.findall(r"^\s*input r\d+ as (.+)\.(private|public);$", honest.split("function predict:", 1)[1], re.M)
    (out_type,) = re.findall(r"^\s*output r\d+ as (\w+)\.public;$", honest, re.M)
    label = int(re.match(r"^\d+", data["public_outputs"][0]).group(0))
    forged = (f"program {data['program_id']};\n\nfunction predict:\n" +
              "".join(f"    input r{i} as {kind}.{vis};\n" for i, (kind, vis) in enumerate(inputs)) +
              f"    add {label + 1}{out_type} 0{out_type} into r{len(inputs)};\n"
              f"    output r{len(inputs)} as {out_type}.public;\n")
    made = vm.prove(forged, "predict", [_zero(kind) for kind, _ in inputs], block_height=vm.WASM_BLOCK_HEIGHT)
    doc = {**made.to_json(), "program": honest, "program_checksum": data["program_checksum"],
           "constraints": data["constraints"]}
    out.write_text(json.dumps(doc))
    return out


def upload_files(folder: Path) -> tuple[Path, Path]:
    """A newcomer's upload: a scikit-learn pipeline fitted on breast_cancer's class names (joblib) and a CSV of 40
    of its rows whose header names the features. Returns (model file, CSV)."""
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(data.data, data.target_names[data.target])
    joblib.dump(model, folder / "cancer_lr.joblib")
    header = ",".join(name.replace(" ", "_") for name in data.feature_names)
    (folder / "rows.csv").write_text("\n".join([header, *(",".join(f"{v:.6g}" for v in r) for r in data.data[:40])]) + "\n")
    return folder / "cancer_lr.joblib", folder / "rows.csv"


def main(shots: Path) -> None:
    """Take docs/web.md's screenshots of each step into ``shots`` (PNG) and print what the pages said: the example's
    whole flow, a tampered and a forged-key proof, a bad upload, an upload with its CSV's names, a proof made under
    the latest rules and one made for the browser on /verify, and a server without the in-browser verifier."""
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, server() as url, browser(Path(tmp)) as driver:
        flow = whole_flow(driver, url, "iris_mlp", Path(tmp), shots)
        print(flow.prove_status)
        print(flow.server_verdict)
        print(flow.browser_verdict)
        assert flow.proof_path is not None
        public = public_model(url, "iris_mlp", Path(tmp, "public.json"))
        print(verify_page(driver, url, flow.proof_path, shots=shots, name="web-10-verify-page", model=public))
        latest = json.loads(flow.proof_path.read_text())
        del latest["block_height"]                  # as `pyleo prove` writes it: made under the latest rules
        Path(tmp, "latest.json").write_text(json.dumps(latest))
        print(verify_page(driver, url, Path(tmp, "latest.json"), shots=shots, name="web-11-latest-rules", model=public))
        print(verify_page(driver, url, tamper(flow.proof_path, Path(tmp, "tampered.json")), shots=shots,
                          name="web-5-tampered", model=public))
        print(verify_page(driver, url, forge(flow.proof_path, Path(tmp, "forged.json")), shots=shots,
                          name="web-7-forged-key", model=public))
        bad = Path(tmp, "model.joblib")
        bad.write_bytes(b"not a pickle")
        rows = Path(tmp, "rows.csv")
        rows.write_text("a,b\n1,2\n")
        print(upload_page(driver, url, bad, rows, shots, "web-6-bad-upload"))
        print(upload_page(driver, url, *upload_files(Path(tmp))))
        click(driver, "predict-button")
        print(wait_text(driver, "prediction", "Circuit prediction|error"))
        shoot(driver, shots, "web-8-upload", "sample")
    with tempfile.TemporaryDirectory() as tmp, server_process(args=("--no-verifier",)) as (url, _), \
            browser(Path(tmp)) as driver:
        driver.get(url + "/verify")
        print(wait_text(driver, "result", "no WebAssembly verifier"))
        shoot(driver, shots, "web-9-no-verifier")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
