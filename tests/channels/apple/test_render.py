"""Apple rendering: exact bodies for every content kind, device-capability gating, limits at the
boundary, time and money formats, attachment placeholders, and the requests the channel builds."""

from __future__ import annotations

import ast
import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jwt as pyjwt
import pytest

from polychat.channels.apple import render as render_module
from polychat.channels.apple.channel import AppleMessages
from polychat.channels.apple.limits import BID, DEVICE_CAPABILITIES, LIMITS
from polychat.channels.apple.render import PLACEHOLDER, attachment_message, build_message, format_amount
from polychat.content import (
    Audio,
    AuthRequest,
    Button,
    Buttons,
    Card,
    Carousel,
    Contact,
    Contacts,
    File,
    Form,
    FormOption,
    FormPage,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    Location,
    MarkRead,
    PaymentItem,
    PaymentRequest,
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
    Video,
)
from polychat.errors import ConfigurationError, ContentError, UnsupportedContent

TO = "urn:mbid:AQAAY/fake+id="
BIZ = "fake-business-0000"
MID = "0c316beb-0000-4000-8000-000000000001"
ALL = frozenset(DEVICE_CAPABILITIES)
HEAD = {"v": 1, "id": MID, "sourceId": BIZ, "destinationId": TO}
PARIS = ZoneInfo("Europe/Paris")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24

MSP_ID = "fake-msp-id"
SECRET_KEY = b"fake-secret-0123456789abcdef0123"
SECRET = base64.b64encode(SECRET_KEY).decode()


def build(content: Any, device: frozenset[str] | None = ALL, **kwargs: Any) -> dict[str, Any]:
    return build_message(TO, BIZ, content, message_id=MID, device=device, **kwargs)


def interactive(payload: dict[str, Any], *, received: dict[str, Any] | None = None,
                reply: dict[str, Any] | None = None,
                images: list[Any] | None = None) -> dict[str, Any]:
    """The expected body of an interactive message (envelope checked literally below)."""
    data: dict[str, Any] = {"requestIdentifier": MID, "version": "1.0", "mspVersion": "1.0"}
    if images is not None:
        data["images"] = images
    data.update(payload)
    out: dict[str, Any] = {"bid": BID, "data": data}
    if received is not None:
        out["receivedMessage"] = received
    if reply is not None:
        out["replyMessage"] = reply
    return {**HEAD, "type": "interactive", "interactiveData": out}


def small(title: str, subtitle: str | None = None) -> dict[str, Any]:
    return {"title": title, **({"subtitle": subtitle} if subtitle else {}), "style": "small"}


SELECTION = small("Your selection")


def replies(n: int) -> list[QuickReply]:
    return [QuickReply(id=f"q{i}", title=f"Option {i}") for i in range(n)]


def reply_buttons(n: int) -> list[Button]:
    return [Button.reply(f"b{i}", f"Button {i}") for i in range(n)]


def picker(n_items: int = 1, n_sections: int = 1) -> ListPicker:
    sections = [ListSection(title=f"S{s}", items=[ListItem(id=f"{s}-{i}", title=f"Item {i}")
                                                  for i in range(n_items)])
                for s in range(n_sections)]
    return ListPicker(text="Pick", button="Open", sections=sections)


def slot(id: str, start: datetime, minutes: float = 60) -> TimeSlot:
    return TimeSlot(id=id, start=start, duration=timedelta(minutes=minutes))


def payment(**changes: Any) -> PaymentRequest:
    fields: dict[str, Any] = {
        "title": "Your order",
        "subtitle": "2 items",
        "items": [PaymentItem(label="Shoes", amount=Decimal("12")),
                  PaymentItem(label="Shipping", amount=Decimal("4.5"), pending=True),
                  PaymentItem(label="Discount", amount=Decimal("-1.00"))],
        "total": Decimal("15.50"),
        "total_label": "Shop Inc.",
        "currency": "usd",
        "country": "us",
        "merchant": {"merchantIdentifier": "merchant.test.fake",
                     "supportedNetworks": ["visa", "masterCard"],
                     "merchantCapabilities": ["supports3DS"]},
        "merchant_session": {"epochTimestamp": 1767000000000, "signature": "fake"},
        "endpoints": {"paymentGatewayUrl": "https://pay.example.test/gateway",
                      "fallbackUrl": "https://pay.example.test/fallback"},
        "required_billing_fields": ["postalAddress"],
        "required_shipping_fields": ["email", "phone"],
    }
    fields.update(changes)
    return PaymentRequest(**fields)


def auth(**changes: Any) -> AuthRequest:
    fields: dict[str, Any] = {"title": "Sign in", "subtitle": "to see your orders",
                              "scope": ["openid", "email"], "state": "nonce-123",
                              "redirect_uri": "https://auth.example.test/callback"}
    fields.update(changes)
    return AuthRequest(**fields)


FORM = Form(title="Return an item", subtitle="Takes a minute", show_summary=False, pages=[
    FormPage(id="p0", type="select", title="Condition", subtitle="Was it defective?",
             multiple_selection=True, next_page="p1",
             options=[FormOption(id="o1", title="Defective", value="defective"),
                      FormOption(id="o2", title="Fine")]),
    FormPage(id="p1", type="picker", title="Reason", next_page="p2",
             options=[FormOption(id="r1", title="Too small")]),
    FormPage(id="p2", type="date", title="Bought on", next_page="p3"),
    FormPage(id="p3", type="input", title="E-mail", placeholder="you@example.com",
             keyboard="emailAddress"),
])

