"""MemoryStore: its bounds, injectable clock and one-lock batch; SyncStoreBase: the async face and
the batch method for free.

The behaviours every store shares are in test_contract.py.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from polychat import MemoryStore, Store
from polychat.stores import Arrival, SyncStoreBase

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ttls_run_on_the_injected_clock() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, state_ttl=100)
    assert store.remember("k", ttl=10) is True
    store.put("c", 1, ttl=10)
    store.touch_user("a", T0)
    store.update_conversation("a", closed=True)
    clock.now = 9.9
    assert store.remember("k", ttl=10) is False
    assert store.get("c") == 1
    clock.now = 10.0
    assert store.remember("k", ttl=10) is True
    assert store.get("c") is None
    assert store.last_user_activity("a") == T0
    clock.now = 100.0
    assert store.last_user_activity("a") is None
    assert store.conversation("a") == {}
    store.touch_user("a", T0 - timedelta(days=1))  # the expired later time no longer counts
    assert store.last_user_activity("a") == T0 - timedelta(days=1)


def test_dedup_keys_are_bounded() -> None:
    store = MemoryStore(max_keys=3, clock=Clock())
    for n in range(10):
        assert store.remember(f"k{n}", ttl=100)
    assert len(store) == 3
    assert store.remember("k9", ttl=100) is False
    assert store.remember("k0", ttl=100) is True  # evicted long ago


def test_users_and_conversations_are_bounded() -> None:
    store = MemoryStore(max_users=2)
    for name in "abc":
        store.touch_user(name, T0)
        store.update_conversation(name, closed=True)
    assert store.last_user_activity("a") is None
    assert store.conversation("a") == {}
    assert store.last_user_activity("c") == T0
    assert store.conversation("c") == {"closed": True}


def test_buckets_are_bounded_and_expire_on_the_callers_clock() -> None:
    store = MemoryStore(max_buckets=2)
    for key in "abc":
        assert store.acquire(key, rate=1, burst=1, now=0.0, max_wait=5) == 0.0
    assert store.acquire("a", rate=1, burst=1, now=0.0, max_wait=5) == 0.0  # evicted: a fresh bucket
    assert store.acquire("c", rate=1, burst=1, now=0.0, max_wait=5) == 1.0
    store.hold("d", until=10.0, rate=1, burst=1)
    assert len(store._buckets) == 2
    # a bucket that stopped mattering (TAT + tau + 1 s) is dropped when met
    assert store.acquire("e", rate=1, burst=1, now=1000.0, max_wait=5) == 0.0
    assert list(store._buckets) == ["e"]


def test_the_cache_is_bounded() -> None:
    store = MemoryStore(max_cached=2)
    for key in "abc":
        store.put(key, key, ttl=100)
    assert [store.get(key) for key in "abc"] == [None, "b", "c"]


@pytest.mark.parametrize("settings", [{"max_keys": 0}, {"max_users": 0}, {"max_buckets": 0},
                                      {"max_cached": 0}, {"state_ttl": 0}])
def test_bad_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        MemoryStore(**settings)


def test_repr_is_short() -> None:
    store = MemoryStore()
    store.remember("k", ttl=1)
    assert repr(store) == "MemoryStore(keys=1, users=0)"


class DictStore(SyncStoreBase):
    """A user's own sync store: only the sync face written, and no expiry (for the test)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.calls: list[str] = []

    def remember(self, key: str, ttl: float) -> bool:
        self.calls.append("remember")
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def acquire(self, key: str, *, rate: float, burst: int, now: float, max_wait: float) -> float:
        self.calls.append(f"acquire {key} {rate} {burst} {now} {max_wait}")
        return 0.5


def test_sync_store_base_gives_the_async_face() -> None:
    store = DictStore()
    assert isinstance(store, Store)

    async def run() -> list[Any]:
        return [await store.aremember("k", 1), await store.aremember("k", 1),
                await store.aacquire("b", rate=2, burst=3, now=1.0, max_wait=4)]

    assert asyncio.run(run()) == [True, False, 0.5]
    assert store.calls == ["remember", "remember", "acquire b 2 3 1.0 4"]


def test_sync_store_base_names_what_is_missing() -> None:
    store = DictStore()
    with pytest.raises(NotImplementedError, match=r"DictStore does not implement Store\.touch_user\(\)"):
        asyncio.run(store.atouch_user("a", T0))
    for call in (lambda: store.last_user_activity("a"), lambda: store.conversation("a"),
                 lambda: store.update_conversation("a", closed=True), lambda: store.get("k"),
                 lambda: store.put("k", 1, 1), lambda: store.hold("k", until=1, rate=1, burst=1)):
        with pytest.raises(NotImplementedError):
            call()


def test_memory_store_async_face_is_the_sync_one() -> None:
    store = MemoryStore()

    async def run() -> None:
        await store.aupdate_conversation("a", closed=True)
        await store.aput("c", [1], ttl=10)
        await store.ahold("b", until=5.0, rate=1, burst=1)
        await store.atouch_user("a", T0)

    asyncio.run(run())
    assert store.conversation("a") == {"closed": True}
    assert store.get("c") == [1]
    assert store.acquire("b", rate=1, burst=1, now=1.0, max_wait=10) == 4.0
    assert store.last_user_activity("a") == T0


# -- the batch method ------------------------------------------------------------------------------

MESSAGE = [("touch_user", ("a", T0), {}), ("update_conversation", ("a",), {"closed": False})]


