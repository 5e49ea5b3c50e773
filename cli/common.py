"""What every ``pyleo`` command shares: its usage line, its help options, and how errors end it
(a message on stderr and a non-zero exit status, never a traceback), and how the process exits."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from pyleo.errors import InputError, PyleoError
from pyleo.files import UNREADABLE, Refused, read_limited


class Command(TyperCommand):
    """A command whose usage line reads ``pyleo run FILE TARGET [ARGS]...`` (typer writes required
    arguments as ``{FILE}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in super().collect_usage_pieces(ctx)]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The docstring's first paragraph, whole (click cuts it at 45 characters, mid-sentence)."""
        return " ".join((self.short_help or self.help or "").strip().split("\n\n")[0].split())


@contextlib.contextmanager
def rows_named(path: Path | None) -> Iterator[None]:
    """Errors of the library about the rows read from ``path`` (a ``--data`` file) name the file: the library names
    them after its argument, ``X``, which a command-line user never wrote. Other errors pass unchanged."""
    try:
        yield
    except PyleoError as e:
        if path is None or not e.message.startswith("X "):
            raise
        raise type(e)(f"{path}{e.message[1:]}", e.loc, e.hint) from None


# Plain help (no rich panels): they print `<bool>` after every flag.
HELP = {"help_option_names": ["-h", "--help"]}


_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, one_line: bool = False) -> str:
    """``text`` with every character that would move a terminal's cursor, recolour, erase or reorder what is shown
    (control characters but tab and line break, bidirectional marks and overrides; with ``one_line``, line breaks
    too) written as its escape (``\\x1b``): what a verifier is printed may quote a file someone else wrote, and
    must not be able to draw a "valid" line over, or under, an "INVALID" one."""
    text = _TERMINAL_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return text.replace("\n", "\\n") if one_line else text


MAX_SHOWN_CHARS = 2_000
"""Characters of an error or INVALID reason printed (:func:`shorten`): a reason may quote a forged value of a file
someone else wrote, up to megabytes long."""


def shorten(text: str) -> str:
    """``text`` cut to :data:`MAX_SHOWN_CHARS` characters, saying how many more there were."""
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return f"{text[:MAX_SHOWN_CHARS]}… ({len(text) - MAX_SHOWN_CHARS:,} characters more, not shown)"


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` on stderr (:func:`printable`, :func:`shorten`) and end the command with exit status ``code``."""
    typer.echo(printable(shorten(message)), err=True)
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


def read_file(path: Path, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (:func:`pyleo.files.read_limited`: a pipe or
    a device is refused, not read); InputError naming ``what`` when it cannot be read or is larger."""
    try:
        return read_limited(path, limit, as_json=False)
    except Refused as e:
        if e.kind == UNREADABLE:
            raise InputError(f"cannot read {what} {path}: {e.reason}") from None
        raise InputError(f"{what} {path} is {e.reason}: not {what} pyleo verifies against") from None


SLOW_TEARDOWN = ("tensorflow",)
"""Modules whose teardown at interpreter exit is slow and does nothing a finished command needs: after a command
that imported TensorFlow (a Keras model on its TensorFlow backend, a SavedModel, a .tflite file), the interpreter's
finalization ran 3.0-4.9 s in silence (measured: ``python -c 'import tensorflow'`` exits 3.7 s after its last
line, on a loaded 2-core machine; `pyleo import` of a Keras model, 4.9 s)."""


def run_and_exit(app: typer.Typer, name: str) -> None:
    """Run the command line ``app`` as the program ``name``, then exit with its status. After a command that
    imported one of :data:`SLOW_TEARDOWN`, the process ends without the interpreter's finalization, once what a normal exit does
    for the command is done: other threads joined, the ``atexit`` handlers run (temporary folders, multiprocessing,
    logging), stdout and stderr flushed."""
    try:
        app(prog_name=name)
        code: object = 0
    except SystemExit as e:
        code = e.code
    if not isinstance(code, int | None) or not any(m in sys.modules for m in SLOW_TEARDOWN):
        sys.exit(code)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
