"""WhatsApp webhook parsing: fixtures in tests/data/whatsapp/ in, events out.

Each fixture is a real-shaped webhook body (meta.md section 5). The table below fixes the event
classes and their order for every fixture; the tests after it check the fields that matter.
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
    Contacts,
    Event,
    File,
    FormSubmitted,
    Image,
    Location,
    MalformedPayload,
    MessageDeleted,
    MessageEdited,
    MessageReceived,
    MessageStatus,
    ReactionReceived,
    RecipientUnreachable,
    SignatureError,
    Sticker,
    TemplateStatusChanged,
    Text,
    UnknownEvent,
    Video,
    WebhookRequest,
    WindowClosed,
)
from polychat.channels._meta import sign_body
from polychat.channels.whatsapp.parse import MALFORMED, NO_TIME, parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "whatsapp"
APP_SECRET = "fake-app-secret-0000"  # the `wa` fixture's secret (tests/conftest.py)

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY = "15550783881"
WA_ID = "16505551234"
BSUID = "US.13491208655302741918"
OUT_ID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
BUSINESS = Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=DISPLAY)
CUSTOMER = Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=WA_ID)

ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def wamid(n: int) -> str:
    return f"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdBQkNERUYwMTIzNDU2Nzg5{n:02d}AA=="


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def parse(name: str) -> list[Event]:
    return parse_payload(load(name))


def one(name: str) -> Any:
    events = parse(name)
    assert len(events) == 1, events
    return events[0]


def dumped(events: list[Event]) -> list[dict[str, Any]]:
    """Events as JSON data (a PlatformError in ``error`` compares by identity, its dump does not)."""
    return [{"class": type(e).__name__, **e.model_dump(mode="json")} for e in events]


def at(ts: int, micro: int = 0) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=micro)


# -- every fixture: classes and order ------------------------------------------------------------

EXPECTED: dict[str, list[type[Event]]] = {
    "text": [MessageReceived],
    "text_reply": [MessageReceived],
    "text_forwarded": [MessageReceived, MessageReceived],
    "product_enquiry": [MessageReceived],
    "referral_ad": [MessageReceived],
    "image": [MessageReceived],
    "video": [MessageReceived],
    "audio_voice": [MessageReceived],
    "document": [MessageReceived],
    "sticker": [MessageReceived],
    "location": [MessageReceived],
    "location_current": [MessageReceived],
    "contacts": [MessageReceived],
    "reaction": [ReactionReceived, ReactionReceived, ReactionReceived],
    "interactive_button_reply": [ChoiceSelected],
    "interactive_list_reply": [ChoiceSelected],
    "interactive_nfm_reply": [FormSubmitted],
    "button_template": [ChoiceSelected],
    "button_template_no_context": [ChoiceSelected],
    "edit": [MessageEdited],
    "revoke": [MessageDeleted],
    "order": [UnknownEvent],
    "system_user_changed_number": [UnknownEvent],
    "system_customer_identity_changed": [UnknownEvent],
    "system_user_changed_user_id": [UnknownEvent],
    "request_welcome": [UnknownEvent],
    "unsupported": [UnknownEvent],
    "unknown": [UnknownEvent],
    "bsuid_user": [MessageReceived],
    "group_message": [MessageReceived],
    "timestamp_ms": [MessageReceived],
    "status_sent": [MessageStatus],
    "status_delivered": [MessageStatus],
    "status_read": [MessageStatus],
    "status_played": [MessageStatus],
    "status_failed": [MessageStatus],
    "status_bsuid": [MessageStatus],
    "status_group": [MessageStatus],
    "value_errors": [UnknownEvent, UnknownEvent],
    "user_preferences": [UnknownEvent],
    "message_template_status_update": [TemplateStatusChanged],
    "account_update": [UnknownEvent],
    "smb_message_echoes": [UnknownEvent],
    "batch": [MessageReceived, MessageReceived, ReactionReceived, MessageStatus, MessageStatus,
              MessageReceived, ChoiceSelected, MessageStatus, UnknownEvent],
}

FIXTURES = sorted(EXPECTED)


def test_every_fixture_is_listed() -> None:
    assert sorted(p.stem for p in DATA.glob("*.json")) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_event_classes_and_order(name: str) -> None:
    assert [type(e) for e in parse(name)] == EXPECTED[name]


def _items(payload: dict[str, Any]) -> list[Any]:
    """Every item of the envelope, in order (what each event's ``raw`` must be)."""
    items: list[Any] = []
    for entry in payload["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            arrays = [k for k in value if k in ("messages", "statuses", "errors",
                                                  "user_preferences", "message_echoes")]
            if not arrays:
                items.append(value)
            for key in arrays:
                items.extend(value[key])
    return items


