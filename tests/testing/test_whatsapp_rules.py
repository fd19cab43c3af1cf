"""The simulator's WhatsApp rules agree with Meta's official OpenAPI spec, except its errata.

One corpus of send bodies, written by hand as Meta documents them, drives every test:

- every body the rules accept is accepted by the spec validator (``wa_spec``), except where a
  documented erratum (meta.md section 9) makes the spec refuse it — then the spec refuses exactly
  for that reason, and accepts the body once the erratum is undone;
- every body the spec refuses, the rules refuse too (the same statement read backwards, asserted
  over the invalid bodies as well);
- every invalid body is refused with the Cloud API error code the live API would give;
- limits hold exactly at the limit and fail at limit + 1 with 131009.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from polychat.channels.whatsapp.limits import LIMITS
from polychat.testing._whatsapp_rules import (
    INVALID_PARAMETER,
    INVALID_VALUE,
    MEDIA_TYPES,
    MISSING_PARAMETER,
    UNSUPPORTED_TYPE,
    Problem,
    check_send_body,
    check_upload,
    error_envelope,
)

Body = dict[str, Any]

TO = "+16505551234"
WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
IMG = "https://example.com/pictures/shrub.jpg"


def send(kind: str, obj: Any, **extra: Any) -> Body:
    """A message send body as Meta's examples write it."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
            "type": kind, kind: obj, **extra}


def interactive(obj: Body, **extra: Any) -> Body:
    return send("interactive", obj, **extra)


def buttons(n: int, *, title: Callable[[int], str] = lambda i: f"Option {i}",
            ident: Callable[[int], str] = lambda i: f"opt-{i}") -> Body:
    return interactive({"type": "button", "body": {"text": "Choose one"}, "action": {
        "buttons": [{"type": "reply", "reply": {"id": ident(i), "title": title(i)}}
                    for i in range(n)]}})


def list_message(*row_counts: int, body: str = "Pick a shipping option",
                 titled: bool = True) -> Body:
    sections = []
    n = 0
    for s, count in enumerate(row_counts):
        rows = []
        for _ in range(count):
            rows.append({"id": f"row-{n}", "title": f"Row {n}", "description": "1-2 days"})
            n += 1
        section: Body = {"rows": rows}
        if titled:
            section["title"] = f"Section {s}"
        sections.append(section)
    return interactive({"type": "list", "header": {"type": "text", "text": "Shipping"},
                        "body": {"text": body}, "footer": {"text": "Lucky Shrub"},
                        "action": {"button": "Options", "sections": sections}})


def template(components: Any = None, **language: str) -> Body:
    tpl: Body = {"name": "order_update", "language": {"code": "en_US", **language}}
    if components is not None:
        tpl["components"] = components
    return send("template", tpl)


def text_body(text: str = "hi", **extra: Any) -> Body:
    return send("text", {"body": text}, **extra)


# -- errata: the reasons the spec refuses bodies the docs (and the rules) accept ------------------

def _bsuid(body: Body) -> Body:
    body["to"] = body.pop("recipient")
    return body


def _type_omitted(body: Body) -> Body:
    body["type"] = "text"
    return body


def _biz_opaque(body: Body) -> Body:
    del body["biz_opaque_callback_data"]
    return body


def _button_index(body: Body) -> Body:
    for component in body["template"]["components"]:
        if component.get("type") == "button":
            component["index"] = "1"  # a position the spec's broken pattern happens to accept
    return body


def _list_body(body: Body) -> Body:
    body["interactive"]["body"]["text"] = body["interactive"]["body"]["text"][:1024]
    return body


ERRATA: dict[str, Callable[[Body], Body]] = {
    "bsuid": _bsuid,                # no BSUID fields in the spec; it requires `to`
    "type_omitted": _type_omitted,  # the spec requires `type`; the API defaults it to text
    "biz_opaque": _biz_opaque,      # the spec has biz_opaque_callback_data on calls only
    "button_index": _button_index,  # TemplateComponent.index pattern ^[2-6, 11-14]$ refuses "0"
    "list_body": _list_body,        # BodyObject.maxLength 1024; list bodies take 4096
}
INTERACTIVE_NOT_IN_SPEC = "interactive_type"  # cta_url, location_request_message, carousel, voice_call


# -- the corpus ---------------------------------------------------------------------------------