PAYMENT_BODY = interactive({"payment": {
    "paymentRequest": {
        "lineItems": [{"label": "Shoes", "amount": "12.00", "type": "final"},
                      {"label": "Shipping", "amount": "4.50", "type": "pending"},
                      {"label": "Discount", "amount": "-1.00", "type": "final"}],
        "total": {"label": "Shop Inc.", "amount": "15.50", "type": "final"},
        "applePay": {"merchantIdentifier": "merchant.test.fake",
                     "supportedNetworks": ["visa", "masterCard"],
                     "merchantCapabilities": ["supports3DS"]},
        "countryCode": "US",
        "currencyCode": "USD",
        "requiredBillingContactFields": ["postalAddress"],
        "requiredShippingContactFields": ["email", "phone"],
    },
    "merchantSession": {"epochTimestamp": 1767000000000, "signature": "fake"},
    "endpoints": {"paymentGatewayUrl": "https://pay.example.test/gateway",
                  "fallbackUrl": "https://pay.example.test/fallback"},
}}, received=small("Your order", "2 items"))

# (id, content, device, build options, expected body): every content kind and variant.
BODY_CASES: list[tuple[str, Any, frozenset[str] | None, dict[str, Any], dict[str, Any]]] = [
    ("text", Text("Hi"), None, {}, {**HEAD, "type": "text", "body": "Hi"}),
    ("text-locale", Text("Hi", preview_url=True), None, {"locale": "en_US"},
     {**HEAD, "type": "text", "locale": "en_US", "body": "Hi"}),
    ("typing-on", Typing(), None, {}, {**HEAD, "type": "typing_start"}),
    ("typing-off", Typing(on=False, message_id="ignored"), None, {},
     {**HEAD, "type": "typing_end"}),
    ("rich-link-title", RichLink(url="https://shop.example.test/p/1", title="Product 1"), None, {},
     {**HEAD, "type": "richLink", "richLinkData": {
         "url": "https://shop.example.test/p/1", "title": "Product 1", "assets": {}}}),
    ("rich-link-host-title", RichLink(url="https://shop.example.test/p/1?x=1"), None, {},
     {**HEAD, "type": "richLink", "richLinkData": {
         "url": "https://shop.example.test/p/1?x=1", "title": "shop.example.test", "assets": {}}}),
    ("rich-link-image", RichLink(url="https://shop.example.test/p/1", title="P",
                                 image_url="https://shop.example.test/p.png"),
     None, {"image": (PNG, "image/png")},
     {**HEAD, "type": "richLink", "richLinkData": {
         "url": "https://shop.example.test/p/1", "title": "P",
         "assets": {"image": {"data": base64.b64encode(PNG).decode(), "mimeType": "image/png"}}}}),
    ("list-picker", ListPicker(
        text="Select produce", button="Open", header="Farm", footer="Fresh", multiple_selection=True,
        sections=[ListSection(title="Fruit", items=[
            ListItem(id="1", title="Apple", description="Red and delicious",
                     image_url="https://x.test/apple.png"),
            ListItem(id="2", title="Orange")]),
            ListSection(title="Empty", items=[]),
            ListSection(items=[ListItem(id="3", title="Lettuce")])]),
     frozenset({"LIST"}), {},
     interactive({"listPicker": {"sections": [
         {"title": "Fruit", "order": 0, "multipleSelection": True, "items": [
             {"identifier": "1", "order": 0, "style": "default", "title": "Apple",
              "subtitle": "Red and delicious"},
             {"identifier": "2", "order": 1, "style": "default", "title": "Orange"}]},
         {"order": 1, "multipleSelection": True, "items": [
             {"identifier": "3", "order": 0, "style": "default", "title": "Lettuce"}]}]}},
         received=small("Select produce", "Farm · Fresh"), reply=SELECTION)),
    ("time-picker-paris-winter", TimePicker(title="Appointment", timezone="Europe/Paris", slots=[
        slot("s1", datetime(2027, 1, 15, 10, 30, tzinfo=PARIS), 30),
        slot("s2", datetime(2027, 1, 15, 14, 0, tzinfo=PARIS), 90)]),
     frozenset({"TIME"}), {},
     interactive({"event": {"identifier": MID, "title": "Appointment", "timezoneOffset": 60,
                            "timeslots": [
                                {"identifier": "s1", "startTime": "2027-01-15T09:30+0000",
                                 "duration": 1800},
                                {"identifier": "s2", "startTime": "2027-01-15T13:00+0000",
                                 "duration": 5400}]}},
                 received=small("Appointment"), reply=SELECTION)),
    ("time-picker-pacific-summer", TimePicker(title="Visit", timezone="America/Los_Angeles", slots=[
        slot("0", datetime(2022, 7, 10, 10, 0, tzinfo=LOS_ANGELES))]),
     frozenset({"TIME"}), {},
     interactive({"event": {"identifier": MID, "title": "Visit", "timezoneOffset": -420,
                            "timeslots": [{"identifier": "0", "startTime": "2022-07-10T17:00+0000",
                                           "duration": 3600}]}},
                 received=small("Visit"), reply=SELECTION)),
    ("time-picker-utc", TimePicker(title="Call", slots=[
        slot("a", datetime(2027, 3, 1, 8, 0, tzinfo=UTC), 15)]),
     frozenset({"TIME"}), {},
     interactive({"event": {"identifier": MID, "title": "Call", "timezoneOffset": 0,
                            "timeslots": [{"identifier": "a", "startTime": "2027-03-01T08:00+0000",
                                           "duration": 900}]}},
                 received=small("Call"), reply=SELECTION)),
    ("quick-replies", QuickReplies("What can I help you with?", [
        QuickReply(id="1", title="Watch our video", image_url="https://x.test/v.png"),
        QuickReply(id="2", title="Talk to an agent")]),
     frozenset({"QUICK"}), {},
     interactive({"quick-reply": {"summaryText": "What can I help you with?", "items": [
         {"identifier": "1", "title": "Watch our video"},
         {"identifier": "2", "title": "Talk to an agent"}]}})),
    ("buttons-as-quick-reply", Buttons("Track your order?", reply_buttons(2), header="Order 42",
                                       footer="Reply any time"),
     ALL, {},
     interactive({"quick-reply": {"summaryText": "Order 42\nTrack your order?\nReply any time",
                                  "items": [{"identifier": "b0", "title": "Button 0"},
                                            {"identifier": "b1", "title": "Button 1"}]}})),
    ("buttons-as-list-without-quick", Buttons("Track?", reply_buttons(2), footer="Thanks"),
     frozenset({"LIST"}), {},
     interactive({"listPicker": {"sections": [
         {"order": 0, "multipleSelection": False, "items": [
             {"identifier": "b0", "order": 0, "style": "default", "title": "Button 0"},
             {"identifier": "b1", "order": 1, "style": "default", "title": "Button 1"}]}]}},
         received=small("Track?", "Thanks"), reply=SELECTION)),
    ("one-button-as-list", Buttons("Confirm?", reply_buttons(1)), ALL, {},
     interactive({"listPicker": {"sections": [
         {"order": 0, "multipleSelection": False, "items": [
             {"identifier": "b0", "order": 0, "style": "default", "title": "Button 0"}]}]}},
         received=small("Confirm?"), reply=SELECTION)),
    ("payment", payment(), None, {}, PAYMENT_BODY),
    ("payment-minimal", payment(subtitle=None, merchant_session=None, items=[],
                                total=Decimal("0"), required_billing_fields=[],
                                required_shipping_fields=[],
                                endpoints={"paymentGatewayUrl": "https://pay.example.test/g"}),
     None, {},
     interactive({"payment": {
         "paymentRequest": {
             "lineItems": [],
             "total": {"label": "Shop Inc.", "amount": "0.00", "type": "final"},
             "applePay": {"merchantIdentifier": "merchant.test.fake",
                          "supportedNetworks": ["visa", "masterCard"],
                          "merchantCapabilities": ["supports3DS"]},
             "countryCode": "US", "currencyCode": "USD",
             "requiredBillingContactFields": [], "requiredShippingContactFields": []},
         "endpoints": {"paymentGatewayUrl": "https://pay.example.test/g"}}},
         received=small("Your order"))),
    ("auth", auth(reply_title="You signed in"), frozenset({"AUTH2"}), {},
     interactive({"authenticate": {"oauth2": {
         "responseType": "code", "scope": ["openid", "email"], "state": "nonce-123",
         "redirectURI": "https://auth.example.test/callback"}}},
         received=small("Sign in", "to see your orders"), reply=small("You signed in"),
         images=[])),
    ("form", FORM, frozenset({"FORM"}), {},
     interactive({"dynamic": {"template": "messageForms", "version": "1.1", "data": {
         "startPageIdentifier": "p0", "showSummary": False, "pages": [
             {"pageIdentifier": "p0", "type": "select", "title": "Condition",
              "subtitle": "Was it defective?", "nextPageIdentifier": "p1", "submitForm": False,
              "multipleSelection": True,
              "items": [{"identifier": "o1", "title": "Defective", "value": "defective"},
                        {"identifier": "o2", "title": "Fine", "value": "o2"}]},
             {"pageIdentifier": "p1", "type": "picker", "title": "Reason",
              "nextPageIdentifier": "p2", "submitForm": False,
              "items": [{"identifier": "r1", "title": "Too small", "value": "r1"}]},
             {"pageIdentifier": "p2", "type": "datePicker", "title": "Bought on",
              "nextPageIdentifier": "p3", "submitForm": False},
             {"pageIdentifier": "p3", "type": "input", "title": "E-mail", "submitForm": True,
              "options": {"placeholder": "you@example.com", "keyboardType": "emailAddress",
                          "required": True}}]}}},
         received=small("Return an item", "Takes a minute"), reply=small("Your answers"))),
    ("raw-fills-common-keys", Raw(channel="apple", payload={"type": "text", "body": "raw"}),
     None, {"locale": "fr_FR"},
     {"type": "text", "body": "raw", **HEAD, "locale": "fr_FR"}),
    ("raw-keeps-given-keys", Raw(channel="apple", payload={
        "v": 1, "id": "own-id", "sourceId": "other-biz", "destinationId": "urn:mbid:other",
        "type": "typing_start"}),
     None, {},
     {"v": 1, "id": "own-id", "sourceId": "other-biz", "destinationId": "urn:mbid:other",
      "type": "typing_start"}),
]


