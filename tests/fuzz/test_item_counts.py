"""One event per platform item, for every payload fixture (holdouts too), through ``parse``.

The architecture's parsing conventions: one event per platform item, in envelope order
(entry → change / messaging item → array element). The items are counted here independently of
the parsers — a message's attachments and a delivery's mids are array elements, so one event
each; a sticker Meta sends as twin ``image`` + ``sticker`` attachments is one item; an Apple
multi-select list reply gives one event per selected item — and compared with what each
channel's ``parse`` gives for the signed request.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import polychat
from _fuzz import webhook_fixtures
from polychat import WebhookRequest
from polychat.channels._meta import sign_body
from polychat.channels.apple.crypto import encode_jwt

DATA = Path(__file__).resolve().parents[1] / "data"
APP_SECRET = "fake-count-app-secret-0000"
MSP_ID = "fake-msp-id"
APPLE_KEY = b"fake-count-secret-0123456789abcd"
NOW = 1767000000.0

#: WhatsApp change-value keys whose elements are items (messages, statuses, errors…).
WHATSAPP_ITEM_KEYS = frozenset({"messages", "statuses", "errors", "message_echoes",
                                "user_preferences", "calls", "history", "state_sync", "groups"})


def whatsapp_items(payload: dict[str, Any]) -> list[Any]:
    """The items of a WhatsApp envelope, in order: each element of a change's item arrays; a
    change without any item array is one item (its ``value``)."""
    items: list[Any] = []
    for entry in payload["entry"]:
        for change in entry.get("changes", []):
            value = change.get("value")
            arrays = [v for k, v in value.items() if k in WHATSAPP_ITEM_KEYS]
            if not arrays:
                items.append(value)
            for array in arrays:
                items.extend(array)
    return items


def _message_events(message: dict[str, Any]) -> int:
    """Events of a Messenger message: its text (or quick-reply tap), then each attachment; twin
    ``image`` + ``sticker`` attachments are one sticker; an echo or a deletion is one event."""
    if message.get("is_echo") or message.get("is_deleted"):
        return 1
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    stickers = [a for a in attachments if a.get("type") == "sticker"
                or (a.get("type") == "image" and (a.get("payload") or {}).get("sticker_id"))]
    count = len(attachments)
    if stickers or message.get("sticker_id"):
        twins = [a for a in attachments if a.get("type") in ("image", "sticker")]
        ids = {(a.get("payload") or {}).get("sticker_id") for a in twins} - {None}
        count = len(attachments) - len(twins) + (max(1, len(ids)) if twins else 0)
    if message.get("text") or message.get("quick_reply"):
        count += 1
    return max(count, 1)


def messenger_items(payload: dict[str, Any]) -> list[tuple[Any, int]]:
    """The items of a Messenger envelope, in order, with the events each gives: every element of
    every array of an entry (attachments and mids count one each); an entry without arrays is
    one item."""
    items: list[tuple[Any, int]] = []
    for entry in payload["entry"]:
        arrays = {k: v for k, v in entry.items() if isinstance(v, list)}
        if not arrays:
            items.append((entry, 1))
        for key, array in arrays.items():
            for item in array:
                count = 1
                if payload.get("object") == "page" and key == "messaging":
                    if isinstance(item.get("message"), dict):
                        count = _message_events(item["message"])
                    elif (item.get("delivery") or {}).get("mids"):
                        count = len(item["delivery"]["mids"])
                items.append((item, count))
    return items


def _selected(picker: dict[str, Any]) -> int:
    items = [i for s in picker.get("sections") or [] for i in s.get("items") or []]
    flagged = [i for i in items if i.get("selected") in (True, "true", 1, "1")
               or i.get("isSelected") in (True, "true", 1, "1")]
    if flagged:
        return len(flagged)
    for holder in (picker, *(picker.get("sections") or [])):
        for key in ("selectedItems", "selectedIdentifiers"):
            if isinstance(holder.get(key), list) and holder[key]:
                return len(holder[key])
    return 1


def apple_events(body: dict[str, Any]) -> int:
    """Events of an Apple message: its text and each attachment; each selected item of a list
    picker reply; else one."""
    if body.get("type") == "text":
        text = str(body.get("body") or "").replace("\ufffc", "").strip()
        return max(1, len(body.get("attachments") or []) + (1 if text else 0))
    data = (body.get("interactiveData") or {}).get("data") or {}
    if body.get("type") == "interactive" and isinstance(data.get("listPicker"), dict):
        return _selected(data["listPicker"])
    return 1


def fixtures(platform: str) -> list[tuple[str, Any]]:
    return [(str(p.relative_to(DATA / platform)), json.loads(p.read_text()))
            for p in webhook_fixtures(DATA / platform)]


def meta_request(payload: Any) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return WebhookRequest(headers={"X-Hub-Signature-256": sign_body(body, APP_SECRET),
                                   "Content-Type": "application/json"}, body=body)


WHATSAPP = fixtures("whatsapp")
MESSENGER = fixtures("messenger")
APPLE = fixtures("apple")


def test_every_platform_has_fixtures() -> None:
    assert len(WHATSAPP) > 30 and len(MESSENGER) > 30 and len(APPLE) > 30


@pytest.mark.parametrize(("stem", "payload"), WHATSAPP, ids=[s for s, _ in WHATSAPP])
def test_whatsapp_one_event_per_item_in_order(stem: str, payload: Any) -> None:
    wa = polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-COUNT",
                           app_secret=APP_SECRET)
    events = wa.parse(meta_request(payload))
    items = whatsapp_items(payload)
    assert len(events) == len(items)
    for event, item in zip(events, items, strict=True):
        assert event.raw == item, "events come in envelope order, each with its item as raw"


@pytest.mark.parametrize(("stem", "payload"), MESSENGER, ids=[s for s, _ in MESSENGER])
def test_messenger_one_event_per_item_in_order(stem: str, payload: Any) -> None:
    fb = polychat.Messenger(page_id="1234567890", page_access_token="EAAG-FAKE-COUNT-PAGE",
                            app_secret=APP_SECRET)
    events = fb.parse(meta_request(payload))
    items = messenger_items(payload)
    assert len(events) == sum(count for _, count in items)
    position = 0
    for item, count in items:
        for event in events[position:position + count]:
            assert event.raw == item, "events come in envelope order, each with its item as raw"
        position += count


@pytest.mark.parametrize(("stem", "fixture"), APPLE, ids=[s for s, _ in APPLE])
def test_apple_one_event_per_item(stem: str, fixture: Any) -> None:
    ap = polychat.AppleMessages(msp_id=MSP_ID, secret=base64.b64encode(APPLE_KEY).decode(),
                                business_id="fake-business-0000-aaaa", clock=lambda: NOW)
    token = encode_jwt({"aud": MSP_ID, "iat": int(NOW)}, APPLE_KEY)
    headers = {**fixture["headers"], "Authorization": f"Bearer {token}",
               "Content-Encoding": "gzip"}
    request = WebhookRequest(headers=headers,
                             body=gzip.compress(json.dumps(fixture["body"]).encode()))
    events = ap.parse(request)
    assert len(events) == apple_events(fixture["body"])
    assert all(event.raw == fixture["body"] for event in events)
    assert len({event.id for event in events}) == 1
