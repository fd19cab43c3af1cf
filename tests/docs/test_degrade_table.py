"""The content × channel table in docs/degrade.md is what the hubs really do.

Each cell is computed with ``hub.preview`` (no I/O): ``native``, the degrade rules taken, or the
refusal. When the table is out of date the test fails and prints the right one; run
``POLYCHAT_UPDATE_DOCS=1 python -m pytest tests/docs/test_degrade_table.py`` to rewrite it.
"""

from __future__ import annotations

import os
import re
import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polychat
from polychat import (
    Audio,
    Button,
    Buttons,
    Card,
    Carousel,
    Contact,
    Contacts,
    File,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    Location,
    MarkRead,
    QuickReplies,
    QuickReply,
    Raw,
    Reaction,
    RichLink,
    Sticker,
    Template,
    Text,
    TimePicker,
    TimeSlot,
    Typing,
    Video,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "degrade.md"
START, END = "<!-- degrade-table:start -->", "<!-- degrade-table:end -->"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
IMG = "https://example.com/p.jpg"


def _items(n: int, described: bool = False) -> list[ListItem]:
    return [ListItem(f"i{k}", f"Item {k}", f"About {k}" if described else None) for k in range(n)]


SAMPLES: list[tuple[str, Any]] = [
    ("Text", Text("Hello!")),
    ("Text, 5,000 characters", Text("Lorem ipsum dolor sit amet. " * 180)),
    ("Image with a caption", Image(url=IMG, caption="Our new mug")),
    ("Image, 2,000-character caption", Image(url=IMG, caption="Long. " * 334)),
    ("Video", Video(url="https://example.com/v.mp4")),
    ("Audio", Audio(url="https://example.com/a.mp3")),
    ("File", File(url="https://example.com/i.pdf", filename="invoice.pdf")),
    ("Sticker", Sticker(url="https://example.com/s.webp")),
    ("Location", Location(latitude=48.8584, longitude=2.2945, name="Shop", address="1 Rue X")),
    ("Contacts", Contacts([Contact("Ada Lovelace", phones=["+16505551234"])])),
    ("Buttons, 3 replies", Buttons("Size?", [Button.reply(s, s) for s in ("S", "M", "L")])),
    ("Buttons, 5 replies", Buttons("Size?", [Button.reply(s, s) for s in ("XS", "S", "M", "L", "XL")])),
    ("Buttons, 12 replies", Buttons("Pick", [Button.reply(f"b{k}", f"Option {k}") for k in range(12)])),
    ("Buttons, reply + URL", Buttons("Track?", [Button.reply("y", "Yes"),
                                                Button.url("Site", "https://example.com")])),
    ("QuickReplies, 3", QuickReplies("Colour?", [QuickReply(c, c) for c in ("Red", "Blue", "Green")])),
    ("QuickReplies, 8", QuickReplies("Pick", [QuickReply(f"q{k}", f"Q{k}") for k in range(8)])),
    ("ListPicker, 5 rows", ListPicker("Pick", "Open", [ListSection(items=_items(5))])),
    ("ListPicker, 12 rows with descriptions",
     ListPicker("Pick", "Open", [ListSection(items=_items(12, described=True))])),
    ("Carousel, 3 cards", Carousel([Card(f"Hat {k}", "Warm", IMG, [Button.reply(f"buy{k}", "Buy")])
                                    for k in range(3)])),
    ("TimePicker, 3 slots", TimePicker("When?", [TimeSlot(f"s{k}", T0 + timedelta(hours=k),
                                                          timedelta(minutes=30)) for k in range(3)],
                                       "Europe/Paris")),
    ("RichLink", RichLink("https://example.com/mug", "Our mug", IMG)),
    ("Template", Template("order_update", "en_US")),
    ("Reaction", Reaction("msg-1", "👍")),
    ("Typing", Typing(on=True, message_id="msg-1")),
    ("MarkRead", MarkRead("msg-1")),
    ("PaymentRequest", polychat.PaymentRequest(
        title="Pay", items=[polychat.PaymentItem(label="Mug", amount=Decimal("12.00"))],
        total=Decimal("12.00"), currency="EUR", country="FR",
        merchant={"merchantIdentifier": "merchant.com.example", "merchantSession": {"a": "b"}},
        endpoints={"paymentGatewayUrl": "https://pay.example.com/gateway"})),
    ("AuthRequest", polychat.AuthRequest(title="Sign in", scope=["openid"], state="nonce-1",
                                         redirect_uri="https://example.com/oauth",
                                         response_type="code")),
    ("Form", polychat.Form(title="Return", pages=[polychat.FormPage(
        id="0", type="select", title="Why?",
        options=[polychat.FormOption(id="1", title="Broken", value="broken")])])),
    ("Raw (for WhatsApp)", Raw("whatsapp", {"type": "text", "text": {"body": "raw"}})),
]

APPLE_ALL = {"capabilities": ["QUICK", "LIST", "TIME", "AUTH", "AUTH2", "FORM"]}
COLUMNS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("WhatsApp", "whatsapp:106540352242922:16505551234", None),
    ("Messenger", "messenger:1029384756:5550001112223334", None),
    ("Apple (device with every capability)", "apple:fake-biz:urn:mbid:AQAAY/fake==", APPLE_ALL),
    ("Apple (device declaring none)", "apple:fake-biz:urn:mbid:AQAAY/fake==", {"capabilities": []}),
]


def _hub() -> polychat.Hub:
    return polychat.Hub(
        polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE"),
        polychat.Messenger(page_id="1029384756", page_access_token="EAAP-FAKE"),
        polychat.AppleMessages(msp_id="fake-msp", business_id="fake-biz",
                               secret="ZmFrZS1tc3Atc2VjcmV0LWZvci10ZXN0cy1vbmx5LTAwMDA="),
    )


def cell(hub: polychat.Hub, address: str, content: Any, state: dict[str, Any] | None) -> str:
    try:
        preview = hub.preview(address, content, state=state)
    except polychat.ContentError as error:
        return f"refused (`{error.limit}`)" if error.limit else "refused"
    if not preview.degraded:
        return "native"
    slugs = [rule.split(":", 1)[0] for rule in preview.degraded]
    return " → ".join(f"`{s}`" for s in slugs)


def render_table() -> str:
    hub = _hub()
    lines = ["| content | " + " | ".join(c[0] for c in COLUMNS) + " |",
             "|---|" + "---|" * len(COLUMNS)]
    for label, content in SAMPLES:
        cells = [cell(hub, address, content, state) for _, address, state in COLUMNS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_docs_table_is_what_the_hub_does() -> None:
    table = render_table()
    text = DOC.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"{DOC} has no {START} … {END} block"
    if found.group(1) != table and os.environ.get("POLYCHAT_UPDATE_DOCS") == "1":
        DOC.write_text(text.replace(found.group(1), table), encoding="utf-8")
        return
    assert found.group(1) == table, "docs/degrade.md is out of date; the table should be:\n" + table


def test_every_content_kind_has_a_row() -> None:
    kinds = {content.kind for _, content in SAMPLES}
    union = typing.get_args(polychat.Content)[0]
    every = {cls.model_fields["kind"].default for cls in typing.get_args(union)}
    assert every - {"unsupported"} <= kinds  # Unsupported is inbound only
