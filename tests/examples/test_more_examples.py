"""The support-handover, appointment-booking and referral-welcome examples, on the simulator."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import polychat
from polychat import RecipientUnreachable, Text, WindowClosed
from polychat.cli import demo_channels
from polychat.testing import SimulatedUser, Simulator

ROOT = Path(__file__).resolve().parents[2]


def example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (the examples are scripts, not an installed package)."""
    module_name = f"polychat_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def simulated(name: str) -> tuple[ModuleType, polychat.AsyncHub, Simulator]:
    module = example(name)
    hub = module.create_hub(*demo_channels())
    return module, hub, Simulator(hub)


def views(messages: list[Any]) -> list[str]:
    return [m.view for m in messages]


# -- support handover ------------------------------------------------------------------------


async def handed_over(sim: Simulator, channel: str) -> SimulatedUser:
    customer = sim.user(channel)
    (bot,) = await customer.says("my parcel arrived damaged")
    assert "support bot" in bot.view
    (handover,) = await customer.says("Agent")
    assert "a colleague will answer you here" in handover.view
    assert await customer.says("It's order A1001") == []  # the bot keeps quiet now
    return customer


async def test_messenger_agent_answers_three_days_later_with_the_human_agent_tag() -> None:
    module, hub, sim = simulated("support_handover")
    agent = module.Agent(hub, name="Sam")
    ada = await handed_over(sim, "messenger")
    assert await agent.notes(ada.address) == ["It's order A1001"]
    sim.advance(timedelta(days=3))

    requests = len(sim.requests)
    with pytest.raises(WindowClosed) as refused:  # a plain send is past the 24-hour window
        await hub.send(ada.address, Text("Sam here: sorry for the wait"))
    assert refused.value.window_end is not None and "HUMAN_AGENT" in str(refused.value.hint)
    assert len(sim.requests) == requests  # refused before any request

    assert await agent.reply(ada.address, "a new one is on its way") == \
        "sent with the HUMAN_AGENT tag"
    body = json.loads(sim.requests[-1].content)
    assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"
    assert body["recipient"] == {"id": ada.id}
    assert ada.last.view == "Sam here: a new one is on its way"

    sim.advance(timedelta(days=5))  # 8 days: past what HUMAN_AGENT allows too
    assert (await agent.reply(ada.address, "still there?")).startswith("not sent: the window closed")


async def test_whatsapp_agent_answers_in_the_window_then_with_a_template() -> None:
    module, hub, sim = simulated("support_handover")
    agent = module.Agent(hub, name="Sam")
    ada = await handed_over(sim, "whatsapp")
    assert await agent.reply(ada.address, "looking into it") == "sent"
    assert ada.last.body["type"] == "text"
    sim.advance(timedelta(days=3))
    outcome = await agent.reply(ada.address, "a new one is on its way")
    assert outcome == "sent the agent_follow_up template (the 24-hour window has closed)"
    template = ada.last.body["template"]
    assert ada.last.body["type"] == "template" and template["name"] == "agent_follow_up"
    assert template["components"] == [{"type": "body",
                                       "parameters": [{"type": "text", "text": "Sam"}]}]


async def test_apple_agent_is_told_the_customer_closed_the_conversation() -> None:
    module, hub, sim = simulated("support_handover")
    agent = module.Agent(hub)
    ada = await handed_over(sim, "apple")
    await ada.closes()
    assert await agent.notes(ada.address) == ["It's order A1001",
                                              "(the customer closed the conversation)"]
    sent = len(sim.sent)
    outcome = await agent.reply(ada.address, "a new one is on its way")
    assert outcome.startswith("not sent: the customer closed the conversation")
    assert len(sim.sent) == sent
    with pytest.raises(RecipientUnreachable):
        await hub.send(ada.address, Text("hello?"))
    assert await ada.says("are you there?") == []  # writing again reopens it, still handed over
    assert await agent.reply(ada.address, "yes, sorry!") == "sent"
    assert ada.last.view == "Sam here: yes, sorry!"


async def test_release_gives_the_conversation_back_to_the_bot() -> None:
    module, hub, sim = simulated("support_handover")
    agent = module.Agent(hub)
    ada = await handed_over(sim, "whatsapp")
    assert await ada.says("agent") == []  # asking again while waiting: noted, not re-announced
    assert await agent.notes(ada.address) == ["It's order A1001", "agent"]
    await agent.release(ada.address)
    assert await agent.notes(ada.address) is None
    assert "support bot" in (await ada.says("thanks"))[0].view


