"""Messenger webhook parsing: fixtures in tests/data/messenger/ in, events out.

Each fixture is a real-shaped webhook body (meta.md section 3.3). The table below fixes the event
classes and their order for every fixture; the tests after it check the fields that matter, then
the variants real traffic brings (sticker twins, unswapped echoes, seconds timestamps, broken
items), then the whole path through ``Messenger.parse`` with a signature.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

import polychat
from polychat import (
    Address,
    Audio,
    ChoiceSelected,
    Event,
    File,
    Image,
    Location,
    MalformedPayload,
    MessageDeleted,
    MessageEdited,
    MessageReceived,
    MessageStatus,
    OptIn,
    OptOut,
    ReactionReceived,
    Referral,
    RichLink,
    SignatureError,
    Sticker,
    Text,
    UnknownEvent,
    Unsupported,
    Video,
    WebhookRequest,
)
from polychat.channels._meta import sign_body
from polychat.channels.messenger.parse import (
    ECHO,
    EMPTY_MESSAGE,
    MALFORMED,
    NO_PAGE,
    NO_TIME,
    STANDBY,
    parse_payload,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "messenger"
APP_SECRET = "fake-messenger-app-secret-0000"

PAGE_ID = "1234567890"
PSID = "1254459154682919"
PSID2 = "2870654412293845"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
OUT1 = "m_Fk3CqNVk4h6Pjq5b1Y7bP2uyu3LZ9x8mRz4Tn0wKfYcVd1sJeQ2oA7iLgH6pX5rM9tE3yU8zW4vB0nC1kD2fGa"
OUT2 = OUT1[:-1] + "b"
LIKE_STICKER = "369239263222822"
T = 1763200000000  # the fixtures' base time, epoch milliseconds

PAGE = Address(channel="messenger", account=PAGE_ID, user=PAGE_ID)
CUSTOMER = Address(channel="messenger", account=PAGE_ID, user=PSID)

ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def mid(n: int) -> str:
    """The fixtures' customer message ids (``mid(0)`` is :data:`MID`)."""
    return MID if n == 0 else f"{MID[:-3]}{n:02d}P"


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def parse(name: str) -> list[Event]:
    return parse_payload(load(name))


def one(name: str) -> Any:
    events = parse(name)
    assert len(events) == 1, events
    return events[0]


def envelope(*items: Any, entry_id: str | None = PAGE_ID, time: Any = T,
             key: str = "messaging", obj: str = "page") -> dict[str, Any]:
    entry: dict[str, Any] = {key: list(items)}
    if entry_id is not None:
        entry["id"] = entry_id
    if time is not None:
        entry["time"] = time
    return {"object": obj, "entry": [entry]}


def item(body: dict[str, Any], *, sender: Any = PSID, recipient: Any = PAGE_ID,
         timestamp: Any = T + 1) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if sender is not None:
        raw["sender"] = {"id": sender} if isinstance(sender, str) else sender
    if recipient is not None:
        raw["recipient"] = {"id": recipient} if isinstance(recipient, str) else recipient
    if timestamp is not None:
        raw["timestamp"] = timestamp
    raw.update(body)
    return raw


