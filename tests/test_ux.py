"""A newcomer's first hour (issue 26): answers in the model's terms, no silent waits, keys built once,
defaults that admit the data, networks that fit, and a README whose quickstart runs as written."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from pyleo import display, progress, trust, vm
from pyleo.errors import InputError
from pyleo.limits import LOCAL_BUDGET

ROOT = Path(__file__).resolve().parents[1]


def pyleo(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYLEO_CACHE_DIR": str(cache)}, timeout=600)


def key_files(cache: Path) -> set[str]:
    return {str(p.relative_to(cache)) for p in (cache / "keys").glob("*/*.[pv]k")}


# ---- answers in the model's terms ------------------------------------------------------------------------
def test_a_decoding_reads_proved_literals_as_the_model_s_answers() -> None:
    names = trust.Decoding(("setosa", "versicolor", "virginica"))
    assert [names.decode(v) for v in ("0u8", "2u8", " 1u8 ", "3u8", "-1i8", "7field", "1")] == \
        ["setosa", "virginica", "versicolor", None, None, None, None]   # out of range, a commitment, no type: none
    assert trust.Decoding(scale=1024.0).decode("-2560i64") == "-2.5"
    assert trust.Decoding().decode("4u8") == "4"                         # a cluster is its number
    doc = trust.public_model_json("program p.aleo;", "p.aleo", "predict", "public", None, decoding=names)
    assert doc["decoding"] == {"classes": ["setosa", "versicolor", "virginica"], "scale": None}
    assert trust.Decoding.from_json({"classes": [False, True]}, "p").decode("1u8") == "True"   # labels as JSON has them
    for bad in ({"classes": "abc"}, {"classes": [[1]]}, {"scale": -1}, {"scale": "2"}, [1], {"scale": float("inf")},
                {"scale": 2, "link": "log"}, {"link": "exp"}):
        with pytest.raises(InputError, match="decoding"):
            trust.Decoding.from_json(bad, "public.json")


def test_a_log_link_regressor_s_proved_output_reads_as_its_prediction() -> None:
    """A GLM with a log link (PoissonRegressor) proves η·OUT_SCALE; what a verifier is shown as its prediction
    (`pyleo verify --model` / `--public-model`, the /verify page: :attr:`ZkModel.decoding`) must be the model's
    predict, exp(η), as the prover's ZkModel.decode gives it, not η (the oracle: sklearn's predict)."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import PoissonRegressor

    from stdlib_ml import from_sklearn

    X, y = load_diabetes(return_X_y=True)
    model = PoissonRegressor(max_iter=300).fit(X, y)
    zk = from_sklearn(model, X[:40])
    rows = X[:6]
    raw = zk.predict_raw(rows)
    shown = [float(zk.decoding.decode(f"{int(v)}i64")) for v in raw]
    assert np.allclose(shown, model.predict(rows), rtol=0.01)
    assert shown == [float(f"{v:.6g}") for v in zk.decode(raw)]
    doc = trust.public_model_json("program p.aleo;", "p.aleo", "predict", "public", None, decoding=zk.decoding)
    assert doc["decoding"]["link"] == trust.LOG_LINK and trust.Decoding.from_json(doc["decoding"], "p") == zk.decoding


def test_the_browser_refuses_the_decodings_pyleo_refuses() -> None:
    """aleo.js's readDecoding (the /verify page's public model file) against pyleo.trust.Decoding.from_json: the
    browser took any "decoding" and showed "[object Object]" or NaN as the prediction."""
    cases = [None, {"classes": ["a", 7]}, {"classes": None, "scale": 1024}, {"classes": None, "scale": 2, "link": "exp"},
             {"classes": [False, True]}, {"classes": [{"x": 1}]}, {"classes": "abc"}, {"scale": -1}, {"scale": "2"}, [1], {"scale": 2, "link": "log"},
             {"link": "exp"}, {"classes": [[1]]}]
    script = (f'const m = await import("./static/aleo.js"); const cases = {json.dumps(cases)};'
              "console.log(JSON.stringify(cases.map((d) => { try { return m.readDecoding(d) !== undefined; } "
              "catch (e) { return e.message.includes('decoding') ? false : e.message; } })));")
    done = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT / "cli" / "web", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    def pyleo_takes(d: Any) -> bool:
        try:
            d is None or trust.Decoding.from_json(d, "p")
        except InputError:
            return False
        return True

    assert json.loads(done.stdout) == [pyleo_takes(d) for d in cases]


