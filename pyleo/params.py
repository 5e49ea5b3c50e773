"""snarkVM's universal parameters (the SRS), installed offline.

snarkVM synthesizes proving and verifying keys from a universal structured reference string. It
looks for it in ``~/.aleo/resources/`` (``$HOME`` is honoured) under names such as
``powers-of-beta-16.usrs.84631bc``: the file name, a dot and the first 7 hex digits of the file's
sha256. A missing file is downloaded, which fails on a machine without network access, so pyleo
installs the files itself from a folder that holds each ``NAME.usrs`` with its ``NAME.metadata``
(JSON with ``"checksum"``, the sha256 in hex, and ``"size"``).

snarkVM reads only the checksum-suffixed ``.usrs`` file (the expected checksums are compiled into
it, and it refuses a file whose sha256 differs); the ``.metadata`` is copied alongside for people.

Degree 16 (``powers-of-beta-16`` and ``shifted-powers-of-beta-16``) bounds one function's circuit at
2^16 − 1 powers, in practice 16,384 constraints: see :data:`pyleo.limits.LOCAL_BUDGET`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import ParamsError

DEGREE = 16
"""The degree of the parameters pyleo installs and checks for."""

KNOWN: dict[str, tuple[str, int]] = {
    "powers-of-beta-16.usrs": ("84631bc11e1a6db99db085a8de586014e7dd10e97b42cbd766c105dea014bbd1", 3145736),
    "shifted-powers-of-beta-16.usrs": ("d99bcb30361df496b60f2714305fee65068d199d22cafad3bde09e715e47d2b5", 3145736),
}
"""The degree-16 files snarkVM 4.x expects: name → (sha256, size in bytes)."""

INSTALL_HINT = (
    "run `pyleo params install DIR`, where DIR holds powers-of-beta-16.usrs, "
    "shifted-powers-of-beta-16.usrs and their .metadata files "
    "(on a machine with network access snarkVM can also download them itself)"
)

_verified: set[tuple[str, str, int, float]] = set()


def default_dest() -> Path:
    """``~/.aleo/resources``, where snarkVM looks for its parameters (``$HOME`` honoured)."""
    return Path.home() / ".aleo" / "resources"


def installed_name(name: str, checksum: str) -> str:
    """The file name snarkVM looks for: ``powers-of-beta-16.usrs`` → ``powers-of-beta-16.usrs.84631bc``."""
    return f"{name}.{checksum[:7]}"


def sha256_file(path: Path) -> str:
    """The sha256 of a file, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_metadata(path: Path) -> tuple[str, int]:
    try:
        data = json.loads(path.read_text())
        checksum = str(data["checksum"]).lower()
        size = int(data["size"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ParamsError(
            f"cannot read {path}: expected JSON with \"checksum\" and \"size\" ({e})", hint=INSTALL_HINT
        ) from None
    if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
        raise ParamsError(f"{path}: \"checksum\" is not a sha256 in hex: {checksum!r}", hint=INSTALL_HINT)
    return checksum, size


def _matches(path: Path, checksum: str, size: int) -> bool:
    try:
        return path.is_file() and path.stat().st_size == size and sha256_file(path) == checksum
    except OSError:
        return False


def _copy_atomic(src: Path, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def install(src_dir: Path | str, dest: Path | str | None = None) -> list[Path]:
    """Verify the parameter files in ``src_dir`` and copy them where snarkVM looks for them.

    Every ``NAME.metadata`` in ``src_dir`` must come with its ``NAME.usrs``; the ``.usrs`` must have
    the size and sha256 that the metadata states (and, for the degree-16 files, the checksum snarkVM
    expects). Each is copied to ``dest`` (default ``~/.aleo/resources``) as
    ``NAME.usrs.<first 7 hex digits of the sha256>``, with the metadata beside it as ``NAME.metadata``.
    A file already there with the same content is left alone; a damaged one is replaced. Copies are
    atomic (a temporary file renamed into place).

    Returns the installed ``.usrs`` paths. Raises :class:`ParamsError` when the folder or a file is
    missing, no metadata is found, or a size or checksum does not match.
    """
    src = Path(src_dir).expanduser()
    folder_hint = ("name the folder that holds powers-of-beta-16.usrs, shifted-powers-of-beta-16.usrs and their "
                   ".metadata files; with network access, skip this step: snarkVM downloads them itself")
    if not src.is_dir():
        raise ParamsError(f"parameter folder {src} does not exist", hint=folder_hint)
    metas = sorted(src.glob("*.metadata"))
    if not metas:
        raise ParamsError(f"no *.metadata files in {src}: it holds no snarkVM parameters", hint=folder_hint)

    checked: list[tuple[Path, Path, str, str]] = []
    for meta in metas:
        stem = meta.name[: -len(".metadata")]
        usrs = src / f"{stem}.usrs"
        if not usrs.is_file():
            raise ParamsError(f"{usrs.name} is missing from {src} (its {meta.name} is there)", hint=INSTALL_HINT)
        checksum, size = _read_metadata(meta)
        known = KNOWN.get(usrs.name)
        if known is not None and known[0] != checksum:
            raise ParamsError(
                f"{meta.name} names checksum {checksum}, but snarkVM expects {known[0]} for {usrs.name}",
                hint="these parameters belong to another snarkVM version or are damaged; " + INSTALL_HINT,
            )
        actual_size = usrs.stat().st_size
        if actual_size != size:
            raise ParamsError(
                f"{usrs.name} has {actual_size} bytes, but {meta.name} says {size}",
                hint="the file is truncated or damaged; copy it again",
            )
        actual = sha256_file(usrs)
        if actual != checksum:
            raise ParamsError(
                f"checksum mismatch for {usrs.name}: expected sha256 {checksum}, got {actual}",
                hint="the file is damaged; copy it again",
            )
        checked.append((usrs, meta, checksum, installed_name(usrs.name, checksum)))

    out = Path(dest).expanduser() if dest is not None else default_dest()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ParamsError(f"cannot create {out}: {e.strerror}", hint="check the permissions of the folder") from None

    installed: list[Path] = []
    for usrs, meta, checksum, name in checked:
        target = out / name
        try:
            if not _matches(target, checksum, usrs.stat().st_size):
                _copy_atomic(usrs, target)
            meta_target = out / meta.name
            if not (meta_target.is_file() and meta_target.read_bytes() == meta.read_bytes()):
                _copy_atomic(meta, meta_target)
        except OSError as e:
            raise ParamsError(f"cannot write {target}: {e.strerror}", hint="check the permissions of the folder") from None
        installed.append(target)
    return installed


def check_installed(dest: Path | str | None = None) -> None:
    """Raise :class:`ParamsError` unless the degree-16 parameters are installed (and undamaged).

    Looks in ``dest`` (default ``~/.aleo/resources``) for every file of :data:`KNOWN` under its
    checksum-suffixed name, and checks its size and sha256 (once per process per file).
    """
    out = Path(dest).expanduser() if dest is not None else default_dest()
    missing: list[str] = []
    for name, (checksum, size) in KNOWN.items():
        path = out / installed_name(name, checksum)
        try:
            st = path.stat()
        except OSError:
            missing.append(path.name)
            continue
        key = (str(path), checksum, st.st_size, st.st_mtime)
        if key in _verified:
            continue
        if st.st_size != size or sha256_file(path) != checksum:
            raise ParamsError(
                f"snarkVM parameter file {path} is damaged (its size or sha256 is not the expected {checksum[:16]}…)",
                hint=INSTALL_HINT,
            )
        _verified.add(key)
    if missing:
        raise ParamsError(
            f"snarkVM parameters are not installed: {', '.join(missing)} missing from {out}",
            hint=INSTALL_HINT,
        )
