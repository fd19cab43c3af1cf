"""The Store contract, run on every store (MemoryStore, RedisStore on a real server) and both faces.

Each test takes ``face``: the store under test seen through its sync methods or through its
async ones (``aremember``…), with the same awaitable interface either way, so one test body
checks both faces of both stores. Decisions are compared across stores for a seeded random
sequence of pacing calls, and atomicity is checked under threads, tasks and two processes.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from polychat.stores import Arrival, MemoryStore, Store
from polychat.stores.base import record_each

APPLE_ADDRESS = "apple:0a1b2c3d-biz:urn:mbid:AQAAY/x+Lm9==="
T0 = datetime(2026, 1, 1, 12, 0, 0, 123_457, tzinfo=UTC)


class Face:
    """One face of a store, awaitable either way: ``await face.remember("k", 10)``."""

    def __init__(self, store: Any, kind: str) -> None:
        self.store = store
        self.kind = kind

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if self.kind == "sync":
            method = getattr(self.store, name)

            async def call_sync(*args: Any, **kwargs: Any) -> Any:
                return method(*args, **kwargs)

            return call_sync
        async_method = getattr(self.store, "a" + name)

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await async_method(*args, **kwargs)

        return call_async

    def __repr__(self) -> str:
        return f"Face({type(self.store).__name__}, {self.kind})"


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest, any_store: Any) -> Face:
    return Face(any_store, request.param)


def like(store: Any, **settings: Any) -> Any:
    """Another store of the same kind as ``store`` (RedisStore: under its prefix, so cleaned up)."""
    if isinstance(store, MemoryStore):
        return MemoryStore(**settings)
    from polychat.stores.redis import RedisStore

    settings.setdefault("prefix", store.prefix + "like:")
    return RedisStore(url=os.environ["POLYCHAT_TEST_REDIS_URL"], **settings)


async def close(store: Any) -> None:
    """Close what a RedisStore opened (MemoryStore: nothing to do)."""
    if hasattr(store, "aclose"):
        await store.aclose()
        store.close()


# -- the protocol --------------------------------------------------------------------------------


def test_is_a_store(any_store: Any) -> None:
    assert isinstance(any_store, Store)


# -- remember --------------------------------------------------------------------------------------


async def test_remember_is_true_once_until_expiry(face: Face) -> None:
    assert await face.remember("k", 10) is True
    assert await face.remember("k", 10) is False
    assert await face.remember("other", 10) is True
    assert await face.remember("short", 0.03) is True
    assert await face.remember("short", 0.03) is False
    await asyncio.sleep(0.06)
    assert await face.remember("short", 0.03) is True  # expired: new again
    assert await face.remember("k", 10) is False


async def test_forget_makes_a_key_new_again(face: Face) -> None:
    assert await face.remember("k", 10) is True
    await face.forget("k")
    assert await face.remember("k", 10) is True
    await face.forget("never-recorded")  # no error


# -- customer activity -------------------------------------------------------------------------


async def test_user_activity_keeps_the_later_time(face: Face) -> None:
    assert await face.last_user_activity("a") is None
    await face.touch_user("a", T0)
    await face.touch_user("a", T0 - timedelta(hours=1))
    await face.touch_user("a", T0 - timedelta(microseconds=1))
    last = await face.last_user_activity("a")
    assert last == T0
    assert last is not None and last.utcoffset() == timedelta(0)  # aware, UTC
    later = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=1)))  # 13:00 UTC
    await face.touch_user("a", later)
    last = await face.last_user_activity("a")
    assert last == later and last is not None and last.utcoffset() == timedelta(0)
    assert last.hour == 13
    await face.touch_user(APPLE_ADDRESS, datetime(2026, 1, 1, 9, 30))  # naive: taken as UTC
    assert await face.last_user_activity(APPLE_ADDRESS) == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert await face.last_user_activity("zzz") is None


# -- conversation state ------------------------------------------------------------------------


async def test_conversation_merges_and_none_deletes(face: Face) -> None:
    assert await face.conversation(APPLE_ADDRESS) == {}
    await face.update_conversation(APPLE_ADDRESS, closed=True)
    await face.update_conversation(APPLE_ADDRESS, capabilities=("list", "time"), menu=[{"id": "1"}])
    assert await face.conversation(APPLE_ADDRESS) == {
        "closed": True, "capabilities": ["list", "time"], "menu": [{"id": "1"}]}  # tuples: lists
    await face.update_conversation(APPLE_ADDRESS, closed=False, menu=None)
    await face.update_conversation(APPLE_ADDRESS)  # nothing to merge: no error
    await face.update_conversation(APPLE_ADDRESS, never_set=None)  # deleting nothing: no error
    state = await face.conversation(APPLE_ADDRESS)
    assert state == {"closed": False, "capabilities": ["list", "time"]}
    state["closed"] = True  # a copy
    state["capabilities"].append("x")
    assert await face.conversation(APPLE_ADDRESS) == {"closed": False, "capabilities": ["list", "time"]}
    await face.update_conversation(APPLE_ADDRESS, closed=None, capabilities=None)
    assert await face.conversation(APPLE_ADDRESS) == {}
    assert await face.conversation("someone else") == {}


async def test_conversation_values_must_be_json(face: Face) -> None:
    await face.update_conversation("a", closed=True)
    with pytest.raises(TypeError):
        await face.update_conversation("a", closed=False, bad=object())
    assert await face.conversation("a") == {"closed": True}  # nothing merged


async def test_state_expires_after_state_ttl(face: Face) -> None:
    store = like(face.store, state_ttl=0.05)
    short = Face(store, face.kind)
    await short.touch_user("a", T0)
    await short.update_conversation("a", closed=True)
    assert await short.last_user_activity("a") == T0
    assert await short.conversation("a") == {"closed": True}
    await asyncio.sleep(0.1)
    assert await short.last_user_activity("a") is None
    assert await short.conversation("a") == {}
    await short.update_conversation("a", menu=[1])  # a fresh state, not the expired one merged
    assert await short.conversation("a") == {"menu": [1]}
    await close(store)


# -- the batch method: record / arecord -----------------------------------------------------------


def touch(address: str, when: datetime) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    return ("touch_user", (address, when), {})


def update(address: str, **values: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    return ("update_conversation", (address,), values)


def put(key: str, value: Any, ttl: float = 60) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    return ("put", (key, value, ttl), {})


async def test_record_remembers_applies_and_reads(face: Face) -> None:
    results = await face.record([
        Arrival("k1", 60, [touch("a", T0), update("a", closed=False, capabilities=("list",))], "a"),
        Arrival("k2", 60, [put("c", {"n": 1})]),
        Arrival("k3", 60),
    ])
    assert results == [{"closed": False, "capabilities": ["list"]}, {}, {}]
    assert await face.last_user_activity("a") == T0
    assert await face.get("c") == {"n": 1}
    assert [await face.remember(key, 60) for key in ("k1", "k2", "k3")] == [False] * 3
    assert await face.record([]) == []


async def test_record_duplicates_give_none_and_apply_nothing(face: Face) -> None:
    assert await face.remember("seen", 60) is True
    results = await face.record([
        Arrival("seen", 60, [touch("a", T0), update("a", closed=True), put("c", 1)], "a"),
        Arrival("new", 60, [update("b", closed=True)], "b"),
        Arrival("new", 60, [update("b", closed=False, menu=[1]), put("d", 2)], "b"),  # same batch
    ])
    assert results == [None, {"closed": True}, None]
    assert await face.last_user_activity("a") is None
    assert await face.conversation("a") == {}
    assert await face.conversation("b") == {"closed": True}
    assert await face.get("c") is None and await face.get("d") is None
    assert await face.record([Arrival("new", 60, [touch("b", T0)], "b")]) == [None]  # a re-delivery
    assert await face.last_user_activity("b") is None


async def test_record_applies_in_order_and_later_arrivals_see_earlier_ones(face: Face) -> None:
    await face.update_conversation("a", menu={"options": []}, step="ask")
    results = await face.record([
        Arrival("k1", 60, [touch("a", T0), update("a", closed=True, menu=None)], None),
        Arrival("k2", 60, [touch("a", T0 - timedelta(hours=1))], "a"),  # an older time: kept later
        Arrival("k3", 60, [update("a", closed=False), update("a", step=None), put("c", 1),
                           put("c", None)], "a"),
        Arrival("k4", 60, [put("c", 2), update("a", capabilities=["time"])], "a"),
    ])
    assert results == [{}, {"closed": True, "step": "ask"}, {"closed": False},
                       {"closed": False, "capabilities": ["time"]}]
    assert await face.last_user_activity("a") == T0
    assert await face.get("c") == 2


async def test_record_reads_state_after_its_own_updates(face: Face) -> None:
    menu = {"options": [{"n": 1, "id": "s", "title": "Small", "source": "list"}], "at": 1.5}
    await face.update_conversation(APPLE_ADDRESS, menu=menu)
    results = await face.record([Arrival("k", 60, [update(APPLE_ADDRESS, closed=False, nothing=None),
                                                   update(APPLE_ADDRESS)], APPLE_ADDRESS)])
    assert results == [{"menu": menu, "closed": False}]
    results[0]["menu"]["at"] = 9  # a copy
    assert (await face.conversation(APPLE_ADDRESS))["menu"] == menu


async def test_record_refuses_an_unknown_update_and_forgets_its_keys(face: Face) -> None:
    with pytest.raises(ValueError, match="'acquire'"):
        await face.record([
            Arrival("k1", 60, [touch("a", T0)], "a"),
            Arrival("k2", 60, [("acquire", ("b",), {"rate": 1, "burst": 1, "now": 0.0,
                                                     "max_wait": 1})]),
        ])
    assert await face.remember("k1", 60) is True  # given back: a re-delivery counts as new
    assert await face.remember("k2", 60) is True


async def test_record_refuses_a_value_that_is_not_json_and_forgets_its_keys(face: Face) -> None:
    with pytest.raises(TypeError):
        await face.record([Arrival("k1", 60, [update("a", closed=True)], "a"),
                           Arrival("k2", 60, [update("b", bad=object())])])
    assert await face.remember("k1", 60) is True
    assert await face.remember("k2", 60) is True
    assert await face.conversation("b") == {}


def break_the_batch_after_its_keys(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``record`` fail after it has recorded its keys and applied some updates: a state read
    raises in MemoryStore, an unknown command in RedisStore's second pipeline."""
    if isinstance(store, MemoryStore):
        def broken(self: Any, address: str, now: float) -> dict[str, str]:
            raise ConnectionError("state unreadable")
        monkeypatch.setattr(MemoryStore, "_conversation_unlocked", broken)
        return
    from polychat.stores.redis import RedisStore

    queue = RedisStore._queue_updates

    def queue_and_break(self: Any, pipe: Any, *args: Any) -> Any:
        where = queue(self, pipe, *args)
        pipe.execute_command("NOSUCHCOMMAND")
        return where

    monkeypatch.setattr(RedisStore, "_queue_updates", queue_and_break)