def test_the_browser_reads_outputs_as_pyleo_does() -> None:
    """cli/web/static/aleo.js's decodeOutput (the /verify page's prediction) against pyleo.trust.Decoding."""
    cases = [({"classes": ["a", "b", 7]}, v) for v in ("0u8", "2u8", "3u8", "1field", "x")] + \
        [({"classes": None, "scale": 1024}, v) for v in ("-2560i64", "3i64")] + [({"classes": None, "scale": None}, "4u8")] + \
        [({"classes": None, "scale": 1024, "link": "exp"}, v) for v in ("-1024i64", "2048i64", "0i64")]
    script = (f'const m = await import("./static/aleo.js"); const cases = {json.dumps(cases)};'
              "console.log(JSON.stringify(cases.map(([d, v]) => m.decodeOutput(d, v))));")
    done = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT / "cli" / "web", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    want = [trust.Decoding.from_json(d, "t").decode(v) for d, v in cases]
    assert json.loads(done.stdout) == want


# ---- defaults that admit the data ----------------------------------------------------------------------------
def _families(regression: bool) -> dict[str, Any]:
    from sklearn.cluster import KMeans
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if regression:
        return {"ridge": lambda: Ridge(), "tree": lambda: DecisionTreeRegressor(max_depth=4, random_state=0),
                "gb": lambda: GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0),
                "kmeans": lambda: KMeans(3, n_init=3, random_state=0),
                "mlp": lambda: MLPRegressor(hidden_layer_sizes=(8,), max_iter=500, random_state=0)}
    return {"logreg": lambda: LogisticRegression(max_iter=2000), "tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
            "forest": lambda: RandomForestClassifier(5, max_depth=3, random_state=0),
            "gb": lambda: GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0),
            "knn": lambda: KNeighborsClassifier(3), "nb": lambda: GaussianNB(),
            "kmeans": lambda: KMeans(3, n_init=3, random_state=0), "mlp": lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0)}


def _admits(dataset: str, family: str, scaled: bool) -> None:
    """Converted without X, the model takes every row it was fitted on and its held-out rows, and labels the
    held-out rows as it does (the oracle: its own predict; regressions within 1% of the predictions' range)."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from stdlib_ml import from_sklearn

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    Xtr, Xte, ytr, _ = train_test_split(X, y, random_state=0, test_size=0.25)
    regression = dataset == "diabetes"
    est = _families(regression)[family]()
    model = make_pipeline(StandardScaler(), est) if scaled else est
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # convergence warnings of the small MLPs
        model.fit(Xtr) if family == "kmeans" else model.fit(Xtr, ytr)
    zk = from_sklearn(model)
    zk.encode(Xtr)                       # every fitted row is inside the range the circuit was sized for
    zk.encode(Xte)
    rows = Xte[:12]
    got, want = zk.predict(rows), model.predict(rows)
    if regression and family != "kmeans":
        assert np.max(np.abs(got - want)) <= 0.01 * max(np.ptp(model.predict(Xte)), 1e-9)
    else:
        assert np.array_equal(got, want)


@pytest.mark.parametrize("dataset, family, scaled", [("wine", "kmeans", True), ("iris", "kmeans", False),
                                                     ("wine", "nb", False), ("diabetes", "kmeans", True),
                                                     ("breast_cancer", "logreg", True), ("diabetes", "mlp", True)])
def test_ranges_from_a_model_s_own_statistics_admit_its_data(dataset: str, family: str, scaled: bool) -> None:
    """Issue 26's case first: make_pipeline(StandardScaler(), KMeans(3)) on wine rejected held-out rows."""
    _admits(dataset, family, scaled)


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "digits", "diabetes"])
def test_every_family_without_calibration_rows_admits_held_out_rows(dataset: str) -> None:
    for family in _families(dataset == "diabetes"):
        if family == "knn" and dataset == "digits":
            continue   # 1,347 training points × 64 features: beyond one program's array limit, refused at conversion
        for scaled in (False, True):
            _admits(dataset, family, scaled)


