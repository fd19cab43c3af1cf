"""WhatsApp rendering: every content kind, validated against Meta's spec; limits at the boundary."""

from __future__ import annotations

import ast
import copy
import email
import email.policy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polychat import (
    Audio,
    Button,
    Buttons,
    Card,
    Carousel,
    Contact,
    Contacts,
    ContentError,
    File,
    HttpRequest,
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
    Unsupported,
    UnsupportedContent,
    Video,
)
from polychat.channels.whatsapp import LIMITS, UPLOAD_PLACEHOLDER
from polychat.channels.whatsapp import render as render_module
from polychat.channels.whatsapp.render import build_message, upload_request

TO = "16505551234"
BSUID = "US.13491208655302741918"
WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNUU5RjBFNUJGMzc2QjQ1MgA="
LINK = "https://example.com/media/file"
MESSAGES_URL = "https://graph.facebook.com/v25.0/106540352242922/messages"
MEDIA_URL = "https://graph.facebook.com/v25.0/106540352242922/media"
AUTH = "Bearer EAAG-FAKE-ACCESS-TOKEN-0000"


def spec_errors(wa_spec: Any, body: dict[str, Any]) -> list[str]:
    """``wa_spec.errors`` with the spec errata of meta.md section 9 that wa_spec leaves in place.

    - BSUID sends carry ``recipient`` and no ``to``; the spec predates BSUIDs and still requires
      ``to``, so the body is validated with ``to`` put in ``recipient``'s place.
    - ``TemplateComponent.index`` has the broken pattern ``^[2-6, 11-14]$`` that rejects ``"0"``.
    - ``InteractiveObject.type`` leaves out ``cta_url`` (and so has no schema for its action);
      the exact cta_url shape is asserted in its own test instead.
    - ``BodyObject.text`` has ``maxLength: 1024`` for every interactive type, but Meta's list page
      allows list bodies up to 4096 (meta.md 4.3 and its audit); not yet listed in section 9.
    """
    body = copy.deepcopy(body)
    if "recipient" in body:
        body["to"] = body.pop("recipient")
    interactive = (body.get("interactive") or {}).get("type")

    def erratum(error: str) -> bool:
        if "does not match '^[2-6, 11-14]$'" in error:
            return True
        if interactive == "list" and error.startswith("interactive/body/text:"):
            return len(body["interactive"]["body"]["text"]) <= LIMITS["list.body"]
        return interactive == "cta_url" and error.startswith(
            ("interactive/type:", "interactive/action:"))

    return [e for e in wa_spec.errors(body) if not erratum(e)]


def reply(n: int) -> list[Button]:
    return [Button.reply(f"id-{i}", f"Option {i}") for i in range(n)]


def one_section(n: int) -> list[ListSection]:
    return [ListSection(items=[ListItem(id=f"row-{i}", title=f"Row {i}") for i in range(n)])]