def first_item(payload: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = payload["entry"][0]["messaging"][0]
    return raw


def parse_one(raw: dict[str, Any], **kwargs: Any) -> Any:
    events = parse_payload(envelope(raw, **kwargs))
    assert len(events) == 1, events
    return events[0]


# -- every fixture: classes and order ------------------------------------------------------------

EXPECTED: dict[str, list[type[Event]]] = {
    "text": [MessageReceived],
    "quick_reply": [ChoiceSelected],
    "postback": [ChoiceSelected],
    "postback_referral": [ChoiceSelected],
    "image": [MessageReceived],
    "video": [MessageReceived],
    "audio": [MessageReceived],
    "file": [MessageReceived],
    "sticker_image_and_sticker": [MessageReceived],
    "sticker": [MessageReceived],
    "sticker_legacy_image": [MessageReceived],
    "fallback": [MessageReceived],
    "fallback_no_payload": [MessageReceived],
    "location": [MessageReceived],
    "attachments_other": [MessageReceived] * 5,
    "reply_to": [MessageReceived],
    "referral_ad_message": [MessageReceived],
    "referral": [Referral],
    "referral_user_ref": [Referral],
    "delivery": [MessageStatus, MessageStatus],
    "delivery_watermark": [MessageStatus],
    "read": [MessageStatus],
    "reaction": [ReactionReceived, ReactionReceived],
    "optin_plugin": [OptIn, OptIn],
    "optin_marketing": [OptIn],
    "optin_marketing_stop": [OptOut],
    "message_edit": [MessageEdited],
    "echo_text": [UnknownEvent],
    "echo_attachment": [UnknownEvent],
    "standby": [UnknownEvent, UnknownEvent, UnknownEvent],
    "handover": [UnknownEvent] * 4,
    "policy_enforcement": [UnknownEvent],
    "unmodelled": [UnknownEvent, UnknownEvent],
    "feed_changes": [UnknownEvent],
    "instagram": [UnknownEvent],
    "text_and_images": [MessageReceived] * 3,
    "batch": [MessageReceived, MessageReceived, MessageStatus, UnknownEvent, ChoiceSelected,
              MessageStatus, ReactionReceived],
}

FIXTURES = sorted(EXPECTED)


def test_every_fixture_is_listed() -> None:
    assert sorted(p.stem for p in DATA.glob("*.json")) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_event_classes_and_order(name: str) -> None:
    assert [type(e) for e in parse(name)] == EXPECTED[name]


def _items(payload: dict[str, Any]) -> list[Any]:
    """Every item of the envelope, in order."""
    return [raw for entry in payload["entry"] for value in entry.values()
            if isinstance(value, list) for raw in value]


@pytest.mark.parametrize("name", FIXTURES)
def test_every_item_gives_events_in_order(name: str) -> None:
    payload = load(name)
    events = parse_payload(payload)
    raws = [e.raw for e in events]
    # Consecutive events of one item share its raw; collapse them and compare with the items.
    collapsed = [r for i, r in enumerate(raws) if i == 0 or r is not raws[i - 1]]
    assert collapsed == _items(payload)


@pytest.mark.parametrize("name", FIXTURES)
def test_common_fields(name: str) -> None:
    for event in parse(name):
        assert event.channel == "messenger"
        assert event.timestamp.tzinfo is UTC
        assert event.sender.channel == event.recipient.channel == "messenger"
        assert event.sender.account == event.recipient.account
        assert event.recipient.user == event.recipient.account
        assert event.sender_name is None
        if name != "instagram":
            assert event.recipient == PAGE


@pytest.mark.parametrize("name", FIXTURES)
def test_round_trips_through_json(name: str) -> None:
    for event in parse(name):
        restored: Any = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored == event


def _is_echo(raw: Any) -> bool:
    return isinstance(raw, dict) and isinstance(raw.get("message"), dict) and bool(
        raw["message"].get("is_echo"))


@pytest.mark.parametrize("name", FIXTURES)
def test_echoes_are_never_customer_messages(name: str) -> None:
    for event in parse(name):
        if _is_echo(event.raw):
            assert isinstance(event, UnknownEvent)
            assert event.type in (ECHO, STANDBY)
            assert event.sender.user != PAGE_ID
        if isinstance(event, MessageReceived | ChoiceSelected):
            assert not _is_echo(event.raw)


def test_the_fixtures_hold_echoes() -> None:
    echoes = sum(_is_echo(raw) for name in FIXTURES for raw in _items(load(name)))
    assert echoes >= 4


def test_parse_is_pure() -> None:
    payload = load("batch")
    before = copy.deepcopy(payload)
    assert parse_payload(payload) == parse_payload(payload)
    assert payload == before


# -- messages ------------------------------------------------------------------------------------


def test_text() -> None:
    event = one("text")
    assert event.sender == CUSTOMER
    assert event.recipient == PAGE
    assert str(event.sender) == f"messenger:{PAGE_ID}:{PSID}"
    assert event.id == MID
    assert event.timestamp == at(T)
    assert event.content == Text(text="Hi! Is my order #4242 on its way?")
    assert event.reply_to is None
    assert event.referral is None
    assert event.raw == first_item(load("text"))


def test_timestamp_is_milliseconds() -> None:
    raw = first_item(load("text"))
    event = one("text")
    assert event.timestamp == at(raw["timestamp"])
    assert event.timestamp.microsecond == (raw["timestamp"] % 1000) * 1000


def test_quick_reply_is_a_choice() -> None:
    event = one("quick_reply")
    assert event.source == "quick_reply"
    assert event.choice_id == "TRACK_ORDER"
    assert event.title == "Track my order"
    assert event.id == mid(2)
    assert event.sender == CUSTOMER


def test_postback() -> None:
    event = one("postback")
    assert event.source == "postback"
    assert event.choice_id == "GET_STARTED"
    assert event.title == "Get Started"
    assert event.id == mid(3)
    assert event.referral is None


def test_postback_with_referral() -> None:
    event = one("postback_referral")
    assert event.choice_id == "GET_STARTED"
    referral = event.referral
    assert referral.source == "SHORTLINK"
    assert referral.ref == "spring-sale"
    assert referral.type == "OPEN_THREAD"
    assert referral.ad_id is None
    assert referral.raw == event.raw["postback"]["referral"]


@pytest.mark.parametrize(("name", "kind"), [("image", Image), ("video", Video), ("audio", Audio),
                                            ("file", File)])
def test_media_attachments(name: str, kind: type[Any]) -> None:
    event = one(name)
    content = event.content
    assert type(content) is kind
    assert content.url == event.raw["message"]["attachments"][0]["payload"]["url"]
    assert content.url.startswith("https://")
    assert content.media_id is None
    assert event.id == event.raw["message"]["mid"]


def test_sticker_sent_as_image_and_sticker_is_one_sticker() -> None:
    event = one("sticker_image_and_sticker")
    sticker_url = event.raw["message"]["attachments"][1]["payload"]["url"]
    assert event.content == Sticker(url=sticker_url, sticker_id=LIKE_STICKER)
    assert event.id == mid(9)


def test_sticker_alone() -> None:
    content = one("sticker").content
    assert isinstance(content, Sticker)
    assert content.sticker_id == "1845089229092433"
    assert content.url is not None and content.url.endswith("oe=6940C1DA")


def test_legacy_sticker_image() -> None:
    event = one("sticker_legacy_image")
    image_url = event.raw["message"]["attachments"][0]["payload"]["url"]
    assert event.content == Sticker(url=image_url, sticker_id=LIKE_STICKER)


def test_fallback_link_share() -> None:
    assert one("fallback").content == RichLink(
        url="https://www.example.com/blog/spring-collection", title="Our spring collection")


def test_fallback_without_payload_uses_the_attachment_url() -> None:
    content = one("fallback_no_payload").content
    assert isinstance(content, RichLink)
    assert content.url.startswith("https://l.facebook.com/l.php?u=")
    assert content.title == "Spring collection - Example Shop"


def test_legacy_location() -> None:
    content = one("location").content
    assert isinstance(content, Location)
    assert (content.latitude, content.longitude) == (48.858093, 2.294694)
    assert content.name == "Pinned Location"
    assert content.url is not None and "bing.com" in content.url


def test_other_attachments() -> None:
    reel, post, product, booking, fb_reel = parse("attachments_other")
    assert reel.content == RichLink(  # type: ignore[attr-defined]
        url="https://www.instagram.com/reel/C9fAKEreel1/", title="How we glaze our mugs")
    assert post.content == RichLink(  # type: ignore[attr-defined]
        url="https://www.instagram.com/p/C9fAKEpost1/", title="New in: blue mugs")
    assert product.content == Unsupported(type="template")  # type: ignore[attr-defined]
    assert booking.content == Unsupported(type="appointment_booking")  # type: ignore[attr-defined]
    assert fb_reel.content == RichLink(  # type: ignore[attr-defined]
        url="https://www.facebook.com/reel/1298374650192837")
    assert product.raw["message"]["attachments"][0]["payload"]["product"]["elements"][0][
        "retailer_id"] == "sku-blue-mug-01"


def test_reply_to() -> None:
    event = one("reply_to")
    assert event.reply_to == OUT1
    assert event.content == Text(text="Yes, that one please")


def test_ad_referral_rides_on_the_message() -> None:
    event = one("referral_ad_message")
    assert isinstance(event, MessageReceived)
    referral = event.referral
    assert referral is not None
    assert referral.source == "ADS"
    assert referral.ref == "blue-mug"
    assert referral.ad_id == "120226305854810726"
    assert referral.type == "OPEN_THREAD"
    assert referral.ads_context is not None
    assert referral.ads_context["ad_title"] == "Blue mugs, 20% off"
    assert referral.raw == event.raw["message"]["referral"]


def test_text_and_images_give_one_event_each_with_the_same_id() -> None:
    text, first, second = parse("text_and_images")
    assert isinstance(text, MessageReceived)
    assert isinstance(first, MessageReceived)
    assert isinstance(second, MessageReceived)
    assert text.content == Text(text="Here is the damage")
    assert isinstance(first.content, Image)
    assert isinstance(second.content, Image)
    assert first.content.url != second.content.url
    assert text.id == first.id == second.id == mid(44)
    assert text.raw is first.raw is second.raw


def test_message_edit() -> None:
    event = one("message_edit")
    assert event.message_id == MID
    assert event.content == Text(text="Hi! Is my order #4243 on its way?")
    assert event.edit_count == 1
    assert event.id is None  # a later edit of the same message is a different item
    assert event.sender == CUSTOMER


# -- statuses, reactions, referrals, opt-ins ------------------------------------------------------


def test_delivery_with_mids_gives_one_status_per_mid() -> None:
    first, second = parse("delivery")
    assert isinstance(first, MessageStatus)
    assert isinstance(second, MessageStatus)
    assert (first.message_id, second.message_id) == (OUT1, OUT2)
    assert (first.id, second.id) == (OUT1, OUT2)
    assert first.status == second.status == "delivered"
    assert first.watermark == at(first.raw["delivery"]["watermark"])
    assert first.sender == CUSTOMER
    assert first.recipient == PAGE


def test_delivery_without_mids_invents_no_ids() -> None:
    event = one("delivery_watermark")
    assert event.status == "delivered"
    assert event.message_id is None
    assert event.id is None
    assert event.watermark == at(event.raw["delivery"]["watermark"])


def test_read_is_one_watermark_status() -> None:
    event = one("read")
    assert event.status == "read"
    assert event.message_id is None
    assert event.id is None
    assert event.watermark == at(event.raw["read"]["watermark"])
    assert event.raw["read"]["watermark"] == T + 20500


def test_reaction_and_unreact() -> None:
    react, unreact = parse("reaction")
    assert isinstance(react, ReactionReceived)
    assert isinstance(unreact, ReactionReceived)
    assert react.message_id == unreact.message_id == OUT1
    assert react.emoji == "\u2764\ufe0f"
    assert unreact.emoji is None
    assert react.raw["reaction"]["reaction"] == "love"
    assert react.id is None and unreact.id is None


def test_standalone_referral() -> None:
    event = one("referral")
    assert event.source == "SHORTLINK"
    assert event.ref == "spring-sale"
    assert event.ad_id is None
    assert event.referral.type == "OPEN_THREAD"
    assert event.sender == CUSTOMER


def test_referral_from_a_user_ref() -> None:
    event = one("referral_user_ref")
    ref = event.raw["sender"]["user_ref"]
    assert event.sender == Address(channel="messenger", account=PAGE_ID, user=f"user_ref:{ref}")
    assert Address.parse(str(event.sender)) == event.sender
    assert event.source == "CUSTOMER_CHAT_PLUGIN"
    assert event.ref == "faq-page"


def test_plugin_opt_ins() -> None:
    checkbox, send_to_messenger = parse("optin_plugin")
    assert isinstance(checkbox, OptIn)
    assert isinstance(send_to_messenger, OptIn)
    assert checkbox.ref == "checkout-checkbox"
    assert checkbox.sender.user == "user_ref:chk-5f2a8c31-90d4-4b7e-a3c6-1e8d7b4f9c20"
    assert checkbox.token is None
    assert send_to_messenger.ref == "send-to-messenger-footer"
    assert send_to_messenger.sender == CUSTOMER


def test_marketing_opt_in() -> None:
    event = one("optin_marketing")
    assert event.ref == "weekly-deals"
    assert event.token == "7304781726573951871"
    assert event.token_expires == datetime(2026, 5, 14, 9, 46, 40, tzinfo=UTC)
    assert event.topic == "Weekly deals"
    assert event.frequency == "WEEKLY"
    assert "7304781726573951871" not in repr(event)


def test_marketing_stop_is_an_opt_out() -> None:
    event = one("optin_marketing_stop")
    assert event.ref == "weekly-deals"
    assert event.token == "7304781726573951871"
    assert event.sender == CUSTOMER


def test_marketing_opt_in_without_a_status() -> None:
    payload = load("optin_marketing")
    del first_item(payload)["optin"]["notification_messages_status"]
    (event,) = parse_payload(payload)
    assert isinstance(event, OptIn)
    assert event.token == "7304781726573951871"


# -- echoes, standby, handover, other objects -----------------------------------------------------


@pytest.mark.parametrize(("name", "out_id"), [("echo_text", OUT1), ("echo_attachment", OUT2)])
def test_echoes(name: str, out_id: str) -> None:
    event = one(name)
    assert event.type == ECHO
    assert event.id == out_id
    assert event.sender == CUSTOMER  # the raw item's recipient
    assert event.recipient == PAGE
    assert event.raw["sender"]["id"] == PAGE_ID


def test_standby_items() -> None:
    message, echo, read = parse("standby")
    assert {e.type for e in (message, echo, read)} == {STANDBY}  # type: ignore[attr-defined]
    assert message.id == mid(30)
    assert echo.id == OUT1
    assert read.id is None
    assert message.sender == echo.sender == read.sender == CUSTOMER


def test_handover_items() -> None:
    events = parse("handover")
    assert [e.type for e in events] == [  # type: ignore[attr-defined]
        "messenger.pass_thread_control", "messenger.take_thread_control",
        "messenger.request_thread_control", "messenger.app_roles"]
    assert events[0].sender == CUSTOMER
    assert events[3].sender == PAGE  # app_roles names no customer: the Page stands in


def test_policy_enforcement() -> None:
    event = one("policy_enforcement")
    assert event.type == "messenger.policy_enforcement"
    assert event.raw["policy-enforcement"]["action"] == "block"


def test_unmodelled_items() -> None:
    linking, game = parse("unmodelled")
    assert linking.type == "messenger.account_linking"  # type: ignore[attr-defined]
    assert game.type == "messenger.game_play"  # type: ignore[attr-defined]


def test_feed_changes() -> None:
    event = one("feed_changes")
    assert event.type == "messenger.change.feed"
    assert event.recipient == PAGE
    assert event.timestamp == at(load("feed_changes")["entry"][0]["time"])


def test_instagram_object_is_not_refused() -> None:
    event = one("instagram")
    payload = load("instagram")
    raw = payload["entry"][0]["messaging"][0]
    assert event.type == "messenger.object.instagram"
    assert event.raw == raw
    assert event.id == raw["message"]["mid"]
    assert event.sender.user == raw["sender"]["id"]
    assert event.recipient.account == payload["entry"][0]["id"]


def test_other_object_without_item_arrays() -> None:
    (event,) = parse_payload({"object": "whatsapp_business_account",
                              "entry": [{"id": "102290129340398", "time": 1763200000}]})
    assert isinstance(event, UnknownEvent)
    assert event.type == "messenger.object.whatsapp_business_account"
    assert event.raw == {"id": "102290129340398", "time": 1763200000}


def test_batch_keeps_every_entry_and_item_in_order() -> None:
    events = parse("batch")
    assert [e.id for e in events] == [mid(50), mid(51), OUT1, OUT2, mid(52), None, None]
    assert [e.sender.user for e in events] == [PSID] * 4 + [PSID2] * 3
    timestamps = [e.timestamp for e in events]
    assert timestamps == sorted(timestamps)
    assert isinstance(events[3], UnknownEvent)
    assert events[3].type == ECHO


# -- variants and robustness ---------------------------------------------------------------------


def test_unswapped_echo_keeps_its_sender_as_customer() -> None:
    event = parse_one(item({"message": {"mid": OUT1, "is_echo": True, "text": "hi"}}))
    assert isinstance(event, UnknownEvent)
    assert event.type == ECHO
    assert event.sender == CUSTOMER


@pytest.mark.parametrize("message", [
    {"mid": OUT1, "is_echo": True, "text": "Pick one", "quick_reply": {"payload": "A"}},
    {"mid": OUT1, "is_echo": True, "attachments": [{"type": "template", "payload": {
        "template_type": "button", "text": "Track?", "buttons": []}}]},
    {"mid": OUT1, "is_echo": True, "app_id": 1517776481860111, "metadata": "m"},
    {"mid": OUT1, "is_echo": "true", "text": "flag as a string"},
])
def test_echoes_of_any_content_are_never_messages(message: dict[str, Any]) -> None:
    event = parse_one(item({"message": message}, sender=PAGE_ID, recipient=PSID))
    assert isinstance(event, UnknownEvent)
    assert event.type == ECHO
    assert event.sender == CUSTOMER


def test_page_sent_message_without_the_echo_flag_is_an_echo() -> None:
    event = parse_one(item({"message": {"mid": OUT1, "text": "sent from the inbox"}},
                           sender=PAGE_ID, recipient=PSID))
    assert isinstance(event, UnknownEvent)
    assert event.type == ECHO
    assert event.sender == CUSTOMER


def test_page_sent_other_item_is_not_the_customers() -> None:
    event = parse_one(item({"reaction": {"action": "react", "emoji": "x", "mid": mid(1)}},
                           sender=PAGE_ID, recipient=PSID))
    assert isinstance(event, UnknownEvent)
    assert event.type == "messenger.echo.reaction"
    assert event.sender == CUSTOMER


def test_page_id_comes_from_the_recipient_first() -> None:
    # Meta's dashboard "Test" button sends entry id 0.
    event = parse_one(item({"message": {"mid": "m_test", "text": "test"}}), entry_id="0")
    assert event.recipient == PAGE
    assert event.sender == CUSTOMER


def test_page_id_falls_back_to_the_entry() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "hi"}}, recipient=None))
    assert event.recipient == PAGE
    event = parse_one(item({"message": {"mid": "m_x", "text": "hi"}}, recipient=None),
                      entry_id=None)
    assert event.recipient.account == NO_PAGE


