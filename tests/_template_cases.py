"""Template definitions and sends shared by the template tests (channel, validation, simulator).

``DEFINITIONS`` is a realistic ``GET /{waba-id}/message_templates`` page
(``tests/data/whatsapp/templates/definitions.json``). ``VALID`` are sends every check accepts;
``INVALID`` are sends refused locally, each with the rule (``whatsapp.template.<rule>``) and the
component the error must name.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from polychat import Template
from polychat.channels.whatsapp.templates import (
    CarouselCard,
    CatalogButton,
    CopyCodeButton,
    FlowButton,
    LimitedTimeOffer,
    Param,
    QuickReplyButton,
    TemplateBody,
    TemplateCarousel,
    TemplateDefinition,
    TemplateHeader,
    UrlButton,
    authentication_code,
)

PAGE = json.loads((Path(__file__).parent / "data" / "whatsapp" / "templates" /
                   "definitions.json").read_text())
DEFINITIONS = [TemplateDefinition.from_graph(item) for item in PAGE["data"]]

FERN = "https://cdn.example/fern.jpg"


def body(*texts: str, **named: str) -> dict[str, Any]:
    """A body component as a plain dict."""
    params: list[dict[str, Any]] = [{"type": "text", "text": t} for t in texts]
    params += [{"type": "text", "text": v, "parameter_name": k} for k, v in named.items()]
    return {"type": "body", "parameters": params}


def button(index: int, sub_type: str, kind: str, value: Any) -> dict[str, Any]:
    """A button component as a plain dict."""
    return {"type": "button", "sub_type": sub_type, "index": str(index),
            "parameters": [{"type": kind, kind: value}]}


def shipped(*components: Any, language: str = "en_US") -> Template:
    return Template("order_shipped", language, list(components))


SHIPPED = [TemplateHeader.text("A1001"), TemplateBody("Ada", "A1001"), UrlButton(0, "A1001")]

# (id, send, text the customer reads)
VALID: list[tuple[str, Template, str]] = [
    ("text-header-url-quick-reply", shipped(*SHIPPED, QuickReplyButton(1, "stop-updates")),
     "Order A1001\nHi Ada, your order A1001 has shipped.\nLucky Shrub\n"
     "[ ↗ Track parcel ] [ Stop updates ]"),
    ("quick-reply-left-out", shipped(*SHIPPED, language="pt_BR"),
     "Pedido A1001\nOi Ada, seu pedido A1001 foi enviado.\nLucky Shrub\n"
     "[ ↗ Rastrear ] [ Parar avisos ]"),
    ("plain-dicts", shipped({"type": "header", "parameters": [{"type": "text", "text": "A1001"}]},
                            body("Ada", "A1001"), button(0, "url", "text", "A1001"),
                            {**button(1, "quick_reply", "payload", "stop"), "index": 1}),
     "Hi Ada, your order A1001 has shipped."),
    ("named", Template("welcome_named", "en", [
        TemplateHeader.text("Ada", name="first_name"),
        TemplateBody(Param.text("M-42", name="member_id"), Param.text("Ada", name="first_name"))]),
     "Hello Ada\nWelcome Ada! Your member number is M-42."),
    ("document-currency-date", Template("invoice_ready", "en_US", [
        TemplateHeader.document(url="https://files.example/inv-7.pdf", filename="INV-7.pdf"),
        TemplateBody("INV-7", Param.currency(Decimal("100.99"), "USD", "$100.99"),
                     Param.date_time(date(2026, 2, 25)))]),
     "[document] https://files.example/inv-7.pdf\n"
     "Invoice INV-7 of $100.99 is due on February 25, 2026.\n[ ☎ Call us ]"),
    ("location-header", Template("store_visit", "en_GB", [
        TemplateHeader.location(37.483307, -122.148981, name="Lucky Shrub",
                                address="1 Hacker Way, Menlo Park"),
        TemplateBody("Menlo Park")]),
     "[location] Lucky Shrub\nSee you at our Menlo Park store."),
    ("video-header-no-variables", Template("product_video", "en_US", [
        TemplateHeader.video(media_id="1037543291543636"), QuickReplyButton(1, "not-now")]),
     "[video] 1037543291543636\nOur new watering can is here.\n[ Tell me more ] [ Not now ]"),
    ("image-header", Template("product_image", "en_US", [
        TemplateHeader.image(url=FERN), TemplateBody("Ada", "fern")]),
     f"[image] {FERN}\nAda, the fern you liked is back."),
    ("copy-code", Template("summer_coupon", "en_US", [
        TemplateBody("SUMMER25", "25%"), CopyCodeButton(0, "SUMMER25")]),
     "Use code SUMMER25 to get 25% off every order.\n[ ⧉ Copy code: SUMMER25 ] [ ↗ Shop now ]"),
    ("authentication", Template("login_code", "en_US", authentication_code("123456")),
     "*123456* is your verification code."),
    ("flow", Template("feedback_flow", "en_US", [FlowButton(0, "flow-token-A1001",
                                                             {"order_id": "A1001"})]),
     "How did we do? It takes a minute.\n[ Rate us ]"),
    ("flow-left-out", Template("feedback_flow", "en_US"), "[ Rate us ]"),
    ("carousel", Template("spring_carousel", "en_US", [TemplateBody("Ada"), TemplateCarousel(
        CarouselCard(0, TemplateHeader.image(url=FERN), TemplateBody("Fern", "$12"),
                     [QuickReplyButton(0, "buy-fern"), UrlButton(1, "fern")]),
        CarouselCard(1, TemplateHeader.image(media_id="1037543291543637"),
                     TemplateBody("Moss", "$8"), [UrlButton(1, "moss")]))]),
     "Spring picks for Ada.\n┃ [image] https://cdn.example/fern.jpg\n┃ Fern for $12"),
    ("limited-time-offer", Template("flash_sale", "en_US", [
        LimitedTimeOffer(expires=datetime(2026, 3, 1, tzinfo=UTC)),
        TemplateBody("Ada", "FLASH10"), CopyCodeButton(0, "FLASH10"), UrlButton(1, "FLASH10")]),
     "[offer] Expiring offer!\nGood news, Ada! Use code FLASH10 before it ends."),
    ("catalog", Template("catalog_offer", "en_US", [
        TemplateBody("$100", "10%"), CatalogButton(0, "2lc20305pt")]),
     "Spend $100 and get 10% off.\n[ View catalog ]"),
    ("four-spaces-are-fine", shipped(TemplateHeader.text("A1001"),
                                     TemplateBody("Ada    Lovelace", "A1001"), UrlButton(0, "A1")),
     "Hi Ada    Lovelace"),
]

CARDS = [
    CarouselCard(0, TemplateHeader.image(url=FERN), TemplateBody("Fern", "$12"),
                 [UrlButton(1, "fern")]),
    CarouselCard(1, TemplateHeader.image(url=FERN), TemplateBody("Moss", "$8"),
                 [UrlButton(1, "moss")]),
]


def carousel(*cards: Any) -> Template:
    return Template("spring_carousel", "en_US", [TemplateBody("Ada"),
                                                 {"type": "carousel", "cards": list(cards)}])


def card(index: int, *components: Any) -> dict[str, Any]:
    return {"card_index": index, "components": [
        c.to_wire() if hasattr(c, "to_wire") else c for c in components]}


HEADER = TemplateHeader.text("A1001")
URL0 = UrlButton(0, "A1001")
OFFER = LimitedTimeOffer(expires=datetime(2026, 3, 1, tzinfo=UTC))
FLASH = [TemplateBody("Ada", "FLASH10"), CopyCodeButton(0, "FLASH10"), UrlButton(1, "F")]

# (id, send, rule, the component the error names (None: the template itself), Meta's code)
INVALID: list[tuple[str, Template, str, str | None, int]] = [
    ("unknown-name", Template("order_shiped", "en_US"), "name", None, 132001),
    ("locale-prefix", shipped(*SHIPPED, language="en"), "language", None, 132001),
    ("locale-region", shipped(*SHIPPED, language="pt_PT"), "language", None, 132001),
    ("paused", Template("paused_promo", "en_US"), "status", None, 132015),
    ("disabled", Template("disabled_promo", "en_US"), "status", None, 132016),
    ("pending", Template("pending_notice", "en_US"), "status", None, 132001),
    ("rejected", Template("rejected_promo", "en_US"), "status", None, 132001),
    ("body-too-few", shipped(HEADER, TemplateBody("Ada"), URL0), "parameter_count", "body",
     132000),
    ("body-too-many", shipped(HEADER, TemplateBody("Ada", "A1001", "x"), URL0),
     "parameter_count", "body", 132000),
    ("body-missing", shipped(HEADER, URL0), "parameter_count", "body", 132000),
    ("header-missing", shipped(TemplateBody("Ada", "A1001"), URL0), "parameter_count", "header",
     132000),
    ("static-header-given-one", Template("summer_coupon", "en_US", [
        TemplateHeader.text("x"), TemplateBody("A", "B"), CopyCodeButton(0, "A")]),
     "parameter_count", "header", 132000),
    ("no-header-in-template", Template("catalog_offer", "en_US", [
        TemplateHeader.text("x"), TemplateBody("$1", "1%")]), "components", "header", 132000),
    ("named-for-positional", shipped(HEADER, TemplateBody(
        Param.text("Ada", name="first_name"), Param.text("A1001", name="order_id")), URL0),
     "parameter_format", "body", 132000),
    ("positional-for-named", Template("welcome_named", "en", [
        TemplateHeader.text("Ada", name="first_name"), TemplateBody("Ada", "M-42")]),
     "parameter_format", "body", 132000),
    ("named-missing", Template("welcome_named", "en", [
        TemplateHeader.text("Ada", name="first_name"),
        TemplateBody(Param.text("Ada", name="first_name"))]), "parameter_name", "body", 132000),
    ("named-unknown", Template("welcome_named", "en", [
        TemplateHeader.text("Ada", name="first_name"),
        TemplateBody(Param.text("Ada", name="first_name"), Param.text("M-42", name="member"))]),
     "parameter_name", "body", 132000),
    ("named-header-positional", Template("welcome_named", "en", [
        TemplateHeader.text("Ada"), TemplateBody(Param.text("Ada", name="first_name"),
                                                 Param.text("M", name="member_id"))]),
     "parameter_format", "header", 132000),
    ("newline", shipped(HEADER, TemplateBody("Ada\nLovelace", "A1001"), URL0), "parameter_text",
     "body", 100),
    ("tab", shipped(HEADER, TemplateBody("Ada", "A\t1001"), URL0), "parameter_text", "body", 100),
    ("five-spaces", shipped(HEADER, TemplateBody("Ada     Lovelace", "A1001"), URL0),
     "parameter_text", "body", 100),
    ("empty-text", shipped(HEADER, TemplateBody("", "A1001"), URL0), "parameter_text", "body",
     131008),
    ("header-newline", shipped(TemplateHeader.text("A1\n001"), TemplateBody("Ada", "A1"), URL0),
     "parameter_text", "header", 100),
    ("body-image-parameter", shipped(HEADER, {"type": "body", "parameters": [
        {"type": "text", "text": "Ada"}, {"type": "image", "image": {"link": FERN}}]}, URL0),
     "parameter_type", "body", 132012),
    ("header-currency", shipped({"type": "header", "parameters": [Param.currency(
        1, "USD").to_wire()]}, TemplateBody("Ada", "A1"), URL0), "parameter_type", "header",
     132012),
    ("image-header-given-video", Template("product_image", "en_US", [
        TemplateHeader.video(url="https://cdn.example/v.mp4"), TemplateBody("Ada", "fern")]),
     "header_format", "header", 132012),
    ("media-header-missing", Template("product_image", "en_US", [TemplateBody("Ada", "fern")]),
     "header_format", "header", 132012),
    ("document-header-given-text", Template("invoice_ready", "en_US", [
        TemplateHeader.text("INV-7"), TemplateBody("INV-7", "$1", "today")]),
     "header_format", "header", 132012),
    ("location-header-missing", Template("store_visit", "en_GB", [TemplateBody("Menlo Park")]),
     "header_format", "header", 132012),
    ("button-index-out-of-range", shipped(*SHIPPED, QuickReplyButton(5, "x")), "button",
     "button 5", 131009),
    ("quick-reply-sent-as-url", shipped(*SHIPPED, UrlButton(1, "x")), "button", "button 1",
     131009),
    ("dynamic-url-missing", shipped(HEADER, TemplateBody("Ada", "A1001")), "button", "button 0",
     132000),
    ("static-url-given-suffix", Template("summer_coupon", "en_US", [
        TemplateBody("A", "B"), CopyCodeButton(0, "A"), UrlButton(1, "x")]), "button", "button 1",
     132000),
    ("phone-button-given-parameter", Template("invoice_ready", "en_US", [
        TemplateHeader.document(media_id="1037543291543638"), TemplateBody("I", "$1", "today"),
        QuickReplyButton(0, "call")]), "button", "button 0", 131009),
    ("copy-code-missing", Template("summer_coupon", "en_US", [TemplateBody("A", "B")]), "button",
     "button 0", 132000),
    ("copy-code-too-long", Template("summer_coupon", "en_US", [
        TemplateBody("A", "B"), button(0, "copy_code", "coupon_code", "SUMMER2026-SAVE-25")]),
     "code", "button 0", 131009),
    ("otp-missing", Template("login_code", "en_US", [TemplateBody("123456")]), "button",
     "button 0", 132000),
    ("otp-too-long", Template("login_code", "en_US", [
        TemplateBody("1234567890123456"), button(0, "url", "text", "1234567890123456")]),
     "code", "button 0", 131009),
    ("flow-sent-as-quick-reply", Template("feedback_flow", "en_US", [QuickReplyButton(0, "x")]),
     "button", "button 0", 131009),
    ("duplicate-button", shipped(*SHIPPED, UrlButton(0, "again")), "button", "button 0", 132000),
    ("duplicate-body", shipped(HEADER, TemplateBody("Ada", "A1001"), TemplateBody("B", "C"), URL0),
     "components", "body", 132000),
    ("carousel-missing", Template("spring_carousel", "en_US", [TemplateBody("Ada")]), "carousel",
     "carousel", 132000),
    ("carousel-card-missing", carousel(card(0, *CARDS[0].to_wire()["components"])), "carousel",
     "card 1", 132000),
    ("carousel-card-out-of-range", carousel(*(c.to_wire() for c in CARDS),
                                            card(5, *CARDS[0].to_wire()["components"])),
     "carousel", "card 5", 131009),
    ("card-body-count", carousel(card(0, TemplateHeader.image(url=FERN), TemplateBody("Fern"),
                                      UrlButton(1, "fern")), CARDS[1].to_wire()),
     "parameter_count", "card 0 body", 132000),
    ("card-header-missing", carousel(CARDS[0].to_wire(), card(1, TemplateBody("Moss", "$8"),
                                                              UrlButton(1, "moss"))),
     "header_format", "card 1 header", 132012),
    ("card-button-type", carousel(card(0, TemplateHeader.image(url=FERN),
                                       TemplateBody("Fern", "$12"), UrlButton(0, "x"),
                                       UrlButton(1, "fern")), CARDS[1].to_wire()),
     "button", "card 0 button 0", 131009),
    ("card-url-missing", carousel(card(0, TemplateHeader.image(url=FERN),
                                       TemplateBody("Fern", "$12")), CARDS[1].to_wire()),
     "button", "card 0 button 1", 132000),
    ("carousel-for-plain-template", shipped(*SHIPPED, TemplateCarousel(*CARDS)), "components",
     "carousel", 132000),
    ("offer-missing", Template("flash_sale", "en_US", FLASH), "limited_time_offer",
     "limited time offer", 131008),
    ("offer-for-plain-template", shipped(*SHIPPED, OFFER), "components", "limited time offer",
     132000),
]
