"""The :class:`Store` protocol: what a hub keeps between webhooks and between sends.

A hub needs five kinds of state, all small and all keyed by strings:

- **seen event keys** (``remember``), so a platform's re-delivery of a webhook is dispatched once;
- **customer activity** (``touch_user`` / ``last_user_activity``), for the messaging-window check;
- **conversation state** (``conversation`` / ``update_conversation``): Apple's closed flag and
  device capabilities, the numbered menu on show;
- **pacing buckets** (``acquire`` / ``hold``), so sends stay under each platform's rate limits;
- **a small JSON cache** (``get`` / ``put``), e.g. for template definitions.

Every method exists twice with the same meaning: the sync face (``remember``…) used by
:class:`~polychat.Hub`, and the async face (``aremember``…) used by :class:`~polychat.AsyncHub`.
A store that has only a sync implementation subclasses :class:`SyncStoreBase` and gets the async
face for free.

Rules every implementation follows:

- **Thread and task safety.** Both faces may be called concurrently from many threads (a sync
  hub behind a threaded WSGI server) and many tasks; a store shared between processes (Redis)
  is called from all of them at once.
- **Atomicity.** ``remember``, ``touch_user``, ``update_conversation``, ``acquire`` and ``hold``
  are each atomic: a concurrent caller never sees half an update, and of concurrent
  ``remember`` calls with one key exactly one wins.
- **Clocks.** TTLs (``remember``, ``put``, the state TTL) run on the store's own clock. Pacing
  runs only on the caller's clock: ``now`` and ``until`` are float seconds the caller reads from
  one clock (``time.time()`` when several processes or hosts share the store, since monotonic
  clocks differ between hosts), and a store never reads a clock to decide a pacing question —
  so every store decides identically for the same inputs.
- **Values.** Conversation values and cached values are JSON-serialisable; they come back as
  decoded JSON (tuples as lists), never as the caller's own objects.

**The batch method** ``record(arrivals)`` / ``arecord(arrivals)`` does, for a webhook's
:class:`Arrival` list, what the hub would otherwise do call by call: for each arrival in order,
``remember(key, ttl)``; if the key was already recorded, the result is None and nothing else is
done for that arrival; otherwise its ``updates`` (``touch_user``, ``update_conversation``,
``put``) are applied in order, and the result is ``conversation(state_of)`` read after them (``{}``
when ``state_of`` is None). Later arrivals see the earlier ones' updates. An unknown update name
raises ``ValueError``. If it raises, it first forgets (best effort) the keys it recorded, so the
platform's re-delivery is not taken for a duplicate. It is optional and kept out of the
:class:`Store` protocol, so stores written before it still pass ``isinstance(x, Store)``: the
hubs call it when the store has it and fall back to the single calls otherwise.
:class:`SyncStoreBase` provides it as a loop over the single methods;
:class:`~polychat.MemoryStore` does a batch under one lock, ``RedisStore`` in two round trips.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

__all__ = ["ARRIVAL_UPDATES", "DEFAULT_STATE_TTL", "Arrival", "Store", "StoreUpdate", "SyncStoreBase"]

DEFAULT_STATE_TTL = 30 * 24 * 3600.0
"""Seconds customer activity and conversation state are kept after their last update (30 days)."""

StoreUpdate = tuple[str, tuple[Any, ...], dict[str, Any]]
"""A store method name, its positional and keyword arguments (the hubs call it sync or async)."""

ARRIVAL_UPDATES = frozenset({"touch_user", "update_conversation", "put"})
"""The store methods an :class:`Arrival`'s updates may name."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """One inbound event as the batch method ``record`` / ``arecord`` sees it.

    Attributes:
        key: the event's dedup key, remembered for ``ttl`` seconds.
        ttl: how long to remember ``key``.
        updates: the store writes the event implies when new, applied in order: ``(name, args,
            kwargs)`` with ``name`` one of ``touch_user``, ``update_conversation``, ``put``.
        state_of: a conversation address whose state to read after the updates, or None.
    """

    key: str
    ttl: float
    updates: Sequence[StoreUpdate] = ()
    state_of: str | None = None


def unknown_update(name: str, arrival: Arrival) -> ValueError:
    """The error for an update ``record`` does not apply."""
    return ValueError(f"unknown store update {name!r} in the arrival of {arrival.key!r} "
                      f"(record applies {', '.join(sorted(ARRIVAL_UPDATES))})")


def check_arrivals(arrivals: Sequence[Arrival]) -> None:
    """Raise ``ValueError`` for an update name ``record`` does not apply (before any I/O)."""
    for arrival in arrivals:
        for name, _, _ in arrival.updates:
            if name not in ARRIVAL_UPDATES:
                raise unknown_update(name, arrival)


def record_each(store: Any, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
    """``record`` done with the store's single sync methods, one call at a time.

    What :meth:`SyncStoreBase.record` does, and what a hub does with a store that has no
    ``record``. On an error, forgets (best effort) the keys recorded by this call, then raises.
    """
    check_arrivals(arrivals)
    results: list[dict[str, Any] | None] = []
    recorded: list[str] = []
    try:
        for arrival in arrivals:
            if not store.remember(arrival.key, arrival.ttl):
                results.append(None)
                continue
            recorded.append(arrival.key)
            for name, args, kwargs in arrival.updates:
                getattr(store, name)(*args, **kwargs)
            results.append({} if arrival.state_of is None else store.conversation(arrival.state_of))
    except BaseException:
        for key in recorded:
            with contextlib.suppress(Exception):
                store.forget(key)
        raise
    return results


async def acall(store: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the store's async face (``a<name>``), or its sync method when it has none."""
    method = getattr(store, "a" + name, None)
    if method is None:
        return getattr(store, name)(*args, **kwargs)
    return await method(*args, **kwargs)