# ---- progress --------------------------------------------------------------------------------------------
def test_the_eta_counts_the_rows_after_the_keys_stage_and_the_workers_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measured prove-batch of Eta's docstring: a keys stage of 35 s, the workers' first rows 46 s later, then
    2 rows per ~19 s. At the half-way row the ETA is the rate since the workers' first rows (the oracle: the time
    the rest took, 72 s), within 25%; timed from the keys stage on, it said 1:59."""
    log = [(35.3, 1), (81.1, 2), (82.1, 3), (103.0, 4), (103.6, 5), (121.0, 6), (122.7, 7), (139.5, 8), (141.5, 9),
           (160.5, 10), (161.3, 11), (178.5, 12), (180.9, 13), (198.2, 14), (200.4, 15), (208.9, 16)]
    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    eta = display.Eta(16)
    assert eta.text() == "ETA after the first proof"
    shown, later = {}, ""
    for t, done in log:
        clock[0] = t
        eta.advance(done - eta.done)
        shown[done] = eta.text()
        if done == 8:
            clock[0] = t + 10
            later = eta.text()              # ten seconds on, no row done: it counts down
    assert shown[1] == shown[2] == "ETA: measuring" and shown[16] == "done"
    burst = display.Eta(12)
    for t, done in [(3.0, 1), (46.0, 2), (46.3, 3)]:   # two workers' rows 0.3 s apart: no rate yet (it said 0:01)
        clock[0] = t
        burst.advance(done - burst.done)
    assert burst.text() == "ETA: measuring"
    m, s = shown[8].removeprefix("ETA ").split(":")
    predicted = int(m) * 60 + int(s)
    assert abs(predicted / (208.9 - 139.5) - 1) <= 0.25, shown[8]
    assert later == f"ETA {(predicted - 10) // 60}:{(predicted - 10) % 60:02d}"


def test_progress_is_drawn_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not progress.shown()           # pytest captures stderr: nothing is drawn, nothing reaches stdout
    with progress.rows(3, "a", "b") as advance:
        advance(3)
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path))
    text = "program t.aleo;\n"
    assert progress.keys_stage(text, "f", "proving").startswith("building proving keys for f (first time")
    d = vm.keys_dir(text)
    d.mkdir(parents=True)
    try:
        (d / "f.vk").write_bytes(b"")
        assert progress.keys_stage(text, "f", "proving").startswith("building")   # a verifying key alone: not enough
        (d / "f.pk").write_bytes(b"")
        assert progress.keys_stage(text, "f", "proving") == "proving"
    finally:   # stand-in files, not keys: gone before the suite's key watch looks
        for p in d.iterdir():
            p.unlink()


def test_a_proof_from_python_names_its_stage_and_stages_do_not_nest(monkeypatch: pytest.MonkeyPatch) -> None:
    """`zk.prove` / `Program.prove` (the README's quickstart) draw the keys-then-proving stage as the CLI does;
    inside a command's own stage they draw nothing more (rich allows one live display)."""
    @pl.function
    def twice(x: pl.I64) -> pl.Public[pl.I64]:
        return x + x

    prog = pl.Program("stage_probe_model", [twice])
    drawn: list[str] = []
    monkeypatch.setattr(progress, "shown", lambda enabled=True: enabled)      # as on a terminal
    monkeypatch.setattr(vm, "prove", lambda *a, **k: drawn.extend(progress.SHOWING) or "proof")
    assert prog.prove("twice", 3) == "proof"
    assert drawn == [progress.keys_stage(prog.aleo(), "twice", "proving")]
    drawn.clear()
    with progress.stage("proving the rows"):
        prog.prove("twice", 3)
    assert drawn == ["proving the rows"] and progress.SHOWING == []


def on_a_terminal(command: list[str], env: dict[str, str], interrupt: tuple[str, float] | None = None,
                  timeout: float = 300) -> tuple[int, list[tuple[float, str]]]:
    """Run ``command`` with its stdout and stderr on a pseudo-terminal (as a user's shell does); returns its exit
    status and what the terminal received, as (seconds since the start, text) per read. ``interrupt``: (words,
    seconds): Ctrl-C (SIGINT to its process group) that many seconds after the words first showed. Reads until the terminal closes: until every process
    holding it (a display's drawing process too) is gone."""
    import pty
    import select
    import signal

    master, terminal = pty.openpty()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, start_new_session=True,
                             env={**os.environ, **env, "COLUMNS": "100"})
    os.close(terminal)
    received: list[tuple[float, str]] = []
    try:
        while time.perf_counter() - start < timeout:
            shown = [t for t, text in received if interrupt is not None and interrupt[0] in text]
            if interrupt is not None and shown and time.perf_counter() - start - shown[0] >= interrupt[1]:
                os.killpg(child.pid, signal.SIGINT)
                interrupt = None
            if select.select([master], [], [], 0.05)[0]:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:   # the terminal closed (Linux)
                    break
                if not data:      # (macOS)
                    break
                received.append((time.perf_counter() - start, data.decode("utf-8", "replace")))
        else:
            child.kill()
        return child.wait(timeout=30), received
    finally:
        os.close(master)


