"""`pyleo serve`: a local web app to try a model, prove a prediction and verify the proof, on the
server (snarkVM via aleo-sdk) and in the browser (Aleo's WebAssembly verifier, npm ``@provablehq/wasm``).

:func:`create_app` builds the FastAPI app. Pages: ``/`` (choose or upload a model, predict, prove,
download, verify) and ``/verify`` (drop a proof file, verify it in the browser alone). The JSON API
answers every bad input with HTTP 4xx and ``{"error": message, "hint": hint}``: 429 when a per-client
or server-wide limit is reached (uploads, key syntheses, proving jobs: :mod:`pyleo_cli.web.workers`).

The event loop never waits on snarkVM: verifying and deriving verifying keys run in worker processes
(:class:`pyleo_cli.web.workers.Workers`), proving in a child process per job (:mod:`pyleo_cli.web.prover`), and
model conversion and fidelity reports in threads.

Proofs made here are made under the consensus rules of :data:`pyleo.vm.WASM_BLOCK_HEIGHT` (Varuna V2),
the newest that ``@provablehq/wasm`` 0.11.10 verifies; ``pyleo verify`` checks them too.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from pyleo import limits, split, trust, vm
from pyleo.errors import InputError, ProofError, PyleoError
from pyleo.files import parse_json
from stdlib_ml.convert import frontends
from stdlib_ml.convert.fidelity import check_fidelity, float_predict

from . import network as aleo_network
from . import verifier
from .models import EXAMPLES, MAX_CSV_BYTES, MAX_MODEL_BYTES, SWEEP_SECONDS, Entry, Store
from .prover import Jobs, proof_summary
from .workers import Busy, Quota, Workers, public_model_text, verify_artifact

HERE = Path(__file__).parent
STATIC = HERE / "static"

UPLOADS_PER_CLIENT = 1
"""Uploads one client may have being converted at once."""
UPLOADS_PER_WINDOW = 30
"""Uploads one client may start in :data:`UPLOAD_WINDOW_SECONDS`."""
UPLOAD_WINDOW_SECONDS = 600.0
UPLOADS_CONVERTING = 2
"""Uploads being converted at once, all clients together (each takes a CPU core for seconds)."""

ISOLATION = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
"""The verifier's WebAssembly memory is shared (threads): browsers allow that only to cross-origin isolated pages."""


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Requests that change nothing: any page may make them (it cannot read the answers: no CORS header is sent)."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""The names a browser gives this server in its Host header when it listens on a loopback address."""
PICKLE_SUFFIXES = frontends.get("sklearn").suffixes
"""Uploads read with joblib / pickle (the scikit-learn frontend's files), which run code when read: taken only by a server that listens on a loopback
address, or one started with ``--allow-pickle-uploads`` (``create_app(pickle_uploads=...)``)."""


def cross_site(method: str, headers: Any, hosts: frozenset[str] | None) -> str | None:
    """Why a request must be refused as another site's, or None. A page on any site can make a browser post a form
    to this local server (no preflight), and an upload is a pickle, which runs code when read: a request that
    changes something must come from this server's own pages (its ``Origin`` is this Host, ``Sec-Fetch-Site`` is
    same-origin or none). ``hosts``: the Host names this server answers to (None: any), so that a site whose name
    is made to resolve to 127.0.0.1 (DNS rebinding) is not same-origin with it."""
    host = headers.get("host", "")
    name = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    if hosts is not None and name not in hosts:
        return f"this server answers to {', '.join(sorted(hosts))}, not to {host!r}"
    if method in SAFE_METHODS:
        return None
    site, origin = headers.get("sec-fetch-site"), headers.get("origin")
    if site is not None and site not in ("same-origin", "none"):
        return f"a request from another site ({site}) is refused: use this server's own pages"
    if origin is not None and origin.split("://", 1)[-1].rstrip("/") != host:
        return f"a request from {origin!r} is refused: use this server's own pages"
    return None


class Sample(BaseModel):
    """One sample of raw feature values, in the model's feature order."""

    features: list[float | None]


def _error(status: int, message: str, hint: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint}, status_code=status)


def _client(request: Request) -> str:
    """Who a request counts against in the per-client limits: its peer's address."""
    return request.client.host if request.client is not None else "unknown"


