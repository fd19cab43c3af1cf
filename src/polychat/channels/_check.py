"""Rule checks every channel's renderers share, bound to one channel's name and LIMITS table.

Each platform's ``_check.py`` makes one :class:`LimitChecks` for its channel and exposes its
methods as plain functions (``fail``, ``check_length``…), adding only what is its own. A broken
rule raises :class:`~polychat.errors.ContentError` (or
:class:`~polychat.errors.UnsupportedContent`) whose ``limit`` is ``"<channel>.<key>"`` and whose
message names the rule, the limit and the value that broke it. Lengths are Python ``len()`` (code
points). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NoReturn
from urllib.parse import urlsplit

from polychat.errors import ContentError, UnsupportedContent

__all__ = ["LimitChecks"]


class LimitChecks:
    """The limit checks of one channel.

    Args:
        channel: the channel's name, the prefix of every ``limit`` (``"whatsapp"``).
        label: how messages name the platform (``"WhatsApp"``).
        limits: the channel's LIMITS table; read at each check, never copied.

    Example:
        >>> checks = LimitChecks("demo", "Demo", {"text": 5})
        >>> checks.check_length("hello", "text", "texts")
        'hello'
        >>> checks.check_length("hello!", "text", "texts")
        Traceback (most recent call last):
        ...
        polychat.errors.ContentError: Demo texts allow at most 5 characters, got 6 (limit demo.text)
    """

    def __init__(self, channel: str, label: str, limits: Mapping[str, int]) -> None:
        self.channel = channel
        self.label = label
        self.limits = limits

    def name(self, key: str) -> str:
        """The ``limit`` name of rule ``key``: ``"<channel>.<key>"``."""
        return f"{self.channel}.{key}"

    def fail(self, message: str, key: str) -> NoReturn:
        """Raise ``ContentError`` for rule ``key`` (a LIMITS key or a rule name), naming it."""
        raise ContentError(f"{message} (limit {self.name(key)})", limit=self.name(key))

    def unsupported(self, message: str, key: str) -> NoReturn:
        """Raise ``UnsupportedContent`` for rule ``key``, naming it."""
        raise UnsupportedContent(f"{message} (limit {self.name(key)})", limit=self.name(key))

    def check_length(self, value: str, key: str, what: str) -> str:
        """Check ``len(value) <= LIMITS[key]``; ``what`` is a plural noun (``"texts"``).

        Returns:
            ``value`` unchanged, so a check can wrap the expression that uses it.
        """
        limit = self.limits[key]
        if len(value) > limit:
            self.fail(f"{self.label} {what} allow at most {limit} characters, got {len(value)}",
                      key)
        return value

    def check_required(self, value: str | None, key: str, what: str) -> str:
        """Check ``value`` is a non-blank string (within ``LIMITS[key]`` characters when ``key``
        is a length limit); return it."""
        if value is None or not value.strip():
            self.fail(f"{self.label} {what} cannot be empty", key)
        return self.check_length(value, key, what) if key in self.limits else value

    def check_count(self, count: int, key: str, what: str, unit: str) -> None:
        """Check ``count <= LIMITS[key]``: "<Label> {what} allow at most N {unit}, got M"."""
        limit = self.limits[key]
        if count > limit:
            self.fail(f"{self.label} {what} allow at most {limit} {unit}, got {count}", key)

    def check_unique(self, values: Iterable[str], key: str, what: str, why: str) -> None:
        """Check no value repeats; the message names the first duplicate.

        Args:
            values: the ids (or titles) that must differ.
            key: the rule.
            what: a plural noun (``"reply button ids"``).
            why: the words between "must be unique" and the repeated value, punctuation
                included (``"within a message,"``).
        """
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(f"{self.label} {what} must be unique {why} {value!r} repeats", key)
            seen.add(value)

    def check_http_url(self, url: str | None, key: str, what: str, *,
                       hostname: bool = True) -> str:
        """Check ``url`` is an absolute ``http(s)`` URL with a host; return it.

        Args:
            url: the URL (``None`` fails).
            key: the rule.
            what: a plural noun (``"button URLs"``).
            hostname: require a host name; when false, any non-empty network location will do
                (``http://:80/`` passes).
        """
        parts = urlsplit(url or "")  # urlsplit lower-cases the scheme
        host = parts.hostname if hostname else parts.netloc
        if parts.scheme not in ("http", "https") or not host:
            self.fail(f"{self.label} {what} must be absolute http(s) URLs, got {url!r}", key)
        return str(url)