def largest_gap(received: list[tuple[float, str]], words: str) -> float:
    """The longest time the terminal received nothing, from the first frame showing ``words`` to the last one."""
    times = [t for t, text in received if words in text or "\r" in text or "\x1b[" in text]
    first = next(t for t, text in received if words in text)
    times = [t for t in times if t >= first]
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def test_a_spinner_turns_while_the_process_holds_the_interpreter_lock() -> None:
    """snarkVM's calls hold Python's global interpreter lock (a key synthesis: 11-18 s), which stopped a spinner
    drawn by a thread of the process. Here a C call holds the lock for 3.5 s (libc's sleep through ctypes.PyDLL, which
    keeps it): frames keep coming (no gap over 2.5 s; a drawing thread of this process left one of 3.5 s), what the
    process prints meanwhile shows above the spinner, a process it starts meanwhile draws nothing of its own, and
    the spinner's line is cleared at the end."""
    script = ("import ctypes, subprocess, sys\nfrom pyleo import progress\nwith progress.stage('holding the lock'):\n"
              "    print('printed meanwhile', flush=True)\n"
              "    subprocess.run([sys.executable, '-c', 'from pyleo import progress; print(\"worker draws\", progress.shown())'])\n"
              "    ctypes.PyDLL(None).sleep(3)\n    ctypes.PyDLL(None).usleep(500000)\nprint('after')\n")
    status, received = on_a_terminal([sys.executable, "-c", script], {})
    assert status == 0, received
    assert largest_gap(received, "holding the lock") <= 2.5
    frames = [t for t, text in received if "holding the lock" in text]
    assert frames[-1] - frames[0] >= 3.0 and len(frames) >= 10      # it turned the whole time, ~10 frames a second
    shown = "".join(text for _, text in received)
    assert "printed meanwhile" in shown
    assert "worker draws False" in shown      # a process started meanwhile (a batch's worker) leaves the terminal to it
    last = shown.rsplit("holding the lock", 1)[1]
    assert "after" in last and "\x1b[2K" in last.split("after")[0]       # the spinner's line erased, then the output