async def _read(upload: UploadFile, limit: int, what: str) -> bytes:
    """An uploaded file's bytes, read up to ``limit``; InputError when larger."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"the {what} is larger than {limit:,} bytes, more than this server takes")
    return data


def _features(entry: Entry) -> list[dict[str, Any]]:
    zk = entry.zk
    low, high = zk.value_range()
    read = [c for c in range(len(zk.columns)) if np.isfinite(low[c])]   # ranked inputs without thresholds: unused
    lows = {int(zk.columns[c]): float(low[c]) for c in read}
    highs = {int(zk.columns[c]): float(high[c]) for c in read}
    X = np.asarray(entry.X, dtype=np.float64)
    seen = [(float(np.nanmin(X[:, j])), float(np.nanmax(X[:, j]))) if np.isfinite(X[:, j]).any() else (None, None)
            for j in range(X.shape[1])]   # what the page's rows hold: the range a person recognises
    return [{"name": name, "low": lows.get(j), "high": highs.get(j), "used": j in lows,
             "seen_low": seen[j][0], "seen_high": seen[j][1]} for j, name in enumerate(entry.features)]


FIDELITY_ROWS = 500
"""Rows of an upload's CSV the fidelity report covers (the first ones); examples have fewer held-out rows."""


def _fidelity(entry: Entry) -> dict[str, Any]:
    """Circuit (interpreter: the circuit's exact semantics) against the float model on the entry's rows:
    :func:`check_fidelity`'s figures (agreement, or for regressors the largest error over the range of
    the predictions) and one table row per sample (classifiers: whether the labels agree; regressors:
    the absolute error)."""
    if "fidelity" not in entry.cache:
        X = entry.X[:FIDELITY_ROWS]
        report = check_fidelity(entry.zk, entry.model, X, check_rows=None)
        circuit, floats = entry.zk.predict(X), float_predict(entry.model, X)
        regressor = entry.zk.kind == "regressor"
        rows = [{"row": i, "circuit": entry.label(c), "float": entry.label(f),
                 "truth": entry.label(entry.y[i]) if entry.y is not None else None,
                 "agree": abs(float(c) - float(f)) if regressor else bool(c == f)}
                for i, (c, f) in enumerate(zip(circuit, floats))]
        figures = {k: v for k, v in report.items() if k not in ("rows", "of", "worst_rows")}
        entry.cache["fidelity"] = {"rows_kind": entry.rows_kind, "rows": rows, "n": len(rows), "of": len(entry.X),
                                   "regressor": regressor, **figures}
    return entry.cache["fidelity"]


def _summary(entry: Entry) -> dict[str, Any]:
    """The model page's data: source, size, whether it proves here, features, fidelity."""
    if "summary" not in entry.cache:
        prog, zk = entry.zk.program, entry.zk
        fits = prog.fits_here("predict")
        plan = None
        if not fits:
            try:
                p = prog.split_plan("predict")
                plan = {"parts": len(p.parts), "constraints": [int(x.constraints) for x in p.parts]}
            except PyleoError as e:
                plan = {"error": e.message}
        entry.cache["summary"] = {
            "id": entry.id, "title": entry.title, "kind": zk.kind, "name": zk.name, "source": zk.source,
            "program_id": f"{zk.name}.aleo", "checksum": vm.program_checksum(prog.aleo()),
            "estimate": int(prog.estimate("predict", synthesize_transition=False).total),
            "limit": limits.LOCAL_BUDGET, "fits": fits, "split_plan": plan,
            "features": _features(entry),
            "held_out": [{"row": i, "values": [float(v) for v in entry.X[i]],
                          "truth": entry.label(entry.y[i]) if entry.y is not None else None}
                         for i in range(min(len(entry.X), 12))],
            "block_height": vm.WASM_BLOCK_HEIGHT, "fidelity": _fidelity(entry),
            "inputs": zk.inputs, "output": zk.output, "weights": zk.weights,
        }
    return entry.cache["summary"]


def _plot(entry: Entry) -> bytes:
    """PNG of the fidelity report (drawn once per model): classifiers, counts of (float label, circuit
    label) pairs; regressors, circuit against float predictions."""
    if "plot" not in entry.cache:
        entry.cache["plot"] = _draw(_fidelity(entry))
    return entry.cache["plot"]