def test_seconds_timestamps_are_detected() -> None:
    event = parse_one(item({"referral": {"ref": "r", "source": "SHORTLINK"}},
                           timestamp=1701599111))
    assert event.timestamp == datetime(2023, 12, 3, 10, 25, 11, tzinfo=UTC)


def test_numeric_string_timestamps() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "t"}}, timestamp=str(T)))
    assert event.timestamp == at(T)


def test_missing_timestamp_falls_back_to_entry_time() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "t"}}, timestamp=None), time=T + 5)
    assert isinstance(event, MessageReceived)
    assert event.timestamp == at(T + 5)


@pytest.mark.parametrize("bad", [None, "", "soon", -5, "NaN", "1e400", True, {"ms": 1}])
def test_no_usable_time_is_malformed(bad: Any) -> None:
    raw = item({"message": {"mid": "m_x", "text": "t"}}, timestamp=bad)
    event = parse_one(raw, time=None)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.timestamp == NO_TIME
    assert event.raw is raw or event.raw == raw
    assert event.id == "m_x"


def test_message_without_a_customer_is_malformed() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "t"}}, sender=None))
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.sender == PAGE


def test_sender_with_id_and_user_ref_uses_the_psid() -> None:
    event = parse_one(item({"referral": {"ref": "r"}}, sender={"id": PSID, "user_ref": PSID}))
    assert event.sender == CUSTOMER


