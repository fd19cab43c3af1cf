"""The web demo's widgets: what the page draws for each platform's send bodies (pure)."""

from __future__ import annotations

from polychat._webdemo.widgets import apple_widget, messenger_widget, whatsapp_widget, widget_for

# -- WhatsApp ------------------------------------------------------------------------------------


def _wa(kind: str, obj: dict[str, object], **extra: object) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "to": "16505551234", "type": kind, kind: obj, **extra}


def test_whatsapp_text_with_a_quote() -> None:
    body = _wa("text", {"body": "Hello"}, context={"message_id": "wamid.FAKE1"})
    assert whatsapp_widget(body, "Hello") == {"type": "text", "text": "Hello",
                                              "reply_to": "wamid.FAKE1"}


def test_whatsapp_reply_buttons_keep_header_and_footer() -> None:
    body = _wa("interactive", {
        "type": "button", "header": {"type": "text", "text": "Lucky Shrub"},
        "body": {"text": "Track your order?"}, "footer": {"text": "Reply any time"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                               {"type": "reply", "reply": {"id": "no", "title": "No"}}]}})
    assert whatsapp_widget(body, "") == {
        "type": "buttons", "text": "Track your order?", "header": "Lucky Shrub",
        "footer": "Reply any time",
        "buttons": [{"id": "yes", "title": "Yes", "action": "reply"},
                    {"id": "no", "title": "No", "action": "reply"}]}


def test_whatsapp_list_message() -> None:
    body = _wa("interactive", {
        "type": "list", "body": {"text": "Pick one"},
        "action": {"button": "See products", "sections": [
            {"title": "This week", "rows": [{"id": "mug", "title": "Mug", "description": "€12"},
                                            {"id": "tee", "title": "Tee"}]}]}})
    widget = whatsapp_widget(body, "")
    assert widget is not None
    assert widget["type"] == "list" and widget["button"] == "See products"
    assert widget["sections"] == [{"title": "This week", "rows": [
        {"id": "mug", "title": "Mug", "description": "€12"},
        {"id": "tee", "title": "Tee", "description": None}]}]


def test_whatsapp_url_and_location_buttons_are_not_tappable() -> None:
    cta = _wa("interactive", {"type": "cta_url", "body": {"text": "Our site"}, "action": {
        "name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com"}}})
    widget = whatsapp_widget(cta, "")
    assert widget is not None
    assert widget["buttons"] == [{"id": None, "title": "Open", "action": "url",
                                  "url": "https://example.com"}]
    ask = _wa("interactive", {"type": "location_request_message", "body": {"text": "Where?"},
                              "action": {"name": "send_location"}})
    widget = whatsapp_widget(ask, "")
    assert widget is not None and widget["buttons"][0]["action"] == "location"


def test_whatsapp_media_reaction_and_unknown_bodies() -> None:
    image = _wa("image", {"link": "https://example.com/img/mug.jpg?v=2", "caption": "Mug"})
    assert whatsapp_widget(image, "") == {"type": "media", "kind": "image", "name": "mug.jpg",
                                          "caption": "Mug"}
    document = _wa("document", {"id": "4490709327384033", "filename": "invoice.pdf"})
    widget = whatsapp_widget(document, "")
    assert widget is not None and (widget["kind"], widget["name"]) == ("file", "invoice.pdf")
    reaction = _wa("reaction", {"message_id": "wamid.FAKE2", "emoji": "👍"})
    assert whatsapp_widget(reaction, "") == {"type": "reaction", "target": "wamid.FAKE2",
                                             "emoji": "👍"}
    template = _wa("template", {"name": "order_shipped", "language": {"code": "en"}})
    assert whatsapp_widget(template, "Your order shipped", [("track", "Track", "template")]) == {
        "type": "text", "text": "Your order shipped",
        "buttons": [{"id": "track", "title": "Track", "action": "reply"}]}


def test_whatsapp_read_receipts_show_nothing() -> None:
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.FAKE3"}
    assert whatsapp_widget(body, "") is None


# -- Messenger -----------------------------------------------------------------------------------


def _fb(message: dict[str, object], **extra: object) -> dict[str, object]:
    return {"recipient": {"id": "16505551234"}, "messaging_type": "RESPONSE", "message": message,
            **extra}


def test_messenger_quick_replies_including_contact_ones() -> None:
    body = _fb({"text": "Anything else?", "quick_replies": [
        {"content_type": "text", "title": "Yes", "payload": "yes"},
        {"content_type": "user_email"}]})
    assert messenger_widget(body, "") == {"type": "quick_replies", "text": "Anything else?",
                                          "replies": [
        {"id": "yes", "title": "Yes", "action": "reply"},
        {"id": None, "title": "My email", "action": "user_email"}]}


def test_messenger_button_template() -> None:
    body = _fb({"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": "Hi!", "buttons": [
            {"type": "postback", "title": "Browse", "payload": "browse"},
            {"type": "web_url", "title": "Site", "url": "https://example.com"},
            {"type": "phone_number", "title": "Call", "payload": "+15555550100"}]}}})
    widget = messenger_widget(body, "")
    assert widget is not None and widget["type"] == "buttons" and widget["text"] == "Hi!"
    assert [(b["id"], b["action"]) for b in widget["buttons"]] == [
        ("browse", "reply"), (None, "url"), (None, "call")]