@pytest.mark.parametrize("name", FIXTURES)
def test_common_fields(name: str) -> None:
    payload = load(name)
    events = parse_payload(payload)
    assert [e.raw for e in events] == _items(payload)
    for event in events:
        assert event.channel == "whatsapp"
        assert event.timestamp.tzinfo is UTC
        assert event.sender.account == event.recipient.account
        assert event.sender.channel == event.recipient.channel == "whatsapp"


@pytest.mark.parametrize("name", FIXTURES)
def test_round_trips_through_json(name: str) -> None:
    for event in parse(name):
        restored: Any = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        if getattr(event, "error", None) is None:
            assert restored == event
        else:  # PlatformError compares by identity: compare the serialised forms
            assert restored.model_dump(mode="json") == event.model_dump(mode="json")
            assert type(getattr(restored, "error", None)) is type(getattr(event, "error", None))


def test_parse_is_pure() -> None:
    payload = load("batch")
    before = copy.deepcopy(payload)
    assert parse_payload(payload) == parse_payload(payload)
    assert payload == before


# -- messages ------------------------------------------------------------------------------------


def test_text() -> None:
    event = one("text")
    assert event.sender == CUSTOMER
    assert event.recipient == BUSINESS
    assert str(event.sender) == f"whatsapp:{PHONE_NUMBER_ID}:{WA_ID}"
    assert event.id == wamid(1)
    assert event.timestamp == at(1749416383)
    assert event.sender_name == "Sheena Nelson"
    assert event.content == Text(text="Hi, is my order on its way?")
    assert event.reply_to is None
    assert event.referral is None
    assert not event.forwarded
    assert not event.frequently_forwarded
    assert event.raw == load("text")["entry"][0]["changes"][0]["value"]["messages"][0]


def test_reply_context_sets_reply_to() -> None:
    event = one("text_reply")
    assert event.reply_to == OUT_ID
    assert event.content == Text(text="Yes please")


def test_forwarded_context_is_not_a_reply() -> None:
    forwarded, frequently = parse("text_forwarded")
    assert isinstance(forwarded, MessageReceived)
    assert isinstance(frequently, MessageReceived)
    assert forwarded.reply_to is None
    assert forwarded.forwarded and not forwarded.frequently_forwarded
    assert frequently.reply_to is None
    assert frequently.frequently_forwarded and not frequently.forwarded
    assert frequently.timestamp == at(1749416390)


def test_product_enquiry() -> None:
    event = one("product_enquiry")
    assert event.reply_to == OUT_ID
    assert event.content == Text(text="Is this available in blue?")
    assert event.raw["context"]["referred_product"]["product_retailer_id"] == "sku-blue-mug-01"


def test_click_to_whatsapp_referral() -> None:
    event = one("referral_ad")
    referral = event.referral
    assert referral is not None
    assert referral.source == "ad"
    assert referral.ref == referral.ad_id == "120226305854810726"
    assert referral.url == "https://fb.me/3cr4Wqqkv"
    assert referral.headline == "Chat with us"
    assert referral.body == "Free shipping on every mug this week"
    assert referral.click_id is not None and referral.click_id.startswith("ARAkLkA8")
    assert referral.raw == event.raw["referral"]
    assert event.content == Text(text="Can I get more info about this?")


def test_post_referral_has_no_ad_id() -> None:
    payload = load("referral_ad")
    item = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    item["referral"]["source_type"] = "post"
    del item["referral"]["ctwa_clid"]
    referral = parse_payload(payload)[0].referral  # type: ignore[attr-defined]
    assert referral.source == "post"
    assert referral.ref == "120226305854810726"
    assert referral.ad_id is None
    assert referral.click_id is None


