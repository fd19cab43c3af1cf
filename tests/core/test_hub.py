"""Hubs: sending with degrade/raise and window rules, webhook handling, dedup, dispatch."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

import polychat
from polychat import (
    Address,
    AsyncHub,
    Button,
    Buttons,
    Hub,
    QuickReplies,
    QuickReply,
    Template,
    Text,
    WebhookRequest,
)
from polychat.channels._meta import sign_body

PNID = "106540352242922"
SECRET = "fake-app-secret-0000"
MESSAGES = f"https://graph.facebook.com/v25.0/{PNID}/messages"
USER = Address(channel="whatsapp", account=PNID, user="16505551234")


def make_wa() -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE", app_secret=SECRET,
                             verify_token="fake-verify")


def accepted(n: int = 1) -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
                                     "messages": [{"id": f"wamid.SENT{n}"}]})


def text_webhook(message_id: str = "wamid.IN1", body: str = "hi",
                 timestamp: datetime | None = None) -> WebhookRequest:
    ts = int((timestamp or datetime.now(UTC)).timestamp())
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PNID},
            "contacts": [{"profile": {"name": "Ada"}, "wa_id": "16505551234"}],
            "messages": [{"from": "16505551234", "id": message_id, "timestamp": str(ts),
                          "type": "text", "text": {"body": body}}]}}]}]}
    raw = json.dumps(payload).encode()
    return WebhookRequest(headers={"X-Hub-Signature-256": sign_body(raw, SECRET),
                                   "Content-Type": "application/json"}, body=raw)


@respx.mock
async def test_send_returns_ids_and_degrades_quick_replies() -> None:
    route = respx.post(MESSAGES).mock(return_value=accepted())
    hub = AsyncHub(make_wa())
    result = await hub.send(str(USER), QuickReplies("Pick", [QuickReply("a", "A"), QuickReply("b", "B")]))
    assert result.message_ids == ["wamid.SENT1"]
    assert result.degraded and result.degraded[0].startswith("quick_replies.as_buttons")
    body = json.loads(route.calls.last.request.content)
    assert body["interactive"]["type"] == "button"
    await hub.aclose()


@respx.mock
async def test_raise_mode_names_the_limit() -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    hub = AsyncHub(make_wa(), on_unsupported="raise")
    buttons = Buttons("Pick", [Button.reply(str(n), f"B{n}") for n in range(4)])
    with pytest.raises(polychat.UnsupportedContent) as info:
        await hub.send(USER, buttons)
    assert info.value.limit == "whatsapp.buttons.count"
    with pytest.raises(polychat.UnsupportedContent):
        await hub.send(USER, QuickReplies("x", [QuickReply("a", "A")]))


@respx.mock
async def test_reply_to_quotes_only_the_first_message() -> None:
    route = respx.post(MESSAGES).mock(side_effect=[accepted(1), accepted(2)])
    hub = AsyncHub(make_wa())
    result = await hub.send(USER, [Text("one"), Text("two")], reply_to="wamid.Q")
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies[0]["context"] == {"message_id": "wamid.Q"} and "context" not in bodies[1]
    assert result.message_ids == ["wamid.SENT1", "wamid.SENT2"]


@respx.mock
async def test_window_check_blocks_free_form_but_not_templates() -> None:
    respx.post(MESSAGES).mock(return_value=accepted())
    hub = AsyncHub(make_wa())
    old = datetime.now(UTC) - timedelta(hours=30)
    await hub.handle("whatsapp", text_webhook(timestamp=old))
    with pytest.raises(polychat.WindowClosed) as info:
        await hub.send(USER, Text("late"))
    assert "Template" in (info.value.hint or "")
    await hub.send(USER, Template("order_update", "en_US"))
    relaxed = AsyncHub(make_wa(), window="ignore", store=hub.core.store)
    await relaxed.send(USER, Text("platform decides"))


async def test_webhook_dispatch_dedup_and_isolation(caplog: pytest.LogCaptureFixture) -> None:
    hub = AsyncHub(make_wa())
    seen: list[Any] = []

    @hub.on(polychat.MessageReceived, when=lambda e: e.content.text == "boom")
    async def explode(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        raise RuntimeError("handler bug")

    @hub.on(polychat.MessageReceived, channel="whatsapp")
    async def record(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        seen.append((event.content.text, str(ctx.address)))  # type: ignore[union-attr]

    caplog.set_level(logging.ERROR, logger="polychat.hub")
    assert (await hub.handle("whatsapp", text_webhook("wamid.1", "boom"))).status == 200
    assert "handler bug" in caplog.text
    assert (await hub.handle("whatsapp", text_webhook("wamid.2", "hello"))).status == 200
    assert (await hub.handle("whatsapp", text_webhook("wamid.2", "hello"))).status == 200  # re-delivery
    assert seen == [("hello", f"whatsapp:{PNID}:16505551234")]


async def test_webhook_errors_get_the_right_status() -> None:
    hub = AsyncHub(make_wa())
    good = text_webhook()
    tampered = WebhookRequest(headers=good.headers, body=good.body.replace(b"hi", b"ho"))
    assert (await hub.handle("whatsapp", tampered)).status == 401
    garbage = WebhookRequest(headers={"X-Hub-Signature-256": sign_body(b"{nope", SECRET)}, body=b"{nope")
    assert (await hub.handle("whatsapp", garbage)).status == 400
    assert (await hub.handle("telegram", good)).status == 404
    assert (await hub.handle("whatsapp", WebhookRequest(method="PUT"))).status == 405


async def test_subscription_handshake() -> None:
    hub = AsyncHub(make_wa())
    query = {"hub.mode": "subscribe", "hub.verify_token": "fake-verify", "hub.challenge": "1158201444"}
    ok = await hub.handle("whatsapp", WebhookRequest(method="GET", query=query))
    assert (ok.status, ok.body) == (200, b"1158201444")
    bad = await hub.handle("whatsapp", WebhookRequest(method="GET", query={**query, "hub.verify_token": "x"}))
    assert bad.status == 403


def test_sync_hub_refuses_async_handlers_and_sends() -> None:
    hub = Hub(make_wa())

    async def handler(event: Any, ctx: Any) -> None: ...

    with pytest.raises(polychat.ConfigurationError):
        hub.on(polychat.MessageReceived)(handler)
    got: list[str] = []
    hub.on(polychat.MessageReceived)(lambda event, ctx: got.append(ctx.reply(Text("yo")).message_ids[0]))
    with respx.mock:
        respx.post(MESSAGES).mock(return_value=accepted(7))
        assert hub.handle("whatsapp", text_webhook()).status == 200
    assert got == ["wamid.SENT7"]
    hub.close()


def test_routing_by_account_and_registration_errors() -> None:
    other = polychat.WhatsApp(phone_number_id="222", access_token="EAAG-2", app_secret=SECRET)
    hub = AsyncHub(make_wa(), other)
    assert hub.core.channel_for(Address(channel="whatsapp", account="222", user="1")) is other
    with pytest.raises(polychat.ConfigurationError):
        hub.core.channel_for(Address(channel="whatsapp", account="333", user="1"))
    with pytest.raises(polychat.ConfigurationError):
        AsyncHub(make_wa(), make_wa())
    with pytest.raises(polychat.ConfigurationError):
        hub.on(str)  # type: ignore[arg-type]


@respx.mock
async def test_download_refetches_an_expired_media_url() -> None:
    first, second = ({"url": f"https://lookaside.fbsbx.com/x?mid=1&v={n}", "mime_type": "image/jpeg"}
                     for n in (1, 2))
    lookup = respx.get("https://graph.facebook.com/v25.0/4490709327384033").mock(side_effect=[
        httpx.Response(200, json=first), httpx.Response(200, json=second)])
    respx.get("https://lookaside.fbsbx.com/x?mid=1&v=1").mock(return_value=httpx.Response(404))
    fresh = respx.get("https://lookaside.fbsbx.com/x?mid=1&v=2").mock(
        return_value=httpx.Response(200, content=b"jpeg-bytes"))
    hub = AsyncHub(make_wa())
    data, mime = await hub.download(USER, polychat.Image(media_id="4490709327384033"))
    assert (data, mime) == (b"jpeg-bytes", "image/jpeg")
    assert lookup.call_count == 2 and fresh.called
    assert fresh.calls.last.request.headers["authorization"] == "Bearer EAAG-FAKE"


@respx.mock
async def test_partial_sends_report_the_ids_that_went_out() -> None:
    respx.post(MESSAGES).mock(side_effect=[accepted(1), httpx.Response(400, json={"error": {
        "message": "(#131026) Message undeliverable", "code": 131026}})])
    hub = AsyncHub(make_wa(), window="ignore")
    with pytest.raises(polychat.RecipientUnreachable) as info:
        await hub.send(USER, [Text("one"), Text("two")])
    assert info.value.sent_message_ids == ["wamid.SENT1"]  # type: ignore[attr-defined]


@respx.mock
async def test_quote_skips_reactions_and_goes_on_the_first_message() -> None:
    route = respx.post(MESSAGES).mock(side_effect=[accepted(1), accepted(2)])
    hub = AsyncHub(make_wa())
    await hub.send(USER, [polychat.Reaction("wamid.Q", "👍"), Text("sure")], reply_to="wamid.Q")
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert "context" not in bodies[0] and bodies[1]["context"] == {"message_id": "wamid.Q"}


async def test_async_hub_runs_blocking_handlers_off_the_event_loop() -> None:
    import threading
    import time

    hub = AsyncHub(make_wa())
    threads: list[str] = []

    def blocking(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        threads.append(threading.current_thread().name)
        time.sleep(0.05)

    hub.on(polychat.MessageReceived)(blocking)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    await hub.handle("whatsapp", text_webhook("wamid.BLOCK"))
    task.cancel()
    assert threads and threads[0] != threading.main_thread().name
    assert ticks > 0  # the loop kept running while the handler slept


def test_sync_hub_refuses_async_callable_objects() -> None:
    class Bot:
        async def __call__(self, event: Any, ctx: Any) -> None: ...

    with pytest.raises(polychat.ConfigurationError):
        Hub(make_wa()).on(polychat.MessageReceived)(Bot())


def test_webhook_request_repr_hides_the_verify_token() -> None:
    request = WebhookRequest(method="GET", query={"hub.mode": "subscribe",
                                                  "hub.verify_token": "my-verify-SECRET"})
    assert "my-verify-SECRET" not in repr(request) and "subscribe" in repr(request)


async def test_use_transport_closes_the_replaced_client_on_aclose() -> None:
    hub = AsyncHub(make_wa())
    old = hub.http.client
    hub.use_transport(httpx.MockTransport(lambda request: httpx.Response(200)))
    assert hub.http.client is not old
    await hub.aclose()
    assert old.is_closed
