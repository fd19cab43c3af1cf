"""Simulated customers arriving from ads and links: real-shaped referral webhooks, parsed."""

from __future__ import annotations

from typing import Any

import pytest

import polychat
from polychat.cli import demo_channels
from polychat.testing import Simulator

AD = "120210000000000001"


def recording() -> tuple[Simulator, list[polychat.Event]]:
    hub = polychat.AsyncHub(*demo_channels())
    seen: list[polychat.Event] = []

    @hub.on(polychat.Event)
    async def record(event: polychat.Event, ctx: polychat.Context) -> None:
        if not isinstance(event, polychat.MessageStatus | polychat.UnknownEvent):
            seen.append(event)

    return Simulator(hub), seen


def last_body(sim: Simulator) -> dict[str, Any]:
    return sim.webhooks[0][1]


async def test_click_to_whatsapp_ad_rides_on_the_first_message() -> None:
    sim, seen = recording()
    ada = sim.user("whatsapp")
    await ada.clicks_ad(AD, headline="Spring sale", body="20% off", text="Tell me more")
    message = last_body(sim)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["type"] == "text" and message["text"] == {"body": "Tell me more"}
    assert set(message["referral"]) == {"source_url", "source_id", "source_type", "headline", "body",
                                        "media_type", "image_url", "ctwa_clid"}
    (event,) = seen
    assert isinstance(event, polychat.MessageReceived) and event.referral is not None
    info = event.referral
    assert (info.source, info.ad_id, info.ref, info.headline, info.body) == (
        "ad", AD, AD, "Spring sale", "20% off")
    assert info.click_id and info.url and info.url.startswith("https://fb.me/")
    assert event.sender == polychat.Address(channel="whatsapp", account=ada.fake.account,
                                            user=ada.id)
    assert ada.address == polychat.Address(channel="whatsapp", account=ada.fake.account, user=ada.id)


async def test_click_to_messenger_ad_and_m_me_link() -> None:
    sim, seen = recording()
    ada = sim.user("messenger")
    await ada.clicks_ad(AD, headline="Spring sale", ref="spring")
    await ada.opens_link("summer")
    first, second = seen
    assert isinstance(first, polychat.MessageReceived) and first.referral is not None
    assert (first.referral.source, first.referral.ad_id, first.referral.ref,
            first.referral.headline) == ("ADS", AD, "spring", "Spring sale")
    assert isinstance(second, polychat.Referral)
    assert (second.source, second.ref, second.ad_id) == ("SHORTLINK", "summer", None)
    # both count as the customer writing: the bot may answer inside the 24-hour window
    assert ada.fake.window_open(ada.id)


async def test_apple_entry_point_intent_and_platforms_without_them() -> None:
    sim, seen = recording()
    ada = sim.user("apple")
    await ada.opens_link("billing", text="Hi there")
    (event,) = seen
    assert isinstance(event, polychat.MessageReceived) and event.referral is not None
    assert (event.referral.source, event.referral.ref) == ("entry_point", "billing")
    assert event.content == polychat.Text(text="Hi there")
    with pytest.raises(ValueError, match="no click-to-chat ads"):
        await ada.clicks_ad(AD)
    with pytest.raises(ValueError, match="links carry no ref"):
        await sim.user("whatsapp").opens_link("summer")
