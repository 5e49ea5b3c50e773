"""The account that signs deployments, executions and their fees: its private key, read as the Leo CLI reads
it (the ``PRIVATE_KEY`` environment variable, else a ``.env`` file in the current folder) or from a file the
user names. Never from a command-line argument (shell histories and process lists show those), never
written anywhere, never printed: errors name where the key came from, not the key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..vm.sdk import aleo_sdk

KEY_VARIABLE = "PRIVATE_KEY"
"""The environment variable (and ``.env`` entry) holding the signer's private key, as the Leo CLI names it."""


def dotenv_value(path: Path, name: str) -> str | None:
    """The value of ``name`` in a ``.env`` file (``NAME=value`` lines, optionally quoted, ``#`` comments,
    an optional ``export``), or None when the file or the entry is absent."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return value
    return None


def private_key_source(key_file: Path | None = None, cwd: Path | None = None) -> tuple[str, str] | None:
    """(the key's text, where it came from) or None when no key is given: ``key_file`` first, else
    ``$PRIVATE_KEY``, else ``PRIVATE_KEY`` in ``cwd/.env`` (``cwd`` default: the current folder).
    InputError when ``key_file`` cannot be read."""
    if key_file is not None:
        try:
            return key_file.read_text(encoding="utf-8").strip(), f"--private-key-file {key_file}"
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the private key file {key_file}: {getattr(e, 'strerror', None) or e}") from None
    env = os.environ.get(KEY_VARIABLE)
    if env:
        return env.strip(), f"${KEY_VARIABLE}"
    dotenv = (cwd or Path.cwd()) / ".env"
    value = dotenv_value(dotenv, KEY_VARIABLE)
    if value:
        return value, f"{KEY_VARIABLE} in {dotenv}"
    return None


def parse_private_key(text: str, source: str, network: str = "mainnet") -> Any:
    """aleo-sdk's ``PrivateKey`` of ``text`` (of ``network``'s module); InputError naming ``source`` (never the
    key) when malformed."""
    if not text.startswith("APrivateKey1"):
        raise InputError(f"{source} is not an Aleo private key (they start with APrivateKey1)")
    try:
        return aleo_sdk(network).PrivateKey.from_string(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - snarkVM's parse errors (and panics) carry no more than this
        raise InputError(f"{source} is not a valid Aleo private key (APrivateKey1 followed by its base58 digits)") from None


def signing_key(key_file: Path | None = None, cwd: Path | None = None, network: str = "mainnet") -> Any | None:
    """The signer's ``PrivateKey`` for ``network`` (see :func:`private_key_source`), or None when no key is given;
    InputError when the key given is malformed or its file unreadable."""
    found = private_key_source(key_file, cwd)
    return None if found is None else parse_private_key(*found, network)
