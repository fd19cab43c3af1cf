"""The hub checks template sends against the approved definitions before any request, caches them
in its store, drops them when they change, and manages templates."""

from __future__ import annotations

import json
from typing import Any, cast

import httpx
import pytest

import polychat
from _template_cases import INVALID, PAGE, SHIPPED, VALID, shipped
from polychat import Address, AsyncHub, Hub, MemoryStore, Template
from polychat.channels.whatsapp.templates import TemplateCache, TemplateDefinition, TemplateMismatch
from polychat.testing import Simulator
from polychat.testing._whatsapp_api import FakeWhatsApp

PNID = "106540352242922"
WABA = "102290129340399"
ADA = Address(channel="whatsapp", account=PNID, user="16505551234")
LIST_PATH = f"/{WABA}/message_templates"


def make_wa(**options: Any) -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE-TOKEN-0000",
                             app_secret="fake-secret", waba_id=WABA, pacing=[], **options)


def hub_on_simulator(**options: Any) -> tuple[AsyncHub, Simulator]:
    hub = AsyncHub(make_wa(), window="ignore", **options)
    sim = Simulator(hub)
    cast(FakeWhatsApp, sim.fake("whatsapp")).templates = PAGE["data"]
    return hub, sim


def list_calls(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.method == "GET" and r.url.path.endswith(LIST_PATH))


def sends(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.method == "POST" and r.url.path.endswith("/messages"))


@pytest.mark.parametrize(("case", "template", "_text"), VALID, ids=[v[0] for v in VALID])
async def test_every_valid_send_passes_the_hub_and_the_simulator(case: str, template: Template,
                                                                 _text: str) -> None:
    hub, sim = hub_on_simulator()
    result = await hub.send(ADA, template)
    assert result.message_ids and sends(sim) == 1
    await hub.aclose()


@pytest.mark.parametrize("case", INVALID, ids=[c[0] for c in INVALID])
async def test_every_invalid_send_is_refused_before_any_request(case: Any) -> None:
    _id, template, rule, component = case[:4]
    hub, sim = hub_on_simulator()
    with pytest.raises(TemplateMismatch) as info:
        await hub.send(ADA, template)
    assert info.value.limit == f"whatsapp.template.{rule}"
    if component:
        assert info.value.component == component and component in str(info.value)
    assert sends(sim) == 0
    await hub.aclose()


async def test_definitions_are_fetched_once_and_cached_in_the_store() -> None:
    hub, sim = hub_on_simulator()
    for _ in range(3):
        await hub.send(ADA, shipped(*SHIPPED))
    assert list_calls(sim) == 1
    cached = TemplateCache.load(hub.store.get(TemplateCache.cache_key(WABA)))
    assert cached is not None and any(d.name == "order_shipped" for d in cached)
    await hub.aclose()


async def test_cached_mode_checks_only_what_is_cached_and_off_never_checks() -> None:
    hub, sim = hub_on_simulator(templates="cached")
    wrong = Template("order_shipped", "en")  # a locale that does not exist
    with pytest.raises(polychat.PlatformError):  # nothing cached: Meta (the simulator) refuses
        await hub.send(ADA, wrong)
    assert list_calls(sim) == 0
    await hub.templates()  # fills the cache
    with pytest.raises(TemplateMismatch, match="did you mean 'en_US'"):
        await hub.send(ADA, wrong)
    await hub.aclose()
    off, sim_off = hub_on_simulator(templates="off")
    with pytest.raises(polychat.PlatformError):
        await off.send(ADA, wrong)
    assert list_calls(sim_off) == 0
    await off.aclose()


async def test_a_template_error_from_the_platform_drops_the_cache() -> None:
    hub, sim = hub_on_simulator()
    await hub.send(ADA, shipped(*SHIPPED))
    fake = cast(FakeWhatsApp, sim.fake("whatsapp"))
    fake.template_status("order_shipped", "PAUSED")  # paused at Meta after we cached it
    with pytest.raises(polychat.PlatformError) as info:
        await hub.send(ADA, shipped(*SHIPPED))
    assert info.value.code in (132015, 132016, 132001)
    assert hub.store.get(TemplateCache.cache_key(WABA)) is None
    with pytest.raises(TemplateMismatch) as refused:  # refetched: now refused locally
        await hub.send(ADA, shipped(*SHIPPED))
    assert refused.value.limit == "whatsapp.template.status"
    await hub.aclose()


async def test_a_template_webhook_drops_the_cache() -> None:
    hub, sim = hub_on_simulator()
    await hub.templates()
    key = TemplateCache.cache_key(WABA)
    assert hub.store.get(key) is not None
    cast(FakeWhatsApp, sim.fake("whatsapp")).template_status("order_shipped", "PAUSED")
    await sim.flush()  # the status webhook reaches the hub
    assert hub.store.get(key) is None
    await hub.aclose()


async def test_fetch_failure_leaves_the_check_to_the_platform(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(500, json={"error": {"message": "boom", "code": 2}})
        return httpx.Response(200, json={"messaging_product": "whatsapp",
                                         "messages": [{"id": "wamid.T"}]})

    hub = AsyncHub(make_wa(), window="ignore", transport=httpx.MockTransport(refuse),
                   retry=polychat.RetryPolicy(attempts=1))
    result = await hub.send(ADA, shipped(*SHIPPED))
    assert result.message_ids == ["wamid.T"]
    assert "could not fetch the approved templates" in caplog.text
    await hub.aclose()


async def test_management_through_the_hub() -> None:
    hub, _sim = hub_on_simulator()
    names = {d.name for d in await hub.templates()}
    assert "order_shipped" in names
    created = await hub.create_template({
        "name": "back_in_stock", "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "{{1}} is back in stock.",
                        "example": {"body_text": [["The fern"]]}}]})
    assert isinstance(created, TemplateDefinition) and created.id
    assert hub.store.get(TemplateCache.cache_key(WABA)) is None  # dropped after a change
    assert await hub.delete_template("back_in_stock") is True
    assert "back_in_stock" not in {d.name for d in await hub.templates(refresh=True)}
    await hub.aclose()


def test_sync_hub_checks_templates_too() -> None:
    hub = Hub(make_wa(), window="ignore", store=MemoryStore())
    sim = Simulator(hub)
    cast(FakeWhatsApp, sim.fake("whatsapp")).templates = PAGE["data"]
    with pytest.raises(TemplateMismatch):
        hub.send(ADA, Template("order_shipped", "en_US"))  # parameters missing
    assert sends(sim) == 0
    hub.close()


def test_a_channel_without_waba_id_has_no_registry() -> None:
    hub = Hub(polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE"))
    with pytest.raises(polychat.ConfigurationError, match="waba_id"):
        hub.templates()


async def test_outside_window_template_is_checked_too() -> None:
    hub = AsyncHub(make_wa())
    sim = Simulator(hub)
    cast(FakeWhatsApp, sim.fake("whatsapp")).templates = PAGE["data"]
    ada = sim.user("whatsapp")
    await ada.says("hi")
    from datetime import timedelta

    sim.advance(timedelta(hours=30))
    address = Address(channel="whatsapp", account=PNID, user=ada.id)
    with pytest.raises(TemplateMismatch):
        await hub.send(address, polychat.Text("shipped"), outside_window=Template("order_shipped", "en"))
    result = await hub.send(address, polychat.Text("shipped"), outside_window=shipped(*SHIPPED))
    assert result.degraded[0].startswith("window.outside")
    assert json.loads(sim.requests[-1].content)["template"]["name"] == "order_shipped"
    await hub.aclose()