VALID: list[tuple[str, Body, tuple[str, ...]]] = [
    # (id, body, errata the spec needs undone)
    ("text", {"messaging_product": "whatsapp", "to": TO, "type": "text",
              "text": {"body": "Hello"}}, ()),
    ("text-full", text_body("Read https://example.com", context={"message_id": WAMID})
     | {"text": {"body": "Read https://example.com", "preview_url": True}}, ()),
    ("text-group", send("text", {"body": "hello group"}) | {"recipient_type": "group",
                                                            "to": "Y2FwaV9ncm91cDoxNjUw"}, ()),
    ("text-type-omitted", {"messaging_product": "whatsapp", "to": TO,
                           "text": {"body": "no type"}}, ("type_omitted",)),
    ("text-bsuid", {"messaging_product": "whatsapp", "recipient": "US.13491208655302741918",
                    "type": "text", "text": {"body": "hi"}}, ("bsuid",)),
    ("text-biz-opaque", text_body(biz_opaque_callback_data="campaign-42"), ("biz_opaque",)),
    ("image-id-caption", send("image", {"id": "1479537139650973", "caption": "Our shrub"}), ()),
    ("image-link", send("image", {"link": IMG}), ()),
    ("video-link", send("video", {"link": "https://example.com/v.mp4", "caption": "Demo"}), ()),
    ("document", send("document", {"id": "1376223850470843", "caption": "Invoice",
                                   "filename": "invoice.pdf"}), ()),
    ("audio-voice", send("audio", {"id": "1013859600285441", "voice": True}), ()),
    ("audio-link", send("audio", {"link": "https://example.com/a.mp3"}), ()),
    ("sticker-id", send("sticker", {"id": "798882015472548"}), ()),
    ("sticker-link", send("sticker", {"link": "https://example.com/s.webp"}), ()),
    ("location-numbers", send("location", {"latitude": 37.44216, "longitude": -122.16131,
                                           "name": "Philz Coffee",
                                           "address": "101 Forest Ave, Palo Alto"}), ()),
    ("location-strings", send("location", {"latitude": "-90", "longitude": "180"}), ()),
    ("contacts-full", send("contacts", [{
        "name": {"formatted_name": "John Smith", "first_name": "John", "last_name": "Smith"},
        "phones": [{"phone": "+1 (650) 555-1234", "type": "WORK", "wa_id": "16505551234"}],
        "emails": [{"email": "john@example.com", "type": "WORK"}],
        "urls": [{"url": "https://example.com", "type": "WORK"}],
        "addresses": [{"street": "1 Hacker Way", "city": "Menlo Park", "state": "CA",
                       "zip": "94025", "country": "United States", "country_code": "us",
                       "type": "WORK"}],
        "org": {"company": "Lucky Shrub", "department": "Sales", "title": "Manager"},
        "birthday": "1999-01-23"}]), ()),
    ("contacts-two", send("contacts", [{"name": {"formatted_name": "Ada"}},
                                       {"name": {"formatted_name": "Bob"}}]), ()),
    ("reaction", send("reaction", {"message_id": WAMID, "emoji": "\U0001f600"}), ()),
    ("reaction-remove", send("reaction", {"message_id": WAMID, "emoji": ""}), ()),
    ("buttons-image-header", interactive({
        "type": "button", "header": {"type": "image", "image": {"id": "2762702990552401"}},
        "body": {"text": "Reschedule?"}, "footer": {"text": "Lucky Shrub"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "change", "title": "Change"}},
            {"type": "reply", "reply": {"id": "cancel", "title": "Cancel"}},
            {"type": "reply", "reply": {"id": "keep", "title": "Keep"}}]}}), ()),
    ("buttons-text-header", interactive({
        "type": "button", "header": {"type": "text", "text": "Your order"},
        "body": {"text": "Track it?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}},
        context={"message_id": WAMID}), ()),
    ("buttons-document-header", interactive({
        "type": "button",
        "header": {"type": "document", "document": {"link": "https://example.com/menu.pdf"}},
        "body": {"text": "Order?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "order", "title": "Order"}}]}}),
     ()),
    ("list-one-section", interactive({
        "type": "list", "body": {"text": "Pick one"},
        "action": {"button": "Options", "sections": [{"rows": [
            {"id": "express", "title": "Priority Express", "description": "1-2 days"},
            {"id": "ground", "title": "Ground"}]}]}}), ()),
    ("list-ten-rows", list_message(4, 6), ()),
    ("list-body-4096", list_message(1, body="x" * 4096), ("list_body",)),
    ("cta-url", interactive({
        "type": "cta_url", "body": {"text": "Tap to see our dates"},
        "footer": {"text": "Dates subject to change"},
        "action": {"name": "cta_url", "parameters": {
            "display_text": "See Dates", "url": "https://example.com?clickID=kqDGWd24Q5TRwoEQ"}}}),
     (INTERACTIVE_NOT_IN_SPEC,)),
    ("cta-url-image-header", interactive({
        "type": "cta_url", "header": {"type": "image", "image": {"link": IMG}},
        "body": {"text": "New arrivals"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Shop",
                                                     "url": "http://example.com/shop"}}}),
     (INTERACTIVE_NOT_IN_SPEC,)),
    ("location-request", interactive({
        "type": "location_request_message", "body": {"text": "Share your pickup point"},
        "action": {"name": "send_location"}}), (INTERACTIVE_NOT_IN_SPEC,)),
    ("flow-id", interactive({
        "type": "flow", "header": {"type": "text", "text": "Sign up"},
        "body": {"text": "Join our newsletter"}, "footer": {"text": "No spam"},
        "action": {"name": "flow", "parameters": {
            "flow_message_version": "3", "flow_id": "1234567890123456",
            "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s", "flow_cta": "Open",
            "flow_action": "navigate",
            "flow_action_payload": {"screen": "FIRST", "data": {"name": "Ada"}}}}}), ()),
    ("flow-name-draft", interactive({
        "type": "flow", "body": {"text": "Book"},
        "action": {"name": "flow", "parameters": {
            "flow_message_version": "3", "flow_name": "appointment_booking",
            "flow_cta": "Book now", "mode": "draft", "flow_action": "data_exchange"}}}), ()),
    ("product", interactive({
        "type": "product", "body": {"text": "Our bestseller"},
        "action": {"catalog_id": "194836987003835", "product_retailer_id": "AU-SHRUB-01"}}),
     ()),
    ("product-list", interactive({
        "type": "product_list", "header": {"type": "text", "text": "Summer plants"},
        "body": {"text": "Pick your favourites"},
        "action": {"catalog_id": "194836987003835", "sections": [
            {"title": "Shrubs", "product_items": [{"product_retailer_id": "AU-SHRUB-01"},
                                                  {"product_retailer_id": "AU-SHRUB-02"}]},
            {"title": "Trees", "product_items": [{"product_retailer_id": "AU-TREE-01"}]}]}}),
     ()),
    ("catalog-message", interactive({
        "type": "catalog_message", "body": {"text": "Browse our catalog"},
        "action": {"name": "catalog_message",
                   "parameters": {"thumbnail_product_retailer_id": "AU-SHRUB-01"}}}), ()),
    ("call-permission", interactive({
        "type": "call_permission_request", "body": {"text": "May we call you?"},
        "action": {"name": "call_permission_request"}}), ()),
    ("carousel", interactive({
        "type": "carousel", "body": {"text": "Our picks"},
        "action": {"cards": [
            {"card_index": i, "type": "cta_url",
             "header": {"type": "image", "image": {"link": IMG}},
             "body": {"text": f"Card {i}"},
             "action": {"name": "cta_url", "parameters": {
                 "display_text": "Buy", "url": f"https://example.com/p/{i}"}}}
            for i in range(2)]}}), (INTERACTIVE_NOT_IN_SPEC,)),
    ("voice-call", interactive({
        "type": "voice_call", "body": {"text": "Talk to us"},
        "action": {"name": "voice_call", "parameters": {"display_text": "Call on WhatsApp",
                                                        "ttl_minutes": 100}}}),
     (INTERACTIVE_NOT_IN_SPEC,)),
    ("template-minimal", template(), ()),
    ("template-documented", template([
        {"type": "header", "parameters": [{"type": "image", "image": {"link": IMG}}]},
        {"type": "body", "parameters": [
            {"type": "text", "text": "Ada"},
            {"type": "currency", "currency": {"fallback_value": "$100.99", "code": "USD",
                                              "amount_1000": 100990}},
            {"type": "date_time", "date_time": {"fallback_value": "Feb 25, 2026"}}]},
        {"type": "button", "sub_type": "quick_reply", "index": "0",
         "parameters": [{"type": "payload", "payload": "YES"}]},
        {"type": "button", "sub_type": "url", "index": "1",
         "parameters": [{"type": "text", "text": "order-123"}]}], policy="deterministic"),
     ("button_index",)),
    ("template-int-index", template([
        {"type": "body", "parameters": [{"type": "text", "text": "Ada"}]},
        {"type": "button", "sub_type": "quick_reply", "index": 2,
         "parameters": [{"type": "payload", "payload": "STOP"}]}]), ()),
    ("template-named", template([
        {"type": "header", "parameters": [
            {"type": "text", "parameter_name": "order_id", "text": "#123"}]},
        {"type": "body", "parameters": [
            {"type": "text", "parameter_name": "first_name", "text": "Ada"},
            {"type": "date_time", "parameter_name": "delivery_date",
             "date_time": {"fallback_value": "Mar 3"}}]}]), ()),
    ("template-media-headers", template([
        {"type": "header", "parameters": [{"type": "document", "document": {
            "id": "1376223850470843", "filename": "ticket.pdf"}}]}]), ()),
    ("template-location-header", template([
        {"type": "header", "parameters": [{"type": "location", "location": {
            "latitude": 37.48, "longitude": -122.14, "name": "Store",
            "address": "1 Hacker Way"}}]}]), ()),
    ("template-catalog-button", template([
        {"type": "button", "sub_type": "catalog", "index": "1", "parameters": [
            {"type": "action", "action": {"thumbnail_product_retailer_id": "AU-SHRUB-01"}}]}]),
     ()),
    ("mark-read", {"messaging_product": "whatsapp", "status": "read", "message_id": WAMID}, ()),
    ("typing-indicator", {"messaging_product": "whatsapp", "status": "read",
                          "message_id": WAMID, "typing_indicator": {"type": "text"}}, ()),
]


def _without(body: Body, *path: str | int) -> Body:
    """A copy of ``body`` with the key at ``path`` removed."""
    out = copy.deepcopy(body)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def _with(body: Body, value: Any, *path: str | int) -> Body:
    """A copy of ``body`` with the key at ``path`` set to ``value``."""
    out = copy.deepcopy(body)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


VALID_BY_ID: dict[str, Body] = {ident: body for ident, body, _ in VALID}
_TPL_BUTTON: Body = {"type": "button", "sub_type": "quick_reply", "index": "1",
                     "parameters": [{"type": "payload", "payload": "YES"}]}
_FLOW = VALID_BY_ID["flow-id"]
_CTA = VALID_BY_ID["cta-url"]
_LOCATION = VALID_BY_ID["location-numbers"]
_CARD = VALID_BY_ID["contacts-two"]

INVALID: list[tuple[str, Any, int]] = [
    # (id, body, the code of the first problem)
    ("body-array", [text_body()], INVALID_PARAMETER),
    ("messaging-product-missing", _without(text_body(), "messaging_product"), MISSING_PARAMETER),
    ("messaging-product-wrong", _with(text_body(), "sms", "messaging_product"), INVALID_VALUE),
    ("no-recipient", _without(text_body(), "to"), MISSING_PARAMETER),
    ("to-and-recipient", text_body(recipient="US.13491208655302741918"), INVALID_PARAMETER),
    ("recipient-not-bsuid", _without(text_body(), "to") | {"recipient": "16505551234"},
     INVALID_VALUE),
    ("to-number", _with(text_body(), 16505551234, "to"), INVALID_PARAMETER),
    ("recipient-type-unknown", _with(text_body(), "broadcast", "recipient_type"), INVALID_VALUE),
    ("type-unknown", send("poll", {"question": "?"}), UNSUPPORTED_TYPE),
    ("type-not-string", _with(text_body(), 1, "type"), INVALID_PARAMETER),
    ("type-object-missing", _without(text_body(), "text"), MISSING_PARAMETER),
    ("second-message-object", text_body(image={"link": IMG}), INVALID_PARAMETER),
    ("unknown-top-level-key", text_body(priority="high"), INVALID_PARAMETER),
    ("text-body-missing", send("text", {"preview_url": True}), MISSING_PARAMETER),
    ("text-body-number", send("text", {"body": 42}), INVALID_PARAMETER),
    ("text-body-empty", send("text", {"body": ""}), INVALID_VALUE),
    ("text-preview-url-string", send("text", {"body": "hi", "preview_url": "yes"}),
     INVALID_PARAMETER),
    ("text-extra-key", send("text", {"body": "hi", "format": "markdown"}), INVALID_PARAMETER),
    ("text-as-string", send("text", "hi"), INVALID_PARAMETER),
    ("context-without-message-id", text_body(context={}), MISSING_PARAMETER),
    ("biz-opaque-number", text_body(biz_opaque_callback_data=7), INVALID_PARAMETER),
    ("image-id-and-link", send("image", {"id": "1", "link": IMG}), INVALID_PARAMETER),
    ("image-no-source", send("image", {"caption": "?"}), MISSING_PARAMETER),
    ("image-link-ftp", send("image", {"link": "ftp://example.com/a.jpg"}), INVALID_VALUE),
    ("image-filename", send("image", {"id": "1", "filename": "a.jpg"}), INVALID_PARAMETER),
    ("audio-caption", send("audio", {"id": "1", "caption": "listen"}), INVALID_PARAMETER),
    ("audio-voice-string", send("audio", {"id": "1", "voice": "true"}), INVALID_PARAMETER),
    ("sticker-caption", send("sticker", {"id": "1", "caption": "hi"}), INVALID_PARAMETER),
    ("video-voice", send("video", {"id": "1", "voice": True}), INVALID_PARAMETER),
    ("location-no-latitude", _without(_LOCATION, "location", "latitude"), MISSING_PARAMETER),
    ("location-latitude-91", _with(_LOCATION, 91, "location", "latitude"), INVALID_VALUE),
    ("location-longitude-text", _with(_LOCATION, "east", "location", "longitude"),
     INVALID_VALUE),
    ("location-latitude-bool", _with(_LOCATION, True, "location", "latitude"),
     INVALID_PARAMETER),
    ("location-extra-key", _with(_LOCATION, "https://maps", "location", "url"),
     INVALID_PARAMETER),
    ("contacts-empty", send("contacts", []), INVALID_VALUE),
    ("contacts-object", send("contacts", {"name": {"formatted_name": "Ada"}}),
     INVALID_PARAMETER),
    ("contact-without-name", send("contacts", [{"phones": [{"phone": "+1 650"}]}]),
     MISSING_PARAMETER),
    ("contact-without-formatted-name", send("contacts", [{"name": {"first_name": "Ada"}}]),
     MISSING_PARAMETER),
    ("contact-phone-type", _with(_CARD, [{"phone": "+1", "type": "PAGER"}], "contacts", 0,
                                 "phones"), INVALID_VALUE),
    ("contact-birthday", _with(_CARD, "23/01/1999", "contacts", 0, "birthday"), INVALID_VALUE),
    ("reaction-no-message-id", send("reaction", {"emoji": "\U0001f44d"}), MISSING_PARAMETER),
    ("interactive-no-type", interactive({"body": {"text": "?"}, "action": {}}),
     MISSING_PARAMETER),
    ("interactive-type-unknown", interactive({"type": "poll", "body": {"text": "?"},
                                              "action": {}}), INVALID_VALUE),
    ("interactive-no-action", _without(buttons(2), "interactive", "action"), MISSING_PARAMETER),
    ("buttons-4", buttons(4), INVALID_VALUE),
    ("buttons-0", buttons(0), INVALID_VALUE),
    ("buttons-duplicate-title", buttons(2, title=lambda i: "Same"), INVALID_VALUE),
    ("buttons-duplicate-id-spaces", buttons(2, ident=lambda i: "id" + " " * i), INVALID_VALUE),
    ("buttons-no-body", _without(buttons(2), "interactive", "body"), MISSING_PARAMETER),
    ("buttons-audio-header", _with(buttons(2), {"type": "audio", "audio": {"id": "1"}},
                                   "interactive", "header"), INVALID_VALUE),
    ("buttons-header-caption", _with(buttons(2), {"type": "image", "image": {
        "id": "1", "caption": "no"}}, "interactive", "header"), INVALID_PARAMETER),
    ("buttons-url-type", _with(buttons(1), "url", "interactive", "action", "buttons", 0, "type"),
     INVALID_VALUE),
    ("buttons-title-missing", _without(buttons(1), "interactive", "action", "buttons", 0,
                                       "reply", "title"), MISSING_PARAMETER),
    ("list-11-rows-one-section", list_message(11), INVALID_VALUE),
    ("list-11-rows-two-sections", list_message(5, 6), INVALID_VALUE),
    ("list-11-sections", list_message(*[1] * 11), INVALID_VALUE),
    ("list-untitled-sections", list_message(2, 2, titled=False), MISSING_PARAMETER),
    ("list-empty-section", list_message(2, 0), INVALID_VALUE),
    ("list-duplicate-row-id", _with(list_message(2), "row-0", "interactive", "action",
                                    "sections", 0, "rows", 1, "id"), INVALID_VALUE),
    ("list-image-header", _with(list_message(2), {"type": "image", "image": {"link": IMG}},
                                "interactive", "header"), INVALID_VALUE),
    ("list-no-button", _without(list_message(2), "interactive", "action", "button"),
     MISSING_PARAMETER),
    ("cta-url-ftp", _with(_CTA, "ftp://example.com", "interactive", "action", "parameters",
                          "url"), INVALID_VALUE),
    ("cta-url-wrong-name", _with(_CTA, "url", "interactive", "action", "name"), INVALID_VALUE),
    ("location-request-header", interactive({
        "type": "location_request_message", "header": {"type": "text", "text": "Where?"},
        "body": {"text": "Share"}, "action": {"name": "send_location"}}), INVALID_PARAMETER),
    ("flow-id-and-name", _with(_FLOW, "signup", "interactive", "action", "parameters",
                               "flow_name"), INVALID_PARAMETER),
    ("flow-version-2", _with(_FLOW, "2", "interactive", "action", "parameters",
                             "flow_message_version"), INVALID_VALUE),
    ("flow-no-cta", _without(_FLOW, "interactive", "action", "parameters", "flow_cta"),
     MISSING_PARAMETER),
    ("flow-empty-data", _with(_FLOW, {}, "interactive", "action", "parameters",
                              "flow_action_payload", "data"), INVALID_VALUE),
    ("product-header", _with(VALID_BY_ID["product"], {"type": "text", "text": "Hi"},
                             "interactive", "header"), INVALID_PARAMETER),
    ("product-list-no-header", _without(VALID_BY_ID["product-list"], "interactive", "header"),
     MISSING_PARAMETER),
    ("template-components-dict", template({"type": "body", "parameters": []}),
     INVALID_PARAMETER),
    ("template-no-name", _without(template(), "template", "name"), MISSING_PARAMETER),
    ("template-no-language", _without(template(), "template", "language"), MISSING_PARAMETER),
    ("template-language-string", _with(template(), "en_US", "template", "language"),
     INVALID_PARAMETER),
    ("template-no-language-code", template(policy="deterministic")
     | {"template": {"name": "x", "language": {"policy": "deterministic"}}}, MISSING_PARAMETER),
    ("template-policy-fallback", template(policy="fallback"), INVALID_VALUE),
    ("template-button-no-sub-type", template([_without(_TPL_BUTTON, "sub_type")]),
     MISSING_PARAMETER),
    ("template-button-no-index", template([_without(_TPL_BUTTON, "index")]), MISSING_PARAMETER),
    ("template-button-index-10", template([_with(_TPL_BUTTON, "10", "index")]), INVALID_VALUE),
    ("template-button-sub-type", template([_with(_TPL_BUTTON, "call", "sub_type")]),
     INVALID_VALUE),
    ("template-button-no-parameters", template([_without(_TPL_BUTTON, "parameters")]),
     MISSING_PARAMETER),
    ("template-component-type", template([{"type": "headline", "parameters": []}]),
     INVALID_VALUE),
    ("template-body-image-parameter", template([{"type": "body", "parameters": [
        {"type": "image", "image": {"link": IMG}}]}]), INVALID_VALUE),
    ("template-parameter-no-text", template([{"type": "body", "parameters": [
        {"type": "text"}]}]), MISSING_PARAMETER),
    ("template-mixed-named", template([{"type": "body", "parameters": [
        {"type": "text", "parameter_name": "first_name", "text": "Ada"},
        {"type": "text", "text": "Lovelace"}]}]), INVALID_PARAMETER),
    ("template-parameter-name-chars", template([{"type": "body", "parameters": [
        {"type": "text", "parameter_name": "First Name", "text": "Ada"}]}]), INVALID_VALUE),
    ("template-currency-amount-string", template([{"type": "body", "parameters": [
        {"type": "currency", "currency": {"fallback_value": "$1", "code": "USD",
                                          "amount_1000": "1000"}}]}]), INVALID_PARAMETER),
    ("template-header-caption", template([{"type": "header", "parameters": [
        {"type": "image", "image": {"link": IMG, "caption": "no"}}]}]), INVALID_PARAMETER),
    ("mark-read-no-message-id", {"messaging_product": "whatsapp", "status": "read"},
     MISSING_PARAMETER),
    ("mark-read-status", {"messaging_product": "whatsapp", "status": "delivered",
                          "message_id": WAMID}, INVALID_VALUE),
    ("typing-indicator-audio", {"messaging_product": "whatsapp", "status": "read",
                                "message_id": WAMID, "typing_indicator": {"type": "audio"}},
     INVALID_VALUE),
    ("mark-read-with-to", {"messaging_product": "whatsapp", "status": "read",
                           "message_id": WAMID, "to": TO}, INVALID_PARAMETER),
]


def _spec_judges(wa_spec: Any, body: Body, errata: tuple[str, ...]) -> None:
    """Assert the spec accepts ``body``, or refuses it only for the errata named."""
    errors = wa_spec.errors(body)
    if not errata:
        assert errors == []
        return
    assert errors, "the erratum is not needed: the spec accepts this body as it is"
    if INTERACTIVE_NOT_IN_SPEC in errata:
        # The spec has no schema for these types: it refuses the type and hence the action.
        assert all(e.startswith(("interactive/type:", "interactive/action:")) for e in errors)
        assert any(e.startswith("interactive/type:") for e in errors)
        return
    undone = copy.deepcopy(body)
    for name in errata:
        undone = ERRATA[name](undone)
    assert wa_spec.errors(undone) == []


# -- agreement with the spec --------------------------------------------------------------------

@pytest.mark.parametrize(("body", "errata"), [(b, e) for _, b, e in VALID],
                         ids=[i for i, _, _ in VALID])
def test_valid_bodies_pass_both(wa_spec: Any, body: Body, errata: tuple[str, ...]) -> None:
    assert check_send_body(body) == []
    _spec_judges(wa_spec, body, errata)


@pytest.mark.parametrize(("body", "code"), [(b, c) for _, b, c in INVALID],
                         ids=[i for i, _, _ in INVALID])
def test_invalid_bodies_are_refused_with_the_right_code(body: Any, code: int) -> None:
    problems = check_send_body(body)
    assert problems, "accepted"
    assert problems[0].code == code, problems
    assert all(isinstance(p, Problem) and p.details for p in problems)


def test_whatever_the_spec_refuses_the_rules_refuse(wa_spec: Any) -> None:
    """Read backwards: a body the rules accept is never one the spec refuses (errata aside)."""
    errata = {i: e for i, _, e in VALID}
    spec_refused = 0
    for ident, body, _ in VALID + [(i, b, ()) for i, b, _ in INVALID]:
        if not isinstance(body, dict) or errata.get(ident):
            continue
        if wa_spec.errors(body):
            spec_refused += 1
            assert check_send_body(body), f"{ident}: the spec refuses it, the rules accept it"
    assert spec_refused >= 20  # the corpus really exercises the spec's refusals


def test_list_rows_count_in_total_not_per_section(wa_spec: Any) -> None:
    """The one place the rules refuse what the spec accepts because the spec is wrong."""
    body = list_message(5, 6)
    assert wa_spec.errors(body) == []  # the spec allows 10 rows per section
    problems = check_send_body(body)
    assert [p.code for p in problems] == [INVALID_VALUE]
    assert "11 rows in total" in problems[0].details
    assert check_send_body(list_message(5, 5)) == []


def test_corpus_covers_every_type_and_interactive_variant() -> None:
    kinds = {b.get("type", "text") for _, b, _ in VALID if "status" not in b}
    assert kinds == {"text", "image", "video", "document", "audio", "sticker", "location",
                     "contacts", "reaction", "interactive", "template"}
    variants = {b["interactive"]["type"] for _, b, _ in VALID if b.get("type") == "interactive"}
    assert variants == {"button", "list", "cta_url", "location_request_message", "flow",
                        "product", "product_list", "catalog_message", "call_permission_request",
                        "carousel", "voice_call"}
    assert len(VALID) + len(INVALID) >= 60


# -- limits at the boundary ---------------------------------------------------------------------

def _button_with(**reply: str) -> Body:
    return interactive({"type": "button", "body": {"text": "?"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "a", "title": "A", **reply}}]}})