@pytest.mark.parametrize(("content", "device", "options", "expected"),
                         [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES])
def test_body_shapes(content: Any, device: frozenset[str] | None, options: dict[str, Any],
                     expected: dict[str, Any]) -> None:
    body = build(content, device, **options)
    assert body == expected
    assert json.loads(json.dumps(body)) == body  # JSON-safe as is
    assert build(content, device, **options) == body  # deterministic


def test_common_fields_and_interactive_envelope_literally() -> None:
    assert build(Text("Hi"), locale="en_US") == {
        "v": 1, "id": MID, "sourceId": BIZ, "destinationId": TO, "type": "text",
        "locale": "en_US", "body": "Hi"}
    body = build(QuickReplies("Pick", replies(2)))
    assert body["type"] == "interactive"
    data = body["interactiveData"]
    assert data["bid"] == ("com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:"
                           "com.apple.icloud.apps.messages.business.extension")
    # Apple's samples disagree on the key; both are always sent.
    assert data["data"]["version"] == "1.0"
    assert data["data"]["mspVersion"] == "1.0"
    assert data["data"]["requestIdentifier"] == MID


INTERACTIVE_CASES: list[tuple[str, Any]] = [
    ("list", picker()),
    ("time", TimePicker(title="T", slots=[slot("a", datetime(2027, 1, 1, 9, tzinfo=UTC))])),
    ("quick", QuickReplies("Q", replies(2))),
    ("buttons", Buttons("B", reply_buttons(2))),
    ("payment", payment()),
    ("auth", auth()),
    ("form", FORM),
]


