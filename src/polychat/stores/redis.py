"""A :class:`~polychat.stores.Store` in Redis, shared by every worker that uses the same server.

Use it when several processes (gunicorn/uvicorn workers, containers behind a load balancer) serve
one webhook URL: a platform re-delivering a webhook may reach another worker than the first
delivery did, and only a shared store lets that worker see the event was already dispatched. The
customer activity (the messaging-window check), the conversation state (``closed``,
``capabilities``), the pacing buckets and the cache are shared the same way, so every worker
sends at the shared pace.

It needs the ``redis`` package (redis-py 5 or later): ``pip install "polychat[redis]"``, then::

    from polychat.stores.redis import RedisStore

    store = RedisStore(url="redis://localhost:6379/0")
    hub = polychat.AsyncHub(wa, store=store)

The sync face (used by :class:`~polychat.Hub`) talks through a ``redis.Redis`` client, the async
face (used by :class:`~polychat.AsyncHub`) through a ``redis.asyncio.Redis`` client. Each
operation is one round trip: one command or one Lua script, atomic on the server. The batch
method ``record`` / ``arecord`` (a webhook's events) takes two: one pipeline of ``SET NX`` for
every event key, then one pipeline of the new events' updates and state reads. Pacing
scripts take the caller's ``now`` as an argument and never read the server's clock, so a
RedisStore and a :class:`~polychat.MemoryStore` decide identically for the same calls; give
every worker the same clock (``time.time()``).

Keys, all under ``prefix`` (``polychat:`` by default; any address is a safe key suffix, ``:``,
``/``, ``+`` and ``=`` included), each with a TTL:

- ``<prefix>seen:<dedup key>``: ``1`` while an event key is remembered (the hub's TTL, 7 days).
- ``<prefix>user:<address>``: the customer's latest activity, in integer microseconds since the
  Unix epoch (UTC), kept for ``state_ttl``.
- ``<prefix>conv:<address>``: a hash of conversation state, each value JSON-encoded, kept for
  ``state_ttl`` after its last update.
- ``<prefix>pace:<bucket key>``: the bucket's theoretical arrival time, float seconds on the
  callers' clock written with 17 significant digits (exact), kept until it stops mattering
  (``TAT - now + tau + 1 s``); a hold on a bucket without state is kept for ``state_ttl``.
- ``<prefix>cache:<key>``: a JSON value, kept for the TTL given to ``put``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import math
import sys
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from . import _pacing
from .base import DEFAULT_STATE_TTL, Arrival, check_arrivals

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["DEFAULT_STATE_TTL", "RedisStore"]

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

# KEYS[1]: the conversation hash; ARGV[1]: TTL in milliseconds; then field/value pairs, where
# an empty value (never valid JSON) deletes the field.
_UPDATE_CONVERSATION = """
for i = 2, #ARGV, 2 do
    if ARGV[i + 1] == "" then
        redis.call("HDEL", KEYS[1], ARGV[i])
    else
        redis.call("HSET", KEYS[1], ARGV[i], ARGV[i + 1])
    end
end
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return 0
"""

# KEYS[1]: the bucket; ARGV: now, interval, tau, max_wait, slack (floats written exactly).
# The steps and their order are _pacing.acquire's, so the doubles come out bit for bit the same;
# numbers go back as "%.17g" strings (a Lua number reply would be truncated to an integer).
_ACQUIRE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local tat = now
local stored = redis.call("GET", KEYS[1])
if stored then
    local previous = tonumber(stored)
    if previous > now then
        tat = previous
    end
end
local wait = tat - tau - now
if wait < 0 then
    wait = 0
end
if wait > tonumber(ARGV[4]) then
    return string.format("%.17g", wait)
end
local new = tat + interval
local ttl = math.ceil((new - now + tau + tonumber(ARGV[5])) * 1000)
redis.call("SET", KEYS[1], string.format("%.17g", new), "PX", string.format("%d", ttl))
return string.format("%.17g", wait)
"""

