"""Property tests: no webhook body, however broken, makes the Messenger parser crash or lose items.

``parse_payload`` (and ``Messenger.parse`` with a valid signature) returns a list of events or
raises ``MalformedPayload``; nothing else escapes. Inside an intact envelope every item yields at
least one event (exactly one, except a message with attachments or a delivery with mids), the
events come in item order, every event survives a JSON round trip, and an echo is never a
customer message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import polychat
from _fuzz import json_values as fuzz_values
from _fuzz import mutated_fixture
from polychat import ChoiceSelected, Event, MalformedPayload, MessageReceived, WebhookRequest
from polychat.channels._meta import sign_body
from polychat.channels.messenger.parse import ENVELOPE_ARRAYS, parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "messenger"
APP_SECRET = "fake-messenger-app-secret-0000"
PAGE_ID = "1234567890"
PSID = "1254459154682919"
FIXTURES = {p.stem: json.loads(p.read_text()) for p in sorted(DATA.glob("*.json"))}
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Keys whose values steer the parser: random dicts draw from these too, so they hit real branches.
KEYS = sorted({"object", "entry", "id", "time", "messaging", "standby", "changes", "field",
               "sender", "recipient", "user_ref", "timestamp", "message", "mid", "text",
               "is_echo", "is_deleted", "quick_reply", "payload", "attachments", "type", "url",
               "title", "sticker_id", "coordinates", "lat", "long", "reply_to", "referral",
               "ref", "source", "ad_id", "ads_context_data", "postback", "delivery", "mids",
               "watermark", "read", "reaction", "emoji", "action", "optin",
               "notification_messages_status", "notification_messages_token",
               "token_expiry_timestamp", "message_edit", "num_edit", "pass_thread_control"})

json_values = fuzz_values(KEYS, ["1763200000000", "1701599111", "-1", "1e400", "page", "instagram",
                       "image", "sticker", "fallback", "location", "template", "react", "unreact",
                       "notification_messages", "STOP_NOTIFICATIONS", PAGE_ID, PSID, "a:b",
                       " padded ", "", "true", "https://example.com/x.png", "m_AG5Hz2"])


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> dict[str, Any]:
    """A real fixture with 1–4 random mutations: drop a key, or replace a value with junk."""
    payload: dict[str, Any] = mutated_fixture(draw, FIXTURES, json_values, under="entry")
    return payload


def units(payload: Any) -> list[tuple[Any, int]] | None:
    """What an intact envelope must give: ``(raw, most events)`` per item, or ``None`` if broken."""
    if not isinstance(payload, dict):
        return None
    obj = payload.get("object")
    entries = payload.get("entry")
    if not isinstance(obj, str) or not obj or not isinstance(entries, list):
        return None
    found: list[tuple[Any, int]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        if any(k in entry and not isinstance(entry[k], list) for k in ENVELOPE_ARRAYS):
            return None
        arrays = [(k, v) for k, v in entry.items() if isinstance(v, list)]
        if not arrays:
            found.append((entry, 1))
        for key, items in arrays:
            for raw in items:
                most = 1
                if obj == "page" and key == "messaging" and isinstance(raw, dict):
                    message = raw.get("message")
                    attachments = message.get("attachments") if isinstance(message, dict) else None
                    delivery = raw.get("delivery")
                    mids = delivery.get("mids") if isinstance(delivery, dict) else None
                    most = max(1, 1 + len(attachments) if isinstance(attachments, list) else 1,
                               len(mids) if isinstance(mids, list) else 1)
                found.append((raw, most))
    return found


def is_echo(raw: Any) -> bool:
    message = raw.get("message") if isinstance(raw, dict) else None
    return isinstance(message, dict) and message.get("is_echo") is True


def check(payload: Any) -> None:
    """Parse ``payload``: only MalformedPayload may escape; every item gives its events, in order."""
    payload = json.loads(json.dumps(payload))  # plain JSON, no shared sub-objects
    expected = units(payload)
    try:
        events = parse_payload(payload)
    except MalformedPayload:
        assert expected is None, "an intact envelope must not be refused"
        return
    assert expected is not None, "a broken envelope must be refused"
    assert isinstance(events, list)
    position = 0
    for raw, most in expected:
        if isinstance(raw, dict | list):
            count = 0
            while position + count < len(events) and events[position + count].raw is raw:
                count += 1
        else:
            count = 1 if position < len(events) and events[position].raw == raw else 0
        assert 0 < count <= most, (raw, count, most)
        position += count
    assert position == len(events)
    for event in events:
        assert isinstance(event, Event)
        assert event.channel == "messenger"
        assert event.timestamp.utcoffset() is not None
        assert event.sender.account == event.recipient.account
        if is_echo(event.raw):
            assert not isinstance(event, MessageReceived | ChoiceSelected)
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored == event


@SETTINGS
@given(json_values)
def test_random_json(value: Any) -> None:
    check(value)


@SETTINGS
@given(json_values)
def test_random_json_inside_a_good_envelope(value: Any) -> None:
    check({"object": "page", "entry": [value]})
    check({"object": "page", "entry": [{"id": PAGE_ID, "time": 1763200000000,
                                        "messaging": [value]}]})
    check({"object": "page", "entry": [{"id": PAGE_ID, "standby": [value], "changes": [value]}]})
    check({"object": "instagram", "entry": [{"id": PAGE_ID, "messaging": [value]}]})


@SETTINGS
@given(st.lists(json_values, max_size=5), st.sampled_from(["message", "postback", "delivery",
                                                            "read", "reaction", "referral",
                                                            "optin", "message_edit"]))
def test_random_item_bodies(bodies: list[Any], key: str) -> None:
    items = [{"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1763200000000,
              key: body} for body in bodies]
    check({"object": "page", "entry": [{"id": PAGE_ID, "time": 1763200000000,
                                        "messaging": items}]})


@SETTINGS
@given(st.lists(json_values, max_size=4), st.booleans())
def test_random_attachments(attachments: list[Any], echo: bool) -> None:
    message: dict[str, Any] = {"mid": "m_x", "attachments": attachments}
    if echo:
        message["is_echo"] = True
    check({"object": "page", "entry": [{"id": PAGE_ID, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1763200000000,
         "message": message}]}]})


@SETTINGS
@given(mutated_fixtures())
def test_mutated_fixtures(payload: dict[str, Any]) -> None:
    check(payload)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_fixtures().map(lambda p: json.dumps(p).encode()),
                 st.binary(max_size=64),
                 json_values.map(lambda v: json.dumps(v).encode())))
def test_channel_with_a_valid_signature(body: bytes) -> None:
    from polychat.channels.messenger.channel import Messenger

    fb = Messenger(page_id=PAGE_ID, page_access_token="EAAG-FAKE-PAGE", app_secret=APP_SECRET)
    request = WebhookRequest(headers={"X-Hub-Signature-256": sign_body(body, APP_SECRET),
                                      "Content-Type": "application/json"}, body=body)
    try:
        events = fb.parse(request)
    except MalformedPayload:
        return
    assert all(isinstance(e, Event) for e in events)
