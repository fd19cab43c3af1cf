"""The web demo's HTTP server: the page's static files and a small JSON API, on 127.0.0.1 only.

Routes (JSON bodies; every answer to an action is the new state, as ``GET /api/state`` gives it):

- ``GET /`` the page; ``GET /app.js``, ``GET /style.css`` its script and style;
- ``GET /api/state`` every pane's transcript;
- ``POST /api/say`` ``{"channel", "text"}``: the customer sends a text;
- ``POST /api/tap`` ``{"channel", "message_id", "choice"}``: the customer taps a button, quick
  reply, list row or time slot of a message;
- ``POST /api/photo`` ``{"channel"}``: the customer sends a photo;
- ``POST /api/reset`` ``{}``: every conversation starts over.

The server only answers requests whose ``Host`` is the loopback address it listens on (so a web
page elsewhere cannot reach it through DNS rebinding), and actions only with a JSON content type
(so another site's form cannot post to it).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from ..testing import SimulatorError
from .session import DemoError, DemoSession

__all__ = ["DemoServer", "serve"]

logger = logging.getLogger("polychat.webdemo")

MAX_BODY = 64 * 1024
"""The largest request body the API reads."""
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
"""Path → (file in the ``static`` folder, content type)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _static(name: str) -> bytes:
    return resources.files("polychat._webdemo").joinpath("static", name).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """Answers one request of the page."""

    server: DemoServer
    protocol_version = "HTTP/1.1"
    server_version = "polychat-webdemo"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        return host in self.server.allowed_hosts

    def do_GET(self) -> None:
        """Serve the page, its files, or the state."""
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        path = self.path.split("?", 1)[0]
        if path == "/api/state":
            self._call(lambda session, _body: session.state(), {})
            return
        if path in STATIC:
            name, content_type = STATIC[path]
            self._send(HTTPStatus.OK, _static(name), content_type)
            return
        if path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
            return
        self._error(HTTPStatus.NOT_FOUND, "not found")

    def do_HEAD(self) -> None:
        """Answer like GET, without the body."""
        self.do_GET()

    def _read_body(self) -> bytes | None:
        """The request body (read first, so an early answer leaves the connection clean)."""
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a body is at most {MAX_BODY} bytes")
            return None
        return self.rfile.read(length)

    def do_POST(self) -> None:
        """Run one customer action."""
        raw = self._read_body()
        if raw is None:
            return
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        action = ACTIONS.get(self.path.split("?", 1)[0])
        if action is None:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON (application/json)")
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            return
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
            return
        self._call(action, body)

    def _call(self, action: Callable[[DemoSession, dict[str, Any]], dict[str, Any]],
              body: dict[str, Any]) -> None:
        try:
            state = action(self.server.session, body)
        except (DemoError, SimulatorError, ValueError) as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error))
            return
        except TimeoutError:
            self._error(HTTPStatus.GATEWAY_TIMEOUT, "the bot took too long to answer")
            return
        except Exception:
            logger.exception("web demo action failed")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the demo failed: see the terminal")
            return
        self._json(HTTPStatus.OK, state)


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise DemoError(f"{name!r} must be a string")
    return value


ACTIONS: dict[str, Callable[[DemoSession, dict[str, Any]], dict[str, Any]]] = {
    "/api/say": lambda s, b: s.say(_field(b, "channel"), _field(b, "text")),
    "/api/tap": lambda s, b: s.tap(_field(b, "channel"), _field(b, "message_id"),
                                   _field(b, "choice")),
    "/api/photo": lambda s, b: s.photo(_field(b, "channel")),
    "/api/reset": lambda s, _b: s.reset(),
}
"""POST path → what it does to the session."""


class DemoServer(ThreadingHTTPServer):
    """The web demo's HTTP server, bound to 127.0.0.1.

    Args:
        session: the conversation state it serves (started by the caller).
        port: the TCP port; 0 picks a free one (see :attr:`url`).

    Run it with :meth:`serve_forever` (blocking) or :meth:`start` (a daemon thread); stop it with
    :meth:`close`.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, session: DemoSession, port: int = 8000) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.session = session
        self.port = int(self.server_address[1])
        self.allowed_hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> DemoServer:
        """Serve in a daemon thread (tests, embedding); returns ``self``."""
        self._thread = threading.Thread(target=self.serve_forever, name="polychat-webdemo-http",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (if :meth:`start` runs it) and release the port."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def serve(bot_path: str | None = None, *, port: int = 8000, open_browser: bool = True,
          channels: Sequence[str] | None = None, out: Any = None) -> int:
    """``polychat demo --web``: serve the three-pane demo page until Ctrl-C.

    Args:
        bot_path: the bot module (default: the shipped ``examples/order_bot.py``).
        port: the port on 127.0.0.1 (0: any free one).
        open_browser: open the page in the default browser.
        channels: only these channel names (default: all).
        out: where to write (default: stdout).

    Returns:
        The exit status: 0 after Ctrl-C, 1 when the port is taken.
    """
    from ..cli import load_bot

    write = (out or sys.stdout).write
    session = DemoSession(load_bot(bot_path), channels=channels)
    try:
        server = DemoServer(session, port)
    except OSError as error:
        write(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}; "
              "try --port with another number\n")
        return 1
    root = logging.getLogger()
    console: logging.Handler | None = None
    if not root.handlers:  # the bot's errors reach the terminal too, not only the page
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    try:
        session.start()
        for missing in session.state()["unavailable"]:
            write(f"({missing['title']} is skipped: {missing['reason']})\n")
        write(f"polychat web demo on {server.url} — one bot, every simulated channel; "
              "Ctrl-C stops it\n")
        if open_browser:
            webbrowser.open(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        write("\nstopped\n")
    finally:
        server.server_close()
        session.close()
        if console is not None:
            root.removeHandler(console)
    return 0