# KEYS[1]: the bucket; ARGV[1]: the target TAT (until + tau); ARGV[2]: TTL in milliseconds for a
# bucket without state. Raising the TAT by d seconds extends the key's life by d seconds.
_RELEASE = """
local stored = redis.call("GET", KEYS[1])
if not stored then
    return 0
end
local target = tonumber(stored) - tonumber(ARGV[1])
redis.call("SET", KEYS[1], string.format("%.17g", target), "KEEPTTL")
return 1
"""

_HOLD = """
local target = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local stored = redis.call("GET", KEYS[1])
if stored then
    local previous = tonumber(stored)
    if previous >= target then
        return 0
    end
    local left = redis.call("PTTL", KEYS[1])
    if left > 0 then
        ttl = left + math.ceil((target - previous) * 1000)
    end
end
redis.call("SET", KEYS[1], string.format("%.17g", target), "PX", string.format("%d", ttl))
return 1
"""

# Connection settings an asyncio client can take over from a sync client's connection pool.
_TWIN_SETTINGS = frozenset({
    "host", "port", "path", "db", "username", "password", "credential_provider", "client_name",
    "lib_name", "lib_version", "protocol", "decode_responses", "encoding", "encoding_errors",
    "socket_timeout", "socket_connect_timeout", "socket_keepalive", "socket_keepalive_options",
    "health_check_interval", "ssl_keyfile", "ssl_certfile", "ssl_cert_reqs", "ssl_ca_certs",
    "ssl_ca_data", "ssl_check_hostname", "ssl_min_version", "ssl_ciphers",
})


def _milliseconds(seconds: float) -> int:
    """``seconds`` as whole milliseconds, rounded up and at least 1 (Redis refuses ``PX 0``)."""
    return max(1, math.ceil(seconds * 1000))


def _text(value: bytes | str) -> str:
    """A reply of a client with or without ``decode_responses``, as text."""
    return value.decode() if isinstance(value, bytes) else value


def _import_redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:
        raise ConfigurationError(
            'RedisStore needs the redis package: pip install "polychat[redis]"'
        ) from None
    return redis


def _async_twin(client: Any) -> redis.asyncio.Redis:
    """An asyncio client for the server and settings of the sync ``client``."""
    lib = _import_redis()
    pool = getattr(client, "connection_pool", None)
    twins = {
        lib.connection.Connection: lib.asyncio.connection.Connection,
        lib.connection.SSLConnection: lib.asyncio.connection.SSLConnection,
        lib.connection.UnixDomainSocketConnection: lib.asyncio.connection.UnixDomainSocketConnection,
    }
    twin = twins.get(getattr(pool, "connection_class", None))
    if twin is None:
        raise ConfigurationError(
            f"RedisStore cannot make an asyncio client from a {type(client).__name__} client: "
            "give it async_client=redis.asyncio.Redis(...) or url=... for the AsyncHub"
        )
    accepted: set[str] = set()
    for klass in twin.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            accepted.update(inspect.signature(init).parameters)
    settings = {name: value for name, value in pool.connection_kwargs.items()  # type: ignore[union-attr]
                if name in _TWIN_SETTINGS and name in accepted}
    twin_pool = lib.asyncio.ConnectionPool(connection_class=twin,
                                           max_connections=pool.max_connections,  # type: ignore[union-attr]
                                           **settings)
    made: redis.asyncio.Redis = lib.asyncio.Redis.from_pool(twin_pool)
    return made


async def _closing(client: redis.asyncio.Redis) -> AsyncGenerator[None, None]:
    """Closes ``client`` when its event loop shuts down.

    Started once in the loop, this generator stays suspended at ``yield``; ``asyncio.run`` (and
    ``asyncio.Runner``, uvicorn, pytest-asyncio) close every suspended async generator before
    closing the loop, which runs the ``finally`` while the loop can still close connections.
    """
    try:
        yield
    finally:
        await client.aclose()


class _Scripts:
    """The store's Lua scripts registered on one client (sync or asyncio)."""

    def __init__(self, client: Any) -> None:
        self.touch_user: Any = client.register_script(_TOUCH_USER)
        self.update_conversation: Any = client.register_script(_UPDATE_CONVERSATION)
        self.acquire: Any = client.register_script(_ACQUIRE)
        self.hold: Any = client.register_script(_HOLD)
        self.release: Any = client.register_script(_RELEASE)


