"""What every ``pyleo`` command shares: its usage line, its help options, and how errors end it
(a message on stderr and a non-zero exit status, never a traceback)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from pyleo.errors import InputError, PyleoError


class Command(TyperCommand):
    """A command whose usage line reads ``pyleo run FILE TARGET [ARGS]...`` (typer writes required
    arguments as ``{FILE}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in super().collect_usage_pieces(ctx)]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The docstring's first paragraph, whole (click cuts it at 45 characters, mid-sentence)."""
        return " ".join((self.short_help or self.help or "").strip().split("\n\n")[0].split())


# Plain help (no rich panels): they print `<bool>` after every flag.
HELP = {"help_option_names": ["-h", "--help"]}


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn pyleo's errors into a message on stderr and exit status 1 (never a traceback)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PyleoError as e:
            fail(str(e))
        except typer.Exit:
            raise
        except BrokenPipeError:  # the reader went away (`pyleo verify P | head -1`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as e:  # a bug in pyleo: say so briefly; PYLEO_DEBUG=1 shows the traceback
            if os.environ.get("PYLEO_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {e}\n(this is a bug in pyleo; rerun with PYLEO_DEBUG=1 "
                 "for the traceback and report it)", code=2)

    return wrapper


def read_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``; InputError naming ``what`` when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from None
