"""The simulator's Messenger rules (``polychat.testing._messenger_rules``).

One corpus of valid bodies, written as Meta's Messenger docs write them (meta.md section 2), and
one of invalid bodies, each with the words its refusal must name, drive the tests:

- every valid body is accepted; every invalid body is refused, always with code 100;
- each limit holds exactly at the limit and fails one past it;
- uploads (multipart upload-and-send) follow the same rules plus the file's;
- refusals come back as Messenger-shaped Graph error envelopes that polychat classifies;
- what polychat's own renderer builds is accepted.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from polychat.channels.messenger.limits import LIMITS
from polychat.testing._messenger_rules import (
    DEPRECATED_TAGS,
    INVALID_PARAMETER,
    RECIPIENT_KEYS,
    SENDER_ACTIONS,
    Problem,
    check_send_body,
    check_upload,
    error_envelope,
)
from polychat.wire import HttpResponse

Body = dict[str, Any]

PSID = "1254459154682919"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
IMG = "https://example.com/pictures/hat.jpg"
SITE = "https://example.com/shop"


def send(message: Any, **extra: Any) -> Body:
    """A message send as Meta's examples write it."""
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": message, **extra}


def action(name: str, **extra: Any) -> Body:
    return {"recipient": {"id": PSID}, "sender_action": name, **extra}


def template(payload: Body) -> Body:
    return send({"attachment": {"type": "template", "payload": payload}})


def media(kind: str, payload: Body) -> Body:
    return send({"attachment": {"type": kind, "payload": payload}})


def web_url(title: str = "View", url: str = SITE) -> Body:
    return {"type": "web_url", "url": url, "title": title}


def postback(title: str = "Chat", payload: str = "START") -> Body:
    return {"type": "postback", "title": title, "payload": payload}


def button_template(text: str = "What do you want to do next?", n: int = 1,
                    button: Callable[[int], Body] = lambda i: postback(f"Go {i}", f"GO_{i}")
                    ) -> Body:
    return template({"template_type": "button", "text": text,
                     "buttons": [button(i) for i in range(n)]})


def element(title: str = "Welcome!", **extra: Any) -> Body:
    return {"title": title, **({"subtitle": "We have the right hat for everyone."} | extra)}


def generic(*elements: Body, **payload: Any) -> Body:
    return template({"template_type": "generic", "elements": list(elements), **payload})


def media_template(**element_fields: Any) -> Body:
    return template({"template_type": "media",
                     "elements": [{"media_type": "image", **element_fields}]})


def receipt(**changes: Any) -> Body:
    payload: Body = {
        "template_type": "receipt",
        "recipient_name": "Stephane Crozatier",
        "order_number": "12345678902",
        "currency": "USD",
        "payment_method": "Visa 2345",
        "order_url": "https://example.com/orders/12345678902",
        "timestamp": "1428444852",
        "address": {"street_1": "1 Hacker Way", "street_2": "", "city": "Menlo Park",
                    "postal_code": "94025", "state": "CA", "country": "US"},
        "summary": {"subtotal": 75.00, "shipping_cost": 4.95, "total_tax": 6.19,
                    "total_cost": 56.14},
        "adjustments": [{"name": "New Customer Discount", "amount": 20},
                        {"name": "$10 Off Coupon", "amount": 10}],
        "elements": [
            {"title": "Classic White T-Shirt", "subtitle": "100% Soft and Luxurious Cotton",
             "quantity": 2, "price": 50, "currency": "USD",
             "image_url": "https://example.com/img/whiteshirt.png"},
            {"title": "Classic Gray T-Shirt", "subtitle": "100% Soft and Luxurious Cotton",
             "quantity": 1, "price": 25, "currency": "USD",
             "image_url": "https://example.com/img/grayshirt.png"},
        ],
    }
    payload.update(changes)
    return template({k: v for k, v in payload.items() if v is not None})


def quick_replies(*chips: Body, text: str = "Pick a color:") -> Body:
    return send({"text": text, "quick_replies": list(chips)})


def chip(title: str = "Red", payload: str = "RED", **extra: Any) -> Body:
    return {"content_type": "text", "title": title, "payload": payload, **extra}


# -- (1) the valid corpus -------------------------------------------------------------------------

