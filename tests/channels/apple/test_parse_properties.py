"""Property tests: no Apple message, however broken, makes the parser crash or lose it.

``parse_message`` (and ``AppleMessages.parse`` with a valid JWT) returns a non-empty list of events
or raises ``MalformedPayload``; nothing else escapes. Every event is an ``apple`` event of the
message (its id, its customer or the business standing in, the business side as recipient), with
the same capabilities on all of them, and survives a JSON round trip. ``parse_resolved`` never
raises either.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import polychat
from _fuzz import json_values as fuzz_values
from _fuzz import mutate
from polychat import Event, MalformedPayload, UnknownEvent, WebhookRequest
from polychat.channels.apple.parse import IDR_EVENT_TYPE, parse_message, parse_resolved

DATA = Path(__file__).resolve().parents[2] / "data" / "apple"
FIXTURES = {p.stem: json.loads(p.read_text()) for p in sorted(DATA.glob("*.json"))}
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)
RECEIVED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BIZ = "fake-business-0000-aaaa"
CUSTOMER_ID = "urn:mbid:AQAAY/fakeCustomer+Id0000="
MSP_ID = "fake-msp-id"
SECRET = base64.b64encode(b"fake-secret-0123456789abcdef0123").decode()

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Keys and values that steer the parser: random objects draw from them so they hit real branches.
KEYS = sorted({"v", "type", "id", "sourceId", "destinationId", "body", "attachments", "intent",
               "group", "locale", "name", "mimeType", "size", "url", "owner", "key", "signature",
               "signature-base64", "interactiveData", "interactiveDataRef", "bid", "data",
               "requestIdentifier", "replyMessage", "title", "alternateTitle", "subtitle",
               "listPicker", "sections", "items", "identifier", "selected", "selectedItems",
               "selectedIdentifiers", "event", "timeslots", "selectedTimeslot", "quick-reply",
               "selectedIdentifier", "selectedIndex", "authenticate", "status", "token",
               "payment", "dynamic", "formMessage", "selections", "appId", "URL"})
VALUES = ["text", "interactive", "typing_start", "typing_end", "close", "richLink", "tapback",
          "\ufffc", "hi \ufffc", "image/jpeg", "video/mp4", "application/pdf", "146021", "-3",
          "1.5", "true", "0", "1", "urn:mbid:AQAA/x+y=", "urn:biz:abc", "a:b", " padded ", "",
          BIZ, CUSTOMER_ID, "https://p49-content.icloud.com/x"]

json_values = fuzz_values(KEYS, VALUES, text_size=10, max_leaves=24)
header_names = st.sampled_from(["id", "source-id", "Source-Id", "destination-id", "DESTINATION-ID",
                                "capability-list", "Capabilities", "date", "device-agent", "x"])
header_values = st.text(max_size=20) | st.sampled_from(
    ["QUICK,LIST", "AUTH,1.00", "quick, ,time", BIZ, CUSTOMER_ID, "urn:biz:x", "a:b",
     "Thu, 26 Nov 2026 10:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 +1400", "  "])
headers_strategy = st.dictionaries(header_names, header_values, max_size=6)


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> tuple[dict[str, str], Any]:
    """A real fixture with 1–4 random mutations: drop a key, or replace a value with junk."""
    fixture = copy.deepcopy(FIXTURES[draw(st.sampled_from(sorted(FIXTURES)))])
    body, headers = fixture["body"], fixture["headers"]
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0 and headers:
            name = draw(st.sampled_from(sorted(headers)))
            if draw(st.booleans()):
                del headers[name]
            else:
                headers[name] = draw(header_values)
            continue
        if not mutate(draw, body, json_values):
            break
    return headers, body


def check(body: Any, headers: dict[str, str]) -> list[Event]:
    """Parse: only MalformedPayload may escape; the events are coherent and round-trip."""
    body = json.loads(json.dumps(body))
    before = copy.deepcopy(body)
    try:
        events = parse_message(body, headers, received_at=RECEIVED)
    except MalformedPayload:
        assert not isinstance(body, dict) or not isinstance(body.get("type"), str)
        return []
    assert isinstance(body, dict)
    assert isinstance(body.get("type"), str)
    assert body == before, "the parser must not change its input"
    assert events, "a message is never dropped"
    capabilities = {e.capabilities for e in events}
    assert len(capabilities) == 1
    ids = {e.id for e in events}
    assert len(ids) == 1
    for event in events:
        assert isinstance(event, Event)
        assert event.channel == "apple"
        assert event.sender.account == event.recipient.account == event.recipient.user
        assert event.timestamp.utcoffset() is not None
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored == event
    return events


@SETTINGS
@given(json_values, headers_strategy)
def test_random_json(value: Any, headers: dict[str, str]) -> None:
    check(value, headers)


@SETTINGS
@given(st.sampled_from(["text", "interactive", "typing_start", "typing_end", "close", "other"]),
       st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6), headers_strategy)
def test_random_bodies_of_each_type(type_: str, fields: dict[str, Any],
                                    headers: dict[str, str]) -> None:
    body = {"sourceId": CUSTOMER_ID, "destinationId": BIZ, "id": "m-1", **fields, "type": type_}
    check(body, headers)


@SETTINGS
@given(st.lists(json_values, max_size=4), json_values)
def test_random_attachments(attachments: list[Any], text: Any) -> None:
    body = {"type": "text", "sourceId": CUSTOMER_ID, "destinationId": BIZ, "id": "m-1",
            "body": text, "attachments": attachments}
    events = check(body, {})
    if isinstance(text, str | None):
        assert len(events) >= len(attachments)


@SETTINGS
@given(st.sampled_from(["listPicker", "event", "quick-reply", "authenticate", "payment",
                        "dynamic", "formMessage", "other"]),
       json_values, json_values)
def test_random_interactive_data(key: str, value: Any, reply: Any) -> None:
    body = {"type": "interactive", "sourceId": CUSTOMER_ID, "destinationId": BIZ, "id": "m-1",
            "interactiveData": {"data": {"requestIdentifier": "r", key: value,
                                         "replyMessage": reply}}}
    check(body, {})


@SETTINGS
@given(mutated_fixtures())
def test_mutated_fixtures(fixture: tuple[dict[str, str], Any]) -> None:
    headers, body = fixture
    check(body, headers)


@SETTINGS
@given(json_values | mutated_fixtures().map(lambda f: f[1]))
def test_parse_resolved_never_raises(decoded: Any) -> None:
    headers, body = FIXTURES["idr"]["headers"], FIXTURES["idr"]["body"]
    (idr,) = parse_message(body, headers, received_at=RECEIVED)
    assert isinstance(idr, UnknownEvent)
    assert idr.type == IDR_EVENT_TYPE
    events = parse_resolved(idr, json.loads(json.dumps(decoded)))
    assert events
    for event in events:
        assert (event.sender, event.recipient, event.id, event.timestamp) == (
            idr.sender, idr.recipient, idr.id, idr.timestamp)
        assert ANY_EVENT.validate_json(event.model_dump_json()) == event


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_fixtures().map(lambda f: json.dumps(f[1]).encode()),
                 st.binary(max_size=64),
                 json_values.map(lambda v: json.dumps(v).encode())),
       st.booleans())
def test_channel_with_a_valid_token(body: bytes, compress: bool) -> None:
    from polychat.channels.apple.channel import AppleMessages
    from polychat.channels.apple.crypto import encode_jwt

    channel = AppleMessages(msp_id=MSP_ID, secret=SECRET, business_id=BIZ,
                            clock=lambda: 1767000000.0)
    jwt = encode_jwt({"aud": MSP_ID, "iat": 1767000000}, base64.b64decode(SECRET))
    headers = {"Authorization": f"Bearer {jwt}", "id": "m-1", "source-id": CUSTOMER_ID,
               "destination-id": BIZ, "capability-list": "QUICK,LIST"}
    if compress:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    try:
        events = channel.parse(WebhookRequest(headers=headers, body=body))
    except MalformedPayload:
        return
    assert events
    assert all(isinstance(e, Event) and e.capabilities == frozenset({"QUICK", "LIST"}) for e in events)