@pytest.mark.slow
@pytest.mark.prove
def test_the_spinner_turns_through_a_key_synthesis_and_ctrl_c_leaves_nothing_behind(tmp_path: Path) -> None:
    """`pyleo prove` on a terminal with an empty key cache: frames keep coming through the proving-key synthesis
    (no gap over 3 s; a drawing thread of the CLI's process stood still for the whole synthesis), stdout says what it
    always did. Ctrl-C during another synthesis: the command stops once snarkVM's call returns, the spinner says
    it is stopping meanwhile, no process is left on the terminal, no proof file, and the key cache holds no
    half-written file (every key it holds comes with its manifest)."""
    scorer = str(ROOT / "examples" / "scorer.py")
    command = [sys.executable, "-m", "pyleo_cli.main", "prove", scorer, "linear_scorer.score", "[1, 2, 3, 4]", "10"]
    status, received = on_a_terminal([*command, "--out", str(tmp_path / "p.json")],
                                     {"PYLEO_CACHE_DIR": str(tmp_path / "cache")})
    shown = "".join(text for _, text in received)
    assert status == 0 and "proved in" in shown, shown[-2000:]
    assert largest_gap(received, "building proving keys for score") <= 3.0
    timings = json.loads((tmp_path / "p.json").read_text())["timings"]
    assert timings["synthesize"] > 3.0      # the lock was held longer than the bound: the bound can fail

    cache = tmp_path / "cache2"
    status, received = on_a_terminal([*command, "--out", str(tmp_path / "q.json")], {"PYLEO_CACHE_DIR": str(cache)},
                                     interrupt=("building proving keys", 5.0), timeout=120)
    shown = "".join(text for _, text in received)
    assert status != 0 and "interrupted, stopping: building proving keys" in shown and "Traceback" not in shown, shown[-2000:]
    assert not (tmp_path / "q.json").exists()
    left = [p.name for p in cache.rglob("*") if p.is_file()]
    assert not [name for name in left if name.endswith(".tmp")], left
    for key in cache.glob("keys/*/*.[pv]k"):
        assert key.with_suffix(".json").is_file(), left


# ---- the README -----------------------------------------------------------------------------------------
def readme_quickstart() -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- --8<-- \[start:quickstart\] -->\n```python\n(.*?)```", text, re.S)
    assert m is not None, "README's quickstart block is missing"
    return m.group(1)


def test_the_readme_stays_short_and_its_commands_exist() -> None:
    import typer

    from pyleo_cli.main import app

    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 120
    assert len(readme_quickstart().strip().splitlines()) <= 16
    commands = set(typer.main.get_command(app).commands)
    for row in re.findall(r"^\| `pyleo ([a-z-]+)", text, re.M):
        assert row in commands, row
    for link in re.findall(r"\]\((docs/[^)]+)\)", text):
        assert (ROOT / link).is_file(), link


def test_the_cli_reference_is_what_the_app_says() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, "docs/cli-reference.md is stale: run `python scripts/cli_reference.py`"


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict: every nav page exists, every included measured table (benchmarks/results) is found."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "models" / "index.html").read_text()
    fidelity = (ROOT / "benchmarks" / "results" / "fidelity.md").read_text()
    assert fidelity.splitlines()[-1].split("measured on: ")[-1][:20] in page   # the results file, included whole
    assert "labels are class names" in (tmp_path / "site" / "index.html").read_text()   # README's quickstart
    from stdlib_ml import ZkModel, from_sklearn, from_torch

    for page, documented in [("converters", from_sklearn), ("converters", from_torch), ("zkmodel", ZkModel.prove)]:
        words = documented.__doc__.split()[:8]     # the API reference shows the docstrings: their plain first words
        first = " ".join(words[:next((i for i, w in enumerate(words) if re.search(r"[:`(]", w)), 8)])
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "site" / "api" / page / "index.html").read_text())))
        assert first in text, (page, first)