def _list_with(field: str, value: str) -> Body:
    body = list_message(1, 1)
    if field == "button":
        body["interactive"]["action"]["button"] = value
    elif field == "section_title":
        body["interactive"]["action"]["sections"][0]["title"] = value
    else:
        body["interactive"]["action"]["sections"][0]["rows"][0][field] = value
    return body


STRING_LIMITS: list[tuple[str, Callable[[str], Body]]] = [
    ("text.body", lambda s: send("text", {"body": s})),
    ("media.caption", lambda s: send("image", {"link": IMG, "caption": s})),
    ("buttons.title", lambda s: _button_with(title=s)),
    ("buttons.id", lambda s: _button_with(id=s)),
    ("buttons.body", lambda s: _with(buttons(1), {"text": s}, "interactive", "body")),
    ("header.text", lambda s: _with(buttons(1), {"type": "text", "text": s},
                                    "interactive", "header")),
    ("footer.text", lambda s: _with(buttons(1), {"text": s}, "interactive", "footer")),
    ("cta_url.display_text", lambda s: _with(_CTA, s, "interactive", "action", "parameters",
                                             "display_text")),
    ("cta_url.body", lambda s: _with(_CTA, {"text": s}, "interactive", "body")),
    ("list.body", lambda s: list_message(1, body=s)),
    ("list.button", lambda s: _list_with("button", s)),
    ("list.section_title", lambda s: _list_with("section_title", s)),
    ("list.row_id", lambda s: _list_with("id", s)),
    ("list.row_title", lambda s: _list_with("title", s)),
    ("list.row_description", lambda s: _list_with("description", s)),
    ("location_request.body", lambda s: _with(VALID_BY_ID["location-request"], {"text": s},
                                              "interactive", "body")),
    ("biz_opaque_callback_data", lambda s: text_body(biz_opaque_callback_data=s)),
    ("template.parameter_name", lambda s: template([{"type": "body", "parameters": [
        {"type": "text", "parameter_name": s, "text": "Ada"}]}])),
]

