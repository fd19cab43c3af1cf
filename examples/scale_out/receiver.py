"""The stateless webhook receiver: verify, de-duplicate, enqueue, answer. It never runs handlers.

Run as many copies as you like behind a load balancer (``uvicorn examples.scale_out.receiver:app``)::

    POST /webhooks/{channel}  hub.receive() checks the signature, parses the body and records each
                              event in the shared store (a re-delivery, even to another receiver,
                              is recognised there); each NEW event goes to the arq queue as JSON,
                              and only then does the platform get its 200.
    GET  /webhooks/{channel}  the Meta subscription handshake.

The job id is derived from the event's de-duplication key, so even an event enqueued twice (say,
after a receiver lost its answer from Redis and the platform re-delivered) is one job.
If the queue cannot be reached, the receiver un-records the events it could not enqueue and
answers 503, so the platform re-delivers them later instead of them being lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

import polychat
from polychat.web import DEFAULT_MAX_BODY

from .settings import Settings, channels_from_env

__all__ = ["JOB_FUNCTION", "LazyReceiver", "Receiver", "app", "job_id"]

logger = logging.getLogger("polychat.examples.receiver")

JOB_FUNCTION = "handle_event"
"""The name of the worker function that takes the queued events (see ``worker.py``)."""
MAX_BODY = DEFAULT_MAX_BODY  # Meta sends at most 3 MB

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def job_id(event: polychat.Event, queue_name: str) -> str:
    """The arq job id of ``event``: stable across receivers and re-deliveries, one per event."""
    digest = hashlib.sha256(polychat.AsyncHub.event_key(event).encode()).hexdigest()[:32]
    return f"{queue_name}:{digest}"


class Receiver:
    """ASGI app that puts every new webhook event on an arq queue for the workers.

    Args:
        hub: a hub with the bot's channels and the SHARED store (its handlers are never called:
            a receiver needs no handlers registered).
        queue: an arq Redis pool (``await arq.create_pool(...)``).
        queue_name: the queue the workers listen to.
        path_prefix: the webhook URLs are ``{path_prefix}/{channel name}``.
    """

    def __init__(self, hub: polychat.AsyncHub, queue: ArqRedis, *, queue_name: str,
                 path_prefix: str = "/webhooks") -> None:
        self.hub = hub
        self.queue = queue
        self.queue_name = queue_name
        self.prefix = "/" + path_prefix.strip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, self.aclose)
            return
        if scope["type"] != "http":
            return
        path: str = scope.get("path", "")
        name = path[len(self.prefix):].strip("/").split("/", 1)[0]
        if not path.startswith(self.prefix + "/") or not name:
            await _respond(send, polychat.WebhookResponse(status=404, body=b"not found"))
            return
        body = await _read_body(receive)
        if body is None:
            await _respond(send, polychat.WebhookResponse(status=413, body=b"body too large"))
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                               keep_blank_values=True))
        request = polychat.WebhookRequest(method=scope.get("method", "GET"), headers=headers,
                                          body=body, query=query)
        await _respond(send, await self.handle(name, request))

    async def handle(self, channel_name: str,
                     request: polychat.WebhookRequest) -> polychat.WebhookResponse:
        """Receive one webhook and enqueue its new events; the answer to give the platform."""
        try:
            response, events = await self.hub.receive(channel_name, request)
        except Exception:  # the shared store is unreachable: let the platform re-deliver
            logger.exception("webhook not received", extra={"channel": channel_name})
            return polychat.WebhookResponse(status=503, body=b"try again later")
        for done, event in enumerate(events):
            try:
                await self.enqueue(event)
            except Exception:
                logger.exception("could not enqueue %s", event.id,
                                 extra={"channel": channel_name, "event_id": event.id})
                await self._forget(events[done:])
                return polychat.WebhookResponse(status=503, body=b"try again later")
        return response

    async def enqueue(self, event: polychat.Event) -> bool:
        """Put ``event`` on the queue; False when a job with its id already exists."""
        job = await self.queue.enqueue_job(JOB_FUNCTION, event.model_dump_json(),
                                           _job_id=job_id(event, self.queue_name),
                                           _queue_name=self.queue_name)
        return job is not None

    async def _forget(self, events: list[polychat.Event]) -> None:
        """Un-record events that were not enqueued, so the platform's re-delivery is new again."""
        try:
            await self.hub.forget(events)
        except Exception:
            logger.exception("%d event(s) not enqueued and not forgotten", len(events))

    async def aclose(self) -> None:
        """Close the queue's connections, the hub and its store."""
        await self.queue.aclose()
        await self.hub.aclose()
        await _close_store(self.hub)


class LazyReceiver:
    """The ASGI app ``uvicorn`` serves: builds a :class:`Receiver` from the environment on first
    use (lifespan startup, or the first request), so importing this module does no I/O."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        self._receiver: Receiver | None = None
        self._lock = asyncio.Lock()

    async def receiver(self) -> Receiver:
        """The receiver, built once."""
        async with self._lock:
            if self._receiver is None:
                settings = self.settings or Settings.from_env()
                hub = polychat.AsyncHub(*channels_from_env(), store=settings.store())
                queue = await create_pool(RedisSettings.from_dsn(settings.redis_url))
                self._receiver = Receiver(hub, queue, queue_name=settings.queue_name)
            return self._receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, self._shutdown, startup=self.receiver)
            return
        await (await self.receiver())(scope, receive, send)

    async def _shutdown(self) -> None:
        if self._receiver is not None:
            await self._receiver.aclose()


async def _close_store(hub: polychat.AsyncHub) -> None:
    """Close the connections the hub's store opened (a RedisStore has ``aclose``)."""
    close = getattr(hub.store, "aclose", None)
    if close is not None:
        await close()


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, response: polychat.WebhookResponse) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send, shutdown: Callable[[], Awaitable[None]],
                    startup: Callable[[], Awaitable[object]] | None = None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                if startup is not None:
                    await startup()
            except Exception as error:  # e.g. no channel configured: refuse to start, say why
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


app = LazyReceiver()
"""The app to serve: ``uvicorn examples.scale_out.receiver:app``."""
