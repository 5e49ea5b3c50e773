"""The in-browser verifier: npm ``@provablehq/wasm`` (Aleo's WebAssembly verifier, GPL-3.0), which pyleo (MIT)
does not redistribute. Where its files are, and installing them.

:func:`find` decides where the pages' verifier comes from: a source checkout's ``node_modules`` after ``npm ci``
in cli/web when it holds the pinned version, else pyleo's cache (``<cache_dir>/verifier/<version>/``). :func:`install`
puts it in the cache: the pinned version's tarball from the npm registry (``$npm_config_registry``, npm's own
setting, else registry.npmjs.org), checked against the sha512 of ``package-lock.json`` (ours, in the wheel), of which
only :data:`FILES` are kept. ``pyleo serve`` calls it on its first start (:func:`prepare`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyleo import progress, vm
from pyleo.errors import PyleoError

HERE = Path(__file__).parent
PACKAGE = "@provablehq/wasm"
CHECKOUT = HERE / "node_modules" / "@provablehq" / "wasm"
"""Where ``npm ci`` in cli/web puts the package (a source checkout only)."""
SERVED = "dist/mainnet"
"""The package's folder the pages load from (the mainnet build)."""
FILES = ("index.js", "worker.js", "aleo_wasm.wasm")
"""The files of :data:`SERVED` a browser fetches: ``index.js`` (static/aleo.js imports it) and those it names
(tests/test_packaging.py reads them from the JavaScript)."""
LICENSE = "LICENSE.md"
"""The package's licence text, kept beside :data:`FILES` in the cache."""
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
TIMEOUT_S = 60
"""Seconds a read from the registry may wait (connecting, or between two blocks of the download)."""
MAX_DOWNLOAD_BYTES = 256 * 2**20
"""A download larger than this is refused (0.11.10's tarball: 25,142,912 bytes)."""


class VerifierError(PyleoError):
    """The in-browser verifier could not be installed (the registry unreachable, a tarball whose sha512 is not
    package-lock.json's, or one without the files the pages load)."""


@dataclass(frozen=True)
class Pin:
    """The version of :data:`PACKAGE` cli/web/package-lock.json pins, its npm integrity (``sha512-<base64>``) and
    licence."""

    version: str
    integrity: str
    license: str

    @property
    def url(self) -> str:
        """The version's tarball on the registry (``$npm_config_registry`` honoured)."""
        base = os.environ.get("npm_config_registry") or DEFAULT_REGISTRY
        return f"{base.rstrip('/')}/{PACKAGE}/-/wasm-{self.version}.tgz"


def pinned() -> Pin:
    """The version cli/web/package-lock.json pins (it is what ``npm ci`` installs too)."""
    entry = json.loads((HERE / "package-lock.json").read_text())["packages"][f"node_modules/{PACKAGE}"]
    return Pin(entry["version"], entry["integrity"], entry.get("license", "see its LICENSE.md"))


def cached(pin: Pin) -> Path:
    """Where :func:`install` puts ``pin``'s files: ``<cache_dir>/verifier/<version>/``."""
    return vm.cache_dir() / "verifier" / pin.version


def find(pin: Pin | None = None) -> Path | None:
    """The folder holding :data:`FILES` of the pinned version: the checkout's (after ``npm ci``), else the cache's;
    None when neither has them."""
    pin = pin or pinned()
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads((CHECKOUT / "package.json").read_text())["version"] == pin.version and complete(CHECKOUT / SERVED):
            return CHECKOUT / SERVED
    folder = cached(pin)
    return folder if complete(folder) else None


def complete(folder: Path) -> bool:
    """Whether ``folder`` holds every one of :data:`FILES`."""
    return all((folder / f).is_file() for f in FILES)