COUNT_LIMITS: list[tuple[str, Callable[[int], Body]]] = [
    ("buttons.count", buttons),
    ("list.rows", lambda n: list_message(n)),
    ("list.sections", lambda n: list_message(*[1] * n)),
    ("contacts.count", lambda n: send("contacts", [{"name": {"formatted_name": f"P{i}"}}
                                                   for i in range(n)])),
]


@pytest.mark.parametrize(("limit", "build"), STRING_LIMITS, ids=[n for n, _ in STRING_LIMITS])
def test_string_limits(limit: str, build: Callable[[str], Body]) -> None:
    n = LIMITS[limit]
    assert check_send_body(build("a" * n)) == []
    problems = check_send_body(build("a" * (n + 1)))
    assert [p.code for p in problems] == [INVALID_VALUE], problems
    assert f"at most {n}" in problems[0].details


@pytest.mark.parametrize(("limit", "build"), COUNT_LIMITS, ids=[n for n, _ in COUNT_LIMITS])
def test_count_limits(limit: str, build: Callable[[int], Body]) -> None:
    n = LIMITS[limit]
    assert check_send_body(build(n)) == []
    problems = check_send_body(build(n + 1))
    assert problems
    assert {p.code for p in problems} == {INVALID_VALUE}, problems


def test_limits_at_the_boundary_agree_with_the_spec(wa_spec: Any) -> None:
    """What the rules accept at a limit the spec accepts too, bar the documented errata."""
    errata: dict[str, tuple[str, ...]] = {
        "cta_url.display_text": (INTERACTIVE_NOT_IN_SPEC,),
        "cta_url.body": (INTERACTIVE_NOT_IN_SPEC,),
        "location_request.body": (INTERACTIVE_NOT_IN_SPEC,),
        "list.body": ("list_body",),
        "biz_opaque_callback_data": ("biz_opaque",),
    }
    for limit, build in STRING_LIMITS:
        _spec_judges(wa_spec, build("a" * LIMITS[limit]), errata.get(limit, ()))
    for limit, count in COUNT_LIMITS:
        _spec_judges(wa_spec, count(LIMITS[limit]), ())


