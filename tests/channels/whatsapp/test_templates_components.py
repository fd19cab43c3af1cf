"""Typed template components render exactly the Cloud API's template components (meta.md 4.4)."""

from __future__ import annotations

import copy
import doctest
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

from _template_cases import VALID
from polychat import Content, ContentError, Template
from polychat.channels.whatsapp import (
    _template_admin,
    _template_components,
    _template_definition,
    _template_text,
    _template_validate,
)
from polychat.channels.whatsapp import templates as public
from polychat.channels.whatsapp.render import build_message
from polychat.channels.whatsapp.templates import (
    CarouselCard,
    CatalogButton,
    CopyCodeButton,
    FlowButton,
    LimitedTimeOffer,
    OtpButton,
    Param,
    QuickReplyButton,
    TemplateBody,
    TemplateCarousel,
    TemplateHeader,
    TemplateParam,
    UrlButton,
    authentication_code,
)
from polychat.testing._whatsapp_rules import check_send_body

TO = "16505551234"
IMG = "https://cdn.example/h.jpg"

# (component, the exact Cloud API dict it stands for)
WIRE: list[tuple[str, Any, dict[str, Any]]] = [
    ("body-positional", TemplateBody("Ada", Param.text("A1001")),
     {"type": "body", "parameters": [{"type": "text", "text": "Ada"},
                                     {"type": "text", "text": "A1001"}]}),
    ("body-named", TemplateBody(Param.text("Ada", name="first_name")),
     {"type": "body", "parameters": [{"type": "text", "text": "Ada",
                                      "parameter_name": "first_name"}]}),
    ("body-currency-date", TemplateBody(Param.currency(Decimal("100.99"), "USD", "$100.99"),
                                        Param.date_time(date(2026, 2, 25))),
     {"type": "body", "parameters": [
         {"type": "currency", "currency": {"fallback_value": "$100.99", "code": "USD",
                                           "amount_1000": 100990}},
         {"type": "date_time", "date_time": {"fallback_value": "February 25, 2026"}}]}),
    ("body-empty", TemplateBody(), {"type": "body", "parameters": []}),
    ("header-text", TemplateHeader.text("A1001"),
     {"type": "header", "parameters": [{"type": "text", "text": "A1001"}]}),
    ("header-text-named", TemplateHeader.text("Ada", name="first_name"),
     {"type": "header", "parameters": [{"type": "text", "text": "Ada",
                                        "parameter_name": "first_name"}]}),
    ("header-image-link", TemplateHeader.image(url=IMG),
     {"type": "header", "parameters": [{"type": "image", "image": {"link": IMG}}]}),
    ("header-image-id", TemplateHeader.image(media_id="1037543291543636"),
     {"type": "header", "parameters": [{"type": "image", "image": {"id": "1037543291543636"}}]}),
    ("header-video", TemplateHeader.video(url="https://cdn.example/v.mp4"),
     {"type": "header", "parameters": [{"type": "video",
                                        "video": {"link": "https://cdn.example/v.mp4"}}]}),
    ("header-document", TemplateHeader.document(url="https://cdn.example/i.pdf",
                                                filename="invoice.pdf"),
     {"type": "header", "parameters": [{"type": "document", "document": {
         "link": "https://cdn.example/i.pdf", "filename": "invoice.pdf"}}]}),
    ("header-location", TemplateHeader.location(37.483307, -122.148981, name="Lucky Shrub",
                                                address="1 Hacker Way"),
     {"type": "header", "parameters": [{"type": "location", "location": {
         "latitude": 37.483307, "longitude": -122.148981, "name": "Lucky Shrub",
         "address": "1 Hacker Way"}}]}),
    ("quick-reply", QuickReplyButton(1, "stop-updates"),
     {"type": "button", "sub_type": "quick_reply", "index": "1",
      "parameters": [{"type": "payload", "payload": "stop-updates"}]}),
    ("url", UrlButton(0, "A1001"),
     {"type": "button", "sub_type": "url", "index": "0",
      "parameters": [{"type": "text", "text": "A1001"}]}),
    ("copy-code", CopyCodeButton(0, "SUMMER25"),
     {"type": "button", "sub_type": "copy_code", "index": "0",
      "parameters": [{"type": "coupon_code", "coupon_code": "SUMMER25"}]}),
    ("otp", OtpButton(0, "123456"),
     {"type": "button", "sub_type": "url", "index": "0",
      "parameters": [{"type": "text", "text": "123456"}]}),
    ("flow", FlowButton(0, "tok-1", {"order_id": "A1001"}),
     {"type": "button", "sub_type": "flow", "index": "0", "parameters": [
         {"type": "action", "action": {"flow_token": "tok-1",
                                       "flow_action_data": {"order_id": "A1001"}}}]}),
    ("flow-token-only", FlowButton(2, "tok-2"),
     {"type": "button", "sub_type": "flow", "index": "2",
      "parameters": [{"type": "action", "action": {"flow_token": "tok-2"}}]}),
    ("catalog", CatalogButton(0, "2lc20305pt"),
     {"type": "button", "sub_type": "catalog", "index": "0", "parameters": [
         {"type": "action", "action": {"thumbnail_product_retailer_id": "2lc20305pt"}}]}),
    ("limited-time-offer", LimitedTimeOffer(expires=datetime(2026, 3, 1, tzinfo=UTC)),
     {"type": "limited_time_offer", "parameters": [
         {"type": "limited_time_offer", "limited_time_offer": {
             "expiration_time_ms": 1772323200000}}]}),
    ("carousel", TemplateCarousel(CarouselCard(0, TemplateHeader.image(url=IMG),
                                               TemplateBody("Fern"), [QuickReplyButton(0, "buy")]),
                                  CarouselCard(1, TemplateHeader.video(media_id="1234"))),
     {"type": "carousel", "cards": [
         {"card_index": 0, "components": [
             {"type": "header", "parameters": [{"type": "image", "image": {"link": IMG}}]},
             {"type": "body", "parameters": [{"type": "text", "text": "Fern"}]},
             {"type": "button", "sub_type": "quick_reply", "index": "0",
              "parameters": [{"type": "payload", "payload": "buy"}]}]},
         {"card_index": 1, "components": [
             {"type": "header", "parameters": [{"type": "video", "video": {"id": "1234"}}]}]}]}),
]


