"""polychat.web.fastapi with FastAPI's TestClient: handshake, signatures, cap, dispatch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from _web import (
    HANDSHAKE,
    async_echo_hub,
    chunks,
    oversized,
    says,
    sync_echo_hub,
    tampered,
)
from polychat.web.fastapi import router

HUBS = [async_echo_hub, sync_echo_hub]


def app_for(hub: Any, **options: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(router(hub, **options))
    return app


@pytest.mark.parametrize("make", HUBS)
def test_handshake(make: Any) -> None:
    hub, _, _ = make()
    with TestClient(app_for(hub)) as client:
        ok = client.get("/webhooks/messenger", params=HANDSHAKE)
        assert ok.status_code == 200 and ok.text == HANDSHAKE["hub.challenge"]
        wrong = client.get("/webhooks/whatsapp", params={**HANDSHAKE, "hub.verify_token": "nope"})
        assert wrong.status_code == 403


@pytest.mark.parametrize("make", HUBS)
def test_signed_post_dispatches_after_answering_and_only_once(make: Any) -> None:
    sent: list[str] = []
    answered_first: list[bool] = []
    hub, sim, seen = make(lambda: answered_first.append("http.response.body" in sent))
    app = app_for(hub, prefix="/hooks/meta")

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        async def record(message: Any) -> None:
            sent.append(message["type"])
            await send(message)
        await app(scope, receive, record)

    body, headers = says(sim, "messenger", "bonjour")
    with TestClient(spy) as client:
        for _ in range(2):  # Meta re-delivers: the second copy is answered, not dispatched
            response = client.post("/hooks/meta/messenger", content=body, headers=headers)
            assert response.status_code == 200 and response.text == "OK"
        assert client.get("/health").json() == {"status": "ok"}
    assert answered_first == [True]
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: bonjour"]


@pytest.mark.parametrize("make", HUBS)
def test_errors(make: Any) -> None:
    hub, sim, seen = make()
    body, headers = says(sim, "whatsapp", "hello")
    with TestClient(app_for(hub)) as client:
        assert client.post("/webhooks/whatsapp", content=body, headers=tampered(headers)).status_code == 401
        assert client.post("/webhooks/whatsapp", content=b"{}").status_code == 401  # unsigned
        assert client.post("/webhooks/line", content=body, headers=headers).status_code == 404
        assert client.delete("/webhooks/whatsapp").status_code == 405
    assert seen == [] and sim.sent == []


@pytest.mark.parametrize("make", HUBS)
def test_body_cap(make: Any) -> None:
    hub, sim, seen = make()
    body, headers = says(sim, "whatsapp", "hello")
    with TestClient(app_for(hub, max_body=len(body))) as client:
        big = oversized(len(body) + 1)
        assert client.post("/webhooks/whatsapp", content=big, headers=headers).status_code == 413
        chunked = client.post("/webhooks/whatsapp", content=chunks(big, 100), headers=headers)
        assert chunked.status_code == 413 and "content-length" not in chunked.request.headers
        fits = client.post("/webhooks/whatsapp", content=chunks(body, 100), headers=headers)
        assert fits.status_code == 200
    assert len(seen) == 1


def test_the_webhooks_stay_out_of_the_openapi_schema() -> None:
    hub, _, _ = async_echo_hub()
    assert list(app_for(hub).openapi()["paths"]) == ["/health"]
