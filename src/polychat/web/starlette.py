"""Starlette routes serving a hub's webhooks (``pip install 'polychat[starlette]'``).

::

    from starlette.applications import Starlette
    from polychat.web.starlette import routes

    app = Starlette(routes=[*routes(hub, prefix="/webhooks"), ...])

``GET``/``POST {prefix}/{channel}`` (and deeper paths: Apple posts to ``…/message``). A POST is
verified, parsed and answered; its events are dispatched in a background task, after the answer
went out. An :class:`~polychat.AsyncHub` is awaited; a sync :class:`~polychat.Hub` runs in
Starlette's thread pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..events import Event
from ..hub import AsyncHub, Hub
from ..wire import WebhookRequest, WebhookResponse
from ._glue import is_served, missing, not_found, split_prefix
from ._limits import aread_capped, declared_length, max_body_or_default, too_large

try:
    from starlette.background import BackgroundTask
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute, Route
except ImportError as error:  # the framework comes with its extra
    raise missing("Starlette", "starlette", error) from error

__all__ = ["endpoint", "routes"]

METHODS = ["GET", "POST"]


def routes(hub: AsyncHub | Hub, *, prefix: str = "/webhooks",
           max_body: int | None = None) -> list[BaseRoute]:
    """Routes serving ``GET``/``POST {prefix}/{channel}`` and deeper paths for ``hub``.

    Args:
        hub: the hub whose channels answer (async or sync).
        prefix: the path the webhook URLs start with (``""`` for the root).
        max_body: the body cap in bytes (default :data:`polychat.web.DEFAULT_MAX_BODY`); a
            larger body gets 413.
    """
    view = endpoint(hub, max_body=max_body)
    base = split_prefix(prefix)
    return [Route(f"{base}/{{channel}}", view, methods=METHODS, name="polychat_webhook"),
            Route(f"{base}/{{channel}}/{{rest:path}}", view, methods=METHODS,
                  name="polychat_webhook_path")]


def endpoint(hub: AsyncHub | Hub, *,
             max_body: int | None = None) -> Callable[[Request], Awaitable[Response]]:
    """The request handler behind :func:`routes` (the channel comes from the ``channel`` path
    parameter), for mounting on a path of your own."""
    cap = max_body_or_default(max_body)

    async def webhook(request: Request) -> Response:
        name = str(request.path_params.get("channel", ""))
        if not is_served(hub, name):
            return _response(not_found())
        if (declared_length(request.headers.get("content-length")) or 0) > cap:
            return _response(too_large())
        body = await aread_capped(request.stream(), cap)
        if body is None:
            return _response(too_large())
        incoming = WebhookRequest(method=request.method, headers=dict(request.headers.items()),
                                  body=body, query=dict(request.query_params.items()))
        if isinstance(hub, AsyncHub):
            answer, events = await hub.receive(name, incoming)
        else:
            answer, events = await run_in_threadpool(hub.receive, name, incoming)
        return _response(answer, _after(hub, events))

    return webhook


def _after(hub: AsyncHub | Hub, events: list[Event]) -> BackgroundTask | None:
    """The dispatch to run once the answer is sent (Starlette threads a sync ``dispatch``)."""
    return BackgroundTask(hub.dispatch, events) if events else None


def _response(answer: WebhookResponse, background: BackgroundTask | None = None) -> Response:
    return Response(content=answer.body, status_code=answer.status, headers=answer.headers,
                    background=background)
