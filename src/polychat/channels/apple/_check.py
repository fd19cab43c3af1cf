"""Rule checks shared by the Apple renderers.

Every numeric check reads its number from :data:`~polychat.channels.apple.limits.LIMITS` and raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"apple." + key`` and whose message names
the rule, the limit and the value that broke it. Lengths are Python ``len()`` (code points).

Device capabilities (``QUICK``, ``LIST``, ``TIME``, ``AUTH``, ``AUTH2``, ``FORM``) are checked by
:func:`require_capability`; a missing one is a plain ``ContentError`` (not ``UnsupportedContent``)
with ``limit="apple.device.<CAPABILITY>"`` so the hub degrades the content for this customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn
from urllib.parse import urlsplit

from polychat.errors import ContentError, UnsupportedContent

from .limits import LIMITS

__all__ = [
    "check_http_url",
    "check_length",
    "check_required",
    "check_unique",
    "fail",
    "has_capability",
    "require_capability",
    "unsupported",
]


def _name(key: str) -> str:
    return f"apple.{key}"


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
        fail(f"Apple {what} allow at most {limit} characters, got {len(value)}", key)
    return value


def check_required(value: str | None, key: str, what: str) -> str:
    """Check ``value`` is a non-blank string (within ``LIMITS[key]`` characters when ``key`` is a
    length limit); return it."""
    if value is None or not value.strip():
        fail(f"Apple {what} cannot be empty", key)
    return check_length(value, key, what) if key in LIMITS else value


def check_unique(ids: Iterable[str], key: str, what: str) -> None:
    """Check no id repeats: the customer's answer names its choice by id alone."""
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            fail(f"Apple {what} must be unique (the answer names the choice by it); "
                 f"{value!r} repeats", key)
        seen.add(value)


def check_http_url(url: str | None, key: str, what: str) -> str:
    """Check ``url`` is an absolute ``http(s)`` URL with a host; return it."""
    parts = urlsplit(url or "")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        fail(f"Apple {what} must be absolute http(s) URLs, got {url!r}", key)
    return str(url)


def has_capability(device: frozenset[str] | None, capability: str) -> bool:
    """Whether the customer's device declared ``capability`` (``None``: unknown device → no)."""
    return device is not None and capability in device


def require_capability(device: frozenset[str] | None, what: str, *capabilities: str) -> None:
    """Check the device declared one of ``capabilities`` in its last ``capability-list``.

    Apple's rule (apple.md §9 pitfall 7) is to send a picker only when the customer's last
    ``capability-list`` names it, so an unknown device (``None``) has none.

    Raises:
        ContentError: with ``limit="apple.device.<first capability>"``.
    """
    if any(has_capability(device, c) for c in capabilities):
        return
    needed = " or ".join(capabilities)
    if device is None:
        seen = ("the customer's device capabilities are unknown (no capability-list seen yet), "
                "so none are assumed")
    else:
        seen = f"the customer's device declared {', '.join(sorted(device)) or 'none'}"
    fail(f"Apple {what} need the device capability {needed}; {seen}", f"device.{capabilities[0]}")
