"""Messenger rendering: exact bodies for every content kind, limits at the boundary, uploads,
the typed templates, and the requests the channel builds from them."""

from __future__ import annotations

import ast
import email
import email.policy
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

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
from polychat._model import PolychatModel
from polychat._multipart import encode_multipart
from polychat.channels.messenger import render as render_module
from polychat.channels.messenger.limits import CAPABILITIES, LIMITS
from polychat.channels.messenger.render import (
    ReceiptAddress,
    ReceiptAdjustment,
    ReceiptElement,
    attachment_upload_body,
    build_message,
    media_template,
    receipt_template,
    recipient,
    upload_form,
)

PSID = "1254459154682919"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP"
LINK = "https://example.com/media/file.bin"
ATTACHMENT_ID = "1857777774821032"
FB_PHOTO = "https://www.facebook.com/photo.php?fbid=10158000000000000"
R = {"id": PSID}

PAGE_ID = "1234567890"
PAGE_TOKEN = "EAAG-FAKE-PAGE-TOKEN"
APP_SECRET = "fake-secret"


def message(msg: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An ordinary message body to ``PSID`` with default options."""
    return {"recipient": R, "messaging_type": "RESPONSE", "message": msg, **extra}


def button_template(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": text, "buttons": buttons}}}


def generic(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": elements}}}


def replies(n: int) -> list[Button]:
    return [Button.reply(f"id-{i}", f"Option {i}") for i in range(n)]


POSTBACK = {"type": "postback", "title": "Yes", "payload": "yes"}
WEB_URL = {"type": "web_url", "url": "https://shop.example/track?o=1", "title": "Track"}
CALL = {"type": "phone_number", "title": "Call us", "payload": "+16505551234"}

# (id, content, options, expected body): every content kind and variant, exact shapes.
BODY_CASES: list[tuple[str, Any, dict[str, Any], dict[str, Any]]] = [
    ("text", Text("hello, world"), {}, message({"text": "hello, world"})),
    ("text-preview-ignored", Text("see https://x.test", preview_url=True), {},
     message({"text": "see https://x.test"})),
    ("text-reply", Text("Sure"), {"reply_to": MID},
     message({"text": "Sure"}, reply_to={"mid": MID})),
    ("text-metadata", Text("hi"), {"metadata": "order-42"},
     message({"text": "hi", "metadata": "order-42"})),
    ("text-update", Text("hi"), {"messaging_type": "UPDATE"},
     {"recipient": R, "messaging_type": "UPDATE", "message": {"text": "hi"}}),
    ("text-human-agent", Text("A human here"),
     {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"},
     {"recipient": R, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
      "message": {"text": "A human here"}}),
    ("text-silent-persona", Text("hi"), {"notification_type": "SILENT_PUSH", "persona_id": "777"},
     message({"text": "hi"}, notification_type="SILENT_PUSH", persona_id="777")),
    ("image-url", Image(url=LINK), {},
     message({"attachment": {"type": "image", "payload": {"url": LINK, "is_reusable": True}}})),
    ("image-id", Image(media_id=ATTACHMENT_ID), {},
     message({"attachment": {"type": "image", "payload": {"attachment_id": ATTACHMENT_ID}}})),
    ("image-reply", Image(media_id=ATTACHMENT_ID), {"reply_to": MID},
     message({"attachment": {"type": "image", "payload": {"attachment_id": ATTACHMENT_ID}}},
             reply_to={"mid": MID})),
    ("video-url", Video(url=LINK), {},
     message({"attachment": {"type": "video", "payload": {"url": LINK, "is_reusable": True}}})),
    ("video-id", Video(media_id=ATTACHMENT_ID), {},
     message({"attachment": {"type": "video", "payload": {"attachment_id": ATTACHMENT_ID}}})),
    ("audio-url", Audio(url=LINK), {},
     message({"attachment": {"type": "audio", "payload": {"url": LINK, "is_reusable": True}}})),
    ("audio-voice-id", Audio(media_id=ATTACHMENT_ID, voice=True), {},
     message({"attachment": {"type": "audio", "payload": {"attachment_id": ATTACHMENT_ID}}})),
    ("file-url-filename", File(url=LINK, filename="invoice.pdf"), {},
     message({"attachment": {"type": "file", "payload": {"url": LINK, "is_reusable": True}}})),
    ("file-id", File(media_id=ATTACHMENT_ID), {},
     message({"attachment": {"type": "file", "payload": {"attachment_id": ATTACHMENT_ID}}})),
    ("quick-replies", QuickReplies("Pick a color:", [
        QuickReply(id="RED", title="Red", image_url="https://x.test/red.png"),
        QuickReply(id="GREEN", title="Green")]), {},
     message({"text": "Pick a color:", "quick_replies": [
         {"content_type": "text", "title": "Red", "payload": "RED",
          "image_url": "https://x.test/red.png"},
         {"content_type": "text", "title": "Green", "payload": "GREEN"}]})),
    ("quick-replies-profile", QuickReplies("How can we reach you?", [
        QuickReply(id="user_phone_number", title="Phone", image_url="https://x.test/p.png"),
        QuickReply(id="user_email", title="E-mail"),
        QuickReply(id="later", title="Later")]), {},
     message({"text": "How can we reach you?", "quick_replies": [
         {"content_type": "user_phone_number"},
         {"content_type": "user_email"},
         {"content_type": "text", "title": "Later", "payload": "later"}]})),
    ("buttons-postback", Buttons("Track your order?", [Button.reply("yes", "Yes")]), {},
     message(button_template("Track your order?", [POSTBACK]))),
    ("buttons-mixed", Buttons("What next?", [
        Button.reply("yes", "Yes"), Button.url("Track", "https://shop.example/track?o=1"),
        Button.call("Call us", "+1 (650) 555-1234")]), {},
     message(button_template("What next?", [POSTBACK, WEB_URL, CALL]))),
    ("buttons-header-footer", Buttons("Reschedule?", [Button.reply("yes", "Yes")],
                                      header="Appointment", footer="Lucky Shrub"), {},
     message(button_template("Appointment\nReschedule?\nLucky Shrub", [POSTBACK]))),
    ("buttons-reply-to", Buttons("Track?", [Button.reply("yes", "Yes")]), {"reply_to": MID},
     message(button_template("Track?", [POSTBACK]), reply_to={"mid": MID})),
    ("carousel-full", Carousel([Card(
        title="Welcome!", subtitle="We have hats", image_url="https://x.test/h.jpg",
        default_url="https://x.test", buttons=[Button.url("View", "https://x.test"),
                                               Button.reply("START", "Chat")])]), {},
     message(generic([{
         "title": "Welcome!", "subtitle": "We have hats", "image_url": "https://x.test/h.jpg",
         "default_action": {"type": "web_url", "url": "https://x.test"},
         "buttons": [{"type": "web_url", "url": "https://x.test", "title": "View"},
                     {"type": "postback", "title": "Chat", "payload": "START"}]}]))),
    ("carousel-minimal-cards", Carousel([
        Card(title="Only image", image_url="https://x.test/1.jpg"),
        Card(title="Only subtitle", subtitle="s"),
        Card(title="Only link", default_url="https://x.test/3"),
        Card(title="Only buttons", buttons=[Button.call("Call us", "+16505551234")])]), {},
     message(generic([
         {"title": "Only image", "image_url": "https://x.test/1.jpg"},
         {"title": "Only subtitle", "subtitle": "s"},
         {"title": "Only link", "default_action": {"type": "web_url", "url": "https://x.test/3"}},
         {"title": "Only buttons", "buttons": [CALL]}]))),
    ("reaction", Reaction(message_id=MID, emoji="\N{SMILING FACE WITH SMILING EYES}"), {},
     {"recipient": R, "sender_action": "react",
      "payload": {"message_id": MID, "reaction": "\N{SMILING FACE WITH SMILING EYES}"}}),
    ("unreact", Reaction(message_id=MID, emoji=""), {},
     {"recipient": R, "sender_action": "unreact", "payload": {"message_id": MID}}),
    ("typing-on", Typing(on=True), {}, {"recipient": R, "sender_action": "typing_on"}),
    ("typing-off", Typing(on=False, message_id=MID), {},
     {"recipient": R, "sender_action": "typing_off"}),
    ("typing-persona", Typing(), {"persona_id": "777"},
     {"recipient": R, "sender_action": "typing_on", "persona_id": "777"}),
    ("mark-seen", MarkRead(message_id=MID), {}, {"recipient": R, "sender_action": "mark_seen"}),
    ("raw-message", Raw(channel="messenger", payload={"message": {"text": "raw"}}), {},
     {"message": {"text": "raw"}, "recipient": R, "messaging_type": "RESPONSE"}),
    ("raw-sender-action", Raw(channel="messenger", payload={"sender_action": "typing_on"}),
     {"reply_to": MID, "tag": "HUMAN_AGENT"},
     {"sender_action": "typing_on", "recipient": R}),
    ("raw-own-envelope", Raw(channel="messenger", payload={
        "recipient": {"user_ref": "ref-1"}, "messaging_type": "UPDATE",
        "message": {"text": "x", "metadata": "own"}, "reply_to": {"mid": "m_own"}}),
     {"reply_to": MID, "metadata": "ignored"},
     {"recipient": {"user_ref": "ref-1"}, "messaging_type": "UPDATE",
      "message": {"text": "x", "metadata": "own"}, "reply_to": {"mid": "m_own"}}),
    ("raw-options-added", Raw(channel="messenger", payload={"message": {"text": "x"}}),
     {"reply_to": MID, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
      "notification_type": "NO_PUSH", "persona_id": "777", "metadata": "m"},
     {"message": {"text": "x", "metadata": "m"}, "recipient": R, "persona_id": "777",
      "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "notification_type": "NO_PUSH",
      "reply_to": {"mid": MID}}),
]


@pytest.mark.parametrize(("content", "options", "expected"),
                         [pytest.param(*c[1:], id=c[0]) for c in BODY_CASES])
def test_body(content: Any, options: dict[str, Any], expected: dict[str, Any]) -> None:
    body = build_message(PSID, content, **options)
    assert body == expected
    json.dumps(body)  # plain JSON data


def test_cases_cover_every_native_kind() -> None:
    assert {c[1].kind for c in BODY_CASES} == CAPABILITIES.content_kinds


def test_envelope_key_order() -> None:
    body = build_message(PSID, Text("hi"), reply_to=MID, messaging_type="MESSAGE_TAG",
                         tag="HUMAN_AGENT", notification_type="REGULAR", persona_id="777",
                         metadata="x")
    assert list(body) == ["recipient", "messaging_type", "tag", "message", "notification_type",
                          "persona_id", "reply_to"]
    assert body["reply_to"] == {"mid": MID}
    assert "reply_to" not in body["message"]
    assert body["message"] == {"text": "hi", "metadata": "x"}


@pytest.mark.parametrize("content", [
    Reaction(message_id=MID, emoji="\N{THUMBS UP SIGN}"), Reaction(message_id=MID),
    Typing(on=True), Typing(on=False), MarkRead(message_id=MID)])
def test_sender_actions_carry_no_message_options(content: Any) -> None:
    body = build_message(PSID, content, reply_to=MID, messaging_type="MESSAGE_TAG",
                         tag="HUMAN_AGENT", notification_type="NO_PUSH", metadata="x")
    assert set(body) <= {"recipient", "sender_action", "payload"}
    assert body["recipient"] == R


def test_mark_seen_does_not_send_the_message_id() -> None:
    assert MID not in json.dumps(build_message(PSID, MarkRead(message_id=MID)))


def test_whitespace_emoji_is_unreact() -> None:
    assert build_message(PSID, Reaction(message_id=MID, emoji=" "))["sender_action"] == "unreact"


def test_raw_payload_is_not_mutated() -> None:
    content = Raw(channel="messenger", payload={"message": {"text": "x"}})
    build_message(PSID, content, reply_to=MID, metadata="m")
    assert content.payload == {"message": {"text": "x"}}


# -- recipients -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("to", "expected"), [
    (PSID, {"id": PSID}),
    (f"  {PSID}\n", {"id": PSID}),
    ("user_ref:UNIQUE_REF_PARAM", {"user_ref": "UNIQUE_REF_PARAM"}),
    ("post:1234567890_1122334455", {"post_id": "1234567890_1122334455"}),
    ("comment:1122334455_6677889900", {"comment_id": "1122334455_6677889900"}),
    ("token:AbCdEf-123", {"notification_messages_token": "AbCdEf-123"}),
    ("phone:+1(212)555-2368", {"phone_number": "+1(212)555-2368"}),
])
def test_recipient_forms(to: str, expected: dict[str, str]) -> None:
    assert recipient(to) == expected
    assert build_message(to, Text("hi"))["recipient"] == expected
    assert build_message(to, Typing())["recipient"] == expected


@pytest.mark.parametrize("to", ["", "   ", "abc", "psid:123", "user_ref:", "phone: ",
                                "US.13491208655302741918", "+16505551234", "12 34",
                                "\N{SUPERSCRIPT TWO}"])
def test_bad_recipients(to: str) -> None:
    with pytest.raises(ContentError) as info:
        build_message(to, Text("hi"))
    assert info.value.limit == "messenger.recipient"
    message = str(info.value)
    for form in ("PSID", "user_ref:", "post:", "comment:", "token:", "phone:"):
        assert form in message


# -- limits, at the boundary ----------------------------------------------------------------------


def _x(n: int) -> str:
    return "x" * n


LIMIT_CASES: list[tuple[str, Callable[[int], tuple[Any, dict[str, Any]]]]] = [
    ("text", lambda n: (Text(_x(n)), {})),
    ("text", lambda n: (QuickReplies(_x(n), [QuickReply(id="a", title="A")]), {})),
    ("metadata", lambda n: (Text("hi"), {"metadata": _x(n)})),
    ("quick_replies.count", lambda n: (QuickReplies("Pick", [
        QuickReply(id=f"q{i}", title=f"Q{i}") for i in range(n)]), {})),
    ("quick_replies.title", lambda n: (QuickReplies("Pick", [QuickReply(id="a", title=_x(n))]),
                                       {})),
    ("quick_replies.payload", lambda n: (QuickReplies("Pick", [QuickReply(id=_x(n), title="A")]),
                                         {})),
    ("button_template.text", lambda n: (Buttons(_x(n), replies(1)), {})),
    ("button_template.buttons", lambda n: (Buttons("Pick", replies(n)), {})),
    ("button.title", lambda n: (Buttons("Pick", [Button.reply("a", _x(n))]), {})),
    ("button.title", lambda n: (Buttons("Pick", [Button.url(_x(n), "https://x.test")]), {})),
    ("button.payload", lambda n: (Buttons("Pick", [Button.reply(_x(n), "A")]), {})),
    ("generic.elements", lambda n: (Carousel([Card(title=f"C{i}", subtitle="s")
                                              for i in range(n)]), {})),
    ("generic.title", lambda n: (Carousel([Card(title=_x(n), subtitle="s")]), {})),
    ("generic.subtitle", lambda n: (Carousel([Card(title="T", subtitle=_x(n))]), {})),
    ("generic.buttons", lambda n: (Carousel([Card(title="T", buttons=replies(n))]), {})),
    ("button.title", lambda n: (Carousel([Card(title="T", buttons=[Button.reply("a", _x(n))])]),
                                {})),
]


@pytest.mark.parametrize(("key", "make"),
                         [pytest.param(k, m, id=f"{k}-{i}") for i, (k, m) in enumerate(LIMIT_CASES)])
def test_limit_boundary(key: str, make: Callable[[int], tuple[Any, dict[str, Any]]]) -> None:
    limit = LIMITS[key]
    content, options = make(limit)
    json.dumps(build_message(PSID, content, **options))
    content, options = make(limit + 1)
    with pytest.raises(ContentError) as info:
        build_message(PSID, content, **options)
    assert info.value.limit == f"messenger.{key}"
    message = str(info.value)
    assert f"at most {limit} " in message
    assert f"got {limit + 1}" in message
    assert message.endswith(f"(limit messenger.{key})")
    assert not isinstance(info.value, UnsupportedContent)


def test_limit_values() -> None:
    # The numbers of meta.md section 2; a change here must be a deliberate one.
    assert {k: LIMITS[k] for k in (
        "text", "quick_replies.count", "quick_replies.title", "quick_replies.payload",
        "button_template.text", "button_template.buttons", "button.title", "button.payload",
        "generic.elements", "generic.title", "generic.subtitle", "generic.buttons",
        "media_template.buttons", "receipt.elements", "metadata")} == {
        "text": 2000, "quick_replies.count": 13, "quick_replies.title": 20,
        "quick_replies.payload": 1000, "button_template.text": 640, "button_template.buttons": 3,
        "button.title": 20, "button.payload": 1000, "generic.elements": 10, "generic.title": 80,
        "generic.subtitle": 80, "generic.buttons": 3, "media_template.buttons": 3,
        "receipt.elements": 100, "metadata": 1000}
    assert {LIMITS[f"media.{k}"] for k in ("image", "video", "audio", "file")} == {25 * 1024 * 1024}


def test_lengths_count_code_points() -> None:
    emoji = "\N{GRINNING FACE}" * LIMITS["quick_replies.title"]  # 20 characters, 80 UTF-8 bytes
    build_message(PSID, QuickReplies("Pick", [QuickReply(id="a", title=emoji)]))
    build_message(PSID, Buttons("Pick", [Button.reply("a", emoji)]))


@pytest.mark.parametrize(("header", "footer", "key"), [
    ("H", None, "button_template.header"),
    (None, "F", "button_template.footer"),
])
def test_header_footer_must_fit_the_template_text(header: str | None, footer: str | None,
                                                  key: str) -> None:
    limit = LIMITS["button_template.text"]
    fits = build_message(PSID, Buttons(_x(limit - 2), replies(1), header=header, footer=footer))
    text = fits["message"]["attachment"]["payload"]["text"]
    assert len(text) == limit
    assert text.startswith("H\n") if header else text.endswith("\nF")
    with pytest.raises(ContentError) as info:
        build_message(PSID, Buttons(_x(limit - 1), replies(1), header=header, footer=footer))
    assert info.value.limit == f"messenger.{key}"
    assert f"at most {limit} characters, got {limit + 1}" in str(info.value)


def test_header_that_fits_and_footer_that_does_not() -> None:
    limit = LIMITS["button_template.text"]
    content = Buttons(_x(limit - 3), replies(1), header="H", footer="F")  # H\n + text fits
    with pytest.raises(ContentError) as info:
        build_message(PSID, content)
    assert info.value.limit == "messenger.button_template.footer"


def test_long_text_names_the_text_limit_even_with_a_header() -> None:
    limit = LIMITS["button_template.text"]
    with pytest.raises(ContentError) as info:
        build_message(PSID, Buttons(_x(limit + 1), replies(1), header="H"))
    assert info.value.limit == "messenger.button_template.text"


# -- other content errors -------------------------------------------------------------------------

ERROR_CASES: list[tuple[str, Any, str]] = [
    ("empty-text", Text(""), "messenger.text"),
    ("blank-text", Text("  \n"), "messenger.text"),
    ("caption", Image(url=LINK, caption="A photo"), "messenger.media.caption"),
    ("caption-by-id", File(media_id=ATTACHMENT_ID, caption="Invoice"), "messenger.media.caption"),
    ("bytes", Image(data=b"\x89PNG", mime_type="image/png"), "messenger.media.data"),
    ("url-not-http", Image(url="ftp://x.test/a.png"), "messenger.media.url"),
    ("url-relative", Video(url="/a.mp4"), "messenger.media.url"),
    ("empty-media-id", Image(media_id=" "), "messenger.media.attachment_id"),
    ("quick-reply-empty-title", QuickReplies("Pick", [QuickReply(id="a", title="")]),
     "messenger.quick_replies.title"),
    ("quick-reply-empty-payload", QuickReplies("Pick", [QuickReply(id=" ", title="A")]),
     "messenger.quick_replies.payload"),
    ("quick-reply-image-url", QuickReplies("Pick", [QuickReply(id="a", title="A",
                                                               image_url="red.png")]),
     "messenger.quick_replies.image_url"),
    ("quick-replies-empty-text", QuickReplies("", [QuickReply(id="a", title="A")]),
     "messenger.text"),
    ("buttons-empty-text", Buttons(" ", replies(1)), "messenger.button_template.text"),
    ("button-empty-title", Buttons("Pick", [Button.reply("a", " ")]), "messenger.button.title"),
    ("button-empty-payload", Buttons("Pick", [Button.reply(" ", "A")]), "messenger.button.payload"),
    ("button-url", Buttons("Pick", [Button.url("Go", "javascript:alert(1)")]),
     "messenger.button.url"),
    ("button-phone-no-plus", Buttons("Pick", [Button.call("Call", "6505551234")]),
     "messenger.button.phone"),
    ("button-phone-letters", Buttons("Pick", [Button.call("Call", "+1 650 CALL NOW")]),
     "messenger.button.phone"),
    ("card-title-only", Carousel([Card(title="T", subtitle="s"), Card(title="Alone")]),
     "messenger.generic.element"),
    ("card-empty-title", Carousel([Card(title="", subtitle="s")]), "messenger.generic.title"),
    ("card-image-url", Carousel([Card(title="T", image_url="x.png")]),
     "messenger.generic.image_url"),
    ("card-default-url", Carousel([Card(title="T", default_url="x.test")]),
     "messenger.generic.default_action"),
    ("reaction-empty-id", Reaction(message_id="", emoji="\N{THUMBS UP SIGN}"),
     "messenger.reaction.message_id"),
]


@pytest.mark.parametrize(("content", "limit"), [pytest.param(*c[1:], id=c[0]) for c in ERROR_CASES])
def test_content_errors(content: Any, limit: str) -> None:
    with pytest.raises(ContentError) as info:
        build_message(PSID, content)
    assert info.value.limit == limit
    assert str(info.value).endswith(f"(limit {limit})")
    assert not isinstance(info.value, UnsupportedContent)


def test_caption_error_says_the_hub_sends_it_as_text() -> None:
    with pytest.raises(ContentError, match="no caption; send it as a separate text"):
        build_message(PSID, Video(url=LINK, caption="Clip"))


def test_card_error_names_the_card() -> None:
    with pytest.raises(ContentError, match=r"card 1 \('Alone'\)"):
        build_message(PSID, Carousel([Card(title="T", subtitle="s"), Card(title="Alone")]))


UNSUPPORTED_CASES: list[tuple[Any, str]] = [
    (Sticker(url=LINK), "sticker"),
    (Sticker(media_id="369239263222822"), "sticker"),
    (Location(latitude=37.48, longitude=-122.14), "location"),
    (Contacts([Contact(name="Ada")]), "contacts"),
    (ListPicker("Pick", "Open", [ListSection(items=[ListItem(id="a", title="A")])]), "list"),
    (TimePicker(title="When?", slots=[TimeSlot(id="s1", start=datetime(2026, 1, 5, 9, tzinfo=UTC),
                                               duration=timedelta(minutes=30))]), "time_picker"),
    (Template(name="hello_world", language="en_US"), "template"),
    (RichLink(url="https://x.test", title="X"), "rich_link"),
    (Unsupported(type="poll"), "unsupported"),
]


@pytest.mark.parametrize(("content", "kind"), UNSUPPORTED_CASES,
                         ids=[f"{k}-{i}" for i, (_, k) in enumerate(UNSUPPORTED_CASES)])
def test_unsupported_kinds(content: Any, kind: str) -> None:
    with pytest.raises(UnsupportedContent) as info:
        build_message(PSID, content)
    assert info.value.limit == f"messenger.{kind}.unsupported"


def test_unsupported_kinds_are_not_in_the_capabilities() -> None:
    assert not {kind for _, kind in UNSUPPORTED_CASES} & CAPABILITIES.content_kinds


def test_raw_for_another_channel_is_unsupported() -> None:
    with pytest.raises(UnsupportedContent) as info:
        build_message(PSID, Raw(channel="whatsapp", payload={"type": "text"}))
    assert info.value.limit == "messenger.raw.channel"


def test_content_kinds_added_later_are_unsupported_by_kind() -> None:
    class Poll(PolychatModel):
        question: str
        kind: Literal["poll"] = "poll"

    with pytest.raises(UnsupportedContent) as info:
        build_message(PSID, Poll(question="Tea or coffee?"))
    assert info.value.limit == "messenger.poll.unsupported"


def test_unknown_objects_are_unsupported() -> None:
    with pytest.raises(UnsupportedContent) as info:
        build_message(PSID, "just a string")
    assert info.value.limit == "messenger.content.unsupported"


# -- upload-and-send ------------------------------------------------------------------------------


def test_upload_form_minimal() -> None:
    fields, files = upload_form(PSID, Image(data=b"\x89PNG", mime_type="image/png"))
    assert list(fields) == ["recipient", "messaging_type", "message"]
    assert json.loads(fields["recipient"]) == R
    assert fields["messaging_type"] == "RESPONSE"
    assert json.loads(fields["message"]) == {
        "attachment": {"type": "image", "payload": {"is_reusable": True}}}
    assert files == {"filedata": ("image.png", b"\x89PNG", "image/png")}


def test_upload_form_with_every_option() -> None:
    fields, files = upload_form(
        "user_ref:ref-1", File(data=b"%PDF-1.7", mime_type="application/pdf",
                               filename="invoice.pdf"),
        reply_to=MID, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT",
        notification_type="NO_PUSH", persona_id="777", metadata="order-42")
    assert list(fields) == ["recipient", "messaging_type", "tag", "notification_type",
                            "persona_id", "message", "reply_to"]
    assert json.loads(fields["recipient"]) == {"user_ref": "ref-1"}
    assert fields["messaging_type"] == "MESSAGE_TAG"
    assert fields["tag"] == "HUMAN_AGENT"
    assert fields["notification_type"] == "NO_PUSH"
    assert fields["persona_id"] == "777"
    assert json.loads(fields["message"]) == {
        "attachment": {"type": "file", "payload": {"is_reusable": True}}, "metadata": "order-42"}
    assert json.loads(fields["reply_to"]) == {"mid": MID}
    assert files == {"filedata": ("invoice.pdf", b"%PDF-1.7", "application/pdf")}
    assert all(isinstance(v, str) for v in fields.values())


@pytest.mark.parametrize(("media", "kind", "filename"), [
    (Image(data=b"x", mime_type="image/jpeg"), "image", "image.jpg"),
    (Video(data=b"x", mime_type="video/mp4"), "video", "video.mp4"),
    (Audio(data=b"x", mime_type="audio/mpeg"), "audio", "audio.mp3"),
    (Audio(data=b"x", mime_type="audio/ogg; codecs=opus", voice=True), "audio", "audio.ogg"),
    (File(data=b"x", mime_type="application/zip"), "file", "file.zip"),
    (File(data=b"x", mime_type="application/vnd.ms-excel"), "file", "file.bin"),
])
def test_upload_kinds_and_default_filenames(media: Any, kind: str, filename: str) -> None:
    fields, files = upload_form(PSID, media)
    assert json.loads(fields["message"])["attachment"]["type"] == kind
    assert files["filedata"] == (filename, b"x", media.mime_type)


@pytest.mark.parametrize(("media", "limit"), [
    (Image(data=b"x", mime_type="image/png", caption="c"), "messenger.media.caption"),
    (Image(data=b"", mime_type="image/png"), "messenger.media.data"),
    (Image(url=LINK), "messenger.media.data"),
    (Audio(data=b"x", mime_type="video/mp4"), "messenger.media.audio.mime_type"),
    (Audio(data=b"x", mime_type="application/octet-stream"), "messenger.media.audio.mime_type"),
])
def test_upload_errors(media: Any, limit: str) -> None:
    with pytest.raises(ContentError) as info:
        upload_form(PSID, media)
    assert info.value.limit == limit


def test_sticker_upload_is_unsupported() -> None:
    with pytest.raises(UnsupportedContent) as info:
        upload_form(PSID, Sticker(data=b"RIFF", mime_type="image/webp"))
    assert info.value.limit == "messenger.sticker.unsupported"


def test_upload_form_checks_the_recipient_and_metadata() -> None:
    media = Image(data=b"x", mime_type="image/png")
    with pytest.raises(ContentError) as info:
        upload_form("nobody", media)
    assert info.value.limit == "messenger.recipient"
    with pytest.raises(ContentError) as info:
        upload_form(PSID, media, metadata=_x(LIMITS["metadata"] + 1))
    assert info.value.limit == "messenger.metadata"


@pytest.mark.parametrize(("kind", "make"), [
    ("image", lambda d: Image(data=d, mime_type="image/jpeg")),
    ("video", lambda d: Video(data=d, mime_type="video/mp4")),
    ("audio", lambda d: Audio(data=d, mime_type="audio/mpeg")),
    ("file", lambda d: File(data=d, mime_type="application/pdf")),
])
def test_upload_size_boundary(kind: str, make: Callable[[bytes], Any]) -> None:
    limit = LIMITS[f"media.{kind}"]
    data = b"x" * limit
    upload_form(PSID, make(data))
    attachment_upload_body(make(data))
    with pytest.raises(ContentError) as info:
        upload_form(PSID, make(data + b"x"))
    assert info.value.limit == f"messenger.media.{kind}"
    assert f"at most 25 MB ({limit} bytes), got {limit + 1} bytes" in str(info.value)


def test_upload_form_encodes_as_multipart() -> None:
    fields, files = upload_form(PSID, Audio(data=b"ID3\x00\xff", mime_type="audio/mpeg",
                                            filename='voice "1".mp3'), reply_to=MID)
    body, content_type = encode_multipart(fields, files, boundary="b0undary")
    parsed = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP)
    parts = {p.get_param("name", header="content-disposition"): p for p in parsed.iter_parts()}
    assert list(parts) == ["recipient", "messaging_type", "message", "reply_to", "filedata"]
    assert json.loads(parts["recipient"].get_content()) == R
    assert json.loads(parts["reply_to"].get_content()) == {"mid": MID}
    filedata = parts["filedata"]
    assert filedata.get_content_type() == "audio/mpeg"
    assert filedata.get_payload(decode=True) == b"ID3\x00\xff"


# -- Attachment Upload API ------------------------------------------------------------------------


def test_attachment_upload_body_by_url() -> None:
    assert attachment_upload_body(Video(url=LINK, caption="ignored")) == (
        {"message": {"attachment": {"type": "video",
                                    "payload": {"url": LINK, "is_reusable": True}}}},
        {}, {})


def test_attachment_upload_body_by_bytes() -> None:
    body, fields, files = attachment_upload_body(
        Image(data=b"\x89PNG", mime_type="image/png", caption="ignored"))
    assert body is None
    assert list(fields) == ["message"]
    assert json.loads(fields["message"]) == {
        "attachment": {"type": "image", "payload": {"is_reusable": True}}}
    assert files == {"filedata": ("image.png", b"\x89PNG", "image/png")}


def test_attachment_upload_body_errors() -> None:
    with pytest.raises(ContentError) as info:
        attachment_upload_body(Image(media_id=ATTACHMENT_ID))
    assert info.value.limit == "messenger.media.attachment_id"
    with pytest.raises(ContentError) as info:
        attachment_upload_body(File(url="file:///etc/passwd"))
    assert info.value.limit == "messenger.media.url"
    with pytest.raises(ContentError) as info:
        attachment_upload_body(Audio(data=b"x", mime_type="image/png"))
    assert info.value.limit == "messenger.media.audio.mime_type"
    with pytest.raises(UnsupportedContent) as info:
        attachment_upload_body(Sticker(url=LINK))
    assert info.value.limit == "messenger.sticker.unsupported"


# -- media template -------------------------------------------------------------------------------


def _template_payload(content: Raw) -> dict[str, Any]:
    assert content.channel == "messenger"
    assert set(content.payload) == {"message"}
    attachment = content.payload["message"]["attachment"]
    assert attachment["type"] == "template"
    payload: dict[str, Any] = attachment["payload"]
    return payload


def test_media_template_by_attachment_id() -> None:
    content = media_template("video", attachment_id=ATTACHMENT_ID)
    assert content == Raw(channel="messenger", payload={"message": {"attachment": {
        "type": "template", "payload": {"template_type": "media", "elements": [
            {"media_type": "video", "attachment_id": ATTACHMENT_ID}]}}}})


def test_media_template_by_facebook_url_with_buttons() -> None:
    content = media_template("image", url=FB_PHOTO, sharable=True, buttons=[
        Button.url("View Website", "https://x.test"), Button.reply("more", "More")])
    assert _template_payload(content) == {"template_type": "media", "sharable": True, "elements": [
        {"media_type": "image", "url": FB_PHOTO, "buttons": [
            {"type": "web_url", "url": "https://x.test", "title": "View Website"},
            {"type": "postback", "title": "More", "payload": "more"}]}]}


def test_media_template_is_sent_with_the_envelope() -> None:
    body = build_message(PSID, media_template("image", attachment_id=ATTACHMENT_ID),
                         reply_to=MID)
    assert body["recipient"] == R
    assert body["messaging_type"] == "RESPONSE"
    assert body["reply_to"] == {"mid": MID}
    assert body["message"]["attachment"]["payload"]["template_type"] == "media"


@pytest.mark.parametrize("url", ["https://business.facebook.com/shop/videos/1234567890",
                                 "https://facebook.com/photo.php?fbid=1",
                                 "https://www.FACEBOOK.com/u/videos/1"])
def test_media_template_accepts_facebook_urls(url: str) -> None:
    assert _template_payload(media_template("video", url=url))["elements"][0]["url"] == url


@pytest.mark.parametrize(("args", "kwargs", "limit"), [
    (("audio",), {"attachment_id": ATTACHMENT_ID}, "messenger.media_template.media_type"),
    (("file",), {"url": FB_PHOTO}, "messenger.media_template.media_type"),
    (("image",), {}, "messenger.media_template.source"),
    (("image",), {"attachment_id": ATTACHMENT_ID, "url": FB_PHOTO},
     "messenger.media_template.source"),
    (("image",), {"attachment_id": ""}, "messenger.media_template.source"),
    (("image",), {"url": "https://example.com/a.jpg"}, "messenger.media_template.url"),
    (("image",), {"url": "https://notfacebook.com/a.jpg"}, "messenger.media_template.url"),
    (("image",), {"url": "https://facebook.com.evil.test/a.jpg"}, "messenger.media_template.url"),
    (("image",), {"url": "http://www.facebook.com/photo.php?fbid=1"},
     "messenger.media_template.url"),
    (("image",), {"attachment_id": ATTACHMENT_ID, "buttons": [Button.reply("a", "")]},
     "messenger.button.title"),
])
def test_media_template_rules(args: tuple[str, ...], kwargs: dict[str, Any], limit: str) -> None:
    with pytest.raises(ContentError) as info:
        media_template(*args, **kwargs)
    assert info.value.limit == limit


def test_media_template_button_boundary() -> None:
    limit = LIMITS["media_template.buttons"]
    media_template("image", attachment_id=ATTACHMENT_ID, buttons=replies(limit))
    with pytest.raises(ContentError) as info:
        media_template("image", attachment_id=ATTACHMENT_ID, buttons=replies(limit + 1))
    assert info.value.limit == "messenger.media_template.buttons"
    assert f"at most {limit} buttons, got {limit + 1}" in str(info.value)


# -- receipt template -----------------------------------------------------------------------------

ORDER_TIME = datetime.fromtimestamp(1428444852, tz=UTC)


def meta_example_receipt(**overrides: Any) -> Raw:
    """The receipt of Meta's receipt template reference, built with the typed helpers."""
    kwargs: dict[str, Any] = {
        "recipient_name": "Stephane Crozatier",
        "order_number": "12345678902",
        "currency": "USD",
        "payment_method": "Visa 2345",
        "order_url": "https://originalcoastclothing.example/order?order_id=123456",
        "timestamp": ORDER_TIME,
        "address": ReceiptAddress(street_1="1 Hacker Way", city="Menlo Park",
                                  postal_code="94025", state="CA", country="US"),
        "subtotal": Decimal("75.00"),
        "shipping_cost": Decimal("4.95"),
        "total_tax": Decimal("6.19"),
        "total_cost": Decimal("56.14"),
        "adjustments": [ReceiptAdjustment(name="New Customer Discount", amount=20),
                        {"name": "$10 Off Coupon", "amount": "10"}],
        "elements": [
            ReceiptElement(title="Classic White T-Shirt", subtitle="100% Soft and Luxurious Cotton",
                           quantity=2, price=50, currency="USD",
                           image_url="https://originalcoastclothing.example/img/whiteshirt.png"),
            {"title": "Classic Gray T-Shirt", "subtitle": "100% Soft and Luxurious Cotton",
             "quantity": 1, "price": Decimal("25"), "currency": "USD",
             "image_url": "https://originalcoastclothing.example/img/grayshirt.png"},
        ],
    }
    kwargs.update(overrides)
    return receipt_template(**kwargs)


def test_receipt_template_matches_metas_example() -> None:
    assert _template_payload(meta_example_receipt()) == {
        "template_type": "receipt",
        "recipient_name": "Stephane Crozatier",
        "order_number": "12345678902",
        "currency": "USD",
        "payment_method": "Visa 2345",
        "order_url": "https://originalcoastclothing.example/order?order_id=123456",
        "timestamp": "1428444852",
        "elements": [
            {"title": "Classic White T-Shirt", "subtitle": "100% Soft and Luxurious Cotton",
             "quantity": 2, "price": 50, "currency": "USD",
             "image_url": "https://originalcoastclothing.example/img/whiteshirt.png"},
            {"title": "Classic Gray T-Shirt", "subtitle": "100% Soft and Luxurious Cotton",
             "quantity": 1, "price": 25, "currency": "USD",
             "image_url": "https://originalcoastclothing.example/img/grayshirt.png"},
        ],
        "address": {"street_1": "1 Hacker Way", "city": "Menlo Park", "postal_code": "94025",
                    "state": "CA", "country": "US"},
        "summary": {"subtotal": 75, "shipping_cost": 4.95, "total_tax": 6.19, "total_cost": 56.14},
        "adjustments": [{"name": "New Customer Discount", "amount": 20},
                        {"name": "$10 Off Coupon", "amount": 10}],
    }


def test_receipt_amounts_are_exact_json_numbers() -> None:
    body = build_message(PSID, meta_example_receipt())
    text = json.dumps(body)
    assert '"summary": {"subtotal": 75, "shipping_cost": 4.95, "total_tax": 6.19, ' \
           '"total_cost": 56.14}' in text


def test_receipt_minimal() -> None:
    content = receipt_template(recipient_name="Ada", order_number="A-1", currency="EUR",
                               payment_method="Card", total_cost="0.10",
                               merchant_name="Lucky Shrub", sharable=False, timestamp=1428444852)
    assert _template_payload(content) == {
        "template_type": "receipt", "sharable": False, "recipient_name": "Ada",
        "merchant_name": "Lucky Shrub", "order_number": "A-1", "currency": "EUR",
        "payment_method": "Card", "timestamp": "1428444852", "summary": {"total_cost": 0.1}}


@pytest.mark.parametrize(("amount", "expected"), [
    (Decimal("56.14"), 56.14), (Decimal("75.00"), 75), ("4.95", 4.95), (" 6.19 ", 6.19),
    (20, 20), (0, 0), (4.95, 4.95), (Decimal("-10.5"), -10.5), ("1e2", 100),
    (Decimal("12345678901234.56"), 12345678901234.56),
])
def test_receipt_amount_forms(amount: Any, expected: float) -> None:
    total = _template_payload(meta_example_receipt(total_cost=amount))["summary"]["total_cost"]
    assert total == expected
    assert type(total) is type(expected)


@pytest.mark.parametrize("amount", [
    "12,50", "abc", "", Decimal("NaN"), Decimal("Infinity"), float("inf"), True, None, [1],
    Decimal("0.12345678901234567890"),
])
def test_receipt_bad_total(amount: Any) -> None:
    with pytest.raises(ContentError) as info:
        meta_example_receipt(total_cost=amount)
    assert info.value.limit == "messenger.receipt.total_cost"


@pytest.mark.parametrize(("overrides", "limit"), [
    ({"recipient_name": ""}, "messenger.receipt.recipient_name"),
    ({"order_number": " "}, "messenger.receipt.order_number"),
    ({"payment_method": ""}, "messenger.receipt.payment_method"),
    ({"currency": "usd"}, "messenger.receipt.currency"),
    ({"currency": "US"}, "messenger.receipt.currency"),
    ({"order_url": "www.example.com/o/1"}, "messenger.receipt.order_url"),
    ({"timestamp": datetime(2026, 1, 1)}, "messenger.receipt.timestamp"),
    ({"timestamp": -1}, "messenger.receipt.timestamp"),
    ({"timestamp": "2026-01-01"}, "messenger.receipt.timestamp"),
    ({"subtotal": "n/a"}, "messenger.receipt.subtotal"),
    ({"shipping_cost": "n/a"}, "messenger.receipt.shipping_cost"),
    ({"total_tax": "n/a"}, "messenger.receipt.total_tax"),
    ({"elements": [ReceiptElement(title="", price=1)]}, "messenger.receipt.element.title"),
    ({"elements": [ReceiptElement(title="T", price="one")]}, "messenger.receipt.element.price"),
    ({"elements": [ReceiptElement(title="T", price=1, quantity=0)]},
     "messenger.receipt.element.quantity"),
    ({"elements": [ReceiptElement(title="T", price=1, currency="euro")]},
     "messenger.receipt.element.currency"),
    ({"elements": [ReceiptElement(title="T", price=1, image_url="img.png")]},
     "messenger.receipt.element.image_url"),
    ({"elements": [{"title": "T", "price": 1, "colour": "red"}]}, "messenger.receipt.element"),
    ({"elements": [{"title": "T"}]}, "messenger.receipt.element"),
    ({"elements": ["T-shirt"]}, "messenger.receipt.element"),
    ({"address": {"street_1": "1 Hacker Way", "city": "Menlo Park", "postal_code": "94025",
                  "state": "CA", "country": "USA"}}, "messenger.receipt.address.country"),
    ({"address": {"street_1": "", "city": "Menlo Park", "postal_code": "94025", "state": "CA",
                  "country": "US"}}, "messenger.receipt.address"),
    ({"address": {"city": "Menlo Park"}}, "messenger.receipt.address"),
    ({"adjustments": [ReceiptAdjustment(name="", amount=1)]}, "messenger.receipt.adjustment.name"),
    ({"adjustments": [{"name": "Coupon", "amount": "ten"}]},
     "messenger.receipt.adjustment.amount"),
])
def test_receipt_rules(overrides: dict[str, Any], limit: str) -> None:
    with pytest.raises(ContentError) as info:
        meta_example_receipt(**overrides)
    assert info.value.limit == limit


def test_receipt_address_street_2_and_timestamp_string() -> None:
    address = ReceiptAddress(street_1="1 Hacker Way", street_2="Building 20", city="Menlo Park",
                             postal_code="94025", state="CA", country="us")
    payload = _template_payload(meta_example_receipt(address=address, timestamp="1428444852"))
    assert payload["address"]["street_2"] == "Building 20"
    assert payload["timestamp"] == "1428444852"


def test_receipt_element_boundary() -> None:
    limit = LIMITS["receipt.elements"]
    items = [ReceiptElement(title=f"Item {i}", price=Decimal("1.50")) for i in range(limit + 1)]
    assert len(_template_payload(meta_example_receipt(elements=items[:limit]))["elements"]) == limit
    with pytest.raises(ContentError) as info:
        meta_example_receipt(elements=items)
    assert info.value.limit == "messenger.receipt.elements"
    assert f"at most {limit} elements, got {limit + 1}" in str(info.value)


# -- purity ---------------------------------------------------------------------------------------


def test_render_modules_do_no_io() -> None:
    package = Path(render_module.__file__).parent
    for name in ("render.py", "_check.py", "_media.py", "_structured.py", "_templates.py"):
        tree = ast.parse((package / name).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and not node.level}
        assert not imported & {"httpx", "socket", "requests", "urllib3", "asyncio", "os"}, name


def test_all_is_sorted_and_complete() -> None:
    assert render_module.__all__ == sorted(render_module.__all__)
    for name in render_module.__all__:
        assert hasattr(render_module, name)


# -- through the channel --------------------------------------------------------------------------


@pytest.fixture
def fb() -> Any:
    from polychat.channels.messenger.channel import Messenger

    return Messenger(page_id=PAGE_ID, page_access_token=PAGE_TOKEN, app_secret=APP_SECRET)


def _proof() -> str:
    return hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://graph.facebook.com/v25.0/{PAGE_ID}/messages")
    assert parse_qs(parts.query) == {"access_token": [PAGE_TOKEN], "appsecret_proof": [_proof()]}


def test_channel_renders_one_json_post(fb: Any) -> None:
    requests = fb.render(PSID, Text("hi"))
    assert len(requests) == 1
    request = requests[0]
    assert request.method == "POST"
    _check_url(request.url)
    assert request.json == {"recipient": R, "messaging_type": "RESPONSE", "message": {"text": "hi"}}
    assert request.content is None
    assert request.headers["Content-Type"] == "application/json"
    assert PAGE_TOKEN not in json.dumps(request.json)
    for text in (repr(request), str(request)):
        assert PAGE_TOKEN not in text
        assert _proof() not in text
        assert APP_SECRET not in text


def test_channel_reply_and_human_agent(fb: Any) -> None:
    (request,) = fb.render(PSID, Text("A human here"), reply_to=MID, tag="HUMAN_AGENT")
    assert request.json == {"recipient": R, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                            "message": {"text": "A human here"}, "reply_to": {"mid": MID}}


def test_channel_sender_action(fb: Any) -> None:
    (request,) = fb.render(PSID, Typing())
    assert request.json == {"recipient": R, "sender_action": "typing_on"}


def test_channel_renders_bytes_as_one_multipart_post(fb: Any) -> None:
    requests = fb.render(PSID, Image(data=b"\x89PNG-bytes", mime_type="image/png"), reply_to=MID)
    assert len(requests) == 1
    request = requests[0]
    assert request.method == "POST"
    _check_url(request.url)
    assert request.json is None
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    parsed = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.content,
        policy=email.policy.HTTP)
    parts = {p.get_param("name", header="content-disposition"): p for p in parsed.iter_parts()}
    assert list(parts) == ["recipient", "messaging_type", "message", "reply_to", "filedata"]
    assert json.loads(parts["recipient"].get_content()) == R
    assert json.loads(parts["message"].get_content()) == {
        "attachment": {"type": "image", "payload": {"is_reusable": True}}}
    assert parts["filedata"].get_filename() == "image.png"
    assert parts["filedata"].get_payload(decode=True) == b"\x89PNG-bytes"
    assert PAGE_TOKEN not in repr(request)
    assert PAGE_TOKEN.encode() not in request.content


def test_channel_refuses_what_render_refuses(fb: Any) -> None:
    with pytest.raises(UnsupportedContent):
        fb.render(PSID, Location(latitude=1.0, longitude=2.0))
    with pytest.raises(ContentError) as info:
        fb.render(PSID, Image(data=b"x", mime_type="image/png", caption="c"))
    assert info.value.limit == "messenger.media.caption"
