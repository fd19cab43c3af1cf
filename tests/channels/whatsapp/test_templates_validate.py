"""Definitions and validate(): every valid send accepted, every invalid one refused naming the
component, with the rule and Meta's error code (meta.md 4.4, 6.2)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from _template_cases import DEFINITIONS, INVALID, PAGE, VALID, body
from polychat import ContentError, Template, TemplateMismatch, validate_template
from polychat.channels.whatsapp.templates import (
    TemplateBody,
    TemplateDefinition,
    find_definition,
    suggest_locale,
    template_text,
    validate,
)


@pytest.mark.parametrize(("name", "template", "text"),
                         [pytest.param(*case, id=case[0]) for case in VALID])
def test_valid_sends_are_accepted(name: str, template: Template, text: str) -> None:
    definition = validate(template, DEFINITIONS)
    assert (definition.name, definition.language) == (
        template.name, template.language)
    assert text in template_text(template, definition)


@pytest.mark.parametrize(("name", "template", "rule", "component", "code"),
                         [pytest.param(*case, id=case[0]) for case in INVALID])
def test_invalid_sends_are_refused_naming_the_component(
        name: str, template: Template, rule: str, component: str | None, code: int) -> None:
    with pytest.raises(TemplateMismatch) as info:
        validate(template, DEFINITIONS)
    error = info.value
    assert isinstance(error, ContentError)
    assert error.limit == f"whatsapp.template.{rule}"
    assert f"(limit whatsapp.template.{rule})" in str(error)
    assert error.component == component
    assert error.code == code
    assert error.template == template.name and error.channel == "whatsapp"
    if component is not None:
        assert f" {component}:" in str(error)
    assert repr(template.name) in str(error)


def test_the_error_names_the_parameter() -> None:
    by_name = {case[0]: case[1] for case in INVALID}
    cases = {"named-missing": "member_id", "named-unknown": "member", "newline": "1",
             "tab": "2", "positional-for-named": "1", "named-for-positional": "1"}
    for case, parameter in cases.items():
        with pytest.raises(TemplateMismatch) as info:
            validate(by_name[case], DEFINITIONS)
        assert info.value.parameter == parameter, case


def test_locale_hints() -> None:
    assert suggest_locale("en", ["en_US", "pt_BR"]) == "en_US"
    assert suggest_locale("en-US", ["en", "en_US"]) == "en_US"
    assert suggest_locale("EN_us", ["en_US"]) == "en_US"
    assert suggest_locale("pt_PT", ["en_US", "pt_BR"]) == "pt_BR"
    assert suggest_locale("zh_CN", ["en_US"]) is None
    with pytest.raises(TemplateMismatch, match="did you mean 'en_US'"):
        validate(Template("order_shipped", "en"), DEFINITIONS)


def test_unknown_name_without_a_close_one_has_no_hint() -> None:
    with pytest.raises(TemplateMismatch) as info:
        validate(Template("zzz", "en_US"), DEFINITIONS)
    assert "did you mean" not in str(info.value)


def test_a_single_definition_or_graph_dicts_will_do() -> None:
    template = Template("order_shipped", "en_US", [
        {"type": "header", "parameters": [{"type": "text", "text": "A1"}]}, body("Ada", "A1"),
        {"type": "button", "sub_type": "url", "index": "0",
         "parameters": [{"type": "text", "text": "A1"}]}])
    assert validate(template, DEFINITIONS[0]).id == "1689556908129832"
    assert validate_template(template, PAGE["data"]).id == "1689556908129832"
    assert validate_template(template, PAGE).id == "1689556908129832"  # the whole answer
    with pytest.raises(TemplateMismatch, match="language"):
        validate(template, DEFINITIONS[1])  # the pt_BR one


def test_an_approved_definition_wins_over_a_stale_one() -> None:
    paused = DEFINITIONS[0].model_copy(update={"status": "PAUSED"})
    defs = [paused, DEFINITIONS[0]]
    assert find_definition(defs, "order_shipped", "en_US") is DEFINITIONS[0]
    assert find_definition([paused], "order_shipped", "en_US") is paused
    assert find_definition(defs, "order_shipped", "en") is None


def test_malformed_components_are_refused_before_any_definition_is_read() -> None:
    with pytest.raises(ContentError) as info:
        validate(Template("order_shipped", "en-US"), DEFINITIONS)
    assert info.value.limit == "whatsapp.template.language"


def test_mismatch_pickles() -> None:
    with pytest.raises(TemplateMismatch) as info:
        validate(Template("order_shipped", "en_US", [TemplateBody("Ada")]), DEFINITIONS)
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is TemplateMismatch and str(back) == str(info.value)
    assert (back.component, back.code, back.limit) == ("header", 132000,
                                                       "whatsapp.template.parameter_count")


# -- definitions -----------------------------------------------------------------------------------


def test_definitions_read_the_graph_page() -> None:
    shipped = DEFINITIONS[0]
    assert (shipped.name, shipped.language, shipped.status, shipped.category) == (
        "order_shipped", "en_US", "APPROVED", "UTILITY")
    assert shipped.variables("header") == ["1"] and shipped.variables("body") == ["1", "2"]
    assert [b.type for b in shipped.buttons] == ["URL", "QUICK_REPLY"]
    assert shipped.buttons[0].url_variables == ["1"]
    assert shipped.raw["sub_category"] == "ORDER_DETAILS"  # kept though not modelled
    named = next(d for d in DEFINITIONS if d.name == "welcome_named")
    assert named.named and named.variables("body") == ["first_name", "member_id"]
    carousel = next(d for d in DEFINITIONS if d.name == "spring_carousel")
    assert len(carousel.cards) == 2 and carousel.cards[0].components[0].format == "IMAGE"


def test_definitions_round_trip_through_graph_and_json() -> None:
    for definition in DEFINITIONS:
        assert TemplateDefinition.from_graph(definition.to_graph()) == definition
        assert TemplateDefinition.model_validate_json(definition.model_dump_json()) == definition


def test_definition_details() -> None:
    lower = TemplateDefinition.from_graph({
        "name": "t", "language": "en", "status": "approved", "id": 42,
        "components": [{"type": "body", "text": "{{name}} and {{ other }}"}]})
    assert lower.status == "APPROVED" and lower.id == "42"
    assert lower.named  # no parameter_format: inferred from the placeholders
    assert lower.variables("body") == ["name", "other"]
    auth = TemplateDefinition.from_graph({
        "name": "otp", "language": "en_US", "category": "AUTHENTICATION",
        "components": [{"type": "BODY", "add_security_recommendation": True},
                       {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE",
                                                        "text": "Copy code"}]}]})
    assert auth.variables("body") == ["1"]  # the preset "{{1}} is your verification code."
    assert auth.buttons[0].is_otp
    validate(Template("otp", "en_US", [TemplateBody("123456"), {
        "type": "button", "sub_type": "url", "index": "0",
        "parameters": [{"type": "text", "text": "123456"}]}]), auth)
    media = TemplateDefinition.from_graph({"name": "m", "language": "en", "components": [
        {"type": "HEADER", "format": "IMAGE", "text": "{{1}}"}]})
    assert media.variables("header") == []


def test_unmodelled_header_formats_are_left_to_meta() -> None:
    product = TemplateDefinition.from_graph({"name": "p", "language": "en", "components": [
        {"type": "HEADER", "format": "PRODUCT"}, {"type": "BODY", "text": "Hi"}]})
    validate(Template("p", "en", [{"type": "header", "parameters": [
        {"type": "product", "product": {"product_retailer_id": "x"}}]}]), product)


def test_a_definition_list_item_that_is_not_a_template_is_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        TemplateDefinition.from_graph({"language": "en_US"})


@pytest.mark.parametrize("definitions", [[], DEFINITIONS[:1]])
def test_validate_needs_the_template_among_the_definitions(definitions: list[Any]) -> None:
    with pytest.raises(TemplateMismatch) as info:
        validate(Template("summer_coupon", "en_US"), definitions)
    assert info.value.limit == "whatsapp.template.name"


def test_metas_template_codes_map_back_to_the_local_rules() -> None:
    from polychat.channels.whatsapp.errors import CODES, TEMPLATE_RULES, is_template_error
    from polychat.errors import PermanentError

    for _, _, rule, _, code in INVALID:
        if code in TEMPLATE_RULES:
            assert rule in TEMPLATE_RULES[code], (rule, code)
    for code in TEMPLATE_RULES:
        assert CODES[code].kind is PermanentError and CODES[code].hint
        assert is_template_error(PermanentError("x", channel="whatsapp", code=code))
    assert not is_template_error(PermanentError("x", channel="whatsapp", code=131047))
    assert not is_template_error(PermanentError("x", channel="messenger", code=132000))
