"""A node's REST API, as far as pyleo needs it: the chain head that proofs are made against
(``GET /{network}/block/height/latest``, ``GET /{network}/stateRoot/latest``) and broadcasting a transaction
(``POST /{network}/transaction/broadcast``, the transaction's JSON as the body) and fetching one
(``GET /{network}/transaction/{id}``). Every request has a short
timeout, so a node that does not answer is an error within seconds."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..errors import PyleoError
from ..limits import MAX_TRANSACTION_BYTES

TIMEOUT_S = 5.0
"""Seconds to wait for a node's answer before giving up (to connect, and to read its whole answer)."""
MAX_ANSWER_BYTES = 4 * MAX_TRANSACTION_BYTES
"""Largest answer read from a node: a transaction is at most :data:`~pyleo.limits.MAX_TRANSACTION_BYTES` bytes,
its JSON (hex and base-58 text) less than four times that. (Answers were cut at 1 MiB, unread: a deployment over
it was "not JSON".)"""


class NodeError(PyleoError):
    """A node did not answer, or answered with an error status or with something that is not what its API
    returns."""


@dataclass(frozen=True)
class Node:
    """A node's REST API at ``endpoint`` (``http(s)://host[:port]``) for ``network``."""

    endpoint: str
    network: str = "mainnet"

    def url(self, route: str) -> str:
        return f"{self.endpoint.rstrip('/')}/{self.network}/{route}"

    def _request(self, route: str, body: bytes | None = None) -> bytes:
        url = self.url(route)
        if not url.startswith(("http://", "https://")):
            raise NodeError(f"--endpoint must be an http:// or https:// URL, got {self.endpoint!r}")
        req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"} if body is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:  # noqa: S310 - the user's endpoint
                return self._answer(r, url)
        except urllib.error.HTTPError as e:
            answer = e.read(2000).decode("utf-8", "replace").strip()
            raise NodeError(f"the node at {self.endpoint} answered {e.code} {e.reason} to "
                            f"{'POST' if body is not None else 'GET'} /{self.network}/{route}"
                            + (f": {answer}" if answer else "")) from None
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            reason = getattr(e, "reason", e)
            raise NodeError(f"the node at {self.endpoint} did not answer {url} within {TIMEOUT_S:g} s ({reason})",
                            hint="check --endpoint (and that the node serves this network)") from None

    def _answer(self, response: Any, url: str) -> bytes:
        """The body of ``response``, read within :data:`TIMEOUT_S` in all (a node that sends a byte now and then
        would otherwise hold each read's timeout again and again) and at most :data:`MAX_ANSWER_BYTES`; NodeError
        otherwise."""
        deadline = time.monotonic() + TIMEOUT_S
        body = bytearray()
        while block := response.read1(1 << 16):
            body += block
            if len(body) > MAX_ANSWER_BYTES:
                raise NodeError(f"the node at {self.endpoint} answered {url} with more than {MAX_ANSWER_BYTES:,} bytes, "
                                "more than any answer of its API")
            if time.monotonic() > deadline:
                raise NodeError(f"the node at {self.endpoint} did not finish answering {url} within {TIMEOUT_S:g} s")
        return bytes(body)

    def _json(self, route: str) -> Any:
        raw = self._request(route)
        try:
            return json.loads(raw)
        except ValueError:
            raise NodeError(f"the node at {self.endpoint} answered /{self.network}/{route} with something that is "
                            f"not JSON: {raw[:200].decode('utf-8', 'replace')!r}") from None

    def height(self) -> int:
        """The latest block height; NodeError when the node does not give one."""
        h = self._json("block/height/latest")
        if not isinstance(h, int) or isinstance(h, bool) or not 0 <= h < 2**32:
            raise NodeError(f"the node at {self.endpoint} gave {h!r} as the latest block height (expected a u32)")
        return h

    def state_root(self) -> str:
        """The latest global state root (``sr1…``); NodeError when the node does not give one."""
        root = self._json("stateRoot/latest")
        if not isinstance(root, str) or not root.startswith("sr1"):
            raise NodeError(f"the node at {self.endpoint} gave {root!r} as the latest state root (expected sr1…)")
        return root

    def transaction(self, tx_id: str) -> dict[str, Any]:
        """The transaction ``tx_id`` (``at1…``) as the node serves it (its JSON object); NodeError when the node
        does not have it, does not answer, or answers something that is not that transaction. Whether it is
        valid is for :func:`pyleo.trust.verify` to say."""
        if not (tx_id.startswith("at1") and tx_id.isalnum() and len(tx_id) < 100):
            raise NodeError(f"{tx_id!r} is not a transaction ID (at1 followed by its bech32 digits)")
        doc = self._json(f"transaction/{tx_id}")
        if not isinstance(doc, dict) or doc.get("id") != tx_id:
            got = doc.get("id") if isinstance(doc, dict) else type(doc).__name__
            raise NodeError(f"the node at {self.endpoint} answered GET /{self.network}/transaction/{tx_id} with "
                            f"something other than that transaction (id {got!r})")
        return doc

    def broadcast(self, transaction_json: str) -> str:
        """POST a transaction; returns the node's answer as it is (a node answers the transaction ID as a
        JSON string). NodeError when it refuses it or does not answer."""
        return self._request("transaction/broadcast", transaction_json.encode()).decode("utf-8", "replace").strip()