VALID: dict[str, Body] = {
    "text (meta.md 2.1)": {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                           "message": {"text": "hello, world",
                                       "metadata": "optional string, echoed back"},
                           "notification_type": "REGULAR"},
    "update": send({"text": "Your order shipped"}, messaging_type="UPDATE"),
    "human agent tag": send({"text": "An agent here"}, messaging_type="MESSAGE_TAG",
                            tag="HUMAN_AGENT"),
    "silent push": send({"text": "shh"}, notification_type="SILENT_PUSH"),
    "no push": send({"text": "shh"}, notification_type="NO_PUSH"),
    "persona": send({"text": "Hi, I'm Ana"}, persona_id="738117470042826"),
    "reply_to (2.7)": send({"text": "Sure"}, reply_to={"mid": MID}),
    "unicode text": send({"text": "héllo 👋 " * 10}),
    "user_ref": {"recipient": {"user_ref": "UNIQUE_REF_PARAM"}, "messaging_type": "RESPONSE",
                 "message": {"text": "Thanks for checking the box"}},
    "private reply to a post": {"recipient": {"post_id": "1353269864728879_1353269864728880"},
                                "messaging_type": "RESPONSE", "message": {"text": "Hi"}},
    "private reply to a comment": {"recipient": {"comment_id": "1353269864728879_445566"},
                                   "messaging_type": "RESPONSE", "message": {"text": "Hi"}},
    "marketing token": {"recipient": {"notification_messages_token": "6495470239292400000"},
                        "messaging_type": "UPDATE", "message": {"text": "Sale!"}},
    "customer matching": {"recipient": {"phone_number": "+1(212)555-2368",
                                        "name": {"first_name": "John", "last_name": "Doe"}},
                          "messaging_type": "UPDATE", "message": {"text": "Hello John"}},
    "quick replies (2.2)": quick_replies(chip(image_url="https://example.com/red.png"),
                                         {"content_type": "user_phone_number"},
                                         {"content_type": "user_email"}),
    "quick replies on an image": send({"attachment": {"type": "image", "payload": {"url": IMG}},
                                       "quick_replies": [chip()]}),
    "image by url (2.3)": media("image", {"url": IMG, "is_reusable": True}),
    "video by id": media("video", {"attachment_id": "1857777774821032"}),
    "audio by url": media("audio", {"url": "https://example.com/a.mp3"}),
    "file by url": media("file", {"url": "http://example.com/a.pdf", "is_reusable": False}),
    "generic (2.5)": generic(
        {"title": "Welcome!", "subtitle": "We have hats",
         "image_url": "https://example.com/h.jpg",
         "default_action": {"type": "web_url", "url": "https://example.com"},
         "buttons": [web_url(), postback()]}),
    "generic, square, sharable": generic(element(), element("Second", image_url=IMG),
                                         image_aspect_ratio="square", sharable=True),
    "generic, title and image only": generic({"title": "Hat", "image_url": IMG}),
    "generic, title and default_action only": generic(
        {"title": "Hat", "default_action": {"type": "web_url", "url": SITE,
                                            "webview_height_ratio": "tall"}}),
    "generic, title and buttons only": generic({"title": "Hat", "buttons": [postback()]}),
    "button template (2.5)": template({"template_type": "button", "text": "What next?",
                                       "buttons": [web_url("Visit")]}),
    "button template, three kinds": button_template(n=3, button=lambda i: [
        web_url("Visit"), postback(), {"type": "phone_number", "title": "Call us",
                                       "payload": "+16505551234"}][i]),
    "web_url options": button_template(button=lambda i: {
        **web_url(), "webview_height_ratio": "compact", "messenger_extensions": True,
        "fallback_url": "https://example.com/fallback", "webview_share_button": "hide"}),
    "media template by id": media_template(attachment_id="1857777774821032"),
    "media template by facebook url": media_template(
        url="https://www.facebook.com/photo.php?fbid=10155279488437745",
        buttons=[web_url()]),
    "media template video, business.facebook.com": template({
        "template_type": "media", "sharable": False,
        "elements": [{"media_type": "video",
                      "url": "https://business.facebook.com/NASA/videos/10155279488437745/"}]}),
    "receipt (full)": receipt(),
    "receipt (minimal)": template({"template_type": "receipt", "recipient_name": "Ann",
                                   "order_number": "A-1", "currency": "EUR",
                                   "payment_method": "Visa 2345",
                                   "summary": {"total_cost": 9.5}}),
    "receipt, amounts as strings": receipt(summary={"total_cost": "56.14"}),
    "typing_on (2.6)": action("typing_on"),
    "typing_off": action("typing_off"),
    "typing with persona": action("typing_on", persona_id="738117470042826"),
    "mark_seen": action("mark_seen"),
    "react": action("react", payload={"message_id": "m_abc", "reaction": "😊"}),
    "unreact": action("unreact", payload={"message_id": "m_abc"}),
    "sender action with a messaging type": action("typing_on", messaging_type="RESPONSE"),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_corpus_is_accepted(name: str) -> None:
    assert check_send_body(VALID[name]) == []


def test_the_corpus_is_not_mutated() -> None:
    before = copy.deepcopy(VALID)
    for body in VALID.values():
        check_send_body(body)
    assert before == VALID


# -- (2) the invalid corpus -----------------------------------------------------------------------

# name → (body, words the first matching problem's details must contain)
INVALID: dict[str, tuple[Any, str]] = {
    "not an object": ([1, 2], "must be an object"),
    "null body": (None, "must be an object, got null"),
    "empty body": ({}, "message: is required (or sender_action)"),
    "no recipient": ({"messaging_type": "RESPONSE", "message": {"text": "hi"}},
                     "recipient: is required"),
    "recipient not an object": (send({"text": "hi"}) | {"recipient": PSID},
                                "recipient: must be an object"),
    "empty recipient": (send({"text": "hi"}) | {"recipient": {}},
                        "recipient.id: is required (or user_ref"),
    "two recipients": (send({"text": "hi"}) | {"recipient": {"id": PSID, "user_ref": "x"}},
                       "use only one of id, user_ref"),
    "unknown recipient key": (send({"text": "hi"}) | {"recipient": {"id": PSID, "psid": "1"}},
                              "recipient.psid: unexpected key"),
    "recipient id not digits": (send({"text": "hi"}) | {"recipient": {"id": "abc"}},
                                "must be a valid ID string"),
    "recipient id a number": (send({"text": "hi"}) | {"recipient": {"id": 1254459154682919}},
                              "recipient.id: must be a string, got a number"),
    "recipient id empty": (send({"text": "hi"}) | {"recipient": {"id": ""}},
                           "recipient.id: must not be empty"),
    "name without phone_number": (send({"text": "hi"}) | {
        "recipient": {"id": PSID, "name": {"first_name": "A"}}}, "only used with phone_number"),
    "message and sender_action": (send({"text": "hi"}, sender_action="typing_on"),
                                  "use either message or sender_action, not both"),
    "unknown top-level key": (send({"text": "hi"}, access_token_x="1"),
                              "access_token_x: unexpected key"),
    "messaging_product (a WhatsApp key)": (send({"text": "hi"}, messaging_product="whatsapp"),
                                           "messaging_product: unexpected key"),
    "no messaging_type": ({"recipient": {"id": PSID}, "message": {"text": "hi"}},
                          "messaging_type: is required"),
    "bad messaging_type": (send({"text": "hi"}, messaging_type="REPLY"),
                           "messaging_type: must be one of MESSAGE_TAG, RESPONSE, UPDATE"),
    "lowercase messaging_type": (send({"text": "hi"}, messaging_type="response"),
                                 "must be one of"),
    "MESSAGE_TAG without tag": (send({"text": "hi"}, messaging_type="MESSAGE_TAG"),
                                "tag: is required when messaging_type is MESSAGE_TAG"),
    "tag without MESSAGE_TAG": (send({"text": "hi"}, tag="HUMAN_AGENT"),
                                "tag: is only used with messaging_type MESSAGE_TAG"),
    "unknown tag": (send({"text": "hi"}, messaging_type="MESSAGE_TAG", tag="NEWS_UPDATE"),
                    "tag: must be one of HUMAN_AGENT"),
    "reply_to inside message": (send({"text": "hi", "reply_to": {"mid": MID}}),
                                "message.reply_to: unexpected key"),
    "reply_to without mid": (send({"text": "hi"}, reply_to={}), "reply_to.mid: is required"),
    "reply_to a string": (send({"text": "hi"}, reply_to=MID), "reply_to: must be an object"),
    "reply_to extra key": (send({"text": "hi"}, reply_to={"mid": MID, "id": "x"}),
                           "reply_to.id: unexpected key"),
    "bad notification_type": (send({"text": "hi"}, notification_type="LOUD"),
                              "notification_type: must be one of NO_PUSH, REGULAR, SILENT_PUSH"),
    "persona_id a number": (send({"text": "hi"}, persona_id=738117470042826),
                            "persona_id: must be a string"),
    "message not an object": (send("hi"), "message: must be an object"),
    "empty message": (send({}), "message.text: is required (or attachment)"),
    "text and attachment": (send({"text": "hi", "attachment": {"type": "image",
                                                               "payload": {"url": IMG}}}),
                            "use only one of text, attachment"),
    "empty text": (send({"text": ""}), "message.text: must not be empty"),
    "text a number": (send({"text": 42}), "message.text: must be a string"),
    "unknown message key": (send({"text": "hi", "caption": "x"}),
                            "message.caption: unexpected key"),
    "metadata a number": (send({"text": "hi", "metadata": 1}), "message.metadata: must be"),
    "quick_replies not an array": (send({"text": "hi", "quick_replies": chip()}),
                                   "quick_replies: must be an array"),
    "empty quick_replies": (send({"text": "hi", "quick_replies": []}), "at least 1 needed"),
    "quick reply without content_type": (quick_replies({"title": "Red", "payload": "RED"}),
                                         "content_type: is required"),
    "location quick reply (gone)": (quick_replies({"content_type": "location"}),
                                    "content_type: must be one of text, user_email, "
                                    "user_phone_number; got 'location'"),
    "text quick reply without title": (quick_replies({"content_type": "text", "payload": "R"}),
                                       "quick_replies[0].title: is required"),
    "text quick reply without payload": (quick_replies({"content_type": "text", "title": "R"}),
                                         "quick_replies[0].payload: is required"),
    "quick reply empty title": (quick_replies(chip(title="")), "title: must not be empty"),
    "quick reply bad image_url": (quick_replies(chip(image_url="ftp://x/red.png")),
                                  "image_url: must be an http(s) URL"),
    "quick reply unknown key": (quick_replies(chip(color="red")), "color: unexpected key"),
    "quick replies inside the attachment": (
        send({"attachment": {"type": "image", "payload": {"url": IMG},
                             "quick_replies": [chip()]}}),
        "message.attachment.quick_replies: unexpected key"),
    "attachment without type": (send({"attachment": {"payload": {"url": IMG}}}),
                                "attachment.type: is required"),
    "attachment bad type": (media("sticker", {"url": IMG}),
                            "attachment.type: must be one of audio, file, image, template, video"),
    "attachment without payload": (send({"attachment": {"type": "image"}}),
                                   "attachment.payload: is required"),
    "media without url or id": (media("image", {"is_reusable": True}),
                                "payload.url: is required (or attachment_id)"),
    "media with url and id": (media("image", {"url": IMG, "attachment_id": "1"}),
                              "use only one of url, attachment_id"),
    "media bad url scheme": (media("image", {"url": "file:///etc/passwd"}),
                             "payload.url: must be an http(s) URL"),
    "media relative url": (media("image", {"url": "/a.jpg"}), "must be an http(s) URL"),
    "media is_reusable a string": (media("image", {"url": IMG, "is_reusable": "true"}),
                                   "is_reusable: must be a boolean"),
    "is_reusable with attachment_id": (media("video", {"attachment_id": "1",
                                                       "is_reusable": True}),
                                       "is_reusable: is only used with url"),
    "media unknown payload key": (media("file", {"url": IMG, "filename": "a.pdf"}),
                                  "payload.filename: unexpected key"),
    "template without template_type": (template({"text": "x", "buttons": [postback()]}),
                                       "payload.template_type: is required"),
    "unknown template_type": (template({"template_type": "list", "elements": []}),
                              "template_type: must be one of button, generic, media, receipt"),
    "template sharable a string": (template({"template_type": "button", "text": "x",
                                             "buttons": [postback()], "sharable": "yes"}),
                                   "sharable: must be a boolean"),
    "button template without text": (template({"template_type": "button",
                                               "buttons": [postback()]}),
                                     "payload.text: is required"),
    "button template without buttons": (template({"template_type": "button", "text": "x"}),
                                        "payload.buttons: is required"),
    "button template, no buttons": (button_template(n=0), "buttons: has 0 items; at least 1"),
    "button template header": (template({"template_type": "button", "text": "x",
                                         "buttons": [postback()], "header": "H"}),
                               "payload.header: unexpected key"),
    "button without type": (button_template(button=lambda i: {"title": "x", "payload": "y"}),
                            "buttons[0].type: is required"),
    "button unknown type": (button_template(button=lambda i: {"type": "account_link",
                                                              "url": SITE}),
                            "must be one of phone_number, postback, web_url"),
    "button without title": (button_template(button=lambda i: {"type": "postback",
                                                               "payload": "y"}),
                             "buttons[0].title: is required"),
    "postback without payload": (button_template(button=lambda i: {"type": "postback",
                                                                   "title": "x"}),
                                 "buttons[0].payload: is required"),
    "postback with url": (button_template(button=lambda i: postback() | {"url": SITE}),
                          "buttons[0].url: unexpected key"),
    "web_url without url": (button_template(button=lambda i: {"type": "web_url",
                                                              "title": "x"}),
                            "buttons[0].url: is required"),
    "web_url bad url": (button_template(button=lambda i: web_url(url="example.com")),
                        "url: must be an http(s) URL"),
    "web_url with payload": (button_template(button=lambda i: web_url() | {"payload": "x"}),
                             "buttons[0].payload: unexpected key"),
    "web_url bad height": (button_template(button=lambda i: web_url()
                                           | {"webview_height_ratio": "half"}),
                           "webview_height_ratio: must be one of compact, full, tall"),
    "phone without plus": (button_template(button=lambda i: {
        "type": "phone_number", "title": "Call", "payload": "6505551234"}),
        "must be a phone number with '+' and the country code"),
    "generic without elements": (template({"template_type": "generic"}),
                                 "payload.elements: is required"),
    "generic, no elements": (generic(), "elements: has 0 items; at least 1"),
    "generic element without title": (generic({"subtitle": "x"}),
                                       "elements[0].title: is required"),
    "generic element title only": (generic({"title": "Hat"}),
                                   "needs a subtitle, image_url, default_action or buttons"),
    "generic element not an object": (generic("Hat"), "elements[0]: must be an object"),
    "generic element unknown key": (generic(element(price=5)),
                                    "elements[0].price: unexpected key"),
    "generic bad aspect ratio": (generic(element(), image_aspect_ratio="wide"),
                                 "image_aspect_ratio: must be one of horizontal, square"),
    "generic bad image_url": (generic(element(image_url="not a url")),
                              "image_url: must be an http(s) URL"),
    "default_action with title": (generic(element(default_action={
        "type": "web_url", "url": SITE, "title": "x"})),
        "default_action.title: unexpected key"),
    "default_action postback": (generic(element(default_action={
        "type": "postback", "payload": "x"})),
        "default_action.type: must be one of web_url"),
    "default_action without url": (generic(element(default_action={"type": "web_url"})),
                                   "default_action.url: is required"),
    "media template, two elements": (template({
        "template_type": "media", "elements": [{"media_type": "image", "attachment_id": "1"},
                                               {"media_type": "image", "attachment_id": "2"}]}),
        "elements: has 2 items; at most 1 allowed"),
    "media template, no elements": (template({"template_type": "media", "elements": []}),
                                    "elements: has 0 items; at least 1"),
    "media template audio": (template({"template_type": "media", "elements": [
        {"media_type": "audio", "attachment_id": "1"}]}),
        "media_type: must be one of image, video"),
    "media template without source": (media_template(), "attachment_id: is required (or url)"),
    "media template both sources": (media_template(attachment_id="1",
                                                   url="https://www.facebook.com/x"),
                                    "use only one of attachment_id, url"),
    "media template external url": (media_template(url=IMG),
                                    "only take the URL of media posted on facebook.com"),
    "media template lookalike host": (media_template(url="https://facebook.com.evil.example/x"),
                                      "facebook.com"),
    "media template 4 buttons": (media_template(attachment_id="1",
                                                buttons=[postback()] * 4),
                                 "buttons: has 4 items; at most 3"),
    "receipt without recipient_name": (receipt(recipient_name=None),
                                       "payload.recipient_name: is required"),
    "receipt without order_number": (receipt(order_number=None),
                                     "payload.order_number: is required"),
    "receipt without currency": (receipt(currency=None), "payload.currency: is required"),
    "receipt without payment_method": (receipt(payment_method=None),
                                       "payload.payment_method: is required"),
    "receipt without summary": (receipt(summary=None), "payload.summary: is required"),
    "receipt without total_cost": (receipt(summary={"subtotal": 1}),
                                   "summary.total_cost: is required"),
    "receipt total_cost a word": (receipt(summary={"total_cost": "lots"}),
                                  "total_cost: must be a number, got 'lots'"),
    "receipt total_cost a boolean": (receipt(summary={"total_cost": True}),
                                     "total_cost: must be a number, got a boolean"),
    "receipt bad currency": (receipt(currency="usd"), "currency: must be an ISO 4217 code"),
    "receipt bad timestamp": (receipt(timestamp="2015-04-07"), "timestamp: must be Unix seconds"),
    "receipt unknown key": (receipt(tax=1), "payload.tax: unexpected key"),
    "receipt element without price": (receipt(elements=[{"title": "Shirt"}]),
                                      "elements[0].price: is required"),
    "receipt element without title": (receipt(elements=[{"price": 1}]),
                                      "elements[0].title: is required"),
    "receipt address without city": (receipt(address={
        "street_1": "1 Hacker Way", "postal_code": "94025", "state": "CA", "country": "US"}),
        "address.city: is required"),
    "receipt adjustment without amount": (receipt(adjustments=[{"name": "Coupon"}]),
                                          "adjustments[0].amount: is required"),
    "sender_action unknown": (action("typing"), "sender_action: must be one of mark_seen, react"),
    "sender_action with notification_type": (action("typing_on", notification_type="REGULAR"),
                                             "notification_type: unexpected key"),
    "sender_action with reply_to": (action("typing_on", reply_to={"mid": MID}),
                                    "reply_to: unexpected key"),
    "react without payload": (action("react"), "payload: is required"),
    "react without reaction": (action("react", payload={"message_id": "m_abc"}),
                               "payload.reaction: is required"),
    "react without message_id": (action("react", payload={"reaction": "😊"}),
                                 "payload.message_id: is required"),
    "unreact without payload": (action("unreact"), "payload: is required"),
    "unreact with reaction": (action("unreact", payload={"message_id": "m", "reaction": "x"}),
                              "payload.reaction: unexpected key"),
    "typing with payload": (action("typing_on", payload={"message_id": "m"}),
                            "payload: is only used with react and unreact"),
    "react payload a string": (action("react", payload="m_abc"), "payload: must be an object"),
    "sender action bad tag": (action("typing_on", messaging_type="MESSAGE_TAG",
                                     tag="ACCOUNT_UPDATE"), "deprecated"),
}


def _details(problems: list[Problem]) -> str:
    return "\n".join(p.details for p in problems)


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_corpus_is_refused(name: str) -> None:
    body, words = INVALID[name]
    problems = check_send_body(body)
    assert problems, name
    assert all(p.code == INVALID_PARAMETER for p in problems)
    assert all(p.message == "Invalid parameter" for p in problems)
    assert all(p.subcode is None for p in problems)
    assert words in _details(problems)


@pytest.mark.parametrize("tag", sorted(DEPRECATED_TAGS))
def test_deprecated_tags_get_meta_s_deprecation_message(tag: str) -> None:
    problems = check_send_body(send({"text": "Your order shipped"},
                                    messaging_type="MESSAGE_TAG", tag=tag))
    assert [p.code for p in problems] == [100]
    assert problems[0].details == (
        f"tag: {tag} was deprecated on 27 April 2026 and is no longer supported; only the "
        "HUMAN_AGENT tag may be sent with messaging_type MESSAGE_TAG")


def test_every_recipient_key_works_alone() -> None:
    for key in RECIPIENT_KEYS:
        value = PSID if key == "id" else "some-value"
        assert check_send_body(send({"text": "hi"}) | {"recipient": {key: value}}) == [], key


def test_every_sender_action_is_known() -> None:
    assert frozenset({"typing_on", "typing_off", "mark_seen", "react", "unreact"}) == SENDER_ACTIONS


def test_several_problems_are_all_reported() -> None:
    body = {"recipient": {}, "messaging_type": "NOW", "message": {"text": "x" * 2001},
            "extra": 1}
    details = _details(check_send_body(body))
    for words in ("extra: unexpected key", "recipient.id: is required",
                  "messaging_type: must be one of", "message.text: is 2001 characters long"):
        assert words in details


# -- (3) limits at their boundary -----------------------------------------------------------------

def _qr(n: int) -> Body:
    return quick_replies(*[chip(f"C{i}", f"P{i}") for i in range(n)])


def _generic_n(n: int) -> Body:
    return generic(*[element(f"Card {i}") for i in range(n)])


def _generic_buttons(n: int) -> Body:
    return generic(element(buttons=[postback(f"B{i}", f"P{i}") for i in range(n)]))


def _receipt_elements(n: int) -> Body:
    return receipt(elements=[{"title": f"Item {i}", "price": 1} for i in range(n)])


# name → (body at size n, the limit, words of the refusal at limit + 1)
LIMIT_CASES: dict[str, tuple[Callable[[int], Body], int, str]] = {
    "text": (lambda n: send({"text": "x" * n}), LIMITS["text"],
             "message.text: is 2001 characters long; at most 2000 allowed"),
    "text counts characters, not bytes": (lambda n: send({"text": "é" * n}), LIMITS["text"],
                                          "at most 2000 allowed"),
    "metadata": (lambda n: send({"text": "hi", "metadata": "m" * n}), LIMITS["metadata"],
                 "message.metadata: is 1001 characters long"),
    "quick replies": (_qr, LIMITS["quick_replies.count"],
                      "message.quick_replies: has 14 items; at most 13 allowed"),
    "quick reply title": (lambda n: quick_replies(chip(title="t" * n)),
                          LIMITS["quick_replies.title"], "title: is 21 characters long"),
    "quick reply payload": (lambda n: quick_replies(chip(payload="p" * n)),
                            LIMITS["quick_replies.payload"], "payload: is 1001 characters long"),
    "button template text": (lambda n: button_template(text="t" * n),
                             LIMITS["button_template.text"],
                             "payload.text: is 641 characters long; at most 640 allowed"),
    "button template buttons": (lambda n: button_template(n=n),
                                LIMITS["button_template.buttons"],
                                "payload.buttons: has 4 items; at most 3 allowed"),
    "button title": (lambda n: button_template(button=lambda i: postback(title="t" * n)),
                     LIMITS["button.title"], "buttons[0].title: is 21 characters long"),
    "postback payload": (lambda n: button_template(button=lambda i: postback(payload="p" * n)),
                         LIMITS["button.payload"], "buttons[0].payload: is 1001 characters"),
    "generic elements": (_generic_n, LIMITS["generic.elements"],
                         "payload.elements: has 11 items; at most 10 allowed"),
    "generic title": (lambda n: generic(element("t" * n)), LIMITS["generic.title"],
                      "elements[0].title: is 81 characters long; at most 80 allowed"),
    "generic subtitle": (lambda n: generic(element(subtitle="s" * n)), LIMITS["generic.subtitle"],
                         "elements[0].subtitle: is 81 characters long"),
    "generic buttons": (_generic_buttons, LIMITS["generic.buttons"],
                        "elements[0].buttons: has 4 items; at most 3 allowed"),
    "receipt elements": (_receipt_elements, LIMITS["receipt.elements"],
                         "payload.elements: has 101 items; at most 100 allowed"),
}


@pytest.mark.parametrize("name", list(LIMIT_CASES))
def test_limit_holds_at_the_limit_and_fails_past_it(name: str) -> None:
    build, limit, words = LIMIT_CASES[name]
    assert check_send_body(build(limit)) == [], name
    problems = check_send_body(build(limit + 1))
    assert [p.code for p in problems] == [100], _details(problems)
    assert words in problems[0].details


def test_the_limits_are_meta_s_numbers() -> None:
    """meta.md section 2, as LIMITS holds them (the rules read LIMITS)."""
    assert (LIMITS["text"], LIMITS["quick_replies.count"], LIMITS["quick_replies.title"],
            LIMITS["quick_replies.payload"], LIMITS["button_template.text"],
            LIMITS["button_template.buttons"], LIMITS["generic.elements"],
            LIMITS["generic.title"], LIMITS["generic.subtitle"], LIMITS["generic.buttons"],
            LIMITS["receipt.elements"]) == (2000, 13, 20, 1000, 640, 3, 10, 80, 80, 3, 100)
    assert LIMITS["media.image"] == LIMITS["media.audio"] == 25 * 1024 * 1024


# -- (4) uploads ----------------------------------------------------------------------------------

MB = 1024 * 1024


def form(kind: str = "image", **changes: Any) -> dict[str, str]:
    fields = {
        "recipient": json.dumps({"id": PSID}),
        "messaging_type": "RESPONSE",
        "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": True}}}),
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def filedata(size: int = 1000, mime: str = "image/png",
             name: str = "a.png") -> dict[str, tuple[str, bytes, str]]:
    return {"filedata": (name, b"\x89" * size, mime)}