def test_image() -> None:
    event = one("image")
    assert event.content == Image(
        media_id="1003383421387256",
        mime_type="image/jpeg",
        sha256="HgsbdtdtFxVq5qTEYDdVIc9ZNUlJqlD9UvJhKjWRP+Q=",
        caption="The mug arrived broken",
        download_url=event.raw["image"]["url"],
    )
    assert event.content.download_url.startswith("https://lookaside.fbsbx.com/")


def test_video() -> None:
    content = one("video").content
    assert isinstance(content, Video)
    assert content.media_id == "1214384429752437"
    assert content.mime_type == "video/mp4"
    assert content.caption is None
    assert content.download_url is None


def test_voice_note() -> None:
    content = one("audio_voice").content
    assert isinstance(content, Audio)
    assert content.voice is True
    assert content.media_id == "1482315409164233"
    assert content.mime_type == "audio/ogg; codecs=opus"


def test_document() -> None:
    content = one("document").content
    assert isinstance(content, File)
    assert content.filename == "invoice-4242.pdf"
    assert content.caption == "Invoice for order 4242"
    assert content.mime_type == "application/pdf"
    assert content.media_id == "1109224107234988"


def test_sticker() -> None:
    content = one("sticker").content
    assert isinstance(content, Sticker)
    assert content.animated is False
    assert content.mime_type == "image/webp"
    assert content.media_id == "1373618800296178"


def test_location() -> None:
    assert one("location").content == Location(
        latitude=37.483872,
        longitude=-122.148358,
        name="Meta Headquarters",
        address="1 Hacker Way, Menlo Park, CA 94025",
        url="https://www.example.com/menlo-park",
    )


def test_current_location_has_only_coordinates() -> None:
    assert one("location_current").content == Location(latitude=48.858093, longitude=2.294694)


def test_location_accepts_numeric_strings() -> None:
    payload = load("location_current")
    place = payload["entry"][0]["changes"][0]["value"]["messages"][0]["location"]
    place["latitude"], place["longitude"] = "48.858093", " 2.294694"
    assert parse_payload(payload)[0].content == Location(  # type: ignore[attr-defined]
        latitude=48.858093, longitude=2.294694
    )


def test_location_out_of_range_is_a_malformed_item() -> None:
    payload = load("location_current")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["location"]["latitude"] = 91
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.raw["location"]["latitude"] == 91


def test_contacts() -> None:
    content = one("contacts").content
    assert isinstance(content, Contacts)
    (card,) = content.contacts
    assert card.name == "Ada Lovelace"
    assert card.first_name == "Ada"
    assert card.last_name == "Lovelace"
    assert card.phones == ["+1 (650) 555-1299", "+1 650-555-0000"]
    assert card.user_ids == ["16505551299"]
    assert card.emails == ["ada@example.com"]
    assert card.organization == "Analytical Engines Ltd"
    assert card.urls == ["https://example.com/ada"]


def test_reactions_and_removed_reactions() -> None:
    added, emptied, absent = parse("reaction")
    assert isinstance(added, ReactionReceived)
    assert added.message_id == OUT_ID
    assert added.emoji == "\U0001f44d"
    assert added.id == wamid(15)
    assert emptied.emoji is None  # type: ignore[attr-defined]
    assert absent.emoji is None  # type: ignore[attr-defined]
    assert absent.message_id == OUT_ID  # type: ignore[attr-defined]


def test_button_reply() -> None:
    event = one("interactive_button_reply")
    assert event.source == "button"
    assert event.choice_id == "track-yes"
    assert event.title == "Yes"
    assert event.reply_to == OUT_ID
    assert event.id == wamid(18)
    assert event.sender == CUSTOMER


def test_list_reply() -> None:
    event = one("interactive_list_reply")
    assert event.source == "list"
    assert event.choice_id == "slot-2"
    assert event.title == "Tuesday 10:00"
    assert event.description == "Store pickup, 1 Hacker Way"
    assert event.reply_to == OUT_ID


