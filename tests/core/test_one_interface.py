"""One bot, three channels: native UI where a channel has it, the documented fallback where it does
not, and numbered-text answers that come back as the original choice ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

import polychat
from polychat import AsyncHub, Button, Buttons, ListItem, ListPicker, ListSection, Text
from polychat.testing import Simulator

PNID = "106540352242922"
PAGE = "1029384756"
APPLE_BIZ = "0a1b2c3d-fake-biz"
APPLE_SECRET = "ZmFrZS1tc3Atc2VjcmV0LWZvci10ZXN0cy1vbmx5LTAwMDA="

SIZES = ["XS", "S", "M", "L", "XL"]


def channels() -> list[polychat.channels._base.Channel]:
    return [
        polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE", app_secret="fake-secret"),
        polychat.Messenger(page_id=PAGE, page_access_token="EAAP-FAKE", app_secret="fake-secret"),
        polychat.AppleMessages(msp_id="fake-msp", secret=APPLE_SECRET, business_id=APPLE_BIZ),
    ]


def shop_bot(**hub_options: object) -> AsyncHub:
    """The same script on every channel: a size menu, and an answer naming the choice."""
    hub = AsyncHub(*channels(), **hub_options)  # type: ignore[arg-type]

    @hub.on(polychat.ChoiceSelected)
    async def chosen(event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        await ctx.reply(Text(f"{event.source}:{event.choice_id}:{'typed' if event.typed else 'tapped'}"))

    @hub.on(polychat.MessageReceived, text="menu")
    async def big_menu(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        items = [ListItem(id=f"dish-{n}", title=f"Dish {n}", description=f"Recipe {n}")
                 for n in range(1, 13)]
        await ctx.reply(ListPicker("Today's menu", "See dishes", [ListSection(items=items)]))

    @hub.on(polychat.MessageReceived)
    async def sizes(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        await ctx.reply(Buttons("Which size?", [Button.reply(f"size-{s}", s) for s in SIZES]))

    return hub


async def test_native_ui_where_the_channel_has_it() -> None:
    sim = Simulator(shop_bot())
    wa, fb = sim.user("whatsapp"), sim.user("messenger")
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, ["QUICK", "LIST", "TIME"])  # type: ignore[attr-defined]

    (menu,) = await wa.says("hi")
    assert menu.body["interactive"]["type"] == "list"  # 5 buttons > 3: a list message
    assert await_view(await wa.taps("M")) == "list:size-M:tapped"

    (menu,) = await fb.says("hi")
    assert [q["title"] for q in menu.body["message"]["quick_replies"]] == SIZES
    assert await_view(await fb.taps("XL")) == "quick_reply:size-XL:tapped"

    await apple.says("hi")
    assert apple.last.choices, "the device has QUICK and LIST: native controls"
    view = await_view(await apple.taps("S"))
    assert view.endswith(":size-S:tapped")


async def test_numbered_text_where_it_does_not_and_answers_map_back() -> None:
    sim = Simulator(shop_bot())
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, [])  # type: ignore[attr-defined]  # no pickers at all
    (menu,) = await apple.says("hi")
    assert "1. XS" in menu.view and "5. XL" in menu.view and not menu.choices
    assert await_view(await apple.says("3")) == "button:size-M:typed"
    # the bot answered: the menu is no longer on show, "2" is just a text again
    (again,) = await apple.says("2")
    assert "Which size?" in again.view


@pytest.mark.parametrize("answer", ["12", "12.", "#12", "12) Dish 12", "dish 12", "  DISH 12! "])
async def test_long_list_falls_back_to_numbered_text_on_whatsapp(answer: str) -> None:
    sim = Simulator(shop_bot())
    wa = sim.user("whatsapp")
    (menu,) = await wa.says("menu")
    assert menu.body["type"] == "text"  # 12 rows > WhatsApp's 10
    assert "12. Dish 12 — Recipe 12" in menu.body["text"]["body"]
    assert await_view(await wa.says(answer)) == "list:dish-12:typed"


async def test_messenger_numbers_a_long_list_with_descriptions() -> None:
    sim = Simulator(shop_bot())
    fb = sim.user("messenger")
    (menu,) = await fb.says("menu")
    assert "1. Dish 1 — Recipe 1" in menu.body["message"]["text"]
    assert await_view(await fb.says("1")) == "list:dish-1:typed"


async def test_an_unmatched_answer_stays_a_message() -> None:
    hub = shop_bot()
    seen: list[polychat.Event] = []
    hub.core.routes.insert(0, hub.core.routes[0].__class__(polychat.Event, lambda e, c: seen.append(e),
                                                           None, False))
    sim = Simulator(hub)
    wa = sim.user("whatsapp")
    await hub.send(f"whatsapp:{PNID}:{wa.id}", ListPicker(
        "Pick", "Open", [ListSection(items=[ListItem(id=f"i{n}", title=f"Item {n}") for n in range(12)])]))
    for text in ("13", "Item", "0", "hello"):
        await wa.says(text)
    assert [type(e).__name__ for e in seen if e.channel == "whatsapp" and
            not isinstance(e, polychat.MessageStatus)] == ["MessageReceived"] * 4


async def test_menu_expires_after_a_day() -> None:
    sim = Simulator(shop_bot())
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, [])  # type: ignore[attr-defined]
    await apple.says("hi")
    sim.advance(timedelta(hours=25))
    (again,) = await apple.says("3")
    assert "Which size?" in again.view  # a stale menu does not turn "3" into a choice


async def test_two_menus_in_one_send_are_numbered_on() -> None:
    sim = Simulator(shop_bot())
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, [])  # type: ignore[attr-defined]
    await apple.says("hi")  # opens the conversation
    address = f"apple:{APPLE_BIZ}:{apple.id}"
    result = await sim.hub.send(address, [
        Buttons("Colour?", [Button.reply("red", "Red"), Button.reply("blue", "Blue")]),
        Buttons("Size?", [Button.reply("s", "S"), Button.reply("m", "M")]),
    ])
    assert len(result.degraded) == 2
    first, second = apple.inbox[-2:]
    assert "1. Red" in first.view and "2. Blue" in first.view
    assert "3. S" in second.view and "4. M" in second.view
    assert await_view(await apple.says("4")) == "button:m:typed"


def await_view(replies: list[object]) -> str:
    assert replies, "the bot answered nothing"
    return replies[-1].view  # type: ignore[attr-defined,no-any-return]


async def test_numeric_titles_are_labelled_with_letters() -> None:
    hub = AsyncHub(*channels())
    booked: list[str] = []

    @hub.on(polychat.ChoiceSelected)
    async def chosen(event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        booked.append(event.choice_id)

    @hub.on(polychat.MessageReceived, text="book")
    async def ask(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        await ctx.reply(Buttons("How many guests?", [Button.reply(f"guests-{n}", n) for n in "246"]))

    sim = Simulator(hub)
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, [])  # type: ignore[attr-defined]
    (menu,) = await apple.says("book")
    assert "a. 2\nb. 4\nc. 6" in menu.view
    await apple.says("2")  # the title "2", not the second line
    await apple.says("c")
    await apple.says("b. 4")
    assert booked == ["guests-2", "guests-6", "guests-4"]


def test_match_answer_rules() -> None:
    from polychat._menu import match_answer

    def lines(*titles: str) -> list[dict[str, str]]:
        return [{"n": str(n), "id": f"id{n}", "title": t, "source": "list"}
                for n, t in enumerate(titles, start=1)]

    picked = match_answer(lines("5", "10", "20"), "10")
    assert picked is not None and picked["id"] == "id2"  # no label 10: the title
    picked = match_answer(lines("Small", "Large"), "(2)")
    assert picked is not None and picked["id"] == "id2"
    assert match_answer(lines("2", "4", "6"), "2") is None  # label 2 and title "2": ambiguous
    assert match_answer(lines("Tea", "Tea"), "tea") is None  # a shared title
    assert match_answer(lines("Tea", "Coffee"), "3") is None
    assert match_answer(lines("Tea", "Coffee"), "I would like 2 teas") is None


async def test_forget_gives_back_a_typed_answer() -> None:
    sim = Simulator(shop_bot())
    apple = sim.user("apple")
    sim.fake("apple").set_device(apple.id, [])  # type: ignore[attr-defined]
    await apple.says("hi")
    envelope = sim.fake("apple").user_text(apple.id, apple.name, "3")
    request = sim.fake("apple").webhook_request(envelope)
    _, events = await sim.hub.receive("apple", request)
    assert isinstance(events[0], polychat.ChoiceSelected) and events[0].typed
    await sim.hub.forget(events)  # e.g. a queue refused it
    _, again = await sim.hub.receive("apple", request)
    assert [e.choice_id for e in again] == ["size-M"]  # type: ignore[attr-defined]