VALID_UPLOADS: dict[str, tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]] = {
    "image": (form(), filedata()),
    "video": (form("video"), filedata(mime="video/mp4", name="v.mp4")),
    "audio": (form("audio"), filedata(mime="audio/mpeg", name="a.mp3")),
    "audio with parameters": (form("audio"), filedata(mime="audio/ogg; codecs=opus")),
    "file": (form("file"), filedata(mime="application/pdf", name="a.pdf")),
    "file of any type": (form("file"), filedata(mime="application/octet-stream")),
    "every option": (form(tag="HUMAN_AGENT", messaging_type="MESSAGE_TAG",
                          notification_type="NO_PUSH", persona_id="7381",
                          reply_to=json.dumps({"mid": MID}),
                          message=json.dumps({"attachment": {"type": "image",
                                                             "payload": {"is_reusable": True}},
                                              "metadata": "m", "quick_replies": [chip()]})),
                     filedata()),
    "payload left out": (form(message=json.dumps({"attachment": {"type": "image"}})),
                         filedata()),
    "exactly 25 MB": (form("file"), filedata(25 * MB, "application/pdf")),
}


@pytest.mark.parametrize("name", list(VALID_UPLOADS))
def test_valid_uploads(name: str) -> None:
    fields, files = VALID_UPLOADS[name]
    assert check_upload(fields, files) == []


