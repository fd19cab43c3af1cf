"""MemoryStore: its bounds and injectable clock; SyncStoreBase: the async face for free.

The behaviours every store shares are in test_contract.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from polychat import MemoryStore, Store
from polychat.stores import SyncStoreBase

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
