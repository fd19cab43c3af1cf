"""The Redis store, on fakeredis: the Store behaviours, key layout, and dedup shared by two hubs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import fakeredis
import pytest

import polychat
from polychat import Store
from polychat.stores.redis import RedisStore, _milliseconds
from polychat.testing import Simulator

APPLE_ADDRESS = "apple:0a1b2c3d-biz:urn:mbid:AQAAY/x+Lm9==="


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def client(server: fakeredis.FakeServer) -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=server)


@pytest.fixture
def store(client: fakeredis.FakeRedis) -> RedisStore:
    return RedisStore(client=client)


def test_is_a_store(store: RedisStore) -> None:
    assert isinstance(store, Store)
    assert repr(store) == "RedisStore(prefix='polychat:')"


def test_remember_is_true_once_until_expiry(store: RedisStore, client: fakeredis.FakeRedis) -> None:
    assert store.remember("k", ttl=10) is True
    assert store.remember("k", ttl=10) is False
    assert 9_000 < client.pttl("polychat:seen:k") <= 10_000
    assert store.remember("short", ttl=0.01) is True
    time.sleep(0.03)
    assert store.remember("short", ttl=0.01) is True  # expired


def test_ttls_round_up_to_whole_milliseconds(store: RedisStore) -> None:
    assert [_milliseconds(s) for s in (0, 0.0001, 0.001, 1.0001, 7 * 86_400)] == [1, 1, 1, 1001, 604_800_000]
    assert store.remember("tiny", ttl=0) is True  # PX 0 would be an error


def test_remember_is_atomic_across_threads(server: fakeredis.FakeServer) -> None:
    stores = [RedisStore(client=fakeredis.FakeRedis(server=server)) for _ in range(8)]
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker(store: RedisStore) -> None:
        barrier.wait()
        results.append(store.remember("same", ttl=60))

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_user_activity_never_goes_backwards(store: RedisStore, client: fakeredis.FakeRedis) -> None:
    t0 = datetime(2026, 1, 1, 12, 0, 0, 123_457, tzinfo=UTC)
    assert store.last_user_activity("a") is None
    store.touch_user("a", t0)
    store.touch_user("a", t0 - timedelta(hours=1))
    store.touch_user("a", t0 - timedelta(microseconds=1))
    last = store.last_user_activity("a")
    assert last == t0 and last is not None and last.tzinfo is UTC  # exact, aware, UTC
    later = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=1)))  # 13:00 UTC
    store.touch_user("a", later)
    assert store.last_user_activity("a") == later
    store.touch_user(APPLE_ADDRESS, datetime(2026, 1, 1, 9, 30))  # naive: taken as UTC
    assert store.last_user_activity(APPLE_ADDRESS) == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert 29 * 86_400_000 < client.pttl(f"polychat:user:{APPLE_ADDRESS}") <= 30 * 86_400_000
    assert store.last_user_activity("zzz") is None


def test_concurrent_touches_keep_the_latest(server: fakeredis.FakeServer) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    times = [t0 + timedelta(seconds=n) for n in range(16)]
    barrier = threading.Barrier(len(times))

    def worker(when: datetime) -> None:
        store = RedisStore(client=fakeredis.FakeRedis(server=server))
        barrier.wait()
        store.touch_user("a", when)

    threads = [threading.Thread(target=worker, args=(w,)) for w in reversed(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RedisStore(client=fakeredis.FakeRedis(server=server)).last_user_activity("a") == times[-1]


def test_conversation_state_merges(store: RedisStore, client: fakeredis.FakeRedis) -> None:
    assert store.conversation(APPLE_ADDRESS) == {}
    store.update_conversation(APPLE_ADDRESS, closed=True)
    store.update_conversation(APPLE_ADDRESS, capabilities=["list", "time"])
    assert store.conversation(APPLE_ADDRESS) == {"closed": True, "capabilities": ["list", "time"]}
    store.update_conversation(APPLE_ADDRESS, closed=False)
    store.update_conversation(APPLE_ADDRESS)  # nothing to merge: no error
    state = store.conversation(APPLE_ADDRESS)
    assert state == {"closed": False, "capabilities": ["list", "time"]}
    state["closed"] = True  # a copy
    assert store.conversation(APPLE_ADDRESS)["closed"] is False
    assert 29 * 86_400_000 < client.pttl(f"polychat:conv:{APPLE_ADDRESS}") <= 30 * 86_400_000


def test_works_with_decode_responses(server: fakeredis.FakeServer) -> None:
    store = RedisStore(client=fakeredis.FakeRedis(server=server, decode_responses=True))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    store.touch_user("a", t0)
    store.update_conversation("a", closed=True, capabilities=["x"])
    assert store.last_user_activity("a") == t0
    assert store.conversation("a") == {"closed": True, "capabilities": ["x"]}
    assert store.remember("k", ttl=5) is True


def test_prefixes_isolate_stores(client: fakeredis.FakeRedis) -> None:
    one = RedisStore(client=client, prefix="bot1:")
    two = RedisStore(client=client, prefix="bot2:", state_ttl=60)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert one.remember("k", ttl=10) is True
    assert two.remember("k", ttl=10) is True
    one.touch_user("a", t0)
    one.update_conversation("a", closed=True)
    assert two.last_user_activity("a") is None
    assert two.conversation("a") == {}
    two.update_conversation("a", closed=False)
    assert one.conversation("a") == {"closed": True}
    keys = sorted(k.decode() for k in client.keys("*"))
    assert keys == ["bot1:conv:a", "bot1:seen:k", "bot1:user:a", "bot2:conv:a", "bot2:seen:k"]
    assert client.pttl("bot2:conv:a") <= 60_000


def test_constructor_checks(client: fakeredis.FakeRedis) -> None:
    with pytest.raises(polychat.ConfigurationError, match="either a client or a url"):
        RedisStore()
    with pytest.raises(polychat.ConfigurationError, match="either a client or a url"):
        RedisStore(client, url="redis://localhost:6379/0")
    with pytest.raises(ValueError, match="state_ttl"):
        RedisStore(client, state_ttl=0)
    from_url = RedisStore(url="redis://localhost:6379/3")  # connects lazily: no server needed here
    assert from_url.client.connection_pool.connection_kwargs["db"] == 3


def test_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch,
                                              client: fakeredis.FakeRedis) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # `import redis` now raises ImportError
    with pytest.raises(polychat.ConfigurationError, match=r'pip install "polychat\[redis\]"'):
        RedisStore(client=client)


def test_importing_polychat_does_not_import_redis() -> None:
    code = "import sys, polychat, polychat.stores; assert 'redis' not in sys.modules, 'redis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_two_hubs_sharing_redis_dispatch_a_redelivery_once(server: fakeredis.FakeServer) -> None:
    """Two workers behind one webhook URL: the re-delivery reaches the other one, which drops it."""
    seen: list[tuple[str, Any]] = []

    def worker(name: str) -> tuple[polychat.AsyncHub, Simulator]:
        wa = polychat.WhatsApp(phone_number_id="106540352242922", access_token="fake-token",
                               app_secret="fake-secret")
        hub = polychat.AsyncHub(wa, store=RedisStore(client=fakeredis.FakeRedis(server=server)))

        @hub.on(polychat.MessageReceived)
        async def record(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
            seen.append((name, event.content.text))  # type: ignore[union-attr]
            await ctx.reply(polychat.Text("got it"))

        return hub, Simulator(hub)

    hub_a, sim_a = worker("a")
    hub_b, sim_b = worker("b")
    ada = sim_a.user("whatsapp")
    replies = await ada.says("hi")
    assert [r.view for r in replies] == ["got it"]
    _, body, _ = next(w for w in sim_a.webhooks if "messages" in str(w[1]))
    response = await sim_b.deliver(sim_b.fake("whatsapp"), body)  # the platform re-delivers
    assert response.status == 200
    await sim_b.flush()
    assert seen == [("a", "hi")]
    assert sim_b.sent == []
    # worker b also sees the customer's activity recorded by worker a (the window check)
    address = f"whatsapp:106540352242922:{ada.id}"
    assert hub_b.core.store.last_user_activity(address) is not None
    assert hub_b.core.store.conversation(address) == {"closed": False}
    await hub_a.aclose()
    await hub_b.aclose()
