"""Pacing (token buckets in the store) and conversation windows, with every store.

Each test runs on MemoryStore and on RedisStore (``any_store``): the hub must decide the same way
whichever store holds the state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

import polychat
from polychat import Address, AsyncHub, Hub, Pace, Template, Text, WebhookRequest
from polychat.channels._meta import sign_body

PNID = "106540352242922"
PAGE = "1029384756"
SECRET = "fake-app-secret-0000"
MESSAGES = f"https://graph.facebook.com/v25.0/{PNID}/messages"
FB_MESSAGES = f"https://graph.facebook.com/v25.0/{PAGE}/messages"
ADA = Address(channel="whatsapp", account=PNID, user="16505551234")
BOB = Address(channel="whatsapp", account=PNID, user="16505550000")


def make_wa(pacing: list[Pace] | None = None) -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE", app_secret=SECRET,
                             pacing=pacing)


def accepted() -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "messages": [{"id": "wamid.SENT"}]})


class FakeTime:
    """A clock the hub paces by, moved forward by the hub's own sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def paced_hub(store: Any, pacing: list[Pace], time: FakeTime, **options: Any) -> AsyncHub:
    hub = AsyncHub(make_wa(pacing), store=store, window="ignore", **options)
    hub.core.pace_clock = time.clock
    hub.sleep = time.asleep
    return hub


@respx.mock
async def test_recipient_bucket_spaces_sends_to_one_customer_only(any_store: Any) -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    hub = paced_hub(any_store, [Pace.per_recipient(1 / 6, burst=2)], time)
    for _ in range(4):
        await hub.send(ADA, Text("hi"))
    await hub.send(BOB, Text("hi"))  # another customer has their own bucket
    assert time.sleeps == [6.0, 6.0]
    await hub.aclose()


@respx.mock
async def test_account_bucket_is_shared_by_two_hubs_on_one_store(any_store: Any) -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    one = paced_hub(any_store, [Pace.per_account(10, burst=2)], time)
    two = paced_hub(any_store, [Pace.per_account(10, burst=2)], time)
    await one.send(ADA, Text("a"))
    await two.send(BOB, Text("b"))
    await one.send(BOB, Text("c"))  # the third send in the same instant waits 1/10 s
    assert time.sleeps == [0.1]
    await one.aclose()
    await two.aclose()


@respx.mock
async def test_a_wait_over_the_maximum_raises_before_any_request(any_store: Any) -> None:
    route = respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    hub = paced_hub(any_store, [Pace.per_recipient(1 / 60)], time, max_pacing_wait=30)
    await hub.send(ADA, Text("first"))
    with pytest.raises(polychat.RateLimited) as info:
        await hub.send(ADA, Text("second"))
    assert info.value.retry_after == pytest.approx(60)
    assert route.call_count == 1 and time.sleeps == []
    await hub.aclose()


@respx.mock
async def test_platform_throttling_feeds_back_into_the_bucket(any_store: Any) -> None:
    pair_limit = httpx.Response(400, json={"error": {
        "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "type": "OAuthException", "code": 131056, "fbtrace_id": "AbCdEf"}},
        headers={"Retry-After": "16"})
    respx.post(MESSAGES).mock(side_effect=[pair_limit, accepted(), accepted()])
    time = FakeTime()
    hub = paced_hub(any_store, [Pace.per_account(80), Pace.per_recipient(1 / 6, burst=45)], time,
                    retry=polychat.RetryPolicy(attempts=1))
    with pytest.raises(polychat.RateLimited):
        await hub.send(ADA, Text("too many"))
    await hub.send(BOB, Text("other customers are not held back"))
    assert time.sleeps == []
    await hub.send(ADA, Text("this customer waits out Meta's retry-after"))
    assert time.sleeps == [16.0]
    await hub.aclose()


@respx.mock
def test_sync_hub_paces_the_same_way(any_store: Any) -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    hub = Hub(make_wa([Pace.per_recipient(1 / 6, burst=2)]), store=any_store, window="ignore")
    hub.core.pace_clock = time.clock
    hub.sleep = time.sleep
    for _ in range(4):
        hub.send(ADA, Text("hi"))
    assert time.sleeps == [6.0, 6.0]
    hub.close()


def test_default_pacing_follows_the_platforms() -> None:
    wa = make_wa()
    assert [(p.scope, p.rate, p.burst) for p in wa.pacing] == [("account", 80.0, 80),
                                                               ("recipient", 1 / 6, 45)]
    fb = polychat.Messenger(page_id=PAGE, page_access_token="EAAP-FAKE")
    assert {p.kinds for p in fb.pacing} == {None, frozenset({"audio", "video"})}
    assert make_wa([]).pacing == []


# -- windows -----------------------------------------------------------------------------------


def inbound(when: datetime, message_id: str = "wamid.IN1") -> WebhookRequest:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PNID},
            "contacts": [{"profile": {"name": "Ada"}, "wa_id": ADA.user}],
            "messages": [{"from": ADA.user, "id": message_id, "timestamp": str(int(when.timestamp())),
                          "type": "text", "text": {"body": "hi"}}]}}]}]}
    raw = json.dumps(payload).encode()
    return WebhookRequest(headers={"X-Hub-Signature-256": sign_body(raw, SECRET)}, body=raw)