_Op = tuple[Any, ...]
"""One queued write of a batch: ``("script", name, keys, args)``, ``("set", key, text, px)`` or
``("delete", key)``."""


@dataclass(frozen=True)
class _Batch:
    """A batch of arrivals, encoded before any I/O (so a bad value raises before anything is
    recorded)."""

    arrivals: Sequence[Arrival]
    seen: list[str]
    """The ``seen:`` key of each arrival."""
    writes: list[list[_Op]]
    """The writes of each arrival, in order."""


def _first_error(replies: Sequence[Any]) -> Exception | None:
    return next((reply for reply in replies if isinstance(reply, Exception)), None)


@dataclass(frozen=True)
class _LoopClient:
    """The asyncio client a store made for one event loop, and what closes it."""

    loop: asyncio.AbstractEventLoop
    client: redis.asyncio.Redis
    scripts: _Scripts
    closer: AsyncGenerator[None, None]


class RedisStore:
    """:class:`~polychat.stores.Store` kept in Redis, for several workers behind one webhook URL.

    Every operation is atomic on the server (``SET NX``, a Lua script), so the store is safe to
    share between threads, tasks, processes and hosts. Clients with or without
    ``decode_responses`` both work.

    Clients: the sync face uses ``client``, or one made from ``url``. The async face uses
    ``async_client``; without one, it makes its own from ``url`` (or from ``client``'s connection
    settings), one per running event loop, because an asyncio client belongs to the loop that
    first used it. Close what the store made with :meth:`aclose` (in each loop that used it,
    e.g. at the end of the app's lifespan) and :meth:`close` (the sync client); the clients you
    passed in stay yours to close.

    Example::

        from polychat.stores.redis import RedisStore

        store = RedisStore(url="redis://localhost:6379/0", prefix="shop:")
        hub = polychat.AsyncHub(wa, store=store)
        ...
        await store.aclose()   # at shutdown, in the loop that served

    Args:
        client: a ``redis.Redis`` client for the sync face.
        url: a Redis URL (``redis://``, ``rediss://``, ``unix://``), when no ``client`` is given.
        async_client: a ``redis.asyncio.Redis`` client for the async face.
        prefix: put before every key, so several bots can share one Redis database.
        state_ttl: seconds customer activity and conversation state live after their last update
            (30 days by default; keep it longer than the longest messaging window, 24 h).

    Raises:
        ConfigurationError: the ``redis`` package is missing, both ``client`` and ``url`` were
            given, or none of ``client``, ``url`` and ``async_client``.
        ValueError: ``state_ttl`` is not positive.
    """

    def __init__(self, client: redis.Redis | None = None, *, url: str | None = None,
                 async_client: redis.asyncio.Redis | None = None, prefix: str = "polychat:",
                 state_ttl: float = DEFAULT_STATE_TTL) -> None:
        lib = _import_redis()
        if client is not None and url is not None:
            raise ConfigurationError("give RedisStore either a client or a url, not both")
        if client is None and url is None and async_client is None:
            raise ConfigurationError("give RedisStore a client, a url or an async_client")
        if not state_ttl > 0:
            raise ValueError("state_ttl must be positive")
        self._url = url  # may hold a password: never shown
        self._owns_client = client is None and url is not None
        self.client: redis.Redis | None = lib.Redis.from_url(url) if self._owns_client else client
        self.async_client: redis.asyncio.Redis | None = async_client
        self.prefix = prefix
        self.state_ttl = state_ttl
        self._scripts = _Scripts(self.client) if self.client is not None else None
        self._async_scripts = _Scripts(async_client) if async_client is not None else None
        self._lock = threading.Lock()
        self._per_loop: dict[int, _LoopClient] = {}

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    # -- clients -------------------------------------------------------------------------------

    def _sync(self) -> tuple[redis.Redis, _Scripts]:
        if self.client is None or self._scripts is None:
            raise ConfigurationError(
                "this RedisStore has only an async_client: give it client= or url= to use it "
                "from the sync Hub"
            )
        return self.client, self._scripts

    async def _async(self) -> tuple[redis.asyncio.Redis, _Scripts]:
        if self.async_client is not None and self._async_scripts is not None:
            return self.async_client, self._async_scripts
        loop = asyncio.get_running_loop()
        found = self._per_loop.get(id(loop))
        if found is not None and found.loop is loop:
            return found.client, found.scripts
        with self._lock:
            for key, other in list(self._per_loop.items()):
                if other.loop.is_closed():  # its connections were closed, or died, with it
                    del self._per_loop[key]
            if self._url is not None:
                made: redis.asyncio.Redis = _import_redis().asyncio.Redis.from_url(self._url)
            else:
                made = _async_twin(self.client)
            found = _LoopClient(loop, made, _Scripts(made), _closing(made))
            self._per_loop[id(loop)] = found
        await found.closer.__anext__()  # runs to its `yield`: now the loop will close it
        return found.client, found.scripts

    def close(self) -> None:
        """Close the clients this store made (not the ones passed to it).

        That is the sync client made from ``url``, and the asyncio clients made for event loops
        that are neither running nor closed. An asyncio client also closes by itself when its
        loop shuts down through ``asyncio.run`` (or ``asyncio.Runner``), or with :meth:`aclose`.
        """
        with self._lock:
            idle = [entry for entry in self._per_loop.values() if not entry.loop.is_running()]
            for entry in idle:
                del self._per_loop[id(entry.loop)]
        for entry in idle:
            if not entry.loop.is_closed():
                entry.loop.run_until_complete(entry.closer.aclose())
        if self._owns_client and self.client is not None:
            self.client.close()

    async def aclose(self) -> None:
        """Close the asyncio client this store made for the running event loop, if any.

        The sync client stays open (other threads may be using it): :meth:`close` closes it.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._per_loop.get(id(loop))
            if found is None or found.loop is not loop:
                return
            del self._per_loop[id(loop)]
        await found.closer.aclose()

    # -- arguments and replies shared by both faces --------------------------------------------

    def _touch_args(self, address: str, when: datetime) -> tuple[list[str], list[int]]:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        micros = (when - _EPOCH) // _MICROSECOND
        return [self._key("user", address)], [micros, _milliseconds(self.state_ttl)]

    def _update_args(self, address: str, values: dict[str, Any]) -> tuple[list[str], list[Any]]:
        args: list[Any] = [_milliseconds(self.state_ttl)]
        for name, value in values.items():
            args += [name, "" if value is None else json.dumps(value, separators=(",", ":"))]
        return [self._key("conv", address)], args

    def _acquire_args(self, key: str, rate: float, burst: int, now: float,
                      max_wait: float) -> tuple[list[str], list[str]]:
        interval, tau = _pacing.bucket(rate, burst)
        now = _pacing.check_time("now", now)
        max_wait = min(_pacing.check_max_wait(max_wait), sys.float_info.max)  # Lua reads no "inf"
        args = [repr(now), repr(interval), repr(tau), repr(max_wait), repr(_pacing.SLACK)]
        return [self._key("pace", key)], args

    def _hold_args(self, key: str, until: float, rate: float,
                   burst: int) -> tuple[list[str], list[Any]]:
        _, tau = _pacing.bucket(rate, burst)
        target = _pacing.hold_target(_pacing.check_time("until", until), tau)
        return [self._key("pace", key)], [repr(target), _milliseconds(self.state_ttl)]

    def _batch(self, arrivals: Sequence[Arrival]) -> _Batch:
        """Check and encode ``arrivals`` (``ValueError``, ``TypeError`` before any I/O)."""
        check_arrivals(arrivals)
        encode: dict[str, Callable[..., _Op | None]] = {
            "touch_user": self._touch_op, "update_conversation": self._update_op, "put": self._put_op,
        }
        writes = []
        for arrival in arrivals:
            ops = [encode[name](*args, **kwargs) for name, args, kwargs in arrival.updates]
            writes.append([op for op in ops if op is not None])
        return _Batch(arrivals, [self._key("seen", a.key) for a in arrivals], writes)

    def _touch_op(self, address: str, when: datetime) -> _Op:
        return ("script", "touch_user", *self._touch_args(address, when))

    def _update_op(self, address: str, **values: Any) -> _Op | None:
        return ("script", "update_conversation", *self._update_args(address, values)) if values else None

    def _put_op(self, key: str, value: Any, ttl: float) -> _Op:
        if value is None:
            return ("delete", self._key("cache", key))
        return ("set", self._key("cache", key), json.dumps(value, separators=(",", ":")),
                _milliseconds(ttl))

    @staticmethod
    def _queue_remember(pipe: Any, batch: _Batch) -> None:
        """The first round trip: ``SET NX PX`` of every arrival's key."""
        for key, arrival in zip(batch.seen, batch.arrivals, strict=True):
            pipe.set(key, 1, nx=True, px=_milliseconds(arrival.ttl))

    @staticmethod
    def _new(batch: _Batch, replies: Sequence[Any]) -> tuple[list[bool], list[str]]:
        """Which arrivals the first round trip recorded (``SET NX`` answered OK), and their keys."""
        new = [not isinstance(reply, Exception) and bool(reply) for reply in replies]
        return new, [key for key, fresh in zip(batch.seen, new, strict=True) if fresh]

    def _queue_updates(self, pipe: Any, scripts: _Scripts, batch: _Batch,
                       new: list[bool]) -> list[int | None]:
        """The second round trip: the new arrivals' writes and state reads, in order. Returns,
        for each arrival, None (a duplicate), -1 (no read) or the index of its ``HGETALL``."""
        where: list[int | None] = []
        count = 0
        for arrival, writes, fresh in zip(batch.arrivals, batch.writes, new, strict=True):
            if not fresh:
                where.append(None)
                continue
            for op in writes:
                if op[0] == "script":
                    keys, args = op[2], op[3]
                    pipe.evalsha(getattr(scripts, op[1]).sha, len(keys), *keys, *args)
                elif op[0] == "set":
                    pipe.set(op[1], op[2], px=op[3])
                else:
                    pipe.delete(op[1])
                count += 1
            if arrival.state_of is None:
                where.append(-1)
            else:
                pipe.hgetall(self._key("conv", arrival.state_of))
                where.append(count)
                count += 1
        return where

    def _results(self, where: list[int | None], replies: Sequence[Any]) -> list[dict[str, Any] | None]:
        error = _first_error(replies)
        if error is not None:
            raise error
        return [None if at is None else {} if at < 0 else self._state(replies[at]) for at in where]

    @staticmethod
    def _noscript(replies: Sequence[Any]) -> bool:
        """Whether the server lacked a script (restarted, or ``SCRIPT FLUSH``): load and replay."""
        missing = _import_redis().exceptions.NoScriptError
        return any(isinstance(reply, missing) for reply in replies)

    @staticmethod
    def _activity(raw: Any) -> datetime | None:
        return None if raw is None else _EPOCH + int(raw) * _MICROSECOND

    @staticmethod
    def _state(raw: Any) -> dict[str, Any]:
        return {_text(field): json.loads(value) for field, value in raw.items()}

    @staticmethod
    def _cached(raw: Any) -> Any | None:
        return None if raw is None else json.loads(raw)

    # -- sync face -----------------------------------------------------------------------------

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds (``SET NX PX``); True if it was not already recorded.

        Args:
            key: the event's dedup key.
            ttl: seconds to remember it (rounded up to whole milliseconds).

        Returns:
            True for exactly one of any concurrent calls with one key, until the key expires.
        """
        client, _ = self._sync()
        reply: Any = client.set(self._key("seen", key), 1, nx=True, px=_milliseconds(ttl))
        return bool(reply)

    def forget(self, key: str) -> None:
        """Drop a key recorded by :meth:`remember` (``DEL``)."""
        client, _ = self._sync()
        client.delete(self._key("seen", key))

    def touch_user(self, address: str, when: datetime) -> None:
        """Record the customer's activity at ``when``; an older time never replaces a newer one.

        Args:
            address: ``str(Address)`` of the customer.
            when: the activity time (naive datetimes are taken as UTC).
        """
        _, scripts = self._sync()
        keys, args = self._touch_args(address, when)
        scripts.touch_user(keys=keys, args=args)

    def last_user_activity(self, address: str) -> datetime | None:
        """The customer's latest recorded activity (aware, UTC), or None if unknown or expired."""
        client, _ = self._sync()
        return self._activity(client.get(self._key("user", address)))

    def conversation(self, address: str) -> dict[str, Any]:
        """The conversation state at ``address`` (empty when unknown or expired)."""
        client, _ = self._sync()
        return self._state(client.hgetall(self._key("conv", address)))

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address`` and refresh its TTL.

        Args:
            address: ``str(Address)`` of the customer.
            **values: JSON-serialisable values (tuples come back as lists); None deletes a field.

        Raises:
            TypeError: a value cannot be encoded as JSON.
        """
        if not values:
            return
        keys, args = self._update_args(address, values)
        _, scripts = self._sync()
        scripts.update_conversation(keys=keys, args=args)

    def acquire(self, key: str, *, rate: float, burst: int, now: float, max_wait: float) -> float:
        """Reserve a slot in bucket ``key``; the wait before using it (see :meth:`Store.acquire`)."""
        keys, args = self._acquire_args(key, rate, burst, now, max_wait)
        _, scripts = self._sync()
        return float(_text(scripts.acquire(keys=keys, args=args)))

    def hold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Grant nothing from bucket ``key`` before ``until`` (see :meth:`Store.hold`)."""
        keys, args = self._hold_args(key, until, rate, burst)
        _, scripts = self._sync()
        scripts.hold(keys=keys, args=args)

    def release(self, key: str, *, rate: float, burst: int) -> None:
        """Give back one reserved slot of bucket ``key`` (see :meth:`Store.release`)."""
        interval, _ = _pacing.bucket(rate, burst)
        _, scripts = self._sync()
        scripts.release(keys=[self._key("pace", key)], args=[repr(interval)])

    def get(self, key: str) -> Any | None:
        """The cached JSON value at ``key``, or None if absent or expired."""
        client, _ = self._sync()
        return self._cached(client.get(self._key("cache", key)))

    def put(self, key: str, value: Any, ttl: float) -> None:
        """Cache ``value`` at ``key`` for ``ttl`` seconds (``SET PX``); None deletes it.

        Raises:
            TypeError: ``value`` cannot be encoded as JSON.
        """
        client, _ = self._sync()
        if value is None:
            client.delete(self._key("cache", key))
            return
        text = json.dumps(value, separators=(",", ":"))
        client.set(self._key("cache", key), text, px=_milliseconds(ttl))

    def record(self, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
        """The batch method (see :mod:`polychat.stores.base`), in two round trips.

        One pipeline sets every arrival's key (``SET NX``); one more applies the new arrivals'
        updates (the same Lua scripts as the single methods) and reads their states
        (``HGETALL``), in order. A server that lost the scripts costs one more round trip (they
        are loaded and the second pipeline replayed; its writes are idempotent). If a step fails,
        the keys the first one recorded are deleted before the error is raised.

        Raises:
            ValueError: an update names a method other than ``touch_user``,
                ``update_conversation`` and ``put`` (before any I/O).
            TypeError: a value cannot be encoded as JSON (before any I/O).
        """
        batch = self._batch(arrivals)
        if not arrivals:
            return []
        client, scripts = self._sync()
        pipe: Any = client.pipeline(transaction=False)
        self._queue_remember(pipe, batch)
        replies = pipe.execute(raise_on_error=False)
        new, recorded = self._new(batch, replies)
        try:
            error = _first_error(replies)
            if error is not None:
                raise error
            pipe = client.pipeline(transaction=False)
            where = self._queue_updates(pipe, scripts, batch, new)
            replies = pipe.execute(raise_on_error=False)
            if self._noscript(replies):
                for script in (scripts.touch_user, scripts.update_conversation):
                    script.sha = client.script_load(script.script)
                pipe = client.pipeline(transaction=False)
                where = self._queue_updates(pipe, scripts, batch, new)
                replies = pipe.execute(raise_on_error=False)
            return self._results(where, replies)
        except BaseException:
            if recorded:
                with contextlib.suppress(Exception):
                    client.delete(*recorded)
            raise

    # -- async face ----------------------------------------------------------------------------

    async def aremember(self, key: str, ttl: float) -> bool:
        """Async face of :meth:`remember`."""
        client, _ = await self._async()
        reply: Any = await client.set(self._key("seen", key), 1, nx=True, px=_milliseconds(ttl))
        return bool(reply)

    async def aforget(self, key: str) -> None:
        """Async face of :meth:`forget`."""
        client, _ = await self._async()
        await client.delete(self._key("seen", key))

    async def atouch_user(self, address: str, when: datetime) -> None:
        """Async face of :meth:`touch_user`."""
        _, scripts = await self._async()
        keys, args = self._touch_args(address, when)
        await scripts.touch_user(keys=keys, args=args)

    async def alast_user_activity(self, address: str) -> datetime | None:
        """Async face of :meth:`last_user_activity`."""
        client, _ = await self._async()
        return self._activity(await client.get(self._key("user", address)))

    async def aconversation(self, address: str) -> dict[str, Any]:
        """Async face of :meth:`conversation`."""
        client, _ = await self._async()
        return self._state(await client.hgetall(self._key("conv", address)))  # type: ignore[misc]

    async def aupdate_conversation(self, address: str, **values: Any) -> None:
        """Async face of :meth:`update_conversation`."""
        if not values:
            return
        keys, args = self._update_args(address, values)
        _, scripts = await self._async()
        await scripts.update_conversation(keys=keys, args=args)

    async def aacquire(self, key: str, *, rate: float, burst: int, now: float,
                       max_wait: float) -> float:
        """Async face of :meth:`acquire`."""
        keys, args = self._acquire_args(key, rate, burst, now, max_wait)
        _, scripts = await self._async()
        return float(_text(await scripts.acquire(keys=keys, args=args)))

    async def ahold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Async face of :meth:`hold`."""
        keys, args = self._hold_args(key, until, rate, burst)
        _, scripts = await self._async()
        await scripts.hold(keys=keys, args=args)

    async def arelease(self, key: str, *, rate: float, burst: int) -> None:
        """Async face of :meth:`release`."""
        interval, _ = _pacing.bucket(rate, burst)
        _, scripts = await self._async()
        await scripts.release(keys=[self._key("pace", key)], args=[repr(interval)])

    async def aget(self, key: str) -> Any | None:
        """Async face of :meth:`get`."""
        client, _ = await self._async()
        return self._cached(await client.get(self._key("cache", key)))

    async def aput(self, key: str, value: Any, ttl: float) -> None:
        """Async face of :meth:`put`."""
        client, _ = await self._async()
        if value is None:
            await client.delete(self._key("cache", key))
            return
        text = json.dumps(value, separators=(",", ":"))
        await client.set(self._key("cache", key), text, px=_milliseconds(ttl))

    async def arecord(self, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
        """Async face of :meth:`record` (two round trips)."""
        batch = self._batch(arrivals)
        if not arrivals:
            return []
        client, scripts = await self._async()
        pipe: Any = client.pipeline(transaction=False)
        self._queue_remember(pipe, batch)
        replies = await pipe.execute(raise_on_error=False)
        new, recorded = self._new(batch, replies)
        try:
            error = _first_error(replies)
            if error is not None:
                raise error
            pipe = client.pipeline(transaction=False)
            where = self._queue_updates(pipe, scripts, batch, new)
            replies = await pipe.execute(raise_on_error=False)
            if self._noscript(replies):
                for script in (scripts.touch_user, scripts.update_conversation):
                    script.sha = await client.script_load(script.script)
                pipe = client.pipeline(transaction=False)
                where = self._queue_updates(pipe, scripts, batch, new)
                replies = await pipe.execute(raise_on_error=False)
            return self._results(where, replies)
        except BaseException:
            if recorded:
                with contextlib.suppress(Exception):
                    await client.delete(*recorded)
            raise
