"""Web adapters: serve a hub's webhooks from an ASGI or WSGI server (no extra dependencies)."""

from __future__ import annotations

from .asgi import ASGIApp
from .wsgi import WSGIApp

__all__ = ["ASGIApp", "WSGIApp"]
