"""The simulator: a real hub against the fake Cloud API, end to end."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

import polychat
from polychat import AsyncHub, Hub, Text
from polychat.testing import Simulator, SimulatorError

PNID = "106540352242922"


def make_wa(token: str = "EAAG-FAKE") -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token=token, app_secret="fake-secret")


def echo_hub() -> AsyncHub:
    hub = AsyncHub(make_wa())

    @hub.on(polychat.MessageReceived)
    async def echo(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        if isinstance(event.content, Text):
            await ctx.reply(polychat.Buttons(f"You said {event.content.text}",
                                             [polychat.Button.reply("more", "More")]))
        elif isinstance(event.content, polychat.Image):
            data = await ctx.download(event.content)
            await ctx.reply(Text(f"{len(data)} bytes"), quote=True)

    @hub.on(polychat.ChoiceSelected)
    async def chosen(event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        await ctx.reply(Text(f"{event.source}:{event.choice_id}:{event.reply_to is not None}"))

    return hub


async def test_conversation_round_trip() -> None:
    hub = echo_hub()
    sim = Simulator(hub)
    ada = sim.user("whatsapp")
    (reply,) = await ada.says("hi")
    assert reply.view == "You said hi\n[ More ]"
    assert reply.body["interactive"]["type"] == "button"
    (tap,) = await ada.taps("More")
    assert tap.view == "button:more:True"
    statuses = [s["status"] for _, body, _ in sim.webhooks
                for e in body["entry"] for c in e["changes"] for s in c["value"].get("statuses", [])]
    assert statuses == ["sent", "delivered", "read"] * 2
    assert all(resp.status == 200 for _, _, resp in sim.webhooks)
    with pytest.raises(SimulatorError):
        await ada.taps("nothing like this")


async def test_user_photo_is_downloadable_and_quoted() -> None:
    sim = Simulator(echo_hub())
    ada = sim.user("whatsapp")
    (reply,) = await ada.sends_image(b"\x89PNG-fake" * 10, mime_type="image/png")
    assert reply.view == "90 bytes"
    assert reply.body["context"]["message_id"].startswith("wamid.")


async def test_the_fake_api_refuses_what_meta_refuses() -> None:
    hub = AsyncHub(make_wa())
    Simulator(hub)
    address = f"whatsapp:{PNID}:16505551234"
    with pytest.raises(polychat.PermanentError) as info:
        await hub.send(address, polychat.Raw("whatsapp", {"type": "text", "text": {}}))
    assert info.value.code == 131008
    assert "text.body" in (info.value.details or "")
    assert info.value.trace_id
    bad = httpx.AsyncClient(transport=Simulator(hub))
    response = await bad.post(f"https://graph.facebook.com/v25.0/{PNID}/messages",
                              headers={"Authorization": "Bearer nope"}, json={})
    assert response.status_code == 401 and response.json()["error"]["code"] == 190


async def test_closed_window_fails_asynchronously_like_meta() -> None:
    hub = AsyncHub(make_wa(), window="ignore")
    failures: list[polychat.MessageStatus] = []
    hub.on(polychat.MessageStatus, when=lambda e: e.status == "failed")(
        lambda event, ctx: failures.append(event))
    sim = Simulator(hub)
    await sim.user("whatsapp").says("hi")
    sim.advance(timedelta(hours=25))
    result = await hub.send(f"whatsapp:{PNID}:16505551234", Text("late"))
    await sim.flush()
    assert result.message_ids and failures
    assert isinstance(failures[0].error, polychat.WindowClosed)
    assert failures[0].error.code == 131047


async def test_bytes_upload_goes_through_the_media_api() -> None:
    hub = AsyncHub(make_wa())
    sim = Simulator(hub)
    await sim.user("whatsapp").says("hi")
    await hub.send(f"whatsapp:{PNID}:16505551234",
                   polychat.Image(data=b"\x89PNG\r\n\x1a\n" + b"0" * 50, mime_type="image/png"))
    media_id = sim.sent[-1].body["image"]["id"]
    stored = sim.fake("whatsapp").media[media_id]
    assert stored.data.startswith(b"\x89PNG\r\n\x1a\n") and len(stored.data) == 58


def test_sync_hub_runs_on_the_simulator() -> None:
    import asyncio

    hub = Hub(make_wa())
    hub.on(polychat.MessageReceived)(lambda event, ctx: ctx.reply(Text("sync says hi")))
    sim = Simulator(hub)
    (reply,) = asyncio.run(sim.user("whatsapp").says("hello"))
    assert reply.view == "sync says hi"
    assert json.loads(sim.requests[0].content)["to"] == "16505551234"


async def test_two_numbers_share_one_simulator_and_callback_data_echoes() -> None:
    first = make_wa()
    second = polychat.WhatsApp(phone_number_id="222333444555666", access_token="EAAG-SECOND",
                               app_secret="fake-secret")
    hub = AsyncHub(first, second)
    statuses: list[polychat.MessageStatus] = []
    hub.on(polychat.MessageStatus)(lambda event, ctx: statuses.append(event))
    sim = Simulator(hub)
    await sim.user("whatsapp", account="222333444555666").says("hi")
    await sim.user("whatsapp", account=PNID).says("hi")
    result = await hub.send("whatsapp:222333444555666:16505551234", Text("from two"),
                            callback_data="order-42")
    await sim.flush()
    assert result.message_ids and sim.sent[-1].account == "222333444555666"
    assert {s.callback_data for s in statuses} == {"order-42"}


async def test_registration_order_does_not_matter_for_the_fakes() -> None:
    fb = polychat.Messenger(page_id="1234567890", page_access_token="EAAG-FAKE-PAGE",
                            app_secret="fake-secret")
    hub = AsyncHub(fb, make_wa())
    hub.on(polychat.MessageReceived)(lambda event, ctx: ctx.reply(Text("hello")))
    sim = Simulator(hub)
    (on_whatsapp,) = await sim.user("whatsapp").says("hi")
    (on_messenger,) = await sim.user("messenger").says("hi")
    assert (on_whatsapp.channel, on_messenger.channel) == ("whatsapp", "messenger")


async def test_upload_only_then_send_by_id() -> None:
    fb = polychat.Messenger(page_id="1234567890", page_access_token="EAAG-FAKE-PAGE",
                            app_secret="fake-secret")
    hub = AsyncHub(make_wa(), fb)
    sim = Simulator(hub)
    media_id = await hub.upload("whatsapp", polychat.Image(data=b"\x89PNG-fake", mime_type="image/png"))
    assert sim.fake("whatsapp").media[media_id].data == b"\x89PNG-fake"
    await sim.user("whatsapp").says("hi")
    await hub.send(f"whatsapp:{PNID}:16505551234", polychat.Image(media_id=media_id))
    assert sim.sent[-1].body["image"] == {"id": media_id}
    attachment_id = await hub.upload("messenger", polychat.Image(url="https://example.com/a.png"))
    assert attachment_id.isdigit()
    with pytest.raises(polychat.ConfigurationError):
        await hub.upload("whatsapp", polychat.Image(url="https://example.com/a.png"))
