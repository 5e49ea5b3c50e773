"""pyleo's cache folder: the key cache (``keys/``, one folder per program, bounded, least recently used
first out: see :mod:`pyleo.vm.keys`) and converted model files (``models/``: each model's DSL source,
imported from there and read by proving workers; a model with private weights holds them there, readable
by its owner only, until the owner saves it: the cached file then becomes a link to the saved one).
``pyleo cache info`` lists both and ``pyleo cache clear`` empties both."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

from ..errors import InputError
from ..files import write_atomic


def cache_dir() -> Path:
    """pyleo's cache: ``$PYLEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyleo``, else ``~/.cache/pyleo``."""
    env = os.environ.get("PYLEO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "pyleo"


DEFAULT_CACHE_MAX_MB = 4096
"""Default bound on the key cache (MiB): a proving key of a ~14k-constraint function is ~33 MB, so about
120 functions' keys; the full test suite writes ~4.5 GB. ``$PYLEO_CACHE_MAX_MB`` sets it (0: no bound)."""


def cache_max_bytes() -> int | None:
    """The key cache's size bound in bytes (``$PYLEO_CACHE_MAX_MB`` MiB, default
    :data:`DEFAULT_CACHE_MAX_MB`), or None when the variable is 0 (no bound). InputError if malformed."""
    text = os.environ.get("PYLEO_CACHE_MAX_MB", str(DEFAULT_CACHE_MAX_MB))
    try:
        mb = int(text)
    except ValueError:
        raise InputError(f"PYLEO_CACHE_MAX_MB must be a whole number of MiB, got {text!r}") from None
    return mb * 2**20 if mb > 0 else None


def cached_programs() -> list[tuple[Path, int, float]]:
    """The key cache's folders, one per program: (folder, bytes, last use as a Unix time), most
    recently used first."""
    root = cache_dir() / "keys"
    out = []
    for d in root.iterdir() if root.is_dir() else []:
        if d.is_dir():
            with contextlib.suppress(OSError):
                size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
                out.append((d, size, d.stat().st_mtime))
    return sorted(out, key=lambda e: -e[2])


def clear_cache(keep: Path | None = None, bound: int | None = 0) -> list[Path]:
    """Delete cached keys, least recently used programs first, until the cache holds at most ``bound``
    bytes (0: delete all; None: nothing to do). ``keep`` (a program's folder) is never deleted.
    Returns the folders deleted."""
    if bound is None:
        return []
    entries = cached_programs()
    total = sum(size for _, size, _ in entries)
    removed = []
    for d, size, _ in reversed(entries):
        if total <= bound:
            break
        if keep is not None and d == keep:
            continue
        shutil.rmtree(d, ignore_errors=True)
        total -= size
        removed.append(d)
    return removed


def model_cache_dir() -> Path:
    """Where converted model files are cached: ``<cache_dir>/models/``."""
    return cache_dir() / "models"


def cache_model(source: str, name: str, private: bool = False, replaces: Path | None = None) -> Path:
    """Write a model file's ``source`` to the model cache under a name its content fixes
    (``<name>_<sha256[:16]>.py``: the same source is one file however often it is cached) and return
    its path (a link left by :func:`link_model` to a file with that source counts as it). ``private``
    (the source holds private weights and their blinding value): the file is
    readable and writable by its owner only (mode 0600). ``replaces``: the cached file of the same
    model before it was re-rendered (e.g. with its fidelity recorded); with ``private`` it is deleted,
    so that no stale copy of the secrets stays (a public model's file may be another model's too: the
    same source gives the same file, while private sources each hold a fresh blinding value)."""
    path = model_cache_dir() / f"{name}_{hashlib.sha256(source.encode()).hexdigest()[:16]}.py"
    with contextlib.suppress(OSError):
        if path.read_text() == source:
            return path
    write_atomic(path, source.encode(), mode=0o600 if private else 0o666)
    if private and replaces is not None and replaces != path:
        _uncache_model(replaces)
    return path


def _drop_bytecode(path: Path) -> None:
    """Delete the bytecode Python may have compiled from a cached model file (``__pycache__/<name>.*.pyc``,
    a copy of its constants)."""
    for pyc in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        with contextlib.suppress(OSError):
            pyc.unlink()


def _in_cache(path: Path) -> bool:
    return path.suffix == ".py" and path.parent.resolve() == model_cache_dir().resolve()


def _uncache_model(path: Path) -> bool:
    """Delete ``path`` and its bytecode if it is a file of the model cache (anything else is left alone);
    True if deleted."""
    path = Path(path)
    if not _in_cache(path):
        return False
    _drop_bytecode(path)
    try:
        path.unlink()
    except OSError:
        return False
    return True


def link_model(cached: Path, saved: str | os.PathLike[str]) -> bool:
    """Replace a cached model file by a symbolic link to ``saved``, the same model saved where its owner
    chose, so that its private weights live in that one file, while the process that imported the cached
    file (and proving workers given its path) still read the model through the link; an older link to
    ``saved`` (another model saved there before) goes. True when linked;
    False, and the cached copy stays, when ``cached`` is not in the model cache or this file system
    cannot link."""
    cached, target = Path(cached), Path(saved).resolve()
    if not _in_cache(cached) or cached.resolve() == target:
        return False
    link = cached.with_name(f".{cached.name}.link")
    try:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.symlink(target, link)
        os.replace(link, cached)
    except OSError:
        with contextlib.suppress(OSError):
            link.unlink()
        return False
    _drop_bytecode(cached)
    for f in model_cache_dir().glob("*.py"):   # older links to that file: it now holds this model
        if f != cached and f.is_symlink() and f.resolve() == target:
            with contextlib.suppress(OSError):
                f.unlink()
    return True


def cached_models() -> list[tuple[Path, int, float]]:
    """The model cache's files: (file, bytes, last written as a Unix time), newest first. A model saved
    by its owner is a link to the saved file (see :func:`link_model`): its bytes are the link's."""
    out = []
    root = model_cache_dir()
    for f in root.glob("*.py") if root.is_dir() else []:
        with contextlib.suppress(OSError):
            st = f.lstat()
            out.append((f, st.st_size, st.st_mtime))
    return sorted(out, key=lambda e: -e[2])


def clear_models() -> list[Path]:
    """Delete the model cache: every cached model file (a conversion writes its file again) and the
    bytecode compiled from them. Returns the model files deleted."""
    removed = [f for f, _, _ in cached_models()]
    shutil.rmtree(model_cache_dir(), ignore_errors=True)
    return removed
