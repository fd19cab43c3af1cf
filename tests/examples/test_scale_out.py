"""The scale-out example on a real Redis: receivers enqueue, arq workers reply, each event once.

Needs a Redis server: set ``POLYCHAT_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6401/0`` after
``redis-server --port 6401``). Each test works under its own key prefix and queue name and
deletes its keys afterwards, so the server may be shared.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REDIS_URL = os.environ.get("POLYCHAT_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL,
        reason="the scale-out tests need a real Redis: start one (redis-server --port 6401) and "
               "set POLYCHAT_TEST_REDIS_URL=redis://127.0.0.1:6401/0",
    ),
    # arq's Worker.close() calls redis-py's deprecated close(); not ours to fix
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

arq = pytest.importorskip("arq")
redis = pytest.importorskip("redis")
aioredis = pytest.importorskip("redis.asyncio")

from arq.connections import RedisSettings, create_pool  # noqa: E402
from arq.worker import create_worker, func  # noqa: E402

import polychat  # noqa: E402
from polychat.cli import demo_channels  # noqa: E402
from polychat.stores.redis import RedisStore  # noqa: E402
from polychat.testing import Simulator  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the examples are not installed: import them from the checkout
    sys.path.insert(0, str(ROOT))

from examples.scale_out.bot import build_hub  # noqa: E402
from examples.scale_out.receiver import LazyReceiver, Receiver, job_id  # noqa: E402
from examples.scale_out.worker import WorkerSettings, handle_event, shutdown, startup  # noqa: E402

CHANNELS = ("whatsapp", "messenger")


@dataclass
class Space:
    """One test's corner of the Redis (its store prefix and queue) and what it opened there."""

    token: str
    opened: list[Any] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.token}:"

    @property
    def queue(self) -> str:
        return f"{self.token}:queue"

    def store(self) -> RedisStore:
        """A store on the shared Redis, as every receiver and worker process makes its own."""
        made = RedisStore(url=REDIS_URL, prefix=self.prefix)
        self.opened.append(made)
        return made

    def hub(self, **options: Any) -> polychat.AsyncHub:
        """A worker's hub: the shop bot's handlers over fresh channels and a fresh store."""
        made = build_hub(channels(), self.store(), **options)
        self.opened.append(made)
        return made

    async def receiver(self) -> Receiver:
        hub = polychat.AsyncHub(*channels(), store=self.store())
        made = Receiver(hub, await create_pool(RedisSettings.from_dsn(REDIS_URL)),
                        queue_name=self.queue)
        self.opened.append(made)
        return made