async def arecord_each(store: Any, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
    """:func:`record_each` through the store's async face (each method's sync one if it has no
    async one)."""
    check_arrivals(arrivals)
    results: list[dict[str, Any] | None] = []
    recorded: list[str] = []
    try:
        for arrival in arrivals:
            if not await acall(store, "remember", arrival.key, arrival.ttl):
                results.append(None)
                continue
            recorded.append(arrival.key)
            for name, args, kwargs in arrival.updates:
                await acall(store, name, *args, **kwargs)
            results.append({} if arrival.state_of is None
                           else await acall(store, "conversation", arrival.state_of))
    except BaseException:
        for key in recorded:
            with contextlib.suppress(Exception):
                await acall(store, "forget", key)
        raise
    return results


RECORD_CALLS = ("remember", "forget", "touch_user", "update_conversation", "put", "conversation")
"""The single methods ``record`` stands for."""

_ASYNC_RECORD_CALLS = tuple(f"a{name}" for name in RECORD_CALLS)


def overrides(store: object, base: type, names: Sequence[str]) -> bool:
    """Whether ``store``'s class replaces any of ``base``'s methods ``names`` (a subclass adding
    behaviour to them, which a batch that bypasses them would lose)."""
    klass = type(store)
    return klass is not base and any(getattr(klass, name) is not getattr(base, name)
                                     for name in names)


@runtime_checkable
class Store(Protocol):
    """Storage a hub uses for de-duplication, the window check, conversation state and pacing.

    See the module documentation for the rules on thread safety, atomicity and clocks. Built-in
    implementations: :class:`~polychat.MemoryStore` (one process, the default) and
    ``polychat.stores.redis.RedisStore`` (shared by several workers). Write your own sync one by
    subclassing :class:`SyncStoreBase`.

    The batch method ``record`` / ``arecord`` (see the module documentation) is optional and not
    part of this protocol: a store without it is still a ``Store``, and the hubs then make the
    single calls instead.
    """

    # -- de-duplication ------------------------------------------------------------------------

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; True if it was NOT already recorded.

        Atomic: of concurrent calls with one key, exactly one returns True, and every later call
        returns False until the key expires.
        """
        ...

    async def aremember(self, key: str, ttl: float) -> bool:
        """Async face of :meth:`remember`."""
        ...

    def forget(self, key: str) -> None:
        """Drop ``key`` recorded by :meth:`remember`, so the next ``remember`` of it is True again
        (an event recorded as seen but not processed: its re-delivery must count as new)."""
        ...

    async def aforget(self, key: str) -> None:
        """Async face of :meth:`forget`."""
        ...

    # -- customer activity ---------------------------------------------------------------------

    def touch_user(self, address: str, when: datetime) -> None:
        """Record that the customer at ``address`` (``str(Address)``) was active at ``when``.

        Keeps the LATER of the stored time and ``when`` (webhooks arrive out of order); a naive
        ``when`` is taken as UTC.
        """
        ...

    async def atouch_user(self, address: str, when: datetime) -> None:
        """Async face of :meth:`touch_user`."""
        ...

    def last_user_activity(self, address: str) -> datetime | None:
        """When the customer at ``address`` was last active (aware, UTC), or None if unknown."""
        ...

    async def alast_user_activity(self, address: str) -> datetime | None:
        """Async face of :meth:`last_user_activity`."""
        ...

    # -- conversation state --------------------------------------------------------------------

    def conversation(self, address: str) -> dict[str, Any]:
        """A fresh dict of what is known of the conversation at ``address`` (empty if nothing)."""
        ...

    async def aconversation(self, address: str) -> dict[str, Any]:
        """Async face of :meth:`conversation`."""
        ...

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address``.

        A value of ``None`` deletes that field. Values must be JSON-serialisable (``TypeError``
        otherwise). The merge is atomic.
        """
        ...

    async def aupdate_conversation(self, address: str, **values: Any) -> None:
        """Async face of :meth:`update_conversation`."""
        ...

    # -- pacing --------------------------------------------------------------------------------

    def acquire(self, key: str, *, rate: float, burst: int, now: float, max_wait: float) -> float:
        """Reserve a slot in the token bucket ``key``; return how long to wait before using it.

        A GCRA bucket with reservation: ``rate`` requests per second on average, up to ``burst``
        at once. The bucket's only state is its theoretical arrival time (TAT), on the caller's
        clock. With ``interval = 1 / rate`` and ``tau = (burst - 1) * interval``::

            tat  = max(stored TAT, now)
            wait = max(0, tat - tau - now)

        If ``wait > max_wait`` nothing changes and ``wait`` is returned (the caller gives up);
        otherwise the TAT becomes ``tat + interval`` and ``wait`` is returned (the caller sleeps
        ``wait`` seconds, then sends). Atomic. For example, ``rate=1, burst=1`` at ``now=0``
        grants 0, then 1.0, then 2.0; ``rate=1, burst=3`` grants 0, 0, 0, then 1.0.

        Args:
            key: the bucket (e.g. one per platform account, or per recipient).
            rate: requests per second (> 0).
            burst: requests allowed at once (>= 1).
            now: the caller's clock, in seconds (see the module notes on clocks).
            max_wait: the longest wait the caller accepts (``math.inf`` for any).

        Returns:
            Seconds to wait; a value above ``max_wait`` means refused (and nothing reserved).

        Raises:
            ValueError: a non-positive rate, a burst below 1, a non-finite ``now``, a negative
                ``max_wait``.
        """
        ...

    async def aacquire(self, key: str, *, rate: float, burst: int, now: float,
                       max_wait: float) -> float:
        """Async face of :meth:`acquire`."""
        ...

    def hold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Grant nothing from bucket ``key`` before ``until`` (the platform said "retry after").

        Sets ``TAT = max(TAT, until + tau)``, so an :meth:`acquire` at ``now < until`` answers
        ``until - now`` (up to float rounding), and the burst refills at the usual rate after
        ``until``. It never shortens a wait already reserved. Atomic.

        Args:
            key: the bucket.
            until: on the caller's clock, the moment sending may resume.
            rate: the bucket's rate, as passed to :meth:`acquire`.
            burst: the bucket's burst, as passed to :meth:`acquire`.
        """
        ...

    async def ahold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Async face of :meth:`hold`."""
        ...

    def release(self, key: str, *, rate: float, burst: int) -> None:
        """Give back one slot :meth:`acquire` reserved in bucket ``key`` and that will not be used
        (``TAT -= interval``; nothing when the bucket has no state). Atomic.

        A send drawing from several buckets reserves in each; when a later bucket refuses, the
        hub gives back the slots the earlier ones granted, so a refused send takes no token.
        """
        ...

    async def arelease(self, key: str, *, rate: float, burst: int) -> None:
        """Async face of :meth:`release`."""
        ...

    # -- cache ---------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        """The cached JSON value at ``key``, or None if absent or expired."""
        ...

    async def aget(self, key: str) -> Any | None:
        """Async face of :meth:`get`."""
        ...

    def put(self, key: str, value: Any, ttl: float) -> None:
        """Cache the JSON-serialisable ``value`` at ``key`` for ``ttl`` seconds (None deletes)."""
        ...

    async def aput(self, key: str, value: Any, ttl: float) -> None:
        """Async face of :meth:`put`."""
        ...


def _missing(store: object, method: str) -> NotImplementedError:
    return NotImplementedError(f"{type(store).__name__} does not implement Store.{method}()")


class SyncStoreBase:
    """Base class for a store written synchronously: its async face calls the sync methods.

    Subclass it and implement the sync methods of :class:`Store` (``remember``, ``touch_user``,
    ``last_user_activity``, ``conversation``, ``update_conversation``, ``acquire``, ``hold``,
    ``get``, ``put``); ``aremember`` and the other async methods then call them directly, on the
    event loop. That suits stores whose methods return in microseconds (like
    :class:`~polychat.MemoryStore`). A store that blocks on I/O should override the async
    methods too (for instance with ``asyncio.to_thread``), or the loop stalls on every call.

    The batch method :meth:`record` comes as a loop over the single methods, and :meth:`arecord`
    calls it — or, when the subclass overrides async methods, loops over those instead. Override
    both when the store can record a batch in fewer round trips.

    Example::

        class SqliteStore(SyncStoreBase):
            def remember(self, key: str, ttl: float) -> bool:
                ...
    """

    def remember(self, key: str, ttl: float) -> bool:
        """See :meth:`Store.remember`; subclasses implement it."""
        raise _missing(self, "remember")

    def forget(self, key: str) -> None:
        """See :meth:`Store.forget`; subclasses implement it."""
        raise _missing(self, "forget")

    def touch_user(self, address: str, when: datetime) -> None:
        """See :meth:`Store.touch_user`; subclasses implement it."""
        raise _missing(self, "touch_user")

    def last_user_activity(self, address: str) -> datetime | None:
        """See :meth:`Store.last_user_activity`; subclasses implement it."""
        raise _missing(self, "last_user_activity")

    def conversation(self, address: str) -> dict[str, Any]:
        """See :meth:`Store.conversation`; subclasses implement it."""
        raise _missing(self, "conversation")

    def update_conversation(self, address: str, **values: Any) -> None:
        """See :meth:`Store.update_conversation`; subclasses implement it."""
        raise _missing(self, "update_conversation")

    def acquire(self, key: str, *, rate: float, burst: int, now: float, max_wait: float) -> float:
        """See :meth:`Store.acquire`; subclasses implement it."""
        raise _missing(self, "acquire")

    def hold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """See :meth:`Store.hold`; subclasses implement it."""
        raise _missing(self, "hold")

    def release(self, key: str, *, rate: float, burst: int) -> None:
        """See :meth:`Store.release`; subclasses implement it."""
        raise _missing(self, "release")

    def get(self, key: str) -> Any | None:
        """See :meth:`Store.get`; subclasses implement it."""
        raise _missing(self, "get")

    def put(self, key: str, value: Any, ttl: float) -> None:
        """See :meth:`Store.put`; subclasses implement it."""
        raise _missing(self, "put")

    def record(self, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
        """The batch method (see the module documentation): for each arrival, ``remember``, then
        its updates and the state read when it is new; None for a duplicate.

        This default calls the single methods one at a time (so a subclass gets it for free);
        a store that can do better (one lock, one round trip) overrides it.

        Raises:
            ValueError: an update names a method other than ``touch_user``,
                ``update_conversation`` and ``put`` (raised before anything is recorded).
        """
        return record_each(self, arrivals)

    async def aremember(self, key: str, ttl: float) -> bool:
        """Calls :meth:`remember`."""
        return self.remember(key, ttl)

    async def aforget(self, key: str) -> None:
        """Calls :meth:`forget`."""
        self.forget(key)

    async def atouch_user(self, address: str, when: datetime) -> None:
        """Calls :meth:`touch_user`."""
        self.touch_user(address, when)

    async def alast_user_activity(self, address: str) -> datetime | None:
        """Calls :meth:`last_user_activity`."""
        return self.last_user_activity(address)

    async def aconversation(self, address: str) -> dict[str, Any]:
        """Calls :meth:`conversation`."""
        return self.conversation(address)

    async def aupdate_conversation(self, address: str, **values: Any) -> None:
        """Calls :meth:`update_conversation`."""
        self.update_conversation(address, **values)

    async def aacquire(self, key: str, *, rate: float, burst: int, now: float,
                       max_wait: float) -> float:
        """Calls :meth:`acquire`."""
        return self.acquire(key, rate=rate, burst=burst, now=now, max_wait=max_wait)

    async def ahold(self, key: str, *, until: float, rate: float, burst: int) -> None:
        """Calls :meth:`hold`."""
        self.hold(key, until=until, rate=rate, burst=burst)

    async def arelease(self, key: str, *, rate: float, burst: int) -> None:
        """Calls :meth:`release`."""
        self.release(key, rate=rate, burst=burst)

    async def aget(self, key: str) -> Any | None:
        """Calls :meth:`get`."""
        return self.get(key)

    async def aput(self, key: str, value: Any, ttl: float) -> None:
        """Calls :meth:`put`."""
        self.put(key, value, ttl)

    async def arecord(self, arrivals: Sequence[Arrival]) -> list[dict[str, Any] | None]:
        """Calls :meth:`record`; or, when the subclass overrides the async single methods (e.g.
        with ``asyncio.to_thread``), goes through them one at a time, so the loop never blocks."""
        if overrides(self, SyncStoreBase, _ASYNC_RECORD_CALLS):
            return await arecord_each(self, arrivals)
        return self.record(arrivals)
