"""A tiny local stand-in for the two ledger queries snarkVM makes before proving.

``Trace.prepare(Query.rest(url))`` asks ``url`` for ``/<network>/block/height/latest`` (a JSON
integer) and ``/<network>/stateRoot/latest`` (a JSON string). A proof of a function that consumes
no records does not depend on the ledger, so fixed answers suffice. :mod:`pyleo.vm.ledger` runs this file
as a child process (a thread would never answer: snarkVM holds the GIL while it waits)::

    python pyleo/vm/stateserver.py [--height N] [--state-root sr1…]

It binds 127.0.0.1 on a port the OS picks, prints the port on one line of stdout, and serves until
its stdin is closed (so it dies with its parent) or it is killed. It imports nothing from pyleo.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import sys
import threading

DEFAULT_STATE_ROOT = "sr1dz06ur5spdgzkguh4pr42mvft6u3nwsg5drh9rdja9v8jpcz3czsls9geg"


def make_handler(height: int, state_root: str) -> type[http.server.BaseHTTPRequestHandler]:
    answers = {
        "/block/height/latest": json.dumps(height).encode(),
        "/stateRoot/latest": json.dumps(state_root).encode(),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            body = next((b for suffix, b in answers.items() if path.endswith(suffix)), None)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--height", type=int, default=0)
    ap.add_argument("--state-root", default=DEFAULT_STATE_ROOT)
    args = ap.parse_args(argv)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.height, args.state_root))

    serve_until_stdin_closes(server)


def serve_until_stdin_closes(server: http.server.ThreadingHTTPServer) -> None:
    """Print the server's port (the parent reads it), then serve until the parent closes our stdin (or
    dies): the server never outlives the process that started it."""

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    if sys.stdin is not None and not sys.stdin.isatty():
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
