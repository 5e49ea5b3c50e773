"""`pyleo serve`: the web app (see :mod:`pyleo_cli.web.app`). Needs the ``web`` extra (FastAPI, uvicorn,
python-multipart, matplotlib). The in-browser verifier (npm ``@provablehq/wasm``, GPL-3.0) is not in the wheel:
``npm ci`` in this folder puts it in a source checkout, else the first ``pyleo serve`` fetches it
(:mod:`pyleo_cli.web.verifier`)."""

from __future__ import annotations

import logging
import os
import signal

from pyleo import progress
from pyleo.errors import InputError


def serve(host: str = "127.0.0.1", port: int = 8000, verifier_wanted: bool = True,
          allow_pickle_uploads: bool = False) -> None:
    """Run the app with uvicorn on ``host``:``port`` until interrupted; prints the URL first. The in-browser
    verifier is installed first when missing (:func:`pyleo_cli.web.verifier.prepare`; the server starts without it
    when that fails, or when not ``verifier_wanted``: ``--no-verifier``). Uploads of joblib / pickle files are taken
    on a loopback ``host`` only, unless ``allow_pickle_uploads`` (``--allow-pickle-uploads``). InputError when the
    ``web`` extra is not installed or the port is taken."""
    import socket
    import sys

    try:
        import uvicorn

        from . import verifier
        from .app import LOOPBACK_HOSTS, create_app
    except ImportError as e:
        raise InputError(f"the web app needs the `web` extra ({e.name} is missing)",
                         hint="pip install 'pyleo-zk[web]'") from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {e.strerror}", hint="pick another --port") from None
    sock.listen(2048)   # connections wait for the app's start-up rather than being refused
    wasm = verifier.prepare(verifier_wanted, say=lambda line: print(line, file=sys.stderr, flush=True))
    os.environ[progress.QUIET] = "1"   # the pages show each job's progress: its processes draw none on this terminal
    shown = f"[{host}]" if ":" in host else host
    print(f"pyleo web app: http://{shown}:{sock.getsockname()[1]}/  (Ctrl-C stops it)", flush=True)
    logging.basicConfig(format="pyleo serve: %(levelname)s: %(message)s", level=logging.WARNING)
    # log_config=None: uvicorn's records go to the handler above. Its own dictConfig would close every logging
    # handler already installed (absl's, when TensorFlow was imported, closes the stream it writes to).
    wildcard = host in ("0.0.0.0", "::", "")   # reachable by any name: the names it answers to are not known
    hosts = None if wildcard else LOOPBACK_HOSTS if host in LOOPBACK_HOSTS else frozenset({host})
    pickles = host in LOOPBACK_HOSTS or allow_pickle_uploads   # a pickle runs code: only its own user's, by default
    if host not in LOOPBACK_HOSTS:
        print(f"warning: {host} is reachable from other machines: " + (
            "--allow-pickle-uploads lets any of them run code on this machine by uploading a joblib file"
            if pickles else "joblib / pickle uploads are refused (they run code when read); XGBoost .json / .ubj "
            "uploads are taken"), file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(wasm, hosts, pickles), log_level="warning", log_config=None, timeout_graceful_shutdown=STOP_SECONDS)
    # uvicorn shuts down gracefully on SIGTERM (the app's lifespan ends its children and removes their
    # files), then raises the signal again: end with a normal exit then, not a death by the signal that
    # would skip the interpreter's own clean-up (multiprocessing's semaphores).
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)


STOP_SECONDS = 5
"""On Ctrl-C or SIGTERM, how long requests in progress may take to finish before they are cancelled."""


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