def test_numeric_ids_are_read_as_strings() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "t"}}, sender={"id": int(PSID)}))
    assert event.sender == CUSTOMER


def test_empty_message() -> None:
    event = parse_one(item({"message": {"mid": "m_x"}}))
    assert isinstance(event, UnknownEvent)
    assert event.type == EMPTY_MESSAGE
    assert event.id == "m_x"
    assert event.sender == CUSTOMER


def test_deleted_message() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "is_deleted": True}}))
    assert isinstance(event, MessageDeleted)
    assert event.message_id == "m_x"


def test_quick_reply_with_an_attachment_keeps_both() -> None:
    raw = item({"message": {"mid": "m_x", "text": "Red", "quick_reply": {"payload": "RED"},
                            "attachments": [{"type": "image", "payload": {"url": "https://x/y"}}]}})
    choice, image = parse_payload(envelope(raw))
    assert isinstance(choice, ChoiceSelected)
    assert isinstance(image, MessageReceived)
    assert image.content == Image(url="https://x/y")


def test_quick_reply_without_payload_is_text() -> None:
    event = parse_one(item({"message": {"mid": "m_x", "text": "Red", "quick_reply": {}}}))
    assert isinstance(event, MessageReceived)
    assert event.content == Text(text="Red")


def test_reply_to_and_referral_ride_on_every_attachment() -> None:
    raw = item({"message": {"mid": "m_x", "text": "this", "reply_to": {"mid": OUT1},
                            "referral": {"ref": "r", "source": "ADS", "ad_id": 42},
                            "attachments": [{"type": "file", "payload": {"url": "https://f"}}]}})
    text, file = parse_payload(envelope(raw))
    for event in (text, file):
        assert isinstance(event, MessageReceived)
        assert event.reply_to == OUT1
        assert event.referral is not None and event.referral.ad_id == "42"