def _draw(fid: dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.6, 3.0), dpi=100)
    if fid["regressor"]:
        f = [float(r["float"]) for r in fid["rows"]]
        ax.scatter(f, [float(r["circuit"]) for r in fid["rows"]], s=8)
        ax.plot([min(f), max(f)], [min(f), max(f)], color="grey", linewidth=0.8)
        ax.set_xlabel("float model prediction", fontsize=9)
        ax.set_ylabel("circuit prediction", fontsize=9)
        ax.set_title(f"{fid['n']} rows: max error {fid['max_rel_error']:.2g} of range", fontsize=9)
    else:
        labels = sorted({r["float"] for r in fid["rows"]} | {r["circuit"] for r in fid["rows"]})
        index = {name: i for i, name in enumerate(labels)}
        counts = np.zeros((len(labels), len(labels)), dtype=int)
        for r in fid["rows"]:
            counts[index[r["float"]], index[r["circuit"]]] += 1
        ax.imshow(counts, cmap="Blues")
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, str(counts[i, j]), ha="center", va="center",
                        color="white" if counts[i, j] > counts.max() / 2 else "black", fontsize=9)
        ax.set_xticks(range(len(labels)), labels, rotation=30, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("circuit prediction", fontsize=9)
        ax.set_ylabel("float model prediction", fontsize=9)
        ax.set_title(f"{fid['n']} {fid['rows_kind']} rows: {fid['agreement']:.0%} agree", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _decoded(entry: Entry, outputs: list[Any]) -> str | None:
    """The label a proof's first output stands for, as the page shows it."""
    if not outputs or outputs[0] is None:
        return None
    m = re.match(r"^-?\d+", str(outputs[0]))
    return entry.label(entry.zk.decode([int(m.group(0))])[0]) if m else None


def trusted_by(entry: Entry) -> trust.Trusted:
    """What verifying against the model ``entry`` trusts: its program and, with private weights, the
    commitment to them, so that a proof of the same program made with other weights is refused."""
    return trust.Trusted(program=entry.zk.program.aleo(), commitment=entry.zk.commitment,
                         labels={"program": f"of {entry.title}"})


def create_app(in_browser: verifier.Status | None = None, hosts: frozenset[str] | None = None,
               pickle_uploads: bool = True) -> FastAPI:
    """The app: pages, static files, the in-browser verifier's files (``in_browser``, default
    :func:`pyleo_cli.web.verifier.located`: found, not installed), the JSON API. Raises nothing at import; without
    the verifier the pages disable their in-browser buttons, giving ``in_browser.reason``. Requests from other sites
    that would change something, and requests naming a Host outside ``hosts`` (None: any), are refused with 403
    (:func:`cross_site`). Without ``pickle_uploads``, uploads of :data:`PICKLE_SUFFIXES` are refused (InputError,
    400) before they are read: a server other machines reach must not run their code."""
    in_browser = in_browser or verifier.located()
    store, jobs, workers = Store(), Jobs(), Workers()
    uploads = Quota("uploads", UPLOADS_PER_CLIENT, UPLOADS_CONVERTING, UPLOADS_PER_WINDOW, UPLOAD_WINDOW_SECONDS)

    async def sweep() -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            await run_in_threadpool(store.expire)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        workers.start()
        sweeper = asyncio.create_task(sweep())
        try:
            yield
        finally:   # the server is stopping (Ctrl-C, SIGTERM): end the children, remove what they left
            sweeper.cancel()
            jobs.stop()
            workers.stop()
            store.close()

    app = FastAPI(title="pyleo", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def isolate(request: Request, call_next: Any) -> Response:
        refused = cross_site(request.method, request.headers, hosts)
        if refused is not None:
            return _error(403, refused)
        response = await call_next(request)
        response.headers.update(ISOLATION)
        return response

    @app.exception_handler(PyleoError)
    async def pyleo_error(_: Request, e: PyleoError) -> JSONResponse:
        return _error(429 if isinstance(e, Busy) else 400, e.message, e.hint)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return _error(422, f"malformed request: {where or 'body'}: {first.get('msg', 'invalid')}")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/verify", include_in_schema=False)
    def verify_page() -> FileResponse:
        return FileResponse(STATIC / "verify.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/wasm/{name}", include_in_schema=False)
    def wasm(name: str) -> Response:
        if in_browser.folder is None:
            return _error(404, f"no verifier file {name!r}", in_browser.reason)
        path = in_browser.folder / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return _error(404, f"no verifier file {name!r}")
        kind = {".wasm": "application/wasm", ".js": "text/javascript"}.get(path.suffix, "application/octet-stream")
        return FileResponse(path, media_type=kind)

    @app.get("/api/examples")
    def examples() -> dict[str, Any]:
        return {"examples": [{"id": k, "title": title} for k, (title, _) in EXAMPLES.items()],
                "wasm": in_browser.folder is not None, "wasm_reason": in_browser.reason,
                "block_height": vm.WASM_BLOCK_HEIGHT}

    @app.post("/api/models/example/{name}")
    def choose(name: str) -> dict[str, Any]:
        return _summary(store.example(name))

    @app.post("/api/models/upload")
    async def upload(request: Request, model: Annotated[UploadFile, File()],
                     rows: Annotated[UploadFile, File()]) -> dict[str, Any]:
        if not pickle_uploads and Path(model.filename or "").suffix.lower() in PICKLE_SUFFIXES:
            raise InputError(f"{model.filename!r} is a pickle, which runs code when read, and this server listens where "
                             "other machines reach it: it takes XGBoost .json / .ubj uploads only",
                             hint="run `pyleo serve` on 127.0.0.1 (the default) to upload joblib files, or start it "
                             "with --allow-pickle-uploads on a network whose every user you trust")
        with uploads.hold(_client(request)):
            model_bytes = await _read(model, MAX_MODEL_BYTES, "model file")
            csv_bytes = await _read(rows, MAX_CSV_BYTES, "CSV")
            entry = await run_in_threadpool(store.upload, model.filename or "", model_bytes, csv_bytes)
            return await run_in_threadpool(_summary, entry)

    @app.get("/api/models/{model_id}/fidelity.png")
    def plot(model_id: str) -> Response:
        return Response(_plot(store.get(model_id)), media_type="image/png")

    @app.get("/api/models/{model_id}/public-model")
    async def public_model(request: Request, model_id: str) -> Response:
        """What a verifier needs of the model and nothing secret (:meth:`ZkModel.save_public`'s JSON), with
        ``predict``'s verifying key derived here from the program: the in-browser verifier checks proofs
        with this key, never with the one a proof file carries. The same bytes on every request (its
        SHA-256 is the fingerprint the pages show). Deriving the key is a key synthesis when it is not
        cached: it counts against the client's limit (429 beyond)."""
        entry = store.get(model_id)
        if "public_model" not in entry.cache:
            if not (await run_in_threadpool(_summary, entry))["fits"]:
                raise InputError(f"{entry.title} does not fit one circuit here: no verifying key to publish",
                                 hint="its split proofs are checked with `pyleo verify`, not in the browser")
            synthesizes = not vm.keys_cached(entry.zk.program.aleo(), "predict")
            entry.cache["public_model"] = await workers.run(public_model_text, str(entry.zk.path),
                                                            client=_client(request), synthesizes=synthesizes)
        return Response(entry.cache["public_model"], media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{entry.zk.name}.public.json"'})

    def sample(entry: Entry, body: Sample) -> list[float]:
        if len(body.features) != len(entry.features):
            raise InputError(f"{entry.title} takes {len(entry.features)} feature values, got {len(body.features)}")
        return [np.nan if v is None else float(v) for v in body.features]

    @app.post("/api/models/{model_id}/predict")
    def predict(model_id: str, body: Sample) -> dict[str, Any]:
        entry = store.get(model_id)
        x = np.asarray([sample(entry, body)])
        circuit = entry.zk.predict(x)[0]     # raises ModelInputError for a value outside the model's range
        return {"circuit": entry.label(circuit), "float": entry.label(float_predict(entry.model, x)[0])}

    @app.post("/api/models/{model_id}/prove")
    def prove(request: Request, model_id: str, body: Sample) -> dict[str, Any]:
        entry = store.get(model_id)
        x = sample(entry, body)
        entry.zk.encode(np.asarray([x]))    # bad values fail here, before a process starts
        summary = _summary(entry)
        if not summary["fits"]:
            splits = summary["split_plan"] and "error" not in summary["split_plan"]
            raise InputError(f"{entry.title} does not fit one circuit here; this page proves single circuits",
                             hint="prove it split with `pyleo prove` (see the split plan above)" if splits else
                             "no split fits here either (see above); mainnet's limit is higher: `pyleo cost` says more")
        return jobs.start(model_id, entry.zk.path, x, vm.WASM_BLOCK_HEIGHT, _client(request)).view()

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> dict[str, Any]:
        j = jobs.get(job_id)
        view = j.view()
        if j.state == "done" and j.proof is not None:
            view["proof"] = proof_summary(j.proof)
            view["prediction"] = _decoded(store.get(j.model_id), j.outputs)
        return view

    @app.get("/api/jobs/{job_id}/proof")
    def proof_file(job_id: str) -> Response:
        j = jobs.get(job_id)
        if j.proof is None:
            raise InputError(f"job {job_id} has no proof (state: {j.state})")
        name = json.loads(j.proof).get("program_id", "proof").replace(".aleo", "")
        return Response(j.proof, media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{name}.predict.proof.json"'})

    # ---- the Aleo network (issue 23; cli/web/network.py): costs in credits, a prediction as a transaction ----
    @app.get("/api/models/{model_id}/network-costs")
    async def network_costs(request: Request, model_id: str) -> dict[str, Any]:
        """The model's deployment and execution costs in microcredits, as snarkVM computes them (its deployment
        is synthesized once: a key synthesis, counted against the client's limit)."""
        entry = store.get(model_id)
        if "network_costs" not in entry.cache:
            entry.cache["network_costs"] = await workers.run(aleo_network.network_costs, str(entry.zk.path),
                                                             client=_client(request), synthesizes=True)
        return entry.cache["network_costs"]

    @app.post("/api/models/{model_id}/transaction")
    async def transaction(request: Request, model_id: str, body: Sample) -> Response:
        """The sample's prediction as a mainnet execution transaction with its fee (signed with the server's
        key; 400 when it has none), JSON as a node's /transaction/broadcast takes it."""
        entry = store.get(model_id)
        x = sample(entry, body)
        entry.zk.encode(np.asarray([x]))    # bad values fail here, before a worker is busy
        text = await workers.run(aleo_network.execution_transaction, str(entry.zk.path), x, client=_client(request),
                                 synthesizes=True)
        return Response(text, media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{entry.zk.name}.predict.tx.json"'})

    @app.post("/api/verify")
    async def verify(request: Request, proof: Annotated[UploadFile, File()],
                     model_id: Annotated[str | None, Form()] = None,
                     checksum: Annotated[str | None, Form()] = None) -> dict[str, Any]:
        """:func:`pyleo.trust.verify`'s verdict on a proof file (single or split) against the model
        ``model_id`` (its program and, with private weights, its commitment) or ``checksum`` (or
        nothing: the proof's own key), from a worker process. The claims (program, checksum, public
        outputs, prediction) are the verdict's, reported only when the proof is valid. Verifying is a
        key synthesis when the trusted program's keys are not cached: it then counts against the
        client's limit (429 beyond)."""
        raw = await _read(proof, vm.MAX_PROOF_FILE_BYTES, "proof file")
        entry = store.get(model_id) if model_id else None
        trusted = trusted_by(entry) if entry is not None else trust.Trusted(checksum=checksum or None)
        how = "model" if entry else "checksum" if checksum else "the proof's own verifying key"
        try:   # a file that is no proof is an invalid proof, as `pyleo verify` answers it (trust.verify)
            try:
                data = parse_json(raw)
            except ValueError as e:
                raise ProofError(f"the proof file is not a pyleo proof ({e})") from None
            artifact = trust.parse_proof(data, "the proof file")
        except ProofError as e:
            return {"verified": False, "reason": e.message, "kind": "proof", "trusted": how, "bound": [],
                    **dict.fromkeys(("program_id", "checksum", "public_outputs", "block_height", "prediction")),
                    "seconds": 0.0}
        parts = artifact.parts if isinstance(artifact, split.SplitProof) else [artifact]
        synthesizes = (entry is not None or bool(checksum)) and not all(vm.keys_cached(x.program, x.function)
                                                                        for x in parts)
        verdict, seconds = await workers.run(verify_artifact, data, trusted, client=_client(request),
                                             synthesizes=synthesizes)
        valid = verdict.valid
        return {"verified": valid, "reason": verdict.reason, "kind": verdict.kind,
                "trusted": how,
                "bound": verdict.bound, "program_id": verdict.program_id if valid else None,
                "checksum": verdict.checksum if valid else None, "public_outputs": verdict.outputs if valid else None,
                "block_height": artifact.block_height if valid and isinstance(artifact, vm.Proof) else None,
                "prediction": _decoded(entry, verdict.outputs) if entry is not None and valid else None,
                "seconds": round(seconds, 3)}

    return app
