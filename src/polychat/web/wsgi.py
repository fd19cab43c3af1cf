"""A dependency-free WSGI app serving a sync :class:`~polychat.Hub`'s webhooks (Flask, Django,
gunicorn…: ``app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/webhooks": hub.wsgi("")})`` or
mount it however your framework mounts WSGI apps).

Routes: ``GET {prefix}/{channel}`` (subscription handshake) and ``POST {prefix}/{channel}``
(events). A POST is verified and parsed, answered, and its events are dispatched when the server
closes the response — after the answer went out — so slow handlers never make the platform
re-deliver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..wire import WebhookRequest, WebhookResponse
from ._limits import DEFAULT_MAX_BODY, declared_length, max_body_or_default, read_capped, too_large

if TYPE_CHECKING:
    from ..events import Event
    from ..hub import Hub

__all__ = ["DEFAULT_MAX_BODY", "WSGIApp"]

StartResponse = Callable[..., Any]

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
            500: "Internal Server Error"}


class _AnswerThenDispatch:
    """The response body; the server calls :meth:`close` once it is sent, which dispatches."""

    def __init__(self, body: bytes, hub: Hub, events: list[Event]) -> None:
        self._body = body
        self._hub = hub
        self._events = events

    def __iter__(self) -> Iterator[bytes]:
        yield self._body

    def close(self) -> None:
        events, self._events = self._events, []
        if events:
            self._hub.dispatch(events)


class WSGIApp:
    """WSGI application for :meth:`Hub.wsgi`.

    A body larger than ``max_body`` bytes (default :data:`DEFAULT_MAX_BODY`) gets 413, refused
    from its ``Content-Length`` when it has one, else once the bytes read pass the cap.
    """

    def __init__(self, hub: Hub, *, path_prefix: str = "/webhooks",
                 max_body: int | None = None) -> None:
        self.hub = hub
        self.prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self.max_body = max_body_or_default(max_body)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        name = self._channel_name(path)
        if name is None:
            return self._answer(start_response, WebhookResponse(status=404, body=b"not found"))
        length = declared_length(environ.get("CONTENT_LENGTH") or None)
        if (length or 0) > self.max_body:
            return self._answer(start_response, too_large())
        stream = environ.get("wsgi.input")
        if stream is not None and not length and environ.get("wsgi.input_terminated"):
            capped = read_capped(stream, self.max_body)  # chunked: the server ends the stream
            if capped is None:
                return self._answer(start_response, too_large())
            body = capped
        else:
            body = stream.read(length) if stream is not None and length else b""
        headers = {key[5:].replace("_", "-").lower(): str(value)
                   for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        request = WebhookRequest(method=environ.get("REQUEST_METHOD", "GET"), headers=headers,
                                 body=body, query=query)
        response, events = self.hub.receive(name, request)
        return self._answer(start_response, response, events)

    def _channel_name(self, path: str) -> str | None:
        if self.prefix and not (path == self.prefix or path.startswith(self.prefix + "/")):
            return None
        rest = path[len(self.prefix):].strip("/")
        # {prefix}/{channel}, or deeper (Apple posts to "<registered endpoint>/message")
        return rest.split("/", 1)[0] or None

    def _answer(self, start_response: StartResponse, response: WebhookResponse,
                events: list[Event] | None = None) -> Iterable[bytes]:
        status = f"{response.status} {_REASONS.get(response.status, 'Unknown')}"
        headers = [*response.headers.items(), ("Content-Length", str(len(response.body)))]
        start_response(status, headers)
        return _AnswerThenDispatch(response.body, self.hub, events or [])
