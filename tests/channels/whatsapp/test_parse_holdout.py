"""WhatsApp webhook parsing against hold-out-style fixtures (tests/data/whatsapp/holdout/holdout_*.json).

The fixtures are real-shaped Cloud API bodies written from the public payload shapes (meta.md
section 5) and differ from the base fixtures: BSUID mixes, pre-v24 ``conversation`` objects,
pricing variants, failed statuses of several error classes, media variants, rich contact cards,
several changes and entries in one body, millisecond timestamps, escaped unicode. Every event is
checked as ARCHITECTURE.md "Parsing conventions" say; the channel tests at the end check the
signature, content-type and body handling of :meth:`WhatsApp.parse`.
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
    PermanentError,
    RateLimited,
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
from polychat.channels.whatsapp.parse import MALFORMED, parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "whatsapp" / "holdout"
APP_SECRET = "fake-app-secret-0000"  # the `wa` fixture's secret (tests/conftest.py)

WABA = "102290129340398"
PHONE_ID = "106540352242922"
WA = "16505551234"
BSUID = "US.13491208655302741918"
BSUID2 = "BR.27465819302746519283"
BUSINESS = Address(channel="whatsapp", account=PHONE_ID, user="15550783881")
BUSINESS2 = Address(channel="whatsapp", account="106540352242999", user="15550783999")

ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def wid(n: int) -> str:
    """An inbound wamid of the hold-out fixtures."""
    return f"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0RkFDRTEyMzQ1Njc4OUFCQ0RF{n:02d}AA=="


def oid(n: int) -> str:
    """An outbound wamid (statuses, reply contexts) of the hold-out fixtures."""
    return f"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0RkFDRTEyMzQ1Njc4OUE{n:02d}AA=="


def customer(user: str, account: str = PHONE_ID) -> Address:
    return Address(channel="whatsapp", account=account, user=user)


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"holdout_{name}.json").read_bytes())
    return data


def parse(name: str) -> list[Event]:
    return parse_payload(load(name))


def items(payload: dict[str, Any]) -> list[Any]:
    """Every item of every change, in envelope order (the events' expected ``raw``)."""
    out: list[Any] = []
    for entry in payload["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            arrays = [k for k in value if isinstance(value[k], list) and k != "contacts"]
            if not arrays:
                out.append(value)
            for key in arrays:
                out.extend(value[key])
    return out


EXPECTED: dict[str, list[type[Event]]] = {
    "bsuid_mixed": [MessageReceived] * 3,
    "statuses": [MessageStatus] * 10,
    "media": [MessageReceived] * 5,
    "location_contacts": [MessageReceived] * 3,
    "interactive": [ChoiceSelected, ChoiceSelected, FormSubmitted, FormSubmitted, UnknownEvent,
                    ChoiceSelected, MessageReceived, ChoiceSelected, MessageReceived],
    "reactions": [ReactionReceived] * 3,
    "unknowns": [UnknownEvent] * 7,
    "mixed": [MessageReceived, MessageStatus, UnknownEvent, UnknownEvent, TemplateStatusChanged,
              UnknownEvent, UnknownEvent, UnknownEvent, UnknownEvent, MessageReceived,
              MessageStatus, UnknownEvent],
    "group": [MessageReceived, MessageStatus],
    "timestamps": [MessageReceived] * 3 + [MessageStatus],
    "unicode": [MessageReceived],
    "edit_revoke": [MessageEdited, MessageDeleted],
}
NAMES = sorted(EXPECTED)


def test_every_holdout_fixture_is_listed() -> None:
    assert sorted(p.stem.removeprefix("holdout_") for p in DATA.glob("holdout_*.json")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_classes_order_and_raw(name: str) -> None:
    payload = load(name)
    events = parse_payload(payload)
    assert [type(e) for e in events] == EXPECTED[name]
    assert [e.raw for e in events] == items(payload)  # nothing dropped, envelope order
    for event in events:
        assert event.channel == "whatsapp"
        assert event.timestamp.tzinfo is UTC
        if isinstance(event, UnknownEvent):
            assert event.type != MALFORMED


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_and_purity(name: str) -> None:
    payload = load(name)
    before = copy.deepcopy(payload)
    events = parse_payload(payload)
    assert payload == before
    for event in events:
        back = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(back) is type(event)
        assert back.model_dump(mode="json") == event.model_dump(mode="json")


# -- identities ----------------------------------------------------------------------------------


def test_bsuid_mixes() -> None:
    both, username_only, bsuid_with_known_wa_id = parse("bsuid_mixed")
    assert both.sender == customer(WA)  # wa_id wins over from_user_id
    assert both.sender_name == "Sheena Nelson"
    assert both.recipient == BUSINESS
    assert username_only.sender == customer(BSUID2)  # never assume a phone number
    assert username_only.sender_name == "Pablo Morales"
    # Only from_user_id on the message, but its contact knows the wa_id: same user as above.
    assert bsuid_with_known_wa_id.sender == customer(WA)
    assert bsuid_with_known_wa_id.sender_name == "Sheena Nelson"
    assert [e.id for e in (both, username_only, bsuid_with_known_wa_id)] == [wid(1), wid(2), wid(3)]
    assert both.timestamp == at(1782836383)


# -- statuses ------------------------------------------------------------------------------------


def test_statuses() -> None:
    events = parse("statuses")
    assert all(isinstance(e, MessageStatus) for e in events)
    sent_cbp, delivered, read, rate, unreachable, played, sent_cb, bsuid, bsuid_known, window = \
        events
    for n, event in enumerate(events, start=1):
        assert isinstance(event, MessageStatus)
        assert event.id == event.message_id == oid(n)
        assert event.recipient == BUSINESS
    assert (sent_cbp.status, sent_cbp.sender, sent_cbp.timestamp) == ("sent", customer(WA),
                                                                      at(1698266945))
    assert sent_cbp.pricing == {"billable": True, "pricing_model": "CBP", "category": "service"}
    assert sent_cbp.error is None
    assert delivered.status == "delivered"
    assert delivered.pricing is not None and delivered.pricing["type"] == "free_customer_service"
    assert read.status == "read"
    assert read.pricing is not None and read.pricing["type"] == "free_entry_point"
    assert read.raw["conversation"]["origin"]["type"] == "referral_conversion"

    assert rate.status == "failed" and rate.pricing is None
    assert isinstance(rate.error, RateLimited)
    assert (rate.error.code, rate.error.retryable) == (131049, True)
    assert rate.error.details is not None and "healthy ecosystem" in rate.error.details
    assert unreachable.sender == customer("4915123456789")
    assert isinstance(unreachable.error, RecipientUnreachable)
    assert unreachable.error.code == 131026 and unreachable.error.retryable is False

    assert played.status == "played" and played.error is None
    assert sent_cb.callback_data == "campaign=spring-2026;variant=b"
    assert sent_cb.pricing is not None and sent_cb.pricing["category"] == "marketing_lite"

    assert bsuid.sender == customer(BSUID2)  # recipient_user_id only
    assert bsuid.sender_name is None  # a username is not a display name
    assert bsuid_known.sender == customer(WA)  # BSUID, but its contact carries the wa_id
    assert bsuid_known.status == "read"
    assert window.sender == customer(BSUID2)  # failed: no contacts[] at all
    assert isinstance(window.error, WindowClosed) and window.error.code == 131047
    assert window.timestamp == at(1782836600)


def test_group_message_and_status() -> None:
    message, status = parse("group")
    assert isinstance(message, MessageReceived) and isinstance(status, MessageStatus)
    assert message.sender == customer(WA)
    assert message.reply_to == oid(70)
    assert message.raw["group_id"] == "120363403215116621@g.us"
    assert isinstance(message.content, Image) and message.content.media_id == "998877665544"
    assert status.sender == customer("120363403215116621@g.us")
    assert status.raw["recipient_participant_id"] == WA
    assert status.sender_name is None  # the member's contact is not the group


# -- message contents ----------------------------------------------------------------------------


def test_media_variants() -> None:
    video, document, audio, sticker, image = parse("media")
    for n, event in enumerate((video, document, audio, sticker, image), start=10):
        assert isinstance(event, MessageReceived)
        assert event.id == wid(n)
        assert event.timestamp == at(1749416400 + n - 10)
        assert event.reply_to is None
    assert isinstance(video.content, Video)
    assert video.content.caption == "Unboxing the mug"
    assert video.content.media_id == "1592937421440617"
    assert video.content.mime_type == "video/mp4"
    assert video.content.download_url is not None
    assert video.content.download_url.startswith("https://lookaside.fbsbx.com/")
    assert isinstance(document.content, File)
    assert document.content.caption is None
    assert document.content.filename == "invoice-4242.pdf"
    assert isinstance(audio.content, Audio) and audio.content.voice is False
    assert audio.content.mime_type == "audio/mpeg"
    assert isinstance(sticker.content, Sticker) and sticker.content.animated is True
    assert isinstance(image.content, Image) and image.content.caption == "Look at this"
    assert image.forwarded and image.frequently_forwarded
    assert not video.forwarded and not video.frequently_forwarded


def test_locations_and_contact_cards() -> None:
    place, current, cards = parse("location_contacts")
    assert isinstance(place, MessageReceived) and isinstance(place.content, Location)
    assert (place.content.latitude, place.content.longitude) == (37.4611978, -122.2164385)
    assert place.content.name == "Meta HQ"
    assert place.content.address == "1 Hacker Way, Menlo Park, CA 94025"
    assert place.content.url == "https://maps.google.com/?cid=2000000000000000000"
    assert isinstance(current, MessageReceived) and isinstance(current.content, Location)
    assert (current.content.latitude, current.content.longitude) == (-33.8688, 151.2093)
    assert current.content.name is None and current.content.url is None
    assert isinstance(cards, MessageReceived) and isinstance(cards.content, Contacts)
    ada, charles = cards.content.contacts
    assert ada.name == "Ada King Lovelace"
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert ada.phones == ["+1 (650) 555-1299", "+1 650-555-1300", "+44 20 7946 0000"]
    assert ada.user_ids == ["16505551299", "442079460000"]
    assert ada.emails == ["ada@work.example.com", "ada@home.example.com"]
    assert ada.urls == ["https://ada.example.com", "https://blog.ada.example.com"]
    assert ada.organization == "Analytical Engines Ltd"
    assert cards.raw["contacts"][0]["birthday"] == "1815-12-10"  # kept in raw
    assert len(cards.raw["contacts"][0]["addresses"]) == 2
    assert charles.name == "Charles Babbage"
    assert charles.phones == ["+44 20 7946 0001"] and charles.user_ids == []
    assert charles.organization is None


def test_interactive_replies_and_referrals() -> None:
    (button, row, bad_form, form, call_permission, template, post_text, ad_tap,
     enquiry) = parse("interactive")
    assert isinstance(button, ChoiceSelected)
    assert (button.choice_id, button.title, button.source) == ("confirm-4242", "Confirm", "button")
    assert button.reply_to == oid(30) and button.referral is None
    assert isinstance(row, ChoiceSelected)
    assert (row.choice_id, row.title, row.source) == ("slot-tue-10", "Tuesday 10:00", "list")
    assert row.description == "Downtown branch, 30 minutes"
    assert row.reply_to == oid(31)
    assert isinstance(bad_form, FormSubmitted)  # response_json is truncated JSON: kept as text
    assert bad_form.data == {"response_json": '{"flow_token": "tok-1", "rating": 5,'}
    assert bad_form.name == "flow" and bad_form.reply_to == oid(32)
    assert isinstance(form, FormSubmitted)
    assert form.data == {"flow_token": "tok-2", "email": "s@example.com", "opt_in": True}
    assert form.name is None
    assert isinstance(call_permission, UnknownEvent)
    assert call_permission.type == "whatsapp.message.interactive.call_permission_reply"
    assert call_permission.id == wid(34) and call_permission.sender == customer(WA)
    assert isinstance(template, ChoiceSelected)
    assert (template.choice_id, template.title, template.source) == (
        "STOP_PROMOS", "Stop promotions", "template_button")
    assert template.reply_to == oid(35)

    assert isinstance(post_text, MessageReceived) and post_text.referral is not None
    assert post_text.reply_to is None
    assert (post_text.referral.source, post_text.referral.ref, post_text.referral.ad_id) == (
        "post", "987654321", None)
    assert post_text.referral.headline == "Spring mugs"
    assert post_text.referral.click_id is None
    assert isinstance(ad_tap, ChoiceSelected) and ad_tap.referral is not None
    assert (ad_tap.referral.source, ad_tap.referral.ref, ad_tap.referral.ad_id) == (
        "ad", "120226305854810726", "120226305854810726")
    assert ad_tap.referral.click_id is None  # ads shown in Status carry no ctwa_clid
    assert ad_tap.reply_to is None

    assert isinstance(enquiry, MessageReceived)
    assert enquiry.reply_to == oid(38)  # a product enquiry quotes the product message
    assert enquiry.raw["context"]["referred_product"]["product_retailer_id"] == "sku-blue-mug-01"
    assert enquiry.content == Text(text="Does this come in red?")


def test_reactions_with_missing_or_empty_emoji() -> None:
    added, removed_missing, removed_empty = parse("reactions")
    assert isinstance(added, ReactionReceived)
    assert added.emoji == "\U0001f44d\U0001f3fd" and added.message_id == oid(40)
    assert isinstance(removed_missing, ReactionReceived)
    assert removed_missing.emoji is None and removed_missing.message_id == oid(40)
    assert isinstance(removed_empty, ReactionReceived)
    assert removed_empty.emoji is None and removed_empty.message_id == oid(41)
    assert [e.id for e in (added, removed_missing, removed_empty)] == [wid(40), wid(41), wid(42)]


def test_unmodelled_messages() -> None:
    events = parse("unknowns")
    assert [e.type for e in events if isinstance(e, UnknownEvent)] == [
        "whatsapp.message.unsupported",
        "whatsapp.message.unknown",
        "whatsapp.message.order",
        "whatsapp.message.request_welcome",
        "whatsapp.message.ephemeral",
        "whatsapp.system.user_changed_user_id",
        "whatsapp.system.user_changed_number",
    ]
    assert [e.id for e in events] == [wid(n) for n in range(50, 57)]
    assert all(e.recipient == BUSINESS for e in events)
    assert [e.sender for e in events[:5]] == [customer(WA)] * 5
    assert events[0].raw["unsupported"]["type"] == "poll_creation"
    assert events[0].raw["errors"][0]["code"] == 131051
    assert events[0].timestamp == at(1749416800)
    # A user_changed_user_id notice without from/from_user_id/contacts: the previous id.
    assert events[5].sender == customer(BSUID)
    assert events[5].timestamp == at(1753851315)
    assert events[6].sender == customer(WA)  # `from` is the old number


def test_system_notice_falls_back_to_its_new_user_id() -> None:
    payload = load("unknowns")
    notice = payload["entry"][1]["changes"][0]["value"]["messages"][0]
    del notice["system"]["previous_user_id"]
    event = parse_payload(payload)[5]
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.system.user_changed_user_id"
    assert event.sender == customer("US.19876543210987654321")


def test_edit_and_revoke_point_at_the_original() -> None:
    edit, revoke = parse("edit_revoke")
    assert isinstance(edit, MessageEdited) and isinstance(revoke, MessageDeleted)
    assert (edit.id, edit.message_id) == (wid(95), wid(10))
    assert isinstance(edit.content, Image) and edit.content.caption == "Fixed caption"
    assert (revoke.id, revoke.message_id) == (wid(96), wid(11))
    assert revoke.sender == customer(WA) and revoke.timestamp == at(1749417300)


# -- several changes and entries -----------------------------------------------------------------


def test_mixed_changes_and_entries() -> None:
    (text, delivered, stop, resume, template, echo, call_in, call_end, account, text2, read2,
     error2) = parse("mixed")
    assert text.sender == customer(WA) and text.recipient == BUSINESS
    assert isinstance(delivered, MessageStatus) and delivered.message_id == oid(60)
    # user_preferences stay UnknownEvent (the contract), with the customer as sender
    assert isinstance(stop, UnknownEvent) and isinstance(resume, UnknownEvent)
    for pref, ts in ((stop, 1750031002), (resume, 1750031003)):
        assert pref.type == "whatsapp.user_preferences"
        assert pref.sender == customer(WA) and pref.recipient == BUSINESS
        assert pref.timestamp == at(ts)
    assert stop.raw["value"] == "stop" and resume.raw["value"] == "resume"

    waba = Address(channel="whatsapp", account=WABA, user=WABA)
    assert isinstance(template, TemplateStatusChanged)  # typed since issue 9
    assert template.status == "REJECTED" and template.name == "spring_sale"
    assert template.recipient == template.sender == waba
    assert template.timestamp == at(1750031100)  # the entry's time
    assert template.raw["event"] == "REJECTED"

    assert isinstance(echo, UnknownEvent) and echo.type == "whatsapp.smb_message_echoes"
    assert echo.sender == customer(BSUID2)  # to_user_id: the customer, never the business
    assert echo.id == wid(61)
    assert isinstance(call_in, UnknownEvent) and isinstance(call_end, UnknownEvent)
    assert call_in.type == call_end.type == "whatsapp.calls"
    assert call_in.sender == call_end.sender == customer(WA)  # by direction
    assert call_end.timestamp == at(1750031099)

    waba2 = Address(channel="whatsapp", account="102290129340999", user="102290129340999")
    assert isinstance(account, UnknownEvent) and account.type == "whatsapp.account_update"
    assert account.recipient == waba2 and account.timestamp == at(1750031200)
    assert text2.recipient == BUSINESS2  # second phone number of the batch
    assert text2.sender == customer("4915123456789", "106540352242999")
    assert text2.sender_name == "Kofi Mensah"
    assert isinstance(read2, MessageStatus) and read2.recipient == BUSINESS2
    assert isinstance(error2, UnknownEvent) and error2.type == "whatsapp.error"
    assert error2.recipient == BUSINESS2
    assert error2.raw["code"] == 131000


@pytest.mark.parametrize(("category", "value"), [
    ("marketing_messages", "pause"), ("service_messages", "stop"), (None, "stop"),
])
def test_other_preferences_stay_unknown(category: str | None, value: str) -> None:
    payload = load("mixed")
    pref = payload["entry"][0]["changes"][2]["value"]["user_preferences"][0]
    pref["value"] = value
    if category is None:
        del pref["category"]
    else:
        pref["category"] = category
    event = parse_payload(payload)[2]
    assert isinstance(event, UnknownEvent)
    assert event.type == "whatsapp.user_preferences"
    assert event.sender == customer(WA)


def test_preference_of_a_bsuid_user() -> None:
    payload = load("mixed")
    value = payload["entry"][0]["changes"][2]["value"]
    value["contacts"] = [{"user_id": BSUID, "profile": {"username": "@sheena"}}]
    for pref in value["user_preferences"]:
        del pref["wa_id"]
        pref["user_id"] = BSUID
    stop, resume = parse_payload(payload)[2:4]
    assert isinstance(stop, UnknownEvent) and isinstance(resume, UnknownEvent)
    assert stop.sender == resume.sender == customer(BSUID)


# -- timestamps, unicode, size -------------------------------------------------------------------


def test_timestamps() -> None:
    millis, number, missing, status = parse("timestamps")
    assert millis.timestamp == datetime(2025, 6, 8, 20, 59, 43, 123000, tzinfo=UTC)
    assert number.timestamp == at(1749416384)
    assert missing.timestamp == at(1749416390)  # the entry's time
    assert status.timestamp == datetime(2025, 6, 8, 20, 59, 45, 500000, tzinfo=UTC)
    for event in (millis, number, missing, status):
        assert event.timestamp.utcoffset() is not None
        assert event.timestamp.tzinfo is UTC


def test_unicode_is_decoded() -> None:
    raw = (DATA / "holdout_unicode.json").read_bytes()
    assert raw.isascii() and b"\\u0645" in raw  # escaped as Meta sends it
    (event,) = parse("unicode")
    assert isinstance(event, MessageReceived)
    assert event.content == Text(text="\u0645\u0631\u062d\u0628\u0627 \U0001f44b caf\u00e9 "
                                      "\u2014 \u201cquoted\u201d \u00a0end")
    assert event.sender_name == "\u0633\u0627\u0631\u0629 \u0627\u0644\u0639\u0644\u064a"
    assert event.sender == customer("971501234567")


def test_a_very_large_batch_keeps_every_item_in_order() -> None:
    template = load("media")
    value = template["entry"][0]["changes"][0]["value"]
    base = value["messages"]
    value["messages"] = []
    for n in range(1000):
        message = copy.deepcopy(base[n % len(base)])
        message["id"] = f"wamid.big{n:04d}"
        message["timestamp"] = str(1749416400 + n)
        value["messages"].append(message)
    value["statuses"] = [{"id": f"wamid.out{n:04d}", "status": "delivered",
                          "timestamp": str(1749417400 + n), "recipient_id": WA}
                         for n in range(500)]
    events = parse_payload(template)
    assert len(events) == 1500
    assert [e.id for e in events[:1000]] == [f"wamid.big{n:04d}" for n in range(1000)]
    assert all(isinstance(e, MessageReceived) for e in events[:1000])
    assert [e.id for e in events[1000:]] == [f"wamid.out{n:04d}" for n in range(500)]
    assert all(isinstance(e, MessageStatus) for e in events[1000:])


def test_a_broken_message_keeps_what_could_be_read() -> None:
    payload = load("media")
    payload["entry"][0]["changes"][0]["value"]["messages"][1]["document"] = {"filename": "x.pdf"}
    events = parse_payload(payload)
    assert [type(e) for e in events] == [MessageReceived, UnknownEvent] + [MessageReceived] * 3
    bad = events[1]
    assert isinstance(bad, UnknownEvent) and bad.type == MALFORMED
    assert (bad.id, bad.sender, bad.timestamp) == (wid(11), customer(WA), at(1749416401))


# -- through the channel -------------------------------------------------------------------------


def request(body: bytes, *, content_type: str | None = "application/json",
            signature: str | None = None, headers: dict[str, str] | None = None) -> WebhookRequest:
    all_headers = {"X-Hub-Signature-256": signature or sign_body(body, APP_SECRET)}
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    return WebhookRequest(headers=all_headers, body=body)


@pytest.mark.parametrize("name", NAMES)
def test_channel_parses_every_holdout_fixture(wa: Any, name: str) -> None:
    body = (DATA / f"holdout_{name}.json").read_bytes()
    events = wa.parse(request(body))
    expected = parse(name)
    assert [e.model_dump(mode="json") for e in events] == [
        e.model_dump(mode="json") for e in expected]


def test_signature_is_over_the_escaped_raw_bytes(wa: Any) -> None:
    body = (DATA / "holdout_unicode.json").read_bytes()
    assert len(wa.parse(request(body))) == 1
    # The same JSON re-serialised as UTF-8 is another body: the original signature fails.
    utf8 = json.dumps(json.loads(body), ensure_ascii=False, indent=2).encode() + b"\n"
    assert utf8 != body
    with pytest.raises(SignatureError):
        wa.parse(request(utf8, signature=sign_body(body, APP_SECRET)))
    assert len(wa.parse(request(utf8))) == 1  # signed as received, UTF-8 parses too


def test_tampered_holdout_body_is_refused(wa: Any) -> None:
    body = (DATA / "holdout_statuses.json").read_bytes()
    signature = sign_body(body, APP_SECRET)
    with pytest.raises(SignatureError):
        wa.parse(request(body.replace(b'"failed"', b'"read"', 1), signature=signature))


@pytest.mark.parametrize("transform", [
    lambda s: s.upper().replace("SHA256=", "sha256="),  # uppercase hex
    lambda s: s.replace("sha256=", "SHA256="),  # scheme case
    lambda s: f"  {s}  ",  # blanks around the header value
])
def test_signature_spellings_accepted(wa: Any, transform: Any) -> None:
    body = (DATA / "holdout_reactions.json").read_bytes()
    assert len(wa.parse(request(body, signature=transform(sign_body(body, APP_SECRET))))) == 3


@pytest.mark.parametrize("signature", [
    "sha256 =" + "0" * 64,
    "sha1=" + "0" * 40,
    "sha256=" + "0" * 63,
    "sha256=" + "g" * 64,
])
def test_bad_signature_spellings_refused(wa: Any, signature: str) -> None:
    body = (DATA / "holdout_reactions.json").read_bytes()
    with pytest.raises(SignatureError):
        wa.parse(request(body, signature=signature))


def test_missing_signature_header(wa: Any) -> None:
    body = (DATA / "holdout_reactions.json").read_bytes()
    with pytest.raises(SignatureError):
        wa.parse(WebhookRequest(headers={"Content-Type": "application/json"}, body=body))


def test_sha1_signature_alone_is_not_enough(wa: Any) -> None:
    import hashlib
    import hmac

    body = (DATA / "holdout_reactions.json").read_bytes()
    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    with pytest.raises(SignatureError):
        wa.parse(WebhookRequest(headers={"Content-Type": "application/json",
                                         "X-Hub-Signature": sha1}, body=body))


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "text/html; charset=utf-8",
])
def test_non_json_content_types_are_malformed(wa: Any, content_type: str) -> None:
    body = (DATA / "holdout_reactions.json").read_bytes()
    with pytest.raises(MalformedPayload):
        wa.parse(request(body, content_type=content_type))


@pytest.mark.parametrize("content_type", [None, "application/json; charset=UTF-8",
                                          "Application/JSON"])
def test_json_content_types_are_accepted(wa: Any, content_type: str | None) -> None:
    body = (DATA / "holdout_reactions.json").read_bytes()
    assert len(wa.parse(request(body, content_type=content_type))) == 3


@pytest.mark.parametrize("body", [
    b"",
    b"   \r\n\t ",
    b"\xef\xbb\xbf",
    (DATA / "holdout_mixed.json").read_bytes()[:-40],  # truncated
    b"entry=1&object=whatsapp_business_account",
    b"\x1f\x8b\x08\x00garbage",  # gzip-looking bytes
    b'{"object": "whatsapp_business_account", "entry": {}}',
    b'{"object": "instagram", "entry": []}',
])
def test_truncated_and_garbage_bodies_are_malformed(wa: Any, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        wa.parse(request(body))


def test_json_with_a_byte_order_mark_is_accepted(wa: Any) -> None:
    body = b"\xef\xbb\xbf" + (DATA / "holdout_reactions.json").read_bytes()
    events = wa.parse(request(body))
    assert [type(e) for e in events] == [ReactionReceived] * 3


def test_garbage_with_a_bad_signature_is_a_signature_error(wa: Any) -> None:
    with pytest.raises(SignatureError):
        wa.parse(request(b"not json", signature="sha256=" + "0" * 64))


def test_classification_of_a_permanent_failure() -> None:
    payload = load("statuses")
    error = payload["entry"][0]["changes"][0]["value"]["statuses"][3]["errors"][0]
    error.update(code=130472, title="User's number is part of an experiment",
                 message="User's number is part of an experiment")
    event = parse_payload(payload)[3]
    assert isinstance(event, MessageStatus) and isinstance(event.error, PermanentError)
    assert event.error.code == 130472
