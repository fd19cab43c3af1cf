"""A :class:`~polychat.stores.Store` in Redis, shared by every worker that uses the same server.

Use it when several processes (gunicorn/uvicorn workers, containers behind a load balancer) serve
one webhook URL: a platform re-delivering a webhook may reach another worker than the first
delivery did, and only a shared store lets that worker see the event was already dispatched. The
customer activity (the messaging-window check) and the conversation state (``closed``,
``capabilities``) are shared the same way, so any worker can send.

It needs the ``redis`` package: ``pip install "polychat[redis]"``, then::

    import redis
    from polychat.stores.redis import RedisStore

    store = RedisStore(url="redis://localhost:6379/0")   # or RedisStore(client=redis.Redis(...))
    hub = polychat.AsyncHub(wa, store=store)

The store takes a synchronous ``redis.Redis`` client, and :class:`~polychat.AsyncHub` calls it
synchronously from the event loop, as it does any store: each call is one short round trip (one
command, one script or one pipeline), which a nearby Redis answers in well under a millisecond.
For very high volume, run Redis next to the workers (same host or network).

Keys, all under ``prefix`` (``polychat:`` by default; any address is a safe key suffix, ``:``,
``/``, ``+`` and ``=`` included):

- ``<prefix>seen:<dedup key>``: ``1`` while an event key is remembered (the hub's TTL, 7 days).
- ``<prefix>user:<address>``: the customer's latest activity, in integer microseconds since the
  Unix epoch (UTC), kept for ``state_ttl``.
- ``<prefix>conv:<address>``: a hash of conversation state, each value JSON-encoded, kept for
  ``state_ttl`` after its last update.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    import redis

__all__ = ["RedisStore"]

DEFAULT_STATE_TTL = 30 * 24 * 3600.0
"""Seconds customer activity and conversation state are kept after their last update."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# KEYS[1]: the activity key; ARGV[1]: microseconds since the epoch; ARGV[2]: TTL in milliseconds.
# Keeps the larger time (integers below 2**53, exact as Lua numbers) and refreshes the TTL.
_TOUCH_USER = """
local current = redis.call("GET", KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
    redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
    return 1
end
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return 0
"""


def _milliseconds(seconds: float) -> int:
    """``seconds`` as whole milliseconds, rounded up and at least 1 (Redis refuses ``PX 0``)."""
    return max(1, math.ceil(seconds * 1000))


def _text(value: bytes | str) -> str:
    """A reply of a client with or without ``decode_responses``, as text."""
    return value.decode() if isinstance(value, bytes) else value


class RedisStore:
    """:class:`~polychat.stores.Store` kept in Redis, for several workers behind one webhook URL.

    Give either a ``client`` or a ``url`` (then ``redis.Redis.from_url(url)`` makes the client).
    Every operation is atomic on the server (``SET NX``, a Lua script, a ``MULTI`` pipeline), so
    the store is safe to share between threads, processes and hosts. Clients with or without
    ``decode_responses`` both work.

    Example::

        from polychat.stores.redis import RedisStore

        store = RedisStore(url="redis://localhost:6379/0", prefix="shop:")
        hub = polychat.AsyncHub(wa, store=store)

    Args:
        client: a synchronous ``redis.Redis`` client (or a compatible one, like
            ``fakeredis.FakeRedis`` in tests).
        url: a Redis URL (``redis://``, ``rediss://``, ``unix://``), when no ``client`` is given.
        prefix: put before every key, so several bots can share one Redis database.
        state_ttl: seconds customer activity and conversation state live after their last update
            (30 days by default; keep it longer than the longest messaging window, 24 h).

    Raises:
        ConfigurationError: the ``redis`` package is missing, or not exactly one of ``client``
            and ``url`` was given.
        ValueError: ``state_ttl`` is not positive.
    """

    def __init__(self, client: redis.Redis | None = None, *, url: str | None = None,
                 prefix: str = "polychat:", state_ttl: float = DEFAULT_STATE_TTL) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                'RedisStore needs the redis package: pip install "polychat[redis]"'
            ) from None
        if (client is None) == (url is None):
            raise ConfigurationError("give RedisStore either a client or a url, not both or neither")
        if not state_ttl > 0:
            raise ValueError("state_ttl must be positive")
        self.client: redis.Redis = client if client is not None else redis.Redis.from_url(url or "")
        self.prefix = prefix
        self.state_ttl = state_ttl
        self._touch_user = self.client.register_script(_TOUCH_USER)

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds (``SET NX PX``); True if it was not already recorded.

        Args:
            key: the event's dedup key.
            ttl: seconds to remember it (rounded up to whole milliseconds).

        Returns:
            True for exactly one of any concurrent calls with one key, until the key expires.
        """
        reply: Any = self.client.set(self._key("seen", key), 1, nx=True, px=_milliseconds(ttl))
        return bool(reply)

    def touch_user(self, address: str, when: datetime) -> None:
        """Record the customer's activity at ``when``; an older time never replaces a newer one.

        Args:
            address: ``str(Address)`` of the customer.
            when: the activity time (naive datetimes are taken as UTC).
        """
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        micros = (when - _EPOCH) // _MICROSECOND
        self._touch_user(keys=[self._key("user", address)],
                         args=[micros, _milliseconds(self.state_ttl)])

    def last_user_activity(self, address: str) -> datetime | None:
        """The customer's latest recorded activity (aware, UTC), or None if unknown or expired."""
        raw: Any = self.client.get(self._key("user", address))
        if raw is None:
            return None
        return _EPOCH + int(raw) * _MICROSECOND

    def conversation(self, address: str) -> dict[str, Any]:
        """The conversation state at ``address`` (empty when unknown or expired)."""
        raw: Any = self.client.hgetall(self._key("conv", address))
        return {_text(field): json.loads(value) for field, value in raw.items()}

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address`` and refresh its TTL.

        Args:
            address: ``str(Address)`` of the customer.
            **values: JSON-serialisable values (tuples come back as lists).

        Raises:
            TypeError: a value cannot be encoded as JSON.
        """
        if not values:
            return
        key = self._key("conv", address)
        fields: dict[Any, Any] = {name: json.dumps(value, separators=(",", ":"))
                                  for name, value in values.items()}
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.pexpire(key, _milliseconds(self.state_ttl))
            pipe.execute()
