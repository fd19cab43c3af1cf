"""Hold-out style Apple inbound fixtures, run through ``AppleMessages.parse`` end to end.

The fixtures in ``tests/data/apple/holdout/`` are shaped after public descriptions of Apple's
inbound traffic (Apple's MSP tutorial samples, Webex Connect, chatwoot, Tock; ``apple.md``
sections 2, 5, 6 and 9) and differ on purpose from ``tests/data/apple/*.json``: header casing,
old and new capability headers, entry points, attachments between words, multi-select lists,
legacy time-picker nesting, quick replies by identifier or index, auth / Apple Pay / form
replies, custom iMessage apps, references and unknown types. Each one is signed with a JWT,
gzipped and parsed by the channel with a fixed clock; the events are checked field by field.
The JWT and gzip edge cases after that use the same path.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

import polychat
from polychat import (
    Address,
    AppleMessages,
    Audio,
    ChoiceSelected,
    ConversationClosed,
    Event,
    File,
    FormSubmitted,
    Image,
    MalformedPayload,
    MessageReceived,
    SignatureError,
    Text,
    TypingChanged,
    UnknownEvent,
    Video,
    WebhookRequest,
)
from polychat.channels.apple.crypto import encode_jwt
from polychat.channels.apple.parse import IDR_EVENT_TYPE, INTERACTIVE, LIST_UNRESOLVED

DATA = Path(__file__).resolve().parents[2] / "data" / "apple" / "holdout"

MSP_ID = "msp-holdout-0001"
SECRET = base64.b64encode(b"holdout-secret-key-0123456789abc").decode()
KEY = base64.b64decode(SECRET)
NOW = 1_767_225_600
CLOCK = datetime.fromtimestamp(NOW, UTC)
BIZ = "5e1c9a2b-7d34-4f0e-9b61-0c2d8e4a7f13"
CUST = "urn:mbid:AQAAYxz9k/Q2+Hn0tLqW4e5rUv8=Rb7mPq+/Xy0aZ1c2d3E4f5g6h7i8j9=="
CUSTOMER = Address(channel="apple", account=BIZ, user=CUST)
BUSINESS = Address(channel="apple", account=BIZ, user=BIZ)
ALL_CAPS = frozenset({"QUICK", "LIST", "TIME", "AUTH", "AUTH2", "FORM"})
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((DATA / f"holdout_{name}.json").read_text())
    return fixture


@pytest.fixture
def channel() -> AppleMessages:
    return AppleMessages(msp_id=MSP_ID, secret=SECRET, business_id=BIZ, clock=lambda: NOW)


def bearer(claims: dict[str, Any] | None = None, key: bytes = KEY) -> str:
    return "Bearer " + encode_jwt({"aud": MSP_ID, "iat": NOW} if claims is None else claims, key)


def request(name: str = "text_intent_group", *, authorization: str | None = None,
            body: bytes | None = None, **extra_headers: str) -> WebhookRequest:
    fixture = load(name)
    headers = dict(fixture["headers"])
    headers["Authorization"] = bearer() if authorization is None else authorization
    headers.update(extra_headers)
    raw = gzip.compress(json.dumps(fixture["body"]).encode()) if body is None else body
    return WebhookRequest(headers=headers, body=raw)


def events_of(channel: AppleMessages, name: str) -> list[Event]:
    return channel.parse(request(name))


# -- every fixture: common fields ---------------------------------------------------------------

NAMES = sorted(p.stem.removeprefix("holdout_") for p in DATA.glob("holdout_*.json"))


def test_there_are_fixtures() -> None:
    assert len(NAMES) >= 25


@pytest.mark.parametrize("name", NAMES)
def test_common_fields(channel: AppleMessages, name: str) -> None:
    fixture = load(name)
    events = events_of(channel, name)
    assert events
    header_id = {k.lower(): v for k, v in fixture["headers"].items()}.get("id")
    for event in events:
        assert event.channel == "apple"
        assert event.sender == CUSTOMER
        assert event.recipient == BUSINESS
        assert event.id == fixture["body"].get("id", header_id)
        assert event.timestamp == CLOCK
        assert event.raw == fixture["body"]
        assert ANY_EVENT.validate_json(event.model_dump_json()) == event


# -- headers and text -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "caps"), [
    ("text_header_casing", frozenset({"LIST", "TIME", "QUICK"})),
    ("text_old_capabilities", frozenset({"AUTH"})),
    ("text_both_capability_headers", frozenset({"QUICK", "LIST", "AUTH"})),
    ("text_empty_capability_list", frozenset()),
    ("text_intent_group", ALL_CAPS),
])
def test_capabilities_from_either_header(channel: AppleMessages, name: str,
                                         caps: frozenset[str]) -> None:
    (event,) = events_of(channel, name)
    assert isinstance(event, MessageReceived)
    assert event.capabilities == caps
    assert event.referral is None or name == "text_intent_group"


def test_texts_keep_their_words(channel: AppleMessages) -> None:
    expected = {"text_header_casing": "Do you ship to Canada?", "text_old_capabilities": "Merci !",
                "text_ids_in_headers_only": "only headers name me"}
    for name, text in expected.items():
        (event,) = events_of(channel, name)
        assert isinstance(event, MessageReceived)
        assert event.content == Text(text=text)


def test_intent_and_group_are_an_entry_point_referral(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "text_intent_group")
    assert isinstance(event, MessageReceived)
    assert event.referral is not None
    assert (event.referral.source, event.referral.ref) == ("entry_point", "upgrade_plan")
    assert event.referral.raw == {"intent": "upgrade_plan", "group": "wireless"}


def test_group_without_intent_is_an_entry_point_without_ref(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "text_group_only")
    assert isinstance(event, MessageReceived)
    assert event.referral is not None
    assert (event.referral.source, event.referral.ref) == ("entry_point", None)
    assert event.referral.raw == {"group": "stores"}


# -- attachments ----------------------------------------------------------------------------------


def test_words_between_placeholders_are_joined(channel: AppleMessages) -> None:
    text, heic, mov = events_of(channel, "attachments_between_text")
    assert isinstance(text, MessageReceived)
    assert text.content == Text(text="Here is the receipt and the damaged box thanks")
    assert isinstance(heic, MessageReceived) and isinstance(heic.content, Image)
    assert (heic.content.mime_type, heic.content.size, heic.content.filename) == (
        "image/heic", 2345678, "IMG_2041.HEIC")
    assert isinstance(mov, MessageReceived) and isinstance(mov.content, Video)
    assert (mov.content.size, mov.content.ref) == (10485760, {
        "owner": "holdout-owner-02", "key": "00" + "B2" * 32,
        "signature": "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678"})


def test_audio_and_unknown_mime_types(channel: AppleMessages) -> None:
    audio, other = events_of(channel, "attachment_audio_unknown")
    assert isinstance(audio, MessageReceived) and isinstance(audio.content, Audio)
    assert (audio.content.mime_type, audio.content.size) == ("audio/x-caf", 48213)
    assert isinstance(other, MessageReceived) and type(other.content) is File
    assert (other.content.mime_type, other.content.size) == ("application/vnd.apple.pkpass", 90112)


def test_video_keeps_signature_base64(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "attachment_video_mp4")
    assert isinstance(event, MessageReceived) and isinstance(event.content, Video)
    assert event.content.size == 7340032
    assert event.content.ref is not None
    assert event.content.ref["signature-base64"] == "SltsfY6fABGis8TV5vcIGSNFZ4k="


# -- pickers --------------------------------------------------------------------------------------


def choices(events: list[Event]) -> list[tuple[str, str | None, str, str | None]]:
    out: list[tuple[str, str | None, str, str | None]] = []
    for event in events:
        assert isinstance(event, ChoiceSelected)
        out.append((event.choice_id, event.title, event.source, event.reply_to))
    return out


def test_multi_select_gives_one_choice_per_item(channel: AppleMessages) -> None:
    events = events_of(channel, "list_picker_multi_three")
    request_id = "9a8b7c6d-0001-4e5f-8a9b-0c1d2e3f4a5b"
    assert choices(events) == [("fruit-1", "Apple", "list", request_id),
                               ("fruit-3", "Cherry", "list", request_id),
                               ("veg-1", "Kale", "list", request_id)]
    assert len({e.id for e in events}) == 1
    assert [e.description for e in events if isinstance(e, ChoiceSelected)] == [
        "Red", "Dark", "Leafy"]


def test_selection_flags_as_strings_or_is_selected(channel: AppleMessages) -> None:
    events = events_of(channel, "list_picker_selected_string_flag")
    request_id = "9a8b7c6d-0003-4e5f-8a9b-0c1d2e3f4a5b"
    assert choices(events) == [("10", "Small", "list", request_id),
                               ("11", "Medium", "list", request_id)]


def test_single_select_by_reply_title(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "list_picker_single_by_title")
    assert choices([event]) == [("pickup", "Store pickup", "list",
                                 "9a8b7c6d-0002-4e5f-8a9b-0c1d2e3f4a5b")]
    assert isinstance(event, ChoiceSelected) and event.description == "Ready in 2 hours"


def test_reply_with_only_a_title_is_unknown(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "list_picker_title_only_reply")
    assert isinstance(event, UnknownEvent) and event.type == INTERACTIVE


def test_unmarked_list_reply_is_not_guessed(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "list_picker_unmarked")
    assert isinstance(event, UnknownEvent) and event.type == LIST_UNRESOLVED


@pytest.mark.parametrize(("name", "slot", "title", "request_id"), [
    ("time_picker_chosen_slot", "slot-42", "Tue, Jul 12, 10:00 AM",
     "9a8b7c6d-0006-4e5f-8a9b-0c1d2e3f4a5b"),
    ("time_picker_legacy_nesting", "930", "Fri 9:30 AM", "9a8b7c6d-0007-4e5f-8a9b-0c1d2e3f4a5b"),
])
def test_time_picker(channel: AppleMessages, name: str, slot: str, title: str,
                     request_id: str) -> None:
    assert choices(events_of(channel, name)) == [(slot, title, "time_slot", request_id)]


@pytest.mark.parametrize(("name", "choice", "title", "request_id"), [
    ("quick_reply_identifier_only", "agent", "Talk to an agent",
     "9a8b7c6d-0008-4e5f-8a9b-0c1d2e3f4a5b"),
    ("quick_reply_index_only", "return", "Start a return", "9a8b7c6d-0009-4e5f-8a9b-0c1d2e3f4a5b"),
    ("quick_reply_both", "track", "Track my order", "9a8b7c6d-0010-4e5f-8a9b-0c1d2e3f4a5b"),
])
def test_quick_reply(channel: AppleMessages, name: str, choice: str, title: str,
                     request_id: str) -> None:
    assert choices(events_of(channel, name)) == [(choice, title, "quick_reply", request_id)]


# -- forms, auth, Apple Pay -----------------------------------------------------------------------


def form(channel: AppleMessages, name: str) -> FormSubmitted:
    (event,) = events_of(channel, name)
    assert isinstance(event, FormSubmitted)
    data = load(name)["body"]["interactiveData"]["data"]
    assert event.reply_to == data["requestIdentifier"]
    return event


def test_auth_replies(channel: AppleMessages) -> None:
    ok = form(channel, "auth_authenticated")
    assert (ok.name, ok.data) == ("auth", {"status": "authenticated",
                                           "token": "BPkAIUholdoutEncryptedToken0000=="})
    failed = form(channel, "auth_failed")
    assert (failed.name, failed.data) == ("auth", {"status": "failed"})


def test_apple_pay_reply(channel: AppleMessages) -> None:
    event = form(channel, "apple_pay_token")
    assert event.name == "apple_pay"
    assert event.data["status"] == "STATUS_SUCCESS"
    assert event.data["paymentToken"]["transactionIdentifier"] == "ABCDEF0123456789"
    assert event.data["replyMessage"] == {"title": "Paid $24.99", "style": "icon"}


def test_form_replies(channel: AppleMessages) -> None:
    dynamic = form(channel, "form_dynamic_selections")
    assert dynamic.name == "form"
    assert dynamic.data["template"] == "messageForms"
    assert [s["pageIdentifier"] for s in dynamic.data["selections"]] == ["0", "1"]
    message = form(channel, "form_message_selections")
    assert message.data == {"selections": load("form_message_selections")["body"][
        "interactiveData"]["data"]["formMessage"]["selections"]}


# -- custom apps, references, unknown, typing, close ----------------------------------------------


@pytest.mark.parametrize(("name", "type_"), [
    ("custom_app_reply", INTERACTIVE),
    ("idr_signature_base64_only", IDR_EVENT_TYPE),
    ("unknown_rich_link", "apple.richLink"),
])
def test_unknown_events(channel: AppleMessages, name: str, type_: str) -> None:
    (event,) = events_of(channel, name)
    assert isinstance(event, UnknownEvent)
    assert event.type == type_


def test_typing_without_id(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "typing_start_no_id")
    assert isinstance(event, TypingChanged)
    assert (event.on, event.id, event.capabilities) == (True, None, frozenset({"LIST"}))


def test_close_with_extra_keys(channel: AppleMessages) -> None:
    (event,) = events_of(channel, "close_extra_keys")
    assert isinstance(event, ConversationClosed)


# -- JWT through the channel ----------------------------------------------------------------------


def jwt_with_header(header: dict[str, Any], claims: dict[str, Any], key: bytes = KEY) -> str:
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{b64(signature)}"


@pytest.mark.parametrize("authorization", [
    "bearer " + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY),
    "BEARER " + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY),
    "Bearer    " + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY) + "  ",
    "  Bearer " + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY),
    "Bearer\t" + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY),
    "Bearer " + jwt_with_header({"alg": "HS256", "typ": "JWT", "kid": "k1"}, {"aud": MSP_ID, "iat": NOW}),
    bearer({"aud": ["other", MSP_ID], "iat": NOW}),
    bearer({"aud": MSP_ID, "iat": NOW - 0.5}),
    bearer({"aud": MSP_ID, "iat": NOW, "exp": NOW + 10 * 365 * 86400}),
    bearer({"aud": MSP_ID}),  # Apple's sample checks only the signature and aud
    bearer({"aud": MSP_ID, "iat": NOW - 3000}),
    bearer({"aud": MSP_ID, "iat": NOW + 60}),  # within the clock-skew leeway
])
def test_tokens_accepted(channel: AppleMessages, authorization: str) -> None:
    (event,) = channel.parse(request(authorization=authorization))
    assert isinstance(event, MessageReceived)


def test_token_in_lowercase_header(channel: AppleMessages) -> None:
    fixture = load("text_intent_group")
    headers = {**fixture["headers"], "authorization": bearer()}
    raw = gzip.compress(json.dumps(fixture["body"]).encode())
    (event,) = channel.parse(WebhookRequest(headers=headers, body=raw))
    assert isinstance(event, MessageReceived)


@pytest.mark.parametrize("authorization", [
    "Bearer " + jwt_with_header({"alg": "none", "typ": "JWT"}, {"aud": MSP_ID, "iat": NOW}),
    "Bearer " + jwt_with_header({"alg": "none"}, {"aud": MSP_ID, "iat": NOW}).rsplit(".", 1)[0] + ".",
    "Bearer " + jwt_with_header({"alg": "HS512"}, {"aud": MSP_ID, "iat": NOW}),
    bearer(key=b"another-key-0123456789abcdef0123"),
    bearer(key=SECRET.encode()),  # the Base64 text itself, not the decoded secret
    bearer({"aud": "someone-else", "iat": NOW}),
    bearer({"aud": BIZ, "iat": NOW}),  # the business id is not the audience
    bearer({"iss": MSP_ID, "iat": NOW}),  # no aud at all
    bearer({"aud": MSP_ID, "iat": NOW, "exp": NOW - 3600}),
    bearer({"aud": MSP_ID, "iat": NOW - 86400}),
    bearer({"aud": MSP_ID, "iat": NOW + 86400}),
    bearer({"aud": MSP_ID, "iat": "yesterday"}),
    "Bearer " + encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY)[:-2],
])
def test_tokens_refused_with_403(channel: AppleMessages, authorization: str) -> None:
    with pytest.raises(SignatureError) as caught:
        channel.parse(request(authorization=authorization))
    assert caught.value.status_hint == 403


@pytest.mark.parametrize("authorization", [
    "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY),
])
def test_missing_bearer_is_401(channel: AppleMessages, authorization: str) -> None:
    with pytest.raises(SignatureError) as caught:
        channel.parse(request(authorization=authorization))
    assert caught.value.status_hint == 401


# -- gzip through the channel ---------------------------------------------------------------------


def plain(name: str = "text_intent_group") -> bytes:
    return json.dumps(load(name)["body"]).encode()


def test_gzip_without_content_encoding(channel: AppleMessages) -> None:
    (event,) = channel.parse(request(body=gzip.compress(plain())))
    assert isinstance(event, MessageReceived)


def test_content_encoding_with_plain_json(channel: AppleMessages) -> None:
    (event,) = channel.parse(request(body=plain(), **{"Content-Encoding": "gzip"}))
    assert isinstance(event, MessageReceived)


def test_two_gzip_members_are_one_body(channel: AppleMessages) -> None:
    whole = plain()
    body = gzip.compress(whole[:10]) + gzip.compress(whole[10:])
    (event,) = channel.parse(request(body=body))
    assert isinstance(event, MessageReceived)


def test_zero_padding_after_gzip_is_accepted(channel: AppleMessages) -> None:
    # Python's gzip module (Apple's samples read the body with it) skips trailing zero bytes.
    assert gzip.decompress(gzip.compress(plain()) + bytes(8)) == plain()
    (event,) = channel.parse(request(body=gzip.compress(plain()) + bytes(8)))
    assert isinstance(event, MessageReceived)


def test_double_gzip_is_malformed(channel: AppleMessages) -> None:
    # Apple's samples gunzip once and then parse JSON: a body gzipped twice is refused there too.
    with pytest.raises(MalformedPayload):
        channel.parse(request(body=gzip.compress(gzip.compress(plain()))))


@pytest.mark.parametrize("tail", [b"garbage", b"\x1f", b"\x1f\x8b\x08"])
def test_trailing_garbage_is_malformed(channel: AppleMessages, tail: bytes) -> None:
    with pytest.raises(MalformedPayload):
        channel.parse(request(body=gzip.compress(plain()) + tail))


@pytest.mark.parametrize("cut", [1, 8, 20])
def test_truncated_gzip_is_malformed(channel: AppleMessages, cut: int) -> None:
    whole = gzip.compress(plain())
    with pytest.raises(MalformedPayload):
        channel.parse(request(body=whole[:-cut]))


def test_bomb_past_16_mb_is_malformed(channel: AppleMessages) -> None:
    padding = b" " * (16 * 1024 * 1024)
    bomb = gzip.compress(plain()[:-1] + padding + b"}")
    assert len(bomb) < 100_000
    with pytest.raises(MalformedPayload):
        channel.parse(request(body=bomb))


def test_body_just_under_the_cap_parses(channel: AppleMessages) -> None:
    body = plain()
    padded = body[:-1] + b" " * (16 * 1024 * 1024 - len(body)) + b"}"
    assert len(padded) == 16 * 1024 * 1024
    (event,) = channel.parse(request(body=gzip.compress(padded)))
    assert isinstance(event, MessageReceived)


def test_signature_is_checked_before_the_body(channel: AppleMessages) -> None:
    with pytest.raises(SignatureError):
        channel.parse(request(authorization=bearer(key=b"x" * 32), body=b"\x1f\x8b broken"))


@pytest.mark.parametrize(("text", "expected"), [
    ("See \ufffc and \ufffc here", "See and here"),
    ("See\ufffcand", "See and"),
    ("Photo:\ufffc\nCaption", "Photo:\nCaption"),
    ("\ufffc\ufffc  Two files", "Two files"),
    ("Line one \ufffc\n\ufffc line two", "Line one\nline two"),
])
def test_placeholder_removal(text: str, expected: str) -> None:
    from polychat.channels.apple.parse import parse_message

    attachments = [{"url": f"https://x/{n}"} for n in range(text.count("\ufffc"))]
    body = {"v": 1, "type": "text", "id": "m", "sourceId": CUST, "destinationId": BIZ,
            "body": text, "attachments": attachments}
    first = parse_message(body, {}, received_at=CLOCK)[0]
    assert isinstance(first, MessageReceived)
    assert first.content == Text(text=expected)