INVALID_UPLOADS: dict[str, tuple[dict[str, str], dict[str, tuple[str, bytes, str]], str]] = {
    "no recipient": (form(recipient=None), filedata(), "recipient: is required"),
    "no message": (form(message=None), filedata(), "message: is required"),
    "recipient not JSON": (form(recipient=PSID + "x"), filedata(),
                           "recipient: must be a JSON object string"),
    "recipient JSON but bad": (form(recipient=json.dumps({"id": "abc"})), filedata(),
                               "must be a valid ID string"),
    "message not JSON": (form(message="{attachment"), filedata(),
                         "message: must be a JSON object string"),
    "no messaging_type": (form(messaging_type=None), filedata(), "messaging_type: is required"),
    "deprecated tag": (form(messaging_type="MESSAGE_TAG", tag="POST_PURCHASE_UPDATE"),
                       filedata(), "deprecated on 27 April 2026"),
    "unknown field": (form(type="image"), filedata(), "type: unexpected key"),
    "no file": (form(), {}, "filedata: is required"),
    "file in another part": (form(), {"file": ("a.png", b"x", "image/png")},
                             "file: unexpected file part"),
    "empty file": (form(), filedata(0), "filedata: is empty"),
    "over 25 MB": (form("file"), filedata(25 * MB + 1, "application/pdf"),
                   f"filedata: is {25 * MB + 1} bytes; attachments may be at most {25 * MB}"),
    "audio with a video type": (form("audio"), filedata(mime="video/mp4"),
                                "audio attachments need an audio/* Content-Type, got 'video/mp4'"),
    "audio without a type": (form("audio"), filedata(mime=""), "got 'none'"),
    "template upload": (form("template"), filedata(), "type: must be one of audio, file, image"),
    "url beside the file": (form(message=json.dumps({"attachment": {
        "type": "image", "payload": {"url": IMG}}})), filedata(), "payload.url: unexpected key"),
    "text beside the file": (form(message=json.dumps({"text": "hi", "attachment": {
        "type": "image", "payload": {}}})), filedata(), "cannot be sent with an uploaded file"),
    "no attachment": (form(message=json.dumps({"metadata": "m"})), filedata(),
                      "message.attachment: is required"),
}