def test_flow_reply_parses_response_json() -> None:
    event = one("interactive_nfm_reply")
    assert event.name == "flow"
    assert event.data == {
        "flow_token": "fake-flow-token-1234",
        "appointment_date": "2026-11-24",
        "party_size": 2,
        "notes": "Window seat, please",
    }
    assert event.reply_to == OUT_ID


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "42"])
def test_flow_reply_keeps_a_response_json_that_is_not_an_object(raw: str) -> None:
    payload = load("interactive_nfm_reply")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["interactive"]["nfm_reply"]["response_json"] = raw
    (event,) = parse_payload(payload)
    assert isinstance(event, FormSubmitted)
    assert event.data == {"response_json": raw}


def test_template_quick_reply_button() -> None:
    event = one("button_template")
    assert event.source == "template_button"
    assert event.choice_id == "STOP_PROMOTIONS"
    assert event.title == "Stop promotions"
    assert event.reply_to == OUT_ID


def test_template_quick_reply_without_context() -> None:
    event = one("button_template_no_context")
    assert event.choice_id == "CONFIRM_BOOKING"
    assert event.reply_to is None


def test_edit_carries_the_original_id_and_new_content() -> None:
    event = one("edit")
    assert event.message_id == wamid(1)
    assert event.id == wamid(23)
    assert event.content == Text(text="Hi, is my order on its way? (order 4242)")
    assert event.timestamp == at(1749416500)


def test_revoke_carries_the_original_id() -> None:
    event = one("revoke")
    assert event.message_id == wamid(1)
    assert event.id == wamid(24)


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("order", "whatsapp.message.order"),
        ("system_user_changed_number", "whatsapp.system.user_changed_number"),
        ("system_customer_identity_changed", "whatsapp.system.customer_identity_changed"),
        ("system_user_changed_user_id", "whatsapp.system.user_changed_user_id"),
        ("request_welcome", "whatsapp.message.request_welcome"),
        ("unsupported", "whatsapp.message.unsupported"),
        ("unknown", "whatsapp.message.unknown"),
    ],
)
def test_unmodelled_messages_are_unknown_events(name: str, type_: str) -> None:
    event = one(name)
    assert isinstance(event, UnknownEvent)
    assert event.type == type_
    assert event.id == event.raw["id"]
    assert event.recipient == BUSINESS
    assert event.timestamp == at(1749416383)


def test_system_message_without_contacts_keeps_its_sender() -> None:
    event = one("system_user_changed_number")
    assert event.sender == CUSTOMER
    assert event.sender_name is None
    assert event.raw["system"]["wa_id"] == "16505559876"


def test_bsuid_system_message() -> None:
    event = one("system_user_changed_user_id")
    assert event.sender.user == BSUID
    assert event.sender_name == "Sheena Nelson"


def test_unsupported_keeps_the_errors() -> None:
    event = one("unsupported")
    assert event.raw["errors"][0]["code"] == 131051
    assert event.raw["unsupported"] == {"type": "poll"}


def test_bsuid_only_user() -> None:
    event = one("bsuid_user")
    assert event.sender == Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=BSUID)
    assert event.sender_name == "Pablo Morales"
    assert event.content == Text(text="Hello from a username user")
    assert Address.parse(str(event.sender)) == event.sender


def test_group_message() -> None:
    event = one("group_message")
    assert event.sender == CUSTOMER
    assert event.raw["group_id"] == "120363403215116621@g.us"
    assert event.content == Text(text="Hi all, who's in for Friday?")


def test_millisecond_timestamps() -> None:
    assert one("timestamp_ms").timestamp == at(1749416383, 123000)


def test_numeric_timestamp() -> None:
    payload = load("text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = 1749416383
    assert parse_payload(payload)[0].timestamp == at(1749416383)


def test_missing_timestamp_falls_back_to_entry_time() -> None:
    payload = load("text")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"]
    payload["entry"][0]["time"] = 1749416999
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageReceived)
    assert event.timestamp == at(1749416999)