TEMPLATE_COMPONENTS: list[dict[str, Any]] = [
    {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/h.jpg"}}]},
    {"type": "body", "parameters": [
        {"type": "text", "text": "Ada"},
        {"type": "currency",
         "currency": {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990}},
        {"type": "date_time", "date_time": {"fallback_value": "Feb 25, 2026"}},
    ]},
    {"type": "button", "sub_type": "quick_reply", "index": 0,
     "parameters": [{"type": "payload", "payload": "YES"}]},
    {"type": "button", "sub_type": "url", "index": "1",
     "parameters": [{"type": "text", "text": "order-123"}]},
]

# (id, recipient, content, reply_to): every renderable kind and variant.
CASES: list[tuple[str, str, Any, str | None]] = [
    ("text", TO, Text("hello"), None),
    ("text-preview", TO, Text("see https://example.com", preview_url=True), None),
    ("text-reply", TO, Text("quoted"), WAMID),
    ("text-formatted-phone", "+1 650 555 1234", Text("hi"), None),
    ("image-link", TO, Image(url=LINK), None),
    ("image-id", TO, Image(media_id="1037543291543636"), None),
    ("image-caption", TO, Image(url=LINK, caption="A photo"), None),
    ("image-reply", TO, Image(media_id="1037543291543636"), WAMID),
    ("video-link", TO, Video(url=LINK), None),
    ("video-id-caption", TO, Video(media_id="1037543291543636", caption="Clip"), None),
    ("audio-link", TO, Audio(url=LINK), None),
    ("audio-id", TO, Audio(media_id="1037543291543636"), None),
    ("audio-voice", TO, Audio(media_id="1037543291543636", voice=True), None),
    ("file-link", TO, File(url=LINK), None),
    ("file-id-caption-filename", TO,
     File(media_id="1037543291543636", caption="Your invoice", filename="invoice.pdf"), None),
    ("sticker-link", TO, Sticker(url=LINK), None),
    ("sticker-id", TO, Sticker(media_id="1037543291543636"), None),
    ("location", TO, Location(latitude=37.4847, longitude=-122.1486), None),
    ("location-named", TO,
     Location(latitude=37.4847, longitude=-122.1486, name="Meta HQ",
              address="1 Hacker Way, Menlo Park, CA 94025"), None),
    ("contacts-min", TO, Contacts([Contact(name="Ada Lovelace")]), None),
    ("contacts-full", TO, Contacts([Contact(
        name="Ada Lovelace", first_name="Ada", last_name="Lovelace", phones=["+16505551234"],
        emails=["ada@example.com"], organization="Analytical Engines",
        urls=["https://example.com/ada"])]), None),
    ("contacts-five", TO, Contacts([Contact(name=f"Person {i}") for i in range(5)]), None),
    ("buttons-one", TO, Buttons("Track your order?", [Button.reply("yes", "Yes")]), None),
    ("buttons-three-header-footer", TO,
     Buttons("Reschedule?", reply(3), header="Appointment", footer="Lucky Shrub"), None),
    ("buttons-reply", TO, Buttons("Track?", reply(2)), WAMID),
    ("cta-url", TO, Buttons("See dates", [Button.url("See Dates", "https://x.test/?id=1")]), None),
    ("cta-url-header-footer", TO,
     Buttons("See dates", [Button.url("See Dates", "https://x.test/")], header="Tour",
             footer="Book now"), None),
    ("list-one-section", TO, ListPicker("Pick one", "Options", one_section(3)), None),
    ("list-sections", TO, ListPicker(
        text="Choose shipping", button="Shipping", header="Shipping", footer="Prices incl. VAT",
        sections=[
            ListSection(title="Fast", items=[
                ListItem(id="express", title="Priority Express", description="1-2 days")]),
            ListSection(title="Cheap", items=[
                ListItem(id="ground", title="Ground", description="5-7 days"),
                ListItem(id="pickup", title="Pick up in store")]),
        ]), None),
    ("template-plain", TO, Template(name="hello_world", language="en_US"), None),
    ("template-components", TO,
     Template(name="order_update", language="pt_BR", components=TEMPLATE_COMPONENTS), None),
    ("template-named", TO, Template(name="welcome", language="en", components=[
        {"type": "body", "parameters": [
            {"type": "text", "text": "Ada", "parameter_name": "first_name"},
            {"type": "text", "text": "ORD-1", "parameter_name": "order_id"}]}]), None),
    ("reaction", TO, Reaction(message_id=WAMID, emoji="\N{THUMBS UP SIGN}"), None),
    ("reaction-remove", TO, Reaction(message_id=WAMID, emoji=""), None),
    ("mark-read", TO, MarkRead(message_id=WAMID), None),
    ("typing", TO, Typing(on=True, message_id=WAMID), None),
    ("bsuid-text", BSUID, Text("hi"), None),
    ("bsuid-parent", "US.ENT.11815799212886844830", Text("hi"), None),
    ("bsuid-buttons", BSUID, Buttons("Yes?", reply(2)), None),
    ("raw", TO, Raw(channel="whatsapp", payload={"type": "text", "text": {"body": "raw"}}), None),
    ("raw-with-envelope", TO, Raw(channel="whatsapp", payload={
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15550001111",
        "type": "location", "location": {"latitude": 1.5, "longitude": 2.5}}), None),
]


@pytest.mark.parametrize(("to", "content", "reply_to"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_every_body_validates_against_the_spec(
    wa_spec: Any, to: str, content: Any, reply_to: str | None
) -> None:
    body = build_message(to, content, reply_to=reply_to)
    assert body["messaging_product"] == "whatsapp"
    assert spec_errors(wa_spec, body) == []


def test_cases_cover_every_renderable_kind() -> None:
    kinds = {c[2].kind for c in CASES}
    assert kinds == {
        "text", "image", "video", "audio", "file", "sticker", "location", "contacts", "buttons",
        "list", "template", "reaction", "mark_read", "typing", "raw",
    }


# -- exact shapes ---------------------------------------------------------------------------------


def test_text_body() -> None:
    assert build_message(TO, Text("hi")) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
        "type": "text", "text": {"body": "hi", "preview_url": False},
    }


def test_reply_to_adds_context() -> None:
    body = build_message(TO, Text("hi", preview_url=True), reply_to=WAMID)
    assert body["context"] == {"message_id": WAMID}
    assert body["text"] == {"body": "hi", "preview_url": True}


def test_phone_number_whitespace_is_removed() -> None:
    assert build_message(" +1 650 555 1234\n", Text("hi"))["to"] == "+16505551234"


@pytest.mark.parametrize("user_id", [BSUID, "US.ENT.11815799212886844830", "BR.a1B2c3"])
def test_bsuid_recipient_replaces_to(user_id: str) -> None:
    body = build_message(user_id, Text("hi"))
    assert body["recipient"] == user_id
    assert "to" not in body
    assert "recipient_type" not in body


@pytest.mark.parametrize("phone", ["16505551234", "+16505551234", "+1.650.555.1234", "us.123"])
def test_phone_numbers_are_not_bsuids(phone: str) -> None:
    body = build_message(phone, Text("hi"))
    assert body["to"] == phone
    assert "recipient" not in body


def test_media_by_id_and_by_link() -> None:
    assert build_message(TO, Image(media_id="42", caption="c"))["image"] == {
        "id": "42", "caption": "c"}
    assert build_message(TO, Video(url=LINK))["video"] == {"link": LINK}
    assert build_message(TO, Sticker(media_id="7"))["sticker"] == {"id": "7"}


def test_document_has_filename_and_caption() -> None:
    body = build_message(TO, File(url=LINK, caption="Invoice", filename="invoice.pdf"))
    assert body["type"] == "document"
    assert body["document"] == {"link": LINK, "caption": "Invoice", "filename": "invoice.pdf"}


def test_filename_only_on_documents() -> None:
    assert build_message(TO, Image(url=LINK, filename="x.png"))["image"] == {"link": LINK}


def test_voice_note() -> None:
    assert build_message(TO, Audio(media_id="9", voice=True))["audio"] == {"id": "9", "voice": True}
    assert build_message(TO, Audio(media_id="9"))["audio"] == {"id": "9"}


def test_location_numbers() -> None:
    body = build_message(TO, Location(latitude=37.48, longitude=-122.14, name="HQ"))
    assert body["location"] == {"latitude": 37.48, "longitude": -122.14, "name": "HQ"}


def test_contacts_cards() -> None:
    body = build_message(TO, Contacts([
        Contact(name="Ada Lovelace", first_name="Ada", phones=["+1 650 555 1234"],
                emails=["ada@example.com"], organization="AE", urls=["https://ada.test"]),
        Contact(name="Bob"),
    ]))
    assert body["contacts"] == [
        {"name": {"formatted_name": "Ada Lovelace", "first_name": "Ada"},
         "phones": [{"phone": "+1 650 555 1234"}], "emails": [{"email": "ada@example.com"}],
         "org": {"company": "AE"}, "urls": [{"url": "https://ada.test"}]},
        # Meta wants a first or last name beside formatted_name: the full name stands in.
        {"name": {"formatted_name": "Bob", "first_name": "Bob"}},
    ]


def test_reply_buttons_body() -> None:
    content = Buttons("Reschedule?", [Button.reply("change", "Change"),
                                      Button.reply("cancel", "Cancel")],
                      header="Appointment", footer="Lucky Shrub")
    assert build_message(TO, content)["interactive"] == {
        "type": "button",
        "header": {"type": "text", "text": "Appointment"},
        "body": {"text": "Reschedule?"},
        "footer": {"text": "Lucky Shrub"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "change", "title": "Change"}},
            {"type": "reply", "reply": {"id": "cancel", "title": "Cancel"}},
        ]},
    }


