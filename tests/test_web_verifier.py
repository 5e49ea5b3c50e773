"""`pyleo serve` installs the in-browser verifier on first use (pyleo_cli/web/verifier.py), against a registry
served here (http.server in a thread) with a tarball built in the test: the pinned tarball installs and the app
serves its files; one whose sha512 is not the pin's, or that lacks a file, is refused and leaves nothing in the
cache; an unreachable registry is said in words and the server starts without the verifier. The real package from
registry.npmjs.org: tests/test_packaging.py (-m slow)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pyleo_cli.web import verifier
from pyleo_cli.web.app import create_app


def tarball(files: dict[str, bytes]) -> bytes:
    """An npm tarball: ``files`` under ``package/``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


CONTENT = {**{f"{verifier.SERVED}/{f}": os.urandom(3000) + f.encode() for f in verifier.FILES},
           f"{verifier.SERVED}/index.js.map": b"{}", verifier.LICENSE: b"GNU GENERAL PUBLIC LICENSE",
           "package.json": b'{"version": "9.9.9"}'}
GOOD = tarball(CONTENT)


def pin_of(data: bytes) -> verifier.Pin:
    return verifier.Pin("9.9.9", "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(), "GPL-3.0")


class Registry:
    """A registry serving one tarball at the pinned URL's path; counts the requests."""

    def __init__(self, data: bytes) -> None:
        self.data, self.requests = data, 0
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests += 1
                ok = self.path == "/@provablehq/wasm/-/wasm-9.9.9.tgz"
                self.send_response(200 if ok else 404)
                self.send_header("Content-Length", str(len(registry.data) if ok else 0))
                self.end_headers()
                if ok:
                    self.wfile.write(registry.data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    """An empty cache, no checkout verifier, the pin of :data:`GOOD`, and the registry at $npm_config_registry."""
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(verifier, "CHECKOUT", tmp_path / "no-checkout")
    monkeypatch.setattr(verifier, "pinned", lambda: pin_of(GOOD))
    served = Registry(GOOD)
    monkeypatch.setenv("npm_config_registry", served.url)
    thread = threading.Thread(target=served.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_pinned_tarball_installs_and_the_app_serves_it(registry: Registry, tmp_path: Path) -> None:
    said: list[str] = []
    status = verifier.prepare(say=said.append)
    folder = tmp_path / "cache" / "verifier" / "9.9.9"
    assert status == verifier.Status(folder)
    assert said[0] == (f"the in-browser verifier (@provablehq/wasm 9.9.9, GPL-3.0) is not installed: fetching it "
                       f"from {registry.url[7:-1]} into {folder} (once)")
    assert said[1].startswith("installed it (0.0 MB, sha512 checked) in ")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*verifier.FILES, verifier.LICENSE])   # no map, no tgz
    assert [p.name for p in folder.parent.iterdir()] == ["9.9.9"]                   # no temporary folder left
    client = TestClient(create_app(status))
    for name in verifier.FILES:
        assert client.get(f"/wasm/{name}").content == CONTENT[f"{verifier.SERVED}/{name}"]
    assert client.get("/api/examples").json()["wasm"] is True
    assert client.get("/wasm/..%2Fcache").status_code == 404
    assert verifier.prepare(say=said.append) == status and registry.requests == 1 and len(said) == 2   # once


@pytest.mark.parametrize("served, refused", [
    (tarball({**CONTENT, verifier.LICENSE: b"another licence"}), "does not match the sha512 of cli/web/package-lock.json"),
    (b"", "does not match the sha512"),
])
def test_a_tarball_not_the_pinned_one_is_refused_and_leaves_nothing(registry: Registry, tmp_path: Path, served: bytes,
                                                                     refused: str) -> None:
    registry.data = served
    said: list[str] = []
    status = verifier.prepare(say=said.append)
    assert status.folder is None and refused in status.reason and "npm ci" in status.reason
    assert said[-1].startswith("warning: ") and refused in said[-1]
    assert list((tmp_path / "cache" / "verifier").iterdir()) == []
    assert verifier.located().folder is None


def test_a_pinned_tarball_without_a_file_the_pages_load_is_refused(registry: Registry, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    registry.data = tarball({k: v for k, v in CONTENT.items() if not k.endswith("worker.js")})
    monkeypatch.setattr(verifier, "pinned", lambda: pin_of(registry.data))
    with pytest.raises(verifier.VerifierError, match=f"has no file {verifier.SERVED}/worker.js"):
        verifier.install()
    assert list((tmp_path / "cache" / "verifier").iterdir()) == []


def test_unreachable_registry_says_how_to_fix_it_and_the_server_starts_without(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    registry.server.server_close()   # nothing listens there now
    started: list[object] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: started.append(self.config.app))
    out = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert out.exit_code == 0, out.output
    assert f"warning: could not fetch {registry.url}@provablehq/wasm/-/wasm-9.9.9.tgz: " in out.output
    assert "run `npm ci` in cli/web" in out.output and "pyleo web app: http://127.0.0.1:" in out.output
    client = TestClient(started[0], base_url="http://127.0.0.1")   # the server answers to the name it listens as
    info = client.get("/api/examples").json()
    assert info["wasm"] is False and info["wasm_reason"].startswith("this server could not fetch the in-browser verifier")
    missing = client.get("/wasm/index.js")
    assert missing.status_code == 404 and missing.json()["hint"] == info["wasm_reason"]

    out = CliRunner().invoke(app, ["serve", "--port", "0", "--no-verifier"])   # asked for none: none fetched
    assert out.exit_code == 0 and "fetching" not in out.output
    assert "--no-verifier" in TestClient(started[1], base_url="http://127.0.0.1").get("/api/examples").json()["wasm_reason"]