@pytest.mark.parametrize(("component", "wire"), [pytest.param(c, w, id=i) for i, c, w in WIRE])
def test_component_renders_the_cloud_api_dict(component: Any, wire: dict[str, Any]) -> None:
    assert component.to_wire() == wire
    template = Template("t", "en_US", [component])
    assert template.components == [wire]  # stored as the dict it stands for
    assert build_message(TO, template)["template"]["components"] == [wire]


# The spec's TemplateComponent covers headers, bodies and quick_reply / url / catalog buttons;
# copy_code, flow, carousel and limited_time_offer are Meta's template guides only.
SPEC_COVERED = {"body-positional", "body-named", "body-currency-date", "body-empty",
                "header-text", "header-text-named", "header-image-link", "header-image-id",
                "header-video", "header-document", "header-location", "quick-reply", "url",
                "otp", "catalog"}


def spec_errors(wa_spec: Any, body: dict[str, Any]) -> list[str]:
    """``wa_spec.errors`` minus the broken ``index`` pattern of meta.md section 9."""
    return [e for e in wa_spec.errors(body) if "does not match '^[2-6, 11-14]$'" not in e]


@pytest.mark.parametrize(("name", "component"),
                         [pytest.param(i, c, id=i) for i, c, _ in WIRE if i in SPEC_COVERED])
def test_spec_accepts_what_it_covers(wa_spec: Any, name: str, component: Any) -> None:
    body = build_message(TO, Template("t", "en_US", [component]))
    assert spec_errors(wa_spec, body) == []


@pytest.mark.parametrize(("name", "component"), [pytest.param(i, c, id=i) for i, c, _ in WIRE])
def test_the_simulator_shape_rules_accept_every_component(name: str, component: Any) -> None:
    assert check_send_body(build_message(TO, Template("t", "en_US", [component]))) == []


@pytest.mark.parametrize(("name", "template"), [pytest.param(i, t, id=i) for i, t, _ in VALID])
def test_valid_sends_pass_spec_and_shape_rules(wa_spec: Any, name: str,
                                               template: Template) -> None:
    body = build_message(TO, template)
    assert check_send_body(body) == []
    uncovered = {"copy_code", "flow", "carousel", "limited_time_offer"}
    sent = body["template"].get("components", [])
    if not any(c.get("sub_type") in uncovered or c["type"] in uncovered for c in sent):
        assert spec_errors(wa_spec, body) == []


def test_typed_and_dict_components_mix_and_round_trip_through_json() -> None:
    template = Template("order_shipped", "en_US", [
        TemplateBody("Ada", "A1001"),
        {"type": "button", "sub_type": "url", "index": 0,
         "parameters": [{"type": "text", "text": "A1001"}]}])
    back = TypeAdapter(Content).validate_json(template.model_dump_json())
    assert back == template
    assert back.components[0] == TemplateBody("Ada", "A1001").to_wire()


def test_authentication_code_sends_the_code_in_body_and_button() -> None:
    body, button = (c.to_wire() for c in authentication_code("123456", button_index=0))
    assert body == {"type": "body", "parameters": [{"type": "text", "text": "123456"}]}
    assert button["sub_type"] == "url" and button["parameters"][0]["text"] == "123456"


# -- values computed exactly ---------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "thousandths"), [
    (Decimal("100.99"), 100990), (Decimal("0.001"), 1), (12, 12000), ("7.5", 7500),
    (Decimal("-3.25"), -3250), (Decimal("2147483.647"), 2147483647),
])
def test_currency_amount_1000_is_exact(amount: Any, thousandths: int) -> None:
    param = Param.currency(amount, "EUR")
    assert param.amount_1000 == thousandths
    assert param.to_wire()["currency"]["fallback_value"] == f"{Decimal(str(amount))} EUR"


