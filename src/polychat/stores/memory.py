"""The default in-process store: bounded, with TTLs, thread-safe."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import _pacing
from .base import DEFAULT_STATE_TTL, RECORD_CALLS, Arrival, SyncStoreBase, check_arrivals, overrides

__all__ = ["MemoryStore"]

_V = TypeVar("_V")


_ENCODER = json.JSONEncoder(separators=(",", ":"))
"""One compact encoder for every value (``json.dumps`` with options builds a new one per call)."""


def _dump(value: Any) -> str:
    if value is True or value is False:  # the conversation flags, written for every event
        return "true" if value else "false"
    return _ENCODER.encode(value)


def _load(text: str) -> Any:
    if text == "false" or text == "true":
        return text == "true"
    return json.loads(text)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _touch_args(address: str, when: datetime) -> tuple[str, datetime]:
    return address, _utc(when)


def _update_args(address: str, **values: Any) -> tuple[str, dict[str, str | None]]:
    """The values JSON-encoded (None stays None: it deletes the field)."""
    return address, {name: None if value is None else _dump(value) for name, value in values.items()}


def _put_args(key: str, value: Any, ttl: float) -> tuple[str, str | None, float]:
    return key, None if value is None else _dump(value), ttl


def _trim(table: OrderedDict[str, tuple[_V, float]], limit: int, now: float) -> None:
    """Drop expired entries from the old end of ``table``, and the oldest beyond ``limit``."""
    while table:
        _, (_, expires) = next(iter(table.items()))
        if expires <= now or len(table) > limit:
            table.popitem(last=False)
        else:
            break


class MemoryStore(SyncStoreBase):
    """In-memory :class:`~polychat.stores.Store` with TTLs and size bounds; the hubs' default.

    Every table is bounded: when one holds more entries than its limit, the least recently
    updated go first, so memory stays bounded under any webhook volume. One lock guards all
    state, so the store is safe to share between threads; its async face (from
    :class:`~polychat.stores.SyncStoreBase`) calls the sync methods, which never block. Values are
    kept JSON-encoded, so what comes back is a fresh copy, exactly as from a shared store. It is
    not shared between processes: run several workers behind one webhook URL with a shared store
    (``polychat.stores.redis.RedisStore``) instead.

    Example::

        hub = polychat.AsyncHub(wa, store=polychat.MemoryStore(max_keys=10_000))

    Args:
        max_keys: most dedup keys held at once.
        max_users: most customer activity times, and most conversation states, held at once.
        max_buckets: most pacing buckets held at once.
        max_cached: most cache entries held at once.
        state_ttl: seconds customer activity and conversation state live after their last
            update.
        clock: monotonic seconds for the TTLs, injectable for tests (pacing uses the caller's
            ``now`` instead).

    Raises:
        ValueError: a limit below 1 or a non-positive ``state_ttl``.
    """

    def __init__(self, *, max_keys: int = 100_000, max_users: int = 100_000,
                 max_buckets: int = 100_000, max_cached: int = 10_000,
                 state_ttl: float = DEFAULT_STATE_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if min(max_keys, max_users, max_buckets, max_cached) < 1:
            raise ValueError("max_keys, max_users, max_buckets and max_cached must be positive")
        if not state_ttl > 0:
            raise ValueError("state_ttl must be positive")
        self.max_keys = max_keys
        self.max_users = max_users
        self.max_buckets = max_buckets
        self.max_cached = max_cached
        self.state_ttl = state_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, tuple[None, float]] = OrderedDict()
        self._users: OrderedDict[str, tuple[datetime, float]] = OrderedDict()
        self._conversations: OrderedDict[str, tuple[dict[str, str], float]] = OrderedDict()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # TAT, caller-clock expiry
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"MemoryStore(keys={len(self._keys)}, users={len(self._users)})"

    def __len__(self) -> int:
        """How many dedup keys are held (expired ones included until trimmed)."""
        return len(self._keys)

    # -- de-duplication ------------------------------------------------------------------------

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; True if it was new (see :meth:`Store.remember`)."""
        with self._lock:
            return self._remember_unlocked(key, ttl, self._clock())

    def _remember_unlocked(self, key: str, ttl: float, now: float) -> bool:
        found = self._keys.get(key)
        if found is not None and found[1] > now:
            return False
        self._keys[key] = (None, now + ttl)
        self._keys.move_to_end(key)
        _trim(self._keys, self.max_keys, now)
        return True

    def forget(self, key: str) -> None:
        """Drop ``key`` (see :meth:`Store.forget`)."""
        with self._lock:
            self._keys.pop(key, None)

    # -- customer activity ---------------------------------------------------------------------

    def touch_user(self, address: str, when: datetime) -> None:
        """Record the customer's activity; an older time never replaces a newer one."""
        self._apply("touch_user", address, when)

    def _touch_user_unlocked(self, address: str, when: datetime, now: float) -> None:
        found = self._users.get(address)
        if found is not None and found[1] > now and found[0] >= when:
            when = found[0]
        self._users[address] = (when, now + self.state_ttl)
        self._users.move_to_end(address)
        _trim(self._users, self.max_users, now)

    def last_user_activity(self, address: str) -> datetime | None:
        """The customer's latest recorded activity (aware, UTC), or None."""
        with self._lock:
            found = self._users.get(address)
            if found is None or found[1] <= self._clock():
                return None
            return found[0]

    # -- conversation state --------------------------------------------------------------------

    def conversation(self, address: str) -> dict[str, Any]:
        """A fresh copy of the conversation state at ``address`` (empty when unknown)."""
        with self._lock:
            fields = self._conversation_unlocked(address, self._clock())
        return {name: _load(text) for name, text in fields.items()}

    def _conversation_unlocked(self, address: str, now: float) -> dict[str, str]:
        """A copy of the encoded fields at ``address`` (decode them outside the lock)."""
        found = self._conversations.get(address)
        if found is None or found[1] <= now:
            return {}
        return dict(found[0])

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address``; None deletes a field.

        Raises:
            TypeError: a value cannot be encoded as JSON.
        """
        self._apply("update_conversation", address, **values)

    def _update_conversation_unlocked(self, address: str, encoded: dict[str, str | None],
                                      now: float) -> None:
        if not encoded:
            return
        found = self._conversations.get(address)
        fields = dict(found[0]) if found is not None and found[1] > now else {}
        for name, text in encoded.items():
            if text is None:
                fields.pop(name, None)
            else:
                fields[name] = text
        if fields:
            self._conversations[address] = (fields, now + self.state_ttl)
            self._conversations.move_to_end(address)
        else:
            self._conversations.pop(address, None)
        _trim(self._conversations, self.max_users, now)

    # -- pacing --------------------------------------------------------------------------------

    def acquire(self, key: str, *, rate: float, burst: int, now: float, max_wait: float) -> float:
        """Reserve a slot in bucket ``key``; the wait before using it (see :meth:`Store.acquire`)."""
        interval, tau = _pacing.bucket(rate, burst)
        now = _pacing.check_time("now", now)
        max_wait = _pacing.check_max_wait(max_wait)
        with self._lock:
            found = self._buckets.get(key)
            stored = found[0] if found is not None and found[1] > now else None
            wait, tat = _pacing.acquire(stored, now, interval, tau, max_wait)
            if tat is not None:
                self._buckets[key] = (tat, tat + tau + _pacing.SLACK)
                self._buckets.move_to_end(key)
                _trim(self._buckets, self.max_buckets, now)
            return wait

    def hold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Grant nothing from bucket ``key`` before ``until`` (see :meth:`Store.hold`)."""
        _, tau = _pacing.bucket(rate, burst)
        target = _pacing.hold_target(_pacing.check_time("until", until), tau)
        with self._lock:
            found = self._buckets.get(key)
            if found is not None and found[0] >= target:
                return
            self._buckets[key] = (target, target + tau + _pacing.SLACK)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)

    def release(self, key: str, *, rate: float, burst: int) -> None:
        """Give back one reserved slot of bucket ``key`` (see :meth:`Store.release`)."""
        interval, _ = _pacing.bucket(rate, burst)
        with self._lock:
            found = self._buckets.get(key)
            if found is not None:
                self._buckets[key] = (_pacing.release_target(found[0], interval), found[1])

    # -- cache ---------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        """The cached value at ``key`` (a fresh copy), or None if absent or expired."""
        with self._lock:
            found = self._cache.get(key)
            if found is None or found[1] <= self._clock():
                return None
            text = found[0]
        return json.loads(text)

    def put(self, key: str, value: Any, ttl: float) -> None:
        """Cache ``value`` at ``key`` for ``ttl`` seconds; None deletes it.

        Raises:
            TypeError: ``value`` cannot be encoded as JSON.
        """
        self._apply("put", key, value, ttl)

    def _put_unlocked(self, key: str, text: str | None, ttl: float, now: float) -> None:
        if text is None:
            self._cache.pop(key, None)
            return
        self._cache[key] = (text, now + ttl)
        self._cache.move_to_end(key)
        _trim(self._cache, self.max_cached, now)

    # -- updates, one or a batch ---------------------------------------------------------------

    def _apply(self, name: str, *args: Any, **kwargs: Any) -> None:
        """One update (``touch_user``, ``update_conversation``, ``put``) as :meth:`record`
        applies it: its arguments prepared outside the lock, its helper run under it."""
        prepare, helper = _UPDATES[name]
        prepared = prepare(*args, **kwargs)
        with self._lock:
            helper(self, *prepared, self._clock())

    def record(self, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
        """The batch method (see :meth:`SyncStoreBase.record`), under one lock acquisition.

        Update names are checked before anything is recorded; only a new arrival's values are
        encoded (under the lock). On an error (a value that is not JSON) the keys recorded by
        this call are dropped again before it is raised. A subclass that overrides one of the
        single methods the batch stands for (``remember``, ``touch_user``…) gets the
        one-call-at-a-time default instead, so its overrides run.

        Raises:
            ValueError: an update names a method other than ``touch_user``,
                ``update_conversation`` and ``put``.
            TypeError: a value cannot be encoded as JSON.
        """
        if overrides(self, MemoryStore, RECORD_CALLS):
            return super().record(arrivals)
        check_arrivals(arrivals)
        found: list[dict[str, str] | None] = []
        recorded: list[str] = []
        with self._lock:
            try:
                now = self._clock()
                for arrival in arrivals:
                    if not self._remember_unlocked(arrival.key, arrival.ttl, now):
                        found.append(None)
                        continue
                    recorded.append(arrival.key)
                    for name, args, kwargs in arrival.updates:
                        prepare, helper = _UPDATES[name]
                        helper(self, *prepare(*args, **kwargs), now)
                    found.append({} if arrival.state_of is None
                                 else self._conversation_unlocked(arrival.state_of, now))
            except BaseException:
                for key in recorded:
                    self._keys.pop(key, None)
                raise
        return [None if fields is None else {name: _load(text) for name, text in fields.items()}
                for fields in found]


_UPDATES: dict[str, tuple[Callable[..., tuple[Any, ...]], Callable[..., None]]] = {
    "touch_user": (_touch_args, MemoryStore._touch_user_unlocked),
    "update_conversation": (_update_args, MemoryStore._update_conversation_unlocked),
    "put": (_put_args, MemoryStore._put_unlocked),
}
"""For each update the store applies, alone or in :meth:`MemoryStore.record`: a function with
the method's signature giving its arguments ready for the ``_unlocked`` helper (values encoded,
times in UTC), and that helper."""
