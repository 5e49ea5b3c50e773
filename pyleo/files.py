"""Writing files safely: atomically (a reader sees the old file or the new one, never half of one) and
only where a file can be written (checked before long work, so a bad destination fails at once); reading files
someone else wrote: bounded (:func:`read_bounded`; :func:`read_limited` with the limit checked) and, for JSON, strictly
(:func:`parse_json`, :func:`same_json`)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputError

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: str | os.PathLike[str], data: bytes, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never half of one; an interrupted write leaves
    nothing behind. ``mode`` (less the umask) is the new file's permission bits.
    """
    path = Path(path)
    _refuse_special(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _refuse_special(path: Path, name: str = "") -> None:
    """InputError when ``path`` is, or links to, something other than a regular file or folder (a device such as
    /dev/null, a pipe, a socket, or a process's stream such as /dev/stdout, a link into /proc): writing a file
    there atomically would replace it with a regular file (as root, the device itself). A link to a file that no
    longer exists is written over, as before."""
    special = path.exists() and not path.is_file() and not path.is_dir()
    if special or (path.is_symlink() and os.readlink(path).startswith("/proc/")):
        raise InputError(f"{name or path} is not a regular file (a device, pipe, socket or stream): pyleo writes files "
                         "atomically, which would replace it", hint="name a file to write")


def check_writable(path: str | os.PathLike[str], folder: bool = False, what: str = "") -> None:
    """Raise InputError unless a file (``folder``: a folder) can be written at ``path``.

    Checked before long work (proving, converting) so that a bad destination fails at once: the path
    must not be a folder (a file, for ``folder``), its nearest existing ancestor must be a folder, and
    a file must be creatable there (tried with a temporary file, removed at once).
    """
    path = Path(path)
    name = f"{what} {path}" if what else str(path)
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{name} is a file, not a folder", hint="name a folder (it is created when missing)")
    if not folder and path.is_dir():
        raise InputError(f"{name} is a folder", hint="name a file to write")
    if not folder:
        _refuse_special(path, name)
    ancestor = path if folder else path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot write {name}: {ancestor} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".pyleo-probe."):
            pass
    except OSError as e:
        raise InputError(f"cannot write {name}: {ancestor}: {e.strerror}") from None



def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The first ``limit`` + 1 bytes of the regular file ``path`` (more than ``limit``: the caller's file is too
    large), without waiting: a named pipe is opened without blocking and, like a device (``/dev/zero``) or a
    folder, refused with OSError (``strerror`` says what it is), so a file someone else named can neither hang
    the reader nor make it read without end. OSError as :func:`open` raises it otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "it is not a regular file (a device, pipe or socket)")
        return f.read(limit + 1)


UNREADABLE = "unreadable"
""":attr:`Refused.kind` of a file that cannot be opened or is not a regular file (missing, a folder, a device, a pipe)."""
TOO_LARGE = "too large"
""":attr:`Refused.kind` of a file larger than the reader's limit."""
NOT_JSON = "not JSON"
""":attr:`Refused.kind` of a file that is not strict JSON (:func:`parse_json`)."""


class Refused(Exception):
    """Why :func:`read_limited` did not take a file: ``kind`` is :data:`UNREADABLE`, :data:`TOO_LARGE` or
    :data:`NOT_JSON`; ``reason`` says why in a few words (OSError's text, the limit, the parser's reason). Each caller
    turns it into its own error, worded for what the file was meant to be."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def read_limited(path: str | os.PathLike[str], limit: int, *, as_json: bool = True) -> Any:
    """The file ``path`` of at most ``limit`` bytes, read once without waiting (:func:`read_bounded`): its strict JSON
    document (:func:`parse_json`) or, with ``as_json=False``, its bytes. Raises :class:`Refused`: kind
    :data:`UNREADABLE`, :data:`TOO_LARGE` or :data:`NOT_JSON`."""
    try:
        raw = read_bounded(path, limit)
    except OSError as e:
        raise Refused(UNREADABLE, e.strerror or str(e)) from None
    if len(raw) > limit:
        raise Refused(TOO_LARGE, f"larger than {limit:,} bytes")
    if not as_json:
        return raw
    try:
        return parse_json(raw)
    except ValueError as e:
        raise Refused(NOT_JSON, str(e)) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        twice = next(k for k in found if sum(1 for j, _ in pairs if j == k) > 1)
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(raw: bytes) -> Any:
    """The JSON document the UTF-8 bytes ``raw`` hold, read strictly: ValueError (its message says why) when they
    are not UTF-8, not JSON, nested deeper than Python's recursion allows, hold ``NaN`` or ``Infinity`` (not JSON),
    or an object with a key twice (readers differ on which copy counts, so a person reading the file and the
    verifier would see different values)."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e}") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def same_json(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same JSON value of the same JSON types throughout: Python's ``==`` takes
    ``true`` for ``1`` and ``1.0`` for ``1``, so a file stating ``true`` or ``3.0`` where a count is copied would
    pass a comparison with the count. Tuples compare as the lists JSON writes them as."""
    return json.dumps(a, sort_keys=True, default=repr) == json.dumps(b, sort_keys=True, default=repr)


def is_count(value: Any) -> bool:
    """Whether a value read from JSON is a whole number from 0 (a JSON integer: not ``true``, which Python takes
    for 1, nor ``1.0``)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
