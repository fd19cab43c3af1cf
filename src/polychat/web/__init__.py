"""Web adapters: serve a hub's webhooks from an ASGI or WSGI server (no extra dependencies).

Framework glue lives in its own modules, each behind its extra: :mod:`polychat.web.fastapi`,
:mod:`polychat.web.starlette`, :mod:`polychat.web.flask`, :mod:`polychat.web.django`.
Every adapter refuses bodies over :data:`DEFAULT_MAX_BODY` bytes (configurable) with 413.
"""

from __future__ import annotations

from ._limits import DEFAULT_MAX_BODY
from .asgi import ASGIApp
from .wsgi import WSGIApp

__all__ = ["DEFAULT_MAX_BODY", "ASGIApp", "WSGIApp"]
