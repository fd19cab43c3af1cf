"""Limit checks shared by the Messenger renderers.

Every numeric check reads its number from :data:`~polychat.channels.messenger.limits.LIMITS` and
raises :class:`~polychat.errors.ContentError` whose ``limit`` is ``"messenger." + key`` and whose
message names the rule, the limit and the value that broke it. Lengths are Python ``len()``
(code points), which is how Meta counts "characters" for UTF-8 text.
"""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

from polychat.errors import ContentError, UnsupportedContent

from .limits import LIMITS

__all__ = ["check_count", "check_http_url", "check_length", "check_required", "fail", "unsupported"]


def _name(key: str) -> str:
    return f"messenger.{key}"


def fail(message: str, key: str) -> NoReturn:
    """Raise ``ContentError`` for rule ``key`` (a LIMITS key or a rule name), naming it."""
    raise ContentError(f"{message} (limit {_name(key)})", limit=_name(key))


def unsupported(message: str, key: str) -> NoReturn:
    """Raise ``UnsupportedContent`` for rule ``key``, naming it."""
    raise UnsupportedContent(f"{message} (limit {_name(key)})", limit=_name(key))


def check_length(value: str, key: str, what: str) -> str:
    """Check ``len(value) <= LIMITS[key]``; ``what`` is a plural noun (``"texts"``).

    Returns:
        ``value`` unchanged, so a check can wrap the expression that uses it.
    """
    limit = LIMITS[key]
    if len(value) > limit:
        fail(f"Messenger {what} allow at most {limit} characters, got {len(value)}", key)
    return value


def check_required(value: str | None, key: str, what: str) -> str:
    """Check ``value`` is a non-blank string (within ``LIMITS[key]`` characters when ``key`` is a
    length limit); return it."""
    if value is None or not value.strip():
        fail(f"Messenger {what} cannot be empty", key)
    return check_length(value, key, what) if key in LIMITS else value


def check_count(count: int, key: str, what: str, unit: str) -> None:
    """Check ``1 <= count <= LIMITS[key]``: "Messenger {what} allow at most N {unit}, got M"."""
    limit = LIMITS[key]
    if count < 1:
        fail(f"Messenger {what} need 1 to {limit} {unit}, got {count}", key)
    if count > limit:
        fail(f"Messenger {what} allow at most {limit} {unit}, got {count}", key)


def check_http_url(url: str | None, key: str, what: str) -> str:
    """Check ``url`` is an absolute ``http(s)`` URL with a host; return it."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"Messenger {what} must be absolute http(s) URLs, got {url!r}", key)
    return str(url)
