"""Replayed webhooks: a platform re-delivering the same webhook, one after the other or at the
same moment, gets every event dispatched exactly once.

Meta re-delivers for days when an answer is late; two deliveries can reach two workers (or two
tasks of one worker) together. The hubs de-duplicate with the store's atomic ``remember``
(test-and-set), so of concurrent deliveries exactly one passes, however the hub interleaves its
awaits. Checked for WhatsApp, Messenger and Apple bodies built by the Simulator's fakes, and for
every payload fixture of ``tests/data`` (where the receive time differs at each delivery, as it
does for real Apple deliveries), on ``AsyncHub.handle`` (sequential and ``asyncio.gather``), on
``Hub.handle`` and its WSGI app from threads, and on the ASGI app through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import itertools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import polychat
from _fuzz import webhook_fixtures
from polychat import Event, WebhookRequest
from polychat.channels._meta import sign_body
from polychat.channels.apple.crypto import encode_jwt
from polychat.stores import MemoryStore
from polychat.testing import Simulator

DATA = Path(__file__).resolve().parents[1] / "data"
PLATFORMS = ["whatsapp", "messenger", "apple"]
APP_SECRET = "fake-replay-app-secret-0000"
MSP_ID = "fake-msp-id"
APPLE_KEY = b"fake-replay-secret-0123456789abc"
T0 = Simulator().now().timestamp()  # Apple JWTs are checked against the channel clock
TIMES = 3


def make_channel(name: str, clock: Callable[[], float] | None = None) -> polychat.Channel:
    """A channel with obviously fake credentials (Apple with an injectable clock)."""
    if name == "whatsapp":
        return polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-REPLAY",
                                 app_secret=APP_SECRET, pacing=())
    if name == "messenger":
        return polychat.Messenger(page_id="1234567890", page_access_token="EAAG-FAKE-REPLAY-PAGE",
                                  app_secret=APP_SECRET, pacing=())
    return polychat.AppleMessages(msp_id=MSP_ID, secret=base64.b64encode(APPLE_KEY).decode(),
                                  business_id="fake-business-0000-aaaa", pacing=(),
                                  clock=clock or (lambda: T0))


class YieldingStore(MemoryStore):
    """A MemoryStore whose async face yields to the event loop around every call, as a store
    over the network does: concurrent deliveries interleave at every await of the hub."""

    async def aremember(self, key: str, ttl: float) -> bool:
        await asyncio.sleep(0)
        found = self.remember(key, ttl)
        await asyncio.sleep(0)
        return found

    async def atouch_user(self, address: str, when: Any) -> None:
        await asyncio.sleep(0)
        self.touch_user(address, when)

    async def aconversation(self, address: str) -> dict[str, Any]:
        await asyncio.sleep(0)
        return self.conversation(address)

    async def aupdate_conversation(self, address: str, **values: Any) -> None:
        await asyncio.sleep(0)
        self.update_conversation(address, **values)


Recorder = list[Event]


def counting(hub: polychat.AsyncHub | polychat.Hub) -> Recorder:
    """Register a catch-all handler on ``hub``; returns the list of events it is given."""
    seen: Recorder = []
    if isinstance(hub, polychat.AsyncHub):
        async def record(event: Event, ctx: polychat.Context) -> None:
            await asyncio.sleep(0)
            seen.append(event)
        hub.on(Event)(record)
    else:
        def record_sync(event: Event, ctx: polychat.SyncContext) -> None:
            seen.append(event)
        hub.on(Event)(record_sync)
    return seen


def no_network() -> httpx.MockTransport:
    """Answers every request 404 (Apple's interactiveDataRef resolution then gives up)."""
    return httpx.MockTransport(lambda request: httpx.Response(404))


def async_hub(name: str, store: MemoryStore | None = None,
              clock: Callable[[], float] | None = None) -> tuple[polychat.AsyncHub, Recorder]:
    hub = polychat.AsyncHub(make_channel(name, clock), store=YieldingStore() if store is None else store,
                            transport=no_network())
    return hub, counting(hub)


def sync_hub(name: str, clock: Callable[[], float] | None = None) -> tuple[polychat.Hub, Recorder]:
    hub = polychat.Hub(make_channel(name, clock), transport=httpx.MockTransport(
        lambda request: httpx.Response(404)))
    return hub, counting(hub)


def keys(hub: polychat.AsyncHub | polychat.Hub, events: Recorder) -> list[str]:
    return sorted(hub.event_key(e) for e in events)


def reference(name: str, requests: list[WebhookRequest]) -> list[str]:
    """The dedup keys of the events of ``requests``, each parsed once (no hub involved)."""
    channel = make_channel(name)
    return sorted({polychat.Hub.event_key(e) for r in requests for e in channel.parse(r)})


# -- bodies ------------------------------------------------------------------------------------


def simulated(name: str) -> list[WebhookRequest]:
    """Signed webhooks the Simulator's fake of ``name`` builds: a text, a photo, a location."""
    hub = polychat.AsyncHub(make_channel(name))
    sim = Simulator(hub)
    user = sim.user(name)
    fake = user.fake
    envelopes = [fake.user_text(user.id, user.name, "Where is my order?"),
                 fake.user_image(user.id, user.name, b"\xff\xd8\xff\xe0fake-jpeg", "image/jpeg",
                                 "the parcel"),
                 fake.user_location(user.id, user.name, 48.8584, 2.2945, "Tower", None)]
    return [fake.webhook_request(envelope) for envelope in envelopes]


def fixture_requests(name: str) -> list[tuple[str, WebhookRequest]]:
    """Every ``tests/data/<name>`` payload (holdouts too) as a signed webhook request."""
    found = []
    for path in webhook_fixtures(DATA / name):
        payload = json.loads(path.read_text())
        if name == "apple":
            body = gzip.compress(json.dumps(payload["body"]).encode())
            token = encode_jwt({"aud": MSP_ID, "iat": int(T0)}, APPLE_KEY)
            headers = {**payload["headers"], "Authorization": f"Bearer {token}",
                       "Content-Encoding": "gzip"}
        else:
            body = json.dumps(payload).encode()
            headers = {"X-Hub-Signature-256": sign_body(body, APP_SECRET),
                       "Content-Type": "application/json"}
        found.append((path.stem, WebhookRequest(headers=headers, body=body)))
    return found


FIXTURES = [(name, stem, request) for name in PLATFORMS
            for stem, request in fixture_requests(name)]


def ticking() -> Callable[[], float]:
    """A clock one second later at every reading (each delivery is received at another time)."""
    counter = itertools.count()
    return lambda: T0 + next(counter)


# -- AsyncHub.handle -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "stem", "request_"), FIXTURES,
                         ids=[f"{n}-{s}" for n, s, _ in FIXTURES])