# -- details ------------------------------------------------------------------------------------

def test_problem_details_name_the_parameter() -> None:
    problems = check_send_body(_with(buttons(1), "x" * 21, "interactive", "action", "buttons",
                                     0, "reply", "title"))
    assert problems == [Problem(INVALID_VALUE, "Parameter value is not valid",
                                "interactive.action.buttons[0].reply.title: is 21 characters "
                                "long; at most 20 allowed")]


def test_every_problem_is_reported() -> None:
    body = send("text", {"body": "", "preview_url": 1, "extra": True})
    del body["messaging_product"]
    codes = [p.code for p in check_send_body(body)]
    assert codes == [MISSING_PARAMETER, INVALID_PARAMETER, INVALID_VALUE, INVALID_PARAMETER]


def test_message_titles_match_codes() -> None:
    titles = {p.code: p.message for _, b, _ in INVALID for p in check_send_body(b)}
    assert titles == {
        INVALID_PARAMETER: "Invalid parameter",
        MISSING_PARAMETER: "Required parameter is missing",
        INVALID_VALUE: "Parameter value is not valid",
        UNSUPPORTED_TYPE: "Unsupported message type",
    }


# -- error envelope -----------------------------------------------------------------------------

def test_error_envelope_is_the_graph_shape() -> None:
    problem = check_send_body(buttons(4))[0]
    envelope = error_envelope(problem, "Az8or2yhqkZfEZ-_4Qn_Bam")
    assert envelope == {"error": {
        "message": "(#131009) Parameter value is not valid",
        "type": "OAuthException",
        "code": 131009,
        "error_data": {"messaging_product": "whatsapp", "details": problem.details},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }}
    assert "buttons" in envelope["error"]["error_data"]["details"]