def test_cta_url_body() -> None:
    content = Buttons("See dates", [Button.url("See Dates", "https://x.test/?id=1")])
    assert build_message(TO, content)["interactive"] == {
        "type": "cta_url",
        "body": {"text": "See dates"},
        "action": {"name": "cta_url",
                   "parameters": {"display_text": "See Dates", "url": "https://x.test/?id=1"}},
    }


def test_list_body() -> None:
    content = ListPicker(
        text="Pick one", button="Options", header="Shipping", footer="f",
        sections=[ListSection(title="Fast", items=[
            ListItem(id="express", title="Priority Express", description="1-2 days",
                     image_url="https://x.test/i.png")])],
    )
    assert build_message(TO, content)["interactive"] == {
        "type": "list",
        "header": {"type": "text", "text": "Shipping"},
        "body": {"text": "Pick one"},
        "footer": {"text": "f"},
        "action": {"button": "Options", "sections": [{"title": "Fast", "rows": [
            {"id": "express", "title": "Priority Express", "description": "1-2 days"}]}]},
    }


def test_single_untitled_section_has_no_title() -> None:
    body = build_message(TO, ListPicker("Pick", "Open", one_section(1)))
    assert body["interactive"]["action"]["sections"] == [
        {"rows": [{"id": "row-0", "title": "Row 0"}]}]


