"""Web adapters: serve a hub's webhooks from an ASGI server (no extra dependencies)."""

from __future__ import annotations

from .asgi import ASGIApp

__all__ = ["ASGIApp"]