async def test_every_fixture_replayed_is_dispatched_once(name: str, stem: str,
                                                         request_: WebhookRequest) -> None:
    hub, seen = async_hub(name, clock=ticking())
    first = await hub.handle(name, request_)
    assert first.status == 200
    once = list(seen)
    assert once, "a fixture gives at least one event"
    assert len(set(keys(hub, once))) == len(once)
    for _ in range(TIMES - 1):
        assert (await hub.handle(name, request_)).status == 200
    assert keys(hub, seen) == keys(hub, once), "a re-delivery dispatched an event again"

    concurrent_hub, concurrent = async_hub(name, clock=ticking())
    answers = await asyncio.gather(*(concurrent_hub.handle(name, request_) for _ in range(TIMES)))
    assert [a.status for a in answers] == [200] * TIMES
    assert keys(concurrent_hub, concurrent) == keys(hub, once)


@pytest.mark.parametrize("name", PLATFORMS)
async def test_simulated_webhooks_replayed_sequentially(name: str) -> None:
    requests = simulated(name)
    hub, seen = async_hub(name)
    for request in requests:
        await hub.handle(name, request)
    once = keys(hub, seen)
    assert once == reference(name, requests)
    for _ in range(TIMES - 1):
        for request in requests:
            await hub.handle(name, request)
    assert keys(hub, seen) == once