@pytest.mark.parametrize("amount", [1.5, Decimal("0.0001"), "ten", Decimal("NaN"),
                                    Decimal("2147483.648"), True])
def test_currency_refuses_floats_and_inexact_amounts(amount: Any) -> None:
    with pytest.raises(ContentError) as info:
        Param.currency(amount, "USD")
    assert info.value.limit == "whatsapp.template.currency"


@pytest.mark.parametrize("code", ["usd", "US", "DOLLAR"])
def test_currency_code_is_iso_4217(code: str) -> None:
    with pytest.raises(ContentError, match="ISO 4217"):
        Param.currency(1, code)


def test_date_time_fallbacks() -> None:
    assert Param.date_time(date(2026, 2, 5)).value == "February 5, 2026"
    cet = timezone(timedelta(hours=1), "CET")
    assert Param.date_time(datetime(2026, 2, 5, 14, 30, tzinfo=cet)).value == \
        "February 5, 2026, 14:30 CET"
    assert Param.date_time(datetime(2026, 2, 5, 9, 5)).value == "February 5, 2026, 09:05"
    assert Param.date_time(date(2026, 2, 5), fallback="5 févr. 2026").value == "5 févr. 2026"
    assert Param.date_time("tomorrow").to_wire() == {
        "type": "date_time", "date_time": {"fallback_value": "tomorrow"}}


# -- what construction refuses -------------------------------------------------------------------


@pytest.mark.parametrize(("build", "limit"), [
    (lambda: Param.text("x", name="First-Name"), "whatsapp.template.parameter_name"),
    (lambda: Param.text("x", name="order_id_2"), "whatsapp.template.parameter_name"),
    (lambda: Param.text("x", name="a" * 21), "whatsapp.template.parameter_name"),
    (lambda: TemplateBody(Param.text("a", name="a"), "b"), "whatsapp.template.parameter_format"),
    (lambda: TemplateBody(Param.text("a", name="a"), Param.text("b", name="a")),
     "whatsapp.template.parameter_name"),
    (lambda: TemplateHeader.image(), "whatsapp.template.media"),
    (lambda: TemplateHeader.image(url=IMG, media_id="1"), "whatsapp.template.media"),
    (lambda: TemplateHeader.video(url="ftp://x.example/v.mp4"), "whatsapp.template.media"),
    (lambda: TemplateHeader.location(91, 0), "whatsapp.template.header_format"),
    (lambda: TemplateHeader(format="text"), "whatsapp.template.header_format"),
    (lambda: QuickReplyButton(10, "x"), "whatsapp.template.button"),
    (lambda: QuickReplyButton(-1, "x"), "whatsapp.template.button"),
    (lambda: QuickReplyButton(0, ""), "whatsapp.template.button"),
    (lambda: UrlButton(0, ""), "whatsapp.template.button"),
    (lambda: CopyCodeButton(0, "X" * 16), "whatsapp.template.code"),
    (lambda: OtpButton(0, ""), "whatsapp.template.code"),
    (lambda: authentication_code("1" * 16), "whatsapp.template.code"),
    (lambda: LimitedTimeOffer(expires=datetime(2026, 3, 1)),
     "whatsapp.template.limited_time_offer"),
    (lambda: CarouselCard(0, TemplateHeader.text("x")), "whatsapp.template.carousel"),
    (lambda: TemplateCarousel(), "whatsapp.template.carousel"),
    (lambda: TemplateCarousel(CarouselCard(0, TemplateHeader.image(url=IMG)),
                              CarouselCard(0, TemplateHeader.image(url=IMG))),
     "whatsapp.template.carousel"),
])
def test_construction_refuses_what_meta_would(build: Any, limit: str) -> None:
    with pytest.raises(ContentError) as info:
        build()
    assert info.value.limit == limit
    assert limit in str(info.value)


def test_positional_constructors() -> None:
    assert QuickReplyButton(1, "x") == QuickReplyButton(index=1, payload="x")
    assert TemplateBody("a") == TemplateBody(parameters=[TemplateParam.text("a")])
    with pytest.raises(TypeError):
        TemplateBody("a", parameters=[])


def test_components_are_frozen_and_the_template_keeps_its_own_copy() -> None:
    body = TemplateBody("Ada")
    with pytest.raises(ValueError, match="frozen"):
        body.parameters = []  # type: ignore[misc]
    template = Template("t", "en", [body])
    wire = copy.deepcopy(template.components)
    build_message(TO, template)["template"]["components"][0]["parameters"].clear()
    assert template.components == wire


@pytest.mark.parametrize("module", [public, _template_admin, _template_components,
                                    _template_definition, _template_text, _template_validate])
def test_docstring_examples(module: Any) -> None:
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
