"""Shared pieces of the fault-injection tests: the three channels pointed at a fake platform, hubs
with recorded (never real) sleeps, and a real HTTP server on 127.0.0.1 that misbehaves on cue.

:class:`LocalServer` runs an ``asyncio`` server in a thread of its own, so both hubs — the blocking
one and the async one — talk to it over a real socket and meet the real httpx error types (a reset
connection, a read timeout, a garbage answer) rather than exceptions a mock raises.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

import polychat
from polychat._http import AsyncTransport, RetryPolicy, SyncTransport

__all__ = ["CHANNELS", "LocalServer", "Sleeps", "Spec", "build_hub", "free_port", "garbage", "ok",
           "reset", "run_send", "slow"]

PHONE_NUMBER_ID = "106540352242922"
WA_ID = "16505551234"
PAGE_ID = "1234567890"
PSID = "1254459154682919"
BUSINESS_ID = "fake-business-0000-aaaa"
CUSTOMER = "urn:mbid:AQAAY/fakeCustomer+Id0000="
WA_TOKEN = "EAAG-FAKE-FAULTS-WA-TOKEN-0000"
FB_TOKEN = "EAAG-FAKE-FAULTS-FB-TOKEN-0000"
APP_SECRET = "fake-faults-app-secret-0000"
APPLE_SECRET = base64.b64encode(b"fake-faults-secret-0123456789abc").decode()


@dataclass(frozen=True)
class Spec:
    """One channel under test: how to build it, where it sends, what success looks like."""

    name: str
    path: str
    """The send endpoint's path (under the channel's base URL)."""
    address: str
    secrets: tuple[str, ...]

    def make(self, base_url: str) -> polychat.Channel:
        """The channel with fake credentials, sending to ``base_url``, pacing off."""
        if self.name == "whatsapp":
            return polychat.WhatsApp(phone_number_id=PHONE_NUMBER_ID, access_token=WA_TOKEN,
                                     app_secret=APP_SECRET, base_url=base_url, pacing=())
        if self.name == "messenger":
            return polychat.Messenger(page_id=PAGE_ID, page_access_token=FB_TOKEN,
                                      app_secret=APP_SECRET, base_url=base_url, pacing=())
        return polychat.AppleMessages(msp_id="fake-msp-id", secret=APPLE_SECRET,
                                      business_id=BUSINESS_ID, base_url=base_url, pacing=())

    def ok_json(self, n: int) -> bytes:
        """The platform's success body for the ``n``-th message (Apple answers an empty body)."""
        if self.name == "whatsapp":
            return (b'{"messaging_product":"whatsapp","contacts":[{"input":"%s","wa_id":"%s"}],'
                    b'"messages":[{"id":"wamid.FAKE%d"}]}' % (WA_ID.encode(), WA_ID.encode(), n))
        if self.name == "messenger":
            return b'{"recipient_id":"%s","message_id":"m_FAKE%d"}' % (PSID.encode(), n)
        return b""

    def ok(self, n: int) -> httpx.Response:
        """The success response for the ``n``-th message."""
        return httpx.Response(200, content=self.ok_json(n),
                              headers={"content-type": "application/json"})

    def message_id(self, n: int, request: httpx.Request) -> str:
        """The id the hub reports for the ``n``-th message, sent as ``request``."""
        if self.name == "whatsapp":
            return f"wamid.FAKE{n}"
        if self.name == "messenger":
            return f"m_FAKE{n}"
        return request.headers["id"]  # Apple: the sender picks the id

    @property
    def sends_json_answers(self) -> bool:
        """Whether a send's answer must be JSON (Graph) or may be anything (Apple's is empty)."""
        return self.name != "apple"


CHANNELS = {
    "whatsapp": Spec("whatsapp", f"/v25.0/{PHONE_NUMBER_ID}/messages",
                     f"whatsapp:{PHONE_NUMBER_ID}:{WA_ID}", (WA_TOKEN, APP_SECRET)),
    "messenger": Spec("messenger", f"/v25.0/{PAGE_ID}/messages",
                      f"messenger:{PAGE_ID}:{PSID}", (FB_TOKEN, APP_SECRET)),
    "apple": Spec("apple", "/v1/message", f"apple:{BUSINESS_ID}:{CUSTOMER}",
                  (APPLE_SECRET, base64.b64decode(APPLE_SECRET).decode())),
}


