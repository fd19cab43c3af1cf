"""Bots running on real sockets on 127.0.0.1, for the ``polychat simulate --url`` tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import polychat


def free_socket() -> socket.socket:
    """A listening-ready TCP socket bound to a free port on 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A port that was free a moment ago."""
    with free_socket() as sock:
        return int(sock.getsockname()[1])


class AsgiBot:
    """An ASGI app served by uvicorn in a thread, on a socket bound in advance."""

    def __init__(self) -> None:
        self.sock = free_socket()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self, app: Any) -> None:
        """Serve ``app``; returns once uvicorn is accepting connections."""
        import uvicorn

        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        """Stop uvicorn (the hub closes on lifespan shutdown) and free the socket."""
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.sock.close()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def wsgi_bot(app: Any) -> Iterator[str]:
    """Serve a WSGI app from a thread; yields its base URL."""
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def recording_bot(channel: polychat.Channel, events: list[polychat.Event]) -> polychat.AsyncHub:
    """An async bot: a menu for any text, an answer to a choice, the size of a photo."""
    hub = polychat.AsyncHub(channel)

    @hub.on(polychat.ChoiceSelected)
    async def chose(event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        events.append(event)
        await ctx.reply(polychat.Text(text=f"You chose {event.choice_id}"))

    @hub.on(polychat.MessageReceived)
    async def menu(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        events.append(event)
        if isinstance(event.content, polychat.Image):
            data = await ctx.download(event.content)
            await ctx.reply(polychat.Text(text=f"Got your photo: {len(data)} bytes"))
            return
        await ctx.reply(polychat.Buttons(text="Track your order?", buttons=[
            polychat.Button.reply("yes", "Yes"), polychat.Button.reply("no", "No")]))

    return hub


def sync_recording_bot(channel: polychat.Channel, events: list[polychat.Event]) -> polychat.Hub:
    """The blocking twin of :func:`recording_bot` (no photos)."""
    hub = polychat.Hub(channel)

    @hub.on(polychat.ChoiceSelected)
    def chose(event: polychat.ChoiceSelected, ctx: polychat.SyncContext) -> None:
        events.append(event)
        ctx.reply(polychat.Text(text=f"You chose {event.choice_id}"))

    @hub.on(polychat.MessageReceived)
    def menu(event: polychat.MessageReceived, ctx: polychat.SyncContext) -> None:
        events.append(event)
        ctx.reply(polychat.Buttons(text="Track your order?", buttons=[
            polychat.Button.reply("yes", "Yes"), polychat.Button.reply("no", "No")]))

    return hub