@pytest.mark.parametrize("name", list(INVALID_UPLOADS))
def test_invalid_uploads(name: str) -> None:
    fields, files, words = INVALID_UPLOADS[name]
    problems = check_upload(fields, files)
    assert problems, name
    assert all(p.code == INVALID_PARAMETER for p in problems)
    assert words in _details(problems)


# -- (5) error shapes -----------------------------------------------------------------------------


def test_error_envelope_is_messenger_shaped() -> None:
    problem = Problem(100, "Invalid parameter",
                      "message.text: is 2001 characters long; at most 2000 allowed")
    assert error_envelope(problem, "AbCdFAKE") == {"error": {
        "message": "(#100) Invalid parameter: message.text: is 2001 characters long; at most "
                   "2000 allowed",
        "type": "OAuthException",
        "code": 100,
        "fbtrace_id": "AbCdFAKE",
    }}


def test_error_envelope_with_a_subcode_and_a_titled_message() -> None:
    problem = Problem(10, "(#10) This message is sent outside of allowed window.", "",
                      subcode=2018278)
    envelope = error_envelope(problem, "T")
    assert envelope["error"]["message"] == "(#10) This message is sent outside of allowed window."
    assert envelope["error"]["error_subcode"] == 2018278
    assert "error_data" not in envelope["error"]
    assert "messaging_product" not in json.dumps(envelope)