@pytest.mark.parametrize(("attachments", "expected"), [
    # image without sticker_id + sticker: the image is the sticker's twin
    ([{"type": "image", "payload": {"url": "https://a.png"}},
      {"type": "sticker", "payload": {"url": "https://a.webp", "sticker_id": 1}}],
     [Sticker(url="https://a.webp", sticker_id="1")]),
    # sticker first, twin after
    ([{"type": "sticker", "payload": {"url": "https://a.webp", "sticker_id": 1}},
      {"type": "image", "payload": {"url": "https://a.png", "sticker_id": 1}}],
     [Sticker(url="https://a.webp", sticker_id="1")]),
    # same url, no ids anywhere
    ([{"type": "image", "payload": {"url": "https://a.png", "sticker_id": "7"}},
      {"type": "sticker", "payload": {"url": "https://a.png"}}],
     [Sticker(url="https://a.png", sticker_id="7")]),
    # a sticker without a url at all
    ([{"type": "sticker", "payload": {"sticker_id": 1}}], [Unsupported(type="sticker")]),
    # twins whose sticker has no url: the image's url is used
    ([{"type": "image", "payload": {"url": "https://a.png", "sticker_id": 1}},
      {"type": "sticker", "payload": {"sticker_id": 1}}],
     [Sticker(url="https://a.png", sticker_id="1")]),
    # two different stickers (never seen, but not merged)
    ([{"type": "sticker", "payload": {"url": "https://a", "sticker_id": 1}},
      {"type": "sticker", "payload": {"url": "https://b", "sticker_id": 2}}],
     [Sticker(url="https://a", sticker_id="1"), Sticker(url="https://b", sticker_id="2")]),
])
def test_sticker_twins(attachments: list[dict[str, Any]], expected: list[Any]) -> None:
    events = parse_payload(envelope(item({"message": {"mid": "m_s", "attachments": attachments}})))
    assert [e.content for e in events] == expected  # type: ignore[attr-defined]
    assert all(e.id == "m_s" for e in events)