# -- appointment booking ---------------------------------------------------------------------


async def book(sim: Simulator, channel: str, answer: str, *, name: str = "Ada Lovelace",
               device: list[str] | None = None) -> tuple[Any, list[str]]:
    customer = sim.user(channel, name=name)
    if device is not None:
        sim.fake("apple").set_device(customer.id, device)  # type: ignore[attr-defined]
    (offer,) = await customer.says("can I book a haircut?")
    act = customer.says if answer.isdigit() else customer.taps
    return offer, views(await act(answer))


CONFIRMED = ["Booked slot-2: Fri 16 Jan 14:00 (Europe/Paris). See you then!"]


async def test_whatsapp_gets_the_slots_as_a_list() -> None:
    _, _, sim = simulated("appointment_booking")
    offer, confirmed = await book(sim, "whatsapp", "Fri 16 Jan 14:00")
    interactive = offer.body["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Pick a time"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["slot-1", "slot-2", "slot-3"]
    assert confirmed == CONFIRMED


async def test_messenger_gets_the_slots_as_quick_replies() -> None:
    _, _, sim = simulated("appointment_booking")
    offer, confirmed = await book(sim, "messenger", "slot-2")
    replies = offer.body["message"]["quick_replies"]
    assert [(r["payload"], r["title"]) for r in replies] == [
        ("slot-1", "Fri 16 Jan 12:00"), ("slot-2", "Fri 16 Jan 14:00"), ("slot-3", "Fri 16 Jan 16:00")]
    assert confirmed == CONFIRMED


async def test_apple_device_with_time_gets_the_native_time_picker() -> None:
    _, _, sim = simulated("appointment_booking")
    offer, confirmed = await book(sim, "apple", "slot-2", device=["TIME", "LIST", "QUICK"])
    event = offer.body["interactiveData"]["data"]["event"]
    assert [s["identifier"] for s in event["timeslots"]] == ["slot-1", "slot-2", "slot-3"]
    assert offer.view.startswith("[ 🕒 Book a haircut at Shear Delight ]")
    assert confirmed == CONFIRMED


async def test_apple_device_without_pickers_gets_numbered_text_answered_by_typing() -> None:
    _, _, sim = simulated("appointment_booking")
    offer, confirmed = await book(sim, "apple", "2", device=[])
    assert offer.body["type"] == "text" and offer.choices == []
    assert "\n2. Fri 16 Jan 14:00 — until 14:45 (Europe/Paris)\n" in offer.view
    assert confirmed == CONFIRMED


def test_the_documented_fallback_is_taken_on_each_channel() -> None:
    module, hub, _ = simulated("appointment_booking")
    rungs = {}
    for address, state in [("whatsapp:106540352242922:16505551234", None),
                           ("messenger:108457560940232:16505551234", None),
                           (f"apple:{hub.channels[2].account}:urn:mbid:fake", {"capabilities": ["TIME"]}),
                           (f"apple:{hub.channels[2].account}:urn:mbid:fake", {"capabilities": []})]:
        degraded = hub.preview(address, module.slots(), state=state).degraded
        rungs[address.split(":")[0] + str(state)] = [d.split(":")[0] for d in degraded]
    assert list(rungs.values()) == [["time_picker.as_list"], ["time_picker.as_quick_replies"],
                                    [], ["time_picker.as_text"]]


# -- referral welcome ------------------------------------------------------------------------


async def test_click_to_whatsapp_ad_gets_its_campaign_welcome_and_code() -> None:
    _, hub, sim = simulated("referral_welcome")
    ada = sim.user("whatsapp")
    (welcome,) = await ada.clicks_ad("120210000000000001", headline="Spring sale: 20% off plants")
    assert welcome.view.startswith("Hi Ada! Thanks for stopping by for our spring sale")
    assert welcome.choices[0][:2] == ("offer", "See the offer")
    state = await hub.store.aconversation(str(ada.address))
    assert state["referral"]["campaign"] == "120210000000000001"
    assert state["referral"]["source"] == "ad" and state["referral"]["click_id"]
    (offer,) = await ada.taps("See the offer")
    assert "code=SPRING20" in offer.view


async def test_unknown_messenger_ad_is_thanked_by_its_headline() -> None:
    _, _, sim = simulated("referral_welcome")
    ada = sim.user("messenger")
    (welcome,) = await ada.clicks_ad("120219999999999999", headline="Winter cacti", ref="winter")
    assert welcome.view.startswith("Hi! Thanks for your interest in “Winter cacti”.")
    assert views(await ada.taps("Browse the shop")) == ["Here is the shop: https://shop.example/"]


async def test_messenger_link_ref_and_apple_entry_point_get_their_campaigns() -> None:
    _, _, sim = simulated("referral_welcome")
    grace = sim.user("messenger", name="Grace Hopper")
    (welcome,) = await grace.opens_link("summer-trees")  # a standalone Referral event
    assert "our summer offer" in welcome.view
    assert "code=SUNPOT" in (await grace.taps("offer"))[0].view
    ada = sim.user("apple")
    (welcome,) = await ada.opens_link("gift-cards", text="Hello")
    assert "gift cards" in welcome.view
    assert "code=GIFT5" in (await ada.taps("offer"))[0].view


async def test_organic_conversation_gets_the_generic_welcome() -> None:
    _, hub, sim = simulated("referral_welcome")
    alan = sim.user("whatsapp", name="Alan Turing")
    (welcome,) = await alan.says("hello")
    assert welcome.view.startswith("Hi Alan! Welcome to Lucky Shrub")
    assert "referral" not in await hub.store.aconversation(str(alan.address))
    assert views(await alan.taps("offer")) == ["Here is the shop: https://shop.example/"]


async def test_hand_built_meta_webhooks_with_referrals_get_the_tailored_welcome() -> None:
    """Real-shaped referral bodies (platform notes), signed by the fakes, as Meta sends them."""
    _, _, sim = simulated("referral_welcome")
    wa = sim.fake("whatsapp")
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881",
                          "phone_number_id": wa.account},
             "contacts": [{"profile": {"name": "Kim Lee"}, "wa_id": "16505550199"}],
             "messages": [{"from": "16505550199", "id": "wamid.HBgLMTY1MDU1NTAxOTkVAgASGBQ=",
                           "timestamp": "1768467600", "type": "text",
                           "text": {"body": "Can I get more info on this?"},
                           "referral": {"source_url": "https://fb.me/2ZGtYvCkl",
                                        "source_id": "120210000000000001", "source_type": "ad",
                                        "headline": "Spring sale", "body": "20% off plants",
                                        "media_type": "image",
                                        "image_url": "https://example.com/ad.jpg",
                                        "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0"}}]}
    body = {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}
    wa.user_wrote("16505550199")  # the fake's window (its own builders note this themselves)
    answer = await sim.hub.handle("whatsapp", wa.webhook_request(body))
    assert answer.status == 200
    assert sim.sent[-1].user == "16505550199"
    assert sim.sent[-1].view.startswith("Hi Kim! Thanks for stopping by for our spring sale")

    fb = sim.fake("messenger")
    item = {"sender": {"id": "27184161931211111"}, "recipient": {"id": fb.account},
            "timestamp": 1768467600000,
            "postback": {"mid": "m_fake-get-started", "title": "Get Started",
                         "payload": "GET_STARTED",
                         "referral": {"ref": "summer-trees", "source": "SHORTLINK",
                                      "type": "OPEN_THREAD"}}}
    body = {"object": "page", "entry": [{"id": fb.account, "time": 1768467600000,
                                         "messaging": [item]}]}
    fb.user_wrote("27184161931211111")
    assert (await sim.hub.handle("messenger", fb.webhook_request(body))).status == 200
    welcome = sim.sent[-1]  # an m.me link in a new thread: the ref rides on "Get Started"
    assert welcome.channel == "messenger" and welcome.user == "27184161931211111"
    assert "our summer offer" in welcome.view


# -- every example runs as a script ----------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("support_handover", ["sent the agent_follow_up template", "sent with the HUMAN_AGENT tag",
                          "not sent: the customer closed the conversation"]),
    ("appointment_booking", ["[ ☰ Pick a time ]", "( Fri 16 Jan 12:00 )", "[ 🕒 Book a haircut",
                             "> Grace Hopper types '2'", "Booked slot-2"]),
    ("referral_welcome", ["code=SPRING20", "“Winter cacti”", "code=SUNPOT", "code=GIFT5",
                          "Welcome to Lucky Shrub"]),
])
def test_main_prints_a_transcript(name: str, expected: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    example(name).main()
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, text
    assert "Traceback" not in out