def test_error_envelope_round_trips_json() -> None:
    import json

    envelope = error_envelope(Problem(100, "Invalid parameter", "to: unexpected \"key\""), "T")
    assert json.loads(json.dumps(envelope)) == envelope


# -- media uploads ------------------------------------------------------------------------------

FORM = {"messaging_product": "whatsapp"}


@pytest.mark.parametrize(("mime", "kind"), [
    ("image/jpeg", "image"), ("image/png", "image"), ("video/mp4", "video"),
    ("video/3gpp", "video"), ("audio/ogg; codecs=opus", "audio"), ("audio/mpeg", "audio"),
    ("application/pdf", "file"), ("text/plain", "file"), ("image/webp", "sticker"),
])
def test_upload_at_and_over_the_size_limit(mime: str, kind: str) -> None:
    limit = LIMITS[f"media.{kind}"]
    assert check_upload(FORM | {"type": mime}, "f", mime, limit) == []
    problems = check_upload(FORM, "f", mime, limit + 1)
    assert [p.code for p in problems] == [INVALID_VALUE]


def test_upload_refusals() -> None:
    assert [p.code for p in check_upload({}, "a.jpg", "image/jpeg", 10)] == [MISSING_PARAMETER]
    assert [p.code for p in check_upload({"messaging_product": "messenger"}, "a.jpg",
                                         "image/jpeg", 10)] == [INVALID_VALUE]
    assert [p.code for p in check_upload(FORM, "", "", 0)] == [MISSING_PARAMETER]
    gif = check_upload(FORM, "a.gif", "image/gif", 10)
    assert [p.code for p in gif] == [INVALID_PARAMETER]
    assert "image/gif" in gif[0].details
    assert "image/jpeg" in gif[0].details
    assert [p.code for p in check_upload(FORM, "a.jpg", "image/jpeg", 0)] == [INVALID_VALUE]


def test_upload_falls_back_to_the_type_field() -> None:
    assert check_upload(FORM | {"type": "application/pdf"}, "a.pdf", "", 1000) == []
    assert check_upload(FORM, "a.bin", "", 1000)[0].code == INVALID_PARAMETER


def test_every_media_kind_has_a_size_limit() -> None:
    assert {f"media.{kind}" for kind in MEDIA_TYPES.values()} <= set(LIMITS)