def test_template_body() -> None:
    body = build_message(TO, Template(name="order_update", language="en_US",
                                      components=TEMPLATE_COMPONENTS))
    template = body["template"]
    assert template["name"] == "order_update"
    assert template["language"] == {"code": "en_US"}
    assert [c.get("index") for c in template["components"]] == [None, None, "0", "1"]
    assert template["components"][1] == TEMPLATE_COMPONENTS[1]
    assert TEMPLATE_COMPONENTS[2]["index"] == 0  # the content's own dicts are not modified


def test_template_without_components() -> None:
    assert build_message(TO, Template(name="hello_world", language="en"))["template"] == {
        "name": "hello_world", "language": {"code": "en"}}


def test_template_component_type_is_sent_lower_case() -> None:
    body = build_message(TO, Template(name="t", language="en", components=[{"type": "BODY"}]))
    assert body["template"]["components"] == [{"type": "body"}]


def test_template_carousel_cards_are_checked() -> None:
    card = {"card_index": 0, "components": [{"type": "button", "sub_type": "quick_reply",
                                             "index": 0, "parameters": []}]}
    body = build_message(TO, Template(name="t", language="en",
                                      components=[{"type": "carousel", "cards": [card]}]))
    assert body["template"]["components"][0]["cards"][0]["components"][0]["index"] == "0"
    bad = {"card_index": 0, "components": [{"type": "button", "index": 0}]}
    with pytest.raises(ContentError) as info:
        build_message(TO, Template(name="t", language="en",
                                   components=[{"type": "carousel", "cards": [bad]}]))
    assert info.value.limit == "whatsapp.template.button"


@pytest.mark.parametrize("emoji", ["\N{GRINNING FACE}", ""])
def test_reaction(emoji: str) -> None:
    body = build_message(TO, Reaction(message_id=WAMID, emoji=emoji), reply_to="wamid.other")
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
                    "type": "reaction", "reaction": {"message_id": WAMID, "emoji": emoji}}


def test_mark_read() -> None:
    assert build_message(TO, MarkRead(message_id=WAMID), reply_to="wamid.other") == {
        "messaging_product": "whatsapp", "status": "read", "message_id": WAMID}


def test_typing_on() -> None:
    assert build_message(TO, Typing(on=True, message_id=WAMID), reply_to="wamid.other") == {
        "messaging_product": "whatsapp", "status": "read", "message_id": WAMID,
        "typing_indicator": {"type": "text"}}


def test_typing_off_renders_nothing() -> None:
    # WhatsApp has no "typing off" call: the empty body tells the channel to send nothing.
    assert build_message(TO, Typing(on=False)) == {}
    assert build_message(TO, Typing(on=False, message_id=WAMID)) == {}


def test_typing_needs_a_message_id() -> None:
    with pytest.raises(ContentError) as info:
        build_message(TO, Typing(on=True))
    assert info.value.limit == "whatsapp.typing.message_id"
    assert not isinstance(info.value, UnsupportedContent)


def test_raw_gets_the_envelope() -> None:
    content = Raw(channel="whatsapp", payload={"type": "text", "text": {"body": "x"}})
    assert build_message(TO, content, reply_to=WAMID) == {
        "type": "text", "text": {"body": "x"}, "messaging_product": "whatsapp",
        "recipient_type": "individual", "to": TO, "context": {"message_id": WAMID}}
    assert content.payload == {"type": "text", "text": {"body": "x"}}  # not mutated


def test_raw_keeps_its_own_values() -> None:
    payload = {"messaging_product": "whatsapp", "recipient": BSUID, "type": "text",
               "text": {"body": "x"}, "context": {"message_id": "wamid.own"}}
    assert build_message(TO, Raw(channel="whatsapp", payload=payload), reply_to=WAMID) == payload


def test_raw_bsuid_and_read_receipt() -> None:
    body = build_message(BSUID, Raw(channel="whatsapp", payload={"type": "text",
                                                                  "text": {"body": "x"}}))
    assert body["recipient"] == BSUID
    assert "to" not in body
    read = build_message(TO, Raw(channel="whatsapp", payload={"status": "read",
                                                               "message_id": WAMID}))
    assert read == {"status": "read", "message_id": WAMID, "messaging_product": "whatsapp"}


def test_raw_for_another_channel_is_unsupported() -> None:
    with pytest.raises(UnsupportedContent) as info:
        build_message(TO, Raw(channel="messenger", payload={"message": {"text": "x"}}))
    assert info.value.limit == "whatsapp.raw.channel"


# -- limits, at the boundary ----------------------------------------------------------------------


def _x(n: int) -> str:
    return "x" * n