@respx.mock
async def test_whatsapp_window_closes_after_24_hours_with_its_end_time(any_store: Any) -> None:
    route = respx.post(MESSAGES).mock(return_value=accepted())
    hub = AsyncHub(make_wa([]), store=any_store)
    last = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    await hub.handle("whatsapp", inbound(last))
    hub.core.clock = lambda: last + timedelta(hours=23, minutes=59)
    await hub.send(ADA, Text("still open"))
    hub.core.clock = lambda: last + timedelta(hours=25)
    with pytest.raises(polychat.WindowClosed) as info:
        await hub.send(ADA, Text("too late"))
    assert info.value.window_end == last + timedelta(hours=24)
    assert "2026-11-21T09:30:00+00:00" in str(info.value)
    assert route.call_count == 1  # refused before any request
    await hub.send(ADA, Template("order_update", "en_US"))  # templates are exempt
    await hub.send(ADA, Text("the platform decides"), window="ignore")
    assert route.call_count == 3
    await hub.aclose()


@respx.mock
async def test_outside_window_content_is_sent_only_when_the_window_is_closed(any_store: Any) -> None:
    route = respx.post(MESSAGES).mock(return_value=accepted())
    hub = AsyncHub(make_wa([]), store=any_store)
    last = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    await hub.handle("whatsapp", inbound(last))
    shipped = Text("Your order A1001 has shipped")
    template = Template("order_shipped", "en_US", [
        {"type": "body", "parameters": [{"type": "text", "text": "A1001"}]}])
    hub.core.clock = lambda: last + timedelta(hours=2)
    inside = await hub.send(ADA, shipped, outside_window=template)
    assert inside.degraded == [] and json.loads(route.calls.last.request.content)["type"] == "text"
    hub.core.clock = lambda: last + timedelta(hours=30)
    outside = await hub.send(ADA, shipped, outside_window=template)
    assert outside.degraded == ["window.outside: the window closed at 2026-11-21T09:30:00+00:00; "
                                "sent the outside-window template instead"]
    assert json.loads(route.calls.last.request.content)["template"]["name"] == "order_shipped"
    with pytest.raises(polychat.WindowClosed):  # a fallback the window does not let through
        await hub.send(ADA, shipped, outside_window=Text("still free-form"))
    assert route.call_count == 2
    await hub.aclose()