@pytest.mark.parametrize("content", [c[1] for c in INTERACTIVE_CASES],
                         ids=[c[0] for c in INTERACTIVE_CASES])
def test_every_interactive_body_has_both_versions_and_request_id(content: Any) -> None:
    data = build(content)["interactiveData"]
    assert data["bid"] == BID
    assert {k: data["data"][k] for k in ("requestIdentifier", "version", "mspVersion")} == {
        "requestIdentifier": MID, "version": "1.0", "mspVersion": "1.0"}
    for bubble in ("receivedMessage", "replyMessage"):
        if bubble in data:
            assert data[bubble]["style"] == "small"


# -- device capabilities --------------------------------------------------------------------------

GATED: list[tuple[str, Any, str]] = [
    ("list", picker(), "LIST"),
    ("time", TimePicker(title="T", slots=[slot("a", datetime(2027, 1, 1, 9, tzinfo=UTC))]), "TIME"),
    ("quick", QuickReplies("Q", replies(3)), "QUICK"),
    ("form", FORM, "FORM"),
    ("auth", auth(), "AUTH2"),
]


@pytest.mark.parametrize(("content", "capability"), [c[1:] for c in GATED],
                         ids=[c[0] for c in GATED])
def test_pickers_need_their_capability(content: Any, capability: str) -> None:
    assert build(content, frozenset({capability}))["type"] == "interactive"
    assert build(content, frozenset({capability.lower()}))["type"] == "interactive"
    others = ALL - {capability} - ({"AUTH"} if capability == "AUTH2" else set())
    with pytest.raises(ContentError) as missing:
        build(content, others)
    assert not isinstance(missing.value, UnsupportedContent)  # the hub degrades it
    assert missing.value.limit == f"apple.device.{capability}"
    assert capability in str(missing.value)
    with pytest.raises(ContentError) as unknown:
        build(content, None)
    assert not isinstance(unknown.value, UnsupportedContent)
    assert unknown.value.limit == f"apple.device.{capability}"
    assert "unknown" in str(unknown.value)
    with pytest.raises(ContentError, match="declared none"):
        build(content, frozenset())


def test_old_auth_capability_is_enough() -> None:
    assert "authenticate" in build(auth(), frozenset({"AUTH"}))["interactiveData"]["data"]


@pytest.mark.parametrize("device", [None, frozenset(), ALL])
def test_payment_and_rich_content_need_no_capability(device: frozenset[str] | None) -> None:
    assert "payment" in build(payment(), device)["interactiveData"]["data"]
    assert build(RichLink(url="https://x.test"), device)["type"] == "richLink"


@pytest.mark.parametrize(("device", "count", "shape"), [
    (ALL, 2, "quick-reply"),
    (ALL, 5, "quick-reply"),
    (ALL, 1, "listPicker"),
    (ALL, 6, "listPicker"),
    (frozenset({"QUICK"}), 2, "quick-reply"),
    (frozenset({"QUICK"}), 5, "quick-reply"),
    (frozenset({"LIST"}), 2, "listPicker"),
    (frozenset({"LIST"}), 1, "listPicker"),
    (frozenset({"quick", "list"}), 3, "quick-reply"),
])
def test_buttons_follow_the_device(device: frozenset[str], count: int, shape: str) -> None:
    data = build(Buttons("Pick", reply_buttons(count)), device)["interactiveData"]["data"]
    assert shape in data
    ids = ([i["identifier"] for i in data["quick-reply"]["items"]] if shape == "quick-reply"
           else [i["identifier"] for i in data["listPicker"]["sections"][0]["items"]])
    assert ids == [f"b{i}" for i in range(count)]


@pytest.mark.parametrize(("device", "count"), [
    (None, 2), (frozenset(), 2), (frozenset({"TIME", "FORM"}), 3),
    (frozenset({"QUICK"}), 1), (frozenset({"QUICK"}), 6),
])
def test_buttons_without_a_fitting_capability_are_refused_for_degrading(
        device: frozenset[str] | None, count: int) -> None:
    with pytest.raises(ContentError) as error:
        build(Buttons("Pick", reply_buttons(count)), device)
    assert not isinstance(error.value, UnsupportedContent)
    assert error.value.limit == "apple.buttons.device"
    assert "QUICK" in str(error.value) and "LIST" in str(error.value)


@pytest.mark.parametrize("link", [Button.url("Track", "https://x.test/t"),
                                  Button.call("Call us", "+16505551234")])
def test_link_and_call_buttons_are_refused(link: Button) -> None:
    with pytest.raises(ContentError) as error:
        build(Buttons("Pick", [*reply_buttons(2), link]))
    assert not isinstance(error.value, UnsupportedContent)
    assert error.value.limit == "apple.buttons.url"


# -- limits at the boundary -----------------------------------------------------------------------


def limit_of(content: Any, device: frozenset[str] | None = ALL, **options: Any) -> str | None:
    with pytest.raises(ContentError) as error:
        build(content, device, **options)
    return error.value.limit


def test_text_length() -> None:
    assert build(Text("x" * LIMITS["text"]))["body"] == "x" * LIMITS["text"]
    assert limit_of(Text("x" * (LIMITS["text"] + 1))) == "apple.text"
    assert limit_of(Text("")) == "apple.text"
    assert limit_of(Text("  \n")) == "apple.text"


