"""The webhook body cap every web adapter applies, and the capped readers they share.

Meta caps a webhook POST at 3 MB; Apple's are far smaller. The adapters refuse anything larger
than :data:`DEFAULT_MAX_BODY` (or their own ``max_body``) with ``413`` — first from the
``Content-Length`` header when there is one, then by counting while reading, so an oversized
body is never read to its end nor held in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Protocol

from ..errors import ConfigurationError
from ..wire import WebhookResponse

__all__ = ["DEFAULT_MAX_BODY", "aread_capped", "declared_length", "max_body_or_default",
           "read_capped", "too_large"]

DEFAULT_MAX_BODY = 3 * 1024 * 1024 + 512 * 1024
"""The default cap on a webhook body, in bytes: Meta's 3 MB maximum plus some room."""

CHUNK = 64 * 1024


class Readable(Protocol):
    """A binary stream (``wsgi.input``, Werkzeug's or Django's request stream)."""

    def read(self, size: int = ..., /) -> bytes:
        """Read at most ``size`` bytes; ``b""`` at the end."""


def max_body_or_default(max_body: int | None) -> int:
    """``max_body``, or :data:`DEFAULT_MAX_BODY` for ``None``; refuses a negative cap."""
    if max_body is None:
        return DEFAULT_MAX_BODY
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
        raise ConfigurationError(f"max_body must be a number of bytes >= 0, not {max_body!r}")
    return max_body


def declared_length(value: str | None) -> int | None:
    """The ``Content-Length`` header as a number, or ``None`` when absent or not a number."""
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def too_large() -> WebhookResponse:
    """The answer to a body over the cap."""
    return WebhookResponse(status=413, body=b"body too large")


def read_capped(stream: Readable, max_body: int) -> bytes | None:
    """Read ``stream`` to its end; ``None`` as soon as more than ``max_body`` bytes arrived."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK, max_body - size + 1))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_body:
            return None
        chunks.append(chunk)


async def aread_capped(chunks: AsyncIterable[bytes], max_body: int) -> bytes | None:
    """Join ``chunks``; ``None`` as soon as more than ``max_body`` bytes arrived (the rest of
    the stream is left unread)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_body:
            return None
        parts.append(chunk)
    return b"".join(parts)