@pytest.mark.parametrize(("attachment", "expected"), [
    ({"type": "image", "payload": {}}, Unsupported(type="image")),
    ({"type": "video", "payload": None}, Unsupported(type="video")),
    ({"type": "audio", "payload": {"url": "  "}}, Unsupported(type="audio")),
    ({"type": "fallback", "payload": None, "title": "no url"}, Unsupported(type="fallback")),
    ({"type": "fallback", "payload": {"url": "https://x"}}, RichLink(url="https://x")),
    ({"type": "location", "payload": {"coordinates": {"lat": 91, "long": 2}}},
     Unsupported(type="location")),
    ({"type": "location", "payload": {"coordinates": {"lat": "48.8", "long": "2.29"}}},
     Location(latitude=48.8, longitude=2.29)),
    ({"type": "location", "payload": {}}, Unsupported(type="location")),
    ({"type": "post", "payload": {"url": "https://www.facebook.com/1/posts/2"}},
     RichLink(url="https://www.facebook.com/1/posts/2")),
    ({"type": "ig_reel", "payload": {}}, Unsupported(type="ig_reel")),
    ({"type": "poll", "payload": {"question": "?"}}, Unsupported(type="poll")),
    ({"payload": {"url": "https://x"}}, Unsupported(type="unknown")),
    ("not an object", Unsupported(type="unknown")),
])
def test_attachment_variants(attachment: Any, expected: Any) -> None:
    event = parse_one(item({"message": {"mid": "m_a", "attachments": [attachment]}}))
    assert isinstance(event, MessageReceived)
    assert event.content == expected