LIMIT_CASES: list[tuple[str, Callable[[int], Any]]] = [
    ("text.body", lambda n: Text(_x(n))),
    ("media.caption", lambda n: Image(url=LINK, caption=_x(n))),
    ("buttons.count", lambda n: Buttons("Pick", reply(n))),
    ("buttons.title", lambda n: Buttons("Pick", [Button.reply("a", _x(n))])),
    ("buttons.id", lambda n: Buttons("Pick", [Button.reply(_x(n), "A")])),
    ("buttons.body", lambda n: Buttons(_x(n), reply(1))),
    ("header.text", lambda n: Buttons("Pick", reply(1), header=_x(n))),
    ("footer.text", lambda n: Buttons("Pick", reply(1), footer=_x(n))),
    ("cta_url.display_text", lambda n: Buttons("Go", [Button.url(_x(n), "https://x.test")])),
    ("cta_url.body", lambda n: Buttons(_x(n), [Button.url("Go", "https://x.test")])),
    ("list.body", lambda n: ListPicker(_x(n), "Open", one_section(1))),
    ("list.button", lambda n: ListPicker("Pick", _x(n), one_section(1))),
    ("list.sections", lambda n: ListPicker("Pick", "Open", [
        ListSection(title=f"S{i}", items=[ListItem(id=f"r{i}", title="R")]) for i in range(n)])),
    ("list.rows", lambda n: ListPicker("Pick", "Open", one_section(n))),
    ("list.section_title", lambda n: ListPicker("Pick", "Open", [
        ListSection(title=_x(n), items=[ListItem(id="a", title="A")]),
        ListSection(title="Other", items=[ListItem(id="b", title="B")])])),
    ("list.row_id", lambda n: ListPicker("Pick", "Open", [
        ListSection(items=[ListItem(id=_x(n), title="A")])])),
    ("list.row_title", lambda n: ListPicker("Pick", "Open", [
        ListSection(items=[ListItem(id="a", title=_x(n))])])),
    ("list.row_description", lambda n: ListPicker("Pick", "Open", [
        ListSection(items=[ListItem(id="a", title="A", description=_x(n))])])),
    ("contacts.count", lambda n: Contacts([Contact(name=f"P{i}") for i in range(n)])),
    ("template.parameter_name", lambda n: Template(name="t", language="en", components=[
        {"type": "body", "parameters": [{"type": "text", "text": "v", "parameter_name": _x(n)}]}])),
]


@pytest.mark.parametrize(("key", "make"), [pytest.param(k, m, id=k) for k, m in LIMIT_CASES])
def test_limit_boundary(wa_spec: Any, key: str, make: Callable[[int], Any]) -> None:
    limit = LIMITS[key]
    at_limit = build_message(TO, make(limit))
    assert spec_errors(wa_spec, at_limit) == []
    with pytest.raises(ContentError) as info:
        build_message(TO, make(limit + 1))
    assert info.value.limit == f"whatsapp.{key}"
    message = str(info.value)
    assert f"at most {limit} " in message
    assert f"got {limit + 1}" in message
    assert f"(limit whatsapp.{key})" in message
    assert not isinstance(info.value, UnsupportedContent)


def test_reply_button_count_message() -> None:
    with pytest.raises(ContentError) as info:
        build_message(TO, Buttons("Pick", reply(4)))
    assert str(info.value) == (
        "WhatsApp reply buttons allow at most 3 buttons, got 4 (limit whatsapp.buttons.count)")


def test_lengths_count_code_points() -> None:
    emoji = "\N{GRINNING FACE}" * LIMITS["buttons.title"]  # 20 characters, 80 UTF-8 bytes
    build_message(TO, Buttons("Pick", [Button.reply("a", emoji)]))


MEDIA_SIZE_CASES: list[tuple[str, Callable[[bytes], Any]]] = [
    ("media.image", lambda d: Image(data=d, mime_type="image/jpeg")),
    ("media.video", lambda d: Video(data=d, mime_type="video/mp4")),
    ("media.audio", lambda d: Audio(data=d, mime_type="audio/aac")),
    ("media.file", lambda d: File(data=d, mime_type="application/pdf")),
    ("media.sticker", lambda d: Sticker(data=d, mime_type="image/webp")),
    ("sticker.static_size", lambda d: Sticker(data=d, mime_type="image/webp", animated=False)),
]


@pytest.mark.parametrize(("key", "make"), [pytest.param(k, m, id=k) for k, m in MEDIA_SIZE_CASES])
def test_upload_size_boundary(
    wa: Any, monkeypatch: pytest.MonkeyPatch, key: str, make: Callable[[bytes], Any]
) -> None:
    if key == "media.file":  # 100 MB: check the rule on a smaller stand-in limit
        monkeypatch.setitem(LIMITS, key, 2048)
    limit = LIMITS[key]
    upload_request(wa, make(b"x" * limit))
    with pytest.raises(ContentError) as info:
        upload_request(wa, make(b"x" * (limit + 1)))
    assert info.value.limit == f"whatsapp.{key}"
    assert f"({limit} bytes), got {limit + 1} bytes" in str(info.value)


