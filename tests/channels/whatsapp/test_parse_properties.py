"""Property tests: no webhook body, however broken, makes the WhatsApp parser crash.

``parse_payload`` (and ``WhatsApp.parse`` with a valid signature) returns a list of events or
raises ``MalformedPayload``; nothing else escapes. Inside an intact envelope every item yields
exactly one event, and every event survives a JSON round trip.
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
from polychat import Event, MalformedPayload, WebhookRequest
from polychat.channels._meta import sign_body
from polychat.channels.whatsapp.parse import ITEM_ARRAYS, parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "whatsapp"
APP_SECRET = "fake-app-secret-0000"  # the `wa` fixture's secret (tests/conftest.py)
FIXTURES = {p.stem: json.loads(p.read_text()) for p in sorted(DATA.glob("*.json"))}
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# Keys whose values steer the parser: mutations draw from these too, so they hit real branches.
KEYS = sorted({"entry", "changes", "field", "value", "messages", "statuses", "errors", "contacts",
               "metadata", "phone_number_id", "display_phone_number", "id", "from", "wa_id",
               "user_id", "from_user_id", "recipient_id", "recipient_user_id", "timestamp",
               "type", "text", "body", "image", "location", "latitude", "longitude",
               "interactive", "button_reply", "list_reply", "nfm_reply", "response_json",
               "context", "referral", "reaction", "emoji", "status", "pricing", "edit",
               "revoke", "original_message_id", "message", "time", "code", "error_data"})

json_values = fuzz_values(KEYS, ["1749416383", "1749416383123", "-1", "1e400", "text", "image",
                       "interactive", "failed", "messages", "whatsapp_business_account", "a:b",
                       " padded ", "", "{}", "[1]", "sent", "read", "button", "US.1234"])


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> dict[str, Any]:
    """A real fixture with 1–4 random mutations: drop a key, or replace a value with junk."""
    payload: dict[str, Any] = mutated_fixture(draw, FIXTURES, json_values, under="entry")
    return payload


def expected_count(payload: dict[str, Any]) -> int | None:
    """Events an intact envelope must give (one per item), or ``None`` for a broken envelope."""
    entries = payload.get("entry")
    if not isinstance(entries, list):
        return None
    count = 0
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            return None
        for change in entry["changes"]:
            value = change.get("value") if isinstance(change, dict) else None
            field = change.get("field") if isinstance(change, dict) else None
            if not isinstance(value, dict) or not isinstance(field, str) or not field:
                count += 1
                continue
            arrays = [v for k, v in value.items() if k in ITEM_ARRAYS]
            if not arrays:  # no item array at all: one event for the whole value
                count += 1
            count += sum(len(v) if isinstance(v, list) else 1 for v in arrays)
    return count


def check(payload: Any) -> None:
    """Parse ``payload``: only MalformedPayload may escape; items and events match one to one."""
    count = expected_count(payload) if isinstance(payload, dict) else None
    try:
        events = parse_payload(payload)
    except MalformedPayload:
        assert count is None, "an intact envelope must not be refused"
        return
    assert count is not None
    assert isinstance(events, list)
    assert len(events) == count
    for event in events:
        assert isinstance(event, Event)
        assert event.timestamp.utcoffset() is not None
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored.model_dump(mode="json") == event.model_dump(mode="json")


@SETTINGS
@given(json_values)
def test_random_json(value: Any) -> None:
    check(value)


@SETTINGS
@given(json_values)
def test_random_json_inside_a_good_envelope(value: Any) -> None:
    check({"object": "whatsapp_business_account", "entry": [value]})
    check({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398", "changes": [value]}]})
    check({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398",
                      "changes": [{"field": "messages", "value": value}]}]})


@SETTINGS
@given(st.lists(json_values, max_size=5), st.sampled_from(sorted(ITEM_ARRAYS)))
def test_random_items(items: list[Any], key: str) -> None:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881",
                          "phone_number_id": "106540352242922"},
             key: items}
    check({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398",
                      "changes": [{"field": "messages", "value": value}]}]})


@SETTINGS
@given(mutated_fixtures())
def test_mutated_fixtures(payload: dict[str, Any]) -> None:
    check(payload)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(mutated_fixtures().map(lambda p: json.dumps(p).encode()),
                 st.binary(max_size=64),
                 json_values.map(lambda v: json.dumps(v).encode())))
def test_channel_with_a_valid_signature(wa: Any, body: bytes) -> None:
    request = WebhookRequest(headers={"X-Hub-Signature-256": sign_body(body, APP_SECRET),
                                      "Content-Type": "application/json"}, body=body)
    try:
        events = wa.parse(request)
    except MalformedPayload:
        return
    assert all(isinstance(e, Event) for e in events)
