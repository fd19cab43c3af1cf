"""Content, events and addresses: construction, validation, JSON round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

import polychat
from polychat import (
    Address,
    Audio,
    Button,
    Buttons,
    Card,
    Carousel,
    Contact,
    Contacts,
    File,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    Location,
    MarkRead,
    QuickReplies,
    QuickReply,
    Raw,
    Reaction,
    RichLink,
    Sticker,
    Template,
    Text,
    TimePicker,
    TimeSlot,
    Typing,
    Video,
)

CONTENT = TypeAdapter(polychat.Content)
EVENT = TypeAdapter(polychat.AnyEvent)
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

ALL_CONTENT = [
    Text("hello", preview_url=True),
    Image(url="https://example.com/a.jpg", caption="A"),
    Image(data=b"\x00\xff\x10binary", mime_type="image/png"),
    Video(media_id="1037543291543636"),
    Audio(media_id="1", voice=True),
    File(url="https://example.com/i.pdf", filename="invoice.pdf"),
    Sticker(media_id="2"),
    Location(latitude=37.48, longitude=-122.14, name="HQ", address="1 Hacker Way"),
    Contacts([Contact("Ada Lovelace", phones=["+16505551234"], emails=["ada@example.com"])]),
    Buttons("Track?", [Button.reply("yes", "Yes"), Button.url("Site", "https://example.com"),
                       Button.call("Call", "+16505550000")]),
    QuickReplies("Pick", [QuickReply("r", "Red")]),
    ListPicker("Pick", "Options", [ListSection("S", [ListItem("a", "A", "first")])]),
    Carousel([Card("Hat", "Nice", "https://example.com/h.jpg", [Button.reply("buy", "Buy")])]),
    TimePicker("When?", [TimeSlot("s1", T0, timedelta(hours=1))], "Europe/Paris"),
    Template("order_update", "en_US", [{"type": "body", "parameters": [{"type": "text", "text": "x"}]}]),
    Reaction("wamid.X", "👍"),
    RichLink("https://example.com", "Example", "https://example.com/i.png"),
    Typing(on=True, message_id="wamid.X"),
    MarkRead("wamid.X"),
    Raw("whatsapp", {"type": "text", "text": {"body": "raw"}}),
    polychat.PaymentRequest(
        title="Pay for your order", items=[polychat.PaymentItem(label="Mug", amount=Decimal("12.00"))],
        total=Decimal("12.00"), currency="EUR", country="FR",
        merchant={"merchantIdentifier": "merchant.com.example"},
        endpoints={"paymentGatewayUrl": "https://pay.example.com/gateway"}),
    polychat.AuthRequest(title="Sign in", scope=["openid"], state="nonce-1",
                         redirect_uri="https://example.com/oauth"),
    polychat.Form(title="Return", pages=[polychat.FormPage(
        id="0", type="select", title="Why?",
        options=[polychat.FormOption(id="1", title="Broken", value="broken")])]),
]


@pytest.mark.parametrize("content", ALL_CONTENT, ids=lambda c: c.kind)
def test_content_json_round_trip(content: object) -> None:
    assert CONTENT.validate_json(CONTENT.dump_json(content)) == content


def test_every_content_class_is_covered() -> None:
    kinds = {c.kind for c in ALL_CONTENT}
    union_kinds = {m.model_fields["kind"].default for m in polychat.Content.__args__[0].__args__}  # type: ignore[attr-defined]
    assert union_kinds - kinds == {"unsupported"}


def test_positional_and_keyword_construction_agree() -> None:
    assert Text("hi") == Text(text="hi")
    assert Button.reply("yes", "Yes") == Button(type="reply", id="yes", title="Yes")
    assert Button.url("Site", "https://x").url == "https://x"
    assert Button(type="url", title="Site", url="https://x").link == "https://x"
    with pytest.raises(TypeError):
        Text("a", False, "extra")
    with pytest.raises(TypeError):
        Text("a", text="b")


def test_models_are_frozen_and_forbid_typos() -> None:
    text = Text("hi")
    with pytest.raises(ValidationError):
        text.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Text(txt="typo")  # type: ignore[call-arg]


@pytest.mark.parametrize("kwargs", [{}, {"url": "https://x", "media_id": "1"},
                                    {"data": b"x"}])
def test_media_needs_exactly_one_source(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Image(**kwargs)  # type: ignore[arg-type]


def test_button_needs_its_target() -> None:
    with pytest.raises(ValidationError):
        Button(type="url", title="x")
    with pytest.raises(ValidationError):
        Buttons("t", [])


def test_location_ranges_and_naive_slots() -> None:
    with pytest.raises(ValidationError):
        Location(latitude=91, longitude=0)
    with pytest.raises(ValidationError):
        TimeSlot("s", datetime(2026, 1, 1), timedelta(hours=1))


def test_address_format_and_parse() -> None:
    addr = Address(channel="whatsapp", account="106540352242922", user="16505551234")
    assert str(addr) == "whatsapp:106540352242922:16505551234"
    assert Address.parse(str(addr)) == addr
    apple = Address.parse("apple:biz-1:urn:mbid:AQAAY/abc+def=")
    assert apple.user == "urn:mbid:AQAAY/abc+def="
    for bad in ("whatsapp:only", "::", "whatsapp::user", ""):
        with pytest.raises(ValueError):  # noqa: PT011
            Address.parse(bad)


def _common() -> dict[str, object]:
    return {
        "channel": "whatsapp",
        "sender": Address(channel="whatsapp", account="1", user="2"),
        "recipient": Address(channel="whatsapp", account="1", user="1"),
        "id": "wamid.1",
        "timestamp": T0,
        "raw": {"id": "wamid.1"},
    }


ALL_EVENTS = [
    polychat.MessageReceived(**_common(), content=Text("hi"), reply_to="wamid.0",
                             referral=polychat.ReferralInfo(source="ad", ref="123", ad_id="123")),
    polychat.ChoiceSelected(**_common(), choice_id="yes", title="Yes", source="button"),
    polychat.FormSubmitted(**_common(), data={"a": [1, 2]}, name="flow"),
    polychat.MessageStatus(**_common(), message_id="wamid.1", status="failed",
                           error=polychat.WindowClosed("closed", channel="whatsapp", code=131047)),
    polychat.MessageStatus(**_common(), message_id=None, status="read", watermark=T0),
    polychat.ReactionReceived(**_common(), message_id="wamid.0", emoji=None),
    polychat.TypingChanged(**_common(), on=True),
    polychat.ConversationClosed(**_common()),
    polychat.Referral(**_common(), source="SHORTLINK", ref="promo"),
    polychat.OptIn(**_common(), token="tok", topic="offers"),
    polychat.OptOut(**_common()),
    polychat.MessageEdited(**_common(), message_id="wamid.0", content=Text("new")),
    polychat.MessageDeleted(**_common(), message_id="wamid.0"),
    polychat.UnknownEvent(**_common(), type="whatsapp.order"),
]


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.kind)
def test_event_json_round_trip(event: polychat.Event) -> None:
    back = EVENT.validate_json(event.model_dump_json())
    assert back == event
    assert type(back) is type(event)


def test_event_timestamps_are_utc_and_aware() -> None:
    paris = timezone(timedelta(hours=1))
    event = polychat.ConversationClosed(**{**_common(), "timestamp": datetime(2026, 1, 15, 10, tzinfo=paris)})
    assert event.timestamp == T0 and event.timestamp.tzinfo == UTC
    with pytest.raises(ValidationError):
        polychat.ConversationClosed(**{**_common(), "timestamp": datetime(2026, 1, 15)})


def test_event_repr_hides_raw() -> None:
    event = ALL_EVENTS[0]
    assert "raw" not in repr(event)