@pytest.mark.prove
def test_the_quickstart_and_its_cli_twin_prove_and_answer_in_class_names(tmp_path: Path) -> None:
    """One key synthesis, by `pyleo cost`: the README's quickstart (run as written) proves with those keys;
    `pyleo verify` shows the label beside the proved literal, read with the file the verifier trusts."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    cache, work = tmp_path / "cache", tmp_path / "work"
    work.mkdir()
    iris = load_iris()
    X, y = iris.data, iris.target_names[iris.target]
    model = LogisticRegression(max_iter=1000).fit(X, y)
    joblib.dump(model, work / "model.joblib")
    np.save(work / "X.npy", X)
    imported = pyleo("import", "model.joblib", "--data", "X.npy", "--out", "model.py", cwd=work, cache=cache)
    assert imported.returncode == 0, imported.stderr
    cost = pyleo("cost", "model.py", cwd=work, cache=cache)
    assert cost.returncode == 0 and "snarkVM" in cost.stdout, cost.stderr
    keys = key_files(cache)
    assert {Path(k).name for k in keys} == {"predict.pk", "predict.vk"}   # the proving key too, for prove

    (work / "quickstart.py").write_text(readme_quickstart())
    run = subprocess.run([sys.executable, "quickstart.py"], cwd=work, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYLEO_CACHE_DIR": str(cache)})
    assert run.returncode == 0, run.stderr
    want = model.predict(X[:1])[0]
    first, second = run.stdout.splitlines()
    assert first.split()[0] == want and int(first.split()[1]) <= 16384
    assert second == f"True {want}"
    assert key_files(cache) == keys                                   # no key built again

    timings = json.loads((work / "iris.proof.json").read_text())["timings"]   # the quickstart's proof
    assert "load_keys" in timings and "synthesize" not in timings      # made with the keys `pyleo cost` built
    ran = pyleo("run", "model.py", "predict", json.dumps(X[0].tolist()), cwd=work, cache=cache)
    assert ran.returncode == 0 and ran.stdout.endswith(f"prediction: {want}\n"), ran.stderr
    committed = pyleo("commit", "model.py", "--out", "public.json", cwd=work, cache=cache)   # public weights too
    assert committed.returncode == 0 and "commitment:" not in committed.stdout, committed.stderr
    assert key_files(cache) == keys
    for trusted in (["--model", "model.py"], ["--public-model", "public.json"]):
        ok = pyleo("verify", "iris.proof.json", *trusted, cwd=work, cache=cache)
        assert ok.returncode == 0 and f"public output: 0u8  → {want}" in ok.stdout, ok.stderr
        assert f"prediction: {want} (the proved output 0u8, as {trusted[1]} names it)" in ok.stdout
    unbound = pyleo("verify", "iris.proof.json", cwd=work, cache=cache)
    assert unbound.returncode == 0 and "public output: 0u8\n" in unbound.stdout and "→" not in unbound.stdout
    # the names are the trusted file's, not the proof's: another file reads the same proved 0u8 otherwise
    doc = json.loads((work / "public.json").read_text())
    (work / "renamed.json").write_text(json.dumps({**doc, "decoding": {"classes": ["a", "b", "c"], "scale": None}}))
    renamed = pyleo("verify", "iris.proof.json", "--public-model", "renamed.json", cwd=work, cache=cache)
    assert renamed.returncode == 0 and "public output: 0u8  → a" in renamed.stdout, renamed.stderr
    assert "as renamed.json names it" in renamed.stdout


# ---- networks that fit the budget ------------------------------------------------------------------------
def _digits_cnn(channels: int) -> tuple[Any, np.ndarray]:
    """examples/torch_digits.py's CNN (Conv2d(1→channels, 3×3) → BatchNorm → ReLU → MaxPool(2) → Linear), trained."""
    import torch
    from sklearn.datasets import load_digits
    from torch import nn

    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 1, 8, 8).astype(np.float32)[:600]
    net = nn.Sequential(nn.Conv2d(1, channels, 3), nn.BatchNorm2d(channels), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(channels * 9, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(30):
        opt.zero_grad()
        nn.functional.cross_entropy(net(torch.tensor(X)), torch.tensor(y[:600])).backward()
        opt.step()
    return net.eval(), X


@pytest.mark.slow
@pytest.mark.prove   # the choice is counted by snarkVM (its verifying key synthesized)
def test_a_network_over_the_budget_is_fitted_or_refused_with_the_knobs() -> None:
    """Issue 26: README's digits CNN at the default resolution is over the local limit and cannot be split;
    fit=True keeps the highest resolution that proves, says so, and the circuit still gives the network's labels;
    a network too large at every resolution (a 1,000-unit layer of sign tests) is refused at conversion, naming
    what would help. (A 24-channel CNN, ~41,971 constraints at 12, fits at resolution 5: 13,171.)"""
    import torch

    from stdlib_ml import ConversionError, from_torch
    from stdlib_ml.convert import FitWarning, nn

    net, X = _digits_cnn(4)
    exact = from_torch(net, X, input_range=(0, 16), input_bits=0, fit=False)
    assert nn.provable(exact) is None                                   # 12 bits: neither whole nor split
    with pytest.warns(FitWarning, match=r"converted at resolution (\d+), input_bits=0 \(asked resolution 12") as caught:
        zk = from_torch(net, X, input_range=(0, 16), input_bits=0)
    chosen = int(re.search(r"resolution (\d+)", str(caught[0].message)).group(1))
    assert chosen < 12 and zk.program.fits_here("predict")
    with torch.no_grad():
        want = net(torch.tensor(X[:100])).argmax(1).numpy()
    assert np.mean(zk.predict(X[:100].reshape(100, -1)) == want) >= 0.99
    wide = torch.nn.Sequential(torch.nn.Linear(64, 1000), torch.nn.ReLU(), torch.nn.Linear(1000, 10)).eval()
    with pytest.raises(ConversionError, match="does not fit the local limit at") as refused:   # ~46,600 at 12 to 5
        from_torch(wide, X.reshape(len(X), -1)[:64], input_range=(0, 16), input_bits=0, check_rows=16)
    assert "input_bits" in refused.value.hint and "smaller network" in refused.value.hint


@pytest.mark.slow
@pytest.mark.prove
def test_fit_lowers_input_bits_before_resolution_and_snarkvm_confirms_the_choice() -> None:
    """Issue 26: the digits CNN with automatic input bits (each pixel at 2**(resolution − 2) steps) fits at no
    resolution from 12 down to 9 and, at 8, only with fewer input bits (pixels are integers: fewer fractional bits
    lose nothing). fit=True searches resolution and input bits together by the cost model, keeps the most precise
    circuit that fits (resolution 8, not the 6 that lowering the resolution alone reaches), confirms it with
    snarkVM's count, and the circuit gives the torch network's labels on held-out digits."""
    import torch

    from benchmarks import models
    from stdlib_ml import from_torch
    from stdlib_ml.convert import FitWarning

    f = models.digits_cnn()
    with pytest.warns(FitWarning, match=r"converted at resolution (\d+), input_bits") as caught:
        zk = from_torch(f.model, f.X_train, input_range=(0, 16))
    message = str(caught[0].message)
    chosen = int(re.search(r"resolution (\d+), input_bits", message).group(1))
    counted = int(re.search(r"([\d,]+) constraints counted by snarkVM", message).group(1).replace(",", ""))
    assert chosen > 6 and max(zk.in_bits) < chosen - 2                       # input bits lowered, resolution kept
    assert not from_torch(f.model, f.X_train, input_range=(0, 16), resolution=chosen, fit=False).program.fits_here("predict")
    assert counted == zk.program.cost("predict", prepare_proof=False) <= LOCAL_BUDGET
    with torch.no_grad():
        want = f.model(torch.tensor(f.X_test)).argmax(1).numpy()
    assert np.mean(zk.predict(f.X_test.reshape(len(f.X_test), -1)) == want) >= 0.99   # 540 held-out digits
    assert "fidelity: agreement 1.0000" in message


@pytest.mark.parametrize("slow_module_loaded", [True, False])
def test_after_tensorflow_the_command_exits_without_its_teardown(tmp_path: Path, slow_module_loaded: bool) -> None:
    """`pyleo` (pyleo_cli.main.main, pyleo_cli.common.run_and_exit) after a command that imported TensorFlow ends without the interpreter's
    finalization (TensorFlow's took 3-5 s of silence at every exit), yet keeps what an exit does for the command: its
    exit status, its output flushed, atexit handlers run, a temporary folder removed. `json` stands in for
    TensorFlow here (importing it costs seconds); an object's finalizer shows whether finalization ran."""
    script = f"""
import atexit, sys, tempfile
import pyleo_cli.common as c, pyleo_cli.main as m
c.SLOW_TEARDOWN = {("json",) if slow_module_loaded else ("no_such_module",)!r}
import json
folder = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})
atexit.register(print, "atexit ran")
class Finalized:
    def __del__(self):
        print("finalized")
keep = Finalized()
sys.argv = ["pyleo", "verify", {str(tmp_path / "missing.proof.json")!r}]
m.main()
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 1 and "error: " in out.stderr and "missing.proof.json" in out.stderr, out
    assert "atexit ran" in out.stdout and list(tmp_path.iterdir()) == []
    assert ("finalized" in out.stdout) is not slow_module_loaded, out.stdout
