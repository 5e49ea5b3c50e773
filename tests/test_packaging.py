"""The wheel carries what a `pip install` user needs: the in-browser verifier's files, found by the app
without a source checkout's cli/web/node_modules."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pyleo_cli.web.app import HERE, WASM_DIST

ROOT = Path(__file__).resolve().parent.parent


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
            todo += re.findall(r'new URL\("([^"/]+)", import\.meta\.url\)', (WASM_DIST / name).read_text())
    return found


def test_package_data_ships_every_verifier_file_the_pages_load() -> None:
    assert "/wasm/index.js" in (HERE / "static" / "aleo.js").read_text()   # the entry loaded_files starts from
    names = loaded_files()
    assert names == {"index.js", "worker.js", "aleo_wasm.wasm"}, names   # the npm package's layout changed: look
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["pyleo_cli.web"]
    for name in names:
        relative = (WASM_DIST / name).relative_to(HERE).as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), f"{relative} is not in the wheel's package-data"


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
def test_installed_wheel_serves_the_verifier_without_a_checkout(tmp_path: Path) -> None:
    """Build the wheel from a fresh clone's files (no `npm ci`: setup.py fetches the verifier from the npm registry,
    checked against package-lock.json), install it (without dependencies: this venv's are used) in a folder outside
    the checkout, and fetch the verifier's files from the app imported from there."""
    clone = tmp_path / "clone"
    for name in subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0"):
        if name and (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    assert not (clone / "cli" / "web" / "node_modules").exists()
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(clone), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
                   check=True, timeout=300)
    wheel, = (tmp_path / "dist").glob("pyleo_zk-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    check = (
        "import sys, json; from fastapi.testclient import TestClient\n"
        "import pyleo_cli.web.app as m\n"
        "c = TestClient(m.create_app())\n"
        "sizes = {n: len(c.get('/wasm/' + n).content) for n in sys.argv[1:]}\n"
        "print(json.dumps({'file': m.__file__, 'wasm': c.get('/api/examples').json()['wasm'], 'sizes': sizes}))\n")
    names = sorted(loaded_files())
    out = subprocess.run([sys.executable, "-c", check, *names], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": os.environ["PATH"], "HOME": os.environ["HOME"]}, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(target)), got["file"]                 # the installed copy, not the checkout
    assert got["wasm"] is True
    assert got["sizes"] == {n: (WASM_DIST / n).stat().st_size for n in names}   # the files `npm ci` gives
