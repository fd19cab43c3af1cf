"""A tiny HTTP/1.1 keep-alive server on 127.0.0.1 that answers like the platforms' send APIs.

Run by ``outbound.py`` in its own process (so client and server do not share a GIL):
``python bench/_server.py`` binds an ephemeral port on 127.0.0.1, prints it on one line, and
serves until its stdin closes or it is terminated. It answers:

- ``POST /{version}/{phone-number-id}/messages`` with a JSON body that has ``messaging_product``
  → WhatsApp's ``{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}``;
- ``POST /{version}/{page-id}/messages`` (or ``/me/messages``) → Messenger's
  ``{"recipient_id", "message_id"}``;
- ``POST /v1/message`` → Apple's ``200`` with an empty body;
- anything else → ``404`` with a Graph-style error.

It is deliberately minimal (no validation: the simulator validates bodies in the test suite), so
that it is never the bottleneck: it answers many times faster than one client core can send.
Request bodies need ``Content-Length`` (httpx always sends it); chunked bodies are not served.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys

_ids = itertools.count(1)


def answer(method: bytes, path: bytes, body: bytes) -> tuple[bytes, bytes]:
    """The status line and JSON body for one request."""
    route = path.split(b"?", 1)[0]
    if method == b"POST" and route == b"/v1/message":
        return b"200 OK", b""
    if method == b"POST" and route.endswith(b"/messages"):
        try:
            data = json.loads(body)
        except ValueError:
            return b"400 Bad Request", b'{"error":{"message":"not JSON","code":100}}'
        serial = next(_ids)
        if isinstance(data, dict) and data.get("messaging_product") == "whatsapp":
            to = str(data.get("to", ""))
            return b"200 OK", json.dumps({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.SERVER{serial:012d}"}],
            }).encode()
        recipient = (data.get("recipient") or {}).get("id") if isinstance(data, dict) else None
        return b"200 OK", json.dumps({"recipient_id": recipient,
                                      "message_id": f"m_SERVER{serial:012d}"}).encode()
    return b"404 Not Found", b'{"error":{"message":"unknown path","code":100}}'


class Connection(asyncio.Protocol):
    """One keep-alive connection: parse requests as bytes arrive, answer each in order."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            method, path, _ = head[0].split(b" ", 2)
            length, close = 0, False
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            status, payload = answer(method, path, body)
            assert self.transport is not None
            self.transport.write(
                b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\ncontent-length: "
                + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            if close:
                self.transport.close()
                return


async def serve() -> None:
    """Serve on an ephemeral port of 127.0.0.1 until stdin closes."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", 0, backlog=256)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closes our stdin to stop us
    server.close()


if __name__ == "__main__":
    asyncio.run(serve())