class CountingLock:
    """A lock that counts how often it is taken."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken = 0

    def __enter__(self) -> None:
        self.lock.acquire()
        self.taken += 1

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_memory_store_records_a_batch_under_one_lock() -> None:
    store = MemoryStore()
    lock = CountingLock()
    store._lock = lock  # type: ignore[assignment]
    results = store.record([Arrival(f"k{n}", 10, MESSAGE, "a") for n in range(5)])
    assert results == [{"closed": False}] * 5
    assert lock.taken == 1
    assert asyncio.run(store.arecord([Arrival("k0", 10, MESSAGE, "a")])) == [None]
    assert lock.taken == 2


def test_memory_store_record_runs_on_the_injected_clock() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, state_ttl=100)
    assert store.record([Arrival("k", 10, [*MESSAGE, ("put", ("c", 1, 5), {})], "a")]) == [{"closed": False}]
    clock.now = 9.9
    assert store.record([Arrival("k", 10)]) == [None]
    assert store.get("c") is None  # its own TTL: 5
    clock.now = 10.0
    assert store.record([Arrival("k", 10, [], "a")]) == [{"closed": False}]  # new again
    clock.now = 110.0
    assert store.record([Arrival("k2", 10, [], "a")]) == [{}]  # the state expired
    assert store.last_user_activity("a") is None


class TinyStore(SyncStoreBase):
    """A user's own sync store with the methods a batch needs, each call logged."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.users: dict[str, datetime] = {}
        self.state: dict[str, dict[str, Any]] = {}
        self.cache: dict[str, Any] = {}
        self.calls: list[str] = []

    def remember(self, key: str, ttl: float) -> bool:
        self.calls.append(f"remember {key}")
        new = key not in self.seen
        self.seen.add(key)
        return new

    def forget(self, key: str) -> None:
        self.calls.append(f"forget {key}")
        self.seen.discard(key)

    def touch_user(self, address: str, when: datetime) -> None:
        self.calls.append(f"touch_user {address}")
        self.users[address] = max(when, self.users.get(address, when))

    def conversation(self, address: str) -> dict[str, Any]:
        self.calls.append(f"conversation {address}")
        return dict(self.state.get(address, {}))

    def update_conversation(self, address: str, **values: Any) -> None:
        self.calls.append(f"update_conversation {address}")
        if any(value is Ellipsis for value in values.values()):
            raise ConnectionError("store unreachable")
        state = self.state.setdefault(address, {})
        state.update(values)

    def put(self, key: str, value: Any, ttl: float) -> None:
        self.calls.append(f"put {key}")
        self.cache[key] = value


@pytest.mark.parametrize("face", ["sync", "async"])
def test_sync_store_base_records_with_the_single_methods(face: str) -> None:
    store = TinyStore()
    arrivals = [Arrival("k1", 10, [*MESSAGE, ("put", ("c", 1, 5), {})], "a"),
                Arrival("k1", 10, MESSAGE, "a"), Arrival("k2", 10, [])]
    results = store.record(arrivals) if face == "sync" else asyncio.run(store.arecord(arrivals))
    assert results == [{"closed": False}, None, {}]
    assert store.calls == ["remember k1", "touch_user a", "update_conversation a", "put c",
                           "conversation a", "remember k1", "remember k2"]


def test_sync_store_base_record_gives_back_its_keys_on_failure() -> None:
    store = TinyStore()
    with pytest.raises(ConnectionError):
        store.record([Arrival("k1", 10, MESSAGE), Arrival("k2", 10, [
            ("update_conversation", ("b",), {"closed": ...})])])
    assert store.seen == set()
    assert store.calls[-2:] == ["forget k1", "forget k2"]
    with pytest.raises(ValueError, match="unknown store update 'hold'"):
        store.record([Arrival("k3", 10, [("hold", ("b",), {"until": 1.0, "rate": 1, "burst": 1})])])
    assert "remember k3" not in store.calls  # refused before anything is recorded


class ThreadedStore(TinyStore):
    """A TinyStore whose async face runs in a thread, as a store doing blocking I/O should."""

    async def aremember(self, key: str, ttl: float) -> bool:
        self.calls.append("(thread)")
        return await asyncio.to_thread(self.remember, key, ttl)


def test_sync_store_base_arecord_goes_through_overridden_async_methods() -> None:
    store = ThreadedStore()
    assert asyncio.run(store.arecord([Arrival("k1", 10, MESSAGE, "a")])) == [{"closed": False}]
    assert store.calls == ["(thread)", "remember k1", "touch_user a", "update_conversation a",
                           "conversation a"]


class FlakyMemoryStore(MemoryStore):
    """A MemoryStore whose activity write fails once."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def touch_user(self, address: str, when: datetime) -> None:
        if self.fail:
            self.fail = False
            raise ConnectionError("store unreachable")
        super().touch_user(address, when)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_memory_store_subclass_keeps_its_overrides_in_a_batch(face: str) -> None:
    store = FlakyMemoryStore()

    def record(arrivals: list[Arrival]) -> list[Any]:
        return store.record(arrivals) if face == "sync" else asyncio.run(store.arecord(arrivals))

    with pytest.raises(ConnectionError):
        record([Arrival("k0", 10), Arrival("k1", 10, MESSAGE, "a")])
    assert record([Arrival("k0", 10), Arrival("k1", 10, MESSAGE, "a")]) == [{}, {"closed": False}]
    assert store.last_user_activity("a") == T0


class OldStore:
    """A store written before the batch method: the protocol's methods, no ``record``."""

    def __init__(self) -> None:
        self.inner = MemoryStore()

    def __getattr__(self, name: str) -> Any:
        if name in ("record", "arecord"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_a_store_without_the_batch_method_is_still_a_store() -> None:
    for name in ("record", "arecord"):
        assert name not in Store.__dict__
    assert isinstance(OldStore(), Store)
    assert isinstance(TinyStore(), Store)