def install(pin: Pin | None = None, meter: progress.Meter | None = None) -> Path:
    """Download ``pin`` (default :func:`pinned`), check its sha512, and put :data:`FILES` and :data:`LICENSE` in
    :func:`cached`'s folder, renamed into place whole (an interrupted or failed install leaves nothing there).
    ``meter`` shows the download (:func:`pyleo.progress.download`). Returns the folder.
    VerifierError when the registry cannot be reached or answers with an error, the download is not the pinned
    tarball, or it lacks a file."""
    pin = pin or pinned()
    target = cached(pin)
    failed = f"could not install {PACKAGE} {pin.version} into {target.parent}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{pin.version}-", dir=target.parent))
    except OSError as e:
        raise VerifierError(f"{failed}: {e}") from None
    try:
        tarball = work / "package.tgz"
        _download(pin, tarball, meter)
        with tarfile.open(tarball) as tar:
            for name, member in [(f, f"package/{SERVED}/{f}") for f in FILES] + [(LICENSE, f"package/{LICENSE}")]:
                try:
                    source = tar.extractfile(member)
                except KeyError:
                    source = None
                if source is None:
                    raise VerifierError(f"{pin.url} has no file {member.removeprefix('package/')}",
                                        hint="the package's layout changed: update cli/web/verifier.py's FILES")
                with source, open(work / name, "wb") as out:
                    shutil.copyfileobj(source, out)
        tarball.unlink()
        if target.is_dir() and not complete(target):   # a folder someone emptied
            shutil.rmtree(target)
        try:
            work.rename(target)
        except OSError:   # another `pyleo serve` installed it meanwhile
            if not complete(target):
                raise
        return target
    except (tarfile.TarError, EOFError, OSError) as e:
        raise VerifierError(f"{failed}: {e}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download(pin: Pin, path: Path, meter: progress.Meter | None) -> None:
    """``pin``'s tarball into ``path``, its sha512 checked against ``pin.integrity``."""
    algorithm, _, expected = pin.integrity.partition("-")
    digest = hashlib.new(algorithm)
    got = 0
    try:
        with urllib.request.urlopen(pin.url, timeout=TIMEOUT_S) as answer, open(path, "wb") as out:  # noqa: S310
            length = answer.headers.get("Content-Length")
            advance = meter(int(length) if length and length.isdigit() else None) if meter else (lambda n: None)
            while block := answer.read(1 << 16):
                got += len(block)
                if got > MAX_DOWNLOAD_BYTES:
                    raise VerifierError(f"{pin.url} sent more than {MAX_DOWNLOAD_BYTES:,} bytes: not the pinned tarball")
                digest.update(block)
                out.write(block)
                advance(len(block))
    except urllib.error.HTTPError as e:
        raise VerifierError(f"{pin.url} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        reason = getattr(e, "reason", None) or e
        raise VerifierError(f"could not fetch {pin.url}: {reason}") from None
    if base64.b64encode(digest.digest()).decode() != expected:
        raise VerifierError(f"{pin.url} ({got:,} bytes) does not match the {algorithm} of cli/web/package-lock.json: "
                            "not installing it")


@dataclass(frozen=True)
class Status:
    """What the pages get: the verifier's folder, or None and the reason, in words for a person."""

    folder: Path | None
    reason: str | None = None


FIX = ("run `npm ci` in cli/web (a source checkout), or restart `pyleo serve` where registry.npmjs.org can be "
       "reached; `pyleo verify PROOF --public-model FILE` verifies without it")


def located() -> Status:
    """:func:`find`'s answer as a :class:`Status` (installs nothing)."""
    folder = find()
    return Status(folder, None if folder else f"the in-browser verifier ({PACKAGE}) is not installed: {FIX}")


def prepare(wanted: bool = True, say: Callable[[str], None] = print) -> Status:
    """``pyleo serve``'s start: none when not ``wanted`` (``--no-verifier``); else the verifier if found, else
    installed, saying so with ``say`` and a progress bar on a terminal; on failure the reason (the server starts
    without it)."""
    if not wanted:
        return Status(None, "this server was started with --no-verifier; "
                      "`pyleo verify PROOF --public-model FILE` verifies without it")
    pin = pinned()
    if (folder := find(pin)) is not None:
        return Status(folder)
    where = cached(pin)
    say(f"the in-browser verifier ({PACKAGE} {pin.version}, {pin.license}) is not installed: fetching it from "
        f"{pin.url.split('/')[2]} into {where} (once)")
    start = time.perf_counter()
    try:
        with progress.download(f"fetching {PACKAGE} {pin.version}") as meter:
            folder = install(pin, meter)
    except VerifierError as e:
        say(f"warning: {e.message}; the pages' in-browser verification is off (to fix it: {FIX})")
        return Status(None, f"this server could not fetch the in-browser verifier ({e.message}): {FIX}")
    size = sum((folder / f).stat().st_size for f in FILES) / 1e6
    say(f"installed it ({size:.1f} MB, sha512 checked) in {time.perf_counter() - start:.1f} s")
    return Status(folder)
