"""The wheel carries what a `pip install` user needs, and not the in-browser verifier (npm @provablehq/wasm,
GPL-3.0): an installed wheel's `pyleo serve` fetches it from the npm registry (pyleo_cli/web/verifier.py)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from pyleo_cli.web import verifier
from tests import web_browser

ROOT = Path(__file__).resolve().parent.parent
DIST = verifier.CHECKOUT / verifier.SERVED
"""The checkout's verifier, from `npm ci` (scripts/setup.sh)."""


def loaded_files() -> set[str]:
    """The files a browser fetches from the verifier's folder: index.js (aleo.js imports it) and, recursively,
    every ``new URL("NAME", import.meta.url)`` in the JavaScript it loads."""
    found, todo = set(), ["index.js"]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        if name.endswith(".js"):
            todo += re.findall(r'new URL\("([^"/]+)", import\.meta\.url\)', (DIST / name).read_text())
    return found


def test_the_verifier_files_installed_are_those_the_pages_load() -> None:
    assert "/wasm/index.js" in (verifier.HERE / "static" / "aleo.js").read_text()   # the entry loaded_files starts from
    assert loaded_files() == set(verifier.FILES)
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["pyleo_cli.web"]
    assert "package-lock.json" in patterns and not any("node_modules" in p for p in patterns)   # the pin, not the package


def test_every_package_is_in_the_wheel() -> None:
    """Each folder with an ``__init__.py`` is listed in pyproject.toml's packages (setuptools does not find
    them itself there: pyleo_cli's sources are in cli/)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    renamed = {folder: name for name, folder in settings["package-dir"].items()}
    found = {renamed.get(init.parent.relative_to(ROOT).as_posix(), init.parent.relative_to(ROOT).as_posix().replace("/", "."))
             for top in ("pyleo", "stdlib_ml", "cli") for init in (ROOT / top).rglob("__init__.py")
             if "node_modules" not in init.parts}
    assert found == set(settings["packages"])


@pytest.mark.slow
def test_installed_wheel_fetches_the_verifier_on_first_serve(tmp_path: Path) -> None:
    """Build the wheel from a fresh clone's files (no `npm ci`), check it holds no verifier, install it (without
    dependencies: this venv's are used) in a folder outside the checkout, and start its `pyleo serve` with an empty
    cache: it fetches the pinned package from registry.npmjs.org and serves the files `npm ci` gives."""
    clone = tmp_path / "clone"
    for name in subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0"):
        if name and (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(clone), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
                   check=True, timeout=300)
    wheel, = (tmp_path / "dist").glob("pyleo_zk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pyleo_cli/web/package-lock.json" in names and not any("wasm" in n.rsplit("/", 1)[-1] for n in names)
    assert wheel.stat().st_size < 2**20, wheel.stat().st_size
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    cache, said = tmp_path / "cache", []
    env = {"PYTHONPATH": str(target), "PYLEO_CACHE_DIR": str(cache)}
    with web_browser.server_process(env=env, output=said, cwd=tmp_path) as (url, _):
        with urllib.request.urlopen(url + "/api/examples", timeout=30) as r:
            assert json.load(r)["wasm"] is True
        for name in verifier.FILES:
            with urllib.request.urlopen(url + "/wasm/" + name, timeout=60) as r:
                assert hashlib.sha256(r.read()).digest() == hashlib.sha256((DIST / name).read_bytes()).digest(), name
    pin = verifier.pinned()
    lines = said[0].splitlines()   # fetched: the installed copy ran (the checkout's has node_modules beside it)
    assert lines[0] == (f"the in-browser verifier (@provablehq/wasm {pin.version}, GPL-3.0) is not installed: "
                        f"fetching it from registry.npmjs.org into {cache / 'verifier' / pin.version} (once)"), lines
    assert lines[1].startswith("installed it (22.3 MB, sha512 checked)"), lines
    assert (cache / "verifier" / pin.version / verifier.LICENSE).read_bytes() == \
        (verifier.CHECKOUT / verifier.LICENSE).read_bytes()