def test_quick_reply_count() -> None:
    low, high = LIMITS["quick_reply.min"], LIMITS["quick_reply.max"]
    assert len(build(QuickReplies("Q", replies(low)))["interactiveData"]["data"]["quick-reply"][
        "items"]) == low
    assert len(build(QuickReplies("Q", replies(high)))["interactiveData"]["data"]["quick-reply"][
        "items"]) == high
    assert limit_of(QuickReplies("Q", replies(low - 1))) == "apple.quick_reply.min"
    assert limit_of(QuickReplies("Q", replies(high + 1))) == "apple.quick_reply.max"


def test_list_item_and_section_counts() -> None:
    build(picker(n_items=LIMITS["list.items"]))
    assert limit_of(picker(n_items=LIMITS["list.items"] + 1)) == "apple.list.items"
    build(picker(n_sections=LIMITS["list.sections"]))
    assert limit_of(picker(n_sections=LIMITS["list.sections"] + 1)) == "apple.list.sections"
    assert limit_of(Buttons("B", reply_buttons(LIMITS["list.items"] + 1))) == "apple.list.items"


def test_time_slot_count() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    slots = [slot(str(i), start + timedelta(hours=i)) for i in range(LIMITS["time_picker.slots"])]
    build(TimePicker(title="T", slots=slots))
    extra = [*slots, slot("x", start - timedelta(hours=1))]
    assert limit_of(TimePicker(title="T", slots=extra)) == "apple.time_picker.slots"


def test_bubble_title_length() -> None:
    size = LIMITS["bubble.title"]
    ok = ListPicker(text="t" * size, button="b", sections=picker().sections)
    assert build(ok)["interactiveData"]["receivedMessage"]["title"] == "t" * size
    long = ok.model_copy(update={"text": "t" * (size + 1)})
    assert limit_of(long) == "apple.bubble.title"
    assert limit_of(ok.model_copy(update={"text": " "})) == "apple.bubble.title"
    assert limit_of(payment(title="p" * (size + 1)), None) == "apple.bubble.title"


def test_rich_link_image_size_and_url() -> None:
    size = LIMITS["rich_link.image"]
    link = RichLink(url="https://x.test/p")
    ok = build(link, image=(PNG + b"\x00" * (size - len(PNG)), "image/png"))
    assert len(base64.b64decode(ok["richLinkData"]["assets"]["image"]["data"])) == size
    assert limit_of(link, image=(PNG + b"\x00" * (size + 1 - len(PNG)), "image/png")) == \
        "apple.rich_link.image"
    assert limit_of(link, image=(b"", "image/png")) == "apple.rich_link.image"
    for url in ("myapp://open/1", "ftp://x.test/f", "/relative", "https://"):
        assert limit_of(RichLink(url=url)) == "apple.rich_link.url"


@pytest.mark.parametrize(("data", "declared", "expected"), [
    (PNG, "image/png; charset=binary", "image/png"),
    (PNG, "application/octet-stream", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "binary/octet-stream", "image/jpeg"),
    (b"GIF89a" + b"\x00" * 8, "", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "application/octet-stream", "image/webp"),
    (b"whatever", "IMAGE/HEIC", "image/heic"),
])
def test_rich_link_image_type(data: bytes, declared: str, expected: str) -> None:
    body = build(RichLink(url="https://x.test"), image=(data, declared))
    assert body["richLinkData"]["assets"]["image"]["mimeType"] == expected


def test_rich_link_image_that_is_not_an_image() -> None:
    assert limit_of(RichLink(url="https://x.test"), image=(b"<html>", "text/html")) == \
        "apple.rich_link.image"


@pytest.mark.parametrize(("content", "limit"), [
    (ListPicker(text="T", button="B", sections=[ListSection(items=[
        ListItem(id="a", title="A"), ListItem(id="a", title="B")])]), "apple.list.identifier"),
    (ListPicker(text="T", button="B", sections=[
        ListSection(items=[ListItem(id="a", title="A")]),
        ListSection(items=[ListItem(id="a", title="B")])]), "apple.list.identifier"),
    (ListPicker(text="T", button="B", sections=[ListSection(items=[ListItem(id=" ", title="A")])]),
     "apple.list.identifier"),
    (ListPicker(text="T", button="B", sections=[ListSection(items=[ListItem(id="a", title="")])]),
     "apple.list.title"),
    (QuickReplies("Q", [QuickReply(id="x", title="A"), QuickReply(id="x", title="B")]),
     "apple.quick_reply.identifier"),
    (QuickReplies("Q", [QuickReply(id="x", title="A"), QuickReply(id="y", title=" ")]),
     "apple.quick_reply.title"),
    (QuickReplies(" ", replies(2)), "apple.text"),
    (TimePicker(title="T", slots=[slot("a", datetime(2027, 1, 1, 9, tzinfo=UTC)),
                                  slot("a", datetime(2027, 1, 1, 10, tzinfo=UTC))]),
     "apple.time_picker.identifier"),
])
def test_ids_and_titles(content: Any, limit: str) -> None:
    assert limit_of(content) == limit


# -- time formats ---------------------------------------------------------------------------------


def event(content: TimePicker) -> dict[str, Any]:
    result: dict[str, Any] = build(content)["interactiveData"]["data"]["event"]
    return result


def test_start_time_is_utc_without_seconds_and_duration_is_whole_seconds() -> None:
    tokyo = datetime(2027, 5, 2, 0, 15, tzinfo=ZoneInfo("Asia/Tokyo"))
    got = event(TimePicker(title="T", timezone="Asia/Tokyo",
                           slots=[TimeSlot(id="a", start=tokyo, duration=timedelta(hours=1.5))]))
    assert got["timeslots"] == [{"identifier": "a", "startTime": "2027-05-01T15:15+0000",
                                 "duration": 5400}]
    assert isinstance(got["timeslots"][0]["duration"], int)
    assert got["timezoneOffset"] == 540