def test_every_limit_is_tested() -> None:
    tested = {k for k, _ in LIMIT_CASES} | {k for k, _ in MEDIA_SIZE_CASES}
    # Content models have no field for these two (no biz_opaque_callback_data, no location
    # request content yet), so render has nothing to check them on.
    assert set(LIMITS) - tested == {"biz_opaque_callback_data", "location_request.body"}


# -- rules ----------------------------------------------------------------------------------------


def _limit_of(content: Any, to: str = TO) -> str | None:
    with pytest.raises(ContentError) as info:
        build_message(to, content)
    return info.value.limit


def test_duplicate_button_titles() -> None:
    content = Buttons("Pick", [Button.reply("a", "Same"), Button.reply("b", "Same")])
    assert _limit_of(content) == "whatsapp.buttons.unique_titles"


def test_button_ids_are_trimmed() -> None:
    body = build_message(TO, Buttons("Pick", [Button.reply("yes  ", "Yes"),
                                              Button.reply(" no", "No")]))
    ids = [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]]
    assert ids == ["yes", "no"]


def test_ids_differing_by_trailing_spaces_are_duplicates() -> None:
    content = Buttons("Pick", [Button.reply("a", "A"), Button.reply("a ", "B")])
    assert _limit_of(content) == "whatsapp.buttons.unique_ids"


def test_trimmed_id_length_is_checked_after_trimming() -> None:
    n = LIMITS["buttons.id"]
    build_message(TO, Buttons("Pick", [Button.reply("x" * n + "   ", "A")]))


@pytest.mark.parametrize("content", [
    pytest.param(Buttons("Pick", [Button.reply("a", "   ")]), id="blank-title"),
    pytest.param(Buttons("Pick", [Button.reply("  ", "A")]), id="blank-id"),
    pytest.param(Buttons("", reply(1)), id="empty-body"),
    pytest.param(Text(""), id="empty-text"),
    pytest.param(ListPicker("Pick", "", one_section(1)), id="empty-list-button"),
])
def test_empty_required_text(content: Any) -> None:
    with pytest.raises(ContentError, match="cannot be empty"):
        build_message(TO, content)


@pytest.mark.parametrize(("buttons", "limit"), [
    pytest.param([Button.call("Call us", "+16505551234")], "whatsapp.buttons.call", id="call"),
    pytest.param([Button.reply("a", "A"), Button.call("Call", "+1")], "whatsapp.buttons.call",
                 id="reply+call"),
    pytest.param([Button.url("A", "https://a.test"), Button.url("B", "https://b.test")],
                 "whatsapp.buttons.mixed", id="two-urls"),
    pytest.param([Button.url("A", "https://a.test"), Button.reply("b", "B")],
                 "whatsapp.buttons.mixed", id="url+reply"),
])
def test_unsupported_button_mixes(buttons: list[Button], limit: str) -> None:
    with pytest.raises(UnsupportedContent) as info:
        build_message(TO, Buttons("Pick", buttons))
    assert info.value.limit == limit


def test_cta_url_needs_http_url() -> None:
    assert _limit_of(Buttons("Go", [Button.url("Go", "ftp://x.test")])) == "whatsapp.cta_url.url"


def test_list_rows_limit_counts_all_sections() -> None:
    sections = [ListSection(title=f"S{s}", items=[ListItem(id=f"{s}-{i}", title="R")
                                                   for i in range(4)]) for s in range(3)]
    assert _limit_of(ListPicker("Pick", "Open", sections)) == "whatsapp.list.rows"


def test_list_section_title_required_with_several_sections() -> None:
    sections = [ListSection(items=[ListItem(id="a", title="A")]),
                ListSection(title="B", items=[ListItem(id="b", title="B")])]
    assert _limit_of(ListPicker("Pick", "Open", sections)) == "whatsapp.list.section_title"


def test_list_empty_section_and_duplicate_rows() -> None:
    empty = [ListSection(title="A", items=[ListItem(id="a", title="A")]),
             ListSection(title="B", items=[])]
    assert _limit_of(ListPicker("Pick", "Open", empty)) == "whatsapp.list.rows"
    dup = [ListSection(items=[ListItem(id="a", title="A"), ListItem(id="a", title="B")])]
    assert _limit_of(ListPicker("Pick", "Open", dup)) == "whatsapp.list.unique_row_ids"


