"""polychat.web.django with Django's test clients: sync and async views, cap, CSRF, dispatch."""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(SECRET_KEY="fake-django-secret-key-for-tests")
    django.setup()

from django.test import AsyncClient, Client, RequestFactory, override_settings
from django.urls import URLPattern

import polychat
from _web import (
    HANDSHAKE,
    async_echo_hub,
    oversized,
    says,
    sync_echo_hub,
    tampered,
)
from polychat.web import django as glue

MIDDLEWARE = ["django.middleware.common.CommonMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware"]


def serve(patterns: list[URLPattern]) -> Any:
    """Settings routing to ``patterns`` with CSRF checks on (whoever configured Django first)."""
    urls = types.ModuleType("polychat_test_urls")
    urls.urlpatterns = patterns  # type: ignore[attr-defined]
    return override_settings(ROOT_URLCONF=urls, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=MIDDLEWARE)


def meta(headers: dict[str, str]) -> dict[str, str]:
    """Headers for Django's client (the content type goes in its own argument)."""
    return {k: v for k, v in headers.items() if k.lower() != "content-type"}


@pytest.fixture
def sync_site() -> Iterator[tuple[Client, polychat.testing.Simulator, list[str]]]:
    hub, sim, seen = sync_echo_hub()
    with serve(glue.urlpatterns(hub, max_body=4096)):
        yield Client(enforce_csrf_checks=True), sim, seen


def test_handshake(sync_site: Any) -> None:
    client, _, _ = sync_site
    ok = client.get("/webhooks/messenger", HANDSHAKE)
    assert ok.status_code == 200 and ok.content.decode() == HANDSHAKE["hub.challenge"]
    assert client.get("/webhooks/messenger", {**HANDSHAKE, "hub.verify_token": "x"}).status_code == 403


def test_signed_posts_reply_once_and_errors(sync_site: Any) -> None:
    client, sim, seen = sync_site
    body, headers = says(sim, "whatsapp", "hello")
    post = {"content_type": "application/json"}
    assert client.post("/webhooks/whatsapp", body, headers=meta(headers), **post).status_code == 200
    assert client.post("/webhooks/whatsapp/message", body, headers=meta(headers), **post).status_code == 200
    assert client.post("/webhooks/whatsapp", body, headers=meta(tampered(headers)), **post).status_code == 401
    assert client.post("/webhooks/viber", body, headers=meta(headers), **post).status_code == 404
    assert client.put("/webhooks/whatsapp", body, headers=meta(headers), **post).status_code == 405
    assert client.post("/webhooks/whatsapp", oversized(5000), headers=meta(headers),
                       **post).status_code == 413
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: hello"]


def test_the_sync_view_answers_before_dispatching() -> None:
    hub, sim, seen = sync_echo_hub()
    body, headers = says(sim, "messenger", "hi")
    view = glue.urlpatterns(hub)[0].callback
    request = RequestFactory().post("/webhooks/messenger", body, content_type="application/json",
                                    headers=meta(headers))
    with serve([]):
        response = view(request, channel="messenger")
        assert response.status_code == 200 and seen == []
        response.close()  # the server closes the response once it is sent
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: hi"]


def test_the_body_cap_is_counted_while_reading_too() -> None:
    hub, sim, seen = sync_echo_hub()
    _, headers = says(sim, "whatsapp", "hello")
    view = glue.urlpatterns(hub, max_body=100)[0].callback
    big = oversized(5000)
    request = RequestFactory().post("/webhooks/whatsapp", big, content_type="application/json",
                                    headers=meta(headers))
    request.META["CONTENT_LENGTH"] = "50"  # a lying header: the cap is still enforced on bytes
    stream = request._stream = _Stream(big)
    with serve([]):
        assert view(request, channel="whatsapp").status_code == 413
    assert seen == [] and stream.read_so_far < len(big)


class _Stream:
    """A request stream that says how much of it was read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.read_so_far + size
        chunk = self.data[self.read_so_far:end]
        self.read_so_far += len(chunk)
        return chunk


async def test_async_hub_under_asgi_dispatches_in_a_task() -> None:
    hub, sim, seen = async_echo_hub()
    body, headers = says(sim, "messenger", "async hi")
    with serve(glue.urlpatterns(hub)):
        client = AsyncClient(enforce_csrf_checks=True)
        for _ in range(2):
            response = await client.post("/webhooks/messenger", body,
                                         content_type="application/json", headers=meta(headers))
            assert response.status_code == 200
        await asyncio.gather(*list(glue._running))
        assert (await client.get("/webhooks/whatsapp", HANDSHAKE)).status_code == 200
        assert (await client.post("/webhooks/messenger", oversized(5_000_000),
                                  content_type="application/json")).status_code == 413
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: async hi"]
    assert not glue._running


def test_async_hub_under_wsgi_dispatches_before_answering(caplog: pytest.LogCaptureFixture) -> None:
    hub, sim, seen = async_echo_hub()
    body, headers = says(sim, "whatsapp", "wsgi hi")
    with serve(glue.urlpatterns(hub)), caplog.at_level(logging.WARNING, "polychat.web"):
        response = Client().post("/webhooks/whatsapp", body, content_type="application/json",
                                 headers=meta(headers))
    assert response.status_code == 200 and len(seen) == 1
    assert "serve it with ASGI" in caplog.text


def test_prefix_and_names() -> None:
    hub, _, _ = sync_echo_hub()
    routes = [str(p.pattern) for p in glue.urlpatterns(hub, prefix="/api/hooks/")]
    assert routes == ["api/hooks/<str:channel>", "api/hooks/<str:channel>/<path:rest>"]
    assert [str(p.pattern) for p in glue.urlpatterns(hub, prefix="")] == [
        "<str:channel>", "<str:channel>/<path:rest>"]
    assert [p.name for p in glue.urlpatterns(hub)] == ["polychat-webhook", "polychat-webhook-path"]
