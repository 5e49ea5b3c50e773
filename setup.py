"""setuptools' build (pyproject.toml says the rest), plus one step for a checkout where `npm ci` has not run in
cli/web: the in-browser verifier's files the wheel ships (pyproject.toml's package-data under node_modules/) are
fetched from the npm registry, the version and sha512 of cli/web/package-lock.json, so that `pip install .` of a
fresh clone has the verifier without npm. Offline, the build goes on without them and says so (`pyleo serve`'s
pages then disable their browser buttons, saying why)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import tomllib
import urllib.request
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "cli" / "web"
PACKAGE = "node_modules/@provablehq/wasm"
REGISTRY = "https://registry.npmjs.org/@provablehq/wasm/-/wasm-{version}.tgz"


def fetch_verifier() -> None:
    """Put the verifier's shipped files in cli/web/node_modules when any is missing (npm's tarball, checked)."""
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["pyleo_cli.web"]
    wanted = [f.removeprefix(PACKAGE + "/") for f in data_files if f.startswith(PACKAGE + "/")]
    target = WEB / PACKAGE
    if all((target / f).is_file() for f in wanted):
        return
    lock = json.loads((WEB / "package-lock.json").read_text())["packages"][PACKAGE]
    url = REGISTRY.format(version=lock["version"])
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:
            tgz = answer.read()
    except OSError as e:
        print(f"warning: the in-browser verifier is not in cli/web/node_modules and {url} could not be fetched ({e}): "
              "this build has no browser verifier (run `npm ci` in cli/web, then build again)")
        return
    algorithm, digest = lock["integrity"].split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, tgz).digest()).decode() != digest:
        raise SystemExit(f"{url} does not match package-lock.json's {algorithm}: not installing it")
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        for name in wanted:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{url} has no {name}")
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(member.read())
    print(f"fetched the in-browser verifier ({lock['version']}, sha512 checked) into {target}")


class BuildPy(build_py):
    """build_py, after :func:`fetch_verifier` (not for an editable install: its set-up runs `npm ci`)."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            fetch_verifier()
        super().run()


setup(cmdclass={"build_py": BuildPy})
