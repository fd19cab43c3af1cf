"""The simulator's fake platform APIs served over real HTTP on 127.0.0.1 (``polychat simulate --url``).

A bot running in its own process points its channel's ``base_url`` at :attr:`FakeApiServer.base_url`;
every request it makes there is answered by the :class:`~polychat.testing.Simulator`'s fakes, exactly
as in-process tests are (same validation, same recorded :attr:`~polychat.testing.Simulator.sent`).

The fakes hand out URLs on the platforms' file hosts (WhatsApp's ``lookaside.fbsbx.com``, Messenger's
``fbcdn.net``, Apple's iCloud MMCS). A bot in another process would fetch those from the real
internet, so :class:`UrlMap` rewrites them, in JSON answers and webhook bodies, to paths of this
server (``/_sim/<host>/…``) — which the channels accept, being on their ``base_url``'s origin — and
maps them back on the way in, so the fakes only ever see their own URLs.

Standard library only (``http.server`` in a daemon thread): no new dependency.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

__all__ = ["DEFAULT_PORT", "FakeApiServer", "UrlMap"]

DEFAULT_PORT = 8765
"""The port ``polychat simulate --url`` serves the fake APIs on unless ``--port`` says otherwise."""
LOCAL_PREFIX = "/_sim/"
MAX_BODY = 64 * 1024 * 1024
"""Largest request body the fake API reads (Apple attachments go up to 100 MB in real life)."""


def _foreign_hosts() -> dict[str, str]:
    from .testing._apple_api import MMCS
    from .testing._messenger_api import CDN
    from .testing._whatsapp_api import LOOKASIDE

    return {"lookaside": LOOKASIDE, "fbcdn": CDN, "mmcs": MMCS}


class UrlMap:
    """Rewrites the fakes' file-host URLs to this server's paths and back (pure).

    Args:
        base_url: this server's origin, e.g. ``http://127.0.0.1:8765``.
        hosts: name → URL prefix on a foreign host (default: the fakes' file hosts).
    """

    def __init__(self, base_url: str, hosts: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.pairs = [(prefix, f"{self.base_url}{LOCAL_PREFIX}{name}/")
                      for name, prefix in (hosts if hosts is not None else _foreign_hosts()).items()]

    def to_local(self, data: bytes) -> bytes:
        """Foreign file URLs in ``data`` replaced by this server's."""
        for foreign, local in self.pairs:
            data = data.replace(foreign.encode(), local.encode())
        return data

    def to_foreign(self, data: bytes) -> bytes:
        """This server's file URLs in ``data`` replaced by the foreign ones the fakes know."""
        for foreign, local in self.pairs:
            data = data.replace(local.encode(), foreign.encode())
        return data

    def text_to_foreign(self, text: str) -> str:
        """:meth:`to_foreign` for a header value or a URL."""
        return self.to_foreign(text.encode("utf-8", "surrogateescape")).decode(
            "utf-8", "surrogateescape")


def _is_json(content_type: str | None) -> bool:
    return "json" in (content_type or "").lower()


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into an ``httpx.Request`` for the simulator and writes its answer."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the conversation, not an access log."""

    def _serve(self) -> None:
        owner = self.server.owner
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            self._answer(411, b'{"error":{"message":"send a Content-Length","code":0}}')
            return
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(413, b'{"error":{"message":"body too large","code":0}}')
            return
        body = self.rfile.read(length) if length else b""
        try:
            status, headers, content = owner.answer(self.command, self.path,
                                                    list(self.headers.items()), body)
        except Exception as exc:  # a fake's bug must not kill the server thread
            owner.report(f"the fake API failed on {self.command} {self.path.split('?')[0]}: "
                         f"{type(exc).__name__}")
            self._answer(500, b'{"error":{"message":"simulator error","code":2}}')
            return
        self._answer(status, content, headers)

    do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - the stdlib's handler names

    def _answer(self, status: int, content: bytes,
                headers: Iterable[tuple[str, str]] = (("content-type", "application/json"),)
                ) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "content-encoding",
                                    "connection", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeApiServer


class FakeApiServer:
    """The fake platform APIs of a simulator, on ``http://127.0.0.1:<port>``.

    The socket is bound at construction (``port=0`` picks a free one), so :attr:`base_url` is
    known before the channels are built; :meth:`start` serves ``sim`` from a daemon thread.

    Args:
        host: the interface (loopback by default: the fake API has no authentication of its own).
        port: the TCP port.
        report: called with a one-line message when a request could not be answered.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 report: Callable[[str], None] | None = None) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self._thread: threading.Thread | None = None
        self.sim: Any = None
        self.report = report or (lambda message: None)
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = f"http://{bound_host!s}:{bound_port}"
        """The origin a bot's channel must use as ``base_url``."""
        self.urls = UrlMap(self.base_url)

    def answer(self, method: str, path: str, headers: list[tuple[str, str]],
               body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Answer one request with the simulator: (status, headers, body)."""
        if self.sim is None:
            return 503, [("content-type", "application/json")], b'{"error":{"message":"not ready"}}'
        url = self.urls.text_to_foreign(self.base_url + path)
        if _is_json(dict((k.lower(), v) for k, v in headers).get("content-type")):
            body = self.urls.to_foreign(body)
        request = httpx.Request(method, url, content=body, headers=[
            (name, self.urls.text_to_foreign(value)) for name, value in headers
            if name.lower() not in ("host", "content-length", "transfer-encoding")])
        response = self.sim.handle_request(request)
        content = response.read()
        if _is_json(response.headers.get("content-type")):
            content = self.urls.to_local(content)
        out = [(name, self.urls.to_local(value.encode()).decode()) for name, value
               in response.headers.multi_items()]
        return response.status_code, out, content

    def start(self, sim: Any) -> None:
        """Serve ``sim``'s fakes from a daemon thread."""
        self.sim = sim
        self._thread = threading.Thread(target=self._server.serve_forever, name="polychat-fake-api",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeApiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
