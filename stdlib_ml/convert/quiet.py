"""Silencing what a third-party library prints while pyleo reads a user's file: a damaged file must end in
pyleo's own error, not after a framework's traceback on the terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Within the block, discard what is written to stdout / stderr (Python's streams and the process's
    file descriptors 1 and 2, where native code writes) and every log record; all restored after."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    saved_streams = sys.stdout, sys.stderr
    saved_fds: list[tuple[int, int]] = []
    with tempfile.TemporaryFile() as sink:
        try:
            for stream in saved_streams:
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    stream.flush()
            for fd in (1, 2):
                with contextlib.suppress(OSError):
                    saved_fds.append((fd, os.dup(fd)))
                    os.dup2(sink.fileno(), fd)
            with open(os.devnull, "w") as null:
                sys.stdout = sys.stderr = null
                yield
        finally:
            sys.stdout, sys.stderr = saved_streams
            for fd, copy in saved_fds:
                os.dup2(copy, fd)
                os.close(copy)
            logging.disable(previous)