def test_list_multiple_selection_is_unsupported() -> None:
    content = ListPicker("Pick", "Open", one_section(2), multiple_selection=True)
    with pytest.raises(UnsupportedContent) as info:
        build_message(TO, content)
    assert info.value.limit == "whatsapp.list.multiple_selection"


@pytest.mark.parametrize("content", [
    pytest.param(QuickReplies("Pick", [QuickReply(id="a", title="A")]), id="quick-replies"),
    pytest.param(Carousel([Card(title="Card")]), id="carousel"),
    pytest.param(TimePicker(title="When?", slots=[TimeSlot(
        id="s1", start="2026-11-30T10:00:00Z", duration=1800)]), id="time-picker"),
    pytest.param(RichLink(url="https://example.com"), id="rich-link"),
    pytest.param(Unsupported(type="poll"), id="unsupported"),
    pytest.param(object(), id="not-content"),
])
def test_kinds_the_hub_degrades_are_unsupported(content: Any) -> None:
    with pytest.raises(UnsupportedContent):
        build_message(TO, content)


def test_media_bytes_must_be_uploaded_first() -> None:
    with pytest.raises(ContentError, match="uploaded first") as info:
        build_message(TO, Image(data=b"\x89PNG", mime_type="image/png"))
    assert info.value.limit == "whatsapp.media.upload_first"
    assert not isinstance(info.value, UnsupportedContent)


@pytest.mark.parametrize("content", [
    pytest.param(Audio(url=LINK, caption="no"), id="audio"),
    pytest.param(Sticker(url=LINK, caption="no"), id="sticker"),
])
def test_no_caption_on_audio_and_stickers(content: Any) -> None:
    assert _limit_of(content) == "whatsapp.media.caption"


def test_media_link_must_be_http() -> None:
    assert _limit_of(Image(url="file:///etc/passwd")) == "whatsapp.media.link"


def test_empty_recipient() -> None:
    assert _limit_of(Text("hi"), to="  ") == "whatsapp.recipient"


@pytest.mark.parametrize("language", ["en", "en_US", "pt_BR", "zh_CN", "fil", "es_AR"])
def test_template_locales(language: str) -> None:
    body = build_message(TO, Template(name="t", language=language))
    assert body["template"]["language"] == {"code": language}


@pytest.mark.parametrize(("language", "hint"), [
    ("en-US", "did you mean en_US?"), ("pt-br", "did you mean pt_BR?"), ("", ""),
    ("English", ""), ("en_us", "did you mean en_US?"),
])
def test_template_language_must_be_a_locale(language: str, hint: str) -> None:
    with pytest.raises(ContentError, match=hint or None) as info:
        build_message(TO, Template(name="t", language=language))
    assert info.value.limit == "whatsapp.template.language"


def test_template_needs_a_name() -> None:
    assert _limit_of(Template(name=" ", language="en")) == "whatsapp.template.name"


def test_template_components_must_be_a_list() -> None:
    # heyoo #44: components sent as a dict. The model refuses it; render checks again for
    # models built without validation.
    content = Template.model_construct(name="t", language="en", components={"type": "body"})
    assert _limit_of(content) == "whatsapp.template.components"


@pytest.mark.parametrize(("component", "limit"), [
    ({"parameters": []}, "whatsapp.template.components"),
    ({"type": "headline"}, "whatsapp.template.components"),
    ({"type": "body", "parameters": {"type": "text"}}, "whatsapp.template.components"),
    ({"type": "body", "parameters": [{"text": "no type"}]}, "whatsapp.template.components"),
    ({"type": "button", "index": "0"}, "whatsapp.template.button"),
    ({"type": "button", "sub_type": "url"}, "whatsapp.template.button"),
    ({"type": "button", "sub_type": "url", "index": -1}, "whatsapp.template.button"),
    ({"type": "button", "sub_type": "url", "index": "first"}, "whatsapp.template.button"),
    ({"type": "button", "sub_type": "url", "index": True}, "whatsapp.template.button"),
    ({"type": "body", "parameters": [
        {"type": "text", "text": "a", "parameter_name": "first_name"},
        {"type": "text", "text": "b"}]}, "whatsapp.template.parameter_format"),
    ({"type": "body", "parameters": [
        {"type": "text", "text": "a", "parameter_name": "First-Name"}]},
     "whatsapp.template.parameter_name"),
])
def test_template_component_rules(component: dict[str, Any], limit: str) -> None:
    content = Template(name="t", language="en", components=[component])
    assert _limit_of(content) == limit


# -- uploads --------------------------------------------------------------------------------------