def test_reaction_without_emoji_uses_the_reaction_name() -> None:
    event = parse_one(item({"reaction": {"reaction": "like", "action": "react", "mid": OUT1}}))
    assert isinstance(event, ReactionReceived)
    assert event.emoji == "\U0001f44d"


def test_reaction_other_without_emoji() -> None:
    event = parse_one(item({"reaction": {"reaction": "other", "action": "react", "mid": OUT1}}))
    assert isinstance(event, ReactionReceived)
    assert event.emoji is None


@pytest.mark.parametrize("mids", [[], [None, 3.5], "m_1"])
def test_delivery_with_unusable_mids_is_a_watermark(mids: Any) -> None:
    event = parse_one(item({"delivery": {"mids": mids, "watermark": T}}))
    assert isinstance(event, MessageStatus)
    assert event.message_id is None
    assert event.watermark == at(T)


def test_postback_without_payload_uses_its_title() -> None:
    event = parse_one(item({"postback": {"title": "Menu"}}))
    assert isinstance(event, ChoiceSelected)
    assert event.choice_id == event.title == "Menu"
    assert event.id is None


@pytest.mark.parametrize("body", [
    {"postback": {}},
    {"postback": "GET_STARTED"},
    {"message": "hi"},
    {"message": {"mid": "m_x", "text": 42}},
    {"message": {"mid": "m_x", "attachments": {"type": "image"}}},
    {"delivery": None},
    {"read": []},
    {"reaction": "love"},
    {"message_edit": {"text": "no mid"}},
    {"optin": "yes"},
])
def test_broken_items_are_malformed(body: dict[str, Any]) -> None:
    raw = item(body)
    event = parse_one(raw)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.raw == raw
    assert event.sender == CUSTOMER