async def test_a_failure_mid_batch_forgets_the_keys_recorded(
        face: Face, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await face.remember("seen", 60) is True
    with monkeypatch.context() as patch:
        break_the_batch_after_its_keys(face.store, patch)
        with pytest.raises(Exception, match=r"state unreadable|unknown command"):
            await face.record([Arrival("k1", 60, [touch("a", T0)]), Arrival("seen", 60),
                               Arrival("k2", 60, [update("a", closed=True)], "a")])
    assert await face.remember("k1", 60) is True  # given back
    assert await face.remember("k2", 60) is True
    assert await face.remember("seen", 60) is False  # not this call's: kept


async def test_record_gives_what_the_single_calls_give(face: Face) -> None:
    """A seeded mix of arrivals, through ``record`` in batches of random sizes on one store and
    through the single methods one call at a time on another: same results, same state."""
    rng = random.Random(7)
    addresses = ["a", "b", APPLE_ADDRESS]
    arrivals = []
    for n in range(60):
        address = rng.choice(addresses)
        updates: list[Any] = []
        for _ in range(rng.randrange(4)):
            pick = rng.randrange(3)
            if pick == 0:
                updates.append(touch(address, T0 + timedelta(minutes=rng.randrange(-30, 30))))
            elif pick == 1:
                updates.append(update(address, **{rng.choice(["closed", "menu", "x"]):
                                                  rng.choice([None, True, [n], {"n": n}])}))
            else:
                updates.append(put(rng.choice(["c1", "c2"]), rng.choice([None, n, [n]])))
        arrivals.append(Arrival(f"k{rng.randrange(45)}", 60, updates,
                                rng.choice([None, address])))
    single = like(face.store)
    try:
        expected = record_each(single, arrivals)
        got: list[Any] = []
        start = 0
        while start < len(arrivals):
            size = rng.randrange(1, 12)
            got += await face.record(arrivals[start:start + size])
            start += size
        assert got == expected
        assert got.count(None) > 5 and any(got)  # duplicates and reads both exercised
        for address in addresses:
            assert await face.conversation(address) == single.conversation(address)
            assert await face.last_user_activity(address) == single.last_user_activity(address)
        for key in ("c1", "c2"):
            assert await face.get(key) == single.get(key)
    finally:
        await close(single)


# -- pacing --------------------------------------------------------------------------------------


async def test_acquire_examples(face: Face) -> None:
    one = [await face.acquire("one", rate=1, burst=1, now=0.0, max_wait=10) for _ in range(3)]
    assert one == [0.0, 1.0, 2.0]
    three = [await face.acquire("three", rate=1, burst=3, now=0.0, max_wait=10) for _ in range(4)]
    assert three == [0.0, 0.0, 0.0, 1.0]
    # time passing refills the bucket at `rate`, up to `burst`
    assert await face.acquire("three", rate=1, burst=3, now=2.5, max_wait=10) == pytest.approx(0.0)
    assert await face.acquire("three", rate=1, burst=3, now=100.0, max_wait=10) == 0.0
    assert [await face.acquire("three", rate=1, burst=3, now=100.0, max_wait=10)
            for _ in range(3)] == [0.0, 0.0, 1.0]
    # the steady rate: 2 per second, one at a time
    assert [await face.acquire("half", rate=2, burst=1, now=t, max_wait=10)
            for t in (0.0, 0.0, 0.25, 5.0)] == [0.0, 0.5, 0.75, 0.0]
    assert await face.acquire("any wait", rate=1, burst=1, now=0.0, max_wait=math.inf) == 0.0
    assert await face.acquire("any wait", rate=1, burst=1, now=0.0, max_wait=math.inf) == 1.0


async def test_release_gives_back_one_slot(face: Face) -> None:
    assert [await face.acquire("r", rate=1, burst=1, now=0.0, max_wait=10) for _ in range(2)] == [0.0, 1.0]
    await face.release("r", rate=1, burst=1)
    assert await face.acquire("r", rate=1, burst=1, now=0.0, max_wait=10) == 1.0
    await face.release("nothing-here", rate=1, burst=1)  # no state: nothing to give back
    assert await face.acquire("nothing-here", rate=1, burst=1, now=0.0, max_wait=10) == 0.0


async def test_a_refused_acquire_changes_nothing(face: Face) -> None:
    assert await face.acquire("b", rate=1, burst=1, now=0.0, max_wait=0) == 0.0
    for _ in range(3):
        assert await face.acquire("b", rate=1, burst=1, now=0.0, max_wait=0.5) == 1.0  # refused
    assert await face.acquire("b", rate=1, burst=1, now=0.0, max_wait=1.0) == 1.0  # granted
    assert await face.acquire("b", rate=1, burst=1, now=0.0, max_wait=1.0) == 2.0  # refused
    assert await face.acquire("b", rate=1, burst=1, now=1.5, max_wait=0) == 0.5  # refused
    assert await face.acquire("b", rate=1, burst=1, now=2.0, max_wait=0) == 0.0


async def test_hold_grants_nothing_before_until(face: Face) -> None:
    await face.hold("h", until=10.0, rate=1, burst=3)
    assert await face.acquire("h", rate=1, burst=3, now=4.0, max_wait=5) == 6.0  # refused
    assert await face.acquire("h", rate=1, burst=3, now=4.0, max_wait=100) == 6.0  # until - now
    # after `until`, the burst refills at the usual rate (the first slot was reserved above)
    assert await face.acquire("h", rate=1, burst=3, now=10.0, max_wait=100) == 1.0
    # a hold never lowers a later TAT
    await face.acquire("long", rate=1, burst=1, now=0.0, max_wait=100)
    for _ in range(9):
        await face.acquire("long", rate=1, burst=1, now=0.0, max_wait=100)
    await face.hold("long", until=3.0, rate=1, burst=1)
    assert await face.acquire("long", rate=1, burst=1, now=0.0, max_wait=100) == 10.0
    # a hold on an existing bucket pushes it back
    assert await face.acquire("pushed", rate=2, burst=1, now=0.0, max_wait=100) == 0.0
    await face.hold("pushed", until=7.0, rate=2, burst=1)
    assert await face.acquire("pushed", rate=2, burst=1, now=1.0, max_wait=100) == 6.0
    assert await face.acquire("pushed", rate=2, burst=1, now=1.0, max_wait=100) == 6.5


@pytest.mark.parametrize(("settings", "match"), [
    ({"rate": 0, "burst": 1, "now": 0.0, "max_wait": 1}, "rate"),
    ({"rate": -1, "burst": 1, "now": 0.0, "max_wait": 1}, "rate"),
    ({"rate": math.inf, "burst": 1, "now": 0.0, "max_wait": 1}, "rate"),
    ({"rate": 1, "burst": 0, "now": 0.0, "max_wait": 1}, "burst"),
    ({"rate": 1, "burst": 1.5, "now": 0.0, "max_wait": 1}, "burst"),
    ({"rate": 1, "burst": 1, "now": math.nan, "max_wait": 1}, "now"),
    ({"rate": 1, "burst": 1, "now": 0.0, "max_wait": -1}, "max_wait"),
    ({"rate": 1, "burst": 1, "now": 0.0, "max_wait": math.nan}, "max_wait"),
])
async def test_acquire_refuses_bad_arguments(face: Face, settings: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        await face.acquire("bad", **settings)
    with pytest.raises(ValueError, match="until"):
        await face.hold("bad", until=math.inf, rate=1, burst=1)
    assert await face.acquire("bad", rate=1, burst=1, now=0.0, max_wait=0) == 0.0  # untouched


def decisions(store: Any, kind: str, seed: int) -> list[float]:
    """The answers of ``store`` to a seeded random sequence of acquire and hold calls."""
    rng = random.Random(seed)
    buckets = {f"bucket{n}": (rng.choice([0.5, 1, 3, 20, 80, 1000 / 3]), rng.randint(1, 5))
               for n in range(4)}
    now = 1_767_225_600.0 + rng.random()  # time.time()-sized, so rounding would show
    calls: list[tuple[str, str, dict[str, Any]]] = []
    for _ in range(300):
        now += rng.choice([0.0, 0.0, rng.random() / 10, rng.random() * 2])
        key = rng.choice(list(buckets))
        rate, burst = buckets[key]
        if rng.random() < 0.08:
            calls.append(("hold", key, {"until": now + rng.random() * 3, "rate": rate, "burst": burst}))
        else:
            max_wait = rng.choice([0.0, 0.3, 1.0, 5.0, math.inf])
            calls.append(("acquire", key, {"rate": rate, "burst": burst, "now": now,
                                           "max_wait": max_wait}))

    async def run() -> list[float]:
        face = Face(store, kind)
        answers: list[float] = []
        for name, key, arguments in calls:
            answer = await getattr(face, name)(key, **arguments)
            answers.append(-1.0 if answer is None else answer)
        await close(store)
        return answers

    return asyncio.run(run())


def test_every_store_and_face_decides_identically(redis_store: Any) -> None:
    base = redis_store.prefix
    for seed in range(3):
        reference = decisions(MemoryStore(), "sync", seed)
        assert reference.count(0.0) > 30 and len(set(reference)) > 30  # waits, grants and refusals
        runs = {
            "memory async": decisions(MemoryStore(), "async", seed),
            "redis sync": decisions(like(redis_store, prefix=f"{base}{seed}s:"), "sync", seed),
            "redis async": decisions(like(redis_store, prefix=f"{base}{seed}a:"), "async", seed),
        }
        for name, answers in runs.items():
            # bit for bit: repr compares the exact doubles
            assert list(map(repr, answers)) == list(map(repr, reference)), name


# -- cache -----------------------------------------------------------------------------------------


async def test_cache_round_trips_json_with_ttl(face: Face) -> None:
    assert await face.get("template:hello") is None
    value = {"name": "hello", "components": [{"type": "BODY", "params": ("a", 1, 2.5, None, True)}]}
    await face.put("template:hello", value, 10)
    got = await face.get("template:hello")
    assert got == {"name": "hello", "components": [{"type": "BODY", "params": ["a", 1, 2.5, None, True]}]}
    got["name"] = "changed"  # a copy
    assert (await face.get("template:hello"))["name"] == "hello"
    await face.put("template:hello", "replaced", 10)
    assert await face.get("template:hello") == "replaced"
    await face.put("template:hello", None, 10)  # None deletes
    assert await face.get("template:hello") is None
    await face.put("short", [1], 0.03)
    assert await face.get("short") == [1]
    await asyncio.sleep(0.06)
    assert await face.get("short") is None
    await face.put("falsy", 0, 10)
    assert await face.get("falsy") == 0
    with pytest.raises(TypeError):
        await face.put("bad", {1, 2}, 10)
    assert await face.get("bad") is None


# -- atomicity: threads, tasks, processes ----------------------------------------------------------

THREADS = 16


def race(kind: str, store: Any, work: Callable[[Face, int], Awaitable[Any]]) -> list[Any]:
    """Run ``work(face, n)`` in THREADS threads at once (async face: one event loop per thread)."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    async def one(n: int) -> None:
        face = Face(store, kind)
        results[n] = await work(face, n)
        if hasattr(store, "aclose"):
            await store.aclose()  # not close(): the other threads still use the sync client

    def thread(n: int) -> None:
        try:
            barrier.wait()
            asyncio.run(one(n))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_atomic_under_threads(any_store: Any, kind: str) -> None:
    async def work(face: Face, n: int) -> Any:
        won = await face.remember("same", 60)
        wait = await face.acquire("bucket", rate=8, burst=1, now=0.0, max_wait=math.inf)
        await face.touch_user("a", T0 + timedelta(seconds=n))
        await face.update_conversation("a", **{f"field{n}": n})
        return won, wait

    results = race(kind, any_store, work)
    assert [won for won, _ in results].count(True) == 1
    assert sorted(wait for _, wait in results) == [n / 8 for n in range(THREADS)]  # one slot each
    assert any_store.last_user_activity("a") == T0 + timedelta(seconds=THREADS - 1)
    assert any_store.conversation("a") == {f"field{n}": n for n in range(THREADS)}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_record_is_atomic_per_key_under_threads(any_store: Any, kind: str) -> None:
    async def work(face: Face, n: int) -> Any:
        return await face.record([Arrival(f"own{n}", 60, [update("a", **{f"f{n}": n})]),
                                  Arrival("same", 60, [touch("a", T0 + timedelta(seconds=n))]),
                                  Arrival(f"own{n}", 60)])

    results = race(kind, any_store, work)
    assert all(own == {} and again is None for own, _, again in results)
    assert [same for _, same, _ in results].count({}) == 1  # one winner; the others: None
    assert all(same is None for _, same, _ in results if same != {})
    assert any_store.conversation("a") == {f"f{n}": n for n in range(THREADS)}


async def test_atomic_under_gather(any_store: Any) -> None:
    face = Face(any_store, "async")
    won = await asyncio.gather(*(face.remember("same", 60) for _ in range(THREADS)))
    assert won.count(True) == 1
    waits = await asyncio.gather(*(face.acquire("bucket", rate=4, burst=2, now=0.0, max_wait=math.inf)
                                   for _ in range(THREADS)))
    assert sorted(waits) == [0.0, 0.0] + [n / 4 for n in range(1, THREADS - 1)]
    await asyncio.gather(*(face.touch_user("a", T0 + timedelta(seconds=n)) for n in range(THREADS)))
    assert await face.last_user_activity("a") == T0 + timedelta(seconds=THREADS - 1)
    await asyncio.gather(*(face.update_conversation("a", **{f"f{n}": n}) for n in range(THREADS)))
    assert await face.conversation("a") == {f"f{n}": n for n in range(THREADS)}


RACER = """
import asyncio, json, random, sys
import redis
from polychat.stores.redis import RedisStore

url, prefix, kind = sys.argv[1:4]
store = RedisStore(url=url, prefix=prefix)
keys = [f"race:{n}" for n in range(200)]
random.Random(kind).shuffle(keys)
control = redis.Redis.from_url(url)
control.rpush(prefix + "ready", kind)
if not control.blpop([prefix + "go:" + kind], timeout=20):
    sys.exit("no go signal")
if kind == "sync":
    wins = [key for key in keys if store.remember(key, 60)]
else:
    async def main():
        wins = [key for key in keys if await store.aremember(key, 60)]
        await store.aclose()
        return wins
    wins = asyncio.run(main())
print(json.dumps(wins))
"""


def test_two_processes_racing_remember_win_each_key_once(redis_store: Any) -> None:
    import redis

    url = os.environ["POLYCHAT_TEST_REDIS_URL"]
    prefix = redis_store.prefix
    racers = {kind: subprocess.Popen([sys.executable, "-c", RACER, url, prefix, kind],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for kind in ("sync", "async")}
    try:
        with redis.Redis.from_url(url) as control:
            deadline = time.monotonic() + 20
            while control.llen(prefix + "ready") < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert control.llen(prefix + "ready") == 2, "the racers did not start"
            with control.pipeline() as go:  # both start in the same instant
                for kind in racers:
                    go.rpush(prefix + "go:" + kind, 1)
                go.execute()
        wins = {}
        for kind, racer in racers.items():
            out, err = racer.communicate(timeout=30)
            assert racer.returncode == 0, err
            wins[kind] = json.loads(out)
    finally:
        for racer in racers.values():
            if racer.poll() is None:  # pragma: no cover - only when an assertion above failed
                racer.kill()
                racer.wait()
    assert not set(wins["sync"]) & set(wins["async"])
    assert sorted(wins["sync"] + wins["async"]) == sorted(f"race:{n}" for n in range(200))