def test_timezone_offset_is_taken_at_the_earliest_slot() -> None:
    # Paris leaves winter time (UTC+1) on 28 March 2027; the earliest slot decides.
    before = datetime(2027, 3, 27, 10, 0, tzinfo=PARIS)
    after = datetime(2027, 3, 29, 10, 0, tzinfo=PARIS)
    got = event(TimePicker(title="T", timezone="Europe/Paris",
                           slots=[slot("after", after), slot("before", before)]))
    assert got["timezoneOffset"] == 60
    assert [s["startTime"] for s in got["timeslots"]] == ["2027-03-29T08:00+0000",
                                                          "2027-03-27T09:00+0000"]
    summer = event(TimePicker(title="T", timezone="Europe/Paris", slots=[slot("a", after)]))
    assert summer["timezoneOffset"] == 120


@pytest.mark.parametrize(("slots", "timezone", "limit"), [
    ([slot("a", datetime(2027, 1, 1, 9, 0, 30, tzinfo=UTC))], "UTC", "apple.time_picker.start"),
    ([slot("a", datetime(2027, 1, 1, 9, 0, 0, 1, tzinfo=UTC))], "UTC", "apple.time_picker.start"),
    ([TimeSlot(id="a", start=datetime(2027, 1, 1, tzinfo=UTC), duration=timedelta(seconds=1.5))],
     "UTC", "apple.time_picker.duration"),
    ([TimeSlot(id="a", start=datetime(2027, 1, 1, tzinfo=UTC), duration=timedelta(0))],
     "UTC", "apple.time_picker.duration"),
    ([TimeSlot(id="a", start=datetime(2027, 1, 1, tzinfo=UTC), duration=timedelta(minutes=-5))],
     "UTC", "apple.time_picker.duration"),
    ([slot("a", datetime(2027, 1, 1, tzinfo=UTC))], "Mars/Olympus_Mons",
     "apple.time_picker.timezone"),
    ([slot("a", datetime(2027, 1, 1, tzinfo=UTC))], "", "apple.time_picker.timezone"),
])
def test_time_picker_refusals(slots: list[TimeSlot], timezone: str, limit: str) -> None:
    assert limit_of(TimePicker(title="T", timezone=timezone, slots=slots)) == limit


# -- money ----------------------------------------------------------------------------------------


def test_amounts_are_strings_never_floats() -> None:
    body = build(payment(), None)
    text = json.dumps(body)
    assert '"amount": "12.00"' in text
    assert '"amount": "15.50"' in text

    def walk(value: Any) -> None:
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("12"), "12.00"), (Decimal("12.5"), "12.50"), (Decimal("12.00"), "12.00"),
    (Decimal("0.125"), "0.125"), (Decimal("-1"), "-1.00"), (Decimal("-0"), "0.00"),
    (Decimal("1E+2"), "100.00"), (Decimal("1234567.89"), "1234567.89"),
])
def test_amount_format(value: Decimal, text: str) -> None:
    assert format_amount(value, "payment.amount", "amounts") == text


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_amount_must_be_finite(value: Decimal) -> None:
    with pytest.raises(ContentError) as error:
        format_amount(value, "payment.amount", "amounts")
    assert error.value.limit == "apple.payment.amount"


@pytest.mark.parametrize(("changes", "limit"), [
    ({"endpoints": {}}, "apple.payment.endpoints"),
    ({"endpoints": {"fallbackUrl": "https://x.test/f"}}, "apple.payment.endpoints"),
    ({"endpoints": {"paymentGatewayUrl": "http://x.test/g"}}, "apple.payment.endpoints"),
    ({"endpoints": {"paymentGatewayUrl": "https://x.test/g", "fallbackUrl": "ftp://x"}},
     "apple.payment.endpoints"),
    ({"merchant": {"supportedNetworks": ["visa"]}}, "apple.payment.merchant"),
    ({"merchant": {"merchantIdentifier": " "}}, "apple.payment.merchant"),
    ({"currency": "US"}, "apple.payment.currency"),
    ({"currency": "US$"}, "apple.payment.currency"),
    ({"country": "USA"}, "apple.payment.country"),
    ({"total": Decimal("-0.01")}, "apple.payment.total"),
    ({"total_label": ""}, "apple.payment.label"),
    ({"items": [PaymentItem(label=" ", amount=Decimal("1"))]}, "apple.payment.label"),
    ({"items": [PaymentItem.model_construct(label="x", amount=Decimal("NaN"), pending=False)]},
     "apple.payment.amount"),  # pydantic refuses NaN; the renderer checks again
])
def test_payment_refusals(changes: dict[str, Any], limit: str) -> None:
    assert limit_of(payment(**changes), None) == limit


def test_payment_does_not_share_the_callers_dicts() -> None:
    content = payment()
    body = build(content, None)
    body["interactiveData"]["data"]["payment"]["paymentRequest"]["applePay"]["x"] = 1
    body["interactiveData"]["data"]["payment"]["merchantSession"]["x"] = 1
    assert "x" not in content.merchant
    assert content.merchant_session is not None and "x" not in content.merchant_session


# -- authentication and forms ---------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "limit"), [
    ({"scope": []}, "apple.auth.scope"),
    ({"scope": ["openid", " "]}, "apple.auth.scope"),
    ({"state": ""}, "apple.auth.state"),
    ({"redirect_uri": "http://auth.example.test/cb"}, "apple.auth.redirect_uri"),
    ({"redirect_uri": "myapp://cb"}, "apple.auth.redirect_uri"),
    ({"response_type": " "}, "apple.auth.response_type"),
    ({"title": ""}, "apple.bubble.title"),
    ({"reply_title": ""}, "apple.bubble.title"),
])
def test_auth_refusals(changes: dict[str, Any], limit: str) -> None:
    assert limit_of(auth(**changes)) == limit


def page(id: str, next_page: str | None = None, **fields: Any) -> FormPage:
    return FormPage(id=id, type=fields.pop("type", "date"), title=fields.pop("title", id.upper()),
                    next_page=next_page, **fields)