def test_error_envelope_round_trips_json() -> None:
    problem = check_send_body(send({"text": 'say "hi"', "x": 1}))[0]
    envelope = error_envelope(problem, "T")
    assert json.loads(json.dumps(envelope)) == envelope


def _classified(body: Any) -> Any:
    from polychat.channels.messenger.errors import classify

    problem = check_send_body(body)[0]
    return classify(HttpResponse(status_code=400,
                                 content=json.dumps(error_envelope(problem, "T")).encode()))


def test_refusals_classify_as_permanent_with_the_details_in_the_message() -> None:
    from polychat.errors import PermanentError

    err = _classified(send({"text": "x" * 2001}))
    assert type(err) is PermanentError
    assert err.code == 100
    assert err.retryable is False
    assert "message.text: is 2001 characters long" in err.message
    assert err.trace_id == "T"


def test_a_deprecated_tag_refusal_gets_polychat_s_tag_hint() -> None:
    from polychat.channels.messenger.errors import TAG_HINT

    err = _classified(send({"text": "hi"}, messaging_type="MESSAGE_TAG",
                           tag="CONFIRMED_EVENT_UPDATE"))
    assert err.code == 100
    assert err.hint == TAG_HINT


# -- (6) what polychat renders is accepted --------------------------------------------------------