@pytest.mark.parametrize("bad", [None, "", "soon", "-5", "NaN", "1e400", True, {"s": 1}])
def test_bad_timestamp_without_entry_time_is_malformed(bad: Any) -> None:
    payload = load("text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = bad
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.timestamp == NO_TIME
    assert event.sender == CUSTOMER
    assert event.raw is message


def test_sender_name_matches_the_right_contact() -> None:
    events = parse("batch")
    assert events[5].sender.user == "4915123456789"
    assert events[5].sender_name == "Kofi Mensah"
    assert events[6].sender.user == WA_ID
    assert events[6].sender_name == "Sheena Nelson"


def test_unknown_interactive_type() -> None:
    payload = load("interactive_button_reply")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["interactive"] = {"type": "call_permission_reply",
                              "call_permission_reply": {"response": "accept"}}
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.message.interactive.call_permission_reply"


def _first_message(payload: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [
        ("reaction", lambda m: m.pop("reaction"), MALFORMED),
        ("button_template", lambda m: m.update(button={}), MALFORMED),
        ("revoke", lambda m: m.update(revoke={}), MALFORMED),
        ("interactive_nfm_reply", lambda m: m["interactive"].update(nfm_reply={}), MALFORMED),
        ("interactive_button_reply", lambda m: m.pop("interactive"), MALFORMED),
        ("location", lambda m: m["location"].update(latitude=True), MALFORMED),
        ("location", lambda m: m["location"].update(longitude=None), MALFORMED),
        ("location", lambda m: m["location"].update(longitude="west"), MALFORMED),
        ("image", lambda m: m.update(image={}, errors=[{"code": 131052}]),
         "whatsapp.message.image"),
        ("text", lambda m: m.update(type=""), MALFORMED),
        ("text", lambda m: m.update(type=7), MALFORMED),
    ],
)
def test_broken_message_variants(name: str, mutate: Any, expected: str) -> None:
    payload = load(name)
    mutate(_first_message(payload))
    event = parse_payload(payload)[0]
    assert isinstance(event, UnknownEvent)
    assert event.type == expected


def test_template_button_without_payload_uses_its_text() -> None:
    payload = load("button_template")
    del _first_message(payload)["button"]["payload"]
    (event,) = parse_payload(payload)
    assert isinstance(event, ChoiceSelected)
    assert event.choice_id == event.title == "Stop promotions"


def test_edit_with_content_it_cannot_read() -> None:
    payload = load("edit")
    _first_message(payload)["edit"]["message"] = {"type": "image", "image": {}}
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageEdited)
    assert event.message_id == wamid(1)
    assert event.content is None


@pytest.mark.parametrize(("response_json", "data"), [
    ({"flow_token": "t"}, {"flow_token": "t"}),  # already decoded by a proxy
    (None, {}),
])
def test_flow_reply_response_json_variants(response_json: Any, data: dict[str, Any]) -> None:
    payload = load("interactive_nfm_reply")
    reply = _first_message(payload)["interactive"]["nfm_reply"]
    if response_json is None:
        del reply["response_json"]
    else:
        reply["response_json"] = response_json
    (event,) = parse_payload(payload)
    assert isinstance(event, FormSubmitted)
    assert event.data == data


def test_numeric_ids_are_read_as_strings() -> None:
    payload = load("text")
    _first_message(payload)["from"] = 16505551234
    assert parse_payload(payload)[0].sender == CUSTOMER


def test_sender_falls_back_to_the_single_contact() -> None:
    payload = load("text")
    _first_message(payload)["from"] = True
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageReceived)
    assert event.sender == CUSTOMER


def test_message_without_any_customer_is_malformed() -> None:
    payload = load("system_user_changed_number")
    del _first_message(payload)["from"]
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.sender == Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=WABA_ID)


# -- statuses ------------------------------------------------------------------------------------


def test_sent_status_with_pricing() -> None:
    event = one("status_sent")
    assert event.status == "sent"
    assert event.message_id == event.id == OUT_ID
    assert event.sender == CUSTOMER
    assert event.recipient == BUSINESS
    assert event.timestamp == at(1750030073)
    assert event.pricing == {"billable": True, "pricing_model": "PMP", "type": "regular",
                             "category": "marketing"}
    assert event.callback_data == "campaign-42/user-7"
    assert event.error is None
    assert event.sender_name is None


