"""Apple Messages for Business parsing: fixtures in tests/data/apple/ in, events out.

Each fixture is ``{"headers": {...}, "body": {...}}``: Apple splits a message between the
request headers (ids, ``capability-list``) and the gzip-compressed JSON body (apple.md section 5).
The table below fixes the event classes and their order for every fixture; the tests after it
check the fields, the defensive readings of undocumented shapes (list selections, quick replies,
forms, decoded references), broken pieces, and the whole path through ``AppleMessages.parse``
with a signed JWT and a gzip body.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

import polychat
from polychat import (
    Address,
    Audio,
    ChoiceSelected,
    ConversationClosed,
    Event,
    File,
    FormSubmitted,
    Image,
    MalformedPayload,
    MessageReceived,
    ReferralInfo,
    SignatureError,
    Text,
    TypingChanged,
    UnknownEvent,
    Video,
    WebhookRequest,
)
from polychat.channels.apple.parse import (
    IDR_EVENT_TYPE,
    INTERACTIVE,
    LIST_UNRESOLVED,
    MALFORMED,
    NO_BUSINESS,
    QUICK_REPLY_UNRESOLVED,
    TIME_UNRESOLVED,
    parse_capabilities,
    parse_message,
    parse_resolved,
)
from polychat.wire import Headers

DATA = Path(__file__).resolve().parents[2] / "data" / "apple"

BIZ = "fake-business-0000-aaaa"
CUSTOMER_ID = "urn:mbid:AQAAY/fakeCustomer+Id0000="
MSP_ID = "fake-msp-id"
SECRET = base64.b64encode(b"fake-secret-0123456789abcdef0123").decode()
KEY = base64.b64decode(SECRET)
NOW = 1767000000
RECEIVED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ALL_CAPS = frozenset({"QUICK", "LIST", "TIME", "AUTH", "AUTH2", "FORM"})

BUSINESS = Address(channel="apple", account=BIZ, user=BIZ)
CUSTOMER = Address(channel="apple", account=BIZ, user=CUSTOMER_ID)

ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def load(name: str) -> tuple[dict[str, str], dict[str, Any]]:
    data = json.loads((DATA / f"{name}.json").read_text())
    return data["headers"], data["body"]


def parse(name: str) -> list[Event]:
    headers, body = load(name)
    return parse_message(body, headers, received_at=RECEIVED)


def one(name: str) -> Any:
    events = parse(name)
    assert len(events) == 1, events
    return events[0]


def message_id(name: str) -> str:
    headers, _ = load(name)
    return headers["id"]


def reply_id(name: str) -> str:
    _, body = load(name)
    request: str = body["interactiveData"]["data"]["requestIdentifier"]
    return request


def body_of(type_: str = "text", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"v": 1, "type": type_, "id": "m-1", "sourceId": CUSTOMER_ID,
                            "destinationId": BIZ}
    body.update(fields)
    return body


def interactive(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return body_of("interactive", interactiveData={"bid": "bid", "data": data, **extra})


def run(body: dict[str, Any], headers: Mapping[str, str] | None = None) -> list[Event]:
    return parse_message(body, {} if headers is None else headers, received_at=RECEIVED)


def run_one(body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Any:
    events = run(body, headers)
    assert len(events) == 1, events
    return events[0]


# -- every fixture: classes and order ------------------------------------------------------------

EXPECTED: dict[str, list[type[Event]]] = {
    "text": [MessageReceived],
    "text_entry_point": [MessageReceived],
    "text_ids_in_headers": [MessageReceived],
    "capabilities_old": [MessageReceived],
    "typing_start": [TypingChanged],
    "typing_end": [TypingChanged],
    "close": [ConversationClosed],
    "attachment_image": [MessageReceived],
    "attachment_pdf": [MessageReceived],
    "attachments_with_text": [MessageReceived] * 3,
    "list_picker_single": [ChoiceSelected],
    "list_picker_multi": [ChoiceSelected, ChoiceSelected],
    "list_picker_by_title": [ChoiceSelected],
    "list_picker_selected_items": [ChoiceSelected, ChoiceSelected],
    "list_picker_unresolved": [UnknownEvent],
    "time_picker": [ChoiceSelected],
    "quick_reply_identifier": [ChoiceSelected],
    "quick_reply_index": [ChoiceSelected],
    "auth": [FormSubmitted],
    "apple_pay": [FormSubmitted],
    "form": [FormSubmitted],
    "form_message": [FormSubmitted],
    "idr": [UnknownEvent],
    "custom_app": [UnknownEvent],
    "unknown_type": [UnknownEvent],
}

FIXTURES = sorted(EXPECTED)


def test_every_fixture_is_listed() -> None:
    assert sorted(p.stem for p in DATA.glob("*.json")) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_event_classes_and_order(name: str) -> None:
    assert [type(e) for e in parse(name)] == EXPECTED[name]


@pytest.mark.parametrize("name", FIXTURES)
def test_common_fields(name: str) -> None:
    headers, body = load(name)
    for event in parse(name):
        assert event.channel == "apple"
        assert event.sender == CUSTOMER
        assert event.recipient == BUSINESS
        assert event.id == headers["id"]
        assert event.timestamp == RECEIVED
        assert event.sender_name is None
        assert event.raw == body


@pytest.mark.parametrize("name", FIXTURES)
def test_every_event_round_trips_through_json(name: str) -> None:
    for event in parse(name):
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored == event


@pytest.mark.parametrize("name", FIXTURES)
def test_parsing_does_not_touch_the_input(name: str) -> None:
    headers, body = load(name)
    before = copy.deepcopy(body)
    parse_message(body, headers, received_at=RECEIVED)
    assert body == before


# -- text, typing, close -------------------------------------------------------------------------


def test_text() -> None:
    event = one("text")
    assert event.content == Text(text="Nice to meet you")
    assert event.referral is None
    assert event.reply_to is None
    assert event.capabilities == ALL_CAPS


def test_text_from_an_entry_point_carries_the_intent() -> None:
    event = one("text_entry_point")
    assert event.content == Text(text="I have a question about my bill")
    assert event.referral == ReferralInfo(source="entry_point", ref="billing",
                                          raw={"intent": "billing", "group": "cards"})


def test_group_without_intent() -> None:
    event = run_one(body_of(body="hi", group="cards"))
    assert event.referral == ReferralInfo(source="entry_point", ref=None, raw={"group": "cards"})


def test_ids_may_come_from_the_headers_only() -> None:
    event = one("text_ids_in_headers")
    assert event.content == Text(text="ids only in headers")
    assert event.capabilities is None


def test_body_ids_win_over_headers() -> None:
    headers = {"id": "header-id", "source-id": "urn:mbid:other", "destination-id": "other-biz"}
    event = run_one(body_of(body="x"), headers)
    assert (event.id, event.sender, event.recipient) == ("m-1", CUSTOMER, BUSINESS)


def test_opaque_customer_id_is_kept_byte_exact() -> None:
    weird = "urn:mbid:AQAAY/+/==ab+c/d=="
    event = run_one(body_of(body="x", sourceId=weird))
    assert event.sender.user == weird
    assert str(event.sender) == f"apple:{BIZ}:{weird}"
    assert Address.parse(str(event.sender)) == event.sender


def test_urn_biz_prefix_is_removed() -> None:
    event = run_one(body_of(body="x", destinationId=f"urn:biz:{BIZ}"))
    assert event.recipient == BUSINESS


def test_no_business_id_gives_a_placeholder() -> None:
    body = body_of(body="x")
    del body["destinationId"]
    event = run_one(body)
    assert event.recipient == Address(channel="apple", account=NO_BUSINESS, user=NO_BUSINESS)
    assert event.sender.user == CUSTOMER_ID


def test_no_customer_is_a_malformed_item() -> None:
    body = body_of(body="x")
    del body["sourceId"]
    event = run_one(body)
    assert isinstance(event, UnknownEvent)
    assert event.type == MALFORMED
    assert event.sender == BUSINESS
    assert event.raw == body


@pytest.mark.parametrize(("name", "on"), [("typing_start", True), ("typing_end", False)])
def test_typing(name: str, on: bool) -> None:
    event = one(name)
    assert event.on is on
    assert event.kind == "typing"


def test_close() -> None:
    event = one("close")
    assert isinstance(event, ConversationClosed)
    assert event.capabilities == ALL_CAPS


def test_unknown_type() -> None:
    event = one("unknown_type")
    assert event.type == "apple.tapback"


def test_unknown_type_without_a_customer_keeps_its_type() -> None:
    event = run_one({"type": "richLink", "richLinkData": {}})
    assert event.type == "apple.richLink"
    assert event.sender.user == NO_BUSINESS


# -- attachments ---------------------------------------------------------------------------------


def test_image_attachment() -> None:
    event = one("attachment_image")
    _, body = load("attachment_image")
    attachment = body["attachments"][0]
    assert event.content == Image(
        url=attachment["url"], filename="IMG_0869.jpeg", mime_type="image/jpeg", size=146021,
        ref={"owner": attachment["owner"], "key": attachment["key"],
             "signature": attachment["signature"]})
    assert event.referral is None


def test_file_attachment_with_string_size_and_base64_signature() -> None:
    event = one("attachment_pdf")
    _, body = load("attachment_pdf")
    attachment = body["attachments"][0]
    assert isinstance(event.content, File)
    assert event.content.size == 48211
    assert event.content.mime_type == "application/pdf"
    assert event.content.filename == "invoice-2026-11.pdf"
    assert event.content.ref == {key: attachment[key] for key in
                                 ("owner", "key", "signature", "signature-base64")}


def test_text_then_attachments_in_order() -> None:
    text, image, video = parse("attachments_with_text")
    assert text.content == Text(text="Here are both:")  # type: ignore[attr-defined]
    assert isinstance(image.content, Image)  # type: ignore[attr-defined]
    assert image.content.size == 20480  # type: ignore[attr-defined]
    assert isinstance(video.content, Video)  # type: ignore[attr-defined]
    assert video.content.size == 1048576  # type: ignore[attr-defined]
    assert video.content.filename == "IMG_0871.MOV"  # type: ignore[attr-defined]


def test_attachments_carry_the_entry_point() -> None:
    attachment = {"url": "https://x/1", "mimeType": "audio/mp4", "owner": "o", "key": "00ab"}
    event = run_one(body_of(body="\ufffc", intent="support", attachments=[attachment]))
    assert isinstance(event.content, Audio)
    assert event.referral.ref == "support"


@pytest.mark.parametrize(("mime", "kind"), [
    ("image/heic", Image), ("IMAGE/PNG", Image), ("video/mp4", Video), ("audio/x-m4a", Audio),
    ("application/pdf", File), ("text/vcard", File), (None, File), (7, File),
])
def test_media_class_by_mime_type(mime: Any, kind: type) -> None:
    attachment: dict[str, Any] = {"url": "https://x/1", "name": "f"}
    if mime is not None:
        attachment["mimeType"] = mime
    event = run_one(body_of(body="\ufffc", attachments=[attachment]))
    assert type(event.content) is kind


@pytest.mark.parametrize(("size", "expected"), [
    (146021, 146021), ("146021", 146021), (" 12 ", 12), (1.0, 1), ("1.5", None), (-1, None),
    (True, None), ("abc", None), (None, None), ({}, None),
])
def test_attachment_size_is_coerced(size: Any, expected: int | None) -> None:
    event = run_one(body_of(body="\ufffc", attachments=[{"url": "https://x/1", "size": size}]))
    assert event.content.size == expected


def test_placeholders_only_give_no_text_event() -> None:
    events = run(body_of(body="\ufffc \ufffc", attachments=[{"url": "https://x/1"},
                                                            {"url": "https://x/2"}]))
    assert [e.content.url for e in events] == ["https://x/1", "https://x/2"]  # type: ignore[attr-defined]


def test_text_without_placeholders_is_kept_exactly() -> None:
    assert run_one(body_of(body="  spaced  ")).content == Text(text="  spaced  ")


def test_broken_attachment_becomes_a_malformed_piece() -> None:
    broken = {"name": "no-url.jpeg", "mimeType": "image/jpeg"}
    events = run(body_of(body="look \ufffc\ufffc\ufffc",
                         attachments=[{"url": "https://x/1"}, broken, "junk"]))
    assert [type(e) for e in events] == [MessageReceived, MessageReceived, UnknownEvent,
                                         UnknownEvent]
    assert events[0].content == Text(text="look")  # type: ignore[attr-defined]
    assert events[2].type == MALFORMED  # type: ignore[attr-defined]
    assert events[2].raw == broken
    assert events[3].raw == "junk"
    assert all(e.id == "m-1" and e.sender == CUSTOMER for e in events)


def test_attachments_not_a_list() -> None:
    body = body_of(body="hello", attachments={"url": "https://x/1"})
    text, broken = run(body)
    assert text.content == Text(text="hello")  # type: ignore[attr-defined]
    assert broken.type == MALFORMED  # type: ignore[attr-defined]
    assert broken.raw == body


@pytest.mark.parametrize("body", [
    body_of(),
    body_of(body=""),
    body_of(body="\ufffc"),
    body_of(body=None, attachments=[]),
    body_of(body=42),
])
def test_text_without_content_is_malformed(body: dict[str, Any]) -> None:
    event = run_one(body)
    assert event.type == MALFORMED
    assert event.raw == body


# -- capabilities and time -----------------------------------------------------------------------


def test_older_capabilities_header() -> None:
    assert one("capabilities_old").capabilities == frozenset({"AUTH"})


@pytest.mark.parametrize(("headers", "expected"), [
    ({}, None),
    ({"capability-list": ""}, frozenset()),
    ({"capability-list": "quick, list ,TIME,,auth2"}, frozenset({"QUICK", "LIST", "TIME", "AUTH2"})),
    ({"Capability-List": "FORM"}, frozenset({"FORM"})),
    ({"capabilities": "auth"}, frozenset({"AUTH"})),
    ({"capabilities": "AUTH,1.00"}, frozenset({"AUTH"})),
    ({"capabilities": "AUTH2,2.0;list 1"}, frozenset({"AUTH2", "LIST"})),
    ({"capability-list": "QUICK", "capabilities": "AUTH,1.00"}, frozenset({"QUICK", "AUTH"})),
])
def test_capabilities(headers: dict[str, str], expected: frozenset[str] | None) -> None:
    assert parse_capabilities(headers) == expected
    assert parse_capabilities(Headers(headers)) == expected
    assert run_one(body_of(body="x"), headers).capabilities == expected


def test_capabilities_ride_on_every_event() -> None:
    events = parse("list_picker_multi")
    assert all(e.capabilities == ALL_CAPS for e in events)


def test_date_header_gives_the_time() -> None:
    headers = {"Date": "Thu, 26 Nov 2026 10:00:00 GMT"}
    event = run_one(body_of(body="x"), headers)
    assert event.timestamp == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("date", ["yesterday", "", "Thu, 99 Nov 2026 10:00:00 GMT"])
def test_bad_date_header_falls_back_to_received_at(date: str) -> None:
    assert run_one(body_of(body="x"), {"date": date}).timestamp == RECEIVED


def test_received_at_defaults_to_now() -> None:
    before = datetime.now(UTC)
    (event,) = parse_message(body_of(body="x"), {})
    assert before - timedelta(seconds=1) <= event.timestamp <= datetime.now(UTC)


def test_received_at_is_made_utc() -> None:
    paris = datetime(2026, 11, 26, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    (event,) = parse_message(body_of(body="x"), {}, received_at=paris)
    assert event.timestamp == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    assert event.timestamp.utcoffset() == timedelta(0)
    (naive,) = parse_message(body_of(body="x"), {}, received_at=datetime(2026, 1, 1))
    assert naive.timestamp == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("body", [None, [], "text", {"type": 1}, {"body": "x"}])
def test_a_body_that_is_not_a_message_is_refused(body: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_message(body, {})


# -- list picker ---------------------------------------------------------------------------------


def test_list_picker_single_selection() -> None:
    event = one("list_picker_single")
    assert (event.choice_id, event.title, event.description, event.source) == (
        "2", "Banana", "Yellow and sweet", "list")
    assert event.reply_to == reply_id("list_picker_single")


def test_list_picker_multi_selection_gives_one_choice_per_item() -> None:
    events = parse("list_picker_multi")
    assert [(e.choice_id, e.title, e.description) for e in events] == [  # type: ignore[attr-defined]
        ("1", "Apple", "Red and delicious"), ("3", "Carrot", "Crunchy")]
    assert {e.id for e in events} == {message_id("list_picker_multi")}
    assert {e.reply_to for e in events} == {reply_id("list_picker_multi")}  # type: ignore[attr-defined]


def test_list_picker_resolved_by_the_reply_title() -> None:
    event = one("list_picker_by_title")
    assert (event.choice_id, event.title, event.description) == ("3", "Carrot", "Crunchy")


def test_list_picker_selected_items_array() -> None:
    events = parse("list_picker_selected_items")
    assert [(e.choice_id, e.description) for e in events] == [  # type: ignore[attr-defined]
        ("2", "Yellow and sweet"), ("3", "Crunchy")]


def test_list_picker_never_guesses_among_several_items() -> None:
    event = one("list_picker_unresolved")
    assert event.type == LIST_UNRESOLVED
    assert event.raw == load("list_picker_unresolved")[1]


def picker(*items: dict[str, Any], reply: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"requestIdentifier": "req-1",
                            "listPicker": {"sections": [{"title": "S", "items": list(items)}],
                                           **extra}}
    if reply is not None:
        data["replyMessage"] = reply
    return interactive(data)


A = {"identifier": "a", "title": "Apple", "subtitle": "red"}
B = {"identifier": "b", "title": "Banana"}
C = {"identifier": 3, "title": "Cherry"}


@pytest.mark.parametrize(("body", "expected"), [
    (picker({**A, "selected": "true"}, B), ["a"]),
    (picker({**A, "selected": 1}, {**B, "selected": True}), ["a", "b"]),
    (picker(A, B, selectedIdentifiers=["b", "a"]), ["b", "a"]),
    (picker(A, B, selectedItems=["zz"]), ["zz"]),  # the platform says so, even if not listed
    (picker(A, B, C, selectedItemIdentifiers=[3]), ["3"]),
    (picker(A, B, reply={"title": "Apple"}), ["a"]),
    (picker(A, B, reply={"title": "Selected", "alternateTitle": "Banana"}), ["b"]),
    (picker(A, reply={"title": "Something else"}), ["a"]),
    (picker(C), ["3"]),
    (picker({**A, "selected": True}, {**A, "selected": True}), ["a"]),  # one per identifier
])
def test_list_selection_clues(body: dict[str, Any], expected: list[str]) -> None:
    events = run(body)
    assert all(isinstance(e, ChoiceSelected) for e in events), events
    assert [e.choice_id for e in events] == expected  # type: ignore[attr-defined]
    assert {e.reply_to for e in events} == {"req-1"}  # type: ignore[attr-defined]


def test_selected_items_array_keeps_titles_of_unlisted_items() -> None:
    (event,) = run(picker(A, B, selectedItems=[{"identifier": "z", "title": "Zucchini"}]))
    assert (event.choice_id, event.title) == ("z", "Zucchini")  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", [
    picker(A, B),
    picker(A, B, reply={"title": "Nothing matches"}),
    picker(A, {**B, "title": "Apple"}, reply={"title": "Apple"}),  # two items share the title
    picker({"title": "no id", "selected": True}, B),
    picker(),
])
def test_list_selection_unresolved(body: dict[str, Any]) -> None:
    event = run_one(body)
    assert event.type == LIST_UNRESOLVED
    assert event.raw == body


def test_list_picker_with_entry_point_carries_it() -> None:
    body = picker({**A, "selected": True})
    body["intent"] = "produce"
    assert run_one(body).referral.ref == "produce"


def test_reply_bubble_may_sit_beside_data() -> None:
    body = interactive({"listPicker": {"sections": [{"items": [A, B]}]}},
                       replyMessage={"title": "Banana"})
    event = run_one(body)
    assert event.choice_id == "b"
    assert event.reply_to is None


# -- time picker, quick reply --------------------------------------------------------------------


def test_time_picker() -> None:
    event = one("time_picker")
    assert (event.choice_id, event.title, event.source) == (
        "653", "Thu, Dec 28 at 6:30 AM", "time_slot")
    assert event.reply_to == reply_id("time_picker")


def slots(*timeslots: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return interactive({"requestIdentifier": "req-2",
                        "event": {"identifier": "1", "timeslots": list(timeslots), **extra}})


S1 = {"identifier": "s1", "startTime": "2026-12-01T09:00+0000", "duration": 3600}
S2 = {"identifier": "s2", "startTime": "2026-12-01T10:00+0000", "duration": "3600"}


@pytest.mark.parametrize(("body", "expected"), [
    (slots(S1), "s1"),
    (slots(S1, {**S2, "selected": True}), "s2"),
    (slots(S1, S2, selectedTimeslot="s1"), "s1"),
    (slots(S1, S2, selectedTimeslots=[S2]), "s2"),
])
def test_time_slot_clues(body: dict[str, Any], expected: str) -> None:
    event = run_one(body)
    assert (event.choice_id, event.title) == (expected, None)


@pytest.mark.parametrize("body", [slots(S1, S2), slots(), slots({"startTime": "x"})])
def test_time_slot_unresolved(body: dict[str, Any]) -> None:
    assert run_one(body).type == TIME_UNRESOLVED


def test_quick_reply_by_identifier() -> None:
    event = one("quick_reply_identifier")
    assert (event.choice_id, event.title, event.source) == ("2", "Talk to an agent", "quick_reply")
    assert event.reply_to == reply_id("quick_reply_identifier")


def test_quick_reply_by_index_string() -> None:
    event = one("quick_reply_index")
    assert (event.choice_id, event.title) == ("track", "Track my order")


def quick(reply: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"quick-reply": {"items": [{"identifier": "1", "title": "One"},
                                                      {"identifier": "2", "title": "Two"}],
                                            **fields}}
    if reply is not None:
        data["replyMessage"] = reply
    return interactive(data)


@pytest.mark.parametrize(("body", "expected"), [
    (quick(selectedIndex=0), ("1", "One")),
    (quick(selectedIndex=1.0), ("2", "Two")),
    (quick(selectedIdentifier="9", reply={"title": "Nine"}), ("9", "Nine")),
    (quick(selectedIdentifier=2), ("2", "Two")),
    (quick(selectedIndex=7, reply={"title": "Two"}), ("2", "Two")),
    (quick(reply={"title": "One"}), ("1", "One")),
    (quick(items=[{"identifier": "x", "title": "X"}]), ("x", "X")),
])
def test_quick_reply_clues(body: dict[str, Any], expected: tuple[str, str]) -> None:
    event = run_one(body)
    assert (event.choice_id, event.title) == expected


@pytest.mark.parametrize("body", [
    quick(),
    quick(selectedIndex=-1),
    quick(selectedIndex="one"),
    quick(selectedIndex=True),
    quick(items=[]),
    quick(items=[{"identifier": "1", "selected": True}, {"identifier": "2", "selected": True}]),
])
def test_quick_reply_unresolved(body: dict[str, Any]) -> None:
    assert run_one(body).type == QUICK_REPLY_UNRESOLVED


# -- auth, Apple Pay, forms, other interactive ---------------------------------------------------


def test_auth() -> None:
    event = one("auth")
    assert event.name == "auth"
    assert event.data == load("auth")[1]["interactiveData"]["data"]["authenticate"]
    assert event.data["status"] == "authenticated"
    assert event.reply_to == reply_id("auth")


def test_apple_pay() -> None:
    event = one("apple_pay")
    data = load("apple_pay")[1]["interactiveData"]["data"]
    assert event.name == "apple_pay"
    assert event.data == {**data["payment"], "replyMessage": data["replyMessage"]}
    assert event.data["status"] == "success"
    assert event.reply_to == reply_id("apple_pay")


def test_apple_pay_status_beside_the_payment() -> None:
    event = run_one(interactive({"payment": {"paymentRequest": {}}, "status": "failed"}))
    assert event.data == {"paymentRequest": {}, "status": "failed"}


def test_form() -> None:
    event = one("form")
    dynamic = load("form")[1]["interactiveData"]["data"]["dynamic"]
    assert event.name == "form"
    assert event.data == dynamic
    assert [s["pageIdentifier"] for s in event.data["selections"]] == ["0", "1"]
    assert event.reply_to == reply_id("form")


def test_form_message() -> None:
    event = one("form_message")
    form_message = load("form_message")[1]["interactiveData"]["data"]["formMessage"]
    assert event.data == {"selections": form_message["selections"]}


@pytest.mark.parametrize(("data", "selections"), [
    ({"dynamic": {"template": "messageForms"}}, []),
    ({"dynamic": {"data": {"pages": [], "selections": [{"pageIdentifier": "0"}]}}},
     [{"pageIdentifier": "0"}]),
    ({"dynamic": {"formMessage": [{"pageIdentifier": "1"}]}}, [{"pageIdentifier": "1"}]),
    ({"dynamic": {}, "selections": [{"pageIdentifier": "2"}]}, [{"pageIdentifier": "2"}]),
])
def test_form_selection_places(data: dict[str, Any], selections: list[Any]) -> None:
    event = run_one(interactive(data))
    assert event.name == "form"
    assert event.data["selections"] == selections


def test_custom_imessage_app() -> None:
    event = one("custom_app")
    assert event.type == INTERACTIVE


def test_interactive_data_with_unknown_keys() -> None:
    assert run_one(interactive({"requestIdentifier": "r", "somethingNew": {}})).type == INTERACTIVE


@pytest.mark.parametrize("body", [
    body_of("interactive"),
    body_of("interactive", interactiveData="x"),
    body_of("interactive", interactiveDataRef=["x"]),
    interactive({"listPicker": []}),
    interactive({"event": "x"}),
    interactive({"quick-reply": None}),
    interactive({"authenticate": "ok"}),
    interactive({"payment": 1}),
    interactive({"dynamic": []}),
])
def test_broken_interactive_pieces(body: dict[str, Any]) -> None:
    event = run_one(body)
    assert event.type == MALFORMED
    assert event.raw == body


# -- references (IDR) ----------------------------------------------------------------------------


def test_interactive_data_ref_is_left_to_the_hub() -> None:
    event = one("idr")
    assert event.type == IDR_EVENT_TYPE == "apple.interactive_data_ref"
    assert event.raw["interactiveDataRef"]["url"].startswith("https://")


def test_inline_data_wins_over_a_reference() -> None:
    body = picker({**A, "selected": True})
    body["interactiveDataRef"] = {"url": "https://x"}
    assert run_one(body).choice_id == "a"


MULTI = load("list_picker_multi")[1]["interactiveData"]


@pytest.mark.parametrize("decoded", [
    MULTI,
    {"interactiveData": MULTI},
    {"v": 1, "type": "interactive", "interactiveData": MULTI},
    {"data": MULTI["data"]},
    MULTI["data"],
    json.dumps(MULTI),
])
def test_resolved_reference_shapes(decoded: Any) -> None:
    idr = one("idr")
    events = parse_resolved(idr, decoded)
    assert [(e.choice_id, e.title) for e in events] == [  # type: ignore[attr-defined]
        ("1", "Apple"), ("3", "Carrot")]
    for event in events:
        assert isinstance(event, ChoiceSelected)
        assert (event.sender, event.recipient, event.id, event.timestamp, event.capabilities) == (
            idr.sender, idr.recipient, idr.id, idr.timestamp, idr.capabilities)
        assert event.reply_to == MULTI["data"]["requestIdentifier"]
        assert event.raw["interactiveDataRef"] == idr.raw["interactiveDataRef"]
        assert event.raw["interactiveData"]["data"] == MULTI["data"]
        assert ANY_EVENT.validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("decoded", [None, [], "not json", {"unrelated": 1}, {"data": "x"}, 7])
def test_unresolvable_reference_is_returned_unchanged(decoded: Any) -> None:
    idr = one("idr")
    assert parse_resolved(idr, decoded) == [idr]


def test_resolved_reference_of_other_kinds() -> None:
    idr = one("idr")
    (form,) = parse_resolved(idr, {"data": {"requestIdentifier": "r", "dynamic": {"selections": []}}})
    assert isinstance(form, FormSubmitted)
    assert form.reply_to == "r"
    (custom,) = parse_resolved(idr, {"interactiveData": {"appId": 1, "URL": "?a=b"}})
    assert custom.type == INTERACTIVE  # type: ignore[attr-defined]
    (unresolved,) = parse_resolved(idr, {"data": {"listPicker": {"sections": [{"items": [A, B]}]}}})
    assert unresolved.type == LIST_UNRESOLVED  # type: ignore[attr-defined]
    (broken,) = parse_resolved(idr, {"data": {"listPicker": 5}})
    assert broken.type == MALFORMED  # type: ignore[attr-defined]


def test_resolved_reference_keeps_the_entry_point() -> None:
    headers, body = load("idr")
    body["intent"] = "produce"
    (idr,) = parse_message(body, headers, received_at=RECEIVED)
    assert isinstance(idr, UnknownEvent)
    events = parse_resolved(idr, MULTI)
    assert {e.referral.ref for e in events} == {"produce"}  # type: ignore[attr-defined]


# -- through the channel -------------------------------------------------------------------------


@pytest.fixture
def channel() -> Any:
    from polychat.channels.apple.channel import AppleMessages

    return AppleMessages(msp_id=MSP_ID, secret=SECRET, business_id=BIZ, clock=lambda: NOW + 0.0)


def token(claims: dict[str, Any] | None = None, key: bytes = KEY) -> str:
    from polychat.channels.apple.crypto import encode_jwt

    return encode_jwt(claims if claims is not None else {"aud": MSP_ID, "iat": NOW}, key)


def request(name: str, *, body: bytes | None = None, compress: bool = True,
            authorization: str | None = "default") -> WebhookRequest:
    headers, parsed = load(name)
    raw = body if body is not None else json.dumps(parsed).encode()
    sent = dict(headers)
    if compress:
        raw = gzip.compress(raw)
        sent["Content-Encoding"] = "gzip"
    if authorization == "default":
        sent["Authorization"] = f"Bearer {token()}"
    elif authorization is not None:
        sent["Authorization"] = authorization
    return WebhookRequest(headers=sent, body=raw)


def strip_times(events: list[Event]) -> list[dict[str, Any]]:
    return [e.model_dump(exclude={"timestamp"}) for e in events]


@pytest.mark.parametrize("name", FIXTURES)
def test_channel_parses_signed_gzip_bodies(channel: Any, name: str) -> None:
    events = channel.parse(request(name))
    assert strip_times(events) == strip_times(parse(name))
    assert all(e.timestamp.utcoffset() == timedelta(0) for e in events)


def test_channel_accepts_plain_json(channel: Any) -> None:
    events = channel.parse(request("list_picker_multi", compress=False))
    assert strip_times(events) == strip_times(parse("list_picker_multi"))


def test_channel_keeps_the_opaque_id_from_the_headers(channel: Any) -> None:
    (event,) = channel.parse(request("text_ids_in_headers"))
    assert event.sender == CUSTOMER
    assert event.id == message_id("text_ids_in_headers")


def test_missing_authorization_is_401(channel: Any) -> None:
    with pytest.raises(SignatureError) as caught:
        channel.parse(request("text", authorization=None))
    assert caught.value.status_hint == 401


@pytest.mark.parametrize("authorization", [
    f"Bearer {token(key=b'another-secret-0123456789abcdef0')}",
    f"Bearer {token({'aud': 'someone-else', 'iat': NOW})}",
    f"Bearer {token({'aud': MSP_ID, 'iat': NOW - 86400})}",
    "Bearer not.a.jwt",
])
def test_bad_token_is_403(channel: Any, authorization: str) -> None:
    with pytest.raises(SignatureError) as caught:
        channel.parse(request("text", authorization=authorization))
    assert caught.value.status_hint == 403


def test_gzip_bomb_is_malformed(channel: Any) -> None:
    bomb = gzip.compress(b"0" * (50 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(MalformedPayload):
        channel.parse(request("text", body=bomb, compress=False))


def test_truncated_gzip_is_malformed(channel: Any) -> None:
    whole = gzip.compress((DATA / "text.json").read_bytes())
    with pytest.raises(MalformedPayload):
        channel.parse(request("text", body=whole[: len(whole) // 2], compress=False))


@pytest.mark.parametrize("body", [b"", b"garbage", b"[]", b'{"v": 1}', b'{"type": 5}',
                                  b'{"v": 2, "type": "text"}'])
def test_garbage_is_malformed(channel: Any, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        channel.parse(request("text", body=body))