@pytest.mark.parametrize("name", PLATFORMS)
async def test_simulated_webhooks_replayed_concurrently(name: str) -> None:
    requests = simulated(name)
    hub, seen = async_hub(name)
    await asyncio.gather(*(hub.handle(name, r) for r in requests for _ in range(TIMES)))
    assert keys(hub, seen) == reference(name, requests)


@pytest.mark.parametrize("name", PLATFORMS)
async def test_concurrent_receive_then_dispatch(name: str) -> None:
    """The queue-based path: receive() of concurrent deliveries hands out each event once."""
    requests = simulated(name)
    hub, _ = async_hub(name)
    results = await asyncio.gather(*(hub.receive(name, r) for r in requests for _ in range(TIMES)))
    fresh = [event for _, events in results for event in events]
    assert keys(hub, fresh) == reference(name, requests)


# -- Hub.handle and WSGI, from threads -------------------------------------------------------------


def in_threads(work: Callable[[], Any], count: int = TIMES) -> list[Any]:
    """Run ``work`` in ``count`` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    return results


@pytest.mark.parametrize("name", PLATFORMS)
def test_sync_hub_replayed_sequentially_and_from_threads(name: str) -> None:
    requests = simulated(name)
    hub, seen = sync_hub(name)
    for _ in range(TIMES):
        for request in requests:
            assert hub.handle(name, request).status == 200
    assert keys(hub, seen) == reference(name, requests)

    threaded, threaded_seen = sync_hub(name)
    for request in requests:
        answers = in_threads(lambda request=request: threaded.handle(name, request))
        assert [a.status for a in answers] == [200] * TIMES
    assert keys(threaded, threaded_seen) == keys(hub, seen)


def environ(name: str, request: WebhookRequest) -> dict[str, Any]:
    """The WSGI environ of ``request`` POSTed to ``/webhooks/<name>``."""
    env: dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/webhooks/{name}",
                           "QUERY_STRING": "", "CONTENT_LENGTH": str(len(request.body)),
                           "wsgi.input": io.BytesIO(request.body)}
    for header, value in request.headers.items():
        if header.lower() == "content-type":
            env["CONTENT_TYPE"] = value
        else:
            env["HTTP_" + header.upper().replace("-", "_")] = value
    return env


@pytest.mark.parametrize("name", PLATFORMS)
def test_wsgi_app_replayed_from_threads(name: str) -> None:
    requests = simulated(name)
    hub, seen = sync_hub(name)
    app = hub.wsgi()

    def post(request: WebhookRequest) -> str:
        statuses: list[str] = []
        body = app(environ(name, request), lambda status, headers: statuses.append(status))
        b"".join(body)
        body.close()  # type: ignore[attr-defined]  # the server closes it: events dispatch here
        return statuses[0]

    for request in requests:
        assert in_threads(lambda request=request: post(request)) == ["200 OK"] * TIMES
    assert keys(hub, seen) == reference(name, requests)


# -- the ASGI app ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["async", "sync"])
@pytest.mark.parametrize("name", PLATFORMS)
async def test_asgi_app_replayed_concurrently(name: str, flavor: str) -> None:
    requests = simulated(name)
    hub: polychat.AsyncHub | polychat.Hub
    hub, seen = async_hub(name) if flavor == "async" else sync_hub(name)
    transport = httpx.ASGITransport(app=hub.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        for _ in range(2):  # a concurrent burst, then the same burst again later
            answers = await asyncio.gather(*(
                client.post(f"/webhooks/{name}", content=r.body, headers=dict(r.headers))
                for r in requests for _ in range(TIMES)))
            assert [a.status_code for a in answers] == [200] * (len(requests) * TIMES)
    assert keys(hub, seen) == reference(name, requests)
