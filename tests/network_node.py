"""A stand-in for an Aleo node, for tests only: it serves the REST routes pyleo uses, on 127.0.0.1, and
verifies every transaction it is sent with snarkVM (aleo-sdk, called directly: not through pyleo) before it
answers. It is not a node: no ledger, no consensus, no peers; it never accepts a transaction it has not verified.

Routes (``NETWORK`` is the one network it serves, ``--network``, default mainnet; any other answers 404):

* ``GET /NETWORK/block/height/latest``: ``--height`` (default: the lowest height of snarkVM's newest consensus
  version), as JSON.
* ``GET /NETWORK/stateRoot/latest``: a fixed state root, as JSON (proofs of functions that consume no records do
  not depend on it).
* ``POST /NETWORK/transaction/broadcast``: the transaction's JSON. A deployment: its fee must verify
  (``verify_fee``) for the deployment ID and pay at least ``deployment_cost``; the program must be new; it is
  then known, with the verifying keys it deploys (its certificates are not checked here, as a real node does).
  An execution: of a program deployed here, its proof verified (``verify_execution``) under the deployed keys,
  its fee verified for the execution ID and paying at least ``execution_cost``. Valid: 200 and the transaction ID
  as a JSON string (as snarkOS answers); invalid: 400 and the reason.
* ``GET /NETWORK/transaction/ID``: a transaction it accepted, as the JSON it was sent (404 for any other ID).

``--answer STATUS`` makes it a misbehaving node instead: every request gets that status and the body
``--body`` (e.g. ``--answer 200 --body 'not json'`` for garbage). It prints its port on one line of stdout and
serves until its stdin closes::

    python tests/network_node.py [--network mainnet] [--height N] [--answer STATUS --body TEXT]
"""

from __future__ import annotations

import argparse
import http.server
import json
import threading
from typing import Any

from pyleo.vm.stateserver import serve_until_stdin_closes

STATE_ROOT = "sr1dz06ur5spdgzkguh4pr42mvft6u3nwsg5drh9rdja9v8jpcz3czsls9geg"


def latest_height(sdk: Any) -> int:
    """The lowest block height of snarkVM's newest consensus version."""
    cv, newest = sdk.consensus_version, sdk.consensus_version(None)
    lo, hi = 0, 2**32 - 1
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if cv(mid) >= newest else (mid + 1, hi)
    return lo


class Ledger:
    """What the stand-in knows: the programs deployed to it, in one snarkVM process with their verifying keys."""

    def __init__(self, sdk: Any) -> None:
        self.sdk = sdk
        self.process = sdk.Process.load()
        self.programs: set[str] = set()
        self.accepted: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def fee(self, doc: dict[str, Any], paid_for: Any, cost: int, tx: Any) -> None:
        fee = self.sdk.Fee.from_json(json.dumps(doc["fee"]))
        self.process.verify_fee(fee, paid_for)
        if int(tx.base_fee_amount) < cost:
            raise ValueError(f"fee too low: {int(tx.base_fee_amount)} microcredits paid, {cost} required")

    def accept(self, body: bytes) -> str:
        """The transaction ID when the transaction verifies; ValueError / RuntimeError (snarkVM's) otherwise."""
        sdk = self.sdk
        doc = json.loads(body)
        tx = sdk.Transaction.from_json(json.dumps(doc))
        with self.lock:
            if doc["type"] == "deploy":
                program = tx.deployed_program()
                if str(program.id) in self.programs:
                    raise ValueError(f"program {program.id} already exists")
                deployment = sdk.Deployment.from_json(json.dumps(doc["deployment"]))
                self.fee(doc, deployment.deployment_id(), int(self.process.deployment_cost(deployment)), tx)
                self.process.add_program(program)
                for name, (vk, _certificate) in doc["deployment"]["verifying_keys"]:
                    self.process.insert_verifying_key(program.id, sdk.Identifier.from_string(name),
                                                      sdk.VerifyingKey.from_string(vk))
                self.programs.add(str(program.id))
            elif doc["type"] == "execute":
                execution = tx.execution()
                for t in execution.transitions():
                    if str(t.program_id) not in self.programs:
                        raise ValueError(f"program {t.program_id} is not deployed")
                self.process.verify_execution(execution)
                total, _ = self.process.execution_cost(execution)
                self.fee(doc, execution.execution_id, int(total), tx)
            else:
                raise ValueError(f"unsupported transaction type {doc['type']!r}")
            self.accepted[str(tx.id)] = json.dumps(doc).encode()
        return str(tx.id)


def make_handler(network: str, height: int, ledger: Ledger | None, answer: tuple[int, bytes] | None
                 ) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if answer is not None:
                return self.reply(*answer)
            path = self.path.split("?", 1)[0]
            if path == f"/{network}/block/height/latest":
                return self.reply(200, json.dumps(height).encode())
            if path == f"/{network}/stateRoot/latest":
                return self.reply(200, json.dumps(STATE_ROOT).encode())
            prefix = f"/{network}/transaction/"
            if ledger is not None and path.startswith(prefix) and path[len(prefix):] in ledger.accepted:
                return self.reply(200, ledger.accepted[path[len(prefix):]])
            self.reply(404, b"Not Found")

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if answer is not None:
                return self.reply(*answer)
            if self.path != f"/{network}/transaction/broadcast" or ledger is None:
                return self.reply(404, b"Not Found")
            try:
                tx_id = ledger.accept(body)
            except BaseException as e:  # noqa: BLE001 - snarkVM's panics too: the transaction is invalid
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                return self.reply(400, f"Invalid transaction: {str(e).splitlines()[0] if str(e) else type(e).__name__}".encode())
            self.reply(200, json.dumps(tx_id).encode())

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--network", default="mainnet", choices=["mainnet", "testnet"])
    ap.add_argument("--height", type=int, default=None)
    ap.add_argument("--answer", type=int, default=None, help="misbehave: answer every request with this status")
    ap.add_argument("--body", default="", help="the body of --answer")
    args = ap.parse_args(argv)
    if args.answer is None:
        import importlib

        sdk = importlib.import_module(f"aleo.{args.network}")
        ledger: Ledger | None = Ledger(sdk)
        height = args.height if args.height is not None else latest_height(sdk)
    else:
        ledger, height = None, 0
    answer = (args.answer, args.body.encode()) if args.answer is not None else None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.network, height, ledger, answer))

    serve_until_stdin_closes(server)


if __name__ == "__main__":
    main()
