"""The degrade ladder: pure rewrites, each reported, each ending on content the channel takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polychat import (
    Button,
    Buttons,
    Card,
    Carousel,
    Contact,
    Contacts,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    Location,
    QuickReplies,
    QuickReply,
    RichLink,
    Template,
    Text,
    TimePicker,
    TimeSlot,
    Typing,
)
from polychat.capabilities import LADDER, Capabilities, degrade, split_text
from polychat.channels.whatsapp import CAPABILITIES as WA

NO_LISTS = Capabilities(channel="plain", content_kinds=frozenset({"text", "image"}),
                        max_text_length=100)


def test_split_text_prefers_sentence_boundaries() -> None:
    text = "First sentence here. Second one is longer than that! Third? Fourth."
    parts = split_text(text, 40)
    assert parts == ["First sentence here.", "Second one is longer than that! Third?", "Fourth."]


@given(st.text(min_size=1, max_size=600), st.integers(min_value=1, max_value=120))
def test_split_text_never_exceeds_the_limit_or_loses_words(text: str, limit: int) -> None:
    try:
        parts = split_text(text, limit)
    except ValueError:  # one link or grapheme cluster longer than the limit: refused, not cut
        return
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join(text.split())


def test_long_text_splits() -> None:
    step = degrade(Text("word " * 1000), WA)
    assert step is not None and step.rule.startswith("text.split")
    assert all(len(t.text) <= WA.max_text_length for t in step.contents)


def test_short_text_has_no_rung() -> None:
    assert degrade(Text("fine"), WA) is None


def test_four_buttons_become_a_list_then_text() -> None:
    buttons = Buttons("Pick", [Button.reply(str(n), f"Option {n}") for n in range(4)])
    step = degrade(buttons, WA)
    assert step is not None and isinstance(step.contents[0], ListPicker)
    assert [i.id for i in step.contents[0].items] == ["0", "1", "2", "3"]
    step = degrade(buttons, NO_LISTS)
    assert step is not None and isinstance(step.contents[0], Text)
    assert "1. Option 0" in step.contents[0].text and "4. Option 3" in step.contents[0].text


def test_mixed_buttons_write_links_out() -> None:
    mixed = Buttons("Hi", [Button.reply("a", "A"), Button.url("Site", "https://example.com")])
    step = degrade(mixed, WA)
    assert step is not None
    (only,) = step.contents
    assert isinstance(only, Buttons) and "Site: https://example.com" in only.text
    assert [b.type for b in only.buttons] == ["reply"]


def test_quick_replies_become_buttons_list_or_text() -> None:
    three = QuickReplies("Pick", [QuickReply(str(n), f"Q{n}") for n in range(3)])
    assert isinstance(degrade(three, WA).contents[0], Buttons)  # type: ignore[union-attr]
    many = QuickReplies("Pick", [QuickReply(str(n), f"Q{n}") for n in range(8)])
    assert isinstance(degrade(many, WA).contents[0], ListPicker)  # type: ignore[union-attr]
    lots = QuickReplies("Pick", [QuickReply(str(n), f"Q{n}") for n in range(13)])
    assert isinstance(degrade(lots, WA).contents[0], Text)  # type: ignore[union-attr]


def test_list_without_quick_replies_becomes_numbered_text() -> None:
    picker = ListPicker("Pick", "Open", [ListSection("S", [ListItem("a", "A", "first")])])
    step = degrade(picker, NO_LISTS)
    assert step is not None and "1. A — first" in step.contents[0].text


def test_time_picker_becomes_a_list_in_its_timezone() -> None:
    start = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    picker = TimePicker("When?", [TimeSlot("s1", start, timedelta(hours=1))], "Europe/Paris")
    step = degrade(picker, WA)
    assert step is not None
    (lst,) = step.contents
    assert isinstance(lst, ListPicker) and lst.items[0].id == "s1"
    assert lst.items[0].title == "Fri 16 Jan 10:00"  # 09:00 UTC is 10:00 in Paris


def test_carousel_becomes_one_message_per_card() -> None:
    carousel = Carousel([Card("Hat", "Warm", "https://example.com/h.jpg", [Button.reply("b", "Buy")]),
                         Card("Scarf")])
    step = degrade(carousel, WA)
    assert step is not None
    kinds = [c.kind for c in step.contents]
    assert kinds == ["image", "buttons", "text"]
    assert isinstance(step.contents[0], Image) and step.contents[0].caption == "Hat\nWarm"


def test_plain_rewrites() -> None:
    assert degrade(RichLink("https://example.com", "Ex"), WA).contents[0].preview_url  # type: ignore[union-attr]
    loc = degrade(Location(latitude=1.5, longitude=2.5, name="HQ"), NO_LISTS)
    assert loc is not None and "1.5,2.5" in loc.contents[0].text
    card = degrade(Contacts([Contact("Ada", phones=["+1"])]), NO_LISTS)
    assert card is not None and "Ada" in card.contents[0].text
    typing = degrade(Typing(), NO_LISTS)
    assert typing is not None and typing.contents == [] and "typing" in typing.rule


def test_templates_are_never_degraded() -> None:
    assert degrade(Template("t", "en_US"), NO_LISTS) is None
    assert "template" not in LADDER and "raw" not in LADDER


@pytest.mark.parametrize("kind", sorted(LADDER))
def test_every_rung_has_a_slug(kind: str) -> None:
    assert LADDER[kind] is not None


def test_mixed_buttons_keep_their_reply_buttons_where_mixing_is_allowed() -> None:
    from polychat.channels.messenger import CAPABILITIES as FB

    many = Buttons("Pick", [Button.reply("a", "A"), Button.reply("b", "B"), Button.reply("c", "C"),
                            Button.url("Site", "https://example.com")])
    step = degrade(many, FB)
    assert step is not None
    (only,) = step.contents
    assert isinstance(only, Buttons) and [b.id for b in only.buttons] == ["a", "b", "c"]
    assert "Site: https://example.com" in only.text


def test_supported_kinds_are_not_silently_dropped() -> None:
    assert degrade(Typing(), WA) is None  # WhatsApp has typing: a refusal is about this content
