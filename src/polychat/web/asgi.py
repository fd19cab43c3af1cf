"""A dependency-free ASGI app serving a hub's webhooks (uvicorn, hypercorn, or mounted in
Starlette/FastAPI with ``app.mount("/webhooks", hub.asgi(path_prefix=""))``: the mount point,
passed as ``root_path``, is stripped from the path).

Routes: ``GET {prefix}/{channel}`` (subscription handshake) and ``POST {prefix}/{channel}``
(events). A POST is verified and parsed, answered (200, or 401/400 for a bad signature or body),
and only then dispatched, so handlers never delay the platform's acknowledgement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..wire import WebhookRequest, WebhookResponse
from ._limits import DEFAULT_MAX_BODY, declared_length, max_body_or_default, too_large

if TYPE_CHECKING:
    from ..hub import AsyncHub, Hub

__all__ = ["DEFAULT_MAX_BODY", "ASGIApp"]

logger = logging.getLogger("polychat.web")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ASGIApp:
    """ASGI application for :meth:`AsyncHub.asgi` / :meth:`Hub.asgi` (sync hubs run in a thread).

    A body larger than ``max_body`` bytes (default :data:`DEFAULT_MAX_BODY`) gets 413, refused
    from its ``Content-Length`` when it has one, else once the bytes read pass the cap.
    """

    def __init__(self, hub: AsyncHub | Hub, *, path_prefix: str = "/webhooks",
                 max_body: int | None = None) -> None:
        self.hub = hub
        self.prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self.max_body = max_body_or_default(max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]  # mounted (Starlette passes the full path and the mount point)
        name = self._channel_name(path)
        if name is None:
            await _respond(send, WebhookResponse(status=404, body=b"not found"))
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if (declared_length(headers.get("content-length")) or 0) > self.max_body:
            await _respond(send, too_large())
            return
        body = await self._read_body(receive)
        if body is None:
            await _respond(send, too_large())
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                               keep_blank_values=True))
        request = WebhookRequest(method=scope.get("method", "GET"), headers=headers, body=body,
                                 query=query)
        from ..hub import AsyncHub

        if isinstance(self.hub, AsyncHub):
            response, events = await self.hub.receive(name, request)
            await _respond(send, response)
            await self.hub.dispatch(events)
        else:
            sync_hub = self.hub
            response, events = await asyncio.to_thread(sync_hub.receive, name, request)
            await _respond(send, response)
            await asyncio.to_thread(sync_hub.dispatch, events)

    def _channel_name(self, path: str) -> str | None:
        if self.prefix and not (path == self.prefix or path.startswith(self.prefix + "/")):
            return None
        rest = path[len(self.prefix):].strip("/")
        # {prefix}/{channel}, or deeper (Apple posts to "<registered endpoint>/message")
        return rest.split("/", 1)[0] or None

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                close = getattr(self.hub, "aclose", None)
                if close is not None:
                    await close()
                else:
                    await asyncio.to_thread(self.hub.close)  # type: ignore[union-attr]
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _respond(send: Send, response: WebhookResponse) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in response.headers.items()]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
