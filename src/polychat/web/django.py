"""Django URL patterns serving a hub's webhooks (``pip install 'polychat[django]'``).

::

    # urls.py
    from polychat.web.django import urlpatterns as polychat_urls

    urlpatterns = [*polychat_urls(hub, prefix="webhooks/"), ...]

``GET``/``POST {prefix}<channel>`` (and deeper paths: Apple posts to ``…/message``), exempt from
CSRF checks (the platforms sign their requests instead). A sync :class:`~polychat.Hub` gets a
sync view whose events are dispatched when the server closes the response, after the answer
went out. An :class:`~polychat.AsyncHub` gets an async view: under ASGI the events are dispatched
in a task on the server's event loop once the view returned; under WSGI (where Django runs an
async view in a throw-away event loop) they are dispatched before answering — serve an
``AsyncHub`` with ASGI, or use a ``Hub`` under WSGI.

The body is read from the request stream with polychat's own cap (``max_body``), so Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB by default, below Meta's 3 MB) does not apply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ..events import Event
from ..hub import AsyncHub, Hub
from ..wire import WebhookRequest, WebhookResponse
from ._glue import is_served, missing, not_found
from ._limits import declared_length, max_body_or_default, read_capped, too_large

try:
    from django.core.handlers.asgi import ASGIRequest
    from django.http import HttpRequest, HttpResponse
    from django.urls import URLPattern, path
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_http_methods
except ImportError as error:  # the framework comes with its extra
    raise missing("Django", "django", error) from error

__all__ = ["DispatchingResponse", "urlpatterns"]

logger = logging.getLogger("polychat.web")

METHODS = ["GET", "POST"]

_running: set[asyncio.Task[None]] = set()
"""Dispatch tasks in flight (the event loop keeps only weak references to tasks)."""


class DispatchingResponse(HttpResponse):
    """An ``HttpResponse`` that dispatches a hub's events when the server closes it.

    The WSGI server (or Django's ASGI handler) calls ``close()`` once the answer is sent.
    """

    def __init__(self, answer: WebhookResponse, hub: Hub, events: list[Event]) -> None:
        super().__init__(answer.body, status=answer.status, headers=answer.headers)
        self._hub = hub
        self._events = events

    def close(self) -> None:
        """Dispatch the events (once), then let Django finish the request."""
        events, self._events = self._events, []
        try:
            if events:
                self._hub.dispatch(events)
        finally:
            super().close()


def urlpatterns(hub: AsyncHub | Hub, *, prefix: str = "webhooks/",
                max_body: int | None = None) -> list[URLPattern]:
    """URL patterns for ``GET``/``POST {prefix}<channel>`` and deeper paths, serving ``hub``.

    Args:
        hub: a sync ``Hub`` (sync view) or an ``AsyncHub`` (async view).
        prefix: the path the webhook URLs start with, Django style (no leading slash; ``""``
            for the root).
        max_body: the body cap in bytes (default :data:`polychat.web.DEFAULT_MAX_BODY`); a
            larger body gets 413.
    """
    cap = max_body_or_default(max_body)
    base = prefix.strip("/")
    base = f"{base}/" if base else ""
    routes = [(f"{base}<str:channel>", "polychat-webhook"),
              (f"{base}<str:channel>/<path:rest>", "polychat-webhook-path")]
    if isinstance(hub, AsyncHub):
        async_view = csrf_exempt(require_http_methods(METHODS)(_async_view(hub, cap)))
        return [path(route, async_view, name=name) for route, name in routes]
    sync_view = csrf_exempt(require_http_methods(METHODS)(_sync_view(hub, cap)))
    return [path(route, sync_view, name=name) for route, name in routes]


def _read(request: HttpRequest, hub: AsyncHub | Hub, channel: str,
          cap: int) -> WebhookRequest | WebhookResponse:
    """The hub's view of ``request``, or the early answer (404, 413)."""
    if not is_served(hub, channel):
        return not_found()
    if (declared_length(request.META.get("CONTENT_LENGTH")) or 0) > cap:
        return too_large()
    body = read_capped(request, cap)
    if body is None:
        return too_large()
    return WebhookRequest(method=request.method or "GET", headers=dict(request.headers.items()),
                          body=body, query=request.GET.dict())


def _plain(answer: WebhookResponse) -> HttpResponse:
    return HttpResponse(answer.body, status=answer.status, headers=answer.headers)


def _sync_view(hub: Hub, cap: int) -> Callable[..., HttpResponse]:
    def webhook(request: HttpRequest, channel: str, rest: str = "") -> HttpResponse:
        incoming = _read(request, hub, channel, cap)
        if isinstance(incoming, WebhookResponse):
            return _plain(incoming)
        answer, events = hub.receive(channel, incoming)
        return DispatchingResponse(answer, hub, events)

    return webhook


def _async_view(hub: AsyncHub, cap: int) -> Callable[..., Coroutine[Any, Any, HttpResponse]]:
    async def webhook(request: HttpRequest, channel: str, rest: str = "") -> HttpResponse:
        incoming = _read(request, hub, channel, cap)
        if isinstance(incoming, WebhookResponse):
            return _plain(incoming)
        answer, events = await hub.receive(channel, incoming)
        if events:
            if isinstance(request, ASGIRequest):
                _start(hub.dispatch(events))
            else:
                logger.warning("an AsyncHub served by Django under WSGI dispatches before "
                               "answering: serve it with ASGI", extra={"channel": channel})
                await hub.dispatch(events)
        return _plain(answer)

    return webhook


def _start(dispatch: Coroutine[Any, Any, None]) -> None:
    """Run ``dispatch`` in a task, referenced until it is done."""
    task = asyncio.get_running_loop().create_task(dispatch)
    _running.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[None]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("dispatching webhook events failed", exc_info=task.exception())
