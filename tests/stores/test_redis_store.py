"""RedisStore on a real redis-server: key layout and TTLs, clients, event loops, and two hubs.

The behaviours every store shares are in test_contract.py; this file checks what only Redis
has. The tests need POLYCHAT_TEST_REDIS_URL (see the ``redis_store`` fixture in conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import redis.asyncio

import polychat
from polychat.stores import Arrival
from polychat.stores.redis import DEFAULT_STATE_TTL, RedisStore, _milliseconds
from polychat.testing import Simulator

APPLE_ADDRESS = "apple:0a1b2c3d-biz:urn:mbid:AQAAY/x+Lm9==="
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000


def connected(client: Any) -> bool:
    """Whether any pooled connection of a sync or asyncio client is open."""
    pool = client.connection_pool
    return any(getattr(c, "_sock", None) is not None or getattr(c, "_writer", None) is not None
               for c in [*pool._available_connections, *pool._in_use_connections])


@pytest.fixture
def url(redis_store: RedisStore) -> str:
    return os.environ["POLYCHAT_TEST_REDIS_URL"]


@pytest.fixture
def client(url: str) -> Iterator[redis.Redis]:
    """A plain client for looking at the keys (decoded)."""
    with redis.Redis.from_url(url, decode_responses=True) as plain:
        yield plain


def test_is_a_store_with_a_short_repr(redis_store: RedisStore) -> None:
    assert isinstance(redis_store, polychat.Store)
    assert repr(redis_store) == f"RedisStore(prefix={redis_store.prefix!r})"


def test_key_layout_and_ttls(redis_store: RedisStore, client: redis.Redis) -> None:
    p = redis_store.prefix
    redis_store.remember("whatsapp:wamid.X", ttl=10)
    redis_store.touch_user(APPLE_ADDRESS, T0)
    redis_store.update_conversation(APPLE_ADDRESS, closed=True, capabilities=["list"])
    redis_store.acquire("whatsapp:106540352242922", rate=1, burst=3, now=100.0, max_wait=0)
    redis_store.put("template:hello:en", {"name": "hello"}, ttl=60)
    assert sorted(client.keys(f"{p}*")) == sorted([
        f"{p}seen:whatsapp:wamid.X", f"{p}user:{APPLE_ADDRESS}", f"{p}conv:{APPLE_ADDRESS}",
        f"{p}pace:whatsapp:106540352242922", f"{p}cache:template:hello:en",
    ])
    assert client.get(f"{p}seen:whatsapp:wamid.X") == "1"
    assert 9_000 < client.pttl(f"{p}seen:whatsapp:wamid.X") <= 10_000
    assert client.get(f"{p}user:{APPLE_ADDRESS}") == str(1_767_225_600 * 10**6)  # microseconds
    assert 29 * DAY_MS < client.pttl(f"{p}user:{APPLE_ADDRESS}") <= 30 * DAY_MS
    assert client.hgetall(f"{p}conv:{APPLE_ADDRESS}") == {"closed": "true", "capabilities": '["list"]'}
    assert 29 * DAY_MS < client.pttl(f"{p}conv:{APPLE_ADDRESS}") <= 30 * DAY_MS
    # TAT = 101, tau = 2: kept TAT - now + tau + 1 s = 4 s
    assert client.get(f"{p}pace:whatsapp:106540352242922") == "101"
    assert 3_000 < client.pttl(f"{p}pace:whatsapp:106540352242922") <= 4_000
    assert client.get(f"{p}cache:template:hello:en") == '{"name":"hello"}'
    assert 59_000 < client.pttl(f"{p}cache:template:hello:en") <= 60_000
    assert DEFAULT_STATE_TTL == 30 * 86_400


def batch(n: int) -> list[Arrival]:
    """``n`` arrivals of three customers, each with the updates a hub sends for a message."""
    return [Arrival(f"whatsapp:wamid.B{i}", 10, [
        ("touch_user", (f"a{i % 3}", T0), {}),
        ("update_conversation", (f"a{i % 3}",), {"closed": False, "capabilities": ["list"]}),
        ("put", (f"cached{i % 2}", {"i": i}, 60), {}),
    ], f"a{i % 3}") for i in range(n)]


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the requests sent to Redis by any client, sync or asyncio (a pipeline is one)."""
    sent = [0]
    for klass in (redis.connection.AbstractConnection, redis.asyncio.connection.AbstractConnection):
        original = klass.send_packed_command

        def counting(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            sent[0] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(klass, "send_packed_command", counting)
    return sent


@pytest.mark.parametrize("face", ["sync", "async"])
def test_record_takes_two_round_trips_whatever_the_batch(redis_store: RedisStore,
                                                         round_trips: list[int], face: str) -> None:
    async def record(arrivals: list[Arrival]) -> list[Any]:
        if face == "sync":
            return redis_store.record(arrivals)
        return await redis_store.arecord(arrivals)

    async def run() -> list[Any]:
        await record([Arrival("warm-up", 10, batch(1)[0].updates)])  # connects, loads the scripts
        counts, results = [], []
        for arrivals in (batch(1), batch(100), batch(100)):
            round_trips[0] = 0
            results.append(await record(arrivals))
            counts.append(round_trips[0])
        await redis_store.aclose()
        return [counts, results]

    counts, results = asyncio.run(run())
    assert counts == [2, 2, 1]  # all duplicates: no second round trip
    assert results[1][0] is None  # B0: recorded by the first batch
    assert results[1][1] == {"closed": False, "capabilities": ["list"]}
    assert results[2] == [None] * 100


def test_record_writes_what_the_single_calls_write(redis_store: RedisStore,
                                                  client: redis.Redis) -> None:
    p = redis_store.prefix
    assert redis_store.record([Arrival("whatsapp:wamid.X", 10, [
        ("touch_user", (APPLE_ADDRESS, T0), {}),
        ("update_conversation", (APPLE_ADDRESS,), {"closed": True, "capabilities": ["list"]}),
        ("update_conversation", (APPLE_ADDRESS,), {}),
        ("put", ("template:hello:en", {"name": "hello"}, 60), {}),
        ("put", ("gone", None, 60), {}),
    ], APPLE_ADDRESS)]) == [{"closed": True, "capabilities": ["list"]}]
    assert sorted(client.keys(f"{p}*")) == sorted([
        f"{p}seen:whatsapp:wamid.X", f"{p}user:{APPLE_ADDRESS}", f"{p}conv:{APPLE_ADDRESS}",
        f"{p}cache:template:hello:en",
    ])
    assert client.get(f"{p}seen:whatsapp:wamid.X") == "1"
    assert 9_000 < client.pttl(f"{p}seen:whatsapp:wamid.X") <= 10_000
    assert client.get(f"{p}user:{APPLE_ADDRESS}") == str(1_767_225_600 * 10**6)
    assert 29 * DAY_MS < client.pttl(f"{p}user:{APPLE_ADDRESS}") <= 30 * DAY_MS
    assert client.hgetall(f"{p}conv:{APPLE_ADDRESS}") == {"closed": "true", "capabilities": '["list"]'}
    assert 29 * DAY_MS < client.pttl(f"{p}conv:{APPLE_ADDRESS}") <= 30 * DAY_MS
    assert client.get(f"{p}cache:template:hello:en") == '{"name":"hello"}'
    assert 59_000 < client.pttl(f"{p}cache:template:hello:en") <= 60_000


@pytest.mark.parametrize("face", ["sync", "async"])
def test_record_reloads_scripts_the_server_lost(redis_store: RedisStore, client: redis.Redis,
                                               round_trips: list[int], face: str) -> None:
    async def record(arrivals: list[Arrival]) -> list[Any]:
        if face == "sync":
            return redis_store.record(arrivals)
        return await redis_store.arecord(arrivals)

    async def run() -> list[Any]:
        first = await record(batch(3))
        client.script_flush()  # a restarted server, or SCRIPT FLUSH
        round_trips[0] = 0
        arrivals = [Arrival(f"again{i}", 10, a.updates, a.state_of) for i, a in enumerate(batch(3))]
        second = await record(arrivals)
        trips = round_trips[0]
        await redis_store.aclose()
        return [first, second, trips]

    first, second, trips = asyncio.run(run())
    assert second == first
    assert trips == 2 + 1 + 2  # SET NX; the pipeline refused; SCRIPT LOAD twice; then replayed
    assert redis_store.last_user_activity("a0") == T0
    assert redis_store.get("cached0") == {"i": 2}


@pytest.mark.parametrize("face", ["sync", "async"])
def test_record_with_decode_responses(url: str, redis_store: RedisStore, face: str) -> None:
    sync_client = redis.Redis.from_url(url, decode_responses=True)
    async_client = redis.asyncio.Redis.from_url(url, decode_responses=True)
    store = RedisStore(sync_client, async_client=async_client, prefix=redis_store.prefix + "decoded:")

    async def run() -> list[Any]:
        arrivals = batch(2) + batch(1)
        results = store.record(arrivals) if face == "sync" else await store.arecord(arrivals)
        await async_client.aclose()
        return results

    assert asyncio.run(run()) == [{"closed": False, "capabilities": ["list"]}] * 2 + [None]
    sync_client.close()


def test_the_tat_is_stored_exactly(redis_store: RedisStore, client: redis.Redis) -> None:
    now = 1_767_225_600.123456
    redis_store.acquire("b", rate=3, burst=1, now=now, max_wait=0)
    assert float(client.get(f"{redis_store.prefix}pace:b")) == now + 1 / 3  # bit for bit


def test_hold_ttls(redis_store: RedisStore, client: redis.Redis) -> None:
    key = f"{redis_store.prefix}pace:b"
    redis_store.hold("b", until=50.0, rate=1, burst=1)  # no state: kept for state_ttl
    assert client.get(key) == "50"
    assert 29 * DAY_MS < client.pttl(key) <= 30 * DAY_MS
    client.delete(key)
    redis_store.acquire("b", rate=1, burst=1, now=0.0, max_wait=0)  # TAT 1, kept 2 s
    redis_store.hold("b", until=5.0, rate=1, burst=1)  # TAT 5: 4 s more
    assert client.get(key) == "5"
    assert 5_000 < client.pttl(key) <= 6_000
    redis_store.hold("b", until=2.0, rate=1, burst=1)  # earlier: nothing changes
    assert client.get(key) == "5"
    assert 5_000 < client.pttl(key) <= 6_000


def test_ttls_round_up_to_whole_milliseconds(redis_store: RedisStore) -> None:
    assert [_milliseconds(s) for s in (0, 0.0001, 0.001, 1.0001, 7 * 86_400)] == [
        1, 1, 1, 1001, 604_800_000]
    assert redis_store.remember("tiny", ttl=0) is True  # PX 0 would be an error
    redis_store.put("tiny", 1, ttl=0)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_works_with_decode_responses(url: str, redis_store: RedisStore, face: str) -> None:
    prefix = redis_store.prefix + "decoded:"
    sync_client = redis.Redis.from_url(url, decode_responses=True)
    async_client = redis.asyncio.Redis.from_url(url, decode_responses=True)
    store = RedisStore(sync_client, async_client=async_client, prefix=prefix)

    async def run() -> list[Any]:
        if face == "sync":
            store.touch_user("a", T0)
            store.update_conversation("a", closed=True, capabilities=["x"])
            store.put("c", {"v": 1}, ttl=5)
            return [store.remember("k", ttl=5), store.last_user_activity("a"), store.conversation("a"),
                    store.acquire("b", rate=1, burst=1, now=0.0, max_wait=5),
                    store.acquire("b", rate=1, burst=1, now=0.0, max_wait=5), store.get("c")]
        await store.atouch_user("a", T0)
        await store.aupdate_conversation("a", closed=True, capabilities=["x"])
        await store.aput("c", {"v": 1}, ttl=5)
        answers = [await store.aremember("k", ttl=5), await store.alast_user_activity("a"),
                   await store.aconversation("a"),
                   await store.aacquire("b", rate=1, burst=1, now=0.0, max_wait=5),
                   await store.aacquire("b", rate=1, burst=1, now=0.0, max_wait=5), await store.aget("c")]
        await async_client.aclose()
        return answers

    assert asyncio.run(run()) == [True, T0, {"closed": True, "capabilities": ["x"]}, 0.0, 1.0, {"v": 1}]
    sync_client.close()


def test_prefixes_isolate_stores(url: str, redis_store: RedisStore, client: redis.Redis) -> None:
    base = redis_store.prefix
    one = RedisStore(url=url, prefix=base + "bot1:")
    two = RedisStore(url=url, prefix=base + "bot2:", state_ttl=60)
    assert one.remember("k", ttl=10) is True
    assert two.remember("k", ttl=10) is True
    one.touch_user("a", T0)
    one.update_conversation("a", closed=True)
    one.acquire("b", rate=1, burst=1, now=0.0, max_wait=0)
    assert two.last_user_activity("a") is None
    assert two.conversation("a") == {}
    assert two.acquire("b", rate=1, burst=1, now=0.0, max_wait=0) == 0.0
    two.update_conversation("a", closed=False)
    assert one.conversation("a") == {"closed": True}
    keys = sorted(k.removeprefix(base) for k in client.keys(f"{base}*"))
    assert keys == ["bot1:conv:a", "bot1:pace:b", "bot1:seen:k", "bot1:user:a",
                    "bot2:conv:a", "bot2:pace:b", "bot2:seen:k"]
    assert client.pttl(f"{base}bot2:conv:a") <= 60_000
    one.close()
    two.close()


def test_constructor_checks() -> None:
    sync_client = redis.Redis()  # connects lazily: no server needed here
    with pytest.raises(polychat.ConfigurationError, match="a client, a url or an async_client"):
        RedisStore()
    with pytest.raises(polychat.ConfigurationError, match="either a client or a url"):
        RedisStore(sync_client, url="redis://localhost:6379/0")
    with pytest.raises(ValueError, match="state_ttl"):
        RedisStore(sync_client, state_ttl=0)
    from_url = RedisStore(url="redis://:fake-password@localhost:6379/3")
    assert from_url.client is not None
    assert from_url.client.connection_pool.connection_kwargs["db"] == 3
    assert "fake-password" not in repr(from_url)


def test_an_async_only_store_refuses_the_sync_face(url: str, redis_store: RedisStore) -> None:
    async def run() -> None:
        async_client = redis.asyncio.Redis.from_url(url)
        store = RedisStore(async_client=async_client, prefix=redis_store.prefix)
        assert await store.aremember("k", ttl=5) is True
        with pytest.raises(polychat.ConfigurationError, match=r"client= or url="):
            store.remember("k", ttl=5)
        await store.aclose()  # not ours to close
        assert await async_client.ping()
        await async_client.aclose()

    asyncio.run(run())


def test_the_async_client_is_derived_from_a_sync_client(url: str, redis_store: RedisStore,
                                                        client: redis.Redis) -> None:
    sync_client = redis.Redis.from_url(url, decode_responses=True, client_name="polychat-test")
    store = RedisStore(sync_client, prefix=redis_store.prefix)

    async def run() -> None:
        assert await store.aremember("k", ttl=5) is True
        assert await store.aremember("k", ttl=5) is False
        made = store._per_loop[id(asyncio.get_running_loop())].client
        kwargs = made.connection_pool.connection_kwargs
        assert kwargs["decode_responses"] is True
        assert kwargs["client_name"] == "polychat-test"

    asyncio.run(run())
    assert client.get(f"{redis_store.prefix}seen:k") == "1"
    store.close()
    assert sync_client.ping()  # a client passed in stays open
    sync_client.close()


def test_a_client_it_cannot_derive_from_is_a_configuration_error() -> None:
    class Compatible:  # a redis-compatible client without a redis-py connection pool
        def register_script(self, source: str) -> object:
            return object()

    store = RedisStore(Compatible())  # type: ignore[arg-type]
    with pytest.raises(polychat.ConfigurationError, match="async_client="):
        asyncio.run(store.aremember("k", ttl=5))


def test_one_async_client_per_event_loop(redis_store: RedisStore) -> None:
    async def used() -> Any:
        await redis_store.aremember("a", ttl=5)
        first = redis_store._per_loop[id(asyncio.get_running_loop())].client
        await asyncio.gather(*(redis_store.aremember(f"k{n}", ttl=5) for n in range(5)))
        assert redis_store._per_loop[id(asyncio.get_running_loop())].client is first
        return first

    one = asyncio.run(used())
    two = asyncio.run(used())  # a new loop: a new client (the old one belonged to a closed loop)
    assert one is not two
    assert len(redis_store._per_loop) == 1
    assert not connected(one)  # asyncio.run closed each loop's client on the way out
    assert not connected(two)


async def test_aclose_closes_the_running_loops_client(redis_store: RedisStore) -> None:
    assert await redis_store.aremember("k", ttl=5) is True
    made = redis_store._per_loop[id(asyncio.get_running_loop())].client
    assert connected(made)
    await redis_store.aclose()
    assert not connected(made)
    assert redis_store._per_loop == {}
    await redis_store.aclose()  # twice: fine
    assert await redis_store.aremember("k", ttl=5) is False  # a new client on demand


def test_close_closes_the_sync_client_it_made(url: str, redis_store: RedisStore) -> None:
    store = RedisStore(url=url, prefix=redis_store.prefix)
    store.remember("k", ttl=5)
    assert store.client is not None
    assert connected(store.client)
    store.close()
    assert not connected(store.client)


def test_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # `import redis` now raises ImportError
    with pytest.raises(polychat.ConfigurationError, match=r'pip install "polychat\[redis\]"'):
        RedisStore(url="redis://localhost:6379/0")


def test_importing_polychat_does_not_import_redis() -> None:
    code = "import sys, polychat, polychat.stores; assert 'redis' not in sys.modules, 'redis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_two_hubs_sharing_redis_dispatch_a_redelivery_once(url: str, redis_store: RedisStore) -> None:
    """Two workers behind one webhook URL: the re-delivery reaches the other one, which drops it."""
    seen: list[tuple[str, Any]] = []
    stores: list[RedisStore] = []

    def worker(name: str) -> tuple[polychat.AsyncHub, Simulator]:
        wa = polychat.WhatsApp(phone_number_id="106540352242922", access_token="fake-token",
                               app_secret="fake-secret")
        store = RedisStore(url=url, prefix=redis_store.prefix)  # each worker: its own connections
        stores.append(store)
        hub = polychat.AsyncHub(wa, store=store)

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
    assert await stores[1].alast_user_activity(address) is not None
    assert await stores[1].aconversation(address) == {"closed": False}
    await hub_a.aclose()
    await hub_b.aclose()
    for store in stores:
        await store.aclose()
        store.close()
