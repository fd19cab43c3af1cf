"""The simulator's template registry: Meta's template rules, the filled-in transcript, taps on
template quick replies, and the management API (list with paging, create, delete, webhooks)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest

import polychat
from _template_cases import DEFINITIONS, INVALID, PAGE, VALID, shipped
from polychat import Address, AsyncHub, PermanentError, Template
from polychat._http import SyncTransport
from polychat.channels.whatsapp.render import build_message
from polychat.channels.whatsapp.templates import (
    QuickReplyButton,
    TemplateBody,
    TemplateDefinition,
    TemplateHeader,
    UrlButton,
)
from polychat.testing import Simulator
from polychat.testing._templates import TEMPLATE_ERROR_TITLES
from polychat.testing._whatsapp_api import FakeWhatsApp
from polychat.testing._whatsapp_rules import check_send_body

PNID = "106540352242922"
WABA = "102290129340399"
TO = "16505551234"
ADA = Address(channel="whatsapp", account=PNID, user=TO)
TOKEN = "EAAG-FAKE-TOKEN-0000"


def make_hub(**options: Any) -> tuple[AsyncHub, Simulator]:
    wa = polychat.WhatsApp(phone_number_id=PNID, access_token=TOKEN, app_secret="fake-secret",
                           waba_id=WABA)
    hub = AsyncHub(wa, **options)
    sim = Simulator(hub)
    return hub, sim


def fake(sim: Simulator) -> FakeWhatsApp:
    return cast(FakeWhatsApp, sim.fake("whatsapp"))


def registered() -> tuple[AsyncHub, Simulator]:
    hub, sim = make_hub()
    fake(sim).templates = PAGE["data"]
    return hub, sim


def post(sim: Simulator, body: dict[str, Any]) -> httpx.Response:
    """POST a send body to the fake Cloud API directly (no hub, no local checks)."""
    with httpx.Client(transport=sim) as client:
        return client.post(f"https://graph.facebook.com/v25.0/{PNID}/messages", json=body,
                           headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.mark.parametrize(("name", "template", "text"),
                         [pytest.param(*case, id=case[0]) for case in VALID])
async def test_valid_sends_are_accepted_and_shown_filled_in(name: str, template: Template,
                                                            text: str) -> None:
    hub, sim = registered()
    result = await hub.send(ADA, template)
    assert result.message_ids
    sent = sim.sent[-1]
    assert sent.body["type"] == "template"
    assert text in sent.view
    assert "{{" not in sent.view


@pytest.mark.parametrize(("name", "template", "rule", "component", "code"),
                         [pytest.param(*case, id=case[0]) for case in INVALID])
def test_invalid_sends_get_metas_error(name: str, template: Template, rule: str,
                                       component: str | None, code: int) -> None:
    _, sim = registered()
    body = build_message(TO, template)
    response = post(sim, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "OAuthException" and error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert not sim.sent
    shape = check_send_body(body)
    if shape:  # the body's shape already breaks a rule (checked before the template registry)
        assert error["code"] == shape[0].code
        return
    assert error["code"] == code
    assert error["message"] == f"(#{code}) {TEMPLATE_ERROR_TITLES[code]}"
    if component is not None:
        assert component in error["error_data"]["details"]


async def test_a_refused_send_reaches_the_hub_as_a_classified_error() -> None:
    hub, sim = registered()
    fake(sim).template_status("order_shipped", "PAUSED")
    body = build_message(TO, shipped(TemplateHeader.text("A1"), TemplateBody("Ada", "A1"),
                                     UrlButton(0, "A1")))
    response = post(sim, body)
    error = hub.channels[0].classify(polychat.HttpResponse(
        status_code=response.status_code, content=response.content))
    assert isinstance(error, PermanentError) and error.code == 132015
    assert "paused" in (error.hint or "")


async def test_quick_reply_taps_come_back_as_template_button_choices() -> None:
    hub, sim = registered()
    choices: list[polychat.ChoiceSelected] = []

    @hub.on(polychat.ChoiceSelected)
    async def chosen(event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        choices.append(event)

    template = shipped(TemplateHeader.text("A1001"), TemplateBody("Ada", "A1001"),
                       UrlButton(0, "A1001"), QuickReplyButton(1, "stop:A1001"))
    await hub.send(ADA, template)
    ada = sim.user("whatsapp", TO)
    assert ada.last.choices == [("stop:A1001", "Stop updates", "template")]
    await ada.taps("Stop updates")
    (choice,) = choices
    assert (choice.source, choice.choice_id, choice.title) == ("template_button", "stop:A1001",
                                                               "Stop updates")
    assert choice.reply_to == ada.inbox[0].message_id


async def test_a_quick_reply_without_payload_sends_its_label() -> None:
    hub, sim = registered()
    await hub.send(ADA, Template("product_video", "en_US", [
        TemplateHeader.video(media_id="1037543291543636")]))
    ada = sim.user("whatsapp", TO)
    assert [c[:2] for c in ada.last.choices] == [("Tell me more", "Tell me more"),
                                                 ("Not now", "Not now")]


async def test_without_templates_the_fake_only_checks_shapes() -> None:
    hub, sim = make_hub(templates="off")  # the hub's own check would find no such template
    await hub.send(ADA, Template("anything_goes", "en_US"))
    assert sim.sent[-1].view == "[template anything_goes (en_US)]"


async def test_templates_go_out_whatever_the_window() -> None:
    hub, sim = registered()
    ada = sim.user("whatsapp", TO)
    await ada.says("hi")
    sim.advance(timedelta(hours=30))
    await hub.send(ADA, Template("summer_coupon", "en_US", [
        TemplateBody("SUMMER25", "25%"), {"type": "button", "sub_type": "copy_code",
                                          "index": 0, "parameters": [
                                              {"type": "coupon_code", "coupon_code": "S25"}]}]))
    await sim.flush()
    statuses = [s["status"] for _, body, _ in sim.webhooks for e in body["entry"]
                for c in e["changes"] for s in c["value"].get("statuses", [])]
    assert statuses[-3:] == ["sent", "delivered", "read"]


# -- management API ------------------------------------------------------------------------------


def test_list_pages_through_every_template() -> None:
    hub, sim = registered()
    wa = hub.channels[0]
    transport = SyncTransport(transport=sim)
    definitions = transport.run(wa, wa.list_templates_exchange(limit=5))
    assert definitions == DEFINITIONS
    gets = [r for r in sim.requests if r.method == "GET"]
    assert len(gets) == 4  # 17 templates, 5 a page
    assert "after=" in str(gets[1].url)
    only = transport.run(wa, wa.list_templates_exchange(name="order_shipped"))
    assert [d.language for d in only] == ["en_US", "pt_BR"]
    paused = transport.run(wa, wa.list_templates_exchange(status="PAUSED"))
    assert [d.name for d in paused] == ["paused_promo"]


async def test_create_then_send_then_delete() -> None:
    hub, sim = registered()
    updates: list[polychat.TemplateStatusChanged] = []

    @hub.on(polychat.TemplateStatusChanged)
    async def on_status(event: polychat.TemplateStatusChanged, ctx: polychat.Context) -> None:
        updates.append(event)

    wa = hub.channels[0]
    transport = SyncTransport(transport=sim)
    created = transport.run(wa, wa.create_template_exchange(TemplateDefinition.from_graph({
        "name": "order_delayed", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Sorry {{1}}, order {{2}} is late.",
                        "example": {"body_text": [["Ada", "A1001"]]}}]})))
    assert created.status == "APPROVED" and created.id
    await sim.flush()
    (update,) = updates
    assert (update.name, update.status, update.sender.user) == ("order_delayed", "APPROVED",
                                                               WABA)
    await hub.send(ADA, Template("order_delayed", "en_US", [TemplateBody("Ada", "A1001")]))
    assert sim.sent[-1].view == "Sorry Ada, order A1001 is late."
    assert transport.run(wa, wa.delete_template_exchange("order_delayed")) is True
    response = post(sim, build_message(TO, Template("order_delayed", "en_US", [
        TemplateBody("Ada", "A1001")])))
    assert response.json()["error"]["code"] == 132001


def test_management_refusals() -> None:
    hub, sim = registered()
    wa = hub.channels[0]
    transport = SyncTransport(transport=sim)
    with pytest.raises(PermanentError, match="already exists"):
        transport.run(wa, wa.create_template_exchange(DEFINITIONS[0]))
    with pytest.raises(PermanentError, match="does not exist"):
        transport.run(wa, wa.delete_template_exchange("nope"))
    with pytest.raises(PermanentError, match="lowercase"):
        transport.run(wa, wa.create_template_exchange({
            "name": "Bad Name", "language": "en", "category": "UTILITY", "components": []}))
    registry = fake(sim).templates
    registry.auto_approve = False
    pending = transport.run(wa, wa.create_template_exchange({
        "name": "later", "language": "en", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Soon."}]}))
    assert pending.status == "PENDING"
    assert transport.run(wa, wa.delete_template_exchange(
        "order_shipped", hsm_id="1689556908129833")) is True
    assert [d.language for d in registry if d.name == "order_shipped"] == ["en_US"]


async def test_status_changes_reach_the_hub_and_the_sends() -> None:
    hub, sim = registered()
    seen: list[Any] = []

    @hub.on(polychat.TemplateStatusChanged)
    async def on_status(event: polychat.TemplateStatusChanged, ctx: polychat.Context) -> None:
        seen.append((event.name, event.language, event.status))

    fake(sim).template_status("order_shipped", "disabled")
    await sim.flush()
    assert seen == [("order_shipped", "en_US", "DISABLED"), ("order_shipped", "pt_BR", "DISABLED")]
    body = build_message(TO, shipped(TemplateHeader.text("A1"), TemplateBody("Ada", "A1"),
                                     UrlButton(0, "A1")))
    assert post(sim, body).json()["error"]["code"] == 132016
    raw = json.loads(json.dumps(sim.webhooks[-1][1]))
    assert raw["entry"][0]["id"] == WABA