def test_delivered_status_with_contacts() -> None:
    event = one("status_delivered")
    assert event.status == "delivered"
    assert event.sender == CUSTOMER
    assert event.sender_name == "Sheena Nelson"
    assert event.pricing is None


def test_read_status_without_delivered() -> None:
    event = one("status_read")
    assert event.status == "read"
    assert event.pricing is not None and event.pricing["type"] == "free_customer_service"


def test_played_status() -> None:
    assert one("status_played").status == "played"


def test_failed_status_is_classified() -> None:
    event = one("status_failed")
    assert event.status == "failed"
    assert event.sender == CUSTOMER
    assert isinstance(event.error, WindowClosed)
    assert event.error.code == 131047
    assert event.error.channel == "whatsapp"
    assert event.error.details is not None and "24 hours" in event.error.details
    assert event.error.retryable is False
    assert event.pricing is None


def test_failed_status_with_an_unreachable_recipient() -> None:
    payload = load("status_failed")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageStatus)
    assert isinstance(event.error, RecipientUnreachable)
    assert event.error.message == "Message undeliverable"


def test_failed_status_without_errors_has_no_error() -> None:
    payload = load("status_failed")
    del payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"]
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageStatus)
    assert event.error is None


def test_bsuid_status() -> None:
    event = one("status_bsuid")
    assert event.sender == Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=BSUID)
    assert event.status == "delivered"
    assert event.sender_name is None  # only a username: not a display name


def test_group_status() -> None:
    event = one("status_group")
    assert event.sender.user == "120363403215116621@g.us"
    assert event.raw["recipient_participant_id"] == WA_ID


def test_deleted_status() -> None:
    payload = load("status_played")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "deleted"
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageStatus)
    assert event.status == "deleted"


def test_unknown_status_value() -> None:
    payload = load("status_played")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "warning"
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.status.warning"
    assert event.sender == CUSTOMER
    assert event.timestamp == at(1750030120)


# -- value-level errors and other fields ---------------------------------------------------------


def test_value_level_errors() -> None:
    first, second = parse("value_errors")
    assert isinstance(first, UnknownEvent)
    assert first.type == second.type == "whatsapp.error"  # type: ignore[attr-defined]
    assert first.raw["code"] == 131052
    assert second.raw["code"] == 130429
    assert first.recipient == BUSINESS
    assert first.sender == Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=WABA_ID)
    assert first.timestamp == NO_TIME


def test_user_preferences() -> None:
    event = one("user_preferences")
    assert event.type == "whatsapp.user_preferences"
    assert event.sender == CUSTOMER
    assert event.sender_name == "Sheena Nelson"
    assert event.raw["value"] == "stop"
    assert event.timestamp == at(1750031000)


def test_template_status_update() -> None:
    event = one("message_template_status_update")
    assert isinstance(event, TemplateStatusChanged)  # typed since issue 9
    assert (event.name, event.language, event.status) == ("order_update", "en_US", "APPROVED")
    assert event.template_id == "1689556908129832" and event.reason is None
    waba = Address(channel="whatsapp", account=WABA_ID, user=WABA_ID)
    assert event.recipient == waba
    assert event.sender == waba
    assert event.timestamp == at(1750031500)
    assert event.raw["event"] == "APPROVED"


def test_account_update_is_one_event_for_the_whole_value() -> None:
    event = one("account_update")
    assert event.type == "whatsapp.account_update"
    assert event.raw["restriction_info"][0]["restriction_type"].startswith("RESTRICTED")


def test_echoes_are_never_messages() -> None:
    event = one("smb_message_echoes")
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.smb_message_echoes"
    assert event.sender == CUSTOMER  # the customer is the echo's `to`
    assert event.id == wamid(35)


