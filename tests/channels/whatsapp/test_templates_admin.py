"""Template management exchanges (list with paging, create, delete) and the cache helper."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from _template_cases import DEFINITIONS, PAGE
from polychat import ConfigurationError, HttpResponse, MemoryStore, PermanentError, WhatsApp
from polychat.channels._base import Exchange
from polychat.channels.whatsapp import TemplateCache, TemplateDefinition, find_definition
from polychat.wire import HttpRequest

WABA = "102290129340398"


def channel(**extra: Any) -> WhatsApp:
    return WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-TOKEN-0000",
                    **extra)


def ok(body: Any) -> HttpResponse:
    return HttpResponse(status_code=200, content=json.dumps(body).encode())


def drive(exchange: Exchange, answers: list[HttpResponse]) -> tuple[list[HttpRequest], Any]:
    """Run an exchange against canned responses; return its requests and its result."""
    requests: list[HttpRequest] = []
    try:
        request = next(exchange)
        for answer in answers:
            requests.append(request)
            request = exchange.send(answer)
    except StopIteration as stop:
        return requests, stop.value
    raise AssertionError(f"the exchange wanted more than {len(answers)} responses")


def query(request: HttpRequest) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(request.url).query).items()}


def test_list_follows_the_cursors_until_the_last_page() -> None:
    items = PAGE["data"]
    pages = [
        {"data": items[:6], "paging": {"cursors": {"before": "B1", "after": "A1"},
                                       "next": "https://graph.facebook.com/v25.0/x?after=A1"}},
        {"data": items[6:12], "paging": {"cursors": {"before": "B2", "after": "A2"},
                                         "next": "https://graph.facebook.com/v25.0/x?after=A2"}},
        {"data": items[12:], "paging": {"cursors": {"before": "B3", "after": "A3"}}},
    ]
    wa = channel(waba_id=WABA)
    requests, definitions = drive(wa.list_templates_exchange(limit=6), [ok(p) for p in pages])
    assert definitions == DEFINITIONS
    assert [r.method for r in requests] == ["GET"] * 3
    assert all(urlsplit(r.url).path == f"/v25.0/{WABA}/message_templates" for r in requests)
    assert [query(r).get("after") for r in requests] == [None, "A1", "A2"]
    first = query(requests[0])
    assert first["limit"] == "6" and "parameter_format" in first["fields"].split(",")
    assert requests[0].headers["Authorization"] == "Bearer EAAG-FAKE-TOKEN-0000"
    assert "EAAG" not in repr(requests[0])


def test_list_filters_and_an_explicit_account() -> None:
    requests, definitions = drive(
        channel().list_templates_exchange(name="order_shipped", status="approved",
                                          waba_id="555"),
        [ok({"data": PAGE["data"][:2]})])
    assert [d.language for d in definitions] == ["en_US", "pt_BR"]
    assert (query(requests[0])["name"], query(requests[0])["status"]) == ("order_shipped",
                                                                         "APPROVED")
    assert "/555/message_templates" in requests[0].url


def test_list_stops_on_a_repeated_cursor_and_skips_junk_items() -> None:
    page = {"data": [PAGE["data"][0], "junk", {"language": "en"}],
            "paging": {"cursors": {"after": "SAME"}, "next": "https://x.example/next"}}
    requests, definitions = drive(channel(waba_id=WABA).list_templates_exchange(),
                                  [ok(page), ok(page)])
    assert len(requests) == 2 and [d.name for d in definitions] == ["order_shipped"] * 2


def test_management_needs_the_account() -> None:
    with pytest.raises(ConfigurationError, match="waba_id"):
        channel().list_templates_exchange()
    with pytest.raises(ConfigurationError, match="waba_id"):
        channel(waba_id="not-a-number")
    with pytest.raises(ConfigurationError):
        channel(waba_id=WABA).list_templates_exchange(limit=0)


def test_create_sends_the_definition_and_returns_it_with_metas_answer() -> None:
    definition = TemplateDefinition.from_graph({
        "name": "order_delayed", "language": "en_US", "category": "UTILITY",
        "parameter_format": "POSITIONAL", "status": "APPROVED", "id": "1",
        "components": [{"type": "BODY", "text": "Order {{1}} is late.",
                        "example": {"body_text": [["A1001"]]}}]})
    requests, created = drive(channel(waba_id=WABA).create_template_exchange(definition),
                              [ok({"id": "1689556908129999", "status": "PENDING",
                                   "category": "UTILITY"})])
    (request,) = requests
    assert request.method == "POST" and request.url.endswith(f"/{WABA}/message_templates")
    assert request.json == {
        "name": "order_delayed", "language": "en_US", "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "components": [{"type": "BODY", "text": "Order {{1}} is late.",
                        "example": {"body_text": [["A1001"]]}}]}
    assert (created.id, created.status) == ("1689556908129999", "PENDING")
    assert created.variables("body") == ["1"]


def test_create_takes_a_graph_body_and_checks_it() -> None:
    wa = channel(waba_id=WABA)
    raw = {"name": "hello", "language": "en", "category": "MARKETING",
           "components": [{"type": "body", "text": "Hello!"}]}
    requests, created = drive(wa.create_template_exchange(raw), [ok({"id": "7"})])
    assert requests[0].json == raw and created.status == "PENDING" and created.id == "7"
    with pytest.raises(ConfigurationError, match="category"):
        wa.create_template_exchange({"name": "x", "language": "en", "components": []})
    with pytest.raises(ConfigurationError):
        wa.create_template_exchange({"name": "x", "language": "en", "category": "UTILITY",
                                     "components": {"type": "BODY"}})


@pytest.mark.parametrize(("hsm_id", "expected"), [
    (None, {"name": "order_shipped"}),
    ("1689556908129833", {"name": "order_shipped", "hsm_id": "1689556908129833"}),
])
def test_delete(hsm_id: str | None, expected: dict[str, str]) -> None:
    requests, deleted = drive(
        channel(waba_id=WABA).delete_template_exchange("order_shipped", hsm_id=hsm_id),
        [ok({"success": True})])
    assert requests[0].method == "DELETE" and query(requests[0]) == expected
    assert deleted is True
    with pytest.raises(ConfigurationError):
        channel(waba_id=WABA).delete_template_exchange("")


def test_management_errors_are_classified() -> None:
    body = {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException",
                      "code": 100, "error_subcode": 2388024,
                      "error_data": "Content in this language already exists",
                      "fbtrace_id": "AbCFAKE"}}
    error = channel().classify(HttpResponse(status_code=400, content=json.dumps(body).encode()))
    assert isinstance(error, PermanentError)
    assert error.details == "Content in this language already exists"


def test_the_exchanges_answer_non_objects_with_a_platform_error() -> None:
    from polychat.errors import PlatformError

    with pytest.raises(PlatformError, match="no JSON object"):
        drive(channel(waba_id=WABA).list_templates_exchange(),
              [HttpResponse(status_code=200, content=b"[]")])


# -- the cache -------------------------------------------------------------------------------------


def test_cache_round_trip_through_a_store() -> None:
    store = MemoryStore()
    key = TemplateCache.cache_key(WABA)
    assert key == f"polychat:whatsapp:templates:{WABA}"
    assert TemplateCache.load(store.get(key)) is None
    store.put(key, TemplateCache.dump(DEFINITIONS), TemplateCache.DEFAULT_TTL)
    loaded = TemplateCache.load(json.loads(json.dumps(store.get(key))))
    assert loaded == DEFINITIONS
    assert find_definition(loaded, "order_shipped", "pt_BR") == DEFINITIONS[1]
    assert TemplateCache.DEFAULT_TTL == 600


@pytest.mark.parametrize("value", [None, {"data": []}, ["x"], [{"name": "no language"}]])
def test_cache_ignores_what_it_cannot_read(value: Any) -> None:
    assert TemplateCache.load(value) is None