class Sleeps(list[float]):
    """Records the waits asked for instead of waiting (sync and async faces)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


Hook = Callable[[float], None]


def build_hub(flavor: str, spec: Spec, base_url: str, *, retry: RetryPolicy | None = None,
              timeout: httpx.Timeout | float | None = None,
              on_sleep: Hook | None = None) -> tuple[polychat.AsyncHub | polychat.Hub, Sleeps]:
    """A hub of ``flavor`` (``"async"`` / ``"sync"``) serving ``spec``'s channel; its retry waits
    are recorded, not slept (``on_sleep`` runs at each, e.g. to start a server)."""
    retry = retry or RetryPolicy(jitter=0)
    sleeps = Sleeps()
    channel = spec.make(base_url)

    def record(seconds: float) -> None:
        sleeps(seconds)
        if on_sleep is not None:
            on_sleep(seconds)

    async def arecord(seconds: float) -> None:
        record(seconds)

    hub: polychat.AsyncHub | polychat.Hub
    if flavor == "async":
        hub = polychat.AsyncHub(channel)
        hub.http = AsyncTransport(transport=httpx.AsyncHTTPTransport(verify=_tls()),
                                  timeout=timeout, retry=retry, sleep=arecord)
        hub.sleep = arecord
    else:
        hub = polychat.Hub(channel)
        hub.http = SyncTransport(transport=httpx.HTTPTransport(verify=_tls()),
                                 timeout=timeout, retry=retry, sleep=record)
        hub.sleep = record
    return hub, sleeps


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every test hub (loading the CA bundle per client costs ~50 ms; the
    fake platforms speak plain HTTP or are mocked, so it is never used for a handshake)."""
    return ssl.create_default_context()


async def run_send(hub: polychat.AsyncHub | polychat.Hub, to: str, content: Any) -> polychat.SendResult:
    """``hub.send`` whatever the hub's flavor; the hub is closed after."""
    try:
        if isinstance(hub, polychat.AsyncHub):
            return await hub.send(to, content)
        return hub.send(to, content)
    finally:
        if isinstance(hub, polychat.AsyncHub):
            await hub.aclose()
        else:
            hub.close()


# -- a real server -------------------------------------------------------------------------------

Action = Callable[[asyncio.StreamWriter], Awaitable[bool]]
"""What the server does once it has read a request; returns whether the connection stays open."""


def ok(body: bytes = b"{}", status: int = 200, content_type: str = "application/json") -> Action:
    """Answer ``status`` with ``body``, keeping the connection open."""
    async def answer(writer: asyncio.StreamWriter) -> bool:
        head = (f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        writer.write(head + body)
        await writer.drain()
        return True
    return answer


def reset() -> Action:
    """Reset the connection (TCP RST) without answering."""
    async def abort(writer: asyncio.StreamWriter) -> bool:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return False
    return abort


def slow(seconds: float, then: Action) -> Action:
    """Wait ``seconds``, then do ``then``."""
    async def wait(writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(seconds)
        return await then(writer)
    return wait


def garbage() -> Action:
    """Answer bytes that are not HTTP, then close."""
    async def junk(writer: asyncio.StreamWriter) -> bool:
        writer.write(b"\x00\x01 this is not HTTP at all\r\n\r\n")
        await writer.drain()
        writer.close()
        return False
    return junk


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class LocalServer:
    """An HTTP/1.1 server on 127.0.0.1; the n-th request gets ``actions[n]`` (the last repeats).

    Use it as a context manager. :attr:`requests` holds every request received in full (the
    number that reached the platform), :attr:`url` the base URL to point a channel at.
    """

    actions: list[Action]
    port: int = 0
    requests: list[bytes] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalServer:
        """Listen (on :attr:`port`, or a free one) and serve in a background thread."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, daemon=True)
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port), loop).result(5)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and end the thread."""
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        loop.close()
        self._loop = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        try:
            body = await reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        return head + body

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        keep = True
        try:
            while keep:
                request = await self._read_request(reader)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                    action = self.actions[min(len(self.requests), len(self.actions)) - 1]
                keep = await action(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


@contextlib.contextmanager
def serving(*actions: Action, port: int = 0) -> Iterator[LocalServer]:
    """A started :class:`LocalServer`, stopped on exit."""
    server = LocalServer(list(actions), port=port).start()
    try:
        yield server
    finally:
        server.stop()
