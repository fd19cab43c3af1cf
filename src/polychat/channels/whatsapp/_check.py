"""Limit checks shared by the WhatsApp renderers.

Every check reads its number from :data:`~polychat.channels.whatsapp.limits.LIMITS` and raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"whatsapp." + key`` and whose message
names the rule, the limit and the value that broke it. Lengths are Python ``len()`` (code points).
"""

from __future__ import annotations

from typing import NoReturn

from polychat.errors import ContentError, UnsupportedContent

from .limits import LIMITS

__all__ = ["check_count", "check_length", "check_required", "check_unique", "fail", "unsupported"]


def _name(key: str) -> str:
    return f"whatsapp.{key}"


def fail(message: str, key: str) -> NoReturn:
    """Raise ``ContentError`` for rule ``key`` (a LIMITS key or a rule name), naming it."""
    raise ContentError(f"{message} (limit {_name(key)})", limit=_name(key))


def unsupported(message: str, key: str) -> NoReturn:
    """Raise ``UnsupportedContent`` for rule ``key``, naming it."""
    raise UnsupportedContent(f"{message} (limit {_name(key)})", limit=_name(key))


def check_length(value: str, key: str, what: str) -> str:
    """Check ``len(value) <= LIMITS[key]``; ``what`` is a plural noun (``"text bodies"``).

    Returns:
        ``value`` unchanged, so a check can wrap the expression that uses it.
    """
    limit = LIMITS[key]
    if len(value) > limit:
        fail(f"WhatsApp {what} allow at most {limit} characters, got {len(value)}", key)
    return value


def check_required(value: str | None, key: str, what: str) -> str:
    """Check ``value`` is a non-blank string (within ``LIMITS[key]`` characters if ``key`` is a
    length limit); return it."""
    if value is None or not value.strip():
        fail(f"WhatsApp {what} cannot be empty", key)
    return check_length(value, key, what) if key in LIMITS else value


def check_count(count: int, key: str, what: str, unit: str) -> None:
    """Check ``count <= LIMITS[key]``: "WhatsApp {what} allow at most N {unit}, got M"."""
    limit = LIMITS[key]
    if count > limit:
        fail(f"WhatsApp {what} allow at most {limit} {unit}, got {count}", key)


def check_unique(values: list[str], key: str, what: str) -> None:
    """Check no value repeats in ``values``; the message names the first duplicate."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            fail(f"WhatsApp {what} must be unique within a message, {value!r} repeats", key)
        seen.add(value)