@pytest.mark.parametrize("raw", [None, 42, "item", ["a"], True])
def test_item_that_is_not_an_object(raw: Any) -> None:
    event = parse_one(raw)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.raw == raw
    assert event.sender == PAGE
    assert event.timestamp == at(T)


def test_a_bad_item_does_not_spoil_the_batch() -> None:
    good = item({"message": {"mid": "m_1", "text": "ok"}})
    events = parse_payload(envelope(good, "junk", item({"read": {"watermark": T}})))
    assert [type(e) for e in events] == [MessageReceived, UnknownEvent, MessageStatus]


def test_item_without_any_event_key() -> None:
    event = parse_one(item({}))
    assert isinstance(event, UnknownEvent)
    assert event.type == "messenger.unknown"
    assert event.sender == CUSTOMER


def test_unknown_item_key() -> None:
    event = parse_one(item({"checkout_update": {"payload": "x"}}))
    assert isinstance(event, UnknownEvent)
    assert event.type == "messenger.checkout_update"


def test_entry_without_item_arrays() -> None:
    (event,) = parse_payload({"object": "page", "entry": [{"id": PAGE_ID, "time": T}]})
    assert isinstance(event, UnknownEvent)
    assert event.type == "messenger.entry"
    assert event.recipient == PAGE


def test_empty_arrays_give_nothing() -> None:
    assert parse_payload({"object": "page", "entry": [{"id": PAGE_ID, "messaging": []}]}) == []
    assert parse_payload({"object": "page", "entry": []}) == []


def test_unknown_entry_array() -> None:
    events = parse_payload(envelope({"a": 1}, "x", key="hop_context"))
    assert [e.type for e in events] == ["messenger.hop_context"] * 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("payload", [
    None,
    [],
    "page",
    {"entry": []},
    {"object": "", "entry": []},
    {"object": 7, "entry": []},
    {"object": "page"},
    {"object": "page", "entry": {"id": PAGE_ID}},
    {"object": "page", "entry": ["x"]},
    {"object": "page", "entry": [{"id": PAGE_ID, "messaging": {"message": {}}}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "standby": None}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": "feed"}]},
    {"object": "instagram", "entry": [{"id": PAGE_ID, "messaging": 1}]},
])
def test_broken_envelopes_are_refused(payload: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_payload(payload)


# -- through the channel -------------------------------------------------------------------------


@pytest.fixture
def fb() -> Any:
    from polychat.channels.messenger.channel import Messenger

    return Messenger(page_id=PAGE_ID, page_access_token="EAAG-FAKE-PAGE", app_secret=APP_SECRET)


def signed(body: bytes, secret: str = APP_SECRET, **headers: str) -> WebhookRequest:
    return WebhookRequest(headers={"X-Hub-Signature-256": sign_body(body, secret),
                                   "Content-Type": "application/json", **headers}, body=body)


def test_channel_parses_a_signed_body(fb: Any) -> None:
    body = (DATA / "batch.json").read_bytes()
    assert fb.parse(signed(body)) == parse("batch")


def test_channel_verifies_the_raw_bytes(fb: Any) -> None:
    # Meta escapes non-ASCII (\u00e4); the signature covers exactly those bytes.
    body = json.dumps(envelope(item({"message": {"mid": "m_u", "text": "äöå ❤️"}})),
                      ensure_ascii=True).encode()
    (event,) = fb.parse(signed(body))
    assert event.content == Text(text="äöå ❤️")


def test_channel_accepts_other_objects(fb: Any) -> None:
    body = (DATA / "instagram.json").read_bytes()
    (event,) = fb.parse(signed(body))
    assert event.type == "messenger.object.instagram"


def test_tampered_body_is_refused(fb: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    request = signed(body)
    tampered = WebhookRequest(headers=request.headers, body=body.replace(b"order", b"ORDER"))
    with pytest.raises(SignatureError):
        fb.parse(tampered)


def test_wrong_secret_is_refused(fb: Any) -> None:
    with pytest.raises(SignatureError):
        fb.parse(signed((DATA / "text.json").read_bytes(), secret="another-secret"))


def test_missing_signature_is_refused(fb: Any) -> None:
    request = WebhookRequest(headers={"Content-Type": "application/json"},
                             body=(DATA / "text.json").read_bytes())
    with pytest.raises(SignatureError):
        fb.parse(request)


@pytest.mark.parametrize("body", [b"", b"garbage", b"[]", b'{"object": "page"}',
                                  b'{"entry": []}', b'{"object": "page", "entry": [1]}'])
def test_garbage_is_malformed(fb: Any, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        fb.parse(signed(body))