def _form(request: HttpRequest) -> dict[str, tuple[str | None, str, bytes]]:
    """Parse a multipart body into name → (filename, content type, payload)."""
    raw = (f"Content-Type: {request.headers['Content-Type']}\r\n\r\n").encode()
    message = email.message_from_bytes(raw + (request.content or b""), policy=email.policy.HTTP)
    parts: dict[str, tuple[str | None, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(payload, bytes)
        parts[name] = (part.get_filename(), part.get_content_type(), payload)
    return parts


def test_upload_request(wa: Any) -> None:
    request = upload_request(wa, Image(data=b"\x89PNG-bytes", mime_type="image/png"))
    assert request.method == "POST"
    assert request.url == MEDIA_URL
    assert request.headers["Authorization"] == AUTH
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert request.json is None
    form = _form(request)
    assert form["messaging_product"][2] == b"whatsapp"
    assert form["type"][2] == b"image/png"
    assert form["file"] == ("image.png", "image/png", b"\x89PNG-bytes")


@pytest.mark.parametrize(("media", "filename", "mime"), [
    (File(data=b"%PDF", mime_type="application/pdf", filename="invoice.pdf"), "invoice.pdf",
     "application/pdf"),
    (File(data=b"PK", mime_type="application/zip"), "document.bin", "application/zip"),
    (File(data=b"hello", mime_type="text/plain"), "document.txt", "text/plain"),
    (Audio(data=b"OggS", mime_type="audio/ogg; codecs=opus", voice=True), "audio.ogg",
     "audio/ogg"),
    (Audio(data=b"ID3", mime_type="audio/mp3"), "audio.mp3", "audio/mpeg"),
    (Image(data=b"\xff\xd8", mime_type="image/JPG"), "image.jpg", "image/jpeg"),
    (Video(data=b"....ftyp", mime_type="video/3gpp"), "video.3gp", "video/3gpp"),
    (Sticker(data=b"RIFF", mime_type="image/webp"), "sticker.webp", "image/webp"),
])
def test_upload_filename_and_mime(wa: Any, media: Any, filename: str, mime: str) -> None:
    form = _form(upload_request(wa, media))
    assert form["type"][2] == mime.encode()
    assert form["file"][:2] == (filename, mime)


@pytest.mark.parametrize(("media", "limit"), [
    (Image(data=b"GIF89a", mime_type="image/gif"), "whatsapp.media.image.mime_type"),
    (Video(data=b"x", mime_type="video/webm"), "whatsapp.media.video.mime_type"),
    (Audio(data=b"x", mime_type="audio/wav"), "whatsapp.media.audio.mime_type"),
    (Sticker(data=b"x", mime_type="image/png"), "whatsapp.media.sticker.mime_type"),
    (File(data=b"x", mime_type="image/png"), "whatsapp.media.file.mime_type"),
    (Audio(data=b"ID3", mime_type="audio/mpeg", voice=True), "whatsapp.audio.voice"),
    (Image(data=b"", mime_type="image/png"), "whatsapp.media.image"),
])
def test_upload_refusals(wa: Any, media: Any, limit: str) -> None:
    with pytest.raises(ContentError) as info:
        upload_request(wa, media)
    assert info.value.limit == limit


def test_upload_needs_bytes(wa: Any) -> None:
    with pytest.raises(ContentError, match="data= bytes"):
        upload_request(wa, Image(url=LINK))


# -- the channel's render() -----------------------------------------------------------------------


def test_channel_render_text(wa: Any) -> None:
    requests = wa.render("16505551234", Text("hi"))
    assert len(requests) == 1
    request = requests[0]
    assert request.method == "POST"
    assert request.url == MESSAGES_URL
    assert request.headers["Authorization"] == AUTH
    assert request.json == build_message("16505551234", Text("hi"))


def test_channel_render_reply(wa: Any) -> None:
    [request] = wa.render("16505551234", Text("hi"), reply_to=WAMID)
    assert request.json["context"] == {"message_id": WAMID}


def test_channel_render_uploads_bytes_first(wa: Any, wa_spec: Any) -> None:
    upload, send = wa.render("16505551234", Image(data=b"\x89PNG", mime_type="image/png"))
    assert upload.url == MEDIA_URL
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert _form(upload)["file"][2] == b"\x89PNG"
    assert send.url == MESSAGES_URL
    assert send.json["image"] == {"id": UPLOAD_PLACEHOLDER}
    assert spec_errors(wa_spec, send.json) == []


# -- module hygiene -------------------------------------------------------------------------------


def test_render_modules_do_no_io() -> None:
    package = Path(render_module.__file__).parent
    for name in ("render.py", "_interactive.py", "_template.py", "_check.py"):
        tree = ast.parse((package / name).read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0
        }
        assert not imported & {"httpx", "requests", "socket", "urllib3", "aiohttp"}, name


def test_public_names() -> None:
    assert render_module.__all__ == ["build_message", "upload_request"]