def _rendered() -> list[Any]:
    from polychat.content import (
        Audio,
        Button,
        Buttons,
        Card,
        Carousel,
        File,
        Image,
        MarkRead,
        QuickReplies,
        QuickReply,
        Reaction,
        Text,
        Typing,
        Video,
    )

    return [
        Text(text="hello"),
        Image(url=IMG),
        Video(media_id="1857777774821032"),
        Audio(url="https://example.com/a.mp3"),
        File(url="https://example.com/a.pdf"),
        QuickReplies(text="Pick", replies=[QuickReply(id="RED", title="Red"),
                                           QuickReply(id="user_email", title="E-mail")]),
        Buttons(text="Next?", buttons=[Button.reply(id="yes", title="Yes"),
                                       Button.url(title="Site", url=SITE),
                                       Button.call(title="Call", phone="+1 650 555 1234")]),
        Carousel(cards=[Card(title="Hat", subtitle="Warm", image_url=IMG,
                             buttons=[Button.reply(id="buy", title="Buy")])]),
        Reaction(message_id="m_abc", emoji="😊"),
        Reaction(message_id="m_abc", emoji=""),
        Typing(on=True),
        Typing(on=False),
        MarkRead(message_id="m_abc"),
    ]


def test_rendered_bodies_are_accepted() -> None:
    from polychat.channels.messenger.render import build_message

    for content in _rendered():
        body = build_message(PSID, content, reply_to=None if "Reaction" in type(content).__name__
                             else MID, metadata=None)
        assert check_send_body(body) == [], (type(content).__name__, body)
    tagged = build_message(PSID, _rendered()[0], messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT",
                           notification_type="SILENT_PUSH", persona_id="7381", metadata="m")
    assert check_send_body(tagged) == []


def test_rendered_templates_are_accepted() -> None:
    from polychat.channels.messenger.render import build_message, media_template, receipt_template

    for content in (media_template("image", attachment_id="1857777774821032"),
                    media_template("video", url="https://www.facebook.com/NASA/videos/1/"),
                    receipt_template(recipient_name="Ann", order_number="A-1", currency="USD",
                                     payment_method="Visa 2345", total_cost="56.14",
                                     elements=[{"title": "Shirt", "price": 25, "quantity": 2}],
                                     address={"street_1": "1 Hacker Way", "city": "Menlo Park",
                                              "postal_code": "94025", "state": "CA",
                                              "country": "US"},
                                     timestamp=1428444852)):
        body = build_message(PSID, content)
        assert check_send_body(body) == [], body


def test_rendered_uploads_are_accepted() -> None:
    from polychat.channels.messenger.render import upload_form
    from polychat.content import Audio, Image

    for content in (Image(data=b"\x89PNG" * 10, mime_type="image/png"),
                    Audio(data=b"ID3" * 10, mime_type="audio/mpeg")):
        fields, files = upload_form(PSID, content, reply_to=MID)
        assert check_upload(fields, dict(files)) == [], fields
