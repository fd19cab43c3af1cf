"""The in-memory store: dedup with TTL, size bound, activity times."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from polychat import MemoryStore, Store


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_remember_is_true_once_until_expiry() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    assert isinstance(store, Store)
    assert store.remember("k", ttl=10) is True
    assert store.remember("k", ttl=10) is False
    clock.now = 10.5
    assert store.remember("k", ttl=10) is True


def test_size_is_bounded() -> None:
    store = MemoryStore(max_keys=3, clock=Clock())
    for n in range(10):
        assert store.remember(f"k{n}", ttl=100)
    assert len(store) == 3
    assert store.remember("k9", ttl=100) is False
    assert store.remember("k0", ttl=100) is True  # evicted long ago


def test_remember_is_atomic_across_threads() -> None:
    store = MemoryStore()
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(store.remember("same", ttl=60))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_user_activity_never_goes_backwards() -> None:
    store = MemoryStore(max_users=2)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    store.touch_user("a", t0)
    store.touch_user("a", t0 - timedelta(hours=1))
    assert store.last_user_activity("a") == t0
    store.touch_user("b", t0)
    store.touch_user("c", t0)
    assert store.last_user_activity("a") is None
    assert store.last_user_activity("zzz") is None