@respx.mock
async def test_messenger_human_agent_tag_widens_the_window_to_7_days(any_store: Any) -> None:
    route = respx.post(FB_MESSAGES).mock(return_value=httpx.Response(
        200, json={"recipient_id": "5550001112223334", "message_id": "m_1"}))
    fb = polychat.Messenger(page_id=PAGE, page_access_token="EAAP-FAKE", app_secret=SECRET,
                            appsecret_proof=False, pacing=[])
    hub = AsyncHub(fb, store=any_store)
    user = Address(channel="messenger", account=PAGE, user="5550001112223334")
    last = datetime(2026, 11, 1, tzinfo=UTC)
    any_store.touch_user(str(user), last)
    hub.core.clock = lambda: last + timedelta(days=3)
    with pytest.raises(polychat.WindowClosed) as info:
        await hub.send(user, Text("outside 24 h"))
    assert "HUMAN_AGENT" in (info.value.hint or "")
    await hub.send(user, Text("an agent answers"), messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    hub.core.clock = lambda: last + timedelta(days=8)
    with pytest.raises(polychat.WindowClosed):
        await hub.send(user, Text("too late even for an agent"), messaging_type="MESSAGE_TAG",
                       tag="HUMAN_AGENT")
    assert route.call_count == 1
    await hub.aclose()


async def test_apple_close_blocks_sends_until_the_customer_writes(any_store: Any) -> None:
    from polychat.testing import Simulator

    apple = polychat.AppleMessages(msp_id="fake-msp", business_id="fake-biz",
                                   secret="ZmFrZS1tc3Atc2VjcmV0LWZvci10ZXN0cy1vbmx5LTAwMDA=")
    hub = AsyncHub(apple, store=any_store)
    sim = Simulator(hub)
    ada = sim.user("apple")
    await ada.says("hi")
    await ada.closes()
    address = f"apple:fake-biz:{ada.id}"
    requests = len(sim.requests)
    with pytest.raises(polychat.RecipientUnreachable) as local:
        await hub.send(address, Text("are you there?"))
    assert local.value.http_status is None and len(sim.requests) == requests  # no request made
    with pytest.raises(polychat.RecipientUnreachable) as remote:  # window="ignore": Apple decides
        await hub.send(address, Text("the platform decides"), window="ignore")
    assert remote.value.http_status == 410
    await ada.says("back again")
    await hub.send(address, Text("welcome back"))
    assert ada.last.view == "welcome back"


@respx.mock
async def test_a_refused_send_takes_no_token_from_the_other_buckets(any_store: Any) -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    account = Pace.per_account(1, burst=10)
    hub = paced_hub(any_store, [account, Pace.per_recipient(1 / 60)], time, max_pacing_wait=5)
    await hub.send(ADA, Text("one"))
    for _ in range(3):
        with pytest.raises(polychat.RateLimited):
            await hub.send(ADA, Text("refused by Ada's bucket"))
    # the account bucket holds exactly one reservation: nine more sends to others go at once
    for n in range(9):
        await hub.send(Address(channel="whatsapp", account=PNID, user=f"1650555{n:04d}"), Text("x"))
    assert time.sleeps == []
    await hub.aclose()


@respx.mock
async def test_read_receipts_and_typing_do_not_count_against_the_pair_limit(any_store: Any) -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    time = FakeTime()
    hub = paced_hub(any_store, [p for p in make_wa().pacing if p.scope == "recipient"], time)
    for n in range(45):
        await hub.send(ADA, polychat.MarkRead(f"wamid.IN{n}"))
        await hub.send(ADA, polychat.Typing(on=True, message_id=f"wamid.IN{n}"))
        await hub.send(ADA, Text("an answer"))
    assert time.sleeps == []  # 45 messages: the burst, whatever the receipts and indicators
    await hub.send(ADA, Text("the 46th waits"))
    assert time.sleeps == [pytest.approx(6.0)]
    await hub.aclose()


class FlakyStore(polychat.MemoryStore):
    """A store whose activity write fails once (a Redis blip)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def touch_user(self, address: str, when: datetime) -> None:
        if self.fail:
            self.fail = False
            raise ConnectionError("store unreachable")
        super().touch_user(address, when)


async def test_a_store_failure_mid_receive_does_not_lose_the_redelivery() -> None:
    hub = AsyncHub(make_wa([]), store=FlakyStore())
    seen: list[polychat.Event] = []
    hub.on(polychat.MessageReceived)(lambda event, ctx: seen.append(event))
    request = inbound(datetime.now(UTC))
    with pytest.raises(ConnectionError):
        await hub.handle("whatsapp", request)
    await hub.handle("whatsapp", request)  # Meta re-delivers after the 500
    assert len(seen) == 1
    await hub.aclose()
