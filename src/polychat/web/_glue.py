"""What the framework adapters share: the missing-framework error and the early 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..wire import WebhookResponse

if TYPE_CHECKING:
    from ..hub import AsyncHub, Hub

__all__ = ["FrameworkMissing", "is_served", "missing", "not_found", "split_prefix"]


class FrameworkMissing(ConfigurationError, ImportError):
    """A ``polychat.web.<framework>`` module was imported without its framework installed.

    It is both a :class:`~polychat.ConfigurationError` and an :class:`ImportError`, so optional
    imports (``try: … except ImportError``) keep working.
    """


def missing(framework: str, extra: str, error: ImportError) -> FrameworkMissing:
    """The error to raise when ``framework`` cannot be imported (install hint included)."""
    return FrameworkMissing(
        f"polychat.web.{extra} needs {framework}, which is not installed "
        f"(no module {error.name!r}): pip install 'polychat[{extra}]'",
        name=error.name,
    )


def is_served(hub: AsyncHub | Hub, channel_name: str) -> bool:
    """Whether ``hub`` has a channel called ``channel_name`` (checked before reading a body)."""
    return any(channel.name == channel_name for channel in hub.channels)


def not_found() -> WebhookResponse:
    """The answer for a channel the hub does not serve."""
    return WebhookResponse(status=404, body=b"unknown channel")


def split_prefix(prefix: str) -> str:
    """``prefix`` as ``"/a/b"`` (leading slash, no trailing one), or ``""`` for the root."""
    inner = prefix.strip("/")
    return f"/{inner}" if inner else ""
