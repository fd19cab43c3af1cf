"""A Flask blueprint serving a sync :class:`~polychat.Hub`'s webhooks
(``pip install 'polychat[flask]'``).

::

    from flask import Flask
    from polychat.web.flask import blueprint

    app = Flask(__name__)
    app.register_blueprint(blueprint(hub, prefix="/webhooks"))

``GET``/``POST {prefix}/{channel}`` (and deeper paths: Apple posts to ``…/message``). A POST is
verified, parsed and answered; its events are dispatched when the WSGI server closes the
response — after the answer went out (``response.call_on_close``).
"""

from __future__ import annotations

from ..errors import ConfigurationError
from ..hub import Hub
from ..wire import WebhookRequest, WebhookResponse
from ._glue import is_served, missing, not_found, split_prefix
from ._limits import declared_length, max_body_or_default, read_capped, too_large

try:
    from flask import Blueprint, Response, request
except ImportError as error:  # the framework comes with its extra
    raise missing("Flask", "flask", error) from error

__all__ = ["blueprint"]

METHODS = ["GET", "POST"]


def blueprint(hub: Hub, *, prefix: str = "/webhooks", max_body: int | None = None,
              name: str = "polychat") -> Blueprint:
    """A blueprint with ``GET``/``POST {prefix}/{channel}`` (and deeper paths) for ``hub``.

    Args:
        hub: a sync :class:`~polychat.Hub` (Flask views are blocking).
        prefix: the path the webhook URLs start with (``""`` for the root).
        max_body: the body cap in bytes (default :data:`polychat.web.DEFAULT_MAX_BODY`); a
            larger body gets 413. Flask's own ``MAX_CONTENT_LENGTH``, if set lower, still applies
            first (Flask answers its own 413).
        name: the blueprint's name (register several hubs under different names).

    Raises:
        ConfigurationError: ``hub`` is not a sync ``Hub``.
    """
    if not isinstance(hub, Hub):
        raise ConfigurationError("polychat.web.flask serves a sync polychat.Hub; serve an "
                                 "AsyncHub from an ASGI framework (FastAPI, Starlette)")
    cap = max_body_or_default(max_body)
    bp = Blueprint(name, __name__, url_prefix=split_prefix(prefix) or None)

    def webhook(channel: str, rest: str = "") -> Response:
        if not is_served(hub, channel):
            return _response(not_found())
        if (declared_length(request.headers.get("Content-Length")) or 0) > cap:
            return _response(too_large())
        body = read_capped(request.stream, cap)
        if body is None:
            return _response(too_large())
        incoming = WebhookRequest(method=request.method, headers=dict(request.headers.items()),
                                  body=body, query=request.args.to_dict())
        answer, events = hub.receive(channel, incoming)
        response = _response(answer)
        if events:
            response.call_on_close(lambda: hub.dispatch(events))
        return response

    bp.add_url_rule("/<channel>", "webhook", webhook, methods=METHODS)
    bp.add_url_rule("/<channel>/<path:rest>", "webhook_path", webhook, methods=METHODS)
    return bp


def _response(answer: WebhookResponse) -> Response:
    return Response(answer.body, status=answer.status, headers=answer.headers)