def test_messenger_generic_template_is_a_carousel() -> None:
    body = _fb({"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": [
            {"title": "Mug", "subtitle": "€12", "image_url": "https://example.com/mug.jpg",
             "buttons": [{"type": "postback", "title": "Pick", "payload": "mug"}]},
            {"title": "Tee"}]}}})
    assert messenger_widget(body, "") == {"type": "carousel", "cards": [
        {"title": "Mug", "subtitle": "€12", "image": "mug.jpg",
         "buttons": [{"id": "mug", "title": "Pick", "action": "reply"}]},
        {"title": "Tee", "subtitle": None, "image": None, "buttons": []}]}


def test_messenger_media_quotes_reactions_and_sender_actions() -> None:
    image = _fb({"attachment": {"type": "image", "payload": {"url": "https://example.com/a.png"}}},
                reply_to={"mid": "m_FAKE1"})
    assert messenger_widget(image, "") == {"type": "media", "kind": "image", "name": "a.png",
                                           "caption": None, "reply_to": "m_FAKE1"}
    react = {"recipient": {"id": "1"}, "sender_action": "react",
             "payload": {"message_id": "m_FAKE2", "reaction": "😀"}}
    assert messenger_widget(react, "") == {"type": "reaction", "target": "m_FAKE2", "emoji": "😀"}
    unreact = {"recipient": {"id": "1"}, "sender_action": "unreact",
               "payload": {"message_id": "m_FAKE2"}}
    assert messenger_widget(unreact, "") == {"type": "reaction", "target": "m_FAKE2", "emoji": ""}
    assert messenger_widget({"recipient": {"id": "1"}, "sender_action": "typing_on"}, "") is None
    odd = _fb({"attachment": {"type": "template", "payload": {"template_type": "receipt"}}})
    assert messenger_widget(odd, "[receipt template]") == {
        "type": "text", "text": "[receipt template]", "buttons": []}


# -- Apple ---------------------------------------------------------------------------------------


def _interactive(data: dict[str, object], title: str = "") -> dict[str, object]:
    return {"type": "interactive", "interactiveData": {
        "bid": "com.apple.messages.fake", "data": data,
        "receivedMessage": {"title": title, "style": "small"} if title else {}}}


def test_apple_text_and_attachments() -> None:
    assert apple_widget({"type": "text", "body": "Hello"}, "") == {"type": "text", "text": "Hello"}
    one = {"type": "text", "body": "The mug \ufffc",
           "attachments": [{"name": "mug.png", "mimeType": "image/png"}]}
    assert apple_widget(one, "") == {"type": "media", "kind": "image", "name": "mug.png",
                                     "caption": "The mug"}
    two = {"type": "text", "body": "\ufffc\ufffc", "attachments": [
        {"name": "a.pdf", "mimeType": "application/pdf"}, {"name": "b.mov", "mimeType": "video/mp4"}]}
    assert apple_widget(two, "") == {"type": "text", "text": "", "media": [
        {"kind": "file", "name": "a.pdf"}, {"kind": "video", "name": "b.mov"}]}


def test_apple_list_picker() -> None:
    body = _interactive({"listPicker": {"sections": [{"title": "This week", "multipleSelection": True,
                                                      "items": [{"identifier": "mug", "title": "Mug",
                                                                 "subtitle": "€12"}]}]}},
                        title="Our products")
    widget = apple_widget(body, "")
    assert widget is not None and widget["type"] == "list" and widget["text"] == "Our products"
    assert widget["sections"] == [{"title": "This week", "multiple": True, "rows": [
        {"id": "mug", "title": "Mug", "description": "€12"}]}]


def test_apple_time_picker_takes_slot_titles_from_the_choices() -> None:
    body = _interactive({"event": {"title": "Delivery", "timezoneOffset": -330, "timeslots": [
        {"identifier": "s1", "startTime": "2026-01-16T09:00+0000", "duration": 3600},
        {"identifier": "s2", "startTime": "2026-01-16T11:00+0000", "duration": 3600}]}})
    widget = apple_widget(body, "", [("s1", "Fri 16 Jan 2026 03:30–04:30", "time_slot")])
    assert widget == {"type": "time_picker", "title": "Delivery", "subtitle": None,
                      "zone": "UTC-05:30", "slots": [
                          {"id": "s1", "title": "Fri 16 Jan 2026 03:30–04:30"},
                          {"id": "s2", "title": "2026-01-16T11:00+0000"}]}


def test_apple_quick_replies_resolved_data_typing_and_unknown() -> None:
    data = {"data": {"quick-reply": {"summaryText": "Pick", "items": [
        {"identifier": "a", "title": "A"}]}}}
    by_reference = {"type": "interactive", "interactiveDataRef": {"url": "https://example.com/x"}}
    assert apple_widget(by_reference, "", interactive=data) == {
        "type": "quick_replies", "text": "Pick", "replies": [{"id": "a", "title": "A",
                                                              "action": "reply"}]}
    assert apple_widget(by_reference, "[interactive message]") == {
        "type": "text", "text": "[interactive message]", "buttons": []}
    assert apple_widget({"type": "typing_start"}, "") is None
    pay = _interactive({"payment": {}}, title="Pay")
    assert apple_widget(pay, "[Apple Pay]") == {"type": "text", "text": "[Apple Pay]",
                                                "buttons": []}


def test_widget_for_dispatches_and_falls_back() -> None:
    assert widget_for("whatsapp", _wa("text", {"body": "Hi"}), "Hi") == {"type": "text",
                                                                          "text": "Hi"}
    assert widget_for("telegram", {}, "Hi", [("a", "A", "button")]) == {
        "type": "text", "text": "Hi", "buttons": [{"id": "a", "title": "A", "action": "reply"}]}