def test_one_page_form_submits() -> None:
    body = build(Form(title="F", pages=[page("only", type="input", required=False)]))
    data = body["interactiveData"]["data"]["dynamic"]["data"]
    assert data == {"startPageIdentifier": "only", "showSummary": True, "pages": [
        {"pageIdentifier": "only", "type": "input", "title": "ONLY", "submitForm": True,
         "options": {"required": False}}]}


def test_form_pages_follow_the_chain_not_the_list_order() -> None:
    body = build(Form(title="F", pages=[page("a", "c"), page("b"), page("c", "b")]))
    pages = body["interactiveData"]["data"]["dynamic"]["data"]["pages"]
    assert [(p["pageIdentifier"], p.get("nextPageIdentifier"), p["submitForm"]) for p in pages] == [
        ("a", "c", False), ("b", None, True), ("c", "b", False)]


@pytest.mark.parametrize(("pages", "limit"), [
    ([page("a", "missing")], "apple.form.next_page"),
    ([page("a", "b"), page("b", "a")], "apple.form.next_page"),
    ([page("a", "a")], "apple.form.next_page"),
    ([page("a"), page("b")], "apple.form.next_page"),
    ([page("a", "b"), page("a")], "apple.form.page"),
    ([page(" ")], "apple.form.page"),
    ([page("a", type="select")], "apple.form.options"),
    ([page("a", type="picker")], "apple.form.options"),
    ([page("a", type="select", options=[FormOption(id="x", title="X"),
                                        FormOption(id="x", title="Y")])], "apple.form.options"),
    ([page("a", type="date", options=[FormOption(id="x", title="X")])], "apple.form.options"),
    ([page("a", type="input", options=[FormOption(id="x", title="X")])], "apple.form.options"),
    ([page("a", type="picker", multiple_selection=True,
           options=[FormOption(id="x", title="X")])], "apple.form.multiple_selection"),
    ([page("a", title=" ")], "apple.form.title"),
])
def test_form_refusals(pages: list[FormPage], limit: str) -> None:
    assert limit_of(Form(title="F", pages=pages)) == limit


def test_unreachable_page_is_named() -> None:
    with pytest.raises(ContentError, match="'b'"):
        build(Form(title="F", pages=[page("a"), page("b")]))


# -- unsupported content --------------------------------------------------------------------------

NO_APPLE_FORM: list[tuple[str, Any]] = [
    ("sticker", Sticker(url="https://x.test/s.webp")),
    ("location", Location(latitude=48.85, longitude=2.35, name="Paris")),
    ("contacts", Contacts([Contact(name="Ada", phones=["+33100000000"])])),
    ("carousel", Carousel([Card(title="Card")])),
    ("template", Template(name="hello", language="en_US")),
    ("reaction", Reaction(message_id="m1", emoji="👍")),
    ("mark_read", MarkRead(message_id="m1")),
    ("unsupported", Unsupported(type="poll")),
]


@pytest.mark.parametrize("content", [c[1] for c in NO_APPLE_FORM], ids=[c[0] for c in NO_APPLE_FORM])
def test_kinds_without_an_apple_form(content: Any) -> None:
    with pytest.raises(UnsupportedContent) as error:
        build(content)
    assert error.value.limit == f"apple.{content.kind}.unsupported"


@pytest.mark.parametrize("media", [
    Image(url="https://x.test/i.png"), Video(url="https://x.test/v.mp4"),
    Audio(data=b"abc", mime_type="audio/mp4"), File(url="https://x.test/f.pdf", caption="Invoice"),
], ids=["image", "video", "audio", "file"])
def test_media_goes_through_the_attachment_exchange(media: Any) -> None:
    with pytest.raises(UnsupportedContent, match="attachment") as error:
        build(media)
    assert error.value.limit == f"apple.{media.kind}.unsupported"


def test_raw_for_another_channel() -> None:
    with pytest.raises(UnsupportedContent) as error:
        build(Raw(channel="whatsapp", payload={"type": "text"}))
    assert error.value.limit == "apple.raw.channel"


def test_raw_payload_is_not_mutated() -> None:
    content = Raw(channel="apple", payload={"type": "interactive", "interactiveData": {"a": [1]}})
    body = build(content)
    body["interactiveData"]["a"].append(2)
    assert content.payload == {"type": "interactive", "interactiveData": {"a": [1]}}


# -- recipients and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("to", ["", " ", "urn:mbid:AQAA y", "urn:mbid:AQAA\n", "\turn:mbid:x"])
def test_recipient_must_be_an_opaque_id(to: str) -> None:
    with pytest.raises(ContentError) as error:
        build_message(to, BIZ, Text("hi"), message_id=MID, device=None)
    assert error.value.limit == "apple.recipient"
    with pytest.raises(ContentError):
        attachment_message(to, BIZ, [ATTACHMENT], message_id=MID, text=None)


def test_any_non_blank_recipient_is_accepted() -> None:
    assert build_message("opaque-42", BIZ, Text("hi"), message_id=MID,
                         device=None)["destinationId"] == "opaque-42"


def test_business_and_message_ids_are_required() -> None:
    with pytest.raises(ConfigurationError):
        build_message(TO, "", Text("hi"), message_id=MID, device=None)
    with pytest.raises(ConfigurationError):
        build_message(TO, BIZ, Text("hi"), message_id=" ", device=None)
    with pytest.raises(ConfigurationError):
        attachment_message(TO, BIZ, [ATTACHMENT], message_id="", text=None)


# -- attachments ----------------------------------------------------------------------------------

ATTACHMENT = {"name": "photo.png", "mimeType": "image/png", "size": "12345",
              "signature-base64": "c2lnbmF0dXJl", "url": "https://mmcs.example.test/f",
              "owner": "owner-1", "key": "00" + "ab" * 32}


