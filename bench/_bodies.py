"""Realistic webhook bodies for the benchmarks, built from the test fixtures in tests/data/.

Every body is made of items copied from a fixture, with fresh ids (a global counter), so that the
hub's de-duplication never short-circuits: every item of every body is new to the store.

- WhatsApp: one ``whatsapp_business_account`` envelope, one change, ``N`` messages from ``N``
  different customers (text, image, button reply, location, reaction, list reply…) with their
  ``contacts[]`` (``wa_id`` + business-scoped ``user_id``, as Meta sends them now).
- Messenger: one ``page`` entry whose ``messaging[]`` holds ``N`` items (text, image, quick
  reply, postback, reaction, delivery, read) from ``N`` different people.
- Apple: Apple POSTs ONE message per request (the platform's shape), so ``N`` items are ``N``
  requests, each gzip-compressed and carrying its own HS256 JWT, as the simulator signs them.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the polychat under test on sys.path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

APP_SECRET = "bench-app-secret"
VERIFY_TOKEN = "bench-verify"
PHONE_NUMBER_ID = "106540352242922"
PAGE_ID = "1234567890"
MSP_ID = "bench-msp-0000"
BUSINESS_ID = "fake-business-0000-aaaa"
APPLE_SECRET = "YmVuY2gtYXBwbGUtc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY="  # base64 of a fake key
NOW = 1767000000.0
"""The fixed clock of the Apple channel (JWT ``iat``)."""

WHATSAPP_ITEMS = ("text", "image", "interactive_button_reply", "text", "location", "reaction",
                  "text", "interactive_list_reply")
MESSENGER_ITEMS = ("text", "image", "quick_reply", "text", "postback", "reaction", "delivery",
                   "read")
APPLE_ITEMS = ("text", "quick_reply_identifier", "text", "typing_start", "time_picker",
               "attachments_with_text")

_counter = itertools.count(1)


@dataclass(frozen=True)
class Signed:
    """One webhook POST: what the platform sends (headers, body bytes) and how many items."""

    headers: dict[str, str]
    body: bytes
    items: int


def _load(platform: str, name: str) -> Any:
    return json.loads((DATA / platform / f"{name}.json").read_text())


def meta_signature(body: bytes) -> str:
    """``X-Hub-Signature-256`` of ``body`` with the bench app secret."""
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


# -- WhatsApp ------------------------------------------------------------------------------------


def _whatsapp_templates() -> list[dict[str, Any]]:
    out = []
    for name in WHATSAPP_ITEMS:
        value = _load("whatsapp", name)["entry"][0]["changes"][0]["value"]
        out.append(value["messages"][0])
    return out


_WA = _whatsapp_templates()


def whatsapp_body(n: int) -> Signed:
    """A signed WhatsApp envelope of ``n`` messages from ``n`` customers (fresh ids)."""
    messages, contacts = [], []
    for i in range(n):
        serial = next(_counter)
        wa_id = str(16500000000 + serial)
        bsuid = f"US.{10**19 + serial}"
        # a shallow copy is enough: only top-level keys change, and the body is serialised now
        messages.append({**_WA[i % len(_WA)], "from": wa_id, "id": f"wamid.BENCH{serial:012d}"})
        contacts.append({"profile": {"name": f"Customer {serial}"}, "wa_id": wa_id,
                         "user_id": bsuid})
    envelope = {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398",
        "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": contacts,
            "messages": messages,
        }}],
    }]}
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return Signed({"X-Hub-Signature-256": meta_signature(body), "Content-Type": "application/json"},
                  body, n)


# -- Messenger -----------------------------------------------------------------------------------


def _messenger_templates() -> list[dict[str, Any]]:
    return [_load("messenger", name)["entry"][0]["messaging"][0] for name in MESSENGER_ITEMS]


_FB = _messenger_templates()


def messenger_body(n: int) -> Signed:
    """A signed Messenger envelope: one Page entry with ``n`` messaging items (fresh ids)."""
    items = []
    for i in range(n):
        serial = next(_counter)
        template = _FB[i % len(_FB)]
        mid = f"m_BENCH{serial:012d}"
        item = {**template, "sender": {"id": str(7000000000000000 + serial)},
                "recipient": {"id": PAGE_ID}}
        for key in ("message", "reaction", "postback"):  # fresh copies of what changes
            if key in template and "mid" in template[key]:
                item[key] = {**template[key], "mid": mid}
        if "delivery" in template:
            item["delivery"] = {**template["delivery"], "mids": [mid]}
        if "read" in template:
            item["read"] = {**template["read"], "watermark": 1763200000000 + serial}
        items.append(item)
    envelope = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1763200000500,
                                             "messaging": items}]}
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return Signed({"X-Hub-Signature-256": meta_signature(body), "Content-Type": "application/json"},
                  body, n)


# -- Apple ---------------------------------------------------------------------------------------


def _apple_templates() -> list[dict[str, Any]]:
    return [_load("apple", name) for name in APPLE_ITEMS]


_AP = _apple_templates()


def apple_key() -> bytes:
    """The HMAC key of the bench MSP secret (the secret Base64-decoded)."""
    import base64

    return base64.b64decode(APPLE_SECRET)


def apple_jwt() -> str:
    """An HS256 JWT as Apple signs webhooks (``aud`` = MSP id, ``iat`` = :data:`NOW`)."""
    from polychat.channels.apple import crypto

    return crypto.encode_jwt({"aud": MSP_ID, "iat": int(NOW)}, apple_key())


_JWT = apple_jwt()


def apple_requests(n: int) -> list[Signed]:
    """``n`` Apple webhook POSTs, one message each (gzip + JWT), fresh ids."""
    out = []
    for i in range(n):
        serial = next(_counter)
        fixture = _AP[i % len(_AP)]
        message_id = f"b0000000-0000-4000-8000-{serial:012d}"
        user = f"urn:mbid:AQAAY/BenchCustomer{serial:010d}="
        body = {**fixture["body"], "id": message_id, "sourceId": user,
                "destinationId": BUSINESS_ID}
        headers = {**fixture["headers"], "id": message_id, "source-id": user,
                   "destination-id": BUSINESS_ID, "Content-Encoding": "gzip",
                   "Authorization": f"Bearer {_JWT}"}
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        out.append(Signed(headers, gzip.compress(raw, compresslevel=6, mtime=0), 1))
    return out


def batches(platform: str, n: int, count: int) -> list[list[Signed]]:
    """``count`` batches of ``n`` items: one request each (Meta), or ``n`` requests (Apple)."""
    if platform == "whatsapp":
        return [[whatsapp_body(n)] for _ in range(count)]
    if platform == "messenger":
        return [[messenger_body(n)] for _ in range(count)]
    return [apple_requests(n) for _ in range(count)]