@pytest.fixture
async def space() -> AsyncIterator[Space]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"POLYCHAT_TEST_REDIS_URL is set but Redis does not answer: {error}")
    token = f"polychat-test-{uuid.uuid4().hex[:12]}"
    made = Space(token)
    yield made
    for opened in reversed(made.opened):
        await opened.aclose()
    keys = list(client.scan_iter(match=f"*{token}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


def channels() -> list[polychat.Channel]:
    """Fresh channel objects (each process of a deployment has its own) with fake credentials."""
    return [c for c in demo_channels() if c.name in CHANNELS]


def client_for(receiver: Receiver) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="http://receiver")


async def post(client: httpx.AsyncClient, channel: str, request: polychat.WebhookRequest) -> int:
    response = await client.post(f"/webhooks/{channel}", content=request.body,
                                 headers=dict(request.headers))
    return response.status_code


async def run_worker(space: Space, hub: polychat.AsyncHub, *functions: Any) -> int:
    """Run a burst-mode worker built from the example's WorkerSettings; the jobs it completed."""
    overrides: dict[str, Any] = {"functions": functions} if functions else {}
    worker = create_worker(WorkerSettings, burst=True, ctx={"hub": hub}, queue_name=space.queue,
                           redis_settings=RedisSettings.from_dsn(REDIS_URL), handle_signals=False,
                           poll_delay=0.01, **overrides)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert worker.jobs_failed == 0
    return worker.jobs_complete


async def queued(space: Space) -> int:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        return int(await client.zcard(space.queue))
    finally:
        await client.aclose()


async def test_a_customer_message_goes_through_the_queue_to_a_worker_and_back(space: Space) -> None:
    receiver = await space.receiver()
    hub = space.hub()
    sim = Simulator(hub)  # the workers' hub sends to the simulated platforms
    ada = sim.user("whatsapp")
    async with client_for(receiver) as client:
        hello = ada.fake.webhook_request(ada.fake.user_text(ada.id, ada.name, "hi"))
        assert await post(client, "whatsapp", hello) == 200
        assert sim.sent == []  # the receiver never runs handlers
        assert await queued(space) == 1
        assert await run_worker(space, hub) == 1
        assert "[ Browse products ] [ Track an order ]" in ada.last.view

        # the next steps go to other worker instances: the conversation state is in Redis
        track = next(option for option in ada.last.choices if option[1] == "Track an order")
        tap = ada.fake.webhook_request(ada.fake.user_choice(ada.id, ada.name, ada.last, track))
        assert await post(client, "whatsapp", tap) == 200
        assert await run_worker(space, hub) == 1
        assert "what is your order number" in ada.last.view
        number = ada.fake.webhook_request(ada.fake.user_text(ada.id, ada.name, "a1001"))
        assert await post(client, "whatsapp", number) == 200
        other = space.hub(transport=sim, window="ignore")
        assert await run_worker(space, other) == 1
        assert ada.last.view.startswith("Order A1001 is shipped")
    assert len(ada.inbox) == 3


async def test_the_receiver_answers_the_handshake_and_refuses_bad_signatures(space: Space) -> None:
    receiver = await space.receiver()
    sim = Simulator(space.hub())
    ada = sim.user("messenger")
    async with client_for(receiver) as client:
        handshake = await client.get("/webhooks/whatsapp", params={
            "hub.mode": "subscribe", "hub.verify_token": "demo-verify-token", "hub.challenge": "1158"})
        assert (handshake.status_code, handshake.text) == (200, "1158")
        forged = ada.fake.webhook_request(ada.fake.user_text(ada.id, ada.name, "hi"))
        headers = {**dict(forged.headers), "X-Hub-Signature-256": "sha256=" + "0" * 64}
        response = await client.post("/webhooks/messenger", content=forged.body, headers=headers)
        assert response.status_code in (401, 403)
        assert (await client.post("/elsewhere", content=b"{}")).status_code == 404
    assert await queued(space) == 0


async def test_a_webhook_delivered_three_times_and_concurrently_is_one_job(space: Space) -> None:
    receiver = await space.receiver()
    hub = space.hub()
    sim = Simulator(hub)
    grace = sim.user("messenger", name="Grace Hopper")
    hello = grace.fake.webhook_request(grace.fake.user_text(grace.id, grace.name, "hello"))
    async with client_for(receiver) as client:
        for _ in range(3):
            assert await post(client, "messenger", hello) == 200
        statuses = await asyncio.gather(*[post(client, "messenger", hello) for _ in range(3)])
        assert statuses == [200, 200, 200]
    assert await queued(space) == 1
    # the job id is a second guard: the same event enqueued again, past the store, is no new job
    (event,) = receiver.hub.channels[1].parse(hello)
    assert job_id(event, space.queue) == job_id(event, space.queue)
    assert await receiver.enqueue(event) is False
    assert await queued(space) == 1
    assert await run_worker(space, hub) == 1
    assert len(grace.inbox) == 1 and grace.last.view.startswith("Hi! Welcome to Lucky Shrub.")


async def test_a_failed_enqueue_answers_503_and_the_redelivery_is_not_lost(space: Space) -> None:
    receiver = await space.receiver()
    sim = Simulator(space.hub())
    ada = sim.user("whatsapp")
    hello = ada.fake.webhook_request(ada.fake.user_text(ada.id, ada.name, "hi"))
    queue = receiver.queue

    class Unreachable:
        async def enqueue_job(self, *args: Any, **kwargs: Any) -> None:
            raise redis.ConnectionError("the queue's Redis is unreachable")

    receiver.queue = Unreachable()  # type: ignore[assignment]
    async with client_for(receiver) as client:
        assert await post(client, "whatsapp", hello) == 503  # the platform will re-deliver
        receiver.queue = queue
        assert await queued(space) == 0
        assert await post(client, "whatsapp", hello) == 200  # ... and the event is new again
        assert await post(client, "whatsapp", hello) == 200
    assert await queued(space) == 1


_CHANNEL_ENV = ("POLYCHAT_WHATSAPP_PHONE_NUMBER_ID", "POLYCHAT_MESSENGER_PAGE_ID",
                "POLYCHAT_APPLE_BUSINESS_ID")


async def _lifespan(app: Any, after_startup: Any) -> list[dict[str, Any]]:
    """Drive an ASGI lifespan: startup, ``after_startup()`` if it started, shutdown."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))
    while not sent:
        await asyncio.sleep(0.01)
    if sent[0]["type"] == "lifespan.startup.complete":
        await after_startup()
        await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(task, 5)
    return sent


async def test_the_served_app_and_the_worker_configure_themselves_from_the_environment(
        space: Space, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLYCHAT_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("POLYCHAT_KEY_PREFIX", space.prefix)
    monkeypatch.setenv("POLYCHAT_QUEUE", space.queue)
    refused = await _lifespan(LazyReceiver(), after_startup=None)
    assert refused[0]["type"] == "lifespan.startup.failed"
    assert "no channel configured" in refused[0]["message"]

    monkeypatch.setenv("POLYCHAT_WHATSAPP_PHONE_NUMBER_ID", "106540352242922")
    monkeypatch.setenv("POLYCHAT_WHATSAPP_TOKEN", "EAAG-demo-token-not-real")
    monkeypatch.setenv("POLYCHAT_WHATSAPP_APP_SECRET", "demo-app-secret-not-real")
    monkeypatch.setenv("POLYCHAT_WHATSAPP_VERIFY_TOKEN", "demo-verify-token")
    app = LazyReceiver()
    sim = Simulator(space.hub())
    ada = sim.user("whatsapp")

    async def deliver() -> None:
        hello = ada.fake.webhook_request(ada.fake.user_text(ada.id, ada.name, "hi"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://receiver") as client:
            assert await post(client, "whatsapp", hello) == 200

    served = await _lifespan(app, after_startup=deliver)
    assert [m["type"] for m in served] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert await queued(space) == 1

    ctx: dict[str, Any] = {}
    await startup(ctx)  # what `arq examples.scale_out.worker.WorkerSettings` does first
    assert [c.name for c in ctx["hub"].channels] == ["whatsapp"]
    await shutdown(ctx)


CHILD = """
import asyncio, base64, json, sys
import httpx, redis
from arq.connections import RedisSettings, create_pool
import polychat
from polychat.cli import demo_channels
from polychat.stores.redis import RedisStore
from examples.scale_out.receiver import Receiver

async def main(url, prefix, queue, path, copies):
    hooks = json.loads(open(path).read())
    hub = polychat.AsyncHub(*[c for c in demo_channels() if c.name in ("whatsapp", "messenger")],
                            store=RedisStore(url=url, prefix=prefix))
    receiver = Receiver(hub, await create_pool(RedisSettings.from_dsn(url)), queue_name=queue)
    gate = redis.Redis.from_url(url)
    gate.rpush(prefix + "ready", 1)
    assert gate.blpop([prefix + "go"], timeout=20), "never told to go"
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        calls = [client.post("/webhooks/" + h["channel"], content=base64.b64decode(h["body"]),
                             headers=h["headers"]) for _ in range(copies) for h in hooks]
        responses = await asyncio.gather(*calls)
    print(json.dumps([r.status_code for r in responses]))
    await receiver.aclose()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
"""


async def test_two_receiver_processes_sharing_redis_enqueue_each_event_once(
        space: Space, tmp_path: Path) -> None:
    hub = space.hub()
    sim = Simulator(hub)
    users = [sim.user("whatsapp", name="Ada Lovelace"), sim.user("whatsapp", name="Alan Turing"),
             sim.user("messenger", name="Grace Hopper"), sim.user("messenger", name="Edsger Dijkstra")]
    hooks = []
    for user in users:
        request = user.fake.webhook_request(user.fake.user_text(user.id, user.name, "hi"))
        hooks.append({"channel": user.channel, "headers": dict(request.headers),
                      "body": base64.b64encode(request.body).decode()})
    path = tmp_path / "webhooks.json"
    path.write_text(json.dumps(hooks))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-c", CHILD, REDIS_URL, space.prefix, space.queue, str(path), "3"]
    children = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    gate = redis.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + 20
        while gate.llen(space.prefix + "ready") < 2:  # both started: now release them together
            assert time.monotonic() < deadline, "the receiver processes did not start"
            assert all(c.poll() is None for c in children), children[0].communicate()
            await asyncio.sleep(0.02)
        gate.rpush(space.prefix + "go", 1, 1)
        outputs = [await asyncio.to_thread(c.communicate, timeout=30) for c in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        gate.close()
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out) == [200] * 12  # each process got each webhook three times
    assert await queued(space) == 4

    handled_key = space.prefix + "handled"

    async def counted(ctx: dict[str, Any], event_json: str) -> str:
        done = await handle_event(ctx, event_json)
        await ctx["redis"].hincrby(handled_key, done, 1)
        return done

    assert await run_worker(space, hub, func(counted, name="handle_event")) == 4
    counts = redis.Redis.from_url(REDIS_URL).hgetall(handled_key)
    assert len(counts) == 4 and set(counts.values()) == {b"1"}
    for user in users:
        # WhatsApp webhooks carry the customer's profile name, Messenger ones do not
        hello = f"Hi {user.name.split()[0]}!" if user.channel == "whatsapp" else "Hi!"
        assert len(user.inbox) == 1 and user.last.view.startswith(f"{hello} Welcome to Lucky Shrub.")
