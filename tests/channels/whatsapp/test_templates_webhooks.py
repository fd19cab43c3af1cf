"""Template webhooks become typed, account-level events (status, quality, category, edits)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from polychat import (
    Address,
    AnyEvent,
    MessageReceived,
    TemplateCategoryChanged,
    TemplateComponentsChanged,
    TemplateQualityChanged,
    TemplateStatusChanged,
    UnknownEvent,
    WebhookRequest,
)
from polychat.channels._meta import sign_body
from polychat.channels.whatsapp.parse import parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "whatsapp" / "templates"
WABA = "102290129340398"
ACCOUNT = Address(channel="whatsapp", account=WABA, user=WABA)


def parse(name: str) -> list[Any]:
    return parse_payload(json.loads((DATA / f"webhook_{name}.json").read_text()))


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_paused() -> None:
    (event,) = parse("status_paused")
    assert isinstance(event, TemplateStatusChanged)
    assert (event.template_id, event.name, event.language) == ("1689556908129845",
                                                               "spring_sale", "en_US")
    assert event.status == "PAUSED" and event.reason is None  # Meta's "NONE"
    assert event.title == "FIRST_PAUSE" and event.description.startswith("Your WhatsApp")
    assert event.sender == event.recipient == ACCOUNT  # no customer: the account itself
    assert event.timestamp == at(1750031600) and event.id is None
    assert event.raw["other_info"]["title"] == "FIRST_PAUSE"


def test_rejected() -> None:
    (event,) = parse("status_rejected")
    assert (event.status, event.reason, event.category) == ("REJECTED", "INCORRECT_CATEGORY",
                                                             "MARKETING")
    assert event.description == "The template's content does not match its UTILITY category."
    assert event.recommendation == "Submit it again as a MARKETING template."


def test_disabled() -> None:
    (event,) = parse("status_disabled")
    assert event.status == "DISABLED" and event.disabled_at == at(1750031790)


def test_quality() -> None:
    (event,) = parse("quality_update")
    assert isinstance(event, TemplateQualityChanged)
    assert (event.previous_quality, event.quality) == ("GREEN", "YELLOW")
    assert (event.name, event.template_id) == ("order_shipped", "1689556908129832")
    assert event.sender == ACCOUNT


def test_category() -> None:
    announced, changed = parse("category_update")
    assert isinstance(announced, TemplateCategoryChanged)
    assert (announced.category, announced.correct_category, announced.previous_category) == (
        "UTILITY", "MARKETING", None)
    assert (changed.previous_category, changed.category) == ("UTILITY", "MARKETING")


def test_components() -> None:
    (event,) = parse("components_update")
    assert isinstance(event, TemplateComponentsChanged)
    assert event.body == "Hi {{1}}, your order {{2}} is on its way."
    assert (event.header, event.footer) == ("Order {{1}}", "Lucky Shrub")
    assert [b["message_template_button_type"] for b in event.buttons] == ["URL", "QUICK_REPLY"]


def test_mixed_batch_keeps_order_and_falls_back_for_broken_values() -> None:
    approved, message, broken = parse("mixed")
    assert isinstance(approved, TemplateStatusChanged) and approved.status == "APPROVED"
    assert approved.category == "UTILITY"
    assert isinstance(message, MessageReceived)
    assert isinstance(broken, UnknownEvent)  # a status update without "event"
    assert broken.type == "whatsapp.message_template_status_update"
    assert broken.sender == ACCOUNT


@pytest.mark.parametrize("name", ["status_paused", "status_rejected", "status_disabled",
                                  "quality_update", "category_update", "components_update",
                                  "mixed"])
def test_events_round_trip_through_json(name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(AnyEvent)
    for event in parse(name):
        assert adapter.validate_json(event.model_dump_json()) == event


def test_the_channel_parses_them_from_a_signed_request(wa: Any) -> None:
    body = (DATA / "webhook_quality_update.json").read_bytes()
    request = WebhookRequest(method="POST", body=body, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign_body(body, "fake-app-secret-0000")})
    (event,) = wa.parse(request)
    assert isinstance(event, TemplateQualityChanged)


def test_odd_values_are_read_leniently() -> None:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [
        {"field": "message_template_status_update", "value": {
            "event": "flagged", "message_template_id": "x1", "message_template_name": "",
            "disable_info": {"disable_date": "not a time"}, "other_info": "text"}},
        {"field": "message_template_components_update", "value": {
            "message_template_buttons": "none"}}]}]}
    flagged, edited = parse_payload(payload)
    assert flagged.status == "FLAGGED" and flagged.template_id == "x1" and flagged.name is None
    assert flagged.disabled_at is None and flagged.title is None
    assert flagged.timestamp == datetime(1970, 1, 1, tzinfo=UTC)  # no entry time: the epoch
    assert isinstance(edited, TemplateComponentsChanged) and edited.buttons == []