def test_attachment_with_text() -> None:
    body = attachment_message(TO, BIZ, [ATTACHMENT], message_id=MID, text="Here it is",
                              locale="en_US")
    assert body == {**HEAD, "type": "text", "locale": "en_US", "body": "Here it is \ufffc",
                    "attachments": [ATTACHMENT]}
    assert body["attachments"][0] is not ATTACHMENT


@pytest.mark.parametrize(("count", "text"), [(1, None), (2, None), (3, ""), (2, "  ")])
def test_attachments_without_text(count: int, text: str | None) -> None:
    attachments = [{**ATTACHMENT, "name": f"f{i}.png"} for i in range(count)]
    body = attachment_message(TO, BIZ, attachments, message_id=MID, text=text)
    assert body["body"] == PLACEHOLDER * count
    assert body["attachments"] == attachments
    assert "locale" not in body


def test_two_attachments_after_a_text() -> None:
    body = attachment_message(TO, BIZ, [ATTACHMENT, ATTACHMENT], message_id=MID, text="Two")
    assert body["body"] == "Two \ufffc\ufffc"


@pytest.mark.parametrize(("attachments", "text", "limit"), [
    ([], None, "apple.attachments"),
    ([{k: v for k, v in ATTACHMENT.items() if k != "key"}], None, "apple.attachments"),
    ([{k: v for k, v in ATTACHMENT.items() if k != "signature-base64"}], None, "apple.attachments"),
    ([{**ATTACHMENT, "url": ""}], None, "apple.attachments"),
    ([ATTACHMENT], "see \ufffc", "apple.text.placeholder"),
    ([ATTACHMENT], "x" * LIMITS["text"], "apple.text"),
])
def test_attachment_refusals(attachments: list[dict[str, Any]], text: str | None,
                             limit: str) -> None:
    with pytest.raises(ContentError) as error:
        attachment_message(TO, BIZ, attachments, message_id=MID, text=text)
    assert error.value.limit == limit


def test_attachment_body_at_the_text_limit() -> None:
    text = "x" * (LIMITS["text"] - 2)
    body = attachment_message(TO, BIZ, [ATTACHMENT], message_id=MID, text=text)
    assert len(body["body"]) == LIMITS["text"]


# -- purity ---------------------------------------------------------------------------------------


def test_renderers_do_no_io() -> None:
    package = Path(render_module.__file__).parent
    files = ["render.py", "_check.py", "_interactive.py", "_pickers.py", "_payment.py", "_forms.py"]
    forbidden = {"httpx", "socket", "requests", "urllib.request", "http.client", "os", "io"}
    for name in files:
        tree = ast.parse((package / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = {node.module}
            else:
                continue
            assert not names & forbidden, f"{name} imports {names & forbidden}"


# -- through the channel --------------------------------------------------------------------------


@pytest.fixture
def channel() -> AppleMessages:
    return AppleMessages(msp_id=MSP_ID, secret=SECRET, business_id="fake-business-0000",
                         clock=lambda: 1767000000.0)


def test_channel_sends_text(channel: AppleMessages) -> None:
    [request] = channel.render(TO, Text("hi"))
    assert request.method == "POST"
    assert request.url == "https://mspgw.push.apple.com/v1/message"
    headers = request.headers
    scheme, token = headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = pyjwt.decode(token, SECRET_KEY, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iss"] == MSP_ID
    assert claims["iat"] == 1767000000
    assert pyjwt.get_unverified_header(token)["alg"] == "HS256"
    assert headers["Source-Id"] == "fake-business-0000"
    assert headers["Destination-Id"] == TO
    assert headers["Content-Type"] == "application/json"
    assert headers["auto-reply"] == "true"
    body = request.json
    assert headers["id"] == body["id"]
    assert body == {"v": 1, "id": headers["id"], "sourceId": "fake-business-0000",
                    "destinationId": TO, "type": "text", "body": "hi"}
    assert json.loads(request.body_bytes()) == body


def test_channel_list_picker_needs_the_device(channel: AppleMessages) -> None:
    [request] = channel.render(TO, picker(), device_capabilities={"LIST"})
    body = request.json
    assert request.url.endswith("/v1/message")
    assert body["type"] == "interactive"
    assert body["interactiveData"]["data"]["requestIdentifier"] == request.headers["id"]
    with pytest.raises(ContentError) as error:
        channel.render(TO, picker())
    assert error.value.limit == "apple.device.LIST"
    with pytest.raises(ContentError):
        channel.render(TO, picker(), device_capabilities={"QUICK", "TIME"})


def test_channel_buttons_follow_the_device(channel: AppleMessages) -> None:
    [quick] = channel.render(TO, Buttons("Pick", reply_buttons(3)),
                             device_capabilities={"quick", "list"})
    assert "quick-reply" in quick.json["interactiveData"]["data"]
    [listed] = channel.render(TO, Buttons("Pick", reply_buttons(3)), device_capabilities={"LIST"})
    assert "listPicker" in listed.json["interactiveData"]["data"]


def test_channel_sends_auth_to_authenticate(channel: AppleMessages) -> None:
    [request] = channel.render(TO, auth(), device_capabilities={"AUTH2"}, locale="en_US")
    assert request.url == "https://mspgw.push.apple.com/v1/authenticate"
    assert request.json["locale"] == "en_US"
    assert request.json["interactiveData"]["data"]["authenticate"]["oauth2"]["state"] == "nonce-123"
    assert request.headers["id"] == request.json["id"]


def test_channel_sends_payment_on_any_device(channel: AppleMessages) -> None:
    [request] = channel.render(TO, payment())
    assert request.url.endswith("/v1/message")
    assert '"amount":"12.00"' in request.body_bytes().decode()