def test_unknown_field_with_an_item_array() -> None:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{
        "field": "calls",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": DISPLAY, "phone_number_id": PHONE_NUMBER_ID},
                  "calls": [
                      {"id": "wacid.FAKE1", "from": WA_ID, "to": DISPLAY, "event": "connect",
                       "timestamp": "1750040000", "direction": "USER_INITIATED"},
                      {"id": "wacid.FAKE2", "from": DISPLAY, "to": "4915123456789",
                       "event": "terminate", "timestamp": "1750040100",
                       "direction": "BUSINESS_INITIATED"},
                  ]},
    }]}]}
    first, second = parse_payload(payload)
    assert first.type == second.type == "whatsapp.calls"  # type: ignore[attr-defined]
    assert first.sender == CUSTOMER
    assert second.sender.user == "4915123456789"
    assert first.id is None  # call ids repeat across call events


# -- batches -------------------------------------------------------------------------------------


def test_batch_keeps_every_item_in_order() -> None:
    events = parse("batch")
    assert [e.id for e in events[:5]] == [wamid(40), wamid(41), wamid(42), OUT_ID, OUT_ID]
    assert [e.timestamp for e in events[:-1]] == [at(1749416001 + i) for i in range(8)]
    assert {e.recipient.account for e in events[:5]} == {PHONE_NUMBER_ID}
    second = Address(channel="whatsapp", account="106540352242999", user="15550783999")
    assert {e.recipient for e in events[5:]} == {second}
    assert isinstance(events[6], ChoiceSelected) and events[6].choice_id == "no"
    assert events[7].sender.user == "4915123456789"
    assert events[8].sender.user == "102290129340311"  # the WABA id: no customer
    assert isinstance(events[1], MessageReceived) and isinstance(events[1].content, Image)


def test_empty_arrays_give_no_events() -> None:
    payload = load("text")
    payload["entry"][0]["changes"][0]["value"]["messages"] = []
    assert parse_payload(payload) == []
    payload["entry"] = []
    assert parse_payload(payload) == []


# -- malformed input inside a good envelope ------------------------------------------------------


@pytest.mark.parametrize(
    "bad_item",
    ["just a string", 42, None, [], {"id": "x"}, {"type": "text", "id": "x"},
     {"type": "image", "from": WA_ID, "timestamp": "1749416383", "image": {"mime_type": "x"}},
     {"type": "text", "from": WA_ID, "timestamp": "1749416383", "text": "not an object"},
     {"type": "contacts", "from": WA_ID, "timestamp": "1749416383", "contacts": []},
     {"type": "interactive", "from": WA_ID, "timestamp": "1749416383",
      "interactive": {"type": "button_reply", "button_reply": {"title": "no id"}}},
     {"type": "edit", "from": WA_ID, "timestamp": "1749416383", "edit": {}}],
)
def test_a_bad_message_does_not_lose_the_batch(bad_item: Any) -> None:
    payload = load("text_forwarded")
    messages = payload["entry"][0]["changes"][0]["value"]["messages"]
    messages.insert(1, bad_item)
    first, bad, last = parse_payload(payload)
    assert isinstance(first, MessageReceived)
    assert isinstance(last, MessageReceived)
    assert isinstance(bad, UnknownEvent)
    assert bad.type == MALFORMED
    assert bad.raw == bad_item
    assert bad.recipient == BUSINESS


def test_a_bad_status_does_not_lose_the_batch() -> None:
    payload = load("batch")
    statuses = payload["entry"][0]["changes"][1]["value"]["statuses"]
    statuses.insert(0, {"status": "sent"})
    events = parse_payload(payload)
    assert isinstance(events[3], UnknownEvent) and events[3].type == MALFORMED
    assert [type(e) for e in events[4:6]] == [MessageStatus, MessageStatus]


@pytest.mark.parametrize(
    "change",
    ["a string", None, {"field": "messages"}, {"value": {}}, {"field": 3, "value": {}},
     {"field": "messages", "value": "nope"}],
)
def test_a_bad_change_is_one_malformed_event(change: Any) -> None:
    payload = load("batch")
    payload["entry"][0]["changes"].insert(1, change)
    events = parse_payload(payload)
    assert len(events) == 10
    assert isinstance(events[3], UnknownEvent)
    assert events[3].type == MALFORMED
    assert events[3].raw == change
    assert events[3].recipient == Address(channel="whatsapp", account=WABA_ID, user=WABA_ID)


def test_an_item_array_that_is_not_a_list() -> None:
    payload = load("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] = {"oops": True}
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.raw is value


def test_a_messages_change_without_items_is_kept() -> None:
    payload = load("text")
    value = payload["entry"][0]["changes"][0]["value"]
    del value["messages"]
    (event,) = parse_payload(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.messages"
    assert event.raw is value


def test_ids_that_cannot_be_addresses_fall_back() -> None:
    payload = load("text")
    payload["entry"][0]["id"] = " 1 "
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"] = {"phone_number_id": "a:b", "display_phone_number": ""}
    (event,) = parse_payload(payload)
    assert isinstance(event, MessageReceived)
    assert event.recipient == Address(channel="whatsapp", account="unknown", user="unknown")
    assert event.sender == Address(channel="whatsapp", account="unknown", user=WA_ID)


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": {}},
        {"object": "whatsapp_business_account", "entry": ["not an object"]},
        {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID}]},
        {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": {}}]},
    ],
)
def test_broken_envelopes_raise(payload: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        parse_payload(payload)


# -- end to end through the channel --------------------------------------------------------------


def signed(body: bytes, *, content_type: str = "application/json",
           signature: str | None = None) -> WebhookRequest:
    headers = {"X-Hub-Signature-256": signature or sign_body(body, APP_SECRET)}
    if content_type:
        headers["Content-Type"] = content_type
    return WebhookRequest(headers=headers, body=body)


@pytest.mark.parametrize("name", FIXTURES)
def test_channel_parses_signed_fixtures(wa: Any, name: str) -> None:
    body = (DATA / f"{name}.json").read_bytes()
    assert dumped(wa.parse(signed(body))) == dumped(parse(name))


def test_channel_verifies_the_raw_bytes(wa: Any) -> None:
    body = json.dumps(load("text"), separators=(",", ":")).encode()  # non-ASCII escaped as Meta does
    events = wa.parse(signed(body))
    assert [type(e) for e in events] == [MessageReceived]


def test_header_lookup_is_case_insensitive(wa: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    request = WebhookRequest(headers={"x-hub-signature-256": sign_body(body, APP_SECRET),
                                      "content-type": "application/json; charset=utf-8"},
                             body=body)
    assert len(wa.parse(request)) == 1


def test_tampered_body_is_refused(wa: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    signature = sign_body(body, APP_SECRET)
    with pytest.raises(SignatureError):
        wa.parse(signed(body.replace(b"Hi,", b"Yo,"), signature=signature))


def test_missing_signature_is_refused(wa: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    with pytest.raises(SignatureError):
        wa.parse(WebhookRequest(headers={"Content-Type": "application/json"}, body=body))


@pytest.mark.parametrize(
    "signature",
    ["sha256=" + "0" * 64, "sha1=abc", "sha256=", "garbage",
     sign_body(b"{}", APP_SECRET), sign_body(b"x", "another-secret")],
)
def test_wrong_signature_is_refused(wa: Any, signature: str) -> None:
    body = (DATA / "text.json").read_bytes()
    with pytest.raises(SignatureError):
        wa.parse(signed(body, signature=signature))


def test_signature_from_another_secret_is_refused(wa: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    with pytest.raises(SignatureError):
        wa.parse(signed(body, signature=sign_body(body, "another-secret")))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json at all",
        b"\xff\xfe\x00garbage",
        (DATA / "batch.json").read_bytes()[:200],
        b"[]",
        b'"whatsapp_business_account"',
        b"null",
        b'{"object": "page", "entry": []}',
        b'{"entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": "nope"}',
        b'{"object": "whatsapp_business_account", "entry": [1]}',
    ],
)
def test_malformed_bodies(wa: Any, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        wa.parse(signed(body))


def test_text_plain_is_refused(wa: Any) -> None:
    body = (DATA / "text.json").read_bytes()
    with pytest.raises(MalformedPayload):
        wa.parse(signed(body, content_type="text/plain"))
